/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loadgen (client, on every worker lcore): a stateful traffic generator (docs/loadgen.md).
 * `connections` connections to address:port are shared out over the workers (worker w of W
 * gets connections / W, plus one when w < connections % W; each connection lives on the lcore
 * that opened it, docs/tcp.md "Multi-lcore"). Per mode:
 *
 *   bulk     each connection sends `bytes` bytes of the /bytes pattern (byte i = (i * 7 + 13)
 *            mod 256), half-closes and waits for the peer to close; bytes = 0 sends until
 *            duration_ms.
 *   rr       each connection sends request_size bytes, waits for response_size bytes, repeats.
 *   http     each connection sends GET `path` (keep-alive) and reads the response framed by its
 *            Content-Length or chunked coding (loadgen_http.c), repeats.
 *   cps      per connection: open, one exchange (raw rr-sized, or with http = on a GET with
 *            Connection: close), close as `close` says (client|server|rst); the slot reopens.
 *   connect  per connection: open, then close as `close` says.
 *
 * Closed loop (rate = 0): every slot works back to back. Open loop (rate > 0): requests (rr,
 * http) or connections (cps, connect) start on the schedule of loadgen_pace.c, at most
 * `connections` in flight; what could not start is reported (rate_asked vs rate_achieved).
 * Histograms (loadgen_hist.c) of connect time, time to first byte and request latency; errors
 * by cause. Live figures on /spindle/loadgen (loadgen_tel.c), a progress line per interval_ms,
 * and at the end a summary and one "loadgen-result:" line per worker that had connections.
 *
 * Graceful stop (drain): the run ends now, as if duration_ms were over.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "svc_common.h"
#include "loadgen.h"

#define LG_GRACE_MS	 5000u	/* after duration_ms: time to finish and close */
#define LG_OPEN_BURST	 256u	/* opens or dispatches per poll: the loop keeps serving input */
#define LG_TUPLE_TRIES	 16u	/* source tuples tried per open when one is in use */
#define LG_SCAN_PER_POLL 64u	/* slots checked for timeouts per scan ... */
#define LG_SCANS_PER_S	 10000u /* ... and scans per second at most (one per 100 us) */
#define LG_MAX_SRC_ADDRS 65536u

/* Keys of [service.NAME] with type = loadgen (in sp_service_cfg.own). */
enum lg_mode { LG_MODE_BULK, LG_MODE_RR, LG_MODE_HTTP, LG_MODE_CPS, LG_MODE_CONNECT };
enum lg_close { LG_CLOSE_CLIENT, LG_CLOSE_SERVER, LG_CLOSE_RST };
enum lg_pacing { LG_PACE_EVEN, LG_PACE_POISSON };

struct lg_opts {
	uint32_t connections;
	uint32_t duration_ms;
	uint64_t bytes; /* bulk: bytes per connection, 0 = until duration_ms */
	int mode;	/* enum lg_mode */
	uint32_t request_size, response_size;
	char path[SP_PATH_LEN];
	int http;  /* cps: the exchange is an HTTP GET */
	int close; /* enum lg_close */
	uint32_t rate;
	int pacing; /* enum lg_pacing */
	uint32_t ramp_ms, interval_ms, timeout_ms;
	uint32_t src_addr_min, src_addr_max;
	uint16_t src_port_min, src_port_max;
};
_Static_assert(sizeof(struct lg_opts) <= SP_SERVICE_OPTS_SIZE, "lg_opts too large");

static const char *const lg_mode_names[] = {
	[LG_MODE_BULK] = "bulk",
	[LG_MODE_RR] = "rr",
	[LG_MODE_HTTP] = "http",
	[LG_MODE_CPS] = "cps",
	[LG_MODE_CONNECT] = "connect",
	NULL,
};

static const char *const lg_close_names[] = {
	[LG_CLOSE_CLIENT] = "client",
	[LG_CLOSE_SERVER] = "server",
	[LG_CLOSE_RST] = "rst",
	NULL,
};

static const char *const lg_pacing_names[] = {
	[LG_PACE_EVEN] = "even",
	[LG_PACE_POISSON] = "poisson",
	NULL,
};

static const struct sp_config_key lg_keys[] = {
	SP_CONFIG_KEY_UINT(struct lg_opts, "connections", connections, 1, 1000000),
	SP_CONFIG_KEY_UINT(struct lg_opts, "duration_ms", duration_ms, 1, 86400000),
	SP_CONFIG_KEY_UINT(struct lg_opts, "bytes", bytes, 0, UINT64_MAX),
	SP_CONFIG_KEY_CHOICE(struct lg_opts, "mode", mode, lg_mode_names, "a loadgen mode"),
	SP_CONFIG_KEY_UINT(struct lg_opts, "request_size", request_size, 1, 1048576),
	SP_CONFIG_KEY_UINT(struct lg_opts, "response_size", response_size, 1, 1073741824),
	SP_CONFIG_KEY(struct lg_opts, "path", path, SP_KEY_STR, 0),
	SP_CONFIG_KEY(struct lg_opts, "http", http, SP_KEY_BOOL, 0),
	SP_CONFIG_KEY_CHOICE(struct lg_opts, "close", close, lg_close_names, "a close order"),
	SP_CONFIG_KEY_UINT(struct lg_opts, "rate", rate, 0, 100000000),
	SP_CONFIG_KEY_CHOICE(struct lg_opts, "pacing", pacing, lg_pacing_names, "a pacing"),
	SP_CONFIG_KEY_UINT(struct lg_opts, "ramp_ms", ramp_ms, 0, 86400000),
	SP_CONFIG_KEY_UINT(struct lg_opts, "interval_ms", interval_ms, 0, 86400000),
	SP_CONFIG_KEY_UINT(struct lg_opts, "timeout_ms", timeout_ms, 0, 86400000),
	SP_CONFIG_KEY(struct lg_opts, "src_address_min", src_addr_min, SP_KEY_IPV4, 0),
	SP_CONFIG_KEY(struct lg_opts, "src_address_max", src_addr_max, SP_KEY_IPV4, 0),
	SP_CONFIG_KEY_UINT(struct lg_opts, "src_port_min", src_port_min, 1, 65535),
	SP_CONFIG_KEY_UINT(struct lg_opts, "src_port_max", src_port_max, 1, 65535),
};

static void
lg_defaults(void *opts)
{
	struct lg_opts *o = opts;

	memset(o, 0, sizeof(*o));
	o->connections = 10;
	o->duration_ms = 5000;
	o->mode = LG_MODE_RR;
	o->request_size = 100;
	o->response_size = 100;
	snprintf(o->path, sizeof(o->path), "/");
	o->close = LG_CLOSE_CLIENT;
	o->pacing = LG_PACE_EVEN;
	o->interval_ms = 1000;
	o->timeout_ms = 5000;
}

/* Keys KEY_min and KEY_max: max needs min and is not below it. */
static int
lg_check_range(const char *n, const char *key, uint64_t min, uint64_t max, const char *src,
	char *err, size_t errlen)
{
	if (max != 0 && min == 0)
		return sp_service_fail(
			err, errlen, src, "[service.%s] %s_max: needs %s_min", n, key, key);
	if (max != 0 && max < min)
		return sp_service_fail(
			err, errlen, src, "[service.%s] %s_max: below %s_min", n, key, key);
	return 0;
}

/* The checks between keys; each message names the key that has to change. */
static int
lg_validate(
	const struct sp_service_cfg *cfg, bool partial, const char *src, char *err, size_t errlen)
{
	const struct lg_opts *lo = SP_SERVICE_OPTS(cfg, struct lg_opts);
	const char *n = cfg->name;
	int ret;

	if (lo->path[0] != '/' || strpbrk(lo->path, " \t\r\n") != NULL)
		return sp_service_fail(err, errlen, src,
			"[service.%s] path: '%s' must start with / and hold no blanks", n,
			lo->path);
	if (partial)
		return 0;
	if (cfg->port == 0)
		return sp_service_fail(err, errlen, src,
			"[service.%s] port: missing: loadgen needs the target port", n);
	if (cfg->ip == 0)
		return sp_service_fail(err, errlen, src,
			"[service.%s] address: missing: loadgen needs the target address", n);
	if (lo->http && lo->mode != LG_MODE_CPS)
		return sp_service_fail(err, errlen, src,
			"[service.%s] http: only for mode = cps (mode = http is keep-alive HTTP)",
			n);
	if (lo->rate != 0 && lo->mode == LG_MODE_BULK)
		return sp_service_fail(err, errlen, src,
			"[service.%s] rate: not for mode = bulk (rr, http, cps, connect)", n);
	if (lo->pacing == LG_PACE_POISSON && lo->rate == 0)
		return sp_service_fail(err, errlen, src,
			"[service.%s] pacing: poisson needs a rate (open loop)", n);
	if (lo->ramp_ms != 0 && lo->ramp_ms >= lo->duration_ms)
		return sp_service_fail(err, errlen, src,
			"[service.%s] ramp_ms: %u is not shorter than duration_ms (%u)", n,
			lo->ramp_ms, lo->duration_ms);
	ret = lg_check_range(
		n, "src_address", lo->src_addr_min, lo->src_addr_max, src, err, errlen);
	if (ret != 0)
		return ret;
	if (lo->src_addr_max != 0 && lo->src_addr_max - lo->src_addr_min >= LG_MAX_SRC_ADDRS)
		return sp_service_fail(err, errlen, src,
			"[service.%s] src_address_max: more than %u addresses", n,
			LG_MAX_SRC_ADDRS);
	return lg_check_range(n, "src_port", lo->src_port_min, lo->src_port_max, src, err, errlen);
}

static uint32_t
lg_src_last(const struct lg_opts *lo)
{
	return lo->src_addr_max != 0 ? lo->src_addr_max : lo->src_addr_min;
}

/* Source addresses must be the ports' own: replies to any other would never reach us. */
static int
lg_validate_config(const struct sp_config *config, const struct sp_service_cfg *cfg,
	const char *src, char *err, size_t errlen)
{
	const struct lg_opts *lo = SP_SERVICE_OPTS(cfg, struct lg_opts);
	uint32_t a;

	if (config == NULL || lo->src_addr_min == 0)
		return 0;
	for (a = lo->src_addr_min; a <= lg_src_last(lo) && a != 0; a++)
		if (!sp_config_has_address(config, a))
			return sp_service_fail(err, errlen, src,
				"[service.%s] %s: %u.%u.%u.%u is not an address of any port",
				cfg->name,
				a == lo->src_addr_min ? "src_address_min" : "src_address_max",
				a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return 0;
}

/* ---------------------------------------------------------------- state */

enum lg_phase {
	LP_FREE,    /* no connection */
	LP_OPENING, /* SYN sent */
	LP_IDLE,    /* connected, no request out (open loop rr/http: waits for the schedule) */
	LP_REQ,	    /* request out, response incomplete */
	LP_CLOSING, /* its work is done: waiting for the close it asked for */
	LP_BULK,    /* bulk transfer */
};

struct lg_state;

struct lg_conn {
	struct lg_state *st;
	struct sp_conn *c; /* NULL once closed() ran */
	uint8_t phase;
	bool closing;	/* sp_tcp_close/abort called */
	bool clean;	/* the close that follows is the one asked for, not an error */
	bool peer_fin;	/* the peer closed its side */
	bool counted;	/* its error is counted */
	bool got_first; /* a byte of the current response arrived */
	bool shut;	/* bulk: FIN queued */
	uint64_t t_open, t_req, deadline;
	uint64_t sent;	   /* bulk: bytes accepted by sp_tcp_send() */
	uint32_t req_off;  /* bytes of the current request accepted */
	uint64_t resp_got; /* raw: bytes of responses received */
	struct lg_http http;
};

struct lg_state {
	struct sp_ctx *ctx;
	struct lg_opts o;
	char name[SP_NAME_LEN];
	uint32_t ip;
	uint16_t port;
	char cc[16];
	uint32_t n; /* connection slots of this worker */
	unsigned worker, n_workers;
	bool persistent; /* rr, http, bulk: each slot opens once */
	bool http;	 /* the exchange is HTTP */
	bool open_loop;
	struct lg_conn *conns;
	uint32_t *free_idx, n_free; /* cps/connect: free slots */
	uint32_t *idle_idx, n_idle; /* open-loop rr/http: connected slots without a request */
	uint32_t next_slot;	    /* persistent: slots opened so far */
	uint32_t n_live;	    /* slots not LP_FREE */
	uint64_t pending;	    /* open loop: arrivals due, not started */
	struct lg_pace pace;
	uint32_t src_addr, src_port; /* next source tuple */
	uint32_t scan_next;	     /* next slot lg_scan_timeouts() checks */
	uint64_t t_start, t_stop, t_last_close, t_next_progress, t_next_scan;
	bool stopping, aborted_rest, reported;
	struct lg_live live;
	struct lg_hist h_connect, h_ttfb, h_req;
	char req[SP_PATH_LEN + 160];
	uint32_t req_len;
	uint8_t pattern[SVC_PATTERN_PERIOD + SVC_PATTERN_CHUNK];
};

static uint64_t
lg_now(const struct lg_state *st)
{
	return sp_ctx_now(st->ctx);
}

static void
lg_close(struct lg_conn *lc)
{
	if (lc->c != NULL && !lc->closing) {
		lc->closing = true;
		sp_tcp_close(lc->c);
	}
}

/* An error of cause @p which (a counter of st->live); counted once per connection. */
static void
lg_error(struct lg_conn *lc, uint64_t *which)
{
	if (lc->counted)
		return;
	lc->counted = true;
	(*which)++;
	lc->st->live.failed++;
}

/* Give up on a connection for cause @p which: reset it (closed() follows, synchronously). */
static void
lg_fail(struct lg_conn *lc, uint64_t *which)
{
	lg_error(lc, which);
	lc->clean = false;
	if (lc->c != NULL) {
		lc->closing = true;
		sp_tcp_abort(lc->c);
	}
}

/*
 * Queue up to @p want bytes at @p p. @return the bytes accepted, or -1 when the stack refused
 * (the connection is then reset and counted as errors_local).
 */
static ssize_t
lg_send(struct lg_conn *lc, const void *p, size_t want)
{
	ssize_t r = sp_tcp_send(lc->c, p, want);

	if (r < 0) {
		lg_fail(lc, &lc->st->live.err_local);
		return -1;
	}
	lc->st->live.bytes_sent += (uint64_t)r;
	return r;
}

/* ---------------------------------------------------------------- requests */

static void lg_finish(struct lg_conn *lc);

/* Queue what the send buffer takes of the current request. */
static void
lg_send_req(struct lg_conn *lc)
{
	struct lg_state *st = lc->st;
	uint32_t total = st->http ? st->req_len : st->o.request_size;
	const void *p;
	size_t want;
	ssize_t r;

	while (lc->c != NULL && lc->phase == LP_REQ && lc->req_off < total) {
		want = total - lc->req_off;
		if (want > SVC_PATTERN_CHUNK)
			want = SVC_PATTERN_CHUNK;
		p = st->http ? (const void *)(st->req + lc->req_off)
			     : (const void *)(st->pattern + lc->req_off % SVC_PATTERN_PERIOD);
		r = lg_send(lc, p, want);
		if (r < 0)
			return;
		lc->req_off += (uint32_t)r;
		if ((size_t)r < want)
			return; /* writable resumes */
	}
	if (lc->c != NULL && lc->req_off == total)
		sp_tcp_flush(lc->c);
}

static void
lg_req_start(struct lg_conn *lc)
{
	struct lg_state *st = lc->st;

	lc->phase = LP_REQ;
	lc->req_off = 0;
	lc->got_first = false;
	lc->t_req = rte_rdtsc();
	lc->deadline =
		st->o.timeout_ms != 0 ? lg_now(st) + svc_ms_to_tsc(st->ctx, st->o.timeout_ms) : 0;
	if (st->http)
		lg_http_reset(&lc->http);
	lg_send_req(lc);
	/* raw rr: a peer that answered more than asked already shifted this response */
	if (!st->http && lc->phase == LP_REQ && lc->resp_got >= st->o.response_size)
		lg_finish(lc);
}

static void
lg_idle_push(struct lg_state *st, struct lg_conn *lc)
{
	lc->phase = LP_IDLE;
	st->idle_idx[st->n_idle++] = (uint32_t)(lc - st->conns);
}

/* Its work is done (cps, connect): close as `close` says. */
static void
lg_end_conn(struct lg_conn *lc)
{
	struct lg_state *st = lc->st;

	lc->phase = LP_CLOSING;
	lc->clean = true;
	switch (st->o.close) {
	case LG_CLOSE_RST:
		lc->closing = true;
		sp_tcp_abort(lc->c); /* closed() follows with -ECONNABORTED, asked for */
		return;
	case LG_CLOSE_SERVER:
		/* the server closes first: wait for its FIN (bounded by timeout_ms) */
		lc->deadline = st->o.timeout_ms != 0
				       ? lg_now(st) + svc_ms_to_tsc(st->ctx, st->o.timeout_ms)
				       : 0;
		if (lc->peer_fin)
			lg_close(lc);
		return;
	default:
		lg_close(lc);
	}
}

/* The current response is complete. */
static void
lg_finish(struct lg_conn *lc)
{
	struct lg_state *st = lc->st;

	if (!st->http)
		lc->resp_got -= st->o.response_size;
	st->live.requests++;
	lg_hist_add(&st->h_req, rte_rdtsc() - lc->t_req);
	lc->deadline = 0;
	if (st->o.mode == LG_MODE_CPS) {
		lg_end_conn(lc);
		return;
	}
	if (st->stopping) {
		lc->clean = true;
		lc->phase = LP_CLOSING;
		lg_close(lc);
		return;
	}
	if (st->http && !lg_http_persists(&lc->http)) {
		/* the server ends this connection: close too; the slot opens a new one */
		lc->clean = true;
		lc->phase = LP_CLOSING;
		lg_close(lc);
		return;
	}
	if (st->open_loop)
		lg_idle_push(st, lc);
	else
		lg_req_start(lc);
}

/* ---------------------------------------------------------------- bulk */

static void
lg_pump_bulk(struct lg_conn *lc)
{
	struct lg_state *st = lc->st;
	ssize_t r;
	size_t want;

	while (lc->c != NULL && !lc->closing && !lc->shut) {
		if ((st->o.bytes != 0 && lc->sent >= st->o.bytes) || st->stopping) {
			/* everything queued (or time is up): FIN after it, then the peer's close */
			lc->shut = true;
			sp_tcp_shutdown(lc->c);
			return;
		}
		want = SVC_PATTERN_CHUNK;
		if (st->o.bytes != 0 && st->o.bytes - lc->sent < want)
			want = (size_t)(st->o.bytes - lc->sent);
		r = lg_send(lc, st->pattern + lc->sent % SVC_PATTERN_PERIOD, want);
		if (r < 0)
			return;
		lc->sent += (uint64_t)r;
		if ((size_t)r < want)
			return; /* writable resumes */
	}
}

/* ---------------------------------------------------------------- callbacks */

static void
lg_connected(struct sp_conn *c, void *arg)
{
	struct lg_conn *lc = arg;
	struct lg_state *st = lc->st;

	(void)c;
	st->live.opened++;
	lg_hist_add(&st->h_connect, rte_rdtsc() - lc->t_open);
	lc->deadline = 0;
	switch (st->o.mode) {
	case LG_MODE_BULK:
		lc->phase = LP_BULK;
		lg_pump_bulk(lc);
		return;
	case LG_MODE_CONNECT:
		lg_end_conn(lc);
		return;
	case LG_MODE_CPS:
		lg_req_start(lc);
		return;
	default:
		if (st->stopping) {
			lc->clean = true;
			lc->phase = LP_CLOSING;
			lg_close(lc);
		} else if (st->open_loop) {
			lg_idle_push(st, lc);
		} else {
			lg_req_start(lc);
		}
	}
}

/* One segment of the current HTTP response. */
static void
lg_recv_http(struct lg_conn *lc, const char *d, size_t n)
{
	struct lg_state *st = lc->st;
	size_t used = 0;
	int r;

	if (lc->phase != LP_REQ) {
		lg_fail(lc, &st->live.err_bad_response); /* bytes nobody asked for */
		return;
	}
	r = lg_http_feed(&lc->http, d, n, &used);
	if (r < 0 || (r == LG_HTTP_DONE && used < n)) {
		lg_fail(lc, &st->live.err_bad_response);
		return;
	}
	if (r == LG_HTTP_DONE) {
		if (lc->http.status < 200 || lc->http.status > 299)
			st->live.http_non2xx++;
		lg_finish(lc);
	}
}

static void
lg_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct lg_conn *lc = arg;
	struct lg_state *st = lc->st;
	struct rte_mbuf *seg;

	(void)c;
	st->live.bytes_recv += m->pkt_len;
	if (lc->phase == LP_REQ && !lc->got_first && m->pkt_len > 0) {
		lc->got_first = true;
		lg_hist_add(&st->h_ttfb, rte_rdtsc() - lc->t_req);
	}
	if (st->o.mode == LG_MODE_BULK || lc->phase == LP_CLOSING) {
		rte_pktmbuf_free(m); /* bulk: whatever the peer sends is dropped */
		return;
	}
	if (!st->http) {
		lc->resp_got += m->pkt_len;
		rte_pktmbuf_free(m);
		if (lc->phase == LP_REQ && lc->resp_got >= st->o.response_size)
			lg_finish(lc);
		return;
	}
	for (seg = m; seg != NULL && lc->c != NULL && !lc->closing; seg = seg->next)
		lg_recv_http(lc, rte_pktmbuf_mtod(seg, const char *), seg->data_len);
	rte_pktmbuf_free(m);
}

static void
lg_writable(struct sp_conn *c, void *arg)
{
	struct lg_conn *lc = arg;

	(void)c;
	if (lc->phase == LP_BULK)
		lg_pump_bulk(lc);
	else if (lc->phase == LP_REQ)
		lg_send_req(lc);
}

static void
lg_peer_closed(struct sp_conn *c, void *arg)
{
	struct lg_conn *lc = arg;
	struct lg_state *st = lc->st;

	(void)c;
	lc->peer_fin = true;
	switch (lc->phase) {
	case LP_REQ:
		/* a close-delimited HTTP body ends here; any other response is cut short */
		if (st->http && lg_http_eof(&lc->http) == LG_HTTP_DONE) {
			if (lc->http.status < 200 || lc->http.status > 299)
				st->live.http_non2xx++;
			lg_finish(lc);
			if (lc->phase == LP_IDLE || lc->phase == LP_REQ) {
				/* keep-alive modes: the server is gone, so is this connection */
				lc->clean = true;
				lc->phase = LP_CLOSING;
				lg_close(lc);
			}
			return;
		}
		lg_fail(lc, &st->live.err_bad_response);
		return;
	case LP_CLOSING:
		lg_close(lc);
		return;
	case LP_BULK:
		lc->clean = true;
		lg_close(lc);
		return;
	default:
		/* idle keep-alive connection closed by the server: not an error, but it is gone */
		lc->clean = true;
		lc->phase = LP_CLOSING;
		lg_close(lc);
	}
}

static void
lg_closed(struct sp_conn *c, int err, void *arg)
{
	struct lg_conn *lc = arg;
	struct lg_state *st = lc->st;
	uint32_t idx = (uint32_t)(lc - st->conns), i;

	(void)c;
	lc->c = NULL;
	if (lc->phase == LP_BULK && st->o.bytes != 0 && lc->sent < st->o.bytes)
		lg_error(lc, &st->live.err_local); /* closed before all was sent */
	if (err == -ECONNREFUSED || err == -EHOSTUNREACH || err == -ENETUNREACH ||
		err == -EHOSTDOWN || err == -ENONET || err == -ENOPROTOOPT)
		lg_error(lc, &st->live.err_refused); /* RST or an ICMP error about the SYN */
	else if (err == -ETIMEDOUT)
		lg_error(lc, &st->live.err_timeout);
	else if (err == -ECONNRESET)
		lg_error(lc, &st->live.err_reset);
	else if (err == -ECONNABORTED && !(lc->clean && st->o.close == LG_CLOSE_RST))
		lg_error(lc, &st->live.err_local); /* aborted for a cause counted before, if any */
	else if (err != 0 && err != -ECONNABORTED)
		lg_error(lc, &st->live.err_local);
	else if (!lc->clean && lc->phase != LP_BULK)
		lg_error(lc, &st->live.err_bad_response); /* orderly close in the middle of work */
	if (!lc->counted && lc->phase == LP_CLOSING && st->persistent == false)
		st->live.completed++;
	if (lc->phase == LP_IDLE)
		for (i = 0; i < st->n_idle; i++)
			if (st->idle_idx[i] == idx) {
				st->idle_idx[i] = st->idle_idx[--st->n_idle];
				break;
			}
	lc->phase = LP_FREE;
	st->n_live--;
	st->live.in_flight = st->n_live;
	/* cps/connect: the slot opens again; http: after a close the server asked for */
	if (!st->persistent ||
		(st->o.mode == LG_MODE_HTTP && lc->clean && !lc->counted && !st->stopping))
		st->free_idx[st->n_free++] = idx;
	st->t_last_close = rte_rdtsc();
}

static const struct sp_tcp_callbacks lg_cb = {
	.connected = lg_connected,
	.recv = lg_recv,
	.writable = lg_writable,
	.peer_closed = lg_peer_closed,
	.closed = lg_closed,
};

/* ---------------------------------------------------------------- opening */

/* Advance the source tuple (ports fastest, then addresses). */
static void
lg_next_tuple(struct lg_state *st)
{
	uint32_t plast = st->o.src_port_max != 0 ? st->o.src_port_max : st->o.src_port_min;

	if (st->o.src_port_min != 0 && st->src_port < plast) {
		st->src_port++;
		return;
	}
	if (st->o.src_port_min != 0)
		st->src_port = st->o.src_port_min;
	if (st->o.src_addr_min != 0)
		st->src_addr =
			st->src_addr < lg_src_last(&st->o) ? st->src_addr + 1 : st->o.src_addr_min;
}

/* Open slot @p lc. @return 0, or -errno when no connection could be made (counted). */
static int
lg_open(struct lg_state *st, struct lg_conn *lc)
{
	struct sp_connect_opts o = {0};
	unsigned tries;
	int ret = -EADDRNOTAVAIL;

	memset(lc, 0, sizeof(*lc));
	lc->st = st;
	o.dst_ip = st->ip;
	o.dst_port = st->port;
	o.cb = &lg_cb;
	o.arg = lc;
	o.cc = st->cc[0] != '\0' ? st->cc : NULL;
	o.nodelay = st->o.mode != LG_MODE_BULK; /* each request goes out whole at once */
	st->live.attempts++;
	lc->t_open = rte_rdtsc();
	lc->phase = LP_OPENING;
	st->n_live++;
	st->live.in_flight = st->n_live;
	for (tries = 0; tries < LG_TUPLE_TRIES; tries++) {
		o.src_ip = st->src_addr;
		o.src_port = (uint16_t)st->src_port;
		lg_next_tuple(st);
		ret = sp_tcp_connect(st->ctx, &o, &lc->c);
		if (ret == 0)
			break;
		/* a tuple in use (or no port left on this address): the next one may do */
		if ((ret != -EADDRINUSE && ret != -EADDRNOTAVAIL) ||
			(st->o.src_port_min == 0 && st->o.src_addr_min == 0))
			break;
	}
	if (ret != 0) {
		lc->c = NULL;
		lc->counted = true;
		st->live.failed++;
		if (ret == -EHOSTUNREACH)
			st->live.err_refused++; /* no route to the target */
		else
			st->live.err_local++;
		lc->phase = LP_FREE;
		st->n_live--;
		st->live.in_flight = st->n_live;
		return ret;
	}
	lc->deadline =
		st->o.timeout_ms != 0 ? lg_now(st) + svc_ms_to_tsc(st->ctx, st->o.timeout_ms) : 0;
	return 0;
}

/* How many slots closed-loop work may use now: all of them, or a linear share during ramp_ms. */
static uint32_t
lg_ramp_slots(const struct lg_state *st, uint64_t now)
{
	uint64_t ramp = svc_ms_to_tsc(st->ctx, st->o.ramp_ms), el;
	uint32_t k;

	if (ramp == 0 || now >= st->t_start + ramp)
		return st->n;
	el = now > st->t_start ? now - st->t_start : 0;
	k = (uint32_t)((double)st->n * (double)el / (double)ramp) + 1;
	return k < st->n ? k : st->n;
}

/* Start the work due now (opens, or open-loop requests on idle connections). */
static void
lg_start_work(struct lg_state *st, uint64_t now)
{
	unsigned burst = 0;
	uint32_t idx;
	uint64_t due;

	if (st->open_loop) {
		due = lg_pace_due(&st->pace, now);
		st->pending += due;
		st->live.scheduled += due;
	}
	if (st->o.mode == LG_MODE_CPS || st->o.mode == LG_MODE_CONNECT) {
		uint32_t allowed = st->open_loop ? st->n : lg_ramp_slots(st, now);

		while (st->n_free > 0 && st->n_live < allowed && burst < LG_OPEN_BURST &&
			(!st->open_loop || st->pending > 0)) {
			idx = st->free_idx[--st->n_free];
			burst++;
			if (st->open_loop) {
				st->pending--;
				st->live.started++;
			}
			if (lg_open(st, &st->conns[idx]) != 0) {
				st->free_idx[st->n_free++] = idx;
				break; /* a local failure: try again next iteration */
			}
		}
		return;
	}
	/* persistent modes: each slot opens once (spread over ramp_ms when closed loop); an http
	 * slot whose server closed opens again (a failed open leaves it closed, counted) */
	while (st->n_free > 0 && burst++ < LG_OPEN_BURST)
		lg_open(st, &st->conns[st->free_idx[--st->n_free]]);
	while (st->next_slot < (st->open_loop ? st->n : lg_ramp_slots(st, now)) &&
		burst++ < LG_OPEN_BURST)
		lg_open(st, &st->conns[st->next_slot++]);
	while (st->open_loop && st->pending > 0 && st->n_idle > 0 && burst++ < LG_OPEN_BURST) {
		idx = st->idle_idx[--st->n_idle];
		st->pending--;
		st->live.started++;
		lg_req_start(&st->conns[idx]);
	}
}

/*
 * Connections past their deadline (connect, response, or the server's close): LG_SCAN_PER_POLL
 * slots from a cursor, at most LG_SCANS_PER_S times a second, so the cost stays small and
 * bounded whatever `connections` is; a deadline is noticed within one sweep (n / 640000 s:
 * 16 ms for 10,000 connections, 1.6 s for a million).
 */
static void
lg_scan_timeouts(struct lg_state *st, uint64_t now)
{
	uint32_t k;

	for (k = 0; k < LG_SCAN_PER_POLL && k < st->n; k++) {
		struct lg_conn *lc = &st->conns[st->scan_next];

		st->scan_next = st->scan_next + 1 < st->n ? st->scan_next + 1 : 0;

		if (lc->c == NULL || lc->deadline == 0 || now < lc->deadline)
			continue;
		lc->deadline = 0;
		lg_fail(lc, &st->live.err_timeout);
	}
}

static int
lg_start(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, void **state)
{
	const struct lg_opts *lo = SP_SERVICE_OPTS(cfg, struct lg_opts);
	struct lg_state *st;
	uint32_t i;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->ctx = ctx;
	st->o = *lo;
	snprintf(st->name, sizeof(st->name), "%s", cfg->name);
	snprintf(st->cc, sizeof(st->cc), "%s", cfg->cc);
	st->ip = cfg->ip;
	st->port = cfg->port;
	st->persistent =
		lo->mode == LG_MODE_BULK || lo->mode == LG_MODE_RR || lo->mode == LG_MODE_HTTP;
	st->http = lo->mode == LG_MODE_HTTP || (lo->mode == LG_MODE_CPS && lo->http);
	st->open_loop = lo->rate != 0 && lo->mode != LG_MODE_BULK;
	st->n = lo->connections != 0 ? lo->connections : 1;
	st->n_workers = 1;
	if (sp_ctx_n_workers(ctx) > 1) {
		st->n_workers = sp_ctx_n_workers(ctx);
		st->worker = sp_ctx_worker(ctx);
		st->n = st->n / st->n_workers + (st->worker < st->n % st->n_workers ? 1 : 0);
		if (lo->src_port_min != 0) {
			/* the stack picks ports this lcore owns (tcp_steer.h); fixed ones may not be */
			SP_LOG(ERR, app, "loadgen %s: src_port_min/max need one worker lcore",
				st->name);
			free(st);
			return -EINVAL;
		}
	}
	snprintf(st->live.name, sizeof(st->live.name), "%s", cfg->name);
	st->live.mode = lg_mode_names[lo->mode];
	st->live.worker = st->worker;
	st->live.hz = sp_ctx_hz(ctx);
	st->live.rate_asked =
		st->open_loop
			? lo->rate / st->n_workers + (st->worker < lo->rate % st->n_workers ? 1 : 0)
			: 0;
	if (st->n == 0) {
		/* fewer connections than workers: nothing to do here, and nothing to report */
		st->reported = true;
		*state = st;
		return 0;
	}
	st->conns = calloc(st->n, sizeof(*st->conns));
	st->free_idx = calloc(st->n, sizeof(*st->free_idx));
	st->idle_idx = calloc(st->n, sizeof(*st->idle_idx));
	if (st->conns == NULL || st->free_idx == NULL || st->idle_idx == NULL) {
		free(st->conns);
		free(st->free_idx);
		free(st->idle_idx);
		free(st);
		return -ENOMEM;
	}
	for (i = 0; i < st->n; i++) {
		st->conns[i].st = st;
		st->free_idx[i] = st->n - 1 - i; /* slot 0 first */
	}
	st->n_free = st->persistent ? 0 : st->n;
	svc_pattern_fill(st->pattern);
	if (st->http) {
		char ipb[16];

		snprintf(ipb, sizeof(ipb), "%u.%u.%u.%u", st->ip >> 24, (st->ip >> 16) & 0xff,
			(st->ip >> 8) & 0xff, st->ip & 0xff);
		st->req_len = (uint32_t)snprintf(st->req, sizeof(st->req),
			"GET %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: spindle-loadgen\r\n%s\r\n",
			lo->path, ipb, st->port,
			lo->mode == LG_MODE_CPS ? "Connection: close\r\n" : "");
	}
	st->src_addr = lo->src_addr_min;
	st->src_port = lo->src_port_min;
	/* spread the workers over the source ranges */
	for (i = 0; i < st->worker; i++)
		lg_next_tuple(st);
	st->t_start = lg_now(st);
	st->live.t_start = rte_rdtsc();
	st->t_stop = st->t_start + svc_ms_to_tsc(ctx, lo->duration_ms);
	st->t_next_progress =
		lo->interval_ms != 0 ? st->t_start + svc_ms_to_tsc(ctx, lo->interval_ms) : 0;
	if (st->open_loop)
		lg_pace_init(&st->pace, st->live.rate_asked, sp_ctx_hz(ctx),
			lo->pacing == LG_PACE_POISSON, svc_ms_to_tsc(ctx, lo->ramp_ms), st->t_start,
			0x5eed0000ull + st->worker);
	lg_start_work(st, st->t_start);
	lg_tel_add(&st->live);
	*state = st;
	return 0;
}

/* ---------------------------------------------------------------- reporting */

static double
lg_us(const struct lg_state *st, uint64_t cycles)
{
	return (double)cycles * 1e6 / (double)sp_ctx_hz(st->ctx);
}

static double
lg_q_us(const struct lg_state *st, const struct lg_hist *h, double q)
{
	return lg_us(st, lg_hist_quantile(h, q));
}

/* Seconds the figures are divided by: bulk to the last close, the others over the run. */
static double
lg_seconds(const struct lg_state *st)
{
	uint64_t end;

	if (st->o.mode == LG_MODE_BULK) {
		end = st->t_last_close != 0 ? st->t_last_close : rte_rdtsc();
		if (end <= st->live.t_start)
			return 1e-9; /* rdtsc() of a callback can precede the one taken at start */
		return svc_tsc_to_s(st->ctx, end - st->live.t_start);
	}
	end = st->stopping ? st->t_stop : lg_now(st);
	return end > st->t_start ? svc_tsc_to_s(st->ctx, end - st->t_start) : 1e-9;
}

/* What the run achieved of what was asked: arrivals started (open loop) or work done per s. */
static double
lg_rate_achieved(const struct lg_state *st, double secs)
{
	if (st->open_loop)
		return (double)st->live.started / secs;
	if (st->o.mode == LG_MODE_CONNECT)
		return (double)st->live.completed / secs;
	return (double)st->live.requests / secs;
}

int
lg_result_format(const void *state, char *buf, size_t len)
{
	const struct lg_state *st = state;
	const struct lg_live *l = &st->live;
	double secs = lg_seconds(st);

	return snprintf(buf, len,
		"loadgen-result: name=%s mode=%s connections=%u connected=%" PRIu64
		" failed=%" PRIu64 " seconds=%.6f bytes_sent=%" PRIu64 " bytes_received=%" PRIu64
		" requests=%" PRIu64 " p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f"
		" p999_us=%.1f connections_opened=%" PRIu64 " connections_completed=%" PRIu64
		" cps=%.1f rate_asked=%u rate_achieved=%.1f scheduled=%" PRIu64 " started=%" PRIu64
		" errors_refused=%" PRIu64 " errors_timeout=%" PRIu64 " errors_reset=%" PRIu64
		" errors_bad_response=%" PRIu64 " errors_local=%" PRIu64 " http_non2xx=%" PRIu64
		" connect_p50_us=%.1f connect_p90_us=%.1f"
		" connect_p99_us=%.1f connect_p999_us=%.1f connect_max_us=%.1f"
		" ttfb_p50_us=%.1f ttfb_p90_us=%.1f ttfb_p99_us=%.1f ttfb_p999_us=%.1f"
		" ttfb_max_us=%.1f worker=%u",
		st->name, l->mode, st->n, l->opened, l->failed, secs, l->bytes_sent, l->bytes_recv,
		l->requests, lg_q_us(st, &st->h_req, 0.50), lg_q_us(st, &st->h_req, 0.90),
		lg_q_us(st, &st->h_req, 0.99), lg_us(st, st->h_req.max),
		lg_q_us(st, &st->h_req, 0.999), l->opened, l->completed,
		(double)l->completed / secs, l->rate_asked, lg_rate_achieved(st, secs),
		l->scheduled, l->started, l->err_refused, l->err_timeout, l->err_reset,
		l->err_bad_response, l->err_local, l->http_non2xx,
		lg_q_us(st, &st->h_connect, 0.50), lg_q_us(st, &st->h_connect, 0.90),
		lg_q_us(st, &st->h_connect, 0.99), lg_q_us(st, &st->h_connect, 0.999),
		lg_us(st, st->h_connect.max), lg_q_us(st, &st->h_ttfb, 0.50),
		lg_q_us(st, &st->h_ttfb, 0.90), lg_q_us(st, &st->h_ttfb, 0.99),
		lg_q_us(st, &st->h_ttfb, 0.999), lg_us(st, st->h_ttfb.max), st->worker);
}

static void
lg_print_hist(const struct lg_state *st, const char *what, const struct lg_hist *h)
{
	if (h->n == 0)
		return;
	printf("loadgen %s: %s us p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f (%" PRIu64
	       " samples)\n",
		st->name, what, lg_q_us(st, h, 0.50), lg_q_us(st, h, 0.90), lg_q_us(st, h, 0.99),
		lg_q_us(st, h, 0.999), lg_us(st, h->max), h->n);
}

static void
lg_report(struct lg_state *st)
{
	const struct lg_live *l = &st->live;
	double secs = lg_seconds(st);
	char ipb[16], line[1536];

	snprintf(ipb, sizeof(ipb), "%u.%u.%u.%u", st->ip >> 24, (st->ip >> 16) & 0xff,
		(st->ip >> 8) & 0xff, st->ip & 0xff);
	printf("loadgen %s: %s to %s:%u, %u connections (%" PRIu64 " connected, %" PRIu64
	       " failed), %.3f s, worker %u of %u\n",
		st->name, l->mode, ipb, st->port, st->n, l->opened, l->failed, secs, st->worker,
		st->n_workers);
	printf("loadgen %s: sent %" PRIu64 " B (%.1f Mbit/s), received %" PRIu64
	       " B (%.1f Mbit/s)\n",
		st->name, l->bytes_sent, (double)l->bytes_sent * 8 / secs / 1e6, l->bytes_recv,
		(double)l->bytes_recv * 8 / secs / 1e6);
	if (st->o.mode != LG_MODE_BULK && st->o.mode != LG_MODE_CONNECT)
		printf("loadgen %s: %" PRIu64 " requests (%.1f/s), latency us p50 %.1f p90 %.1f "
		       "p99 %.1f max %.1f\n",
			st->name, l->requests, (double)l->requests / secs,
			lg_q_us(st, &st->h_req, 0.50), lg_q_us(st, &st->h_req, 0.90),
			lg_q_us(st, &st->h_req, 0.99), lg_us(st, st->h_req.max));
	if (!st->persistent)
		printf("loadgen %s: %" PRIu64 " connections opened, %" PRIu64
		       " completed (%.1f/s), close = %s\n",
			st->name, l->opened, l->completed, (double)l->completed / secs,
			lg_close_names[st->o.close]);
	if (st->open_loop)
		printf("loadgen %s: rate asked %u/s, achieved %.1f/s (%" PRIu64 " of %" PRIu64
		       " arrivals started)%s\n",
			st->name, l->rate_asked, lg_rate_achieved(st, secs), l->started,
			l->scheduled, l->started < l->scheduled ? ": SLOWER THAN ASKED" : "");
	lg_print_hist(st, "connect", &st->h_connect);
	lg_print_hist(st, "time to first byte", &st->h_ttfb);
	lg_print_hist(st, "request", &st->h_req);
	printf("loadgen %s: errors refused %" PRIu64 " timeout %" PRIu64 " reset %" PRIu64
	       " bad_response %" PRIu64 " local %" PRIu64 ", http non-2xx %" PRIu64 "\n",
		st->name, l->err_refused, l->err_timeout, l->err_reset, l->err_bad_response,
		l->err_local, l->http_non2xx);
	lg_result_format(st, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
}

static void
lg_progress(struct lg_state *st, uint64_t now)
{
	const struct lg_live *l = &st->live;
	double secs = svc_tsc_to_s(st->ctx, now - st->t_start);

	printf("loadgen-progress: name=%s worker=%u t_ms=%.0f in_flight=%u connections_opened=%" PRIu64
	       " requests=%" PRIu64 " rate=%.1f errors=%" PRIu64 "\n",
		st->name, st->worker, secs * 1000, l->in_flight, l->opened, l->requests,
		secs > 0 ? lg_rate_achieved(st, secs) : 0.0, l->failed);
	fflush(stdout);
}

static bool
lg_all_done(const struct lg_state *st)
{
	if (st->n_live != 0)
		return false;
	if (st->stopping)
		return true;
	/* persistent modes end early when every connection has ended (all failed, or bulk sent) */
	return st->persistent && st->next_slot == st->n && st->n_free == 0 && !st->open_loop;
}

static void
lg_poll(struct sp_ctx *ctx, void *state)
{
	struct lg_state *st = state;
	uint64_t now = sp_ctx_now(ctx);
	uint32_t i;

	if (st->reported)
		return;
	if (!st->stopping && now >= st->t_stop) {
		/* Duration over: start no work; each connection closes when its piece ends. */
		st->stopping = true;
		st->t_stop = now < st->t_stop ? now : st->t_stop;
		for (i = 0; i < st->n; i++) {
			struct lg_conn *lc = &st->conns[i];

			if (lc->c == NULL)
				continue;
			if (lc->phase == LP_IDLE) {
				lc->clean = true;
				lc->phase = LP_CLOSING;
				lg_close(lc);
			} else if (lc->phase == LP_BULK && st->o.bytes == 0) {
				lg_pump_bulk(lc); /* a sized transfer finishes on its own */
			}
		}
		st->n_idle = 0;
	}
	if (!st->stopping)
		lg_start_work(st, now);
	if (st->o.timeout_ms != 0 && now >= st->t_next_scan) {
		st->t_next_scan = now + sp_ctx_hz(ctx) / LG_SCANS_PER_S;
		lg_scan_timeouts(st, now);
	}
	if (st->t_next_progress != 0 && now >= st->t_next_progress && !st->stopping) {
		st->t_next_progress += svc_ms_to_tsc(ctx, st->o.interval_ms);
		lg_progress(st, now);
	}
	if (st->stopping && !st->aborted_rest &&
		now >= st->t_stop + svc_ms_to_tsc(ctx, LG_GRACE_MS)) {
		st->aborted_rest = true;
		for (i = 0; i < st->n; i++)
			if (st->conns[i].c != NULL)
				lg_fail(&st->conns[i], &st->live.err_timeout);
	}
	if (lg_all_done(st)) {
		if (!st->stopping) {
			st->stopping = true;
			st->t_stop = now;
		}
		lg_report(st);
		st->reported = true;
		st->live.finished = true;
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

int
lg_status_of(const void *state)
{
	const struct lg_state *st = state;
	const struct lg_live *l = &st->live;

	if (st->n == 0)
		return 0; /* this worker had no share */
	if (!st->reported || l->failed != 0 || l->opened == 0 || l->http_non2xx != 0)
		return 1;
	switch (st->o.mode) {
	case LG_MODE_BULK:
		return l->bytes_sent > 0 ? 0 : 1;
	case LG_MODE_CONNECT:
		return l->completed > 0 ? 0 : 1;
	default:
		return l->requests > 0 ? 0 : 1;
	}
}

static int
lg_status(void *state)
{
	return lg_status_of(state);
}

static void
lg_stop(struct sp_ctx *ctx, void *state)
{
	struct lg_state *st = state;
	uint32_t i;

	(void)ctx;
	lg_tel_del(&st->live);
	for (i = 0; i < st->n; i++) {
		struct lg_conn *lc = &st->conns[i];

		if (lc->c != NULL) {
			sp_tcp_set_callbacks(lc->c, &svc_orphan_cb, NULL);
			sp_tcp_abort(lc->c);
			lc->c = NULL;
			if (!lc->counted) {
				lc->counted = true;
				st->live.failed++;
				st->live.err_timeout++; /* still working when the program stopped */
			}
		}
	}
	if (!st->reported) {
		st->stopping = true;
		st->t_last_close = rte_rdtsc();
		lg_report(st);
	}
	free(st->conns);
	free(st->free_idx);
	free(st->idle_idx);
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
	.validate_config = lg_validate_config,
	.start = lg_start,
	.poll = lg_poll,
	.drain = lg_drain,
	.done = lg_done,
	.status = lg_status,
	.stop = lg_stop,
};
