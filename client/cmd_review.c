/*
 * cmd_review.c - `ssc review start|comment|comments|return|reject|approve|
 * recommend|signoff` (the secretariat's methods of ssc.v1.Applications),
 * as tables of flags (verb.h).
 *
 * The secretariat takes a submitted application under review, comments,
 * returns it for revision or rejects it (with a reason, recorded as a
 * comment), and decides: each approval names the pool and the amount
 * (every approval of a version the same), and the approval,
 * recommendation or sign-off that completes the tier's requirements
 * approves the application, allocates the money and moves the
 * collaboration into the phase, in one transaction. Each step prints the
 * application in full (app_view.h), with what the decision still misses.
 *
 * Entry points: cli_cmd_review.
 */
#include "app_view.h"
#include "cli.h"
#include "output.h"
#include "verb.h"

#include "ssc/v1/applications.pb-c.h"

#define SVC "/ssc.v1.Applications/"

#define V1(stem) ssc__v1__##stem

static const cli_column comment_columns[] = {
    {"ID", "id"},
    {"APPLICATION", "application_id"},
    {"VERSION", "version"},
    {"KIND", "kind"},
    {"PRINCIPAL", "principal"},
    {"AT", "at"},
    {"TEXT", "text"},
    {NULL, NULL},
};

static const cli_view comment_view = {
    .desc = &ssc__v1__review_comment__descriptor,
    .columns = comment_columns,
    .list_key = "comments",
};

static const cli_flag id_arg[] = {{"ID", "id", NULL, NULL, 0, 1}, {NULL}};
static const cli_flag app_arg[] = {{"ID", "application_id", NULL, NULL, 0, 1},
                                   {NULL}};

#define EXPECTED_VERSION                                                       \
    {                                                                          \
        "--expected-version", "expected_version", "V",                         \
            "act only if the application is still at version\n"                \
            "V, else FAILED_PRECONDITION (exit 5)",                            \
            0, 1                                                               \
    }

/* The head of a workflow step's table: ApplicationStepRequest in, the
 * application in full out. */
#define STEP(name_, summary_, method)                                          \
    CLI_VERB(name_, summary_, SVC method, CLI_WRITE,                           \
             V1(application_step_request), V1(application), NULL),             \
        .positional = id_arg, .answer = cli_app_answer

static const cli_verb review_start = {
    STEP("review start", "take a submitted application under review",
         "StartReview"),
    .intro = "Takes submitted application ID under review, and prints it.\n"
             "Secretariat only.\n",
    .flags = CLI_FLAGS({"--reason", "reason", "TEXT",
                        "a note, recorded as a comment (optional)"},
                       EXPECTED_VERSION),
};

static const cli_verb review_comment = {
    CLI_VERB("review comment", "comment on an application", SVC "Comment",
             CLI_WRITE, V1(comment_request), V1(review_comment), &comment_view),
    .intro = "Records a review comment on application ID, with who and when,\n"
             "and prints it. The secretariat and the applicant's ministry.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--text", "text", "TEXT", "1 to 4000 characters", CLI_F_REQUIRED}),
};

static const cli_verb review_comments = {
    CLI_VERB("review comments", "list an application's review comments",
             SVC "ListComments", CLI_LIST, V1(list_comments_request),
             V1(list_comments_response), &comment_view),
    .intro = "Lists the comments on application ID in order, the reasons of\n"
             "returns, rejections and withdrawals among them, each with the\n"
             "version it is about, who and when. With --json: {\"comments\":\n"
             "[...], \"next_page_token\": T}.\n",
    .positional = app_arg,
};

static const cli_verb review_return = {
    STEP("review return", "return an application for revision",
         "ReturnForRevision"),
    .intro = "Returns application ID, under review, to the applicant for\n"
             "revision, and prints it; it is edited and submitted again.\n",
    .flags =
        CLI_FLAGS({"--reason", "reason", "TEXT",
                   "what to revise, recorded as a comment", CLI_F_REQUIRED},
                  EXPECTED_VERSION),
};

static const cli_verb review_reject = {
    STEP("review reject", "reject an application", "Reject"),
    .intro = "Rejects application ID, under review, and prints it. Final.\n",
    .flags = CLI_FLAGS({"--reason", "reason", "TEXT",
                        "why, recorded as a comment", CLI_F_REQUIRED},
                       EXPECTED_VERSION),
};

static const cli_verb review_approve = {
    CLI_VERB("review approve", "approve an application's version",
             SVC "Approve", CLI_WRITE, V1(approve_request), V1(application),
             NULL),
    .intro =
        "Records the caller's approval of the version of application ID\n"
        "under review, and prints the application. Secretariat principals\n"
        "outside the applicant and its parent ministry, once each; every\n"
        "approval of a version names the same pool and amount (else\n"
        "FAILED_PRECONDITION, exit 5). The approval that completes the\n"
        "tier's requirements (`ssc tiers list`) approves the application,\n"
        "allocates the amount from the pool (FAILED_PRECONDITION when the\n"
        "pool cannot hold it) and moves the collaboration into the phase.\n",
    .positional = id_arg,
    .flags =
        CLI_FLAGS({"--pool", "pool_id", "ID",
                   "the pool to allocate from, in the\n"
                   "application's currency",
                   CLI_F_REQUIRED, 1},
                  {"--amount", "amount.amount_minor", "AMOUNT",
                   "the amount approved, at most the requested, in\n"
                   "minor units (øre, cents): 2500000000 for\n"
                   "DKK 25,000,000.00",
                   CLI_F_REQUIRED, 1},
                  {"--currency", "amount.currency", "CCC",
                   "its ISO 4217 code, the application's", CLI_F_REQUIRED}),
    .answer = cli_app_answer,
};

static const cli_verb review_recommend = {
    CLI_VERB("review recommend", "record the council's recommendation",
             SVC "Recommend", CLI_WRITE, V1(recommend_request), V1(application),
             NULL),
    .intro =
        "Records the recommendation of the Council for Development Policy\n"
        "on the version of application ID under review, for a tier that\n"
        "needs one, and prints the application.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS({"--date", "on_date", "DATE",
                        "the council's date, YYYY-MM-DD", CLI_F_REQUIRED},
                       {"--reference", "reference", "REF",
                        "its reference, 1 to 200 "
                        "characters",
                        CLI_F_REQUIRED}),
    .answer = cli_app_answer,
};

static const cli_verb review_signoff = {
    CLI_VERB("review signoff", "record the ministerial sign-off", SVC "SignOff",
             CLI_WRITE, V1(sign_off_request), V1(application), NULL),
    .intro = "Records the minister's sign-off of the version of application\n"
             "ID under review, for a tier that needs one, and prints the\n"
             "application.\n",
    .positional = id_arg,
    .flags = CLI_FLAGS(
        {"--by", "signed_by", "NAME", "the minister who signed",
         CLI_F_REQUIRED},
        {"--date", "on_date", "DATE", "signed on, YYYY-MM-DD", CLI_F_REQUIRED},
        {"--reference", "reference", "REF",
         "its reference, 1 to 200 "
         "characters",
         CLI_F_REQUIRED}),
    .answer = cli_app_answer,
};

static const cli_cmd *const review_verbs[] = {
    &review_start.cmd,     &review_comment.cmd, &review_comments.cmd,
    &review_return.cmd,    &review_reject.cmd,  &review_approve.cmd,
    &review_recommend.cmd, &review_signoff.cmd, NULL};

const cli_cmd cli_cmd_review = CLI_NOUN(
    "review",
    "the secretariat's review: start, comment, comments, return, reject, "
    "approve, recommend, signoff",
    "The secretariat's review of submitted applications and its decision:\n"
    "approvals by the tier of the requested amount (`ssc tiers list`),\n"
    "the council's recommendation and the ministerial sign-off where the\n"
    "tier needs them.\n",
    review_verbs);
