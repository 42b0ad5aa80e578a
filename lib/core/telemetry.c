/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_telemetry endpoints, readable with the stock dpdk-telemetry.py:
 *   /spindle/stats        every counter summed over ports and lcores
 *   /spindle/stats,port0  one port (config name or index), summed over lcores
 *   /spindle/stats,lcore1 one worker lcore (EAL lcore id), summed over ports
 *   /spindle/neigh        neighbour entries shaped like `ip neigh`
 *   /spindle/routes       the route table shaped like `ip route`
 *   /spindle/tcp/conns    one row per TCP connection shaped like `ss -tn`;
 *                         /spindle/tcp/conns,IP:PORT gives every field of connections whose
 *                         local or remote end is IP:PORT
 *   /spindle/lcores       busy/idle cycles, packets and cycles per packet of each worker
 *   /spindle/mem          TCP memory of each worker (mbufs held, the marks, pressure) and pool use
 *   /spindle/xstats       the PMD's own extended statistics (rte_eth_xstats, per queue where the
 *                         PMD gives them) of every port; /spindle/xstats,port0 one port
 *
 * Threading: the callbacks run on EAL's telemetry thread. Counters are read directly (each is
 * an aligned uint64_t written only by its lcore, see sp_stats.h). Neighbour and connection
 * tables belong to their worker and are walked only on that worker, through sp_ctx_call().
 * rte_telemetry callbacks take no user argument, so the stack being served is kept in this
 * file; a mutex keeps it alive while a callback runs and sp_telemetry_register(NULL) detaches
 * it before the program frees the stack.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "sp_api.h"
#include "sp_log.h"
#include "sp_proto.h"
#include "spindle.h"

/* How long a telemetry request waits for a busy worker to run the table walk. */
#define TEL_CALL_TIMEOUT_MS 500
/* Rows in one reply: the telemetry output buffer holds about 16 kB. */
#define TEL_MAX_ROWS 100

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sp_stack *tel_st; /* guarded by tel_lock */
static bool tel_registered;

static void
fmt_ip(char *buf, size_t len, uint32_t ip)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

static const char *
port_name(const struct sp_stack *st, uint16_t port)
{
	if (port < st->cfg->n_ports)
		return st->cfg->ports[port].name;
	return "?";
}

/* A list of formatted rows collected on a worker, deduplicated across workers. */
struct rows {
	unsigned n;
	unsigned more; /* rows beyond TEL_MAX_ROWS */
	char row[TEL_MAX_ROWS][RTE_TEL_MAX_STRING_LEN];
	const struct sp_stack *st;
	const char *filter;	     /* tcp: "IP:PORT" or NULL */
	struct rte_tel_data *detail; /* tcp with filter: dict of dict containers */
};

static void
rows_add(struct rows *r, const char *s)
{
	unsigned i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->row[i], s) == 0)
			return;
	if (r->n == TEL_MAX_ROWS) {
		r->more++;
		return;
	}
	snprintf(r->row[r->n++], RTE_TEL_MAX_STRING_LEN, "%s", s);
}

static int
rows_reply(struct rows *r, struct rte_tel_data *d)
{
	char buf[RTE_TEL_MAX_STRING_LEN];
	unsigned i;

	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (i = 0; i < r->n; i++)
		rte_tel_data_add_array_string(d, r->row[i]);
	if (r->more != 0) {
		snprintf(buf, sizeof(buf), "... %u more not shown", r->more);
		rte_tel_data_add_array_string(d, buf);
	}
	return 0;
}

/* Walk every worker's table with @p fn on the worker itself. */
static int
call_workers(struct sp_stack *st, void (*fn)(struct sp_ctx *ctx, void *arg), void *arg)
{
	unsigned w;
	int ret;

	for (w = 0; w < st->n_workers; w++) {
		if (st->workers[w] == NULL)
			continue;
		ret = sp_ctx_call(st->workers[w], fn, arg, TEL_CALL_TIMEOUT_MS);
		if (ret != 0) {
			SP_LOG(WARNING, stack, "telemetry: worker %u did not answer: %s", w,
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* ---- /spindle/stats ---- */

static int
parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s == '\0')
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > UINT16_MAX)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* A port parameter: its config name (port0) or its index; -1 when it names no port. */
static int
param_port(const struct sp_stack *st, const char *params)
{
	unsigned n;
	uint16_t p;

	for (p = 0; p < st->n_ports; p++)
		if (strcmp(params, st->cfg->ports[p].name) == 0)
			return p;
	if (parse_uint(params, &n) == 0 && n < st->n_ports)
		return (int)n;
	return -1;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sp_stats sum;
	const uint64_t *v = (const uint64_t *)&sum;
	struct sp_stack *st = tel_st;
	unsigned i, n;
	uint16_t p;

	RTE_SET_USED(cmd);
	memset(&sum, 0, sizeof(sum));
	if (params == NULL || *params == '\0') {
		sp_stats_sum(st, -1, &sum);
	} else if (strncmp(params, "lcore", 5) == 0) {
		const struct sp_ctx *ctx = NULL;

		if (parse_uint(params + 5, &n) != 0)
			return -EINVAL;
		for (i = 0; i < st->n_workers; i++)
			if (st->workers[i] != NULL && st->workers[i]->lcore_id == n)
				ctx = st->workers[i];
		if (ctx == NULL)
			return -EINVAL;
		for (p = 0; p < st->n_ports; p++)
			sp_stats_add(&sum, &ctx->stats[p]);
	} else {
		int port = param_port(st, params);

		if (port < 0)
			return -EINVAL;
		sp_stats_sum(st, port, &sum);
	}
	rte_tel_data_start_dict(d);
	for (i = 0; i < sp_stats_n; i++)
		rte_tel_data_add_dict_u64(d, sp_stats_names[i], v[i]);
	return 0;
}

/* ---- /spindle/neigh ---- */

static const char *
neigh_state(enum sp_neigh_state s)
{
	switch (s) {
	case SP_NEIGH_INCOMPLETE:
		return "INCOMPLETE";
	case SP_NEIGH_REACHABLE:
		return "REACHABLE";
	case SP_NEIGH_STALE:
		return "STALE";
	case SP_NEIGH_PERMANENT:
		return "PERMANENT";
	case SP_NEIGH_LEARNED:
		return "LEARNED"; /* ARP off: taken from the peer's own IPv4 frames */
	case SP_NEIGH_FAILED:
		return "FAILED";
	default:
		return "NONE";
	}
}

static void
neigh_row(void *arg, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac,
	enum sp_neigh_state s)
{
	struct rows *r = arg;
	char ipb[16], row[RTE_TEL_MAX_STRING_LEN];

	fmt_ip(ipb, sizeof(ipb), ip);
	if (s == SP_NEIGH_INCOMPLETE || s == SP_NEIGH_FAILED || mac == NULL)
		snprintf(row, sizeof(row), "%s dev %s %s", ipb, port_name(r->st, port),
			neigh_state(s));
	else
		snprintf(row, sizeof(row), "%s dev %s lladdr " RTE_ETHER_ADDR_PRT_FMT " %s", ipb,
			port_name(r->st, port), RTE_ETHER_ADDR_BYTES(mac), neigh_state(s));
	rows_add(r, row);
}

static void
neigh_walk(struct sp_ctx *ctx, void *arg)
{
	sp_neigh_foreach(ctx, neigh_row, arg);
}

static int
tel_neigh(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rows *r = calloc(1, sizeof(*r));
	int ret;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (r == NULL)
		return -ENOMEM;
	r->st = tel_st;
	ret = call_workers(tel_st, neigh_walk, r);
	if (ret == 0)
		ret = rows_reply(r, d);
	free(r);
	return ret;
}

/* ---- /spindle/routes ---- */

/* The address of @p port inside prefix/plen, for "src". */
static uint32_t
route_src(const struct sp_stack *st, uint16_t port, uint32_t prefix, uint8_t plen)
{
	const struct sp_port *p = &st->ports[port];
	uint32_t mask = plen == 0 ? 0 : UINT32_MAX << (32 - plen);
	uint8_t a;

	for (a = 0; a < p->n_addrs; a++)
		if ((p->addrs[a].ip & mask) == prefix)
			return p->addrs[a].ip;
	return p->n_addrs ? p->addrs[0].ip : 0;
}

static void
route_row(void *arg, const struct sp_route_entry *re, const struct sp_nexthop *nh)
{
	struct rows *r = arg;
	char dst[24], gw[16], src[16], row[RTE_TEL_MAX_STRING_LEN];

	if (re->plen == 0)
		snprintf(dst, sizeof(dst), "default");
	else {
		fmt_ip(gw, sizeof(gw), re->prefix);
		snprintf(dst, sizeof(dst), "%s/%u", gw, re->plen);
	}
	if (re->connected) {
		fmt_ip(src, sizeof(src), route_src(r->st, nh->port, re->prefix, re->plen));
		snprintf(row, sizeof(row), "%s dev %s proto kernel scope link src %s", dst,
			port_name(r->st, nh->port), src);
	} else if (nh->gw != 0) {
		fmt_ip(gw, sizeof(gw), nh->gw);
		snprintf(row, sizeof(row), "%s via %s dev %s", dst, gw, port_name(r->st, nh->port));
	} else {
		snprintf(row, sizeof(row), "%s dev %s scope link", dst, port_name(r->st, nh->port));
	}
	rows_add(r, row);
}

static int
tel_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rows *r = calloc(1, sizeof(*r));
	int ret;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (r == NULL)
		return -ENOMEM;
	r->st = tel_st;
	/* Routes are built before start and read-only afterwards: no worker call needed. */
	sp_route_foreach(tel_st, route_row, r);
	ret = rows_reply(r, d);
	free(r);
	return ret;
}

/* ---- /spindle/tcp/conns ---- */

static void
tcp_detail(struct rows *r, const struct sp_tcp_info *i, unsigned lcore)
{
	struct rte_tel_data *c;
	char a[16], b[32];

	if (r->n == TEL_MAX_ROWS) {
		r->more++;
		return;
	}
	c = rte_tel_data_alloc();
	if (c == NULL)
		return;
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_string(c, "state", i->state ? i->state : "?");
	fmt_ip(a, sizeof(a), i->local_ip);
	snprintf(b, sizeof(b), "%s:%u", a, i->local_port);
	rte_tel_data_add_dict_string(c, "local", b);
	fmt_ip(a, sizeof(a), i->remote_ip);
	snprintf(b, sizeof(b), "%s:%u", a, i->remote_port);
	rte_tel_data_add_dict_string(c, "peer", b);
	rte_tel_data_add_dict_int(c, "lcore", (int)lcore);
	rte_tel_data_add_dict_string(c, "cc", i->cc ? i->cc : "?");
	rte_tel_data_add_dict_u64(c, "cwnd", i->cwnd);
	rte_tel_data_add_dict_u64(c, "ssthresh", i->ssthresh);
	rte_tel_data_add_dict_u64(c, "srtt_us", i->srtt_us);
	rte_tel_data_add_dict_u64(c, "rttvar_us", i->rttvar_us);
	rte_tel_data_add_dict_u64(c, "rto_ms", i->rto_ms);
	rte_tel_data_add_dict_u64(c, "mss_send", i->mss_send);
	rte_tel_data_add_dict_u64(c, "mss_recv", i->mss_recv);
	rte_tel_data_add_dict_u64(c, "snd_wscale", i->snd_wscale);
	rte_tel_data_add_dict_u64(c, "rcv_wscale", i->rcv_wscale);
	rte_tel_data_add_dict_int(c, "sack", i->sack);
	rte_tel_data_add_dict_int(c, "timestamps", i->timestamps);
	rte_tel_data_add_dict_u64(c, "snd_wnd", i->snd_wnd);
	rte_tel_data_add_dict_u64(c, "rcv_wnd", i->rcv_wnd);
	rte_tel_data_add_dict_u64(c, "retransmits", i->retransmits);
	rte_tel_data_add_dict_u64(c, "bytes_sent", i->bytes_sent);
	rte_tel_data_add_dict_u64(c, "bytes_acked", i->bytes_acked);
	rte_tel_data_add_dict_u64(c, "bytes_received", i->bytes_received);
	rte_tel_data_add_dict_u64(c, "send_queue", i->send_queue);
	rte_tel_data_add_dict_u64(c, "recv_queue", i->recv_queue);
	/* rte_telemetry 22.11 nests dicts only inside dicts: key them conn0, conn1, ... */
	snprintf(a, sizeof(a), "conn%u", r->n);
	if (rte_tel_data_add_dict_container(r->detail, a, c, 0) != 0)
		rte_tel_data_free(c);
	else
		r->n++;
}

struct tcp_walk {
	struct rows *r;
	unsigned lcore;
};

static void
tcp_row(void *arg, const struct sp_conn *c)
{
	struct tcp_walk *tw = arg;
	struct rows *r = tw->r;
	struct sp_tcp_info i;
	char l[16], p[16], local[24], peer[24], row[RTE_TEL_MAX_STRING_LEN];

	memset(&i, 0, sizeof(i));
	sp_tcp_get_info(c, &i);
	fmt_ip(l, sizeof(l), i.local_ip);
	fmt_ip(p, sizeof(p), i.remote_ip);
	snprintf(local, sizeof(local), "%s:%u", l, i.local_port);
	snprintf(peer, sizeof(peer), "%s:%u", p, i.remote_port);
	if (r->filter != NULL) {
		if (strcmp(r->filter, local) == 0 || strcmp(r->filter, peer) == 0)
			tcp_detail(r, &i, tw->lcore);
		return;
	}
	/* ss -tn columns, then a few of ss -i's: Recv-Q Send-Q Local Peer cc rto rtt mss cwnd */
	snprintf(row, sizeof(row),
		"%s %u %u %s %s %s rto:%u rtt:%u.%03u/%u.%03u mss:%u cwnd:%u retrans:%lu",
		i.state ? i.state : "?", i.recv_queue, i.send_queue, local, peer, i.cc ? i.cc : "?",
		i.rto_ms, i.srtt_us / 1000, i.srtt_us % 1000, i.rttvar_us / 1000,
		i.rttvar_us % 1000, i.mss_send, i.mss_send ? i.cwnd / i.mss_send : i.cwnd,
		(unsigned long)i.retransmits);
	rows_add(r, row);
}

static void
tcp_walk(struct sp_ctx *ctx, void *arg)
{
	struct tcp_walk *tw = arg;

	tw->lcore = ctx->lcore_id;
	sp_tcp_foreach(ctx, tcp_row, tw);
}

static int
tel_tcp_conns(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rows *r = calloc(1, sizeof(*r));
	struct tcp_walk tw = {.r = r};
	int ret;

	RTE_SET_USED(cmd);
	if (r == NULL)
		return -ENOMEM;
	r->st = tel_st;
	if (params != NULL && *params != '\0') {
		r->filter = params;
		r->detail = d;
		rte_tel_data_start_dict(d);
	}
	ret = call_workers(tel_st, tcp_walk, &tw);
	if (ret == 0 && r->filter == NULL)
		ret = rows_reply(r, d);
	free(r);
	return ret;
}

/* ---- /spindle/lcores ---- */

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sp_stack *st = tel_st;
	char name[32], cpp[32];
	unsigned w;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (w = 0; w < st->n_workers; w++) {
		const struct sp_ctx *ctx = st->workers[w];
		struct rte_tel_data *c;
		uint64_t busy, pkts, idle;

		if (ctx == NULL)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		busy = ctx->busy_cycles;
		pkts = ctx->busy_pkts;
		idle = ctx->idle_cycles;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "worker", ctx->worker);
		rte_tel_data_add_dict_int(c, "socket", ctx->socket);
		rte_tel_data_add_dict_u64(c, "busy_cycles", busy);
		rte_tel_data_add_dict_u64(c, "idle_cycles", idle);
		rte_tel_data_add_dict_u64(c, "busy_pkts", pkts);
		snprintf(cpp, sizeof(cpp), "%.1f", pkts ? (double)busy / (double)pkts : 0.0);
		rte_tel_data_add_dict_string(c, "cycles_per_packet", cpp);
		rte_tel_data_add_dict_u64(
			c, "busy_percent", busy + idle ? busy * 100 / (busy + idle) : 0);
		snprintf(name, sizeof(name), "lcore%u", ctx->lcore_id);
		if (rte_tel_data_add_dict_container(d, name, c, 0) != 0)
			rte_tel_data_free(c);
	}
	return 0;
}

/* ---- /spindle/mem ---- */

static int
tel_mem(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sp_stack *st = tel_st;
	char name[32];
	unsigned w;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (w = 0; w < st->n_workers; w++) {
		const struct sp_ctx *ctx = st->workers[w];
		struct sp_tcp_mem_info mi;
		struct rte_tel_data *c;

		if (ctx == NULL || ctx->tcp == NULL)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		sp_tcp_mem_get(ctx, &mi);
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "worker", ctx->worker);
		if (ctx->pool != NULL) {
			rte_tel_data_add_dict_string(c, "pool", ctx->pool->name);
			rte_tel_data_add_dict_u64(c, "pool_size", ctx->pool->size);
			rte_tel_data_add_dict_u64(
				c, "pool_in_use", rte_mempool_in_use_count(ctx->pool));
		}
		rte_tel_data_add_dict_u64(c, "tcp_mbufs", mi.mbufs);
		rte_tel_data_add_dict_u64(c, "tcp_snd_mbufs", mi.snd);
		rte_tel_data_add_dict_u64(c, "tcp_ooo_mbufs", mi.ooo);
		rte_tel_data_add_dict_u64(c, "tcp_bytes", (uint64_t)mi.mbufs * mi.truesize);
		rte_tel_data_add_dict_u64(c, "tcp_peak_mbufs", mi.peak);
		rte_tel_data_add_dict_u64(c, "mem_low", mi.low);
		rte_tel_data_add_dict_u64(c, "mem_pressure", mi.pressure);
		rte_tel_data_add_dict_u64(c, "mem_high", mi.high);
		rte_tel_data_add_dict_u64(c, "under_pressure", mi.under_pressure);
		rte_tel_data_add_dict_u64(c, "waiting", mi.waiting);
		rte_tel_data_add_dict_u64(c, "pressures", mi.pressures);
		rte_tel_data_add_dict_u64(c, "aborts", mi.aborts);
		rte_tel_data_add_dict_u64(c, "conns", mi.conns);
		snprintf(name, sizeof(name), "lcore%u", ctx->lcore_id);
		if (rte_tel_data_add_dict_container(d, name, c, 0) != 0)
			rte_tel_data_free(c);
	}
	return 0;
}

/* ---- PMD statistics ---- */

/* One port's rte_eth_xstats as a dict "name": value (names as the PMD gives them). */
static int
xstats_dict(uint16_t port_id, struct rte_tel_data *d)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int n, got, i, ret = -ENOMEM;

	rte_tel_data_start_dict(d);
	n = rte_eth_xstats_get_names(port_id, NULL, 0);
	if (n < 0)
		return n;
	if (n == 0)
		return 0;
	names = calloc(n, sizeof(*names));
	vals = calloc(n, sizeof(*vals));
	if (names == NULL || vals == NULL)
		goto out;
	ret = -EIO; /* the count changed between the calls: not expected from a started port */
	if (rte_eth_xstats_get_names(port_id, names, n) != n)
		goto out;
	got = rte_eth_xstats_get(port_id, vals, n);
	if (got != n)
		goto out;
	for (i = 0; i < n; i++)
		if (vals[i].id < (uint64_t)n)
			rte_tel_data_add_dict_u64(d, names[vals[i].id].name, vals[i].value);
	ret = 0;
out:
	free(names);
	free(vals);
	return ret;
}

static int
tel_xstats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sp_stack *st = tel_st;
	struct rte_tel_data *c;
	uint16_t p;
	int port, ret;

	RTE_SET_USED(cmd);
	if (params != NULL && *params != '\0') {
		port = param_port(st, params);
		if (port < 0)
			return -EINVAL;
		return xstats_dict(st->ports[port].port_id, d);
	}
	rte_tel_data_start_dict(d);
	for (p = 0; p < st->n_ports; p++) {
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		ret = xstats_dict(st->ports[p].port_id, c);
		if (ret != 0 || rte_tel_data_add_dict_container(d, port_name(st, p), c, 0) != 0)
			rte_tel_data_free(c);
	}
	return 0;
}

/* ---- registration ---- */

static const struct {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
} tel_cmds[] = {
	{"/spindle/stats", tel_stats,
		"spindle counters summed over ports and lcores. Parameter: portN or lcoreN"},
	{"/spindle/neigh", tel_neigh, "neighbour table like `ip neigh`"},
	{"/spindle/routes", tel_routes, "route table like `ip route`"},
	{"/spindle/tcp/conns", tel_tcp_conns,
		"TCP connections like `ss -tn`. Parameter: IP:PORT for every field of matching ones"},
	{"/spindle/mem", tel_mem,
		"TCP memory per worker lcore (mbufs held, marks, pressure) and its pool's use"},
	{"/spindle/lcores", tel_lcores,
		"busy/idle cycles, packets and cycles per packet of each worker lcore"},
	{"/spindle/xstats", tel_xstats,
		"the PMD's extended statistics (rte_eth_xstats) per port. Parameter: portN"},
};

/* Every command comes through here: under tel_lock, -ENODEV when no stack is attached. */
static int
tel_dispatch(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned i;
	int ret = -ENODEV;

	pthread_mutex_lock(&tel_lock);
	for (i = 0; i < RTE_DIM(tel_cmds); i++)
		if (tel_st != NULL && strcmp(cmd, tel_cmds[i].cmd) == 0)
			ret = tel_cmds[i].fn(cmd, params, d);
	pthread_mutex_unlock(&tel_lock);
	return ret;
}

int
sp_telemetry_register(struct sp_stack *st)
{
	unsigned i;
	int ret = 0;

	/* NULL detaches (before the stack is freed); the commands then answer with an error. */
	pthread_mutex_lock(&tel_lock);
	tel_st = st;
	pthread_mutex_unlock(&tel_lock);
	if (st == NULL || tel_registered)
		return 0;
	/* rte_telemetry has no unregister: register once per process. */
	for (i = 0; i < RTE_DIM(tel_cmds); i++)
		ret |= rte_telemetry_register_cmd(tel_cmds[i].cmd, tel_dispatch, tel_cmds[i].help);
	if (ret != 0)
		return -EINVAL;
	tel_registered = true;
	return 0;
}
