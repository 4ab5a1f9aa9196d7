/* SPDX-License-Identifier: Apache-2.0
 * lib/fdpass.c's fc_fdpass_recvv_spin, the polling read of the sync socket
 * between runtime and init, and lib/context.c's fc_spin_step.
 *
 * A non-blocking read of a SEQPACKET socket whose peer has just sent its
 * last message and closed can report the end (0) before that message: the
 * kernel looks at the queue, then at the shutdown.  The init does just
 * that (READY, close, exec), so a poll that trusted the 0 lost READY now
 * and then ("container init exited before reporting").  The race test
 * repeats it many times; the others check that a late message, fds and a
 * real end are read as a blocking read would. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/context.h"
#include "lib/fdpass.h"
#include "tests/unit/tap.h"

#define SPIN (2ULL * 1000000ULL)

static void sleep_us(long us)
{
        struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* A child that waits `delay_us`, sends "ready" (with an fd of /dev/null
 * when with_fd), and exits, closing its end.  Returns its pid. */
static pid_t peer(int sv[2], long delay_us, bool send, bool with_fd)
{
        pid_t pid = fork();
        if (pid == 0) {
                close(sv[0]);
                if (delay_us)
                        sleep_us(delay_us);
                int fd = with_fd ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;
                if (send && fc_fdpass_send(sv[1], "ready", 5, fd) != 5)
                        _exit(2);
                close(sv[1]); /* as the init closes before its exec */
                _exit(0);
        }
        close(sv[1]);
        return pid;
}

struct racer {
        int fd;
        int delay;
};

/* Sends "ready" and closes at once, after a few idle loops. */
static void *race_send(void *arg)
{
        struct racer *r = arg;
        for (volatile int i = 0; i < r->delay * 100; i++)
                ;
        ssize_t n = fc_fdpass_send(r->fd, "ready", 5, -1);
        close(r->fd);
        return n == 5 ? NULL : arg;
}

static bool reaped_ok(pid_t pid)
{
        int st;
        return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
        int sv[2];
        char buf[16];
        int fds[2];
        size_t n_fds;

        /* A message that comes after the polling gave up: read blocking. */
        ok(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
        pid_t pid = peer(sv, 20000, true, true);
        ssize_t n = fc_fdpass_recvv_spin(sv[0], buf, sizeof(buf), fds, 2, &n_fds, 1000000);
        ok(n == 5 && memcmp(buf, "ready", 5) == 0, "a late message is read (n=%zd)", n);
        ok(n_fds == 1 && fcntl(fds[0], F_GETFD) == FD_CLOEXEC,
           "its fd comes along, close-on-exec (%zu fds)", n_fds);
        if (n_fds == 1)
                close(fds[0]);
        ok(reaped_ok(pid), "peer exited");
        n = fc_fdpass_recvv_spin(sv[0], buf, sizeof(buf), fds, 2, &n_fds, SPIN);
        ok(n == 0 && n_fds == 0, "then the end (n=%zd)", n);
        close(sv[0]);

        /* A peer that closes without a word: the end, at once. */
        ok(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
        pid = peer(sv, 0, false, false);
        n = fc_fdpass_recvv_spin(sv[0], buf, sizeof(buf), fds, 2, &n_fds, SPIN);
        ok(n == 0, "a peer gone without a message is the end (n=%zd)", n);
        ok(reaped_ok(pid), "peer exited");
        close(sv[0]);

        /* The race: send and close while we poll (a thread, for many
         * tries).  Without the blocking check of a 0 it lost the message
         * in about one try of 3000 here. */
        int lost = 0, tries = 20000;
        for (int i = 0; i < tries; i++) {
                struct racer r;
                if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                        break;
                r.fd = sv[1];
                r.delay = i % 7;
                pthread_t t;
                if (pthread_create(&t, NULL, race_send, &r) != 0) {
                        close(sv[0]);
                        close(sv[1]);
                        break;
                }
                n = fc_fdpass_recvv_spin(sv[0], buf, sizeof(buf), fds, 2, &n_fds, SPIN);
                if (n != 5)
                        lost++;
                pthread_join(t, NULL);
                close(sv[0]);
        }
        ok(lost == 0, "a message sent just before the close is never lost (%d of %d)", lost, tries);

        /* fc_spin_step: never past its end. */
        ok(!fc_spin_step(fc_now_ns()), "no step once the end has come");
        uint64_t t0 = fc_now_ns(), end = t0 + 3000000;
        unsigned steps = 0;
        while (fc_spin_step(end))
                steps++;
        ok(fc_now_ns() - t0 < 1000000000ULL, "steps stop (%u steps)", steps);
        return tap_done();
}
