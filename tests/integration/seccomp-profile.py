#!/usr/bin/env python3
"""seccomp-profile.py [--without NAME]...

Prints a linux.seccomp object shaped like the default profile Docker sends
with every container (after Docker has expanded its includes/excludes for
the container's capabilities and the host's architecture): default action
SCMP_ACT_ERRNO with defaultErrnoRet 1, the native architecture and its
compat ones, one large SCMP_ACT_ALLOW rule of about 330 names (some only
known on other architectures, a few unknown to libseccomp, which runtimes
must skip), and rules with argument conditions (personality values, clone
flags masked against the namespace bits, socket families, clone3 answered
with ENOSYS so that libc falls back to clone).

Built for flashcube's tests from the kernel's syscall table, not copied
from Docker.  What is left out is what a container without CAP_SYS_ADMIN
and friends must not do: mount, unshare, setns, reboot, ptrace, bpf, keys,
modules, clock setting, and so on.  --without drops a name from the list.
"""
import json
import platform
import sys

# Allowed unconditionally.  Includes 32-bit x86 and other architectures'
# names, as Docker's list does, and names newer than this libseccomp
# (mseal, statmount, listmount) or unknown to any (fct_no_such_syscall).
ALLOW = """
    read write open close stat fstat lstat poll lseek mmap mprotect munmap brk rt_sigaction
    rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv writev access pipe select
    sched_yield mremap msync mincore madvise shmget shmat shmctl dup dup2 pause nanosleep
    getitimer alarm setitimer getpid sendfile connect accept sendto recvfrom sendmsg recvmsg
    shutdown bind listen getsockname getpeername socketpair setsockopt getsockopt fork vfork
    execve exit wait4 kill uname semget semop semctl shmdt msgget msgsnd msgrcv msgctl fcntl
    flock fsync fdatasync truncate ftruncate getdents getcwd chdir fchdir rename mkdir rmdir
    creat link unlink symlink readlink chmod fchmod chown fchown lchown umask gettimeofday
    getrlimit getrusage sysinfo times getuid getgid setuid setgid geteuid getegid setpgid
    getppid getpgrp setsid setreuid setregid getgroups setgroups setresuid getresuid setresgid
    getresgid getpgid setfsuid setfsgid getsid capget capset rt_sigpending rt_sigtimedwait
    rt_sigqueueinfo rt_sigsuspend sigaltstack utime mknod statfs fstatfs getpriority setpriority
    sched_setparam sched_getparam sched_setscheduler sched_getscheduler sched_get_priority_max
    sched_get_priority_min sched_rr_get_interval mlock munlock mlockall munlockall prctl
    adjtimex setrlimit sync sethostname setdomainname gettid readahead setxattr lsetxattr
    fsetxattr getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr removexattr
    lremovexattr fremovexattr tkill time futex sched_setaffinity sched_getaffinity io_setup
    io_destroy io_getevents io_submit io_cancel epoll_create remap_file_pages getdents64
    set_tid_address restart_syscall semtimedop fadvise64 timer_create timer_settime
    timer_gettime timer_getoverrun timer_delete clock_gettime clock_getres clock_nanosleep
    exit_group epoll_wait epoll_ctl tgkill utimes mq_open mq_unlink mq_timedsend mq_timedreceive
    mq_notify mq_getsetattr waitid ioprio_set ioprio_get inotify_init inotify_add_watch
    inotify_rm_watch migrate_pages openat mkdirat mknodat fchownat futimesat newfstatat unlinkat
    renameat linkat symlinkat readlinkat fchmodat faccessat pselect6 ppoll set_robust_list
    get_robust_list splice tee sync_file_range vmsplice utimensat epoll_pwait signalfd
    timerfd_create eventfd fallocate timerfd_settime timerfd_gettime accept4 signalfd4 eventfd2
    epoll_create1 dup3 pipe2 inotify_init1 preadv pwritev rt_tgsigqueueinfo recvmmsg
    fanotify_mark prlimit64 syncfs sendmmsg getcpu sched_setattr sched_getattr renameat2 seccomp
    getrandom memfd_create execveat membarrier mlock2 copy_file_range preadv2 pwritev2
    pkey_mprotect pkey_alloc pkey_free statx io_pgetevents rseq pidfd_send_signal io_uring_setup
    io_uring_enter io_uring_register pidfd_open close_range openat2 pidfd_getfd faccessat2
    process_madvise epoll_pwait2 process_mrelease futex_waitv _llseek _newselect chown32
    fadvise64_64 fchown32 fcntl64 fstat64 fstatat64 fstatfs64 ftruncate64 getegid32 geteuid32
    getgid32 getgroups32 getresgid32 getresuid32 getuid32 lchown32 lstat64 mmap2 recv send
    sendfile64 setfsgid32 setfsuid32 setgid32 setgroups32 setregid32 setresgid32 setresuid32
    setreuid32 setuid32 sigreturn signal sigprocmask socketcall stat64 statfs64 truncate64
    ugetrlimit waitpid clock_gettime64 clock_nanosleep_time64 futex_time64 ppoll_time64
    pselect6_time64 utimensat_time64 sync_file_range2 cachestat fchmodat2 map_shadow_stack mseal
    statmount listmount fct_no_such_syscall
""".split()

# x86-only, in their own rule as Docker's arch-specific includes end up.
ALLOW_X86 = ["arch_prctl", "modify_ldt", "set_thread_area", "get_thread_area"]

# personality(2): only the values a normal program uses (query, PER_LINUX,
# PER_LINUX32, UNAME26 and UNAME26|PER_LINUX32), one rule per value.
PERSONALITY_VALUES = [0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF]

# clone(2) flags that create namespaces: CLONE_NEWNS, NEWCGROUP, NEWUTS,
# NEWIPC, NEWUSER, NEWPID, NEWNET.
CLONE_NS_MASK = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

AF_VSOCK = 40

ARCHES = {
    "x86_64": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "aarch64": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
    "ppc64le": ["SCMP_ARCH_PPC64LE"],
    "s390x": ["SCMP_ARCH_S390X", "SCMP_ARCH_S390"],
    "riscv64": ["SCMP_ARCH_RISCV64"],
}


def main(argv):
    without = set()
    while argv:
        if argv[0] == "--without" and len(argv) > 1:
            without.add(argv[1])
            argv = argv[2:]
        else:
            sys.exit("usage: seccomp-profile.py [--without NAME]...")
    machine = platform.machine()
    # s390 passes clone's flags in the second argument.
    clone_flags_index = 1 if machine.startswith("s390") else 0
    syscalls = [
        {"names": [n for n in ALLOW if n not in without], "action": "SCMP_ACT_ALLOW"},
    ]
    for value in PERSONALITY_VALUES:
        syscalls.append(
            {
                "names": ["personality"],
                "action": "SCMP_ACT_ALLOW",
                "args": [{"index": 0, "value": value, "op": "SCMP_CMP_EQ"}],
            }
        )
    syscalls += [
        {
            "names": ["clone"],
            "action": "SCMP_ACT_ALLOW",
            "args": [
                {
                    "index": clone_flags_index,
                    "value": CLONE_NS_MASK,
                    "valueTwo": 0,
                    "op": "SCMP_CMP_MASKED_EQ",
                }
            ],
        },
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
        {
            "names": ["socket"],
            "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": AF_VSOCK, "op": "SCMP_CMP_NE"}],
        },
    ]
    if machine in ("x86_64", "i686", "i386"):
        syscalls.append({"names": ALLOW_X86, "action": "SCMP_ACT_ALLOW"})
    profile = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ARCHES.get(machine, []),
        "syscalls": syscalls,
    }
    json.dump(profile, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
