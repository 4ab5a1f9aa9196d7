/* SPDX-License-Identifier: Apache-2.0
 *
 * cgroup placement behind an ops table (STYLE.md §5): v1 (legacy and
 * hybrid hosts, treated as v1 as runc treats them) and v2 (unified).  The
 * mode is detected once per process.
 *
 * Library rules: nothing here prints or exits; errors fill *err.
 */
#ifndef FC_CGROUP_H
#define FC_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "lib/error.h"
#include "oci-spec/config.h"
#include "oci-spec/events.h"

enum fc_cgroup_mode {
        FC_CGROUP_MODE_V1,     /* legacy: v1 controllers only */
        FC_CGROUP_MODE_HYBRID, /* v1 controllers + a cgroup2 mount at /sys/fs/cgroup/unified */
        FC_CGROUP_MODE_V2,     /* unified */
};

struct fc_cgroup; /* opaque */

/* Detected once, cached. */
int fc_cgroup_mode(enum fc_cgroup_mode *ret_mode, fc_error_t *err);

/* Create the container's cgroup.  `cgroups_path` is linux.cgroupsPath
 * (NULL when absent: runc's default, "<own cgroup>/<id>"); a relative path
 * is relative to the runtime's own cgroup, as runc does.  With `systemd`
 * (--systemd-cgroup) a clear error until the systemd driver exists.
 * Applies what issue 2 requires of resources: the device rules (v1:
 * devices.deny/allow incl. runc's default allow list; v2: eBPF program),
 * and refuses resources it cannot apply yet with a clear error.
 * On failure nothing is left behind. */
struct fc_cgroup *fc_cgroup_create(const char *cgroups_path, const char *id, bool systemd,
                                   const struct fc_resources *res, fc_error_t *err);

/* fc_cgroup_create() in two steps: plan (where, and whether the resources
 * can be applied; nothing is created) and make (the directories and the
 * resources; on failure nothing is left).  The runtime clones the init
 * between the two, so that the init's setup overlaps the cgroup work.
 * `mounts_file` (or NULL) keeps the cgroup mounts read from mountinfo for
 * the next plan, which uses them while no mount has changed (cgroup.c). */
/* Its name in the state root ('.': `list` skips it). */
#define FC_CGROUP_MOUNTS_FILE ".fc-cgroup-mounts"
struct fc_cgroup *fc_cgroup_plan(const char *cgroups_path, const char *id, bool systemd,
                                 const struct fc_resources *res, const char *mounts_file,
                                 fc_error_t *err);
int fc_cgroup_make(struct fc_cgroup *cg, const struct fc_resources *res, fc_error_t *err);

/* Before make: count as ours the trailing directories that do not exist
 * yet, so that a record written now lets `delete` remove what make is
 * about to create even if the runtime dies half way.  (Looked at, not
 * assumed: a leaf claimed but someone else's would be emptied by a
 * `delete` after a crash, its processes killed.) */
void fc_cgroup_claim_missing(struct fc_cgroup *cg);

/* cgroup v1 and hybrid: the key under which the parts cache pools
 * cgroups where this plan's cgroup goes - one "<mount>\t<parent>\n" line
 * per v1 hierarchy, the parent relative to the mount - or NULL when
 * nothing can be pooled for it (v2; a path too long for the protocol). */
char *fc_cgroup_pool_key(const struct fc_cgroup *cg);
#define FC_CGROUP_POOL_KEY_MAX 2048
/* Every pooled cgroup's name begins with this (hidden from `ls`, and never
 * a name a container gets). */
#define FC_CGROUP_POOL_PREFIX ".fc-pool-"

/* fc_cgroup_make, taking a pooled cgroup: `pooled` names a fresh, empty
 * directory beside the planned leaf in every v1 hierarchy of the key,
 * which is renamed to the leaf (cgroup v1 renames within a parent).  Where
 * that fails the leaf is made as usual and the pooled one removed, so a
 * stale or stolen name only costs the mkdir.  NULL: fc_cgroup_make.
 * dirs_made (if not NULL) is called once every directory exists, before
 * the limits are written: a failure there undoes the make. */
int fc_cgroup_make_from(struct fc_cgroup *cg, const struct fc_resources *res, const char *pooled,
                        int (*dirs_made)(void *data, fc_error_t *err), void *data, fc_error_t *err);

/* Remove the pooled cgroup `pooled` ("" or NULL: nothing) wherever it is
 * still there under that name: a create that leased it and failed before
 * (or while) taking it. */
void fc_cgroup_drop_pooled(const struct fc_cgroup *cg, const char *pooled);

/* Whether fc_cgroup_make_from made cg's directories from its pooled cgroup
 * in every v1 hierarchy (they are the pooled ones, renamed: what a cgroup
 * tree of the cache binds, lib/parts/parts.h). */
bool fc_cgroup_took_pooled(const struct fc_cgroup *cg);

/* Pure cgroup v2 (where clone3 can place the init in its cgroup). */
bool fc_cgroup_is_v2(const struct fc_cgroup *cg);

/* Move `pid` into the cgroup (every hierarchy on v1/hybrid). */
int fc_cgroup_enter(struct fc_cgroup *cg, pid_t pid, fc_error_t *err);

/* An O_DIRECTORY fd of the v2 cgroup for clone3(CLONE_INTO_CGROUP), or -1
 * when that does not apply (v1).  Owned by the handle. */
int fc_cgroup_v2_dirfd(struct fc_cgroup *cg);

/* Signal every process in the cgroup (kill --all); v2 uses cgroup.kill for
 * SIGKILL where available. */
int fc_cgroup_signal_all(struct fc_cgroup *cg, int sig, fc_error_t *err);

/* The pids in the cgroup (malloc'd array). */
int fc_cgroup_pids(struct fc_cgroup *cg, pid_t **ret_pids, size_t *ret_n, fc_error_t *err);

/* Remove the cgroup directories.  If processes linger, kill them, wait and
 * retry, bounded (about 1 s).  Removing an absent cgroup is success. */
int fc_cgroup_destroy(struct fc_cgroup *cg, fc_error_t *err);

/* A removal retries a cgroup that processes still hold about a second. */
#define FC_CGROUP_REMOVE_TRIES    100
#define FC_CGROUP_REMOVE_RETRY_MS 10

/* Whether no process is left in the cgroup or below it, as far as one
 * read can tell (false when it cannot). */
bool fc_cgroup_is_empty(const struct fc_cgroup *cg);

/* For removal elsewhere (the parts cache, off the caller's path): rename
 * each cgroup v1 leaf this cgroup made (and no parent with it) to
 * "<parent>/<prefix><pid>-<i>-<ns>" and forget it, so fc_cgroup_destroy
 * then removes only the rest.  *ret_paths: the new absolute paths
 * (NULL-terminated, *ret_n of them; fc_strv_free).  Renames that fail are
 * left in place for fc_cgroup_destroy. */
int fc_cgroup_retire_leaves(struct fc_cgroup *cg, const char *prefix, char ***ret_paths,
                            size_t *ret_n, fc_error_t *err);

/* Remove one cgroup directory, with the child cgroups a container may
 * have made in it.  With kill_procs, SIGKILL what still holds it (the
 * caller retries).  0 when gone (or absent), else -errno (-EBUSY while
 * processes remain). */
int fc_cgroup_remove_dir(const char *dir, bool kill_procs);

/* The same, retried as fc_cgroup_destroy does. */
int fc_cgroup_remove_dir_wait(const char *dir, fc_error_t *err);

/* Mount the cgroup filesystem inside the container as runc does: v1 a
 * tmpfs at `dest` with one read-only bind (or, with a cgroup namespace,
 * a fresh cgroup mount) per hierarchy plus the cpu,cpuacct-style symlinks;
 * v2 a cgroup2 mount.  `dest` is an absolute path already resolved
 * inside the new root (the caller guarantees no symlink escapes).
 * `flags` are the MS_* flags of the mount entry (MS_RDONLY etc.).
 * Runs in the container's mount namespace before pivot_root. */
int fc_cgroup_mount(const struct fc_cgroup *cg, const char *dest, unsigned long flags,
                    bool cgroupns, fc_error_t *err);

/* cgroup v1 without a cgroup namespace: what a container sees at `dest`
 * (a directory, made if missing): a tmpfs, in it each of the n
 * hierarchies mounted on the host at mounts[i] bound from srcs[i] under
 * its mount point's name (plus the cpu,cpuacct-style symlinks), all with
 * `flags` (MS_*; the tmpfs itself stays writable).  fc_cgroup_mount and
 * the parts cache's pooled trees (lib/parts/cgpool.c) both build it here,
 * so the two cannot differ. */
int fc_cgroup_v1_bind_tree(const char *dest, const char *const *mounts, const char *const *srcs,
                           size_t n, unsigned long flags, fc_error_t *err);

/* The mount flags fc_cgroup_mount and fc_cgroup_v1_bind_tree take from
 * a mount entry's; the rest are ignored. */
#define FC_CGROUP_MOUNT_FLAGS                                                                      \
        (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_NOATIME |                 \
         MS_STRICTATIME | MS_NODIRATIME)

/* Apply new resources to the existing cgroup (update), with the same
 * conversions as create; only the fields set in `res` are written.  v1
 * orders the memory/memsw writes so the kernel accepts a raise as well as
 * a cut.  Device rules cannot be updated (-EOPNOTSUPP). */
int fc_cgroup_update(struct fc_cgroup *cg, const struct fc_resources *res, fc_error_t *err);

/* Freeze (pause) or thaw (resume) every process of the cgroup; returns
 * once the kernel reports the state reached (bounded wait, -ETIMEDOUT and
 * thawed again if a freeze does not complete).  v1: freezer.state, v2:
 * cgroup.freeze. */
int fc_cgroup_freeze(struct fc_cgroup *cg, bool frozen, fc_error_t *err);
int fc_cgroup_is_frozen(struct fc_cgroup *cg, bool *ret_frozen, fc_error_t *err);

/* Statistics for `events` (cpu, memory, pids, blkio, hugetlb).  *ret is
 * filled (release with fc_stats_clear()); on failure it is left empty.
 * Controllers that are not there leave their part zero. */
int fc_cgroup_stats(struct fc_cgroup *cg, struct fc_stats *ret, fc_error_t *err);

/* OOM notification.  fc_cgroup_oom_open() returns a pollable fd (owned by
 * the caller; v1: an eventfd registered through cgroup.event_control for
 * memory.oom_control, v2: inotify on memory.events).  When it polls
 * readable, fc_cgroup_oom_read() drains it and gives the number of new
 * OOM events (possibly 0). */
int fc_cgroup_oom_open(struct fc_cgroup *cg, fc_error_t *err);
int fc_cgroup_oom_read(struct fc_cgroup *cg, int fd, uint64_t *ret_count, fc_error_t *err);

/* A string that stores the handle in state.json, and its inverse, so that
 * later commands (delete, kill --all) find the same cgroup. */
char *fc_cgroup_serialize(const struct fc_cgroup *cg, fc_error_t *err);
struct fc_cgroup *fc_cgroup_deserialize(const char *s, fc_error_t *err);

/* Release the handle (not the cgroup).  Accepts NULL. */
void fc_cgroup_free(struct fc_cgroup *cg);

static inline void fc_cgroup_freep(struct fc_cgroup **cg)
{
        fc_cgroup_free(*cg);
}
#define cleanup_cgroup __attribute__((cleanup(fc_cgroup_freep)))

#endif
