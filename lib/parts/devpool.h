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

struct fc_devpool_set {
        char *key;
        int *fds; /* ready trees, oldest first */
        unsigned n_ready;
        uint64_t used_ns;  /* last lease, for eviction */
        uint64_t retry_ns; /* after a failed build, not before this */
};

struct fc_devpools {
        struct fc_devpool_set set[FC_DEVPOOL_SETS];
        unsigned n_sets;
        unsigned target;               /* per set; 0: none pooled */
        char *scratch;                 /* FC_PARTS_TREE_DIR */
        struct fc_tree_job job;        /* a tree being built (lib/parts/treejob.h) */
        char *job_key;                 /* ... for this key */
        int drop[FC_DEVPOOL_SETS * 8]; /* trees of an evicted set, closed by the sweep */
        unsigned n_drop;
        uint64_t hits, misses, made, errors, refused;
};

int fc_devpools_init(struct fc_devpools *p, unsigned target, const char *socket_path,
                     fc_error_t *err);
void fc_devpools_free(struct fc_devpools *p);

/* A ready tree for `key` (the caller owns it), or -1: a miss, and the key
 * is learned for the next creates (or refused, counted, if it is not a
 * key fc_devtree_key makes). */
int fc_devpools_take(struct fc_devpools *p, const char *key, uint64_t now);

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
