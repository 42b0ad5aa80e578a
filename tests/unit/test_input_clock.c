/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sp_input() runs at the time the loop passes (design rule 3), not at the previous iteration's
 * clock: a segment processed after an idle gap is timed at its arrival. The loop reads now,
 * runs input, and only then sp_poll(); before sp_input() took the time, everything the input
 * path timed (RTT samples, TS.Recent ageing, the delayed-ACK arm, the ICMP bucket) ran on a clock
 * up to one idle sleep old.
 */
#include "tcp_helper.h"

#define LPORT 7
#define RPORT 40000
#define PISN  1000u

static struct sp_conn *accepted_conn;

static int
on_accepted(struct sp_conn *c, void *arg)
{
	(void)arg;
	accepted_conn = c;
	return 0;
}

static const struct sp_tcp_callbacks listen_cb = {.accepted = on_accepted};

/* A passive connection, ESTABLISHED, no options; @iss gets the stack's ISS. */
static struct sp_test_env *
open_conn(uint32_t *iss)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_listen_opts lo = {.port = LPORT, .cb = &listen_cb};
	struct sp_listener *l;
	struct t_out o;

	accepted_conn = NULL;
	assert_int_equal(sp_tcp_listen(env->ctx, &lo, &l), 0);
	t_seg(env, RPORT, LPORT, PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(env, &o, T_SYN | T_ACK);
	*iss = o.h.seq;
	t_seg(env, RPORT, LPORT, PISN + 1, *iss + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_non_null(accepted_conn);
	return env;
}

/*
 * One byte sent, the loop idles 300 ms (no sp_poll()), the ACK arrives in the first iteration
 * after: the RTT sample is 300 ms (RFC 6298 2.2: first sample, SRTT = R), not the near-zero
 * that the previous iteration's clock would give.
 */
static void
test_rtt_sample_after_idle_gap(void **state)
{
	struct sp_tcp_info info;
	struct sp_test_env *env;
	struct t_out o;
	uint64_t t0;
	uint32_t iss;

	(void)state;
	env = open_conn(&iss);
	sp_tcp_get_info(accepted_conn, &info);
	assert_int_equal(info.srtt_us, 0); /* no sample yet: the next one is the first */
	assert_int_equal(sp_tcp_send(accepted_conn, "x", 1), 1);
	t_expect(env, &o, T_ACK);
	assert_int_equal(o.len, 1);
	t0 = env->ctx->now;
	sp_test_idle_ms(env, 300);
	t_seg(env, RPORT, LPORT, PISN + 1, iss + 2, T_ACK, 65535, NULL, NULL, 0);
	/* The context's clock is the segment's arrival time, before any sp_poll(). */
	assert_int_equal(env->ctx->now, t0 + 300 * (env->ctx->hz / 1000));
	sp_tcp_get_info(accepted_conn, &info);
	assert_int_equal(info.bytes_acked, 1);
	assert_true(info.srtt_us >= 299000 && info.srtt_us <= 301000);
	sp_tcp_abort(accepted_conn);
	sp_test_tx_clear(env);
	sp_test_env_free(env);
}

/* An empty RX burst still counts the poll and moves the clock (the loop calls it every time). */
static void
test_empty_burst_counts_and_sets_clock(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	uint64_t later = env->ctx->now + env->ctx->hz;

	(void)state;
	assert_int_equal(sp_input(env->ctx, later, 0, NULL, 0), 0);
	assert_int_equal(env->ctx->now, later);
	assert_int_equal(sp_ctx_now(env->ctx), later);
	assert_int_equal(T_STAT(env, rx_polls), 1);
	assert_int_equal(T_STAT(env, rx_empty_polls), 1);
	assert_int_equal(T_STAT(env, rx_pkts), 0);
	sp_test_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtt_sample_after_idle_gap),
		cmocka_unit_test(test_empty_burst_counts_and_sets_clock),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
