/* SPDX-License-Identifier: Apache-2.0
 *
 * Mount plans (option strings -> mount(2) arguments, by the table of
 * filesystem-independent options in mount(8)), propagation names, and resolving a container path
 * inside the rootfs without ever leaving it.
 */
#include "lib/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/sys.h"

#define PROPAGATION_MASK (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* runc's recursive mount attributes, applied with mount_setattr(AT_RECURSIVE).
 * All atime variants set the whole atime field, as the kernel requires. */
static const struct {
        const char *name;
        unsigned int set;
        unsigned int clr;
} rec_attrs[] = {
        {"rro", MOUNT_ATTR_RDONLY, 0},
        {"rrw", 0, MOUNT_ATTR_RDONLY},
        {"rnosuid", MOUNT_ATTR_NOSUID, 0},
        {"rsuid", 0, MOUNT_ATTR_NOSUID},
        {"rnodev", MOUNT_ATTR_NODEV, 0},
        {"rdev", 0, MOUNT_ATTR_NODEV},
        {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
        {"rexec", 0, MOUNT_ATTR_NOEXEC},
        {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
        {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
        {"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
        {"rnorelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
        {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
        {"ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
        {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
        {"rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
        {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
        {"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
};

void fc_mount_plan_clear(struct fc_mount_plan *p)
{
        if (p == NULL)
                return;
        free(p->data);
        p->data = NULL;
}

static int data_append(char **data, const char *opt)
{
        char *s = NULL;
        if (*data == NULL)
                s = strdup(opt);
        else if (asprintf(&s, "%s,%s", *data, opt) < 0)
                s = NULL;
        if (s == NULL)
                return -ENOMEM;
        free(*data);
        *data = s;
        return 0;
}

/* The filesystem-independent options of mount(8) and what each does to
 * the MS_* flags: bits it sets, bits it clears ("rw", "suid", "atime" are
 * the inverted forms).  Anything else is filesystem data. */
static const struct {
        const char *name;
        unsigned long set;
        unsigned long clr;
} flag_options[] = {
        {"ro", MS_RDONLY, 0},
        {"rw", 0, MS_RDONLY},
        {"nosuid", MS_NOSUID, 0},
        {"suid", 0, MS_NOSUID},
        {"nodev", MS_NODEV, 0},
        {"dev", 0, MS_NODEV},
        {"noexec", MS_NOEXEC, 0},
        {"exec", 0, MS_NOEXEC},
        {"sync", MS_SYNCHRONOUS, 0},
        {"async", 0, MS_SYNCHRONOUS},
        {"dirsync", MS_DIRSYNC, 0},
        {"remount", MS_REMOUNT, 0},
        {"mand", MS_MANDLOCK, 0},
        {"nomand", 0, MS_MANDLOCK},
        {"noatime", MS_NOATIME, 0},
        {"atime", 0, MS_NOATIME},
        {"nodiratime", MS_NODIRATIME, 0},
        {"diratime", 0, MS_NODIRATIME},
        {"relatime", MS_RELATIME, 0},
        {"norelatime", 0, MS_RELATIME},
        {"strictatime", MS_STRICTATIME, 0},
        {"nostrictatime", 0, MS_STRICTATIME},
        {"lazytime", MS_LAZYTIME, 0},
        {"nolazytime", 0, MS_LAZYTIME},
        {"iversion", MS_I_VERSION, 0},
        {"noiversion", 0, MS_I_VERSION},
        {"silent", MS_SILENT, 0},
        {"loud", 0, MS_SILENT},
        {"nosymfollow", MS_NOSYMFOLLOW, 0},
        {"symfollow", 0, MS_NOSYMFOLLOW},
        {"bind", MS_BIND, 0},
        {"rbind", MS_BIND | MS_REC, 0},
        {"shared", MS_SHARED, 0},
        {"rshared", MS_SHARED | MS_REC, 0},
        {"slave", MS_SLAVE, 0},
        {"rslave", MS_SLAVE | MS_REC, 0},
        {"private", MS_PRIVATE, 0},
        {"rprivate", MS_PRIVATE | MS_REC, 0},
        {"unbindable", MS_UNBINDABLE, 0},
        {"runbindable", MS_UNBINDABLE | MS_REC, 0},
};

/* What one option does to the flags; false when it is not a flag option. */
static bool classify_flag_option(const char *opt, unsigned long *ret_set, unsigned long *ret_clr)
{
        for (size_t i = 0; i < sizeof(flag_options) / sizeof(flag_options[0]); i++) {
                if (strcmp(opt, flag_options[i].name) == 0) {
                        *ret_set = flag_options[i].set;
                        *ret_clr = flag_options[i].clr;
                        return true;
                }
        }
        return false;
}

int fc_mount_plan_from_entry(const struct fc_mount *m, struct fc_mount_plan *ret, fc_error_t *err)
{
        struct fc_mount_plan p = {0};
        const char *dest = m->destination ? m->destination : "(null)";

        /* Mappings without "idmap"/"ridmap" (the spec only says SHOULD)
         * are a non-recursive id-mapped mount. */
        p.idmap = m->n_uid_mappings > 0 || m->n_gid_mappings > 0;

        for (size_t i = 0; i < m->n_options; i++) {
                const char *o = m->options[i];
                unsigned long set = 0, clr = 0;
                bool rec_attr = false;

                if (o == NULL || o[0] == '\0') {
                        fc_mount_plan_clear(&p);
                        return fc_error_set(err, -EINVAL, "mount %s: options[%zu] is empty", dest,
                                            i);
                }
                if (strcmp(o, "tmpcopyup") == 0) {
                        p.tmpcopyup = true;
                        continue;
                }
                if (strcmp(o, "defaults") == 0)
                        continue;
                if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
                        p.idmap = true;
                        p.idmap_recursive = o[0] == 'r';
                        continue;
                }
                for (size_t k = 0; k < sizeof(rec_attrs) / sizeof(rec_attrs[0]); k++) {
                        if (strcmp(o, rec_attrs[k].name) == 0) {
                                p.attr_set = (p.attr_set & ~rec_attrs[k].clr) | rec_attrs[k].set;
                                p.attr_clr = (p.attr_clr & ~rec_attrs[k].set) | rec_attrs[k].clr;
                                rec_attr = true;
                                break;
                        }
                }
                if (rec_attr)
                        continue;
                if (!classify_flag_option(o, &set, &clr)) {
                        if (data_append(&p.data, o) < 0) {
                                fc_mount_plan_clear(&p);
                                return fc_error_set(err, -ENOMEM, "mount %s: out of memory", dest);
                        }
                        continue;
                }
                if (set & PROPAGATION_MASK) {
                        /* Several propagation options: the last one wins. */
                        p.propagation = set;
                        continue;
                }
                p.flags = (p.flags & ~clr) | set;
                p.clear_flags = (p.clear_flags & ~set) | clr;
        }

        p.bind = (p.flags & MS_BIND) != 0;
        p.recursive = p.bind && (p.flags & MS_REC) != 0;
        /* A bind mount ignores every flag but MS_BIND|MS_REC; anything else
         * needs a second, remount step (runc does the same). */
        p.needs_remount = p.bind && (p.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
        *ret = p;
        return 0;
}

static const struct {
        const char *name;
        unsigned long flags;
} propagations[] = {
        {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
        {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

int fc_mount_propagation_from_name(const char *name, unsigned long *ret, fc_error_t *err)
{
        if (name == NULL || name[0] == '\0') {
                *ret = MS_SLAVE | MS_REC;
                return 0;
        }
        for (size_t i = 0; i < sizeof(propagations) / sizeof(propagations[0]); i++) {
                if (strcmp(name, propagations[i].name) == 0) {
                        *ret = propagations[i].flags;
                        return 0;
                }
        }
        return fc_error_set(err, -EINVAL, "rootfsPropagation: unknown propagation \"%s\"", name);
}

const char *fc_mount_fd_path(int fd, char *buf, size_t size)
{
        snprintf(buf, size, "/proc/self/fd/%d", fd);
        return buf;
}

/* statvfs ST_* bits -> the MS_* bits a bind remount must repeat. */
static unsigned long mount_flags_of(const char *target, int *ret_errno)
{
        struct statvfs st;
        unsigned long f = 0;

        if (statvfs(target, &st) < 0) {
                *ret_errno = errno;
                return 0;
        }
        *ret_errno = 0;
        if (st.f_flag & ST_RDONLY)
                f |= MS_RDONLY;
        if (st.f_flag & ST_NOSUID)
                f |= MS_NOSUID;
        if (st.f_flag & ST_NODEV)
                f |= MS_NODEV;
        if (st.f_flag & ST_NOEXEC)
                f |= MS_NOEXEC;
        if (st.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        if (st.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        if (st.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        return f;
}

int fc_mount_bind_remount(const char *target, const char *dest, unsigned long flags,
                          unsigned long clear, fc_error_t *err)
{
        int e = 0;
        unsigned long have = mount_flags_of(target, &e);
        unsigned long f;

        if (e != 0)
                return fc_error_setm(err, -e, "statvfs %s", dest);
        /* An explicit atime choice replaces the existing one. */
        if (flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))
                have &= ~(MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
        f = (flags & ~(MS_REC | MS_BIND | MS_REMOUNT | PROPAGATION_MASK)) | (have & ~clear);
        if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | f, NULL) < 0)
                return fc_error_setm(err, -errno, "remount %s", dest);
        return 0;
}

unsigned int fc_mount_attr_from_flags(unsigned long flags)
{
        unsigned int a = ((flags & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0) |
                         ((flags & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0) |
                         ((flags & MS_NODEV) ? MOUNT_ATTR_NODEV : 0) |
                         ((flags & MS_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0) |
                         ((flags & MS_NODIRATIME) ? MOUNT_ATTR_NODIRATIME : 0);
        if (flags & MS_NOATIME)
                a |= MOUNT_ATTR_NOATIME;
        else if (flags & MS_STRICTATIME)
                a |= MOUNT_ATTR_STRICTATIME;
        else
                a |= MOUNT_ATTR_RELATIME;
        return a;
}

int fc_mount_setattr_recursive(const char *target, const char *dest, unsigned int attr_set,
                               unsigned int attr_clr, fc_error_t *err)
{
        struct mount_attr attr = {.attr_set = attr_set, .attr_clr = attr_clr};

        if (attr_set == 0 && attr_clr == 0)
                return 0;
        if (fc_sys_mount_setattr(AT_FDCWD, target, AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
                if (errno == ENOSYS)
                        return fc_error_setm(err, -ENOSYS,
                                             "recursive mount options on %s need "
                                             "mount_setattr(2)",
                                             dest);
                return fc_error_setm(err, -errno, "mount_setattr %s", dest);
        }
        return 0;
}

/* ---- resolving a path inside the rootfs ---- */

static int openat2_state; /* 0 unknown, 1 works, -1 ENOSYS */

static int open_in_root_openat2(int root_fd, const char *path)
{
        struct open_how how = {
                .flags = O_PATH | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        do
                fd = fc_sys_openat2(root_fd, path, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        return fd;
}

struct fd_stack {
        int *fds;
        size_t n, cap;
};

static void fd_stack_free(struct fd_stack *s)
{
        for (size_t i = 0; i < s->n; i++)
                close(s->fds[i]);
        free(s->fds);
        s->fds = NULL;
        s->n = s->cap = 0;
}

static int fd_stack_push(struct fd_stack *s, int fd)
{
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                int *n = realloc(s->fds, cap * sizeof(*n));
                if (n == NULL)
                        return -ENOMEM;
                s->fds = n;
                s->cap = cap;
        }
        s->fds[s->n++] = fd;
        return 0;
}

static void fd_stack_pop_all(struct fd_stack *s)
{
        while (s->n > 0)
                close(s->fds[--s->n]);
}

/* Create `name` in `dirfd` (a directory, or a file when `file`), tolerate a
 * concurrent creator, and open the result O_PATH without following it. */
static int create_component(int dirfd, const char *name, bool file)
{
        if (file) {
                int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                                0755);
                if (fd < 0 && errno != EEXIST)
                        return -errno;
                if (fd >= 0)
                        close(fd);
        } else if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST) {
                return -errno;
        }
        int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* Component-by-component resolution for kernels without openat2(2): every
 * step is an openat(O_PATH|O_NOFOLLOW) relative to the previous fd, and a
 * symlink is read and re-resolved with the rootfs as "/" (so "..", absolute
 * targets and dangling links all stay inside).  The stack of directory fds
 * makes ".." lexical on what was really walked, and ".." at the top stays
 * at the top, as in a chroot. */
static int walk_in_root(int root_fd, const char *path, bool create, bool last_is_file)
{
        struct fd_stack st = {0};
        cleanup_free char *todo = strdup(path);
        char *p = todo;
        int links = 0, r;

        if (todo == NULL)
                return -ENOMEM;
        for (;;) {
                int cur = st.n ? st.fds[st.n - 1] : root_fd;
                char *name, *end;
                bool last;
                struct stat sb;
                int fd;

                while (*p == '/')
                        p++;
                if (*p == '\0')
                        break;
                name = p;
                end = strchr(p, '/');
                if (end) {
                        *end = '\0';
                        p = end + 1;
                } else {
                        p += strlen(p);
                }
                last = p[strspn(p, "/")] == '\0';

                if (strcmp(name, ".") == 0)
                        continue;
                if (strcmp(name, "..") == 0) {
                        if (st.n > 0)
                                close(st.fds[--st.n]);
                        continue;
                }
                fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && create)
                        fd = create_component(cur, name, last && last_is_file);
                else if (fd < 0)
                        fd = -errno;
                if (fd < 0) {
                        r = fd;
                        goto out;
                }
                if (fstat(fd, &sb) < 0) {
                        r = -errno;
                        close(fd);
                        goto out;
                }
                if (S_ISLNK(sb.st_mode)) {
                        char target[PATH_MAX];
                        struct statfs sfs;
                        ssize_t len;
                        char *next = NULL;

                        /* procfs magic links (/proc/self/root, fd/N) name
                         * kernel objects, not paths: refuse them, as
                         * RESOLVE_NO_MAGICLINKS does. */
                        if (fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC) {
                                close(fd);
                                r = -ELOOP;
                                goto out;
                        }
                        len = readlinkat(fd, "", target, sizeof(target) - 1);
                        close(fd);
                        if (len < 0) {
                                r = -errno;
                                goto out;
                        }
                        target[len] = '\0';
                        if (++links > 40) {
                                r = -ELOOP;
                                goto out;
                        }
                        if (asprintf(&next, "%s/%s", target, p) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
                        if (target[0] == '/')
                                fd_stack_pop_all(&st);
                        free(todo);
                        todo = next;
                        p = todo;
                        continue;
                }
                if (!last && !S_ISDIR(sb.st_mode)) {
                        close(fd);
                        r = -ENOTDIR;
                        goto out;
                }
                if (fd_stack_push(&st, fd) < 0) {
                        close(fd);
                        r = -ENOMEM;
                        goto out;
                }
        }
        if (st.n > 0) {
                r = st.fds[--st.n];
        } else {
                r = openat(root_fd, ".", O_PATH | O_CLOEXEC);
                if (r < 0)
                        r = -errno;
        }
out:
        fd_stack_free(&st);
        return r;
}

/* The rootfs held open by fc_rootfs_hold_root (its path, or NULL). */
static struct {
        char *path;
        int fd;
} held_root = {NULL, -1};

void fc_rootfs_hold_root(const char *rootfs)
{
        fc_rootfs_release_root();
        int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        char *path = fd >= 0 ? strdup(rootfs) : NULL;
        if (path == NULL) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        held_root.path = path;
        held_root.fd = fd;
}

void fc_rootfs_release_root(void)
{
        if (held_root.fd >= 0)
                close(held_root.fd);
        free(held_root.path);
        held_root.path = NULL;
        held_root.fd = -1;
}

int fc_rootfs_open_target(const char *rootfs, const char *path, bool create, bool last_is_file,
                          fc_error_t *err)
{
        bool held = held_root.path != NULL && strcmp(held_root.path, rootfs) == 0;
        cleanup_close int own_fd = held ? -1 : open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int root_fd = held ? held_root.fd : own_fd;
        int fd;

        if (root_fd < 0)
                return fc_error_setm(err, -errno, "open rootfs %s", rootfs);
        if (openat2_state >= 0) {
                fd = open_in_root_openat2(root_fd, path);
                if (fd >= 0) {
                        openat2_state = 1;
                        return fd;
                }
                if (errno == ENOSYS || errno == EPERM) {
                        /* EPERM: a seccomp filter that does not know it. */
                        openat2_state = -1;
                } else if (errno != ENOENT || !create) {
                        return fc_error_setm(err, -errno, "resolve %s in %s", path, rootfs);
                } else {
                        openat2_state = 1;
                }
        }
        fd = walk_in_root(root_fd, path, create, last_is_file);
        if (fd < 0)
                return fc_error_setm(err, fd, "%s %s in %s", create ? "create" : "resolve", path,
                                     rootfs);
        return fd;
}
