# fragment: tests/unit/core.mk
