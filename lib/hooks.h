/* SPDX-License-Identifier: Apache-2.0
 *
 * OCI hooks: each one is a program run with the container's state JSON on
 * its stdin, its own args and env, and an optional timeout.  A hook that
 * fails (non-zero exit, signal, timeout, cannot exec) fails the operation,
 * as runc's do, and the error carries its exit status and output.
 */
#ifndef FC_HOOKS_H
#define FC_HOOKS_H

#include <stddef.h>

#include "lib/error.h"
#include "oci-spec/config.h"

/* Run hooks[0..n) in order; stop at the first failure.  `kind` names the
 * hook kind in errors.  Safe to call from the container's init. */
int fc_hooks_run(const struct fc_hook *hooks, size_t n, const char *kind, const char *state_json,
                 fc_error_t *err);

#endif
