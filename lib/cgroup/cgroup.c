/* SPDX-License-Identifier: Apache-2.0
 *
 * Mode-independent cgroup code: mode detection, discovery of the
 * hierarchies from /proc/self/{cgroup,mountinfo}, path rules, directory
 * creation and removal, enter/kill/pids, and the state.json string.  What
 * differs between v1 and v2 sits behind struct fc_cgroup_ops.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"
#include "lib/sys.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define CGROUP_ROOT    "/sys/fs/cgroup"
#define UNIFIED_HYBRID CGROUP_ROOT "/unified"

/* ---------------------------------------------------------------- files */

char *fc_cgroup_read_file(const char *path, fc_error_t *err)
{
        cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                fc_error_setm(err, -errno, "open %s", path);
                return NULL;
        }
        size_t cap = 4096, len = 0;
        cleanup_free char *buf = malloc(cap);
        if (buf == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        for (;;) {
                if (len + 1 >= cap) {
                        char *nb = realloc(buf, cap * 2);
                        if (nb == NULL) {
                                fc_error_set(err, -ENOMEM, "out of memory");
                                return NULL;
                        }
                        buf = nb;
                        cap *= 2;
                }
                ssize_t r = read(fd, buf + len, cap - len - 1);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        fc_error_setm(err, -errno, "read %s", path);
                        return NULL;
                }
                if (r == 0)
                        break;
                len += (size_t) r;
        }
        buf[len] = '\0';
        return steal_ptr(&buf);
}

/* `path` (for messages), opened as `rel` in `dirfd` (AT_FDCWD: `path`). */
static int write_file_at(int dirfd, const char *rel, const char *path, const char *content,
                         fc_error_t *err)
{
        cleanup_close int fd = openat(dirfd, rel, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return fc_error_setm(err, -errno, "open %s", path);
        size_t len = strlen(content);
        /* cgroup files take one value per write(2); a short write is an error. */
        ssize_t r = write(fd, content, len);
        if (r < 0)
                return fc_error_setm(err, -errno, "write \"%s\" to %s", content, path);
        if ((size_t) r != len)
                return fc_error_set(err, -EIO, "short write of \"%s\" to %s", content, path);
        return 0;
}

int fc_cgroup_write_file(const char *path, const char *content, fc_error_t *err)
{
        return write_file_at(AT_FDCWD, path, path, content, err);
}

int fc_cgroup_write_at(const char *dir, const char *file, const char *content, fc_error_t *err)
{
        cleanup_free char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        return fc_cgroup_write_file(p, content, err);
}

char *fc_cgroup_read_at(const struct fc_cgroup_hier *h, const char *file, fc_error_t *err)
{
        cleanup_free char *dir = fc_cgroup_hier_dir(h);
        cleanup_free char *p = NULL;
        if (dir == NULL || asprintf(&p, "%s/%s", dir, file) < 0) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        return fc_cgroup_read_file(p, err);
}

/* ----------------------------------------------------------------- mode */

const char *fc_cgroup_mode_name(enum fc_cgroup_mode mode)
{
        switch (mode) {
        case FC_CGROUP_MODE_V1:
                return "v1";
        case FC_CGROUP_MODE_HYBRID:
                return "hybrid";
        case FC_CGROUP_MODE_V2:
                return "v2";
        }
        return "?";
}

static int mode_from_name(const char *s)
{
        if (strcmp(s, "v1") == 0)
                return FC_CGROUP_MODE_V1;
        if (strcmp(s, "hybrid") == 0)
                return FC_CGROUP_MODE_HYBRID;
        if (strcmp(s, "v2") == 0)
                return FC_CGROUP_MODE_V2;
        return -1;
}

int fc_cgroup_mode(enum fc_cgroup_mode *ret_mode, fc_error_t *err)
{
        /* The host's layout does not change under a running runtime, so
         * one statfs per process is enough. */
        static int cached = -1;
        if (cached >= 0) {
                *ret_mode = (enum fc_cgroup_mode) cached;
                return 0;
        }
        struct statfs st;
        if (statfs(CGROUP_ROOT, &st) < 0)
                return fc_error_setm(err, -errno, "statfs %s", CGROUP_ROOT);
        if (st.f_type == CGROUP2_SUPER_MAGIC) {
                cached = FC_CGROUP_MODE_V2;
        } else if (st.f_type == TMPFS_MAGIC) {
                struct statfs un;
                if (statfs(UNIFIED_HYBRID, &un) == 0 && un.f_type == CGROUP2_SUPER_MAGIC)
                        cached = FC_CGROUP_MODE_HYBRID;
                else
                        cached = FC_CGROUP_MODE_V1;
        } else {
                cached = FC_CGROUP_MODE_V1;
        }
        *ret_mode = (enum fc_cgroup_mode) cached;
        return 0;
}

/* ---------------------------------------------------------------- paths */

char *fc_cgroup_clean_path(const char *path)
{
        size_t len = strlen(path);
        char *out = malloc(len + 2);
        if (out == NULL)
                return NULL;
        size_t o = 0;
        const char *p = path;
        while (*p) {
                while (*p == '/')
                        p++;
                if (*p == '\0')
                        break;
                const char *e = strchrnul(p, '/');
                size_t n = (size_t) (e - p);
                if (n == 1 && p[0] == '.') {
                        /* skip */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--;
                } else {
                        out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p = e;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = '\0';
        return out;
}

char *fc_cgroup_join_path(const char *own, const char *cgroups_path, const char *id,
                          fc_error_t *err)
{
        cleanup_free char *joined = NULL;
        int r;
        /* As runc: an absolute cgroupsPath is taken from each hierarchy's
         * mount; a relative one, and the default "<id>", hang below the
         * cgroup the runtime itself runs in. */
        if (cgroups_path != NULL && cgroups_path[0] == '/') {
                r = asprintf(&joined, "%s", cgroups_path);
        } else if (cgroups_path != NULL && cgroups_path[0] != '\0') {
                /* Cleaned on its own first so "../x" cannot climb out of `own`. */
                cleanup_free char *c = fc_cgroup_clean_path(cgroups_path);
                if (c == NULL) {
                        fc_error_set(err, -ENOMEM, "out of memory");
                        return NULL;
                }
                r = asprintf(&joined, "%s/%s", own, c);
        } else {
                if (id == NULL || id[0] == '\0' || strchr(id, '/') != NULL ||
                    strcmp(id, ".") == 0 || strcmp(id, "..") == 0) {
                        fc_error_set(err, -EINVAL, "invalid container id for a cgroup name: \"%s\"",
                                     id ? id : "");
                        return NULL;
                }
                r = asprintf(&joined, "%s/%s", own, id);
        }
        if (r < 0) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        char *c = fc_cgroup_clean_path(joined);
        if (c == NULL)
                fc_error_set(err, -ENOMEM, "out of memory");
        return c;
}

char *fc_cgroup_hier_dir(const struct fc_cgroup_hier *h)
{
        char *p = NULL;
        const char *rel = strcmp(h->rel, "/") == 0 ? "" : h->rel;
        if (asprintf(&p, "%s%s", h->mount, rel) < 0)
                return NULL;
        return p;
}

/* ------------------------------------------------------------ discovery */

void fc_cgroup_unescape_mountinfo(char *s)
{
        char *w = s;
        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char) (((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
                        r += 4;
                } else {
                        *w++ = *r++;
                }
        }
        *w = '\0';
}

/* The next field of a mountinfo line (fields are split by spaces), cut
 * off in place; NULL at the end of the line. */
static char *next_field(char **p)
{
        while (**p == ' ')
                (*p)++;
        if (**p == '\0' || **p == '\n')
                return NULL;
        char *f = *p;
        while (**p != '\0' && **p != ' ' && **p != '\n')
                (*p)++;
        if (**p != '\0')
                *(*p)++ = '\0';
        return f;
}

int fc_cgroup_parse_mountinfo_line(char *line, struct fc_mountinfo_entry *ret)
{
        /* id parent maj:min root mount-point options [optional...] - fstype source super */
        char *f[6] = {0};
        char *p = line, *tok = NULL;
        int i = 0;
        while (i < 6 && (tok = next_field(&p)) != NULL)
                f[i++] = tok;
        if (i < 6)
                return -EINVAL;
        while ((tok = next_field(&p)) != NULL && strcmp(tok, "-") != 0)
                ;
        if (tok == NULL)
                return -EINVAL;
        char *fstype = next_field(&p);
        char *source = next_field(&p);
        char *super = next_field(&p);
        if (fstype == NULL || source == NULL)
                return -EINVAL;
        fc_cgroup_unescape_mountinfo(f[3]);
        fc_cgroup_unescape_mountinfo(f[4]);
        fc_cgroup_unescape_mountinfo(source);
        ret->root = f[3];
        ret->mount_point = f[4];
        ret->fstype = fstype;
        ret->source = source;
        ret->super_opts = super ? super : "";
        return 0;
}

/* True if every comma-separated item of `want` is an item of `opts`. */
static bool opts_contain_all(const char *opts, const char *want)
{
        const char *w = want;
        while (*w) {
                const char *we = strchrnul(w, ',');
                size_t wn = (size_t) (we - w);
                bool found = false;
                for (const char *o = opts; *o;) {
                        const char *oe = strchrnul(o, ',');
                        if ((size_t) (oe - o) == wn && strncmp(o, w, wn) == 0) {
                                found = true;
                                break;
                        }
                        o = *oe ? oe + 1 : oe;
                }
                if (!found)
                        return false;
                w = *we ? we + 1 : we;
        }
        return true;
}

bool fc_cgroup_hier_has(const struct fc_cgroup_hier *h, const char *ctrl)
{
        return ctrl[0] != '\0' && opts_contain_all(h->controllers, ctrl);
}

void fc_cgroup_hier_clear(struct fc_cgroup_hier *h)
{
        free(h->controllers);
        free(h->mount);
        free(h->root);
        free(h->own);
        free(h->rel);
        memset(h, 0, sizeof(*h));
}

static void hier_array_free(struct fc_cgroup_hier *h, size_t n)
{
        for (size_t i = 0; i < n; i++)
                fc_cgroup_hier_clear(&h[i]);
        free(h);
}

/* Find the mount of one hierarchy.  The same hierarchy can be mounted more
 * than once (bind mounts elsewhere); the one under /sys/fs/cgroup wins,
 * else the first. */
static int find_mount(const struct fc_cgroup_mounts *m, bool v2, const char *controllers,
                      const char *preferred, char **ret_mount, char **ret_root, unsigned *ret_index)
{
        const struct fc_mountinfo_entry *best = NULL;
        unsigned best_index = 0;
        bool best_preferred = false;
        for (size_t i = 0; i < m->n; i++) {
                const struct fc_mountinfo_entry *e = &m->e[i];
                if (strcmp(e->fstype, v2 ? "cgroup2" : "cgroup") != 0)
                        continue;
                if (!v2 && !opts_contain_all(e->super_opts, controllers))
                        continue;
                bool pref = preferred && strncmp(e->mount_point, preferred, strlen(preferred)) == 0;
                if (best && (best_preferred || !pref))
                        continue;
                best = e;
                best_preferred = pref;
                best_index = m->index[i];
        }
        if (best == NULL)
                return -ENOENT;
        *ret_mount = strdup(best->mount_point);
        *ret_root = strdup(best->root);
        *ret_index = best_index;
        if (*ret_mount == NULL || *ret_root == NULL) {
                free(*ret_mount);
                free(*ret_root);
                return -ENOMEM;
        }
        return 0;
}

/* Our own cgroup relative to the mount: the /proc/self/cgroup path with
 * the mount's root stripped (a mount of a sub-tree, as inside a container
 * without a cgroup namespace, shows the tree from that root). */
static char *own_relative(const char *path, const char *root)
{
        size_t rl = strlen(root);
        if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0 &&
            (path[rl] == '/' || path[rl] == '\0'))
                path += rl;
        return fc_cgroup_clean_path(path);
}

static int by_mount_order(const void *a, const void *b)
{
        const struct fc_cgroup_hier *x = a, *y = b;
        return x->order < y->order ? -1 : x->order > y->order;
}

int fc_cgroup_discover(enum fc_cgroup_mode mode, const char *proc_cgroup, const char *mountinfo,
                       struct fc_cgroup_hier **ret_hier, size_t *ret_n, fc_error_t *err)
{
        bool want_v1 = mode != FC_CGROUP_MODE_V2;
        bool want_v2 = mode != FC_CGROUP_MODE_V1;
        const char *v2_pref = mode == FC_CGROUP_MODE_V2 ? CGROUP_ROOT : UNIFIED_HYBRID;
        struct fc_cgroup_hier *hier = NULL;
        size_t n = 0;
        cleanup_free char *copy = strdup(proc_cgroup);
        if (copy == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        __attribute__((cleanup(fc_cgroup_mounts_clear))) struct fc_cgroup_mounts mounts;
        if (fc_cgroup_mounts_parse(mountinfo, &mounts) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                /* hierarchy-id:controller-list:path; the path may contain ':' */
                char *c1 = strchr(line, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (c2 == NULL)
                        continue;
                *c1 = *c2 = '\0';
                const char *ctrls = c1 + 1, *path = c2 + 1;
                bool is_v2 = strcmp(line, "0") == 0 && ctrls[0] == '\0';
                if (is_v2 ? !want_v2 : !want_v1)
                        continue;
                if (!is_v2 && ctrls[0] == '\0')
                        continue;
                char *mnt = NULL, *root = NULL;
                unsigned index = 0;
                int r = find_mount(&mounts, is_v2, ctrls, is_v2 ? v2_pref : CGROUP_ROOT "/", &mnt,
                                   &root, &index);
                if (r == -ENOENT)
                        continue; /* a hierarchy nobody mounted: nothing to place */
                if (r < 0) {
                        hier_array_free(hier, n);
                        return fc_error_set(err, r, "out of memory");
                }
                struct fc_cgroup_hier *nh = realloc(hier, (n + 1) * sizeof(*hier));
                if (nh == NULL) {
                        free(mnt);
                        free(root);
                        hier_array_free(hier, n);
                        return fc_error_set(err, -ENOMEM, "out of memory");
                }
                hier = nh;
                struct fc_cgroup_hier *h = &hier[n++];
                memset(h, 0, sizeof(*h));
                h->v2 = is_v2;
                h->order = index;
                h->controllers = strdup(ctrls);
                h->mount = mnt;
                h->root = root;
                h->own = own_relative(path, root);
                if (h->controllers == NULL || h->own == NULL) {
                        hier_array_free(hier, n);
                        return fc_error_set(err, -ENOMEM, "out of memory");
                }
        }
        if (n == 0) {
                free(hier);
                return fc_error_set(err, -ENOENT, "no mounted cgroup hierarchy found for mode %s",
                                    fc_cgroup_mode_name(mode));
        }
        if (mode == FC_CGROUP_MODE_V2 && !hier[0].v2) {
                hier_array_free(hier, n);
                return fc_error_set(err, -ENOENT, "no cgroup2 mount found");
        }
        /* Host mount order, which is the order runc mounts the
         * hierarchies inside the container in. */
        qsort(hier, n, sizeof(*hier), by_mount_order);
        *ret_hier = hier;
        *ret_n = n;
        return 0;
}

/* ------------------------------------------------------------ handle */

struct fc_cgroup *fc_cgroup_new(enum fc_cgroup_mode mode, struct fc_cgroup_hier *hier, size_t n)
{
        struct fc_cgroup *cg = calloc(1, sizeof(*cg));
        if (cg == NULL)
                return NULL;
        cg->mode = mode;
        cg->ops = mode == FC_CGROUP_MODE_V2 ? &fc_cgroup_ops_v2 : &fc_cgroup_ops_v1;
        cg->hier = hier;
        cg->n_hier = n;
        cg->v2_fd = -1;
        cg->oom_ctl_fd = -1;
        return cg;
}

void fc_cgroup_free(struct fc_cgroup *cg)
{
        if (cg == NULL)
                return;
        hier_array_free(cg->hier, cg->n_hier);
        if (cg->v2_fd >= 0)
                close(cg->v2_fd);
        if (cg->oom_ctl_fd >= 0)
                close(cg->oom_ctl_fd);
        for (size_t i = 0; cg->parent_fd != NULL && i < cg->n_hier; i++)
                if (cg->parent_fd[i] >= 0)
                        close(cg->parent_fd[i]);
        free(cg->parent_fd);
        free(cg);
}

/* mkdir -p of h->rel below h->mount, counting the trailing components we
 * create so that removal undoes exactly those. */
static int make_dirs(struct fc_cgroup_hier *h, fc_error_t *err)
{
        cleanup_free char *full = fc_cgroup_hier_dir(h);
        if (full == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        size_t base = strlen(h->mount);
        h->n_created = 0;
        for (char *p = full + base + 1; p <= full + strlen(full); p++) {
                if (*p != '/' && *p != '\0')
                        continue;
                char saved = *p;
                *p = '\0';
                if (mkdir(full, 0755) == 0) {
                        h->n_created++;
                } else if (errno == EEXIST) {
                        /* Something inside a directory we made (a racing
                         * creator, or a control file named like the next
                         * component) still lies in our tree: count it, so
                         * the created part stays the trailing components. */
                        if (h->n_created > 0)
                                h->n_created++;
                } else {
                        int e = errno;
                        fc_error_setm(err, -e, "create cgroup %s", full);
                        /* Undo this hierarchy's part now: the removal code
                         * counts from the leaf, which does not exist. */
                        for (; h->n_created > 0; h->n_created--) {
                                char *s = strrchr(full, '/');
                                *s = '\0';
                                (void) rmdir(full);
                        }
                        return e == 0 ? -EIO : -e;
                }
                *p = saved;
                if (saved == '\0')
                        break;
        }
        return 0;
}

/* The directory of `h` with its last `up` components removed. */
static char *dir_up(const struct fc_cgroup_hier *h, unsigned up)
{
        char *full = fc_cgroup_hier_dir(h);
        if (full == NULL)
                return NULL;
        for (unsigned i = 0; i < up; i++) {
                char *s = strrchr(full, '/');
                if (s == NULL || s == full)
                        break;
                *s = '\0';
        }
        return full;
}

/* Remove child cgroups a container made inside its own (nested runtimes,
 * systemd in the container), deepest first. */
static int remove_children(const char *dir)
{
        cleanup_closedir DIR *d = opendir(dir);
        if (d == NULL)
                return errno == ENOENT ? 0 : -errno;
        struct dirent *de;
        int ret = 0;
        while ((de = readdir(d)) != NULL) {
                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                        continue;
                cleanup_free char *sub = NULL;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
                        return -ENOMEM;
                int r = remove_children(sub);
                if (r == 0 && rmdir(sub) < 0 && errno != ENOENT)
                        r = -errno;
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

/* Remove the parts cache's pooled cgroups in dir (lib/parts/cgpool.h:
 * empty cgroups named FC_CGROUP_POOL_PREFIX*).  Returns whether there were
 * any. */
static bool remove_pooled_in(const char *dir)
{
        cleanup_closedir DIR *d = opendir(dir);
        if (d == NULL)
                return false;
        bool any = false;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (strncmp(de->d_name, FC_CGROUP_POOL_PREFIX, strlen(FC_CGROUP_POOL_PREFIX)) != 0)
                        continue;
                cleanup_free char *sub = NULL;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) >= 0 && rmdir(sub) == 0)
                        any = true;
        }
        return any;
}

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

struct pid_list {
        pid_t *v;
        size_t n, cap;
};
static int collect_pids(const char *dir, struct pid_list *l, int depth, fc_error_t *err);

int fc_cgroup_remove_dir(const char *dir, bool kill_procs)
{
        int e = rmdir(dir) < 0 ? errno : 0;
        if (e == EBUSY || e == ENOTEMPTY) {
                (void) remove_children(dir);
                e = rmdir(dir) < 0 ? errno : 0;
        }
        if ((e == EBUSY || e == ENOTEMPTY) && kill_procs) {
                /* What holds it, in it or in a cgroup made below it. */
                struct pid_list l = {0};
                fc_error_t ignored = FC_ERROR_INIT;
                (void) collect_pids(dir, &l, 0, &ignored);
                fc_error_clear(&ignored);
                for (size_t i = 0; i < l.n; i++)
                        (void) kill(l.v[i], SIGKILL);
                free(l.v);
        }
        if (e == ENOENT)
                return 0;
        return e == ENOTEMPTY ? -EBUSY : -e;
}

int fc_cgroup_remove_dir_wait(const char *dir, fc_error_t *err)
{
        for (int attempt = 0; attempt < FC_CGROUP_REMOVE_TRIES; attempt++) {
                int r = fc_cgroup_remove_dir(dir, attempt > 0);
                if (r == 0)
                        return 0;
                if (r != -EBUSY)
                        return fc_error_setm(err, r, "remove cgroup %s", dir);
                sleep_ms(FC_CGROUP_REMOVE_RETRY_MS);
        }
        return fc_error_set(err, -EBUSY, "remove cgroup %s: processes remain after SIGKILL", dir);
}

bool fc_cgroup_is_empty(const struct fc_cgroup *cg)
{
        /* One read covers the subtree: a cgroup2 hierarchy's populated flag
         * (hybrid hosts have one beside the v1 ones), else the pids
         * controller's count. */
        const char *file = NULL, *want = NULL;
        const struct fc_cgroup_hier *h = NULL;
        for (size_t i = 0; i < cg->n_hier && h == NULL; i++)
                if (cg->hier[i].v2) {
                        h = &cg->hier[i];
                        file = "cgroup.events";
                        want = "populated 0\n";
                }
        for (size_t i = 0; i < cg->n_hier && h == NULL; i++)
                if (!cg->hier[i].v2 && opts_contain_all(cg->hier[i].controllers, "pids")) {
                        h = &cg->hier[i];
                        file = "pids.current";
                        want = "0\n";
                }
        if (h == NULL)
                return false;
        cleanup_free char *leaf = fc_cgroup_hier_dir(h);
        cleanup_free char *path = NULL;
        if (leaf == NULL || asprintf(&path, "%s/%s", leaf, file) < 0)
                return false;
        fc_error_t ignored = FC_ERROR_INIT;
        cleanup_free char *text = fc_cgroup_read_file(path, &ignored);
        fc_error_clear(&ignored);
        if (text == NULL)
                return false;
        return h->v2 ? strstr(text, want) != NULL : strcmp(text, want) == 0;
}

int fc_cgroup_retire_leaves(struct fc_cgroup *cg, const char *prefix, char ***ret_paths,
                            size_t *ret_n, fc_error_t *err)
{
        *ret_paths = NULL;
        *ret_n = 0;
        char **paths = calloc(cg->n_hier + 1, sizeof(*paths));
        if (paths == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        struct timespec ts;
        fc_sys_clock_gettime(CLOCK_MONOTONIC, &ts);
        int pid = (int) getpid();
        size_t n = 0;
        for (size_t i = 0; i < cg->n_hier; i++) {
                struct fc_cgroup_hier *h = &cg->hier[i];
                /* v2 cannot rename; parents we made go with the leaf, in
                 * order: both stay for fc_cgroup_destroy. */
                if (h->v2 || h->n_created != 1)
                        continue;
                cleanup_free char *leaf = fc_cgroup_hier_dir(h);
                char *slash = leaf ? strrchr(leaf, '/') : NULL;
                if (slash == NULL || slash == leaf)
                        continue;
                char *to = NULL;
                if (asprintf(&to, "%.*s/%s%d-%zu-%ld", (int) (slash - leaf), leaf, prefix, pid, i,
                             (long) ts.tv_nsec) < 0) {
                        fc_strv_free(paths);
                        return fc_error_set(err, -ENOMEM, "out of memory");
                }
                int dir = cg->parent_fd != NULL ? cg->parent_fd[i] : -1;
                if ((dir >= 0 ? renameat(dir, slash + 1, dir, to + (slash - leaf) + 1)
                              : rename(leaf, to)) < 0) {
                        free(to);
                        continue;
                }
                paths[n++] = to;
                h->n_created = 0;
        }
        *ret_paths = paths;
        *ret_n = n;
        return 0;
}

/* One removal pass over every hierarchy, leaf first.  Returns -EBUSY while
 * a leaf still holds processes.  A parent we created that someone else's
 * cgroup now shares is left alone, silently.  An absent directory counts
 * as removed, so passes can repeat. */
static int remove_dirs_once(struct fc_cgroup *cg, fc_error_t *err)
{
        int ret = 0;
        for (size_t i = 0; i < cg->n_hier; i++) {
                struct fc_cgroup_hier *h = &cg->hier[i];
                if (h->n_created == 0)
                        continue;
                cleanup_free char *leaf = fc_cgroup_hier_dir(h);
                if (leaf == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                /* Sub-cgroups (made inside the container) are rare: look
                 * for them only when the leaf will not go. */
                int e = rmdir(leaf) < 0 ? errno : 0;
                if (e == EBUSY || e == ENOTEMPTY) {
                        (void) remove_children(leaf);
                        e = rmdir(leaf) < 0 ? errno : 0;
                }
                if (e != 0 && e != ENOENT) {
                        if (e == EBUSY || e == ENOTEMPTY) {
                                ret = -EBUSY;
                                continue;
                        }
                        return fc_error_setm(err, -e, "remove cgroup %s", leaf);
                }
                for (unsigned up = 1; up < h->n_created; up++) {
                        cleanup_free char *d = dir_up(h, up);
                        if (d == NULL)
                                return fc_error_set(err, -ENOMEM, "out of memory");
                        if (rmdir(d) == 0 || errno == ENOENT)
                                continue;
                        /* The parts cache's pooled cgroups (empty, never
                         * used) do not keep a parent we made alive. */
                        if ((errno != EBUSY && errno != ENOTEMPTY) || !remove_pooled_in(d) ||
                            (rmdir(d) < 0 && errno != ENOENT))
                                break;
                }
                h->n_created = 0;
        }
        return ret;
}

int fc_cgroup_destroy(struct fc_cgroup *cg, fc_error_t *err)
{
        if (cg == NULL)
                return 0;
        /* About 1 s in 10 ms steps: SIGKILLed processes leave the cgroup
         * only once the kernel has reaped them, which takes a moment. */
        for (int attempt = 0; attempt < FC_CGROUP_REMOVE_TRIES; attempt++) {
                int r = remove_dirs_once(cg, err);
                if (r != -EBUSY)
                        return r;
                cleanup_error fc_error_t ignored = FC_ERROR_INIT;
                (void) fc_cgroup_signal_all(cg, SIGKILL, &ignored);
                sleep_ms(FC_CGROUP_REMOVE_RETRY_MS);
        }
        for (size_t i = 0; i < cg->n_hier; i++) {
                if (cg->hier[i].n_created == 0)
                        continue;
                cleanup_free char *leaf = fc_cgroup_hier_dir(&cg->hier[i]);
                return fc_error_set(err, -EBUSY, "remove cgroup %s: processes remain after SIGKILL",
                                    leaf ? leaf : cg->hier[i].rel);
        }
        return 0;
}

/* The hierarchy whose cgroup.procs answers "which processes": the v2 one
 * on v2, else a v1 hierarchy every runtime joins. */
static const struct fc_cgroup_hier *primary(const struct fc_cgroup *cg)
{
        static const char *const pref[] = {"pids", "devices", "memory", "freezer"};
        if (cg->mode == FC_CGROUP_MODE_V2)
                return &cg->hier[0];
        for (size_t p = 0; p < sizeof(pref) / sizeof(pref[0]); p++)
                for (size_t i = 0; i < cg->n_hier; i++)
                        if (!cg->hier[i].v2 && opts_contain_all(cg->hier[i].controllers, pref[p]))
                                return &cg->hier[i];
        return &cg->hier[0];
}

static int read_procs(const char *dir, struct pid_list *l, fc_error_t *err)
{
        cleanup_free char *path = NULL;
        if (asprintf(&path, "%s/cgroup.procs", dir) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        cleanup_free char *text = fc_cgroup_read_file(path, err);
        if (text == NULL)
                return err->status;
        for (char *p = text; *p;) {
                char *end;
                errno = 0;
                long v = strtol(p, &end, 10);
                if (end == p || errno != 0 || v <= 0 || (*end != '\n' && *end != '\0'))
                        return fc_error_set(err, -EINVAL, "unexpected content in %s", path);
                if (l->n == l->cap) {
                        size_t cap = l->cap ? l->cap * 2 : 16;
                        pid_t *np = realloc(l->v, cap * sizeof(*np));
                        if (np == NULL)
                                return fc_error_set(err, -ENOMEM, "out of memory");
                        l->v = np;
                        l->cap = cap;
                }
                l->v[l->n++] = (pid_t) v;
                p = *end ? end + 1 : end;
        }
        return 0;
}

/* The container's cgroup and every cgroup it made below its own (as runc
 * lists them for ps and kill --all). */
static int collect_pids(const char *dir, struct pid_list *l, int depth, fc_error_t *err)
{
        if (read_procs(dir, l, err) < 0)
                return err->status;
        if (depth > 64)
                return 0;
        cleanup_closedir DIR *d = opendir(dir);
        if (d == NULL)
                return 0; /* removed meanwhile */
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                        continue;
                cleanup_free char *sub = NULL;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                fc_error_t e = FC_ERROR_INIT;
                int r = collect_pids(sub, l, depth + 1, &e);
                /* A child cgroup may vanish while we walk. */
                if (r < 0 && r != -ENOENT) {
                        fc_error_append(err, &e);
                        return r;
                }
                fc_error_clear(&e);
        }
        return 0;
}

int fc_cgroup_pids(struct fc_cgroup *cg, pid_t **ret_pids, size_t *ret_n, fc_error_t *err)
{
        cleanup_free char *dir = fc_cgroup_hier_dir(primary(cg));
        if (dir == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        struct pid_list l = {0};
        if (collect_pids(dir, &l, 0, err) < 0) {
                free(l.v);
                return err->status;
        }
        *ret_pids = l.v;
        *ret_n = l.n;
        return 0;
}

/* A frozen task takes SIGKILL only once thawed (v1 freezer), so a kill of
 * a paused container thaws it after the signal is queued, as runc does:
 * the processes then die instead of running on. */
static int thaw_after_kill(struct fc_cgroup *cg, int sig, int r)
{
        if (r < 0 || sig != SIGKILL)
                return r;
        fc_error_t e = FC_ERROR_INIT;
        bool frozen = false;
        if (cg->ops->is_frozen(cg, &frozen, &e) == 0 && frozen)
                (void) cg->ops->freeze(cg, false, &e);
        fc_error_clear(&e);
        return r;
}

static int signal_all(struct fc_cgroup *cg, int sig, fc_error_t *err);

int fc_cgroup_signal_all(struct fc_cgroup *cg, int sig, fc_error_t *err)
{
        return thaw_after_kill(cg, sig, signal_all(cg, sig, err));
}

static int signal_all(struct fc_cgroup *cg, int sig, fc_error_t *err)
{
        /* cgroup.kill (5.14) kills atomically, forks included. */
        if (sig == SIGKILL) {
                for (size_t i = 0; i < cg->n_hier; i++) {
                        if (!cg->hier[i].v2)
                                continue;
                        cleanup_free char *dir = fc_cgroup_hier_dir(&cg->hier[i]);
                        cleanup_free char *kill_path = NULL;
                        if (dir == NULL || asprintf(&kill_path, "%s/cgroup.kill", dir) < 0)
                                return fc_error_set(err, -ENOMEM, "out of memory");
                        if (access(kill_path, F_OK) == 0)
                                return fc_cgroup_write_file(kill_path, "1", err);
                }
        }
        /* Without freezing, a process forking right now can escape this
         * pass; destroy repeats it until the cgroup is empty. */
        cleanup_free pid_t *pids = NULL;
        size_t n = 0;
        if (fc_cgroup_pids(cg, &pids, &n, err) < 0)
                return err->status == -ENOENT ? (fc_error_clear(err), 0) : err->status;
        for (size_t i = 0; i < n; i++)
                if (kill(pids[i], sig) < 0 && errno != ESRCH)
                        return fc_error_setm(err, -errno, "kill %d", (int) pids[i]);
        return 0;
}

int fc_cgroup_enter(struct fc_cgroup *cg, pid_t pid, fc_error_t *err)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", (int) pid);
        for (size_t i = 0; i < cg->n_hier; i++) {
                cleanup_free char *dir = fc_cgroup_hier_dir(&cg->hier[i]);
                cleanup_free char *path = NULL;
                if (dir == NULL || asprintf(&path, "%s/cgroup.procs", dir) < 0)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                /* From the parent kept open (a pooled cgroup): two lookups
                 * instead of a walk from "/". */
                int parent = cg->parent_fd != NULL ? cg->parent_fd[i] : -1;
                const char *rel = parent >= 0 ? path + (strrchr(dir, '/') - dir) + 1 : path;
                if (write_file_at(parent >= 0 ? parent : AT_FDCWD, rel, path, buf, err) < 0)
                        return fc_error_wrap(err, "enter cgroup");
        }
        return 0;
}

int fc_cgroup_v2_dirfd(struct fc_cgroup *cg)
{
        /* On hybrid hosts CLONE_INTO_CGROUP would place the child in the
         * unified hierarchy only, so the caller must use enter there. */
        if (cg->mode != FC_CGROUP_MODE_V2)
                return -1;
        if (cg->v2_fd < 0) {
                cleanup_free char *dir = fc_cgroup_hier_dir(&cg->hier[0]);
                if (dir == NULL)
                        return -1;
                cg->v2_fd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        }
        return cg->v2_fd;
}

int fc_cgroup_mount(const struct fc_cgroup *cg, const char *dest, unsigned long flags,
                    bool cgroupns, fc_error_t *err)
{
        return cg->ops->mount(cg, dest, flags, cgroupns, err);
}

/* ------------------------------------------------ update, freeze, stats */

int fc_cgroup_update(struct fc_cgroup *cg, const struct fc_resources *res, fc_error_t *err)
{
        if (res && res->n_devices > 0)
                return fc_error_set(err, -EOPNOTSUPP,
                                    "linux.resources.devices: cannot be updated (as runc)");
        /* v2 derives memory.swap.max from memory+swap minus the limit: an
         * update of the swap alone takes the limit in force, as runc does. */
        struct fc_resources copy;
        struct fc_memory mem;
        if (res && res->memory && cg->mode == FC_CGROUP_MODE_V2 && res->memory->has_swap &&
            !res->memory->has_limit) {
                cleanup_free char *cur = fc_cgroup_read_at(&cg->hier[0], "memory.max", err);
                if (cur == NULL)
                        return err->status;
                char *end = NULL;
                errno = 0;
                long long v = strtoll(cur, &end, 10);
                copy = *res;
                mem = *res->memory;
                if (errno == 0 && end != cur && (*end == '\n' || *end == '\0')) {
                        mem.has_limit = true;
                        mem.limit = v;
                } else if (strncmp(cur, "max", 3) == 0) {
                        mem.has_limit = true;
                        mem.limit = -1;
                }
                copy.memory = &mem;
                res = &copy;
        }
        struct fc_cgroup_write *w = NULL;
        size_t n = 0;
        if (fc_cgroup_resources_plan(cg->mode, res, &w, &n, err) < 0)
                return err->status;
        int r = cg->ops->update(cg, w, n, err);
        fc_cgroup_writes_free(w, n);
        return r;
}

int fc_cgroup_freeze(struct fc_cgroup *cg, bool frozen, fc_error_t *err)
{
        return cg->ops->freeze(cg, frozen, err);
}

int fc_cgroup_is_frozen(struct fc_cgroup *cg, bool *ret_frozen, fc_error_t *err)
{
        *ret_frozen = false;
        return cg->ops->is_frozen(cg, ret_frozen, err);
}

int fc_cgroup_stats(struct fc_cgroup *cg, struct fc_stats *ret, fc_error_t *err)
{
        memset(ret, 0, sizeof(*ret));
        int r = cg->ops->stats(cg, ret, err);
        if (r < 0)
                fc_stats_clear(ret);
        return r;
}

int fc_cgroup_oom_open(struct fc_cgroup *cg, fc_error_t *err)
{
        return cg->ops->oom_open(cg, err);
}

int fc_cgroup_oom_read(struct fc_cgroup *cg, int fd, uint64_t *ret_count, fc_error_t *err)
{
        *ret_count = 0;
        return cg->ops->oom_read(cg, fd, ret_count, err);
}

/* ------------------------------------------------------------- create */

/* Where the cgroup goes, and whether its resources can be applied, without
 * creating anything: the init can be cloned with this handle while the
 * runtime makes the directories (fc_cgroup_make). */
static struct fc_cgroup *plan_in(enum fc_cgroup_mode mode, const char *proc_cgroup,
                                 const char *mountinfo, const char *cgroups_path, const char *id,
                                 const struct fc_resources *res, fc_error_t *err)
{
        /* Plan the writes and validate the device rules before any
         * directory exists. */
        struct fc_cgroup_write *writes = NULL;
        size_t n_writes = 0;
        if (fc_cgroup_resources_plan(mode, res, &writes, &n_writes, err) < 0)
                return NULL;
        fc_cgroup_writes_free(writes, n_writes);
        struct fc_device_cgroup *rules = NULL;
        size_t n_rules = 0;
        if (fc_cgroup_device_rules(res, &rules, &n_rules, err) < 0)
                return NULL;
        free(rules);

        struct fc_cgroup_hier *hier = NULL;
        size_t n = 0;
        if (fc_cgroup_discover(mode, proc_cgroup, mountinfo, &hier, &n, err) < 0)
                return NULL;
        cleanup_cgroup struct fc_cgroup *cg = fc_cgroup_new(mode, hier, n);
        if (cg == NULL) {
                hier_array_free(hier, n);
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        for (size_t i = 0; i < n; i++) {
                hier[i].rel = fc_cgroup_join_path(hier[i].own, cgroups_path, id, err);
                if (hier[i].rel == NULL)
                        return NULL;
        }
        return steal_ptr(&cg);
}

void fc_cgroup_claim_missing(struct fc_cgroup *cg)
{
        for (size_t i = 0; i < cg->n_hier; i++) {
                struct fc_cgroup_hier *h = &cg->hier[i];
                h->n_created = 0;
                for (unsigned up = 0;; up++) {
                        cleanup_free char *d = up ? dir_up(h, up) : fc_cgroup_hier_dir(h);
                        struct stat sb;
                        if (d == NULL || strlen(d) <= strlen(h->mount) || stat(d, &sb) == 0)
                                break;
                        h->n_created++;
                }
        }
}

static int append_raw(char **buf, size_t *len, const char *s);

/* The parent of a hierarchy's leaf, relative to its mount ("/" at the
 * top).  malloc'd. */
static char *parent_rel(const struct fc_cgroup_hier *h)
{
        const char *slash = strrchr(h->rel, '/');
        if (slash == NULL || slash == h->rel)
                return strdup("/");
        return strndup(h->rel, (size_t) (slash - h->rel));
}

char *fc_cgroup_pool_key(const struct fc_cgroup *cg)
{
        if (cg == NULL || cg->mode == FC_CGROUP_MODE_V2)
                return NULL;
        char *key = NULL;
        size_t len = 0;
        for (size_t i = 0; i < cg->n_hier; i++) {
                const struct fc_cgroup_hier *h = &cg->hier[i];
                if (h->v2)
                        continue;
                if (strcmp(h->rel, "/") == 0) {
                        free(key);
                        return NULL; /* the hierarchy's root itself: no parent */
                }
                cleanup_free char *parent = parent_rel(h);
                cleanup_free char *line = NULL;
                if (parent == NULL || strpbrk(parent, "\t\n") || strpbrk(h->mount, "\t\n") ||
                    asprintf(&line, "%s\t%s\n", h->mount, parent) < 0 ||
                    append_raw(&key, &len, line) < 0) {
                        free(key);
                        return NULL;
                }
        }
        if (key == NULL || len >= FC_CGROUP_POOL_KEY_MAX) {
                free(key);
                return NULL;
        }
        return key;
}

/* The pooled directory beside h's leaf.  malloc'd. */
static char *pooled_dir(const struct fc_cgroup_hier *h, const char *pooled)
{
        cleanup_free char *leaf = fc_cgroup_hier_dir(h);
        char *slash = leaf ? strrchr(leaf, '/') : NULL;
        char *src = NULL;
        if (slash == NULL || asprintf(&src, "%.*s/%s", (int) (slash - leaf), leaf, pooled) < 0)
                return NULL;
        return src;
}

void fc_cgroup_drop_pooled(const struct fc_cgroup *cg, const char *pooled)
{
        if (cg == NULL || pooled == NULL || pooled[0] == '\0')
                return;
        for (size_t i = 0; i < cg->n_hier; i++) {
                if (cg->hier[i].v2)
                        continue;
                cleanup_free char *src = pooled_dir(&cg->hier[i], pooled);
                if (src)
                        (void) rmdir(src);
        }
}

/* Rename the pooled directory beside h's leaf to the leaf, through their
 * parent directory, kept in *parent_fd (by path when parent_fd is NULL or
 * the parent cannot be opened).  On failure the pooled one is removed (it
 * is empty: nothing has entered it). */
static bool take_pooled(struct fc_cgroup_hier *h, const char *pooled, int *parent_fd)
{
        cleanup_free char *leaf = fc_cgroup_hier_dir(h);
        cleanup_free char *src = pooled_dir(h, pooled);
        char *slash = leaf ? strrchr(leaf, '/') : NULL;
        if (slash == NULL || slash == leaf || src == NULL)
                return false;
        *slash = '\0';
        cleanup_close int dir =
                parent_fd != NULL ? open(leaf, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
        *slash = '/';
        if (dir >= 0 ? renameat(dir, pooled, dir, slash + 1) == 0 : rename(src, leaf) == 0) {
                h->n_created = 1;
                if (dir >= 0) {
                        if (*parent_fd >= 0)
                                close(*parent_fd);
                        *parent_fd = steal_fd(&dir);
                }
                return true;
        }
        (void) rmdir(src);
        return false;
}

bool fc_cgroup_took_pooled(const struct fc_cgroup *cg)
{
        return cg != NULL && cg->took_pooled;
}

int fc_cgroup_make(struct fc_cgroup *cg, const struct fc_resources *res, fc_error_t *err)
{
        return fc_cgroup_make_from(cg, res, NULL, NULL, NULL, err);
}

int fc_cgroup_make_from(struct fc_cgroup *cg, const struct fc_resources *res, const char *pooled,
                        int (*dirs_made)(void *data, fc_error_t *err), void *data, fc_error_t *err)
{
        /* A claim (fc_cgroup_claim_missing) is for the record only: a failed
         * make must undo what it made, not what it meant to. */
        for (size_t i = 0; i < cg->n_hier; i++)
                cg->hier[i].n_created = 0;
        struct fc_cgroup_write *writes = NULL;
        size_t n_writes = 0, n_v1 = 0, n_took = 0;
        int r = fc_cgroup_resources_plan(cg->mode, res, &writes, &n_writes, err);
        if (r == 0 && pooled && pooled[0] && cg->parent_fd == NULL) {
                cg->parent_fd = malloc(cg->n_hier * sizeof(*cg->parent_fd));
                for (size_t i = 0; cg->parent_fd != NULL && i < cg->n_hier; i++)
                        cg->parent_fd[i] = -1;
        }
        for (size_t i = 0; i < cg->n_hier && r == 0; i++) {
                struct fc_cgroup_hier *h = &cg->hier[i];
                n_v1 += !h->v2;
                if (pooled && pooled[0] && !h->v2 &&
                    take_pooled(h, pooled, cg->parent_fd ? &cg->parent_fd[i] : NULL)) {
                        n_took++;
                        continue;
                }
                r = make_dirs(h, err);
        }
        cg->took_pooled = r == 0 && n_v1 > 0 && n_took == n_v1;
        if (r == 0 && dirs_made != NULL)
                r = dirs_made(data, err);
        if (r == 0)
                r = cg->ops->setup(cg, res, writes, n_writes, err);
        fc_cgroup_writes_free(writes, n_writes);
        if (r < 0) {
                fc_cgroup_drop_pooled(cg, pooled);
                /* Nothing has entered yet, so no process can keep a
                 * directory busy: one pass removes everything we made. */
                fc_error_t second = FC_ERROR_INIT;
                if (remove_dirs_once(cg, &second) < 0 && second.status == 0)
                        fc_error_set(&second, -EBUSY, "cgroup busy during cleanup");
                if (second.status != 0)
                        fc_error_append(err, &second);
                return r;
        }
        return 0;
}

struct fc_cgroup *fc_cgroup_create_in(enum fc_cgroup_mode mode, const char *proc_cgroup,
                                      const char *mountinfo, const char *cgroups_path,
                                      const char *id, const struct fc_resources *res,
                                      fc_error_t *err)
{
        cleanup_cgroup struct fc_cgroup *cg =
                plan_in(mode, proc_cgroup, mountinfo, cgroups_path, id, res, err);
        if (cg == NULL || fc_cgroup_make(cg, res, err) < 0)
                return NULL;
        return steal_ptr(&cg);
}

struct fc_cgroup *fc_cgroup_plan(const char *cgroups_path, const char *id, bool systemd,
                                 const struct fc_resources *res, const char *mounts_file,
                                 fc_error_t *err)
{
        if (systemd) {
                if (access("/run/systemd/system", F_OK) < 0)
                        fc_error_set(err, -EOPNOTSUPP,
                                     "systemd cgroup driver requested but systemd is not running");
                else
                        fc_error_set(err, -EOPNOTSUPP,
                                     "systemd cgroup driver is not supported yet");
                return NULL;
        }
        enum fc_cgroup_mode mode;
        if (fc_cgroup_mode(&mode, err) < 0)
                return NULL;
        cleanup_free char *self = fc_cgroup_read_file("/proc/self/cgroup", err);
        if (self == NULL)
                return NULL;
        bool keep = mounts_file != NULL;
        cleanup_free char *mi = keep ? fc_cgroup_mounts_kept(mounts_file, &keep) : NULL;
        if (mi == NULL) {
                uint64_t ids[FC_CGROUP_MOUNTS_MAX];
                long n = keep ? fc_cgroup_mount_ids(ids) : -1;
                mi = fc_cgroup_read_file("/proc/self/mountinfo", err);
                if (mi == NULL)
                        return NULL;
                if (n >= 0)
                        fc_cgroup_mounts_keep(mounts_file, mi, ids, n);
        }
        return plan_in(mode, self, mi, cgroups_path, id, res, err);
}

struct fc_cgroup *fc_cgroup_create(const char *cgroups_path, const char *id, bool systemd,
                                   const struct fc_resources *res, fc_error_t *err)
{
        cleanup_cgroup struct fc_cgroup *cg =
                fc_cgroup_plan(cgroups_path, id, systemd, res, NULL, err);
        if (cg == NULL || fc_cgroup_make(cg, res, err) < 0)
                return NULL;
        return steal_ptr(&cg);
}

bool fc_cgroup_is_v2(const struct fc_cgroup *cg)
{
        return cg->mode == FC_CGROUP_MODE_V2;
}

/* ------------------------------------------------------- serialization */

static int append_raw(char **buf, size_t *len, const char *s)
{
        size_t sl = strlen(s);
        char *nb = realloc(*buf, *len + sl + 1);
        if (nb == NULL)
                return -ENOMEM;
        *buf = nb;
        memcpy(nb + *len, s, sl + 1);
        *len += sl;
        return 0;
}

/* One line: "fc-cgroup/1 <mode>" then per hierarchy
 * " <1|2>:<n_created>:<controllers>:<mount>:<root>:<rel>", each text field
 * %XX-escaped so that ':', ' ', '%' and control bytes survive. */
static bool escaped_byte(unsigned char c)
{
        return c <= 0x20 || c >= 0x7f || c == '%' || c == ':';
}

static size_t escaped_len(const char *s)
{
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                n += escaped_byte(*p) ? 3 : 1;
        return n;
}

static char *put_escaped(char *w, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (escaped_byte(*p)) {
                        *w++ = '%';
                        *w++ = hex[*p >> 4];
                        *w++ = hex[*p & 15];
                } else {
                        *w++ = (char) *p;
                }
        }
        return w;
}

static char *put_text(char *w, const char *s)
{
        size_t n = strlen(s);
        memcpy(w, s, n);
        return w + n;
}

static char *put_uint(char *w, unsigned v)
{
        char digits[10];
        size_t n = 0;
        do {
                digits[n++] = (char) ('0' + v % 10);
                v /= 10;
        } while (v != 0);
        while (n > 0)
                *w++ = digits[--n];
        return w;
}

/* Sized first and written once: a create serializes twice, a `run`
 * before its init is cloned. */
char *fc_cgroup_serialize(const struct fc_cgroup *cg, fc_error_t *err)
{
        static const char magic[] = "fc-cgroup/1 ";
        const char *mode = fc_cgroup_mode_name(cg->mode);
        size_t need = sizeof(magic) + strlen(mode);
        for (size_t i = 0; i < cg->n_hier; i++) {
                const struct fc_cgroup_hier *h = &cg->hier[i];
                /* " 2:" n_created ":" and three more ':' */
                need += 3 + 10 + 4 + escaped_len(h->controllers) + escaped_len(h->mount) +
                        escaped_len(h->root) + escaped_len(h->rel);
        }
        char *buf = malloc(need);
        if (buf == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        char *w = put_text(put_text(buf, magic), mode);
        for (size_t i = 0; i < cg->n_hier; i++) {
                const struct fc_cgroup_hier *h = &cg->hier[i];
                *w++ = ' ';
                *w++ = h->v2 ? '2' : '1';
                *w++ = ':';
                w = put_uint(w, h->n_created);
                *w++ = ':';
                w = put_escaped(w, h->controllers);
                *w++ = ':';
                w = put_escaped(w, h->mount);
                *w++ = ':';
                w = put_escaped(w, h->root);
                *w++ = ':';
                w = put_escaped(w, h->rel);
        }
        *w = '\0';
        return buf;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* Unescape [s, e) into a new string; NULL on a malformed escape. */
static char *unescape_field(const char *s, const char *e)
{
        char *out = malloc((size_t) (e - s) + 1), *w = out;
        if (out == NULL)
                return NULL;
        for (const char *p = s; p < e; p++) {
                if (*p == '%') {
                        int hi = p + 2 < e ? hexval(p[1]) : -1;
                        int lo = hi >= 0 ? hexval(p[2]) : -1;
                        if (lo < 0) {
                                free(out);
                                return NULL;
                        }
                        *w++ = (char) (hi * 16 + lo);
                        p += 2;
                } else {
                        *w++ = *p;
                }
        }
        *w = '\0';
        return out;
}

static int parse_hier(const char *tok, struct fc_cgroup_hier *h)
{
        /* kind:n:controllers:mount:root:rel */
        const char *f[6], *fe[6];
        const char *p = tok;
        for (int i = 0; i < 6; i++) {
                f[i] = p;
                const char *c = i < 5 ? strchr(p, ':') : p + strlen(p);
                if (c == NULL)
                        return -EINVAL;
                fe[i] = c;
                p = c + 1;
        }
        if (fe[0] - f[0] != 1 || (f[0][0] != '1' && f[0][0] != '2'))
                return -EINVAL;
        h->v2 = f[0][0] == '2';
        char *end;
        errno = 0;
        unsigned long nc = strtoul(f[1], &end, 10);
        if (errno != 0 || end != fe[1] || end == f[1] || nc > 4096)
                return -EINVAL;
        h->n_created = (unsigned) nc;
        h->controllers = unescape_field(f[2], fe[2]);
        h->mount = unescape_field(f[3], fe[3]);
        h->root = unescape_field(f[4], fe[4]);
        h->rel = unescape_field(f[5], fe[5]);
        if (!h->controllers || !h->mount || !h->root || !h->rel)
                return -EINVAL;
        if (h->mount[0] != '/' || h->rel[0] != '/')
                return -EINVAL;
        return 0;
}

struct fc_cgroup *fc_cgroup_deserialize(const char *s, fc_error_t *err)
{
        static const char magic[] = "fc-cgroup/1 ";
        if (s == NULL || strncmp(s, magic, sizeof(magic) - 1) != 0) {
                fc_error_set(err, -EINVAL, "invalid cgroup state \"%s\"", s ? s : "");
                return NULL;
        }
        cleanup_free char *copy = strdup(s + sizeof(magic) - 1);
        if (copy == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        char *save = NULL;
        char *mode_s = strtok_r(copy, " ", &save);
        int mode = mode_s ? mode_from_name(mode_s) : -1;
        if (mode < 0) {
                fc_error_set(err, -EINVAL, "invalid cgroup state \"%s\": unknown mode", s);
                return NULL;
        }
        cleanup_cgroup struct fc_cgroup *cg = fc_cgroup_new((enum fc_cgroup_mode) mode, NULL, 0);
        if (cg == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        for (char *tok = strtok_r(NULL, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                struct fc_cgroup_hier *nh = realloc(cg->hier, (cg->n_hier + 1) * sizeof(*nh));
                if (nh == NULL) {
                        fc_error_set(err, -ENOMEM, "out of memory");
                        return NULL;
                }
                cg->hier = nh;
                struct fc_cgroup_hier *h = &nh[cg->n_hier++];
                memset(h, 0, sizeof(*h));
                if (parse_hier(tok, h) < 0) {
                        fc_error_set(err, -EINVAL, "invalid cgroup state \"%s\"", s);
                        return NULL;
                }
        }
        if (cg->n_hier == 0 || (mode == FC_CGROUP_MODE_V2 && !cg->hier[0].v2)) {
                fc_error_set(err, -EINVAL, "invalid cgroup state \"%s\": no hierarchy", s);
                return NULL;
        }
        return steal_ptr(&cg);
}
