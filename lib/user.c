/* SPDX-License-Identifier: Apache-2.0
 *
 * The user side of fc_process: the environment (HOME from the container's
 * /etc/passwd), resolving args[0] and switching to the configured user with
 * the configured capabilities.  All of it runs in the container's init after
 * pivot_root, so paths are the container's.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/process.h"

/* Raw calls on purpose: glibc's wrappers broadcast the change to all
 * threads, which we do not have, and the credentials must change exactly
 * here, with nothing of libc's in between. */
static int sys_setresuid(uid_t r, uid_t e, uid_t s)
{
        return (int) syscall(SYS_setresuid, r, e, s);
}

static int sys_setresgid(gid_t r, gid_t e, gid_t s)
{
        return (int) syscall(SYS_setresgid, r, e, s);
}

/* Field `n` (0-based) of a ':'-separated line, in place. */
static char *passwd_field(char *line, int n, char **ret_end)
{
        char *s = line;
        for (int i = 0; i < n; i++) {
                s = strchr(s, ':');
                if (s == NULL)
                        return NULL;
                s++;
        }
        char *e = strchr(s, ':');
        *ret_end = e ? e : s + strlen(s);
        return s;
}

int fc_process_passwd_lookup(const char *path, uid_t uid, int field, char **ret, fc_error_t *err)
{
        cleanup_fclose FILE *f = fopen(path, "re");
        if (f == NULL) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                return fc_error_setm(err, -errno, "open %s", path);
        }
        cleanup_free char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) >= 0) {
                if (n > 0 && line[n - 1] == '\n')
                        line[--n] = '\0';
                /* Comments and NIS "+"/"-" compat entries name nobody. */
                if (line[0] == '\0' || line[0] == '#' || line[0] == '+' || line[0] == '-')
                        continue;
                char *end;
                char *uid_s = passwd_field(line, 2, &end);
                if (uid_s == NULL || end == uid_s || uid_s[0] == '-')
                        continue;
                char *num_end;
                errno = 0;
                unsigned long long v = strtoull(uid_s, &num_end, 10);
                if (errno != 0 || num_end != end || v != (unsigned long long) uid)
                        continue;
                char *want = passwd_field(line, field, &end);
                if (want == NULL)
                        continue;
                *end = '\0';
                char *copy = strdup(want);
                if (copy == NULL)
                        return fc_error_set(err, -ENOMEM, "out of memory");
                *ret = copy;
                return 1;
        }
        if (ferror(f))
                return fc_error_set(err, -EIO, "read %s: I/O error", path);
        return 0;
}

char **fc_process_build_env(const struct fc_config *cfg, fc_error_t *err)
{
        const struct fc_process *proc = cfg->process;
        size_t n = proc ? proc->n_env : 0;
        cleanup_strv char **env = calloc(n + 2, sizeof(*env));
        if (env == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        bool has_home = false;
        for (size_t i = 0; i < n; i++) {
                env[i] = strdup(proc->env[i]);
                if (env[i] == NULL) {
                        fc_error_set(err, -ENOMEM, "out of memory");
                        return NULL;
                }
                if (strncmp(env[i], "HOME=", 5) == 0)
                        has_home = true;
        }
        if (has_home)
                return steal_ptr(&env);

        /* runc appends HOME from the user's passwd entry, "/" without one. */
        cleanup_free char *home = NULL;
        uid_t uid = proc ? proc->user.uid : 0;
        if (fc_process_passwd_lookup("/etc/passwd", uid, FC_PASSWD_HOME, &home, err) < 0)
                return NULL;
        if (asprintf(&env[n], "HOME=%s", home && home[0] ? home : "/") < 0) {
                env[n] = NULL;
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        return steal_ptr(&env);
}

/* 0 if `path` is a regular file with any x bit (what runc checks through
 * Go's exec.LookPath), else a negative errno. */
static int check_executable(const char *path)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
                return -EACCES;
        return 0;
}

char *fc_process_find_executable(const char *arg0, char *const *env, fc_error_t *err)
{
        if (arg0 == NULL || arg0[0] == '\0') {
                fc_error_set(err, -EINVAL, "exec: \"\": executable file not found in $PATH");
                return NULL;
        }
        if (strchr(arg0, '/')) {
                int r = check_executable(arg0);
                if (r == -EACCES)
                        fc_error_set(err, r, "exec: \"%s\": permission denied", arg0);
                else if (r < 0)
                        /* Go's lower-case errno text, as runc prints it: Docker
                         * matches "no such file or directory" to exit 127. */
                        fc_error_set(err, r, "exec: \"%s\": stat %s: %s", arg0, arg0,
                                     r == -ENOENT    ? "no such file or directory"
                                     : r == -ENOTDIR ? "not a directory"
                                                     : strerror(-r));
                char *s = r < 0 ? NULL : strdup(arg0);
                if (r == 0 && s == NULL)
                        fc_error_set(err, -ENOMEM, "out of memory");
                return s;
        }

        /* The last PATH= wins, as with setenv() of each entry in turn.
         * No default: runc fails the lookup when the config has no PATH. */
        const char *path = NULL;
        for (char *const *e = env; e && *e; e++) {
                if (strncmp(*e, "PATH=", 5) == 0)
                        path = *e + 5;
        }
        for (const char *s = path; s;) {
                const char *colon = strchr(s, ':');
                size_t len = colon ? (size_t) (colon - s) : strlen(s);
                cleanup_free char *cand = NULL;
                /* An empty element means the current directory (POSIX). */
                if (asprintf(&cand, "%.*s/%s", (int) (len ? len : 1), len ? s : ".", arg0) < 0) {
                        fc_error_set(err, -ENOMEM, "out of memory");
                        return NULL;
                }
                if (check_executable(cand) == 0)
                        return steal_ptr(&cand);
                s = colon ? colon + 1 : NULL;
        }
        fc_error_set(err, -ENOENT, "exec: \"%s\": executable file not found in $PATH", arg0);
        return NULL;
}

/* In a user namespace whose setgroups is "deny", setgroups() is EPERM for
 * everyone; clearing the (then unchangeable) groups is what runc skips. */
static bool setgroups_denied(void)
{
        char buf[16] = "";
        cleanup_close int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        return n > 0 && strncmp(buf, "deny", 4) == 0;
}

static int set_user(const struct fc_user *u, fc_error_t *err)
{
        size_t ng = u->n_additional_gids;
        cleanup_free gid_t *groups = ng ? calloc(ng, sizeof(*groups)) : NULL;
        if (ng && groups == NULL)
                return fc_error_set(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < ng; i++)
                groups[i] = (gid_t) u->additional_gids[i];
        /* An empty list clears the runtime's supplementary groups (runc:
         * `id` shows none beyond the primary gid). */
        if (setgroups(ng, groups) < 0 && !(errno == EPERM && ng == 0 && setgroups_denied()))
                return fc_error_setm(err, -errno, "setgroups");
        if (sys_setresgid(u->gid, u->gid, u->gid) < 0)
                return fc_error_setm(err, -errno, "setgid %u", u->gid);
        if (sys_setresuid(u->uid, u->uid, u->uid) < 0)
                return fc_error_setm(err, -errno, "setuid %u", u->uid);
        return 0;
}

static int cap_last(void)
{
        /* cap_max_bits() reads /proc/sys/kernel/cap_last_cap, like the plan. */
        int n = (int) cap_max_bits();
        return n > 0 && n <= 64 ? n - 1 : CAP_LAST_CAP;
}

static int drop_bounding(uint64_t keep, fc_error_t *err)
{
        int last = cap_last();
        for (int c = 0; c <= last; c++) {
                if (keep & (UINT64_C(1) << c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return fc_error_setm(err, -errno, "drop capability %s from bounding set",
                                             cap_to_name(c) ?: "?");
        }
        return 0;
}

static int set_cap_flag(cap_t c, cap_flag_t flag, uint64_t mask, int last)
{
        for (int v = 0; v <= last; v++) {
                if (!(mask & (UINT64_C(1) << v)))
                        continue;
                cap_value_t cv = v;
                if (cap_set_flag(c, flag, 1, &cv, CAP_SET) < 0)
                        return -errno;
        }
        return 0;
}

static int set_caps(const struct fc_process_plan *p, fc_error_t *err)
{
        int last = cap_last();
        cap_t c = cap_init();
        if (c == NULL)
                return fc_error_setm(err, -errno, "cap_init");
        int r = set_cap_flag(c, CAP_EFFECTIVE, p->caps[FC_PROCESS_CAP_EFFECTIVE], last);
        if (r == 0)
                r = set_cap_flag(c, CAP_PERMITTED, p->caps[FC_PROCESS_CAP_PERMITTED], last);
        if (r == 0)
                r = set_cap_flag(c, CAP_INHERITABLE, p->caps[FC_PROCESS_CAP_INHERITABLE], last);
        if (r == 0 && cap_set_proc(c) < 0)
                r = -errno;
        cap_free(c);
        if (r < 0)
                return fc_error_setm(err, r, "set capabilities");
        return 0;
}

/* After setuid() to non-root only the permitted set survives (KEEPCAPS);
 * raise it to effective so CAP_SETPCAP is usable for the final capset. */
static int raise_effective(fc_error_t *err)
{
        cap_t c = cap_get_proc();
        if (c == NULL)
                return fc_error_setm(err, -errno, "cap_get_proc");
        int r = 0;
        if (cap_fill(c, CAP_EFFECTIVE, CAP_PERMITTED) < 0 || cap_set_proc(c) < 0)
                r = -errno;
        cap_free(c);
        if (r < 0)
                return fc_error_setm(err, r, "raise effective capabilities");
        return 0;
}

static int set_ambient(uint64_t mask, fc_error_t *err)
{
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return fc_error_setm(err, -errno, "clear ambient capabilities");
        int last = cap_last();
        for (int c = 0; c <= last; c++) {
                /* runc ignores failures here: an ambient cap that is not
                 * also permitted and inheritable just is not raised. */
                if (mask & (UINT64_C(1) << c))
                        (void) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
        }
        return 0;
}

int fc_process_drop_bounding(const struct fc_process_plan *p, fc_error_t *err)
{
        return drop_bounding(p->caps[FC_PROCESS_CAP_BOUNDING], err);
}

int fc_process_apply_user_and_caps(const struct fc_config *cfg, const struct fc_process_plan *p,
                                   fc_error_t *err)
{
        return fc_process_apply_user_and_caps_after(cfg, p, false, err);
}

int fc_process_apply_user_and_caps_after(const struct fc_config *cfg,
                                         const struct fc_process_plan *p, bool bounding_dropped,
                                         fc_error_t *err)
{
        static const struct fc_user root = {0};
        const struct fc_user *u = cfg->process ? &cfg->process->user : &root;

        /* Bounding set first, while we are still root with CAP_SETPCAP
         * (runc's order). */
        if (!bounding_dropped && drop_bounding(p->caps[FC_PROCESS_CAP_BOUNDING], err) < 0)
                return err->status;
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return fc_error_setm(err, -errno, "prctl PR_SET_KEEPCAPS");
        if (set_user(u, err) < 0)
                return err->status;
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return fc_error_setm(err, -errno, "prctl PR_SET_KEEPCAPS");
        if (raise_effective(err) < 0 || set_caps(p, err) < 0 ||
            set_ambient(p->caps[FC_PROCESS_CAP_AMBIENT], err) < 0)
                return err->status;
        umask(u->has_umask ? (mode_t) u->umask : 0022);
        if (cfg->process && cfg->process->no_new_privileges &&
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return fc_error_setm(err, -errno, "prctl PR_SET_NO_NEW_PRIVS");
        return 0;
}
