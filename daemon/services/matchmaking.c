/*
 * matchmaking.c - ssc.v1.Matchmaking: embassies' demand signals, ministries'
 * expressions of interest, and the matches between them (sql/0019).
 *
 * Embassies write their demand signals, ministries their interests, the
 * secretariat both; who reads which rows is row-level security's.
 *
 * Entry points: ssc_svc_matchmaking_register().
 */
#include "matchmaking.h"

#include "declare.h"
#include "roles.h"

#include "ssc/v1/matchmaking.pb-c.h"

#define SVC "/ssc.v1.Matchmaking/"
#define V1(stem) ssc__v1__##stem

static const ssc_decl methods[] = {
    SSC_DECL(SVC "CreateDemandSignal", "ssc.demand_create",
             ssc_roles_embassy_writers, MUTATE,
             V1(create_demand_signal_request), V1(demand_signal)),
    SSC_DECL(SVC "GetDemandSignal", "ssc.demand_get", ssc_roles_domain_readers,
             READ, V1(get_demand_signal_request), V1(demand_signal)),
    SSC_DECL_PAGED(SVC "ListDemandSignals", "ssc.demand_list",
                   ssc_roles_domain_readers, V1(list_demand_signals_request),
                   V1(list_demand_signals_response), "demand_signals", "id"),
    SSC_DECL(SVC "WithdrawDemandSignal", "ssc.demand_withdraw",
             ssc_roles_embassy_writers, MUTATE, V1(withdraw_request),
             V1(demand_signal)),
    SSC_DECL(SVC "CreateInterest", "ssc.interest_create",
             ssc_roles_domain_writers, MUTATE, V1(create_interest_request),
             V1(interest)),
    SSC_DECL(SVC "GetInterest", "ssc.interest_get", ssc_roles_domain_readers,
             READ, V1(get_interest_request), V1(interest)),
    SSC_DECL_PAGED(SVC "ListInterests", "ssc.interest_list",
                   ssc_roles_domain_readers, V1(list_interests_request),
                   V1(list_interests_response), "interests", "id"),
    SSC_DECL(SVC "WithdrawInterest", "ssc.interest_withdraw",
             ssc_roles_domain_writers, MUTATE, V1(withdraw_request),
             V1(interest)),
    SSC_DECL_PAGED(SVC "ListMatches", "ssc.match_list",
                   ssc_roles_domain_readers, V1(list_matches_request),
                   V1(list_matches_response), "matches", "cursor"),
};

int ssc_svc_matchmaking_register(ssc_router *r)
{
    return ssc_decl_register(r, methods, sizeof(methods) / sizeof(methods[0]));
}
