/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (tcp_cookie.c): round trip of every MSS bucket with every option combination,
 * MSS rounding, rejection of a wrong 4-tuple, peer ISN, secret, TSecr or ACK number, and expiry
 * after the validity window (fake TSC).
 */
#include <stdlib.h>

#include "sp_test.h"
#include "sp_ctx.h"
#include "tcp_isn.h"

#define HZ     1000000000ull
#define PERIOD (SP_TCP_COOKIE_PERIOD_S * HZ)
/* The start of a counter period (a multiple of 64 s), so expiry times are exact. */
#define NOW  (1000 * PERIOD)
#define LA   RTE_IPV4(198, 18, 0, 2)
#define RA   RTE_IPV4(198, 18, 0, 1)
#define LP   80
#define RP   43210
#define PISN 0x89abcdefu

static struct sp_stack *
stack_new(uint8_t seed)
{
	struct sp_stack *st = calloc(1, sizeof(*st));
	unsigned i;

	assert_non_null(st);
	st->hz = HZ;
	for (i = 0; i < 16; i++) {
		st->isn_secret[i] = (uint8_t)(seed * 31 + i * 7 + 1);
		st->cookie_secret[i] = (uint8_t)(seed * 17 + i * 13 + 5);
	}
	return st;
}

/* Make a cookie for @o at @t and return it; *tsval the TSval (0 without timestamps). */
static uint32_t
make(const struct sp_stack *st, const struct sp_tcp_cookie_opts *o, uint64_t t, uint32_t *tsval)
{
	*tsval = 0;
	return sp_tcp_cookie_make(st, LA, LP, RA, RP, PISN, o, t, tsval);
}

static int
check(const struct sp_stack *st, uint32_t cookie, bool ts, uint32_t tsecr, uint64_t t,
	struct sp_tcp_cookie_opts *out)
{
	memset(out, 0x5a, sizeof(*out));
	return sp_tcp_cookie_check(st, LA, LP, RA, RP, PISN, cookie, ts, tsecr, t, out);
}

static void
test_mss_table(void **state)
{
	static const uint16_t want[] = {536, 1300, 1440, 1460, 8960};

	assert_int_equal(sp_tcp_cookie_n_mss, 5);
	assert_memory_equal(sp_tcp_cookie_mss, want, sizeof(want));
}

static void
test_round_trip_all(void **state)
{
	struct sp_stack *st = stack_new(1);
	static const uint8_t wscales[] = {0, 1, 7, 14};
	unsigned m, ts, sack, ws, n = 0;

	for (m = 0; m < sp_tcp_cookie_n_mss; m++)
		for (ts = 0; ts < 2; ts++)
			for (sack = 0; sack < 2; sack++)
				for (ws = 0; ws <= sizeof(wscales); ws++) {
					struct sp_tcp_cookie_opts
						o =
							{
								.mss = sp_tcp_cookie_mss[m],
								.ts = ts,
								.sack = sack,
								.wscale_ok = ws < sizeof(wscales),
								.wscale = ws < sizeof(wscales)
										  ? wscales[ws]
										  : 0,
							},
						got;
					uint32_t tsval, c = make(st, &o, NOW + 5 * HZ, &tsval);

					assert_int_equal(
						check(st, c, ts, tsval, NOW + 6 * HZ, &got), 0);
					assert_int_equal(got.mss, o.mss);
					assert_int_equal(got.ts, !!ts);
					/* Without timestamps there is no room for SACK and wscale. */
					assert_int_equal(got.sack, ts && sack);
					assert_int_equal(got.wscale_ok, ts && o.wscale_ok);
					assert_int_equal(
						got.wscale, ts && o.wscale_ok ? o.wscale : 0);
					n++;
				}
	assert_int_equal(n, 5 * 2 * 2 * 5);
	free(st);
}

static void
test_mss_rounding(void **state)
{
	struct sp_stack *st = stack_new(1);
	static const uint16_t in[] = {0, 100, 535, 536, 1299, 1300, 1439, 1440, 1459, 1460, 1461,
		8959, 8960, 9000, 65535};
	static const uint16_t out[] = {536, 536, 536, 536, 536, 1300, 1300, 1440, 1440, 1460, 1460,
		1460, 8960, 8960, 8960};
	unsigned i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct sp_tcp_cookie_opts o = {.mss = in[i]}, got;
		uint32_t tsval, c = make(st, &o, NOW, &tsval);

		assert_int_equal(check(st, c, false, 0, NOW, &got), 0);
		if (got.mss != out[i])
			fail_msg("MSS %u -> %u, expected %u", in[i], got.mss, out[i]);
	}
	free(st);
}

static void
test_tsval_carries_options(void **state)
{
	struct sp_stack *st = stack_new(1);
	struct sp_tcp_cookie_opts o = {
		.mss = 1460, .ts = true, .sack = true, .wscale_ok = true, .wscale = 9};
	uint64_t t;

	/* The low 6 bits are wscale | sack << 4; the TSval never exceeds the clock and is within
	 * 64 ms of it (the connection's later TSvals must not go backwards for PAWS). */
	for (t = NOW; t < NOW + 200 * (HZ / 1000); t += HZ / 1000) {
		uint32_t tsval, clk = sp_tcp_ts_clock(st, t);

		make(st, &o, t, &tsval);
		assert_int_equal(tsval & 0x3f, 0x19);
		assert_true((int32_t)(clk - tsval) >= 0 && clk - tsval < 64);
	}
	o.sack = false;
	o.wscale_ok = false;
	{
		uint32_t tsval;

		make(st, &o, NOW, &tsval);
		assert_int_equal(tsval & 0x3f, 0x0f);
	}
	/* A shift above 14 is carried as 14 (RFC 7323 2.3). */
	o.wscale_ok = true;
	o.wscale = 15;
	{
		uint32_t tsval;
		struct sp_tcp_cookie_opts got;
		uint32_t c = make(st, &o, NOW, &tsval);

		assert_int_equal(check(st, c, true, tsval, NOW, &got), 0);
		assert_int_equal(got.wscale, 14);
	}
	free(st);
}

static void
test_wrong_inputs_fail(void **state)
{
	struct sp_stack *st = stack_new(1), *other = stack_new(2);
	struct sp_tcp_cookie_opts o = {.mss = 1460,
					  .ts = true,
					  .sack = true,
					  .wscale_ok = true,
					  .wscale = 7},
				  got;
	uint32_t tsval, c = make(st, &o, NOW, &tsval);

	assert_int_equal(check(st, c, true, tsval, NOW, &got), 0);
	assert_int_equal(
		sp_tcp_cookie_check(st, LA + 1, LP, RA, RP, PISN, c, true, tsval, NOW, &got),
		-EINVAL);
	assert_int_equal(
		sp_tcp_cookie_check(st, LA, LP + 1, RA, RP, PISN, c, true, tsval, NOW, &got),
		-EINVAL);
	assert_int_equal(
		sp_tcp_cookie_check(st, LA, LP, RA + 1, RP, PISN, c, true, tsval, NOW, &got),
		-EINVAL);
	assert_int_equal(
		sp_tcp_cookie_check(st, LA, LP, RA, RP + 1, PISN, c, true, tsval, NOW, &got),
		-EINVAL);
	/* The ends swapped. */
	assert_int_equal(
		sp_tcp_cookie_check(st, RA, RP, LA, LP, PISN, c, true, tsval, NOW, &got), -EINVAL);
	/* Another peer ISN (the ACK's seq - 1 differs). */
	assert_int_equal(
		sp_tcp_cookie_check(st, LA, LP, RA, RP, PISN + 1, c, true, tsval, NOW, &got),
		-EINVAL);
	/* Another secret. */
	assert_int_equal(
		sp_tcp_cookie_check(other, LA, LP, RA, RP, PISN, c, true, tsval, NOW, &got),
		-EINVAL);
	/* The ISN secret is not the cookie secret. */
	other->isn_secret[0] ^= 1;
	other->hz = HZ;
	memcpy(other->cookie_secret, st->cookie_secret, 16);
	assert_int_equal(
		sp_tcp_cookie_check(other, LA, LP, RA, RP, PISN, c, true, tsval, NOW, &got), 0);
	/* TSecr forged to claim other options (wscale 14, no SACK), or timestamps dropped. */
	assert_int_equal(check(st, c, true, (tsval & ~0x3fu) | 0x0e, NOW, &got), -EINVAL);
	assert_int_equal(check(st, c, true, tsval ^ 0x10, NOW, &got), -EINVAL);
	assert_int_equal(check(st, c, false, 0, NOW, &got), -EINVAL);
	/* The high TSecr bits are not part of the cookie (only the low 6 are ours to read). */
	assert_int_equal(check(st, c, true, tsval + 0x40, NOW, &got), 0);
	free(other);
	free(st);
}

static void
test_ack_off_by_one(void **state)
{
	struct sp_stack *st = stack_new(3);
	unsigned m, i;

	/* Every bucket, several peers: cookie +-1 (an ACK one off) never passes, in particular
	 * not by turning into the neighbouring MSS index. */
	for (m = 0; m < sp_tcp_cookie_n_mss; m++)
		for (i = 0; i < 64; i++) {
			struct sp_tcp_cookie_opts o = {.mss = sp_tcp_cookie_mss[m]}, got;
			uint32_t c =
				sp_tcp_cookie_make(st, LA, LP, RA, RP + i, PISN, &o, NOW, NULL);

			assert_int_equal(sp_tcp_cookie_check(st, LA, LP, RA, RP + i, PISN, c, false,
						 0, NOW, &got),
				0);
			assert_int_equal(sp_tcp_cookie_check(st, LA, LP, RA, RP + i, PISN, c + 1,
						 false, 0, NOW, &got),
				-EINVAL);
			assert_int_equal(sp_tcp_cookie_check(st, LA, LP, RA, RP + i, PISN, c - 1,
						 false, 0, NOW, &got),
				-EINVAL);
			assert_int_equal(sp_tcp_cookie_check(st, LA, LP, RA, RP + i, PISN,
						 c ^ 0x80000000u, false, 0, NOW, &got),
				-EINVAL);
		}
	free(st);
}

static void
test_expiry(void **state)
{
	struct sp_stack *st = stack_new(1);
	struct sp_tcp_cookie_opts o = {.mss = 1440}, got;
	uint32_t tsval, c;

	/* Made at the start of a period: valid for that period and the next (128 s). */
	c = make(st, &o, NOW, &tsval);
	assert_int_equal(check(st, c, false, 0, NOW, &got), 0);
	assert_int_equal(check(st, c, false, 0, NOW + 64 * HZ, &got), 0);
	assert_int_equal(check(st, c, false, 0, NOW + 128 * HZ - 1, &got), 0);
	assert_int_equal(check(st, c, false, 0, NOW + 128 * HZ, &got), -EINVAL);
	assert_int_equal(check(st, c, false, 0, NOW + 3600 * HZ, &got), -EINVAL);
	/* Made at the end of a period: still good 64 s later, not at the end of the next one. */
	c = make(st, &o, NOW + 64 * HZ - 1, &tsval);
	assert_int_equal(check(st, c, false, 0, NOW + 64 * HZ - 1, &got), 0);
	assert_int_equal(check(st, c, false, 0, NOW + 127 * HZ, &got), 0);
	assert_int_equal(check(st, c, false, 0, NOW + 128 * HZ, &got), -EINVAL);
	/* A cookie from the future (clock went backwards, or forged): refused. */
	c = make(st, &o, NOW + 64 * HZ, &tsval);
	assert_int_equal(check(st, c, false, 0, NOW + 64 * HZ - 1, &got), -EINVAL);
	free(st);
}

static void
test_random_acks_fail(void **state)
{
	struct sp_stack *st = stack_new(4);
	struct sp_tcp_cookie_opts got;
	uint32_t x = 12345, i, accepted = 0;

	/* An attacker guessing blindly: 100,000 guesses, none accepted (2^-29 each per counter). */
	for (i = 0; i < 100000; i++) {
		x = x * 1103515245u + 12345u;
		if (sp_tcp_cookie_check(
			    st, LA, LP, RA, RP, PISN, x ^ (i << 16), false, 0, NOW, &got) == 0)
			accepted++;
	}
	assert_int_equal(accepted, 0);
	free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mss_table),
		cmocka_unit_test(test_round_trip_all),
		cmocka_unit_test(test_mss_rounding),
		cmocka_unit_test(test_tsval_carries_options),
		cmocka_unit_test(test_wrong_inputs_fail),
		cmocka_unit_test(test_ack_off_by_one),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_random_acks_fail),
	};

	return cmocka_run_group_tests_name("tcp_cookie", tests, NULL, NULL);
}
