/* SPDX-License-Identifier: Apache-2.0
 * The apply functions, each in a forked child (in fresh IPC/UTS/net
 * namespaces where they write namespaced state) so the host and the test
 * process are untouched.  Needs root; skipped otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/process.h"
#include "tests/unit/tap.h"

static struct fc_namespace nss[] = {{FC_NS_IPC, NULL}, {FC_NS_UTS, NULL}, {FC_NS_NETWORK, NULL}};

/* Child: exit 0 if fn() returned 0, else its code; the error text goes
 * through the pipe so the parent can compare it. */
static int in_child(int (*fn)(char *msg, size_t len), char *msg, size_t len)
{
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -1;
        pid_t pid = fork();
        if (pid == 0) {
                close(fds[0]);
                char buf[512] = "";
                int r = fn(buf, sizeof(buf));
                if (write(fds[1], buf, strlen(buf)) < 0)
                        r = 99;
                _exit(r);
        }
        close(fds[1]);
        ssize_t n = read(fds[0], msg, len - 1);
        msg[n > 0 ? n : 0] = '\0';
        close(fds[0]);
        int st;
        waitpid(pid, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int read_int(const char *path, long *ret)
{
        char buf[64];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        *ret = strtol(buf, NULL, 10);
        return 0;
}

static int child_sysctls(char *msg, size_t len)
{
        if (unshare(CLONE_NEWIPC | CLONE_NEWNET) < 0)
                return 2;
        struct fc_kv kv[] = {{"kernel.shmmni", "1234"}, {"net/ipv4/ip_forward", "1"}};
        struct fc_linux l = {.namespaces = nss, .n_namespaces = 3, .sysctl = kv, .n_sysctl = 2};
        struct fc_config cfg = {.linux_ = &l};
        fc_error_t err = FC_ERROR_INIT;
        if (fc_process_apply_sysctls(&cfg, &err) < 0) {
                snprintf(msg, len, "%s", err.msg);
                return 3;
        }
        long v = 0, f = 0;
        if (read_int("/proc/sys/kernel/shmmni", &v) < 0 || v != 1234)
                return 4;
        if (read_int("/proc/sys/net/ipv4/ip_forward", &f) < 0 || f != 1)
                return 5;
        struct fc_kv bad = {"../../../etc/x", "1"};
        l.sysctl = &bad;
        l.n_sysctl = 1;
        if (fc_process_apply_sysctls(&cfg, &err) == 0)
                return 6;
        snprintf(msg, len, "%s", err.msg);
        return 0;
}

static int child_hostname(char *msg, size_t len)
{
        if (unshare(CLONE_NEWUTS) < 0)
                return 2;
        struct fc_linux l = {.namespaces = nss, .n_namespaces = 3};
        struct fc_config cfg = {.linux_ = &l, .hostname = "fcbox", .domainname = "fc.test"};
        fc_error_t err = FC_ERROR_INIT;
        if (fc_process_apply_hostname(&cfg, &err) < 0) {
                snprintf(msg, len, "%s", err.msg);
                return 3;
        }
        struct utsname u;
        uname(&u);
        return strcmp(u.nodename, "fcbox") == 0 && strcmp(u.domainname, "fc.test") == 0 ? 0 : 4;
}

static int child_rlimits(char *msg, size_t len)
{
        struct fc_rlimit rl[] = {{"RLIMIT_NOFILE", RLIMIT_NOFILE, 200, 100},
                                 {"RLIMIT_CORE", RLIMIT_CORE, 0, 0}};
        struct fc_process p = {.rlimits = rl, .n_rlimits = 2};
        struct fc_config cfg = {.process = &p};
        fc_error_t err = FC_ERROR_INIT;
        if (fc_process_apply_rlimits(&cfg, &err) < 0) {
                snprintf(msg, len, "%s", err.msg);
                return 3;
        }
        struct rlimit r;
        getrlimit(RLIMIT_NOFILE, &r);
        if (r.rlim_cur != 100 || r.rlim_max != 200)
                return 4;
        /* Raising the hard limit again needs CAP_SYS_RESOURCE. */
        if (setresuid(1000, 1000, 1000) < 0)
                return 5;
        rl[0].hard = 400;
        if (fc_process_apply_rlimits(&cfg, &err) == 0)
                return 6;
        snprintf(msg, len, "%s", err.msg);
        return 0;
}

static int child_oom(char *msg, size_t len)
{
        struct fc_process p = {.has_oom_score_adj = true, .oom_score_adj = 500};
        struct fc_config cfg = {.process = &p};
        fc_error_t err = FC_ERROR_INIT;
        if (fc_process_apply_oom_score_adj(&cfg, &err) < 0) {
                snprintf(msg, len, "%s", err.msg);
                return 3;
        }
        long v = 0;
        return read_int("/proc/self/oom_score_adj", &v) == 0 && v == 500 ? 0 : 4;
}

static int child_sched(char *msg, size_t len)
{
        struct fc_personality pers = {.domain = "LINUX32"};
        struct fc_linux l = {.personality = &pers};
        struct fc_io_priority io = {"IOPRIO_CLASS_BE", 4};
        struct fc_scheduler s = {.policy = "SCHED_BATCH", .has_nice = true, .nice = 5};
        struct fc_exec_cpu_affinity aff = {.initial = "0"};
        struct fc_process p = {.io_priority = &io, .scheduler = &s, .exec_cpu_affinity = &aff};
        struct fc_config cfg = {.process = &p, .linux_ = &l};
        fc_error_t err = FC_ERROR_INIT;
        struct fc_process_plan plan;
        if (fc_process_plan_build(&cfg, &plan, &err) < 0 ||
            fc_process_apply_sched(&cfg, &plan, &err) < 0) {
                snprintf(msg, len, "%s", err.msg);
                return 3;
        }
        fc_process_plan_clear(&plan);
        if ((personality(0xffffffff) & PER_MASK) != PER_LINUX32)
                return 4;
        long prio = syscall(SYS_ioprio_get, 1, 0);
        if (prio != ((2 << 13) | 4))
                return 5;
        if (syscall(SYS_sched_getscheduler, 0) != SCHED_BATCH) /* musl: a stub */
                return 6;
        errno = 0;
        if (getpriority(PRIO_PROCESS, 0) != 5)
                return 7;
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof(set), &set) < 0 || CPU_COUNT(&set) != 1 ||
            !CPU_ISSET(0, &set))
                return 8;
        return 0;
}

int main(void)
{
        if (geteuid() != 0) {
                ok(1, "# SKIP apply tests need root");
                return tap_done();
        }
        char msg[512];
        int r = in_child(child_sysctls, msg, sizeof(msg));
        ok(r == 0, "sysctls written in new IPC/net namespaces (code %d: %s)", r, msg);
        is_str(msg, "sysctl \"../../../etc/x\": invalid name", "sysctls: escaping key refused");

        r = in_child(child_hostname, msg, sizeof(msg));
        ok(r == 0, "hostname and domainname set in a new UTS namespace (code %d: %s)", r, msg);

        r = in_child(child_rlimits, msg, sizeof(msg));
        ok(r == 0, "rlimits applied (code %d)", r);
        is_str(msg, "setrlimit RLIMIT_NOFILE: Operation not permitted", "rlimits: runc's error");

        r = in_child(child_oom, msg, sizeof(msg));
        ok(r == 0, "oom_score_adj written (code %d: %s)", r, msg);

        r = in_child(child_sched, msg, sizeof(msg));
        ok(r == 0, "personality, ioprio, scheduler, affinity applied (code %d: %s)", r, msg);
        return tap_done();
}
