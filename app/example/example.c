/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spindle-example: the smallest DPDK program that embeds libspindle. One port, one lcore that
 * polls (the main one), a TCP echo server. Read it top to bottom.
 *
 *   spindle-example [EAL options] -- [CONFIG_FILE]
 *
 * Without a file the config is filled in by hand below: a net_tap port "spx0" with 198.18.0.2/24,
 * ARP off, the kernel side 198.18.0.1 at 02:00:00:00:00:01 (net_tap gives the kernel side of the
 * tap the port's own MAC, so the kernel side is given that one). In a network namespace:
 *   ip netns add ex; ip netns exec ex build/app/example/spindle-example -l 0 --no-huge --no-pci
 *   ip netns exec ex sh -c 'ip link set spx0 address 02:00:00:00:00:01 up;
 *     ip addr add 198.18.0.1/24 dev spx0;
 *     ip neigh add 198.18.0.2 lladdr 02:00:00:00:00:02 dev spx0 nud permanent;
 *     echo hello | nc -N 198.18.0.2 7'
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <spindle.h>

#define ECHO_PORT 7
#define BURST	  32

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* ---- step 1: a configuration, from a file or by hand ---- */

static int
make_config(int argc, char **argv, struct sp_config *cfg)
{
	struct sp_port_cfg *p = &cfg->ports[0];
	char err[256];

	if (argc > 1) {
		if (sp_config_load(argv[1], cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return -1;
		}
		return 0;
	}
	sp_config_defaults(cfg);
	cfg->n_ports = 1;
	snprintf(p->name, sizeof(p->name), "port0");
	snprintf(p->vdev, sizeof(p->vdev), "net_tap0,iface=spx0");
	sp_parse_mac("02:00:00:00:00:02", &p->mac);
	p->mtu = 1500;
	p->rx_desc = p->tx_desc = 1024;
	p->n_addrs = 1;
	sp_parse_cidr("198.18.0.2/24", &p->addrs[0].ip, &p->addrs[0].plen);
	/* ARP is off: the peer's MAC is a static neighbour. */
	p->n_neigh = 1;
	sp_parse_ipv4("198.18.0.1", &p->neigh[0].ip);
	sp_parse_mac("02:00:00:00:00:01", &p->neigh[0].mac);
	if (sp_config_validate(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* ---- step 2: the ethdev port (one RX and one TX queue for our one polling lcore) ---- */

static int
port_start(const struct sp_port_cfg *pc, struct rte_mempool *pool, uint16_t *port_id)
{
	struct rte_eth_conf conf = {.rxmode = {.mtu = pc->mtu}};
	char name[SP_NAME_LEN];
	size_t n;

	/* The device: a vdev we create ("net_tap0,iface=spx0"), or one EAL already has. */
	if (pc->vdev[0] != '\0') {
		n = strcspn(pc->vdev, ",");
		snprintf(name, sizeof(name), "%.*s", (int)n, pc->vdev);
		if (rte_eth_dev_get_port_by_name(name, port_id) != 0 &&
			rte_dev_probe(pc->vdev) != 0)
			return -1;
	} else {
		snprintf(name, sizeof(name), "%s", pc->device);
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0)
		return -1;
	/* No offloads asked for: libspindle computes and checks every checksum itself. */
	if (rte_eth_dev_configure(*port_id, 1, 1, &conf) != 0 ||
		rte_eth_rx_queue_setup(*port_id, 0, pc->rx_desc, rte_socket_id(), NULL, pool) !=
			0 ||
		rte_eth_tx_queue_setup(*port_id, 0, pc->tx_desc, rte_socket_id(), NULL) != 0)
		return -1;
	if (!rte_is_zero_ether_addr(&pc->mac))
		rte_eth_dev_default_mac_addr_set(*port_id, (struct rte_ether_addr *)&pc->mac);
	return rte_eth_dev_start(*port_id);
}

/* ---- step 3: the application, on the event API of sp_api.h ---- */

/*
 * Received data not yet accepted by the send buffer: a small FIFO of the chains recv() handed
 * us (each is sent as it came; one big chain could outgrow the send buffer and never fit).
 * The stack has no read-side flow control, so a peer that sends without reading its echo fills
 * this; past ECHO_HELD chains we give up on it.
 */
#define ECHO_HELD 512
struct echo_conn {
	struct rte_mbuf *held[ECHO_HELD];
	unsigned head, n;
	bool peer_closed, closing;
};

static void
echo_flush(struct sp_conn *c, struct echo_conn *e)
{
	/* sp_tcp_send_mbuf() takes a chain without copying, or leaves it with us (-ENOBUFS). */
	while (e->n != 0 && sp_tcp_send_mbuf(c, e->held[e->head]) == 0) {
		e->head = (e->head + 1) % ECHO_HELD;
		e->n--;
	}
	/* RFC 862: echo everything received before the peer's FIN, then close our side. */
	if (e->n == 0 && e->peer_closed && !e->closing) {
		e->closing = true;
		sp_tcp_close(c);
	}
}

static void
echo_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct echo_conn *e = arg;

	if (e->closing || e->n == ECHO_HELD) {
		rte_pktmbuf_free(m);
		if (!e->closing) { /* the peer does not read what we send back */
			e->closing = true;
			sp_tcp_abort(c);
		}
		return;
	}
	e->held[(e->head + e->n++) % ECHO_HELD] = m;
	echo_flush(c, e);
}

static void
echo_writable(struct sp_conn *c, void *arg)
{
	echo_flush(c, arg);
}

static void
echo_peer_closed(struct sp_conn *c, void *arg)
{
	struct echo_conn *e = arg;

	e->peer_closed = true;
	echo_flush(c, e);
}

static void
echo_closed(struct sp_conn *c, int err, void *arg)
{
	struct echo_conn *e = arg;

	(void)c;
	(void)err;
	while (e->n != 0) {
		rte_pktmbuf_free(e->held[e->head]);
		e->head = (e->head + 1) % ECHO_HELD;
		e->n--;
	}
	free(e);
}

static const struct sp_tcp_callbacks echo_cb = {
	.recv = echo_recv,
	.writable = echo_writable,
	.peer_closed = echo_peer_closed,
	.closed = echo_closed,
};

static int
echo_accepted(struct sp_conn *c, void *arg)
{
	struct echo_conn *e = calloc(1, sizeof(*e));

	(void)arg;
	if (e == NULL)
		return -1; /* the stack resets the connection */
	sp_tcp_set_callbacks(c, &echo_cb, e);
	return 0;
}

static const struct sp_tcp_callbacks listen_cb = {.accepted = echo_accepted};

/* ---- step 4: put it together and poll ---- */

int
main(int argc, char **argv)
{
	static struct sp_config cfg;
	struct rte_mbuf *pkts[BURST];
	struct rte_mempool *pool = NULL;
	struct sp_listener *l;
	struct sp_stack *st = NULL;
	struct sp_ctx *ctx = NULL;
	uint16_t port_id = RTE_MAX_ETHPORTS, n;
	int ret, status = 1;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return 1;
	argc -= ret;
	argv += ret;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (make_config(argc, argv, &cfg) != 0)
		goto out_eal;
	pool = rte_pktmbuf_pool_create("ex_mbufs", cfg.stack.mbufs, cfg.stack.mbuf_cache, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL || port_start(&cfg.ports[0], pool, &port_id) != 0) {
		fprintf(stderr, "cannot set up the mempool or port %s\n", cfg.ports[0].name);
		goto out_pool;
	}

	/* The shared stack (read-only once started), then this lcore's context. */
	st = sp_stack_create(&cfg);
	if (st == NULL || sp_stack_add_port(st, 0, port_id, 1) != 0 || sp_stack_start(st) != 0)
		goto out_stack;
	ctx = sp_ctx_create(st, rte_lcore_id(), 0, pool);
	if (ctx == NULL)
		goto out_stack;
	if (sp_tcp_listen(ctx, &(struct sp_listen_opts){.port = ECHO_PORT, .cb = &listen_cb}, &l) !=
		0) {
		fprintf(stderr, "cannot listen on TCP port %u\n", ECHO_PORT);
		goto out_ctx;
	}
	printf("echo server on TCP port %u; Ctrl-C to stop\n", ECHO_PORT);

	/* The loop of every libspindle program: receive, input, timers, your work, transmit. */
	while (!quit) {
		uint64_t now = rte_rdtsc();

		n = rte_eth_rx_burst(port_id, 0, pkts, BURST);
		sp_input(ctx, now, 0, pkts, n); /* the time the frames arrived with */
		sp_poll(ctx, now);
		sp_tx_flush(ctx);
		if (n == 0)
			rte_delay_us_sleep(
				100); /* be nice to a shared machine; drop for busy polling */
	}
	status = 0;
	sp_tcp_unlisten(ctx, l);
out_ctx:
	sp_ctx_free(ctx);
out_stack:
	sp_stack_free(st);
out_pool:
	if (port_id != RTE_MAX_ETHPORTS) {
		rte_eth_dev_stop(port_id);
		rte_eth_dev_close(port_id);
	}
	rte_mempool_free(pool);
out_eal:
	rte_eal_cleanup();
	return status;
}
