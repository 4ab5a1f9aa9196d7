/* SPDX-License-Identifier: Apache-2.0
 *
 * config.json: top level, root, mounts, process, hooks; name tables; load
 * and free.  The `linux` object is in config-linux.c.
 */
#include "oci-spec/config.h"
#include "oci-spec/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bigger than any real config (docker's with a seccomp profile is ~40 KiB)
 * while keeping a hostile one from taking the runtime's memory. */
#define FC_CONFIG_MAX_SIZE (64u << 20)

static const char *const ns_names[FC_NS__MAX] = {
        [FC_NS_PID] = "pid",       [FC_NS_NETWORK] = "network", [FC_NS_MOUNT] = "mount",
        [FC_NS_IPC] = "ipc",       [FC_NS_UTS] = "uts",         [FC_NS_USER] = "user",
        [FC_NS_CGROUP] = "cgroup", [FC_NS_TIME] = "time",
};

static const char *const hook_names[FC_HOOK__MAX] = {
        [FC_HOOK_PRESTART] = "prestart",
        [FC_HOOK_CREATE_RUNTIME] = "createRuntime",
        [FC_HOOK_CREATE_CONTAINER] = "createContainer",
        [FC_HOOK_START_CONTAINER] = "startContainer",
        [FC_HOOK_POSTSTART] = "poststart",
        [FC_HOOK_POSTSTOP] = "poststop",
};

static const struct {
        const char *name;
        int resource;
} rlimits[] = {
        {"RLIMIT_AS", RLIMIT_AS},
        {"RLIMIT_CORE", RLIMIT_CORE},
        {"RLIMIT_CPU", RLIMIT_CPU},
        {"RLIMIT_DATA", RLIMIT_DATA},
        {"RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"RLIMIT_LOCKS", RLIMIT_LOCKS},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
        {"RLIMIT_NICE", RLIMIT_NICE},
        {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_NPROC", RLIMIT_NPROC},
        {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
        {"RLIMIT_RTTIME", RLIMIT_RTTIME},
        {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_STACK", RLIMIT_STACK},
};

const char *fc_ns_type_name(enum fc_ns_type t)
{
        return (unsigned) t < FC_NS__MAX ? ns_names[t] : NULL;
}

int fc_ns_type_from_name(const char *name)
{
        for (int i = 0; i < FC_NS__MAX; i++)
                if (strcmp(ns_names[i], name) == 0)
                        return i;
        return -1;
}

const char *fc_hook_kind_name(enum fc_hook_kind k)
{
        return (unsigned) k < FC_HOOK__MAX ? hook_names[k] : NULL;
}

int fc_rlimit_from_name(const char *name)
{
        for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
                if (strcmp(rlimits[i].name, name) == 0)
                        return rlimits[i].resource;
        return -1;
}

const struct fc_namespace *fc_config_namespace(const struct fc_config *c, enum fc_ns_type t)
{
        if (c == NULL || c->linux_ == NULL)
                return NULL;
        for (size_t i = 0; i < c->linux_->n_namespaces; i++)
                if (c->linux_->namespaces[i].type == t)
                        return &c->linux_->namespaces[i];
        return NULL;
}

/* ---- free ---- */

static void mounts_free(struct fc_mount *m, size_t n)
{
        if (m == NULL)
                return;
        for (size_t i = 0; i < n; i++) {
                free(m[i].destination);
                free(m[i].source);
                free(m[i].type);
                fc_strv_release(m[i].options, m[i].n_options);
                free(m[i].uid_mappings);
                free(m[i].gid_mappings);
        }
        free(m);
}

static void caps_free(struct fc_capabilities *c)
{
        if (c == NULL)
                return;
        fc_strv_release(c->bounding, c->n_bounding);
        fc_strv_release(c->effective, c->n_effective);
        fc_strv_release(c->inheritable, c->n_inheritable);
        fc_strv_release(c->permitted, c->n_permitted);
        fc_strv_release(c->ambient, c->n_ambient);
        free(c);
}

void fc_process_free(struct fc_process *p)
{
        if (p == NULL)
                return;
        free(p->user.additional_gids);
        free(p->user.username);
        fc_strv_release(p->args, p->n_args);
        free(p->command_line);
        fc_strv_release(p->env, p->n_env);
        free(p->cwd);
        caps_free(p->capabilities);
        if (p->rlimits)
                for (size_t i = 0; i < p->n_rlimits; i++)
                        free(p->rlimits[i].type);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        if (p->io_priority)
                free(p->io_priority->klass);
        free(p->io_priority);
        if (p->scheduler) {
                free(p->scheduler->policy);
                fc_strv_release(p->scheduler->flags, p->scheduler->n_flags);
        }
        free(p->scheduler);
        if (p->exec_cpu_affinity) {
                free(p->exec_cpu_affinity->initial);
                free(p->exec_cpu_affinity->final);
        }
        free(p->exec_cpu_affinity);
        free(p);
}

static void hooks_free(struct fc_hooks *h)
{
        if (h == NULL)
                return;
        for (int k = 0; k < FC_HOOK__MAX; k++) {
                struct fc_hook *v = h->hooks[k];
                if (v == NULL)
                        continue;
                for (size_t i = 0; i < h->n_hooks[k]; i++) {
                        free(v[i].path);
                        fc_strv_release(v[i].args, v[i].n_args);
                        fc_strv_release(v[i].env, v[i].n_env);
                }
                free(v);
        }
        free(h);
}

void fc_config_free(struct fc_config *c)
{
        if (c == NULL)
                return;
        free(c->oci_version);
        if (c->root)
                free(c->root->path);
        free(c->root);
        mounts_free(c->mounts, c->n_mounts);
        fc_process_free(c->process);
        free(c->hostname);
        free(c->domainname);
        hooks_free(c->hooks);
        fc_kv_release(c->annotations, c->n_annotations);
        fc_linux_free(c->linux_);
        free(c);
}

/* ---- mounts ---- */

static int mount_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_mount *m = elem;
        int r = j_str_req(p, v, "destination", &m->destination);
        if (r == 0)
                r = j_str(p, v, "source", &m->source);
        if (r == 0)
                r = j_str(p, v, "type", &m->type);
        if (r == 0)
                r = j_strv(p, v, "options", &m->options, &m->n_options, NULL);
        if (r == 0)
                r = j_idmaps(p, v, "uidMappings", &m->uid_mappings, &m->n_uid_mappings);
        if (r == 0)
                r = j_idmaps(p, v, "gidMappings", &m->gid_mappings, &m->n_gid_mappings);
        return r;
}

/* ---- process ---- */

static int user_parse(struct jp *p, yajl_val v, struct fc_user *u)
{
        int r = j_u32(p, v, "uid", &u->uid, NULL);
        if (r == 0)
                r = j_u32(p, v, "gid", &u->gid, NULL);
        if (r == 0)
                r = j_u32(p, v, "umask", &u->umask, &u->has_umask);
        if (r == 0)
                r = j_str(p, v, "username", &u->username);
        yajl_val a = NULL;
        if (r == 0 && (r = j_arr(p, v, "additionalGids", &a)) > 0) {
                size_t n = a->u.array.len;
                u->additional_gids = calloc(n ? n : 1, sizeof(uint32_t));
                if (u->additional_gids == NULL)
                        return jp_nomem(p);
                u->n_additional_gids = n;
                size_t old = jp_key(p, "additionalGids");
                r = 0;
                for (size_t i = 0; i < n && r == 0; i++) {
                        size_t o2 = jp_idx(p, i);
                        uint64_t x = 0;
                        r = v_uint(p, a->u.array.values[i], UINT32_MAX, &x);
                        u->additional_gids[i] = (uint32_t) x;
                        jp_pop(p, o2);
                }
                jp_pop(p, old);
        }
        return r;
}

static int caps_parse(struct jp *p, yajl_val v, struct fc_capabilities *c)
{
        int r = j_strv(p, v, "bounding", &c->bounding, &c->n_bounding, &c->has_bounding);
        if (r == 0)
                r = j_strv(p, v, "effective", &c->effective, &c->n_effective, &c->has_effective);
        if (r == 0)
                r = j_strv(p, v, "inheritable", &c->inheritable, &c->n_inheritable,
                           &c->has_inheritable);
        if (r == 0)
                r = j_strv(p, v, "permitted", &c->permitted, &c->n_permitted, &c->has_permitted);
        if (r == 0)
                r = j_strv(p, v, "ambient", &c->ambient, &c->n_ambient, &c->has_ambient);
        return r;
}

static int rlimit_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_rlimit *rl = elem;
        int r = j_str_req(p, v, "type", &rl->type);
        if (r == 0)
                r = j_u64(p, v, "hard", &rl->hard, NULL);
        if (r == 0)
                r = j_u64(p, v, "soft", &rl->soft, NULL);
        if (r < 0)
                return r;
        size_t old = jp_key(p, "type");
        rl->resource = fc_rlimit_from_name(rl->type);
        if (rl->resource < 0)
                r = jp_fail(p, "unknown rlimit \"%s\"", rl->type);
        jp_pop(p, old);
        if (r == 0 && rl->soft > rl->hard) {
                old = jp_key(p, "soft");
                r = jp_fail(p, "soft limit %llu exceeds hard limit %llu",
                            (unsigned long long) rl->soft, (unsigned long long) rl->hard);
                jp_pop(p, old);
        }
        return r;
}

static int rlimits_parse(struct jp *p, yajl_val v, struct fc_process *proc)
{
        int r = j_objarr(p, v, "rlimits", sizeof(struct fc_rlimit), (void **) &proc->rlimits,
                         &proc->n_rlimits, rlimit_elem);
        if (r < 0)
                return r;
        for (size_t i = 0; i < proc->n_rlimits; i++)
                for (size_t j = 0; j < i; j++)
                        if (proc->rlimits[i].resource == proc->rlimits[j].resource) {
                                size_t old = jp_key(p, "rlimits");
                                jp_idx(p, i);
                                jp_key(p, "type");
                                r = jp_fail(p, "duplicate rlimit \"%s\"", proc->rlimits[i].type);
                                jp_pop(p, old);
                                return r;
                        }
        return 0;
}

static int io_priority_parse(struct jp *p, yajl_val v, struct fc_io_priority *io)
{
        static const char *const classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
                                              "IOPRIO_CLASS_IDLE", NULL};
        int r = j_str_req(p, v, "class", &io->klass);
        if (r == 0)
                r = j_enum(p, "class", io->klass, classes, "I/O priority class");
        if (r == 0)
                r = j_int(p, v, "priority", 0, 7, &io->priority, NULL);
        return r;
}

static int scheduler_parse(struct jp *p, yajl_val v, struct fc_scheduler *s)
{
        static const char *const policies[] = {"SCHED_OTHER",    "SCHED_FIFO", "SCHED_RR",
                                               "SCHED_BATCH",    "SCHED_ISO",  "SCHED_IDLE",
                                               "SCHED_DEADLINE", NULL};
        static const char *const flags[] = {
                "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",
                "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
                "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
                "SCHED_FLAG_UTIL_CLAMP_MAX", NULL};
        int r = j_str_req(p, v, "policy", &s->policy);
        if (r == 0)
                r = j_enum(p, "policy", s->policy, policies, "scheduling policy");
        int nice = 0, prio = 0;
        if (r == 0)
                r = j_int(p, v, "nice", -20, 19, &nice, &s->has_nice);
        if (r == 0)
                r = j_int(p, v, "priority", INT32_MIN, INT32_MAX, &prio, &s->has_priority);
        s->nice = nice;
        s->priority = prio;
        if (r == 0)
                r = j_strv(p, v, "flags", &s->flags, &s->n_flags, NULL);
        for (size_t i = 0; r == 0 && i < s->n_flags; i++)
                if (!fc_name_in(s->flags[i], flags)) {
                        size_t old = jp_key(p, "flags");
                        jp_idx(p, i);
                        r = jp_fail(p, "unknown scheduler flag \"%s\"", s->flags[i]);
                        jp_pop(p, old);
                }
        if (r == 0)
                r = j_u64(p, v, "runtime", &s->runtime, &s->has_runtime);
        if (r == 0)
                r = j_u64(p, v, "deadline", &s->deadline, &s->has_deadline);
        if (r == 0)
                r = j_u64(p, v, "period", &s->period, &s->has_period);
        return r;
}

static int affinity_parse(struct jp *p, yajl_val v, struct fc_exec_cpu_affinity *a)
{
        int r = j_str(p, v, "initial", &a->initial);
        if (r == 0)
                r = j_str(p, v, "final", &a->final);
        return r;
}

static int console_parse(struct jp *p, yajl_val v, struct fc_process *proc)
{
        yajl_val o = NULL;
        int r = j_obj(p, v, "consoleSize", &o);
        if (r <= 0)
                return r;
        proc->has_console_size = true;
        size_t old = jp_key(p, "consoleSize");
        r = j_u32(p, o, "height", &proc->console_size.height, NULL);
        if (r == 0)
                r = j_u32(p, o, "width", &proc->console_size.width, NULL);
        jp_pop(p, old);
        return r;
}

static int user_sub(struct jp *p, yajl_val v, struct fc_process *proc)
{
        yajl_val o = NULL;
        int r = j_obj(p, v, "user", &o);
        if (r <= 0)
                return r;
        size_t old = jp_key(p, "user");
        r = user_parse(p, o, &proc->user);
        jp_pop(p, old);
        return r;
}

static int process_parse(struct jp *p, yajl_val v, struct fc_process *proc)
{
        int r = j_bool(p, v, "terminal", &proc->terminal, NULL);
        if (r == 0)
                r = console_parse(p, v, proc);
        if (r == 0)
                r = user_sub(p, v, proc);
        if (r == 0)
                r = j_strv(p, v, "args", &proc->args, &proc->n_args, NULL);
        if (r == 0 && proc->n_args == 0) {
                size_t old = jp_key(p, "args");
                r = jp_fail(p, "must be a non-empty array");
                jp_pop(p, old);
        }
        if (r == 0)
                r = j_str(p, v, "commandLine", &proc->command_line);
        if (r == 0)
                r = j_strv(p, v, "env", &proc->env, &proc->n_env, NULL);
        if (r == 0)
                r = j_str_req(p, v, "cwd", &proc->cwd);
        if (r == 0 && proc->cwd[0] != '/') {
                size_t old = jp_key(p, "cwd");
                r = jp_fail(p, "must be an absolute path, got \"%s\"", proc->cwd);
                jp_pop(p, old);
        }
        if (r == 0)
                r = J_SUBOBJ(p, v, "capabilities", proc->capabilities, caps_parse);
        if (r == 0)
                r = rlimits_parse(p, v, proc);
        if (r == 0)
                r = j_bool(p, v, "noNewPrivileges", &proc->no_new_privileges, NULL);
        if (r == 0)
                r = j_str(p, v, "apparmorProfile", &proc->apparmor_profile);
        if (r == 0)
                r = j_str(p, v, "selinuxLabel", &proc->selinux_label);
        if (r == 0)
                r = j_int(p, v, "oomScoreAdj", -1000, 1000, &proc->oom_score_adj,
                          &proc->has_oom_score_adj);
        if (r == 0)
                r = J_SUBOBJ(p, v, "ioPriority", proc->io_priority, io_priority_parse);
        if (r == 0)
                r = J_SUBOBJ(p, v, "scheduler", proc->scheduler, scheduler_parse);
        if (r == 0)
                r = J_SUBOBJ(p, v, "execCPUAffinity", proc->exec_cpu_affinity, affinity_parse);
        return r;
}

/* ---- hooks ---- */

static int hook_elem(struct jp *p, yajl_val v, void *elem)
{
        struct fc_hook *h = elem;
        int r = j_str_req(p, v, "path", &h->path);
        if (r == 0 && h->path[0] != '/') {
                size_t old = jp_key(p, "path");
                r = jp_fail(p, "must be an absolute path, got \"%s\"", h->path);
                jp_pop(p, old);
        }
        if (r == 0)
                r = j_strv(p, v, "args", &h->args, &h->n_args, NULL);
        if (r == 0)
                r = j_strv(p, v, "env", &h->env, &h->n_env, NULL);
        if (r == 0)
                r = j_int(p, v, "timeout", 1, INT32_MAX, &h->timeout, &h->has_timeout);
        return r;
}

static int hooks_parse(struct jp *p, yajl_val v, struct fc_hooks *h)
{
        int r = 0;
        for (int k = 0; k < FC_HOOK__MAX && r == 0; k++)
                r = j_objarr(p, v, hook_names[k], sizeof(struct fc_hook), (void **) &h->hooks[k],
                             &h->n_hooks[k], hook_elem);
        return r;
}

/* ---- top level ---- */

static int root_parse(struct jp *p, yajl_val v, struct fc_root *root)
{
        int r = j_str_req(p, v, "path", &root->path);
        if (r == 0)
                r = j_bool(p, v, "readonly", &root->readonly, NULL);
        return r;
}

static int config_parse(struct jp *p, yajl_val v, struct fc_config *c)
{
        int r = j_str_req(p, v, "ociVersion", &c->oci_version);
        if (r == 0)
                r = J_SUBOBJ(p, v, "root", c->root, root_parse);
        if (r == 0)
                r = j_objarr(p, v, "mounts", sizeof(struct fc_mount), (void **) &c->mounts,
                             &c->n_mounts, mount_elem);
        if (r == 0)
                r = J_SUBOBJ(p, v, "process", c->process, process_parse);
        if (r == 0)
                r = j_str(p, v, "hostname", &c->hostname);
        if (r == 0)
                r = j_str(p, v, "domainname", &c->domainname);
        if (r == 0)
                r = J_SUBOBJ(p, v, "hooks", c->hooks, hooks_parse);
        if (r == 0)
                r = j_kv(p, v, "annotations", &c->annotations, &c->n_annotations);
        yajl_val l = NULL;
        if (r == 0 && (r = j_obj(p, v, "linux", &l)) > 0) {
                size_t old = jp_key(p, "linux");
                r = fc_linux_parse(p, l, &c->linux_);
                jp_pop(p, old);
        }
        return r < 0 ? r : 0;
}

struct fc_config *fc_config_parse(const char *json, size_t len, fc_error_t *err)
{
        yajl_val tree = fc_json_parse_tree(json, len, err);
        if (tree == NULL)
                return NULL;
        struct jp p;
        jp_init(&p, err);
        struct fc_config *c = NULL;
        if (!YAJL_IS_OBJECT(tree)) {
                fc_error_set(err, -EINVAL, "expected a JSON object at the top level");
        } else if ((c = calloc(1, sizeof(*c))) == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
        } else if (config_parse(&p, tree, c) < 0) {
                fc_config_free(c);
                c = NULL;
        }
        yajl_tree_free(tree);
        return c;
}

struct fc_process *fc_process_parse(const char *json, size_t len, fc_error_t *err)
{
        yajl_val tree = fc_json_parse_tree(json, len, err);
        if (tree == NULL)
                return NULL;
        struct jp p;
        jp_init(&p, err);
        struct fc_process *proc = NULL;
        if (!YAJL_IS_OBJECT(tree)) {
                fc_error_set(err, -EINVAL, "expected a JSON object at the top level");
        } else if ((proc = calloc(1, sizeof(*proc))) == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
        } else if (process_parse(&p, tree, proc) < 0) {
                fc_process_free(proc);
                proc = NULL;
        }
        yajl_tree_free(tree);
        return proc;
}

char *fc_json_read_file(const char *path, size_t *ret_len, fc_error_t *err)
{
        /* O_NONBLOCK: opening a FIFO planted as config.json must not block;
         * the fstat() check below then refuses it. */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
                fc_error_setm(err, -errno, "open %s", path);
                return NULL;
        }
        struct stat st;
        char *buf = NULL;
        if (fstat(fd, &st) < 0) {
                fc_error_setm(err, -errno, "stat %s", path);
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                fc_error_set(err, -EINVAL, "%s: not a regular file", path);
                goto out;
        }
        if (st.st_size > (off_t) FC_CONFIG_MAX_SIZE) {
                fc_error_set(err, -EFBIG, "%s: larger than %u bytes", path, FC_CONFIG_MAX_SIZE);
                goto out;
        }
        /* Read until EOF rather than trusting st_size: the file may change. */
        size_t cap = (size_t) st.st_size + 1, len = 0;
        buf = malloc(cap + 1);
        if (buf == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                goto out;
        }
        for (;;) {
                if (len == cap) {
                        if (cap >= FC_CONFIG_MAX_SIZE) {
                                fc_error_set(err, -EFBIG, "%s: larger than %u bytes", path,
                                             FC_CONFIG_MAX_SIZE);
                                goto fail;
                        }
                        cap *= 2;
                        char *nb = realloc(buf, cap + 1);
                        if (nb == NULL) {
                                fc_error_set(err, -ENOMEM, "out of memory");
                                goto fail;
                        }
                        buf = nb;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        fc_error_setm(err, -errno, "read %s", path);
                        goto fail;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret_len = len;
        goto out;
fail:
        free(buf);
        buf = NULL;
out:
        close(fd);
        return buf;
}

struct fc_config *fc_config_load(const char *path, fc_error_t *err)
{
        size_t len = 0;
        char *buf = fc_json_read_file(path, &len, err);
        if (buf == NULL)
                return NULL;
        struct fc_config *c = fc_config_parse(buf, len, err);
        free(buf);
        return c;
}
