/* SPDX-License-Identifier: Apache-2.0 */
#include "lib/init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/context.h"
#include "lib/hooks.h"
#include "lib/parts/parts.h"
#include "lib/rootfs.h"
#include "lib/seccomp-notify.h"
#include "lib/seccomp.h"
#include "lib/spawn.h"
#include "lib/sys.h"
#include "lib/terminal.h"

#define KEYCTL_JOIN_SESSION_KEYRING 1

static int mkdir_p(const char *path)
{
        char buf[4096];
        size_t n = strlen(path);
        if (n == 0 || n >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, n + 1);
        for (char *s = buf + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int apply_apparmor(const char *profile, fc_error_t *err)
{
        int fd = open("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                fd = open("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return fc_error_setm(err, -errno, "set AppArmor profile %s", profile);
        char buf[512];
        int n = snprintf(buf, sizeof(buf), "exec %s", profile);
        int r = 0;
        if (n < 0 || (size_t) n >= sizeof(buf) || write(fd, buf, (size_t) n) != n)
                r = fc_error_setm(err, -errno ? -errno : -EINVAL, "set AppArmor profile %s",
                                  profile);
        close(fd);
        return r;
}

/* Joining a user namespace by path: the namespaces the config wants new
 * must belong to it, so they are not created by clone3 (which ran in the
 * runtime's user namespace) but here, after setns(), as runc's nsexec does.
 * A new pid namespace only applies to children: this process forks the
 * real init (CLONE_PARENT, so it is the runtime's child, as `run` needs),
 * tells the runtime its pid and exits; the function returns in the init. */
static int enter_joined_userns(const struct fc_init_args *a, fc_error_t *err)
{
        const struct fc_ns_plan *ns = a->ns;
        if (setns(ns->fd[FC_NS_USER], CLONE_NEWUSER) < 0)
                return fc_error_setm(err, -errno, "join user namespace %s", ns->path[FC_NS_USER]);
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return fc_error_setm(err, -errno,
                                     "become root in user namespace %s (is id 0 mapped?)",
                                     ns->path[FC_NS_USER]);
        int r = fc_ns_join_in_child(ns, err);
        if (r < 0)
                return r;
        int flags = 0;
        static const enum fc_ns_type kinds[] = {FC_NS_NETWORK, FC_NS_IPC, FC_NS_UTS, FC_NS_MOUNT};
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
                if (ns->mode[kinds[i]] == FC_NS_MODE_NEW)
                        flags |= fc_ns_clone_flag(kinds[i]);
        if (flags && unshare(flags) < 0)
                return fc_error_setm(err, -errno, "create namespaces in user namespace %s",
                                     ns->path[FC_NS_USER]);
        if (ns->mode[FC_NS_PID] != FC_NS_MODE_NEW) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                        return fc_error_setm(err, -errno, "prctl(PR_SET_PDEATHSIG)");
                return 0;
        }
        if (unshare(CLONE_NEWPID) < 0)
                return fc_error_setm(err, -errno, "create pid namespace");
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return fc_error_setm(err, -errno, "pipe");
        pid_t child =
                (pid_t) syscall(SYS_clone, (unsigned long) CLONE_PARENT, 0UL, NULL, NULL, 0UL);
        if (child < 0) {
                int e = -errno;
                close(pfd[0]);
                close(pfd[1]);
                return fc_error_setm(err, e, "fork the container init");
        }
        if (child > 0) {
                /* We are in the runtime's pid namespace: `child` is the
                 * init's host pid, for the runtime and for the init. */
                if (write(pfd[1], &child, sizeof(child)) != sizeof(child) ||
                    fc_sync_send(a->sync_fd, FC_SYNC_PID, (int) child, NULL) < 0)
                        kill(child, SIGKILL);
                _exit(0);
        }
        close(pfd[1]);
        pid_t self = 0;
        ssize_t n;
        while ((n = read(pfd[0], &self, sizeof(self))) < 0 && errno == EINTR)
                ;
        close(pfd[0]);
        if (n != sizeof(self))
                return fc_error_set(err, -EPIPE, "learn the init's pid");
        a->state->pid = self;
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return fc_error_setm(err, -errno, "prctl(PR_SET_PDEATHSIG)");
        return 0;
}

static int wait_for(int fd, enum fc_sync_type want, struct fc_sync_msg *m, fc_error_t *err)
{
        int r = fc_sync_recv(fd, m, err);
        if (r < 0)
                return r;
        if (m->type != (uint32_t) want)
                return fc_error_set(err, -EPROTO, "unexpected message %u from runtime", m->type);
        return 0;
}

static int set_state_status(struct fc_state *s, const char *status)
{
        char *n = strdup(status);
        if (n == NULL)
                return -ENOMEM;
        free(s->status);
        s->status = n;
        return 0;
}

static int run_child_hooks(const struct fc_init_args *a, enum fc_hook_kind kind, const char *status,
                           fc_error_t *err)
{
        const struct fc_hooks *h = a->cfg->hooks;
        if (h == NULL || h->n_hooks[kind] == 0)
                return 0;
        if (set_state_status(a->state, status) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        cleanup_free char *json = fc_state_to_oci_json(a->state, false, err);
        if (json == NULL)
                return err->status;
        return fc_hooks_run(h->hooks[kind], h->n_hooks[kind], fc_hook_kind_name(kind), json, err);
}

/* Mark every fd from 3 + preserve_fds up close-on-exec, and make the
 * preserved ones survive exec: the user process must not reach any fd of
 * the runtime (CVE-2024-21626 class). */
static int close_fds_on_exec(unsigned int preserve_fds, fc_error_t *err)
{
        unsigned int first = 3 + preserve_fds;
        if (fc_sys_close_range(first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return fc_error_setm(err, -errno, "close_range");
        for (unsigned int fd = 3; fd < first; fd++) {
                int fl = fcntl((int) fd, F_GETFD);
                if (fl >= 0)
                        fcntl((int) fd, F_SETFD, fl & ~FD_CLOEXEC);
        }
        return 0;
}

/* The cache's trees the init moved in (FC_PART_CGTREE, FC_PART_DEVTREE),
 * told to the runtime with READY (its --debug log says so). */
static unsigned trees_used;

struct init_go {
        const struct fc_init_args *a;
        bool made;
        bool made_pooled; /* MADE said FC_SYNC_MADE_POOLED */
        bool done;
        bool unshare_cgroupns;
        /* The bounding set may be dropped while we wait for the runtime
         * (no createContainer hook, which runs before the usual drop and
         * would inherit the smaller set), and was. */
        bool drop_early, bounding_dropped;
};

/* Before a wait for the runtime: the capability bounding set's drop (38
 * prctl calls, a credential commit each, ~80 µs with runc's default spec)
 * is work the wait would otherwise waste.  Nothing before the execve
 * needs the capabilities it removes (user namespaces are made before). */
static int drop_bounding_early(struct init_go *go, fc_error_t *err)
{
        if (!go->drop_early || go->bounding_dropped)
                return 0;
        go->bounding_dropped = true;
        return fc_process_drop_bounding(go->a->pplan, err);
}

/* Read the runtime's next message, MADE or GO.  MADE (go_late only, sent
 * before GO): our cgroup's directories exist.  GO: the runtime has made
 * our cgroup and put us in it; it tells our host pid, and whether our
 * cgroup namespace is ours to create - which must happen inside the
 * cgroup, so after GO. */
static int next_go(struct init_go *go, fc_error_t *err)
{
        struct fc_sync_msg m;
        int none;
        size_t n_fds = 0;
        int r = fc_sync_recv_fds_spin(go->a->sync_fd, &m, &none, 0, &n_fds, FC_SPIN_NS, err);
        if (r < 0)
                return r;
        if (m.type == FC_SYNC_MADE && !go->made) {
                go->made = true;
                go->made_pooled = m.status == FC_SYNC_MADE_POOLED;
                return 0;
        }
        if (m.type != FC_SYNC_GO)
                return fc_error_set(err, -EPROTO, "unexpected message %u from runtime", m.type);
        go->made = go->done = true;
        go->a->state->pid = (pid_t) m.status;
        go->unshare_cgroupns = strcmp(m.text, FC_SYNC_GO_UNSHARE_CGROUPNS) == 0;
        fc_failpoint("init-go");
        return 0;
}

/* Read the runtime's messages until *flag: go->done (GO), or go->made
 * (our cgroup's directories exist, not that we are in it: the runtime
 * moves us in, milliseconds on v1, while we mount on). */
static int await_flag(struct init_go *go, const bool *flag, fc_error_t *err)
{
        while (!*flag) {
                int r = next_go(go, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int await_go(struct init_go *go, fc_error_t *err)
{
        return await_flag(go, &go->done, err);
}

/* After GO, and after the other namespaces are joined (a joined user
 * namespace must own it): our cgroup namespace, rooted at our cgroup. */
static int enter_cgroup(struct init_go *go, fc_error_t *err)
{
        int r = await_go(go, err);
        if (r < 0)
                return r;
        if (go->unshare_cgroupns) {
                if (unshare(CLONE_NEWCGROUP) < 0)
                        return fc_error_setm(err, -errno, "unshare cgroup namespace");
                go->unshare_cgroupns = false;
        }
        return 0;
}

/* Before the cgroup mount: binding the cgroup's directories needs them to
 * exist; a cgroup filesystem mounted in our own cgroup namespace needs us
 * in the cgroup and the namespace made. */
static int before_cgroup_mount(void *data, fc_error_t *err)
{
        struct init_go *go = data;
        int r = drop_bounding_early(go, err);
        if (r < 0)
                return r;
        if (go->a->ns->mode[FC_NS_CGROUP] == FC_NS_MODE_NEW)
                return enter_cgroup(go, err);
        return await_flag(go, &go->made, err);
}

/* The namespace fds have done their job once joined; a new network
 * namespace needs its loopback up. */
static int after_joins(const struct fc_init_args *a, fc_error_t *err)
{
        for (int t = 0; t < FC_NS__MAX; t++) {
                if (a->ns->fd[t] >= 0) {
                        close(a->ns->fd[t]);
                        ((struct fc_ns_plan *) a->ns)->fd[t] = -1;
                }
        }
        if (a->ns->mode[FC_NS_NETWORK] == FC_NS_MODE_NEW)
                return fc_ns_loopback_up(err);
        return 0;
}

struct init_parts {
        struct fc_init_args *a;
        int *cgtree_fd, *devtree_fd;
        bool done;
};

/* An early init's PARTS (lib/spawn.h), once: the cache's namespaces are
 * joined, the ones it did not have are created, and the trees and
 * exec.fifo are taken. */
static int await_parts(void *data, fc_error_t *err)
{
        struct init_parts *p = data;
        struct fc_init_args *a = p->a;
        struct fc_ns_plan *ns = (struct fc_ns_plan *) a->ns;
        struct fc_sync_msg m;
        int fds[FC_SYNC_PART_COUNT];
        size_t n = 0, k = 0;

        if (p->done)
                return 0;
        p->done = true;
        int r = fc_sync_recv_fds_spin(a->sync_fd, &m, fds, FC_SYNC_PART_COUNT, &n, FC_SPIN_NS, err);
        if (r < 0)
                return r;
        /* Above the preserved range, as sanitize_fds keeps ours: a caller
         * that closed its stdin would otherwise find one of them there, and
         * the terminal's dup2 onto 0-2 would replace it. */
        int first = 3 + (int) a->preserve_fds;
        for (size_t i = 0; i < n; i++) {
                if (fds[i] < first) {
                        int nfd = fcntl(fds[i], F_DUPFD_CLOEXEC, first);
                        int e = errno;
                        close(fds[i]);
                        fds[i] = nfd;
                        if (nfd < 0) {
                                for (size_t j = 0; j < n; j++)
                                        if (fds[j] >= 0)
                                                close(fds[j]);
                                return fc_error_setm(err, -e, "move the parts' fds");
                        }
                }
        }
        static const struct {
                int bit;
                enum fc_ns_type t;
                int flag;
        } kinds[] = {
                {FC_SYNC_PART_NET, FC_NS_NETWORK, CLONE_NEWNET},
                {FC_SYNC_PART_IPC, FC_NS_IPC, CLONE_NEWIPC},
                {FC_SYNC_PART_UTS, FC_NS_UTS, CLONE_NEWUTS},
        };
        int create = 0;
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && m.type == FC_SYNC_PARTS; i++) {
                if (!(m.status & kinds[i].bit)) {
                        create |= a->deferred & kinds[i].flag;
                } else if (k < n) {
                        fc_ns_plan_take_leased(ns, kinds[i].t, &fds[k++]);
                }
        }
        if (m.type == FC_SYNC_PARTS && (m.status & FC_SYNC_PART_CGTREE) && k < n)
                *p->cgtree_fd = fds[k++];
        if (m.type == FC_SYNC_PARTS && (m.status & FC_SYNC_PART_DEVTREE) && k < n)
                *p->devtree_fd = fds[k++];
        if (m.type == FC_SYNC_PARTS && (m.status & FC_SYNC_PART_FIFO) && k < n)
                a->fifo_fd = fds[k++];
        if (m.type != FC_SYNC_PARTS || k != n) {
                for (size_t i = k; i < n; i++)
                        close(fds[i]);
                return fc_error_set(err, -EPROTO, "unexpected message %u from runtime", m.type);
        }
        if (create != 0 && unshare(create) < 0)
                return fc_error_setm(err, -errno, "create namespaces");
        r = fc_ns_join_in_child(a->ns, err);
        if (r < 0)
                return r;
        return after_joins(a, err);
}

static int setup(struct fc_init_args *a, char ***ret_env, char **ret_exe, fc_error_t *err)
{
        const struct fc_config *cfg = a->cfg;
        struct fc_sync_msg m;
        int r;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return fc_error_setm(err, -errno, "prctl(PR_SET_PDEATHSIG)");
        /* Until execve (which resets it) nothing in the container may open
         * /proc/<init>/exe - the runtime's own binary - or our fds: that is
         * the door CVE-2019-5736 went through. */
        if (prctl(PR_SET_DUMPABLE, 0) < 0)
                return fc_error_setm(err, -errno, "prctl(PR_SET_DUMPABLE)");
        r = fc_spawn_reset_signals(err);
        if (r < 0)
                return r;
        /* A session and process group of its own, as runc's (with a
         * terminal, its setup makes them): a signal to the caller's group,
         * ^C at the caller's terminal say, is not the container's; `run`
         * forwards what it gets.  First thing: a new session is a new
         * scheduler autogroup, and moving into it costs more once the
         * runtime has moved us into our cgroups (~0.1 ms against 0.03 ms,
         * phases.sh).  In a joined user namespace the real init is forked
         * there (enter_joined_userns): it makes them itself, after. */
        bool joins_userns = a->ns->mode[FC_NS_USER] == FC_NS_MODE_JOIN;
        if (!a->cfg->process->terminal && !joins_userns && setsid() < 0)
                return fc_error_setm(err, -errno, "setsid");
        /* GO: the parent placed us in our cgroup and tells our host pid.
         * With go_late we go on meanwhile (await_go). */
        const struct fc_hooks *hooks = a->cfg->hooks;
        struct init_go go = {
                .a = a,
                .drop_early = hooks == NULL || hooks->n_hooks[FC_HOOK_CREATE_CONTAINER] == 0,
        };
        if (!a->go_late) {
                r = await_go(&go, err);
                if (r < 0)
                        return r;
        }
        if (joins_userns) {
                r = enter_joined_userns(a, err);
                if (r < 0)
                        return r;
                if (!a->cfg->process->terminal && setsid() < 0)
                        return fc_error_setm(err, -errno, "setsid");
        } else if (a->ns->mode[FC_NS_USER] == FC_NS_MODE_NEW) {
                /* Our maps are written: become the namespace's root for the
                 * setup (the user process's ids are set at the end).  A
                 * credential change clears the parent-death signal. */
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                        return fc_error_setm(err, -errno,
                                             "become root in the user namespace (is container "
                                             "id 0 mapped?)");
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                        return fc_error_setm(err, -errno, "prctl(PR_SET_PDEATHSIG)");
        }

        /* An early init joins when its parts come (await_parts). */
        if (a->ns->mode[FC_NS_USER] != FC_NS_MODE_JOIN && !a->early) {
                r = fc_ns_join_in_child(a->ns, err);
                if (r < 0)
                        return r;
        }
        if (!a->go_late) {
                r = enter_cgroup(&go, err);
                if (r < 0)
                        return r;
        }
        if (!a->early) {
                r = after_joins(a, err);
                if (r < 0)
                        return r;
        }
        if (!a->no_new_keyring) {
                /* A fresh session keyring per container, as runc, so
                 * containers do not share the host's keys; kernels without
                 * keyrings are fine. */
                char name[64];
                snprintf(name, sizeof(name), "_ses.%.50s", a->state->id);
                if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS &&
                    errno != EACCES)
                        return fc_error_setm(err, -errno, "join session keyring");
        }

        int cgtree_fd = a->cgtree_fd, devtree_fd = a->devtree_fd, proctree_fd = a->proctree_fd;
        unsigned rctx_trees_used = 0;
        struct init_parts parts = {.a = a, .cgtree_fd = &cgtree_fd, .devtree_fd = &devtree_fd};
        struct fc_rootfs_ctx rctx = {
                .cfg = cfg,
                .rootfs = a->rootfs,
                .no_pivot = a->no_pivot,
                .cgroup = a->cgroup,
                .cgroupns = a->ns->mode[FC_NS_CGROUP] == FC_NS_MODE_NEW,
                .new_userns = a->ns->mode[FC_NS_USER] == FC_NS_MODE_NEW,
                .before_cgroup = before_cgroup_mount,
                .before_cgroup_data = &go,
                .before_mount = a->early ? await_parts : NULL,
                .before_mount_data = &parts,
                .idmap_fds = a->idmap ? a->idmap->fds : NULL,
                .cgtree_fd = &cgtree_fd,
                .cgtree_flags = a->cgtree_flags,
                .cgtree_ok = &go.made_pooled,
                .cgtree_park = a->cgtree_park,
                .devtree_fd = &devtree_fd,
                .devtree_first = a->devtree_first,
                .devtree_n = a->devtree_n,
                .proctree_fd = &proctree_fd,
                .proctree_index = a->proctree_index,
                .trees_used = &rctx_trees_used,
        };
        r = fc_rootfs_prepare(&rctx, err);
        trees_used = rctx_trees_used;
        if (cgtree_fd >= 0) {
                close(cgtree_fd); /* unused: no such cgroup mount */
                cgtree_fd = -1;
        }
        if (devtree_fd >= 0)
                close(devtree_fd);
        if (r < 0)
                return r;
        fc_failpoint("init-mounted");
        /* Hooks, and everything after, see the init in its cgroup.  With
         * none, the pivot and the rest of the filesystem setup need not:
         * the runtime moves us in (milliseconds on v1) meanwhile. */
        const struct fc_hooks *h = cfg->hooks;
        if (h && (h->n_hooks[FC_HOOK_PRESTART] || h->n_hooks[FC_HOOK_CREATE_RUNTIME] ||
                  h->n_hooks[FC_HOOK_CREATE_CONTAINER])) {
                r = enter_cgroup(&go, err);
                if (r < 0)
                        return r;
        }
        if (h && (h->n_hooks[FC_HOOK_PRESTART] || h->n_hooks[FC_HOOK_CREATE_RUNTIME])) {
                r = fc_sync_send(a->sync_fd, FC_SYNC_HOOKS, 0, NULL);
                if (r < 0)
                        return fc_error_setm(err, r, "ask runtime to run hooks");
                r = wait_for(a->sync_fd, FC_SYNC_HOOKS_DONE, &m, err);
                if (r < 0)
                        return r;
        }
        r = run_child_hooks(a, FC_HOOK_CREATE_CONTAINER, "creating", err);
        if (r < 0)
                return r;

        r = fc_rootfs_pivot(&rctx, err);
        if (r < 0)
                return r;
        fc_failpoint("init-pivoted");
        /* The pty comes from the container's own devpts, so after pivot;
         * and before finish, which may make /dev read-only. */
        if (cfg->process->terminal) {
                r = fc_terminal_setup_in_init(cfg->process, a->console_fd, err);
                if (r < 0)
                        return r;
                close(a->console_fd);
        }
        r = fc_process_apply_hostname(cfg, err);
        if (r < 0)
                return r;
        r = fc_process_apply_sysctls(cfg, err);
        if (r < 0)
                return r;
        const struct fc_process *p = cfg->process;
        /* runc creates a missing cwd (as root, before the user switch, and
         * before a read-only root or tmpfs is made read-only). */
        r = mkdir_p(p->cwd);
        if (r < 0)
                return fc_error_setm(err, r, "create cwd (\"%s\") set in config.json", p->cwd);
        r = fc_rootfs_finish(&rctx, err);
        if (proctree_fd >= 0)
                close(proctree_fd); /* its copies are in place */
        if (r < 0)
                return r;

        /* Before anything of the process: its cpu affinity must be set
         * inside its cpuset. */
        r = enter_cgroup(&go, err);
        if (r < 0)
                return r;

        if (chdir(p->cwd) < 0)
                return fc_error_setm(err, -errno, "chdir to cwd (\"%s\") set in config.json",
                                     p->cwd);
        r = fc_process_prepare_exec(cfg, a->pplan, ret_env, ret_exe, err);
        if (r < 0)
                return r;

        /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which
         * the user may be about to lose: load it now, as runc does. */
        if (a->seccomp && !p->no_new_privileges) {
                r = fc_seccomp_load_notify(a->sync_fd, a->seccomp, err);
                if (r < 0)
                        return r;
        }
        /* The AppArmor profile takes effect at execve; writing it needs the
         * privileges we are about to drop. */
        if (p->apparmor_profile && p->apparmor_profile[0]) {
                r = apply_apparmor(p->apparmor_profile, err);
                if (r < 0)
                        return r;
        }
        r = fc_process_apply_cpu_affinity_final(0, a->pplan, err);
        if (r < 0)
                return r;
        r = fc_process_apply_user_and_caps_after(cfg, a->pplan, go.bounding_dropped, err);
        if (r < 0)
                return r;
        r = close_fds_on_exec(a->preserve_fds, err);
        if (r < 0)
                return r;
        /* With no_new_privs the filter goes on last, so that as little as
         * possible of our own code runs under it; still before READY, so a
         * notify fd can reach the agent through the runtime. */
        if (a->seccomp && p->no_new_privileges)
                return fc_seccomp_load_notify(a->sync_fd, a->seccomp, err);
        return 0;
}

static int cmp_int(const void *x, const void *y)
{
        int a = *(const int *) x, b = *(const int *) y;
        return (a > b) - (a < b);
}

/* First thing in the init: nothing of the runtime's may stay reachable
 * from the container (CVE-2024-21626 class) - not the state dir, the
 * cgroup dir, the other end of our sockets - not even while it sits in
 * "created" where `exec` could look at /proc/<init>/fd.  Keep stdio, the
 * caller's --preserve-fds range and our own few fds, moved above that
 * range if they landed inside it; close the rest. */
static int sanitize_fds(struct fc_init_args *a, struct fc_ns_plan *ns)
{
        int first = 3 + (int) a->preserve_fds;
        size_t n_idmap = a->idmap ? a->idmap->n : 0;
        cleanup_free int **slots = malloc((6 + FC_NS__MAX + n_idmap) * sizeof(*slots));
        cleanup_free int *keep = malloc((6 + FC_NS__MAX + n_idmap) * sizeof(*keep));
        size_t n = 0;
        if (slots == NULL || keep == NULL)
                return -ENOMEM;
        slots[n++] = &a->sync_fd;
        slots[n++] = &a->fifo_fd;
        slots[n++] = &a->console_fd;
        slots[n++] = &a->cgtree_fd;
        slots[n++] = &a->devtree_fd;
        slots[n++] = &a->proctree_fd;
        for (int t = 0; t < FC_NS__MAX; t++)
                slots[n++] = &ns->fd[t];
        for (size_t i = 0; i < n_idmap; i++)
                slots[n++] = &a->idmap->fds[i];
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                int fd = *slots[i];
                if (fd < 0)
                        continue;
                if (fd < first) {
                        int nfd = fcntl(fd, F_DUPFD_CLOEXEC, first);
                        if (nfd < 0)
                                return -errno;
                        close(fd);
                        *slots[i] = fd = nfd;
                }
                keep[k++] = fd;
        }
        qsort(keep, k, sizeof(int), cmp_int);
        int from = first;
        for (size_t i = 0; i < k; i++) {
                if (keep[i] > from &&
                    fc_sys_close_range((unsigned int) from, (unsigned int) keep[i] - 1, 0) < 0)
                        return -errno;
                if (keep[i] + 1 > from)
                        from = keep[i] + 1;
        }
        if (fc_sys_close_range((unsigned int) from, ~0U, 0) < 0)
                return -errno;
        return 0;
}

_Noreturn void fc_init_main(struct fc_init_args *a)
{
        fc_error_t err = FC_ERROR_INIT;
        char **env = NULL;
        char *exe = NULL;

        /* This is the child's own copy of the plan: it may rewrite the fds. */
        int r = sanitize_fds(a, (struct fc_ns_plan *) a->ns);
        if (r < 0) {
                fc_error_setm(&err, r, "close the runtime's file descriptors");
                fc_sync_send_error(a->sync_fd, &err);
                _exit(1);
        }
        if (setup(a, &env, &exe, &err) < 0) {
                fc_sync_send_error(a->sync_fd, &err);
                _exit(1);
        }
        /* From here on the runtime may exit: do not die with it. */
        prctl(PR_SET_PDEATHSIG, 0);
        if (fc_sync_send(a->sync_fd, FC_SYNC_READY, (int) trees_used, NULL) < 0)
                _exit(1);
        close(a->sync_fd);

        fc_failpoint("init-fifo");
        if (a->fifo_fd >= 0) {
                /* Blocks until `start` writes a byte.  The fifo was opened
                 * read-write before we dropped privileges, so nothing has to
                 * be reopened by a process that may no longer be allowed to. */
                char c;
                ssize_t n;
                while ((n = read(a->fifo_fd, &c, 1)) < 0 && errno == EINTR)
                        ;
                if (n != 1)
                        _exit(1);
                close(a->fifo_fd);
        }
        if (run_child_hooks(a, FC_HOOK_START_CONTAINER, "created", &err) < 0)
                goto fail;
        fc_failpoint("init-exec");
        execve(exe, a->cfg->process->args, env);
        fc_error_setm(&err, -errno, "exec %s", exe);
fail:
        /* The runtime has exited by now; the container's stderr is the only
         * place left to say why it could not start.  The status is the
         * container's, as runc's init exits: 1. */
        dprintf(2, "flashcube: %s\n", err.msg ? err.msg : "container init failed");
        _exit(1);
}
