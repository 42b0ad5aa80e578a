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
 * the flush always fits (nothing else writes to the connection in between).
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

static void
cork_unlist(struct sp_sock_host *h, struct sp_sk *s)
{
	if (s->cork_listed) {
		TAILQ_REMOVE(&h->corked, s, cork_next);
		s->cork_listed = false;
	}
}

/*
 * The held bytes to the stack. Its send buffer can take fewer than was reserved for them when
 * memory pressure cut it back since (tcp_mem): the rest stays held, in order, and goes at the
 * next write, flush or driver pass (the socket stays on the list). @return sp_tcp_send()'s.
 */
static ssize_t
cork_give(struct sp_sock_host *h, struct sp_sk *s)
{
	ssize_t n = sp_tcp_send(s->conn, s->cork_buf, s->cork_len);

	if (n < 0 || (size_t)n >= s->cork_len) {
		s->cork_len = 0;
		cork_unlist(h, s);
		return n;
	}
	memmove(s->cork_buf, s->cork_buf + n, s->cork_len - (size_t)n);
	s->cork_len -= (uint16_t)n;
	cork_unlist(h, s);
	s->cork_since_us = 0; /* due: every driver pass tries again, first */
	TAILQ_INSERT_HEAD(&h->corked, s, cork_next);
	s->cork_listed = true;
	return n;
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
		if (s->cork_len == 0) {
			s->cork_since_us = sp_sock_now_us();
			TAILQ_INSERT_TAIL(&h->corked, s, cork_next);
			s->cork_listed = true;
		}
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
	if (s->cork_len != 0 && s->conn != NULL)
		(void)cork_give(h, s);
	if (s->conn == NULL) {
		s->cork_len = 0;
		cork_unlist(h, s);
	}
	if (s->conn != NULL)
		sp_tcp_flush(s->conn);
}

void
sp_sock_cork_expire(struct sp_sock_host *h)
{
	struct sp_sk *s, *next;
	uint64_t now;

	if (TAILQ_EMPTY(&h->corked))
		return;
	now = sp_sock_now_us();
	/* oldest first (the list is in holding order); each once: a flush may leave bytes held */
	for (s = TAILQ_FIRST(&h->corked); s != NULL; s = next) {
		next = TAILQ_NEXT(s, cork_next);
		if (now - s->cork_since_us < SP_SK_CORK_MAX_MS * 1000u)
			break;
		sp_sk_cork_flush(h, s);
	}
}

void
sp_sk_cork_drop(struct sp_sock_host *h, struct sp_sk *s)
{
	cork_unlist(h, s);
	free(s->cork_buf);
	s->cork_buf = NULL;
	s->cork_len = 0;
}
