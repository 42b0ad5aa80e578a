/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit-test harness: EAL once per binary (--no-huge --no-pci --in-memory), a real mempool, a
 * stack with fake ports (no PMD), one sp_ctx whose TX hook captures frames, a fake clock, and
 * packet builders. Tests drive sp_input() and read back what the stack wanted to send.
 */
#ifndef SP_TEST_H
#define SP_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "spindle.h"
#include "sp_proto.h"

#define SP_TEST_MAX_TX 4096

/* Default addresses of the harness (198.18.0.0/24, as in the lab). */
#define T_OUR_IP  RTE_IPV4(198, 18, 0, 2)
#define T_PEER_IP RTE_IPV4(198, 18, 0, 1)
extern const struct rte_ether_addr t_our_mac;  /* 02:00:00:00:00:02 */
extern const struct rte_ether_addr t_peer_mac; /* 02:00:00:00:00:01 */

struct sp_test_env {
	struct sp_config cfg;
	struct sp_stack *st;
	struct sp_ctx *ctx;
	struct rte_mempool *pool;
	unsigned n_tx; /* captured frames not yet popped */
	unsigned tx_head;
	struct rte_mbuf *tx[SP_TEST_MAX_TX];
	uint16_t tx_port[SP_TEST_MAX_TX];
	/*
	 * The loop's clock: what rte_rdtsc() reads at the top of the next iteration. It runs ahead
	 * of ctx->now only after sp_test_idle_ms(); sp_test_input() passes the later of the two.
	 */
	uint64_t clock;
};

/* Initialise EAL (once per process). Aborts the test binary on failure. */
void sp_test_eal_init(void);

/* The mempool shared by all envs of this binary. */
struct rte_mempool *sp_test_pool(void);

/*
 * Fill @cfg with the harness default: one port "port0", 198.18.0.2/24, MTU 1500, ARP off,
 * static neighbour 198.18.0.1 -> t_peer_mac, TCP defaults.
 */
void sp_test_default_cfg(struct sp_config *cfg);

/*
 * Create an env from @cfg (NULL = default). Ports get MACs 02:00:00:00:00:02 (port0),
 * 02:00:00:00:01:02 (port1) ... The fake clock starts at 1e12 cycles with hz = 1e9 (1 ns/cycle).
 */
struct sp_test_env *sp_test_env_new(const struct sp_config *cfg);
/* Free the env; asserts that every mbuf is back in the pool (no leak). */
void sp_test_env_free(struct sp_test_env *env);

/* Feed one frame into the stack on @port at the loop's clock, then flush TX into the capture. */
void sp_test_input(struct sp_test_env *env, uint16_t port, struct rte_mbuf *m);
/* Advance the fake clock by @ms milliseconds (in 1 ms steps, running sp_poll and the flush). */
void sp_test_advance_ms(struct sp_test_env *env, uint64_t ms);
/*
 * The loop was idle for @ms milliseconds (an idle sleep): the next sp_test_input() runs at a
 * time @ms later, with no sp_poll() in between, as in the first iteration after the sleep.
 */
void sp_test_idle_ms(struct sp_test_env *env, uint64_t ms);
/* Pop the oldest captured frame (NULL if none). Caller frees it. */
struct rte_mbuf *sp_test_tx_pop(struct sp_test_env *env, uint16_t *port);
/* Number of captured frames not yet popped. */
unsigned sp_test_tx_count(const struct sp_test_env *env);
/* Free every captured frame. */
void sp_test_tx_clear(struct sp_test_env *env);

/* Build a frame from raw bytes (single segment). */
struct rte_mbuf *sp_test_frame(const void *bytes, size_t len);
/*
 * Build Ethernet(src_mac -> dst_mac, type) + @payload. NULL macs = peer -> ours.
 */
struct rte_mbuf *sp_test_eth(const struct rte_ether_addr *src, const struct rte_ether_addr *dst,
	uint16_t ethertype, const void *payload, size_t len);
/*
 * Build Ethernet + IPv4 (20-byte header, valid checksum, TTL 64, id 1, DF clear) + @payload,
 * peer MAC -> our MAC. Addresses host order.
 */
struct rte_mbuf *sp_test_ipv4(
	uint32_t src, uint32_t dst, uint8_t proto, const void *payload, size_t len);
/* Ones-complement checksum over @len bytes (for building payload checksums). */
uint16_t sp_test_cksum(const void *buf, size_t len);
/* Copy a whole (possibly chained) mbuf into @buf (at most @max bytes). @return bytes copied. */
size_t sp_test_copy(const struct rte_mbuf *m, void *buf, size_t max);

/* Sum a counter across ports of the env's ctx. */
#define T_STAT(env, name) ((env)->ctx->stats[0].name)

#endif
