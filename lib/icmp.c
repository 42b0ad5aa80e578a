/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792, RFC 1122 3.2.2): echo and timestamp replies (with the request's record route
 * and timestamp options updated, RFC 1122 3.2.2.6), errors we send (unreachable, time exceeded,
 * fragmentation needed) under RFC 1122's suppression rules and a token bucket, and errors we
 * receive (handed to TCP on the lcore that owns the connection).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "sp_log.h"
#include "sp_proto.h"
#include "tcp_steer.h"

#define ICMP_QUOTE_PAYLOAD     8    /* RFC 792: the IP header plus the first 64 bits of data */
#define ICMP_ERR_TOS	       0xc0 /* RFC 1812 4.3.2.5: precedence 6, internetwork control */
#define ICMP_MAX_QUOTE	       576  /* what we read of a received error's quoted datagram */
#define ICMP_TIMESTAMP_REQUEST 13
#define ICMP_TIMESTAMP_REPLY   14
#define ICMP_TIMESTAMP_LEN     20 /* RFC 792: header, originate, receive, transmit */
#define ICMP_SECS_PER_DAY      86400

/*
 * Query/informational types (RFC 792, RFC 950, RFC 1256). Everything else, including unknown
 * types, is treated as an error: RFC 1122 3.2.2 forbids answering an error with an error, and
 * not answering an unknown type is the safe reading.
 */
static bool
icmp_is_query(uint8_t type)
{
	switch (type) {
	case RTE_IP_ICMP_ECHO_REPLY:
	case RTE_IP_ICMP_ECHO_REQUEST:
	case 9:	 /* router advertisement */
	case 10: /* router solicitation */
	case ICMP_TIMESTAMP_REQUEST:
	case ICMP_TIMESTAMP_REPLY:
	case 15: /* information request */
	case 16: /* information reply */
	case 17: /* address mask request */
	case 18: /* address mask reply */
		return true;
	default:
		return false;
	}
}

/*
 * Token bucket of stack.icmp_rate tokens per second, at most stack.icmp_burst, counted in
 * thousandths of a token. Time comes from ctx->now (RFC 1812 4.3.2.8 asks for a rate limit).
 * @return true when an error may be sent now.
 */
static bool
icmp_rate_ok(struct sp_ctx *ctx)
{
	const struct sp_stack_cfg *sc = &ctx->cfg->stack;
	uint64_t max = (uint64_t)sc->icmp_burst * 1000;
	uint64_t elapsed, secs, add;

	if (ctx->now > ctx->icmp_rl.last) {
		elapsed = ctx->now - ctx->icmp_rl.last;
		secs = elapsed / ctx->hz;
		if (secs > sc->icmp_burst + 1) {
			add = max; /* idle long enough to refill completely; avoids overflow */
		} else {
			add = secs * sc->icmp_rate * 1000 +
			      (elapsed % ctx->hz) * sc->icmp_rate * 1000 / ctx->hz;
		}
		/* Advance "last" only when a whole milli-token was earned: no rounding loss. */
		if (add > 0) {
			ctx->icmp_rl.tokens = RTE_MIN(ctx->icmp_rl.tokens + add, max);
			ctx->icmp_rl.last = ctx->now;
		}
	}
	if (ctx->icmp_rl.tokens < 1000)
		return false;
	ctx->icmp_rl.tokens -= 1000;
	return true;
}

/* The sources RFC 1122 3.2.2 (and 3.2.1.3) says never to send an error to. */
static bool
bad_error_target(const struct sp_stack *st, uint32_t src)
{
	return sp_ipv4_class(src) != SP_IPV4_UNICAST || sp_is_broadcast(st, src) ||
	       sp_local_port(st, src) >= 0;
}

int
sp_icmp_send_error(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *orig,
	const struct sp_ipv4 *ip, uint8_t type, uint8_t code, uint32_t rest)
{
	const struct sp_stack *st = ctx->stack;
	uint32_t l3 = orig->l3_len;
	uint32_t l4_off = l3 != 0 ? 0 : ip->ihl; /* offset of L4 in orig's data */
	uint32_t avail, plen, qlen;
	const uint8_t *iph;
	struct sp_ipv4_out o;
	struct sp_icmp ic;
	struct rte_mbuf *m;
	uint8_t *p;
	int ret;

	if (rte_pktmbuf_headroom(orig) < l3 || orig->data_len < l4_off)
		goto suppress;
	iph = rte_pktmbuf_mtod_offset(orig, const uint8_t *, -(int)l3);
	avail = orig->pkt_len - l4_off;

	/* RFC 1122 3.2.2: not about a non-initial fragment... */
	if (ip->frag_off != 0)
		goto suppress;
	/* ... nor a datagram to a broadcast or multicast address ... */
	if (sp_ipv4_class(ip->dst) == SP_IPV4_MULTICAST || sp_is_broadcast(st, ip->dst))
		goto suppress;
	/* ... nor one sent as a link-layer broadcast/multicast ... */
	if (orig->l2_len >= sizeof(struct rte_ether_hdr) &&
		rte_pktmbuf_headroom(orig) >= l3 + orig->l2_len) {
		const struct rte_ether_hdr *eh =
			(const struct rte_ether_hdr *)(const void *)(iph - orig->l2_len);

		if (!rte_is_unicast_ether_addr(&eh->dst_addr))
			goto suppress;
	}
	/* ... nor one whose source does not define a single host ... */
	if (bad_error_target(st, ip->src))
		goto suppress;
	/* ... nor an ICMP error message (queries such as echo may get one). */
	if (ip->proto == IPPROTO_ICMP) {
		uint8_t t;
		const uint8_t *tp;

		if (avail < 1)
			goto suppress;
		tp = rte_pktmbuf_read(orig, l4_off, 1, &t);
		if (tp == NULL || !icmp_is_query(*tp))
			goto suppress;
	}
	if (!icmp_rate_ok(ctx))
		goto rate_limited;

	plen = RTE_MIN(avail, (uint32_t)ICMP_QUOTE_PAYLOAD);
	qlen = ip->ihl + plen;
	m = sp_alloc(ctx, port);
	if (m == NULL)
		return -ENOBUFS;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(SP_ICMP_HDR_LEN + qlen));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	memcpy(p + SP_ICMP_HDR_LEN, iph, ip->ihl);
	if (plen > 0) {
		const void *d = rte_pktmbuf_read(orig, l4_off, plen, p + SP_ICMP_HDR_LEN + ip->ihl);

		if (d != p + SP_ICMP_HDR_LEN + ip->ihl)
			memcpy(p + SP_ICMP_HDR_LEN + ip->ihl, d, plen);
	}
	ic.type = type;
	ic.code = code;
	ic.cksum = 0;
	ic.rest = rest;
	sp_icmp_build(p, &ic);
	ic.cksum = (uint16_t)~sp_cksum_fold(sp_cksum_raw(p, SP_ICMP_HDR_LEN + qlen, 0));
	ic.cksum = rte_be_to_cpu_16(ic.cksum); /* raw sum is in memory order */
	sp_icmp_build(p, &ic);

	memset(&o, 0, sizeof(o));
	/* RFC 1812 4.3.2.4: reply from the address it was sent to when that is ours. */
	o.src = sp_local_port(st, ip->dst) >= 0 ? ip->dst : 0;
	o.dst = ip->src;
	o.proto = IPPROTO_ICMP;
	o.tos = ICMP_ERR_TOS;
	ret = sp_ipv4_output(ctx, m, &o);
	if (ret == 0)
		SP_STAT(ctx, port, icmp_out_errors);
	return ret;

suppress:
	SP_STAT(ctx, port, icmp_err_suppressed);
	return -EPERM;
rate_limited:
	SP_STAT(ctx, port, icmp_rate_limited);
	return -EAGAIN;
}

/*
 * The time a timestamp records (RFC 791 p.22, RFC 792 timestamp): milliseconds since midnight
 * UT, from the system's real-time clock (ctx->now is the TSC, which knows no time of day). Read
 * only when a request asks for it.
 */
static uint32_t
icmp_ms_since_midnight(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return UINT32_C(1) << 31; /* RFC 792: high bit set = not a standard time */
	return (uint32_t)((ts.tv_sec % ICMP_SECS_PER_DAY) * 1000 + ts.tv_nsec / 1000000);
}

/*
 * What a reply to the query in @p m carries of the request's IP options (RFC 1122 3.2.2.6 for
 * echo, 3.2.2.8 for timestamp): its record route and timestamp options with this host added
 * once, written to @p out. Source routes never get here (ipv4.c drops them), other options are
 * not reflected. @return option bytes (a multiple of 4, 0 for none).
 */
static uint8_t
icmp_reply_opts(const struct rte_mbuf *m, const struct sp_ipv4 *ip, uint8_t *out)
{
	const uint8_t *opts;

	if (ip->ihl <= sizeof(struct rte_ipv4_hdr) || m->l3_len != ip->ihl ||
		rte_pktmbuf_headroom(m) < m->l3_len)
		return 0;
	opts = rte_pktmbuf_mtod_offset(m, const uint8_t *, -(int)m->l3_len) +
	       sizeof(struct rte_ipv4_hdr);
	return (uint8_t)sp_ipv4_opts_echo(opts, ip->ihl - (unsigned)sizeof(struct rte_ipv4_hdr),
		ip->dst, icmp_ms_since_midnight(), out);
}

/* The header of a reply to a query: from the address asked, the request's TOS and options. */
static void
icmp_reply_out(
	const struct rte_mbuf *req, const struct sp_ipv4 *ip, struct sp_ipv4_out *o, uint8_t *opts)
{
	memset(o, 0, sizeof(*o));
	o->src = ip->dst;
	o->dst = ip->src;
	o->proto = IPPROTO_ICMP;
	o->tos = ip->tos;
	o->optlen = icmp_reply_opts(req, ip, opts);
	o->opts = o->optlen != 0 ? opts : NULL;
}

/*
 * RFC 792 echo: the request mbuf (possibly a reassembled chain) becomes the reply in place.
 * Only the type changes in the ICMP message, so the checksum is updated incrementally
 * (RFC 1624); identifier, sequence and data go back byte for byte.
 */
static void
icmp_echo(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip,
	const struct sp_icmp *req)
{
	struct rte_icmp_hdr *h = rte_pktmbuf_mtod(m, struct rte_icmp_hdr *);
	uint8_t opts[SP_IPV4_MAX_OPTS];
	struct sp_ipv4_out o;

	/* Read the options before the reply's header is written over the request's. */
	icmp_reply_out(m, ip, &o, opts);
	h->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	h->icmp_cksum = rte_cpu_to_be_16(
		sp_cksum_adjust16(req->cksum, (uint16_t)(req->type << 8 | req->code),
			(uint16_t)(RTE_IP_ICMP_ECHO_REPLY << 8 | req->code)));
	if (sp_ipv4_output(ctx, m, &o) == 0)
		SP_STAT(ctx, port, icmp_out_echo_reps);
}

/*
 * RFC 792 timestamp (RFC 1122 3.2.2.8): a 20-byte reply with the identifier, sequence and
 * originate timestamp of the request, receive and transmit timestamps both now, in ms since
 * midnight UT (as Linux's icmp_timestamp()). A request shorter than 20 bytes lacks fields and
 * is dropped (Linux answers from 12 bytes on); a longer one is answered with 20 bytes, as Linux
 * and FreeBSD do. The reply is a new mbuf: the request may be a chain of any length.
 */
static void
icmp_timestamp(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip,
	const struct sp_icmp *req)
{
	uint8_t opts[SP_IPV4_MAX_OPTS];
	struct sp_ipv4_out o;
	struct rte_mbuf *r;
	const uint8_t *orig;
	struct sp_icmp ic;
	uint32_t now;
	uint8_t *p;

	if (m->pkt_len < ICMP_TIMESTAMP_LEN) {
		SP_STAT(ctx, port, icmp_bad_len);
		rte_pktmbuf_free(m);
		return;
	}
	r = sp_alloc(ctx, port);
	if (r == NULL)
		goto free_req;
	p = (uint8_t *)rte_pktmbuf_append(r, ICMP_TIMESTAMP_LEN);
	if (p == NULL) {
		rte_pktmbuf_free(r);
		goto free_req;
	}
	/* id, sequence (in the fixed header) and the originate timestamp go back as they came */
	orig = rte_pktmbuf_read(m, SP_ICMP_HDR_LEN, 4, p + SP_ICMP_HDR_LEN);
	if (orig != p + SP_ICMP_HDR_LEN)
		memcpy(p + SP_ICMP_HDR_LEN, orig, 4); /* pkt_len >= 20: never NULL */
	now = icmp_ms_since_midnight();
	sp_wire_wr32(p + 12, now); /* receive */
	sp_wire_wr32(p + 16, now); /* transmit */
	ic.type = ICMP_TIMESTAMP_REPLY;
	ic.code = 0;
	ic.cksum = 0;
	ic.rest = req->rest;
	sp_icmp_build(p, &ic);
	ic.cksum =
		rte_be_to_cpu_16((uint16_t)~sp_cksum_fold(sp_cksum_raw(p, ICMP_TIMESTAMP_LEN, 0)));
	sp_icmp_build(p, &ic);
	icmp_reply_out(m, ip, &o, opts);
	rte_pktmbuf_free(m);
	if (sp_ipv4_output(ctx, r, &o) == 0)
		SP_STAT(ctx, port, icmp_out_timestamp_reps);
	return;
free_req:
	rte_pktmbuf_free(m);
}

/*
 * A destination unreachable / time exceeded / parameter problem about something we sent.
 * @p steered: another lcore received it and handed it here (it was counted there); @p hops:
 * how many more lcores it may be handed to (tcp_steer.h).
 */
static void
icmp_error_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip,
	const struct sp_icmp *ic, bool steered, uint8_t hops)
{
	uint8_t buf[ICMP_MAX_QUOTE];
	uint32_t qlen = RTE_MIN(m->pkt_len - SP_ICMP_HDR_LEN, (uint32_t)sizeof(buf));
	const uint8_t *q;
	struct sp_ipv4 inner;

	q = rte_pktmbuf_read(m, SP_ICMP_HDR_LEN, qlen, buf);
	/* The quote is a header plus 8 bytes of a datagram of any length: check the header only. */
	if (q == NULL || sp_ipv4_parse_ext(q, qlen, UINT16_MAX, &inner) != SP_WIRE_OK ||
		qlen < (uint32_t)inner.ihl + ICMP_QUOTE_PAYLOAD)
		goto drop_quote;
	if (sp_local_port(ctx->stack, inner.src) < 0)
		goto drop_quote;
	if (!steered)
		SP_STAT(ctx, port, icmp_in_errors);
	if (inner.proto == IPPROTO_TCP) {
		/*
		 * The connection may live on another lcore (docs/tcp.md "ICMP errors and UDP with
		 * several workers"): the whole message goes there, RFC 1191's PMTU update included.
		 */
		if (sp_tcp_steer_icmp(ctx, port, m, ip, &inner, q + inner.ihl, hops))
			return;
		if (sp_tcp_steer_icmp_deliver(ctx, ic->type, ic->code, ic->rest, q, qlen) > 0)
			SP_STAT(ctx, port, icmp_pmtu_lowered);
	}
	rte_pktmbuf_free(m);
	return;
drop_quote:
	SP_STAT(ctx, port, icmp_bad_quote);
	rte_pktmbuf_free(m);
}

void
sp_icmp_steered_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m,
	const struct sp_ipv4 *ip, uint8_t hops)
{
	struct sp_icmp ic;

	/* Length and checksum were checked where it was received. */
	if (sp_icmp_parse(rte_pktmbuf_mtod(m, const void *), m->data_len, &ic) != SP_WIRE_OK) {
		SP_STAT(ctx, port, icmp_bad_len);
		rte_pktmbuf_free(m);
		return;
	}
	icmp_error_input(ctx, port, m, ip, &ic, true, hops);
}

/*
 * A query to a broadcast or multicast address: RFC 1122 lets us ignore echo (3.2.2.6) and
 * timestamp (3.2.2.8) requests sent so, which keeps us from being a smurf amplifier.
 */
static bool
icmp_to_group(const struct sp_ctx *ctx, const struct sp_ipv4 *ip)
{
	return sp_ipv4_class(ip->dst) == SP_IPV4_MULTICAST || sp_is_broadcast(ctx->stack, ip->dst);
}

void
sp_icmp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip)
{
	struct sp_icmp ic;
	SP_STAT(ctx, port, icmp_in_msgs);
	if (m->pkt_len < SP_ICMP_HDR_LEN ||
		sp_icmp_parse(rte_pktmbuf_mtod(m, const void *), m->data_len, &ic) != SP_WIRE_OK)
		goto drop_len;
	/* The checksum covers the whole message (RFC 792), across segments if chained. */
	if (sp_cksum_fold(sp_cksum_mbuf(m, 0, m->pkt_len, 0)) != 0xffff)
		goto drop_cksum;

	switch (ic.type) {
	case RTE_IP_ICMP_ECHO_REQUEST:
		SP_STAT(ctx, port, icmp_in_echos);
		if (icmp_to_group(ctx, ip))
			goto drop_bcast_echo;
		icmp_echo(ctx, port, m, ip, &ic);
		return;
	case ICMP_TIMESTAMP_REQUEST:
		SP_STAT(ctx, port, icmp_in_timestamps);
		if (icmp_to_group(ctx, ip))
			goto drop_bcast_timestamp;
		icmp_timestamp(ctx, port, m, ip, &ic);
		return;
	case RTE_IP_ICMP_ECHO_REPLY:
		SP_STAT(ctx, port, icmp_in_echo_reps);
		goto drop;
	case SP_ICMP_DEST_UNREACH:
	case SP_ICMP_TIME_EXCEEDED:
	case SP_ICMP_PARAM_PROBLEM:
		/* Each other worker may be asked once (a passive connection's owner is unknown). */
		icmp_error_input(ctx, port, m, ip, &ic, false,
			(uint8_t)RTE_MIN(ctx->stack->n_workers - 1, (unsigned)UINT8_MAX));
		return;
	default:
		goto drop_unhandled;
	}
drop_len:
	SP_STAT(ctx, port, icmp_bad_len);
	goto drop;
drop_cksum:
	SP_STAT(ctx, port, icmp_bad_cksum);
	goto drop;
drop_bcast_echo:
	SP_STAT(ctx, port, icmp_bcast_echo);
	goto drop;
drop_bcast_timestamp:
	SP_STAT(ctx, port, icmp_bcast_timestamp);
	goto drop;
drop_unhandled:
	SP_STAT(ctx, port, icmp_unhandled_type);
drop:
	rte_pktmbuf_free(m);
}
