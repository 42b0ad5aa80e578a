/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [service.NAME] sections. The library keeps them as raw key = value pairs, each with the line it
 * came from (struct sp_service_section); here each section is read with the keys every service
 * has (type, address, port, cc) and those its type declares (sp_service_ops.keys), through the
 * library's own key-table engine, so values are checked and messages worded as for the
 * library's sections: "SRC: [service.NAME] key: what is wrong", SRC being the file or "--set".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_common.h>

#include "service.h"

#define SVC_TYPES_LEN 128

/* Keys of every service, in struct sp_service_cfg ("type" is read first, by sp_service_parse). */
static const struct sp_config_key common_keys[] = {
	SP_CONFIG_KEY(struct sp_service_cfg, "address", ip, SP_KEY_IPV4, 0),
	SP_CONFIG_KEY_UINT(struct sp_service_cfg, "port", port, 1, 65535),
	SP_CONFIG_KEY(struct sp_service_cfg, "cc", cc, SP_KEY_CC, SP_KEY_EMPTY),
};

int
sp_service_fail(char *err, size_t errlen, const char *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sp_config_vfail(err, errlen, src, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Where an entry came from, for its messages: an override, else the configuration's file. */
static const char *
kv_src(const struct sp_config *cfg, const struct sp_config_kv *kv)
{
	if (kv->line == 0)
		return "--set";
	return cfg != NULL ? cfg->source : NULL;
}

static int
is_common_key(const char *key)
{
	unsigned i;

	for (i = 0; i < RTE_DIM(common_keys); i++)
		if (strcmp(common_keys[i].name, key) == 0)
			return 1;
	return 0;
}

/* Defaults of the section's type, then every key but type in order. */
static int
read_keys(const struct sp_config *cfg, const struct sp_service_section *sec, bool partial,
	struct sp_service_cfg *out, char *err, size_t errlen)
{
	const struct sp_config_kv *type = NULL;
	const struct sp_service_ops *ops;
	char secname[SP_NAME_LEN + 8], types[SVC_TYPES_LEN];
	unsigned i;
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", sec->name);
	snprintf(secname, sizeof(secname), "service.%s", sec->name);
	sp_service_types(types, sizeof(types));
	for (i = 0; i < sec->n_keys; i++)
		if (strcmp(sec->keys[i].key, "type") == 0)
			type = &sec->keys[i];
	/* A section named after a type is that type ([service.echo]); others need type =. */
	ops = sp_service_find(type != NULL ? type->value : sec->name);
	if (type != NULL && type->value[0] == '\0')
		return sp_service_fail(
			err, errlen, kv_src(cfg, type), "[%s] type: empty value", secname);
	if (type != NULL && ops == NULL)
		return sp_service_fail(err, errlen, kv_src(cfg, type),
			"[%s] type: '%s' is not a service type (%s)", secname, type->value, types);
	if (ops == NULL && !partial)
		return sp_service_fail(err, errlen, cfg != NULL ? cfg->source : NULL,
			"[%s] type: missing ('%s' is not a service type, so set type = %s)",
			secname, sec->name, types);
	out->ops = ops;
	if (ops != NULL) {
		out->port = ops->default_port;
		if (ops->defaults != NULL)
			ops->defaults(out->own.opts);
	}
	for (i = 0; i < sec->n_keys; i++) {
		const struct sp_config_kv *kv = &sec->keys[i];

		if (kv == type)
			continue;
		if (is_common_key(kv->key))
			ret = sp_config_apply_key(common_keys, RTE_DIM(common_keys), out,
				kv_src(cfg, kv), secname, kv->key, kv->value, err, errlen);
		else if (ops != NULL)
			ret = sp_config_apply_key(ops->keys, ops->n_keys, out->own.opts,
				kv_src(cfg, kv), secname, kv->key, kv->value, err, errlen);
		else
			continue; /* no type yet (--set): read once a later override gives it */
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* A section's checks once its keys are read: a server's port and address, the type's own. */
static int
check(const struct sp_config *cfg, const struct sp_service_cfg *s, bool partial, char *err,
	size_t errlen)
{
	const char *src = cfg != NULL ? cfg->source : NULL;
	char ipb[INET_ADDRSTRLEN];

	if (s->ops == NULL)
		return 0;
	if (!s->ops->client) {
		if (s->port == 0)
			return sp_service_fail(
				err, errlen, src, "[service.%s] port: missing", s->name);
		if (cfg != NULL && s->ip != 0 && !sp_config_has_address(cfg, s->ip)) {
			snprintf(ipb, sizeof(ipb), "%u.%u.%u.%u", s->ip >> 24, (s->ip >> 16) & 0xff,
				(s->ip >> 8) & 0xff, s->ip & 0xff);
			return sp_service_fail(err, errlen, src,
				"[service.%s] address: %s is not an address of any port", s->name,
				ipb);
		}
	}
	if (s->ops->validate != NULL) {
		int ret = s->ops->validate(s, partial, src, err, errlen);

		if (ret != 0)
			return ret;
	}
	if (s->ops->validate_config != NULL && cfg != NULL && !partial)
		return s->ops->validate_config(cfg, s, src, err, errlen);
	return 0;
}

int
sp_service_parse(const struct sp_config *cfg, const struct sp_service_section *sec, bool partial,
	struct sp_service_cfg *out, char *err, size_t errlen)
{
	int ret = read_keys(cfg, sec, partial, out, err, errlen);

	return ret != 0 ? ret : check(cfg, out, partial, err, errlen);
}

/* Two servers on one port, unless both listen on different addresses. */
static int
check_ports(const struct sp_config *cfg, const struct sp_service_cfg *svc, unsigned i, char *err,
	size_t errlen)
{
	const struct sp_service_cfg *s = &svc[i];
	unsigned j;

	if (s->ops == NULL || s->ops->client)
		return 0;
	for (j = 0; j < i; j++) {
		const struct sp_service_cfg *o = &svc[j];

		if (o->ops == NULL || o->ops->client || o->port != s->port)
			continue;
		if (o->ip == 0 || s->ip == 0 || o->ip == s->ip)
			return sp_service_fail(err, errlen, cfg->source,
				"[service.%s] port: %u is already used by [service.%s]", s->name,
				s->port, o->name);
	}
	return 0;
}

int
sp_services_parse(const struct sp_config *cfg, bool partial, const char *after,
	struct sp_service_cfg *out, char *err, size_t errlen)
{
	unsigned i;
	int ret = 0;

	for (i = 0; i < cfg->n_services && i < SP_MAX_SERVICES; i++) {
		ret = read_keys(cfg, &cfg->services[i], partial, &out[i], err, errlen);
		if (ret != 0)
			return ret; /* a value: the message names it and where it came from */
		ret = check(cfg, &out[i], partial, err, errlen);
		if (ret == 0)
			ret = check_ports(cfg, out, i, err, errlen);
		if (ret != 0)
			break;
	}
	if (ret != 0 && after != NULL && err != NULL && errlen > 0) {
		size_t l = strnlen(err, errlen);

		snprintf(err + l, errlen - l, " (after --set %s)", after);
	}
	return ret;
}
