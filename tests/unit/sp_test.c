/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "sp_test.h"

const struct rte_ether_addr t_our_mac = {{0x02, 0, 0, 0, 0, 0x02}};
const struct rte_ether_addr t_peer_mac = {{0x02, 0, 0, 0, 0, 0x01}};

static struct rte_mempool *g_pool;
static int g_eal_done;

void
sp_test_eal_init(void)
{
	/*
	 * --in-memory is what we mean, but EAL refuses it with --no-huge (legacy memory);
	 * --no-shconf gives the same: no files in /var/run, several test binaries in parallel.
	 */
	char *argv[] = {"sp_test", "--no-huge", "--no-pci", "--no-shconf", "-m", "256",
		"--no-telemetry", "--log-level=lib.eal:error", "-l", "0", NULL};
	int argc = RTE_DIM(argv) - 1;

	if (g_eal_done)
		return;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "sp_test: rte_eal_init failed\n");
		exit(1);
	}
	g_pool = rte_pktmbuf_pool_create(
		"sp_test_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (g_pool == NULL) {
		fprintf(stderr, "sp_test: mempool creation failed\n");
		exit(1);
	}
	g_eal_done = 1;
}

struct rte_mempool *
sp_test_pool(void)
{
	return g_pool;
}

void
sp_test_default_cfg(struct sp_config *cfg)
{
	struct sp_port_cfg *p;

	sp_config_defaults(cfg);
	snprintf(cfg->source, sizeof(cfg->source), "unit-test");
	cfg->n_ports = 1;
	p = &cfg->ports[0];
	snprintf(p->name, sizeof(p->name), "port0");
	p->mtu = 1500;
	p->arp = 0;
	p->n_addrs = 1;
	p->addrs[0].ip = T_OUR_IP;
	p->addrs[0].plen = 24;
	p->n_neigh = 1;
	p->neigh[0].ip = T_PEER_IP;
	p->neigh[0].mac = t_peer_mac;
}

static uint16_t
capture_tx(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct sp_test_env *env = ctx->tx_burst_arg;
	uint16_t i;

	for (i = 0; i < n; i++) {
		unsigned slot = env->tx_head + env->n_tx;

		if (slot >= SP_TEST_MAX_TX) {
			/* compact */
			memmove(env->tx, env->tx + env->tx_head, env->n_tx * sizeof(env->tx[0]));
			memmove(env->tx_port, env->tx_port + env->tx_head,
				env->n_tx * sizeof(env->tx_port[0]));
			env->tx_head = 0;
			slot = env->n_tx;
			if (slot >= SP_TEST_MAX_TX)
				return i; /* capture full: the rest stays in the stack's TX batch */
		}
		env->tx[slot] = pkts[i];
		env->tx_port[slot] = port;
		env->n_tx++;
	}
	return n;
}

struct sp_test_env *
sp_test_env_new(const struct sp_config *cfg)
{
	struct sp_test_env *env;
	uint16_t p;

	sp_test_eal_init();
	env = calloc(1, sizeof(*env));
	assert_non_null(env);
	if (cfg != NULL)
		env->cfg = *cfg;
	else
		sp_test_default_cfg(&env->cfg);
	env->pool = g_pool;
	env->st = sp_stack_create(&env->cfg);
	assert_non_null(env->st);
	env->st->hz = 1000000000ULL;
	for (p = 0; p < env->cfg.n_ports; p++) {
		struct rte_ether_addr mac = t_our_mac;

		mac.addr_bytes[4] = (uint8_t)p;
		assert_int_equal(sp_stack_add_port_fake(env->st, p, &mac), 0);
	}
	assert_int_equal(sp_stack_start(env->st), 0);
	env->ctx = sp_ctx_create(env->st, rte_lcore_id(), 0, g_pool);
	assert_non_null(env->ctx);
	env->ctx->tx_burst = capture_tx;
	env->ctx->tx_burst_arg = env;
	env->ctx->hz = env->st->hz;
	env->ctx->now = 1000000000000ULL;
	sp_timer_wheel_init(&env->ctx->timers, env->ctx->hz, env->ctx->now);
	return env;
}

void
sp_test_tx_clear(struct sp_test_env *env)
{
	struct rte_mbuf *m;

	while ((m = sp_test_tx_pop(env, NULL)) != NULL)
		rte_pktmbuf_free(m);
}

void
sp_test_env_free(struct sp_test_env *env)
{
	if (env == NULL)
		return;
	sp_tx_flush(env->ctx);
	sp_test_tx_clear(env);
	sp_ctx_free(env->ctx);
	sp_stack_free(env->st);
	/* Every mbuf the test or the stack allocated must be back: no leak. */
	assert_int_equal(rte_mempool_in_use_count(g_pool), 0);
	free(env);
}

void
sp_test_input(struct sp_test_env *env, uint16_t port, struct rte_mbuf *m)
{
	uint64_t now = RTE_MAX(env->clock, env->ctx->now);

	sp_input(env->ctx, now, port, &m, 1);
	sp_tx_flush(env->ctx);
}

void
sp_test_idle_ms(struct sp_test_env *env, uint64_t ms)
{
	env->clock = RTE_MAX(env->clock, env->ctx->now) + ms * (env->ctx->hz / 1000);
}

void
sp_test_advance_ms(struct sp_test_env *env, uint64_t ms)
{
	uint64_t i;

	for (i = 0; i < ms; i++) {
		env->ctx->now += env->ctx->hz / 1000;
		sp_poll(env->ctx, env->ctx->now);
		sp_tx_flush(env->ctx);
	}
}

struct rte_mbuf *
sp_test_tx_pop(struct sp_test_env *env, uint16_t *port)
{
	struct rte_mbuf *m;

	if (env->n_tx == 0)
		return NULL;
	m = env->tx[env->tx_head];
	if (port != NULL)
		*port = env->tx_port[env->tx_head];
	env->tx_head++;
	env->n_tx--;
	if (env->n_tx == 0)
		env->tx_head = 0;
	return m;
}

unsigned
sp_test_tx_count(const struct sp_test_env *env)
{
	return env->n_tx;
}

struct rte_mbuf *
sp_test_frame(const void *bytes, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g_pool);
	char *d;

	assert_non_null(m);
	assert_true(len <= rte_pktmbuf_tailroom(m));
	d = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	memcpy(d, bytes, len);
	return m;
}

struct rte_mbuf *
sp_test_eth(const struct rte_ether_addr *src, const struct rte_ether_addr *dst, uint16_t ethertype,
	const void *payload, size_t len)
{
	uint8_t buf[RTE_MBUF_DEFAULT_DATAROOM];
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;

	assert_true(len + sizeof(*eh) <= sizeof(buf));
	eh->src_addr = src ? *src : t_peer_mac;
	eh->dst_addr = dst ? *dst : t_our_mac;
	eh->ether_type = rte_cpu_to_be_16(ethertype);
	if (len)
		memcpy(buf + sizeof(*eh), payload, len);
	return sp_test_frame(buf, sizeof(*eh) + len);
}

struct rte_mbuf *
sp_test_ipv4(uint32_t src, uint32_t dst, uint8_t proto, const void *payload, size_t len)
{
	uint8_t buf[RTE_MBUF_DEFAULT_DATAROOM];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	assert_true(len + sizeof(*ip) <= sizeof(buf));
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + len));
	ip->packet_id = rte_cpu_to_be_16(1);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (len)
		memcpy(buf + sizeof(*ip), payload, len);
	return sp_test_eth(NULL, NULL, RTE_ETHER_TYPE_IPV4, buf, sizeof(*ip) + len);
}

uint16_t
sp_test_cksum(const void *buf, size_t len)
{
	uint16_t c = rte_raw_cksum(buf, len);

	return (uint16_t)~c;
}

size_t
sp_test_copy(const struct rte_mbuf *m, void *buf, size_t max)
{
	size_t n = RTE_MIN((size_t)m->pkt_len, max);
	const void *p = rte_pktmbuf_read(m, 0, (uint32_t)n, buf);

	if (p != buf && p != NULL)
		memcpy(buf, p, n);
	return n;
}
