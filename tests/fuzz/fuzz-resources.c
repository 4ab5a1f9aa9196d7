/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: the resources JSON that `update -r` reads
 * (fc_resources_parse).
 */
#include <stdint.h>
#include <stdlib.h>

#include "oci-spec/resources.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_resources *r = fc_resources_parse((const char *) data, size, &err);
        fuzz_check_result(r != NULL, &err);
        fc_resources_free(r);
        fc_error_clear(&err);
        return 0;
}
