# fragment: tests/unit/cgroup.mk
