/* SPDX-License-Identifier: Apache-2.0
 *
 * Pooled cgroups (cgroup v1): see lib/parts/cgpool.h.
 */
#include "lib/parts/cgpool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/context.h"
#include "lib/fdpass.h"
#include "lib/parts/parts.h"
#include "lib/parts/protocol.h"
#include "lib/parts/treejob.h"
#include "lib/sys.h"

#define MAX_DIRS 32
/* Where cgroup hierarchies are mounted: the only place pooled. */
#define CG_ROOT "/sys/fs/cgroup/"
/* A pooled cgroup copies some of its parent's settings when it is made
 * (memory.swappiness, oom_kill_disable, net_cls.classid): one older than
 * this is remade, so a parent's change reaches new containers in time. */
#define MAX_AGE_NS (300ULL * 1000000000ULL)
/* A handed-out cgroup is renamed within milliseconds of its lease; one
 * still there after this was never taken. */
#define OUT_DUE_NS (10ULL * 1000000000ULL)
/* After a failed refill of a set, wait this long before the next. */
#define RETRY_NS (1000ULL * 1000000ULL)
/* A place whose parent does not exist yet, used this recently, is retried
 * this often (the create that taught it is making the parent). */
#define NEW_PLACE_NS (2000ULL * 1000000ULL)
#define RETRY_NEW_NS (100ULL * 1000000ULL)
/* A handed-over directory still held by processes: retried every 10 ms,
 * about a second in all (as the runtime's own removal). */
#define TRASH_TRIES    FC_CGROUP_REMOVE_TRIES
#define TRASH_RETRY_NS (FC_CGROUP_REMOVE_RETRY_MS * 1000000ULL)
/* ... and first tried this long after it came: right away, the removal
 * (a fraction of a millisecond of the kernel's cgroup lock) would preempt
 * the runtime that just handed it over, or the next create. */
#define TRASH_DELAY_NS (50ULL * 1000000ULL)

static void free_dirs(char **dirs, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                free(dirs[i]);
        free(dirs);
}

int fc_cgpool_parse_key(const char *key, bool check_fs, char ***ret_dirs, unsigned *ret_n,
                        fc_error_t *err)
{
        *ret_dirs = NULL;
        *ret_n = 0;
        cleanup_free char *copy = strdup(key);
        if (copy == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        char **dirs = calloc(MAX_DIRS, sizeof(*dirs));
        if (dirs == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        unsigned n = 0;
        int r = 0;
        char *save = NULL;
        if (copy[0] == '\0' || copy[strlen(copy) - 1] != '\n')
                r = fc_error_set(err, -EINVAL, "cgroup key: not newline-terminated lines");
        for (char *line = strtok_r(copy, "\n", &save); line && r == 0;
             line = strtok_r(NULL, "\n", &save)) {
                char *tab = strchr(line, '\t');
                if (tab == NULL || strchr(tab + 1, '\t')) {
                        r = fc_error_set(err, -EINVAL, "cgroup key: want \"mount<TAB>parent\"");
                        break;
                }
                *tab = '\0';
                const char *mount = line, *parent = tab + 1;
                if (!fc_parts_clean_path(mount) || strncmp(mount, CG_ROOT, strlen(CG_ROOT)) != 0 ||
                    !fc_parts_clean_path(parent)) {
                        r = fc_error_set(err, -EINVAL, "cgroup key: bad path \"%s\" \"%s\"", mount,
                                         parent);
                        break;
                }
                if (n == MAX_DIRS) {
                        r = fc_error_set(err, -E2BIG, "cgroup key: more than %u hierarchies",
                                         MAX_DIRS);
                        break;
                }
                if (check_fs) {
                        /* Only cgroup v1 hierarchies: they alone rename. */
                        struct statfs sf;
                        if (statfs(mount, &sf) < 0 || sf.f_type != CGROUP_SUPER_MAGIC) {
                                r = fc_error_set(err, -EINVAL,
                                                 "cgroup key: %s is not a cgroup v1 hierarchy",
                                                 mount);
                                break;
                        }
                }
                if (asprintf(&dirs[n], "%s%s", mount, strcmp(parent, "/") ? parent : "") < 0) {
                        dirs[n] = NULL;
                        r = fc_error_set(err, -ENOMEM, "out of memory");
                        break;
                }
                n++;
        }
        if (r == 0 && n == 0)
                r = fc_error_set(err, -EINVAL, "cgroup key: empty");
        if (r < 0) {
                free_dirs(dirs, n);
                return r;
        }
        *ret_dirs = dirs;
        *ret_n = n;
        return 0;
}

/* ---- the instance's names and record ---- */

/* A hash of the socket path: the tag in this instance's names. */
static void make_tag(const char *socket_path, char *tag, size_t size)
{
        char prefix[FC_PARTS_CG_TAGGED_MAX];
        fc_parts_cg_prefix(socket_path, prefix, sizeof(prefix));
        size_t pl = strlen(FC_PARTS_CG_PREFIX), n = strlen(prefix) - pl - 1;
        snprintf(tag, size, "%.*s", (int) n, prefix + pl);
}

static bool ours(const struct fc_cgpools *p, const char *name)
{
        size_t pl = strlen(FC_PARTS_CG_PREFIX), tl = strlen(p->tag);
        return strncmp(name, FC_PARTS_CG_PREFIX, pl) == 0 && strncmp(name + pl, p->tag, tl) == 0 &&
               name[pl + tl] == '-';
}

/* Remove this instance's pooled cgroups left in `dir` (only empty ones
 * can go: one a container was renamed from no longer has our name). */
static void remove_leftovers(const struct fc_cgpools *p, const char *dir)
{
        cleanup_closedir DIR *d = opendir(dir);
        if (d == NULL)
                return;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (!ours(p, de->d_name))
                        continue;
                cleanup_free char *path = NULL;
                if (asprintf(&path, "%s/%s", dir, de->d_name) >= 0)
                        (void) fc_cgroup_remove_dir(path, false);
        }
}

/* Rewrite the record: every dir any set pools in, one per line. */
static void write_record(const struct fc_cgpools *p)
{
        if (p->record_path == NULL)
                return;
        cleanup_free char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp", p->record_path) < 0)
                return;
        cleanup_fclose FILE *f = fopen(tmp, "we");
        if (f == NULL)
                return;
        for (unsigned s = 0; s < p->n_sets; s++)
                for (unsigned i = 0; i < p->set[s].n_dirs; i++)
                        fprintf(f, "%s\n", p->set[s].dirs[i]);
        if (fflush(f) != 0 || rename(tmp, p->record_path) < 0)
                (void) unlink(tmp);
}

/* A dead instance's leftovers, from its record. */
static void clean_record(const struct fc_cgpools *p)
{
        cleanup_fclose FILE *f = fopen(p->record_path, "re");
        if (f == NULL)
                return;
        cleanup_free char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        while ((len = getline(&line, &cap, f)) > 0) {
                if (line[len - 1] == '\n')
                        line[len - 1] = '\0';
                /* Only what could have been a key's dir. */
                if (fc_parts_clean_path(line) && strncmp(line, CG_ROOT, strlen(CG_ROOT)) == 0)
                        remove_leftovers(p, line);
        }
}

int fc_cgpools_init(struct fc_cgpools *p, unsigned target, const char *socket_path, fc_error_t *err)
{
        memset(p, 0, sizeof(*p));
        p->target = target;
        fc_tree_job_init(&p->job);
        /* No refill under the creates: a miss costs them the mkdir a
         * refill would cost the cache at the same moment.  Idle only. */
        p->low = 0;
        make_tag(socket_path, p->tag, sizeof(p->tag));
        /* Names unique across instances on one socket (microseconds since
         * boot, past any earlier instance's last): a runtime that leased
         * from one that stopped must not find the name, and think it its
         * tree's, in a cgroup the next one made. */
        p->counter = (unsigned long) (fc_now_ns() / 1000);
        p->record_path = fc_parts_sibling_path(socket_path, ".cgroups");
        if (p->record_path == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        /* An empty directory: trees are built on it (in their builder's
         * mount namespace) and parked on it by the init (in its own). */
        p->scratch = fc_parts_sibling_path(socket_path, FC_PARTS_TREE_DIR);
        if (p->scratch == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        if (mkdir(p->scratch, 0700) < 0 && errno != EEXIST) {
                free(p->scratch);
                p->scratch = NULL; /* no trees */
        }
        clean_record(p);
        (void) unlink(p->record_path);
        return 0;
}

static void rm_in_dirs(char **dirs, unsigned n, const char *name)
{
        for (unsigned i = 0; i < n; i++) {
                cleanup_free char *path = NULL;
                if (asprintf(&path, "%s/%s", dirs[i], name) >= 0)
                        (void) rmdir(path);
        }
}

static void close_tree(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void set_clear(struct fc_cgpool_set *s)
{
        for (unsigned i = 0; i < s->n_ready; i++) {
                /* The tree first: it holds the directories. */
                close_tree(&s->tree_fd[i]);
                rm_in_dirs(s->dirs, s->n_dirs, s->ready[i]);
                free(s->ready[i]);
        }
        free(s->ready);
        free(s->made_ns);
        free(s->tree_fd);
        free(s->tree_flags);
        free_dirs(s->dirs, s->n_dirs);
        free(s->key);
        memset(s, 0, sizeof(*s));
}

static void out_drop(struct fc_cgpools *p, unsigned i)
{
        struct fc_cgpool_out *o = &p->out[i];
        rm_in_dirs(o->dirs, o->n_dirs, o->name);
        free_dirs(o->dirs, o->n_dirs);
        p->out[i] = p->out[--p->n_out];
}

static void trash_flush(struct fc_cgpools *p);

void fc_cgpools_free(struct fc_cgpools *p)
{
        /* A tree being built holds its cgroup's directories. */
        fc_tree_job_reap(&p->job, true);
        trash_flush(p);
        free(p->trash);
        p->trash = NULL;
        p->cap_trash = 0;
        while (p->n_out > 0)
                out_drop(p, p->n_out - 1);
        /* And whatever of ours is left in our places: cgroups handed back
         * whose message was lost (the runtime renames first). */
        for (unsigned s = 0; s < p->n_sets; s++)
                for (unsigned d = 0; d < p->set[s].n_dirs; d++)
                        remove_leftovers(p, p->set[s].dirs[d]);
        for (unsigned s = 0; s < p->n_sets; s++)
                set_clear(&p->set[s]);
        p->n_sets = 0;
        if (p->record_path)
                (void) unlink(p->record_path);
        free(p->record_path);
        p->record_path = NULL;
        fc_tree_job_reap(&p->job, true);
        while (p->n_drop > 0)
                close(p->drop[--p->n_drop]);
        if (p->scratch != NULL)
                (void) rmdir(p->scratch);
        free(p->scratch);
        p->scratch = NULL;
}

/* ---- take ---- */

static struct fc_cgpool_set *find_set(struct fc_cgpools *p, const char *key)
{
        for (unsigned s = 0; s < p->n_sets; s++)
                if (strcmp(p->set[s].key, key) == 0)
                        return &p->set[s];
        return NULL;
}

/* Learn a key: a new set (evicting the least recently used). */
static struct fc_cgpool_set *add_set(struct fc_cgpools *p, const char *key, uint64_t now)
{
        char **dirs;
        unsigned n;
        fc_error_t err = FC_ERROR_INIT;
        if (fc_cgpool_parse_key(key, true, &dirs, &n, &err) < 0) {
                fc_error_clear(&err);
                p->refused++;
                return NULL;
        }
        char *k = strdup(key);
        char **ready = calloc(p->target ? p->target : 1, sizeof(char *));
        uint64_t *made_ns = calloc(p->target ? p->target : 1, sizeof(uint64_t));
        int *tree_fd = calloc(p->target ? p->target : 1, sizeof(int));
        uint32_t *tree_flags = calloc(p->target ? p->target : 1, sizeof(uint32_t));
        if (k == NULL || ready == NULL || made_ns == NULL || tree_fd == NULL ||
            tree_flags == NULL) {
                free(k);
                free(ready);
                free(made_ns);
                free(tree_fd);
                free(tree_flags);
                free_dirs(dirs, n);
                return NULL;
        }
        if (p->n_sets == FC_CGPOOL_SETS) {
                unsigned lru = 0;
                for (unsigned s = 1; s < p->n_sets; s++)
                        if (p->set[s].used_ns < p->set[lru].used_ns)
                                lru = s;
                set_clear(&p->set[lru]);
                p->set[lru] = p->set[--p->n_sets];
        }
        for (unsigned i = 0; i < (p->target ? p->target : 1); i++)
                tree_fd[i] = -1;
        struct fc_cgpool_set *s = &p->set[p->n_sets++];
        *s = (struct fc_cgpool_set){.key = k,
                                    .dirs = dirs,
                                    .n_dirs = n,
                                    .ready = ready,
                                    .made_ns = made_ns,
                                    .tree_fd = tree_fd,
                                    .tree_flags = tree_flags,
                                    .used_ns = now};
        write_record(p);
        return s;
}

static void remember_out(struct fc_cgpools *p, const struct fc_cgpool_set *s, const char *name,
                         uint64_t now)
{
        if (p->n_out == FC_CGPOOL_OUT) {
                /* The one handed out first is long taken, or never will be. */
                unsigned first = 0;
                for (unsigned i = 1; i < p->n_out; i++)
                        if (p->out[i].due_ns < p->out[first].due_ns)
                                first = i;
                out_drop(p, first);
        }
        char **dirs = calloc(s->n_dirs, sizeof(char *));
        if (dirs == NULL)
                return;
        for (unsigned i = 0; i < s->n_dirs; i++) {
                if ((dirs[i] = strdup(s->dirs[i])) == NULL) {
                        free_dirs(dirs, i);
                        return;
                }
        }
        struct fc_cgpool_out *o = &p->out[p->n_out++];
        o->dirs = dirs;
        o->n_dirs = s->n_dirs;
        snprintf(o->name, sizeof(o->name), "%s", name);
        o->due_ns = now + OUT_DUE_NS;
}

bool fc_cgpools_take(struct fc_cgpools *p, const char *key, char *name, uint64_t now,
                     bool want_tree, uint32_t tree_flags, int *ret_tree)
{
        name[0] = '\0';
        if (ret_tree != NULL)
                *ret_tree = -1;
        if (p->target == 0)
                return false;
        struct fc_cgpool_set *s = find_set(p, key);
        if (s == NULL)
                s = add_set(p, key, now);
        if (s == NULL)
                return false;
        s->used_ns = now;
        if (want_tree) {
                /* Trees from now on, with these flags (those made with
                 * others stay for the creates that ask for those). */
                s->want_tree = true;
                s->want_flags = tree_flags;
        }
        if (s->n_ready == 0) {
                p->misses++;
                return false;
        }
        /* Oldest first: every pooled cgroup waits about as long; but the
         * oldest with a tree of these flags first when a tree is wanted. */
        unsigned k = 0;
        bool found = false;
        for (unsigned i = 0; want_tree && i < s->n_ready && !found; i++) {
                if (s->tree_fd[i] >= 0 && s->tree_flags[i] == tree_flags) {
                        k = i;
                        found = true;
                }
        }
        /* Not the one whose tree is being built, when there is another. */
        if (!found && s->n_ready > 1 && fc_tree_job_busy(&p->job) &&
            strcmp(s->ready[0], p->job_name) == 0)
                k = 1;
        char *taken = s->ready[k];
        int tree = s->tree_fd[k];
        bool match = s->tree_flags[k] == tree_flags;
        unsigned after = s->n_ready - k - 1;
        memmove(s->ready + k, s->ready + k + 1, after * sizeof(char *));
        memmove(s->made_ns + k, s->made_ns + k + 1, after * sizeof(uint64_t));
        memmove(s->tree_fd + k, s->tree_fd + k + 1, after * sizeof(int));
        memmove(s->tree_flags + k, s->tree_flags + k + 1, after * sizeof(uint32_t));
        s->n_ready--;
        if (want_tree && tree >= 0 && match && ret_tree != NULL) {
                *ret_tree = tree;
                p->tree_hits++;
        } else if (tree >= 0 && p->n_drop < sizeof(p->drop) / sizeof(p->drop[0])) {
                /* Torn down after the reply (a grace period): the sweep. */
                p->drop[p->n_drop++] = tree;
        } else {
                close_tree(&tree);
        }
        snprintf(name, FC_PARTS_CG_NAME_MAX, "%s", taken);
        remember_out(p, s, taken, now);
        free(taken);
        p->hits++;
        return true;
}

/* ---- refill ---- */

static bool blank(const char *s)
{
        return s[strspn(s, " \t\n")] == '\0';
}

static int read_small(const char *path, char *buf, size_t size)
{
        cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}

/* A new v1 cpuset cgroup has no cpus and mems: give it its parent's, as
 * the runtime does for a cgroup it makes (which then finds them set).
 * Done here because that first write of cpuset.cpus rebuilds the
 * scheduler domains, which can wait for an RCU grace period: measured
 * 0.5 ms to 11 ms on a create's critical path. */
static int cpuset_inherit(const char *dir, const char *leaf)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        for (unsigned f = 0; f < 2; f++) {
                char mine[4096], parent[4096];
                cleanup_free char *mine_path = NULL, *parent_path = NULL;
                if (asprintf(&mine_path, "%s/%s", leaf, files[f]) < 0 ||
                    asprintf(&parent_path, "%s/%s", dir, files[f]) < 0)
                        return -ENOMEM;
                int r = read_small(mine_path, mine, sizeof(mine));
                if (r == -ENOENT)
                        return 0; /* not the cpuset hierarchy */
                if (r < 0)
                        return r;
                if (!blank(mine))
                        continue;
                if ((r = read_small(parent_path, parent, sizeof(parent))) < 0)
                        return r;
                if (blank(parent))
                        continue;
                cleanup_close int fd = open(mine_path, O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (write(fd, parent, strlen(parent)) < 0)
                        return -errno;
        }
        return 0;
}

static bool set_needs(const struct fc_cgpools *p, const struct fc_cgpool_set *s, bool idle,
                      uint64_t now)
{
        if (now < s->retry_ns)
                return false;
        return s->n_ready < (idle ? p->target : p->low);
}

/* A ready cgroup of a set that wants trees but has none (made before the
 * set learned it, or with other flags): its index, or -1. */
static int tree_missing(const struct fc_cgpools *p, const struct fc_cgpool_set *s, uint64_t now)
{
        if (!s->want_tree || now < s->tree_retry_ns || fc_tree_job_busy(&p->job))
                return -1;
        for (unsigned i = 0; i < s->n_ready; i++)
                if (s->tree_fd[i] < 0)
                        return (int) i;
        return -1;
}

bool fc_cgpools_need(const struct fc_cgpools *p, bool idle, uint64_t now)
{
        for (unsigned s = 0; s < p->n_sets; s++)
                if (set_needs(p, &p->set[s], idle, now) ||
                    (idle && tree_missing(p, &p->set[s], now) >= 0))
                        return true;
        return false;
}

/* In the child of build_tree: build the tree over the pooled cgroup
 * `name` in every hierarchy of the set, in a mount namespace of our own,
 * on the scratch directory (hidden only from us), and send a detached
 * clone of it on `sock`.  Returns the exit status. */
static int tree_child(int sock, const char *scratch, const struct fc_cgpool_set *s,
                      const char *name)
{
        const char *mounts[MAX_DIRS];
        char *srcs[MAX_DIRS];
        cleanup_free char *key = strdup(s->key);
        unsigned n = 0;
        char *save = NULL;
        if (key == NULL)
                return 1;
        /* The key's lines are "<mount>\t<parent>", in the set's order. */
        for (char *line = strtok_r(key, "\n", &save); line && n < s->n_dirs && n < MAX_DIRS;
             line = strtok_r(NULL, "\n", &save)) {
                char *tab = strchr(line, '\t');
                if (tab == NULL)
                        return 1;
                *tab = '\0';
                mounts[n] = line;
                if (asprintf(&srcs[n], "%s/%s", s->dirs[n], name) < 0)
                        return 1;
                n++;
        }
        /* Slave, as the init's namespace: nothing goes back to the host,
         * and the binds are slaves of the host's cgroup mounts, as a bind
         * the init makes is. */
        if (n != s->n_dirs || unshare(CLONE_NEWNS) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return 1;
        fc_error_t err = FC_ERROR_INIT;
        if (fc_cgroup_v1_bind_tree(scratch, mounts, (const char *const *) srcs, n, s->want_flags,
                                   &err) < 0)
                return 1;
        int fd = fc_sys_open_tree(AT_FDCWD, scratch,
                                  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (fd < 0 || fc_fdpass_send(sock, "t", 1, fd) != 1)
                return 1;
        return 0;
}

struct tree_arg {
        const char *scratch;
        const struct fc_cgpool_set *s;
        const char *name;
};

static int tree_child_main(int sock, const void *arg)
{
        const struct tree_arg *a = arg;
        return tree_child(sock, a->scratch, a->s, a->name);
}

/* Start building the cgroup tree (FC_PART_CGTREE) of the pooled cgroup
 * `name` of set `s`, with the set's flags; fc_cgpools_job_done gives it
 * to the cgroup.  Idle time only, like the cgroup itself. */
static void start_tree(struct fc_cgpools *p, struct fc_cgpool_set *s, const char *name,
                       uint64_t now)
{
        struct tree_arg a = {p->scratch, s, name};
        if (p->scratch == NULL || fc_tree_job_start(&p->job, tree_child_main, &a, now) < 0) {
                p->errors++;
                s->tree_retry_ns = now + RETRY_NS;
                return;
        }
        snprintf(p->job_name, sizeof(p->job_name), "%s", name);
        p->job_flags = s->want_flags;
}

void fc_cgpools_job_done(struct fc_cgpools *p, uint64_t now)
{
        if (!fc_tree_job_busy(&p->job))
                return;
        int fd = fc_tree_job_finish(&p->job, NULL);
        /* Its cgroup, unless a lease took it (or it aged out) meanwhile. */
        struct fc_cgpool_set *s = NULL;
        unsigned k = 0;
        for (unsigned x = 0; x < p->n_sets && s == NULL; x++)
                for (k = 0; k < p->set[x].n_ready; k++)
                        if (strcmp(p->set[x].ready[k], p->job_name) == 0) {
                                s = &p->set[x];
                                break;
                        }
        if (fd < 0) {
                /* Not when its cgroup went meanwhile: the builder found
                 * no directories to bind. */
                if (s != NULL) {
                        p->errors++;
                        s->tree_retry_ns = now + RETRY_NS;
                }
                return;
        }
        p->trees++;
        if (s != NULL && s->tree_fd[k] < 0) {
                s->tree_fd[k] = fd;
                s->tree_flags[k] = p->job_flags;
        } else {
                close(fd);
        }
}

static int make_one(struct fc_cgpools *p, struct fc_cgpool_set *s, uint64_t now)
{
        char name[FC_PARTS_CG_NAME_MAX];
        /* 'p': a pool that takes its cgroups back for removal
         * (FC_PARTS_OP_RETIRE_CG); a runtime hands them only to such a one. */
        snprintf(name, sizeof(name), "%s%s-%c%lu", FC_PARTS_CG_PREFIX, p->tag,
                 FC_PARTS_CG_RETIRABLE, ++p->counter);
        unsigned made = 0;
        int r = 0;
        for (; made < s->n_dirs && r == 0; made++) {
                cleanup_free char *leaf = NULL;
                if (asprintf(&leaf, "%s/%s", s->dirs[made], name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (mkdir(leaf, 0755) < 0) {
                        r = -errno;
                        break;
                }
                r = cpuset_inherit(s->dirs[made], leaf);
        }
        if (r == 0)
                r = (s->ready[s->n_ready] = strdup(name)) ? 0 : -ENOMEM;
        if (r < 0) {
                rm_in_dirs(s->dirs, made, name);
                return r;
        }
        s->made_ns[s->n_ready] = now;
        s->tree_fd[s->n_ready] = -1;
        s->tree_flags[s->n_ready] = 0;
        s->n_ready++;
        p->made++;
        if (s->want_tree && !fc_tree_job_busy(&p->job))
                start_tree(p, s, name, now);
        return 0;
}

void fc_cgpools_refill_one(struct fc_cgpools *p, bool idle, uint64_t now)
{
        /* The set furthest below its mark. */
        struct fc_cgpool_set *best = NULL;
        for (unsigned i = 0; i < p->n_sets; i++) {
                struct fc_cgpool_set *s = &p->set[i];
                if (set_needs(p, s, idle, now) && (best == NULL || s->n_ready < best->n_ready))
                        best = s;
        }
        if (best == NULL) {
                /* Full: then a tree for a ready cgroup without one. */
                for (unsigned i = 0; idle && i < p->n_sets; i++) {
                        struct fc_cgpool_set *s = &p->set[i];
                        int k = tree_missing(p, s, now);
                        if (k < 0)
                                continue;
                        start_tree(p, s, s->ready[k], now);
                        return;
                }
                return;
        }
        int r = make_one(p, best, now);
        if (r == -ENOENT && now - best->used_ns < NEW_PLACE_NS) {
                /* The first create in a place leases before it makes the
                 * parent: give it a moment. */
                best->retry_ns = now + RETRY_NEW_NS;
        } else if (r == -ENOENT) {
                /* The place is gone (its parent removed): forget it. */
                set_clear(best);
                *best = p->set[--p->n_sets];
                write_record(p);
        } else if (r < 0) {
                p->errors++;
                best->retry_ns = now + RETRY_NS;
        }
}

/* A retired directory: "/sys/fs/cgroup/<...>/<our prefix>r...", clean,
 * in a cgroup v1 filesystem. */
static bool retired_ok(const struct fc_cgpools *p, const char *path)
{
        const char *base = strrchr(path, '/');
        if (strncmp(path, CG_ROOT, strlen(CG_ROOT)) != 0 || !fc_parts_clean_path(path) ||
            base == NULL || !ours(p, base + 1) ||
            base[1 + strlen(FC_PARTS_CG_PREFIX) + strlen(p->tag) + 1] != FC_PARTS_CG_RETIRED)
                return false;
        cleanup_free char *parent = strndup(path, (size_t) (base - path));
        struct statfs fs;
        return parent != NULL && statfs(parent, &fs) == 0 && fs.f_type == CGROUP_SUPER_MAGIC;
}

static void trash_drop(struct fc_cgpools *p, unsigned i)
{
        free(p->trash[i].path);
        p->trash[i] = p->trash[--p->n_trash];
}

/* One removal attempt; false while it must be tried again. */
static bool trash_try(struct fc_cgpools *p, struct fc_cgpool_trash *t, uint64_t now)
{
        /* From the second attempt on, what holds it is killed (as the
         * runtime's own removal does), for about a second. */
        int r = fc_cgroup_remove_dir(t->path, t->tries > 0);
        if (r == 0) {
                p->removed++;
                return true;
        }
        if (r == -EBUSY && ++t->tries < TRASH_TRIES) {
                t->next_ns = now + TRASH_RETRY_NS;
                return false;
        }
        p->errors++;
        return true;
}

/* Everything handed over, now (the cache stops): bounded as above. */
static void trash_flush(struct fc_cgpools *p)
{
        while (p->n_trash > 0) {
                uint64_t now = fc_now_ns();
                for (unsigned i = p->n_trash; i-- > 0;)
                        if (trash_try(p, &p->trash[i], now))
                                trash_drop(p, i);
                if (p->n_trash > 0) {
                        struct timespec ts = {.tv_nsec = (long) TRASH_RETRY_NS};
                        nanosleep(&ts, NULL);
                }
        }
}

unsigned fc_cgpools_retire(struct fc_cgpools *p, const char *text, uint64_t now)
{
        unsigned taken = 0;
        for (const char *line = text; *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t) (end - line) : strlen(line);
                cleanup_free char *path = strndup(line, len);
                line = end ? end + 1 : line + len;
                if (path == NULL || !retired_ok(p, path)) {
                        p->refused++;
                        continue;
                }
                if (p->n_trash == p->cap_trash) {
                        unsigned cap = p->cap_trash ? 2 * p->cap_trash : 64;
                        struct fc_cgpool_trash *t = realloc(p->trash, cap * sizeof(*t));
                        if (t == NULL) {
                                /* Left where it is: the next instance's start,
                                 * or this one's stop, removes it. */
                                p->errors++;
                                continue;
                        }
                        p->trash = t;
                        p->cap_trash = cap;
                }
                p->trash[p->n_trash++] =
                        (struct fc_cgpool_trash){.path = path, .next_ns = now + TRASH_DELAY_NS};
                path = NULL;
                taken++;
        }
        return taken;
}

void fc_cgpools_sweep(struct fc_cgpools *p, uint64_t now)
{
        if (fc_tree_job_overdue(&p->job, now))
                fc_cgpools_job_done(p, now);
        fc_tree_job_reap(&p->job, false);
        while (p->n_drop > 0)
                close(p->drop[--p->n_drop]);
        for (unsigned i = p->n_trash; i-- > 0;)
                if (p->trash[i].next_ns <= now && trash_try(p, &p->trash[i], now))
                        trash_drop(p, i);
        for (unsigned i = p->n_out; i-- > 0;)
                if (p->out[i].due_ns <= now)
                        out_drop(p, i);
        for (unsigned x = 0; x < p->n_sets; x++) {
                struct fc_cgpool_set *s = &p->set[x];
                /* Oldest first: drop from the front while too old. */
                unsigned k = 0;
                while (k < s->n_ready && now - s->made_ns[k] > MAX_AGE_NS) {
                        close_tree(&s->tree_fd[k]);
                        rm_in_dirs(s->dirs, s->n_dirs, s->ready[k]);
                        free(s->ready[k]);
                        k++;
                }
                if (k == 0)
                        continue;
                memmove(s->ready, s->ready + k, (s->n_ready - k) * sizeof(char *));
                memmove(s->made_ns, s->made_ns + k, (s->n_ready - k) * sizeof(uint64_t));
                memmove(s->tree_fd, s->tree_fd + k, (s->n_ready - k) * sizeof(int));
                memmove(s->tree_flags, s->tree_flags + k, (s->n_ready - k) * sizeof(uint32_t));
                s->n_ready -= k;
                p->discarded += k;
        }
}

int fc_cgpools_wake_ms(const struct fc_cgpools *p, uint64_t now)
{
        uint64_t first = UINT64_MAX;
        for (unsigned x = 0; x < p->n_sets; x++) {
                const struct fc_cgpool_set *s = &p->set[x];
                if (s->n_ready < p->target && s->retry_ns > now && s->retry_ns < first)
                        first = s->retry_ns;
                if (s->n_ready > 0 && s->made_ns[0] + MAX_AGE_NS < first)
                        first = s->made_ns[0] + MAX_AGE_NS;
                if (s->tree_retry_ns > now && s->tree_retry_ns < first &&
                    tree_missing(p, s, s->tree_retry_ns) >= 0)
                        first = s->tree_retry_ns;
        }
        for (unsigned i = 0; i < p->n_out; i++)
                if (p->out[i].due_ns < first)
                        first = p->out[i].due_ns;
        for (unsigned i = 0; i < p->n_trash; i++)
                if (p->trash[i].next_ns < first)
                        first = p->trash[i].next_ns;
        if (fc_tree_job_busy(&p->job) && p->job.deadline_ns < first)
                first = p->job.deadline_ns;
        if (first == UINT64_MAX)
                return -1;
        return first <= now ? 0 : (int) ((first - now) / 1000000ULL) + 1;
}

unsigned fc_cgpools_ready(const struct fc_cgpools *p)
{
        unsigned n = 0;
        for (unsigned s = 0; s < p->n_sets; s++)
                n += p->set[s].n_ready;
        return n;
}

unsigned fc_cgpools_ready_trees(const struct fc_cgpools *p)
{
        unsigned n = 0;
        for (unsigned s = 0; s < p->n_sets; s++)
                for (unsigned i = 0; i < p->set[s].n_ready; i++)
                        n += p->set[s].tree_fd[i] >= 0;
        return n;
}
