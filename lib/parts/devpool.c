/* SPDX-License-Identifier: Apache-2.0
 *
 * Pooled /dev trees: see lib/parts/devpool.h.
 */
#include "lib/parts/devpool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

static void put_mount(FILE *f, const struct fc_mount *m)
{
        fprintf(f, "M%c%s%c%s%c%c%s%c", SEP, m->destination, SEP, m->type, SEP,
                m->source ? 's' : 'n', m->source ? m->source : "", SEP);
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

struct fc_config *fc_devtree_key_parse(const char *key, fc_error_t *err)
{
        size_t lines = 0;
        for (const char *c = key; *c; c++)
                lines += *c == '\n';
        if (key[0] == '\0' || key[strlen(key) - 1] != '\n' || strncmp(key, "M\t/dev\t", 7) != 0) {
                fc_error_set(err, -EINVAL, "dev key: not a /dev tree's");
                return NULL;
        }
        cleanup_free char *copy = strdup(key);
        struct fc_config *c = calloc(1, sizeof(*c));
        if (copy == NULL || c == NULL || (c->linux_ = calloc(1, sizeof(*c->linux_))) == NULL ||
            (c->mounts = calloc(lines, sizeof(*c->mounts))) == NULL ||
            (c->linux_->devices = calloc(lines, sizeof(*c->linux_->devices))) == NULL) {
                fc_config_free(c);
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
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

/* ---- the pool ---- */

int fc_devpools_init(struct fc_devpools *p, unsigned target, const char *socket_path,
                     fc_error_t *err)
{
        memset(p, 0, sizeof(*p));
        p->target = target;
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
        return 0;
}

static void set_clear(struct fc_devpool_set *s)
{
        for (unsigned i = 0; i < s->n_ready; i++)
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
}

static struct fc_devpool_set *learn(struct fc_devpools *p, const char *key, uint64_t now)
{
        /* Only a key fc_devtree_key makes of the config it describes: so a
         * tree is built of a plain tmpfs /dev, devpts and shm only. */
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *c = fc_devtree_key_parse(key, &err);
        fc_error_clear(&err);
        size_t first = 0, n = 0;
        char *again = c ? fc_devtree_key(c, &first, &n) : NULL;
        bool same = again && first == 0 && n == c->n_mounts && strcmp(again, key) == 0;
        free(again);
        fc_config_free(c);
        if (!same) {
                p->refused++;
                return NULL;
        }
        char *k = strdup(key);
        int *fds = calloc(p->target, sizeof(int));
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
                while (old->n_ready > 0 && p->n_drop < sizeof(p->drop) / sizeof(p->drop[0]))
                        p->drop[p->n_drop++] = old->fds[--old->n_ready];
                set_clear(old);
                p->set[lru] = p->set[--p->n_sets];
        }
        struct fc_devpool_set *s = &p->set[p->n_sets++];
        *s = (struct fc_devpool_set){.key = k, .fds = fds, .used_ns = now};
        return s;
}

int fc_devpools_take(struct fc_devpools *p, const char *key, uint64_t now)
{
        if (p->target == 0 || p->scratch == NULL)
                return -1;
        struct fc_devpool_set *s = NULL;
        for (unsigned i = 0; i < p->n_sets && s == NULL; i++)
                if (strcmp(p->set[i].key, key) == 0)
                        s = &p->set[i];
        if (s == NULL)
                s = learn(p, key, now);
        if (s == NULL)
                return -1;
        s->used_ns = now;
        if (s->n_ready == 0) {
                p->misses++;
                return -1;
        }
        int fd = s->fds[0];
        memmove(s->fds, s->fds + 1, (s->n_ready - 1) * sizeof(int));
        s->n_ready--;
        p->hits++;
        return fd;
}

bool fc_devpools_need(const struct fc_devpools *p, uint64_t now)
{
        if (fc_tree_job_busy(&p->job))
                return false; /* one build at a time: its end wakes the loop */
        for (unsigned i = 0; i < p->n_sets; i++)
                if (p->set[i].n_ready < p->target && now >= p->set[i].retry_ns)
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

void fc_devpools_refill_one(struct fc_devpools *p, uint64_t now)
{
        if (fc_tree_job_busy(&p->job) || p->scratch == NULL)
                return;
        struct fc_devpool_set *best = NULL;
        for (unsigned i = 0; i < p->n_sets; i++) {
                struct fc_devpool_set *s = &p->set[i];
                if (s->n_ready < p->target && now >= s->retry_ns &&
                    (best == NULL || s->n_ready < best->n_ready))
                        best = s;
        }
        if (best == NULL)
                return;
        struct build_arg a = {p->scratch, best->key};
        if ((p->job_key = strdup(best->key)) == NULL ||
            fc_tree_job_start(&p->job, build_child_main, &a, now) < 0) {
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
        int fd = fc_tree_job_finish(&p->job);
        struct fc_devpool_set *s = NULL;
        for (unsigned i = 0; i < p->n_sets && s == NULL; i++)
                if (strcmp(p->set[i].key, p->job_key) == 0)
                        s = &p->set[i];
        free(p->job_key);
        p->job_key = NULL;
        if (fd < 0) {
                p->errors++;
                if (s != NULL)
                        s->retry_ns = now + RETRY_NS;
                return;
        }
        p->made++;
        if (s != NULL && s->n_ready < p->target)
                s->fds[s->n_ready++] = fd;
        else
                close(fd); /* its set was evicted meanwhile */
}

int fc_devpools_wake_ms(const struct fc_devpools *p, uint64_t now)
{
        return fc_tree_job_wake_ms(&p->job, now);
}

void fc_devpools_sweep(struct fc_devpools *p, uint64_t now)
{
        if (fc_tree_job_overdue(&p->job, now))
                fc_devpools_job_done(p, now);
        fc_tree_job_reap(&p->job, false);
        while (p->n_drop > 0)
                close(p->drop[--p->n_drop]);
}

unsigned fc_devpools_ready(const struct fc_devpools *p)
{
        unsigned n = 0;
        for (unsigned i = 0; i < p->n_sets; i++)
                n += p->set[i].n_ready;
        return n;
}
