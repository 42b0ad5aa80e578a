/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: frames into sp_input().
 *
 * Input format: byte 0 selects the setup (bit 0: ARP on, bit 1: forwarding on, bit 2: a TCP
 * listener on port 80), then records of [u16 little-endian length][u8 clock step in ms][frame].
 * Each input gets a fresh per-lcore context, so state from one input never leaks into the next;
 * after the context is freed every mbuf must be back in the pool, else the target aborts
 * (an mbuf leak is a bug like a crash).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "spindle.h"
#include "sp_proto.h"

static struct rte_mempool *pool;
static struct sp_config cfgs[8];
static struct sp_stack *stacks[8];

static uint16_t
drop_tx(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	/* Walk what the stack built (catches malformed chains), then free it. */
	uint16_t i;
	volatile uint32_t sum = 0;

	for (i = 0; i < n; i++) {
		const struct rte_mbuf *s;

		for (s = pkts[i]; s != NULL; s = s->next)
			sum += s->data_len;
		if (sum < pkts[i]->pkt_len)
			abort();
		rte_pktmbuf_free(pkts[i]);
	}
	return n;
}

static int
on_accept(struct sp_conn *c, void *arg)
{
	return 0;
}

static void
on_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	/* echo back what fits, to exercise the send path too */
	if (sp_tcp_send_mbuf(c, m) != 0)
		rte_pktmbuf_free(m);
}

static const struct sp_tcp_callbacks fuzz_cb = {
	.accepted = on_accept,
	.recv = on_recv,
};

static void
setup_cfg(struct sp_config *cfg, unsigned variant)
{
	struct sp_port_cfg *p;

	sp_config_defaults(cfg);
	snprintf(cfg->source, sizeof(cfg->source), "fuzz");
	cfg->n_ports = 2;
	cfg->stack.forwarding = !!(variant & 2);
	p = &cfg->ports[0];
	snprintf(p->name, sizeof(p->name), "port0");
	p->mtu = 1500;
	p->arp = variant & 1;
	p->n_addrs = 1;
	p->addrs[0].ip = RTE_IPV4(198, 18, 0, 2);
	p->addrs[0].plen = 24;
	p->n_neigh = 1;
	p->neigh[0].ip = RTE_IPV4(198, 18, 0, 1);
	p->neigh[0].mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, 1}};
	p->gateway = RTE_IPV4(198, 18, 0, 1);
	p = &cfg->ports[1];
	snprintf(p->name, sizeof(p->name), "port1");
	p->mtu = 1280;
	p->arp = variant & 1;
	p->n_addrs = 1;
	p->addrs[0].ip = RTE_IPV4(198, 18, 1, 2);
	p->addrs[0].plen = 24;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = {"fuzz", "--no-huge", "--no-pci", "--no-shconf", "-m", "1024",
		"--no-telemetry", "--log-level=*:crit", "-l", "0", NULL};
	unsigned v;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "fuzz: rte_eal_init failed\n");
		exit(1);
	}
	pool = rte_pktmbuf_pool_create(
		"fuzz_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		exit(1);
	for (v = 0; v < 8; v++) {
		uint16_t p;

		setup_cfg(&cfgs[v], v);
		stacks[v] = sp_stack_create(&cfgs[v]);
		if (stacks[v] == NULL)
			exit(1);
		stacks[v]->hz = 1000000000ULL;
		for (p = 0; p < cfgs[v].n_ports; p++) {
			struct rte_ether_addr mac = {{2, 0, 0, 0, (uint8_t)p, 2}};

			sp_stack_add_port_fake(stacks[v], p, &mac);
		}
		if (sp_stack_start(stacks[v]) != 0)
			exit(1);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_listener *l = NULL;
	struct sp_ctx *ctx;
	unsigned variant;
	size_t off = 1;

	if (size < 1)
		return 0;
	variant = data[0] & 7;
	ctx = sp_ctx_create(stacks[variant], rte_lcore_id(), 0, pool);
	if (ctx == NULL)
		abort();
	ctx->tx_burst = drop_tx;
	ctx->hz = 1000000000ULL;
	ctx->now = 1000000000000ULL;
	sp_timer_wheel_init(&ctx->timers, ctx->hz, ctx->now);
	if (variant & 4) {
		struct sp_listen_opts o = {.port = 80, .cb = &fuzz_cb};

		sp_tcp_listen(ctx, &o, &l);
	}
	while (off + 3 <= size) {
		uint16_t len = (uint16_t)(data[off] | (data[off + 1] << 8));
		uint8_t step = data[off + 2];
		struct rte_mbuf *m;
		uint16_t port;

		off += 3;
		if (len > size - off)
			len = (uint16_t)(size - off);
		if (len > RTE_MBUF_DEFAULT_DATAROOM)
			len = RTE_MBUF_DEFAULT_DATAROOM;
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL)
			break;
		memcpy(rte_pktmbuf_append(m, len), data + off, len);
		off += len;
		port = step >> 7; /* top bit: which port the frame arrives on */
		sp_input(ctx, ctx->now, port, &m, 1);
		/* advance the fake clock: up to 127 ms, or 30 s steps for a larger value */
		step &= 0x7f;
		ctx->now += (uint64_t)(step < 120 ? step : (step - 119) * 30000) * 1000000ULL;
		sp_poll(ctx, ctx->now);
		sp_tx_flush(ctx);
	}
	/* Let every timer run out (retransmissions, TIME-WAIT, reassembly expiry). */
	{
		int i;

		for (i = 0; i < 40; i++) {
			ctx->now += 30000ULL * 1000000ULL;
			sp_poll(ctx, ctx->now);
			sp_tx_flush(ctx);
		}
	}
	if (l != NULL)
		sp_tcp_unlisten(ctx, l);
	sp_ctx_free(ctx);
	if (rte_mempool_in_use_count(pool) != 0) {
		fprintf(stderr, "fuzz: %u mbufs leaked\n", rte_mempool_in_use_count(pool));
		abort();
	}
	return 0;
}
