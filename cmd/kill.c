/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "cmd/cmd.h"
#include "lib/container.h"

static int run_kill(struct fc_context *ctx, int argc, char **argv)
{
        bool all = false;
        const struct option opts[] = {
                {"all", optional_argument, NULL, 'a'},
                {NULL, 0, NULL, 0},
        };
        fc_cmd_reorder(argc, argv, opts, "a");
        opterr = 0;
        int c;
        while ((c = getopt_long_only(argc, argv, "+a", opts, NULL)) != -1) {
                if (c == 'a') {
                        if (fc_cmd_flag_bool(ctx, "all", optarg, &all))
                                return 1;
                } else
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
        }
        int n = argc - optind;
        if (n < 1 || n > 2)
                return fc_cmd_failf(ctx, "\"kill\" requires a minimum of 1 and a maximum of 2 "
                                         "argument(s)");
        const char *id = argv[optind];
        int sig = 15;
        fc_error_t err = FC_ERROR_INIT;
        if (n == 2 && fc_signal_parse(argv[optind + 1], &sig, &err) < 0)
                goto fail;
        if (fc_container_kill(ctx, id, sig, all, &err) < 0)
                goto fail;
        return 0;
fail:;
        int r = fc_cmd_fail(ctx, &err);
        fc_error_clear(&err);
        return r;
}

const struct fc_cmd fc_cmd_kill_def = {
        .name = "kill",
        .summary = "kill sends the specified signal (default: SIGTERM) to the container's init "
                   "process",
        .usage = "[command options] <container-id> [signal]",
        .help = "DESCRIPTION:\n   The kill command sends the specified signal to the container's "
                "init process.\n   The signal is a name (KILL or SIGKILL) or a number.\n\n"
                "OPTIONS:\n   --all, -a  send the specified signal to all processes inside the "
                "container",
        .run = run_kill,
};
