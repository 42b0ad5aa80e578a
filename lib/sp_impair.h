/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Seeded fault injection on a port's RX and TX paths, installed as ethdev RX/TX callbacks
 * (rte_eth_add_rx_callback / rte_eth_add_tx_callback). Drop, duplicate, reorder, delay and
 * corrupt rates come from struct sp_impair_cfg; a given seed gives the same decisions for the
 * same packet sequence. Counters go to the owning lcore's sp_stats (impair_*).
 */
#ifndef SP_IMPAIR_H
#define SP_IMPAIR_H

#include <stdint.h>

#include "sp_export.h"

struct sp_stack;
struct sp_ctx;

SP_EXPORT_BEGIN

/**
 * Install impairment callbacks on every queue of stack port @p port for every worker.
 * Must be called after the workers' contexts exist and before they start polling.
 * @return 0 (also when the port's impairment is disabled) or -errno.
 */
int sp_impair_attach(struct sp_stack *st, uint16_t port);

/** Remove the callbacks and free frames held for delay/reorder. Call after workers stopped. */
void sp_impair_detach(struct sp_stack *st, uint16_t port);

SP_EXPORT_END

#endif
