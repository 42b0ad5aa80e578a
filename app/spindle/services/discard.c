/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * discard (RFC 863, port 9): every received mbuf is freed at once; when the peer closes, we close
 * too. Counts bytes per lcore (printed at stop) so a sink throughput can be checked.
 *
 * Graceful stop (drain): every connection is half-closed (FIN) and still read, so a client in
 * the middle of sending finishes; its FIN then closes the connection as usual.
 *
 * Idle connections: as in echo.c, one that sent nothing for DISCARD_IDLE_MS is closed (reset if
 * our FIN gets no answer in another DISCARD_IDLE_MS), so silent connections cannot hold the
 * lcore's tcp.max_connections for ever; state->conns is kept in order of last activity.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/queue.h>
#include "svc_common.h"

#define DISCARD_IDLE_MS 300000u

struct discard_state;

struct discard_conn {
	TAILQ_ENTRY(discard_conn) link; /* state->conns, or state->dead once closed */
	struct discard_state *st;
	struct sp_conn *c; /* NULL once closed() ran */
	uint64_t last;	   /* TSC of the last byte received */
	bool closing;
};

TAILQ_HEAD(discard_conn_list, discard_conn);

struct discard_state {
	struct sp_listener *l;
	struct discard_conn_list conns;
	struct discard_conn_list dead;
	struct sp_ctx *ctx;
	uint64_t idle_tsc, idle_closes;
	uint64_t accepted;
	uint64_t bytes;
};

/* Activity: the connection goes to the end of state->conns (the order of last activity). */
static void
discard_touch(struct discard_conn *dc)
{
	dc->last = sp_ctx_now(dc->st->ctx);
	TAILQ_REMOVE(&dc->st->conns, dc, link);
	TAILQ_INSERT_TAIL(&dc->st->conns, dc, link);
}

static void
discard_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct discard_conn *dc = arg;

	(void)c;
	dc->st->bytes += m->pkt_len;
	rte_pktmbuf_free(m);
	discard_touch(dc);
}

static void
discard_peer_closed(struct sp_conn *c, void *arg)
{
	struct discard_conn *dc = arg;

	if (!dc->closing) {
		dc->closing = true;
		sp_tcp_close(c);
	}
}

static void
discard_closed(struct sp_conn *c, int err, void *arg)
{
	struct discard_conn *dc = arg;
	struct discard_state *st = dc->st;

	(void)c;
	(void)err;
	dc->c = NULL;
	TAILQ_REMOVE(&st->conns, dc, link);
	TAILQ_INSERT_TAIL(&st->dead, dc, link);
}

static const struct sp_tcp_callbacks discard_conn_cb = {
	.recv = discard_recv,
	.peer_closed = discard_peer_closed,
	.closed = discard_closed,
};

static int
discard_accepted(struct sp_conn *c, void *arg)
{
	struct discard_state *st = arg;
	struct discard_conn *dc;

	dc = calloc(1, sizeof(*dc));
	if (dc == NULL)
		return -ENOMEM;
	dc->st = st;
	dc->c = c;
	dc->last = sp_ctx_now(st->ctx);
	TAILQ_INSERT_TAIL(&st->conns, dc, link);
	st->accepted++;
	sp_tcp_set_callbacks(c, &discard_conn_cb, dc);
	return 0;
}

static const struct sp_tcp_callbacks discard_listen_cb = {
	.accepted = discard_accepted,
};

static void
discard_free_dead(struct discard_state *st)
{
	struct discard_conn *dc;

	while ((dc = TAILQ_FIRST(&st->dead)) != NULL) {
		TAILQ_REMOVE(&st->dead, dc, link);
		free(dc);
	}
}

static int
discard_start(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, void **state)
{
	struct discard_state *st;
	int ret;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	TAILQ_INIT(&st->conns);
	TAILQ_INIT(&st->dead);
	st->ctx = ctx;
	st->idle_tsc = svc_ms_to_tsc(ctx, DISCARD_IDLE_MS);
	ret = svc_listen(ctx, cfg, &discard_listen_cb, st, false, &st->l);
	if (ret < 0) {
		free(st);
		return ret;
	}
	*state = st;
	return 0;
}

static void
discard_poll(struct sp_ctx *ctx, void *state)
{
	struct discard_state *st = state;
	struct discard_conn *dc;
	uint64_t now = sp_ctx_now(ctx);

	discard_free_dead(st);
	while ((dc = TAILQ_FIRST(&st->conns)) != NULL && dc->c != NULL && now > dc->last &&
		now - dc->last > st->idle_tsc) {
		/* to the end of the list: a FIN unanswered is reset next time */
		discard_touch(dc);
		st->idle_closes++;
		if (dc->closing)
			sp_tcp_abort(dc->c);
		else
			sp_tcp_close(dc->c);
		dc->closing = true;
	}
	discard_free_dead(st);
}

static void
discard_drain(struct sp_ctx *ctx, void *state)
{
	struct discard_state *st = state;
	struct discard_conn *dc, *next;

	svc_unlisten(ctx, &st->l);
	RTE_TAILQ_FOREACH_SAFE(dc, &st->conns, link, next)
	{
		if (dc->c != NULL && !dc->closing)
			sp_tcp_shutdown(dc->c);
	}
}

static void
discard_stop(struct sp_ctx *ctx, void *state)
{
	struct discard_state *st = state;
	struct discard_conn *dc;

	svc_unlisten(ctx, &st->l);
	while ((dc = TAILQ_FIRST(&st->conns)) != NULL) {
		TAILQ_REMOVE(&st->conns, dc, link);
		if (dc->c != NULL) {
			sp_tcp_set_callbacks(dc->c, &svc_orphan_cb, NULL);
			sp_tcp_abort(dc->c);
		}
		free(dc);
	}
	discard_free_dead(st);
	/* On standard output, like the client services' reports: tests and users read it. */
	printf("discard: lcore %u: %" PRIu64 " connections, %" PRIu64 " bytes\n", sp_ctx_lcore(ctx),
		st->accepted, st->bytes);
	if (st->idle_closes != 0)
		SP_LOG(NOTICE, app, "discard: lcore %u: %" PRIu64 " connections closed idle",
			sp_ctx_lcore(ctx), st->idle_closes);
	fflush(stdout);
	free(st);
}

const struct sp_service_ops sp_service_discard = {
	.type = "discard",
	.client = false,
	.default_port = 9,
	.start = discard_start,
	.poll = discard_poll,
	.drain = discard_drain,
	.stop = discard_stop,
};
