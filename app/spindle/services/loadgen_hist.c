/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loadgen's latency histograms (loadgen.h): log-linear buckets in TSC cycles, the shape of
 * HdrHistogram with 4 significant bits, so memory is fixed whatever the number of samples.
 */
#include "loadgen.h"

unsigned
lg_hist_idx(uint64_t v)
{
	unsigned msb;

	if (v < LG_HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	return (msb - LG_HIST_SUB_BITS + 1u) * LG_HIST_SUB +
	       (unsigned)((v >> (msb - LG_HIST_SUB_BITS)) & (LG_HIST_SUB - 1u));
}

/* Middle of bucket @p idx. */
static uint64_t
hist_mid(unsigned idx)
{
	unsigned grp, sub, shift;

	if (idx < LG_HIST_SUB)
		return idx;
	grp = idx / LG_HIST_SUB;
	sub = idx % LG_HIST_SUB;
	shift = grp - 1u;
	return ((uint64_t)(LG_HIST_SUB + sub) << shift) + ((1ull << shift) >> 1);
}

void
lg_hist_add(struct lg_hist *h, uint64_t v)
{
	h->b[lg_hist_idx(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

uint64_t
lg_hist_quantile(const struct lg_hist *h, double q)
{
	uint64_t want, cum = 0, mid;
	unsigned i;

	if (h->n == 0)
		return 0;
	want = (uint64_t)(q * (double)h->n + 0.999999);
	if (want == 0)
		want = 1;
	if (want >= h->n)
		return h->max; /* the largest sample is known exactly */
	for (i = 0; i < LG_HIST_N; i++) {
		cum += h->b[i];
		if (cum >= want) {
			mid = hist_mid(i);
			return mid < h->max ? mid : h->max;
		}
	}
	return h->max;
}
