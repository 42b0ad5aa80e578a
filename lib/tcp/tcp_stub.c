/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

int sp_tcp_init(struct sp_ctx *ctx) { return 0; }
void sp_tcp_fini(struct sp_ctx *ctx) { }
void sp_tcp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip) { rte_pktmbuf_free(m); }
void sp_tcp_icmp_error(struct sp_ctx *ctx, uint8_t type, uint8_t code, uint32_t rest, const void *q, size_t len) { }
int sp_tcp_listen(struct sp_ctx *ctx, const struct sp_listen_opts *o, struct sp_listener **out) { return -ENOTSUP; }
void sp_tcp_unlisten(struct sp_ctx *ctx, struct sp_listener *l) { }
int sp_tcp_connect(struct sp_ctx *ctx, const struct sp_connect_opts *o, struct sp_conn **out) { return -ENOTSUP; }
void sp_tcp_set_callbacks(struct sp_conn *c, const struct sp_tcp_callbacks *cb, void *arg) { }
void *sp_tcp_get_arg(const struct sp_conn *c) { return NULL; }
ssize_t sp_tcp_send(struct sp_conn *c, const void *buf, size_t len) { return -ENOTCONN; }
int sp_tcp_send_mbuf(struct sp_conn *c, struct rte_mbuf *m) { return -ENOTCONN; }
size_t sp_tcp_send_space(const struct sp_conn *c) { return 0; }
void sp_tcp_flush(struct sp_conn *c) { }
void sp_tcp_set_nodelay(struct sp_conn *c, bool on) { }
int sp_tcp_shutdown(struct sp_conn *c) { return -ENOTCONN; }
int sp_tcp_close(struct sp_conn *c) { return -ENOTCONN; }
void sp_tcp_abort(struct sp_conn *c) { }
void sp_tcp_get_info(const struct sp_conn *c, struct sp_tcp_info *info) { }
void sp_tcp_foreach(struct sp_ctx *ctx, void (*fn)(void *arg, const struct sp_conn *c), void *arg) { }
