# fragment: tests/integration/local.mk
# The integration suite needs root and real containers, so it is not part of `make check`:
# run it with tests/integration/run.sh (FC_RUNTIME=/usr/sbin/runc validates it against runc).
EXTRA_DIST += \
	tests/integration/cache.bats \
	tests/integration/cgroup-helpers.bash \
	tests/integration/cgroups-resources.bats \
	tests/integration/cgroups.bats \
	tests/integration/cli.bats \
	tests/integration/console-recv.py \
	tests/integration/cve.bats \
	tests/integration/differential.bats \
	tests/integration/errors.bats \
	tests/integration/events.bats \
	tests/integration/exe-scan.c \
	tests/integration/exec.bats \
	tests/integration/hardening.bats \
	tests/integration/helpers.bash \
	tests/integration/hooks.bats \
	tests/integration/hostile.bats \
	tests/integration/idmap.bats \
	tests/integration/ipc-dirty.c \
	tests/integration/isolation.bats \
	tests/integration/kill.bats \
	tests/integration/labels.bats \
	tests/integration/leakcheck.sh \
	tests/integration/lifecycle.bats \
	tests/integration/list.bats \
	tests/integration/make-rootfs.sh \
	tests/integration/namespaces.bats \
	tests/integration/old-cache.py \
	tests/integration/pause.bats \
	tests/integration/process.bats \
	tests/integration/ps.bats \
	tests/integration/rootfs.bats \
	tests/integration/run.sh \
	tests/integration/seccomp-agent.py \
	tests/integration/seccomp-profile.py \
	tests/integration/seccomp.bats \
	tests/integration/spec.bats \
	tests/integration/state.bats \
	tests/integration/terminal.bats \
	tests/integration/update.bats \
	tests/integration/userns.bats
