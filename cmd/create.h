/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FC_CMD_CREATE_H
#define FC_CMD_CREATE_H
#include "cmd/cmd.h"
#include "lib/container.h"
/* Flags shared by create and run; detach/keep are NULL for create.
 * Returns < 0 after printing the error. */
int fc_cmd_parse_create_opts(struct fc_context *ctx, const char *cmd, int argc, char **argv,
                             struct fc_create_opts *o, bool *detach, bool *keep);
#endif
