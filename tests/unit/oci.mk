# fragment: tests/unit/oci.mk
