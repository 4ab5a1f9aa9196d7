/* SPDX-License-Identifier: Apache-2.0
 * asprintf: in the musl build it is lib/asprintf-musl.c's, which joins
 * text-and-"%s" formats itself and formats the rest once into a stack
 * buffer.  Every result must equal snprintf's. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/tap.h"

static char long_text[1000];

/* asprintf's text against snprintf's for the same arguments. */
static int same(const char *fmt, ...)
{
        va_list ap, ap2;
        va_start(ap, fmt);
        va_copy(ap2, ap);
        char *got = NULL;
        int n = vasprintf(&got, fmt, ap);
        char want[4096];
        int m = vsnprintf(want, sizeof(want), fmt, ap2);
        va_end(ap);
        va_end(ap2);
        int eq = got != NULL && n == m && strcmp(got, want) == 0;
        if (!eq)
                printf("#   \"%s\": got %d \"%s\", want %d \"%s\"\n", fmt, n, got ? got : "(NULL)",
                       m, want);
        free(got);
        return eq;
}

int main(void)
{
        memset(long_text, 'x', sizeof(long_text) - 1);
        ok(same("%s/%s", "/sys/fs/cgroup/memory", "fct-1") && same("%s", "") && same("") &&
                   same("plain text") && same("%s%s%s", "a", "", "c") &&
                   same("%s/cgroup.procs", "/x") && same("100%% %s", "sure") &&
                   same("%s %s:%s %s", "c", "1", "3", "rwm"),
           "text and %%s only: joined as snprintf would");
        ok(same("%s/%s", long_text, long_text), "a long join (1998 bytes)");
        ok(same("%d-%zu-%ld", -7, (size_t) 42, 123456789L) && same("%.*s/%s", 3, "abcdef", "x") &&
                   same("%5s|%-4s|", "ab", "c") && same("%x %o %c", 255, 8, 'z'),
           "other conversions: formatted as snprintf does");
        ok(same("%s and %d", long_text, 1), "other conversions, past the stack buffer");
        char *p = NULL;
        const char *volatile nothing = NULL; /* not seen as NULL at compile time */
        ok(asprintf(&p, "%s", nothing) > 0 && p && strcmp(p, "(null)") == 0,
           "a NULL %%s reads (null), as glibc prints it");
        free(p);
        return tap_done();
}
