# fragment: lib/mount.mk
# The container's filesystem: mount plans, rootfs setup, pivot_root, /dev.
libflashcube_a_SOURCES += \
	lib/rootfs.h lib/rootfs.c lib/mount.c \
	lib/devices.h lib/devices.c
