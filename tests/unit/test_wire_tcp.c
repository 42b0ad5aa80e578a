/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP header view: parse/build round trip, option layouts, malformed input. */
#include "sp_test.h"
#include "wire/sp_wire.h"

static void
test_roundtrip_all_options(void **state)
{
	struct sp_tcp_hdr h = {
		.sport = 1, .dport = 2, .seq = 0xfffffff0, .ack = 7, .flags = 0x12, .win = 1000};
	struct sp_tcp_hdr p;
	uint8_t buf[60];
	int n;

	(void)state;
	h.opts.has_mss = h.opts.has_wscale = h.opts.has_sack_perm = h.opts.has_ts = true;
	h.opts.mss = 1460;
	h.opts.wscale = 7;
	h.opts.ts_val = 0xdeadbeef;
	h.opts.ts_ecr = 42;
	n = sp_tcp_build(buf, &h);
	assert_int_equal(n, 20 + 4 + 12 + 4);
	assert_int_equal(n, 20 + sp_tcp_opts_len(&h.opts));
	assert_int_equal(sp_tcp_parse(buf, n, &p), 0);
	assert_int_equal(p.doff, n);
	assert_int_equal(p.seq, 0xfffffff0);
	assert_int_equal(p.win, 1000);
	assert_true(p.opts.has_mss && p.opts.has_wscale && p.opts.has_sack_perm && p.opts.has_ts);
	assert_int_equal(p.opts.mss, 1460);
	assert_int_equal(p.opts.wscale, 7);
	assert_int_equal(p.opts.ts_val, 0xdeadbeef);
	assert_int_equal(p.opts.ts_ecr, 42);
}

static void
test_sack_blocks(void **state)
{
	struct sp_tcp_hdr h = {0}, p;
	uint8_t buf[60];
	int n;

	(void)state;
	h.opts.has_ts = true;
	h.opts.n_sack = 3;
	h.opts.sack[0].start = 10;
	h.opts.sack[0].end = 20;
	h.opts.sack[2].start = 0xfffffff0;
	h.opts.sack[2].end = 5;
	n = sp_tcp_build(buf, &h);
	assert_int_equal(n, 20 + 12 + 4 + 24);
	assert_int_equal(sp_tcp_parse(buf, n, &p), 0);
	assert_int_equal(p.opts.n_sack, 3);
	assert_int_equal(p.opts.sack[0].end, 20);
	assert_int_equal(p.opts.sack[2].start, 0xfffffff0);
}

static void
test_malformed(void **state)
{
	uint8_t buf[40] = {0};
	struct sp_tcp_hdr p;

	(void)state;
	assert_int_equal(sp_tcp_parse(buf, 19, &p), SP_WIRE_TRUNC);
	buf[12] = 4 << 4; /* doff 16 */
	assert_int_equal(sp_tcp_parse(buf, 20, &p), SP_WIRE_BAD_HLEN);
	buf[12] = 6 << 4; /* doff 24, 20 available */
	assert_int_equal(sp_tcp_parse(buf, 20, &p), SP_WIRE_TRUNC);
	/* Option length running off the header. */
	buf[20] = 2;
	buf[21] = 8;
	assert_int_equal(sp_tcp_parse(buf, 24, &p), SP_WIRE_BAD_OPTS);
	/* Length 0 would loop forever. */
	buf[20] = 30;
	buf[21] = 0;
	assert_int_equal(sp_tcp_parse(buf, 24, &p), SP_WIRE_BAD_OPTS);
	/* Unknown kind skipped; EOL ends the list; wrong-length MSS ignored. */
	buf[20] = 30;
	buf[21] = 2;
	buf[22] = 0;
	assert_int_equal(sp_tcp_parse(buf, 24, &p), 0);
	buf[20] = 2;
	buf[21] = 3;
	buf[22] = 5;
	buf[23] = 0;
	assert_int_equal(sp_tcp_parse(buf, 24, &p), 0);
	assert_false(p.opts.has_mss);
}

/* The 8 bytes an ICMP error quotes: ports and sequence number, nothing more needed. */
static void
test_parse_head(void **state)
{
	const uint8_t q[8] = {0x1f, 0x90, 0xc3, 0x50, 0xde, 0xad, 0xbe, 0xef};
	struct sp_tcp_hdr p;

	(void)state;
	assert_int_equal(sp_tcp_parse_head(q, 7, &p), SP_WIRE_TRUNC);
	assert_int_equal(sp_tcp_parse_head(q, sizeof(q), &p), SP_WIRE_OK);
	assert_int_equal(p.sport, 8080);
	assert_int_equal(p.dport, 50000);
	assert_int_equal(p.seq, 0xdeadbeef);
}

/*
 * Found by the fuzzer (tests/fuzz/corpus/st_icmp_pmtu under UBSan): a quote sits 62 bytes into
 * the frame, so its sequence number is 2 mod 4; the view must not load it as a uint32_t. Every
 * offset 0..3 of an aligned buffer parses the same (the UBSan build fails the misaligned load).
 */
static void
test_parse_head_unaligned(void **state)
{
	const uint8_t q[8] = {0x1f, 0x90, 0xc3, 0x50, 0xde, 0xad, 0xbe, 0xef};
	uint32_t words[4];
	uint8_t *buf = (uint8_t *)words;
	struct sp_tcp_hdr p;
	unsigned off;

	(void)state;
	for (off = 0; off < 4; off++) {
		memcpy(buf + off, q, sizeof(q));
		assert_int_equal(sp_tcp_parse_head(buf + off, sizeof(q), &p), SP_WIRE_OK);
		assert_int_equal(p.sport, 8080);
		assert_int_equal(p.dport, 50000);
		assert_int_equal(p.seq, 0xdeadbeef);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_options),
		cmocka_unit_test(test_sack_blocks),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_parse_head),
		cmocka_unit_test(test_parse_head_unaligned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
