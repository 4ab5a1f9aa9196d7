# fragment: tests/unit/core.mk
check_PROGRAMS += tests/unit/exec_plan_test
TESTS += tests/unit/exec_plan_test
tests_unit_exec_plan_test_SOURCES = tests/unit/exec_plan_test.c
tests_unit_exec_plan_test_LDADD = $(FC_LIBS)
check_PROGRAMS += tests/unit/heap_test
TESTS += tests/unit/heap_test
tests_unit_heap_test_SOURCES = tests/unit/heap_test.c
if FC_OWN_MALLOC
tests_unit_heap_test_SOURCES += lib/heap-malloc.c
endif
tests_unit_heap_test_LDADD = $(FC_LIBS)
check_PROGRAMS += tests/unit/clock_test
TESTS += tests/unit/clock_test
tests_unit_clock_test_SOURCES = tests/unit/clock_test.c
# Linked as the binary is (statically where it can be): a dynamic loader
# reads the vDSO at start-up.
tests_unit_clock_test_LDADD = libflashcube.a $(BIN_LIBS)
tests_unit_clock_test_LDFLAGS = $(BIN_LDFLAGS)
check_PROGRAMS += tests/unit/signal_parse_test
TESTS += tests/unit/signal_parse_test
tests_unit_signal_parse_test_SOURCES = tests/unit/signal_parse_test.c
tests_unit_signal_parse_test_LDADD = $(FC_LIBS)
check_PROGRAMS += tests/unit/asprintf_test
TESTS += tests/unit/asprintf_test
tests_unit_asprintf_test_SOURCES = tests/unit/asprintf_test.c
if FC_OWN_MALLOC
tests_unit_asprintf_test_SOURCES += lib/heap-malloc.c lib/asprintf-musl.c
endif
tests_unit_asprintf_test_LDADD = $(FC_LIBS)
check_PROGRAMS += tests/unit/open_test
TESTS += tests/unit/open_test
tests_unit_open_test_SOURCES = tests/unit/open_test.c
if FC_OWN_MALLOC
tests_unit_open_test_SOURCES += lib/heap-malloc.c lib/open-musl.c
endif
tests_unit_open_test_LDADD = $(FC_LIBS)
check_PROGRAMS += tests/unit/spawn_test
TESTS += tests/unit/spawn_test
tests_unit_spawn_test_SOURCES = tests/unit/spawn_test.c
tests_unit_spawn_test_LDADD = $(FC_LIBS)
check_PROGRAMS += tests/unit/fdpass_spin_test
TESTS += tests/unit/fdpass_spin_test
tests_unit_fdpass_spin_test_SOURCES = tests/unit/fdpass_spin_test.c
tests_unit_fdpass_spin_test_LDADD = $(FC_LIBS)
