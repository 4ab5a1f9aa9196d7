libflashcube_a_SOURCES += oci-spec/error.h oci-spec/error.c oci-spec/config.h oci-spec/state.h
