/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Initial sequence numbers (RFC 6528) and SYN cookies (tcp_isn.c, tcp_cookie.c).
 * The keyed hash is SipHash-2-4 with the stack's secrets drawn at start (sp_stack_start()).
 */
#ifndef SP_TCP_ISN_H
#define SP_TCP_ISN_H

#include <stdint.h>
#include <stdbool.h>

struct sp_stack;

/* SipHash-2-4 of @len bytes with a 16-byte key. */
uint64_t sp_siphash24(const uint8_t key[16], const void *data, size_t len);

/*
 * RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secret), M a 4 us clock
 * derived from @now_tsc and @hz. Addresses/ports host order.
 */
uint32_t sp_tcp_isn(const struct sp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
	uint16_t rport, uint64_t now_tsc);

/*
 * TCP timestamp clock (RFC 7323 5.4): milliseconds from @now_tsc and st->hz, modulo 2^32.
 * The TSval of a cookie SYN-ACK is this clock with its low 6 bits replaced, never above it, so
 * a connection completed from a cookie must go on sending TSvals from this same clock (no
 * per-connection offset), or the peer's PAWS check would drop its later segments.
 */
uint32_t sp_tcp_ts_clock(const struct sp_stack *st, uint64_t now_tsc);

/*
 * Precomputes what sp_tcp_ts_clock() and sp_tcp_isn() need to scale st->hz ticks without a
 * 64-bit division (each was two, 10-40 cycles apiece, for every segment with a timestamp).
 * Call it whenever st->hz is set; until then, or for another hz, they divide (same result).
 */
void sp_tcp_clock_init(struct sp_stack *st);

/* SYN cookie parameters (tcp_cookie.c). */
#define SP_TCP_COOKIE_PERIOD_S 64 /* the time counter's unit */
#define SP_TCP_COOKIE_COUNTERS 2  /* a cookie is valid in its counter and the next one */
#define SP_TCP_COOKIE_TS_BITS  6  /* low TSval bits carrying wscale (0-3, 0xf none) and sack (4) */

/* The MSS a cookie can encode (the SYN's MSS rounded down to one of these; 536 below them). */
extern const uint16_t sp_tcp_cookie_mss[];
extern const unsigned sp_tcp_cookie_n_mss;

/* What a SYN cookie remembers of the SYN's options. */
struct sp_tcp_cookie_opts {
	uint16_t mss;
	bool ts; /* timestamps were negotiated (options below valid only then) */
	bool sack;
	bool wscale_ok;
	uint8_t wscale; /* peer's shift */
};

/*
 * Make the ISN of a SYN-ACK sent statelessly. @peer_isn is the SYN's sequence number.
 * If @o->ts, *@tsval receives the TSval to send, which carries sack/wscale (as Linux does);
 * the MSS is encoded in the cookie itself (an index into a small table, rounded down).
 */
uint32_t sp_tcp_cookie_make(const struct sp_stack *st, uint32_t laddr, uint16_t lport,
	uint32_t raddr, uint16_t rport, uint32_t peer_isn, const struct sp_tcp_cookie_opts *o,
	uint64_t now_tsc, uint32_t *tsval);

/*
 * Check the ACK completing a cookie handshake: @cookie = ack - 1, @peer_isn = seq - 1,
 * @tsecr the echoed TSval (0 if no timestamps). Cookies older than ~2 minutes fail.
 * @return 0 with @o filled, or -EINVAL.
 */
int sp_tcp_cookie_check(const struct sp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
	uint16_t rport, uint32_t peer_isn, uint32_t cookie, bool has_ts, uint32_t tsecr,
	uint64_t now_tsc, struct sp_tcp_cookie_opts *o);

#endif
