/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sockets: creation, addresses, listen/accept, connect, shutdown, close, readiness of one
 * socket, and the event-core callbacks that move a socket's state (sp_api.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sock.h"
#include "sp_ctx.h"
#include "sp_proto.h"

/* Linux's SOMAXCONN (net.core.somaxconn default since 5.4). */
#define SP_SK_SOMAXCONN 4096

uint32_t
sp_sk_events(const struct sp_sk *s)
{
	uint32_t ev = 0;

	if (s->so_error != 0)
		ev |= EPOLLERR;
	if (!s->tcp) {
		if (s->dq_n != 0)
			ev |= EPOLLIN | EPOLLRDNORM;
		return ev | EPOLLOUT | EPOLLWRNORM;
	}
	switch (s->state) {
	case SK_NEW:
		/* Linux: an unconnected stream socket polls as writable and hung up. */
		return ev | EPOLLOUT | EPOLLWRNORM | EPOLLHUP;
	case SK_LISTEN:
		return ev | (TAILQ_EMPTY(&s->acceptq) ? 0 : EPOLLIN | EPOLLRDNORM);
	case SK_CONNECTING:
		return ev;
	case SK_CONNECTED:
		if (s->rx_bytes != 0 || s->peer_fin || s->shut_rd)
			ev |= EPOLLIN | EPOLLRDNORM;
		if (s->peer_fin)
			ev |= EPOLLRDHUP;
		if (s->peer_fin && s->shut_wr)
			ev |= EPOLLHUP;
		/* After shutdown(SHUT_WR) a write fails at once: writable, as on Linux. */
		if (s->shut_wr || (s->conn != NULL && sp_tcp_send_space(s->conn) > 0))
			ev |= EPOLLOUT | EPOLLWRNORM;
		return ev;
	case SK_CLOSED:
		return ev | EPOLLIN | EPOLLRDNORM | EPOLLRDHUP | EPOLLOUT | EPOLLWRNORM | EPOLLHUP;
	}
	return ev;
}

void
sp_sk_event(struct sp_sk *s)
{
	s->gen++;
}

int
sp_sk_take_error(struct sp_sk *s)
{
	int e = s->so_error;

	s->so_error = 0;
	return e;
}

/* ---- event-core callbacks ---- */

static void
orphan_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	rte_pktmbuf_free(m);
}

/* A closed socket's connection finishes without it. */
static const struct sp_tcp_callbacks orphan_cb = {.recv = orphan_recv};

static void
sk_fill_addrs(struct sp_sk *s)
{
	struct sp_tcp_info ti;

	sp_tcp_get_info(s->conn, &ti);
	s->lip = ti.local_ip;
	s->lport = ti.local_port;
	s->rip = ti.remote_ip;
	s->rport = ti.remote_port;
}

static void
cb_connected(struct sp_conn *c, void *arg)
{
	struct sp_sk *s = arg;

	s->state = SK_CONNECTED;
	sk_fill_addrs(s);
	sp_sk_event(s);
}

static void
cb_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct sp_sk *s = arg;

	if (s->shut_rd) { /* shutdown(SHUT_RD): Linux drops what arrives afterwards */
		sp_tcp_recv_done(c, m->pkt_len);
		rte_pktmbuf_free(m);
		return;
	}
	sp_sk_rx_append(s, m);
	sp_sk_event(s);
}

static void
cb_writable(struct sp_conn *c, void *arg)
{
	sp_sk_event(arg);
}

static void
cb_peer_closed(struct sp_conn *c, void *arg)
{
	struct sp_sk *s = arg;

	s->peer_fin = true;
	sp_sk_event(s);
}

static void
cb_closed(struct sp_conn *c, int err, void *arg)
{
	struct sp_sk *s = arg;

	s->conn = NULL;
	s->state = SK_CLOSED;
	if (err != 0) {
		/* Reported once by the next call (or SO_ERROR); writes then fail with EPIPE. */
		s->so_error = -err;
		s->reset = true;
	}
	sp_sk_event(s);
}

static const struct sp_tcp_callbacks conn_cb = {
	.connected = cb_connected,
	.recv = cb_recv,
	.writable = cb_writable,
	.peer_closed = cb_peer_closed,
	.closed = cb_closed,
};

/*
 * A closed socket whose held bytes still wait for the send buffer (cork.c): what arrives is
 * dropped, the end of the connection is noted (the held bytes are then lost, counted).
 */
static const struct sp_tcp_callbacks held_cb = {.recv = orphan_recv, .closed = cb_closed};

static struct sp_sk *
sk_new(struct sp_sock_host *h, bool tcp)
{
	struct sp_sk *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->h = h;
	s->fd = -1;
	s->tcp = tcp;
	s->gen = 1;
	s->keepintvl = 75;
	s->keepidle = 7200;
	s->keepcnt = 9;
	TAILQ_INIT(&s->acceptq);
	TAILQ_INIT(&s->watchers);
	return s;
}

int
sp_sk_accepted(struct sp_conn *c, struct sp_sk *l)
{
	struct sp_sk *s;

	if (l->n_acceptq >= (unsigned)l->backlog)
		return -1; /* the stack resets it: the accept queue is full */
	s = sk_new(l->h, true);
	if (s == NULL)
		return -1;
	s->state = SK_CONNECTED;
	s->conn = c;
	s->parent = l;
	s->v6 = l->v6;
	s->nodelay = l->nodelay;
	s->keepalive = l->keepalive;
	s->keepidle = l->keepidle;
	s->keepintvl = l->keepintvl;
	s->keepcnt = l->keepcnt;
	s->iptx = l->iptx; /* as Linux's clone of the listener carries tos and uc_ttl */
	s->user_mss = l->user_mss;
	s->cc = l->cc;
	s->linger_on = l->linger_on;
	s->linger_s = l->linger_s;
	s->rcvbuf = l->rcvbuf;
	s->sndbuf = l->sndbuf;
	s->rcvbuf_lock = l->rcvbuf_lock;
	s->sndbuf_lock = l->sndbuf_lock;
	sk_fill_addrs(s);
	sp_tcp_set_callbacks(c, &conn_cb, s);
	/* Bytes count against the window until read(): a slow reader closes the peer's window. */
	sp_tcp_set_recv_flow(c, true);
	sp_sk_apply_opts(s);
	TAILQ_INSERT_TAIL(&l->acceptq, s, aq);
	l->n_acceptq++;
	sp_sk_event(l);
	return 0;
}

/* Listener: a passive connection reached ESTABLISHED; queue it for accept(). */
static int
cb_accepted(struct sp_conn *c, void *arg)
{
	return sp_sk_accepted(c, arg);
}

static const struct sp_tcp_callbacks listen_cb = {.accepted = cb_accepted};

/* ---- lifecycle ---- */

void
sp_sk_release(struct sp_sk *s)
{
	/* a wait still holds it, or cork.c does (its held bytes go first) */
	if (s->refs != 0 || s->cork_fin == SK_CORK_FIN_CLOSE) {
		s->dead = true;
		return;
	}
	free(s->dq);
	free(s);
}

static uint16_t *
port_map(struct sp_sock_host *h, const struct sp_sk *s)
{
	return s->tcp ? h->tcp_ports : h->udp_ports;
}

static void udp_port_leave(struct sp_sock_host *h, struct sp_sk *s);

void
sp_sk_orphan(struct sp_sk *s, bool rst)
{
	struct sp_conn *conn = s->conn;

	s->conn = NULL;
	sp_tcp_set_callbacks(conn, &orphan_cb, NULL);
	if (rst) {
		sp_tcp_abort(conn);
	} else {
		sp_tcp_set_recv_flow(conn, false);
		sp_tcp_close(conn);
	}
}

void
sp_sk_close(struct sp_sock_host *h, struct sp_sk *s)
{
	struct sp_sk *c;
	bool rst;

	sp_ep_sk_gone(h, s);
	if (s->state == SK_LISTEN) {
		if (s->rp != NULL)
			sp_rp_leave(h, s);
		else
			sp_tcp_unlisten(h->ctx, s->lst);
		s->lst = NULL;
		while ((c = TAILQ_FIRST(&s->acceptq)) != NULL) {
			TAILQ_REMOVE(&s->acceptq, c, aq);
			/* never accepted: reset, as Linux's listener close (inet_csk_listen_stop) */
			c->linger_on = true;
			c->linger_s = 0;
			sp_sk_close(h, c);
		}
	}
	/*
	 * SO_LINGER with a zero timeout, or unread data (RFC 2525 2.17, as Linux): RST, and what
	 * is held is discarded with the send buffer. Otherwise FIN after what is queued, held
	 * bytes first: if the send buffer cannot take them all now, cork.c keeps the rest and
	 * @p s, and closes the connection once they are given.
	 */
	rst = (s->linger_on && s->linger_s == 0) || s->rx_bytes != 0;
	if (!rst && s->conn != NULL && sp_sk_cork_fin(h, s, SK_CORK_FIN_CLOSE)) {
		sp_tcp_set_callbacks(s->conn, &held_cb, s);
		sp_tcp_set_recv_flow(s->conn, false);
	} else {
		sp_sk_cork_drop(h, s);
		if (s->conn != NULL)
			sp_sk_orphan(s, rst);
	}
	sp_sk_rx_clear(s);
	if (!s->tcp && s->bound)
		udp_port_leave(h, s);
	while (s->dq_n != 0) {
		rte_pktmbuf_free(s->dq[s->dq_head].m);
		s->dq_head = (s->dq_head + 1) % SP_SK_UDP_QLEN;
		s->dq_n--;
	}
	if (s->bound && s->parent == NULL && port_map(h, s)[s->lport] != 0)
		port_map(h, s)[s->lport]--;
	if (s->bound_rp)
		h->tcp_rp_ports[s->lport]--;
	s->bound = false;
	s->bound_rp = false;
	sp_sk_detach_fd(h, s);
	sp_sk_release(s);
}

int
sp_socket(struct sp_sock_host *h, int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), ret;
	struct sp_sk *s;
	bool tcp;

	if (h == NULL)
		return SK_ERR(ENOSYS);
	if (domain != AF_INET && domain != AF_INET6)
		return SK_ERR(EAFNOSUPPORT);
	if (base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
		tcp = true;
	else if (base == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
		tcp = false;
	else
		return SK_ERR(EPROTONOSUPPORT);
	s = sk_new(h, tcp);
	if (s == NULL)
		return SK_ERR(ENOMEM);
	s->nonblock = (type & SOCK_NONBLOCK) != 0;
	s->cloexec = (type & SOCK_CLOEXEC) != 0;
	s->v6 = domain == AF_INET6;
	if (!tcp) {
		s->dq = calloc(SP_SK_UDP_QLEN, sizeof(s->dq[0]));
		if (s->dq == NULL) {
			free(s);
			return SK_ERR(ENOMEM);
		}
	}
	sp_sock_lock(h);
	ret = sp_sock_mine(h, true) ? sp_sk_attach_fd(h, s) : -EOPNOTSUPP;
	sp_sock_unlock(h);
	if (ret == -EOPNOTSUPP)
		sp_sock_not_mine(h, "socket", -1);
	if (ret != 0) {
		sp_sk_release(s);
		return SK_ERR(-ret);
	}
	return s->fd;
}

/*
 * Addresses. An AF_INET6 socket serves IPv4 only, named by IPv4-mapped IPv6 addresses
 * (RFC 4291 2.5.5.2; RFC 3493 3.7: how a dual-stack socket meets IPv4 peers): a program that
 * listens on :: (node, python3 -m http.server) gets its IPv4 clients as ::ffff:a.b.c.d, as on
 * Linux with IPV6_V6ONLY off. Linux's checks: at least SIN6_LEN_RFC2133 (24) bytes, and a
 * sockaddr_in is taken by UDP (ip6_datagram_connect(), udpv6_sendmsg()), not by TCP.
 */
int
sp_sk_addr_get(const struct sp_sk *s, const struct sockaddr *addr, socklen_t len, uint32_t *ip,
	uint16_t *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;

	if (addr == NULL || len < sizeof(sa_family_t))
		return -EINVAL;
	if (s->v6 && addr->sa_family == AF_INET6) {
		if (len < 24)
			return -EINVAL;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			memcpy(ip, &sin6->sin6_addr.s6_addr[12], 4);
		else if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			*ip = 0;
		else
			return -EADDRNOTAVAIL;
		*ip = ntohl(*ip);
		*port = ntohs(sin6->sin6_port);
		return 0;
	}
	if (addr->sa_family != AF_INET || (s->v6 && s->tcp))
		return -EAFNOSUPPORT;
	if (len < sizeof(*sin))
		return -EINVAL;
	*ip = ntohl(sin->sin_addr.s_addr);
	*port = ntohs(sin->sin_port);
	return 0;
}

void
sp_sk_addr_put(
	const struct sp_sk *s, struct sockaddr *addr, socklen_t *len, uint32_t ip, uint16_t port)
{
	union {
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} u;
	socklen_t n;

	if (addr == NULL || len == NULL)
		return;
	memset(&u, 0, sizeof(u));
	if (s->v6) {
		u.sin6.sin6_family = AF_INET6;
		u.sin6.sin6_port = htons(port);
		if (ip != 0) {
			uint32_t be = htonl(ip);

			u.sin6.sin6_addr.s6_addr[10] = 0xff;
			u.sin6.sin6_addr.s6_addr[11] = 0xff;
			memcpy(&u.sin6.sin6_addr.s6_addr[12], &be, 4);
		}
		n = sizeof(u.sin6);
	} else {
		u.sin.sin_family = AF_INET;
		u.sin.sin_addr.s_addr = htonl(ip);
		u.sin.sin_port = htons(port);
		n = sizeof(u.sin);
	}
	memcpy(addr, &u, *len < n ? *len : n);
	*len = n;
}

/*
 * UDP demultiplexing: the stack's UDP layer has one receiver per port (sp_udp_bind()); the
 * sockets sharing a port (SO_REUSEADDR/SO_REUSEPORT, as iperf3's UDP server binds a fresh
 * socket to its port after connect()ing the first one to the client) hang off that port's
 * list. As Linux: a connected socket whose peer and local address match takes the datagram
 * first; otherwise the newest unconnected socket bound to the destination address or to any.
 */
static void
udp_port_recv(struct sp_ctx *ctx, struct rte_mbuf *m, uint32_t src_ip, uint16_t src_port,
	uint32_t dst_ip, uint16_t dst_port, void *arg)
{
	struct sp_sock_host *h = arg;
	struct sp_sk *s, *best = NULL;

	for (s = h->udp_by_port[dst_port]; s != NULL; s = s->udp_next) {
		if (s->lip != 0 && s->lip != dst_ip)
			continue;
		if (s->state == SK_CONNECTED) {
			if (s->rip == src_ip && s->rport == src_port) {
				best = s;
				break;
			}
		} else if (best == NULL) {
			best = s;
		}
	}
	if (best == NULL) {
		rte_pktmbuf_free(m); /* only connected sockets, none for this peer */
		return;
	}
	sp_sk_udp_recv(ctx, m, src_ip, src_port, dst_ip, dst_port, best);
}

static int
udp_port_join(struct sp_sock_host *h, struct sp_sk *s, uint16_t port)
{
	int ret;

	if (h->udp_by_port[port] == NULL) {
		ret = sp_udp_bind(h->ctx, port, udp_port_recv, h);
		if (ret != 0)
			return ret;
	}
	s->udp_next = h->udp_by_port[port];
	h->udp_by_port[port] = s;
	return 0;
}

static void
udp_port_leave(struct sp_sock_host *h, struct sp_sk *s)
{
	struct sp_sk **pp;

	for (pp = &h->udp_by_port[s->lport]; *pp != NULL; pp = &(*pp)->udp_next)
		if (*pp == s) {
			*pp = s->udp_next;
			break;
		}
	s->udp_next = NULL;
	if (h->udp_by_port[s->lport] == NULL)
		sp_udp_unbind(h->ctx, s->lport);
}

int
sp_sk_bind_port(struct sp_sock_host *h, struct sp_sk *s, uint32_t ip, uint16_t port)
{
	uint16_t *map = port_map(h, s);
	unsigned tries;
	int ret;

	if (port == 0) {
		for (tries = 0; tries < 28232; tries++) {
			port = h->next_eph;
			h->next_eph = h->next_eph >= 60999 ? 32768 : h->next_eph + 1;
			if (map[port] == 0)
				break;
		}
		if (map[port] != 0)
			return -EADDRINUSE;
	} else if (map[port] != 0 &&
		   (s->tcp ? !sp_rp_bind_ok(h, s, port) : !s->reuseport && !s->reuseaddr)) {
		/*
		 * Linux: a UDP port is shared by sockets that all set SO_REUSEADDR or SO_REUSEPORT;
		 * a TCP port by sockets that all set SO_REUSEPORT (reuseport.c)
		 */
		return -EADDRINUSE;
	}
	if (!s->tcp) {
		ret = udp_port_join(h, s, port);
		if (ret != 0)
			return ret;
	}
	map[port]++;
	if (s->tcp && s->reuseport) {
		h->tcp_rp_ports[port]++;
		s->bound_rp = true;
	}
	s->lip = ip;
	s->lport = port;
	s->bound = true;
	return 0;
}

int
sp_bind(struct sp_sock_host *h, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sp_sk *s = sp_sk_get(h, fd, "bind");
	uint32_t ip;
	uint16_t port;
	int ret;

	if (s == NULL)
		return -1;
	ret = sp_sk_addr_get(s, addr, len, &ip, &port);
	if (ret == 0 && (s->bound || s->state != SK_NEW))
		ret = -EINVAL;
	if (ret == 0 && ip != INADDR_ANY && sp_local_port(h->ctx->stack, ip) < 0)
		ret = -EADDRNOTAVAIL;
	if (ret == 0)
		ret = sp_sk_bind_port(h, s, ip, port);
	sp_sk_put(h);
	return ret == 0 ? 0 : SK_ERR(-ret);
}

int
sp_listen(struct sp_sock_host *h, int fd, int backlog)
{
	struct sp_sk *s = sp_sk_get(h, fd, "listen");
	struct sp_listen_opts o;
	int ret = 0;

	if (s == NULL)
		return -1;
	if (backlog <= 0)
		backlog = 1;
	if (backlog > SP_SK_SOMAXCONN)
		backlog = SP_SK_SOMAXCONN;
	if (!s->tcp) {
		ret = -EOPNOTSUPP;
	} else if (s->state == SK_LISTEN) {
		s->backlog = backlog;
	} else if (s->state != SK_NEW) {
		ret = -EINVAL;
	} else {
		if (!s->bound)
			ret = sp_sk_bind_port(h, s, 0, 0);
		if (ret == 0) {
			memset(&o, 0, sizeof(o));
			o.ip = s->lip;
			o.port = s->lport;
			o.cb = &listen_cb;
			o.arg = s;
			o.nodelay = s->nodelay;
			o.cc = s->cc;
			o.rcvbuf = sp_sk_rcvbuf_pin(s);
			o.iptx = s->iptx;
			o.mss = s->user_mss;
			if (s->bound_rp)
				ret = sp_rp_listen(h, s, &o);
			else
				ret = sp_tcp_listen(h->ctx, &o, &s->lst);
		}
		if (ret == 0) {
			s->backlog = backlog;
			s->state = SK_LISTEN;
		}
	}
	sp_sk_put(h);
	return ret == 0 ? 0 : SK_ERR(-ret);
}

int
sp_accept4(struct sp_sock_host *h, int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct sp_sk *s = sp_sk_get(h, fd, "accept"), *c;
	int ret = 0;

	if (s == NULL)
		return -1;
	if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0 || s->state != SK_LISTEN) {
		sp_sk_put(h);
		return SK_ERR(EINVAL);
	}
	if (TAILQ_EMPTY(&s->acceptq)) {
		ret = s->nonblock ? -EAGAIN : sp_sk_wait(h, s, EPOLLIN, s->rcvtimeo_us);
		if (ret == 0 && s->state != SK_LISTEN)
			ret = -EINVAL;
	}
	if (ret != 0) {
		sp_sk_put(h);
		return SK_ERR(-ret);
	}
	c = TAILQ_FIRST(&s->acceptq);
	TAILQ_REMOVE(&s->acceptq, c, aq);
	s->n_acceptq--;
	c->parent = NULL;
	c->nonblock = (flags & SOCK_NONBLOCK) != 0;
	c->cloexec = (flags & SOCK_CLOEXEC) != 0;
	ret = sp_sk_attach_fd(h, c);
	if (ret != 0) {
		sp_sk_close(h, c);
		sp_sk_put(h);
		return SK_ERR(-ret);
	}
	sp_sk_addr_put(c, addr, len, c->rip, c->rport);
	ret = c->fd;
	sp_sk_put(h);
	return ret;
}

static int
tcp_connect(struct sp_sock_host *h, struct sp_sk *s, uint32_t ip, uint16_t port)
{
	struct sp_connect_opts o;
	int ret;

	switch (s->state) {
	case SK_CONNECTING:
		return -EALREADY;
	case SK_CONNECTED:
		return -EISCONN;
	case SK_LISTEN:
		return -EINVAL;
	case SK_CLOSED:
		return s->so_error != 0 ? -sp_sk_take_error(s) : -EISCONN;
	case SK_NEW:
		break;
	}
	memset(&o, 0, sizeof(o));
	o.dst_ip = ip;
	o.dst_port = port;
	o.src_ip = s->lip;
	o.src_port = s->bound ? s->lport : 0;
	o.cb = &conn_cb;
	o.arg = s;
	o.nodelay = s->nodelay;
	o.cc = s->cc;
	o.rcvbuf = sp_sk_rcvbuf_pin(s); /* before the SYN: its window scale is chosen for it */
	o.iptx = s->iptx;
	o.mss = s->user_mss; /* TCP_MAXSEG: the SYN's MSS option and the segments' clamp */
	ret = sp_tcp_connect(h->ctx, &o, &s->conn);
	if (ret != 0)
		return ret == -EHOSTUNREACH ? -ENETUNREACH : ret;
	/* As an accepted socket's: read() releases the window, a reader that does not closes it. */
	sp_tcp_set_recv_flow(s->conn, true);
	s->state = SK_CONNECTING;
	sk_fill_addrs(s);
	sp_sk_apply_opts(s);
	sp_tx_flush(h->ctx); /* the SYN leaves now, not at the next iteration */
	if (s->nonblock)
		return -EINPROGRESS;
	ret = sp_sk_wait(h, s, EPOLLOUT | EPOLLERR, s->sndtimeo_us);
	if (ret == -EAGAIN)
		return -EINPROGRESS;
	if (ret != 0)
		return ret;
	if (s->state == SK_CONNECTED)
		return 0;
	ret = sp_sk_take_error(s);
	return ret != 0 ? -ret : -ECONNREFUSED;
}

int
sp_connect(struct sp_sock_host *h, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sp_sk *s = sp_sk_get(h, fd, "connect");
	uint32_t ip;
	uint16_t port;
	int ret;

	if (s == NULL)
		return -1;
	if (!s->tcp && addr != NULL && len >= sizeof(sa_family_t) && addr->sa_family == AF_UNSPEC) {
		/* UDP: dissolve the association (and the local address connect() chose) */
		s->state = SK_NEW;
		s->rip = 0;
		s->rport = 0;
		if (s->lip_auto)
			s->lip = 0;
		s->lip_auto = false;
		sp_sk_put(h);
		return 0;
	}
	ret = sp_sk_addr_get(s, addr, len, &ip, &port);
	if (ret == -EADDRNOTAVAIL)
		ret = -ENETUNREACH; /* an IPv6 destination: spindle has no IPv6 route */
	if (ret == 0 && s->tcp) {
		ret = tcp_connect(h, s, ip, port);
	} else if (ret == 0) {
		if (!s->bound)
			ret = sp_sk_bind_port(h, s, 0, 0);
		if (ret == 0) {
			s->rip = ip;
			s->rport = port;
			s->state = SK_CONNECTED;
			/*
			 * Bound to any: the source address its datagrams get (sp_ipv4_source())
			 * becomes the local one, as Linux (__ip4_datagram_connect()): getsockname()
			 * names it, and only datagrams to it reach the socket.
			 */
			if (s->lip == 0) {
				s->lip = sp_ipv4_source(h->ctx->stack, ip);
				s->lip_auto = s->lip != 0;
			}
		}
	}
	/* tcp_connect() returns -EBADF when @p s was closed by another thread meanwhile. */
	if (ret != -EBADF)
		sp_sk_put(h);
	else
		sp_sock_unlock(h);
	return ret == 0 ? 0 : SK_ERR(-ret);
}

int
sp_shutdown(struct sp_sock_host *h, int fd, int how)
{
	struct sp_sk *s = sp_sk_get(h, fd, "shutdown");
	int ret = 0;

	if (s == NULL)
		return -1;
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		ret = -EINVAL;
	else if (s->state != SK_CONNECTED && s->state != SK_CLOSED)
		ret = -ENOTCONN;
	if (ret == 0 && (how == SHUT_RD || how == SHUT_RDWR)) {
		s->shut_rd = true;
		if (s->conn != NULL && s->rx_bytes != 0)
			sp_tcp_recv_done(s->conn, s->rx_bytes);
		sp_sk_rx_clear(s);
	}
	if (ret == 0 && (how == SHUT_WR || how == SHUT_RDWR) && !s->shut_wr) {
		s->shut_wr = true;
		/* held bytes go before the FIN: cork.c queues it after them if they must wait */
		if (!sp_sk_cork_fin(h, s, SK_CORK_FIN_SHUT) && s->conn != NULL)
			sp_tcp_shutdown(s->conn);
		sp_sk_tx_queued(h, s, false);
	}
	if (ret == 0)
		sp_sk_event(s);
	sp_sk_put(h);
	return ret == 0 ? 0 : SK_ERR(-ret);
}

int
sp_close(struct sp_sock_host *h, int fd)
{
	struct sp_sk *s;

	if (h == NULL || fd < 0 || (unsigned)fd >= h->max_fd) {
		errno = EBADF;
		return -1;
	}
	sp_sock_lock(h);
	s = h->sk[fd];
	if (s == NULL) {
		sp_sock_unlock(h);
		errno = EBADF;
		return -1;
	}
	if (!sp_sock_mine(h, false)) {
		/* Another process drives the stack: drop this one's descriptor, never touch it. */
		h->sk[fd] = NULL;
		sp_sys_close(fd);
	} else if (!sp_sk_drop_fd(h, s, fd)) {
		/*
		 * The socket's last descriptor. While another thread's call waits on it (a blocked
		 * recvfrom, accept, ...), it stays open until that call returns, as Linux's file
		 * reference keeps it: the call is not cut short with EBADF (iperf -s, whose listener
		 * thread then ran its error path while the main thread exited, and aborted on a
		 * corrupted heap). The number is free at once.
		 */
		if (s->refs > 0) {
			sp_ep_sk_gone(h, s); /* out of epoll sets now: the number may come back */
			sp_sk_detach_fd(h, s);
			s->close_next = h->close_deferred;
			h->close_deferred = s;
		} else {
			bool later = s->nonblock; /* s is freed by sp_sk_close() */

			sp_sk_close(h, s);
			/*
			 * The FIN (or RST) of a non-blocking socket leaves with the loop's next burst,
			 * unless no spindle socket is left open: a program that closed its last one
			 * may never call in again (a client done with its connection).
			 */
			sp_sock_tx_queued(h, later && h->n_sk != 0);
		}
	}
	sp_sock_unlock(h);
	return 0;
}

void
sp_sk_close_deferred(struct sp_sock_host *h, bool all)
{
	struct sp_sk **pp = &h->close_deferred, *s;
	bool closed = false;

	while ((s = *pp) != NULL) {
		if (s->refs > 0 && !all) {
			pp = &s->close_next;
			continue;
		}
		*pp = s->close_next;
		sp_sk_close(h, s);
		closed = true;
	}
	if (closed)
		sp_tx_flush(h->ctx);
}

/*
 * dup() and friends. The new number is the kernel's duplicate of the backing eventfd and maps
 * to the same socket; the socket closes with its last descriptor, as a kernel socket's file
 * does. Onto a number that is another spindle socket (dup2/dup3), that descriptor is closed,
 * atomically as the kernel does: dup3 replaces its eventfd, then the table forgets it.
 */
int
sp_sk_dup(struct sp_sock_host *h, int fd, int fd2, int min, bool cloexec, const char *call)
{
	struct sp_sk *s = sp_sk_get(h, fd, call), *t;
	int ret;

	if (s == NULL)
		return -1;
	ret = sp_sk_dup_fd(h, s, fd, fd2, min, cloexec, &t);
	if (ret >= 0 && t != NULL && t->nfds == 0) {
		/* that number was the last descriptor of another spindle socket */
		sp_sk_close(h, t);
		sp_tx_flush(h->ctx);
	}
	sp_sk_put(h);
	return ret < 0 ? SK_ERR(-ret) : ret;
}

int
sp_dup(struct sp_sock_host *h, int fd)
{
	return sp_sk_dup(h, fd, -1, 0, false, "dup");
}

int
sp_dup3(struct sp_sock_host *h, int fd, int fd2, int flags)
{
	/* Linux's order of checks */
	if ((flags & ~O_CLOEXEC) != 0)
		return SK_ERR(EINVAL);
	if (fd2 < 0)
		return SK_ERR(EBADF);
	if (fd == fd2)
		return SK_ERR(EINVAL);
	return sp_sk_dup(h, fd, fd2, 0, (flags & O_CLOEXEC) != 0, "dup3");
}

int
sp_dup3_kernel(struct sp_sock_host *h, int kfd, int fd2, int flags)
{
	struct sp_sk *t;
	long ret;

	if (h == NULL || fd2 < 0 || (unsigned)fd2 >= h->max_fd)
		return SK_ERR(EBADF);
	sp_sock_lock(h);
	t = h->sk[fd2];
	/* one system call replaces the eventfd: no other thread sees fd2 free in between */
	ret = syscall(SYS_dup3, kfd, fd2, flags);
	if (ret < 0 || t == NULL) {
		sp_sock_unlock(h);
		return (int)ret;
	}
	sp_sk_forget_fd(h, t, fd2);
	if (t->nfds == 0 && sp_sock_mine(h, false)) {
		/* fd2 was the socket's last descriptor: it closes, as close(fd2) would */
		sp_sk_close(h, t);
		sp_tx_flush(h->ctx);
	}
	sp_sock_unlock(h);
	return (int)ret;
}

int
sp_getsockname(struct sp_sock_host *h, int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sp_sk *s = sp_sk_get(h, fd, "getsockname");

	if (s == NULL)
		return -1;
	if (len == NULL) {
		sp_sk_put(h);
		return SK_ERR(EFAULT);
	}
	sp_sk_addr_put(s, addr, len, s->lip, s->lport);
	sp_sk_put(h);
	return 0;
}

int
sp_getpeername(struct sp_sock_host *h, int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sp_sk *s = sp_sk_get(h, fd, "getpeername");
	int ret = 0;

	if (s == NULL)
		return -1;
	if (len == NULL)
		ret = -EFAULT;
	else if (s->state != SK_CONNECTED && !(s->state == SK_CLOSED && s->rport != 0))
		ret = -ENOTCONN;
	else
		sp_sk_addr_put(s, addr, len, s->rip, s->rport);
	sp_sk_put(h);
	return ret == 0 ? 0 : SK_ERR(-ret);
}
