/* SPDX-License-Identifier: Apache-2.0
 *
 * The container's filesystem, in runc's order: propagation of "/", the
 * rootfs bind, config mounts one by one, /dev nodes (prepare); pivot_root
 * (pivot); read-only and masked paths, /dev and "/" read-only,
 * rootfsPropagation (finish).
 *
 * Every mount target is resolved inside the rootfs by
 * fc_rootfs_open_target() and mounted through "/proc/self/fd/N", so a
 * symlink placed in the rootfs (or swapped in meanwhile) cannot redirect a
 * mount onto the host (CVE-2021-30465 class).
 */
#include "lib/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/devices.h"
#include "lib/idmap.h"
#include "lib/parts/devpool.h"
#include "lib/parts/parts.h"
#include "lib/sys.h"

#define FD_PATH_MAX 32

/* runc lets these files under /proc be mounted over (lxcfs emulates them);
 * anything else under /proc is refused. */
static const char *const proc_allowed[] = {
        "/proc/cpuinfo", "/proc/diskstats",
        "/proc/meminfo", "/proc/stat",
        "/proc/swaps",   "/proc/uptime",
        "/proc/loadavg", "/proc/slabinfo",
        "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

static bool str_eq(const char *a, const char *b)
{
        return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Lexically clean an absolute container path ("//dev/./" -> "/dev"), for
 * comparing destinations the way runc does. */
static char *clean_path(const char *p)
{
        size_t len = strlen(p);
        char *out = malloc(len + 2);
        size_t o = 0;

        if (out == NULL)
                return NULL;
        out[o++] = '/';
        while (*p) {
                const char *s;
                size_t n;

                while (*p == '/')
                        p++;
                s = p;
                while (*p && *p != '/')
                        p++;
                n = (size_t) (p - s);
                if (n == 0 || (n == 1 && s[0] == '.'))
                        continue;
                if (n == 2 && s[0] == '.' && s[1] == '.') {
                        while (o > 1 && out[o - 1] != '/')
                                o--;
                        if (o > 1)
                                o--;
                        continue;
                }
                if (o > 1)
                        out[o++] = '/';
                memcpy(out + o, s, n);
                o += n;
        }
        out[o] = '\0';
        return out;
}

static bool path_is(const char *dest, const char *want)
{
        cleanup_free char *c = clean_path(dest);
        return c != NULL && strcmp(c, want) == 0;
}

/* The container path an O_PATH fd really names (the kernel's view of the
 * resolved target, minus the rootfs prefix). */
static char *container_path_of(int fd, const char *rootfs)
{
        char link[FD_PATH_MAX], buf[PATH_MAX];
        size_t rlen = strlen(rootfs);
        ssize_t n = readlink(fc_mount_fd_path(fd, link, sizeof(link)), buf, sizeof(buf) - 1);

        if (n < 0)
                return NULL;
        buf[n] = '\0';
        if (strcmp(rootfs, "/") == 0)
                return strdup(buf);
        if (strncmp(buf, rootfs, rlen) != 0 || (buf[rlen] != '/' && buf[rlen] != '\0'))
                return NULL;
        return strdup(buf[rlen] ? buf + rlen : "/");
}

static char *host_path_of(int fd)
{
        char link[FD_PATH_MAX], buf[PATH_MAX];
        ssize_t n = readlink(fc_mount_fd_path(fd, link, sizeof(link)), buf, sizeof(buf) - 1);

        if (n < 0)
                return NULL;
        buf[n] = '\0';
        return strdup(buf);
}

static bool is_procfs(const char *path)
{
        struct statfs st;
        return statfs(path, &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
}

/* runc's rule for bind mounts into /proc: only a procfs may be bound at
 * /proc itself, and below it only the allow-listed files.  `resolved` is
 * the real container path after following symlinks, so "/foo" ->
 * "/proc/self" is caught too.  Like runc 1.1, other filesystem types are
 * not checked (below /proc they fail anyway: procfs refuses mkdir). */
static int check_proc_dest(const struct fc_mount *m, const char *resolved, fc_error_t *err)
{
        if (strcmp(resolved, "/proc") == 0) {
                if (m->source && is_procfs(m->source))
                        return 0;
                return fc_error_set(err, -EINVAL,
                                    "\"%s\" cannot be mounted because it is not of type proc",
                                    m->destination);
        }
        if (strncmp(resolved, "/proc/", 6) != 0)
                return 0;
        for (size_t i = 0; i < sizeof(proc_allowed) / sizeof(proc_allowed[0]); i++)
                if (strcmp(resolved, proc_allowed[i]) == 0)
                        return 0;
        return fc_error_set(err, -EINVAL, "\"%s\" cannot be mounted because it is inside /proc",
                            m->destination);
}

/* runc refuses to mount proc or sysfs on anything but a plain directory
 * (a symlink there has been an attack vector).  Checked on the last
 * component without following it; missing is fine (it gets created). */
static int check_plain_dir(const struct fc_rootfs_ctx *ctx, const struct fc_mount *m,
                           fc_error_t *err)
{
        cleanup_free char *c = clean_path(m->destination);
        cleanup_close int dirfd = -1;
        struct stat sb;
        char *slash;

        if (c == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (strcmp(c, "/") == 0)
                return 0;
        slash = strrchr(c, '/');
        *slash = '\0';
        dirfd = fc_rootfs_open_target(ctx->rootfs, c[0] ? c : "/", true, false, err);
        if (dirfd < 0)
                return dirfd;
        if (fstatat(dirfd, slash + 1, &sb, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : fc_error_setm(err, -errno, "stat %s", m->destination);
        if (!S_ISDIR(sb.st_mode))
                return fc_error_set(err, -EINVAL,
                                    "filesystem \"%s\" must be mounted on ordinary "
                                    "directory",
                                    m->type);
        return 0;
}

/* ---- tmpcopyup: seed a new tmpfs with what the directory held ---- */

static int copy_tree(int src, int dst, int depth);

static int copy_file_data(int in, int out)
{
        char buf[65536];
        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));
                if (n == 0)
                        return 0;
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(out, buf + off, (size_t) (n - off));
                        if (w < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        off += w;
                }
        }
}

static int copy_entry(int src, int dst, const char *name, const struct stat *sb, int depth)
{
        mode_t perm = sb->st_mode & 07777;

        if (S_ISDIR(sb->st_mode)) {
                cleanup_close int s = -1, d = -1;
                if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
                        return -errno;
                s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s < 0 || d < 0)
                        return -errno;
                int r = copy_tree(s, d, depth + 1);
                if (r < 0)
                        return r;
                if (fchown(d, sb->st_uid, sb->st_gid) < 0 || fchmod(d, perm) < 0)
                        return -errno;
        } else if (S_ISREG(sb->st_mode)) {
                cleanup_close int s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                cleanup_close int d = -1;
                if (s < 0)
                        return -errno;
                d = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (d < 0)
                        return -errno;
                int r = copy_file_data(s, d);
                if (r < 0)
                        return r;
                if (fchown(d, sb->st_uid, sb->st_gid) < 0 || fchmod(d, perm) < 0)
                        return -errno;
        } else if (S_ISLNK(sb->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
                if (n < 0)
                        return -errno;
                target[n] = '\0';
                if (symlinkat(target, dst, name) < 0)
                        return -errno;
                if (fchownat(dst, name, sb->st_uid, sb->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
        } else {
                if (mknodat(dst, name, sb->st_mode, sb->st_rdev) < 0)
                        return -errno;
                if (fchownat(dst, name, sb->st_uid, sb->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
        }
        return 0;
}

static int copy_tree(int src, int dst, int depth)
{
        cleanup_closedir DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (depth > 256)
                return -ELOOP;
        fd = fcntl(src, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (d == NULL) {
                close(fd);
                return -errno;
        }
        while ((errno = 0, de = readdir(d)) != NULL) {
                struct stat sb;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(src, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                int r = copy_entry(src, dst, de->d_name, &sb, depth);
                if (r < 0)
                        return r;
        }
        return errno ? -errno : 0;
}

/* ---- one config mount ---- */

/* Reopen the target after mounting on it: the fd taken before the mount
 * names the covered directory, while remount/propagation changes must
 * address the new mount on top. */
static int reopen_target(const struct fc_rootfs_ctx *ctx, const char *dest, fc_error_t *err)
{
        return fc_rootfs_open_target(ctx->rootfs, dest, false, false, err);
}

/* Whether a tmpfs mount gives its own mode= (which wins over the mode of
 * the directory it covers: tmpfs_data). */
static bool has_mode_option(const struct fc_mount *m)
{
        for (size_t i = 0; i < m->n_options; i++)
                if (strncmp(m->options[i], "mode=", 5) == 0)
                        return true;
        return false;
}

/* Open the directory `dest` for a tmpfs to be mounted on, creating it when
 * missing; *ret_mode is the mode it had, NO_MODE when it was created or
 * when the mount's own mode= makes it irrelevant (`mode_given`). */
#define NO_MODE ((mode_t) -1)
static int open_tmpfs_target(const struct fc_rootfs_ctx *ctx, const char *dest, bool mode_given,
                             mode_t *ret_mode, fc_error_t *err)
{
        fc_error_t e = FC_ERROR_INIT;
        struct stat sb;

        *ret_mode = NO_MODE;
        if (mode_given)
                return fc_rootfs_open_target(ctx->rootfs, dest, true, false, err);
        int fd = fc_rootfs_open_target(ctx->rootfs, dest, false, false, &e);

        fc_error_clear(&e);
        if (fd >= 0 && fstat(fd, &sb) == 0) {
                *ret_mode = sb.st_mode & 07777;
                return fd;
        }
        if (fd >= 0)
                close(fd);
        return fc_rootfs_open_target(ctx->rootfs, dest, true, false, err);
}

/* As runc (1.1.8 and later), a tmpfs on a directory that existed starts
 * with that directory's mode: "mode=" of it goes before the mount's own
 * options, so a mode= there still wins.  *ret is NULL when nothing is
 * added. */
static int tmpfs_data(mode_t mode, const char *data, char **ret, fc_error_t *err)
{
        *ret = NULL;
        if (mode == NO_MODE)
                return 0;
        int n = data && data[0] ? asprintf(ret, "mode=%04o,%s", (unsigned) mode, data)
                                : asprintf(ret, "mode=%04o", (unsigned) mode);
        if (n < 0) {
                *ret = NULL;
                return fc_error_set(err, -ENOMEM, "out of memory");
        }
        return 0;
}

static int post_mount(const struct fc_rootfs_ctx *ctx, const struct fc_mount *m,
                      const struct fc_mount_plan *plan, bool remount, fc_error_t *err)
{
        cleanup_close int fd = -1;
        char target[FD_PATH_MAX];

        if (!remount && plan->propagation == 0 && plan->attr_set == 0 && plan->attr_clr == 0)
                return 0;
        fd = reopen_target(ctx, m->destination, err);
        if (fd < 0)
                return fd;
        fc_mount_fd_path(fd, target, sizeof(target));
        if (remount &&
            fc_mount_bind_remount(target, m->destination, plan->flags, plan->clear_flags, err) < 0)
                return err->status;
        if (plan->propagation != 0 && mount(NULL, target, NULL, plan->propagation, NULL) < 0)
                return fc_error_setm(err, -errno, "set propagation of %s", m->destination);
        return fc_mount_setattr_recursive(target, m->destination, plan->attr_set, plan->attr_clr,
                                          err);
}

/* After a mount on the rootfs itself (a destination that resolves to
 * "/"), the held rootfs fd names the covered directory: open it again, for
 * the re-opens that follow and the next mounts. */
static void rehold_if_root(const struct fc_rootfs_ctx *ctx, const char *resolved)
{
        if (strcmp(resolved, "/") == 0)
                fc_rootfs_hold_root(ctx->rootfs);
}

static int mount_bind(const struct fc_rootfs_ctx *ctx, const struct fc_mount *m,
                      const struct fc_mount_plan *plan, int idmap_fd, fc_error_t *err)
{
        cleanup_close int fd = -1;
        cleanup_free char *resolved = NULL;
        char target[FD_PATH_MAX];
        struct stat sb;

        if (m->source == NULL)
                return fc_error_set(err, -EINVAL, "mount %s: bind mount needs a source",
                                    m->destination);
        if (stat(m->source, &sb) < 0)
                return fc_error_setm(err, -errno, "bind mount source %s", m->source);
        fd = fc_rootfs_open_target(ctx->rootfs, m->destination, true, !S_ISDIR(sb.st_mode), err);
        if (fd < 0)
                return fd;
        resolved = container_path_of(fd, ctx->rootfs);
        if (resolved == NULL)
                return fc_error_set(err, -EXDEV, "mount %s: target resolves outside the rootfs",
                                    m->destination);
        if (check_proc_dest(m, resolved, err) < 0)
                return err->status;
        if (idmap_fd >= 0) {
                if (fc_idmap_attach(idmap_fd, fd, m->destination, err) < 0)
                        return err->status;
        } else if (mount(m->source, fc_mount_fd_path(fd, target, sizeof(target)), NULL,
                         MS_BIND | (plan->recursive ? MS_REC : 0), NULL) < 0) {
                return fc_error_setm(err, -errno, "bind mount %s on %s", m->source, m->destination);
        }
        rehold_if_root(ctx, resolved);
        return post_mount(ctx, m, plan, plan->needs_remount, err);
}

/* Kernels from 6.8 list a namespace's mounts in the order they were
 * made: a tree the cache made would come first in mountinfo, not where the
 * config's entry puts it.  A copy made now comes in place, but only the
 * namespace that detached a tree may copy it: so the tree is first moved
 * into ours, onto `park` (the cache's empty directory, in the old root,
 * whose detach at pivot takes it along), and copied from there.  On any
 * failure *tree is left as it was, to be moved in as it is. */
static void park_tree(const char *park, int *tree)
{
        if (park == NULL ||
            fc_sys_move_mount(*tree, "", AT_FDCWD, park, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return;
        int copy = fc_sys_open_tree(
                *tree, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
        if (copy < 0)
                return; /* moved from the park instead */
        close(*tree);
        *tree = copy;
}

static int mount_cgroup(const struct fc_rootfs_ctx *ctx, const struct fc_mount *m,
                        const struct fc_mount_plan *plan, fc_error_t *err)
{
        cleanup_close int fd = fc_rootfs_open_target(ctx->rootfs, m->destination, true, false, err);
        cleanup_free char *host = NULL;

        if (fd < 0)
                return fd;
        if (ctx->before_cgroup && ctx->before_cgroup(ctx->before_cgroup_data, err) < 0)
                return err->status;
        if (ctx->cgroup == NULL)
                return fc_error_set(err, -EINVAL, "mount %s on %s: no cgroup for the container",
                                    m->type, m->destination);
        host = host_path_of(fd);
        if (host == NULL)
                return fc_error_setm(err, -errno, "resolve %s", m->destination);
        if (ctx->cgtree_fd != NULL && *ctx->cgtree_fd >= 0 && ctx->cgtree_ok != NULL &&
            *ctx->cgtree_ok && !ctx->cgroupns &&
            (plan->flags & FC_CGROUP_MOUNT_FLAGS) == ctx->cgtree_flags) {
                /* The cache's tree of what fc_cgroup_mount would build here
                 * (fc_cgroup_v1_bind_tree over our directories): moved in
                 * whole.  Once only. */
                int tree = *ctx->cgtree_fd;
                *ctx->cgtree_fd = -1;
                park_tree(ctx->cgtree_park, &tree);
                int r = fc_sys_move_mount(tree, "", AT_FDCWD, host, MOVE_MOUNT_F_EMPTY_PATH);
                close(tree);
                if (r == 0 && ctx->trees_used != NULL)
                        *ctx->trees_used |= FC_PART_CGTREE;
                /* A part that cannot be used is a miss: the cold path. */
                if (r < 0 &&
                    fc_cgroup_mount(ctx->cgroup, host, plan->flags, ctx->cgroupns, err) < 0)
                        return err->status;
        } else if (fc_cgroup_mount(ctx->cgroup, host, plan->flags, ctx->cgroupns, err) < 0) {
                return err->status;
        }
        if (strcmp(host, ctx->rootfs) == 0)
                fc_rootfs_hold_root(ctx->rootfs);
        return post_mount(ctx, m, plan, false, err);
}

static int mount_fs(const struct fc_rootfs_ctx *ctx, const struct fc_mount *m,
                    const struct fc_mount_plan *plan, fc_error_t *err)
{
        const char *type = m->type ? m->type : "none";
        cleanup_close int fd = -1, below = -1;
        cleanup_free char *resolved = NULL;
        char target[FD_PATH_MAX];
        unsigned long flags = plan->flags;
        bool tmpfs = str_eq(m->type, "tmpfs");
        bool copyup = plan->tmpcopyup && tmpfs;
        mode_t mode = NO_MODE;

        if ((str_eq(m->type, "proc") || str_eq(m->type, "sysfs")) &&
            check_plain_dir(ctx, m, err) < 0)
                return err->status;
        if (tmpfs)
                fd = open_tmpfs_target(ctx, m->destination, has_mode_option(m), &mode, err);
        else
                fd = fc_rootfs_open_target(ctx->rootfs, m->destination, true, false, err);
        if (fd < 0)
                return fd;
        resolved = container_path_of(fd, ctx->rootfs);
        if (resolved == NULL)
                return fc_error_set(err, -EXDEV, "mount %s: target resolves outside the rootfs",
                                    m->destination);
        fc_mount_fd_path(fd, target, sizeof(target));
        /* As runc, a tmpfs and /dev are mounted writable and made
         * read-only (the mount, not the filesystem) in finish, after the
         * mode, tmpcopyup's content, the /dev nodes, the mounts below and
         * the cwd. */
        if ((flags & MS_RDONLY) && (tmpfs || strcmp(resolved, "/dev") == 0))
                flags &= ~MS_RDONLY;
        if (copyup) {
                below = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (below < 0)
                        return fc_error_setm(err, -errno, "tmpcopyup: open %s", m->destination);
        }
        cleanup_free char *data = NULL;
        if (tmpfs && tmpfs_data(mode, plan->data, &data, err) < 0)
                return err->status;
        if (mount(m->source ? m->source : type, target, type, flags, data ? data : plan->data) < 0)
                return fc_error_setm(err, -errno, "mount %s on %s", type, m->destination);
        rehold_if_root(ctx, resolved);
        if (copyup) {
                cleanup_close int top = reopen_target(ctx, m->destination, err);
                cleanup_close int dir = -1;
                int r;

                if (top < 0)
                        return top;
                dir = open(fc_mount_fd_path(top, target, sizeof(target)),
                           O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir < 0)
                        return fc_error_setm(err, -errno, "tmpcopyup: open %s", m->destination);
                r = copy_tree(below, dir, 0);
                if (r < 0)
                        return fc_error_setm(err, r, "tmpcopyup: copy into %s", m->destination);
        }
        return post_mount(ctx, m, plan, false, err);
}

static int mount_entry(const struct fc_rootfs_ctx *ctx, const struct fc_mount *m, size_t i,
                       fc_error_t *err)
{
        struct fc_mount_plan plan;
        int r;

        if (m->destination == NULL || m->destination[0] == '\0')
                return fc_error_set(err, -EINVAL, "mounts[%zu]: destination is empty", i);
        if (fc_mount_plan_from_entry(m, &plan, err) < 0)
                return err->status;
        if (plan.idmap && (ctx->idmap_fds == NULL || ctx->idmap_fds[i] < 0))
                r = fc_error_set(err, -EINVAL, "mount %s: id-mapped mount was not prepared",
                                 m->destination);
        else if (plan.bind)
                r = mount_bind(ctx, m, &plan, plan.idmap ? ctx->idmap_fds[i] : -1, err);
        else if (str_eq(m->type, "cgroup") || str_eq(m->type, "cgroup2"))
                r = mount_cgroup(ctx, m, &plan, err);
        else
                r = mount_fs(ctx, m, &plan, err);
        fc_mount_plan_clear(&plan);
        return r;
}

/* ---- prepare ---- */

static int root_propagation(const struct fc_rootfs_ctx *ctx, unsigned long *ret, bool *ret_set,
                            fc_error_t *err)
{
        const char *name = ctx->cfg->linux_ ? ctx->cfg->linux_->rootfs_propagation : NULL;

        *ret_set = name != NULL && name[0] != '\0';
        return fc_mount_propagation_from_name(name, ret, err);
}

/* The mount point of the mount that holds `path`: the nearest ancestor
 * (or itself) that statx() marks as a mount root. */
static char *mount_point_of(const char *path)
{
        char *p = strdup(path);
        if (p == NULL)
                return NULL;
        for (;;) {
                struct statx sx;
                if (fc_sys_statx(AT_FDCWD, p, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0) {
                        free(p);
                        return NULL;
                }
                if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) {
                        /* A kernel older than 5.8: no way to tell here. */
                        free(p);
                        errno = EOPNOTSUPP;
                        return NULL;
                }
                if ((sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) || strcmp(p, "/") == 0)
                        return p;
                char *slash = strrchr(p, '/');
                if (slash == p)
                        slash[1] = '\0';
                else
                        *slash = '\0';
        }
}

/* pivot_root(2) refuses a new root whose parent mount is shared; runc
 * makes that parent private (it is in our own mount namespace). */
static int make_parent_private(const char *rootfs, fc_error_t *err)
{
        cleanup_free char *parent = NULL, *mp = NULL;
        char *slash;

        parent = strdup(rootfs);
        if (parent == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        slash = strrchr(parent, '/');
        if (slash == parent)
                slash[1] = '\0';
        else if (slash)
                *slash = '\0';
        mp = mount_point_of(parent);
        if (mp == NULL)
                return fc_error_setm(err, -errno, "find the mount point of %s", parent);
        if (mount(NULL, mp, NULL, MS_PRIVATE, NULL) < 0)
                return fc_error_setm(err, -errno, "make %s private", mp);
        return 0;
}

/* runc does not create the default nodes when /dev is a bind mount. */
static bool dev_is_bind(const struct fc_config *cfg)
{
        for (size_t i = 0; i < cfg->n_mounts; i++) {
                const struct fc_mount *m = &cfg->mounts[i];
                struct fc_mount_plan plan;
                fc_error_t e = FC_ERROR_INIT;
                bool bind;

                if (m->destination == NULL || !path_is(m->destination, "/dev"))
                        continue;
                if (fc_mount_plan_from_entry(m, &plan, &e) < 0) {
                        fc_error_clear(&e);
                        continue;
                }
                bind = plan.bind;
                fc_mount_plan_clear(&plan);
                if (bind)
                        return true;
        }
        return false;
}

/* The cache's /dev tree (FC_PART_DEVTREE) for the config's mounts
 * [devtree_first, +devtree_n) and the device nodes, moved onto the rootfs's
 * /dev; whether it was.  One that cannot be is a miss (the cold path
 * mounts and makes the nodes).  Once only. */
static bool attach_dev_tree(const struct fc_rootfs_ctx *ctx)
{
        int tree = *ctx->devtree_fd;
        *ctx->devtree_fd = -1;
        fc_error_t e = FC_ERROR_INIT;
        mode_t mode;
        cleanup_close int fd = open_tmpfs_target(
                ctx, "/dev", has_mode_option(&ctx->cfg->mounts[ctx->devtree_first]), &mode, &e);
        char root[FD_PATH_MAX];
        int r = -1;
        if (fd >= 0) {
                park_tree(ctx->cgtree_park, &tree);
                /* Without a mode= of its own, the mode of the /dev it
                 * covers (tmpfs_data): set on the tree's root before it is
                 * attached. */
                if (mode == NO_MODE || chmod(fc_mount_fd_path(tree, root, sizeof(root)), mode) == 0)
                        r = fc_sys_move_mount(tree, "", fd, "",
                                              MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
        }
        fc_error_clear(&e);
        close(tree);
        if (r == 0 && ctx->trees_used != NULL)
                *ctx->trees_used |= FC_PART_DEVTREE;
        return r == 0;
}

/* The cache's /proc tree (FC_PART_PROCTREE) for config mount m (the proc
 * mount): the checks of the cold path's mount_fs, then a bind of the tree's
 * top alone (its procfs, for our pid namespace) onto the rootfs's /proc,
 * made now: mountinfo lists mounts in the order they were made.  The tree
 * stays with the init: finish binds its masks, each where the cold path
 * would make it (proc_tree_path).  0 when it was; 1 when it could not be
 * (a miss: the cold path mounts proc, in the same pid namespace, and makes
 * the masks); < 0 on the cold path's own errors.  Once only. */
static int attach_proc_tree(const struct fc_rootfs_ctx *ctx, const struct fc_mount *m,
                            fc_error_t *err)
{
        if (check_plain_dir(ctx, m, err) < 0)
                return err->status;
        cleanup_close int fd = fc_rootfs_open_target(ctx->rootfs, m->destination, true, false, err);
        if (fd < 0)
                return fd;
        cleanup_free char *resolved = container_path_of(fd, ctx->rootfs);
        char tree[FD_PATH_MAX], target[FD_PATH_MAX];
        /* A bind from a tree another process detached: Linux 6.15. */
        if (resolved == NULL || strcmp(resolved, "/proc") != 0 ||
            mount(fc_mount_fd_path(*ctx->proctree_fd, tree, sizeof(tree)),
                  fc_mount_fd_path(fd, target, sizeof(target)), NULL, MS_BIND, NULL) < 0) {
                close(*ctx->proctree_fd);
                *ctx->proctree_fd = -1;
                return 1;
        }
        if (ctx->trees_used != NULL)
                *ctx->trees_used |= FC_PART_PROCTREE;
        return 0;
}

/* A read-only or masked path under /proc from the cache's tree: a bind of
 * what the tree has mounted there (read-only, or the mask), made now, in
 * the cold path's order, with that mount's flags.  Only where the tree has
 * a mount: anything else is the cold path's.  The path is one
 * fc_proctree_key took: plain, in our own procfs (no other mount at or
 * below /proc), not through a link (self, net, a pid: refused), not below
 * /proc/sys (looked up per namespace).  0 when done or when it does not
 * exist (the cold path skips it), 1 for the cold path, < 0 on an error.  The tree is
 * reached from its fd, not through "/proc/self/fd/N/...": that path walks
 * five more components (self, the pid, fd, N) each time, about 2 us.  The
 * bind's source is taken relative to the tree, made the working directory
 * for the call (the finish runs in "/", after the pivot). */
static int proc_tree_path(const struct fc_rootfs_ctx *ctx, const char *path, fc_error_t *err)
{
        const char *rel = path + strlen("/proc/");
        struct statx sx;
        if (fc_sys_statx(*ctx->proctree_fd, rel, 0, 0, &sx) < 0)
                return errno == ENOENT ? 0 : 1;
        if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
            !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
                return 1;
        if (fchdir(*ctx->proctree_fd) < 0)
                return 1;
        int r = mount(rel, path, NULL, MS_BIND, NULL);
        if (chdir("/") < 0)
                return fc_error_setm(err, -errno, "chdir /");
        return r == 0 ? 0 : 1;
}

int fc_rootfs_prepare(const struct fc_rootfs_ctx *ctx, fc_error_t *err)
{
        unsigned long prop;
        bool explicit_prop;

        if (ctx->cfg == NULL || ctx->rootfs == NULL || ctx->rootfs[0] != '/')
                return fc_error_set(err, -EINVAL, "rootfs: an absolute root path is required");
        if (root_propagation(ctx, &prop, &explicit_prop, err) < 0)
                return err->status;
        /* Nothing the container mounts may reach the host unless asked
         * for (rootfsPropagation "shared"): "/" becomes a recursive slave
         * by default, as with runc. */
        if (mount(NULL, "/", NULL, MS_REC | prop, NULL) < 0)
                return fc_error_setm(err, -errno, "set propagation of /");
        if ((prop & MS_SHARED) && make_parent_private(ctx->rootfs, err) < 0)
                return err->status;
        if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return fc_error_setm(err, -errno, "bind mount rootfs %s", ctx->rootfs);

        /* Held from the bind on (a config mount on "/" itself opens it
         * again: rehold_if_root). */
        fc_rootfs_hold_root(ctx->rootfs);
        int r = 0;
        bool dev_made = false;
        for (size_t i = 0; i < ctx->cfg->n_mounts && r == 0; i++) {
                if (ctx->before_mount && !str_eq(ctx->cfg->mounts[i].type, "proc") &&
                    (r = ctx->before_mount(ctx->before_mount_data, err)) < 0)
                        break;
                if (ctx->devtree_fd != NULL && *ctx->devtree_fd >= 0 && i == ctx->devtree_first &&
                    attach_dev_tree(ctx)) {
                        /* Its mounts and the nodes are in the tree. */
                        dev_made = true;
                        i += ctx->devtree_n - 1;
                        continue;
                }
                if (ctx->proctree_fd != NULL && *ctx->proctree_fd >= 0 &&
                    i == ctx->proctree_index &&
                    (r = attach_proc_tree(ctx, &ctx->cfg->mounts[i], err)) <= 0)
                        continue;
                r = mount_entry(ctx, &ctx->cfg->mounts[i], i, err);
        }
        if (r == 0 && ctx->before_mount)
                r = ctx->before_mount(ctx->before_mount_data, err);
        if (r == 0 && !dev_made)
                r = fc_devices_setup(ctx->rootfs, ctx->cfg, !dev_is_bind(ctx->cfg), ctx->new_userns,
                                     err);
        fc_rootfs_release_root();
        return r;
}

int fc_rootfs_build_dev(const char *rootfs, const struct fc_config *cfg, fc_error_t *err)
{
        const struct fc_rootfs_ctx ctx = {.cfg = cfg, .rootfs = rootfs};
        int r = 0;

        fc_rootfs_hold_root(rootfs);
        for (size_t i = 0; i < cfg->n_mounts && r == 0; i++)
                r = mount_entry(&ctx, &cfg->mounts[i], i, err);
        if (r == 0)
                r = fc_devices_setup(rootfs, cfg, true, false, err);
        fc_rootfs_release_root();
        return r;
}

/* ---- pivot ---- */

int fc_rootfs_pivot(const struct fc_rootfs_ctx *ctx, fc_error_t *err)
{
        unsigned long prop;
        bool explicit_prop;

        if (chdir(ctx->rootfs) < 0)
                return fc_error_setm(err, -errno, "chdir %s", ctx->rootfs);
        if (ctx->no_pivot) {
                /* runc --no-pivot: move the rootfs over "/" and chroot;
                 * for ramdisk roots where pivot_root(2) is not possible. */
                if (mount(ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                        return fc_error_setm(err, -errno, "move %s to /", ctx->rootfs);
                if (chroot(".") < 0)
                        return fc_error_setm(err, -errno, "chroot %s", ctx->rootfs);
        } else {
                if (root_propagation(ctx, &prop, &explicit_prop, err) < 0)
                        return err->status;
                /* pivot_root(2) refuses a shared new root; finish puts
                 * the requested propagation back. */
                if ((prop & MS_SHARED) && mount(NULL, ".", NULL, MS_PRIVATE, NULL) < 0)
                        return fc_error_setm(err, -errno, "make %s private", ctx->rootfs);
                /* pivot_root(".", ".") stacks the old root on top of the new
                 * one, so no put_old directory is needed in the rootfs.  The
                 * old root is then reached through a directory fd of its
                 * own: "." is still the new root to mount(2) (only umount's
                 * lookup steps onto the mount on top), and making that a
                 * recursive slave would strip the container's own mounts
                 * of a shared propagation they asked for. */
                cleanup_close int oldroot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (oldroot < 0)
                        return fc_error_setm(err, -errno, "open the old root");
                if (fc_sys_pivot_root(".", ".") < 0)
                        return fc_error_setm(err, -errno, "pivot_root %s", ctx->rootfs);
                if (fchdir(oldroot) < 0)
                        return fc_error_setm(err, -errno, "enter the old root");
                /* A slave first, so detaching it does not propagate the
                 * unmounts to the host's peers. */
                if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                        return fc_error_setm(err, -errno, "make the old root a slave");
                if (umount2(".", MNT_DETACH) < 0)
                        return fc_error_setm(err, -errno, "unmount the old root");
        }
        if (chdir("/") < 0)
                return fc_error_setm(err, -errno, "chdir /");
        return 0;
}

/* ---- finish ---- */

/* Open a container path after pivot; *ret_fd is -1 (and no error) when it
 * does not exist, which masked/readonly paths ignore as runc does. */
static int open_existing(const char *path, int *ret_fd, fc_error_t *err)
{
        fc_error_t e = FC_ERROR_INIT;
        int fd = fc_rootfs_open_target("/", path, false, false, &e);

        if (fd >= 0) {
                *ret_fd = fd;
                return 0;
        }
        *ret_fd = -1;
        if (e.status == -ENOENT) {
                fc_error_clear(&e);
                return 0;
        }
        fc_error_append(err, &e);
        return err->status;
}

static int readonly_path(const char *path, fc_error_t *err)
{
        cleanup_close int fd = -1, top = -1;
        char target[FD_PATH_MAX];

        if (open_existing(path, &fd, err) < 0)
                return err->status;
        if (fd < 0)
                return 0;
        fc_mount_fd_path(fd, target, sizeof(target));
        if (mount(target, target, NULL, MS_BIND | MS_REC, NULL) < 0)
                return fc_error_setm(err, -errno, "bind mount %s read-only", path);
        if (open_existing(path, &top, err) < 0)
                return err->status;
        if (top < 0)
                return fc_error_set(err, -ENOENT, "%s vanished", path);
        return fc_mount_bind_remount(fc_mount_fd_path(top, target, sizeof(target)), path, MS_RDONLY,
                                     0, err);
}

/* The source of every masking bind: the container's /dev/null, checked to
 * be the null device itself (opened without following a last symlink, and
 * then bound through that fd).  A rootfs whose /dev/null is a symlink (to
 * /proc/sys/kernel/core_pattern, say) or some other file would otherwise
 * have us bind what it names over the masked paths, exposing instead of
 * hiding (CVE-2025-31133).  Opened on first use: a rootfs without it is
 * fine as long as nothing needs masking. */
static int null_source(int *null_fd, char *buf, size_t size, fc_error_t *err)
{
        struct stat sb;

        if (*null_fd < 0) {
                int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return fc_error_setm(err, -errno, "open /dev/null to mask paths");
                if (fstat(fd, &sb) < 0 || !S_ISCHR(sb.st_mode) || sb.st_rdev != makedev(1, 3)) {
                        close(fd);
                        return fc_error_set(err, -EINVAL,
                                            "/dev/null is not the null device: refusing to mask "
                                            "paths with it");
                }
                *null_fd = fd;
        }
        fc_mount_fd_path(*null_fd, buf, size);
        return 0;
}

static int mask_path(const char *path, const char *mount_label, int *null_fd, fc_error_t *err)
{
        cleanup_close int fd = -1;
        char target[FD_PATH_MAX], null_path[FD_PATH_MAX];
        struct stat sb;

        if (open_existing(path, &fd, err) < 0)
                return err->status;
        if (fd < 0)
                return 0;
        if (fstat(fd, &sb) < 0)
                return fc_error_setm(err, -errno, "stat %s", path);
        fc_mount_fd_path(fd, target, sizeof(target));
        if (S_ISDIR(sb.st_mode)) {
                cleanup_free char *data = NULL;
                if (mount_label && mount_label[0] &&
                    asprintf(&data, "context=\"%s\"", mount_label) < 0)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                if (mount("tmpfs", target, "tmpfs", MS_RDONLY, data) < 0)
                        return fc_error_setm(err, -errno, "mask %s", path);
        } else if (null_source(null_fd, null_path, sizeof(null_path), err) < 0) {
                return err->status;
        } else if (mount(null_path, target, NULL, MS_BIND, NULL) < 0) {
                return fc_error_setm(err, -errno, "mask %s", path);
        }
        return 0;
}

static int finish_paths(const struct fc_rootfs_ctx *ctx, fc_error_t *err);

int fc_rootfs_finish(const struct fc_rootfs_ctx *ctx, fc_error_t *err)
{
        /* The masked and read-only paths are under "/", which nothing
         * here mounts on until they are done. */
        fc_rootfs_hold_root("/");
        int r = finish_paths(ctx, err);
        fc_rootfs_release_root();
        return r;
}

static int finish_paths(const struct fc_rootfs_ctx *ctx, fc_error_t *err)
{
        const struct fc_linux *l = ctx->cfg->linux_;
        unsigned long prop;
        bool explicit_prop;

        /* runc's order (finalizeRootfs, then the paths): /dev and every
         * tmpfs, mounted writable (mount_fs), become read-only now - the
         * mount, not the filesystem - and so does "/"; then the read-only
         * and masked paths (a mask may hide such a tmpfs). */
        for (size_t i = 0; i < ctx->cfg->n_mounts; i++) {
                const struct fc_mount *m = &ctx->cfg->mounts[i];
                struct fc_mount_plan plan;
                char target[FD_PATH_MAX];
                bool ro;

                if (m->destination == NULL ||
                    !(path_is(m->destination, "/dev") || str_eq(m->type, "tmpfs")))
                        continue;
                if (fc_mount_plan_from_entry(m, &plan, err) < 0)
                        return err->status;
                ro = !plan.bind && (plan.flags & MS_RDONLY);
                fc_mount_plan_clear(&plan);
                if (!ro)
                        continue;
                cleanup_close int fd =
                        fc_rootfs_open_target("/", m->destination, false, false, err);
                if (fd < 0)
                        return fd;
                if (fc_mount_bind_remount(fc_mount_fd_path(fd, target, sizeof(target)),
                                          m->destination, MS_RDONLY, 0, err) < 0)
                        return err->status;
        }

        if (ctx->cfg->root && ctx->cfg->root->readonly &&
            fc_mount_bind_remount("/", "/", MS_RDONLY, 0, err) < 0)
                return err->status;

        /* runc's order: read-only paths, then masked ones (a masked file
         * inside a read-only directory still gets masked).  Those under
         * /proc are in the cache's tree when it was moved in. */
        bool in_tree = ctx->trees_used != NULL && (*ctx->trees_used & FC_PART_PROCTREE) &&
                       ctx->proctree_fd != NULL && *ctx->proctree_fd >= 0;
        for (size_t i = 0; l && i < l->n_readonly_paths; i++) {
                const char *p = l->readonly_paths[i];
                int t = in_tree && fc_proctree_covers(p) ? proc_tree_path(ctx, p, err) : 1;
                if (t < 0)
                        return err->status;
                if (t == 0)
                        continue;
                if (readonly_path(p, err) < 0)
                        return err->status;
        }
        cleanup_close int null_fd = -1;
        for (size_t i = 0; l && i < l->n_masked_paths; i++) {
                const char *p = l->masked_paths[i];
                int t = in_tree && fc_proctree_covers(p) ? proc_tree_path(ctx, p, err) : 1;
                if (t < 0)
                        return err->status;
                if (t == 0)
                        continue;
                if (mask_path(p, l->mount_label, &null_fd, err) < 0)
                        return err->status;
        }

        if (root_propagation(ctx, &prop, &explicit_prop, err) < 0)
                return err->status;
        if (explicit_prop && mount(NULL, "/", NULL, prop, NULL) < 0)
                return fc_error_setm(err, -errno, "set propagation of / (rootfsPropagation)");
        return 0;
}
