/* SPDX-License-Identifier: Apache-2.0
 * passwd parsing for HOME, the environment, args[0] lookup, and (as root,
 * in forked children) fc_process_apply_user_and_caps() checked through
 * /proc/self/status. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/process.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/fc-process-user-XXXXXX";

static void write_text(const char *path, const char *text, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text))
                perror(path);
        if (fd >= 0)
                close(fd);
        chmod(path, mode);
}

static void test_passwd(void)
{
        char path[256];
        snprintf(path, sizeof(path), "%s/passwd", tmpdir);
        write_text(path,
                   "# comment:x:1000:1000::/wrong:/bin/sh\n"
                   "+nis:x:1000:1000::/nis:/bin/sh\n"
                   "root:x:0:0:root:/root:/bin/sh\n"
                   "\n"
                   "broken\n"
                   "short:x:7\n"
                   "app:x:1000:1000:App User,,,:/home/app:/bin/sh\n"
                   "dup:x:1000:1000::/home/dup:/bin/sh\n"
                   "nohome:x:1001:1001::\n"
                   "last:x:4294967294:1::/home/last",
                   0644);
        fc_error_t err = FC_ERROR_INIT;
        char *home = NULL;
        ok(fc_process_passwd_lookup(path, 1000, FC_PASSWD_HOME, &home, &err) == 1,
           "passwd: uid 1000 found");
        is_str(home, "/home/app", "passwd: first entry wins, comments and +entries skipped");
        free(home);
        home = NULL;
        ok(fc_process_passwd_lookup(path, 1000, FC_PASSWD_NAME, &home, &err) == 1,
           "passwd: name of uid 1000 found");
        is_str(home, "app", "passwd: the name field");
        free(home);
        home = NULL;
        ok(fc_process_passwd_lookup(path, 0, FC_PASSWD_HOME, &home, &err) == 1,
           "passwd: root found");
        is_str(home, "/root", "passwd: root home");
        free(home);
        home = NULL;
        ok(fc_process_passwd_lookup(path, 1001, FC_PASSWD_HOME, &home, &err) == 1,
           "passwd: empty home field");
        is_str(home, "", "passwd: empty home is empty");
        free(home);
        home = NULL;
        ok(fc_process_passwd_lookup(path, 4294967294u, FC_PASSWD_HOME, &home, &err) == 1,
           "passwd: last line without newline");
        is_str(home, "/home/last", "passwd: last line home");
        free(home);
        home = NULL;
        ok(fc_process_passwd_lookup(path, 7, FC_PASSWD_HOME, &home, &err) == 0 && home == NULL,
           "passwd: truncated line is no match");
        ok(fc_process_passwd_lookup(path, 4242, FC_PASSWD_HOME, &home, &err) == 0 && home == NULL,
           "passwd: unknown uid");
        ok(fc_process_passwd_lookup("/nonexistent/passwd", 0, FC_PASSWD_HOME, &home, &err) == 0,
           "passwd: missing file is not an error");
        ok(err.msg == NULL, "passwd: no error set");
}

static void test_env(void)
{
        struct fc_process p = {0};
        struct fc_config cfg = {.process = &p};
        char *env[] = {"PATH=/bin", "HOME=/custom"};
        p.env = env;
        p.n_env = 2;
        fc_error_t err = FC_ERROR_INIT;
        char **e = fc_process_build_env(&cfg, &err);
        ok(e && e[0] && e[1] && e[2] == NULL, "env: HOME given, nothing added");
        is_str(e ? e[1] : NULL, "HOME=/custom", "env: HOME kept");
        fc_strv_free(e);

        p.n_env = 1;
        p.user.uid = 0;
        e = fc_process_build_env(&cfg, &err);
        is_str(e ? e[0] : NULL, "PATH=/bin", "env: order kept");
        /* The test runs on the host, whose /etc/passwd has root at /root. */
        is_str(e ? e[1] : NULL, "HOME=/root", "env: HOME from /etc/passwd appended");
        ok(e && e[2] == NULL, "env: terminated");
        fc_strv_free(e);

        p.user.uid = 3999999;
        p.n_env = 0;
        e = fc_process_build_env(&cfg, &err);
        is_str(e ? e[0] : NULL, "HOME=/", "env: unknown user gets HOME=/");
        ok(e && e[1] == NULL, "env: no PATH added (runc adds none)");
        fc_strv_free(e);
}

static void test_find_executable(void)
{
        char dir1[256], dir2[256], exe[300], noexec[300], path_env[700];
        snprintf(dir1, sizeof(dir1), "%s/bin1", tmpdir);
        snprintf(dir2, sizeof(dir2), "%s/bin2", tmpdir);
        mkdir(dir1, 0755);
        mkdir(dir2, 0755);
        snprintf(noexec, sizeof(noexec), "%s/tool", dir1);
        write_text(noexec, "#!/bin/sh\n", 0644);
        snprintf(exe, sizeof(exe), "%s/tool", dir2);
        write_text(exe, "#!/bin/sh\n", 0755);
        snprintf(path_env, sizeof(path_env), "PATH=%s:%s", dir1, dir2);

        fc_error_t err = FC_ERROR_INIT;
        char *env1[] = {"PATH=/nonexistent", path_env, NULL};
        char *r = fc_process_find_executable("tool", env1, &err);
        is_str(r, exe, "find: skips the non-executable, last PATH= wins");
        free(r);

        char *env2[] = {"FOO=1", NULL};
        r = fc_process_find_executable("tool", env2, &err);
        ok(r == NULL && err.status == -ENOENT, "find: no PATH means not found");
        is_str(err.msg, "exec: \"tool\": executable file not found in $PATH", "find: runc's text");
        fc_error_clear(&err);

        r = fc_process_find_executable("nosuchtool", env1, &err);
        is_str(err.msg, "exec: \"nosuchtool\": executable file not found in $PATH",
               "find: missing in PATH");
        fc_error_clear(&err);

        r = fc_process_find_executable(exe, env2, &err);
        is_str(r, exe, "find: absolute path used as is");
        free(r);

        r = fc_process_find_executable("/nonexistent/foo", env2, &err);
        ok(r == NULL, "find: missing absolute path");
        is_str(err.msg,
               "exec: \"/nonexistent/foo\": stat /nonexistent/foo: no such file or "
               "directory",
               "find: stat message");
        fc_error_clear(&err);

        r = fc_process_find_executable(noexec, env2, &err);
        ok(r == NULL && err.status == -EACCES, "find: no x bit refused");
        char want[400];
        snprintf(want, sizeof(want), "exec: \"%s\": permission denied", noexec);
        is_str(err.msg, want, "find: permission denied message");
        fc_error_clear(&err);

        r = fc_process_find_executable(dir1, env2, &err);
        ok(r == NULL && err.status == -EACCES, "find: directory refused as permission denied");
        fc_error_clear(&err);

        r = fc_process_find_executable("", env1, &err);
        ok(r == NULL, "find: empty arg0 refused");
        fc_error_clear(&err);
}

/* Runs `fn` in a child; its report (written to the pipe) comes back. */
static char *in_child(int (*fn)(void *), void *arg, int *ret_status)
{
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return NULL;
        pid_t pid = fork();
        if (pid == 0) {
                close(fds[0]);
                if (dup2(fds[1], 1) < 0)
                        _exit(99);
                int r = fn(arg);
                fflush(stdout);
                _exit(r);
        }
        close(fds[1]);
        static char buf[8192];
        size_t len = 0;
        ssize_t n;
        while (len < sizeof(buf) - 1 && (n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t) n;
        buf[len] = '\0';
        close(fds[0]);
        waitpid(pid, ret_status, 0);
        return buf;
}

static void print_status_lines(void)
{
        FILE *f = fopen("/proc/self/status", "re");
        char line[512];
        while (f && fgets(line, sizeof(line), f)) {
                if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "Uid:", 4) == 0 ||
                    strncmp(line, "Gid:", 4) == 0 || strncmp(line, "Groups:", 7) == 0 ||
                    strncmp(line, "NoNewPrivs:", 11) == 0)
                        fputs(line, stdout);
        }
        if (f)
                fclose(f);
        mode_t m = umask(0);
        printf("Umask:%04o\n", (unsigned) m);
}

struct user_case {
        struct fc_config *cfg;
        struct fc_process_plan *plan;
};

static int apply_child(void *arg)
{
        struct user_case *c = arg;
        fc_error_t err = FC_ERROR_INIT;
        if (fc_process_apply_user_and_caps(c->cfg, c->plan, &err) < 0) {
                printf("ERROR %s\n", err.msg);
                return 1;
        }
        print_status_lines();
        return 0;
}

static void test_user_and_caps(void)
{
        if (geteuid() != 0) {
                ok(1, "# SKIP apply_user_and_caps needs root");
                return;
        }
        char *net[] = {"CAP_NET_BIND_SERVICE"};
        struct fc_capabilities caps = {
                .bounding = net,
                .n_bounding = 1,
                .effective = net,
                .n_effective = 1,
                .inheritable = net,
                .n_inheritable = 1,
                .permitted = net,
                .n_permitted = 1,
                .ambient = net,
                .n_ambient = 1,
        };
        uint32_t gids[] = {5, 6};
        struct fc_process p = {
                .user = {.uid = 1000, .gid = 1000, .additional_gids = gids, .n_additional_gids = 2},
                .capabilities = &caps,
                .no_new_privileges = true,
        };
        struct fc_config cfg = {.process = &p};
        fc_error_t err = FC_ERROR_INIT;
        struct fc_process_plan plan;
        ok(fc_process_plan_build(&cfg, &plan, &err) == 0, "user: plan");
        struct user_case c = {&cfg, &plan};
        int status;
        char *out = in_child(apply_child, &c, &status);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "user: child applied");
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                printf("# child said: %s\n", out);
        ok(strstr(out, "Uid:\t1000\t1000\t1000\t1000") != NULL, "user: uid 1000 everywhere");
        ok(strstr(out, "Gid:\t1000\t1000\t1000\t1000") != NULL, "user: gid 1000 everywhere");
        ok(strstr(out, "Groups:\t5 6") != NULL, "user: additionalGids");
        ok(strstr(out, "CapEff:\t0000000000000400") != NULL, "user: CapEff NET_BIND_SERVICE");
        ok(strstr(out, "CapPrm:\t0000000000000400") != NULL, "user: CapPrm");
        ok(strstr(out, "CapInh:\t0000000000000400") != NULL, "user: CapInh");
        ok(strstr(out, "CapBnd:\t0000000000000400") != NULL, "user: CapBnd dropped to one");
        ok(strstr(out, "CapAmb:\t0000000000000400") != NULL, "user: CapAmb raised");
        ok(strstr(out, "NoNewPrivs:\t1") != NULL, "user: no_new_privs");
        ok(strstr(out, "Umask:0022") != NULL, "user: default umask 0022");

        /* Ambient without inheritable: silently not raised (runc). */
        caps.n_inheritable = 0;
        p.user.n_additional_gids = 0;
        p.user.has_umask = true;
        p.user.umask = 077;
        p.no_new_privileges = false;
        fc_process_plan_clear(&plan);
        ok(fc_process_plan_build(&cfg, &plan, &err) == 0, "user: plan 2");
        out = in_child(apply_child, &c, &status);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "user 2: child applied");
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                printf("# child said: %s\n", out);
        ok(strstr(out, "CapAmb:\t0000000000000000") != NULL, "user 2: ambient not raised");
        ok(strstr(out, "CapEff:\t0000000000000400") != NULL, "user 2: CapEff");
        ok(strstr(out, "Groups:\t \n") != NULL || strstr(out, "Groups:\t\n") != NULL,
           "user 2: empty additionalGids clears groups");
        ok(strstr(out, "NoNewPrivs:\t0") != NULL, "user 2: no no_new_privs");
        ok(strstr(out, "Umask:0077") != NULL, "user 2: umask from config");

        /* No capabilities object: nothing at all, even as root. */
        p.capabilities = NULL;
        p.user.uid = 0;
        p.user.gid = 0;
        fc_process_plan_clear(&plan);
        ok(fc_process_plan_build(&cfg, &plan, &err) == 0, "user: plan 3");
        out = in_child(apply_child, &c, &status);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "user 3: child applied");
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                printf("# child said: %s\n", out);
        ok(strstr(out, "CapEff:\t0000000000000000") != NULL &&
                   strstr(out, "CapBnd:\t0000000000000000") != NULL &&
                   strstr(out, "CapPrm:\t0000000000000000") != NULL,
           "user 3: root without capabilities object has none");
        fc_process_plan_clear(&plan);
}

int main(void)
{
        if (mkdtemp(tmpdir) == NULL) {
                perror("mkdtemp");
                return 1;
        }
        test_passwd();
        test_env();
        test_find_executable();
        test_user_and_caps();
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "%s/bin1/tool", tmpdir);
        unlink(cmd);
        snprintf(cmd, sizeof(cmd), "%s/bin2/tool", tmpdir);
        unlink(cmd);
        snprintf(cmd, sizeof(cmd), "%s/bin1", tmpdir);
        rmdir(cmd);
        snprintf(cmd, sizeof(cmd), "%s/bin2", tmpdir);
        rmdir(cmd);
        snprintf(cmd, sizeof(cmd), "%s/passwd", tmpdir);
        unlink(cmd);
        rmdir(tmpdir);
        return tap_done();
}
