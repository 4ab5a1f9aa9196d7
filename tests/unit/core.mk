# fragment: tests/unit/core.mk
check_PROGRAMS += tests/unit/exec_plan_test
TESTS += tests/unit/exec_plan_test
tests_unit_exec_plan_test_SOURCES = tests/unit/exec_plan_test.c
tests_unit_exec_plan_test_LDADD = $(FC_LIBS)
