/*
 * ics.h - the deadline radar as an iCalendar file (ics.c).
 */
#ifndef CLI_ICS_H
#define CLI_ICS_H
#include "cli.h"

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Writes the radar events items[0..n) (Ssc__V1__RadarEvent) to path as an
 * iCalendar file, one all-day event each with a UID that stays the same
 * when the event moves; a list sink of `ssc radar --ics` (call.h). Returns
 * the exit status, having said why when it is not 0. */
int cli_radar_ics(const cli_cmd *cmd, const char *path,
                  const ProtobufCMessage *const *items, size_t n);

/* Checks before anything is sent that a file can be made beside path.
 * Returns 0, or CLI_EXIT_USAGE having said why. */
int cli_ics_writable(const cli_cmd *cmd, const char *path);

#endif
