/*
 * cmd_radar.c - `ssc radar` (List of ssc.v1.Radar): the deadline radar, the
 * dates of the record that fall due within a horizon, as a table of flags
 * (verb.h).
 *
 * A verb without a noun: the radar is one list, so `ssc radar` is the
 * command itself. Each event shows its date, the days left, its lead-time
 * band ("due", a lead value such as 30, or "later"), its kind, what it
 * concerns and the organisations involved. `ssc radar --watch` is
 * Radar/Watch, a stream of updates, through the verb's switch (verb.h).
 *
 * Entry points: cli_verb_radar.
 */
#include "cli.h"
#include "exit.h"
#include "ics.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/radar.pb-c.h"

#include <string.h>
#include <time.h>

#define V1(stem) ssc__v1__##stem

static const cli_column event_columns[] = {
    {"DATE", "date"},
    {"DAYS", "days_left"},
    {"BAND", "band"},
    {"KIND", "kind"},
    {"ENTITY", "entity"},
    {"ID", "entity_id"},
    {"COLLAB", "collaboration_id"},
    {"ORGANISATIONS", "organisation_ids"},
    {"WHAT", "title"},
    {NULL, NULL},
};

static const cli_view event_view = {
    .desc = &ssc__v1__radar_event__descriptor,
    .columns = event_columns,
    .list_key = "events",
};

/* Pins as_of to today (UTC) when it is not given, so that every page of
 * --all or --ics looks from the same day even across midnight; and refuses
 * an --ics file that cannot be written before anything is sent. */
static int prepare(const cli_cmd *self, cli_given *given, ProtobufCMessage *req)
{
    Ssc__V1__ListRadarRequest *r = (Ssc__V1__ListRadarRequest *)req;
    const cli_verb *v = cli_verb_of(self);
    time_t now = time(NULL);
    struct tm tm;

    if (r->as_of == NULL || r->as_of[0] == '\0') {
        if (gmtime_r(&now, &tm) == NULL ||
            strftime(given->scratch, sizeof(given->scratch), "%Y-%m-%d", &tm) ==
                0)
            return cli_error(self, CLI_EXIT_INTERNAL,
                             "cannot tell today's date");
        r->as_of = given->scratch;
    }
    for (size_t i = 0; v->flags[i].name != NULL; i++)
        if (strcmp(v->flags[i].name, v->sink_flag) == 0 &&
            given->flag[i] != NULL)
            return cli_ics_writable(self, given->flag[i]);
    return 0;
}

/* ---- --watch: Radar/Watch ---------------------------------------------- */

static const cli_column update_columns[] = {
    {"CHANGE", "change"},       {"AS_OF", "as_of"},
    {"DATE", "event.date"},     {"DAYS", "event.days_left"},
    {"BAND", "event.band"},     {"KIND", "event.kind"},
    {"ENTITY", "event.entity"}, {"ID", "event.entity_id"},
    {"WHAT", "event.title"},    {NULL, NULL},
};

static const cli_view update_view = {
    .desc = &ssc__v1__radar_update__descriptor,
    .columns = update_columns,
    .list_key = "updates",
};

/* What `ssc radar --watch` runs: the rest of its command line is this
 * verb's (cli_verb_radar's switch). */
static const cli_verb radar_watch = {
    CLI_VERB("radar", "deadlines falling due, as they change",
             "/ssc.v1.Radar/Watch", CLI_STREAM, V1(watch_radar_request),
             V1(radar_update), &update_view),
    .intro =
        "Follows the radar from today (UTC): each event of the horizon\n"
        "(current), then synced, then added, moved, band and removed as the\n"
        "record and the days change, one line each, until interrupted or\n"
        "--limit lines. `ssc help radar` has the rest.\n",
    .flags =
        CLI_FLAGS({"--within", "horizon_days", "DAYS",
                   "the horizon, 1 to 3660 days (default 180)", 0, 1},
                  {"--kind", "kinds", "K", "only this kind; once per kind"},
                  {"--collaboration", "collaboration_id", "ID",
                   "only the events of collaboration ID", 0, 1},
                  {"--organisation", "organisation_id", "ID",
                   "only the events organisation ID is involved in", 0, 1}),
};

const cli_verb cli_verb_radar = {
    CLI_VERB("radar", "deadlines falling due: ends, notice, reviews",
             "/ssc.v1.Radar/List", CLI_LIST, V1(list_radar_request),
             V1(list_radar_response), &event_view),
    .intro =
        "Lists the dates that fall due from --as-of (default today) to\n"
        "--within days later, both included, in date order, one page unless\n"
        "--all: agreement ends, ends under notice, review dates, the last\n"
        "day to give notice, secondment ends and the planned ends of\n"
        "collaborations' current phases, of the records you may read. BAND\n"
        "is the smallest lead value (sscd's [radar] lead_days, default\n"
        "180,90,30) not below DAYS; due when DAYS is 0, later past every\n"
        "lead value. With --json: {\"events\": [...], \"next_page_token\":\n"
        "T}.\n"
        "\n"
        "With --watch (and only --within, --kind, --collaboration,\n"
        "--organisation and --limit N) it follows the radar from today (UTC)\n"
        "instead, one line per update: each event (current), then synced,\n"
        "then added, moved, band (a new day brought it into a nearer band,\n"
        "or due) and removed as the record and the days change, until\n"
        "interrupted or --limit lines. With --json one object per line.\n",
    .flags = CLI_FLAGS(
        {"--within", "horizon_days", "DAYS",
         "the horizon, 1 to 3660 days (default: the\n"
         "largest lead value, 180)",
         0, 1},
        {"--as-of", "as_of", "DATE", "the date to look from, YYYY-MM-DD"},
        {"--kind", "kinds", "K",
         "only this kind: agreement-end, notice-end,\n"
         "review, notice-deadline, secondment-end or\n"
         "phase-end; once per kind"},
        {"--collaboration", "collaboration_id", "ID",
         "only the events of collaboration ID", 0, 1},
        {"--organisation", "organisation_id", "ID",
         "only the events organisation ID is involved in", 0, 1},
        {"--ics", NULL, "FILE",
         "write every page to FILE as iCalendar\n"
         "(RFC 5545) instead of the table: one all-day\n"
         "event each, its UID the same when it moves"},
        {"--watch", NULL, NULL, "follow the radar as it changes (see above)"}),
    .prepare = prepare,
    .sink_flag = "--ics",
    .sink = cli_radar_ics,
    .switch_flag = "--watch",
    .switch_to = &radar_watch,
};
