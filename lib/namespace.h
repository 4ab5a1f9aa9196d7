/* SPDX-License-Identifier: Apache-2.0
 *
 * Namespace plan: for each kind, share the runtime's, create a new one, or
 * join one by path.  The plan is plain data (unit-tested without root);
 * fc_ns_plan_open() turns paths into fds, checked for their kind, before
 * anything is cloned.
 */
#ifndef FC_NAMESPACE_H
#define FC_NAMESPACE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/error.h"
#include "oci-spec/config.h"

enum fc_ns_mode {
        FC_NS_MODE_SHARE, /* not listed in the config: stay in the runtime's */
        FC_NS_MODE_NEW,
        FC_NS_MODE_JOIN,
};

struct fc_ns_plan {
        enum fc_ns_mode mode[FC_NS__MAX];
        const char *path[FC_NS__MAX]; /* borrowed from the config */
        int fd[FC_NS__MAX];           /* join fds after fc_ns_plan_open(), else -1 */
};

/* Decide per kind.  Refuses what this build cannot do yet (user
 * namespaces) with an error naming the JSON path. */
int fc_ns_plan_build(const struct fc_config *cfg, struct fc_ns_plan *ret, fc_error_t *err);

/* Open every path to join (O_RDONLY|O_CLOEXEC) and check with
 * NS_GET_NSTYPE that it is a namespace of the stated kind. */
int fc_ns_plan_open(struct fc_ns_plan *p, fc_error_t *err);

/* Close the fds.  Safe on a plan that was never opened. */
void fc_ns_plan_close(struct fc_ns_plan *p);

int fc_ns_clone_flag(enum fc_ns_type t);

/* Flags for clone3 for the namespaces created with the child.  The cgroup
 * namespace is only included when the child is cloned straight into its
 * cgroup (v2 CLONE_INTO_CGROUP); otherwise the child unshares it after the
 * parent moved it.  The time namespace is never included: its offsets can
 * only be written before a process enters it, so the parent unshares it
 * for its children instead. */
uint64_t fc_ns_clone_flags(const struct fc_ns_plan *p, bool cgroup_in_clone);

/* In the child: setns() into every joined namespace except pid and time
 * (those were joined by the parent for its children). */
int fc_ns_join_in_child(const struct fc_ns_plan *p, fc_error_t *err);

/* A namespace from the parts cache, joined like a `path` one by its fd
 * (*fd, taken; nothing when it is -1). */
void fc_ns_plan_take_leased(struct fc_ns_plan *p, enum fc_ns_type t, int *fd);

/* Write linux.uidMappings/gidMappings for the init `pid` (the runtime is
 * root in the parent user namespace, so no newuidmap is needed). */
int fc_ns_write_id_maps(pid_t pid, const struct fc_config *cfg, fc_error_t *err);

/* Write one map file ("uid_map" or "gid_map") of `pid` in one write(2). */
int fc_ns_write_map(pid_t pid, const char *file, const struct fc_id_mapping *m, size_t n,
                    fc_error_t *err);

/* The kernel refuses overlapping ranges, ranges past 2^32 and more than 340
 * lines: say so naming `what` (the JSON path) instead of a bare EINVAL from
 * the map write.  Empty sizes are refused too. */
int fc_ns_check_mappings(const char *what, const struct fc_id_mapping *m, size_t n,
                         fc_error_t *err);

/* Bring `lo` up in a new network namespace, as runc does. */
int fc_ns_loopback_up(fc_error_t *err);

#endif
