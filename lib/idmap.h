/* SPDX-License-Identifier: Apache-2.0
 *
 * Id-mapped bind mounts: a config mount with uidMappings/gidMappings (or
 * the "idmap"/"ridmap" options) shows the files of its source with their
 * owners translated, as runtime-spec config.md describes it, through
 * mount_setattr(MOUNT_ATTR_IDMAP).
 *
 * The kernel allows this only to a caller privileged over the source's
 * filesystem (the host's user namespace for the host's filesystems) and
 * only on a mount tree nobody has seen yet.  So the runtime, before it
 * clones the init, makes every such tree detached (open_tree()) and
 * id-maps it with a user namespace carrying the mount's mappings; the init,
 * which may already be inside the container's user namespace, only moves
 * the tree onto its target, resolved inside the rootfs like any other bind
 * mount (lib/rootfs.c).  Nothing here prints or exits.
 */
#ifndef FC_IDMAP_H
#define FC_IDMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/error.h"
#include "lib/namespace.h"
#include "oci-spec/config.h"

/* Where an id-mapped mount takes its mappings from. */
enum fc_idmap_source {
        FC_IDMAP_NONE,         /* not id-mapped */
        FC_IDMAP_MOUNT,        /* its own uidMappings/gidMappings */
        FC_IDMAP_CONTAINER,    /* "idmap" alone: linux.uidMappings/gidMappings */
        FC_IDMAP_JOINED_USERNS /* "idmap" alone: the user namespace joined by path */
};

/* What one mount entry asks for, decided without a syscall. */
struct fc_idmap_entry {
        enum fc_idmap_source source;
        bool recursive_tree;                   /* rbind: clone the submounts too */
        bool recursive_map;                    /* ridmap: map the submounts too */
        const struct fc_id_mapping *uid, *gid; /* borrowed from the config */
        size_t n_uid, n_gid;
};

/* Decide and validate mounts[index] (`ns`: the namespace plan, for "idmap"
 * without mappings).  Refused with an error naming the mount: id-mapping
 * something that is not a bind mount, only one of uidMappings/gidMappings,
 * "idmap" with no mappings and no container user namespace, and mappings
 * the kernel would refuse (empty, overlapping, past 2^32, more than 340).
 * A mount that is not id-mapped gives source FC_IDMAP_NONE. */
int fc_idmap_plan_entry(const struct fc_config *cfg, const struct fc_ns_plan *ns, size_t index,
                        struct fc_idmap_entry *ret, fc_error_t *err);

/* Whether any mount of `cfg` asks for an id mapping (cheap: no parsing). */
bool fc_idmap_wanted(const struct fc_config *cfg);

/* One fd per config mount: the detached id-mapped tree, or -1. */
struct fc_idmap_mounts {
        int *fds;
        size_t n;
};

/* In the runtime, before the init is cloned: plan every mount and make
 * the trees of those that are id-mapped (`ns` opened, for a joined user
 * namespace).  *ret is {NULL, 0} when no mount is id-mapped.  On failure
 * nothing is left open and *err names the mount; a filesystem or kernel
 * that cannot id-map says so.  The fds are O_CLOEXEC; the init inherits
 * them. */
int fc_idmap_prepare(const struct fc_config *cfg, const struct fc_ns_plan *ns,
                     struct fc_idmap_mounts *ret, fc_error_t *err);

/* Close every fd and free the array.  Safe on a zeroed struct. */
void fc_idmap_mounts_clear(struct fc_idmap_mounts *m);

/* In the init: move the tree `tree_fd` onto the O_PATH fd `target_fd`
 * (resolved inside the rootfs); `dest` names the mount in errors.  The
 * tree fd is closed either way. */
int fc_idmap_attach(int tree_fd, int target_fd, const char *dest, fc_error_t *err);

#endif
