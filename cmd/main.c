/* SPDX-License-Identifier: Apache-2.0
 *
 * flashcube [global options] command [command options] [arguments...]
 * Global options as runc's, so the client layers (containerd's shim,
 * dockerd, podman/conmon) can call us exactly as they call runc.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/parts/parts.h"

static const struct fc_cmd *const commands[] = {
        &fc_cmd_cache_def, &fc_cmd_create_def,   &fc_cmd_delete_def, &fc_cmd_events_def,
        &fc_cmd_exec_def,  &fc_cmd_features_def, &fc_cmd_kill_def,   &fc_cmd_list_def,
        &fc_cmd_pause_def, &fc_cmd_ps_def,       &fc_cmd_resume_def, &fc_cmd_run_def,
        &fc_cmd_spec_def,  &fc_cmd_start_def,    &fc_cmd_state_def,  &fc_cmd_update_def,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_version(void)
{
        printf("flashcube version %s\nspec: 1.2.0\n", PACKAGE_VERSION);
}

static void print_help(void)
{
        printf("NAME:\n   flashcube - Open Container Initiative runtime, fast\n\n"
               "USAGE:\n   flashcube [global options] command [command options] "
               "[arguments...]\n\n"
               "VERSION:\n   %s\n\nCOMMANDS:\n",
               PACKAGE_VERSION);
        for (size_t i = 0; i < N_COMMANDS; i++)
                printf("   %-10s %s\n", commands[i]->name, commands[i]->summary);
        printf("   help, h    Shows a list of commands or help for one command\n\n"
               "GLOBAL OPTIONS:\n"
               "   --debug             enable debug logging (with per-phase timings)\n"
               "   --log value         set the log file to write flashcube logs to (default "
               "is '/dev/stderr')\n"
               "   --log-format value  set the log format ('text' (default), or 'json')\n"
               "   --root value        root directory for storage of container state "
               "(default: \"" FC_DEFAULT_ROOT "\")\n"
               "   --criu value        accepted for compatibility; checkpoint is not "
               "supported\n"
               "   --systemd-cgroup    enable systemd cgroup support, expects cgroupsPath "
               "to be of form \"slice:prefix:name\"\n"
               "   --rootless value    ignore cgroup permission errors ('true', 'false', or "
               "'auto') (default: \"auto\")\n"
               "   --cache-socket value  parts cache socket (default \"" FC_PARTS_DEFAULT_SOCKET
               "\",\n                       or $FLASHCUBE_CACHE_SOCKET)\n"
               "   --no-cache          never use the parts cache (or FLASHCUBE_NO_CACHE=1)\n"
               "   --help, -h          show help\n"
               "   --version, -v       print the version\n");
}

static const struct fc_cmd *find_command(const char *name)
{
        for (size_t i = 0; i < N_COMMANDS; i++)
                if (strcmp(commands[i]->name, name) == 0)
                        return commands[i];
        return NULL;
}

/* A closed stdin, stdout or stderr gets /dev/null, as a Go program's (runc's)
 * does at start: otherwise the runtime's first files land there, and the
 * container's process, which inherits our stdio, starts with a closed one (or
 * a message meant for stderr goes into a file). */
static void open_std_fds(void)
{
        for (int fd = 0; fd < 3; fd++) {
                if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
                        continue;
                /* The lowest free descriptor: this one, then inherited
                 * as stdio is. */
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null == fd)
                        (void) fcntl(fd, F_SETFD, 0);
                else if (null >= 0)
                        close(null);
        }
}

/* A global boolean flag's bad "=VALUE" (no log is set up yet). */
static int bad_bool(const char *name, const char *value)
{
        fprintf(stderr, "flashcube: invalid boolean value \"%s\" for -%s: parse error\n", value,
                name);
        return 1;
}

int main(int argc, char **argv)
{
        struct fc_context ctx = {.root = FC_DEFAULT_ROOT};
        const char *log_path = NULL, *log_format = "text";
        ctx.t0_ns = fc_now_ns();
        open_std_fds();
        enum {
                OPT_DEBUG = 256,
                OPT_LOG,
                OPT_LOG_FORMAT,
                OPT_ROOT,
                OPT_CRIU,
                OPT_SYSTEMD,
                OPT_ROOTLESS,
                OPT_CACHE_SOCKET,
                OPT_NO_CACHE
        };
        ctx.cache_socket = getenv("FLASHCUBE_CACHE_SOCKET");
        if (ctx.cache_socket == NULL || ctx.cache_socket[0] == '\0')
                ctx.cache_socket = FC_PARTS_DEFAULT_SOCKET;
        const char *no_cache_env = getenv("FLASHCUBE_NO_CACHE");
        ctx.no_cache = no_cache_env && no_cache_env[0] && strcmp(no_cache_env, "0") != 0;
        static const struct option opts[] = {
                {"debug", optional_argument, NULL, OPT_DEBUG},
                {"log", required_argument, NULL, OPT_LOG},
                {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
                {"root", required_argument, NULL, OPT_ROOT},
                {"criu", required_argument, NULL, OPT_CRIU},
                {"systemd-cgroup", optional_argument, NULL, OPT_SYSTEMD},
                {"rootless", required_argument, NULL, OPT_ROOTLESS},
                {"cache-socket", required_argument, NULL, OPT_CACHE_SOCKET},
                {"no-cache", optional_argument, NULL, OPT_NO_CACHE},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'v'},
                {NULL, 0, NULL, 0},
        };
        opterr = 0;
        int c;
        /* "+": stop at the command name; options after it are the command's. */
        while ((c = getopt_long_only(argc, argv, "+hv", opts, NULL)) != -1) {
                switch (c) {
                case OPT_DEBUG:
                        if (fc_cmd_parse_bool(optarg, &ctx.debug) < 0)
                                return bad_bool("debug", optarg);
                        break;
                case OPT_LOG:
                        log_path = optarg;
                        break;
                case OPT_LOG_FORMAT:
                        log_format = optarg;
                        break;
                case OPT_ROOT:
                        ctx.root = optarg;
                        break;
                case OPT_CRIU:
                        break;
                case OPT_SYSTEMD:
                        if (fc_cmd_parse_bool(optarg, &ctx.systemd_cgroup) < 0)
                                return bad_bool("systemd-cgroup", optarg);
                        break;
                case OPT_CACHE_SOCKET:
                        ctx.cache_socket = optarg;
                        break;
                case OPT_NO_CACHE:
                        if (fc_cmd_parse_bool(optarg, &ctx.no_cache) < 0)
                                return bad_bool("no-cache", optarg);
                        break;
                case OPT_ROOTLESS:
                        if (strcmp(optarg, "true") && strcmp(optarg, "false") &&
                            strcmp(optarg, "auto")) {
                                fprintf(stderr,
                                        "flashcube: invalid --rootless value: %s (want true, "
                                        "false or auto)\n",
                                        optarg);
                                return 1;
                        }
                        ctx.rootless = strcmp(optarg, "true") == 0;
                        break;
                case 'h':
                        print_help();
                        return 0;
                case 'v':
                        print_version();
                        return 0;
                default:
                        fprintf(stderr, "flashcube: flag provided but not defined: %s\n",
                                argv[optind - 1]);
                        return 1;
                }
        }
        if (fc_log_setup(&ctx, log_path, log_format) < 0)
                return 1;
        /* Only creates wait for the cache: a bad value is no reason for
         * `delete` or `kill` to fail, nor for a create (a miss never is). */
        const char *wait_env = getenv("FLASHCUBE_CACHE_WAIT_MS");
        unsigned int wait_ms = 0;
        if (wait_env && wait_env[0]) {
                if (fc_cmd_parse_uint(wait_env, &wait_ms) < 0 || wait_ms < 1 || wait_ms > 60000)
                        fc_log(&ctx, FC_LOG_WARN,
                               "ignoring FLASHCUBE_CACHE_WAIT_MS=%s (want 1 to 60000 "
                               "milliseconds): the parts cache is waited for 5 ms",
                               wait_env);
                else
                        ctx.cache_wait_ns = (uint64_t) wait_ms * 1000000ULL;
        }
        /* create chdirs into the bundle: a relative --root must mean the
         * caller's directory, as with runc.  The path is on the heap, not
         * in .bss: the writable globals then fit in two pages, and fewer
         * of them are copied on the first write after the init's clone
         * (one copy-on-write fault each, 23-25 us on a VM with shadow page
         * tables). */
        static char *abs_root;
        if (ctx.root[0] != '/') {
                char cwd[PATH_MAX];
                if (getcwd(cwd, sizeof(cwd)) == NULL ||
                    asprintf(&abs_root, "%s/%s", cwd, ctx.root) < 0 ||
                    strlen(abs_root) >= PATH_MAX) {
                        fprintf(stderr, "flashcube: --root %s: cannot make it absolute\n",
                                ctx.root);
                        return 1;
                }
                ctx.root = abs_root;
        }
        if (optind >= argc) {
                print_help();
                fc_log_close();
                return 0;
        }
        const char *name = argv[optind];
        if (strcmp(name, "help") == 0 || strcmp(name, "h") == 0) {
                const struct fc_cmd *sub =
                        optind + 1 < argc ? find_command(argv[optind + 1]) : NULL;
                int r = sub ? fc_cmd_help(sub) : (print_help(), 0);
                fc_log_close();
                return r;
        }
        const struct fc_cmd *cmd = find_command(name);
        if (cmd == NULL) {
                /* runc's (urfave/cli's) message and status. */
                fc_cmd_failf(&ctx, "No help topic for '%s'", name);
                fc_log_close();
                return 3;
        }
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        if (fc_cmd_is_help(sub_argc, sub_argv)) {
                fc_log_close();
                return fc_cmd_help(cmd);
        }
        optind = 0; /* GNU getopt: full reinitialisation for the command's flags */
        int r = cmd->run(&ctx, sub_argc, sub_argv);
        fc_log_close();
        return r;
}
