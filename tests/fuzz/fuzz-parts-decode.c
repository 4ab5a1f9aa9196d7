/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: one parts-cache datagram (fc_parts_decode), read as
 * a request (what the cache does with a client's bytes) and as a reply
 * (what the runtime does with the cache's).  A message that decodes must
 * describe exactly the bytes that came in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/parts/parts.h"
#include "lib/parts/protocol.h"
#include "tests/fuzz/fuzz.h"

static void one(const uint8_t *data, size_t size, bool truncated, bool reply)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_parts_msg m;
        memset(&m, 0xa5, sizeof(m));
        int r = fc_parts_decode(data, size, truncated, reply, &m, &err);
        fuzz_check_result(r == 0, &err);
        fc_error_clear(&err);
        if (r < 0)
                return;
        const struct fc_parts_header *h = NULL;
        if (truncated || size < sizeof(*h) || size > sizeof(*h) + FC_PARTS_MAX_PAYLOAD)
                fuzz_fail("accepted a datagram of impossible size", NULL, NULL);
        if (m.length != size - sizeof(*h) || (m.length && m.payload != data + sizeof(*h)) ||
            (!m.length && m.payload != NULL))
                fuzz_fail("payload does not match the datagram", NULL, NULL);
        if (!!(m.op & FC_PARTS_OP_REPLY) != reply || m.n_fds != 0 || m.status > 0)
                fuzz_fail("decoded fields out of range", NULL, NULL);
        if (m.op == (FC_PARTS_OP_LEASE | FC_PARTS_OP_REPLY) && m.status == 0) {
                struct fc_parts_lease_reply rep;
                memcpy(&rep, m.payload, sizeof(rep));
                if (rep.n_fds != fc_parts_kind_count(rep.granted) || rep.n_fds > FC_PARTS_MAX_FDS)
                        fuzz_fail("lease reply with a wrong fd count", NULL, NULL);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        one(data, size, false, false);
        one(data, size, false, true);
        one(data, size, true, true);
        return 0;
}
