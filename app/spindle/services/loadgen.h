/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loadgen's parts (docs/loadgen.md), one concern per file:
 *   loadgen.c       the service: keys, connections, modes, the report
 *   loadgen_hist.c  log-linear latency histograms (fixed memory, no per-sample storage)
 *   loadgen_http.c  the HTTP/1.1 response parser of modes http and cps with http = on
 *   loadgen_pace.c  the open-loop schedule (rate, even or Poisson spacing, ramp)
 *   loadgen_tel.c   the live figures on telemetry /spindle/loadgen
 * Internal to the service: nothing here is part of libspindle.
 */
#ifndef SPINDLE_LOADGEN_H
#define SPINDLE_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- histograms */

/*
 * A log-linear histogram of cycle counts: values below 16 have a bucket each, above that every
 * power of two is split into 16 sub-buckets, so a percentile read back is within 6.25% of the
 * truth (the middle of its bucket, capped at the largest value seen). 1024 buckets cover 2^64.
 */
#define LG_HIST_SUB_BITS 4u
#define LG_HIST_SUB	 (1u << LG_HIST_SUB_BITS)
#define LG_HIST_N	 (64u * LG_HIST_SUB)

struct lg_hist {
	uint64_t n;   /* values recorded */
	uint64_t max; /* largest value recorded */
	uint64_t b[LG_HIST_N];
};

/* Bucket of value @p v. */
unsigned lg_hist_idx(uint64_t v);
/* Record @p v. */
void lg_hist_add(struct lg_hist *h, uint64_t v);
/* Value at quantile @p q (0 < q <= 1): middle of its bucket, at most max (q = 1: max); 0 if empty. */
uint64_t lg_hist_quantile(const struct lg_hist *h, double q);

/* ---------------------------------------------------------------- HTTP responses */

#define LG_HTTP_LINE	128u   /* bytes of a line kept (longer ones are read, not kept) */
#define LG_HTTP_HDR_MAX 16384u /* status line + header fields */

/*
 * Parser of one HTTP/1.1 response at a time (RFC 9112): status line, header fields, then the
 * body framed as section 6.3 says: none for 1xx (interim: the final response follows), 204 and
 * 304; chunked when Transfer-Encoding ends in chunked; else Content-Length; else until the
 * server closes. The body is counted, not kept.
 */
struct lg_http {
	uint8_t state;
	bool chunked, have_len, line_long;
	bool http10;	 /* HTTP/1.0 status line */
	bool conn_close; /* Connection: close */
	bool keep_alive; /* Connection: keep-alive (HTTP/1.0) */
	uint16_t status; /* of the final response once the header is complete */
	uint16_t line_len;
	uint32_t hdr_bytes;
	uint64_t left; /* body or chunk bytes still expected */
	uint64_t body; /* body bytes seen */
	char line[LG_HTTP_LINE];
};

enum lg_http_result {
	LG_HTTP_MORE = 0, /* the response is not complete yet */
	LG_HTTP_DONE = 1, /* complete; the bytes after *used belong to what follows */
};

void lg_http_reset(struct lg_http *h);
/*
 * Feed @p n received bytes. @return LG_HTTP_MORE (all consumed), LG_HTTP_DONE (*@p used bytes
 * consumed) or -EBADMSG (malformed status line, header, Content-Length or chunk framing, or a
 * header longer than LG_HTTP_HDR_MAX).
 */
int lg_http_feed(struct lg_http *h, const char *d, size_t n, size_t *used);
/* The server closed: LG_HTTP_DONE when that ends a close-delimited body, else -EBADMSG. */
int lg_http_eof(struct lg_http *h);
/*
 * After a complete response: true when the connection may carry another request (RFC 9112
 * section 9.3: HTTP/1.1 without "Connection: close", or HTTP/1.0 with "keep-alive").
 */
bool lg_http_persists(const struct lg_http *h);

/* ---------------------------------------------------------------- open-loop schedule */

/*
 * Arrivals at @rate per second from @t0 (TSC cycles): evenly spaced, or with exponentially
 * distributed gaps (a Poisson process). During the first @ramp cycles the rate rises linearly
 * from 1% to the full rate. The schedule never slips: a caller that comes late gets every
 * arrival due since its last call at once, and what it cannot start stays its backlog.
 */
struct lg_pace {
	double next;	 /* cycles: time of the next arrival */
	double full;	 /* cycles between arrivals at the full rate */
	double t0, ramp; /* cycles */
	bool poisson;
	uint64_t rng; /* xorshift64* state, never 0 */
};

void lg_pace_init(struct lg_pace *p, double rate, uint64_t hz, bool poisson, uint64_t ramp,
	uint64_t t0, uint64_t seed);
/* Arrivals due at or before @p now since the last call (at most 1 << 20 per call). */
uint64_t lg_pace_due(struct lg_pace *p, uint64_t now);

/* ---------------------------------------------------------------- live figures */

/* What telemetry and the progress line show of a running instance (written by its lcore). */
struct lg_live {
	char name[64];
	const char *mode;
	unsigned worker;
	uint64_t hz;
	uint64_t t_start;
	uint32_t rate_asked; /* 0: closed loop */
	uint64_t attempts;   /* connections tried (sp_tcp_connect called) */
	uint64_t opened;     /* connections that reached ESTABLISHED */
	uint64_t
		completed; /* cps/connect: connections that did their exchange and closed as asked */
	uint64_t requests;  /* responses complete */
	uint64_t scheduled; /* open loop: arrivals due */
	uint64_t started;   /* open loop: arrivals started */
	uint64_t bytes_sent, bytes_recv;
	uint64_t failed; /* connections that ended in an error */
	uint64_t err_refused, err_timeout, err_reset, err_bad_response, err_local;
	uint64_t http_non2xx;
	uint32_t in_flight; /* connections open now */
	bool finished;
};

/* Show @p l on /spindle/loadgen until lg_tel_del() (registers the command once per process). */
void lg_tel_add(const struct lg_live *l);
void lg_tel_del(const struct lg_live *l);

/* ---------------------------------------------------------------- the service */

/* The loadgen-result line of instance @p state (sp_service_loadgen's state), without newline. */
int lg_result_format(const void *state, char *buf, size_t len);
/* Its exit status contribution: 0 when every connection did its work without an error. */
int lg_status_of(const void *state);

#endif
