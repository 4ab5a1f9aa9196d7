/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/exec.h"

/* runc reports every exec failure as "exec failed: ..." with status 255
 * (so a caller can tell it from the process's own exit status); usage
 * errors stay 1. */
#define EXEC_FAILED 255

struct exec_args {
        char **env;
        size_t n_env;
        uint32_t *gids;
        size_t n_gids;
        char **caps;
        size_t n_caps;
};

static void exec_args_clear(struct exec_args *a)
{
        free(a->env);
        free(a->gids);
        free(a->caps);
}

static int push_str(char ***v, size_t *n, char *s)
{
        char **nv = realloc(*v, (*n + 2) * sizeof(*nv));
        if (nv == NULL)
                return -ENOMEM;
        nv[(*n)++] = s;
        nv[*n] = NULL;
        *v = nv;
        return 0;
}

static int push_gid(uint32_t **v, size_t *n, const char *s)
{
        if (s[0] < '0' || s[0] > '9')
                return -EINVAL;
        errno = 0;
        char *end = NULL;
        unsigned long long g = strtoull(s, &end, 10);
        if (errno || *end || g > INT32_MAX)
                return -EINVAL;
        uint32_t *nv = realloc(*v, (*n + 1) * sizeof(*nv));
        if (nv == NULL)
                return -ENOMEM;
        nv[(*n)++] = (uint32_t) g;
        *v = nv;
        return 0;
}

static int parse(struct fc_context *ctx, int argc, char **argv, struct fc_exec_opts *o,
                 struct exec_args *a)
{
        enum {
                OPT_CONSOLE = 256,
                OPT_CWD,
                OPT_PID_FILE,
                OPT_LABEL,
                OPT_APPARMOR,
                OPT_NNP,
                OPT_PRESERVE,
                OPT_IGNORE_PAUSED,
                OPT_CGROUP
        };
        const struct option opts[] = {
                {"console-socket", required_argument, NULL, OPT_CONSOLE},
                {"cwd", required_argument, NULL, OPT_CWD},
                {"env", required_argument, NULL, 'e'},
                {"tty", optional_argument, NULL, 't'},
                {"user", required_argument, NULL, 'u'},
                {"additional-gids", required_argument, NULL, 'g'},
                {"process", required_argument, NULL, 'p'},
                {"detach", optional_argument, NULL, 'd'},
                {"pid-file", required_argument, NULL, OPT_PID_FILE},
                {"process-label", required_argument, NULL, OPT_LABEL},
                {"apparmor", required_argument, NULL, OPT_APPARMOR},
                {"no-new-privs", optional_argument, NULL, OPT_NNP},
                {"cap", required_argument, NULL, 'c'},
                {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
                {"ignore-paused", optional_argument, NULL, OPT_IGNORE_PAUSED},
                {"cgroup", required_argument, NULL, OPT_CGROUP},
                {NULL, 0, NULL, 0},
        };
        opterr = 0;
        int c, r = 0;
        /* "+": the command after the container id keeps its own options. */
        while ((c = getopt_long_only(argc, argv, "+:e:tu:g:p:dc:", opts, NULL)) != -1) {
                switch (c) {
                case OPT_CONSOLE:
                        o->console_socket = optarg;
                        break;
                case OPT_CWD:
                        o->cwd = optarg;
                        break;
                case 'e':
                        r = push_str(&a->env, &a->n_env, optarg);
                        break;
                case 't':
                        if (fc_cmd_flag_bool(ctx, "tty", optarg, &o->tty))
                                return 1;
                        break;
                case 'u':
                        o->user = optarg;
                        break;
                case 'g':
                        r = push_gid(&a->gids, &a->n_gids, optarg);
                        if (r == -EINVAL)
                                return fc_cmd_failf(
                                        ctx, "invalid value \"%s\" for flag -%s", optarg,
                                        argv[optind - 1][1] == '-' || strlen(argv[optind - 1]) > 2
                                                ? "additional-gids"
                                                : "g");
                        break;
                case 'p':
                        o->process_path = optarg;
                        break;
                case 'd':
                        if (fc_cmd_flag_bool(ctx, "detach", optarg, &o->detach))
                                return 1;
                        break;
                case OPT_PID_FILE:
                        o->pid_file = optarg;
                        break;
                case OPT_LABEL:
                        o->process_label = optarg;
                        break;
                case OPT_APPARMOR:
                        o->apparmor = optarg;
                        break;
                case OPT_NNP:
                        if (fc_cmd_flag_bool(ctx, "no-new-privs", optarg, &o->no_new_privs))
                                return 1;
                        break;
                case 'c':
                        r = push_str(&a->caps, &a->n_caps, optarg);
                        break;
                case OPT_PRESERVE:
                        if (fc_cmd_parse_uint(optarg, &o->preserve_fds) < 0)
                                return fc_cmd_failf(
                                        ctx, "invalid value \"%s\" for flag -preserve-fds", optarg);
                        break;
                case OPT_IGNORE_PAUSED:
                        if (fc_cmd_flag_bool(ctx, "ignore-paused", optarg, &o->ignore_paused))
                                return 1;
                        break;
                case OPT_CGROUP:
                        return fc_cmd_failf(ctx, "exec: --cgroup (sub-cgroups) is not "
                                                 "supported yet");
                case ':':
                        return fc_cmd_failf(ctx, "flag needs an argument: %s", argv[optind - 1]);
                default:
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
                }
                if (r < 0)
                        return fc_cmd_failf(ctx, "out of memory");
        }
        if (argc - optind < 1)
                return fc_cmd_failf(ctx, "\"exec\" requires a minimum of 1 argument(s)");
        o->id = argv[optind];
        o->args = argv + optind + 1;
        o->n_args = (size_t) (argc - optind - 1);
        o->env = a->env;
        o->n_env = a->n_env;
        o->additional_gids = a->gids;
        o->n_additional_gids = a->n_gids;
        o->caps = a->caps;
        o->n_caps = a->n_caps;
        return 0;
}

static int run_exec(struct fc_context *ctx, int argc, char **argv)
{
        struct fc_exec_opts o;
        struct exec_args a;
        memset(&o, 0, sizeof(o));
        memset(&a, 0, sizeof(a));
        int r = parse(ctx, argc, argv, &o, &a);
        if (r != 0) {
                exec_args_clear(&a);
                return r;
        }
        fc_error_t err = FC_ERROR_INIT;
        int code = 0;
        if (fc_container_exec(ctx, &o, &code, &err) < 0) {
                fc_error_wrap(&err, "exec failed");
                fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                code = EXEC_FAILED;
        }
        exec_args_clear(&a);
        return code;
}

const struct fc_cmd fc_cmd_exec_def = {
        .name = "exec",
        .summary = "execute new process inside the container",
        .usage = "[command options] <container-id> <command> [command options]  || -p "
                 "process.json <container-id>",
        .help = "Where \"<container-id>\" is the name for the instance of the container and\n"
                "\"<command>\" is the command to be executed in the container.\n"
                "\"<command>\" can't be empty unless a \"-p\" flag provided.\n\n"
                "OPTIONS:\n"
                "   --console-socket value             path to an AF_UNIX socket which will "
                "receive a file descriptor referencing the master end of the console's "
                "pseudoterminal\n"
                "   --cwd value                        current working directory in the "
                "container\n"
                "   --env value, -e value              set environment variables\n"
                "   --tty, -t                          allocate a pseudo-TTY\n"
                "   --user value, -u value             UID (format: <uid>[:<gid>])\n"
                "   --additional-gids value, -g value  additional gids\n"
                "   --process value, -p value          path to the process.json\n"
                "   --detach, -d                       detach from the container's process\n"
                "   --pid-file value                   specify the file to write the process "
                "id to\n"
                "   --process-label value              set the asm process label for the "
                "process commonly used with selinux (not supported)\n"
                "   --apparmor value                   set the apparmor profile for the "
                "process (not supported)\n"
                "   --no-new-privs                     set the no new privileges value for the "
                "process\n"
                "   --cap value, -c value              add a capability to the bounding set "
                "for the process\n"
                "   --preserve-fds value               Pass N additional file descriptors to "
                "the container (stdio + N in total) (default: 0)\n"
                "   --ignore-paused                    allow exec in a paused container\n",
        .run = run_exec,
};
