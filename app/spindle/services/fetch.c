/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fetch (client, worker 0 only): one HTTP/1.1 GET of url = http://a.b.c.d[:port]/path over an
 * active open, the response body saved to `output` ("-" = standard output).
 *
 * The response is framed as RFC 9112 section 6.3 says: no body for 1xx/204/304 (1xx interim
 * responses are skipped), chunked when Transfer-Encoding ends in chunked (chunk extensions and
 * trailer fields are read and dropped), else Content-Length, else the body runs until the server
 * closes. The status is success (0) only for a 2xx response whose body arrived complete: all of
 * Content-Length, the last chunk, or an orderly FIN for a close-delimited body. A RST, a timeout
 * or a truncated body is a failure. The connection carries "Connection: close".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include "svc_common.h"

#define FETCH_HDR_MAX	16384u /* status line + header fields */
#define FETCH_LINE_MAX	4096u  /* chunk-size line / trailer line */
#define FETCH_IDLE_MS	60000u /* no progress for this long: give up */
#define FETCH_LINGER_MS 2000u  /* after the result, wait this long for the close to finish */

enum fetch_phase {
	FP_CONNECTING,
	FP_HEADERS,
	FP_BODY_LEN,
	FP_BODY_CHUNKED,
	FP_BODY_CLOSE,
	FP_FINISHED,
};

enum fetch_chunk {
	FC_SIZE, /* hex digits */
	FC_EXT,	 /* chunk extension or BWS up to LF */
	FC_DATA,
	FC_DATA_CR, /* CRLF after the data */
	FC_DATA_LF,
	FC_TRAILER,
};

/* Keys of [service.NAME] with type = fetch (in sp_service_cfg.own). */
struct fetch_opts {
	char url[SP_PATH_LEN];	  /* http://a.b.c.d[:port]/path */
	char output[SP_PATH_LEN]; /* file for the body, "-" = standard output */
};
_Static_assert(sizeof(struct fetch_opts) <= SP_SERVICE_OPTS_SIZE, "fetch_opts too large");

static const struct sp_config_key fetch_keys[] = {
	SP_CONFIG_KEY(struct fetch_opts, "url", url, SP_KEY_STR, 0),
	SP_CONFIG_KEY(struct fetch_opts, "output", output, SP_KEY_STR, 0),
};

struct fetch_state {
	struct sp_ctx *ctx;
	char name[SP_NAME_LEN];
	char url[SP_PATH_LEN];
	char output[SP_PATH_LEN];
	uint32_t ip;
	uint16_t port;
	struct sp_conn *c;
	FILE *out;
	enum fetch_phase phase;
	char req[SP_PATH_LEN + 256];
	uint32_t req_len, req_off;
	char hdr[FETCH_HDR_MAX + 1];
	uint32_t hdr_len, line_len;
	int code;
	char reason[64];
	uint64_t clen; /* FP_BODY_LEN: bytes still expected */
	enum fetch_chunk ch;
	uint64_t chunk_left;
	uint32_t ch_digits, ch_line;
	uint64_t body; /* bytes written */
	uint64_t t_start, t_connected, t_end, last;
	bool finished; /* result known */
	bool closed;   /* closed() ran */
	bool closing;
	int result; /* 0 success, else -errno */
	char why[SP_PATH_LEN + 64];
};

static void
fetch_finish(struct fetch_state *fs, int result, const char *why)
{
	if (fs->finished)
		return;
	fs->finished = true;
	fs->phase = FP_FINISHED;
	fs->result = result;
	fs->t_end = rte_rdtsc();
	snprintf(fs->why, sizeof(fs->why), "%s", why);
	if (fs->out != NULL) {
		if (fflush(fs->out) != 0 && result == 0) {
			fs->result = -EIO;
			snprintf(fs->why, sizeof(fs->why), "writing %s failed", fs->output);
		}
		if (fs->out != stdout)
			fclose(fs->out);
		fs->out = NULL;
	}
	if (fs->c != NULL && !fs->closing) {
		fs->closing = true;
		if (result == 0)
			sp_tcp_close(fs->c);
		else
			sp_tcp_abort(fs->c);
	}
}

static int
fetch_write(struct fetch_state *fs, const char *d, size_t n)
{
	if (n == 0)
		return 0;
	if (fwrite(d, 1, n, fs->out) != n) {
		fetch_finish(fs, -EIO, "cannot write the output file");
		return -EIO;
	}
	fs->body += n;
	return 0;
}

/* Status line and header fields complete in fs->hdr: decide the body framing. */
static int
fetch_headers_done(struct fetch_state *fs)
{
	char *p = fs->hdr, *end = fs->hdr + fs->hdr_len, *eol;
	bool chunked = false, have_len = false;
	uint64_t len = 0;
	int code;

	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		goto bad;
	*eol = '\0';
	if (eol > p && eol[-1] == '\r')
		eol[-1] = '\0';
	/* status-line = HTTP-version SP status-code SP [reason-phrase] (RFC 9112 section 4) */
	if (strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || p[9] < '1' || p[9] > '9' ||
		p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
		(p[12] != ' ' && p[12] != '\0'))
		goto bad;
	code = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	snprintf(fs->reason, sizeof(fs->reason), "%s", p[12] == ' ' ? p + 13 : "");
	p = eol + 1;
	while (p < end) {
		char *line = p, *colon, *v, *ve;

		eol = memchr(line, '\n', (size_t)(end - line));
		if (eol == NULL)
			break;
		p = eol + 1;
		if (eol > line && eol[-1] == '\r')
			eol--;
		if (eol == line)
			break;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL)
			goto bad;
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if ((size_t)(colon - line) == 14 && strncasecmp(line, "content-length", 14) == 0) {
			uint64_t x = 0;
			char *q;

			if (v == ve || ve - v > 19)
				goto bad;
			for (q = v; q < ve; q++) {
				if (*q < '0' || *q > '9')
					goto bad;
				x = x * 10 + (uint64_t)(*q - '0');
			}
			if (have_len && x != len)
				goto bad;
			len = x;
			have_len = true;
		} else if ((size_t)(colon - line) == 17 &&
			   strncasecmp(line, "transfer-encoding", 17) == 0) {
			/* chunked must be the last coding (RFC 9112 section 6.3 rule 4) */
			chunked = ve - v >= 7 && strncasecmp(ve - 7, "chunked", 7) == 0;
		}
	}
	fs->code = code;
	fs->hdr_len = 0;
	fs->line_len = 0;
	if (code >= 100 && code < 200) {
		fs->phase = FP_HEADERS; /* interim response: the final one follows */
		return 0;
	}
	if (code == 204 || code == 304) {
		fetch_finish(fs, 0, "no body");
		return 1;
	}
	if (chunked) {
		fs->phase = FP_BODY_CHUNKED;
		fs->ch = FC_SIZE;
		fs->chunk_left = 0;
		fs->ch_digits = 0;
	} else if (have_len) {
		fs->phase = FP_BODY_LEN;
		fs->clen = len;
		if (len == 0) {
			fetch_finish(fs, 0, "complete");
			return 1;
		}
	} else {
		fs->phase = FP_BODY_CLOSE;
	}
	return 0;
bad:
	fetch_finish(fs, -EPROTO, "malformed response header");
	return -EPROTO;
}

/* Feed @p n body bytes of a chunked body. @return bytes consumed, < 0 on error / finish. */
static int
fetch_chunked(struct fetch_state *fs, const char *d, size_t n)
{
	size_t i = 0;

	while (i < n && !fs->finished) {
		char c = d[i];

		switch (fs->ch) {
		case FC_SIZE:
			if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) {
				unsigned v = c <= '9' ? (unsigned)(c - '0')
						      : (unsigned)((c | 0x20) - 'a' + 10);

				if (++fs->ch_digits > 15)
					goto bad;
				fs->chunk_left = fs->chunk_left * 16 + v;
				i++;
				break;
			}
			if (fs->ch_digits == 0)
				goto bad;
			fs->ch = FC_EXT;
			fs->ch_line = 0;
			/* fall through: this byte belongs to the extension / line end */
			/* FALLTHROUGH */
		case FC_EXT:
			i++;
			if (c != '\n') {
				if (++fs->ch_line > FETCH_LINE_MAX)
					goto bad;
				break;
			}
			if (fs->chunk_left == 0) {
				fs->ch = FC_TRAILER; /* last-chunk */
				fs->ch_line = 0;
				fs->line_len = 0;
			} else {
				fs->ch = FC_DATA;
			}
			break;
		case FC_DATA: {
			size_t take = n - i;

			if (take > fs->chunk_left)
				take = (size_t)fs->chunk_left;
			if (fetch_write(fs, d + i, take) != 0)
				return -EIO;
			i += take;
			fs->chunk_left -= take;
			if (fs->chunk_left == 0)
				fs->ch = FC_DATA_CR;
			break;
		}
		case FC_DATA_CR:
			i++;
			if (c == '\r') {
				fs->ch = FC_DATA_LF;
				break;
			}
			if (c != '\n')
				goto bad;
			/* FALLTHROUGH */
		case FC_DATA_LF:
			if (fs->ch == FC_DATA_LF) {
				i++;
				if (c != '\n')
					goto bad;
			}
			fs->ch = FC_SIZE;
			fs->ch_digits = 0;
			fs->chunk_left = 0;
			break;
		case FC_TRAILER:
			i++;
			if (c == '\n') {
				if (fs->line_len == 0) {
					fetch_finish(fs, 0, "complete");
					return (int)i;
				}
				fs->line_len = 0;
			} else if (c != '\r') {
				fs->line_len++;
			}
			if (++fs->ch_line > FETCH_HDR_MAX)
				goto bad;
			break;
		}
	}
	return (int)i;
bad:
	fetch_finish(fs, -EPROTO, "malformed chunked body");
	return -EPROTO;
}

/* Feed received bytes through the response parser. */
static void
fetch_feed(struct fetch_state *fs, const char *d, size_t n)
{
	size_t i = 0;

	while (i < n && !fs->finished) {
		switch (fs->phase) {
		case FP_CONNECTING:
		case FP_HEADERS:
			fs->phase = FP_HEADERS;
			while (i < n) {
				char ch = d[i++];

				if (fs->hdr_len == FETCH_HDR_MAX) {
					fetch_finish(fs, -EMSGSIZE, "response header too long");
					return;
				}
				fs->hdr[fs->hdr_len++] = ch;
				if (ch == '\n') {
					if (fs->line_len == 0) {
						fs->hdr[fs->hdr_len] = '\0';
						if (fetch_headers_done(fs) != 0)
							return;
						break;
					}
					fs->line_len = 0;
				} else if (ch != '\r') {
					fs->line_len++;
				}
			}
			break;
		case FP_BODY_LEN: {
			size_t take = n - i;

			if (take > fs->clen)
				take = (size_t)fs->clen;
			if (fetch_write(fs, d + i, take) != 0)
				return;
			i += take;
			fs->clen -= take;
			if (fs->clen == 0) {
				fetch_finish(fs, 0, "complete");
				return;
			}
			break;
		}
		case FP_BODY_CHUNKED: {
			int r = fetch_chunked(fs, d + i, n - i);

			if (r < 0)
				return;
			i += (size_t)r;
			break;
		}
		case FP_BODY_CLOSE:
			if (fetch_write(fs, d + i, n - i) != 0)
				return;
			i = n;
			break;
		case FP_FINISHED:
			return;
		}
	}
}

static void
fetch_send_request(struct fetch_state *fs)
{
	ssize_t n;

	if (fs->c == NULL || fs->req_off >= fs->req_len)
		return;
	n = sp_tcp_send(fs->c, fs->req + fs->req_off, fs->req_len - fs->req_off);
	if (n < 0) {
		fetch_finish(fs, (int)n, "cannot send the request");
		return;
	}
	fs->req_off += (uint32_t)n;
	if (fs->req_off == fs->req_len)
		sp_tcp_flush(fs->c);
}

static void
fetch_connected(struct sp_conn *c, void *arg)
{
	struct fetch_state *fs = arg;

	(void)c;
	fs->t_connected = rte_rdtsc();
	fs->last = rte_rdtsc();
	fs->phase = FP_HEADERS;
	fetch_send_request(fs);
}

static void
fetch_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct fetch_state *fs = arg;
	struct rte_mbuf *seg;

	(void)c;
	fs->last = rte_rdtsc();
	for (seg = m; seg != NULL && !fs->finished; seg = seg->next)
		fetch_feed(fs, rte_pktmbuf_mtod(seg, const char *), seg->data_len);
	rte_pktmbuf_free(m);
}

static void
fetch_writable(struct sp_conn *c, void *arg)
{
	(void)c;
	fetch_send_request(arg);
}

static void
fetch_peer_closed(struct sp_conn *c, void *arg)
{
	struct fetch_state *fs = arg;

	(void)c;
	if (fs->phase == FP_BODY_CLOSE)
		fetch_finish(fs, 0, "complete");
	else
		fetch_finish(fs, -EPIPE,
			fs->phase == FP_BODY_LEN || fs->phase == FP_BODY_CHUNKED
				? "truncated body: the server closed early"
				: "the server closed before a response");
}

static void
fetch_closed(struct sp_conn *c, int err, void *arg)
{
	struct fetch_state *fs = arg;
	char why[96];

	(void)c;
	fs->c = NULL;
	fs->closed = true;
	if (!fs->finished) {
		snprintf(why, sizeof(why), "connection %s",
			err == -ECONNREFUSED   ? "refused"
			: err == -ETIMEDOUT    ? "timed out"
			: err == -ECONNRESET   ? "reset"
			: err == -EHOSTUNREACH ? "unreachable"
			: err == 0	       ? "closed"
					       : "aborted");
		fetch_finish(fs, err != 0 ? err : -EPIPE, why);
	}
}

static const struct sp_tcp_callbacks fetch_cb = {
	.connected = fetch_connected,
	.recv = fetch_recv,
	.writable = fetch_writable,
	.peer_closed = fetch_peer_closed,
	.closed = fetch_closed,
};

/*
 * url = http://a.b.c.d[:port]/path: the host (an IPv4 literal, there is no resolver in the
 * stack) into @p host, its address and port, and the path ("/" when the URL has none).
 */
static int
fetch_parse_url(const char *url, char *host, size_t hostlen, uint32_t *ip, uint16_t *port,
	const char **path)
{
	const char *h, *e;
	size_t n, d;
	unsigned long p = 0;

	if (strncmp(url, "http://", 7) != 0)
		return -EINVAL;
	h = url + 7;
	e = h + strcspn(h, ":/");
	n = (size_t)(e - h);
	if (n == 0 || n >= hostlen)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	if (sp_parse_ipv4(host, ip) != 0 || *ip == 0)
		return -EINVAL;
	*port = 80;
	if (*e == ':') {
		/* decimal digits only, 1..65535 */
		n = strcspn(e + 1, "/");
		for (d = 0; d < n; d++) {
			if (e[1 + d] < '0' || e[1 + d] > '9' || p > 65535)
				return -EINVAL;
			p = p * 10 + (unsigned long)(e[1 + d] - '0');
		}
		if (n == 0 || p == 0 || p > 65535)
			return -EINVAL;
		*port = (uint16_t)p;
		e += 1 + n;
	}
	*path = *e == '/' ? e : "/";
	return 0;
}

static int
fetch_validate(
	const struct sp_service_cfg *cfg, bool partial, const char *src, char *err, size_t errlen)
{
	const struct fetch_opts *fo = SP_SERVICE_OPTS(cfg, struct fetch_opts);
	const char *path;
	char host[32];
	uint32_t ip;
	uint16_t port;

	if (fo->url[0] == '\0' && partial)
		return 0;
	if (fo->url[0] == '\0')
		return sp_service_fail(err, errlen, src,
			"[service.%s] url: missing: fetch needs url = http://a.b.c.d[:port]/path",
			cfg->name);
	if (fetch_parse_url(fo->url, host, sizeof(host), &ip, &port, &path) != 0)
		return sp_service_fail(err, errlen, src,
			"[service.%s] url: '%s' is not http://a.b.c.d[:port]/path", cfg->name,
			fo->url);
	if (fo->output[0] == '\0' && !partial)
		return sp_service_fail(err, errlen, src,
			"[service.%s] output: missing: fetch needs a file for the body", cfg->name);
	return 0;
}

static int
fetch_start(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, void **state)
{
	const struct fetch_opts *fo = SP_SERVICE_OPTS(cfg, struct fetch_opts);
	struct sp_connect_opts o = {0};
	struct fetch_state *fs;
	const char *path;
	char host[32], hostport[40];
	int ret, n;

	fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return -ENOMEM;
	fs->ctx = ctx;
	snprintf(fs->name, sizeof(fs->name), "%s", cfg->name);
	snprintf(fs->url, sizeof(fs->url), "%s", fo->url);
	snprintf(fs->output, sizeof(fs->output), "%s", fo->output);
	fs->t_start = rte_rdtsc();
	fs->last = fs->t_start;
	ret = fetch_parse_url(fs->url, host, sizeof(host), &fs->ip, &fs->port, &path);
	if (ret != 0) {
		SP_LOG(ERR, app, "fetch %s: url '%s' is not http://a.b.c.d[:port]/path", fs->name,
			fs->url);
		free(fs);
		return ret;
	}
	/* Host carries the port unless it is the default (RFC 9110 section 7.2). */
	if (fs->port != 80)
		snprintf(hostport, sizeof(hostport), "%s:%u", host, fs->port);
	else
		snprintf(hostport, sizeof(hostport), "%s", host);
	n = snprintf(fs->req, sizeof(fs->req),
		"GET %s HTTP/1.1\r\n"
		"Host: %s\r\n"
		"User-Agent: spindle-fetch/%s\r\n"
		"Accept: */*\r\n"
		"Connection: close\r\n"
		"\r\n",
		path, hostport, sp_version());
	if (n < 0 || (size_t)n >= sizeof(fs->req)) {
		free(fs);
		return -EINVAL;
	}
	fs->req_len = (uint32_t)n;
	if (strcmp(fs->output, "-") == 0) {
		fs->out = stdout;
	} else {
		fs->out = fopen(fs->output, "wb");
		if (fs->out == NULL) {
			ret = -errno;
			SP_LOG(ERR, app, "fetch %s: cannot open %s: %s", fs->name, fs->output,
				strerror(errno));
			free(fs);
			return ret;
		}
		setvbuf(fs->out, NULL, _IOFBF, 1 << 20);
	}
	o.dst_ip = fs->ip;
	o.dst_port = fs->port;
	o.cb = &fetch_cb;
	o.arg = fs;
	o.cc = cfg->cc[0] != '\0' ? cfg->cc : NULL;
	o.nodelay = true;
	fs->phase = FP_CONNECTING;
	ret = sp_tcp_connect(ctx, &o, &fs->c);
	if (ret != 0) {
		fs->c = NULL;
		fs->closed = true;
		fetch_finish(fs, ret, "cannot open the connection");
	}
	*state = fs;
	return 0;
}

static void
fetch_report(struct fetch_state *fs)
{
	double secs = svc_tsc_to_s(fs->ctx, fs->t_end - fs->t_start);
	FILE *f = fs->out == stdout || strcmp(fs->output, "-") == 0 ? stderr : stdout;

	if (fs->result == 0 && fs->code >= 200 && fs->code < 300)
		fprintf(f,
			"fetch %s: GET %s -> %d %s, %" PRIu64 " bytes in %.3f s (%.1f Mbit/s), "
			"saved to %s\n",
			fs->name, fs->url, fs->code, fs->reason, fs->body, secs,
			secs > 0 ? (double)fs->body * 8 / secs / 1e6 : 0.0, fs->output);
	else if (fs->result == 0)
		fprintf(f,
			"fetch %s: GET %s -> %d %s (not a success), %" PRIu64
			" bytes saved to %s\n",
			fs->name, fs->url, fs->code, fs->reason, fs->body, fs->output);
	else
		fprintf(f, "fetch %s: GET %s failed: %s (%s) after %" PRIu64 " body bytes\n",
			fs->name, fs->url, fs->why, strerror(-fs->result), fs->body);
	fflush(f);
}

static void
fetch_poll(struct sp_ctx *ctx, void *state)
{
	struct fetch_state *fs = state;

	/* Stamps come from rte_rdtsc(); sp_ctx_now(ctx) may be older than the last one. */
	if (!fs->finished && sp_ctx_now(ctx) > fs->last &&
		sp_ctx_now(ctx) - fs->last > svc_ms_to_tsc(ctx, FETCH_IDLE_MS))
		fetch_finish(fs, -ETIMEDOUT, "no progress for 60 s");
	/* Reported once: when the connection is gone or the close had its grace period. */
	if (fs->finished && fs->why[0] != '\0' &&
		(fs->closed || (sp_ctx_now(ctx) > fs->t_end &&
				       sp_ctx_now(ctx) - fs->t_end >
					       svc_ms_to_tsc(ctx, FETCH_LINGER_MS)))) {
		fetch_report(fs);
		fs->why[0] = '\0';
		fs->closed = true;
	}
}

static bool
fetch_done(void *state)
{
	struct fetch_state *fs = state;

	return fs->finished && fs->closed && fs->why[0] == '\0';
}

static int
fetch_status(void *state)
{
	struct fetch_state *fs = state;

	if (!fs->finished || fs->result != 0)
		return 1;
	return fs->code >= 200 && fs->code < 300 ? 0 : 1;
}

static void
fetch_stop(struct sp_ctx *ctx, void *state)
{
	struct fetch_state *fs = state;

	(void)ctx;
	if (fs->c != NULL) {
		sp_tcp_set_callbacks(fs->c, &svc_orphan_cb, NULL);
		sp_tcp_abort(fs->c);
		fs->c = NULL;
	}
	if (!fs->finished) {
		fs->finished = true;
		fs->result = -EINTR;
		fs->t_end = rte_rdtsc();
		snprintf(fs->why, sizeof(fs->why), "interrupted");
	}
	if (fs->why[0] != '\0')
		fetch_report(fs);
	if (fs->out != NULL && fs->out != stdout)
		fclose(fs->out);
	free(fs);
}

const struct sp_service_ops sp_service_fetch = {
	.type = "fetch",
	.client = true,
	.default_port = 0,
	.keys = fetch_keys,
	.n_keys = RTE_DIM(fetch_keys),
	.validate = fetch_validate,
	.start = fetch_start,
	.poll = fetch_poll,
	.done = fetch_done,
	.status = fetch_status,
	.stop = fetch_stop,
};
