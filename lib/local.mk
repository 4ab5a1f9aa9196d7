# lib/: the runtime library (internal, static).  Each area keeps its own
# fragment so parallel work does not collide.
libflashcube_a_SOURCES += \
	lib/cleanup.h lib/error.h lib/sys.h

include lib/cgroup/local.mk
include lib/mount.mk
include lib/idmap.mk
include lib/process.mk
include lib/core.mk
include lib/parts.mk
