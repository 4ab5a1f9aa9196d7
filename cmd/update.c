/* SPDX-License-Identifier: Apache-2.0
 *
 * update [command options] <container-id>: runc's flags, or -r FILE|-
 * with a LinuxResources JSON (then the other flags are ignored, as runc
 * documents).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/container-cgroup.h"
#include "oci-spec/resources.h"

enum {
        OPT_MEMORY = 256,
        OPT_MEMORY_SWAP,
        OPT_MEMORY_RESERVATION,
        OPT_KERNEL_MEMORY,
        OPT_KERNEL_MEMORY_TCP,
        OPT_CPU_SHARE,
        OPT_CPU_QUOTA,
        OPT_CPU_PERIOD,
        OPT_CPU_RT_RUNTIME,
        OPT_CPU_RT_PERIOD,
        OPT_CPUSET_CPUS,
        OPT_CPUSET_MEMS,
        OPT_PIDS_LIMIT,
        OPT_BLKIO_WEIGHT,
        OPT_L3_CACHE,
        OPT_MEM_BW,
};

/* Integers as Go's flag package takes them for runc's int64/uint64
 * flags; its error text on failure. */
static int flag_i64(struct fc_context *ctx, const char *name, const char *v, int64_t min,
                    int64_t *ret)
{
        errno = 0;
        char *end = NULL;
        long long x = strtoll(v, &end, 0);
        if (errno != 0 || end == v || *end != '\0' || x < min)
                return fc_cmd_failf(ctx, "invalid value \"%s\" for flag -%s: parse error", v, name);
        *ret = x;
        return 0;
}

static int flag_mem(struct fc_context *ctx, const char *name, const char *v, int64_t *ret)
{
        if (fc_parse_ram_size(v, ret) < 0)
                return fc_cmd_failf(ctx, "invalid value for %s: invalid size: '%s'", name, v);
        return 0;
}

/* The whole of stdin or a regular file. */
static char *read_resources_text(struct fc_context *ctx, const char *path, size_t *ret_len)
{
        if (strcmp(path, "-") != 0) {
                fc_error_t err = FC_ERROR_INIT;
                char *s = fc_json_read_file(path, ret_len, &err);
                if (s == NULL) {
                        fc_cmd_fail(ctx, &err);
                        fc_error_clear(&err);
                }
                return s;
        }
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        while (buf) {
                if (len + 1 >= cap) {
                        char *nb = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
                        if (nb == NULL) {
                                free(buf);
                                buf = NULL;
                                break;
                        }
                        buf = nb;
                        cap *= 2;
                }
                size_t n = fread(buf + len, 1, cap - len - 1, stdin);
                len += n;
                if (n == 0)
                        break;
        }
        if (buf == NULL || ferror(stdin)) {
                free(buf);
                fc_cmd_failf(ctx, "read resources from stdin failed");
                return NULL;
        }
        buf[len] = '\0';
        *ret_len = len;
        return buf;
}

static int run_update(struct fc_context *ctx, int argc, char **argv)
{
        static const struct option opts[] = {
                {"resources", required_argument, NULL, 'r'},
                {"memory", required_argument, NULL, OPT_MEMORY},
                {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
                {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
                {"kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY},
                {"kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP},
                {"cpu-share", required_argument, NULL, OPT_CPU_SHARE},
                {"cpu-shares", required_argument, NULL, OPT_CPU_SHARE},
                {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
                {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
                {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
                {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
                {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
                {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
                {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
                {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
                {"l3-cache-schema", required_argument, NULL, OPT_L3_CACHE},
                {"mem-bw-schema", required_argument, NULL, OPT_MEM_BW},
                {NULL, 0, NULL, 0},
        };
        struct fc_memory mem = {0};
        struct fc_cpu cpu = {0};
        struct fc_blkio bio = {0};
        struct fc_resources flags = {0};
        const char *resources_path = NULL;
        bool any_mem = false, any_cpu = false, kmem = false;
        int64_t v = 0;
        fc_cmd_reorder(argc, argv, opts, "r");
        opterr = 0;
        int c;
        while ((c = getopt_long_only(argc, argv, "+r:", opts, NULL)) != -1) {
                const char *name = NULL;
                for (size_t i = 0; opts[i].name; i++)
                        if (opts[i].val == c)
                                name = opts[i].name;
                int r = 0;
                switch (c) {
                case 'r':
                        resources_path = optarg;
                        break;
                case OPT_MEMORY:
                        r = flag_mem(ctx, "memory", optarg, &mem.limit);
                        mem.has_limit = any_mem = true;
                        break;
                case OPT_MEMORY_SWAP:
                        r = flag_mem(ctx, "memory-swap", optarg, &mem.swap);
                        mem.has_swap = any_mem = true;
                        break;
                case OPT_MEMORY_RESERVATION:
                        r = flag_mem(ctx, "memory-reservation", optarg, &mem.reservation);
                        mem.has_reservation = any_mem = true;
                        break;
                case OPT_KERNEL_MEMORY:
                case OPT_KERNEL_MEMORY_TCP:
                        /* Accepted and ignored, as runc 1.1 does. */
                        r = flag_mem(ctx, name, optarg, &v);
                        kmem = true;
                        break;
                case OPT_CPU_SHARE:
                        r = flag_i64(ctx, name, optarg, 0, &v);
                        cpu.shares = (uint64_t) v;
                        cpu.has_shares = any_cpu = true;
                        break;
                case OPT_CPU_QUOTA:
                        r = flag_i64(ctx, name, optarg, INT64_MIN, &cpu.quota);
                        cpu.has_quota = any_cpu = true;
                        break;
                case OPT_CPU_PERIOD:
                        r = flag_i64(ctx, name, optarg, 0, &v);
                        cpu.period = (uint64_t) v;
                        cpu.has_period = any_cpu = true;
                        break;
                case OPT_CPU_RT_RUNTIME:
                        r = flag_i64(ctx, name, optarg, INT64_MIN, &cpu.realtime_runtime);
                        cpu.has_realtime_runtime = any_cpu = true;
                        break;
                case OPT_CPU_RT_PERIOD:
                        r = flag_i64(ctx, name, optarg, 0, &v);
                        cpu.realtime_period = (uint64_t) v;
                        cpu.has_realtime_period = any_cpu = true;
                        break;
                case OPT_CPUSET_CPUS:
                        cpu.cpus = optarg;
                        any_cpu = true;
                        break;
                case OPT_CPUSET_MEMS:
                        cpu.mems = optarg;
                        any_cpu = true;
                        break;
                case OPT_PIDS_LIMIT:
                        r = flag_i64(ctx, name, optarg, INT64_MIN, &flags.pids_limit);
                        flags.has_pids_limit = true;
                        break;
                case OPT_BLKIO_WEIGHT:
                        r = flag_i64(ctx, name, optarg, 0, &v);
                        if (r == 0 && v > 65535)
                                r = fc_cmd_failf(ctx,
                                                 "invalid value \"%s\" for flag "
                                                 "-blkio-weight: value out of range",
                                                 optarg);
                        bio.weight = (uint16_t) v;
                        bio.has_weight = true;
                        flags.block_io = &bio;
                        break;
                case OPT_L3_CACHE:
                case OPT_MEM_BW:
                        return fc_cmd_failf(ctx, "Intel RDT is not supported");
                default:
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
                }
                if (r != 0)
                        return 1;
        }
        if (argc - optind != 1)
                return fc_cmd_require_args(ctx, &fc_cmd_update_def, argc - optind, 1);
        const char *id = argv[optind];
        if (kmem)
                fc_log(ctx, FC_LOG_WARN, "Kernel memory settings are ignored and will be removed");
        fc_error_t err = FC_ERROR_INIT;
        struct fc_resources *parsed = NULL;
        const struct fc_resources *res = &flags;
        if (resources_path != NULL) {
                size_t len = 0;
                char *text = read_resources_text(ctx, resources_path, &len);
                if (text == NULL)
                        return 1;
                parsed = fc_resources_parse(text, len, &err);
                free(text);
                if (parsed == NULL) {
                        fc_error_wrap(&err, "unable to parse resources");
                        goto fail;
                }
                res = parsed;
        } else {
                if (any_mem)
                        flags.memory = &mem;
                if (any_cpu)
                        flags.cpu = &cpu;
        }
        if (fc_container_update(ctx, id, res, &err) < 0)
                goto fail;
        fc_resources_free(parsed);
        return 0;
fail:;
        int r = fc_cmd_fail(ctx, &err);
        fc_error_clear(&err);
        fc_resources_free(parsed);
        return r;
}

const struct fc_cmd fc_cmd_update_def = {
        .name = "update",
        .summary = "update container resource constraints",
        .usage = "[command options] <container-id>",
        .help = "OPTIONS:\n"
                "   --resources value, -r value  path to the file containing the resources to "
                "update or '-' to read from the standard input\n"
                "                                (a LinuxResources JSON object; all other "
                "options are then ignored)\n"
                "   --blkio-weight value        Specifies per cgroup weight, range is from 10 "
                "to 1000 (default: 0)\n"
                "   --cpu-period value          CPU CFS period to be used for hardcapping (in "
                "usecs). 0 to use system default\n"
                "   --cpu-quota value           CPU CFS hardcap limit (in usecs). Allowed cpu "
                "time in a given period\n"
                "   --cpu-share value           CPU shares (relative weight vs. other "
                "containers)\n"
                "   --cpu-rt-period value       CPU realtime period to be used for hardcapping "
                "(in usecs). 0 to use system default\n"
                "   --cpu-rt-runtime value      CPU realtime hardcap limit (in usecs). Allowed "
                "cpu time in a given period\n"
                "   --cpuset-cpus value         CPU(s) to use\n"
                "   --cpuset-mems value         Memory node(s) to use\n"
                "   --kernel-memory value       accepted and ignored (kernel memory limits are "
                "deprecated)\n"
                "   --kernel-memory-tcp value   accepted and ignored\n"
                "   --memory value              Memory limit (in bytes; suffixes k, m, g, t, p)\n"
                "   --memory-reservation value  Memory reservation or soft_limit (in bytes)\n"
                "   --memory-swap value         Total memory usage (memory + swap); set '-1' to "
                "enable unlimited swap\n"
                "   --pids-limit value          Maximum number of pids allowed in the container "
                "(default: 0)",
        .run = run_update,
};
