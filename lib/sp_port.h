/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ports and mbuf pools for a program on spindle (lib/core/port.c): find each configured ethdev,
 * give it one RX and one TX queue per worker, enable RSS and the offloads the PMD has, start it
 * and wait (bounded) for its link; one mbuf pool per NUMA socket that runs a worker; at the end
 * give the PMDs' mbufs back, stop and close the ports and check every mbuf came back. The
 * spindle program and libspindle_preload.so both start their ports here, so a PMD's quirks
 * (net_af_xdp's UMEM and single-segment TX, net_memif's close, fixed MACs) are handled once.
 * Messages go to the spindle.app log type (start-up of the program or the preloaded process).
 */
#ifndef SP_PORT_H
#define SP_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_lcore.h>
#include <rte_mempool.h>

#include "sp_config.h"
#include "sp_export.h"

/** How long start-up waits for a port's link to come up (a constant, not a config key). */
#define SP_PORT_LINK_WAIT_MS 10000

/** State of one config port. */
struct sp_port {
	uint16_t port_id;
	struct rte_mempool *rx_pool; /**< own RX pool when rx_buf_size is set, else NULL */
	int socket;
	bool found;
	bool configured;
	bool started;
	bool tx_linearize;	      /**< TX callback makes chains one segment (no MULTI_SEGS) */
	uint64_t tx_linearize_failed; /**< chains left as they were (no mbuf for a copy) */
	struct rte_mempool *tx_pools[RTE_MAX_LCORE]; /**< per queue, for tx_linearize copies */
	/** mbufs the PMD took at RX queue setup and does not give back at close (net_af_xdp of
	 * DPDK 22.11: its fill ring; port.c pmd_kept_measure()); else 0 */
	unsigned pmd_kept;
	const char *pmd_kept_by; /**< that PMD's driver name */
	char driver[32];	 /**< the PMD's driver name (net_tap, net_af_packet, ...) */
};

/** The ports of a program and the pools their queues use. The caller fills the first part. */
struct sp_ports {
	const struct sp_config *cfg;
	uint16_t nq;			 /**< queues per port: one per worker */
	int queue_socket[RTE_MAX_LCORE]; /**< NUMA socket of queue q's worker */
	volatile int *quit;		 /**< optional: set, it ends the wait for links */
	/* filled by the calls below */
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	struct sp_port ports[SP_MAX_PORTS];
};

SP_EXPORT_BEGIN

/** Device name of a config port: the vdev argument before its first comma, or `device`. */
void sp_port_devname(const struct sp_port_cfg *pc, char *buf, size_t len);
/** Create the per-socket mbuf pools the queues need. @return 0 or -errno (logged). */
int sp_ports_pools_create(struct sp_ports *io);
/** The pool serving a socket (falls back to any pool when the socket has none). */
struct rte_mempool *sp_ports_pool_of(struct sp_ports *io, int socket);
/** Find, configure and start every config port; wait for link up. @return 0 or -errno. */
int sp_ports_start(struct sp_ports *io);
/** Give the PMDs' TX mbufs back, stop and close every port that was set up. */
void sp_ports_close(struct sp_ports *io);
/**
 * Check every pool is full again (after sp_ports_close()) and print the result to @p out:
 * "mbufs: all N returned" (naming what a PMD keeps past close), or "mbufs: LEAK: ...".
 * @return number of mbufs still in use (0 after a start-up that failed before any pool).
 */
unsigned sp_ports_pools_check(struct sp_ports *io, FILE *out);
void sp_ports_pools_free(struct sp_ports *io);
/** The PMD's own counters of port @p idx (rte_eth_stats_get), one line to @p out. */
void sp_port_print_pmd_stats(
	const struct sp_ports *io, uint16_t idx, const char *indent, FILE *out);

SP_EXPORT_END

#endif
