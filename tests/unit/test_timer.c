/* SPDX-License-Identifier: BSD-3-Clause */
/* The timer wheel: firing order, re-arm from a callback, cancel, long deadlines. */
#include "sp_test.h"

static int fired[8];

static void
cb(struct sp_ctx *ctx, struct sp_timer *t, void *arg)
{
	fired[(uintptr_t)arg]++;
}

static void
rearm_cb(struct sp_ctx *ctx, struct sp_timer *t, void *arg)
{
	fired[(uintptr_t)arg]++;
	if (fired[(uintptr_t)arg] < 3)
		sp_timer_arm(ctx, t, ctx->now + sp_ms_to_tsc(ctx, 10));
}

static void
test_fire_at_deadline(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_timer t = {0};

	memset(fired, 0, sizeof(fired));
	sp_timer_init(&t, cb, (void *)0);
	sp_timer_arm(env->ctx, &t, env->ctx->now + sp_ms_to_tsc(env->ctx, 5));
	sp_test_advance_ms(env, 4);
	assert_int_equal(fired[0], 0);
	sp_test_advance_ms(env, 2);
	assert_int_equal(fired[0], 1);
	sp_test_advance_ms(env, 100);
	assert_int_equal(fired[0], 1);
	sp_test_env_free(env);
}

/* sp_timer_due_by(): an armed timer fires no later than arming it for that deadline would. */
static void
test_due_by(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	uint64_t now = env->ctx->now, ms = sp_ms_to_tsc(env->ctx, 1);
	struct sp_timer t = {0};

	sp_timer_init(&t, cb, (void *)0);
	assert_false(sp_timer_due_by(env->ctx, &t, now + 5 * ms)); /* not armed */
	sp_timer_arm(env->ctx, &t, now + 5 * ms + ms / 3);
	assert_true(sp_timer_due_by(env->ctx, &t, now + 5 * ms + ms / 3));
	assert_true(sp_timer_due_by(env->ctx, &t, now + 9 * ms));
	/* a later deadline in the same 1 ms slot: the wheel would round it to the same end */
	assert_true(sp_timer_due_by(env->ctx, &t, now + 5 * ms + ms / 3 + 1));
	assert_false(sp_timer_due_by(env->ctx, &t, now + 4 * ms));
	sp_timer_cancel(env->ctx, &t);
	assert_false(sp_timer_due_by(env->ctx, &t, now + 9 * ms));
	sp_test_env_free(env);
}

static void
test_cancel_and_rearm(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_timer a = {0}, b = {0};

	memset(fired, 0, sizeof(fired));
	sp_timer_init(&a, cb, (void *)1);
	sp_timer_init(&b, rearm_cb, (void *)2);
	sp_timer_arm(env->ctx, &a, env->ctx->now + sp_ms_to_tsc(env->ctx, 3));
	sp_timer_arm(env->ctx, &b, env->ctx->now + sp_ms_to_tsc(env->ctx, 3));
	sp_timer_cancel(env->ctx, &a);
	sp_timer_cancel(env->ctx, &a); /* idempotent */
	sp_test_advance_ms(env, 50);
	assert_int_equal(fired[1], 0);
	assert_int_equal(fired[2], 3);
	assert_int_equal(env->ctx->timers.n_armed, 0);
	sp_test_env_free(env);
}

static void
test_beyond_one_turn(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_timer t = {0};

	memset(fired, 0, sizeof(fired));
	sp_timer_init(&t, cb, (void *)3);
	/* 10 s is more than one 4096-slot turn of the wheel */
	sp_timer_arm(env->ctx, &t, env->ctx->now + sp_ms_to_tsc(env->ctx, 10000));
	sp_test_advance_ms(env, 9990);
	assert_int_equal(fired[3], 0);
	sp_test_advance_ms(env, 20);
	assert_int_equal(fired[3], 1);
	sp_test_env_free(env);
}

static void
test_clock_jump(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_timer t = {0};

	memset(fired, 0, sizeof(fired));
	sp_timer_init(&t, cb, (void *)4);
	sp_timer_arm(env->ctx, &t, env->ctx->now + sp_ms_to_tsc(env->ctx, 7));
	/* a single poll an hour later fires it once, without walking every slot */
	env->ctx->now += sp_ms_to_tsc(env->ctx, 3600 * 1000);
	sp_poll(env->ctx, env->ctx->now);
	assert_int_equal(fired[4], 1);
	sp_test_env_free(env);
}

/* ---- randomised check of the slot arithmetic against a model ---- */

#define RT_N 48

struct rt {
	struct sp_timer t;
	uint64_t want; /* the deadline asked for */
	uint64_t due;  /* the model's: that deadline's slot boundary, past the current slot */
	bool armed;
	unsigned n_fired;
	uint64_t fired_at; /* the now of the run that fired it */
};

static uint64_t rt_now, rt_rng;

static uint64_t
rt_rand(void)
{
	/* xorshift64: the same sequence every run */
	rt_rng ^= rt_rng << 13;
	rt_rng ^= rt_rng >> 7;
	rt_rng ^= rt_rng << 17;
	return rt_rng;
}

static void
rt_cb(struct sp_ctx *ctx, struct sp_timer *t, void *arg)
{
	struct rt *r = arg;

	(void)ctx;
	(void)t;
	r->n_fired++;
	r->fired_at = rt_now;
	r->armed = false;
}

/* A deadline near the interesting places: now, slot edges, a turn of the wheel, the past. */
static uint64_t
rt_deadline(uint64_t now, uint64_t cps)
{
	const uint64_t turn = (uint64_t)SP_TIMER_SLOTS * cps;
	uint64_t k = rt_rand() % 8, base;

	switch (rt_rand() % 6) {
	case 0:
		return now - RTE_MIN(now, rt_rand() % (3 * cps)); /* already due */
	case 1:
		return now + rt_rand() % (4 * cps);
	case 2: /* a slot boundary, or one cycle either side */
		base = (now / cps + 1 + rt_rand() % 200) * cps;
		return base + (k % 3) - 1;
	case 3: /* one, two or three turns of the wheel on, +- a slot */
		return now + (1 + k % 3) * turn + rt_rand() % (2 * cps) - cps;
	case 4:
		return now + rt_rand() % (5 * turn);
	default:
		return now + rt_rand() % (300 * cps);
	}
}

static uint64_t
rt_step(uint64_t cps)
{
	switch (rt_rand() % 8) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return cps - 1;
	case 3:
		return cps;
	case 4:
		return rt_rand() % (3 * cps);
	case 5:
		return rt_rand() % (100 * cps);
	case 6:
		return rt_rand() % 2 == 0 ? rt_rand() % ((uint64_t)SP_TIMER_SLOTS * cps) : cps + 1;
	default:
		return rt_rand() % 16 == 0 ? (uint64_t)(SP_TIMER_SLOTS + 7) * cps : cps / 2;
	}
}

static void
rt_run_one(uint64_t hz, uint64_t t0, unsigned rounds)
{
	struct sp_ctx *ctx = calloc(1, sizeof(*ctx));
	struct rt *rt = calloc(RT_N, sizeof(*rt));
	uint64_t cps, now = t0;
	unsigned i, round, n_armed = 0;

	assert_non_null(ctx);
	assert_non_null(rt);
	sp_timer_wheel_init(&ctx->timers, hz, t0);
	cps = ctx->timers.cycles_per_slot;
	for (i = 0; i < RT_N; i++)
		sp_timer_init(&rt[i].t, rt_cb, &rt[i]);
	for (round = 0; round < rounds; round++) {
		unsigned fired = 0;

		for (i = rt_rand() % 4; i > 0; i--) {
			struct rt *r = &rt[rt_rand() % RT_N];
			uint64_t slot;

			if (r->armed && rt_rand() % 4 == 0) {
				sp_timer_cancel(ctx, &r->t);
				r->armed = false;
				n_armed--;
				continue;
			}
			r->want = rt_deadline(now, cps);
			slot = (r->want + cps - 1) / cps;
			if (slot <= ctx->timers.cur_slot)
				slot = ctx->timers.cur_slot + 1;
			r->due = slot * cps;
			if (!r->armed)
				n_armed++;
			r->armed = true;
			r->n_fired = 0;
			sp_timer_arm(ctx, &r->t, r->want);
		}
		assert_int_equal(ctx->timers.n_armed, n_armed);
		now += rt_step(cps);
		rt_now = now;
		for (i = 0; i < RT_N; i++)
			rt[i].fired_at = 0;
		fired = sp_timers_run(ctx, now);
		for (i = 0; i < RT_N; i++) {
			struct rt *r = &rt[i];

			if (r->fired_at == now && r->n_fired > 0) {
				/* fired now: it was due, and never before its deadline */
				assert_int_equal(r->n_fired, 1);
				assert_true(r->want <= now);
				assert_true(r->due <= now);
				r->n_fired = 2; /* a second firing would show as 3 */
				n_armed--;
				fired--;
			} else if (r->armed) {
				/* not fired: not due yet (a timer late by a slot or a turn fails here) */
				if (r->due <= now)
					fail_msg("hz %" PRIu64 " round %u: timer %u due %" PRIu64
						 " (asked %" PRIu64 ") not fired at %" PRIu64,
						hz, round, i, r->due, r->want, now);
			}
		}
		assert_int_equal(fired, 0);
		assert_int_equal(ctx->timers.n_armed, n_armed);
	}
	free(rt);
	free(ctx);
}

/*
 * Slot arithmetic against a model: timers armed at random deadlines (due already, on and
 * beside slot boundaries, one to five turns of the wheel on), cancelled and re-armed, polled at
 * random steps (none, one cycle, a slot, more than a turn), at TSC rates that are no round
 * number and from clocks near 2^62 and just before the slot index wraps. Each timer fires at
 * the first poll at or past its deadline rounded up to a slot boundary: never before its
 * deadline, never a poll later.
 */
static void
test_slot_arithmetic_model(void **state)
{
	const uint64_t hzs[] = {UINT64_C(2999999937), UINT64_C(2100000000), UINT64_C(1000003), 999};
	unsigned h;

	(void)state;
	rt_rng = 0x9e3779b97f4a7c15ull;
	for (h = 0; h < RTE_DIM(hzs); h++) {
		uint64_t cps = hzs[h] / 1000 ? hzs[h] / 1000 : 1;

		rt_run_one(hzs[h], (UINT64_C(1) << 62) + 12345, 3000);
		/* the wheel's slot index wraps soon after the start */
		rt_run_one(hzs[h], ((uint64_t)SP_TIMER_SLOTS * 1000 - 3) * cps + cps / 3, 3000);
		rt_run_one(hzs[h], cps * 7 + 1, 3000);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fire_at_deadline),
		cmocka_unit_test(test_cancel_and_rearm),
		cmocka_unit_test(test_due_by),
		cmocka_unit_test(test_beyond_one_turn),
		cmocka_unit_test(test_clock_jump),
		cmocka_unit_test(test_slot_arithmetic_model),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
