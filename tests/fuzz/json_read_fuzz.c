/*
 * json_read_fuzz.c - daemon/json_read.c must give what jansson gives.
 *
 * ssc_json_read() promises the result of json_loadb(text, len,
 * JSON_DECODE_ANY, NULL) for every input. The target holds it to that: both
 * fail, or both succeed with json_equal() values.
 *
 * Entry points: LLVMFuzzerTestOneInput().
 */
#include "fuzz.h"

#include "json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    json_t *want = json_loadb(text, size, JSON_DECODE_ANY, NULL);
    json_t *got = ssc_json_read(text, size);

    SSC_FUZZ_REQUIRE((want == NULL) == (got == NULL));
    if (want != NULL)
        SSC_FUZZ_REQUIRE(json_equal(want, got));
    json_decref(want);
    json_decref(got);
    return 0;
}
