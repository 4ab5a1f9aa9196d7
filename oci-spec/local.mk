libflashcube_a_SOURCES += oci-spec/error.h oci-spec/error.c oci-spec/config.h oci-spec/state.h \
	oci-spec/json.h oci-spec/json.c oci-spec/config.c oci-spec/config-linux.c \
	oci-spec/state.c oci-spec/spec.c \
	oci-spec/resources.h oci-spec/resources.c oci-spec/events.h oci-spec/events.c
