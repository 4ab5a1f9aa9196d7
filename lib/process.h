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

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/error.h"
#include "oci-spec/config.h"

enum fc_process_cap_set {
        FC_PROCESS_CAP_BOUNDING,
        FC_PROCESS_CAP_EFFECTIVE,
        FC_PROCESS_CAP_INHERITABLE,
        FC_PROCESS_CAP_PERMITTED,
        FC_PROCESS_CAP_AMBIENT,
        FC_PROCESS_CAP__MAX,
};

struct fc_process_plan {
        uint64_t caps[5]; /* bitmasks: bounding, effective, inheritable, permitted, ambient */
        bool has_caps;
        int personality; /* -1: leave alone */
        bool has_ioprio;
        int ioprio; /* IOPRIO_PRIO_VALUE(class, prio) */
        /* sysctls validated as namespaced (runc's rules); applied via /proc/sys */
        /* scheduler, exec CPU affinity: resolved values */
        bool has_sched;
        int sched_policy;
        int sched_flags;
        int32_t sched_nice, sched_priority;
        uint64_t sched_runtime, sched_deadline, sched_period;
        /* execCPUAffinity, CPU_ALLOC()ed; NULL when absent */
        cpu_set_t *affinity_initial, *affinity_final;
        size_t affinity_initial_size, affinity_final_size; /* bytes, for sched_setaffinity */
        /* Things runc only warns about (unknown capabilities): NULL-terminated
         * messages for the caller to log; NULL when there are none. */
        char **warnings;
        size_t n_warnings;
};

/* Release what a plan owns (not the struct itself).  Accepts NULL and a
 * zeroed plan; safe to call twice. */
void fc_process_plan_clear(struct fc_process_plan *p);

/* On failure *ret holds nothing to release.  On success release it with
 * fc_process_plan_clear().
 *
 * Validate config.process/linux settings that cannot be checked by the
 * JSON parser alone (capability names, sysctl namespacing against the
 * namespaces the config creates, personality domain, ioprio class,
 * scheduler policy) and resolve them.  Error messages name the JSON path. */
int fc_process_plan_build(const struct fc_config *cfg, struct fc_process_plan *ret,
                          fc_error_t *err);

/* Run in the init after the new namespaces exist, before pivot_root:
 * nothing yet.  After pivot_root, in this order: */
/* An environment entry as runc's init accepts it: NAME=VALUE, NAME not
 * empty; else an error in runc's words. */
int fc_process_env_check(const char *entry, fc_error_t *err);
int fc_process_apply_sysctls(const struct fc_config *cfg, fc_error_t *err);
int fc_process_apply_hostname(const struct fc_config *cfg, fc_error_t *err);
int fc_process_apply_rlimits(const struct fc_config *cfg, fc_error_t *err);
int fc_process_apply_oom_score_adj(const struct fc_config *cfg, fc_error_t *err);
int fc_process_apply_sched(const struct fc_config *cfg, const struct fc_process_plan *p,
                           fc_error_t *err); /* personality, ioprio, scheduler, cpu affinity */

/* What the init and `exec` both do once in the container's root and cwd,
 * in this order: rlimits, oom_score_adj, personality/ioprio/scheduler,
 * the env (HOME from /etc/passwd), and the executable resolved against it.
 * *ret_env and *ret_exe are malloc'd; on failure nothing is returned. */
int fc_process_prepare_exec(const struct fc_config *cfg, const struct fc_process_plan *plan,
                            char ***ret_env, char **ret_exe, fc_error_t *err);

/* Look up the user's HOME in the container's /etc/passwd (already under
 * the new root) and add HOME to env when unset, as runc does.  Returns a
 * new NULL-terminated env vector. */
char **fc_process_build_env(const struct fc_config *cfg, fc_error_t *err);

/* Field `field` (FC_PASSWD_NAME, FC_PASSWD_HOME) of `uid`'s entry in the
 * passwd(5) file at `path`, parsed by hand (getpwuid() would let NSS load
 * libraries from the container, and a static binary cannot use NSS).
 * Returns 1 and a malloc()ed *ret when found, 0 when the file or the
 * entry is missing, < 0 on read errors. */
#define FC_PASSWD_NAME 0
#define FC_PASSWD_HOME 5
int fc_process_passwd_lookup(const char *path, uid_t uid, int field, char **ret, fc_error_t *err);

/* Parse a Linux CPU list ("0-3,7") into a CPU_ALLOC()ed set (CPU_FREE()
 * it); *ret_size is its size in bytes.  -EINVAL on syntax errors. */
int fc_process_parse_cpu_list(const char *list, cpu_set_t **ret_set, size_t *ret_size,
                              fc_error_t *err);

/* execCPUAffinity.final, applied by the runtime to the container's init
 * once it is in its cgroup (as runc does).  No-op when absent. */
int fc_process_apply_cpu_affinity_final(pid_t pid, const struct fc_process_plan *p,
                                        fc_error_t *err);

/* Drop privileges for the user process, in runc's order: drop the
 * bounding set while still root, keep caps across setuid (PR_SET_KEEPCAPS),
 * setgroups (an empty additionalGids clears them)/setgid/setuid, then
 * capset effective/permitted/inheritable and raise ambient (failures to
 * raise an ambient cap are ignored, as runc does), umask (0022 by
 * default), no_new_privs.  No capabilities object means no capabilities.
 * Seccomp is loaded by the caller after this (see lib/seccomp.h). */
int fc_process_apply_user_and_caps(const struct fc_config *cfg, const struct fc_process_plan *p,
                                   fc_error_t *err);

/* The bounding set's part alone, for a caller that has time to spare
 * before the rest (the init waiting for its cgroup): it limits only what a
 * later execve or a capset's inheritable set may get, never the
 * capabilities in use (and entering a user namespace after it would reset
 * it to full: the caller must not).  The rest then follows with
 * fc_process_apply_user_and_caps_after(..., true, ...). */
int fc_process_drop_bounding(const struct fc_process_plan *p, fc_error_t *err);
int fc_process_apply_user_and_caps_after(const struct fc_config *cfg,
                                         const struct fc_process_plan *p, bool bounding_dropped,
                                         fc_error_t *err);

/* Resolve args[0] against PATH of `env` (execvpe semantics but without
 * running anything) so a missing binary fails before start with runc's
 * message: exec: "foo": executable file not found in $PATH.  No default
 * PATH (runc has none either).  A path with a slash is checked as is:
 * exec: "/foo": stat /foo: No such file or directory, or
 * exec: "/etc": permission denied (a directory or no x bit at all).
 * Returns a malloc()ed path. */
char *fc_process_find_executable(const char *arg0, char *const *env, fc_error_t *err);

#endif
