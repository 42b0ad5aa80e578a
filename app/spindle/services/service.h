/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in services of the spindle program. Each uses only the public libspindle API
 * (sp_api.h). A server instance is started on every worker lcore (listeners: connections land
 * on the lcore whose queue receives them); a client on worker 0 only (fetch) or on every worker,
 * each opening its share of the connections (loadgen).
 */
#ifndef SPINDLE_SERVICE_H
#define SPINDLE_SERVICE_H

#include <stdbool.h>
#include "spindle.h"

struct sp_service_ops {
	const char *type; /* "echo", "discard", "chargen", "http", "fetch", "loadgen" */
	bool client;	  /* true: an active client with done()/status() */
	bool every_worker; /* client: an instance per worker (else worker 0 only) */
	uint16_t default_port;
	/* Start on this lcore; *state is the instance's per-lcore state. 0 or -errno. */
	int (*start)(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, void **state);
	/* Called every loop iteration after sp_poll() (may be NULL). */
	void (*poll)(struct sp_ctx *ctx, void *state);
	/* Client services: true once finished (the program exits when all clients are done). */
	bool (*done)(void *state);
	/* Client services: exit status contribution (0 = success). */
	int (*status)(void *state);
	/* Stop and free (workers stopped or stopping, on the owning lcore). */
	void (*stop)(struct sp_ctx *ctx, void *state);
};

/* Look up a service type; NULL if unknown. */
const struct sp_service_ops *sp_service_find(const char *type);

extern const struct sp_service_ops sp_service_echo;
extern const struct sp_service_ops sp_service_discard;
extern const struct sp_service_ops sp_service_chargen;
extern const struct sp_service_ops sp_service_http;
extern const struct sp_service_ops sp_service_fetch;
extern const struct sp_service_ops sp_service_loadgen;

#endif
