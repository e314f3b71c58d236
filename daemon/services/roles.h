/*
 * roles.h - the sets of roles methods allow, as ssc_store_begin() and
 * declarations (declare.h) take them: NULL-terminated lists of the role
 * names begin_call knows (sql/0004, 0018): ministry, secretariat,
 * reconciler, auditor, admin, embassy.
 *
 * The domain record (collaborations, agreements, secondments: 0019-0021)
 * is read by the secretariat, the auditor, ministries and embassies, each
 * as row-level security lets it; the operator (admin) and the payroll job
 * (reconciler) have no business there. Funding has sets of its own: the
 * applicant ministry and the deciding secretariat each take their own
 * steps, and the reconciler reads the allocations it books against.
 *
 * Entry points: the arrays below.
 */
#ifndef SSC_ROLES_H
#define SSC_ROLES_H

extern const char *const ssc_roles_admin[];   /* admin */
extern const char *const ssc_roles_staff[];   /* admin, secretariat */
extern const char *const ssc_roles_writers[]; /* admin, secretariat, ministry */
extern const char *const ssc_roles_readers[]; /* all but embassy */
extern const char *const ssc_roles_everyone[]; /* all six */
/* secretariat, auditor, ministry, embassy */
extern const char *const ssc_roles_domain_readers[];
/* secretariat, ministry */
extern const char *const ssc_roles_domain_writers[];
/* secretariat, embassy */
extern const char *const ssc_roles_embassy_writers[];

/* Funding (pools, applications, decisions, allocations: 0028-0031). */
extern const char *const ssc_roles_ministry[];    /* ministry */
extern const char *const ssc_roles_secretariat[]; /* secretariat */
/* secretariat, auditor, ministry, reconciler, embassy: pools */
extern const char *const ssc_roles_pool_readers[];
/* secretariat, auditor, ministry: applications and their decisions */
extern const char *const ssc_roles_funding_readers[];
/* secretariat, auditor, ministry, reconciler: allocations, disbursements */
extern const char *const ssc_roles_money_readers[];
/* secretariat, auditor */
extern const char *const ssc_roles_overseers[];

/* Payroll (0034): the reconciler and ministries import (payroll_import.c
 * names them for begin_call), money_readers read batches and reports. */
/* reconciler, secretariat: lock an organisation's payroll month */
extern const char *const ssc_roles_payroll_lockers[];

#endif
