/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter names and sums. */
#include <string.h>

#include "sp_ctx.h"
#include "sp_stats.h"
#include "spindle.h"

#define SP_STATS_NAME(name, help) #name,
#define SP_STATS_HELP(name, help) help,

const char *const sp_stats_names[] = {SP_ALL_STATS(SP_STATS_NAME)};
const char *const sp_stats_help[] = {SP_ALL_STATS(SP_STATS_HELP)};
const unsigned sp_stats_n = RTE_DIM(sp_stats_names);

void
sp_stats_add(struct sp_stats *dst, const struct sp_stats *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	unsigned i;

	for (i = 0; i < sp_stats_n; i++)
		d[i] += s[i];
}

void
sp_stats_sum(const struct sp_stack *st, int port, struct sp_stats *out)
{
	unsigned w;
	uint16_t p;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < st->n_workers; w++) {
		const struct sp_ctx *ctx = st->workers[w];

		if (ctx == NULL)
			continue;
		for (p = 0; p < st->n_ports; p++)
			if (port < 0 || port == p)
				sp_stats_add(out, &ctx->stats[p]);
	}
}

const struct sp_stats *
sp_stats_ctx(const struct sp_ctx *ctx, uint16_t port)
{
	return port < SP_MAX_PORTS ? &ctx->stats[port] : NULL;
}
