/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

void sp_icmp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip) { rte_pktmbuf_free(m); }
int sp_icmp_send_error(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *orig, const struct sp_ipv4 *ip, uint8_t type, uint8_t code, uint32_t rest) { return -ENOTSUP; }
