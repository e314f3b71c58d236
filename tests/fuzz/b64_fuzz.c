/*
 * b64_fuzz.c - fuzzes base64 for "-bin" metadata (transport/b64.c).
 *
 * Whatever decodes must, encoded again, decode to the same bytes; and the
 * encoder's output is unpadded and exactly as long as it says.
 *
 * Entry points: LLVMFuzzerTestOneInput().
 */
#include "fuzz.h"

#include "b64.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *raw, *raw2;
    size_t raw_len, raw2_len, enc_len;
    char *enc;

    if (ssc_b64_decode((const char *)data, size, &raw, &raw_len) != 0)
        return 0;
    SSC_FUZZ_REQUIRE(raw_len <= size);
    enc = ssc_b64_encode(raw, raw_len, &enc_len);
    SSC_FUZZ_REQUIRE(enc != NULL && strlen(enc) == enc_len);
    SSC_FUZZ_REQUIRE(enc_len % 4 != 1 && memchr(enc, '=', enc_len) == NULL);
    SSC_FUZZ_REQUIRE(ssc_b64_decode(enc, enc_len, &raw2, &raw2_len) == 0);
    SSC_FUZZ_REQUIRE(raw2_len == raw_len);
    SSC_FUZZ_REQUIRE(raw_len == 0 || memcmp(raw, raw2, raw_len) == 0);
    free(raw2);
    free(enc);
    free(raw);
    return 0;
}
