# fragment: lib/cgroup/local.mk
libflashcube_a_SOURCES += \
	lib/cgroup/cgroup.h \
	lib/cgroup/cgroup-internal.h \
	lib/cgroup/cgroup.c \
	lib/cgroup/cgroup-devices.c \
	lib/cgroup/cgroup-devices-v2.c \
	lib/cgroup/cgroup-resources.c \
	lib/cgroup/cgroup-mounts.c \
	lib/cgroup/cgroup-v1.c \
	lib/cgroup/cgroup-v2.c \
	lib/cgroup/cgroup-stats.c
# The cgroup-only lifecycle commands (update, pause, resume, ps, events).
libflashcube_a_SOURCES += lib/container-cgroup.h lib/container-cgroup.c
