# fragment: lib/parts.mk (parts cache: protocol, client, server, pools)
libflashcube_a_SOURCES += lib/parts/parts.h
