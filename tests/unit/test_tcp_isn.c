/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 against the reference vectors of the SipHash paper (key 00..0f, messages of 0 to
 * 63 bytes 00 01 02 ...), and RFC 6528 ISN properties: same tuple and time give the same ISN,
 * any other tuple or secret another one, and the 4 us clock advances it 250,000 per second.
 */
#include <stdlib.h>

#include "sp_test.h"
#include "sp_ctx.h"
#include "tcp_isn.h"

#define HZ  1000000000ull /* the fake TSC: 1 ns per cycle */
#define NOW (1000 * HZ)

/* vectors_sip64[] of the reference implementation, as little-endian 64-bit integers. */
static const uint64_t sip_vectors[64] = {
	UINT64_C(0x726fdb47dd0e0e31), /* 0 */
	UINT64_C(0x74f839c593dc67fd), /* 1 */
	UINT64_C(0x0d6c8009d9a94f5a), /* 2 */
	UINT64_C(0x85676696d7fb7e2d), /* 3 */
	UINT64_C(0xcf2794e0277187b7), /* 4 */
	UINT64_C(0x18765564cd99a68d), /* 5 */
	UINT64_C(0xcbc9466e58fee3ce), /* 6 */
	UINT64_C(0xab0200f58b01d137), /* 7 */
	UINT64_C(0x93f5f5799a932462), /* 8 */
	UINT64_C(0x9e0082df0ba9e4b0), /* 9 */
	UINT64_C(0x7a5dbbc594ddb9f3), /* 10 */
	UINT64_C(0xf4b32f46226bada7), /* 11 */
	UINT64_C(0x751e8fbc860ee5fb), /* 12 */
	UINT64_C(0x14ea5627c0843d90), /* 13 */
	UINT64_C(0xf723ca908e7af2ee), /* 14 */
	UINT64_C(0xa129ca6149be45e5), /* 15 */
	UINT64_C(0x3f2acc7f57c29bdb), /* 16 */
	UINT64_C(0x699ae9f52cbe4794), /* 17 */
	UINT64_C(0x4bc1b3f0968dd39c), /* 18 */
	UINT64_C(0xbb6dc91da77961bd), /* 19 */
	UINT64_C(0xbed65cf21aa2ee98), /* 20 */
	UINT64_C(0xd0f2cbb02e3b67c7), /* 21 */
	UINT64_C(0x93536795e3a33e88), /* 22 */
	UINT64_C(0xa80c038ccd5ccec8), /* 23 */
	UINT64_C(0xb8ad50c6f649af94), /* 24 */
	UINT64_C(0xbce192de8a85b8ea), /* 25 */
	UINT64_C(0x17d835b85bbb15f3), /* 26 */
	UINT64_C(0x2f2e6163076bcfad), /* 27 */
	UINT64_C(0xde4daaaca71dc9a5), /* 28 */
	UINT64_C(0xa6a2506687956571), /* 29 */
	UINT64_C(0xad87a3535c49ef28), /* 30 */
	UINT64_C(0x32d892fad841c342), /* 31 */
	UINT64_C(0x7127512f72f27cce), /* 32 */
	UINT64_C(0xa7f32346f95978e3), /* 33 */
	UINT64_C(0x12e0b01abb051238), /* 34 */
	UINT64_C(0x15e034d40fa197ae), /* 35 */
	UINT64_C(0x314dffbe0815a3b4), /* 36 */
	UINT64_C(0x027990f029623981), /* 37 */
	UINT64_C(0xcadcd4e59ef40c4d), /* 38 */
	UINT64_C(0x9abfd8766a33735c), /* 39 */
	UINT64_C(0x0e3ea96b5304a7d0), /* 40 */
	UINT64_C(0xad0c42d6fc585992), /* 41 */
	UINT64_C(0x187306c89bc215a9), /* 42 */
	UINT64_C(0xd4a60abcf3792b95), /* 43 */
	UINT64_C(0xf935451de4f21df2), /* 44 */
	UINT64_C(0xa9538f0419755787), /* 45 */
	UINT64_C(0xdb9acddff56ca510), /* 46 */
	UINT64_C(0xd06c98cd5c0975eb), /* 47 */
	UINT64_C(0xe612a3cb9ecba951), /* 48 */
	UINT64_C(0xc766e62cfcadaf96), /* 49 */
	UINT64_C(0xee64435a9752fe72), /* 50 */
	UINT64_C(0xa192d576b245165a), /* 51 */
	UINT64_C(0x0a8787bf8ecb74b2), /* 52 */
	UINT64_C(0x81b3e73d20b49b6f), /* 53 */
	UINT64_C(0x7fa8220ba3b2ecea), /* 54 */
	UINT64_C(0x245731c13ca42499), /* 55 */
	UINT64_C(0xb78dbfaf3a8d83bd), /* 56 */
	UINT64_C(0xea1ad565322a1a0b), /* 57 */
	UINT64_C(0x60e61c23a3795013), /* 58 */
	UINT64_C(0x6606d7e446282b93), /* 59 */
	UINT64_C(0x6ca4ecb15c5f91e1), /* 60 */
	UINT64_C(0x9f626da15c9625f3), /* 61 */
	UINT64_C(0xe51b38608ef25f57), /* 62 */
	UINT64_C(0x958a324ceb064572), /* 63 */
};

static struct sp_stack *
stack_new(uint8_t seed)
{
	struct sp_stack *st = calloc(1, sizeof(*st));
	unsigned i;

	assert_non_null(st);
	st->hz = HZ;
	sp_tcp_clock_init(st);
	for (i = 0; i < 16; i++) {
		st->isn_secret[i] = (uint8_t)(seed * 31 + i * 7 + 1);
		st->cookie_secret[i] = (uint8_t)(seed * 17 + i * 13 + 5);
	}
	return st;
}

static void
test_siphash_vectors(void **state)
{
	uint8_t key[16], msg[64];
	unsigned i;

	for (i = 0; i < 16; i++)
		key[i] = i;
	for (i = 0; i < 64; i++)
		msg[i] = i;
	for (i = 0; i < 64; i++) {
		uint64_t h = sp_siphash24(key, msg, i);

		if (h != sip_vectors[i])
			fail_msg("SipHash-2-4 of %u bytes: %016" PRIx64 ", expected %016" PRIx64, i,
				h, sip_vectors[i]);
	}
}

static void
test_siphash_unaligned_and_keyed(void **state)
{
	uint8_t key[16], buf[80];
	unsigned i;

	for (i = 0; i < 16; i++)
		key[i] = i;
	/* The same message at an odd address: same tag. */
	for (i = 0; i < 64; i++)
		buf[3 + i] = i;
	assert_true(sp_siphash24(key, buf + 3, 63) == sip_vectors[63]);
	assert_true(sp_siphash24(key, buf + 3, 15) == sip_vectors[15]);
	/* One key bit flipped: another tag. */
	key[15] ^= 0x80;
	assert_true(sp_siphash24(key, buf + 3, 15) != sip_vectors[15]);
}

static void
test_isn_deterministic(void **state)
{
	struct sp_stack *st = stack_new(1);
	const uint32_t a = RTE_IPV4(198, 18, 0, 2), b = RTE_IPV4(198, 18, 0, 1);

	assert_int_equal(
		sp_tcp_isn(st, a, 80, b, 40000, NOW), sp_tcp_isn(st, a, 80, b, 40000, NOW));
	/* Within one 4 us tick the clock adds nothing. */
	assert_int_equal(
		sp_tcp_isn(st, a, 80, b, 40000, NOW), sp_tcp_isn(st, a, 80, b, 40000, NOW + 3999));
	free(st);
}

static void
test_isn_tuple(void **state)
{
	struct sp_stack *st = stack_new(1);
	const uint32_t a = RTE_IPV4(198, 18, 0, 2), b = RTE_IPV4(198, 18, 0, 1);
	uint32_t base = sp_tcp_isn(st, a, 80, b, 40000, NOW);
	static uint32_t isn[4096];
	unsigned i, j, diff_same = 0;

	/* Each field of the 4-tuple matters, and swapping the ends matters. */
	assert_int_not_equal(base, sp_tcp_isn(st, a + 1, 80, b, 40000, NOW));
	assert_int_not_equal(base, sp_tcp_isn(st, a, 81, b, 40000, NOW));
	assert_int_not_equal(base, sp_tcp_isn(st, a, 80, b + 1, 40000, NOW));
	assert_int_not_equal(base, sp_tcp_isn(st, a, 80, b, 40001, NOW));
	assert_int_not_equal(base, sp_tcp_isn(st, b, 40000, a, 80, NOW));
	assert_int_not_equal(base, sp_tcp_isn(st, a, 40000, b, 80, NOW));
	/* Consecutive source ports at the same instant: distinct, and not a progression (the
	 * differences between neighbours are not constant, as a global counter's would be). */
	for (i = 0; i < 4096; i++)
		isn[i] = sp_tcp_isn(st, a, 80, b, 30000 + i, NOW);
	for (i = 0; i < 4096; i++)
		for (j = i + 1; j < 4096; j++)
			if (isn[i] == isn[j])
				fail_msg("ports %u and %u share ISN %08x", 30000 + i, 30000 + j,
					isn[i]);
	for (i = 2; i < 4096; i++)
		if (isn[i] - isn[i - 1] == isn[i - 1] - isn[i - 2])
			diff_same++;
	assert_true(diff_same < 4);
	free(st);
}

static void
test_isn_clock(void **state)
{
	struct sp_stack *st = stack_new(2);
	const uint32_t a = RTE_IPV4(198, 18, 0, 2), b = RTE_IPV4(198, 18, 0, 1);
	uint32_t i0 = sp_tcp_isn(st, a, 80, b, 40000, NOW);
	uint64_t t;

	/* RFC 6528: M ticks every 4 microseconds: 250,000 per second. */
	assert_int_equal(sp_tcp_isn(st, a, 80, b, 40000, NOW + 4000) - i0, 1);
	assert_int_equal(sp_tcp_isn(st, a, 80, b, 40000, NOW + HZ) - i0, 250000);
	assert_int_equal(sp_tcp_isn(st, a, 80, b, 40000, NOW + 60 * HZ) - i0, 15000000);
	/* Non-decreasing (modulo 2^32) over time, also far beyond 2^64 / 250000 cycles. */
	for (t = 0; t < 100; t++) {
		uint64_t now = UINT64_C(1) << 62 | t * 997 * 1000;
		uint32_t x = sp_tcp_isn(st, a, 80, b, 40000, now);
		uint32_t y = sp_tcp_isn(st, a, 80, b, 40000, now + 1000 * 1000);

		assert_int_equal(y - x, 250);
	}
	/* Another TSC rate: same rate of ISN. */
	st->hz = 2500000000ull;
	i0 = sp_tcp_isn(st, a, 80, b, 40000, 10 * st->hz);
	assert_int_equal(sp_tcp_isn(st, a, 80, b, 40000, 11 * st->hz) - i0, 250000);
	free(st);
}

static void
test_isn_secret(void **state)
{
	struct sp_stack *s1 = stack_new(1), *s2 = stack_new(2);
	const uint32_t a = RTE_IPV4(198, 18, 0, 2), b = RTE_IPV4(198, 18, 0, 1);
	unsigned i, same = 0;

	for (i = 0; i < 256; i++)
		if (sp_tcp_isn(s1, a, 80, b, 40000 + i, NOW) ==
			sp_tcp_isn(s2, a, 80, b, 40000 + i, NOW))
			same++;
	assert_int_equal(same, 0);
	free(s1);
	free(s2);
}

static void
test_secrets_drawn_at_start(void **state)
{
	static const uint8_t zero[16];
	uint8_t isn1[16], cookie1[16];
	uint32_t i1;
	struct sp_test_env *e;

	/* sp_stack_start() draws both secrets: distinct per stack, never all zero. The harness
	 * holds one env at a time, so the first stack's values are kept aside. */
	e = sp_test_env_new(NULL);
	memcpy(isn1, e->st->isn_secret, 16);
	memcpy(cookie1, e->st->cookie_secret, 16);
	i1 = sp_tcp_isn(e->st, T_OUR_IP, 80, T_PEER_IP, 40000, NOW);
	sp_test_env_free(e);
	assert_memory_not_equal(isn1, zero, 16);
	assert_memory_not_equal(cookie1, zero, 16);
	assert_memory_not_equal(isn1, cookie1, 16);

	e = sp_test_env_new(NULL);
	assert_memory_not_equal(e->st->isn_secret, isn1, 16);
	assert_memory_not_equal(e->st->cookie_secret, cookie1, 16);
	assert_int_not_equal(sp_tcp_isn(e->st, T_OUR_IP, 80, T_PEER_IP, 40000, NOW), i1);
	sp_test_env_free(e);
}

static void
test_ts_clock(void **state)
{
	struct sp_stack *st = stack_new(1);

	assert_int_equal(sp_tcp_ts_clock(st, 0), 0);
	assert_int_equal(sp_tcp_ts_clock(st, HZ / 1000 - 1), 0);
	assert_int_equal(sp_tcp_ts_clock(st, HZ / 1000), 1);
	assert_int_equal(sp_tcp_ts_clock(st, 5 * HZ + HZ / 2), 5500);
	/* Wraps modulo 2^32 ms. */
	assert_int_equal(
		sp_tcp_ts_clock(st, (UINT64_C(1) << 32) * (HZ / 1000) + 7 * (HZ / 1000)), 7);
	free(st);
}

/*
 * The clocks without a division (sp_tcp_clock_init()) give what the division gives: the
 * timestamp clock and the ISN's 4-microsecond M, for TSC rates real and odd, at tick counts
 * around each step of the slower clock, far out and at the end of the 64-bit range. The same
 * stack without the precomputed values (clk_hz 0, as when a test sets hz alone) divides.
 */
static void
test_clock_without_division(void **state)
{
	static const uint64_t hzs[] = {HZ, 2100000000ull, 2095078000ull, 3699999989ull, 250001ull,
		1000003ull, 4294967311ull};
	struct sp_stack *fast = stack_new(3), *slow = stack_new(3);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned h, i, d;

	(void)state;
	for (h = 0; h < RTE_DIM(hzs); h++) {
		uint64_t hz = hzs[h];

		fast->hz = slow->hz = hz;
		sp_tcp_clock_init(fast);
		slow->clk_hz = 0;
		assert_int_equal(fast->clk_hz, hz);
		for (i = 0; i < 20000; i++) {
			uint64_t v, k = i < 10000 ? i : (x = x * 6364136223846793005ull + 1) >> 20;

			for (d = 0; d < 3; d++) {
				/* around the k-th millisecond and the k-th 4-microsecond tick */
				v = (k * hz + 999) / 1000 + d - 1;
				assert_int_equal(
					sp_tcp_ts_clock(fast, v), sp_tcp_ts_clock(slow, v));
				assert_int_equal(sp_tcp_ts_clock(fast, v),
					(uint32_t)(v / hz * 1000 + v % hz * 1000 / hz));
				v = (k * hz + 249999) / 250000 + d - 1;
				assert_int_equal(sp_tcp_isn(fast, 1, 2, 3, 4, v),
					sp_tcp_isn(slow, 1, 2, 3, 4, v));
			}
			v = x; /* anywhere in the 64-bit range */
			assert_int_equal(sp_tcp_ts_clock(fast, v), sp_tcp_ts_clock(slow, v));
			assert_int_equal(
				sp_tcp_isn(fast, 5, 6, 7, 8, v), sp_tcp_isn(slow, 5, 6, 7, 8, v));
		}
		assert_int_equal(
			sp_tcp_ts_clock(fast, UINT64_MAX), sp_tcp_ts_clock(slow, UINT64_MAX));
		assert_int_equal(sp_tcp_isn(fast, 1, 2, 3, 4, UINT64_MAX),
			sp_tcp_isn(slow, 1, 2, 3, 4, UINT64_MAX));
	}
	/* a stack whose hz changed after sp_tcp_clock_init() divides by the new one */
	fast->hz = HZ;
	sp_tcp_clock_init(fast);
	fast->hz = 2 * HZ;
	assert_int_equal(sp_tcp_ts_clock(fast, 4 * HZ), 2000);
	free(slow);
	free(fast);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_siphash_unaligned_and_keyed),
		cmocka_unit_test(test_isn_deterministic),
		cmocka_unit_test(test_isn_tuple),
		cmocka_unit_test(test_isn_clock),
		cmocka_unit_test(test_isn_secret),
		cmocka_unit_test(test_secrets_drawn_at_start),
		cmocka_unit_test(test_ts_clock),
		cmocka_unit_test(test_clock_without_division),
	};

	return cmocka_run_group_tests_name("tcp_isn", tests, NULL, NULL);
}
