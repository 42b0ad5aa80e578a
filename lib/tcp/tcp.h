/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal TCP state: the per-lcore table (struct sp_tcp), listeners and connections
 * (struct sp_conn), and the calls between tcp_*.c files.
 */
#ifndef SP_TCP_H
#define SP_TCP_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_jhash.h>
#include <rte_mbuf.h>

#include "sp_ctx.h"
#include "sp_api.h"
#include "sp_proto.h"
#include "sp_timer.h"
#include "tcp_seq.h"
#include "tcp_fsm.h"
#include "tcp_cc.h"
#include "tcp_tab.h"

#define SP_TCP_MAX_LISTENERS 64
#define SP_TCP_CONN_SPARE    256 /* freed struct sp_conn kept per lcore for reuse */
/* The timestamps option as sent and as it takes from each segment's MSS: NOP NOP TS (RFC 7323) */
#define SP_TCP_TS_OPT_LEN    12
#define SP_TCP_CONN_HOT_BITS 12 /* connection lookup cache: 4096 slots (tcp_conn.c) */
#define SP_TCP_CONN_HOT	     (1u << SP_TCP_CONN_HOT_BITS)
#define SP_TCP_COPY_MAX	     1024 /* payloads up to this go copied behind the header (tcp_out.c) */
#define SP_TCP_EPH_LO	     32768
#define SP_TCP_EPH_HI	     60999
#define SP_TCP_DEFAULT_MSS   536 /* RFC 9293 3.7.1: when the peer sends no MSS option */

/* Connection flags. */
#define TF_ACKNOW	 0x0001 /* send an ACK at the next output */
#define TF_FIN_QUEUED	 0x0002 /* the application shut down: FIN after the send buffer */
#define TF_APP_CLOSED	 0x0004 /* sp_tcp_close(): no more recv callbacks */
#define TF_NODELAY	 0x0008
#define TF_SACK		 0x0010 /* SACK-permitted negotiated */
#define TF_TS		 0x0020 /* timestamps negotiated */
#define TF_WS		 0x0040 /* window scaling negotiated */
#define TF_REPORTED	 0x0080 /* closed() was called (or the app never knew the connection) */
#define TF_PASSIVE	 0x0100 /* created by a listener */
#define TF_ACCEPTED	 0x0200 /* the application saw it (accepted/connect) */
#define TF_RECOVERY	 0x0400 /* in fast recovery (RFC 6582) */
#define TF_WANT_WRITABLE 0x0800
#define TF_PEER_FIN	 0x1000	  /* FIN received */
#define TF_COOKIE	 0x2000	  /* completed from a SYN cookie */
#define TF_NOTIFY_WR	 0x4000	  /* call writable() after this input */
#define TF_SB_OURS	 0x8000	  /* the send buffer's tail is a copy buffer we may append to */
#define TF_RCV_FLOW	 0x10000  /* sp_tcp_set_recv_flow(): delivered bytes count until released */
#define TF_PTO		 0x20000  /* rtx_timer is armed as a tail loss probe timeout (RFC 8985) */
#define TF_TLP_OUT	 0x40000  /* a loss probe is unacknowledged (tlp_end) */
#define TF_TLP_REXMIT	 0x80000  /* ... and it was a retransmission */
#define TF_RESCUE	 0x100000 /* RFC 6675 rule 4 used in this recovery (rescue_rxt) */
#define TF_MEM_WAIT	 0x200000 /* a send was cut short for memory: writable() when it is back */
#define TF_PTO_LONG	 0x400000 /* TF_PTO armed with the peer's delayed-ACK allowance (tcp_timer.c) */
#define TF_RXT_LOST	 0x800000 /* a lost retransmission cut cwnd in this recovery (tcp_lost_rxt.c) */
#define TF_TLP_INREC	 0x1000000  /* the loss probe out went in SACK recovery (tcp_timer.c) */
#define TF_RTO_UNDO	 0x2000000  /* a timeout's response may be undone (tcp_rto_undo.c) */
#define TF_OOO_FIN	 0x4000000  /* the peer's FIN came alone out of order, at ooo_fin */
#define TF_OUT_HOLD	 0x8000000  /* in the recv callback: output waits until it returns */
#define TF_OUT_DUE	 0x10000000 /* ... and the callback queued something (tcp_api.c) */
#define TF_OUT_PUSH	 0x20000000 /* ... and flushed it (sp_tcp_flush()) */

/**
 * One out-of-order segment. Either the segment's own mbuf chain (data pointer at the payload), or,
 * for a tiny segment, a slice at offset @p off of a shared pack mbuf that holds many of them
 * (tcp_reass.c: collapse), one reference per entry.
 */
struct sp_tcp_ooo {
	sp_seq_t seq, end; /* end = seq + payload length */
	struct rte_mbuf *m;
	uint16_t off; /* packed: where the bytes are in m */
	bool packed;
	bool fin;
};

/** What tcp_mem.c charges: the send buffer or the out-of-order queue. */
enum sp_tcp_mem_kind { SP_TCP_MEM_SND, SP_TCP_MEM_OOO };

/** Per-lcore memory of the connections (tcp_mem.c), in mbufs. */
struct sp_tcp_mem {
	uint32_t mbufs; /* held by all connections: snd + ooo */
	uint32_t snd, ooo;
	uint32_t peak;
	uint32_t low, pressure, high; /* marks in effect */
	uint32_t truesize;	      /* bytes an mbuf of the pool costs */
	unsigned n_workers;	      /* the share above was computed for this many */
	uint32_t waiting;	      /* connections with TF_MEM_WAIT */
	bool under_pressure;
	uint64_t pressures, aborts;
	struct sp_timer timer;
};

struct sp_listener {
	bool used;
	uint32_t ip;
	uint16_t port;
	struct sp_tcp_callbacks cb;
	void *arg;
	uint32_t backlog;
	uint32_t n_syn_recv; /* connections in SYN-RECEIVED */
	const struct sp_tcp_cc_ops *cc;
	bool nodelay;
	uint32_t rcvbuf; /* SO_RCVBUF pin of what it accepts (sp_listen_opts.rcvbuf), 0 = none */
	struct sp_ip_tx iptx; /* IP TOS and TTL of its SYN-ACKs and what it accepts */
	uint16_t user_mss;    /* sp_listen_opts.mss: 0, or the clamp of what it accepts */
	bool cookie_sent;     /* it answered with a SYN cookie, last at cookie_tsc (tcp_in.c) */
	uint64_t cookie_tsc;
};

/* Merged SACK ranges the sender remembers (a peer reports at most 4 per segment). */
#define SP_TCP_SCOREBOARD 16
/* Retransmissions of one recovery whose fate is watched (tcp_lost_rxt.c). */
#define SP_TCP_RXT_WATCH 8
/* RFC 6675 DupThresh: the loss threshold while no reordering was seen (tcp_reorder.c). */
#define SP_TCP_DUPTHRESH 3

/** One retransmission in loss recovery, watched until delivered (tcp_lost_rxt.c). */
struct sp_tcp_rxt {
	sp_seq_t seq, end; /* the range resent */
	sp_seq_t mark;	   /* SND.MAX when it went: every byte above was first sent after it */
};

struct sp_conn {
	struct sp_ctx *ctx;
	struct sp_tcp_key key;
	uint16_t port; /* stack port the peer is reached through (counters) */
	enum sp_tcp_state state;
	uint32_t flags;
	struct sp_listener *listener; /* passive, until accepted */
	uint32_t hash;		      /* sp_tcp_key_hash(key): its removal needs no rehash */
	struct sp_tcp_tab_node hnode; /* its chain in the connection table (tcp_tab.h) */
	struct sp_tcp_callbacks cb;
	void *arg;

	/* Send sequence space (RFC 9293 3.3.1). */
	sp_seq_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2;
	uint32_t snd_wnd, max_snd_wnd;
	uint8_t snd_wscale, rcv_wscale;
	uint16_t mss;	   /* payload bytes per segment we send (options excluded) */
	uint16_t mss_peer; /* MSS the peer announced */
	uint16_t mss_ours; /* MSS we announced */
	/* Send buffer: single-segment mbufs linked by ->next, first byte at sb_seq. */
	struct rte_mbuf *sb_head, *sb_tail;
	sp_seq_t sb_seq;
	uint32_t sb_len;
	/* Where the last segment started (sp_tcp_sb_clone() resumes there, not at sb_head): NULL or an
	 * mbuf of the list whose first byte is sb_cur_seq. */
	struct rte_mbuf *sb_cur;
	sp_seq_t sb_cur_seq;
	uint32_t sndbuf;
	bool sndbuf_lock; /* SO_SNDBUF set it: no autotuning (Linux SOCK_SNDBUF_LOCK) */

	/* Receive sequence space. */
	sp_seq_t irs, rcv_nxt, last_ack_sent;
	uint32_t rcvbuf;
	bool rcvbuf_lock; /* likewise SO_RCVBUF (SOCK_RCVBUF_LOCK) */
	uint32_t rcv_adv; /* right edge we advertised, as an offset from rcv_nxt at that time */
	struct sp_tcp_ooo *ooo;
	uint16_t n_ooo, ooo_last;
	uint32_t ooo_bytes;
	sp_seq_t ooo_fin;	   /* TF_OOO_FIN: the sequence number of that FIN */
	struct rte_mbuf *ooo_pack; /* pack mbuf tiny segments are copied into (one reference) */
	uint32_t rcv_held; /* TF_RCV_FLOW: delivered to recv(), not yet released by the app */
	/* Receive buffer autotuning (tcp_in.c, Linux's dynamic right-sizing). */
	sp_seq_t rcvq_seq;     /* consumed sequence (RCV.NXT - rcv_held) when the period began */
	uint64_t rcvq_time;    /* TSC the period began, 0: no data yet */
	uint32_t rcvq_space;   /* bytes the largest period so far brought */
	sp_seq_t rcv_rtt_seq;  /* the window being timed ends at this RCV.NXT */
	uint64_t rcv_rtt_time; /* TSC it began, 0: none timed */
	uint32_t rcv_rtt_us;   /* shortest time a whole window took to arrive: >= one RTT */
	uint8_t unacked_segs;
	struct sp_ip_tx iptx;	   /* IP TOS (ECN bits clear) and TTL of its segments */
	struct sp_ip_path ip_path; /* the route and neighbour its last segment took (ipv4.c) */

	/* Timestamps (RFC 7323). */
	uint32_t ts_recent;
	uint64_t ts_recent_age;

	/* RTT and RTO (RFC 6298), microseconds. */
	uint32_t srtt_us, rttvar_us, rto_ms;
	bool rtt_timing;
	sp_seq_t rtt_seq;
	uint64_t rtt_start;
	uint32_t retries;
	uint8_t dupacks;
	sp_seq_t recover;
	/* RFC 6675 scoreboard: SACKed ranges above SND.UNA, sorted, merged. */
	uint8_t n_sacked;
	struct sp_tcp_sack_block sacked[SP_TCP_SCOREBOARD];
	sp_seq_t rexmit_hi;  /* in recovery: holes below this were retransmitted */
	sp_seq_t rescue_rxt; /* TF_RESCUE: RFC 6675 RescueRxt */
	sp_seq_t tlp_end;    /* TF_TLP_OUT: SND.MAX when the probe went (RFC 8985 TLP.end_seq) */

	/* RFC 5961 challenge ACK limit: TSC its second began, ACKs sent in it. */
	uint64_t chack_window;
	uint32_t chack_count;
	uint64_t last_oow_ack; /* TSC of the last ACK to an invalid pure ACK (tcp_in.c) */
	/* After sp_tcp_close(): zero-window probes since last_progress was orphan_mark. */
	uint64_t orphan_mark;
	uint32_t orphan_probes;

	struct sp_tcp_cc cc;
	const struct sp_tcp_cc_ops *cc_ops;

	struct sp_timer rtx_timer;
	struct sp_timer delack_timer;
	/*
	 * Their deadlines (TSC; 0: none due). Stopping one only clears it and the timer stays in
	 * the wheel; arming one again leaves a timer that fires no later where it is; when it
	 * fires early it moves on to the deadline (tcp_timer.c "Lazy timers").
	 */
	uint64_t rtx_due;
	uint64_t delack_due;
	struct sp_timer misc_timer; /* TIME_WAIT and keepalive */
	uint32_t ka_probes;
	uint64_t last_rx;
	int busy;   /* inside input/timer: free is deferred */
	bool freed; /* removed from the table, waiting for busy == 0 */

	uint64_t retransmits, bytes_sent, bytes_acked, bytes_received;

	/* Memory (tcp_mem.c): mbufs held by the send buffer and the out-of-order queue. */
	uint32_t mem_snd, mem_ooo;
	uint64_t last_progress; /* when SND.UNA or RCV.NXT last advanced */

	/* Retransmissions of this recovery not yet delivered, in the order they went. */
	uint8_t n_rxt;
	uint8_t rxt_lost; /* bit i: rxt[i] was lost as well */
	struct sp_tcp_rxt rxt[SP_TCP_RXT_WATCH];

	/* TSC the last data or FIN segment went (Linux's lsndtime): idle restart (tcp_out.c) */
	uint64_t snd_time;

	/*
	 * Reordering and undo (tcp_reorder.c). reordering: the largest degree seen, in segments
	 * (0: none seen), at most tcp.max_reordering; the loss threshold is sp_tcp_dupthresh().
	 * reo_floor: in recovery, bytes below it may have been resent before it began (after a
	 * timeout). The undo log: the retransmissions of the last SACK recovery, bit i of
	 * undo_dsacked when the peer reported undo_rxt[i] as a duplicate (RFC 3708); n_undo =
	 * SP_TCP_UNDO_NONE when it cannot be undone; undo_cc: what undoing its cut restores;
	 * undo_reo: segments SACKed beyond SND.UNA when it began.
	 */
	uint16_t reordering;
	uint16_t undo_reo;
	uint32_t undo_tsval; /* TF_TS: our TSval when the recovery began (RFC 3522) */
	uint8_t n_undo;
	uint8_t undo_dsacked;
	sp_seq_t reo_floor;
	struct sp_tcp_sack_block undo_rxt[SP_TCP_RXT_WATCH];
	struct sp_tcp_cc_prior undo_cc;

	/* Proportional rate reduction of a SACK recovery (tcp_prr.c, RFC 6937), bytes. */
	uint64_t prr_delivered;	 /* delivered (ACKed or SACKed) since the recovery began */
	uint64_t prr_rxt;	 /* retransmitted since then (prr_out = this + new data sent) */
	uint64_t prr_sent0;	 /* bytes_sent when it began */
	uint32_t prr_recover_fs; /* RecoverFS */
};

/* Flows software GRO holds at once within one RX burst (tcp_gro.c). */
#define SP_TCP_GRO_FLOWS 8
/* At most this many segments in one merge (the window and an IPv4 datagram's worth). */
#define SP_TCP_GRO_MAX_SEGS 64

/** One held (possibly merged) segment of software GRO. */
struct sp_tcp_gro_flow {
	struct sp_conn *c;	   /* one busy reference while held */
	struct rte_mbuf *m, *tail; /* payload chain; tail: its last mbuf */
	struct sp_ipv4 ip;
	struct sp_tcp_hdr th; /* the first segment's; PSH of any, the last one's window */
	uint8_t opts[40];     /* the first segment's raw options */
	uint8_t opt_len;
	sp_seq_t next; /* sequence number after the held data */
	uint32_t plen, nsegs;
};

struct sp_tcp_gro {
	uint8_t n;
	struct sp_tcp_gro_flow f[SP_TCP_GRO_FLOWS];
};

/** Per-lcore TCP state (ctx->tcp). */
struct sp_tcp {
	struct sp_tcp_tab conns; /* struct sp_conn by ->hnode (tcp_tab.c) */
	uint32_t n_conns;
	struct sp_tcp_mem mem;
	uint16_t next_eph;
	struct sp_listener listeners[SP_TCP_MAX_LISTENERS];
	/* TIME-WAIT table (tcp_timewait.c): tcp.max_timewait entries outside max_connections. */
	struct sp_tcp_tab tw_tab; /* struct sp_tcp_tw by ->hnode */
	struct sp_tcp_gro gro;	  /* software GRO's held segments (tcp_gro.c) */
	struct sp_tcp_tw *tw;
	uint32_t tw_n;		   /* entries in use */
	uint32_t tw_free;	   /* free list through ->next */
	uint32_t tw_head, tw_tail; /* FIFO in expiry order: oldest, newest */
	struct sp_timer tw_timer;  /* armed for the head's expiry */
	uint64_t tw_timer_for;	   /* the expiry it was armed for (the wheel rounds it up) */
	/* Freed connections kept for the next one (tcp_conn.c): no heap call per connection. */
	uint32_t n_spare;
	struct sp_conn *spare[SP_TCP_CONN_SPARE];
	uint16_t listeners_end; /* listeners[] at and past this index are all unused */
	/*
	 * sp_tcp_conn_lookup()'s cache (tcp_conn.c): connections in the table only, a slot cleared
	 * when its connection leaves it, so a hit is what the table would answer.
	 */
	struct sp_conn *hot[SP_TCP_CONN_HOT];
	uint32_t hash_seed;			/* sp_tcp_key_hash()'s secret, random per lcore */
	const struct sp_tcp_cc_ops *cc_default; /* tcp.cc, looked up once (sp_tcp_init()) */
};

/**
 * A connection in TIME-WAIT, compact (tcp_timewait.c): what answering its segments needs. The
 * destination MAC is not kept: sp_ipv4_output() finds it as for any segment (neighbour table,
 * static entry or gateway).
 */
struct sp_tcp_tw {
	struct sp_tcp_key key;
	uint16_t port;	  /* stack port (counters) */
	uint16_t win;	  /* window field of our ACKs (scaled) */
	sp_seq_t snd_nxt; /* = SND.UNA: our FIN is acknowledged */
	sp_seq_t rcv_nxt; /* past the peer's FIN */
	uint32_t rcv_wnd; /* RCV.WND for the acceptability test */
	uint32_t max_snd_wnd;
	uint32_t ts_recent; /* with ts: TS.Recent (RFC 7323) */
	uint32_t chack_count;
	uint64_t chack_window;
	uint64_t ts_recent_age;
	uint64_t expire;       /* TSC */
	uint64_t last_oow_ack; /* TSC of the last ACK to an invalid pure ACK */
	uint32_t prev, next;
	uint32_t hash;		      /* sp_tcp_key_hash(key), for its removal */
	struct sp_tcp_tab_node hnode; /* its chain in the TIME-WAIT table */
	bool ts;		      /* timestamps negotiated */
	struct sp_ip_tx iptx;	      /* the connection's IP TOS and TTL, for its ACKs and RSTs */
};

bool sp_tcp_tw_reuse_active(struct sp_ctx *ctx, const struct sp_tcp_key *k, sp_seq_t *min_iss);
/* tcp_in.c: whether an unacceptable pure ACK goes unanswered (tcp.invalid_ratelimit_ms). */
bool sp_tcp_oow_ack_limited(
	struct sp_ctx *ctx, uint64_t *last, const struct sp_tcp_hdr *th, uint32_t plen);

/**
 * Our window scale (RFC 7323 2.3): the smallest shift that lets the window field cover the
 * largest buffer the connection may have. The scale is fixed at the SYN and the buffer may grow
 * later, so: tcp.rcvbuf or, with autotuning on, tcp.rcvbuf_max (tcp_in.c "receive buffer
 * autotuning"); but when the application pinned the buffer before the SYN or SYN-ACK (@p pin,
 * the window space its SO_RCVBUF gives: sp_connect_opts.rcvbuf, sp_listen_opts.rcvbuf; 0 = not
 * pinned), no autotuning will grow it and the scale covers that buffer only, larger or smaller
 * than tcp.rcvbuf: 0 when it fits in 65535. Linux's tcp_select_initial_window() likewise sizes
 * the scale for the locked buffer's space (SOCK_RCVBUF_LOCK caps window_clamp at
 * tcp_full_space()), else for tcp_rmem[2].
 */
static inline uint8_t
sp_tcp_rcv_wscale(const struct sp_tcp_cfg *tc, uint32_t pin)
{
	uint32_t max = pin != 0 ? pin : RTE_MAX(tc->rcvbuf, tc->rcvbuf_max);
	uint8_t w;

	for (w = 0; w < 14 && (max >> w) > 65535; w++)
		;
	return w;
}

/** The receive buffer a connection starts with: @p pin (sp_tcp_rcv_wscale()) or tcp.rcvbuf. */
static inline uint32_t
sp_tcp_rcvbuf_initial(const struct sp_tcp_cfg *tc, uint32_t pin)
{
	return pin != 0 ? pin : tc->rcvbuf;
}

/** The lcore's clock in microseconds (what the congestion controls count in). */
static inline uint64_t
sp_tcp_now_us(const struct sp_ctx *ctx)
{
	return ctx->now / (ctx->hz / 1000000 ? ctx->hz / 1000000 : 1);
}

/**
 * TS.Recent taken at TSC @p age still judges PAWS: RFC 7323 5.5 invalidates it after 24 days
 * of idleness (a connection's, or a TIME-WAIT entry's).
 */
static inline bool
sp_tcp_ts_recent_valid(const struct sp_ctx *ctx, uint64_t age)
{
	return ctx->now - age < ctx->hz * 24ull * 86400;
}

/* tcp_api.c */
/**
 * The receive buffer becomes @p bytes of window (SO_RCVBUF after the connection exists). Smaller:
 * the window stops opening beyond it, what was advertised stays (sp_tcp_rcv_wnd_adv()); larger:
 * a window update goes out when receiver SWS avoidance allows (sp_tcp_recv_done()). The scale
 * chosen at the SYN stays, so the window field still caps the window at 65535 << scale.
 */
void sp_tcp_set_rcvbuf(struct sp_conn *c, uint32_t bytes);

/* tcp_conn.c */
/**
 * The hash of a 4-tuple in the connection table and the TIME-WAIT table (tcp_tab.h): jhash of
 * its three words keyed with a random secret of the lcore (as Linux's established hash), so a
 * peer that picks its addresses and ports cannot put many tuples into one chain. A connection
 * and its TIME-WAIT entry keep it for their removal.
 */
static inline uint32_t
sp_tcp_key_hash(const struct sp_ctx *ctx, const struct sp_tcp_key *k)
{
	return rte_jhash_3words(
		k->lip, k->rip, (uint32_t)k->lport << 16 | k->rport, ctx->tcp->hash_seed);
}
struct sp_conn *sp_tcp_conn_lookup(struct sp_ctx *ctx, const struct sp_tcp_key *k);
/**
 * A new connection in CLOSED, in the table. @p rcvbuf_pin: the application's receive buffer
 * (SO_RCVBUF; 0 = none, tcp.rcvbuf and autotuning): the buffer is pinned at @p rcvbuf_pin,
 * smaller or larger than tcp.rcvbuf, and our window scale chosen for it (sp_tcp_rcv_wscale()).
 * @p user_mss: the application's MSS clamp (TCP_MAXSEG; 0 = none), sp_tcp_mss_ours().
 */
struct sp_conn *sp_tcp_conn_new(struct sp_ctx *ctx, const struct sp_tcp_key *k, uint16_t port,
	uint32_t rcvbuf_pin, uint16_t user_mss);
struct sp_listener *sp_tcp_listener_find(struct sp_ctx *ctx, uint32_t ip, uint16_t port);
void sp_tcp_set_state(struct sp_conn *c, enum sp_tcp_state s);
/** Tear down: report closed(@p err) once if the application knew it, free queues. */
void sp_tcp_conn_done(struct sp_conn *c, int err);
/** Release the memory of a done connection when no input/timer is running on it. */
void sp_tcp_conn_put(struct sp_conn *c);
void sp_tcp_conn_report(struct sp_conn *c, int err);

/* tcp_api.c */
/** End of the recv callback: clear TF_OUT_HOLD and send what the callback queued meanwhile. */
void sp_tcp_out_release(struct sp_conn *c);

/* tcp_out.c */
void sp_tcp_output(struct sp_conn *c);
/** Nothing queued is unsent, and no FIN, recovery or ACK is pending: output would do nothing. */
bool sp_tcp_nothing_to_send(const struct sp_conn *c);
void sp_tcp_send_ack(struct sp_conn *c);
void sp_tcp_send_syn(struct sp_conn *c); /* SYN or SYN-ACK by state */
void sp_tcp_send_rst(struct sp_conn *c);
int sp_tcp_send_segment(struct sp_conn *c, sp_seq_t seq, uint32_t len, uint8_t flags);
void sp_tcp_challenge_ack(struct sp_conn *c);
bool sp_tcp_chack_allowed(const struct sp_ctx *ctx, uint64_t *window_start, uint32_t *count);
void sp_tcp_reply_rst(struct sp_ctx *ctx, uint16_t port, const struct sp_ipv4 *ip,
	const struct sp_tcp_hdr *th, uint32_t seglen);
uint32_t sp_tcp_rcv_wnd(const struct sp_conn *c);
/** sp_tcp_rcv_wnd() capped at what the window field carries with our scale (65535 << wscale). */
uint32_t sp_tcp_rcv_wnd_field(const struct sp_conn *c);
/**
 * RCV.WND as the peer may use it: sp_tcp_rcv_wnd_field(), or what our last ACK promised beyond
 * RCV.NXT when that is more (a buffer shrunk by SO_RCVBUF, or rounding to our scale, leaves the
 * right edge where it was: RFC 9293 3.8.6.2.2, RFC 7323 2.4). Segments are accepted against it.
 */
uint32_t sp_tcp_rcv_wnd_adv(const struct sp_conn *c);
uint32_t sp_tcp_ts_now(const struct sp_conn *c);
/*
 * The MSS a SYN or SYN-ACK through @p port announces: the port's MTU less 40, clamped to
 * @p user_mss when the application set one (TCP_MAXSEG, sp_listen_opts.mss; 0: none). The
 * connection sends no larger segment either (sp_tcp_conn_options() takes the smaller MSS).
 */
uint16_t sp_tcp_mss_ours(const struct sp_ctx *ctx, uint16_t port, uint16_t user_mss);
/* One segment; @p iptx: the IP TOS and TTL of its connection or listener (NULL: 0 and 64). */
int sp_tcp_xmit(struct sp_ctx *ctx, uint32_t src, uint32_t dst, struct sp_tcp_hdr *h,
	struct rte_mbuf *payload, uint16_t port, const struct sp_ip_tx *iptx);

/* tcp_sndbuf.c */
void sp_tcp_sb_append(struct sp_conn *c, struct rte_mbuf *m);
/** Drop @p n acknowledged bytes from the head of the send buffer. */
void sp_tcp_sb_trim(struct sp_conn *c, uint32_t n);
/**
 * Indirect mbufs covering [@p seq, @p seq + @p len) of the send buffer (which must hold them).
 * @return the chain, or NULL when out of mbufs.
 */
struct rte_mbuf *sp_tcp_sb_clone(struct sp_conn *c, sp_seq_t seq, uint32_t len);
/** Copy [@p seq, @p seq + @p len) of the send buffer (which must hold them) to @p dst. */
void sp_tcp_sb_copy(struct sp_conn *c, sp_seq_t seq, uint32_t len, uint8_t *dst);
void sp_tcp_sb_free(struct sp_conn *c);
/**
 * Autotuning: an ACK freed part of the buffer (@p inflight bytes were in flight before it); grow
 * the buffer if it was what limited the sender.
 */
void sp_tcp_sb_expand(struct sp_conn *c, uint32_t inflight);

/* tcp_timer.c */
void sp_tcp_timers_init(struct sp_conn *c);
void sp_tcp_timers_stop(struct sp_conn *c);
void sp_tcp_rtx_arm(struct sp_conn *c);
/*
 * The same from the send path, before the caller moves SND.NXT: @p snd_nxt is where it will be
 * (a probe timer is armed only when nothing below SND.MAX waits to be sent again).
 */
void sp_tcp_rtx_arm_sent(struct sp_conn *c, sp_seq_t snd_nxt);
/** New data went: the tail loss probe is due one PTO from now (RFC 8985 7.2). */
void sp_tcp_pto_rearm(struct sp_conn *c);
/** An ACK reached or passed the loss probe's end: @p dsack says the probe was a duplicate. */
void sp_tcp_tlp_acked(struct sp_conn *c, bool dsack, uint64_t now_us);
void sp_tcp_delack_arm(struct sp_conn *c);
/** Nothing due on the retransmission timer any more (lazily: the wheel's timer stays). */
static inline void
sp_tcp_rtx_stop(struct sp_conn *c)
{
	c->rtx_due = 0;
}
/** The delayed ACK went (with a segment): nothing due on its timer (lazily). */
static inline void
sp_tcp_delack_stop(struct sp_conn *c)
{
	c->delack_due = 0;
}
void sp_tcp_timewait_arm(struct sp_conn *c);
void sp_tcp_keepalive_arm(struct sp_conn *c);
void sp_tcp_rtt_sample(struct sp_conn *c, uint32_t rtt_us);

/* tcp_sack.c */
void sp_tcp_sack_update(struct sp_conn *c, const struct sp_tcp_opts *o, bool dsack);
void sp_tcp_sack_trim(struct sp_conn *c);
bool sp_tcp_sack_next_hole(const struct sp_conn *c, sp_seq_t from, sp_seq_t *seq, uint32_t *len);
/** The first byte of [@p from, @p end) the scoreboard does not hold, or @p end. */
sp_seq_t sp_tcp_sack_first_unsacked(const struct sp_conn *c, sp_seq_t from, sp_seq_t end);
/** The highest SACKed sequence (end of the highest range), SND.UNA when none. */
static inline sp_seq_t
sp_tcp_sack_high(const struct sp_conn *c)
{
	return c->n_sacked > 0 ? c->sacked[c->n_sacked - 1].end : c->snd_una;
}
/** RFC 6675 IsLost(): un-SACKed bytes below the returned sequence are lost (SND.UNA: none). */
sp_seq_t sp_tcp_sack_lost_edge(const struct sp_conn *c);
/** RFC 6675 SetPipe(): bytes presumed in the network during SACK loss recovery. */
uint32_t sp_tcp_sack_pipe(const struct sp_conn *c);
/**
 * RFC 6675 NextSeg() rules 1 and 3: retransmit the next hole above rexmit_hi (only a lost one
 * unless @p any) and advance rexmit_hi. @return bytes sent, 0 when there is no such hole.
 */
uint32_t sp_tcp_sack_rexmit_next(struct sp_conn *c, bool any);
/**
 * RFC 6675 NextSeg() rule 4: once per recovery (again after SND.UNA passed RescueRxt), resend
 * the segment holding the highest un-SACKed byte above rexmit_hi. @return bytes sent.
 */
uint32_t sp_tcp_sack_rescue(struct sp_conn *c);
/** Bytes the scoreboard holds as SACKed (in all; below @p seq). */
uint32_t sp_tcp_sack_bytes(const struct sp_conn *c);
uint32_t sp_tcp_sack_bytes_below(const struct sp_conn *c, sp_seq_t seq);

/* tcp_lost_rxt.c */
/** Forget the watched retransmissions (a recovery begins or ends, a timeout). */
static inline void
sp_tcp_rxt_reset(struct sp_conn *c)
{
	c->n_rxt = 0;
	c->rxt_lost = 0;
}
/** A retransmission of [@p seq, @p seq + @p len) went in SACK recovery: watch it. */
void sp_tcp_rxt_note(struct sp_conn *c, sp_seq_t seq, uint32_t len);
/**
 * After the scoreboard took an ACK: forget delivered retransmissions, and find those lost as
 * well (data first sent after them was SACKed). @return how many were newly found lost.
 */
unsigned sp_tcp_rxt_detect(struct sp_conn *c);
/** Un-SACKed bytes of the retransmissions found lost (no longer in the network). */
uint32_t sp_tcp_rxt_lost_bytes(const struct sp_conn *c);
/** Resend the first retransmission found lost. @return bytes sent, 0: none. */
uint32_t sp_tcp_rxt_resend(struct sp_conn *c);

/* tcp_reorder.c */
/* n_undo: no recovery that could be undone (none yet, no SACK, a timeout since, undone). */
#define SP_TCP_UNDO_NONE UINT8_MAX

/**
 * The loss threshold in segments (RFC 6675 DupThresh): SP_TCP_DUPTHRESH until reordering was
 * seen, then the degree seen, but never above half the segments in flight (nor
 * below SP_TCP_DUPTHRESH): a peer that claims any reordering still has losses found once half
 * the flight is SACKed above them (and by the probe and retransmission timers). Outside
 * recovery cwnd keeps the bound from growing with what limited transmit sends while the
 * threshold waits (in recovery cwnd is proportional rate reduction's, not the window's).
 */
static inline uint32_t
sp_tcp_dupthresh(const struct sp_conn *c)
{
	uint32_t flight, half;

	if (likely(c->reordering <= SP_TCP_DUPTHRESH))
		return SP_TCP_DUPTHRESH;
	flight = c->snd_max - c->snd_una;
	if (!(c->flags & TF_RECOVERY))
		flight = RTE_MIN(flight, c->cc.cwnd);
	half = flight / (2u * (c->mss ? c->mss : 1u));
	return RTE_MAX((uint32_t)SP_TCP_DUPTHRESH, RTE_MIN((uint32_t)c->reordering, half));
}
/**
 * Before the scoreboard takes the SACK blocks of an ACK (@p o, @p ack its cumulative ACK):
 * reordering seen in them (data never resent, below the highest SACKed byte, SACKed now).
 */
void sp_tcp_reorder_sack(struct sp_conn *c, const struct sp_tcp_opts *o);
/**
 * The cumulative ACK moves from @p una0 to @p ack, before the scoreboard is trimmed, with the
 * highest SACKed byte @p hi0 before the ACK: reordering seen when it covers a hole never resent,
 * or one resent once whose original the echoed timestamp @p tsecr (0: none) shows filled it
 * (RFC 3522): then the recovery is undone as well.
 */
void sp_tcp_reorder_cumack(
	struct sp_conn *c, sp_seq_t una0, sp_seq_t ack, sp_seq_t hi0, uint32_t tsecr);
/** A SACK recovery begins: remember the congestion state for a possible undo. */
void sp_tcp_undo_start(struct sp_conn *c);
/** [@p seq, @p seq + @p len) was retransmitted in SACK recovery: log it for the undo. */
void sp_tcp_undo_note(struct sp_conn *c, sp_seq_t seq, uint32_t len);
/**
 * A D-SACK block [@p start, @p end) arrived (RFC 2883): when every retransmission of the last
 * recovery is now reported a duplicate, undo its congestion response (RFC 3708, RFC 4015);
 * @p acked: bytes this ACK acknowledged. @return true when it was undone.
 */
bool sp_tcp_undo_dsack(struct sp_conn *c, sp_seq_t start, sp_seq_t end, uint32_t acked);
/**
 * Retransmission timeout: nothing before it can be undone any more, and a raised threshold
 * that let a loss wait for the timer while SACKs came goes back to SP_TCP_DUPTHRESH.
 */
void sp_tcp_reorder_timeout(struct sp_conn *c);

/* tcp_rto_undo.c */
/**
 * A retransmission timeout fires with @p inflight bytes out, before congestion control reacts:
 * with timestamps on, save what undoing its response needs (RFC 4015), unless an earlier
 * timeout of this episode already did.
 */
void sp_tcp_rto_undo_start(struct sp_conn *c, uint32_t inflight);
/**
 * The first ACK that moves SND.UNA after a timeout (already moved; @p acked bytes, echoing
 * @p tsecr, 0 when none): when the echo is older than the retransmission (RFC 3522), undo the
 * timeout's response and resume at SND.MAX. @return true when it was undone.
 */
bool sp_tcp_rto_undo_ack(struct sp_conn *c, uint32_t tsecr, uint32_t acked);

/* tcp_prr.c */
/** A SACK recovery begins, or is cut again (lost retransmission): PRR counts from zero. */
void sp_tcp_prr_start(struct sp_conn *c);
/** An ACK in SACK recovery delivered @p delivered bytes: cwnd = pipe + PRR's sndcnt. */
void sp_tcp_prr_ack(struct sp_conn *c, uint32_t delivered);
/** @p len bytes retransmitted in SACK recovery (PRR's prr_out; new data is in bytes_sent). */
static inline void
sp_tcp_prr_rxt(struct sp_conn *c, uint32_t len)
{
	c->prr_rxt += len;
}

/* tcp_mem.c */
void sp_tcp_mem_init(struct sp_ctx *ctx);
void sp_tcp_mem_fini(struct sp_ctx *ctx);
/** May @p c take @p n more mbufs now? (The marks and tcp.mem_conn_min.) */
bool sp_tcp_mem_may_charge(const struct sp_conn *c, uint32_t n);
/** Charge @p n mbufs to @p c if the marks allow it. @return false: refused (counted). */
bool sp_tcp_mem_charge(struct sp_conn *c, enum sp_tcp_mem_kind kind, uint32_t n);
void sp_tcp_mem_uncharge(struct sp_conn *c, enum sp_tcp_mem_kind kind, uint32_t n);
/** A send was cut short for memory: call writable() when memory is back. */
void sp_tcp_mem_wait(struct sp_conn *c);
/** The connection ends: it waits for nothing any more. */
void sp_tcp_mem_conn_gone(struct sp_conn *c);
/** SND.UNA or RCV.NXT advanced (a connection making progress is never aborted for memory). */
void sp_tcp_mem_progress(struct sp_conn *c);

/* tcp_in.c */
/** sp_tcp_input() after steering: the segment is this lcore's (steered ones enter here). */
void sp_tcp_input_here(
	struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip);
void sp_tcp_conn_options(struct sp_conn *c, const struct sp_tcp_opts *o);
/**
 * A segment of @p c (data at the payload, @p plen bytes) after checksum and lookup: the state
 * machine. @p nsegs: how many received segments it stands for (GRO/LRO merged them).
 */
void sp_tcp_conn_input(struct sp_conn *c, struct rte_mbuf *m, const struct sp_ipv4 *ip,
	struct sp_tcp_hdr *th, uint32_t plen, uint32_t nsegs);

/* tcp_gro.c */
/**
 * Software GRO (docs/tcp.md "Offloads"): hold or merge an in-order data segment of @p c
 * (@p opts: its raw options, th->doff - 20 bytes). @return true when it took @p m; false: the
 * caller processes it now (a segment of @p c held before was processed first).
 */
bool sp_tcp_gro_hold(struct sp_conn *c, struct rte_mbuf *m, const struct sp_ipv4 *ip,
	const struct sp_tcp_hdr *th, const uint8_t *opts, uint32_t plen);
/** The peer's FIN is the next thing in sequence: RCV.NXT past it, the state moves on. */
void sp_tcp_fin_arrived(struct sp_conn *c);
/**
 * RFC 9293 3.10.7.4 first step: is a segment of @p seglen at @p seq acceptable for RCV.NXT
 * @p rcv_nxt and RCV.WND @p wnd? (With a zero window, one at RCV.NXT is, for its ACK or RST.)
 */
bool sp_tcp_seq_acceptable(sp_seq_t rcv_nxt, uint32_t wnd, sp_seq_t seq, uint32_t seglen);

/* tcp_timewait.c */
/** Create/free the TIME-WAIT table of ctx->tcp (sp_tcp_init/fini). */
int sp_tcp_tw_init(struct sp_ctx *ctx);
void sp_tcp_tw_fini(struct sp_ctx *ctx);
/**
 * @p c has just entered TIME-WAIT and closed(0) was reported: send the ACK it owes, keep a
 * compact entry (recycling the oldest when the table is full) and free @p c (sp_tcp_conn_done).
 */
void sp_tcp_tw_enter(struct sp_conn *c);
struct sp_tcp_tw *sp_tcp_tw_lookup(struct sp_ctx *ctx, const struct sp_tcp_key *k);
/** A connection or a TIME-WAIT entry holds @p k (active opens must not take it). */
bool sp_tcp_tuple_in_use(struct sp_ctx *ctx, const struct sp_tcp_key *k);
/**
 * A segment that matched no connection, for a TIME-WAIT entry (RFC 9293 3.10.7.4, RFC 6191).
 * @return true when an entry handled it (the caller frees @p m's mbuf); false when there is no
 * entry for @p k (any more: an acceptable SYN ended it, *reused is then set and *min_iss is the
 * ISS its SYN-ACK must use): go on to the listener / CLOSED.
 */
bool sp_tcp_tw_input(struct sp_ctx *ctx, const struct sp_tcp_key *k, const struct sp_tcp_hdr *th,
	uint32_t plen, bool *reused, sp_seq_t *min_iss);
/** Call @p fn for each entry, shown as a struct sp_conn in TIME-WAIT (telemetry, tests). */
void sp_tcp_tw_foreach(
	struct sp_ctx *ctx, void (*fn)(void *arg, const struct sp_conn *c), void *arg);

/* tcp_reass.c */
/** Drop the first @p n bytes of a chain. @return the new head (NULL when nothing is left). */
struct rte_mbuf *sp_tcp_mbuf_trim_head(struct rte_mbuf *m, uint32_t n);
/** Keep the first @p keep bytes of a chain (keep > 0). */
void sp_tcp_mbuf_trim_tail(struct rte_mbuf *m, uint32_t keep);
/** Queue @p m ([@p seq, @p seq + @p len), @p fin after it) beyond RCV.NXT; takes @p m. */
void sp_tcp_reass_insert(
	struct sp_conn *c, struct rte_mbuf *m, sp_seq_t seq, uint32_t len, bool fin);
/** @p m (@p len bytes at RCV.NXT) to the application, then what the queue now continues. */
void sp_tcp_reass_deliver(struct sp_conn *c, struct rte_mbuf *m, uint32_t len);
void sp_tcp_reass_free(struct sp_conn *c);
void sp_tcp_reass_after_fin(struct sp_conn *c);

#define TCP_STAT(c, name)	 SP_STAT((c)->ctx, (c)->port, name)
#define TCP_STAT_ADD(c, name, v) SP_STAT_ADD((c)->ctx, (c)->port, name, v)

#endif
