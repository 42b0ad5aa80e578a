/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

int sp_tcp_parse(const void *buf, size_t len, struct sp_tcp_hdr *out) { return SP_WIRE_TRUNC; }
int sp_tcp_build(void *buf, const struct sp_tcp_hdr *h) { return 0; }
int sp_tcp_opts_len(const struct sp_tcp_opts *o) { return 0; }
