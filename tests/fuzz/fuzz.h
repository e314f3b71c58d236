/*
 * fuzz.h - what every fuzz target in tests/fuzz/ shares.
 *
 * A target is one LLVMFuzzerTestOneInput() per file. It is linked either with
 * libFuzzer (SSC_FUZZ=ON under clang) or with replay.c, the driver that ctest
 * runs in every build. A target states its invariants with SSC_FUZZ_REQUIRE(),
 * which aborts, so both drivers report the failing input.
 *
 * Entry points: LLVMFuzzerTestOneInput(), SSC_FUZZ_REQUIRE().
 */
#ifndef SSC_FUZZ_H
#define SSC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs the target over one input. Always returns 0 (libFuzzer reserves other
 * values); a broken invariant aborts instead. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the failed condition when cond is false. Unlike assert() it is
 * never compiled out, so release builds check the invariants too. */
#define SSC_FUZZ_REQUIRE(cond)                                                 \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

#endif
