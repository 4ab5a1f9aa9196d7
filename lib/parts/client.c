/* SPDX-License-Identifier: Apache-2.0
 *
 * The runtime's side of the parts cache: one connect, one request, one
 * bounded wait.  Every failure is a miss (the runtime creates the parts
 * itself), so nothing here can make a create fail or wait long.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup/cgroup.h"
#include "lib/cleanup.h"
#include "lib/parts/cache.h"
#include "lib/parts/devpool.h"
#include "lib/parts/parts.h"
#include "lib/parts/protocol.h"
#include "lib/sys.h"

/* How long a create waits for the cache (FLASHCUBE_CACHE_WAIT_MS changes
 * it).  A warm cache answers in tens of microseconds; creating the parts
 * cold costs a few milliseconds, so waiting longer than that can only lose
 * - unless the machine is slow (sanitizers, emulation) and a hit matters
 * more than the time, as to the tests of the cache itself. */
#define LEASE_TIMEOUT_NS (5ULL * 1000000ULL)
/* A lease dropped by an older cache is asked for again only with this much
 * of its wait left. */
#define RETRY_MIN_NS (1ULL * 1000000ULL)
/* A failed autostart is not retried by every create. */
#define AUTOSTART_INTERVAL_S 2

static int connect_cache(const char *path, fc_error_t *err)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t len = strlen(path);
        if (len >= sizeof(sa.sun_path))
                return fc_error_set(err, -ENAMETOOLONG, "cache socket path too long");
        memcpy(sa.sun_path, path, len + 1);
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return fc_error_setm(err, -errno, "cache socket");
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int e = -errno;
                close(fd);
                return fc_error_setm(err, e, "connect to the parts cache at %s", path);
        }
        /* Only root's cache is trusted with our namespaces. */
        struct ucred cred;
        socklen_t clen = sizeof(cred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.uid != 0) {
                close(fd);
                return fc_error_set(err, -EPERM, "parts cache at %s is not root's", path);
        }
        return fd;
}

/* Wait for and receive one reply, at most until `deadline_ns`. */
static int recv_reply(int fd, uint64_t deadline_ns, void *buf, size_t size,
                      struct fc_parts_msg *ret, fc_error_t *err)
{
        /* A reply already there is taken whatever the time: the request may
         * have been sent well before (fc_parts_lease_begin). */
        for (;;) {
                int r = fc_parts_recv(fd, buf, size, true, ret, err);
                if (r != -EAGAIN)
                        return r == -ECONNRESET
                                       ? fc_error_set(err, r, "parts cache closed the connection")
                                       : r;
                uint64_t now = fc_now_ns();
                if (now >= deadline_ns)
                        return fc_error_set(err, -ETIMEDOUT, "parts cache did not answer in time");
                struct timespec ts = {.tv_sec = (time_t) ((deadline_ns - now) / 1000000000ULL),
                                      .tv_nsec = (long) ((deadline_ns - now) % 1000000000ULL)};
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (ppoll(&p, 1, &ts, NULL) < 0 && errno != EINTR)
                        return fc_error_setm(err, -errno, "wait for the parts cache");
        }
}

/* ---- autostart ---- */

static void make_parent_dir(const char *path)
{
        cleanup_free char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash == NULL || slash == dir)
                return;
        *slash = '\0';
        if (mkdir(dir, 0700) < 0) {
                /* Exists, or the cache will say why it cannot start. */
        }
}

/* In the grandchild: a clean process for `flashcube cache serve`: no
 * inherited fds but the instance lock (fd 3), default signal handling,
 * stdio on /dev/null, a minimal environment.  Only _exit() from here. */
static __attribute__((noreturn)) void exec_cache(const char *sock_path, int lock_fd)
{
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        fc_sys_signal_default(sig);
        int lfd = fcntl(lock_fd, F_DUPFD_CLOEXEC, 10);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (lfd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
            dup2(lfd, 3) < 0)
                _exit(127);
        fc_sys_close_range(4, ~0U, 0);
        char *const argv[] = {"flashcube",        "cache",     "serve", "--detach", "--socket",
                              (char *) sock_path, "--lock-fd", "3",     NULL};
        char *const envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                              NULL};
        execve("/proc/self/exe", argv, envp);
        _exit(127);
}

static void autostart(const struct fc_context *ctx)
{
        if (geteuid() != 0)
                return;
        cleanup_free char *lock_path = fc_parts_sibling_path(ctx->cache_socket, ".lock");
        if (lock_path == NULL)
                return;
        make_parent_dir(ctx->cache_socket);
        cleanup_close int lfd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lfd < 0)
                return;
        /* Held: a cache runs or is being started by another create. */
        if (flock(lfd, LOCK_EX | LOCK_NB) < 0)
                return;
        /* A non-empty lock file records the last attempt (its mtime). */
        struct stat st;
        struct timespec now;
        if (fstat(lfd, &st) < 0 || fc_sys_clock_gettime(CLOCK_REALTIME, &now) < 0 ||
            (st.st_size > 0 && now.tv_sec - st.st_mtime < AUTOSTART_INTERVAL_S))
                return;
        if (pwrite(lfd, "1", 1, 0) != 1)
                return;
        pid_t pid = fork();
        if (pid < 0)
                return;
        if (pid == 0) {
                /* Double fork: the runtime reaps this child at once and
                 * never waits for the cache. */
                pid_t g = fork();
                if (g == 0)
                        exec_cache(ctx->cache_socket, lfd);
                _exit(g < 0 ? 1 : 0);
        }
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        fc_log(ctx, FC_LOG_DEBUG, "parts cache: started one in the background on %s",
               ctx->cache_socket);
        /* Our copy of the lock goes; the cache's copy keeps it held. */
}

/* ---- lease ---- */

static void lease_reset(struct fc_parts_lease *l)
{
        *l = (struct fc_parts_lease){.net_fd = -1,
                                     .ipc_fd = -1,
                                     .uts_fd = -1,
                                     .cgtree_fd = -1,
                                     .devtree_fd = -1,
                                     .pidns_fd = -1,
                                     .proctree_fd = -1};
}

void fc_parts_lease_clear(struct fc_parts_lease *l)
{
        if (l == NULL)
                return;
        int *fds[] = {&l->net_fd,     &l->ipc_fd,   &l->uts_fd,     &l->cgtree_fd,
                      &l->devtree_fd, &l->pidns_fd, &l->proctree_fd};
        for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
                if (*fds[i] >= 0)
                        close(*fds[i]);
        lease_reset(l);
}

_Static_assert(FC_PARTS_CG_KEY_MAX == FC_CGROUP_POOL_KEY_MAX, "one cgroup key size");
_Static_assert(FC_PARTS_CG_NAME_MAX == sizeof(((struct fc_parts_lease *) 0)->cgroup),
               "one cgroup name size");

/* Connect and send the request; the connected fd, or < 0. */
static int lease_send(const struct fc_context *ctx, uint32_t want, const char *cg_key,
                      uint32_t cg_flags, const char *dev_key, const char *proc_key,
                      bool autostart_ok, fc_error_t *err)
{
        int fd = connect_cache(ctx->cache_socket, err);
        if (fd < 0) {
                if (autostart_ok && (fd == -ENOENT || fd == -ECONNREFUSED))
                        autostart(ctx);
                return fd;
        }
        /* With a cgroup key, the LEASE_CG form, with a dev key LEASE_DEV,
         * with a proc key LEASE_PROC: one request for all. */
        uint16_t op = proc_key  ? FC_PARTS_OP_LEASE_PROC
                      : dev_key ? FC_PARTS_OP_LEASE_DEV
                      : cg_key  ? FC_PARTS_OP_LEASE_CG
                                : FC_PARTS_OP_LEASE;
        size_t size = proc_key  ? sizeof(struct fc_parts_lease_proc_req)
                      : dev_key ? sizeof(struct fc_parts_lease_dev_req)
                      : cg_key  ? sizeof(struct fc_parts_lease_cg_req)
                                : sizeof(struct fc_parts_lease_req);
        struct fc_parts_lease_proc_req req;
        memset(&req, 0, sizeof(req));
        req.dev.cg.lease.want = want;
        req.dev.cg.lease.flags = cg_flags;
        if (cg_key)
                snprintf(req.dev.cg.key, sizeof(req.dev.cg.key), "%s", cg_key);
        if (dev_key)
                snprintf(req.dev.dev_key, sizeof(req.dev.dev_key), "%s", dev_key);
        if (proc_key)
                snprintf(req.proc_key, sizeof(req.proc_key), "%s", proc_key);
        if (fc_parts_send(fd, op, 0, &req, (uint32_t) size, NULL, 0, err) < 0) {
                close(fd);
                return err->status;
        }
        return fd;
}

/* Receive and check the reply to lease_send's request on fd. */
static int lease_recv(int fd, uint64_t deadline, uint32_t want, bool with_cg, bool with_dev,
                      bool with_proc, struct fc_parts_lease *ret, fc_error_t *err)
{
        uint16_t op = with_proc  ? FC_PARTS_OP_LEASE_PROC
                      : with_dev ? FC_PARTS_OP_LEASE_DEV
                      : with_cg  ? FC_PARTS_OP_LEASE_CG
                                 : FC_PARTS_OP_LEASE;
        char buf[sizeof(struct fc_parts_header) + FC_PARTS_MAX_PAYLOAD];
        struct fc_parts_msg m;
        int r = recv_reply(fd, deadline, buf, sizeof(buf), &m, err);
        if (r < 0)
                return r;
        struct fc_parts_lease_reply rep;
        if (m.op != (op | FC_PARTS_OP_REPLY) || m.status != 0) {
                fc_parts_msg_close_fds(&m);
                return fc_error_set(err, -EBADMSG, "parts cache refused the lease (op 0x%x, %d)",
                                    m.op, m.status);
        }
        memcpy(&rep, m.payload, sizeof(rep));
        if ((rep.granted & ~want) || m.n_fds != fc_parts_kind_count(rep.granted)) {
                fc_parts_msg_close_fds(&m);
                return fc_error_set(err, -EBADMSG, "parts cache granted 0x%x with %u fds for 0x%x",
                                    rep.granted, m.n_fds, want);
        }
        int *slots[] = {&ret->net_fd, &ret->ipc_fd, &ret->uts_fd};
        unsigned x = 0;
        for (unsigned k = 0; k < 3; k++) {
                uint32_t kind = 1u << k;
                if (!(rep.granted & kind))
                        continue;
                /* One ioctl per part: a confused cache must not make a
                 * container join the wrong kind of namespace. */
                if (ioctl(m.fds[x], NS_GET_NSTYPE) != fc_parts_kind_clone_flag(kind)) {
                        fc_parts_msg_close_fds(&m);
                        lease_reset(ret);
                        return fc_error_set(err, -EBADMSG, "parts cache sent a wrong %s part",
                                            fc_parts_kind_name(kind));
                }
                *slots[k] = m.fds[x++];
        }
        /* Trees: detached, their top the cgroup tmpfs or /dev's; the init
         * checks no more before it moves them into place. */
        int *trees[] = {&ret->cgtree_fd, &ret->devtree_fd};
        const uint32_t tree_kinds[] = {FC_PART_CGTREE, FC_PART_DEVTREE};
        for (unsigned t = 0; t < 2; t++) {
                if (!(rep.granted & tree_kinds[t]))
                        continue;
                struct statfs sf;
                if (fstatfs(m.fds[x], &sf) < 0 || sf.f_type != TMPFS_MAGIC) {
                        fc_parts_msg_close_fds(&m);
                        lease_reset(ret);
                        return fc_error_set(err, -EBADMSG, "parts cache sent a wrong %s part",
                                            fc_parts_kind_name(tree_kinds[t]));
                }
                *trees[t] = m.fds[x++];
        }
        if (rep.granted & FC_PART_PIDNS) {
                /* (Decoding checked they come together.) */
                if (!fc_proctree_part_ok(m.fds[x + 1], m.fds[x])) {
                        fc_parts_msg_close_fds(&m);
                        lease_reset(ret);
                        return fc_error_set(err, -EBADMSG, "parts cache sent a wrong /proc part");
                }
                ret->pidns_fd = m.fds[x++];
                ret->proctree_fd = m.fds[x++];
        }
        ret->granted = rep.granted;
        ret->lease_id = rep.lease_id;
        if (with_cg) {
                /* Decoding checked the name is terminated; a name that is
                 * not one plain directory entry is ignored. */
                const char *name =
                        (const char *) m.payload + offsetof(struct fc_parts_lease_cg_reply, name);
                if (strncmp(name, FC_PARTS_CG_PREFIX, strlen(FC_PARTS_CG_PREFIX)) != 0 ||
                    strchr(name, '/') != NULL)
                        name = "";
                snprintf(ret->cgroup, sizeof(ret->cgroup), "%s", name);
        }
        if (ret->cgroup[0] == '\0' && ret->cgtree_fd >= 0) {
                /* A tree is of no use without its cgroup. */
                close(ret->cgtree_fd);
                ret->cgtree_fd = -1;
                ret->granted &= ~(uint32_t) FC_PART_CGTREE;
        }
        return 0;
}

void fc_parts_lease_begin(const struct fc_context *ctx, uint32_t want, char *cgroup_key,
                          unsigned long cgtree_flags, const char *dev_key, const char *proc_key,
                          bool autostart, struct fc_parts_pending *ret)
{
        *ret = (struct fc_parts_pending){.fd = -1, .cg_key = cgroup_key};
        if (!(want & FC_PART_DEVTREE))
                dev_key = NULL;
        if (dev_key == NULL)
                want &= ~(uint32_t) FC_PART_DEVTREE;
        /* A proc key without the parts: only to be learned. */
        const uint32_t proc_parts = FC_PART_PIDNS | FC_PART_PROCTREE;
        if ((want & proc_parts) != proc_parts || proc_key == NULL)
                want &= ~proc_parts;
        want &= proc_key     ? FC_PARTS_PROC_KINDS
                : dev_key    ? FC_PARTS_DEV_KINDS
                : cgroup_key ? FC_PARTS_CG_KINDS
                             : FC_PARTS_ALL_KINDS;
        if (cgroup_key == NULL)
                want &= ~(uint32_t) FC_PART_CGTREE;
        uint32_t cg_flags =
                (want & FC_PART_CGTREE) ? (uint32_t) (cgtree_flags & FC_CGROUP_MOUNT_FLAGS) : 0;
        if (ctx == NULL || ctx->no_cache || (want == 0 && cgroup_key == NULL && proc_key == NULL) ||
            ctx->cache_socket == NULL || ctx->cache_socket[0] == '\0')
                return;
        fc_error_t err = FC_ERROR_INIT;
        ret->deadline_ns =
                fc_now_ns() + (ctx->cache_wait_ns ? ctx->cache_wait_ns : LEASE_TIMEOUT_NS);
        ret->want = want;
        ret->with_cgroup = cgroup_key != NULL;
        /* (LEASE_PROC carries a dev key, maybe "".) */
        ret->with_dev = dev_key != NULL || proc_key != NULL;
        ret->with_proc = proc_key != NULL;
        ret->fd = lease_send(ctx, want, cgroup_key, cg_flags, dev_key, proc_key, autostart, &err);
        if (ret->fd < 0)
                fc_log(ctx, FC_LOG_DEBUG, "parts cache miss: %s", err.msg);
        fc_error_clear(&err);
}

void fc_parts_lease_end(const struct fc_context *ctx, struct fc_parts_pending *p,
                        struct fc_parts_lease *ret)
{
        lease_reset(ret);
        if (p->fd < 0) {
                fc_parts_lease_abandon(p);
                return;
        }
        fc_error_t err = FC_ERROR_INIT;
        int r = lease_recv(p->fd, p->deadline_ns, p->want, p->with_cgroup, p->with_dev,
                           p->with_proc, ret, &err);
        if (r == -ECONNRESET && (p->with_dev || (p->want & ~FC_PARTS_ALL_KINDS)) &&
            fc_now_ns() + RETRY_MIN_NS < p->deadline_ns) {
                /* A cache from before the trees (an upgrade with it still
                 * running) drops a request it does not know, and the whole
                 * lease with it: ask again for what it does serve.  Not when
                 * too little of the wait is left: its parts would be lost. */
                fc_log(ctx, FC_LOG_DEBUG,
                       "parts cache closed the connection (an older cache?): asking again "
                       "without trees");
                fc_error_clear(&err);
                close(p->fd);
                p->want &= FC_PARTS_ALL_KINDS;
                p->with_dev = p->with_proc = false;
                p->fd = lease_send(ctx, p->want, p->cg_key, 0, NULL, NULL, false, &err);
                if (p->fd >= 0)
                        r = lease_recv(p->fd, p->deadline_ns, p->want, p->with_cgroup, false, false,
                                       ret, &err);
        }
        if (r < 0) {
                fc_log(ctx, FC_LOG_DEBUG, "parts cache miss: %s", err.msg);
                if (p->fd >= 0)
                        close(p->fd);
                p->fd = -1;
        }
        fc_error_clear(&err);
        free(p->cg_key);
        p->cg_key = NULL;
}

void fc_parts_lease_abandon(struct fc_parts_pending *p)
{
        if (p->fd >= 0)
                close(p->fd);
        p->fd = -1;
        free(p->cg_key);
        p->cg_key = NULL;
}

void fc_parts_lease(const struct fc_context *ctx, uint32_t want, const char *cgroup_key,
                    bool autostart, struct fc_parts_lease *ret)
{
        struct fc_parts_pending p;
        char *key = cgroup_key ? strdup(cgroup_key) : NULL;
        if (cgroup_key != NULL && key == NULL)
                want = 0; /* no memory: nothing asked */
        fc_parts_lease_begin(ctx, want, key, 0, NULL, NULL, autostart, &p);
        fc_parts_lease_end(ctx, &p, ret);
        fc_parts_lease_abandon(&p);
}

void fc_parts_retire(const struct fc_context *ctx, int conn, int *fds, unsigned n)
{
        if (n > 0 && n <= 4 && ctx != NULL && !ctx->no_cache && ctx->cache_socket != NULL &&
            ctx->cache_socket[0] != '\0') {
                fc_error_t err = FC_ERROR_INIT;
                cleanup_close int own = conn >= 0 ? -1 : connect_cache(ctx->cache_socket, &err);
                int fd = conn >= 0 ? conn : own;
                struct fc_parts_retire_req req = {.lease_id = 0};
                if (fd < 0 ||
                    fc_parts_send(fd, FC_PARTS_OP_RETIRE, 0, &req, sizeof(req), fds, n, &err) < 0)
                        fc_log(ctx, FC_LOG_DEBUG, "parts cache retire: %s", err.msg);
                fc_error_clear(&err);
        }
        for (unsigned i = 0; i < n; i++) {
                if (fds[i] >= 0)
                        close(fds[i]);
                fds[i] = -1;
        }
}

/* RETIRE_CG of the paths on a connected fd; whether it went. */
static bool retire_cgroups(const struct fc_context *ctx, int fd, char *const *paths, size_t n)
{
        char text[FC_PARTS_MAX_PAYLOAD];
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(paths[i]);
                if (len + l + 2 > sizeof(text))
                        return false;
                memcpy(text + len, paths[i], l);
                len += l;
                text[len++] = i + 1 < n ? '\n' : '\0';
        }
        fc_error_t err = FC_ERROR_INIT;
        bool sent = fc_parts_send(fd, FC_PARTS_OP_RETIRE_CG, 0, text, (uint32_t) len, NULL, 0,
                                  &err) == 0;
        if (!sent)
                fc_log(ctx, FC_LOG_DEBUG, "parts cache retire: %s", err.msg);
        fc_error_clear(&err);
        return sent;
}

int fc_parts_retire_cgroup(const struct fc_context *ctx, const char *pool_prefix,
                           struct fc_cgroup *cg, fc_error_t *err)
{
        if (pool_prefix == NULL || cg == NULL || ctx == NULL || ctx->no_cache ||
            ctx->cache_socket == NULL || ctx->cache_socket[0] == '\0')
                return 0;
        /* Only the cache the cgroup came from knows the place and takes
         * names with this prefix; and only an empty cgroup is handed over
         * (one with processes left is killed and removed as ever, by
         * fc_cgroup_destroy). */
        char prefix[FC_PARTS_CG_TAGGED_MAX + 1];
        fc_parts_cg_prefix(ctx->cache_socket, prefix, sizeof(prefix) - 1);
        if (strcmp(prefix, pool_prefix) != 0 || !fc_cgroup_is_empty(cg))
                return 0;
        /* Connected first: with no cache there, nothing is renamed. */
        fc_error_t e = FC_ERROR_INIT;
        cleanup_close int fd = connect_cache(ctx->cache_socket, &e);
        fc_error_clear(&e);
        if (fd < 0)
                return 0;
        size_t l = strlen(prefix);
        prefix[l] = FC_PARTS_CG_RETIRED;
        prefix[l + 1] = '\0';
        char **paths = NULL;
        size_t n = 0;
        int r = fc_cgroup_retire_leaves(cg, prefix, &paths, &n, err);
        if (r < 0 || n == 0 || retire_cgroups(ctx, fd, paths, n)) {
                fc_strv_free(paths);
                return r;
        }
        /* The cache went away meanwhile: removed here (what
         * fc_cgroup_destroy would have done, with the same bounded wait). */
        for (size_t i = 0; i < n && r == 0; i++)
                r = fc_cgroup_remove_dir_wait(paths[i], err);
        fc_strv_free(paths);
        return r;
}

/* ---- status and stop (the cache command) ---- */

static int request(const char *sock_path, uint16_t op, uint64_t timeout_ns, char **ret_payload,
                   fc_error_t *err)
{
        cleanup_close int fd = connect_cache(sock_path, err);
        if (fd < 0)
                return fd;
        if (fc_parts_send(fd, op, 0, NULL, 0, NULL, 0, err) < 0)
                return err->status;
        char buf[sizeof(struct fc_parts_header) + FC_PARTS_MAX_PAYLOAD];
        struct fc_parts_msg m;
        int r = recv_reply(fd, fc_now_ns() + timeout_ns, buf, sizeof(buf), &m, err);
        if (r < 0)
                return r;
        if (m.op != (op | FC_PARTS_OP_REPLY))
                return fc_error_set(err, -EBADMSG, "parts cache answered op 0x%x", m.op);
        if (m.status < 0)
                return fc_error_setm(err, m.status, "parts cache");
        if (ret_payload) {
                *ret_payload = strndup(m.payload ? m.payload : "", m.length);
                if (*ret_payload == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
        }
        return 0;
}

int fc_parts_status(const char *socket_path, char **ret_json, fc_error_t *err)
{
        return request(socket_path, FC_PARTS_OP_STATUS, 2000000000ULL, ret_json, err);
}

/* The pid from a status JSON text ("pid":N is its first field). */
static pid_t status_pid(const char *json)
{
        const char *p = strstr(json, "\"pid\":");
        if (p == NULL)
                return -1;
        char *end = NULL;
        errno = 0;
        long v = strtol(p + 6, &end, 10);
        if (errno || end == p + 6 || v <= 0 || v > INT32_MAX)
                return -1;
        return (pid_t) v;
}

int fc_parts_stop(const char *socket_path, fc_error_t *err)
{
        cleanup_free char *json = NULL;
        if (fc_parts_status(socket_path, &json, err) < 0)
                return err->status;
        pid_t pid = status_pid(json);
        /* A pidfd taken before STOP cannot be confused by pid reuse. */
        cleanup_close int pidfd = pid > 0 ? fc_sys_pidfd_open(pid, 0) : -1;
        if (request(socket_path, FC_PARTS_OP_STOP, 2000000000ULL, NULL, err) < 0)
                return err->status;
        if (pidfd < 0)
                return 0;
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int r;
        do
                r = poll(&p, 1, 5000);
        while (r < 0 && errno == EINTR);
        if (r == 0)
                return fc_error_set(err, -ETIMEDOUT, "parts cache %d did not exit", (int) pid);
        return 0;
}

/* ---- lease-test ---- */

int fc_parts_lease_check(const struct fc_parts_lease *l, uint64_t *ret_ino, fc_error_t *err)
{
        const int fds[3] = {l->net_fd, l->ipc_fd, l->uts_fd};
        static const char *const own[3] = {"/proc/self/ns/net", "/proc/self/ns/ipc",
                                           "/proc/self/ns/uts"};
        for (unsigned k = 0; k < 3; k++) {
                uint32_t kind = 1u << k;
                ret_ino[k] = 0;
                if (!(l->granted & kind)) {
                        if (fds[k] != -1)
                                return fc_error_set(err, -EINVAL, "%s: fd without grant",
                                                    fc_parts_kind_name(kind));
                        continue;
                }
                int t = ioctl(fds[k], NS_GET_NSTYPE);
                if (t != fc_parts_kind_clone_flag(kind))
                        return fc_error_set(err, -EINVAL, "%s part is not a %s namespace (%d)",
                                            fc_parts_kind_name(kind), fc_parts_kind_name(kind), t);
                struct stat a, b;
                if (fstat(fds[k], &a) < 0 || stat(own[k], &b) < 0)
                        return fc_error_setm(err, -errno, "stat %s namespace",
                                             fc_parts_kind_name(kind));
                if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
                        return fc_error_set(err, -EINVAL, "%s part is our own namespace",
                                            fc_parts_kind_name(kind));
                ret_ino[k] = (uint64_t) a.st_ino;
        }
        if (!(l->granted & FC_PART_NET))
                return 0;
        /* Look at `lo` from inside, in a child so that our own network
         * namespace stays as it is. */
        pid_t pid = fork();
        if (pid < 0)
                return fc_error_setm(err, -errno, "fork");
        if (pid == 0) {
                if (setns(l->net_fd, CLONE_NEWNET) < 0)
                        _exit(2);
                int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                struct ifreq ifr = {0};
                memcpy(ifr.ifr_name, "lo", 3);
                if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                        _exit(3);
                _exit((ifr.ifr_flags & IFF_UP) ? 0 : 1);
        }
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return fc_error_set(err, -EINVAL, "net part: lo is not up (check status %d)",
                                    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return 0;
}
