# fragment: lib/process.mk
# Per-process settings applied by the container's init before execve().
libflashcube_a_SOURCES += \
	lib/process.h lib/process.c lib/user.c \
	lib/seccomp.h lib/seccomp.c \
	lib/seccomp-notify.h lib/seccomp-notify.c
