/* SPDX-License-Identifier: Apache-2.0
 * Which mounts are id-mapped, with which mappings, and what is refused
 * (fc_idmap_plan_entry): no root needed. */
#include <errno.h>
#include <stdlib.h>

#include "lib/idmap.h"
#include "tests/unit/tap.h"

static struct fc_id_mapping one[] = {{1000, 0, 10}};
static struct fc_id_mapping overlap[] = {{0, 1000, 10}, {5, 5000, 10}};
static struct fc_id_mapping container_map[] = {{0, 100000, 65536}};

static struct fc_config *config(struct fc_mount *m, struct fc_linux *lx)
{
        static struct fc_config cfg;
        cfg = (struct fc_config){.mounts = m, .n_mounts = 1, .linux_ = lx};
        return &cfg;
}

static void plan_ns(struct fc_ns_plan *ns, enum fc_ns_mode user)
{
        for (int t = 0; t < FC_NS__MAX; t++) {
                ns->mode[t] = FC_NS_MODE_SHARE;
                ns->path[t] = NULL;
                ns->fd[t] = -1;
        }
        ns->mode[FC_NS_USER] = user;
}

static void test_decisions(void)
{
        const char *bind[] = {"bind"};
        const char *rbind_idmap[] = {"rbind", "idmap"};
        const char *rbind_ridmap[] = {"rbind", "ridmap"};
        struct fc_linux lx = {.uid_mappings = container_map,
                              .n_uid_mappings = 1,
                              .gid_mappings = container_map,
                              .n_gid_mappings = 1};
        struct fc_mount m = {.destination = (char *) "/data",
                             .type = (char *) "none",
                             .source = (char *) "/src",
                             .options = (char **) bind,
                             .n_options = 1};
        struct fc_ns_plan ns;
        struct fc_idmap_entry e;
        fc_error_t err = FC_ERROR_INIT;

        plan_ns(&ns, FC_NS_MODE_SHARE);
        ok(!fc_idmap_wanted(config(&m, NULL)), "a plain bind is not wanted");
        ok(fc_idmap_plan_entry(config(&m, NULL), &ns, 0, &e, &err) == 0 &&
                   e.source == FC_IDMAP_NONE,
           "a plain bind is not id-mapped");

        m.uid_mappings = m.gid_mappings = one;
        m.n_uid_mappings = m.n_gid_mappings = 1;
        ok(fc_idmap_wanted(config(&m, NULL)), "mappings are wanted");
        ok(fc_idmap_plan_entry(config(&m, NULL), &ns, 0, &e, &err) == 0, "bind + mappings");
        ok(e.source == FC_IDMAP_MOUNT && e.uid == one && e.n_uid == 1 && e.gid == one &&
                   !e.recursive_tree && !e.recursive_map,
           "bind + mappings: its own mappings, nothing recursive");

        m.options = (char **) rbind_idmap;
        m.n_options = 2;
        ok(fc_idmap_plan_entry(config(&m, NULL), &ns, 0, &e, &err) == 0 && e.recursive_tree &&
                   !e.recursive_map,
           "rbind + idmap: the tree is recursive, the mapping is not");
        m.options = (char **) rbind_ridmap;
        ok(fc_idmap_plan_entry(config(&m, NULL), &ns, 0, &e, &err) == 0 && e.recursive_tree &&
                   e.recursive_map,
           "rbind + ridmap: both recursive");

        m.uid_mappings = m.gid_mappings = NULL;
        m.n_uid_mappings = m.n_gid_mappings = 0;
        ok(fc_idmap_wanted(config(&m, NULL)), "ridmap alone is wanted");
        plan_ns(&ns, FC_NS_MODE_NEW);
        ok(fc_idmap_plan_entry(config(&m, &lx), &ns, 0, &e, &err) == 0 &&
                   e.source == FC_IDMAP_CONTAINER && e.uid == container_map,
           "ridmap alone with a new user namespace: the container's mappings");
        plan_ns(&ns, FC_NS_MODE_JOIN);
        ok(fc_idmap_plan_entry(config(&m, &lx), &ns, 0, &e, &err) == 0 &&
                   e.source == FC_IDMAP_JOINED_USERNS,
           "ridmap alone with a joined user namespace: that namespace");
        ok(err.status == 0, "no error set on success");
}

static void refused(struct fc_mount *m, const char *want, const char *name)
{
        struct fc_ns_plan ns;
        struct fc_idmap_entry e;
        fc_error_t err = FC_ERROR_INIT;

        plan_ns(&ns, FC_NS_MODE_SHARE);
        ok(fc_idmap_plan_entry(config(m, NULL), &ns, 0, &e, &err) == -EINVAL, "%s refused", name);
        is_str(err.msg, want, "%s: message", name);
        fc_error_clear(&err);
}

static void test_refusals(void)
{
        const char *tmpfs_idmap[] = {"idmap"};
        const char *bind_idmap[] = {"bind", "idmap"};
        struct fc_mount m = {.destination = (char *) "/data",
                             .type = (char *) "tmpfs",
                             .source = (char *) "tmpfs",
                             .options = (char **) tmpfs_idmap,
                             .n_options = 1,
                             .uid_mappings = one,
                             .n_uid_mappings = 1,
                             .gid_mappings = one,
                             .n_gid_mappings = 1};

        refused(&m, "mount /data: id-mapped mounts are only supported for bind mounts",
                "not a bind mount");
        m.options = (char **) bind_idmap;
        m.n_options = 2;
        m.n_gid_mappings = 0;
        refused(&m, "mount /data: uidMappings and gidMappings must be specified together",
                "uidMappings alone");
        m.n_gid_mappings = 1;
        m.uid_mappings = overlap;
        m.n_uid_mappings = 2;
        refused(&m, "mounts[0].uidMappings[1]: overlaps mounts[0].uidMappings[0]",
                "overlapping mappings");
        m.n_uid_mappings = m.n_gid_mappings = 0;
        refused(&m,
                "mount /data: \"idmap\" without uidMappings and gidMappings needs a container "
                "with a user namespace",
                "idmap alone without a user namespace");
}

int main(void)
{
        test_decisions();
        test_refusals();
        return tap_done();
}
