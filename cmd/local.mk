# cmd/: the flashcube binary, one file per command.
flashcube_SOURCES += cmd/cmd.h cmd/main.c cmd/common.c cmd/log.c cmd/create.h cmd/create.c \
	cmd/start.c cmd/state.c cmd/kill.c cmd/delete.c cmd/list.c cmd/spec.c cmd/exec.c \
	cmd/update.c cmd/pause.c cmd/ps.c cmd/events.c
flashcube_SOURCES += cmd/cache.c
