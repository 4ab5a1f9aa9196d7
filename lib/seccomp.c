/* SPDX-License-Identifier: Apache-2.0
 *
 * linux.seccomp -> libseccomp filter.  Unknown syscall names are skipped
 * (profiles list syscalls of newer kernels than libseccomp knows, and runc
 * skips them); every other unknown name is an error naming the JSON path,
 * with runc's wording after it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct fc_seccomp_filter {
        scmp_filter_ctx ctx;      /* NULL when the program came from the cache */
        struct sock_filter *prog; /* compiled program, when cached or cacheable */
        size_t prog_len;          /* instructions */
        unsigned int load_flags;  /* SECCOMP_FILTER_FLAG_* for a raw load of prog */
        bool has_notify;
        bool from_cache;
};

struct name_u32 {
        const char *name;
        uint32_t value;
};

static const struct name_u32 compare_ops[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},
        {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE},
        {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
        {NULL, 0},
};

/* errnoRet applies to ERRNO and TRACE; both default to EPERM as in runc. */
static int parse_action(const char *name, bool has_ret, uint32_t ret_value, uint32_t *ret)
{
        uint32_t e = has_ret ? ret_value : EPERM;
        if (name == NULL)
                return -EINVAL;
        if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
                *ret = SCMP_ACT_KILL_THREAD;
        else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
                *ret = SCMP_ACT_KILL_PROCESS;
        else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
                *ret = SCMP_ACT_TRAP;
        else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
                *ret = SCMP_ACT_ERRNO(e);
        else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
                *ret = SCMP_ACT_TRACE(e);
        else if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
                *ret = SCMP_ACT_ALLOW;
        else if (strcmp(name, "SCMP_ACT_LOG") == 0)
                *ret = SCMP_ACT_LOG;
        else if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
                *ret = SCMP_ACT_NOTIFY;
        else
                return -EINVAL;
        return 0;
}

static int add_arches(scmp_filter_ctx ctx, const struct fc_seccomp *s, fc_error_t *err)
{
        for (size_t i = 0; i < s->n_architectures; i++) {
                const char *name = s->architectures[i];
                /* libseccomp knows "x86_64" for the spec's "SCMP_ARCH_X86_64". */
                char lower[32];
                uint32_t arch = 0;
                if (name && strncmp(name, "SCMP_ARCH_", 10) == 0 &&
                    strlen(name + 10) < sizeof(lower)) {
                        size_t j = 0;
                        for (const char *c = name + 10; *c; c++)
                                lower[j++] = (char) tolower((unsigned char) *c);
                        lower[j] = '\0';
                        arch = seccomp_arch_resolve_name(lower);
                }
                if (arch == 0)
                        return fc_error_set(err, -EINVAL,
                                            "linux.seccomp.architectures[%zu]: string %s is not a "
                                            "valid arch for seccomp",
                                            i, name ? name : "");
                int r = seccomp_arch_add(ctx, arch);
                /* -EEXIST: listed twice, or the native arch (already there). */
                if (r < 0 && r != -EEXIST)
                        return fc_error_setm(err, r, "linux.seccomp.architectures[%zu]: add %s", i,
                                             name);
        }
        return 0;
}

/* Sets the libseccomp attributes and, for loading a cached program with
 * seccomp(2) directly, the equivalent kernel flags. */
static int set_flags(scmp_filter_ctx ctx, const struct fc_seccomp *s, unsigned int *ret_flags,
                     fc_error_t *err)
{
        *ret_flags = 0;
        /* libseccomp sets no_new_privs on load by default; the config's
         * noNewPrivileges decides that, not the filter. */
        int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return fc_error_setm(err, r, "seccomp: clear no_new_privs attribute");
        for (size_t i = 0; i < s->n_flags; i++) {
                const char *f = s->flags[i] ? s->flags[i] : "";
                enum scmp_filter_attr attr;
                if (strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC") == 0) {
                        attr = SCMP_FLTATR_CTL_TSYNC;
                        *ret_flags |= SECCOMP_FILTER_FLAG_TSYNC;
                } else if (strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0) {
                        attr = SCMP_FLTATR_CTL_LOG;
                        *ret_flags |= SECCOMP_FILTER_FLAG_LOG;
                } else if (strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0) {
                        attr = SCMP_FLTATR_CTL_SSB;
                        *ret_flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
                }
#ifdef SCMP_FLTATR_CTL_WAITKILL
                else if (strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0) {
                        attr = SCMP_FLTATR_CTL_WAITKILL;
                        *ret_flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
                }
#else
                else if (strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
                        return fc_error_set(err, -EOPNOTSUPP,
                                            "linux.seccomp.flags[%zu]: %s is not supported by "
                                            "this libseccomp",
                                            i, f);
#endif
                else
                        return fc_error_set(err, -EINVAL,
                                            "linux.seccomp.flags[%zu]: unknown seccomp flag \"%s\"",
                                            i, f);
                r = seccomp_attr_set(ctx, attr, 1);
                if (r < 0)
                        return fc_error_setm(err, r, "linux.seccomp.flags[%zu]: set %s", i, f);
        }
        return 0;
}

static int build_conditions(const struct fc_seccomp_syscall *sc, size_t idx,
                            struct scmp_arg_cmp *conds, bool *ret_same_index, fc_error_t *err)
{
        unsigned seen = 0;
        *ret_same_index = false;
        for (size_t j = 0; j < sc->n_args; j++) {
                const struct fc_seccomp_arg *a = &sc->args[j];
                if (a->index > 5)
                        return fc_error_set(err, -EINVAL,
                                            "linux.seccomp.syscalls[%zu].args[%zu].index: syscalls "
                                            "only have up to 6 arguments (%u given)",
                                            idx, j, a->index);
                const struct name_u32 *op = compare_ops;
                while (op->name && (a->op == NULL || strcmp(op->name, a->op) != 0))
                        op++;
                if (op->name == NULL)
                        return fc_error_set(err, -EINVAL,
                                            "linux.seccomp.syscalls[%zu].args[%zu].op: string %s "
                                            "is not a valid operator for seccomp",
                                            idx, j, a->op ? a->op : "");
                if (seen & (1u << a->index))
                        *ret_same_index = true;
                seen |= 1u << a->index;
                conds[j] = (struct scmp_arg_cmp){
                        .arg = a->index,
                        .op = (enum scmp_compare) op->value,
                        .datum_a = a->value,
                        .datum_b = a->value_two,
                };
        }
        return 0;
}

/* Conditions on distinct arguments are one rule (all must hold).  When an
 * argument index repeats (e.g. two allowed values of the same flag word),
 * ANDing would never match, so each condition becomes its own rule, which
 * is how runc reads such profiles. */
static int add_syscall_rules(scmp_filter_ctx ctx, uint32_t default_action,
                             const struct fc_seccomp_syscall *sc, size_t idx, bool *has_notify,
                             fc_error_t *err)
{
        uint32_t action;
        if (parse_action(sc->action, sc->has_errno_ret, sc->errno_ret, &action) < 0)
                return fc_error_set(err, -EINVAL,
                                    "linux.seccomp.syscalls[%zu].action: string %s is not a valid "
                                    "action for seccomp",
                                    idx, sc->action ? sc->action : "");
        if (sc->n_args > 6 * 8)
                return fc_error_set(err, -EINVAL, "linux.seccomp.syscalls[%zu].args: too many",
                                    idx);
        struct scmp_arg_cmp conds[6 * 8];
        bool same_index;
        if (build_conditions(sc, idx, conds, &same_index, err) < 0)
                return err->status;
        /* libseccomp refuses rules that repeat the default action. */
        if (action == default_action)
                return 0;

        for (size_t k = 0; k < sc->n_names; k++) {
                const char *name = sc->names[k];
                if (name == NULL)
                        continue;
                int nr = seccomp_syscall_resolve_name(name);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                if (action == SCMP_ACT_NOTIFY) {
                        /* The init writes to its sync socket after loading
                         * the filter; a notified write() would deadlock. */
                        if (strcmp(name, "write") == 0)
                                return fc_error_set(err, -EINVAL,
                                                    "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY "
                                                    "cannot be used for the write syscall",
                                                    idx);
                        *has_notify = true;
                }
                int r;
                if (!same_index) {
                        r = seccomp_rule_add_array(ctx, action, nr, (unsigned) sc->n_args, conds);
                } else {
                        r = 0;
                        for (size_t j = 0; j < sc->n_args && r == 0; j++)
                                r = seccomp_rule_add_array(ctx, action, nr, 1, &conds[j]);
                }
                if (r < 0)
                        return fc_error_setm(err, r, "linux.seccomp.syscalls[%zu]: add rule for %s",
                                             idx, name);
        }
        return 0;
}

struct fc_seccomp_filter *fc_seccomp_build(const struct fc_seccomp *s, fc_error_t *err)
{
        uint32_t def;
        if (parse_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret, &def) <
            0) {
                fc_error_set(err, -EINVAL,
                             "linux.seccomp.defaultAction: string %s is not a valid action for "
                             "seccomp",
                             s->default_action ? s->default_action : "");
                return NULL;
        }
        if (def == SCMP_ACT_NOTIFY) {
                fc_error_set(err, -EINVAL,
                             "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as "
                             "default action");
                return NULL;
        }
        struct fc_seccomp_filter *f = calloc(1, sizeof(*f));
        if (f == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        f->ctx = seccomp_init(def);
        if (f->ctx == NULL) {
                fc_error_set(err, -EINVAL, "seccomp_init failed");
                goto fail;
        }
        if (add_arches(f->ctx, s, err) < 0 || set_flags(f->ctx, s, &f->load_flags, err) < 0)
                goto fail;
        for (size_t i = 0; i < s->n_syscalls; i++) {
                if (add_syscall_rules(f->ctx, def, &s->syscalls[i], i, &f->has_notify, err) < 0)
                        goto fail;
        }
        /* The runtime passes the listener fd to this socket; without it
         * notified syscalls would hang forever (runc refuses too). */
        if (f->has_notify && (s->listener_path == NULL || s->listener_path[0] == '\0')) {
                fc_error_set(err, -EINVAL, "linux.seccomp.listenerPath is not set");
                goto fail;
        }
        return f;
fail:
        fc_seccomp_free(f);
        return NULL;
}

/* The compiled-filter cache.  A profile is identified by a canonical
 * serialization of everything that shapes the BPF (the fc_seccomp fields,
 * libseccomp's version and API level, the native arch, our version); the
 * file name is its FNV-1a hash, and the file holds the serialization too,
 * so a hash collision is a miss, never a wrong filter. */

#define CACHE_MAGIC    "FCSBPF01"
#define CACHE_MAX_FILE (4u << 20)

struct cache_header {
        char magic[8];
        uint32_t canon_len;
        uint32_t prog_len; /* instructions */
        uint32_t load_flags;
        uint32_t has_notify;
};

static void put_str(FILE *f, const char *s)
{
        if (s == NULL)
                fputs("n;", f);
        else
                fprintf(f, "s%zu:%s;", strlen(s), s);
}

static void put_strv(FILE *f, char **v, size_t n)
{
        fprintf(f, "v%zu:", n);
        for (size_t i = 0; i < n; i++)
                put_str(f, v[i]);
}

static char *canonical_profile(const struct fc_seccomp *s, size_t *ret_len)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f == NULL)
                return NULL;
        const struct scmp_version *v = seccomp_version();
        fprintf(f, "flashcube %s libseccomp %u.%u.%u api %u arch %u;", PACKAGE_VERSION,
                v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, seccomp_api_get(),
                seccomp_arch_native());
        put_str(f, s->default_action);
        fprintf(f, "e%d:%u;", s->has_default_errno_ret, s->default_errno_ret);
        put_strv(f, s->architectures, s->n_architectures);
        put_strv(f, s->flags, s->n_flags);
        /* Only whether a listener path is set matters (build refuses NOTIFY
         * without one); the path itself is not part of the program. */
        fprintf(f, "l%d;", s->listener_path != NULL && s->listener_path[0] != '\0');
        fprintf(f, "c%zu:", s->n_syscalls);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const struct fc_seccomp_syscall *sc = &s->syscalls[i];
                put_strv(f, sc->names, sc->n_names);
                put_str(f, sc->action);
                fprintf(f, "e%d:%u;a%zu:", sc->has_errno_ret, sc->errno_ret, sc->n_args);
                for (size_t j = 0; j < sc->n_args; j++) {
                        const struct fc_seccomp_arg *a = &sc->args[j];
                        fprintf(f, "%u,%llu,%llu,", a->index, (unsigned long long) a->value,
                                (unsigned long long) a->value_two);
                        put_str(f, a->op);
                }
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        *ret_len = len;
        return buf;
}

static uint64_t fnv1a64(const char *p, size_t len)
{
        uint64_t h = UINT64_C(0xcbf29ce484222325);
        for (size_t i = 0; i < len; i++) {
                h ^= (unsigned char) p[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

/* mkdir -p with 0700, then refuse a directory someone else could have
 * filled with programs. */
static int open_cache_dir(const char *dir)
{
        cleanup_free char *copy = strdup(dir);
        if (copy == NULL)
                return -ENOMEM;
        for (char *p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(copy, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(copy, 0700) < 0 && errno != EEXIST)
                return -errno;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
                close(fd);
                return -EPERM;
        }
        return fd;
}

static int read_all(int fd, void *buf, size_t len)
{
        size_t done = 0;
        while (done < len) {
                ssize_t n = read(fd, (char *) buf + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                done += (size_t) n;
        }
        return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
        size_t done = 0;
        while (done < len) {
                ssize_t n = write(fd, (const char *) buf + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                done += (size_t) n;
        }
        return 0;
}

/* A filter from the cache file `name`, or NULL on any mismatch/problem. */
static struct fc_seccomp_filter *cache_lookup(int dirfd, const char *name, const char *canon,
                                              size_t canon_len)
{
        cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            (size_t) st.st_size < sizeof(struct cache_header) ||
            (size_t) st.st_size > CACHE_MAX_FILE)
                return NULL;
        struct cache_header h;
        if (read_all(fd, &h, sizeof(h)) < 0 || memcmp(h.magic, CACHE_MAGIC, 8) != 0 ||
            h.canon_len != canon_len || h.prog_len == 0 || h.prog_len > BPF_MAXINSNS ||
            sizeof(h) + h.canon_len + (size_t) h.prog_len * sizeof(struct sock_filter) !=
                    (size_t) st.st_size)
                return NULL;
        cleanup_free char *stored = malloc(canon_len);
        if (stored == NULL || read_all(fd, stored, canon_len) < 0 ||
            memcmp(stored, canon, canon_len) != 0)
                return NULL;
        struct fc_seccomp_filter *f = calloc(1, sizeof(*f));
        if (f == NULL)
                return NULL;
        f->prog = calloc(h.prog_len, sizeof(struct sock_filter));
        if (f->prog == NULL || read_all(fd, f->prog, h.prog_len * sizeof(struct sock_filter)) < 0) {
                fc_seccomp_free(f);
                return NULL;
        }
        f->prog_len = h.prog_len;
        f->load_flags = h.load_flags;
        f->has_notify = h.has_notify != 0;
        f->from_cache = true;
        return f;
}

/* libseccomp 2.5 exports only to an fd: go through a memfd. */
static int export_program(struct fc_seccomp_filter *f)
{
        cleanup_close int fd = memfd_create("fc-seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = seccomp_export_bpf(f->ctx, fd);
        if (r < 0)
                return r;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        size_t bytes = (size_t) st.st_size;
        if (bytes == 0 || bytes % sizeof(struct sock_filter) != 0 ||
            bytes / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -E2BIG;
        struct sock_filter *prog = malloc(bytes);
        if (prog == NULL)
                return -ENOMEM;
        if (lseek(fd, 0, SEEK_SET) < 0 || read_all(fd, prog, bytes) < 0) {
                free(prog);
                return -EIO;
        }
        f->prog = prog;
        f->prog_len = bytes / sizeof(struct sock_filter);
        return 0;
}

/* Best effort: write a temporary file and rename it into place, so a
 * concurrent reader sees either nothing or a whole entry. */
static void cache_store(int dirfd, const char *name, const struct fc_seccomp_filter *f,
                        const char *canon, size_t canon_len)
{
        char tmp[96];
        snprintf(tmp, sizeof(tmp), ".tmp.%d.%s", (int) getpid(), name);
        cleanup_close int fd =
                openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return;
        struct cache_header h = {
                .canon_len = (uint32_t) canon_len,
                .prog_len = (uint32_t) f->prog_len,
                .load_flags = f->load_flags,
                .has_notify = f->has_notify,
        };
        memcpy(h.magic, CACHE_MAGIC, 8);
        if (write_all(fd, &h, sizeof(h)) < 0 || write_all(fd, canon, canon_len) < 0 ||
            write_all(fd, f->prog, f->prog_len * sizeof(struct sock_filter)) < 0 ||
            renameat(dirfd, tmp, dirfd, name) < 0)
                unlinkat(dirfd, tmp, 0);
}

struct fc_seccomp_filter *fc_seccomp_build_cached(const struct fc_seccomp *s, const char *cache_dir,
                                                  fc_error_t *err)
{
        size_t canon_len = 0;
        cleanup_free char *canon = canonical_profile(s, &canon_len);
        cleanup_close int dirfd = -1;
        char name[32] = "";
        if (canon && canon_len < CACHE_MAX_FILE) {
                dirfd = open_cache_dir(cache_dir ? cache_dir : FC_SECCOMP_CACHE_DIR);
                snprintf(name, sizeof(name), "%016llx.bpf",
                         (unsigned long long) fnv1a64(canon, canon_len));
        }
        if (dirfd >= 0) {
                struct fc_seccomp_filter *hit = cache_lookup(dirfd, name, canon, canon_len);
                if (hit)
                        return hit;
        }
        struct fc_seccomp_filter *f = fc_seccomp_build(s, err);
        if (f == NULL)
                return NULL;
        /* Cache trouble never fails the container: keep the libseccomp
         * context and load through it as fc_seccomp_build() would. */
        if (dirfd >= 0 && export_program(f) == 0)
                cache_store(dirfd, name, f, canon, canon_len);
        return f;
}

bool fc_seccomp_from_cache(const struct fc_seccomp_filter *f)
{
        return f && f->from_cache;
}

/* Load a cached program with seccomp(2), as libseccomp would load the
 * context: same kernel flags, a listener when the profile notifies. */
static int load_program(struct fc_seccomp_filter *f, int *ret_notify_fd, fc_error_t *err)
{
        unsigned int flags = f->load_flags;
        if (f->has_notify) {
                flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
                /* TSYNC reports a failing thread id in the return value,
                 * which collides with the listener fd unless told not to. */
                if (flags & SECCOMP_FILTER_FLAG_TSYNC)
                        flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        }
        struct sock_fprog prog = {.len = (unsigned short) f->prog_len, .filter = f->prog};
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
        if (r < 0)
                return fc_error_setm(err, -errno, "load seccomp filter");
        if (f->has_notify) {
                if (ret_notify_fd)
                        *ret_notify_fd = (int) r;
                else
                        close((int) r);
        } else if (r > 0) {
                return fc_error_set(err, -EAGAIN,
                                    "load seccomp filter: thread %ld could not be synchronized", r);
        }
        return 0;
}

int fc_seccomp_load(struct fc_seccomp_filter *f, int *ret_notify_fd, fc_error_t *err)
{
        if (ret_notify_fd)
                *ret_notify_fd = -1;
        if (f->ctx == NULL)
                return load_program(f, ret_notify_fd, err);
        int r = seccomp_load(f->ctx);
        if (r < 0)
                return fc_error_setm(err, r, "load seccomp filter");
        if (f->has_notify) {
                /* The kernel creates the listener O_CLOEXEC. */
                int fd = seccomp_notify_fd(f->ctx);
                if (fd < 0)
                        return fc_error_setm(err, fd, "get seccomp listener fd");
                if (ret_notify_fd)
                        *ret_notify_fd = fd;
        }
        return 0;
}

void fc_seccomp_free(struct fc_seccomp_filter *f)
{
        if (f == NULL)
                return;
        if (f->ctx)
                seccomp_release(f->ctx);
        free(f->prog);
        free(f);
}
