/* SPDX-License-Identifier: Apache-2.0
 *
 * Creating parts.  A helper process is forked, unshares new network, IPC
 * and UTS namespaces (as many kinds as the pools need at once) so that
 * their cost is paid in the helper, not in the cache's loop, brings `lo`
 * up, opens its namespace files
 * in /proc/self/ns and sends those fds to the cache over a socketpair,
 * then exits.
 * The namespaces live on as fds only: nothing is mounted or named, so a
 * cache killed at any moment leaves nothing behind.  Receiving the fds
 * from the helper (rather than opening /proc/<pid>/ns from the cache)
 * leaves no window in which the pid could be some other process.
 */
#include "lib/parts/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/parts/protocol.h"
#include "lib/sys.h"

/* What a helper sends, with one fd per kind in bit order. */
struct helper_report {
        int32_t status; /* 0 or -errno of the step that failed */
        uint32_t kinds;
        char nodename[sizeof(((struct utsname *) 0)->nodename)];
        char domainname[sizeof(((struct utsname *) 0)->domainname)];
};

int fc_parts_pools_init(struct fc_parts_pools *p, const struct fc_parts_config *cfg,
                        fc_error_t *err)
{
        const unsigned sizes[FC_PARTS_N_KINDS] = {cfg->pool_net, cfg->pool_ipc, cfg->pool_uts};
        *p = (struct fc_parts_pools){.max_jobs = cfg->refill_jobs ? cfg->refill_jobs : 1};
        for (unsigned k = 0; k < FC_PARTS_N_KINDS; k++) {
                struct fc_parts_pool *pool = &p->pool[k];
                pool->kind = 1u << k;
                pool->target = sizes[k];
                /* Below half full, refilling does not wait for idle time. */
                pool->low = (sizes[k] + 1) / 2;
                if (sizes[k] == 0)
                        continue;
                pool->parts = calloc(sizes[k], sizeof(*pool->parts));
                if (pool->parts == NULL)
                        goto nomem;
        }
        p->jobs = calloc(p->max_jobs, sizeof(*p->jobs));
        if (p->jobs == NULL)
                goto nomem;
        return 0;
nomem:
        fc_parts_pools_free(p);
        return fc_error_set(err, -ENOMEM, "parts pools: out of memory");
}

static void job_kill(struct fc_parts_job *j)
{
        kill(j->pid, SIGKILL);
        while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        close(j->sock);
}

void fc_parts_pools_free(struct fc_parts_pools *p)
{
        for (unsigned k = 0; k < FC_PARTS_N_KINDS; k++) {
                struct fc_parts_pool *pool = &p->pool[k];
                for (unsigned i = 0; i < pool->ready; i++)
                        close(pool->parts[i].fd);
                pool->ready = 0;
                free(pool->parts);
                pool->parts = NULL;
        }
        for (unsigned i = 0; i < p->n_jobs; i++)
                job_kill(&p->jobs[i]);
        p->n_jobs = 0;
        free(p->jobs);
        p->jobs = NULL;
}

uint32_t fc_parts_pools_need(const struct fc_parts_pools *p, bool idle)
{
        if (p->n_jobs >= p->max_jobs)
                return 0;
        uint32_t kinds = 0;
        for (unsigned k = 0; k < FC_PARTS_N_KINDS; k++) {
                const struct fc_parts_pool *pool = &p->pool[k];
                unsigned have = pool->ready + pool->inflight;
                if (have < pool->target && (idle || have < pool->low))
                        kinds |= pool->kind;
        }
        return kinds;
}

static int lo_up(void)
{
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -errno;
        struct ifreq ifr = {0};
        memcpy(ifr.ifr_name, "lo", 3);
        int r = 0;
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                r = -errno;
        if (r == 0) {
                ifr.ifr_flags |= IFF_UP;
                if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                        r = -errno;
        }
        close(s);
        return r;
}

static const char *const ns_files[FC_PARTS_N_KINDS] = {"/proc/self/ns/net", "/proc/self/ns/ipc",
                                                       "/proc/self/ns/uts"};

/* In the helper.  It creates its namespaces itself: creating them is the
 * expensive part (a network namespace costs milliseconds), and done by
 * clone3 in the cache it would run in the cache's own context and stall
 * the leases waiting to be answered.  Only _exit() from here. */
static __attribute__((noreturn)) void helper_main(int sock, uint32_t kinds, int flags)
{
        /* Drop the cache's other fds (listening socket, pooled parts):
         * the helper needs none of them. */
        if (sock > 3)
                fc_sys_close_range(3, (unsigned) sock - 1, 0);
        fc_sys_close_range((unsigned) sock + 1, ~0U, 0);
        struct helper_report rep = {.kinds = kinds};
        int fds[FC_PARTS_N_KINDS];
        unsigned n = 0;
        /* Refills are background work: they run when the CPUs have
         * nothing else to do (a create that finds a pool empty makes its
         * namespaces itself). */
        struct sched_param sp = {.sched_priority = 0};
        (void) fc_sys_sched_setscheduler(0, SCHED_IDLE, &sp);
        if (unshare(flags) < 0) {
                rep.status = -errno;
                goto send;
        }
        if ((kinds & FC_PART_NET) && (rep.status = lo_up()) < 0)
                goto send;
        for (unsigned k = 0; k < FC_PARTS_N_KINDS; k++) {
                if (!(kinds & (1u << k)))
                        continue;
                int fd = open(ns_files[k], O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        rep.status = -errno;
                        goto send;
                }
                fds[n++] = fd;
        }
        if (kinds & FC_PART_UTS) {
                struct utsname u;
                if (uname(&u) < 0) {
                        rep.status = -errno;
                        goto send;
                }
                memcpy(rep.nodename, u.nodename, sizeof(rep.nodename));
                memcpy(rep.domainname, u.domainname, sizeof(rep.domainname));
        }
send:;
        union {
                char b[CMSG_SPACE(sizeof(int) * FC_PARTS_N_KINDS)];
                struct cmsghdr align;
        } cbuf;
        memset(&cbuf, 0, sizeof(cbuf));
        struct iovec iov = {.iov_base = &rep, .iov_len = sizeof(rep)};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (rep.status == 0 && n) {
                msg.msg_control = cbuf.b;
                msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
        }
        _exit(sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t) sizeof(rep) ? 0 : 1);
}

int fc_parts_pools_spawn(struct fc_parts_pools *p, uint32_t kinds, fc_error_t *err)
{
        if (p->n_jobs >= p->max_jobs || kinds == 0)
                return fc_error_set(err, -EBUSY, "parts pools: no helper slot");
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return fc_error_setm(err, -errno, "parts helper socketpair");
        uint64_t flags = 0;
        for (unsigned k = 0; k < FC_PARTS_N_KINDS; k++)
                if (kinds & (1u << k))
                        flags |= (uint64_t) fc_parts_kind_clone_flag(1u << k);
        struct fc_clone_args args = {.exit_signal = SIGCHLD};
        pid_t pid = fc_sys_clone3(&args);
        if (pid < 0) {
                int e = -errno;
                close(sv[0]);
                close(sv[1]);
                return fc_error_setm(err, e, "clone parts helper");
        }
        if (pid == 0) {
                close(sv[0]);
                helper_main(sv[1], kinds, (int) flags);
        }
        close(sv[1]);
        p->jobs[p->n_jobs++] = (struct fc_parts_job){
                .pid = pid,
                .sock = sv[0],
                .kinds = kinds,
                .started_ns = fc_now_ns(),
        };
        for (unsigned k = 0; k < FC_PARTS_N_KINDS; k++)
                if (kinds & (1u << k))
                        p->pool[k].inflight++;
        return 0;
}

static void job_remove(struct fc_parts_pools *p, unsigned i)
{
        for (unsigned k = 0; k < FC_PARTS_N_KINDS; k++)
                if (p->jobs[i].kinds & (1u << k))
                        p->pool[k].inflight--;
        p->jobs[i] = p->jobs[--p->n_jobs];
}

/* The helper's report and fds; false if anything is off (fds closed). */
static bool job_receive(struct fc_parts_job *j, struct helper_report *rep, int *fds)
{
        union {
                char b[CMSG_SPACE(sizeof(int) * 8)];
                struct cmsghdr align;
        } cbuf;
        struct iovec iov = {.iov_base = rep, .iov_len = sizeof(*rep)};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = cbuf.b,
                .msg_controllen = sizeof(cbuf.b),
        };
        ssize_t n = recvmsg(j->sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n < 0)
                return false;
        unsigned want = fc_parts_kind_count(j->kinds), got = 0;
        bool good = (size_t) n == sizeof(*rep) && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
                    rep->status == 0 && rep->kinds == j->kinds;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t x = 0; x < k; x++) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(c) + x * sizeof(int), sizeof(int));
                        if (got < want)
                                fds[got] = fd;
                        else
                                close(fd);
                        got++;
                }
        }
        if (got != want)
                good = false;
        /* Each fd must be a namespace of the kind at its position. */
        for (unsigned k = 0, x = 0; good && k < FC_PARTS_N_KINDS; k++) {
                if (!(j->kinds & (1u << k)))
                        continue;
                if (ioctl(fds[x++], NS_GET_NSTYPE) != fc_parts_kind_clone_flag(1u << k))
                        good = false;
        }
        if (!good)
                for (unsigned x = 0; x < got && x < want; x++)
                        close(fds[x]);
        return good;
}

void fc_parts_pools_job_done(struct fc_parts_pools *p, unsigned i)
{
        struct fc_parts_job j = p->jobs[i];
        struct helper_report rep;
        int fds[FC_PARTS_N_KINDS];
        bool good = job_receive(&j, &rep, fds);
        /* The helper exits right after sending (or has died): reaping it
         * blocks for microseconds at most. */
        int st = 0;
        while (waitpid(j.pid, &st, 0) < 0 && errno == EINTR)
                ;
        close(j.sock);
        job_remove(p, i);
        if (!good || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                if (good)
                        for (unsigned x = 0; x < fc_parts_kind_count(j.kinds); x++)
                                close(fds[x]);
                p->errors++;
                return;
        }
        for (unsigned k = 0, x = 0; k < FC_PARTS_N_KINDS; k++) {
                if (!(j.kinds & (1u << k)))
                        continue;
                struct fc_parts_pool *pool = &p->pool[k];
                int fd = fds[x++];
                if (pool->ready >= pool->target) {
                        /* The target was lowered meanwhile (cannot happen
                         * today); never keep more than asked. */
                        close(fd);
                        continue;
                }
                struct fc_parts_part *part = &pool->parts[pool->ready++];
                part->fd = fd;
                memcpy(part->nodename, rep.nodename, sizeof(part->nodename));
                memcpy(part->domainname, rep.domainname, sizeof(part->domainname));
        }
}

void fc_parts_pools_reap_stuck(struct fc_parts_pools *p, uint64_t now_ns, uint64_t timeout_ns)
{
        for (unsigned i = 0; i < p->n_jobs;) {
                if (now_ns - p->jobs[i].started_ns < timeout_ns) {
                        i++;
                        continue;
                }
                job_kill(&p->jobs[i]);
                job_remove(p, i);
                p->errors++;
        }
}

/* Cheap pristine checks before hand-out.  Nobody but the cache has ever
 * held these fds, so only what can change without them is checked: a UTS
 * namespace copied the host's names at creation, and the cold path would
 * copy the host's names of now. */
static bool part_pristine(const struct fc_parts_pool *pool, const struct fc_parts_part *part,
                          const struct utsname *host)
{
        if (pool->kind == FC_PART_UTS)
                return strcmp(part->nodename, host->nodename) == 0 &&
                       strcmp(part->domainname, host->domainname) == 0;
        return true;
}

uint32_t fc_parts_pools_take(struct fc_parts_pools *p, uint32_t want, int *fds)
{
        struct utsname host;
        bool have_host = !(want & FC_PART_UTS) || uname(&host) == 0;
        uint32_t granted = 0;
        unsigned n = 0;
        for (unsigned k = 0; k < FC_PARTS_N_KINDS; k++) {
                struct fc_parts_pool *pool = &p->pool[k];
                if (!(want & pool->kind))
                        continue;
                int fd = -1;
                while (pool->ready > 0 && have_host) {
                        /* Newest first (a stack); each part is checked as
                         * it comes, so order does not matter for safety. */
                        struct fc_parts_part *part = &pool->parts[--pool->ready];
                        if (part_pristine(pool, part, &host)) {
                                fd = part->fd;
                                break;
                        }
                        close(part->fd);
                        pool->discarded++;
                }
                if (fd < 0) {
                        pool->misses++;
                        continue;
                }
                pool->hits++;
                granted |= pool->kind;
                fds[n++] = fd;
        }
        return granted;
}
