# fragment: tests/unit/process.mk
