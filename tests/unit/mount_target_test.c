/* SPDX-License-Identifier: Apache-2.0
 * fc_rootfs_open_target(): symlinks, "..", dangling links and loops must
 * all resolve inside the root.  Runs as any user in a temp directory. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/rootfs.h"
#include "tests/unit/tap.h"

static char root[PATH_MAX / 2];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
        (void) sb;
        (void) flag;
        (void) f;
        return remove(p);
}

static bool exists_in_root(const char *rel, mode_t type)
{
        char p[PATH_MAX];
        struct stat sb;
        snprintf(p, sizeof(p), "%s/%s", root, rel);
        return lstat(p, &sb) == 0 && (sb.st_mode & S_IFMT) == type;
}

/* The host path an fd names, compared with root + rel. */
static bool fd_is(int fd, const char *rel)
{
        char link[64], buf[PATH_MAX], want[PATH_MAX];
        ssize_t n;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, buf, sizeof(buf) - 1);
        if (n < 0)
                return false;
        buf[n] = '\0';
        snprintf(want, sizeof(want), "%s%s", root, rel);
        if (strcmp(buf, want) != 0)
                printf("#   fd names %s, want %s\n", buf, want);
        return strcmp(buf, want) == 0;
}

static void link_in_root(const char *target, const char *name)
{
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", root, name);
        if (symlink(target, p) < 0)
                perror(p);
}

static int open_target(const char *path, bool create, bool file, fc_error_t *err)
{
        return fc_rootfs_open_target(root, path, create, file, err);
}

int main(void)
{
        char tmpl[] = "/tmp/fc-target-XXXXXX";
        char cmd[PATH_MAX + 16];
        fc_error_t err = FC_ERROR_INIT;
        int fd;

        if (mkdtemp(tmpl) == NULL || realpath(tmpl, root) == NULL) {
                perror("mkdtemp");
                return 1;
        }
        link_in_root("/", "toroot");
        link_in_root("../../../../../../etc", "up");
        link_in_root("/nonexist/deep", "dangling");
        link_in_root("loop2", "loop1");
        link_in_root("loop1", "loop2");
        link_in_root("/proc/self/root", "magic");
        snprintf(cmd, sizeof(cmd), "%s/afile", root);
        close(open(cmd, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));

        fd = open_target("/a/b/c", true, false, &err);
        ok(fd >= 0 && exists_in_root("a/b/c", S_IFDIR) && fd_is(fd, "/a/b/c"),
           "missing directories are created");
        close(fd);

        fd = open_target("/toroot/x/y", true, false, &err);
        ok(fd >= 0 && exists_in_root("x/y", S_IFDIR) && fd_is(fd, "/x/y"),
           "symlink to / stays in the root");
        close(fd);

        fd = open_target("/up/fc-target-test", true, false, &err);
        ok(fd >= 0 && exists_in_root("etc/fc-target-test", S_IFDIR) &&
                   fd_is(fd, "/etc/fc-target-test"),
           "relative symlink with .. stays in the root");
        ok(access("/etc/fc-target-test", F_OK) < 0, "host /etc untouched");
        close(fd);

        fd = open_target("/../../../z", true, false, &err);
        ok(fd >= 0 && fd_is(fd, "/z"), ".. above the root stays at the root");
        close(fd);

        fd = open_target("/dangling", true, true, &err);
        ok(fd >= 0 && exists_in_root("nonexist/deep", S_IFREG) && fd_is(fd, "/nonexist/deep"),
           "dangling symlink: target created inside as a file");
        close(fd);

        fd = open_target("/", false, false, &err);
        ok(fd >= 0 && fd_is(fd, ""), "/ is the root itself");
        close(fd);

        fd = open_target("/missing", false, false, &err);
        ok(fd == -ENOENT && err.msg != NULL, "missing without create: ENOENT");
        printf("# %s\n", err.msg ? err.msg : "");
        ok(!exists_in_root("missing", S_IFDIR), "nothing created without create");
        fc_error_clear(&err);

        fd = open_target("/afile/x", true, false, &err);
        ok(fd == -ENOTDIR, "file in the middle: ENOTDIR (%d)", fd);
        fc_error_clear(&err);

        fd = open_target("/loop1/x", true, false, &err);
        ok(fd == -ELOOP, "symlink loop: ELOOP (%d)", fd);
        fc_error_clear(&err);

        fd = open_target("/magic/etc", true, false, &err);
        ok(fd < 0 || fd_is(fd, "/proc/self/root/etc"), "magic link not followed out (%d)", fd);
        if (fd >= 0)
                close(fd);
        fc_error_clear(&err);

        ok(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "cleanup");
        rmdir("/etc/fc-target-test");
        return tap_done();
}
