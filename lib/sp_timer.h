/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-lcore timers driven by the caller's clock.
 *
 * Why not rte_timer: rte_timer_manage() reads the TSC itself, so protocol timers could not be
 * driven by the fake clock of the unit tests, and every arm/cancel walks a skiplist. Here the
 * loop passes `now` (TSC cycles) to sp_poll(), which fires what is due; a hashed wheel with 1 ms
 * slots gives O(1) arm/cancel, which matters with a retransmit and delayed-ACK timer on every TCP
 * connection. A program may use the same timers for its own work, on the ctx's lcore.
 */
#ifndef SP_TIMER_H
#define SP_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "sp_export.h"

struct sp_ctx;
struct sp_timer;

/** Timer callback, run from sp_poll() on the owning lcore. It may re-arm or cancel the timer. */
typedef void (*sp_timer_cb)(struct sp_ctx *ctx, struct sp_timer *t, void *arg);

/**
 * A timer. Embed it in the object it belongs to, zero-initialise it, set it up with
 * sp_timer_init(); its fields are the library's. Cancel it before freeing that object.
 */
struct sp_timer {
	TAILQ_ENTRY(sp_timer) link;
	uint64_t expire; /**< TSC cycles */
	sp_timer_cb cb;
	void *arg;
	uint8_t armed;
};

SP_EXPORT_BEGIN

/** Set callback and argument of @p t (does not arm it; @p t must not be armed). */
void sp_timer_init(struct sp_timer *t, sp_timer_cb cb, void *arg);

/**
 * Arm (or re-arm) @p t on @p ctx's wheel to fire at TSC @p expire (rounded up to the next 1 ms
 * slot). On the ctx's lcore; a timer belongs to one ctx.
 */
void sp_timer_arm(struct sp_ctx *ctx, struct sp_timer *t, uint64_t expire);

/** Cancel @p t if armed; safe on an unarmed timer. */
void sp_timer_cancel(struct sp_ctx *ctx, struct sp_timer *t);

/**
 * @p t is armed and fires no later than sp_timer_arm(@p expire) would make it fire (the wheel
 * rounds a deadline up to its slot's end). A caller that keeps its own deadline can then leave
 * the timer where it is and check the deadline when it fires (a lazy timer).
 */
bool sp_timer_due_by(const struct sp_ctx *ctx, const struct sp_timer *t, uint64_t expire);

/** Milliseconds to TSC cycles for this ctx's clock. */
uint64_t sp_ms_to_tsc(const struct sp_ctx *ctx, uint64_t ms);

SP_EXPORT_END

#endif
