/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in services against a fake TCP API. The services use only sp_api.h, so this binary links
 * them with a fake implementation of that API (no libspindle): each fake connection records what
 * the service sent, has a send-buffer space the test controls, and records shutdown/close/abort.
 * The tests feed bytes in arbitrary segmentations and check the bytes out: HTTP framing,
 * pipelining, errors, the /bytes pattern under back-pressure, echo's backlog, chargen's lines,
 * fetch's response parser (Content-Length, chunked, close-delimited) and loadgen's accounting;
 * and the services' config keys, defaults, checks and messages ([service.NAME] sections).
 * Real mbufs from a real mempool: every test ends by checking that all of them came back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "service.h"
#include "loadgen.h"
#include "sp_ctx.h" /* the context is filled in here; its accessors: lib/core/ctx_read.c */

/* ------------------------------------------------------------------ fake API */

int sp_logtype_app;

struct sp_conn {
	const struct sp_tcp_callbacks *cb;
	void *arg;
	size_t space; /* send buffer room */
	char *out;    /* everything sent */
	size_t out_len, out_cap;
	bool shut, closed_called, aborted, gone;
	unsigned flushes;
	bool nodelay;
	struct sp_connect_opts copts;
};

struct sp_listener {
	struct sp_listen_opts o;
};

static struct rte_mempool *pool;
static struct sp_listener the_listener;
static bool listening;
#define MAX_FAKE_CONNS 1024
static struct sp_conn *connects[MAX_FAKE_CONNS];
static unsigned n_connects;
static int connect_err; /* the next connect_err_n connects fail with this */
static unsigned connect_err_n;

static void
out_append(struct sp_conn *c, const void *d, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		c->out_cap = (c->out_len + n) * 2 + 1024;
		c->out = realloc(c->out, c->out_cap);
		assert_non_null(c->out);
	}
	memcpy(c->out + c->out_len, d, n);
	c->out_len += n;
}

int
sp_tcp_listen(struct sp_ctx *ctx, const struct sp_listen_opts *o, struct sp_listener **out)
{
	(void)ctx;
	the_listener.o = *o;
	listening = true;
	*out = &the_listener;
	return 0;
}

void
sp_tcp_unlisten(struct sp_ctx *ctx, struct sp_listener *l)
{
	(void)ctx;
	assert_ptr_equal(l, &the_listener);
	listening = false;
}

int
sp_tcp_connect(struct sp_ctx *ctx, const struct sp_connect_opts *o, struct sp_conn **out)
{
	struct sp_conn *c;

	(void)ctx;
	if (n_connects == MAX_FAKE_CONNS)
		return -EADDRNOTAVAIL;
	if (connect_err_n > 0) {
		connect_err_n--;
		return connect_err;
	}
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->cb = o->cb;
	c->arg = o->arg;
	c->copts = *o;
	c->space = 1 << 20;
	connects[n_connects++] = c;
	*out = c;
	return 0;
}

void
sp_tcp_set_callbacks(struct sp_conn *c, const struct sp_tcp_callbacks *cb, void *arg)
{
	c->cb = cb;
	c->arg = arg;
}

void *
sp_tcp_get_arg(const struct sp_conn *c)
{
	return c->arg;
}

ssize_t
sp_tcp_send(struct sp_conn *c, const void *buf, size_t len)
{
	size_t n = len < c->space ? len : c->space;

	assert_false(c->gone);
	if (c->shut || c->aborted)
		return -EPIPE;
	out_append(c, buf, n);
	c->space -= n;
	return (ssize_t)n;
}

int
sp_tcp_send_mbuf(struct sp_conn *c, struct rte_mbuf *m)
{
	struct rte_mbuf *s;

	assert_false(c->gone);
	if (c->shut || c->aborted)
		return -EPIPE;
	if (m->pkt_len > c->space)
		return -ENOBUFS;
	for (s = m; s != NULL; s = s->next)
		out_append(c, rte_pktmbuf_mtod(s, void *), s->data_len);
	c->space -= m->pkt_len;
	rte_pktmbuf_free(m);
	return 0;
}

void
sp_tcp_set_recv_flow(struct sp_conn *c, bool on)
{
	(void)c;
	(void)on;
}

void
sp_tcp_recv_done(struct sp_conn *c, uint32_t bytes)
{
	(void)c;
	(void)bytes;
}

size_t
sp_tcp_send_space(const struct sp_conn *c)
{
	return c->space;
}

void
sp_tcp_flush(struct sp_conn *c)
{
	c->flushes++;
}

void
sp_tcp_set_nodelay(struct sp_conn *c, bool on)
{
	c->nodelay = on;
}

int
sp_tcp_shutdown(struct sp_conn *c)
{
	c->shut = true;
	return 0;
}

int
sp_tcp_close(struct sp_conn *c)
{
	c->shut = true;
	c->closed_called = true;
	return 0;
}

/* Like a real stack may: abort reports closed() synchronously. */
void
sp_tcp_abort(struct sp_conn *c)
{
	c->aborted = true;
	if (c->cb != NULL && c->cb->closed != NULL && !c->gone) {
		c->gone = true;
		c->cb->closed(c, -ECONNABORTED, c->arg);
	}
	c->gone = true;
}

void
sp_tcp_get_info(const struct sp_conn *c, struct sp_tcp_info *info)
{
	(void)c;
	memset(info, 0, sizeof(*info));
}

void
sp_tcp_foreach(struct sp_ctx *ctx, void (*fn)(void *arg, const struct sp_conn *c), void *arg)
{
	(void)ctx;
	(void)fn;
	(void)arg;
}

const char *
sp_version(void)
{
	return "test";
}

/* ------------------------------------------------------------------ helpers */

static struct sp_ctx *ctx;

static void
conn_free(struct sp_conn *c)
{
	free(c->out);
	free(c);
}

/* The peer's side of a passive connection: accept it through the listener. */
static struct sp_conn *
peer_connect(void)
{
	struct sp_conn *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_true(listening);
	c->space = 1 << 20;
	assert_int_equal(the_listener.o.cb->accepted(c, the_listener.o.arg), 0);
	return c;
}

/* Deliver @p len bytes as one chain of segments of @p seg bytes. */
static void
peer_send(struct sp_conn *c, const void *data, size_t len, size_t seg)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	const char *d = data;
	size_t off = 0;

	if (len == 0)
		return;
	while (off < len) {
		size_t n = len - off < seg ? len - off : seg;
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		char *p;

		assert_non_null(m);
		p = rte_pktmbuf_append(m, (uint16_t)n);
		assert_non_null(p);
		memcpy(p, d + off, n);
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += m->pkt_len;
		}
		tail = m;
		off += n;
	}
	c->cb->recv(c, head, c->arg);
}

/* Deliver as separate recv calls of @p seg bytes each. */
static void
peer_send_split(struct sp_conn *c, const char *s, size_t seg)
{
	size_t len = strlen(s), off;

	for (off = 0; off < len && !c->gone; off += seg)
		peer_send(c, s + off, len - off < seg ? len - off : seg, seg);
}

static void
peer_read_all(struct sp_conn *c, size_t more)
{
	c->space += more;
	if (c->cb->writable != NULL && !c->gone)
		c->cb->writable(c, c->arg);
}

static void
stack_closed(struct sp_conn *c, int err)
{
	if (!c->gone) {
		c->gone = true;
		c->cb->closed(c, err, c->arg);
	}
}

static void
poll_svc(const struct sp_service_ops *ops, void *st)
{
	if (ops->poll != NULL)
		ops->poll(ctx, st);
}

static void
assert_no_leak(void)
{
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

/*
 * The config of a service [service.TYPE] with the "key=value" strings of @kv (NULL-terminated),
 * read by the services' own parser as a config file's section would be.
 */
static struct sp_service_cfg
svc_cfg_v(const char *type, const char *const *kv)
{
	struct sp_service_section sec;
	struct sp_service_cfg cfg;
	char err[512];
	unsigned i;

	memset(&sec, 0, sizeof(sec));
	snprintf(sec.name, sizeof(sec.name), "%s", type);
	for (i = 0; kv[i] != NULL; i++) {
		const char *eq = strchr(kv[i], '=');

		assert_non_null(eq);
		snprintf(
			sec.keys[i].key, sizeof(sec.keys[i].key), "%.*s", (int)(eq - kv[i]), kv[i]);
		snprintf(sec.keys[i].value, sizeof(sec.keys[i].value), "%s", eq + 1);
		sec.keys[i].line = i + 1;
	}
	sec.n_keys = (uint8_t)i;
	if (sp_service_parse(NULL, &sec, false, &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return cfg;
}

#define svc_cfg(type, ...)                                     \
	({                                                     \
		const char *const kv_[] = {__VA_ARGS__, NULL}; \
		svc_cfg_v(type, kv_);                          \
	})

static uint8_t
pattern(uint64_t i)
{
	return (uint8_t)((i * 7 + 13) & 0xff);
}

/* ------------------------------------------------------------------ registry */

static void
test_registry(void **s)
{
	(void)s;
	assert_ptr_equal(sp_service_find("echo"), &sp_service_echo);
	assert_ptr_equal(sp_service_find("loadgen"), &sp_service_loadgen);
	assert_null(sp_service_find("gopher"));
	assert_true(sp_service_fetch.client);
	assert_false(sp_service_http.client);
	assert_int_equal(sp_service_http.default_port, 80);
	assert_int_equal(sp_service_chargen.default_port, 19);
}

/* ------------------------------------------------------------------ echo */

static void
test_echo_backpressure(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("echo", "port=7");
	const struct sp_service_ops *ops = &sp_service_echo;
	static char data[100000];
	struct sp_conn *c;
	void *st;
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 31);
	assert_int_equal(ops->start(ctx, &cfg, &st), 0);
	assert_true(the_listener.o.nodelay);
	c = peer_connect();
	c->space = 5000; /* the send buffer takes only part of it */
	peer_send(c, data, 30000, 1448);
	assert_int_equal(c->out_len, 5000 - 5000 % 1448 > 0 ? (5000 / 1448) * 1448 : 0);
	peer_send(c, data + 30000, sizeof(data) - 30000, 1448);
	/* the peer reads: everything comes back in order, zero-copy */
	while (c->out_len < sizeof(data)) {
		size_t before = c->out_len;

		peer_read_all(c, 7000);
		assert_true(c->out_len > before);
	}
	assert_memory_equal(c->out, data, sizeof(data));
	assert_false(c->closed_called);
	c->cb->peer_closed(c, c->arg);
	assert_true(c->closed_called);
	stack_closed(c, 0);
	poll_svc(ops, st);
	ops->stop(ctx, st);
	conn_free(c);
	assert_no_leak();
}

static void
test_echo_fin_after_backlog(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("echo", "port=7");
	const struct sp_service_ops *ops = &sp_service_echo;
	char data[4000];
	struct sp_conn *c;
	void *st;

	(void)s;
	memset(data, 'e', sizeof(data));
	assert_int_equal(ops->start(ctx, &cfg, &st), 0);
	c = peer_connect();
	c->space = 0;
	peer_send(c, data, sizeof(data), 1000);
	c->cb->peer_closed(c, c->arg);
	/* the FIN waits until the echo of everything before it is queued */
	assert_false(c->closed_called);
	peer_read_all(c, 4000);
	assert_int_equal(c->out_len, 4000);
	assert_true(c->closed_called);
	stack_closed(c, 0);
	ops->stop(ctx, st);
	conn_free(c);
	assert_no_leak();
}

static void
test_echo_backlog_bound(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("echo", "port=7");
	const struct sp_service_ops *ops = &sp_service_echo;
	static char data[65536];
	struct sp_conn *c;
	void *st;
	int i;

	(void)s;
	assert_int_equal(ops->start(ctx, &cfg, &st), 0);
	c = peer_connect();
	c->space = 0; /* the peer never reads */
	for (i = 0; i < 200 && !c->gone; i++)
		peer_send(c, data, sizeof(data), 2048);
	assert_true(c->aborted);
	assert_true(i * sizeof(data) <= (4u << 20) + 2 * sizeof(data));
	poll_svc(ops, st);
	ops->stop(ctx, st);
	conn_free(c);
	assert_no_leak();
}

static void
test_echo_stop_aborts(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("echo", "port=7");
	const struct sp_service_ops *ops = &sp_service_echo;
	struct sp_conn *c;
	void *st;

	(void)s;
	assert_int_equal(ops->start(ctx, &cfg, &st), 0);
	c = peer_connect();
	c->space = 0;
	peer_send(c, "held", 4, 4);
	ops->stop(ctx, st);
	assert_true(c->aborted);
	assert_false(listening);
	conn_free(c);
	assert_no_leak();
}

static void
test_echo_poll_resumes_without_writable(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("echo", "port=7");
	const struct sp_service_ops *ops = &sp_service_echo;
	struct sp_conn *c;
	void *st;

	(void)s;
	assert_int_equal(ops->start(ctx, &cfg, &st), 0);
	c = peer_connect();
	c->space = 0;
	peer_send(c, "0123456789", 10, 10);
	assert_int_equal(c->out_len, 0);
	c->space = 100; /* room again, but no writable callback */
	poll_svc(ops, st);
	assert_int_equal(c->out_len, 10);
	ops->stop(ctx, st);
	conn_free(c);
	assert_no_leak();
}

/* ------------------------------------------------------------------ discard, chargen */

static void
test_discard(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("discard", "port=9");
	const struct sp_service_ops *ops = &sp_service_discard;
	static char data[50000];
	struct sp_conn *c;
	void *st;

	(void)s;
	assert_int_equal(ops->start(ctx, &cfg, &st), 0);
	c = peer_connect();
	peer_send(c, data, sizeof(data), 1448);
	assert_int_equal(c->out_len, 0);
	assert_false(c->closed_called);
	c->cb->peer_closed(c, c->arg);
	assert_true(c->closed_called);
	stack_closed(c, 0);
	ops->stop(ctx, st);
	conn_free(c);
	assert_no_leak();
}

/*
 * State exhaustion: connections that go silent do not hold their tcp.max_connections entries for
 * ever. echo and discard close one idle for 300 s (FIN), reset it when that FIN is not answered
 * in another 300 s, and reset at once an echo connection whose peer does not read its echo;
 * activity (a byte in, echo taken) restarts the clock.
 */
static void
test_echo_discard_idle(void **s)
{
	struct sp_service_cfg ecfg = svc_cfg("echo", "port=7"), dcfg = svc_cfg("discard", "port=9");
	struct sp_conn *a, *b, *c, *d, *e, *all[5];
	uint64_t t0 = ctx->now;
	void *est, *dst;
	unsigned i;

	(void)s;
	assert_int_equal(sp_service_echo.start(ctx, &ecfg, &est), 0);
	a = peer_connect(); /* silent */
	b = peer_connect(); /* speaks every 200 s */
	c = peer_connect(); /* sends, never reads its echo */
	c->space = 0;
	peer_send(c, "unread", 6, 6);
	assert_int_equal(sp_service_discard.start(ctx, &dcfg, &dst), 0);
	d = peer_connect(); /* silent */
	e = peer_connect(); /* speaks every 200 s */
	for (i = 1; i <= 4; i++) {
		ctx->now = t0 + ctx->hz * 200 * i;
		poll_svc(&sp_service_echo, est);
		poll_svc(&sp_service_discard, dst);
		peer_send(b, "b", 1, 1);
		peer_send(e, "e", 1, 1);
		if (i == 1) { /* 200 s: nobody closed yet */
			assert_false(a->closed_called || c->aborted || d->closed_called);
		} else if (i == 2) { /* 400 s: the silent ones closed, the unread echo reset */
			assert_true(a->closed_called && d->closed_called && c->aborted);
			assert_false(a->aborted || d->aborted);
		}
	}
	/* 800 s: nothing answered the FINs (sent at 400 s) for 300 s: reset; the talkers stay */
	assert_true(a->aborted && d->aborted);
	assert_false(b->closed_called || e->closed_called);
	assert_int_equal(b->out_len, 4);
	all[0] = a, all[1] = b, all[2] = c, all[3] = d, all[4] = e;
	for (i = 0; i < 5; i++)
		stack_closed(all[i], 0);
	poll_svc(&sp_service_echo, est);
	poll_svc(&sp_service_discard, dst);
	sp_service_echo.stop(ctx, est);
	sp_service_discard.stop(ctx, dst);
	for (i = 0; i < 5; i++)
		conn_free(all[i]);
	assert_no_leak();
	ctx->now = rte_rdtsc();
}

static void
test_chargen(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("chargen", "port=19");
	const struct sp_service_ops *ops = &sp_service_chargen;
	struct sp_conn *c;
	char line[75];
	void *st;
	size_t k;
	int j;

	(void)s;
	assert_int_equal(ops->start(ctx, &cfg, &st), 0);
	c = calloc(1, sizeof(*c));
	c->space = 100;
	assert_int_equal(the_listener.o.cb->accepted(c, the_listener.o.arg), 0);
	assert_int_equal(c->out_len, 100);
	peer_read_all(c, 20000);
	assert_int_equal(c->out_len, 20100);
	/* RFC 864: line k is 72 characters starting at printable character k mod 95, then CRLF */
	for (k = 0; k < 20100 / 74; k++) {
		for (j = 0; j < 72; j++)
			line[j] = (char)(' ' + (k + (size_t)j) % 95);
		line[72] = '\r';
		line[73] = '\n';
		assert_memory_equal(c->out + k * 74, line, 74);
	}
	peer_send(c, "ignored", 7, 7);
	c->cb->peer_closed(c, c->arg);
	assert_true(c->closed_called);
	stack_closed(c, 0);
	ops->stop(ctx, st);
	conn_free(c);
	assert_no_leak();
}

/* ------------------------------------------------------------------ http */

struct http_resp {
	int code;
	char headers[2048];
	long clen;
	const char *body;
	size_t len; /* whole response */
};

/* Parse one response at @p p (Content-Length framing). @return 0 or -1 if incomplete. */
static int
http_parse_resp(const char *p, size_t avail, bool head, struct http_resp *r)
{
	const char *eoh = NULL, *cl;
	size_t i, hl;

	for (i = 0; i + 3 < avail; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
			eoh = p + i + 4;
			break;
		}
	if (eoh == NULL)
		return -1;
	hl = (size_t)(eoh - p);
	assert_true(hl < sizeof(r->headers));
	memcpy(r->headers, p, hl);
	r->headers[hl] = '\0';
	assert_int_equal(sscanf(r->headers, "HTTP/1.1 %d", &r->code), 1);
	cl = strcasestr(r->headers, "\r\nContent-Length: ");
	assert_non_null(cl);
	r->clen = strtol(cl + 18, NULL, 10);
	r->body = eoh;
	r->len = hl + (head ? 0 : (size_t)r->clen);
	return r->len <= avail ? 0 : -1;
}

/*
 * @p headers carry a Date field holding an IMF-fixdate (RFC 9110 section 5.6.7), always 29
 * characters: "Sun, 06 Nov 1994 08:49:37 GMT".
 */
static void
assert_http_date(const char *headers)
{
	const char *d = strstr(headers, "\r\nDate: ");
	int day, year, hh, mm, ss;
	char wkday[4], month[4];

	assert_non_null(d);
	d += 8;
	assert_non_null(strstr(d, "\r\n"));
	assert_int_equal(strstr(d, "\r\n") - d, 29);
	assert_int_equal(sscanf(d, "%3s, %2d %3s %4d %2d:%2d:%2d GMT", wkday, &day, month, &year,
				 &hh, &mm, &ss),
		7);
	assert_int_equal(wkday[3], '\0');
	assert_true(year >= 2024);
}

static void *http_st;

static struct sp_conn *
http_conn(void)
{
	struct sp_service_cfg cfg = svc_cfg("http", "port=80");

	assert_int_equal(sp_service_http.start(ctx, &cfg, &http_st), 0);
	return peer_connect();
}

static void
http_done(struct sp_conn *c)
{
	stack_closed(c, 0);
	poll_svc(&sp_service_http, http_st);
	sp_service_http.stop(ctx, http_st);
	conn_free(c);
	assert_no_leak();
}

static void
test_http_keepalive_pipelined(void **s)
{
	const char *reqs = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
			   "HEAD / HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n"
			   "GET /bytes/10 HTTP/1.1\r\nhost: x\r\n\r\n";
	struct http_resp a, b, d;
	struct sp_conn *c = http_conn();
	size_t i;

	(void)s;
	/* byte by byte: every parser state meets a segment boundary */
	peer_send_split(c, reqs, 1);
	assert_int_equal(http_parse_resp(c->out, c->out_len, false, &a), 0);
	assert_int_equal(a.code, 200);
	/* the first response of the service's state too (its date not yet cached) */
	assert_http_date(a.headers);
	assert_non_null(strstr(a.headers, "Content-Type: text/html"));
	assert_null(strcasestr(a.headers, "Connection: close"));
	assert_non_null(strstr(a.body, "spindle"));
	assert_int_equal(http_parse_resp(c->out + a.len, c->out_len - a.len, true, &b), 0);
	assert_int_equal(b.code, 200);
	assert_int_equal(b.clen, a.clen); /* HEAD: same length, no body */
	assert_http_date(b.headers);
	assert_int_equal(
		http_parse_resp(c->out + a.len + b.len, c->out_len - a.len - b.len, false, &d), 0);
	assert_int_equal(d.clen, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal((uint8_t)d.body[i], pattern(i));
	assert_int_equal(a.len + b.len + d.len, c->out_len);
	assert_false(c->shut);
	assert_true(c->flushes >= 3);
	http_done(c);
}

static void
test_http_bytes_streamed(void **s)
{
	const uint64_t n = 3000000; /* several chunks, odd size */
	struct sp_conn *c = http_conn();
	struct http_resp r;
	uint64_t i;

	(void)s;
	c->space = 1000;
	peer_send_split(
		c, "GET /bytes/3000000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 17);
	assert_int_equal(c->out_len, 1000);
	while (!c->shut) {
		size_t before = c->out_len;

		peer_read_all(c, 77777);
		assert_true(c->out_len > before);
	}
	assert_int_equal(http_parse_resp(c->out, c->out_len, false, &r), 0);
	assert_int_equal(r.code, 200);
	assert_int_equal(r.clen, (long)n);
	assert_non_null(strstr(r.headers, "Connection: close"));
	assert_int_equal(r.len, c->out_len);
	for (i = 0; i < n; i++)
		if ((uint8_t)r.body[i] != pattern(i))
			fail_msg("byte %" PRIu64 " differs", i);
	/* lingering: more input is dropped, the peer's FIN completes the close */
	peer_send(c, "GET / HTTP/1.1\r\n\r\n", 18, 18);
	assert_int_equal(c->out_len, r.len);
	c->cb->peer_closed(c, c->arg);
	assert_true(c->closed_called);
	http_done(c);
}

static void
expect_one(const char *req, int code, bool closes, const char *hdr)
{
	struct sp_conn *c = http_conn();
	struct http_resp r;

	peer_send_split(c, req, 5);
	if (http_parse_resp(c->out, c->out_len, false, &r) != 0)
		fail_msg("no complete response to %s", req);
	if (r.code != code)
		fail_msg("%d instead of %d for %s", r.code, code, req);
	assert_int_equal(c->shut, closes);
	if (closes)
		assert_non_null(strstr(r.headers, "Connection: close"));
	if (hdr != NULL)
		assert_non_null(strstr(r.headers, hdr));
	http_done(c);
}

static void
test_http_errors(void **s)
{
	(void)s;
	expect_one("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, false, NULL);
	expect_one("GET /bytes/abc HTTP/1.1\r\nHost: x\r\n\r\n", 404, false, NULL);
	expect_one("GET /bytes/1099511627777 HTTP/1.1\r\nHost: x\r\n\r\n", 400, false, NULL);
	expect_one("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 405, false,
		"Allow: GET, HEAD");
	expect_one("GET / HTTP/1.1\r\n\r\n", 400, true, NULL); /* no Host */
	expect_one("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, true, NULL);
	expect_one("GET /  HTTP/1.1\r\nHost: x\r\n\r\n", 400, true, NULL); /* two spaces */
	expect_one("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, true, NULL); /* space before : */
	expect_one("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, true, NULL);
	expect_one("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, true, NULL);
	expect_one("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		400, true, NULL);
	expect_one(
		"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501, true, NULL);
	expect_one("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413, true, NULL);
	expect_one("GARBAGE\r\n\r\n", 400, true, NULL);
	expect_one("GET / HTTP/1.0\r\n\r\n", 200, true, NULL); /* 1.0 closes */
	expect_one("GET http://x/bytes/5?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", 200, false, NULL);
	expect_one("\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n", 200,
		true, NULL);
}

/* RFC 9110 5.5: a NUL in a field value is rejected (400, and the connection closes). */
static void
test_http_nul_in_field(void **s)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n";
	struct sp_conn *c = http_conn();
	struct http_resp r;

	(void)s;
	peer_send(c, req, sizeof(req) - 1, 64);
	assert_int_equal(http_parse_resp(c->out, c->out_len, false, &r), 0);
	assert_int_equal(r.code, 400);
	assert_true(c->shut);
	http_done(c);
}

/*
 * The request-line is method SP target SP version and nothing else (RFC 9112 section 3): a NUL
 * after the version is refused (it once passed, the line being read as a C string), as is a
 * NUL or CR in the target.
 */
static void
test_http_request_line_bytes(void **s)
{
#define REQ(lit)                     \
	{                            \
		lit, sizeof(lit) - 1 \
	}
	static const struct {
		const char *d;
		size_t len;
	} reqs[] = {
		REQ("GET / HTTP/1.1\0x\r\nHost: x\r\n\r\n"),
		REQ("GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n"),
		REQ("GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n"),
		REQ("G\0T / HTTP/1.1\r\nHost: x\r\n\r\n"),
	};
#undef REQ
	size_t i;

	(void)s;
	for (i = 0; i < RTE_DIM(reqs); i++) {
		struct sp_conn *c = http_conn();
		struct http_resp r;

		peer_send(c, reqs[i].d, reqs[i].len, 7);
		assert_int_equal(http_parse_resp(c->out, c->out_len, false, &r), 0);
		if (r.code != 400)
			fail_msg("request %zu: %d instead of 400", i, r.code);
		assert_true(c->shut);
		http_done(c);
	}
}

/*
 * GET / is answered from a per-second cache of the whole response: the same bytes as the
 * response built for it (HEAD's header, the other combinations of Connection and version), and
 * a cached response the send buffer takes only part of continues whole when room comes.
 */
static void
test_http_page_cache(void **s)
{
	const char *reqs = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
			   "GET /?a HTTP/1.1\r\nHost: x\r\n\r\n"
			   "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
			   "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
			   "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct http_resp r[5];
	struct sp_conn *c = http_conn();
	size_t off = 0, i, hl0;
	const char *d0;

	(void)s;
	c->space = 100; /* the first response stays in progress, the rest waits behind it */
	peer_send(c, reqs, strlen(reqs), 1448);
	assert_int_equal(c->out_len, 100);
	peer_read_all(c, 1 << 20);
	for (i = 0; i < 5; i++) {
		assert_int_equal(http_parse_resp(c->out + off, c->out_len - off, i == 2, &r[i]), 0);
		assert_int_equal(r[i].code, 200);
		off += r[i].len;
	}
	assert_int_equal(off, c->out_len);
	/* within one second (the test runs in far less), the first two are the same bytes */
	if (strcmp(r[0].headers, r[1].headers) == 0) {
		assert_int_equal(r[0].len, r[1].len);
		assert_memory_equal(c->out, c->out + r[0].len, r[0].len);
	}
	assert_non_null(strstr(r[0].body, "spindle"));
	/* the same header fields whatever the variant, but for Connection */
	d0 = strstr(r[0].headers, "\r\nDate: ");
	assert_non_null(d0);
	hl0 = (size_t)(d0 - r[0].headers);
	assert_memory_equal(r[2].headers, r[0].headers, hl0);
	assert_null(strcasestr(r[0].headers, "Connection:"));
	assert_non_null(strstr(r[3].headers, "\r\nConnection: keep-alive\r\n"));
	assert_non_null(strstr(r[4].headers, "\r\nConnection: close\r\n"));
	for (i = 0; i < 5; i++) {
		assert_http_date(r[i].headers);
		assert_int_equal(r[i].clen, r[0].clen);
		assert_non_null(strstr(r[i].headers, "\r\nServer: spindle\r\n"));
		assert_non_null(
			strstr(r[i].headers, "\r\nContent-Type: text/html; charset=utf-8\r\n"));
		if (i != 2)
			assert_memory_equal(r[i].body, r[0].body, (size_t)r[0].clen);
	}
	assert_true(c->shut); /* the last one asked to close */
	http_done(c);
}

static void
test_http_10_keepalive_and_body_skip(void **s)
{
	const char *req = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nContent-Length: 5\r\n\r\n"
			  "XXXXX"
			  "GET /bytes/1 HTTP/1.1\r\nHost: y\r\n\r\n";
	struct sp_conn *c = http_conn();
	struct http_resp a, b;

	(void)s;
	peer_send_split(c, req, 3);
	assert_int_equal(http_parse_resp(c->out, c->out_len, false, &a), 0);
	assert_non_null(strstr(a.headers, "Connection: keep-alive"));
	assert_int_equal(http_parse_resp(c->out + a.len, c->out_len - a.len, false, &b), 0);
	assert_int_equal(b.clen, 1);
	assert_false(c->shut);
	/* a half-close from the peer after its requests: answered, then closed */
	c->cb->peer_closed(c, c->arg);
	assert_true(c->closed_called);
	http_done(c);
}

/*
 * A request split over receives survives another connection's request in between (the one
 * within one receive is collected in the service's shared scratch buffer, the split one in a
 * buffer of its own), and a header section of exactly HTTP_HDR_MAX (8192) bytes is accepted.
 */
static void
test_http_split_interleaved(void **s)
{
	static char big[8193];
	struct sp_conn *a = http_conn(), *b = peer_connect();
	struct http_resp ra, rb;
	size_t n;

	(void)s;
	peer_send_split(a, "GET /bytes/3 HTTP/1.1\r\nHo", 1448);
	assert_int_equal(a->out_len, 0);
	peer_send_split(b, "GET / HTTP/1.1\r\nHost: y\r\n\r\n", 1448);
	assert_int_equal(http_parse_resp(b->out, b->out_len, false, &rb), 0);
	assert_int_equal(rb.code, 200);
	assert_true(rb.clen > 3);
	peer_send_split(a, "st: x\r\n\r\n", 1448);
	assert_int_equal(http_parse_resp(a->out, a->out_len, false, &ra), 0);
	assert_int_equal(ra.code, 200);
	assert_int_equal(ra.clen, 3);

	/* 8192 bytes in all: the limit is inclusive */
	b->out_len = 0;
	n = (size_t)snprintf(big, sizeof(big), "GET /bytes/1 HTTP/1.1\r\nHost: y\r\nX: ");
	memset(big + n, 'a', 8192 - n - 4);
	memcpy(big + 8192 - 4, "\r\n\r\n", 4);
	peer_send(b, big, 8192, 1000);
	assert_int_equal(http_parse_resp(b->out, b->out_len, false, &rb), 0);
	assert_int_equal(rb.code, 200);
	assert_int_equal(rb.clen, 1);
	assert_false(b->shut);
	stack_closed(b, 0);
	conn_free(b);
	http_done(a);
}

static void
test_http_oversized_headers(void **s)
{
	static char req[20000];
	struct sp_conn *c = http_conn();
	struct http_resp r;
	size_t n;

	(void)s;
	n = (size_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(req + n, 'a', 10000);
	memcpy(req + n + 10000, "\r\n\r\n", 5);
	peer_send(c, req, strlen(req), 1448);
	assert_int_equal(http_parse_resp(c->out, c->out_len, false, &r), 0);
	assert_int_equal(r.code, 431);
	assert_true(c->shut);
	http_done(c);

	c = http_conn();
	memcpy(req, "GET /", 5);
	memset(req + 5, 'b', 9000);
	memcpy(req + 9005, " HTTP/1.1\r\n\r\n", 14);
	peer_send(c, req, strlen(req), 1448);
	assert_int_equal(http_parse_resp(c->out, c->out_len, false, &r), 0);
	assert_int_equal(r.code, 414);
	http_done(c);
}

static void
test_http_pipeline_bound(void **s)
{
	static char junk[65536];
	struct sp_conn *c = http_conn();
	int i;

	(void)s;
	c->space = 10; /* a response stays in progress */
	peer_send_split(c, "GET /bytes/100000 HTTP/1.1\r\nHost: x\r\n\r\n", 64);
	memset(junk, 'G', sizeof(junk));
	for (i = 0; i < 10 && !c->gone; i++)
		peer_send(c, junk, sizeof(junk), 1448);
	assert_true(c->aborted); /* 256 KiB of unanswered input: bounded */
	http_done(c);
}

static void
test_http_idle_and_linger_timeouts(void **s)
{
	struct sp_conn *c = http_conn();
	struct sp_conn *d = peer_connect();
	uint64_t t0 = ctx->now;

	(void)s;
	/* c: a keep-alive connection left idle; d: answered with Connection: close, never closes */
	peer_send_split(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100);
	peer_send_split(d, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 100);
	assert_false(c->shut);
	assert_true(d->shut);
	ctx->now = t0 + ctx->hz * 6; /* past the 5 s linger */
	poll_svc(&sp_service_http, http_st);
	assert_true(d->closed_called);
	assert_false(d->aborted);
	assert_false(c->closed_called);
	ctx->now = t0 + ctx->hz * 12; /* still no FIN from d: reset */
	poll_svc(&sp_service_http, http_st);
	assert_true(d->aborted);
	ctx->now = t0 + ctx->hz * 61; /* past the 60 s idle timeout */
	poll_svc(&sp_service_http, http_st);
	assert_true(c->closed_called);
	assert_false(c->aborted);
	stack_closed(d, -ECONNABORTED);
	conn_free(d);
	http_done(c);
	ctx->now = rte_rdtsc();
}

/*
 * Slowloris: a header (or empty lines) trickling a few bytes every 20 s does not keep the
 * connection: it is closed 60 s after the request's first byte, as an idle one would be; a
 * request completed in time is answered and the clock starts again at the next one.
 */
static void
test_http_slowloris(void **s)
{
	struct sp_conn *c = http_conn();
	struct sp_conn *d = peer_connect();
	struct sp_conn *e = peer_connect();
	uint64_t t0 = ctx->now;
	unsigned i;

	(void)s;
	peer_send_split(c, "GET / HTTP/1.1\r\n", 100);
	peer_send_split(d, "\r\n", 100);
	peer_send_split(e, "GET / HTTP/1.1\r\n", 100);
	for (i = 1; i <= 3; i++) {
		ctx->now = t0 + ctx->hz * 20 * i - ctx->hz / 2;
		poll_svc(&sp_service_http, http_st);
		assert_false(c->closed_called);
		peer_send_split(c, "X-a: b\r\n", 100);
		peer_send_split(d, "\r\n", 100);
		if (i == 2) /* e finishes its request at 40 s: answered, its clock restarts */
			peer_send_split(e, "Host: x\r\n\r\n", 100);
	}
	assert_int_equal(c->out_len, 0);
	assert_true(e->out_len > 0);
	ctx->now = t0 + ctx->hz * 61;
	poll_svc(&sp_service_http, http_st);
	assert_true(c->closed_called);
	assert_true(d->closed_called);
	assert_false(e->closed_called);
	assert_int_equal(c->out_len, 0);
	stack_closed(d, 0);
	conn_free(d);
	stack_closed(e, 0);
	conn_free(e);
	http_done(c);
	ctx->now = rte_rdtsc();
}

/* ------------------------------------------------------------------ fetch */

static char tmpfile_path[64];

static struct sp_conn *
fetch_begin(const char *url, void **st)
{
	char kv_url[300], kv_out[100];
	struct sp_service_cfg cfg;
	struct sp_conn *c;

	snprintf(tmpfile_path, sizeof(tmpfile_path), "/tmp/sp-test-fetch-%d", (int)getpid());
	snprintf(kv_url, sizeof(kv_url), "url=%s", url);
	snprintf(kv_out, sizeof(kv_out), "output=%s", tmpfile_path);
	cfg = svc_cfg("fetch", kv_url, kv_out);
	n_connects = 0;
	assert_int_equal(sp_service_fetch.start(ctx, &cfg, st), 0);
	assert_int_equal(n_connects, 1);
	c = connects[0];
	c->cb->connected(c, c->arg);
	return c;
}

static size_t
read_tmp(char *buf, size_t cap)
{
	FILE *f = fopen(tmpfile_path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	unlink(tmpfile_path);
	return n;
}

static void
fetch_end(struct sp_conn *c, void *st, int want_status)
{
	if (!c->gone)
		stack_closed(c, 0);
	poll_svc(&sp_service_fetch, st);
	assert_true(sp_service_fetch.done(st));
	assert_int_equal(sp_service_fetch.status(st), want_status);
	sp_service_fetch.stop(ctx, st);
	conn_free(c);
	assert_no_leak();
}

static void
test_fetch_content_length(void **s)
{
	void *st;
	struct sp_conn *c = fetch_begin("http://198.18.0.1:8080/dir/file.bin", &st);
	char buf[256];
	size_t n;

	(void)s;
	assert_int_equal(c->copts.dst_ip, (198u << 24) | (18u << 16) | 1u);
	assert_int_equal(c->copts.dst_port, 8080);
	c->out[c->out_len] = '\0';
	assert_non_null(strstr(c->out, "GET /dir/file.bin HTTP/1.1\r\n"));
	assert_non_null(strstr(c->out, "Host: 198.18.0.1:8080\r\n"));
	assert_false(sp_service_fetch.done(st));
	peer_send_split(c,
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 11"
		"\r\n\r\nhello world",
		4);
	assert_true(c->closed_called);
	fetch_end(c, st, 0);
	n = read_tmp(buf, sizeof(buf));
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "hello world", 11);
}

static void
test_fetch_chunked(void **s)
{
	void *st;
	struct sp_conn *c = fetch_begin("http://10.0.0.1/", &st);
	const char *resp =
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
	char buf[64];
	size_t n, seg;

	(void)s;
	for (seg = 1; seg <= 7; seg += 6) {
		if (seg != 1)
			c = fetch_begin("http://10.0.0.1/", &st);
		peer_send_split(c, resp, seg);
		fetch_end(c, st, 0);
		n = read_tmp(buf, sizeof(buf));
		assert_int_equal(n, 16);
		assert_memory_equal(buf, "hello 0123456789", 16);
	}
}

static void
test_fetch_close_delimited_and_failures(void **s)
{
	void *st;
	struct sp_conn *c;
	char buf[64];

	(void)s;
	/* close-delimited: complete at the FIN */
	c = fetch_begin("http://10.0.0.1/x", &st);
	peer_send_split(c, "HTTP/1.0 200 OK\r\n\r\nabcdef", 3);
	assert_false(c->closed_called);
	c->cb->peer_closed(c, c->arg);
	fetch_end(c, st, 0);
	assert_int_equal(read_tmp(buf, sizeof(buf)), 6);

	/* truncated Content-Length body: failure */
	c = fetch_begin("http://10.0.0.1/x", &st);
	peer_send_split(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", 50);
	c->cb->peer_closed(c, c->arg);
	fetch_end(c, st, 1);
	read_tmp(buf, sizeof(buf));

	/* 404: the body is saved but the status says failure */
	c = fetch_begin("http://10.0.0.1/x", &st);
	peer_send_split(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno", 50);
	fetch_end(c, st, 1);
	read_tmp(buf, sizeof(buf));

	/* refused */
	c = fetch_begin("http://10.0.0.1/x", &st);
	stack_closed(c, -ECONNREFUSED);
	fetch_end(c, st, 1);
	read_tmp(buf, sizeof(buf));

	/* reset mid-body */
	c = fetch_begin("http://10.0.0.1/x", &st);
	peer_send_split(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 50);
	stack_closed(c, -ECONNRESET);
	fetch_end(c, st, 1);
	read_tmp(buf, sizeof(buf));

	/* garbage status line */
	c = fetch_begin("http://10.0.0.1/x", &st);
	peer_send_split(c, "SSH-2.0-OpenSSH\r\n\r\n", 50);
	assert_true(c->aborted);
	fetch_end(c, st, 1);
	read_tmp(buf, sizeof(buf));
}

/* ------------------------------------------------------------------ loadgen */

static void
test_loadgen_rr(void **s)
{
	struct sp_service_cfg cfg =
		svc_cfg("loadgen", "port=7", "address=198.18.0.1", "connections=4",
			"duration_ms=1000", "mode=rr", "request_size=100", "response_size=300");
	const struct sp_service_ops *ops = &sp_service_loadgen;
	char resp[300];
	void *st;
	unsigned i, round;

	(void)s;
	memset(resp, 'r', sizeof(resp));
	n_connects = 0;
	ctx->now = rte_rdtsc();
	assert_int_equal(ops->start(ctx, &cfg, &st), 0);
	assert_int_equal(n_connects, 4);
	for (i = 0; i < 4; i++) {
		connects[i]->cb->connected(connects[i], connects[i]->arg);
		assert_int_equal(connects[i]->out_len, 100);
		assert_int_equal((uint8_t)connects[i]->out[99], pattern(99));
	}
	for (round = 0; round < 5; round++)
		for (i = 0; i < 4; i++) {
			ctx->now += ctx->hz / 10000; /* 100 us later */
			peer_send(connects[i], resp, 300, 150);
			assert_int_equal(connects[i]->out_len, 100 * (round + 2));
		}
	ops->poll(ctx, st);
	assert_false(ops->done(st));
	ctx->now += ctx->hz; /* duration over */
	ops->poll(ctx, st);
	for (i = 0; i < 4; i++) {
		peer_send(connects[i], resp, 300, 300); /* the last answer: then it closes */
		assert_true(connects[i]->closed_called);
		stack_closed(connects[i], 0);
	}
	ops->poll(ctx, st);
	assert_true(ops->done(st));
	assert_int_equal(ops->status(st), 0);
	ops->stop(ctx, st);
	for (i = 0; i < 4; i++)
		conn_free(connects[i]);
	assert_no_leak();
}

static void
test_loadgen_bulk_failure(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("loadgen", "port=9", "address=0.0.0.1", "connections=2",
		"duration_ms=1000", "bytes=5000", "mode=bulk");
	const struct sp_service_ops *ops = &sp_service_loadgen;
	void *st;
	uint64_t i;

	(void)s;
	n_connects = 0;
	ctx->now = rte_rdtsc();
	assert_int_equal(ops->start(ctx, &cfg, &st), 0);
	connects[0]->space = 3000;
	connects[0]->cb->connected(connects[0], connects[0]->arg);
	assert_int_equal(connects[0]->out_len, 3000);
	peer_read_all(connects[0], 3000);
	assert_int_equal(connects[0]->out_len, 5000);
	for (i = 0; i < 5000; i++)
		assert_int_equal((uint8_t)connects[0]->out[i], pattern(i));
	assert_true(connects[0]->shut);
	connects[0]->cb->peer_closed(connects[0], connects[0]->arg);
	stack_closed(connects[0], 0);
	stack_closed(connects[1], -ECONNREFUSED); /* the second one fails */
	ops->poll(ctx, st);
	assert_true(ops->done(st));
	assert_int_equal(ops->status(st), 1);
	ops->stop(ctx, st);
	conn_free(connects[0]);
	conn_free(connects[1]);
	assert_no_leak();
}

/* Every fake connection made so far freed; the next test starts from none. */
static void
connects_free(void)
{
	unsigned i;

	for (i = 0; i < n_connects; i++)
		conn_free(connects[i]);
	n_connects = 0;
	connect_err_n = 0;
}

/* The loadgen-result line of @p st holds every string of @p needles. */
static void
expect_result(void *st, const char *const *needles)
{
	char line[2048];
	unsigned i;

	lg_result_format(st, line, sizeof(line));
	assert_non_null(strstr(line, "loadgen-result: name="));
	assert_non_null(strstr(line, " worker=0")); /* the last field, as scripts expect */
	for (i = 0; needles[i] != NULL; i++)
		if (strstr(line, needles[i]) == NULL)
			fail_msg("result '%s' lacks '%s'", line, needles[i]);
}
#define EXPECT_RESULT(st, ...) expect_result((st), (const char *const[]){__VA_ARGS__, NULL})

/* Start loadgen with @p cfg on the fake clock, no fake connection made before. */
static void *
lg_begin(const struct sp_service_cfg *cfg)
{
	void *st;

	n_connects = 0;
	ctx->now = rte_rdtsc();
	assert_int_equal(sp_service_loadgen.start(ctx, cfg, &st), 0);
	return st;
}

/* Run a finished instance's last steps: it reports, then stop() frees it; no mbuf left. */
static void
lg_end(const struct sp_service_ops *ops, void *st, int status)
{
	ops->poll(ctx, st);
	assert_true(ops->done(st));
	assert_int_equal(ops->status(st), status);
	ops->stop(ctx, st);
	connects_free();
	assert_no_leak();
}

/* mode = http: keep-alive GETs, responses framed by Content-Length or chunked, non-2xx counted. */
static void
test_loadgen_http(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("loadgen", "port=80", "address=198.18.0.1",
		"connections=2", "duration_ms=1000", "mode=http", "path=/x?y=1", "interval_ms=0");
	const struct sp_service_ops *ops = &sp_service_loadgen;
	const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	const char *chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			      "3\r\nabc\r\n0\r\n\r\n";
	const char *missing = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	struct sp_conn *a, *b;
	size_t one;
	void *st;

	(void)s;
	st = lg_begin(&cfg);
	assert_int_equal(n_connects, 2);
	a = connects[0];
	b = connects[1];
	a->cb->connected(a, a->arg);
	b->cb->connected(b, b->arg);
	assert_non_null(strstr(a->out, "GET /x?y=1 HTTP/1.1\r\nHost: 198.18.0.1:80\r\n"));
	assert_null(strstr(a->out, "Connection: close"));
	one = a->out_len;
	assert_memory_equal(a->out + one - 4, "\r\n\r\n", 4);
	/* a response in small pieces: the next GET goes out only once it is complete */
	peer_send_split(a, ok, 7);
	assert_int_equal(a->out_len, 2 * one);
	peer_send_split(a, chunked, 3);
	assert_int_equal(a->out_len, 3 * one);
	peer_send(a, missing, strlen(missing), 1000);
	assert_int_equal(a->out_len, 4 * one);
	/* a framing error on b: counted as bad_response, the connection is reset */
	peer_send_split(b, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 100);
	assert_true(b->aborted);
	EXPECT_RESULT(st, "mode=http", "requests=3 ", "http_non2xx=1 ", "errors_bad_response=1 ",
		"connections_opened=2 ");
	/* the server ends the connection (Connection: close): a closes, the slot opens anew */
	peer_send_split(
		a, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", 1000);
	assert_true(a->closed_called);
	assert_int_equal(a->out_len, 4 * one);
	stack_closed(a, 0);
	ops->poll(ctx, st);
	assert_int_equal(n_connects, 3);
	a = connects[2];
	a->cb->connected(a, a->arg);
	assert_int_equal(a->out_len, one);
	ctx->now += ctx->hz; /* duration over: a's request is out, it closes after the answer */
	ops->poll(ctx, st);
	peer_send(a, ok, strlen(ok), 1000); /* the last answer: then it closes */
	assert_true(a->closed_called);
	stack_closed(a, 0);
	EXPECT_RESULT(st, "requests=5 ", "failed=1 ", "connections_opened=3 ", "ttfb_p50_us=");
	lg_end(ops, st, 1);
}

/* mode = cps, each close order: slots reopen after each exchange, each one counted once. */
static void
test_loadgen_cps_close_orders(void **s)
{
	static const char *const orders[] = {"close=client", "close=server", "close=rst"};
	const struct sp_service_ops *ops = &sp_service_loadgen;
	char resp[20];
	unsigned o, round, i;
	void *st;

	(void)s;
	memset(resp, 'r', sizeof(resp));
	for (o = 0; o < RTE_DIM(orders); o++) {
		struct sp_service_cfg cfg = svc_cfg("loadgen", "port=7", "address=198.18.0.1",
			"connections=2", "duration_ms=1000", "mode=cps", "request_size=10",
			"response_size=20", "interval_ms=0", orders[o]);

		st = lg_begin(&cfg);
		for (round = 0; round < 3; round++) {
			assert_int_equal(n_connects, 2 * (round + 1));
			for (i = 2 * round; i < 2 * round + 2; i++) {
				struct sp_conn *c = connects[i];

				c->cb->connected(c, c->arg);
				assert_int_equal(c->out_len, 10);
				peer_send(c, resp, 20, 7);
				switch (o) {
				case 0: /* we close first */
					assert_true(c->closed_called);
					stack_closed(c, 0);
					break;
				case 1: /* the server closes first: we wait for its FIN */
					assert_false(c->closed_called);
					c->cb->peer_closed(c, c->arg);
					assert_true(c->closed_called);
					stack_closed(c, 0);
					break;
				default: /* a reset right after the response */
					assert_true(c->aborted);
				}
			}
			ctx->now += ctx->hz / 1000;
			ops->poll(ctx, st); /* the free slots open again */
		}
		ctx->now += ctx->hz;
		ops->poll(ctx, st); /* duration over: the two in flight finish */
		for (i = 6; i < 8; i++)
			stack_closed(connects[i], -ECONNREFUSED);
		EXPECT_RESULT(st, "mode=cps", "connections_opened=6 ", "connections_completed=6 ",
			"requests=6 ", "errors_refused=2 ", "failed=2 ");
		lg_end(ops, st, 1);
	}
}

/* mode = connect with close = rst over a source address x port range; a tuple in use skipped. */
static void
test_loadgen_connect_source_ranges(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("loadgen", "port=7", "address=198.18.0.1",
		"connections=1", "duration_ms=1000", "mode=connect", "close=rst", "interval_ms=0",
		"src_address_min=198.18.0.2", "src_address_max=198.18.0.3", "src_port_min=40000",
		"src_port_max=40001");
	const struct sp_service_ops *ops = &sp_service_loadgen;
	const uint32_t a2 = (198u << 24) | (18u << 16) | 2u;
	const uint32_t want_ip[] = {a2, a2, a2 + 1, a2 + 1, a2, a2};
	const uint16_t want_port[] = {40000, 40001, 40000, 40001, 40000, 40001};
	unsigned i;
	void *st;

	(void)s;
	st = lg_begin(&cfg);
	for (i = 0; i < 5; i++) {
		struct sp_conn *c = connects[i];

		assert_int_equal(c->copts.src_ip, want_ip[i + (i >= 2)]);
		assert_int_equal(c->copts.src_port, want_port[i + (i >= 2)]);
		c->cb->connected(c, c->arg);
		assert_true(c->aborted); /* close = rst: no FIN, no TIME-WAIT */
		if (i == 1) {
			connect_err = -EADDRINUSE; /* the next tuple is taken: skipped */
			connect_err_n = 1;
		}
		ctx->now += ctx->hz / 1000;
		ops->poll(ctx, st);
	}
	ctx->now += ctx->hz;
	ops->poll(ctx, st);
	stack_closed(connects[5], -ETIMEDOUT);
	EXPECT_RESULT(st, "mode=connect", "connections_completed=5 ", "errors_timeout=1 ",
		"errors_local=0 ", "connect_p50_us=");
	lg_end(ops, st, 1);
}

/* Open loop: rate = 1000 rr requests/s on the fake clock; asked vs achieved, never silent. */
static void
test_loadgen_open_loop_rate(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("loadgen", "port=7", "address=198.18.0.1",
		"connections=4", "duration_ms=1000", "mode=rr", "request_size=10",
		"response_size=10", "rate=1000", "interval_ms=0");
	const struct sp_service_ops *ops = &sp_service_loadgen;
	char resp[10];
	size_t sent[4] = {0};
	unsigned ms, i;
	void *st;

	(void)s;
	memset(resp, 'r', sizeof(resp));
	st = lg_begin(&cfg);
	assert_int_equal(n_connects, 4);
	for (i = 0; i < 4; i++) {
		connects[i]->cb->connected(connects[i], connects[i]->arg);
		assert_int_equal(connects[i]->out_len, 0); /* waits for the schedule */
	}
	/* a fast peer: every request answered within the millisecond */
	for (ms = 0; ms < 900; ms++) {
		ctx->now += ctx->hz / 1000;
		ops->poll(ctx, st);
		for (i = 0; i < 4; i++)
			while (connects[i]->out_len > sent[i]) {
				sent[i] += 10;
				peer_send(connects[i], resp, 10, 10);
			}
	}
	EXPECT_RESULT(st, "rate_asked=1000 ");
	/* 899 or 900 arrivals in 900 ms (the clock's rounding), all of them started */
	{
		char line[2048];
		unsigned long sch, sta;

		lg_result_format(st, line, sizeof(line));
		assert_int_equal(
			sscanf(strstr(line, "scheduled="), "scheduled=%lu started=%lu", &sch, &sta),
			2);
		assert_true(sch >= 898 && sch <= 900);
		assert_int_equal(sta, sch);
	}
	/* now a peer that stops answering: 4 in flight at most, the rest is backlog, reported */
	for (ms = 0; ms < 100; ms++) {
		ctx->now += ctx->hz / 2000;
		ops->poll(ctx, st);
	}
	{
		char line[2048];
		unsigned long sch, sta;

		lg_result_format(st, line, sizeof(line));
		assert_int_equal(
			sscanf(strstr(line, "scheduled="), "scheduled=%lu started=%lu", &sch, &sta),
			2);
		assert_true(sch >= 945);
		assert_true(sta < sch - 40);
	}
	ctx->now += ctx->hz; /* over: the four answers come, each connection closes */
	ops->poll(ctx, st);
	for (i = 0; i < 4; i++) {
		peer_send(connects[i], resp, 10, 10);
		assert_true(connects[i]->closed_called);
		stack_closed(connects[i], 0);
	}
	lg_end(ops, st, 0);
}

/* Failures by cause: refused, reset, timeout, a response cut short; an unreachable target. */
static void
test_loadgen_error_causes(void **s)
{
	struct sp_service_cfg cfg = svc_cfg("loadgen", "port=7", "address=198.18.0.1",
		"connections=4", "duration_ms=1000", "mode=cps", "request_size=10",
		"response_size=20", "timeout_ms=100", "interval_ms=0");
	struct sp_service_cfg rr = svc_cfg("loadgen", "port=7", "address=198.18.0.1",
		"connections=3", "duration_ms=60000", "mode=rr", "interval_ms=0");
	const struct sp_service_ops *ops = &sp_service_loadgen;
	struct sp_conn *c;
	unsigned i;
	void *st;

	(void)s;
	st = lg_begin(&cfg);
	stack_closed(connects[0], -ECONNREFUSED);
	for (i = 1; i < 4; i++)
		connects[i]->cb->connected(connects[i], connects[i]->arg);
	stack_closed(connects[1], -ECONNRESET);
	c = connects[3];
	peer_send(c, "0123456789", 10, 10); /* half the response, then the server closes */
	c->cb->peer_closed(c, c->arg);
	assert_true(c->aborted);
	ctx->now += ctx->hz / 5; /* connects[2] waited 200 ms > timeout_ms */
	ops->poll(ctx, st);
	assert_true(connects[2]->aborted);
	EXPECT_RESULT(st, "errors_refused=1 ", "errors_reset=1 ", "errors_timeout=1 ",
		"errors_bad_response=1 ", "failed=4 ", "connections_completed=0 ");
	ctx->now += ctx->hz;
	ops->poll(ctx, st);
	for (i = 4; i < n_connects; i++)
		stack_closed(connects[i], -ECONNREFUSED);
	lg_end(ops, st, 1);

	/* rr to a target that refuses: done at once (not after duration_ms), status 1 */
	st = lg_begin(&rr);
	for (i = 0; i < 3; i++)
		stack_closed(connects[i], -ECONNREFUSED);
	ops->poll(ctx, st);
	assert_true(ops->done(st));
	EXPECT_RESULT(st, "errors_refused=3 ", "connected=0 ", "requests=0 ");
	lg_end(ops, st, 1);
	/* no route at all: the connect itself fails, counted as refused */
	connect_err = -EHOSTUNREACH;
	connect_err_n = 3;
	assert_int_equal(ops->start(ctx, &rr, &st), 0);
	ops->poll(ctx, st);
	EXPECT_RESULT(st, "errors_refused=3 ", "failed=3 ");
	lg_end(ops, st, 1);
}

/* ------------------------------------------------------------------ config */
/*
 * [service.NAME] sections as the program reads them (moved from test_config.c): the library
 * passes them through, sp_services_parse() applies each type's keys, defaults and checks. Every
 * message starts with the file (or "--set") and names the section and key.
 */

#define SRC   "t.conf"
#define PORT0 "[port0]\nvdev = net_tap0,iface=sp0\naddress = 198.18.0.2/24\n"

static struct sp_config g_cfg;
static struct sp_service_cfg g_svc[SP_MAX_SERVICES];
static char g_err[512];

/* The file as main.c reads it: the library's part, then the services'. */
static int
cfg_parse(const char *text)
{
	int ret;

	g_err[0] = '\0';
	ret = sp_config_parse_string(text, SRC, &g_cfg, g_err, sizeof(g_err));
	return ret != 0 ? ret : sp_services_parse(&g_cfg, false, NULL, g_svc, g_err, sizeof(g_err));
}

/* One --set as main.c applies it (the section may still be incomplete). */
static int
cfg_set(const char *assignment)
{
	int ret;

	g_err[0] = '\0';
	ret = sp_config_override(&g_cfg, assignment, g_err, sizeof(g_err));
	return ret != 0 ? ret
			: sp_services_parse(&g_cfg, true, assignment, g_svc, g_err, sizeof(g_err));
}

/* After the last --set: every required key must be there. */
static int
cfg_final(void)
{
	g_err[0] = '\0';
	return sp_services_parse(&g_cfg, false, NULL, g_svc, g_err, sizeof(g_err));
}

/* @ret is -EINVAL and the message starts with @src and holds every string of @needles. */
static void
expect_msg(int ret, const char *src, const char *const *needles)
{
	unsigned i;

	if (ret != -EINVAL)
		fail_msg("expected -EINVAL, got %d (%s)", ret, g_err);
	if (strncmp(g_err, src, strlen(src)) != 0 || strncmp(g_err + strlen(src), ": ", 2) != 0)
		fail_msg("message does not start with '%s: ': '%s'", src, g_err);
	for (i = 0; needles[i] != NULL; i++)
		if (strstr(g_err, needles[i]) == NULL)
			fail_msg("message '%s' lacks '%s'", g_err, needles[i]);
}

#define CFG_ERROR(text, ...)                                                            \
	do {                                                                            \
		const char *const n_[] = {__VA_ARGS__, NULL};                           \
		expect_msg(cfg_parse(PORT0 "address = 198.18.2.2/24\n" text), SRC, n_); \
	} while (0)
#define SET_ERROR(src, assignment, ...)                       \
	do {                                                  \
		const char *const n_[] = {__VA_ARGS__, NULL}; \
		expect_msg(cfg_set(assignment), src, n_);     \
	} while (0)

static void
assert_cfg_parses(const char *text)
{
	if (cfg_parse(text) != 0)
		fail_msg("expected success: %s\n--- text ---\n%s", g_err, text);
}

static void
test_config_every_key(void **st)
{
	const struct sp_service_cfg *s;

	(void)st;
	assert_cfg_parses(PORT0 "address = 198.18.2.2/24\n"
				"[service.echo]\n"
				"[service.web]\ntype = http\naddress = 198.18.2.2\nport = 8080\n"
				"cc = newreno\n"
				"[service.get]\ntype = fetch\nurl = http://198.18.0.1:8080/file\n"
				"output = /tmp/fetch.out\ncc =\n"
				"[service.lg]\ntype = loadgen\naddress = 198.18.0.1\nport = 5001\n"
				"connections = 64\nduration_ms = 10000\nbytes = 1000000000\n"
				"mode = bulk\nrequest_size = 10\nresponse_size = 20000\n");
	s = &g_svc[0];
	assert_string_equal(s->name, "echo");
	assert_ptr_equal(s->ops, &sp_service_echo); /* from the section name */
	assert_int_equal(s->port, 7);		    /* the type's default */
	assert_int_equal(s->ip, 0);
	assert_string_equal(s->cc, "");
	s = &g_svc[1];
	assert_string_equal(s->name, "web");
	assert_ptr_equal(s->ops, &sp_service_http);
	assert_int_equal(s->ip, (198u << 24) | (18u << 16) | (2u << 8) | 2u);
	assert_int_equal(s->port, 8080);
	assert_string_equal(s->cc, "newreno");
	s = &g_svc[2];
	assert_ptr_equal(s->ops, &sp_service_fetch);
	assert_string_equal((const char *)s->own.opts, "http://198.18.0.1:8080/file"); /* url */
	assert_string_equal((const char *)s->own.opts + SP_PATH_LEN, "/tmp/fetch.out");
	assert_string_equal(s->cc, "");
	assert_int_equal(s->port, 0);
	s = &g_svc[3];
	assert_ptr_equal(s->ops, &sp_service_loadgen);
	assert_int_equal(s->ip, (198u << 24) | (18u << 16) | 1u);
	assert_int_equal(s->port, 5001);
}

/* Defaults come from the type: the port from sp_service_ops, loadgen's own keys from it. */
static void
test_config_defaults(void **st)
{
	(void)st;
	assert_cfg_parses(PORT0 "[service.discard]\n[service.chargen]\n[service.http]\n"
				"[service.lg]\ntype = loadgen\naddress = 198.18.0.1\nport = 7\n");
	assert_int_equal(g_cfg.n_services, 4);
	assert_int_equal(g_svc[0].port, 9);
	assert_int_equal(g_svc[1].port, 19);
	assert_int_equal(g_svc[2].port, 80);
	assert_int_equal(g_svc[3].port, 7);
}

static void
test_config_overrides(void **st)
{
	static struct sp_config saved;

	(void)st;
	assert_cfg_parses(PORT0 "[service.http]\n");
	/* The section is everything before the last dot. */
	assert_int_equal(cfg_set("service.http.port=8080"), 0);
	assert_int_equal(g_svc[0].port, 8080);
	/* New service: type from its name, default port; then another type, another default. */
	assert_int_equal(cfg_set("service.echo.address=0.0.0.0"), 0);
	assert_int_equal(g_cfg.n_services, 2);
	assert_ptr_equal(g_svc[1].ops, &sp_service_echo);
	assert_int_equal(g_svc[1].port, 7);
	assert_int_equal(cfg_set("service.echo.type=discard"), 0);
	assert_int_equal(g_svc[1].port, 9);
	/* A bad value names --set; a failed check names the file and the override (main.c exits:
	 * the library has stored the refused value). */
	saved = g_cfg;
	SET_ERROR("--set", "service.echo.port=x", "[service.echo] port: 'x' is not a number");
	g_cfg = saved;
	SET_ERROR(SRC, "service.echo.address=198.18.7.7",
		"[service.echo] address: 198.18.7.7 is not an address",
		"(after --set service.echo.address=198.18.7.7)");
	/* Sections built one key at a time: a loadgen client... */
	assert_cfg_parses(PORT0);
	assert_int_equal(cfg_set("service.lg.port=5001"), 0);
	expect_msg(cfg_final(), SRC, (const char *const[]){"[service.lg] type: missing", NULL});
	assert_int_equal(cfg_set("service.lg.type=loadgen"), 0);
	expect_msg(cfg_final(), SRC, (const char *const[]){"[service.lg] address: missing", NULL});
	assert_int_equal(cfg_set("service.lg.address=198.18.1.1"), 0);
	assert_int_equal(cfg_final(), 0);
	assert_int_equal(g_svc[0].port, 5001);
	/* ... and a fetch client */
	assert_int_equal(cfg_set("service.get.type=fetch"), 0);
	expect_msg(cfg_final(), SRC, (const char *const[]){"[service.get] url: missing", NULL});
	assert_int_equal(cfg_set("service.get.url=http://198.18.0.1/x"), 0);
	expect_msg(cfg_final(), SRC, (const char *const[]){"[service.get] output: missing", NULL});
	assert_int_equal(cfg_set("service.get.output=/tmp/x"), 0);
	assert_int_equal(cfg_final(), 0);
	/* values are still checked while a section is incomplete */
	SET_ERROR(SRC, "service.get.url=ftp://x/", "[service.get] url: 'ftp://x/' is not http://");
}

static void
test_config_errors(void **st)
{
	(void)st;
	/* values */
	CFG_ERROR("[service.echo]\nurlx = 1\n", "[service.echo] urlx: unknown key");
	CFG_ERROR("[service.echo]\nurl = http://198.18.0.1/\n", "[service.echo] url: unknown key");
	CFG_ERROR("[service.lg]\ntype = loadgen\naddress = 198.18.0.1\nport = 65536\n",
		"[service.lg] port: 65536 is out of range (1..65535)");
	CFG_ERROR(
		"[service.http]\ncc = vegas\n", "[service.http] cc: 'vegas'", "congestion control");
	CFG_ERROR("[service.web]\ntype = gopher\n",
		"[service.web] type: 'gopher' is not a service type "
		"(echo|discard|chargen|http|fetch|loadgen)");
	CFG_ERROR("[service.web]\ntype =\n", "[service.web] type: empty value");
	CFG_ERROR("[service.lg]\ntype = loadgen\nmode = burst\n",
		"[service.lg] mode: 'burst' is not a loadgen mode (bulk|rr|http|cps|connect)");
	CFG_ERROR("[service.http]\naddress = 198.18.0\n",
		"[service.http] address: '198.18.0' is not an IPv4 address");
	/* checks */
	CFG_ERROR("[service.web]\nport = 8080\n", "[service.web] type: missing");
	CFG_ERROR("[service.lg]\ntype = loadgen\naddress = 198.18.0.1\n",
		"[service.lg] port: missing: loadgen needs the target port");
	CFG_ERROR("[service.lg]\ntype = loadgen\nport = 5001\n",
		"[service.lg] address: missing: loadgen needs the target address");
	CFG_ERROR("[service.get]\ntype = fetch\noutput = /tmp/x\n",
		"[service.get] url: missing: fetch needs url");
	CFG_ERROR("[service.get]\ntype = fetch\nurl = http://198.18.0.1/x\n",
		"[service.get] output: missing");
	CFG_ERROR("[service.get]\ntype = fetch\noutput = /tmp/x\nurl = ftp://198.18.0.1/x\n",
		"[service.get] url: 'ftp://198.18.0.1/x' is not http://a.b.c.d[:port]/path");
	CFG_ERROR("[service.get]\ntype = fetch\noutput = /tmp/x\nurl = http://example.com/\n",
		"[service.get] url", "is not http://");
	CFG_ERROR("[service.get]\ntype = fetch\noutput = /tmp/x\nurl = http://198.18.0.1:0/\n",
		"[service.get] url", "is not http://");
	CFG_ERROR("[service.get]\ntype = fetch\noutput = /tmp/x\nurl = http://198.18.0.1:8x/\n",
		"[service.get] url", "is not http://");
	CFG_ERROR("[service.echo]\n[service.again]\ntype = echo\n",
		"[service.again] port: 7 is already used by [service.echo]");
	CFG_ERROR("[service.http]\naddress = 198.18.7.7\n",
		"[service.http] address: 198.18.7.7 is not an address of any port");
	/* loadgen's keys: each message names the file, the section and the key to change */
#define LG "[service.lg]\ntype = loadgen\naddress = 198.18.0.1\nport = 7\n"
	CFG_ERROR(LG "path = x\n", "[service.lg] path: 'x' must start with /");
	CFG_ERROR(LG "path = /a b\n", "[service.lg] path: '/a b' must start with /");
	CFG_ERROR(LG "close = later\n", "[service.lg] close: 'later' is not a close order",
		"(client|server|rst)");
	CFG_ERROR(LG "pacing = burst\n", "[service.lg] pacing: 'burst' is not a pacing",
		"(even|poisson)");
	CFG_ERROR(LG "http = maybe\n", "[service.lg] http: 'maybe'");
	CFG_ERROR(LG "rate = -1\n", "[service.lg] rate:");
	CFG_ERROR(LG "timeout_ms = x\n", "[service.lg] timeout_ms: 'x' is not a number");
	CFG_ERROR(LG "src_port_min = 0\n", "[service.lg] src_port_min: 0 is out of range");
	CFG_ERROR(LG "src_address_min = 198.18\n",
		"[service.lg] src_address_min: '198.18' is not an IPv4 address");
	CFG_ERROR(LG "mode = rr\nhttp = on\n", "[service.lg] http: only for mode = cps");
	CFG_ERROR(LG "mode = bulk\nrate = 10\n", "[service.lg] rate: not for mode = bulk");
	CFG_ERROR(LG "pacing = poisson\n", "[service.lg] pacing: poisson needs a rate");
	CFG_ERROR(LG "duration_ms = 1000\nramp_ms = 1000\n",
		"[service.lg] ramp_ms: 1000 is not shorter than duration_ms (1000)");
	CFG_ERROR(LG "src_address_max = 198.18.0.2\n",
		"[service.lg] src_address_max: needs src_address_min");
	CFG_ERROR(LG "src_address_min = 198.18.0.2\nsrc_address_max = 198.18.0.1\n",
		"[service.lg] src_address_max: below src_address_min");
	CFG_ERROR(LG "src_port_max = 5\n", "[service.lg] src_port_max: needs src_port_min");
	CFG_ERROR(LG "src_port_min = 6\nsrc_port_max = 5\n",
		"[service.lg] src_port_max: below src_port_min");
	/* source addresses must be the ports' own */
	CFG_ERROR(LG "src_address_min = 198.18.0.9\n",
		"[service.lg] src_address_min: 198.18.0.9 is not an address of any port");
	CFG_ERROR(LG "src_address_min = 198.18.0.2\nsrc_address_max = 198.18.0.3\n",
		"[service.lg] src_address_max: 198.18.0.3 is not an address of any port");
	assert_cfg_parses(PORT0 "address = 198.18.0.3/24\n" LG "mode = cps\nhttp = on\n"
				"close = rst\nrate = 50000\npacing = poisson\nramp_ms = 100\n"
				"src_address_min = 198.18.0.2\nsrc_address_max = 198.18.0.3\n"
				"src_port_min = 10000\nsrc_port_max = 60000\npath = /index.html\n");
#undef LG
	/* two servers on one port are fine on two different addresses */
	assert_cfg_parses(PORT0 "address = 198.18.2.2/24\n"
				"[service.a]\ntype = echo\naddress = 198.18.0.2\n"
				"[service.b]\ntype = discard\nport = 7\naddress = 198.18.2.2\n");
}

/* Every shipped config's services read (SP_CONFIG_DIR from meson). */
static void
test_config_shipped(void **st)
{
	const char *const names[] = {
		"default.conf", "af_packet.conf", "arp.conf", "two-ports.conf", "forwarding.conf"};
	const char *dir = getenv("SP_CONFIG_DIR");
	char path[1024];
	unsigned i;

	(void)st;
	if (dir == NULL)
		skip();
	for (i = 0; i < RTE_DIM(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (sp_config_load(path, &g_cfg, g_err, sizeof(g_err)) != 0 ||
			sp_services_parse(&g_cfg, false, NULL, g_svc, g_err, sizeof(g_err)) != 0)
			fail_msg("%s: %s", path, g_err);
	}
	snprintf(path, sizeof(path), "%s/default.conf", dir);
	assert_int_equal(sp_config_load(path, &g_cfg, g_err, sizeof(g_err)), 0);
	assert_int_equal(sp_services_parse(&g_cfg, false, NULL, g_svc, g_err, sizeof(g_err)), 0);
	assert_int_equal(g_cfg.n_services, 4);
	assert_ptr_equal(g_svc[0].ops, &sp_service_echo);
	assert_int_equal(g_svc[0].port, 7);
	assert_ptr_equal(g_svc[1].ops, &sp_service_discard);
	assert_int_equal(g_svc[1].port, 9);
	assert_ptr_equal(g_svc[2].ops, &sp_service_chargen);
	assert_int_equal(g_svc[2].port, 19);
	assert_ptr_equal(g_svc[3].ops, &sp_service_http);
	assert_int_equal(g_svc[3].port, 80);
}

int
main(void)
{
	char *argv[] = {"test_services", "--no-huge", "--no-pci", "--no-shconf", "-m", "128",
		"--no-telemetry", "--log-level=lib.eal:error", "-l", "0", NULL};
	static struct sp_ctx the_ctx;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_echo_backpressure),
		cmocka_unit_test(test_echo_fin_after_backlog),
		cmocka_unit_test(test_echo_backlog_bound),
		cmocka_unit_test(test_echo_stop_aborts),
		cmocka_unit_test(test_echo_poll_resumes_without_writable),
		cmocka_unit_test(test_discard),
		cmocka_unit_test(test_echo_discard_idle),
		cmocka_unit_test(test_chargen),
		cmocka_unit_test(test_http_keepalive_pipelined),
		cmocka_unit_test(test_http_bytes_streamed),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_http_nul_in_field),
		cmocka_unit_test(test_http_request_line_bytes),
		cmocka_unit_test(test_http_page_cache),
		cmocka_unit_test(test_http_10_keepalive_and_body_skip),
		cmocka_unit_test(test_http_split_interleaved),
		cmocka_unit_test(test_http_oversized_headers),
		cmocka_unit_test(test_http_pipeline_bound),
		cmocka_unit_test(test_http_idle_and_linger_timeouts),
		cmocka_unit_test(test_http_slowloris),
		cmocka_unit_test(test_fetch_content_length),
		cmocka_unit_test(test_fetch_chunked),
		cmocka_unit_test(test_fetch_close_delimited_and_failures),
		cmocka_unit_test(test_loadgen_rr),
		cmocka_unit_test(test_loadgen_bulk_failure),
		cmocka_unit_test(test_loadgen_http),
		cmocka_unit_test(test_loadgen_cps_close_orders),
		cmocka_unit_test(test_loadgen_connect_source_ranges),
		cmocka_unit_test(test_loadgen_open_loop_rate),
		cmocka_unit_test(test_loadgen_error_causes),
		cmocka_unit_test(test_config_every_key),
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_overrides),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_shipped),
	};

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "test_services: rte_eal_init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create(
		"svc_test", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "test_services: no mempool\n");
		return 1;
	}
	ctx = &the_ctx;
	ctx->hz = rte_get_tsc_hz();
	ctx->now = rte_rdtsc();
	ctx->pool = pool;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
