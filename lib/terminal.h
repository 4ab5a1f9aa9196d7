/* SPDX-License-Identifier: Apache-2.0
 *
 * process.terminal: a pty allocated by the container's init from the
 * container's own devpts, with the slave as the process's stdio and
 * controlling terminal and bound on /dev/console, and the master handed out
 * over a Unix socket with SCM_RIGHTS (runc's --console-socket protocol:
 * one message whose data is the pty's name and whose ancillary data is the
 * master fd).  Without a console socket, `run` in the foreground receives
 * the master itself and relays the caller's terminal to it.
 */
#ifndef FC_TERMINAL_H
#define FC_TERMINAL_H

#include <stdbool.h>

#include "lib/error.h"
#include "oci-spec/config.h"

/* Connect to the console socket given by --console-socket (in the
 * runtime's mount namespace, before the init pivots away from it). */
int fc_terminal_connect(const char *path, fc_error_t *err);

/* In the init, after pivot_root: open a pty pair in the container's
 * /dev/pts, apply consoleSize, bind the slave on /dev/console, make it
 * stdio and the controlling terminal of a new session, and send the
 * master over `socket_fd`. */
int fc_terminal_setup_in_init(const struct fc_process *p, int socket_fd, fc_error_t *err);

/* The same for a process `exec` runs, once it joined the container's mount
 * namespace; /dev/console stays the init's terminal. */
int fc_terminal_setup_in_exec(const struct fc_process *p, int socket_fd, fc_error_t *err);

/* Receive the master sent by fc_terminal_setup_in_*() on `socket_fd`. */
int fc_terminal_recv_master(int socket_fd, fc_error_t *err);

/* The foreground relay of `run -t`-style containers without a console
 * socket: put our stdin in raw mode when it is a terminal and copy
 * stdin -> master and master -> stdout until the master hangs up
 * (the container's processes closed the slave), following our window size.
 * `stop_fd` readable (the init's pidfd) also ends it after draining. */
struct fc_terminal_relay;
struct fc_terminal_relay *fc_terminal_relay_new(int master_fd, fc_error_t *err);
/* Handle readiness; returns 1 while the relay wants more, 0 when done. */
int fc_terminal_relay_fds(const struct fc_terminal_relay *r, int *ret_fds, short *ret_events,
                          int max);
int fc_terminal_relay_step(struct fc_terminal_relay *r, const short *revents);
void fc_terminal_relay_resize(struct fc_terminal_relay *r);
/* Copy what is still in the master to stdout after the process exited:
 * until every slave is closed, or 50 ms pass with nothing to copy. */
void fc_terminal_relay_drain(struct fc_terminal_relay *r);
/* Restore the caller's terminal mode and free.  Accepts NULL. */
void fc_terminal_relay_free(struct fc_terminal_relay *r);

#endif
