/* SPDX-License-Identifier: Apache-2.0
 *
 * The container's init: the code the cloned child runs from the moment of
 * clone3() to execve() of the user process.  It never returns; every
 * failure before READY is reported to the parent over the sync socket.
 */
#ifndef FC_INIT_H
#define FC_INIT_H

#include <stdbool.h>

#include "lib/cgroup/cgroup.h"
#include "lib/idmap.h"
#include "lib/namespace.h"
#include "lib/process.h"
#include "lib/seccomp.h"
#include "oci-spec/config.h"
#include "oci-spec/state.h"

struct fc_init_args {
        const struct fc_config *cfg;
        const struct fc_ns_plan *ns;
        const struct fc_process_plan *pplan;
        const struct fc_cgroup *cgroup;
        struct fc_state *state; /* id, bundle, rootfs, created, annotations for hooks */
        const char *rootfs;     /* absolute, canonical */
        int sync_fd;            /* child's end of the sync socketpair */
        int fifo_fd;            /* exec.fifo opened O_RDWR: the init blocks reading it */
        int console_fd;         /* where to send the pty master (process.terminal), or -1 */
        struct fc_seccomp_filter *seccomp; /* built by the runtime, loaded by the init, or NULL */
        struct fc_idmap_mounts *idmap;     /* id-mapped trees made by the runtime, or NULL */
        bool no_pivot;
        bool no_new_keyring;
        unsigned int preserve_fds;
        /* The runtime makes the cgroup while we set up: wait for GO only
         * where the cgroup is needed (see lib/container-create.c). */
        bool go_late;
        /* Cloned before the runtime had the cache's answer (go_late only):
         * the namespaces in `deferred` (CLONE_NEWNET, CLONE_NEWIPC,
         * CLONE_NEWUTS: the cache's, or ours to create), the trees and
         * exec.fifo come with PARTS, awaited before the first mount other
         * than proc (lib/container-create.c). */
        bool early;
        int deferred;
        /* A cgroup tree leased with a pooled cgroup (lib/parts/parts.h,
         * FC_PART_CGTREE), built for a cgroup mount with `cgtree_flags`;
         * used only when MADE says the pooled cgroup became ours.  -1. */
        int cgtree_fd;
        unsigned long cgtree_flags;
        const char *cgtree_park; /* the cache's FC_PARTS_TREE_DIR (lib/rootfs.c) */
        /* A /dev tree leased (FC_PART_DEVTREE) for config mounts
         * [devtree_first, +devtree_n) and the device nodes, or -1. */
        int devtree_fd;
        size_t devtree_first, devtree_n;
        /* A /proc tree leased (FC_PART_PROCTREE) for config mount
         * proctree_index and the masked and read-only paths under /proc, or
         * -1; with it the runtime cloned us into the pid namespace it was
         * made for. */
        int proctree_fd;
        size_t proctree_index;
};

_Noreturn void fc_init_main(struct fc_init_args *a);

#endif
