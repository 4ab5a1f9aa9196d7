/* SPDX-License-Identifier: Apache-2.0
 *
 * Checks shared by the libFuzzer harnesses: a broken invariant aborts, so
 * libFuzzer records the input as a crash.
 */
#ifndef FC_TESTS_FUZZ_H
#define FC_TESTS_FUZZ_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "oci-spec/error.h"

static inline void fuzz_fail(const char *what, const char *detail, const fc_error_t *err)
{
        fprintf(stderr, "fuzz: %s (%s; error: %s)\n", what, detail ? detail : "-",
                err && err->msg ? err->msg : "none");
        abort();
}

/* A parser either returns a result and leaves the error alone, or returns
 * nothing and says why with a negative status. */
static inline void fuzz_check_result(bool ok, const fc_error_t *err)
{
        if (ok && err->msg != NULL)
                fuzz_fail("success with an error set", NULL, err);
        if (!ok && (err->msg == NULL || err->status >= 0))
                fuzz_fail("failure without an error", NULL, err);
}

#endif
