/* SPDX-License-Identifier: Apache-2.0
 * Mount option plans and propagation names: no root needed. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>

#include "lib/rootfs.h"
#include "lib/sys.h"
#include "tests/unit/tap.h"

struct plan_case {
        const char *name;
        const char *type;
        const char *options[8];
        unsigned long flags;
        unsigned long propagation;
        unsigned long clear_flags;
        const char *data;
        bool bind, recursive, needs_remount, tmpcopyup;
        unsigned int attr_set, attr_clr;
};

static const struct plan_case cases[] = {
        {"proc", "proc", {NULL}, 0, 0, 0, NULL, false, false, false, false, 0, 0},
        {"dev tmpfs",
         "tmpfs",
         {"nosuid", "strictatime", "mode=755", "size=65536k"},
         MS_NOSUID | MS_STRICTATIME,
         0,
         0,
         "mode=755,size=65536k",
         false,
         false,
         false,
         false,
         0,
         0},
        {"devpts",
         "devpts",
         {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"},
         MS_NOSUID | MS_NOEXEC,
         0,
         0,
         "newinstance,ptmxmode=0666,mode=0620,gid=5",
         false,
         false,
         false,
         false,
         0,
         0},
        {"shm",
         "tmpfs",
         {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"},
         MS_NOSUID | MS_NOEXEC | MS_NODEV,
         0,
         0,
         "mode=1777,size=65536k",
         false,
         false,
         false,
         false,
         0,
         0},
        {"mqueue",
         "mqueue",
         {"nosuid", "noexec", "nodev"},
         MS_NOSUID | MS_NOEXEC | MS_NODEV,
         0,
         0,
         NULL,
         false,
         false,
         false,
         false,
         0,
         0},
        {"sysfs",
         "sysfs",
         {"nosuid", "noexec", "nodev", "ro"},
         MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY,
         0,
         0,
         NULL,
         false,
         false,
         false,
         false,
         0,
         0},
        {"cgroup",
         "cgroup",
         {"nosuid", "noexec", "nodev", "relatime", "ro"},
         MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY,
         0,
         0,
         NULL,
         false,
         false,
         false,
         false,
         0,
         0},
        {"rbind ro rprivate",
         "bind",
         {"rbind", "ro", "rprivate"},
         MS_BIND | MS_REC | MS_RDONLY,
         MS_PRIVATE | MS_REC,
         0,
         NULL,
         true,
         true,
         true,
         false,
         0,
         0},
        {"plain bind", NULL, {"bind"}, MS_BIND, 0, 0, NULL, true, false, false, false, 0, 0},
        {"bind rw suid keeps clears",
         "none",
         {"bind", "rw", "suid", "dev", "exec"},
         MS_BIND,
         0,
         MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
         NULL,
         true,
         false,
         false,
         false,
         0,
         0},
        {"ro then rw",
         "tmpfs",
         {"ro", "rw"},
         0,
         0,
         MS_RDONLY,
         NULL,
         false,
         false,
         false,
         false,
         0,
         0},
        {"rw then ro",
         "tmpfs",
         {"rw", "ro"},
         MS_RDONLY,
         0,
         0,
         NULL,
         false,
         false,
         false,
         false,
         0,
         0},
        {"atime clears",
         "tmpfs",
         {"atime", "diratime", "norelatime"},
         0,
         0,
         MS_NOATIME | MS_NODIRATIME | MS_RELATIME,
         NULL,
         false,
         false,
         false,
         false,
         0,
         0},
        {"shared",
         "bind",
         {"bind", "shared"},
         MS_BIND,
         MS_SHARED,
         0,
         NULL,
         true,
         false,
         false,
         false,
         0,
         0},
        {"rslave last wins",
         "bind",
         {"rbind", "private", "rslave"},
         MS_BIND | MS_REC,
         MS_SLAVE | MS_REC,
         0,
         NULL,
         true,
         true,
         false,
         false,
         0,
         0},
        {"unbindable",
         "tmpfs",
         {"runbindable"},
         0,
         MS_UNBINDABLE | MS_REC,
         0,
         NULL,
         false,
         false,
         false,
         false,
         0,
         0},
        {"bind nosuid needs remount",
         "bind",
         {"bind", "nosuid", "nodev"},
         MS_BIND | MS_NOSUID | MS_NODEV,
         0,
         0,
         NULL,
         true,
         false,
         true,
         false,
         0,
         0},
        {"tmpcopyup",
         "tmpfs",
         {"tmpcopyup", "mode=755"},
         0,
         0,
         0,
         "mode=755",
         false,
         false,
         false,
         true,
         0,
         0},
        {"defaults ignored",
         "tmpfs",
         {"defaults", "noexec"},
         MS_NOEXEC,
         0,
         0,
         NULL,
         false,
         false,
         false,
         false,
         0,
         0},
        {"typo goes to data",
         "tmpfs",
         {"nosiud", "ro"},
         MS_RDONLY,
         0,
         0,
         "nosiud",
         false,
         false,
         false,
         false,
         0,
         0},
        {"comma is data",
         "tmpfs",
         {"context=\"a,b\""},
         0,
         0,
         0,
         "context=\"a,b\"",
         false,
         false,
         false,
         false,
         0,
         0},
        {"rro",
         "bind",
         {"rbind", "rro"},
         MS_BIND | MS_REC,
         0,
         0,
         NULL,
         true,
         true,
         false,
         false,
         MOUNT_ATTR_RDONLY,
         0},
        {"rro rnosuid rnoatime",
         "bind",
         {"rbind", "rro", "rnosuid", "rnoatime"},
         MS_BIND | MS_REC,
         0,
         0,
         NULL,
         true,
         true,
         false,
         false,
         MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME,
         MOUNT_ATTR__ATIME},
        {"rrw",
         "bind",
         {"rbind", "rro", "rrw"},
         MS_BIND | MS_REC,
         0,
         0,
         NULL,
         true,
         true,
         false,
         false,
         0,
         MOUNT_ATTR_RDONLY},
        {"unknown r-option is data",
         "tmpfs",
         {"rfoo"},
         0,
         0,
         0,
         "rfoo",
         false,
         false,
         false,
         false,
         0,
         0},
};

static struct fc_mount make_mount(const struct plan_case *c)
{
        struct fc_mount m = {0};
        size_t n = 0;

        while (n < 8 && c->options[n])
                n++;
        m.destination = (char *) "/x";
        m.type = (char *) c->type;
        m.options = (char **) c->options;
        m.n_options = n;
        return m;
}

static void test_plans(void)
{
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const struct plan_case *c = &cases[i];
                struct fc_mount m = make_mount(c);
                struct fc_mount_plan p;
                fc_error_t err = FC_ERROR_INIT;

                int r = fc_mount_plan_from_entry(&m, &p, &err);
                ok(r == 0, "%s: parses", c->name);
                if (r < 0) {
                        printf("#   %s\n", err.msg);
                        fc_error_clear(&err);
                        continue;
                }
                ok(p.flags == c->flags, "%s: flags %#lx == %#lx", c->name, p.flags, c->flags);
                ok(p.propagation == c->propagation, "%s: propagation %#lx", c->name, p.propagation);
                ok(p.clear_flags == c->clear_flags, "%s: clear_flags %#lx == %#lx", c->name,
                   p.clear_flags, c->clear_flags);
                is_str(p.data, c->data, "%s: data", c->name);
                ok(p.bind == c->bind && p.recursive == c->recursive, "%s: bind/recursive", c->name);
                ok(p.needs_remount == c->needs_remount, "%s: needs_remount", c->name);
                ok(p.tmpcopyup == c->tmpcopyup, "%s: tmpcopyup", c->name);
                ok(p.attr_set == c->attr_set && p.attr_clr == c->attr_clr,
                   "%s: attr set %#x clr %#x", c->name, p.attr_set, p.attr_clr);
                fc_mount_plan_clear(&p);
                fc_mount_plan_clear(&p);
        }
}

static void test_bad_options(void)
{
        const char *empty[] = {"nosuid", ""};
        struct fc_mount m = {.destination = (char *) "/x", .type = (char *) "tmpfs"};
        struct fc_mount_plan p;
        fc_error_t err = FC_ERROR_INIT;

        m.options = (char **) empty;
        m.n_options = 2;
        ok(fc_mount_plan_from_entry(&m, &p, &err) == -EINVAL, "empty option refused");
        is_str(err.msg, "mount /x: options[1] is empty", "empty option message");
        fc_error_clear(&err);
}

static void test_idmap_options(void)
{
        const char *idmap[] = {"rbind", "idmap"};
        const char *ridmap[] = {"bind", "ridmap"};
        struct fc_id_mapping map = {0, 1000, 1};
        struct fc_mount m = {.destination = (char *) "/x", .type = (char *) "none"};
        struct fc_mount_plan p;
        fc_error_t err = FC_ERROR_INIT;

        m.options = (char **) idmap;
        m.n_options = 2;
        ok(fc_mount_plan_from_entry(&m, &p, &err) == 0, "idmap parsed");
        ok(p.idmap && !p.idmap_recursive && p.bind && p.recursive, "idmap: mapped, not recursive");
        ok(p.data == NULL, "idmap is not passed to mount(2)");
        fc_mount_plan_clear(&p);

        m.options = (char **) ridmap;
        ok(fc_mount_plan_from_entry(&m, &p, &err) == 0, "ridmap parsed");
        ok(p.idmap && p.idmap_recursive && p.bind && !p.recursive, "ridmap: mapped, recursive");
        ok(p.data == NULL, "ridmap is not passed to mount(2)");
        fc_mount_plan_clear(&p);

        m.options = NULL;
        m.n_options = 0;
        m.uid_mappings = &map;
        m.n_uid_mappings = 1;
        ok(fc_mount_plan_from_entry(&m, &p, &err) == 0, "uidMappings parsed");
        ok(p.idmap && !p.idmap_recursive, "uidMappings alone: mapped, not recursive");
        fc_mount_plan_clear(&p);
}

static void test_propagation(void)
{
        static const struct {
                const char *name;
                unsigned long flags;
        } t[] = {
                {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
                {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
                {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
                {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
                {NULL, MS_SLAVE | MS_REC},     {"", MS_SLAVE | MS_REC},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                unsigned long f = 0;
                fc_error_t err = FC_ERROR_INIT;
                ok(fc_mount_propagation_from_name(t[i].name, &f, &err) == 0 && f == t[i].flags,
                   "propagation \"%s\" -> %#lx", t[i].name ? t[i].name : "(null)", t[i].flags);
        }
        unsigned long f = 0;
        fc_error_t err = FC_ERROR_INIT;
        ok(fc_mount_propagation_from_name("rshard", &f, &err) == -EINVAL, "typo refused");
        is_str(err.msg, "rootfsPropagation: unknown propagation \"rshard\"", "typo message");
        fc_error_clear(&err);
}

int main(void)
{
        test_plans();
        test_bad_options();
        test_idmap_options();
        test_propagation();
        return tap_done();
}
