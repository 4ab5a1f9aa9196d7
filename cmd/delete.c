/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/cmd.h"
#include "lib/container.h"

static int run_delete(struct fc_context *ctx, int argc, char **argv)
{
        bool force = false;
        const struct option opts[] = {
                {"force", optional_argument, NULL, 'f'},
                {NULL, 0, NULL, 0},
        };
        fc_cmd_reorder(argc, argv, opts, "f");
        opterr = 0;
        int c;
        while ((c = getopt_long_only(argc, argv, "+f", opts, NULL)) != -1) {
                if (c == 'f') {
                        if (fc_cmd_flag_bool(ctx, "force", optarg, &force))
                                return 1;
                } else
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
        }
        if (argc - optind != 1)
                return fc_cmd_require_args(ctx, &fc_cmd_delete_def, argc - optind, 1);
        fc_error_t err = FC_ERROR_INIT;
        if (fc_container_delete(ctx, argv[optind], force, &err) < 0) {
                int r = fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                return r;
        }
        return 0;
}

const struct fc_cmd fc_cmd_delete_def = {
        .name = "delete",
        .summary = "delete any resources held by the container often used with detached "
                   "container",
        .usage = "[command options] <container-id>",
        .help = "OPTIONS:\n   --force, -f  Forcibly deletes the container if it is still running "
                "(uses SIGKILL)",
        .run = run_delete,
};
