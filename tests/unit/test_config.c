/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The INI configuration (lib/core/config.c): defaults, every key, list keys, command-line overrides,
 * every error message (each must name the section and key), and every shipped config file.
 * [service.NAME] sections are only passed through here (raw keys with their line); the services
 * read them, tests/unit/test_services.c checks that.
 * No EAL: rte_cfgfile does not need it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sp_test.h"

#define SRC "t.conf"

/* A minimal valid port, prepended to most snippets below. */
#define PORT0 "[port0]\nvdev = net_tap0,iface=sp0\naddress = 198.18.0.2/24\n"

static struct sp_config g_cfg;
static char g_err[512];

static int
parse(const char *text)
{
	g_err[0] = '\0';
	return sp_config_parse_string(text, SRC, &g_cfg, g_err, sizeof(g_err));
}

static void
assert_parses(const char *text)
{
	int ret = parse(text);

	if (ret != 0)
		fail_msg("expected success, got %d: %s\n--- text ---\n%s", ret, g_err, text);
}

/*
 * Parse @text, expect -EINVAL and a message that starts with the source name and contains every
 * string of @needles (NULL-terminated): the section and key, and what is wrong.
 */
static void
expect_error_v(const char *text, const char *const *needles)
{
	int ret = parse(text);
	unsigned i;

	if (ret != -EINVAL)
		fail_msg("expected -EINVAL, got %d (%s)\n--- text ---\n%s", ret, g_err, text);
	if (strncmp(g_err, SRC ": ", strlen(SRC ": ")) != 0)
		fail_msg("message does not start with the file name: '%s'", g_err);
	for (i = 0; needles[i] != NULL; i++)
		if (strstr(g_err, needles[i]) == NULL)
			fail_msg("message '%s' lacks '%s'\n--- text ---\n%s", g_err, needles[i],
				text);
}

#define EXPECT_ERROR(text, ...)                                     \
	do {                                                        \
		const char *const needles_[] = {__VA_ARGS__, NULL}; \
		expect_error_v(text, needles_);                     \
	} while (0)

/* ------------------------------------------------------------------------------------------ */

static void
test_defaults(void **state)
{
	struct sp_config c;
	unsigned i;

	memset(&c, 0xa5, sizeof(c));
	sp_config_defaults(&c);
	assert_int_equal(c.n_ports, 0);
	assert_int_equal(c.n_routes, 0);
	assert_int_equal(c.n_services, 0);
	assert_int_equal(c.stack.mbufs, 16383);
	assert_int_equal(c.stack.mbuf_cache, 256);
	assert_int_equal(c.stack.burst, 32);
	assert_int_equal(c.stack.idle, SP_IDLE_POLL);
	assert_int_equal(c.stack.forwarding, 0);
	assert_int_equal(c.stack.frag_max_flows, 1024);
	assert_int_equal(c.stack.frag_timeout_ms, 2000);
	assert_int_equal(c.stack.icmp_rate, 100);
	assert_int_equal(c.stack.icmp_burst, 50);
	assert_int_equal(c.stack.neigh_timeout_ms, 30000);
	assert_int_equal(c.stack.arp_pending_max, 8);
	assert_int_equal(c.stack.arp_request_rate_ms, 1000);
	assert_int_equal(c.stack.rss, 1);
	assert_int_equal(c.stack.drain_ms, 5000);
	assert_int_equal(c.stack.kernel_loopback, 1);

	assert_int_equal(c.tcp.max_connections, 16384);
	assert_int_equal(c.tcp.syn_backlog, 1024);
	assert_int_equal(c.tcp.accept_backlog, 1024);
	assert_int_equal(c.tcp.time_wait_ms, 60000);
	assert_int_equal(c.tcp.rto_min_ms, 200);
	assert_int_equal(c.tcp.rto_max_ms, 60000);
	assert_int_equal(c.tcp.rto_initial_ms, 1000);
	assert_int_equal(c.tcp.max_retries, 15);
	assert_int_equal(c.tcp.syn_retries, 6);
	assert_int_equal(c.tcp.delayed_ack_ms, 40);
	assert_int_equal(c.tcp.rcvbuf, 262144);
	assert_int_equal(c.tcp.sndbuf, 262144);
	assert_int_equal(c.tcp.keepalive_idle_ms, 0);
	assert_int_equal(c.tcp.keepalive_intvl_ms, 75000);
	assert_int_equal(c.tcp.keepalive_probes, 9);
	assert_int_equal(c.tcp.challenge_ack_limit, 10);
	assert_int_equal(c.tcp.min_pmtu, 552);
	assert_int_equal(c.tcp.max_reordering, 300);
	assert_int_equal(c.tcp.ooo_max_segs, 256);
	assert_string_equal(c.tcp.cc, "cubic");
	assert_int_equal(c.tcp.syncookies, 1);
	assert_int_equal(c.tcp.tlp, 1);
	assert_int_equal(c.tcp.sack, 1);
	assert_int_equal(c.tcp.timestamps, 1);
	assert_int_equal(c.tcp.wscale, 1);
	assert_int_equal(c.tcp.nodelay, 0);
	assert_int_equal(c.tcp.slow_start_after_idle, 1);

	/* Port slots are pre-filled so embedding programs only set what differs. */
	for (i = 0; i < SP_MAX_PORTS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "port%u", i);
		assert_string_equal(c.ports[i].name, name);
		assert_int_equal(c.ports[i].mtu, 1500);
		assert_int_equal(c.ports[i].rx_desc, 1024);
		assert_int_equal(c.ports[i].tx_desc, 1024);
		assert_int_equal(c.ports[i].arp, 0);
		assert_int_equal(c.ports[i].n_addrs, 0);
		assert_int_equal(c.ports[i].gateway, 0);
		assert_true(rte_is_zero_ether_addr(&c.ports[i].mac));
		assert_int_equal(c.ports[i].impair.enabled, 0);
		assert_int_equal(c.ports[i].impair.seed, 1);
	}

	/* A minimal file gets exactly these defaults. */
	assert_parses(PORT0);
	assert_int_equal(g_cfg.n_ports, 1);
	assert_int_equal(g_cfg.stack.mbufs, 16383);
	assert_string_equal(g_cfg.tcp.cc, "cubic");
	assert_int_equal(g_cfg.ports[0].mtu, 1500);
	assert_string_equal(g_cfg.source, SRC);
}

static const char every_key[] =
	"[stack]\n"
	"mbufs = 4095\n"
	"mbuf_cache = 128\n"
	"burst = 64\n"
	"idle = sleep\n"
	"forwarding = yes\n"
	"frag_max_flows = 77\n"
	"frag_timeout_ms = 3000\n"
	"icmp_rate = 11\n"
	"icmp_burst = 12\n"
	"neigh_timeout_ms = 45000\n"
	"arp_pending_max = 3\n"
	"arp_request_rate_ms = 500\n"
	"rss = false\n"
	"\n"
	"[port0]  ; a comment after a section\n"
	"vdev = net_tap0,iface=sp0\n"
	"mac = 02:00:00:00:00:AA\n"
	"mtu = 9000\n"
	"rx_desc = 512\n"
	"tx_desc = 2048\n"
	"arp = ON\n"
	"address = 198.18.0.2/24, 198.18.2.2/24 ,10.1.2.3/32\n"
	"neighbour = 198.18.0.1 02:00:00:00:00:01, 198.18.0.3 02:00:00:00:00:03\n"
	"gateway = 198.18.0.1\n"
	"gateway_mac = 02:00:00:00:00:01\n"
	"impair_drop = 0.05\n"
	"impair_dup = 0.01\n"
	"impair_reorder = 0.5\n"
	"impair_corrupt = 0.001\n"
	"impair_delay_us = 250\n"
	"impair_seed = 18446744073709551615\n"
	"\n"
	"[port1]\n"
	"device = 0000:03:00.0\n"
	"address = 198.18.1.2/24\n"
	"\n"
	"[routes]\n"
	"far = 198.18.5.0/24 via 198.18.0.1\n"
	"direct = 198.18.6.0/23 dev port1\n"
	"default = 0.0.0.0/0 via 198.18.1.1\n"
	"\n"
	"[tcp]\n"
	"max_connections = 1000\n"
	"syn_backlog = 100\n"
	"accept_backlog = 50\n"
	"time_wait_ms = 1000\n"
	"rto_min_ms = 100\n"
	"rto_max_ms = 30000\n"
	"rto_initial_ms = 500\n"
	"max_retries = 5\n"
	"syn_retries = 3\n"
	"delayed_ack_ms = 200\n"
	"rcvbuf = 65536\n"
	"sndbuf = 131072\n"
	"keepalive_idle_ms = 7200000\n"
	"keepalive_intvl_ms = 1000\n"
	"keepalive_probes = 4\n"
	"challenge_ack_limit = 100\n"
	"ooo_max_segs = 0\n"
	"cc = newreno\n"
	"syncookies = off\n"
	"tlp = off\n"
	"sack = no\n"
	"timestamps = 0\n"
	"wscale = False\n"
	"nodelay = 1\n"
	"\n"
	"[service.echo]\n"
	"\n"
	"[service.web]\n"
	"type = http\n"
	"address = 198.18.2.2\n"
	"port = 8080\n"
	"cc = newreno\n"
	"\n"
	"[service.get]\n"
	"type = fetch\n"
	"url = http://198.18.0.1:8080/file\n"
	"output = /tmp/fetch.out\n"
	"cc =\n"
	"\n"
	"[service.lg]\n"
	"type = loadgen\n"
	"address = 198.18.0.1\n"
	"port = 5001\n"
	"connections = 64\n"
	"duration_ms = 10000\n"
	"bytes = 1000000000\n"
	"mode = bulk\n"
	"request_size = 10\n"
	"response_size = 20000\n";

static void
test_every_key(void **state)
{
	const struct sp_port_cfg *p;
	const struct sp_service_section *s;
	const struct rte_ether_addr m_aa = {{2, 0, 0, 0, 0, 0xaa}};
	const struct rte_ether_addr m_01 = {{2, 0, 0, 0, 0, 1}};
	const struct rte_ether_addr m_03 = {{2, 0, 0, 0, 0, 3}};

	assert_parses(every_key);
	assert_int_equal(g_cfg.stack.mbufs, 4095);
	assert_int_equal(g_cfg.stack.mbuf_cache, 128);
	assert_int_equal(g_cfg.stack.burst, 64);
	assert_int_equal(g_cfg.stack.idle, SP_IDLE_SLEEP);
	assert_int_equal(g_cfg.stack.forwarding, 1);
	assert_int_equal(g_cfg.stack.frag_max_flows, 77);
	assert_int_equal(g_cfg.stack.frag_timeout_ms, 3000);
	assert_int_equal(g_cfg.stack.icmp_rate, 11);
	assert_int_equal(g_cfg.stack.icmp_burst, 12);
	assert_int_equal(g_cfg.stack.neigh_timeout_ms, 45000);
	assert_int_equal(g_cfg.stack.arp_pending_max, 3);
	assert_int_equal(g_cfg.stack.arp_request_rate_ms, 500);
	assert_int_equal(g_cfg.stack.rss, 0);

	assert_int_equal(g_cfg.n_ports, 2);
	p = &g_cfg.ports[0];
	assert_string_equal(p->name, "port0");
	assert_string_equal(p->vdev, "net_tap0,iface=sp0");
	assert_string_equal(p->device, "");
	assert_true(rte_is_same_ether_addr(&p->mac, &m_aa));
	assert_int_equal(p->mtu, 9000);
	assert_int_equal(p->rx_desc, 512);
	assert_int_equal(p->tx_desc, 2048);
	assert_int_equal(p->arp, 1);
	assert_int_equal(p->n_addrs, 3);
	assert_int_equal(p->addrs[0].ip, RTE_IPV4(198, 18, 0, 2));
	assert_int_equal(p->addrs[0].plen, 24);
	assert_int_equal(p->addrs[1].ip, RTE_IPV4(198, 18, 2, 2));
	assert_int_equal(p->addrs[1].plen, 24);
	assert_int_equal(p->addrs[2].ip, RTE_IPV4(10, 1, 2, 3));
	assert_int_equal(p->addrs[2].plen, 32);
	assert_int_equal(p->n_neigh, 2);
	assert_int_equal(p->neigh[0].ip, RTE_IPV4(198, 18, 0, 1));
	assert_true(rte_is_same_ether_addr(&p->neigh[0].mac, &m_01));
	assert_int_equal(p->neigh[1].ip, RTE_IPV4(198, 18, 0, 3));
	assert_true(rte_is_same_ether_addr(&p->neigh[1].mac, &m_03));
	assert_int_equal(p->gateway, RTE_IPV4(198, 18, 0, 1));
	assert_true(rte_is_same_ether_addr(&p->gateway_mac, &m_01));
	assert_true(p->impair.drop == 0.05);
	assert_true(p->impair.dup == 0.01);
	assert_true(p->impair.reorder == 0.5);
	assert_true(p->impair.corrupt == 0.001);
	assert_int_equal(p->impair.delay_us, 250);
	assert_true(p->impair.seed == UINT64_MAX);
	assert_int_equal(p->impair.enabled, 1);

	p = &g_cfg.ports[1];
	assert_string_equal(p->name, "port1");
	assert_string_equal(p->vdev, "");
	assert_string_equal(p->device, "0000:03:00.0");
	assert_int_equal(p->n_addrs, 1);
	assert_int_equal(p->arp, 0);
	assert_int_equal(p->impair.enabled, 0);

	assert_int_equal(g_cfg.n_routes, 3);
	assert_string_equal(g_cfg.routes[0].name, "far");
	assert_int_equal(g_cfg.routes[0].prefix, RTE_IPV4(198, 18, 5, 0));
	assert_int_equal(g_cfg.routes[0].plen, 24);
	assert_int_equal(g_cfg.routes[0].via, RTE_IPV4(198, 18, 0, 1));
	assert_int_equal(g_cfg.routes[0].port, -1);
	assert_string_equal(g_cfg.routes[1].name, "direct");
	assert_int_equal(g_cfg.routes[1].prefix, RTE_IPV4(198, 18, 6, 0));
	assert_int_equal(g_cfg.routes[1].plen, 23);
	assert_int_equal(g_cfg.routes[1].via, 0);
	assert_int_equal(g_cfg.routes[1].port, 1);
	assert_int_equal(g_cfg.routes[2].prefix, 0);
	assert_int_equal(g_cfg.routes[2].plen, 0);
	assert_int_equal(g_cfg.routes[2].via, RTE_IPV4(198, 18, 1, 1));

	assert_int_equal(g_cfg.tcp.max_connections, 1000);
	assert_int_equal(g_cfg.tcp.syn_backlog, 100);
	assert_int_equal(g_cfg.tcp.accept_backlog, 50);
	assert_int_equal(g_cfg.tcp.time_wait_ms, 1000);
	assert_int_equal(g_cfg.tcp.rto_min_ms, 100);
	assert_int_equal(g_cfg.tcp.rto_max_ms, 30000);
	assert_int_equal(g_cfg.tcp.rto_initial_ms, 500);
	assert_int_equal(g_cfg.tcp.max_retries, 5);
	assert_int_equal(g_cfg.tcp.syn_retries, 3);
	assert_int_equal(g_cfg.tcp.delayed_ack_ms, 200);
	assert_int_equal(g_cfg.tcp.rcvbuf, 65536);
	assert_int_equal(g_cfg.tcp.sndbuf, 131072);
	assert_int_equal(g_cfg.tcp.keepalive_idle_ms, 7200000);
	assert_int_equal(g_cfg.tcp.keepalive_intvl_ms, 1000);
	assert_int_equal(g_cfg.tcp.keepalive_probes, 4);
	assert_int_equal(g_cfg.tcp.challenge_ack_limit, 100);
	assert_int_equal(g_cfg.tcp.ooo_max_segs, 0);
	assert_string_equal(g_cfg.tcp.cc, "newreno");
	assert_int_equal(g_cfg.tcp.syncookies, 0);
	assert_int_equal(g_cfg.tcp.tlp, 0);
	assert_int_equal(g_cfg.tcp.sack, 0);
	assert_int_equal(g_cfg.tcp.timestamps, 0);
	assert_int_equal(g_cfg.tcp.wscale, 0);
	assert_int_equal(g_cfg.tcp.nodelay, 1);

	/* [service.NAME]: raw key = value pairs in file order, with their line. */
	assert_int_equal(g_cfg.n_services, 4);
	s = &g_cfg.services[0];
	assert_string_equal(s->name, "echo");
	assert_int_equal(s->n_keys, 0);
	s = &g_cfg.services[1];
	assert_string_equal(s->name, "web");
	assert_int_equal(s->n_keys, 4);
	assert_string_equal(s->keys[0].key, "type");
	assert_string_equal(s->keys[0].value, "http");
	assert_int_equal(s->keys[0].line, 72);
	assert_string_equal(s->keys[3].key, "cc");
	assert_string_equal(s->keys[3].value, "newreno");
	assert_int_equal(s->keys[3].line, 75);
	s = &g_cfg.services[2];
	assert_string_equal(s->name, "get");
	assert_int_equal(s->n_keys, 4);
	assert_string_equal(s->keys[3].key, "cc");
	assert_string_equal(s->keys[3].value, "");
	assert_int_equal(s->keys[3].line, 81);
	s = &g_cfg.services[3];
	assert_string_equal(s->name, "lg");
	assert_int_equal(s->n_keys, 9);
	assert_string_equal(s->keys[8].key, "response_size");
	assert_string_equal(s->keys[8].value, "20000");
	assert_int_equal(s->keys[8].line, 92);
}

/* Repeated list keys append; an escaped ';' is part of a value; white space is trimmed. */
static void
test_lists_and_syntax(void **state)
{
	assert_parses("[port0]\n"
		      "  vdev=net_tap0,iface=sp0   \n"
		      "address = 198.18.0.2/24\n"
		      "address = 198.18.3.2/24, 198.18.4.2/24\n"
		      "neighbour = 198.18.0.1 02:00:00:00:00:01\n"
		      "neighbour = 198.18.3.1 02:00:00:00:00:31 , 198.18.4.1 02:00:00:00:00:41\n"
		      "[service.get]\n"
		      "type = fetch\n"
		      "url = http://198.18.0.1/a\\;b\n"
		      "output = /tmp/x\n");
	assert_string_equal(g_cfg.ports[0].vdev, "net_tap0,iface=sp0");
	assert_int_equal(g_cfg.ports[0].n_addrs, 3);
	assert_int_equal(g_cfg.ports[0].addrs[2].ip, RTE_IPV4(198, 18, 4, 2));
	assert_int_equal(g_cfg.ports[0].n_neigh, 3);
	assert_int_equal(g_cfg.ports[0].neigh[2].ip, RTE_IPV4(198, 18, 4, 1));
	assert_int_equal(g_cfg.ports[0].neigh[2].mac.addr_bytes[5], 0x41);
	assert_string_equal(g_cfg.services[0].keys[1].value, "http://198.18.0.1/a;b");
	/* Exactly the maxima are accepted. */
	assert_parses("[port0]\nvdev = x\n"
		      "address = 10.0.0.1/8, 10.0.0.2/8, 10.0.0.3/8, 10.0.0.4/8, 10.0.0.5/8, "
		      "10.0.0.6/8, 10.0.0.7/8, 10.0.0.8/8\n");
	assert_int_equal(g_cfg.ports[0].n_addrs, SP_MAX_ADDRS);
	/* /31 and /32 have no network or broadcast address (RFC 3021). */
	assert_parses("[port0]\nvdev = x\naddress = 198.18.0.0/31, 198.18.7.255/32\n");
}

static void
test_overrides(void **state)
{
	struct sp_config before;
	char err[512];

	assert_parses(
		PORT0 "neighbour = 198.18.0.1 02:00:00:00:00:01\n[service.http]\nport = 80\n");
	assert_int_equal(sp_config_override(&g_cfg, "port0.arp=on", err, sizeof(err)), 0);
	assert_int_equal(g_cfg.ports[0].arp, 1);
	assert_int_equal(sp_config_override(&g_cfg, " stack.idle = sleep ", err, sizeof(err)), 0);
	assert_int_equal(g_cfg.stack.idle, SP_IDLE_SLEEP);
	assert_int_equal(sp_config_override(&g_cfg, "stack.drain_ms=0", err, sizeof(err)), 0);
	assert_int_equal(g_cfg.stack.drain_ms, 0);
	assert_int_equal(
		sp_config_override(&g_cfg, "stack.drain_ms=3600001", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "drain_ms"));
	assert_int_equal(
		sp_config_override(&g_cfg, "stack.kernel_loopback=off", err, sizeof(err)), 0);
	assert_int_equal(g_cfg.stack.kernel_loopback, 0);
	assert_int_equal(
		sp_config_override(&g_cfg, "stack.kernel_loopback=maybe", err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "kernel_loopback"));
	assert_int_equal(sp_config_override(&g_cfg, "tcp.cc=newreno", err, sizeof(err)), 0);
	assert_string_equal(g_cfg.tcp.cc, "newreno");
	assert_int_equal(
		sp_config_override(&g_cfg, "tcp.slow_start_after_idle=off", err, sizeof(err)), 0);
	assert_int_equal(g_cfg.tcp.slow_start_after_idle, 0);
	assert_int_equal(
		sp_config_override(&g_cfg, "tcp.slow_start_after_idle=2", err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "slow_start_after_idle"));
	assert_int_equal(g_cfg.tcp.slow_start_after_idle, 0);
	/* The section is everything before the last dot; a service key is kept with line 0. */
	assert_int_equal(g_cfg.services[0].keys[0].line, 6);
	assert_int_equal(sp_config_override(&g_cfg, "service.http.port=8080", err, sizeof(err)), 0);
	assert_int_equal(g_cfg.services[0].n_keys, 1);
	assert_string_equal(g_cfg.services[0].keys[0].value, "8080");
	assert_int_equal(g_cfg.services[0].keys[0].line, 0);
	/* The value is everything after the first '='. */
	assert_int_equal(
		sp_config_override(&g_cfg, "port0.vdev=net_tap0,iface=other", err, sizeof(err)), 0);
	assert_string_equal(g_cfg.ports[0].vdev, "net_tap0,iface=other");
	/* A list key replaces the list. */
	assert_int_equal(sp_config_override(&g_cfg, "port0.address=198.18.0.9/24, 198.18.8.9/24",
				 err, sizeof(err)),
		0);
	assert_int_equal(g_cfg.ports[0].n_addrs, 2);
	assert_int_equal(g_cfg.ports[0].addrs[0].ip, RTE_IPV4(198, 18, 0, 9));
	/* A new port can only be the next one. */
	assert_int_equal(
		sp_config_override(&g_cfg, "port2.address=198.18.1.2/24", err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "--set: [port2]: port sections must be contiguous"));
	assert_int_equal(g_cfg.n_ports, 1); /* refused: unchanged */
	/* A new service section; a new key appends. */
	assert_int_equal(
		sp_config_override(&g_cfg, "service.echo.address=0.0.0.0", err, sizeof(err)), 0);
	assert_int_equal(g_cfg.n_services, 2);
	assert_string_equal(g_cfg.services[1].name, "echo");
	assert_int_equal(
		sp_config_override(&g_cfg, "service.echo.type=discard", err, sizeof(err)), 0);
	assert_int_equal(g_cfg.services[1].n_keys, 2);
	assert_string_equal(g_cfg.services[1].keys[1].key, "type");
	/* Routes: a new name appends, a known name replaces. */
	assert_int_equal(sp_config_override(&g_cfg, "routes.far=198.18.5.0/24 via 198.18.0.1", err,
				 sizeof(err)),
		0);
	assert_int_equal(sp_config_override(&g_cfg, "routes.far=198.18.6.0/24 via 198.18.0.1", err,
				 sizeof(err)),
		0);
	assert_int_equal(g_cfg.n_routes, 1);
	assert_int_equal(g_cfg.routes[0].prefix, RTE_IPV4(198, 18, 6, 0));
	/* Impairment switches on with a non-zero rate. */
	assert_int_equal(g_cfg.ports[0].impair.enabled, 0);
	assert_int_equal(sp_config_override(&g_cfg, "port0.impair_drop=0.05", err, sizeof(err)), 0);
	assert_int_equal(g_cfg.ports[0].impair.enabled, 1);

	/* Refused overrides leave the configuration untouched and name section and key. */
	before = g_cfg;
	assert_int_equal(sp_config_override(&g_cfg, "port0.arp=maybe", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--set: [port0] arp: 'maybe' is not a boolean"));
	assert_int_equal(sp_config_override(&g_cfg, "port0.mtux=1", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[port0] mtux: unknown key"));
	assert_int_equal(sp_config_override(&g_cfg, "port2.arp=on", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[port2]"));
	assert_non_null(strstr(err, "contiguous"));
	assert_int_equal(sp_config_override(&g_cfg, "bogus.key=1", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[bogus]: unknown section"));
	assert_int_equal(sp_config_override(&g_cfg, "port0.arp", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not SECTION.KEY=VALUE"));
	assert_int_equal(sp_config_override(&g_cfg, "arp=on", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not SECTION.KEY=VALUE"));
	assert_int_equal(sp_config_override(&g_cfg, "port0.=on", err, sizeof(err)), -EINVAL);
	/* Valid value, invalid whole: the cross-check names the key and the override. */
	assert_int_equal(
		sp_config_override(&g_cfg, "port0.gateway=198.18.9.1", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[port0] gateway: 198.18.9.1 is on no subnet of port0"));
	assert_non_null(strstr(err, "(after --set port0.gateway=198.18.9.1)"));
	assert_int_equal(sp_config_override(&g_cfg, "service..port=7", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--set: [service.]: a service section needs a name"));
	assert_memory_equal(&before, &g_cfg, sizeof(before));
	assert_int_equal(sp_config_validate(&g_cfg, err, sizeof(err)), 0);
}

/*
 * Overrides build a section one key at a time: intermediate states may lack required keys,
 * sp_config_validate() after the last one requires them.
 */
static void
test_overrides_build_sections(void **state)
{
	char err[512];

	assert_parses(PORT0);
	/* a second port */
	assert_int_equal(
		sp_config_override(&g_cfg, "port1.address=198.18.1.2/24", err, sizeof(err)), 0);
	assert_int_equal(g_cfg.n_ports, 2);
	assert_int_equal(g_cfg.ports[1].mtu, 1500); /* port defaults */
	assert_int_equal(sp_config_validate(&g_cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[port1] vdev: missing"));
	assert_int_equal(
		sp_config_override(&g_cfg, "port1.vdev=net_tap1,iface=sp1", err, sizeof(err)), 0);
	assert_int_equal(sp_config_validate(&g_cfg, err, sizeof(err)), 0);
	assert_int_equal(sp_config_override(&g_cfg, "port2.neighbour=198.18.2.1 02:00:00:00:00:09",
				 err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "[port2] neighbour: 198.18.2.1 is on no subnet of port2"));
}

/* Every error message: -EINVAL, starts with the file, names the section and the key. */
static void
test_errors_syntax(void **state)
{
	EXPECT_ERROR("[port0\nvdev = x\n", "line 1", "without ']'");
	EXPECT_ERROR(PORT0 "mtu 1500\n", "line 4", "expected 'key = value'");
	EXPECT_ERROR("mtu = 1500\n" PORT0, "line 1", "before the first [section]");
	EXPECT_ERROR(PORT0 "# a comment\n", "line 4", "comments start with ';'");
	EXPECT_ERROR(PORT0 " = 5\n", "line 4", "empty key");
	EXPECT_ERROR("[port0] x\n", "line 1", "text after ']'");
	{
		char text[1024];

		snprintf(text, sizeof(text), PORT0 "mac = %0400d\n", 0);
		EXPECT_ERROR(text, "line 4: longer than 322 characters");
		/* 322 characters is the limit rte_cfgfile accepts (a comment keeps the value short) */
		snprintf(text, sizeof(text), PORT0 "mtu = 1500 ;%0310d\n", 0);
		assert_int_equal(strlen(strrchr(text, 'm')) - 1, 322);
		assert_parses(text);
		snprintf(text, sizeof(text), PORT0 "mtu = 1500 ;%0311d\n", 0);
		EXPECT_ERROR(text, "line 4: longer than 322 characters");
		snprintf(text, sizeof(text), PORT0 "vdev = net_tap0,iface=%0280d\n", 0);
		EXPECT_ERROR(text, "line 4", "value longer than 255");
	}
	EXPECT_ERROR(PORT0 "mtu =\n", "[port0] mtu: empty value");
	EXPECT_ERROR(PORT0 "mtu = 1500\nmtu = 1400\n", "[port0] mtu: key given twice");
	EXPECT_ERROR("[stack]\n[stack]\n" PORT0, "[stack]: section given twice");
	EXPECT_ERROR(PORT0 "[routes]\nr = 198.18.5.0/24 dev port0\nr = 198.18.6.0/24 dev port0\n",
		"[routes] r: key given twice");
}

static void
test_errors_sections_keys(void **state)
{
	EXPECT_ERROR(PORT0 "[bogus]\n", "[bogus]: unknown section");
	EXPECT_ERROR(PORT0 "[port01]\n", "[port01]: unknown section");
	EXPECT_ERROR(PORT0 "[portx]\n", "[portx]: unknown section");
	EXPECT_ERROR(PORT0 "[port4]\n", "[port4]: too many ports");
	EXPECT_ERROR(PORT0 "[service.]\n", "[service.]", "needs a name");
	EXPECT_ERROR(PORT0 "[service.a b]\n", "[service.a b]", "service names");
	EXPECT_ERROR(PORT0 "mtux = 1500\n", "[port0] mtux: unknown key");
	EXPECT_ERROR(PORT0 "[stack]\nmtu = 1500\n", "[stack] mtu: unknown key");
	EXPECT_ERROR(PORT0 "[tcp]\nbogus = 1\n", "[tcp] bogus: unknown key");
	EXPECT_ERROR(PORT0 "[service.echo]\nport = 7\nport = 8\n",
		"[service.echo] port: key given twice");
	EXPECT_ERROR(PORT0 "[port2]\nvdev = y\naddress = 198.18.2.2/24\n", "[port1]: missing",
		"contiguous");
	EXPECT_ERROR(
		"[port1]\nvdev = y\naddress = 198.18.2.2/24\n", "[port0]: missing", "contiguous");
	EXPECT_ERROR("[stack]\nidle = poll\n", "[port0]: missing", "at least one port");
	EXPECT_ERROR("", "[port0]: missing");
}

static void
test_errors_values(void **state)
{
	/* numbers and ranges */
	EXPECT_ERROR(PORT0 "mtu = 15x\n", "[port0] mtu: '15x' is not a number");
	EXPECT_ERROR(PORT0 "mtu = -1\n", "[port0] mtu: '-1' is not a number");
	EXPECT_ERROR(PORT0 "mtu = 0x10\n", "[port0] mtu: '0x10' is not a number");
	EXPECT_ERROR(PORT0 "mtu = 67\n", "[port0] mtu: 67 is out of range (68..9000)");
	EXPECT_ERROR(PORT0 "mtu = 9001\n", "[port0] mtu: 9001 is out of range (68..9000)");
	EXPECT_ERROR(
		PORT0 "rx_desc = 99999999999999999999999\n", "[port0] rx_desc", "is not a number");
	EXPECT_ERROR(PORT0 "[stack]\nburst = 0\n", "[stack] burst: 0 is out of range");
	EXPECT_ERROR(PORT0 "[tcp]\ndelayed_ack_ms = 201\n", "[tcp] delayed_ack_ms", "out of range");
	EXPECT_ERROR(PORT0 "[tcp]\nmax_reordering = 2\n", "[tcp] max_reordering", "out of range");
	EXPECT_ERROR(
		PORT0 "impair_drop = 1.5\n", "[port0] impair_drop: '1.5' is not a rate in [0, 1]");
	EXPECT_ERROR(PORT0 "impair_dup = -0.1\n", "[port0] impair_dup", "not a rate");
	EXPECT_ERROR(PORT0 "impair_reorder = nan\n", "[port0] impair_reorder", "not a rate");
	EXPECT_ERROR(PORT0 "impair_corrupt = 0.1x\n", "[port0] impair_corrupt", "not a rate");
	/* booleans and names */
	EXPECT_ERROR(PORT0 "arp = maybe\n", "[port0] arp: 'maybe' is not a boolean");
	EXPECT_ERROR(PORT0 "[stack]\nforwarding = 2\n", "[stack] forwarding: '2' is not a boolean");
	EXPECT_ERROR(PORT0 "[stack]\nidle = spin\n", "[stack] idle: 'spin' is not an idle mode");
	EXPECT_ERROR(PORT0 "[tcp]\ncc = bbr\n", "[tcp] cc: 'bbr' is not a congestion control");
	EXPECT_ERROR(PORT0 "[tcp]\ncc =\n", "[tcp] cc: empty value");

	/* addresses, prefixes, MACs */
	EXPECT_ERROR("[port0]\nvdev = x\naddress = 198.18.0.300/24\n",
		"[port0] address: '198.18.0.300/24' is not an IPv4 prefix (a.b.c.d/len)");
	EXPECT_ERROR("[port0]\nvdev = x\naddress = 198.18.0.2\n",
		"[port0] address: '198.18.0.2' is not an IPv4 prefix");
	EXPECT_ERROR("[port0]\nvdev = x\naddress = 198.18.0.2/33\n", "[port0] address",
		"not an IPv4 prefix");
	EXPECT_ERROR(
		"[port0]\nvdev = x\naddress = 198.18.0.2/24,\n", "[port0] address: empty element");
	EXPECT_ERROR("[port0]\nvdev = x\naddress = 198.18.0.0/24\n", "[port0] address",
		"network or broadcast");
	EXPECT_ERROR("[port0]\nvdev = x\naddress = 198.18.0.255/24\n", "[port0] address",
		"network or broadcast");
	EXPECT_ERROR("[port0]\nvdev = x\naddress = 127.0.0.2/8\n", "[port0] address",
		"not a unicast host address");
	EXPECT_ERROR("[port0]\nvdev = x\naddress = 224.0.0.2/24\n", "[port0] address",
		"not a unicast host address");
	EXPECT_ERROR("[port0]\nvdev = x\naddress = 198.18.0.2/0\n", "[port0] address",
		"prefix length of 1..32");
	EXPECT_ERROR(PORT0 "mac = 02:00:00:00:00\n",
		"[port0] mac: '02:00:00:00:00' is not a MAC address");
	EXPECT_ERROR(PORT0 "mac = 01:00:5e:00:00:01\n", "[port0] mac", "not a unicast MAC");
	EXPECT_ERROR(PORT0 "gateway_mac = 00:00:00:00:00:00\n", "[port0] gateway_mac",
		"not a unicast MAC");
	EXPECT_ERROR(
		PORT0 "gateway = 198.18.0\n", "[port0] gateway: '198.18.0' is not an IPv4 address");
	EXPECT_ERROR(PORT0 "neighbour = 198.18.0.1\n",
		"[port0] neighbour: '198.18.0.1' is not a neighbour");
	EXPECT_ERROR(PORT0 "neighbour = 198.18.0.1 02:00:00:00:00:01 x\n", "[port0] neighbour",
		"is not a neighbour");
	EXPECT_ERROR(PORT0 "neighbour = 198.18.0.x 02:00:00:00:00:01\n",
		"[port0] neighbour: '198.18.0.x' is not an IPv4 address");
	EXPECT_ERROR(PORT0 "neighbour = 198.18.0.1 02:00:00:00:00:0g\n",
		"[port0] neighbour: '02:00:00:00:00:0g' is not a MAC address");
	EXPECT_ERROR(PORT0 "neighbour = 198.18.0.1 ff:ff:ff:ff:ff:ff\n", "[port0] neighbour",
		"not a unicast MAC");
	{
		char text[400];

		snprintf(text, sizeof(text),
			PORT0 "[port1]\naddress = 198.18.1.2/24\ndevice = %070d\n", 0);
		EXPECT_ERROR(text, "[port1] device: value is too long (at most 63 characters)");
	}
}

static void
test_errors_limits(void **state)
{
	char text[4096];
	size_t off;
	unsigned i;

	EXPECT_ERROR("[port0]\nvdev = x\n"
		     "address = 10.0.0.1/8, 10.0.0.2/8, 10.0.0.3/8, 10.0.0.4/8, 10.0.0.5/8, "
		     "10.0.0.6/8, 10.0.0.7/8, 10.0.0.8/8, 10.0.0.9/8\n",
		"[port0] address: too many addresses (at most 8 per port)");
	/* 33 neighbours on repeated lines */
	off = (size_t)snprintf(text, sizeof(text), "%s", PORT0);
	for (i = 0; i < 33; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
			"neighbour = 198.18.0.%u 02:00:00:00:01:%02x\n", i + 10, i);
	EXPECT_ERROR(text, "[port0] neighbour: too many neighbours (at most 32 per port)");
	/* 65 routes */
	off = (size_t)snprintf(text, sizeof(text), "%s[routes]\n", PORT0);
	for (i = 0; i < 65; i++)
		off += (size_t)snprintf(
			text + off, sizeof(text) - off, "r%u = 10.%u.0.0/16 dev port0\n", i, i);
	EXPECT_ERROR(text, "[routes] r64: too many routes (at most 64)");
	/* 17 services */
	off = (size_t)snprintf(text, sizeof(text), "%s", PORT0);
	for (i = 0; i < 17; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
			"[service.s%u]\ntype = http\nport = %u\n", i, 8000 + i);
	EXPECT_ERROR(text, "[service.s16]: too many services (at most 16)");
}

static void
test_errors_cross_checks(void **state)
{
	/* ports */
	EXPECT_ERROR("[port0]\naddress = 198.18.0.2/24\n", "[port0] vdev: missing");
	EXPECT_ERROR(
		PORT0 "device = 0000:03:00.0\n", "[port0] device: vdev and device are exclusive");
	EXPECT_ERROR("[port0]\nvdev = x\n", "[port0] address: missing");
	EXPECT_ERROR("[port0]\nvdev = x\naddress = 198.18.0.2/24, 198.18.0.2/16\n",
		"[port0] address: duplicate address 198.18.0.2");
	EXPECT_ERROR(PORT0 "[port1]\nvdev = y\naddress = 198.18.1.2/24, 198.18.0.2/24\n",
		"[port1] address: duplicate address 198.18.0.2 (also on port0)");
	EXPECT_ERROR(PORT0 "neighbour = 198.18.9.1 02:00:00:00:00:01\n",
		"[port0] neighbour: 198.18.9.1 is on no subnet of port0");
	EXPECT_ERROR(PORT0 "neighbour = 198.18.0.2 02:00:00:00:00:01\n", "[port0] neighbour",
		"one of our own addresses");
	EXPECT_ERROR(PORT0
		"neighbour = 198.18.0.1 02:00:00:00:00:01, 198.18.0.1 02:00:00:00:00:03\n",
		"[port0] neighbour: 198.18.0.1 is listed twice");
	EXPECT_ERROR(PORT0 "gateway = 198.18.9.1\n",
		"[port0] gateway: 198.18.9.1 is on no subnet of port0");
	EXPECT_ERROR(PORT0 "gateway = 198.18.0.2\n", "[port0] gateway", "one of our own addresses");
	EXPECT_ERROR(PORT0 "gateway_mac = 02:00:00:00:00:01\n",
		"[port0] gateway_mac: set without gateway");
	/* routes */
	EXPECT_ERROR(PORT0 "[routes]\nfar = 198.18.5.0/24 via 198.18.9.1\n",
		"[routes] far: gateway 198.18.9.1 is on no port's subnet");
	EXPECT_ERROR(PORT0 "[routes]\nfar = 198.18.5.0/24 via 198.18.0.2\n", "[routes] far",
		"one of our own addresses");
	EXPECT_ERROR(PORT0 "[routes]\nfar = 198.18.5.0/24 dev port1\n",
		"[routes] far: dev port1: no such port");
	EXPECT_ERROR(PORT0 "[routes]\nfar = 198.18.5.0/24 through 198.18.0.1\n",
		"[routes] far: '198.18.5.0/24 through 198.18.0.1' is not a route");
	EXPECT_ERROR(PORT0 "[routes]\nfar = 198.18.5.0/24\n", "[routes] far", "is not a route");
	EXPECT_ERROR(PORT0 "[routes]\nfar = 198.18.5.1/24 via 198.18.0.1\n",
		"[routes] far: '198.18.5.1/24' has bits set beyond its prefix length");
	EXPECT_ERROR(PORT0 "[routes]\nfar = 198.18.5.0/24 via 198.18.0\n", "[routes] far: gateway",
		"not an IPv4 address");
	EXPECT_ERROR(PORT0 "[routes]\nfar = 198.18.5.0/24 dev eth0\n",
		"[routes] far: 'eth0' is not a port");
	EXPECT_ERROR(PORT0
		"[routes]\na = 198.18.5.0/24 dev port0\nb = 198.18.5.0/24 via 198.18.0.1\n",
		"[routes] b: 198.18.5.0/24 is already routed by 'a'");
	/* stack and tcp */
	EXPECT_ERROR(PORT0 "[stack]\nmbufs = 255\nmbuf_cache = 256\n",
		"[stack] mbuf_cache: 256 is too large for mbufs = 255");
	EXPECT_ERROR(PORT0 "[tcp]\nrto_min_ms = 5000\nrto_max_ms = 1000\n",
		"[tcp] rto_min_ms: 5000 is above rto_max_ms = 1000");
	EXPECT_ERROR(PORT0 "[tcp]\nrto_initial_ms = 100\n", "[tcp] rto_initial_ms",
		"outside rto_min_ms..rto_max_ms");
}

static void
test_missing_file(void **state)
{
	char err[512];
	int ret;

	ret = sp_config_load("/nonexistent/spindle.conf", &g_cfg, err, sizeof(err));
	assert_int_equal(ret, -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/spindle.conf: cannot open"));
	/* A too-small buffer truncates but never overflows. */
	memset(err, 'x', sizeof(err));
	ret = sp_config_load("/nonexistent/spindle.conf", &g_cfg, err, 8);
	assert_int_equal(ret, -ENOENT);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(err[8], 'x');
}

static void
test_parse_helpers(void **state)
{
	struct rte_ether_addr mac;
	uint32_t ip;
	uint8_t plen;

	assert_int_equal(sp_parse_ipv4("198.18.0.1", &ip), 0);
	assert_int_equal(ip, RTE_IPV4(198, 18, 0, 1));
	assert_int_equal(sp_parse_ipv4("198.18.0", &ip), -EINVAL);
	assert_int_equal(sp_parse_ipv4("198.18.0.1 ", &ip), -EINVAL);
	assert_int_equal(sp_parse_ipv4("256.1.1.1", &ip), -EINVAL);
	assert_int_equal(sp_parse_ipv4("", &ip), -EINVAL);
	assert_int_equal(sp_parse_cidr("10.0.0.0/8", &ip, &plen), 0);
	assert_int_equal(ip, RTE_IPV4(10, 0, 0, 0));
	assert_int_equal(plen, 8);
	assert_int_equal(sp_parse_cidr("0.0.0.0/0", &ip, &plen), 0);
	assert_int_equal(plen, 0);
	assert_int_equal(sp_parse_cidr("10.0.0.0/", &ip, &plen), -EINVAL);
	assert_int_equal(sp_parse_cidr("10.0.0.0/+8", &ip, &plen), -EINVAL);
	assert_int_equal(sp_parse_cidr("10.0.0.0/008", &ip, &plen), -EINVAL);
	assert_int_equal(sp_parse_cidr("10.0.0.0/8x", &ip, &plen), -EINVAL);
	assert_int_equal(sp_parse_mac("02:00:00:00:00:aB", &mac), 0);
	assert_int_equal(mac.addr_bytes[0], 2);
	assert_int_equal(mac.addr_bytes[5], 0xab);
	assert_int_equal(sp_parse_mac("02:00:00:00:00", &mac), -EINVAL);
	assert_int_equal(sp_parse_mac("02:00:00:00:00:00:00", &mac), -EINVAL);
}

/* The harness's hand-built configuration passes validation once it names a device. */
static void
test_validate_hand_built(void **state)
{
	struct sp_config c;
	char err[256];

	sp_test_default_cfg(&c);
	assert_int_equal(sp_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unit-test: [port0] vdev: missing"));
	snprintf(c.ports[0].device, sizeof(c.ports[0].device), "net_tap0");
	assert_int_equal(sp_config_validate(&c, err, sizeof(err)), 0);
	c.n_ports = 0;
	assert_int_equal(sp_config_validate(&c, err, sizeof(err)), -EINVAL);
	c.n_ports = 1;
	snprintf(c.tcp.cc, sizeof(c.tcp.cc), "bbr");
	assert_int_equal(sp_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[tcp] cc"));
}

/* ------------------------------------------------------------------------------------------ */
/* Shipped configurations */

static int
has_default_conf(const char *dir)
{
	char probe[1200];

	snprintf(probe, sizeof(probe), "%s/default.conf", dir);
	return access(probe, R_OK) == 0;
}

static const char *
config_dir(void)
{
	static char dir[1024];
	const char *root = getenv("SP_SOURCE_ROOT");
	const char *at = strstr(__FILE__, "tests/unit/test_config.c");
	char exe[800];
	ssize_t n;

	if (root != NULL && root[0] != '\0') {
		snprintf(dir, sizeof(dir), "%s/config", root);
		return dir;
	}
	/*
	 * Without the variable: meson compiles this file as a path relative to the build dir
	 * ("../tests/unit/test_config.c"); the build dir is three levels above this binary
	 * (BUILD/tests/unit/test_config), so this works from any working directory.
	 */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (at != NULL && n > 0) {
		char *cut;

		exe[n] = '\0';
		cut = strstr(exe, "/tests/unit/test_config");
		if (cut != NULL) {
			*cut = '\0';
			if (__FILE__[0] == '/')
				snprintf(dir, sizeof(dir), "%.*sconfig", (int)(at - __FILE__),
					__FILE__);
			else
				snprintf(dir, sizeof(dir), "%s/%.*sconfig", exe,
					(int)(at - __FILE__), __FILE__);
			if (has_default_conf(dir))
				return dir;
		}
	}
	snprintf(dir, sizeof(dir), "config");
	return dir;
}

static void
load_shipped(const char *name, struct sp_config *c)
{
	char path[1200], err[512];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", config_dir(), name);
	ret = sp_config_load(path, c, err, sizeof(err));
	if (ret != 0)
		fail_msg("%s: %d %s", path, ret, err);
	assert_string_equal(c->source, path);
}

static void
test_shipped_all_load(void **state)
{
	const char *dir = config_dir();
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		fail_msg("cannot open %s (set SP_SOURCE_ROOT)", dir);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		load_shipped(de->d_name, &g_cfg);
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
}

static void
check_default_like(const struct sp_config *c, const char *vdev, int arp)
{
	const struct rte_ether_addr m02 = {{2, 0, 0, 0, 0, 2}};
	const struct rte_ether_addr m01 = {{2, 0, 0, 0, 0, 1}};
	const char *const names[] = {"echo", "discard", "chargen", "http"};
	unsigned i;

	assert_int_equal(c->n_ports, 1);
	assert_string_equal(c->ports[0].vdev, vdev);
	assert_true(rte_is_same_ether_addr(&c->ports[0].mac, &m02));
	assert_int_equal(c->ports[0].n_addrs, 1);
	assert_int_equal(c->ports[0].addrs[0].ip, RTE_IPV4(198, 18, 0, 2));
	assert_int_equal(c->ports[0].addrs[0].plen, 24);
	assert_int_equal(c->ports[0].arp, arp);
	if (arp) {
		assert_int_equal(c->ports[0].n_neigh, 0);
	} else {
		assert_int_equal(c->ports[0].n_neigh, 1);
		assert_int_equal(c->ports[0].neigh[0].ip, RTE_IPV4(198, 18, 0, 1));
		assert_true(rte_is_same_ether_addr(&c->ports[0].neigh[0].mac, &m01));
	}
	assert_int_equal(c->ports[0].impair.enabled, 0);
	assert_int_equal(c->stack.forwarding, 0);
	assert_int_equal(c->stack.idle, SP_IDLE_POLL);
	assert_int_equal(c->n_services, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(c->services[i].name, names[i]);
	}
}

static void
test_shipped_contents(void **state)
{
	struct sp_config c, d;
	const struct rte_ether_addr m0101 = {{2, 0, 0, 0, 1, 1}};
	const struct rte_ether_addr m0102 = {{2, 0, 0, 0, 1, 2}};
	char path[1200], err[512];
	char *text;
	FILE *f;
	long len;

	load_shipped("default.conf", &c);
	check_default_like(&c, "net_tap0,iface=sp0", 0);
	/* default.conf restates the built-in defaults for [stack] and [tcp]. */
	sp_config_defaults(&d);
	assert_memory_equal(&c.stack, &d.stack, sizeof(d.stack));
	assert_memory_equal(&c.tcp, &d.tcp, sizeof(d.tcp));
	assert_int_equal(c.ports[0].mtu, d.ports[0].mtu);
	assert_int_equal(c.ports[0].rx_desc, d.ports[0].rx_desc);

	/* The same text through sp_config_parse_string (the embedded copy) gives the same result. */
	snprintf(path, sizeof(path), "%s/default.conf", config_dir());
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_int_equal(sp_config_parse_string(text, "embedded", &d, err, sizeof(err)), 0);
	free(text);
	assert_string_equal(d.source, "embedded");
	snprintf(d.source, sizeof(d.source), "%s", c.source);
	assert_memory_equal(&c, &d, sizeof(c));

	load_shipped("af_packet.conf", &c);
	check_default_like(&c, "net_af_packet0,iface=sp0d", 0);
	load_shipped("arp.conf", &c);
	check_default_like(&c, "net_tap0,iface=sp0", 1);

	load_shipped("two-ports.conf", &c);
	assert_int_equal(c.n_ports, 2);
	assert_int_equal(c.stack.forwarding, 0);
	assert_string_equal(c.ports[0].vdev, "net_tap0,iface=sp0");
	assert_string_equal(c.ports[1].vdev, "net_tap1,iface=sp1");
	assert_int_equal(c.ports[0].addrs[0].ip, RTE_IPV4(198, 18, 0, 2));
	assert_int_equal(c.ports[1].addrs[0].ip, RTE_IPV4(198, 18, 1, 2));
	assert_int_equal(c.ports[1].addrs[0].plen, 24);
	assert_true(rte_is_same_ether_addr(&c.ports[1].mac, &m0102));
	assert_int_equal(c.ports[1].n_neigh, 1);
	assert_int_equal(c.ports[1].neigh[0].ip, RTE_IPV4(198, 18, 1, 1));
	assert_true(rte_is_same_ether_addr(&c.ports[1].neigh[0].mac, &m0101));

	load_shipped("forwarding.conf", &d);
	assert_int_equal(d.stack.forwarding, 1);
	/* forwarding.conf is two-ports.conf plus forwarding = on */
	d.stack.forwarding = 0;
	snprintf(d.source, sizeof(d.source), "%s", c.source);
	assert_memory_equal(&c, &d, sizeof(c));
}

/* tcp.tso / tcp.gro (docs/tcp.md "Offloads"): auto by default, on, off, nothing else. */
static void
test_tcp_offload_keys(void **state)
{
	(void)state;
	assert_parses(PORT0);
	assert_int_equal(g_cfg.tcp.tso, SP_OFFLOAD_AUTO);
	assert_int_equal(g_cfg.tcp.gro, SP_OFFLOAD_AUTO);
	assert_parses(PORT0 "[tcp]\ntso = on\ngro = off\n");
	assert_int_equal(g_cfg.tcp.tso, SP_OFFLOAD_ON);
	assert_int_equal(g_cfg.tcp.gro, SP_OFFLOAD_OFF);
	EXPECT_ERROR(PORT0 "[tcp]\ntso = yes\n", "[tcp]", "tso", "yes", "auto");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_lists_and_syntax),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_overrides_build_sections),
		cmocka_unit_test(test_errors_syntax),
		cmocka_unit_test(test_errors_sections_keys),
		cmocka_unit_test(test_errors_values),
		cmocka_unit_test(test_errors_limits),
		cmocka_unit_test(test_errors_cross_checks),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_parse_helpers),
		cmocka_unit_test(test_validate_hand_built),
		cmocka_unit_test(test_shipped_all_load),
		cmocka_unit_test(test_shipped_contents),
		cmocka_unit_test(test_tcp_offload_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
