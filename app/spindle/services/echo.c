/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * echo (RFC 862, port 7): every received byte is sent back, zero-copy: the received mbufs
 * themselves are handed to sp_tcp_send_mbuf().
 *
 * Back-pressure: each connection turns receive flow control on (sp_tcp_set_recv_flow): received
 * bytes count against our advertised window until they have been handed to sp_tcp_send_mbuf().
 * When the send buffer is full the received segments wait in a per-connection backlog and go out
 * on writable, and meanwhile the window we advertise closes, so a peer that sends faster than we
 * can echo (or that does not read its echo) is slowed by TCP itself. The backlog is thus bounded
 * by tcp.rcvbuf; ECHO_BACKLOG_MAX stays as a safety net (abort, counted).
 *
 * Graceful stop (drain): every connection is closed as if the peer had closed: once its backlog
 * is echoed, FIN.
 *
 * Idle connections: one that neither sent us a byte nor took any of its echo for ECHO_IDLE_MS is
 * closed (FIN; reset when its echo is still unread or our FIN got no answer in another
 * ECHO_IDLE_MS). Without it connections that complete the handshake and go silent would hold
 * their entries of tcp.max_connections for ever, and with them every service of the lcore
 * (state exhaustion); tcp.keepalive_idle_ms is off by default and a peer that answers probes
 * would pass it anyway. state->conns is kept in order of last activity.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/queue.h>
#include "svc_common.h"

/* Bytes held per connection while the send buffer is full: 4 MiB, a few send buffers' worth. */
#define ECHO_BACKLOG_MAX (4u << 20)
#define ECHO_IDLE_MS	 300000u /* no byte in, none of the echo taken */

struct echo_state;

struct echo_conn {
	TAILQ_ENTRY(echo_conn) link;  /* state->conns, or state->dead once closed */
	TAILQ_ENTRY(echo_conn) blink; /* state->blocked while blocked */
	struct echo_state *st;
	struct sp_conn *c;     /* NULL once closed() ran */
	struct svc_mq backlog; /* received, not yet accepted by sp_tcp_send_mbuf() */
	uint64_t last;	       /* TSC of the last byte in or echo taken */
	bool blocked;	       /* waiting for send space */
	bool peer_closed;
	bool closing; /* sp_tcp_close() called */
};

TAILQ_HEAD(echo_conn_list, echo_conn);

struct echo_state {
	struct sp_ctx *ctx;
	struct sp_listener *l;
	struct echo_conn_list conns;
	struct echo_conn_list dead;    /* closed, freed from poll (callers may still hold them) */
	struct echo_conn_list blocked; /* backlog waiting for send space */
	uint32_t n_conns;
	uint64_t accepted, backlog_aborts, idle_closes;
	uint64_t idle_tsc;
	bool draining; /* graceful stop: close each connection once its backlog is out */
};

static void
echo_close_if_done(struct echo_conn *ec)
{
	/* Echo everything the peer sent before its FIN, then close our side too (RFC 862). */
	if (ec->c != NULL && (ec->peer_closed || ec->st->draining) && !ec->closing &&
		ec->backlog.head == NULL) {
		ec->closing = true;
		sp_tcp_close(ec->c);
	}
}

static void
echo_set_blocked(struct echo_conn *ec, bool on)
{
	if (ec->blocked == on)
		return;
	ec->blocked = on;
	if (on)
		TAILQ_INSERT_TAIL(&ec->st->blocked, ec, blink);
	else
		TAILQ_REMOVE(&ec->st->blocked, ec, blink);
}

/* Activity: the connection goes to the end of state->conns (the order of last activity). */
static void
echo_touch(struct echo_conn *ec)
{
	struct echo_state *st = ec->st;

	ec->last = sp_ctx_now(st->ctx);
	if (ec->c == NULL)
		return; /* on the dead list */
	TAILQ_REMOVE(&st->conns, ec, link);
	TAILQ_INSERT_TAIL(&st->conns, ec, link);
}

static void
echo_drain(struct echo_conn *ec)
{
	struct rte_mbuf *m;
	int ret;

	echo_set_blocked(ec, false);
	while (ec->c != NULL && (m = svc_mq_pop(&ec->backlog)) != NULL) {
		uint32_t len = m->pkt_len;

		ret = sp_tcp_send_mbuf(ec->c, m);
		if (ret == 0) {
			/* handed on: the bytes no longer hold our receive window closed */
			if (ec->c != NULL)
				sp_tcp_recv_done(ec->c, len);
			continue;
		}
		if (ret == -ENOBUFS) {
			svc_mq_unpop(&ec->backlog, m);
			echo_set_blocked(ec, true);
			return;
		}
		/* -EPIPE/-ENOTCONN: our side is shut; nothing more can go out. */
		rte_pktmbuf_free(m);
		svc_mq_free(&ec->backlog);
		break;
	}
	echo_close_if_done(ec);
}

static void
echo_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct echo_conn *ec = arg;

	(void)c;
	if (ec->closing) {
		rte_pktmbuf_free(m);
		return;
	}
	echo_touch(ec);
	svc_mq_push_chain(&ec->backlog, m);
	if (ec->backlog.bytes > ECHO_BACKLOG_MAX) {
		ec->st->backlog_aborts++;
		SP_LOG(NOTICE, app, "echo: peer does not read its echo (%u bytes held), aborting",
			ec->backlog.bytes);
		svc_mq_free(&ec->backlog);
		ec->closing = true;
		sp_tcp_abort(ec->c);
		return;
	}
	if (!ec->blocked)
		echo_drain(ec);
}

static void
echo_writable(struct sp_conn *c, void *arg)
{
	(void)c;
	echo_touch(arg);
	echo_drain(arg);
}

static void
echo_peer_closed(struct sp_conn *c, void *arg)
{
	struct echo_conn *ec = arg;

	(void)c;
	ec->peer_closed = true;
	echo_close_if_done(ec);
}

static void
echo_closed(struct sp_conn *c, int err, void *arg)
{
	struct echo_conn *ec = arg;
	struct echo_state *st = ec->st;

	(void)c;
	(void)err;
	ec->c = NULL;
	svc_mq_free(&ec->backlog);
	echo_set_blocked(ec, false);
	TAILQ_REMOVE(&st->conns, ec, link);
	TAILQ_INSERT_TAIL(&st->dead, ec, link);
	st->n_conns--;
}

static const struct sp_tcp_callbacks echo_conn_cb = {
	.recv = echo_recv,
	.writable = echo_writable,
	.peer_closed = echo_peer_closed,
	.closed = echo_closed,
};

static int
echo_accepted(struct sp_conn *c, void *arg)
{
	struct echo_state *st = arg;
	struct echo_conn *ec;

	ec = calloc(1, sizeof(*ec));
	if (ec == NULL)
		return -ENOMEM;
	ec->st = st;
	ec->c = c;
	ec->last = sp_ctx_now(st->ctx);
	TAILQ_INSERT_TAIL(&st->conns, ec, link);
	st->n_conns++;
	st->accepted++;
	sp_tcp_set_callbacks(c, &echo_conn_cb, ec);
	sp_tcp_set_recv_flow(c, true);
	return 0;
}

static const struct sp_tcp_callbacks echo_listen_cb = {
	.accepted = echo_accepted,
};

static void
echo_free_dead(struct echo_state *st)
{
	struct echo_conn *ec;

	while ((ec = TAILQ_FIRST(&st->dead)) != NULL) {
		TAILQ_REMOVE(&st->dead, ec, link);
		free(ec);
	}
}

static int
echo_start(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, void **state)
{
	struct echo_state *st;
	int ret;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->ctx = ctx;
	st->idle_tsc = svc_ms_to_tsc(ctx, ECHO_IDLE_MS);
	TAILQ_INIT(&st->conns);
	TAILQ_INIT(&st->dead);
	TAILQ_INIT(&st->blocked);
	/* Echo is interactive: a small segment must not wait for the ACK of the previous one. */
	ret = svc_listen(ctx, cfg, &echo_listen_cb, st, true, &st->l);
	if (ret < 0) {
		free(st);
		return ret;
	}
	*state = st;
	return 0;
}

static void
echo_poll(struct sp_ctx *ctx, void *state)
{
	struct echo_state *st = state;
	struct echo_conn *ec, *next;
	uint64_t now = sp_ctx_now(ctx);

	echo_free_dead(st);
	/* The oldest activity first: only the head of the list can have expired. */
	while ((ec = TAILQ_FIRST(&st->conns)) != NULL && ec->c != NULL && now > ec->last &&
		now - ec->last > st->idle_tsc) {
		/* goes to the end: the loop ends, a FIN unanswered is reset later */
		echo_touch(ec);
		st->idle_closes++;
		if (ec->closing || ec->backlog.head != NULL)
			sp_tcp_abort(ec->c);
		else
			sp_tcp_close(ec->c);
		ec->closing = true;
	}
	/*
	 * Writable is the signal to resume; this re-check of blocked connections is a cheap guard so
	 * that a backlog never waits on an event that a send_mbuf() refusal did not arm.
	 */
	for (ec = TAILQ_FIRST(&st->blocked); ec != NULL; ec = next) {
		next = TAILQ_NEXT(ec, blink);
		if (ec->c != NULL && ec->backlog.head != NULL &&
			sp_tcp_send_space(ec->c) >= ec->backlog.head->data_len)
			echo_drain(ec);
	}
	echo_free_dead(st);
}

static void
echo_drain_all(struct sp_ctx *ctx, void *state)
{
	struct echo_state *st = state;
	struct echo_conn *ec, *next;

	svc_unlisten(ctx, &st->l);
	st->draining = true;
	RTE_TAILQ_FOREACH_SAFE(ec, &st->conns, link, next)
	{
		echo_close_if_done(ec);
	}
}

static void
echo_stop(struct sp_ctx *ctx, void *state)
{
	struct echo_state *st = state;
	struct echo_conn *ec;

	svc_unlisten(ctx, &st->l);
	while ((ec = TAILQ_FIRST(&st->conns)) != NULL) {
		TAILQ_REMOVE(&st->conns, ec, link);
		echo_set_blocked(ec, false);
		if (ec->c != NULL) {
			sp_tcp_set_callbacks(ec->c, &svc_orphan_cb, NULL);
			sp_tcp_abort(ec->c);
		}
		svc_mq_free(&ec->backlog);
		free(ec);
	}
	echo_free_dead(st);
	if (st->backlog_aborts != 0 || st->idle_closes != 0)
		SP_LOG(NOTICE, app,
			"echo: lcore %u: %" PRIu64 " connections, %" PRIu64
			" aborted for an unread backlog, %" PRIu64 " closed idle",
			sp_ctx_lcore(ctx), st->accepted, st->backlog_aborts, st->idle_closes);
	free(st);
}

const struct sp_service_ops sp_service_echo = {
	.type = "echo",
	.client = false,
	.default_port = 7,
	.start = echo_start,
	.poll = echo_poll,
	.drain = echo_drain_all,
	.stop = echo_stop,
};
