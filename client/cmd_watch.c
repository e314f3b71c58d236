/*
 * cmd_watch.c - `ssc watch` (Watch of ssc.v1.Changes): every committed
 * change the caller may read, one line each as it commits, whichever sscd
 * made it.
 *
 * Without --after the watch starts at the newest change (from_now); with
 * --after SEQ it first sends the changes after SEQ, so a script that keeps
 * the last SEQ it printed resumes without gap or duplicate. --kind takes
 * entity names, repeated or comma-separated. With --json each change is one
 * JSON object per line, `after` an object rather than JSON text.
 *
 * Entry points: cli_verb_watch.
 */
#include "cli.h"
#include "exit.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/changes.pb-c.h"

#include <jansson.h>
#include <string.h>

#define V1(stem) ssc__v1__##stem
#define MAX_KINDS 32

static const cli_column change_columns[] = {
    {"SEQ", "seq"},       {"AT", "at"},         {"PRINCIPAL", "principal"},
    {"METHOD", "method"}, {"ENTITY", "entity"}, {"ID", "entity_id"},
    {NULL, NULL},
};

/* The change as JSON, its `after` (JSON text on the wire) an object. */
static json_t *change_json(const ProtobufCMessage *msg)
{
    const Ssc__V1__Change *c = (const Ssc__V1__Change *)msg;
    json_t *o = cli_json_from_msg(msg);
    json_t *after = c->after[0] != '\0'
                        ? json_loads(c->after, JSON_DECODE_ANY, NULL)
                        : json_null();

    if (after != NULL)
        json_object_set_new(o, "after", after);
    return o;
}

static const cli_view change_view = {
    .desc = &ssc__v1__change__descriptor,
    .columns = change_columns,
    .list_key = "changes",
    .to_json = change_json,
};

/* --kind a,b --kind c: the kinds split at commas (into given->scratch);
 * no --after: from the newest change on. */
static int prepare(const cli_cmd *self, cli_given *given, ProtobufCMessage *req)
{
    static char *kinds[MAX_KINDS];
    Ssc__V1__WatchChangesRequest *r = (Ssc__V1__WatchChangesRequest *)req;
    size_t len = 0, n = 0;
    char *p;

    if (given->flag[0] == NULL)
        r->from_now = 1;
    given->scratch[0] = '\0';
    for (size_t i = 0; i < r->n_kinds; i++) {
        size_t k = strlen(r->kinds[i]);

        if (len + k + 2 > sizeof(given->scratch))
            return cli_usage(self, "--kind: too many kinds");
        if (len > 0)
            given->scratch[len++] = ',';
        memcpy(given->scratch + len, r->kinds[i], k + 1);
        len += k;
    }
    for (p = given->scratch; *p != '\0';) {
        size_t k = strcspn(p, ",");

        if (k > 0) {
            if (n == MAX_KINDS)
                return cli_usage(self, "--kind: too many kinds");
            kinds[n++] = p;
        }
        p += k;
        if (*p == ',')
            *p++ = '\0';
    }
    if (r->n_kinds > 0 && n == 0)
        return cli_usage(self, "--kind: give an entity name");
    r->kinds = kinds;
    r->n_kinds = n;
    return 0;
}

const cli_verb cli_verb_watch = {
    CLI_VERB("watch", "follow committed changes as they happen",
             "/ssc.v1.Changes/Watch", CLI_STREAM, V1(watch_changes_request),
             V1(change), &change_view),
    .intro =
        "Prints every change committed to the record that you may read, one\n"
        "line each as it commits, from any sscd on the same database, until\n"
        "interrupted or --limit lines: its audit sequence number, time, who,\n"
        "the method and what it changed. Without --after it starts with the\n"
        "next change; with --after SEQ it first prints the changes after SEQ,\n"
        "so a script that keeps the last SEQ it saw resumes with no gap and\n"
        "no duplicate. With --json one object per line, the entity as it is\n"
        "after the change in \"after\".\n",
    .flags = CLI_FLAGS({"--after", "after_seq", "SEQ",
                        "start after change SEQ (0: from the first)", 0, 0},
                       {"--kind", "kinds", "K",
                        "only changes of these entities, comma-separated\n"
                        "or repeated: agreement, agreement_version,\n"
                        "collaboration, collaboration_transition,\n"
                        "demand_signal, interest, organisation,\n"
                        "principal, secondment"}),
    .prepare = prepare,
};
