/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/container.h"

/* runc formats the table with Go's tabwriter (minwidth 12, padding 3):
 * each column is max(12, widest cell + 3) wide, the last one unpadded. */
static void print_table(struct fc_state **s, size_t n)
{
        enum { COLS = 6 };
        static const char *head[COLS] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
        size_t width[COLS];
        char pid[32];
        for (int c = 0; c < COLS; c++)
                width[c] = strlen(head[c]);
        for (size_t i = 0; i < n; i++) {
                snprintf(pid, sizeof(pid), "%d", (int) s[i]->pid);
                const char *cell[COLS] = {s[i]->id,     pid,           s[i]->status,
                                          s[i]->bundle, s[i]->created, s[i]->owner};
                for (int c = 0; c < COLS; c++) {
                        size_t l = strlen(cell[c] ? cell[c] : "");
                        if (l > width[c])
                                width[c] = l;
                }
        }
        for (int c = 0; c < COLS; c++) {
                width[c] += 3;
                if (width[c] < 12)
                        width[c] = 12;
        }
        for (size_t row = 0; row <= n; row++) {
                const char *cell[COLS];
                if (row == 0) {
                        for (int c = 0; c < COLS; c++)
                                cell[c] = head[c];
                } else {
                        struct fc_state *x = s[row - 1];
                        snprintf(pid, sizeof(pid), "%d", (int) x->pid);
                        cell[0] = x->id;
                        cell[1] = pid;
                        cell[2] = x->status;
                        cell[3] = x->bundle;
                        cell[4] = x->created;
                        cell[5] = x->owner;
                }
                for (int c = 0; c < COLS; c++) {
                        const char *v = cell[c] ? cell[c] : "";
                        if (c == COLS - 1)
                                printf("%s\n", v);
                        else
                                printf("%-*s", (int) width[c], v);
                }
        }
}

static int run_list(struct fc_context *ctx, int argc, char **argv)
{
        const char *format = "table";
        bool quiet = false;
        const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {"quiet", optional_argument, NULL, 'q'},
                {NULL, 0, NULL, 0},
        };
        fc_cmd_reorder(argc, argv, opts, "fq");
        opterr = 0;
        int c;
        while ((c = getopt_long_only(argc, argv, "+f:q", opts, NULL)) != -1) {
                if (c == 'f') {
                        format = optarg;
                } else if (c == 'q') {
                        if (fc_cmd_flag_bool(ctx, "quiet", optarg, &quiet))
                                return 1;
                } else
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
        }
        if (argc - optind != 0)
                return fc_cmd_require_args(ctx, &fc_cmd_list_def, argc - optind, 0);
        if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
                return fc_cmd_failf(ctx, "invalid format option");
        fc_error_t err = FC_ERROR_INIT;
        struct fc_state **s = NULL;
        size_t n = 0;
        if (fc_container_list(ctx, &s, &n, &err) < 0) {
                int r = fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                return r;
        }
        int r = 0;
        if (quiet) {
                for (size_t i = 0; i < n; i++)
                        printf("%s\n", s[i]->id);
        } else if (strcmp(format, "json") == 0) {
                char *json = fc_state_list_to_json(s, n, &err);
                if (json == NULL) {
                        r = fc_cmd_fail(ctx, &err);
                        fc_error_clear(&err);
                } else {
                        printf("%s\n", json);
                        free(json);
                }
        } else {
                print_table(s, n);
        }
        for (size_t i = 0; i < n; i++)
                fc_state_free(s[i]);
        free(s);
        return r;
}

const struct fc_cmd fc_cmd_list_def = {
        .name = "list",
        .summary = "lists containers started by flashcube with the given root",
        .usage = "[command options]",
        .help = "OPTIONS:\n   --format value, -f value  select one of: table or json (default: "
                "\"table\")\n   --quiet, -q               display only container IDs",
        .run = run_list,
};
