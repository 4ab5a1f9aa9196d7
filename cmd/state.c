/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "lib/container.h"

static int run_state(struct fc_context *ctx, int argc, char **argv)
{
        if (fc_cmd_reject_flags(ctx, argc, argv))
                return 1;
        if (argc != 2)
                return fc_cmd_require_args(ctx, &fc_cmd_state_def, argc - 1, 1);
        fc_error_t err = FC_ERROR_INIT;
        char *json = fc_container_state(ctx, argv[1], &err);
        if (json == NULL) {
                int r = fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                return r;
        }
        fputs(json, stdout);
        free(json);
        return 0;
}

const struct fc_cmd fc_cmd_state_def = {
        .name = "state",
        .summary = "output the state of a container",
        .usage = "<container-id>",
        .help = "DESCRIPTION:\n   The state command outputs current state information for the "
                "instance of a container.",
        .run = run_state,
};
