/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP segment builder/reader for the unit tests (header-only on top of sp_test.h): the test
 * plays the peer (T_PEER_IP), the stack is T_OUR_IP. Also the recorder application
 * (struct app, conn_cb, lst_cb) every TCP test installs, and the passive-open fixture
 * (struct fx) of test_tcp_conn.c, test_tcp_data.c, test_tcp_sack.c and test_tcp_timers.c.
 */
#ifndef TCP_HELPER_H
#define TCP_HELPER_H

#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "sp_test.h"
#include "sp_api.h"
#include "wire/sp_wire.h"

#define T_SYN RTE_TCP_SYN_FLAG
#define T_ACK RTE_TCP_ACK_FLAG
#define T_FIN RTE_TCP_FIN_FLAG
#define T_RST RTE_TCP_RST_FLAG
#define T_PSH RTE_TCP_PSH_FLAG

/* Build one segment from the peer (an IPv4 frame). @o may be NULL (no options). */
static inline struct rte_mbuf *
t_seg_mbuf(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
	const struct sp_tcp_opts *o, const void *data, size_t len)
{
	uint8_t buf[12 + 60 + 2048];
	struct sp_tcp_hdr h;
	uint16_t ck;
	int hl;

	memset(&h, 0, sizeof(h));
	h.sport = sport;
	h.dport = dport;
	h.seq = seq;
	h.ack = ack;
	h.flags = flags;
	h.win = win;
	if (o != NULL)
		h.opts = *o;
	hl = sp_tcp_build(buf + 12, &h);
	assert_true(len <= 2048);
	if (len > 0)
		memcpy(buf + 12 + hl, data, len);
	/* Pseudo-header (RFC 9293 3.1). */
	buf[0] = T_PEER_IP >> 24;
	buf[1] = (T_PEER_IP >> 16) & 0xff;
	buf[2] = (T_PEER_IP >> 8) & 0xff;
	buf[3] = T_PEER_IP & 0xff;
	buf[4] = T_OUR_IP >> 24;
	buf[5] = (T_OUR_IP >> 16) & 0xff;
	buf[6] = (T_OUR_IP >> 8) & 0xff;
	buf[7] = T_OUR_IP & 0xff;
	buf[8] = 0;
	buf[9] = IPPROTO_TCP;
	buf[10] = (uint8_t)((hl + len) >> 8);
	buf[11] = (uint8_t)((hl + len) & 0xff);
	ck = sp_test_cksum(buf, 12 + hl + len);
	memcpy(buf + 12 + 16, &ck, 2);
	return sp_test_ipv4(T_PEER_IP, T_OUR_IP, IPPROTO_TCP, buf + 12, hl + len);
}

/* Build and feed one segment from the peer. @o may be NULL (no options). */
static inline void
t_seg(struct sp_test_env *env, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	uint8_t flags, uint16_t win, const struct sp_tcp_opts *o, const void *data, size_t len)
{
	sp_test_input(env, 0, t_seg_mbuf(sport, dport, seq, ack, flags, win, o, data, len));
}

/* A segment the stack sent, parsed. */
struct t_out {
	struct sp_tcp_hdr h;
	uint8_t data[4096];
	size_t len;
	bool cksum_ok;
	uint8_t tos, ttl; /* of its IPv4 header */
};

/* Pop the next captured frame as TCP. @return false if none. */
static inline bool
t_pop(struct sp_test_env *env, struct t_out *out)
{
	uint8_t frame[4200];
	struct rte_mbuf *m;
	struct sp_ipv4 ip;
	size_t n;

	sp_tx_flush(env->ctx); /* frames queued by direct API calls */
	m = sp_test_tx_pop(env, NULL);
	if (m == NULL)
		return false;
	n = sp_test_copy(m, frame, sizeof(frame));
	rte_pktmbuf_free(m);
	assert_true(n >= 14 + 20 + 20);
	assert_int_equal(sp_ipv4_parse(frame + 14, n - 14, &ip), 0);
	assert_int_equal(ip.proto, IPPROTO_TCP);
	assert_int_equal(sp_tcp_parse(frame + 14 + ip.ihl, ip.total_len - ip.ihl, &out->h), 0);
	out->len = ip.total_len - ip.ihl - out->h.doff;
	out->tos = frame[14 + 1];
	out->ttl = frame[14 + 8];
	memcpy(out->data, frame + 14 + ip.ihl + out->h.doff, out->len);
	out->cksum_ok = rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)(frame + 14),
				frame + 14 + ip.ihl) == 0;
	return true;
}

/* Captured frames, after flushing what direct API calls queued. */
static inline unsigned
t_count(struct sp_test_env *env)
{
	sp_tx_flush(env->ctx);
	return sp_test_tx_count(env);
}

/* Pop and require one segment with exactly @flags (PSH ignored). */
static inline void
t_expect(struct sp_test_env *env, struct t_out *out, uint8_t flags)
{
	assert_true(t_pop(env, out));
	assert_true(out->cksum_ok);
	assert_int_equal(out->h.flags & ~T_PSH, flags);
}

/* ---- the application: records every callback ---- */

/*
 * The recorder. The listener's accepted() installs conn_cb with the same struct app; set
 * @refuse to make accepted() refuse the connection, @echo to make recv() send each payload
 * back from inside the callback.
 */
struct app {
	struct sp_conn *c; /* the last accepted or connected one; NULL once it closed */
	int accepted, connected, peer_closed, closed, writable, recvs;
	int closed_err;
	uint8_t rx[65536]; /* every byte received, in order */
	size_t rx_len;
	int refuse;
	int echo;
	int echo_fin;	   /* with echo: then shut down, from inside the callback */
	int echo_split;	   /* with echo: in two sends, then a flush */
	const char *hello; /* sent from connected() when set (a client's request) */
};

static inline void
a_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct app *a = arg;
	size_t n = sp_test_copy(m, a->rx + a->rx_len, sizeof(a->rx) - a->rx_len);

	if (a->echo && a->echo_split && n > 1) {
		sp_tcp_send(c, a->rx + a->rx_len, 1);
		sp_tcp_send(c, a->rx + a->rx_len + 1, n - 1);
		sp_tcp_flush(c);
	} else if (a->echo) {
		sp_tcp_send(c, a->rx + a->rx_len, n);
	}
	if (a->echo && a->echo_fin)
		sp_tcp_shutdown(c);
	a->rx_len += n;
	a->recvs++;
	rte_pktmbuf_free(m);
}

static inline void
a_peer_closed(struct sp_conn *c, void *arg)
{
	(void)c;
	((struct app *)arg)->peer_closed++;
}

static inline void
a_closed(struct sp_conn *c, int err, void *arg)
{
	struct app *a = arg;

	(void)c;
	a->closed++;
	a->closed_err = err;
	a->c = NULL;
}

static inline void
a_writable(struct sp_conn *c, void *arg)
{
	(void)c;
	((struct app *)arg)->writable++;
}

static inline void
a_connected(struct sp_conn *c, void *arg)
{
	struct app *a = arg;

	a->connected++;
	a->c = c;
	if (a->hello != NULL)
		sp_tcp_send(c, a->hello, strlen(a->hello));
}

static const struct sp_tcp_callbacks conn_cb = {
	.recv = a_recv,
	.peer_closed = a_peer_closed,
	.closed = a_closed,
	.writable = a_writable,
	.connected = a_connected,
};

static inline int
a_accepted(struct sp_conn *c, void *arg)
{
	struct app *a = arg;

	a->accepted++;
	a->c = c;
	if (a->refuse)
		return -1;
	sp_tcp_set_callbacks(c, &conn_cb, a);
	return 0;
}

static const struct sp_tcp_callbacks lst_cb = {.accepted = a_accepted};

/* ---- fixture: a listener on T_LPORT, the test is the peer on T_RPORT ---- */

#define T_LPORT 80
#define T_RPORT 40000
#define T_PISN	1000u /* the peer's usual ISN */

struct fx {
	struct sp_test_env *env;
	struct app app;
	struct sp_listener *l;
	uint32_t iss;  /* ours */
	uint32_t pseq; /* peer's next sequence */
};

/* A stack with @cfg (NULL: defaults; at most 64 connections) listening with @backlog. */
static inline struct fx *
fx_new(struct sp_config *cfg, uint32_t backlog)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sp_listen_opts lo = {.port = T_LPORT, .cb = &lst_cb, .backlog = backlog};
	struct sp_config def;

	assert_non_null(f);
	if (cfg == NULL) {
		sp_test_default_cfg(&def);
		cfg = &def;
	}
	if (cfg->tcp.max_connections > 64)
		cfg->tcp.max_connections = 64;
	f->env = sp_test_env_new(cfg);
	lo.arg = &f->app;
	assert_int_equal(sp_tcp_listen(f->env->ctx, &lo, &f->l), 0);
	return f;
}

static inline void
fx_free(struct fx *f)
{
	sp_test_tx_clear(f->env);
	sp_test_env_free(f->env);
	free(f);
}

/*
 * Handshake, the peer's SYN carrying @so (NULL: no options), its ACK none; leaves the
 * connection ESTABLISHED and accepted, nothing left in the capture.
 */
static inline void
fx_open_opts(struct fx *f, uint32_t peer_isn, const struct sp_tcp_opts *so)
{
	struct t_out o;

	t_seg(f->env, T_RPORT, T_LPORT, peer_isn, 0, T_SYN, 65535, so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, peer_isn + 1);
	f->iss = o.h.seq;
	f->pseq = peer_isn + 1;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(f->app.accepted, 1);
	assert_int_equal(t_count(f->env), 0);
}

/* Handshake with no options. */
static inline void
fx_open(struct fx *f, uint32_t peer_isn)
{
	fx_open_opts(f, peer_isn, NULL);
}

#endif
