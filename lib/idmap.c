/* SPDX-License-Identifier: Apache-2.0
 *
 * Id-mapped bind mounts (see lib/idmap.h for the why and the order).
 */
#include "lib/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/rootfs.h"
#include "lib/sys.h"

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

static bool has_idmap_option(const struct fc_mount *m)
{
        for (size_t i = 0; i < m->n_options; i++)
                if (m->options[i] &&
                    (strcmp(m->options[i], "idmap") == 0 || strcmp(m->options[i], "ridmap") == 0))
                        return true;
        return false;
}

bool fc_idmap_wanted(const struct fc_config *cfg)
{
        for (size_t i = 0; i < cfg->n_mounts; i++) {
                const struct fc_mount *m = &cfg->mounts[i];
                if (m->n_uid_mappings > 0 || m->n_gid_mappings > 0 || has_idmap_option(m))
                        return true;
        }
        return false;
}

int fc_idmap_plan_entry(const struct fc_config *cfg, const struct fc_ns_plan *ns, size_t index,
                        struct fc_idmap_entry *ret, fc_error_t *err)
{
        const struct fc_mount *m = &cfg->mounts[index];
        const char *dest = m->destination ? m->destination : "(null)";
        struct fc_mount_plan plan;
        struct fc_idmap_entry e = {.source = FC_IDMAP_NONE};
        char what[64];

        if (fc_mount_plan_from_entry(m, &plan, err) < 0)
                return err->status;
        fc_mount_plan_clear(&plan);
        if (!plan.idmap) {
                *ret = e;
                return 0;
        }
        if (!plan.bind)
                return fc_error_set(err, -EINVAL,
                                    "mount %s: id-mapped mounts are only supported for bind "
                                    "mounts",
                                    dest);
        e.recursive_tree = plan.recursive;
        e.recursive_map = plan.idmap_recursive;
        if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0))
                return fc_error_set(err, -EINVAL,
                                    "mount %s: uidMappings and gidMappings must be specified "
                                    "together",
                                    dest);
        if (m->n_uid_mappings > 0) {
                e.source = FC_IDMAP_MOUNT;
                e.uid = m->uid_mappings;
                e.n_uid = m->n_uid_mappings;
                e.gid = m->gid_mappings;
                e.n_gid = m->n_gid_mappings;
                snprintf(what, sizeof(what), "mounts[%zu].uidMappings", index);
                if (fc_ns_check_mappings(what, e.uid, e.n_uid, err) < 0)
                        return err->status;
                snprintf(what, sizeof(what), "mounts[%zu].gidMappings", index);
                if (fc_ns_check_mappings(what, e.gid, e.n_gid, err) < 0)
                        return err->status;
        } else if (ns->mode[FC_NS_USER] == FC_NS_MODE_NEW) {
                /* The spec lets "idmap" alone borrow the container's
                 * mappings (crun does); they were checked with the plan. */
                e.source = FC_IDMAP_CONTAINER;
                e.uid = cfg->linux_->uid_mappings;
                e.n_uid = cfg->linux_->n_uid_mappings;
                e.gid = cfg->linux_->gid_mappings;
                e.n_gid = cfg->linux_->n_gid_mappings;
        } else if (ns->mode[FC_NS_USER] == FC_NS_MODE_JOIN) {
                e.source = FC_IDMAP_JOINED_USERNS;
        } else {
                return fc_error_set(err, -EINVAL,
                                    "mount %s: \"%s\" without uidMappings and gidMappings needs a "
                                    "container with a user namespace",
                                    dest, plan.idmap_recursive ? "ridmap" : "idmap");
        }
        *ret = e;
        return 0;
}

void fc_idmap_mounts_clear(struct fc_idmap_mounts *m)
{
        if (m == NULL)
                return;
        for (size_t i = 0; i < m->n; i++)
                if (m->fds[i] >= 0)
                        close(m->fds[i]);
        free(m->fds);
        m->fds = NULL;
        m->n = 0;
}

/* ---- user namespaces carrying a mount's mappings ---- */

/* A user namespace exists only while a process (or an fd) holds it: a
 * child is born in a new one and waits on a pipe; we write its maps (as
 * root of the parent namespace: no setgroups "deny" needed), keep an fd of
 * the namespace and let the child go. */
static int make_userns(const struct fc_idmap_entry *e, const char *dest, fc_error_t *err)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return fc_error_setm(err, -errno, "mount %s: pipe", dest);
        pid_t pid = (pid_t) syscall(SYS_clone, (unsigned long) (CLONE_NEWUSER | SIGCHLD), 0UL, NULL,
                                    NULL, 0UL);
        if (pid == 0) {
                char c;
                close(pfd[1]);
                while (read(pfd[0], &c, 1) < 0 && errno == EINTR)
                        ;
                _exit(0);
        }
        close(pfd[0]);
        if (pid < 0) {
                int e2 = -errno;
                close(pfd[1]);
                return fc_error_setm(err, e2, "mount %s: create a user namespace for its mappings",
                                     dest);
        }
        int fd = -1;
        int r = fc_ns_write_map(pid, "uid_map", e->uid, e->n_uid, err);
        if (r == 0)
                r = fc_ns_write_map(pid, "gid_map", e->gid, e->n_gid, err);
        if (r == 0) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        r = fc_error_setm(err, -errno, "open %s", path);
        }
        if (r < 0)
                fc_error_wrap(err, "mount %s", dest);
        close(pfd[1]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return r < 0 ? r : fd;
}

static bool same_maps(const struct fc_id_mapping *a, size_t na, const struct fc_id_mapping *b,
                      size_t nb)
{
        return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

/* The user namespaces made so far, so that mounts with the same mappings
 * (the common case: all of them borrow the container's) share one. */
struct userns_cache {
        const struct fc_idmap_entry *owner[16];
        int fd[16];
        size_t n;
};

static void userns_cache_clear(struct userns_cache *c)
{
        for (size_t i = 0; i < c->n; i++)
                close(c->fd[i]);
        c->n = 0;
}

static int userns_for(struct userns_cache *c, const struct fc_idmap_entry *e,
                      const struct fc_ns_plan *ns, const char *dest, fc_error_t *err)
{
        if (e->source == FC_IDMAP_JOINED_USERNS)
                return ns->fd[FC_NS_USER];
        for (size_t i = 0; i < c->n; i++)
                if (same_maps(c->owner[i]->uid, c->owner[i]->n_uid, e->uid, e->n_uid) &&
                    same_maps(c->owner[i]->gid, c->owner[i]->n_gid, e->gid, e->n_gid))
                        return c->fd[i];
        int fd = make_userns(e, dest, err);
        if (fd < 0)
                return fd;
        if (c->n == sizeof(c->fd) / sizeof(c->fd[0])) {
                /* More distinct mappings than slots: the oldest goes. */
                close(c->fd[0]);
                memmove(c->fd, c->fd + 1, (c->n - 1) * sizeof(c->fd[0]));
                memmove(c->owner, c->owner + 1, (c->n - 1) * sizeof(c->owner[0]));
                c->n--;
        }
        c->owner[c->n] = e;
        c->fd[c->n++] = fd;
        return fd;
}

/* ---- the detached trees ---- */

static int make_tree(const struct fc_mount *m, const struct fc_idmap_entry *e, int userns_fd,
                     fc_error_t *err)
{
        unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
        if (e->recursive_tree)
                flags |= AT_RECURSIVE;
        if (m->source == NULL)
                return fc_error_set(err, -EINVAL, "mount %s: bind mount needs a source",
                                    m->destination);
        cleanup_close int tree = fc_sys_open_tree(AT_FDCWD, m->source, flags);
        if (tree < 0) {
                if (errno == ENOSYS)
                        return fc_error_set(err, -ENOSYS,
                                            "mount %s: id-mapped mounts need open_tree(2) and "
                                            "mount_setattr(2) (Linux 5.12 or later)",
                                            m->destination);
                return fc_error_setm(err, -errno, "bind mount source %s", m->source);
        }
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns_fd};
        if (fc_sys_mount_setattr(tree, "", AT_EMPTY_PATH | (e->recursive_map ? AT_RECURSIVE : 0),
                                 &attr, sizeof(attr)) < 0) {
                switch (errno) {
                case ENOSYS:
                        return fc_error_set(err, -ENOSYS,
                                            "mount %s: id-mapped mounts need mount_setattr(2) "
                                            "(Linux 5.12 or later)",
                                            m->destination);
                case EINVAL:
                        /* The one EINVAL a fresh tree and a new user
                         * namespace can meet: the filesystem (or, with
                         * ridmap, one below it) has no id-mapping support. */
                        return fc_error_set(err, -EINVAL,
                                            "mount %s: the filesystem of %s does not support "
                                            "id-mapped mounts",
                                            m->destination, m->source);
                default:
                        return fc_error_setm(err, -errno, "mount %s: id-map %s", m->destination,
                                             m->source);
                }
        }
        return steal_fd(&tree);
}

int fc_idmap_prepare(const struct fc_config *cfg, const struct fc_ns_plan *ns,
                     struct fc_idmap_mounts *ret, fc_error_t *err)
{
        ret->fds = NULL;
        ret->n = 0;
        if (!fc_idmap_wanted(cfg))
                return 0;
        struct fc_idmap_entry *plan = calloc(cfg->n_mounts, sizeof(*plan));
        int *fds = malloc(cfg->n_mounts * sizeof(*fds));
        if (plan == NULL || fds == NULL) {
                free(plan);
                free(fds);
                return fc_error_set(err, -ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < cfg->n_mounts; i++)
                fds[i] = -1;
        struct fc_idmap_mounts out = {.fds = fds, .n = cfg->n_mounts};
        struct userns_cache cache = {.n = 0};
        int r = 0;

        /* Every entry is checked before any tree is made. */
        for (size_t i = 0; i < cfg->n_mounts && r == 0; i++)
                r = fc_idmap_plan_entry(cfg, ns, i, &plan[i], err);
        for (size_t i = 0; i < cfg->n_mounts && r == 0; i++) {
                const struct fc_mount *m = &cfg->mounts[i];
                if (plan[i].source == FC_IDMAP_NONE)
                        continue;
                int userns = userns_for(&cache, &plan[i], ns, m->destination, err);
                if (userns < 0) {
                        r = userns;
                        break;
                }
                fds[i] = make_tree(m, &plan[i], userns, err);
                if (fds[i] < 0)
                        r = fds[i];
        }
        userns_cache_clear(&cache);
        free(plan);
        if (r < 0) {
                fc_idmap_mounts_clear(&out);
                return r;
        }
        *ret = out;
        return 0;
}

int fc_idmap_attach(int tree_fd, int target_fd, const char *dest, fc_error_t *err)
{
        int r = 0;
        if (fc_sys_move_mount(tree_fd, "", target_fd, "",
                              MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                r = fc_error_setm(err, -errno, "mount %s: attach the id-mapped mount", dest);
        close(tree_fd);
        return r;
}
