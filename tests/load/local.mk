# fragment: tests/load/local.mk
# Faults and load: the fault-injection and load bats files (run by tests/integration/run.sh, the
# failpoint kills need a build configured with --enable-failpoints) and the soak script.
EXTRA_DIST += \
	tests/integration/faults.bats \
	tests/integration/load.bats \
	tests/load/soak.sh
