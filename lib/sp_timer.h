/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-lcore timers driven by the caller's clock.
 *
 * Why not rte_timer: rte_timer_manage() reads the TSC itself, so protocol timers could not be
 * driven by the fake clock of the unit tests, and every arm/cancel walks a skiplist. Here the
 * lcore passes `now` (TSC cycles) to sp_timers_run(); a hashed wheel with 1 ms slots gives O(1)
 * arm/cancel, which matters with a retransmit and delayed-ACK timer on every TCP connection.
 */
#ifndef SP_TIMER_H
#define SP_TIMER_H

#include <stdint.h>
#include <sys/queue.h>

struct sp_ctx;
struct sp_timer;

/** Timer callback, run from sp_timers_run() on the owning lcore. It may re-arm the timer. */
typedef void (*sp_timer_cb)(struct sp_ctx *ctx, struct sp_timer *t, void *arg);

/** A timer; embed it in the object it belongs to. Zero-initialise before first use. */
struct sp_timer {
	TAILQ_ENTRY(sp_timer) link;
	uint64_t expire; /**< TSC cycles */
	sp_timer_cb cb;
	void *arg;
	uint8_t armed;
};

TAILQ_HEAD(sp_timer_list, sp_timer);

#define SP_TIMER_SLOTS \
	4096 /**< 1 ms slots: one turn is ~4 s; later deadlines wait for their turn */

/** The wheel (one per sp_ctx). */
struct sp_timer_wheel {
	uint64_t cycles_per_slot; /**< TSC cycles per 1 ms */
	uint64_t cur_slot;	  /**< absolute slot number processed up to */
	uint32_t n_armed;
	struct sp_timer_list slots[SP_TIMER_SLOTS];
};

/** Initialise @p w; @p hz is the TSC frequency, @p now the current TSC. */
void sp_timer_wheel_init(struct sp_timer_wheel *w, uint64_t hz, uint64_t now);

/** Set callback and argument of @p t (does not arm it). */
void sp_timer_init(struct sp_timer *t, sp_timer_cb cb, void *arg);

/** Arm (or re-arm) @p t to fire at TSC @p expire (rounded up to the next 1 ms slot). */
void sp_timer_arm(struct sp_ctx *ctx, struct sp_timer *t, uint64_t expire);

/** Cancel @p t if armed; safe on an unarmed timer. */
void sp_timer_cancel(struct sp_ctx *ctx, struct sp_timer *t);

/** Fire every timer whose deadline is <= @p now. @return number fired. */
unsigned sp_timers_run(struct sp_ctx *ctx, uint64_t now);

/** Milliseconds to TSC cycles for this ctx's clock. */
uint64_t sp_ms_to_tsc(const struct sp_ctx *ctx, uint64_t ms);

#endif
