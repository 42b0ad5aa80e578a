/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports and mempools (sp_port.h), for the spindle program and libspindle_preload.so: find each
 * configured ethdev, give it one RX and one TX queue per worker, enable RSS and checksum
 * offloads only where the PMD has them, start it and wait (bounded) for its link. One mbuf pool
 * per NUMA socket that runs a worker.
 *
 * RSS (several workers): spindle sets its own Toeplitz key and programs the RETA as entry i ->
 * queue i % n_queues, so that the stack can compute where a connection's packets will land and
 * choose active-open source ports accordingly. Where the PMD refuses either, nothing is assumed:
 * sp_stack_add_port() reads back what is in effect and the stack steers in software instead
 * (docs/tcp.md "Multi-lcore: RSS and steering").
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_interrupts.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#include "sp_log.h"
#include "sp_port.h"
#include "sp_stack.h"

void
sp_port_devname(const struct sp_port_cfg *pc, char *buf, size_t len)
{
	const char *src = pc->vdev[0] != '\0' ? pc->vdev : pc->device;
	size_t n = strcspn(src, ",");

	if (n >= len)
		n = len - 1;
	memcpy(buf, src, n);
	buf[n] = '\0';
}

static int
norm_socket(int socket)
{
	/* Virtual devices and single-node machines report SOCKET_ID_ANY: treat as node 0. */
	if (socket < 0 || socket >= RTE_MAX_NUMA_NODES)
		return 0;
	return socket;
}

struct rte_mempool *
sp_ports_pool_of(struct sp_ports *io, int socket)
{
	unsigned s;

	socket = norm_socket(socket);
	if (io->pools[socket] != NULL)
		return io->pools[socket];
	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (io->pools[s] != NULL)
			return io->pools[s];
	return NULL;
}

static uint16_t
max_mtu(const struct sp_config *cfg)
{
	uint16_t m = RTE_ETHER_MTU;
	unsigned i;

	for (i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].mtu > m)
			m = cfg->ports[i].mtu;
	return m;
}

/*
 * rte_pktmbuf_pool_create(), except without hugepages: there EAL memory is 4 KB pages and by
 * default no mbuf may straddle a page (its buffer must be IOVA-contiguous for a NIC's DMA), so
 * a 2.3 KB mbuf takes a page of its own. net_af_xdp of DPDK 22.11 registers the pool's memory
 * with the kernel as one UMEM of populated_size * element size bytes from its first object, so
 * with those gaps the last ~40% of the mbufs lie outside the UMEM: the kernel silently skips the
 * TX descriptors that point there (TCP stalled after some thousand segments). Without
 * hugepages the PMDs that can run (tap, af_packet, memif, af_xdp) copy or map by virtual
 * address, so the objects are packed back to back (RTE_MEMPOOL_F_NO_IOVA_CONTIG) in one chunk.
 */
static struct rte_mempool *
pool_create(const char *name, unsigned n, unsigned cache, uint16_t room, int socket)
{
	struct rte_pktmbuf_pool_private priv = {.mbuf_data_room_size = room};
	struct rte_mempool *mp;
	int ret;

	if (rte_eal_has_hugepages())
		return rte_pktmbuf_pool_create(name, n, cache, 0, room, socket);
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + room, cache, sizeof(priv),
		socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	ret = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (ret == 0) {
		rte_pktmbuf_pool_init(mp, &priv);
		ret = rte_mempool_populate_default(mp);
	}
	if (ret < 0) {
		rte_mempool_free(mp);
		rte_errno = -ret;
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

int
sp_ports_pools_create(struct sp_ports *io)
{
	const struct sp_stack_cfg *sc = &io->cfg->stack;
	/* One frame of the largest MTU fits in one mbuf: Ethernet header, two VLAN tags, CRC. */
	uint32_t room = RTE_PKTMBUF_HEADROOM + max_mtu(io->cfg) + RTE_ETHER_HDR_LEN +
			2 * RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned w;

	if (room < RTE_MBUF_DEFAULT_BUF_SIZE)
		room = RTE_MBUF_DEFAULT_BUF_SIZE;
	for (w = 0; w < io->nq; w++) {
		int s = norm_socket(io->queue_socket[w]);

		if (io->pools[s] != NULL)
			continue;
		snprintf(name, sizeof(name), "sp_mbuf_s%d", s);
		io->pools[s] = pool_create(name, sc->mbufs, sc->mbuf_cache, (uint16_t)room, s);
		if (io->pools[s] == NULL) {
			SP_LOG(ERR, app,
				"cannot create mempool %s (%u mbufs of %u bytes on socket %d): %s "
				"(lower stack.mbufs or give EAL more memory with -m)",
				name, sc->mbufs, room, s, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		SP_LOG(INFO, app, "mempool %s: %u mbufs, %u bytes data room, socket %d", name,
			sc->mbufs, room, s);
	}
	return 0;
}

/* mbufs currently out of every pool (the lcore caches count as in the pool). */
static unsigned
pools_in_use(const struct sp_ports *io)
{
	unsigned s, in_use = 0;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (io->pools[s] != NULL)
			in_use += rte_mempool_in_use_count(io->pools[s]);
	for (s = 0; s < SP_MAX_PORTS; s++)
		if (io->ports[s].rx_pool != NULL)
			in_use += rte_mempool_in_use_count(io->ports[s].rx_pool);
	return in_use;
}

/* mbufs the ports' PMDs are known to keep after close (pmd_kept_measure()). */
static unsigned
pmd_kept_total(const struct sp_ports *io)
{
	unsigned s, kept = 0;

	for (s = 0; s < SP_MAX_PORTS; s++)
		kept += io->ports[s].pmd_kept;
	return kept;
}

unsigned
sp_ports_pools_check(struct sp_ports *io, FILE *out)
{
	unsigned s, total = 0, in_use, kept = pmd_kept_total(io);

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (io->pools[s] != NULL)
			total += io->pools[s]->size;
	for (s = 0; s < SP_MAX_PORTS; s++)
		if (io->ports[s].rx_pool != NULL)
			total += io->ports[s].rx_pool->size;
	if (total == 0)
		return 0; /* start-up failed before any pool existed */
	/* avail_count includes every lcore's cache: exact once the workers stopped. */
	in_use = pools_in_use(io);
	if (in_use == 0) {
		fprintf(out, "mbufs: all %u returned\n", total);
	} else if (kept > 0 && in_use == kept) {
		/*
		 * Exactly what the PMDs took at RX queue setup and cannot give back at close
		 * (pmd_kept_measure()): not spindle's. Named, so that the number can be checked.
		 */
		const char *sep = "";

		fprintf(out, "mbufs: all %u returned (%u held by the PMD:", total, in_use);
		for (s = 0; s < SP_MAX_PORTS; s++) {
			if (io->ports[s].pmd_kept == 0)
				continue;
			fprintf(out, "%s %u by %s on %s", sep, io->ports[s].pmd_kept,
				io->ports[s].pmd_kept_by, io->cfg->ports[s].name);
			sep = ",";
		}
		fprintf(out, "; RX fill rings, taken at port setup and not freed at close)\n");
		in_use = 0;
	} else if (kept > 0 && in_use > kept) {
		fprintf(out,
			"mbufs: LEAK: %u in use (besides the %u held by the PMD since port setup)\n",
			in_use - kept, kept);
	} else {
		/* fewer than the PMD holds: the PMD gave some back, so no count can be trusted */
		fprintf(out, "mbufs: LEAK: %u in use%s\n", in_use,
			kept > 0 ? " (not the number the PMD took at port setup)" : "");
	}
	fflush(out);
	return in_use;
}

void
sp_ports_pools_free(struct sp_ports *io)
{
	unsigned s;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		rte_mempool_free(io->pools[s]);
		io->pools[s] = NULL;
	}
	for (s = 0; s < SP_MAX_PORTS; s++) {
		rte_mempool_free(io->ports[s].rx_pool);
		io->ports[s].rx_pool = NULL;
	}
}

/*
 * spindle's RSS key: fixed so that hashes are reproducible from the docs and the unit test, no
 * structure to it (a key with a period of 16 bits would make the hash symmetric and weaken the
 * port bits). The first hash_key_size bytes are used (40 on most NICs, 52 on some).
 */
static const uint8_t sp_rss_key[SP_RSS_KEY_MAX] = {0x3c, 0x91, 0x5e, 0x27, 0xa4, 0x0b, 0xd8, 0x63,
	0x1f, 0xc2, 0x75, 0x9a, 0x46, 0xe1, 0x38, 0xbd, 0x02, 0x6f, 0xd4, 0x89, 0x5b, 0x17, 0xe6,
	0xa0, 0x7d, 0x34, 0xcb, 0x92, 0x0e, 0x55, 0xf8, 0x21, 0x9c, 0x43, 0xba, 0x66, 0x0d, 0xe9,
	0x71, 0x28, 0xc5, 0x84, 0x1a, 0xf3, 0x5d, 0xb6, 0x09, 0x62, 0xd7, 0x3e, 0xa9, 0x14, 0x8b,
	0xf0, 0x47, 0xce, 0x25, 0x98, 0x6a, 0x03, 0xbf, 0x52, 0xe4, 0x7b};

/* RETA entry i -> queue i % nq, when the PMD has a RETA it lets us write (after start). */
static void
port_reta_program(const struct sp_port_cfg *pc, uint16_t pid, uint16_t nq)
{
	struct rte_eth_rss_reta_entry64 rc[SP_RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_eth_dev_info info;
	uint16_t i;
	int ret;

	if (rte_eth_dev_info_get(pid, &info) != 0 || info.flow_type_rss_offloads == 0)
		return; /* no RSS at all (port_configure() said so) */
	if (info.reta_size == 0 || info.reta_size > SP_RSS_RETA_MAX) {
		SP_LOG(INFO, app, "%s: no RETA to program (size %u)", pc->name, info.reta_size);
		return;
	}
	memset(rc, 0, sizeof(rc));
	for (i = 0; i < info.reta_size; i++) {
		rc[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
		rc[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = i % nq;
	}
	ret = rte_eth_dev_rss_reta_update(pid, rc, info.reta_size);
	if (ret != 0)
		SP_LOG(INFO, app, "%s: RETA not written (%s); the stack uses what it can read back",
			pc->name, strerror(-ret));
}

/*
 * TX on a PMD that cannot send mbuf chains (it offers no RTE_ETH_TX_OFFLOAD_MULTI_SEGS; DPDK
 * 22.11's net_af_xdp copies pkt_len bytes from the first segment, so the kernel peer got the
 * TCP header mbuf followed by garbage and TCP stalled after the handshake). The stack sends a
 * TCP segment as a header mbuf chained to its payload; this callback, run by rte_eth_tx_burst()
 * before the PMD, makes each chain one segment: in place when the first mbuf is the stack's own
 * and has the room, else as a copy from the worker's pool. It never drops (the caller frees what
 * the PMD did not take, from the same array): a chain it cannot copy is left as it is and
 * counted (tx_linearize_failed in the exit report); TCP retransmits it.
 */
static uint16_t
tx_linearize(uint16_t port_id, uint16_t queue, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct sp_port *ap = arg;
	uint16_t i;

	RTE_SET_USED(port_id);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *c;

		if (m->nb_segs == 1 && RTE_MBUF_DIRECT(m))
			continue;
		if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
			rte_pktmbuf_linearize(m) == 0)
			continue;
		c = rte_pktmbuf_copy(m, ap->tx_pools[queue], 0, UINT32_MAX);
		if (c != NULL && c->nb_segs == 1) {
			rte_pktmbuf_free(m);
			pkts[i] = c;
			continue;
		}
		rte_pktmbuf_free(c);
		__atomic_fetch_add(&ap->tx_linearize_failed, 1, __ATOMIC_RELAXED);
	}
	return n;
}

/*
 * The configured "mac =", when there is one. Some PMDs fix their MAC when the device is created
 * (net_memif and net_af_xdp refuse to change it: -ENOTSUP); there the configured MAC is accepted
 * when it is the one the device already has, and otherwise the error says where to give it.
 */
static int
port_mac_set(struct sp_ports *io, uint16_t idx)
{
	const struct sp_port_cfg *pc = &io->cfg->ports[idx];
	uint16_t pid = io->ports[idx].port_id;
	struct rte_ether_addr cur;
	char want_s[RTE_ETHER_ADDR_FMT_SIZE], cur_s[RTE_ETHER_ADDR_FMT_SIZE];
	int ret;

	if (rte_is_zero_ether_addr(&pc->mac))
		return 0;
	ret = rte_eth_dev_default_mac_addr_set(pid, (struct rte_ether_addr *)&pc->mac);
	if (ret == 0)
		return 0;
	if (ret == -ENOTSUP && rte_eth_macaddr_get(pid, &cur) == 0 &&
		rte_is_same_ether_addr(&cur, &pc->mac))
		return 0; /* it already has the configured MAC */
	rte_ether_format_addr(want_s, sizeof(want_s), &pc->mac);
	if (ret != -ENOTSUP || rte_eth_macaddr_get(pid, &cur) != 0) {
		SP_LOG(ERR, app, "%s: cannot set MAC address %s: %s", pc->name, want_s,
			strerror(-ret));
		return ret;
	}
	rte_ether_format_addr(cur_s, sizeof(cur_s), &cur);
	SP_LOG(ERR, app,
		"%s: the PMD cannot change its MAC address (%s), which is %s, not the configured "
		"%s: give the MAC to the device itself (net_memif: the devarg mac=%s; "
		"net_af_xdp: the interface's MAC, ip link set IFACE address %s), or remove "
		"\"mac =\" from [%s]",
		pc->name, strerror(-ret), cur_s, want_s, want_s, want_s, pc->name);
	return ret;
}

/*
 * PMDs that keep, after close, the mbufs their RX queue setup took from our pool. net_af_xdp of
 * DPDK 22.11 (drivers/net/af_xdp/rte_eth_af_xdp.c, built with XDP_UMEM_UNALIGNED_CHUNK_FLAG so
 * the UMEM is the mempool itself): xsk_configure() puts 2048 mbufs (ETH_AF_XDP_DFLT_NUM_DESCS)
 * per RX queue into the fill ring, and each RX burst replaces the mbufs it hands out with new
 * ones, so the RX side always owns exactly those 2048 (in the fill ring, with the kernel, or in
 * the RX ring). The fill ring lives only in memory shared with the kernel: eth_dev_close()
 * deletes the socket and the UMEM without reading it back, and no ethdev call reaches it
 * (the PMD has no queue release and no tx_done_cleanup). So that number, measured here, is
 * what the exit check accepts as held by the PMD; any mbuf more is still a leak.
 */
static const char *const pmd_keeps_rx_mbufs[] = {"net_af_xdp"};

static void
pmd_kept_measure(struct sp_ports *io, uint16_t idx, const char *driver, unsigned taken)
{
	struct sp_port *ap = &io->ports[idx];
	unsigned i;

	for (i = 0; i < RTE_DIM(pmd_keeps_rx_mbufs); i++) {
		if (driver == NULL || strcmp(driver, pmd_keeps_rx_mbufs[i]) != 0)
			continue;
		ap->pmd_kept = taken;
		ap->pmd_kept_by = pmd_keeps_rx_mbufs[i];
		SP_LOG(INFO, app,
			"%s: %s took %u mbufs for its RX fill ring(s); it does not give them "
			"back at close (the exit check names them)",
			io->cfg->ports[idx].name, driver, taken);
	}
}

static int
port_configure(struct sp_ports *io, uint16_t idx)
{
	const struct sp_port_cfg *pc = &io->cfg->ports[idx];
	struct sp_port *ap = &io->ports[idx];
	uint16_t pid = ap->port_id, nq = io->nq, rxd, txd, q;
	uint64_t want_rx = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
			   RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	uint64_t want_tx = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			   RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t mtu = pc->mtu ? pc->mtu : RTE_ETHER_MTU;
	unsigned in_use;
	int ret;

	ret = rte_eth_dev_info_get(pid, &info);
	if (ret != 0) {
		SP_LOG(ERR, app, "%s: cannot read device info: %s", pc->name, strerror(-ret));
		return ret;
	}
	snprintf(ap->driver, sizeof(ap->driver), "%s",
		info.driver_name != NULL ? info.driver_name : "");
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		SP_LOG(ERR, app,
			"%s: %u worker lcores need %u RX/TX queues, the device has %u/%u "
			"(use fewer worker lcores, or give the device more queues, e.g. "
			"net_af_packet's qpairs=N)",
			pc->name, nq, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (mtu > info.max_mtu || mtu < info.min_mtu) {
		SP_LOG(ERR, app, "%s: mtu %u outside the device's range %u..%u", pc->name, mtu,
			info.min_mtu, info.max_mtu);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = mtu;
	if (nq > 1 && io->cfg->stack.rss) {
		uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			      info.flow_type_rss_offloads;

		if (hf != 0) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
			if (info.hash_key_size > 0 && info.hash_key_size <= SP_RSS_KEY_MAX) {
				conf.rx_adv_conf.rss_conf.rss_key =
					(uint8_t *)(uintptr_t)sp_rss_key;
				conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size;
			}
		} else {
			SP_LOG(INFO, app,
				"%s: the device has no IP/TCP/UDP RSS; the PMD decides which queue "
				"receives (net_af_packet: kernel fanout), active opens are steered in "
				"software",
				pc->name);
		}
	}
	/* Offloads only where the PMD has them; sp_stack_add_port() reads back what is on. */
	conf.rxmode.offloads = want_rx & info.rx_offload_capa;
	conf.txmode.offloads = want_tx & info.tx_offload_capa;
	{
		uint64_t tcp_rx, tcp_tx; /* TSO and LRO per tcp.tso / tcp.gro */

		sp_stack_tcp_offloads(io->cfg, info.driver_name, info.rx_offload_capa,
			info.tx_offload_capa, &tcp_rx, &tcp_tx);
		conf.rxmode.offloads |= tcp_rx;
		conf.txmode.offloads |= tcp_tx;
		if (tcp_rx & RTE_ETH_RX_OFFLOAD_TCP_LRO)
			conf.rxmode.max_lro_pkt_size =
				RTE_MIN(info.max_lro_pkt_size, (uint32_t)UINT16_MAX);
	}
	/* TCP and fragmentation may hand the PMD mbuf chains. */
	conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS & info.tx_offload_capa;
	ret = rte_eth_dev_configure(pid, nq, nq, &conf);
	if (ret != 0 && conf.rx_adv_conf.rss_conf.rss_key != NULL) {
		/* A PMD that refuses our key keeps its own; the stack reads it back if it can. */
		SP_LOG(INFO, app, "%s: RSS key refused (%s); configuring without it", pc->name,
			strerror(-ret));
		conf.rx_adv_conf.rss_conf.rss_key = NULL;
		conf.rx_adv_conf.rss_conf.rss_key_len = 0;
		ret = rte_eth_dev_configure(pid, nq, nq, &conf);
	}
	if (ret != 0) {
		SP_LOG(ERR, app, "%s: rte_eth_dev_configure: %s", pc->name, strerror(-ret));
		return ret;
	}
	ap->configured = true;
	/* Before the queues: a PMD's RX queue setup may already take mbufs from the pool. */
	ret = port_mac_set(io, idx);
	if (ret != 0)
		return ret;
	rxd = pc->rx_desc ? pc->rx_desc : 1024;
	txd = pc->tx_desc ? pc->tx_desc : 1024;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &rxd, &txd);
	if (ret != 0) {
		SP_LOG(ERR, app, "%s: descriptor counts: %s", pc->name, strerror(-ret));
		return ret;
	}
	if (pc->rx_buf_size > RTE_MBUF_DEFAULT_DATAROOM) {
		/*
		 * Big RX buffers only for this port (net_af_packet: the kernel reassembles
		 * fragments before the PMD sees them, so a 65000-byte ping arrives whole). They
		 * are a pool of their own so the stack's small TX and header mbufs stay small.
		 */
		char name[RTE_MEMPOOL_NAMESIZE];
		int sock = ap->socket >= 0 ? ap->socket : norm_socket(io->queue_socket[0]);

		snprintf(name, sizeof(name), "sp_rx_p%u", idx);
		ap->rx_pool = rte_pktmbuf_pool_create(name, pc->rx_mbufs, 32, 0,
			(uint16_t)(RTE_PKTMBUF_HEADROOM + pc->rx_buf_size), sock);
		if (ap->rx_pool == NULL) {
			SP_LOG(ERR, app,
				"%s: cannot create its RX pool (%u mbufs of %u bytes): %s "
				"(lower rx_mbufs or rx_buf_size, or give EAL more memory with -m)",
				pc->name, pc->rx_mbufs, pc->rx_buf_size, rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	in_use = pools_in_use(io);
	for (q = 0; q < nq; q++) {
		int sock = ap->socket >= 0 ? ap->socket : norm_socket(io->queue_socket[q]);

		/* RX buffers come from the pool of the lcore that processes them. */
		ret = rte_eth_rx_queue_setup(pid, q, rxd, sock, NULL,
			ap->rx_pool != NULL ? ap->rx_pool
					    : sp_ports_pool_of(io, io->queue_socket[q]));
		if (ret != 0) {
			SP_LOG(ERR, app, "%s: RX queue %u (%u descriptors): %s%s", pc->name, q, rxd,
				strerror(-ret),
				ret == -ENOMEM
					? " (too few mbufs to fill the ring? raise stack.mbufs "
					  "or lower rx_desc)"
					: "");
			return ret;
		}
		ret = rte_eth_tx_queue_setup(pid, q, txd, sock, NULL);
		if (ret != 0) {
			SP_LOG(ERR, app, "%s: TX queue %u (%u descriptors): %s", pc->name, q, txd,
				strerror(-ret));
			return ret;
		}
		if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) == 0) {
			ap->tx_pools[q] = sp_ports_pool_of(io, io->queue_socket[q]);
			if (rte_eth_add_tx_callback(pid, q, tx_linearize, ap) == NULL) {
				SP_LOG(ERR, app,
					"%s: the PMD cannot send mbuf chains and no TX callback "
					"could be added to copy them: %s",
					pc->name, rte_strerror(rte_errno));
				return -rte_errno;
			}
			ap->tx_linearize = true;
		}
	}
	pmd_kept_measure(io, idx, info.driver_name, pools_in_use(io) - in_use);
	if (ap->tx_linearize)
		SP_LOG(INFO, app, "%s: no multi-segment TX: chains are made one segment first",
			pc->name);
	SP_LOG(INFO, app,
		"%s: port %u, %u queue(s), %u/%u descriptors, mtu %u, rx offloads 0x%" PRIx64
		", tx offloads 0x%" PRIx64 "%s",
		pc->name, pid, nq, rxd, txd, mtu, conf.rxmode.offloads, conf.txmode.offloads,
		conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS ? ", RSS" : "");
	return 0;
}

static int
links_wait(struct sp_ports *io)
{
	uint64_t hz = rte_get_timer_hz();
	uint64_t deadline = rte_get_timer_cycles() + hz * SP_PORT_LINK_WAIT_MS / 1000;
	struct rte_eth_link link;
	uint16_t i;
	int ret;

	for (i = 0; i < io->cfg->n_ports; i++) {
		for (;;) {
			memset(&link, 0, sizeof(link));
			ret = rte_eth_link_get_nowait(io->ports[i].port_id, &link);
			if (ret == 0 && link.link_status == RTE_ETH_LINK_UP)
				break;
			if ((io->quit != NULL && *io->quit)) {
				SP_LOG(ERR, app, "interrupted while waiting for links");
				return -EINTR;
			}
			if (rte_get_timer_cycles() > deadline) {
				SP_LOG(ERR, app, "%s: link still down after %u ms",
					io->cfg->ports[i].name, SP_PORT_LINK_WAIT_MS);
				return -ENETDOWN;
			}
			rte_delay_us_sleep(100 * 1000);
		}
		SP_LOG(INFO, app, "%s: link up, %u Mbps", io->cfg->ports[i].name, link.link_speed);
	}
	return 0;
}

int
sp_ports_start(struct sp_ports *io)
{
	char dev[SP_PATH_LEN];
	uint16_t i;
	int ret;

	for (i = 0; i < io->cfg->n_ports; i++) {
		struct sp_port *ap = &io->ports[i];
		const struct sp_port_cfg *pc = &io->cfg->ports[i];
		uint16_t j;

		sp_port_devname(pc, dev, sizeof(dev));
		ret = rte_eth_dev_get_port_by_name(dev, &ap->port_id);
		if (ret != 0) {
			SP_LOG(ERR, app,
				"%s: no ethdev named \"%s\" (give it to EAL with --vdev or -a, "
				"and check the PMD is available)",
				pc->name, dev);
			return -ENODEV;
		}
		for (j = 0; j < i; j++)
			if (io->ports[j].port_id == ap->port_id) {
				SP_LOG(ERR, app, "%s and %s use the same device \"%s\"",
					io->cfg->ports[j].name, pc->name, dev);
				return -EINVAL;
			}
		ap->found = true;
		ap->socket = rte_eth_dev_socket_id(ap->port_id);
		ret = port_configure(io, i);
		if (ret != 0)
			return ret;
		ret = rte_eth_dev_start(ap->port_id);
		if (ret != 0) {
			SP_LOG(ERR, app, "%s: rte_eth_dev_start: %s", pc->name, strerror(-ret));
			return ret;
		}
		ap->started = true;
		if (io->nq > 1 && io->cfg->stack.rss)
			port_reta_program(pc, ap->port_id, io->nq);
	}
	/* Scripts wait for this line before starting a memif client (docs/lab.md "memif"). */
	SP_LOG(NOTICE, app, "ports started; waiting up to %u ms for their links",
		SP_PORT_LINK_WAIT_MS);
	return links_wait(io);
}

/*
 * TX mbufs a PMD still holds for frames it sent go back to the pool before the port stops.
 * rte_eth_tx_done_cleanup() where the PMD has it; net_af_xdp of DPDK 22.11 has not: it frees
 * the mbuf of a sent frame when the kernel's completion ring returns its address, and reads
 * that ring only inside a TX burst (before its send() kick, so the completions of the last
 * burst stay unread: the "+1" of issue 9). An empty burst reads it; once stopped, ethdev
 * replaces the burst functions and the ring is gone at close. The kernel completes a frame
 * when the peer took the skb, possibly just after send() returned: on such a port a few
 * bursts, 1 ms apart, until the pools lack only what the PMDs keep (at most 100 ms); elsewhere
 * one empty burst, harmless.
 */
static void
port_tx_reap(struct sp_ports *io, struct sp_port *ap)
{
	struct rte_mbuf *none[1];
	/* waiting only where the PMD holds RX mbufs past close (else nothing tells it is done) */
	unsigned try, tries = ap->pmd_kept > 0 ? 100 : 1, prev = UINT_MAX, now;
	uint16_t q;
	bool burst = false;

	for (q = 0; q < io->nq; q++)
		if (rte_eth_tx_done_cleanup(ap->port_id, q, 0) == -ENOTSUP)
			burst = true;
	if (!burst)
		return;
	for (try = 0; try < tries; try++) {
		for (q = 0; q < io->nq; q++)
			rte_eth_tx_burst(ap->port_id, q, none, 0);
		now = pools_in_use(io);
		if (now <= pmd_kept_total(io) || (now == prev && try >= 10))
			break; /* everything back, or nothing more came for 10 ms */
		prev = now;
		rte_delay_us_sleep(1000);
	}
}

/* Give TX mbufs back, stop and close one port (what of it was set up). */
static void
port_stop_close(struct sp_ports *io, uint16_t idx)
{
	struct sp_port *ap = &io->ports[idx];

	if (ap->started) {
		port_tx_reap(io, ap);
		rte_eth_dev_stop(ap->port_id);
	}
	if (ap->configured)
		rte_eth_dev_close(ap->port_id);
	ap->started = ap->configured = false;
}

/*
 * net_memif ports are stopped and closed on EAL's interrupt thread, because of two defects of
 * DPDK 22.11 (read in 22.11.4's source; the packaged 22.11.11 behaves alike):
 *
 * 1. memif_disconnect() runs on the caller's thread from memif_dev_stop(), and on the interrupt
 *    thread from the control channel's callback (memif_intr_handler) as soon as the peer closes
 *    its end or sends DISCONNECT. Its cc_lock covers only the control channel: closing the queue
 *    eventfds and memif_free_regions() (rte_free of each region) run on both threads at once,
 *    and when the callback is running, rte_intr_callback_unregister() answers -EAGAIN, memif only
 *    marks it for deletion, and it goes on with a device that rte_eth_dev_close() has freed.
 *    Both sides of a pair stopped together: one died with SIGSEGV after "mbufs: all N returned".
 *    The interrupt thread runs one callback at a time, so a stop run there finds memif's handler
 *    either finished (the port is already disconnected) or idle (stop unregisters it).
 * 2. The server's listener callback is never unregistered (memif_socket_remove_device() frees
 *    the socket, not the callback); EAL keeps it with a copy of its handle in DPDK memory. When
 *    the interrupt thread rebuilds its epoll set (after any callback register or unregister)
 *    while rte_eal_cleanup() unmaps that memory, it faults. So nothing may be registered or
 *    unregistered late: no rte_eal_alarm (its cleanup unregisters the alarm callback just before
 *    the unmap), but a callback of our own on an eventfd that stays registered until exit, and
 *    two more, empty runs of it: the rebuild that memif's stop asked for (it unregisters the
 *    control channel) comes at the latest right after the first of them, so it is over when the
 *    second returns.
 */
#define INTR_JOB_WAIT_MS 5000

struct intr_job {
	struct sp_ports *io;
	struct rte_intr_handle *ih;
	unsigned runs; /**< completed runs: the first closes the ports, two empty ones follow */
};

/* The one job: EAL keeps its address until the process exits. */
static struct intr_job intr_job;

static bool
port_closes_on_intr_thread(const struct sp_port *ap)
{
	struct rte_eth_dev_info info;

	return ap->configured && rte_eth_dev_info_get(ap->port_id, &info) == 0 &&
	       info.driver_name != NULL && strcmp(info.driver_name, "net_memif") == 0;
}

static void
intr_ports_stop_close(struct sp_ports *io)
{
	uint16_t i;

	for (i = 0; i < SP_MAX_PORTS; i++)
		if (port_closes_on_intr_thread(&io->ports[i]))
			port_stop_close(io, i);
}

static void
intr_job_run(void *arg)
{
	struct intr_job *job = arg;
	uint64_t n;

	if (read(rte_intr_fd_get(job->ih), &n, sizeof(n)) != (ssize_t)sizeof(n))
		return; /* not asked */
	if (__atomic_load_n(&job->runs, __ATOMIC_ACQUIRE) == 0)
		intr_ports_stop_close(job->io);
	__atomic_fetch_add(&job->runs, 1, __ATOMIC_RELEASE);
}

/* Ask the interrupt thread for one more run and wait for it, bounded. */
static int
intr_job_kick(struct intr_job *job)
{
	unsigned want = __atomic_load_n(&job->runs, __ATOMIC_ACQUIRE) + 1;
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * INTR_JOB_WAIT_MS / 1000;
	uint64_t one = 1;

	if (write(rte_intr_fd_get(job->ih), &one, sizeof(one)) != (ssize_t)sizeof(one))
		return -errno;
	while (__atomic_load_n(&job->runs, __ATOMIC_ACQUIRE) < want) {
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		rte_delay_us_sleep(1000);
	}
	return 0;
}

static int
intr_job_register(struct intr_job *job)
{
	int fd, ret;

	job->ih = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (job->ih == NULL)
		return -rte_errno;
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = rte_intr_fd_set(job->ih, fd);
	if (ret == 0)
		ret = rte_intr_type_set(job->ih, RTE_INTR_HANDLE_EXT);
	if (ret == 0)
		ret = rte_intr_callback_register(job->ih, intr_job_run, job);
	if (ret == 0)
		return 0;
	close(fd);
fail:
	rte_intr_instance_free(job->ih);
	job->ih = NULL;
	return ret;
}

/* Every net_memif port stopped and closed on the interrupt thread (see above). */
static void
intr_ports_close(struct sp_ports *io)
{
	struct intr_job *job = &intr_job;
	int ret;

	job->io = io;
	ret = intr_job_register(job);
	if (ret != 0) {
		SP_LOG(WARNING, app, "cannot close net_memif ports on the interrupt thread (%s)",
			strerror(-ret));
		intr_ports_stop_close(io);
		return;
	}
	ret = intr_job_kick(job);
	if (ret != 0) {
		/* Gone from EAL's list unless it runs right now: then it is the thread's. */
		if (rte_intr_callback_unregister(job->ih, intr_job_run, job) > 0) {
			SP_LOG(WARNING, app,
				"the interrupt thread did not close the net_memif ports (%s); "
				"closing them here",
				strerror(-ret));
			intr_ports_stop_close(io);
		} else {
			SP_LOG(ERR, app,
				"the interrupt thread is stuck closing the net_memif ports");
		}
		return;
	}
	ret = intr_job_kick(job);
	if (ret == 0)
		ret = intr_job_kick(job);
	if (ret != 0)
		SP_LOG(WARNING, app, "the interrupt thread did not come back after the close (%s)",
			strerror(-ret));
}

void
sp_ports_close(struct sp_ports *io)
{
	bool intr = false;
	uint16_t i;

	for (i = 0; i < SP_MAX_PORTS; i++) {
		if (port_closes_on_intr_thread(&io->ports[i]))
			intr = true;
		else
			port_stop_close(io, i);
	}
	if (intr)
		intr_ports_close(io);
}

void
sp_port_print_pmd_stats(const struct sp_ports *io, uint16_t idx, const char *indent, FILE *out)
{
	const struct sp_port *ap = &io->ports[idx];
	struct rte_eth_stats es;

	if (!ap->started || rte_eth_stats_get(ap->port_id, &es) != 0)
		return;
	/*
	 * imissed: frames the NIC dropped because the RX ring was full (the lcore too slow);
	 * rx_nombuf: RX mbuf allocation failures (the pool ran dry). Both are counted by the PMD,
	 * before spindle sees anything, so spindle's own counters cannot show them.
	 */
	fprintf(out,
		"%spmd: ipackets = %" PRIu64 ", ibytes = %" PRIu64 ", opackets = %" PRIu64
		", obytes = %" PRIu64 ", imissed = %" PRIu64 ", ierrors = %" PRIu64
		", oerrors = %" PRIu64 ", rx_nombuf = %" PRIu64,
		indent, es.ipackets, es.ibytes, es.opackets, es.obytes, es.imissed, es.ierrors,
		es.oerrors, es.rx_nombuf);
	if (ap->tx_linearize)
		fprintf(out, ", tx_linearize_failed = %" PRIu64,
			__atomic_load_n(&ap->tx_linearize_failed, __ATOMIC_RELAXED));
	fprintf(out, "\n");
}
