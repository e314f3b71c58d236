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
