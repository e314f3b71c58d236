/*
 * settings.h - where ssc finds the server and its credentials.
 *
 * Each setting comes from the first of: a command-line flag, an environment
 * variable (SSC_ENDPOINT, SSC_CA, SSC_CERT, SSC_KEY, SSC_TIMEOUT), the
 * [client] section of the config file, a default. The config file is
 * --config, else SSC_CONFIG, else $XDG_CONFIG_HOME/ssc/ssc.ini (or
 * ~/.config/ssc/ssc.ini) when that exists. Relative paths in the file are
 * taken relative to the file's directory; relative paths from flags and the
 * environment, relative to the working directory. An empty environment
 * variable counts as unset.
 *
 * Entry points: cli_settings_load(), cli_settings_free(),
 * cli_parse_timeout().
 */
#ifndef CLI_SETTINGS_H
#define CLI_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#define CLI_DEFAULT_ENDPOINT "localhost:50051"
#define CLI_DEFAULT_TIMEOUT_MS 10000

/* What the command line said; NULL for a flag not given. */
typedef struct cli_flags {
    const char *endpoint;
    const char *ca;
    const char *cert;
    const char *key;
    const char *timeout;
    const char *config;
} cli_flags;

typedef struct cli_settings {
    char *endpoint; /* never NULL once loaded */
    char *ca;       /* NULL when not configured */
    char *cert;
    char *key;
    uint64_t timeout_ms; /* 0: no deadline */
    char *config;        /* the config file read, or NULL */
} cli_settings;

/* Resolves every setting as above into s. Returns 0, or SSC_ECONFIG with a
 * message in err ("invalid --timeout \"x\": expected seconds",
 * "/etc/ssc.ini:3: unknown key \"hots\" in [client]"); s then holds nothing
 * to free. */
int cli_settings_load(cli_settings *s, const cli_flags *flags, char *err,
                      size_t errlen);

void cli_settings_free(cli_settings *s);

/* Parses seconds with up to three decimals ("10", "0.5", "2.250") into
 * milliseconds. Returns 0 or SSC_EINVAL. */
int cli_parse_timeout(const char *text, uint64_t *ms);

#endif
