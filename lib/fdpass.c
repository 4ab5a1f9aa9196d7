/* SPDX-License-Identifier: Apache-2.0 */
#include "lib/fdpass.h"

#include <errno.h>
#include <stdint.h>
#include "lib/context.h"
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

ssize_t fc_fdpass_sendv(int sock, const void *data, size_t len, const int *fds, size_t nfds)
{
        struct iovec iov = {.iov_base = (void *) data, .iov_len = len};
        union {
                char buf[CMSG_SPACE(sizeof(int) * FC_FDPASS_MAX)];
                struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof(u));
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (nfds > FC_FDPASS_MAX)
                return -EINVAL;
        if (nfds > 0) {
                msg.msg_control = u.buf;
                msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
        }
        for (;;) {
                ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
                if (n >= 0)
                        return n;
                if (errno != EINTR)
                        return -errno;
        }
}

ssize_t fc_fdpass_send(int sock, const void *data, size_t len, int fd)
{
        return fc_fdpass_sendv(sock, data, len, &fd, fd >= 0 ? 1 : 0);
}

ssize_t fc_fdpass_recvv(int sock, void *buf, size_t len, int *fds, size_t max, size_t *ret_n)
{
        return fc_fdpass_recvv_spin(sock, buf, len, fds, max, ret_n, 0);
}

ssize_t fc_fdpass_recvv_spin(int sock, void *buf, size_t len, int *fds, size_t max, size_t *ret_n,
                             uint64_t spin_ns)
{
        *ret_n = 0;
        struct iovec iov = {.iov_base = buf, .iov_len = len};
        union {
                char buf[CMSG_SPACE(sizeof(int) * FC_FDPASS_MAX)];
                struct cmsghdr align;
        } u;
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        ssize_t n = -1;
        if (spin_ns > 0) {
                uint64_t end = fc_now_ns() + spin_ns;
                while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0 &&
                       (errno == EAGAIN || errno == EINTR) && fc_spin_step(end))
                        ;
                /* A non-blocking read of a SEQPACKET socket whose peer sent
                 * its last message and closed can report the end before
                 * that message: the kernel looks at the queue, then at the
                 * shutdown.  Only a blocking read tells the end for sure. */
                if (n == 0)
                        n = -1;
        }
        if (n < 0)
                while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
                        ;
        if (n < 0)
                return -errno;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < nfds; i++) {
                        int x;
                        memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (*ret_n < max)
                                fds[(*ret_n)++] = x;
                        else
                                close(x);
                }
        }
        return n;
}

ssize_t fc_fdpass_recv(int sock, void *buf, size_t len, int *ret_fd)
{
        size_t n_fds;
        *ret_fd = -1;
        return fc_fdpass_recvv(sock, buf, len, ret_fd, 1, &n_fds);
}
