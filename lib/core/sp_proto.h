/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal interfaces between the protocol files. Not installed.
 *
 * Conventions for every *_input(): the function consumes the mbuf (frees it, queues it, or
 * passes it on). Upper-layer inputs (ICMP, UDP, TCP) receive the mbuf with its data pointer at
 * the L4 header, pkt_len trimmed to the IP payload, m->l2_len = Ethernet header length,
 * m->l3_len = IP header length (so the IP header is at data - l3_len, the Ethernet header at
 * data - l3_len - l2_len, both in the first segment), and the parsed IPv4 header.
 */
#ifndef SP_PROTO_H
#define SP_PROTO_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_mbuf.h>
#include "sp_ctx.h"
#include "wire/sp_wire.h"

/* ---------------- eth.c ---------------- */
/** Demultiplex one frame received on stack port @p port. */
void sp_eth_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m);
/**
 * Prepend an Ethernet header (our MAC -> @p dst, @p ethertype host order) and queue @p m for TX
 * on @p port. Consumes @p m.
 */
void sp_eth_output(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m,
	const struct rte_ether_addr *dst, uint16_t ethertype);

/* ---------------- arp.c ---------------- */
/** ARP frame, data at the ARP header (Ethernet header at data - l2_len). ARP is on for @p port. */
void sp_arp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m);
/** Send an ARP request for @p tip on @p port (rate limiting is the caller's, see neigh.c). */
int sp_arp_request(struct sp_ctx *ctx, uint16_t port, uint32_t tip);
/** Gratuitous ARP for every address of @p port (at start with ARP on). */
void sp_arp_gratuitous(struct sp_ctx *ctx, uint16_t port);
/**
 * Send an ARP request for @p tip on @p port to Ethernet @p dst (NULL = broadcast; a MAC = the
 * unicast re-probe of a STALE neighbour, RFC 1122 2.3.2.1). @return 0 or -ENOBUFS.
 */
int sp_arp_probe(struct sp_ctx *ctx, uint16_t port, uint32_t tip, const struct rte_ether_addr *dst);

/* ---------------- neigh.c ---------------- */
enum sp_neigh_state {
	SP_NEIGH_FREE = 0,
	SP_NEIGH_INCOMPLETE, /**< ARP request sent, packets pending */
	SP_NEIGH_REACHABLE,  /**< confirmed by ARP within neigh_timeout */
	SP_NEIGH_STALE,	     /**< aged; used, re-probed on next use */
	SP_NEIGH_PERMANENT,  /**< static from config */
	SP_NEIGH_LEARNED,    /**< ARP off: MAC seen on the peer's IPv4 frames */
	SP_NEIGH_FAILED,
};
const char *sp_neigh_state_name(enum sp_neigh_state s);

/** Create this lcore's table with the static neighbours of every port. */
struct sp_neigh_table *sp_neigh_create(struct sp_ctx *ctx, unsigned capacity);
void sp_neigh_free(struct sp_neigh_table *t);

/**
 * Resolve @p nexthop on @p port and send @p m (an IPv4 packet, data at the IP header) with an
 * Ethernet header prepended. ARP off: static entry, learned entry, or @p dst's learned entry,
 * else the gateway MAC, else drop + no_neigh. ARP on: queue on an incomplete entry
 * (bounded) and send a rate-limited request. Consumes @p m. @return 0, or -errno if dropped.
 */
int sp_neigh_output(
	struct sp_ctx *ctx, uint16_t port, uint32_t nexthop, uint32_t dst, struct rte_mbuf *m);

/**
 * The neighbour entry a unicast datagram to next hop @p nexthop on @p port goes out through now
 * with nothing else to do (PERMANENT, LEARNED or REACHABLE: no request to send, nothing to
 * queue), for a struct sp_ip_path to keep; NULL when there is none or the output has more to do.
 */
const void *sp_neigh_path_entry(struct sp_ctx *ctx, uint16_t port, uint32_t nexthop);

/**
 * The MAC to send to through @p entry (from sp_neigh_path_entry()) if it is still the entry of
 * (@p port, @p nexthop) in a state that sends without side effects, and it is marked used as
 * sp_neigh_output() marks it; NULL when sp_neigh_output() must decide instead.
 */
const struct rte_ether_addr *sp_neigh_path_mac(
	struct sp_ctx *ctx, const void *entry, uint16_t port, uint32_t nexthop);

/** ARP off: remember that @p ip's frames come from @p mac on @p port (IPv4 input calls this). */
void sp_neigh_learn(
	struct sp_ctx *ctx, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac);

/**
 * ARP on: an ARP packet confirmed @p ip is at @p mac. @p create: make an entry if none exists
 * (requests addressed to us create one, unsolicited replies do not). Flushes pending packets
 * and tells the other lcores. @return 0, -ENOENT when no entry and !create.
 */
int sp_neigh_confirm(struct sp_ctx *ctx, uint16_t port, uint32_t ip,
	const struct rte_ether_addr *mac, bool create);

/** Apply updates sent by other lcores (called from sp_poll()). */
void sp_neigh_drain(struct sp_ctx *ctx);

/** Iterate entries (telemetry): calls @p fn for each used entry. */
void sp_neigh_foreach(struct sp_ctx *ctx,
	void (*fn)(void *arg, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac,
		enum sp_neigh_state st),
	void *arg);

/* ---------------- route.c ---------------- */
/** Build stack->lpm from connected subnets, [routes] and gateways. @return 0 or -errno. */
int sp_route_build(struct sp_stack *st);
void sp_route_free(struct sp_stack *st);
/** Look up @p dst. @return 0 with @p nh filled, or -EHOSTUNREACH. */
int sp_route_lookup(const struct sp_stack *st, uint32_t dst, struct sp_nexthop *nh);
/**
 * Call @p fn for every route the table holds (connected, static, default), in the order they
 * were added, with its next hop; for listing like `ip route`. Read-only, any thread.
 */
void sp_route_foreach(const struct sp_stack *st,
	void (*fn)(void *arg, const struct sp_route_entry *r, const struct sp_nexthop *nh),
	void *arg);

/* ---------------- ipv4.c ---------------- */
/** IPv4 frame, data at the IPv4 header, m->l2_len set. */
void sp_ipv4_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m);

/** What an upper layer asks of sp_ipv4_output(). */
struct sp_ipv4_out {
	uint32_t src, dst; /**< host order; src 0 = the outgoing port's first address */
	uint8_t proto;
	uint8_t ttl; /**< 0 = 64 */
	uint8_t tos;
	bool df;
	uint8_t optlen;	     /**< option bytes at @p opts: a multiple of 4, at most 40 */
	const uint8_t *opts; /**< IP options to carry (NULL when optlen is 0) */
};
/**
 * Prepend an IPv4 header to @p m (data at the L4 header), route, fragment if larger than the
 * MTU and DF is clear (else -EMSGSIZE), compute checksums (IP header always; L4 when
 * m->ol_flags asks for RTE_MBUF_F_TX_TCP_CKSUM / RTE_MBUF_F_TX_UDP_CKSUM and the port cannot
 * offload it: set m->l4_len too), resolve the neighbour and queue for TX. Consumes @p m.
 * @return 0 or -errno (-EHOSTUNREACH, -EMSGSIZE, -ENOBUFS, -ENXIO no neighbour).
 */
int sp_ipv4_output(struct sp_ctx *ctx, struct rte_mbuf *m, const struct sp_ipv4_out *o);

/**
 * One flow's way out as the last datagram found it (a TCP connection keeps one): its
 * destination, route (port, next hop) and neighbour entry. Routes and addresses are fixed after
 * start; the entry is checked on each use (sp_neigh_path_mac()), so a MAC that changed, an
 * entry gone STALE or deleted, or another destination sends through sp_ipv4_output() again,
 * which refills it. All zero: nothing kept.
 */
struct sp_ip_path {
	const void *neigh; /**< sp_neigh_path_entry(); NULL: none kept */
	uint32_t dst;	   /**< the destination it was found for */
	uint32_t nexthop;
	uint16_t port;
};

/**
 * sp_ipv4_output() for a flow that keeps @p path: without IP options, fragmentation or TSO and
 * while @p path holds, the route lookup and the neighbour's resolution are skipped and the
 * Ethernet header is written with the IPv4 one; otherwise sp_ipv4_output(), and @p path is
 * filled for the next datagram. The same frame, counters and return values either way.
 */
int sp_ipv4_output_path(struct sp_ctx *ctx, struct rte_mbuf *m, const struct sp_ipv4_out *o,
	struct sp_ip_path *path);
/**
 * The source address sp_ipv4_output() gives a datagram to @p dst that names none (RFC 1122
 * 3.3.4.3: the port address on the next hop's subnet, else the port's first); 0 without a route.
 */
uint32_t sp_ipv4_source(const struct sp_stack *st, uint32_t dst);
/** The same for a route already looked up: @p nh is sp_route_lookup()'s answer for @p dst. */
uint32_t sp_ipv4_nexthop_source(
	const struct sp_stack *st, const struct sp_nexthop *nh, uint32_t dst);

/* ---------------- frag.c ---------------- */
/** Create ctx->frag_tbl / frag_dr from the [stack] config. */
int sp_frag_init(struct sp_ctx *ctx);
void sp_frag_fini(struct sp_ctx *ctx);
/**
 * Feed a fragment (data at IPv4 header). @return the reassembled datagram (data at IPv4 header,
 * possibly chained) or NULL when more fragments are needed or it was dropped (counted).
 */
struct rte_mbuf *sp_frag_reassemble(
	struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip);
/** Free mbufs of expired/dropped reassemblies (called from sp_poll()). */
void sp_frag_expire(struct sp_ctx *ctx);
/**
 * Split @p m (data at IPv4 header, header already built) into fragments of at most @p mtu bytes.
 * @return number of fragments in @p out (each data at its IPv4 header, checksummed), or -errno.
 * Consumes @p m.
 */
int sp_frag_fragment(struct sp_ctx *ctx, struct rte_mbuf *m, uint16_t mtu, struct rte_mbuf **out,
	unsigned max_out);

/* ---------------- icmp.c ---------------- */
void sp_icmp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip);
/**
 * Send an ICMP error about the datagram in @p orig (data at its L4 header, l3_len set, as passed
 * to upper-layer inputs; or data at the IP header when l3_len == 0). Applies RFC 1122 3.2.2
 * rules (never about an ICMP error, a broadcast/multicast, a non-first fragment, a martian
 * source) and the token bucket. Does NOT consume @p orig. @return 0 or -errno.
 */
int sp_icmp_send_error(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *orig,
	const struct sp_ipv4 *ip, uint8_t type, uint8_t code, uint32_t rest);

/* ---------------- udp.c ---------------- */
void sp_udp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip);
/** Free this lcore's UDP bindings (ctx->udp); for sp_ctx_free(). Safe when there are none. */
void sp_udp_fini(struct sp_ctx *ctx);

/* ---------------- tcp/ ---------------- */
/** Create/free ctx->tcp. */
int sp_tcp_init(struct sp_ctx *ctx);
void sp_tcp_fini(struct sp_ctx *ctx);
/**
 * A TCP segment from ipv4.c (data at the TCP header): handed to the lcore that owns its
 * connection when that is another one (tcp_steer.h), else processed here; takes @p m.
 */
void sp_tcp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip);
/** End of an RX burst (or of the steered segments): software GRO hands what it held to TCP. */
void sp_tcp_gro_flush(struct sp_ctx *ctx);
/** Is software GRO on for a port of PMD @p driver (tcp.gro; never where the PMD does LRO)? */
bool sp_tcp_sw_gro_wanted(const struct sp_config *cfg, const char *driver, bool lro);
/** An ICMP error about one of our TCP segments (data at the quoted IP header). */
void sp_tcp_icmp_error(struct sp_ctx *ctx, uint8_t type, uint8_t code, uint32_t rest,
	const void *quoted, size_t len);

/* ---------------- impair.c ---------------- */
/*
 * The decision core of fault injection, exposed for unit tests (the ethdev glue is in
 * sp_impair_attach()/sp_impair_detach()).
 */
struct sp_impair_cfg;
struct sp_impair_q;
enum sp_impair_dir {
	SP_IMPAIR_RX = 0,
	SP_IMPAIR_TX = 1,
};
/**
 * Impairment state of queue @p queue of stack port @p port (ethdev @p port_id) in direction
 * @p dir, on @p ctx's socket; counters go to @p ctx. The generator is seeded from cfg->seed,
 * port, queue and direction. @return NULL on allocation failure.
 */
struct sp_impair_q *sp_impair_q_create(struct sp_ctx *ctx, uint16_t port, uint16_t port_id,
	uint16_t queue, enum sp_impair_dir dir, const struct sp_impair_cfg *cfg);
/**
 * Apply drop/corrupt/duplicate/reorder/delay to the @p n frames of @p pkts (consumed), then
 * fill @p pkts (room for @p cap) with the frames due at TSC @p now, oldest first.
 * @return number of frames in @p pkts.
 */
uint16_t sp_impair_q_run(
	struct sp_impair_q *q, struct rte_mbuf **pkts, uint16_t n, uint16_t cap, uint64_t now);
/** Free @p q and every frame it holds. @return frames freed. */
unsigned sp_impair_q_free(struct sp_impair_q *q);

#endif
