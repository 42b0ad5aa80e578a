/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hashed timing wheel with 1 ms slots, driven by the caller's TSC reading (see sp_timer.h for
 * why this is not rte_timer). A timer lives in slot (expire_slot % SLOTS); when the wheel reaches
 * that slot and the deadline is still in a later turn, the timer stays for the next turn.
 */
#include <rte_common.h>

#include "sp_ctx.h"
#include "sp_timer.h"

/*
 * floor(@p tsc / cycles_per_slot) without a division instruction (arm, cancel and the run of
 * every poll each needed one): a multiply by the precomputed reciprocal gives the quotient or
 * up to two less (the reciprocal is rounded down), which the loop corrects. Exact.
 */
static inline uint64_t
slot_of(const struct sp_timer_wheel *w, uint64_t tsc)
{
	uint64_t q = (uint64_t)(((unsigned __int128)tsc * w->slot_inv) >> 64);

	while (tsc - q * w->cycles_per_slot >= w->cycles_per_slot)
		q++;
	return q;
}

static inline void
set_cur_slot(struct sp_timer_wheel *w, uint64_t slot)
{
	w->cur_slot = slot;
	w->slot_end = (slot + 1) * w->cycles_per_slot;
}

void
sp_timer_wheel_init(struct sp_timer_wheel *w, uint64_t hz, uint64_t now)
{
	unsigned i;

	w->cycles_per_slot = hz / 1000 ? hz / 1000 : 1;
	w->slot_inv = UINT64_MAX / w->cycles_per_slot;
	set_cur_slot(w, slot_of(w, now));
	w->n_armed = 0;
	for (i = 0; i < SP_TIMER_SLOTS; i++)
		TAILQ_INIT(&w->slots[i]);
}

void
sp_timer_init(struct sp_timer *t, sp_timer_cb cb, void *arg)
{
	t->cb = cb;
	t->arg = arg;
	t->armed = 0;
	t->expire = 0;
}

uint64_t
sp_ms_to_tsc(const struct sp_ctx *ctx, uint64_t ms)
{
	return ms * ctx->hz / 1000;
}

void
sp_timer_cancel(struct sp_ctx *ctx, struct sp_timer *t)
{
	struct sp_timer_wheel *w = &ctx->timers;

	if (!t->armed)
		return;
	TAILQ_REMOVE(&w->slots[slot_of(w, t->expire) % SP_TIMER_SLOTS], t, link);
	t->armed = 0;
	w->n_armed--;
}

/* The slot sp_timer_arm() puts a timer due at @p expire in: rounded up, never one passed. */
static uint64_t
arm_slot(const struct sp_timer_wheel *w, uint64_t expire)
{
	uint64_t slot = slot_of(w, expire);

	if (slot * w->cycles_per_slot < expire)
		slot++; /* rounded up */
	if (slot <= w->cur_slot)
		slot = w->cur_slot + 1;
	return slot;
}

bool
sp_timer_due_by(const struct sp_ctx *ctx, const struct sp_timer *t, uint64_t expire)
{
	if (!t->armed)
		return false;
	return t->expire <= expire ||
	       t->expire <= arm_slot(&ctx->timers, expire) * ctx->timers.cycles_per_slot;
}

void
sp_timer_arm(struct sp_ctx *ctx, struct sp_timer *t, uint64_t expire)
{
	struct sp_timer_wheel *w = &ctx->timers;
	uint64_t slot;

	sp_timer_cancel(ctx, t);
	/* Never place a timer in a slot the wheel has already passed: it would wait a full turn. */
	slot = arm_slot(w, expire);
	/* The stored deadline is the slot boundary, so cancel finds the slot again from it. */
	t->expire = slot * w->cycles_per_slot;
	TAILQ_INSERT_TAIL(&w->slots[slot % SP_TIMER_SLOTS], t, link);
	t->armed = 1;
	w->n_armed++;
}

unsigned
sp_timers_run(struct sp_ctx *ctx, uint64_t now)
{
	struct sp_timer_wheel *w = &ctx->timers;
	uint64_t target;
	unsigned fired = 0;

	/* Most polls come within the current slot: nothing to do, not even a division. */
	if (now < w->slot_end)
		return 0;
	target = slot_of(w, now);
	if (w->n_armed == 0) {
		set_cur_slot(w, RTE_MAX(w->cur_slot, target));
		return 0;
	}
	/* A long stall (or a fake clock jump) must not walk millions of slots: one turn covers all. */
	if (target > w->cur_slot + SP_TIMER_SLOTS)
		set_cur_slot(w, target - SP_TIMER_SLOTS);
	while (w->cur_slot < target) {
		struct sp_timer_list *list;
		struct sp_timer *t;

		set_cur_slot(w, w->cur_slot + 1);
		list = &w->slots[w->cur_slot % SP_TIMER_SLOTS];
		/*
		 * A callback may cancel or re-arm any timer, so the walk restarts after each one.
		 * Re-arming never targets this slot (arm rounds to cur_slot + 1 at least), so the
		 * loop ends; what stays here belongs to a later turn of the wheel.
		 */
	restart:
		TAILQ_FOREACH(t, list, link)
		{
			if (t->expire > now)
				continue;
			TAILQ_REMOVE(list, t, link);
			t->armed = 0;
			w->n_armed--;
			fired++;
			t->cb(ctx, t, t->arg);
			goto restart;
		}
	}
	return fired;
}
