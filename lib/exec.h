/* SPDX-License-Identifier: Apache-2.0
 *
 * `exec`: run one more process in a running (or created) container.
 *
 * The process is described by the container's config.process overridden by
 * the command-line flags, or (--process) entirely by a process.json, as
 * runc does.  It joins every namespace of the container's init, its cgroup,
 * and gets the same per-process settings as the init, in the init's order
 * (lib/init.c): rlimits, oom_score_adj, scheduler, seccomp (before the
 * capabilities are dropped unless noNewPrivileges), user and capabilities.
 *
 *   runtime                             child
 *   setns(pid) for its children
 *   clone3 (v2: CLONE_INTO_CGROUP) ───► waits for GO
 *   leaves the pid namespace again
 *   (v1: writes the pid to cgroup.procs)
 *   GO ───────────────────────────────► setns(net, ipc, uts, cgroup, time, mnt)
 *                                        chdir, rlimits, env, seccomp, caps
 *        ◄──────────────────────────── READY | ERROR
 *                                        execve (the sync socket is CLOEXEC,
 *        ◄──────────────────────────── so EOF means execve succeeded;
 *                                        ERROR if execve failed)
 *
 * Nothing here prints or exits.
 */
#ifndef FC_EXEC_H
#define FC_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/context.h"
#include "lib/error.h"
#include "oci-spec/config.h"

struct fc_exec_opts {
        const char *id;
        /* --process: the whole process from this process.json.  As in runc,
         * args, cwd, env, user, additional_gids, caps and no_new_privs are
         * then ignored. */
        const char *process_path;
        char *const *args; /* the command and its arguments */
        size_t n_args;
        const char *cwd;  /* NULL: the config's */
        char *const *env; /* "NAME=value", after the config's; a later NAME wins */
        size_t n_env;
        const char *user;                /* "uid[:gid]", NULL: the config's */
        const uint32_t *additional_gids; /* added to the config's */
        size_t n_additional_gids;
        char *const *caps; /* added to the bounding, effective, permitted and ambient sets */
        size_t n_caps;
        bool no_new_privs;
        const char *apparmor;      /* non-empty: refused, no LSM support */
        const char *process_label; /* non-empty: refused, no LSM support */
        bool tty;                  /* a pty from the container as stdio */
        const char *console_socket;
        bool detach;
        const char *pid_file; /* relative to the caller's working directory */
        unsigned int preserve_fds;
        bool ignore_paused;
};

/* Run the process.  Without `detach`, signals sent to the caller are
 * forwarded to it until it exits and *ret_exit_code is its status
 * (128+signal when killed).  With `detach`, returns once execve succeeded
 * (*ret_exit_code 0).  Anything that fails before execve (executable not
 * found, bad cwd, ...) is an error in *err, with runc's wording.
 * Capabilities unknown to the kernel are a warning through ctx->log. */
int fc_container_exec(const struct fc_context *ctx, const struct fc_exec_opts *o,
                      int *ret_exit_code, fc_error_t *err);

/* The process to run, as plain data: a shallow copy of the config's
 * process (or of the process.json) with the overrides applied.  Only the
 * arrays it allocated itself are owned; release with
 * fc_exec_process_clear().  `cfg` is the container's config with
 * cfg.process pointing at `proc`, so the fc_process_* functions apply it
 * as they apply the init's. */
struct fc_exec_process {
        struct fc_config cfg;
        struct fc_process proc;
        struct fc_capabilities caps;
        char **env;         /* owned */
        uint32_t *gids;     /* owned */
        char **cap_sets[4]; /* owned: bounding, effective, permitted, ambient */
};

/* Build the process from the container config `cfg` and `o`; `json` is the
 * parsed --process file or NULL.  Validates what runc validates before
 * starting anything (args, cwd, env names, user) with runc's messages.
 * On failure nothing is left to release. */
int fc_exec_process_build(const struct fc_config *cfg, const struct fc_process *json,
                          const struct fc_exec_opts *o, struct fc_exec_process *ret,
                          fc_error_t *err);

void fc_exec_process_clear(struct fc_exec_process *p);

/* "uid[:gid]" as runc's --user; *ret_has_gid says whether a gid was given. */
int fc_exec_parse_user(const char *s, uint32_t *ret_uid, bool *ret_has_gid, uint32_t *ret_gid,
                       fc_error_t *err);

#endif
