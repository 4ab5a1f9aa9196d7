/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FC_ERROR_H
#define FC_ERROR_H
#include "oci-spec/error.h"
#endif
