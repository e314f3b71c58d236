/*
 * notify.h - the systemd readiness protocol (sd_notify), spoken directly.
 *
 * When systemd starts sscd with Type=notify it sets NOTIFY_SOCKET to a Unix
 * datagram socket; sscd sends "READY=1" once every loop listens,
 * "RELOADING=1" and then "READY=1" around a SIGHUP reload, and "STOPPING=1"
 * when it starts to drain. Without NOTIFY_SOCKET nothing is sent.
 *
 * Entry points: ssc_notify().
 */
#ifndef SSC_NOTIFY_H
#define SSC_NOTIFY_H

/* Sends state (e.g. "READY=1") to $NOTIFY_SOCKET. Returns 1 when sent, 0 when
 * there is no socket to send to, or a negative code when sending failed. */
int ssc_notify(const char *state);

#endif
