/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include "service.h"

static int
start(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, void **state)
{
	return -ENOTSUP;
}

const struct sp_service_ops sp_service_loadgen = {
	.type = "loadgen",
	.start = start,
};
