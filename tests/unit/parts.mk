# fragment: tests/unit/parts.mk
