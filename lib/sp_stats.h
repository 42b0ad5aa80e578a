/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Named counters. Every drop has one (a user asking "why did my packet vanish" reads these).
 * Each lcore owns one struct sp_stats per port and is the only writer; readers (telemetry, the
 * exit report) sum across lcores without locks: a torn read is impossible for an aligned
 * uint64_t on the platforms DPDK supports.
 *
 * Lists are X-macros, one per module; each module's owner adds its counters to its own list.
 * X(name, "help text")
 */
#ifndef SP_STATS_H
#define SP_STATS_H

#include <stdint.h>
#include <rte_common.h>

#include "sp_export.h"

struct sp_ctx;
struct sp_stack;

/* ---- port / lcore loop (sp_stack.c, app) ---- */
#define SP_PORT_STATS(X)                                                   \
	X(rx_pkts, "frames received from the PMD")                         \
	X(rx_bytes, "bytes received from the PMD")                         \
	X(tx_pkts, "frames handed to the PMD")                             \
	X(tx_bytes, "bytes handed to the PMD")                             \
	X(tx_dropped, "frames dropped: the TX ring stayed full a whole batch")    \
	X(tx_nombuf, "no mbuf to build an outgoing packet")                \
	X(tx_stall_drops, "head of the TX batch refused for SP_TX_STALL_MS: dropped") \
	X(rx_polls, "RX bursts polled")                                    \
	X(rx_empty_polls, "RX bursts that returned nothing")

/* ---- Ethernet (eth.c) ---- */
#define SP_ETH_STATS(X)                                                         \
	X(eth_runt, "frame shorter than an Ethernet header")                    \
	X(eth_not_for_us, "destination MAC neither ours nor broadcast")         \
	X(eth_multicast, "multicast destination, not handled")                  \
	X(eth_bad_src, "source MAC multicast/broadcast/zero")                   \
	X(eth_unknown_type, "EtherType not IPv4/ARP")                           \
	X(eth_vlan, "VLAN-tagged frame (no VLAN configured)")                   \
	X(eth_arp_off, "ARP frame dropped because ARP is off on this port")     \
	X(eth_hdr_split, "Ethernet header not contiguous in the first segment") \
	X(eth_tx_no_headroom, "outgoing packet without headroom for the Ethernet header; dropped")

/* ---- ARP (arp.c) and neighbours (neigh.c) ---- */
#define SP_ARP_STATS(X)                                                                          \
	X(arp_rx_requests, "ARP requests received")                                              \
	X(arp_rx_replies, "ARP replies received")                                                \
	X(arp_tx_requests, "ARP requests sent")                                                  \
	X(arp_tx_replies, "ARP replies sent")                                                    \
	X(arp_tx_gratuitous, "gratuitous ARPs sent")                                             \
	X(arp_bad_len, "ARP frame too short")                                                    \
	X(arp_bad_hw, "ARP hardware type/length not Ethernet")                                   \
	X(arp_bad_proto, "ARP protocol type/length not IPv4")                                    \
	X(arp_bad_op, "ARP opcode neither request nor reply")                                    \
	X(arp_bad_sender, "ARP sender address broadcast/multicast/zero/ours")                    \
	X(arp_not_for_us, "ARP target is not one of our addresses")                              \
	X(arp_unsolicited, "ARP reply for a neighbour we did not ask about (ignored)")           \
	X(arp_rate_limited, "ARP request suppressed by the per-neighbour rate limit")            \
	X(no_neigh, "no MAC for the next hop (ARP off: no static/learned/gateway MAC); dropped") \
	X(neigh_pending_full, "unresolved neighbour's pending queue full; dropped")              \
	X(neigh_table_full, "neighbour table full")                                              \
	X(neigh_evicted, "idle learned/stale entries removed to make room in a full table")   \
	X(neigh_resolve_failed, "packets dropped when resolution timed out")                     \
	X(neigh_learned, "neighbour entries learned from received IPv4 frames")                  \
	X(neigh_learned_expired, "learned entries removed: peer silent for their lifetime")      \
	X(neigh_learn_locked, "frames with another MAC for a learned peer heard from recently")  \
	X(arp_probe_rx, "ARP probes (sender IP 0, RFC 5227) for our address answered")           \
	X(neigh_msg_lost, "neighbour update not delivered to another lcore (its ring full)")

/* ---- IPv4 (ipv4.c, route.c, frag.c) ---- */
#define SP_IPV4_STATS(X)                                                                           \
	X(ip_in_receives, "IPv4 datagrams received")                                               \
	X(ip_in_delivers, "IPv4 datagrams delivered to ICMP/UDP/TCP")                              \
	X(ip_out_requests, "IPv4 datagrams sent")                                                  \
	X(ip_forwarded, "IPv4 datagrams forwarded")                                                \
	X(ip_runt, "shorter than the minimum IPv4 header")                                         \
	X(ip_bad_version, "version field not 4")                                                   \
	X(ip_bad_ihl, "IHL below 5 or beyond the frame")                                           \
	X(ip_bad_len, "total length below IHL or beyond the frame")                                \
	X(ip_bad_cksum, "header checksum wrong")                                                   \
	X(ip_bad_options, "malformed IPv4 options")                                                \
	X(ip_martian_src, "source address martian (0/8, 127/8, multicast, broadcast, ours)")       \
	X(ip_not_for_us, "destination not ours and forwarding off")                                \
	X(ip_ttl_exceeded, "TTL expired while forwarding")                                         \
	X(ip_no_route, "no route to the destination")                                              \
	X(ip_unknown_proto, "protocol not ICMP/UDP/TCP (protocol unreachable sent)")               \
	X(ip_df_too_big, "needs fragmentation but DF set (frag needed sent)")                      \
	X(ip_frag_in, "fragments received")                                                        \
	X(ip_reasm_ok, "datagrams reassembled")                                                    \
	X(ip_reasm_fails, "reassembly failures (overlap, bad fragment, table full, timeout)")      \
	X(ip_frag_bad, "fragment with bad offset/length (e.g. beyond 65535, tiny)")                \
	X(ip_frag_out, "fragments created")                                                        \
	X(ip_frag_fails, "datagrams we failed to fragment")                                        \
	X(ip_frag_dup, "exact duplicate fragment ignored")                                         \
	X(ip_frag_discarded, "fragment of a datagram already discarded for an overlap (RFC 5722)") \
	X(ip_martian_dst, "destination 0/8 or 127/8 (never delivered nor forwarded)")              \
	X(ip_src_routed, "source-routed (LSRR/SSRR) datagram, dropped (RFC 7126 4.3-4.4)")         \
	X(ip_in_multicast, "multicast destination (no group joined), dropped")                     \
	X(ip_bcast_tcp, "TCP to a broadcast address, dropped (RFC 1122 4.2.3.10)")                 \
	X(ip_l2_bcast_unicast, "unicast datagram sent as a link-layer broadcast (RFC 1122 3.3.6)") \
	X(ip_hdr_split, "header not contiguous in the first segment")                              \
	X(ip_out_errors, "outgoing datagram malformed (L4 header not in the first segment)")

/* ---- ICMP (icmp.c) ---- */
#define SP_ICMP_STATS(X)                                                                          \
	X(icmp_in_msgs, "ICMP messages received")                                                 \
	X(icmp_in_echos, "echo requests received")                                                \
	X(icmp_out_echo_reps, "echo replies sent")                                                \
	X(icmp_in_errors, "ICMP errors received (delivered to TCP/UDP)")                          \
	X(icmp_bad_len, "ICMP message too short")                                                 \
	X(icmp_bad_cksum, "ICMP checksum wrong")                                                  \
	X(icmp_unhandled_type, "ICMP type not handled")                                           \
	X(icmp_out_errors, "ICMP errors sent")                                                    \
	X(icmp_rate_limited, "ICMP errors suppressed by the token bucket")                        \
	X(icmp_err_suppressed, "ICMP error not sent (about an error, broadcast, non-first frag)") \
	X(icmp_bcast_echo, "echo request to broadcast ignored")                                   \
	X(icmp_in_timestamps, "timestamp requests received")                                      \
	X(icmp_out_timestamp_reps, "timestamp replies sent")                                      \
	X(icmp_bcast_timestamp, "timestamp request to broadcast ignored")                         \
	X(icmp_in_echo_reps, "echo replies received (we send no echo requests; dropped)")         \
	X(icmp_bad_quote, "ICMP error quoting a datagram we did not send, or too short")          \
	X(icmp_pmtu_lowered, "fragmentation needed that lowered a TCP connection's MSS (RFC 1191)") \
	X(icmp_pmtu_clamped, "fragmentation needed reporting an MTU below tcp.min_pmtu (raised to it)")

/* ---- UDP (udp.c) ---- */
#define SP_UDP_STATS(X)                                                           \
	X(udp_in_datagrams, "UDP datagrams delivered")                            \
	X(udp_no_ports, "UDP to a port with no listener (port unreachable sent)") \
	X(udp_bad_len, "UDP length field inconsistent")                           \
	X(udp_bad_cksum, "UDP checksum wrong")                                    \
	X(udp_out_datagrams, "UDP datagrams sent")

/* ---- TCP (tcp/), names follow the kernel's SNMP/netstat counters ---- */
#define SP_TCP_STATS(X)                                                                  \
	X(ActiveOpens, "connections that went SYN-SENT")                                 \
	X(PassiveOpens, "connections that went SYN-RECEIVED from LISTEN")                \
	X(AttemptFails, "failed connection attempts")                                    \
	X(EstabResets, "resets from ESTABLISHED or CLOSE-WAIT")                          \
	X(CurrEstab, "connections in ESTABLISHED or CLOSE-WAIT (gauge, per lcore)")      \
	X(InSegs, "segments received")                                                   \
	X(OutSegs, "segments sent")                                                      \
	X(RetransSegs, "segments retransmitted")                                         \
	X(InErrs, "segments dropped: bad checksum, bad offset, truncated")               \
	X(OutRsts, "RSTs sent")                                                          \
	X(InRsts, "RSTs received")                                                       \
	X(InCsumErrors, "bad TCP checksum")                                              \
	X(SyncookiesSent, "SYN cookies sent")                                            \
	X(SyncookiesRecv, "valid SYN cookies received")                                  \
	X(SyncookiesFailed, "invalid SYN cookies received")                              \
	X(ListenOverflows, "accept backlog full")                                        \
	X(ListenDrops, "SYNs dropped at a listener")                                     \
	X(TCPChallengeACK, "challenge ACKs sent (RFC 5961)")                             \
	X(TCPChallengeACKLimited, "challenge ACKs suppressed by the limit")              \
	X(TCPSYNChallenge, "SYNs in a synchronised state answered with a challenge ACK") \
	X(PAWSDrops, "segments dropped by PAWS (RFC 7323)")                              \
	X(TCPAbortOnTimeout, "connections aborted after max retries")                    \
	X(TCPAbortOnOrphanProbe, "closed connections aborted: window kept shut (orphan_retries)") \
	X(TCPAbortOnMemory, "connections aborted for lack of mbufs/memory")              \
	X(TCPFastRetrans, "fast retransmits")                                            \
	X(TCPSackRecovery, "SACK-based recoveries entered")                              \
	X(TCPRenoRecovery, "NewReno recoveries entered")                                 \
	X(TCPTimeouts, "retransmission timeouts")                                        \
	X(TCPSpuriousRTOs, "timeouts undone: the timestamp echo shows the original arrived (RFC 3522)") \
	X(TCPLossProbes, "tail loss probes sent (RFC 8985 7)")                           \
	X(TCPLostRetransmit, "retransmissions lost again, resent before the RTO")        \
	X(TCPLossProbeRecovery, "losses repaired by a tail loss probe")                  \
	X(tcp_recovery_probes, "probes sent in SACK recovery after a PTO of peer silence") \
	X(TCPSACKReorder, "reordering seen: data sent once delivered below SACKed data") \
	X(tcp_reorder_capped, "reordering degrees beyond tcp.max_reordering, capped") \
	X(TCPDSACKRecv, "D-SACKs received (RFC 2883)")                                  \
	X(TCPSACKDiscard, "SACK blocks ignored: reversed, beyond SND.MAX or below SND.UNA") \
	X(TCPDSACKUndo, "recoveries undone: every retransmission D-SACKed (RFC 3708)")  \
	X(tcp_ts_undo, "recoveries undone: the timestamp echo shows the original arrived (RFC 3522)") \
	X(TCPOFOQueue, "segments queued out of order")                                   \
	X(TCPOFODrop, "out-of-order segments dropped (queue full)")                      \
	X(TCPDataAfterFin, "out-of-order segments beyond the peer's FIN, dropped")       \
	X(TCPDelayedACKs, "delayed ACKs sent by the timer")                              \
	X(TCPWinProbe, "zero-window probes sent")                                        \
	X(TCPKeepAlive, "keepalive probes sent")                                         \
	X(tcp_idle_restarts, "cwnd to the restart window after an idle RTO (RFC 5681 4.1)") \
	X(TCPTimeWaitReuse, "TIME-WAIT connections reused by a new SYN")                 \
	X(TCPTimeWaitReuseActive, "own TIME-WAIT tuples reused by a connect (timestamps, >= 1 s)") \
	X(TCPTimeWaitEntered, "connections moved to the compact TIME-WAIT table")        \
	X(TCPTimeWaitRecycled, "TIME-WAIT entries ended early: table full (oldest)")     \
	X(TCPTimeWaitExpired, "TIME-WAIT entries that lasted tcp.time_wait_ms")          \
	X(CurrTimeWait, "connections in TIME-WAIT (gauge, per lcore)")                   \
	X(TCPMaxConnDrops, "SYNs/connects refused: max_connections reached")             \
	X(TCPNoListener, "segments for no connection or listener (RST sent)")            \
	X(TCPOutOfWindow, "segments outside the receive window")                         \
	X(TCPAckSkippedSeq, "out-of-window pure ACKs not answered (invalid_ratelimit_ms)") \
	X(TCPAckSkippedPAWS, "PAWS-rejected pure ACKs not answered (invalid_ratelimit_ms)") \
	X(TCPAckSkippedSynRecv, "SYNs again in SYN-RECEIVED not answered (invalid_ratelimit_ms)") \
	X(TCPBadAck, "ACKs for data not yet sent")                                       \
	X(tcp_bad_ack_skipped, "pure ACKs of unsent data not answered (invalid_ratelimit_ms)") \
	X(OutOfWindowIcmps, "ICMP errors quoting a sequence number not in flight (RFC 5927)") \
	X(TCPBadOptions, "malformed TCP options")                                        \
	X(tcp_wscale_clamped, "window scale shifts above 14 received, used as 14 (RFC 7323)") \
	X(TCPNoAckDrops, "segments without ACK in a synchronised state, dropped")        \
	X(TCPListenRstDrops, "RSTs to a listener, ignored")                              \
	X(TCPListenNoSynDrops, "segments to a listener without SYN/ACK/RST, dropped")    \
	X(TCPSynFinDrops, "SYN+FIN to a listener, dropped (as Linux)")                  \
	X(TCPSynSentNoSynDrops, "segments without SYN or RST in SYN-SENT, dropped")      \
	X(TCPRstIgnored, "RSTs out of window, or in SYN-SENT without a good ACK")        \
	X(TCPBadAckRst, "bad ACK in LISTEN, SYN-SENT or SYN-RECEIVED: RST sent")         \
	X(TCPMemoryPressures, "times this lcore's connections reached tcp.mem_pressure") \
	X(TCPMemoryRefused, "buffer growth refused by the memory marks")                 \
	X(TCPSndSegsLimit, "sends refused: send buffer at its mbuf bound")               \
	X(TCPSndNoMbuf, "sends cut short: mbuf pool empty")                              \
	X(tcp_cork_lost, "closed/shut-down sockets' held bytes (TCP_CORK) lost: conn ended") \
	X(PruneCalled, "out-of-order queues pruned to make room")                        \
	X(OfoPruned, "out-of-order segments dropped by pruning")                         \
	X(TCPRcvCollapsed, "tiny out-of-order segments copied into a shared pack mbuf")  \
	X(TCPOFOMerge, "out-of-order segments merged into the entry before them")        \
	X(TCPRcvQNoMbuf, "in-order delivery of packed data postponed: no mbuf")          \
	X(tcp_tso_sends, "TSO segments handed to the PMD (several pieces each)")         \
	X(tcp_tso_segs, "pieces the PMD cuts those TSO segments into")                   \
	X(tcp_tso_fallback, "TSO not taken (payload split at an odd offset): one MSS")   \
	X(tcp_gro_merged, "received segments chained to the one before (software GRO)")  \
	X(tcp_gro_flushes, "merged segments (2 or more received ones) handed to TCP")    \
	X(tcp_lro_segs, "received segments the PMD's LRO had merged (from tso_segsz)")   \
	X(TCPSndBufExpand, "send buffers grown by autotuning (tcp.sndbuf_max)")          \
	X(TCPRcvBufExpand, "receive buffers grown by autotuning (tcp.rcvbuf_max)")       \
	X(TCPBufTuneMemLimited, "buffer growth skipped: TCP memory at its low mark")

/* ---- several worker lcores: software steering to the owner lcore (tcp/tcp_steer.c) ---- */
#define SP_STEER_STATS(X)                                                                         \
	X(steer_out, "TCP segments for another lcore's connection, handed to its ring")           \
	X(steer_in, "TCP segments received from another lcore's steering and processed here")     \
	X(steer_ring_full, "segments/errors/datagrams dropped: the owner lcore's ring was full")  \
	X(steer_icmp_out, "ICMP errors about another lcore's TCP connection, handed to its ring") \
	X(steer_icmp_in, "ICMP errors received from another lcore's steering and processed here") \
	X(steer_udp_out,                                                                          \
		"UDP datagrams for a port bound on another lcore only, handed to its ring")       \
	X(steer_udp_in, "UDP datagrams received from another lcore's steering and delivered here")

/* ---- fault injection (impair, per port) ---- */
#define SP_IMPAIR_STATS(X)                                                \
	X(impair_dropped, "frames dropped by the impairment layer")       \
	X(impair_duplicated, "frames duplicated by the impairment layer") \
	X(impair_reordered, "frames reordered by the impairment layer")   \
	X(impair_corrupted, "frames corrupted by the impairment layer")   \
	X(impair_delayed, "frames delayed by the impairment layer")       \
	X(impair_overflow, "frames freed because the impairment hold queue was full")

#define SP_ALL_STATS(X)   \
	SP_PORT_STATS(X)  \
	SP_ETH_STATS(X)   \
	SP_ARP_STATS(X)   \
	SP_IPV4_STATS(X)  \
	SP_ICMP_STATS(X)  \
	SP_UDP_STATS(X)   \
	SP_TCP_STATS(X)   \
	SP_STEER_STATS(X) \
	SP_IMPAIR_STATS(X)

#define SP_STATS_FIELD(name, help) uint64_t name;

/** Counters of one port on one lcore. */
struct sp_stats {
	SP_ALL_STATS(SP_STATS_FIELD)
} __rte_cache_aligned;

#define SP_STATS_COUNT (sizeof(struct sp_stats) / sizeof(uint64_t))

SP_EXPORT_BEGIN

/** Names and help texts, in field order. */
extern const char *const sp_stats_names[];
extern const char *const sp_stats_help[];
/** Number of named counters (the fields of struct sp_stats). */
extern const unsigned sp_stats_n;

/** Add every counter of @p src into @p dst. */
void sp_stats_add(struct sp_stats *dst, const struct sp_stats *src);

/**
 * Sum the counters of every worker for stack port @p port (or every port with -1) into @p out.
 * Any thread: each counter is written by one lcore only and read without locks.
 */
void sp_stats_sum(const struct sp_stack *st, int port, struct sp_stats *out);

/**
 * The live counters of stack port @p port on one worker's context (NULL when @p port >=
 * SP_MAX_PORTS; a port not attached reads zero). Read-only: only the library writes them, on the ctx's lcore; another thread may
 * read a value one update old.
 */
const struct sp_stats *sp_stats_ctx(const struct sp_ctx *ctx, uint16_t port);

SP_EXPORT_END

#endif
