/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Internet checksum (wire/cksum.c): sp_cksum_raw() against DPDK's 16-bit-per-step
 * rte_raw_cksum() for every length 0-2048 at every start alignment 0-7 (random and all-ones
 * data), carries of the initial sum, chains split at odd points and starting at odd offsets,
 * one corrupted byte always seen, and TCP segments spindle sends verifying on its own receive
 * path.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "sp_test.h"
#include "tcp_helper.h"

#define MAXLEN 2048

static uint8_t buf[MAXLEN + 64];

static void
fill_random(unsigned seed)
{
	size_t i;

	srand(seed);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
}

/* Every length and start alignment against rte_raw_cksum(), one piece and split in two. */
static void
check_all_lengths(void)
{
	size_t len, a, k;

	for (len = 0; len <= MAXLEN; len++)
		for (a = 0; a < 8; a++) {
			const uint8_t *p = buf + a;
			uint16_t ref = rte_raw_cksum(p, len);

			assert_int_equal(sp_cksum_fold(sp_cksum_raw(p, len, 0)), ref);
			/* Two pieces, split at an even point: the partial sum carries over. */
			k = (len / 3) & ~(size_t)1;
			assert_int_equal(
				sp_cksum_fold(sp_cksum_raw(p + k, len - k, sp_cksum_raw(p, k, 0))),
				ref);
		}
}

static void
test_raw_random(void **state)
{
	fill_random(1);
	check_all_lengths();
	fill_random(2);
	check_all_lengths();
}

/* All ones: every 64-bit add carries, every fold wraps. */
static void
test_raw_all_ones(void **state)
{
	size_t len;

	memset(buf, 0xff, sizeof(buf));
	check_all_lengths();
	/* The sum of n > 0 words of 0xffff is 0xffff (never 0: -0 in ones' complement). */
	for (len = 2; len <= MAXLEN; len += 2)
		assert_int_equal(sp_cksum_fold(sp_cksum_raw(buf + 1, len, 0)), 0xffff);
}

/* The initial sum: carries out of it, and -0 (all ones) adding nothing to a non-zero sum. */
static void
test_raw_initial_sum(void **state)
{
	static const uint64_t init[] = {
		1, 0xffff, 0x10000, 0xffffffffull, UINT64_MAX - 1, UINT64_MAX};
	size_t len, i;

	fill_random(3);
	for (i = 0; i < RTE_DIM(init); i++)
		for (len = 1; len <= 300; len++) {
			uint32_t ref =
				(uint32_t)rte_raw_cksum(buf + 5, len) + sp_cksum_fold(init[i]);

			ref = (ref & 0xffff) + (ref >> 16);
			assert_int_equal(sp_cksum_fold(sp_cksum_raw(buf + 5, len, init[i])), ref);
		}
	assert_int_equal(sp_cksum_fold(sp_cksum_raw(buf, 0, 0)), 0);
	assert_int_equal(sp_cksum_fold(UINT64_MAX), 0xffff);
}

/* One flipped byte anywhere changes the sum (a byte is worth d or d << 8, never 0 mod 0xffff). */
static void
test_raw_corruption_seen(void **state)
{
	static const size_t lens[] = {1, 7, 64, 100, 531, 1460, 2048};
	size_t i, j;

	fill_random(4);
	for (i = 0; i < RTE_DIM(lens); i++) {
		uint16_t good = sp_cksum_fold(sp_cksum_raw(buf + 3, lens[i], 0));

		for (j = 0; j < lens[i]; j++) {
			buf[3 + j] ^= 0x5a;
			assert_int_not_equal(
				sp_cksum_fold(sp_cksum_raw(buf + 3, lens[i], 0)), good);
			buf[3 + j] ^= 0x5a;
		}
	}
}

/* A segment holding @len bytes of @src, its data starting @shift bytes into the buffer. */
static struct rte_mbuf *
seg_at(const uint8_t *src, size_t len, unsigned shift)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(sp_test_pool());

	assert_non_null(m);
	m->data_off = (uint16_t)(RTE_PKTMBUF_HEADROOM - 64 + shift);
	assert_non_null(rte_pktmbuf_append(m, (uint16_t)len));
	memcpy(rte_pktmbuf_mtod(m, void *), src, len);
	return m;
}

/* @len bytes of buf cut at the @n_cuts increasing points @cuts, segment i shifted by i. */
static struct rte_mbuf *
chain_of(size_t len, const size_t *cuts, unsigned n_cuts)
{
	struct rte_mbuf *head = NULL;
	size_t from = 0, to;
	unsigned i;

	for (i = 0; i <= n_cuts; i++, from = to) {
		struct rte_mbuf *m;

		to = i < n_cuts ? cuts[i] : len;
		m = seg_at(buf + from, to - from, i);
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

static void
check_chains(void)
{
	static const size_t lens[] = {3, 64, 101, 530, 1461, 2048};
	size_t i, c1, c2, off;

	for (i = 0; i < RTE_DIM(lens); i++) {
		size_t len = lens[i];

		for (c1 = 0; c1 <= len; c1 += 1 + len / 37)
			for (c2 = c1; c2 <= len; c2 += 1 + len / 23) {
				const size_t cuts[2] = {c1, c2};
				struct rte_mbuf *m = chain_of(len, cuts, 2);

				/* From offsets 0-3 into the chain (odd starts), to the end. */
				for (off = 0; off < 4 && off <= len; off++)
					assert_int_equal(
						sp_cksum_fold(sp_cksum_mbuf(m, (uint32_t)off,
							(uint32_t)(len - off), 0)),
						rte_raw_cksum(buf + off, len - off));
				/* And a piece in the middle, ending before the last byte. */
				if (len > 4)
					assert_int_equal(sp_cksum_fold(sp_cksum_mbuf(
								 m, 1, (uint32_t)(len - 3), 0)),
						rte_raw_cksum(buf + 1, len - 3));
				rte_pktmbuf_free(m);
			}
	}
}

static void
test_mbuf_chains(void **state)
{
	fill_random(5);
	check_chains();
	/* All ones: the pieces' unfolded sums overflow 16 bits, which DPDK 22.11's chain sum lost. */
	memset(buf, 0xff, sizeof(buf));
	check_chains();
}

/* Every byte in its own segment, odd ones at odd addresses; and empty segments in between. */
static void
test_mbuf_one_byte_segments(void **state)
{
	size_t cuts[99], i;
	struct rte_mbuf *m;

	memset(buf, 0xff, sizeof(buf));
	buf[7] = 0x12;
	for (i = 0; i < RTE_DIM(cuts); i++)
		cuts[i] = i + 1;
	m = chain_of(100, cuts, RTE_DIM(cuts));
	assert_int_equal(sp_cksum_fold(sp_cksum_mbuf(m, 0, 100, 0)), rte_raw_cksum(buf, 100));
	assert_int_equal(sp_cksum_fold(sp_cksum_mbuf(m, 33, 50, 0)), rte_raw_cksum(buf + 33, 50));
	rte_pktmbuf_free(m);
	{
		const size_t c[4] = {0, 5, 5, 9};

		m = chain_of(20, c, 4);
		assert_int_equal(sp_cksum_fold(sp_cksum_mbuf(m, 0, 20, 0)), rte_raw_cksum(buf, 20));
		assert_int_equal(
			sp_cksum_fold(sp_cksum_mbuf(m, 5, 15, 0)), rte_raw_cksum(buf + 5, 15));
		rte_pktmbuf_free(m);
	}
}

/* sp_cksum_l4() against DPDK's pseudo-header checksum, one buffer, TCP and UDP. */
static void
test_l4_vs_dpdk(void **state)
{
	uint8_t d[20 + 1500];
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)d;
	size_t len;

	fill_random(6);
	for (len = 20; len <= 1500; len += 7) {
		uint8_t proto = len & 1 ? IPPROTO_UDP : IPPROTO_TCP;
		struct rte_mbuf *m;
		uint16_t ref, got;

		memcpy(d + 20, buf, len);
		memset(h, 0, sizeof(*h));
		h->version_ihl = RTE_IPV4_VHL_DEF;
		h->next_proto_id = proto;
		h->total_length = rte_cpu_to_be_16((uint16_t)(20 + len));
		h->src_addr = rte_cpu_to_be_32(T_OUR_IP);
		h->dst_addr = rte_cpu_to_be_32(T_PEER_IP);
		m = seg_at(d, 20 + len, 1);
		ref = rte_ipv4_udptcp_cksum_mbuf(m, h, 20);
		got = sp_cksum_l4(m, 20, T_OUR_IP, T_PEER_IP, proto);
		/* DPDK gives UDP's field, where a computed 0 goes as 0xffff (ipv4.c does that). */
		if (proto == IPPROTO_UDP && got == 0)
			got = 0xffff;
		assert_int_equal(got, ref);
		rte_pktmbuf_free(m);
	}
}

/*
 * Swap the frame's MACs, addresses and ports: the segment now comes from the peer, and its
 * checksum still holds (the pseudo-header and the ports sum the same either way round).
 */
static void
reflect(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);
	struct rte_ether_addr a = eh->src_addr;
	rte_be32_t ip = ih->src_addr;
	rte_be16_t port = th->src_port;

	eh->src_addr = eh->dst_addr;
	eh->dst_addr = a;
	ih->src_addr = ih->dst_addr;
	ih->dst_addr = ip;
	th->src_port = th->dst_port;
	th->dst_port = port;
}

/*
 * TX -> RX: every segment spindle sends (software checksum: no offload in the harness; odd
 * writes so that payloads span send-buffer mbufs at odd offsets) passes DPDK's check and
 * spindle's own receive check, and one byte changed in it is counted in InCsumErrors.
 */
static void
test_tcp_round_trip(void **state)
{
	static const size_t writes[] = {137, 5863, 1, 99, 530, 1, 1459, 3001, 7, 4097};
	static uint8_t data[6000];
	struct fx *f = fx_new(NULL, 4);
	struct rte_mbuf *m;
	uint32_t acked = 0, sent = 0;
	unsigned segs = 0, chained = 0, linear = 0, i, round;
	const struct sp_tcp_opts mss1460 = {.has_mss = true, .mss = 1460};

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xff - (i & 1));
	/*
	 * MSS 1460: segments above SP_TCP_COPY_MAX go as a header chained to the send buffer's
	 * mbufs (the sum over a chain), the smaller ones copied behind the header.
	 */
	fx_open_opts(f, T_PISN, &mss1460);
	sp_tcp_set_nodelay(f->app.c, true);
	for (i = 0; i < RTE_DIM(writes); i++) {
		assert_int_equal(sp_tcp_send(f->app.c, data, writes[i]), (ssize_t)writes[i]);
		sent += (uint32_t)writes[i];
		for (round = 0; round < 20 && acked < sent; round++) {
			struct rte_mbuf *out[64];
			unsigned n_out = 0, k;

			/* Everything sent first: what the reflected segments draw is cleared. */
			sp_tx_flush(f->env->ctx);
			while (n_out < RTE_DIM(out) &&
				(out[n_out] = sp_test_tx_pop(f->env, NULL)) != NULL)
				n_out++;
			for (k = 0; k < n_out; k++) {
				uint64_t errs = T_STAT(f->env, InCsumErrors);
				uint8_t flat[4200];
				size_t n;
				struct sp_tcp_hdr th;
				struct rte_mbuf *bad;

				m = out[k];
				n = sp_test_copy(m, flat, sizeof(flat));
				assert_int_equal(sp_tcp_parse(flat + 34, n - 34, &th), 0);
				if (th.seq - (f->iss + 1) + (n - 34 - th.doff) > acked)
					acked = th.seq - (f->iss + 1) +
						(uint32_t)(n - 34 - th.doff);
				/* Header mbuf + payload across send-buffer mbufs: tcp_out's sum. */
				if (m->nb_segs > 2)
					chained++;
				if (m->nb_segs == 1 && n > 54)
					linear++;
				assert_int_equal(rte_ipv4_udptcp_cksum_verify(
							 (const struct rte_ipv4_hdr *)(flat + 14),
							 flat + 34),
					0);
				/* The same bytes with one of the segment's changed. */
				flat[n - 1 - segs % 7] ^= 0x01;
				bad = sp_test_frame(flat, n);
				reflect(m);
				reflect(bad);
				sp_test_input(f->env, 0, m);
				assert_int_equal(T_STAT(f->env, InCsumErrors), errs);
				sp_test_input(f->env, 0, bad);
				assert_int_equal(T_STAT(f->env, InCsumErrors), errs + 1);
				segs++;
			}
			sp_test_tx_clear(f->env);
			/* The peer acknowledges what arrived: the window lets the rest go. */
			t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + acked, T_ACK, 65535,
				NULL, NULL, 0);
		}
		assert_int_equal(acked, sent);
	}
	assert_true(chained > 0);
	assert_true(linear > 0);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_random),
		cmocka_unit_test(test_raw_all_ones),
		cmocka_unit_test(test_raw_initial_sum),
		cmocka_unit_test(test_raw_corruption_seen),
		cmocka_unit_test(test_mbuf_chains),
		cmocka_unit_test(test_mbuf_one_byte_segments),
		cmocka_unit_test(test_l4_vs_dpdk),
		cmocka_unit_test(test_tcp_round_trip),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("wire_cksum", tests, NULL, NULL);
}
