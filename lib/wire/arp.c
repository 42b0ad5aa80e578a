/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

int sp_arp_parse(const void *buf, size_t len, struct sp_arp *out) { return SP_WIRE_TRUNC; }
void sp_arp_build(void *buf, const struct sp_arp *a) { }
