/*
 * migrate.h - the schema's migrations and the commands that manage them:
 * `sscd migrate` and `sscd add-admin`, and the start-up schema check.
 *
 * Migrations are the files sql/NNNN_name.sql, compiled into sscd (or read
 * from a directory given with --sql-dir). `sscd migrate` takes a session
 * advisory lock, so concurrent runs from several hosts serialize; records
 * each applied file's version, name and SHA-256 in
 * public.ssc_schema_migrations; refuses to go on when an applied file has
 * changed since; and applies each pending file in its own transaction.
 * These commands run before any loop exists and may block.
 *
 * Entry points: ssc_migrate_run(), ssc_migrate_check(), ssc_migrate_latest(),
 * ssc_add_admin().
 */
#ifndef SSC_MIGRATE_H
#define SSC_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

typedef struct ssc_migration {
    int version;
    const char *name; /* file name, "0003_sectors.sql" */
    const char *sql;
    size_t len;
} ssc_migration;

/* The migrations compiled in, in version order (generated from sql/). */
extern const ssc_migration ssc_migrations[];
extern const size_t ssc_migrations_count;

/* The highest version compiled in: the schema this sscd needs. */
int ssc_migrate_latest(void);

/* Applies pending migrations to the database at url (the owner role):
 * those compiled in, or those in sql_dir when not NULL, up to target
 * (0: all). Progress goes to out. Returns 0, or -1 with a message in err
 * (a changed file names the file and both checksums). */
int ssc_migrate_run(const char *url, const char *sql_dir, int target, FILE *out,
                    char *err, size_t errlen);

/* Checks that the database at url has every migration this sscd needs.
 * Returns 0; 1 when the schema is behind (err says so and names `sscd
 * migrate`); -1 when the check itself failed (err says why). */
int ssc_migrate_check(const char *url, char *err, size_t errlen);

/* Registers the certificate in cert_pem as an active admin principal (by
 * SHA-256 fingerprint), connecting to url as the owner, named name or, when
 * NULL, by the certificate's whole subject; says so on out with the whole
 * subject. Returns 0 or -1 with err. */
int ssc_add_admin(const char *url, const char *cert_pem, const char *name,
                  FILE *out, char *err, size_t errlen);

#endif
