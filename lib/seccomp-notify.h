/* SPDX-License-Identifier: Apache-2.0
 *
 * Handing a SCMP_ACT_NOTIFY listener fd to the seccomp agent at
 * linux.seccomp.listenerPath, as the runtime spec describes it and runc
 * does it: one connection per fd, the container process state as JSON with
 * the fd attached (SCM_RIGHTS), then the connection is closed.  Runs in the
 * runtime (the init cannot reach host paths after pivot_root).  Nothing here
 * prints or exits.
 */
#ifndef FC_SECCOMP_NOTIFY_H
#define FC_SECCOMP_NOTIFY_H

#include "lib/error.h"
#include "oci-spec/state.h"

/* Connect to the Unix stream socket `listener_path` and send the container
 * process state of `st` (its pid and OCI fields; `metadata` is
 * linux.seccomp.listenerMetadata, may be NULL) with `notify_fd` as the
 * "seccompFd".  The caller keeps `notify_fd` (close it afterwards: the
 * agent holds its own copy).  Any failure (no agent listening, short
 * send) is an error naming the path: without the agent, notified syscalls
 * would block forever, so the caller must fail the container. */
int fc_seccomp_notify_send(const char *listener_path, const char *metadata, int notify_fd,
                           const struct fc_state *st, fc_error_t *err);

/* The same for a process other than the init (an exec'd one): the
 * document's "pid" is `pid`, its state stays the container's `st`. */
int fc_seccomp_notify_send_pid(const char *listener_path, const char *metadata, int notify_fd,
                               const struct fc_state *st, int pid, fc_error_t *err);

/* The runtime's half of the sync protocol for a notify fd the init (or an
 * exec'd process) sent it: check the config has a listenerPath, hand the
 * fd to the agent with the document for `pid`, close the fd, and tell the
 * child (FC_SYNC_SECCOMP_DONE) so it goes on to its execve. */
struct fc_seccomp;
int fc_seccomp_notify_relay(int sync_fd, int notify_fd, const struct fc_seccomp *sc,
                            const struct fc_state *st, int pid, fc_error_t *err);

/* The child's half: load `filter`; if it yields a listener fd, send it to
 * the runtime and wait until the agent has it. */
struct fc_seccomp_filter;
int fc_seccomp_load_notify(int sync_fd, struct fc_seccomp_filter *filter, fc_error_t *err);

#endif
