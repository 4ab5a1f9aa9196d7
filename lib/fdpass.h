/* SPDX-License-Identifier: Apache-2.0
 *
 * Passing fds with a message over a Unix socket (SCM_RIGHTS): the sync
 * socket between runtime and init, console sockets, the seccomp agent.
 */
#ifndef FC_FDPASS_H
#define FC_FDPASS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The most fds one message carries. */
#define FC_FDPASS_MAX 8

/* Send `len` bytes of `data` with the `nfds` fds attached (at most
 * FC_FDPASS_MAX).  Retries EINTR; never raises SIGPIPE.  Returns the bytes
 * sent or -errno. */
ssize_t fc_fdpass_sendv(int sock, const void *data, size_t len, const int *fds, size_t nfds);

/* Receive up to `len` bytes and up to `max` fds into fds[] (*ret_n of them;
 * extra ones are closed; received close-on-exec).  Returns the bytes
 * received (0 at EOF) or -errno. */
ssize_t fc_fdpass_recvv(int sock, void *buf, size_t len, int *fds, size_t max, size_t *ret_n);

/* The same, but first polling for up to `spin_ns` (yielding the CPU
 * between tries) before it blocks. */
ssize_t fc_fdpass_recvv_spin(int sock, void *buf, size_t len, int *fds, size_t max, size_t *ret_n,
                             uint64_t spin_ns);

/* Send `len` bytes of `data` with `fd` attached (no fd when fd < 0).
 * Retries EINTR; never raises SIGPIPE.  Returns the bytes sent or -errno. */
ssize_t fc_fdpass_send(int sock, const void *data, size_t len, int fd);

/* Receive up to `len` bytes and at most one fd (*ret_fd, else -1; extra
 * fds are closed; received close-on-exec).  Returns the bytes received
 * (0 at EOF) or -errno. */
ssize_t fc_fdpass_recv(int sock, void *buf, size_t len, int *ret_fd);

#endif
