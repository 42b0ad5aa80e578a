/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

void sp_eth_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m) { rte_pktmbuf_free(m); }
void sp_eth_output(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct rte_ether_addr *dst, uint16_t et) { rte_pktmbuf_free(m); }
