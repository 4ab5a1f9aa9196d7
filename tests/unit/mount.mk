# fragment: tests/unit/mount.mk
