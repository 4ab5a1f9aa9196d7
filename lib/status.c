/* SPDX-License-Identifier: Apache-2.0 */
#include "lib/status.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup/cgroup.h"
#include "lib/cleanup.h"
#include "lib/sys.h"

int fc_status_validate_id(const char *id, fc_error_t *err)
{
        size_t n = id ? strlen(id) : 0;
        if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
                return fc_error_set(err, -EINVAL, "invalid container ID format: \"%s\"",
                                    id ? id : "");
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) id[i];
                if (!(isalnum(c) || c == '_' || c == '+' || c == '-' || c == '.'))
                        return fc_error_set(err, -EINVAL, "invalid container ID format: \"%s\"",
                                            id);
        }
        return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
        cleanup_free char *p = strdup(path);
        if (p == NULL)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* Emptied state dirs kept in the root for the next creates, under names
 * no container id can have (and `list` skips): on a disk filesystem the
 * block a directory owns is freed at rmdir - with -o discard the rmdir
 * then waits for the disk - and allocated again by mkdir.  A handful is
 * enough for creates that come one after another. */
#define SPARES 8

static void spare_name(char *buf, size_t size, unsigned i)
{
        snprintf(buf, size, ".fc-spare@%u", i);
}

/* Take a spare as `id`: 1 done, 0 none there, < 0 the id exists. */
static int take_spare(int rootfd, const char *id)
{
        char name[32];
        for (unsigned i = 0; i < SPARES; i++) {
                spare_name(name, sizeof(name), i);
                if (fc_sys_renameat2(rootfd, name, rootfd, id, RENAME_NOREPLACE) == 0)
                        return 1;
                if (errno == EEXIST)
                        return -EEXIST;
                if (errno != ENOENT)
                        return 0;
        }
        return 0;
}

int fc_status_reserve(const char *root, const char *id, fc_error_t *err)
{
        int r = fc_status_validate_id(id, err);
        if (r < 0)
                return r;
        cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0 && errno == ENOENT) {
                r = mkdir_p(root, 0700);
                if (r < 0)
                        return fc_error_setm(err, r, "create state root %s", root);
                rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        if (rootfd < 0)
                return fc_error_setm(err, -errno, "open state root %s", root);
        /* mkdir, or the rename of a spare that will not replace anything,
         * is the atomic reservation: of two concurrent creates with the same
         * id exactly one gets past this line. */
        int spare = take_spare(rootfd, id);
        if (spare == -EEXIST || (spare == 0 && mkdirat(rootfd, id, 0711) < 0)) {
                if (spare == -EEXIST || errno == EEXIST)
                        return fc_error_set(err, -EEXIST, "container with given ID already exists");
                return fc_error_setm(err, -errno, "create state directory %s/%s", root, id);
        }
        int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                r = -errno;
                unlinkat(rootfd, id, AT_REMOVEDIR);
                return fc_error_setm(err, r, "open state directory %s/%s", root, id);
        }
        /* The creator's lock, held while this fd is open: a "creating"
         * container whose creator died (kill -9) is seen as stopped, not as
         * creating forever (fc_status_refresh).  The dir is new, so nobody
         * else can hold it. */
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                r = -errno;
                close(fd);
                unlinkat(rootfd, id, AT_REMOVEDIR);
                return fc_error_setm(err, r, "lock state directory %s/%s", root, id);
        }
        return fd;
}

int fc_status_open(const char *root, const char *id, fc_error_t *err)
{
        fc_error_t e = FC_ERROR_INIT;
        if (fc_status_validate_id(id, &e) < 0) {
                fc_error_clear(&e);
                return fc_error_set(err, -ENOENT, "container does not exist");
        }
        cleanup_free char *p = NULL;
        if (asprintf(&p, "%s/%s", root, id) < 0)
                return fc_error_set(err, -ENOMEM, "out of memory");
        int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return fc_error_set(err, -ENOENT, "container does not exist");
                return fc_error_setm(err, -errno, "open state directory %s", p);
        }
        return fd;
}

static int pwrite_all(int fd, const char *buf, size_t len)
{
        off_t off = 0;
        while (len > 0) {
                ssize_t n = pwrite(fd, buf, len, off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += n;
                off += n;
                len -= (size_t) n;
        }
        return 0;
}

/* The file a write fills before it is swapped in, and the name state.json
 * takes in a spare dir (see keep_spare): both kept, so the next writes
 * fill them again instead of making new files.  A new inode on ext4 is
 * costly where files come and go: the allocator skips the inodes freed a
 * moment ago one by one (recently_deleted), reading their table blocks. */
static const char state_tmp[] = ".state.json.tmp";
static const char state_spare[] = ".state.json.spare";

static int open_state_tmp(int dirfd)
{
        int fd = openat(dirfd, state_tmp, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0 || errno != ENOENT)
                return fd;
        (void) fc_sys_renameat2(dirfd, state_spare, dirfd, state_tmp, RENAME_NOREPLACE);
        return openat(dirfd, state_tmp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

int fc_status_write(int dirfd, const struct fc_state *s, fc_error_t *err)
{
        cleanup_free char *json = fc_state_to_json(s, err);
        if (json == NULL)
                return err->status ? err->status : -ENOMEM;
        size_t len = strlen(json);
        cleanup_close int fd = open_state_tmp(dirfd);
        if (fd < 0)
                return fc_error_setm(err, -errno, "write state.json");
        /* Overwritten and cut to length, never truncated to nothing first:
         * on ext4 that (like a rename that replaces a file) makes the
         * filesystem allocate the blocks at once (auto_da_alloc), and with
         * -o discard their release at delete then waits for the disk
         * (0.3-0.5 ms here). */
        int r = pwrite_all(fd, json, len);
        if (r == 0 && ftruncate(fd, (off_t) len) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(dirfd, state_tmp, 0);
                return fc_error_setm(err, r, "write state.json");
        }
        /* Swapped with the old file, which stays as the next write's
         * file; readers see the old or the new state.json, never none or
         * a part.  The first write has nothing to swap with. */
        if (fc_sys_renameat2(dirfd, state_tmp, dirfd, FC_STATE_FILE, RENAME_EXCHANGE) == 0)
                return 0;
        if ((errno != ENOENT && errno != EINVAL) ||
            renameat(dirfd, state_tmp, dirfd, FC_STATE_FILE) < 0) {
                r = -errno;
                unlinkat(dirfd, state_tmp, 0);
                return fc_error_setm(err, r, "rename state.json");
        }
        return 0;
}

static char *read_file_at(int dirfd, const char *name, size_t max, size_t *ret_len, int *ret_errno)
{
        cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                *ret_errno = errno;
                return NULL;
        }
        size_t cap = 8192, len = 0;
        char *buf = malloc(cap + 1);
        if (buf == NULL) {
                *ret_errno = ENOMEM;
                return NULL;
        }
        for (;;) {
                if (len == cap) {
                        if (cap >= max) {
                                free(buf);
                                *ret_errno = EFBIG;
                                return NULL;
                        }
                        cap *= 2;
                        char *nb = realloc(buf, cap + 1);
                        if (nb == NULL) {
                                free(buf);
                                *ret_errno = ENOMEM;
                                return NULL;
                        }
                        buf = nb;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        *ret_errno = errno;
                        free(buf);
                        return NULL;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret_len = len;
        return buf;
}

/* A state.json opened before a swap can be rewritten while it is read (it
 * is the next write's file, see fc_status_write), and a deleted
 * container's dir, opened before the delete, can be another container's by
 * now (see keep_spare).  So a text that does not parse is read again (a
 * write takes microseconds), and another id means this one is gone. */
#define READ_TRIES 5

static struct fc_state *status_read_once(int dirfd, const char *id, fc_error_t *err);

struct fc_state *fc_status_read(int dirfd, const char *id, fc_error_t *err)
{
        for (int tries = 1;; tries++) {
                fc_error_t e = FC_ERROR_INIT;
                struct fc_state *s = status_read_once(dirfd, id, &e);
                if (s != NULL && strcmp(s->id, id) != 0) {
                        fc_state_free(s);
                        fc_error_set(err, -ENOENT, "container does not exist");
                        return NULL;
                }
                if (s != NULL || e.status != -EBADMSG || tries == READ_TRIES) {
                        if (s == NULL)
                                *err = e;
                        else
                                fc_error_clear(&e);
                        return s;
                }
                fc_error_clear(&e);
        }
}

static struct fc_state *status_read_once(int dirfd, const char *id, fc_error_t *err)
{
        size_t len = 0;
        int e = 0;
        cleanup_free char *json = read_file_at(dirfd, FC_STATE_FILE, 64 << 20, &len, &e);
        if (json == NULL) {
                if (e != ENOENT) {
                        fc_error_setm(err, -e, "read state.json of %s", id);
                        return NULL;
                }
                /* Reserved but never written: a create in progress, or one
                 * that died before writing; `delete` can still remove it. */
                struct fc_state *s = calloc(1, sizeof(*s));
                if (s == NULL || (s->id = strdup(id)) == NULL ||
                    (s->status = strdup("creating")) == NULL ||
                    (s->oci_version = strdup("1.2.0")) == NULL ||
                    (s->bundle = strdup("")) == NULL || (s->rootfs = strdup("")) == NULL ||
                    (s->owner = strdup("")) == NULL ||
                    (s->created = fc_status_timestamp()) == NULL) {
                        fc_state_free(s);
                        fc_error_set(err, -ENOMEM, "out of memory");
                        return NULL;
                }
                return s;
        }
        struct fc_state *s = fc_state_parse(json, len, err);
        if (s == NULL) {
                /* One error code for "read it again", whatever the parser said. */
                err->status = -EBADMSG;
                fc_error_wrap(err, "state.json of %s", id);
        }
        return s;
}

static int rm_rf_at(int parent, const char *name, bool keep_top);

static bool is_state_file(const char *name)
{
        return strcmp(name, FC_STATE_FILE) == 0 || strcmp(name, state_tmp) == 0 ||
               strcmp(name, state_spare) == 0;
}

/* An emptied state dir (but for its state files, dirfd, an open file of
 * our own) becomes a spare unless its creator still holds it (its lock
 * would make the next create that takes it fail) or there are enough
 * spares.  Whether it did.  state.json keeps its inode as
 * .state.json.spare: no reader opens that. */
static bool keep_spare(int rootfd, const char *id, int dirfd)
{
        if (flock(dirfd, LOCK_EX | LOCK_NB) < 0)
                return false;
        /* Not held past here: the create that takes the spare locks it. */
        flock(dirfd, LOCK_UN);
        if (fc_sys_renameat2(dirfd, FC_STATE_FILE, dirfd, state_spare, RENAME_NOREPLACE) < 0 &&
            errno != ENOENT && unlinkat(dirfd, FC_STATE_FILE, 0) < 0 && errno != ENOENT)
                return false;
        char name[32];
        for (unsigned i = 0; i < SPARES; i++) {
                spare_name(name, sizeof(name), i);
                if (fc_sys_renameat2(rootfd, id, rootfd, name, RENAME_NOREPLACE) == 0)
                        return true;
                if (errno != EEXIST)
                        return false;
        }
        return false;
}

static int rm_rf_at(int parent, const char *name, bool keep_top)
{
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOTDIR || errno == ELOOP) {
                        if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
                                return -errno;
                        return 0;
                }
                return errno == ENOENT ? 0 : -errno;
        }
        cleanup_closedir DIR *d = fdopendir(fd);
        if (d == NULL) {
                close(fd);
                return -errno;
        }
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                bool is_dir = de->d_type == DT_DIR;
                struct stat st;
                if (de->d_type == DT_UNKNOWN &&
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        is_dir = S_ISDIR(st.st_mode);
                if (is_dir) {
                        int r = rm_rf_at(dirfd(d), de->d_name, false);
                        if (r < 0)
                                return r;
                } else if (keep_top && is_state_file(de->d_name)) {
                        continue;
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
                        return -errno;
                }
        }
        if (keep_top) {
                if (keep_spare(parent, name, dirfd(d)))
                        return 0;
                static const char *const files[] = {FC_STATE_FILE, state_tmp, state_spare};
                for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
                        if (unlinkat(dirfd(d), files[i], 0) < 0 && errno != ENOENT)
                                return -errno;
        }
        if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int fc_status_remove(const char *root, const char *id, fc_error_t *err)
{
        cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return errno == ENOENT ? 0 : fc_error_setm(err, -errno, "open %s", root);
        int r = rm_rf_at(rootfd, id, true);
        if (r < 0)
                return fc_error_setm(err, r, "remove state directory %s/%s", root, id);
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int fc_status_list_ids(const char *root, char ***ret_ids, size_t *ret_n, fc_error_t *err)
{
        *ret_ids = NULL;
        *ret_n = 0;
        cleanup_closedir DIR *d = opendir(root);
        if (d == NULL) {
                if (errno == ENOENT)
                        return 0;
                return fc_error_setm(err, -errno, "open state root %s", root);
        }
        char **ids = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.')
                        continue;
                if (de->d_type != DT_DIR) {
                        /* Some filesystems do not fill d_type. */
                        struct stat st;
                        if (de->d_type != DT_UNKNOWN ||
                            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                            !S_ISDIR(st.st_mode))
                                continue;
                }
                char **nids = realloc(ids, (n + 2) * sizeof(*ids));
                if (nids == NULL)
                        goto oom;
                ids = nids;
                if ((ids[n] = strdup(de->d_name)) == NULL)
                        goto oom;
                ids[++n] = NULL;
        }
        if (n > 1)
                qsort(ids, n, sizeof(*ids), cmp_str);
        *ret_ids = ids;
        *ret_n = n;
        return 0;
oom:
        fc_strv_free(ids);
        return fc_error_set(err, -ENOMEM, "out of memory");
}

uint64_t fc_proc_start_time(pid_t pid)
{
        return fc_proc_start_time_cpu(pid, NULL);
}

uint64_t fc_proc_start_time_cpu(pid_t pid, int *ret_cpu)
{
        if (ret_cpu)
                *ret_cpu = -1;
        char path[64], buf[1024];
        if (pid <= 0)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        /* comm may contain spaces and parentheses: fields resume after the
         * last ')'. */
        char *p = strrchr(buf, ')');
        if (p == NULL || p[1] != ' ')
                return 0;
        p += 2;
        char state = *p;
        if (state == 'Z' || state == 'X')
                return 0;
        /* p is at field 3; start time is field 22. */
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (p == NULL)
                        return 0;
                p++;
        }
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno != 0 || end == p)
                return 0;
        /* Field 39: the CPU it last ran on (or is queued on). */
        if (ret_cpu != NULL) {
                for (int field = 22; field < 39 && p != NULL; field++)
                        if ((p = strchr(p, ' ')) != NULL)
                                p++;
                long cpu = p ? strtol(p, &end, 10) : -1;
                if (p && end != p && cpu >= 0 && cpu < 65536)
                        *ret_cpu = (int) cpu;
        }
        return (uint64_t) v;
}

bool fc_status_init_alive(const struct fc_state *s)
{
        if (s->pid <= 0)
                return false;
        uint64_t st = fc_proc_start_time(s->pid);
        return st != 0 && st == s->start_time;
}

static int set_status(struct fc_state *s, const char *status, fc_error_t *err)
{
        char *n = strdup(status);
        if (n == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        free(s->status);
        s->status = n;
        return 0;
}

/* The create that reserved the state dir still runs: it holds the dir's
 * flock (fc_status_reserve) until it returns, and the kernel drops the lock
 * when it dies. */
static bool creator_alive(int dirfd)
{
        cleanup_close int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return true;
        if (flock(fd, LOCK_SH | LOCK_NB) < 0)
                return errno == EWOULDBLOCK || errno == EINTR;
        return false;
}

int fc_status_refresh(int dirfd, struct fc_state *s, fc_error_t *err)
{
        if (s->status != NULL && strcmp(s->status, "creating") == 0 && s->pid <= 0)
                return creator_alive(dirfd) ? 0 : set_status(s, "stopped", err);
        if (!fc_status_init_alive(s))
                return set_status(s, "stopped", err);
        struct stat st;
        bool created = fstatat(dirfd, FC_EXEC_FIFO, &st, AT_SYMLINK_NOFOLLOW) == 0;
        /* Paused is the cgroup's freezer state (nothing in /proc says so),
         * a created container's too (its init waits in the fifo), as runc
         * has it.  An unreadable cgroup counts as not frozen: `state` must
         * still answer for a container whose cgroup someone removed. */
        if (s->cgroup != NULL && s->cgroup[0] != '\0') {
                fc_error_t e = FC_ERROR_INIT;
                bool frozen = false;
                struct fc_cgroup *cg = fc_cgroup_deserialize(s->cgroup, &e);
                if (cg != NULL)
                        (void) fc_cgroup_is_frozen(cg, &frozen, &e);
                fc_cgroup_free(cg);
                fc_error_clear(&e);
                if (frozen)
                        return set_status(s, "paused", err);
        }
        return set_status(s, created ? "created" : "running", err);
}

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * civil-from-days algorithm). */
static void civil_from_days(long long z, int *y, unsigned *m, unsigned *d)
{
        z += 719468;
        long long era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned) (z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = (int) (yoe + era * 400 + (*m <= 2));
}

char *fc_status_timestamp(void)
{
        struct timespec ts;
        fc_sys_clock_gettime(CLOCK_REALTIME, &ts);
        return fc_status_format_time(&ts);
}

char *fc_status_format_time(const struct timespec *ts)
{
        /* Not gmtime_r or strftime: glibc loads the local time zone
         * (/etc/localtime) on their first call, for a UTC time. */
        long long sec = (long long) ts->tv_sec;
        long long days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
        long long rem = sec - days * 86400;
        int y;
        unsigned mo, d;
        civil_from_days(days, &y, &mo, &d);
        /* Go's RFC3339Nano, as runc writes it: the fraction without its
         * trailing zeros, none at all for a whole second. */
        char frac[12] = "";
        if (ts->tv_nsec > 0 && ts->tv_nsec < 1000000000) {
                snprintf(frac, sizeof(frac), ".%09ld", (long) ts->tv_nsec);
                size_t n = strlen(frac);
                while (frac[n - 1] == '0')
                        frac[--n] = '\0';
        }
        char *out = NULL;
        if (asprintf(&out, "%04d-%02u-%02uT%02lld:%02lld:%02lld%sZ", y, mo, d, rem / 3600,
                     rem / 60 % 60, rem % 60, frac) < 0)
                return NULL;
        return out;
}
