/* SPDX-License-Identifier: Apache-2.0
 *
 * The parts cache's wire protocol and config file: well-formed messages
 * round-trip, malformed ones are rejected, and fds that arrive where none
 * belong are closed.  Runs as an ordinary user.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/parts/cache.h"
#include "lib/parts/cgpool.h"
#include "lib/parts/devpool.h"
#include "lib/parts/parts.h"
#include "lib/parts/protocol.h"
#include "tests/unit/tap.h"

#define HDR sizeof(struct fc_parts_header)

static char buf[HDR + FC_PARTS_MAX_PAYLOAD + 64];

static int decode(size_t size, bool truncated, bool reply, struct fc_parts_msg *m)
{
        fc_error_t err = FC_ERROR_INIT;
        int r = fc_parts_decode(buf, size, truncated, reply, m, &err);
        ok((r < 0) == (err.msg != NULL), "error message set exactly on failure (%s)",
           err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        return r;
}

static void test_roundtrip(void)
{
        struct fc_parts_msg m;
        struct fc_parts_lease_req req = {.want = FC_PART_NET | FC_PART_UTS};
        size_t n = fc_parts_encode(buf, FC_PARTS_OP_LEASE, 0, &req, sizeof(req));
        ok(n == HDR + sizeof(req), "lease request size");
        ok(decode(n, false, false, &m) == 0, "lease request decodes");
        ok(m.op == FC_PARTS_OP_LEASE && m.length == sizeof(req) && m.n_fds == 0, "lease fields");
        ok(memcmp(m.payload, &req, sizeof(req)) == 0, "lease payload");

        struct fc_parts_lease_reply rep = {
                .granted = FC_PART_NET | FC_PART_IPC, .n_fds = 2, .lease_id = 42};
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == 0, "lease reply decodes");
        n = fc_parts_encode(buf, FC_PARTS_OP_STATUS, 0, NULL, 0);
        ok(decode(n, false, false, &m) == 0 && m.payload == NULL, "status request decodes");
        const char *json = "{\"pid\":1}";
        n = fc_parts_encode(buf, FC_PARTS_OP_STATUS | FC_PARTS_OP_REPLY, 0, json,
                            (uint32_t) strlen(json));
        ok(decode(n, false, true, &m) == 0 && m.length == strlen(json), "status reply decodes");
        n = fc_parts_encode(buf, FC_PARTS_OP_STOP, 0, NULL, 0);
        ok(decode(n, false, false, &m) == 0, "stop request decodes");
        struct fc_parts_retire_req ret = {.lease_id = 42};
        n = fc_parts_encode(buf, FC_PARTS_OP_RETIRE, 0, &ret, sizeof(ret));
        ok(decode(n, false, false, &m) == 0, "retire request decodes");
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE | FC_PARTS_OP_REPLY, -EAGAIN, NULL, 0);
        ok(decode(n, false, true, &m) == 0 && m.status == -EAGAIN, "error reply decodes");
}

static void test_malformed(void)
{
        struct fc_parts_msg m;
        struct fc_parts_lease_req req = {.want = FC_PART_NET};
        size_t n = fc_parts_encode(buf, FC_PARTS_OP_LEASE, 0, &req, sizeof(req));
        struct fc_parts_header h;

        ok(decode(0, false, false, &m) == -EBADMSG, "empty datagram");
        ok(decode(HDR - 1, false, false, &m) == -EBADMSG, "truncated header");
        ok(decode(n - 1, false, false, &m) == -EBADMSG, "truncated payload");
        ok(decode(n, true, false, &m) == -EBADMSG, "MSG_TRUNC");
        ok(decode(HDR + FC_PARTS_MAX_PAYLOAD + 1, false, false, &m) == -EBADMSG, "oversized");
        ok(decode(n, false, true, &m) == -EBADMSG, "request where a reply is expected");

        memcpy(&h, buf, HDR);
        h.magic ^= 1;
        memcpy(buf, &h, HDR);
        ok(decode(n, false, false, &m) == -EPROTO, "bad magic");
        h.magic ^= 1;
        h.version = 2;
        memcpy(buf, &h, HDR);
        ok(decode(n, false, false, &m) == -EPROTO, "unknown version");
        h.version = FC_PARTS_VERSION;
        h.length = 4096;
        memcpy(buf, &h, HDR);
        ok(decode(n, false, false, &m) == -EBADMSG, "length field larger than the datagram");
        h.length = sizeof(req);
        h.op = 99;
        memcpy(buf, &h, HDR);
        ok(decode(n, false, false, &m) == -EBADMSG, "unknown op");
        h.op = FC_PARTS_OP_LEASE;
        h.status = -1;
        memcpy(buf, &h, HDR);
        ok(decode(n, false, false, &m) == -EBADMSG, "request with a status");

        req.want = 0x80;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == -EBADMSG, "lease of an unknown kind");
        req = (struct fc_parts_lease_req){.want = FC_PART_NET, .flags = 1};
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == -EBADMSG, "lease with flags");
        n = fc_parts_encode(buf, FC_PARTS_OP_STOP, 0, "x", 1);
        ok(decode(n, false, false, &m) == -EBADMSG, "stop with a payload");
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE, 0, &req, 4);
        ok(decode(n, false, false, &m) == -EBADMSG, "lease with a short payload");

        struct fc_parts_lease_reply rep = {.granted = FC_PART_NET | FC_PART_IPC, .n_fds = 1};
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == -EBADMSG, "reply whose fd count does not match");
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE | FC_PARTS_OP_REPLY, 5, NULL, 0);
        ok(decode(n, false, true, &m) == -EBADMSG, "reply with a positive status");
}

static int count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        int n = 0;
        if (d == NULL)
                return -1;
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static void send_raw(int sock, const void *data, size_t len, const int *fds, unsigned n_fds)
{
        union {
                char b[CMSG_SPACE(sizeof(int) * 32)];
                struct cmsghdr align;
        } cbuf;
        memset(&cbuf, 0, sizeof(cbuf));
        struct iovec iov = {.iov_base = (void *) data, .iov_len = len};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (n_fds) {
                msg.msg_control = cbuf.b;
                msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        ok(sendmsg(sock, &msg, 0) == (ssize_t) len, "sent %zu bytes with %u fds", len, n_fds);
}

static int recv_one(int sock, struct fc_parts_msg *m)
{
        fc_error_t err = FC_ERROR_INIT;
        int r = fc_parts_recv(sock, buf, sizeof(buf), false, m, &err);
        fc_error_clear(&err);
        return r;
}

static void test_fds(void)
{
        int sv[2];
        ok(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
        int fds[32];
        for (unsigned i = 0; i < 32; i++)
                fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        struct fc_parts_msg m;
        char msg[HDR + FC_PARTS_MAX_PAYLOAD + 64];
        int before = count_fds();

        struct fc_parts_lease_req req = {.want = FC_PART_NET};
        size_t n = fc_parts_encode(msg, FC_PARTS_OP_LEASE, 0, &req, sizeof(req));
        send_raw(sv[1], msg, n, fds, 2);
        ok(recv_one(sv[0], &m) == -EBADMSG, "lease request with fds rejected");
        ok(count_fds() == before, "its fds were closed");

        send_raw(sv[1], "garbage!garbage!garbage!", 24, fds, 3);
        ok(recv_one(sv[0], &m) == -EPROTO, "garbage with fds rejected");
        ok(count_fds() == before, "its fds were closed");

        struct fc_parts_retire_req ret = {.lease_id = 1};
        n = fc_parts_encode(msg, FC_PARTS_OP_RETIRE, 0, &ret, sizeof(ret));
        send_raw(sv[1], msg, n, fds, 32);
        ok(recv_one(sv[0], &m) == -EBADMSG, "retire with 32 fds rejected");
        ok(count_fds() == before, "all of them closed (delivered or truncated)");

        send_raw(sv[1], msg, n, fds, 5);
        ok(recv_one(sv[0], &m) == -EBADMSG, "retire with 5 fds rejected");
        ok(count_fds() == before, "all 5 closed");

        send_raw(sv[1], msg, n, fds, 4);
        ok(recv_one(sv[0], &m) == 0 && m.n_fds == 4, "retire with 4 fds accepted");
        ok(count_fds() == before + 4, "4 fds received");
        for (unsigned i = 0; i < m.n_fds; i++)
                ok(fcntl(m.fds[i], F_GETFD) == FD_CLOEXEC, "received fd %u is O_CLOEXEC", i);
        fc_parts_msg_close_fds(&m);
        ok(count_fds() == before, "closed again");

        memset(msg, 'x', sizeof(msg));
        send_raw(sv[1], msg, sizeof(msg), NULL, 0);
        ok(recv_one(sv[0], &m) == -EBADMSG, "oversized datagram rejected");
        ok(recv_one(sv[0], &m) == -EAGAIN, "nothing else queued");
        close(sv[1]);
        ok(recv_one(sv[0], &m) == -ECONNRESET, "end of stream");
        close(sv[0]);
        for (unsigned i = 0; i < 32; i++)
                close(fds[i]);
}

static void test_config(void)
{
        struct fc_parts_config cfg;
        fc_parts_config_defaults(&cfg);
        ok(cfg.pool_net > 0 && cfg.pool_ipc > 0 && cfg.pool_uts > 0 && cfg.refill_jobs > 0,
           "defaults pool every kind");
        fc_error_t err = FC_ERROR_INIT;
        ok(fc_parts_config_parse("# comment\n\npool_net = 3\n  pool_uts=0  # off\r\n"
                                 "refill_jobs = 4\n",
                                 "t.conf", &cfg, &err) == 0,
           "config parses");
        ok(cfg.pool_net == 3 && cfg.pool_uts == 0 && cfg.refill_jobs == 4 && cfg.pool_ipc == 16,
           "values applied, others kept");
        ok(fc_parts_config_parse("pool_nett = 3\n", "t.conf", &cfg, &err) == -EINVAL,
           "unknown key refused");
        is_str(err.msg, "t.conf:1: unknown key \"pool_nett\"", "error names file, line, key");
        fc_error_clear(&err);
        ok(fc_parts_config_parse("\n\npool_net = -1\n", "t.conf", &cfg, &err) == -EINVAL,
           "negative refused");
        ok(err.msg && strstr(err.msg, "t.conf:3:"), "line number counts empty lines");
        fc_error_clear(&err);
        ok(fc_parts_config_parse("pool_net 3\n", "t.conf", &cfg, &err) == -EINVAL,
           "missing = refused");
        fc_error_clear(&err);
        ok(fc_parts_config_parse("refill_jobs = 0\n", "t.conf", &cfg, &err) == -EINVAL,
           "refill_jobs 0 refused");
        fc_error_clear(&err);
        ok(fc_parts_config_parse("pool_net = 99999\n", "t.conf", &cfg, &err) == -EINVAL,
           "huge pool refused");
        fc_error_clear(&err);
        ok(cfg.refill_defer_ms == 10, "refills wait 10 ms at most for creates by default");
        ok(fc_parts_config_parse("refill_defer_ms = 0\n", "t.conf", &cfg, &err) == 0 &&
                   cfg.refill_defer_ms == 0,
           "refill_defer_ms 0 turns the wait off");
        ok(fc_parts_config_parse("refill_defer_ms = 60001\n", "t.conf", &cfg, &err) == -EINVAL,
           "refill_defer_ms above 60000 refused");
        fc_error_clear(&err);
        ok(fc_parts_config_parse("refill_defer_ms = 10\n", "t.conf", &cfg, &err) == 0,
           "refill_defer_ms back to 10");
        ok(cfg.pool_proc == 8 &&
                   fc_parts_config_parse("pool_proc = 2\n", "t.conf", &cfg, &err) == 0 &&
                   cfg.pool_proc == 2,
           "pool_proc: 8 /proc trees per kind by default, set by the file");
        ok(cfg.pool_net == 3, "a failed parse changes nothing");
        ok(fc_parts_config_load("/nonexistent/cache.conf", true, &cfg, &err) == 0,
           "missing optional file is fine");
        ok(fc_parts_config_load("/nonexistent/cache.conf", false, &cfg, &err) == -ENOENT,
           "missing explicit file is an error");
        fc_error_clear(&err);
}

static void test_paths(void)
{
        char *p = fc_parts_sibling_path("/run/flashcube/cache.sock", ".pid");
        is_str(p, "/run/flashcube/cache.pid", ".sock replaced");
        free(p);
        p = fc_parts_sibling_path("/tmp/x", ".lock");
        is_str(p, "/tmp/x.lock", "suffix appended");
        free(p);
        ok(fc_parts_kind_count(FC_PART_NET | FC_PART_UTS) == 2, "kind count");
        is_str(fc_parts_kind_name(FC_PART_IPC), "ipc", "kind name");
}

static void test_lease_noop(void)
{
        struct fc_context ctx = {.cache_socket = "/nonexistent/cache.sock"};
        struct fc_parts_lease l;
        fc_parts_lease(&ctx, FC_PART_NET, NULL, false, &l);
        ok(l.granted == 0 && l.net_fd == -1 && l.ipc_fd == -1 && l.uts_fd == -1,
           "no cache: an empty lease");
        ctx.no_cache = true;
        fc_parts_lease(&ctx, FC_PART_NET, NULL, true, &l);
        ok(l.granted == 0, "--no-cache: an empty lease");
        fc_parts_lease_clear(&l);
        fc_parts_lease_clear(NULL);
        ok(l.net_fd == -1, "clear accepts an empty lease and NULL");
}

static void test_lease_cg(void)
{
        struct fc_parts_msg m;
        static struct fc_parts_lease_cg_req req;
        memset(&req, 0, sizeof(req));
        req.lease.want = FC_PART_NET;
        strcpy(req.key, "/sys/fs/cgroup/pids\t/docker\n");
        size_t n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == 0 && m.op == FC_PARTS_OP_LEASE_CG, "lease_cg decodes");
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG, 0, &req, sizeof(req.lease));
        ok(decode(n, false, false, &m) == -EBADMSG, "lease_cg of a lease's size is refused");
        memset(req.key, 'x', sizeof(req.key));
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == -EBADMSG, "unterminated cgroup key is refused");
        req.key[10] = '\0';
        req.lease.want = 1u << 7;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == -EBADMSG, "lease_cg of unknown kinds is refused");

        /* A cgroup tree: LEASE_CG only, its flags mount flags only. */
        req.lease.want = FC_PART_NET | FC_PART_CGTREE;
        req.lease.flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == 0, "lease_cg of a cgroup tree with its flags decodes");
        req.lease.flags = MS_BIND;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == -EBADMSG, "a cgroup tree's flags beyond mount flags");
        req.lease.want = FC_PART_NET;
        req.lease.flags = MS_RDONLY;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == -EBADMSG, "flags without a cgroup tree are refused");
        req.lease.flags = 0;
        struct fc_parts_lease_req plain = {.want = FC_PART_CGTREE};
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE, 0, &plain, sizeof(plain));
        ok(decode(n, false, false, &m) == -EBADMSG, "a cgroup tree without LEASE_CG is refused");
        struct fc_parts_lease_reply prep = {.granted = FC_PART_CGTREE, .n_fds = 1};
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE | FC_PARTS_OP_REPLY, 0, &prep, sizeof(prep));
        ok(decode(n, false, true, &m) == -EBADMSG, "a plain lease reply granting a tree");

        static struct fc_parts_lease_cg_reply rep;
        memset(&rep, 0, sizeof(rep));
        rep.lease.granted = FC_PART_UTS;
        rep.lease.n_fds = 1;
        strcpy(rep.name, ".fc-pool-0-1");
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == 0, "lease_cg reply decodes");
        ok(fc_parts_max_fds(m.op) == 4, "lease_cg reply may carry fds");
        rep.lease.n_fds = 2;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == -EBADMSG, "lease_cg reply with fds not matching grants");
        rep.lease.granted = FC_PART_UTS | FC_PART_CGTREE;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == 0, "lease_cg reply with a tree and 2 fds decodes");
        ok(fc_parts_max_fds(m.op) == 4, "a lease_cg reply may carry 3 namespaces and a tree");
        ok(fc_parts_max_fds(FC_PARTS_OP_LEASE | FC_PARTS_OP_REPLY) == 3,
           "a plain lease reply 3 namespaces only");
        rep.lease.n_fds = 1;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == -EBADMSG, "a granted tree without its fd");
        rep.lease.granted = FC_PART_UTS;
        rep.lease.n_fds = 1;
        memset(rep.name, 'y', sizeof(rep.name));
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == -EBADMSG, "unterminated cgroup name is refused");
}

static void test_cg_key(void)
{
        static const struct {
                const char *key;
                int want;
                unsigned n;
                const char *first;
        } cases[] = {
                {"/sys/fs/cgroup/pids\t/\n", 0, 1, "/sys/fs/cgroup/pids"},
                {"/sys/fs/cgroup/pids\t/docker\n/sys/fs/cgroup/memory\t/a/b\n", 0, 2,
                 "/sys/fs/cgroup/pids/docker"},
                {"", -EINVAL, 0, NULL},
                {"/sys/fs/cgroup/pids\t/docker", -EINVAL, 0, NULL},
                {"/sys/fs/cgroup/pids /docker\n", -EINVAL, 0, NULL},
                {"/sys/fs/cgroup/pids\t/../etc\n", -EINVAL, 0, NULL},
                {"/sys/fs/cgroup/pids\t/a//b\n", -EINVAL, 0, NULL},
                {"/sys/fs/cgroup/pids\t/a/./b\n", -EINVAL, 0, NULL},
                {"/sys/fs/cgroup/pids\tdocker\n", -EINVAL, 0, NULL},
                {"/\t/docker\n", -EINVAL, 0, NULL},
                {"/sys/fs/cgroup/pids\t/a\tb\n", -EINVAL, 0, NULL},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char **dirs = NULL;
                unsigned n = 0;
                fc_error_t err = FC_ERROR_INIT;
                int r = fc_cgpool_parse_key(cases[i].key, false, &dirs, &n, &err);
                ok(r == cases[i].want && n == cases[i].n &&
                           (cases[i].first == NULL || strcmp(dirs[0], cases[i].first) == 0),
                   "cgroup key %zu: %d, %u dirs (%s)", i, r, n, err.msg ? err.msg : "ok");
                for (unsigned k = 0; k < n; k++)
                        free(dirs[k]);
                free(dirs);
                fc_error_clear(&err);
        }
        /* With the filesystem check, only cgroup v1 hierarchies. */
        char **dirs = NULL;
        unsigned n = 0;
        fc_error_t err = FC_ERROR_INIT;
        ok(fc_cgpool_parse_key("/tmp\t/\n", true, &dirs, &n, &err) == -EINVAL,
           "a key naming a non-cgroup filesystem is refused");
        fc_error_clear(&err);
}

static void test_retire_cg(void)
{
        struct fc_parts_msg m;
        static const char one[] = "/sys/fs/cgroup/pids/docker/.fc-pool-0badcafe-r1-0-2";
        size_t n = fc_parts_encode(buf, FC_PARTS_OP_RETIRE_CG, 0, one, sizeof(one));
        ok(decode(n, false, false, &m) == 0 && m.op == FC_PARTS_OP_RETIRE_CG, "retire_cg decodes");
        ok(fc_parts_max_fds(m.op) == 0, "retire_cg carries no fds");
        n = fc_parts_encode(buf, FC_PARTS_OP_RETIRE_CG, 0, one, sizeof(one) - 1);
        ok(decode(n, false, false, &m) == -EBADMSG, "retire_cg paths not terminated are refused");
        n = fc_parts_encode(buf, FC_PARTS_OP_RETIRE_CG, 0, "/a\0b", 4);
        ok(decode(n, false, false, &m) == -EBADMSG, "retire_cg with a NUL inside is refused");
        n = fc_parts_encode(buf, FC_PARTS_OP_RETIRE_CG, 0, NULL, 0);
        ok(decode(n, false, false, &m) == -EBADMSG, "empty retire_cg is refused");
        n = fc_parts_encode(buf, FC_PARTS_OP_RETIRE_CG | FC_PARTS_OP_REPLY, 0, NULL, 0);
        ok(decode(n, false, true, &m) == 0, "retire_cg reply is a bare header");
        char prefix[FC_PARTS_CG_TAGGED_MAX];
        fc_parts_cg_prefix("/run/flashcube/cache.sock", prefix, sizeof(prefix));
        ok(strncmp(prefix, FC_PARTS_CG_PREFIX, strlen(FC_PARTS_CG_PREFIX)) == 0 &&
                   strlen(prefix) == strlen(FC_PARTS_CG_PREFIX) + 9 &&
                   prefix[strlen(prefix) - 1] == '-',
           "a socket's cgroup name prefix: %s", prefix);
}

/* A config of mounts (destination, type, source, options...) and devices. */
#define MNT(d, t, src, ...)                                                                        \
        {                                                                                          \
                .destination = (char *) (d), .type = (char *) (t), .source = (char *) (src),       \
                .options = (char *[]){__VA_ARGS__},                                                \
                .n_options = sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)                      \
        }

static void test_devtree_key(void)
{
        struct fc_mount runc[] = {
                MNT("/proc", "proc", "proc", "nosuid"),
                MNT("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
                MNT("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance",
                    "ptmxmode=0666", "mode=0620", "gid=5"),
                MNT("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777"),
                MNT("/dev/mqueue", "mqueue", "mqueue", "nosuid"),
                MNT("/sys", "sysfs", "sysfs", "ro"),
        };
        struct fc_device devs[] = {
                {.type = (char *) "c",
                 .path = (char *) "/dev/fuse",
                 .major = 10,
                 .minor = 229,
                 .has_file_mode = true,
                 .file_mode = 0600,
                 .has_uid = true,
                 .uid = 7},
        };
        struct fc_linux lx = {.devices = devs, .n_devices = 1};
        struct fc_config cfg = {.mounts = runc, .n_mounts = 6, .linux_ = &lx};
        size_t first = 99, n = 99;
        char *key = fc_devtree_key(&cfg, &first, &n);
        ok(key != NULL && first == 1 && n == 3, "runc's /dev: a key for /dev, /dev/pts, /dev/shm");
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *back = key ? fc_devtree_key_parse(key, &err) : NULL;
        ok(back != NULL && back->n_mounts == 3 && back->linux_->n_devices == 1,
           "the key parses back: 3 mounts, 1 device");
        if (back != NULL) {
                bool same = true;
                for (size_t i = 0; i < 3; i++) {
                        const struct fc_mount *a = &runc[1 + i], *b = &back->mounts[i];
                        same = same && !strcmp(a->destination, b->destination) &&
                               !strcmp(a->type, b->type) && !strcmp(a->source, b->source) &&
                               a->n_options == b->n_options;
                        for (size_t k = 0; same && k < a->n_options; k++)
                                same = !strcmp(a->options[k], b->options[k]);
                }
                const struct fc_device *d = &back->linux_->devices[0];
                ok(same, "mounts come back as they were");
                ok(!strcmp(d->path, "/dev/fuse") && !strcmp(d->type, "c") && d->major == 10 &&
                           d->minor == 229 && d->has_file_mode && d->file_mode == 0600 &&
                           d->has_uid && d->uid == 7 && !d->has_gid,
                   "the device comes back as it was");
                fc_config_free(back);
        }
        free(key);

        /* docker's: /dev/pts right after /dev, /dev/shm a bind much later. */
        struct fc_mount docker[] = {
                MNT("/proc", "proc", "proc", "nosuid"),
                MNT("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755"),
                MNT("/dev/pts", "devpts", "devpts", "nosuid", "newinstance", "gid=5"),
                MNT("/sys", "sysfs", "sysfs", "ro"),
                MNT("/dev/mqueue", "mqueue", "mqueue", "nosuid"),
                MNT("/dev/shm", "bind", "/var/lib/x/shm", "rbind", "rprivate"),
        };
        cfg = (struct fc_config){.mounts = docker, .n_mounts = 6};
        key = fc_devtree_key(&cfg, &first, &n);
        ok(key != NULL && first == 1 && n == 2, "docker's /dev: /dev and /dev/pts");
        free(key);

        struct fc_mount bad[] = {
                MNT("/dev", "tmpfs", "tmpfs", "mode=755"),
                MNT("/dev/null", "bind", "/x", "bind"),
        };
        cfg = (struct fc_config){.mounts = bad, .n_mounts = 2};
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "a later mount on a node: no key");
        bad[1] = (struct fc_mount) MNT("/dev/pts/0", "bind", "/x", "bind");
        bad[0] = (struct fc_mount) MNT("/dev", "tmpfs", "tmpfs", "mode=755");
        struct fc_mount three[] = {bad[0], runc[2], bad[1]};
        cfg = (struct fc_config){.mounts = three, .n_mounts = 3};
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "a later mount in the tree's devpts: no key");
        bad[0] = (struct fc_mount) MNT("/dev", "bind", "/dev", "rbind");
        cfg = (struct fc_config){.mounts = bad, .n_mounts = 1};
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "/dev a bind: no key");
        bad[0] = (struct fc_mount) MNT("/dev", "tmpfs", "tmpfs", "tmpcopyup");
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "/dev with tmpcopyup: no key");
        bad[0] = (struct fc_mount) MNT("/dev", "tmpfs", "tmpfs", "mode=755");
        struct fc_device outside = {
                .type = (char *) "c", .path = (char *) "/opt/null", .major = 1, .minor = 3};
        lx = (struct fc_linux){.devices = &outside, .n_devices = 1};
        cfg = (struct fc_config){.mounts = bad, .n_mounts = 1, .linux_ = &lx};
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "a device outside /dev: no key");
        lx = (struct fc_linux){.mount_label = (char *) "system_u:object_r:container_file_t:s0"};
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "a mount label: no key");
        bad[0] = (struct fc_mount) MNT("/dev", "tmpfs", "tmpfs", "mode=7\t55");
        cfg = (struct fc_config){.mounts = bad, .n_mounts = 1};
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "a separator in an option: no key");

        /* Later mounts that would meet what the tree holds. */
        struct fc_device tun = {
                .type = (char *) "c", .path = (char *) "/dev/net/tun", .major = 10, .minor = 200};
        lx = (struct fc_linux){.devices = &tun, .n_devices = 1};
        struct fc_mount later[] = {
                MNT("/dev", "tmpfs", "tmpfs", "mode=755"),
                MNT("/dev/net", "tmpfs", "tmpfs", "mode=755"),
        };
        cfg = (struct fc_config){.mounts = later, .n_mounts = 2, .linux_ = &lx};
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "a later mount above a device: no key");
        later[1] = (struct fc_mount) MNT("/dev", "bind", "/dev", "rbind");
        cfg.linux_ = NULL;
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "/dev mounted again later: no key");
        later[1] = (struct fc_mount) MNT("/dev/core", "bind", "/x", "bind");
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "a later mount on /dev/core: no key");
        later[1] = (struct fc_mount) MNT("/dev/mqueue", "mqueue", "mqueue", "nosuid");
        key = fc_devtree_key(&cfg, &first, &n);
        ok(key != NULL, "a later /dev/mqueue is fine");
        free(key);
        struct fc_device in_pts = {
                .type = (char *) "c", .path = (char *) "/dev/pts/9", .major = 136, .minor = 9};
        lx = (struct fc_linux){.devices = &in_pts, .n_devices = 1};
        cfg = (struct fc_config){.mounts = later, .n_mounts = 1, .linux_ = &lx};
        ok(fc_devtree_key(&cfg, &first, &n) == NULL, "a device in /dev/pts: no key");

        /* The cache builds only keys fc_devtree_key makes. */
        struct fc_devpools dp;
        char sock[] = "/tmp/fc-devpool-test.XXXXXX";
        int tfd = mkstemp(sock);
        int second;
        ok(tfd >= 0 && fc_devpools_init(&dp, 1, false, sock, &err) == 0, "a /dev pool");
        ok(fc_devpools_take(&dp, "M\t/dev\ttmpfs\tn\t\nM\t/etc\tnone\ts/\tbind\n", 1, &second) <
                           0 &&
                   dp.refused == 1 && dp.n_sets == 0,
           "a key with a bind of / is refused, not learned");
        ok(fc_devpools_take(&dp, "M\t/dev\ttmpfs\tn\tmode=755\n", 1, &second) < 0 &&
                   dp.refused == 1 && dp.n_sets == 1 && dp.misses == 1 && second == -1,
           "a plain key is learned (a miss)");
        fc_devpools_free(&dp);
        char trees[sizeof(sock) + 8];
        snprintf(trees, sizeof(trees), "%s.trees", sock);
        rmdir(trees);
        unlink(sock);
        close(tfd);

        static const char *const garbage[] = {
                "",
                "M\t/dev\n",
                "M\t/dev\ttmpfs\tx\t\n",
                "M\t/proc\tproc\tn\t\n",
                "M\t/dev\ttmpfs\tn\t\nD\tc\t/dev/x\t1\t3\t-\t-\n",
                "M\t/dev\ttmpfs\tn\t\nD\tc\t/dev/x\tone\t3\t-\t-\t-\n",
                "M\t/dev\ttmpfs\tn\t\nD\tc\t/etc/x\t1\t3\t-\t-\t-\n",
                "M\t/dev\ttmpfs\tn\t\nD\tc\t/dev/x\t1\t3\t-\t-\t-\nM\t/dev/shm\ttmpfs\tn\t\n",
                "M\t/dev\ttmpfs\tn\ta\x1f\x1f"
                "b\n",
                "M\t/dev\ttmpfs\tn\t\nX\n",
                "M\t/dev\ttmpfs\tn\t",
        };
        for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
                struct fc_config *c = fc_devtree_key_parse(garbage[i], &err);
                ok(c == NULL && err.status < 0, "malformed dev key %zu refused", i);
                fc_config_free(c);
                fc_error_clear(&err);
        }
}

static void test_proctree_key(void)
{
        struct fc_mount runc[] = {
                MNT("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
                MNT("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
                MNT("/sys", "sysfs", "sysfs", "ro"),
        };
        char *masked[] = {(char *) "/proc/acpi", (char *) "/proc/kcore", (char *) "/sys/firmware"};
        char *ro[] = {(char *) "/proc/bus", (char *) "/proc/sys"};
        struct fc_linux lx = {.masked_paths = masked,
                              .n_masked_paths = 3,
                              .readonly_paths = ro,
                              .n_readonly_paths = 2};
        struct fc_config cfg = {.mounts = runc, .n_mounts = 3, .linux_ = &lx};
        size_t at = 99;
        fc_error_t err = FC_ERROR_INIT;
        char *key = fc_proctree_key(&cfg, &at);
        ok(key != NULL && at == 0 &&
                   strcmp(key, "M\t/proc\tproc\tsproc\tnosuid\x1fnoexec\x1fnodev\n"
                               "M\t/dev\ttmpfs\tstmpfs\tnosuid\x1fstrictatime\x1fmode=755\x1f"
                               "size=65536k\n"
                               "R\t/proc/bus\nR\t/proc/sys\nK\t/proc/acpi\nK\t/proc/kcore\n") == 0,
           "runc's /proc: the proc and /dev mounts, the paths under /proc in order");
        ok(fc_proctree_covers("/proc/acpi") && !fc_proctree_covers("/sys/firmware") &&
                   !fc_proctree_covers("/proc") && !fc_proctree_covers("/proc/../etc"),
           "the init skips just the paths under /proc");
        struct fc_config *c = key ? fc_proctree_key_parse(key, &err) : NULL;
        size_t at2 = 99;
        char *again = c ? fc_proctree_key(c, &at2) : NULL;
        ok(again != NULL && at2 == 0 && key != NULL && strcmp(again, key) == 0 &&
                   c->n_mounts == 2 && c->linux_->n_readonly_paths == 2 &&
                   c->linux_->n_masked_paths == 2,
           "a proc key parses back to itself");
        free(again);
        fc_config_free(c);
        free(key);

        /* What a tree cannot stand for. */
        static const struct {
                const char *what;
                const char *path; /* a masked path */
        } bad_paths[] = {
                {"a path through self", "/proc/self/fd"},
                {"a pid's path", "/proc/1/environ"},
                {"/proc itself", "/proc"},
                {"a path through net", "/proc/net/dev"},
                {"a path with ..", "/proc/../proc/kcore"},
                {"/ itself", "/"},
                {"a path through thread-self", "/proc/thread-self"},
                {"a path below /proc/sys (per namespace)", "/proc/sys/net/core"},
        };
        for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
                char *one[] = {(char *) bad_paths[i].path};
                struct fc_linux l2 = {.masked_paths = one, .n_masked_paths = 1};
                cfg = (struct fc_config){.mounts = runc, .n_mounts = 3, .linux_ = &l2};
                key = fc_proctree_key(&cfg, &at);
                ok(key == NULL, "no proc key: %s", bad_paths[i].what);
                free(key);
        }
        char *inner_first[] = {(char *) "/proc/bus/pci", (char *) "/proc/bus"};
        struct fc_linux l4 = {.readonly_paths = inner_first, .n_readonly_paths = 2};
        cfg = (struct fc_config){.mounts = runc, .n_mounts = 3, .linux_ = &l4};
        ok(fc_proctree_key(&cfg, &at) == NULL,
           "no proc key with a read-only path inside one listed after it");
        char *outer_first[] = {(char *) "/proc/bus", (char *) "/proc/bus/pci"};
        l4.readonly_paths = outer_first;
        key = fc_proctree_key(&cfg, &at);
        ok(key != NULL, "the other way round is fine");
        free(key);
        struct fc_kv sysctl = {(char *) "net.ipv4.ip_forward", (char *) "1"};
        struct fc_linux l3 = {.sysctl = &sysctl, .n_sysctl = 1};
        cfg = (struct fc_config){.mounts = runc, .n_mounts = 3, .linux_ = &l3};
        ok(fc_proctree_key(&cfg, &at) == NULL,
           "no proc key with sysctls (written before the masks)");
        struct fc_mount two_procs[] = {
                MNT("/proc", "proc", "proc", "nosuid"),
                MNT("/dev", "tmpfs", "tmpfs", "nosuid"),
                MNT("/proc/cpuinfo", "bind", "/tmp/cpuinfo", "bind"),
        };
        cfg = (struct fc_config){.mounts = two_procs, .n_mounts = 3};
        ok(fc_proctree_key(&cfg, &at) == NULL, "no proc key with a mount below /proc");
        struct fc_mount hidepid[] = {
                MNT("/proc", "proc", "proc", "hidepid=2"),
                MNT("/dev", "tmpfs", "tmpfs", "nosuid"),
        };
        cfg = (struct fc_config){.mounts = hidepid, .n_mounts = 2};
        ok(fc_proctree_key(&cfg, &at) == NULL, "no proc key with proc options (hidepid)");
        struct fc_mount no_dev[] = {MNT("/proc", "proc", "proc", "nosuid")};
        cfg = (struct fc_config){.mounts = no_dev, .n_mounts = 1};
        ok(fc_proctree_key(&cfg, &at) == NULL, "no proc key without a tmpfs /dev");
        struct fc_mount plain[] = {
                MNT("/dev", "tmpfs", "tmpfs", "nosuid"),
                MNT("/proc", "proc", "proc", "nosuid"),
        };
        cfg = (struct fc_config){.mounts = plain, .n_mounts = 2};
        key = fc_proctree_key(&cfg, &at);
        ok(key != NULL && at == 1, "/proc after /dev: its index");
        free(key);

        static const char *const garbage[] = {
                "",
                "M\t/dev\ttmpfs\tn\t\n",
                "M\t/proc\tproc\tn\t\n",
                "M\t/proc\tproc\tn\t\nM\t/sys\tsysfs\tn\t\n",
                "M\t/proc\tproc\tn\t\nM\t/dev\ttmpfs\tn\t\nK\t/etc/x\n",
                "M\t/proc\tproc\tn\t\nM\t/dev\ttmpfs\tn\t\nK\t/proc/self/x\n",
                "M\t/proc\tproc\tn\t\nM\t/dev\ttmpfs\tn\t\nK\t/proc/a\nR\t/proc/b\n",
                "M\t/proc\tproc\tn\t\nM\t/dev\ttmpfs\tn\t\nX\n",
        };
        for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
                c = fc_proctree_key_parse(garbage[i], &err);
                ok(c == NULL && err.status < 0, "malformed proc key %zu refused", i);
                fc_config_free(c);
                fc_error_clear(&err);
        }

        /* The protocol: a LEASE_PROC and its reply. */
        struct fc_parts_msg m;
        static struct fc_parts_lease_proc_req req;
        memset(&req, 0, sizeof(req));
        req.dev.cg.lease.want = FC_PART_PIDNS | FC_PART_PROCTREE;
        strcpy(req.proc_key, "M\t/proc\tproc\tn\t\n");
        size_t n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_PROC, 0, &req, sizeof(req));
        ok(sizeof(req) <= FC_PARTS_MAX_PAYLOAD && decode(n, false, false, &m) == 0,
           "lease_proc decodes");
        memset(req.proc_key, 'x', sizeof(req.proc_key));
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_PROC, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == -EBADMSG, "an unterminated proc key is refused");
        static struct fc_parts_lease_dev_req dreq;
        memset(&dreq, 0, sizeof(dreq));
        dreq.cg.lease.want = FC_PART_PIDNS | FC_PART_PROCTREE;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_DEV, 0, &dreq, sizeof(dreq));
        ok(decode(n, false, false, &m) == -EBADMSG,
           "a pid namespace without LEASE_PROC is refused");
        static struct fc_parts_lease_cg_reply rep;
        memset(&rep, 0, sizeof(rep));
        rep.lease.granted = FC_PART_NET | FC_PART_PIDNS | FC_PART_PROCTREE;
        rep.lease.n_fds = 3;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_PROC | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == 0 && fc_parts_max_fds(m.op) == 7,
           "a lease_proc reply: a namespace, a pid namespace and its tree");
        rep.lease.granted = FC_PART_PIDNS;
        rep.lease.n_fds = 1;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_PROC | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == -EBADMSG, "a pid namespace without its tree is refused");
}

static void test_lease_dev(void)
{
        struct fc_parts_msg m;
        static struct fc_parts_lease_dev_req req;
        memset(&req, 0, sizeof(req));
        req.cg.lease.want = FC_PART_NET | FC_PART_DEVTREE;
        strcpy(req.dev_key, "M\t/dev\ttmpfs\tn\t\n");
        size_t n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_DEV, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == 0, "lease_dev without a cgroup decodes");
        memset(req.dev_key, 'x', sizeof(req.dev_key));
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_DEV, 0, &req, sizeof(req));
        ok(decode(n, false, false, &m) == -EBADMSG, "an unterminated dev key is refused");
        strcpy(req.dev_key, "M\t/dev\ttmpfs\tn\t\n");
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_DEV, 0, &req, sizeof(req.cg));
        ok(decode(n, false, false, &m) == -EBADMSG, "a lease_dev of lease_cg's size is refused");
        static struct fc_parts_lease_cg_req cg;
        memset(&cg, 0, sizeof(cg));
        cg.lease.want = FC_PART_DEVTREE;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG, 0, &cg, sizeof(cg));
        ok(decode(n, false, false, &m) == -EBADMSG, "a /dev tree without LEASE_DEV is refused");

        static struct fc_parts_lease_cg_reply rep;
        memset(&rep, 0, sizeof(rep));
        rep.lease.granted =
                FC_PART_NET | FC_PART_IPC | FC_PART_UTS | FC_PART_CGTREE | FC_PART_DEVTREE;
        rep.lease.n_fds = 5;
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_DEV | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == 0 && fc_parts_max_fds(m.op) == 5,
           "a lease_dev reply carries 3 namespaces and 2 trees");
        n = fc_parts_encode(buf, FC_PARTS_OP_LEASE_CG | FC_PARTS_OP_REPLY, 0, &rep, sizeof(rep));
        ok(decode(n, false, true, &m) == -EBADMSG, "a lease_cg reply granting a /dev tree");
}

int main(void)
{
        test_devtree_key();
        test_proctree_key();
        test_lease_dev();
        test_lease_cg();
        test_retire_cg();
        test_cg_key();
        test_roundtrip();
        test_malformed();
        test_fds();
        test_config();
        test_paths();
        test_lease_noop();
        return tap_done();
}
