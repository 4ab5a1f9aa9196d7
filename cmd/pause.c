/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/cmd.h"
#include "lib/container-cgroup.h"

static int run_one(struct fc_context *ctx, const struct fc_cmd *def, int argc, char **argv,
                   int (*fn)(const struct fc_context *, const char *, fc_error_t *))
{
        if (fc_cmd_reject_flags(ctx, argc, argv))
                return 1;
        if (argc != 2)
                return fc_cmd_require_args(ctx, def, argc - 1, 1);
        fc_error_t err = FC_ERROR_INIT;
        if (fn(ctx, argv[1], &err) < 0) {
                int r = fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                return r;
        }
        return 0;
}

static int run_pause(struct fc_context *ctx, int argc, char **argv)
{
        return run_one(ctx, &fc_cmd_pause_def, argc, argv, fc_container_pause);
}

static int run_resume(struct fc_context *ctx, int argc, char **argv)
{
        return run_one(ctx, &fc_cmd_resume_def, argc, argv, fc_container_resume);
}

const struct fc_cmd fc_cmd_pause_def = {
        .name = "pause",
        .summary = "pause suspends all processes inside the container",
        .usage = "<container-id>",
        .help = "DESCRIPTION:\n   The pause command suspends all processes in the instance of "
                "the container.\n   Use flashcube list to identify instances of containers and "
                "their current status.",
        .run = run_pause,
};

const struct fc_cmd fc_cmd_resume_def = {
        .name = "resume",
        .summary = "resumes all processes that have been previously paused",
        .usage = "<container-id>",
        .help = "DESCRIPTION:\n   The resume command resumes all processes in the instance of "
                "the container.\n   Use flashcube list to identify instances of containers and "
                "their current status.",
        .run = run_resume,
};
