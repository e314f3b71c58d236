/*
 * pct_fuzz.c - fuzzes grpc-message percent-encoding (transport/pct.c).
 *
 * Decoding is total. Encoding the decoded bytes must give a valid header
 * value (printable ASCII, no space at either end) that decodes back to the
 * same bytes.
 *
 * Entry points: LLVMFuzzerTestOneInput().
 */
#include "fuzz.h"

#include "pct.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t dec_len, enc_len, again_len;
    char *dec, *enc, *again;

    dec = ssc_pct_decode((const char *)data, size, &dec_len);
    SSC_FUZZ_REQUIRE(dec != NULL && dec_len <= size && dec[dec_len] == '\0');
    enc = ssc_pct_encode(dec, dec_len, &enc_len);
    SSC_FUZZ_REQUIRE(enc != NULL && strlen(enc) == enc_len);
    for (size_t i = 0; i < enc_len; i++)
        SSC_FUZZ_REQUIRE(enc[i] >= 0x20 && enc[i] <= 0x7e);
    SSC_FUZZ_REQUIRE(enc_len == 0 ||
                     (enc[0] != ' ' && enc[enc_len - 1] != ' '));
    again = ssc_pct_decode(enc, enc_len, &again_len);
    SSC_FUZZ_REQUIRE(again != NULL && again_len == dec_len);
    SSC_FUZZ_REQUIRE(dec_len == 0 || memcmp(again, dec, dec_len) == 0);
    free(again);
    free(enc);
    free(dec);
    return 0;
}
