/* SPDX-License-Identifier: Apache-2.0
 *
 * Pooled /dev trees (FC_PART_DEVTREE).  What a container's init makes of
 * its /dev - the config's /dev tmpfs, the devpts and shm mounts right
 * after it, the default device nodes and symlinks and the config's
 * devices - depends on the config alone, not on the container: so the
 * cache makes it ahead of time, as a detached mount tree, and the init
 * moves it in with one call (lib/rootfs.c).
 *
 * The runtime describes what it needs in a key (fc_devtree_key): one line
 * per mount entry and per device of the config.  The cache keeps up to
 * `target` trees for each of the FC_DEVPOOL_SETS keys used last, built in
 * idle time by a child of its own in a mount namespace of its own, from
 * the key turned back into a config (fc_devtree_key_parse) and with the
 * function the init's cold path would have used (fc_rootfs_build_dev).
 */
#ifndef FC_PARTS_DEVPOOL_H
#define FC_PARTS_DEVPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/error.h"
#include "lib/parts/shelf.h"
#include "lib/parts/treejob.h"
#include "oci-spec/config.h"

#define FC_DEVPOOL_SETS 8

/* The key of cfg's /dev when a tree can stand in for it: *first and *n
 * are the config mounts it covers (/dev, and /dev/pts and /dev/shm right
 * after it).  NULL when the config's /dev is not one a tree is made of: no
 * tmpfs /dev, a mount or device that the tree's nodes would collide with,
 * a device outside /dev, text that does not fit in a key.  malloc'd. */
char *fc_devtree_key(const struct fc_config *cfg, size_t *first, size_t *n);

/* The config (mounts and linux.devices only) a key describes; NULL and
 * *err when the key is not one fc_devtree_key makes.  fc_config_free(). */
struct fc_config *fc_devtree_key_parse(const char *key, fc_error_t *err);

/* Pooled /proc trees (FC_PART_PIDNS with FC_PART_PROCTREE) are kept alike
 * (a second struct fc_devpools, `proc`): each is a pid namespace that no
 * process has entered yet, and a detached procfs mount for it (Linux
 * 6.17's `pidns` mount option) with the config's read-only and masked
 * paths under /proc already applied, as the init's finish would.  The
 * runtime enters the namespace with setns(2) before it clones the init
 * (which becomes its pid 1), and the init binds the tree's procfs onto
 * /proc and, in its finish, the tree's masks where the cold path makes them
 * (lib/rootfs.c).
 *
 * The key of cfg's /proc when such a tree can stand in for it: the proc
 * mount (*index, the only config mount at or below /proc, with plain
 * per-mount flags and no fs options) and the masked and read-only paths
 * under /proc.  NULL when it cannot: another mount that could reach
 * /proc, a path that goes through a process (self, net, /proc/<pid>), a
 * mount label, text that does not fit. */
char *fc_proctree_key(const struct fc_config *cfg, size_t *index);
/* The config (one mount, linux.readonlyPaths and maskedPaths) a proc key
 * describes; NULL and *err when it is not one fc_proctree_key makes. */
struct fc_config *fc_proctree_key_parse(const char *key, fc_error_t *err);
/* Whether a masked or read-only path of a config fc_proctree_key took is
 * applied in its tree (the init skips it then). */
bool fc_proctree_covers(const char *path);
/* Whether two fds handed over as a /proc part are one: a procfs mount and
 * a pid namespace (that the one is the other's, the cache vouches for). */
bool fc_proctree_part_ok(int tree_fd, int pidns_fd);

struct fc_devpool_set {
        char *key;
        int *fds; /* ready trees, oldest first: pairs (a /proc tree and its
                   * pid namespace; a /dev tree and -1) */
        unsigned n_ready;
        unsigned n_shelved; /* more of the set's parts on the shelf (proc) */
        uint64_t used_ns;   /* last lease, for eviction */
        uint64_t retry_ns;  /* after a failed build, not before this */
};

struct fc_devpools {
        struct fc_devpool_set set[FC_DEVPOOL_SETS];
        unsigned n_sets;
        unsigned target; /* per set; 0: none pooled */
        bool proc;       /* /proc trees, else /dev trees */
        /* Where ready /proc trees go for runtimes to take without us
         * (lib/parts/shelf.h); the set's own fds hold what does not fit. */
        struct fc_shelf shelf;
        bool off_shelf;                 /* test hook: nothing put on it */
        char *scratch;                  /* FC_PARTS_TREE_DIR */
        struct fc_tree_job job;         /* a tree being built (lib/parts/treejob.h) */
        char *job_key;                  /* ... for this key */
        int drop[FC_DEVPOOL_SETS * 16]; /* fds of an evicted set, closed by the sweep */
        unsigned n_drop;
        uint64_t hits, misses, made, errors, refused;
};

int fc_devpools_init(struct fc_devpools *p, unsigned target, bool proc, const char *socket_path,
                     fc_error_t *err);
void fc_devpools_free(struct fc_devpools *p);

/* A ready tree for `key` (the caller owns it, and *second: a /proc
 * tree's pid namespace, else -1), or -1: a miss, and the key is learned
 * for the next creates (or refused, counted, if it is not a key
 * fc_devtree_key, or fc_proctree_key, makes). */
int fc_devpools_take(struct fc_devpools *p, const char *key, uint64_t now, int *second);

/* A key the runtime did not take a part of (it had one from the shelf,
 * or could not use one): learned, its set's use noted, a miss counted
 * with `miss`. */
void fc_devpools_note(struct fc_devpools *p, const char *key, uint64_t now, bool miss);

/* Whether a set is below its target (refills are idle-time only) and no
 * tree is being built. */
bool fc_devpools_need(const struct fc_devpools *p, uint64_t now);
/* Start building a tree for the set furthest below its target (unless
 * one is being built). */
void fc_devpools_refill_one(struct fc_devpools *p, uint64_t now);
/* The build in flight ended (its fd, p->job, polled readable): its tree
 * joins its set. */
void fc_devpools_job_done(struct fc_devpools *p, uint64_t now);
/* Milliseconds until the sweep must see to the build in flight, or -1. */
int fc_devpools_wake_ms(const struct fc_devpools *p, uint64_t now);
/* End a build past its deadline, reap builders that exited, close the
 * trees of evicted sets. */
void fc_devpools_sweep(struct fc_devpools *p, uint64_t now);
unsigned fc_devpools_ready(const struct fc_devpools *p);

#endif
