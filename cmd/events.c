/* SPDX-License-Identifier: Apache-2.0
 *
 * events [--stats] [--interval 5s] <container-id>: JSON lines as runc
 * prints them (stats every interval, OOM notifications as they happen).
 */
#include <errno.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "lib/container-cgroup.h"

static int print_line(void *data, const char *line)
{
        (void) data;
        if (fputs(line, stdout) < 0 || fputc('\n', stdout) < 0 || fflush(stdout) != 0)
                return -EPIPE;
        return 0;
}

static int run_events(struct fc_context *ctx, int argc, char **argv)
{
        enum { OPT_STATS = 256, OPT_INTERVAL };
        static const struct option opts[] = {
                {"stats", optional_argument, NULL, OPT_STATS},
                {"interval", required_argument, NULL, OPT_INTERVAL},
                {NULL, 0, NULL, 0},
        };
        bool stats = false;
        uint64_t interval_ms = 5000;
        fc_cmd_reorder(argc, argv, opts, NULL);
        opterr = 0;
        int c;
        while ((c = getopt_long_only(argc, argv, "+", opts, NULL)) != -1) {
                if (c == OPT_STATS) {
                        if (fc_cmd_flag_bool(ctx, "stats", optarg, &stats))
                                return 1;
                } else if (c == OPT_INTERVAL) {
                        if (fc_parse_duration_ms(optarg, &interval_ms) < 0 ||
                            interval_ms > 0xffffffffu)
                                return fc_cmd_failf(ctx,
                                                    "invalid value \"%s\" for flag -interval: "
                                                    "parse error",
                                                    optarg);
                } else {
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
                }
        }
        if (argc - optind != 1)
                return fc_cmd_require_args(ctx, &fc_cmd_events_def, argc - optind, 1);
        if (!stats && interval_ms == 0)
                return fc_cmd_failf(ctx, "duration interval must be greater than 0");
        fc_error_t err = FC_ERROR_INIT;
        int r = fc_container_events(ctx, argv[optind], stats, (unsigned) interval_ms, print_line,
                                    NULL, &err);
        if (r < 0 && err.status != 0) {
                r = fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                return r;
        }
        return r < 0 ? 1 : 0;
}

const struct fc_cmd fc_cmd_events_def = {
        .name = "events",
        .summary = "display container events such as OOM notifications, cpu, memory, and IO "
                   "usage statistics",
        .usage = "[command options] <container-id>",
        .help = "DESCRIPTION:\n   The events command displays information about the container. "
                "By default the\n   information is displayed once every 5 seconds.\n\n"
                "OPTIONS:\n   --interval value  set the stats collection interval (default: "
                "5s)\n   --stats           display the container's stats then exit",
        .run = run_events,
};
