/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Header views. A received header is never byte-swapped in place: *_parse() reads it into a
 * host-order struct after checking, once, that the bytes it reads are inside the buffer; a
 * successful parse guarantees what its comment states. *_build() writes network order from the
 * struct. DPDK's rte_ether_hdr / rte_arp_hdr / rte_ipv4_hdr / rte_tcp_hdr / rte_udp_hdr /
 * rte_icmp_hdr give the layouts.
 */
#ifndef SP_WIRE_H
#define SP_WIRE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <rte_ether.h>

/** Big-endian fields at any alignment (option bytes, headers read in place). */
static inline uint16_t
sp_wire_rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
sp_wire_rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void
sp_wire_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/** Parse results: 0 = ok, otherwise a negative reason that maps to a drop counter. */
enum sp_wire_err {
	SP_WIRE_OK = 0,
	SP_WIRE_TRUNC = -1, /**< fewer bytes than the header needs */
	SP_WIRE_BAD_VERSION = -2,
	SP_WIRE_BAD_HLEN = -3, /**< header length field impossible */
	SP_WIRE_BAD_LEN = -4,  /**< length field vs. available bytes */
	SP_WIRE_BAD_OPTS = -5,
	SP_WIRE_BAD_FIELD = -6, /**< other field out of range (e.g. ARP htype) */
};

/* ---------------- ARP (wire/arp.c) ---------------- */
struct sp_arp {
	uint16_t htype, ptype;
	uint8_t hlen, plen;
	uint16_t op; /**< 1 request, 2 reply */
	struct rte_ether_addr sha, tha;
	uint32_t spa, tpa; /**< host order */
};
/** On success: htype=1/hlen=6/ptype=0x0800/plen=4 were checked (else SP_WIRE_BAD_FIELD). */
int sp_arp_parse(const void *buf, size_t len, struct sp_arp *out);
/** Writes 28 bytes. */
void sp_arp_build(void *buf, const struct sp_arp *a);

/* ---------------- IPv4 (wire/ipv4.c) ---------------- */
struct sp_ipv4 {
	uint8_t ihl; /**< header length in bytes (20..60) */
	uint8_t tos;
	uint16_t total_len; /**< bytes, >= ihl and <= available */
	uint16_t id;
	uint16_t frag_off; /**< offset in bytes (field * 8) */
	bool df, mf;
	bool srr;	 /**< carries a loose or strict source route option (LSRR / SSRR) */
	uint8_t opt_err; /**< SP_WIRE_BAD_OPTS: offset in the header of the option byte at fault */
	uint8_t ttl;
	uint8_t proto;
	uint16_t cksum;	   /**< as received (network order value converted) */
	uint32_t src, dst; /**< host order */
};
/**
 * On success: version 4, 20 <= ihl <= total_len <= len, options (if any) well-formed per
 * RFC 791 TLV rules. The checksum is NOT checked here (see sp_ipv4_cksum_ok()).
 */
int sp_ipv4_parse(const void *buf, size_t len, struct sp_ipv4 *out);
/**
 * Same checks as sp_ipv4_parse() when the datagram is longer than its contiguous part (a chained
 * mbuf): the header is read from the @p hdr_avail bytes at @p buf, total_len is checked against
 * @p total_avail. SP_WIRE_BAD_HLEN when the header does not fit in @p hdr_avail.
 */
int sp_ipv4_parse_ext(const void *buf, size_t hdr_avail, size_t total_avail, struct sp_ipv4 *out);
/**
 * Writes a 20-byte header without options (ip->ihl is ignored), checksum computed unless
 * @p cksum is false (then 0). frag_off is in bytes and must be a multiple of 8.
 */
void sp_ipv4_build(void *buf, const struct sp_ipv4 *ip, bool cksum);

/* ---------------- IPv4 options (wire/ipv4_opts.c) ---------------- */
/** Most option bytes a header can carry (IHL 15). */
#define SP_IPV4_MAX_OPTS 40
/**
 * Check the @p len option bytes at @p o (RFC 791 3.1): TLVs with a length of at least 2 inside
 * the header; record route, loose and strict source route with a pointer of at least 4 and,
 * while not full, a whole slot at it; timestamp with a pointer of at least 5, a whole slot
 * (8 bytes for flags 1 and 3) while not full, and an overflow count below 15 when full; record
 * route, timestamp and source route at most once each. @p srr is set when a loose or strict
 * source route is present. @return SP_WIRE_OK or SP_WIRE_BAD_OPTS, then @p err_off is the
 * offset in @p o of the byte at fault (the option's kind, length or pointer, or its overflow
 * count: what a parameter problem points at, RFC 792).
 */
int sp_ipv4_opts_check(const uint8_t *o, unsigned len, bool *srr, unsigned *err_off);
/**
 * The options of a reply to an echo or timestamp request whose @p len option bytes at @p o
 * passed sp_ipv4_opts_check() (RFC 1122 3.2.2.6, 3.2.2.8): its record route and timestamp
 * options, in that order, each updated once for this host: @p addr recorded, @p ms (ms since
 * midnight UT) stamped where the timestamp's flag asks (a prespecified slot only when it names
 * @p addr), the overflow count incremented when full (except prespecified); every other option
 * is left out. Writes at most SP_IPV4_MAX_OPTS bytes to @p out, padded with end-of-options to a
 * multiple of 4. @return bytes written (0 when there is nothing to reflect).
 */
unsigned sp_ipv4_opts_echo(
	const uint8_t *o, unsigned len, uint32_t addr, uint32_t ms, uint8_t *out);

/** What an address can name (RFC 1122 3.2.1.3, RFC 5735, RFC 1112 4). */
enum sp_ipv4_class {
	SP_IPV4_UNICAST = 0, /**< may name a single host (a directed broadcast is not told apart) */
	SP_IPV4_THIS_NET,    /**< 0/8, "this host on this network" */
	SP_IPV4_LOOPBACK,    /**< 127/8 */
	SP_IPV4_MULTICAST,   /**< 224/4, class D */
	SP_IPV4_RESERVED,    /**< 240/4, class E, with the limited broadcast 255.255.255.255 */
};

/** The class of @p addr (host order): the one place the address ranges are spelled out. */
static inline enum sp_ipv4_class
sp_ipv4_class(uint32_t addr)
{
	uint8_t a = (uint8_t)(addr >> 24);

	if (a == 0)
		return SP_IPV4_THIS_NET;
	if (a == 127)
		return SP_IPV4_LOOPBACK;
	if (a >= 240)
		return SP_IPV4_RESERVED;
	if (a >= 224)
		return SP_IPV4_MULTICAST;
	return SP_IPV4_UNICAST;
}

/** Verify the header checksum of the @p ihl bytes at @p buf. */
bool sp_ipv4_cksum_ok(const void *buf, uint8_t ihl);

/* ---------------- Internet checksum (wire/cksum.c) ---------------- */
struct rte_mbuf;
/**
 * @p sum plus the ones' complement sum of the @p len bytes at @p buf (RFC 1071), any alignment
 * and length (an odd last byte is padded with a zero byte), 16-bit words in memory order as
 * rte_raw_cksum() takes them. @return a 64-bit partial sum: pass it on as @p sum of the next
 * piece (a piece that starts at an even offset of the whole), or fold it with sp_cksum_fold().
 */
uint64_t sp_cksum_raw(const void *buf, size_t len, uint64_t sum);
/**
 * @p sum plus the sum of @p len bytes from offset @p off of the chain @p m, any segment layout
 * (pieces at odd offsets included). The caller checks off + len <= pkt_len; a chain shorter
 * than its pkt_len ends the sum early, it is never read past.
 */
uint64_t sp_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint64_t sum);
/** Sum of the IPv4 pseudo-header (RFC 9293 3.1, RFC 768); addresses host order. */
uint64_t sp_cksum_phdr(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/**
 * TCP or UDP checksum field value (as stored in the header, ones' complement of the sum) of
 * the segment or datagram from offset @p off (off <= pkt_len) to the end of @p m, pseudo-header
 * included; addresses host order. A received one is intact when this gives 0 over it, field
 * included. UDP's sender sends a result of 0 as 0xffff (RFC 768).
 */
uint16_t sp_cksum_l4(
	const struct rte_mbuf *m, uint32_t off, uint32_t src, uint32_t dst, uint8_t proto);
/** A partial sum folded to 16 bits, not complemented (rte_raw_cksum()'s result). */
static inline uint16_t
sp_cksum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
/**
 * Incremental Internet checksum update (RFC 1624 eqn. 3) when one 16-bit word of the covered
 * data changes from @p old_word to @p new_word (host order values). @return the new checksum.
 */
uint16_t sp_cksum_adjust16(uint16_t cksum, uint16_t old_word, uint16_t new_word);

/* ---------------- ICMP (wire/icmp.c) ---------------- */
struct sp_icmp {
	uint8_t type, code;
	uint16_t cksum;
	uint32_t rest; /**< id/seq, or unused/MTU, host order */
};
#define SP_ICMP_HDR_LEN 8
/* ICMP types DPDK's rte_icmp.h does not name (RFC 792). */
#define SP_ICMP_DEST_UNREACH  3
#define SP_ICMP_TIME_EXCEEDED 11
#define SP_ICMP_PARAM_PROBLEM 12
/* Destination unreachable codes (RFC 792; 4 from RFC 1191). */
#define SP_ICMP_UNREACH_NET	 0
#define SP_ICMP_UNREACH_HOST	 1
#define SP_ICMP_UNREACH_PROTOCOL 2
#define SP_ICMP_UNREACH_PORT	 3
#define SP_ICMP_UNREACH_NEEDFRAG 4 /**< fragmentation needed and DF set; rest = next-hop MTU */
/* Time exceeded codes (RFC 792). */
#define SP_ICMP_TIMXCEED_INTRANS 0 /**< TTL exceeded in transit */
#define SP_ICMP_TIMXCEED_REASS	 1 /**< fragment reassembly time exceeded */
/** On success: @p len >= 8. The checksum is not verified here. */
int sp_icmp_parse(const void *buf, size_t len, struct sp_icmp *out);
/** Writes the 8 fixed bytes from @p h, checksum field as given. */
void sp_icmp_build(void *buf, const struct sp_icmp *h);

/* ---------------- UDP (wire/udp.c) ---------------- */
struct sp_udp {
	uint16_t sport, dport, len, cksum;
};
/** On success: 8 <= len <= @p avail (the UDP length field; @p avail is the IP payload). */
int sp_udp_parse(const void *buf, size_t avail, struct sp_udp *out);
/** Writes 8 bytes, checksum field as given. */
void sp_udp_build(void *buf, const struct sp_udp *u);

/* ---------------- TCP (wire/tcp.c) ---------------- */
#define SP_TCP_MAX_SACK 4
struct sp_tcp_sack_block {
	uint32_t start, end;
};
/** Parsed TCP options. has_* says which were present. */
struct sp_tcp_opts {
	bool has_mss, has_wscale, has_sack_perm, has_ts;
	uint16_t mss;
	uint8_t wscale;
	uint32_t ts_val, ts_ecr;
	uint8_t n_sack;
	struct sp_tcp_sack_block sack[SP_TCP_MAX_SACK];
};
struct sp_tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff;  /**< header length in bytes (20..60) */
	uint8_t flags; /**< RTE_TCP_*_FLAG */
	uint16_t win;  /**< raw (unscaled) */
	uint16_t cksum, urp;
	struct sp_tcp_opts opts;
};
/**
 * On success: 20 <= doff <= len; options parsed (unknown kinds skipped; a length that runs off
 * the header gives SP_WIRE_BAD_OPTS).
 */
int sp_tcp_parse(const void *buf, size_t len, struct sp_tcp_hdr *out);
/** Bytes sp_tcp_parse_head() reads: what an ICMP error must quote at least (RFC 792). */
#define SP_TCP_HEAD_LEN 8
/**
 * The first 8 bytes of a header (an ICMP error's quote; enough to steer a segment): writes only
 * sport, dport and seq of @p out. On success: @p len >= 8.
 */
int sp_tcp_parse_head(const void *buf, size_t len, struct sp_tcp_hdr *out);
/**
 * Write the header and options of @p h at @p buf (checksum 0). @return bytes written (doff).
 * Options are emitted for every has_* set, in the order MSS, SACK-perm/TS, wscale, SACK blocks,
 * NOP-padded to 4 bytes.
 */
int sp_tcp_build(void *buf, const struct sp_tcp_hdr *h);
/** Length of the options sp_tcp_build() would write for @p o. */
int sp_tcp_opts_len(const struct sp_tcp_opts *o);
/**
 * TCP checksum field value (as stored in the header) of the segment @p m in any mbuf layout
 * (@p m's data at the TCP header, pkt_len the segment), addresses host order. A received
 * segment is intact when the sum over it, field included, gives 0.
 */
uint16_t sp_tcp_cksum(const struct rte_mbuf *m, uint32_t src, uint32_t dst);

#endif
