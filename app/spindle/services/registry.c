/* SPDX-License-Identifier: BSD-3-Clause */
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
