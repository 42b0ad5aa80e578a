/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proportional Rate Reduction in SACK loss recovery (RFC 6937 section 3, PRR-SSRB; Linux's
 * tcp_cwnd_reduction() is the same arithmetic in segments, with the slow-start bound only on
 * ACKs that deliver retransmitted data, see docs/tcp.md). Without it cwnd dropped to ssthresh
 * at once when recovery began: with pipe still near the old window nothing went for about half
 * a round trip, then every ACK let out what it delivered (and after heavy loss, with pipe far
 * below ssthresh, the whole difference went in one burst). PRR spreads the reduction over the
 * round trip instead: while pipe > ssthresh, ssthresh / RecoverFS of each byte delivered goes
 * out again; once pipe is at or below ssthresh, the slow-start reduction bound lets each ACK
 * send what it delivered plus one MSS, until pipe reaches ssthresh.
 *
 * On each ACK of the recovery cwnd = pipe + sndcnt, and sp_tcp_output() sends while
 * cwnd - pipe leaves a whole MSS (recovery sends no TSO segment: each is chosen on its own), so
 * an allowance below one MSS waits for the next ACK: sndcnt is computed from the totals of the
 * recovery, nothing is lost by rounding. Units are bytes.
 */
#include "tcp.h"

/* prr_out: bytes sent since recovery began, retransmissions and new data (RFC 6937 3). */
static uint64_t
prr_out(const struct sp_conn *c)
{
	return c->prr_rxt + (c->bytes_sent - c->prr_sent0);
}

void
sp_tcp_prr_start(struct sp_conn *c)
{
	uint32_t pipe = sp_tcp_sack_pipe(c);

	c->prr_delivered = 0;
	c->prr_rxt = 0;
	c->prr_sent0 = c->bytes_sent;
	/*
	 * RecoverFS: the bytes that will be delivered in the round trip ahead, i.e. pipe (RFC 9937,
	 * the standards-track PRR; RFC 6937 took SND.NXT - SND.UNA, which counts SACKed and lost
	 * bytes that will never be delivered again, Linux the window before the cut). Never below
	 * ssthresh: only a pipe that grows back above ssthresh (the peer reneged on its SACKs)
	 * reaches the proportional part from a recovery that began below it, and that must not
	 * release more than a byte per byte delivered.
	 */
	c->prr_recover_fs = RTE_MAX(RTE_MAX(pipe, c->cc.ssthresh), 1u);
	/* Until this ACK's share is known (sp_tcp_prr_ack()): only the forced first retransmit. */
	c->cc.cwnd = pipe;
}

void
sp_tcp_prr_ack(struct sp_conn *c, uint32_t delivered)
{
	uint64_t ssthresh = c->cc.ssthresh, pipe, out;
	int64_t sndcnt;

	/*
	 * An ACK that delivers nothing changes neither pipe nor the allowance (Linux, too), once an
	 * ACK of the recovery did: the one that starts it must set cwnd even if it delivered
	 * nothing (a duplicate without new SACK information), else cwnd stays at the pipe before
	 * the fast retransmission, below pipe after it.
	 */
	if (delivered == 0 && c->prr_delivered != 0)
		return;
	c->prr_delivered += delivered;
	pipe = sp_tcp_sack_pipe(c);
	out = prr_out(c);
	if (pipe > ssthresh) {
		/* Proportional part: sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out. */
		sndcnt = (int64_t)((c->prr_delivered * ssthresh + c->prr_recover_fs - 1) /
				   c->prr_recover_fs) -
			 (int64_t)out;
	} else {
		/* PRR-SSRB: limit = MAX(prr_delivered - prr_out, DeliveredData) + MSS. */
		int64_t limit =
			RTE_MAX((int64_t)c->prr_delivered - (int64_t)out, (int64_t)delivered) +
			c->mss;

		sndcnt = RTE_MIN((int64_t)(ssthresh - pipe), limit);
	}
	if (sndcnt < 0)
		sndcnt = 0;
	c->cc.cwnd = (uint32_t)RTE_MIN(pipe + (uint64_t)sndcnt, (uint64_t)UINT32_MAX);
}
