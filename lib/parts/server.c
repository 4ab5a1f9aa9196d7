/* SPDX-License-Identifier: Apache-2.0
 *
 * `flashcube cache serve`: one single-threaded poll loop (helpers are
 * cloned, so no threads), answering requests before anything else and
 * refilling the pools in the gaps between them.
 *
 * The instance lock (flock on "<socket>.lock", held for the process's
 * life) says whether a cache is running: the kernel drops it when the
 * process dies, even by SIGKILL, so a new instance that gets the lock
 * knows any socket and pid file it finds are a dead one's and removes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/parts/cache.h"
#include "lib/parts/cgpool.h"
#include "lib/parts/devpool.h"
#include "lib/parts/pool.h"
#include "lib/parts/protocol.h"
#include "lib/sys.h"

/* A create keeps its connection from its lease to its end (a few ms; the
 * close would wake us while it runs): room for a burst of them. */
#define MAX_CLIENTS 256
/* How long the loop must see no request before it refills above the low
 * water mark: refills then never delay a burst of leases. */
#define IDLE_MS           50
#define HELPER_TIMEOUT_NS (10ULL * 1000000000ULL)
/* Retired parts (a container's mount namespace) are held this long, so
 * that the last reference - and the teardown of every mount in them, which
 * waits for an RCU grace period - is ours and not the exiting init's.
 * Then they are dropped once no lease came for IDLE_MS (the teardown
 * costs milliseconds of CPU, which creates in flight should not compete
 * with), or at the latest after RETIRE_MAX_NS. */
#define RETIRE_HOLD_NS (200ULL * 1000000ULL)
#define RETIRE_MAX_NS  (2000ULL * 1000000ULL)
#define MAX_HELD       256
/* The attach keeper (warm_attach): how often it moves itself, and how
 * long after the last lease it keeps doing so. */
#define KEEPER_PERIOD_NS (1ULL * 1000000ULL)
#define KEEPER_HOT_NS    (1000ULL * 1000000ULL)
/* The keeper's exit status when it cannot move itself: no more keepers. */
#define KEEPER_CANNOT 3

struct server {
        const struct fc_context *ctx;
        const struct fc_parts_config *cfg;
        char *sock_path, *pid_path;
        int listen_fd, sig_fd;
        int clients[MAX_CLIENTS];
        /* Whether the client was granted a lease: a create in flight. */
        bool client_leased[MAX_CLIENTS];
        unsigned n_clients;
        /* When a refill below the low water mark was first put off for
         * the creates in flight (0: none is). */
        uint64_t refill_deferred_ns;
        struct fc_parts_pools pools;
        struct fc_cgpools cgpools;
        struct fc_devpools devpools;
        struct fc_devpools procpools; /* /proc trees and their pid namespaces */
        /* Idle and the cgroup pools below target: poll without waiting
         * between refills, until a request comes. */
        bool cg_filling;
        uint64_t leases, retired, rejected, next_lease_id, started_ns, last_lease_ns;
        struct {
                int fd;
                uint64_t due_ns;
        } held[MAX_HELD];
        unsigned n_held;
        /* cgroup v1: our own cgroup.procs in one hierarchy, for warm_attach. */
        char *attach_warm_path;
        bool attach_warm_probed;
        pid_t keeper_pid;
        int keeper_sock;
        /* A page shared with the keeper: the time of the last lease. */
        uint64_t *keeper_last_lease;
        bool stopping;
        char buf[sizeof(struct fc_parts_header) + FC_PARTS_MAX_PAYLOAD];
};

/* ---- setup ---- */

static char *absolute_path(const char *p)
{
        if (p[0] == '/')
                return strdup(p);
        char cwd[PATH_MAX];
        char *r = NULL;
        if (getcwd(cwd, sizeof(cwd)) == NULL || asprintf(&r, "%s/%s", cwd, p) < 0)
                return NULL;
        return r;
}

/* The socket's directory: created 0700 if missing; an existing one must be
 * root's and not writable by anyone else (the socket is the trust
 * boundary: whoever can replace it can hand out namespaces). */
static int check_dir(const char *sock_path, fc_error_t *err)
{
        cleanup_free char *dir = strdup(sock_path);
        if (dir == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        char *slash = strrchr(dir, '/');
        if (slash == dir)
                slash[1] = '\0';
        else
                *slash = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return fc_error_setm(err, -errno, "create cache directory %s", dir);
        struct stat st;
        if (lstat(dir, &st) < 0)
                return fc_error_setm(err, -errno, "stat %s", dir);
        if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0022))
                return fc_error_set(err, -EPERM,
                                    "cache directory %s must be a directory owned by root and "
                                    "writable only by it",
                                    dir);
        return 0;
}

static int take_lock(const char *sock_path, int lock_fd, fc_error_t *err)
{
        int fd = lock_fd;
        if (fd < 0) {
                cleanup_free char *lock_path = fc_parts_sibling_path(sock_path, ".lock");
                if (lock_path == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return fc_error_setm(err, -errno, "open %s", lock_path);
        } else if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
                return fc_error_setm(err, -errno, "lock fd %d", fd);
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int e = errno;
                close(fd);
                if (e == EWOULDBLOCK)
                        return fc_error_set(err, -EEXIST, "a cache is already running on %s",
                                            sock_path);
                return fc_error_setm(err, -e, "lock cache instance for %s", sock_path);
        }
        return fd;
}

static int listen_socket(struct server *s, fc_error_t *err)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(s->sock_path) >= sizeof(sa.sun_path))
                return fc_error_set(err, -ENAMETOOLONG, "cache socket path too long: %s",
                                    s->sock_path);
        memcpy(sa.sun_path, s->sock_path, strlen(s->sock_path) + 1);
        /* We hold the lock: whatever is there belongs to a dead instance. */
        if (unlink(s->sock_path) == 0)
                fc_log(s->ctx, FC_LOG_INFO, "removed stale cache socket %s", s->sock_path);
        if (unlink(s->pid_path) == 0)
                fc_log(s->ctx, FC_LOG_INFO, "removed stale pid file %s", s->pid_path);
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return fc_error_setm(err, -errno, "cache socket");
        /* Root-only from the first moment: no window with a wider mode. */
        mode_t old = umask(0077);
        int r = bind(fd, (struct sockaddr *) &sa, sizeof(sa));
        int e = errno;
        umask(old);
        if (r < 0) {
                close(fd);
                return fc_error_setm(err, -e, "bind %s", s->sock_path);
        }
        if (chmod(s->sock_path, 0600) < 0 || listen(fd, 128) < 0) {
                e = errno;
                close(fd);
                unlink(s->sock_path);
                return fc_error_setm(err, -e, "listen on %s", s->sock_path);
        }
        s->listen_fd = fd;
        return 0;
}

static int signal_fd(fc_error_t *err)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return fc_error_setm(err, -errno, "block signals");
        int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return fc_error_setm(err, -errno, "signalfd");
        signal(SIGPIPE, SIG_IGN);
        return fd;
}

static int write_pid_file(const char *path, fc_error_t *err)
{
        cleanup_free char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        cleanup_close int fd =
                open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return fc_error_setm(err, -errno, "create %s", tmp);
        char line[32];
        int n = snprintf(line, sizeof(line), "%d\n", (int) getpid());
        if (write(fd, line, (size_t) n) != n || rename(tmp, path) < 0) {
                int e = errno;
                unlink(tmp);
                return fc_error_setm(err, -e, "write pid file %s", path);
        }
        return 0;
}

/* ---- detaching ---- */

/* A new v1 cpuset cgroup starts with no cpus and mems, and refuses tasks
 * until given some: take the root's. */
static void cpuset_inherit(const char *mnt, const char *dir)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        for (unsigned i = 0; i < 2; i++) {
                cleanup_free char *from = NULL, *to = NULL;
                if (asprintf(&from, "%s/%s", mnt, files[i]) < 0 ||
                    asprintf(&to, "%s/%s", dir, files[i]) < 0)
                        return;
                char val[4096], cur[16];
                cleanup_close int in = open(from, O_RDONLY | O_CLOEXEC);
                cleanup_close int out = open(to, O_RDWR | O_CLOEXEC);
                if (in < 0 || out < 0)
                        return;
                ssize_t n = read(in, val, sizeof(val));
                ssize_t m = read(out, cur, sizeof(cur));
                if (n > 0 && m >= 0 && (m == 0 || cur[0] == '\n') &&
                    write(out, val, (size_t) n) < 0)
                        return;
        }
}

/* Move into "flashcube-cache" directly below the root of every cgroup
 * hierarchy we can see the root of (each v1 hierarchy, and the unified
 * one), so nothing the cache allocates (namespaces pin kernel memory) is
 * charged to whoever started it, possibly a container's create. */
static void leave_cgroups(const struct fc_context *ctx)
{
        cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
        if (f == NULL)
                return;
        char pid[24];
        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        cleanup_free char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                char root[PATH_MAX], mnt[PATH_MAX], fstype[64];
                const char *sep = strstr(line, " - ");
                if (sep == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
                    sscanf(sep + 3, "%63s", fstype) != 1)
                        continue;
                if ((strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2")) ||
                    strcmp(root, "/") != 0 || strchr(mnt, '\\'))
                        continue;
                cleanup_free char *dir = NULL, *procs = NULL;
                if (asprintf(&dir, "%s/flashcube-cache", mnt) < 0 ||
                    asprintf(&procs, "%s/cgroup.procs", dir) < 0)
                        continue;
                if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                        fc_log(ctx, FC_LOG_WARN, "create cgroup %s: %s", dir, strerror(errno));
                        continue;
                }
                cpuset_inherit(mnt, dir);
                cleanup_close int fd = open(procs, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
                        fc_log(ctx, FC_LOG_WARN, "move the cache into %s: %s", dir,
                               strerror(errno));
        }
}

static void redirect_stdio(void)
{
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return;
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
                close(fd);
}

/* Double fork.  Returns 0 in the daemon; in the original process it waits
 * for the daemon's readiness byte (or its error) and returns 1 or < 0. */
static int detach(int *ret_ready_fd, fc_error_t *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return fc_error_setm(err, -errno, "pipe");
        pid_t pid = fork();
        if (pid < 0) {
                int e = -errno;
                close(p[0]);
                close(p[1]);
                return fc_error_setm(err, e, "fork the cache daemon");
        }
        if (pid == 0) {
                close(p[0]);
                /* A new session without a controlling terminal, then a
                 * second fork so the daemon is no session leader and can
                 * never acquire one. */
                if (setsid() < 0)
                        _exit(1);
                pid_t d = fork();
                if (d < 0)
                        _exit(1);
                if (d > 0)
                        _exit(0);
                *ret_ready_fd = p[1];
                return 0;
        }
        close(p[1]);
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        char msg[512];
        ssize_t n;
        do
                n = read(p[0], msg, sizeof(msg) - 1);
        while (n < 0 && errno == EINTR);
        close(p[0]);
        if (n <= 0)
                return fc_error_set(err, -ECHILD, "the cache daemon exited during start");
        msg[n] = '\0';
        if (msg[0] == '0')
                return 1;
        return fc_error_set(err, -EIO, "%s", msg + 1);
}

static void report_ready(int *ready_fd, const fc_error_t *e)
{
        if (*ready_fd < 0)
                return;
        char msg[512];
        int n = snprintf(msg, sizeof(msg), "%c%s", e ? '1' : '0', e && e->msg ? e->msg : "");
        if (n >= (int) sizeof(msg))
                n = sizeof(msg) - 1;
        if (write(*ready_fd, msg, (size_t) n) < 0) {
                /* The starter is gone: nobody to tell. */
        }
        close(*ready_fd);
        *ready_fd = -1;
}

/* ---- requests ---- */

static void reply(struct server *s, int fd, uint16_t op, int32_t status, const void *payload,
                  uint32_t len, const int *fds, unsigned n_fds)
{
        fc_error_t err = FC_ERROR_INIT;
        if (fc_parts_send(fd, op | FC_PARTS_OP_REPLY, status, payload, len, fds, n_fds, &err) < 0)
                fc_log(s->ctx, FC_LOG_DEBUG, "cache reply: %s", err.msg);
        fc_error_clear(&err);
}

static int status_json(struct server *s, char *out, size_t size)
{
        struct fc_parts_pools *p = &s->pools;
        uint64_t hits = 0, misses = 0, discarded = 0;
        int n = snprintf(out, size, "{\"pid\":%d,\"version\":%u,\"uptime_ms\":%llu,\"pools\":{",
                         (int) getpid(), FC_PARTS_VERSION,
                         (unsigned long long) ((fc_now_ns() - s->started_ns) / 1000000));
        for (unsigned k = 0; k < FC_PARTS_N_KINDS && n >= 0 && (size_t) n < size; k++) {
                const struct fc_parts_pool *pool = &p->pool[k];
                hits += pool->hits;
                misses += pool->misses;
                discarded += pool->discarded;
                n += snprintf(out + n, size - (size_t) n,
                              "%s\"%s\":{\"ready\":%u,\"target\":%u,\"low\":%u,\"inflight\":%u,"
                              "\"hits\":%llu,\"misses\":%llu,\"discarded\":%llu}",
                              k ? "," : "", fc_parts_kind_name(pool->kind), pool->ready,
                              pool->target, pool->low, pool->inflight,
                              (unsigned long long) pool->hits, (unsigned long long) pool->misses,
                              (unsigned long long) pool->discarded);
        }
        const struct fc_cgpools *cgp = &s->cgpools;
        if (n >= 0 && (size_t) n < size)
                n += snprintf(out + n, size - (size_t) n,
                              ",\"cgroup\":{\"ready\":%u,\"target\":%u,\"per_place\":%u,"
                              "\"low\":%u,\"places\":%u,\"hits\":%llu,\"misses\":%llu,"
                              "\"made\":%llu,\"discarded\":%llu,\"refused\":%llu,"
                              "\"errors\":%llu,\"removing\":%u,\"removed\":%llu,"
                              "\"trees\":%llu,\"tree_hits\":%llu,\"ready_trees\":%u}",
                              fc_cgpools_ready(cgp), cgp->target * cgp->n_sets, cgp->target,
                              cgp->low, cgp->n_sets, (unsigned long long) cgp->hits,
                              (unsigned long long) cgp->misses, (unsigned long long) cgp->made,
                              (unsigned long long) cgp->discarded,
                              (unsigned long long) cgp->refused, (unsigned long long) cgp->errors,
                              cgp->n_trash, (unsigned long long) cgp->removed,
                              (unsigned long long) cgp->trees, (unsigned long long) cgp->tree_hits,
                              fc_cgpools_ready_trees(cgp));
        for (int k = 0; k < 2; k++) {
                const struct fc_devpools *dp = k ? &s->procpools : &s->devpools;
                if (n >= 0 && (size_t) n < size)
                        n += snprintf(
                                out + n, size - (size_t) n,
                                ",\"%s\":{\"ready\":%u,\"target\":%u,\"per_kind\":%u,"
                                "\"kinds\":%u,\"hits\":%llu,\"misses\":%llu,\"made\":%llu,"
                                "\"refused\":%llu,\"errors\":%llu}",
                                k ? "proc" : "dev", fc_devpools_ready(dp), dp->target * dp->n_sets,
                                dp->target, dp->n_sets, (unsigned long long) dp->hits,
                                (unsigned long long) dp->misses, (unsigned long long) dp->made,
                                (unsigned long long) dp->refused, (unsigned long long) dp->errors);
        }
        if (n >= 0 && (size_t) n < size)
                n += snprintf(out + n, size - (size_t) n,
                              "},\"refill_jobs\":%u,\"helpers\":%u,\"leases\":%llu,\"hits\":%llu,"
                              "\"misses\":%llu,\"discarded\":%llu,\"retired\":%llu,"
                              "\"rejected\":%llu,\"errors\":%llu,\"attach_keeper\":%d}",
                              p->max_jobs, p->n_jobs, (unsigned long long) s->leases,
                              (unsigned long long) hits, (unsigned long long) misses,
                              (unsigned long long) discarded, (unsigned long long) s->retired,
                              (unsigned long long) s->rejected, (unsigned long long) p->errors,
                              (int) s->keeper_pid);
        return n < 0 || (size_t) n >= size ? -ENOBUFS : n;
}

/* The cgroup.procs file of our own cgroup in the first cgroup v1 hierarchy
 * of /proc/self/cgroup (mounted the usual way), or NULL (pure v2). */
static char *attach_warm_path(void)
{
        cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
        if (f == NULL)
                return NULL;
        cleanup_free char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                line[strcspn(line, "\n")] = '\0';
                char *c1 = strchr(line, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (c2 == NULL || c2 == c1 + 1 || strncmp(line, "0:", 2) == 0)
                        continue;
                *c2 = '\0';
                const char *ctrl = c1 + 1;
                if (strncmp(ctrl, "name=", 5) == 0)
                        ctrl += 5;
                char *p = NULL;
                if (asprintf(&p, "/sys/fs/cgroup/%s%s/cgroup.procs", ctrl, c2 + 1) < 0)
                        return NULL;
                if (access(p, W_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}

static int cmp_fd(const void *x, const void *y)
{
        int a = *(const int *) x, b = *(const int *) y;
        return (a > b) - (a < b);
}

/* In a child of the cache: close every fd from 3 up but the n in `keep`
 * (reordered), so that it holds nothing of the cache's - not its lock,
 * listening socket, clients or pooled parts. */
static void close_all_but(int *keep, size_t n)
{
        qsort(keep, n, sizeof(int), cmp_fd);
        unsigned from = 3;
        for (size_t i = 0; i < n; i++) {
                if (keep[i] < (int) from)
                        continue;
                if ((unsigned) keep[i] > from)
                        fc_sys_close_range(from, (unsigned) keep[i] - 1, 0);
                from = (unsigned) keep[i] + 1;
        }
        fc_sys_close_range(from, ~0U, 0);
}

/* The attach keeper's loop: move ourselves into our own cgroup every
 * KEEPER_PERIOD_NS, until KEEPER_HOT_NS after the last lease (the cache
 * writes its time into the page `last_lease`, which costs it no syscall
 * and wakes nobody); exit then, or when the cache is gone (`sock` closed). */
static _Noreturn void keeper_main(const char *procs, int sock, const uint64_t *last_lease)
{
        /* The cache blocks its stop signals for its signalfd: the keeper
         * must die of them. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                _exit(KEEPER_CANNOT);
        int keep[2] = {fd, sock};
        close_all_but(keep, 2);
        for (;;) {
                if (write(fd, "0", 1) < 0)
                        _exit(KEEPER_CANNOT);
                struct pollfd p = {.fd = sock, .events = POLLIN};
                if (poll(&p, 1, (int) (KEEPER_PERIOD_NS / 1000000ULL)) > 0)
                        _exit(0); /* the cache is gone (it never writes) */
                if (fc_now_ns() > __atomic_load_n(last_lease, __ATOMIC_RELAXED) + KEEPER_HOT_NS)
                        _exit(0);
        }
}

/* A keeper that has ended: note why (one that cannot move itself turns
 * the warm-up off instead of being restarted on every lease). */
static void keeper_ended(struct server *s, int status)
{
        if (WIFEXITED(status) && WEXITSTATUS(status) == KEEPER_CANNOT) {
                free(s->attach_warm_path);
                s->attach_warm_path = NULL;
        }
        s->keeper_pid = 0;
        close(s->keeper_sock);
        s->keeper_sock = -1;
}

/* Reap an exited keeper (the loop calls this now and then). */
static void reap_keeper(struct server *s)
{
        int status = 0;
        if (s->keeper_pid > 0 && waitpid(s->keeper_pid, &status, WNOHANG) == s->keeper_pid)
                keeper_ended(s, status);
}

/* On cgroup v1 the runtime's move of the init into its cgroup takes the
 * kernel's cgroup threadgroup lock for writing.  That lock (a percpu
 * rwsem) makes its first writer wait for an RCU grace period - about a
 * millisecond on an idle machine, 10-20 ms on a busy one - and lets later
 * writers through at once for as long as writers keep coming within a
 * grace period of each other.  So while leases come (and for a second
 * after the last), a child of ours, the keeper, moves itself into the
 * cgroup it is already in every millisecond: every create's move then
 * finds the lock warm.  Idle, no keeper runs. */
static void warm_attach(struct server *s)
{
        if (!s->attach_warm_probed) {
                s->attach_warm_probed = true;
                s->attach_warm_path = attach_warm_path();
                void *page = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
                if (page == MAP_FAILED) {
                        free(s->attach_warm_path);
                        s->attach_warm_path = NULL;
                } else {
                        s->keeper_last_lease = page;
                }
        }
        if (s->attach_warm_path == NULL)
                return;
        /* No message to a running keeper: waking it on another CPU
         * (an IPI, ~0.1 ms on this VM) held up the runtime we had just
         * answered on ours. */
        __atomic_store_n(s->keeper_last_lease, fc_now_ns(), __ATOMIC_RELAXED);
        if (s->keeper_pid > 0)
                reap_keeper(s);
        if (s->keeper_pid > 0 || s->attach_warm_path == NULL)
                return;
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return;
        pid_t pid = fork();
        if (pid == 0) {
                close(sv[0]);
                keeper_main(s->attach_warm_path, sv[1], s->keeper_last_lease);
        }
        close(sv[1]);
        if (pid < 0) {
                close(sv[0]);
                return;
        }
        s->keeper_pid = pid;
        s->keeper_sock = sv[0];
}

static void handle_lease(struct server *s, int fd, const struct fc_parts_msg *m)
{
        /* LEASE_CG begins with a LEASE request and its reply with a LEASE
         * reply, LEASE_DEV with a LEASE_CG request (its key may be "") and
         * a LEASE_CG reply (decoding checked the sizes and the keys' NULs). */
        bool proc = m->op == FC_PARTS_OP_LEASE_PROC;
        bool dev = m->op == FC_PARTS_OP_LEASE_DEV || proc;
        bool cg = m->op == FC_PARTS_OP_LEASE_CG || dev;
        struct fc_parts_lease_proc_req preq;
        struct fc_parts_lease_dev_req req;
        memset(&req, 0, sizeof(req));
        memcpy(&req, m->payload, dev ? sizeof(req) : cg ? sizeof(req.cg) : sizeof(req.cg.lease));
        if (proc)
                memcpy(&preq, m->payload, sizeof(preq));
        int fds[FC_PARTS_MAX_FDS];
        struct fc_parts_lease_cg_reply rep;
        memset(&rep, 0, sizeof(rep));
        rep.lease.lease_id = ++s->next_lease_id;
        rep.lease.granted = fc_parts_pools_take(&s->pools, req.cg.lease.want, fds);
        uint64_t now = fc_now_ns();
        if (cg && req.cg.key[0] != '\0') {
                int tree = -1;
                fc_cgpools_take(&s->cgpools, req.cg.key, rep.name, now,
                                (req.cg.lease.want & FC_PART_CGTREE) != 0, req.cg.lease.flags,
                                &tree);
                if (tree >= 0) {
                        /* After the namespaces' fds: bit order. */
                        fds[fc_parts_kind_count(rep.lease.granted)] = tree;
                        rep.lease.granted |= FC_PART_CGTREE;
                }
        }
        if (dev && (req.cg.lease.want & FC_PART_DEVTREE)) {
                int none;
                int tree = fc_devpools_take(&s->devpools, req.dev_key, now, &none);
                if (tree >= 0) {
                        fds[fc_parts_kind_count(rep.lease.granted)] = tree;
                        rep.lease.granted |= FC_PART_DEVTREE;
                }
        }
        if (proc && preq.proc_key[0] != '\0' &&
            !(req.cg.lease.want & (FC_PART_PIDNS | FC_PART_PROCTREE))) {
                /* It found none on the shelf, and asks too late to use one
                 * of ours (after its clone): the key is learned, the miss
                 * counted. */
                fc_devpools_note(&s->procpools, preq.proc_key, now, true);
        } else if (proc && (req.cg.lease.want & (FC_PART_PIDNS | FC_PART_PROCTREE)) ==
                                   (FC_PART_PIDNS | FC_PART_PROCTREE)) {
                int pidns;
                int tree = fc_devpools_take(&s->procpools, preq.proc_key, now, &pidns);
                if (tree >= 0) {
                        /* Bit order: the namespace, then its tree. */
                        unsigned at = fc_parts_kind_count(rep.lease.granted);
                        fds[at] = pidns;
                        fds[at + 1] = tree;
                        rep.lease.granted |= FC_PART_PIDNS | FC_PART_PROCTREE;
                }
        }
        rep.lease.n_fds = fc_parts_kind_count(rep.lease.granted);
        s->leases++;
        s->last_lease_ns = fc_now_ns();
        s->cg_filling = false;
        if (s->cfg->reply_delay_us)
                usleep(s->cfg->reply_delay_us);
        reply(s, fd, m->op, 0, &rep, cg ? sizeof(rep) : sizeof(rep.lease), fds, rep.lease.n_fds);
        warm_attach(s);
        /* Single use: our copies go whether or not the send worked. */
        for (unsigned i = 0; i < rep.lease.n_fds; i++)
                close(fds[i]);
}

/* Drop our references to the held parts due by `now` (all with
 * UINT64_MAX).  Dropping the last reference of a mount namespace tears
 * its mounts down and waits for a grace period: a grandchild does that,
 * so the loop keeps answering leases meanwhile. */
static void release_held(struct server *s, uint64_t now)
{
        /* Not while creates come, unless held too long already. */
        if (now != UINT64_MAX && now - s->last_lease_ns < IDLE_MS * 1000000ULL &&
            (s->n_held == 0 || now < s->held[0].due_ns - RETIRE_HOLD_NS + RETIRE_MAX_NS))
                return;
        unsigned n_due = 0;
        for (unsigned i = 0; i < s->n_held; i++)
                if (s->held[i].due_ns <= now)
                        n_due++;
        if (n_due == 0)
                return;
        pid_t child = fork();
        if (child == 0) {
                /* Our copies keep the parts alive until the grandchild,
                 * which outlives us, has closed its own. */
                if (fork() != 0)
                        _exit(0);
                /* The teardown is background work: it runs when the CPUs
                 * have nothing else to do. */
                struct sched_param sp = {.sched_priority = 0};
                (void) fc_sys_sched_setscheduler(0, SCHED_IDLE, &sp);
                /* Keep only the due parts: not the cache's lock, socket or
                 * pools, which must go with the cache. */
                int keep[MAX_HELD];
                size_t k = 0;
                for (unsigned i = 0; i < s->n_held; i++)
                        if (s->held[i].due_ns <= now)
                                keep[k++] = s->held[i].fd;
                close_all_but(keep, k);
                for (size_t i = 0; i < k; i++)
                        close(keep[i]);
                _exit(0);
        }
        /* Without a child (fork failed) the teardown happens here. */
        unsigned k = 0;
        for (unsigned i = 0; i < s->n_held; i++) {
                if (s->held[i].due_ns <= now)
                        close(s->held[i].fd);
                else
                        s->held[k++] = s->held[i];
        }
        s->n_held = k;
        if (child > 0)
                while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
                        ;
}

static void hold_retired(struct server *s, struct fc_parts_msg *m)
{
        if (s->n_held + m->n_fds > MAX_HELD)
                release_held(s, UINT64_MAX);
        uint64_t due = fc_now_ns() + RETIRE_HOLD_NS;
        for (unsigned i = 0; i < m->n_fds; i++) {
                s->held[s->n_held].fd = m->fds[i];
                s->held[s->n_held].due_ns = due;
                s->n_held++;
                m->fds[i] = -1;
        }
        s->retired += m->n_fds;
        m->n_fds = 0;
}

/* Milliseconds until the first held part is due (for poll), or -1. */
static int held_timeout_ms(const struct server *s, uint64_t now)
{
        if (s->n_held == 0)
                return -1;
        uint64_t first = s->held[0].due_ns; /* held in arrival order */
        uint64_t idle_at = s->last_lease_ns + IDLE_MS * 1000000ULL;
        uint64_t latest = first - RETIRE_HOLD_NS + RETIRE_MAX_NS;
        if (first < idle_at)
                first = idle_at < latest ? idle_at : latest;
        return first <= now ? 0 : (int) ((first - now) / 1000000ULL) + 1;
}

/* One request from client `fd`.  Returns false to drop the connection. */
static bool handle_request(struct server *s, int fd)
{
        struct fc_parts_msg m;
        fc_error_t err = FC_ERROR_INIT;
        int r = fc_parts_recv(fd, s->buf, sizeof(s->buf), false, &m, &err);
        if (r == -EAGAIN)
                return true;
        if (r < 0) {
                if (r != -ECONNRESET) {
                        s->rejected++;
                        fc_log(s->ctx, FC_LOG_DEBUG, "cache: dropping a client: %s", err.msg);
                }
                fc_error_clear(&err);
                return false;
        }
        switch (m.op) {
        case FC_PARTS_OP_LEASE:
        case FC_PARTS_OP_LEASE_CG:
        case FC_PARTS_OP_LEASE_DEV:
        case FC_PARTS_OP_LEASE_PROC:
                handle_lease(s, fd, &m);
                break;
        case FC_PARTS_OP_STATUS: {
                reap_keeper(s);
                char json[FC_PARTS_MAX_PAYLOAD];
                int n = status_json(s, json, sizeof(json));
                if (n < 0)
                        reply(s, fd, m.op, n, NULL, 0, NULL, 0);
                else
                        reply(s, fd, m.op, 0, json, (uint32_t) n, NULL, 0);
                break;
        }
        case FC_PARTS_OP_STOP:
                s->stopping = true;
                reply(s, fd, m.op, 0, NULL, 0, NULL, 0);
                break;
        case FC_PARTS_OP_RETIRE:
                hold_retired(s, &m);
                /* The runtime does not wait for this reply. */
                reply(s, fd, m.op, 0, NULL, 0, NULL, 0);
                break;
        case FC_PARTS_OP_RETIRE_CG:
                /* Removed by the loop's sweep, a moment later. */
                (void) fc_cgpools_retire(&s->cgpools, m.payload, fc_now_ns());
                reply(s, fd, m.op, 0, NULL, 0, NULL, 0);
                break;
        }
        return true;
}

static void drop_client(struct server *s, unsigned i)
{
        close(s->clients[i]);
        s->n_clients--;
        s->clients[i] = s->clients[s->n_clients];
        s->client_leased[i] = s->client_leased[s->n_clients];
}

static bool creates_in_flight(const struct server *s)
{
        for (unsigned i = 0; i < s->n_clients; i++)
                if (s->client_leased[i])
                        return true;
        return false;
}

/* A pool down to half its low water mark, counting the parts on their
 * way: the next leases may miss. */
static bool a_pool_runs_dry(const struct server *s)
{
        for (unsigned k = 0; k < FC_PARTS_N_KINDS; k++) {
                const struct fc_parts_pool *p = &s->pools.pool[k];
                if (p->target > 0 && p->ready + p->inflight <= p->low / 2)
                        return true;
        }
        return false;
}

/* Whether refills wait now for the creates holding a lease: a helper
 * making a network namespace holds its CPU in the kernel for a millisecond
 * or two, which no create in flight should wait for.  They wait at most
 * refill_defer_ms from the first refill put off; called when one is due.
 * A pool running dry is refilled at once: in a burst, creates are always
 * in flight, and a miss costs a create more than a helper beside it. */
static bool refill_waits(struct server *s, uint64_t now)
{
        uint64_t defer_ns = (uint64_t) s->cfg->refill_defer_ms * 1000000ULL;
        if (defer_ns == 0 || !creates_in_flight(s) || a_pool_runs_dry(s)) {
                s->refill_deferred_ns = 0;
                return false;
        }
        if (s->refill_deferred_ns == 0)
                s->refill_deferred_ns = now;
        if (now - s->refill_deferred_ns < defer_ns)
                return true;
        s->refill_deferred_ns = 0;
        return false;
}

/* Whether a client's request just now was a lease (handle_request
 * counts them). */
static bool handle_client(struct server *s, unsigned i)
{
        uint64_t before = s->leases;
        if (!handle_request(s, s->clients[i]))
                return false;
        if (s->leases != before)
                s->client_leased[i] = true;
        return true;
}

static void accept_clients(struct server *s)
{
        for (;;) {
                int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        return;
                }
                struct ucred cred;
                socklen_t len = sizeof(cred);
                if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0 ||
                    s->n_clients >= MAX_CLIENTS) {
                        s->rejected++;
                        fc_log(s->ctx, FC_LOG_DEBUG, "cache: refusing a client (uid %d)",
                               (int) cred.uid);
                        close(fd);
                        continue;
                }
                /* The runtime sends its request right after connecting: it
                 * is usually already there, saving a trip through poll. */
                uint64_t before = s->leases;
                if (!handle_request(s, fd)) {
                        close(fd);
                        continue;
                }
                s->client_leased[s->n_clients] = s->leases != before;
                s->clients[s->n_clients++] = fd;
        }
}

/* ---- the loop ---- */

static void refill(struct server *s, bool idle)
{
        /* One cgroup at a time (a memory cgroup's mkdir can take
         * milliseconds): the loop polls for requests between two. */
        uint64_t now = fc_now_ns();
        bool cg_need = fc_cgpools_need(&s->cgpools, idle, now);
        fc_cgpools_refill_one(&s->cgpools, idle, now);
        /* A /dev tree (idle only) when no cgroup was due. */
        if (idle && !cg_need) {
                fc_devpools_refill_one(&s->devpools, now);
                fc_devpools_refill_one(&s->procpools, now);
        }
        uint32_t kinds;
        while ((kinds = fc_parts_pools_need(&s->pools, idle)) != 0) {
                fc_error_t err = FC_ERROR_INIT;
                if (fc_parts_pools_spawn(&s->pools, kinds, &err) < 0) {
                        fc_log(s->ctx, FC_LOG_WARN, "cache refill: %s", err.msg);
                        fc_error_clear(&err);
                        s->pools.errors++;
                        return;
                }
        }
}

static int run_loop(struct server *s, fc_error_t *err)
{
        enum { FIXED = 2 };
        struct pollfd pfd[FIXED + MAX_CLIENTS + 64 + 3];
        while (!s->stopping) {
                /* Below the low water mark, refill now; above it, only
                 * after IDLE_MS without a request, so that refills stay out
                 * of the way of the creates that just leased (a create's
                 * critical path is a few ms).  Either waits for the creates
                 * still holding a lease (refill_waits). */
                uint64_t now = fc_now_ns();
                bool low = fc_parts_pools_need(&s->pools, false) != 0 ||
                           fc_cgpools_need(&s->cgpools, false, now);
                if (!low || !refill_waits(s, now))
                        refill(s, false);
                fc_cgpools_sweep(&s->cgpools, now);
                fc_devpools_sweep(&s->devpools, now);
                fc_devpools_sweep(&s->procpools, now);
                bool cg_idle = fc_cgpools_need(&s->cgpools, true, now) ||
                               fc_devpools_need(&s->devpools, now) ||
                               fc_devpools_need(&s->procpools, now);
                bool want_idle = fc_parts_pools_need(&s->pools, true) != 0 || cg_idle;
                if (!low && !want_idle)
                        s->refill_deferred_ns = 0;
                int timeout = want_idle ? IDLE_MS : s->pools.n_jobs ? 1000 : -1;
                /* A tree being built leaves its pool wanting nothing until
                 * it comes: filling goes on after it. */
                bool building = fc_tree_job_busy(&s->cgpools.job) ||
                                fc_tree_job_busy(&s->devpools.job) ||
                                fc_tree_job_busy(&s->procpools.job);
                if (!cg_idle && !building)
                        s->cg_filling = false;
                else if (cg_idle && (s->cg_filling || fc_cgpools_need(&s->cgpools, false, now)))
                        timeout = 0; /* below the low mark, or filling while idle */
                int cg_wake = fc_cgpools_wake_ms(&s->cgpools, now);
                if (cg_wake >= 0 && (timeout < 0 || cg_wake < timeout))
                        timeout = cg_wake;
                for (int k = 0; k < 2; k++) {
                        int wake = fc_devpools_wake_ms(k ? &s->procpools : &s->devpools, now);
                        if (wake >= 0 && (timeout < 0 || wake < timeout))
                                timeout = wake;
                }
                if (s->keeper_pid > 0 && (timeout < 0 || timeout > 200))
                        timeout = 200; /* to reap it soon after it stops */
                if (s->refill_deferred_ns != 0) {
                        /* Not 0 for the cgroups below their low mark: the
                         * refill waits for the creates (their connections'
                         * end wakes us), and then for the deferral's end. */
                        uint64_t end = s->refill_deferred_ns +
                                       (uint64_t) s->cfg->refill_defer_ms * 1000000ULL;
                        uint64_t t = fc_now_ns();
                        int left = end <= t ? 0 : (int) ((end - t) / 1000000ULL) + 1;
                        if (timeout < 0 || timeout == 0 || left < timeout)
                                timeout = left;
                }
                int hold = held_timeout_ms(s, fc_now_ns());
                if (hold >= 0 && (timeout < 0 || hold < timeout))
                        timeout = hold;
                unsigned n = 0;
                pfd[n++] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
                pfd[n++] = (struct pollfd){.fd = s->sig_fd, .events = POLLIN};
                for (unsigned i = 0; i < s->n_clients; i++)
                        pfd[n++] = (struct pollfd){.fd = s->clients[i], .events = POLLIN};
                unsigned jobs_at = n, n_jobs = s->pools.n_jobs;
                if (n_jobs > 64)
                        n_jobs = 64;
                for (unsigned i = 0; i < n_jobs; i++)
                        pfd[n++] = (struct pollfd){.fd = s->pools.jobs[i].sock, .events = POLLIN};
                /* The trees being built (lib/parts/treejob.h); -1 is ignored. */
                unsigned trees_at = n;
                pfd[n++] = (struct pollfd){.fd = fc_tree_job_fd(&s->cgpools.job), .events = POLLIN};
                pfd[n++] =
                        (struct pollfd){.fd = fc_tree_job_fd(&s->devpools.job), .events = POLLIN};
                pfd[n++] =
                        (struct pollfd){.fd = fc_tree_job_fd(&s->procpools.job), .events = POLLIN};
                int r = poll(pfd, n, timeout);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return fc_error_setm(err, -errno, "cache poll");
                }
                release_held(s, fc_now_ns());
                reap_keeper(s);
                if (r == 0) {
                        if (want_idle && !refill_waits(s, fc_now_ns()))
                                refill(s, true);
                        s->cg_filling = cg_idle;
                        fc_parts_pools_reap_stuck(&s->pools, fc_now_ns(), HELPER_TIMEOUT_NS);
                        continue;
                }
                if (pfd[1].revents) {
                        struct signalfd_siginfo si;
                        while (read(s->sig_fd, &si, sizeof(si)) == sizeof(si))
                                if (si.ssi_signo != SIGHUP)
                                        s->stopping = true;
                }
                /* Requests first: clients from the back so that dropping
                 * one (swap with the last) does not skip another. */
                for (unsigned i = s->n_clients; i-- > 0;) {
                        if (pfd[FIXED + i].revents && !handle_client(s, i))
                                drop_client(s, i);
                }
                if (pfd[0].revents)
                        accept_clients(s);
                for (unsigned i = n_jobs; i-- > 0;)
                        if (pfd[jobs_at + i].revents)
                                fc_parts_pools_job_done(&s->pools, i);
                if (pfd[trees_at].revents)
                        fc_cgpools_job_done(&s->cgpools, fc_now_ns());
                if (pfd[trees_at + 1].revents)
                        fc_devpools_job_done(&s->devpools, fc_now_ns());
                if (pfd[trees_at + 2].revents)
                        fc_devpools_job_done(&s->procpools, fc_now_ns());
                fc_parts_pools_reap_stuck(&s->pools, fc_now_ns(), HELPER_TIMEOUT_NS);
                /* Idle is no lease for IDLE_MS, whatever else came: a
                 * client asking for the status every few ms, or helpers
                 * finishing one after another, must not keep the pools
                 * below target (the poll's timeout alone never came then). */
                if (want_idle && fc_now_ns() - s->last_lease_ns >= IDLE_MS * 1000000ULL &&
                    !refill_waits(s, fc_now_ns())) {
                        refill(s, true);
                        s->cg_filling = cg_idle;
                }
        }
        return 0;
}

static void server_free(struct server *s)
{
        /* No new clients; what the connected ones sent before the stop is
         * still handled: a runtime that handed over its cgroups (RETIRE_CG)
         * does not wait to hear that they were taken. */
        if (s->listen_fd >= 0) {
                close(s->listen_fd);
                s->listen_fd = -1;
                unlink(s->sock_path);
                unlink(s->pid_path);
        }
        for (unsigned i = 0; i < s->n_clients; i++) {
                struct pollfd p = {.fd = s->clients[i], .events = POLLIN};
                while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN) &&
                       handle_request(s, s->clients[i]))
                        ;
        }
        for (unsigned i = 0; i < s->n_held; i++)
                close(s->held[i].fd);
        s->n_held = 0;
        fc_parts_pools_free(&s->pools);
        fc_devpools_free(&s->devpools);
        fc_devpools_free(&s->procpools);
        fc_cgpools_free(&s->cgpools);
        for (unsigned i = 0; i < s->n_clients; i++)
                close(s->clients[i]);
        s->n_clients = 0;
        if (s->sig_fd >= 0)
                close(s->sig_fd);
        free(s->sock_path);
        free(s->pid_path);
        free(s->attach_warm_path);
        if (s->keeper_sock >= 0)
                close(s->keeper_sock); /* the keeper sees EOF and exits */
        if (s->keeper_pid > 0)
                while (waitpid(s->keeper_pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        if (s->keeper_last_lease != NULL)
                munmap(s->keeper_last_lease, sizeof(uint64_t));
}

int fc_parts_serve(const struct fc_context *ctx, const struct fc_parts_config *cfg,
                   const struct fc_parts_serve_opts *opts, fc_error_t *err)
{
        if (geteuid() != 0)
                return fc_error_set(err, -EPERM, "the parts cache must run as root");
        struct server s = {
                .ctx = ctx, .cfg = cfg, .listen_fd = -1, .sig_fd = -1, .keeper_sock = -1};
        int ready_fd = -1, lock_fd = -1, r;
        s.sock_path = absolute_path(opts->socket_path);
        s.pid_path = s.sock_path ? fc_parts_sibling_path(s.sock_path, ".pid") : NULL;
        if (s.pid_path == NULL) {
                r = fc_error_set(err, -ENOMEM, "out of memory");
                goto out;
        }
        if ((r = check_dir(s.sock_path, err)) < 0)
                goto out;
        if ((r = lock_fd = take_lock(s.sock_path, opts->lock_fd, err)) < 0)
                goto out;
        if ((r = fc_parts_pools_init(&s.pools, cfg, err)) < 0)
                goto out;
        if ((r = s.sig_fd = signal_fd(err)) < 0)
                goto out;
        if ((r = listen_socket(&s, err)) < 0)
                goto out;
        if (opts->detach) {
                r = detach(&ready_fd, err);
                if (r != 0) {
                        /* The starter: the daemon owns socket and files now. */
                        close(s.listen_fd);
                        s.listen_fd = -1;
                        r = r > 0 ? 0 : r;
                        goto out;
                }
                if (chdir("/") < 0) {
                        /* Cannot fail for root; nothing holds a directory. */
                }
                leave_cgroups(ctx);
        }
        /* In the daemon: it alone owns the pooled cgroups and their
         * record (a dead instance's leftovers go here). */
        if ((r = fc_cgpools_init(&s.cgpools, cfg->pool_cgroup, s.sock_path, err)) < 0 ||
            (r = fc_devpools_init(&s.devpools, cfg->pool_dev, false, s.sock_path, err)) < 0 ||
            (r = fc_devpools_init(&s.procpools, cfg->pool_proc, true, s.sock_path, err)) < 0 ||
            (r = write_pid_file(s.pid_path, err)) < 0) {
                report_ready(&ready_fd, err);
                goto out;
        }
        s.procpools.off_shelf = cfg->test_no_shelf;
        s.started_ns = fc_now_ns();
        /* Our work (replies, refills, removals) never preempts what runs
         * on a CPU when we wake: a runtime woken by our reply, or one we
         * handed a part back to, goes on.  We run on a CPU with nothing
         * else to do, or when the runtime waits for us. */
        struct sched_param sp = {.sched_priority = 0};
        (void) fc_sys_sched_setscheduler(0, SCHED_BATCH, &sp);
        if (opts->detach) {
                report_ready(&ready_fd, NULL);
                redirect_stdio();
        }
        fc_log(ctx, FC_LOG_INFO, "parts cache %d serving on %s", (int) getpid(), s.sock_path);
        r = run_loop(&s, err);
out:
        server_free(&s);
        if (lock_fd >= 0)
                close(lock_fd);
        return r;
}
