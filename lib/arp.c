/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

void sp_arp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m) { rte_pktmbuf_free(m); }
int sp_arp_request(struct sp_ctx *ctx, uint16_t port, uint32_t tip) { return -ENOTSUP; }
void sp_arp_gratuitous(struct sp_ctx *ctx, uint16_t port) { }
