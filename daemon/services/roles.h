/*
 * roles.h - the sets of roles methods allow, as ssc_store_begin() and
 * declarations (declare.h) take them: NULL-terminated lists of the role
 * names begin_call knows (sql/0004): ministry, secretariat, reconciler,
 * auditor, admin.
 *
 * Entry points: the arrays below.
 */
#ifndef SSC_ROLES_H
#define SSC_ROLES_H

extern const char *const ssc_roles_admin[];   /* admin */
extern const char *const ssc_roles_staff[];   /* admin, secretariat */
extern const char *const ssc_roles_writers[]; /* admin, secretariat, ministry */
extern const char *const ssc_roles_readers[]; /* all five */

#endif
