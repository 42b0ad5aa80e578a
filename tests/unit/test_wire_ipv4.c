/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4, ICMP and UDP header views: round trips, every rejection, checksums (odd lengths). */
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "sp_test.h"

/* A valid 20-byte header: 198.18.0.1 -> 198.18.0.2, id 0x1234, DF, TTL 64, UDP, len 28. */
static const uint8_t hdr20[20] = {0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00,
	0x00, 198, 18, 0, 1, 198, 18, 0, 2};

static void
fill_cksum(uint8_t *h, unsigned ihl)
{
	uint16_t c;

	h[10] = h[11] = 0;
	c = sp_test_cksum(h, ihl);
	memcpy(h + 10, &c, 2);
}

/*
 * The header checksum (wire/ipv4.c sums 32-bit words) against DPDK's 16-bit sum: built headers
 * of random fields carry rte_ipv4_cksum()'s value, and headers of every length (20-60 bytes,
 * random bytes, the carries of all-ones words included) pass the check with a correct field
 * and fail it with any one bit of the header flipped.
 */
static void
test_ipv4_cksum_words(void **state)
{
	uint8_t b[60];
	unsigned i, ihl, bit;

	(void)state;
	srand(7);
	for (i = 0; i < 2000; i++) {
		struct sp_ipv4 ip = {.tos = (uint8_t)rand(),
			.total_len = (uint16_t)rand(),
			.id = (uint16_t)rand(),
			.df = rand() & 1,
			.ttl = (uint8_t)rand(),
			.proto = (uint8_t)rand(),
			.src = (uint32_t)rand() * 65599u,
			.dst = i < 8 ? 0xffffffffu : (uint32_t)rand() * 31u};
		uint16_t got;

		sp_ipv4_build(b, &ip, true);
		got = ((struct rte_ipv4_hdr *)b)->hdr_checksum;
		((struct rte_ipv4_hdr *)b)->hdr_checksum = 0;
		assert_int_equal(got, rte_ipv4_cksum((struct rte_ipv4_hdr *)b));
	}
	for (ihl = 20; ihl <= 60; ihl += 4) {
		for (i = 0; i < 200; i++) {
			unsigned k;

			for (k = 0; k < ihl; k++)
				b[k] = i < 4 ? 0xff : (uint8_t)rand();
			fill_cksum(b, ihl);
			assert_true(sp_ipv4_cksum_ok(b, (uint8_t)ihl));
			bit = (unsigned)rand() % (ihl * 8);
			b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_equal(
				sp_ipv4_cksum_ok(b, (uint8_t)ihl), rte_raw_cksum(b, ihl) == 0xffff);
			/* A flipped bit moves the sum by 2^k, never by a multiple of 0xffff. */
			assert_false(sp_ipv4_cksum_ok(b, (uint8_t)ihl));
		}
	}
}

static void
test_ipv4_parse_ok(void **state)
{
	uint8_t b[28] = {0};
	struct sp_ipv4 ip;

	memcpy(b, hdr20, 20);
	fill_cksum(b, 20);
	assert_int_equal(sp_ipv4_parse(b, sizeof(b), &ip), SP_WIRE_OK);
	assert_int_equal(ip.ihl, 20);
	assert_int_equal(ip.total_len, 28);
	assert_int_equal(ip.id, 0x1234);
	assert_true(ip.df);
	assert_false(ip.mf);
	assert_int_equal(ip.frag_off, 0);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.proto, IPPROTO_UDP);
	assert_int_equal(ip.src, RTE_IPV4(198, 18, 0, 1));
	assert_int_equal(ip.dst, RTE_IPV4(198, 18, 0, 2));
	assert_true(sp_ipv4_cksum_ok(b, 20));
	/* the parse did not touch the buffer */
	assert_int_equal(b[2], 0x00);
	assert_int_equal(b[3], 0x1c);
}

static void
test_ipv4_build_roundtrip(void **state)
{
	struct sp_ipv4 in = {.ihl = 20,
		.tos = 0xb8,
		.total_len = 1500,
		.id = 0xbeef,
		.frag_off = 1480,
		.df = false,
		.mf = true,
		.ttl = 7,
		.proto = 6,
		.src = RTE_IPV4(10, 1, 2, 3),
		.dst = RTE_IPV4(198, 18, 1, 200)};
	uint8_t b[1500] = {0};
	struct sp_ipv4 out;

	sp_ipv4_build(b, &in, true);
	assert_true(sp_ipv4_cksum_ok(b, 20));
	assert_int_equal(rte_ipv4_cksum((struct rte_ipv4_hdr *)b), 0);
	assert_int_equal(sp_ipv4_parse(b, sizeof(b), &out), SP_WIRE_OK);
	assert_int_equal(out.tos, 0xb8);
	assert_int_equal(out.total_len, 1500);
	assert_int_equal(out.id, 0xbeef);
	assert_int_equal(out.frag_off, 1480);
	assert_true(out.mf);
	assert_false(out.df);
	assert_int_equal(out.ttl, 7);
	assert_int_equal(out.proto, 6);
	assert_int_equal(out.src, in.src);
	assert_int_equal(out.dst, in.dst);
	/* network order on the wire: fragment field 0x2000 | 185 */
	assert_int_equal(b[6], 0x20);
	assert_int_equal(b[7], 185);
	sp_ipv4_build(b, &in, false);
	assert_int_equal(b[10] | b[11], 0);
}

static void
test_ipv4_parse_rejects(void **state)
{
	uint8_t b[64];
	struct sp_ipv4 ip;

	memcpy(b, hdr20, 20);
	memset(b + 20, 0, sizeof(b) - 20);
	assert_int_equal(sp_ipv4_parse(b, 19, &ip), SP_WIRE_TRUNC);
	b[0] = 0x65;
	assert_int_equal(sp_ipv4_parse(b, 28, &ip), SP_WIRE_BAD_VERSION);
	b[0] = 0x44; /* IHL 4 */
	assert_int_equal(sp_ipv4_parse(b, 28, &ip), SP_WIRE_BAD_HLEN);
	b[0] = 0x48; /* IHL 8 = 32 bytes > 28 available */
	assert_int_equal(sp_ipv4_parse(b, 28, &ip), SP_WIRE_BAD_HLEN);
	b[0] = 0x45;
	b[3] = 19; /* total length below IHL */
	assert_int_equal(sp_ipv4_parse(b, 28, &ip), SP_WIRE_BAD_LEN);
	b[3] = 29; /* beyond the buffer */
	assert_int_equal(sp_ipv4_parse(b, 28, &ip), SP_WIRE_BAD_LEN);
	b[3] = 28;
	assert_int_equal(sp_ipv4_parse(b, 28, &ip), SP_WIRE_OK);
	/* the _ext variant: header contiguous, total length checked against the whole datagram */
	b[3] = 60;
	assert_int_equal(sp_ipv4_parse_ext(b, 28, 60, &ip), SP_WIRE_OK);
	assert_int_equal(sp_ipv4_parse_ext(b, 28, 59, &ip), SP_WIRE_BAD_LEN);
	b[0] = 0x46;
	assert_int_equal(sp_ipv4_parse_ext(b, 23, 60, &ip), SP_WIRE_BAD_HLEN);
}

/* Parse a header of IHL 6..15 whose options are @opts (padded with EOL). */
static int
parse_opts(const uint8_t *opts, unsigned olen)
{
	uint8_t b[60] = {0};
	unsigned ihl = 20 + ((olen + 3) & ~3u);
	struct sp_ipv4 ip;

	memcpy(b, hdr20, 20);
	b[0] = (uint8_t)(0x40 | ihl / 4);
	b[3] = (uint8_t)ihl;
	memcpy(b + 20, opts, olen);
	return sp_ipv4_parse(b, ihl, &ip);
}

static void
test_ipv4_options(void **state)
{
	const uint8_t nop_eol[] = {1, 1, 1, 0};
	const uint8_t rr_ok[] = {7, 7, 4, 0, 0, 0, 0, 1};
	const uint8_t ts_ok[] = {68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	const uint8_t unknown_ok[] = {0x94, 4, 0, 0}; /* router alert */
	const uint8_t len_short[] = {0x94, 1, 0, 0};
	const uint8_t len_long[] = {0x94, 9, 0, 0};
	const uint8_t no_len[] = {1, 1, 1, 0x94};
	const uint8_t rr_ptr[] = {7, 7, 3, 0, 0, 0, 0, 0};
	const uint8_t ts_ptr[] = {68, 4, 4, 0};
	const uint8_t lsrr_short[] = {131, 2, 0, 0};
	const uint8_t after_eol[] = {0, 0x94, 9, 0}; /* garbage after EOL is padding */

	assert_int_equal(parse_opts(nop_eol, sizeof(nop_eol)), SP_WIRE_OK);
	assert_int_equal(parse_opts(rr_ok, sizeof(rr_ok)), SP_WIRE_OK);
	assert_int_equal(parse_opts(ts_ok, sizeof(ts_ok)), SP_WIRE_OK);
	assert_int_equal(parse_opts(unknown_ok, sizeof(unknown_ok)), SP_WIRE_OK);
	assert_int_equal(parse_opts(after_eol, sizeof(after_eol)), SP_WIRE_OK);
	assert_int_equal(parse_opts(len_short, sizeof(len_short)), SP_WIRE_BAD_OPTS);
	assert_int_equal(parse_opts(len_long, sizeof(len_long)), SP_WIRE_BAD_OPTS);
	assert_int_equal(parse_opts(no_len, sizeof(no_len)), SP_WIRE_BAD_OPTS);
	assert_int_equal(parse_opts(rr_ptr, sizeof(rr_ptr)), SP_WIRE_BAD_OPTS);
	assert_int_equal(parse_opts(ts_ptr, sizeof(ts_ptr)), SP_WIRE_BAD_OPTS);
	assert_int_equal(parse_opts(lsrr_short, sizeof(lsrr_short)), SP_WIRE_BAD_OPTS);
}

/* Reference one's-complement sum, byte by byte (RFC 1071), in host order. */
static uint16_t
ref_cksum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
test_cksum_odd_and_incremental(void **state)
{
	uint8_t b[64];
	size_t len;
	unsigned i;

	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 37 + 11);
	for (len = 1; len <= sizeof(b); len++) {
		uint16_t c = sp_test_cksum(b, len); /* memory order */

		assert_int_equal(rte_be_to_cpu_16(c), ref_cksum(b, len));
	}
	/* RFC 1624: changing one word incrementally equals recomputing. */
	for (i = 0; i < 1000; i++) {
		uint8_t h[20];
		uint16_t before, after, w_old, w_new;

		memcpy(h, hdr20, 20);
		h[8] = (uint8_t)(i % 256);
		h[9] = (uint8_t)(i * 7);
		fill_cksum(h, 20);
		before = (uint16_t)(h[10] << 8 | h[11]);
		w_old = (uint16_t)(h[8] << 8 | h[9]);
		h[8]--;
		w_new = (uint16_t)(h[8] << 8 | h[9]);
		after = sp_cksum_adjust16(before, w_old, w_new);
		h[10] = (uint8_t)(after >> 8);
		h[11] = (uint8_t)after;
		assert_true(sp_ipv4_cksum_ok(h, 20));
	}
}

static void
test_icmp_view(void **state)
{
	const uint8_t b[8] = {8, 0, 0xab, 0xcd, 0x12, 0x34, 0x00, 0x05};
	struct sp_icmp ic, ic2;
	uint8_t out[8];

	assert_int_equal(sp_icmp_parse(b, 7, &ic), SP_WIRE_TRUNC);
	assert_int_equal(sp_icmp_parse(b, 8, &ic), SP_WIRE_OK);
	assert_int_equal(ic.type, 8);
	assert_int_equal(ic.code, 0);
	assert_int_equal(ic.cksum, 0xabcd);
	assert_int_equal(ic.rest, 0x12340005);
	sp_icmp_build(out, &ic);
	assert_memory_equal(out, b, 8);
	assert_int_equal(sp_icmp_parse(out, 8, &ic2), SP_WIRE_OK);
	assert_int_equal(ic2.rest, ic.rest);
}

static void
test_udp_view(void **state)
{
	const uint8_t b[12] = {0x30, 0x39, 0x00, 0x07, 0x00, 0x0c, 0xfe, 0xdc, 1, 2, 3, 4};
	struct sp_udp u;
	uint8_t out[8], bad[8];

	assert_int_equal(sp_udp_parse(b, 7, &u), SP_WIRE_TRUNC);
	assert_int_equal(sp_udp_parse(b, 12, &u), SP_WIRE_OK);
	assert_int_equal(u.sport, 12345);
	assert_int_equal(u.dport, 7);
	assert_int_equal(u.len, 12);
	assert_int_equal(u.cksum, 0xfedc);
	assert_int_equal(sp_udp_parse(b, 11, &u), SP_WIRE_BAD_LEN); /* length beyond IP payload */
	memcpy(bad, b, 8);
	bad[5] = 7; /* length below the header */
	assert_int_equal(sp_udp_parse(bad, 8, &u), SP_WIRE_BAD_LEN);
	assert_int_equal(sp_udp_parse(b, 12, &u), SP_WIRE_OK);
	sp_udp_build(out, &u);
	assert_memory_equal(out, b, 8);
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* sp_ipv4_class(): both edges of every range of first octets. */
static void
test_ipv4_class(void **state)
{
	static const struct {
		uint8_t lo, hi;
		enum sp_ipv4_class cls;
	} ranges[] = {{0, 0, SP_IPV4_THIS_NET}, {1, 126, SP_IPV4_UNICAST},
		{127, 127, SP_IPV4_LOOPBACK}, {128, 223, SP_IPV4_UNICAST},
		{224, 239, SP_IPV4_MULTICAST}, {240, 255, SP_IPV4_RESERVED}};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		assert_int_equal(sp_ipv4_class(IP4(ranges[i].lo, 0, 0, 0)), ranges[i].cls);
		assert_int_equal(sp_ipv4_class(IP4(ranges[i].hi, 255, 255, 255)), ranges[i].cls);
	}
	assert_int_equal(sp_ipv4_class(IP4(198, 18, 0, 1)), SP_IPV4_UNICAST);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_parse_ok),
		cmocka_unit_test(test_ipv4_cksum_words),
		cmocka_unit_test(test_ipv4_class),
		cmocka_unit_test(test_ipv4_build_roundtrip),
		cmocka_unit_test(test_ipv4_parse_rejects),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_cksum_odd_and_incremental),
		cmocka_unit_test(test_icmp_view),
		cmocka_unit_test(test_udp_view),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("wire_ipv4", tests, NULL, NULL);
}
