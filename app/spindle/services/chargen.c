/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * chargen (RFC 864, port 19): on connect, send the character-generator pattern for as long as
 * the peer reads it. The pattern is the 95 printable ASCII characters (32..126); line k (from 0)
 * holds the 72 characters starting at character k mod 95, followed by CR LF, so the stream
 * repeats every 95 lines (95 * 74 = 7030 bytes). Received data is discarded. We send whenever the
 * send buffer has room (on accept and on writable); we close when the peer closes.
 *
 * Graceful stop (drain): no more pattern is queued; what is queued goes out, then FIN.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/queue.h>
#include "svc_common.h"

#define CHARGEN_CHARS  95u
#define CHARGEN_LINE   72u
#define CHARGEN_PERIOD (CHARGEN_CHARS * (CHARGEN_LINE + 2u)) /* 7030 */
#define CHARGEN_CHUNK  16384u

struct chargen_state;

struct chargen_conn {
	TAILQ_ENTRY(chargen_conn) link;
	struct chargen_state *st;
	struct sp_conn *c;
	uint32_t off; /* position in the 7030-byte period */
	bool closing;
};

TAILQ_HEAD(chargen_conn_list, chargen_conn);

struct chargen_state {
	struct sp_listener *l;
	struct chargen_conn_list conns;
	struct chargen_conn_list dead;
	/* One period plus a chunk, so any offset can send CHARGEN_CHUNK contiguous bytes. */
	char pattern[CHARGEN_PERIOD + CHARGEN_CHUNK];
};

static void
chargen_fill(char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint32_t p = (uint32_t)(i % CHARGEN_PERIOD);
		uint32_t line = p / (CHARGEN_LINE + 2u), col = p % (CHARGEN_LINE + 2u);

		if (col == CHARGEN_LINE)
			buf[i] = '\r';
		else if (col == CHARGEN_LINE + 1u)
			buf[i] = '\n';
		else
			buf[i] = (char)(' ' + (line + col) % CHARGEN_CHARS);
	}
}

static void
chargen_pump(struct chargen_conn *cc)
{
	ssize_t n;

	while (cc->c != NULL && !cc->closing) {
		n = sp_tcp_send(cc->c, cc->st->pattern + cc->off, CHARGEN_CHUNK);
		if (n <= 0)
			return; /* full (writable resumes) or shut down */
		cc->off = (uint32_t)((cc->off + (size_t)n) % CHARGEN_PERIOD);
		if ((size_t)n < CHARGEN_CHUNK)
			return;
	}
}

static void
chargen_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	(void)c;
	(void)arg;
	rte_pktmbuf_free(m); /* RFC 864: received data is thrown away */
}

static void
chargen_writable(struct sp_conn *c, void *arg)
{
	(void)c;
	chargen_pump(arg);
}

static void
chargen_close(struct chargen_conn *cc)
{
	if (cc->c != NULL && !cc->closing) {
		cc->closing = true;
		sp_tcp_close(cc->c);
	}
}

static void
chargen_peer_closed(struct sp_conn *c, void *arg)
{
	(void)c;
	chargen_close(arg);
}

static void
chargen_closed(struct sp_conn *c, int err, void *arg)
{
	struct chargen_conn *cc = arg;

	(void)c;
	(void)err;
	cc->c = NULL;
	TAILQ_REMOVE(&cc->st->conns, cc, link);
	TAILQ_INSERT_TAIL(&cc->st->dead, cc, link);
}

static const struct sp_tcp_callbacks chargen_conn_cb = {
	.recv = chargen_recv,
	.writable = chargen_writable,
	.peer_closed = chargen_peer_closed,
	.closed = chargen_closed,
};

static int
chargen_accepted(struct sp_conn *c, void *arg)
{
	struct chargen_state *st = arg;
	struct chargen_conn *cc;

	cc = calloc(1, sizeof(*cc));
	if (cc == NULL)
		return -ENOMEM;
	cc->st = st;
	cc->c = c;
	TAILQ_INSERT_TAIL(&st->conns, cc, link);
	sp_tcp_set_callbacks(c, &chargen_conn_cb, cc);
	chargen_pump(cc);
	return 0;
}

static const struct sp_tcp_callbacks chargen_listen_cb = {
	.accepted = chargen_accepted,
};

static void
chargen_free_dead(struct chargen_state *st)
{
	struct chargen_conn *cc;

	while ((cc = TAILQ_FIRST(&st->dead)) != NULL) {
		TAILQ_REMOVE(&st->dead, cc, link);
		free(cc);
	}
}

static int
chargen_start(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, void **state)
{
	struct chargen_state *st;
	int ret;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	TAILQ_INIT(&st->conns);
	TAILQ_INIT(&st->dead);
	chargen_fill(st->pattern, sizeof(st->pattern));
	ret = svc_listen(ctx, cfg, &chargen_listen_cb, st, false, &st->l);
	if (ret < 0) {
		free(st);
		return ret;
	}
	*state = st;
	return 0;
}

static void
chargen_poll(struct sp_ctx *ctx, void *state)
{
	(void)ctx;
	chargen_free_dead(state);
}

static void
chargen_drain(struct sp_ctx *ctx, void *state)
{
	struct chargen_state *st = state;
	struct chargen_conn *cc, *next;

	svc_unlisten(ctx, &st->l);
	RTE_TAILQ_FOREACH_SAFE(cc, &st->conns, link, next)
	{
		chargen_close(cc);
	}
}

static void
chargen_stop(struct sp_ctx *ctx, void *state)
{
	struct chargen_state *st = state;
	struct chargen_conn *cc;

	svc_unlisten(ctx, &st->l);
	while ((cc = TAILQ_FIRST(&st->conns)) != NULL) {
		TAILQ_REMOVE(&st->conns, cc, link);
		if (cc->c != NULL) {
			sp_tcp_set_callbacks(cc->c, &svc_orphan_cb, NULL);
			sp_tcp_abort(cc->c);
		}
		free(cc);
	}
	chargen_free_dead(st);
	free(st);
}

const struct sp_service_ops sp_service_chargen = {
	.type = "chargen",
	.client = false,
	.default_port = 19,
	.start = chargen_start,
	.poll = chargen_poll,
	.drain = chargen_drain,
	.stop = chargen_stop,
};
