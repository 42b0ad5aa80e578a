/* SPDX-License-Identifier: BSD-3-Clause */
/* One rte_log type per module, registered at load time (RTE_LOG_REGISTER_SUFFIX). */
#include <rte_log.h>

#include "sp_log.h"

RTE_LOG_REGISTER_SUFFIX(sp_logtype_stack, stack, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_eth, eth, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_arp, arp, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_neigh, neigh, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_ipv4, ipv4, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_route, route, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_frag, frag, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_icmp, icmp, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_udp, udp, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_tcp, tcp, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_api, api, NOTICE);
RTE_LOG_REGISTER_SUFFIX(sp_logtype_app, app, NOTICE);
