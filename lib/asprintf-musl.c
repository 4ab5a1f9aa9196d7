/* SPDX-License-Identifier: Apache-2.0
 *
 * asprintf() and vasprintf() for the static musl build (linked with
 * lib/heap-malloc.c, configure's FC_OWN_MALLOC).  musl's format the text
 * twice, once to measure it, through a stream each time: some 2,800
 * instructions for a "%s/%s", and a `run` makes a hundred of them (cgroup
 * and mount paths).  A format made of text and "%s" only is joined here
 * directly; any other is formatted once into a stack buffer, and again
 * only if it did not fit.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int asprintf(char **ret, const char *fmt, ...);
int vasprintf(char **ret, const char *fmt, va_list ap);

/* Whether fmt has no conversion but "%s" (and "%%"). */
static bool strings_only(const char *fmt)
{
        for (const char *p = fmt; (p = strchr(p, '%')) != NULL; p += 2)
                if (p[1] != 's' && p[1] != '%')
                        return false;
        return true;
}

/* Walks fmt with the arguments in ap: the length of the text, and the text
 * itself into out when out is not NULL. */
static size_t join(char *out, const char *fmt, va_list ap)
{
        size_t n = 0;
        for (const char *p = fmt; *p;) {
                const char *s = p;
                size_t len;
                if (p[0] == '%' && p[1] == 's') {
                        s = va_arg(ap, const char *);
                        if (s == NULL)
                                s = "(null)"; /* as glibc prints it */
                        len = strlen(s);
                        p += 2;
                } else if (p[0] == '%') { /* "%%" */
                        s = "%";
                        len = 1;
                        p += 2;
                } else {
                        const char *pct = strchr(p, '%');
                        len = pct ? (size_t) (pct - p) : strlen(p);
                        p += len;
                }
                if (out)
                        memcpy(out + n, s, len);
                n += len;
        }
        if (out)
                out[n] = '\0';
        return n;
}

int vasprintf(char **ret, const char *fmt, va_list ap)
{
        va_list again;
        va_copy(again, ap);
        int n;
        if (strings_only(fmt)) {
                size_t len = join(NULL, fmt, ap);
                char *s = len < (size_t) __INT_MAX__ ? malloc(len + 1) : NULL;
                if (s != NULL)
                        join(s, fmt, again);
                va_end(again);
                *ret = s;
                return s ? (int) len : -1;
        }
        char buf[256];
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        char *s = n < 0 ? NULL : malloc((size_t) n + 1);
        if (s != NULL) {
                if ((size_t) n < sizeof(buf))
                        memcpy(s, buf, (size_t) n + 1);
                else
                        vsnprintf(s, (size_t) n + 1, fmt, again);
        }
        va_end(again);
        *ret = s;
        return s ? n : -1;
}

int asprintf(char **ret, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(ret, fmt, ap);
        va_end(ap);
        return n;
}
