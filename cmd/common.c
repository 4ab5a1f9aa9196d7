/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

int fc_cmd_help(const struct fc_cmd *c)
{
        printf("NAME:\n   flashcube %s - %s\n\nUSAGE:\n   flashcube %s %s\n", c->name, c->summary,
               c->name, c->usage);
        if (c->help && c->help[0])
                printf("\n%s\n", c->help);
        return 0;
}

bool fc_cmd_is_help(int argc, char **argv)
{
        /* Only options before the first positional argument: `run -- id -h`
         * style arguments belong to others. */
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (strcmp(a, "--") == 0 || a[0] != '-')
                        return false;
                if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "-help") == 0)
                        return true;
        }
        return false;
}

int fc_cmd_require_args(struct fc_context *ctx, const struct fc_cmd *c, int have, int n)
{
        if (have == n)
                return 0;
        return fc_cmd_failf(ctx, "\"%s\" requires exactly %d argument(s)", c->name, n);
}

int fc_cmd_parse_uint(const char *s, unsigned int *ret)
{
        if (s == NULL || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        char *end = NULL;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || v > 1000000)
                return -EINVAL;
        *ret = (unsigned int) v;
        return 0;
}

int fc_cmd_reject_flags(struct fc_context *ctx, int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0)
                        return 0;
                if (argv[i][0] == '-' && argv[i][1] != '\0')
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s", argv[i]);
        }
        return 0;
}

static bool names_flag(const char *arg, const struct option *opts, const char *shortopts)
{
        if (arg[0] != '-' || strcmp(arg, "-") == 0 || strcmp(arg, "--") == 0)
                return false;
        const char *name = arg + (arg[1] == '-' ? 2 : 1);
        size_t len = strcspn(name, "=");
        if (len == 0)
                return false;
        for (const struct option *o = opts; o && o->name; o++)
                if (o->val != '?' && strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                        return true;
        return len == 1 && name[0] != ':' && name[0] != '+' && shortopts != NULL &&
               strchr(shortopts, name[0]) != NULL;
}

void fc_cmd_reorder(int argc, char **argv, const struct option *opts, const char *shortopts)
{
        if (argc < 3)
                return;
        char **flags = calloc((size_t) argc, sizeof(*flags));
        char **rest = calloc((size_t) argc, sizeof(*rest));
        if (flags == NULL || rest == NULL) {
                free(flags);
                free(rest);
                return; /* parsed as given */
        }
        int nf = 0, nr = 0;
        bool value_may_follow = false;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                bool flag = names_flag(a, opts, shortopts);
                if (value_may_follow && !flag) {
                        /* "-1", "-" or even "--" included, as with runc. */
                        value_may_follow = false;
                        flags[nf++] = argv[i];
                } else if (strcmp(a, "--") == 0) {
                        while (i < argc)
                                rest[nr++] = argv[i++];
                        break;
                } else if (flag) {
                        flags[nf++] = argv[i];
                        value_may_follow = strchr(a, '=') == NULL;
                } else {
                        rest[nr++] = argv[i];
                }
        }
        memcpy(argv + 1, flags, (size_t) nf * sizeof(*argv));
        memcpy(argv + 1 + nf, rest, (size_t) nr * sizeof(*argv));
        free(flags);
        free(rest);
}

int fc_cmd_parse_bool(const char *value, bool *ret)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
        if (value == NULL) {
                *ret = true;
                return 0;
        }
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                if (strcmp(value, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcmp(value, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

int fc_cmd_flag_bool(struct fc_context *ctx, const char *name, const char *value, bool *ret)
{
        if (fc_cmd_parse_bool(value, ret) == 0)
                return 0;
        return fc_cmd_failf(ctx, "invalid boolean value \"%s\" for -%s: parse error", value, name);
}
