/* SPDX-License-Identifier: Apache-2.0
 *
 * ps [--format table|json] <container-id> [ps options]: as runc, the
 * host's ps with the given options (default -ef), filtered to the
 * container's processes; json prints the pid list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/container-cgroup.h"

static int run_ps(struct fc_context *ctx, int argc, char **argv)
{
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {NULL, 0, NULL, 0},
        };
        const char *format = "table";
        opterr = 0;
        int c;
        /* "+": options after the id belong to ps. */
        while ((c = getopt_long_only(argc, argv, "+f:", opts, NULL)) != -1) {
                if (c == 'f')
                        format = optarg;
                else
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
        }
        if (optind >= argc)
                return fc_cmd_failf(ctx, "\"ps\" requires a minimum of 1 argument(s)");
        const char *id = argv[optind];
        char *const *ps_args = argv + optind + 1;
        size_t n_args = (size_t) (argc - optind - 1);
        if (n_args > 0 && strcmp(ps_args[0], "--") == 0) {
                ps_args++;
                n_args--;
        }
        fc_error_t err = FC_ERROR_INIT;
        if (strcmp(format, "json") == 0) {
                pid_t *pids = NULL;
                size_t n = 0;
                if (fc_container_ps(ctx, id, &pids, &n, &err) < 0)
                        goto fail;
                /* No process: Go's nil slice, as runc prints it. */
                fputs(n ? "[" : "null", stdout);
                for (size_t i = 0; i < n; i++)
                        printf("%s%d", i ? "," : "", (int) pids[i]);
                fputs(n ? "]\n" : "\n", stdout);
                free(pids);
                return 0;
        }
        if (strcmp(format, "table") != 0)
                return fc_cmd_failf(ctx, "invalid format option");
        char *text = NULL;
        if (fc_container_ps_table(ctx, id, ps_args, n_args, &text, &err) < 0)
                goto fail;
        fputs(text, stdout);
        free(text);
        return 0;
fail:;
        int r = fc_cmd_fail(ctx, &err);
        fc_error_clear(&err);
        return r;
}

const struct fc_cmd fc_cmd_ps_def = {
        .name = "ps",
        .summary = "ps displays the processes running inside a container",
        .usage = "[command options] <container-id> [ps options]",
        .help = "OPTIONS:\n   --format value, -f value  select one of: table or json (default: "
                "\"table\")",
        .run = run_ps,
};
