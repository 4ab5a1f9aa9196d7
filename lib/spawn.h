/* SPDX-License-Identifier: Apache-2.0
 *
 * Cloning the container's init and the sync protocol between the runtime
 * (parent) and the init (child) over a SOCK_SEQPACKET socketpair.  One
 * message per packet, fixed layout, so a short read is an error and never
 * a partial message.
 *
 *   parent                         child (init)
 *   clone3 ───────────────────────► waits for GO
 *   (v1, cloned before the cache's answer: PARTS ──► namespaces, trees,
 *    exec.fifo, awaited after the proc mount)
 *   (v1: move pid into cgroup)
 *   GO ───────────────────────────► joins/creates namespaces, mounts
 *        ◄──────────────────────── HOOKS (when prestart/createRuntime exist)
 *   runs them, HOOKS_DONE ────────► createContainer hooks, pivot, process setup
 *        ◄──────────────────────── READY | ERROR(status, message)
 *   writes state.json, exits       blocks opening exec.fifo for writing
 */
#ifndef FC_SPAWN_H
#define FC_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/error.h"

enum fc_sync_type {
        FC_SYNC_GO = 1,
        FC_SYNC_HOOKS,
        FC_SYNC_HOOKS_DONE,
        FC_SYNC_READY,
        FC_SYNC_ERROR,
        FC_SYNC_PID,          /* joined user namespace: the real init's host pid (status) */
        FC_SYNC_SECCOMP_FD,   /* carries the seccomp notify listener fd (SCM_RIGHTS) */
        FC_SYNC_SECCOMP_DONE, /* the runtime handed it to the agent */
        FC_SYNC_MADE,         /* before GO: the init's cgroup directories exist */
        FC_SYNC_PARTS,        /* the parts an early init waits for (FC_SYNC_PART_*) */
};

/* PARTS (sent first, to an init cloned before the runtime had its lease;
 * see lib/container-create.c): its status has a bit per part attached, and
 * the fds come in this order.  A namespace the init was to get from the
 * cache and did not, it creates itself. */
#define FC_SYNC_PART_NET     (1 << 0)
#define FC_SYNC_PART_IPC     (1 << 1)
#define FC_SYNC_PART_UTS     (1 << 2)
#define FC_SYNC_PART_CGTREE  (1 << 3)
#define FC_SYNC_PART_DEVTREE (1 << 4)
#define FC_SYNC_PART_FIFO    (1 << 5)
#define FC_SYNC_PART_COUNT   6

/* MADE's status when the directories are the leased pooled cgroup's. */
#define FC_SYNC_MADE_POOLED 1

#define FC_SYNC_GO_UNSHARE_CGROUPNS "unshare-cgroupns"

struct fc_sync_msg {
        uint32_t type;
        int32_t status;
        char text[3584];
};

int fc_sync_send(int fd, enum fc_sync_type type, int status, const char *text);

/* Receive one message; EOF (the peer died) is -EPIPE.  Any fd that came
 * with it is closed. */
int fc_sync_recv(int fd, struct fc_sync_msg *m, fc_error_t *err);

/* Send a message with one fd attached (SCM_RIGHTS). */
int fc_sync_send_fd(int fd, enum fc_sync_type type, int status, const char *text, int passfd);

/* Receive one message and the fd attached to it, if any (*ret_fd, else -1;
 * received close-on-exec). */
int fc_sync_recv_fd(int fd, struct fc_sync_msg *m, int *ret_fd, fc_error_t *err);

/* The same with up to FC_FDPASS_MAX fds (lib/fdpass.h): fds[0..*ret_n) on
 * receipt, in the order sent; none are left open on an error. */
int fc_sync_send_fds(int fd, enum fc_sync_type type, int status, const char *text, const int *fds,
                     size_t nfds);
int fc_sync_recv_fds(int fd, struct fc_sync_msg *m, int *fds, size_t max, size_t *ret_n,
                     fc_error_t *err);

/* fc_sync_recv_fds, polling for up to spin_ns first (fc_spin_step in
 * lib/context.h): for the short waits of a create, the init for PARTS,
 * MADE and GO and the runtime for READY.  Never under a seccomp filter,
 * which may not allow the clock or sched_yield. */
int fc_sync_recv_fds_spin(int fd, struct fc_sync_msg *m, int *fds, size_t max, size_t *ret_n,
                          uint64_t spin_ns, fc_error_t *err);

/* Send an error as a message (the child's way of reporting). */
void fc_sync_send_error(int fd, const fc_error_t *e);

/* In a cloned child (the init, an exec'd process): an empty signal mask
 * and every disposition back to SIG_DFL.  The runtime blocks or handles
 * signals (run forwards them) and a SIG_IGN it inherited would survive
 * execve; the container's process starts with a clean slate. */
int fc_spawn_reset_signals(fc_error_t *err);

/* clone3() with fork semantics: returns 0 in the child, the child's pid in
 * the parent (with *ret_pidfd set), < 0 with *err on failure.  cgroup_fd
 * >= 0 asks for CLONE_INTO_CGROUP (with the cgroup namespace, if in
 * flags, created by the clone); *ret_into_cgroup says whether that
 * happened, or whether clone3 was unavailable and plain clone(2) was used
 * without both. */
pid_t fc_spawn_clone(uint64_t flags, int cgroup_fd, int *ret_pidfd, bool *ret_into_cgroup,
                     fc_error_t *err);

/* A new child may be queued on its parent's CPU (this machine's scheduler
 * packs vCPUs) and wait there while the parent goes on.  A parent whose
 * work runs beside the child's steps aside: it moves itself to another CPU
 * of its affinity and takes its affinity back at once (which does not move
 * it again).  The child is never touched: a task's affinity, once set,
 * stays as its "user mask" under later cpuset changes. */
void fc_spawn_step_aside(void);

#endif
