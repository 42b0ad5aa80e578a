/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a program reads from its opaque context (sp_stack.h): the clock, the lcore and worker,
 * the loop accounting. Field reads only, nothing else linked in: the services' test harnesses
 * (test_services, svc_kernel_shim), which run the services on a context of their own without
 * libspindle, compile this file too.
 */
#include "sp_ctx.h"

void
sp_ctx_account(struct sp_ctx *ctx, uint64_t cycles, uint64_t pkts)
{
	if (pkts != 0) {
		ctx->busy_cycles += cycles;
		ctx->busy_pkts += pkts;
	} else {
		ctx->idle_cycles += cycles;
	}
}

void
sp_ctx_get_load(const struct sp_ctx *ctx, struct sp_ctx_load *load)
{
	load->busy_cycles = ctx->busy_cycles;
	load->busy_pkts = ctx->busy_pkts;
	load->idle_cycles = ctx->idle_cycles;
}

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

unsigned
sp_ctx_n_workers(const struct sp_ctx *ctx)
{
	/* The services' test harnesses run them on a context with no stack behind it. */
	return ctx->stack != NULL ? ctx->stack->n_workers : 1;
}
