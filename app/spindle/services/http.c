/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http (port 80): a small HTTP/1.1 origin server (RFC 9110, RFC 9112) for tests and benchmarks.
 *
 *   GET|HEAD /          a small HTML page
 *   GET|HEAD /bytes/N   N bytes (0 <= N <= 2^40) of the pattern byte i = (i * 7 + 13) mod 256,
 *                       streamed while the send buffer has room (no N-sized buffer)
 *
 * Framing: every response carries Content-Length. Persistent connections per RFC 9112 section 9.3
 * (HTTP/1.1 keeps the connection unless "Connection: close"; HTTP/1.0 closes unless
 * "Connection: keep-alive"). Pipelined requests are answered in order: while a response is being
 * sent, further input waits (zero-copy, as received mbufs) in a bounded queue. Request bodies
 * announced by Content-Length are read and dropped (bounded by HTTP_BODY_MAX); chunked request
 * bodies are not supported (501 and close, as RFC 9112 section 6.1 allows).
 *
 * Errors: 400 malformed request line/header, missing or repeated Host in HTTP/1.1 (RFC 9112
 * section 3.2), conflicting Content-Length; 404 unknown path; 405 (with Allow) other methods;
 * 413 body too large; 414 request line longer than the header buffer; 431 header block longer
 * than the header buffer; 501 Transfer-Encoding; 505 HTTP major version other than 1. After an
 * error that loses the framing we answer with "Connection: close".
 *
 * Closing: when we close (Connection: close, errors) we half-close (FIN after the response) and
 * keep reading and dropping until the peer closes or HTTP_LINGER_MS pass, so a client that has
 * pipelined more requests does not get a RST that would destroy the response it has not read yet
 * (RFC 9112 section 9.6). Idle connections are closed after HTTP_IDLE_MS.
 *
 * Slowloris: input that only continues a request (the rest of its header or body, or empty
 * lines before it) does not restart that clock; only the first bytes of a request and our own
 * progress (a response written) do. A request must so arrive whole within HTTP_IDLE_MS of its
 * first byte, however slowly it trickles, and a peer cannot hold a connection with a byte a
 * minute (counted as "timed out" in the exit report).
 *
 * Graceful stop (drain): the listener closes; a response in progress is sent to its end and then
 * closed as after "Connection: close" (further pipelined requests are not answered); an idle
 * connection is half-closed at once. Both linger as above, so a download in progress when
 * spindle is stopped arrives whole if it finishes within stack.drain_ms.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/queue.h>
#include "svc_common.h"

#define HTTP_HDR_MAX   8192u	      /* request line + header fields */
#define HTTP_IN_MAX    (256u * 1024u) /* pipelined input held while a response is in progress */
#define HTTP_BODY_MAX  (1u << 20)     /* request body we read and drop */
#define HTTP_BYTES_MAX (1ull << 40)   /* largest /bytes/N */
#define HTTP_IDLE_MS   60000u	      /* idle keep-alive (or stalled) connection */
#define HTTP_LINGER_MS 5000u	      /* half-closed, waiting for the peer's FIN */
#define HTTP_RESP_MAX  1024u	      /* response header (+ small body) */
#define HTTP_SPARE     256u	      /* closed connections' memory kept for new ones */

struct http_state;

struct http_conn {
	TAILQ_ENTRY(http_conn) link;  /* state->conns, or state->dead once closed */
	TAILQ_ENTRY(http_conn) tlink; /* state->lru (open) or state->linger (half-closed by us) */
	struct http_state *st;
	struct sp_conn *c; /* NULL once closed() ran */
	uint64_t last;	   /* TSC of the last activity */
	struct svc_mq in;  /* received, not yet parsed */
	char *hdr;	   /* request split over receives (allocated while needed) */
	uint32_t hdr_len;
	uint32_t line_len; /* 1: the line since the last LF holds a byte other than CR */
	bool first_line_done;
	uint64_t body_skip; /* request body bytes still to drop */
	bool in_req;	    /* a request's first bytes came: more input is no progress */
	/* response in progress */
	bool busy;
	bool close_after;
	uint16_t rh_len, rh_off;
	const char *resp; /* the response (header, small body) being sent: rh or the page cache */
	uint64_t body_len, body_off; /* pattern body (/bytes/N) */
	bool peer_closed;
	bool shut;    /* our FIN is queued; lingering */
	bool closing; /* sp_tcp_close()/abort called */
	bool aborted; /* sp_tcp_abort called */
	char rh[HTTP_RESP_MAX];
};

TAILQ_HEAD(http_conn_list, http_conn);

/*
 * The response to GET or HEAD / for one (HEAD, Connection, HTTP/1.0) combination, built once a
 * second (its Date changes then) and sent from here: the page is the common request of a
 * keep-alive benchmark, and building it cost more than parsing the request.
 */
struct http_page_resp {
	time_t sec; /* st->date_sec it was built with; 0: never */
	uint16_t len;
	char buf[HTTP_RESP_MAX];
};

struct http_state {
	struct sp_ctx *ctx;
	struct sp_listener *l;
	struct http_conn_list conns, dead, lru, linger;
	struct http_conn_list spare; /* freed, kept for the next accept (HTTP_SPARE at most) */
	uint32_t n_spare;
	uint64_t idle_tsc, linger_tsc;
	time_t date_sec;
	char date[64];
	size_t date_len;
	uint64_t requests, errors, aborts, timeouts;
	struct http_page_resp page[8]; /* index: HEAD | close << 1 | HTTP/1.0 << 2 */
	uint8_t pattern[SVC_PATTERN_PERIOD + SVC_PATTERN_CHUNK];
	char scratch[HTTP_HDR_MAX + 1]; /* a request collected within one receive */
};

static const char http_page[] =
	"<!DOCTYPE html>\n"
	"<html><head><meta charset=\"utf-8\"><title>spindle</title></head>\n"
	"<body><h1>spindle</h1>\n"
	"<p>This page was served by spindle, a userspace TCP/IP stack on DPDK poll-mode "
	"drivers.</p>\n"
	"<p><a href=\"/bytes/1048576\">/bytes/1048576</a> returns 1 MiB of the test pattern "
	"(byte i = (i * 7 + 13) mod 256).</p>\n"
	"</body></html>\n";

/* ---------------------------------------------------------------------------------------- */

static void
http_touch(struct http_conn *hc)
{
	struct http_state *st = hc->st;

	hc->last = sp_ctx_now(st->ctx);
	if (hc->shut)
		return; /* on the linger list: its deadline runs from the FIN */
	if (TAILQ_NEXT(hc, tlink) == NULL)
		return; /* the newest already (a request touches at its start and its end) */
	TAILQ_REMOVE(&st->lru, hc, tlink);
	TAILQ_INSERT_TAIL(&st->lru, hc, tlink);
}

static void
http_abort(struct http_conn *hc)
{
	if (hc->c == NULL || hc->aborted)
		return;
	hc->closing = true;
	hc->aborted = true;
	hc->st->aborts++;
	sp_tcp_abort(hc->c);
}

static void
http_close(struct http_conn *hc)
{
	if (hc->c == NULL || hc->closing)
		return;
	hc->closing = true;
	sp_tcp_close(hc->c);
}

/*
 * A deadline passed: close gracefully the first time, reset if it passes again (the peer
 * neither closes nor acknowledges), so no connection is held forever.
 */
static void
http_expire(struct http_conn *hc)
{
	if (hc->in_req)
		hc->st->timeouts++; /* a request begun and not finished in time (slowloris) */
	if (hc->closing || hc->busy)
		http_abort(hc);
	else
		http_close(hc);
}

static void
http_drop_hdr(struct http_conn *hc)
{
	free(hc->hdr);
	hc->hdr = NULL;
	hc->hdr_len = 0;
	hc->line_len = 0;
	hc->first_line_done = false;
}

static const char *
http_date(struct http_state *st)
{
	time_t t = time(NULL);
	struct tm tm;

	if (t != st->date_sec && gmtime_r(&t, &tm) != NULL) {
		/* IMF-fixdate, RFC 9110 section 5.6.7 */
		st->date_len =
			strftime(st->date, sizeof(st->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		st->date_sec = t;
	}
	return st->date;
}

/* A response being built in hc->rh: len may pass the end, then nothing more is written. */
struct http_out {
	char *buf;
	size_t len;
};

static void
http_put(struct http_out *o, const char *s, size_t n)
{
	if (o->len + n <= HTTP_RESP_MAX)
		memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* A string literal, its length known at compile time. */
#define http_put_lit(o, lit) http_put((o), (lit), sizeof(lit) - 1)

static void
http_put_u64(struct http_out *o, uint64_t v)
{
	char d[20];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	http_put(o, d + i, sizeof(d) - i);
}

/*
 * Write a response's status line and header fields, plus @p body (small, copied) unless @p head
 * or @p pattern, into @p buf (HTTP_RESP_MAX bytes). @return its length (0 if it did not fit,
 * which our fixed strings cannot cause).
 */
static uint16_t
http_build(struct http_state *st, char *buf, int code, const char *reason, const char *ctype,
	const char *body, size_t body_len, bool pattern, uint64_t pattern_len, bool head, bool keep,
	bool http10, const char *extra)
{
	uint64_t clen = pattern ? pattern_len : body_len;
	struct http_out o = {buf, 0};
	/*
	 * Before date_len is read: as an argument beside it, the order of the two is unspecified
	 * and gcc read date_len first (0 before the first call: an empty Date field).
	 */
	const char *date = http_date(st);
	size_t n;

	/*
	 * Built with memcpy and one integer conversion (no snprintf: it was the largest single
	 * cost of a keep-alive request). Every piece is one of our fixed strings, bounded well
	 * below HTTP_RESP_MAX; http_put() still refuses to run past it.
	 */
	http_put_lit(&o, "HTTP/1.1 ");
	http_put_u64(&o, (uint64_t)code);
	http_put_lit(&o, " ");
	http_put(&o, reason, strlen(reason));
	http_put_lit(&o, "\r\nServer: spindle\r\nDate: ");
	http_put(&o, date, st->date_len);
	http_put_lit(&o, "\r\nContent-Type: ");
	http_put(&o, ctype, strlen(ctype));
	http_put_lit(&o, "\r\nContent-Length: ");
	http_put_u64(&o, clen);
	http_put_lit(&o, "\r\n");
	if (!keep)
		http_put_lit(&o, "Connection: close\r\n");
	else if (http10)
		http_put_lit(&o, "Connection: keep-alive\r\n");
	if (extra != NULL)
		http_put(&o, extra, strlen(extra));
	http_put_lit(&o, "\r\n");
	n = o.len <= HTTP_RESP_MAX ? o.len : 0; /* cannot overflow: leaves an empty response */
	if (!head && !pattern && body_len > 0 && n + body_len <= HTTP_RESP_MAX) {
		memcpy(buf + n, body, body_len);
		n += body_len;
	}
	return (uint16_t)n;
}

/* The response of @p rh_len bytes at @p resp (and a /bytes body) is what hc sends next. */
static void
http_start_resp(
	struct http_conn *hc, const char *resp, uint16_t rh_len, uint64_t body_len, bool keep)
{
	hc->resp = resp;
	hc->rh_len = rh_len;
	hc->rh_off = 0;
	hc->body_len = body_len;
	hc->body_off = 0;
	hc->close_after = !keep;
	hc->busy = true;
}

/*
 * Prepare a response: status line and header fields, plus @p body (small, copied) or, when
 * @p pattern_len is set, a /bytes body streamed by http_pump().
 */
static void
http_respond(struct http_conn *hc, int code, const char *reason, const char *ctype,
	const char *body, size_t body_len, bool pattern, uint64_t pattern_len, bool head, bool keep,
	bool http10, const char *extra)
{
	uint16_t n = http_build(hc->st, hc->rh, code, reason, ctype, body, body_len, pattern,
		pattern_len, head, keep, http10, extra);

	http_start_resp(hc, hc->rh, n, (pattern && !head) ? pattern_len : 0, keep);
	if (code >= 400)
		hc->st->errors++;
}

/* GET or HEAD /: the page, from the per-second cache (the same bytes http_respond() builds). */
static void
http_respond_page(struct http_conn *hc, bool head, bool keep, bool http10)
{
	struct http_state *st = hc->st;
	struct http_page_resp *pr = &st->page[head | (!keep << 1) | (http10 << 2)];

	http_date(st);
	if (pr->sec != st->date_sec || pr->len == 0) {
		pr->len = http_build(st, pr->buf, 200, "OK", "text/html; charset=utf-8", http_page,
			sizeof(http_page) - 1, false, 0, head, keep, http10, NULL);
		pr->sec = st->date_sec;
	}
	http_start_resp(hc, pr->buf, pr->len, 0, keep);
}

static void
http_error(struct http_conn *hc, int code, const char *reason, bool keep, const char *extra)
{
	char body[96];
	int n;

	n = snprintf(body, sizeof(body), "%d %s\n", code, reason);
	if (n < 0)
		n = 0;
	http_respond(hc, code, reason, "text/plain; charset=utf-8", body, (size_t)n, false, 0,
		false, keep, false, extra);
}

/* tchar of RFC 9110 section 5.6.2, one table look-up a byte */
static const bool http_tchar_tab[256] = {
	['0' ... '9'] = true,
	['A' ... 'Z'] = true,
	['a' ... 'z'] = true,
	['!'] = true,
	['#'] = true,
	['$'] = true,
	['%'] = true,
	['&'] = true,
	['\''] = true,
	['*'] = true,
	['+'] = true,
	['-'] = true,
	['.'] = true,
	['^'] = true,
	['_'] = true,
	['`'] = true,
	['|'] = true,
	['~'] = true,
};

static inline bool
http_tchar(char ch)
{
	return http_tchar_tab[(unsigned char)ch];
}

/*
 * Is the field name at @p name (@p len tchars) @p lower (lower case, letters and '-')? ASCII
 * case folding by OR 0x20, exact here: a tchar other than a letter that folds onto a letter or
 * '-' of @p lower would be a byte below 0x20 or '\r', which are not tchars.
 */
static inline bool
http_name_is(const char *name, size_t len, const char *lower, size_t llen)
{
	size_t i;

	if (len != llen)
		return false;
	for (i = 0; i < len; i++)
		if (((unsigned char)name[i] | 0x20) != (unsigned char)lower[i])
			return false;
	return true;
}

/* Does comma-separated list @p v (length @p len) hold token @p tok (case-insensitive)? */
static bool
http_list_has(const char *v, size_t len, const char *tok)
{
	size_t tl = strlen(tok), i = 0;

	while (i < len) {
		size_t s, e;

		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return true;
	}
	return false;
}

/* Parse 1..19 decimal digits (nothing else). */
static int
http_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * The collected request (@p req, hc->hdr_len bytes, ending with the empty line) is complete:
 * parse it and prepare the response.
 */
static void
http_handle(struct http_conn *hc, char *req)
{
	char *p = req, *end = req + hc->hdr_len;
	char *line, *eol, *sp1, *sp2, *target, *path;
	size_t mlen, tlen, plen;
	bool http10, head, get, conn_close = false, conn_keep = false, te = false, keep;
	unsigned hosts = 0;
	uint64_t clen = 0, n;
	bool have_clen = false;
	int ret;

	hc->st->requests++;
	/*
	 * request-line = method SP request-target SP HTTP-version (RFC 9112 section 3), read in
	 * one pass: the method is tchars up to the first SP, the target visible bytes up to the
	 * second, the version exactly "HTTP/" DIGIT "." DIGIT up to the line's end. So a CR, a NUL,
	 * a third SP or anything else in the line is refused where it stands.
	 */
	line = p;
	eol = memchr(line, '\n', (size_t)(end - line));
	if (eol == NULL)
		goto bad;
	p = eol + 1;
	if (eol > line && eol[-1] == '\r')
		eol--;
	for (sp1 = line; sp1 < eol && http_tchar(*sp1); sp1++)
		;
	if (sp1 == eol || *sp1 != ' ')
		goto bad;
	target = sp1 + 1;
	for (sp2 = target; sp2 < eol && (unsigned char)*sp2 > 0x20 && *sp2 != 0x7f; sp2++)
		;
	if (sp2 == eol || *sp2 != ' ')
		goto bad;
	mlen = (size_t)(sp1 - line);
	tlen = (size_t)(sp2 - target);
	if (mlen == 0 || tlen == 0)
		goto bad;
	if (eol - sp2 != 9 || memcmp(sp2 + 1, "HTTP/", 5) != 0 || sp2[6] < '0' || sp2[6] > '9' ||
		sp2[7] != '.' || sp2[8] < '0' || sp2[8] > '9')
		goto bad;
	if (sp2[6] != '1') {
		http_error(hc, 505, "HTTP Version Not Supported", false, NULL);
		return;
	}
	http10 = sp2[8] == '0';

	/*
	 * header fields (RFC 9112 section 5). RFC 9110 5.5: CR, LF or NUL in a field value: reject
	 * the message (a MUST); a NUL in a name is no tchar either, so one look over the whole
	 * section serves every line.
	 */
	if (memchr(p, '\0', (size_t)(end - p)) != NULL)
		goto bad;
	while (p < end) {
		char *colon, *v, *ve;

		line = p;
		eol = memchr(line, '\n', (size_t)(end - line));
		if (eol == NULL)
			goto bad;
		p = eol + 1;
		if (eol > line && eol[-1] == '\r')
			eol--;
		if (eol == line)
			break; /* the empty line ending the header section */
		/*
		 * field-name = token, then ':' at once: whitespace before the colon (section 5.1),
		 * an obs-fold's leading SP or HTAB (section 5.2 allows rejecting it), a bare CR or
		 * a line without a colon all end the token elsewhere.
		 */
		for (colon = line; colon < eol && http_tchar(*colon); colon++)
			;
		if (colon == line || colon == eol || *colon != ':')
			goto bad;
		v = colon + 1;
		if (memchr(v, '\r', (size_t)(eol - v)) != NULL)
			goto bad; /* a bare CR in the value (NUL: above) */
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
#define NAME_IS(s) http_name_is(line, (size_t)(colon - line), s, sizeof(s) - 1)
		if (NAME_IS("host")) {
			hosts++;
		} else if (NAME_IS("content-length")) {
			uint64_t v64;

			if (http_parse_u64(v, (size_t)(ve - v), &v64) != 0)
				goto bad;
			if (have_clen && v64 != clen)
				goto bad; /* section 6.3: conflicting lengths are unrecoverable */
			clen = v64;
			have_clen = true;
		} else if (NAME_IS("transfer-encoding")) {
			te = true;
		} else if (NAME_IS("connection")) {
			if (http_list_has(v, (size_t)(ve - v), "close"))
				conn_close = true;
			if (http_list_has(v, (size_t)(ve - v), "keep-alive"))
				conn_keep = true;
		}
#undef NAME_IS
	}

	if (!http10 && hosts != 1)
		goto bad; /* RFC 9112 section 3.2: exactly one Host in HTTP/1.1 */
	if (te) {
		http_error(hc, 501, "Not Implemented", false, NULL);
		return;
	}
	if (clen > HTTP_BODY_MAX) {
		http_error(hc, 413, "Content Too Large", false, NULL);
		return;
	}
	hc->body_skip = clen;
	keep = http10 ? (conn_keep && !conn_close) : !conn_close;

	get = mlen == 3 && memcmp(req, "GET", 3) == 0;
	head = mlen == 4 && memcmp(req, "HEAD", 4) == 0;
	if (!get && !head) {
		http_error(hc, 405, "Method Not Allowed", keep, "Allow: GET, HEAD\r\n");
		return;
	}

	/* absolute-form (section 3.2.2): keep only the path */
	path = target;
	plen = tlen;
	if (tlen > 7 && (strncasecmp(target, "http://", 7) == 0 ||
				strncasecmp(target, "https://", 8) == 0)) {
		char *a = target + (target[4] == ':' ? 7 : 8);
		char *slash = memchr(a, '/', (size_t)(target + tlen - a));

		if (slash == NULL) {
			path = (char *)(uintptr_t) "/";
			plen = 1;
		} else {
			path = slash;
			plen = (size_t)(target + tlen - slash);
		}
	}
	if (path[0] != '/')
		goto bad;
	for (n = 1; n < plen; n++)
		if (path[n] == '?' || path[n] == '#')
			break;
	plen = (size_t)n; /* the query and fragment are not part of the path */

	if (plen == 1) {
		http_respond_page(hc, head, keep, http10);
		return;
	}
	if (plen > 7 && strncmp(path, "/bytes/", 7) == 0) {
		ret = http_parse_u64(path + 7, plen - 7, &n);
		if (ret != 0) {
			http_error(hc, 404, "Not Found", keep, NULL);
			return;
		}
		if (n > HTTP_BYTES_MAX) {
			http_error(hc, 400, "Bad Request", keep, NULL);
			return;
		}
		http_respond(hc, 200, "OK", "application/octet-stream", NULL, 0, true, n, head,
			keep, http10, NULL);
		return;
	}
	http_error(hc, 404, "Not Found", keep, NULL);
	return;
bad:
	/* The framing of what follows cannot be trusted: answer and close. */
	hc->body_skip = 0;
	http_error(hc, 400, "Bad Request", false, NULL);
}

/*
 * Our side is done: FIN after what is queued (the response), then read and drop until the peer
 * closes or the linger deadline.
 */
static void
http_linger(struct http_conn *hc)
{
	struct http_state *st = hc->st;

	hc->shut = true;
	sp_tcp_shutdown(hc->c);
	svc_mq_free(&hc->in);
	http_drop_hdr(hc);
	TAILQ_REMOVE(&st->lru, hc, tlink);
	TAILQ_INSERT_TAIL(&st->linger, hc, tlink);
	hc->last = sp_ctx_now(st->ctx);
}

/* Send what the send buffer takes of the response in progress. */
static void
http_pump(struct http_conn *hc)
{
	struct http_state *st = hc->st;
	ssize_t n;
	size_t want;

	while (hc->busy && hc->c != NULL && !hc->closing) {
		if (hc->rh_off < hc->rh_len) {
			want = (size_t)(hc->rh_len - hc->rh_off);
			n = sp_tcp_send(hc->c, hc->resp + hc->rh_off, want);
			if (n < 0)
				goto fail;
			hc->rh_off = (uint16_t)(hc->rh_off + n);
			if ((size_t)n < want) {
				/* the page cache may be rebuilt before writable: keep our own copy */
				if (hc->resp != hc->rh) {
					memcpy(hc->rh, hc->resp, hc->rh_len);
					hc->resp = hc->rh;
				}
				return; /* writable resumes */
			}
			continue;
		}
		if (hc->body_off < hc->body_len) {
			uint64_t left = hc->body_len - hc->body_off;

			want = left < SVC_PATTERN_CHUNK ? (size_t)left : SVC_PATTERN_CHUNK;
			n = sp_tcp_send(
				hc->c, st->pattern + (hc->body_off % SVC_PATTERN_PERIOD), want);
			if (n < 0)
				goto fail;
			hc->body_off += (uint64_t)n;
			if ((size_t)n < want)
				return;
			continue;
		}
		/* Response complete: push its tail out now rather than waiting for Nagle. */
		hc->busy = false;
		sp_tcp_flush(hc->c);
		if (hc->close_after && !hc->shut)
			http_linger(hc);
	}
	return;
fail:
	http_abort(hc);
}

/* Drop @p n bytes from the front of the input queue. */
static void
http_in_adj(struct http_conn *hc, uint32_t n)
{
	struct rte_mbuf *m = hc->in.head;

	rte_pktmbuf_adj(m, (uint16_t)n);
	hc->in.bytes -= n;
	if (m->data_len == 0)
		rte_pktmbuf_free(svc_mq_pop(&hc->in));
}

/*
 * Move input into the header buffer until the end of the header section. The buffer is the
 * service's scratch (st->scratch) while a request arrives within one call, as a keep-alive or
 * one-shot request does; only a request split over several receives is kept in a buffer of the
 * connection's own (hc->hdr, allocated then, freed with http_drop_hdr()). *@p buf says which
 * holds the request on return 1 / -414 / -431.
 * @return 1 complete, 0 need more input, -414 / -431 too long, -ENOMEM.
 */
static int
http_collect(struct http_conn *hc, char **buf)
{
	struct http_state *st = hc->st;
	char *h = hc->hdr != NULL ? hc->hdr : st->scratch;
	struct rte_mbuf *m;

	*buf = h;
	while ((m = hc->in.head) != NULL) {
		const char *d = rte_pktmbuf_mtod(m, const char *);
		uint32_t len = m->data_len, i = 0, s, hl = hc->hdr_len;

		/* RFC 9112 section 2.2: ignore empty lines before the request-line */
		while (hl == 0 && i < len && (d[i] == '\r' || d[i] == '\n'))
			i++;
		/* the lines are found one by one and copied at once: d[s, i) goes to h + hdr_len */
		s = i;
		while (i < len) {
			const char *nl = memchr(d + i, '\n', len - i);
			uint32_t end = nl != NULL ? (uint32_t)(nl - d) + 1 : len, j;

			if (end - i > HTTP_HDR_MAX - hl) {
				/* the buffer fills before this line ends: the request is refused */
				hc->hdr_len = HTTP_HDR_MAX;
				http_in_adj(hc, i + (HTTP_HDR_MAX - hl));
				return hc->first_line_done ? -431 : -414;
			}
			hl += end - i;
			for (j = i; j < end && !hc->line_len; j++)
				hc->line_len = d[j] != '\r' && d[j] != '\n';
			i = end;
			if (nl == NULL)
				break;
			if (hc->line_len == 0 && hc->first_line_done) {
				memcpy(h + hc->hdr_len, d + s, i - s);
				hc->hdr_len = hl;
				http_in_adj(hc, i);
				h[hl] = '\0';
				return 1;
			}
			hc->first_line_done = true;
			hc->line_len = 0;
		}
		memcpy(h + hc->hdr_len, d + s, len - s);
		hc->hdr_len = hl;
		http_in_adj(hc, len);
	}
	if (hc->hdr == NULL && hc->hdr_len > 0) {
		/* the rest comes in a later receive: the scratch is not ours until then */
		hc->hdr = malloc(HTTP_HDR_MAX + 1);
		if (hc->hdr == NULL)
			return -ENOMEM;
		memcpy(hc->hdr, h, hc->hdr_len);
	}
	return 0;
}

/* Handle what input allows: drop bodies, parse requests, send responses, in order. */
static void
http_process(struct http_conn *hc)
{
	char *req;
	int r;

	while (hc->c != NULL && !hc->closing) {
		if (hc->busy) {
			http_pump(hc);
			if (hc->busy || hc->c == NULL || hc->closing)
				return;
			continue;
		}
		if (hc->shut) {
			svc_mq_free(&hc->in); /* lingering: input is read and dropped */
			break;
		}
		while (hc->body_skip > 0 && hc->in.head != NULL) {
			uint32_t take = hc->in.head->data_len;

			if (take > hc->body_skip)
				take = (uint32_t)hc->body_skip;
			hc->body_skip -= take;
			http_in_adj(hc, take);
		}
		if (hc->body_skip > 0)
			break;
		r = http_collect(hc, &req);
		if (r == 0)
			break;
		if (r == -ENOMEM) {
			http_abort(hc);
			return;
		}
		if (r == -414)
			http_error(hc, 414, "URI Too Long", false, NULL);
		else if (r == -431)
			http_error(hc, 431, "Request Header Fields Too Large", false, NULL);
		else
			http_handle(hc, req);
		http_drop_hdr(hc);
		/* A whole request is progress; the next one's first bytes restart the clock. */
		hc->in_req = false;
		if (hc->c != NULL && !hc->closing && !hc->shut)
			http_touch(hc);
	}
	/* The peer is done sending and every complete request has been answered. */
	if (hc->c != NULL && !hc->closing && !hc->busy && hc->peer_closed)
		http_close(hc);
}

static void
http_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct http_conn *hc = arg;

	(void)c;
	if (hc->closing || hc->shut) {
		rte_pktmbuf_free(m);
		return;
	}
	/* Only a request's first bytes are activity; the rest of it must follow in time. */
	if (!hc->in_req) {
		http_touch(hc);
		hc->in_req = true;
	}
	svc_mq_push_chain(&hc->in, m);
	if (hc->in.bytes > HTTP_IN_MAX) {
		/* Pipelining far ahead of what it reads: holding more would be unbounded. */
		SP_LOG(NOTICE, app, "http: %u bytes of unanswered pipelined input, aborting",
			hc->in.bytes);
		svc_mq_free(&hc->in);
		http_abort(hc);
		return;
	}
	if (!hc->busy)
		http_process(hc);
}

static void
http_writable(struct sp_conn *c, void *arg)
{
	struct http_conn *hc = arg;

	(void)c;
	http_touch(hc);
	http_process(hc);
}

static void
http_peer_closed(struct sp_conn *c, void *arg)
{
	struct http_conn *hc = arg;

	(void)c;
	hc->peer_closed = true;
	http_process(hc);
}

static void
http_closed(struct sp_conn *c, int err, void *arg)
{
	struct http_conn *hc = arg;
	struct http_state *st = hc->st;

	(void)c;
	(void)err;
	hc->c = NULL;
	svc_mq_free(&hc->in);
	http_drop_hdr(hc);
	if (hc->shut)
		TAILQ_REMOVE(&st->linger, hc, tlink);
	else
		TAILQ_REMOVE(&st->lru, hc, tlink);
	TAILQ_REMOVE(&st->conns, hc, link);
	TAILQ_INSERT_TAIL(&st->dead, hc, link);
}

static const struct sp_tcp_callbacks http_conn_cb = {
	.recv = http_recv,
	.writable = http_writable,
	.peer_closed = http_peer_closed,
	.closed = http_closed,
};

static int
http_accepted(struct sp_conn *c, void *arg)
{
	struct http_state *st = arg;
	struct http_conn *hc;

	hc = TAILQ_FIRST(&st->spare);
	if (hc != NULL) {
		/* one connection a request (Connection: close): no malloc per connection */
		TAILQ_REMOVE(&st->spare, hc, link);
		st->n_spare--;
		memset(hc, 0, sizeof(*hc));
	} else {
		hc = calloc(1, sizeof(*hc));
		if (hc == NULL)
			return -ENOMEM;
	}
	hc->st = st;
	hc->c = c;
	hc->last = sp_ctx_now(st->ctx);
	TAILQ_INSERT_TAIL(&st->conns, hc, link);
	TAILQ_INSERT_TAIL(&st->lru, hc, tlink);
	sp_tcp_set_callbacks(c, &http_conn_cb, hc);
	return 0;
}

static const struct sp_tcp_callbacks http_listen_cb = {
	.accepted = http_accepted,
};

static void
http_free_dead(struct http_state *st)
{
	struct http_conn *hc;

	while ((hc = TAILQ_FIRST(&st->dead)) != NULL) {
		TAILQ_REMOVE(&st->dead, hc, link);
		if (st->n_spare < HTTP_SPARE) {
			TAILQ_INSERT_HEAD(&st->spare, hc, link);
			st->n_spare++;
		} else {
			free(hc);
		}
	}
}

static int
http_start(struct sp_ctx *ctx, const struct sp_service_cfg *cfg, void **state)
{
	struct http_state *st;
	int ret;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->ctx = ctx;
	TAILQ_INIT(&st->conns);
	TAILQ_INIT(&st->dead);
	TAILQ_INIT(&st->lru);
	TAILQ_INIT(&st->linger);
	TAILQ_INIT(&st->spare);
	st->idle_tsc = svc_ms_to_tsc(ctx, HTTP_IDLE_MS);
	st->linger_tsc = svc_ms_to_tsc(ctx, HTTP_LINGER_MS);
	svc_pattern_fill(st->pattern);
	/* Nagle stays on: header and body coalesce; each response ends with sp_tcp_flush(). */
	ret = svc_listen(ctx, cfg, &http_listen_cb, st, false, &st->l);
	if (ret < 0) {
		free(st);
		return ret;
	}
	*state = st;
	return 0;
}

static void
http_poll(struct sp_ctx *ctx, void *state)
{
	struct http_state *st = state;
	uint64_t now = sp_ctx_now(ctx);
	struct http_conn *hc;

	if (!TAILQ_EMPTY(&st->dead))
		http_free_dead(st);
	/* Both lists are in deadline order: only their heads need looking at. */
	while ((hc = TAILQ_FIRST(&st->linger)) != NULL && now > hc->last &&
		now - hc->last > st->linger_tsc) {
		TAILQ_REMOVE(&st->linger, hc, tlink);
		TAILQ_INSERT_TAIL(&st->linger, hc, tlink);
		hc->last = now;
		http_expire(hc);
	}
	while ((hc = TAILQ_FIRST(&st->lru)) != NULL && now > hc->last &&
		now - hc->last > st->idle_tsc) {
		TAILQ_REMOVE(&st->lru, hc, tlink);
		TAILQ_INSERT_TAIL(&st->lru, hc, tlink);
		hc->last = now;
		http_expire(hc); /* idle keep-alive, or the peer stopped reading a response */
	}
	if (!TAILQ_EMPTY(&st->dead))
		http_free_dead(st);
}

static void
http_drain(struct sp_ctx *ctx, void *state)
{
	struct http_state *st = state;
	struct http_conn *hc, *next;

	svc_unlisten(ctx, &st->l);
	RTE_TAILQ_FOREACH_SAFE(hc, &st->conns, link, next)
	{
		if (hc->c == NULL || hc->closing || hc->shut)
			continue;
		if (hc->busy)
			hc->close_after = true; /* http_pump() lingers once the response is out */
		else
			http_linger(hc);
	}
}

static void
http_stop(struct sp_ctx *ctx, void *state)
{
	struct http_state *st = state;
	struct http_conn *hc;

	svc_unlisten(ctx, &st->l);
	while ((hc = TAILQ_FIRST(&st->conns)) != NULL) {
		TAILQ_REMOVE(&st->conns, hc, link);
		if (hc->c != NULL) {
			sp_tcp_set_callbacks(hc->c, &svc_orphan_cb, NULL);
			sp_tcp_abort(hc->c);
		}
		svc_mq_free(&hc->in);
		free(hc->hdr);
		free(hc);
	}
	http_free_dead(st);
	while ((hc = TAILQ_FIRST(&st->spare)) != NULL) {
		TAILQ_REMOVE(&st->spare, hc, link);
		free(hc);
	}
	SP_LOG(NOTICE, app,
		"http: lcore %u: %" PRIu64 " requests, %" PRIu64 " errors, %" PRIu64
		" aborted, %" PRIu64 " timed out",
		sp_ctx_lcore(ctx), st->requests, st->errors, st->aborts, st->timeouts);
	free(st);
}

const struct sp_service_ops sp_service_http = {
	.type = "http",
	.client = false,
	.default_port = 80,
	.start = http_start,
	.poll = http_poll,
	.drain = http_drain,
	.stop = http_stop,
};
