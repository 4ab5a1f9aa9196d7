/* SPDX-License-Identifier: Apache-2.0 */
#include "lib/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/context.h"
#include "lib/fdpass.h"
#include "lib/heap.h"
#include "lib/sys.h"

int fc_sync_send(int fd, enum fc_sync_type type, int status, const char *text)
{
        return fc_sync_send_fd(fd, type, status, text, -1);
}

int fc_sync_send_fds(int fd, enum fc_sync_type type, int status, const char *text, const int *fds,
                     size_t nfds)
{
        struct fc_sync_msg m;
        memset(&m, 0, sizeof(m));
        m.type = type;
        m.status = status;
        if (text)
                snprintf(m.text, sizeof(m.text), "%s", text);
        ssize_t n = fc_fdpass_sendv(fd, &m, sizeof(m), fds, nfds);
        if (n == (ssize_t) sizeof(m))
                return 0;
        return n < 0 ? (int) n : -EIO;
}

int fc_sync_send_fd(int fd, enum fc_sync_type type, int status, const char *text, int passfd)
{
        return fc_sync_send_fds(fd, type, status, text, &passfd, passfd >= 0 ? 1 : 0);
}

int fc_sync_recv_fds(int fd, struct fc_sync_msg *m, int *fds, size_t max, size_t *ret_n,
                     fc_error_t *err)
{
        return fc_sync_recv_fds_spin(fd, m, fds, max, ret_n, 0, err);
}

int fc_sync_recv_fds_spin(int fd, struct fc_sync_msg *m, int *fds, size_t max, size_t *ret_n,
                          uint64_t spin_ns, fc_error_t *err)
{
        ssize_t n = fc_fdpass_recvv_spin(fd, m, sizeof(*m), fds, max, ret_n, spin_ns);
        /* A peer that exits with messages of ours unread resets the
         * connection, and the reset is reported before what it sent last
         * (its error): once reported, the reset is cleared, so read on. */
        if (n == -ECONNRESET)
                n = fc_fdpass_recvv(fd, m, sizeof(*m), fds, max, ret_n);
        if (n < 0)
                return fc_error_setm(err, (int) n, "read from container init");
        if (n == 0 || n != (ssize_t) sizeof(*m)) {
                for (size_t i = 0; i < *ret_n; i++)
                        close(fds[i]);
                *ret_n = 0;
                if (n == 0)
                        return fc_error_set(err, -EPIPE, "container init exited before reporting");
                return fc_error_set(err, -EPROTO, "short message from container init");
        }
        m->text[sizeof(m->text) - 1] = '\0';
        return 0;
}

int fc_sync_recv_fd(int fd, struct fc_sync_msg *m, int *ret_fd, fc_error_t *err)
{
        size_t n = 0;
        *ret_fd = -1;
        return fc_sync_recv_fds(fd, m, ret_fd, 1, &n, err);
}

int fc_sync_recv(int fd, struct fc_sync_msg *m, fc_error_t *err)
{
        int passed = -1;
        int r = fc_sync_recv_fd(fd, m, &passed, err);
        if (passed >= 0)
                close(passed);
        return r;
}

void fc_sync_send_error(int fd, const fc_error_t *e)
{
        fc_sync_send(fd, FC_SYNC_ERROR, e->status ? e->status : -EIO,
                     e->msg ? e->msg : strerror(e->status ? -e->status : EIO));
}

/* Drops the stack pages below this frame (and a margin for the calls
 * still to come): deeper calls made before this one (the config's parse,
 * formatting text) left them mapped, and a clone would leave them
 * shared.  Then each side's first write to one costs a fault on a fresh
 * page instead of a copy-on-write fault (10-11 against 23-25 us on a VM
 * with shadow page tables), and the clone copies fewer page-table entries.
 * Nothing lives below the stack pointer but the frames of the madvise
 * call itself. */
static __attribute__((noinline)) void drop_stack_below(void)
{
        const uintptr_t page = (uintptr_t) sysconf(_SC_PAGESIZE), len = (uintptr_t) 128 << 10;
        uintptr_t sp = (uintptr_t) __builtin_frame_address(0);
        uintptr_t hi = (sp - 1024) & ~(page - 1); /* madvise's own frames: < 1 KiB */
        (void) madvise((void *) (hi - len), len, MADV_DONTNEED);
}

int fc_spawn_reset_signals(fc_error_t *err)
{
        sigset_t none;
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                return fc_error_setm(err, -errno, "reset signal mask");
        for (int sig = 1; sig < NSIG; sig++) {
                if (sig != SIGKILL && sig != SIGSTOP)
                        fc_sys_signal_default(sig);
        }
        return 0;
}

pid_t fc_spawn_clone(uint64_t flags, int cgroup_fd, int *ret_pidfd, bool *ret_into_cgroup,
                     fc_error_t *err)
{
        drop_stack_below();
        int pidfd = -1;
        struct fc_clone_args args;
        memset(&args, 0, sizeof(args));
        args.flags = flags | CLONE_PIDFD;
        args.pidfd = (uint64_t) (uintptr_t) &pidfd;
        args.exit_signal = SIGCHLD;
        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t) cgroup_fd;
        }
        *ret_into_cgroup = cgroup_fd >= 0;
        pid_t pid = fc_sys_clone3(&args);
        if (pid < 0 && (errno == ENOSYS || errno == E2BIG)) {
                /* No clone3 (old kernels, and valgrind): plain clone with
                 * fork semantics.  The caller then moves the child into its
                 * cgroup and the child unshares the cgroup namespace. */
                *ret_into_cgroup = false;
                uint64_t f = flags & ~(uint64_t) CLONE_NEWCGROUP;
                pid = (pid_t) syscall(SYS_clone, (unsigned long) (f | CLONE_PIDFD | SIGCHLD), 0UL,
                                      &pidfd, NULL, 0UL);
        }
        if (pid < 0)
                return fc_error_setm(err, -errno, "clone3");
        /* Both sides live a short while from here (the child until its
         * execve, the runtime until it exits or waits) and would otherwise
         * reuse blocks on the pages the clone left shared. */
        fc_heap_seal();
        if (pid == 0)
                return 0;
        *ret_pidfd = pidfd;
        return pid;
}

void fc_spawn_step_aside(void)
{
        cpu_set_t allowed;
        int here = sched_getcpu();
        if (here < 0 || sched_getaffinity(0, sizeof(allowed), &allowed) < 0 ||
            CPU_COUNT(&allowed) < 2)
                return;
        /* The next allowed CPU after ours, round the set. */
        for (int i = 1; i < CPU_SETSIZE; i++) {
                int cpu = (here + i) % CPU_SETSIZE;
                if (!CPU_ISSET(cpu, &allowed))
                        continue;
                cpu_set_t one;
                CPU_ZERO(&one);
                CPU_SET(cpu, &one);
                if (sched_setaffinity(0, sizeof(one), &one) == 0)
                        (void) sched_setaffinity(0, sizeof(allowed), &allowed);
                return;
        }
}
