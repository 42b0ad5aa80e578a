/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Which worker lcore owns a TCP connection, and software steering of segments that arrive on
 * another lcore's queue (docs/tcp.md "Multi-lcore: RSS and steering").
 *
 * An active open picks its source port so that the connection's owner is computable from the
 * 4-tuple alone:
 *  - on a port whose RSS is predictable (Toeplitz key, TCP/IPv4 4-tuple hashing and RETA read
 *    back from the PMD), the owner is the RETA entry of the Toeplitz hash of the tuple as the
 *    NIC sees an incoming segment: the reply lands on the owner's queue by itself;
 *  - otherwise (one queue, no RSS, or a PMD whose queue choice cannot be predicted such as
 *    net_af_packet's kernel fanout or net_tap without a flow rule) the ephemeral range is
 *    partitioned: the owner of local port p is worker p % n_workers.
 * A segment for an ephemeral-range port that lands on another lcore, and that lcore has neither
 * a listener nor a connection for it, is handed to the owner through the owner's steer ring.
 *
 * The same ring carries two other kinds of message (docs/tcp.md "ICMP errors and UDP with
 * several workers"): ICMP errors about a TCP connection of another lcore (the quoted segment's
 * 4-tuple names the owner) and UDP datagrams for a port bound on another lcore only.
 */
#ifndef SP_TCP_STEER_H
#define SP_TCP_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "sp_ctx.h"
#include "sp_wire.h"

/**
 * Toeplitz hash of a TCP/IPv4 segment from @p src:@p sport to @p dst:@p dport (host order) with
 * @p rss's key, as a NIC computes it for RTE_ETH_RSS_NONFRAG_IPV4_TCP. @p rss->key_len >= 16.
 */
uint32_t sp_rss_hash_v4(
	const struct sp_rss *rss, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport);

/**
 * Owner worker of the connection lip:lport <-> rip:rport reached through stack port @p port.
 * @return the worker index, or -1 when the tuple is not steered (one worker, or @p lport
 * outside the ephemeral range: passive opens stay where their SYN lands).
 */
int sp_tcp_steer_owner(const struct sp_stack *st, uint16_t port, uint32_t lip, uint16_t lport,
	uint32_t rip, uint16_t rport);

/**
 * First step of sp_tcp_input(): hand @p m (data at the TCP header, @p ip its parsed IPv4 header)
 * to its owner lcore when it is not this one. Counts steer_out, or steer_ring_full when the
 * owner's ring is full (the segment is dropped; TCP retransmits).
 * @return true when @p m was consumed (steered or dropped), false: deliver it here.
 */
bool sp_tcp_steer(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip);

/**
 * Feed the messages other lcores steered to @p ctx to their inputs (called from sp_poll()).
 * @return how many were processed.
 */
unsigned sp_tcp_steer_drain(struct sp_ctx *ctx);

/** What a steer ring message holds; the owner's drain hands each kind to its input. */
enum sp_steer_kind {
	SP_STEER_TCP = 0, /**< a TCP segment (data at the TCP header): sp_tcp_input() */
	SP_STEER_ICMP,	  /**< an ICMP error (data at the ICMP header): sp_icmp_steered_input() */
	SP_STEER_UDP,	  /**< a UDP datagram (data at the UDP header): sp_udp_steered_input() */
};

/**
 * Hand @p m (data at its L4 header, @p ip its parsed IPv4 header, received on stack port
 * @p port) to worker @p worker's ring as a message of kind @p kind. @p hops is passed to the
 * receiver (ICMP: how many more lcores may be tried). Counts steer_out, steer_icmp_out or
 * steer_udp_out, or steer_ring_full when the ring is full (then @p m is freed).
 * @return 0, -ENOENT (no such worker or no ring: @p m is not consumed) or -ENOBUFS (ring full,
 * @p m freed).
 */
int sp_steer_enqueue(struct sp_ctx *ctx, unsigned worker, uint16_t port, struct rte_mbuf *m,
	const struct sp_ipv4 *ip, enum sp_steer_kind kind, uint8_t hops);

/**
 * ICMP error hook (icmp.c): the error in @p m (data at the ICMP header, @p ip its IPv4 header)
 * quotes a TCP segment we sent, @p inner its IPv4 header and @p ports the first 4 bytes of its
 * TCP header. When no connection of this lcore matches, hand it on: to the owner that
 * sp_tcp_steer_owner() computes from the quoted 4-tuple (an active open), or, when the tuple
 * names no owner (a passive open stays where its SYN landed), to the next worker while
 * @p hops > 0 (each forwards with one hop less, so every worker is asked at most once).
 * @return true when @p m was consumed (steered or dropped for a full ring), false: deliver here.
 */
bool sp_tcp_steer_icmp(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m,
	const struct sp_ipv4 *ip, const struct sp_ipv4 *inner, const uint8_t ports[4],
	uint8_t hops);

/**
 * Deliver an ICMP error about TCP on this lcore (sp_tcp_icmp_error()).
 * @return 1 when it lowered the matching connection's MSS (fragmentation needed, RFC 1191),
 * else 0.
 */
int sp_tcp_steer_icmp_deliver(struct sp_ctx *ctx, uint8_t type, uint8_t code, uint32_t rest,
	const void *quoted, size_t len);

/* Receivers of steered messages, on the owner lcore (icmp.c, udp.c). Each consumes @p m. */

/** An ICMP error another lcore steered here (@p hops: see sp_tcp_steer_icmp()). */
void sp_icmp_steered_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m,
	const struct sp_ipv4 *ip, uint8_t hops);

/** A validated UDP datagram for a port bound here that another lcore received. */
void sp_udp_steered_input(
	struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip);

/** Create @p ctx's steer ring on its socket. @return 0 or -ENOMEM. */
int sp_tcp_steer_init(struct sp_ctx *ctx);

/** Free @p ctx's steer ring and every mbuf still in it. */
void sp_tcp_steer_fini(struct sp_ctx *ctx);

#endif
