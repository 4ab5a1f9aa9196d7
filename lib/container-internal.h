/* SPDX-License-Identifier: Apache-2.0 — shared between the lifecycle files */
#ifndef FC_CONTAINER_INTERNAL_H
#define FC_CONTAINER_INTERNAL_H

#include "lib/cgroup/cgroup.h"
#include "lib/container.h"
#include "lib/seccomp.h"
#include "oci-spec/config.h"

struct fc_created {
        pid_t pid;
        int pidfd;
        int dirfd;
        struct fc_state *state;
        struct fc_config *cfg;
        int console_master; /* run in the foreground with a terminal: the pty master */
        struct fc_seccomp_filter *seccomp; /* compiled filter, freed with the rest */
        /* The cgroup as create made it, with what it keeps open (the
         * directories a pooled cgroup was renamed in), for `run`'s delete. */
        struct fc_cgroup *cg;
};

void fc_created_clear(struct fc_created *c);

/* create without exiting: what `create` and `run` share.  With `autostart`
 * (`run`) there is no exec.fifo: the init runs the process as soon as it
 * is ready, while the runtime finishes its own part (state, then
 * fc_container_started), and no wake-up through the fifo is waited for. */
int fc_container_create_internal(const struct fc_context *ctx, const struct fc_create_opts *o,
                                 bool foreground, bool autostart, struct fc_created *ret,
                                 fc_error_t *err);

/* The container's process was started (by start, or by the init itself
 * after an autostart create): status running, poststart hooks; a failing
 * hook kills the init (through `pidfd`, or `s->pid` when it is -1). */
int fc_container_started(const struct fc_context *ctx, struct fc_state *s,
                         const struct fc_config *cfg, int pidfd, fc_error_t *err);

/* Unblock the init waiting on exec.fifo and run poststart hooks.  `cfg`
 * may be NULL (read from the state dir). */
int fc_container_start_internal(const struct fc_context *ctx, int dirfd, struct fc_state *s,
                                const struct fc_config *cfg, fc_error_t *err);

/* Remove what a stopped container owns: poststop hooks, cgroup, state.
 * `cg`, when not NULL, is the container's cgroup as its create left it
 * (struct fc_created), used instead of the state's record. */
int fc_container_destroy(const struct fc_context *ctx, struct fc_state *s,
                         const struct fc_config *cfg, struct fc_cgroup *cg, fc_error_t *err);

/* /sys/module/apparmor/parameters/enabled says Y. */
bool fc_apparmor_enabled(void);

int fc_state_set_status(struct fc_state *s, const char *status, fc_error_t *err);

#endif
