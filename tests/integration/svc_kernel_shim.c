/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in services over Linux sockets: an implementation of the TCP part of sp_api.h on
 * top of non-blocking kernel sockets and epoll, so that the files of app/spindle/services run unchanged
 * against real clients (curl, wrk, nc) and servers, independently of spindle's own TCP. It checks
 * the services' protocol behaviour; test_tcp_*.sh check the same services on spindle's stack.
 *
 *   svc_kernel_shim TYPE [key=value ...]     keys: name address port url output connections
 *                                             duration_ms bytes mode request_size response_size
 *
 * Semantics kept from sp_api.h: callbacks from the loop, recv hands over an mbuf chain,
 * sp_tcp_send() returns what the kernel buffer took and writable follows, send_mbuf is
 * all-or-nothing (the shim holds at most one partly written chain), closed is the last callback.
 * Servers run until SIGTERM/SIGINT; clients until done (exit status = the service's status).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <rte_eal.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "service.h"
#include "sp_ctx.h" /* the context is filled in here; its accessors: lib/core/ctx_read.c */

int sp_logtype_app;

enum obj_kind { OBJ_LISTENER, OBJ_CONN };

struct sp_listener {
	enum obj_kind kind;
	int fd;
	struct sp_listen_opts o;
};

struct sp_conn {
	enum obj_kind kind;
	int fd;
	const struct sp_tcp_callbacks *cb;
	void *arg;
	bool connecting;
	bool rd_eof;  /* the peer's FIN was read */
	bool wr_req;  /* shutdown asked */
	bool wr_done; /* shutdown(SHUT_WR) done */
	bool closing; /* sp_tcp_close(): no more recv */
	bool gone;
	bool full;     /* a send was refused or cut short: writable owed */
	uint8_t *pend; /* unwritten tail of the last send_mbuf chain */
	size_t pend_len, pend_off;
	struct sp_conn *next_dead;
};

static int epfd = -1;
static struct rte_mempool *pool;
static struct sp_conn *dead;
static volatile sig_atomic_t quit;

static void
ep_mod(struct sp_conn *c)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};

	if (c->connecting || c->full || c->pend_len > c->pend_off)
		ev.events |= EPOLLOUT;
	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
conn_gone(struct sp_conn *c, int err)
{
	if (c->gone)
		return;
	c->gone = true;
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->pend);
	c->pend = NULL;
	c->next_dead = dead;
	dead = c;
	if (c->cb != NULL && c->cb->closed != NULL)
		c->cb->closed(c, err, c->arg);
}

static struct sp_conn *
conn_new(int fd, const struct sp_tcp_callbacks *cb, void *arg)
{
	struct sp_conn *c = calloc(1, sizeof(*c));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};
	int one = 1;

	if (c == NULL)
		return NULL;
	c->kind = OBJ_CONN;
	c->fd = fd;
	c->cb = cb;
	c->arg = arg;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.data.ptr = c;
	epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	return c;
}

/* ------------------------------------------------------------------ sp_api.h (TCP) */

int
sp_tcp_listen(struct sp_ctx *ctx, const struct sp_listen_opts *o, struct sp_listener **out)
{
	struct sp_listener *l = calloc(1, sizeof(*l));
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct epoll_event ev = {.events = EPOLLIN};
	int one = 1;

	(void)ctx;
	if (l == NULL)
		return -ENOMEM;
	l->kind = OBJ_LISTENER;
	l->o = *o;
	l->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(o->ip);
	sa.sin_port = htons(o->port);
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(l->fd, 4096) != 0) {
		int e = -errno;

		close(l->fd);
		free(l);
		return e;
	}
	ev.data.ptr = l;
	epoll_ctl(epfd, EPOLL_CTL_ADD, l->fd, &ev);
	*out = l;
	return 0;
}

void
sp_tcp_unlisten(struct sp_ctx *ctx, struct sp_listener *l)
{
	(void)ctx;
	epoll_ctl(epfd, EPOLL_CTL_DEL, l->fd, NULL);
	close(l->fd);
	free(l);
}

int
sp_tcp_connect(struct sp_ctx *ctx, const struct sp_connect_opts *o, struct sp_conn **out)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct sp_conn *c;
	int fd;

	(void)ctx;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	sa.sin_addr.s_addr = htonl(o->dst_ip);
	sa.sin_port = htons(o->dst_port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
		int e = -errno;

		close(fd);
		return e == -ENETUNREACH ? -EHOSTUNREACH : e;
	}
	c = conn_new(fd, o->cb, o->arg);
	if (c == NULL) {
		close(fd);
		return -ENOMEM;
	}
	c->connecting = true;
	ep_mod(c);
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

static void
flush_pend(struct sp_conn *c)
{
	ssize_t n;

	while (c->pend_off < c->pend_len) {
		n = send(c->fd, c->pend + c->pend_off, c->pend_len - c->pend_off,
			MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			return;
		c->pend_off += (size_t)n;
	}
	free(c->pend);
	c->pend = NULL;
	c->pend_len = c->pend_off = 0;
	if (c->wr_req && !c->wr_done) {
		shutdown(c->fd, SHUT_WR);
		c->wr_done = true;
	}
}

ssize_t
sp_tcp_send(struct sp_conn *c, const void *buf, size_t len)
{
	ssize_t n;

	if (c->gone || c->wr_req)
		return -EPIPE;
	if (c->pend != NULL || len == 0) {
		c->full = c->pend != NULL;
		ep_mod(c);
		return 0;
	}
	n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN)
			return -EPIPE;
		n = 0;
	}
	if ((size_t)n < len) {
		c->full = true;
		ep_mod(c);
	}
	return n;
}

int
sp_tcp_send_mbuf(struct sp_conn *c, struct rte_mbuf *m)
{
	struct iovec iov[64];
	struct rte_mbuf *s;
	size_t total = m->pkt_len, done, off;
	ssize_t n;
	int k = 0;

	if (c->gone || c->wr_req)
		return -EPIPE;
	if (c->pend != NULL) {
		c->full = true;
		ep_mod(c);
		return -ENOBUFS;
	}
	for (s = m; s != NULL && k < 64; s = s->next, k++) {
		iov[k].iov_base = rte_pktmbuf_mtod(s, void *);
		iov[k].iov_len = s->data_len;
	}
	n = writev(c->fd, iov, k);
	done = n > 0 ? (size_t)n : 0;
	if (done < total) {
		/* keep the tail: all-or-nothing toward the caller */
		c->pend = malloc(total - done);
		if (c->pend == NULL)
			return -ENOBUFS;
		off = 0;
		for (s = m; s != NULL; s = s->next) {
			size_t a = off, b = off + s->data_len;

			if (b > done) {
				size_t from = a > done ? 0 : done - a;

				memcpy(c->pend + (a + from - done),
					rte_pktmbuf_mtod_offset(s, char *, from),
					s->data_len - from);
			}
			off = b;
		}
		c->pend_len = total - done;
		c->pend_off = 0;
		ep_mod(c);
	}
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
	/* The kernel does not say how much a send would take; a held tail means none. */
	return c->pend != NULL ? 0 : 65536;
}

void
sp_tcp_flush(struct sp_conn *c)
{
	(void)c;
}

void
sp_tcp_set_nodelay(struct sp_conn *c, bool on)
{
	int v = on;

	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v));
}

int
sp_tcp_shutdown(struct sp_conn *c)
{
	if (c->gone)
		return -ENOTCONN;
	c->wr_req = true;
	if (c->pend == NULL && !c->wr_done) {
		shutdown(c->fd, SHUT_WR);
		c->wr_done = true;
	}
	return 0;
}

int
sp_tcp_close(struct sp_conn *c)
{
	sp_tcp_shutdown(c);
	c->closing = true;
	return 0;
}

void
sp_tcp_abort(struct sp_conn *c)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	if (c->gone)
		return;
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_gone(c, -ECONNABORTED);
}

void
sp_tcp_get_info(const struct sp_conn *c, struct sp_tcp_info *info)
{
	(void)c;
	memset(info, 0, sizeof(*info));
	info->state = "?";
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
	return "shim";
}

/* ------------------------------------------------------------------ the loop */

static void
on_listener(struct sp_listener *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK);
		struct sp_conn *c;

		if (fd < 0)
			return;
		c = conn_new(fd, NULL, NULL);
		if (c == NULL) {
			close(fd);
			continue;
		}
		if (l->o.cb->accepted(c, l->o.arg) != 0)
			sp_tcp_abort(c);
	}
}

static void
on_conn(struct sp_conn *c, uint32_t events)
{
	if (c->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int err = 0;
		socklen_t l = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		c->connecting = false;
		if (err != 0) {
			conn_gone(c, err == ECONNREFUSED ? -ECONNREFUSED : -ETIMEDOUT);
			return;
		}
		ep_mod(c);
		if (c->cb->connected != NULL)
			c->cb->connected(c, c->arg);
		if (c->gone)
			return;
	}
	if (events & EPOLLOUT) {
		flush_pend(c);
		if (c->pend == NULL && c->full) {
			c->full = false;
			ep_mod(c);
			if (c->cb->writable != NULL)
				c->cb->writable(c, c->arg);
			if (c->gone)
				return;
		}
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		for (;;) {
			struct rte_mbuf *head = NULL, *tail = NULL;
			uint8_t buf[65536];
			ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
			size_t off = 0;

			if (n < 0) {
				if (errno == EAGAIN)
					break;
				conn_gone(c, errno == ECONNRESET ? -ECONNRESET : -ECONNABORTED);
				return;
			}
			if (n == 0) {
				if (!c->rd_eof) {
					c->rd_eof = true;
					if (!c->closing && c->cb->peer_closed != NULL)
						c->cb->peer_closed(c, c->arg);
					if (c->gone)
						return;
				}
				break;
			}
			if (c->closing)
				continue;
			while (off < (size_t)n) {
				struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
				size_t k = (size_t)n - off;
				char *p;

				if (m == NULL) {
					rte_pktmbuf_free(head);
					sp_tcp_abort(c);
					return;
				}
				if (k > rte_pktmbuf_tailroom(m))
					k = rte_pktmbuf_tailroom(m);
				p = rte_pktmbuf_append(m, (uint16_t)k);
				memcpy(p, buf + off, k);
				off += k;
				if (head == NULL) {
					head = m;
				} else {
					tail->next = m;
					head->nb_segs++;
					head->pkt_len += m->data_len;
				}
				tail = m;
			}
			c->cb->recv(c, head, c->arg);
			if (c->gone)
				return;
		}
	}
	/* both directions finished: the connection is over */
	if (c->rd_eof && c->wr_done && c->pend == NULL)
		conn_gone(c, 0);
}

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/*
 * The service's section from "key=value" arguments, read by the services' own parser (the same
 * keys, defaults and checks as in a config file; no ports to check addresses against).
 * "name=" names the section, which is otherwise the type.
 */
static int
build_cfg(int argc, char **argv, struct sp_service_cfg *cfg)
{
	static struct sp_service_section sec;
	char err[512];
	int i;

	snprintf(sec.name, sizeof(sec.name), "%s", argv[1]);
	for (i = 1; i < argc; i++) {
		const char *v = i == 1 ? NULL : strchr(argv[i], '=');
		struct sp_config_kv *kv = &sec.keys[sec.n_keys];

		if (i > 1 && strncmp(argv[i], "name=", 5) == 0) {
			snprintf(sec.name, sizeof(sec.name), "%s", argv[i] + 5);
			continue;
		}
		if (i > 1 &&
			(v == NULL || v == argv[i] || (size_t)(v - argv[i]) >= sizeof(kv->key) ||
				sec.n_keys == SP_MAX_SERVICE_KEYS)) {
			fprintf(stderr, "bad key=value: %s\n", argv[i]);
			return -1;
		}
		if (i == 1) { /* the type */
			snprintf(kv->key, sizeof(kv->key), "type");
			snprintf(kv->value, sizeof(kv->value), "%s", argv[1]);
		} else {
			snprintf(kv->key, sizeof(kv->key), "%.*s", (int)(v - argv[i]), argv[i]);
			snprintf(kv->value, sizeof(kv->value), "%s", v + 1);
		}
		kv->line = (unsigned)i;
		sec.n_keys++;
	}
	if (sp_service_parse(NULL, &sec, false, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char *eal[] = {argv[0], "--no-huge", "--no-pci", "--no-shconf", "-m", "256",
		"--no-telemetry", "--log-level=lib.eal:error", "-l", "0", NULL};
	static struct sp_ctx ctx;
	const struct sp_service_ops *ops;
	struct sp_service_cfg cfg;
	void *st = NULL;
	int ret, status = 0;

	if (argc < 2 || (ops = sp_service_find(argv[1])) == NULL) {
		fprintf(stderr,
			"usage: %s echo|discard|chargen|http|fetch|loadgen [key=value ...]\n",
			argv[0]);
		return 2;
	}
	if (build_cfg(argc, argv, &cfg) != 0)
		return 2;
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create(
		"shim", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	epfd = epoll_create1(0);
	if (pool == NULL || epfd < 0)
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	ctx.hz = rte_get_tsc_hz();
	ctx.now = rte_rdtsc();
	ctx.pool = pool;
	ret = ops->start(&ctx, &cfg, &st);
	if (ret != 0) {
		fprintf(stderr, "start: %s\n", strerror(-ret));
		return 1;
	}
	printf("svc_kernel_shim: %s started\n", argv[1]);
	fflush(stdout);
	while (!quit) {
		struct epoll_event ev[256];
		int n = epoll_wait(epfd, ev, 256, 5), k;

		for (k = 0; k < n; k++) {
			if (*(enum obj_kind *)ev[k].data.ptr == OBJ_LISTENER)
				on_listener(ev[k].data.ptr);
		}
		for (k = 0; k < n; k++) {
			struct sp_conn *c = ev[k].data.ptr;

			if (c->kind == OBJ_CONN && !c->gone)
				on_conn(c, ev[k].events);
		}
		ctx.now = rte_rdtsc();
		if (ops->poll != NULL)
			ops->poll(&ctx, st);
		while (dead != NULL) {
			struct sp_conn *d = dead;

			dead = d->next_dead;
			free(d);
		}
		if (ops->client && ops->done(st))
			break;
	}
	if (ops->client)
		status = ops->status(st);
	ops->stop(&ctx, st);
	if (rte_mempool_in_use_count(pool) != 0) {
		fprintf(stderr, "svc_kernel_shim: %u mbufs not returned\n",
			rte_mempool_in_use_count(pool));
		status = 1;
	} else {
		printf("svc_kernel_shim: mbufs: all returned\n");
	}
	fflush(stdout);
	return status;
}
