/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/cmd.h"
#include "lib/container.h"

static int run_start(struct fc_context *ctx, int argc, char **argv)
{
        if (fc_cmd_reject_flags(ctx, argc, argv))
                return 1;
        if (argc != 2)
                return fc_cmd_require_args(ctx, &fc_cmd_start_def, argc - 1, 1);
        fc_error_t err = FC_ERROR_INIT;
        if (fc_container_start(ctx, argv[1], &err) < 0) {
                int r = fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                return r;
        }
        return 0;
}

const struct fc_cmd fc_cmd_start_def = {
        .name = "start",
        .summary = "executes the user defined process in a created container",
        .usage = "<container-id>",
        .help = "DESCRIPTION:\n   The start command executes the user defined process in a "
                "created container.",
        .run = run_start,
};
