/* SPDX-License-Identifier: BSD-3-Clause */
/* The TCP part of the application API (sp_api.h). */
#include <errno.h>
#include <string.h>

#include <rte_tcp.h>

#include "tcp.h"
#include "tcp_isn.h"
#include "tcp_steer.h"

/*
 * Tuple @p k for an active open: free, or held only by our own TIME-WAIT entry that may be
 * reused (sp_tcp_tw_reuse_active() drops it and sets *min_iss; *reused is then set). 0 when
 * the tuple is ours now, -EADDRINUSE otherwise.
 */
static int
tuple_take(struct sp_ctx *ctx, const struct sp_tcp_key *k, sp_seq_t *min_iss, bool *reused)
{
	if (sp_tcp_conn_lookup(ctx, k) != NULL)
		return -EADDRINUSE;
	if (sp_tcp_tw_lookup(ctx, k) == NULL)
		return 0;
	if (!sp_tcp_tw_reuse_active(ctx, k, min_iss))
		return -EADDRINUSE;
	*reused = true;
	return 0;
}

/*
 * A free ephemeral port for @p base on stack port @p port whose connection this lcore owns
 * (tcp_steer.h): with predictable RSS the reply's Toeplitz hash lands on this lcore's queue;
 * otherwise the port is one of this worker's share of the range (port % n_workers). With one
 * worker every free port qualifies. A port held only by our own TIME-WAIT entry qualifies
 * when that entry may be reused (sp_tcp_tw_reuse_active(); *min_iss is then set). 0 when none
 * is left.
 */
static uint16_t
pick_port(struct sp_ctx *ctx, const struct sp_tcp_key *base, uint16_t port, sp_seq_t *min_iss,
	bool *reused)
{
	struct sp_tcp *t = ctx->tcp;
	unsigned n = SP_TCP_EPH_HI - SP_TCP_EPH_LO + 1, i;
	struct sp_tcp_key k = *base;

	for (i = 0; i < n; i++) {
		uint16_t p = t->next_eph;
		int owner;

		t->next_eph = p >= SP_TCP_EPH_HI ? SP_TCP_EPH_LO : (uint16_t)(p + 1);
		owner = sp_tcp_steer_owner(ctx->stack, port, k.lip, p, k.rip, k.rport);
		if (owner >= 0 && (unsigned)owner != ctx->worker)
			continue;
		k.lport = p;
		if (sp_tcp_listener_find(ctx, k.lip, p) == NULL &&
			tuple_take(ctx, &k, min_iss, reused) == 0)
			return p;
	}
	return 0;
}

int
sp_tcp_connect(struct sp_ctx *ctx, const struct sp_connect_opts *o, struct sp_conn **out)
{
	const struct sp_stack *st = ctx->stack;
	struct sp_nexthop nh;
	struct sp_tcp_key k;
	struct sp_conn *c;
	sp_seq_t min_iss = 0;
	bool reused = false;

	if (o == NULL || out == NULL || o->dst_ip == 0 || o->dst_port == 0 ||
		(o->mss != 0 && o->mss < SP_TCP_MIN_USER_MSS))
		return -EINVAL;
	if (sp_route_lookup(st, o->dst_ip, &nh) < 0)
		return -EHOSTUNREACH;
	memset(&k, 0, sizeof(k));
	k.rip = o->dst_ip;
	k.rport = o->dst_port;
	/* Unbound: the source address the route's datagrams get (RFC 1122 3.3.4.3), as UDP. */
	k.lip = o->src_ip != 0 ? o->src_ip : sp_ipv4_nexthop_source(st, &nh, o->dst_ip);
	if (o->src_port != 0) {
		k.lport = o->src_port;
		if (tuple_take(ctx, &k, &min_iss, &reused) != 0)
			return -EADDRINUSE;
	} else {
		k.lport = pick_port(ctx, &k, nh.port, &min_iss, &reused);
		if (k.lport == 0)
			return -EADDRNOTAVAIL;
	}
	c = sp_tcp_conn_new(ctx, &k, nh.port, o->rcvbuf, o->mss);
	if (c == NULL)
		return -ENOBUFS;
	if (o->cc != NULL) {
		const struct sp_tcp_cc_ops *cc = sp_tcp_cc_find(o->cc);

		if (cc != NULL)
			c->cc_ops = cc;
	}
	if (o->nodelay)
		c->flags |= TF_NODELAY;
	c->iptx = o->iptx;
	c->cb = o->cb != NULL ? *o->cb : (struct sp_tcp_callbacks){0};
	c->arg = o->arg;
	c->flags |= TF_ACCEPTED;
	c->iss = sp_tcp_isn(st, k.lip, k.lport, k.rip, k.rport, ctx->now);
	if (reused)
		c->iss =
			min_iss; /* past the old connection's sequence space (Linux does the same) */
	c->snd_una = c->iss;
	c->snd_max = c->iss;
	c->sb_seq = c->iss + 1;
	c->rtt_timing = true;
	c->rtt_seq = c->iss;
	c->rtt_start = ctx->now;
	sp_tcp_set_state(c, SP_TCP_SYN_SENT);
	TCP_STAT(c, ActiveOpens);
	sp_tcp_send_syn(c);
	*out = c;
	return 0;
}

void
sp_tcp_set_callbacks(struct sp_conn *c, const struct sp_tcp_callbacks *cb, void *arg)
{
	c->cb = cb != NULL ? *cb : (struct sp_tcp_callbacks){0};
	c->arg = arg;
}

void *
sp_tcp_get_arg(const struct sp_conn *c)
{
	return c->arg;
}

static int
can_send(const struct sp_conn *c)
{
	if (c->freed)
		return -ENOTCONN;
	if (c->flags & TF_FIN_QUEUED)
		return -EPIPE;
	switch (c->state) {
	case SP_TCP_SYN_SENT:
	case SP_TCP_SYN_RECEIVED:
	case SP_TCP_ESTABLISHED:
	case SP_TCP_CLOSE_WAIT:
		return 0;
	default:
		return -ENOTCONN;
	}
}

size_t
sp_tcp_send_space(const struct sp_conn *c)
{
	size_t space;

	if (can_send(c) < 0 || c->sb_len >= c->sndbuf)
		return 0;
	space = c->sndbuf - c->sb_len;
	/* Memory short (tcp_mem.c): only what fits in the tail copy buffer. */
	if (!sp_tcp_mem_may_charge(c, 1))
		space = RTE_MIN(space, (c->flags & TF_SB_OURS) && c->sb_tail != NULL
					       ? (size_t)rte_pktmbuf_tailroom(c->sb_tail)
					       : 0);
	return space;
}

/*
 * Inside the recv callback (TF_OUT_HOLD) output waits until the callback returns
 * (sp_tcp_out_release()): what it sends, a flush and a shutdown leave together, a response and
 * its FIN in one segment, a header and its body sent apart in full-sized ones. @return true
 * when held (@p due noted).
 */
static bool
out_held(struct sp_conn *c, uint32_t due)
{
	if (!(c->flags & TF_OUT_HOLD))
		return false;
	c->flags |= due;
	return true;
}

void
sp_tcp_out_release(struct sp_conn *c)
{
	uint32_t f = c->flags;

	c->flags &= ~(TF_OUT_HOLD | TF_OUT_DUE | TF_OUT_PUSH);
	if (c->freed || !(f & TF_OUT_DUE))
		return;
	/* A flush pushes past Nagle for this output only (sp_tcp_flush()). */
	if (f & TF_OUT_PUSH)
		c->flags |= TF_NODELAY;
	sp_tcp_output(c);
	c->flags = (c->flags & ~TF_NODELAY) | (f & TF_NODELAY);
}

static void
kick(struct sp_conn *c)
{
	if (c->state != SP_TCP_SYN_SENT && c->state != SP_TCP_SYN_RECEIVED &&
		!out_held(c, TF_OUT_DUE))
		sp_tcp_output(c);
}

ssize_t
sp_tcp_send(struct sp_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t space, want, done = 0;
	int r = can_send(c);

	if (r < 0)
		return r;
	space = sp_tcp_send_space(c);
	want = len;
	if (len > space)
		len = space;
	/* Fill the tail copy buffer first: many small sends must not cost one mbuf each. */
	if ((c->flags & TF_SB_OURS) && c->sb_tail != NULL && len > 0) {
		struct rte_mbuf *t = c->sb_tail;
		size_t n = RTE_MIN(len, (size_t)rte_pktmbuf_tailroom(t));

		if (n > 0) {
			memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len), p, n);
			t->data_len += (uint16_t)n;
			t->pkt_len = t->data_len;
			c->sb_len += (uint32_t)n;
			done = n;
		}
	}
	while (done < len) {
		struct rte_mbuf *m;
		size_t n;

		if (!sp_tcp_mem_charge(c, SP_TCP_MEM_SND, 1)) {
			sp_tcp_mem_wait(c);
			break;
		}
		m = rte_pktmbuf_alloc(c->ctx->pool);
		if (m == NULL) {
			sp_tcp_mem_uncharge(c, SP_TCP_MEM_SND, 1);
			TCP_STAT(c, TCPSndNoMbuf);
			sp_tcp_mem_wait(c);
			break;
		}
		n = RTE_MIN(len - done, (size_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), p + done, n);
		m->data_len = (uint16_t)n;
		sp_tcp_sb_append(c, m);
		c->flags |= TF_SB_OURS;
		done += n;
	}
	if (done < want)
		c->flags |= TF_WANT_WRITABLE;
	kick(c);
	return (ssize_t)done;
}

int
sp_tcp_send_mbuf(struct sp_conn *c, struct rte_mbuf *m)
{
	int r = can_send(c);
	struct rte_mbuf *s;
	uint32_t segs = 0;

	if (r < 0)
		return r;
	if (m->pkt_len > c->sndbuf - RTE_MIN(c->sb_len, c->sndbuf)) {
		c->flags |= TF_WANT_WRITABLE;
		return -ENOBUFS;
	}
	for (s = m; s != NULL; s = s->next)
		segs += s->data_len > 0;
	if (!sp_tcp_mem_charge(c, SP_TCP_MEM_SND, segs)) {
		sp_tcp_mem_wait(c);
		return -ENOBUFS;
	}
	while (m != NULL) {
		struct rte_mbuf *n = m->next;

		if (m->data_len == 0)
			rte_pktmbuf_free_seg(m);
		else
			sp_tcp_sb_append(c, m);
		m = n;
	}
	c->flags &= ~TF_SB_OURS;
	kick(c);
	return 0;
}

void
sp_tcp_flush(struct sp_conn *c)
{
	uint32_t f = c->flags & TF_NODELAY;

	if (c->freed)
		return;
	/* The usual case right after sp_tcp_send() sent it whole: Nagle holds nothing back. */
	if (out_held(c, TF_OUT_DUE | TF_OUT_PUSH) || sp_tcp_nothing_to_send(c))
		return;
	c->flags |= TF_NODELAY;
	sp_tcp_output(c);
	c->flags = (c->flags & ~TF_NODELAY) | f;
}

void
sp_tcp_set_recv_flow(struct sp_conn *c, bool on)
{
	if (on) {
		c->flags |= TF_RCV_FLOW;
		return;
	}
	c->flags &= ~TF_RCV_FLOW;
	sp_tcp_recv_done(c, c->rcv_held);
}

void
sp_tcp_recv_done(struct sp_conn *c, uint32_t bytes)
{
	sp_seq_t adv_edge, edge;
	uint32_t max, wnd, step;

	c->rcv_held = bytes >= c->rcv_held ? 0 : c->rcv_held - bytes;
	if (c->freed || (c->state != SP_TCP_ESTABLISHED && c->state != SP_TCP_FIN_WAIT_1 &&
				c->state != SP_TCP_FIN_WAIT_2))
		return;
	/*
	 * Receiver SWS avoidance (RFC 9293 3.8.6.2.2, RFC 1122 4.2.3.3): announce the reopened
	 * window at once when the right edge can move by min(window / 2, MSS) beyond the edge the
	 * peer last heard of (RCV.NXT and window of our last ACK), and the window it knows has
	 * become small; otherwise the next ACK carries it. The measure is the edge, not this call's
	 * release: an application releasing one segment at a time (each below the MSS) must reopen
	 * a closed window too, or the peer waits for its persist timer, backed off to minutes.
	 */
	max = RTE_MIN(c->rcvbuf, 65535u << c->rcv_wscale); /* what a header can carry */
	wnd = sp_tcp_rcv_wnd_field(c) >> c->rcv_wscale << c->rcv_wscale;
	adv_edge = c->last_ack_sent + c->rcv_adv;
	edge = c->rcv_nxt + wnd;
	step = RTE_MIN(max / 2, (uint32_t)c->mss);
	if (!SEQ_GEQ(edge, adv_edge + step) || !SEQ_LT(adv_edge, c->rcv_nxt + max / 2))
		return;
	/* In the recv callback the update goes with what it sends (out_held()). */
	if (out_held(c, TF_OUT_DUE))
		c->flags |= TF_ACKNOW;
	else
		sp_tcp_send_ack(c);
}

void
sp_tcp_set_rcvbuf(struct sp_conn *c, uint32_t bytes)
{
	c->rcvbuf = bytes;
	sp_tcp_recv_done(c, 0);
}

void
sp_tcp_set_nodelay(struct sp_conn *c, bool on)
{
	if (on)
		c->flags |= TF_NODELAY;
	else
		c->flags &= ~TF_NODELAY;
	if (on && !c->freed && !out_held(c, TF_OUT_DUE | TF_OUT_PUSH))
		sp_tcp_output(c);
}

void
sp_tcp_set_ip_tx(struct sp_conn *c, const struct sp_ip_tx *iptx)
{
	c->iptx = *iptx;
}

int
sp_tcp_set_cc(struct sp_conn *c, const char *name)
{
	const struct sp_tcp_cc_ops *ops = sp_tcp_cc_find(name);

	if (ops == NULL)
		return -ENOENT;
	c->cc_ops = ops;
	if (c->cc.ops != NULL && c->cc.ops != ops) {
		uint32_t cwnd = c->cc.cwnd, ssthresh = c->cc.ssthresh;

		ops->init(&c->cc, c->mss, sp_tcp_now_us(c->ctx));
		c->cc.cwnd = cwnd;
		c->cc.ssthresh = ssthresh;
	}
	return 0;
}

const char *
sp_tcp_cc_name(const struct sp_conn *c)
{
	return c->cc_ops->name;
}

/* CLOSE/shutdown (RFC 9293 3.10.4): FIN after the queued data. */
int
sp_tcp_shutdown(struct sp_conn *c)
{
	if (c->freed)
		return -ENOTCONN;
	if (c->flags & TF_FIN_QUEUED)
		return 0;
	switch (c->state) {
	case SP_TCP_SYN_SENT:
		c->flags |= TF_FIN_QUEUED;
		sp_tcp_conn_done(c, 0);
		return 0;
	case SP_TCP_SYN_RECEIVED:
		c->flags |= TF_FIN_QUEUED; /* FIN-WAIT-1 once established */
		return 0;
	case SP_TCP_ESTABLISHED:
		c->flags |= TF_FIN_QUEUED;
		sp_tcp_set_state(c, SP_TCP_FIN_WAIT_1);
		break;
	case SP_TCP_CLOSE_WAIT:
		c->flags |= TF_FIN_QUEUED;
		sp_tcp_set_state(c, SP_TCP_LAST_ACK);
		break;
	default:
		return -ENOTCONN;
	}
	c->flags |= TF_NODELAY; /* nothing more will come: send the tail now */
	if (!out_held(c, TF_OUT_DUE))
		sp_tcp_output(c);
	return 0;
}

int
sp_tcp_close(struct sp_conn *c)
{
	if (c->freed)
		return -ENOTCONN;
	c->flags |= TF_APP_CLOSED;
	if (c->state == SP_TCP_FIN_WAIT_2 && !c->misc_timer.armed)
		sp_tcp_timewait_arm(c);
	if (c->flags & TF_FIN_QUEUED)
		return 0;
	sp_tcp_shutdown(c);
	return 0;
}

void
sp_tcp_abort(struct sp_conn *c)
{
	if (c->freed)
		return;
	if (c->state != SP_TCP_SYN_SENT && c->state != SP_TCP_TIME_WAIT &&
		c->state != SP_TCP_CLOSED)
		sp_tcp_send_rst(c);
	sp_tcp_conn_done(c, -ECONNABORTED);
}

void
sp_tcp_get_info(const struct sp_conn *c, struct sp_tcp_info *i)
{
	memset(i, 0, sizeof(*i));
	i->state = sp_tcp_state_name(c->state);
	i->local_ip = c->key.lip;
	i->remote_ip = c->key.rip;
	i->local_port = c->key.lport;
	i->remote_port = c->key.rport;
	i->cwnd = c->cc.cwnd;
	i->ssthresh = c->cc.ssthresh;
	i->srtt_us = c->srtt_us;
	i->rttvar_us = c->rttvar_us;
	i->rto_ms = c->rto_ms;
	i->mss_send = c->mss;
	i->mss_recv = c->mss_ours;
	i->snd_wscale = c->snd_wscale;
	i->rcv_wscale = c->rcv_wscale;
	i->sack = (c->flags & TF_SACK) != 0;
	i->timestamps = (c->flags & TF_TS) != 0;
	i->snd_wnd = c->snd_wnd;
	i->rcv_wnd = sp_tcp_rcv_wnd(c);
	i->retransmits = c->retransmits;
	i->bytes_sent = c->bytes_sent;
	i->bytes_acked = c->bytes_acked;
	i->bytes_received = c->bytes_received;
	i->send_queue = c->sb_len;
	i->recv_queue = c->ooo_bytes;
	i->cc = c->cc_ops != NULL ? c->cc_ops->name : "";
}
