/*
 * notify.c - one datagram to $NOTIFY_SOCKET per state change.
 *
 * The protocol is a plain datagram on an AF_UNIX socket whose path (or, with
 * a leading '@', abstract name) systemd puts in NOTIFY_SOCKET; libsystemd is
 * not needed for that.
 *
 * Entry points: ssc_notify().
 */
#include "notify.h"

#include "err.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int ssc_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len;
    ssize_t sent;
    int fd;

    if (path == NULL || path[0] == '\0')
        return 0;
    len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path))
        return SSC_EINVAL;
    memcpy(sa.sun_path, path, len);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return SSC_EIO;
    sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
                  (const struct sockaddr *)&sa,
                  (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
    close(fd);
    return sent < 0 ? SSC_EIO : 1;
}
