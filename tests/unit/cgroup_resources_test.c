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
                snprintf(out + l, 4096 - l, "%s=%s;", w[i].file, w[i].value);
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
        CHECK(V2, &res, "memory.max=67108864;memory.swap.max=max;memory.low=33554432;",
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
        CHECK(V1, &res, "memory.limit_in_bytes=-1;memory.swappiness=10;memory.oom_control=1;",
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
        CHECK(V1, &res, "linux.resources.cpu.idle: not supported yet", "cpu.idle refused");
        res.cpu = NULL;

        struct fc_hugepage_limit hp = {.page_size = "2MB", .limit = 1};
        res.hugepage_limits = &hp;
        res.n_hugepage_limits = 1;
        CHECK(V2, &res, "linux.resources.hugepageLimits: not supported yet", "hugepages refused");
        return tap_done();
}
