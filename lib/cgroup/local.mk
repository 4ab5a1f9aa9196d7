libflashcube_a_SOURCES += lib/cgroup/cgroup.h
