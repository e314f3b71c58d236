/*
 * verb.c - the one path of every table verb (verb.h): command line to
 * request, request to call, answer to table or JSON, and the verb's help.
 *
 * The request is a message of the verb's type whose fields point into argv
 * (strings) or hold parsed values; what this file allocates for it (arrays
 * of repeated fields, nested messages) is recorded in a run and freed when
 * the verb ends, so the message itself is never handed to protobuf-c's free.
 *
 * Entry points: cli_verb_run(), cli_verb_of(), cli_verb_synopsis(),
 * cli_verb_help().
 */
#include "verb.h"

#include "args.h"
#include "call.h"
#include "exit.h"
#include "mem.h"
#include "pb_field.h"

#include "ssc/v1/common.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define MAX_REPEATS 64 /* values of one repeated flag */

typedef struct run {
    const cli_verb *v;
    const cli_cmd *self;
    cli_given given;
    const char *lists[CLI_VERB_MAX_FLAGS][MAX_REPEATS];
    int nlists[CLI_VERB_MAX_FLAGS];
    int bools[CLI_VERB_MAX_FLAGS];
    const char *key;
    const char *limit; /* streams: --limit N */
    cli_paging paging;
    void **owned; /* arrays and messages made for the request */
    size_t nowned, aowned;
} run;

const cli_verb *cli_verb_of(const cli_cmd *cmd)
{
    return cmd->run == cli_verb_run ? container_of(cmd, cli_verb, cmd) : NULL;
}

static size_t count(const cli_flag *f)
{
    size_t n = 0;

    while (f != NULL && f[n].name != NULL)
        n++;
    return n;
}

/* The field path names in messages of type md: "name", or "a.b" for field b
 * of the message field a. NULL when there is none. */
static const ProtobufCFieldDescriptor *
path_field(const ProtobufCMessageDescriptor *md, const char *path)
{
    for (;;) {
        size_t n = strcspn(path, ".");
        char part[64];
        const ProtobufCFieldDescriptor *d;

        if (n >= sizeof(part))
            return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        d = protobuf_c_message_descriptor_get_field_by_name(md, part);
        if (d == NULL || path[n] == '\0')
            return d;
        if (d->type != PROTOBUF_C_TYPE_MESSAGE ||
            d->label == PROTOBUF_C_LABEL_REPEATED)
            return NULL;
        md = d->descriptor;
        path += n + 1;
    }
}

static const ProtobufCFieldDescriptor *field_of(const cli_verb *v,
                                                const char *name)
{
    return path_field(v->request, name);
}

static int repeated(const cli_verb *v, const cli_flag *f)
{
    const ProtobufCFieldDescriptor *d =
        f->field != NULL ? field_of(v, f->field) : NULL;

    return d != NULL && d->label == PROTOBUF_C_LABEL_REPEATED;
}

/* ---- the command line --------------------------------------------------- */

/* The options of the verb, as cli_args_parse() takes them. */
static void options(run *r, cli_opt *opts)
{
    const cli_verb *v = r->v;
    size_t n = 0;

    for (size_t i = 0; v->flags != NULL && v->flags[i].name != NULL; i++) {
        const cli_flag *f = &v->flags[i];
        cli_opt *o = &opts[n++];

        memset(o, 0, sizeof(*o));
        o->name = f->name;
        o->required = (f->flags & CLI_F_REQUIRED) != 0;
        if (f->arg == NULL) {
            o->flag = &r->bools[i];
        } else if (repeated(v, f)) {
            o->list = r->lists[i];
            o->nlist = &r->nlists[i];
            o->maxlist = MAX_REPEATS;
        } else {
            o->value = &r->given.flag[i];
        }
    }
    if (v->kind == CLI_WRITE)
        opts[n++] = (cli_opt){"--idempotency-key", &r->key};
    if (v->kind == CLI_LIST) {
        opts[n++] = (cli_opt){"--page-size", &r->paging.size};
        opts[n++] = (cli_opt){"--page-token", &r->paging.token};
        opts[n++] = (cli_opt){"--all", NULL, &r->paging.all};
    }
    if (v->kind == CLI_STREAM)
        opts[n++] = (cli_opt){"--limit", &r->limit};
    memset(&opts[n], 0, sizeof(opts[n]));
}

/* ---- the request -------------------------------------------------------- */

static void *own(run *r, size_t bytes)
{
    void *p = ssc_xcalloc(1, bytes ? bytes : 1);

    if (r->nowned == r->aowned) {
        r->aowned = r->aowned ? 2 * r->aowned : 16;
        r->owned = ssc_xrealloc(r->owned, r->aowned * sizeof(void *));
    }
    r->owned[r->nowned++] = p;
    return p;
}

static ProtobufCMessage *new_msg(run *r, const ProtobufCMessageDescriptor *md)
{
    ProtobufCMessage *m = own(r, md->sizeof_message);

    protobuf_c_message_init(md, m);
    return m;
}

/* Was flag i given (with a value, as a bool, or repeated)? */
static int given(const run *r, size_t i)
{
    return r->given.flag[i] != NULL || r->nlists[i] > 0 || r->bools[i];
}

/* The message in req that holds the last field of path ("a.b": the message
 * in field a), made on the way when it is not there yet. path is valid
 * (field_of() found it). */
static ProtobufCMessage *holder(run *r, ProtobufCMessage *m, const char *path)
{
    const char *dot;

    while ((dot = strchr(path, '.')) != NULL) {
        char part[64];
        const ProtobufCFieldDescriptor *d;
        ProtobufCMessage **sub;

        snprintf(part, sizeof(part), "%.*s", (int)(dot - path), path);
        d = protobuf_c_message_descriptor_get_field_by_name(m->descriptor,
                                                            part);
        sub = (ProtobufCMessage **)((char *)m + d->offset);
        if (*sub == NULL)
            *sub = new_msg(r, d->descriptor);
        m = *sub;
        path = dot + 1;
    }
    return m;
}

static int parse_value(run *r, const cli_flag *f,
                       const ProtobufCFieldDescriptor *d, const char *text,
                       void *dst);

/* Parses "KEY=VALUE" (split at the last '=') as a new message of type md (a
 * SectorShare from "23110=60"): KEY fills its first field, VALUE its second
 * or, when that is a message (a Money), the first field of that. */
static int parse_pair(run *r, const cli_flag *f,
                      const ProtobufCMessageDescriptor *md, const char *text,
                      ProtobufCMessage **dst)
{
    const char *eq = strrchr(text, '=');
    ProtobufCMessage *m = new_msg(r, md);
    const ProtobufCFieldDescriptor *vd;
    char *key;
    int rc;

    if (eq == NULL || md->n_fields < 2)
        return cli_usage(r->self, "%s: expected %s, not \"%s\"", f->name,
                         f->arg, text);
    *dst = m;
    key = own(r, (size_t)(eq - text) + 1);
    memcpy(key, text, (size_t)(eq - text));
    rc = parse_value(r, f, &md->fields[0], key,
                     (char *)m + md->fields[0].offset);
    vd = &md->fields[1];
    if (rc == 0 && vd->type == PROTOBUF_C_TYPE_MESSAGE) {
        const ProtobufCMessageDescriptor *sd = vd->descriptor;
        ProtobufCMessage *sub = new_msg(r, sd);

        *(ProtobufCMessage **)((char *)m + vd->offset) = sub;
        m = sub;
        vd = &sd->fields[0];
    }
    if (rc == 0)
        rc = parse_value(r, f, vd, eq + 1, (char *)m + vd->offset);
    return rc;
}

/* Parses text as one value of field d into dst. Returns 0 or an exit status
 * after saying why (what names the flag). */
static int parse_value(run *r, const cli_flag *f,
                       const ProtobufCFieldDescriptor *d, const char *text,
                       void *dst)
{
    int64_t i = 0;
    int e = 0, rc;

    switch (d->type) {
    case PROTOBUF_C_TYPE_STRING:
        *(const char **)dst = text;
        return 0;
    case PROTOBUF_C_TYPE_ENUM:
        rc = cli_arg_enum(r->self, f->name, text, d->descriptor, &e);
        *(int *)dst = e;
        return rc;
    case PROTOBUF_C_TYPE_UINT32:
        return cli_arg_uint32(r->self, f->name, text, (uint32_t)f->min,
                              (uint32_t *)dst);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return cli_arg_int64(r->self, f->name, text, f->min, (int64_t *)dst);
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        rc = cli_arg_int64(r->self, f->name, text, f->min, &i);
        if (rc == 0 && i > INT32_MAX)
            return cli_usage(r->self, "%s: must be at most %d, not %s", f->name,
                             INT32_MAX, text);
        *(int32_t *)dst = (int32_t)i;
        return rc;
    case PROTOBUF_C_TYPE_MESSAGE:
        return parse_pair(r, f, d->descriptor, text, (ProtobufCMessage **)dst);
    default:
        return cli_error(r->self, CLI_EXIT_INTERNAL,
                         "%s: the verb's table names a field ssc cannot fill",
                         f->name);
    }
}

/* Sets field f->field of req from what was given for flag i (a positional
 * when pos). A flag not given sets nothing (and makes no nested message). */
static int fill(run *r, const cli_flag *f, size_t i, int pos,
                ProtobufCMessage *req)
{
    const ProtobufCFieldDescriptor *d = field_of(r->v, f->field);
    char *m, *at;

    if (d == NULL)
        return cli_error(r->self, CLI_EXIT_INTERNAL,
                         "%s: the verb's table names no field \"%s\"", f->name,
                         f->field);
    if (!pos && !given(r, i))
        return 0;
    m = (char *)holder(r, req, f->field);
    at = m + d->offset;
    if (d->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t size = ssc_pb_elem_size(d->type);
        char *elems = own(r, size * (size_t)r->nlists[i]);

        for (int k = 0; k < r->nlists[i]; k++) {
            int rc = parse_value(r, f, d, r->lists[i][k], elems + k * size);

            if (rc != 0)
                return rc;
        }
        *(size_t *)(m + d->quantifier_offset) = (size_t)r->nlists[i];
        *(void **)at = elems;
        return 0;
    }
    if (!pos && f->arg == NULL) {
        *(protobuf_c_boolean *)at = 1;
        return 0;
    }
    return parse_value(r, f, d, pos ? r->given.pos[i] : r->given.flag[i], at);
}

/* Is the top-level field of path ("a" of "a.b") among names[0..n)? */
static int masked(const char **names, size_t n, const char *path, size_t len)
{
    for (size_t k = 0; k < n; k++)
        if (strlen(names[k]) == len && strncmp(names[k], path, len) == 0)
            return 1;
    return 0;
}

/* update_mask: the top-level fields of the CLI_F_MASK flags given, in table
 * order, each once ("monthly_compensation" for two flags filling its
 * amount_minor and currency). A verb with such flags needs at least one of
 * them. */
static int mask(run *r, ProtobufCMessage *req)
{
    const ProtobufCFieldDescriptor *d = field_of(r->v, "update_mask");
    size_t n = 0, all = count(r->v->flags);
    const char **names = own(r, all * sizeof(char *));
    char list[256] = "";
    int hooked = 0; /* a flag prepare names in update_mask was given */

    for (size_t i = 0; i < all; i++) {
        const cli_flag *f = &r->v->flags[i];

        if (!(f->flags & CLI_F_MASK))
            continue;
        if (given(r, i) && f->field == NULL) {
            hooked = 1;
        } else if (given(r, i)) {
            size_t len = strcspn(f->field, ".");

            if (!masked(names, n, f->field, len)) {
                char *top = own(r, len + 1);

                memcpy(top, f->field, len);
                names[n++] = top;
            }
        }
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                 list[0] ? ", " : "", f->name);
    }
    if (d == NULL || list[0] == '\0')
        return 0;
    if (n == 0 && !hooked)
        return cli_usage(r->self, "nothing to change: give %s", list);
    *(size_t *)((char *)req + d->quantifier_offset) = n;
    *(const char ***)((char *)req + d->offset) = names;
    return 0;
}

static int build(run *r, ProtobufCMessage *req)
{
    const cli_verb *v = r->v;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < count(v->positional); i++)
        rc = fill(r, &v->positional[i], i, 1, req);
    for (size_t i = 0; rc == 0 && i < count(v->flags); i++)
        if (v->flags[i].field != NULL)
            rc = fill(r, &v->flags[i], i, 0, req);
    if (rc == 0)
        rc = mask(r, req);
    if (rc == 0 && v->prepare != NULL)
        rc = v->prepare(r->self, &r->given, req);
    return rc;
}

/* ---- the call ----------------------------------------------------------- */

static int run_verb(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv);

/* The destination the verb's sink flag names, or NULL when not given. */
static const char *sink_dest(const run *r)
{
    for (size_t i = 0; r->v->sink_flag != NULL && i < count(r->v->flags); i++)
        if (strcmp(r->v->flags[i].name, r->v->sink_flag) == 0)
            return r->given.flag[i];
    return NULL;
}

typedef struct streamed {
    const cli_ctx *ctx;
    const cli_view *view;
    int64_t n, limit;
} streamed;

static int on_streamed(void *arg, const ProtobufCMessage *msg)
{
    streamed *s = arg;

    cli_print_line(s->ctx, s->view, msg, s->n == 0);
    s->n++;
    return s->limit > 0 && s->n >= s->limit; /* enough: cancel */
}

/* A server stream: each message a line as it comes, until the server ends
 * the stream, --limit messages have come, or the user interrupts. */
static int stream(cli_ctx *ctx, run *r, ProtobufCMessage *req)
{
    streamed s = {ctx, r->v->view, 0, 0};
    ssc_client_result res;
    ssc_client *client;
    int rc;

    if (r->limit != NULL &&
        (rc = cli_arg_int64(r->self, "--limit", r->limit, 1, &s.limit)) != 0)
        return cli_args_exit(rc);
    rc = cli_client(ctx, r->self, &client);
    if (rc != 0)
        return rc;
    ssc_client_result_init(&res);
    ssc_client_server_stream(client, r->v->path, req, r->v->response, 0,
                             on_streamed, &s, &res);
    if (res.code == SSC_STATUS_OK ||
        (res.code == SSC_STATUS_CANCELLED && s.limit > 0 && s.n >= s.limit))
        rc = 0;
    else
        rc = cli_fail(r->self, &res);
    ssc_client_result_free(&res);
    return rc;
}

static int call(cli_ctx *ctx, run *r, ProtobufCMessage *req)
{
    const cli_verb *v = r->v;
    char keybuf[CLI_KEY_LEN + 1];
    ProtobufCMessage *resp = NULL;
    int rc;

    if (v->kind == CLI_LIST) {
        const ProtobufCFieldDescriptor *page = field_of(v, "page");
        cli_list_sink sink = {v->sink, sink_dest(r)};

        if (sink.dest != NULL && r->paging.token != NULL)
            return cli_usage(r->self,
                             "%s writes the whole list: leave out "
                             "--page-token",
                             v->sink_flag);

        return cli_list_run(
            ctx, r->self, v->path, req,
            (Ssc__V1__PageRequest **)((char *)req + page->offset), &r->paging,
            v->response, v->view, sink.dest != NULL ? &sink : NULL);
    }
    if (v->kind == CLI_STREAM)
        return stream(ctx, r, req);
    if (v->kind == CLI_WRITE) {
        const char *key = cli_idem_key(ctx, r->self, r->key, keybuf);

        if (key == NULL)
            return CLI_EXIT_INTERNAL;
        *(const char **)((char *)req + field_of(v, "idempotency_key")->offset) =
            key;
        r->key = key[0] != '\0' ? key : NULL;
    }
    if (v->answer == NULL && v->view == NULL)
        return cli_error(r->self, CLI_EXIT_INTERNAL,
                         "the verb's table has no view of the answer");
    if (v->answer == NULL)
        return cli_call_print(ctx, r->self, v->path, req, v->view,
                              r->key != NULL);
    rc = cli_call(ctx, r->self, v->path, req, v->response, &resp,
                  r->key != NULL);
    if (rc != 0)
        return rc;
    rc = v->answer(ctx, r->self, resp);
    protobuf_c_message_free_unpacked(resp, NULL);
    return rc;
}

/* Does word take a value among the verb's options (its own flags with an
 * argument, and the paging and key options of its kind)? */
static int takes_value(const cli_verb *v, const char *word)
{
    static const char *const common[] = {"--page-size", "--page-token",
                                         "--idempotency-key", "--limit"};

    for (size_t i = 0; v->flags != NULL && v->flags[i].name != NULL; i++)
        if (strcmp(v->flags[i].name, word) == 0)
            return v->flags[i].arg != NULL;
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
        if (strcmp(common[i], word) == 0)
            return 1;
    return 0;
}

/* Is word the verb's switch flag ("--number" or "--number=N" for one
 * that takes a value)? */
static int is_switch(const cli_verb *v, const char *word)
{
    size_t n = strlen(v->switch_flag);

    return strncmp(word, v->switch_flag, n) == 0 &&
           (word[n] == '\0' ||
            (word[n] == '=' && takes_value(v, v->switch_flag)));
}

/* The index of the verb's switch flag in argv (before any "--", and not
 * the value of another option: `--ics --watch` names a file), or 0. */
static int switched(const cli_verb *v, int argc, char **argv)
{
    for (int i = 1; v->switch_flag != NULL && i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (is_switch(v, argv[i]))
            return i;
        if (strchr(argv[i], '=') == NULL && takes_value(v, argv[i]))
            i++;
    }
    return 0;
}

int cli_verb_run(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    const cli_verb *v = cli_verb_of(self);
    int at = switched(v, argc, argv);

    if (at > 0 && takes_value(v, v->switch_flag)) /* the other verb's too */
        return cli_verb_run(ctx, &v->switch_to->cmd, argc, argv);
    if (at > 0) { /* the rest is the other verb's: drop the flag */
        memmove(argv + at, argv + at + 1, (size_t)(argc - at) * sizeof(char *));
        return cli_verb_run(ctx, &v->switch_to->cmd, argc - 1, argv);
    }
    return run_verb(ctx, self, argc, argv);
}

static int run_verb(cli_ctx *ctx, const cli_cmd *self, int argc, char **argv)
{
    run *r = ssc_xcalloc(1, sizeof(*r));
    cli_opt opts[CLI_VERB_MAX_FLAGS + 4];
    const char *pos_names[CLI_VERB_MAX_FLAGS];
    ProtobufCMessage *req = NULL;
    int rc;

    r->v = cli_verb_of(self);
    r->self = self;
    for (size_t i = 0; i < count(r->v->positional); i++)
        pos_names[i] = r->v->positional[i].name;
    options(r, opts);
    rc = cli_args_parse(self, argc, argv, opts, r->given.pos, pos_names,
                        (int)count(r->v->positional));
    if (rc != 0) {
        rc = cli_args_exit(rc);
        goto out;
    }
    req = ssc_xmalloc(r->v->request->sizeof_message);
    protobuf_c_message_init(r->v->request, req);
    rc = build(r, req);
    if (rc == 0)
        rc = call(ctx, r, req);
    else
        rc = cli_args_exit(rc);
    if (r->v->release != NULL)
        r->v->release(req);
out:
    for (size_t i = 0; i < r->nowned; i++)
        free(r->owned[i]);
    free(r->owned);
    free(req);
    free(r);
    return rc;
}

/* ---- help --------------------------------------------------------------- */

/* Appends " [NAME ARG]" (or without brackets, or without ARG) to buf. */
static void add_word(char *buf, size_t n, int optional, const char *name,
                     const char *arg)
{
    size_t len = strlen(buf);

    snprintf(buf + len, n - len, "%s%s%s%s%s%s", len ? " " : "",
             optional ? "[" : "", name, arg ? " " : "", arg ? arg : "",
             optional ? "]" : "");
}

void cli_verb_synopsis(const cli_verb *v, char *buf, size_t n)
{
    buf[0] = '\0';
    for (const cli_flag *f = v->positional; f != NULL && f->name; f++)
        add_word(buf, n, 0, f->name, NULL);
    for (const cli_flag *f = v->flags; f != NULL && f->name; f++)
        add_word(buf, n, !(f->flags & CLI_F_REQUIRED), f->name, f->arg);
    if (v->kind == CLI_WRITE)
        add_word(buf, n, 1, "--idempotency-key", "K");
    if (v->kind == CLI_LIST) {
        add_word(buf, n, 1, "--page-size", "N");
        add_word(buf, n, 1, "--page-token", "T");
        add_word(buf, n, 1, "--all", NULL);
    }
    if (v->kind == CLI_STREAM)
        add_word(buf, n, 1, "--limit", "N");
}

/* One option's help: its name and value word, then its lines. */
static void flag_help(FILE *f, const char *name, const char *arg,
                      const char *help)
{
    char head[64];
    const char *line = help;

    snprintf(head, sizeof(head), "%s%s%s", name, arg ? " " : "",
             arg ? arg : "");
    if (strlen(head) > 16) /* two spaces at least before the help */
        fprintf(f, "  %s\n  %-18s", head, "");
    else
        fprintf(f, "  %-18s", head);
    while (line != NULL && *line != '\0') {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);

        fprintf(f, "%s%.*s\n", line == help ? "" : "                    ", len,
                line);
        line = nl ? nl + 1 : NULL;
    }
    if (help == NULL || *help == '\0')
        fputc('\n', f);
}

static const char key_help[] =
    "the request's idempotency key (default: 128\n"
    "random bits, shown with --verbose). Sending the\n"
    "same request with the same key again returns the\n"
    "first result and changes nothing; the same key\n"
    "with another request is ALREADY_EXISTS (exit 7).\n"
    "A call ending UNAVAILABLE or DEADLINE_EXCEEDED is\n"
    "retried once with the same key. An empty key sends\n"
    "none (and disables the retry).";

void cli_verb_help(const cli_verb *v, FILE *f)
{
    fprintf(f, "%s", v->intro);
    if (count(v->positional) + count(v->flags) > 0 || v->kind != CLI_READ)
        fputc('\n', f);
    for (const cli_flag *p = v->positional; p != NULL && p->name; p++)
        if (p->help != NULL)
            flag_help(f, p->name, NULL, p->help);
    for (const cli_flag *p = v->flags; p != NULL && p->name; p++)
        flag_help(f, p->name, p->arg, p->help);
    if (v->kind == CLI_WRITE)
        flag_help(f, "--idempotency-key", "K", key_help);
    if (v->kind == CLI_LIST) {
        flag_help(f, "--page-size", "N",
                  "items per page (the server caps it at 500)");
        flag_help(f, "--page-token", "T",
                  "start at the page a previous list pointed to");
        flag_help(f, "--all", NULL, "follow the pages to the end");
    }
    if (v->kind == CLI_STREAM)
        flag_help(f, "--limit", "N",
                  "stop after N lines (default: run until the\n"
                  "server ends the stream or you interrupt)");
}
