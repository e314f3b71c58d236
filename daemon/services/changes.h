/*
 * changes.h - ssc.v1.Changes: the change stream (see changes.c), and the
 * per-loop hub its watchers hang on.
 *
 * Entry points: ssc_svc_changes_register(), ssc_changes_hub_new(),
 * ssc_changes_hub_free(), ssc_changes_hub_notified(),
 * ssc_changes_hub_db_state(), ssc_changes_hub_stopping().
 */
#ifndef SSC_SVC_CHANGES_H
#define SSC_SVC_CHANGES_H

#include "db.h"

#include <stdint.h>

typedef struct ssc_router ssc_router;
typedef struct ssc_changes_hub ssc_changes_hub;

/* Registers the service's statements and adds its method to r. Returns 0,
 * or SSC_EINVAL when one is already there. */
int ssc_svc_changes_register(ssc_router *r);

/* The hub of a loop whose pool is db. A watcher is ended with
 * RESOURCE_EXHAUSTED once it has stopped reading and is more than max_lag
 * sequence numbers behind the newest change. */
ssc_changes_hub *ssc_changes_hub_new(ssc_db *db, uint32_t max_lag);

/* Ends every watcher still there (UNAVAILABLE) and frees the hub. */
void ssc_changes_hub_free(ssc_changes_hub *hub);

/* The pool's notification on channel ssc_changes: payload is the head of
 * the audit chain as the committing transaction saw it, or NULL when the
 * pool has (re)started listening and news may have been missed. */
void ssc_changes_hub_notified(ssc_changes_hub *hub, const char *payload);

/* The pool went up or down: while it is down watchers wait; once it is up
 * again each reads what it missed. */
void ssc_changes_hub_db_state(ssc_changes_hub *hub, int up);

/* sscd is draining: every watcher is ended with UNAVAILABLE, its message
 * naming the after_seq to resume with on another instance. */
void ssc_changes_hub_stopping(ssc_changes_hub *hub);

#endif
