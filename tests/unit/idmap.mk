# fragment: tests/unit/idmap.mk
# idmap_plan_test runs as any user.
check_PROGRAMS += tests/unit/idmap_plan_test
TESTS += tests/unit/idmap_plan_test
tests_unit_idmap_plan_test_SOURCES = tests/unit/idmap_plan_test.c
tests_unit_idmap_plan_test_LDADD = $(FC_LIBS)
