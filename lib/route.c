/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

int sp_route_build(struct sp_stack *st) { return 0; }
void sp_route_free(struct sp_stack *st) { }
int sp_route_lookup(const struct sp_stack *st, uint32_t dst, struct sp_nexthop *nh) { return -EHOSTUNREACH; }
