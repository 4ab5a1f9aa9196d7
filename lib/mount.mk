# fragment: lib/mount.mk
