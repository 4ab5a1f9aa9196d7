/* SPDX-License-Identifier: Apache-2.0 */
#include "lib/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "oci-spec/state.h"

int fc_spec_write(const char *bundle, bool rootless, fc_error_t *err)
{
        cleanup_close int dfd = open(bundle ? bundle : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return fc_error_setm(err, -errno, "chdir %s", bundle ? bundle : ".");
        cleanup_free char *json = fc_spec_default_json(rootless, err);
        if (json == NULL)
                return err->status ? err->status : -ENOMEM;
        cleanup_close int fd =
                openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0) {
                if (errno == EEXIST)
                        return fc_error_set(err, -EEXIST,
                                            "File config.json exists. Remove it first");
                return fc_error_setm(err, -errno, "create config.json");
        }
        size_t len = strlen(json), off = 0;
        while (off < len) {
                ssize_t n = write(fd, json + off, len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return fc_error_setm(err, -errno, "write config.json");
                off += (size_t) n;
        }
        return 0;
}
