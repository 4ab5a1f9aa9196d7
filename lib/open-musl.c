/* SPDX-License-Identifier: Apache-2.0
 *
 * open() for the static musl build.  musl's follows every open with
 * O_CLOEXEC by an fcntl(F_SETFD, FD_CLOEXEC), for kernels older than
 * 2.6.23 that ignored the flag: a second system call for almost every file
 * a `run` opens (30 of them here: the config, cgroup files, /proc files,
 * the state).  Every kernel flashcube runs on honours the flag, so this one
 * is the openat(2) alone.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

int open(const char *path, int flags, ...);

int open(const char *path, int flags, ...)
{
        mode_t mode = 0;
        if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
                va_list ap;
                va_start(ap, flags);
                mode = va_arg(ap, mode_t);
                va_end(ap);
        }
        return (int) syscall(SYS_openat, AT_FDCWD, path, flags | O_LARGEFILE, mode);
}
