# fragment: tests/unit/oci.mk
OCI_CORPUS_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR=\"$(abs_top_srcdir)/tests/unit/corpus\"

check_PROGRAMS += tests/unit/oci_config_test tests/unit/oci_state_test
TESTS += tests/unit/oci_config_test tests/unit/oci_state_test
tests_unit_oci_config_test_SOURCES = tests/unit/oci_config_test.c
tests_unit_oci_config_test_CPPFLAGS = $(OCI_CORPUS_CPPFLAGS)
tests_unit_oci_config_test_LDADD = $(FC_LIBS)
tests_unit_oci_state_test_SOURCES = tests/unit/oci_state_test.c
tests_unit_oci_state_test_CPPFLAGS = $(OCI_CORPUS_CPPFLAGS)
tests_unit_oci_state_test_LDADD = $(FC_LIBS)

EXTRA_DIST += tests/unit/corpus
