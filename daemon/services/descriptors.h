/*
 * descriptors.h - an index over the embedded protobuf descriptor set.
 *
 * protobuf-c has no runtime descriptor pool, so reflection answers from the
 * FileDescriptorSet that protoc-c writes at build time (proto/CMakeLists.txt
 * embeds it as ssc_descriptor_set[]). The index is built once at start and is
 * read-only afterwards, so every loop may share it.
 *
 * A file is found by its name ("grpc/health/v1/health.proto") or by any
 * fully-qualified symbol it defines, without a leading dot: messages and their
 * fields, nested messages, enums and their values (scoped as siblings of the
 * enum, as protobuf scopes them), services and their methods
 * ("grpc.health.v1.Health.Check"). Extensions are not indexed.
 *
 * Entry points: ssc_descriptors_load(), ssc_descriptors_free(),
 * ssc_descriptors_count(), ssc_descriptors_by_name(),
 * ssc_descriptors_by_symbol(), ssc_descriptors_closure(), ssc_descfile_name(),
 * ssc_descfile_package(), ssc_descfile_bytes().
 */
#ifndef SSC_DESCRIPTORS_H
#define SSC_DESCRIPTORS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ssc_descriptors ssc_descriptors;
typedef struct ssc_descfile ssc_descfile;

/* The descriptor set generated into the ssc_proto library. */
extern const unsigned char ssc_descriptor_set[];
extern const size_t ssc_descriptor_set_len;

/* Indexes the serialized FileDescriptorSet of n bytes at p. The index points
 * into p, which must outlive it (the embedded set is static). Returns NULL when
 * the bytes do not parse, a file has no name, two files share a name, or a file
 * imports one that is not in the set (protoc-c --include_imports guarantees it
 * is). Allocation failure aborts. */
ssc_descriptors *ssc_descriptors_load(const uint8_t *p, size_t n);

/* Frees the index and every ssc_descfile it handed out; NULL is allowed. */
void ssc_descriptors_free(ssc_descriptors *d);

/* The number of files in the set. */
size_t ssc_descriptors_count(const ssc_descriptors *d);

/* The file of this exact name, or NULL. */
const ssc_descfile *ssc_descriptors_by_name(const ssc_descriptors *d,
                                            const char *filename);

/* The file defining the fully-qualified symbol (no leading dot), or NULL. */
const ssc_descfile *ssc_descriptors_by_symbol(const ssc_descriptors *d,
                                              const char *fqname);

/* Returns a new array, which the caller frees with free(), holding f and every
 * file it imports directly or transitively, each once, in dependency order:
 * every file comes after all the files it imports, so f itself is last. The
 * number of entries goes to *n; it is at least 1. */
const ssc_descfile **ssc_descriptors_closure(const ssc_descriptors *d,
                                             const ssc_descfile *f, size_t *n);

/* The file's name and package ("" when it declares none). */
const char *ssc_descfile_name(const ssc_descfile *f);
const char *ssc_descfile_package(const ssc_descfile *f);

/* The file's serialized FileDescriptorProto, exactly as it appears in the set;
 * its length goes to *len. */
const uint8_t *ssc_descfile_bytes(const ssc_descfile *f, size_t *len);

#endif
