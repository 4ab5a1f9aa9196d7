/* SPDX-License-Identifier: Apache-2.0
 * `kill`'s signal argument: names in any case, with or without SIG,
 * numbers, and RTMIN+n / RTMAX-n with the numbers runc and Docker use
 * (34 and 64, whatever the C library's SIGRTMIN). */
#include <signal.h>
#include <stdlib.h>

#include "lib/container.h"
#include "tests/unit/tap.h"

static int parse(const char *s)
{
        fc_error_t err = FC_ERROR_INIT;
        int sig = -1;
        if (fc_signal_parse(s, &sig, &err) < 0) {
                fc_error_clear(&err);
                return -1;
        }
        return sig;
}

int main(void)
{
        ok(parse("TERM") == SIGTERM && parse("sigusr1") == SIGUSR1 && parse("SigHup") == SIGHUP,
           "names in any case, with or without SIG");
        ok(parse("9") == 9 && parse("0") == 0 && parse("64") == 64, "numbers");
        ok(parse("65") == -1 && parse("-1") == -1 && parse("9x") == -1, "bad numbers refused");
        ok(parse("RTMIN") == 34 && parse("SIGRTMIN+1") == 35 && parse("rtmin+30") == 64,
           "RTMIN+n counts from 34");
        ok(parse("RTMAX") == 64 && parse("RTMAX-2") == 62 && parse("RTMAX-30") == 34,
           "RTMAX-n counts down from 64");
        ok(parse("RTMIN-1") == -1 && parse("RTMAX+1") == -1 && parse("RTMIN+31") == -1 &&
                   parse("RTMIN+") == -1 && parse("RTMINX") == -1,
           "outside 34-64 or malformed: refused");
        ok(parse("NOPE") == -1 && parse("") == -1, "unknown names refused");
        return tap_done();
}
