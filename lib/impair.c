/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include "sp_impair.h"
#include "sp_ctx.h"

int
sp_impair_attach(struct sp_stack *st, uint16_t port)
{
	return 0;
}

void
sp_impair_detach(struct sp_stack *st, uint16_t port)
{
}
