/*
 * backend.h - what each loop keeps for the services besides its calls: its
 * PostgreSQL pool and, on loop 0, the idempotency key sweep; the hub of the
 * change stream's watchers, woken by the pool's LISTEN; and who hears when
 * health changes (the Health service's watchers, and the watches, which end
 * when sscd drains).
 *
 * main.c hands ssc_backend_hooks() to the server, which knows nothing of the
 * database: the hooks make the pool when a loop starts, close it when the
 * loop has drained, and say the loop is ready only while the pool is up.
 *
 * Entry points: ssc_backend_hooks(), ssc_backend_db(), ssc_backend_changes(),
 * ssc_backend_radar().
 */
#ifndef SSC_BACKEND_H
#define SSC_BACKEND_H

#include "db.h"
#include "server.h"

/* The loop hooks of the services (static; never NULL). */
const ssc_loop_hooks *ssc_backend_hooks(void);

/* The database pool of loop, or NULL when sscd has no [database] url. */
ssc_db *ssc_backend_db(const ssc_loop *loop);

/* The change stream's hub of loop (changes.h), NULL without a database. */
typedef struct ssc_changes_hub ssc_changes_hub;
ssc_changes_hub *ssc_backend_changes(const ssc_loop *loop);

/* Radar/Watch's hub of loop (radar_watch.h), NULL without a database. */
typedef struct ssc_radar_hub ssc_radar_hub;
ssc_radar_hub *ssc_backend_radar(const ssc_loop *loop);

#endif
