/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * rte_log types, one per module: spindle.eth, spindle.arp, spindle.neigh, spindle.ipv4,
 * spindle.route, spindle.frag, spindle.icmp, spindle.udp, spindle.tcp, spindle.api,
 * spindle.stack, spindle.app. Change a level at run time with EAL's --log-level=spindle.tcp:debug.
 */
#ifndef SP_LOG_H
#define SP_LOG_H

#include <rte_log.h>

#include "sp_export.h"

SP_EXPORT_BEGIN

extern int sp_logtype_stack;
extern int sp_logtype_eth;
extern int sp_logtype_arp;
extern int sp_logtype_neigh;
extern int sp_logtype_ipv4;
extern int sp_logtype_route;
extern int sp_logtype_frag;
extern int sp_logtype_icmp;
extern int sp_logtype_udp;
extern int sp_logtype_tcp;
extern int sp_logtype_api;
extern int sp_logtype_app;

/** SP_LOG(ERR, TCP, "fmt", ...) logs through type sp_logtype_tcp. */
#define SP_LOG(level, mod, fmt, ...) \
	rte_log(RTE_LOG_##level, sp_logtype_##mod, "spindle.%s: " fmt "\n", #mod, ##__VA_ARGS__)

SP_EXPORT_END

#endif
