# fragment: tests/unit/process.mk
check_PROGRAMS += tests/unit/process_plan_test tests/unit/process_user_test \
	tests/unit/process_apply_test tests/unit/seccomp_filter_test
TESTS += tests/unit/process_plan_test tests/unit/process_user_test \
	tests/unit/process_apply_test tests/unit/seccomp_filter_test
tests_unit_process_plan_test_SOURCES = tests/unit/process_plan_test.c
tests_unit_process_plan_test_LDADD = $(FC_LIBS)
tests_unit_process_user_test_SOURCES = tests/unit/process_user_test.c
tests_unit_process_user_test_LDADD = $(FC_LIBS)
tests_unit_process_apply_test_SOURCES = tests/unit/process_apply_test.c
tests_unit_process_apply_test_LDADD = $(FC_LIBS)
tests_unit_seccomp_filter_test_SOURCES = tests/unit/seccomp_filter_test.c
tests_unit_seccomp_filter_test_LDADD = $(FC_LIBS)
check_PROGRAMS += tests/unit/seccomp_notify_test
TESTS += tests/unit/seccomp_notify_test
tests_unit_seccomp_notify_test_SOURCES = tests/unit/seccomp_notify_test.c
tests_unit_seccomp_notify_test_LDADD = $(FC_LIBS)
