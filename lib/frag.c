/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

int sp_frag_init(struct sp_ctx *ctx) { return 0; }
void sp_frag_fini(struct sp_ctx *ctx) { }
struct rte_mbuf *sp_frag_reassemble(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip) { rte_pktmbuf_free(m); return NULL; }
void sp_frag_expire(struct sp_ctx *ctx) { }
int sp_frag_fragment(struct sp_ctx *ctx, struct rte_mbuf *m, uint16_t mtu, struct rte_mbuf **out, unsigned max_out) { rte_pktmbuf_free(m); return -ENOTSUP; }
