flashcube_SOURCES += cmd/main.c
