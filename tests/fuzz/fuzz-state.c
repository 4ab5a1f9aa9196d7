/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: flashcube's state.json (fc_state_parse).  A state
 * file that parses must also survive the way back: what fc_state_to_json
 * writes for it must parse again to the same id, status and pid, since
 * every command after `create` rereads it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-spec/state.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_state *s = fc_state_parse((const char *) data, size, &err);
        fuzz_check_result(s != NULL, &err);
        fc_error_clear(&err);
        if (s == NULL)
                return 0;
        char *json = fc_state_to_json(s, &err);
        fuzz_check_result(json != NULL, &err);
        fc_error_clear(&err);
        if (json != NULL) {
                struct fc_state *back = fc_state_parse(json, strlen(json), &err);
                if (back == NULL || strcmp(back->id, s->id) != 0 ||
                    strcmp(back->status, s->status) != 0 || back->pid != s->pid)
                        fuzz_fail("state does not round-trip", json, &err);
                fc_state_free(back);
                fc_error_clear(&err);
        }
        char *oci = fc_state_to_oci_json(s, true, &err);
        fuzz_check_result(oci != NULL, &err);
        fc_error_clear(&err);
        free(oci);
        free(json);
        fc_state_free(s);
        return 0;
}
