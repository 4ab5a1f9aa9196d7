/* SPDX-License-Identifier: Apache-2.0
 * The cgroup mounts of /proc/self/mountinfo: parsed, and kept between
 * creates (lib/cgroup/cgroup-internal.h).
 *
 * Reading /proc/self/mountinfo (the kernel formats every mount of the
 * namespace) and parsing it was a tenth of the start of a warm `run`.  Its
 * cgroup lines are kept in a file of the state root with what they were
 * true for: the unique ids (Linux 6.8) of every mount of the namespace
 * below our root (listmount) and of each cgroup mount (statx at its mount
 * point).  They are used again while both still hold: a mount made,
 * unmounted or moved anywhere changes the first, a mount namespace of its
 * own has other ids for all.  Without listmount, mountinfo every time.
 * Where mounts come and go with every container (Docker's overlay and
 * netns mounts in the host's namespace), the file is written again at most
 * every KEEP_AGAIN_NS: a miss then costs reading it and one listmount, not
 * a second listing, a statx per cgroup mount and a new file each time.
 *
 * The file: "fc-cgroup-mounts 1 <CLOCK_MONOTONIC seconds when written>",
 * then the ids of all mounts on one line, then one line per cgroup mount,
 * "<its id> <mountinfo line>". */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/context.h"
#include "lib/cleanup.h"
#include "lib/sys.h"

#define MOUNTS_MAGIC  "fc-cgroup-mounts 1 "
#define KEEP_AGAIN_NS (10ULL * 1000000000ULL)

void fc_cgroup_mounts_clear(struct fc_cgroup_mounts *m)
{
        free(m->text);
        free(m->e);
        free(m->index);
        memset(m, 0, sizeof(*m));
}

int fc_cgroup_mounts_parse(const char *mountinfo, struct fc_cgroup_mounts *ret)
{
        memset(ret, 0, sizeof(*ret));
        size_t lines = 1;
        for (const char *c = mountinfo; *c; c++)
                lines += *c == '\n';
        ret->text = strdup(mountinfo);
        ret->e = calloc(lines, sizeof(*ret->e));
        ret->index = calloc(lines, sizeof(*ret->index));
        if (ret->text == NULL || ret->e == NULL || ret->index == NULL) {
                fc_cgroup_mounts_clear(ret);
                return -ENOMEM;
        }
        unsigned index = 0;
        for (char *line = ret->text; *line; index++) {
                char *end = strchrnul(line, '\n');
                char *next = *end ? end + 1 : end;
                *end = '\0';
                struct fc_mountinfo_entry e;
                /* Fields are split by single spaces (a space in a path is
                 * \040), so " - cgroup" is the separator and a cgroup or
                 * cgroup2 fstype: the other lines are not parsed at all. */
                if (strstr(line, " - cgroup") != NULL &&
                    fc_cgroup_parse_mountinfo_line(line, &e) == 0 &&
                    (strcmp(e.fstype, "cgroup") == 0 || strcmp(e.fstype, "cgroup2") == 0)) {
                        ret->e[ret->n] = e;
                        ret->index[ret->n++] = index;
                }
                line = next;
        }
        return 0;
}

/* All mounts' ids, or -1 (no listmount, or more than FC_CGROUP_MOUNTS_MAX). */
long fc_cgroup_mount_ids(uint64_t *ids)
{
        long n = fc_sys_listmount_all(ids, FC_CGROUP_MOUNTS_MAX);
        return n >= FC_CGROUP_MOUNTS_MAX ? -1 : n;
}

/* The unique id of the mount whose root `path` is, or 0.  With `old_id`,
 * only if its (reusable) id, mountinfo's first field, is that one. */
static uint64_t mount_root_id(const char *path, unsigned long old_id, bool check_old)
{
        struct statx sx;
        if (fc_sys_statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID_UNIQUE,
                         &sx) < 0 ||
            !(sx.stx_mask & STATX_MNT_ID_UNIQUE) || !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
                return 0;
        uint64_t id = fc_statx_mnt_id(&sx);
        if (check_old) {
                if (fc_sys_statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, 0x1000U,
                                 &sx) < 0 ||
                    fc_statx_mnt_id(&sx) != old_id)
                        return 0;
        }
        return id;
}

/* The kept cgroup lines of mountinfo, if still true; else NULL, with
 * *ret_keep whether to keep them afresh (not when the file was written
 * less than KEEP_AGAIN_NS ago). */
char *fc_cgroup_mounts_kept(const char *path, bool *ret_keep)
{
        *ret_keep = true;
        fc_error_t ignored = FC_ERROR_INIT;
        cleanup_free char *text = fc_cgroup_read_file(path, &ignored);
        fc_error_clear(&ignored);
        if (text == NULL || strncmp(text, MOUNTS_MAGIC, strlen(MOUNTS_MAGIC)) != 0)
                return NULL;
        char *c = text + strlen(MOUNTS_MAGIC), *end;
        errno = 0;
        unsigned long long written = strtoull(c, &end, 10);
        if (errno || end == c || *end != '\n')
                return NULL;
        uint64_t now_ns = fc_now_ns();
        *ret_keep = written * 1000000000ULL > now_ns ||
                    now_ns - written * 1000000000ULL >= KEEP_AGAIN_NS;
        c = end + 1;
        uint64_t now[FC_CGROUP_MOUNTS_MAX];
        long n = fc_cgroup_mount_ids(now);
        if (n < 0)
                return NULL;
        /* The ids of all mounts, as listed then. */
        for (long i = 0; i < n; i++) {
                errno = 0;
                unsigned long long v = strtoull(c, &end, 10);
                if (errno || end == c || v != now[i] || (*end != ' ' && *end != '\n'))
                        return NULL;
                c = end + (*end == ' ');
        }
        if (*c != '\n')
                return NULL;
        c++;
        /* Each cgroup mount, still where it was; its mountinfo line kept. */
        cleanup_free char *lines = malloc(strlen(c) + 1);
        if (lines == NULL)
                return NULL;
        size_t len = 0;
        while (*c) {
                char *nl = strchr(c, '\n');
                if (nl == NULL)
                        return NULL;
                *nl = '\0';
                errno = 0;
                unsigned long long id = strtoull(c, &end, 10);
                if (errno || end == c || *end != ' ')
                        return NULL;
                char *line = end + 1;
                cleanup_free char *copy = strdup(line);
                struct fc_mountinfo_entry e;
                if (copy == NULL || fc_cgroup_parse_mountinfo_line(copy, &e) < 0 ||
                    mount_root_id(e.mount_point, 0, false) != id)
                        return NULL;
                size_t l = strlen(line);
                memcpy(lines + len, line, l);
                lines[len + l] = '\n';
                len += l + 1;
                c = nl + 1;
        }
        lines[len] = '\0';
        return steal_ptr(&lines);
}

/* Keep the cgroup lines of `mountinfo`, read between two listings of the
 * mounts that agree (best effort: a failure only means reading it again). */
void fc_cgroup_mounts_keep(const char *path, const char *mountinfo, const uint64_t *ids, long n)
{
        uint64_t again[FC_CGROUP_MOUNTS_MAX];
        if (n < 0 || fc_cgroup_mount_ids(again) != n ||
            memcmp(again, ids, (size_t) n * sizeof(*ids)))
                return;
        __attribute__((cleanup(fc_cgroup_mounts_clear))) struct fc_cgroup_mounts m;
        if (fc_cgroup_mounts_parse(mountinfo, &m) < 0)
                return;
        cleanup_free char *out = NULL;
        size_t out_len = 0;
        FILE *f = open_memstream(&out, &out_len);
        if (f == NULL)
                return;
        fprintf(f, MOUNTS_MAGIC "%llu\n", (unsigned long long) (fc_now_ns() / 1000000000ULL));
        for (long i = 0; i < n; i++)
                fprintf(f, "%s%llu", i ? " " : "", (unsigned long long) ids[i]);
        fputc('\n', f);
        /* The lines again, as read (the parse cut the copy in fields). */
        const char *line = mountinfo;
        unsigned index = 0;
        size_t k = 0;
        bool ok = true;
        while (*line && k < m.n) {
                const char *end = strchrnul(line, '\n');
                if (index == m.index[k]) {
                        unsigned long old_id = strtoul(line, NULL, 10);
                        uint64_t id = mount_root_id(m.e[k].mount_point, old_id, true);
                        if (id == 0) {
                                ok = false;
                                break;
                        }
                        fprintf(f, "%llu %.*s\n", (unsigned long long) id, (int) (end - line),
                                line);
                        k++;
                }
                line = *end ? end + 1 : end;
                index++;
        }
        if (fclose(f) != 0 || !ok || k != m.n)
                return;
        char tmp[PATH_MAX];
        if (snprintf(tmp, sizeof(tmp), "%s.%d", path, (int) getpid()) >= (int) sizeof(tmp))
                return;
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return;
        bool written = write(fd, out, out_len) == (ssize_t) out_len;
        close(fd);
        if (!written || rename(tmp, path) < 0)
                unlink(tmp);
}
