/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012) and initial
 * sequence numbers per RFC 6528: ISN = M + F(4-tuple, secret), M a 4 microsecond clock and F a
 * keyed pseudorandom function, so that an off-path attacker cannot predict the ISN of another
 * connection (the attack of RFC 6528 section 1) while the ISNs of one 4-tuple still advance
 * with time (RFC 9293 3.4.1, protecting old duplicates of a previous incarnation).
 */
#include <stdint.h>
#include <stddef.h>

#include <rte_branch_prediction.h>

#include "sp_ctx.h"
#include "tcp_isn.h"

static inline uint64_t
rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/* Little-endian load, whatever the host order and alignment (the paper's word order). */
static inline uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline void
sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl64(s->v2, 32);
}

/* Absorb one 64-bit message word: c = 2 compression rounds. */
static inline void
sip_compress(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t
sp_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	const uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	struct sip_state s = {
		/* "somepseudorandomlygeneratedbytes" */
		.v0 = k0 ^ UINT64_C(0x736f6d6570736575),
		.v1 = k1 ^ UINT64_C(0x646f72616e646f6d),
		.v2 = k0 ^ UINT64_C(0x6c7967656e657261),
		.v3 = k1 ^ UINT64_C(0x7465646279746573),
	};
	size_t full = len & ~(size_t)7, i;
	uint64_t last;

	for (i = 0; i < full; i += 8)
		sip_compress(&s, load_le64(p + i));
	/* Final word: the remaining 0-7 bytes, and len mod 256 in the top byte. */
	last = (uint64_t)(len & 0xff) << 56;
	for (i = 0; i < (len & 7); i++)
		last |= (uint64_t)p[full + i] << (8 * i);
	sip_compress(&s, last);
	/* d = 4 finalisation rounds. */
	s.v2 ^= 0xff;
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* 2^64 * @rate / @hz, rounded down (@rate < @hz). */
static uint64_t
scale_mult(uint64_t hz, uint64_t rate)
{
	return (uint64_t)(((unsigned __int128)rate << 64) / hz);
}

void
sp_tcp_clock_init(struct sp_stack *st)
{
	st->clk_hz = 0;
	if (st->hz <= 250000)
		return;
	st->clk_ms_mult = scale_mult(st->hz, 1000);
	st->clk_4us_mult = scale_mult(st->hz, 250000);
	st->clk_hz = st->hz;
}

/*
 * @v ticks of @hz converted to ticks of @rate per second, rounded down: floor(v * rate / hz),
 * without overflowing v * rate. With @mult (scale_mult() of this hz and rate) the quotient comes
 * from a multiplication: mult is at most 1 below 2^64 * rate / hz, so v * mult / 2^64 is less
 * than v * rate / hz by under 1 (v < 2^64) and its floor is the exact one or one below, which
 * a 128-bit comparison corrects. The same value as the division, at a few cycles instead of
 * two 64-bit divisions (10-40 cycles each on current x86).
 */
static inline uint64_t
tsc_scale(uint64_t v, uint64_t hz, uint64_t rate, uint64_t mult, bool mult_ok)
{
	uint64_t q;

	if (unlikely(!mult_ok))
		return hz == 0 ? 0 : v / hz * rate + v % hz * rate / hz;
	q = (uint64_t)(((unsigned __int128)v * mult) >> 64);
	if ((unsigned __int128)(q + 1) * hz <= (unsigned __int128)v * rate)
		q++;
	return q;
}

uint32_t
sp_tcp_ts_clock(const struct sp_stack *st, uint64_t now_tsc)
{
	return (uint32_t)tsc_scale(
		now_tsc, st->hz, 1000, st->clk_ms_mult, st->clk_hz == st->hz && st->hz != 0);
}

uint32_t
sp_tcp_isn(const struct sp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
	uint16_t rport, uint64_t now_tsc)
{
	uint8_t t[12];
	uint32_t f, m;

	/* The 4-tuple in a fixed (network) byte order, so F does not depend on the host. */
	t[0] = laddr >> 24;
	t[1] = laddr >> 16;
	t[2] = laddr >> 8;
	t[3] = laddr;
	t[4] = raddr >> 24;
	t[5] = raddr >> 16;
	t[6] = raddr >> 8;
	t[7] = raddr;
	t[8] = lport >> 8;
	t[9] = lport;
	t[10] = rport >> 8;
	t[11] = rport;
	f = (uint32_t)sp_siphash24(st->isn_secret, t, sizeof(t));
	/* RFC 6528 3 / RFC 9293 3.4.1: M is a timer ticking every 4 microseconds. */
	m = (uint32_t)tsc_scale(
		now_tsc, st->hz, 250000, st->clk_4us_mult, st->clk_hz == st->hz && st->hz != 0);
	return m + f;
}
