/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TIME-WAIT in compact form (the kernel's timewait buckets): a connection that reaches TIME-WAIT
 * and has told the application (closed(0)) becomes a small entry of this per-lcore table and
 * its struct sp_conn, with its place in tcp.max_connections, is freed. The table has its own
 * bound, tcp.max_timewait: when it is full the oldest entry is recycled (TCPTimeWaitRecycled),
 * a new connection is never refused for it.
 *
 * Entries live in one array; a doubly linked list through it is the FIFO in expiry order
 * (TIME-WAIT lasts tcp.time_wait_ms from its last restart, and a restart moves the entry to
 * the tail, so the head is always the next to expire). One wheel timer, armed for the head,
 * sweeps what is due in bounded batches: no timer per entry. A separate table on the 4-tuple
 * (tcp_tab.c, chained through the entries) finds an entry; it is looked up only for segments
 * that match no connection, so the connection table and its users (steering, telemetry,
 * unlisten) are unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_tcp.h>

#include "tcp.h"
#include "tcp_isn.h"

#define TW_NONE	 UINT32_MAX
#define TW_BATCH 256 /* entries expired per timer run; the rest at the next poll */

static uint64_t
tw_duration(const struct sp_ctx *ctx)
{
	return sp_ms_to_tsc(ctx, ctx->cfg->tcp.time_wait_ms);
}

static void tw_fire(struct sp_ctx *ctx, struct sp_timer *t, void *arg);

int
sp_tcp_tw_init(struct sp_ctx *ctx)
{
	struct sp_tcp *t = ctx->tcp;
	uint32_t n = ctx->cfg->tcp.max_timewait, i;

	t->tw = rte_zmalloc_socket(
		"sp_tcp_tw", (size_t)n * sizeof(*t->tw), RTE_CACHE_LINE_SIZE, ctx->socket);
	if (t->tw == NULL)
		return -ENOMEM;
	/* a bucket per entry: chains of about one; an insert never fails */
	if (sp_tcp_tab_init(&t->tw_tab, n,
		    offsetof(struct sp_tcp_tw, key) - offsetof(struct sp_tcp_tw, hnode),
		    ctx->socket) < 0) {
		rte_free(t->tw);
		t->tw = NULL;
		return -ENOMEM;
	}
	/* Free list through ->next. */
	for (i = 0; i < n; i++)
		t->tw[i].next = i + 1 < n ? i + 1 : TW_NONE;
	t->tw_free = n > 0 ? 0 : TW_NONE;
	t->tw_head = t->tw_tail = TW_NONE;
	t->tw_n = 0;
	sp_timer_init(&t->tw_timer, tw_fire, NULL);
	return 0;
}

void
sp_tcp_tw_fini(struct sp_ctx *ctx)
{
	struct sp_tcp *t = ctx->tcp;

	sp_timer_cancel(ctx, &t->tw_timer);
	sp_tcp_tab_fini(&t->tw_tab);
	rte_free(t->tw);
	t->tw = NULL;
}

static uint32_t
tw_idx(const struct sp_tcp *t, const struct sp_tcp_tw *e)
{
	return (uint32_t)(e - t->tw);
}

static void
tw_arm(struct sp_ctx *ctx, uint64_t expire)
{
	ctx->tcp->tw_timer_for = expire;
	sp_timer_arm(ctx, &ctx->tcp->tw_timer, expire);
}

/*
 * The timer follows the FIFO's head (the next entry to expire). It is compared by the expiry it
 * was armed for, not by its own deadline, which the wheel rounds up to a slot boundary: that
 * one is later than the head's own expiry, and every new entry re-armed the timer.
 */
static void
tw_rearm(struct sp_ctx *ctx)
{
	struct sp_tcp *t = ctx->tcp;

	if (t->tw_head == TW_NONE)
		sp_timer_cancel(ctx, &t->tw_timer);
	else if (!t->tw_timer.armed || t->tw_timer_for > t->tw[t->tw_head].expire)
		tw_arm(ctx, t->tw[t->tw_head].expire);
}

static void
fifo_unlink(struct sp_tcp *t, struct sp_tcp_tw *e)
{
	if (e->prev != TW_NONE)
		t->tw[e->prev].next = e->next;
	else
		t->tw_head = e->next;
	if (e->next != TW_NONE)
		t->tw[e->next].prev = e->prev;
	else
		t->tw_tail = e->prev;
}

static void
fifo_append(struct sp_tcp *t, struct sp_tcp_tw *e)
{
	uint32_t i = tw_idx(t, e);

	e->prev = t->tw_tail;
	e->next = TW_NONE;
	if (t->tw_tail != TW_NONE)
		t->tw[t->tw_tail].next = i;
	else
		t->tw_head = i;
	t->tw_tail = i;
}

/* Out of the hash and the FIFO, back to the free list. */
static void
tw_remove(struct sp_ctx *ctx, struct sp_tcp_tw *e)
{
	struct sp_tcp *t = ctx->tcp;

	sp_tcp_tab_remove(&t->tw_tab, &e->hnode, e->hash);
	fifo_unlink(t, e);
	e->next = t->tw_free;
	t->tw_free = tw_idx(t, e);
	t->tw_n--;
	if (ctx->stats[e->port].CurrTimeWait > 0)
		ctx->stats[e->port].CurrTimeWait--;
}

/* RFC 9293 3.10.7.4 TIME-WAIT: "restart the 2 MSL timeout". The entry becomes the newest. */
static void
tw_restart(struct sp_ctx *ctx, struct sp_tcp_tw *e)
{
	struct sp_tcp *t = ctx->tcp;

	e->expire = ctx->now + tw_duration(ctx);
	fifo_unlink(t, e);
	fifo_append(t, e);
	tw_rearm(ctx);
}

static void
tw_fire(struct sp_ctx *ctx, struct sp_timer *tm, void *arg)
{
	struct sp_tcp *t = ctx->tcp;
	unsigned n = 0;

	RTE_SET_USED(tm);
	RTE_SET_USED(arg);
	while (t->tw_head != TW_NONE && t->tw[t->tw_head].expire <= ctx->now && n < TW_BATCH) {
		struct sp_tcp_tw *e = &t->tw[t->tw_head];

		SP_STAT(ctx, e->port, TCPTimeWaitExpired);
		tw_remove(ctx, e);
		n++;
	}
	if (t->tw_head == TW_NONE)
		return;
	/* More due: the next poll continues (the wheel runs a timer armed in the past then). */
	tw_arm(ctx, t->tw[t->tw_head].expire > ctx->now ? t->tw[t->tw_head].expire : ctx->now);
}

struct sp_tcp_tw *
sp_tcp_tw_lookup(struct sp_ctx *ctx, const struct sp_tcp_key *k)
{
	struct sp_tcp_tab_node *n;

	/* An empty table (no TIME-WAIT on this side, close = rst) costs no hash. */
	if (ctx->tcp->tw_n == 0)
		return NULL;
	n = sp_tcp_tab_lookup(&ctx->tcp->tw_tab, k, sp_tcp_key_hash(ctx, k));
	return n != NULL ? container_of(n, struct sp_tcp_tw, hnode) : NULL;
}

bool
sp_tcp_tuple_in_use(struct sp_ctx *ctx, const struct sp_tcp_key *k)
{
	return sp_tcp_conn_lookup(ctx, k) != NULL || sp_tcp_tw_lookup(ctx, k) != NULL;
}

/*
 * The active opener's reuse of its own TIME-WAIT tuple (what Linux's net.ipv4.tcp_tw_reuse
 * does; RFC 6191 covers only the passive side): when an ephemeral port's only holder is a
 * compact TIME-WAIT entry of a connection that used timestamps, and the peer's last segment is
 * at least one second old, the entry is dropped and the port taken. The peer's PAWS check
 * (RFC 7323 5) then tells any old duplicate from the new connection, since spindle's TSval
 * clock only moves forward; and the new ISS is put past what the old connection sent plus a
 * maximal unscaled window, so that even a peer still in TIME-WAIT (it closed too) sees a SYN
 * beyond its RCV.NXT (RFC 9293 3.10.7.4 / RFC 6191). @return true when the tuple was freed;
 * *min_iss is then the lowest ISS the new connection may use.
 */
bool
sp_tcp_tw_reuse_active(struct sp_ctx *ctx, const struct sp_tcp_key *k, sp_seq_t *min_iss)
{
	struct sp_tcp_tw *e = sp_tcp_tw_lookup(ctx, k);

	if (e == NULL || !e->ts || ctx->now - e->ts_recent_age < ctx->hz)
		return false;
	*min_iss = e->snd_nxt + 65535 + 2;
	SP_STAT(ctx, e->port, TCPTimeWaitReuseActive);
	tw_remove(ctx, e);
	return true;
}

/* A free entry; when there is none, the oldest is recycled (counted). NULL: max_timewait 0. */
static struct sp_tcp_tw *
tw_alloc(struct sp_ctx *ctx)
{
	struct sp_tcp *t = ctx->tcp;
	struct sp_tcp_tw *e;

	if (t->tw_free == TW_NONE) {
		if (t->tw_head == TW_NONE)
			return NULL;
		e = &t->tw[t->tw_head];
		SP_STAT(ctx, e->port, TCPTimeWaitRecycled);
		tw_remove(ctx, e);
	}
	e = &t->tw[t->tw_free];
	t->tw_free = e->next;
	return e;
}

void
sp_tcp_tw_enter(struct sp_conn *c)
{
	struct sp_ctx *ctx = c->ctx;
	struct sp_tcp *t = ctx->tcp;
	struct sp_tcp_tw *e;

	/* The ACK of the peer's FIN (or one an earlier step asked for) goes now. */
	if (c->flags & TF_ACKNOW)
		sp_tcp_send_ack(c);
	e = tw_alloc(ctx);
	if (e != NULL) {
		memset(e, 0, sizeof(*e));
		e->key = c->key;
		e->hash = c->hash;
		e->port = c->port;
		e->snd_nxt = c->snd_nxt;
		e->rcv_nxt = c->rcv_nxt;
		e->rcv_wnd = sp_tcp_rcv_wnd_field(c);
		e->win = (uint16_t)(e->rcv_wnd >> c->rcv_wscale);
		e->max_snd_wnd = c->max_snd_wnd;
		e->ts = (c->flags & TF_TS) != 0;
		/* Linux answers from TIME-WAIT through its per-CPU control socket: the connection's
		 * TOS (tw_tos), the default TTL */
		e->iptx = (struct sp_ip_tx){.tos = c->iptx.tos, .ttl = SP_IP_DEFAULT_TTL};
		e->ts_recent = c->ts_recent;
		e->ts_recent_age = c->ts_recent_age;
		e->chack_window = c->chack_window;
		e->chack_count = c->chack_count;
		e->last_oow_ack = c->last_oow_ack;
		e->expire = ctx->now + tw_duration(ctx);
		sp_tcp_tab_insert(&t->tw_tab, &e->hnode, e->hash);
		fifo_append(t, e);
		t->tw_n++;
		ctx->stats[e->port].CurrTimeWait++;
		SP_STAT(ctx, e->port, TCPTimeWaitEntered);
		tw_rearm(ctx);
	}
	/* The application was told (closed(0)): only the compact entry remains. */
	sp_tcp_conn_done(c, 0);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> with the window and timestamps the connection had. */
static void
tw_send_ack(struct sp_ctx *ctx, const struct sp_tcp_tw *e)
{
	struct sp_tcp_hdr h;

	memset(&h, 0, sizeof(h));
	h.sport = e->key.lport;
	h.dport = e->key.rport;
	h.seq = e->snd_nxt;
	h.ack = e->rcv_nxt;
	h.flags = RTE_TCP_ACK_FLAG;
	h.win = e->win;
	if (e->ts) {
		/* One clock for every connection (tcp_isn.h): TSvals keep increasing. */
		h.opts.has_ts = true;
		h.opts.ts_val = sp_tcp_ts_clock(ctx->stack, ctx->now);
		h.opts.ts_ecr = e->ts_recent;
	}
	sp_tcp_xmit(ctx, e->key.lip, e->key.rip, &h, NULL, e->port, &e->iptx);
}

/* RFC 5961 challenge ACK, within challenge_ack_limit per second like a connection's. */
static void
tw_challenge_ack(struct sp_ctx *ctx, struct sp_tcp_tw *e)
{
	if (!sp_tcp_chack_allowed(ctx, &e->chack_window, &e->chack_count)) {
		SP_STAT(ctx, e->port, TCPChallengeACKLimited);
		return;
	}
	SP_STAT(ctx, e->port, TCPChallengeACK);
	tw_send_ack(ctx, e);
}

/*
 * RFC 6191 2: is this SYN from a newer incarnation than the one in TIME-WAIT @p e? With
 * timestamps on both (and TS.Recent not older than PAWS's 24 days): a newer TSval, or the same
 * with a higher sequence number; otherwise a sequence number above RCV.NXT.
 */
static bool
tw_syn_newer(const struct sp_ctx *ctx, const struct sp_tcp_tw *e, const struct sp_tcp_hdr *th)
{
	if (e->ts && th->opts.has_ts && sp_tcp_ts_recent_valid(ctx, e->ts_recent_age) &&
		th->opts.ts_val != e->ts_recent)
		return SEQ_GT(th->opts.ts_val, e->ts_recent);
	return SEQ_GT(th->seq, e->rcv_nxt);
}

/*
 * RFC 9293 3.10.7.4 for a connection in TIME-WAIT, step by step as sync_input() (tcp_in.c)
 * runs them for a full connection, with what TIME-WAIT leaves of each: the peer's FIN came and
 * ours is acknowledged, so text is ignored and only a FIN again needs an answer.
 */
bool
sp_tcp_tw_input(struct sp_ctx *ctx, const struct sp_tcp_key *k, const struct sp_tcp_hdr *th,
	uint32_t plen, bool *reused, sp_seq_t *min_iss)
{
	struct sp_tcp_tw *e = sp_tcp_tw_lookup(ctx, k);
	bool fin = th->flags & RTE_TCP_FIN_FLAG, acknow = false;
	uint32_t wnd, seglen = plen + (fin ? 1 : 0);
	sp_seq_t seq = th->seq;

	if (e == NULL)
		return false;
	/*
	 * A new incarnation may reuse TIME-WAIT (RFC 9293 3.6.1, RFC 6191 2), while a listener
	 * exists: when both incarnations use timestamps, a SYN with a newer TSval, or the same
	 * TSval and a sequence number above RCV.NXT (an older TSval is an old duplicate, whatever
	 * its sequence number: PAWS below answers it, as Linux); else a SYN with a sequence number
	 * above RCV.NXT. The entry ends and the SYN goes on to the listener, whose SYN-ACK starts
	 * past what the old connection sent plus a maximal unscaled window (RFC 1122 4.2.2.13 (1),
	 * as Linux's tw_isn): the clock-driven ISN of the same tuple (RFC 6528) lags behind a
	 * connection that sent faster than 250 KB/s, and the new incarnation's segments then fell
	 * in the old one's sequence space.
	 */
	if ((th->flags & RTE_TCP_SYN_FLAG) &&
		!(th->flags & (RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) && tw_syn_newer(ctx, e, th) &&
		sp_tcp_listener_find(ctx, k->lip, k->lport) != NULL) {
		SP_STAT(ctx, e->port, TCPTimeWaitReuse);
		*reused = true;
		*min_iss = e->snd_nxt + 65535 + 2;
		tw_remove(ctx, e);
		return false;
	}
	/* RFC 7323 5.3 PAWS: an older timestamp than TS.Recent is an old duplicate. */
	if (e->ts && th->opts.has_ts && !(th->flags & RTE_TCP_RST_FLAG) &&
		SEQ_LT(th->opts.ts_val, e->ts_recent) &&
		sp_tcp_ts_recent_valid(ctx, e->ts_recent_age)) {
		SP_STAT(ctx, e->port, PAWSDrops);
		if (sp_tcp_oow_ack_limited(ctx, &e->last_oow_ack, th, plen)) {
			SP_STAT(ctx, e->port, TCPAckSkippedPAWS);
			return true;
		}
		goto dropafterack;
	}
	/* RFC 5961 4.2: any other SYN gets a challenge ACK. */
	if (th->flags & RTE_TCP_SYN_FLAG) {
		SP_STAT(ctx, e->port, TCPSYNChallenge);
		tw_challenge_ack(ctx, e);
		return true;
	}
	/* First: sequence number acceptable (the window is what the connection last offered). */
	wnd = e->rcv_wnd;
	if (!sp_tcp_seq_acceptable(e->rcv_nxt, wnd, seq, seglen)) {
		if (th->flags & RTE_TCP_RST_FLAG) {
			SP_STAT(ctx, e->port, TCPRstIgnored);
			return true;
		}
		SP_STAT(ctx, e->port, TCPOutOfWindow);
		/* The peer's FIN again (it lost our ACK): ACK it, restart 2 MSL. */
		if (fin)
			tw_restart(ctx, e);
		/* An ACK loop or a forger: bounded as for connections (tcp_in.c). */
		else if (sp_tcp_oow_ack_limited(ctx, &e->last_oow_ack, th, plen)) {
			SP_STAT(ctx, e->port, TCPAckSkippedSeq);
			return true;
		}
		goto dropafterack;
	}
	/* Second: RST. At RCV.NXT it ends TIME-WAIT (RFC 1337 is not adopted); else challenge. */
	if (th->flags & RTE_TCP_RST_FLAG) {
		SP_STAT(ctx, e->port, InRsts);
		if (seq != e->rcv_nxt)
			tw_challenge_ack(ctx, e);
		else
			tw_remove(ctx, e);
		return true;
	}
	/* A duplicate (before RCV.NXT) or text beyond the window is ACKed; a FIN there is old. */
	if (SEQ_LT(seq, e->rcv_nxt)) {
		acknow = true;
		if (e->rcv_nxt - seq > plen)
			fin = false;
	}
	if (plen > 0 && SEQ_GT(seq + plen, e->rcv_nxt + wnd)) {
		acknow = true;
		fin = false;
	}
	/* Fifth: no ACK bit: drop. */
	if (!(th->flags & RTE_TCP_ACK_FLAG)) {
		SP_STAT(ctx, e->port, TCPNoAckDrops);
		goto out;
	}
	/* RFC 5961 5.2 ACK check against SND.UNA = SND.NXT (everything of ours is ACKed). */
	if (SEQ_GT(th->ack, e->snd_nxt)) {
		SP_STAT(ctx, e->port, TCPBadAck);
		/* Bounded as for connections (tcp_in.c process_ack()). */
		if (sp_tcp_oow_ack_limited(ctx, &e->last_oow_ack, th, plen)) {
			SP_STAT(ctx, e->port, tcp_bad_ack_skipped);
			goto out;
		}
		goto dropafterack;
	}
	if (SEQ_LT(th->ack, e->snd_nxt - e->max_snd_wnd)) {
		tw_challenge_ack(ctx, e);
		goto out;
	}
	/*
	 * RFC 7323 4.3: TS.Recent from the segment at RCV.NXT (our last ACK carried RCV.NXT), once
	 * its ACK passed the checks above (as in tcp_in.c: a forged TSval with a bad ACK is not
	 * taken).
	 */
	if (e->ts && th->opts.has_ts && SEQ_LEQ(seq, e->rcv_nxt)) {
		e->ts_recent = th->opts.ts_val;
		e->ts_recent_age = ctx->now;
	}
	/* Eighth: a FIN in sequence again: ACK it and restart the 2 MSL timeout. Text ignored. */
	if (fin) {
		acknow = true;
		tw_restart(ctx, e);
	}
out:
	if (acknow)
		tw_send_ack(ctx, e);
	return true;

dropafterack:
	acknow = true;
	goto out;
}

void
sp_tcp_tw_foreach(struct sp_ctx *ctx, void (*fn)(void *arg, const struct sp_conn *c), void *arg)
{
	struct sp_tcp *t = ctx->tcp;
	const struct sp_tcp_cc_ops *cc = sp_tcp_cc_find(ctx->cfg->tcp.cc);
	struct sp_conn c;
	uint32_t i;

	/* Each entry shown as the connection it was (what sp_tcp_get_info() reads of it). */
	for (i = t->tw_head; i != TW_NONE; i = t->tw[i].next) {
		const struct sp_tcp_tw *e = &t->tw[i];

		memset(&c, 0, sizeof(c));
		c.ctx = ctx;
		c.key = e->key;
		c.port = e->port;
		c.state = SP_TCP_TIME_WAIT;
		c.snd_una = c.snd_nxt = c.snd_max = e->snd_nxt;
		c.rcv_nxt = e->rcv_nxt;
		c.rcvbuf = e->rcv_wnd;
		c.flags = e->ts ? TF_TS : 0;
		c.ts_recent = e->ts_recent;
		c.cc_ops = cc != NULL ? cc : &sp_tcp_cc_newreno;
		c.freed = true;
		fn(arg, &c);
	}
}
