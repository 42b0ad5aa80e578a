/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP_CORK and MSG_MORE (tcp(7)): while a socket is corked, or a send says more follows, a
 * partial segment is held back; full segments go out; uncorking, a send without MSG_MORE on an
 * uncorked socket, shutdown and close send what is held, and nothing is held longer than
 * SP_SK_CORK_MAX_MS (Linux's 200 ms ceiling). nginx's tcp_nopush (Debian's default) corks,
 * writes the response header, sendfile()s the body and uncorks: held, header and body leave as
 * one segment; not held, the header left alone and Nagle kept the body behind it until the
 * peer's delayed ACK (40 ms per response).
 *
 * The stack sends whatever its send buffer holds as Nagle allows, so the held bytes wait here,
 * in a buffer of one MSS per socket, and reach the stack in one sp_tcp_send() with the bytes that
 * complete their segment. They are taken only when the send buffer has room for them, so that
 * the flush always fits (nothing else writes to the connection in between). Memory pressure can
 * cut the buffer back since (tcp_mem): then the rest stays held, due at every driver pass, and a
 * shutdown or close keeps its FIN behind it (a close keeps the socket's memory until then), so
 * no held byte is dropped while the connection lives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sock.h"
#include "sp_ctx.h"
#include "tcp.h"

#define SP_SK_CORK_MAX_MS 200

static int
cork_alloc(struct sp_sk *s)
{
	if (s->cork_buf == NULL) {
		s->cork_buf = malloc(SP_SK_CORK_BUF);
		if (s->cork_buf == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* Copy @p n bytes of @p msg from its start into the held bytes. */
static void
cork_copy(struct sp_sk *s, const struct msghdr *msg, size_t n)
{
	size_t vi;

	for (vi = 0; vi < msg->msg_iovlen && n != 0; vi++) {
		size_t k = RTE_MIN(n, msg->msg_iov[vi].iov_len);

		memcpy(s->cork_buf + s->cork_len, msg->msg_iov[vi].iov_base, k);
		s->cork_len += (uint16_t)k;
		n -= k;
	}
}

/* The segment size the held bytes fill (never more than the buffer). */
static size_t
cork_mss(const struct sp_sk *s)
{
	return RTE_MIN((size_t)s->conn->mss, (size_t)SP_SK_CORK_BUF);
}

/*
 * Onto the list of holding sockets: at the tail with the time the hold began, or @p due at the
 * head (every driver pass tries it again, first).
 */
static void
cork_list(struct sp_sock_host *h, struct sp_sk *s, bool due)
{
	if (s->cork_listed)
		TAILQ_REMOVE(&h->corked, s, cork_next);
	if (due) {
		s->cork_since_us = 0;
		TAILQ_INSERT_HEAD(&h->corked, s, cork_next);
	} else {
		s->cork_since_us = sp_sock_now_us();
		TAILQ_INSERT_TAIL(&h->corked, s, cork_next);
	}
	s->cork_listed = true;
	s->cork_port = s->conn->port;
}

static void
cork_unlist(struct sp_sock_host *h, struct sp_sk *s)
{
	if (s->cork_listed) {
		TAILQ_REMOVE(&h->corked, s, cork_next);
		s->cork_listed = false;
	}
}

/* The held bytes cannot be given: the connection ended or failed first. Counted. */
static void
cork_lost(struct sp_sock_host *h, struct sp_sk *s)
{
	if (s->cork_len != 0)
		SP_STAT(h->ctx, s->cork_port, tcp_cork_lost);
	s->cork_len = 0;
	cork_unlist(h, s);
}

/*
 * The held bytes to the stack. Its send buffer can take fewer than was reserved for them when
 * memory pressure cut it back since (tcp_mem): the rest stays held, in order, and goes at the
 * next write, flush or driver pass (the socket stays on the list, due). @return sp_tcp_send()'s.
 */
static ssize_t
cork_give(struct sp_sock_host *h, struct sp_sk *s)
{
	ssize_t n = sp_tcp_send(s->conn, s->cork_buf, s->cork_len);

	if (n < 0) {
		cork_lost(h, s);
		return n;
	}
	if ((size_t)n >= s->cork_len) {
		s->cork_len = 0;
		cork_unlist(h, s);
		return n;
	}
	memmove(s->cork_buf, s->cork_buf + n, s->cork_len - (size_t)n);
	s->cork_len -= (uint16_t)n;
	cork_list(h, s, true);
	return n;
}

/*
 * Nothing is held any more: the FIN that a shutdown or close of @p s kept behind the held bytes
 * (a reset instead when they were @p lost and the connection is still there: the peer must not
 * take a cut stream for a whole one). A close then orphans the connection and frees @p s.
 */
static void
cork_fin(struct sp_sock_host *h, struct sp_sk *s, bool lost)
{
	enum sp_sk_cork_fin fin = s->cork_fin;

	s->cork_fin = SK_CORK_FIN_NONE;
	if (fin == SK_CORK_FIN_SHUT && s->conn != NULL) {
		if (lost)
			sp_tcp_abort(s->conn);
		else
			sp_tcp_shutdown(s->conn);
	} else if (fin == SK_CORK_FIN_CLOSE) {
		if (s->conn != NULL)
			sp_sk_orphan(s, lost);
		sp_sk_cork_drop(h, s);
		sp_sk_release(s);
	}
}

/*
 * Give what @p s holds, as much as the send buffer takes, and push the connection's queue, Nagle
 * or not; once nothing is held, the FIN a shutdown or close deferred follows (a close frees @p s).
 */
static void
cork_push(struct sp_sock_host *h, struct sp_sk *s)
{
	bool lost = false;

	if (s->conn == NULL) {
		lost = s->cork_len != 0;
		cork_lost(h, s);
	} else {
		if (s->cork_len != 0)
			lost = cork_give(h, s) < 0;
		if (s->conn != NULL)
			sp_tcp_flush(s->conn);
	}
	if (s->cork_len == 0 && s->cork_fin != SK_CORK_FIN_NONE)
		cork_fin(h, s, lost);
}

size_t
sp_sk_cork_send(
	struct sp_sock_host *h, struct sp_sk *s, const struct msghdr *msg, size_t total, bool more)
{
	size_t space, take;
	ssize_t n;

	if (s->conn == NULL || total == 0 || (s->cork_len == 0 && !more))
		return 0;
	space = sp_tcp_send_space(s->conn);
	if (more && s->cork_len + total < cork_mss(s) && space >= s->cork_len + total &&
		cork_alloc(s) == 0) {
		/* a partial segment: held */
		if (s->cork_len == 0)
			cork_list(h, s, false);
		cork_copy(s, msg, total);
		return total;
	}
	if (s->cork_len == 0)
		return 0; /* a full segment or more: the stack sends it as it comes */
	/*
	 * The held bytes and what completes their segment, in one piece. The MSS may have
	 * dropped below what is held since (an ICMP fragmentation needed): then nothing is added.
	 */
	take = cork_mss(s) > s->cork_len ? RTE_MIN(total, cork_mss(s) - s->cork_len) : 0;
	if (space < s->cork_len + take)
		take = 0; /* no room: the held bytes alone (they fit), the rest as usual */
	cork_copy(s, msg, take);
	n = cork_give(h, s);
	if (n < 0)
		return 0; /* the connection failed: the caller's send reports it */
	return take;
}

void
sp_sk_cork_flush(struct sp_sock_host *h, struct sp_sk *s)
{
	cork_push(h, s);
}

bool
sp_sk_cork_fin(struct sp_sock_host *h, struct sp_sk *s, enum sp_sk_cork_fin fin)
{
	cork_push(h, s);
	if (s->cork_len == 0)
		return false;
	/*
	 * The send buffer took part (tcp_mem cut it back): the FIN waits behind the rest, which the
	 * driver passes give as the buffer drains; if the connection ends first, they are lost,
	 * counted (tcp_cork_lost). Linux keeps such bytes in the socket's write queue likewise.
	 */
	s->cork_fin = (uint8_t)fin;
	return true;
}

void
sp_sock_cork_expire(struct sp_sock_host *h)
{
	struct sp_sk *s, *next;
	uint64_t now;

	if (TAILQ_EMPTY(&h->corked))
		return;
	now = sp_sock_now_us();
	/*
	 * Oldest first (the list is in holding order, the due ones at its head); each once: a
	 * push may leave bytes held (back at the head), or free a closed socket.
	 */
	for (s = TAILQ_FIRST(&h->corked); s != NULL; s = next) {
		next = TAILQ_NEXT(s, cork_next);
		if (now - s->cork_since_us < SP_SK_CORK_MAX_MS * 1000u)
			break;
		cork_push(h, s);
	}
}

void
sp_sock_cork_end(struct sp_sock_host *h)
{
	struct sp_sk *s;

	while ((s = TAILQ_FIRST(&h->corked)) != NULL) {
		cork_lost(h, s);
		cork_fin(h, s, true);
	}
}

void
sp_sk_cork_drop(struct sp_sock_host *h, struct sp_sk *s)
{
	cork_unlist(h, s);
	free(s->cork_buf);
	s->cork_buf = NULL;
	s->cork_len = 0;
	s->cork_fin = SK_CORK_FIN_NONE;
}
