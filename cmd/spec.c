/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "lib/spec.h"
#include "oci-spec/state.h"

static int run_spec(struct fc_context *ctx, int argc, char **argv)
{
        const char *bundle = NULL;
        bool rootless = false;
        enum { OPT_ROOTLESS = 256 };
        const struct option opts[] = {
                {"bundle", required_argument, NULL, 'b'},
                {"rootless", optional_argument, NULL, OPT_ROOTLESS},
                {NULL, 0, NULL, 0},
        };
        fc_cmd_reorder(argc, argv, opts, "b");
        opterr = 0;
        int c;
        while ((c = getopt_long_only(argc, argv, "+b:", opts, NULL)) != -1) {
                if (c == 'b') {
                        bundle = optarg;
                } else if (c == OPT_ROOTLESS) {
                        if (fc_cmd_flag_bool(ctx, "rootless", optarg, &rootless))
                                return 1;
                } else
                        return fc_cmd_failf(ctx, "flag provided but not defined: %s",
                                            argv[optind - 1]);
        }
        if (argc - optind != 0)
                return fc_cmd_require_args(ctx, &fc_cmd_spec_def, argc - optind, 0);
        fc_error_t err = FC_ERROR_INIT;
        if (fc_spec_write(bundle, rootless, &err) < 0) {
                int r = fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                return r;
        }
        return 0;
}

const struct fc_cmd fc_cmd_spec_def = {
        .name = "spec",
        .summary = "create a new specification file",
        .usage = "[command options]",
        .help = "DESCRIPTION:\n   The spec command creates the new specification file named "
                "\"config.json\" for\nthe bundle, the same as runc's.\n\nOPTIONS:\n"
                "   --bundle value, -b value  path to the root of the bundle directory\n"
                "   --rootless                generate a configuration for a rootless container",
        .run = run_spec,
};

static int run_features(struct fc_context *ctx, int argc, char **argv)
{
        if (fc_cmd_reject_flags(ctx, argc, argv))
                return 1;
        if (argc != 1)
                return fc_cmd_require_args(ctx, &fc_cmd_features_def, argc - 1, 0);
        fc_error_t err = FC_ERROR_INIT;
        char *json = fc_features_json(&err);
        if (json == NULL) {
                int r = fc_cmd_fail(ctx, &err);
                fc_error_clear(&err);
                return r;
        }
        printf("%s\n", json);
        free(json);
        return 0;
}

const struct fc_cmd fc_cmd_features_def = {
        .name = "features",
        .summary = "show the enabled features",
        .usage = "",
        .help = "DESCRIPTION:\n   Show the enabled features (the OCI features document).",
        .run = run_features,
};
