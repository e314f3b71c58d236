/*
 * timeout_fuzz.c - fuzzes the grpc-timeout parser (transport/timeout.c).
 *
 * Whatever the parser accepts must format to text that it accepts again, as
 * a timeout no shorter (formatting only ever rounds up).
 *
 * Entry points: LLVMFuzzerTestOneInput().
 */
#include "fuzz.h"

#include "timeout.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t ms, again;
    char text[16];
    size_t n;

    if (ssc_timeout_parse((const char *)data, size, &ms) != 0)
        return 0;
    SSC_FUZZ_REQUIRE(size >= 2 && size <= 9);
    n = ssc_timeout_format(ms, text);
    SSC_FUZZ_REQUIRE(n < sizeof(text) && strlen(text) == n);
    SSC_FUZZ_REQUIRE(ssc_timeout_parse(text, n, &again) == 0);
    SSC_FUZZ_REQUIRE(again >= ms);
    return 0;
}
