/* SPDX-License-Identifier: Apache-2.0
 *
 * `exec`: the process plan (pure, unit-tested) and running it.  The order
 * of the steps and their undo:
 *
 *   open state, check status ...... (nothing to undo)
 *   pidfd of the init, checked .... close it
 *   config, plan, seccomp filter .. free them
 *   block forwarded signals ....... restore the mask
 *   console socket / socketpair ... close it
 *   setns(pid) + clone3 ........... leave the pid namespace; SIGKILL + reap the child
 *   GO, READY, execve ............. (covered by the above)
 *   pty master, pid file .......... close the master; SIGKILL + reap the child
 *   relay (raw mode), wait ........ restore the caller's terminal mode
 */
#include "lib/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cgroup/cgroup.h"
#include "lib/cleanup.h"
#include "lib/context.h"
#include "lib/namespace.h"
#include "lib/process.h"
#include "lib/seccomp-notify.h"
#include "lib/seccomp.h"
#include "lib/spawn.h"
#include "lib/status.h"
#include "lib/sys.h"
#include "lib/terminal.h"

/* ------------------------------------------------------------ the plan */

void fc_exec_process_clear(struct fc_exec_process *p)
{
        if (p == NULL)
                return;
        fc_strv_free(p->env);
        free(p->gids);
        for (size_t i = 0; i < sizeof(p->cap_sets) / sizeof(p->cap_sets[0]); i++)
                free(p->cap_sets[i]);
        memset(p, 0, sizeof(*p));
}

/* Go's strconv.Atoi accepts an optional sign and decimal digits. */
static int parse_id(const char *s, const char *what, uint32_t *ret, fc_error_t *err)
{
        errno = 0;
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        if (s[0] == '\0' || *end != '\0' || errno == ERANGE || s[0] == ' ' || s[0] == '\t')
                return fc_error_set(err, -EINVAL,
                                    "parsing %s as int for %s failed: strconv.Atoi: parsing "
                                    "\"%s\": invalid syntax",
                                    s, what, s);
        if (v < 0 || v > INT32_MAX)
                return fc_error_set(err, -EINVAL,
                                    "unable to setup user: uids and gids must be in range "
                                    "0-2147483647");
        *ret = (uint32_t) v;
        return 0;
}

int fc_exec_parse_user(const char *s, uint32_t *ret_uid, bool *ret_has_gid, uint32_t *ret_gid,
                       fc_error_t *err)
{
        cleanup_free char *copy = strdup(s);
        if (copy == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        char *colon = strchr(copy, ':');
        if (colon)
                *colon = '\0';
        uint32_t uid, gid = 0;
        int r = parse_id(copy, "uid", &uid, err);
        if (r == 0 && colon)
                r = parse_id(colon + 1, "gid", &gid, err);
        if (r < 0)
                return r;
        *ret_uid = uid;
        *ret_has_gid = colon != NULL;
        *ret_gid = gid;
        return 0;
}

static size_t env_name_len(const char *e)
{
        const char *eq = strchr(e, '=');
        return eq ? (size_t) (eq - e) : strlen(e);
}

/* Entries applied one by one as setenv() would (runc's semantics): a name
 * seen before keeps its position and takes the new value. */
static int env_add(char ***env, size_t *n, const char *e, fc_error_t *err)
{
        size_t len = env_name_len(e);
        for (size_t i = 0; i < *n; i++) {
                if (env_name_len((*env)[i]) == len && strncmp((*env)[i], e, len) == 0) {
                        char *d = strdup(e);
                        if (d == NULL)
                                return fc_error_set(err, -ENOMEM, "out of memory");
                        free((*env)[i]);
                        (*env)[i] = d;
                        return 0;
                }
        }
        char **v = realloc(*env, (*n + 2) * sizeof(*v));
        if (v == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        *env = v;
        v[*n] = strdup(e);
        if (v[*n] == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        v[++*n] = NULL;
        return 0;
}

static int build_env(struct fc_exec_process *p, char *const *base, size_t n_base,
                     char *const *extra, size_t n_extra, fc_error_t *err)
{
        size_t n = 0;
        p->env = calloc(1, sizeof(*p->env));
        if (p->env == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n_base + n_extra; i++) {
                const char *e = i < n_base ? base[i] : extra[i - n_base];
                int r = fc_process_env_check(e, err);
                if (r == 0)
                        r = env_add(&p->env, &n, e, err);
                if (r < 0)
                        return r;
        }
        p->proc.env = p->env;
        p->proc.n_env = n;
        return 0;
}

/* --cap: appended to the bounding, effective, permitted and ambient sets
 * (runc 1.1 leaves inheritable alone since CVE-2022-29162). */
static int add_caps(struct fc_exec_process *p, const struct fc_capabilities *base,
                    char *const *caps, size_t n_caps, fc_error_t *err)
{
        static const struct fc_capabilities none = {0};
        if (base == NULL)
                base = &none;
        p->caps = *base;
        char ***const sets[4] = {&p->caps.bounding, &p->caps.effective, &p->caps.permitted,
                                 &p->caps.ambient};
        size_t *const counts[4] = {&p->caps.n_bounding, &p->caps.n_effective, &p->caps.n_permitted,
                                   &p->caps.n_ambient};
        bool *const has[4] = {&p->caps.has_bounding, &p->caps.has_effective, &p->caps.has_permitted,
                              &p->caps.has_ambient};
        for (int s = 0; s < 4; s++) {
                size_t n = *counts[s];
                char **v = calloc(n + n_caps + 1, sizeof(*v));
                if (v == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                p->cap_sets[s] = v;
                /* The strings stay borrowed; only the arrays are ours. */
                for (size_t i = 0; i < n; i++)
                        v[i] = (*sets[s])[i];
                for (size_t i = 0; i < n_caps; i++)
                        v[n + i] = caps[i];
                *sets[s] = v;
                *counts[s] = n + n_caps;
                *has[s] = true;
        }
        p->proc.capabilities = &p->caps;
        return 0;
}

static int apply_flags(struct fc_exec_process *p, const struct fc_exec_opts *o, fc_error_t *err)
{
        const struct fc_process *base = &p->proc;
        int r = build_env(p, base->env, base->n_env, o->env, o->n_env, err);
        if (r < 0)
                return r;
        p->proc.args = (char **) o->args;
        p->proc.n_args = o->n_args;
        if (o->cwd && o->cwd[0])
                p->proc.cwd = (char *) o->cwd;
        if (o->user && o->user[0]) {
                bool has_gid = false;
                uint32_t uid, gid;
                r = fc_exec_parse_user(o->user, &uid, &has_gid, &gid, err);
                if (r < 0)
                        return r;
                p->proc.user.uid = uid;
                if (has_gid)
                        p->proc.user.gid = gid;
        }
        if (o->n_additional_gids) {
                size_t n = p->proc.user.n_additional_gids;
                p->gids = calloc(n + o->n_additional_gids, sizeof(*p->gids));
                if (p->gids == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                if (n)
                        memcpy(p->gids, p->proc.user.additional_gids, n * sizeof(*p->gids));
                memcpy(p->gids + n, o->additional_gids, o->n_additional_gids * sizeof(*p->gids));
                p->proc.user.additional_gids = p->gids;
                p->proc.user.n_additional_gids = n + o->n_additional_gids;
        }
        if (o->n_caps) {
                r = add_caps(p, p->proc.capabilities, o->caps, o->n_caps, err);
                if (r < 0)
                        return r;
        }
        if (o->no_new_privs)
                p->proc.no_new_privileges = true;
        /* runc sets terminal from -t only; the config's value is not used. */
        p->proc.terminal = o->tty;
        return 0;
}

static int validate(const struct fc_process *p, fc_error_t *err)
{
        if (p->cwd == NULL || p->cwd[0] == '\0')
                return fc_error_set(err, -EINVAL, "Cwd property must not be empty");
        if (p->cwd[0] != '/')
                return fc_error_set(err, -EINVAL, "Cwd must be an absolute path");
        if (p->n_args == 0 || p->args == NULL || p->args[0] == NULL)
                return fc_error_set(err, -EINVAL, "process args cannot be empty");
        if (p->user.uid > INT32_MAX || p->user.gid > INT32_MAX)
                return fc_error_set(err, -EINVAL,
                                    "unable to setup user: uids and gids must be in range "
                                    "0-2147483647");
        /* No LSM support: a label we would silently not apply is refused. */
        if (p->selinux_label && p->selinux_label[0])
                return fc_error_set(err, -EOPNOTSUPP,
                                    "selinux label is specified in config, but selinux is "
                                    "not supported by flashcube");
        if (p->apparmor_profile && p->apparmor_profile[0])
                return fc_error_set(err, -EOPNOTSUPP,
                                    "apparmor profile \"%s\" is specified, but AppArmor is not "
                                    "supported by flashcube",
                                    p->apparmor_profile);
        return 0;
}

static bool has_console_socket(const struct fc_exec_opts *o)
{
        /* An empty --console-socket is no socket, as in runc. */
        return o->console_socket && o->console_socket[0];
}

/* runc's rules and texts (create has the same): the pty master needs
 * somewhere to go, either to us in the foreground or to a console socket.
 * `terminal` is -t, or process.json's own. */
static int check_terminal(const struct fc_process *p, const struct fc_exec_opts *o, fc_error_t *err)
{
        if (p->terminal && o->detach && !has_console_socket(o))
                return fc_error_set(err, -EINVAL,
                                    "cannot allocate tty if runc will detach without setting "
                                    "console socket");
        if (!p->terminal && has_console_socket(o))
                return fc_error_set(err, -EINVAL,
                                    "cannot use console socket if runc will not detach or "
                                    "allocate tty");
        return 0;
}

int fc_exec_process_build(const struct fc_config *cfg, const struct fc_process *json,
                          const struct fc_exec_opts *o, struct fc_exec_process *ret,
                          fc_error_t *err)
{
        struct fc_exec_process p;
        memset(&p, 0, sizeof(p));
        p.cfg = *cfg;
        p.cfg.process = &p.proc;
        int r = 0;
        if (json) {
                /* runc takes process.json as the whole process; only a
                 * missing capabilities object falls back to the config's. */
                p.proc = *json;
                if (p.proc.capabilities == NULL && cfg->process)
                        p.proc.capabilities = cfg->process->capabilities;
                r = build_env(&p, json->env, json->n_env, NULL, 0, err);
        } else {
                if (cfg->process)
                        p.proc = *cfg->process;
                /* Labels of the config are the init's business (and ignored
                 * there as well); only explicit flags are checked. */
                p.proc.apparmor_profile = (char *) o->apparmor;
                p.proc.selinux_label = (char *) o->process_label;
                r = apply_flags(&p, o, err);
        }
        if (r == 0)
                r = validate(&p.proc, err);
        if (r == 0)
                r = check_terminal(&p.proc, o, err);
        if (r < 0) {
                fc_exec_process_clear(&p);
                return r;
        }
        *ret = p;
        /* The struct moved: point the config at the copy's process. */
        ret->cfg.process = &ret->proc;
        if (ret->proc.capabilities == &p.caps)
                ret->proc.capabilities = &ret->caps;
        return 0;
}

/* ------------------------------------------------------- the container */

static void process_freep(struct fc_process **p)
{
        fc_process_free(*p);
}
#define cleanup_process __attribute__((cleanup(process_freep)))

static void filter_freep(struct fc_seccomp_filter **f)
{
        fc_seccomp_free(*f);
}
#define cleanup_filter __attribute__((cleanup(filter_freep)))

static struct fc_state *open_state(const struct fc_context *ctx, const char *id, fc_error_t *err)
{
        cleanup_close int dirfd = fc_status_open(ctx->root, id, err);
        if (dirfd < 0)
                return NULL;
        struct fc_state *s = fc_status_read(dirfd, id, err);
        if (s == NULL || fc_status_refresh(dirfd, s, err) < 0) {
                fc_state_free(s);
                return NULL;
        }
        return s;
}

static int check_status(const struct fc_state *s, bool ignore_paused, fc_error_t *err)
{
        const char *st = s->status;
        /* runc execs into a created container too: its init exists. */
        if (strcmp(st, "running") == 0 || strcmp(st, "created") == 0)
                return 0;
        if (strcmp(st, "paused") == 0) {
                if (ignore_paused)
                        return 0;
                return fc_error_set(err, -EBUSY,
                                    "cannot exec in a paused container (use --ignore-paused to "
                                    "override)");
        }
        return fc_error_set(err, -ESRCH, "cannot exec in a stopped container");
}

/* The pidfd is opened before the start time is checked, so once the check
 * passes it pins the container's init and not a recycled pid.  -1 (and
 * success) where the kernel or valgrind lacks pidfd_open: callers then
 * re-check the start time after each use of the pid. */
static int open_init(const struct fc_state *s, int *ret_pidfd, fc_error_t *err)
{
        *ret_pidfd = -1;
        int fd = fc_sys_pidfd_open(s->pid, 0);
        if ((fd < 0 && errno != ENOSYS) || !fc_status_init_alive(s)) {
                if (fd >= 0)
                        close(fd);
                return fc_error_set(err, -ESRCH, "cannot exec in a stopped container");
        }
        *ret_pidfd = fd;
        return 0;
}

static bool init_alive(const struct fc_state *s, int pidfd)
{
        if (pidfd >= 0) {
                struct pollfd p = {.fd = pidfd, .events = POLLIN};
                return poll(&p, 1, 0) == 0;
        }
        return fc_status_init_alive(s);
}

static struct fc_config *load_container_config(const struct fc_state *s, fc_error_t *err)
{
        if (s->config_path)
                return fc_config_load(s->config_path, err);
        if (s->bundle == NULL || s->bundle[0] == '\0') {
                fc_error_set(err, -ENOENT, "container %s has no bundle to read config.json from",
                             s->id);
                return NULL;
        }
        cleanup_free char *p = NULL;
        if (asprintf(&p, "%s/config.json", s->bundle) < 0) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        struct fc_config *cfg = fc_config_load(p, err);
        if (cfg == NULL)
                fc_error_wrap(err, "read the container's config");
        return cfg;
}

static struct fc_process *load_process_json(const char *path, fc_error_t *err)
{
        size_t len = 0;
        cleanup_free char *text = fc_json_read_file(path, &len, err);
        if (text == NULL)
                return NULL;
        struct fc_process *p = fc_process_parse(text, len, err);
        if (p == NULL)
                fc_error_wrap(err, "%s", path);
        return p;
}

/* Kinds in the order the fallback joins them: the user namespace first
 * (it grants the rights for the others), the mount namespace last (after
 * it /proc/<pid>/ns may no longer be reachable). */
static const enum fc_ns_type join_order[] = {
        FC_NS_USER, FC_NS_PID,    FC_NS_NETWORK, FC_NS_IPC,
        FC_NS_UTS,  FC_NS_CGROUP, FC_NS_TIME,    FC_NS_MOUNT,
};

static const char *proc_ns_name(enum fc_ns_type t)
{
        switch (t) {
        case FC_NS_PID:
                return "pid";
        case FC_NS_NETWORK:
                return "net";
        case FC_NS_MOUNT:
                return "mnt";
        case FC_NS_IPC:
                return "ipc";
        case FC_NS_UTS:
                return "uts";
        case FC_NS_USER:
                return "user";
        case FC_NS_CGROUP:
                return "cgroup";
        case FC_NS_TIME:
                return "time";
        case FC_NS__MAX:
                break;
        }
        return "?";
}

/* CLONE_NEW* flags of every namespace in which the init differs from us:
 * setns() into the namespace one is already in fails for user namespaces,
 * and a container may share any kind with the host. */
static int differing_namespaces(pid_t pid, int *ret_flags, fc_error_t *err)
{
        int flags = 0;
        for (size_t i = 0; i < sizeof(join_order) / sizeof(join_order[0]); i++) {
                enum fc_ns_type t = join_order[i];
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) pid, proc_ns_name(t));
                struct stat theirs, ours;
                if (stat(path, &theirs) < 0) {
                        /* A kernel without this kind: nothing to join. */
                        if (errno == ENOENT)
                                continue;
                        return fc_error_setm(err, -errno, "stat %s", path);
                }
                snprintf(path, sizeof(path), "/proc/self/ns/%s", proc_ns_name(t));
                if (stat(path, &ours) < 0)
                        return fc_error_setm(err, -errno, "stat %s", path);
                if (theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino)
                        flags |= fc_ns_clone_flag(t);
        }
        *ret_flags = flags;
        return 0;
}

/* Join the init's namespaces named by `flags`.  With a pidfd, one setns()
 * (kernel >= 5.8) joins them all at once and in the right order; else
 * every /proc/<pid>/ns/<kind> is opened first, the init proven to still
 * be the same process, and then joined in join_order. */
static int join_namespaces(const struct fc_state *s, int pidfd, int flags, fc_error_t *err)
{
        if (flags == 0)
                return 0;
        if (pidfd >= 0) {
                if (setns(pidfd, flags) == 0)
                        return 0;
                if (errno != EINVAL)
                        return fc_error_setm(err, -errno,
                                             "join the namespaces of the container's init");
        }
        int fds[sizeof(join_order) / sizeof(join_order[0])];
        size_t n = sizeof(join_order) / sizeof(join_order[0]);
        int r = 0;
        for (size_t i = 0; i < n; i++)
                fds[i] = -1;
        for (size_t i = 0; i < n && r == 0; i++) {
                if (!(flags & fc_ns_clone_flag(join_order[i])))
                        continue;
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) s->pid,
                         proc_ns_name(join_order[i]));
                fds[i] = open(path, O_RDONLY | O_CLOEXEC);
                if (fds[i] < 0)
                        r = fc_error_setm(err, -errno, "open %s", path);
        }
        if (r == 0 && !init_alive(s, pidfd))
                r = fc_error_set(err, -ESRCH, "cannot exec in a stopped container");
        for (size_t i = 0; i < n && r == 0; i++) {
                if (fds[i] >= 0 && setns(fds[i], fc_ns_clone_flag(join_order[i])) < 0)
                        r = fc_error_setm(err, -errno, "join %s namespace of the container",
                                          proc_ns_name(join_order[i]));
        }
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        return r;
}

/* The descriptors the process gets besides stdio must be open now, before
 * we open anything that could land on their numbers and leak into the
 * container (runc would hand over whatever it has there). */
static int check_preserved_fds(unsigned int n, fc_error_t *err)
{
        for (unsigned int fd = 3; fd < 3 + n; fd++) {
                if (fcntl((int) fd, F_GETFD) < 0)
                        return fc_error_set(err, -EBADF,
                                            "--preserve-fds %u: file descriptor %u is not open", n,
                                            fd);
        }
        return 0;
}

/* ------------------------------------------------------------ the child */

struct child_args {
        const struct fc_state *state;
        const struct fc_exec_process *proc;
        const struct fc_process_plan *pplan;
        struct fc_seccomp_filter *filter;
        int pidfd;
        int ns_flags; /* without CLONE_NEWPID: the parent joined that one */
        int sync_fd;
        int console_fd; /* -1, or where the pty master goes */
        unsigned int preserve_fds;
};

/* Every fd from 3 + preserve_fds up is closed by execve; the preserved
 * ones survive it (CVE-2024-21626: no runtime fd may reach the process). */
static int close_fds_on_exec(unsigned int preserve_fds, fc_error_t *err)
{
        unsigned int first = 3 + preserve_fds;
        if (fc_sys_close_range(first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return fc_error_setm(err, -errno, "close_range");
        for (unsigned int fd = 3; fd < first; fd++) {
                int fl = fcntl((int) fd, F_GETFD);
                if (fl >= 0 && fcntl((int) fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
                        return fc_error_setm(err, -errno, "keep fd %u open", fd);
        }
        return 0;
}

/* What the init does from its chdir on (lib/init.c), in the same order. */
static int child_setup(const struct child_args *a, char ***ret_env, char **ret_exe, fc_error_t *err)
{
        const struct fc_config *cfg = &a->proc->cfg;
        const struct fc_process *p = cfg->process;
        struct fc_sync_msg m;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return fc_error_setm(err, -errno, "prctl(PR_SET_PDEATHSIG)");
        /* From the moment it drops to the container's capabilities until
         * execve (which resets this), we are the runtime's binary inside the
         * container's pid namespace: its processes must not open our
         * /proc/<pid>/exe or fds (CVE-2019-5736), as with the init. */
        if (prctl(PR_SET_DUMPABLE, 0) < 0)
                return fc_error_setm(err, -errno, "prctl(PR_SET_DUMPABLE)");
        int r = fc_spawn_reset_signals(err);
        if (r < 0)
                return r;
        /* GO: the runtime has put us into the container's cgroup. */
        r = fc_sync_recv(a->sync_fd, &m, err);
        if (r < 0)
                return r;
        if (m.type != FC_SYNC_GO)
                return fc_error_set(err, -EPROTO, "unexpected message %u from runtime", m.type);
        r = join_namespaces(a->state, a->pidfd, a->ns_flags, err);
        if (r < 0)
                return r;
        fc_failpoint("exec-child-joined");
        if (a->pidfd >= 0)
                close(a->pidfd);
        /* In a joined user namespace we are still the host's root, whom it
         * does not map: become its root, as runc's exec'd processes do, so
         * that what we create (the pty) has an owner the container knows. */
        if ((a->ns_flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                return fc_error_setm(err, -errno, "become root of the container's user namespace");
        /* The pty comes from the container's devpts, so after joining its
         * mount namespace; and as root, before the user switch, as in
         * runc.  Unlike the init's, it is not bound on /dev/console. */
        if (a->console_fd >= 0) {
                r = fc_terminal_setup_in_exec(p, a->console_fd, err);
                if (r < 0)
                        return r;
                close(a->console_fd);
                /* Its user owns the terminal, as with runc, so that it can
                 * still open it by name (tty(1)) once it is no longer root;
                 * the group stays devpts' gid=. */
                if (fchown(0, p->user.uid, (gid_t) -1) < 0)
                        return fc_error_setm(err, -errno, "chown the terminal to uid %u",
                                             (unsigned) p->user.uid);
        } else if (setsid() < 0) {
                /* Its own session and process group, as the init's. */
                return fc_error_setm(err, -errno, "setsid");
        }

        if (chdir(p->cwd) < 0)
                return fc_error_set(err, -errno,
                                    "chdir to cwd (\"%s\") set in config.json failed: %s", p->cwd,
                                    strerror(errno));
        r = fc_process_prepare_exec(cfg, a->pplan, ret_env, ret_exe, err);
        if (r < 0)
                return r;
        /* Without no_new_privs loading needs CAP_SYS_ADMIN, which the user
         * may be about to lose: load it now, as runc (and our init) do. */
        if (a->filter && !p->no_new_privileges) {
                r = fc_seccomp_load_notify(a->sync_fd, a->filter, err);
                if (r < 0)
                        return r;
        }
        r = fc_process_apply_user_and_caps(cfg, a->pplan, err);
        if (r < 0)
                return r;
        return close_fds_on_exec(a->preserve_fds, err);
}

_Noreturn static void child_main(const struct child_args *a)
{
        fc_error_t err = FC_ERROR_INIT;
        char **env = NULL;
        char *exe = NULL;

        if (child_setup(a, &env, &exe, &err) < 0)
                goto fail;
        /* The process outlives `exec -d`, and runc's exec'd processes do
         * not die with runc either. */
        prctl(PR_SET_PDEATHSIG, 0);
        if (fc_sync_send(a->sync_fd, FC_SYNC_READY, 0, NULL) < 0)
                _exit(127);
        /* With no_new_privs the filter is the last thing before execve, so
         * it need not allow what the setup above did. */
        if (a->filter && a->proc->proc.no_new_privileges &&
            fc_seccomp_load_notify(a->sync_fd, a->filter, &err) < 0)
                goto fail;
        execve(exe, a->proc->proc.args, env);
        fc_error_setm(&err, -errno, "exec %s", exe);
        /* As runc's, an execve that fails after every check passed is the
         * process's own failure: told on its stderr, with status 1 (and
         * `exec -d` has succeeded). */
        dprintf(2, "flashcube: %s\n", err.msg ? err.msg : "exec failed");
        _exit(1);
fail:
        fc_sync_send_error(a->sync_fd, &err);
        _exit(127);
}

/* ----------------------------------------------------------- the parent */

static void kill_and_reap(pid_t pid, int pidfd)
{
        if (pidfd >= 0)
                fc_sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
        else
                kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

static int write_pid_file(const char *path, pid_t pid, fc_error_t *err)
{
        cleanup_free char *tmp = NULL;
        if (asprintf(&tmp, "%s.fctmp", path) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return fc_error_setm(err, -errno, "write pid file %s", path);
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", (int) pid);
        if (write(fd, buf, (size_t) n) != n || rename(tmp, path) < 0) {
                int e = errno ? -errno : -EIO;
                unlink(tmp);
                return fc_error_setm(err, e, "write pid file %s", path);
        }
        return 0;
}

/* The parent's half of the sync protocol: GO, then READY, then EOF (the
 * CLOEXEC socket closed by a successful execve) or an ERROR; a seccomp
 * notify fd may come before READY or, with no_new_privs, after it. */
static int drive_child(int sync_fd, const struct fc_config *cfg, const struct fc_state *st,
                       pid_t pid, fc_error_t *err)
{
        int r = fc_sync_send(sync_fd, FC_SYNC_GO, 0, NULL);
        if (r < 0)
                return fc_error_setm(err, r, "signal the exec'd process");
        cleanup_free struct fc_sync_msg *m = malloc(sizeof(*m));
        if (m == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        bool ready = false;
        for (;;) {
                fc_error_t e = FC_ERROR_INIT;
                int fd = -1;
                r = fc_sync_recv_fd(sync_fd, m, &fd, &e);
                if (r >= 0 && m->type == FC_SYNC_SECCOMP_FD) {
                        r = fc_seccomp_notify_relay(sync_fd, fd,
                                                    cfg->linux_ ? cfg->linux_->seccomp : NULL, st,
                                                    (int) pid, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (fd >= 0)
                        close(fd);
                if (r == -EPIPE && ready) {
                        fc_error_clear(&e);
                        return 0;
                }
                if (r < 0) {
                        if (r == -EPIPE) {
                                fc_error_clear(&e);
                                return fc_error_set(err, -EPIPE,
                                                    "the exec'd process died before it started");
                        }
                        fc_error_append(err, &e);
                        return r;
                }
                if (m->type == FC_SYNC_ERROR)
                        return fc_error_set(err, m->status < 0 ? m->status : -EIO,
                                            "unable to start container process: %s", m->text);
                if (m->type != FC_SYNC_READY || ready)
                        return fc_error_set(err, -EPROTO,
                                            "unexpected message %u from the exec'd process",
                                            m->type);
                ready = true;
        }
}

static int signal_child(int pidfd, pid_t pid, int sig)
{
        if (pidfd >= 0 && fc_sys_pidfd_send_signal(pidfd, sig, NULL, 0) == 0)
                return 0;
        if (pidfd >= 0 && errno != ENOSYS)
                return -1;
        return kill(pid, sig);
}

/* Forward every signal we get to the process until it exits (as `run`
 * does for the init), relaying the caller's terminal to the pty master
 * when there is a `relay`; *ret_exit_code as a shell would report it. */
static int wait_forwarding(pid_t pid, int pidfd, const sigset_t *fwd,
                           struct fc_terminal_relay *relay, int *ret_exit_code, fc_error_t *err)
{
        cleanup_close int sfd = signalfd(-1, fwd, SFD_CLOEXEC);
        if (sfd < 0)
                return fc_error_setm(err, -errno, "signalfd");
        bool relay_open = relay != NULL;
        for (;;) {
                struct pollfd p[4] = {{.fd = pidfd, .events = POLLIN},
                                      {.fd = sfd, .events = POLLIN},
                                      {.fd = -1},
                                      {.fd = -1}};
                if (relay_open) {
                        int fds[2];
                        short ev[2];
                        if (fc_terminal_relay_fds(relay, fds, ev, 2) == 2) {
                                p[2] = (struct pollfd){.fd = fds[0], .events = ev[0]};
                                p[3] = (struct pollfd){.fd = fds[1], .events = ev[1]};
                        }
                }
                /* A pidfd of -1 is ignored by poll(); SIGCHLD wakes us then. */
                int pr = poll(p, 4, -1);
                if (pr < 0 && errno != EINTR)
                        return fc_error_setm(err, -errno, "wait for the exec'd process");
                if (relay_open && pr > 0 && (p[2].revents || p[3].revents)) {
                        const short rev[2] = {p[2].revents, p[3].revents};
                        /* Hung up: every holder of the slave closed it. */
                        if (fc_terminal_relay_step(relay, rev) == 0)
                                relay_open = false;
                }
                bool check_exit = pr > 0 && (p[0].revents & POLLIN);
                if (pr > 0 && (p[1].revents & POLLIN)) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                if (si.ssi_signo == SIGCHLD)
                                        check_exit = true;
                                else if (si.ssi_signo == SIGWINCH && relay)
                                        fc_terminal_relay_resize(relay);
                                else if (si.ssi_signo != SIGWINCH && si.ssi_signo != SIGURG)
                                        signal_child(pidfd, pid, (int) si.ssi_signo);
                        }
                }
                if (!check_exit)
                        continue;
                int ws = 0;
                pid_t w;
                while ((w = waitpid(pid, &ws, WNOHANG)) < 0 && errno == EINTR)
                        ;
                if (w < 0)
                        return fc_error_setm(err, -errno, "wait for the exec'd process");
                if (w == pid) {
                        if (WIFEXITED(ws))
                                *ret_exit_code = WEXITSTATUS(ws);
                        else if (WIFSIGNALED(ws))
                                *ret_exit_code = 128 + WTERMSIG(ws);
                        if (relay_open)
                                fc_terminal_relay_drain(relay);
                        return 0;
                }
        }
}

struct exec_run {
        const struct fc_context *ctx;
        const struct fc_exec_opts *o;
        struct fc_state *state;
        const struct fc_config *cfg; /* the container's: linux.seccomp.listenerPath */
        struct fc_exec_process *proc;
        struct fc_process_plan *pplan;
        struct fc_seccomp_filter *filter;
        struct fc_cgroup *cg;
        int pidfd;
        int ns_flags;
        int console_fd; /* the child's end for the pty master, or -1 */
};

/* Clone the child into the container's pid namespace: setns(CLONE_NEWPID)
 * only changes the namespace of our future children, so we enter it just
 * for the clone and leave it right after. */
static pid_t spawn(const struct exec_run *x, int sync_child, int *ret_child_pidfd,
                   bool *ret_in_cgroup, fc_error_t *err)
{
        cleanup_close int saved_pid = -1;
        if (x->ns_flags & CLONE_NEWPID) {
                saved_pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
                if (saved_pid < 0)
                        return fc_error_setm(err, -errno, "open /proc/self/ns/pid");
                int r = join_namespaces(x->state, x->pidfd, CLONE_NEWPID, err);
                if (r < 0)
                        return r;
        }
        struct child_args a = {
                .state = x->state,
                .proc = x->proc,
                .pplan = x->pplan,
                .filter = x->filter,
                .pidfd = x->pidfd,
                .ns_flags = x->ns_flags & ~CLONE_NEWPID,
                .sync_fd = sync_child,
                .console_fd = x->console_fd,
                .preserve_fds = x->o->preserve_fds,
        };
        int cg_fd = x->cg ? fc_cgroup_v2_dirfd(x->cg) : -1;
        pid_t pid = fc_spawn_clone(0, cg_fd, ret_child_pidfd, ret_in_cgroup, err);
        if (pid == 0)
                child_main(&a);
        if (saved_pid >= 0 && setns(saved_pid, CLONE_NEWPID) < 0) {
                /* Our later children would land in the container. */
                int e = -errno;
                if (pid > 0)
                        kill_and_reap(pid, *ret_child_pidfd);
                return fc_error_setm(err, e, "leave the container's pid namespace");
        }
        return pid;
}

/* Where the child sends the pty master: the console socket, connected
 * here in our mount namespace (the child leaves it), or, in the
 * foreground, a socketpair whose other end *ret_ours we read it from. */
static int open_console(const struct fc_exec_opts *o, int *ret_ours, int *ret_child,
                        fc_error_t *err)
{
        if (has_console_socket(o)) {
                int fd = fc_terminal_connect(o->console_socket, err);
                if (fd < 0)
                        return fd;
                *ret_child = fd;
                return 0;
        }
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return fc_error_setm(err, -errno, "console socketpair");
        *ret_ours = sv[0];
        *ret_child = sv[1];
        return 0;
}

static int run(struct exec_run *x, int *ret_exit_code, fc_error_t *err)
{
        const struct fc_exec_opts *o = x->o;
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return fc_error_setm(err, -errno, "socketpair");
        cleanup_close int sync_parent = sv[0];
        cleanup_close int sync_child = sv[1];
        cleanup_close int console_ours = -1;
        cleanup_close int console_child = -1;
        cleanup_close int master = -1;
        if (x->proc->proc.terminal) {
                int r = open_console(o, &console_ours, &console_child, err);
                if (r < 0)
                        return r;
        }
        /* In the foreground the pty takes the caller's window size from
         * its birth, so a process that asks at once already sees it (the
         * relay follows later changes). */
        struct winsize ws;
        if (console_ours >= 0 && isatty(0) && ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row &&
            ws.ws_col) {
                x->proc->proc.has_console_size = true;
                x->proc->proc.console_size.height = ws.ws_row;
                x->proc->proc.console_size.width = ws.ws_col;
        }
        x->console_fd = console_child;

        /* Block what we forward before the child exists, so no signal
         * falls between its start and the wait loop; the child resets it. */
        sigset_t fwd, old;
        sigfillset(&fwd);
        const int keep[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
                sigdelset(&fwd, keep[i]);
        if (!o->detach)
                sigprocmask(SIG_BLOCK, &fwd, &old);

        int child_pidfd = -1;
        bool in_cgroup = false;
        struct fc_terminal_relay *relay = NULL;
        int r;
        pid_t pid = spawn(x, sync_child, &child_pidfd, &in_cgroup, err);
        close(steal_fd(&sync_child));
        if (console_child >= 0)
                close(steal_fd(&console_child));
        if (pid < 0) {
                r = (int) pid;
                goto out;
        }
        fc_trace(x->ctx, "exec-clone");
        r = 0;
        if (!in_cgroup && x->cg)
                r = fc_cgroup_enter(x->cg, pid, err);
        if (r == 0)
                r = fc_process_apply_cpu_affinity_final(pid, x->pplan, err);
        if (r == 0)
                r = drive_child(sync_parent, x->cfg, x->state, pid, err);
        /* Sent before READY, so it is waiting in the socket by now. */
        if (r == 0 && console_ours >= 0) {
                master = fc_terminal_recv_master(console_ours, err);
                if (master < 0)
                        r = master;
        }
        if (r == 0 && o->pid_file)
                r = write_pid_file(o->pid_file, pid, err);
        if (r == 0 && master >= 0) {
                relay = fc_terminal_relay_new(master, err);
                if (relay == NULL)
                        r = err->status ? err->status : -ENOMEM;
        }
        if (r < 0) {
                kill_and_reap(pid, child_pidfd);
                goto out;
        }
        fc_trace(x->ctx, "exec-started");
        if (!o->detach) {
                r = wait_forwarding(pid, child_pidfd, &fwd, relay, ret_exit_code, err);
                /* The process must not outlive a failed wait (signalfd, poll):
                 * it has no parent-death signal any more. */
                if (r < 0)
                        kill_and_reap(pid, child_pidfd);
        }
out:
        /* The caller's terminal mode back before anything is reported. */
        fc_terminal_relay_free(relay);
        if (child_pidfd >= 0)
                close(child_pidfd);
        if (!o->detach)
                sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

int fc_container_exec(const struct fc_context *ctx, const struct fc_exec_opts *o,
                      int *ret_exit_code, fc_error_t *err)
{
        *ret_exit_code = 0;
        int r = check_preserved_fds(o->preserve_fds, err);
        if (r < 0)
                return r;
        cleanup_state struct fc_state *s = open_state(ctx, o->id, err);
        if (s == NULL)
                return err->status;
        r = check_status(s, o->ignore_paused, err);
        if (r < 0)
                return r;
        cleanup_close int pidfd = -1;
        r = open_init(s, &pidfd, err);
        if (r < 0)
                return r;

        cleanup_process struct fc_process *json = NULL;
        if (o->process_path) {
                json = load_process_json(o->process_path, err);
                if (json == NULL)
                        return err->status;
        }
        cleanup_config struct fc_config *cfg = load_container_config(s, err);
        if (cfg == NULL)
                return err->status;
        cleanup_filter struct fc_seccomp_filter *filter = NULL;
        cleanup_cgroup struct fc_cgroup *cg = NULL;
        struct fc_exec_process proc;
        r = fc_exec_process_build(cfg, json, o, &proc, err);
        if (r < 0)
                return r;
        struct fc_process_plan pplan;
        memset(&pplan, 0, sizeof(pplan));
        r = fc_process_plan_build(&proc.cfg, &pplan, err);
        if (r < 0)
                goto out_proc;
        for (size_t i = 0; i < pplan.n_warnings; i++)
                fc_log(ctx, FC_LOG_WARN, "%s", pplan.warnings[i]);

        if (cfg->linux_ && cfg->linux_->seccomp) {
                filter = fc_seccomp_build_cached(cfg->linux_->seccomp, NULL, err);
                if (filter == NULL) {
                        r = err->status ? err->status : -EINVAL;
                        goto out_plan;
                }
        }
        if (s->cgroup && s->cgroup[0]) {
                cg = fc_cgroup_deserialize(s->cgroup, err);
                if (cg == NULL) {
                        r = err->status;
                        goto out_plan;
                }
        }
        int ns_flags = 0;
        r = differing_namespaces(s->pid, &ns_flags, err);
        /* Read through /proc/<pid>: proven to be the init only if it still
         * lives now that the namespaces were looked at. */
        if (r == 0 && !init_alive(s, pidfd))
                r = fc_error_set(err, -ESRCH, "cannot exec in a stopped container");
        if (r < 0)
                goto out_plan;

        struct exec_run x = {
                .ctx = ctx,
                .o = o,
                .state = s,
                .cfg = cfg,
                .proc = &proc,
                .pplan = &pplan,
                .filter = filter,
                .cg = cg,
                .pidfd = pidfd,
                .ns_flags = ns_flags,
        };
        r = run(&x, ret_exit_code, err);
out_plan:
        fc_process_plan_clear(&pplan);
out_proc:
        fc_exec_process_clear(&proc);
        return r;
}
