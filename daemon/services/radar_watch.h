/*
 * radar_watch.h - ssc.v1.Radar/Watch (see radar_watch.c) and the per-loop
 * hub its watchers hang on.
 *
 * Entry points: ssc_svc_radar_watch_register(), ssc_radar_hub_new(),
 * ssc_radar_hub_free(), ssc_radar_hub_changed(), ssc_radar_hub_db_state(),
 * ssc_radar_hub_stopping().
 */
#ifndef SSC_SVC_RADAR_WATCH_H
#define SSC_SVC_RADAR_WATCH_H

#include "db.h"

#include <stdint.h>
#include <uv.h>

typedef struct ssc_router ssc_router;
typedef struct ssc_radar_hub ssc_radar_hub;

/* Registers the method's statement and adds it to r. Returns 0, or
 * SSC_EINVAL when one is already there. */
int ssc_svc_radar_watch_register(ssc_router *r);

/* The hub of a loop whose pool is db: its watchers and the timer that
 * fires at midnight UTC on a clock clock_offset_s seconds ahead of the
 * real one ([testing] clock). A watch whose horizon holds more than
 * max_events events is refused. */
ssc_radar_hub *ssc_radar_hub_new(uv_loop_t *uv, ssc_db *db,
                                 int64_t clock_offset_s, uint32_t max_events);

/* Ends every watcher still there (UNAVAILABLE), closes the timer and frees
 * the hub once it is closed. */
void ssc_radar_hub_free(ssc_radar_hub *hub);

/* The record changed (a commit wrote the audit trail), or news may have
 * been missed: every watcher reads its radar again. */
void ssc_radar_hub_changed(ssc_radar_hub *hub);

/* The pool went up or down; once up every watcher reads again. */
void ssc_radar_hub_db_state(ssc_radar_hub *hub, int up);

/* sscd is draining: every watcher is ended with UNAVAILABLE. */
void ssc_radar_hub_stopping(ssc_radar_hub *hub);

#endif
