/* SPDX-License-Identifier: BSD-3-Clause */
/* Routes in rte_lpm: connected subnets, static routes (via / dev), default gateway, no route. */
#include "l3_test_util.h"

struct listed {
	unsigned n;
	struct sp_route_entry r[32];
	struct sp_nexthop nh[32];
};

static void
collect(void *arg, const struct sp_route_entry *r, const struct sp_nexthop *nh)
{
	struct listed *l = arg;

	if (l->n < 32) {
		l->r[l->n] = *r;
		l->nh[l->n] = *nh;
	}
	l->n++;
}

static void
test_connected_only(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_nexthop nh;
	struct listed l = {0};

	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(198, 18, 0, 77), &nh), 0);
	assert_int_equal(nh.port, 0);
	assert_int_equal(nh.gw, 0);
	/* no gateway configured: nothing outside the subnet */
	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(198, 18, 1, 1), &nh), -EHOSTUNREACH);
	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(8, 8, 8, 8), &nh), -EHOSTUNREACH);
	sp_route_foreach(env->st, collect, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.r[0].prefix, RTE_IPV4(198, 18, 0, 0));
	assert_int_equal(l.r[0].plen, 24);
	assert_int_equal(l.r[0].connected, 1);
	sp_test_env_free(env);
}

static void
test_static_default_and_lpm(void **state)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	struct sp_nexthop nh;
	struct listed l = {0};
	unsigned i, n_default = 0;

	l3_two_port_cfg(&cfg);
	/* port1 has a second address in another subnet */
	cfg.ports[1].addrs[1].ip = RTE_IPV4(198, 19, 5, 1);
	cfg.ports[1].addrs[1].plen = 30;
	cfg.ports[1].n_addrs = 2;
	cfg.ports[0].gateway = RTE_IPV4(198, 18, 0, 254);
	cfg.n_routes = 3;
	/* 198.19.0.0/16 via 198.18.1.9 (resolved to port1 by its subnet) */
	cfg.routes[0].prefix = RTE_IPV4(198, 19, 0, 0);
	cfg.routes[0].plen = 16;
	cfg.routes[0].via = RTE_IPV4(198, 18, 1, 9);
	cfg.routes[0].port = -1;
	snprintf(cfg.routes[0].name, sizeof(cfg.routes[0].name), "r0");
	/* a more specific host route out of port0 directly (dev port0) */
	cfg.routes[1].prefix = RTE_IPV4(198, 19, 7, 7);
	cfg.routes[1].plen = 32;
	cfg.routes[1].via = 0;
	cfg.routes[1].port = 0;
	snprintf(cfg.routes[1].name, sizeof(cfg.routes[1].name), "r1");
	/* 10.0.0.0/8 via the port0 gateway's neighbour 198.18.0.9 */
	cfg.routes[2].prefix = RTE_IPV4(10, 0, 0, 0);
	cfg.routes[2].plen = 8;
	cfg.routes[2].via = RTE_IPV4(198, 18, 0, 9);
	cfg.routes[2].port = -1;
	snprintf(cfg.routes[2].name, sizeof(cfg.routes[2].name), "r2");
	env = sp_test_env_new(&cfg);

	/* connected */
	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(198, 18, 1, 44), &nh), 0);
	assert_int_equal(nh.port, 1);
	assert_int_equal(nh.gw, 0);
	/* the /30 connected route beats the /16 static one */
	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(198, 19, 5, 2), &nh), 0);
	assert_int_equal(nh.port, 1);
	assert_int_equal(nh.gw, 0);
	/* static via */
	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(198, 19, 200, 1), &nh), 0);
	assert_int_equal(nh.port, 1);
	assert_int_equal(nh.gw, RTE_IPV4(198, 18, 1, 9));
	/* static /32 dev port0 */
	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(198, 19, 7, 7), &nh), 0);
	assert_int_equal(nh.port, 0);
	assert_int_equal(nh.gw, 0);
	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(10, 200, 0, 1), &nh), 0);
	assert_int_equal(nh.port, 0);
	assert_int_equal(nh.gw, RTE_IPV4(198, 18, 0, 9));
	/* default gateway for both halves of the address space */
	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(8, 8, 8, 8), &nh), 0);
	assert_int_equal(nh.port, 0);
	assert_int_equal(nh.gw, RTE_IPV4(198, 18, 0, 254));
	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(203, 0, 113, 1), &nh), 0);
	assert_int_equal(nh.gw, RTE_IPV4(198, 18, 0, 254));

	sp_route_foreach(env->st, collect, &l);
	assert_int_equal(l.n, 3 + 3 + 1);
	for (i = 0; i < l.n && i < 32; i++)
		if (l.r[i].plen == 0) {
			n_default++;
			assert_int_equal(l.r[i].prefix, 0);
			assert_int_equal(l.nh[i].gw, RTE_IPV4(198, 18, 0, 254));
			assert_int_equal(l.r[i].connected, 0);
		}
	assert_int_equal(n_default, 1);
	sp_test_env_free(env);
}

static void
test_static_default_beats_gateway(void **state)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	struct sp_nexthop nh;

	l3_two_port_cfg(&cfg);
	cfg.ports[0].gateway = RTE_IPV4(198, 18, 0, 254);
	cfg.n_routes = 1;
	cfg.routes[0].prefix = 0;
	cfg.routes[0].plen = 0;
	cfg.routes[0].via = RTE_IPV4(198, 18, 1, 254);
	cfg.routes[0].port = -1;
	snprintf(cfg.routes[0].name, sizeof(cfg.routes[0].name), "default");
	env = sp_test_env_new(&cfg);
	assert_int_equal(sp_route_lookup(env->st, RTE_IPV4(1, 2, 3, 4), &nh), 0);
	assert_int_equal(nh.port, 1);
	assert_int_equal(nh.gw, RTE_IPV4(198, 18, 1, 254));
	assert_int_equal(env->st->n_routes, 3);
	sp_test_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connected_only),
		cmocka_unit_test(test_static_default_and_lpm),
		cmocka_unit_test(test_static_default_beats_gateway),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
