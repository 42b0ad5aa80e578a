/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interfaces of the spindle program: the application state shared by main.c (argument
 * and config handling, start-up and shutdown), port.c (ethdev and mempool set-up) and lcore.c
 * (the worker poll loop and services).
 */
#ifndef SPINDLE_APP_H
#define SPINDLE_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>
#include <rte_mempool.h>

#include "service.h"
#include "spindle.h"

/** How long start-up waits for a port's link to come up (a constant, not a config key). */
#define SP_APP_LINK_WAIT_MS 10000

struct sp_app;

/** What one worker lcore owns besides its sp_ctx. */
struct sp_app_worker {
	struct sp_app *app;
	unsigned lcore_id;
	unsigned idx; /**< worker index = queue id on every port */
	int socket;
	struct sp_ctx *ctx;
	const struct sp_service_ops *svc_ops[SP_MAX_SERVICES]; /**< NULL: not run on this worker */
	void *svc_state[SP_MAX_SERVICES];
	bool svc_started[SP_MAX_SERVICES];
	int svc_status[SP_MAX_SERVICES]; /**< client status() read before stop() */
	int start_err;			 /**< a service failed to start on this worker */
	volatile int exited;		 /**< the loop has returned (set by the worker) */
	volatile int clients_done;	 /**< its client services are done (set by the worker) */
};

/** State of one config port. */
struct sp_app_port {
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
};

/** The whole program. Mutable fields are written by the main lcore before launch, except
 * the flags documented as set by workers. */
struct sp_app {
	struct sp_config cfg;
	/** cfg.services as read by the services (sp_services_parse()) */
	struct sp_service_cfg svc[SP_MAX_SERVICES];
	unsigned stats_interval; /**< seconds, 0 = only at exit */
	struct sp_stack *st;
	unsigned n_workers;
	struct sp_app_worker workers[RTE_MAX_LCORE];
	struct sp_app_port ports[SP_MAX_PORTS];
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	bool impair_attached[SP_MAX_PORTS];
	volatile int quit;	   /**< set by the signal handler or when clients are done */
	volatile int stop_now;	   /**< a signal came once quit was set: end the drain at once */
	volatile int clients_done; /**< worker 0: every client service reported done */
	bool has_clients;
	bool pdump; /**< rte_pdump_init() succeeded */
};

/* ---- port.c ---- */
/** Device name of a config port: the vdev argument before its first comma, or `device`. */
void sp_app_port_devname(const struct sp_port_cfg *pc, char *buf, size_t len);
/** Create the per-socket mempools needed by the worker lcores. @return 0 or -errno. */
int sp_app_pools_create(struct sp_app *app);
/** Check every pool is full again; print the result. @return number of mbufs still in use. */
unsigned sp_app_pools_check(struct sp_app *app);
void sp_app_pools_free(struct sp_app *app);
/** Find, configure and start every config port; wait for link up. @return 0 or -errno. */
int sp_app_ports_start(struct sp_app *app);
/** Stop and close every port that was set up. */
void sp_app_ports_close(struct sp_app *app);
/* The PMD's own counters of port @p idx (rte_eth_stats_get), one line for the report. */
void sp_app_port_print_pmd_stats(const struct sp_app *app, uint16_t idx, const char *indent);
/** The mempool serving a socket (falls back to any pool when the socket has none). */
struct rte_mempool *sp_app_pool_of(struct sp_app *app, int socket);

/* ---- lcore.c ---- */
/** Pick worker lcores (every enabled lcore except the main one). @return 0 or -ENODEV. */
int sp_app_workers_init(struct sp_app *app);
/** Create one sp_ctx per worker on the worker's socket. @return 0 or -errno. */
int sp_app_contexts_create(struct sp_app *app);
/** Resolve configured services. @return 0 or -EINVAL for an unknown type. */
int sp_app_services_resolve(struct sp_app *app);
/** Launch the poll loop on every worker lcore. @return 0 or -errno. */
int sp_app_workers_launch(struct sp_app *app);
/** Wait for every worker to return (after app->quit is set). */
void sp_app_workers_wait(struct sp_app *app);
/** Free every context. */
void sp_app_contexts_free(struct sp_app *app);
/** Print per-port and per-lcore non-zero counters and cycles per packet. */
void sp_app_print_stats(struct sp_app *app, bool final);
/** Exit status contributed by client services (0 = all succeeded). */
int sp_app_services_status(struct sp_app *app);

#endif
