/* SPDX-License-Identifier: Apache-2.0
 *
 * The container lifecycle: one library entry point per CLI command.  Each
 * returns 0 or < 0 with *err filled; on failure every step already taken
 * is undone in reverse order and the first error is reported (a failure
 * of the undo is appended, never replacing it).
 */
#ifndef FC_CONTAINER_H
#define FC_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/context.h"
#include "lib/error.h"
#include "oci-spec/state.h"

struct fc_create_opts {
        const char *id;
        const char *bundle;         /* NULL: current directory */
        const char *console_socket; /* NULL: none */
        const char *pid_file;       /* NULL: none */
        bool no_pivot;
        bool no_new_keyring;
        unsigned int preserve_fds;
};

int fc_container_create(const struct fc_context *ctx, const struct fc_create_opts *o,
                        fc_error_t *err);

int fc_container_start(const struct fc_context *ctx, const char *id, fc_error_t *err);

/* create + start.  Without `detach` waits for the init, forwarding
 * signals sent to us, and returns its exit status in *ret_exit_code
 * (128+signal when killed); the container is then deleted unless `keep`. */
int fc_container_run(const struct fc_context *ctx, const struct fc_create_opts *o, bool detach,
                     bool keep, int *ret_exit_code, fc_error_t *err);

/* The OCI state JSON (pretty, as runc prints it); malloc'd. */
char *fc_container_state(const struct fc_context *ctx, const char *id, fc_error_t *err);

/* Signal the init, or with `all` every process in its cgroup. */
int fc_container_kill(const struct fc_context *ctx, const char *id, int sig, bool all,
                      fc_error_t *err);

/* Delete a stopped container (or, with force, kill it first): poststop
 * hooks, cgroup, state dir. */
int fc_container_delete(const struct fc_context *ctx, const char *id, bool force, fc_error_t *err);

/* Every container under the root with refreshed status.  The caller frees
 * each with fc_state_free() and the array with free(). */
int fc_container_list(const struct fc_context *ctx, struct fc_state ***ret, size_t *ret_n,
                      fc_error_t *err);

/* Signal names as runc accepts them: "KILL", "SIGKILL", "9". */
int fc_signal_parse(const char *s, int *ret_sig, fc_error_t *err);

#endif
