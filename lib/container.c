/* SPDX-License-Identifier: Apache-2.0
 *
 * start, run, state, kill, delete, list: everything after create.  Each
 * command finds the container through <root>/<id>/state.json and judges
 * its status from the init's liveness (pid + start time), never from what
 * the file last said.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/process.h"
#include "lib/container-internal.h"
#include "lib/hooks.h"
#include "lib/parts/parts.h"
#include "lib/status.h"
#include "lib/sys.h"
#include "lib/terminal.h"

static struct fc_state *open_container(const struct fc_context *ctx, const char *id, int *ret_dirfd,
                                       fc_error_t *err)
{
        int dirfd = fc_status_open(ctx->root, id, err);
        if (dirfd < 0)
                return NULL;
        struct fc_state *s = fc_status_read(dirfd, id, err);
        if (s == NULL || fc_status_refresh(dirfd, s, err) < 0) {
                fc_state_free(s);
                close(dirfd);
                return NULL;
        }
        *ret_dirfd = dirfd;
        return s;
}

/* pidfd_send_signal, falling back to kill(2) where the kernel (or valgrind)
 * lacks it; the caller proved the pid is ours a moment ago. */
static int signal_pidfd(int pidfd, pid_t pid, int sig)
{
        if (pidfd >= 0) {
                if (fc_sys_pidfd_send_signal(pidfd, sig, NULL, 0) == 0)
                        return 0;
                if (errno != ENOSYS)
                        return -1;
        }
        return kill(pid, sig);
}

/* Open the init's pidfd only after checking it is still the process we
 * started: a pidfd then pins that exact process, so a signal cannot reach
 * a recycled pid.  Where pidfd_open is missing (old kernels, valgrind)
 * *ret_fd is -1 and callers fall back to the pid, checked by start time. */
static int open_init_pidfd(const struct fc_state *s, int *ret_fd, fc_error_t *err)
{
        *ret_fd = -1;
        int fd = fc_sys_pidfd_open(s->pid, 0);
        if (fd < 0 && errno != ENOSYS)
                return fc_error_set(err, -ESRCH, "container not running");
        if (!fc_status_init_alive(s)) {
                if (fd >= 0)
                        close(fd);
                return fc_error_set(err, -ESRCH, "container not running");
        }
        *ret_fd = fd;
        return 0;
}

static struct fc_config *saved_config(const struct fc_state *s, fc_error_t *err)
{
        if (s->config_path == NULL)
                return NULL;
        return fc_config_load(s->config_path, err);
}

static int state_json_with(struct fc_state *s, const char *status, char **ret, fc_error_t *err)
{
        int r = fc_state_set_status(s, status, err);
        if (r < 0)
                return r;
        *ret = fc_state_to_oci_json(s, false, err);
        return *ret ? 0 : (err->status ? err->status : -ENOMEM);
}

int fc_container_start_internal(const struct fc_context *ctx, int dirfd, struct fc_state *s,
                                const struct fc_config *cfg, fc_error_t *err)
{
        if (strcmp(s->status, "created") != 0) {
                if (strcmp(s->status, "stopped") == 0)
                        return fc_error_set(err, -EINVAL,
                                            "cannot start a container that has stopped");
                if (strcmp(s->status, "running") == 0)
                        return fc_error_set(err, -EINVAL,
                                            "cannot start an already running container");
                return fc_error_set(err, -EINVAL, "cannot start a container in the %s state",
                                    s->status);
        }
        cleanup_close int pidfd = -1;
        int r = open_init_pidfd(s, &pidfd, err);
        if (r < 0)
                return r;
        /* The init holds the fifo open for reading and blocks in read();
         * O_NONBLOCK makes a dead init an ENXIO here instead of a hang. */
        cleanup_close int fifo = openat(dirfd, FC_EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fifo < 0) {
                if (errno == ENOENT)
                        return fc_error_set(err, -EINVAL,
                                            "cannot start an already running container");
                if (errno == ENXIO)
                        return fc_error_set(err, -ESRCH,
                                            "container init exited before it was started");
                return fc_error_setm(err, -errno, "open exec.fifo");
        }
        fc_trace(ctx, "start-fifo");
        /* Removing the fifo is the claim: of two concurrent starts exactly
         * one unlinks it, so poststart hooks run once. */
        if (unlinkat(dirfd, FC_EXEC_FIFO, 0) < 0) {
                if (errno == ENOENT)
                        return fc_error_set(err, -EINVAL,
                                            "cannot start an already running container");
                return fc_error_setm(err, -errno, "remove exec.fifo");
        }
        fc_trace(ctx, "start-claimed");
        if (write(fifo, "0", 1) != 1)
                return fc_error_setm(err, -errno, "write exec.fifo");
        return fc_container_started(ctx, s, cfg, pidfd, err);
}

int fc_container_started(const struct fc_context *ctx, struct fc_state *s,
                         const struct fc_config *cfg, int pidfd, fc_error_t *err)
{
        (void) ctx;
        int r = fc_state_set_status(s, "running", err);
        if (r < 0)
                return r;

        cleanup_config struct fc_config *loaded = NULL;
        if (cfg == NULL) {
                loaded = saved_config(s, err);
                cfg = loaded;
        }
        if (cfg && cfg->hooks && cfg->hooks->n_hooks[FC_HOOK_POSTSTART]) {
                cleanup_free char *json = NULL;
                r = state_json_with(s, "running", &json, err);
                if (r == 0)
                        r = fc_hooks_run(cfg->hooks->hooks[FC_HOOK_POSTSTART],
                                         cfg->hooks->n_hooks[FC_HOOK_POSTSTART], "poststart", json,
                                         err);
                if (r < 0) {
                        /* runc tears the container down when a poststart
                         * hook fails; the caller sees the hook's error. */
                        signal_pidfd(pidfd, s->pid, SIGKILL);
                        return r;
                }
        }
        return 0;
}

int fc_container_start(const struct fc_context *ctx, const char *id, fc_error_t *err)
{
        cleanup_close int dirfd = -1;
        cleanup_state struct fc_state *s = open_container(ctx, id, &dirfd, err);
        if (s == NULL)
                return err->status;
        /* poststart hooks come from the config as it was at create, saved
         * in the state dir when it has hooks; the bundle may have changed. */
        cleanup_config struct fc_config *cfg = NULL;
        if (s->config_path != NULL) {
                cfg = saved_config(s, err);
                if (cfg == NULL)
                        return err->status ? err->status : -EIO;
        }
        return fc_container_start_internal(ctx, dirfd, s, cfg, err);
}

static int wait_pidfd(int pidfd, int timeout_ms)
{
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        for (;;) {
                int r = poll(&p, 1, timeout_ms);
                if (r < 0 && errno == EINTR)
                        continue;
                return r;
        }
}

int fc_container_destroy(const struct fc_context *ctx, struct fc_state *s,
                         const struct fc_config *cfg, struct fc_cgroup *live_cg, fc_error_t *err)
{
        int r = 0;
        cleanup_config struct fc_config *loaded = NULL;
        if (cfg == NULL && s->config_path) {
                fc_error_t e = FC_ERROR_INIT;
                loaded = saved_config(s, &e);
                if (loaded == NULL)
                        fc_log(ctx, FC_LOG_WARN, "poststop hooks not run: %s",
                               e.msg ? e.msg : "cannot read saved config");
                fc_error_clear(&e);
                cfg = loaded;
        }
        fc_trace(ctx, "destroy-cgroup");
        if (s->cgroup && s->cgroup[0]) {
                fc_error_t e = FC_ERROR_INIT;
                struct fc_cgroup *cg =
                        live_cg != NULL ? live_cg : fc_cgroup_deserialize(s->cgroup, &e);
                /* Where the parts cache pools, it removes the cgroup (v1)
                 * off our path; the rest is removed here. */
                if (cg == NULL || fc_parts_retire_cgroup(ctx, s->cgroup_pool, cg, &e) < 0 ||
                    fc_cgroup_destroy(cg, &e) < 0) {
                        r = e.status ? e.status : -EIO;
                        fc_error_append(err, &e);
                }
                if (cg != live_cg)
                        fc_cgroup_free(cg);
                fc_error_clear(&e);
        }
        /* Hooks after the container's resources are gone, as the spec's
         * "after the container is deleted"; their failure is a warning. */
        if (cfg && cfg->hooks && cfg->hooks->n_hooks[FC_HOOK_POSTSTOP]) {
                fc_error_t e = FC_ERROR_INIT;
                cleanup_free char *json = NULL;
                if (state_json_with(s, "stopped", &json, &e) == 0)
                        fc_hooks_run(cfg->hooks->hooks[FC_HOOK_POSTSTOP],
                                     cfg->hooks->n_hooks[FC_HOOK_POSTSTOP], "poststop", json, &e);
                if (e.status)
                        fc_log(ctx, FC_LOG_WARN, "%s", e.msg ? e.msg : "poststop hook failed");
                fc_error_clear(&e);
        }
        fc_trace(ctx, "destroy-state");
        fc_error_t e = FC_ERROR_INIT;
        if (fc_status_remove(ctx->root, s->id, &e) < 0) {
                r = e.status;
                fc_error_append(err, &e);
        }
        return r;
}

/* SIGKILL the init (and the rest of its cgroup) and wait until it is
 * gone, bounded. */
static bool shares_our_pidns(pid_t pid)
{
        char path[64];
        struct stat a, b;
        snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int) pid);
        if (stat(path, &a) < 0 || stat("/proc/self/ns/pid", &b) < 0)
                return true;
        return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Thaw the container's cgroup if it is frozen; errors do not matter here
 * (thawing a cgroup that is not frozen is a no-op). */
static void thaw(const struct fc_state *s)
{
        if (s->cgroup == NULL || s->cgroup[0] == '\0')
                return;
        fc_error_t e = FC_ERROR_INIT;
        struct fc_cgroup *cg = fc_cgroup_deserialize(s->cgroup, &e);
        if (cg)
                fc_cgroup_freeze(cg, false, &e);
        fc_cgroup_free(cg);
        fc_error_clear(&e);
}

static int kill_and_wait(struct fc_state *s, fc_error_t *err)
{
        /* With its own pid namespace the container dies with its init.
         * Only a container sharing a pid namespace needs its cgroup swept,
         * as runc does; never sweep otherwise: cgroupsPath may name a
         * cgroup that other processes live in. */
        if (s->cgroup && s->cgroup[0] && s->pid > 0 && fc_status_init_alive(s) &&
            shares_our_pidns(s->pid)) {
                fc_error_t e = FC_ERROR_INIT;
                struct fc_cgroup *cg = fc_cgroup_deserialize(s->cgroup, &e);
                if (cg)
                        fc_cgroup_signal_all(cg, SIGKILL, &e);
                fc_cgroup_free(cg);
                fc_error_clear(&e);
        }
        if (s->pid <= 0)
                return 0;
        fc_error_t e = FC_ERROR_INIT;
        int pidfd = -1;
        int r = open_init_pidfd(s, &pidfd, &e);
        fc_error_clear(&e);
        if (r < 0)
                return 0;
        signal_pidfd(pidfd, s->pid, SIGKILL);
        /* A frozen (paused) v1 task takes SIGKILL only once thawed. */
        thaw(s);
        bool gone = false;
        if (pidfd >= 0) {
                gone = wait_pidfd(pidfd, 10000) > 0;
                close(pidfd);
        } else {
                for (int i = 0; i < 1000 && !gone; i++) {
                        waitpid(s->pid, NULL, WNOHANG);
                        gone = !fc_status_init_alive(s);
                        if (!gone)
                                usleep(10000);
                }
        }
        /* Our own child (run) must be reaped, or it stays a zombie. */
        waitpid(s->pid, NULL, WNOHANG);
        if (!gone)
                return fc_error_set(err, -ETIMEDOUT, "container init did not exit after SIGKILL");
        return 0;
}

int fc_container_delete(const struct fc_context *ctx, const char *id, bool force, fc_error_t *err)
{
        cleanup_close int dirfd = -1;
        fc_error_t e = FC_ERROR_INIT;
        cleanup_state struct fc_state *s = open_container(ctx, id, &dirfd, &e);
        if (s == NULL) {
                /* runc: `delete --force` of a container that is gone is done. */
                if (force && e.status == -ENOENT) {
                        fc_error_clear(&e);
                        return 0;
                }
                *err = e;
                return err->status;
        }
        const char *st = s->status;
        if (strcmp(st, "stopped") != 0 && strcmp(st, "creating") != 0) {
                /* runc deletes a created container without --force: it never
                 * ran anything. */
                if (!force && strcmp(st, "created") != 0)
                        return fc_error_set(err, -EBUSY,
                                            "cannot delete container %s that is not stopped: %s",
                                            id, st);
                fc_trace(ctx, "delete-kill");
                int r = kill_and_wait(s, err);
                if (r < 0)
                        return r;
        } else if (strcmp(st, "creating") == 0 && !force) {
                return fc_error_set(err, -EBUSY,
                                    "cannot delete container %s that is not stopped: creating", id);
        }
        return fc_container_destroy(ctx, s, NULL, NULL, err);
}

char *fc_container_state(const struct fc_context *ctx, const char *id, fc_error_t *err)
{
        cleanup_close int dirfd = -1;
        cleanup_state struct fc_state *s = open_container(ctx, id, &dirfd, err);
        if (s == NULL)
                return NULL;
        if (strcmp(s->status, "stopped") == 0)
                s->pid = 0;
        return fc_state_to_oci_json(s, true, err);
}

int fc_container_kill(const struct fc_context *ctx, const char *id, int sig, bool all,
                      fc_error_t *err)
{
        cleanup_close int dirfd = -1;
        cleanup_state struct fc_state *s = open_container(ctx, id, &dirfd, err);
        if (s == NULL)
                return err->status;
        /* --all still reaches a stopped container's cgroup, as runc's does: without a pid
         * namespace of its own, processes outlive the init, and containerd's shim cleans them
         * up with `kill --all ID KILL` after the init exited (it waits and retries when that
         * fails). */
        bool stopped = strcmp(s->status, "stopped") == 0;
        if ((stopped && !(all && s->cgroup && s->cgroup[0])) || strcmp(s->status, "creating") == 0)
                return fc_error_set(err, -ESRCH, "container not running");
        if (all && s->cgroup && s->cgroup[0]) {
                struct fc_cgroup *cg = fc_cgroup_deserialize(s->cgroup, err);
                if (cg == NULL)
                        return err->status;
                int r = fc_cgroup_signal_all(cg, sig, err);
                fc_cgroup_free(cg);
                return r;
        }
        cleanup_close int pidfd = -1;
        int r = open_init_pidfd(s, &pidfd, err);
        if (r < 0)
                return r;
        if (signal_pidfd(pidfd, s->pid, sig) < 0)
                return fc_error_setm(err, -errno, "signal container init");
        if (sig == SIGKILL && strcmp(s->status, "paused") == 0)
                thaw(s);
        return 0;
}

/* `list` shows the state dir owner's name, as runc does (while `state`
 * keeps the OCI "owner" field as stored). */
static void set_owner_name(struct fc_state *s, int dirfd)
{
        struct stat st;
        if (fstat(dirfd, &st) < 0)
                return;
        char *name = NULL;
        fc_error_t e = FC_ERROR_INIT;
        if (fc_process_passwd_lookup("/etc/passwd", st.st_uid, FC_PASSWD_NAME, &name, &e) <= 0 &&
            asprintf(&name, "#%u", (unsigned) st.st_uid) < 0)
                name = NULL;
        fc_error_clear(&e);
        if (name) {
                free(s->owner);
                s->owner = name;
        }
}

int fc_container_list(const struct fc_context *ctx, struct fc_state ***ret, size_t *ret_n,
                      fc_error_t *err)
{
        char **ids = NULL;
        size_t n = 0;
        *ret = NULL;
        *ret_n = 0;
        int r = fc_status_list_ids(ctx->root, &ids, &n, err);
        if (r < 0)
                return r;
        struct fc_state **out = calloc(n + 1, sizeof(*out));
        if (out == NULL) {
                fc_strv_free(ids);
                return fc_error_set(err, -ENOMEM, "out of memory");
        }
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                fc_error_t e = FC_ERROR_INIT;
                int dirfd = -1;
                struct fc_state *s = open_container(ctx, ids[i], &dirfd, &e);
                if (s == NULL) {
                        /* A container deleted meanwhile, or garbage: runc
                         * skips those. */
                        fc_log(ctx, FC_LOG_WARN, "%s: %s", ids[i], e.msg ? e.msg : "unreadable");
                        fc_error_clear(&e);
                        continue;
                }
                set_owner_name(s, dirfd);
                close(dirfd);
                if (strcmp(s->status, "stopped") == 0)
                        s->pid = 0;
                out[k++] = s;
        }
        fc_strv_free(ids);
        *ret = out;
        *ret_n = k;
        return 0;
}

/* `run` cannot go on with a container it created: kill it, reap it and
 * remove what it owns, so a failure leaves no process, cgroup or state. */
static void abandon_run(const struct fc_context *ctx, struct fc_created *c)
{
        fc_error_t e = FC_ERROR_INIT;
        /* Reap it; without blocking if it did not die in time. */
        int killed = kill_and_wait(c->state, &e);
        waitpid(c->pid, NULL, killed == 0 ? 0 : WNOHANG);
        fc_container_destroy(ctx, c->state, c->cfg, c->cg, &e);
        fc_error_clear(&e);
}

int fc_container_run(const struct fc_context *ctx, const struct fc_create_opts *o, bool detach,
                     bool keep, int *ret_exit_code, fc_error_t *err)
{
        *ret_exit_code = 0;
        /* Block the signals we forward before the init exists, so none is
         * lost between start and the wait loop; the init resets its mask. */
        sigset_t fwd, old;
        sigfillset(&fwd);
        sigdelset(&fwd, SIGKILL);
        sigdelset(&fwd, SIGSTOP);
        sigdelset(&fwd, SIGSEGV);
        sigdelset(&fwd, SIGBUS);
        sigdelset(&fwd, SIGILL);
        sigdelset(&fwd, SIGFPE);
        sigdelset(&fwd, SIGABRT);
        if (!detach)
                sigprocmask(SIG_BLOCK, &fwd, &old);

        struct fc_created c;
        struct fc_terminal_relay *relay = NULL;
        int r = fc_container_create_internal(ctx, o, !detach, true, &c, err);
        if (r < 0)
                goto out;
        r = fc_container_started(ctx, c.state, c.cfg, c.pidfd, err);
        if (r < 0) {
                abandon_run(ctx, &c);
                goto out;
        }
        fc_trace(ctx, "started");
        if (detach)
                goto out;

        int sfd = signalfd(-1, &fwd, SFD_CLOEXEC);
        if (sfd < 0) {
                r = fc_error_setm(err, -errno, "signalfd");
                abandon_run(ctx, &c);
                goto out;
        }
        if (c.console_master >= 0) {
                relay = fc_terminal_relay_new(c.console_master, err);
                if (relay == NULL) {
                        close(sfd);
                        r = err->status;
                        abandon_run(ctx, &c);
                        goto out;
                }
        }
        int wstatus = 0;
        bool relay_open = relay != NULL;
        uint64_t spin_end = fc_now_ns() + FC_SPIN_NS;
        for (;;) {
                struct pollfd p[4] = {{.fd = c.pidfd, .events = POLLIN},
                                      {.fd = sfd, .events = POLLIN},
                                      {.fd = -1},
                                      {.fd = -1}};
                if (relay_open) {
                        int fds[2];
                        short ev[2];
                        fc_terminal_relay_fds(relay, fds, ev, 2);
                        p[2] = (struct pollfd){.fd = fds[0], .events = ev[0]};
                        p[3] = (struct pollfd){.fd = fds[1], .events = ev[1]};
                }
                int pr = poll(p, 4, 0);
                while (pr == 0 && fc_spin_step(spin_end))
                        pr = poll(p, 4, 0);
                if (pr == 0)
                        pr = poll(p, 4, c.pidfd >= 0 ? -1 : 100);
                if (pr < 0 && errno != EINTR) {
                        r = fc_error_setm(err, -errno, "wait for container");
                        abandon_run(ctx, &c);
                        break;
                }
                if (relay_open && pr > 0) {
                        short rev[2] = {p[2].revents, p[3].revents};
                        if (fc_terminal_relay_step(relay, rev) == 0)
                                relay_open = false;
                }
                bool check_exit = c.pidfd < 0 || (pr > 0 && (p[0].revents & POLLIN));
                if (pr > 0 && p[1].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                if (si.ssi_signo == SIGCHLD)
                                        check_exit = true;
                                else if (si.ssi_signo == SIGWINCH && relay)
                                        fc_terminal_relay_resize(relay);
                                else if (si.ssi_signo != SIGWINCH && si.ssi_signo != SIGURG)
                                        signal_pidfd(c.pidfd, c.pid, (int) si.ssi_signo);
                        }
                }
                if (check_exit) {
                        /* SIGCHLD also covers a missing pidfd; reap only the
                         * init, other children are hooks we already waited. */
                        pid_t w;
                        while ((w = waitpid(c.pid, &wstatus, WNOHANG)) < 0 && errno == EINTR)
                                ;
                        if (w == c.pid) {
                                if (WIFEXITED(wstatus))
                                        *ret_exit_code = WEXITSTATUS(wstatus);
                                else if (WIFSIGNALED(wstatus))
                                        *ret_exit_code = 128 + WTERMSIG(wstatus);
                                break;
                        }
                        if (w < 0) {
                                r = fc_error_setm(err, -errno, "wait for container");
                                break;
                        }
                }
        }
        if (relay)
                fc_terminal_relay_drain(relay);
        close(sfd);
        fc_trace(ctx, "exited");
        if (r == 0 && !keep) {
                /* Processes left in the container's cgroup die with it.
                 * Our lock on the state dir goes first: the emptied dir can
                 * then be kept for the next create (lib/status.c). */
                if (c.dirfd >= 0) {
                        close(c.dirfd);
                        c.dirfd = -1;
                }
                c.pid = 0;
                c.state->pid = 0;
                r = fc_container_destroy(ctx, c.state, c.cfg, c.cg, err);
                fc_trace(ctx, "destroyed");
        }
out:
        fc_terminal_relay_free(relay);
        if (!detach)
                sigprocmask(SIG_SETMASK, &old, NULL);
        fc_created_clear(&c);
        return r;
}

struct sig_name {
        const char *name;
        int sig;
};

static const struct sig_name signals[] = {
        {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},       {"CHLD", SIGCHLD},
        {"CLD", SIGCHLD},  {"CONT", SIGCONT}, {"FPE", SIGFPE},       {"HUP", SIGHUP},
        {"ILL", SIGILL},   {"INT", SIGINT},   {"IO", SIGIO},         {"IOT", SIGIOT},
        {"KILL", SIGKILL}, {"PIPE", SIGPIPE}, {"POLL", SIGPOLL},     {"PROF", SIGPROF},
        {"PWR", SIGPWR},   {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV},     {"STKFLT", SIGSTKFLT},
        {"STOP", SIGSTOP}, {"SYS", SIGSYS},   {"TERM", SIGTERM},     {"TRAP", SIGTRAP},
        {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
        {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH},
        {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

int fc_signal_parse(const char *s, int *ret_sig, fc_error_t *err)
{
        if (s == NULL || s[0] == '\0')
                return fc_error_set(err, -EINVAL, "invalid signal: \"\"");
        if (s[0] >= '0' && s[0] <= '9') {
                errno = 0;
                char *end = NULL;
                long v = strtol(s, &end, 10);
                if (errno || *end || v < 0 || v >= NSIG)
                        return fc_error_set(err, -EINVAL, "invalid signal: %s", s);
                *ret_sig = (int) v;
                return 0;
        }
        /* runc accepts any case: "sigusr1", "Usr1". */
        const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
        for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
                if (strcasecmp(name, signals[i].name) == 0) {
                        *ret_sig = signals[i].sig;
                        return 0;
                }
        /* RTMIN+n / RTMAX-n, as runc accepts them, with the numbers Docker's
         * and runc's tables give them: RTMIN is 34 and RTMAX 64, as in
         * glibc.  Not the C library's SIGRTMIN: musl's is 35. */
        if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
                long off = 0;
                const char *rest = name + 5;
                if (*rest) {
                        if ((rest[0] != '+' && rest[0] != '-') || !rest[1])
                                return fc_error_set(err, -EINVAL, "invalid signal: %s", s);
                        errno = 0;
                        char *end = NULL;
                        off = strtol(rest, &end, 10);
                        if (errno || *end)
                                return fc_error_set(err, -EINVAL, "invalid signal: %s", s);
                }
                enum { RTMIN = 34, RTMAX = 64 };
                long v = ((name[3] == 'I' || name[3] == 'i') ? RTMIN : RTMAX) + off;
                if (v < RTMIN || v > RTMAX)
                        return fc_error_set(err, -EINVAL, "invalid signal: %s", s);
                *ret_sig = (int) v;
                return 0;
        }
        return fc_error_set(err, -EINVAL, "unknown signal \"%s\"", s);
}
