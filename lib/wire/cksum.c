/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Internet checksum (RFC 1071): the ones' complement sum of a buffer and of an mbuf chain,
 * the IPv4 pseudo-header of TCP and UDP (RFC 9293 3.1, RFC 768), and the incremental update of
 * RFC 1624. Every TCP, UDP and ICMP sum spindle computes or verifies in software goes through
 * sp_cksum_raw().
 *
 * Why spindle has its own: DPDK 22.11's __rte_raw_cksum() adds one 16-bit word per step. At
 * this build's -march=corei7 GCC vectorises that loop (8 words per SSE step, widened to 32-bit
 * lanes) and it still costs about 9 instructions per 16 bytes; with rte_ipv4_udptcp_cksum_mbuf()
 * around it, a TCP segment's checksum (32-byte header) was 220, 485 and 1 070 instructions for
 * 100, 530 and 1 460 bytes of payload under callgrind. sp_cksum_raw() adds 64-bit words with
 * the carry (on x86-64 one `adc` per 8 bytes, 64 bytes a loop step) and sp_cksum_l4() sums one
 * buffer without a chain walk: 106, 200 and 385 (docs/performance.md, "The software checksum").
 * And DPDK's chain variant, rte_raw_cksum_mbuf(), truncates the unfolded sum of a piece that
 * starts at an odd offset before swapping its bytes, so chains split at odd offsets got wrong
 * sums; sp_cksum_mbuf() folds such a piece to 16 bits first.
 *
 * The sum is kept in memory order, as rte_raw_cksum()'s: a 64-bit load holds four 16-bit words
 * in whatever order the CPU loads them, and since 2^16 = 1 modulo 0xffff, folding the 64-bit
 * ones' complement sum gives the same 16 bits on a little- and a big-endian CPU (RFC 1071
 * section 2 (B), (C)).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "sp_wire.h"

#if defined(RTE_ARCH_X86_64)
#include <x86intrin.h>

/* The carry flag carried from one add to the next: one `adc` per 64-bit word. */
typedef unsigned long long cksum_acc_t;
typedef unsigned char cksum_carry_t;
#define CKSUM_ADD(c, s, v) ((c) = _addcarry_u64((c), (s), (v), &(s)))
#else
/* Elsewhere the carries are counted and added back at the end (arm64: adds, cinc). */
typedef uint64_t cksum_acc_t;
typedef uint64_t cksum_carry_t;
#define CKSUM_ADD(c, s, v)         \
	do {                       \
		uint64_t v_ = (v); \
		(s) += v_;         \
		(c) += (s) < v_;   \
	} while (0)
#endif

static inline uint64_t
ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v)); /* any alignment: one load on x86-64 and arm64 */
	return v;
}

/* a + b with the end-around carry of ones' complement addition. */
static inline uint64_t
add_oc(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

/*
 * Each block works on copies of the sum and the carry: with the intrinsic writing through a
 * pointer to a variable that lives across the loop, GCC 12 keeps that variable on the stack
 * (a store and a load every 64 bytes).
 */
#define CKSUM_BLOCK(c, s, p, n)                                \
	do {                                                   \
		cksum_acc_t s_ = (s);                          \
		cksum_carry_t c_ = (c);                        \
		unsigned i_;                                   \
                                                               \
		for (i_ = 0; i_ < (n); i_++)                   \
			CKSUM_ADD(c_, s_, ld64((p) + 8 * i_)); \
		(s) = s_;                                      \
		(c) = c_;                                      \
	} while (0)

uint64_t
sp_cksum_raw(const void *buf, size_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	cksum_acc_t s = sum;
	cksum_carry_t c = 0;
	uint64_t tail = 0;
	uint32_t d;
	uint16_t w;

	for (; len >= 64; len -= 64, p += 64)
		CKSUM_BLOCK(c, s, p, 8);
	/* 0-63 bytes left: straight-line code by the bits of the length, no loop. */
	if (len & 32) {
		CKSUM_BLOCK(c, s, p, 4);
		p += 32;
	}
	if (len & 16) {
		CKSUM_BLOCK(c, s, p, 2);
		p += 16;
	}
	if (len & 8) {
		CKSUM_BLOCK(c, s, p, 1);
		p += 8;
	}
	/* The last 0-7 bytes in one word, each piece in 16-bit lanes of its own. */
	if (len & 4) {
		memcpy(&d, p, sizeof(d));
		tail = d;
		p += 4;
	}
	if (len & 2) {
		memcpy(&w, p, sizeof(w));
		tail |= (uint64_t)w << 32;
		p += 2;
	}
	if (len & 1) {
		/* An odd last byte is padded with a zero byte (RFC 1071 2 (A)), in memory order. */
		w = 0;
		memcpy(&w, p, 1);
		tail |= (uint64_t)w << 48;
	}
	CKSUM_ADD(c, s, tail);
	return add_oc(s, c);
}

uint64_t
sp_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint64_t sum)
{
	uint32_t done = 0, n;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL && done < len; m = m->next, off = 0) {
		const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);

		n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		if (done & 1)
			/*
			 * This piece starts in the middle of a 16-bit word of the whole: its own
			 * words are the whole's shifted by one byte, so its sum, folded to 16 bits
			 * first (DPDK 22.11's rte_raw_cksum_mbuf() swaps the unfolded sum and
			 * loses its carries), counts byte-swapped (RFC 1071 2 (B)).
			 */
			sum = add_oc(sum, rte_bswap16(sp_cksum_fold(sp_cksum_raw(p, n, 0))));
		else
			sum = sp_cksum_raw(p, n, sum);
		done += n;
	}
	return sum;
}

uint64_t
sp_cksum_phdr(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	/* The 12-byte pseudo-header's words in memory order; four terms cannot overflow. */
	return (uint64_t)rte_cpu_to_be_32(src) + rte_cpu_to_be_32(dst) + rte_cpu_to_be_16(proto) +
	       rte_cpu_to_be_16(len);
}

uint16_t
sp_cksum_l4(const struct rte_mbuf *m, uint32_t off, uint32_t src, uint32_t dst, uint8_t proto)
{
	uint32_t len = m->pkt_len - off;
	uint64_t sum = sp_cksum_phdr(src, dst, proto, (uint16_t)len);

	if (off + len <= m->data_len)
		sum = sp_cksum_raw(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), len, sum);
	else
		sum = sp_cksum_mbuf(m, off, len, sum);
	return (uint16_t)~sp_cksum_fold(sum);
}

uint16_t
sp_cksum_adjust16(uint16_t cksum, uint16_t old_word, uint16_t new_word)
{
	uint32_t sum;

	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'); never yields -0 for a non-zero field. */
	sum = (uint16_t)~cksum + (uint32_t)(uint16_t)~old_word + new_word;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
