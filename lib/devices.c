/* SPDX-License-Identifier: Apache-2.0
 *
 * Device nodes and /dev symlinks, created the way runc lays out /dev.
 */
#include "lib/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/rootfs.h"

struct node {
        const char *path;
        mode_t type; /* S_IFCHR, S_IFBLK, S_IFIFO */
        unsigned int major, minor;
        mode_t perm;
        uid_t uid;
        gid_t gid;
};

/* runc's default device set: what every container gets in /dev. */
static const struct node default_nodes[] = {
        {"/dev/null", S_IFCHR, 1, 3, 0666, 0, 0},    {"/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0},
        {"/dev/full", S_IFCHR, 1, 7, 0666, 0, 0},    {"/dev/random", S_IFCHR, 1, 8, 0666, 0, 0},
        {"/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0}, {"/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0},
};

/* Split "/a/b/c" into a freshly allocated "/a/b" and a pointer to "c". */
static int split_path(const char *path, char **ret_dir, const char **ret_base)
{
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;

        if (path[0] != '/' || *base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
                return -EINVAL;
        *ret_dir = strndup(path, (size_t) (slash - path) + 1);
        if (*ret_dir == NULL)
                return -ENOMEM;
        *ret_base = base;
        return 0;
}

/* Bind the host's node at the same path over an empty file: what runc does
 * where mknod(2) is not allowed (user namespaces). */
static int bind_host_node(int dirfd, const char *base, const struct node *n, fc_error_t *err)
{
        cleanup_close int fd = -1;
        struct stat sb;
        char buf[64];

        if (mknodat(dirfd, base, S_IFREG | 0644, 0) < 0 && errno != EEXIST)
                return fc_error_setm(err, -errno, "create %s", n->path);
        fd = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return fc_error_setm(err, -errno, "open %s", n->path);
        if (fstat(fd, &sb) < 0)
                return fc_error_setm(err, -errno, "stat %s", n->path);
        if (S_ISLNK(sb.st_mode) || S_ISDIR(sb.st_mode))
                return fc_error_set(err, -EINVAL, "device %s: target is not a file", n->path);
        if (mount(n->path, fc_mount_fd_path(fd, buf, sizeof(buf)), NULL, MS_BIND, NULL) < 0)
                return fc_error_setm(err, -errno, "bind mount %s", n->path);
        return 0;
}

/* The directory the last node went into, kept open for the next one in
 * it (all of the default ones are in /dev): nothing else runs in the
 * container's mount namespace meanwhile. */
struct node_dir {
        char *path;
        int fd;
};

static void node_dir_clear(struct node_dir *d)
{
        free(d->path);
        if (d->fd >= 0)
                close(d->fd);
        d->path = NULL;
        d->fd = -1;
}

/* Called with umask 0. */
static int create_node(const char *rootfs, const struct node *n, bool bind, struct node_dir *nd,
                       fc_error_t *err)
{
        cleanup_free char *dir = NULL;
        const char *base;
        int r = split_path(n->path, &dir, &base);

        if (r < 0)
                return fc_error_set(err, r, "device path \"%s\" is not valid", n->path);
        if (nd->path == NULL || strcmp(nd->path, dir) != 0) {
                node_dir_clear(nd);
                nd->fd = fc_rootfs_open_target(rootfs, dir, true, false, err);
                if (nd->fd < 0)
                        return nd->fd;
                nd->path = steal_ptr(&dir);
        }
        int dirfd = nd->fd;
        /* A FIFO needs no privilege, so it is never bind-mounted. */
        if (!bind || n->type == S_IFIFO) {
                r = mknodat(dirfd, base, n->type | (n->perm & 07777), makedev(n->major, n->minor));
                if (r == 0) {
                        /* Made as root:root already where we are root. */
                        if ((n->uid != 0 || n->gid != 0 || geteuid() != 0 || getegid() != 0) &&
                            fchownat(dirfd, base, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
                                return fc_error_setm(err, -errno, "chown %s", n->path);
                        return 0;
                }
                if (errno == EEXIST)
                        return 0;
                if (errno != EPERM || n->type == S_IFIFO)
                        return fc_error_setm(err, -errno, "mknod %s", n->path);
        }
        return bind_host_node(dirfd, base, n, err);
}

static int node_from_config(const struct fc_device *d, size_t i, struct node *ret, fc_error_t *err)
{
        memset(ret, 0, sizeof(*ret));
        if (d->type == NULL || d->path == NULL)
                return fc_error_set(err, -EINVAL, "linux.devices[%zu]: type and path are required",
                                    i);
        if (strcmp(d->type, "c") == 0 || strcmp(d->type, "u") == 0)
                ret->type = S_IFCHR;
        else if (strcmp(d->type, "b") == 0)
                ret->type = S_IFBLK;
        else if (strcmp(d->type, "p") == 0)
                ret->type = S_IFIFO;
        else
                return fc_error_set(err, -EINVAL, "linux.devices[%zu].type: unknown type \"%s\"", i,
                                    d->type);
        if (ret->type != S_IFIFO &&
            (d->major < 0 || d->minor < 0 || d->major > 0xfff || d->minor > 0xfffff))
                return fc_error_set(err, -EINVAL,
                                    "linux.devices[%zu]: device number %lld:%lld out of range", i,
                                    (long long) d->major, (long long) d->minor);
        ret->path = d->path;
        if (ret->type != S_IFIFO) {
                ret->major = (unsigned int) d->major;
                ret->minor = (unsigned int) d->minor;
        }
        ret->perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
        ret->uid = d->has_uid ? d->uid : 0;
        ret->gid = d->has_gid ? d->gid : 0;
        return 0;
}

static int setup_symlinks(const char *rootfs, fc_error_t *err)
{
        static const struct {
                const char *target, *name;
        } links[] = {
                {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
                {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                {"/proc/kcore", "core"},
        };
        cleanup_close int devfd = fc_rootfs_open_target(rootfs, "/dev", true, false, err);

        if (devfd < 0)
                return devfd;
        for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
                /* runc only links /dev/core when the host has /proc/kcore. */
                if (strcmp(links[i].name, "core") == 0 && access("/proc/kcore", F_OK) < 0)
                        continue;
                if (symlinkat(links[i].target, devfd, links[i].name) < 0 && errno != EEXIST)
                        return fc_error_setm(err, -errno, "symlink %s -> /dev/%s", links[i].target,
                                             links[i].name);
        }
        /* The devpts instance mounted with "newinstance" has its own ptmx;
         * /dev/ptmx must point at it, not at the host's multiplexer. */
        if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
                return fc_error_setm(err, -errno, "remove /dev/ptmx");
        if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
                return fc_error_setm(err, -errno, "symlink pts/ptmx -> /dev/ptmx");
        return 0;
}

/* Whether the config's devices have one at `path`: it replaces the default
 * one there (its type, numbers, mode and owner), as with runc. */
static bool configured(const struct fc_linux *l, const char *path)
{
        for (size_t i = 0; l && i < l->n_devices; i++)
                if (l->devices[i].path != NULL && strcmp(l->devices[i].path, path) == 0)
                        return true;
        return false;
}

int fc_devices_setup(const char *rootfs, const struct fc_config *cfg, bool defaults, bool bind,
                     fc_error_t *err)
{
        const struct fc_linux *l = cfg ? cfg->linux_ : NULL;
        struct node_dir nd = {NULL, -1};
        mode_t old = umask(0);
        int r = 0;

        for (size_t i = 0;
             r >= 0 && defaults && i < sizeof(default_nodes) / sizeof(default_nodes[0]); i++)
                if (!configured(l, default_nodes[i].path))
                        r = create_node(rootfs, &default_nodes[i], bind, &nd, err);
        for (size_t i = 0; r >= 0 && l && i < l->n_devices; i++) {
                struct node n;
                r = node_from_config(&l->devices[i], i, &n, err);
                if (r >= 0)
                        r = create_node(rootfs, &n, bind, &nd, err);
        }
        umask(old);
        node_dir_clear(&nd);
        if (r < 0)
                return r;
        return defaults ? setup_symlinks(rootfs, err) : 0;
}
