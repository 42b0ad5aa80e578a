/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loadgen's parts that need no connection (app/spindle/services/loadgen_*.c): the histogram's
 * buckets and percentiles, the HTTP response parser fed in every segmentation, and the open-loop
 * schedule (even and Poisson spacing, ramp, a late caller). The modes themselves run against the
 * fake TCP API in test_services.c.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "loadgen.h"

/* ------------------------------------------------------------------ histogram */

static void
test_hist_buckets(void **s)
{
	uint64_t v;

	(void)s;
	for (v = 0; v < LG_HIST_SUB; v++)
		assert_int_equal(lg_hist_idx(v), v); /* exact below 16 */
	assert_int_equal(lg_hist_idx(16), 16);
	assert_int_equal(lg_hist_idx(17), 17);
	assert_int_equal(lg_hist_idx(32), 32);
	assert_int_equal(lg_hist_idx(33), 32); /* 32..33 share a bucket */
	assert_true(lg_hist_idx(UINT64_MAX) < LG_HIST_N);
	/* monotonic */
	for (v = 1; v < 100000; v += 7)
		assert_true(lg_hist_idx(v) >= lg_hist_idx(v - 1));
}

static void
test_hist_percentiles(void **s)
{
	static struct lg_hist h;
	uint64_t v, q;

	(void)s;
	memset(&h, 0, sizeof(h));
	assert_int_equal(lg_hist_quantile(&h, 0.5), 0);
	/* 1..10000: each percentile within 6.25% of the truth */
	for (v = 1; v <= 10000; v++)
		lg_hist_add(&h, v);
	assert_int_equal(h.n, 10000);
	assert_int_equal(h.max, 10000);
	q = lg_hist_quantile(&h, 0.5);
	assert_true(q >= 5000 * 0.9375 && q <= 5000 * 1.0625);
	q = lg_hist_quantile(&h, 0.99);
	assert_true(q >= 9900 * 0.9375 && q <= 9900 * 1.0625);
	q = lg_hist_quantile(&h, 0.999);
	assert_true(q >= 9990 * 0.9375 && q <= 10000);
	assert_int_equal(lg_hist_quantile(&h, 1.0), 10000); /* capped at the maximum */
	/* one outlier shows at p99.9 and max, not at p50 */
	memset(&h, 0, sizeof(h));
	for (v = 0; v < 999; v++)
		lg_hist_add(&h, 100);
	lg_hist_add(&h, 1000000);
	assert_true(lg_hist_quantile(&h, 0.5) <= 106);
	assert_true(lg_hist_quantile(&h, 0.999) <= 106);
	assert_int_equal(lg_hist_quantile(&h, 1.0), 1000000);
}

/* ------------------------------------------------------------------ HTTP */

/* Feed @p s in pieces of @p seg bytes. @return the last result; *used_total: bytes consumed. */
static int
feed_split(struct lg_http *h, const char *s, size_t len, size_t seg, size_t *used_total)
{
	size_t off = 0, used;
	int r = LG_HTTP_MORE;

	*used_total = 0;
	while (off < len) {
		size_t n = len - off < seg ? len - off : seg;

		r = lg_http_feed(h, s + off, n, &used);
		if (r < 0)
			return r;
		*used_total += used;
		if (r == LG_HTTP_DONE)
			return r;
		off += n;
	}
	return r;
}

/* @p resp parses as one complete response of status @p status and body @p body in every split. */
static void
expect_response(const char *resp, int status, uint64_t body)
{
	struct lg_http h;
	size_t seg, used, len = strlen(resp);

	for (seg = 1; seg <= len; seg++) {
		lg_http_reset(&h);
		if (feed_split(&h, resp, len, seg, &used) != LG_HTTP_DONE)
			fail_msg("not complete with segments of %zu: %s", seg, resp);
		assert_int_equal(used, len);
		assert_int_equal(h.status, status);
		assert_int_equal(h.body, body);
	}
}

static void
expect_bad(const char *resp)
{
	struct lg_http h;
	size_t seg, used, len = strlen(resp);

	for (seg = 1; seg <= len; seg++) {
		lg_http_reset(&h);
		if (feed_split(&h, resp, len, seg, &used) != -EBADMSG)
			fail_msg("accepted with segments of %zu: %s", seg, resp);
	}
}

static void
test_http_framing(void **s)
{
	(void)s;
	expect_response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, 5);
	expect_response("HTTP/1.1 200 OK\r\ncontent-length:0\r\n\r\n", 200, 0);
	expect_response("HTTP/1.0 404 Not Found\nContent-Length: 3\n\nnot", 404, 3); /* bare LF */
	expect_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n"
			"Trailer: x\r\n\r\n",
		200, 31);
	/* chunked wins over Content-Length (RFC 9112 section 6.3 rule 3) */
	expect_response("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n"
			"Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		200, 3);
	/* 1xx interim responses are skipped; 204 and 304 have no body */
	expect_response("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n"
			"Content-Length: 10\r\n\r\n",
		204, 0);
	expect_response("HTTP/1.1 304 Not Modified\r\n\r\n", 304, 0);
	/* a long field of no interest is skipped */
	{
		char big[600];

		snprintf(big, sizeof(big),
			"HTTP/1.1 200 OK\r\nX-Long: %0400d\r\nContent-Length: 2\r\n\r\nok", 7);
		expect_response(big, 200, 2);
	}
}

static void
test_http_bad(void **s)
{
	char huge[LG_HTTP_HDR_MAX + 200];
	struct lg_http h;
	size_t used;
	unsigned i;

	(void)s;
	expect_bad("HTTX/1.1 200 OK\r\n\r\n");
	expect_bad("HTTP/1.1 2x0 OK\r\n\r\n");
	expect_bad("HTTP/1.1 200OK\r\n\r\n");
	expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n");
	expect_bad("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n");
	expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n");
	expect_bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
	expect_bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX");
	expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n");
	/* a header that never ends */
	memcpy(huge, "HTTP/1.1 200 OK\r\n", 17);
	for (i = 17; i < sizeof(huge) - 1; i++)
		huge[i] = (i % 50 == 0) ? '\n' : 'a';
	huge[sizeof(huge) - 1] = '\0';
	for (i = 17; i < sizeof(huge) - 1; i++)
		if (huge[i] == '\n')
			huge[i - 1] = ':';
	lg_http_reset(&h);
	assert_int_equal(lg_http_feed(&h, huge, strlen(huge), &used), -EBADMSG);
	/* close-delimited: complete at EOF only when the header ended */
	lg_http_reset(&h);
	assert_int_equal(lg_http_feed(&h, "HTTP/1.1 200 OK\r\n\r\nabc", 22, &used), LG_HTTP_MORE);
	assert_int_equal(lg_http_feed(&h, "def", 3, &used), LG_HTTP_MORE);
	assert_int_equal(lg_http_eof(&h), LG_HTTP_DONE);
	assert_int_equal(h.body, 6);
	lg_http_reset(&h);
	assert_int_equal(
		lg_http_feed(&h, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab", 40, &used),
		LG_HTTP_MORE);
	assert_int_equal(lg_http_eof(&h), -EBADMSG); /* truncated body */
	lg_http_reset(&h);
	assert_int_equal(lg_http_eof(&h), -EBADMSG); /* nothing at all */
	/* bytes after a complete response are left for the caller */
	lg_http_reset(&h);
	assert_int_equal(
		lg_http_feed(&h, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA", 44, &used),
		LG_HTTP_DONE);
	assert_int_equal(used, 39);
}

/* Whether the connection carries another request after a response (RFC 9112 section 9.3). */
static void
test_http_persistence(void **s)
{
	static const struct {
		const char *resp;
		bool persists;
	} cases[] = {
		{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
		{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
		{"HTTP/1.1 200 OK\r\nconnection: Upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n",
			false},
		{"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
		{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true},
	};
	struct lg_http h;
	size_t used;
	unsigned i;

	(void)s;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lg_http_reset(&h);
		assert_int_equal(lg_http_feed(&h, cases[i].resp, strlen(cases[i].resp), &used),
			LG_HTTP_DONE);
		if (lg_http_persists(&h) != cases[i].persists)
			fail_msg("persists should be %d: %s", cases[i].persists, cases[i].resp);
	}
	/* a close-delimited body never persists */
	lg_http_reset(&h);
	assert_int_equal(lg_http_feed(&h, "HTTP/1.1 200 OK\r\n\r\nab", 21, &used), LG_HTTP_MORE);
	assert_int_equal(lg_http_eof(&h), LG_HTTP_DONE);
	assert_false(lg_http_persists(&h));
}

/* ------------------------------------------------------------------ schedule */

#define HZ 1000000000ull /* 1 GHz: a cycle is a nanosecond */

static void
test_pace_even(void **s)
{
	struct lg_pace p;
	uint64_t t, n = 0;

	(void)s;
	lg_pace_init(&p, 1000, HZ, false, 0, 5000, 1);
	assert_int_equal(lg_pace_due(&p, 5000), 0);
	assert_int_equal(lg_pace_due(&p, 5000 + HZ / 1000 - 1), 0);
	assert_int_equal(lg_pace_due(&p, 5000 + HZ / 1000), 1); /* one gap after the start */
	/* polled every 10 us for one second: exactly the rate, never slipping */
	for (t = 5000 + HZ / 1000; t <= 5000 + HZ; t += 10000)
		n += lg_pace_due(&p, t);
	assert_int_equal(n + 1, 1000);
	/* a caller 0.5 s late gets every arrival it missed at once */
	assert_int_equal(lg_pace_due(&p, 5000 + HZ + HZ / 2), 500);
	/* no rate: no arrivals */
	lg_pace_init(&p, 0, HZ, false, 0, 0, 1);
	assert_int_equal(lg_pace_due(&p, 10 * HZ), 0);
}

static void
test_pace_poisson_and_ramp(void **s)
{
	struct lg_pace p;
	uint64_t n, t, first_half = 0, second_half = 0;

	(void)s;
	/* Poisson at 100 k/s over 1 s: the count is within 5 sigma of 100000 (sigma = 316) */
	lg_pace_init(&p, 100000, HZ, true, 0, 0, 42);
	n = 0;
	for (t = 0; t <= HZ; t += HZ / 1000)
		n += lg_pace_due(&p, t);
	assert_true(n > 100000 - 1600 && n < 100000 + 1600);
	/* ramp over 1 s at 10 k/s: the rate rises linearly, so the first half gets about 1/4 */
	lg_pace_init(&p, 10000, HZ, false, HZ, 0, 1);
	for (t = 0; t <= HZ / 2; t += HZ / 1000)
		first_half += lg_pace_due(&p, t);
	for (; t <= HZ; t += HZ / 1000)
		second_half += lg_pace_due(&p, t);
	assert_true(first_half > 1000 && first_half < 1600);
	assert_true(second_half > 3400 && second_half < 4000);
	/* after the ramp: the full rate */
	n = 0;
	for (; t <= 2 * HZ; t += HZ / 1000)
		n += lg_pace_due(&p, t);
	assert_true(n >= 9990 && n <= 10010);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_buckets),
		cmocka_unit_test(test_hist_percentiles),
		cmocka_unit_test(test_http_framing),
		cmocka_unit_test(test_http_bad),
		cmocka_unit_test(test_http_persistence),
		cmocka_unit_test(test_pace_even),
		cmocka_unit_test(test_pace_poisson_and_ramp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
