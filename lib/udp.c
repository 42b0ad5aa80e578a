/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

void sp_udp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip) { rte_pktmbuf_free(m); }
int sp_udp_bind(struct sp_ctx *ctx, uint16_t port, sp_udp_recv_fn fn, void *arg) { return -ENOTSUP; }
void sp_udp_unbind(struct sp_ctx *ctx, uint16_t port) { }
int sp_udp_send(struct sp_ctx *ctx, uint32_t s, uint16_t sp, uint32_t d, uint16_t dp, const void *buf, size_t len) { return -ENOTSUP; }
