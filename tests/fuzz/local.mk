# fragment: tests/fuzz/local.mk
# libFuzzer harnesses for every parser that reads untrusted bytes.  Not part of the normal
# build or `make check` (they need clang's libFuzzer): `make fuzz` builds them into
# tests/fuzz/ of the build tree; tests/fuzz/run.sh runs them over tests/fuzz/corpus.
FUZZ_CC = clang
FUZZ_CFLAGS = -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CPPFLAGS = -I$(top_srcdir) -I$(top_builddir) -include $(top_builddir)/config.h $(YAJL_CFLAGS)
FUZZ_OCI_SRC = $(top_srcdir)/oci-spec/error.c $(top_srcdir)/oci-spec/json.c \
	$(top_srcdir)/oci-spec/config.c $(top_srcdir)/oci-spec/config-linux.c \
	$(top_srcdir)/oci-spec/state.c $(top_srcdir)/oci-spec/resources.c
FUZZ_PARTS_SRC = $(top_srcdir)/oci-spec/error.c $(top_srcdir)/lib/parts/protocol.c
FUZZ_DEPS = $(top_srcdir)/tests/fuzz/fuzz.h $(FUZZ_OCI_SRC) $(FUZZ_PARTS_SRC)
FUZZ_BUILD = $(MKDIR_P) tests/fuzz && $(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) -o $@
FUZZ_TARGETS = tests/fuzz/fuzz-config tests/fuzz/fuzz-process tests/fuzz/fuzz-state \
	tests/fuzz/fuzz-resources tests/fuzz/fuzz-parts-decode tests/fuzz/fuzz-parts-recv

fuzz: $(FUZZ_TARGETS)
.PHONY: fuzz

tests/fuzz/fuzz-config: $(top_srcdir)/tests/fuzz/fuzz-config.c $(FUZZ_DEPS)
	$(FUZZ_BUILD) $(top_srcdir)/tests/fuzz/fuzz-config.c $(FUZZ_OCI_SRC) $(YAJL_LIBS)
tests/fuzz/fuzz-process: $(top_srcdir)/tests/fuzz/fuzz-process.c $(FUZZ_DEPS)
	$(FUZZ_BUILD) $(top_srcdir)/tests/fuzz/fuzz-process.c $(FUZZ_OCI_SRC) $(YAJL_LIBS)
tests/fuzz/fuzz-state: $(top_srcdir)/tests/fuzz/fuzz-state.c $(FUZZ_DEPS)
	$(FUZZ_BUILD) $(top_srcdir)/tests/fuzz/fuzz-state.c $(FUZZ_OCI_SRC) $(YAJL_LIBS)
tests/fuzz/fuzz-resources: $(top_srcdir)/tests/fuzz/fuzz-resources.c $(FUZZ_DEPS)
	$(FUZZ_BUILD) $(top_srcdir)/tests/fuzz/fuzz-resources.c $(FUZZ_OCI_SRC) $(YAJL_LIBS)
tests/fuzz/fuzz-parts-decode: $(top_srcdir)/tests/fuzz/fuzz-parts-decode.c $(FUZZ_DEPS)
	$(FUZZ_BUILD) $(top_srcdir)/tests/fuzz/fuzz-parts-decode.c $(FUZZ_PARTS_SRC)
tests/fuzz/fuzz-parts-recv: $(top_srcdir)/tests/fuzz/fuzz-parts-recv.c $(FUZZ_DEPS)
	$(FUZZ_BUILD) $(top_srcdir)/tests/fuzz/fuzz-parts-recv.c $(FUZZ_PARTS_SRC)

CLEANFILES = $(FUZZ_TARGETS)
EXTRA_DIST += tests/fuzz/README tests/fuzz/fuzz.h tests/fuzz/run.sh tests/fuzz/make-seeds.sh \
	tests/fuzz/fuzz-config.c tests/fuzz/fuzz-process.c tests/fuzz/fuzz-state.c \
	tests/fuzz/fuzz-resources.c tests/fuzz/fuzz-parts-decode.c tests/fuzz/fuzz-parts-recv.c \
	tests/fuzz/corpus
