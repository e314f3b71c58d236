/*
 * roles.c - the role sets of roles.h.
 */
#include "roles.h"

#include <stddef.h>

const char *const ssc_roles_admin[] = {"admin", NULL};
const char *const ssc_roles_staff[] = {"admin", "secretariat", NULL};
const char *const ssc_roles_writers[] = {"admin", "secretariat", "ministry",
                                         NULL};
const char *const ssc_roles_readers[] = {
    "ministry", "secretariat", "reconciler", "auditor", "admin", NULL};
const char *const ssc_roles_everyone[] = {
    "ministry", "secretariat", "reconciler", "auditor",
    "admin",    "embassy",     NULL};
const char *const ssc_roles_domain_readers[] = {"secretariat", "auditor",
                                                "ministry", "embassy", NULL};
const char *const ssc_roles_domain_writers[] = {"secretariat", "ministry",
                                                NULL};
const char *const ssc_roles_embassy_writers[] = {"secretariat", "embassy",
                                                 NULL};
const char *const ssc_roles_ministry[] = {"ministry", NULL};
const char *const ssc_roles_secretariat[] = {"secretariat", NULL};
const char *const ssc_roles_pool_readers[] = {
    "secretariat", "auditor", "ministry", "reconciler", "embassy", NULL};
const char *const ssc_roles_funding_readers[] = {"secretariat", "auditor",
                                                 "ministry", NULL};
const char *const ssc_roles_money_readers[] = {"secretariat", "auditor",
                                               "ministry", "reconciler", NULL};
const char *const ssc_roles_overseers[] = {"secretariat", "auditor", NULL};
const char *const ssc_roles_payroll_lockers[] = {"reconciler", "secretariat",
                                                 NULL};
