/* SPDX-License-Identifier: Apache-2.0
 * fc_seccomp_notify_send(): what an agent listening on the socket receives
 * (the document and the fd in the first message), and the errors when
 * nobody listens.  Any fd stands in for the notify fd. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/seccomp-notify.h"
#include "tests/unit/tap.h"

static char dirpath[] = "/tmp/fc-scmp-notify-XXXXXX";

static int listen_at(const char *path)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(a.sun_path))
                return -1;
        memcpy(a.sun_path, path, strlen(path) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof(a)) < 0 || listen(fd, 4) < 0)
                return -1;
        return fd;
}

/* One recvmsg, as a minimal agent would do it. */
static ssize_t recv_doc(int conn, char *buf, size_t size, int *ret_fd)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * 4)];
        } control;
        struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = control.buf,
                             .msg_controllen = sizeof(control.buf)};
        ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        *ret_fd = -1;
        if (n < 0)
                return -1;
        buf[n] = '\0';
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        }
        return n;
}

static void test_send(void)
{
        char path[128];
        snprintf(path, sizeof(path), "%s/agent.sock", dirpath);
        int lfd = listen_at(path);
        ok(lfd >= 0, "agent socket listening");

        /* A memfd with known content, so the received fd can be told apart. */
        int mfd = memfd_create("fake-notify-fd", MFD_CLOEXEC);
        ok(mfd >= 0 && write(mfd, "marker", 6) == 6, "stand-in fd");

        struct fc_state st = {.oci_version = "1.2.0",
                              .id = "c1",
                              .status = "creating",
                              .pid = 4242,
                              .bundle = "/b"};
        fc_error_t err = FC_ERROR_INIT;
        /* The listen backlog accepts the connection before accept(). */
        int r = fc_seccomp_notify_send(path, "meta data", mfd, &st, &err);
        ok(r == 0 && err.status == 0, "sent");

        int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        char buf[4096];
        int got = -1;
        ssize_t n = conn >= 0 ? recv_doc(conn, buf, sizeof(buf), &got) : -1;
        is_str(n > 0 ? buf : NULL,
               "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":4242,"
               "\"metadata\":\"meta data\",\"state\":{\"ociVersion\":\"1.2.0\",\"id\":\"c1\","
               "\"status\":\"creating\",\"pid\":4242,\"bundle\":\"/b\"}}",
               "agent got the container process state in one message");
        char marker[8] = "";
        ok(got >= 0 && pread(got, marker, 6, 0) == 6 && memcmp(marker, "marker", 6) == 0,
           "agent got the fd with it");
        char extra;
        ok(conn >= 0 && read(conn, &extra, 1) == 0, "runtime closed the connection");
        if (got >= 0)
                close(got);
        if (conn >= 0)
                close(conn);
        close(lfd);
        unlink(path);

        r = fc_seccomp_notify_send(path, NULL, mfd, &st, &err);
        ok(r == -ENOENT, "no agent: ENOENT");
        char want[256];
        snprintf(want, sizeof(want),
                 "connect to the seccomp agent at %s: No such file or directory", path);
        is_str(err.msg, want, "no agent: message names the path");
        fc_error_clear(&err);

        r = fc_seccomp_notify_send(NULL, NULL, mfd, &st, &err);
        ok(r == -EINVAL && strcmp(err.msg, "linux.seccomp.listenerPath is not set") == 0,
           "no listener path");
        fc_error_clear(&err);

        char longpath[200];
        memset(longpath, 'a', sizeof(longpath) - 1);
        longpath[0] = '/';
        longpath[sizeof(longpath) - 1] = '\0';
        r = fc_seccomp_notify_send(longpath, NULL, mfd, &st, &err);
        ok(r == -ENAMETOOLONG, "path longer than sun_path refused");
        fc_error_clear(&err);

        r = fc_seccomp_notify_send(path, NULL, -1, &st, &err);
        ok(r == -EBADF, "no fd refused");
        fc_error_clear(&err);
        close(mfd);
}

int main(void)
{
        if (mkdtemp(dirpath) == NULL)
                return 1;
        test_send();
        rmdir(dirpath);
        return tap_done();
}
