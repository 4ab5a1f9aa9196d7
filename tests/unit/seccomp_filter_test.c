/* SPDX-License-Identifier: Apache-2.0
 * fc_seccomp_build()/load(): refusals checked in the test process, filters
 * loaded only in forked children so the test itself stays unrestricted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/seccomp.h"
#include "tests/unit/tap.h"

static char dirpath[] = "/tmp/fc-seccomp-XXXXXX";

/* Load `s` in a child, run `check`, return the wait status.  The child
 * exits 0 when check() returns 0, 10 + step on a failed check, 2 when
 * loading fails. */
static int run_filtered(const struct fc_seccomp *s, int (*check)(void))
{
        pid_t pid = fork();
        if (pid == 0) {
                /* SIGSYS would dump core into the build tree. */
                struct rlimit no_core = {0, 0};
                setrlimit(RLIMIT_CORE, &no_core);
                /* Loading without CAP_SYS_ADMIN needs no_new_privs. */
                if (geteuid() != 0)
                        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                fc_error_t err = FC_ERROR_INIT;
                struct fc_seccomp_filter *f = fc_seccomp_build(s, &err);
                int fd = -1;
                if (f == NULL || fc_seccomp_load(f, &fd, &err) < 0)
                        _exit(2);
                /* Straight to the kernel: under ASan, _exit() runs the leak
                 * checker, which needs syscalls the filter may deny. */
                syscall(SYS_exit_group, check());
        }
        int status = -1;
        waitpid(pid, &status, 0);
        return status;
}

static bool exited_ok(int status)
{
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int check_mkdir_eperm(void)
{
        char p[64];
        snprintf(p, sizeof(p), "%s/x", dirpath);
        long r = syscall(SYS_mkdir, p, 0755);
        if (r != -1 || errno != EPERM)
                return 10;
        /* Other syscalls still work. */
        if (syscall(SYS_getpid) != getpid())
                return 11;
        return 0;
}

static int check_mkdir_eacces(void)
{
        char p[64];
        snprintf(p, sizeof(p), "%s/x", dirpath);
        return syscall(SYS_mkdir, p, 0755) == -1 && errno == EACCES ? 0 : 10;
}

static void test_errno(void)
{
        char *names[] = {"mkdir", "no_such_syscall_anywhere"};
        struct fc_seccomp_syscall sc = {.names = names, .n_names = 2, .action = "SCMP_ACT_ERRNO"};
        struct fc_seccomp s = {
                .default_action = "SCMP_ACT_ALLOW", .syscalls = &sc, .n_syscalls = 1};
        ok(exited_ok(run_filtered(&s, check_mkdir_eperm)),
           "mkdir -> ERRNO defaults to EPERM; unknown syscall name skipped");
        sc.has_errno_ret = true;
        sc.errno_ret = EACCES;
        ok(exited_ok(run_filtered(&s, check_mkdir_eacces)), "errnoRet 13 -> EACCES");

        /* Architectures (native and duplicates ignored) and flags. */
        char *arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86"};
        char *flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                         "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
        s.architectures = arches;
        s.n_architectures = 4;
        s.flags = flags;
        s.n_flags = 3;
        ok(exited_ok(run_filtered(&s, check_mkdir_eacces)), "with architectures and flags");
}

static int check_args(void)
{
        pid_t me = getpid();
        if (syscall(SYS_getpid, 42) != -1 || errno != EPERM)
                return 10;
        if (syscall(SYS_getpid, 41) != me)
                return 11;
        /* MASKED_EQ: (arg0 & 0xff00) == 0x1200 */
        if (syscall(SYS_getppid, 0x1234) != -1 || errno != EPERM)
                return 12;
        if (syscall(SYS_getppid, 0x1334) == -1)
                return 13;
        /* same index twice: either value matches */
        if (syscall(SYS_getuid, 1) != -1 || syscall(SYS_getuid, 2) != -1)
                return 14;
        if (syscall(SYS_getuid, 3) == -1)
                return 15;
        /* distinct indexes: both must hold */
        if (syscall(SYS_getgid, 1, 2) != -1)
                return 16;
        if (syscall(SYS_getgid, 1, 3) == -1 || syscall(SYS_getgid, 0, 2) == -1)
                return 17;
        /* the rule with the default action was dropped, not refused */
        return 0;
}

static void test_args(void)
{
        char *getpid_n[] = {"getpid"}, *getppid_n[] = {"getppid"}, *getuid_n[] = {"getuid"},
             *getgid_n[] = {"getgid"}, *uname_n[] = {"uname"};
        struct fc_seccomp_arg eq42 = {.index = 0, .value = 42, .op = "SCMP_CMP_EQ"};
        struct fc_seccomp_arg masked = {
                .index = 0, .value = 0xff00, .value_two = 0x1200, .op = "SCMP_CMP_MASKED_EQ"};
        struct fc_seccomp_arg same[] = {{.index = 0, .value = 1, .op = "SCMP_CMP_EQ"},
                                        {.index = 0, .value = 2, .op = "SCMP_CMP_EQ"}};
        struct fc_seccomp_arg both[] = {{.index = 0, .value = 1, .op = "SCMP_CMP_EQ"},
                                        {.index = 1, .value = 2, .op = "SCMP_CMP_EQ"}};
        struct fc_seccomp_syscall sc[] = {
                {.names = getpid_n,
                 .n_names = 1,
                 .action = "SCMP_ACT_ERRNO",
                 .args = &eq42,
                 .n_args = 1},
                {.names = getppid_n,
                 .n_names = 1,
                 .action = "SCMP_ACT_ERRNO",
                 .args = &masked,
                 .n_args = 1},
                {.names = getuid_n,
                 .n_names = 1,
                 .action = "SCMP_ACT_ERRNO",
                 .args = same,
                 .n_args = 2},
                {.names = getgid_n,
                 .n_names = 1,
                 .action = "SCMP_ACT_ERRNO",
                 .args = both,
                 .n_args = 2},
                {.names = uname_n, .n_names = 1, .action = "SCMP_ACT_ALLOW"},
        };
        struct fc_seccomp s = {.default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .n_syscalls = 5};
        int st = run_filtered(&s, check_args);
        ok(exited_ok(st), "args: EQ, MASKED_EQ, same-index OR, distinct-index AND (exit %d)",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int check_kill(void)
{
        syscall(SYS_getppid);
        return 0; /* not reached */
}

static int check_default_errno(void)
{
        return syscall(SYS_getppid) == -1 && errno == EIO ? 0 : 10;
}

static void test_kill_and_default(void)
{
        char *n[] = {"getppid"};
        struct fc_seccomp_syscall sc = {
                .names = n, .n_names = 1, .action = "SCMP_ACT_KILL_PROCESS"};
        struct fc_seccomp s = {
                .default_action = "SCMP_ACT_ALLOW", .syscalls = &sc, .n_syscalls = 1};
        int st = run_filtered(&s, check_kill);
        ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "KILL_PROCESS kills with SIGSYS");

        sc.action = "SCMP_ACT_KILL";
        st = run_filtered(&s, check_kill);
        ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "KILL (thread) kills with SIGSYS");

        /* Everything but exiting fails with defaultErrnoRet. */
        char *allow[] = {"exit_group", "exit"};
        struct fc_seccomp_syscall a = {.names = allow, .n_names = 2, .action = "SCMP_ACT_ALLOW"};
        struct fc_seccomp d = {.default_action = "SCMP_ACT_ERRNO",
                               .has_default_errno_ret = true,
                               .default_errno_ret = EIO,
                               .syscalls = &a,
                               .n_syscalls = 1};
        st = run_filtered(&d, check_default_errno);
        ok(exited_ok(st), "defaultAction ERRNO with defaultErrnoRet (status 0x%x)", st);
}

static int check_notify_fd(void)
{
        return 0;
}

static void test_notify(void)
{
        char *n[] = {"getppid"};
        struct fc_seccomp_syscall sc = {.names = n, .n_names = 1, .action = "SCMP_ACT_NOTIFY"};
        struct fc_seccomp s = {
                .default_action = "SCMP_ACT_ALLOW", .syscalls = &sc, .n_syscalls = 1};
        fc_error_t err = FC_ERROR_INIT;
        ok(fc_seccomp_build(&s, &err) == NULL, "NOTIFY without listenerPath refused");
        is_str(err.msg, "linux.seccomp.listenerPath is not set", "NOTIFY: message");
        fc_error_clear(&err);

        s.listener_path = "/run/agent.sock";
        pid_t pid = fork();
        if (pid == 0) {
                if (geteuid() != 0)
                        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                struct fc_seccomp_filter *f = fc_seccomp_build(&s, &err);
                int fd = -1;
                if (f == NULL || fc_seccomp_load(f, &fd, &err) < 0)
                        _exit(2);
                _exit(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC ? check_notify_fd() : 3);
        }
        int st;
        waitpid(pid, &st, 0);
        ok(exited_ok(st), "NOTIFY: load returns a CLOEXEC listener fd");

        char *w[] = {"write"};
        sc.names = w;
        ok(fc_seccomp_build(&s, &err) == NULL, "NOTIFY on write refused");
        is_str(err.msg,
               "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for the write syscall",
               "NOTIFY write: message");
        fc_error_clear(&err);

        s.default_action = "SCMP_ACT_NOTIFY";
        ok(fc_seccomp_build(&s, &err) == NULL, "NOTIFY as default refused");
        fc_error_clear(&err);
}

static void test_refusals(void)
{
        char *n[] = {"mkdir"};
        struct fc_seccomp_arg arg = {.index = 0, .value = 1, .op = "SCMP_CMP_EQ"};
        struct fc_seccomp_syscall sc[2] = {
                {.names = n, .n_names = 1, .action = "SCMP_ACT_ERRNO"},
                {.names = n, .n_names = 1, .action = "SCMP_ACT_ERRNO", .args = &arg, .n_args = 1},
        };
        struct fc_seccomp s = {.default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .n_syscalls = 2};
        fc_error_t err = FC_ERROR_INIT;
        struct fc_seccomp_filter *f = fc_seccomp_build(&s, &err);
        ok(f != NULL, "baseline builds");
        fc_seccomp_free(f);
        fc_seccomp_free(NULL);

        sc[1].action = "SCMP_ACT_FOO";
        ok(fc_seccomp_build(&s, &err) == NULL, "unknown action refused");
        is_str(err.msg,
               "linux.seccomp.syscalls[1].action: string SCMP_ACT_FOO is not a valid action for "
               "seccomp",
               "unknown action: message");
        fc_error_clear(&err);
        sc[1].action = "SCMP_ACT_ERRNO";

        s.default_action = "FOO";
        ok(fc_seccomp_build(&s, &err) == NULL, "unknown default action refused");
        is_str(err.msg, "linux.seccomp.defaultAction: string FOO is not a valid action for seccomp",
               "unknown default: message");
        fc_error_clear(&err);
        s.default_action = "SCMP_ACT_ALLOW";

        arg.op = "SCMP_CMP_FOO";
        ok(fc_seccomp_build(&s, &err) == NULL, "unknown operator refused");
        is_str(err.msg,
               "linux.seccomp.syscalls[1].args[0].op: string SCMP_CMP_FOO is not a valid "
               "operator for seccomp",
               "unknown operator: message");
        fc_error_clear(&err);
        arg.op = "SCMP_CMP_EQ";

        arg.index = 6;
        ok(fc_seccomp_build(&s, &err) == NULL, "argument index 6 refused");
        is_str(err.msg,
               "linux.seccomp.syscalls[1].args[0].index: syscalls only have up to 6 arguments "
               "(6 given)",
               "index: message");
        fc_error_clear(&err);
        arg.index = 0;

        char *arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_FOO"};
        s.architectures = arches;
        s.n_architectures = 2;
        ok(fc_seccomp_build(&s, &err) == NULL, "unknown arch refused");
        is_str(err.msg,
               "linux.seccomp.architectures[1]: string SCMP_ARCH_FOO is not a valid arch for "
               "seccomp",
               "unknown arch: message");
        fc_error_clear(&err);
        s.n_architectures = 1;

        char *flags[] = {"SECCOMP_FILTER_FLAG_FOO"};
        s.flags = flags;
        s.n_flags = 1;
        ok(fc_seccomp_build(&s, &err) == NULL, "unknown flag refused");
        is_str(err.msg, "linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_FOO\"",
               "unknown flag: message");
        fc_error_clear(&err);
        s.n_flags = 0;

        sc[0].action = "SCMP_ACT_ALLOW";
        f = fc_seccomp_build(&s, &err);
        ok(f != NULL, "rule with the default action skipped, not refused");
        fc_seccomp_free(f);
}

static int count_entries(const char *dir)
{
        DIR *d = opendir(dir);
        int n = 0;
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
                if (e->d_name[0] != '.')
                        n++;
        }
        if (d)
                closedir(d);
        return n;
}

static const char *cache_dir;
static const struct fc_seccomp *cache_profile;

static int check_cached_mkdir(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_seccomp_filter *f = fc_seccomp_build_cached(cache_profile, cache_dir, &err);
        if (f == NULL || !fc_seccomp_from_cache(f))
                return 20;
        int fd = -1;
        if (fc_seccomp_load(f, &fd, &err) < 0)
                return 21;
        return check_mkdir_eperm();
}

static int check_cached_notify(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_seccomp_filter *f = fc_seccomp_build_cached(cache_profile, cache_dir, &err);
        if (f == NULL || !fc_seccomp_from_cache(f))
                return 20;
        int fd = -1;
        if (fc_seccomp_load(f, &fd, &err) < 0)
                return 21;
        return fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC ? 0 : 22;
}

/* Runs check() in a child with no_new_privs when not root, without
 * loading anything first (check() builds and loads from the cache). */
static int run_child(int (*check)(void))
{
        pid_t pid = fork();
        if (pid == 0) {
                if (geteuid() != 0)
                        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                syscall(SYS_exit_group, check());
        }
        int st = -1;
        waitpid(pid, &st, 0);
        return st;
}

static void test_cache(void)
{
        char dir[96];
        snprintf(dir, sizeof(dir), "%s/cache/seccomp", dirpath);
        cache_dir = dir;
        char *names[] = {"mkdir"};
        char *flags[] = {"SECCOMP_FILTER_FLAG_LOG"};
        struct fc_seccomp_syscall sc = {.names = names, .n_names = 1, .action = "SCMP_ACT_ERRNO"};
        struct fc_seccomp s = {.default_action = "SCMP_ACT_ALLOW",
                               .flags = flags,
                               .n_flags = 1,
                               .syscalls = &sc,
                               .n_syscalls = 1};
        cache_profile = &s;
        fc_error_t err = FC_ERROR_INIT;

        struct fc_seccomp_filter *f = fc_seccomp_build_cached(&s, dir, &err);
        ok(f != NULL && !fc_seccomp_from_cache(f), "cache: first build is a miss");
        fc_seccomp_free(f);
        ok(count_entries(dir) == 1, "cache: one entry stored");
        struct stat st;
        ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "cache: directory is 0700");
        f = fc_seccomp_build_cached(&s, dir, &err);
        ok(f != NULL && fc_seccomp_from_cache(f), "cache: second build is a hit");
        fc_seccomp_free(f);
        ok(exited_ok(run_child(check_cached_mkdir)), "cache: cached program loads and works");

        /* A different profile is a different entry. */
        sc.has_errno_ret = true;
        sc.errno_ret = EACCES;
        f = fc_seccomp_build_cached(&s, dir, &err);
        ok(f != NULL && !fc_seccomp_from_cache(f), "cache: changed profile misses");
        fc_seccomp_free(f);
        ok(count_entries(dir) == 2, "cache: two entries");
        sc.has_errno_ret = false;

        /* A damaged entry is a miss and gets replaced. */
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                        continue;
                char p[512];
                snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
                truncate(p, 40);
        }
        if (d)
                closedir(d);
        f = fc_seccomp_build_cached(&s, dir, &err);
        ok(f != NULL && !fc_seccomp_from_cache(f), "cache: truncated entry is a miss");
        fc_seccomp_free(f);
        f = fc_seccomp_build_cached(&s, dir, &err);
        ok(f != NULL && fc_seccomp_from_cache(f), "cache: and was rewritten");
        fc_seccomp_free(f);

        /* Errors are still errors, and not cached. */
        sc.action = "SCMP_ACT_FOO";
        ok(fc_seccomp_build_cached(&s, dir, &err) == NULL, "cache: invalid profile refused");
        fc_error_clear(&err);
        ok(fc_seccomp_build_cached(&s, dir, &err) == NULL, "cache: still refused");
        fc_error_clear(&err);
        sc.action = "SCMP_ACT_ERRNO";

        /* An unusable cache directory just means no cache. */
        f = fc_seccomp_build_cached(&s, "/proc/nope/cache", &err);
        ok(f != NULL && !fc_seccomp_from_cache(f) && err.msg == NULL,
           "cache: unusable directory is not an error");
        fc_seccomp_free(f);
        chmod(dir, 0777);
        f = fc_seccomp_build_cached(&s, dir, &err);
        ok(f != NULL && !fc_seccomp_from_cache(f), "cache: world-writable directory not trusted");
        fc_seccomp_free(f);
        chmod(dir, 0700);

        /* NOTIFY through a cached program still hands back the listener. */
        char *n2[] = {"getppid"};
        char *tsync[] = {"SECCOMP_FILTER_FLAG_TSYNC"};
        struct fc_seccomp_syscall nsc = {.names = n2, .n_names = 1, .action = "SCMP_ACT_NOTIFY"};
        struct fc_seccomp ns = {.default_action = "SCMP_ACT_ALLOW",
                                .flags = tsync,
                                .n_flags = 1,
                                .listener_path = "/run/agent.sock",
                                .syscalls = &nsc,
                                .n_syscalls = 1};
        cache_profile = &ns;
        f = fc_seccomp_build_cached(&ns, dir, &err);
        ok(f != NULL, "cache: NOTIFY profile built");
        fc_seccomp_free(f);
        ok(exited_ok(run_child(check_cached_notify)),
           "cache: cached NOTIFY load gives listener fd");

        d = opendir(dir);
        while (d && (e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                        continue;
                char p[512];
                snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
                unlink(p);
        }
        if (d)
                closedir(d);
        rmdir(dir);
        snprintf(dir, sizeof(dir), "%s/cache", dirpath);
        rmdir(dir);
}

int main(void)
{
        if (mkdtemp(dirpath) == NULL) {
                perror("mkdtemp");
                return 1;
        }
        test_refusals();
        test_errno();
        test_args();
        test_kill_and_default();
        test_notify();
        test_cache();
        char p[64];
        snprintf(p, sizeof(p), "%s/x", dirpath);
        rmdir(p);
        rmdir(dirpath);
        return tap_done();
}
