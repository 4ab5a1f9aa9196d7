/* SPDX-License-Identifier: Apache-2.0
 *
 * flashcube cache serve|status|stop: the parts cache (lib/parts/cache.h).
 * `lease-test` (not in the help) leases parts as create would and checks
 * them; the integration tests and the latency measurement use it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/parts/cache.h"

static int fail_err(struct fc_context *ctx, fc_error_t *err)
{
        int r = fc_cmd_fail(ctx, err);
        fc_error_clear(err);
        return r;
}

static int parse_count(struct fc_context *ctx, const char *opt, const char *s, unsigned *ret)
{
        if (fc_cmd_parse_uint(s, ret) < 0)
                return fc_cmd_failf(ctx, "invalid value \"%s\" for flag --%s", s, opt);
        return 0;
}

static int run_serve(struct fc_context *ctx, int argc, char **argv)
{
        enum {
                OPT_SOCKET = 256,
                OPT_CONFIG,
                OPT_NET,
                OPT_IPC,
                OPT_UTS,
                OPT_JOBS,
                OPT_CGROUP,
                OPT_DEV,
                OPT_DEFER,
                OPT_PROC,
                OPT_LOCK_FD,
                OPT_DELAY,
                OPT_NO_SHELF
        };
        const struct option opts[] = {
                {"detach", no_argument, NULL, 'd'},
                {"socket", required_argument, NULL, OPT_SOCKET},
                {"config", required_argument, NULL, OPT_CONFIG},
                {"pool-net", required_argument, NULL, OPT_NET},
                {"pool-ipc", required_argument, NULL, OPT_IPC},
                {"pool-uts", required_argument, NULL, OPT_UTS},
                {"refill-jobs", required_argument, NULL, OPT_JOBS},
                {"pool-cgroup", required_argument, NULL, OPT_CGROUP},
                {"pool-dev", required_argument, NULL, OPT_DEV},
                {"refill-defer-ms", required_argument, NULL, OPT_DEFER},
                {"pool-proc", required_argument, NULL, OPT_PROC},
                {"lock-fd", required_argument, NULL, OPT_LOCK_FD},
                {"test-reply-delay-us", required_argument, NULL, OPT_DELAY},
                {"test-no-shelf", no_argument, NULL, OPT_NO_SHELF},
                {NULL, 0, NULL, 0},
        };
        struct fc_parts_serve_opts so = {.socket_path = ctx->cache_socket, .lock_fd = -1};
        const char *config = NULL;
        /* Flags override the config file, so they are applied after it. */
        unsigned vals[8];
        bool set[8] = {false};
        unsigned lock_fd = 0, delay = 0;
        bool no_shelf = false;
        bool have_lock_fd = false;
        opterr = 0;
        int c;
        while ((c = getopt_long_only(argc, argv, "+d", opts, NULL)) != -1) {
                switch (c) {
                case 'd':
                        so.detach = true;
                        break;
                case OPT_SOCKET:
                        so.socket_path = optarg;
                        break;
                case OPT_CONFIG:
                        config = optarg;
                        break;
                case OPT_NET:
                case OPT_IPC:
                case OPT_UTS:
                case OPT_JOBS:
                case OPT_CGROUP:
                case OPT_DEV:
                case OPT_DEFER:
                case OPT_PROC:
                        if (parse_count(ctx, opts[c - OPT_SOCKET + 1].name, optarg,
                                        &vals[c - OPT_NET]) != 0)
                                return 1;
                        set[c - OPT_NET] = true;
                        break;
                case OPT_LOCK_FD:
                        if (parse_count(ctx, "lock-fd", optarg, &lock_fd) != 0)
                                return 1;
                        have_lock_fd = true;
                        break;
                case OPT_NO_SHELF:
                        no_shelf = true;
                        break;
                case OPT_DELAY:
                        if (parse_count(ctx, "test-reply-delay-us", optarg, &delay) != 0)
                                return 1;
                        break;
                default:
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
                }
        }
        if (optind != argc)
                return fc_cmd_failf(ctx, "\"cache serve\" takes no arguments");
        struct fc_parts_config cfg;
        fc_parts_config_defaults(&cfg);
        fc_error_t err = FC_ERROR_INIT;
        if (fc_parts_config_load(config ? config : FC_PARTS_DEFAULT_CONFIG, config == NULL, &cfg,
                                 &err) < 0)
                return fail_err(ctx, &err);
        unsigned *dst[8] = {&cfg.pool_net,    &cfg.pool_ipc, &cfg.pool_uts,        &cfg.refill_jobs,
                            &cfg.pool_cgroup, &cfg.pool_dev, &cfg.refill_defer_ms, &cfg.pool_proc};
        for (unsigned i = 0; i < 8; i++)
                if (set[i])
                        *dst[i] = vals[i];
        if (cfg.refill_jobs == 0 || cfg.refill_jobs > 64 || cfg.pool_net > 1024 ||
            cfg.pool_ipc > 1024 || cfg.pool_uts > 1024 || cfg.pool_cgroup > 1024 ||
            cfg.pool_dev > 1024 || cfg.pool_proc > 1024 || cfg.refill_defer_ms > 60000)
                return fc_cmd_failf(ctx, "pool sizes must be 0..1024, --refill-jobs 1..64 and "
                                         "--refill-defer-ms 0..60000");
        cfg.reply_delay_us = delay;
        cfg.test_no_shelf = no_shelf;
        if (have_lock_fd)
                so.lock_fd = (int) lock_fd;
        if (fc_parts_serve(ctx, &cfg, &so, &err) < 0)
                return fail_err(ctx, &err);
        return 0;
}

/* One value from the flat status JSON ("key":123), for the text format.
 * Pool entries are looked up inside "<kind>":{...}. */
static unsigned long long json_num(const char *json, const char *scope, const char *key)
{
        char pat[64];
        const char *from = json;
        if (scope) {
                snprintf(pat, sizeof(pat), "\"%s\":{", scope);
                from = strstr(json, pat);
                if (from == NULL)
                        return 0;
        }
        snprintf(pat, sizeof(pat), "\"%s\":", key);
        const char *p = strstr(from, pat);
        return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

static int run_status(struct fc_context *ctx, int argc, char **argv)
{
        enum { OPT_SOCKET = 256, OPT_FORMAT };
        const struct option opts[] = {
                {"socket", required_argument, NULL, OPT_SOCKET},
                {"format", required_argument, NULL, OPT_FORMAT},
                {NULL, 0, NULL, 0},
        };
        const char *sock = ctx->cache_socket, *format = "text";
        opterr = 0;
        int c;
        while ((c = getopt_long_only(argc, argv, "+f:", opts, NULL)) != -1) {
                if (c == OPT_SOCKET)
                        sock = optarg;
                else if (c == OPT_FORMAT || c == 'f')
                        format = optarg;
                else
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
        }
        if (strcmp(format, "text") && strcmp(format, "json"))
                return fc_cmd_failf(ctx, "invalid format option \"%s\"", format);
        if (optind != argc)
                return fc_cmd_failf(ctx, "\"cache status\" takes no arguments");
        fc_error_t err = FC_ERROR_INIT;
        char *json = NULL;
        if (fc_parts_status(sock, &json, &err) < 0)
                return fail_err(ctx, &err);
        if (strcmp(format, "json") == 0) {
                printf("%s\n", json);
        } else {
                printf("pid:      %llu\n", json_num(json, NULL, "pid"));
                static const char *const kinds[] = {"net", "ipc", "uts"};
                for (unsigned i = 0; i < 3; i++)
                        printf("pool %s:  %llu ready, target %llu\n", kinds[i],
                               json_num(json, kinds[i], "ready"),
                               json_num(json, kinds[i], "target"));
                printf("pool cgroup: %llu ready, target %llu (%llu places)\n",
                       json_num(json, "cgroup", "ready"), json_num(json, "cgroup", "target"),
                       json_num(json, "cgroup", "places"));
                printf("cgroup trees: %llu built, %llu used\n", json_num(json, "cgroup", "trees"),
                       json_num(json, "cgroup", "tree_hits"));
                printf("pool dev: %llu ready, target %llu (%llu kinds)\n",
                       json_num(json, "dev", "ready"), json_num(json, "dev", "target"),
                       json_num(json, "dev", "kinds"));
                printf("pool proc: %llu ready, target %llu (%llu kinds)\n",
                       json_num(json, "proc", "ready"), json_num(json, "proc", "target"),
                       json_num(json, "proc", "kinds"));
                static const char *const totals[] = {"leases",  "hits",     "misses", "discarded",
                                                     "retired", "rejected", "errors"};
                for (unsigned i = 0; i < sizeof(totals) / sizeof(totals[0]); i++)
                        printf("%-9s %llu\n", totals[i], json_num(json, NULL, totals[i]));
        }
        free(json);
        return 0;
}

static int run_stop(struct fc_context *ctx, int argc, char **argv)
{
        const struct option opts[] = {
                {"socket", required_argument, NULL, 's'},
                {NULL, 0, NULL, 0},
        };
        const char *sock = ctx->cache_socket;
        opterr = 0;
        int c;
        while ((c = getopt_long_only(argc, argv, "+", opts, NULL)) != -1) {
                if (c == 's')
                        sock = optarg;
                else
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
        }
        if (optind != argc)
                return fc_cmd_failf(ctx, "\"cache stop\" takes no arguments");
        fc_error_t err = FC_ERROR_INIT;
        if (fc_parts_stop(sock, &err) < 0)
                return fail_err(ctx, &err);
        return 0;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static int run_lease_test(struct fc_context *ctx, int argc, char **argv)
{
        enum { OPT_SOCKET = 256, OPT_WANT, OPT_COUNT, OPT_AUTOSTART, OPT_NO_CHECK, OPT_HOLD };
        const struct option opts[] = {
                {"socket", required_argument, NULL, OPT_SOCKET},
                {"want", required_argument, NULL, OPT_WANT},
                {"count", required_argument, NULL, OPT_COUNT},
                {"autostart", no_argument, NULL, OPT_AUTOSTART},
                {"no-check", no_argument, NULL, OPT_NO_CHECK},
                {"hold", no_argument, NULL, OPT_HOLD},
                {NULL, 0, NULL, 0},
        };
        uint32_t want = FC_PART_NET | FC_PART_IPC | FC_PART_UTS;
        unsigned count = 1;
        /* --hold: release all parts at the end, as containers hold theirs
         * while running (the kernel tears down a namespace when the last fd
         * goes, and that work would otherwise land between the leases). */
        bool autostart = false, check = true, hold = false;
        opterr = 0;
        int c;
        while ((c = getopt_long_only(argc, argv, "+", opts, NULL)) != -1) {
                switch (c) {
                case OPT_SOCKET:
                        ctx->cache_socket = optarg;
                        break;
                case OPT_WANT:
                        want = 0;
                        for (const char *p = optarg; *p;) {
                                size_t n = strcspn(p, ",");
                                if (n == 3 && strncmp(p, "net", 3) == 0)
                                        want |= FC_PART_NET;
                                else if (n == 3 && strncmp(p, "ipc", 3) == 0)
                                        want |= FC_PART_IPC;
                                else if (n == 3 && strncmp(p, "uts", 3) == 0)
                                        want |= FC_PART_UTS;
                                else
                                        return fc_cmd_failf(ctx, "unknown part kind in \"%s\"",
                                                            optarg);
                                p += n + (p[n] == ',');
                        }
                        break;
                case OPT_COUNT:
                        if (parse_count(ctx, "count", optarg, &count) != 0 || count == 0)
                                return count ? 1 : fc_cmd_failf(ctx, "--count must be > 0");
                        break;
                case OPT_AUTOSTART:
                        autostart = true;
                        break;
                case OPT_NO_CHECK:
                        check = false;
                        break;
                case OPT_HOLD:
                        hold = true;
                        break;
                default:
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
                }
        }
        uint64_t *hit_ns = calloc(count, sizeof(*hit_ns));
        struct fc_parts_lease *held = calloc(count, sizeof(*held));
        if (hit_ns == NULL || held == NULL) {
                free(hit_ns);
                free(held);
                return fc_cmd_failf(ctx, "out of memory");
        }
        unsigned hits = 0, partial = 0, bad = 0;
        for (unsigned i = 0; i < count; i++) {
                struct fc_parts_lease l;
                uint64_t t0 = fc_now_ns();
                fc_parts_lease(ctx, want, NULL, autostart, &l);
                uint64_t dt = fc_now_ns() - t0;
                if (l.granted == want)
                        hit_ns[hits++] = dt;
                else if (l.granted)
                        partial++;
                uint64_t ino[3] = {0, 0, 0};
                fc_error_t err = FC_ERROR_INIT;
                if (check && fc_parts_lease_check(&l, ino, &err) < 0) {
                        fprintf(stderr, "lease %u: %s\n", i, err.msg);
                        fc_error_clear(&err);
                        bad++;
                }
                /* With --hold every lease is listed: they are all alive at
                 * once, so their inodes can be compared. */
                if (count == 1 || hold)
                        printf("granted%s%s%s%s lease %llu net %llu ipc %llu uts %llu\n",
                               l.granted & FC_PART_NET ? " net" : "",
                               l.granted & FC_PART_IPC ? " ipc" : "",
                               l.granted & FC_PART_UTS ? " uts" : "", l.granted ? "" : " none",
                               (unsigned long long) l.lease_id, (unsigned long long) ino[0],
                               (unsigned long long) ino[1], (unsigned long long) ino[2]);
                if (hold)
                        held[i] = l;
                else
                        fc_parts_lease_clear(&l);
        }
        if (hold)
                for (unsigned i = 0; i < count; i++)
                        fc_parts_lease_clear(&held[i]);
        free(held);
        if (count > 1) {
                qsort(hit_ns, hits, sizeof(*hit_ns), cmp_u64);
                unsigned long long med = hits ? hit_ns[hits / 2] / 1000 : 0,
                                   p99 = hits ? hit_ns[(hits * 99) / 100] / 1000 : 0;
                printf("leases %u hits %u partial %u misses %u median_us %llu p99_us %llu\n", count,
                       hits, partial, count - hits - partial, med, p99);
        }
        free(hit_ns);
        return bad ? 1 : 0;
}

static int run_cache(struct fc_context *ctx, int argc, char **argv)
{
        if (argc < 2)
                return fc_cmd_failf(ctx, "\"cache\" requires a subcommand: serve, status or stop");
        const char *sub = argv[1];
        if (strcmp(sub, "serve") == 0)
                return run_serve(ctx, argc - 1, argv + 1);
        if (strcmp(sub, "status") == 0)
                return run_status(ctx, argc - 1, argv + 1);
        if (strcmp(sub, "stop") == 0)
                return run_stop(ctx, argc - 1, argv + 1);
        if (strcmp(sub, "lease-test") == 0)
                return run_lease_test(ctx, argc - 1, argv + 1);
        return fc_cmd_failf(ctx, "unknown cache subcommand \"%s\" (want serve, status or stop)",
                            sub);
}

const struct fc_cmd fc_cmd_cache_def = {
        .name = "cache",
        .summary = "run, inspect or stop the parts cache",
        .usage = "serve|status|stop [command options]",
        .help = "DESCRIPTION:\n   The parts cache keeps pools of pre-created namespaces (network "
                "with lo up,\n   IPC, UTS) and hands each out once to create.  A create that "
                "finds no cache\n   starts one in the background; --no-cache opts out.\n\n"
                "SUBCOMMANDS:\n"
                "   serve   run the cache (in the foreground, or with --detach as a daemon)\n"
                "   status  print the pid, the pools and the counters\n"
                "   stop    stop the cache, destroying what it pooled, and wait for it\n\n"
                "OPTIONS:\n"
                "   --socket value       the cache socket (default: the global "
                "--cache-socket)\n"
                "   serve --detach       daemonize (own session and cgroup; pid file next to "
                "the socket)\n"
                "   serve --config file  key=value settings (default "
                "/etc/flashcube/cache.conf, optional)\n"
                "   serve --pool-net N, --pool-ipc N, --pool-uts N  pool sizes (0: not pooled; "
                "default 16)\n"
                "   serve --refill-jobs N  helpers creating parts at once (default 2)\n"
                "   serve --pool-cgroup N  pooled cgroups per place containers' cgroups go "
                "(cgroup v1;\n                          0: not pooled; default 8)\n"
                "   serve --pool-dev N     ready /dev trees per kind of /dev (0: not pooled; "
                "default 8)\n"
                "   serve --refill-defer-ms N  how long refills wait at most for creates "
                "holding a lease\n                          (0: not at all; default 10)\n"
                "   status --format value  'text' (default) or 'json'",
        .run = run_cache,
};
