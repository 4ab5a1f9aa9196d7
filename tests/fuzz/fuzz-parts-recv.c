/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: fc_parts_recv on a real SOCK_SEQPACKET pair.  The
 * first input byte says how many fds (0-7, beyond the protocol's 3) ride
 * along as SCM_RIGHTS and whether a request or a reply is expected; the
 * rest is the datagram.  Whatever happens, no received fd may stay open
 * unless the decoded message owns it: a hostile peer must not be able to
 * make the cache or the runtime keep fds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/parts/protocol.h"
#include "tests/fuzz/fuzz.h"

#define MAX_SEND_FDS 7

static int pair[2] = {-1, -1};
static int null_fd = -1;

static void setup(void)
{
        if (pair[0] >= 0)
                return;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                fuzz_fail("socketpair", NULL, NULL);
        int sz = 1 << 20;
        setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0)
                fuzz_fail("open /dev/null", NULL, NULL);
}

/* The lowest fd number not in use: received fds take the lowest free
 * numbers from there, so after the test every number above it that was
 * free (libFuzzer keeps some fds of its own) must be free again. */
static int lowest_free(void)
{
        int fd = fcntl(null_fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
                fuzz_fail("dup", NULL, NULL);
        close(fd);
        return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1 || size > 2 * (sizeof(struct fc_parts_header) + FC_PARTS_MAX_PAYLOAD))
                return 0;
        setup();
        unsigned n_fds = data[0] & 7;
        bool reply = data[0] & 8;
        data++;
        size--;
        int base = lowest_free();
        bool was_open[MAX_SEND_FDS + 1];
        for (int i = 0; i <= MAX_SEND_FDS; i++)
                was_open[i] = fcntl(base + i, F_GETFD) >= 0;

        union {
                char b[CMSG_SPACE(sizeof(int) * MAX_SEND_FDS)];
                struct cmsghdr align;
        } cbuf;
        struct iovec iov = {.iov_base = (void *) data, .iov_len = size};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (n_fds) {
                int fds[MAX_SEND_FDS];
                for (unsigned i = 0; i < n_fds; i++)
                        fds[i] = null_fd;
                memset(&cbuf, 0, sizeof(cbuf));
                msg.msg_control = cbuf.b;
                msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        if (sendmsg(pair[0], &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                return 0;

        char buf[sizeof(struct fc_parts_header) + FC_PARTS_MAX_PAYLOAD];
        struct fc_parts_msg m;
        fc_error_t err = FC_ERROR_INIT;
        int r = fc_parts_recv(pair[1], buf, sizeof(buf), reply, &m, &err);
        if (r == -EAGAIN || r == -ECONNRESET) {
                if (err.msg != NULL)
                        fuzz_fail("quiet result with an error set", NULL, &err);
        } else {
                fuzz_check_result(r == 0, &err);
        }
        fc_error_clear(&err);
        if (r == 0) {
                if (m.n_fds > fc_parts_max_fds(m.op) || m.n_fds != n_fds)
                        fuzz_fail("message keeps a wrong number of fds", NULL, NULL);
                fc_parts_msg_close_fds(&m);
        }
        /* Drain whatever a failed receive left queued. */
        char drain[16];
        while (recv(pair[1], drain, sizeof(drain), MSG_DONTWAIT) > 0)
                ;
        for (int i = 0; i <= MAX_SEND_FDS; i++)
                if (!was_open[i] && fcntl(base + i, F_GETFD) >= 0)
                        fuzz_fail("a received fd stayed open", NULL, NULL);
        return 0;
}
