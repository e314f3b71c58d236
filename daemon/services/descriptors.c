/*
 * descriptors.c - indexes a serialized FileDescriptorSet for reflection.
 *
 * The set is walked at the wire level with a small reader instead of code
 * generated from descriptor.proto: reflection needs only names, imports and the
 * raw bytes of each FileDescriptorProto, and the raw bytes are what it sends.
 * Every nested message the walk descends into is parsed in full, so truncated
 * or corrupt input is refused at load rather than met later.
 *
 * Field numbers used (google/protobuf/descriptor.proto):
 *   FileDescriptorSet        file=1
 *   FileDescriptorProto      name=1 package=2 dependency=3 message_type=4
 *                            enum_type=5 service=6
 *   DescriptorProto          name=1 field=2 nested_type=3 enum_type=4
 *   FieldDescriptorProto     name=1
 *   EnumDescriptorProto      name=1 value=2 (EnumValueDescriptorProto name=1)
 *   ServiceDescriptorProto   name=1 method=2 (MethodDescriptorProto name=1)
 *
 * Entry points: ssc_descriptors_load(), ssc_descriptors_free(),
 * ssc_descriptors_count(), ssc_descriptors_by_name(),
 * ssc_descriptors_by_symbol(), ssc_descriptors_closure(), ssc_descfile_name(),
 * ssc_descfile_package(), ssc_descfile_bytes().
 */
#include "descriptors.h"

#include "mem.h"

#include <stdlib.h>
#include <string.h>

/* Messages nest far less than this in any real proto; the cap bounds the
 * recursion a hostile set could ask for. */
#define MAX_NESTING 32

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

struct ssc_descfile {
    const uint8_t *bytes; /* the FileDescriptorProto, inside the set */
    size_t len;
    char *name;
    char *package;
    char **dep_names;
    size_t *deps; /* dep_names resolved to indices into files */
    size_t ndeps;
};

typedef struct symbol {
    char *name;
    size_t file;
} symbol;

struct ssc_descriptors {
    ssc_descfile *files;
    size_t nfiles;
    size_t files_alloc;
    size_t *by_name; /* indices into files, sorted by file name */
    symbol *syms;    /* sorted by name, then by file */
    size_t nsyms;
    size_t syms_alloc;
};

/* A position in protobuf wire data. */
typedef struct wire {
    const uint8_t *p;
    const uint8_t *end;
} wire;

/* One field read off the wire; data/len are set for length-delimited ones. */
typedef struct wfield {
    uint32_t num;
    unsigned type;
    const uint8_t *data;
    size_t len;
} wfield;

static wire wire_of(const uint8_t *p, size_t n)
{
    static const uint8_t none[1];
    wire w;

    /* Arithmetic on a null pointer is undefined even when it adds zero. */
    w.p = n ? p : none;
    w.end = w.p + n;

    return w;
}

/* Reads a varint of at most ten bytes. Returns 0, or -1 when it is truncated
 * or too long. */
static int wire_varint(wire *w, uint64_t *v)
{
    uint64_t r = 0;
    unsigned shift;

    for (shift = 0; shift < 70; shift += 7) {
        uint8_t b;

        if (w->p == w->end)
            return -1;
        b = *w->p++;
        r |= (uint64_t)(b & 0x7f) << (shift < 64 ? shift : 63);
        if ((b & 0x80) == 0) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

static int wire_skip(wire *w, size_t n)
{
    if ((size_t)(w->end - w->p) < n)
        return -1;
    w->p += n;
    return 0;
}

/* Reads the next field. Returns 1 with *f filled, 0 at the end of the data, or
 * -1 for malformed data (groups count as such: descriptors use none). */
static int wire_next(wire *w, wfield *f)
{
    uint64_t key, v;

    if (w->p == w->end)
        return 0;
    if (wire_varint(w, &key) != 0)
        return -1;
    f->num = (uint32_t)(key >> 3);
    f->type = (unsigned)(key & 7);
    f->data = NULL;
    f->len = 0;
    if (f->num == 0 || (key >> 3) > 0x1fffffff)
        return -1;
    switch (f->type) {
    case WIRE_VARINT:
        return wire_varint(w, &v) == 0 ? 1 : -1;
    case WIRE_I64:
        return wire_skip(w, 8) == 0 ? 1 : -1;
    case WIRE_I32:
        return wire_skip(w, 4) == 0 ? 1 : -1;
    case WIRE_LEN:
        if (wire_varint(w, &v) != 0 || v > (uint64_t)(w->end - w->p))
            return -1;
        f->data = w->p;
        f->len = (size_t)v;
        w->p += v;
        return 1;
    default:
        return -1;
    }
}

/* Copies a string field; NULL when it is not length-delimited or holds a NUL,
 * which no protobuf name may. */
static char *field_string(const wfield *f)
{
    if (f->type != WIRE_LEN || memchr(f->data, 0, f->len) != NULL)
        return NULL;
    return ssc_xstrndup((const char *)f->data, f->len);
}

/* Finds the name (field 1) of a descriptor message of n bytes at p: *name
 * points into the data. Returns 0, or -1 when the data is malformed or has no
 * usable name. */
static int find_name(const uint8_t *p, size_t n, const uint8_t **name,
                     size_t *len)
{
    wire w = wire_of(p, n);
    wfield f;
    int rc;

    *name = NULL;
    *len = 0;
    while ((rc = wire_next(&w, &f)) > 0) {
        if (f.num != 1)
            continue;
        if (f.type != WIRE_LEN || f.len == 0 || memchr(f.data, 0, f.len))
            return -1;
        *name = f.data;
        *len = f.len;
    }
    return rc == 0 && *name != NULL ? 0 : -1;
}

/* Adds "scope.name" (or "name" in the empty scope) for file and returns the
 * stored string, which stays valid as long as the index. */
static const char *add_symbol(ssc_descriptors *d, const char *scope,
                              const uint8_t *name, size_t len, size_t file)
{
    size_t slen = strlen(scope);
    size_t off = slen ? slen + 1 : 0;
    char *s = ssc_xmalloc(off + len + 1);

    if (slen) {
        memcpy(s, scope, slen);
        s[slen] = '.';
    }
    memcpy(s + off, name, len);
    s[off + len] = '\0';
    if (d->nsyms == d->syms_alloc) {
        d->syms_alloc = d->syms_alloc ? 2 * d->syms_alloc : 64;
        d->syms = ssc_xrealloc(d->syms, d->syms_alloc * sizeof(*d->syms));
    }
    d->syms[d->nsyms].name = s;
    d->syms[d->nsyms].file = file;
    d->nsyms++;
    return s;
}

/* Indexes the named element of n bytes at p (a field, an enum value, a
 * method) in scope. Returns 0 or -1. */
static int index_leaf(ssc_descriptors *d, const wfield *f, const char *scope,
                      size_t file)
{
    const uint8_t *name;
    size_t len;

    if (f->type != WIRE_LEN || find_name(f->data, f->len, &name, &len) != 0)
        return -1;
    add_symbol(d, scope, name, len, file);
    return 0;
}

/* Indexes an EnumDescriptorProto. Its values are siblings of the enum in
 * protobuf's scoping, so they go into the enclosing scope. */
static int index_enum(ssc_descriptors *d, const wfield *e, const char *scope,
                      size_t file)
{
    wire w = wire_of(e->data, e->len);
    wfield f;
    int rc;

    if (index_leaf(d, e, scope, file) != 0)
        return -1;
    while ((rc = wire_next(&w, &f)) > 0) {
        if (f.num == 2 && index_leaf(d, &f, scope, file) != 0)
            return -1;
    }
    return rc;
}

/* Indexes a ServiceDescriptorProto and its methods ("pkg.Service.Method"). */
static int index_service(ssc_descriptors *d, const wfield *s, const char *scope,
                         size_t file)
{
    const uint8_t *name;
    const char *fq;
    size_t len;
    wire w = wire_of(s->data, s->len);
    wfield f;
    int rc;

    if (s->type != WIRE_LEN || find_name(s->data, s->len, &name, &len) != 0)
        return -1;
    fq = add_symbol(d, scope, name, len, file);
    while ((rc = wire_next(&w, &f)) > 0) {
        if (f.num == 2 && index_leaf(d, &f, fq, file) != 0)
            return -1;
    }
    return rc;
}

/* Indexes a DescriptorProto: the message, its fields, nested messages and
 * enums, recursively up to MAX_NESTING levels. */
static int index_message(ssc_descriptors *d, const wfield *m, const char *scope,
                         size_t file, int depth)
{
    const uint8_t *name;
    const char *fq;
    size_t len;
    wire w = wire_of(m->data, m->len);
    wfield f;
    int rc = 0;

    if (depth > MAX_NESTING || m->type != WIRE_LEN ||
        find_name(m->data, m->len, &name, &len) != 0)
        return -1;
    fq = add_symbol(d, scope, name, len, file);
    while (rc == 0 && wire_next(&w, &f) > 0) {
        if (f.num == 2)
            rc = index_leaf(d, &f, fq, file);
        else if (f.num == 3)
            rc = index_message(d, &f, fq, file, depth + 1);
        else if (f.num == 4)
            rc = index_enum(d, &f, fq, file);
    }
    /* find_name() has already walked this message, so the loop above can only
     * stop early on an error of a nested element. */
    return rc < 0 ? -1 : 0;
}

/* Reads a FileDescriptorProto's name, package and imports into file. */
static int read_file_header(ssc_descfile *file)
{
    wire w = wire_of(file->bytes, file->len);
    wfield f;
    int rc;

    while ((rc = wire_next(&w, &f)) > 0) {
        char *s;

        if (f.num < 1 || f.num > 3)
            continue;
        s = field_string(&f);
        if (s == NULL)
            return -1;
        if (f.num == 1) {
            free(file->name);
            file->name = s;
        } else if (f.num == 2) {
            free(file->package);
            file->package = s;
        } else {
            file->dep_names = ssc_xrealloc(file->dep_names,
                                           (file->ndeps + 1) * sizeof(char *));
            file->dep_names[file->ndeps++] = s;
        }
    }
    if (rc < 0 || file->name == NULL || file->name[0] == '\0')
        return -1;
    if (file->package == NULL)
        file->package = ssc_xstrdup("");
    return 0;
}

/* Adds one FileDescriptorProto of n bytes at p and indexes its symbols. */
static int add_file(ssc_descriptors *d, const uint8_t *p, size_t n)
{
    size_t idx = d->nfiles;
    ssc_descfile *file;
    wire w;
    wfield f;
    int rc = 0;

    if (d->nfiles == d->files_alloc) {
        d->files_alloc = d->files_alloc ? 2 * d->files_alloc : 16;
        d->files = ssc_xrealloc(d->files, d->files_alloc * sizeof(*d->files));
    }
    file = &d->files[d->nfiles++];
    memset(file, 0, sizeof(*file));
    file->bytes = p;
    file->len = n;
    if (read_file_header(file) != 0)
        return -1;
    w = wire_of(p, n);
    while (rc == 0 && wire_next(&w, &f) > 0) {
        if (f.num == 4)
            rc = index_message(d, &f, file->package, idx, 0);
        else if (f.num == 5)
            rc = index_enum(d, &f, file->package, idx);
        else if (f.num == 6)
            rc = index_service(d, &f, file->package, idx);
    }
    return rc < 0 ? -1 : 0;
}

/* qsort and bsearch run without a context argument, so the by_name order is
 * built over pointers to the files rather than their indices. */
static int cmp_file_ptr(const void *a, const void *b)
{
    const ssc_descfile *fa = *(const ssc_descfile *const *)a;
    const ssc_descfile *fb = *(const ssc_descfile *const *)b;

    return strcmp(fa->name, fb->name);
}

static int cmp_symbol(const void *a, const void *b)
{
    const symbol *sa = a;
    const symbol *sb = b;
    int c = strcmp(sa->name, sb->name);

    if (c != 0)
        return c;
    return sa->file < sb->file ? -1 : sa->file > sb->file;
}

/* Sorts files by name (refusing duplicates), resolves every import and sorts
 * the symbols. Returns 0 or -1. */
static int build_index(ssc_descriptors *d)
{
    const ssc_descfile **sorted;
    size_t i, j;
    int rc = 0;

    sorted = ssc_xcalloc(d->nfiles, sizeof(*sorted));
    for (i = 0; i < d->nfiles; i++)
        sorted[i] = &d->files[i];
    qsort(sorted, d->nfiles, sizeof(*sorted), cmp_file_ptr);
    d->by_name = ssc_xcalloc(d->nfiles, sizeof(*d->by_name));
    for (i = 0; i < d->nfiles; i++) {
        d->by_name[i] = (size_t)(sorted[i] - d->files);
        if (i > 0 && strcmp(sorted[i - 1]->name, sorted[i]->name) == 0)
            rc = -1;
    }
    free(sorted);
    for (i = 0; rc == 0 && i < d->nfiles; i++) {
        ssc_descfile *f = &d->files[i];

        f->deps = ssc_xcalloc(f->ndeps, sizeof(*f->deps));
        for (j = 0; rc == 0 && j < f->ndeps; j++) {
            const ssc_descfile *dep =
                ssc_descriptors_by_name(d, f->dep_names[j]);

            if (dep == NULL)
                rc = -1;
            else
                f->deps[j] = (size_t)(dep - d->files);
        }
    }
    if (d->nsyms > 0)
        qsort(d->syms, d->nsyms, sizeof(*d->syms), cmp_symbol);
    return rc;
}

ssc_descriptors *ssc_descriptors_load(const uint8_t *p, size_t n)
{
    ssc_descriptors *d = ssc_xcalloc(1, sizeof(*d));
    wire w = wire_of(p, n);
    wfield f;
    int rc;

    while ((rc = wire_next(&w, &f)) > 0) {
        if (f.num != 1)
            continue;
        if (f.type != WIRE_LEN || add_file(d, f.data, f.len) != 0)
            goto err;
    }
    if (rc < 0 || build_index(d) != 0)
        goto err;
    return d;
err:
    ssc_descriptors_free(d);
    return NULL;
}

void ssc_descriptors_free(ssc_descriptors *d)
{
    size_t i, j;

    if (d == NULL)
        return;
    for (i = 0; i < d->nfiles; i++) {
        ssc_descfile *f = &d->files[i];

        for (j = 0; j < f->ndeps; j++)
            free(f->dep_names[j]);
        free(f->dep_names);
        free(f->deps);
        free(f->name);
        free(f->package);
    }
    for (i = 0; i < d->nsyms; i++)
        free(d->syms[i].name);
    free(d->files);
    free(d->by_name);
    free(d->syms);
    free(d);
}

size_t ssc_descriptors_count(const ssc_descriptors *d)
{
    return d->nfiles;
}

const ssc_descfile *ssc_descriptors_by_name(const ssc_descriptors *d,
                                            const char *filename)
{
    size_t lo = 0, hi = d->nfiles;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ssc_descfile *f = &d->files[d->by_name[mid]];
        int c = strcmp(filename, f->name);

        if (c == 0)
            return f;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const ssc_descfile *ssc_descriptors_by_symbol(const ssc_descriptors *d,
                                              const char *fqname)
{
    size_t lo = 0, hi = d->nsyms;

    /* A lower-bound search, so that a symbol defined twice resolves to the
     * file that comes first in the set. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(d->syms[mid].name, fqname) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < d->nsyms && strcmp(d->syms[lo].name, fqname) == 0)
        return &d->files[d->syms[lo].file];
    return NULL;
}

/* Why iterative: the import graph of a hostile set could be a chain as long as
 * the set has files, and this walk must not recurse that deep. Each stack entry
 * is a file and the next of its imports to visit; a file is emitted once all
 * its imports have been, which gives dependency order. */
const ssc_descfile **ssc_descriptors_closure(const ssc_descriptors *d,
                                             const ssc_descfile *f, size_t *n)
{
    const ssc_descfile **out = ssc_xcalloc(d->nfiles, sizeof(*out));
    size_t *stack = ssc_xcalloc(d->nfiles, sizeof(*stack));
    size_t *next = ssc_xcalloc(d->nfiles, sizeof(*next));
    unsigned char *seen = ssc_xcalloc(d->nfiles, 1);
    size_t depth = 0, count = 0;

    stack[depth++] = (size_t)(f - d->files);
    seen[stack[0]] = 1;
    while (depth > 0) {
        size_t top = stack[depth - 1];
        const ssc_descfile *tf = &d->files[top];

        if (next[top] < tf->ndeps) {
            size_t dep = tf->deps[next[top]++];

            if (!seen[dep]) {
                seen[dep] = 1;
                stack[depth++] = dep;
            }
            continue;
        }
        out[count++] = tf;
        depth--;
    }
    free(stack);
    free(next);
    free(seen);
    *n = count;
    return out;
}

const char *ssc_descfile_name(const ssc_descfile *f)
{
    return f->name;
}

const char *ssc_descfile_package(const ssc_descfile *f)
{
    return f->package;
}

const uint8_t *ssc_descfile_bytes(const ssc_descfile *f, size_t *len)
{
    *len = f->len;
    return f->bytes;
}
