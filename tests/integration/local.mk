# fragment: tests/integration/local.mk
