/* SPDX-License-Identifier: Apache-2.0 */
#include "lib/parts/protocol.h"

#include <errno.h>
#include <stddef.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/parts/parts.h"

size_t fc_parts_encode(void *buf, uint16_t op, int32_t status, const void *payload, uint32_t length)
{
        struct fc_parts_header h = {
                .magic = FC_PARTS_MAGIC,
                .version = FC_PARTS_VERSION,
                .op = op,
                .length = length,
                .status = status,
        };
        memcpy(buf, &h, sizeof(h));
        if (length)
                memcpy((char *) buf + sizeof(h), payload, length);
        return sizeof(h) + length;
}

/* The exact payload size of an op, or -1 for "up to FC_PARTS_MAX_PAYLOAD". */
static long payload_size(uint16_t op, int32_t status)
{
        bool reply = op & FC_PARTS_OP_REPLY;
        /* A failed request is answered by a bare header. */
        if (reply && status != 0)
                return 0;
        switch (op & ~FC_PARTS_OP_REPLY) {
        case FC_PARTS_OP_LEASE:
                return reply ? (long) sizeof(struct fc_parts_lease_reply)
                             : (long) sizeof(struct fc_parts_lease_req);
        case FC_PARTS_OP_STATUS:
                return reply ? -1 : 0;
        case FC_PARTS_OP_STOP:
                return 0;
        case FC_PARTS_OP_RETIRE:
                return reply ? 0 : (long) sizeof(struct fc_parts_retire_req);
        case FC_PARTS_OP_LEASE_CG:
                return reply ? (long) sizeof(struct fc_parts_lease_cg_reply)
                             : (long) sizeof(struct fc_parts_lease_cg_req);
        case FC_PARTS_OP_RETIRE_CG:
                return reply ? 0 : -1;
        case FC_PARTS_OP_LEASE_DEV:
                return reply ? (long) sizeof(struct fc_parts_lease_cg_reply)
                             : (long) sizeof(struct fc_parts_lease_dev_req);
        case FC_PARTS_OP_LEASE_PROC:
                return reply ? (long) sizeof(struct fc_parts_lease_cg_reply)
                             : (long) sizeof(struct fc_parts_lease_proc_req);
        }
        return -2;
}

void fc_parts_cg_prefix(const char *socket_path, char *buf, size_t size)
{
        /* FNV-1a */
        uint32_t h = 2166136261u;
        for (const unsigned char *c = (const unsigned char *) socket_path; *c; c++)
                h = (h ^ *c) * 16777619u;
        snprintf(buf, size, "%s%08x-", FC_PARTS_CG_PREFIX, h);
}

int fc_parts_decode(const void *buf, size_t size, bool truncated, bool reply,
                    struct fc_parts_msg *ret, fc_error_t *err)
{
        struct fc_parts_header h;
        if (truncated || size > sizeof(h) + FC_PARTS_MAX_PAYLOAD)
                return fc_error_set(err, -EBADMSG, "parts message: oversized (%zu bytes)", size);
        if (size < sizeof(h))
                return fc_error_set(err, -EBADMSG, "parts message: truncated header (%zu bytes)",
                                    size);
        memcpy(&h, buf, sizeof(h));
        if (h.magic != FC_PARTS_MAGIC)
                return fc_error_set(err, -EPROTO, "parts message: bad magic 0x%08x", h.magic);
        if (h.version != FC_PARTS_VERSION)
                return fc_error_set(err, -EPROTO, "parts message: unsupported version %u",
                                    h.version);
        if (h.length != size - sizeof(h))
                return fc_error_set(err, -EBADMSG,
                                    "parts message: length %u does not match %zu payload bytes",
                                    h.length, size - sizeof(h));
        if (!!(h.op & FC_PARTS_OP_REPLY) != reply)
                return fc_error_set(err, -EBADMSG, "parts message: unexpected %s (op 0x%x)",
                                    reply ? "request" : "reply", h.op);
        if (!reply && h.status != 0)
                return fc_error_set(err, -EBADMSG, "parts message: request with status %d",
                                    h.status);
        if (reply && h.status > 0)
                return fc_error_set(err, -EBADMSG, "parts message: positive status %d", h.status);
        long want = payload_size(h.op, h.status);
        if (want == -2)
                return fc_error_set(err, -EBADMSG, "parts message: unknown op 0x%x", h.op);
        if (want >= 0 && h.length != (uint32_t) want)
                return fc_error_set(err, -EBADMSG,
                                    "parts message: op 0x%x wants %ld payload bytes, got %u", h.op,
                                    want, h.length);
        const void *payload = (const char *) buf + sizeof(h);
        uint16_t base_op = h.op & ~FC_PARTS_OP_REPLY;
        bool with_dev = h.op == FC_PARTS_OP_LEASE_DEV || h.op == FC_PARTS_OP_LEASE_PROC;
        if (h.op == FC_PARTS_OP_LEASE_CG || with_dev) {
                const char *key =
                        (const char *) payload + offsetof(struct fc_parts_lease_cg_req, key);
                if (memchr(key, '\0', FC_PARTS_CG_KEY_MAX) == NULL)
                        return fc_error_set(err, -EBADMSG,
                                            "parts message: cgroup key not terminated");
        }
        if (with_dev) {
                const char *key =
                        (const char *) payload + offsetof(struct fc_parts_lease_dev_req, dev_key);
                if (memchr(key, '\0', FC_PARTS_DEV_KEY_MAX) == NULL)
                        return fc_error_set(err, -EBADMSG, "parts message: dev key not terminated");
        }
        if (h.op == FC_PARTS_OP_LEASE_PROC) {
                const char *key =
                        (const char *) payload + offsetof(struct fc_parts_lease_proc_req, proc_key);
                if (memchr(key, '\0', FC_PARTS_PROC_KEY_MAX) == NULL)
                        return fc_error_set(err, -EBADMSG,
                                            "parts message: proc key not terminated");
        } else if ((h.op == (FC_PARTS_OP_LEASE_CG | FC_PARTS_OP_REPLY) ||
                    h.op == (FC_PARTS_OP_LEASE_DEV | FC_PARTS_OP_REPLY) ||
                    h.op == (FC_PARTS_OP_LEASE_PROC | FC_PARTS_OP_REPLY)) &&
                   h.status == 0) {
                const char *name =
                        (const char *) payload + offsetof(struct fc_parts_lease_cg_reply, name);
                if (memchr(name, '\0', FC_PARTS_CG_NAME_MAX) == NULL)
                        return fc_error_set(err, -EBADMSG,
                                            "parts message: cgroup name not terminated");
        }
        if (h.op == FC_PARTS_OP_RETIRE_CG &&
            (h.length == 0 ||
             memchr(payload, '\0', h.length) != (const char *) payload + h.length - 1))
                return fc_error_set(err, -EBADMSG, "parts message: cgroup paths not one string");
        if (base_op == FC_PARTS_OP_LEASE_CG || base_op == FC_PARTS_OP_LEASE_DEV ||
            base_op == FC_PARTS_OP_LEASE_PROC)
                base_op = FC_PARTS_OP_LEASE; /* the lease part is checked alike */
        /* FC_PART_CGTREE goes with a pooled cgroup only, FC_PART_DEVTREE
         * with a LEASE_DEV or LEASE_PROC, FC_PART_PIDNS and
         * FC_PART_PROCTREE with a LEASE_PROC. */
        uint16_t op = h.op & ~FC_PARTS_OP_REPLY;
        uint32_t kinds = op == FC_PARTS_OP_LEASE_PROC  ? FC_PARTS_PROC_KINDS
                         : op == FC_PARTS_OP_LEASE_DEV ? FC_PARTS_DEV_KINDS
                         : op == FC_PARTS_OP_LEASE_CG  ? FC_PARTS_CG_KINDS
                                                       : FC_PARTS_ALL_KINDS;
        if (base_op == FC_PARTS_OP_LEASE && !(h.op & FC_PARTS_OP_REPLY)) {
                struct fc_parts_lease_req r;
                memcpy(&r, payload, sizeof(r));
                uint32_t flags_ok = (r.want & FC_PART_CGTREE) ? FC_CGROUP_MOUNT_FLAGS : 0;
                if (r.want & ~kinds || r.flags & ~flags_ok)
                        return fc_error_set(err, -EBADMSG,
                                            "parts message: lease of unknown kinds 0x%x (flags "
                                            "0x%x)",
                                            r.want, r.flags);
        } else if (base_op == FC_PARTS_OP_LEASE && (h.op & FC_PARTS_OP_REPLY) && h.status == 0) {
                struct fc_parts_lease_reply r;
                memcpy(&r, payload, sizeof(r));
                if (r.granted & ~kinds || r.n_fds != fc_parts_kind_count(r.granted) ||
                    !(r.granted & FC_PART_PIDNS) != !(r.granted & FC_PART_PROCTREE))
                        return fc_error_set(err, -EBADMSG,
                                            "parts message: lease reply grants 0x%x with %u fds",
                                            r.granted, r.n_fds);
        }
        *ret = (struct fc_parts_msg){
                .op = h.op,
                .status = h.status,
                .payload = h.length ? payload : NULL,
                .length = h.length,
                .fds = {-1, -1, -1, -1, -1, -1, -1},
        };
        return 0;
}

unsigned fc_parts_max_fds(uint16_t op)
{
        if (op == (FC_PARTS_OP_LEASE_PROC | FC_PARTS_OP_REPLY))
                return FC_PARTS_MAX_FDS;
        if (op == (FC_PARTS_OP_LEASE_DEV | FC_PARTS_OP_REPLY))
                return 5; /* 3 namespaces, a cgroup tree and a /dev tree */
        if (op == (FC_PARTS_OP_LEASE_CG | FC_PARTS_OP_REPLY))
                return 4; /* 3 namespaces and a cgroup tree */
        if (op == FC_PARTS_OP_RETIRE)
                return 4; /* a mount namespace, 2 leased namespaces, a /proc tree */
        if (op == (FC_PARTS_OP_LEASE | FC_PARTS_OP_REPLY))
                return 3; /* one per namespace kind */
        return 0;
}

int fc_parts_send(int sock, uint16_t op, int32_t status, const void *payload, uint32_t length,
                  const int *fds, unsigned n_fds, fc_error_t *err)
{
        if (length > FC_PARTS_MAX_PAYLOAD || n_fds > FC_PARTS_MAX_FDS)
                return fc_error_set(err, -EMSGSIZE, "parts message too large");
        char buf[sizeof(struct fc_parts_header) + FC_PARTS_MAX_PAYLOAD];
        struct iovec iov = {.iov_base = buf,
                            .iov_len = fc_parts_encode(buf, op, status, payload, length)};
        union {
                char b[CMSG_SPACE(sizeof(int) * FC_PARTS_MAX_FDS)];
                struct cmsghdr align;
        } cbuf;
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (n_fds) {
                memset(&cbuf, 0, sizeof(cbuf));
                msg.msg_control = cbuf.b;
                msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0)
                return fc_error_setm(err, -errno, "send parts message");
        if ((size_t) n != iov.iov_len)
                return fc_error_set(err, -EIO, "send parts message: short send");
        return 0;
}

void fc_parts_msg_close_fds(struct fc_parts_msg *m)
{
        for (unsigned i = 0; i < m->n_fds; i++)
                if (m->fds[i] >= 0)
                        close(m->fds[i]);
        m->n_fds = 0;
}

/* Close every fd of every SCM_RIGHTS message in `msg`. */
static void close_all_rights(struct msghdr *msg)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < n; i++) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        close(fd);
                }
        }
}

int fc_parts_recv(int sock, void *buf, size_t buf_size, bool reply, struct fc_parts_msg *ret,
                  fc_error_t *err)
{
        /* Room for more fds than allowed, so that a peer sending too many is
         * seen (and every one closed) rather than cut off by MSG_CTRUNC. */
        union {
                char b[CMSG_SPACE(sizeof(int) * 16)];
                struct cmsghdr align;
        } cbuf;
        struct iovec iov = {.iov_base = buf, .iov_len = buf_size};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = cbuf.b,
                .msg_controllen = sizeof(cbuf.b),
        };
        ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                        return -EAGAIN;
                return fc_error_setm(err, -errno, "receive parts message");
        }
        if (n == 0 && !(msg.msg_flags & MSG_CTRUNC) && msg.msg_controllen == 0)
                return -ECONNRESET;
        int fds[FC_PARTS_MAX_FDS];
        unsigned n_fds = 0;
        bool too_many = false, foreign = false;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
                        foreign = true;
                        continue;
                }
                size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (n_fds < FC_PARTS_MAX_FDS)
                                fds[n_fds++] = fd;
                        else
                                too_many = true;
                }
        }
        int r;
        if (msg.msg_flags & MSG_CTRUNC)
                r = fc_error_set(err, -EBADMSG, "parts message: truncated ancillary data");
        else if (foreign)
                r = fc_error_set(err, -EBADMSG, "parts message: unexpected ancillary data");
        else
                r = fc_parts_decode(buf, (size_t) n, msg.msg_flags & MSG_TRUNC, reply, ret, err);
        if (r == 0 && (too_many || n_fds > fc_parts_max_fds(ret->op)))
                r = fc_error_set(err, -EBADMSG, "parts message: op 0x%x with %u%s fds", ret->op,
                                 n_fds, too_many ? "+" : "");
        if (r < 0) {
                close_all_rights(&msg);
                return r;
        }
        memcpy(ret->fds, fds, sizeof(int) * n_fds);
        ret->n_fds = n_fds;
        return 0;
}

unsigned fc_parts_kind_count(uint32_t kinds)
{
        return (unsigned) __builtin_popcount(kinds & FC_PARTS_PROC_KINDS);
}

const char *fc_parts_kind_name(uint32_t kind)
{
        switch (kind) {
        case FC_PART_NET:
                return "net";
        case FC_PART_IPC:
                return "ipc";
        case FC_PART_UTS:
                return "uts";
        case FC_PART_CGTREE:
                return "cgtree";
        case FC_PART_DEVTREE:
                return "devtree";
        case FC_PART_PIDNS:
                return "pidns";
        case FC_PART_PROCTREE:
                return "proctree";
        }
        return NULL;
}

int fc_parts_kind_clone_flag(uint32_t kind)
{
        switch (kind) {
        case FC_PART_NET:
                return CLONE_NEWNET;
        case FC_PART_IPC:
                return CLONE_NEWIPC;
        case FC_PART_UTS:
                return CLONE_NEWUTS;
        }
        return 0;
}

bool fc_parts_clean_path(const char *p)
{
        if (p[0] != '/')
                return false;
        if (p[1] == '\0')
                return true;
        for (const char *c = p; *c;) {
                const char *e = strchr(c + 1, '/');
                size_t len = e ? (size_t) (e - c - 1) : strlen(c + 1);
                if (len == 0 || (len == 1 && c[1] == '.') ||
                    (len == 2 && c[1] == '.' && c[2] == '.'))
                        return false;
                if (e == NULL)
                        break;
                c = e;
        }
        return true;
}

char *fc_parts_sibling_path(const char *socket_path, const char *suffix)
{
        size_t len = strlen(socket_path);
        if (len > 5 && strcmp(socket_path + len - 5, ".sock") == 0)
                len -= 5;
        char *p = NULL;
        if (asprintf(&p, "%.*s%s", (int) len, socket_path, suffix) < 0)
                return NULL;
        return p;
}
