/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

void sp_ipv4_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m) { rte_pktmbuf_free(m); }
int sp_ipv4_output(struct sp_ctx *ctx, struct rte_mbuf *m, const struct sp_ipv4_out *o) { rte_pktmbuf_free(m); return -EHOSTUNREACH; }
