/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The context accessors of sp_stack.h for programs that run the built-in services without
 * libspindle (test_services, svc_kernel_shim): they fill a struct sp_ctx of their own (the
 * internal layout, sp_ctx.h) with a clock and an mbuf pool, and the services read it through
 * the same calls as on the real stack.
 */
#include "sp_ctx.h"

uint64_t
sp_ctx_now(const struct sp_ctx *ctx)
{
	return ctx->now;
}

uint64_t
sp_ctx_hz(const struct sp_ctx *ctx)
{
	return ctx->hz;
}

unsigned
sp_ctx_lcore(const struct sp_ctx *ctx)
{
	return ctx->lcore_id;
}

unsigned
sp_ctx_worker(const struct sp_ctx *ctx)
{
	return ctx->worker;
}

/* No stack object behind a fake context: one worker. */
unsigned
sp_ctx_n_workers(const struct sp_ctx *ctx)
{
	return ctx->stack != NULL ? ctx->stack->n_workers : 1;
}
