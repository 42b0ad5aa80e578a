/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

int sp_ipv4_parse(const void *buf, size_t len, struct sp_ipv4 *out) { return SP_WIRE_TRUNC; }
void sp_ipv4_build(void *buf, const struct sp_ipv4 *ip, bool cksum) { }
bool sp_ipv4_cksum_ok(const void *buf, uint8_t ihl) { return false; }
int sp_icmp_parse(const void *buf, size_t len, struct sp_icmp *out) { return SP_WIRE_TRUNC; }
int sp_udp_parse(const void *buf, size_t avail, struct sp_udp *out) { return SP_WIRE_TRUNC; }
void sp_udp_build(void *buf, const struct sp_udp *u) { }
