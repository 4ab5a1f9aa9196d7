/* SPDX-License-Identifier: Apache-2.0
 *
 * The wire protocol between the runtime and the parts cache.
 *
 * One message per SOCK_SEQPACKET datagram: a fixed 16-byte header in host
 * byte order (both ends are on the same machine, usually the same binary)
 * and a small payload whose size is fixed per operation, except for the
 * STATUS reply (JSON text).  Namespace fds travel as SCM_RIGHTS ancillary
 * data.  Decoding is strict: anything not exactly as specified is
 * rejected, and fds that arrive where none are expected are closed, so a
 * broken or hostile peer can never make the cache keep an fd or misread a
 * request.
 */
#ifndef FC_PARTS_PROTOCOL_H
#define FC_PARTS_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cgroup/cgroup.h"
#include "lib/error.h"

#define FC_PARTS_MAGIC   0x43504346u /* "FCPC" in little-endian memory order */
#define FC_PARTS_VERSION 1u

/* Largest datagram either side sends or accepts (the STATUS reply). */
#define FC_PARTS_MAX_PAYLOAD 4096u
/* Most fds one message may carry: one per namespace kind, a cgroup tree,
 * a /dev tree, a pid namespace and a /proc tree. */
#define FC_PARTS_MAX_FDS 7u

/* Every FC_PART_* namespace bit the protocol knows (lib/parts/parts.h). */
#define FC_PARTS_ALL_KINDS 0x7u
/* ... and with a LEASE_CG, FC_PART_CGTREE too; with a LEASE_DEV also
 * FC_PART_DEVTREE. */
#define FC_PARTS_CG_KINDS  (FC_PARTS_ALL_KINDS | 0x10u)
#define FC_PARTS_DEV_KINDS (FC_PARTS_CG_KINDS | 0x20u)
/* ... and with a LEASE_PROC, FC_PART_PIDNS and FC_PART_PROCTREE. */
#define FC_PARTS_PROC_KINDS (FC_PARTS_DEV_KINDS | 0xc0u)

enum fc_parts_op {
        FC_PARTS_OP_LEASE = 1,  /* payload: struct fc_parts_lease_req */
        FC_PARTS_OP_STATUS = 2, /* no payload; reply: JSON */
        FC_PARTS_OP_STOP = 3,   /* no payload; reply: empty, then the cache exits */
        /* Hand back used parts for destruction (the init's mount namespace):
         * the cache holds the fds a moment, then drops them off the runtime's
         * critical path; the runtime does not wait for the reply. */
        FC_PARTS_OP_RETIRE = 4, /* payload: struct fc_parts_retire_req, 0..4 fds */
        /* LEASE plus a pooled cgroup (cgroup v1): the request names the
         * parent directories, the reply the pooled cgroup's name in them. */
        FC_PARTS_OP_LEASE_CG = 5, /* payload: struct fc_parts_lease_cg_req */
        /* Hand over a removed container's cgroup v1 directories, renamed out
         * of the way beside where they were (fc_cgroup_retire_leaves) with
         * this cache's name prefix: the cache removes them off the runtime's
         * path; the runtime does not wait for the reply. */
        FC_PARTS_OP_RETIRE_CG = 6, /* payload: "<absolute path>\n..." and a NUL */
        /* LEASE_CG (its key may be "": no cgroup) plus a /dev tree: the
         * request says what the /dev is to be (lib/parts/devpool.h), the
         * reply is LEASE_CG's. */
        FC_PARTS_OP_LEASE_DEV = 7, /* payload: struct fc_parts_lease_dev_req */
        /* LEASE_DEV (its keys may be "") plus a pid namespace and a /proc
         * tree for it: the request says what the /proc is to be
         * (lib/parts/devpool.h), the reply is LEASE_CG's. */
        FC_PARTS_OP_LEASE_PROC = 8, /* payload: struct fc_parts_lease_proc_req */
};

/* A reply carries the request's op with this bit set. */
#define FC_PARTS_OP_REPLY 0x8000u

struct fc_parts_header {
        uint32_t magic;
        uint16_t version;
        uint16_t op;
        uint32_t length; /* payload bytes after the header */
        int32_t status;  /* replies: 0 or a negative errno; requests: 0 */
};

struct fc_parts_lease_req {
        uint32_t want; /* FC_PART_* bits (FC_PART_CGTREE: LEASE_CG only) */
        /* With FC_PART_CGTREE wanted, the MS_* flags (FC_CGROUP_MOUNT_FLAGS
         * only) the cgroup tree is to have; otherwise 0. */
        uint32_t flags;
};

struct fc_parts_lease_reply {
        uint32_t granted; /* FC_PART_* bits; one fd per bit, in bit order */
        uint32_t n_fds;
        uint64_t lease_id;
};

/* The key of a pooled cgroup: one line "<mount>\t<parent>\n" per cgroup v1
 * hierarchy, the parent relative to the mount ("/" or "/docker");
 * NUL-terminated inside the fixed-size field. */
#define FC_PARTS_CG_KEY_MAX 2048u
/* A pooled cgroup's directory name, the same in every hierarchy, begins
 * with FC_CGROUP_POOL_PREFIX. */
#define FC_PARTS_CG_NAME_MAX 64u
#define FC_PARTS_CG_PREFIX   FC_CGROUP_POOL_PREFIX

struct fc_parts_lease_cg_req {
        struct fc_parts_lease_req lease;
        char key[FC_PARTS_CG_KEY_MAX];
};

/* The key of a /dev tree (lib/parts/devpool.h), NUL-terminated inside. */
#define FC_PARTS_DEV_KEY_MAX 1024u

struct fc_parts_lease_dev_req {
        struct fc_parts_lease_cg_req cg;
        char dev_key[FC_PARTS_DEV_KEY_MAX];
};

/* The key of a /proc tree, NUL-terminated inside: what is left of the
 * largest payload. */
#define FC_PARTS_PROC_KEY_MAX (FC_PARTS_MAX_PAYLOAD - sizeof(struct fc_parts_lease_dev_req))

struct fc_parts_lease_proc_req {
        struct fc_parts_lease_dev_req dev;
        char proc_key[FC_PARTS_PROC_KEY_MAX];
};

struct fc_parts_lease_cg_reply {
        struct fc_parts_lease_reply lease;
        char name[FC_PARTS_CG_NAME_MAX]; /* "" when no cgroup is granted */
};

/* The name prefix of the pooled cgroups of the cache at socket_path:
 * FC_PARTS_CG_PREFIX, a tag of the path, '-'. */
#define FC_PARTS_CG_TAGGED_MAX 32u
void fc_parts_cg_prefix(const char *socket_path, char *buf, size_t size);

struct fc_parts_retire_req {
        uint64_t lease_id;
};

/* A decoded message.  `payload` points into the caller's buffer. */
struct fc_parts_msg {
        uint16_t op; /* including FC_PARTS_OP_REPLY for replies */
        int32_t status;
        const void *payload;
        uint32_t length;
        int fds[FC_PARTS_MAX_FDS];
        unsigned n_fds;
};

/* Build a message in `buf` (at least sizeof header + length bytes).
 * Returns the datagram size. */
size_t fc_parts_encode(void *buf, uint16_t op, int32_t status, const void *payload,
                       uint32_t length);

/* Check one received datagram of `size` bytes (`truncated`: the kernel
 * reported MSG_TRUNC) and fill *ret.  Requests and replies are both
 * checked against the fixed payload size of their op; `reply` says which
 * one is expected.  Does not look at fds (see fc_parts_recv). */
int fc_parts_decode(const void *buf, size_t size, bool truncated, bool reply,
                    struct fc_parts_msg *ret, fc_error_t *err);

/* The number of fds an op may carry: LEASE and LEASE_CG replies exactly
 * popcount(granted) (checked by the caller against the payload; up to 3,
 * and a cgroup tree with LEASE_CG), RETIRE requests up to 4, everything
 * else none. */
unsigned fc_parts_max_fds(uint16_t op);

/* Send one message with `n_fds` fds (MSG_NOSIGNAL; a closed peer is
 * -EPIPE).  Does not block on a non-blocking socket (-EAGAIN). */
int fc_parts_send(int sock, uint16_t op, int32_t status, const void *payload, uint32_t length,
                  const int *fds, unsigned n_fds, fc_error_t *err);

/* Receive one datagram into `buf` (FC_PARTS_MAX_PAYLOAD + header bytes),
 * with fds received O_CLOEXEC, decode it and enforce the fd rules: more fds
 * than the op allows, truncated ancillary data or a malformed message close
 * every received fd and fail with -EBADMSG (or -EPROTO for a wrong
 * magic/version).  Returns 0 on a message, -EAGAIN when nothing is there,
 * -ECONNRESET on end of stream. */
int fc_parts_recv(int sock, void *buf, size_t buf_size, bool reply, struct fc_parts_msg *ret,
                  fc_error_t *err);

/* Close the fds of a decoded message (accepts a message with none). */
void fc_parts_msg_close_fds(struct fc_parts_msg *m);

/* popcount of the FC_PART_* bits (FC_PARTS_CG_KINDS); fds of a lease are
 * in bit order. */
unsigned fc_parts_kind_count(uint32_t kinds);

/* "net", "ipc", "uts" for one bit; NULL otherwise. */
const char *fc_parts_kind_name(uint32_t kind);

/* The CLONE_NEW* flag of one kind bit (0 if unknown). */
int fc_parts_kind_clone_flag(uint32_t kind);

/* A clean absolute path, as the keys' paths must be: "/" or "/a/b", no
 * empty, "." or ".." part (so no trailing '/'). */
bool fc_parts_clean_path(const char *p);

/* Files next to the socket: "<dir>/<name>.pid" and "<dir>/<name>.lock"
 * with a trailing ".sock" replaced.  malloc'd; NULL on ENOMEM. */
char *fc_parts_sibling_path(const char *socket_path, const char *suffix);

#endif
