/* SPDX-License-Identifier: Apache-2.0
 *
 * exe-scan DEV INO SECONDS: for SECONDS, keep trying to open /proc/<pid>/exe
 * of every other process in sight (O_PATH, as the CVE-2019-5736 exploit
 * does before reopening it for writing) and stop with "REACHED <pid>" and
 * status 1 when one of them is the file DEV:INO (the runtime's binary on the
 * host).  Status 0 and "clean <n>" (attempts) otherwise.  Built static for
 * cve.bats and run inside a container.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc != 4)
                return 2;
        dev_t dev = (dev_t) strtoull(argv[1], NULL, 10);
        ino_t ino = (ino_t) strtoull(argv[2], NULL, 10);
        time_t end = time(NULL) + strtol(argv[3], NULL, 10);
        pid_t self = getpid();
        unsigned long tries = 0;
        while (time(NULL) < end) {
                DIR *d = opendir("/proc");
                if (d == NULL)
                        return 2;
                struct dirent *e;
                while ((e = readdir(d)) != NULL) {
                        pid_t pid = (pid_t) strtol(e->d_name, NULL, 10);
                        if (pid <= 0 || pid == self)
                                continue;
                        char path[64];
                        snprintf(path, sizeof(path), "/proc/%d/exe", (int) pid);
                        int fd = open(path, O_PATH | O_CLOEXEC);
                        tries++;
                        if (fd < 0)
                                continue;
                        struct stat st;
                        if (fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino) {
                                printf("REACHED %d\n", (int) pid);
                                return 1;
                        }
                        close(fd);
                }
                closedir(d);
        }
        printf("clean %lu\n", tries);
        return 0;
}
