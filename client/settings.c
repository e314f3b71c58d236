/*
 * settings.c - flags, environment and config file, in that order.
 *
 * The file is read first, whole, so that a mistake in it is reported even
 * when flags override the key in question: a broken config file should not
 * lie in wait for the day the flag is dropped.
 *
 * Entry points: cli_settings_load(), cli_settings_free(),
 * cli_parse_timeout().
 */
#include "settings.h"

#include "err.h"
#include "mem.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the [client] section of the file said; paths already resolved. */
typedef struct file_values {
    const char *path;
    char *endpoint;
    char *ca;
    char *cert;
    char *key;
    char *timeout;
    char error[256]; /* the first problem, without the line number */
} file_values;

int cli_parse_timeout(const char *text, uint64_t *ms)
{
    uint64_t whole = 0;
    uint64_t frac = 0;
    uint64_t scale = 1000000000; /* nanoseconds per unit of the next digit */
    const char *p = text;
    int digits = 0;

    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == 8)
            return SSC_EINVAL;
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
            if (scale == 1)
                return SSC_EINVAL;
            scale /= 10;
            frac += (uint64_t)(*p - '0') * scale;
        }
    }
    if (digits == 0 || *p != '\0')
        return SSC_EINVAL;
    /* Round a fraction of a millisecond up: 0.0001 s is a deadline, not
     * "no deadline". */
    *ms = whole * 1000 + (frac + 999999) / 1000000;
    return 0;
}

/* Joins a relative path from the file to the file's directory. */
static char *file_relative(const char *file, const char *value)
{
    const char *slash = strrchr(file, '/');
    size_t dlen;
    size_t vlen;
    char *out;

    if (value[0] == '/' || slash == NULL)
        return ssc_xstrdup(value);
    dlen = (size_t)(slash - file);
    vlen = strlen(value);
    out = ssc_xmalloc(dlen + 1 + vlen + 1);
    memcpy(out, file, dlen);
    out[dlen] = '/';
    memcpy(out + dlen + 1, value, vlen + 1);
    return out;
}

static void set_value(char **dst, char *value)
{
    free(*dst);
    *dst = value;
}

static int on_ini(void *user, const char *section, const char *name,
                  const char *value)
{
    file_values *fv = user;
    uint64_t ms;

    if (strcmp(section, "client") != 0)
        return 1; /* other programs' sections are theirs */
    if (strcmp(name, "endpoint") == 0) {
        set_value(&fv->endpoint, ssc_xstrdup(value));
    } else if (strcmp(name, "ca") == 0) {
        set_value(&fv->ca, file_relative(fv->path, value));
    } else if (strcmp(name, "cert") == 0) {
        set_value(&fv->cert, file_relative(fv->path, value));
    } else if (strcmp(name, "key") == 0) {
        set_value(&fv->key, file_relative(fv->path, value));
    } else if (strcmp(name, "timeout") == 0) {
        if (cli_parse_timeout(value, &ms) != 0) {
            if (fv->error[0] == '\0')
                snprintf(fv->error, sizeof(fv->error),
                         "invalid timeout \"%s\": expected seconds", value);
            return 0;
        }
        set_value(&fv->timeout, ssc_xstrdup(value));
    } else {
        if (fv->error[0] == '\0')
            snprintf(fv->error, sizeof(fv->error),
                     "unknown key \"%s\" in [client]", name);
        return 0;
    }
    return 1;
}

static void file_values_free(file_values *fv)
{
    free(fv->endpoint);
    free(fv->ca);
    free(fv->cert);
    free(fv->key);
    free(fv->timeout);
}

/* The default config file, when it exists; NULL otherwise. */
static char *default_config(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char path[4096];

    if (xdg != NULL && xdg[0] == '/')
        snprintf(path, sizeof(path), "%s/ssc/ssc.ini", xdg);
    else if (home != NULL && home[0] != '\0')
        snprintf(path, sizeof(path), "%s/.config/ssc/ssc.ini", home);
    else
        return NULL;
    return access(path, F_OK) == 0 ? ssc_xstrdup(path) : NULL;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Reads the config file chosen by flag, environment or default. Returns 0 or
 * SSC_ECONFIG with err. */
static int read_config(cli_settings *s, const cli_flags *flags, file_values *fv,
                       char *err, size_t errlen)
{
    const char *chosen = flags->config ? flags->config : env("SSC_CONFIG");
    int line;

    s->config = chosen ? ssc_xstrdup(chosen) : default_config();
    if (s->config == NULL)
        return 0;
    fv->path = s->config;
    errno = 0;
    line = ini_parse(s->config, on_ini, fv);
    if (line == -1) {
        snprintf(err, errlen, "could not read config file %s: %s", s->config,
                 errno ? strerror(errno) : "cannot open");
        return SSC_ECONFIG;
    }
    if (line != 0) {
        snprintf(err, errlen, "%s:%d: %s", s->config, line,
                 fv->error[0] ? fv->error : "syntax error");
        return SSC_ECONFIG;
    }
    return 0;
}

/* flag > environment > file > default (dflt may be NULL). */
static char *pick(const char *flag, const char *envname, const char *file,
                  const char *dflt)
{
    const char *v = flag ? flag : env(envname);

    if (v == NULL)
        v = file ? file : dflt;
    return v ? ssc_xstrdup(v) : NULL;
}

static int pick_timeout(cli_settings *s, const cli_flags *flags,
                        const file_values *fv, char *err, size_t errlen)
{
    const char *v = flags->timeout;
    const char *from = "--timeout";

    if (v == NULL && env("SSC_TIMEOUT") != NULL) {
        v = env("SSC_TIMEOUT");
        from = "SSC_TIMEOUT";
    }
    if (v == NULL)
        v = fv->timeout; /* already checked */
    if (v == NULL) {
        s->timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
        return 0;
    }
    if (cli_parse_timeout(v, &s->timeout_ms) != 0) {
        snprintf(err, errlen, "invalid %s \"%s\": expected seconds", from, v);
        return SSC_ECONFIG;
    }
    return 0;
}

int cli_settings_load(cli_settings *s, const cli_flags *flags, char *err,
                      size_t errlen)
{
    file_values fv;
    int rc;

    memset(s, 0, sizeof(*s));
    memset(&fv, 0, sizeof(fv));
    rc = read_config(s, flags, &fv, err, errlen);
    if (rc == 0)
        rc = pick_timeout(s, flags, &fv, err, errlen);
    if (rc == 0) {
        s->endpoint = pick(flags->endpoint, "SSC_ENDPOINT", fv.endpoint,
                           CLI_DEFAULT_ENDPOINT);
        s->ca = pick(flags->ca, "SSC_CA", fv.ca, NULL);
        s->cert = pick(flags->cert, "SSC_CERT", fv.cert, NULL);
        s->key = pick(flags->key, "SSC_KEY", fv.key, NULL);
    }
    file_values_free(&fv);
    if (rc != 0)
        cli_settings_free(s);
    return rc;
}

void cli_settings_free(cli_settings *s)
{
    free(s->endpoint);
    free(s->ca);
    free(s->cert);
    free(s->key);
    free(s->config);
    memset(s, 0, sizeof(*s));
}
