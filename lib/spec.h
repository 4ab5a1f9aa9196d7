/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FC_SPEC_H
#define FC_SPEC_H
#include <stdbool.h>

#include "lib/error.h"

/* `spec`: write runc's default config.json into `bundle` (NULL: the
 * current directory); refuses to overwrite an existing one. */
int fc_spec_write(const char *bundle, bool rootless, fc_error_t *err);

#endif
