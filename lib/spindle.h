/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * libspindle: a userspace TCP/IP stack on DPDK poll-mode drivers.
 *
 * Typical embedding (see app/example/):
 *   1. rte_eal_init(), sp_config_load() (or fill struct sp_config yourself)
 *   2. configure/start your ethdev ports with one RX/TX queue per worker lcore
 *   3. st = sp_stack_create(cfg); sp_stack_add_port(...) per port; sp_stack_start(st)
 *   4. per worker lcore: ctx = sp_ctx_create(st, lcore, worker, pool); then loop:
 *        now = rte_rdtsc(); n = rte_eth_rx_burst(...); sp_input(ctx, port, pkts, n);
 *        sp_poll(ctx, now); your application work; sp_tx_flush(ctx);
 *   5. sp_ctx_free(), sp_stack_free()
 */
#ifndef SPINDLE_H
#define SPINDLE_H

#include "sp_config.h"
#include "sp_stats.h"
#include "sp_timer.h"
#include "sp_ctx.h"
#include "sp_api.h"
#include "sp_log.h"

/** Register the rte_telemetry endpoints (/spindle/stats, /spindle/neigh, /spindle/routes,
 * /spindle/tcp/conns, /spindle/lcores) for @p st. Call once on the main lcore. */
int sp_telemetry_register(struct sp_stack *st);

/** Sum the counters of all workers for stack port @p port (or every port with -1) into @p out. */
void sp_stats_sum(const struct sp_stack *st, int port, struct sp_stats *out);

/** Library version string. */
const char *sp_version(void);

#endif
