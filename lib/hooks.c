/* SPDX-License-Identifier: Apache-2.0 */
#include "lib/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/sys.h"

#define HOOK_OUTPUT_MAX 4096

static uint64_t now_ms(void)
{
        struct timespec ts;
        fc_sys_clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

struct capture {
        char buf[HOOK_OUTPUT_MAX];
        size_t len;
};

static void capture_read(int *fd, struct capture *c)
{
        char tmp[1024];
        ssize_t n = read(*fd, tmp, sizeof(tmp));
        if (n <= 0) {
                if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                        close(*fd);
                        *fd = -1;
                }
                return;
        }
        size_t room = sizeof(c->buf) - 1 - c->len;
        size_t take = (size_t) n < room ? (size_t) n : room;
        memcpy(c->buf + c->len, tmp, take);
        c->len += take;
        c->buf[c->len] = '\0';
}

static void trim(struct capture *c)
{
        while (c->len > 0 && (c->buf[c->len - 1] == '\n' || c->buf[c->len - 1] == ' '))
                c->buf[--c->len] = '\0';
}

/* How runc words a signal that killed a hook: Go's names, not the C
 * library's strsignal() (glibc: "Killed", musl: other texts again). */
static const char *signal_text(int sig, char buf[16])
{
        static const char *const names[] = {
                [SIGHUP] = "hangup",
                [SIGINT] = "interrupt",
                [SIGQUIT] = "quit",
                [SIGILL] = "illegal instruction",
                [SIGTRAP] = "trace/breakpoint trap",
                [SIGABRT] = "aborted",
                [SIGBUS] = "bus error",
                [SIGFPE] = "floating point exception",
                [SIGKILL] = "killed",
                [SIGUSR1] = "user defined signal 1",
                [SIGSEGV] = "segmentation fault",
                [SIGUSR2] = "user defined signal 2",
                [SIGPIPE] = "broken pipe",
                [SIGALRM] = "alarm clock",
                [SIGTERM] = "terminated",
                [SIGSTKFLT] = "stack fault",
                [SIGCHLD] = "child exited",
                [SIGCONT] = "continued",
                [SIGSTOP] = "stopped (signal)",
                [SIGTSTP] = "stopped",
                [SIGTTIN] = "stopped (tty input)",
                [SIGTTOU] = "stopped (tty output)",
                [SIGURG] = "urgent I/O condition",
                [SIGXCPU] = "CPU time limit exceeded",
                [SIGXFSZ] = "file size limit exceeded",
                [SIGVTALRM] = "virtual timer expired",
                [SIGPROF] = "profiling timer expired",
                [SIGWINCH] = "window changed",
                [SIGIO] = "I/O possible",
                [SIGPWR] = "power failure",
                [SIGSYS] = "bad system call",
        };
        if (sig > 0 && (size_t) sig < sizeof(names) / sizeof(names[0]) && names[sig] != NULL)
                return names[sig];
        snprintf(buf, 16, "signal %d", sig);
        return buf;
}

static int run_one(const struct fc_hook *h, size_t index, const char *kind, const char *state,
                   fc_error_t *err)
{
        int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0) {
                int e = -errno;
                for (int i = 0; i < 2; i++) {
                        if (in[i] >= 0)
                                close(in[i]);
                        if (out[i] >= 0)
                                close(out[i]);
                        if (er[i] >= 0)
                                close(er[i]);
                }
                return fc_error_setm(err, e, "%s hook #%zu: pipe", kind, index);
        }
        /* Build argv/envp before fork: nothing that allocates after it. */
        size_t argc = h->n_args ? h->n_args : 1;
        char **argv = calloc(argc + 1, sizeof(char *));
        char **envp = calloc(h->n_env + 1, sizeof(char *));
        if (argv == NULL || envp == NULL) {
                free(argv);
                free(envp);
                for (int i = 0; i < 2; i++) {
                        close(in[i]);
                        close(out[i]);
                        close(er[i]);
                }
                return fc_error_set(err, -ENOMEM, "out of memory");
        }
        if (h->n_args)
                for (size_t i = 0; i < h->n_args; i++)
                        argv[i] = h->args[i];
        else
                argv[0] = h->path;
        for (size_t i = 0; i < h->n_env; i++)
                envp[i] = h->env[i];

        pid_t pid = fc_sys_fork();
        if (pid < 0) {
                int e = -errno;
                free(argv);
                free(envp);
                for (int i = 0; i < 2; i++) {
                        close(in[i]);
                        close(out[i]);
                        close(er[i]);
                }
                return fc_error_setm(err, e, "%s hook #%zu: fork", kind, index);
        }
        if (pid == 0) {
                /* The hook must not inherit the runtime's signal mask (run
                 * blocks signals to forward them). */
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(er[1], 2) < 0)
                        _exit(127);
                fc_sys_close_range(3, ~0U, 0);
                execve(h->path, argv, envp);
                _exit(127);
        }
        free(argv);
        free(envp);
        close(in[0]);
        close(out[1]);
        close(er[1]);
        int pidfd = fc_sys_pidfd_open(pid, 0);

        /* Feed stdin without blocking: a hook that never reads must not
         * wedge us; it just sees EPIPE. */
        fcntl(in[1], F_SETFL, O_NONBLOCK);
        size_t state_len = strlen(state), written = 0;
        int ofd = out[0], efd = er[0], ifd = in[1];
        struct capture *co = calloc(1, sizeof(*co)), *ce = calloc(1, sizeof(*ce));
        uint64_t deadline = h->has_timeout ? now_ms() + (uint64_t) h->timeout * 1000 : 0;
        bool timed_out = false, exited = false;
        int wstatus = 0;
        sigset_t pipe_set, old_set;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        sigprocmask(SIG_BLOCK, &pipe_set, &old_set);
        sigset_t pending_before;
        sigpending(&pending_before);

        while (!exited) {
                struct pollfd p[4];
                int np = 0, ipi = -1, opi = -1, epi = -1, ppi = -1;
                if (ifd >= 0) {
                        p[np] = (struct pollfd){.fd = ifd, .events = POLLOUT};
                        ipi = np++;
                }
                if (ofd >= 0) {
                        p[np] = (struct pollfd){.fd = ofd, .events = POLLIN};
                        opi = np++;
                }
                if (efd >= 0) {
                        p[np] = (struct pollfd){.fd = efd, .events = POLLIN};
                        epi = np++;
                }
                if (pidfd >= 0) {
                        p[np] = (struct pollfd){.fd = pidfd, .events = POLLIN};
                        ppi = np++;
                }
                int timeout = 100;
                if (deadline) {
                        uint64_t now = now_ms();
                        if (now >= deadline) {
                                timed_out = true;
                                kill(pid, SIGKILL);
                                waitpid(pid, &wstatus, 0);
                                exited = true;
                                break;
                        }
                        if (deadline - now < 100)
                                timeout = (int) (deadline - now);
                }
                int r = poll(p, (nfds_t) np, timeout);
                if (r < 0 && errno != EINTR) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &wstatus, 0);
                        exited = true;
                        break;
                }
                if (ipi >= 0 && p[ipi].revents) {
                        ssize_t n = write(ifd, state + written, state_len - written);
                        if (n > 0)
                                written += (size_t) n;
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                                written = state_len;
                        if (written >= state_len) {
                                close(ifd);
                                ifd = -1;
                        }
                }
                if (opi >= 0 && p[opi].revents)
                        capture_read(&ofd, co);
                if (epi >= 0 && p[epi].revents)
                        capture_read(&efd, ce);
                if ((ppi >= 0 && p[ppi].revents) || pidfd < 0) {
                        pid_t w = waitpid(pid, &wstatus, pidfd < 0 ? WNOHANG : 0);
                        if (w == pid)
                                exited = true;
                }
        }
        /* Drain what is already buffered, without waiting for grandchildren
         * that may hold the pipes open. */
        if (ofd >= 0) {
                fcntl(ofd, F_SETFL, O_NONBLOCK);
                capture_read(&ofd, co);
        }
        if (efd >= 0) {
                fcntl(efd, F_SETFL, O_NONBLOCK);
                capture_read(&efd, ce);
        }
        /* A hook that did not read its stdin left a SIGPIPE pending: eat
         * it before unblocking, unless one was pending already. */
        if (!sigismember(&pending_before, SIGPIPE)) {
                struct timespec zero = {0, 0};
                while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
                        ;
        }
        sigprocmask(SIG_SETMASK, &old_set, NULL);
        if (ifd >= 0)
                close(ifd);
        if (ofd >= 0)
                close(ofd);
        if (efd >= 0)
                close(efd);
        if (pidfd >= 0)
                close(pidfd);

        int r = 0;
        char sigbuf[16];
        if (co == NULL || ce == NULL) {
                r = fc_error_set(err, -ENOMEM, "out of memory");
        } else {
                trim(co);
                trim(ce);
                if (timed_out)
                        r = fc_error_set(err, -ETIMEDOUT,
                                         "error running %s hook #%zu: hook ran past specified "
                                         "timeout of %d.0s, stdout: %s, stderr: %s",
                                         kind, index, h->timeout, co->buf, ce->buf);
                else if (!exited)
                        r = fc_error_set(err, -ECHILD, "error running %s hook #%zu: lost track",
                                         kind, index);
                else if (WIFSIGNALED(wstatus))
                        r = fc_error_set(err, -EIO,
                                         "error running %s hook #%zu: signal: %s, stdout: %s, "
                                         "stderr: %s",
                                         kind, index, signal_text(WTERMSIG(wstatus), sigbuf),
                                         co->buf, ce->buf);
                else if (WEXITSTATUS(wstatus) == 127 && co->len == 0 && ce->len == 0)
                        r = fc_error_set(err, -ENOENT,
                                         "error running %s hook #%zu: exec %s: no such file or "
                                         "not executable",
                                         kind, index, h->path);
                else if (WEXITSTATUS(wstatus) != 0)
                        r = fc_error_set(err, -EIO,
                                         "error running %s hook #%zu: exit status %d, stdout: %s, "
                                         "stderr: %s",
                                         kind, index, WEXITSTATUS(wstatus), co->buf, ce->buf);
        }
        free(co);
        free(ce);
        return r;
}

int fc_hooks_run(const struct fc_hook *hooks, size_t n, const char *kind, const char *state_json,
                 fc_error_t *err)
{
        for (size_t i = 0; i < n; i++) {
                int r = run_one(&hooks[i], i, kind, state_json, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
