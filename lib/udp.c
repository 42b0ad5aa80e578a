/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP (RFC 768, RFC 1122 4.1): validation, delivery to a bound port's callback, port
 * unreachable for the rest, and sending. Bindings are per lcore (ctx->udp), any address; a
 * datagram for a port bound on another lcore only is handed to that lcore (docs/l3.md "UDP").
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "sp_api.h"
#include "sp_log.h"
#include "sp_proto.h"
#include "tcp_steer.h"

#define SP_UDP_MAX_BINDS   64 /* per lcore: UDP serves a few built-in services, searched linearly */
#define SP_UDP_MAX_PAYLOAD (UINT16_MAX - sizeof(struct rte_ipv4_hdr) - sizeof(struct rte_udp_hdr))

struct sp_udp_bind {
	uint16_t port;
	sp_udp_recv_fn fn;
	void *arg;
};

/*
 * One lcore's bindings. The table lives as long as the ctx once created: other lcores read
 * its bitmap of bound ports (written only by this lcore, with atomics) to find the lcore a
 * datagram belongs to.
 */
struct sp_udp_table {
	unsigned n;
	struct sp_udp_bind b[SP_UDP_MAX_BINDS];
	uint64_t bound[(UINT16_MAX + 1) / 64]; /* bit p: port p bound here */
};

static void
udp_mark(struct sp_udp_table *t, uint16_t port, bool on)
{
	uint64_t bit = UINT64_C(1) << (port % 64);

	if (on)
		__atomic_fetch_or(&t->bound[port / 64], bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&t->bound[port / 64], ~bit, __ATOMIC_RELEASE);
}

/*
 * The lowest worker other than this one that has @p port bound, or -1. Called only for a
 * datagram no binding of this lcore takes, so the common case costs nothing; the bound port
 * set of another lcore may change meanwhile: the owner checks again (sp_udp_steered_input()).
 */
static int
udp_owner(const struct sp_ctx *ctx, uint16_t port)
{
	const struct sp_stack *st = ctx->stack;
	const struct sp_udp_table *t;
	unsigned w;

	for (w = 0; w < st->n_workers; w++) {
		if (w == ctx->worker || st->workers[w] == NULL)
			continue;
		t = __atomic_load_n(&st->workers[w]->udp, __ATOMIC_ACQUIRE);
		if (t != NULL &&
			(__atomic_load_n(&t->bound[port / 64], __ATOMIC_ACQUIRE) >> (port % 64) &
				1))
			return (int)w;
	}
	return -1;
}

static struct sp_udp_bind *
udp_find(struct sp_ctx *ctx, uint16_t port)
{
	struct sp_udp_table *t = ctx->udp;
	unsigned i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (t->b[i].port == port)
			return &t->b[i];
	return NULL;
}

int
sp_udp_bind(struct sp_ctx *ctx, uint16_t port, sp_udp_recv_fn fn, void *arg)
{
	struct sp_udp_table *t = ctx->udp;

	if (fn == NULL || port == 0)
		return -EINVAL;
	if (udp_find(ctx, port) != NULL)
		return -EADDRINUSE;
	if (t == NULL) {
		t = rte_zmalloc_socket("sp_udp", sizeof(*t), RTE_CACHE_LINE_SIZE, ctx->socket);
		if (t == NULL)
			return -ENOMEM;
		__atomic_store_n(&ctx->udp, t, __ATOMIC_RELEASE);
	}
	if (t->n >= SP_UDP_MAX_BINDS)
		return -ENOMEM;
	t->b[t->n].port = port;
	t->b[t->n].fn = fn;
	t->b[t->n].arg = arg;
	t->n++;
	udp_mark(t, port, true);
	SP_LOG(DEBUG, udp, "lcore %u: port %u bound", ctx->lcore_id, port);
	return 0;
}

void
sp_udp_unbind(struct sp_ctx *ctx, uint16_t port)
{
	struct sp_udp_table *t = ctx->udp;
	struct sp_udp_bind *b = udp_find(ctx, port);

	if (b == NULL)
		return;
	udp_mark(t, port, false);
	/* The table stays (other lcores may be reading its bitmap) until sp_udp_fini(). */
	*b = t->b[--t->n];
}

void
sp_udp_fini(struct sp_ctx *ctx)
{
	rte_free(ctx->udp);
	ctx->udp = NULL;
}

/* A validated datagram (data at the UDP header): to its binding here, or port unreachable. */
static void
udp_deliver(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip,
	const struct sp_udp *u)
{
	struct sp_udp_bind *b = udp_find(ctx, u->dport);

	if (b == NULL)
		goto drop_no_port;
	SP_STAT(ctx, port, udp_in_datagrams);
	rte_pktmbuf_adj(m, sizeof(struct rte_udp_hdr));
	b->fn(ctx, m, ip->src, u->sport, ip->dst, u->dport, b->arg);
	return;
drop_no_port:
	/* RFC 1122 4.1.3.1: port unreachable (suppressed for broadcasts by the ICMP rules). */
	SP_STAT(ctx, port, udp_no_ports);
	sp_icmp_send_error(ctx, port, m, ip, SP_ICMP_DEST_UNREACH, SP_ICMP_UNREACH_PORT, 0);
	rte_pktmbuf_free(m);
}

void
sp_udp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip)
{
	uint64_t rx = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	struct sp_udp u;
	int owner;

	if (m->data_len < sizeof(struct rte_udp_hdr) && m->pkt_len >= sizeof(struct rte_udp_hdr))
		goto drop_len;
	if (sp_udp_parse(rte_pktmbuf_mtod(m, const void *), m->pkt_len, &u) != SP_WIRE_OK)
		goto drop_len;
	/* IP may carry more than the UDP length says (RFC 768): the rest is not data. */
	if (u.len < m->pkt_len) {
		if (rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - u.len)) != 0)
			goto drop_len;
	}
	/*
	 * Checksum 0 means none was computed (RFC 768). Otherwise trust the PMD's verdict or
	 * verify over the pseudo-header and the whole datagram, trimmed above to the UDP length
	 * (the pseudo-header's length), in any segment layout (sp_cksum_l4()).
	 */
	if (u.cksum != 0) {
		if (rx == RTE_MBUF_F_RX_L4_CKSUM_BAD)
			goto drop_cksum;
		if (rx != RTE_MBUF_F_RX_L4_CKSUM_GOOD && rx != RTE_MBUF_F_RX_L4_CKSUM_NONE &&
			sp_cksum_l4(m, 0, ip->src, ip->dst, IPPROTO_UDP) != 0)
			goto drop_cksum;
	}
	if (udp_find(ctx, u.dport) == NULL) {
		/* Bound on another lcore only: the datagram is that lcore's (docs/l3.md "UDP"). */
		owner = udp_owner(ctx, u.dport);
		if (owner >= 0 && sp_steer_enqueue(ctx, (unsigned)owner, port, m, ip, SP_STEER_UDP,
					  0) != -ENOENT)
			return;
	}
	udp_deliver(ctx, port, m, ip, &u);
	return;

drop_len:
	SP_STAT(ctx, port, udp_bad_len);
	rte_pktmbuf_free(m);
	return;
drop_cksum:
	SP_STAT(ctx, port, udp_bad_cksum);
	rte_pktmbuf_free(m);
}

void
sp_udp_steered_input(
	struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip)
{
	struct sp_udp u;

	/* Validated and trimmed where it was received: the header parses. */
	if (sp_udp_parse(rte_pktmbuf_mtod(m, const void *), m->pkt_len, &u) != SP_WIRE_OK) {
		SP_STAT(ctx, port, udp_bad_len);
		rte_pktmbuf_free(m);
		return;
	}
	/* Unbound since it was steered: port unreachable from here, never steered again. */
	udp_deliver(ctx, port, m, ip, &u);
}

int
sp_udp_send(struct sp_ctx *ctx, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
	uint16_t dst_port, const void *buf, size_t len)
{
	return sp_udp_send_ip_tx(ctx, src_ip, src_port, dst_ip, dst_port, buf, len, NULL);
}

int
sp_udp_send_ip_tx(struct sp_ctx *ctx, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
	uint16_t dst_port, const void *buf, size_t len, const struct sp_ip_tx *iptx)
{
	const uint8_t *data = buf;
	struct rte_mbuf *m, *seg, *last;
	struct sp_ipv4_out o;
	struct sp_udp u;
	size_t done, n;
	uint8_t *p;
	int ret;

	if (len > SP_UDP_MAX_PAYLOAD || (len > 0 && buf == NULL))
		return -EMSGSIZE;
	m = sp_alloc(ctx, 0);
	if (m == NULL)
		return -ENOBUFS;
	p = (uint8_t *)rte_pktmbuf_append(m, sizeof(struct rte_udp_hdr));
	u.sport = src_port;
	u.dport = dst_port;
	u.len = (uint16_t)(sizeof(struct rte_udp_hdr) + len);
	u.cksum = 0;
	sp_udp_build(p, &u);
	/* Copy the payload into as many segments as it needs. */
	last = m;
	done = 0;
	while (done < len) {
		if (rte_pktmbuf_tailroom(last) == 0) {
			seg = sp_alloc(ctx, 0);
			if (seg == NULL)
				goto nobufs;
			if (rte_pktmbuf_chain(m, seg) != 0) {
				rte_pktmbuf_free(seg);
				goto nobufs;
			}
			last = seg;
		}
		n = RTE_MIN(len - done, (size_t)rte_pktmbuf_tailroom(last));
		memcpy(rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len), data + done, n);
		last->data_len = (uint16_t)(last->data_len + n);
		m->pkt_len += (uint32_t)n;
		done += n;
	}
	/* sp_ipv4_output() computes the checksum (or lets the PMD) once the header is known. */
	m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
	m->l4_len = sizeof(struct rte_udp_hdr);
	memset(&o, 0, sizeof(o));
	o.src = src_ip;
	o.dst = dst_ip;
	o.proto = IPPROTO_UDP;
	if (iptx != NULL) {
		o.tos = iptx->tos; /* all of it: the ECN bits are the application's (IP_TOS) */
		o.ttl = iptx->ttl;
	}
	ret = sp_ipv4_output(ctx, m, &o);
	if (ret == 0)
		SP_STAT(ctx, 0, udp_out_datagrams);
	return ret;
nobufs:
	rte_pktmbuf_free(m);
	return -ENOBUFS;
}
