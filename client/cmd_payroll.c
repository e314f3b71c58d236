/*
 * cmd_payroll.c - `ssc payroll import|report|show|batches|lock`
 * (ssc.v1.Payroll): payroll compensation, streamed in by the
 * reconciliation job or a ministry, each line accepted and booked or
 * flagged (sql/0034).
 *
 * import and report stream, so they are hand-written
 * (cmd_payroll_import.c, cmd_payroll_report.c); show, batches and lock are
 * tables of flags (verb.h).
 *
 * Entry points: cli_cmd_payroll.
 */
#include "cmd_payroll.h"
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/payroll.pb-c.h"

#define SVC "/ssc.v1.Payroll/"

#define V1(stem) ssc__v1__##stem

static const cli_column batch_columns[] = {
    {"BATCH", "batch_id"},
    {"SOURCE", "source_name"},
    {"LINES", "lines"},
    {"ACCEPTED", "accepted_lines"},
    {"PAYMENTS", "disbursements"},
    {"BY", "principal"},
    {"AT", "created_at"},
    {NULL, NULL},
};

static const cli_view batch_view = {
    .desc = &ssc__v1__payroll_batch__descriptor,
    .columns = batch_columns,
    .list_key = "batches",
};

static const cli_column lock_columns[] = {
    {"ORG", "organisation_id"}, {"MONTH", "month"}, {"BY", "principal"},
    {"AT", "locked_at"},        {NULL, NULL},
};

static const cli_view lock_view = {
    .desc = &ssc__v1__payroll_period_lock__descriptor,
    .columns = lock_columns,
};

static const cli_verb payroll_show = {
    CLI_VERB("payroll show", "show a payroll batch's summary", SVC "GetBatch",
             CLI_READ, V1(get_payroll_batch_request), V1(payroll_batch),
             &batch_view),
    .intro = "Prints batch BATCH as its import answered it: lines, accepted\n"
             "lines, payments, who and when. --json has the count per flag,\n"
             "the accepted totals and the content hash too.\n",
    .positional = CLI_FLAGS({"BATCH", "batch_id", NULL, NULL, 0, 0}),
};

static const cli_verb payroll_batches = {
    CLI_VERB("payroll batches", "list payroll batches, newest first",
             SVC "ListBatches", CLI_LIST, V1(list_payroll_batches_request),
             V1(list_payroll_batches_response), &batch_view),
    .intro = "Lists the payroll batches one may read, newest first, one page\n"
             "unless --all.\n",
};

static const cli_verb payroll_lock = {
    CLI_VERB("payroll lock", "lock an organisation's payroll month", SVC "Lock",
             CLI_WRITE, V1(lock_payroll_period_request),
             V1(payroll_period_lock), &lock_view),
    .intro = "Locks organisation ORG's month YYYY-MM: lines for it in later\n"
             "batches are flagged period-locked. A month is locked once and\n"
             "stays locked; locking it again shows the lock. The reconciler\n"
             "and the secretariat lock.\n",
    .flags =
        CLI_FLAGS({"--org", "organisation_id", "ID", "the organisation",
                   CLI_F_REQUIRED, 1},
                  {"--month", "month", "YYYY-MM", "the month", CLI_F_REQUIRED}),
};

static const cli_cmd *const payroll_verbs[] = {
    &cli_payroll_import_cmd, &cli_payroll_report_cmd, &payroll_show.cmd,
    &payroll_batches.cmd,    &payroll_lock.cmd,       NULL};

const cli_cmd cli_cmd_payroll =
    CLI_NOUN("payroll",
             "payroll compensation: import, report, show, "
             "batches, lock",
             "Payroll compensation: the authorities' payroll lines, each\n"
             "accepted and booked as compensation against the collaboration's\n"
             "allocation, or flagged with the reason. Amounts in major units,\n"
             "hours with two decimals.\n",
             payroll_verbs);
