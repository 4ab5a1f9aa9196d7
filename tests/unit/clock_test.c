/* SPDX-License-Identifier: Apache-2.0
 * The runtime's clocks (fc_now_ns, the state's timestamps) never read the
 * vDSO, so that a short-lived runtime maps none of its pages and no page
 * tables for them (lib/sys.h, fc_sys_clock_gettime).  Read from the [vdso]
 * line of /proc/self/smaps: its Rss is 0 until something reads it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/context.h"
#include "lib/status.h"
#include "tests/unit/tap.h"

/* The vDSO's resident kB, or -1 when there is no vDSO. */
static long vdso_rss(void)
{
        FILE *f = fopen("/proc/self/smaps", "re");
        if (f == NULL)
                return -1;
        char line[512];
        bool in_vdso = false;
        long rss = -1;
        while (fgets(line, sizeof(line), f)) {
                if (strstr(line, "[vdso]")) {
                        in_vdso = true;
                } else if (in_vdso && strncmp(line, "Rss:", 4) == 0) {
                        rss = strtol(line + 4, NULL, 10);
                        break;
                }
        }
        fclose(f);
        return rss;
}

int main(void)
{
        long before = vdso_rss();
        if (before < 0) {
                ok(1, "# SKIP no vDSO in this process");
                return tap_done();
        }
        if (before > 0) {
                ok(1, "# SKIP the C library read the vDSO at start-up (glibc's loader does)");
                return tap_done();
        }
        uint64_t t0 = fc_now_ns(), t1 = fc_now_ns();
        char *stamp = fc_status_timestamp();
        ok(t0 > 0 && t1 >= t0 && stamp != NULL && stamp[0] != '\0',
           "fc_now_ns and fc_status_timestamp read the clocks (%s)", stamp ? stamp : "(null)");
        free(stamp);
        ok(vdso_rss() == 0, "they left the vDSO unread (Rss %ld kB)", vdso_rss());
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ok(vdso_rss() > 0, "the C library's clock_gettime reads it: the check sees that");
        return tap_done();
}
