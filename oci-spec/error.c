/* SPDX-License-Identifier: Apache-2.0 */
#include "oci-spec/error.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set_va(fc_error_t *err, int status, bool with_strerror, const char *fmt, va_list ap)
{
        if (status >= 0)
                status = -EINVAL;
        if (err == NULL || err->status != 0)
                return status;
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        if (s != NULL && with_strerror) {
                char *t = NULL;
                if (asprintf(&t, "%s: %s", s, strerror(-status)) < 0)
                        t = NULL;
                free(s);
                s = t;
        }
        err->status = status;
        err->msg = s;
        return status;
}

int fc_error_set(fc_error_t *err, int status, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = set_va(err, status, false, fmt, ap);
        va_end(ap);
        return r;
}

int fc_error_setm(fc_error_t *err, int status, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = set_va(err, status, true, fmt, ap);
        va_end(ap);
        return r;
}

int fc_error_wrap(fc_error_t *err, const char *fmt, ...)
{
        if (err == NULL)
                return -EINVAL;
        if (err->status == 0)
                err->status = -EINVAL;
        char *ctx = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&ctx, fmt, ap) < 0)
                ctx = NULL;
        va_end(ap);
        if (ctx == NULL)
                return err->status;
        char *s = NULL;
        if (asprintf(&s, "%s: %s", ctx, err->msg ? err->msg : strerror(-err->status)) >= 0) {
                free(err->msg);
                err->msg = s;
        }
        free(ctx);
        return err->status;
}

void fc_error_append(fc_error_t *err, fc_error_t *second)
{
        if (second == NULL || second->status == 0)
                return;
        if (err->status == 0) {
                *err = *second;
                second->status = 0;
                second->msg = NULL;
                return;
        }
        char *s = NULL;
        if (asprintf(&s, "%s (and then: %s)", err->msg ? err->msg : strerror(-err->status),
                     second->msg ? second->msg : strerror(-second->status)) >= 0) {
                free(err->msg);
                err->msg = s;
        }
        fc_error_clear(second);
}

void fc_error_clear(fc_error_t *err)
{
        if (err == NULL)
                return;
        free(err->msg);
        err->msg = NULL;
        err->status = 0;
}
