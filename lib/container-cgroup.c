/* SPDX-License-Identifier: Apache-2.0
 *
 * update, pause, resume, ps, events: the lifecycle commands that only
 * touch the container's cgroup.
 */
#include "lib/container-cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup/cgroup.h"
#include "lib/cleanup.h"
#include "lib/status.h"
#include "lib/sys.h"
#include "oci-spec/events.h"

extern char **environ;

/* The container's state (refreshed status) and its cgroup handle. */
static struct fc_state *open_cgroup(const struct fc_context *ctx, const char *id,
                                    struct fc_cgroup **ret_cg, fc_error_t *err)
{
        *ret_cg = NULL;
        cleanup_close int dirfd = fc_status_open(ctx->root, id, err);
        if (dirfd < 0)
                return NULL;
        cleanup_state struct fc_state *s = fc_status_read(dirfd, id, err);
        if (s == NULL || fc_status_refresh(dirfd, s, err) < 0)
                return NULL;
        if (s->cgroup == NULL || s->cgroup[0] == '\0') {
                fc_error_set(err, -ENOENT, "container %s has no cgroup", id);
                return NULL;
        }
        *ret_cg = fc_cgroup_deserialize(s->cgroup, err);
        if (*ret_cg == NULL)
                return NULL;
        return steal_ptr(&s);
}

int fc_container_update(const struct fc_context *ctx, const char *id,
                        const struct fc_resources *res, fc_error_t *err)
{
        cleanup_cgroup struct fc_cgroup *cg = NULL;
        cleanup_state struct fc_state *s = open_cgroup(ctx, id, &cg, err);
        if (s == NULL)
                return err->status;
        if (strcmp(s->status, "stopped") == 0 || strcmp(s->status, "creating") == 0)
                return fc_error_set(err, -ESRCH, "container not running");
        return fc_cgroup_update(cg, res, err);
}

int fc_container_pause(const struct fc_context *ctx, const char *id, fc_error_t *err)
{
        cleanup_cgroup struct fc_cgroup *cg = NULL;
        cleanup_state struct fc_state *s = open_cgroup(ctx, id, &cg, err);
        if (s == NULL)
                return err->status;
        /* runc pauses a running or a created container (a paused one is
         * "not running"); resume gives the created one back as created. */
        if (strcmp(s->status, "running") != 0 && strcmp(s->status, "created") != 0)
                return fc_error_set(err, -EINVAL, "container not running");
        return fc_cgroup_freeze(cg, true, err);
}

int fc_container_resume(const struct fc_context *ctx, const char *id, fc_error_t *err)
{
        cleanup_cgroup struct fc_cgroup *cg = NULL;
        cleanup_state struct fc_state *s = open_cgroup(ctx, id, &cg, err);
        if (s == NULL)
                return err->status;
        if (strcmp(s->status, "paused") != 0)
                return fc_error_set(err, -EINVAL, "container not paused");
        return fc_cgroup_freeze(cg, false, err);
}

int fc_container_ps(const struct fc_context *ctx, const char *id, pid_t **ret_pids, size_t *ret_n,
                    fc_error_t *err)
{
        *ret_pids = NULL;
        *ret_n = 0;
        cleanup_cgroup struct fc_cgroup *cg = NULL;
        cleanup_state struct fc_state *s = open_cgroup(ctx, id, &cg, err);
        if (s == NULL)
                return err->status;
        fc_error_t e = FC_ERROR_INIT;
        if (fc_cgroup_pids(cg, ret_pids, ret_n, &e) < 0) {
                /* A stopped container's cgroup may be gone: no processes. */
                if (e.status == -ENOENT) {
                        fc_error_clear(&e);
                        return 0;
                }
                fc_error_append(err, &e);
                return err->status;
        }
        return 0;
}

/* Whitespace-separated field `idx` of `line` as a pid, or -1. */
static long field_pid(const char *line, size_t idx)
{
        const char *p = line;
        for (size_t i = 0;; i++) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p == '\0' || *p == '\n')
                        return -1;
                if (i == idx) {
                        errno = 0;
                        char *end = NULL;
                        long v = strtol(p, &end, 10);
                        if (errno != 0 || end == p ||
                            (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\0'))
                                return -1;
                        return v;
                }
                while (*p && *p != ' ' && *p != '\t' && *p != '\n')
                        p++;
        }
}

char *fc_ps_filter(const char *out, const pid_t *pids, size_t n, fc_error_t *err)
{
        const char *nl = strchrnul(out, '\n');
        /* The PID column's index in the header ("UID PID PPID ..."). */
        size_t idx = 0;
        bool found = false;
        for (const char *p = out; p < nl;) {
                while (p < nl && (*p == ' ' || *p == '\t'))
                        p++;
                if (p >= nl)
                        break;
                const char *e = p;
                while (e < nl && *e != ' ' && *e != '\t')
                        e++;
                if (e - p == 3 && strncmp(p, "PID", 3) == 0) {
                        found = true;
                        break;
                }
                idx++;
                p = e;
        }
        if (!found) {
                fc_error_set(err, -EINVAL, "couldn't find PID field in ps output");
                return NULL;
        }
        size_t cap = strlen(out) + 2, len = 0;
        char *res = malloc(cap);
        if (res == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        for (const char *l = out; *l;) {
                const char *e = strchrnul(l, '\n');
                bool keep = l == out;
                long pid = keep ? -1 : field_pid(l, idx);
                for (size_t i = 0; !keep && pid > 0 && i < n; i++)
                        keep = pids[i] == (pid_t) pid;
                if (keep && e > l) {
                        memcpy(res + len, l, (size_t) (e - l));
                        len += (size_t) (e - l);
                        res[len++] = '\n';
                }
                l = *e ? e + 1 : e;
        }
        res[len] = '\0';
        return res;
}

/* Run ps with its stdout captured (stderr stays ours, as runc's). */
static char *run_ps(char *const *args, size_t n, fc_error_t *err)
{
        cleanup_free char **argv = calloc(n + 2, sizeof(*argv));
        if (argv == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        argv[0] = "ps";
        for (size_t i = 0; i < n; i++)
                argv[i + 1] = args[i];
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0) {
                fc_error_setm(err, -errno, "pipe");
                return NULL;
        }
        cleanup_close int rd = pfd[0];
        cleanup_close int wr = pfd[1];
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, wr, STDOUT_FILENO);
        pid_t pid;
        int r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0) {
                fc_error_setm(err, -r, "run ps");
                return NULL;
        }
        close(steal_fd(&wr));
        size_t cap = 8192, len = 0;
        cleanup_free char *buf = malloc(cap);
        int rerr = buf ? 0 : ENOMEM;
        for (;;) {
                if (buf && len + 1 >= cap) {
                        char *nb = realloc(buf, cap * 2);
                        if (nb == NULL) {
                                rerr = ENOMEM;
                                break;
                        }
                        buf = nb;
                        cap *= 2;
                }
                if (buf == NULL)
                        break;
                ssize_t k = read(rd, buf + len, cap - len - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        rerr = errno;
                if (k <= 0)
                        break;
                len += (size_t) k;
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (rerr) {
                fc_error_setm(err, -rerr, "read ps output");
                return NULL;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fc_error_set(err, -EIO, "ps: exit status %d",
                             WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                return NULL;
        }
        buf[len] = '\0';
        return steal_ptr(&buf);
}

int fc_container_ps_table(const struct fc_context *ctx, const char *id, char *const *ps_args,
                          size_t n_args, char **ret_text, fc_error_t *err)
{
        cleanup_free pid_t *pids = NULL;
        size_t n = 0;
        if (fc_container_ps(ctx, id, &pids, &n, err) < 0)
                return err->status;
        static char *const def[] = {"-ef"};
        cleanup_free char *out = run_ps(n_args ? ps_args : def, n_args ? n_args : 1, err);
        if (out == NULL)
                return err->status;
        *ret_text = fc_ps_filter(out, pids, n, err);
        return *ret_text ? 0 : err->status;
}

static int emit_stats(struct fc_cgroup *cg, const char *id, fc_event_fn emit, void *data,
                      fc_error_t *err)
{
        struct fc_stats st;
        if (fc_cgroup_stats(cg, &st, err) < 0)
                return err->status;
        cleanup_free char *json = fc_events_stats_json(id, &st, err);
        fc_stats_clear(&st);
        if (json == NULL)
                return err->status;
        return emit(data, json);
}

static uint64_t now_ms(void)
{
        struct timespec ts;
        fc_sys_clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static bool container_exists(const struct fc_context *ctx, const char *id)
{
        fc_error_t e = FC_ERROR_INIT;
        int fd = fc_status_open(ctx->root, id, &e);
        fc_error_clear(&e);
        if (fd < 0)
                return false;
        close(fd);
        return true;
}

int fc_container_events(const struct fc_context *ctx, const char *id, bool stats_once,
                        unsigned interval_ms, fc_event_fn emit, void *data, fc_error_t *err)
{
        cleanup_cgroup struct fc_cgroup *cg = NULL;
        cleanup_state struct fc_state *s = open_cgroup(ctx, id, &cg, err);
        if (s == NULL)
                return err->status;
        if (stats_once) {
                if (strcmp(s->status, "stopped") == 0)
                        return fc_error_set(err, -ESRCH, "container not running");
                return emit_stats(cg, id, emit, data, err);
        }
        if (interval_ms == 0)
                return fc_error_set(err, -EINVAL, "duration interval must be greater than 0");
        /* Without a memory controller there are no OOM events, but stats
         * still flow. */
        fc_error_t oe = FC_ERROR_INIT;
        cleanup_close int ofd = fc_cgroup_oom_open(cg, &oe);
        if (ofd < 0)
                fc_log(ctx, FC_LOG_DEBUG, "no OOM notification: %s", oe.msg ? oe.msg : "?");
        fc_error_clear(&oe);
        uint64_t next = now_ms() + interval_ms;
        for (;;) {
                uint64_t now = now_ms();
                int timeout = now >= next ? 0 : (int) (next - now);
                struct pollfd p = {.fd = ofd, .events = POLLIN};
                int pr = poll(&p, 1, timeout);
                if (pr < 0 && errno == EINTR)
                        continue;
                if (pr < 0)
                        return fc_error_setm(err, -errno, "wait for events");
                if (pr > 0 && (p.revents & POLLIN)) {
                        uint64_t n = 0;
                        if (fc_cgroup_oom_read(cg, ofd, &n, err) < 0)
                                return err->status;
                        for (uint64_t i = 0; i < n; i++) {
                                cleanup_free char *json = fc_events_oom_json(id, err);
                                if (json == NULL)
                                        return err->status;
                                int r = emit(data, json);
                                if (r != 0)
                                        return r;
                        }
                        continue;
                }
                if (now_ms() < next)
                        continue;
                next += interval_ms;
                /* The stream ends with the container. */
                if (!container_exists(ctx, id))
                        return 0;
                fc_error_t se = FC_ERROR_INIT;
                int r = emit_stats(cg, id, emit, data, &se);
                if (r < 0 && !container_exists(ctx, id)) {
                        fc_error_clear(&se);
                        return 0;
                }
                if (r < 0) {
                        fc_error_append(err, &se);
                        return err->status;
                }
                if (r != 0)
                        return r;
        }
}

int fc_parse_ram_size(const char *s, int64_t *ret)
{
        if (strcmp(s, "-1") == 0) {
                *ret = -1;
                return 0;
        }
        const char *p = s;
        size_t d = strspn(p, "0123456789");
        if (d == 0)
                return -EINVAL;
        p += d;
        if (*p == '.') {
                size_t f = strspn(p + 1, "0123456789");
                if (f == 0)
                        return -EINVAL;
                p += 1 + f;
        }
        size_t numlen = (size_t) (p - s);
        if (*p == ' ')
                p++;
        double mult = 1;
        static const char units[] = "kmgtp";
        const char *u = *p ? strchr(units, *p | 0x20) : NULL;
        if (u != NULL) {
                for (const char *q = units; q <= u; q++)
                        mult *= 1024;
                p++;
        }
        if (*p == 'i' || *p == 'I')
                p++;
        if (*p == 'b' || *p == 'B')
                p++;
        if (*p != '\0')
                return -EINVAL;
        char num[64];
        if (numlen >= sizeof(num))
                return -EINVAL;
        memcpy(num, s, numlen);
        num[numlen] = '\0';
        errno = 0;
        char *end = NULL;
        double v = strtod(num, &end);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        v *= mult;
        if (v >= 9.2e18)
                return -ERANGE;
        *ret = (int64_t) v;
        return 0;
}

int fc_parse_duration_ms(const char *s, uint64_t *ret_ms)
{
        static const struct {
                const char *name;
                double ms;
        } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"ms", 1},
                     {"s", 1000},  {"m", 60000}, {"h", 3600000}};
        if (s == NULL || *s == '\0')
                return -EINVAL;
        if (strcmp(s, "0") == 0) {
                *ret_ms = 0;
                return 0;
        }
        double total = 0;
        for (const char *p = s; *p;) {
                errno = 0;
                char *end = NULL;
                if ((*p < '0' || *p > '9') && *p != '.')
                        return -EINVAL;
                double v = strtod(p, &end);
                if (errno != 0 || end == p)
                        return -EINVAL;
                p = end;
                size_t best = 0, best_len = 0;
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                        size_t l = strlen(units[i].name);
                        if (strncmp(p, units[i].name, l) == 0 && l > best_len) {
                                best = i;
                                best_len = l;
                        }
                }
                if (best_len == 0)
                        return -EINVAL;
                total += v * units[best].ms;
                p += best_len;
        }
        if (total > 1e15)
                return -ERANGE;
        *ret_ms = (uint64_t) total;
        return 0;
}
