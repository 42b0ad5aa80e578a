/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /spindle/loadgen on rte_telemetry (dpdk-telemetry.py): the live figures of every running
 * loadgen instance, one dict per instance keyed NAME/wWORKER. The command belongs to the program,
 * not the library (which knows no services); rte_telemetry has no unregister, so it is
 * registered once and answers with what is running. Each instance's figures are written by its
 * own lcore and read here without stopping it (aligned 64-bit words: each figure consistent,
 * the set of them not); a lock keeps an instance from being freed while a reply reads it.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_telemetry.h>
#include "loadgen.h"

#define TEL_MAX 64

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct lg_live *tel_live[TEL_MAX]; /* guarded by tel_lock */
static bool tel_registered;

static void
tel_dict(struct rte_tel_data *c, const struct lg_live *l)
{
	double secs = (double)(rte_rdtsc() - l->t_start) / (double)l->hz;

	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_string(c, "mode", l->mode);
	rte_tel_data_add_dict_u64(c, "worker", l->worker);
	rte_tel_data_add_dict_u64(c, "finished", l->finished);
	rte_tel_data_add_dict_u64(c, "elapsed_ms", secs > 0 ? (uint64_t)(secs * 1000) : 0);
	rte_tel_data_add_dict_u64(c, "in_flight", l->in_flight);
	rte_tel_data_add_dict_u64(c, "connections_attempted", l->attempts);
	rte_tel_data_add_dict_u64(c, "connections_opened", l->opened);
	rte_tel_data_add_dict_u64(c, "connections_completed", l->completed);
	rte_tel_data_add_dict_u64(c, "requests", l->requests);
	rte_tel_data_add_dict_u64(c, "rate_asked", l->rate_asked);
	rte_tel_data_add_dict_u64(c, "scheduled", l->scheduled);
	rte_tel_data_add_dict_u64(c, "started", l->started);
	rte_tel_data_add_dict_u64(c, "bytes_sent", l->bytes_sent);
	rte_tel_data_add_dict_u64(c, "bytes_received", l->bytes_recv);
	rte_tel_data_add_dict_u64(c, "failed", l->failed);
	rte_tel_data_add_dict_u64(c, "errors_refused", l->err_refused);
	rte_tel_data_add_dict_u64(c, "errors_timeout", l->err_timeout);
	rte_tel_data_add_dict_u64(c, "errors_reset", l->err_reset);
	rte_tel_data_add_dict_u64(c, "errors_bad_response", l->err_bad_response);
	rte_tel_data_add_dict_u64(c, "errors_local", l->err_local);
	rte_tel_data_add_dict_u64(c, "http_non2xx", l->http_non2xx);
}

/*
 * NAME/wW: rte_telemetry takes only letters, digits, '_' and '/' in names, so any other
 * character of the service's name (a '-') becomes '_'.
 */
static void
tel_key(char *key, size_t len, const struct lg_live *l)
{
	size_t i;

	snprintf(key, len, "%.40s/w%u", l->name, l->worker);
	for (i = 0; key[i] != '\0'; i++)
		if (!isalnum((unsigned char)key[i]) && key[i] != '_' && key[i] != '/')
			key[i] = '_';
}

static int
tel_loadgen(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *c;
	char key[RTE_TEL_MAX_STRING_LEN];
	unsigned i;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_lock);
	for (i = 0; i < TEL_MAX; i++) {
		if (tel_live[i] == NULL)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			break;
		tel_dict(c, tel_live[i]);
		tel_key(key, sizeof(key), tel_live[i]);
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0)
			rte_tel_data_free(c);
	}
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

void
lg_tel_add(const struct lg_live *l)
{
	unsigned i;

	pthread_mutex_lock(&tel_lock);
	if (!tel_registered)
		tel_registered =
			rte_telemetry_register_cmd("/spindle/loadgen", tel_loadgen,
				"Live figures of every loadgen instance (per worker)") == 0;
	for (i = 0; i < TEL_MAX; i++)
		if (tel_live[i] == NULL) {
			tel_live[i] = l;
			break;
		}
	pthread_mutex_unlock(&tel_lock);
}

void
lg_tel_del(const struct lg_live *l)
{
	unsigned i;

	pthread_mutex_lock(&tel_lock);
	for (i = 0; i < TEL_MAX; i++)
		if (tel_live[i] == l)
			tel_live[i] = NULL;
	pthread_mutex_unlock(&tel_lock);
}
