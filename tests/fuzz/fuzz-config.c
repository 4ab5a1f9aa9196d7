/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: config.json (fc_config_parse).  Any input must be
 * parsed or refused with an error message, never crash, leak or hang; a
 * refusal must set exactly one error and a success none.
 */
#include <stdint.h>
#include <stdlib.h>

#include "oci-spec/config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        fc_error_t err = FC_ERROR_INIT;
        struct fc_config *c = fc_config_parse((const char *) data, size, &err);
        fuzz_check_result(c != NULL, &err);
        fc_config_free(c);
        fc_error_clear(&err);
        return 0;
}
