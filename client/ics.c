/*
 * ics.c - the deadline radar as an iCalendar file (RFC 5545) that people
 * subscribe to in their calendars: `ssc radar --ics FILE`.
 *
 * Each event is an all-day VEVENT on its date. Its UID is made of what the
 * event is, never of when: "<kind>.<entity>.<id>@radar.ssc" (the radar has
 * one event of a kind per entity), so a calendar that imports the file
 * again updates the event that moved instead of adding a second one.
 * libical does the text: escaping, line folding, the calendar's required
 * properties. The file is written as a new file beside its place (mkstemp)
 * and renamed over it, so a calendar reading it meanwhile sees the old one
 * or the new one.
 *
 * Entry points: cli_radar_ics().
 */
#include "ics.h"

#include "args.h"
#include "exit.h"

#include "ssc/v1/radar.pb-c.h"

#include <errno.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PRODID "-//Strategic Sector Cooperation//ssc radar//EN"

/* "2026-02-28" as an iCalendar DATE, or the null time when it is not one. */
static struct icaltimetype date_of(const char *text)
{
    int y, m, d;
    char end;

    struct icaltimetype t = icaltime_null_date();

    if (sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || m < 1 ||
        m > 12 || d < 1 || d > icaltime_days_in_month(m, y))
        return t;
    t.year = y;
    t.month = m;
    t.day = d;
    return t;
}

static icalcomponent *event_of(const Ssc__V1__RadarEvent *e,
                               struct icaltimetype stamp)
{
    char kind[64], uid[160], desc[256];
    struct icaltimetype on = date_of(e->date);
    size_t n;
    char *summary;
    icalcomponent *ev;

    if (icaltime_is_null_time(on))
        return NULL;
    cli_enum_text(&ssc__v1__radar_event_kind__descriptor, (int)e->kind, kind,
                  sizeof(kind));
    snprintf(uid, sizeof(uid), "%s.%s.%lld@radar.ssc", kind, e->entity,
             (long long)e->entity_id);
    /* Sized to the title, so that no UTF-8 sequence is cut. */
    n = strlen(kind) + strlen(e->title) + 3;
    summary = malloc(n);
    if (summary == NULL)
        return NULL;
    snprintf(summary, n, "%s: %s", kind, e->title);
    if (e->collaboration_id != 0)
        snprintf(desc, sizeof(desc), "%s %lld of collaboration %lld; band %s",
                 e->entity, (long long)e->entity_id,
                 (long long)e->collaboration_id, e->band);
    else
        snprintf(desc, sizeof(desc), "%s %lld; band %s", e->entity,
                 (long long)e->entity_id, e->band);
    ev = icalcomponent_vanew(
        ICAL_VEVENT_COMPONENT, icalproperty_new_uid(uid),
        icalproperty_new_dtstamp(stamp), icalproperty_new_dtstart(on),
        icalproperty_new_summary(summary), icalproperty_new_description(desc),
        icalproperty_new_categories(kind),
        icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT), (void *)0);
    free(summary);
    return ev;
}

/* A new file beside path, open for writing, its name (malloc'ed) in *tmp;
 * NULL with errno set when it cannot be made. mkstemp makes it with
 * O_EXCL, so a link planted under the name is never followed, and two
 * runs never share one. */
static FILE *temp_beside(const char *path, char **tmp)
{
    size_t n = strlen(path) + sizeof(".XXXXXX");
    FILE *f = NULL;
    int fd, e;

    *tmp = malloc(n);
    if (*tmp == NULL)
        return NULL;
    snprintf(*tmp, n, "%s.XXXXXX", path);
    fd = mkstemp(*tmp);
    if (fd >= 0 && fchmod(fd, 0644) == 0)
        f = fdopen(fd, "w");
    if (f != NULL)
        return f;
    e = errno;
    if (fd >= 0) {
        close(fd);
        remove(*tmp);
    }
    free(*tmp);
    *tmp = NULL;
    errno = e;
    return NULL;
}

int cli_ics_writable(const cli_cmd *cmd, const char *path)
{
    char *tmp;
    FILE *f = temp_beside(path, &tmp);

    if (f == NULL)
        return cli_usage(cmd, "--ics %s: %s", path, strerror(errno));
    fclose(f);
    remove(tmp);
    free(tmp);
    return CLI_EXIT_OK;
}

/* Writes text to path by way of a new file beside it, renamed over it. */
static int write_atomically(const cli_cmd *cmd, const char *path,
                            const char *text)
{
    char *tmp;
    FILE *f = temp_beside(path, &tmp);
    int ok;

    if (f == NULL)
        return cli_error(cmd, CLI_EXIT_INTERNAL, "--ics %s: %s", path,
                         strerror(errno));
    ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int rc = cli_error(cmd, CLI_EXIT_INTERNAL, "--ics %s: %s", path,
                           strerror(errno));

        remove(tmp);
        free(tmp);
        return rc;
    }
    free(tmp);
    return CLI_EXIT_OK;
}

int cli_radar_ics(const cli_cmd *cmd, const char *path,
                  const ProtobufCMessage *const *items, size_t n)
{
    struct icaltimetype stamp = icaltime_from_timet_with_zone(
        time(NULL), 0, icaltimezone_get_utc_timezone());
    icalcomponent *cal = icalcomponent_vanew(
        ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"),
        icalproperty_new_prodid(PRODID), icalproperty_new_calscale("GREGORIAN"),
        (void *)0);
    char *text;
    int rc;

    for (size_t i = 0; i < n; i++) {
        icalcomponent *ev =
            event_of((const Ssc__V1__RadarEvent *)items[i], stamp);

        if (ev == NULL) {
            icalcomponent_free(cal);
            return cli_error(cmd, CLI_EXIT_INTERNAL,
                             "the server sent an event dated \"%s\"",
                             ((const Ssc__V1__RadarEvent *)items[i])->date);
        }
        icalcomponent_add_component(cal, ev);
    }
    text = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    if (text == NULL)
        return cli_error(cmd, CLI_EXIT_INTERNAL, "libical made no calendar: %s",
                         icalerror_strerror(icalerrno));
    rc = write_atomically(cmd, path, text);
    free(text);
    if (rc == CLI_EXIT_OK)
        printf("%zu event%s written to %s\n", n, n == 1 ? "" : "s", path);
    return rc;
}
