/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory that TCP connections hold, per lcore, and what happens when it runs short
 * (docs/tcp.md "Memory").
 *
 * Every mbuf a connection keeps past the segment that brought it is charged here: the send
 * buffer (copies of the application's data, or its own mbufs) and the out-of-order queue.
 * Received in-order data is the application's once recv() has it and is not charged. The unit is
 * the mbuf, because that is what runs out: a 1-byte segment in an mbuf costs a whole mbuf, and
 * the pool the connections draw from is the one the PMD refills its RX ring from.
 *
 * Three marks per lcore, like Linux's tcp_mem (low, pressure, high), derived from the lcore's
 * share of its mbuf pool unless configured:
 *  - below pressure, a connection may grow to its buffer sizes;
 *  - from pressure on (until the total falls under low again) only connections holding less
 *    than tcp.mem_conn_min mbufs may grow, and only up to that; the out-of-order queue of the
 *    connection being served is pruned from its far end to make room (RFC 2018 8 allows the
 *    reneging that implies) and connections without progress for tcp.mem_stall_ms are aborted,
 *    those holding the most for the longest first;
 *  - nothing is charged beyond high.
 * So connection buffers never take more than high mbufs of an lcore's share: the rest stays for
 * the RX ring, received segments on their way up and the stack's own ACK, RST and SYN-ACK
 * segments, and an lcore under attack still answers pings, completes handshakes and resets.
 */
#include <rte_mempool.h>

#include "sp_log.h"
#include "tcp.h"

/* Period of the memory check (abort scan, waking writers that waited for memory). */
#define MEM_TICK_MS 50
/* Connections aborted per check at most (they are the worst; the next check takes more). */
#define MEM_ABORT_BATCH 64

static uint64_t
tsc_ms(const struct sp_ctx *ctx, uint64_t ms)
{
	return ms * ctx->hz / 1000;
}

/* The marks: configured, or from this lcore's share of its pool. */
static void
mem_limits(struct sp_ctx *ctx)
{
	const struct sp_tcp_cfg *tc = &ctx->cfg->tcp;
	struct sp_tcp_mem *mem = &ctx->tcp->mem;
	unsigned workers = RTE_MAX(ctx->stack->n_workers, 1u);
	uint32_t share = ctx->pool != NULL ? ctx->pool->size / workers : 4096;

	mem->truesize = ctx->pool != NULL ? ctx->pool->elt_size + ctx->pool->header_size +
						    ctx->pool->trailer_size
					  : 2048;
	mem->high = tc->mem_high != 0 ? tc->mem_high : share / 2;
	mem->pressure = tc->mem_pressure != 0 ? tc->mem_pressure : share * 3 / 8;
	mem->low = tc->mem_low != 0 ? tc->mem_low : share / 4;
	/* config.c checks low < pressure < high when they are given; keep the derived ones so. */
	mem->pressure = RTE_MIN(mem->pressure, mem->high);
	mem->low = RTE_MIN(mem->low, mem->pressure);
	mem->n_workers = workers;
}

/* The check runs only while there is something to do: pressure, or writers waiting. */
static void
tick_arm(struct sp_ctx *ctx)
{
	struct sp_tcp_mem *mem = &ctx->tcp->mem;

	if (!mem->timer.armed)
		sp_timer_arm(ctx, &mem->timer, ctx->now + tsc_ms(ctx, MEM_TICK_MS));
}

static void
pressure_update(struct sp_conn *c)
{
	struct sp_tcp_mem *mem = &c->ctx->tcp->mem;

	if (!mem->under_pressure && mem->mbufs >= mem->pressure) {
		mem->under_pressure = true;
		mem->pressures++;
		TCP_STAT(c, TCPMemoryPressures);
		tick_arm(c->ctx);
	} else if (mem->under_pressure && mem->mbufs < mem->low) {
		mem->under_pressure = false;
	}
}

bool
sp_tcp_mem_may_charge(const struct sp_conn *c, uint32_t n)
{
	struct sp_tcp_mem *mem = &c->ctx->tcp->mem;
	uint32_t held = c->mem_snd + c->mem_ooo;

	/* Workers are added after this lcore's TCP state is made: the share follows them. */
	if (unlikely(mem->n_workers != RTE_MAX(c->ctx->stack->n_workers, 1u)))
		mem_limits(c->ctx);
	if (mem->mbufs + n > mem->high)
		return false;
	if (mem->under_pressure || mem->mbufs + n > mem->pressure)
		return held + n <= c->ctx->cfg->tcp.mem_conn_min;
	return true;
}

/* Count @p n more mbufs held by @p c (the marks were asked already). */
static void
mem_add(struct sp_conn *c, enum sp_tcp_mem_kind kind, uint32_t n)
{
	struct sp_tcp_mem *mem = &c->ctx->tcp->mem;

	if (kind == SP_TCP_MEM_SND) {
		c->mem_snd += n;
		mem->snd += n;
	} else {
		c->mem_ooo += n;
		mem->ooo += n;
	}
	mem->mbufs += n;
	if (mem->mbufs > mem->peak)
		mem->peak = mem->mbufs;
	pressure_update(c);
}

bool
sp_tcp_mem_charge(struct sp_conn *c, enum sp_tcp_mem_kind kind, uint32_t n)
{
	/*
	 * A send buffer of many tiny mbufs would make every walk of it long (the SACK-panic class
	 * of bugs): at most one mbuf per 512 bytes of tcp.sndbuf (64 at least), which full copy
	 * buffers never reach.
	 */
	if (kind == SP_TCP_MEM_SND && c->mem_snd + n > RTE_MAX(c->sndbuf / 512, 64u)) {
		TCP_STAT(c, TCPSndSegsLimit);
		return false;
	}
	if (!sp_tcp_mem_may_charge(c, n)) {
		TCP_STAT(c, TCPMemoryRefused);
		pressure_update(c);
		return false;
	}
	mem_add(c, kind, n);
	return true;
}

void
sp_tcp_mem_uncharge(struct sp_conn *c, enum sp_tcp_mem_kind kind, uint32_t n)
{
	struct sp_tcp_mem *mem = &c->ctx->tcp->mem;

	if (kind == SP_TCP_MEM_SND) {
		RTE_ASSERT(c->mem_snd >= n && mem->snd >= n);
		c->mem_snd -= n;
		mem->snd -= n;
	} else {
		RTE_ASSERT(c->mem_ooo >= n && mem->ooo >= n);
		c->mem_ooo -= n;
		mem->ooo -= n;
	}
	mem->mbufs -= n;
	pressure_update(c);
}

void
sp_tcp_mem_wait(struct sp_conn *c)
{
	c->flags |= TF_WANT_WRITABLE;
	if (!(c->flags & TF_MEM_WAIT)) {
		c->flags |= TF_MEM_WAIT;
		c->ctx->tcp->mem.waiting++;
		tick_arm(c->ctx);
	}
}

void
sp_tcp_mem_conn_gone(struct sp_conn *c)
{
	if (c->flags & TF_MEM_WAIT) {
		c->flags &= ~TF_MEM_WAIT;
		c->ctx->tcp->mem.waiting--;
	}
}

void
sp_tcp_mem_progress(struct sp_conn *c)
{
	c->last_progress = c->ctx->now;
}

struct mem_scan {
	struct sp_ctx *ctx;
	uint64_t stall; /* TSC */
	bool wake;	/* memory is back: wake the writers that waited for it */
	unsigned n_victims;
	struct sp_conn *victims[MEM_ABORT_BATCH];
	uint64_t score[MEM_ABORT_BATCH];
	unsigned n_wake;
	struct sp_conn *wake_list[MEM_ABORT_BATCH];
};

/* Keep the MEM_ABORT_BATCH worst: most mbufs held times longest without progress. */
static void
scan_victim(struct mem_scan *s, struct sp_conn *c)
{
	uint64_t idle = s->ctx->now - c->last_progress;
	uint32_t held = c->mem_snd + c->mem_ooo;
	uint64_t score;
	unsigned i, worst = 0;

	if (held == 0 || idle < s->stall || c->freed)
		return;
	score = (uint64_t)held * (idle / (s->ctx->hz / 1000 + 1) + 1);
	if (s->n_victims < MEM_ABORT_BATCH) {
		s->victims[s->n_victims] = c;
		s->score[s->n_victims++] = score;
		return;
	}
	for (i = 1; i < MEM_ABORT_BATCH; i++)
		if (s->score[i] < s->score[worst])
			worst = i;
	if (score > s->score[worst]) {
		s->victims[worst] = c;
		s->score[worst] = score;
	}
}

static void
abort_victims(struct mem_scan *s)
{
	struct sp_tcp_mem *mem = &s->ctx->tcp->mem;

	while (s->n_victims > 0 && mem->mbufs >= mem->low) {
		unsigned i, best = 0;
		struct sp_conn *c;

		for (i = 1; i < s->n_victims; i++)
			if (s->score[i] > s->score[best])
				best = i;
		c = s->victims[best];
		s->victims[best] = s->victims[--s->n_victims];
		s->score[best] = s->score[s->n_victims];
		SP_LOG(NOTICE, tcp,
			"memory: aborting %u.%u.%u.%u:%u <-> %u.%u.%u.%u:%u (%u mbufs held, no progress "
			"for %" PRIu64 " ms)",
			(c->key.lip >> 24) & 255, (c->key.lip >> 16) & 255, (c->key.lip >> 8) & 255,
			c->key.lip & 255, c->key.lport, (c->key.rip >> 24) & 255,
			(c->key.rip >> 16) & 255, (c->key.rip >> 8) & 255, c->key.rip & 255,
			c->key.rport, c->mem_snd + c->mem_ooo,
			(s->ctx->now - c->last_progress) * 1000 / s->ctx->hz);
		mem->aborts++;
		TCP_STAT(c, TCPAbortOnMemory);
		c->busy++;
		sp_tcp_send_rst(c);
		sp_tcp_conn_done(c, -ENOMEM);
		c->busy--;
		sp_tcp_conn_put(c);
	}
}

static void
wake_writers(struct mem_scan *s)
{
	unsigned i;

	/* A writable() callback may close or abort any connection, so hold them all first. */
	for (i = 0; i < s->n_wake; i++) {
		sp_tcp_mem_conn_gone(s->wake_list[i]);
		s->wake_list[i]->busy++;
	}
	for (i = 0; i < s->n_wake; i++) {
		struct sp_conn *c = s->wake_list[i];

		if (c->freed || !(c->flags & TF_WANT_WRITABLE) || (c->flags & TF_APP_CLOSED))
			continue;
		c->flags &= ~TF_WANT_WRITABLE;
		if (c->cb.writable != NULL)
			c->cb.writable(c, c->arg);
	}
	for (i = 0; i < s->n_wake; i++) {
		s->wake_list[i]->busy--;
		sp_tcp_conn_put(s->wake_list[i]);
	}
}

static void
mem_tick(struct sp_ctx *ctx, struct sp_timer *t, void *arg)
{
	struct sp_tcp_mem *mem = &ctx->tcp->mem;
	struct mem_scan s = {.ctx = ctx, .stall = tsc_ms(ctx, ctx->cfg->tcp.mem_stall_ms)};
	struct sp_tcp_tab_node *n;
	uint32_t b = 0;

	RTE_SET_USED(arg);
	RTE_SET_USED(t);
	if (mem->under_pressure && mem->mbufs < mem->low)
		mem->under_pressure = false;
	s.wake = mem->waiting > 0 && !mem->under_pressure;
	if (mem->under_pressure || s.wake) {
		/* The walk is O(connections), but only while memory is short or just came back. */
		for (n = sp_tcp_tab_next(&ctx->tcp->conns, NULL, &b); n != NULL;
			n = sp_tcp_tab_next(&ctx->tcp->conns, n, &b)) {
			struct sp_conn *c = container_of(n, struct sp_conn, hnode);

			if (mem->under_pressure)
				scan_victim(&s, c);
			if (s.wake && (c->flags & TF_MEM_WAIT) && s.n_wake < MEM_ABORT_BATCH)
				s.wake_list[s.n_wake++] = c;
		}
		/* Nothing may leave the table while it is walked: act afterwards. */
		abort_victims(&s);
		wake_writers(&s);
	}
	if (mem->under_pressure || mem->waiting > 0)
		tick_arm(ctx);
}

void
sp_tcp_mem_init(struct sp_ctx *ctx)
{
	struct sp_tcp_mem *mem = &ctx->tcp->mem;

	mem_limits(ctx);
	sp_timer_init(&mem->timer, mem_tick, NULL);
}

void
sp_tcp_mem_fini(struct sp_ctx *ctx)
{
	struct sp_tcp_mem *mem = &ctx->tcp->mem;

	sp_timer_cancel(ctx, &mem->timer);
	SP_LOG(INFO, tcp,
		"lcore %u: TCP memory: peak %u mbufs (marks %u/%u/%u), pressure entered %" PRIu64
		" times, %" PRIu64 " connections aborted for memory",
		ctx->lcore_id, mem->peak, mem->low, mem->pressure, mem->high, mem->pressures,
		mem->aborts);
}

void
sp_tcp_mem_get(const struct sp_ctx *ctx, struct sp_tcp_mem_info *out)
{
	const struct sp_tcp_mem *mem = &ctx->tcp->mem;

	out->mbufs = mem->mbufs;
	out->snd = mem->snd;
	out->ooo = mem->ooo;
	out->peak = mem->peak;
	out->low = mem->low;
	out->pressure = mem->pressure;
	out->high = mem->high;
	out->truesize = mem->truesize;
	out->under_pressure = mem->under_pressure;
	out->waiting = mem->waiting;
	out->pressures = mem->pressures;
	out->aborts = mem->aborts;
	out->conns = ctx->tcp->n_conns;
}
