/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loadgen (client, on every worker lcore): `connections` active opens to address:port, shared
 * out over the workers (worker w of W opens connections / W, plus one when w < connections % W;
 * each connection then lives on the lcore that opened it, docs/tcp.md "Multi-lcore"), then
 *
 *   mode = bulk  each connection sends `bytes` bytes of the /bytes pattern (byte i = (i * 7 + 13)
 *                mod 256), half-closes and waits for the peer to close; bytes = 0 sends until
 *                duration_ms. duration_ms is the time limit either way.
 *   mode = rr    each connection sends a request of request_size bytes, waits for response_size
 *                bytes back, records the latency, and repeats until duration_ms; then closes.
 *
 * At the end it prints throughput and latency percentiles (p50/p90/p99/max) to standard output,
 * plus one "loadgen-result:" line of key=value pairs for scripts, one set per worker that opened
 * connections (its worker= key says which). Latencies go into a log-linear
 * histogram (16 sub-buckets per power of two, so within 6.25%) in TSC cycles: memory stays fixed
 * whatever the request count. Status 0 when every connection opened and ended without an error.
 *
 * Graceful stop (drain): the run ends now, as if duration_ms were over: bulk connections
 * half-close, rr connections close after the response they wait for.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "svc_common.h"

#define LG_GRACE_MS	 5000u /* after duration_ms: time to finish and close */
#define LG_HIST_SUB_BITS 4u
#define LG_HIST_SUB	 (1u << LG_HIST_SUB_BITS)
#define LG_HIST_N	 (64u * LG_HIST_SUB)

/* Keys of [service.NAME] with type = loadgen (in sp_service_cfg.own). */
enum lg_mode { LG_MODE_BULK, LG_MODE_RR };

struct lg_opts {
	uint32_t connections;
	uint32_t duration_ms;
	uint64_t bytes; /* bulk: bytes per connection, 0 = until duration_ms */
	int mode;	/* enum lg_mode */
	uint32_t request_size, response_size;
};
_Static_assert(sizeof(struct lg_opts) <= SP_SERVICE_OPTS_SIZE, "lg_opts too large");

static const char *const lg_mode_names[] = {
	[LG_MODE_BULK] = "bulk",
	[LG_MODE_RR] = "rr",
	NULL,
};

static const struct sp_config_key lg_keys[] = {
	SP_CONFIG_KEY_UINT(struct lg_opts, "connections", connections, 1, 1000000),
	SP_CONFIG_KEY_UINT(struct lg_opts, "duration_ms", duration_ms, 1, 86400000),
	SP_CONFIG_KEY_UINT(struct lg_opts, "bytes", bytes, 0, UINT64_MAX),
	SP_CONFIG_KEY_CHOICE(struct lg_opts, "mode", mode, lg_mode_names, "a loadgen mode"),
	SP_CONFIG_KEY_UINT(struct lg_opts, "request_size", request_size, 1, 1048576),
	SP_CONFIG_KEY_UINT(struct lg_opts, "response_size", response_size, 1, 1073741824),
};

static void
lg_defaults(void *opts)
{
	struct lg_opts *o = opts;

	o->connections = 10;
	o->duration_ms = 5000;
	o->bytes = 0;
	o->mode = LG_MODE_RR;
	o->request_size = 100;
	o->response_size = 100;
}

/* A client: the target is required (address and port are common keys without a default). */
static int
lg_validate(
	const struct sp_service_cfg *cfg, bool partial, const char *src, char *err, size_t errlen)
{
	if (partial)
		return 0;
	if (cfg->port == 0)
		return sp_service_fail(err, errlen, src,
			"[service.%s] port: missing: loadgen needs the target port", cfg->name);
	if (cfg->ip == 0)
		return sp_service_fail(err, errlen, src,
			"[service.%s] address: missing: loadgen needs the target address",
			cfg->name);
	return 0;
}

struct lg_state;

struct lg_conn {
	struct lg_state *st;
	struct sp_conn *c; /* NULL once closed() ran */
	bool connected;
	bool closing;
	bool shut;
	bool done; /* closed() ran */
	bool failed;
	uint64_t sent;	   /* bulk: bytes accepted by sp_tcp_send() */
	uint32_t req_off;  /* rr: bytes of the current request accepted */
	uint32_t resp_got; /* rr: bytes of the current response received */
	bool waiting;	   /* rr: request out, response incomplete */
	uint64_t t_req;
};

struct lg_state {
	struct sp_ctx *ctx;
	char name[SP_NAME_LEN];
	uint32_t ip;
	uint16_t port;
	char cc[16];
	bool bulk;
	uint64_t bytes;
	uint32_t req_size, resp_size;
	uint32_t n; /* connections of this worker */
	unsigned worker, n_workers;
	struct lg_conn *conns;
	uint32_t n_done, n_connected, n_failed;
	uint64_t t_start, t_stop, t_last_close;
	bool stopping;	   /* duration over: wind down */
	bool aborted_rest; /* grace over: remaining connections reset */
	bool reported;
	uint64_t bytes_sent, bytes_recv, requests;
	uint64_t lat_n, lat_max, lat_min;
	uint64_t hist[LG_HIST_N];
	uint8_t pattern[SVC_PATTERN_PERIOD + SVC_PATTERN_CHUNK];
};

static unsigned
lg_hist_idx(uint64_t v)
{
	unsigned msb;

	if (v < LG_HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	return (msb - LG_HIST_SUB_BITS + 1u) * LG_HIST_SUB +
	       (unsigned)((v >> (msb - LG_HIST_SUB_BITS)) & (LG_HIST_SUB - 1u));
}

/* Middle of bucket @p idx, in cycles. */
static double
lg_hist_value(unsigned idx)
{
	unsigned grp, sub, shift;

	if (idx < LG_HIST_SUB)
		return idx;
	grp = idx / LG_HIST_SUB;
	sub = idx % LG_HIST_SUB;
	shift = grp - 1u;
	return ((double)(LG_HIST_SUB + sub) + 0.5) * (double)(1ull << shift);
}

static double
lg_percentile_us(const struct lg_state *st, double p)
{
	uint64_t want, cum = 0;
	unsigned i;

	if (st->lat_n == 0)
		return 0;
	want = (uint64_t)(p * (double)st->lat_n + 0.999999);
	if (want == 0)
		want = 1;
	for (i = 0; i < LG_HIST_N; i++) {
		cum += st->hist[i];
		if (cum >= want)
			return lg_hist_value(i) * 1e6 / (double)sp_ctx_hz(st->ctx);
	}
	return (double)st->lat_max * 1e6 / (double)sp_ctx_hz(st->ctx);
}

static void
lg_record(struct lg_state *st, uint64_t cycles)
{
	st->hist[lg_hist_idx(cycles)]++;
	st->lat_n++;
	if (cycles > st->lat_max)
		st->lat_max = cycles;
	if (st->lat_min == 0 || cycles < st->lat_min)
		st->lat_min = cycles;
}

static void
lg_close(struct lg_conn *lc)
{
	if (lc->c != NULL && !lc->closing) {
		lc->closing = true;
		sp_tcp_close(lc->c);
	}
}

/* Queue what the send buffer takes; move on to the next phase when a piece is complete. */
static void
lg_pump(struct lg_conn *lc)
{
	struct lg_state *st = lc->st;
	ssize_t r;
	size_t want;

	while (lc->c != NULL && !lc->closing && !lc->shut && lc->connected) {
		if (st->bulk) {
			if (st->bytes != 0 && lc->sent >= st->bytes) {
				/* everything queued: FIN after it, then wait for the peer's close */
				lc->shut = true;
				sp_tcp_shutdown(lc->c);
				return;
			}
			if (st->stopping) {
				lc->shut = true;
				sp_tcp_shutdown(lc->c);
				return;
			}
			want = SVC_PATTERN_CHUNK;
			if (st->bytes != 0 && st->bytes - lc->sent < want)
				want = (size_t)(st->bytes - lc->sent);
			r = sp_tcp_send(lc->c, st->pattern + lc->sent % SVC_PATTERN_PERIOD, want);
			if (r < 0)
				goto fail;
			lc->sent += (uint64_t)r;
			st->bytes_sent += (uint64_t)r;
			if ((size_t)r < want)
				return; /* writable resumes */
			continue;
		}
		/* rr */
		if (lc->waiting && lc->req_off == st->req_size)
			return; /* response pending */
		if (!lc->waiting) {
			if (st->stopping) {
				lg_close(lc);
				return;
			}
			lc->waiting = true;
			lc->req_off = 0;
			lc->t_req = rte_rdtsc();
		}
		want = st->req_size - lc->req_off;
		if (want > SVC_PATTERN_CHUNK)
			want = SVC_PATTERN_CHUNK;
		r = sp_tcp_send(lc->c, st->pattern + lc->req_off % SVC_PATTERN_PERIOD, want);
		if (r < 0)
			goto fail;
		lc->req_off += (uint32_t)r;
		st->bytes_sent += (uint64_t)r;
		if ((size_t)r < want)
			return;
		if (lc->req_off == st->req_size) {
			sp_tcp_flush(lc->c);
			return;
		}
	}
	return;
fail:
	lc->failed = true;
	lc->closing = true;
	sp_tcp_abort(lc->c);
}

static void
lg_connected(struct sp_conn *c, void *arg)
{
	struct lg_conn *lc = arg;

	(void)c;
	lc->connected = true;
	lc->st->n_connected++;
	lg_pump(lc);
}

static void
lg_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct lg_conn *lc = arg;
	struct lg_state *st = lc->st;
	uint32_t len = m->pkt_len;

	(void)c;
	rte_pktmbuf_free(m);
	st->bytes_recv += len;
	if (st->bulk || !lc->waiting)
		return; /* bulk: whatever the peer sends is dropped */
	lc->resp_got += len;
	if (lc->resp_got < st->resp_size)
		return;
	/* response complete (a peer answering more than asked only shifts the next one) */
	lc->resp_got -= st->resp_size;
	lc->waiting = false;
	st->requests++;
	lg_record(st, rte_rdtsc() - lc->t_req);
	lg_pump(lc);
}

static void
lg_writable(struct sp_conn *c, void *arg)
{
	(void)c;
	lg_pump(arg);
}

static void
lg_peer_closed(struct sp_conn *c, void *arg)
{
	struct lg_conn *lc = arg;

	(void)c;
	/* rr: a server closing while we wait for an answer is an error; otherwise close too. */
	if (!lc->st->bulk && lc->waiting && !lc->st->stopping)
		lc->failed = true;
	lg_close(lc);
}

static void
lg_closed(struct sp_conn *c, int err, void *arg)
{
	struct lg_conn *lc = arg;
	struct lg_state *st = lc->st;

	(void)c;
	lc->c = NULL;
	lc->done = true;
	if (err != 0 || !lc->connected)
		lc->failed = true;
	if (st->bulk && st->bytes != 0 && lc->sent < st->bytes)
		lc->failed = true;
	if (lc->failed)
		st->n_failed++;
	st->n_done++;
	st->t_last_close = rte_rdtsc();
}

static const struct sp_tcp_callbacks lg_cb = {
	.connected = lg_connected,
	.recv = lg_recv,
	.writable = lg_writable,
	.peer_closed = lg_peer_closed,
	.closed = lg_closed,
};

static int
lg_start(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, void **state)
{
	const struct lg_opts *lo = SP_SERVICE_OPTS(cfg, struct lg_opts);
	struct sp_connect_opts o = {0};
	struct lg_state *st;
	uint32_t i;
	int ret;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->ctx = ctx;
	snprintf(st->name, sizeof(st->name), "%s", cfg->name);
	snprintf(st->cc, sizeof(st->cc), "%s", cfg->cc);
	st->ip = cfg->ip;
	st->port = cfg->port;
	st->bulk = lo->mode == LG_MODE_BULK;
	st->bytes = lo->bytes;
	st->req_size = lo->request_size != 0 ? lo->request_size : 1;
	st->resp_size = lo->response_size != 0 ? lo->response_size : 1;
	st->n = lo->connections != 0 ? lo->connections : 1;
	st->n_workers = 1;
	if (sp_ctx_n_workers(ctx) > 1) {
		st->n_workers = sp_ctx_n_workers(ctx);
		st->worker = sp_ctx_worker(ctx);
		st->n = st->n / st->n_workers + (st->worker < st->n % st->n_workers ? 1 : 0);
	}
	if (st->n == 0) {
		/* fewer connections than workers: nothing to do here, and nothing to report */
		st->reported = true;
		*state = st;
		return 0;
	}
	st->conns = calloc(st->n, sizeof(*st->conns));
	if (st->conns == NULL) {
		free(st);
		return -ENOMEM;
	}
	svc_pattern_fill(st->pattern);
	st->t_start = rte_rdtsc();
	st->t_stop = st->t_start + svc_ms_to_tsc(ctx, lo->duration_ms);
	o.dst_ip = st->ip;
	o.dst_port = st->port;
	o.cb = &lg_cb;
	o.cc = st->cc[0] != '\0' ? st->cc : NULL;
	o.nodelay = !st->bulk; /* rr: each request goes out whole at once */
	for (i = 0; i < st->n; i++) {
		struct lg_conn *lc = &st->conns[i];

		lc->st = st;
		o.arg = lc;
		ret = sp_tcp_connect(ctx, &o, &lc->c);
		if (ret != 0) {
			SP_LOG(WARNING, app, "loadgen %s: connection %u: %s", st->name, i,
				strerror(-ret));
			lc->c = NULL;
			lc->done = true;
			lc->failed = true;
			st->n_failed++;
			st->n_done++;
		}
	}
	*state = st;
	return 0;
}

static void
lg_report(struct lg_state *st)
{
	uint64_t end = st->t_last_close != 0 ? st->t_last_close : sp_ctx_now(st->ctx);
	double secs = svc_tsc_to_s(st->ctx, (st->bulk ? end : st->t_stop) - st->t_start);
	double p50 = lg_percentile_us(st, 0.50), p90 = lg_percentile_us(st, 0.90);
	double p99 = lg_percentile_us(st, 0.99);
	double lmax = (double)st->lat_max * 1e6 / (double)sp_ctx_hz(st->ctx);
	char ipb[16];

	if (secs <= 0 || end < st->t_start)
		secs = 1e-9; /* sp_ctx_now(ctx) of a callback can precede the rdtsc() taken at start */
	snprintf(ipb, sizeof(ipb), "%u.%u.%u.%u", st->ip >> 24, (st->ip >> 16) & 0xff,
		(st->ip >> 8) & 0xff, st->ip & 0xff);
	printf("loadgen %s: %s to %s:%u, %u connections (%u connected, %u failed), %.3f s, "
	       "worker %u of %u\n",
		st->name, st->bulk ? "bulk" : "rr", ipb, st->port, st->n, st->n_connected,
		st->n_failed, secs, st->worker, st->n_workers);
	printf("loadgen %s: sent %" PRIu64 " B (%.1f Mbit/s), received %" PRIu64
	       " B (%.1f Mbit/s)\n",
		st->name, st->bytes_sent, (double)st->bytes_sent * 8 / secs / 1e6, st->bytes_recv,
		(double)st->bytes_recv * 8 / secs / 1e6);
	if (!st->bulk)
		printf("loadgen %s: %" PRIu64 " requests (%.1f/s), latency us p50 %.1f p90 %.1f "
		       "p99 %.1f max %.1f\n",
			st->name, st->requests, (double)st->requests / secs, p50, p90, p99, lmax);
	printf("loadgen-result: name=%s mode=%s connections=%u connected=%u failed=%u "
	       "seconds=%.6f bytes_sent=%" PRIu64 " bytes_received=%" PRIu64 " requests=%" PRIu64
	       " p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f worker=%u\n",
		st->name, st->bulk ? "bulk" : "rr", st->n, st->n_connected, st->n_failed, secs,
		st->bytes_sent, st->bytes_recv, st->requests, p50, p90, p99, lmax, st->worker);
	fflush(stdout);
}

static void
lg_poll(struct sp_ctx *ctx, void *state)
{
	struct lg_state *st = state;
	uint32_t i;

	if (st->reported)
		return;
	if (!st->stopping && sp_ctx_now(ctx) >= st->t_stop) {
		/* Duration over: stop starting work; each connection closes when its piece ends. */
		st->stopping = true;
		for (i = 0; i < st->n; i++) {
			struct lg_conn *lc = &st->conns[i];

			if (lc->c == NULL)
				continue;
			if (!lc->connected)
				continue; /* still opening: the grace period decides */
			if (st->bulk && st->bytes != 0)
				continue; /* a sized transfer finishes on its own (or at the grace) */
			lg_pump(lc);
		}
	}
	if (st->stopping && !st->aborted_rest &&
		sp_ctx_now(ctx) >= st->t_stop + svc_ms_to_tsc(ctx, LG_GRACE_MS)) {
		st->aborted_rest = true;
		for (i = 0; i < st->n; i++) {
			struct lg_conn *lc = &st->conns[i];

			if (lc->c == NULL)
				continue;
			lc->failed = true;
			lc->closing = true;
			sp_tcp_abort(lc->c); /* closed() counts it */
		}
	}
	if (st->n_done == st->n) {
		lg_report(st);
		st->reported = true;
	}
}

static void
lg_drain(struct sp_ctx *ctx, void *state)
{
	struct lg_state *st = state;

	/* lg_poll() winds down from the next iteration on. */
	if (st->t_stop > sp_ctx_now(ctx))
		st->t_stop = sp_ctx_now(ctx);
}

static bool
lg_done(void *state)
{
	return ((struct lg_state *)state)->reported;
}

static int
lg_status(void *state)
{
	struct lg_state *st = state;

	if (st->n == 0)
		return 0; /* this worker had no share */
	if (!st->reported || st->n_failed != 0 || st->n_connected == 0)
		return 1;
	return st->bulk ? (st->bytes_sent > 0 ? 0 : 1) : (st->requests > 0 ? 0 : 1);
}

static void
lg_stop(struct sp_ctx *ctx, void *state)
{
	struct lg_state *st = state;
	uint32_t i;

	for (i = 0; i < st->n; i++) {
		struct lg_conn *lc = &st->conns[i];

		if (lc->c != NULL) {
			sp_tcp_set_callbacks(lc->c, &svc_orphan_cb, NULL);
			sp_tcp_abort(lc->c);
			lc->c = NULL;
			if (!lc->done) {
				lc->done = true;
				st->n_failed++;
				st->n_done++;
			}
		}
	}
	if (!st->reported) {
		st->t_last_close = rte_rdtsc();
		lg_report(st);
	}
	free(st->conns);
	free(st);
}

const struct sp_service_ops sp_service_loadgen = {
	.type = "loadgen",
	.client = true,
	.every_worker = true,
	.default_port = 0,
	.keys = lg_keys,
	.n_keys = RTE_DIM(lg_keys),
	.defaults = lg_defaults,
	.validate = lg_validate,
	.start = lg_start,
	.poll = lg_poll,
	.drain = lg_drain,
	.done = lg_done,
	.status = lg_status,
	.stop = lg_stop,
};
