/* SPDX-License-Identifier: Apache-2.0
 *
 * cgroup v2 has no devices controller: device access is decided by a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup.  We generate
 * the program ourselves from the rule list (no libbpf), load it with
 * bpf(2) and attach it with BPF_F_ALLOW_MULTI so ancestors' programs still
 * apply (the kernel allows access only if every program allows it).
 *
 * The kernel calls the program with struct bpf_cgroup_dev_ctx:
 *   u32 access_type  (BPF_DEVCG_DEV_* in the low 16 bits, BPF_DEVCG_ACC_*
 *                     in the high 16 bits)
 *   u32 major, minor
 * and the return value 1 allows, 0 denies.
 *
 * Semantics follow the v1 list: the last matching rule wins and anything
 * unmatched is denied.  So the rules are emitted in reverse order, each
 * one a block that jumps to the next block on a mismatch and returns its
 * verdict on a match.  An allow rule matches when it grants every
 * requested access bit; a deny rule when it names any of them (a denied
 * "w" must refuse an "rw" open).  Overlapping partial allows are not
 * merged as v1 merges them (allow "r" then allow "w" does not grant "rw"
 * in one request); runc's rule lists never rely on that.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"

/* Registers: r1 = ctx on entry, then scratch; r2 = device type;
 * r3 = requested access; r4 = major; r5 = minor. */
enum { R0 = 0, R1, R2, R3, R4, R5 };

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

static struct bpf_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        struct bpf_insn i;
        memset(&i, 0, sizeof(i));
        i.code = code;
        i.dst_reg = dst & 0xf;
        i.src_reg = src & 0xf;
        i.off = off;
        i.imm = imm;
        return i;
}

static struct bpf_insn ldx_w(uint8_t dst, uint8_t src, int16_t off)
{
        return mk(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0);
}

static struct bpf_insn alu32_k(uint8_t op, uint8_t dst, int32_t imm)
{
        return mk(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}

static struct bpf_insn mov64_x(uint8_t dst, uint8_t src)
{
        return mk(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}

static struct bpf_insn mov64_k(uint8_t dst, int32_t imm)
{
        return mk(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}

/* 32-bit compares so majors/minors up to 2^32-1 compare correctly with
 * the sign-extended 32-bit immediate. */
static struct bpf_insn jmp32_k(uint8_t op, uint8_t dst, int32_t imm, int16_t off)
{
        return mk(BPF_JMP32 | op | BPF_K, dst, 0, off, imm);
}

static struct bpf_insn exit_insn(void)
{
        return mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* A conditional jump to `target` (the next block): the offset counts from
 * the instruction after the jump. */
static void emit_jump(struct bpf_insn *out, size_t *n, size_t target, struct bpf_insn j)
{
        j.off = (int16_t) (target - *n - 1);
        out[(*n)++] = j;
}

static int rule_type(const struct fc_device_cgroup *r)
{
        if (r->type == NULL || strcmp(r->type, "a") == 0)
                return 0;
        return strcmp(r->type, "b") == 0 ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

/* Emit one rule's block at out[*n]; returns true when the rule matches
 * everything (later blocks would be unreachable, which the verifier
 * rejects). */
static bool emit_rule(const struct fc_device_cgroup *r, struct bpf_insn *out, size_t *n)
{
        int type = rule_type(r);
        int mask = fc_cgroup_device_access_mask(r->access);
        bool check_access = mask != ACC_ALL;
        /* Count the checks first: every jump skips to the block's end. */
        int len = 2 + (type ? 1 : 0) + (check_access ? 3 : 0) + (r->has_major ? 1 : 0) +
                  (r->has_minor ? 1 : 0);
        size_t end = *n + (size_t) len;
        if (type)
                emit_jump(out, n, end, jmp32_k(BPF_JNE, R2, type, 0));
        if (check_access) {
                out[(*n)++] = mov64_x(R1, R3);
                if (r->allow) {
                        out[(*n)++] = alu32_k(BPF_AND, R1, ~mask & ACC_ALL);
                        emit_jump(out, n, end, jmp32_k(BPF_JNE, R1, 0, 0));
                } else {
                        out[(*n)++] = alu32_k(BPF_AND, R1, mask);
                        emit_jump(out, n, end, jmp32_k(BPF_JEQ, R1, 0, 0));
                }
        }
        if (r->has_major)
                emit_jump(out, n, end, jmp32_k(BPF_JNE, R4, (int32_t) (uint32_t) r->major, 0));
        if (r->has_minor)
                emit_jump(out, n, end, jmp32_k(BPF_JNE, R5, (int32_t) (uint32_t) r->minor, 0));
        out[(*n)++] = mov64_k(R0, r->allow ? 1 : 0);
        out[(*n)++] = exit_insn();
        return len == 2;
}

int fc_cgroup_devices_bpf_build(const struct fc_device_cgroup *rules, size_t n,
                                struct bpf_insn **ret_insns, size_t *ret_n, fc_error_t *err)
{
        /* Upper bound: 6 prologue + 9 per rule + 2 default. */
        size_t cap = 6 + 9 * n + 2;
        for (size_t i = 0; i < n; i++)
                if (fc_cgroup_device_access_mask(rules[i].access) < 0)
                        return fc_error_set(err, -EINVAL, "invalid device access \"%s\"",
                                            rules[i].access);
        struct bpf_insn *p = calloc(cap, sizeof(*p));
        if (p == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        size_t k = 0;
        p[k++] = ldx_w(R2, R1, 0);
        p[k++] = alu32_k(BPF_AND, R2, 0xffff);
        p[k++] = ldx_w(R3, R1, 0);
        p[k++] = alu32_k(BPF_RSH, R3, 16);
        p[k++] = ldx_w(R4, R1, 4);
        p[k++] = ldx_w(R5, R1, 8);
        bool terminated = false;
        for (size_t i = n; i-- > 0 && !terminated;)
                terminated = emit_rule(&rules[i], p, &k);
        if (!terminated) {
                p[k++] = mov64_k(R0, 0);
                p[k++] = exit_insn();
        }
        *ret_insns = p;
        *ret_n = k;
        return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
        return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int fc_cgroup_devices_bpf_attach(int cgroup_fd, const struct fc_device_cgroup *rules, size_t n,
                                 fc_error_t *err)
{
        cleanup_free struct bpf_insn *insns = NULL;
        size_t n_insns = 0;
        if (fc_cgroup_devices_bpf_build(rules, n, &insns, &n_insns, err) < 0)
                return err->status;
        static const char license[] = "Apache-2.0";
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t) (uintptr_t) insns;
        attr.insn_cnt = (uint32_t) n_insns;
        attr.license = (uint64_t) (uintptr_t) license;
        /* bpf fds are always close-on-exec. */
        cleanup_close int prog = (int) sys_bpf(BPF_PROG_LOAD, &attr);
        if (prog < 0) {
                int e = errno;
                /* Ask again with the verifier log so the error says why. */
                char log[4096] = "";
                attr.log_level = 1;
                attr.log_buf = (uint64_t) (uintptr_t) log;
                attr.log_size = sizeof(log);
                int again = (int) sys_bpf(BPF_PROG_LOAD, &attr);
                if (again >= 0)
                        close(again);
                char *nl = log[0] ? strrchr(log, '\n') : NULL;
                while (nl && nl > log && nl[1] == '\0') {
                        *nl = '\0';
                        nl = strrchr(log, '\n');
                }
                const char *last = nl ? nl + 1 : log;
                if (last[0])
                        return fc_error_set(err, -e, "load device cgroup program: %s: %s",
                                            strerror(e), last);
                return fc_error_setm(err, -e, "load device cgroup program");
        }
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t) cgroup_fd;
        attr.attach_bpf_fd = (uint32_t) prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
                return fc_error_setm(err, -errno, "attach device cgroup program");
        return 0;
}
