/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcore that owns a connection or a UDP binding hears about it (tcp/tcp_steer.c, icmp.c,
 * udp.c; docs/tcp.md "ICMP errors and UDP with several workers", docs/l3.md "UDP"): a stack
 * with two workers on a port whose RSS cannot be predicted (net_tap, net_af_packet).
 *  - ICMP fragmentation needed about an active open of worker 1 that lands on worker 0 is
 *    handed to worker 1 through its ring, and worker 1 lowers the MSS and resends from
 *    SND.UNA (RFC 1191); on the owner itself nothing is steered;
 *  - the same for a passive open (no owner computable from the tuple: the error is offered to
 *    the next worker), and an error about no connection is offered once, then ignored;
 *  - UDP: a datagram for a port bound on worker 1 only is delivered on worker 1; bound on both,
 *    where it lands; bound nowhere, port unreachable without steering; unbound between the
 *    steering and the drain, port unreachable from the owner.
 */
#include "l3_test_util.h"
#include "tcp.h"
#include "tcp_steer.h"
#include "two_workers.h"

#define W_STAT(t, i, name) ((t)->w[i]->stats[0].name)

/* What the IPv4 layer gets from eth.c, on worker @p w (then its TX is flushed). */
static void
feed_on(struct two *t, unsigned w, struct rte_mbuf *m)
{
	t->env->ctx = t->w[w];
	l3_feed(t->env, 0, m);
	t->env->ctx = t->w[0];
}

/* Worker @p w drains its steer ring and sends what that produced. */
static void
poll_on(struct two *t, unsigned w)
{
	sp_poll(t->w[w], t->w[w]->now);
	sp_tx_flush(t->w[w]);
}

/*
 * ICMP destination unreachable @p code (4: fragmentation needed, next-hop MTU @p mtu) from a
 * router on the peer's side, quoting the header and first 8 bytes of a TCP segment of @p total
 * bytes (IP header included) we sent from @p lport to @p rport with sequence number @p seq.
 */
static struct rte_mbuf *
icmp_unreach_len(
	uint8_t code, uint16_t mtu, uint16_t lport, uint16_t rport, uint32_t seq, uint16_t total)
{
	struct l3_hdr out = l3_default_hdr(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP);
	struct l3_hdr in = l3_default_hdr(T_OUR_IP, T_PEER_IP, IPPROTO_TCP);
	uint8_t msg[8 + 20 + 8] = {SP_ICMP_DEST_UNREACH, code};
	uint8_t *tcp = msg + 8 + 20;
	uint16_t ck;

	msg[6] = (uint8_t)(mtu >> 8);
	msg[7] = (uint8_t)mtu;
	in.df = true;
	l3_write_hdr(msg + 8, &in, total - 20u);
	tcp[0] = (uint8_t)(lport >> 8);
	tcp[1] = (uint8_t)lport;
	tcp[2] = (uint8_t)(rport >> 8);
	tcp[3] = (uint8_t)rport;
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	ck = sp_test_cksum(msg, sizeof(msg));
	memcpy(msg + 2, &ck, 2);
	return l3_frame(&out, msg, sizeof(msg));
}

/* The same about a datagram of 1500 bytes. */
static struct rte_mbuf *
icmp_unreach(uint8_t code, uint16_t mtu, uint16_t lport, uint16_t rport, uint32_t seq)
{
	return icmp_unreach_len(code, mtu, lport, rport, seq, 1500);
}

/* Pop the data segments the stack sent; @return how many, the first one in @p first. */
static unsigned
pop_data(struct two *t, struct t_out *first)
{
	struct t_out o;
	unsigned n = 0;

	while (t_pop(t->env, &o)) {
		if (o.len == 0)
			continue;
		if (n++ == 0)
			*first = o;
	}
	return n;
}

static const uint8_t payload[3000];

/* ---- ICMP errors about TCP ---- */

static const struct sp_tcp_callbacks cb_none;

/*
 * Worker 1's active open, established with MSS 1460 and 3000 bytes in flight; with @p syn_mtu,
 * a fragmentation needed with that MTU quoting the SYN arrives before the SYN-ACK.
 */
static struct sp_conn *
active_on_1_mtu(struct two *t, uint32_t *iss, uint16_t syn_mtu)
{
	struct sp_tcp_opts mss = {.has_mss = true, .mss = 1460};
	struct sp_conn *c = open_on(t, 1, &cb_none, NULL);
	struct t_out o;

	sp_tx_flush(t->w[1]);
	t_expect(t->env, &o, T_SYN);
	*iss = o.h.seq;
	assert_int_equal(lport_of(c) % 2, 1); /* the partition names worker 1 */
	if (syn_mtu != 0) {
		feed_on(t, 1, icmp_unreach(4, syn_mtu, lport_of(c), TW_PEER_PORT, *iss));
		assert_int_equal(t_count(t->env), 0);
	}
	seg_on_opts(t, 1, TW_PEER_PORT, lport_of(c), 5000, *iss + 1, T_SYN | T_ACK, &mss);
	sp_tx_flush(t->w[1]);
	t_expect(t->env, &o, T_ACK);
	assert_int_equal(o.h.seq, *iss + 1);
	assert_int_equal(sp_tcp_send(c, payload, sizeof(payload)), (ssize_t)sizeof(payload));
	sp_tcp_flush(c);
	sp_tx_flush(t->w[1]);
	assert_true(pop_data(t, &o) >= 2);
	assert_int_equal(o.len, 1460);
	assert_int_equal(o.h.seq, *iss + 1);
	return c;
}

static struct sp_conn *
active_on_1(struct two *t, uint32_t *iss)
{
	return active_on_1_mtu(t, iss, 0);
}

static void
test_icmp_frag_needed_active(void **state)
{
	struct sp_conn *c;
	struct t_out o;
	struct two t;
	uint32_t iss;
	uint16_t lp;

	(void)state;
	two_new(&t, false);
	c = active_on_1(&t, &iss);
	lp = lport_of(c);
	/* The router's error lands on worker 0's queue (its flow hash is not the connection's). */
	feed_on(&t, 0, icmp_unreach(4, 1280, lp, TW_PEER_PORT, iss + 1));
	assert_int_equal(W_STAT(&t, 0, icmp_in_errors), 1);
	assert_int_equal(W_STAT(&t, 0, steer_icmp_out), 1);
	assert_int_equal(W_STAT(&t, 0, icmp_pmtu_lowered), 0);
	assert_int_equal(t_count(t.env), 0);
	/* Worker 1 takes it from its ring: MSS 1240, everything from SND.UNA again. */
	poll_on(&t, 1);
	assert_int_equal(W_STAT(&t, 1, steer_icmp_in), 1);
	assert_int_equal(W_STAT(&t, 1, icmp_in_errors), 0); /* counted where it was received */
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_lowered), 1);
	assert_true(pop_data(&t, &o) >= 1);
	assert_int_equal(o.h.seq, iss + 1);
	assert_int_equal(o.len, 1280 - 40);
	/* On the owner itself nothing is steered: a lower MTU again, handled in place. */
	feed_on(&t, 1, icmp_unreach(4, 1100, lp, TW_PEER_PORT, iss + 1));
	assert_int_equal(W_STAT(&t, 1, steer_icmp_out), 0);
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_lowered), 2);
	assert_true(pop_data(&t, &o) >= 1);
	assert_int_equal(o.len, 1100 - 40);
	/* An MTU that lowers nothing is not counted. */
	feed_on(&t, 0, icmp_unreach(4, 1400, lp, TW_PEER_PORT, iss + 1));
	poll_on(&t, 1);
	assert_int_equal(W_STAT(&t, 1, steer_icmp_in), 2);
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_lowered), 2);
	/*
	 * An old router's (next-hop MTU 0, RFC 1191 5 and 7): the plateau below the quoted
	 * datagram's length, 1006 below 1100. It was ignored: a path through such a router lost
	 * every full-sized segment.
	 */
	feed_on(&t, 1, icmp_unreach_len(4, 0, lp, TW_PEER_PORT, iss + 1, 1100));
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_lowered), 3);
	assert_true(pop_data(&t, &o) >= 1);
	assert_int_equal(o.len, 1006 - 40);
	/* Below tcp.min_pmtu (552) the MTU counts as 552; from 1 to 67 (RFC 1191) it is ignored. */
	feed_on(&t, 1, icmp_unreach(4, 300, lp, TW_PEER_PORT, iss + 1));
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_clamped), 1);
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_lowered), 4);
	assert_true(pop_data(&t, &o) >= 1);
	assert_int_equal(o.len, 552 - 40);
	feed_on(&t, 1, icmp_unreach(4, 40, lp, TW_PEER_PORT, iss + 1));
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_clamped), 1);
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_lowered), 4);
	assert_int_equal(t_count(t.env), 0);
	sp_tcp_abort(c);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

/*
 * Fragmentation needed quoting our SYN (SEG.SEQ = ISS, in SND.UNA..SND.MAX in SYN-SENT): no
 * handshake segment is that large, nothing changes. It used to move SND.NXT back to the ISS,
 * and after the SYN-ACK (SND.UNA = ISS + 1) the connection never sent a byte.
 */
static void
test_icmp_frag_needed_syn_sent(void **state)
{
	struct sp_conn *c;
	struct two t;
	uint32_t iss;

	(void)state;
	two_new(&t, false);
	c = active_on_1_mtu(&t, &iss, 552);
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_lowered), 0);
	sp_tcp_abort(c);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

/*
 * Forged or stale errors (RFC 5927): a quoted sequence number outside SND.UNA..SND.MAX is
 * ignored and counted (OutOfWindowIcmps), for fragmentation needed and hard errors alike; a
 * port/protocol unreachable or time exceeded about an established connection is soft: it
 * stays ESTABLISHED (RFC 1122 4.2.3.9).
 */
static void
test_icmp_forged(void **state)
{
	struct sp_conn *c;
	struct two t;
	uint32_t iss;
	uint16_t lp;
	uint8_t code;

	(void)state;
	two_new(&t, false);
	c = active_on_1(&t, &iss);
	lp = lport_of(c);
	/* 3000 bytes in flight: [iss + 1, iss + 3001). Beyond, and before SND.UNA: ignored. */
	feed_on(&t, 1, icmp_unreach(4, 576, lp, TW_PEER_PORT, iss + 3001));
	feed_on(&t, 1, icmp_unreach(4, 576, lp, TW_PEER_PORT, iss));
	feed_on(&t, 1, icmp_unreach(3, 0, lp, TW_PEER_PORT, iss + 100000));
	assert_int_equal(W_STAT(&t, 1, OutOfWindowIcmps), 3);
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_lowered), 0);
	assert_int_equal(t_count(t.env), 0);
	/* In the window: hard codes in ESTABLISHED are soft, nothing changes. */
	for (code = 0; code <= 3; code++)
		feed_on(&t, 1, icmp_unreach(code, 0, lp, TW_PEER_PORT, iss + 1461));
	assert_int_equal(W_STAT(&t, 1, OutOfWindowIcmps), 3);
	assert_int_equal(c->state, SP_TCP_ESTABLISHED);
	assert_int_equal(t_count(t.env), 0);
	/* The connection still works: the peer's ACK of everything is taken. */
	seg_on_opts(&t, 1, TW_PEER_PORT, lp, 5001, iss + 3001, T_ACK, NULL);
	assert_int_equal(c->state, SP_TCP_ESTABLISHED);
	assert_int_equal(c->snd_una, iss + 3001);
	/* Nothing is in flight now: even the old in-window sequence is out of it. */
	feed_on(&t, 1, icmp_unreach(4, 576, lp, TW_PEER_PORT, iss + 1));
	assert_int_equal(W_STAT(&t, 1, OutOfWindowIcmps), 4);
	sp_tcp_abort(c);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

/*
 * Errors about our SYN end the attempt with Linux's errno (RFC 5461 4.1), host unreachable
 * included: it used to be soft, and connect() waited out every SYN retransmission. The quote
 * must name the ISS. About a passive open's SYN-ACK: test_icmp_unreach_syn_received.
 */
static void
test_icmp_handshake(void **state)
{
	static const struct {
		uint8_t type, code;
		int err;
	} cases[] = {
		{SP_ICMP_DEST_UNREACH, SP_ICMP_UNREACH_HOST, -EHOSTUNREACH},
		{SP_ICMP_DEST_UNREACH, SP_ICMP_UNREACH_NET, -ENETUNREACH},
		{SP_ICMP_DEST_UNREACH, SP_ICMP_UNREACH_PORT, -ECONNREFUSED},
		{SP_ICMP_DEST_UNREACH, 13 /* administratively prohibited */, -EHOSTUNREACH},
		{SP_ICMP_TIME_EXCEEDED, SP_ICMP_TIMXCEED_INTRANS, -EHOSTUNREACH},
	};
	static struct app a;
	struct rte_mbuf *m;
	struct t_out o;
	struct two t;
	unsigned i;

	(void)state;
	two_new(&t, false);
	for (i = 0; i < RTE_DIM(cases); i++) {
		struct sp_conn *c;
		uint16_t lp;

		memset(&a, 0, sizeof(a));
		c = open_on(&t, 1, &conn_cb, &a);
		sp_tx_flush(t.w[1]);
		t_expect(t.env, &o, T_SYN);
		lp = lport_of(c);
		/* a quote that does not name the ISS is ignored */
		feed_on(&t, 1, icmp_unreach(cases[i].code, 0, lp, TW_PEER_PORT, o.h.seq + 1));
		assert_int_equal(a.closed, 0);
		m = icmp_unreach(cases[i].code, 0, lp, TW_PEER_PORT, o.h.seq);
		{
			/* the ICMP header follows Ethernet and a 20-byte IP header: new type, checksum */
			uint8_t *ic = rte_pktmbuf_mtod_offset(m, uint8_t *, 34);
			uint16_t ck;

			ic[0] = cases[i].type;
			ic[2] = ic[3] = 0;
			ck = sp_test_cksum(ic, 36);
			memcpy(ic + 2, &ck, 2);
		}
		feed_on(&t, 1, m);
		assert_int_equal(a.closed, 1);
		assert_int_equal(a.closed_err, cases[i].err);
		assert_int_equal(W_STAT(&t, 1, AttemptFails), i + 1);
		assert_int_equal(t_count(t.env), 0); /* no RST */
	}
	sp_test_tx_clear(t.env);
	two_free(&t);
}

/*
 * Two workers listening with @p lo (listeners in @p l), the peer's SYN with options @p o on
 * worker 1 (the connection is worker 1's): its SYN-ACK in *@p sa.
 */
static void
syn_on_1(struct two *t, const struct sp_listen_opts *lo, struct sp_listener **l,
	const struct sp_tcp_opts *o, struct t_out *sa)
{
	unsigned w;

	two_new(t, false);
	for (w = 0; w < 2; w++)
		assert_int_equal(sp_tcp_listen(t->w[w], lo, &l[w]), 0);
	seg_on_opts(t, 1, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, o);
	sp_tx_flush(t->w[1]);
	t_expect(t->env, sa, T_SYN | T_ACK);
}

static void
test_icmp_frag_needed_passive(void **state)
{
	struct sp_tcp_opts mss = {.has_mss = true, .mss = 1460};
	static struct app a; /* tcp_helper.h's recorder: a.c is the accepted connection */
	struct sp_listen_opts lo = {.port = T_LPORT, .cb = &lst_cb, .arg = &a};
	struct sp_listener *l[2];
	struct t_out o;
	struct two t;
	unsigned w;

	(void)state;
	memset(&a, 0, sizeof(a));
	/* The kernel's SYN lands on worker 1: the connection is worker 1's. */
	syn_on_1(&t, &lo, l, &mss, &o);
	seg_on_opts(&t, 1, T_RPORT, T_LPORT, T_PISN + 1, o.h.seq + 1, T_ACK, NULL);
	assert_non_null(a.c);
	assert_int_equal(sp_tcp_send(a.c, payload, sizeof(payload)), (ssize_t)sizeof(payload));
	sp_tcp_flush(a.c);
	sp_tx_flush(t.w[1]);
	assert_true(pop_data(&t, &o) >= 2);
	assert_int_equal(o.len, 1460);
	/* Port 80 names no owner: worker 0 does not have it and offers it to the next worker. */
	feed_on(&t, 0, icmp_unreach(4, 1280, T_LPORT, T_RPORT, o.h.seq));
	assert_int_equal(W_STAT(&t, 0, steer_icmp_out), 1);
	poll_on(&t, 1);
	assert_int_equal(W_STAT(&t, 1, steer_icmp_in), 1);
	assert_int_equal(W_STAT(&t, 1, steer_icmp_out), 0);
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_lowered), 1);
	assert_true(pop_data(&t, &o) >= 1);
	assert_int_equal(o.len, 1280 - 40);
	/* About no connection at all: offered to worker 1 once, which ignores it. */
	feed_on(&t, 0, icmp_unreach(4, 1280, T_LPORT, T_RPORT + 1, 1));
	assert_int_equal(W_STAT(&t, 0, steer_icmp_out), 2);
	poll_on(&t, 1);
	assert_int_equal(W_STAT(&t, 1, steer_icmp_in), 2);
	assert_int_equal(W_STAT(&t, 1, steer_icmp_out), 0);
	assert_int_equal(W_STAT(&t, 1, icmp_pmtu_lowered), 1);
	poll_on(&t, 0);
	assert_int_equal(W_STAT(&t, 0, steer_icmp_in), 0);
	assert_int_equal(t_count(t.env), 0);
	sp_tcp_abort(a.c);
	for (w = 0; w < 2; w++)
		sp_tcp_unlisten(t.w[w], l[w]);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

/*
 * Host unreachable quoting our SYN-ACK (SEG.SEQ = ISS) in SYN-RECEIVED: the half-open
 * connection leaves the backlog at once, without a RST (ListenDrops, as Linux's
 * tcp_req_err()); it used to stay for tcp.syn_retries more SYN-ACKs. Quoting another sequence
 * number: ignored (OutOfWindowIcmps); port unreachable (the peer's host answered): ignored, as
 * Linux, the SYN-ACK's retransmission decides.
 */
static void
test_icmp_unreach_syn_received(void **state)
{
	static struct app a;
	struct sp_listen_opts lo = {.port = T_LPORT, .cb = &lst_cb, .arg = &a};
	struct sp_listener *l[2];
	struct t_out o;
	struct two t;
	uint32_t iss;
	unsigned w;

	(void)state;
	memset(&a, 0, sizeof(a));
	syn_on_1(&t, &lo, l, NULL, &o);
	iss = o.h.seq;
	feed_on(&t, 1, icmp_unreach(3, 0, T_LPORT, T_RPORT, iss + 1));
	assert_int_equal(W_STAT(&t, 1, OutOfWindowIcmps), 1);
	feed_on(&t, 1, icmp_unreach(SP_ICMP_UNREACH_PORT, 0, T_LPORT, T_RPORT, iss));
	assert_int_equal(W_STAT(&t, 1, ListenDrops), 0);
	feed_on(&t, 1, icmp_unreach(SP_ICMP_UNREACH_HOST, 0, T_LPORT, T_RPORT, iss));
	assert_int_equal(W_STAT(&t, 1, ListenDrops), 1);
	assert_int_equal(a.accepted, 0);
	assert_int_equal(t_count(t.env), 0);
	/* gone: the handshake's ACK meets the listener, which resets it */
	seg_on_opts(&t, 1, T_RPORT, T_LPORT, T_PISN + 1, iss + 1, T_ACK, NULL);
	sp_tx_flush(t.w[1]);
	t_expect(t.env, &o, T_RST);
	assert_null(a.c);
	for (w = 0; w < 2; w++)
		sp_tcp_unlisten(t.w[w], l[w]);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

/* ---- UDP ---- */

struct udp_rec {
	unsigned n;
	struct sp_ctx *ctx; /* where the callback ran */
	uint16_t sport;
	size_t len;
};

static void
udp_cb(struct sp_ctx *ctx, struct rte_mbuf *m, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
	uint16_t dst_port, void *arg)
{
	struct udp_rec *r = arg;

	(void)src_ip;
	(void)dst_ip;
	(void)dst_port;
	r->n++;
	r->ctx = ctx;
	r->sport = src_port;
	r->len = m->pkt_len;
	rte_pktmbuf_free(m);
}

/* A datagram of 10 bytes from the peer's port 40000 to @p dport, without checksum. */
static struct rte_mbuf *
udp_dgram(uint16_t dport)
{
	struct l3_hdr h = l3_default_hdr(T_PEER_IP, T_OUR_IP, IPPROTO_UDP);
	uint8_t d[8 + 10] = {
		40000 >> 8, 40000 & 0xff, (uint8_t)(dport >> 8), (uint8_t)dport, 0, sizeof(d)};

	return l3_frame(&h, d, sizeof(d));
}

static void
test_udp_owner(void **state)
{
	struct udp_rec r = {0};
	struct two t;

	(void)state;
	two_new(&t, false);
	/* Bound on worker 1 only: a datagram that lands on worker 0 is delivered on worker 1. */
	assert_int_equal(sp_udp_bind(t.w[1], 5353, udp_cb, &r), 0);
	feed_on(&t, 0, udp_dgram(5353));
	assert_int_equal(W_STAT(&t, 0, steer_udp_out), 1);
	assert_int_equal(W_STAT(&t, 0, udp_no_ports), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(t_count(t.env), 0);
	poll_on(&t, 1);
	assert_int_equal(W_STAT(&t, 1, steer_udp_in), 1);
	assert_int_equal(W_STAT(&t, 1, udp_in_datagrams), 1);
	assert_int_equal(r.n, 1);
	assert_ptr_equal(r.ctx, t.w[1]);
	assert_int_equal(r.sport, 40000);
	assert_int_equal(r.len, 10);
	/* Landing on its owner: delivered there. */
	feed_on(&t, 1, udp_dgram(5353));
	assert_int_equal(r.n, 2);
	assert_int_equal(W_STAT(&t, 1, steer_udp_out), 0);
	/* Bound on both: delivered where it lands. */
	assert_int_equal(sp_udp_bind(t.w[0], 5353, udp_cb, &r), 0);
	feed_on(&t, 0, udp_dgram(5353));
	assert_int_equal(r.n, 3);
	assert_ptr_equal(r.ctx, t.w[0]);
	assert_int_equal(W_STAT(&t, 0, steer_udp_out), 1);
	sp_udp_unbind(t.w[0], 5353);
	/* Bound nowhere: port unreachable where it lands, nothing steered. */
	feed_on(&t, 0, udp_dgram(5354));
	assert_int_equal(W_STAT(&t, 0, udp_no_ports), 1);
	assert_int_equal(W_STAT(&t, 0, steer_udp_out), 1);
	assert_int_equal(t_count(t.env), 1);
	sp_test_tx_clear(t.env);
	/* Unbound after it was steered: port unreachable from the owner, not steered back. */
	feed_on(&t, 0, udp_dgram(5353));
	assert_int_equal(W_STAT(&t, 0, steer_udp_out), 2);
	sp_udp_unbind(t.w[1], 5353);
	poll_on(&t, 1);
	assert_int_equal(W_STAT(&t, 1, udp_no_ports), 1);
	assert_int_equal(W_STAT(&t, 1, steer_udp_out), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(t_count(t.env), 1);
	sp_test_tx_clear(t.env);
	/* After the unbind worker 0 no longer sees it bound anywhere. */
	feed_on(&t, 0, udp_dgram(5353));
	assert_int_equal(W_STAT(&t, 0, steer_udp_out), 2);
	assert_int_equal(W_STAT(&t, 0, udp_no_ports), 2);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_frag_needed_active),
		cmocka_unit_test(test_icmp_frag_needed_passive),
		cmocka_unit_test(test_icmp_frag_needed_syn_sent),
		cmocka_unit_test(test_icmp_unreach_syn_received),
		cmocka_unit_test(test_icmp_forged),
		cmocka_unit_test(test_icmp_handshake),
		cmocka_unit_test(test_udp_owner),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
