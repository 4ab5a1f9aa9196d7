# fragment: tests/unit/cgroup.mk
check_PROGRAMS += tests/unit/cgroup_path_test tests/unit/cgroup_bpf_test \
	tests/unit/cgroup_root_test
TESTS += tests/unit/cgroup_path_test tests/unit/cgroup_bpf_test tests/unit/cgroup_root_test
tests_unit_cgroup_path_test_SOURCES = tests/unit/cgroup_path_test.c
tests_unit_cgroup_path_test_LDADD = $(FC_LIBS)
tests_unit_cgroup_bpf_test_SOURCES = tests/unit/cgroup_bpf_test.c
tests_unit_cgroup_bpf_test_LDADD = $(FC_LIBS)
tests_unit_cgroup_root_test_SOURCES = tests/unit/cgroup_root_test.c
tests_unit_cgroup_root_test_LDADD = $(FC_LIBS)
check_PROGRAMS += tests/unit/cgroup_resources_test
TESTS += tests/unit/cgroup_resources_test
tests_unit_cgroup_resources_test_SOURCES = tests/unit/cgroup_resources_test.c
tests_unit_cgroup_resources_test_LDADD = $(FC_LIBS)
check_PROGRAMS += tests/unit/cgroup_update_test
TESTS += tests/unit/cgroup_update_test
tests_unit_cgroup_update_test_SOURCES = tests/unit/cgroup_update_test.c
tests_unit_cgroup_update_test_LDADD = $(FC_LIBS)
