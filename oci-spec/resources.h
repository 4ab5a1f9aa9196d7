/* SPDX-License-Identifier: Apache-2.0
 *
 * `update --resources FILE|-`: a LinuxResources JSON object on its own,
 * parsed by the same code as config.json's linux.resources (errors name
 * the path relative to the object, e.g. "memory.limit: ...").
 */
#ifndef FC_OCI_RESOURCES_H
#define FC_OCI_RESOURCES_H

#include <stddef.h>

#include "oci-spec/config.h"
#include "oci-spec/error.h"

/* Returns a calloc'd struct (release with fc_resources_free()) or NULL
 * with *err filled (-EINVAL and the JSON path on invalid input). */
struct fc_resources *fc_resources_parse(const char *json, size_t len, fc_error_t *err);

/* Accepts NULL. */
void fc_resources_free(struct fc_resources *r);

#endif
