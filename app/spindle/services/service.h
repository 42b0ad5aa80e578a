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
#include <stddef.h>
#include "spindle.h"

struct sp_service_ops;

/* Room for a type's own keys in struct sp_service_cfg (fetch's two paths are the largest). */
#define SP_SERVICE_OPTS_SIZE (2 * SP_PATH_LEN)

/*
 * A service instance: its section [service.NAME], read by sp_service_parse() with the keys
 * every service has (type, address, port, cc) and those of its type (sp_service_ops.keys).
 */
struct sp_service_cfg {
	char name[SP_NAME_LEN];		  /* NAME */
	const struct sp_service_ops *ops; /* its type; NULL only while --set builds the section */
	uint32_t ip;			  /* listen address (0 = any) / target for clients */
	uint16_t port;			  /* default: the type's default_port */
	char cc[16];			  /* per-service congestion control, "" = [tcp] cc */
	union {
		uint64_t align;
		unsigned char opts[SP_SERVICE_OPTS_SIZE]; /* the type's own struct */
	} own;
};

/* The type's own struct in @p cfg (each service checks it fits SP_SERVICE_OPTS_SIZE). */
#define SP_SERVICE_OPTS(cfg, type) ((const type *)(const void *)(cfg)->own.opts)

struct sp_service_ops {
	const char *type;  /* "echo", "discard", "chargen", "http", "fetch", "loadgen" */
	bool client;	   /* true: an active client with done()/status() */
	bool every_worker; /* client: an instance per worker (else worker 0 only) */
	uint16_t default_port;
	/* Its own keys besides type, address, port and cc: offsets into a struct in cfg->own. */
	const struct sp_config_key *keys;
	unsigned n_keys;
	/* Defaults of those keys (may be NULL: all zero). */
	void (*defaults)(void *opts);
	/*
	 * Checks of a section once its keys are read (may be NULL). @partial: a required key may
	 * still be missing (--set is building the section). 0 or -EINVAL with @p err filled by
	 * sp_service_fail(@p src, "[service.NAME] key: ...").
	 */
	int (*validate)(const struct sp_service_cfg *cfg, bool partial, const char *src, char *err,
		size_t errlen);
	/*
	 * Checks against the whole configuration @p config (may be NULL: called only when the
	 * section is complete and a configuration is given), e.g. that an address is a port's own.
	 * Same contract as validate.
	 */
	int (*validate_config)(const struct sp_config *config, const struct sp_service_cfg *cfg,
		const char *src, char *err, size_t errlen);
	/* Start on this lcore; *state is the instance's per-lcore state. 0 or -errno. */
	int (*start)(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, void **state);
	/* Called every loop iteration after sp_poll() (may be NULL). */
	void (*poll)(struct sp_ctx *ctx, void *state);
	/* Client services: true once finished (the program exits when all clients are done). */
	bool (*done)(void *state);
	/* Client services: exit status contribution (0 = success). */
	int (*status)(void *state);
	/*
	 * Graceful stop began (may be NULL: stop() resets the connections when the drain ends).
	 * Close the listener, start no new work, and close every connection the way the service
	 * closes one anyway: data already queued is still sent, then FIN. The loop keeps running
	 * (poll() included) until every connection is gone or stack.drain_ms has passed; stop()
	 * follows either way.
	 */
	void (*drain)(struct sp_ctx *ctx, void *state);
	/* Stop and free: reset what is left (on the owning lcore, after the drain). */
	void (*stop)(struct sp_ctx *ctx, void *state);
};

/* Look up a service type; NULL if unknown. */
const struct sp_service_ops *sp_service_find(const char *type);

/* Every type, "echo|discard|...", into @p buf. */
void sp_service_types(char *buf, size_t len);

/*
 * Read one section: defaults of its type (the type is the type key, else the section's name),
 * then every key in order, then the type's checks. @cfg: the configuration it is part of (its
 * source names the file in messages, its ports hold the addresses a server may listen on); NULL
 * for none of that. @partial: see sp_service_ops.validate.
 * @return 0 or -EINVAL with @p err "SRC: [service.NAME] key: what is wrong".
 */
int sp_service_parse(const struct sp_config *cfg, const struct sp_service_section *sec,
	bool partial, struct sp_service_cfg *out, char *err, size_t errlen);

/*
 * sp_service_parse() for every section of @p cfg into out[0..cfg->n_services - 1], and the
 * checks between them (two servers on one port). @after: the --set just applied (NULL for
 * none), named at the end of a failed check's message as sp_config_override() does.
 */
int sp_services_parse(const struct sp_config *cfg, bool partial, const char *after,
	struct sp_service_cfg *out, char *err, size_t errlen);

/* A message "SRC: ..." as the library writes them. @return -EINVAL. */
int sp_service_fail(char *err, size_t errlen, const char *src, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

extern const struct sp_service_ops sp_service_echo;
extern const struct sp_service_ops sp_service_discard;
extern const struct sp_service_ops sp_service_chargen;
extern const struct sp_service_ops sp_service_http;
extern const struct sp_service_ops sp_service_fetch;
extern const struct sp_service_ops sp_service_loadgen;

#endif
