/* SPDX-License-Identifier: Apache-2.0
 *
 * fc_rootfs_prepare/pivot/finish end to end, as root.  A forked child
 * unshares its mount namespace and makes "/" private before anything else,
 * so nothing can leak to the host; it builds the container view of a
 * busybox rootfs from runc's default mounts plus bind mounts and symlink
 * escape attempts, checks it from inside, and reports through its exit
 * status.  The parent then checks that the host's mount table gained
 * nothing and removes the temp dir.  Skipped (77) when not root or without
 * busybox.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/rootfs.h"
#include "tests/unit/tap.h"

#define BUSYBOX "/bin/busybox"
#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

static char tmp[PATH_MAX / 4];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
        (void) sb;
        (void) flag;
        (void) f;
        return remove(p);
}

static int write_file(const char *path, const char *text, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t) strlen(text) ? 0 : -1;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
        char buf[65536];
        int in = open(from, O_RDONLY | O_CLOEXEC), out;
        ssize_t n;

        if (in < 0)
                return -1;
        out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (out < 0) {
                close(in);
                return -1;
        }
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, (size_t) n) != n)
                        n = -1;
        close(in);
        close(out);
        return n < 0 ? -1 : 0;
}

static char *in_tmp(const char *rel)
{
        static char bufs[8][PATH_MAX];
        static int i;
        char *b = bufs[i++ % 8];
        snprintf(b, PATH_MAX, "%s/%s", tmp, rel);
        return b;
}

static int build_rootfs(void)
{
        static const char *dirs[] = {"rootfs",      "rootfs/bin",      "rootfs/etc",
                                     "rootfs/proc", "rootfs/sys",      "rootfs/dev",
                                     "rootfs/opt",  "rootfs/opt/seed", "src"};
        static const char *applets[] = {"sh", "ls", "cat", "true"};

        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
                if (mkdir(in_tmp(dirs[i]), 0755) < 0)
                        return -1;
        if (copy_file(BUSYBOX, in_tmp("rootfs/bin/busybox"), 0755) < 0)
                return -1;
        for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
                char name[64];
                snprintf(name, sizeof(name), "rootfs/bin/%s", applets[i]);
                if (symlink("busybox", in_tmp(name)) < 0)
                        return -1;
        }
        if (symlink("/", in_tmp("rootfs/toroot")) < 0 ||
            symlink("../../../../../../../etc", in_tmp("rootfs/up")) < 0 ||
            symlink("/proc/self", in_tmp("rootfs/procself")) < 0)
                return -1;
        if (write_file(in_tmp("src/hello"), "hello\n", 0644) < 0 ||
            write_file(in_tmp("file.txt"), "bound file\n", 0644) < 0 ||
            write_file(in_tmp("rootfs/opt/seed/a.txt"), "seed\n", 0640) < 0 ||
            symlink("a.txt", in_tmp("rootfs/opt/seed/link")) < 0)
                return -1;
        return 0;
}

#define MOUNT(d, t, s, ...)                                                                        \
        {                                                                                          \
                .destination = (char *) (d), .type = (char *) (t), .source = (char *) (s),         \
                .options = (char **) (const char *[]){__VA_ARGS__},                                \
                .n_options = sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *),               \
        }

static bool statvfs_nosuid(const char *path)
{
        struct statvfs st;
        return statvfs(path, &st) == 0 && (st.f_flag & ST_NOSUID);
}

/* A config that must be refused: run prepare in a throwaway mount
 * namespace (a grandchild) and compare the error text. */
static int expect_error(const char *rootfs, struct fc_mount *m, const char *want)
{
        struct fc_root root = {.path = (char *) rootfs};
        struct fc_config cfg = {.root = &root, .mounts = m, .n_mounts = 1};
        struct fc_rootfs_ctx ctx = {.cfg = &cfg, .rootfs = rootfs};
        int status = 0;
        pid_t pid;

        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                fc_error_t err = FC_ERROR_INIT;
                if (unshare(CLONE_NEWNS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(2);
                if (fc_rootfs_prepare(&ctx, &err) == 0)
                        _exit(3);
                if (err.msg == NULL || strcmp(err.msg, want) != 0) {
                        printf("#   got: %s\n#   expected: %s\n", err.msg, want);
                        fflush(stdout);
                        _exit(4);
                }
                _exit(0);
        }
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void negative_cases(const char *rootfs)
{
        struct fc_mount procsub = MOUNT("/proc/foo", "bind", in_tmp("src"), "bind");
        struct fc_mount viasym = MOUNT("/procself/x", "bind", in_tmp("src"), "rbind");
        struct fc_mount proctmpfs = MOUNT("/proc", "bind", in_tmp("src"), "bind");
        struct fc_mount cpuinfo = MOUNT("/proc/cpuinfo", "bind", in_tmp("file.txt"), "bind");
        struct fc_mount typo = MOUNT("/x", "tmpfs", "tmpfs", "nosiud");
        struct fc_mount onlink = MOUNT("/procself", "proc", "proc", "nosuid");
        struct fc_mount badsrc = MOUNT("/y", "bind", in_tmp("nonexistent"), "bind");

        ok(expect_error(rootfs, &procsub,
                        "\"/proc/foo\" cannot be mounted because it is inside /proc") == 0,
           "bind below /proc refused");
        ok(expect_error(rootfs, &viasym,
                        "\"/procself/x\" cannot be mounted because it is inside /proc") == 0,
           "bind into /proc through a symlink refused");
        ok(expect_error(rootfs, &proctmpfs,
                        "\"/proc\" cannot be mounted because it is not of type proc") == 0,
           "non-procfs bind on /proc refused");
        ok(expect_error(rootfs, &cpuinfo, "") == 3, "allow-listed /proc/cpuinfo accepted");
        ok(expect_error(rootfs, &typo, "mount tmpfs on /x: Invalid argument") == 0,
           "option typo reaches the kernel as data: EINVAL");
        ok(expect_error(rootfs, &onlink,
                        "filesystem \"proc\" must be mounted on ordinary directory") == 0,
           "proc on a symlink refused");
        char want[PATH_MAX + 64];
        snprintf(want, sizeof(want), "bind mount source %s: No such file or directory",
                 in_tmp("nonexistent"));
        ok(expect_error(rootfs, &badsrc, want) == 0, "missing bind source is an error");
}

/* --no-pivot: MS_MOVE + chroot. */
static int no_pivot_case(const char *rootfs)
{
        struct fc_mount mounts[] = {MOUNT("/proc", "proc", "proc", "nosuid")};
        struct fc_root root = {.path = (char *) rootfs};
        struct fc_config cfg = {.root = &root, .mounts = mounts, .n_mounts = 1};
        /* new_userns: nodes are bind mounts of the host's, as in a user
         * namespace where mknod(2) is refused. */
        struct fc_rootfs_ctx ctx = {
                .cfg = &cfg, .rootfs = rootfs, .no_pivot = true, .new_userns = true};
        struct stat sb;
        int status = 0;
        pid_t pid;

        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                fc_error_t err = FC_ERROR_INIT;
                struct statfs sfs;
                if (unshare(CLONE_NEWNS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(2);
                if (fc_rootfs_prepare(&ctx, &err) < 0 || fc_rootfs_pivot(&ctx, &err) < 0 ||
                    fc_rootfs_finish(&ctx, &err) < 0) {
                        printf("#   %s\n", err.msg);
                        fflush(stdout);
                        _exit(3);
                }
                if (statfs("/proc", &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC ||
                    access("/bin/busybox", X_OK) < 0)
                        _exit(4);
                struct stat dev;
                if (stat("/dev/null", &sb) < 0 || sb.st_rdev != makedev(1, 3) ||
                    stat("/dev", &dev) < 0 || dev.st_dev == sb.st_dev)
                        _exit(5);
                _exit(0);
        }
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                printf("#   no-pivot child status %#x\n", status);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Runs in the child, in its own mount namespace.  Returns the number of
 * failed checks (0 = all good); prints TAP-ish diagnostics. */
static int child_checks(const char *rootfs)
{
        struct fc_mount mounts[] = {
                MOUNT("/proc", "proc", "proc", "nosuid"),
                MOUNT("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
                MOUNT("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance",
                      "ptmxmode=0666", "mode=0620", "gid=5"),
                MOUNT("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777",
                      "size=65536k"),
                MOUNT("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
                MOUNT("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
                MOUNT("/data", "bind", in_tmp("src"), "rbind", "ro", "rprivate"),
                MOUNT("/data-rro", "bind", in_tmp("src"), "rbind", "rro", "rnosuid"),
                MOUNT("/etc/bound.txt", "bind", in_tmp("file.txt"), "bind", "nosuid"),
                MOUNT("/toroot/escaped", "tmpfs", "tmpfs", "size=1m"),
                MOUNT("/up/fc-escape-test", "tmpfs", "tmpfs", "size=1m"),
                MOUNT("/opt/seed", "tmpfs", "tmpfs", "tmpcopyup", "size=1m", "ro"),
        };
        struct fc_device devices[] = {
                {.type = (char *) "c",
                 .path = (char *) "/dev/fuse",
                 .major = 10,
                 .minor = 229,
                 .has_file_mode = true,
                 .file_mode = 0600,
                 .has_uid = true,
                 .uid = 1000},
                {.type = (char *) "p", .path = (char *) "/dev/myfifo"},
        };
        char *masked[] = {(char *) "/proc/kcore", (char *) "/proc/keys", (char *) "/sys/firmware",
                          (char *) "/does/not/exist"};
        char *readonly[] = {(char *) "/proc/sys", (char *) "/proc/sysrq-trigger", (char *) "/nope"};
        struct fc_linux lx = {
                .devices = devices,
                .n_devices = 2,
                .masked_paths = masked,
                .n_masked_paths = 4,
                .readonly_paths = readonly,
                .n_readonly_paths = 3,
        };
        struct fc_root root = {.path = (char *) rootfs, .readonly = true};
        struct fc_config cfg = {
                .root = &root,
                .mounts = mounts,
                .n_mounts = sizeof(mounts) / sizeof(mounts[0]),
                .linux_ = &lx,
        };
        struct fc_rootfs_ctx ctx = {.cfg = &cfg, .rootfs = rootfs};
        fc_error_t err = FC_ERROR_INIT;
        struct stat sb;
        struct statfs sfs;
        char buf[256];
        int fd;

        if (fc_rootfs_prepare(&ctx, &err) < 0 || fc_rootfs_pivot(&ctx, &err) < 0 ||
            fc_rootfs_finish(&ctx, &err) < 0) {
                printf("not ok - rootfs setup: %s\n", err.msg);
                return 100;
        }

        ok(statfs("/proc", &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC, "/proc is procfs");
        ok(access("/proc/self/status", R_OK) == 0, "/proc/self works");
        ok(statfs("/sys", &sfs) == 0 && sfs.f_type == SYSFS_MAGIC && (sfs.f_flags & ST_RDONLY),
           "/sys is read-only sysfs");
        ok(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(1, 3) &&
                   (sb.st_mode & 07777) == 0666,
           "/dev/null is char 1:3 0666");
        ok(stat("/dev/tty", &sb) == 0 && sb.st_rdev == makedev(5, 0), "/dev/tty is 5:0");
        ok(stat("/dev/fuse", &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(10, 229) &&
                   (sb.st_mode & 07777) == 0600 && sb.st_uid == 1000,
           "linux.devices char node with mode and uid");
        ok(stat("/dev/myfifo", &sb) == 0 && S_ISFIFO(sb.st_mode), "linux.devices fifo");
        ok(readlink("/dev/ptmx", buf, sizeof(buf)) == 8 && memcmp(buf, "pts/ptmx", 8) == 0,
           "/dev/ptmx -> pts/ptmx");
        ok(readlink("/dev/fd", buf, sizeof(buf)) == 13 && memcmp(buf, "/proc/self/fd", 13) == 0,
           "/dev/fd -> /proc/self/fd");
        ok(stat("/dev/pts/ptmx", &sb) == 0 && S_ISCHR(sb.st_mode), "devpts mounted");
        ok(statfs("/dev/shm", &sfs) == 0 && sfs.f_type == TMPFS_MAGIC, "/dev/shm tmpfs");
        ok(statfs("/dev/mqueue", &sfs) == 0 && sfs.f_type == MQUEUE_MAGIC, "/dev/mqueue");

        fd = open("/data/hello", O_RDONLY | O_CLOEXEC);
        ok(fd >= 0 && read(fd, buf, 6) == 6 && memcmp(buf, "hello\n", 6) == 0,
           "bind mount readable");
        if (fd >= 0)
                close(fd);
        ok(open("/data/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EROFS,
           "bind mount ro");
        ok(open("/data-rro/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EROFS &&
                   statvfs_nosuid("/data-rro"),
           "rro,rnosuid via mount_setattr");
        fd = open("/etc/bound.txt", O_RDONLY | O_CLOEXEC);
        ok(fd >= 0 && read(fd, buf, 11) == 11 && memcmp(buf, "bound file\n", 11) == 0,
           "file bind mount");
        if (fd >= 0)
                close(fd);
        ok(statvfs_nosuid("/etc/bound.txt"), "file bind remounted nosuid");

        ok(statfs("/escaped", &sfs) == 0 && sfs.f_type == TMPFS_MAGIC,
           "symlink to / lands inside the rootfs");
        ok(statfs("/etc/fc-escape-test", &sfs) == 0 && sfs.f_type == TMPFS_MAGIC,
           "../../etc symlink lands inside the rootfs");

        ok(statfs("/opt/seed", &sfs) == 0 && sfs.f_type == TMPFS_MAGIC && (sfs.f_flags & ST_RDONLY),
           "tmpcopyup tmpfs is read-only");
        fd = open("/opt/seed/link", O_RDONLY | O_CLOEXEC);
        ok(fd >= 0 && read(fd, buf, 5) == 5 && memcmp(buf, "seed\n", 5) == 0,
           "tmpcopyup copied file and symlink");
        if (fd >= 0)
                close(fd);
        ok(stat("/opt/seed/a.txt", &sb) == 0 && (sb.st_mode & 07777) == 0640,
           "tmpcopyup kept the mode");

        ok(stat("/proc/keys", &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(1, 3),
           "masked file is /dev/null");
        fd = open("/proc/keys", O_RDONLY | O_CLOEXEC);
        ok(fd >= 0 && read(fd, buf, sizeof(buf)) == 0, "masked file reads empty");
        if (fd >= 0)
                close(fd);
        fd = open("/sys/firmware", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ok(fd >= 0 && fstatfs(fd, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC &&
                   (sfs.f_flags & ST_RDONLY),
           "masked directory is an empty read-only tmpfs");
        if (fd >= 0)
                close(fd);
        ok(open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS,
           "readonly path gives EROFS");
        ok(open("/newfile", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EROFS,
           "root.readonly gives EROFS");
        ok(access("/bin/busybox", X_OK) == 0, "busybox in the new root");
        ok(access("/tmp", F_OK) < 0, "host /tmp not visible (pivoted)");
        return tap_failed;
}

static char *read_mountinfo(void)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char *s = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&s, &len);
        char line[4096];

        if (f == NULL || out == NULL) {
                if (f)
                        fclose(f);
                if (out)
                        fclose(out);
                free(s);
                return NULL;
        }
        while (fgets(line, sizeof(line), f))
                fputs(line, out);
        fclose(f);
        fclose(out);
        return s;
}

/* Mount lines in `after` that are not in `before` and sit where an escape
 * would land: "/", anything under the temp dir, /etc, /proc, /dev, /sys. */
static int suspicious_new_mounts(const char *before, const char *after)
{
        int bad = 0;
        const char *p = after;

        while (*p) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t) (nl - p) : strlen(p);
                char line[4096], mp[4096];

                snprintf(line, sizeof(line), "%.*s", (int) n, p);
                p += n + (nl ? 1 : 0);
                if (strstr(before, line) != NULL)
                        continue;
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
                        continue;
                if (strcmp(mp, "/") == 0 || strncmp(mp, tmp, strlen(tmp)) == 0 ||
                    strncmp(mp, "/etc", 4) == 0 || strcmp(mp, "/proc") == 0 ||
                    strcmp(mp, "/dev") == 0 || strcmp(mp, "/sys") == 0) {
                        printf("# new host mount: %s\n", line);
                        bad++;
                }
        }
        return bad;
}

int main(void)
{
        char tmpl[] = "/tmp/fc-rootfs-XXXXXX";
        char rootfs[PATH_MAX];
        cleanup_free char *before = NULL;
        cleanup_free char *after = NULL;
        int pipefd[2], status = 0, counts[2] = {0, 0};
        pid_t pid;

        if (geteuid() != 0 || access(BUSYBOX, X_OK) < 0) {
                printf("1..0 # SKIP needs root and " BUSYBOX "\n");
                return 77;
        }
        if (mkdtemp(tmpl) == NULL || realpath(tmpl, tmp) == NULL || build_rootfs() < 0 ||
            realpath(in_tmp("rootfs"), rootfs) == NULL) {
                perror("setting up the test rootfs");
                return 1;
        }
        before = read_mountinfo();
        if (before == NULL || pipe2(pipefd, O_CLOEXEC) < 0)
                return 1;
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0) {
                close(pipefd[0]);
                /* Private before anything else: no mount made below may
                 * propagate to the host. */
                if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                        perror("unshare");
                        _exit(2);
                }
                negative_cases(rootfs);
                ok(no_pivot_case(rootfs) == 0,
                   "--no-pivot (MS_MOVE, chroot), devices bind-mounted");
                child_checks(rootfs);
                counts[0] = tap_n;
                counts[1] = tap_failed;
                fflush(stdout);
                if (write(pipefd[1], counts, sizeof(counts)) != sizeof(counts))
                        _exit(3);
                _exit(0);
        }
        close(pipefd[1]);
        if (read(pipefd[0], counts, sizeof(counts)) != sizeof(counts))
                counts[0] = counts[1] = 0;
        close(pipefd[0]);
        waitpid(pid, &status, 0);
        tap_n = counts[0];
        tap_failed = counts[1];
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && counts[0] > 0,
           "child ran its checks (status %#x)", status);

        after = read_mountinfo();
        ok(after != NULL && suspicious_new_mounts(before, after) == 0,
           "host mount table gained nothing");
        ok(access("/escaped", F_OK) < 0 && access("/etc/fc-escape-test", F_OK) < 0,
           "escape targets not created on the host");
        ok(nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "temp dir removed");
        return tap_done();
}
