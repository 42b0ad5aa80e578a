/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sender-side SACK scoreboard (RFC 2018, RFC 6675): the ranges the peer reported above
 * SND.UNA, so that loss recovery retransmits the holes and not what already arrived.
 * Bounded: at most SP_TCP_MAX_SACK merged ranges; when more arrive the highest is forgotten
 * (a forgotten range is only retransmitted needlessly, never lost).
 */
#include "tcp.h"

static void
insert(struct sp_conn *c, sp_seq_t start, sp_seq_t end)
{
	struct sp_tcp_sack_block *b = c->sacked;
	unsigned i, j;

	for (i = 0; i < c->n_sacked && SEQ_LT(b[i].start, start); i++)
		;
	if (c->n_sacked == SP_TCP_MAX_SACK) {
		if (i == SP_TCP_MAX_SACK)
			return;
		c->n_sacked--; /* forget the highest */
	}
	for (j = c->n_sacked; j > i; j--)
		b[j] = b[j - 1];
	b[i].start = start;
	b[i].end = end;
	c->n_sacked++;
	/* Merge overlapping or adjacent neighbours. */
	for (i = 0; i + 1 < c->n_sacked;) {
		if (SEQ_GEQ(b[i].end, b[i + 1].start)) {
			b[i].end = SEQ_MAX(b[i].end, b[i + 1].end);
			for (j = i + 1; j + 1 < c->n_sacked; j++)
				b[j] = b[j + 1];
			c->n_sacked--;
		} else {
			i++;
		}
	}
}

void
sp_tcp_sack_update(struct sp_conn *c, const struct sp_tcp_opts *o)
{
	unsigned i;

	for (i = 0; i < o->n_sack; i++) {
		sp_seq_t s = o->sack[i].start, e = o->sack[i].end;

		/* RFC 2018 / 6675: only blocks inside (SND.UNA, SND.MAX] are meaningful (a D-SACK
		 * below SND.UNA or a forged block beyond what we sent is ignored). */
		if (!SEQ_LT(s, e) || SEQ_LEQ(s, c->snd_una) || SEQ_GT(e, c->snd_max))
			continue;
		insert(c, s, e);
	}
}

void
sp_tcp_sack_trim(struct sp_conn *c)
{
	unsigned i = 0, j;

	while (i < c->n_sacked) {
		if (SEQ_LEQ(c->sacked[i].end, c->snd_una)) {
			for (j = i; j + 1 < c->n_sacked; j++)
				c->sacked[j] = c->sacked[j + 1];
			c->n_sacked--;
			continue;
		}
		if (SEQ_LT(c->sacked[i].start, c->snd_una))
			c->sacked[i].start = c->snd_una;
		i++;
	}
}

/*
 * The first hole at or above @p from that lies below the highest SACKed byte (RFC 6675 4,
 * NextSeg rule 1: a sequence range not SACKed with SACKed data above it is presumed lost).
 */
bool
sp_tcp_sack_next_hole(const struct sp_conn *c, sp_seq_t from, sp_seq_t *seq, uint32_t *len)
{
	unsigned i;

	if (SEQ_LT(from, c->snd_una))
		from = c->snd_una;
	for (i = 0; i < c->n_sacked; i++) {
		const struct sp_tcp_sack_block *b = &c->sacked[i];

		if (SEQ_GEQ(from, b->end))
			continue;
		if (SEQ_GEQ(from, b->start)) {
			from = b->end;
			continue;
		}
		*seq = from;
		*len = RTE_MIN(b->start - from, (uint32_t)c->mss);
		return true;
	}
	return false;
}
