/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: the process.json of `exec --process`
 * (fc_process_parse).
 */
#include <stdint.h>
#include <stdlib.h>

#include "oci-spec/config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_process *p = fc_process_parse((const char *) data, size, &err);
        fuzz_check_result(p != NULL, &err);
        fc_process_free(p);
        fc_error_clear(&err);
        return 0;
}
