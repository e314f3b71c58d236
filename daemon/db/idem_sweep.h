/*
 * idem_sweep.h - forgets idempotency keys past their keep time.
 *
 * A key protects retries for [database] idempotency_keep_h hours; after that
 * ssc.idem_expire (sql/0011) deletes it and the key is new again. One sweeper
 * runs on the first loop of every sscd: every idempotency_sweep_s seconds it
 * deletes a batch of expired keys, and while batches come back full it goes
 * on with the next one at once, so a backlog drains in short transactions.
 * Several sscd instances may sweep the same database; their batches skip
 * each other's rows. A failed sweep is logged and tried again at the next
 * interval: expiry is housekeeping, and nothing waits for it.
 *
 * Entry points: ssc_idem_sweep_register(), ssc_idem_sweep_start(),
 * ssc_idem_sweep_stop().
 */
#ifndef SSC_IDEM_SWEEP_H
#define SSC_IDEM_SWEEP_H

#include "db.h"

#include <stdint.h>
#include <uv.h>

/* Rows one sweep transaction deletes at most. */
#define SSC_IDEM_SWEEP_BATCH 1000

typedef struct ssc_idem_sweep ssc_idem_sweep;

/* Registers the sweep's statement; call with the other registrations,
 * before any pool exists. Returns as ssc_db_register(). */
int ssc_idem_sweep_register(void);

/* Starts sweeping through db on loop: the first sweep after
 * min(interval_s, 60) seconds, then every interval_s. keep_h is at least 1
 * (the database refuses less). */
ssc_idem_sweep *ssc_idem_sweep_start(uv_loop_t *loop, ssc_db *db,
                                     uint32_t keep_h, uint32_t interval_s);

/* Stops sweeping: drops a sweep in flight (it finishes in the database) and
 * frees s once its timer has closed. Call before closing db. NULL is
 * allowed. */
void ssc_idem_sweep_stop(ssc_idem_sweep *s);

#endif
