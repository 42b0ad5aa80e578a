/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

const char *sp_neigh_state_name(enum sp_neigh_state s) { return "?"; }
struct sp_neigh_table *sp_neigh_create(struct sp_ctx *ctx, unsigned capacity) { static int x; return (struct sp_neigh_table *)&x; }
void sp_neigh_free(struct sp_neigh_table *t) { }
int sp_neigh_output(struct sp_ctx *ctx, uint16_t port, uint32_t nh, uint32_t dst, struct rte_mbuf *m) { rte_pktmbuf_free(m); return -ENXIO; }
void sp_neigh_learn(struct sp_ctx *ctx, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac) { }
int sp_neigh_confirm(struct sp_ctx *ctx, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac, bool create) { return -ENOENT; }
void sp_neigh_drain(struct sp_ctx *ctx) { }
void sp_neigh_foreach(struct sp_ctx *ctx, void (*fn)(void *, uint16_t, uint32_t, const struct rte_ether_addr *, enum sp_neigh_state), void *arg) { }
