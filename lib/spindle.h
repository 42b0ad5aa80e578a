/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * libspindle: a userspace TCP/IP stack on DPDK poll-mode drivers. Include this one header;
 * build with `pkg-config --cflags --libs spindle` (docs/api.md "Building against libspindle").
 *
 * Typical embedding (see app/example/):
 *   1. rte_eal_init(), sp_config_load() (or sp_config_defaults() and fill struct sp_config)
 *   2. configure/start your ethdev ports with one RX/TX queue pair per worker lcore
 *   3. st = sp_stack_create(cfg); sp_stack_add_port(...) per port; sp_stack_start(st)
 *   4. per worker lcore: ctx = sp_ctx_create(st, lcore, worker, pool); then loop:
 *        now = rte_rdtsc(); n = rte_eth_rx_burst(...); sp_input(ctx, now, port, pkts, n);
 *        sp_poll(ctx, now); your application work; sp_tx_flush(ctx);
 *   5. sp_ctx_free(), sp_stack_free()
 *
 * The stack and context are opaque (sp_stack.h); connections and listeners too (sp_api.h).
 */
#ifndef SPINDLE_H
#define SPINDLE_H

#include "sp_export.h"
#include "sp_config.h"
#include "sp_stats.h"
#include "sp_timer.h"
#include "sp_stack.h"
#include "sp_api.h"
#include "sp_log.h"

SP_EXPORT_BEGIN

/**
 * Register the rte_telemetry endpoints (/spindle/stats, /spindle/neigh, /spindle/routes,
 * /spindle/tcp/conns, /spindle/lcores) for @p st. Call once on the main lcore after the contexts
 * exist; call with NULL before freeing them, so that telemetry stops reading them.
 * @return 0 or -errno.
 */
int sp_telemetry_register(struct sp_stack *st);

/** Library version string, e.g. "0.1.0". */
const char *sp_version(void);

SP_EXPORT_END

#endif
