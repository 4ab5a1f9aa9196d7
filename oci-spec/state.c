/* SPDX-License-Identifier: Apache-2.0
 *
 * The OCI state document in runc's shape, and flashcube's state.json.
 */
#include "oci-spec/state.h"
#include "oci-spec/json.h"

#include <errno.h>
#include <stdlib.h>

/* Field order and omissions follow what `runc state` prints: annotations
 * only when there are some, between `created` and `owner`. */
/* "annotations", omitted when there are none (the spec's omitempty). */
static void gen_annotations(yajl_gen g, const struct fc_state *s)
{
        if (s->n_annotations == 0)
                return;
        gen_str(g, "annotations");
        yajl_gen_map_open(g);
        for (size_t i = 0; i < s->n_annotations; i++)
                gen_kstr(g, s->annotations[i].key, s->annotations[i].value);
        yajl_gen_map_close(g);
}

static void gen_oci_fields(yajl_gen g, const struct fc_state *s)
{
        gen_kstr(g, "ociVersion", s->oci_version);
        gen_kstr(g, "id", s->id);
        gen_kint(g, "pid", s->pid);
        gen_kstr(g, "status", s->status);
        gen_kstr(g, "bundle", s->bundle);
        gen_kstr(g, "rootfs", s->rootfs);
        gen_kstr(g, "created", s->created);
        gen_annotations(g, s);
        gen_kstr(g, "owner", s->owner);
}

char *fc_state_to_oci_json(const struct fc_state *s, bool pretty, fc_error_t *err)
{
        yajl_gen g = gen_begin(pretty ? "  " : NULL);
        if (g != NULL) {
                yajl_gen_map_open(g);
                gen_oci_fields(g, s);
                yajl_gen_map_close(g);
        }
        return gen_end(g, err);
}

char *fc_state_list_to_json(struct fc_state *const *states, size_t n, fc_error_t *err)
{
        yajl_gen g = gen_begin(NULL);
        if (g != NULL) {
                /* runc marshals an empty Go slice that was never appended to: null. */
                if (n == 0) {
                        yajl_gen_null(g);
                } else {
                        yajl_gen_array_open(g);
                        for (size_t i = 0; i < n; i++) {
                                yajl_gen_map_open(g);
                                gen_oci_fields(g, states[i]);
                                yajl_gen_map_close(g);
                        }
                        yajl_gen_array_close(g);
                }
        }
        return gen_end(g, err);
}

/* The runtime-spec version this document follows (what `features` reports
 * as ociVersionMax); the inner state carries the config's own ociVersion,
 * as `state` does. */
#define CPS_OCI_VERSION "1.2.0"

char *fc_container_process_state_json(const struct fc_state *s, int pid, const char *metadata,
                                      fc_error_t *err)
{
        static const char *const fds[] = {"seccompFd", NULL};
        yajl_gen g = gen_begin(NULL);
        if (g != NULL) {
                yajl_gen_map_open(g);
                gen_kstr(g, "ociVersion", CPS_OCI_VERSION);
                gen_kstrv(g, "fds", fds);
                gen_kint(g, "pid", pid > 0 ? pid : s->pid);
                if (metadata && metadata[0] != '\0')
                        gen_kstr(g, "metadata", metadata);
                /* The spec's State object, as runc sends it: none of the
                 * extras `state` prints; pid and annotations omitted when
                 * empty, as the spec's Go type (omitempty) does. */
                gen_str(g, "state");
                yajl_gen_map_open(g);
                gen_kstr(g, "ociVersion", s->oci_version ? s->oci_version : CPS_OCI_VERSION);
                gen_kstr(g, "id", s->id);
                gen_kstr(g, "status", s->status);
                if (s->pid > 0)
                        gen_kint(g, "pid", s->pid);
                gen_kstr(g, "bundle", s->bundle);
                gen_annotations(g, s);
                yajl_gen_map_close(g);
                yajl_gen_map_close(g);
        }
        return gen_end(g, err);
}

char *fc_state_to_json(const struct fc_state *s, fc_error_t *err)
{
        yajl_gen g = gen_begin(NULL);
        if (g != NULL) {
                yajl_gen_map_open(g);
                gen_oci_fields(g, s);
                gen_str(g, "startTime");
                yajl_gen_integer(g, (long long) s->start_time);
                if (s->cgroup)
                        gen_kstr(g, "cgroup", s->cgroup);
                if (s->config_path)
                        gen_kstr(g, "configPath", s->config_path);
                gen_kbool(g, "systemdCgroup", s->systemd_cgroup);
                if (s->cgroup_pool)
                        gen_kstr(g, "cgroupPool", s->cgroup_pool);
                yajl_gen_map_close(g);
        }
        return gen_end(g, err);
}

void fc_state_free(struct fc_state *s)
{
        if (s == NULL)
                return;
        free(s->oci_version);
        free(s->id);
        free(s->status);
        free(s->bundle);
        fc_kv_release(s->annotations, s->n_annotations);
        free(s->rootfs);
        free(s->created);
        free(s->owner);
        free(s->cgroup);
        free(s->config_path);
        free(s->cgroup_pool);
        free(s);
}

static int state_parse(struct jp *p, yajl_val v, struct fc_state *s)
{
        int pid = 0;
        int r = j_str(p, v, "ociVersion", &s->oci_version);
        if (r == 0)
                r = j_str_req(p, v, "id", &s->id);
        if (r == 0)
                r = j_int(p, v, "pid", 0, INT32_MAX, &pid, NULL);
        s->pid = pid;
        if (r == 0)
                r = j_str_req(p, v, "status", &s->status);
        if (r == 0)
                r = j_str(p, v, "bundle", &s->bundle);
        if (r == 0)
                r = j_kv(p, v, "annotations", &s->annotations, &s->n_annotations);
        if (r == 0)
                r = j_str(p, v, "rootfs", &s->rootfs);
        if (r == 0)
                r = j_str(p, v, "created", &s->created);
        if (r == 0)
                r = j_str(p, v, "owner", &s->owner);
        /* startTime is written with yajl_gen_integer (signed), so the
         * round-trip limit is INT64_MAX; real values are far below. */
        int64_t st = 0;
        if (r == 0)
                r = j_i64(p, v, "startTime", &st, NULL);
        s->start_time = st < 0 ? 0 : (uint64_t) st;
        if (r == 0)
                r = j_str(p, v, "cgroup", &s->cgroup);
        if (r == 0)
                r = j_str(p, v, "configPath", &s->config_path);
        if (r == 0)
                r = j_bool(p, v, "systemdCgroup", &s->systemd_cgroup, NULL);
        if (r == 0)
                r = j_str(p, v, "cgroupPool", &s->cgroup_pool);
        return r;
}

struct fc_state *fc_state_parse(const char *json, size_t len, fc_error_t *err)
{
        yajl_val tree = fc_json_parse_tree(json, len, err);
        if (tree == NULL)
                return NULL;
        struct jp p;
        jp_init(&p, err);
        struct fc_state *s = NULL;
        if (!YAJL_IS_OBJECT(tree)) {
                fc_error_set(err, -EINVAL, "expected a JSON object at the top level");
        } else if ((s = calloc(1, sizeof(*s))) == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
        } else if (state_parse(&p, tree, s) < 0) {
                fc_state_free(s);
                s = NULL;
        }
        yajl_tree_free(tree);
        return s;
}
