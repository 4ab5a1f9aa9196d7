/* SPDX-License-Identifier: Apache-2.0
 *
 * Raw system calls glibc 2.36 or musl 1.2.3 does not wrap (or wraps only
 * recently), and the kernel constants and structs that go with them.  The
 * one place that says syscall(); everything else calls these.  All return
 * -1 with errno set on failure, like libc.
 */
#ifndef FC_SYS_H
#define FC_SYS_H

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* glibc's <sys/mount.h> has the mount API; musl's has not.  The kernel's
 * header has it, and spells a few of the old MS_ constants differently. */
#ifndef OPEN_TREE_CLONE
#undef MS_NOUSER
#undef MS_RMT_MASK
#undef MS_MGC_VAL
#undef MS_MGC_MSK
#include <linux/mount.h>
#endif

/* glibc's <sys/stat.h> has statx; musl 1.2.3's has not, and <linux/stat.h>
 * redefines its S_IF* macros.  The layout, from statx(2): */
#ifndef STATX_BASIC_STATS
struct statx_timestamp {
        int64_t tv_sec;
        uint32_t tv_nsec;
        int32_t reserved;
};
struct statx {
        uint32_t stx_mask;
        uint32_t stx_blksize;
        uint64_t stx_attributes;
        uint32_t stx_nlink;
        uint32_t stx_uid;
        uint32_t stx_gid;
        uint16_t stx_mode;
        uint16_t spare0;
        uint64_t stx_ino;
        uint64_t stx_size;
        uint64_t stx_blocks;
        uint64_t stx_attributes_mask;
        struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
        uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
        uint64_t spare2[14];
};
#define STATX_BASIC_STATS 0x7ffU
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x2000
#endif
/* Linux 6.8: a mount's id that is never reused (STATX_MNT_ID is). */
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U
#endif

/* stx_mnt_id, which the structure above calls spare2[0] (and glibc's
 * has under its name only from 2.33): offset 144 in statx(2)'s layout. */
static inline uint64_t fc_statx_mnt_id(const struct statx *sx)
{
        uint64_t id;
        _Static_assert(sizeof(struct statx) >= 152, "struct statx layout");
        memcpy(&id, (const char *) sx + 144, sizeof(id));
        return id;
}
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE  (1 << 1)
#endif

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_pivot_root
#define SYS_pivot_root 155
#endif
#ifndef SYS_listmount
#define SYS_listmount 458
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
/* Linux 6.11: a pidfd's namespaces as nsfs fds (<linux/pidfd.h>).  Unlike
 * /proc/<pid>/ns/pid_for_children, it also gives a pid namespace that has
 * no process yet. */
#ifndef PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE
#define PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE _IO(0xFF, 6)
#endif

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

struct open_how;   /* <linux/openat2.h> */
struct mount_attr; /* <linux/mount.h> */

struct fc_clone_args {
        uint64_t flags;
        uint64_t pidfd;
        uint64_t child_tid;
        uint64_t parent_tid;
        uint64_t exit_signal;
        uint64_t stack;
        uint64_t stack_size;
        uint64_t tls;
        uint64_t set_tid;
        uint64_t set_tid_size;
        uint64_t cgroup;
};

/* fork-like: returns 0 in the child, the pid in the parent. The child
 * runs on a copy of the parent's stack (stack = 0), so it must only
 * call async-signal-safe-ish code and end with _exit()/exec. */
static inline pid_t fc_sys_clone3(struct fc_clone_args *args)
{
        return (pid_t) syscall(SYS_clone3, args, sizeof(*args));
}

/* fork(2) done as clone(SIGCHLD), which is what glibc's fork does and
 * musl's does not (it calls the fork syscall): a seccomp profile that
 * allows clone but not fork (the container's, when startContainer hooks
 * run) must not stop a hook.  The child gets none of the C library's fork
 * bookkeeping, so it may only set up its fds and signal mask and then
 * exec or _exit. */
static inline pid_t fc_sys_fork(void)
{
        return (pid_t) syscall(SYS_clone, (unsigned long) SIGCHLD, 0UL, NULL, NULL, 0UL);
}

/* clock_gettime(2) without the vDSO: a short-lived process that reads the
 * clock through it maps the vDSO's pages, and the page tables for them
 * (it lies far from everything else we map), for a call or two: three
 * faults and two page-table pages, allocated, copied into the container
 * init and freed twice, which costs far more than the system calls save
 * (about 0.1 ms a `run` on a VM with shadow page tables). */
static inline int fc_sys_clock_gettime(clockid_t clock, struct timespec *ts)
{
        return (int) syscall(SYS_clock_gettime, clock, ts);
}

static inline int fc_sys_pidfd_open(pid_t pid, unsigned int flags)
{
        return (int) syscall(SYS_pidfd_open, pid, flags);
}

/* A copy of another process's fd `targetfd` (close-on-exec): ptrace
 * access to it needed (Linux 5.6). */
static inline int fc_sys_pidfd_getfd(int pidfd, int targetfd)
{
        return (int) syscall(SYS_pidfd_getfd, pidfd, targetfd, 0U);
}

static inline int fc_sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
        return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline int fc_sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
        return (int) syscall(SYS_close_range, first, last, flags);
}

static inline int fc_sys_pivot_root(const char *new_root, const char *put_old)
{
        return (int) syscall(SYS_pivot_root, new_root, put_old);
}

static inline int fc_sys_open_tree(int dfd, const char *path, unsigned int flags)
{
        return (int) syscall(SYS_open_tree, dfd, path, flags);
}

static inline int fc_sys_move_mount(int from_dfd, const char *from_path, int to_dfd,
                                    const char *to_path, unsigned int flags)
{
        return (int) syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}

static inline int fc_sys_openat2(int dfd, const char *path, struct open_how *how, size_t size)
{
        return (int) syscall(SYS_openat2, dfd, path, how, size);
}

static inline int fc_sys_renameat2(int olddfd, const char *oldpath, int newdfd, const char *newpath,
                                   unsigned int flags)
{
        return (int) syscall(SYS_renameat2, olddfd, oldpath, newdfd, newpath, flags);
}

static inline int fc_sys_statx(int dfd, const char *path, int flags, unsigned int mask,
                               struct statx *buf)
{
        return (int) syscall(SYS_statx, dfd, path, flags, mask, buf);
}

/* listmount(2), Linux 6.8: the unique ids (STATX_MNT_ID_UNIQUE) of every
 * mount below our root, in our mount namespace, in ascending order.
 * Returns how many (at most max), or -1 with errno. */
static inline long fc_sys_listmount_all(uint64_t *ids, size_t max)
{
        struct {
                uint32_t size, spare;
                uint64_t mnt_id, param;
        } req = {.size = 24, .mnt_id = ~0ULL /* LSMT_ROOT */};
        return syscall(SYS_listmount, &req, ids, max, 0);
}

/* A signal's disposition back to SIG_DFL (all zero) by the system call:
 * musl's sigaction() refuses 32-34 and glibc's 32-33, so an inherited
 * SIG_IGN there would survive into the container. */
static inline int fc_sys_signal_default(int sig)
{
        struct {
                void *handler;
                unsigned long flags;
                void *restorer;
                uint64_t mask;
        } dfl = {0};
        return (int) syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
}

/* musl's sched_setscheduler() is a stub that fails with ENOSYS (POSIX
 * means the process, Linux the thread); the system call sets the thread. */
static inline int fc_sys_sched_setscheduler(pid_t pid, int policy, const struct sched_param *param)
{
        return (int) syscall(SYS_sched_setscheduler, pid, policy, param);
}

static inline int fc_sys_fsopen(const char *fs_name, unsigned int flags)
{
        return (int) syscall(SYS_fsopen, fs_name, flags);
}

static inline int fc_sys_fsconfig(int fd, unsigned int cmd, const char *key, const void *value,
                                  int aux)
{
        return (int) syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int fc_sys_fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
        return (int) syscall(SYS_fsmount, fd, flags, attr_flags);
}

static inline int fc_sys_mount_setattr(int dfd, const char *path, unsigned int flags,
                                       struct mount_attr *attr, size_t size)
{
        return (int) syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}

#endif
