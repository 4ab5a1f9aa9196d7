/* SPDX-License-Identifier: Apache-2.0
 *
 * cgroup v1 (legacy hosts, and hybrid hosts as runc treats them: v1 for
 * every controller, plus membership in the unified hierarchy, which
 * cgroup.c handles like any other hierarchy).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"
#include "lib/rootfs.h"
#include "lib/sys.h"

static bool blank(const char *s)
{
        for (; *s; s++)
                if (*s != ' ' && *s != '\n' && *s != '\t')
                        return false;
        return true;
}

/* A new cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and
 * attaching a task to it fails with ENOSPC.  Fill every empty level from
 * its parent, top down, so the leaf inherits the nearest real values. */
static int cpuset_fill(const struct fc_cgroup_hier *h, fc_error_t *err)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        cleanup_free char *dir = fc_cgroup_hier_dir(h);
        if (dir == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        size_t base = strlen(h->mount);
        for (char *p = dir + base + 1; p <= dir + strlen(dir) && dir[base] == '/'; p++) {
                if (*p != '/' && *p != '\0')
                        continue;
                char saved = *p;
                *p = '\0';
                char *slash = strrchr(dir, '/');
                for (size_t f = 0; f < 2; f++) {
                        cleanup_free char *mine = NULL, *parent_file = NULL;
                        if (asprintf(&mine, "%s/%s", dir, files[f]) < 0)
                                return fc_error_set(err, -ENOMEM, "out of memory");
                        cleanup_free char *cur = fc_cgroup_read_file(mine, err);
                        if (cur == NULL)
                                return err->status;
                        if (!blank(cur))
                                continue;
                        *slash = '\0';
                        int r = asprintf(&parent_file, "%s/%s", dir, files[f]);
                        *slash = '/';
                        if (r < 0)
                                return fc_error_set(err, -ENOMEM, "out of memory");
                        cleanup_free char *val = fc_cgroup_read_file(parent_file, err);
                        if (val == NULL)
                                return err->status;
                        if (!blank(val) && fc_cgroup_write_file(mine, val, err) < 0)
                                return err->status;
                }
                *p = saved;
                if (saved == '\0')
                        break;
        }
        return 0;
}

static int devices_apply(const struct fc_cgroup_hier *h, const struct fc_resources *res,
                         fc_error_t *err)
{
        cleanup_free struct fc_device_cgroup *rules = NULL;
        size_t n = 0;
        if (fc_cgroup_device_rules(res, &rules, &n, err) < 0)
                return err->status;
        cleanup_free char *dir = fc_cgroup_hier_dir(h);
        if (dir == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        /* In order: the kernel keeps one exception list and each write
         * adds to or removes from it, so the last rule for a device wins,
         * and a leading "a" deny resets to deny-by-default.  Each write(2)
         * is one rule, so each file is opened once. */
        cleanup_free char *allow_path = NULL, *deny_path = NULL;
        if (asprintf(&allow_path, "%s/devices.allow", dir) < 0 ||
            asprintf(&deny_path, "%s/devices.deny", dir) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        cleanup_close int allow_fd = -1;
        cleanup_close int deny_fd = -1;
        for (size_t i = 0; i < n; i++) {
                char *lines[2];
                int k = fc_cgroup_device_v1_lines(&rules[i], lines, err);
                if (k < 0)
                        return err->status;
                const char *path = rules[i].allow ? allow_path : deny_path;
                int *fd = rules[i].allow ? &allow_fd : &deny_fd;
                int r = 0;
                if (*fd < 0 && (*fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
                        r = fc_error_setm(err, -errno, "open %s", path);
                for (int j = 0; j < k; j++) {
                        size_t len = strlen(lines[j]);
                        ssize_t w = r == 0 ? write(*fd, lines[j], len) : 0;
                        if (r == 0 && w < 0)
                                r = fc_error_setm(err, -errno, "write \"%s\" to %s", lines[j],
                                                  path);
                        else if (r == 0 && (size_t) w != len)
                                r = fc_error_set(err, -EIO, "short write of \"%s\" to %s", lines[j],
                                                 path);
                        free(lines[j]);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static const struct fc_cgroup_write *find_write(const struct fc_cgroup_write *w, size_t n,
                                                const char *file)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(w[i].file, file) == 0)
                        return &w[i];
        return NULL;
}

/* A realtime runtime must fit in the parent's: the kernel refuses a
 * child more RT time than its parent has, and a cgroup made by mkdir
 * starts with none.  Give the levels we created (not the host's) the
 * container's period and runtime, top down, before the leaf gets them. */
static int rt_ancestors(struct fc_cgroup *cg, const struct fc_cgroup_write *w, size_t n,
                        fc_error_t *err)
{
        const struct fc_cgroup_write *rt = find_write(w, n, "cpu.rt_runtime_us");
        const struct fc_cgroup_write *period = find_write(w, n, "cpu.rt_period_us");
        const struct fc_cgroup_hier *h = fc_cgroup_hier_for(cg, "cpu");
        if (rt == NULL || h == NULL || h->n_created < 2)
                return 0;
        for (unsigned up = h->n_created - 1; up >= 1; up--) {
                cleanup_free char *dir = fc_cgroup_hier_dir(h);
                if (dir == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                for (unsigned i = 0; i < up; i++) {
                        char *sl = strrchr(dir, '/');
                        if (sl)
                                *sl = '\0';
                }
                if (period && fc_cgroup_write_at(dir, "cpu.rt_period_us", period->value, err) < 0)
                        return err->status;
                if (fc_cgroup_write_at(dir, "cpu.rt_runtime_us", rt->value, err) < 0)
                        return err->status;
        }
        return 0;
}

static int v1_setup(struct fc_cgroup *cg, const struct fc_resources *res,
                    const struct fc_cgroup_write *writes, size_t n_writes, fc_error_t *err)
{
        /* cpuset values first: the resource writes may narrow them. */
        for (size_t i = 0; i < cg->n_hier; i++) {
                const struct fc_cgroup_hier *h = &cg->hier[i];
                if (!h->v2 && fc_cgroup_hier_has(h, "cpuset") && cpuset_fill(h, err) < 0)
                        return fc_error_wrap(err, "cpuset cgroup");
        }
        if (rt_ancestors(cg, writes, n_writes, err) < 0)
                return fc_error_wrap(err, "cpu cgroup");
        if (fc_cgroup_resources_apply(cg, writes, n_writes, err) < 0)
                return err->status;
        for (size_t i = 0; i < cg->n_hier; i++) {
                const struct fc_cgroup_hier *h = &cg->hier[i];
                if (!h->v2 && fc_cgroup_hier_has(h, "devices") && devices_apply(h, res, err) < 0)
                        return fc_error_wrap(err, "devices cgroup");
        }
        return 0;
}

/* The per-mount flags that make sense on the tmpfs and the binds. */
#define MNT_ATTR_FLAGS FC_CGROUP_MOUNT_FLAGS

static int mkdir_p1(const char *path, fc_error_t *err)
{
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return fc_error_setm(err, -errno, "mkdir %s", path);
        return 0;
}

/* The mount_setattr(2) form of a bind remount with `flags`: everything a
 * remount sets is cleared first, as a remount does. */
static struct mount_attr bind_attr(unsigned long flags)
{
        struct mount_attr a = {
                .attr_clr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                            MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR__ATIME,
        };
        a.attr_set = fc_mount_attr_from_flags(flags);
        return a;
}

/* Where the hierarchy mounted at `mount` goes in the container's cgroup
 * tmpfs `dest`: under its mount point's name. */
static char *v1_target(const char *mnt, const char *dest)
{
        const char *name = strrchr(mnt, '/');
        name = name ? name + 1 : mnt;
        char *target = NULL;
        if (asprintf(&target, "%s/%s", dest, name) < 0)
                return NULL;
        return target;
}

static int v1_remount_one(const char *mnt, const char *dest, unsigned long flags, fc_error_t *err)
{
        cleanup_free char *target = v1_target(mnt, dest);
        if (target == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | (flags & MNT_ATTR_FLAGS), NULL) < 0)
                return fc_error_setm(err, -errno, "remount %s", target);
        return 0;
}

/* Co-mounted controllers ("cpu,cpuacct") are also reachable under each
 * controller's name, as on the host. */
static int v1_link_comounted(const char *mnt, const char *dest, fc_error_t *err)
{
        const char *name = strrchr(mnt, '/');
        name = name ? name + 1 : mnt;
        if (strchr(name, ',') == NULL)
                return 0;
        cleanup_free char *copy = strdup(name);
        if (copy == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        char *save = NULL;
        for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
                cleanup_free char *link = NULL;
                if (asprintf(&link, "%s/%s", dest, c) < 0)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                if (symlink(name, link) < 0 && errno != EEXIST)
                        return fc_error_setm(err, -errno, "symlink %s", link);
        }
        return 0;
}

/* Mount h in `dest` in a cgroup namespace: a fresh cgroup mount, which
 * shows the namespace root, i.e. the container's own cgroup. */
static int v1_mount_in_ns(const struct fc_cgroup_hier *h, const char *dest, unsigned long flags,
                          fc_error_t *err)
{
        cleanup_free char *target = v1_target(h->mount, dest);
        if (target == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (mkdir_p1(target, err) < 0)
                return err->status;
        const char *named = strncmp(h->controllers, "name=", 5) == 0 ? h->controllers + 5 : NULL;
        cleanup_free char *opts = NULL;
        if (asprintf(&opts, "%s%s", named ? "none," : "", h->controllers) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (mount(named ? named : "cgroup", target, "cgroup", flags & MNT_ATTR_FLAGS, opts) < 0)
                return fc_error_setm(err, -errno, "mount cgroup %s on %s", h->controllers, target);
        return v1_link_comounted(h->mount, dest, err);
}

static int v1_tmpfs(const char *dest, unsigned long flags, fc_error_t *err)
{
        if (mkdir_p1(dest, err) < 0)
                return err->status;
        /* runc leaves this tmpfs writable even for a read-only cgroup
         * mount entry (only the hierarchies below are read-only). */
        if (mount("tmpfs", dest, "tmpfs", flags & MNT_ATTR_FLAGS & ~(unsigned long) MS_RDONLY,
                  "mode=755") < 0)
                return fc_error_setm(err, -errno, "mount tmpfs on %s", dest);
        return 0;
}

int fc_cgroup_v1_bind_tree(const char *dest, const char *const *mounts, const char *const *srcs,
                           size_t n, unsigned long flags, fc_error_t *err)
{
        if (v1_tmpfs(dest, flags, err) < 0)
                return err->status;
        for (size_t i = 0; i < n; i++) {
                cleanup_free char *target = v1_target(mounts[i], dest);
                if (target == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                if (mkdir_p1(target, err) < 0)
                        return err->status;
                if (mount(srcs[i], target, NULL, MS_BIND | MS_REC, NULL) < 0)
                        return fc_error_setm(err, -errno, "bind %s on %s", srcs[i], target);
                if (v1_link_comounted(mounts[i], dest, err) < 0)
                        return err->status;
        }
        /* The binds get their flags together: one recursive
         * mount_setattr(2) over the tmpfs and everything below, then the
         * tmpfs alone back to its own - 2 calls instead of a remount per
         * hierarchy.  A kernel without mount_setattr remounts each. */
        struct mount_attr all = bind_attr(flags);
        if (fc_sys_mount_setattr(AT_FDCWD, dest, AT_RECURSIVE, &all, sizeof(all)) < 0) {
                if (errno != ENOSYS)
                        return fc_error_setm(err, -errno,
                                             "set the flags of the cgroup mounts in %s", dest);
                for (size_t i = 0; i < n; i++)
                        if (v1_remount_one(mounts[i], dest, flags, err) < 0)
                                return err->status;
                return 0;
        }
        struct mount_attr top = {.attr_clr = MOUNT_ATTR_RDONLY};
        if ((flags & MS_RDONLY) && fc_sys_mount_setattr(AT_FDCWD, dest, 0, &top, sizeof(top)) < 0)
                return fc_error_setm(err, -errno, "make the cgroup tmpfs %s writable", dest);
        return 0;
}

static int v1_mount(const struct fc_cgroup *cg, const char *dest, unsigned long flags,
                    bool cgroupns, fc_error_t *err)
{
        /* The unified hierarchy of a hybrid host is not mounted in the
         * container, as runc does not either. */
        if (cgroupns) {
                if (v1_tmpfs(dest, flags, err) < 0)
                        return err->status;
                for (size_t i = 0; i < cg->n_hier; i++)
                        if (!cg->hier[i].v2 && v1_mount_in_ns(&cg->hier[i], dest, flags, err) < 0)
                                return err->status;
                return 0;
        }
        const char *mounts[cg->n_hier > 0 ? cg->n_hier : 1];
        char *srcs[cg->n_hier > 0 ? cg->n_hier : 1];
        size_t n = 0;
        int r = 0;
        for (size_t i = 0; i < cg->n_hier && r == 0; i++) {
                if (cg->hier[i].v2)
                        continue;
                mounts[n] = cg->hier[i].mount;
                if ((srcs[n] = fc_cgroup_hier_dir(&cg->hier[i])) == NULL)
                        r = fc_error_set(err, -ENOMEM, "out of memory");
                else
                        n++;
        }
        if (r == 0)
                r = fc_cgroup_v1_bind_tree(dest, mounts, (const char *const *) srcs, n, flags, err);
        for (size_t i = 0; i < n; i++)
                free(srcs[i]);
        return r;
}

static int64_t parse_i64(const char *s)
{
        errno = 0;
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        if (errno != 0 || end == s)
                return 0;
        return v;
}

static int v1_update(struct fc_cgroup *cg, const struct fc_cgroup_write *w, size_t n,
                     fc_error_t *err)
{
        /* The kernel keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes
         * at every step.  The plan writes the limit first (right when
         * lowering); when raising memsw past its current value, memsw must
         * go first or the new limit may exceed the old memsw. */
        cleanup_free struct fc_cgroup_write *order = calloc(n ? n : 1, sizeof(*order));
        if (order == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (n > 0)
                memcpy(order, w, n * sizeof(*w));
        const struct fc_cgroup_write *lim = find_write(w, n, "memory.limit_in_bytes");
        const struct fc_cgroup_write *sw = find_write(w, n, "memory.memsw.limit_in_bytes");
        const struct fc_cgroup_hier *mh = fc_cgroup_hier_for(cg, "memory");
        if (lim && sw && mh) {
                int64_t want = parse_i64(sw->value), have = 0;
                if (want != -1) {
                        cleanup_free char *cur =
                                fc_cgroup_read_at(mh, "memory.memsw.limit_in_bytes", err);
                        if (cur == NULL && sw->optional && err->status == -ENOENT) {
                                /* No swap accounting: the write is skipped. */
                                fc_error_clear(err);
                                have = want;
                        } else if (cur == NULL) {
                                return err->status;
                        } else {
                                have = parse_i64(cur);
                        }
                }
                if (want == -1 || want > have) {
                        size_t li = (size_t) (lim - w), si = (size_t) (sw - w);
                        order[li] = *sw;
                        order[si] = *lim;
                }
        }
        if (rt_ancestors(cg, order, n, err) < 0)
                return fc_error_wrap(err, "cpu cgroup");
        return fc_cgroup_resources_apply(cg, order, n, err);
}

static const struct fc_cgroup_hier *freezer(struct fc_cgroup *cg, fc_error_t *err)
{
        const struct fc_cgroup_hier *h = fc_cgroup_hier_for(cg, "freezer");
        if (h == NULL)
                fc_error_set(err, -ENOENT, "cgroup freezer is not mounted");
        return h;
}

static int v1_state(const struct fc_cgroup_hier *h, char *buf, size_t size, fc_error_t *err)
{
        cleanup_free char *s = fc_cgroup_read_at(h, "freezer.state", err);
        if (s == NULL)
                return err->status;
        snprintf(buf, size, "%.*s", (int) strcspn(s, "\n"), s);
        return 0;
}

static int v1_is_frozen(struct fc_cgroup *cg, bool *ret, fc_error_t *err)
{
        const struct fc_cgroup_hier *h = freezer(cg, err);
        char st[32];
        if (h == NULL || v1_state(h, st, sizeof(st), err) < 0)
                return err->status;
        /* FREEZING counts as paused, as a half-done pause still stops
         * most of the container. */
        *ret = strcmp(st, "THAWED") != 0;
        return 0;
}

static int v1_freeze(struct fc_cgroup *cg, bool frozen, fc_error_t *err)
{
        const struct fc_cgroup_hier *h = freezer(cg, err);
        if (h == NULL)
                return err->status;
        cleanup_free char *dir = fc_cgroup_hier_dir(h);
        if (dir == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        const char *want = frozen ? "FROZEN" : "THAWED";
        /* The state stays FREEZING while some task has not stopped yet;
         * writing FROZEN again retries those tasks.  Bounded, about 5 s. */
        for (int i = 0; i < 5000; i++) {
                if (i % 10 == 0 && fc_cgroup_write_at(dir, "freezer.state", want, err) < 0)
                        return err->status;
                char st[32];
                if (v1_state(h, st, sizeof(st), err) < 0)
                        return err->status;
                if (strcmp(st, want) == 0)
                        return 0;
                struct timespec ts = {.tv_sec = 0, .tv_nsec = i < 100 ? 100000 : 1000000};
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
        }
        if (frozen) {
                fc_error_t e = FC_ERROR_INIT;
                (void) fc_cgroup_write_at(dir, "freezer.state", "THAWED", &e);
                fc_error_clear(&e);
        }
        return fc_error_set(err, -ETIMEDOUT, "%s cgroup %s: timed out", frozen ? "freeze" : "thaw",
                            dir);
}

const struct fc_cgroup_ops fc_cgroup_ops_v1 = {
        .name = "v1",
        .setup = v1_setup,
        .mount = v1_mount,
        .update = v1_update,
        .freeze = v1_freeze,
        .is_frozen = v1_is_frozen,
        .stats = fc_cgroup_v1_stats,
        .oom_open = fc_cgroup_v1_oom_open,
        .oom_read = fc_cgroup_v1_oom_read,
};
