/* SPDX-License-Identifier: Apache-2.0
 *
 * Process attributes applied by the container's init (and later by exec)
 * just before execve(): everything in config.process plus the per-process
 * linux.* settings.  Plans first: fc_process_plan_build() validates and
 * resolves names into plain data (unit-tested without root); the apply
 * functions make the syscalls.  Nothing here prints or exits.
 */
#ifndef FC_PROCESS_H
#define FC_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/error.h"
#include "oci-spec/config.h"

struct fc_process_plan {
        uint64_t caps[5]; /* bitmasks: bounding, effective, inheritable, permitted, ambient */
        bool has_caps;
        int personality;  /* -1: leave alone */
        bool has_ioprio;
        int ioprio;       /* IOPRIO_PRIO_VALUE(class, prio) */
        /* sysctls validated as namespaced (runc's rules); applied via /proc/sys */
        /* scheduler, exec CPU affinity: resolved values */
        bool has_sched;
        int sched_policy;
        int sched_flags;
        int32_t sched_nice, sched_priority;
        uint64_t sched_runtime, sched_deadline, sched_period;
};

/* Validate config.process/linux settings that cannot be checked by the
 * JSON parser alone (capability names, sysctl namespacing against the
 * namespaces the config creates, personality domain, ioprio class,
 * scheduler policy) and resolve them.  Error messages name the JSON path. */
int fc_process_plan_build(const struct fc_config *cfg, struct fc_process_plan *ret,
                          fc_error_t *err);

/* Run in the init after the new namespaces exist, before pivot_root:
 * nothing yet.  After pivot_root, in this order: */
int fc_process_apply_sysctls(const struct fc_config *cfg, fc_error_t *err);
int fc_process_apply_hostname(const struct fc_config *cfg, fc_error_t *err);
int fc_process_apply_rlimits(const struct fc_config *cfg, fc_error_t *err);
int fc_process_apply_oom_score_adj(const struct fc_config *cfg, fc_error_t *err);
int fc_process_apply_sched(const struct fc_config *cfg, const struct fc_process_plan *p,
                           fc_error_t *err); /* personality, ioprio, scheduler, cpu affinity */

/* Look up the user's HOME in the container's /etc/passwd (already under
 * the new root) and add HOME to env when unset, as runc does.  Returns a
 * new NULL-terminated env vector. */
char **fc_process_build_env(const struct fc_config *cfg, fc_error_t *err);

/* Drop privileges for the user process, in runc's order: keep caps across
 * setuid (PR_SET_KEEPCAPS), setgroups/setgid/setuid, then capabilities
 * (bounding drop, then capset, then ambient), umask, no_new_privs.
 * Seccomp is loaded by the caller after this (see lib/seccomp.h). */
int fc_process_apply_user_and_caps(const struct fc_config *cfg, const struct fc_process_plan *p,
                                   fc_error_t *err);

/* Resolve args[0] against PATH of `env` (execvpe semantics but without
 * running anything) so a missing binary fails before start with runc's
 * message: exec: "foo": executable file not found in $PATH */
char *fc_process_find_executable(const char *arg0, char *const *env, fc_error_t *err);

#endif
