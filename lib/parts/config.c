/* SPDX-License-Identifier: Apache-2.0
 *
 * /etc/flashcube/cache.conf: "key = value" lines, '#' comments.  Optional:
 * the defaults need no configuration.  Unknown keys are errors, so that a
 * typo does not silently leave a default in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/parts/cache.h"

#define POOL_MAX     1024u
#define JOBS_MAX     64u
#define DEFER_MAX_MS 60000u
#define CONFIG_MAX   (64u * 1024u)

void fc_parts_config_defaults(struct fc_parts_config *cfg)
{
        /* Sixteen of each covers a burst of creates without refilling
         * under them (refills compete with the creates for the CPU and for
         * the kernel's locks); each network namespace pins some tens of
         * KiB of kernel memory. */
        *cfg = (struct fc_parts_config){
                .pool_net = 16,
                .pool_ipc = 16,
                .pool_uts = 16,
                /* Per place containers' cgroups go (docker's, containerd's
                 * ...); each pins a memory cgroup's per-cpu state. */
                .pool_cgroup = 8,
                /* Per kind of /dev (one config's, docker's, ...). */
                .pool_dev = 8,
                /* Per kind of /proc; each holds an empty pid namespace. */
                .pool_proc = 8,
                .refill_jobs = 2,
                .refill_defer_ms = 10,
        };
}

static char *trim(char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        size_t n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

static int parse_uint(const char *s, unsigned max, unsigned *ret)
{
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        char *end = NULL;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

int fc_parts_config_parse(const char *text, const char *path, struct fc_parts_config *cfg,
                          fc_error_t *err)
{
        cleanup_free char *copy = strdup(text);
        if (copy == NULL)
                return fc_error_set(err, -ENOMEM, "%s: out of memory", path);
        struct fc_parts_config c = *cfg;
        unsigned lineno = 0;
        char *save = NULL;
        /* strtok_r would skip empty lines and miscount; split by hand. */
        for (char *line = copy; line; line = save) {
                save = strchr(line, '\n');
                if (save)
                        *save++ = '\0';
                lineno++;
                char *hash = strchr(line, '#');
                if (hash)
                        *hash = '\0';
                char *l = trim(line);
                if (*l == '\0')
                        continue;
                char *eq = strchr(l, '=');
                if (eq == NULL)
                        return fc_error_set(err, -EINVAL, "%s:%u: expected key = value", path,
                                            lineno);
                *eq = '\0';
                char *key = trim(l), *val = trim(eq + 1);
                unsigned *dst = NULL, max = POOL_MAX;
                if (strcmp(key, "pool_net") == 0)
                        dst = &c.pool_net;
                else if (strcmp(key, "pool_ipc") == 0)
                        dst = &c.pool_ipc;
                else if (strcmp(key, "pool_uts") == 0)
                        dst = &c.pool_uts;
                else if (strcmp(key, "pool_cgroup") == 0)
                        dst = &c.pool_cgroup;
                else if (strcmp(key, "pool_dev") == 0)
                        dst = &c.pool_dev;
                else if (strcmp(key, "pool_proc") == 0)
                        dst = &c.pool_proc;
                else if (strcmp(key, "refill_jobs") == 0) {
                        dst = &c.refill_jobs;
                        max = JOBS_MAX;
                } else if (strcmp(key, "refill_defer_ms") == 0) {
                        dst = &c.refill_defer_ms;
                        max = DEFER_MAX_MS;
                } else
                        return fc_error_set(err, -EINVAL, "%s:%u: unknown key \"%s\"", path, lineno,
                                            key);
                if (parse_uint(val, max, dst) < 0)
                        return fc_error_set(err, -EINVAL,
                                            "%s:%u: %s: \"%s\" is not a number from 0 to %u", path,
                                            lineno, key, val, max);
        }
        if (c.refill_jobs == 0)
                return fc_error_set(err, -EINVAL, "%s: refill_jobs must be at least 1", path);
        *cfg = c;
        return 0;
}

int fc_parts_config_load(const char *path, bool optional, struct fc_parts_config *cfg,
                         fc_error_t *err)
{
        cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT && optional)
                        return 0;
                return fc_error_setm(err, -errno, "open %s", path);
        }
        cleanup_free char *buf = malloc(CONFIG_MAX + 1);
        if (buf == NULL)
                return fc_error_set(err, -ENOMEM, "%s: out of memory", path);
        size_t len = 0;
        for (;;) {
                ssize_t n = read(fd, buf + len, CONFIG_MAX + 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return fc_error_setm(err, -errno, "read %s", path);
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > CONFIG_MAX)
                        return fc_error_set(err, -EFBIG, "%s: larger than %u bytes", path,
                                            CONFIG_MAX);
        }
        buf[len] = '\0';
        if (memchr(buf, '\0', len))
                return fc_error_set(err, -EINVAL, "%s: contains a NUL byte", path);
        return fc_parts_config_parse(buf, path, cfg, err);
}
