/*
 * output.c - tables and JSON from protobuf-c messages.
 *
 * Values are read generically through each field's descriptor (offset and
 * type), so one function renders every field of every message: value_json()
 * for JSON, value_text() for a table cell.
 *
 * Entry points: cli_print_msg(), cli_print_msgs(), cli_print_line(),
 * cli_print_json(),
 * cli_json_from_msg(), cli_table_new(), cli_table_add(), cli_table_print(),
 * cli_table_free(), cli_stdout_tty(), cli_bold_ok().
 */
#include "output.h"

#include "args.h"
#include "hex.h"
#include "money.h"

#include "mem.h"
#include "pb_field.h"

#include "ssc/v1/common.pb-c.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cli_table {
    size_t ncols;
    char **headers;
    int *right;
    char **cells; /* nrows * ncols */
    size_t nrows;
    size_t alloc; /* rows room */
};

int cli_stdout_tty(void)
{
    return isatty(STDOUT_FILENO);
}

/* ---- reading fields ----------------------------------------------------- */

static int is_integer(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 1;
    default:
        return 0;
    }
}

/* An integer field's value, read at p, as a signed 64-bit number (uint64
 * values above INT64_MAX wrap; none of ssc's fields come near). */
static int64_t integer_at(ProtobufCType type, const void *p)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return *(const int32_t *)p;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return *(const uint32_t *)p;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return (int64_t)(*(const uint64_t *)p);
    default:
        return *(const int64_t *)p;
    }
}

static const void *field_ptr(const ProtobufCMessage *msg,
                             const ProtobufCFieldDescriptor *f)
{
    return (const char *)msg + f->offset;
}

/* For a repeated field: the element count and the array. */
static size_t repeated_count(const ProtobufCMessage *msg,
                             const ProtobufCFieldDescriptor *f)
{
    return *(const size_t *)((const char *)msg + f->quantifier_offset);
}

static const char *repeated_base(const ProtobufCMessage *msg,
                                 const ProtobufCFieldDescriptor *f)
{
    return *(char *const *)field_ptr(msg, f);
}

static char *hex_of(const ProtobufCBinaryData *b)
{
    char *out = ssc_xmalloc(2 * b->len + 1);

    ssc_hex_encode(b->data, b->len, out);
    return out;
}

/* ---- JSON --------------------------------------------------------------- */

/* A JSON string of s; bytes that are not UTF-8 become '?' so the document
 * stays valid. */
static json_t *string_json(const char *s)
{
    json_t *v = json_string(s);
    char *copy;

    if (v != NULL)
        return v;
    copy = ssc_xstrdup(s);
    for (char *p = copy; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    }
    v = json_string(copy);
    free(copy);
    return v;
}

static json_t *value_json(const ProtobufCFieldDescriptor *f, const void *p)
{
    char word[64];
    char *hex;
    json_t *v;

    if (is_integer(f->type))
        return json_integer((json_int_t)integer_at(f->type, p));
    switch (f->type) {
    case PROTOBUF_C_TYPE_FLOAT:
        return json_real(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return json_real(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM:
        cli_enum_text(f->descriptor, *(const int *)p, word, sizeof(word));
        return json_string(word);
    case PROTOBUF_C_TYPE_STRING:
        return string_json(*(char *const *)p ? *(char *const *)p : "");
    case PROTOBUF_C_TYPE_BYTES:
        hex = hex_of(p);
        v = json_string(hex);
        free(hex);
        return v;
    default: /* a message */
        return *(ProtobufCMessage *const *)p
                   ? cli_json_from_msg(*(ProtobufCMessage *const *)p)
                   : json_null();
    }
}

json_t *cli_json_from_msg(const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    json_t *o = json_object();

    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        json_t *v;

        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = repeated_count(msg, f);
            const char *base = repeated_base(msg, f);
            size_t size = ssc_pb_elem_size(f->type);

            v = json_array();
            for (size_t k = 0; k < n; k++)
                json_array_append_new(v, value_json(f, base + k * size));
        } else {
            v = value_json(f, field_ptr(msg, f));
        }
        json_object_set_new(o, f->name, v);
    }
    return o;
}

void cli_print_json(json_t *j)
{
    size_t flags = cli_stdout_tty() ? JSON_INDENT(2) : JSON_COMPACT;

    json_dumpf(j, stdout, flags | JSON_ENCODE_ANY);
    fputc('\n', stdout);
    json_decref(j);
}

/* ---- table cells -------------------------------------------------------- */

/* Is f a Money (a message field of type ssc.v1.Money)? */
static int is_money(const ProtobufCFieldDescriptor *f)
{
    return f->type == PROTOBUF_C_TYPE_MESSAGE &&
           f->descriptor == &ssc__v1__money__descriptor;
}

/* A Money's cell: its amount in major units, "25,000,000.00" (the
 * currency is a column of its own); NULL ("-") when it is not set. */
static char *money_text(const void *p)
{
    const Ssc__V1__Money *m = *(Ssc__V1__Money *const *)p;
    char buf[CLI_MONEY_LEN];

    if (m == NULL)
        return NULL;
    cli_money_format(m->amount_minor, NULL, 0, buf, sizeof(buf));
    return ssc_xstrdup(buf);
}

/* The cell text of one value; NULL for "-". Integer fields named "*_id" show
 * 0 (no such thing) as "-". */
static char *value_text(const ProtobufCFieldDescriptor *f, const void *p)
{
    char buf[64];
    size_t namelen = strlen(f->name);

    if (is_integer(f->type)) {
        int64_t v = integer_at(f->type, p);

        if (v == 0 && namelen > 3 && strcmp(f->name + namelen - 3, "_id") == 0)
            return NULL;
        snprintf(buf, sizeof(buf), "%" PRId64, v);
        return ssc_xstrdup(buf);
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_BOOL:
        return ssc_xstrdup(*(const protobuf_c_boolean *)p ? "yes" : "no");
    case PROTOBUF_C_TYPE_ENUM:
        cli_enum_text(f->descriptor, *(const int *)p, buf, sizeof(buf));
        return ssc_xstrdup(buf);
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;

        return s != NULL && s[0] != '\0' ? ssc_xstrdup(s) : NULL;
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len ? hex_of(p) : NULL;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        snprintf(buf, sizeof(buf), "%g",
                 f->type == PROTOBUF_C_TYPE_FLOAT ? *(const float *)p
                                                  : *(const double *)p);
        return ssc_xstrdup(buf);
    default: /* a message does not fit in a cell, but for a Money */
        return is_money(f) ? money_text(p) : NULL;
    }
}

/* The cell for field f of msg; repeated values are joined with ','. */
static char *field_text(const ProtobufCMessage *msg,
                        const ProtobufCFieldDescriptor *f)
{
    size_t n;
    size_t size;
    char *out = NULL;
    size_t len = 0;

    if (f->label != PROTOBUF_C_LABEL_REPEATED)
        return value_text(f, field_ptr(msg, f));
    n = repeated_count(msg, f);
    size = ssc_pb_elem_size(f->type);
    for (size_t k = 0; k < n; k++) {
        char *one = value_text(f, repeated_base(msg, f) + k * size);
        size_t olen = one ? strlen(one) : 1;

        out = ssc_xrealloc(out, len + olen + 2);
        if (len > 0)
            out[len++] = ',';
        memcpy(out + len, one ? one : "-", olen);
        len += olen;
        out[len] = '\0';
        free(one);
    }
    return out;
}

/* ---- views -------------------------------------------------------------- */

static size_t view_ncols(const cli_view *view)
{
    size_t n = 0;

    while (view->columns[n].header != NULL)
        n++;
    return n;
}

/* The descriptor of column i's field, which may be a path ("in_force.
 * effective_to": field effective_to of the message in field in_force). With
 * msg, *msg becomes the message holding the field, NULL when a message on
 * the way is not set. Aborts on a field the message does not have, which is
 * a mistake in the command's view. */
static const ProtobufCFieldDescriptor *
column_field(const cli_view *view, size_t i, const ProtobufCMessage **msg)
{
    const ProtobufCMessageDescriptor *d = view->desc;
    const char *path = view->columns[i].field;

    for (;;) {
        size_t n = strcspn(path, ".");
        char part[64];
        const ProtobufCFieldDescriptor *f = NULL;

        if (n < sizeof(part)) {
            memcpy(part, path, n);
            part[n] = '\0';
            f = protobuf_c_message_descriptor_get_field_by_name(d, part);
        }
        if (f == NULL ||
            (path[n] == '.' && (f->type != PROTOBUF_C_TYPE_MESSAGE ||
                                f->label == PROTOBUF_C_LABEL_REPEATED))) {
            fprintf(stderr, "ssc: bug: %s has no field %s\n", view->desc->name,
                    view->columns[i].field);
            abort();
        }
        if (path[n] == '\0')
            return f;
        if (msg != NULL && *msg != NULL)
            *msg = *(ProtobufCMessage *const *)field_ptr(*msg, f);
        d = f->descriptor;
        path += n + 1;
    }
}

static cli_table *view_table(const cli_view *view)
{
    size_t ncols = view_ncols(view);
    const char **headers = ssc_xcalloc(ncols, sizeof(char *));
    int *right = ssc_xcalloc(ncols, sizeof(int));
    cli_table *t;

    for (size_t i = 0; i < ncols; i++) {
        const ProtobufCFieldDescriptor *f = column_field(view, i, NULL);

        headers[i] = view->columns[i].header;
        right[i] = is_integer(f->type) || is_money(f);
    }
    t = cli_table_new(ncols, headers, right);
    free(headers);
    free(right);
    return t;
}

static void view_row(cli_table *t, const cli_view *view,
                     const ProtobufCMessage *msg)
{
    size_t ncols = view_ncols(view);
    char **cells = ssc_xcalloc(ncols, sizeof(char *));

    for (size_t i = 0; i < ncols; i++) {
        const ProtobufCMessage *m = msg;
        const ProtobufCFieldDescriptor *f = column_field(view, i, &m);

        cells[i] = m != NULL ? field_text(m, f) : NULL;
    }
    cli_table_add(t, (const char *const *)cells);
    for (size_t i = 0; i < ncols; i++)
        free(cells[i]);
    free(cells);
}

int cli_bold_ok(void)
{
    const char *term = getenv("TERM");

    return cli_stdout_tty() && getenv("NO_COLOR") == NULL &&
           (term == NULL || strcmp(term, "dumb") != 0);
}

static json_t *view_json(const cli_view *view, const ProtobufCMessage *msg)
{
    return view->to_json ? view->to_json(msg) : cli_json_from_msg(msg);
}

static void print_table(const cli_view *view,
                        const ProtobufCMessage *const *msgs, size_t n)
{
    cli_table *t = view_table(view);

    for (size_t i = 0; i < n; i++)
        view_row(t, view, msgs[i]);
    cli_table_print(t, stdout, cli_bold_ok());
    cli_table_free(t);
}

void cli_print_msg(const cli_ctx *ctx, const cli_view *view,
                   const ProtobufCMessage *msg)
{
    if (ctx->json)
        cli_print_json(view_json(view, msg));
    else
        print_table(view, &msg, 1);
}

void cli_print_msgs(const cli_ctx *ctx, const cli_view *view,
                    const ProtobufCMessage *const *msgs, size_t n,
                    const char *next_page_token)
{
    json_t *arr;

    if (!ctx->json) {
        print_table(view, msgs, n);
        return;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, view_json(view, msgs[i]));
    cli_print_json(json_pack("{s:o,s:s}", view->list_key, arr,
                             "next_page_token",
                             next_page_token ? next_page_token : ""));
}

static char *clean_cell(const char *s);

/* One line of a stream: the cells unaligned (later lines cannot widen the
 * columns of earlier ones), two spaces apart. */
static void print_line(const cli_view *view, const ProtobufCMessage *msg,
                       int header)
{
    size_t ncols = view_ncols(view);
    int bold = header && cli_bold_ok();

    if (bold)
        fputs("\033[1m", stdout);
    for (size_t i = 0; i < ncols; i++) {
        const ProtobufCMessage *m = msg;
        const ProtobufCFieldDescriptor *f = column_field(view, i, &m);
        char *text = header      ? ssc_xstrdup(view->columns[i].header)
                     : m != NULL ? field_text(m, f)
                                 : NULL;
        char *cell = clean_cell(text);

        printf("%s%s", i ? "  " : "", cell);
        free(cell);
        free(text);
    }
    if (bold)
        fputs("\033[0m", stdout);
    fputc('\n', stdout);
}

void cli_print_line(const cli_ctx *ctx, const cli_view *view,
                    const ProtobufCMessage *msg, int first)
{
    if (ctx->json) {
        json_t *j = view_json(view, msg);

        json_dumpf(j, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
        fputc('\n', stdout);
        json_decref(j);
    } else {
        if (first)
            print_line(view, msg, 1);
        print_line(view, msg, 0);
    }
    fflush(stdout);
}

/* ---- the table ---------------------------------------------------------- */

/* A copy of s fit for a terminal: control characters (C0, DEL and the C1
 * range U+0080..U+009F) become '?'. */
static char *clean_cell(const char *s)
{
    char *out = ssc_xstrdup(s != NULL ? s : "-");
    char *w = out;

    for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            *w++ = '?';
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            *w++ = '?';
            p++;
        } else {
            *w++ = (char)*p;
        }
    }
    *w = '\0';
    return out;
}

/* Columns a code point takes on a terminal: 2 for East Asian wide and
 * fullwidth characters (CJK, Hangul, fullwidth forms), 0 for combining marks
 * and zero-width characters, else 1. A table, not a full wcwidth(). */
static int char_width(uint32_t c)
{
    static const uint32_t wide[][2] = {
        {0x1100, 0x115f},   {0x2e80, 0x303e},   {0x3041, 0x33ff},
        {0x3400, 0x4dbf},   {0x4e00, 0x9fff},   {0xa000, 0xa4cf},
        {0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe30, 0xfe4f},
        {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x1f300, 0x1f64f},
        {0x1f900, 0x1f9ff}, {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
    };
    static const uint32_t zero[][2] = {
        {0x0300, 0x036f}, {0x200b, 0x200f}, {0x20d0, 0x20ff},
        {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f},
    };

    for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
        if (c >= zero[i][0] && c <= zero[i][1])
            return 0;
    }
    for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
        if (c >= wide[i][0] && c <= wide[i][1])
            return 2;
    }
    return 1;
}

/* Width of s on a terminal. s is UTF-8 as the server sends it; a byte that
 * does not start a valid sequence counts as one column. */
static size_t text_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;

    while (*p != '\0') {
        int len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
        uint32_t c = len == 1 ? *p : *p & (0x3f >> (len - 1));
        int k = 1;

        for (; k < len && (p[k] & 0xc0) == 0x80; k++)
            c = (c << 6) | (p[k] & 0x3f);
        if (k < len) { /* a broken sequence: one column per byte */
            c = '?';
            k = 1;
        }
        n += (size_t)char_width(c);
        p += k;
    }
    return n;
}

cli_table *cli_table_new(size_t ncols, const char *const *headers,
                         const int *right)
{
    cli_table *t = ssc_xcalloc(1, sizeof(*t));

    t->ncols = ncols;
    t->headers = ssc_xcalloc(ncols, sizeof(char *));
    t->right = ssc_xcalloc(ncols, sizeof(int));
    for (size_t i = 0; i < ncols; i++) {
        t->headers[i] = clean_cell(headers[i]);
        t->right[i] = right != NULL && right[i];
    }
    return t;
}

void cli_table_add(cli_table *t, const char *const *cells)
{
    if (t->nrows == t->alloc) {
        t->alloc = t->alloc ? 2 * t->alloc : 16;
        t->cells = ssc_xrealloc(t->cells, t->alloc * t->ncols * sizeof(char *));
    }
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = clean_cell(cells[i]);
    t->nrows++;
}

static void print_row(const cli_table *t, char *const *row,
                      const size_t *widths, FILE *f)
{
    for (size_t i = 0; i < t->ncols; i++) {
        size_t pad = widths[i] - text_width(row[i]);
        int last = i + 1 == t->ncols;

        if (t->right[i])
            fprintf(f, "%*s%s", (int)pad, "", row[i]);
        else
            fprintf(f, "%s%*s", row[i], last ? 0 : (int)pad, "");
        if (!last)
            fputs("  ", f);
    }
}

void cli_table_print(const cli_table *t, FILE *f, int bold_header)
{
    size_t *widths = ssc_xcalloc(t->ncols, sizeof(size_t));

    for (size_t i = 0; i < t->ncols; i++) {
        widths[i] = text_width(t->headers[i]);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t w = text_width(t->cells[r * t->ncols + i]);

            if (w > widths[i])
                widths[i] = w;
        }
    }
    if (bold_header)
        fputs("\033[1m", f);
    print_row(t, t->headers, widths, f);
    if (bold_header)
        fputs("\033[0m", f);
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        print_row(t, t->cells + r * t->ncols, widths, f);
        fputc('\n', f);
    }
    free(widths);
}

void cli_table_free(cli_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->headers[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->headers);
    free(t->right);
    free(t->cells);
    free(t);
}
