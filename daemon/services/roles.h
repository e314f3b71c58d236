/*
 * roles.h - the sets of roles methods allow, as ssc_store_begin() and
 * declarations (declare.h) take them: NULL-terminated lists of the role
 * names begin_call knows (sql/0004, 0018): ministry, secretariat,
 * reconciler, auditor, admin, embassy.
 *
 * The domain record (collaborations, agreements, secondments: 0019-0021)
 * is read by the secretariat, the auditor, ministries and embassies, each
 * as row-level security lets it; the operator (admin) and the payroll job
 * (reconciler) have no business there.
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

#endif
