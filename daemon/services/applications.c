/*
 * applications.c - ssc.v1.Applications: applications for funding, their
 * frozen versions, review comments, and the decisions on them (sql/0029,
 * 0030).
 *
 * The applicant ministry drafts, edits, submits and withdraws; the
 * secretariat starts the review, returns, rejects, approves, and records
 * the council's recommendation and the ministerial sign-off; both comment.
 * Which of them may take a step from which status is the table
 * ssc.application_steps; the roles below only keep other roles out. The
 * admin sets the approval tiers.
 *
 * Entry points: ssc_svc_applications_register().
 */
#include "applications.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/applications.pb-c.h"

#define SVC "/ssc.v1.Applications/"
#define V1(stem) ssc__v1__##stem
#define STEP(name, fn, roles)                                                  \
    SSC_DECL(SVC name, fn, roles, MUTATE, V1(application_step_request),        \
             V1(application))

static const ssc_decl methods[] = {
    SSC_DECL(SVC "Create", "ssc.application_create", ssc_roles_ministry, MUTATE,
             V1(create_application_request), V1(application)),
    SSC_DECL(SVC "Edit", "ssc.application_edit", ssc_roles_ministry, MUTATE,
             V1(edit_application_request), V1(application)),
    SSC_DECL(SVC "Get", "ssc.application_get", ssc_roles_funding_readers, READ,
             V1(get_application_request), V1(application)),
    SSC_DECL_PAGED(SVC "List", "ssc.application_list",
                   ssc_roles_funding_readers, V1(list_applications_request),
                   V1(list_applications_response), "applications", "id"),
    STEP("Submit", "ssc.application_submit", ssc_roles_ministry),
    STEP("Withdraw", "ssc.application_withdraw", ssc_roles_ministry),
    SSC_DECL_PAGED(SVC "ListVersions", "ssc.application_version_list",
                   ssc_roles_funding_readers, V1(list_versions_request),
                   V1(list_versions_response), "versions", "number"),
    SSC_DECL(SVC "GetVersion", "ssc.application_version_get",
             ssc_roles_funding_readers, READ, V1(get_version_request),
             V1(application_version)),
    SSC_DECL(SVC "Diff", "ssc.application_diff", ssc_roles_funding_readers,
             READ, V1(diff_versions_request), V1(application_diff)),
    STEP("StartReview", "ssc.application_start_review", ssc_roles_secretariat),
    SSC_DECL(SVC "Comment", "ssc.application_comment", ssc_roles_domain_writers,
             MUTATE, V1(comment_request), V1(review_comment)),
    SSC_DECL_PAGED(SVC "ListComments", "ssc.application_comment_list",
                   ssc_roles_funding_readers, V1(list_comments_request),
                   V1(list_comments_response), "comments", "id"),
    STEP("ReturnForRevision", "ssc.application_return", ssc_roles_secretariat),
    STEP("Reject", "ssc.application_reject", ssc_roles_secretariat),
    SSC_DECL(SVC "Approve", "ssc.application_approve", ssc_roles_secretariat,
             MUTATE, V1(approve_request), V1(application)),
    SSC_DECL(SVC "Recommend", "ssc.application_recommend",
             ssc_roles_secretariat, MUTATE, V1(recommend_request),
             V1(application)),
    SSC_DECL(SVC "SignOff", "ssc.application_signoff", ssc_roles_secretariat,
             MUTATE, V1(sign_off_request), V1(application)),
    SSC_DECL(SVC "ListTiers", "ssc.approval_tier_list", ssc_roles_everyone,
             READ, V1(list_tiers_request), V1(list_tiers_response)),
    SSC_DECL(SVC "SetTiers", "ssc.approval_tier_set", ssc_roles_admin, MUTATE,
             V1(set_tiers_request), V1(list_tiers_response)),
};

int ssc_svc_applications_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
