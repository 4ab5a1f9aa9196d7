# fragment: lib/core.mk
