/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive offloads (docs/tcp.md "Offloads"): which of TSO and LRO to ask of a PMD, and software
 * GRO, which merges in-order data segments of one connection within an RX burst before TCP
 * input processes them.
 *
 * Why not DPDK's rte_gro: it merges only segments whose flags are exactly ACK (not the PSH a
 * Linux sender sets on the last segment of each write), requires identical options (TSval
 * included), needs the PMD's packet types (net_tap and net_af_packet set none) and checksums
 * verified before the merge, and says nothing of how many segments it merged, which the ACK
 * clock needs. Here the merge runs after the checksum and the connection lookup TCP does anyway,
 * chains the mbufs without copying, and counts the segments so that the ACK that follows is
 * the one N segments would have earned (RFC 9293 3.8.6.3, RFC 5681 4.2: at least every second
 * full-sized segment is acknowledged, so a sender's window grows as before).
 *
 * Never merged (RFC 9293 3.10.7.4 steps that must see each segment): SYN, FIN, RST, URG, ECE
 * or CWR; a segment with no data or with SACK blocks; one that is not the next in sequence of
 * what is held (reordering, a hole, a duplicate); a first segment that is not at RCV.NXT (an
 * out-of-order one is acknowledged at once, per segment); different options other than a
 * TSval not older than the held one (RFC 7323: the merge keeps the first TSval, the one an
 * acknowledgement of these segments echoes, 4.3); a different SEG.ACK.
 */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_tcp.h>

#include "tcp.h"

/* ---- which offloads to ask for ---- */

/*
 * PMDs where TSO measurably helps (tcp.tso = auto), from the figures in docs/tcp.md "Offloads".
 * net_tap segments in software (rte_gso) and still writes one frame per piece, yet a download to
 * a kernel peer ran about 20 % faster with it in each of four alternated rounds: the stack builds
 * one header and one clone chain per 64 KB instead of per MSS. net_af_packet, net_memif and
 * net_af_xdp offer no TSO in 22.11.
 */
static const char *const tso_helps[] = {"net_tap", NULL};

static bool
driver_in(const char *const *list, const char *driver)
{
	unsigned i;

	for (i = 0; driver != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], driver) == 0)
			return true;
	return false;
}

void
sp_stack_tcp_offloads(const struct sp_config *cfg, const char *driver, uint64_t rx_capa,
	uint64_t tx_capa, uint64_t *rx, uint64_t *tx)
{
	const struct sp_tcp_cfg *tc = &cfg->tcp;

	*rx = 0;
	*tx = 0;
	if (tc->tso == SP_OFFLOAD_ON ||
		(tc->tso == SP_OFFLOAD_AUTO && driver_in(tso_helps, driver)))
		*tx |= tx_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO;
	/* LRO merges what a router must forward as it came. */
	if (tc->gro != SP_OFFLOAD_OFF && !cfg->stack.forwarding)
		*rx |= rx_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO;
}

bool
sp_tcp_sw_gro_wanted(const struct sp_config *cfg, const char *driver, bool lro)
{
	RTE_SET_USED(driver);
	return cfg->tcp.gro != SP_OFFLOAD_OFF && !lro;
}

/* ---- software GRO ---- */

#define GRO_NEVER                                                                    \
	(RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_URG_FLAG | \
		RTE_TCP_ECE_FLAG | RTE_TCP_CWR_FLAG)

/*
 * Same options (raw bytes, @p len each), but for the TSval of a timestamps option, where @p b's
 * may be newer than or equal to @p a's (never older: PAWS judges the merge by the first).
 */
static bool
opts_same(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned i = 0;

	while (i < len) {
		unsigned olen;

		if (a[i] != b[i])
			return false;
		if (a[i] == 0 || a[i] == 1) { /* EOL (the rest is compared as padding), NOP */
			i++;
			continue;
		}
		if (i + 1 >= len || a[i + 1] < 2 || i + a[i + 1] > len || a[i + 1] != b[i + 1])
			return false;
		olen = a[i + 1];
		if (a[i] == 8 && olen == 10) {
			uint32_t ta, tb;

			memcpy(&ta, a + i + 2, 4);
			memcpy(&tb, b + i + 2, 4);
			if ((int32_t)(rte_be_to_cpu_32(tb) - rte_be_to_cpu_32(ta)) < 0 ||
				memcmp(a + i + 6, b + i + 6, 4) != 0)
				return false;
		} else if (memcmp(a + i, b + i, olen) != 0) {
			return false;
		}
		i += olen;
	}
	return true;
}

static void
flow_flush(struct sp_ctx *ctx, unsigned idx)
{
	struct sp_tcp_gro *g = &ctx->tcp->gro;
	struct sp_tcp_gro_flow f = g->f[idx];
	struct sp_conn *c = f.c;

	g->f[idx] = g->f[--g->n];
	if (f.nsegs > 1)
		TCP_STAT(c, tcp_gro_flushes);
	c->busy--;
	if (c->freed) {
		rte_pktmbuf_free(f.m);
		sp_tcp_conn_put(c);
		return;
	}
	sp_tcp_conn_input(c, f.m, &f.ip, &f.th, f.plen, f.nsegs);
}

void
sp_tcp_gro_flush(struct sp_ctx *ctx)
{
	struct sp_tcp_gro *g;

	if (ctx->tcp == NULL)
		return;
	g = &ctx->tcp->gro;
	/* In arrival order of the first segments: entries move only by the swap of a flush. */
	while (g->n > 0)
		flow_flush(ctx, 0);
}

static int
flow_find(const struct sp_tcp_gro *g, const struct sp_conn *c)
{
	unsigned i;

	for (i = 0; i < g->n; i++)
		if (g->f[i].c == c)
			return (int)i;
	return -1;
}

bool
sp_tcp_gro_hold(struct sp_conn *c, struct rte_mbuf *m, const struct sp_ipv4 *ip,
	const struct sp_tcp_hdr *th, const uint8_t *opts, uint32_t plen)
{
	struct sp_ctx *ctx = c->ctx;
	struct sp_tcp_gro *g = &ctx->tcp->gro;
	unsigned olen = th->doff - (unsigned)sizeof(struct rte_tcp_hdr);
	bool can = c->state == SP_TCP_ESTABLISHED && plen > 0 && !(th->flags & GRO_NEVER) &&
		   (th->flags & RTE_TCP_ACK_FLAG) && th->opts.n_sack == 0 &&
		   !(c->flags & TF_APP_CLOSED) && olen <= sizeof(g->f[0].opts);
	struct sp_tcp_gro_flow *f;
	int i = flow_find(g, c);

	if (i >= 0) {
		f = &g->f[i];
		if (can && th->seq == f->next && th->ack == f->th.ack && olen == f->opt_len &&
			opts_same(f->opts, opts, olen) && f->plen + plen <= UINT16_MAX &&
			f->nsegs < SP_TCP_GRO_MAX_SEGS) {
			/* Chain, no copy: m's data is at its payload already. */
			f->tail->next = m;
			f->m->nb_segs = (uint16_t)(f->m->nb_segs + m->nb_segs);
			f->m->pkt_len += m->pkt_len;
			f->tail = rte_pktmbuf_lastseg(m);
			f->th.flags |= th->flags & RTE_TCP_PSH_FLAG;
			f->th.win = th->win; /* the newest window the peer offered */
			f->next += plen;
			f->plen += plen;
			f->nsegs++;
			TCP_STAT(c, tcp_gro_merged);
			/* PSH ends a merge (as in Linux's GRO): the sender has no more for now. */
			if (th->flags & RTE_TCP_PSH_FLAG)
				flow_flush(ctx, (unsigned)i);
			return true;
		}
		/* Order within the connection: what is held goes first. */
		flow_flush(ctx, (unsigned)i);
		if (c->freed)
			return false;
	}
	/*
	 * A first segment must be the next in sequence: out of order, each is acknowledged. One with
	 * PSH is processed at once: a request of request/response traffic is never held.
	 */
	if (!can || (th->flags & RTE_TCP_PSH_FLAG) || th->seq != c->rcv_nxt ||
		m->nb_segs + 1u > RTE_MBUF_MAX_NB_SEGS / 2)
		return false;
	if (g->n == SP_TCP_GRO_FLOWS)
		flow_flush(ctx, 0);
	if (c->freed)
		return false;
	f = &g->f[g->n++];
	f->c = c;
	c->busy++;
	f->m = m;
	f->tail = rte_pktmbuf_lastseg(m);
	f->ip = *ip;
	f->th = *th;
	memcpy(f->opts, opts, olen);
	f->opt_len = (uint8_t)olen;
	f->next = th->seq + plen;
	f->plen = plen;
	f->nsegs = 1;
	return true;
}
