/* SPDX-License-Identifier: Apache-2.0
 *
 * fc_exec_process_build(): how exec's flags and process.json override the
 * container's config.process, as runc does.  No root needed.
 */
#include <errno.h>
#include <string.h>

#include "lib/exec.h"
#include "tests/unit/tap.h"

static const char *config_json =
        "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
        "\"process\":{\"args\":[\"sleep\",\"1\"],\"cwd\":\"/\","
        "\"env\":[\"PATH=/bin\",\"A=1\",\"B=2\"],\"noNewPrivileges\":true,"
        "\"user\":{\"uid\":1,\"gid\":2,\"additionalGids\":[3]},"
        "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":10,\"soft\":10}],"
        "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"]}}}";

int main(void)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *cfg = fc_config_parse(config_json, strlen(config_json), &err);
        ok(cfg != NULL, "config parses");
        if (cfg == NULL)
                return tap_done();

        char *args[] = {"sh", "-c", "true", NULL};
        char *env[] = {"A=x", "C=3", NULL};
        uint32_t gids[] = {7};
        char *caps[] = {"CAP_SYS_ADMIN", NULL};
        struct fc_exec_opts o = {
                .id = "x",
                .args = args,
                .n_args = 3,
                .env = env,
                .n_env = 2,
                .cwd = "/tmp",
                .user = "5:6",
                .additional_gids = gids,
                .n_additional_gids = 1,
                .caps = caps,
                .n_caps = 1,
        };
        struct fc_exec_process p;
        ok(fc_exec_process_build(cfg, NULL, &o, &p, &err) == 0, "flags build");
        is_str(p.proc.args[0], "sh", "args from the command line");
        is_str(p.proc.cwd, "/tmp", "--cwd overrides");
        ok(p.proc.n_env == 4, "env: config's plus new names");
        is_str(p.proc.env[1], "A=x", "a repeated name keeps its place, takes the new value");
        is_str(p.proc.env[3], "C=3", "a new name is appended");
        ok(p.proc.user.uid == 5 && p.proc.user.gid == 6, "--user uid:gid");
        ok(p.proc.user.n_additional_gids == 2 && p.proc.user.additional_gids[1] == 7,
           "-g adds to the config's groups");
        ok(p.proc.capabilities->n_bounding == 2 && p.proc.capabilities->n_permitted == 1 &&
                   p.proc.capabilities->n_inheritable == 0,
           "--cap adds to bounding/effective/permitted/ambient, not inheritable");
        is_str(p.proc.capabilities->bounding[1], "CAP_SYS_ADMIN", "the added cap");
        ok(p.cfg.process == &p.proc, "the config view points at the process");
        ok(p.proc.no_new_privileges && p.proc.n_rlimits == 1, "nnp and rlimits of the config");
        fc_exec_process_clear(&p);

        const char *pj = "{\"args\":[\"env\"],\"cwd\":\"/etc\"}";
        struct fc_process *json = fc_process_parse(pj, strlen(pj), &err);
        ok(json != NULL, "process.json parses");
        ok(fc_exec_process_build(cfg, json, &o, &p, &err) == 0, "process.json builds");
        is_str(p.proc.cwd, "/etc", "process.json's cwd, flags ignored");
        ok(p.proc.n_env == 0 && p.proc.n_rlimits == 0 && !p.proc.no_new_privileges,
           "process.json's env, rlimits and nnp are its own");
        ok(p.proc.capabilities == cfg->process->capabilities,
           "no capabilities in process.json: the config's");
        fc_exec_process_clear(&p);
        fc_process_free(json);

        struct fc_exec_opts bad = {.id = "x"};
        ok(fc_exec_process_build(cfg, NULL, &bad, &p, &err) == -EINVAL, "no command refused");
        is_str(err.msg, "process args cannot be empty", "runc's message");
        fc_error_clear(&err);
        char *badenv[] = {"NOEQ", NULL};
        bad.args = args;
        bad.n_args = 1;
        bad.env = badenv;
        bad.n_env = 1;
        ok(fc_exec_process_build(cfg, NULL, &bad, &p, &err) < 0, "env without = refused");
        is_str(err.msg, "invalid environment variable: \"NOEQ\"", "runc's message");
        fc_error_clear(&err);
        bad.n_env = 0;
        bad.cwd = "rel";
        ok(fc_exec_process_build(cfg, NULL, &bad, &p, &err) < 0, "relative cwd refused");
        fc_error_clear(&err);

        uint32_t uid, gid;
        bool has_gid;
        ok(fc_exec_parse_user("7", &uid, &has_gid, &gid, &err) == 0 && uid == 7 && !has_gid,
           "uid alone");
        ok(fc_exec_parse_user("5:", &uid, &has_gid, &gid, &err) < 0, "empty gid refused");
        fc_error_clear(&err);
        ok(fc_exec_parse_user("-1", &uid, &has_gid, &gid, &err) < 0, "negative uid refused");
        fc_error_clear(&err);
        ok(fc_exec_parse_user("x", &uid, &has_gid, &gid, &err) < 0, "non-number refused");
        fc_error_clear(&err);

        fc_config_free(cfg);
        return tap_done();
}
