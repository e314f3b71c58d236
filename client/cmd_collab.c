/*
 * cmd_collab.c - `ssc collab add|show|list|update|phase|plan|history`
 * (ssc.v1.Collaborations), as tables of flags (verb.h).
 *
 * A collaboration is a Danish lead authority working with partner
 * authorities of one country, filed under sectors with shares that sum to
 * 100, and moving through phases: matchmaking, inception, long-term,
 * phase-2, closed (or cancelled; suspended and resumed). Sectors are
 * repeated CODE=PERCENT flags, which verb.c turns into SectorShare messages.
 *
 * Entry points: cli_cmd_collab.
 */
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/collaborations.pb-c.h"

#define SVC "/ssc.v1.Collaborations/"
#define PHASES                                                                 \
    "matchmaking, inception, long-term,\nphase-2, closed, cancelled or "       \
    "suspended"

#define V1(stem) ssc__v1__##stem

static const cli_column collab_columns[] = {
    {"ID", "id"},
    {"REFERENCE", "reference"},
    {"COUNTRY", "country"},
    {"LEAD", "lead_id"},
    {"PARTNERS", "partner_ids"},
    {"PHASE", "phase"},
    {"SINCE", "phase_since"},
    {"IATI", "iati_status_name"},
    {"VERSION", "version"},
    {"TITLE", "title"},
    {NULL, NULL},
};

static const cli_view collab_view = {
    .desc = &ssc__v1__collaboration__descriptor,
    .columns = collab_columns,
    .list_key = "collaborations",
};

static const cli_column transition_columns[] = {
    {"ID", "id"},
    {"FROM", "from_phase"},
    {"TO", "to_phase"},
    {"ON", "on_date"},
    {"PRINCIPAL", "principal_id"},
    {"AT", "at"},
    {"NOTE", "note"},
    {NULL, NULL},
};

static const cli_view transition_view = {
    .desc = &ssc__v1__transition__descriptor,
    .columns = transition_columns,
    .list_key = "transitions",
};

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};

static const cli_verb collab_add = {
    CLI_VERB("collab add", "start a collaboration", SVC "Create", CLI_WRITE,
             V1(create_collaboration_request), V1(collaboration), &collab_view),
    .intro = "Starts a collaboration in phase matchmaking and prints it. Made\n"
             "from a match (--demand and --interest), the country, lead,\n"
             "embassy, partner and sectors default to the match's.\n",
    .flags = CLI_FLAGS(
        {"--title", "title", "T", "its title, 1 to 200 characters",
         CLI_F_REQUIRED},
        {"--lead", "lead_id", "ID",
         "the Danish lead authority (default: a\n"
         "ministry's own organisation)",
         0, 1},
        {"--country", "country", "CC",
         "the partner country, ISO 3166-1 alpha-2 (VN)"},
        {"--partner", "partner_ids", "ID",
         "a partner authority in that country; once per\n"
         "partner, at least one",
         0, 1},
        {"--embassy", "embassy_id", "ID", "the embassy in that country", 0, 1},
        {"--sector", "sectors", "CODE=PCT",
         "a DAC purpose code and its share in percent\n"
         "(23110=60); once per sector, the shares summing\n"
         "to 100",
         0, 1},
        {"--demand", "demand_signal_id", "ID",
         "the demand signal it answers (with --interest)", 0, 1},
        {"--interest", "interest_id", "ID",
         "the interest it takes up (with --demand)", 0, 1},
        {"--reference", "reference", "R",
         "its unique reference, 3 to 40 letters, digits\n"
         "and dashes (default SSC-<country>-<id>)"},
        {"--started-on", "started_on", "DATE",
         "when matchmaking began, YYYY-MM-DD (default\ntoday)"},
        {"--planned-start", "planned_start", "DATE",
         "the matchmaking phase's planned start"},
        {"--planned-end", "planned_end", "DATE",
         "the matchmaking phase's planned end"}),
};

static const cli_verb collab_show = {
    CLI_VERB("collab show", "show one collaboration", SVC "Get", CLI_READ,
             V1(get_collaboration_request), V1(collaboration), &collab_view),
    .intro = "Prints collaboration ID as it was on a date (default today);\n"
             "NOT_FOUND (exit 6) when there is none. --json adds its sectors\n"
             "and the plan of each phase.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--as-of", "as_of", "DATE", "the date to show it as of, YYYY-MM-DD"}),
};

static const cli_verb collab_list = {
    CLI_VERB("collab list", "list collaborations, by id", SVC "List", CLI_LIST,
             V1(list_collaborations_request), V1(list_collaborations_response),
             &collab_view),
    .intro = "Lists collaborations in id order, one page unless --all. With\n"
             "--json: {\"collaborations\": [...], \"next_page_token\": T}.\n",
    .flags = CLI_FLAGS(
        {"--country", "country", "CC", "only this country"},
        {"--phase", "phase", "P", "only those in phase P (as of --as-of)"},
        {"--lead", "lead_id", "ID", "only those led by ID", 0, 1},
        {"--as-of", "as_of", "DATE",
         "phases as of this date, YYYY-MM-DD (default\ntoday)"}),
};

static const cli_verb collab_update = {
    CLI_VERB("collab update", "change a collaboration's title, partners, ...",
             SVC "Update", CLI_WRITE, V1(update_collaboration_request),
             V1(collaboration), &collab_view),
    .intro =
        "Changes the fields given, and only those (the request's update_mask\n"
        "names them), and prints the collaboration with its new version. At\n"
        "least one field is needed. --partner and --sector replace the whole\n"
        "list.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--title", "title", "T", "as for `ssc collab add`", CLI_F_MASK},
        {"--partner", "partner_ids", "ID",
         "the partners, once per partner, as for `ssc\ncollab add`", CLI_F_MASK,
         1},
        {"--embassy", "embassy_id", "ID", "the embassy; 0 for none", CLI_F_MASK,
         0},
        {"--sector", "sectors", "CODE=PCT",
         "the sectors, once per sector, as for `ssc\ncollab add`", CLI_F_MASK,
         1},
        {"--expected-version", "expected_version", "V",
         "change only if the collaboration is still\n"
         "at version V, else FAILED_PRECONDITION (exit 5)",
         0, 1}),
};

static const cli_verb collab_phase = {
    CLI_VERB("collab phase", "move a collaboration to another phase",
             SVC "Transition", CLI_WRITE, V1(transition_request),
             V1(collaboration), &collab_view),
    .intro =
        "Moves collaboration ID to phase --to, or with --resume back to the\n"
        "phase it was suspended from, and prints it. A step the rules\n"
        "forbid is FAILED_PRECONDITION (exit 5), naming the allowed ones.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--to", "to_phase", "PHASE", "the phase to enter: " PHASES},
        {"--resume", "resume", NULL,
         "leave suspended for the phase suspended from\n(instead of --to)"},
        {"--on", "on_date", "DATE",
         "the date of the step, YYYY-MM-DD (default today)"},
        {"--note", "note", "TEXT", "why, for the history"},
        {"--planned-start", "planned_start", "DATE",
         "the planned start of the phase entered"},
        {"--planned-end", "planned_end", "DATE",
         "the planned end of the phase entered"}),
};

static const cli_verb collab_plan = {
    CLI_VERB("collab plan", "plan a phase's dates", SVC "PlanPhase", CLI_WRITE,
             V1(plan_phase_request), V1(collaboration), &collab_view),
    .intro = "Sets the planned start and end of one phase of collaboration ID\n"
             "and prints the collaboration.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS({"--phase", "phase", "PHASE",
                        "the phase planned: " PHASES, CLI_F_REQUIRED},
                       {"--planned-start", "planned_start", "DATE",
                        "its planned start, YYYY-MM-DD", CLI_F_REQUIRED},
                       {"--planned-end", "planned_end", "DATE",
                        "its planned end, YYYY-MM-DD", CLI_F_REQUIRED}),
};

static const cli_verb collab_history = {
    CLI_VERB("collab history", "list a collaboration's phase changes",
             SVC "ListTransitions", CLI_LIST, V1(list_transitions_request),
             V1(list_transitions_response), &transition_view),
    .intro =
        "Lists the phase changes of collaboration ID in id order, one page\n"
        "unless --all: the step, its date, who made it and when. With\n"
        "--json: {\"transitions\": [...], \"next_page_token\": T}.\n",
    .positional = id_arg,
};

static const cli_cmd *const collab_verbs[] = {
    &collab_add.cmd,     &collab_show.cmd,
    &collab_list.cmd,    &collab_update.cmd,
    &collab_phase.cmd,   &collab_plan.cmd,
    &collab_history.cmd, NULL};

const cli_cmd cli_cmd_collab = CLI_NOUN(
    "collab", "collaborations: add, show, list, update, phase, plan, history",
    "Collaborations: a Danish lead authority and its partner authorities\n"
    "in one country, their sectors, and the phase the cooperation is in:\n"
    "matchmaking, inception, long-term, phase-2, closed; or cancelled, or\n"
    "suspended and resumed.\n",
    collab_verbs);
