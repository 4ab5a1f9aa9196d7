# fragment: tests/unit/parts.mk
check_PROGRAMS += tests/unit/parts_protocol_test
TESTS += tests/unit/parts_protocol_test
tests_unit_parts_protocol_test_SOURCES = tests/unit/parts_protocol_test.c
tests_unit_parts_protocol_test_LDADD = $(FC_LIBS)
