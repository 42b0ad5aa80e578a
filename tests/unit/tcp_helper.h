/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP segment builder/reader for the unit tests (header-only on top of sp_test.h): the test
 * plays the peer (T_PEER_IP), the stack is T_OUR_IP.
 */
#ifndef TCP_HELPER_H
#define TCP_HELPER_H

#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "sp_test.h"
#include "sp_api.h"
#include "wire/sp_wire.h"

#define T_SYN RTE_TCP_SYN_FLAG
#define T_ACK RTE_TCP_ACK_FLAG
#define T_FIN RTE_TCP_FIN_FLAG
#define T_RST RTE_TCP_RST_FLAG
#define T_PSH RTE_TCP_PSH_FLAG

/* Build and feed one segment from the peer. @o may be NULL (no options). */
static inline void
t_seg(struct sp_test_env *env, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	uint8_t flags, uint16_t win, const struct sp_tcp_opts *o, const void *data, size_t len)
{
	uint8_t buf[12 + 60 + 2048];
	struct sp_tcp_hdr h;
	uint16_t ck;
	int hl;

	memset(&h, 0, sizeof(h));
	h.sport = sport;
	h.dport = dport;
	h.seq = seq;
	h.ack = ack;
	h.flags = flags;
	h.win = win;
	if (o != NULL)
		h.opts = *o;
	hl = sp_tcp_build(buf + 12, &h);
	assert_true(len <= 2048);
	if (len > 0)
		memcpy(buf + 12 + hl, data, len);
	/* Pseudo-header (RFC 9293 3.1). */
	buf[0] = T_PEER_IP >> 24;
	buf[1] = (T_PEER_IP >> 16) & 0xff;
	buf[2] = (T_PEER_IP >> 8) & 0xff;
	buf[3] = T_PEER_IP & 0xff;
	buf[4] = T_OUR_IP >> 24;
	buf[5] = (T_OUR_IP >> 16) & 0xff;
	buf[6] = (T_OUR_IP >> 8) & 0xff;
	buf[7] = T_OUR_IP & 0xff;
	buf[8] = 0;
	buf[9] = IPPROTO_TCP;
	buf[10] = (uint8_t)((hl + len) >> 8);
	buf[11] = (uint8_t)((hl + len) & 0xff);
	ck = sp_test_cksum(buf, 12 + hl + len);
	memcpy(buf + 12 + 16, &ck, 2);
	sp_test_input(env, 0, sp_test_ipv4(T_PEER_IP, T_OUR_IP, IPPROTO_TCP, buf + 12, hl + len));
}

/* A segment the stack sent, parsed. */
struct t_out {
	struct sp_tcp_hdr h;
	uint8_t data[4096];
	size_t len;
	bool cksum_ok;
};

/* Pop the next captured frame as TCP. @return false if none. */
static inline bool
t_pop(struct sp_test_env *env, struct t_out *out)
{
	uint8_t frame[4200];
	struct rte_mbuf *m;
	struct sp_ipv4 ip;
	size_t n;

	sp_tx_flush(env->ctx); /* frames queued by direct API calls */
	m = sp_test_tx_pop(env, NULL);
	if (m == NULL)
		return false;
	n = sp_test_copy(m, frame, sizeof(frame));
	rte_pktmbuf_free(m);
	assert_true(n >= 14 + 20 + 20);
	assert_int_equal(sp_ipv4_parse(frame + 14, n - 14, &ip), 0);
	assert_int_equal(ip.proto, IPPROTO_TCP);
	assert_int_equal(sp_tcp_parse(frame + 14 + ip.ihl, ip.total_len - ip.ihl, &out->h), 0);
	out->len = ip.total_len - ip.ihl - out->h.doff;
	memcpy(out->data, frame + 14 + ip.ihl + out->h.doff, out->len);
	out->cksum_ok = rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)(frame + 14),
				frame + 14 + ip.ihl) == 0;
	return true;
}

/* Captured frames, after flushing what direct API calls queued. */
static inline unsigned
t_count(struct sp_test_env *env)
{
	sp_tx_flush(env->ctx);
	return sp_test_tx_count(env);
}

/* Pop and require one segment with exactly @flags (PSH ignored). */
static inline void
t_expect(struct sp_test_env *env, struct t_out *out, uint8_t flags)
{
	assert_true(t_pop(env, out));
	assert_true(out->cksum_ok);
	assert_int_equal(out->h.flags & ~T_PSH, flags);
}

#endif
