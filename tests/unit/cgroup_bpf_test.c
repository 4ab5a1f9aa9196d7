/* SPDX-License-Identifier: Apache-2.0
 * The eBPF device program generator.  Without root: instruction counts,
 * rule order and the verdicts, by running the program in a tiny
 * interpreter of the few instructions the generator emits.  As root on a
 * host with a cgroup2 mount: load, attach, BPF_PROG_QUERY, and a child in
 * the cgroup may open /dev/null but not /dev/zero. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"
#include "tests/unit/tap.h"

/* Returns the program's r0, or -1 on an instruction the interpreter does
 * not know (the generator must not emit any other). */
static int run(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t access, uint32_t major,
               uint32_t minor)
{
        uint32_t ctx[3] = {type | (access << 16), major, minor};
        uint64_t r[11] = {0};
        for (size_t pc = 0; pc < n; pc++) {
                const struct bpf_insn *i = &p[pc];
                uint8_t d = i->dst_reg, s = i->src_reg;
                switch (i->code) {
                case BPF_LDX | BPF_W | BPF_MEM:
                        if (s != 1 || i->off < 0 || i->off > 8 || i->off % 4)
                                return -1;
                        r[d] = ctx[i->off / 4];
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        r[d] = (uint32_t) r[d] & (uint32_t) i->imm;
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        r[d] = (uint32_t) r[d] >> i->imm;
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_X:
                        r[d] = r[s];
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        r[d] = (uint64_t) (int64_t) i->imm;
                        break;
                case BPF_JMP32 | BPF_JNE | BPF_K:
                        if ((uint32_t) r[d] != (uint32_t) i->imm)
                                pc += i->off;
                        break;
                case BPF_JMP32 | BPF_JEQ | BPF_K:
                        if ((uint32_t) r[d] == (uint32_t) i->imm)
                                pc += i->off;
                        break;
                case BPF_JMP | BPF_EXIT:
                        return (int) r[0];
                default:
                        return -1;
                }
        }
        return -1; /* fell off the end */
}

#define C  BPF_DEVCG_DEV_CHAR
#define B  BPF_DEVCG_DEV_BLOCK
#define RD BPF_DEVCG_ACC_READ
#define WR BPF_DEVCG_ACC_WRITE
#define MK BPF_DEVCG_ACC_MKNOD

static void test_runc_default(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_device_cgroup deny = {.allow = false, .access = "rwm"};
        struct fc_resources res = {.devices = &deny, .n_devices = 1};
        cleanup_free struct fc_device_cgroup *rules = NULL;
        size_t n = 0;
        ok(fc_cgroup_device_rules(&res, &rules, &n, &err) == 0, "rule list");
        cleanup_free struct bpf_insn *p = NULL;
        size_t np = 0;
        ok(fc_cgroup_devices_bpf_build(rules, n, &p, &np, &err) == 0, "build");
        /* 6 prologue; 136:* 4; eight major:minor rules 5 each; "c/b *:* m"
         * 6 each; the leading deny-all 2 and no unreachable default. */
        ok(np == 64, "runc default program has 64 instructions, got %zu", np);
        ok(p[np - 1].code == (BPF_JMP | BPF_EXIT) && p[np - 2].imm == 0,
           "ends with the deny-all verdict");
        /* The last rule (136:*) is evaluated first. */
        ok(p[6].code == (BPF_JMP32 | BPF_JNE | BPF_K) && p[6].imm == C && p[7].imm == 136,
           "the last rule comes first");
        ok(run(p, np, C, RD | WR, 1, 3) == 1, "/dev/null rw allowed");
        ok(run(p, np, C, RD, 1, 5) == 1, "/dev/zero r allowed");
        ok(run(p, np, C, RD | WR, 136, 7) == 1, "/dev/pts/7 allowed");
        ok(run(p, np, C, RD, 10, 200) == 1, "/dev/net/tun allowed");
        ok(run(p, np, C, RD, 1, 1) == 0, "/dev/mem denied");
        ok(run(p, np, B, RD, 8, 0) == 0, "block read denied");
        ok(run(p, np, B, MK, 8, 0) == 1, "block mknod allowed");
        ok(run(p, np, C, MK, 4, 2) == 1, "char mknod allowed");
        ok(run(p, np, C, MK | RD, 4, 2) == 0, "char mknod+read denied");
        ok(run(p, np, C, RD, 5, 1) == 0, "/dev/console denied");
}

static void test_order(void)
{
        fc_error_t err = FC_ERROR_INIT;
        /* allow all, deny c 1:3 w, allow c 1:3 r at the end: last match wins */
        struct fc_device_cgroup r[] = {
                {.allow = true, .access = "rwm"},
                {.allow = false,
                 .type = "c",
                 .has_major = true,
                 .major = 1,
                 .has_minor = true,
                 .minor = 3,
                 .access = "w"},
                {.allow = true,
                 .type = "c",
                 .has_major = true,
                 .major = 1,
                 .has_minor = true,
                 .minor = 3,
                 .access = "r"},
        };
        cleanup_free struct bpf_insn *p = NULL;
        size_t np = 0;
        ok(fc_cgroup_devices_bpf_build(r, 3, &p, &np, &err) == 0, "build ordered rules");
        ok(np == 6 + 8 + 8 + 2, "count: two checked rules of 8 and a catch-all, got %zu", np);
        ok(run(p, np, C, RD, 1, 3) == 1, "read allowed by the last rule");
        ok(run(p, np, C, WR, 1, 3) == 0, "write denied by the middle rule");
        ok(run(p, np, C, RD | WR, 1, 3) == 0, "read+write denied: deny matches any bit");
        ok(run(p, np, C, WR, 1, 4) == 1, "other minors fall to allow-all");

        /* no rules at all: default deny */
        cleanup_free struct bpf_insn *q = NULL;
        ok(fc_cgroup_devices_bpf_build(NULL, 0, &q, &np, &err) == 0 && np == 8,
           "empty list: prologue + deny");
        ok(run(q, np, C, RD, 1, 3) == 0, "empty list denies");

        /* a catch-all in the middle cuts the earlier rules off */
        struct fc_device_cgroup r2[] = {
                {.allow = true, .type = "c", .has_major = true, .major = 1, .access = "rwm"},
                {.allow = false, .access = "rwm"},
                {.allow = true, .type = "b", .access = "r"},
        };
        cleanup_free struct bpf_insn *q2 = NULL;
        ok(fc_cgroup_devices_bpf_build(r2, 3, &q2, &np, &err) == 0 && np == 6 + 6 + 2,
           "rules before a catch-all are not emitted, got %zu", np);
        ok(run(q2, np, C, RD, 1, 3) == 0, "earlier allow overridden by later deny-all");
        ok(run(q2, np, B, RD, 8, 1) == 1, "block read allowed by the last rule");
        ok(run(q2, np, B, WR, 8, 1) == 0, "block write denied");

        struct fc_device_cgroup big = {.allow = true,
                                       .type = "c",
                                       .has_major = true,
                                       .major = 4000000000LL,
                                       .access = "r"};
        cleanup_free struct bpf_insn *q3 = NULL;
        ok(fc_cgroup_devices_bpf_build(&big, 1, &q3, &np, &err) == 0, "build big major");
        ok(run(q3, np, C, RD, 4000000000U, 0) == 1, "major above 2^31 matches");
        ok(run(q3, np, C, RD, 4000000001U, 0) == 0, "and only that major");
}

/* ---- root only ---- */

static bool have_cgroup2(const char *path)
{
        struct statfs st;
        return statfs(path, &st) == 0 && st.f_type == 0x63677270;
}

static void test_kernel(void)
{
        const char *base = have_cgroup2("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified"
                           : have_cgroup2("/sys/fs/cgroup")       ? "/sys/fs/cgroup"
                                                                  : NULL;
        if (geteuid() != 0 || base == NULL) {
                ok(1, "# SKIP kernel load needs root and a cgroup2 mount");
                return;
        }
        char dir[256];
        snprintf(dir, sizeof(dir), "%s/fc-bpf-test-%d", base, (int) getpid());
        if (mkdir(dir, 0755) < 0) {
                ok(0, "mkdir %s: %s", dir, strerror(errno));
                return;
        }
        int fd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        fc_error_t err = FC_ERROR_INIT;
        struct fc_device_cgroup r[] = {
                {.allow = false, .access = "rwm"},
                {.allow = true,
                 .type = "c",
                 .has_major = true,
                 .major = 1,
                 .has_minor = true,
                 .minor = 3,
                 .access = "rw"},
        };
        int a = fc_cgroup_devices_bpf_attach(fd, r, 2, &err);
        ok(a == 0, "load and attach (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);

        union bpf_attr q;
        uint32_t ids[8];
        memset(&q, 0, sizeof(q));
        q.query.target_fd = (uint32_t) fd;
        q.query.attach_type = BPF_CGROUP_DEVICE;
        q.query.prog_ids = (uint64_t) (uintptr_t) ids;
        q.query.prog_cnt = 8;
        long qr = syscall(SYS_bpf, BPF_PROG_QUERY, &q, sizeof(q));
        ok(qr == 0 && q.query.prog_cnt == 1 && (q.query.attach_flags & BPF_F_ALLOW_MULTI),
           "BPF_PROG_QUERY: one program, ALLOW_MULTI");

        pid_t pid = fork();
        if (pid == 0) {
                char buf[32];
                snprintf(buf, sizeof(buf), "%d", (int) getpid());
                fc_error_t e = FC_ERROR_INIT;
                if (fc_cgroup_write_at(dir, "cgroup.procs", buf, &e) < 0)
                        _exit(10);
                int n = open("/dev/null", O_RDWR | O_CLOEXEC);
                int z = open("/dev/zero", O_RDONLY | O_CLOEXEC);
                int zerr = errno;
                _exit((n >= 0 ? 0 : 1) | (z < 0 && zerr == EPERM ? 0 : 2));
        }
        int st = 0;
        waitpid(pid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) != 10, "child entered the cgroup");
        ok(WIFEXITED(st) && (WEXITSTATUS(st) & 1) == 0, "child opened /dev/null");
        ok(WIFEXITED(st) && (WEXITSTATUS(st) & 2) == 0, "child denied /dev/zero (EPERM)");
        close(fd);
        ok(rmdir(dir) == 0, "test cgroup removed");
}

int main(void)
{
        test_runc_default();
        test_order();
        test_kernel();
        return tap_done();
}
