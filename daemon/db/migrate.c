/*
 * migrate.c - applying and checking schema migrations; the first admin.
 *
 * Runs from the command line before any loop exists, so it uses blocking
 * libpq. Each migration is one transaction: the file's statements and the
 * row recording it commit together or not at all.
 *
 * Entry points: ssc_migrate_latest(), ssc_migrate_run(),
 * ssc_migrate_check(), ssc_add_admin().
 */
#include "migrate.h"

#include "hex.h"
#include "mem.h"
#include "tls.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Any 64-bit constant both sscd instances agree on: "ssc.migr". */
#define MIGRATE_LOCK "7526766003758150258"

static const char migrations_table[] =
    "CREATE TABLE IF NOT EXISTS public.ssc_schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " sha256 text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now());"
    "GRANT SELECT ON public.ssc_schema_migrations TO PUBLIC;";

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    n = strlen(err);
    while (n > 0 && err[n - 1] == '\n')
        err[--n] = '\0';
}

int ssc_migrate_latest(void)
{
    return ssc_migrations_count > 0
               ? ssc_migrations[ssc_migrations_count - 1].version
               : 0;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;

    EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
    ssc_hex_encode(md, 32, out);
}

/* ---- migrations from a directory --------------------------------------- */

typedef struct mig_set {
    ssc_migration *v;
    size_t n;
} mig_set;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const ssc_migration *)a)->name,
                  ((const ssc_migration *)b)->name);
}

static void set_free(mig_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free((char *)s->v[i].name);
        free((char *)s->v[i].sql);
    }
    free(s->v);
}

static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ssc_buf b;
    char chunk[8192];
    size_t n;

    if (f == NULL)
        return -1;
    ssc_buf_init(&b, 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        (void)ssc_buf_append(&b, chunk, n);
    fclose(f);
    (void)ssc_buf_append(&b, "", 1);
    *out = (char *)b.data;
    *len = b.len - 1;
    return 0;
}

/* Reads NNNN_*.sql from dir, in name order. */
static int load_dir(const char *dir, mig_set *s, char *err, size_t errlen)
{
    regex_t re;
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;

    memset(s, 0, sizeof(*s));
    if (d == NULL) {
        set_err(err, errlen, "could not open %s: %m", dir);
        return -1;
    }
    regcomp(&re, "^[0-9]{4}_[A-Za-z0-9_]+\\.sql$", REG_EXTENDED | REG_NOSUB);
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char path[4096];
        ssc_migration *m;

        if (regexec(&re, e->d_name, 0, NULL, 0) != 0)
            continue;
        s->v = ssc_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
        m = &s->v[s->n];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        m->name = ssc_xstrdup(e->d_name);
        m->version = (int)strtol(e->d_name, NULL, 10);
        if (read_file(path, (char **)&m->sql, &m->len) != 0) {
            set_err(err, errlen, "could not read %s: %m", path);
            free((char *)m->name);
            rc = -1;
            break;
        }
        s->n++;
    }
    regfree(&re);
    closedir(d);
    if (rc == 0)
        qsort(s->v, s->n, sizeof(*s->v), by_name);
    return rc;
}

/* ---- applying ------------------------------------------------------------ */

static int exec_ok(PGconn *pg, const char *sql, char *err, size_t errlen,
                   const char *what)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

    if (!ok)
        set_err(err, errlen, "%s: %s", what, PQerrorMessage(pg));
    PQclear(r);
    return ok ? 0 : -1;
}

/* Migrations say "already exists, skipping" and the like; not for stderr. */
static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_db(const char *url, char *err, size_t errlen)
{
    PGconn *pg = PQconnectdb(url);

    if (PQstatus(pg) != CONNECTION_OK) {
        set_err(err, errlen, "could not connect to the database: %s",
                PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, quiet_notices, NULL);
    return pg;
}

/* Checks the applied migrations against the known ones. Returns the highest
 * version applied, or -1 with err when an applied file changed. */
static int check_applied(PGconn *pg, const ssc_migration *v, size_t n,
                         char *err, size_t errlen)
{
    PGresult *r = PQexec(pg, "SELECT version, name, sha256 FROM "
                             "public.ssc_schema_migrations ORDER BY version");
    int top = 0;

    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        set_err(err, errlen, "could not read applied migrations: %s",
                PQerrorMessage(pg));
        PQclear(r);
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        int version = (int)strtol(PQgetvalue(r, i, 0), NULL, 10);
        const char *sum = PQgetvalue(r, i, 2);

        if (version > top)
            top = version;
        for (size_t k = 0; k < n; k++) {
            char now[65];

            if (v[k].version != version)
                continue;
            sha256_hex(v[k].sql, v[k].len, now);
            if (strcmp(now, sum) != 0) {
                set_err(err, errlen,
                        "migration %s was changed after it was applied "
                        "(applied sha256 %.12s…, file now %.12s…); restore "
                        "the file and put the change in a new migration",
                        v[k].name, sum, now);
                PQclear(r);
                return -1;
            }
        }
    }
    PQclear(r);
    return top;
}

static int apply_one(PGconn *pg, const ssc_migration *m, FILE *out, char *err,
                     size_t errlen)
{
    const char *params[3];
    char version[16], sum[65];
    PGresult *r;
    char what[300];

    snprintf(what, sizeof(what), "could not apply %s", m->name);
    if (exec_ok(pg, "BEGIN", err, errlen, what) != 0)
        return -1;
    if (exec_ok(pg, m->sql, err, errlen, what) != 0) {
        PQclear(PQexec(pg, "ROLLBACK"));
        return -1;
    }
    snprintf(version, sizeof(version), "%d", m->version);
    sha256_hex(m->sql, m->len, sum);
    params[0] = version;
    params[1] = m->name;
    params[2] = sum;
    r = PQexecParams(pg,
                     "INSERT INTO public.ssc_schema_migrations "
                     "(version, name, sha256) VALUES ($1, $2, $3)",
                     3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        set_err(err, errlen, "%s: %s", what, PQerrorMessage(pg));
        PQclear(r);
        PQclear(PQexec(pg, "ROLLBACK"));
        return -1;
    }
    PQclear(r);
    if (exec_ok(pg, "COMMIT", err, errlen, what) != 0)
        return -1;
    fprintf(out, "applied %s\n", m->name);
    return 0;
}

int ssc_migrate_run(const char *url, const char *sql_dir, int target, FILE *out,
                    char *err, size_t errlen)
{
    mig_set dir = {0};
    const ssc_migration *v = ssc_migrations;
    size_t n = ssc_migrations_count;
    PGconn *pg = NULL;
    int top, applied = 0, rc = -1;

    if (sql_dir != NULL) {
        if (load_dir(sql_dir, &dir, err, errlen) != 0)
            return -1;
        v = dir.v;
        n = dir.n;
    }
    pg = connect_db(url, err, errlen);
    if (pg == NULL)
        goto out;
    /* Held for the session: a second sscd migrate waits here. */
    if (exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", err, errlen,
                "could not take the migration lock") != 0 ||
        exec_ok(pg, migrations_table, err, errlen,
                "could not create the migrations table") != 0)
        goto out;
    top = check_applied(pg, v, n, err, errlen);
    if (top < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (v[i].version <= top || (target > 0 && v[i].version > target))
            continue;
        if (apply_one(pg, &v[i], out, err, errlen) != 0)
            goto out;
        applied++;
        top = v[i].version;
    }
    fprintf(out, "schema is at version %d (%d applied now)\n", top, applied);
    rc = 0;
out:
    if (pg != NULL)
        PQfinish(pg); /* ends the session and with it the advisory lock */
    set_free(&dir);
    return rc;
}

int ssc_migrate_check(const char *url, char *err, size_t errlen)
{
    PGconn *pg = connect_db(url, err, errlen);
    PGresult *r;
    int have, need = ssc_migrate_latest(), rc;

    if (pg == NULL)
        return -1;
    r = PQexec(pg, "SELECT coalesce(max(version), 0) FROM "
                   "public.ssc_schema_migrations");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        /* No migrations table at all: nothing was ever applied. */
        have = 0;
    } else {
        have = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
    }
    PQclear(r);
    PQfinish(pg);
    rc = have < need;
    if (rc)
        set_err(err, errlen,
                "the database schema is at version %d but this sscd needs "
                "version %d: run `sscd migrate --config FILE` first",
                have, need);
    return rc;
}

/* Reads the SHA-256 fingerprint and the whole subject of a PEM certificate,
 * the subject printed as sscd prints a peer's (ssc_tls_subject()). Returns 0
 * with *subject the caller's to free, or -1 with err. */
static int cert_identity(const char *path, char fp[65], char **subject,
                         char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    X509 *x;
    unsigned char *der = NULL;
    int len, rc = -1;

    *subject = NULL;
    if (f == NULL) {
        set_err(err, errlen, "could not open %s: %m", path);
        return -1;
    }
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (x == NULL) {
        set_err(err, errlen, "%s is not a PEM certificate", path);
        return -1;
    }
    len = i2d_X509(x, &der);
    if (len <= 0 || ssc_tls_subject(x, subject) != 0) {
        set_err(err, errlen, "could not read the identity in %s", path);
        goto out;
    }
    sha256_hex(der, (size_t)len, fp);
    rc = 0;
out:
    OPENSSL_free(der);
    X509_free(x);
    return rc;
}

/* The name defaults to the whole subject, which can be longer than a name
 * may be: a refused name then needs saying where it came from. */
static const char default_name_hint[] =
    "HINT:  the name defaults to the certificate's subject; give one with "
    "--name";

static int name_refused(const PGresult *r)
{
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

    return m != NULL && strncmp(m, "name:", 5) == 0;
}

int ssc_add_admin(const char *url, const char *cert_pem, const char *name,
                  FILE *out, char *err, size_t errlen)
{
    char fp[65], *subject;
    const char *params[3];
    PGconn *pg;
    PGresult *r;
    int rc = 0;

    if (cert_identity(cert_pem, fp, &subject, err, errlen))
        return -1;
    pg = connect_db(url, err, errlen);
    if (pg == NULL) {
        free(subject);
        return -1;
    }
    params[0] = "";
    params[1] = fp;
    params[2] = name != NULL ? name : subject;
    r = PQexecParams(pg, "SELECT ssc.bootstrap_admin($1, $2, $3)", 3, NULL,
                     params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        set_err(err, errlen, "could not add the admin: %s%s",
                PQerrorMessage(pg),
                name == NULL && name_refused(r) ? default_name_hint : "");
        rc = -1;
    } else {
        fprintf(out, "admin principal for %s (sha256 %s)\n", subject, fp);
    }
    PQclear(r);
    PQfinish(pg);
    free(subject);
    return rc;
}
