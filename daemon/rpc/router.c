/*
 * router.c - the method table, an open-addressing hash on :path.
 *
 * Built once at start and read-only afterwards, so loops share it without
 * locks. The table doubles when half full.
 *
 * Entry points: see router.h.
 */
#include "router.h"

#include "call.h"
#include "err.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

struct ssc_router {
    const ssc_method **slots;
    size_t nslots; /* a power of two */
    size_t nmethods;
    char **services; /* distinct, in registration order */
    size_t nservices;
};

static uint64_t hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

ssc_router *ssc_router_new(void)
{
    ssc_router *r = ssc_xcalloc(1, sizeof(*r));

    r->nslots = 64;
    r->slots = ssc_xcalloc(r->nslots, sizeof(*r->slots));
    return r;
}

static void place(const ssc_method **slots, size_t nslots, const ssc_method *m)
{
    size_t i = hash(m->path, strlen(m->path)) & (nslots - 1);

    while (slots[i] != NULL)
        i = (i + 1) & (nslots - 1);
    slots[i] = m;
}

static void grow(ssc_router *r)
{
    size_t n = r->nslots * 2;
    const ssc_method **slots = ssc_xcalloc(n, sizeof(*slots));

    for (size_t i = 0; i < r->nslots; i++)
        if (r->slots[i] != NULL)
            place(slots, n, r->slots[i]);
    free(r->slots);
    r->slots = slots;
    r->nslots = n;
}

/* Checks "/pkg.Service/Method" and returns the length of "pkg.Service", or 0
 * when the path is not of that form. */
static size_t service_len(const char *path)
{
    const char *slash;

    if (path == NULL || path[0] != '/')
        return 0;
    slash = strchr(path + 1, '/');
    if (slash == NULL || slash == path + 1 || slash[1] == '\0' ||
        strchr(slash + 1, '/') != NULL)
        return 0;
    return (size_t)(slash - path - 1);
}

static void add_service(ssc_router *r, const char *name, size_t len)
{
    for (size_t i = 0; i < r->nservices; i++)
        if (strlen(r->services[i]) == len &&
            memcmp(r->services[i], name, len) == 0)
            return;
    r->services =
        ssc_xrealloc(r->services, (r->nservices + 1) * sizeof(char *));
    r->services[r->nservices++] = ssc_xstrndup(name, len);
}

int ssc_router_add(ssc_router *r, const ssc_method *m)
{
    size_t svc = service_len(m->path);

    if (svc == 0 || m->on_message == NULL || m->input == NULL)
        return SSC_EINVAL;
    if (ssc_router_find(r, m->path, strlen(m->path)) != NULL)
        return SSC_EINVAL;
    if ((r->nmethods + 1) * 2 > r->nslots)
        grow(r);
    place(r->slots, r->nslots, m);
    r->nmethods++;
    add_service(r, m->path + 1, svc);
    return 0;
}

int ssc_router_add_all(ssc_router *r, const ssc_method *methods, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = ssc_router_add(r, &methods[i]);

        if (rc != 0)
            return rc;
    }
    return 0;
}

const ssc_method *ssc_router_find(const ssc_router *r, const char *path,
                                  size_t len)
{
    size_t i = hash(path, len) & (r->nslots - 1);

    while (r->slots[i] != NULL) {
        const ssc_method *m = r->slots[i];

        if (strlen(m->path) == len && memcmp(m->path, path, len) == 0)
            return m;
        i = (i + 1) & (r->nslots - 1);
    }
    return NULL;
}

int ssc_router_has_service(const ssc_router *r, const char *service)
{
    for (size_t i = 0; i < r->nservices; i++)
        if (strcmp(r->services[i], service) == 0)
            return 1;
    return 0;
}

size_t ssc_router_service_count(const ssc_router *r)
{
    return r->nservices;
}

const char *ssc_router_service_name(const ssc_router *r, size_t i)
{
    return i < r->nservices ? r->services[i] : NULL;
}

void ssc_router_free(ssc_router *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nservices; i++)
        free(r->services[i]);
    free(r->services);
    free(r->slots);
    free(r);
}
