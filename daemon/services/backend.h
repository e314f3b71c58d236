/*
 * backend.h - what each loop keeps for the services besides its calls: its
 * PostgreSQL pool and, on loop 0, the idempotency key sweep; and who hears
 * when health changes (the Health service's watchers).
 *
 * main.c hands ssc_backend_hooks() to the server, which knows nothing of the
 * database: the hooks make the pool when a loop starts, close it when the
 * loop has drained, and say the loop is ready only while the pool is up.
 *
 * Entry points: ssc_backend_hooks(), ssc_backend_db().
 */
#ifndef SSC_BACKEND_H
#define SSC_BACKEND_H

#include "db.h"
#include "server.h"

/* The loop hooks of the services (static; never NULL). */
const ssc_loop_hooks *ssc_backend_hooks(void);

/* The database pool of loop, or NULL when sscd has no [database] url. */
ssc_db *ssc_backend_db(const ssc_loop *loop);

#endif
