# fragment: lib/process.mk
