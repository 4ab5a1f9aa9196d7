/* SPDX-License-Identifier: Apache-2.0
 *
 * Pooled /dev trees: see lib/parts/devpool.h.
 */
#include "lib/parts/devpool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/context.h"
#include "lib/fdpass.h"
#include "lib/parts/parts.h"
#include "lib/parts/protocol.h"
#include "lib/parts/treejob.h"
#include "lib/rootfs.h"
#include "lib/sys.h"

/* After a failed build of a set, wait this long before the next. */
#define RETRY_NS (1000ULL * 1000000ULL)
/* Between the fields of a key's line, and between a mount's options. */
#define SEP    '\t'
#define OPTSEP '\x1f'

/* ---- the key ---- */

/* What the device setup makes in /dev besides the config's devices: a
 * mount or a device there would collide with the tree's nodes. */
static const char *const made_paths[] = {
        "/dev/null", "/dev/zero",  "/dev/full",   "/dev/random", "/dev/urandom", "/dev/tty",
        "/dev/fd",   "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/ptmx",    "/dev/core",
};

/* "/a/b" written plainly (fc_parts_clean_path), and not "/" itself. */
static bool canonical(const char *p)
{
        return p != NULL && strcmp(p, "/") != 0 && fc_parts_clean_path(p);
}

/* Whether `p` is `dir` or below it. */
static bool under(const char *p, const char *dir)
{
        size_t n = strlen(dir);
        return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* Whether a mount at `d` and what the tree holds at `x` would meet: one
 * at or below the other. */
static bool meet(const char *d, const char *x)
{
        return under(d, x) || under(x, d);
}

/* Text that fits in a key field: no separators, no newline. */
static bool plain(const char *s)
{
        return s != NULL && strpbrk(s, "\t\n\x1f") == NULL;
}

/* A mount entry a tree can stand for: not a bind, no copy-up or id map,
 * plain text; of `type` at `dest`. */
static bool tree_mount(const struct fc_mount *m, const char *dest, const char *type)
{
        if (m->destination == NULL || strcmp(m->destination, dest) != 0 || m->type == NULL ||
            strcmp(m->type, type) != 0 || m->n_uid_mappings || m->n_gid_mappings ||
            (m->source != NULL && !plain(m->source)))
                return false;
        for (size_t i = 0; i < m->n_options; i++)
                if (!plain(m->options[i]) || m->options[i][0] == '\0')
                        return false;
        struct fc_mount_plan plan;
        fc_error_t e = FC_ERROR_INIT;
        if (fc_mount_plan_from_entry(m, &plan, &e) < 0) {
                fc_error_clear(&e);
                return false;
        }
        bool ok = !plan.bind && !plan.tmpcopyup && !plan.idmap;
        fc_mount_plan_clear(&plan);
        return ok;
}

/* Keys are written field by field: a create makes two, and fprintf's
 * format parsing cost several times the copying (callgrind: 36k
 * instructions for 20 calls). */
static void put_mount(FILE *f, const struct fc_mount *m)
{
        fputc('M', f);
        fputc(SEP, f);
        fputs(m->destination, f);
        fputc(SEP, f);
        fputs(m->type, f);
        fputc(SEP, f);
        fputc(m->source ? 's' : 'n', f);
        fputs(m->source ? m->source : "", f);
        fputc(SEP, f);
        for (size_t i = 0; i < m->n_options; i++) {
                if (i > 0)
                        fputc(OPTSEP, f);
                fputs(m->options[i], f);
        }
        fputc('\n', f);
}

static void put_device(FILE *f, const struct fc_device *d)
{
        char mode[16] = "-", uid[16] = "-", gid[16] = "-";
        if (d->has_file_mode)
                snprintf(mode, sizeof(mode), "%" PRIu32, d->file_mode);
        if (d->has_uid)
                snprintf(uid, sizeof(uid), "%" PRIu32, d->uid);
        if (d->has_gid)
                snprintf(gid, sizeof(gid), "%" PRIu32, d->gid);
        fprintf(f, "D\t%s\t%s\t%" PRId64 "\t%" PRId64 "\t%s\t%s\t%s\n", d->type, d->path, d->major,
                d->minor, mode, uid, gid);
}

char *fc_devtree_key(const struct fc_config *cfg, size_t *first, size_t *n)
{
        const struct fc_linux *l = cfg->linux_;
        size_t at = cfg->n_mounts;
        for (size_t i = 0; i < cfg->n_mounts; i++) {
                const char *d = cfg->mounts[i].destination;
                if (d == NULL)
                        return NULL;
                if (strncmp(d, "/dev", 4) == 0 && (d[4] == '\0' || d[4] == '/')) {
                        /* The first under /dev must be /dev itself. */
                        if (!tree_mount(&cfg->mounts[i], "/dev", "tmpfs"))
                                return NULL;
                        at = i;
                        break;
                }
                if (!canonical(d) && strstr(d, "dev") != NULL)
                        return NULL; /* could resolve into /dev */
        }
        if (at == cfg->n_mounts || (l && l->mount_label && l->mount_label[0]))
                return NULL;
        /* devpts and shm right after it come with it. */
        size_t count = 1;
        bool pts = false, shm = false;
        while (at + count < cfg->n_mounts) {
                const struct fc_mount *m = &cfg->mounts[at + count];
                if (!pts && tree_mount(m, "/dev/pts", "devpts"))
                        pts = true;
                else if (!shm && tree_mount(m, "/dev/shm", "tmpfs"))
                        shm = true;
                else
                        break;
                count++;
        }
        /* Nothing mounted later may meet what the tree holds (the cold
         * path makes the nodes after every mount, on top of them): not
         * /dev again, nothing at, below or above a node, or the tree's pts or shm. */
        for (size_t i = at + count; i < cfg->n_mounts; i++) {
                const char *d = cfg->mounts[i].destination;
                if (d == NULL || !canonical(d))
                        return NULL;
                if (!under(d, "/dev"))
                        continue;
                if (strcmp(d, "/dev") == 0 || (pts && meet(d, "/dev/pts")) ||
                    (shm && meet(d, "/dev/shm")))
                        return NULL;
                for (size_t k = 0; k < sizeof(made_paths) / sizeof(made_paths[0]); k++)
                        if (meet(d, made_paths[k]))
                                return NULL;
                for (size_t k = 0; l && k < l->n_devices; k++)
                        if (l->devices[k].path == NULL || meet(d, l->devices[k].path))
                                return NULL;
        }
        for (size_t k = 0; l && k < l->n_devices; k++) {
                const struct fc_device *d = &l->devices[k];
                if (d->type == NULL || !plain(d->type) || d->path == NULL || !canonical(d->path) ||
                    !plain(d->path) || !under(d->path, "/dev") || strcmp(d->path, "/dev") == 0 ||
                    under(d->path, "/dev/pts") || under(d->path, "/dev/shm"))
                        return NULL;
        }
        cleanup_free char *key = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&key, &len);
        if (f == NULL)
                return NULL;
        for (size_t i = at; i < at + count; i++)
                put_mount(f, &cfg->mounts[i]);
        for (size_t k = 0; l && k < l->n_devices; k++)
                put_device(f, &l->devices[k]);
        if (fclose(f) != 0 || key == NULL || len >= FC_PARTS_DEV_KEY_MAX)
                return NULL;
        *first = at;
        *n = count;
        return steal_ptr(&key);
}

/* Split `line` at SEP into at most `max` fields; their number. */
static size_t split(char *line, char sep, char **fields, size_t max)
{
        size_t n = 0;
        for (char *c = line; n < max;) {
                fields[n++] = c;
                char *e = strchr(c, sep);
                if (e == NULL)
                        break;
                *e = '\0';
                c = e + 1;
        }
        return n;
}

static int parse_u32(const char *s, bool *has, uint32_t *v)
{
        *has = strcmp(s, "-") != 0;
        if (!*has)
                return 0;
        char *end;
        errno = 0;
        unsigned long long x = strtoull(s, &end, 10);
        if (errno || end == s || *end || x > UINT32_MAX)
                return -EINVAL;
        *v = (uint32_t) x;
        return 0;
}

static int parse_i64(const char *s, int64_t *v)
{
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (errno || end == s || *end)
                return -EINVAL;
        *v = x;
        return 0;
}

static int parse_mount(char *line, struct fc_mount *m)
{
        char *f[5];
        if (split(line, SEP, f, 5) != 5 || f[4][strcspn(f[4], "\t")] != '\0' || !canonical(f[1]) ||
            f[2][0] == '\0' || (f[3][0] != 's' && f[3][0] != 'n'))
                return -EINVAL;
        if ((m->destination = strdup(f[1])) == NULL || (m->type = strdup(f[2])) == NULL ||
            (f[3][0] == 's' && (m->source = strdup(f[3] + 1)) == NULL))
                return -ENOMEM;
        if (f[4][0] == '\0')
                return 0;
        size_t n = 1;
        for (const char *c = f[4]; *c; c++)
                n += *c == OPTSEP;
        if ((m->options = calloc(n, sizeof(char *))) == NULL)
                return -ENOMEM;
        char *opt[64];
        if (n > 64 || split(f[4], OPTSEP, opt, n) != n)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (opt[i][0] == '\0' || (m->options[i] = strdup(opt[i])) == NULL)
                        return opt[i][0] == '\0' ? -EINVAL : -ENOMEM;
                m->n_options++;
        }
        return 0;
}

static int parse_device(char *line, struct fc_device *d)
{
        char *f[8];
        if (split(line, SEP, f, 8) != 8 || f[7][strcspn(f[7], "\t")] != '\0' || !canonical(f[2]) ||
            !under(f[2], "/dev"))
                return -EINVAL;
        if ((d->type = strdup(f[1])) == NULL || (d->path = strdup(f[2])) == NULL)
                return -ENOMEM;
        if (parse_i64(f[3], &d->major) < 0 || parse_i64(f[4], &d->minor) < 0 ||
            parse_u32(f[5], &d->has_file_mode, &d->file_mode) < 0 ||
            parse_u32(f[6], &d->has_uid, &d->uid) < 0 || parse_u32(f[7], &d->has_gid, &d->gid) < 0)
                return -EINVAL;
        return 0;
}

/* For a key parser: a copy of `key` to split (*ret_copy) and an empty
 * config with room for n_mounts mounts and n_devices devices, when the key
 * is newline-ended text that begins with `head`; NULL and *err otherwise. */
static struct fc_config *key_config(const char *key, const char *head, const char *what,
                                    size_t n_mounts, size_t n_devices, char **ret_copy,
                                    fc_error_t *err)
{
        if (key[0] == '\0' || key[strlen(key) - 1] != '\n' ||
            strncmp(key, head, strlen(head)) != 0) {
                fc_error_set(err, -EINVAL, "%s key: not a /%s tree's", what, what);
                return NULL;
        }
        struct fc_config *c = calloc(1, sizeof(*c));
        if ((*ret_copy = strdup(key)) == NULL || c == NULL ||
            (c->linux_ = calloc(1, sizeof(*c->linux_))) == NULL ||
            (c->mounts = calloc(n_mounts, sizeof(*c->mounts))) == NULL ||
            (n_devices > 0 &&
             (c->linux_->devices = calloc(n_devices, sizeof(*c->linux_->devices))) == NULL)) {
                fc_config_free(c);
                free(*ret_copy);
                *ret_copy = NULL;
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        return c;
}

struct fc_config *fc_devtree_key_parse(const char *key, fc_error_t *err)
{
        size_t lines = 0;
        for (const char *c = key; *c; c++)
                lines += *c == '\n';
        cleanup_free char *copy = NULL;
        struct fc_config *c = key_config(key, "M\t/dev\t", "dev", lines, lines, &copy, err);
        if (c == NULL)
                return NULL;
        int r = 0;
        char *save = NULL;
        bool devices = false;
        for (char *line = strtok_r(copy, "\n", &save); line && r == 0;
             line = strtok_r(NULL, "\n", &save)) {
                if (line[0] == 'M' && line[1] == SEP && !devices) {
                        r = parse_mount(line, &c->mounts[c->n_mounts++]);
                } else if (line[0] == 'D' && line[1] == SEP) {
                        devices = true;
                        r = parse_device(line, &c->linux_->devices[c->linux_->n_devices++]);
                } else {
                        r = -EINVAL;
                }
        }
        if (r < 0) {
                fc_config_free(c);
                fc_error_set(err, r, "dev key: %s", r == -ENOMEM ? "out of memory" : "malformed");
                return NULL;
        }
        return c;
}

/* ---- a /proc tree's key ---- */

/* The MS_* flags a pooled proc mount may have: per-mount attributes that
 * fsmount(2) sets as the mount(2) of the cold path would. */
#define PROC_FLAGS                                                                                 \
        (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
         MS_STRICTATIME)

/* A path the tree may resolve inside a pid namespace with no process yet:
 * not one that names or goes through a process (/proc/<pid>, self,
 * thread-self, and the links into self: net, mounts). */
static bool proc_path_ok(const char *p)
{
        const char *c = p + strlen("/proc/");
        size_t n = strcspn(c, "/");
        if (n == 0 || strspn(c, "0123456789") >= n)
                return false;
        static const char *const by_process[] = {"self", "thread-self", "net", "mounts"};
        for (size_t i = 0; i < sizeof(by_process) / sizeof(by_process[0]); i++)
                if (strlen(by_process[i]) == n && strncmp(c, by_process[i], n) == 0)
                        return false;
        return plain(p);
}

/* Appends the masked or read-only paths under /proc to f; false when one
 * of the list could reach /proc other than plainly. */
static bool put_proc_paths(FILE *f, char tag, char *const *paths, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const char *p = paths[i];
                if (p == NULL || strcmp(p, "/") == 0)
                        return false;
                if (!canonical(p)) {
                        if (strstr(p, "proc") != NULL)
                                return false;
                        continue;
                }
                if (!under(p, "/proc"))
                        continue;
                /* Below /proc/sys the entries are looked up per network,
                 * IPC and UTS namespace (net/, kernel/shm*, user/...): the
                 * builder's would not be the container's. */
                if (strcmp(p, "/proc") == 0 || !proc_path_ok(p) ||
                    (under(p, "/proc/sys") && strcmp(p, "/proc/sys") != 0))
                        return false;
                /* A read-only path inside one listed after it: the cold
                 * path's recursive bind of the outer one copies the inner
                 * one's bind, which the tree's single binds do not. */
                for (size_t k = 0; tag == 'R' && k < i; k++)
                        if (paths[k] != NULL && under(paths[k], p))
                                return false;
                fputc(tag, f);
                fputc(SEP, f);
                fputs(p, f);
                fputc('\n', f);
        }
        return true;
}

char *fc_proctree_key(const struct fc_config *cfg, size_t *index)
{
        const struct fc_linux *l = cfg->linux_;
        if (l && l->mount_label && l->mount_label[0])
                return NULL;
        /* What the cold path does between its proc mount and the masks
         * could see the difference: sysctls are written to /proc/sys
         * before it is made read-only, createContainer hooks run before
         * the masks. */
        if ((l && l->n_sysctl) || (cfg->hooks && cfg->hooks->n_hooks[FC_HOOK_CREATE_CONTAINER]))
                return NULL;
        size_t at = cfg->n_mounts;
        for (size_t i = 0; i < cfg->n_mounts; i++) {
                const char *d = cfg->mounts[i].destination;
                if (d == NULL || !canonical(d))
                        return NULL; /* could resolve into /proc, or be "/" */
                if (!under(d, "/proc"))
                        continue;
                if (at != cfg->n_mounts || !tree_mount(&cfg->mounts[i], "/proc", "proc"))
                        return NULL; /* only the proc mount itself */
                at = i;
        }
        if (at == cfg->n_mounts)
                return NULL;
        struct fc_mount_plan plan;
        fc_error_t e = FC_ERROR_INIT;
        if (fc_mount_plan_from_entry(&cfg->mounts[at], &plan, &e) < 0) {
                fc_error_clear(&e);
                return NULL;
        }
        bool plain_flags = (plan.flags & ~(unsigned long) PROC_FLAGS) == 0 && plan.data == NULL &&
                           plan.propagation == 0 && plan.attr_set == 0 && plan.attr_clr == 0 &&
                           !plan.needs_remount;
        fc_mount_plan_clear(&plan);
        if (!plain_flags)
                return NULL;
        /* A masked file gets the container's /dev/null bound over it: the
         * tree's null is made on a tmpfs like the config's /dev. */
        const struct fc_mount *dev = NULL;
        for (size_t i = 0; i < cfg->n_mounts && dev == NULL; i++)
                if (strcmp(cfg->mounts[i].destination, "/dev") == 0)
                        dev = &cfg->mounts[i];
        if (dev == NULL || !tree_mount(dev, "/dev", "tmpfs"))
                return NULL;
        cleanup_free char *key = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&key, &len);
        if (f == NULL)
                return NULL;
        put_mount(f, &cfg->mounts[at]);
        put_mount(f, dev);
        /* runc's order, kept by the builder: read-only paths, then masked. */
        bool ok = !l || (put_proc_paths(f, 'R', l->readonly_paths, l->n_readonly_paths) &&
                         put_proc_paths(f, 'K', l->masked_paths, l->n_masked_paths));
        if (fclose(f) != 0 || !ok || key == NULL || len >= FC_PARTS_PROC_KEY_MAX)
                return NULL;
        *index = at;
        return steal_ptr(&key);
}

bool fc_proctree_covers(const char *path)
{
        return path != NULL && canonical(path) && under(path, "/proc") &&
               strcmp(path, "/proc") != 0;
}

static int add_path(char ***list, size_t *n, const char *p)
{
        if (!canonical(p) || !under(p, "/proc") || !proc_path_ok(p) ||
            (under(p, "/proc/sys") && strcmp(p, "/proc/sys") != 0))
                return -EINVAL;
        char **grown = realloc(*list, (*n + 1) * sizeof(char *));
        if (grown == NULL)
                return -ENOMEM;
        *list = grown;
        if ((grown[*n] = strdup(p)) == NULL)
                return -ENOMEM;
        (*n)++;
        return 0;
}

bool fc_proctree_part_ok(int tree_fd, int pidns_fd)
{
        struct statfs sf;
        return fstatfs(tree_fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC &&
               ioctl(pidns_fd, NS_GET_NSTYPE) == CLONE_NEWPID;
}

struct fc_config *fc_proctree_key_parse(const char *key, fc_error_t *err)
{
        cleanup_free char *copy = NULL;
        struct fc_config *c = key_config(key, "M\t/proc\tproc\t", "proc", 2, 0, &copy, err);
        if (c == NULL)
                return NULL;
        int r = 0;
        char *save = NULL;
        bool masked = false;
        for (char *line = strtok_r(copy, "\n", &save); line && r == 0;
             line = strtok_r(NULL, "\n", &save)) {
                if (line[0] == 'M' && line[1] == SEP && c->n_mounts < 2) {
                        r = parse_mount(line, &c->mounts[c->n_mounts++]);
                        if (r == 0 && strcmp(c->mounts[c->n_mounts - 1].destination,
                                             c->n_mounts == 1 ? "/proc" : "/dev") != 0)
                                r = -EINVAL;
                } else if (c->n_mounts < 2) {
                        r = -EINVAL;
                } else if (line[0] == 'R' && line[1] == SEP && !masked) {
                        r = add_path(&c->linux_->readonly_paths, &c->linux_->n_readonly_paths,
                                     line + 2);
                } else if (line[0] == 'K' && line[1] == SEP) {
                        masked = true;
                        r = add_path(&c->linux_->masked_paths, &c->linux_->n_masked_paths,
                                     line + 2);
                } else {
                        r = -EINVAL;
                }
        }
        if (r == 0 && c->n_mounts != 2)
                r = -EINVAL;
        if (r < 0) {
                fc_config_free(c);
                fc_error_set(err, r, "proc key: %s", r == -ENOMEM ? "out of memory" : "malformed");
                return NULL;
        }
        return c;
}

/* ---- a /proc tree ---- */

/* fs options ("mode=755,size=65536k"), one fsconfig each. */
static int set_options(int fs, const char *data)
{
        if (data == NULL)
                return 0;
        cleanup_free char *copy = strdup(data);
        if (copy == NULL)
                return -1;
        char *save = NULL;
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(o, '=');
                if (eq != NULL)
                        *eq = '\0';
                if ((eq ? fc_sys_fsconfig(fs, FSCONFIG_SET_STRING, o, eq + 1, 0)
                        : fc_sys_fsconfig(fs, FSCONFIG_SET_FLAG, o, NULL, 0)) < 0)
                        return -1;
        }
        return 0;
}

/* A new detached mount of `type` (source `source`, fs options `data`),
 * read-only through and through with `ro`; -1 and errno on failure. */
static int new_mount(const char *type, const char *source, const char *data, const char *pidns_key,
                     int pidns, bool ro, unsigned int attrs)
{
        cleanup_close int fs = fc_sys_fsopen(type, FSOPEN_CLOEXEC);
        if (fs < 0 || fc_sys_fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0 ||
            set_options(fs, data) < 0 ||
            (pidns_key != NULL &&
             fc_sys_fsconfig(fs, FSCONFIG_SET_FD, pidns_key, NULL, pidns) < 0) ||
            (ro && fc_sys_fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0) ||
            fc_sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -1;
        return fc_sys_fsmount(fs, FSMOUNT_CLOEXEC, attrs | (ro ? MOUNT_ATTR_RDONLY : 0));
}

/* `path` (under /proc) in the detached tree: an O_PATH fd, -1 with errno
 * ENOENT when it is not there (skipped, as the cold path does). */
static int tree_open(int tree, const char *path)
{
        struct open_how how = {.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        return fc_sys_openat2(tree, path + strlen("/proc/"), &how, sizeof(how));
}

static int attach(int mnt, int onto)
{
        return fc_sys_move_mount(mnt, "", onto, "",
                                 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* The container's /dev as the config mounts it (`dev`, a tmpfs), with its
 * null device: what the cold path binds over masked files.  *ro: whether
 * the config's /dev is read-only (the init makes it so before the masks). */
static int make_null(const struct fc_mount *dev, bool *ro)
{
        struct fc_mount_plan plan;
        fc_error_t err = FC_ERROR_INIT;
        if (fc_mount_plan_from_entry(dev, &plan, &err) < 0) {
                fc_error_clear(&err);
                errno = EINVAL;
                return -1;
        }
        *ro = (plan.flags & MS_RDONLY) != 0;
        int fd = new_mount("tmpfs", dev->source ? dev->source : "tmpfs", plan.data, NULL, -1, false,
                           fc_mount_attr_from_flags(plan.flags & ~(unsigned long) MS_RDONLY));
        fc_mount_plan_clear(&plan);
        if (fd >= 0 && (mknodat(fd, "null", S_IFCHR | 0666, makedev(1, 3)) < 0 ||
                        fchmodat(fd, "null", 0666, 0) < 0)) {
                close(fd);
                return -1;
        }
        return fd;
}

/* What the init's finish would make of the paths, on a detached proc
 * mount: a read-only path bound (recursively) over itself, read-only; a
 * masked directory under a read-only tmpfs, a masked file under a null
 * device (made on a tmpfs of the tree's own, as the container's /dev
 * would have it). */
static int build_paths(int tree, const struct fc_linux *l, const struct fc_mount *dev)
{
        for (size_t i = 0; i < l->n_readonly_paths; i++) {
                cleanup_close int at = tree_open(tree, l->readonly_paths[i]);
                if (at < 0) {
                        if (errno == ENOENT)
                                continue;
                        return -1;
                }
                cleanup_close int copy = fc_sys_open_tree(
                        at, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
                struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
                if (copy < 0 ||
                    fc_sys_mount_setattr(copy, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0 ||
                    attach(copy, at) < 0)
                        return -1;
        }
        cleanup_close int null_dir = -1;
        bool null_ro = false;
        for (size_t i = 0; i < l->n_masked_paths; i++) {
                cleanup_close int at = tree_open(tree, l->masked_paths[i]);
                struct stat sb;
                if (at < 0) {
                        if (errno == ENOENT)
                                continue;
                        return -1;
                }
                if (fstat(at, &sb) < 0)
                        return -1;
                if (S_ISDIR(sb.st_mode)) {
                        cleanup_close int t = new_mount("tmpfs", "tmpfs", NULL, NULL, -1, true, 0);
                        if (t < 0 || attach(t, at) < 0)
                                return -1;
                        continue;
                }
                if (null_dir < 0 && (null_dir = make_null(dev, &null_ro)) < 0)
                        return -1;
                cleanup_close int null =
                        fc_sys_open_tree(null_dir, "null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
                if (null < 0 ||
                    (null_ro &&
                     fc_sys_mount_setattr(null, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0) ||
                    attach(null, at) < 0)
                        return -1;
        }
        return 0;
}

/* In the builder: a new pid namespace (ours for our children, of which we
 * make none: it stays empty until a runtime clones a container's init
 * into it) and the config's /proc for it, masks included.  Linux 6.17's
 * `pidns` option of procfs, and mounts on a detached tree (6.15): an
 * older kernel fails here, and the pool stays empty (a miss). */
static int build_proc_child(int sock, const char *key)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *c = fc_proctree_key_parse(key, &err);
        struct fc_mount_plan plan;
        if (c == NULL || fc_mount_plan_from_entry(&c->mounts[0], &plan, &err) < 0)
                return 1;
        unsigned long flags = plan.flags;
        fc_mount_plan_clear(&plan);
        if (unshare(CLONE_NEWPID) < 0)
                return 1;
        cleanup_close int self = fc_sys_pidfd_open(getpid(), 0);
        cleanup_close int ns = self < 0 ? -1 : ioctl(self, PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE, 0);
        if (ns < 0)
                return 1;
        const char *source = c->mounts[0].source ? c->mounts[0].source : "proc";
        /* Read-only, the superblock too, as mount(2) makes it. */
        cleanup_close int tree =
                new_mount("proc", source, NULL, "pidns", ns, (flags & MS_RDONLY) != 0,
                          fc_mount_attr_from_flags(flags & ~(unsigned long) MS_RDONLY));
        int r = tree < 0 || build_paths(tree, c->linux_, &c->mounts[1]) < 0;
        int fds[2] = {tree, ns};
        if (r == 0 && fc_fdpass_sendv(sock, "t", 1, fds, 2) != 1)
                r = 1;
        fc_config_free(c);
        return r;
}

/* ---- the pool ---- */

/* Whether procfs takes the `pidns` option (Linux 6.17): our own pid
 * namespace is one it accepts. */
static bool procfs_takes_pidns(void)
{
        cleanup_close int fs = fc_sys_fsopen("proc", FSOPEN_CLOEXEC);
        cleanup_close int ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        return fs >= 0 && ns >= 0 && fc_sys_fsconfig(fs, FSCONFIG_SET_FD, "pidns", NULL, ns) == 0;
}

int fc_devpools_init(struct fc_devpools *p, unsigned target, bool proc, const char *socket_path,
                     fc_error_t *err)
{
        memset(p, 0, sizeof(*p));
        p->target = target;
        p->proc = proc;
        fc_tree_job_init(&p->job);
        p->scratch = fc_parts_sibling_path(socket_path, FC_PARTS_TREE_DIR);
        if (p->scratch == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        /* (lib/parts/cgpool.c makes it, and removes it at the end.)  The
         * builder compares the paths it resolves with it: canonical. */
        char *real = NULL;
        if ((mkdir(p->scratch, 0700) < 0 && errno != EEXIST) ||
            (real = realpath(p->scratch, NULL)) == NULL) {
                free(p->scratch);
                p->scratch = NULL; /* no trees */
                return 0;
        }
        free(p->scratch);
        p->scratch = real;
        /* A kernel whose procfs takes no pidns (before 6.17) builds no
         * /proc tree: none is pooled, and no shelf tells the runtimes to
         * look for one. */
        if (proc && !procfs_takes_pidns())
                p->target = 0;
        if (proc && p->target > 0)
                fc_shelf_open(&p->shelf, socket_path);
        return 0;
}

static void set_clear(struct fc_devpool_set *s)
{
        for (unsigned i = 0; i < 2 * s->n_ready; i++)
                if (s->fds[i] >= 0)
                        close(s->fds[i]);
        free(s->fds);
        free(s->key);
        memset(s, 0, sizeof(*s));
}

void fc_devpools_free(struct fc_devpools *p)
{
        fc_devpools_sweep(p, 0);
        for (unsigned s = 0; s < p->n_sets; s++)
                set_clear(&p->set[s]);
        p->n_sets = 0;
        fc_tree_job_reap(&p->job, true);
        free(p->job_key);
        p->job_key = NULL;
        free(p->scratch);
        p->scratch = NULL;
        fc_shelf_close(&p->shelf);
}

static struct fc_devpool_set *learn(struct fc_devpools *p, const char *key, uint64_t now)
{
        /* Only a key fc_devtree_key (fc_proctree_key) makes of the config
         * it describes: so a tree is built of a plain tmpfs /dev, devpts
         * and shm only (of a plain proc mount and paths under it). */
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *c =
                p->proc ? fc_proctree_key_parse(key, &err) : fc_devtree_key_parse(key, &err);
        fc_error_clear(&err);
        size_t first = 0, n = p->proc ? 2 : 1; /* a proc key holds /proc and /dev */
        char *again = c == NULL ? NULL
                      : p->proc ? fc_proctree_key(c, &first)
                                : fc_devtree_key(c, &first, &n);
        bool same = again && first == 0 && n == c->n_mounts && strcmp(again, key) == 0;
        free(again);
        fc_config_free(c);
        if (!same) {
                p->refused++;
                return NULL;
        }
        char *k = strdup(key);
        int *fds = calloc(2 * (size_t) p->target, sizeof(int));
        if (k == NULL || fds == NULL) {
                free(k);
                free(fds);
                return NULL;
        }
        if (p->n_sets == FC_DEVPOOL_SETS) {
                unsigned lru = 0;
                for (unsigned s = 1; s < p->n_sets; s++)
                        if (p->set[s].used_ns < p->set[lru].used_ns)
                                lru = s;
                /* Its trees are torn down after the reply (a grace period
                 * each): the sweep closes them. */
                struct fc_devpool_set *old = &p->set[lru];
                while (old->n_ready > 0 && p->n_drop + 2 <= sizeof(p->drop) / sizeof(p->drop[0])) {
                        old->n_ready--;
                        p->drop[p->n_drop++] = old->fds[2 * old->n_ready];
                        p->drop[p->n_drop++] = old->fds[2 * old->n_ready + 1];
                }
                int a, b;
                while (fc_shelf_unput(&p->shelf, old->key, &a, &b)) {
                        if (p->n_drop + 2 <= sizeof(p->drop) / sizeof(p->drop[0])) {
                                p->drop[p->n_drop++] = a;
                                p->drop[p->n_drop++] = b;
                        } else {
                                close(a);
                                close(b);
                        }
                }
                set_clear(old);
                p->set[lru] = p->set[--p->n_sets];
        }
        struct fc_devpool_set *s = &p->set[p->n_sets++];
        *s = (struct fc_devpool_set){.key = k, .fds = fds, .used_ns = now};
        return s;
}

static struct fc_devpool_set *find_set(struct fc_devpools *p, const char *key)
{
        for (unsigned i = 0; i < p->n_sets; i++)
                if (strcmp(p->set[i].key, key) == 0)
                        return &p->set[i];
        return NULL;
}

void fc_devpools_note(struct fc_devpools *p, const char *key, uint64_t now, bool miss)
{
        if (p->target == 0 || p->scratch == NULL)
                return;
        struct fc_devpool_set *s = find_set(p, key);
        if (s == NULL && (s = learn(p, key, now)) == NULL)
                return;
        s->used_ns = now;
        if (miss)
                p->misses++;
}

int fc_devpools_take(struct fc_devpools *p, const char *key, uint64_t now, int *second)
{
        *second = -1;
        if (p->target == 0 || p->scratch == NULL)
                return -1;
        struct fc_devpool_set *s = find_set(p, key);
        if (s == NULL)
                s = learn(p, key, now);
        if (s == NULL)
                return -1;
        s->used_ns = now;
        int a, b;
        if (s->n_ready == 0 && s->n_shelved > 0 && fc_shelf_unput(&p->shelf, s->key, &a, &b)) {
                s->n_shelved--;
                p->hits++;
                *second = b;
                return a;
        }
        if (s->n_ready == 0) {
                p->misses++;
                return -1;
        }
        int fd = s->fds[0];
        *second = s->fds[1];
        memmove(s->fds, s->fds + 2, 2 * (s->n_ready - 1) * sizeof(int));
        s->n_ready--;
        p->hits++;
        return fd;
}

bool fc_devpools_need(const struct fc_devpools *p, uint64_t now)
{
        if (fc_tree_job_busy(&p->job))
                return false; /* one build at a time: its end wakes the loop */
        for (unsigned i = 0; i < p->n_sets; i++)
                if (p->set[i].n_ready + p->set[i].n_shelved < p->target &&
                    now >= p->set[i].retry_ns)
                        return true;
        return false;
}

/* In the builder: a fake rootfs (a tmpfs on the scratch directory, in a
 * mount namespace of our own), its /dev made as the init would make a
 * container's, and a detached clone of that sent on `sock`. */
static int build_child(int sock, const char *scratch, const char *key)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *c = fc_devtree_key_parse(key, &err);
        if (c == NULL || unshare(CLONE_NEWNS) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
            mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0 ||
            fc_rootfs_build_dev(scratch, c, &err) < 0)
                return 1;
        cleanup_free char *dev = NULL;
        if (asprintf(&dev, "%s/dev", scratch) < 0)
                return 1;
        int fd =
                fc_sys_open_tree(AT_FDCWD, dev, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (fd < 0 || fc_fdpass_send(sock, "t", 1, fd) != 1)
                return 1;
        return 0;
}

struct build_arg {
        const char *scratch, *key;
};

static int build_child_main(int sock, const void *arg)
{
        const struct build_arg *a = arg;
        return build_child(sock, a->scratch, a->key);
}

static int build_proc_child_main(int sock, const void *arg)
{
        const struct build_arg *a = arg;
        return build_proc_child(sock, a->key);
}

void fc_devpools_refill_one(struct fc_devpools *p, uint64_t now)
{
        if (fc_tree_job_busy(&p->job) || p->scratch == NULL)
                return;
        struct fc_devpool_set *best = NULL;
        for (unsigned i = 0; i < p->n_sets; i++) {
                struct fc_devpool_set *s = &p->set[i];
                unsigned have = s->n_ready + s->n_shelved;
                if (have < p->target && now >= s->retry_ns &&
                    (best == NULL || have < best->n_ready + best->n_shelved))
                        best = s;
        }
        if (best == NULL)
                return;
        struct build_arg a = {p->scratch, best->key};
        if ((p->job_key = strdup(best->key)) == NULL ||
            fc_tree_job_start(&p->job, p->proc ? build_proc_child_main : build_child_main, &a,
                              now) < 0) {
                free(p->job_key);
                p->job_key = NULL;
                p->errors++;
                best->retry_ns = now + RETRY_NS;
        }
}

void fc_devpools_job_done(struct fc_devpools *p, uint64_t now)
{
        if (!fc_tree_job_busy(&p->job))
                return;
        int second = -1;
        int fd = fc_tree_job_finish(&p->job, p->proc ? &second : NULL);
        struct fc_devpool_set *s = NULL;
        for (unsigned i = 0; i < p->n_sets && s == NULL; i++)
                if (strcmp(p->set[i].key, p->job_key) == 0)
                        s = &p->set[i];
        free(p->job_key);
        p->job_key = NULL;
        if (fd < 0 || (p->proc && second < 0)) {
                if (fd >= 0)
                        close(fd);
                p->errors++;
                if (s != NULL)
                        s->retry_ns = now + RETRY_NS;
                return;
        }
        p->made++;
        if (s != NULL && s->n_ready + s->n_shelved < p->target && p->proc && !p->off_shelf &&
            fc_shelf_put(&p->shelf, s->key, fd, second)) {
                s->n_shelved++;
        } else if (s != NULL && s->n_ready < p->target) {
                s->fds[2 * s->n_ready] = fd;
                s->fds[2 * s->n_ready + 1] = second;
                s->n_ready++;
        } else {
                close(fd); /* its set was evicted meanwhile */
                if (second >= 0)
                        close(second);
        }
}

int fc_devpools_wake_ms(const struct fc_devpools *p, uint64_t now)
{
        return fc_tree_job_wake_ms(&p->job, now);
}

struct shelf_taken {
        struct fc_devpools *p;
        uint64_t now;
};

/* A part left the shelf: taken by a runtime, or lost with a runtime that
 * died holding its claim.  (A part of a set evicted meanwhile, and
 * learned again since, is counted against the new set: counts only.) */
static void shelf_gone(void *arg, const char *key, bool taken)
{
        struct shelf_taken *t = arg;
        struct fc_devpool_set *s = find_set(t->p, key);
        if (s == NULL || s->n_shelved == 0)
                return;
        s->n_shelved--;
        s->used_ns = t->now;
        if (taken)
                t->p->hits++;
}

void fc_devpools_sweep(struct fc_devpools *p, uint64_t now)
{
        struct shelf_taken t = {p, now};
        if (fc_shelf_sweep(&p->shelf, now, shelf_gone, &t) > 0 && !p->off_shelf) {
                /* Freed slots take the parts that did not fit on the shelf:
                 * a runtime that clones before its lease finds them only
                 * there. */
                for (unsigned i = 0; i < p->n_sets; i++) {
                        struct fc_devpool_set *s = &p->set[i];
                        while (s->n_ready > 0 &&
                               fc_shelf_put(&p->shelf, s->key, s->fds[2 * s->n_ready - 2],
                                            s->fds[2 * s->n_ready - 1])) {
                                s->n_ready--;
                                s->n_shelved++;
                        }
                }
        }
        if (fc_tree_job_overdue(&p->job, now))
                fc_devpools_job_done(p, now);
        fc_tree_job_reap(&p->job, false);
        while (p->n_drop > 0)
                if (p->drop[--p->n_drop] >= 0)
                        close(p->drop[p->n_drop]);
}

unsigned fc_devpools_ready(const struct fc_devpools *p)
{
        unsigned n = 0;
        for (unsigned i = 0; i < p->n_sets; i++)
                n += p->set[i].n_ready + p->set[i].n_shelved;
        return n;
}
