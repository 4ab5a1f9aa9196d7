/* SPDX-License-Identifier: Apache-2.0 */
#include "oci-spec/resources.h"
#include "oci-spec/json.h"

#include <errno.h>
#include <stdlib.h>

struct fc_resources *fc_resources_parse(const char *json, size_t len, fc_error_t *err)
{
        yajl_val tree = fc_json_parse_tree(json, len, err);
        if (tree == NULL)
                return NULL;
        struct jp p;
        jp_init(&p, err);
        struct fc_resources *res = NULL;
        if (!YAJL_IS_OBJECT(tree)) {
                fc_error_set(err, -EINVAL, "expected a JSON object at the top level");
        } else if ((res = calloc(1, sizeof(*res))) == NULL) {
                fc_error_set(err, -ENOMEM, "out of memory");
        } else if (fc_linux_resources_parse(&p, tree, res) < 0) {
                fc_linux_resources_free(res);
                res = NULL;
        }
        yajl_tree_free(tree);
        return res;
}

void fc_resources_free(struct fc_resources *r)
{
        fc_linux_resources_free(r);
}
