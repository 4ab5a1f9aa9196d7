/* SPDX-License-Identifier: Apache-2.0
 *
 * fc_process_plan_build(): validation and name resolution of the per-process
 * settings (capabilities, sysctls, hostname, personality, ioprio, scheduler,
 * CPU affinity) into plain data, and the apply functions for everything but
 * user and capabilities (lib/user.c).  Unknown capability names are a
 * warning, not an error, because runc 1.1 ignores them with a warning.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/process.h"

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1

/* glibc 2.36 wraps neither call; struct sched_attr is the VER0 layout. */
struct fc_sched_attr {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime;
        uint64_t sched_deadline;
        uint64_t sched_period;
};

static int sys_ioprio_set(int which, int who, int ioprio)
{
        return (int) syscall(SYS_ioprio_set, which, who, ioprio);
}

static int sys_sched_setattr(pid_t pid, struct fc_sched_attr *attr, unsigned int flags)
{
        return (int) syscall(SYS_sched_setattr, pid, attr, flags);
}

struct name_value {
        const char *name;
        long value;
};

static bool lookup(const struct name_value *t, const char *name, long *ret)
{
        for (; t->name; t++) {
                if (strcmp(t->name, name) == 0) {
                        *ret = t->value;
                        return true;
                }
        }
        return false;
}

static const struct name_value sched_policies[] = {
        {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
        {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6}, {NULL, 0},
};

static const struct name_value sched_flag_names[] = {
        {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
        {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
        {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
        {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}, {NULL, 0},
};

static const struct name_value ioprio_classes[] = {
        {"IOPRIO_CLASS_RT", 1},
        {"IOPRIO_CLASS_BE", 2},
        {"IOPRIO_CLASS_IDLE", 3},
        {NULL, 0},
};

/* The personality(2) flags by their <sys/personality.h> names. */
static const struct name_value personality_flags[] = {
        {"UNAME26", UNAME26},
        {"ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE},
        {"FDPIC_FUNCPTRS", FDPIC_FUNCPTRS},
        {"MMAP_PAGE_ZERO", MMAP_PAGE_ZERO},
        {"ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT},
        {"READ_IMPLIES_EXEC", READ_IMPLIES_EXEC},
        {"ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT},
        {"SHORT_INODE", SHORT_INODE},
        {"WHOLE_SECONDS", WHOLE_SECONDS},
        {"STICKY_TIMEOUTS", STICKY_TIMEOUTS},
        {"ADDR_LIMIT_3GB", ADDR_LIMIT_3GB},
        {NULL, 0},
};

void fc_process_plan_clear(struct fc_process_plan *p)
{
        if (p == NULL)
                return;
        fc_strv_free(p->warnings);
        p->warnings = NULL;
        p->n_warnings = 0;
        if (p->affinity_initial)
                CPU_FREE(p->affinity_initial);
        if (p->affinity_final)
                CPU_FREE(p->affinity_final);
        p->affinity_initial = p->affinity_final = NULL;
        p->affinity_initial_size = p->affinity_final_size = 0;
}

static int plan_add_warning(struct fc_process_plan *p, fc_error_t *err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int plan_add_warning(struct fc_process_plan *p, fc_error_t *err, const char *fmt, ...)
{
        char **v = realloc(p->warnings, (p->n_warnings + 2) * sizeof(*v));
        if (v == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        p->warnings = v;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&v[p->n_warnings], fmt, ap);
        va_end(ap);
        if (r < 0) {
                v[p->n_warnings] = NULL;
                return fc_error_set(err, -ENOMEM, "out of memory");
        }
        v[++p->n_warnings] = NULL;
        return 0;
}

/* The highest capability this kernel knows: libcap finds it at start-up
 * (PR_CAPBSET_READ, no /proc needed), so asking costs nothing; opening
 * /proc/sys/kernel/cap_last_cap cost a create 20 us. */
static int read_cap_last_cap(void)
{
        int n = (int) cap_max_bits();
        return n > 0 && n <= 64 ? n - 1 : CAP_LAST_CAP;
}

/* A growing, space-separated list of the unknown names, for runc's
 * single warning line "ignoring unknown or unavailable capabilities: [A B]". */
struct name_list {
        char *buf;
        size_t len;
};

static int name_list_add(struct name_list *l, const char *name, fc_error_t *err)
{
        if (l->buf) {
                /* Each name once, as runc reports a set of names. */
                size_t nl = strlen(name);
                for (const char *s = l->buf; (s = strstr(s, name)) != NULL; s += nl) {
                        if ((s == l->buf || s[-1] == ' ') && (s[nl] == ' ' || s[nl] == '\0'))
                                return 0;
                }
        }
        size_t add = strlen(name) + 1;
        char *n = realloc(l->buf, l->len + add + 1);
        if (n == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        l->buf = n;
        if (l->len)
                l->buf[l->len++] = ' ';
        memcpy(l->buf + l->len, name, add);
        l->len += add - 1;
        return 0;
}

static int resolve_cap_set(char **names, size_t n, int last_cap, uint64_t *ret_mask,
                           struct name_list *unknown, fc_error_t *err)
{
        uint64_t mask = 0;
        for (size_t i = 0; i < n; i++) {
                cap_value_t v;
                /* cap_from_name() also takes "chown" and numbers; the spec
                 * only has the CAP_ spellings. */
                if (names[i] == NULL || strncmp(names[i], "CAP_", 4) != 0 ||
                    cap_from_name(names[i], &v) < 0 || v < 0 || v > last_cap) {
                        if (name_list_add(unknown, names[i] ? names[i] : "", err) < 0)
                                return -ENOMEM;
                        continue;
                }
                mask |= UINT64_C(1) << v;
        }
        *ret_mask = mask;
        return 0;
}

static int plan_caps(const struct fc_process *proc, struct fc_process_plan *p, fc_error_t *err)
{
        const struct fc_capabilities *c = proc->capabilities;
        /* No "capabilities" object: runc gives the process none at all. */
        p->has_caps = c != NULL;
        if (c == NULL)
                return 0;

        char **const names[FC_PROCESS_CAP__MAX] = {c->bounding, c->effective, c->inheritable,
                                                   c->permitted, c->ambient};
        const size_t counts[FC_PROCESS_CAP__MAX] = {c->n_bounding, c->n_effective, c->n_inheritable,
                                                    c->n_permitted, c->n_ambient};
        int last_cap = read_cap_last_cap();
        struct name_list unknown = {NULL, 0};
        int r = 0;
        for (int s = 0; s < FC_PROCESS_CAP__MAX; s++) {
                r = resolve_cap_set(names[s], counts[s], last_cap, &p->caps[s], &unknown, err);
                if (r < 0)
                        break;
        }
        if (r == 0 && unknown.buf)
                r = plan_add_warning(p, err, "ignoring unknown or unavailable capabilities: [%s]",
                                     unknown.buf);
        free(unknown.buf);
        return r;
}

static const struct fc_namespace *find_ns(const struct fc_config *cfg, enum fc_ns_type t)
{
        if (cfg->linux_ == NULL)
                return NULL;
        for (size_t i = 0; i < cfg->linux_->n_namespaces; i++) {
                if (cfg->linux_->namespaces[i].type == t)
                        return &cfg->linux_->namespaces[i];
        }
        return NULL;
}

static bool is_ipc_sysctl(const char *key)
{
        static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                          "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                          "kernel.shmmni", "kernel.shm_rmid_forced"};
        for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++) {
                if (strcmp(key, ipc[i]) == 0)
                        return true;
        }
        return strncmp(key, "fs.mqueue.", 10) == 0;
}

/* A network namespace joined by path is fine for net.* unless it is the
 * one we run in, which runc refuses like having no netns entry at all. */
static int netns_is_host(const char *path, bool *ret, fc_error_t *err)
{
        struct stat a, b;
        if (stat(path, &a) < 0)
                return fc_error_setm(err, -errno, "invalid netns path: stat %s", path);
        if (stat("/proc/self/ns/net", &b) < 0)
                return fc_error_setm(err, -errno, "stat /proc/self/ns/net");
        *ret = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
        return 0;
}

static int check_sysctl(const struct fc_config *cfg, const char *raw_key, fc_error_t *err)
{
        /* runc accepts "kernel/shmmax" as well as "kernel.shmmax". */
        cleanup_free char *key = strdup(raw_key);
        if (key == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        for (char *s = key; *s; s++) {
                if (*s == '/')
                        *s = '.';
        }

        if (is_ipc_sysctl(key)) {
                if (find_ns(cfg, FC_NS_IPC) == NULL)
                        return fc_error_set(
                                err, -EINVAL,
                                "sysctl \"%s\" is not allowed in the hosts ipc namespace", raw_key);
                return 0;
        }
        if (strncmp(key, "net.", 4) == 0) {
                const struct fc_namespace *ns = find_ns(cfg, FC_NS_NETWORK);
                bool host = ns == NULL;
                if (ns && ns->path && netns_is_host(ns->path, &host, err) < 0)
                        return err->status;
                if (host)
                        return fc_error_set(err, -EINVAL,
                                            "sysctl \"%s\" not allowed in host network namespace",
                                            raw_key);
                return 0;
        }
        bool uts = find_ns(cfg, FC_NS_UTS) != NULL;
        if (uts && strcmp(key, "kernel.domainname") == 0)
                return 0;
        if (uts && strcmp(key, "kernel.hostname") == 0)
                return fc_error_set(err, -EINVAL,
                                    "sysctl \"%s\" is not allowed as it conflicts with the OCI "
                                    "\"hostname\" field",
                                    raw_key);
        return fc_error_set(err, -EINVAL, "sysctl \"%s\" is not in a separate kernel namespace",
                            raw_key);
}

static int plan_sysctls_hostname(const struct fc_config *cfg, fc_error_t *err)
{
        const struct fc_linux *l = cfg->linux_;
        for (size_t i = 0; l && i < l->n_sysctl; i++) {
                if (check_sysctl(cfg, l->sysctl[i].key, err) < 0)
                        return err->status;
        }
        /* Setting them without a UTS namespace would rename the host. */
        bool uts = find_ns(cfg, FC_NS_UTS) != NULL;
        if (!uts && cfg->hostname && cfg->hostname[0])
                return fc_error_set(err, -EINVAL,
                                    "unable to set hostname without a private UTS namespace");
        if (!uts && cfg->domainname && cfg->domainname[0])
                return fc_error_set(err, -EINVAL,
                                    "unable to set domainname without a private UTS namespace");
        return 0;
}

static int plan_personality(const struct fc_config *cfg, struct fc_process_plan *p, fc_error_t *err)
{
        const struct fc_personality *pers = cfg->linux_ ? cfg->linux_->personality : NULL;
        p->personality = -1;
        if (pers == NULL)
                return 0;
        int v;
        if (pers->domain && strcmp(pers->domain, "LINUX") == 0)
                v = PER_LINUX;
        else if (pers->domain && strcmp(pers->domain, "LINUX32") == 0)
                v = PER_LINUX32;
        else
                return fc_error_set(err, -EINVAL, "linux.personality.domain: unknown domain \"%s\"",
                                    pers->domain ? pers->domain : "");
        for (size_t i = 0; i < pers->n_flags; i++) {
                long f;
                if (!lookup(personality_flags, pers->flags[i], &f))
                        return fc_error_set(err, -EINVAL,
                                            "linux.personality.flags[%zu]: unknown flag \"%s\"", i,
                                            pers->flags[i]);
                v |= (int) f;
        }
        p->personality = v;
        return 0;
}

static int plan_ioprio(const struct fc_process *proc, struct fc_process_plan *p, fc_error_t *err)
{
        const struct fc_io_priority *io = proc->io_priority;
        if (io == NULL)
                return 0;
        long klass;
        if (io->klass == NULL || !lookup(ioprio_classes, io->klass, &klass))
                return fc_error_set(err, -EINVAL, "process.ioPriority.class: unknown class \"%s\"",
                                    io->klass ? io->klass : "");
        if (io->priority < 0 || io->priority > 7)
                return fc_error_set(err, -EINVAL,
                                    "process.ioPriority.priority: %d out of range 0..7",
                                    io->priority);
        p->has_ioprio = true;
        p->ioprio = (int) (klass << IOPRIO_CLASS_SHIFT) | io->priority;
        return 0;
}

static int plan_sched(const struct fc_process *proc, struct fc_process_plan *p, fc_error_t *err)
{
        const struct fc_scheduler *s = proc->scheduler;
        if (s == NULL)
                return 0;
        long policy;
        if (s->policy == NULL || !lookup(sched_policies, s->policy, &policy))
                return fc_error_set(err, -EINVAL, "process.scheduler.policy: unknown policy \"%s\"",
                                    s->policy ? s->policy : "");
        int flags = 0;
        for (size_t i = 0; i < s->n_flags; i++) {
                long f;
                if (!lookup(sched_flag_names, s->flags[i], &f))
                        return fc_error_set(err, -EINVAL,
                                            "process.scheduler.flags[%zu]: unknown flag \"%s\"", i,
                                            s->flags[i]);
                flags |= (int) f;
        }
        if (s->has_nice && (s->nice < -20 || s->nice > 19))
                return fc_error_set(err, -EINVAL, "process.scheduler.nice: %d out of range -20..19",
                                    s->nice);
        bool realtime = policy == 1 || policy == 2;
        if (realtime && (!s->has_priority || s->priority < 1 || s->priority > 99))
                return fc_error_set(err, -EINVAL,
                                    "process.scheduler.priority: %s needs a priority in 1..99",
                                    s->policy);
        if (!realtime && s->has_priority && s->priority != 0)
                return fc_error_set(err, -EINVAL, "process.scheduler.priority: must be 0 for %s",
                                    s->policy);
        if (policy == 6 && (!s->has_runtime || s->runtime == 0))
                return fc_error_set(err, -EINVAL,
                                    "process.scheduler.runtime: required for SCHED_DEADLINE");
        p->has_sched = true;
        p->sched_policy = (int) policy;
        p->sched_flags = flags;
        p->sched_nice = s->has_nice ? s->nice : 0;
        p->sched_priority = s->has_priority ? s->priority : 0;
        p->sched_runtime = s->has_runtime ? s->runtime : 0;
        p->sched_deadline = s->has_deadline ? s->deadline : 0;
        p->sched_period = s->has_period ? s->period : 0;
        return 0;
}

/* Keep the set small: nobody has a million CPUs, and a typo such as
 * "0-4000000000" must not allocate half a gigabyte. */
#define MAX_CPUS 65536

static int parse_cpu_number(const char **s, unsigned long *ret)
{
        if (!isdigit((unsigned char) **s))
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long v = strtoul(*s, &end, 10);
        if (errno != 0 || v >= MAX_CPUS)
                return -EINVAL;
        *s = end;
        *ret = v;
        return 0;
}

static void skip_spaces(const char **s)
{
        while (isspace((unsigned char) **s))
                (*s)++;
}

/* Walks the list twice: once to find the highest CPU (the set's size),
 * once to fill it. */
static int walk_cpu_list(const char *list, cpu_set_t *set, size_t size, unsigned long *ret_max)
{
        const char *s = list;
        unsigned long max = 0;
        bool any = false;
        for (;;) {
                unsigned long a, b;
                skip_spaces(&s);
                if (parse_cpu_number(&s, &a) < 0)
                        return -EINVAL;
                b = a;
                skip_spaces(&s);
                if (*s == '-') {
                        s++;
                        skip_spaces(&s);
                        if (parse_cpu_number(&s, &b) < 0 || b < a)
                                return -EINVAL;
                        skip_spaces(&s);
                }
                for (unsigned long c = a; set && c <= b; c++)
                        CPU_SET_S(c, size, set);
                if (!any || b > max)
                        max = b;
                any = true;
                if (*s == '\0')
                        break;
                if (*s != ',')
                        return -EINVAL;
                s++;
        }
        *ret_max = max;
        return 0;
}

int fc_process_parse_cpu_list(const char *list, cpu_set_t **ret_set, size_t *ret_size,
                              fc_error_t *err)
{
        unsigned long max;
        if (list == NULL || walk_cpu_list(list, NULL, 0, &max) < 0)
                return fc_error_set(err, -EINVAL, "invalid CPU list \"%s\"", list ? list : "");
        cpu_set_t *set = CPU_ALLOC(max + 1);
        if (set == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        size_t size = CPU_ALLOC_SIZE(max + 1);
        CPU_ZERO_S(size, set);
        walk_cpu_list(list, set, size, &max);
        *ret_set = set;
        *ret_size = size;
        return 0;
}

static int plan_affinity(const struct fc_process *proc, struct fc_process_plan *p, fc_error_t *err)
{
        const struct fc_exec_cpu_affinity *a = proc->exec_cpu_affinity;
        if (a == NULL)
                return 0;
        if (a->initial && fc_process_parse_cpu_list(a->initial, &p->affinity_initial,
                                                    &p->affinity_initial_size, err) < 0)
                return fc_error_wrap(err, "process.execCPUAffinity.initial");
        if (a->final && fc_process_parse_cpu_list(a->final, &p->affinity_final,
                                                  &p->affinity_final_size, err) < 0)
                return fc_error_wrap(err, "process.execCPUAffinity.final");
        return 0;
}

int fc_process_plan_build(const struct fc_config *cfg, struct fc_process_plan *ret, fc_error_t *err)
{
        struct fc_process_plan p = {0};
        p.personality = -1;
        int r = plan_sysctls_hostname(cfg, err);
        if (r == 0)
                r = plan_personality(cfg, &p, err);
        if (r == 0 && cfg->process) {
                r = plan_caps(cfg->process, &p, err);
                if (r == 0)
                        r = plan_ioprio(cfg->process, &p, err);
                if (r == 0)
                        r = plan_sched(cfg->process, &p, err);
                if (r == 0)
                        r = plan_affinity(cfg->process, &p, err);
        }
        if (r < 0) {
                fc_process_plan_clear(&p);
                return r;
        }
        *ret = p;
        return 0;
}

static int write_file(const char *path, const char *value, fc_error_t *err)
{
        cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return fc_error_setm(err, -errno, "open %s", path);
        size_t len = strlen(value);
        ssize_t n = write(fd, value, len);
        if (n < 0)
                return fc_error_setm(err, -errno, "write %s", path);
        if ((size_t) n != len)
                return fc_error_set(err, -EIO, "write %s: short write", path);
        return 0;
}

int fc_process_env_check(const char *entry, fc_error_t *err)
{
        if (strchr(entry, '=') == NULL)
                return fc_error_set(err, -EINVAL, "invalid environment variable: \"%s\"", entry);
        if (entry[0] == '=')
                return fc_error_set(err, -EINVAL,
                                    "environment variable name can't be empty: \"%s\"", entry);
        return 0;
}

int fc_process_apply_sysctls(const struct fc_config *cfg, fc_error_t *err)
{
        const struct fc_linux *l = cfg->linux_;
        for (size_t i = 0; l && i < l->n_sysctl; i++) {
                const char *key = l->sysctl[i].key;
                /* Keys with ".." or a leading "/" would walk out of /proc/sys. */
                if (key[0] == '\0' || key[0] == '.' || key[0] == '/' || strstr(key, "..") ||
                    strstr(key, "//"))
                        return fc_error_set(err, -EINVAL, "sysctl \"%s\": invalid name", key);
                cleanup_free char *path = NULL;
                if (asprintf(&path, "/proc/sys/%s", key) < 0)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                for (char *s = path + strlen("/proc/sys/"); *s; s++) {
                        if (*s == '.')
                                *s = '/';
                }
                if (write_file(path, l->sysctl[i].value ? l->sysctl[i].value : "", err) < 0)
                        return fc_error_wrap(err, "set sysctl \"%s\"", key);
        }
        return 0;
}

int fc_process_apply_hostname(const struct fc_config *cfg, fc_error_t *err)
{
        bool uts = find_ns(cfg, FC_NS_UTS) != NULL;
        if (cfg->hostname && cfg->hostname[0]) {
                if (!uts)
                        return fc_error_set(
                                err, -EINVAL,
                                "unable to set hostname without a private UTS namespace");
                if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
                        return fc_error_setm(err, -errno, "sethostname %s", cfg->hostname);
        }
        if (cfg->domainname && cfg->domainname[0]) {
                if (!uts)
                        return fc_error_set(
                                err, -EINVAL,
                                "unable to set domainname without a private UTS namespace");
                if (setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
                        return fc_error_setm(err, -errno, "setdomainname %s", cfg->domainname);
        }
        return 0;
}

int fc_process_apply_rlimits(const struct fc_config *cfg, fc_error_t *err)
{
        const struct fc_process *proc = cfg->process;
        for (size_t i = 0; proc && i < proc->n_rlimits; i++) {
                const struct fc_rlimit *rl = &proc->rlimits[i];
                const char *name = rl->type ? rl->type : "?";
                if (rl->resource < 0)
                        return fc_error_set(err, -EINVAL, "process.rlimits[%zu]: unknown type %s",
                                            i, name);
                struct rlimit lim = {.rlim_cur = rl->soft, .rlim_max = rl->hard};
                if (setrlimit(rl->resource, &lim) < 0)
                        return fc_error_setm(err, -errno, "setrlimit %s", name);
        }
        return 0;
}

int fc_process_apply_oom_score_adj(const struct fc_config *cfg, fc_error_t *err)
{
        if (cfg->process == NULL || !cfg->process->has_oom_score_adj)
                return 0;
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", cfg->process->oom_score_adj);
        return write_file("/proc/self/oom_score_adj", buf, err);
}

int fc_process_apply_sched(const struct fc_config *cfg, const struct fc_process_plan *p,
                           fc_error_t *err)
{
        if (p->personality >= 0 && personality((unsigned long) p->personality) < 0)
                return fc_error_setm(err, -errno, "personality 0x%x", p->personality);
        if (p->has_ioprio && sys_ioprio_set(IOPRIO_WHO_PROCESS, 0, p->ioprio) < 0)
                return fc_error_setm(err, -errno, "ioprio_set");
        if (p->has_sched) {
                struct fc_sched_attr attr = {
                        .size = sizeof(attr),
                        .sched_policy = (uint32_t) p->sched_policy,
                        .sched_flags = (uint64_t) p->sched_flags,
                        .sched_nice = p->sched_nice,
                        .sched_priority = (uint32_t) p->sched_priority,
                        .sched_runtime = p->sched_runtime,
                        .sched_deadline = p->sched_deadline,
                        .sched_period = p->sched_period,
                };
                if (sys_sched_setattr(0, &attr, 0) < 0)
                        return fc_error_setm(err, -errno, "sched_setattr");
        }
        if (p->affinity_initial &&
            sched_setaffinity(0, p->affinity_initial_size, p->affinity_initial) < 0)
                return fc_error_setm(err, -errno, "set initial CPU affinity");
        return 0;
}

int fc_process_apply_cpu_affinity_final(pid_t pid, const struct fc_process_plan *p, fc_error_t *err)
{
        if (p->affinity_final &&
            sched_setaffinity(pid, p->affinity_final_size, p->affinity_final) < 0)
                return fc_error_setm(err, -errno, "set final CPU affinity of %d", (int) pid);
        return 0;
}

/* CVE-2019-5736: until its execve, this process's /proc/self/exe is the
 * runtime's binary on the host.  A command (or a #! interpreter, to the
 * kernel's depth of nesting) that resolves to it would run the runtime
 * inside the container, where any container process could open the host
 * binary through /proc/<pid>/exe and later write to it.  Refuse that. */
static int refuse_own_binary(const char *exe, fc_error_t *err)
{
        struct stat self;
        if (stat("/proc/self/exe", &self) < 0)
                return 0; /* no procfs: nothing resolves to us through it either */
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s", exe);
        for (int depth = 0; depth < 6; depth++) {
                int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fd < 0)
                        fd = open(path, O_PATH | O_CLOEXEC); /* execute-only file */
                if (fd < 0)
                        return 0; /* execve will report it */
                struct stat st = {0};
                char head[PATH_MAX + 3];
                ssize_t n = -1;
                /* Two bytes tell a script; only a script is read further. */
                if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && pread(fd, head, 2, 0) == 2 &&
                    head[0] == '#' && head[1] == '!')
                        n = pread(fd, head, sizeof(head) - 1, 0);
                close(fd);
                if (st.st_dev == self.st_dev && st.st_ino == self.st_ino)
                        return fc_error_set(err, -EPERM,
                                            "exec %s: refusing to run the runtime's own binary in "
                                            "the container (CVE-2019-5736)",
                                            exe);
                if (n < 3 || head[0] != '#' || head[1] != '!')
                        return 0;
                head[n] = '\0';
                char *p = head + 2 + strspn(head + 2, " \t");
                size_t len = strcspn(p, " \t\n");
                if (len == 0)
                        return 0;
                p[len] = '\0';
                snprintf(path, sizeof(path), "%s", p);
        }
        return 0;
}

int fc_process_prepare_exec(const struct fc_config *cfg, const struct fc_process_plan *plan,
                            char ***ret_env, char **ret_exe, fc_error_t *err)
{
        int r = fc_process_apply_rlimits(cfg, err);
        if (r < 0)
                return r;
        r = fc_process_apply_oom_score_adj(cfg, err);
        if (r < 0)
                return r;
        r = fc_process_apply_sched(cfg, plan, err);
        if (r < 0)
                return r;
        char **env = fc_process_build_env(cfg, err);
        if (env == NULL)
                return err->status ? err->status : -ENOMEM;
        char *exe = fc_process_find_executable(cfg->process->args[0], env, err);
        if (exe != NULL && refuse_own_binary(exe, err) < 0) {
                free(exe);
                exe = NULL;
        }
        if (exe == NULL) {
                for (char **e = env; *e; e++)
                        free(*e);
                free(env);
                return err->status ? err->status : -ENOENT;
        }
        *ret_env = env;
        *ret_exe = exe;
        return 0;
}
