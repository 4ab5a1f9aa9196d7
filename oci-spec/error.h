/* SPDX-License-Identifier: Apache-2.0
 *
 * Errors as values (STYLE.md §2).  A fallible function returns < 0 (or NULL)
 * and fills the fc_error_t passed last with a negative errno-style status
 * and a one-line message saying what failed and on what.  On success it
 * leaves *err alone.  Wrapping prepends context and never replaces the
 * original cause.
 *
 * This is the lowest layer (oci-spec/ is below lib/), so the type lives
 * here and lib/ re-exports it through lib/error.h.
 */
#ifndef FC_OCI_ERROR_H
#define FC_OCI_ERROR_H

#include <stdarg.h>

typedef struct fc_error {
        int status; /* negative errno, 0 when unset */
        char *msg;  /* heap, NULL when unset */
} fc_error_t;

#define FC_ERROR_INIT                                                                              \
        {                                                                                          \
                0, NULL                                                                            \
        }

/* Set *err (if not already set: a lower-level error is never overwritten)
 * and return `status` (which must be negative) for `return fc_error_set(...)`. */
int fc_error_set(fc_error_t *err, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Like fc_error_set() with ": strerror(-status)" appended. */
int fc_error_setm(fc_error_t *err, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Prepend "context: " to the message of a set error; returns err->status. */
int fc_error_wrap(fc_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record a secondary error (e.g. cleanup failing after the real failure)
 * after the primary one, so the root cause stays first. Frees `second`. */
void fc_error_append(fc_error_t *err, fc_error_t *second);

/* Release the message and reset to unset.  Accepts NULL. */
void fc_error_clear(fc_error_t *err);

static inline void fc_error_cleanup(fc_error_t *err)
{
        fc_error_clear(err);
}

#define cleanup_error __attribute__((cleanup(fc_error_cleanup)))

#endif
