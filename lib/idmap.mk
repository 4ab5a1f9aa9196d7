# fragment: lib/idmap.mk
# Id-mapped bind mounts (mount_setattr(MOUNT_ATTR_IDMAP)).
libflashcube_a_SOURCES += lib/idmap.h lib/idmap.c
