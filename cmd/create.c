/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/create.h"
#include "lib/container.h"

int fc_cmd_parse_create_opts(struct fc_context *ctx, const char *cmd, int argc, char **argv,
                             struct fc_create_opts *o, bool *detach, bool *keep)
{
        enum {
                OPT_CONSOLE = 256,
                OPT_PID_FILE,
                OPT_NO_PIVOT,
                OPT_NO_KEYRING,
                OPT_PRESERVE,
                OPT_KEEP,
                OPT_NO_SUBREAPER
        };
        const struct option opts[] = {
                {"bundle", required_argument, NULL, 'b'},
                {"console-socket", required_argument, NULL, OPT_CONSOLE},
                {"pid-file", required_argument, NULL, OPT_PID_FILE},
                {"no-pivot", optional_argument, NULL, OPT_NO_PIVOT},
                {"no-new-keyring", optional_argument, NULL, OPT_NO_KEYRING},
                {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
                {"detach", optional_argument, NULL, detach ? 'd' : '?'},
                {"keep", optional_argument, NULL, keep ? OPT_KEEP : '?'},
                {"no-subreaper", optional_argument, NULL, detach ? OPT_NO_SUBREAPER : '?'},
                {NULL, 0, NULL, 0},
        };
        fc_cmd_reorder(argc, argv, opts, detach ? "bd" : "b");
        opterr = 0;
        int c;
        bool unused;
        while ((c = getopt_long_only(argc, argv, detach ? "+b:d" : "+b:", opts, NULL)) != -1) {
                switch (c) {
                case 'b':
                        o->bundle = optarg;
                        break;
                case OPT_CONSOLE:
                        o->console_socket = optarg;
                        break;
                case OPT_PID_FILE:
                        o->pid_file = optarg;
                        break;
                case OPT_NO_PIVOT:
                        if (fc_cmd_flag_bool(ctx, "no-pivot", optarg, &o->no_pivot))
                                return -1;
                        break;
                case OPT_NO_KEYRING:
                        if (fc_cmd_flag_bool(ctx, "no-new-keyring", optarg, &o->no_new_keyring))
                                return -1;
                        break;
                case OPT_PRESERVE:
                        if (fc_cmd_parse_uint(optarg, &o->preserve_fds) < 0)
                                return -fc_cmd_failf(ctx,
                                                     "invalid value \"%s\" for flag "
                                                     "-preserve-fds",
                                                     optarg);
                        break;
                case 'd':
                        if (fc_cmd_flag_bool(ctx, "detach", optarg, detach))
                                return -1;
                        break;
                case OPT_KEEP:
                        if (fc_cmd_flag_bool(ctx, "keep", optarg, keep))
                                return -1;
                        break;
                case OPT_NO_SUBREAPER:
                        if (fc_cmd_flag_bool(ctx, "no-subreaper", optarg, &unused))
                                return -1;
                        break;
                case ':':
                        return -fc_cmd_failf(ctx, "flag needs an argument: %s", argv[optind - 1]);
                default:
                        return -fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                             argv[optind - 1]);
                }
        }
        if (argc - optind != 1)
                return -fc_cmd_failf(ctx, "\"%s\" requires exactly 1 argument(s)", cmd);
        o->id = argv[optind];
        if (detach && *detach && keep && *keep)
                return -fc_cmd_failf(ctx, "--detach and --keep cannot both be used");
        return 0;
}

static int run_create(struct fc_context *ctx, int argc, char **argv)
{
        struct fc_create_opts o;
        memset(&o, 0, sizeof(o));
        if (fc_cmd_parse_create_opts(ctx, "create", argc, argv, &o, NULL, NULL) < 0)
                return 1;
        fc_error_t err = FC_ERROR_INIT;
        if (fc_container_create(ctx, &o, &err) < 0) {
                int r = fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                return r;
        }
        return 0;
}

#define CREATE_OPTIONS                                                                             \
        "   --bundle value, -b value  path to the root of the bundle directory, defaults to "      \
        "the current directory\n"                                                                  \
        "   --console-socket value    path to an AF_UNIX socket which will receive a file "        \
        "descriptor referencing the master end of the console's pseudoterminal\n"                  \
        "   --pid-file value          specify the file to write the process id to\n"               \
        "   --no-pivot                do not use pivot root to jail process inside rootfs\n"       \
        "   --no-new-keyring          do not create a new session keyring for the container\n"     \
        "   --preserve-fds value      Pass N additional file descriptors to the container "        \
        "(stdio + N in total) (default: 0)\n"

const struct fc_cmd fc_cmd_create_def = {
        .name = "create",
        .summary = "create a container",
        .usage = "[command options] <container-id>",
        .help = "DESCRIPTION:\n   The create command creates an instance of a container for a "
                "bundle. The bundle\nis a directory with a specification file named "
                "\"config.json\" and a root\nfilesystem.\n\nOPTIONS:\n" CREATE_OPTIONS,
        .run = run_create,
};

static int run_run(struct fc_context *ctx, int argc, char **argv)
{
        struct fc_create_opts o;
        memset(&o, 0, sizeof(o));
        bool detach = false, keep = false;
        if (fc_cmd_parse_create_opts(ctx, "run", argc, argv, &o, &detach, &keep) < 0)
                return 1;
        fc_error_t err = FC_ERROR_INIT;
        int code = 0;
        if (fc_container_run(ctx, &o, detach, keep, &code, &err) < 0) {
                int r = fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                return r;
        }
        return code;
}

const struct fc_cmd fc_cmd_run_def = {
        .name = "run",
        .summary = "create and run a container",
        .usage = "[command options] <container-id>",
        .help = "DESCRIPTION:\n   The run command creates an instance of a container for a "
                "bundle and starts it.\n   Without --detach it waits for the container, "
                "forwards signals to it and exits\n   with its exit "
                "status.\n\nOPTIONS:\n" CREATE_OPTIONS
                "   --detach, -d              detach from the container's process\n"
                "   --keep                    do not delete the container after it exits\n"
                "   --no-subreaper            accepted for compatibility\n",
        .run = run_run,
};
