/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interfaces of the spindle program: the application state shared by main.c (argument
 * and config handling, start-up and shutdown) and lcore.c (the worker poll loop and services);
 * ports and mempools are the library's (sp_port.h).
 */
#ifndef SPINDLE_APP_H
#define SPINDLE_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>
#include <rte_mempool.h>

#include "service.h"
#include "sp_port.h"
#include "spindle.h"

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
	struct sp_ports io; /**< ports and mbuf pools (sp_port.h); io.nq = n_workers */
	bool impair_attached[SP_MAX_PORTS];
	volatile int quit;	   /**< set by the signal handler or when clients are done */
	volatile int stop_now;	   /**< a signal came once quit was set: end the drain at once */
	volatile int clients_done; /**< worker 0: every client service reported done */
	bool has_clients;
	bool pdump; /**< rte_pdump_init() succeeded */
};

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
