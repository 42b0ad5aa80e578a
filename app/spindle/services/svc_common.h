/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small helpers shared by the built-in services (header-only, file-local inlines). Services use
 * only the public API (sp_api.h); nothing here reaches into the stack.
 */
#ifndef SPINDLE_SVC_COMMON_H
#define SPINDLE_SVC_COMMON_H

#include <stdint.h>
#include <string.h>
#include <sys/queue.h>
#include <rte_mbuf.h>
#include <rte_tailq.h>
#include "service.h"

/*
 * The download pattern of http /bytes/N and of loadgen's payload: byte i of the stream is
 * (i * 7 + 13) mod 256. 7 is odd, so the pattern has period 256; tests compute the expected
 * sha256 by repeating svc_pattern_period() bytes.
 */
#define SVC_PATTERN_PERIOD 256u
#define SVC_PATTERN_CHUNK  65536u /* largest piece handed to sp_tcp_send() at once */

static inline uint8_t
svc_pattern_byte(uint64_t i)
{
	return (uint8_t)((i * 7u + 13u) & 0xffu);
}

/*
 * Fill @p buf (SVC_PATTERN_PERIOD + SVC_PATTERN_CHUNK bytes) so that buf + (off % 256) holds
 * stream bytes off..off + SVC_PATTERN_CHUNK - 1 for any off.
 */
static inline void
svc_pattern_fill(uint8_t *buf)
{
	uint32_t i;

	for (i = 0; i < SVC_PATTERN_PERIOD + SVC_PATTERN_CHUNK; i++)
		buf[i] = svc_pattern_byte(i);
}

/*
 * Callbacks installed on a connection whose service state is being torn down (stop()): the
 * stack may still report events for it until the abort completes, and they must not reach freed
 * state.
 */
static const struct sp_tcp_callbacks svc_orphan_cb;

/*
 * Detach the first segment of chain *@p chain as a one-segment packet (data pointer and data_len
 * kept, no copy) and leave the rest, with its pkt_len/nb_segs fixed, in *@p chain.
 */
static inline struct rte_mbuf *
svc_mbuf_pop_seg(struct rte_mbuf **chain)
{
	struct rte_mbuf *m = *chain, *rest;

	if (m == NULL)
		return NULL;
	rest = m->next;
	if (rest != NULL) {
		rest->nb_segs = (uint16_t)(m->nb_segs - 1);
		rest->pkt_len = m->pkt_len - m->data_len;
	}
	m->next = NULL;
	m->nb_segs = 1;
	m->pkt_len = m->data_len;
	*chain = rest;
	return m;
}

/*
 * A FIFO of one-segment packets linked through ->next. Queues hold received data zero-copy
 * (echo's backlog, http's unparsed input) with their byte and segment counts for the bounds.
 */
struct svc_mq {
	struct rte_mbuf *head, *tail;
	uint32_t bytes;
	uint32_t segs;
};

static inline void
svc_mq_push(struct svc_mq *q, struct rte_mbuf *m)
{
	m->next = NULL;
	if (q->tail != NULL)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += m->data_len;
	q->segs++;
}

static inline struct rte_mbuf *
svc_mq_pop(struct svc_mq *q)
{
	struct rte_mbuf *m = q->head;

	if (m == NULL)
		return NULL;
	q->head = m->next;
	if (q->head == NULL)
		q->tail = NULL;
	m->next = NULL;
	q->bytes -= m->data_len;
	q->segs--;
	return m;
}

/* Put @p m back at the front (it could not be sent). */
static inline void
svc_mq_unpop(struct svc_mq *q, struct rte_mbuf *m)
{
	m->next = q->head;
	q->head = m;
	if (q->tail == NULL)
		q->tail = m;
	q->bytes += m->data_len;
	q->segs++;
}

static inline void
svc_mq_free(struct svc_mq *q)
{
	struct rte_mbuf *m;

	while ((m = svc_mq_pop(q)) != NULL)
		rte_pktmbuf_free_seg(m);
}

/* Append every segment of chain @p m to @p q (single-segment packets, no copy). */
static inline void
svc_mq_push_chain(struct svc_mq *q, struct rte_mbuf *m)
{
	struct rte_mbuf *seg;

	while ((seg = svc_mbuf_pop_seg(&m)) != NULL) {
		if (seg->data_len == 0) {
			rte_pktmbuf_free_seg(seg);
			continue;
		}
		svc_mq_push(q, seg);
	}
}

/*
 * Listen for a server service as its config says (address, port, per-service congestion
 * control). On failure *state is left alone and the caller frees its own state.
 */
static inline int
svc_listen(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, const struct sp_tcp_callbacks *cb,
	void *arg, bool nodelay, struct sp_listener **l)
{
	struct sp_listen_opts o = {0};

	o.ip = cfg->ip;
	o.port = cfg->port;
	o.cb = cb;
	o.arg = arg;
	o.cc = cfg->cc[0] != '\0' ? cfg->cc : NULL;
	o.nodelay = nodelay;
	return sp_tcp_listen(ctx, &o, l);
}

/* Close a server's listener (once: the graceful stop and stop() both call it). */
static inline void
svc_unlisten(struct sp_ctx *ctx, struct sp_listener **l)
{
	if (*l != NULL)
		sp_tcp_unlisten(ctx, *l);
	*l = NULL;
}

/* Milliseconds to TSC cycles and back. */
static inline uint64_t
svc_ms_to_tsc(const struct sp_ctx *ctx, uint64_t ms)
{
	return ms * sp_ctx_hz(ctx) / 1000;
}

static inline double
svc_tsc_to_s(const struct sp_ctx *ctx, uint64_t cycles)
{
	return (double)cycles / (double)sp_ctx_hz(ctx);
}

#endif
