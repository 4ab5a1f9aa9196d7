/* SPDX-License-Identifier: Apache-2.0
 *
 * ipc-dirty: leave one object of every IPC kind behind in the caller's IPC
 * namespace (a SysV shared memory segment, semaphore set and message queue
 * holding a message, and a POSIX message queue holding a message).  The
 * isolation tests (isolation.bats) run it in a "dirty" container and then
 * check that no later container sees any of them.  Busybox has no ipcmk,
 * so the tests build this with `gcc -static` and copy it into the rootfs.
 *
 * Every object outlives this process: that is the point.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

/* Keys and names the tests look for ("FC" in the high bytes). */
#define KEY_SHM 0x46430001
#define KEY_SEM 0x46430002
#define KEY_MSG 0x46430003
#define MQ_NAME "/fct-dirty"

static int failed(const char *what)
{
        fprintf(stderr, "ipc-dirty: %s: %s\n", what, strerror(errno));
        return 1;
}

int main(void)
{
        int shm = shmget(KEY_SHM, 4096, IPC_CREAT | IPC_EXCL | 0600);
        if (shm < 0)
                return failed("shmget");
        char *mem = shmat(shm, NULL, 0);
        if (mem == (void *) -1)
                return failed("shmat");
        memcpy(mem, "dirty", 6);
        shmdt(mem);

        int sem = semget(KEY_SEM, 3, IPC_CREAT | IPC_EXCL | 0600);
        if (sem < 0)
                return failed("semget");
        if (semctl(sem, 1, SETVAL, 7) < 0)
                return failed("semctl SETVAL");

        int msq = msgget(KEY_MSG, IPC_CREAT | IPC_EXCL | 0600);
        if (msq < 0)
                return failed("msgget");
        struct {
                long type;
                char text[8];
        } msg = {.type = 1, .text = "dirty"};
        if (msgsnd(msq, &msg, sizeof(msg.text), IPC_NOWAIT) < 0)
                return failed("msgsnd");

        mqd_t mq = mq_open(MQ_NAME, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600, NULL);
        if (mq == (mqd_t) -1)
                return failed("mq_open " MQ_NAME);
        if (mq_send(mq, "dirty", 5, 0) < 0)
                return failed("mq_send");
        mq_close(mq);

        printf("ipc-dirty: shm %d sem %d msg %d mq %s\n", shm, sem, msq, MQ_NAME);
        return 0;
}
