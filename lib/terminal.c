/* SPDX-License-Identifier: Apache-2.0 */
#include "lib/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fdpass.h"

int fc_terminal_connect(const char *path, fc_error_t *err)
{
        struct sockaddr_un addr;
        memset(&addr, 0, sizeof(addr));
        addr.sun_family = AF_UNIX;
        if (strlen(path) >= sizeof(addr.sun_path))
                return fc_error_set(err, -ENAMETOOLONG, "console socket path too long: %s", path);
        memcpy(addr.sun_path, path, strlen(path) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return fc_error_setm(err, -errno, "console socket");
        if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
                int e = -errno;
                close(fd);
                return fc_error_setm(err, e, "connect to console socket %s", path);
        }
        return fd;
}

/* The pty pair from the container's devpts, the slave as stdio and
 * controlling terminal of a new session, the master sent over socket_fd.
 * The init also binds the slave on /dev/console; an exec'd process must
 * not touch the container's /dev/console. */
static int setup_pty(const struct fc_process *p, int socket_fd, bool bind_console, fc_error_t *err)
{
        cleanup_close int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return fc_error_setm(err, -errno, "open /dev/ptmx in the container");
        if (unlockpt(master) < 0)
                return fc_error_setm(err, -errno, "unlockpt");
        char name[64];
        /* The error is the return value (musl leaves errno alone). */
        int perr = ptsname_r(master, name, sizeof(name));
        if (perr != 0)
                return fc_error_set(err, -perr, "ptsname: %s", strerror(perr));
        cleanup_close int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return fc_error_setm(err, -errno, "open %s", name);
        if (p->has_console_size) {
                struct winsize ws = {.ws_row = (unsigned short) p->console_size.height,
                                     .ws_col = (unsigned short) p->console_size.width};
                if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
                        return fc_error_setm(err, -errno, "set console size");
        }
        if (bind_console) {
                /* As runc: the pty belongs to the process's user (exec does
                 * the same for its own pty). */
                if (fchown(slave, p->user.uid, (gid_t) -1) < 0)
                        return fc_error_setm(err, -errno, "chown %s to uid %u", name, p->user.uid);
                /* /dev/console is the pty, as runc makes it: an empty file
                 * in the container's /dev with the slave bound on it. */
                int cfd = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (cfd >= 0)
                        close(cfd);
                if (cfd < 0 && errno != EEXIST)
                        return fc_error_setm(err, -errno, "create /dev/console");
                if (mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
                        return fc_error_setm(err, -errno, "bind %s on /dev/console", name);
        }
        if (setsid() < 0)
                return fc_error_setm(err, -errno, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return fc_error_setm(err, -errno, "make %s the controlling terminal", name);
        for (int i = 0; i < 3; i++)
                if (dup2(slave, i) < 0)
                        return fc_error_setm(err, -errno, "dup2 terminal to fd %d", i);
        /* runc names the message after the master, "/dev/ptmx". */
        static const char name_of_master[] = "/dev/ptmx";
        ssize_t r = fc_fdpass_send(socket_fd, name_of_master, strlen(name_of_master), master);
        if (r < 0)
                return fc_error_setm(err, (int) r, "send the terminal over the console socket");
        return 0;
}

int fc_terminal_setup_in_init(const struct fc_process *p, int socket_fd, fc_error_t *err)
{
        return setup_pty(p, socket_fd, true, err);
}

int fc_terminal_setup_in_exec(const struct fc_process *p, int socket_fd, fc_error_t *err)
{
        return setup_pty(p, socket_fd, false, err);
}

int fc_terminal_recv_master(int socket_fd, fc_error_t *err)
{
        char data[256];
        int fd = -1;
        ssize_t n = fc_fdpass_recv(socket_fd, data, sizeof(data), &fd);
        if (n < 0)
                return fc_error_setm(err, (int) n, "receive the terminal");
        if (fd < 0)
                return fc_error_set(err, -EPROTO, "no terminal received from the container");
        return fd;
}

struct fc_terminal_relay {
        int master;
        bool stdin_open;
        bool raw;
        struct termios saved;
};

struct fc_terminal_relay *fc_terminal_relay_new(int master_fd, fc_error_t *err)
{
        struct fc_terminal_relay *r = calloc(1, sizeof(*r));
        if (r == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        r->master = master_fd;
        r->stdin_open = true;
        if (isatty(0) && tcgetattr(0, &r->saved) == 0) {
                struct termios raw = r->saved;
                cfmakeraw(&raw);
                if (tcsetattr(0, TCSANOW, &raw) == 0)
                        r->raw = true;
        }
        fc_terminal_relay_resize(r);
        return r;
}

void fc_terminal_relay_resize(struct fc_terminal_relay *r)
{
        struct winsize ws;
        if (isatty(0) && ioctl(0, TIOCGWINSZ, &ws) == 0)
                ioctl(r->master, TIOCSWINSZ, &ws);
}

int fc_terminal_relay_fds(const struct fc_terminal_relay *r, int *ret_fds, short *ret_events,
                          int max)
{
        int n = 0;
        if (max < 2)
                return 0;
        ret_fds[n] = r->master;
        ret_events[n++] = POLLIN;
        ret_fds[n] = r->stdin_open ? 0 : -1;
        ret_events[n++] = POLLIN;
        return n;
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd p = {.fd = fd, .events = POLLOUT};
                                poll(&p, 1, 100);
                                continue;
                        }
                        return -errno;
                }
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

int fc_terminal_relay_step(struct fc_terminal_relay *r, const short *revents)
{
        char buf[16384];
        if (revents[0] & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = read(r->master, buf, sizeof(buf));
                if (n > 0)
                        write_all(1, buf, (size_t) n);
                else if (n == 0 || (errno != EINTR && errno != EAGAIN))
                        return 0; /* EIO: every slave fd is closed */
        }
        if (r->stdin_open && (revents[1] & (POLLIN | POLLHUP | POLLERR))) {
                ssize_t n = read(0, buf, sizeof(buf));
                if (n > 0) {
                        write_all(r->master, buf, (size_t) n);
                } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                        /* Our stdin ended: pass EOF on as the terminal would. */
                        r->stdin_open = false;
                        char eof = 4;
                        write_all(r->master, &eof, 1);
                }
        }
        return 1;
}

void fc_terminal_relay_drain(struct fc_terminal_relay *r)
{
        /* Until the master reports every slave closed (at once, when the
         * process was the last one holding the pty), or, while others still
         * hold it, until 50 ms pass with nothing to copy. */
        for (;;) {
                struct pollfd p = {.fd = r->master, .events = POLLIN};
                int pr = poll(&p, 1, 50);
                if (pr < 0 && errno == EINTR)
                        continue;
                if (pr <= 0)
                        return;
                const short rev[2] = {p.revents, 0};
                if (fc_terminal_relay_step(r, rev) == 0)
                        return;
        }
}

void fc_terminal_relay_free(struct fc_terminal_relay *r)
{
        if (r == NULL)
                return;
        if (r->raw)
                tcsetattr(0, TCSANOW, &r->saved);
        free(r);
}
