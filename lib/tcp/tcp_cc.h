/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Congestion control interface (tcp_cc.c: NewReno per RFC 5681/6582, CUBIC per RFC 9438).
 *
 * The TCP core owns loss detection and recovery bookkeeping (dupacks, recover point, SACK
 * pipe); it tells the algorithm about events and reads cwnd/ssthresh. Units: bytes,
 * microseconds.
 *
 * Split of work between the core and the algorithm during fast recovery (RFC 6582 3.2):
 * - third duplicate ACK (or RFC 6675 loss): the core calls on_loss(); the algorithm sets
 *   ssthresh and cwnd = ssthresh + 3*MSS (the three segments that left the network);
 * - each further duplicate ACK: the core itself adds MSS to cc->cwnd (inflation);
 * - a partial ACK: the core itself deflates cc->cwnd by the bytes acked, adds back MSS if
 *   that acked at least MSS, and retransmits (the algorithm is not called);
 * - a full ACK (past the recovery point): the core calls on_recovery_exit(), cwnd = ssthresh;
 * - ACKs outside recovery: on_ack(). on_ack() is never called while in fast recovery.
 * A retransmission timeout calls on_timeout() (also on each backed-off RTO: the algorithm keeps
 * ssthresh from the first one until new data is acknowledged, RFC 5681 3.1).
 */
#ifndef SP_TCP_CC_H
#define SP_TCP_CC_H

#include <stdint.h>
#include <stdbool.h>

struct sp_tcp_cc;

struct sp_tcp_cc_ops {
	const char *name;
	/* Connection established: set initial cwnd (RFC 6928: min(10*mss, max(2*mss, 14600))). */
	void (*init)(struct sp_tcp_cc *cc, uint32_t mss, uint64_t now_us);
	/*
	 * New data cumulatively acknowledged outside recovery: grow cwnd (slow start /
	 * congestion avoidance). @acked bytes newly acked, @rtt_us latest RTT sample (0 = none),
	 * @inflight bytes outstanding before this ACK (cwnd growth only when cwnd-limited).
	 */
	void (*on_ack)(struct sp_tcp_cc *cc, uint32_t acked, uint32_t rtt_us, uint32_t inflight,
		uint64_t now_us);
	/* Loss detected by dupacks/SACK: enter recovery; sets ssthresh and cwnd (RFC 5681 3.2). */
	void (*on_loss)(struct sp_tcp_cc *cc, uint32_t inflight, uint64_t now_us);
	/* Recovery finished (full ACK past the recovery point): cwnd = ssthresh (deflate). */
	void (*on_recovery_exit)(struct sp_tcp_cc *cc, uint64_t now_us);
	/* Retransmission timeout: ssthresh from flight size, cwnd = 1 MSS (RFC 5681 3.1). */
	void (*on_timeout)(struct sp_tcp_cc *cc, uint32_t inflight, uint64_t now_us);
	/*
	 * Idle restart (RFC 5681 4.1): new data is about to go after nothing was sent for more
	 * than an RTO with nothing in flight (tcp_out.c idle_restart(), tcp.slow_start_after_idle).
	 */
	void (*on_idle)(struct sp_tcp_cc *cc, uint64_t now_us);
};

/* Per-connection congestion state, embedded in the connection. */
struct sp_tcp_cc {
	const struct sp_tcp_cc_ops *ops;
	uint32_t mss;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t bytes_acked; /* appropriate byte counting in congestion avoidance */
	/* CUBIC (RFC 9438) */
	uint64_t epoch_start_us; /* 0 = no epoch */
	uint32_t w_max;		 /* bytes */
	uint32_t w_last_max;	 /* for fast convergence */
	uint32_t k_us;		 /* time to reach w_max from epoch start */
	uint32_t origin_point;	 /* bytes */
	uint32_t w_est;		 /* Reno-friendly estimate, bytes */
	uint32_t min_rtt_us;
	uint32_t cwnd_prior;
	/* Added by tcp_cc.c (the core need not touch these; init() sets them). */
	uint32_t srtt_us;  /* CUBIC: smoothed RTT of the samples (RFC 6298 gains) */
	uint64_t cwnd_acc; /* CUBIC: remainder of (target - cwnd) * acked / cwnd */
	uint64_t est_acc;  /* CUBIC: remainder of the W_est growth */
	bool in_rto;	   /* on_timeout() seen, no new data acked since */
};

/** What undoing a congestion response needs of the state before it (sp_tcp_cc_save()). */
struct sp_tcp_cc_prior {
	uint32_t cwnd;
	uint32_t ssthresh; /* pipe_prev (RFC 4015 3.2 step 1): max(FlightSize, ssthresh) */
	uint32_t w_max, w_last_max, cwnd_prior; /* CUBIC */
};

/** Before a congestion response, with @p flight bytes in flight: keep what an undo restores. */
void sp_tcp_cc_save(const struct sp_tcp_cc *cc, uint32_t flight, struct sp_tcp_cc_prior *prior);

/**
 * Undo a congestion response proven spurious (RFC 4015 3.2, the Eifel response; tcp_reorder.c
 * calls it when D-SACKs or the timestamp echo showed every retransmission of a recovery was a
 * duplicate, RFC 3708, RFC 3522). @p prior: sp_tcp_cc_save() before the response.
 * ssthresh = pipe_prev, cwnd = FlightSize + min(@p acked, IW) (@p flight bytes now in flight,
 * @p acked by this ACK), at most the cwnd before, never lowered: slow start climbs back to the
 * old window within about a round trip instead of sending the difference in one burst.
 * CUBIC's W_max, its previous value and cwnd_prior are those of before; a new epoch starts.
 */
void sp_tcp_cc_undo(
	struct sp_tcp_cc *cc, const struct sp_tcp_cc_prior *prior, uint32_t flight, uint32_t acked);

extern const struct sp_tcp_cc_ops sp_tcp_cc_newreno;
extern const struct sp_tcp_cc_ops sp_tcp_cc_cubic;

/* Find an algorithm by name ("newreno", "reno", "cubic"); NULL if unknown. */
const struct sp_tcp_cc_ops *sp_tcp_cc_find(const char *name);

/** RFC 6928 initial window for @mss: min(10*mss, max(2*mss, 14600)) bytes. */
uint32_t sp_tcp_cc_iw(uint32_t mss);

/**
 * CUBIC (RFC 9438 4.2, eq. 2): time in microseconds for the cubic function to climb from
 * @cwnd_epoch back to @w_max (bytes, @mss per segment), K = cbrt((W_max - cwnd_epoch) / C).
 * 0 if cwnd_epoch >= w_max. Integer arithmetic only.
 */
uint32_t sp_tcp_cubic_k_us(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss);

/**
 * CUBIC (RFC 9438 4.2, eq. 1): W_cubic(t) = C*(t-K)^3 + W_max in bytes, @t_us the time since
 * the epoch started, K and W_max (origin_point) of @cc's current epoch. Saturates at 0 and
 * UINT32_MAX.
 */
uint32_t sp_tcp_cubic_window(const struct sp_tcp_cc *cc, uint64_t t_us);

#endif
