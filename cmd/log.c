/* SPDX-License-Identifier: Apache-2.0
 *
 * Log lines as runc writes them, because containerd and podman read them:
 *   text:  time="2026-01-01T00:00:00Z" level=error msg="..."
 *   json:  {"level":"error","msg":"...","time":"2026-01-01T00:00:00Z"}
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/sys.h"

static FILE *log_file;
static bool log_json;

static const char *level_name(enum fc_log_level l)
{
        switch (l) {
        case FC_LOG_ERROR:
                return "error";
        case FC_LOG_WARN:
                return "warning";
        case FC_LOG_INFO:
                return "info";
        case FC_LOG_DEBUG:
                return "debug";
        }
        return "info";
}

static void put_escaped(FILE *f, const char *s, bool json)
{
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*p < 0x20 || (json && *p == 0x7f))
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        }
}

static void write_line(FILE *f, enum fc_log_level level, const char *msg)
{
        char ts[40];
        struct timespec now = {0};
        (void) fc_sys_clock_gettime(CLOCK_REALTIME, &now);
        struct tm tm;
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (log_json) {
                fprintf(f, "{\"level\":\"%s\",\"msg\":\"", level_name(level));
                put_escaped(f, msg, true);
                fprintf(f, "\",\"time\":\"%s\"}\n", ts);
        } else {
                fprintf(f, "time=\"%s\" level=%s msg=\"", ts, level_name(level));
                put_escaped(f, msg, false);
                fputs("\"\n", f);
        }
        fflush(f);
}

static void log_cb(void *data, enum fc_log_level level, const char *msg)
{
        (void) data;
        write_line(log_file ? log_file : stderr, level, msg);
}

int fc_log_setup(struct fc_context *ctx, const char *path, const char *format)
{
        if (format && strcmp(format, "json") == 0)
                log_json = true;
        else if (format && strcmp(format, "text") != 0) {
                fprintf(stderr, "flashcube: invalid log-format: %s\n", format);
                return -EINVAL;
        }
        if (path && path[0]) {
                int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
                if (fd < 0 || (log_file = fdopen(fd, "a")) == NULL) {
                        fprintf(stderr, "flashcube: open log file %s: %s\n", path, strerror(errno));
                        if (fd >= 0)
                                close(fd);
                        return -errno;
                }
        }
        ctx->log = log_cb;
        ctx->log_data = NULL;
        return 0;
}

void fc_log_close(void)
{
        if (log_file)
                fclose(log_file);
        log_file = NULL;
}

int fc_cmd_fail(struct fc_context *ctx, const fc_error_t *err)
{
        const char *msg = err->msg ? err->msg : strerror(err->status ? -err->status : EIO);
        (void) ctx;
        if (log_file)
                write_line(log_file, FC_LOG_ERROR, msg);
        fprintf(stderr, "flashcube: %s\n", msg);
        return 1;
}

int fc_cmd_failf(struct fc_context *ctx, const char *fmt, ...)
{
        fc_error_t e = FC_ERROR_INIT;
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        e.status = -EINVAL;
        e.msg = msg;
        int r = fc_cmd_fail(ctx, &e);
        free(msg);
        return r;
}
