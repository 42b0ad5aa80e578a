/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TSO segment building (tcp_out.c) on a port that segments: sizes within cwnd and the peer's
 * window, the mbuf's offload flags and lengths, the pseudo-header checksum, the short last
 * piece (Nagle, FIN), retransmission of part of a TSO segment, and the fallback to one MSS for
 * a send buffer split at an odd offset. The test plays the peer with tcp_helper.h.
 */
#include "tcp_helper.h"

#include <rte_ethdev.h>

#include "sp_ctx.h"
#include "sp_proto.h"
#include "sp_stack.h"

#define MSS 1000

/* One frame the stack sent, as the PMD gets it. */
struct frame {
	uint64_t ol_flags;
	uint16_t l2_len, l3_len, l4_len, tso_segsz;
	uint32_t pkt_len;
	uint16_t nb_segs;
	bool cksum_ok; /* the TCP checksum verifies over the frame */
	struct rte_ipv4_hdr ip;
	struct sp_tcp_hdr th;
	uint16_t cksum; /* the TCP checksum field as sent */
	uint32_t len;	/* payload bytes */
	uint8_t data[65536];
};

static struct frame fr;

static bool
pop(struct fx *f, struct frame *o)
{
	static uint8_t buf[70000];
	struct rte_mbuf *m;
	size_t n;

	sp_tx_flush(f->env->ctx);
	m = sp_test_tx_pop(f->env, NULL);
	if (m == NULL)
		return false;
	o->ol_flags = m->ol_flags;
	o->l2_len = m->l2_len;
	o->l3_len = m->l3_len;
	o->l4_len = m->l4_len;
	o->tso_segsz = m->tso_segsz;
	o->pkt_len = m->pkt_len;
	o->nb_segs = m->nb_segs;
	n = sp_test_copy(m, buf, sizeof(buf));
	rte_pktmbuf_free(m);
	assert_int_equal(n, o->pkt_len);
	memcpy(&o->ip, buf + 14, sizeof(o->ip));
	assert_int_equal(sp_tcp_parse(buf + 34, n - 34, &o->th), 0);
	memcpy(&o->cksum, buf + 34 + 16, 2);
	o->len = (uint32_t)(n - 34 - o->th.doff);
	memcpy(o->data, buf + 34 + o->th.doff, o->len);
	o->cksum_ok = rte_ipv4_udptcp_cksum_verify(
			      (const struct rte_ipv4_hdr *)(buf + 14), buf + 34) == 0;
	return true;
}

/* A connection (peer MSS 1000, SACK, no timestamps) on a port with TSO and checksum offloads. */
static struct fx *
tso_fx(bool nodelay)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_tcp_opts so = {.has_mss = true, .mss = MSS, .has_sack_perm = true};
	struct sp_port *pt = &f->env->st->ports[0];

	fx_open_opts(f, T_PISN, &so); /* t_expect() checks complete checksums: offloads after */
	pt->tx_tso = pt->tx_ip_cksum = pt->tx_l4_cksum = true;
	sp_tcp_set_nodelay(f->app.c, nodelay);
	return f;
}

static uint8_t pattern[65536];

static void
check_payload(const struct frame *o, uint32_t off)
{
	assert_memory_equal(o->data, pattern + off, o->len);
}

/* The offload contract of a TSO frame of @len bytes at offset @off. */
static void
check_tso(const struct fx *f, const struct frame *o, uint32_t off, uint32_t len)
{
	struct rte_ipv4_hdr ip = o->ip;

	assert_int_equal(o->th.seq, f->iss + 1 + off);
	assert_int_equal(o->len, len);
	check_payload(o, off);
	assert_true(o->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_true(o->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
	assert_true(o->ol_flags & RTE_MBUF_F_TX_IPV4);
	assert_int_equal(o->ol_flags & RTE_MBUF_F_TX_L4_MASK, RTE_MBUF_F_TX_TCP_CKSUM);
	assert_int_equal(o->tso_segsz, MSS);
	assert_int_equal(o->l2_len, 14);
	assert_int_equal(o->l3_len, 20);
	assert_int_equal(o->l4_len, o->th.doff);
	assert_int_equal(rte_be_to_cpu_16(ip.total_length), 20 + o->th.doff + len);
	/* The pseudo-header sum without the length (rte_ipv4_phdr_cksum with the TSO flag). */
	assert_int_equal(o->cksum, rte_ipv4_phdr_cksum(&ip, RTE_MBUF_F_TX_TCP_SEG));
}

/* The next frame is the TSO segment [@p off, @p off + @p len) with @p flags, and the last one. */
static void
only_tso(struct fx *f, uint32_t off, uint32_t len, uint8_t flags)
{
	assert_true(pop(f, &fr));
	check_tso(f, &fr, off, len);
	assert_int_equal(fr.th.flags, flags);
	assert_false(pop(f, &fr));
}

/* The peer acknowledges our first @p off bytes and offers @p win. */
static void
peer_ack(struct fx *f, uint32_t off, uint16_t win)
{
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + off, T_ACK, win, NULL, NULL, 0);
}

/* 20000 bytes: one TSO segment of the initial window (10 MSS), nothing more until an ACK. */
static void
test_sizes_and_flags(void **state)
{
	struct fx *f = tso_fx(false);

	(void)state;
	assert_int_equal(sp_tcp_send(f->app.c, pattern, 20000), 20000);
	only_tso(f, 0, 10 * MSS, T_ACK | T_PSH); /* the PMD keeps PSH on the last piece */
	assert_int_equal(T_STAT(f->env, tcp_tso_sends), 1);
	assert_int_equal(T_STAT(f->env, tcp_tso_segs), 10);
	/* The peer's window (5000) limits the next one: cwnd 20000 after the ACK, window 5000. */
	peer_ack(f, 10 * MSS, 5000);
	only_tso(f, 10 * MSS, 5 * MSS, T_ACK | T_PSH);
	fx_free(f);
}

/* The short last piece: held by Nagle, sent with Nagle off, and carrying our FIN. */
static void
test_short_last_piece(void **state)
{
	struct fx *f = tso_fx(false);

	(void)state;
	assert_int_equal(sp_tcp_send(f->app.c, pattern, 2500), 2500);
	only_tso(f, 0, 2 * MSS, T_ACK | T_PSH); /* 500 bytes wait for the ACK (Nagle) */
	peer_ack(f, 2 * MSS, 65535);
	assert_true(pop(f, &fr));
	assert_int_equal(fr.len, 500);
	assert_false(fr.ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	fx_free(f);

	f = tso_fx(true);
	assert_int_equal(sp_tcp_send(f->app.c, pattern, 2500), 2500);
	only_tso(f, 0, 2500, T_ACK | T_PSH);
	fx_free(f);

	/* Our FIN queued behind 12500 bytes: after the first window, the rest goes with it. */
	f = tso_fx(false);
	assert_int_equal(sp_tcp_send(f->app.c, pattern, 12500), 12500);
	sp_tcp_close(f->app.c);
	only_tso(f, 0, 10 * MSS, T_ACK | T_PSH);
	peer_ack(f, 10 * MSS, 65535);
	only_tso(f, 10 * MSS, 2500, T_ACK | T_PSH | T_FIN); /* the PMD: FIN on the last piece */
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/* Part of a TSO segment lost: exactly the missing MSS is retransmitted, as a plain segment. */
static void
test_partial_retransmission(void **state)
{
	struct fx *f = tso_fx(false);
	struct sp_tcp_opts o = {.n_sack = 1};

	(void)state;
	assert_int_equal(sp_tcp_send(f->app.c, pattern, 10 * MSS), 10 * MSS);
	assert_true(pop(f, &fr));
	check_tso(f, &fr, 0, 10 * MSS);
	/* Pieces 3.. arrive, piece 2 is lost: duplicate ACKs with growing SACK blocks. */
	peer_ack(f, 2 * MSS, 65535);
	o.sack[0].start = f->iss + 1 + 3 * MSS;
	for (o.sack[0].end = o.sack[0].start + MSS; o.sack[0].end <= f->iss + 1 + 6 * MSS;
		o.sack[0].end += MSS)
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + 2 * MSS, T_ACK, 65535, &o,
			NULL, 0);
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 1);
	assert_true(pop(f, &fr));
	assert_int_equal(fr.th.seq, f->iss + 1 + 2 * MSS);
	assert_int_equal(fr.len, MSS);
	check_payload(&fr, 2 * MSS);
	assert_false(fr.ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_int_equal(T_STAT(f->env, RetransSegs), 1);
	sp_test_tx_clear(f->env);
	/*
	 * The peer falls silent: a PTO later the probe of a recovery (tcp_timer.c), the last
	 * MSS again as a plain segment; an RTO later the timeout: go-back-N from SND.UNA with
	 * cwnd 1 MSS, one plain segment.
	 */
	sp_test_advance_ms(f->env, 3000);
	assert_true(pop(f, &fr));
	assert_int_equal(fr.th.seq, f->iss + 1 + 9 * MSS);
	assert_int_equal(fr.len, MSS);
	assert_false(fr.ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_int_equal(T_STAT(f->env, tcp_recovery_probes), 1);
	assert_true(pop(f, &fr));
	assert_int_equal(fr.th.seq, f->iss + 1 + 2 * MSS);
	assert_true(fr.len <= MSS);
	assert_false(fr.ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * Application mbufs of odd length: net_tap's checksum would be wrong, so no TSO segment; the
 * refused one starts with an odd buffer and goes one byte short of the MSS.
 */
static void
test_odd_split_fallback(void **state)
{
	struct fx *f = tso_fx(false);
	struct rte_mbuf *a = rte_pktmbuf_alloc(sp_test_pool());
	struct rte_mbuf *b = rte_pktmbuf_alloc(sp_test_pool());
	static const uint32_t lens[] = {MSS, MSS - 1, MSS};
	uint32_t off = 0;
	unsigned i = 0;

	(void)state;
	memcpy(rte_pktmbuf_append(a, 1001), pattern, 1001);
	memcpy(rte_pktmbuf_append(b, 1999), pattern + 1001, 1999);
	assert_int_equal(sp_tcp_send_mbuf(f->app.c, a), 0);
	assert_int_equal(sp_tcp_send_mbuf(f->app.c, b), 0);
	/* 1000 alone (Nagle holds 1 byte); then [1 byte of a, 1999 of b]: refused, 999 plain;
	 * then 1000 of b alone (one buffer, but not a whole piece more: no TSO); 1 byte waits. */
	while (pop(f, &fr)) {
		assert_true(i < RTE_DIM(lens));
		assert_int_equal(fr.th.seq, f->iss + 1 + off);
		assert_int_equal(fr.len, lens[i++]);
		assert_false(fr.ol_flags & RTE_MBUF_F_TX_TCP_SEG);
		check_payload(&fr, off);
		off += fr.len;
	}
	assert_int_equal(off, 2999);
	assert_int_equal(T_STAT(f->env, tcp_tso_fallback), 1);
	assert_int_equal(T_STAT(f->env, tcp_tso_sends), 0);
	peer_ack(f, off, 65535);
	assert_true(pop(f, &fr));
	assert_int_equal(fr.len, 1);
	fx_free(f);
}

/*
 * An odd-length write that went alone (a 139-byte HTTP header) leaves the rest of the stream at
 * odd offsets of the send buffer's even-sized mbufs: one segment one byte short of the MSS
 * realigns it, and the next one is a TSO segment again (before, every later one fell back).
 */
static void
test_odd_header_realigns(void **state)
{
	struct fx *f = tso_fx(true);

	(void)state;
	assert_int_equal(sp_tcp_send(f->app.c, pattern, 139), 139);
	assert_true(pop(f, &fr));
	assert_int_equal(fr.len, 139);
	assert_false(pop(f, &fr));
	/* The body follows at once, into the same send-buffer mbuf after the header. */
	assert_int_equal(sp_tcp_send(f->app.c, pattern + 139, 20000), 20000);
	assert_true(pop(f, &fr));
	assert_int_equal(fr.len, MSS - 1);
	assert_false(fr.ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	check_payload(&fr, 139);
	assert_true(pop(f, &fr));
	check_tso(f, &fr, 139 + MSS - 1, 8 * MSS); /* cwnd 10 MSS less 1138 bytes in flight */
	assert_false(pop(f, &fr));
	assert_int_equal(T_STAT(f->env, tcp_tso_fallback), 1);
	assert_int_equal(T_STAT(f->env, tcp_tso_sends), 1);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/* No TSO on the port: one MSS per segment, as ever. */
static void
test_no_tso(void **state)
{
	struct fx *f = tso_fx(false);
	unsigned n = 0;

	(void)state;
	f->env->st->ports[0].tx_tso = false;
	assert_int_equal(sp_tcp_send(f->app.c, pattern, 5 * MSS), 5 * MSS);
	while (pop(f, &fr)) {
		assert_int_equal(fr.len, MSS);
		n++;
	}
	assert_int_equal(n, 5);
	fx_free(f);
}

/*
 * A port whose PMD sends no mbuf chains (net_af_xdp; sp_port.tx_linear): each segment is one
 * mbuf, its payload copied from the send buffer, also where a segment spans two of the buffer's
 * mbufs (sends of odd sizes) and for a retransmission; checksums in software.
 */
static void
test_linear_port(void **state)
{
	struct fx *f = tso_fx(true);
	struct sp_port *pt = &f->env->st->ports[0];
	uint32_t off = 0, sizes[] = {777, 1999, 2224}, i;

	(void)state;
	pt->tx_tso = pt->tx_ip_cksum = pt->tx_l4_cksum = false;
	pt->tx_linear = true;
	for (i = 0; i < RTE_DIM(sizes); i++) {
		assert_int_equal(sp_tcp_send(f->app.c, pattern + off, sizes[i]), sizes[i]);
		off += sizes[i];
	}
	off = 0;
	while (pop(f, &fr)) {
		assert_int_equal(fr.nb_segs, 1);
		assert_true(fr.cksum_ok);
		assert_int_equal(fr.th.seq, f->iss + 1 + off);
		check_payload(&fr, off);
		off += fr.len;
	}
	assert_int_equal(off, 5000);
	/* The retransmission timeout resends the first segment, built the same way. */
	sp_test_advance_ms(f->env, 1100);
	assert_true(pop(f, &fr));
	assert_int_equal(fr.nb_segs, 1);
	assert_true(fr.cksum_ok);
	assert_int_equal(fr.th.seq, f->iss + 1);
	assert_int_equal(fr.len, MSS);
	check_payload(&fr, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/* What the program asks of a PMD (sp_stack_tcp_offloads()): tcp.tso and tcp.gro per driver. */
static void
test_offloads_asked(void **state)
{
	const uint64_t all_rx = RTE_ETH_RX_OFFLOAD_TCP_LRO | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	const uint64_t all_tx = RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	struct sp_config cfg;
	uint64_t rx, tx;

	(void)state;
	sp_test_default_cfg(&cfg);
	/* auto: TSO where it measured faster (net_tap), LRO wherever offered. */
	sp_stack_tcp_offloads(&cfg, "net_tap", all_rx, all_tx, &rx, &tx);
	assert_int_equal(tx, RTE_ETH_TX_OFFLOAD_TCP_TSO);
	assert_int_equal(rx, RTE_ETH_RX_OFFLOAD_TCP_LRO);
	sp_stack_tcp_offloads(&cfg, "net_ice", all_rx, all_tx, &rx, &tx);
	assert_int_equal(tx, 0);
	sp_stack_tcp_offloads(&cfg, "net_tap", 0, RTE_ETH_TX_OFFLOAD_TCP_CKSUM, &rx, &tx);
	assert_int_equal(tx | rx, 0); /* only what the PMD offers */
	assert_true(sp_tcp_sw_gro_wanted(&cfg, "net_tap", false));
	assert_false(sp_tcp_sw_gro_wanted(&cfg, "net_ice", true)); /* the PMD's LRO instead */
	cfg.tcp.tso = SP_OFFLOAD_ON;
	sp_stack_tcp_offloads(&cfg, "net_ice", all_rx, all_tx, &rx, &tx);
	assert_int_equal(tx, RTE_ETH_TX_OFFLOAD_TCP_TSO);
	cfg.tcp.tso = SP_OFFLOAD_OFF;
	cfg.tcp.gro = SP_OFFLOAD_OFF;
	sp_stack_tcp_offloads(&cfg, "net_tap", all_rx, all_tx, &rx, &tx);
	assert_int_equal(tx | rx, 0);
	assert_false(sp_tcp_sw_gro_wanted(&cfg, "net_tap", false));
	cfg.tcp.gro = SP_OFFLOAD_ON;
	cfg.stack.forwarding = 1; /* a router forwards segments as they came: no LRO */
	sp_stack_tcp_offloads(&cfg, "net_ice", all_rx, all_tx, &rx, &tx);
	assert_int_equal(rx, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_and_flags),
		cmocka_unit_test(test_short_last_piece),
		cmocka_unit_test(test_partial_retransmission),
		cmocka_unit_test(test_odd_split_fallback),
		cmocka_unit_test(test_odd_header_realigns),
		cmocka_unit_test(test_no_tso),
		cmocka_unit_test(test_linear_port),
		cmocka_unit_test(test_offloads_asked),
	};
	unsigned i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + i / 251);
	sp_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
