/*
 * collaborations.c - ssc.v1.Collaborations: the sector collaborations, their
 * phases and the transitions between them (sql/0019).
 *
 * A ministry writes the collaborations its organisation or an agency below
 * it leads, the secretariat any; embassies read those in their country.
 *
 * Entry points: ssc_svc_collaborations_register().
 */
#include "collaborations.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/collaborations.pb-c.h"

#define SVC "/ssc.v1.Collaborations/"
#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL(SVC "Create", "ssc.collab_create", ssc_roles_domain_writers,
             MUTATE, V1(create_collaboration_request), V1(collaboration)),
    SSC_DECL(SVC "Get", "ssc.collab_get", ssc_roles_domain_readers, READ,
             V1(get_collaboration_request), V1(collaboration)),
    SSC_DECL_PAGED(SVC "List", "ssc.collab_list", ssc_roles_domain_readers,
                   V1(list_collaborations_request),
                   V1(list_collaborations_response), "collaborations", "id"),
    SSC_DECL(SVC "Update", "ssc.collab_update", ssc_roles_domain_writers,
             MUTATE, V1(update_collaboration_request), V1(collaboration)),
    SSC_DECL(SVC "Transition", "ssc.collab_transition",
             ssc_roles_domain_writers, MUTATE, V1(transition_request),
             V1(collaboration)),
    SSC_DECL(SVC "PlanPhase", "ssc.collab_plan", ssc_roles_domain_writers,
             MUTATE, V1(plan_phase_request), V1(collaboration)),
    SSC_DECL_PAGED(SVC "ListTransitions", "ssc.collab_history",
                   ssc_roles_domain_readers, V1(list_transitions_request),
                   V1(list_transitions_response), "transitions", "id"),
};

int ssc_svc_collaborations_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
