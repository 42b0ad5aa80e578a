/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data: a TCP socket's received bytes are the mbufs the stack handed over (zero-copy until
 * read(), which copies out of them and releases the window: sp_tcp_recv_done()); a write copies
 * into the send buffer (sp_tcp_send()). UDP keeps up to SP_SK_UDP_QLEN datagrams per socket.
 * The read/write/recv/send family are shapes of recvmsg/sendmsg.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sock.h"
#include "sp_ctx.h"

#define SP_UDP_MAX 65507 /* largest UDP payload over IPv4 */

void
sp_sk_rx_append(struct sp_sk *s, struct rte_mbuf *m)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);

	/* The queue is a list of single segments: the chain's head fields are not kept. */
	s->rx_bytes += m->pkt_len;
	if (s->rx_tstamp != SK_TSTAMP_OFF)
		clock_gettime(CLOCK_REALTIME, &s->rx_ts); /* the latest arrival (SO_TIMESTAMP) */
	if (s->rx_tail != NULL)
		s->rx_tail->next = m;
	else
		s->rx_head = m;
	s->rx_tail = last;
}

void
sp_sk_rx_clear(struct sp_sk *s)
{
	struct rte_mbuf *m = s->rx_head, *next;

	while (m != NULL) {
		next = m->next;
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	s->rx_head = s->rx_tail = NULL;
	s->rx_bytes = 0;
}

/* Copy up to @p len bytes from the queue into @p iov; consume them unless @p peek. */
static size_t
rx_copy(struct sp_sk *s, const struct iovec *iov, size_t iovcnt, size_t len, bool peek)
{
	struct rte_mbuf *m = s->rx_head;
	size_t done = 0, vi = 0, voff = 0;
	uint16_t moff = 0;

	while (m != NULL && done < len && vi < iovcnt) {
		size_t n = RTE_MIN((size_t)(m->data_len - moff), iov[vi].iov_len - voff);

		n = RTE_MIN(n, len - done);
		memcpy((uint8_t *)iov[vi].iov_base + voff,
			rte_pktmbuf_mtod_offset(m, uint8_t *, moff), n);
		done += n;
		voff += n;
		moff = (uint16_t)(moff + n);
		if (voff == iov[vi].iov_len) {
			vi++;
			voff = 0;
		}
		if (moff == m->data_len) {
			struct rte_mbuf *next = m->next;

			if (!peek) {
				m->next = NULL;
				m->nb_segs = 1;
				rte_pktmbuf_free_seg(m);
				s->rx_head = next;
			}
			m = next;
			moff = 0;
		}
	}
	if (!peek) {
		if (moff != 0) {
			m->data_off = (uint16_t)(m->data_off + moff);
			m->data_len = (uint16_t)(m->data_len - moff);
		}
		if (s->rx_head == NULL)
			s->rx_tail = NULL;
		s->rx_bytes -= (uint32_t)done;
	}
	return done;
}

static size_t
iov_total(const struct iovec *iov, size_t n)
{
	size_t t = 0, i;

	for (i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

static bool
tcp_eof(const struct sp_sk *s)
{
	return s->shut_rd || s->peer_fin || s->state == SK_CLOSED;
}

/* Move the cursor (@p v, *@p vs) past @p n bytes. */
static void
iov_advance(struct iovec *v, size_t cnt, size_t *vs, size_t n)
{
	while (n != 0 && *vs < cnt) {
		size_t k = RTE_MIN(n, v[*vs].iov_len);

		v[*vs].iov_base = (uint8_t *)v[*vs].iov_base + k;
		v[*vs].iov_len -= k;
		n -= k;
		if (v[*vs].iov_len == 0)
			(*vs)++;
	}
}

/*
 * The ancillary data of a read: SCM_TIMESTAMP (a timeval) or SCM_TIMESTAMPNS (a timespec) of @p ts
 * when the socket asked (SO_TIMESTAMP, SO_TIMESTAMPNS), else none. msg_controllen is set to what
 * was written; a buffer too small for it gets none and MSG_CTRUNC, as Linux's put_cmsg().
 */
static void
put_tstamp(const struct sp_sk *s, const struct timespec *stamp, struct msghdr *msg)
{
	bool us = s->rx_tstamp == SK_TSTAMP_US;
	const struct timespec *ts = stamp;
	struct timespec now;
	struct timeval tv;
	size_t n = us ? sizeof(tv) : sizeof(*ts);
	struct cmsghdr *cm;

	if (s->rx_tstamp == SK_TSTAMP_OFF) {
		msg->msg_controllen = 0;
		return;
	}
	if (stamp->tv_sec == 0 && stamp->tv_nsec == 0) {
		/* came before the option was set: now, as Linux stamps an unstamped skb on reading */
		clock_gettime(CLOCK_REALTIME, &now);
		ts = &now;
	}
	tv.tv_sec = ts->tv_sec;
	tv.tv_usec = ts->tv_nsec / 1000;
	if (msg->msg_control == NULL || msg->msg_controllen < CMSG_SPACE(n)) {
		msg->msg_flags |= MSG_CTRUNC;
		msg->msg_controllen = 0;
		return;
	}
	cm = CMSG_FIRSTHDR(msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = us ? SCM_TIMESTAMP : SCM_TIMESTAMPNS;
	cm->cmsg_len = CMSG_LEN(n);
	memcpy(CMSG_DATA(cm), us ? (const void *)&tv : (const void *)ts, n);
	msg->msg_controllen = CMSG_SPACE(n);
}

static ssize_t
tcp_recv(struct sp_sock_host *h, struct sp_sk *s, struct msghdr *msg, int flags)
{
	size_t want = iov_total(msg->msg_iov, msg->msg_iovlen), got = 0, n, vs = 0;
	size_t cnt = msg->msg_iovlen;
	bool nb = s->nonblock || (flags & MSG_DONTWAIT), peek = (flags & MSG_PEEK) != 0;
	struct iovec v[cnt > 0 ? cnt : 1];
	int ret;

	if (s->state == SK_NEW || s->state == SK_LISTEN)
		return -ENOTCONN;
	msg->msg_flags = 0;
	if (want == 0)
		return 0;
	memcpy(v, msg->msg_iov, cnt * sizeof(v[0]));
	for (;;) {
		n = rx_copy(s, v + vs, cnt - vs, want - got, peek);
		iov_advance(v, cnt, &vs, n);
		if (n != 0 && !peek && s->conn != NULL)
			sp_tcp_recv_done(s->conn, (uint32_t)n);
		got += n;
		if (got == want || (got != 0 && !(flags & MSG_WAITALL)) || (peek && got != 0))
			break;
		if (s->rx_bytes == 0 && tcp_eof(s)) {
			/* A reset is reported once (ECONNRESET), then reads see the end (0). */
			if (got == 0 && s->so_error != 0)
				return -sp_sk_take_error(s);
			break;
		}
		if (s->so_error != 0 && got == 0)
			return -sp_sk_take_error(s);
		if (nb) {
			if (got == 0)
				return -EAGAIN;
			break;
		}
		ret = sp_sk_wait(h, s, EPOLLIN | EPOLLERR, s->rcvtimeo_us);
		if (ret == -EBADF || (ret != 0 && got == 0))
			return ret;
		if (ret != 0)
			break;
	}
	if (got != 0 && s->conn != NULL)
		sp_sk_tx_queued(h, s, nb); /* a window update may be due */
	if (got != 0)
		put_tstamp(s, &s->rx_ts, msg);
	return (ssize_t)got;
}

/* EPIPE, and SIGPIPE to the calling thread unless MSG_NOSIGNAL (as Linux). */
static ssize_t
epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);
	return -EPIPE;
}

static ssize_t
tcp_send(struct sp_sock_host *h, struct sp_sk *s, const struct msghdr *msg, int flags)
{
	bool nb = s->nonblock || (flags & MSG_DONTWAIT);
	size_t done = 0, vi = 0, voff = 0, total;
	int ret;

	if (s->so_error != 0)
		return -sp_sk_take_error(s);
	if (s->state == SK_CONNECTING) {
		if (nb)
			return -EAGAIN;
		ret = sp_sk_wait(h, s, EPOLLOUT | EPOLLERR, s->sndtimeo_us);
		if (ret != 0)
			return ret;
		if (s->so_error != 0)
			return -sp_sk_take_error(s);
	}
	if (s->shut_wr || s->reset || s->conn == NULL || s->state != SK_CONNECTED)
		return epipe(flags);
	if (s->cork || (flags & MSG_MORE) || s->cork_len != 0) {
		/* cork.c: a partial segment waits; held bytes go with what completes them */
		total = iov_total(msg->msg_iov, msg->msg_iovlen);
		done = sp_sk_cork_send(h, s, msg, total, s->cork || (flags & MSG_MORE));
		for (voff = done; vi < msg->msg_iovlen && voff >= msg->msg_iov[vi].iov_len; vi++)
			voff -= msg->msg_iov[vi].iov_len;
	}
	for (; vi < msg->msg_iovlen; vi++, voff = 0) {
		while (voff < msg->msg_iov[vi].iov_len) {
			ssize_t n = sp_tcp_send(s->conn,
				(const uint8_t *)msg->msg_iov[vi].iov_base + voff,
				msg->msg_iov[vi].iov_len - voff);

			if (n < 0) {
				if (done != 0)
					goto out;
				return n == -EPIPE ? epipe(flags) : n;
			}
			voff += (size_t)n;
			done += (size_t)n;
			if (voff == msg->msg_iov[vi].iov_len)
				break;
			/* the send buffer is full */
			if (nb) {
				if (done == 0)
					return -EAGAIN;
				goto out;
			}
			sp_tx_flush(h->ctx);
			ret = sp_sk_wait(h, s, EPOLLOUT | EPOLLERR, s->sndtimeo_us);
			if (ret == -EBADF)
				return ret;
			if (ret != 0 || s->conn == NULL) {
				if (done != 0)
					goto out;
				if (ret != 0)
					return ret;
				if (s->so_error != 0)
					return -sp_sk_take_error(s);
				return epipe(flags);
			}
		}
	}
out:
	sp_sk_tx_queued(h, s, nb);
	return (ssize_t)done;
}

void
sp_sk_udp_recv(struct sp_ctx *ctx, struct rte_mbuf *m, uint32_t src_ip, uint16_t src_port,
	uint32_t dst_ip, uint16_t dst_port, void *arg)
{
	struct sp_sk *s = arg;
	struct sp_sk_dgram *d;

	/* A connected UDP socket takes datagrams from its peer only. */
	if (s->dq_n == SP_SK_UDP_QLEN || s->shut_rd ||
		(s->state == SK_CONNECTED && (src_ip != s->rip || src_port != s->rport))) {
		s->udp_drops++;
		rte_pktmbuf_free(m);
		return;
	}
	d = &s->dq[(s->dq_head + s->dq_n++) % SP_SK_UDP_QLEN];
	d->m = m;
	d->ip = src_ip;
	d->port = src_port;
	/* Arrival when the stack takes it, as Linux's stamp; 0: stamped when read (put_tstamp()). */
	if (s->rx_tstamp != SK_TSTAMP_OFF)
		clock_gettime(CLOCK_REALTIME, &d->ts);
	else
		d->ts = (struct timespec){0};
	sp_sk_event(s);
}

static ssize_t
udp_recv(struct sp_sock_host *h, struct sp_sk *s, struct msghdr *msg, int flags)
{
	bool nb = s->nonblock || (flags & MSG_DONTWAIT);
	struct sp_sk_dgram *d;
	size_t len, done = 0, vi;
	int ret;

	msg->msg_flags = 0;
	while (s->dq_n == 0) {
		if (s->so_error != 0)
			return -sp_sk_take_error(s);
		if (nb)
			return -EAGAIN;
		ret = sp_sk_wait(h, s, EPOLLIN | EPOLLERR, s->rcvtimeo_us);
		if (ret != 0)
			return ret;
	}
	d = &s->dq[s->dq_head];
	len = d->m->pkt_len;
	for (vi = 0; vi < msg->msg_iovlen && done < len; vi++) {
		size_t n = RTE_MIN(len - done, msg->msg_iov[vi].iov_len);

		const void *p = rte_pktmbuf_read(
			d->m, (uint32_t)done, (uint32_t)n, msg->msg_iov[vi].iov_base);

		if (p != msg->msg_iov[vi].iov_base)
			memcpy(msg->msg_iov[vi].iov_base, p, n);
		done += n;
	}
	if (done < len)
		msg->msg_flags |= MSG_TRUNC;
	if (msg->msg_name != NULL)
		sp_sk_addr_put(s, msg->msg_name, &msg->msg_namelen, d->ip, d->port);
	put_tstamp(s, &d->ts, msg);
	if (!(flags & MSG_PEEK)) {
		rte_pktmbuf_free(d->m);
		s->dq_head = (s->dq_head + 1) % SP_SK_UDP_QLEN;
		s->dq_n--;
	}
	return (ssize_t)((flags & MSG_TRUNC) ? len : done);
}

static ssize_t
udp_send(struct sp_sock_host *h, struct sp_sk *s, const struct msghdr *msg, int flags)
{
	size_t len = iov_total(msg->msg_iov, msg->msg_iovlen), off = 0, vi;
	uint8_t *buf, *tmp = NULL;
	uint32_t ip = s->rip;
	uint16_t port = s->rport;
	int ret;

	if (msg->msg_name != NULL) {
		ret = sp_sk_addr_get(s, msg->msg_name, msg->msg_namelen, &ip, &port);
		if (ret != 0)
			return ret == -EADDRNOTAVAIL ? -ENETUNREACH : ret;
	} else if (s->state != SK_CONNECTED) {
		return -EDESTADDRREQ;
	}
	if (len > SP_UDP_MAX)
		return -EMSGSIZE;
	if (s->shut_wr)
		return epipe(flags);
	if (!s->bound) {
		ret = sp_sk_bind_port(h, s, 0, 0); /* autobind, as Linux */
		if (ret != 0)
			return ret;
	}
	if (msg->msg_iovlen == 1 || len == 0) {
		buf = len != 0 ? msg->msg_iov[0].iov_base : NULL;
	} else {
		tmp = malloc(len);
		if (tmp == NULL)
			return -ENOBUFS;
		for (vi = 0; vi < msg->msg_iovlen; vi++) {
			memcpy(tmp + off, msg->msg_iov[vi].iov_base, msg->msg_iov[vi].iov_len);
			off += msg->msg_iov[vi].iov_len;
		}
		buf = tmp;
	}
	ret = sp_udp_send_ip_tx(h->ctx, s->lip, s->lport, ip, port, buf, len, &s->iptx);
	free(tmp);
	if (ret == -EHOSTUNREACH)
		ret = -ENETUNREACH;
	if (ret != 0)
		return ret;
	sp_sk_tx_queued(h, s, (flags & MSG_DONTWAIT) != 0);
	return (ssize_t)len;
}

/* A msghdr recvmsg/sendmsg can use: 0, -EFAULT (no iovec array) or -EMSGSIZE (too many). */
static int
msg_check(const struct msghdr *msg)
{
	if (msg == NULL || (msg->msg_iovlen != 0 && msg->msg_iov == NULL))
		return -EFAULT;
	if (msg->msg_iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	return 0;
}

ssize_t
sp_recvmsg(struct sp_sock_host *h, int fd, struct msghdr *msg, int flags)
{
	struct sp_sk *s = sp_sk_get(h, fd, "recvmsg");
	ssize_t ret;

	if (s == NULL)
		return -1;
	ret = msg_check(msg);
	if (ret == 0 && s->tcp)
		ret = tcp_recv(h, s, msg, flags);
	else if (ret == 0)
		ret = udp_recv(h, s, msg, flags);
	if (ret >= 0 && s->tcp && msg->msg_name != NULL)
		msg->msg_namelen = 0; /* a stream socket reports no source */
	/* No ancillary data, unless put_tstamp() wrote a stamp (none at the end of a stream). */
	if (ret >= 0 && (s->rx_tstamp == SK_TSTAMP_OFF || (ret == 0 && s->tcp)))
		msg->msg_controllen = 0;
	sp_sk_put(h);
	return ret >= 0 ? ret : SK_ERR((int)-ret);
}

ssize_t
sp_sendmsg(struct sp_sock_host *h, int fd, const struct msghdr *msg, int flags)
{
	struct sp_sk *s = sp_sk_get(h, fd, "sendmsg");
	ssize_t ret;

	if (s == NULL)
		return -1;
	ret = msg_check(msg);
	if (ret == 0 && s->tcp)
		ret = tcp_send(h, s, msg, flags);
	else if (ret == 0)
		ret = udp_send(h, s, msg, flags);
	sp_sk_put(h);
	return ret >= 0 ? ret : SK_ERR((int)-ret);
}

/*
 * recvmmsg(2) and sendmmsg(2) are loops of recvmsg/sendmsg, as in Linux (net/socket.c), with its
 * rules: at most UIO_MAXIOV messages; an error on the first message is the call's, an error
 * after at least one is not reported (the count is); MSG_WAITFORONE makes every receive after
 * the first non-blocking; recvmmsg's timeout is looked at after each message (Linux's
 * documented behaviour: a blocking receive is not cut short by it) and left holding what
 * remains of it.
 */
int
sp_recvmmsg(struct sp_sock_host *h, int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	struct timespec *timeout)
{
	uint64_t end = 0, now;
	unsigned int i;
	ssize_t ret;

	if (timeout != NULL) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000L)
			return SK_ERR(EINVAL);
		end = sp_sock_now_us() + (uint64_t)timeout->tv_sec * 1000000u +
		      (uint64_t)timeout->tv_nsec / 1000u;
	}
	if (vec == NULL && vlen != 0)
		return SK_ERR(EFAULT);
	vlen = RTE_MIN(vlen, (unsigned int)UIO_MAXIOV);
	for (i = 0; i < vlen; i++) {
		ret = sp_recvmsg(h, fd, &vec[i].msg_hdr, flags & ~MSG_WAITFORONE);
		if (ret < 0)
			break;
		vec[i].msg_len = (unsigned int)ret;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (timeout != NULL) {
			now = sp_sock_now_us();
			now = end > now ? end - now : 0; /* what is left */
			timeout->tv_sec = (time_t)(now / 1000000u);
			timeout->tv_nsec = (long)(now % 1000000u) * 1000;
			if (now == 0) {
				i++;
				break;
			}
		}
	}
	return i > 0 ? (int)i : -1;
}

int
sp_sendmmsg(struct sp_sock_host *h, int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	unsigned int i;
	ssize_t ret;

	if (vec == NULL && vlen != 0)
		return SK_ERR(EFAULT);
	vlen = RTE_MIN(vlen, (unsigned int)UIO_MAXIOV);
	for (i = 0; i < vlen; i++) {
		ret = sp_sendmsg(h, fd, &vec[i].msg_hdr, flags);
		if (ret < 0)
			break;
		vec[i].msg_len = (unsigned int)ret;
	}
	return i > 0 || vlen == 0 ? (int)i : -1;
}

ssize_t
sp_recvfrom(struct sp_sock_host *h, int fd, void *buf, size_t len, int flags, struct sockaddr *src,
	socklen_t *srclen)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t ret;

	if (src != NULL && srclen != NULL) {
		msg.msg_name = src;
		msg.msg_namelen = *srclen;
	}
	ret = sp_recvmsg(h, fd, &msg, flags);
	if (ret >= 0 && src != NULL && srclen != NULL)
		*srclen = msg.msg_namelen;
	return ret;
}

ssize_t
sp_sendto(struct sp_sock_host *h, int fd, const void *buf, size_t len, int flags,
	const struct sockaddr *dst, socklen_t dstlen)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	msg.msg_name = (void *)(uintptr_t)dst;
	msg.msg_namelen = dst != NULL ? dstlen : 0;
	return sp_sendmsg(h, fd, &msg, flags);
}

ssize_t
sp_read(struct sp_sock_host *h, int fd, void *buf, size_t len)
{
	return sp_recvfrom(h, fd, buf, len, 0, NULL, NULL);
}

ssize_t
sp_write(struct sp_sock_host *h, int fd, const void *buf, size_t len)
{
	return sp_sendto(h, fd, buf, len, 0, NULL, 0);
}

ssize_t
sp_readv(struct sp_sock_host *h, int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg = {.msg_iov = (struct iovec *)(uintptr_t)iov};

	if (iovcnt < 0) {
		errno = EINVAL;
		return -1;
	}
	msg.msg_iovlen = (size_t)iovcnt;
	return sp_recvmsg(h, fd, &msg, 0);
}

ssize_t
sp_writev(struct sp_sock_host *h, int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg = {.msg_iov = (struct iovec *)(uintptr_t)iov};

	if (iovcnt < 0) {
		errno = EINVAL;
		return -1;
	}
	msg.msg_iovlen = (size_t)iovcnt;
	return sp_sendmsg(h, fd, &msg, 0);
}
