/* SPDX-License-Identifier: BSD-3-Clause */
/* STUB: to be replaced by the owner of this file. */
#include <errno.h>
#include <rte_mbuf.h>
#include "sp_proto.h"
#include "sp_api.h"
#include "spindle.h"

#include <string.h>
#include <stdio.h>

void sp_config_defaults(struct sp_config *cfg) { memset(cfg, 0, sizeof(*cfg)); }
int sp_config_load(const char *path, struct sp_config *cfg, char *err, size_t errlen) { snprintf(err, errlen, "not implemented"); return -ENOTSUP; }
int sp_config_parse_string(const char *text, const char *name, struct sp_config *cfg, char *err, size_t errlen) { snprintf(err, errlen, "not implemented"); return -ENOTSUP; }
int sp_config_override(struct sp_config *cfg, const char *a, char *err, size_t errlen) { return -ENOTSUP; }
int sp_config_validate(const struct sp_config *cfg, char *err, size_t errlen) { return 0; }
int sp_parse_ipv4(const char *s, uint32_t *ip) { return -EINVAL; }
int sp_parse_cidr(const char *s, uint32_t *ip, uint8_t *plen) { return -EINVAL; }
int sp_parse_mac(const char *s, struct rte_ether_addr *mac) { return -EINVAL; }
