/* SPDX-License-Identifier: Apache-2.0
 *
 * The OCI state (what `state` prints and hooks read on stdin) plus the
 * private fields flashcube keeps in <root>/<id>/state.json to find the
 * container again.
 */
#ifndef FC_OCI_STATE_H
#define FC_OCI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-spec/config.h"
#include "oci-spec/error.h"

struct fc_state {
        /* OCI fields */
        char *oci_version;
        char *id;
        char *status; /* "creating" | "created" | "running" | "stopped" | "paused" */
        pid_t pid;    /* 0 when there is no process */
        char *bundle;
        struct fc_kv *annotations;
        size_t n_annotations;
        /* runc's extra fields printed by `state` */
        char *rootfs;
        char *created; /* RFC 3339 with nanoseconds, UTC */
        char *owner;   /* "" as runc prints for root */
        /* private: kept in state.json only */
        uint64_t start_time; /* /proc/<pid>/stat field 22, to detect pid reuse */
        char *cgroup;        /* serialized cgroup handle (lib/cgroup), may be NULL */
        char *config_path;   /* copy of the config used (for poststop hooks) */
        bool systemd_cgroup;
        /* The parts cache's name prefix when the cgroup went where the
         * cache pools (it can remove it), else NULL. */
        char *cgroup_pool;
};

/* What `state` and the hooks' stdin get: the OCI state object with runc's
 * extra fields (`rootfs`, `created`, `owner`).  Returns malloc'd text. */
char *fc_state_to_oci_json(const struct fc_state *s, bool pretty, fc_error_t *err);

/* The OCI "container process state" sent to a seccomp agent at
 * linux.seccomp.listenerPath together with the notify fd: ociVersion,
 * fds ["seccompFd"], pid (`pid`, the process the fd belongs to: the init,
 * or an exec'd process; <= 0 means s->pid), metadata (omitted when NULL
 * or empty, as runc omits it) and the plain OCI state object of the
 * container (no runc extras).  Returns malloc'd compact JSON. */
char *fc_container_process_state_json(const struct fc_state *s, int pid, const char *metadata,
                                      fc_error_t *err);

/* The on-disk form (OCI fields + private fields). */
char *fc_state_to_json(const struct fc_state *s, fc_error_t *err);
struct fc_state *fc_state_parse(const char *json, size_t len, fc_error_t *err);
void fc_state_free(struct fc_state *s);

static inline void fc_state_freep(struct fc_state **s)
{
        fc_state_free(*s);
}
#define cleanup_state __attribute__((cleanup(fc_state_freep)))

/* `list --format json`: an array of the OCI-ish objects runc prints
 * (ociVersion, id, pid, status, bundle, rootfs, created, owner, annotations). */
char *fc_state_list_to_json(struct fc_state *const *states, size_t n, fc_error_t *err);

/* The default config `flashcube spec` writes: runc's `runc spec` output
 * (rootless variant when asked).  Returns malloc'd pretty JSON. */
char *fc_spec_default_json(bool rootless, fc_error_t *err);

/* `flashcube features`: the OCI features document. */
char *fc_features_json(fc_error_t *err);

#endif
