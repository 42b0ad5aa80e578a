/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The application API: an event core for a poll loop. Every call is made on the lcore that owns
 * the sp_ctx (for a connection: the lcore its packets arrive on). Callbacks run from inside
 * sp_input()/sp_poll() on that lcore; they may call any function here, including sp_tcp_close()
 * on the connection being reported. No call blocks.
 */
#ifndef SP_API_H
#define SP_API_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>
#include <rte_mbuf.h>

#include "sp_export.h"

struct sp_ctx;
struct sp_conn;
struct sp_listener;

/** Callbacks of a connection. Any may be NULL. @p arg is the connection's user data. */
struct sp_tcp_callbacks {
	/**
	 * Listener only: a passive connection reached ESTABLISHED. Set the connection's own
	 * callbacks/user data here with sp_tcp_set_callbacks(). Return 0 to keep it, < 0 to reset it.
	 * @p arg is the listener's arg.
	 */
	int (*accepted)(struct sp_conn *c, void *arg);
	/** Active open completed (ESTABLISHED). */
	void (*connected)(struct sp_conn *c, void *arg);
	/**
	 * In-order data: @p m is a chain of mbufs (pkt_len bytes of payload, data pointer at the
	 * payload) now owned by the callee, which must free it (rte_pktmbuf_free). Zero-copy.
	 */
	void (*recv)(struct sp_conn *c, struct rte_mbuf *m, void *arg);
	/** Send space became available after sp_tcp_send() accepted less than asked. */
	void (*writable)(struct sp_conn *c, void *arg);
	/** The peer sent FIN: no more data will arrive (we may still send). */
	void (*peer_closed)(struct sp_conn *c, void *arg);
	/**
	 * Last callback: the connection is gone (fully closed, reset, timed out, or aborted).
	 * @p err is 0 for an orderly close, else -ECONNRESET, -ECONNREFUSED, -ETIMEDOUT,
	 * -ECONNABORTED, -EHOSTUNREACH. @p c is invalid once this returns.
	 */
	void (*closed)(struct sp_conn *c, int err, void *arg);
};

/**
 * IP header fields of what a connection or a datagram sends: the socket layer's IP_TOS and
 * IP_TTL (docs/api.md "IP header fields"). Zeroed: TOS 0, TTL 64.
 */
struct sp_ip_tx {
	uint8_t tos; /**< the TOS byte (DSCP and ECN bits); TCP sends it with the ECN bits clear */
	uint8_t ttl; /**< 0 = SP_IP_DEFAULT_TTL */
};
/** The TTL of what spindle sends when nothing asks for another (Linux's ip_default_ttl). */
#define SP_IP_DEFAULT_TTL 64

/** Listener options. */
struct sp_listen_opts {
	uint32_t ip; /**< local address, host order; 0 = any of ours */
	uint16_t port;
	const struct sp_tcp_callbacks *cb; /**< accepted is required */
	void *arg;
	uint32_t backlog; /**< SYN-RECEIVED bound before SYN cookies; 0 = [tcp] syn_backlog */
	const char *cc;	  /**< "newreno" / "cubic"; NULL = [tcp] cc */
	bool nodelay;	  /**< accepted connections start with Nagle off */
	/**
	 * Nonzero: the receive buffer of what it accepts is pinned (as SO_RCVBUF on a listener):
	 * this many bytes of window, smaller or larger than [tcp] rcvbuf, no autotuning; the
	 * SYN-ACK's window is at most this and its window scale is chosen for this buffer instead
	 * of [tcp] rcvbuf_max (0 below 64 KB). 0: [tcp] rcvbuf, autotuned.
	 */
	uint32_t rcvbuf;
	struct sp_ip_tx iptx; /**< of its SYN-ACKs and of the connections it accepts */
	/**
	 * Nonzero: the MSS its SYN-ACKs announce and the largest segment its connections send
	 * are at most this (TCP_MAXSEG; at least SP_TCP_MIN_USER_MSS). 0: from the port's MTU.
	 */
	uint16_t mss;
};

/** The smallest MSS an application may ask for (Linux's TCP_MIN_MSS; TCP_MAXSEG). */
#define SP_TCP_MIN_USER_MSS 88

/** Active open options. */
struct sp_connect_opts {
	uint32_t dst_ip; /**< host order */
	uint16_t dst_port;
	uint32_t src_ip;   /**< 0 = chosen by route */
	uint16_t src_port; /**< 0 = ephemeral, chosen so the reply lands on this lcore */
	const struct sp_tcp_callbacks *cb;
	void *arg;
	const char *cc;
	bool nodelay;
	uint32_t rcvbuf;      /**< pin the receive buffer as sp_listen_opts.rcvbuf does; 0 = not */
	struct sp_ip_tx iptx; /**< of every segment, the SYN included */
	uint16_t mss;	      /**< as sp_listen_opts.mss, for the SYN and the connection */
};

/** Snapshot of a connection (for ss-like output). */
struct sp_tcp_info {
	const char *state;
	uint32_t local_ip, remote_ip;
	uint16_t local_port, remote_port;
	uint32_t cwnd, ssthresh; /**< bytes */
	uint32_t srtt_us, rttvar_us, rto_ms;
	uint32_t mss_send, mss_recv;
	uint8_t snd_wscale, rcv_wscale;
	bool sack, timestamps;
	uint32_t snd_wnd, rcv_wnd;
	uint64_t retransmits;
	uint64_t bytes_sent, bytes_acked, bytes_received;
	uint32_t send_queue, recv_queue; /**< bytes unacked+unsent / received-not-delivered */
	const char *cc;
};

/**
 * Memory held by one lcore's TCP connections (docs/tcp.md "Memory"), in mbufs of its pool.
 * Read by sp_tcp_mem_get(); telemetry /spindle/mem shows it for every worker.
 */
struct sp_tcp_mem_info {
	uint32_t mbufs;		      /**< held in all: send buffers + out-of-order queues */
	uint32_t snd, ooo;	      /**< of which in send buffers / out-of-order queues */
	uint32_t peak;		      /**< highest mbufs since start */
	uint32_t low, pressure, high; /**< the marks in effect (tcp.mem_*) */
	uint32_t truesize;	      /**< bytes one mbuf of the pool costs */
	bool under_pressure;	      /**< between reaching pressure and falling below low */
	uint32_t waiting;	      /**< connections waiting for memory to send */
	uint64_t pressures;	      /**< times pressure was reached */
	uint64_t aborts;	      /**< connections aborted for memory */
	uint32_t conns;		      /**< connections in the table */
};

SP_EXPORT_BEGIN

/**
 * Fill @p out for @p ctx's lcore. Any thread may call it (the figures are read without locks,
 * each one consistent, the set of them not).
 */
void sp_tcp_mem_get(const struct sp_ctx *ctx, struct sp_tcp_mem_info *out);

/** Start listening. @return 0 with *out set, -EADDRINUSE, -EINVAL, -ENOMEM. */
int sp_tcp_listen(struct sp_ctx *ctx, const struct sp_listen_opts *o, struct sp_listener **out);
/** Stop listening; established connections are unaffected. */
void sp_tcp_unlisten(struct sp_ctx *ctx, struct sp_listener *l);

/**
 * Active open: sends SYN. The connected or closed callback reports the outcome.
 * @return 0 with *out set, -EADDRNOTAVAIL (no ephemeral port), -ENOBUFS (max_connections),
 * -EHOSTUNREACH (no route).
 */
int sp_tcp_connect(struct sp_ctx *ctx, const struct sp_connect_opts *o, struct sp_conn **out);

/** Replace callbacks and user data (typically from accepted). */
void sp_tcp_set_callbacks(struct sp_conn *c, const struct sp_tcp_callbacks *cb, void *arg);
void *sp_tcp_get_arg(const struct sp_conn *c);

/**
 * Queue @p len bytes (copied) for sending. @return bytes accepted (0..len; less than len when
 * the send buffer is full: wait for writable), or -ENOTCONN / -EPIPE after shutdown.
 */
ssize_t sp_tcp_send(struct sp_conn *c, const void *buf, size_t len);
/**
 * Queue the payload of @p m (a chain, data pointer at the payload) without copying. Takes
 * ownership on success (0); on -ENOBUFS (send buffer full) or -EPIPE the caller keeps @p m.
 */
int sp_tcp_send_mbuf(struct sp_conn *c, struct rte_mbuf *m);
/** Bytes sp_tcp_send() would accept now. */
size_t sp_tcp_send_space(const struct sp_conn *c);
/** Push out queued data now (send even a small segment despite Nagle). */
void sp_tcp_flush(struct sp_conn *c);
/**
 * Receive flow control. Off (the default): data handed to recv() is the application's, and the
 * advertised window reflects only what the stack itself holds. On: bytes handed to recv() count
 * against the receive window (tcp.rcvbuf) until the application releases them with
 * sp_tcp_recv_done(), so a consumer that cannot keep up closes the peer's window instead of
 * holding an unbounded backlog. Turning it off releases everything held.
 */
void sp_tcp_set_recv_flow(struct sp_conn *c, bool on);
/**
 * Flow control on: @p bytes delivered by recv() are consumed; the window reopens (a window
 * update is sent at once when the window had become small, RFC 1122 receiver SWS avoidance).
 */
void sp_tcp_recv_done(struct sp_conn *c, uint32_t bytes);
/** Nagle off (true) / on (false, the default). */
void sp_tcp_set_nodelay(struct sp_conn *c, bool on);
/**
 * Congestion control of @p c: "cubic", or "newreno" (also "reno", Linux's name for it). Before
 * the handshake ends it is the one the connection starts with; later the switch is immediate
 * and keeps cwnd and ssthresh (the new algorithm's own state starts afresh, as Linux's
 * TCP_CONGESTION). @return 0, or -ENOENT for a name spindle does not have.
 */
int sp_tcp_set_cc(struct sp_conn *c, const char *name);
/** The IP header fields of the segments @p c sends from now on (retransmissions included). */
void sp_tcp_set_ip_tx(struct sp_conn *c, const struct sp_ip_tx *iptx);
/** The name of @p c's congestion control ("cubic" / "newreno"). */
const char *sp_tcp_cc_name(const struct sp_conn *c);
/** Send FIN after queued data (half-close). Receiving continues. */
int sp_tcp_shutdown(struct sp_conn *c);
/**
 * Close: shutdown + no more recv callbacks (data that arrives later is discarded and, as RFC
 * 9293/1122 require, answered with RST). closed is still reported.
 */
int sp_tcp_close(struct sp_conn *c);
/** Reset the connection now (RST sent); closed is reported with -ECONNABORTED. */
void sp_tcp_abort(struct sp_conn *c);
/** Fill @p info. */
void sp_tcp_get_info(const struct sp_conn *c, struct sp_tcp_info *info);
/** Iterate this lcore's connections (telemetry). */
void sp_tcp_foreach(struct sp_ctx *ctx, void (*fn)(void *arg, const struct sp_conn *c), void *arg);
/**
 * Connections of this lcore that are open or still closing: every state from SYN-SENT to
 * LAST-ACK except SYN-RECEIVED (a handshake no application has accepted yet). TIME-WAIT does not
 * count: those connections are closed and only wait out 2 MSL. A graceful stop polls until this
 * is 0. It walks the table: call it now and then, not per packet.
 */
unsigned sp_tcp_conn_count(struct sp_ctx *ctx);

/* ---------------- UDP ---------------- */
/**
 * UDP receive callback: @p m holds the payload (data pointer at it); callee frees it.
 * Addresses and ports host order.
 */
typedef void (*sp_udp_recv_fn)(struct sp_ctx *ctx, struct rte_mbuf *m, uint32_t src_ip,
	uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, void *arg);
/** Bind local @p port (any address). @return 0, -EADDRINUSE, -ENOMEM. */
int sp_udp_bind(struct sp_ctx *ctx, uint16_t port, sp_udp_recv_fn fn, void *arg);
void sp_udp_unbind(struct sp_ctx *ctx, uint16_t port);
/** Send @p len bytes from @p buf. @return 0 or -errno. */
int sp_udp_send(struct sp_ctx *ctx, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
	uint16_t dst_port, const void *buf, size_t len);
/** sp_udp_send() with the IP header's TOS and TTL from @p iptx (NULL: TOS 0, TTL 64). */
int sp_udp_send_ip_tx(struct sp_ctx *ctx, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
	uint16_t dst_port, const void *buf, size_t len, const struct sp_ip_tx *iptx);

SP_EXPORT_END

#endif
