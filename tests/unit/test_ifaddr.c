/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Our addresses (ifaddr.c): which port owns a local address, which destinations are broadcasts,
 * from the stack's flat lists built when the ports are added.
 */
#include "l3_test_util.h"

static void
test_local_and_broadcast(void **state)
{
	struct sp_test_env *env;
	struct sp_config cfg;

	(void)state;
	l3_two_port_cfg(&cfg);
	/* port0: 198.18.0.2/24 (harness) plus a second address of the same subnet and a /31 */
	cfg.ports[0].addrs[1].ip = RTE_IPV4(198, 18, 0, 16);
	cfg.ports[0].addrs[1].plen = 24;
	cfg.ports[0].addrs[2].ip = RTE_IPV4(198, 19, 7, 0);
	cfg.ports[0].addrs[2].plen = 31;
	cfg.ports[0].n_addrs = 3;
	/* port1: 198.18.1.2/24 (harness), a /32, and a /30 */
	cfg.ports[1].addrs[1].ip = RTE_IPV4(198, 19, 9, 9);
	cfg.ports[1].addrs[1].plen = 32;
	cfg.ports[1].addrs[2].ip = RTE_IPV4(198, 19, 5, 1);
	cfg.ports[1].addrs[2].plen = 30;
	cfg.ports[1].n_addrs = 3;
	env = sp_test_env_new(&cfg);

	assert_int_equal(sp_local_port(env->st, RTE_IPV4(198, 18, 0, 2)), 0);
	assert_int_equal(sp_local_port(env->st, RTE_IPV4(198, 18, 0, 16)), 0);
	assert_int_equal(sp_local_port(env->st, RTE_IPV4(198, 19, 7, 0)), 0);
	assert_int_equal(sp_local_port(env->st, RTE_IPV4(198, 18, 1, 2)), 1);
	assert_int_equal(sp_local_port(env->st, RTE_IPV4(198, 19, 9, 9)), 1);
	assert_int_equal(sp_local_port(env->st, RTE_IPV4(198, 19, 5, 1)), 1);
	assert_int_equal(sp_local_port(env->st, RTE_IPV4(198, 18, 0, 3)), -1);
	assert_int_equal(sp_local_port(env->st, RTE_IPV4(198, 19, 7, 1)), -1);
	assert_int_equal(sp_local_port(env->st, 0), -1);

	/* limited, and the directed broadcast of each subnet with one (RFC 1122 3.3.6) */
	assert_true(sp_is_broadcast(env->st, UINT32_MAX));
	assert_true(sp_is_broadcast(env->st, RTE_IPV4(198, 18, 0, 255)));
	assert_true(sp_is_broadcast(env->st, RTE_IPV4(198, 18, 1, 255)));
	assert_true(sp_is_broadcast(env->st, RTE_IPV4(198, 19, 5, 3)));
	/* /31 (RFC 3021) and /32 have none: both ends of a /31 are hosts */
	assert_false(sp_is_broadcast(env->st, RTE_IPV4(198, 19, 7, 1)));
	assert_false(sp_is_broadcast(env->st, RTE_IPV4(198, 19, 9, 9)));
	/* a subnet's network address, a host, another subnet's last address */
	assert_false(sp_is_broadcast(env->st, RTE_IPV4(198, 18, 0, 0)));
	assert_false(sp_is_broadcast(env->st, RTE_IPV4(198, 18, 0, 1)));
	assert_false(sp_is_broadcast(env->st, RTE_IPV4(198, 18, 2, 255)));
	assert_false(sp_is_broadcast(env->st, RTE_IPV4(198, 19, 5, 7)));
	/* one entry for the two addresses of 198.18.0.0/24 */
	assert_int_equal(env->st->n_local, 6);
	assert_int_equal(env->st->n_bcast, 3);
	sp_test_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_and_broadcast),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
