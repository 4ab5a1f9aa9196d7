/* SPDX-License-Identifier: Apache-2.0
 *
 * The parts cache, as the runtime sees it (DESIGN.md, "The parts cache").
 *
 * A companion process (`flashcube cache serve`) keeps pools of
 * pre-created, never-used kernel objects and hands them out once over a
 * Unix socket (fds with SCM_RIGHTS).  The runtime asks for a lease of the
 * parts its config wants new; whatever is not granted it creates itself,
 * exactly as on the cold path.  A miss is never an error.
 */
#ifndef FC_PARTS_H
#define FC_PARTS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/context.h"
#include "lib/error.h"

/* Kinds of parts, as bits (a lease asks for several at once). */
enum fc_part_kind {
        FC_PART_NET = 1u << 0,      /* network namespace, `lo` up */
        FC_PART_IPC = 1u << 1,      /* IPC namespace */
        FC_PART_UTS = 1u << 2,      /* UTS namespace (host's hostname/domainname) */
        FC_PART_CGROUPNS = 1u << 3, /* reserved: cgroup namespace */
        /* cgroup v1, with a pooled cgroup only: the container's
         * /sys/fs/cgroup ready made (fc_cgroup_v1_bind_tree over the
         * pooled cgroup's directories, which become the container's when
         * renamed), a detached mount tree the init moves into place. */
        FC_PART_CGTREE = 1u << 4,
        /* The container's /dev ready made (LEASE_DEV): the config's /dev
         * tmpfs, the devpts and shm mounts right after it, and the device
         * nodes, as the init would make them (fc_rootfs_build_dev). */
        FC_PART_DEVTREE = 1u << 5,
        /* A /proc ready made (LEASE_PROC), always both: a pid namespace no
         * process has entered yet, which the runtime enters with setns(2)
         * before it clones the init, and a detached procfs mount for it
         * with the config's masked and read-only paths under /proc
         * (lib/parts/devpool.h), which the init binds from (lib/rootfs.c). */
        FC_PART_PIDNS = 1u << 6,
        FC_PART_PROCTREE = 1u << 7,
};

/* Beside the socket (fc_parts_sibling_path, lib/parts/protocol.h), an empty
 * directory the cache makes: a cgroup tree is built on it, in its
 * builder's own mount namespace, and parked on it by the init, in its own
 * (lib/rootfs.c). */
#define FC_PARTS_TREE_DIR ".trees"

#define FC_PARTS_DEFAULT_SOCKET "/run/flashcube/cache.sock"

/* In a pooled cgroup's name (FC_CGROUP_POOL_PREFIX, the cache's tag, '-'),
 * the character after the tag: 'p' marks a cache that takes its cgroups
 * back for removal (fc_parts_retire_cgroup); 'r' starts the names of the
 * ones handed back. */
#define FC_PARTS_CG_RETIRABLE 'p'
#define FC_PARTS_CG_RETIRED   'r'

struct fc_parts_lease {
        uint32_t granted; /* FC_PART_* bits actually leased */
        int net_fd;       /* namespace fds, -1 when not granted */
        int ipc_fd;
        int uts_fd;
        int cgtree_fd;     /* FC_PART_CGTREE, with `cgroup` */
        int devtree_fd;    /* FC_PART_DEVTREE */
        int pidns_fd;      /* FC_PART_PIDNS */
        int proctree_fd;   /* FC_PART_PROCTREE */
        uint64_t lease_id; /* for the trace and for `retire` */
        /* A pooled cgroup (cgroup v1): its directory name beside the
         * container's leaf in every hierarchy of the key; "" when none. */
        char cgroup[64];
};

/* Ask the cache for `want` (FC_PART_* bits), and with a `cgroup_key`
 * (fc_cgroup_pool_key) for a pooled cgroup too.  Returns 0 and fills *ret
 * (possibly with nothing granted) in every case the cache is absent, slow
 * (bounded wait of a few ms), empty, mismatched or broken; the runtime then
 * creates the missing parts itself.  With `autostart`, a missing cache is
 * started in the background (detached, own session and cgroup) for later
 * creates.  Never fails: the error of a broken cache is logged at debug
 * level through ctx. */
void fc_parts_lease(const struct fc_context *ctx, uint32_t want, const char *cgroup_key,
                    bool autostart, struct fc_parts_lease *ret);

/* The same in two steps, so that the cache answers while the create goes
 * on: begin sends the request (or does nothing, as above), end waits for
 * the reply (bounded from begin) and fills *ret; abandon drops a request
 * whose create failed (what the cache handed out is closed with the
 * connection or, a pooled cgroup, removed by the cache later). */
struct fc_parts_pending {
        int fd; /* -1: nothing asked */
        uint32_t want;
        bool with_cgroup;
        bool with_dev;
        bool with_proc;
        uint64_t deadline_ns;
        char *cg_key; /* for asking again (fc_parts_lease_end); owned */
};
/* `want` may include FC_PART_CGTREE with a cgroup_key: `cgtree_flags` are
 * then the MS_* flags of the config's cgroup mount (FC_CGROUP_MOUNT_FLAGS
 * of them), which the tree is to have; 0 otherwise. */
/* `want` may include FC_PART_DEVTREE with a dev_key (lib/parts/devpool.h);
 * dev_key NULL otherwise.  The cgroup_key (malloc'd, or NULL) is taken:
 * kept for asking again, freed by end or abandon. */
/* `want` may include FC_PART_PIDNS and FC_PART_PROCTREE (both) with a
 * proc_key (fc_proctree_key); a proc_key without them only tells the
 * cache what /proc a create needed and did not find (on the shelf,
 * lib/parts/shelf.h). */
void fc_parts_lease_begin(const struct fc_context *ctx, uint32_t want, char *cgroup_key,
                          unsigned long cgtree_flags, const char *dev_key, const char *proc_key,
                          bool autostart, struct fc_parts_pending *ret);
/* The connection stays open after the answer (p->fd, -1 when there was
 * none): closing it wakes the cache, which then competes for the CPU with
 * the create it just served.  The caller closes it with
 * fc_parts_lease_abandon once that does not matter, and may send RETIRE
 * on it before. */
void fc_parts_lease_end(const struct fc_context *ctx, struct fc_parts_pending *p,
                        struct fc_parts_lease *ret);
void fc_parts_lease_abandon(struct fc_parts_pending *p);

/* Hand used parts (fds; closed here in every case) to the cache, which
 * holds them a moment and drops them off the critical path: the init's
 * mount namespace, whose teardown at the init's exit would otherwise wait
 * for an RCU grace period.  Sent on `conn`, a connection to the cache
 * (fc_parts_lease_end's), or on a new one when -1.  Best effort, never
 * blocks on the cache; with no cache (or --no-cache) the fds are just
 * closed. */
void fc_parts_retire(const struct fc_context *ctx, int conn, int *fds, unsigned n);

/* A removed container's cgroup, when it went where the cache at ctx pools
 * (`pool_prefix`, the name prefix of the pooled cgroup it came from;
 * NULL: nothing to do): its cgroup v1 leaves are renamed out of the way
 * with that prefix and handed to the cache, which removes them off the
 * caller's path - if the cgroup holds no process any more.  What is not handed over (cgroup v2,
 * parents made with the leaf) is left in `cg` for fc_cgroup_destroy; with the cache gone, the
 * renamed leaves are removed here.  Never waits for the cache. */
struct fc_cgroup;
int fc_parts_retire_cgroup(const struct fc_context *ctx, const char *pool_prefix,
                           struct fc_cgroup *cg, fc_error_t *err);

/* Close the fds of a lease (after the init has joined them, or on failure:
 * parts are single-use, a returned part is never reused).  Accepts an
 * empty lease. */
void fc_parts_lease_clear(struct fc_parts_lease *l);

#endif
