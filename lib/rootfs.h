/* SPDX-License-Identifier: Apache-2.0
 *
 * The container's filesystem view: mounts, /dev, pivot_root, masked and
 * read-only paths.  These run in the container's init (the cloned child),
 * inside its new mount namespace, in this order:
 *
 *   fc_rootfs_prepare()   before the createContainer hooks
 *   fc_rootfs_pivot()     after them
 *   fc_rootfs_finish()    after pivot: masked/readonly paths, root readonly
 *
 * Plans first (STYLE.md §4): option strings are turned into plain data by
 * fc_mount_plan_*() (unit-tested without root), then executed.
 * Nothing here prints or exits.
 */
#ifndef FC_ROOTFS_H
#define FC_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/cgroup/cgroup.h"
#include "lib/error.h"
#include "oci-spec/config.h"

struct fc_rootfs_ctx {
        const struct fc_config *cfg;
        const char *rootfs;             /* absolute, canonical host path of root.path */
        bool no_pivot;                  /* --no-pivot */
        const struct fc_cgroup *cgroup; /* for mounts of type "cgroup" */
        bool cgroupns;                  /* a new cgroup namespace was created */
        bool new_userns;                /* devices must be bind-mounted (later issue) */
        /* Called before a mount of type cgroup/cgroup2 (the init waits
         * there until it is in its cgroup); NULL: nothing to wait for. */
        int (*before_cgroup)(void *data, fc_error_t *err);
        void *before_cgroup_data;
        /* Called before each config mount but a proc one, and before the
         * device nodes (the parts of an early init arrive there: its
         * namespaces, *cgtree_fd, *devtree_fd); NULL: nothing to wait for. */
        int (*before_mount)(void *data, fc_error_t *err);
        void *before_mount_data;
        /* Per config mount, the detached id-mapped tree the runtime made
         * (lib/idmap.h), or -1; NULL when no mount is id-mapped. */
        const int *idmap_fds;
        /* A ready cgroup v1 tree for the first cgroup mount whose flags are
         * cgtree_flags (lib/init.h); *cgtree_fd is -1 when none, and after
         * it is used.  cgtree_ok: whether it may be used (set by
         * before_cgroup). */
        int *cgtree_fd;
        unsigned long cgtree_flags;
        const bool *cgtree_ok;
        const char *cgtree_park; /* an empty directory outside the rootfs, or NULL */
        /* A ready /dev (the cache's FC_PART_DEVTREE) standing in for config
         * mounts [devtree_first, +devtree_n) and the device nodes; *devtree_fd
         * is -1 when none, and after it is used.  Parked as a cgroup tree. */
        int *devtree_fd;
        size_t devtree_first, devtree_n;
        /* A ready /proc (the cache's FC_PART_PROCTREE, lib/parts/devpool.h)
         * for config mount proctree_index, the masked and read-only paths
         * under /proc applied; *proctree_fd is -1 when none.  Prepare moves
         * a copy of its proc mount in, finish copies of its masks (each
         * made where the cold path makes it); the caller closes it after
         * finish.  NULL: none. */
        int *proctree_fd;
        size_t proctree_index;
        /* Where to note the trees moved in (FC_PART_CGTREE, FC_PART_DEVTREE,
         * FC_PART_PROCTREE bits), or NULL. */
        unsigned *trees_used;
};

/* One mount entry turned into syscall arguments. */
struct fc_mount_plan {
        unsigned long flags;       /* MS_* for mount(2) */
        unsigned long propagation; /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE (+MS_REC), 0 */
        unsigned long clear_flags; /* MS_* explicitly turned off ("rw", "suid", ...) for remount */
        char *data;                /* comma-joined fs-specific options, NULL when none */
        bool bind;                 /* bind or rbind */
        bool recursive;            /* rbind */
        bool tmpcopyup;            /* crun/runc "tmpcopyup" */
        bool needs_remount;        /* bind with flags that need MS_REMOUNT|MS_BIND */
        /* runc's recursive options ("rro", "rnosuid", ...): MOUNT_ATTR_* for
         * mount_setattr(AT_RECURSIVE) after the mount; 0/0 when none. */
        unsigned int attr_set;
        unsigned int attr_clr;
        /* An id-mapped bind mount (uidMappings/gidMappings, "idmap",
         * "ridmap"); recursive ("ridmap") maps the submounts of an rbind
         * too.  See lib/idmap.h. */
        bool idmap;
        bool idmap_recursive;
};

/* Parse a mount entry's options (libmount) into *ret.  Unknown options
 * become fs data, as runc passes them through.  Fills *err naming the
 * option on a malformed one. */
int fc_mount_plan_from_entry(const struct fc_mount *m, struct fc_mount_plan *ret, fc_error_t *err);
void fc_mount_plan_clear(struct fc_mount_plan *p);

/* rootfsPropagation string -> MS_* flags (MS_REC|MS_SLAVE default, as runc). */
int fc_mount_propagation_from_name(const char *name, unsigned long *ret, fc_error_t *err);

/* Resolve `path` (absolute in the container's view) inside `rootfs`,
 * following symlinks as if `rootfs` were "/" (never leaving it), creating
 * missing components as directories (or the last one as a file when
 * `last_is_file`).  Returns an O_PATH fd of the result; the caller mounts
 * onto "/proc/self/fd/N" so a symlink swapped in later cannot redirect it. */
int fc_rootfs_open_target(const char *rootfs, const char *path, bool create, bool last_is_file,
                          fc_error_t *err);

/* Keep `rootfs` open for the fc_rootfs_open_target calls that name it (a
 * path open and close less each), until released.  Only where nothing is
 * mounted on `rootfs` itself meanwhile: the fd would name what is below.
 * One rootfs at a time, per process; a failed open just holds nothing. */
void fc_rootfs_hold_root(const char *rootfs);
void fc_rootfs_release_root(void);

/* Mount helpers shared by rootfs.c and devices.c.  `target` is the path
 * handed to mount(2) (normally "/proc/self/fd/N" of an fd from
 * fc_rootfs_open_target()), `dest` the container path used in messages. */

/* Remount an existing bind mount with MS_REMOUNT|MS_BIND|`flags`, keeping
 * the flags the mount already has (ro, nosuid, nodev, noexec, atime
 * settings: the kernel refuses to drop them in a user namespace, and runc
 * keeps them) except those in `clear`. */
int fc_mount_bind_remount(const char *target, const char *dest, unsigned long flags,
                          unsigned long clear, fc_error_t *err);

/* mount_setattr(AT_RECURSIVE) for runc's "rro"-style options.  A kernel
 * without mount_setattr(2) gets a clear error, never a silent skip. */
int fc_mount_setattr_recursive(const char *target, const char *dest, unsigned int attr_set,
                               unsigned int attr_clr, fc_error_t *err);

/* The MOUNT_ATTR_* bits (mount_setattr(2), fsmount(2)) of the per-mount
 * MS_* flags in `flags`: read-only, nosuid, nodev, noexec, nodiratime and
 * the atime mode (relatime, 0, when neither noatime nor strictatime). */
unsigned int fc_mount_attr_from_flags(unsigned long flags);

/* "/proc/self/fd/N" for mounting onto an O_PATH fd.  `buf` >= 32 bytes. */
const char *fc_mount_fd_path(int fd, char *buf, size_t size);

int fc_rootfs_prepare(const struct fc_rootfs_ctx *ctx, fc_error_t *err);
/* Under `rootfs`, what fc_rootfs_prepare makes of cfg's mounts (all of
 * them /dev and below) and device nodes (the defaults too): the parts
 * cache's /dev trees are built with it, so that they cannot differ. */
int fc_rootfs_build_dev(const char *rootfs, const struct fc_config *cfg, fc_error_t *err);
int fc_rootfs_pivot(const struct fc_rootfs_ctx *ctx, fc_error_t *err);
int fc_rootfs_finish(const struct fc_rootfs_ctx *ctx, fc_error_t *err);

#endif
