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
 * Feed the segments other lcores steered to @p ctx into sp_tcp_input_here() (called from
 * sp_poll()).
 * @return how many were processed.
 */
unsigned sp_tcp_steer_drain(struct sp_ctx *ctx);

/** Create @p ctx's steer ring on its socket. @return 0 or -ENOMEM. */
int sp_tcp_steer_init(struct sp_ctx *ctx);

/** Free @p ctx's steer ring and every mbuf still in it. */
void sp_tcp_steer_fini(struct sp_ctx *ctx);

#endif
