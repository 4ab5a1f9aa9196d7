# Unit tests: one program per module, TAP output, exit status counts.
EXTRA_DIST += tests/unit/tap.h
include tests/unit/oci.mk
include tests/unit/cgroup.mk
include tests/unit/mount.mk
include tests/unit/idmap.mk
include tests/unit/process.mk
include tests/unit/core.mk
include tests/unit/parts.mk
