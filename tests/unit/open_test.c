/* SPDX-License-Identifier: Apache-2.0
 * open(): in the musl build it is lib/open-musl.c's, the openat(2) alone,
 * without musl's fcntl(F_SETFD) after an O_CLOEXEC open.  What it returns
 * must be what libc's would: the flags, the mode of a new file, errno. */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/tap.h"

static volatile sig_atomic_t setfd_calls;

static void on_sigsys(int sig)
{
        (void) sig;
        setfd_calls++;
}

int main(void)
{
        char dir[] = "/tmp/fc-open-test.XXXXXX";
        ok(mkdtemp(dir) != NULL, "a scratch directory");
        char path[sizeof(dir) + 16];
        snprintf(path, sizeof(path), "%s/f", dir);
        umask(022);

        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        struct stat sb;
        ok(fd >= 0 && fstat(fd, &sb) == 0 && (sb.st_mode & 07777) == 0640,
           "O_CREAT takes the mode (less the umask)");
        ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) &&
                   (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY,
           "O_CLOEXEC and the access mode are set");
        if (fd >= 0)
                close(fd);
        errno = 0;
        ok(open(path, O_RDONLY | O_CREAT | O_EXCL, 0600) == -1 && errno == EEXIST,
           "O_EXCL on an existing file: EEXIST");
        errno = 0;
        ok(open(path, O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR,
           "O_DIRECTORY on a file: ENOTDIR");
        fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
        ok(fd >= 0 ? fstat(fd, &sb) == 0 && (sb.st_mode & 07777) == 0600 : errno == EOPNOTSUPP,
           "O_TMPFILE takes the mode too");
        if (fd >= 0)
                close(fd);
        fd = open(path, O_RDONLY);
        ok(fd >= 0 && !(fcntl(fd, F_GETFD) & FD_CLOEXEC), "without O_CLOEXEC, none");
        if (fd >= 0)
                close(fd);

        /* No fcntl(F_SETFD) behind an O_CLOEXEC open: one would raise SIGSYS
         * here (counted, then the call goes on as if it had worked: the
         * trap skips it, musl ignores its result). */
        signal(SIGSYS, on_sigsys);
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r = ctx == NULL ? -1
                            : seccomp_rule_add(ctx, SCMP_ACT_TRAP, SCMP_SYS(fcntl), 1,
                                               SCMP_A1(SCMP_CMP_EQ, F_SETFD));
        ok(r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && seccomp_load(ctx) == 0,
           "a filter that traps fcntl(F_SETFD)");
        seccomp_release(ctx);
        for (int i = 0; i < 3; i++) {
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd >= 0)
                        close(fd);
        }
        ok(setfd_calls == 0, "O_CLOEXEC opens make no fcntl(F_SETFD) (%d made)", (int) setfd_calls);

        unlink(path);
        rmdir(dir);
        return tap_done();
}
