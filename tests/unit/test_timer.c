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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fire_at_deadline),
		cmocka_unit_test(test_cancel_and_rearm),
		cmocka_unit_test(test_beyond_one_turn),
		cmocka_unit_test(test_clock_jump),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
