/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcores: one sp_ctx each, the poll loop of design.md ("The data path"), services, the
 * graceful stop (drain), and the counter report. The main lcore never polls a queue.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_pause.h>

#include "spindle_app.h"

/* Idle strategy "sleep": this many empty iterations in a row, then sleeps of SLEEP_US each. */
#define IDLE_SPINS    100
#define IDLE_SLEEP_US 100
#define MAX_BURST     512
/* Drain: how often the connections left are counted (sp_tcp_conn_count() walks the table). */
#define DRAIN_CHECK_US 1000

int
sp_app_workers_init(struct sp_app *app)
{
	unsigned lcore;

	app->n_workers = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct sp_app_worker *w = &app->workers[app->n_workers];

		w->app = app;
		w->lcore_id = lcore;
		w->idx = app->n_workers;
		w->socket = (int)rte_lcore_to_socket_id(lcore);
		/* one queue per worker on every port, its buffers from the worker's NUMA socket */
		app->io.queue_socket[w->idx] = w->socket;
		app->n_workers++;
	}
	app->io.cfg = &app->cfg;
	app->io.nq = (uint16_t)app->n_workers;
	app->io.quit = &app->quit;
	if (app->n_workers == 0) {
		SP_LOG(ERR, app,
			"no worker lcore: the main lcore does not poll; give EAL at least two "
			"lcores (e.g. -l 0,1)");
		return -ENODEV;
	}
	return 0;
}

int
sp_app_contexts_create(struct sp_app *app)
{
	unsigned i;

	for (i = 0; i < app->n_workers; i++) {
		struct sp_app_worker *w = &app->workers[i];

		/* sp_ctx_create() allocates on the lcore's socket (NUMA). */
		w->ctx = sp_ctx_create(
			app->st, w->lcore_id, w->idx, sp_ports_pool_of(&app->io, w->socket));
		if (w->ctx == NULL) {
			SP_LOG(ERR, app, "lcore %u: cannot create the stack context", w->lcore_id);
			return -ENOMEM;
		}
	}
	return 0;
}

void
sp_app_contexts_free(struct sp_app *app)
{
	unsigned i;

	for (i = 0; i < app->n_workers; i++) {
		sp_ctx_free(app->workers[i].ctx);
		app->workers[i].ctx = NULL;
	}
}

int
sp_app_services_resolve(struct sp_app *app)
{
	unsigned i, w;

	for (i = 0; i < app->cfg.n_services; i++) {
		const struct sp_service_cfg *sc = &app->svc[i];
		const struct sp_service_ops *ops = sc->ops;

		if (ops == NULL) {
			SP_LOG(ERR, app, "service.%s: no type", sc->name);
			return -EINVAL;
		}
		if (ops->client)
			app->has_clients = true;
		/*
		 * Servers on every worker (connections land where RSS puts them); clients on
		 * worker 0, or on every worker when each opens its share of the connections from
		 * its own lcore (tcp_steer.h keeps each on the lcore that opened it).
		 */
		for (w = 0; w < app->n_workers; w++)
			app->workers[w].svc_ops[i] =
				(ops->client && !ops->every_worker && w != 0) ? NULL : ops;
	}
	return 0;
}

/* Start this worker's services; on its own lcore, since all stack calls are made there. */
static int
services_start(struct sp_app *app, struct sp_app_worker *w)
{
	unsigned i;
	int ret;

	for (i = 0; i < app->cfg.n_services; i++) {
		const struct sp_service_ops *ops = w->svc_ops[i];

		if (ops == NULL)
			continue;
		ret = ops->start(w->ctx, &app->svc[i], &w->svc_state[i]);
		if (ret != 0) {
			SP_LOG(ERR, app, "service.%s (%s) on lcore %u: cannot start: %s",
				app->cfg.services[i].name, ops->type, w->lcore_id, strerror(-ret));
			return ret;
		}
		w->svc_started[i] = true;
		SP_LOG(INFO, app, "service.%s (%s) started on lcore %u", app->cfg.services[i].name,
			ops->type, w->lcore_id);
	}
	return 0;
}

static bool
clients_done(struct sp_app *app, struct sp_app_worker *w)
{
	unsigned i;

	for (i = 0; i < app->cfg.n_services; i++) {
		const struct sp_service_ops *ops = w->svc_ops[i];

		if (ops != NULL && ops->client && w->svc_started[i] && ops->done != NULL &&
			!ops->done(w->svc_state[i]))
			return false;
	}
	return true;
}

/* Graceful stop: each service stops accepting and starting work and closes its connections. */
static void
services_drain(struct sp_app *app, struct sp_app_worker *w)
{
	unsigned i;

	for (i = 0; i < app->cfg.n_services; i++) {
		const struct sp_service_ops *ops = w->svc_ops[i];

		if (ops != NULL && w->svc_started[i] && ops->drain != NULL)
			ops->drain(w->ctx, w->svc_state[i]);
	}
}

static void
services_stop(struct sp_app *app, struct sp_app_worker *w)
{
	unsigned i;

	for (i = 0; i < app->cfg.n_services; i++) {
		const struct sp_service_ops *ops = w->svc_ops[i];

		if (ops == NULL || !w->svc_started[i])
			continue;
		if (ops->client && ops->status != NULL)
			w->svc_status[i] = ops->status(w->svc_state[i]);
		if (ops->stop != NULL)
			ops->stop(w->ctx, w->svc_state[i]);
		w->svc_state[i] = NULL;
		w->svc_started[i] = false;
	}
}

int
sp_app_services_status(struct sp_app *app)
{
	unsigned i, w;
	int status = 0;

	for (w = 0; w < app->n_workers; w++) {
		if (app->workers[w].start_err != 0)
			status = 1;
		for (i = 0; i < app->cfg.n_services; i++)
			if (app->workers[w].svc_status[i] != 0) {
				SP_LOG(ERR, app, "service.%s failed (status %d)",
					app->cfg.services[i].name, app->workers[w].svc_status[i]);
				status = 1;
			}
	}
	return status;
}

/* Every worker's client services are done (worker 0 asks; each worker answers for itself). */
static bool
all_clients_done(struct sp_app *app)
{
	unsigned w;

	for (w = 0; w < app->n_workers; w++)
		if (!__atomic_load_n(&app->workers[w].clients_done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/*
 * Packets of one iteration other than those received: segments other lcores steered here
 * (handled by sp_poll(), work like received packets) and packets sent or dropped on send. Read
 * through the ctx's counter blocks, found once (stats[]): no library call per iteration.
 */
static uint64_t
steer_in_count(const struct sp_stats *const *stats, uint16_t n_ports)
{
	uint64_t n = 0;
	uint16_t p;

	for (p = 0; p < n_ports; p++)
		n += stats[p]->steer_in;
	return n;
}

static uint64_t
tx_count(const struct sp_stats *const *stats, uint16_t n_ports)
{
	uint64_t n = 0;
	uint16_t p;

	for (p = 0; p < n_ports; p++)
		n += stats[p]->tx_pkts + stats[p]->tx_dropped;
	return n;
}

/* What the poll loop of one worker keeps between iterations. */
struct worker_loop {
	struct sp_app *app;
	struct sp_app_worker *w;
	struct sp_ctx *ctx;
	enum sp_idle idle;
	uint16_t burst, n_ports;
	unsigned empty; /* empty iterations in a row (idle = sleep) */
	bool run_services;
	const struct sp_stats *stats[SP_MAX_PORTS]; /* sp_stats_ctx() of each port */
	struct rte_mbuf *pkts[MAX_BURST];
};

/* One iteration of the data path (design.md): RX, timers, services, TX, accounting, idling. */
static void
worker_iter(struct worker_loop *l)
{
	struct sp_app *app = l->app;
	struct sp_app_worker *w = l->w;
	struct sp_ctx *ctx = l->ctx;
	uint64_t now = rte_rdtsc(), tx0 = tx_count(l->stats, l->n_ports), end;
	uint64_t st0 = steer_in_count(l->stats, l->n_ports);
	unsigned rx = 0, tx, i;
	uint16_t p;

	for (p = 0; p < l->n_ports; p++) {
		uint16_t n = rte_eth_rx_burst(app->io.ports[p].port_id, w->idx, l->pkts, l->burst);

		/* Also with n == 0: it counts the poll and moves the ctx's clock to now. */
		sp_input(ctx, now, p, l->pkts, n);
		rx += n;
	}
	sp_poll(ctx, now);
	rx += (unsigned)(steer_in_count(l->stats, l->n_ports) - st0);
	if (l->run_services)
		for (i = 0; i < app->cfg.n_services; i++)
			if (w->svc_started[i] && w->svc_ops[i]->poll != NULL)
				w->svc_ops[i]->poll(ctx, w->svc_state[i]);
	sp_tx_flush(ctx);
	tx = (unsigned)(tx_count(l->stats, l->n_ports) - tx0);
	end = rte_rdtsc();
	/* Busy cycles as testpmd's --record-core-cycles: only iterations that moved packets. */
	sp_ctx_account(ctx, end - now, rx + tx);
	if (rx + tx != 0) {
		l->empty = 0;
	} else {
		if (l->idle == SP_IDLE_PAUSE) {
			rte_pause();
		} else if (l->idle == SP_IDLE_SLEEP && ++l->empty >= IDLE_SPINS) {
			rte_delay_us_sleep(IDLE_SLEEP_US);
		}
	}
}

/*
 * Graceful stop (docs/program.md "Stopping"): the services close their listeners and their
 * connections the way they close them anyway (FIN after what was already queued; http finishes
 * the response in progress first), and the loop keeps running — RX, timers, retransmissions,
 * TX — until no connection is left, stack.drain_ms has passed, or a second signal came. What is
 * left is then reset by the services' stop() (the teardown that follows). drain_ms = 0: no drain.
 */
static void
worker_drain(struct worker_loop *l)
{
	struct sp_app *app = l->app;
	struct sp_ctx *ctx = l->ctx;
	uint64_t hz = rte_get_tsc_hz(), t0, deadline, next_check, now;
	unsigned n0, left;

	if (app->cfg.stack.drain_ms == 0)
		return;
	services_drain(app, l->w);
	t0 = rte_rdtsc();
	deadline = t0 + (uint64_t)app->cfg.stack.drain_ms * hz / 1000;
	next_check = t0 + hz * DRAIN_CHECK_US / 1000000;
	n0 = left = sp_tcp_conn_count(ctx);
	SP_LOG(NOTICE, app, "lcore %u: draining %u connection(s) for up to %u ms", l->w->lcore_id,
		n0, app->cfg.stack.drain_ms);
	while (left > 0 && !app->stop_now) {
		worker_iter(l);
		now = rte_rdtsc();
		if (now >= deadline)
			break;
		if (now >= next_check) {
			left = sp_tcp_conn_count(ctx);
			next_check = now + hz * DRAIN_CHECK_US / 1000000;
		}
	}
	left = sp_tcp_conn_count(ctx);
	SP_LOG(NOTICE, app, "lcore %u: drain %s after %" PRIu64 " ms: %u closed, %u reset",
		l->w->lcore_id,
		left == 0	? "done"
		: app->stop_now ? "cut short by a second signal"
				: "timed out",
		(rte_rdtsc() - t0) * 1000 / hz, n0 > left ? n0 - left : 0, left);
}

static int
worker_main(void *arg)
{
	struct sp_app_worker *w = arg;
	struct sp_app *app = w->app;
	struct sp_ctx *ctx = w->ctx;
	struct worker_loop l = {
		.app = app,
		.w = w,
		.ctx = ctx,
		.idle = app->cfg.stack.idle,
		.burst = app->cfg.stack.burst,
		.n_ports = app->cfg.n_ports,
		.run_services = app->cfg.n_services > 0,
	};
	bool watch_clients = app->has_clients, my_clients_done = false;
	uint16_t p;

	if (l.burst == 0 || l.burst > MAX_BURST)
		l.burst = 32;
	if (l.n_ports > SP_MAX_PORTS)
		l.n_ports = SP_MAX_PORTS;
	for (p = 0; p < l.n_ports; p++)
		l.stats[p] = sp_stats_ctx(ctx, p);
	w->clients_done = 0;
	/*
	 * From here on telemetry's sp_ctx_call() waits for this lcore's sp_poll() instead of
	 * walking the tables itself, which would race with the services being started.
	 */
	sp_ctx_set_running(ctx, true);
	w->start_err = services_start(app, w);
	if (w->start_err != 0) {
		app->quit = 1;
		goto stop;
	}
	if (w->idx == 0)
		sp_ctx_announce(ctx);

	while (!app->quit) {
		worker_iter(&l);
		if (watch_clients && !my_clients_done && clients_done(app, w)) {
			my_clients_done = true;
			__atomic_store_n(&w->clients_done, 1, __ATOMIC_RELEASE);
		}
		if (watch_clients && w->idx == 0 && all_clients_done(app)) {
			SP_LOG(NOTICE, app, "every client service is done");
			watch_clients = false;
			app->clients_done = 1;
		}
	}
	worker_drain(&l);

stop:
	/* Stop services here, on their lcore, and push out what their close produced. */
	services_stop(app, w);
	sp_poll(ctx, rte_rdtsc());
	sp_tx_flush(ctx);
	sp_ctx_set_running(ctx, false);
	/* Serve a telemetry call that was posted just before running dropped. */
	sp_poll(ctx, rte_rdtsc());
	sp_tx_flush(ctx);
	w->exited = 1;
	return w->start_err != 0 ? 1 : 0;
}

int
sp_app_workers_launch(struct sp_app *app)
{
	unsigned i;
	int ret;

	for (i = 0; i < app->n_workers; i++) {
		ret = rte_eal_remote_launch(
			worker_main, &app->workers[i], app->workers[i].lcore_id);
		if (ret != 0) {
			SP_LOG(ERR, app, "cannot launch lcore %u: %s", app->workers[i].lcore_id,
				strerror(-ret));
			app->quit = 1;
			return ret;
		}
	}
	return 0;
}

void
sp_app_workers_wait(struct sp_app *app)
{
	app->quit = 1;
	rte_eal_mp_wait_lcore();
}

/* ---- counter report ---- */

struct stat_field {
	const char *name;
	size_t off;
};

#define STAT_FIELD(n, help) {#n, offsetof(struct sp_stats, n)},

static const struct stat_field f_port[] = {SP_PORT_STATS(STAT_FIELD)};
static const struct stat_field f_eth[] = {SP_ETH_STATS(STAT_FIELD)};
static const struct stat_field f_arp[] = {SP_ARP_STATS(STAT_FIELD)};
static const struct stat_field f_ipv4[] = {SP_IPV4_STATS(STAT_FIELD)};
static const struct stat_field f_icmp[] = {SP_ICMP_STATS(STAT_FIELD)};
static const struct stat_field f_udp[] = {SP_UDP_STATS(STAT_FIELD)};
static const struct stat_field f_tcp[] = {SP_TCP_STATS(STAT_FIELD)};
static const struct stat_field f_steer[] = {SP_STEER_STATS(STAT_FIELD)};
static const struct stat_field f_impair[] = {SP_IMPAIR_STATS(STAT_FIELD)};

static const struct {
	const char *name;
	const struct stat_field *f;
	unsigned n;
} groups[] = {
	{"port", f_port, RTE_DIM(f_port)},
	{"eth", f_eth, RTE_DIM(f_eth)},
	{"arp", f_arp, RTE_DIM(f_arp)},
	{"ipv4", f_ipv4, RTE_DIM(f_ipv4)},
	{"icmp", f_icmp, RTE_DIM(f_icmp)},
	{"udp", f_udp, RTE_DIM(f_udp)},
	{"tcp", f_tcp, RTE_DIM(f_tcp)},
	{"steer", f_steer, RTE_DIM(f_steer)},
	{"impair", f_impair, RTE_DIM(f_impair)},
};

static uint64_t
stat_get(const struct sp_stats *s, const struct stat_field *f)
{
	return *(const uint64_t *)((const char *)s + f->off);
}

/* Non-zero counters of @p s, one line per group: "  ipv4: ip_in_receives = 3, ...". */
static void
print_counters(const struct sp_stats *s, const char *indent)
{
	unsigned g, i;
	bool any = false;

	for (g = 0; g < RTE_DIM(groups); g++) {
		bool first = true;

		for (i = 0; i < groups[g].n; i++) {
			uint64_t v = stat_get(s, &groups[g].f[i]);

			if (v == 0)
				continue;
			if (first)
				printf("%s%s: ", indent, groups[g].name);
			printf("%s%s = %" PRIu64, first ? "" : ", ", groups[g].f[i].name, v);
			first = false;
			any = true;
		}
		if (!first)
			printf("\n");
	}
	if (!any)
		printf("%s(all zero)\n", indent);
}

void
sp_app_print_stats(struct sp_app *app, bool final)
{
	const struct sp_stack *st = app->st;
	struct sp_stats sum;
	unsigned w;
	uint16_t p;

	if (st == NULL)
		return;
	printf("---- spindle counters%s ----\n", final ? " at exit" : "");
	for (p = 0; p < app->cfg.n_ports; p++) {
		char dev[SP_PATH_LEN];

		sp_port_devname(&app->cfg.ports[p], dev, sizeof(dev));
		sp_stats_sum(st, p, &sum);
		printf("%s (%s, ethdev %u):\n", app->cfg.ports[p].name, dev,
			app->io.ports[p].port_id);
		print_counters(&sum, "  ");
		sp_port_print_pmd_stats(&app->io, p, "  ", stdout);
	}
	for (w = 0; w < app->n_workers; w++) {
		const struct sp_ctx *ctx = app->workers[w].ctx;
		struct sp_tcp_mem_info mem;
		struct sp_ctx_load load;

		if (ctx == NULL)
			continue;
		memset(&sum, 0, sizeof(sum));
		for (p = 0; p < app->cfg.n_ports; p++)
			sp_stats_add(&sum, sp_stats_ctx(ctx, p));
		sp_ctx_get_load(ctx, &load);
		printf("lcore %u (worker %u): busy cycles %" PRIu64 ", packets %" PRIu64
		       ", cycles/packet %.1f, idle cycles %" PRIu64 "\n",
			sp_ctx_lcore(ctx), sp_ctx_worker(ctx), load.busy_cycles, load.busy_pkts,
			load.busy_pkts ? (double)load.busy_cycles / (double)load.busy_pkts : 0.0,
			load.idle_cycles);
		sp_tcp_mem_get(ctx, &mem);
		printf("  TCP memory: %u mbufs held (%u send, %u out-of-order), peak %u, marks "
		       "%u/%u/%u, pressure entered %" PRIu64 " times, %" PRIu64
		       " connections aborted for memory\n",
			mem.mbufs, mem.snd, mem.ooo, mem.peak, mem.low, mem.pressure, mem.high,
			mem.pressures, mem.aborts);
		print_counters(&sum, "  ");
	}
	fflush(stdout);
}
