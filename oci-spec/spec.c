/* SPDX-License-Identifier: Apache-2.0
 *
 * Generated documents: the default config.json (`spec`) and the OCI
 * features document (`features`).
 */
#include "oci-spec/state.h"
#include "oci-spec/json.h"

#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

#define FC_OCI_VERSION     "1.2.0"
#define FC_OCI_VERSION_MIN "1.0.0"

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                           NULL};

static void gen_mount(yajl_gen g, const char *dest, const char *type, const char *src,
                      const char *const *opts)
{
        yajl_gen_map_open(g);
        gen_kstr(g, "destination", dest);
        gen_kstr(g, "type", type);
        gen_kstr(g, "source", src);
        if (opts)
                gen_kstrv(g, "options", opts);
        yajl_gen_map_close(g);
}

static void gen_idmap(yajl_gen g, const char *key, unsigned host_id)
{
        gen_str(g, key);
        yajl_gen_array_open(g);
        yajl_gen_map_open(g);
        gen_kint(g, "containerID", 0);
        gen_kint(g, "hostID", host_id);
        gen_kint(g, "size", 1);
        yajl_gen_map_close(g);
        yajl_gen_array_close(g);
}

static void gen_default_process(yajl_gen g)
{
        static const char *const args[] = {"sh", NULL};
        static const char *const env[] = {
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
                NULL};
        gen_str(g, "process");
        yajl_gen_map_open(g);
        gen_kbool(g, "terminal", true);
        gen_str(g, "user");
        yajl_gen_map_open(g);
        gen_kint(g, "uid", 0);
        gen_kint(g, "gid", 0);
        yajl_gen_map_close(g);
        gen_kstrv(g, "args", args);
        gen_kstrv(g, "env", env);
        gen_kstr(g, "cwd", "/");
        gen_str(g, "capabilities");
        yajl_gen_map_open(g);
        gen_kstrv(g, "bounding", default_caps);
        gen_kstrv(g, "effective", default_caps);
        gen_kstrv(g, "permitted", default_caps);
        gen_kstrv(g, "ambient", default_caps);
        yajl_gen_map_close(g);
        gen_str(g, "rlimits");
        yajl_gen_array_open(g);
        yajl_gen_map_open(g);
        gen_kstr(g, "type", "RLIMIT_NOFILE");
        gen_kint(g, "hard", 1024);
        gen_kint(g, "soft", 1024);
        yajl_gen_map_close(g);
        yajl_gen_array_close(g);
        gen_kbool(g, "noNewPrivileges", true);
        yajl_gen_map_close(g);
}

/* Without a user namespace's mapping of gid 5 and without the right to
 * mount sysfs, the rootless variant drops `gid=5` and bind-mounts /sys. */
static void gen_default_mounts(yajl_gen g, bool rootless)
{
        static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
        static const char *const pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                          "mode=0620", "gid=5",  NULL};
        static const char *const shm[] = {"nosuid",    "noexec",      "nodev",
                                          "mode=1777", "size=65536k", NULL};
        static const char *const mq[] = {"nosuid", "noexec", "nodev", NULL};
        static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
        static const char *const sys_rootless[] = {"rbind", "nosuid", "noexec",
                                                   "nodev", "ro",     NULL};
        static const char *const cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
        static const char *const pts_rootless[] = {"nosuid",        "noexec",    "newinstance",
                                                   "ptmxmode=0666", "mode=0620", NULL};
        gen_str(g, "mounts");
        yajl_gen_array_open(g);
        gen_mount(g, "/proc", "proc", "proc", NULL);
        gen_mount(g, "/dev", "tmpfs", "tmpfs", dev);
        gen_mount(g, "/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts);
        gen_mount(g, "/dev/shm", "tmpfs", "shm", shm);
        gen_mount(g, "/dev/mqueue", "mqueue", "mqueue", mq);
        if (rootless)
                gen_mount(g, "/sys", "none", "/sys", sys_rootless);
        else
                gen_mount(g, "/sys", "sysfs", "sysfs", sys);
        gen_mount(g, "/sys/fs/cgroup", "cgroup", "cgroup", cg);
        yajl_gen_array_close(g);
}

static void gen_default_linux(yajl_gen g, bool rootless)
{
        static const char *const masked[] = {"/proc/acpi",
                                             "/proc/asound",
                                             "/proc/kcore",
                                             "/proc/keys",
                                             "/proc/latency_stats",
                                             "/proc/timer_list",
                                             "/proc/timer_stats",
                                             "/proc/sched_debug",
                                             "/sys/firmware",
                                             "/proc/scsi",
                                             NULL};
        static const char *const readonly[] = {
                "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
        gen_str(g, "linux");
        yajl_gen_map_open(g);
        if (rootless) {
                gen_idmap(g, "uidMappings", geteuid());
                gen_idmap(g, "gidMappings", getegid());
        } else {
                /* Deny all devices; runc then allows its default set. */
                gen_str(g, "resources");
                yajl_gen_map_open(g);
                gen_str(g, "devices");
                yajl_gen_array_open(g);
                yajl_gen_map_open(g);
                gen_kbool(g, "allow", false);
                gen_kstr(g, "access", "rwm");
                yajl_gen_map_close(g);
                yajl_gen_array_close(g);
                yajl_gen_map_close(g);
        }
        gen_str(g, "namespaces");
        yajl_gen_array_open(g);
        const char *ns[] = {"pid", "network", "ipc", "uts", "mount", "user"};
        for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
                /* Rootless: no new network namespace (no way to configure it
                 * unprivileged), but a user namespace for the mappings. */
                if ((rootless && i == 1) || (!rootless && i == 5))
                        continue;
                yajl_gen_map_open(g);
                gen_kstr(g, "type", ns[i]);
                yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        gen_kstrv(g, "maskedPaths", masked);
        gen_kstrv(g, "readonlyPaths", readonly);
        yajl_gen_map_close(g);
}

char *fc_spec_default_json(bool rootless, fc_error_t *err)
{
        /* Tabs, as `runc spec` indents config.json. */
        yajl_gen g = gen_begin("\t");
        if (g != NULL) {
                yajl_gen_map_open(g);
                gen_kstr(g, "ociVersion", FC_OCI_VERSION);
                gen_default_process(g);
                gen_str(g, "root");
                yajl_gen_map_open(g);
                gen_kstr(g, "path", "rootfs");
                gen_kbool(g, "readonly", true);
                yajl_gen_map_close(g);
                gen_kstr(g, "hostname", "runc");
                gen_default_mounts(g, rootless);
                gen_default_linux(g, rootless);
                yajl_gen_map_close(g);
        }
        return gen_end(g, err);
}

static const char *const feature_mount_options[] = {
        "acl",
        "async",
        "atime",
        "bind",
        "defaults",
        "dev",
        "diratime",
        "dirsync",
        "exec",
        "idmap",
        "iversion",
        "lazytime",
        "loud",
        "mand",
        "noacl",
        "noatime",
        "nodev",
        "nodiratime",
        "noexec",
        "noiversion",
        "nolazytime",
        "nomand",
        "norelatime",
        "nostrictatime",
        "nosuid",
        "nosymfollow",
        "private",
        "ratime",
        "rbind",
        "rdev",
        "rdiratime",
        "relatime",
        "remount",
        "rexec",
        "ridmap",
        "rnoatime",
        "rnodev",
        "rnodiratime",
        "rnoexec",
        "rnorelatime",
        "rnostrictatime",
        "rnosuid",
        "rnosymfollow",
        "ro",
        "rprivate",
        "rrelatime",
        "rro",
        "rrw",
        "rshared",
        "rslave",
        "rstrictatime",
        "rsuid",
        "rsymfollow",
        "runbindable",
        "rw",
        "shared",
        "silent",
        "slave",
        "strictatime",
        "suid",
        "symfollow",
        "sync",
        "tmpcopyup",
        "unbindable",
        NULL,
};

static const char *const feature_caps[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
        NULL,
};

static const char *const feature_actions[] = {
        "SCMP_ACT_ALLOW",       "SCMP_ACT_ERRNO",
        "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
        "SCMP_ACT_NOTIFY",      "SCMP_ACT_TRACE",
        "SCMP_ACT_TRAP",        NULL,
};

static const char *const feature_ops[] = {
        "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
        "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL,
};

static const char *const feature_archs[] = {
        "SCMP_ARCH_AARCH64",  "SCMP_ARCH_ARM",         "SCMP_ARCH_MIPS",
        "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_RISCV64",
        "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",       "SCMP_ARCH_X32",
        "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      NULL,
};

static const char *const feature_seccomp_flags[] = {
        "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_TSYNC",
        NULL,
};

static void gen_enabled(yajl_gen g, const char *key, bool enabled)
{
        gen_str(g, key);
        yajl_gen_map_open(g);
        gen_kbool(g, "enabled", enabled);
        yajl_gen_map_close(g);
}

char *fc_features_json(fc_error_t *err)
{
        static const char *const hooks[] = {"prestart",
                                            "createRuntime",
                                            "createContainer",
                                            "startContainer",
                                            "poststart",
                                            "poststop",
                                            NULL};
        static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network", "pid",
                                                 "time",   "user", "uts",   NULL};
        yajl_gen g = gen_begin("    ");
        if (g == NULL)
                return gen_end(g, err);
        yajl_gen_map_open(g);
        gen_kstr(g, "ociVersionMin", FC_OCI_VERSION_MIN);
        gen_kstr(g, "ociVersionMax", FC_OCI_VERSION);
        gen_kstrv(g, "hooks", hooks);
        gen_kstrv(g, "mountOptions", feature_mount_options);
        gen_str(g, "linux");
        yajl_gen_map_open(g);
        gen_kstrv(g, "namespaces", namespaces);
        gen_kstrv(g, "capabilities", feature_caps);
        gen_str(g, "cgroup");
        yajl_gen_map_open(g);
        gen_kbool(g, "v1", true);
        gen_kbool(g, "v2", true);
        gen_kbool(g, "systemd", false);
        gen_kbool(g, "systemdUser", false);
        gen_kbool(g, "rdma", false);
        yajl_gen_map_close(g);
        gen_str(g, "seccomp");
        yajl_gen_map_open(g);
        gen_kbool(g, "enabled", true);
        gen_kstrv(g, "actions", feature_actions);
        gen_kstrv(g, "operators", feature_ops);
        gen_kstrv(g, "archs", feature_archs);
        gen_kstrv(g, "knownFlags", feature_seccomp_flags);
        gen_kstrv(g, "supportedFlags", feature_seccomp_flags);
        yajl_gen_map_close(g);
        gen_enabled(g, "apparmor", false);
        gen_enabled(g, "selinux", false);
        gen_enabled(g, "intelRdt", false);
        /* runtime-spec features-linux.md: id-mapped mounts (lib/idmap.c). */
        gen_str(g, "mountExtensions");
        yajl_gen_map_open(g);
        gen_enabled(g, "idmap", true);
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
        gen_str(g, "annotations");
        yajl_gen_map_open(g);
        char ver[64];
        snprintf(ver, sizeof(ver), "%d.%d.%d", SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
        gen_kstr(g, "io.github.seccomp.libseccomp.version", ver);
        gen_kstr(g, "org.flashcube.version", PACKAGE_VERSION);
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
        return gen_end(g, err);
}
