/* SPDX-License-Identifier: Apache-2.0
 *
 * Trees built by a child of the cache: see lib/parts/treejob.h.
 */
#include "lib/parts/treejob.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/sys.h"

void fc_tree_job_init(struct fc_tree_job *j)
{
        *j = (struct fc_tree_job){.sock = -1};
}

int fc_tree_job_start(struct fc_tree_job *j, int (*child)(int sock, const void *arg),
                      const void *arg, uint64_t now)
{
        if (j->pid > 0)
                return -EBUSY;
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid == 0) {
                /* Nothing of the cache's (its lock, listening socket,
                 * clients, parts), and its stop signals, blocked there for
                 * its signalfd, kill us. */
                if (sv[1] > 3)
                        fc_sys_close_range(3, (unsigned) sv[1] - 1, 0);
                fc_sys_close_range((unsigned) sv[1] + 1, ~0U, 0);
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                _exit(child(sv[1], arg));
        }
        int r = pid < 0 ? -errno : 0;
        close(sv[1]);
        if (r < 0) {
                close(sv[0]);
                return r;
        }
        j->pid = pid;
        j->sock = sv[0];
        j->deadline_ns = now + FC_TREE_JOB_TIMEOUT_NS;
        return 0;
}

bool fc_tree_job_overdue(const struct fc_tree_job *j, uint64_t now)
{
        return j->pid > 0 && now >= j->deadline_ns;
}

int fc_tree_job_wake_ms(const struct fc_tree_job *j, uint64_t now)
{
        if (j->pid <= 0)
                return -1;
        return j->deadline_ns <= now ? 0 : (int) ((j->deadline_ns - now) / 1000000ULL) + 1;
}

/* Wait for `pid` now, or later from the reap when it is still tearing its
 * namespace down. */
static void reap_later(struct fc_tree_job *j, pid_t pid)
{
        pid_t r;
        while ((r = waitpid(pid, NULL, WNOHANG)) < 0 && errno == EINTR)
                ;
        if (r != 0)
                return;
        if (j->n_exited < sizeof(j->exited) / sizeof(j->exited[0])) {
                j->exited[j->n_exited++] = pid;
                return;
        }
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

int fc_tree_job_finish(struct fc_tree_job *j, int *second)
{
        if (second != NULL)
                *second = -1;
        if (j->pid <= 0)
                return -1;
        int fds[2] = {-1, -1};
        size_t n = 0;
        struct pollfd pf = {.fd = j->sock, .events = POLLIN};
        char b;
        /* Readable: its tree, or its exit (EOF) when it failed. */
        if (poll(&pf, 1, 0) != 1 || fc_fdpass_recvv(j->sock, &b, 1, fds, 2, &n) != 1 || n < 1 ||
            (n == 2) != (second != NULL)) {
                for (size_t i = 0; i < n; i++)
                        close(fds[i]);
                fds[0] = fds[1] = -1;
                kill(j->pid, SIGKILL);
        }
        int fd = fds[0];
        if (second != NULL)
                *second = fds[1];
        close(j->sock);
        reap_later(j, j->pid);
        j->pid = 0;
        j->sock = -1;
        return fd;
}

void fc_tree_job_reap(struct fc_tree_job *j, bool wait)
{
        if (wait && j->pid > 0) {
                kill(j->pid, SIGKILL);
                close(j->sock);
                while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                j->pid = 0;
                j->sock = -1;
        }
        for (unsigned i = j->n_exited; i-- > 0;) {
                pid_t r;
                while ((r = waitpid(j->exited[i], NULL, wait ? 0 : WNOHANG)) < 0 && errno == EINTR)
                        ;
                if (r != 0)
                        j->exited[i] = j->exited[--j->n_exited];
        }
}
