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
