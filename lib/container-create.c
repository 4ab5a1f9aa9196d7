/* SPDX-License-Identifier: Apache-2.0
 *
 * `create`: from a bundle to an init blocked on exec.fifo.  The steps and
 * their undo, in order (DESIGN.md, "The flow a reader must be able to
 * follow"):
 *
 *   load + validate config ........ (nothing to undo)
 *   reserve <root>/<id> ........... remove the state dir
 *   create the cgroup ............. destroy it
 *   clone the init ................ SIGKILL it and reap it
 *   GO, hooks, READY .............. (covered by the above)
 *   state.json, pid file .......... (last: nothing can fail after)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/container-internal.h"
#include "lib/hooks.h"
#include "lib/idmap.h"
#include "lib/init.h"
#include "lib/namespace.h"
#include "lib/parts/devpool.h"
#include "lib/parts/parts.h"
#include "lib/parts/protocol.h"
#include "lib/parts/shelf.h"
#include "lib/process.h"
#include "lib/rootfs.h"
#include "lib/seccomp-notify.h"
#include "lib/seccomp.h"
#include "lib/spawn.h"
#include "lib/status.h"
#include "lib/sys.h"
#include "lib/terminal.h"

void fc_created_clear(struct fc_created *c)
{
        if (c->pidfd >= 0)
                close(c->pidfd);
        if (c->dirfd >= 0)
                close(c->dirfd);
        if (c->console_master >= 0)
                close(c->console_master);
        c->console_master = -1;
        fc_seccomp_free(c->seccomp);
        c->seccomp = NULL;
        fc_cgroup_free(c->cg);
        c->cg = NULL;
        fc_state_free(c->state);
        fc_config_free(c->cfg);
        c->pidfd = c->dirfd = -1;
        c->state = NULL;
        c->cfg = NULL;
}

int fc_state_set_status(struct fc_state *s, const char *status, fc_error_t *err)
{
        char *n = strdup(status);
        if (n == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        free(s->status);
        s->status = n;
        return 0;
}

/* Read config.json once: the bytes parsed are the bytes saved for later
 * commands, so a bundle edited (or swapped for a FIFO) meanwhile changes
 * nothing. */
static struct fc_config *load_config(char **ret_text, size_t *ret_len, fc_error_t *err)
{
        size_t len = 0;
        fc_error_t e = FC_ERROR_INIT;
        char *text = fc_json_read_file("config.json", &len, &e);
        if (text == NULL) {
                /* runc's text for the common case, the reader's otherwise. */
                if (e.status == -ENOENT) {
                        fc_error_clear(&e);
                        fc_error_set(err, -ENOENT, "JSON specification file config.json not found");
                } else {
                        *err = e;
                        fc_error_wrap(err, "config.json");
                }
                return NULL;
        }
        struct fc_config *cfg = fc_config_parse(text, len, err);
        if (cfg == NULL) {
                free(text);
                fc_error_wrap(err, "config.json");
                return NULL;
        }
        *ret_text = text;
        *ret_len = len;
        return cfg;
}

static bool sys_flag_is(const char *path, char want)
{
        char c = 0;
        cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
        return fd >= 0 && read(fd, &c, 1) == 1 && c == want;
}

bool fc_apparmor_enabled(void)
{
        return sys_flag_is("/sys/module/apparmor/parameters/enabled", 'Y');
}

static bool selinux_enabled(void)
{
        return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

/* Checks that are about what this runtime supports rather than JSON shape. */
static int validate_config(const struct fc_config *cfg, const struct fc_create_opts *o,
                           bool foreground, fc_error_t *err)
{
        if (cfg->root == NULL || cfg->root->path == NULL || cfg->root->path[0] == '\0')
                return fc_error_set(err, -EINVAL, "root.path: required");
        if (cfg->process == NULL)
                return fc_error_set(err, -EINVAL, "process: required");
        if (cfg->process->n_args == 0)
                return fc_error_set(err, -EINVAL, "process.args: must not be empty");
        const struct fc_process *p = cfg->process;
        for (size_t i = 0; i < p->n_env; i++)
                if (fc_process_env_check(p->env[i], err) < 0)
                        return err->status;
        /* Security labels this host cannot honour are refused, not dropped. */
        if (p->apparmor_profile && p->apparmor_profile[0] && !fc_apparmor_enabled())
                return fc_error_set(err, -EOPNOTSUPP,
                                    "process.apparmorProfile: \"%s\" is specified, but AppArmor "
                                    "is not enabled on this system",
                                    p->apparmor_profile);
        if (p->selinux_label && p->selinux_label[0] && !selinux_enabled())
                return fc_error_set(err, -EOPNOTSUPP,
                                    "process.selinuxLabel: specified, but SELinux is not enabled "
                                    "on this system");
        if (cfg->linux_ && cfg->linux_->mount_label && cfg->linux_->mount_label[0] &&
            !selinux_enabled())
                return fc_error_set(err, -EOPNOTSUPP,
                                    "linux.mountLabel: specified, but SELinux is not enabled on "
                                    "this system");
        if (p->selinux_label && p->selinux_label[0])
                return fc_error_set(err, -EOPNOTSUPP,
                                    "process.selinuxLabel: SELinux labels are not supported yet");
        if (cfg->linux_ && cfg->linux_->intel_rdt)
                return fc_error_set(err, -EOPNOTSUPP,
                                    "linux.intelRdt: Intel RDT is not supported yet");
        /* runc's rules and texts: a terminal needs somewhere to go. */
        if (cfg->process->terminal && o->console_socket == NULL && !foreground)
                return fc_error_set(err, -EINVAL,
                                    "cannot allocate tty if runc will detach without setting "
                                    "console socket");
        if (!cfg->process->terminal && o->console_socket != NULL)
                return fc_error_set(err, -EINVAL,
                                    "cannot use console socket if runc will not detach or "
                                    "allocate tty");
        return 0;
}

static char *resolve_rootfs(const struct fc_config *cfg, const char *bundle, fc_error_t *err)
{
        cleanup_free char *joined = NULL;
        const char *p = cfg->root->path;
        if (p[0] != '/') {
                if (asprintf(&joined, "%s/%s", bundle, p) < 0) {
                        fc_error_set(err, -ENOMEM, "out of memory");
                        return NULL;
                }
                p = joined;
        }
        char *real = realpath(p, NULL);
        if (real == NULL) {
                fc_error_setm(err, -errno, "root.path: %s", p);
                return NULL;
        }
        struct stat st;
        if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
                fc_error_set(err, -ENOTDIR, "root.path: %s is not a directory", real);
                free(real);
                return NULL;
        }
        return real;
}

/* --pid-file: its temporary file is made before anything else, so that a
 * path that cannot be written fails the create before the init exists
 * (`run` starts the process as soon as the init is ready); the pid goes in
 * at the end, renamed into place.  Removed at scope exit unless renamed. */
struct pid_file {
        char *path, *tmp;
        int fd;
};

static void pid_file_clear(struct pid_file *p)
{
        if (p->fd >= 0) {
                close(p->fd);
                unlink(p->tmp);
        }
        free(p->path);
        free(p->tmp);
}

static int pid_file_open(struct pid_file *p, fc_error_t *err)
{
        if (asprintf(&p->tmp, "%s.fctmp", p->path) < 0) {
                p->tmp = NULL;
                return fc_error_set(err, -ENOMEM, "out of memory");
        }
        unlink(p->tmp);
        p->fd = open(p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (p->fd < 0)
                return fc_error_setm(err, -errno, "write pid file %s", p->path);
        return 0;
}

static int pid_file_commit(struct pid_file *p, pid_t pid, fc_error_t *err)
{
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", (int) pid);
        if (write(p->fd, buf, (size_t) n) != n)
                return fc_error_setm(err, errno ? -errno : -EIO, "write pid file %s", p->path);
        if (rename(p->tmp, p->path) < 0)
                return fc_error_setm(err, -errno, "write pid file %s", p->path);
        close(p->fd);
        p->fd = -1;
        return 0;
}

/* Copy the config into the state dir when delete will need it (poststop
 * hooks): the bundle may be gone by then. */
/* Save the config into the state dir when later commands need it (the
 * poststart and poststop hooks): the bundle may be gone or changed. */
static int save_config(int dirfd, struct fc_state *st, const struct fc_config *cfg,
                       const char *text, size_t len, const char *root, fc_error_t *err)
{
        if (cfg->hooks == NULL || (cfg->hooks->n_hooks[FC_HOOK_POSTSTOP] == 0 &&
                                   cfg->hooks->n_hooks[FC_HOOK_POSTSTART] == 0))
                return 0;
        cleanup_close int out = openat(dirfd, "config.json",
                                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return fc_error_setm(err, -errno, "save config.json");
        size_t off = 0;
        while (off < len) {
                ssize_t n = write(out, text + off, len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return fc_error_setm(err, -errno, "save config.json");
                off += (size_t) n;
        }
        if (asprintf(&st->config_path, "%s/%s/config.json", root, st->id) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        return 0;
}

static struct fc_state *new_state(const char *id, const char *bundle, const char *rootfs,
                                  const struct fc_config *cfg, fc_error_t *err)
{
        struct fc_state *s = calloc(1, sizeof(*s));
        if (s == NULL)
                goto oom;
        s->oci_version = strdup(cfg->oci_version ? cfg->oci_version : "1.2.0");
        s->id = strdup(id);
        s->status = strdup("creating");
        s->bundle = strdup(bundle);
        s->rootfs = strdup(rootfs);
        s->created = fc_status_timestamp();
        s->owner = strdup("");
        if (!s->oci_version || !s->id || !s->status || !s->bundle || !s->rootfs || !s->created ||
            !s->owner)
                goto oom;
        if (cfg->n_annotations) {
                s->annotations = calloc(cfg->n_annotations, sizeof(*s->annotations));
                if (s->annotations == NULL)
                        goto oom;
                s->n_annotations = cfg->n_annotations;
                for (size_t i = 0; i < cfg->n_annotations; i++) {
                        s->annotations[i].key = strdup(cfg->annotations[i].key);
                        s->annotations[i].value = strdup(cfg->annotations[i].value);
                        if (!s->annotations[i].key || !s->annotations[i].value)
                                goto oom;
                }
        }
        return s;
oom:
        fc_state_free(s);
        fc_error_set(err, -ENOMEM, "out of memory");
        return NULL;
}

/* pid and time namespaces apply to the children of the caller, so they are
 * entered (or, for a new time namespace, created and given its offsets) by
 * the parent right before clone3, and left again right after. */
struct parent_ns {
        int saved_pid;
        int saved_time;
};

static int write_time_offsets(const struct fc_config *cfg, fc_error_t *err)
{
        const struct fc_linux *lx = cfg->linux_;
        if (lx == NULL || lx->n_time_offsets == 0)
                return 0;
        cleanup_close int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return fc_error_setm(err, -errno, "open /proc/self/timens_offsets");
        for (size_t i = 0; i < lx->n_time_offsets; i++) {
                char line[128];
                int n = snprintf(line, sizeof(line), "%s %lld %u\n", lx->time_offsets[i].clock,
                                 (long long) lx->time_offsets[i].secs,
                                 lx->time_offsets[i].nanosecs);
                if (write(fd, line, (size_t) n) != n)
                        return fc_error_setm(err, -errno, "linux.timeOffsets: write \"%.*s\"",
                                             n - 1, line);
        }
        return 0;
}

static int parent_ns_enter(const struct fc_ns_plan *ns, const struct fc_config *cfg,
                           struct parent_ns *saved, fc_error_t *err)
{
        saved->saved_pid = saved->saved_time = -1;
        if (ns->mode[FC_NS_PID] == FC_NS_MODE_JOIN) {
                /* Our own pid namespace to come back to: a pidfd of ours
                 * names it for setns (Linux 5.8), without a path walk. */
                saved->saved_pid = fc_sys_pidfd_open(getpid(), 0);
                if (saved->saved_pid < 0)
                        saved->saved_pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
                if (saved->saved_pid < 0)
                        return fc_error_setm(err, -errno, "open /proc/self/ns/pid");
                if (setns(ns->fd[FC_NS_PID], CLONE_NEWPID) < 0)
                        return fc_error_setm(err, -errno, "join pid namespace %s",
                                             ns->path[FC_NS_PID]);
        }
        if (ns->mode[FC_NS_TIME] != FC_NS_MODE_SHARE) {
                saved->saved_time = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
                if (saved->saved_time < 0)
                        return fc_error_setm(err, -errno, "open /proc/self/ns/time");
                if (ns->mode[FC_NS_TIME] == FC_NS_MODE_JOIN) {
                        if (setns(ns->fd[FC_NS_TIME], CLONE_NEWTIME) < 0)
                                return fc_error_setm(err, -errno, "join time namespace %s",
                                                     ns->path[FC_NS_TIME]);
                } else {
                        if (unshare(CLONE_NEWTIME) < 0)
                                return fc_error_setm(err, -errno, "create time namespace");
                        int r = write_time_offsets(cfg, err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static void parent_ns_leave(struct parent_ns *saved)
{
        if (saved->saved_pid >= 0) {
                setns(saved->saved_pid, CLONE_NEWPID);
                close(saved->saved_pid);
                saved->saved_pid = -1;
        }
        if (saved->saved_time >= 0) {
                setns(saved->saved_time, CLONE_NEWTIME);
                close(saved->saved_time);
                saved->saved_time = -1;
        }
}

static void kill_and_reap(pid_t pid, int pidfd)
{
        if (pid <= 0)
                return;
        if (pidfd >= 0)
                fc_sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
        else
                kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

/* The init's mount namespace goes to the parts cache too: when the init
 * exits, the last reference is the cache's, and the teardown of every
 * mount in it (which waits for an RCU grace period, ~0.5 ms) happens
 * there, off the exit path `run`, the shim and `delete` wait on. */
static int open_mount_ns(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int) pid);
        return open(path, O_RDONLY | O_CLOEXEC);
}

static void prefer_init_error(int sync_fd, fc_error_t *err);

struct made_msg {
        int fd;
        const struct fc_cgroup *cg;
};

/* MADE's status is FC_SYNC_MADE_POOLED when the directories are the
 * pooled cgroup's (a cgroup tree leased with it binds them). */
static int send_made(void *data, fc_error_t *err)
{
        const struct made_msg *mm = data;
        int fd = mm->fd;
        int r = fc_sync_send(fd, FC_SYNC_MADE,
                             fc_cgroup_took_pooled(mm->cg) ? FC_SYNC_MADE_POOLED : 0, NULL);
        if (r < 0) {
                fc_error_setm(err, r, "signal container init");
                /* It died first: its own message says why. */
                prefer_init_error(fd, err);
                return err->status;
        }
        return 0;
}

/* Make the planned cgroup and record it (state.json, and the config when
 * delete needs it) before anything can crash, so that `delete` of a
 * half-created container finds it.  sync_fd >= 0: an init waits for its
 * cgroup's directories, told by MADE as soon as they exist (before the
 * limits are written). */
static int make_cgroup(const struct fc_context *ctx, struct fc_cgroup *cg,
                       const struct fc_resources *res, const char *pooled, int dirfd,
                       struct fc_state *st, const struct fc_config *cfg, const char *cfg_text,
                       size_t cfg_len, int sync_fd, fc_error_t *err)
{
        fc_trace(ctx, "cgroup-make");
        /* Recorded before any directory exists: a runtime killed while it
         * makes them leaves nothing `delete` cannot find. */
        fc_cgroup_claim_missing(cg);
        free(st->cgroup);
        st->cgroup = fc_cgroup_serialize(cg, err);
        if (st->cgroup == NULL || fc_status_write(dirfd, st, err) < 0)
                return err->status;
        struct made_msg mm = {.fd = sync_fd, .cg = cg};
        if (fc_cgroup_make_from(cg, res, pooled, sync_fd >= 0 ? send_made : NULL, &mm, err) < 0)
                return err->status;
        fc_trace(ctx, "cgroup-made");
        /* After make the record says which directories are ours; it is
         * written again only when that differs from the claim (a racing
         * creator made one of them), so the usual create writes it once. */
        char *made = fc_cgroup_serialize(cg, err);
        bool rewrite = made != NULL && strcmp(made, st->cgroup) != 0;
        if (made != NULL) {
                free(st->cgroup);
                st->cgroup = made;
        }
        if (made == NULL || (rewrite && fc_status_write(dirfd, st, err) < 0) ||
            save_config(dirfd, st, cfg, cfg_text, cfg_len, ctx->root, err) < 0) {
                fc_error_t e2 = FC_ERROR_INIT;
                if (fc_cgroup_destroy(cg, &e2) < 0)
                        fc_error_append(err, &e2);
                return err->status;
        }
        return 0;
}

/* The init may have failed on its own while we worked on its cgroup: its
 * message says why, better than ours (ESRCH).  Only a message already
 * there is read; a live init is not waited for. */
static void prefer_init_error(int sync_fd, fc_error_t *err)
{
        struct pollfd p = {.fd = sync_fd, .events = POLLIN};
        if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
                return;
        struct fc_sync_msg *m = malloc(sizeof(*m));
        fc_error_t e2 = FC_ERROR_INIT;
        if (m != NULL && fc_sync_recv(sync_fd, m, &e2) == 0 && m->type == FC_SYNC_ERROR) {
                fc_error_clear(err);
                fc_error_set(err, m->status < 0 ? m->status : -EIO, "%s", m->text);
        }
        fc_error_clear(&e2);
        free(m);
}

/* What create plans before it reserves the id: the cgroup and the lease
 * in flight.  Dropped on a return before they are taken over. */
struct early_lease {
        struct fc_cgroup *cg;
        struct fc_parts_pending pending;
        unsigned long cgtree_flags;      /* of a cgroup tree asked for */
        char *cgtree_park;               /* and where the init parks it (and a /dev tree) */
        size_t devtree_first, devtree_n; /* the mounts a /dev tree asked for covers */
        size_t proctree_index;           /* the proc mount a /proc tree asked for covers */
        int shelf_tree, shelf_pidns;     /* a /proc tree and its pid namespace from the shelf */
};

/* Whether the init's "/" is a slave (rootfsPropagation "slave", "rslave"
 * or none), as the namespace the cache builds its trees in: with another
 * propagation the binds of a tree would differ from the cold path's, and a
 * shared root would carry the tree the init parks outside the rootfs
 * (lib/rootfs.c, park_tree) over to the host. */
static bool slave_root(const struct fc_config *cfg)
{
        const char *prop = cfg->linux_ ? cfg->linux_->rootfs_propagation : NULL;
        return prop == NULL || prop[0] == '\0' || strcmp(prop, "slave") == 0 ||
               strcmp(prop, "rslave") == 0;
}

/* Whether a cache's cgroup tree (FC_PART_CGTREE) can stand in for the
 * config's cgroup mount, and its flags: the first mount of type cgroup (or
 * cgroup2: on a v1 host the same) is not a bind, and the container has a
 * mount namespace but no cgroup or user namespace of its own, so that the
 * init would build the tree of binds fc_cgroup_v1_bind_tree builds. */
static bool cgtree_wanted(const struct fc_config *cfg, const struct fc_ns_plan *ns,
                          unsigned long *ret_flags)
{
        if (ns->mode[FC_NS_MOUNT] != FC_NS_MODE_NEW || ns->mode[FC_NS_CGROUP] != FC_NS_MODE_SHARE ||
            ns->mode[FC_NS_USER] != FC_NS_MODE_SHARE)
                return false;
        if (!slave_root(cfg))
                return false;
        for (size_t i = 0; i < cfg->n_mounts; i++) {
                const struct fc_mount *m = &cfg->mounts[i];
                if (m->type == NULL ||
                    (strcmp(m->type, "cgroup") != 0 && strcmp(m->type, "cgroup2") != 0))
                        continue;
                struct fc_mount_plan plan;
                fc_error_t e = FC_ERROR_INIT;
                if (fc_mount_plan_from_entry(m, &plan, &e) < 0) {
                        fc_error_clear(&e);
                        return false;
                }
                bool ok = !plan.bind;
                *ret_flags = plan.flags & FC_CGROUP_MOUNT_FLAGS;
                fc_mount_plan_clear(&plan);
                return ok;
        }
        return false;
}

static void early_lease_drop(struct early_lease *e)
{
        free(e->cgtree_park);
        if (e->shelf_tree >= 0)
                close(e->shelf_tree);
        if (e->shelf_pidns >= 0)
                close(e->shelf_pidns);
        fc_cgroup_free(e->cg);
        fc_parts_lease_abandon(&e->pending);
}

/* The parent's half of the sync protocol: GO, then (await_ready) what the
 * init asks for until READY. */
static int send_go(int sync_fd, pid_t pid, bool unshare_cgroupns, fc_error_t *err)
{
        /* GO carries the init's pid as the host sees it (for hooks' state)
         * and whether it must create its cgroup namespace itself. */
        int r = fc_sync_send(sync_fd, FC_SYNC_GO, (int) pid,
                             unshare_cgroupns ? FC_SYNC_GO_UNSHARE_CGROUPNS : NULL);
        if (r < 0) {
                fc_error_setm(err, r, "signal container init");
                prefer_init_error(sync_fd, err);
                return err->status;
        }
        return 0;
}

static int await_ready(const struct fc_context *ctx, int sync_fd, pid_t *pidp, int *pidfdp,
                       const struct fc_config *cfg, struct fc_state *st, fc_error_t *err)
{
        pid_t pid = *pidp;
        int r = 0;
        struct fc_sync_msg *m = malloc(sizeof(*m));
        if (m == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        for (;;) {
                int notify_fd = -1;
                size_t n_fds = 0;
                r = fc_sync_recv_fds_spin(sync_fd, m, &notify_fd, 1, &n_fds, FC_SPIN_NS, err);
                if (r < 0)
                        break;
                if (notify_fd >= 0 && m->type != FC_SYNC_SECCOMP_FD) {
                        close(notify_fd);
                        notify_fd = -1;
                }
                if (m->type == FC_SYNC_READY) {
                        /* Its status: the trees of the cache it moved in. */
                        if (m->status & FC_PART_CGTREE)
                                fc_log(ctx, FC_LOG_DEBUG, "init: /sys/fs/cgroup from the cache");
                        if (m->status & FC_PART_DEVTREE)
                                fc_log(ctx, FC_LOG_DEBUG, "init: /dev from the cache");
                        if (m->status & FC_PART_PROCTREE)
                                fc_log(ctx, FC_LOG_DEBUG, "init: /proc from the cache");
                        break;
                } else if (m->type == FC_SYNC_SECCOMP_FD) {
                        /* The agent gets the state of a container "creating". */
                        st->pid = pid;
                        r = fc_state_set_status(st, "creating", err);
                        if (r == 0)
                                r = fc_seccomp_notify_relay(
                                        sync_fd, notify_fd,
                                        cfg->linux_ ? cfg->linux_->seccomp : NULL, st, pid, err);
                        else
                                close(notify_fd);
                        notify_fd = -1;
                        if (r < 0)
                                break;
                } else if (m->type == FC_SYNC_PID && m->status > 0) {
                        /* The first child forked the real init and exits. */
                        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                                ;
                        pid = *pidp = (pid_t) m->status;
                        if (*pidfdp >= 0)
                                close(*pidfdp);
                        *pidfdp = fc_sys_pidfd_open(pid, 0);
                } else if (m->type == FC_SYNC_ERROR) {
                        r = fc_error_set(err, m->status < 0 ? m->status : -EIO, "%s", m->text);
                        break;
                } else if (m->type == FC_SYNC_HOOKS) {
                        fc_trace(ctx, "hooks-createRuntime");
                        st->pid = pid;
                        cleanup_free char *json = fc_state_to_oci_json(st, false, err);
                        if (json == NULL) {
                                r = err->status;
                                break;
                        }
                        const struct fc_hooks *h = cfg->hooks;
                        r = fc_hooks_run(h->hooks[FC_HOOK_PRESTART], h->n_hooks[FC_HOOK_PRESTART],
                                         "prestart", json, err);
                        if (r == 0)
                                r = fc_hooks_run(h->hooks[FC_HOOK_CREATE_RUNTIME],
                                                 h->n_hooks[FC_HOOK_CREATE_RUNTIME],
                                                 "createRuntime", json, err);
                        if (r < 0)
                                break;
                        r = fc_sync_send(sync_fd, FC_SYNC_HOOKS_DONE, 0, NULL);
                        if (r < 0) {
                                fc_error_setm(err, r, "signal container init");
                                break;
                        }
                } else {
                        r = fc_error_set(err, -EPROTO, "unexpected message %u from init", m->type);
                        break;
                }
        }
        free(m);
        return r;
}

/* The cache's answer to the lease: the namespaces it granted go into the
 * plan (joined by fd), its trees to *cgtree_fd and *devtree_fd, the pooled
 * cgroup's name to pooled_cg (FC_PARTS_CG_NAME_MAX bytes).  Fails only
 * for memory, with everything but pooled_cg released. */
static int take_lease(const struct fc_context *ctx, struct fc_parts_pending *pending,
                      struct fc_ns_plan *ns, struct fc_state *st, char *pooled_cg, int *cgtree_fd,
                      int *devtree_fd, int *proctree_fd, uint32_t *leased, bool *cache_up,
                      fc_error_t *err)
{
        struct fc_parts_lease lease;
        fc_parts_lease_end(ctx, pending, &lease);
        *cache_up = lease.granted != 0 || lease.cgroup[0] != '\0';
        memcpy(pooled_cg, lease.cgroup, sizeof(lease.cgroup));
        /* The cgroup goes where that cache pools: if it takes cgroups back
         * (a name marked so), it can remove this one too (lib/parts/parts.h).
         * Its name prefix is the pooled name's up to the serial number. */
        const char *serial = strrchr(pooled_cg, '-');
        if (serial != NULL && serial[1] == FC_PARTS_CG_RETIRABLE &&
            (st->cgroup_pool = strndup(pooled_cg, (size_t) (serial - pooled_cg) + 1)) == NULL) {
                fc_parts_lease_clear(&lease);
                return fc_error_set(err, -ENOMEM, "out of memory");
        }
        *cgtree_fd = steal_fd(&lease.cgtree_fd);
        *devtree_fd = steal_fd(&lease.devtree_fd);
        /* A pid namespace is only of use before the clone (proctree_fd
         * given): the runtime enters it then (parent_ns_enter). */
        if (proctree_fd != NULL && lease.proctree_fd >= 0) {
                *proctree_fd = steal_fd(&lease.proctree_fd);
                fc_ns_plan_take_leased(ns, FC_NS_PID, &lease.pidns_fd);
        } else {
                lease.granted &= ~(uint32_t) (FC_PART_PIDNS | FC_PART_PROCTREE);
        }
        *leased = lease.granted;
        fc_ns_plan_take_leased(ns, FC_NS_NETWORK, &lease.net_fd);
        fc_ns_plan_take_leased(ns, FC_NS_IPC, &lease.ipc_fd);
        fc_ns_plan_take_leased(ns, FC_NS_UTS, &lease.uts_fd);
        fc_parts_lease_clear(&lease);
        return 0;
}

/* <root>/<id>, ours: its fd, also in ret->dirfd, and *reserved set. */
static int reserve_id(const struct fc_context *ctx, const char *id, struct fc_created *ret,
                      bool *reserved, fc_error_t *err)
{
        fc_trace(ctx, "reserve");
        int dirfd = fc_status_reserve(ctx->root, id, err);
        if (dirfd < 0)
                return dirfd;
        ret->dirfd = dirfd;
        *reserved = true;
        return dirfd;
}

/* exec.fifo in the state dir, opened O_RDWR: that never blocks on a FIFO
 * and keeps a reader alive; `start` opens the other end non-blocking and
 * writes one byte. */
static int make_fifo(int dirfd, int *ret_fd, fc_error_t *err)
{
        if (mkfifoat(dirfd, FC_EXEC_FIFO, 0622) < 0)
                return fc_error_setm(err, -errno, "create exec.fifo");
        *ret_fd = openat(dirfd, FC_EXEC_FIFO, O_RDWR | O_CLOEXEC);
        if (*ret_fd < 0)
                return fc_error_setm(err, -errno, "prepare container init");
        return 0;
}

/* PARTS to an init cloned early: the granted namespaces (we keep ours, to
 * hand them back), the trees (the init's now: ours are closed) and
 * exec.fifo. */
static int send_parts(int sync_fd, const struct fc_ns_plan *ns, uint32_t leased, int *cgtree_fd,
                      int *devtree_fd, int fifo_fd, fc_error_t *err)
{
        int fds[FC_SYNC_PART_COUNT];
        size_t n = 0;
        int bits = 0;
        static const struct {
                uint32_t part;
                enum fc_ns_type t;
                int bit;
        } kinds[] = {
                {FC_PART_NET, FC_NS_NETWORK, FC_SYNC_PART_NET},
                {FC_PART_IPC, FC_NS_IPC, FC_SYNC_PART_IPC},
                {FC_PART_UTS, FC_NS_UTS, FC_SYNC_PART_UTS},
        };
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
                if ((leased & kinds[i].part) && ns->fd[kinds[i].t] >= 0) {
                        fds[n++] = ns->fd[kinds[i].t];
                        bits |= kinds[i].bit;
                }
        }
        if (*cgtree_fd >= 0) {
                fds[n++] = *cgtree_fd;
                bits |= FC_SYNC_PART_CGTREE;
        }
        if (*devtree_fd >= 0) {
                fds[n++] = *devtree_fd;
                bits |= FC_SYNC_PART_DEVTREE;
        }
        if (fifo_fd >= 0) {
                fds[n++] = fifo_fd;
                bits |= FC_SYNC_PART_FIFO;
        }
        int r = fc_sync_send_fds(sync_fd, FC_SYNC_PARTS, bits, NULL, fds, n);
        if (*cgtree_fd >= 0)
                close(steal_fd(cgtree_fd));
        if (*devtree_fd >= 0)
                close(steal_fd(devtree_fd));
        if (r < 0)
                return fc_error_setm(err, r, "send the container init its parts");
        return 0;
}

int fc_container_create_internal(const struct fc_context *ctx, const struct fc_create_opts *o,
                                 bool foreground, bool autostart, struct fc_created *ret,
                                 fc_error_t *err)
{
        int r;
        ret->pid = 0;
        ret->pidfd = ret->dirfd = ret->console_master = -1;
        ret->seccomp = NULL;
        ret->state = NULL;
        ret->cfg = NULL;
        ret->cg = NULL;

        r = fc_status_validate_id(o->id, err);
        if (r < 0)
                return r;
        /* The preserved range must be the caller's fds.  A hole in it would
         * be filled by one of ours (the state dir, a socket) and handed to
         * the container; runc does hand it over, we refuse. */
        for (unsigned int i = 0; i < o->preserve_fds; i++)
                if (fcntl(3 + (int) i, F_GETFD) < 0)
                        return fc_error_set(err, -EBADF,
                                            "--preserve-fds %u: file descriptor %u is not open",
                                            o->preserve_fds, 3 + i);
        /* A relative --pid-file is relative to where we were called, not
         * to the bundle we are about to chdir into. */
        __attribute__((cleanup(pid_file_clear))) struct pid_file pid_file = {NULL, NULL, -1};
        if (o->pid_file && o->pid_file[0] != '/') {
                cleanup_free char *cwd = getcwd(NULL, 0);
                if (cwd == NULL || asprintf(&pid_file.path, "%s/%s", cwd, o->pid_file) < 0)
                        return fc_error_setm(err, -errno ? -errno : -ENOMEM, "--pid-file %s",
                                             o->pid_file);
        } else if (o->pid_file) {
                pid_file.path = strdup(o->pid_file);
                if (pid_file.path == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
        }
        if (pid_file.path && pid_file_open(&pid_file, err) < 0)
                return err->status;
        const char *bundle_arg = o->bundle && o->bundle[0] ? o->bundle : ".";
        if (chdir(bundle_arg) < 0)
                return fc_error_setm(err, -errno, "chdir %s", bundle_arg);
        cleanup_free char *bundle = getcwd(NULL, 0);
        if (bundle == NULL)
                return fc_error_setm(err, -errno, "getcwd");

        fc_trace(ctx, "load-config");
        cleanup_free char *cfg_text = NULL;
        size_t cfg_len = 0;
        struct fc_config *cfg = load_config(&cfg_text, &cfg_len, err);
        if (cfg == NULL)
                return err->status;
        ret->cfg = cfg;
        fc_trace(ctx, "validate");
        r = validate_config(cfg, o, foreground, err);
        if (r < 0)
                return r;
        struct fc_ns_plan ns;
        r = fc_ns_plan_build(cfg, &ns, err);
        if (r < 0)
                return r;

        /* The cgroup's plan, and the lease asked for now: the cache answers
         * while we plan the process and reserve the id. */
        fc_trace(ctx, "cgroup");
        const struct fc_resources *res = cfg->linux_ ? cfg->linux_->resources : NULL;
        __attribute__((cleanup(early_lease_drop))) struct early_lease early = {
                .pending.fd = -1, .shelf_tree = -1, .shelf_pidns = -1};
        char mounts_file[PATH_MAX];
        bool keep_mounts = snprintf(mounts_file, sizeof(mounts_file), "%s/" FC_CGROUP_MOUNTS_FILE,
                                    ctx->root) < (int) sizeof(mounts_file);
        early.cg = fc_cgroup_plan(cfg->linux_ ? cfg->linux_->cgroups_path : NULL, o->id,
                                  ctx->systemd_cgroup, res, keep_mounts ? mounts_file : NULL, err);
        if (early.cg == NULL)
                return err->status;
        /* On v1 and hybrid hosts moving the init into its cgroup waits for
         * an RCU grace period (the cgroup threadgroup rwsem): milliseconds.
         * So there the init is cloned first and sets up its namespaces and
         * mounts while we make its cgroup and move it in; it waits for GO
         * only where it needs the cgroup.  Pure v2 clones straight into an
         * existing cgroup instead, and an init with a user namespace of its
         * own must wait for its id maps anyway: cgroup first there. */
        bool cgroup_first = fc_cgroup_is_v2(early.cg) || ns.mode[FC_NS_USER] != FC_NS_MODE_SHARE;
        uint32_t want = 0;
        {
                /* Parts: namespaces the config wants new come from the cache
                 * when it has them (a miss just leaves them to be created by
                 * clone3).  With a user namespace of its own the others must
                 * be owned by it: no lease. */
                if (ns.mode[FC_NS_USER] == FC_NS_MODE_SHARE) {
                        if (ns.mode[FC_NS_NETWORK] == FC_NS_MODE_NEW)
                                want |= FC_PART_NET;
                        if (ns.mode[FC_NS_IPC] == FC_NS_MODE_NEW)
                                want |= FC_PART_IPC;
                        if (ns.mode[FC_NS_UTS] == FC_NS_MODE_NEW)
                                want |= FC_PART_UTS;
                }
                /* A cgroup made later (v1) can be a pooled one, renamed into
                 * place. */
                char *cg_key =
                        cgroup_first || ctx->systemd_cgroup ? NULL : fc_cgroup_pool_key(early.cg);
                /* Trees ready made (the cgroup mount's, /dev), which the
                 * init parks in the cache's directory for them: only into a
                 * mount namespace of its own, with the old root detached at
                 * pivot, and a slave "/" as the cache's (slave_root). */
                char *dev_key = NULL, *proc_key = NULL;
                if (!o->no_pivot && ctx->cache_socket != NULL && ctx->cache_socket[0] == '/' &&
                    ns.mode[FC_NS_MOUNT] == FC_NS_MODE_NEW &&
                    ns.mode[FC_NS_USER] == FC_NS_MODE_SHARE && slave_root(cfg) &&
                    (early.cgtree_park =
                             fc_parts_sibling_path(ctx->cache_socket, FC_PARTS_TREE_DIR)) != NULL) {
                        if (cg_key != NULL && cgtree_wanted(cfg, &ns, &early.cgtree_flags))
                                want |= FC_PART_CGTREE;
                        dev_key = fc_devtree_key(cfg, &early.devtree_first, &early.devtree_n);
                        if (dev_key != NULL)
                                want |= FC_PART_DEVTREE;
                        /* A new pid namespace and its /proc, ready made: from
                         * the shelf (lib/parts/shelf.h), without waiting for
                         * the cache; else over the socket where the lease
                         * comes before the clone, which enters it.  Where it
                         * comes after, the key only tells the cache what to
                         * put on the shelf. */
                        /* No shelf, no such parts (a kernel whose procfs
                         * takes no pidns): the key is not even made. */
                        struct fc_shelf_header *shelf =
                                ns.mode[FC_NS_PID] == FC_NS_MODE_NEW && !ctx->no_cache
                                        ? fc_shelf_map(ctx->cache_socket)
                                        : NULL;
                        if (shelf != NULL &&
                            (proc_key = fc_proctree_key(cfg, &early.proctree_index)) != NULL) {
                                if (fc_shelf_take(shelf, proc_key, &early.shelf_tree,
                                                  &early.shelf_pidns) == 0) {
                                        free(proc_key);
                                        proc_key = NULL;
                                } else if (cgroup_first) {
                                        want |= FC_PART_PIDNS | FC_PART_PROCTREE;
                                }
                        }
                        fc_shelf_unmap(shelf);
                }
                fc_trace(ctx, "lease");
                fc_parts_lease_begin(ctx, want, cg_key, early.cgtree_flags, dev_key, proc_key, true,
                                     &early.pending); /* takes cg_key */
                free(dev_key);
                free(proc_key);
        }

        /* Freed when create returns; the init has its own copy (clone3
         * without CLONE_VM) and never returns here. */
        __attribute__((cleanup(fc_process_plan_clear))) struct fc_process_plan pplan;
        memset(&pplan, 0, sizeof(pplan));
        fc_trace(ctx, "process-plan");
        r = fc_process_plan_build(cfg, &pplan, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < pplan.n_warnings; i++)
                fc_log(ctx, FC_LOG_WARN, "%s", pplan.warnings[i]);
        /* Taken relative to the rootfs, with runc's warning. */
        for (size_t i = 0; i < cfg->n_mounts; i++) {
                const char *d = cfg->mounts[i].destination;
                if (d != NULL && d[0] != '\0' && d[0] != '/')
                        fc_log(ctx, FC_LOG_WARN,
                               "mount destination %s is not absolute. Support for non-absolute "
                               "mount destinations will be removed in a future release.",
                               d);
        }
        cleanup_free char *rootfs = resolve_rootfs(cfg, bundle, err);
        if (rootfs == NULL)
                return err->status;
        if (ctx->systemd_cgroup && cfg->linux_ && cfg->linux_->cgroups_path &&
            strchr(cfg->linux_->cgroups_path, ':') == NULL)
                return fc_error_set(err, -EINVAL,
                                    "linux.cgroupsPath: expected \"slice:prefix:name\" for "
                                    "systemd cgroups, got \"%s\"",
                                    cfg->linux_->cgroups_path);

        /* The filter is compiled here, before anything is created, and from
         * the cache of compiled profiles when this profile was seen before;
         * the init only loads it. */
        struct fc_seccomp_filter *filter = NULL;
        if (cfg->linux_ && cfg->linux_->seccomp) {
                fc_trace(ctx, "seccomp");
                filter = fc_seccomp_build_cached(cfg->linux_->seccomp, NULL, err);
                if (filter == NULL)
                        return err->status ? err->status : -EINVAL;
        }
        ret->seccomp = filter;

        /* Where the init is cloned before its cgroup is made (v1), it is
         * cloned before the cache's answer too: it sets its rootfs up to
         * the first mount that needs a part (the proc mount goes first)
         * while we reserve the id and take the lease, and gets the parts
         * with PARTS (lib/spawn.h).  The namespaces it was to get from
         * the cache are left out of the clone: it creates a missed one
         * itself. */
        bool early_clone =
                !cgroup_first && ns.mode[FC_NS_MOUNT] == FC_NS_MODE_NEW && early.pending.fd >= 0;
        int deferred = 0;
        if (early_clone)
                deferred = ((want & FC_PART_NET) ? CLONE_NEWNET : 0) |
                           ((want & FC_PART_IPC) ? CLONE_NEWIPC : 0) |
                           ((want & FC_PART_UTS) ? CLONE_NEWUTS : 0);
        bool reserved = false, lease_taken = !early_clone;
        int dirfd = -1;
        if (!early_clone && (dirfd = reserve_id(ctx, o->id, ret, &reserved, err)) < 0)
                return dirfd;
        struct fc_state *st = new_state(o->id, bundle, rootfs, cfg, err);
        if (st == NULL)
                goto undo_state;
        ret->state = st;

        struct fc_cgroup *cg = early.cg;
        early.cg = NULL;
        bool cgroup_made = false;
        /* The name of a pooled cgroup leased for this one, "" when none. */
        char pooled_cg[sizeof(((struct fc_parts_lease *) 0)->cgroup)] = "";
        /* The cgroup tree leased with it (FC_PART_CGTREE), and a /dev tree
         * (FC_PART_DEVTREE), for the init. */
        int cgtree_fd = -1, devtree_fd = -1;
        /* and a /proc tree for the pid namespace leased (FC_PART_PROCTREE). */
        int proctree_fd = -1;
        st->systemd_cgroup = ctx->systemd_cgroup;
        if (cgroup_first) {
                if (make_cgroup(ctx, cg, res, NULL, dirfd, st, cfg, cfg_text, cfg_len, -1, err) < 0)
                        goto undo_cgroup;
                cgroup_made = true;
        }

        /* What the cache granted goes back to it after READY. */
        uint32_t leased = 0;
        bool cache_up = false;
        if (lease_taken && take_lease(ctx, &early.pending, &ns, st, pooled_cg, &cgtree_fd,
                                      &devtree_fd, &proctree_fd, &leased, &cache_up, err) < 0) {
                fc_cgroup_drop_pooled(cg, pooled_cg);
                fc_cgroup_free(cg);
                goto undo_state;
        }
        if (early.shelf_tree >= 0) {
                /* (Never with one from the lease too: only asked without.) */
                proctree_fd = steal_fd(&early.shelf_tree);
                fc_ns_plan_take_leased(&ns, FC_NS_PID, &early.shelf_pidns);
        }
        struct fc_idmap_mounts idmap = {NULL, 0};
        if (fc_ns_plan_open(&ns, err) < 0 || fc_idmap_prepare(cfg, &ns, &idmap, err) < 0)
                goto undo_ns;
        int fifo_fd = -1;
        if (!autostart && !early_clone && make_fifo(dirfd, &fifo_fd, err) < 0)
                goto undo_ns;
        int sv[2] = {-1, -1};
        int console[2] = {-1, -1};
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                fc_error_setm(err, -errno, "prepare container init");
                goto undo_fds;
        }

        /* The init sends the pty master to the console socket, or to us
         * (run in the foreground) through a socketpair. */
        if (cfg->process->terminal) {
                if (o->console_socket) {
                        console[1] = fc_terminal_connect(o->console_socket, err);
                        if (console[1] < 0)
                                goto undo_fds;
                } else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) {
                        fc_error_setm(err, -errno, "console socketpair");
                        goto undo_fds;
                }
        }
        int cg_fd = cgroup_made ? fc_cgroup_v2_dirfd(cg) : -1;
        bool cgroup_in_clone = cg_fd >= 0;
        struct parent_ns saved;
        int r_enter = parent_ns_enter(&ns, cfg, &saved, err);
        if (r_enter < 0 && proctree_fd >= 0) {
                /* A pid namespace from the cache we may not enter (a cache
                 * in a pid namespace that is not ours or below): a miss,
                 * the clone makes one, the init its /proc. */
                parent_ns_leave(&saved);
                fc_log(ctx, FC_LOG_DEBUG, "parts cache miss: %s", err->msg);
                fc_error_clear(err);
                close(steal_fd(&proctree_fd));
                close(steal_fd(&ns.fd[FC_NS_PID]));
                ns.mode[FC_NS_PID] = FC_NS_MODE_NEW;
                ns.path[FC_NS_PID] = NULL;
                r_enter = parent_ns_enter(&ns, cfg, &saved, err);
        }
        if (r_enter < 0) {
                parent_ns_leave(&saved);
                goto undo_fds;
        }
        struct fc_init_args args = {
                .cfg = cfg,
                .ns = &ns,
                .pplan = &pplan,
                .cgroup = cg,
                .state = st,
                .rootfs = rootfs,
                .sync_fd = sv[1],
                .fifo_fd = fifo_fd,
                .console_fd = console[1],
                .seccomp = filter,
                .idmap = &idmap,
                .no_pivot = o->no_pivot,
                .no_new_keyring = o->no_new_keyring,
                .preserve_fds = o->preserve_fds,
                .go_late = !cgroup_first,
                .early = early_clone,
                .deferred = deferred,
                .cgtree_fd = cgtree_fd,
                .cgtree_flags = early.cgtree_flags,
                .cgtree_park = early.cgtree_park,
                .devtree_fd = devtree_fd,
                .devtree_first = early.devtree_first,
                .devtree_n = early.devtree_n,
                .proctree_fd = proctree_fd,
                .proctree_index = early.proctree_index,
        };
        fc_trace(ctx, "clone");
        int pidfd = -1;
        /* With a joined user namespace the init creates its namespaces
         * itself, inside it (see lib/init.c). */
        uint64_t cflags = ns.mode[FC_NS_USER] == FC_NS_MODE_JOIN
                                  ? 0
                                  : fc_ns_clone_flags(&ns, cgroup_in_clone) & ~(uint64_t) deferred;
        pid_t pid = fc_spawn_clone(cflags, cg_fd, &pidfd, &cgroup_in_clone, err);
        if (pid == 0) {
                close(sv[0]);
                fc_init_main(&args);
        }
        parent_ns_leave(&saved);
        fc_idmap_mounts_clear(&idmap);
        close(sv[1]);
        sv[1] = -1;
        if (cgtree_fd >= 0) {
                close(cgtree_fd); /* the init's now */
                cgtree_fd = -1;
        }
        if (devtree_fd >= 0) {
                close(devtree_fd);
                devtree_fd = -1;
        }
        /* Ours goes to the cache with the mount namespace: the init's close
         * is then not the last, whose teardown of the detached tree would
         * wait for an RCU grace period on its critical path. */
        int proctree_keep = steal_fd(&proctree_fd);
        if (pid < 0 && proctree_keep >= 0) {
                close(proctree_keep);
                proctree_keep = -1;
        }
        if (console[1] >= 0) {
                close(console[1]);
                console[1] = -1;
        }
        if (pid < 0)
                goto undo_fds;
        ret->pid = pid;
        ret->pidfd = pidfd;
        /* Read while the init cannot be in execve (it waits for GO first):
         * /proc/<pid> waits for an exec to finish, and with `run` the init
         * execs as soon as it is ready. */
        int child_cpu = -1;
        uint64_t start_time = fc_proc_start_time_cpu(pid, &child_cpu);
        pid_t clone_pid = pid;
        /* With go_late the init sets up while we make its cgroup: if it
         * waits on our CPU, we go to another one. */
        if (args.go_late && child_cpu >= 0 && child_cpu == sched_getcpu())
                fc_spawn_step_aside();
        int mnt_fd = -1;
        if (early_clone) {
                if ((dirfd = reserve_id(ctx, o->id, ret, &reserved, err)) < 0)
                        goto undo_child;
                if (!autostart && make_fifo(dirfd, &fifo_fd, err) < 0)
                        goto undo_child;
                if (!lease_taken) {
                        lease_taken = true;
                        if (take_lease(ctx, &early.pending, &ns, st, pooled_cg, &cgtree_fd,
                                       &devtree_fd, NULL, &leased, &cache_up, err) < 0)
                                goto undo_child;
                }
                if (send_parts(sv[0], &ns, leased, &cgtree_fd, &devtree_fd, fifo_fd, err) < 0) {
                        prefer_init_error(sv[0], err);
                        goto undo_child;
                }
        }
        if (!cgroup_made) {
                /* The init mounts on meanwhile, and waits for MADE (sent as
                 * soon as the directories exist) only to bind them.  Our
                 * error stands, not one the init ran into after MADE when
                 * the directories went again (send_made prefers the init's
                 * when it died first). */
                if (make_cgroup(ctx, cg, res, pooled_cg, dirfd, st, cfg, cfg_text, cfg_len, sv[0],
                                err) < 0)
                        goto undo_child;
                cgroup_made = true;
        }
        /* (An init in a joined user namespace makes its mount namespace
         * itself, later.) */
        if (cache_up && ns.mode[FC_NS_MOUNT] == FC_NS_MODE_NEW &&
            ns.mode[FC_NS_USER] != FC_NS_MODE_JOIN)
                mnt_fd = open_mount_ns(pid);

        fc_trace(ctx, "cgroup-enter");
        if (!cgroup_in_clone && fc_cgroup_enter(cg, pid, err) < 0) {
                prefer_init_error(sv[0], err);
                goto undo_child;
        }
        if (ns.mode[FC_NS_USER] == FC_NS_MODE_NEW && fc_ns_write_id_maps(pid, cfg, err) < 0)
                goto undo_child;
        fc_trace(ctx, "init-setup");
        bool unshare_cgroupns = ns.mode[FC_NS_CGROUP] == FC_NS_MODE_NEW &&
                                (!cgroup_in_clone || ns.mode[FC_NS_USER] == FC_NS_MODE_JOIN);
        if (send_go(sv[0], pid, unshare_cgroupns, err) < 0)
                goto undo_child;
        r = await_ready(ctx, sv[0], &pid, &pidfd, cfg, st, err);
        ret->pid = pid;
        ret->pidfd = pidfd;
        if (r < 0)
                goto undo_child;
        fc_trace(ctx, "init-ready");
        /* The init's mount namespace goes to the cache, which holds it so
         * that the container's mounts are torn down there, not in the
         * init's exit (only a container that got this far: one that failed
         * takes its mounts down with it).  So do the network and IPC
         * namespaces it leased: their teardown, queued to a kworker by the
         * last reference, then does not preempt a short-lived container's
         * exit. */
        {
                int retire[FC_PARTS_MAX_FDS];
                unsigned n_retire = 0;
                if (mnt_fd >= 0)
                        retire[n_retire++] = steal_fd(&mnt_fd);
                if ((leased & FC_PART_NET) && ns.fd[FC_NS_NETWORK] >= 0)
                        retire[n_retire++] = steal_fd(&ns.fd[FC_NS_NETWORK]);
                if ((leased & FC_PART_IPC) && ns.fd[FC_NS_IPC] >= 0)
                        retire[n_retire++] = steal_fd(&ns.fd[FC_NS_IPC]);
                if (proctree_keep >= 0)
                        retire[n_retire++] = steal_fd(&proctree_keep);
                if (n_retire > 0)
                        fc_parts_retire(ctx, early.pending.fd, retire, n_retire);
        }
        if (console[0] >= 0) {
                ret->console_master = fc_terminal_recv_master(console[0], err);
                if (ret->console_master < 0)
                        goto undo_child;
                close(console[0]);
                console[0] = -1;
        }

        /* The init is another process when a first child forked it (a
         * joined user namespace): its start time is read now. */
        st->start_time = pid == clone_pid ? start_time : fc_proc_start_time(pid);
        st->pid = pid;
        if (fc_state_set_status(st, "created", err) < 0 || fc_status_write(dirfd, st, err) < 0)
                goto undo_child;
        if (pid_file.path && pid_file_commit(&pid_file, pid, err) < 0)
                goto undo_child;
        close(sv[0]);
        if (fifo_fd >= 0)
                close(fifo_fd);
        fc_ns_plan_close(&ns);
        ret->cg = cg;
        if (proctree_keep >= 0)
                close(proctree_keep);
        return 0;

undo_child:
        if (mnt_fd >= 0)
                close(mnt_fd);
        if (proctree_keep >= 0)
                close(proctree_keep);
        kill_and_reap(pid, pidfd);
        ret->pid = 0;
undo_fds:
        if (console[0] >= 0)
                close(console[0]);
        if (console[1] >= 0)
                close(console[1]);
        if (sv[0] >= 0)
                close(sv[0]);
        if (sv[1] >= 0)
                close(sv[1]);
        if (fifo_fd >= 0)
                close(fifo_fd);
undo_ns:
        fc_idmap_mounts_clear(&idmap);
        fc_ns_plan_close(&ns);
        if (cgtree_fd >= 0)
                close(cgtree_fd);
        if (devtree_fd >= 0)
                close(devtree_fd);
        if (proctree_fd >= 0)
                close(proctree_fd);
undo_cgroup : {
        fc_error_t e2 = FC_ERROR_INIT;
        if (cgroup_made && fc_cgroup_destroy(cg, &e2) < 0)
                fc_error_append(err, &e2);
        if (!cgroup_made && early_clone && !lease_taken && early.pending.fd >= 0) {
                /* Failed before the answer was read: a pooled cgroup in it
                 * is removed now, as after it, not by the cache's sweep. */
                struct fc_parts_lease lease;
                fc_parts_lease_end(ctx, &early.pending, &lease);
                memcpy(pooled_cg, lease.cgroup, sizeof(pooled_cg));
                fc_parts_lease_clear(&lease);
        }
        if (!cgroup_made)
                fc_cgroup_drop_pooled(cg, pooled_cg);
        fc_cgroup_free(cg);
}
undo_state : {
        /* The removal needs two fds, and EMFILE is one way to get here. */
        if (ret->dirfd >= 0)
                close(ret->dirfd);
        ret->dirfd = -1;
        if (!reserved) /* the id may be another container's */
                return err->status ? err->status : -EIO;
        fc_error_t e2 = FC_ERROR_INIT;
        if (fc_status_remove(ctx->root, o->id, &e2) < 0)
                fc_error_append(err, &e2);
        return err->status ? err->status : -EIO;
}
}

int fc_container_create(const struct fc_context *ctx, const struct fc_create_opts *o,
                        fc_error_t *err)
{
        struct fc_created c;
        int r = fc_container_create_internal(ctx, o, false, false, &c, err);
        fc_created_clear(&c);
        fc_trace(ctx, "create-done");
        return r;
}
