/*
 * args.c - option tables, numbers and enum words for subcommands.
 *
 * Entry points: cli_args_parse(), cli_args_exit(), cli_arg_int64(),
 * cli_arg_uint32(), cli_arg_enum(), cli_enum_text().
 */
#include "args.h"

#include "exit.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_opt *find_opt(const cli_opt *opts, const char *a,
                               size_t namelen)
{
    for (const cli_opt *o = opts; o->name != NULL; o++) {
        if (strlen(o->name) == namelen && strncmp(o->name, a, namelen) == 0)
            return o;
    }
    return NULL;
}

/* Handles the option at argv[*i]. Returns 0 or CLI_EXIT_USAGE. */
static int take_option(const cli_cmd *cmd, int argc, char **argv, int *i,
                       const cli_opt *opts)
{
    const char *a = argv[*i];
    const char *eq = strchr(a, '=');
    size_t namelen = eq != NULL ? (size_t)(eq - a) : strlen(a);
    const cli_opt *o = find_opt(opts, a, namelen);
    const char *v;

    if (o == NULL)
        return cli_usage(cmd, "unknown option \"%.*s\"", (int)namelen, a);
    if (o->flag != NULL) {
        if (eq != NULL)
            return cli_usage(cmd, "option %s takes no value", o->name);
        *o->flag = 1;
        return 0;
    }
    if (eq == NULL && *i + 1 >= argc)
        return cli_usage(cmd, "option %s needs a value", o->name);
    v = eq != NULL ? eq + 1 : argv[++*i];
    if (o->list == NULL) {
        *o->value = v;
        return 0;
    }
    if (*o->nlist >= o->maxlist)
        return cli_usage(cmd, "option %s given more than %d times", o->name,
                         o->maxlist);
    o->list[(*o->nlist)++] = v;
    return 0;
}

int cli_args_parse(const cli_cmd *cmd, int argc, char **argv,
                   const cli_opt *opts, const char **pos,
                   const char *const *pos_names, int npos)
{
    int options = 1;
    int n = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (options && strcmp(a, "--") == 0) {
            options = 0;
        } else if (options &&
                   (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            cli_print_cmd_help(cmd, stdout);
            return CLI_ARGS_HELP;
        } else if (options && a[0] == '-' && a[1] != '\0') {
            int rc = take_option(cmd, argc, argv, &i, opts);

            if (rc != 0)
                return rc;
        } else if (n < npos) {
            pos[n++] = a;
        } else {
            return cli_usage(cmd, "unexpected argument \"%s\"", a);
        }
    }
    if (n < npos)
        return cli_usage(cmd, "missing %s", pos_names[n]);
    for (const cli_opt *o = opts; o->name != NULL; o++) {
        if (o->required &&
            (o->list != NULL ? *o->nlist == 0 : *o->value == NULL))
            return cli_usage(cmd, "missing %s", o->name);
    }
    return 0;
}

int cli_args_exit(int rc)
{
    return rc == CLI_ARGS_HELP ? CLI_EXIT_OK : rc;
}

int cli_arg_int64(const cli_cmd *cmd, const char *what, const char *text,
                  int64_t min, int64_t *out)
{
    char *end;
    long long v;

    if (text == NULL)
        return 0;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno != 0 || isspace(text[0]))
        return cli_usage(cmd, "%s: \"%s\" is not a number", what, text);
    if (v < min)
        return cli_usage(cmd, "%s: must be at least %lld, not %s", what,
                         (long long)min, text);
    *out = v;
    return 0;
}

int cli_arg_uint32(const cli_cmd *cmd, const char *what, const char *text,
                   uint32_t min, uint32_t *out)
{
    int64_t v = 0;
    int rc = cli_arg_int64(cmd, what, text, min, &v);

    if (rc != 0 || text == NULL)
        return rc;
    if (v > (int64_t)UINT32_MAX)
        return cli_usage(cmd, "%s: %s is too large", what, text);
    *out = (uint32_t)v;
    return 0;
}

/* Length of the prefix every value name of desc shares, up to and including
 * its last '_' ("ROLE_" for ROLE_UNSPECIFIED, ROLE_MINISTRY, ...). */
static size_t enum_prefix_len(const ProtobufCEnumDescriptor *desc)
{
    const char *first = desc->values[0].name;
    size_t len = strlen(first);

    for (unsigned i = 1; i < desc->n_values; i++) {
        const char *name = desc->values[i].name;
        size_t k = 0;

        while (k < len && name[k] == first[k])
            k++;
        len = k;
    }
    while (len > 0 && first[len - 1] != '_')
        len--;
    return len;
}

void cli_enum_text(const ProtobufCEnumDescriptor *desc, int value, char *out,
                   size_t outlen)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(desc, value);
    size_t n = 0;

    if (v == NULL || outlen == 0) {
        snprintf(out, outlen, "%d", value);
        return;
    }
    for (const char *p = v->name + enum_prefix_len(desc);
         *p != '\0' && n + 1 < outlen; p++)
        out[n++] = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
    out[n] = '\0';
}

/* "danish-authority, partner-authority, ..." for messages. */
static void enum_choices(const ProtobufCEnumDescriptor *desc, char *out,
                         size_t outlen)
{
    size_t len = 0;

    out[0] = '\0';
    for (unsigned i = 0; i < desc->n_values && len < outlen; i++) {
        char word[64];
        int w;

        if (desc->values[i].value == 0)
            continue; /* UNSPECIFIED */
        cli_enum_text(desc, desc->values[i].value, word, sizeof(word));
        w = snprintf(out + len, outlen - len, "%s%s", len ? ", " : "", word);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

int cli_arg_enum(const cli_cmd *cmd, const char *what, const char *text,
                 const ProtobufCEnumDescriptor *desc, int *out)
{
    char choices[256];

    if (text == NULL)
        return 0;
    for (unsigned i = 0; i < desc->n_values; i++) {
        char word[64];
        size_t k = 0;

        if (desc->values[i].value == 0)
            continue;
        cli_enum_text(desc, desc->values[i].value, word, sizeof(word));
        while (word[k] != '\0' && text[k] != '\0' &&
               (tolower((unsigned char)text[k]) == word[k] ||
                (text[k] == '_' && word[k] == '-')))
            k++;
        if (word[k] == '\0' && text[k] == '\0') {
            *out = desc->values[i].value;
            return 0;
        }
    }
    enum_choices(desc, choices, sizeof(choices));
    return cli_usage(cmd, "%s: unknown value \"%s\": use %s", what, text,
                     choices);
}
