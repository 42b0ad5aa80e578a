/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies: when a listener's SYN queue is full the SYN-ACK is sent without keeping any
 * state, and everything needed to build the connection later is recovered from the ACK that
 * completes the handshake (RFC 4987 3.6 describes the technique).
 *
 * The cookie is the ISN of that SYN-ACK:
 *
 *   bits 31..3  the top 29 bits of SipHash-2-4(cookie_secret, laddr raddr lport rport peer_isn
 *               counter opts mss_idx)
 *   bits  2..0  mss_idx, index of the SYN's MSS (rounded down) in sp_tcp_cookie_mss[]
 *
 * counter is time in units of SP_TCP_COOKIE_PERIOD_S (64 s); a cookie is accepted in its own
 * counter and the next one (so for 64 to 128 s). opts are the six low bits of the TSval we sent
 * (timestamps only: wscale in bits 0-3, 0xf = no window scaling; SACK-permitted in bit 4), as
 * Linux does, since the ISN has no room for them; the peer echoes them in TSecr. Because the
 * hash covers opts and mss_idx, a forged TSecr, a forged MSS index or an ACK off by one fails
 * the check like a wrong 4-tuple, peer ISN or secret does (2^-29 chance per counter tried).
 * Without timestamps, window scaling and SACK are lost (the connection runs without them).
 */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>

#include "sp_ctx.h"
#include "tcp_isn.h"

/* Common path MSS values (RFC 879 default, tunnels, PPPoE/VPN, Ethernet, jumbo). */
const uint16_t sp_tcp_cookie_mss[] = {536, 1300, 1440, 1460, 8960};
const unsigned sp_tcp_cookie_n_mss = sizeof(sp_tcp_cookie_mss) / sizeof(sp_tcp_cookie_mss[0]);

#define COOKIE_IDX_BITS 3
#define COOKIE_IDX_MASK ((1u << COOKIE_IDX_BITS) - 1)
#define COOKIE_TS_MASK	((1u << SP_TCP_COOKIE_TS_BITS) - 1)
#define COOKIE_WS_NONE	0xf
#define COOKIE_SACK_BIT 0x10
/* The opts value hashed when no timestamps were negotiated (outside the six TSval bits). */
#define COOKIE_NO_TS 0x40
/* RFC 7323 2.3: a shift above 14 is used as 14. */
#define COOKIE_WS_MAX 14

static uint32_t
cookie_counter(const struct sp_stack *st, uint64_t now_tsc)
{
	if (st->hz == 0)
		return 0;
	return (uint32_t)(now_tsc / st->hz / SP_TCP_COOKIE_PERIOD_S);
}

static uint32_t
cookie_hash(const struct sp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
	uint16_t rport, uint32_t peer_isn, uint32_t counter, uint8_t opts, uint8_t idx)
{
	uint8_t b[22];
	const uint32_t w[4] = {laddr, raddr, peer_isn, counter};
	unsigned i;

	/* Fixed byte order, so the result does not depend on the host. */
	for (i = 0; i < 4; i++) {
		b[4 * i] = w[i] >> 24;
		b[4 * i + 1] = w[i] >> 16;
		b[4 * i + 2] = w[i] >> 8;
		b[4 * i + 3] = w[i];
	}
	b[16] = lport >> 8;
	b[17] = lport;
	b[18] = rport >> 8;
	b[19] = rport;
	b[20] = opts;
	b[21] = idx;
	return (uint32_t)sp_siphash24(st->cookie_secret, b, sizeof(b));
}

static uint8_t
cookie_mss_idx(uint16_t mss)
{
	uint8_t i = 0;

	/* Round down: never promise the peer a larger segment than it asked for. */
	while (i + 1u < sp_tcp_cookie_n_mss && sp_tcp_cookie_mss[i + 1] <= mss)
		i++;
	return i;
}

uint32_t
sp_tcp_cookie_make(const struct sp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
	uint16_t rport, uint32_t peer_isn, const struct sp_tcp_cookie_opts *o, uint64_t now_tsc,
	uint32_t *tsval)
{
	uint8_t idx = cookie_mss_idx(o->mss);
	uint8_t opts = COOKIE_NO_TS;
	uint32_t h;

	if (o->ts) {
		uint32_t now_ts = sp_tcp_ts_clock(st, now_tsc);
		uint32_t v;

		opts = o->wscale_ok ? (o->wscale > COOKIE_WS_MAX ? COOKIE_WS_MAX : o->wscale)
				    : COOKIE_WS_NONE;
		if (o->sack)
			opts |= COOKIE_SACK_BIT;
		/* Keep TSval <= the clock (the connection's next TSvals must not go backwards). */
		v = (now_ts & ~COOKIE_TS_MASK) | opts;
		if ((int32_t)(v - now_ts) > 0)
			v -= COOKIE_TS_MASK + 1;
		if (tsval != NULL)
			*tsval = v;
	}
	h = cookie_hash(
		st, laddr, lport, raddr, rport, peer_isn, cookie_counter(st, now_tsc), opts, idx);
	return (h & ~COOKIE_IDX_MASK) | idx;
}

int
sp_tcp_cookie_check(const struct sp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
	uint16_t rport, uint32_t peer_isn, uint32_t cookie, bool has_ts, uint32_t tsecr,
	uint64_t now_tsc, struct sp_tcp_cookie_opts *o)
{
	uint8_t idx = cookie & COOKIE_IDX_MASK;
	uint8_t opts = has_ts ? (tsecr & COOKIE_TS_MASK) : COOKIE_NO_TS;
	uint32_t now = cookie_counter(st, now_tsc);
	unsigned age;

	if (idx >= sp_tcp_cookie_n_mss)
		return -EINVAL;
	for (age = 0; age < SP_TCP_COOKIE_COUNTERS; age++) {
		uint32_t h =
			cookie_hash(st, laddr, lport, raddr, rport, peer_isn, now - age, opts, idx);

		if (((h ^ cookie) & ~COOKIE_IDX_MASK) != 0)
			continue;
		o->mss = sp_tcp_cookie_mss[idx];
		o->ts = has_ts;
		o->sack = has_ts && (opts & COOKIE_SACK_BIT);
		o->wscale_ok = has_ts && (opts & COOKIE_WS_NONE) != COOKIE_WS_NONE;
		o->wscale = o->wscale_ok ? (opts & COOKIE_WS_NONE) : 0;
		return 0;
	}
	return -EINVAL;
}
