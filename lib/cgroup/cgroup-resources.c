/* SPDX-License-Identifier: Apache-2.0
 *
 * linux.resources -> cgroup file writes, as a plan (plain data, testable
 * without root), with runc's conversions for each mode; then the writes.
 * What is not implemented yet is refused with an error naming the field:
 * a container silently running without a limit it asked for is worse
 * than one that does not start.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"

void fc_cgroup_writes_free(struct fc_cgroup_write *w, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(w[i].value);
        free(w);
}

struct plan {
        struct fc_cgroup_write *w;
        size_t n;
        int oom;
};

static void add(struct plan *p, const char *controller, const char *file, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void add(struct plan *p, const char *controller, const char *file, const char *fmt, ...)
{
        if (p->oom)
                return;
        struct fc_cgroup_write *nw = realloc(p->w, (p->n + 1) * sizeof(*nw));
        if (nw == NULL) {
                p->oom = 1;
                return;
        }
        p->w = nw;
        va_list ap;
        va_start(ap, fmt);
        char *v = NULL;
        int r = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (r < 0) {
                p->oom = 1;
                return;
        }
        nw[p->n++] = (struct fc_cgroup_write){controller, file, v};
}

#define UNSUPPORTED(field)                                                                         \
        fc_error_set(err, -EOPNOTSUPP, "linux.resources.%s: not supported yet", field)

/* cgroup v2 "max" for the -1 ("unlimited") of the OCI spec. */
static void add_limit(struct plan *p, const char *controller, const char *file, int64_t v)
{
        if (v < 0)
                add(p, controller, file, "max");
        else
                add(p, controller, file, "%" PRId64, v);
}

static int plan_memory(bool v2, const struct fc_memory *m, struct plan *p, fc_error_t *err)
{
        if (m->has_kernel)
                return UNSUPPORTED("memory.kernel");
        if (m->has_kernel_tcp)
                return UNSUPPORTED("memory.kernelTCP");
        if (m->has_swappiness && m->swappiness > 100)
                return fc_error_set(err, -EINVAL,
                                    "linux.resources.memory.swappiness: invalid value %" PRIu64
                                    " (0-100)",
                                    m->swappiness);
        /* useHierarchy is always on in current kernels and checkBeforeUpdate
         * only matters to update: both are accepted and ignored. */
        /* As runc, 0 means "not set" for the byte limits. */
        int64_t limit = m->has_limit ? m->limit : 0;
        int64_t swap = m->has_swap ? m->swap : 0;
        int64_t resv = m->has_reservation ? m->reservation : 0;
        if (!v2) {
                /* Limit before memsw: memsw may never be below the limit, and
                 * in a new cgroup both start unlimited. */
                if (limit != 0)
                        add(p, "memory", "memory.limit_in_bytes", "%" PRId64, limit);
                if (swap != 0)
                        add(p, "memory", "memory.memsw.limit_in_bytes", "%" PRId64, swap);
                if (resv != 0)
                        add(p, "memory", "memory.soft_limit_in_bytes", "%" PRId64, resv);
                if (m->has_swappiness)
                        add(p, "memory", "memory.swappiness", "%" PRIu64, m->swappiness);
                if (m->has_disable_oom_killer && m->disable_oom_killer)
                        add(p, "memory", "memory.oom_control", "1");
                return 0;
        }
        if (m->has_swappiness)
                return fc_error_set(
                        err, -EOPNOTSUPP,
                        "linux.resources.memory.swappiness: not supported on cgroup v2");
        if (m->has_disable_oom_killer && m->disable_oom_killer)
                return fc_error_set(
                        err, -EOPNOTSUPP,
                        "linux.resources.memory.disableOOMKiller: not supported on cgroup v2");
        if (limit != 0)
                add_limit(p, "memory", "memory.max", limit);
        /* OCI's swap is memory+swap; v2's memory.swap.max is swap alone. */
        if (swap == -1 || (swap == 0 && limit == -1)) {
                add(p, "memory", "memory.swap.max", "max");
        } else if (swap != 0) {
                if (limit <= 0)
                        return fc_error_set(err, -EINVAL,
                                            "linux.resources.memory.swap: a swap limit needs a "
                                            "memory limit");
                if (swap < limit)
                        return fc_error_set(
                                err, -EINVAL,
                                "linux.resources.memory.swap: memory+swap limit %" PRId64
                                " is below the memory limit %" PRId64,
                                swap, limit);
                add(p, "memory", "memory.swap.max", "%" PRId64, swap - limit);
        }
        if (resv != 0)
                add_limit(p, "memory", "memory.low", resv);
        return 0;
}

static int plan_cpu(bool v2, const struct fc_cpu *c, struct plan *p, fc_error_t *err)
{
        if (c->has_realtime_runtime && c->realtime_runtime != 0)
                return UNSUPPORTED("cpu.realtimeRuntime");
        if (c->has_realtime_period && c->realtime_period != 0)
                return UNSUPPORTED("cpu.realtimePeriod");
        if (c->has_burst)
                return UNSUPPORTED("cpu.burst");
        if (c->has_idle)
                return UNSUPPORTED("cpu.idle");
        uint64_t shares = c->has_shares ? c->shares : 0;
        int64_t quota = c->has_quota ? c->quota : 0;
        uint64_t period = c->has_period ? c->period : 0;
        if (!v2) {
                if (shares != 0)
                        add(p, "cpu", "cpu.shares", "%" PRIu64, shares);
                /* Period first: the kernel checks the quota against it. */
                if (period != 0)
                        add(p, "cpu", "cpu.cfs_period_us", "%" PRIu64, period);
                if (quota != 0)
                        add(p, "cpu", "cpu.cfs_quota_us", "%" PRId64, quota);
        } else {
                if (shares != 0) {
                        /* runc's mapping of shares [2, 262144] onto weight
                         * [1, 10000]; v1 clamps shares to that range. */
                        uint64_t s = shares < 2 ? 2 : shares > 262144 ? 262144 : shares;
                        add(p, "cpu", "cpu.weight", "%" PRIu64, 1 + ((s - 2) * 9999) / 262142);
                }
                if (quota != 0 || period != 0) {
                        char q[24] = "max";
                        if (quota > 0)
                                snprintf(q, sizeof(q), "%" PRId64, quota);
                        if (period != 0)
                                add(p, "cpu", "cpu.max", "%s %" PRIu64, q, period);
                        else
                                add(p, "cpu", "cpu.max", "%s", q);
                }
        }
        if (c->cpus && c->cpus[0])
                add(p, "cpuset", "cpuset.cpus", "%s", c->cpus);
        if (c->mems && c->mems[0])
                add(p, "cpuset", "cpuset.mems", "%s", c->mems);
        return 0;
}

int fc_cgroup_resources_plan(enum fc_cgroup_mode mode, const struct fc_resources *res,
                             struct fc_cgroup_write **ret_writes, size_t *ret_n, fc_error_t *err)
{
        struct plan p = {0};
        *ret_writes = NULL;
        *ret_n = 0;
        if (res == NULL)
                return 0;
        bool v2 = mode == FC_CGROUP_MODE_V2;
        int r = 0;
        if (res->block_io)
                r = UNSUPPORTED("blockIO");
        else if (res->n_hugepage_limits)
                r = UNSUPPORTED("hugepageLimits");
        else if (res->network)
                r = UNSUPPORTED("network");
        else if (res->n_rdma)
                r = UNSUPPORTED("rdma");
        else if (res->n_unified)
                r = UNSUPPORTED("unified");
        if (r == 0 && res->memory)
                r = plan_memory(v2, res->memory, &p, err);
        if (r == 0 && res->cpu)
                r = plan_cpu(v2, res->cpu, &p, err);
        /* As runc: 0 leaves pids.max alone, a negative value is "max". */
        if (r == 0 && res->has_pids_limit && res->pids_limit != 0)
                add_limit(&p, "pids", "pids.max", res->pids_limit);
        if (r == 0 && p.oom)
                r = fc_error_set(err, -ENOMEM, "out of memory");
        if (r < 0) {
                fc_cgroup_writes_free(p.w, p.n);
                return r;
        }
        *ret_writes = p.w;
        *ret_n = p.n;
        return 0;
}

int fc_cgroup_check_supported(const struct fc_resources *res, fc_error_t *err)
{
        enum fc_cgroup_mode mode = FC_CGROUP_MODE_V1;
        struct fc_cgroup_write *w = NULL;
        size_t n = 0;
        /* Mode-independent refusals; v2-only ones surface at create. */
        if (fc_cgroup_resources_plan(mode, res, &w, &n, err) < 0)
                return err->status;
        fc_cgroup_writes_free(w, n);
        return 0;
}

int fc_cgroup_resources_apply(struct fc_cgroup *cg, const struct fc_cgroup_write *w, size_t n,
                              fc_error_t *err)
{
        for (size_t i = 0; i < n; i++) {
                const struct fc_cgroup_hier *h = NULL;
                for (size_t k = 0; k < cg->n_hier && h == NULL; k++) {
                        const struct fc_cgroup_hier *c = &cg->hier[k];
                        if (cg->mode == FC_CGROUP_MODE_V2
                                    ? c->v2
                                    : !c->v2 && fc_cgroup_hier_has(c, w[i].controller))
                                h = c;
                }
                if (h == NULL)
                        return fc_error_set(err, -ENOENT,
                                            "cgroup controller %s is not mounted (needed for %s)",
                                            w[i].controller, w[i].file);
                cleanup_free char *dir = fc_cgroup_hier_dir(h);
                if (dir == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                if (fc_cgroup_write_at(dir, w[i].file, w[i].value, err) < 0)
                        return err->status;
        }
        return 0;
}
