/* SPDX-License-Identifier: Apache-2.0
 *
 * The CLI: parse argv, call one library entry point, print the single
 * error line (stderr, plus the --log file in text or JSON) and exit.  No
 * kernel calls here (STYLE.md §1).
 */
#ifndef FC_CMD_H
#define FC_CMD_H

#include <getopt.h>
#include <stdbool.h>

#include "lib/context.h"
#include "lib/error.h"

struct fc_cmd {
        const char *name;
        const char *summary;
        const char *usage; /* after "flashcube <name> " */
        const char *help;  /* description and options, printed by --help */
        int (*run)(struct fc_context *ctx, int argc, char **argv);
};

extern const struct fc_cmd fc_cmd_create_def, fc_cmd_start_def, fc_cmd_run_def, fc_cmd_state_def,
        fc_cmd_kill_def, fc_cmd_delete_def, fc_cmd_list_def, fc_cmd_spec_def, fc_cmd_features_def,
        fc_cmd_cache_def, fc_cmd_exec_def;
extern const struct fc_cmd fc_cmd_update_def, fc_cmd_pause_def, fc_cmd_resume_def, fc_cmd_ps_def,
        fc_cmd_events_def;

/* Report `err` once: "flashcube: <msg>" on stderr and a log line in the
 * --log file.  Returns the exit status to use (1). */
int fc_cmd_fail(struct fc_context *ctx, const fc_error_t *err);
int fc_cmd_failf(struct fc_context *ctx, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Print a command's help (for -h/--help); returns 0. */
int fc_cmd_help(const struct fc_cmd *c);

/* Parse a command's options with getopt_long_only semantics (runc also
 * accepts -bundle and --bundle=x).  Prints runc-style usage errors. */
bool fc_cmd_is_help(int argc, char **argv);

/* Exactly `n` positional arguments or print runc's error. */
int fc_cmd_require_args(struct fc_context *ctx, const struct fc_cmd *c, int have, int n);

/* For commands without options: any "-x" argument is an unknown flag
 * (prints the error and returns 1). */
int fc_cmd_reject_flags(struct fc_context *ctx, int argc, char **argv);

int fc_cmd_parse_uint(const char *s, unsigned int *ret);
/* runc's argument order (urfave/cli v1): a command's own flags may follow
 * its positional arguments, and are moved in front of them before parsing.
 * An argument is moved when it names one of `opts` (val '?' excluded) or a
 * letter of `shortopts`, with one or two dashes, "=value" or not; without
 * "=", the next argument, unless it names a flag too, goes with it as its
 * value ("-1" and "-" included; a boolean flag's too, as in runc).  Nothing
 * after a "--" that is not such a value moves.
 * Not for exec and ps, whose arguments after the id are the process's. */
void fc_cmd_reorder(int argc, char **argv, const struct option *opts, const char *shortopts);
/* A boolean flag's value: none (the flag alone) is true; "--flag=VALUE" takes
 * Go's strconv.ParseBool spellings.  Prints runc's error and returns 1 on
 * another value, else 0.  Boolean flags are optional_argument options. */
int fc_cmd_flag_bool(struct fc_context *ctx, const char *name, const char *value, bool *ret);
/* The same without the message: 0, or -EINVAL. */
int fc_cmd_parse_bool(const char *value, bool *ret);

/* Logging set up from global flags. */
int fc_log_setup(struct fc_context *ctx, const char *path, const char *format);
void fc_log_close(void);

#endif
