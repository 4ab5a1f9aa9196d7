/* SPDX-License-Identifier: Apache-2.0
 *
 * Statistics and OOM notification for `events`, per cgroup version, read
 * from the kernel's files into struct fc_stats (oci-spec/events.h), which
 * oci-spec turns into runc's JSON.  A controller that is not mounted (v1)
 * or not enabled (v2) leaves its part of the stats zero, as runc does; a
 * file that exists but cannot be parsed is an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"

/* ---- parsers ---- */

int fc_cgroup_parse_u64(const char *text, uint64_t *ret)
{
        while (*text == ' ')
                text++;
        if (strncmp(text, "max", 3) == 0 && (text[3] == '\0' || text[3] == '\n')) {
                *ret = FC_STATS_UNLIMITED;
                return 0;
        }
        if (*text < '0' || *text > '9')
                return -EINVAL;
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(text, &end, 10);
        if (errno != 0 || (*end != '\0' && *end != '\n' && *end != ' '))
                return -EINVAL;
        *ret = v;
        return 0;
}

int fc_cgroup_parse_keyed(const char *text, const char *key, uint64_t *ret)
{
        size_t kl = strlen(key);
        for (const char *p = text; p && *p;) {
                if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
                        return fc_cgroup_parse_u64(p + kl + 1, ret);
                p = strchr(p, '\n');
                if (p)
                        p++;
        }
        return -ENOENT;
}

/* ---- helpers over one hierarchy ---- */

/* Read a file of the container's cgroup; a missing file (controller or
 * feature absent) gives NULL without an error. */
static char *read_opt(const struct fc_cgroup_hier *h, const char *file, fc_error_t *err)
{
        if (h == NULL)
                return NULL;
        fc_error_t e = FC_ERROR_INIT;
        char *s = fc_cgroup_read_at(h, file, &e);
        if (s == NULL) {
                if (e.status != -ENOENT)
                        fc_error_append(err, &e);
                fc_error_clear(&e);
        }
        return s;
}

static int read_u64(const struct fc_cgroup_hier *h, const char *file, uint64_t *ret,
                    fc_error_t *err)
{
        cleanup_free char *s = read_opt(h, file, err);
        if (s == NULL)
                return err->status;
        if (fc_cgroup_parse_u64(s, ret) < 0)
                return fc_error_set(err, -EINVAL, "unexpected content in %s: \"%.*s\"", file,
                                    (int) strcspn(s, "\n"), s);
        return 0;
}

static int parse_u64_list(const char *s, uint64_t **v, size_t *n)
{
        for (const char *p = s; *p;) {
                while (*p == ' ' || *p == '\n')
                        p++;
                if (*p == '\0')
                        break;
                errno = 0;
                char *end = NULL;
                unsigned long long x = strtoull(p, &end, 10);
                if (errno != 0 || end == p)
                        return -EINVAL;
                if (fc_stats_add_u64(v, n, x) < 0)
                        return -ENOMEM;
                p = end;
        }
        return 0;
}

/* Every "key value" line of a flat-keyed file into the raw map. */
static int raw_map(struct fc_stats *st, const char *text)
{
        cleanup_free char *copy = strdup(text);
        if (copy == NULL)
                return -ENOMEM;
        char *save = NULL;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(l, ' ');
                uint64_t v;
                if (sp == NULL)
                        continue;
                *sp = '\0';
                if (fc_cgroup_parse_u64(sp + 1, &v) < 0)
                        continue;
                if (fc_stats_add_raw(st, l, v) < 0)
                        return -ENOMEM;
        }
        return 0;
}

#define NOMEM(err) fc_error_set(err, -ENOMEM, "out of memory")

/* ---- v1 ---- */

static int v1_cpu(struct fc_cgroup *cg, struct fc_stats *st, fc_error_t *err)
{
        const struct fc_cgroup_hier *acct = fc_cgroup_hier_for(cg, "cpuacct");
        if (acct) {
                if (read_u64(acct, "cpuacct.usage", &st->cpu.total, err) < 0 && err->status)
                        return err->status;
                cleanup_free char *pc = read_opt(acct, "cpuacct.usage_percpu", err);
                if (pc && parse_u64_list(pc, &st->cpu.percpu, &st->cpu.n_percpu) < 0)
                        return fc_error_set(err, -EINVAL, "unexpected cpuacct.usage_percpu");
                /* "cpu user system" per line after a header. */
                cleanup_free char *all = read_opt(acct, "cpuacct.usage_all", err);
                for (char *l = all ? strchr(all, '\n') : NULL; l && l[1]; l = strchr(l + 1, '\n')) {
                        unsigned long long c, u, s;
                        if (sscanf(l + 1, "%llu %llu %llu", &c, &u, &s) != 3)
                                break;
                        if (fc_stats_add_u64(&st->cpu.percpu_user, &st->cpu.n_percpu_user, u) < 0 ||
                            fc_stats_add_u64(&st->cpu.percpu_kernel, &st->cpu.n_percpu_kernel, s) <
                                    0)
                                return NOMEM(err);
                }
                /* cpuacct.stat counts USER_HZ ticks. */
                cleanup_free char *stat = read_opt(acct, "cpuacct.stat", err);
                long hz = sysconf(_SC_CLK_TCK);
                uint64_t v;
                if (stat && hz > 0) {
                        if (fc_cgroup_parse_keyed(stat, "user", &v) == 0)
                                st->cpu.user = v * (1000000000ULL / (uint64_t) hz);
                        if (fc_cgroup_parse_keyed(stat, "system", &v) == 0)
                                st->cpu.kernel = v * (1000000000ULL / (uint64_t) hz);
                }
        }
        cleanup_free char *cs = read_opt(fc_cgroup_hier_for(cg, "cpu"), "cpu.stat", err);
        if (cs) {
                (void) fc_cgroup_parse_keyed(cs, "nr_periods", &st->cpu.periods);
                (void) fc_cgroup_parse_keyed(cs, "nr_throttled", &st->cpu.throttled_periods);
                (void) fc_cgroup_parse_keyed(cs, "throttled_time", &st->cpu.throttled_time);
        }
        return err->status;
}

static int v1_mem_entry(const struct fc_cgroup_hier *h, const char *prefix,
                        struct fc_stats_mem_entry *e, fc_error_t *err)
{
        static const char *const names[] = {"limit_in_bytes", "usage_in_bytes",
                                            "max_usage_in_bytes", "failcnt"};
        uint64_t *dst[] = {&e->limit, &e->usage, &e->max, &e->failcnt};
        for (size_t i = 0; i < 4; i++) {
                char file[96];
                snprintf(file, sizeof(file), "%s%s", prefix, names[i]);
                if (read_u64(h, file, dst[i], err) < 0 && err->status)
                        return err->status;
        }
        return 0;
}

static int v1_memory(struct fc_cgroup *cg, struct fc_stats *st, fc_error_t *err)
{
        const struct fc_cgroup_hier *h = fc_cgroup_hier_for(cg, "memory");
        if (h == NULL)
                return 0;
        if (v1_mem_entry(h, "memory.", &st->memory.usage, err) < 0 ||
            v1_mem_entry(h, "memory.memsw.", &st->memory.swap, err) < 0 ||
            v1_mem_entry(h, "memory.kmem.", &st->memory.kernel, err) < 0 ||
            v1_mem_entry(h, "memory.kmem.tcp.", &st->memory.kernel_tcp, err) < 0)
                return err->status;
        st->memory.has_kernel = true;
        cleanup_free char *stat = read_opt(h, "memory.stat", err);
        if (stat) {
                (void) fc_cgroup_parse_keyed(stat, "cache", &st->memory.cache);
                if (raw_map(st, stat) < 0)
                        return NOMEM(err);
        }
        return err->status;
}

/* "MAJ:MIN Op value" lines (a trailing "Total N" has no device). */
static int blkio_lines(const char *text, struct fc_stats_blkio_entry **v, size_t *n)
{
        for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                unsigned long long maj, min, val;
                char op[16];
                if (sscanf(l, "%llu:%llu %15s %llu", &maj, &min, op, &val) != 4)
                        continue;
                if (fc_stats_add_blkio(v, n, maj, min, op, val) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int v1_blkio(struct fc_cgroup *cg, struct fc_stats *st, fc_error_t *err)
{
        const struct fc_cgroup_hier *h = fc_cgroup_hier_for(cg, "blkio");
        if (h == NULL)
                return 0;
        /* CFQ's accounting when there is some, else BFQ's, else the
         * throttling layer's, which every kernel has.  A file with no
         * device in it (BFQ's "Total 0" when the disks use another
         * scheduler) is no accounting: the next one is read, as runc does. */
        static const char *const prefixes[] = {"blkio.", "blkio.bfq.", "blkio.throttle."};
        for (size_t i = 0; i < 3; i++) {
                char f1[96], f2[96];
                snprintf(f1, sizeof(f1), "%sio_service_bytes_recursive", prefixes[i]);
                snprintf(f2, sizeof(f2), "%sio_serviced_recursive", prefixes[i]);
                cleanup_free char *bytes = read_opt(h, f1, err);
                if (bytes == NULL) {
                        if (err->status)
                                return err->status;
                        continue;
                }
                cleanup_free char *ios = read_opt(h, f2, err);
                if (blkio_lines(bytes, &st->blkio.service_bytes, &st->blkio.n_service_bytes) < 0 ||
                    (ios && blkio_lines(ios, &st->blkio.serviced, &st->blkio.n_serviced) < 0))
                        return NOMEM(err);
                if (st->blkio.n_service_bytes > 0 || st->blkio.n_serviced > 0)
                        break;
        }
        return err->status;
}

static int pids_stats(const struct fc_cgroup_hier *h, struct fc_stats *st, fc_error_t *err)
{
        if (h == NULL)
                return 0;
        if (read_u64(h, "pids.current", &st->pids.current, err) < 0 && err->status)
                return err->status;
        if (read_u64(h, "pids.max", &st->pids.limit, err) < 0 && err->status)
                return err->status;
        /* runc reports "max" as 0 (no limit). */
        if (st->pids.limit == FC_STATS_UNLIMITED)
                st->pids.limit = 0;
        return 0;
}

/* The page sizes from the hugetlb.<size>.<suffix> files of a directory. */
static int hugetlb_stats(const struct fc_cgroup_hier *h, bool v2, struct fc_stats *st,
                         fc_error_t *err)
{
        if (h == NULL)
                return 0;
        cleanup_free char *dir = fc_cgroup_hier_dir(h);
        if (dir == NULL)
                return NOMEM(err);
        cleanup_closedir DIR *d = opendir(dir);
        if (d == NULL)
                return 0;
        const char *suffix = v2 ? ".max" : ".limit_in_bytes";
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                const char *n = de->d_name;
                size_t nl = strlen(n), sl = strlen(suffix);
                if (strncmp(n, "hugetlb.", 8) != 0 || nl <= 8 + sl ||
                    strcmp(n + nl - sl, suffix) != 0 || memchr(n + 8, '.', nl - 8 - sl))
                        continue;
                char size[32];
                snprintf(size, sizeof(size), "%.*s", (int) (nl - 8 - sl), n + 8);
                struct fc_stats_hugetlb *e = fc_stats_add_hugetlb(st, size);
                if (e == NULL)
                        return NOMEM(err);
                char f[96];
                if (v2) {
                        snprintf(f, sizeof(f), "hugetlb.%s.current", size);
                        (void) read_u64(h, f, &e->usage, err);
                        snprintf(f, sizeof(f), "hugetlb.%s.events", size);
                        cleanup_free char *ev = read_opt(h, f, err);
                        if (ev)
                                (void) fc_cgroup_parse_keyed(ev, "max", &e->failcnt);
                } else {
                        snprintf(f, sizeof(f), "hugetlb.%s.usage_in_bytes", size);
                        (void) read_u64(h, f, &e->usage, err);
                        snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", size);
                        (void) read_u64(h, f, &e->max, err);
                        snprintf(f, sizeof(f), "hugetlb.%s.failcnt", size);
                        (void) read_u64(h, f, &e->failcnt, err);
                }
                if (err->status)
                        return err->status;
        }
        return 0;
}

/* Members above 65535 are not CPUs or nodes (runc parses them as 16-bit). */
static int cpuset_num(const char **p, unsigned long *ret)
{
        if (**p < '0' || **p > '9')
                return -1;
        unsigned long v = 0;
        for (; **p >= '0' && **p <= '9'; (*p)++) {
                v = v * 10 + (unsigned long) (**p - '0');
                if (v > 65535)
                        return -1;
        }
        *ret = v;
        return 0;
}

int fc_cgroup_parse_cpuset_list(const char *s, uint64_t **v, size_t *n)
{
        for (const char *p = s; *p && *p != '\n';) {
                unsigned long a, b;
                if (cpuset_num(&p, &a) < 0)
                        return 0;
                b = a;
                if (*p == '-') {
                        p++;
                        if (cpuset_num(&p, &b) < 0 || b < a)
                                return 0;
                }
                for (unsigned long i = a; i <= b; i++)
                        if (fc_stats_add_u64(v, n, i) < 0)
                                return -ENOMEM;
                if (*p == ',')
                        p++;
                else if (*p && *p != '\n')
                        return 0;
        }
        return 0;
}

static int v1_cpuset(const struct fc_cgroup_hier *h, struct fc_stats *st, fc_error_t *err)
{
        if (h == NULL)
                return 0;
        cleanup_free char *cpus = read_opt(h, "cpuset.cpus", err);
        cleanup_free char *mems = read_opt(h, "cpuset.mems", err);
        if ((cpus && fc_cgroup_parse_cpuset_list(cpus, &st->cpuset.cpus, &st->cpuset.n_cpus) < 0) ||
            (mems && fc_cgroup_parse_cpuset_list(mems, &st->cpuset.mems, &st->cpuset.n_mems) < 0))
                return NOMEM(err);
        static const struct {
                const char *file;
                size_t off;
        } flags[] = {
#define CS(f) {"cpuset." #f, offsetof(struct fc_stats, cpuset.f)}
                CS(cpu_exclusive),   CS(mem_hardwall),       CS(mem_exclusive),
                CS(memory_migrate),  CS(memory_spread_page), CS(memory_spread_slab),
                CS(memory_pressure), CS(sched_load_balance),
#undef CS
        };
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]) && !err->status; i++)
                (void) read_u64(h, flags[i].file, (uint64_t *) ((char *) st + flags[i].off), err);
        cleanup_free char *lvl = read_opt(h, "cpuset.sched_relax_domain_level", err);
        if (lvl)
                st->cpuset.sched_relax_domain_level = strtoll(lvl, NULL, 10);
        return err->status;
}

int fc_cgroup_v1_stats(struct fc_cgroup *cg, struct fc_stats *st, fc_error_t *err)
{
        if (v1_cpu(cg, st, err) < 0 || v1_memory(cg, st, err) < 0 ||
            pids_stats(fc_cgroup_hier_for(cg, "pids"), st, err) < 0 || v1_blkio(cg, st, err) < 0 ||
            hugetlb_stats(fc_cgroup_hier_for(cg, "hugetlb"), false, st, err) < 0 ||
            v1_cpuset(fc_cgroup_hier_for(cg, "cpuset"), st, err) < 0)
                return err->status;
        return 0;
}

/* ---- v2 ---- */

static int v2_memory(const struct fc_cgroup_hier *h, struct fc_stats *st, fc_error_t *err)
{
        struct fc_stats_mem_entry *u = &st->memory.usage, *s = &st->memory.swap;
        if (read_u64(h, "memory.current", &u->usage, err) < 0) {
                /* No memory controller enabled: no memory stats. */
                return err->status;
        }
        if (read_u64(h, "memory.max", &u->limit, err) < 0 && err->status)
                return err->status;
        if (read_u64(h, "memory.peak", &u->max, err) < 0 && err->status)
                return err->status;
        cleanup_free char *ev = read_opt(h, "memory.events", err);
        if (ev)
                (void) fc_cgroup_parse_keyed(ev, "max", &u->failcnt);
        /* As runc: v2 accounts swap alone, the stats report memory+swap
         * like v1's memsw. */
        uint64_t swap_cur = 0, swap_max = FC_STATS_UNLIMITED;
        if (read_u64(h, "memory.swap.current", &swap_cur, err) < 0 && err->status)
                return err->status;
        if (read_u64(h, "memory.swap.max", &swap_max, err) < 0 && err->status)
                return err->status;
        s->usage = swap_cur + u->usage;
        s->limit = (swap_max == FC_STATS_UNLIMITED || u->limit == FC_STATS_UNLIMITED)
                           ? FC_STATS_UNLIMITED
                           : swap_max + u->limit;
        cleanup_free char *stat = read_opt(h, "memory.stat", err);
        if (stat) {
                (void) fc_cgroup_parse_keyed(stat, "file", &st->memory.cache);
                if (raw_map(st, stat) < 0)
                        return NOMEM(err);
        }
        return err->status;
}

static int v2_io(const struct fc_cgroup_hier *h, struct fc_stats *st, fc_error_t *err)
{
        cleanup_free char *io = read_opt(h, "io.stat", err);
        if (io == NULL)
                return err->status;
        /* "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" */
        for (const char *l = io; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                unsigned long long maj, min;
                int off = 0;
                if (sscanf(l, "%llu:%llu%n", &maj, &min, &off) != 2)
                        continue;
                static const struct {
                        const char *key, *op;
                        bool bytes;
                } keys[] = {{"rbytes=", "Read", true},
                            {"wbytes=", "Write", true},
                            {"rios=", "Read", false},
                            {"wios=", "Write", false}};
                const char *end = strchrnul(l, '\n');
                for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
                        const char *p = strstr(l + off, keys[k].key);
                        if (p == NULL || p > end)
                                continue;
                        uint64_t v;
                        if (fc_cgroup_parse_u64(p + strlen(keys[k].key), &v) < 0)
                                continue;
                        int r = keys[k].bytes ? fc_stats_add_blkio(&st->blkio.service_bytes,
                                                                   &st->blkio.n_service_bytes, maj,
                                                                   min, keys[k].op, v)
                                              : fc_stats_add_blkio(&st->blkio.serviced,
                                                                   &st->blkio.n_serviced, maj, min,
                                                                   keys[k].op, v);
                        if (r < 0)
                                return NOMEM(err);
                }
        }
        return 0;
}

int fc_cgroup_v2_stats(struct fc_cgroup *cg, struct fc_stats *st, fc_error_t *err)
{
        const struct fc_cgroup_hier *h = &cg->hier[0];
        cleanup_free char *cs = read_opt(h, "cpu.stat", err);
        if (cs == NULL)
                return fc_error_set(err, err->status ? err->status : -ENOENT,
                                    "read cpu.stat of the container's cgroup");
        uint64_t v;
        if (fc_cgroup_parse_keyed(cs, "usage_usec", &v) == 0)
                st->cpu.total = v * 1000;
        if (fc_cgroup_parse_keyed(cs, "user_usec", &v) == 0)
                st->cpu.user = v * 1000;
        if (fc_cgroup_parse_keyed(cs, "system_usec", &v) == 0)
                st->cpu.kernel = v * 1000;
        (void) fc_cgroup_parse_keyed(cs, "nr_periods", &st->cpu.periods);
        (void) fc_cgroup_parse_keyed(cs, "nr_throttled", &st->cpu.throttled_periods);
        if (fc_cgroup_parse_keyed(cs, "throttled_usec", &v) == 0)
                st->cpu.throttled_time = v * 1000;
        if ((v2_memory(h, st, err) < 0 && err->status) || pids_stats(h, st, err) < 0 ||
            v2_io(h, st, err) < 0 || hugetlb_stats(h, true, st, err) < 0)
                return err->status;
        return 0;
}

/* ---- OOM ---- */

int fc_cgroup_v1_oom_open(struct fc_cgroup *cg, fc_error_t *err)
{
        const struct fc_cgroup_hier *h = fc_cgroup_hier_for(cg, "memory");
        if (h == NULL)
                return fc_error_set(err, -ENOENT, "cgroup memory controller is not mounted");
        cleanup_free char *dir = fc_cgroup_hier_dir(h);
        cleanup_free char *ctl = NULL;
        if (dir == NULL || asprintf(&ctl, "%s/memory.oom_control", dir) < 0)
                return NOMEM(err);
        cleanup_close int ofd = open(ctl, O_RDONLY | O_CLOEXEC);
        if (ofd < 0)
                return fc_error_setm(err, -errno, "open %s", ctl);
        cleanup_close int efd = eventfd(0, EFD_CLOEXEC);
        if (efd < 0)
                return fc_error_setm(err, -errno, "eventfd");
        /* "<eventfd> <fd of the file to watch>" arms the notification. */
        char buf[64];
        snprintf(buf, sizeof(buf), "%d %d", efd, ofd);
        if (fc_cgroup_write_at(dir, "cgroup.event_control", buf, err) < 0)
                return err->status;
        if (cg->oom_ctl_fd >= 0)
                close(cg->oom_ctl_fd);
        cg->oom_ctl_fd = steal_fd(&ofd);
        return steal_fd(&efd);
}

int fc_cgroup_v1_oom_read(struct fc_cgroup *cg, int fd, uint64_t *ret_count, fc_error_t *err)
{
        (void) cg;
        uint64_t n = 0;
        ssize_t r = read(fd, &n, sizeof(n));
        if (r < 0)
                return errno == EAGAIN ? 0 : fc_error_setm(err, -errno, "read OOM eventfd");
        if (r == (ssize_t) sizeof(n))
                *ret_count = n;
        return 0;
}

static int oom_kills(struct fc_cgroup *cg, uint64_t *ret, fc_error_t *err)
{
        cleanup_free char *ev = fc_cgroup_read_at(&cg->hier[0], "memory.events", err);
        if (ev == NULL)
                return err->status;
        *ret = 0;
        (void) fc_cgroup_parse_keyed(ev, "oom_kill", ret);
        return 0;
}

int fc_cgroup_v2_oom_open(struct fc_cgroup *cg, fc_error_t *err)
{
        cleanup_free char *dir = fc_cgroup_hier_dir(&cg->hier[0]);
        cleanup_free char *p = NULL;
        if (dir == NULL || asprintf(&p, "%s/memory.events", dir) < 0)
                return NOMEM(err);
        cleanup_close int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (fd < 0)
                return fc_error_setm(err, -errno, "inotify_init1");
        /* The kernel signals a change of memory.events as a modification. */
        if (inotify_add_watch(fd, p, IN_MODIFY) < 0)
                return fc_error_setm(err, -errno, "watch %s", p);
        if (oom_kills(cg, &cg->oom_last, err) < 0)
                return err->status;
        return steal_fd(&fd);
}

int fc_cgroup_v2_oom_read(struct fc_cgroup *cg, int fd, uint64_t *ret_count, fc_error_t *err)
{
        char buf[4096];
        while (read(fd, buf, sizeof(buf)) > 0)
                ;
        uint64_t now = 0;
        if (oom_kills(cg, &now, err) < 0)
                return err->status;
        *ret_count = now > cg->oom_last ? now - cg->oom_last : 0;
        cg->oom_last = now;
        return 0;
}
