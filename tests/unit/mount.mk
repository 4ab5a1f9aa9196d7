# fragment: tests/unit/mount.mk
# mount_plan_test and mount_target_test run as any user; mount_rootfs_test
# needs root (it skips with 77 otherwise) and works in its own mount
# namespace.
check_PROGRAMS += tests/unit/mount_plan_test tests/unit/mount_target_test \
	tests/unit/mount_rootfs_test
TESTS += tests/unit/mount_plan_test tests/unit/mount_target_test \
	tests/unit/mount_rootfs_test
tests_unit_mount_plan_test_SOURCES = tests/unit/mount_plan_test.c
tests_unit_mount_plan_test_LDADD = $(FC_LIBS)
tests_unit_mount_target_test_SOURCES = tests/unit/mount_target_test.c
tests_unit_mount_target_test_LDADD = $(FC_LIBS)
tests_unit_mount_rootfs_test_SOURCES = tests/unit/mount_rootfs_test.c
tests_unit_mount_rootfs_test_LDADD = $(FC_LIBS)
