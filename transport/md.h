/*
 * md.h - gRPC metadata: an ordered list of key/value pairs.
 *
 * Keys are stored lower-case. Values of keys ending in "-bin" are stored
 * decoded (raw bytes); they are base64-encoded only on the wire. Every entry
 * owns its key and value.
 *
 * Entry points: ssc_md_init(), ssc_md_add(), ssc_md_add_wire(), ssc_md_get(),
 * ssc_md_free(), ssc_md_is_binary(), ssc_md_is_reserved().
 */
#ifndef SSC_MD_H
#define SSC_MD_H

#include <stddef.h>
#include <stdint.h>

typedef struct ssc_md_entry {
    char *key;
    uint8_t *value;
    size_t value_len;
} ssc_md_entry;

typedef struct ssc_md {
    ssc_md_entry *v;
    size_t n;
    size_t alloc;
    size_t bytes; /* sum of key and value lengths, for limits */
} ssc_md;

void ssc_md_init(ssc_md *md);

/* Adds a copy of (key, value). The value is raw bytes for "-bin" keys. Returns
 * 0, or SSC_EINVAL for a key that is empty or has characters outside
 * [0-9a-z_.-] after lower-casing. */
int ssc_md_add(ssc_md *md, const char *key, size_t key_len,
               const uint8_t *value, size_t value_len);

/* Adds a pair as received on the wire: for "-bin" keys the value is base64
 * (padded or not) and is decoded. Returns 0 or SSC_EINVAL. */
int ssc_md_add_wire(ssc_md *md, const char *key, size_t key_len,
                    const uint8_t *value, size_t value_len);

/* Returns the first entry with this key (exact, lower-case), or NULL. */
const ssc_md_entry *ssc_md_get(const ssc_md *md, const char *key);

void ssc_md_free(ssc_md *md);

/* Non-zero for keys ending in "-bin". */
int ssc_md_is_binary(const char *key, size_t key_len);

/* Non-zero for keys the transport owns and applications may not set or see as
 * custom metadata: pseudo-headers, content-type, te, user-agent, grpc-*. */
int ssc_md_is_reserved(const char *key, size_t key_len);

#endif
