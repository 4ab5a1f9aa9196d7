# fragment: lib/parts.mk (parts cache: protocol, client, server, pools)
libflashcube_a_SOURCES += lib/parts/parts.h lib/parts/protocol.h lib/parts/protocol.c \
	lib/parts/cache.h lib/parts/client.c lib/parts/config.c lib/parts/pool.h \
	lib/parts/pool.c lib/parts/server.c lib/parts/cgpool.h lib/parts/cgpool.c lib/parts/devpool.h lib/parts/devpool.c \
	lib/parts/treejob.h lib/parts/treejob.c \
	lib/parts/shelf.h lib/parts/shelf.c
