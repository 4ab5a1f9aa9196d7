# lib/ core: context, state dir, hooks, namespaces, spawn, init, lifecycle.
libflashcube_a_SOURCES += \
	lib/context.h lib/context.c \
	lib/status.h lib/status.c \
	lib/hooks.h lib/hooks.c \
	lib/namespace.h lib/namespace.c \
	lib/spawn.h lib/spawn.c \
	lib/init.h lib/init.c \
	lib/container.h lib/container-internal.h lib/container-create.c lib/container.c \
	lib/spec.h lib/spec.c \
	lib/exec.h lib/exec.c \
	lib/terminal.h lib/terminal.c \
	lib/fdpass.h lib/fdpass.c \
	lib/heap.h lib/heap.c \
	lib/rootfs.h lib/process.h lib/seccomp.h
