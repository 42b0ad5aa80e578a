/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The stack object and the per-lcore context: their lifecycle, the data path, and the few
 * things a program reads from them.
 *
 * Both are opaque handles. A program holds pointers and uses the calls below; the layout is the
 * library's (lib/core/sp_ctx.h, not installed) and may change without notice.
 *
 * - struct sp_stack is shared by every lcore: config, ports, route table, secrets. The main
 *   lcore builds it (sp_stack_create(), sp_stack_add_port() per port, sp_stack_start()) before
 *   any worker runs; afterwards it is read-only.
 * - struct sp_ctx belongs to one worker lcore: its TX batches, timers, neighbour and reassembly
 *   tables, TCP and UDP state and counters. Every call that takes a ctx is made on the lcore
 *   that owns it, except sp_ctx_call(), the read-only accessors and the counters.
 *
 * The loop each worker runs (design rule 3: time is read once and passed down):
 * @code
 * sp_ctx_set_running(ctx, true);
 * while (!quit) {
 *         uint64_t now = rte_rdtsc();
 *
 *         for (p = 0; p < n_ports; p++) {
 *                 n = rte_eth_rx_burst(port_id[p], worker, pkts, burst);
 *                 sp_input(ctx, now, p, pkts, n);    // callbacks run in here
 *         }
 *         sp_poll(ctx, now);                         // timers, steered segments
 *         my_work(ctx);                              // may send, connect, close
 *         sp_tx_flush(ctx);                          // one tx burst per port
 * }
 * sp_ctx_set_running(ctx, false);
 * @endcode
 */
#ifndef SP_STACK_H
#define SP_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "sp_config.h"
#include "sp_export.h"

#define SP_RSS_KEY_MAX	64  /**< longest RSS key the stack keeps (40 for most NICs, 52 for some) */
#define SP_RSS_RETA_MAX 512 /**< largest RSS redirection table the stack keeps */

struct rte_mbuf;
struct rte_mempool;
/** The shared stack object (opaque). */
struct sp_stack;
/** The context of one worker lcore (opaque). */
struct sp_ctx;

/** A port as the stack sees it, filled by sp_stack_port_info(). */
struct sp_port_info {
	uint16_t port_id;	   /**< DPDK ethdev port id */
	struct rte_ether_addr mac; /**< the source MAC of every frame the stack sends */
	uint16_t mtu;
	bool arp;	      /**< ARP on for this port */
	uint16_t n_queues;    /**< RX/TX queue pairs = worker lcores */
	bool rss;	      /**< RSS spreads flows over the queues */
	bool rss_predictable; /**< active opens choose source ports by RSS hash */
};

/** One worker's loop accounting, filled by sp_ctx_get_load(). */
struct sp_ctx_load {
	uint64_t busy_cycles; /**< TSC cycles of iterations that moved packets */
	uint64_t busy_pkts;   /**< packets moved in those iterations */
	uint64_t idle_cycles; /**< TSC cycles of iterations that moved none */
};

SP_EXPORT_BEGIN

/* ---- lifecycle (main lcore, before the workers run) ---- */

/**
 * Create the shared stack for @p cfg. @p cfg must be valid (sp_config_validate()) and must stay
 * alive and unchanged until sp_stack_free(). Nothing is read from DPDK yet: attach every port
 * of the config with sp_stack_add_port(), then call sp_stack_start().
 * @return the stack, or NULL with rte_errno set.
 */
struct sp_stack *sp_stack_create(const struct sp_config *cfg);

/**
 * Attach config port @p idx to ethdev @p port_id. The caller has configured and started the
 * ethdev with @p n_queues RX and TX queues (one pair per worker lcore; worker i polls queue i);
 * the stack reads back its MAC, the checksum offloads the caller enabled and its RSS set-up.
 * @return 0, -EINVAL (@p idx not a port of the config), or the ethdev's -errno.
 */
int sp_stack_add_port(struct sp_stack *st, uint16_t idx, uint16_t port_id, uint16_t n_queues);

/**
 * The TCP offloads to enable on a port whose PMD is @p driver (rte_eth_dev_info.driver_name)
 * and offers @p rx_capa / @p tx_capa, per tcp.tso and tcp.gro (docs/tcp.md "Offloads"):
 * RTE_ETH_TX_OFFLOAD_TCP_TSO and RTE_ETH_RX_OFFLOAD_TCP_LRO bits the caller ORs into the
 * rte_eth_conf it configures; sp_stack_add_port() reads back what is on.
 */
void sp_stack_tcp_offloads(const struct sp_config *cfg, const char *driver, uint64_t rx_capa,
	uint64_t tx_capa, uint64_t *rx, uint64_t *tx);

/**
 * Set what the stack knows of a port's RSS (sp_stack_add_port() calls it with what it reads
 * back from the PMD; unit tests and embedding programs may call it with a known set-up before
 * sp_stack_start()). @p key may be NULL (unknown), @p reta may be NULL (unknown). The port is
 * "predictable" when RSS is on, the key and RETA are known, every RETA entry is a queue below
 * @p n_queues and @p hf hashes TCP/IPv4 on the 4-tuple; then active opens choose source ports by
 * hash (docs/tcp.md "Multi-lcore: RSS and steering").
 * @return 0 or -EINVAL (sizes beyond SP_RSS_KEY_MAX / SP_RSS_RETA_MAX).
 */
int sp_stack_port_set_rss(struct sp_stack *st, uint16_t idx, uint16_t n_queues, bool on,
	uint64_t hf, const uint8_t *key, uint8_t key_len, const uint16_t *reta, uint16_t reta_size);

/**
 * Build the route table (connected subnets, static routes, gateways) and draw the ISN and
 * SYN-cookie secrets. Call once, after every sp_stack_add_port() and before sp_ctx_create().
 * @return 0 or -errno.
 */
int sp_stack_start(struct sp_stack *st);

/** Free the stack. Every context must have been freed first. NULL is a no-op. */
void sp_stack_free(struct sp_stack *st);

/**
 * Fill @p info with port @p idx as the stack sees it. Any thread, once the port is attached.
 * @return 0 or -EINVAL (no such port).
 */
int sp_stack_port_info(const struct sp_stack *st, uint16_t idx, struct sp_port_info *info);

/**
 * Create the context of worker number @p worker (0, 1, ...: its queue on every port), which will
 * run on lcore @p lcore_id. @p pool supplies the mbufs the stack allocates on that lcore (use a
 * pool on the lcore's NUMA socket). Call on the main lcore after sp_stack_start(), one context
 * per worker, before any worker polls.
 * @return the context, or NULL.
 */
struct sp_ctx *sp_ctx_create(
	struct sp_stack *st, unsigned lcore_id, unsigned worker, struct rte_mempool *pool);

/**
 * Free a context: its connections (without callbacks), queued mbufs and tables. Call after its
 * worker stopped polling. NULL is a no-op.
 */
void sp_ctx_free(struct sp_ctx *ctx);

/**
 * Send a gratuitous ARP (RFC 5227 announcement) for every address of every port with ARP on,
 * so that neighbours update a cache that still holds an older MAC. Call once, from one worker,
 * before its loop. Ports with ARP off send nothing.
 */
void sp_ctx_announce(struct sp_ctx *ctx);

/* ---- data path (on the ctx's own lcore) ---- */

/**
 * Feed the @p n frames received on stack port @p port into the stack (Ethernet -> ARP | IPv4 ->
 * ICMP | UDP | TCP) at time @p now (TSC cycles, normally this iteration's rte_rdtsc()).
 * Callbacks of sp_api.h run from inside. Consumes every mbuf. Call it after every
 * rte_eth_rx_burst(), also when it returned nothing: the poll is counted (rx_polls,
 * rx_empty_polls) and the context's clock moves to @p now.
 * @return @p n.
 */
uint16_t sp_input(
	struct sp_ctx *ctx, uint64_t now, uint16_t port, struct rte_mbuf **pkts, uint16_t n);

/**
 * Everything time-driven, once per iteration with the same @p now as sp_input(): TCP segments
 * that other lcores steered here, timers (retransmission, delayed ACK, TIME-WAIT, ARP ageing),
 * reassembly expiry, neighbour updates from other lcores, and a pending sp_ctx_call().
 */
void sp_poll(struct sp_ctx *ctx, uint64_t now);

/**
 * Hand every frame queued during this iteration to the PMD, one burst per port. Call at the
 * end of every iteration: nothing the stack or the application sends leaves before. Frames
 * the PMD refuses after a few retries (a full TX ring) stay queued, in order, for the next call;
 * only when a whole batch stays refused are new frames freed and counted (tx_dropped).
 */
void sp_tx_flush(struct sp_ctx *ctx);

/**
 * Tell other threads whether @p ctx's lcore is polling. Set true before the loop starts and false
 * after it ends: while true, sp_ctx_call() hands its function to the loop's sp_poll() instead of
 * running it in the caller.
 */
void sp_ctx_set_running(struct sp_ctx *ctx, bool running);

/**
 * Run @p fn(ctx, arg) on @p ctx's lcore (from its next sp_poll()) and wait for it, at most
 * @p timeout_ms. From any thread but the ctx's own. When the worker is not running (see
 * sp_ctx_set_running()), runs it directly in the caller.
 * @return 0, -EBUSY (another call is pending), or -ETIMEDOUT (withdrawn before it started).
 */
int sp_ctx_call(struct sp_ctx *ctx, void (*fn)(struct sp_ctx *ctx, void *arg), void *arg,
	unsigned timeout_ms);

/**
 * Record one loop iteration that took @p cycles TSC cycles and moved @p pkts packets (received
 * plus sent; 0 = an idle iteration). Read back with sp_ctx_get_load() and /spindle/lcores.
 * Optional; on the ctx's lcore.
 */
void sp_ctx_account(struct sp_ctx *ctx, uint64_t cycles, uint64_t pkts);

/** Fill @p load with what sp_ctx_account() recorded. Any thread. */
void sp_ctx_get_load(const struct sp_ctx *ctx, struct sp_ctx_load *load);

/* ---- what a program reads from its context (any thread) ---- */

/**
 * The context's current time in TSC cycles: the @p now of the last sp_input() or sp_poll().
 * Callbacks see the time of the segment that triggered them.
 */
uint64_t sp_ctx_now(const struct sp_ctx *ctx);
/** TSC cycles per second (rte_get_tsc_hz() when the stack was created). */
uint64_t sp_ctx_hz(const struct sp_ctx *ctx);
/** The lcore the context was created for. */
unsigned sp_ctx_lcore(const struct sp_ctx *ctx);
/** The worker number of the context (its queue on every port), 0 .. sp_ctx_n_workers() - 1. */
unsigned sp_ctx_worker(const struct sp_ctx *ctx);
/** How many worker contexts the context's stack has. */
unsigned sp_ctx_n_workers(const struct sp_ctx *ctx);

SP_EXPORT_END

#endif
