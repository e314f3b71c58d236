/*
 * config_fuzz.c - fuzzes sscd's INI configuration reader (daemon/config.c).
 *
 * The input, as text, goes over the defaults. A refused text must leave a
 * message; an accepted one must name the three TLS files it requires. Either
 * way ssc_config_free() releases everything (LeakSanitizer checks that).
 *
 * Entry points: LLVMFuzzerTestOneInput().
 */
#include "fuzz.h"

#include "config.h"
#include "err.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char err[256];
    ssc_config cfg;
    int rc;

    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    err[0] = '\0';
    ssc_config_defaults(&cfg);
    rc = ssc_config_load_string(text, "fuzz.ini", &cfg, err, sizeof(err));
    if (rc == 0) {
        SSC_FUZZ_REQUIRE(cfg.cert != NULL && cfg.key != NULL &&
                         cfg.client_ca != NULL);
        SSC_FUZZ_REQUIRE(cfg.listen_host != NULL);
    } else {
        SSC_FUZZ_REQUIRE(rc == SSC_ECONFIG);
        SSC_FUZZ_REQUIRE(memchr(err, '\0', sizeof(err)) != NULL && err[0]);
    }
    ssc_config_free(&cfg);
    free(text);
    return 0;
}
