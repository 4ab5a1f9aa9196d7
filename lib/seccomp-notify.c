/* SPDX-License-Identifier: Apache-2.0
 *
 * The runtime's side of the seccomp agent protocol (runtime-spec
 * config-linux.md, "listenerPath" and "The Container Process State").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fdpass.h"
#include "lib/seccomp-notify.h"
#include "lib/seccomp.h"
#include "lib/spawn.h"

static int connect_agent(const char *path, fc_error_t *err)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        size_t len = strlen(path);
        if (len == 0)
                return fc_error_set(err, -EINVAL, "linux.seccomp.listenerPath is not set");
        if (len >= sizeof(addr.sun_path))
                return fc_error_set(err, -ENAMETOOLONG,
                                    "seccomp agent socket %s: path too long for a Unix socket",
                                    path);
        memcpy(addr.sun_path, path, len + 1);
        cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return fc_error_setm(err, -errno, "create a socket for the seccomp agent");
        int r;
        do
                r = connect(fd, (struct sockaddr *) &addr, sizeof(addr));
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return fc_error_setm(err, -errno, "connect to the seccomp agent at %s", path);
        return steal_fd(&fd);
}

/* The fd travels with the first byte of the document.  The spec allows
 * the rest to follow in further sends (fds only in the first), which
 * matters only if the agent's receive buffer is smaller than the document. */
static int send_with_fd(int sock, const char *buf, size_t len, int fd)
{
        ssize_t n = fc_fdpass_send(sock, buf, len, fd);
        if (n < 0)
                return (int) n;
        size_t done = (size_t) n;
        while (done < len) {
                n = send(sock, buf + done, len - done, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                done += (size_t) n;
        }
        return 0;
}

int fc_seccomp_notify_send(const char *listener_path, const char *metadata, int notify_fd,
                           const struct fc_state *st, fc_error_t *err)
{
        return fc_seccomp_notify_send_pid(listener_path, metadata, notify_fd, st, 0, err);
}

int fc_seccomp_notify_send_pid(const char *listener_path, const char *metadata, int notify_fd,
                               const struct fc_state *st, int pid, fc_error_t *err)
{
        if (listener_path == NULL)
                return fc_error_set(err, -EINVAL, "linux.seccomp.listenerPath is not set");
        if (notify_fd < 0)
                return fc_error_set(err, -EBADF, "no seccomp notify fd to send to %s",
                                    listener_path);
        cleanup_free char *doc = fc_container_process_state_json(st, pid, metadata, err);
        if (doc == NULL)
                return fc_error_wrap(err, "seccomp agent %s", listener_path);
        cleanup_close int sock = connect_agent(listener_path, err);
        if (sock < 0)
                return sock;
        int r = send_with_fd(sock, doc, strlen(doc), notify_fd);
        if (r < 0)
                return fc_error_setm(err, r, "send the seccomp notify fd to the agent at %s",
                                     listener_path);
        return 0;
}

int fc_seccomp_notify_relay(int sync_fd, int notify_fd, const struct fc_seccomp *sc,
                            const struct fc_state *st, int pid, fc_error_t *err)
{
        int r;
        if (notify_fd < 0)
                r = fc_error_set(err, -EPROTO, "seccomp notify message without an fd");
        else if (sc == NULL || sc->listener_path == NULL || sc->listener_path[0] == '\0')
                r = fc_error_set(err, -EINVAL,
                                 "linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY");
        else
                r = fc_seccomp_notify_send_pid(sc->listener_path, sc->listener_metadata, notify_fd,
                                               st, pid, err);
        if (notify_fd >= 0)
                close(notify_fd);
        if (r < 0)
                return r;
        r = fc_sync_send(sync_fd, FC_SYNC_SECCOMP_DONE, 0, NULL);
        return r < 0 ? fc_error_setm(err, r, "signal the container process") : 0;
}

int fc_seccomp_load_notify(int sync_fd, struct fc_seccomp_filter *filter, fc_error_t *err)
{
        int notify_fd = -1;
        int r = fc_seccomp_load(filter, &notify_fd, err);
        if (r < 0 || notify_fd < 0)
                return r;
        r = fc_sync_send_fd(sync_fd, FC_SYNC_SECCOMP_FD, 0, NULL, notify_fd);
        close(notify_fd);
        if (r < 0)
                return fc_error_setm(err, r, "send the seccomp notify fd to the runtime");
        struct fc_sync_msg m;
        r = fc_sync_recv(sync_fd, &m, err);
        if (r < 0)
                return r;
        if (m.type != FC_SYNC_SECCOMP_DONE)
                return fc_error_set(err, -EPROTO, "unexpected message %u from runtime", m.type);
        return 0;
}
