/* SPDX-License-Identifier: Apache-2.0
 * lib/cgroup against the real kernel (root only; skipped otherwise):
 * create with runc's default resources, enter a forked child, check
 * /proc/<pid>/cgroup and devices.list, mount the hierarchies in a private
 * mount namespace, destroy with the child still alive, verify that every
 * directory is gone.  On a hybrid host the v2 code also runs against the
 * unified mount.  Everything created is removed, also on failure. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cgroup/cgroup-internal.h"
#include "lib/cleanup.h"
#include "lib/sys.h"
#include "tests/unit/tap.h"

static const char runc_devices_list[] = "b *:* m\n"
                                        "c *:* m\n"
                                        "c 1:3 rwm\n"
                                        "c 1:5 rwm\n"
                                        "c 1:7 rwm\n"
                                        "c 1:8 rwm\n"
                                        "c 1:9 rwm\n"
                                        "c 5:0 rwm\n"
                                        "c 5:2 rwm\n"
                                        "c 10:200 rwm\n"
                                        "c 136:* rwm\n";

static bool exists(const char *p)
{
        struct stat st;
        return stat(p, &st) == 0;
}

/* A child that waits until its pipe closes. */
static pid_t sleeper(int *ret_wfd)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        pid_t pid = fork();
        if (pid == 0) {
                char c;
                close(p[1]);
                while (read(p[0], &c, 1) > 0)
                        ;
                _exit(0);
        }
        close(p[0]);
        *ret_wfd = p[1];
        return pid;
}

/* Every hierarchy of `cg` shows up in /proc/<pid>/cgroup with its path. */
static bool in_cgroup(const struct fc_cgroup *cg, pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        fc_error_t err = FC_ERROR_INIT;
        cleanup_free char *text = fc_cgroup_read_file(path, &err);
        fc_error_clear(&err);
        if (text == NULL)
                return false;
        for (size_t i = 0; i < cg->n_hier; i++) {
                const struct fc_cgroup_hier *h = &cg->hier[i];
                cleanup_free char *want = NULL;
                if (asprintf(&want, ":%s:%s%s\n", h->v2 ? "" : h->controllers,
                             strcmp(h->root, "/") == 0 ? "" : h->root, h->rel) < 0)
                        return false;
                if (strstr(text, want) == NULL) {
                        printf("# %s not in %s", want, text);
                        return false;
                }
        }
        return true;
}

static bool all_gone(const struct fc_cgroup *cg, unsigned levels)
{
        for (size_t i = 0; i < cg->n_hier; i++) {
                cleanup_free char *d = fc_cgroup_hier_dir(&cg->hier[i]);
                for (unsigned l = 0; l < levels; l++) {
                        if (exists(d)) {
                                printf("# still there: %s\n", d);
                                return false;
                        }
                        char *s = strrchr(d, '/');
                        if (s)
                                *s = '\0';
                }
        }
        return true;
}

/* In a child with a private mount namespace (and a cgroup namespace
 * when `cgroupns`): mount the hierarchies and look at them. */
static void test_mount(struct fc_cgroup *cg, bool cgroupns)
{
        char tmp[] = "/tmp/fc-cgmount-XXXXXX";
        if (mkdtemp(tmp) == NULL) {
                ok(0, "mkdtemp");
                return;
        }
        pid_t pid = fork();
        if (pid == 0) {
                fc_error_t e = FC_ERROR_INIT;
                char buf[32];
                snprintf(buf, sizeof(buf), "%d", (int) getpid());
                if (fc_cgroup_enter(cg, getpid(), &e) < 0)
                        _exit(10);
                if (unshare(CLONE_NEWNS | (cgroupns ? CLONE_NEWCGROUP : 0)) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(11);
                char dest[256];
                snprintf(dest, sizeof(dest), "%s/cgroup", tmp);
                if (fc_cgroup_mount(cg, dest, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                    cgroupns, &e) < 0) {
                        printf("# %s\n", e.msg);
                        _exit(12);
                }
                int bad = 0;
                char p[512];
                if (cg->mode == FC_CGROUP_MODE_V2) {
                        snprintf(p, sizeof(p), "%s/cgroup.procs", dest);
                } else {
                        snprintf(p, sizeof(p), "%s/devices/devices.list", dest);
                        if (!exists(p))
                                bad |= 1;
                        snprintf(p, sizeof(p), "%s/devices/cgroup.procs", dest);
                }
                /* The container's own cgroup is the mount's root. */
                cleanup_free char *procs = fc_cgroup_read_file(p, &e);
                if (procs == NULL || strstr(procs, buf) == NULL)
                        bad |= 2;
                int fd = open(p, O_WRONLY | O_CLOEXEC);
                if (fd >= 0 || errno != EROFS)
                        bad |= 4;
                snprintf(p, sizeof(p), "%s/x", dest);
                if (cg->mode != FC_CGROUP_MODE_V2 && mkdir(p, 0755) < 0)
                        bad |= 8; /* the tmpfs stays writable, as runc's */
                _exit(bad);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "mount %s cgroupns: child status %d",
           cgroupns ? "with" : "without", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        char dest[64];
        snprintf(dest, sizeof(dest), "%s/cgroup", tmp);
        rmdir(dest);
        ok(rmdir(tmp) == 0, "mount point removed");
}

static void test_host(void)
{
        fc_error_t err = FC_ERROR_INIT;
        char id[64];
        snprintf(id, sizeof(id), "fc-cgtest-%d", (int) getpid());
        struct fc_device_cgroup deny = {.allow = false, .access = "rwm"};
        struct fc_resources res = {.devices = &deny, .n_devices = 1};
        cleanup_cgroup struct fc_cgroup *cg = fc_cgroup_create(NULL, id, false, &res, &err);
        ok(cg != NULL, "create %s (%s)", id, err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        if (cg == NULL)
                return;
        printf("# mode %s, %zu hierarchies\n", fc_cgroup_mode_name(cg->mode), cg->n_hier);
        bool dirs = true;
        for (size_t i = 0; i < cg->n_hier; i++) {
                cleanup_free char *d = fc_cgroup_hier_dir(&cg->hier[i]);
                dirs = dirs && exists(d) && cg->hier[i].n_created == 1;
        }
        ok(dirs, "a directory created in every hierarchy");
        for (size_t i = 0; i < cg->n_hier; i++) {
                if (cg->hier[i].v2 || strstr(cg->hier[i].controllers, "devices") == NULL)
                        continue;
                cleanup_free char *d = fc_cgroup_hier_dir(&cg->hier[i]);
                cleanup_free char *p = NULL;
                if (asprintf(&p, "%s/devices.list", d) < 0)
                        break;
                cleanup_free char *list = fc_cgroup_read_file(p, &err);
                is_str(list, runc_devices_list, "devices.list is runc's");
                fc_error_clear(&err);
        }

        int wfd = -1;
        pid_t child = sleeper(&wfd);
        ok(fc_cgroup_enter(cg, child, &err) == 0, "enter child (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        ok(in_cgroup(cg, child), "/proc/<child>/cgroup names the container's cgroup everywhere");
        /* A second child in a cgroup the container made below its own. */
        int wfd2 = -1;
        pid_t child2 = sleeper(&wfd2);
        bool sub_ok = true;
        for (size_t i = 0; i < cg->n_hier; i++) {
                cleanup_free char *d = fc_cgroup_hier_dir(&cg->hier[i]);
                cleanup_free char *sub = NULL;
                char pid_s[32];
                snprintf(pid_s, sizeof(pid_s), "%d", (int) child2);
                sub_ok = sub_ok && asprintf(&sub, "%s/sub", d) > 0 && mkdir(sub, 0755) == 0;
                if (sub_ok && strstr(cg->hier[i].controllers, "cpuset")) {
                        fc_cgroup_write_at(sub, "cpuset.cpus", "0", &err);
                        fc_cgroup_write_at(sub, "cpuset.mems", "0", &err);
                }
                sub_ok = sub_ok && fc_cgroup_write_at(sub, "cgroup.procs", pid_s, &err) == 0;
                fc_error_clear(&err);
        }
        ok(sub_ok, "second child in a nested cgroup");
        cleanup_free pid_t *pids = NULL;
        size_t n = 0;
        ok(fc_cgroup_pids(cg, &pids, &n, &err) == 0 && n == 2 && pids[0] == child &&
                   pids[1] == child2,
           "pids lists both children, nested included");
        fc_error_clear(&err);

        test_mount(cg, false);
        test_mount(cg, true);

        cleanup_free char *s = fc_cgroup_serialize(cg, &err);
        cleanup_cgroup struct fc_cgroup *back = fc_cgroup_deserialize(s, &err);
        ok(back != NULL, "state round trip");
        /* The child is still alive: destroy must kill it and retry. */
        int r = fc_cgroup_destroy(back ? back : cg, &err);
        ok(r == 0, "destroy with a live child (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        int st = 0;
        waitpid(child, &st, 0);
        close(wfd);
        ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child was SIGKILLed");
        waitpid(child2, &st, 0);
        close(wfd2);
        ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "nested child was SIGKILLed");
        ok(all_gone(cg, 1), "every directory removed");
        ok(fc_cgroup_destroy(cg, &err) == 0, "destroying an absent cgroup succeeds");
        fc_error_clear(&err);
}

static void test_nested_absolute(void)
{
        fc_error_t err = FC_ERROR_INIT;
        char path[96];
        snprintf(path, sizeof(path), "/fc-cgtest-abs-%d/a/b", (int) getpid());
        cleanup_cgroup struct fc_cgroup *cg = fc_cgroup_create(path, "ignored", false, NULL, &err);
        ok(cg != NULL, "create absolute nested %s (%s)", path, err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        if (cg == NULL)
                return;
        bool three = true;
        for (size_t i = 0; i < cg->n_hier; i++)
                three = three && cg->hier[i].n_created == 3 && strcmp(cg->hier[i].rel, path) == 0;
        ok(three, "three levels created in every hierarchy, at the absolute path");
        int wfd = -1;
        pid_t child = sleeper(&wfd);
        /* v1 cpuset: fails with ENOSPC unless cpus/mems were copied down. */
        ok(fc_cgroup_enter(cg, child, &err) == 0, "enter nested (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        ok(in_cgroup(cg, child), "child in the nested cgroup");
        close(wfd);
        waitpid(child, NULL, 0);
        ok(fc_cgroup_destroy(cg, &err) == 0, "destroy nested (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        ok(all_gone(cg, 3), "all three levels removed");
}

static void test_failure_cleanup(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_device_cgroup bad = {.allow = true, .type = "c", .access = "rwq"};
        struct fc_resources res = {.devices = &bad, .n_devices = 1};
        struct fc_cgroup *cg = fc_cgroup_create(NULL, "fc-never", false, &res, &err);
        ok(cg == NULL && err.status == -EINVAL && err.msg &&
                   strcmp(err.msg, "linux.resources.devices[0].access: invalid access \"rwq\"") ==
                           0,
           "bad rule refused before creating anything (%s)", err.msg ? err.msg : "none");
        fc_error_clear(&err);
        ok(!exists("/sys/fs/cgroup/unified/fc-never") && !exists("/sys/fs/cgroup/fc-never"),
           "nothing created for a bad rule");

        /* mkdir below a control file fails (ENOTDIR) after the parent was
         * made in every hierarchy: all of them must be removed again. */
        char path[512];
        snprintf(path, sizeof(path), "/fc-cgtest-fail-%d/cgroup.procs/x", (int) getpid());
        cg = fc_cgroup_create(path, "ignored", false, NULL, &err);
        ok(cg == NULL && err.status == -ENOTDIR, "mkdir below a file fails (%s)",
           err.msg ? err.msg : "none");
        fc_error_clear(&err);
        if (cg != NULL)
                fc_cgroup_destroy(cg, &err);
        fc_error_clear(&err);
        fc_cgroup_free(cg);
        char p[128];
        bool gone = true;
        static const char *const mounts[] = {"cpu",  "cpuset",  "memory",  "devices", "freezer",
                                             "pids", "systemd", "unified", ""};
        for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
                snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/fc-cgtest-fail-%d", mounts[i],
                         (int) getpid());
                if (exists(p)) {
                        printf("# left behind: %s\n", p);
                        gone = false;
                        rmdir(p);
                }
        }
        ok(gone, "nothing left behind after a failed create");
}

static char *read_in(const struct fc_cgroup *cg, const char *ctrl, const char *file)
{
        for (size_t i = 0; i < cg->n_hier; i++) {
                if (cg->mode == FC_CGROUP_MODE_V2 ? !cg->hier[i].v2
                                                  : !fc_cgroup_hier_has(&cg->hier[i], ctrl))
                        continue;
                char *d = fc_cgroup_hier_dir(&cg->hier[i]), *p = NULL;
                if (asprintf(&p, "%s/%s", d, file) < 0)
                        p = NULL;
                free(d);
                fc_error_t err = FC_ERROR_INIT;
                char *t = p ? fc_cgroup_read_file(p, &err) : NULL;
                fc_error_clear(&err);
                free(p);
                return t;
        }
        return NULL;
}

static void test_resources(void)
{
        fc_error_t err = FC_ERROR_INIT;
        char id[64];
        snprintf(id, sizeof(id), "fc-cgtest-res-%d", (int) getpid());
        struct fc_memory m = {.has_limit = true, .limit = 64 << 20};
        struct fc_cpu c = {.has_shares = true,
                           .shares = 512,
                           .has_quota = true,
                           .quota = 50000,
                           .has_period = true,
                           .period = 100000,
                           .cpus = "0"};
        struct fc_resources res = {
                .memory = &m, .cpu = &c, .has_pids_limit = true, .pids_limit = 100};
        cleanup_cgroup struct fc_cgroup *cg = fc_cgroup_create(NULL, id, false, &res, &err);
        ok(cg != NULL, "create with limits (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        if (cg == NULL)
                return;
        if (cg->mode != FC_CGROUP_MODE_V2) {
                static const char *const want[][3] = {
                        {"pids", "pids.max", "100\n"},
                        {"memory", "memory.limit_in_bytes", "67108864\n"},
                        {"cpu", "cpu.shares", "512\n"},
                        {"cpu", "cpu.cfs_quota_us", "50000\n"},
                        {"cpu", "cpu.cfs_period_us", "100000\n"},
                        {"cpuset", "cpuset.cpus", "0\n"},
                };
                for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                        cleanup_free char *t = read_in(cg, want[i][0], want[i][1]);
                        is_str(t, want[i][2], "%s", want[i][1]);
                }
        } else {
                cleanup_free char *t = read_in(cg, "", "pids.max");
                is_str(t, "100\n", "pids.max");
        }
        ok(fc_cgroup_destroy(cg, &err) == 0, "destroy (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        ok(all_gone(cg, 1), "removed");
}

/* Legacy v1 (no unified hierarchy, so no cgroup.kill): destroy must find
 * and kill the processes itself. */
static void test_v1_kill(void)
{
        fc_error_t err = FC_ERROR_INIT;
        cleanup_free char *self = fc_cgroup_read_file("/proc/self/cgroup", &err);
        cleanup_free char *mi = fc_cgroup_read_file("/proc/self/mountinfo", &err);
        if (self == NULL || mi == NULL || strstr(mi, " - cgroup ") == NULL) {
                fc_error_clear(&err);
                ok(1, "# SKIP no v1 hierarchies");
                return;
        }
        char id[64];
        snprintf(id, sizeof(id), "fc-cgtest-v1-%d", (int) getpid());
        cleanup_cgroup struct fc_cgroup *cg =
                fc_cgroup_create_in(FC_CGROUP_MODE_V1, self, mi, NULL, id, NULL, &err);
        ok(cg != NULL, "v1 create (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        if (cg == NULL)
                return;
        bool no_v2 = true;
        for (size_t i = 0; i < cg->n_hier; i++)
                no_v2 = no_v2 && !cg->hier[i].v2;
        ok(no_v2, "legacy mode: v1 hierarchies only");
        int wfd = -1;
        pid_t child = sleeper(&wfd);
        ok(fc_cgroup_enter(cg, child, &err) == 0, "enter");
        fc_error_clear(&err);
        ok(fc_cgroup_signal_all(cg, SIGTERM, &err) == 0, "signal_all SIGTERM");
        fc_error_clear(&err);
        int st = 0;
        waitpid(child, &st, 0);
        close(wfd);
        ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "child got SIGTERM");
        child = sleeper(&wfd);
        fc_cgroup_enter(cg, child, &err);
        fc_error_clear(&err);
        ok(fc_cgroup_destroy(cg, &err) == 0, "v1 destroy kills by pid (%s)",
           err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        waitpid(child, &st, 0);
        close(wfd);
        ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child SIGKILLed");
        ok(all_gone(cg, 1), "v1 directories removed");
}

/* The v2 driver against the unified mount of a hybrid host (or the real
 * thing on a v2 host), entering with clone3(CLONE_INTO_CGROUP). */
static void test_v2(void)
{
        struct statfs sfs;
        const char *mnt = NULL;
        if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == 0x63677270)
                mnt = "/sys/fs/cgroup";
        else if (statfs("/sys/fs/cgroup/unified", &sfs) == 0 && sfs.f_type == 0x63677270)
                mnt = "/sys/fs/cgroup/unified";
        if (mnt == NULL) {
                ok(1, "# SKIP no cgroup2 mount");
                return;
        }
        char mi[256];
        snprintf(mi, sizeof(mi), "41 31 0:38 / %s rw - cgroup2 cgroup2 rw\n", mnt);
        fc_error_t err = FC_ERROR_INIT;
        char id[64];
        snprintf(id, sizeof(id), "fc-cgtest-v2-%d", (int) getpid());
        struct fc_device_cgroup deny = {.allow = false, .access = "rwm"};
        struct fc_resources res = {.devices = &deny, .n_devices = 1};
        cleanup_cgroup struct fc_cgroup *cg =
                fc_cgroup_create_in(FC_CGROUP_MODE_V2, "0::/\n", mi, NULL, id, &res, &err);
        ok(cg != NULL, "v2 create %s (%s)", id, err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        if (cg == NULL)
                return;
        int fd = fc_cgroup_v2_dirfd(cg);
        ok(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "v2 dirfd, close-on-exec");
        struct fc_clone_args args = {
                .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t) fd};
        pid_t pid = fc_sys_clone3(&args);
        if (pid == 0) {
                int bad = 0;
                int nfd = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (nfd < 0)
                        bad |= 1;
                int k = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
                if (k >= 0 || errno != EPERM)
                        bad |= 2;
                char self[96];
                snprintf(self, sizeof(self), "0::/%s\n", id);
                fc_error_t e = FC_ERROR_INIT;
                char *t = fc_cgroup_read_file("/proc/self/cgroup", &e);
                if (t == NULL || strstr(t, self) == NULL)
                        bad |= 4;
                _exit(bad);
        }
        int st = 0;
        if (pid > 0)
                waitpid(pid, &st, 0);
        ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
           "clone3 into the cgroup: /dev/null allowed, /dev/kmsg denied (status %d)",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        ok(fc_cgroup_destroy(cg, &err) == 0, "v2 destroy (%s)", err.msg ? err.msg : "ok");
        fc_error_clear(&err);
        ok(all_gone(cg, 1), "v2 directory removed");

        /* On a hybrid host the unified hierarchy has the controllers bound
         * to v1: asking for a pids limit must fail clearly, leaving nothing. */
        snprintf(id, sizeof(id), "fc-cgtest-v2b-%d", (int) getpid());
        res.has_pids_limit = true;
        res.pids_limit = 10;
        char avail_path[128];
        snprintf(avail_path, sizeof(avail_path), "%s/cgroup.controllers", mnt);
        cleanup_free char *avail = fc_cgroup_read_file(avail_path, &err);
        fc_error_clear(&err);
        if (avail && strstr(avail, "pids") == NULL) {
                struct fc_cgroup *bad =
                        fc_cgroup_create_in(FC_CGROUP_MODE_V2, "0::/\n", mi, NULL, id, &res, &err);
                ok(bad == NULL && err.msg && strstr(err.msg, "controller pids is not available"),
                   "missing controller: %s", err.msg ? err.msg : "none");
                fc_error_clear(&err);
                fc_cgroup_free(bad);
                char p[256];
                snprintf(p, sizeof(p), "%s/%s", mnt, id);
                ok(!exists(p), "nothing left behind");
        }
}

int main(void)
{
        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root\n");
                return 77;
        }
        test_host();
        test_nested_absolute();
        test_failure_cleanup();
        test_resources();
        test_v1_kill();
        test_v2();
        return tap_done();
}
