/* SPDX-License-Identifier: Apache-2.0 */
#include "lib/namespace.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/sys.h"

int fc_ns_clone_flag(enum fc_ns_type t)
{
        switch (t) {
        case FC_NS_PID:
                return CLONE_NEWPID;
        case FC_NS_NETWORK:
                return CLONE_NEWNET;
        case FC_NS_MOUNT:
                return CLONE_NEWNS;
        case FC_NS_IPC:
                return CLONE_NEWIPC;
        case FC_NS_UTS:
                return CLONE_NEWUTS;
        case FC_NS_USER:
                return CLONE_NEWUSER;
        case FC_NS_CGROUP:
                return CLONE_NEWCGROUP;
        case FC_NS_TIME:
                return CLONE_NEWTIME;
        case FC_NS__MAX:
                break;
        }
        return 0;
}

int fc_ns_check_mappings(const char *what, const struct fc_id_mapping *m, size_t n, fc_error_t *err)
{
        if (n > 340)
                return fc_error_set(err, -EINVAL, "%s: at most 340 mappings are allowed", what);
        for (size_t i = 0; i < n; i++) {
                if (m[i].size == 0)
                        return fc_error_set(err, -EINVAL, "%s[%zu].size: must be positive", what,
                                            i);
                if ((uint64_t) m[i].container_id + m[i].size > 0x100000000ULL ||
                    (uint64_t) m[i].host_id + m[i].size > 0x100000000ULL)
                        return fc_error_set(err, -EINVAL, "%s[%zu]: range exceeds 2^32", what, i);
                for (size_t j = 0; j < i; j++) {
                        bool c = m[i].container_id < (uint64_t) m[j].container_id + m[j].size &&
                                 m[j].container_id < (uint64_t) m[i].container_id + m[i].size;
                        bool h = m[i].host_id < (uint64_t) m[j].host_id + m[j].size &&
                                 m[j].host_id < (uint64_t) m[i].host_id + m[i].size;
                        if (c || h)
                                return fc_error_set(err, -EINVAL, "%s[%zu]: overlaps %s[%zu]", what,
                                                    i, what, j);
                }
        }
        return 0;
}

int fc_ns_write_map(pid_t pid, const char *file, const struct fc_id_mapping *m, size_t n,
                    fc_error_t *err)
{
        /* The whole map must arrive in one write(2). */
        size_t cap = n * 40 + 1, len = 0;
        cleanup_free char *buf = malloc(cap);
        if (buf == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
                len += (size_t) snprintf(buf + len, cap - len, "%u %u %u\n", m[i].container_id,
                                         m[i].host_id, m[i].size);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return fc_error_setm(err, -errno, "open %s", path);
        if (write(fd, buf, len) != (ssize_t) len)
                return fc_error_setm(err, -errno, "write %s", path);
        return 0;
}

int fc_ns_write_id_maps(pid_t pid, const struct fc_config *cfg, fc_error_t *err)
{
        const struct fc_linux *lx = cfg->linux_;
        int r = fc_ns_write_map(pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings, err);
        if (r == 0)
                r = fc_ns_write_map(pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, err);
        return r;
}

int fc_ns_plan_build(const struct fc_config *cfg, struct fc_ns_plan *ret, fc_error_t *err)
{
        for (int t = 0; t < FC_NS__MAX; t++) {
                ret->mode[t] = FC_NS_MODE_SHARE;
                ret->path[t] = NULL;
                ret->fd[t] = -1;
        }
        const struct fc_linux *lx = cfg->linux_;
        if (lx == NULL)
                return 0;
        for (size_t i = 0; i < lx->n_namespaces; i++) {
                const struct fc_namespace *ns = &lx->namespaces[i];
                if (ns->type >= FC_NS__MAX)
                        return fc_error_set(err, -EINVAL, "linux.namespaces[%zu].type: invalid", i);
                if (ns->path != NULL && ns->path[0] != '\0') {
                        if (ns->path[0] != '/')
                                return fc_error_set(err, -EINVAL,
                                                    "linux.namespaces[%zu].path: must be an "
                                                    "absolute path: \"%s\"",
                                                    i, ns->path);
                        ret->mode[ns->type] = FC_NS_MODE_JOIN;
                        ret->path[ns->type] = ns->path;
                } else {
                        ret->mode[ns->type] = FC_NS_MODE_NEW;
                }
        }
        /* runc's texts. */
        if (ret->mode[FC_NS_USER] == FC_NS_MODE_NEW) {
                if (lx->n_uid_mappings == 0)
                        return fc_error_set(err, -EINVAL,
                                            "User namespaces enabled, but no uid mappings found.");
                if (lx->n_gid_mappings == 0)
                        return fc_error_set(err, -EINVAL,
                                            "User namespaces enabled, but no gid mappings found.");
        } else if (ret->mode[FC_NS_USER] == FC_NS_MODE_SHARE &&
                   (lx->n_uid_mappings || lx->n_gid_mappings)) {
                return fc_error_set(err, -EINVAL,
                                    "User namespace mappings specified, but user namespace isn't "
                                    "enabled in the config");
        }
        int r = fc_ns_check_mappings("linux.uidMappings", lx->uid_mappings, lx->n_uid_mappings,
                                     err);
        if (r == 0)
                r = fc_ns_check_mappings("linux.gidMappings", lx->gid_mappings, lx->n_gid_mappings,
                                         err);
        if (r < 0)
                return r;
        if (lx->n_time_offsets && ret->mode[FC_NS_TIME] != FC_NS_MODE_NEW)
                return fc_error_set(err, -EINVAL,
                                    "linux.timeOffsets: offsets require a new time namespace");
        /* Like runc: without a private mount namespace the rootfs cannot be
         * set up without changing the host's mounts. */
        if (ret->mode[FC_NS_MOUNT] == FC_NS_MODE_SHARE)
                return fc_error_set(err, -EINVAL,
                                    "linux.namespaces: a mount namespace is required");
        return 0;
}

int fc_ns_plan_open(struct fc_ns_plan *p, fc_error_t *err)
{
        for (int t = 0; t < FC_NS__MAX; t++) {
                /* Already open: a part leased from the cache. */
                if (p->mode[t] != FC_NS_MODE_JOIN || p->fd[t] >= 0)
                        continue;
                int fd = open(p->path[t], O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return fc_error_setm(err, -errno, "open %s namespace %s",
                                             fc_ns_type_name(t), p->path[t]);
                p->fd[t] = fd;
                int kind = ioctl(fd, NS_GET_NSTYPE);
                if (kind < 0)
                        return fc_error_set(err, -EINVAL, "%s namespace %s: not a namespace file",
                                            fc_ns_type_name(t), p->path[t]);
                if (kind != fc_ns_clone_flag(t))
                        return fc_error_set(err, -EINVAL,
                                            "%s namespace %s: is a namespace of another kind",
                                            fc_ns_type_name(t), p->path[t]);
        }
        return 0;
}

void fc_ns_plan_close(struct fc_ns_plan *p)
{
        for (int t = 0; t < FC_NS__MAX; t++) {
                if (p->fd[t] >= 0)
                        close(p->fd[t]);
                p->fd[t] = -1;
        }
}

uint64_t fc_ns_clone_flags(const struct fc_ns_plan *p, bool cgroup_in_clone)
{
        uint64_t flags = 0;
        for (int t = 0; t < FC_NS__MAX; t++) {
                if (p->mode[t] != FC_NS_MODE_NEW || t == FC_NS_TIME)
                        continue;
                if (t == FC_NS_CGROUP && !cgroup_in_clone)
                        continue;
                flags |= (uint64_t) fc_ns_clone_flag(t);
        }
        return flags;
}

int fc_ns_join_in_child(const struct fc_ns_plan *p, fc_error_t *err)
{
        /* Mount last: the others do not depend on the filesystem view, and
         * the fds were all opened before. */
        static const enum fc_ns_type order[] = {FC_NS_IPC, FC_NS_UTS, FC_NS_NETWORK, FC_NS_CGROUP,
                                                FC_NS_MOUNT};
        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
                enum fc_ns_type t = order[i];
                if (p->mode[t] != FC_NS_MODE_JOIN)
                        continue;
                if (setns(p->fd[t], fc_ns_clone_flag(t)) < 0)
                        return fc_error_setm(err, -errno, "join %s namespace %s",
                                             fc_ns_type_name(t), p->path[t]);
        }
        return 0;
}

void fc_ns_plan_take_leased(struct fc_ns_plan *p, enum fc_ns_type t, int *fd)
{
        if (*fd < 0)
                return;
        p->mode[t] = FC_NS_MODE_JOIN;
        p->path[t] = "(parts cache)";
        p->fd[t] = steal_fd(fd);
}

int fc_ns_loopback_up(fc_error_t *err)
{
        cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return fc_error_setm(err, -errno, "socket for loopback setup");
        struct ifreq ifr;
        memset(&ifr, 0, sizeof(ifr));
        strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                return fc_error_setm(err, -errno, "get flags of lo");
        if (ifr.ifr_flags & IFF_UP)
                return 0;
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                return fc_error_setm(err, -errno, "bring lo up");
        return 0;
}
