/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loadgen's HTTP/1.1 response parser (loadgen.h): one byte-driven state machine, lines kept in
 * a small buffer (only the status line, Content-Length, Transfer-Encoding and chunk sizes are
 * read; longer lines of other fields are skipped), the body counted and dropped.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include "loadgen.h"

enum {
	H_STATUS,     /* status-line (RFC 9112 section 4) */
	H_FIELD,      /* field lines up to the empty line (section 5) */
	H_BODY,	      /* Content-Length bytes (section 6.3 rule 6) */
	H_CHUNK_SIZE, /* chunk-size [chunk-ext] CRLF (section 7.1) */
	H_CHUNK_DATA,
	H_CHUNK_END, /* CRLF after chunk-data */
	H_TRAILER,   /* trailer section after last-chunk (section 7.1.2) */
	H_UNTIL_EOF, /* no framing: the body ends when the server closes (rule 8) */
	H_DONE,
};

void
lg_http_reset(struct lg_http *h)
{
	/* line[] needs no clearing: only its first line_len bytes are ever read */
	memset(h, 0, offsetof(struct lg_http, line));
	h->state = H_STATUS;
}

/* "HTTP/1.x DDD[ reason]". @return the status code or -EBADMSG. */
static int
parse_status(const char *l, size_t n)
{
	if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || l[8] != ' ' || (n > 12 && l[12] != ' '))
		return -EBADMSG;
	if (l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9')
		return -EBADMSG;
	return (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
}

/*
 * Field value of line @p l if its name is @p name (@p k bytes, lower case; case-insensitive),
 * trimmed; else NULL. Inline with a literal's length: no strlen, no call per field line.
 */
static inline const char *
field_value(const char *l, size_t n, const char *name, size_t k, size_t *vlen)
{
	size_t e = n;

	if (n <= k || l[k] != ':' || strncasecmp(l, name, k) != 0)
		return NULL;
	k++;
	while (k < n && (l[k] == ' ' || l[k] == '\t'))
		k++;
	while (e > k && (l[e - 1] == ' ' || l[e - 1] == '\t'))
		e--;
	*vlen = e - k;
	return l + k;
}

/* field_value() of a field name given as a string literal */
#define FIELD_VALUE(l, n, lit, vlen) field_value((l), (n), (lit), sizeof(lit) - 1, (vlen))

/* Decimal (Content-Length) or hex (chunk-size, up to ';' or whitespace). -EBADMSG if none. */
static int
parse_num(const char *s, size_t n, unsigned base, bool stop_at_ext, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else if (stop_at_ext && i > 0 && (c == ';' || c == ' ' || c == '\t'))
			break;
		else
			return -EBADMSG;
		if (v > (UINT64_MAX >> 4) / 10)
			return -EBADMSG; /* absurdly large: refuse rather than wrap */
		v = v * base + d;
	}
	if (i == 0)
		return -EBADMSG;
	*out = v;
	return 0;
}

/* @p word (lower case) occurs in the @p n bytes at @p s, in any case. */
static bool
strcasestr_n(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word), i;

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, word, k) == 0)
			return true;
	return false;
}

/*
 * A field line: the two that frame the body are read, and Connection. Only names beginning
 * with C or T can be one of them: the other lines (Server, Date, ...) are passed over without
 * comparing names.
 */
static int
field_line(struct lg_http *h, const char *l, size_t n)
{
	const char *v;
	size_t vl;
	uint64_t len;

	if (n == 0)
		return 0;
	switch (l[0] | 0x20) {
	case 'c':
		if ((v = FIELD_VALUE(l, n, "content-length", &vl)) != NULL) {
			if (h->line_long || parse_num(v, vl, 10, false, &len) != 0)
				return -EBADMSG;
			if (h->have_len && len != h->left)
				return -EBADMSG; /* differing values (section 6.3 rule 5) */
			h->have_len = true;
			h->left = len;
		} else if ((v = FIELD_VALUE(l, n, "connection", &vl)) != NULL) {
			/* a list of options (RFC 9110 section 7.6.1): look for the two that matter */
			if (vl >= 5 && strcasestr_n(v, vl, "close"))
				h->conn_close = true;
			if (vl >= 10 && strcasestr_n(v, vl, "keep-alive"))
				h->keep_alive = true;
		}
		break;
	case 't':
		if ((v = FIELD_VALUE(l, n, "transfer-encoding", &vl)) != NULL) {
			/* chunked must be the final coding (section 6.3 rule 4) */
			h->chunked = !h->line_long && vl >= 7 &&
				     strncasecmp(v + vl - 7, "chunked", 7) == 0;
		}
		break;
	default:
		break;
	}
	return 0;
}

/* End of the header section: choose the body's framing (RFC 9112 section 6.3). */
static void
header_end(struct lg_http *h)
{
	if (h->status < 200) {
		uint32_t hdr = h->hdr_bytes;

		lg_http_reset(h); /* interim response: the final one follows */
		h->hdr_bytes = hdr;
		return;
	}
	if (h->status == 204 || h->status == 304)
		h->state = H_DONE;
	else if (h->chunked)
		h->state = H_CHUNK_SIZE; /* wins over Content-Length (rule 3) */
	else if (h->have_len)
		h->state = h->left == 0 ? H_DONE : H_BODY;
	else
		h->state = H_UNTIL_EOF;
}

/* A complete line @p l (@p n bytes, CR LF or bare LF removed) of a line state. */
static int
line_done(struct lg_http *h, const char *l, size_t n)
{
	int st;
	uint64_t v;

	switch (h->state) {
	case H_STATUS:
		st = h->line_long ? -EBADMSG : parse_status(l, n);
		if (st < 0)
			return st;
		h->status = (uint16_t)st;
		h->http10 = l[7] == '0';
		h->state = H_FIELD;
		return 0;
	case H_FIELD:
		if (n == 0 && !h->line_long) {
			header_end(h);
			return 0;
		}
		return field_line(h, l, n);
	case H_CHUNK_SIZE:
		if (h->line_long || parse_num(l, n, 16, true, &v) != 0)
			return -EBADMSG;
		h->left = v;
		h->state = v == 0 ? H_TRAILER : H_CHUNK_DATA;
		return 0;
	case H_TRAILER:
		if (n == 0 && !h->line_long)
			h->state = H_DONE;
		return 0;
	default:
		return -EBADMSG;
	}
}

int
lg_http_feed(struct lg_http *h, const char *d, size_t n, size_t *used)
{
	size_t i = 0, take;
	int ret;

	while (i < n && h->state != H_DONE) {
		char c = d[i];

		switch (h->state) {
		case H_BODY:
		case H_CHUNK_DATA:
			take = n - i < h->left ? n - i : (size_t)h->left;
			h->left -= take;
			h->body += take;
			i += take;
			if (h->left == 0)
				h->state = h->state == H_BODY ? H_DONE : H_CHUNK_END;
			continue;
		case H_CHUNK_END:
			i++;
			if (c == '\r' && h->line_len == 0) {
				h->line_len = 1; /* CR seen: LF must follow */
				continue;
			}
			if (c != '\n')
				return -EBADMSG;
			h->line_len = 0;
			h->state = H_CHUNK_SIZE;
			continue;
		case H_UNTIL_EOF:
			h->body += n - i;
			i = n;
			continue;
		default:
			break;
		}
		/*
		 * Line states: take everything up to the next LF at once (memchr). A line that is
		 * whole in this segment is read where it is; only one split over segments is
		 * gathered in the line buffer (its first LG_HTTP_LINE bytes).
		 */
		{
			const char *nl = memchr(d + i, '\n', n - i);
			size_t end = nl != NULL ? (size_t)(nl - d) : n;
			size_t len = end - i, room = LG_HTTP_LINE - h->line_len;
			const char *l;

			if (h->state == H_STATUS || h->state == H_FIELD) {
				h->hdr_bytes += (uint32_t)(len + (nl != NULL));
				if (h->hdr_bytes > LG_HTTP_HDR_MAX)
					return -EBADMSG;
			}
			if (nl != NULL && h->line_len == 0 && len <= room) {
				l = d + i;
			} else {
				if (len > room) {
					h->line_long = true;
					len = room;
				}
				memcpy(h->line + h->line_len, d + i, len);
				h->line_len += (uint16_t)len;
				l = h->line;
				len = h->line_len;
			}
			i = end;
			if (nl == NULL)
				continue;
			i++;
			if (len > 0 && l[len - 1] == '\r')
				len--;
			ret = line_done(h, l, len);
			if (ret < 0)
				return ret;
			h->line_len = 0;
			h->line_long = false;
		}
	}
	if (used != NULL)
		*used = i;
	return h->state == H_DONE ? LG_HTTP_DONE : LG_HTTP_MORE;
}

int
lg_http_eof(struct lg_http *h)
{
	if (h->state == H_UNTIL_EOF) {
		h->state = H_DONE;
		h->conn_close = true;
		return LG_HTTP_DONE;
	}
	return h->state == H_DONE ? LG_HTTP_DONE : -EBADMSG;
}

bool
lg_http_persists(const struct lg_http *h)
{
	if (h->state == H_UNTIL_EOF || h->conn_close)
		return false;
	return !h->http10 || h->keep_alive;
}
