/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internal (not installed): the layout of the stack object (shared, read-only after start) and
 * of the per-lcore context, which programs see only as the opaque handles of sp_stack.h.
 *
 * struct sp_stack holds what every lcore reads: config, ports, the LPM route table, the ISN
 * secret. It is written only by sp_stack_create()/sp_stack_start() on the main lcore before
 * workers are launched.
 *
 * struct sp_ctx is owned by one lcore: its queues, TX batches, neighbour cache, reassembly
 * table, timers, TCP state and counters. Protocol code takes it as first argument. Nothing in it
 * is touched by another lcore except the counters, which are read (never written) by telemetry.
 */
#ifndef SP_CTX_H
#define SP_CTX_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_mbuf.h>
#include <rte_ether.h>
#include <rte_ring.h>

#include "sp_config.h"
#include "sp_stack.h"
#include "sp_stats.h"
#include "sp_timer.h"

#define SP_TX_BATCH	512 /**< TX batch per port per lcore; flushed when full and every loop */
#define SP_MAX_NEXTHOPS 256
#define SP_STEER_RING	2048 /**< per-lcore ring of TCP segments steered from other lcores */

/** IPv4 ID counters per lcore (ipv4.c; Linux's ip_idents has 2048 too) */
#define SP_IP_ID_BUCKETS    2048
#define SP_IP_ID_HASH_SLOTS 16 /* ipv4_select_id()'s hash cache (power of 2) */

struct rte_lpm;
struct sp_frag_table;
struct sp_neigh_table;
struct sp_tcp;

/**
 * RSS of a port as it is in effect (read back from the PMD after start, never assumed).
 * docs/tcp.md "Multi-lcore: RSS and steering".
 */
struct sp_rss {
	bool on;	  /**< mq_mode RSS with more than one RX queue */
	bool predictable; /**< Toeplitz key, TCP/IPv4 4-tuple hashing and RETA all known */
	uint64_t hf;	  /**< RTE_ETH_RSS_* hash functions in effect (0: unknown) */
	uint8_t key_len;  /**< 0: key unknown */
	uint8_t key[SP_RSS_KEY_MAX] __rte_aligned(4); /**< as the NIC uses it (rte_softrss) */
	uint16_t reta_size;			      /**< 0: RETA unknown */
	uint16_t reta[SP_RSS_RETA_MAX];		      /**< RETA entry -> RX queue */
};

/** A port as the stack sees it (read-only after start). */
struct sp_port {
	uint16_t idx;	  /**< index in the config / stack */
	uint16_t port_id; /**< DPDK ethdev port id */
	struct rte_ether_addr mac;
	uint16_t mtu;
	bool arp;	  /**< ARP on for this port */
	bool rx_ip_cksum; /**< PMD validates IPv4 header checksums (trust RTE_MBUF_F_RX_IP_CKSUM_*) */
	bool rx_l4_cksum;  /**< PMD validates L4 checksums */
	bool tx_ip_cksum;  /**< PMD can compute IPv4 header checksums */
	bool tx_l4_cksum;  /**< PMD can compute TCP/UDP checksums */
	bool tx_tso;	   /**< TCP segmentation offload on (tcp.tso, tcp_out.c) */
	bool tso_l2_mtu;   /**< the PMD counts a TSO piece's headers and L2 in the MTU */
	bool tx_linear;	   /**< the PMD sends no mbuf chains: TCP copies payload into one mbuf */
	bool rx_lro;	   /**< the PMD merges TCP segments (LRO); software GRO is off then */
	bool sw_gro;	   /**< software GRO on this port (tcp.gro, tcp_gro.c) */
	uint16_t n_queues; /**< RX/TX queues = worker lcores */
	struct sp_rss rss; /**< RSS in effect (pick_port and steering read it) */
	uint8_t n_addrs;
	struct sp_ifaddr addrs[SP_MAX_ADDRS];
	const struct sp_port_cfg *cfg;
};

/** Next hop chosen by the route table. */
struct sp_nexthop {
	uint16_t port; /**< stack port index */
	uint32_t gw;   /**< gateway IPv4 (host order); 0 = destination is on-link */
};

/** One route as configured/derived (rte_lpm cannot be iterated; telemetry lists these). */
struct sp_route_entry {
	uint32_t prefix; /**< host order */
	uint8_t plen;
	uint8_t connected; /**< 1 = subnet of a port address */
	uint32_t nh;	   /**< index in sp_stack.nexthops */
};

#define SP_MAX_ROUTE_ENTRIES (SP_MAX_ROUTES + SP_MAX_PORTS * (SP_MAX_ADDRS + 1))

/** Shared read-only stack state. */
struct sp_stack {
	const struct sp_config *cfg;
	uint16_t n_ports;
	struct sp_port ports[SP_MAX_PORTS];
	struct rte_lpm *lpm; /**< route table; value = index in nexthops */
	uint32_t n_nexthops;
	struct sp_nexthop nexthops[SP_MAX_NEXTHOPS];
	uint32_t n_routes;
	struct sp_route_entry routes[SP_MAX_ROUTE_ENTRIES]; /**< what lpm holds, for listing */
	uint8_t isn_secret[16];				    /**< RFC 6528 secret, drawn at start */
	uint8_t cookie_secret[16]; /**< SYN cookie secret, drawn at start */
	uint32_t ip_id_secret[4];  /**< RFC 7739 IPv4 ID hash key, drawn at start (ipv4.c) */
	uint64_t hz;		   /**< TSC frequency */
	/**
	 * The TCP clocks without a division (tcp_isn.c, sp_tcp_clock_init()): 2^64 * rate / hz for
	 * the timestamp clock (1 000/s) and the ISN's M (250 000/s), valid for clk_hz only (another
	 * hz, as a test may set, takes the division).
	 */
	uint64_t clk_hz, clk_ms_mult, clk_4us_mult;
	/*
	 * Every port's addresses in one flat list, in (port, address) order, and the directed
	 * broadcasts of their subnets: what sp_local_port() and sp_is_broadcast() scan for every
	 * packet in and out. sp_ifaddr_index() rebuilds them whenever a port is added.
	 */
	uint8_t n_local, n_bcast;
	uint8_t local_port[SP_MAX_PORTS * SP_MAX_ADDRS]; /**< stack port of local_ip[i] */
	uint32_t local_ip[SP_MAX_PORTS * SP_MAX_ADDRS];
	uint32_t bcast[SP_MAX_PORTS * SP_MAX_ADDRS];
	unsigned n_workers;
	struct sp_ctx *workers[RTE_MAX_LCORE]; /**< by worker index */
};

/**
 * TX hook: what sp_tx_flush() calls for a batch. The default wraps rte_eth_tx_burst(); unit tests
 * install a capture hook to read what the stack wanted to send. Returns how many were taken;
 * the rest are freed and counted by the caller.
 */
typedef uint16_t (*sp_tx_burst_fn)(
	struct sp_ctx *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n);

struct sp_txq {
	uint16_t n;
	bool stalled;	      /**< the PMD took nothing of the batch at the last flush */
	uint64_t stall_since; /**< TSC of the first of those flushes */
	struct rte_mbuf *pkts[SP_TX_BATCH];
};

/* ---- the timer wheel (timer.c), one per sp_ctx ---- */

TAILQ_HEAD(sp_timer_list, sp_timer);

#define SP_TIMER_SLOTS \
	4096 /**< 1 ms slots: one turn is ~4 s; later deadlines wait for their turn */

/** The wheel: sp_timer.h's timers hashed into 1 ms slots by deadline. */
struct sp_timer_wheel {
	uint64_t cycles_per_slot; /**< TSC cycles per 1 ms */
	uint64_t cur_slot;	  /**< absolute slot number processed up to */
	uint64_t slot_end;	  /**< TSC where slot cur_slot + 1 begins: no work before it */
	uint64_t slot_inv;	  /**< UINT64_MAX / cycles_per_slot (slot_of() in timer.c) */
	uint32_t n_armed;
	struct sp_timer_list slots[SP_TIMER_SLOTS];
};

/** Initialise @p w; @p hz is the TSC frequency, @p now the current TSC. */
void sp_timer_wheel_init(struct sp_timer_wheel *w, uint64_t hz, uint64_t now);

/** Fire every timer whose deadline is <= @p now (sp_poll() calls it). @return number fired. */
unsigned sp_timers_run(struct sp_ctx *ctx, uint64_t now);

/** Inter-lcore neighbour update message (ARP on, several workers). */
struct sp_neigh_msg {
	uint32_t ip;
	struct rte_ether_addr mac;
	uint8_t port;
	uint8_t state;
};

/**
 * A function to run on a worker lcore on behalf of another thread (telemetry reads a worker's
 * connection or neighbour table this way instead of touching it concurrently).
 */
struct sp_remote_call {
	void (*fn)(struct sp_ctx *ctx, void *arg);
	void *arg;
	volatile int done;
};

/** Per-lcore context. */
struct sp_ctx {
	struct sp_stack *stack; /**< shared, read-only */
	const struct sp_config *cfg;
	unsigned lcore_id;
	unsigned worker; /**< 0..n_workers-1, also this lcore's queue id on every port */
	int socket;
	uint64_t now;		  /**< TSC of the current loop iteration (fake clock in tests) */
	uint64_t hz;		  /**< TSC frequency (copied from stack) */
	struct rte_mempool *pool; /**< mbufs for this lcore's socket */
	sp_tx_burst_fn tx_burst;
	void *tx_burst_arg; /**< for the hook's use (tests) */
	struct sp_txq txq[SP_MAX_PORTS];
	struct sp_timer_wheel timers;
	struct sp_neigh_table *neigh;
	struct rte_ring *neigh_ring;	/**< updates from other lcores (sp_neigh_msg elements) */
	struct sp_frag_table *frag_tbl; /**< IPv4 reassembly (frag.c; see docs/l3.md) */
	struct {			/**< ICMP error token bucket */
		uint64_t tokens;	/**< scaled by 1000 */
		uint64_t last;
	} icmp_rl;
	/** IPv4 Identification: per-lcore counters selected by a keyed hash (ipv4.c, RFC 7739) */
	struct sp_ip_id_bucket {
		uint16_t ctr;	  /**< counter, in this lcore's share of the ID space */
		uint32_t last_ms; /**< when it was last used (ms of TSC), 0 = never */
	} ip_ids[SP_IP_ID_BUCKETS];
	/** ipv4.c: keyed hashes of recent (source, destination, protocol), direct-mapped */
	struct sp_ip_id_hash {
		uint32_t src, dst, h;
		uint8_t proto; /**< 0: slot empty (spindle sends ICMP, TCP and UDP only) */
	} ip_id_hash[SP_IP_ID_HASH_SLOTS];
	struct sp_tcp *tcp;	     /**< TCP state of this lcore (tcp/) */
	void *udp;		     /**< UDP bindings of this lcore (udp.c) */
	struct rte_ring *steer_ring; /**< TCP segments other lcores steered to this one (MP/SC) */
	struct sp_remote_call *volatile remote; /**< posted by sp_ctx_call(), run by sp_poll() */
	volatile int running; /**< the worker loop is polling (sp_ctx_call() waits only then) */
	uint64_t busy_cycles; /**< cycles spent in iterations that did work */
	uint64_t busy_pkts;   /**< packets processed in those iterations */
	uint64_t idle_cycles;
	struct sp_stats stats[SP_MAX_PORTS];
};

/* ---- the stack object (sp_stack.c), beyond sp_stack.h ---- */

/**
 * Register a port without an ethdev (unit tests, fuzzing): MAC given, no offloads.
 */
int sp_stack_add_port_fake(struct sp_stack *st, uint16_t idx, const struct rte_ether_addr *mac);

/* ---- the bottom of the data path: TX batch and mbufs (tx.c) ---- */

/**
 * Queue a complete frame for transmission on stack port @p port. Flushes when the batch is full.
 * Consumes @p m.
 */
void sp_tx_enqueue(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m);

/** Allocate an mbuf from ctx->pool with room for Ethernet+IPv4 headers reserved; counts failures. */
struct rte_mbuf *sp_alloc(struct sp_ctx *ctx, uint16_t port);

/** The TX hook sp_ctx_create() installs: rte_eth_tx_burst() on the ctx's queue of @p port. */
uint16_t sp_tx_burst_ethdev(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n);

/* ---- our addresses (ifaddr.c) ---- */

/** Is @p ip (host order) one of our addresses on any port? @return stack port index or -1. */
int sp_local_port(const struct sp_stack *st, uint32_t ip);

/** Is @p ip a broadcast (limited or directed for one of our subnets)? */
bool sp_is_broadcast(const struct sp_stack *st, uint32_t ip);

/** Rebuild the stack's flat lists of addresses and broadcasts from its ports' addresses. */
void sp_ifaddr_index(struct sp_stack *st);

/** Counter bump on a port: SP_STAT(ctx, port, ip_bad_cksum). */
#define SP_STAT(ctx, port, name)	((ctx)->stats[(port)].name++)
#define SP_STAT_ADD(ctx, port, name, v) ((ctx)->stats[(port)].name += (v))

#endif
