# Helpers for the cgroup resource tests (cgroups-resources, update, pause, ps, events).  Loaded
# after helpers.bash.  The container's cgroup is $FC_CG_PARENT/c1; everything under
# $FC_CG_PARENT is removed in teardown (the runtime removes only the container's own cgroup).

# cg_is_v2: the host runs a pure cgroup v2 hierarchy (hybrid hosts count as v1, as runc).
cg_is_v2() {
        [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]
}

# cg_setup: cgroupsPath under a per-test parent carrying the suite prefix (leakcheck).
cg_setup() {
        FC_CG_PARENT="/fct-cg-${FC_ID#fct-}"
        FC_CG_PATH="$FC_CG_PARENT/c1"
        update_config '.linux.cgroupsPath = $p' --arg p "$FC_CG_PATH"
        on_teardown "cg_remove_tree '$FC_CG_PARENT'"
}

cg_remove_tree() {
        local h
        if cg_is_v2; then
                [ -d "/sys/fs/cgroup${1}" ] &&
                        find "/sys/fs/cgroup${1}" -depth -type d -exec rmdir {} \; 2>/dev/null
                return 0
        fi
        for h in /sys/fs/cgroup/*/; do
                [ -d "$h${1#/}" ] || continue
                find "$h${1#/}" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        return 0
}

# cg_mount CONTROLLER: where the controller's files are (v1: its hierarchy's mount, v2: the
# unified mount).  Empty when the controller is not mounted.
cg_mount() {
        if cg_is_v2; then
                echo /sys/fs/cgroup
                return 0
        fi
        awk -v c="$1" '$9 == "cgroup" { n = split($NF, o, ","); for (i = 1; i <= n; i++)
                if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo
}

# cg_file CONTROLLER FILE: the path of FILE in the container's cgroup.
cg_file() {
        echo "$(cg_mount "$1")$FC_CG_PATH/$2"
}

# cg_read CONTROLLER FILE: its content (first line).
cg_read() {
        head -n1 "$(cg_file "$1" "$2")"
}

# requires_controller NAME: skip visibly when the host lacks the controller (v1: no mounted
# hierarchy; v2: not in the root's cgroup.controllers).
requires_controller() {
        if cg_is_v2; then
                grep -qw "$1" /sys/fs/cgroup/cgroup.controllers ||
                        skip "host lacks the cgroup v2 controller $1"
        else
                [ -n "$(cg_mount "$1")" ] || skip "host lacks the cgroup v1 controller $1"
        fi
}

requires_v1() {
        cg_is_v2 && skip "cgroup v1 only (host is cgroup v2)"
        return 0
}

requires_v2() {
        cg_is_v2 || skip "cgroup v2 only (host is cgroup v1/hybrid)"
}

# cg_block_dev: MAJ:MIN of a real block device of the host (for blkio/io limits).
cg_block_dev() {
        local d
        for d in /sys/block/*; do
                [ -e "$d/dev" ] || continue
                case ${d##*/} in loop* | ram* | zram* | dm-* | sr*) continue ;; esac
                cat "$d/dev"
                return 0
        done
        return 1
}
