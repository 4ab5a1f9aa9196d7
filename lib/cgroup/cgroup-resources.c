/* SPDX-License-Identifier: Apache-2.0
 *
 * linux.resources -> cgroup file writes, as a plan (plain data, testable
 * without root), with runc's conversions for each mode; then the writes.
 * What a cgroup version cannot express, or the kernel cannot apply, is
 * refused with an error naming the field: a container silently running
 * without a limit it asked for is worse than one that does not start.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"

void fc_cgroup_writes_free(struct fc_cgroup_write *w, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(w[i].file);
                free(w[i].value);
                free(w[i].alt_file);
                free(w[i].alt_value);
        }
        free(w);
}

struct plan {
        struct fc_cgroup_write *w;
        size_t n;
        int oom;
};

static struct fc_cgroup_write *vadd(struct plan *p, const char *controller, const char *file,
                                    const char *fmt, va_list ap)
{
        if (p->oom)
                return NULL;
        struct fc_cgroup_write *nw = realloc(p->w, (p->n + 1) * sizeof(*nw));
        if (nw == NULL) {
                p->oom = 1;
                return NULL;
        }
        p->w = nw;
        char *v = NULL, *f = strdup(file);
        if (f == NULL || vasprintf(&v, fmt, ap) < 0) {
                free(f);
                p->oom = 1;
                return NULL;
        }
        nw[p->n] = (struct fc_cgroup_write){.controller = controller, .file = f, .value = v};
        return &nw[p->n++];
}

static struct fc_cgroup_write *add(struct plan *p, const char *controller, const char *file,
                                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct fc_cgroup_write *add(struct plan *p, const char *controller, const char *file,
                                   const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        struct fc_cgroup_write *w = vadd(p, controller, file, fmt, ap);
        va_end(ap);
        return w;
}

/* A write the kernel must keep verbatim (checked by reading it back). */
static void add_checked(struct plan *p, const char *controller, const char *file, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

static void add_checked(struct plan *p, const char *controller, const char *file, const char *fmt,
                        ...)
{
        va_list ap;
        va_start(ap, fmt);
        struct fc_cgroup_write *w = vadd(p, controller, file, fmt, ap);
        va_end(ap);
        if (w)
                w->check = true;
}

static void set_alt(struct plan *p, struct fc_cgroup_write *w, const char *file, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

static void set_alt(struct plan *p, struct fc_cgroup_write *w, const char *file, const char *fmt,
                    ...)
{
        if (w == NULL)
                return;
        va_list ap;
        va_start(ap, fmt);
        w->alt_file = strdup(file);
        if (w->alt_file == NULL || vasprintf(&w->alt_value, fmt, ap) < 0) {
                w->alt_value = NULL;
                p->oom = 1;
        }
        va_end(ap);
}

#define NOT_ON(field, version)                                                                     \
        fc_error_set(err, -EOPNOTSUPP, "linux.resources.%s: not supported on cgroup %s", field,    \
                     version)

/* cgroup v2 "max" for the -1 ("unlimited") of the OCI spec. */
static void add_limit(struct plan *p, const char *controller, const char *file, int64_t v)
{
        if (v < 0)
                add(p, controller, file, "max");
        else
                add(p, controller, file, "%" PRId64, v);
}

uint64_t fc_cgroup_shares_to_weight(uint64_t shares)
{
        /* runc's mapping of shares [2, 262144] onto weight [1, 10000]; v1
         * clamps shares to that range. */
        uint64_t s = shares < 2 ? 2 : shares > 262144 ? 262144 : shares;
        return 1 + ((s - 2) * 9999) / 262142;
}

uint64_t fc_cgroup_blkio_weight_to_io_weight(uint64_t weight)
{
        /* runc's mapping of blkio weight [10, 1000] onto io.weight
         * [1, 10000]. */
        if (weight == 0)
                return 0;
        uint64_t w = weight < 10 ? 10 : weight > 1000 ? 1000 : weight;
        return 1 + (w - 10) * 9999 / 990;
}

static int plan_memory(bool v2, const struct fc_memory *m, struct plan *p, fc_error_t *err)
{
        if (m->has_swappiness && m->swappiness > 100)
                return fc_error_set(err, -EINVAL,
                                    "linux.resources.memory.swappiness: invalid value %" PRIu64
                                    " (0-100)",
                                    m->swappiness);
        /* useHierarchy is always on in current kernels and checkBeforeUpdate
         * only matters to update: both are accepted and ignored.  Kernel
         * memory limits are ignored as runc 1.1 ignores them: the kernel
         * deprecated them (memory.kmem.limit_in_bytes is gone since 6.x)
         * and a limit on kernel memory is part of memory.max on v2. */
        /* As runc: 0 means "not set" for the byte limits. */
        int64_t limit = m->has_limit ? m->limit : 0;
        int64_t swap = m->has_swap ? m->swap : 0;
        int64_t resv = m->has_reservation ? m->reservation : 0;
        if (!v2) {
                /* Limit before memsw: memsw may never be below the limit, and
                 * in a new cgroup both start unlimited (update reorders when
                 * raising, see v1_update). */
                if (limit != 0)
                        add(p, "memory", "memory.limit_in_bytes", "%" PRId64, limit);
                if (swap != 0) {
                        add(p, "memory", "memory.memsw.limit_in_bytes", "%" PRId64, swap);
                } else if (limit == -1) {
                        /* As runc: an unlimited limit with no swap given lifts
                         * memsw too (where the kernel accounts swap), or a
                         * memsw set before would refuse it. */
                        struct fc_cgroup_write *w =
                                add(p, "memory", "memory.memsw.limit_in_bytes", "-1");
                        if (w)
                                w->optional = true;
                }
                if (resv != 0)
                        add(p, "memory", "memory.soft_limit_in_bytes", "%" PRId64, resv);
                if (m->has_kernel_tcp && m->kernel_tcp != 0)
                        add(p, "memory", "memory.kmem.tcp.limit_in_bytes", "%" PRId64,
                            m->kernel_tcp);
                if (m->has_swappiness)
                        add_checked(p, "memory", "memory.swappiness", "%" PRIu64, m->swappiness);
                if (m->has_disable_oom_killer && m->disable_oom_killer)
                        add(p, "memory", "memory.oom_control", "1");
                return 0;
        }
        if (m->has_swappiness)
                return NOT_ON("memory.swappiness", "v2");
        if (m->has_disable_oom_killer && m->disable_oom_killer)
                return NOT_ON("memory.disableOOMKiller", "v2");
        if (limit != 0)
                add_limit(p, "memory", "memory.max", limit);
        /* OCI's swap is memory+swap; v2's memory.swap.max is swap alone. */
        if (swap == -1 || (swap == 0 && limit == -1)) {
                /* Lifting it needs no file where the kernel accounts no swap
                 * (runc ignores a missing one for "max" too). */
                struct fc_cgroup_write *w = add(p, "memory", "memory.swap.max", "max");
                if (w)
                        w->optional = true;
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
        uint64_t shares = c->has_shares ? c->shares : 0;
        int64_t quota = c->has_quota ? c->quota : 0;
        uint64_t period = c->has_period ? c->period : 0;
        int64_t rt_runtime = c->has_realtime_runtime ? c->realtime_runtime : 0;
        uint64_t rt_period = c->has_realtime_period ? c->realtime_period : 0;
        if (c->has_idle && c->idle != 0 && c->idle != 1)
                return fc_error_set(err, -EINVAL,
                                    "linux.resources.cpu.idle: invalid value %" PRId64 " (0 or 1)",
                                    c->idle);
        if (!v2) {
                if (shares != 0)
                        add_checked(p, "cpu", "cpu.shares", "%" PRIu64, shares);
                /* Period first: the kernel checks the quota against it. */
                if (period != 0)
                        add_checked(p, "cpu", "cpu.cfs_period_us", "%" PRIu64, period);
                if (quota != 0)
                        add_checked(p, "cpu", "cpu.cfs_quota_us", "%" PRId64, quota);
                if (c->has_burst)
                        add_checked(p, "cpu", "cpu.cfs_burst_us", "%" PRIu64, c->burst);
                /* Period before runtime, as the kernel checks runtime <=
                 * period. */
                if (rt_period != 0)
                        add_checked(p, "cpu", "cpu.rt_period_us", "%" PRIu64, rt_period);
                if (rt_runtime != 0)
                        add_checked(p, "cpu", "cpu.rt_runtime_us", "%" PRId64, rt_runtime);
                if (c->has_idle)
                        add_checked(p, "cpu", "cpu.idle", "%" PRId64, c->idle);
        } else {
                /* As runc: no realtime group scheduling on v2. */
                if (rt_runtime != 0)
                        return NOT_ON("cpu.realtimeRuntime", "v2");
                if (rt_period != 0)
                        return NOT_ON("cpu.realtimePeriod", "v2");
                if (shares != 0)
                        add_checked(p, "cpu", "cpu.weight", "%" PRIu64,
                                    fc_cgroup_shares_to_weight(shares));
                if (quota != 0 || period != 0) {
                        char q[24] = "max";
                        if (quota > 0)
                                snprintf(q, sizeof(q), "%" PRId64, quota);
                        if (period != 0)
                                add(p, "cpu", "cpu.max", "%s %" PRIu64, q, period);
                        else
                                add(p, "cpu", "cpu.max", "%s", q);
                }
                if (c->has_burst)
                        add_checked(p, "cpu", "cpu.max.burst", "%" PRIu64, c->burst);
                if (c->has_idle)
                        add_checked(p, "cpu", "cpu.idle", "%" PRId64, c->idle);
        }
        if (c->cpus && c->cpus[0])
                add(p, "cpuset", "cpuset.cpus", "%s", c->cpus);
        if (c->mems && c->mems[0])
                add(p, "cpuset", "cpuset.mems", "%s", c->mems);
        return 0;
}

static int check_dev(const char *field, size_t i, int64_t major, int64_t minor, fc_error_t *err)
{
        if (major < 0 || minor < 0)
                return fc_error_set(err, -EINVAL,
                                    "linux.resources.blockIO.%s[%zu]: invalid device %" PRId64
                                    ":%" PRId64,
                                    field, i, major, minor);
        return 0;
}

static int check_weight(const char *field, uint16_t w, fc_error_t *err)
{
        /* BFQ's range (blkio.bfq.weight); CFQ's blkio.weight starts at 10
         * and refuses less itself.  runc leaves it all to the kernel. */
        if (w > 1000)
                return fc_error_set(err, -EINVAL,
                                    "linux.resources.blockIO.%s: invalid weight %u (1-1000)", field,
                                    (unsigned) w);
        return 0;
}

static int plan_throttle_v1(const char *field, const char *file, const struct fc_throttle_device *t,
                            size_t n, struct plan *p, fc_error_t *err)
{
        for (size_t i = 0; i < n; i++) {
                if (check_dev(field, i, t[i].major, t[i].minor, err) < 0)
                        return err->status;
                add(p, "blkio", file, "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor,
                    t[i].rate);
        }
        return 0;
}

static int plan_throttle_v2(const char *field, const char *key, const struct fc_throttle_device *t,
                            size_t n, struct plan *p, fc_error_t *err)
{
        /* io.max takes one "MAJ:MIN key=value" per write and keeps the
         * device's other keys; 0 means no limit, which io.max spells "max". */
        for (size_t i = 0; i < n; i++) {
                if (check_dev(field, i, t[i].major, t[i].minor, err) < 0)
                        return err->status;
                if (t[i].rate == 0)
                        add(p, "io", "io.max", "%" PRId64 ":%" PRId64 " %s=max", t[i].major,
                            t[i].minor, key);
                else
                        add(p, "io", "io.max", "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major,
                            t[i].minor, key, t[i].rate);
        }
        return 0;
}

static int plan_blkio(bool v2, const struct fc_blkio *b, struct plan *p, fc_error_t *err)
{
        if (b->has_weight && check_weight("weight", b->weight, err) < 0)
                return err->status;
        if (b->has_leaf_weight && check_weight("leafWeight", b->leaf_weight, err) < 0)
                return err->status;
        for (size_t i = 0; i < b->n_weight_device; i++) {
                const struct fc_weight_device *d = &b->weight_device[i];
                char f[48];
                snprintf(f, sizeof(f), "weightDevice[%zu]", i);
                if (check_dev("weightDevice", i, d->major, d->minor, err) < 0 ||
                    (d->has_weight && check_weight(f, d->weight, err) < 0) ||
                    (d->has_leaf_weight && check_weight(f, d->leaf_weight, err) < 0))
                        return err->status;
        }
        if (!v2) {
                /* CFQ's blkio.weight, or BFQ's where only BFQ is there. */
                if (b->has_weight && b->weight != 0)
                        set_alt(p, add(p, "blkio", "blkio.weight", "%u", (unsigned) b->weight),
                                "blkio.bfq.weight", "%u", (unsigned) b->weight);
                if (b->has_leaf_weight && b->leaf_weight != 0)
                        add(p, "blkio", "blkio.leaf_weight", "%u", (unsigned) b->leaf_weight);
                for (size_t i = 0; i < b->n_weight_device; i++) {
                        const struct fc_weight_device *d = &b->weight_device[i];
                        if (d->has_weight && d->weight != 0)
                                set_alt(p,
                                        add(p, "blkio", "blkio.weight_device",
                                            "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
                                            (unsigned) d->weight),
                                        "blkio.bfq.weight_device", "%" PRId64 ":%" PRId64 " %u",
                                        d->major, d->minor, (unsigned) d->weight);
                        if (d->has_leaf_weight && d->leaf_weight != 0)
                                add(p, "blkio", "blkio.leaf_weight_device",
                                    "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
                                    (unsigned) d->leaf_weight);
                }
                if (plan_throttle_v1("throttleReadBpsDevice", "blkio.throttle.read_bps_device",
                                     b->throttle_read_bps, b->n_throttle_read_bps, p, err) < 0 ||
                    plan_throttle_v1("throttleWriteBpsDevice", "blkio.throttle.write_bps_device",
                                     b->throttle_write_bps, b->n_throttle_write_bps, p, err) < 0 ||
                    plan_throttle_v1("throttleReadIOPSDevice", "blkio.throttle.read_iops_device",
                                     b->throttle_read_iops, b->n_throttle_read_iops, p, err) < 0 ||
                    plan_throttle_v1("throttleWriteIOPSDevice", "blkio.throttle.write_iops_device",
                                     b->throttle_write_iops, b->n_throttle_write_iops, p, err) < 0)
                        return err->status;
                return 0;
        }
        if (b->has_leaf_weight && b->leaf_weight != 0)
                return NOT_ON("blockIO.leafWeight", "v2");
        /* As runc: BFQ's io.bfq.weight takes the blkio weight as is; without
         * BFQ, io.weight gets it converted to its [1, 10000] range. */
        if (b->has_weight && b->weight != 0)
                set_alt(p, add(p, "io", "io.bfq.weight", "%u", (unsigned) b->weight), "io.weight",
                        "%" PRIu64, fc_cgroup_blkio_weight_to_io_weight(b->weight));
        for (size_t i = 0; i < b->n_weight_device; i++) {
                const struct fc_weight_device *d = &b->weight_device[i];
                if (d->has_leaf_weight && d->leaf_weight != 0)
                        return NOT_ON("blockIO.weightDevice.leafWeight", "v2");
                if (d->has_weight && d->weight != 0)
                        set_alt(p,
                                add(p, "io", "io.bfq.weight", "%" PRId64 ":%" PRId64 " %u",
                                    d->major, d->minor, (unsigned) d->weight),
                                "io.weight", "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                                fc_cgroup_blkio_weight_to_io_weight(d->weight));
        }
        if (plan_throttle_v2("throttleReadBpsDevice", "rbps", b->throttle_read_bps,
                             b->n_throttle_read_bps, p, err) < 0 ||
            plan_throttle_v2("throttleWriteBpsDevice", "wbps", b->throttle_write_bps,
                             b->n_throttle_write_bps, p, err) < 0 ||
            plan_throttle_v2("throttleReadIOPSDevice", "riops", b->throttle_read_iops,
                             b->n_throttle_read_iops, p, err) < 0 ||
            plan_throttle_v2("throttleWriteIOPSDevice", "wiops", b->throttle_write_iops,
                             b->n_throttle_write_iops, p, err) < 0)
                return err->status;
        return 0;
}

/* "2MB", "1GB", "64KB": the names the kernel gives its hugetlb files. */
static bool valid_page_size(const char *s)
{
        size_t d = strspn(s, "0123456789");
        return d > 0 && s[0] != '0' &&
               (strcmp(s + d, "KB") == 0 || strcmp(s + d, "MB") == 0 || strcmp(s + d, "GB") == 0);
}

static int plan_hugetlb(bool v2, const struct fc_resources *res, struct plan *p, fc_error_t *err)
{
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const struct fc_hugepage_limit *h = &res->hugepage_limits[i];
                if (!valid_page_size(h->page_size))
                        return fc_error_set(err, -EINVAL,
                                            "linux.resources.hugepageLimits[%zu].pageSize: "
                                            "invalid page size \"%s\"",
                                            i, h->page_size);
                char file[64];
                snprintf(file, sizeof(file), v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
                         h->page_size);
                add(p, "hugetlb", file, "%" PRIu64, h->limit);
        }
        return 0;
}

static int plan_network(bool v2, const struct fc_network_resources *n, struct plan *p,
                        fc_error_t *err)
{
        if (!n->has_class_id && n->n_priorities == 0)
                return 0;
        /* net_cls and net_prio exist on v1 only; v2 has no equivalent
         * (runc refuses them there too). */
        if (v2)
                return NOT_ON("network", "v2");
        if (n->has_class_id)
                add_checked(p, "net_cls", "net_cls.classid", "%" PRIu32, n->class_id);
        for (size_t i = 0; i < n->n_priorities; i++) {
                const char *name = n->priorities[i].name;
                if (name[0] == '\0' || strpbrk(name, " \n/") != NULL)
                        return fc_error_set(err, -EINVAL,
                                            "linux.resources.network.priorities[%zu].name: "
                                            "invalid interface name \"%s\"",
                                            i, name);
                add(p, "net_prio", "net_prio.ifpriomap", "%s %" PRIu32, name,
                    n->priorities[i].priority);
        }
        return 0;
}

static int plan_rdma(const struct fc_resources *res, struct plan *p, fc_error_t *err)
{
        for (size_t i = 0; i < res->n_rdma; i++) {
                const struct fc_rdma *r = &res->rdma[i];
                if (r->device[0] == '\0' || strpbrk(r->device, " \n") != NULL)
                        return fc_error_set(err, -EINVAL,
                                            "linux.resources.rdma: invalid device name \"%s\"",
                                            r->device);
                char h[32] = "", o[32] = "";
                if (r->has_hca_handles)
                        snprintf(h, sizeof(h), " hca_handle=%" PRIu32, r->hca_handles);
                if (r->has_hca_objects)
                        snprintf(o, sizeof(o), " hca_object=%" PRIu32, r->hca_objects);
                if (h[0] || o[0])
                        add(p, "rdma", "rdma.max", "%s%s%s", r->device, h, o);
        }
        return 0;
}

/* Controller names as the unified keys start with them.  Interned so a
 * write can point at them. */
static const char *const known_controllers[] = {"cpu",     "cpuset", "io",   "memory",  "pids",
                                                "hugetlb", "rdma",   "misc", "freezer", NULL};

static int plan_unified(bool v2, const struct fc_resources *res, struct plan *p, fc_error_t *err)
{
        if (res->n_unified == 0)
                return 0;
        /* runc: "cannot use unified on cgroup v1". */
        if (!v2)
                return NOT_ON("unified", "v1");
        for (size_t i = 0; i < res->n_unified; i++) {
                const char *k = res->unified[i].key;
                const char *dot = strchr(k, '.');
                if (dot == NULL || dot == k || strchr(k, '/') != NULL || strcmp(k, ".") == 0 ||
                    strcmp(k, "..") == 0)
                        return fc_error_set(err, -EINVAL,
                                            "linux.resources.unified: invalid key \"%s\" (want "
                                            "<controller>.<file>)",
                                            k);
                const char *ctrl = NULL;
                size_t cl = (size_t) (dot - k);
                if (cl == 6 && strncmp(k, "cgroup", 6) == 0)
                        ctrl = "";
                for (size_t c = 0; ctrl == NULL && known_controllers[c]; c++)
                        if (strlen(known_controllers[c]) == cl &&
                            strncmp(k, known_controllers[c], cl) == 0)
                                ctrl = known_controllers[c];
                if (ctrl == NULL)
                        return fc_error_set(err, -EINVAL,
                                            "linux.resources.unified: unknown controller in key "
                                            "\"%s\"",
                                            k);
                add(p, ctrl, k, "%s", res->unified[i].value);
        }
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
        if (res->memory)
                r = plan_memory(v2, res->memory, &p, err);
        if (r == 0 && res->cpu)
                r = plan_cpu(v2, res->cpu, &p, err);
        /* As runc: 0 leaves pids.max alone, a negative value is "max". */
        if (r == 0 && res->has_pids_limit && res->pids_limit != 0)
                add_limit(&p, "pids", "pids.max", res->pids_limit);
        if (r == 0 && res->block_io)
                r = plan_blkio(v2, res->block_io, &p, err);
        if (r == 0)
                r = plan_hugetlb(v2, res, &p, err);
        if (r == 0 && res->network)
                r = plan_network(v2, res->network, &p, err);
        if (r == 0)
                r = plan_rdma(res, &p, err);
        /* Last, as in runc, so that explicit unified values win. */
        if (r == 0)
                r = plan_unified(v2, res, &p, err);
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

const struct fc_cgroup_hier *fc_cgroup_hier_for(const struct fc_cgroup *cg, const char *controller)
{
        for (size_t k = 0; k < cg->n_hier; k++) {
                const struct fc_cgroup_hier *c = &cg->hier[k];
                if (cg->mode == FC_CGROUP_MODE_V2 ? c->v2
                                                  : !c->v2 && fc_cgroup_hier_has(c, controller))
                        return c;
        }
        return NULL;
}

static bool same_value(const char *got, const char *want)
{
        size_t n = strlen(got);
        while (n > 0 && (got[n - 1] == '\n' || got[n - 1] == ' '))
                n--;
        return strlen(want) == n && strncmp(got, want, n) == 0;
}

/* Whether dir/file is missing: 1, 0, or -ENOMEM. */
static int file_missing(const char *dir, const char *file)
{
        cleanup_free char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        return access(p, F_OK) < 0 && errno == ENOENT;
}

static int apply_one(const char *dir, const struct fc_cgroup_write *w, fc_error_t *err)
{
        const char *file = w->file, *value = w->value;
        int missing = w->optional || w->alt_file ? file_missing(dir, w->file) : 0;
        if (missing < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (missing && w->optional)
                return 0;
        if (missing && w->alt_file) {
                file = w->alt_file;
                value = w->alt_value;
                missing = file_missing(dir, file);
                if (missing < 0)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                if (missing)
                        return fc_error_set(err, -EOPNOTSUPP,
                                            "cannot apply %s: the kernel offers neither "
                                            "%s nor %s in %s",
                                            w->file, w->file, w->alt_file, dir);
        }
        if (fc_cgroup_write_at(dir, file, value, err) < 0)
                return err->status;
        if (!w->check)
                return 0;
        cleanup_free char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        cleanup_free char *got = fc_cgroup_read_file(p, err);
        if (got == NULL)
                return err->status;
        if (!same_value(got, value)) {
                size_t n = strcspn(got, "\n");
                return fc_error_set(err, -EINVAL,
                                    "%s: wrote \"%s\" but the kernel applied \"%.*s\"", p, value,
                                    (int) n, got);
        }
        return 0;
}

int fc_cgroup_resources_apply(struct fc_cgroup *cg, const struct fc_cgroup_write *w, size_t n,
                              fc_error_t *err)
{
        for (size_t i = 0; i < n; i++) {
                const struct fc_cgroup_hier *h = fc_cgroup_hier_for(cg, w[i].controller);
                if (h == NULL)
                        return fc_error_set(err, -ENOENT,
                                            "cgroup controller %s is not mounted (needed for %s)",
                                            w[i].controller, w[i].file);
                cleanup_free char *dir = fc_cgroup_hier_dir(h);
                if (dir == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                if (apply_one(dir, &w[i], err) < 0)
                        return err->status;
        }
        return 0;
}
