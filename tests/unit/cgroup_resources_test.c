/* SPDX-License-Identifier: Apache-2.0
 * linux.resources -> planned cgroup writes, per mode, with runc's
 * conversions.  No root needed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cgroup/cgroup-internal.h"
#include "tests/unit/tap.h"

/* The plan as "file=value;" text for easy comparison. */
static char *plan_text(enum fc_cgroup_mode mode, const struct fc_resources *res, int *ret)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_cgroup_write *w = NULL;
        size_t n = 0;
        *ret = fc_cgroup_resources_plan(mode, res, &w, &n, &err);
        if (*ret < 0) {
                char *m = strdup(err.msg ? err.msg : "?");
                fc_error_clear(&err);
                return m;
        }
        char *out = calloc(1, 4096);
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(out);
                /* "?": skipped where the kernel has no such file. */
                snprintf(out + l, 4096 - l, "%s%s=%s;", w[i].file, w[i].optional ? "?" : "",
                         w[i].value);
        }
        fc_cgroup_writes_free(w, n);
        return out;
}

#define CHECK(mode, res, want, ...)                                                                \
        do {                                                                                       \
                int _r;                                                                            \
                char *_t = plan_text(mode, res, &_r);                                              \
                is_str(_t, want, __VA_ARGS__);                                                     \
                free(_t);                                                                          \
        } while (0)

int main(void)
{
        const enum fc_cgroup_mode V1 = FC_CGROUP_MODE_V1, V2 = FC_CGROUP_MODE_V2;
        struct fc_resources res = {0};
        CHECK(V1, &res, "", "empty resources: no writes");
        CHECK(V2, NULL, "", "no resources: no writes");

        res.has_pids_limit = true;
        res.pids_limit = 100;
        CHECK(V1, &res, "pids.max=100;", "pids v1");
        CHECK(V2, &res, "pids.max=100;", "pids v2");
        res.pids_limit = -1;
        CHECK(V2, &res, "pids.max=max;", "pids -1 is max");
        res.pids_limit = 0;
        CHECK(V1, &res, "", "pids 0 is not set, as runc");
        res.has_pids_limit = false;

        struct fc_memory m = {.has_limit = true,
                              .limit = 1 << 26,
                              .has_swap = true,
                              .swap = 1 << 27,
                              .has_reservation = true,
                              .reservation = 1 << 25};
        res.memory = &m;
        CHECK(V1, &res,
              "memory.limit_in_bytes=67108864;memory.memsw.limit_in_bytes=134217728;"
              "memory.soft_limit_in_bytes=33554432;",
              "memory v1: limit before memsw");
        CHECK(V2, &res, "memory.max=67108864;memory.swap.max=67108864;memory.low=33554432;",
              "memory v2: swap.max is swap minus limit");
        m.swap = -1;
        CHECK(V2, &res, "memory.max=67108864;memory.swap.max?=max;memory.low=33554432;",
              "memory v2: swap -1 is max");
        m.swap = 1 << 20;
        CHECK(V2, &res,
              "linux.resources.memory.swap: memory+swap limit 1048576 is below the memory limit "
              "67108864",
              "memory v2: swap below limit refused");
        m.has_limit = false;
        m.swap = 1 << 27;
        CHECK(V2, &res, "linux.resources.memory.swap: a swap limit needs a memory limit",
              "memory v2: swap without limit refused");
        struct fc_memory m2 = {.has_limit = true,
                               .limit = -1,
                               .has_swappiness = true,
                               .swappiness = 10,
                               .has_disable_oom_killer = true,
                               .disable_oom_killer = true};
        res.memory = &m2;
        CHECK(V1, &res,
              "memory.limit_in_bytes=-1;memory.memsw.limit_in_bytes?=-1;memory.swappiness=10;"
              "memory.oom_control=1;",
              "memory v1: -1, swappiness, oom killer");
        CHECK(V2, &res, "linux.resources.memory.swappiness: not supported on cgroup v2",
              "memory v2: swappiness refused");
        m2.swappiness = 101;
        CHECK(V1, &res, "linux.resources.memory.swappiness: invalid value 101 (0-100)",
              "swappiness range");
        res.memory = NULL;

        struct fc_cpu c = {.has_shares = true,
                           .shares = 1024,
                           .has_quota = true,
                           .quota = 50000,
                           .has_period = true,
                           .period = 100000,
                           .cpus = "0",
                           .mems = "0"};
        res.cpu = &c;
        CHECK(V1, &res,
              "cpu.shares=1024;cpu.cfs_period_us=100000;cpu.cfs_quota_us=50000;cpuset.cpus=0;"
              "cpuset.mems=0;",
              "cpu v1: period before quota");
        CHECK(V2, &res, "cpu.weight=39;cpu.max=50000 100000;cpuset.cpus=0;cpuset.mems=0;",
              "cpu v2: weight from shares, cpu.max");
        struct fc_cpu c2 = {.has_shares = true, .shares = 2, .has_quota = true, .quota = -1};
        res.cpu = &c2;
        CHECK(V2, &res, "cpu.weight=1;cpu.max=max;", "cpu v2: minimum weight, quota -1");
        c2.shares = 262144;
        c2.has_quota = false;
        c2.has_period = true;
        c2.period = 50000;
        CHECK(V2, &res, "cpu.weight=10000;cpu.max=max 50000;",
              "cpu v2: maximum weight, period only");
        c2.has_idle = true;
        c2.idle = 1;
        CHECK(V1, &res, "cpu.shares=262144;cpu.cfs_period_us=50000;cpu.idle=1;", "cpu.idle v1");
        CHECK(V2, &res, "cpu.weight=10000;cpu.max=max 50000;cpu.idle=1;", "cpu.idle v2");
        c2.idle = 2;
        CHECK(V2, &res, "linux.resources.cpu.idle: invalid value 2 (0 or 1)", "cpu.idle range");
        struct fc_cpu c3 = {.has_burst = true,
                            .burst = 1000,
                            .has_realtime_period = true,
                            .realtime_period = 1000000,
                            .has_realtime_runtime = true,
                            .realtime_runtime = 950};
        res.cpu = &c3;
        CHECK(V1, &res, "cpu.cfs_burst_us=1000;cpu.rt_period_us=1000000;cpu.rt_runtime_us=950;",
              "cpu v1: burst, rt period before runtime");
        CHECK(V2, &res, "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2",
              "cpu v2: realtime refused as runc");
        c3.has_realtime_period = c3.has_realtime_runtime = false;
        CHECK(V2, &res, "cpu.max.burst=1000;", "cpu v2: burst");
        res.cpu = NULL;

        struct fc_memory km = {.has_kernel = true,
                               .kernel = 1 << 20,
                               .has_kernel_tcp = true,
                               .kernel_tcp = 1 << 21};
        res.memory = &km;
        CHECK(V1, &res, "memory.kmem.tcp.limit_in_bytes=2097152;",
              "memory v1: kernel ignored, kernelTCP written");
        CHECK(V2, &res, "", "memory v2: kernel and kernelTCP ignored");
        res.memory = NULL;

        struct fc_hugepage_limit hp[] = {{.page_size = "2MB", .limit = 4194304},
                                         {.page_size = "1GB", .limit = 0}};
        res.hugepage_limits = hp;
        res.n_hugepage_limits = 2;
        CHECK(V1, &res, "hugetlb.2MB.limit_in_bytes=4194304;hugetlb.1GB.limit_in_bytes=0;",
              "hugetlb v1");
        CHECK(V2, &res, "hugetlb.2MB.max=4194304;hugetlb.1GB.max=0;", "hugetlb v2");
        hp[1].page_size = "1G";
        CHECK(V2, &res, "linux.resources.hugepageLimits[1].pageSize: invalid page size \"1G\"",
              "hugetlb: invalid page size");
        res.hugepage_limits = NULL;
        res.n_hugepage_limits = 0;

        struct fc_throttle_device rb = {.major = 8, .minor = 0, .rate = 1048576};
        struct fc_throttle_device wi = {.major = 8, .minor = 16, .rate = 0};
        struct fc_weight_device wd = {.major = 8, .minor = 0, .has_weight = true, .weight = 500};
        struct fc_blkio bio = {.has_weight = true,
                               .weight = 500,
                               .weight_device = &wd,
                               .n_weight_device = 1,
                               .throttle_read_bps = &rb,
                               .n_throttle_read_bps = 1,
                               .throttle_write_iops = &wi,
                               .n_throttle_write_iops = 1};
        res.block_io = &bio;
        CHECK(V1, &res,
              "blkio.weight=500;blkio.weight_device=8:0 500;blkio.throttle.read_bps_device=8:0 "
              "1048576;blkio.throttle.write_iops_device=8:16 0;",
              "blkio v1");
        CHECK(V2, &res,
              "io.bfq.weight=500;io.bfq.weight=8:0 500;io.max=8:0 rbps=1048576;io.max=8:16 "
              "wiops=max;",
              "blkio v2: io.bfq.weight, io.max (0 is max)");
        ok(fc_cgroup_blkio_weight_to_io_weight(500) == 4950 &&
                   fc_cgroup_blkio_weight_to_io_weight(10) == 1 &&
                   fc_cgroup_blkio_weight_to_io_weight(1000) == 10000,
           "blkio weight -> io.weight as runc");
        ok(fc_cgroup_shares_to_weight(1024) == 39 && fc_cgroup_shares_to_weight(2) == 1,
           "cpu shares -> weight as runc");
        /* cpuset lists as events --stats reads them; junk ends the list,
         * and nothing makes it loop (a 64-bit wrap, a huge range). */
        static const struct {
                const char *in, *want;
        } cl[] = {{"0-3,6\n", "0,1,2,3,6"},
                  {"", ""},
                  {"\n", ""},
                  {"5", "5"},
                  {"1,", "1"},
                  {"3-1", ""},
                  {"-1", ""},
                  {"0,x,2", "0"},
                  {"18446744073709551615", ""},
                  {"0-18446744073709551615", ""},
                  {"65534-65536", ""},
                  {"65535", "65535"}};
        int cl_bad = 0;
        for (size_t i = 0; i < sizeof(cl) / sizeof(cl[0]); i++) {
                uint64_t *v = NULL;
                size_t n = 0;
                char got[64] = "";
                int r = fc_cgroup_parse_cpuset_list(cl[i].in, &v, &n);
                for (size_t k = 0; k < n && strlen(got) < 48; k++)
                        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%llu",
                                 k ? "," : "", (unsigned long long) v[k]);
                if (r != 0 || strcmp(got, cl[i].want) != 0) {
                        printf("#   \"%s\": got \"%s\" (%d), want \"%s\"\n", cl[i].in, got, r,
                               cl[i].want);
                        cl_bad++;
                }
                free(v);
        }
        ok(cl_bad == 0, "cpuset lists parse, junk and huge values end them");
        bio.weight = 1001;
        CHECK(V1, &res, "linux.resources.blockIO.weight: invalid weight 1001 (1-1000)",
              "blkio weight range");
        bio.weight = 0;
        bio.has_leaf_weight = true;
        bio.leaf_weight = 100;
        CHECK(V2, &res, "linux.resources.blockIO.leafWeight: not supported on cgroup v2",
              "blkio v2: leaf weight refused");
        res.block_io = NULL;

        struct fc_net_priority prio = {.name = "eth0", .priority = 5};
        struct fc_network_resources net = {
                .has_class_id = true, .class_id = 0x100001, .priorities = &prio, .n_priorities = 1};
        res.network = &net;
        CHECK(V1, &res, "net_cls.classid=1048577;net_prio.ifpriomap=eth0 5;", "network v1");
        CHECK(V2, &res, "linux.resources.network: not supported on cgroup v2",
              "network refused on v2");
        res.network = NULL;

        struct fc_rdma rd = {.device = "mlx5_0", .has_hca_handles = true, .hca_handles = 3};
        res.rdma = &rd;
        res.n_rdma = 1;
        CHECK(V2, &res, "rdma.max=mlx5_0 hca_handle=3;", "rdma: only the keys given");
        rd.has_hca_objects = true;
        rd.hca_objects = 7;
        CHECK(V1, &res, "rdma.max=mlx5_0 hca_handle=3 hca_object=7;", "rdma v1");
        res.rdma = NULL;
        res.n_rdma = 0;

        struct fc_kv uni[] = {{"memory.high", "1000000"}, {"cgroup.max.depth", "3"}};
        res.unified = uni;
        res.n_unified = 2;
        CHECK(V2, &res, "memory.high=1000000;cgroup.max.depth=3;", "unified v2");
        CHECK(V1, &res, "linux.resources.unified: not supported on cgroup v1",
              "unified refused on v1");
        uni[0].key = "../memory.high";
        CHECK(V2, &res,
              "linux.resources.unified: invalid key \"../memory.high\" (want "
              "<controller>.<file>)",
              "unified: no path escape");
        uni[0].key = "bogus.x";
        CHECK(V2, &res, "linux.resources.unified: unknown controller in key \"bogus.x\"",
              "unified: unknown controller");
        res.unified = NULL;
        res.n_unified = 0;

        /* kernel stat formats */
        uint64_t v = 0;
        ok(fc_cgroup_parse_keyed("oom 1\noom_kill 3\n", "oom_kill", &v) == 0 && v == 3,
           "keyed file: oom_kill");
        ok(fc_cgroup_parse_keyed("oom 1\n", "oom_kill", &v) == -ENOENT, "keyed file: missing key");
        ok(fc_cgroup_parse_u64("max\n", &v) == 0 && v == UINT64_MAX, "\"max\" is unlimited");
        ok(fc_cgroup_parse_u64("12x", &v) < 0, "garbage refused");
        return tap_done();
}
