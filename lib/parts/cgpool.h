/* SPDX-License-Identifier: Apache-2.0
 *
 * Pooled cgroups (cgroup v1), internal to the cache.  A v1 cgroup can be
 * renamed within its parent, so the cache makes fresh, empty cgroups
 * beside where containers' cgroups go and a create renames one into
 * place instead of making its own: a mkdir in every hierarchy (the memory
 * one allocates per-cpu state and can take milliseconds) becomes a
 * rename.  Pools are keyed by where the cgroup goes (the request's key,
 * lib/parts/protocol.h): one set per key, learned from the creates
 * themselves, the least recently used dropped beyond FC_CGPOOL_SETS.
 *
 * Names carry a tag of the instance (from its socket path): a new
 * instance removes what a dead one with the same socket left, from the
 * parents it recorded in "<socket>.cgroups", and nothing of another's.
 */
#ifndef FC_PARTS_CGPOOL_H
#define FC_PARTS_CGPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/error.h"
#include "lib/parts/protocol.h"
#include "lib/parts/treejob.h"

#define FC_CGPOOL_SETS 8
#define FC_CGPOOL_OUT  256

struct fc_cgpool_set {
        char *key;   /* the request's key text */
        char **dirs; /* "<mount><parent>" per line of the key */
        unsigned n_dirs;
        char **ready;      /* names of pooled cgroups, made in every dir */
        uint64_t *made_ns; /* when each was made */
        /* Each one's cgroup tree (FC_PART_CGTREE), -1 when none, and the
         * flags it was built with: built once a create asked for one, with
         * the flags the last one asked for. */
        int *tree_fd;
        uint32_t *tree_flags;
        bool want_tree;
        uint32_t want_flags;
        unsigned n_ready;
        uint64_t used_ns;       /* last lease, for eviction */
        uint64_t retry_ns;      /* after a failed refill, not before this */
        uint64_t tree_retry_ns; /* after a failed tree, none before this */
};

/* A pooled cgroup handed out, kept until its create must have taken it:
 * one a create never took (it crashed or failed) is removed then. */
struct fc_cgpool_out {
        char **dirs; /* a copy of the set's dirs */
        unsigned n_dirs;
        char name[FC_PARTS_CG_NAME_MAX];
        uint64_t due_ns;
};

/* A removed container's cgroup directory handed over for removal
 * (FC_PARTS_OP_RETIRE_CG), retried while processes still hold it. */
struct fc_cgpool_trash {
        char *path;
        unsigned tries;
        uint64_t next_ns;
};

struct fc_cgpools {
        struct fc_cgpool_set set[FC_CGPOOL_SETS];
        unsigned n_sets;
        unsigned target, low; /* per set; target 0: nothing is pooled */
        char tag[16];
        unsigned long counter;
        char *record_path;
        char *scratch; /* where a tree is built: FC_PARTS_TREE_DIR */
        /* A cgroup tree being built (lib/parts/treejob.h), for the pooled
         * cgroup job_name, with job_flags. */
        struct fc_tree_job job;
        char job_name[FC_PARTS_CG_NAME_MAX];
        uint32_t job_flags;
        int drop[16]; /* trees not handed out, closed by the sweep */
        unsigned n_drop;
        struct fc_cgpool_out out[FC_CGPOOL_OUT];
        unsigned n_out;
        uint64_t hits, misses, made, errors, refused, discarded;
        uint64_t trees, tree_hits; /* cgroup trees built, handed out */
        struct fc_cgpool_trash *trash;
        unsigned n_trash, cap_trash;
        uint64_t removed; /* handed-over directories removed */
};

/* Set up (pooling `target` per set) and remove what a dead instance with
 * the same socket left. */
int fc_cgpools_init(struct fc_cgpools *p, unsigned target, const char *socket_path,
                    fc_error_t *err);

/* Remove every pooled cgroup (ready or handed out and untaken) and the
 * record. */
void fc_cgpools_free(struct fc_cgpools *p);

/* A pooled cgroup for `key` into name[FC_PARTS_CG_NAME_MAX], or "" (a
 * miss: the key is learned, its set filled for the next creates).
 * Returns whether one was granted.  With `want_tree`, *ret_tree is its
 * cgroup tree for `tree_flags` when it has one (else -1, and the set
 * builds trees with these flags from now on); ret_tree may be NULL. */
bool fc_cgpools_take(struct fc_cgpools *p, const char *key, char *name, uint64_t now,
                     bool want_tree, uint32_t tree_flags, int *ret_tree);

/* Whether a set wants a refill: below its low water mark, or (idle)
 * below its target. */
bool fc_cgpools_need(const struct fc_cgpools *p, bool idle, uint64_t now);

/* Make one pooled cgroup for the set that needs it most (and start
 * building its tree, when its set wants trees and no other is being
 * built); or, all sets full, start building the tree of a ready cgroup
 * without one. */
void fc_cgpools_refill_one(struct fc_cgpools *p, bool idle, uint64_t now);

/* The tree build in flight ended (its fd, p->job, polled readable): the
 * tree goes to its cgroup if that is still ready. */
void fc_cgpools_job_done(struct fc_cgpools *p, uint64_t now);

/* Take a removed container's cgroup directories (`text`: one absolute
 * path per line) for removal.  Each must be in a cgroup v1 hierarchy
 * under /sys/fs/cgroup and carry this instance's name prefix; others are
 * refused (counted), never touched.  Returns how many were taken. */
unsigned fc_cgpools_retire(struct fc_cgpools *p, const char *text, uint64_t now);

/* End a tree build past its deadline; remove handed-out pooled cgroups
 * past their due time, ready ones too old to hand out, and handed-over
 * directories that are due. */
void fc_cgpools_sweep(struct fc_cgpools *p, uint64_t now);

/* Milliseconds until the sweep or a waiting refill has something to do,
 * or -1 (for the loop's poll). */
int fc_cgpools_wake_ms(const struct fc_cgpools *p, uint64_t now);

/* Sum of ready cgroups over the sets. */
unsigned fc_cgpools_ready(const struct fc_cgpools *p);
/* How many of them have their tree. */
unsigned fc_cgpools_ready_trees(const struct fc_cgpools *p);

/* Check a key's text and split it into "<mount><parent>" dirs: every
 * mount a cgroup v1 hierarchy under /sys/fs/cgroup, every parent a clean
 * absolute path (which
 * need not exist yet: the first create in a place makes it).  For unit
 * tests the filesystem check can be skipped (`check_fs` false). */
int fc_cgpool_parse_key(const char *key, bool check_fs, char ***ret_dirs, unsigned *ret_n,
                        fc_error_t *err);

#endif
