/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one list of the program's service types: [service.NAME] sections are read by them
 * (svc_config.c), lcore.c starts them. Each type's default port is in its sp_service_ops.
 */
#include <stdio.h>
#include <string.h>
#include "service.h"

static const struct sp_service_ops *const services[] = {
	&sp_service_echo,
	&sp_service_discard,
	&sp_service_chargen,
	&sp_service_http,
	&sp_service_fetch,
	&sp_service_loadgen,
};

const struct sp_service_ops *
sp_service_find(const char *type)
{
	unsigned i;

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (strcmp(services[i]->type, type) == 0)
			return services[i];
	return NULL;
}

void
sp_service_types(char *buf, size_t len)
{
	size_t off = 0;
	unsigned i;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(services) / sizeof(services[0]) && off < len; i++)
		off += (size_t)snprintf(
			buf + off, len - off, "%s%s", i > 0 ? "|" : "", services[i]->type);
}
