/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The INI configuration: rte_cfgfile reads the file into sections and entries, this file turns
 * every entry into a field of struct sp_config through one table per section kind, then
 * cross-checks the whole (sp_config_validate). A [service.NAME] section belongs to the program:
 * its entries are kept as raw key/value pairs with their line (struct sp_service_section), and
 * the program reads them with its own key tables (sp_config_apply_key). Every failure returns -EINVAL (or -errno of the
 * open) with a message "SOURCE: [section] key: what is wrong", so a user can fix the line without
 * reading the code. Nothing here needs EAL.
 *
 * rte_cfgfile quirks this file compensates for (DPDK 22.11 lib/cfgfile):
 *  - a line that is neither "[section]" nor contains '=' is silently skipped, so "mtu 1500"
 *    would vanish; values longer than CFG_VALUE_LEN-1 are silently truncated; and a failed load
 *    only says NULL. lint_file() checks those line-level rules first, with line numbers.
 *  - an entry repeated in a section is kept twice: list keys append, other keys are refused.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>

#include <rte_cfgfile.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_string_fns.h>

#include "sp_config.h"
#include "sp_ctx.h"
#include "sp_wire.h"

/* Longest line rte_cfgfile_load() accepts (322): its fgets buffer is CFG_NAME_LEN + CFG_VALUE_LEN + 4. */
#define LINE_MAX_CHARS	(CFG_NAME_LEN + CFG_VALUE_LEN + 2)
#define OVERRIDE_SOURCE "--set"

/* ------------------------------------------------------------------------------------------ */
/* Messages */

int
sp_config_vfail(char *err, size_t errlen, const char *src, const char *fmt, va_list ap)
{
	int n;

	if (err == NULL || errlen == 0)
		return -EINVAL;
	n = snprintf(err, errlen, "%s: ", src != NULL && src[0] != '\0' ? src : "config");
	if (n < 0)
		n = 0;
	if ((size_t)n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	return -EINVAL;
}

static int fail(char *err, size_t errlen, const char *src, const char *fmt, ...)
	__rte_format_printf(4, 5);

static int
fail(char *err, size_t errlen, const char *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sp_config_vfail(err, errlen, src, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ------------------------------------------------------------------------------------------ */
/* Value parsers (public ones are in sp_config.h) */

int
sp_parse_ipv4(const char *s, uint32_t *ip)
{
	struct in_addr a;

	/* inet_pton accepts only the strict dotted quad: no "1.2.3", no octal, no spaces. */
	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	/* Decimal digits only: strtoull would accept a sign, spaces and wrap "-1". */
	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*v = x;
	return 0;
}

int
sp_parse_cidr(const char *s, uint32_t *ip, uint8_t *plen)
{
	char buf[32];
	char *slash;
	uint64_t len;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strlcpy(buf, s, sizeof(buf));
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -EINVAL;
	*slash = '\0';
	if (sp_parse_ipv4(buf, ip) != 0 || parse_u64(slash + 1, &len) != 0 || len > 32 ||
		strlen(slash + 1) > 2)
		return -EINVAL;
	*plen = (uint8_t)len;
	return 0;
}

int
sp_parse_mac(const char *s, struct rte_ether_addr *mac)
{
	if (s == NULL || rte_ether_unformat_addr(s, mac) != 0)
		return -EINVAL;
	return 0;
}

static int
parse_bool(const char *s, int *v)
{
	static const char *const yes[] = {"on", "yes", "true", "1"};
	static const char *const no[] = {"off", "no", "false", "0"};
	unsigned i;

	for (i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = 0;
			return 0;
		}
	}
	return -EINVAL;
}

static uint32_t
prefix_mask(uint8_t plen)
{
	return plen == 0 ? 0 : UINT32_MAX << (32 - plen);
}

static void
fmt_ip(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

/* Copy @s without its leading and trailing white space into @buf. */
static void
trim_copy(char *buf, size_t len, const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Names with a fixed set of values */

static const char *const idle_names[] = {
	[SP_IDLE_POLL] = "poll",
	[SP_IDLE_PAUSE] = "pause",
	[SP_IDLE_SLEEP] = "sleep",
	NULL,
};

static int
cc_known(const char *s)
{
	return strcmp(s, "newreno") == 0 || strcmp(s, "cubic") == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Key tables: one row per key, the name is the INI key, the offset is into the section's struct */

#define K_UINT(s, key, f, lo, hi) SP_CONFIG_KEY_UINT(struct s, key, f, lo, hi)
#define K_TYPE(s, key, f, t, fl)  SP_CONFIG_KEY(struct s, key, f, t, fl)

static const struct sp_config_key stack_keys[] = {
	K_UINT(sp_stack_cfg, "mbufs", mbufs, 255, 16777215),
	K_UINT(sp_stack_cfg, "mbuf_cache", mbuf_cache, 0, 512),
	K_UINT(sp_stack_cfg, "burst", burst, 1, SP_TX_BATCH),
	SP_CONFIG_KEY_CHOICE(struct sp_stack_cfg, "idle", idle, idle_names, "an idle mode"),
	K_TYPE(sp_stack_cfg, "forwarding", forwarding, SP_KEY_BOOL, 0),
	K_UINT(sp_stack_cfg, "frag_max_flows", frag_max_flows, 1, 1048576),
	K_UINT(sp_stack_cfg, "frag_timeout_ms", frag_timeout_ms, 1, 120000),
	K_UINT(sp_stack_cfg, "icmp_rate", icmp_rate, 1, 1000000),
	K_UINT(sp_stack_cfg, "icmp_burst", icmp_burst, 1, 1000000),
	K_UINT(sp_stack_cfg, "neigh_timeout_ms", neigh_timeout_ms, 1000, 86400000),
	K_UINT(sp_stack_cfg, "neigh_learned_timeout_ms", neigh_learned_timeout_ms, 0, 86400000),
	K_UINT(sp_stack_cfg, "neigh_learn_locktime_ms", neigh_learn_locktime_ms, 0, 3600000),
	K_UINT(sp_stack_cfg, "arp_pending_max", arp_pending_max, 1, 1024),
	K_UINT(sp_stack_cfg, "arp_request_rate_ms", arp_request_rate_ms, 1, 60000),
	K_TYPE(sp_stack_cfg, "rss", rss, SP_KEY_BOOL, 0),
	K_UINT(sp_stack_cfg, "drain_ms", drain_ms, 0, 3600000),
	K_TYPE(sp_stack_cfg, "kernel_loopback", kernel_loopback, SP_KEY_BOOL, 0),
};

static const struct sp_config_key port_keys[] = {
	K_TYPE(sp_port_cfg, "vdev", vdev, SP_KEY_STR, 0),
	K_TYPE(sp_port_cfg, "device", device, SP_KEY_STR, 0),
	K_TYPE(sp_port_cfg, "mac", mac, SP_KEY_MAC, 0),
	K_UINT(sp_port_cfg, "mtu", mtu, 68, 9000),
	K_UINT(sp_port_cfg, "rx_desc", rx_desc, 64, 16384),
	K_UINT(sp_port_cfg, "tx_desc", tx_desc, 64, 16384),
	K_UINT(sp_port_cfg, "rx_buf_size", rx_buf_size, 0, 65392),
	K_UINT(sp_port_cfg, "rx_mbufs", rx_mbufs, 255, 1048575),
	K_TYPE(sp_port_cfg, "arp", arp, SP_KEY_BOOL, 0),
	K_TYPE(sp_port_cfg, "address", addrs, SP_KEY_ADDRS, SP_KEY_LIST),
	K_TYPE(sp_port_cfg, "neighbour", neigh, SP_KEY_NEIGH, SP_KEY_LIST),
	K_TYPE(sp_port_cfg, "gateway", gateway, SP_KEY_IPV4, 0),
	K_TYPE(sp_port_cfg, "gateway_mac", gateway_mac, SP_KEY_MAC, 0),
	K_TYPE(sp_port_cfg, "impair_drop", impair.drop, SP_KEY_RATE, 0),
	K_TYPE(sp_port_cfg, "impair_dup", impair.dup, SP_KEY_RATE, 0),
	K_TYPE(sp_port_cfg, "impair_reorder", impair.reorder, SP_KEY_RATE, 0),
	K_TYPE(sp_port_cfg, "impair_corrupt", impair.corrupt, SP_KEY_RATE, 0),
	K_UINT(sp_port_cfg, "impair_delay_us", impair.delay_us, 0, 1000000),
	K_UINT(sp_port_cfg, "impair_seed", impair.seed, 0, UINT64_MAX),
};

static const char *const offload_names[] = {
	[SP_OFFLOAD_AUTO] = "auto",
	[SP_OFFLOAD_ON] = "on",
	[SP_OFFLOAD_OFF] = "off",
	NULL,
};

static const struct sp_config_key tcp_keys[] = {
	K_UINT(sp_tcp_cfg, "max_connections", max_connections, 1, 16777216),
	K_UINT(sp_tcp_cfg, "syn_backlog", syn_backlog, 1, 1048576),
	K_UINT(sp_tcp_cfg, "accept_backlog", accept_backlog, 1, 1048576),
	K_UINT(sp_tcp_cfg, "time_wait_ms", time_wait_ms, 0, 600000),
	K_UINT(sp_tcp_cfg, "max_timewait", max_timewait, 1, 16777216),
	K_UINT(sp_tcp_cfg, "rto_min_ms", rto_min_ms, 1, 60000),
	K_UINT(sp_tcp_cfg, "rto_max_ms", rto_max_ms, 1, 600000),
	K_UINT(sp_tcp_cfg, "rto_initial_ms", rto_initial_ms, 1, 600000),
	K_UINT(sp_tcp_cfg, "max_retries", max_retries, 1, 100),
	K_UINT(sp_tcp_cfg, "syn_retries", syn_retries, 1, 100),
	K_UINT(sp_tcp_cfg, "delayed_ack_ms", delayed_ack_ms, 1, 200),
	K_UINT(sp_tcp_cfg, "rcvbuf", rcvbuf, 2048, 1073741824),
	K_UINT(sp_tcp_cfg, "sndbuf", sndbuf, 2048, 1073741824),
	K_UINT(sp_tcp_cfg, "rcvbuf_max", rcvbuf_max, 0, 1073741824),
	K_UINT(sp_tcp_cfg, "sndbuf_max", sndbuf_max, 0, 1073741824),
	K_UINT(sp_tcp_cfg, "keepalive_idle_ms", keepalive_idle_ms, 0, 86400000),
	K_UINT(sp_tcp_cfg, "keepalive_intvl_ms", keepalive_intvl_ms, 1, 86400000),
	K_UINT(sp_tcp_cfg, "keepalive_probes", keepalive_probes, 1, 1000),
	K_UINT(sp_tcp_cfg, "challenge_ack_limit", challenge_ack_limit, 1, 1000000),
	K_UINT(sp_tcp_cfg, "ooo_max_segs", ooo_max_segs, 0, 65536),
	K_UINT(sp_tcp_cfg, "ooo_max_bytes", ooo_max_bytes, 0, 1073741824),
	K_UINT(sp_tcp_cfg, "mem_low", mem_low, 0, 16777216),
	K_UINT(sp_tcp_cfg, "mem_pressure", mem_pressure, 0, 16777216),
	K_UINT(sp_tcp_cfg, "mem_high", mem_high, 0, 16777216),
	K_UINT(sp_tcp_cfg, "mem_conn_min", mem_conn_min, 1, 1024),
	K_UINT(sp_tcp_cfg, "mem_stall_ms", mem_stall_ms, 100, 3600000),
	K_UINT(sp_tcp_cfg, "min_snd_mss", min_snd_mss, 48, 1460),
	K_UINT(sp_tcp_cfg, "min_pmtu", min_pmtu, 68, 9000),
	K_UINT(sp_tcp_cfg, "invalid_ratelimit_ms", invalid_ratelimit_ms, 0, 60000),
	K_UINT(sp_tcp_cfg, "orphan_retries", orphan_retries, 1, 1000),
	K_TYPE(sp_tcp_cfg, "cc", cc, SP_KEY_CC, 0),
	K_TYPE(sp_tcp_cfg, "syncookies", syncookies, SP_KEY_BOOL, 0),
	K_TYPE(sp_tcp_cfg, "tlp", tlp, SP_KEY_BOOL, 0),
	K_TYPE(sp_tcp_cfg, "sack", sack, SP_KEY_BOOL, 0),
	K_TYPE(sp_tcp_cfg, "timestamps", timestamps, SP_KEY_BOOL, 0),
	K_TYPE(sp_tcp_cfg, "wscale", wscale, SP_KEY_BOOL, 0),
	K_TYPE(sp_tcp_cfg, "nodelay", nodelay, SP_KEY_BOOL, 0),
	SP_CONFIG_KEY_CHOICE(struct sp_tcp_cfg, "tso", tso, offload_names, "auto|on|off"),
	SP_CONFIG_KEY_CHOICE(struct sp_tcp_cfg, "gro", gro, offload_names, "auto|on|off"),
	K_TYPE(sp_tcp_cfg, "slow_start_after_idle", slow_start_after_idle, SP_KEY_BOOL, 0),
	K_UINT(sp_tcp_cfg, "max_reordering", max_reordering, 3, 1024),
};

static const struct sp_config_key *
key_find(const struct sp_config_key *tab, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].name, key) == 0)
			return &tab[i];
	return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Defaults */

static void
port_defaults(struct sp_port_cfg *p, unsigned idx)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "port%u", idx);
	p->mtu = RTE_ETHER_MTU;
	p->rx_desc = 1024;
	p->rx_mbufs = 2047;
	p->tx_desc = 1024;
	p->impair.seed = 1;
}

void
sp_config_defaults(struct sp_config *cfg)
{
	struct sp_stack_cfg *s = &cfg->stack;
	struct sp_tcp_cfg *t = &cfg->tcp;
	unsigned i;

	memset(cfg, 0, sizeof(*cfg));
	s->mbufs = 16383;
	s->mbuf_cache = 256;
	s->burst = 32;
	s->idle = SP_IDLE_POLL;
	s->forwarding = 0;
	s->frag_max_flows = 1024;
	s->frag_timeout_ms = 2000;
	s->icmp_rate = 100;
	s->icmp_burst = 50;
	s->neigh_timeout_ms = 30000;
	s->neigh_learned_timeout_ms = 300000;
	s->neigh_learn_locktime_ms = 1000;
	s->arp_pending_max = 8;
	s->arp_request_rate_ms = 1000;
	s->rss = 1;
	s->drain_ms = 5000;
	s->kernel_loopback = 1;

	t->max_connections = 16384;
	t->syn_backlog = 1024;
	t->accept_backlog = 1024;
	t->time_wait_ms = 60000; /* 2 * MSL, MSL = 30 s */
	t->max_timewait = 65536;
	t->rto_min_ms = 200;
	t->rto_max_ms = 60000;	  /* RFC 6298 2.5: a maximum of at least 60 s */
	t->rto_initial_ms = 1000; /* RFC 6298 2.1 */
	t->max_retries = 15;
	t->syn_retries = 6;
	t->delayed_ack_ms = 40; /* RFC 1122 4.2.3.2: under 0.5 s; RFC 9293 3.8.6.3 */
	t->rcvbuf = 262144;
	t->sndbuf = 262144;
	/*
	 * Autotuning's bounds (tcp_sndbuf.c, tcp_in.c): off by default. Up to 4 MB (Linux's
	 * tcp_wmem[2]) measured no faster against the lab's kernel peers, af_xdp downloads slower
	 * (docs/tcp.md "Buffer autotuning").
	 */
	t->rcvbuf_max = 0;
	t->sndbuf_max = 0;
	t->keepalive_idle_ms = 0;
	t->keepalive_intvl_ms = 75000;
	t->keepalive_probes = 9;
	t->challenge_ack_limit = 10;
	t->tlp = 1;
	t->max_reordering = 300; /* Linux's tcp_max_reordering */
	t->ooo_max_segs = 256;
	t->ooo_max_bytes = 0; /* 2 * rcvbuf of true size: a window of full segments fits */
	t->mem_low = t->mem_pressure = t->mem_high = 0; /* from the pool (tcp_mem.c) */
	t->mem_conn_min = 4;
	t->mem_stall_ms = 5000;
	t->min_snd_mss = 48; /* Linux's tcp_min_snd_mss */
	t->min_pmtu = 552;   /* Linux's route.min_pmtu */
	/* Linux's tcp_invalid_ratelimit */
	t->invalid_ratelimit_ms = 500;
	/* Linux's tcp_orphan_retries (0 there means 8) */
	t->orphan_retries = 8;
	strlcpy(t->cc, "cubic", sizeof(t->cc));
	t->syncookies = 1;
	t->sack = 1;
	t->timestamps = 1;
	t->wscale = 1;
	t->nodelay = 0;
	t->slow_start_after_idle = 1; /* Linux's net.ipv4.tcp_slow_start_after_idle */

	/* Port slots carry their defaults so a program that embeds libspindle only sets n_ports. */
	for (i = 0; i < SP_MAX_PORTS; i++)
		port_defaults(&cfg->ports[i], i);
}

/* ------------------------------------------------------------------------------------------ */
/* Applying one key = value */

struct parser {
	struct sp_config *cfg;
	const char *src;
	char *err;
	size_t errlen;
	/* lint_file(): the line of every "key = value", in file order, and the index in that
	 * list of each section's first one, so entry e of section s is on line
	 * key_line[sec_first[s] + e]. NULL for overrides. */
	unsigned *key_line, *sec_first;
	unsigned n_keys, n_secs;
};

#define PFAIL(ps, ...) fail((ps)->err, (ps)->errlen, (ps)->src, __VA_ARGS__)

static int
bad_mac(const struct rte_ether_addr *mac)
{
	return rte_is_zero_ether_addr(mac) || !rte_is_unicast_ether_addr(mac);
}

static int
parse_addrs(struct parser *ps, const char *sec, const char *key, const char *val,
	struct sp_port_cfg *p, int append)
{
	struct sp_ifaddr tmp[SP_MAX_ADDRS];
	unsigned n = append ? p->n_addrs : 0;
	char item[64];
	const char *s = val;

	if (n > 0)
		memcpy(tmp, p->addrs, n * sizeof(tmp[0]));
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		uint32_t ip, mask;
		uint8_t plen;

		if (len >= sizeof(item))
			return PFAIL(ps, "[%s] %s: '%.*s' is not an IPv4 prefix (a.b.c.d/len)", sec,
				key, (int)len, s);
		trim_copy(item, sizeof(item), s, len);
		if (item[0] == '\0')
			return PFAIL(ps, "[%s] %s: empty element in '%s'", sec, key, val);
		if (sp_parse_cidr(item, &ip, &plen) != 0)
			return PFAIL(ps, "[%s] %s: '%s' is not an IPv4 prefix (a.b.c.d/len)", sec,
				key, item);
		mask = prefix_mask(plen);
		/*
		 * RFC 1122 3.2.1.3: no 0/8, 127/8, class D/E or limited broadcast as our own
		 * address; with a prefix of /30 or shorter, the all-zeros and all-ones host parts
		 * name the subnet and its broadcast (RFC 3021 allows them on /31).
		 */
		if (plen == 0)
			return PFAIL(ps,
				"[%s] %s: '%s': an interface address needs a prefix length of 1..32",
				sec, key, item);
		if (sp_ipv4_class(ip) != SP_IPV4_UNICAST)
			return PFAIL(
				ps, "[%s] %s: '%s' is not a unicast host address", sec, key, item);
		if (plen <= 30 && ((ip & ~mask) == 0 || (ip & ~mask) == ~mask))
			return PFAIL(ps,
				"[%s] %s: '%s' is the network or broadcast address of its subnet",
				sec, key, item);
		if (n >= SP_MAX_ADDRS)
			return PFAIL(ps, "[%s] %s: too many addresses (at most %d per port)", sec,
				key, SP_MAX_ADDRS);
		tmp[n].ip = ip;
		tmp[n].plen = plen;
		n++;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	memcpy(p->addrs, tmp, n * sizeof(tmp[0]));
	p->n_addrs = (uint8_t)n;
	return 0;
}

static int
parse_neigh(struct parser *ps, const char *sec, const char *key, const char *val,
	struct sp_port_cfg *p, int append)
{
	struct sp_static_neigh tmp[SP_MAX_STATIC_NEIGH];
	unsigned n = append ? p->n_neigh : 0;
	char item[96];
	const char *s = val;

	if (n > 0)
		memcpy(tmp, p->neigh, n * sizeof(tmp[0]));
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		char ipbuf[32], macbuf[32], extra[2];
		struct rte_ether_addr mac;
		uint32_t ip;

		if (len >= sizeof(item))
			return PFAIL(ps,
				"[%s] %s: '%.*s' is not a neighbour (a.b.c.d aa:bb:cc:dd:ee:ff)",
				sec, key, (int)len, s);
		trim_copy(item, sizeof(item), s, len);
		if (item[0] == '\0')
			return PFAIL(ps, "[%s] %s: empty element in '%s'", sec, key, val);
		if (sscanf(item, "%31s %31s %1s", ipbuf, macbuf, extra) != 2)
			return PFAIL(ps,
				"[%s] %s: '%s' is not a neighbour (a.b.c.d aa:bb:cc:dd:ee:ff)", sec,
				key, item);
		if (sp_parse_ipv4(ipbuf, &ip) != 0)
			return PFAIL(ps, "[%s] %s: '%s' is not an IPv4 address (a.b.c.d)", sec, key,
				ipbuf);
		if (sp_parse_mac(macbuf, &mac) != 0)
			return PFAIL(ps, "[%s] %s: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
				sec, key, macbuf);
		if (bad_mac(&mac))
			return PFAIL(
				ps, "[%s] %s: '%s' is not a unicast MAC address", sec, key, macbuf);
		if (n >= SP_MAX_STATIC_NEIGH)
			return PFAIL(ps, "[%s] %s: too many neighbours (at most %d per port)", sec,
				key, SP_MAX_STATIC_NEIGH);
		tmp[n].ip = ip;
		tmp[n].mac = mac;
		n++;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	memcpy(p->neigh, tmp, n * sizeof(tmp[0]));
	p->n_neigh = (uint8_t)n;
	return 0;
}

/*
 * Set one key of a section. @base is the section's struct (sp_stack_cfg, sp_port_cfg, ...).
 * @append: a repeated list key in a file appends instead of replacing.
 */
static int
apply_key(struct parser *ps, const char *sec, const struct sp_config_key *tab, size_t ntab,
	void *base, const char *key, const char *val, int append)
{
	const struct sp_config_key *k = key_find(tab, ntab, key);
	char *field;

	if (k == NULL)
		return PFAIL(ps, "[%s] %s: unknown key (see docs/configuration.md)", sec, key);
	field = (char *)base + k->off;
	if (val[0] == '\0' && !(k->flags & SP_KEY_EMPTY))
		return PFAIL(ps, "[%s] %s: empty value", sec, key);

	switch (k->type) {
	case SP_KEY_UINT: {
		uint64_t v;

		if (parse_u64(val, &v) != 0)
			return PFAIL(ps, "[%s] %s: '%s' is not a number (decimal digits only)", sec,
				key, val);
		if (v < k->min || v > k->max)
			return PFAIL(ps, "[%s] %s: %s is out of range (%" PRIu64 "..%" PRIu64 ")",
				sec, key, val, k->min, k->max);
		if (k->size == sizeof(uint16_t))
			*(uint16_t *)field = (uint16_t)v;
		else if (k->size == sizeof(uint32_t))
			*(uint32_t *)field = (uint32_t)v;
		else
			*(uint64_t *)field = v;
		return 0;
	}
	case SP_KEY_BOOL:
		if (parse_bool(val, (int *)field) != 0)
			return PFAIL(ps,
				"[%s] %s: '%s' is not a boolean (on|off|yes|no|true|false|1|0)",
				sec, key, val);
		return 0;
	case SP_KEY_RATE: {
		char *end;
		double d;

		errno = 0;
		d = strtod(val, &end);
		if (errno != 0 || *end != '\0' || end == val || !isfinite(d) || d < 0.0 || d > 1.0)
			return PFAIL(ps, "[%s] %s: '%s' is not a rate in [0, 1] (e.g. 0.05)", sec,
				key, val);
		*(double *)field = d;
		return 0;
	}
	case SP_KEY_CHOICE: {
		char list[128];
		size_t off = 0;
		unsigned i;

		for (i = 0; k->choices[i] != NULL; i++) {
			if (strcmp(val, k->choices[i]) == 0) {
				*(int *)field = (int)i;
				return 0;
			}
			off += (size_t)snprintf(list + off,
				sizeof(list) - RTE_MIN(off, sizeof(list)), "%s%s", i > 0 ? "|" : "",
				k->choices[i]);
		}
		return PFAIL(ps, "[%s] %s: '%s' is not %s (%s)", sec, key, val, k->what, list);
	}
	case SP_KEY_CC:
		if (val[0] != '\0' && !cc_known(val))
			return PFAIL(ps,
				"[%s] %s: '%s' is not a congestion control (newreno|cubic)", sec,
				key, val);
		strlcpy(field, val, k->size);
		return 0;
	case SP_KEY_STR:
		if (strlen(val) >= k->size)
			return PFAIL(ps, "[%s] %s: value is too long (at most %zu characters)", sec,
				key, k->size - 1);
		strlcpy(field, val, k->size);
		return 0;
	case SP_KEY_MAC: {
		struct rte_ether_addr mac;

		if (sp_parse_mac(val, &mac) != 0)
			return PFAIL(ps, "[%s] %s: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
				sec, key, val);
		if (bad_mac(&mac))
			return PFAIL(
				ps, "[%s] %s: '%s' is not a unicast MAC address", sec, key, val);
		memcpy(field, &mac, sizeof(mac));
		return 0;
	}
	case SP_KEY_IPV4: {
		uint32_t ip;

		if (sp_parse_ipv4(val, &ip) != 0)
			return PFAIL(ps, "[%s] %s: '%s' is not an IPv4 address (a.b.c.d)", sec, key,
				val);
		memcpy(field, &ip, sizeof(ip));
		return 0;
	}
	case SP_KEY_ADDRS:
		return parse_addrs(ps, sec, key, val, base, append);
	case SP_KEY_NEIGH:
		return parse_neigh(ps, sec, key, val, base, append);
	}
	return PFAIL(ps, "[%s] %s: internal error (key type)", sec, key);
}

int
sp_config_apply_key(const struct sp_config_key *tab, size_t n, void *base, const char *src,
	const char *section, const char *key, const char *value, char *err, size_t errlen)
{
	struct parser ps = {.src = src, .err = err, .errlen = errlen};
	const struct sp_config_key *k;

	if (key == NULL || value == NULL || section == NULL || (base == NULL && n > 0))
		return fail(err, errlen, src, "no key");
	/* The library's lists need their port (parse_addrs/parse_neigh): not for programs. */
	k = key_find(tab, n, key);
	if (k != NULL && (k->type == SP_KEY_ADDRS || k->type == SP_KEY_NEIGH))
		return PFAIL(&ps, "[%s] %s: internal error (key type)", section, key);
	return apply_key(&ps, section, tab, n, base, key, value, 0);
}

/* [routes] NAME = PREFIX/LEN via GATEWAY | PREFIX/LEN dev portN */
static int
parse_route(struct parser *ps, const char *name, const char *val, struct sp_route_cfg *r)
{
	char buf[CFG_VALUE_LEN], *tok[4], *save = NULL, *t;
	unsigned n = 0;
	uint32_t ip;
	uint8_t plen;

	if (strlen(name) >= sizeof(r->name))
		return PFAIL(ps, "[routes] %s: route name too long (at most %zu characters)", name,
			sizeof(r->name) - 1);
	strlcpy(buf, val, sizeof(buf));
	for (t = strtok_r(buf, " \t", &save); t != NULL && n < RTE_DIM(tok);
		t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (n != 3 || (strcmp(tok[1], "via") != 0 && strcmp(tok[1], "dev") != 0))
		return PFAIL(ps,
			"[routes] %s: '%s' is not a route (PREFIX/LEN via GATEWAY or PREFIX/LEN dev portN)",
			name, val);
	if (sp_parse_cidr(tok[0], &ip, &plen) != 0)
		return PFAIL(
			ps, "[routes] %s: '%s' is not an IPv4 prefix (a.b.c.d/len)", name, tok[0]);
	if ((ip & ~prefix_mask(plen)) != 0)
		return PFAIL(ps, "[routes] %s: '%s' has bits set beyond its prefix length", name,
			tok[0]);
	memset(r, 0, sizeof(*r));
	strlcpy(r->name, name, sizeof(r->name));
	r->prefix = ip;
	r->plen = plen;
	if (strcmp(tok[1], "via") == 0) {
		if (sp_parse_ipv4(tok[2], &r->via) != 0 || r->via == 0)
			return PFAIL(ps,
				"[routes] %s: gateway '%s' is not an IPv4 address (a.b.c.d)", name,
				tok[2]);
		r->port = -1; /* the port whose subnet holds the gateway */
	} else {
		uint64_t idx;

		if (strncmp(tok[2], "port", 4) != 0 || parse_u64(tok[2] + 4, &idx) != 0 ||
			idx >= SP_MAX_PORTS)
			return PFAIL(ps, "[routes] %s: '%s' is not a port (port0..port%d)", name,
				tok[2], SP_MAX_PORTS - 1);
		r->via = 0;
		r->port = (int)idx;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Sections */

enum sec_kind {
	SEC_STACK,
	SEC_PORT,
	SEC_ROUTES,
	SEC_TCP,
	SEC_SERVICE,
};

/*
 * Classify a section name. @idx: port index for SEC_PORT. @return 0 or -EINVAL with the message.
 */
static int
classify(struct parser *ps, const char *name, enum sec_kind *kind, unsigned *idx)
{
	const char *p;

	if (strcmp(name, "stack") == 0) {
		*kind = SEC_STACK;
		return 0;
	}
	if (strcmp(name, "routes") == 0) {
		*kind = SEC_ROUTES;
		return 0;
	}
	if (strcmp(name, "tcp") == 0) {
		*kind = SEC_TCP;
		return 0;
	}
	if (strncmp(name, "port", 4) == 0 && isdigit((unsigned char)name[4])) {
		uint64_t v;

		/* "port0".."port3"; no leading zeros so one port has exactly one name */
		if (parse_u64(name + 4, &v) != 0 || (name[4] == '0' && name[5] != '\0'))
			goto unknown;
		if (v >= SP_MAX_PORTS)
			return PFAIL(ps, "[%s]: too many ports (at most %d: port0..port%d)", name,
				SP_MAX_PORTS, SP_MAX_PORTS - 1);
		*kind = SEC_PORT;
		*idx = (unsigned)v;
		return 0;
	}
	if (strncmp(name, "service.", 8) == 0) {
		p = name + 8;
		if (*p == '\0')
			return PFAIL(
				ps, "[%s]: a service section needs a name ([service.NAME])", name);
		for (; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
				return PFAIL(ps,
					"[%s]: service names use letters, digits, '_' and '-'",
					name);
		if (strlen(name + 8) >= SP_NAME_LEN)
			return PFAIL(ps, "[%s]: service name too long", name);
		*kind = SEC_SERVICE;
		return 0;
	}
unknown:
	return PFAIL(ps,
		"[%s]: unknown section (expected stack, port0..port%d, routes, tcp or service.NAME)",
		name, SP_MAX_PORTS - 1);
}

static struct sp_service_section *
service_get(struct parser *ps, const char *secname, int create)
{
	struct sp_config *cfg = ps->cfg;
	const char *name = secname + 8;
	struct sp_service_section *sec;
	unsigned i;

	for (i = 0; i < cfg->n_services; i++)
		if (strcmp(cfg->services[i].name, name) == 0)
			return &cfg->services[i];
	if (!create)
		return NULL;
	if (cfg->n_services >= SP_MAX_SERVICES) {
		PFAIL(ps, "[%s]: too many services (at most %d)", secname, SP_MAX_SERVICES);
		return NULL;
	}
	sec = &cfg->services[cfg->n_services++];
	memset(sec, 0, sizeof(*sec));
	strlcpy(sec->name, name, sizeof(sec->name));
	return sec;
}

/*
 * Keep key = value of a [service.NAME] section for the program: an override replaces the key's
 * value, a file appends (parse_cfgfile has refused a repeated key). @line: 0 for an override.
 */
static int
service_set(struct parser *ps, const char *secname, const char *key, const char *val, unsigned line)
{
	struct sp_service_section *sec = service_get(ps, secname, 1);
	struct sp_config_kv *kv = NULL;
	unsigned i;

	if (sec == NULL)
		return -EINVAL;
	for (i = 0; i < sec->n_keys; i++)
		if (strcmp(sec->keys[i].key, key) == 0)
			kv = &sec->keys[i];
	if (kv == NULL) {
		if (sec->n_keys >= SP_MAX_SERVICE_KEYS)
			return PFAIL(ps, "[%s] %s: too many keys (at most %d)", secname, key,
				SP_MAX_SERVICE_KEYS);
		if (strlen(key) >= sizeof(kv->key))
			return PFAIL(ps, "[%s] %s: key longer than %zu characters", secname, key,
				sizeof(kv->key) - 1);
		kv = &sec->keys[sec->n_keys++];
		strlcpy(kv->key, key, sizeof(kv->key));
	}
	if (strlen(val) >= sizeof(kv->value))
		return PFAIL(ps, "[%s] %s: value is too long (at most %zu characters)", secname,
			key, sizeof(kv->value) - 1);
	strlcpy(kv->value, val, sizeof(kv->value));
	kv->line = line;
	return 0;
}

static int
route_add(struct parser *ps, const char *name, const char *val, int replace)
{
	struct sp_config *cfg = ps->cfg;
	struct sp_route_cfg r;
	unsigned i;
	int ret;

	ret = parse_route(ps, name, val, &r);
	if (ret != 0)
		return ret;
	for (i = 0; i < cfg->n_routes; i++) {
		if (strcmp(cfg->routes[i].name, name) == 0) {
			if (!replace)
				return PFAIL(ps, "[routes] %s: key given twice", name);
			cfg->routes[i] = r;
			return 0;
		}
	}
	if (cfg->n_routes >= SP_MAX_ROUTES)
		return PFAIL(ps, "[routes] %s: too many routes (at most %d)", name, SP_MAX_ROUTES);
	cfg->routes[cfg->n_routes++] = r;
	return 0;
}

/*
 * Set @key of section @secname (already classified) to @val. @from_file: 0 for an override;
 * @line: the entry's line in the file, 0 if unknown.
 */
static int
apply_entry(struct parser *ps, const char *secname, enum sec_kind kind, unsigned idx,
	const char *key, const char *val, int from_file, unsigned line)
{
	struct sp_config *cfg = ps->cfg;

	switch (kind) {
	case SEC_STACK:
		return apply_key(
			ps, secname, stack_keys, RTE_DIM(stack_keys), &cfg->stack, key, val, 0);
	case SEC_TCP:
		return apply_key(ps, secname, tcp_keys, RTE_DIM(tcp_keys), &cfg->tcp, key, val, 0);
	case SEC_PORT:
		return apply_key(ps, secname, port_keys, RTE_DIM(port_keys), &cfg->ports[idx], key,
			val, from_file);
	case SEC_ROUTES:
		return route_add(ps, key, val, !from_file);
	case SEC_SERVICE:
		return service_set(ps, secname, key, val, line);
	}
	return PFAIL(ps, "[%s]: internal error (section kind)", secname);
}

/* Fill what depends on several keys: port names, whether impairment is enabled. */
static void
finalize(struct parser *ps)
{
	struct sp_config *cfg = ps->cfg;
	unsigned i;

	for (i = 0; i < cfg->n_ports; i++) {
		struct sp_impair_cfg *im = &cfg->ports[i].impair;

		snprintf(cfg->ports[i].name, sizeof(cfg->ports[i].name), "port%u", i);
		im->enabled = im->drop > 0.0 || im->dup > 0.0 || im->reorder > 0.0 ||
			      im->corrupt > 0.0 || im->delay_us > 0;
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Validation */

/* Index of the first port with a subnet holding @ip, -1 if none. */
static int
port_of_subnet(const struct sp_config *cfg, uint32_t ip)
{
	unsigned i, a;

	for (i = 0; i < cfg->n_ports; i++) {
		const struct sp_port_cfg *p = &cfg->ports[i];

		for (a = 0; a < p->n_addrs; a++) {
			uint32_t mask = prefix_mask(p->addrs[a].plen);

			if ((ip & mask) == (p->addrs[a].ip & mask))
				return (int)i;
		}
	}
	return -1;
}

static int
on_port_subnet(const struct sp_port_cfg *p, uint32_t ip)
{
	unsigned a;

	for (a = 0; a < p->n_addrs; a++) {
		uint32_t mask = prefix_mask(p->addrs[a].plen);

		if ((ip & mask) == (p->addrs[a].ip & mask))
			return 1;
	}
	return 0;
}

int
sp_config_has_address(const struct sp_config *cfg, uint32_t ip)
{
	unsigned i, a;

	for (i = 0; i < cfg->n_ports; i++)
		for (a = 0; a < cfg->ports[i].n_addrs; a++)
			if (cfg->ports[i].addrs[a].ip == ip)
				return 1;
	return 0;
}

static int
validate_port(const struct sp_config *cfg, unsigned i, int partial, char *err, size_t errlen)
{
	const struct sp_port_cfg *p = &cfg->ports[i];
	const char *src = cfg->source;
	char ipb[16];
	unsigned a, j, b;

	if (p->vdev[0] == '\0' && p->device[0] == '\0' && !partial)
		return fail(err, errlen, src,
			"[port%u] vdev: missing: a port needs vdev = (e.g. net_tap0,iface=sp0) or device = (an EAL device name)",
			i);
	if (p->vdev[0] != '\0' && p->device[0] != '\0')
		return fail(err, errlen, src,
			"[port%u] device: vdev and device are exclusive (give one of them)", i);
	if (p->mtu < 68 || p->mtu > 9000)
		return fail(
			err, errlen, src, "[port%u] mtu: %u is out of range (68..9000)", i, p->mtu);
	if (p->n_addrs == 0 && !partial)
		return fail(err, errlen, src,
			"[port%u] address: missing: a port needs at least one address (a.b.c.d/len)",
			i);
	/* The same address twice, on this port or an earlier one, makes input ambiguous. */
	for (a = 0; a < p->n_addrs; a++) {
		for (j = 0; j <= i; j++) {
			const struct sp_port_cfg *q = &cfg->ports[j];
			unsigned end = j == i ? a : q->n_addrs;

			for (b = 0; b < end; b++) {
				if (q->addrs[b].ip != p->addrs[a].ip)
					continue;
				fmt_ip(p->addrs[a].ip, ipb, sizeof(ipb));
				return fail(err, errlen, src,
					"[port%u] address: duplicate address %s (also on port%u)",
					i, ipb, j);
			}
		}
	}
	for (a = 0; a < p->n_neigh; a++) {
		fmt_ip(p->neigh[a].ip, ipb, sizeof(ipb));
		if (!on_port_subnet(p, p->neigh[a].ip))
			return fail(err, errlen, src,
				"[port%u] neighbour: %s is on no subnet of port%u (address on no port)",
				i, ipb, i);
		if (sp_config_has_address(cfg, p->neigh[a].ip))
			return fail(err, errlen, src,
				"[port%u] neighbour: %s is one of our own addresses", i, ipb);
		for (b = 0; b < a; b++)
			if (p->neigh[b].ip == p->neigh[a].ip)
				return fail(err, errlen, src,
					"[port%u] neighbour: %s is listed twice", i, ipb);
	}
	if (p->gateway != 0) {
		fmt_ip(p->gateway, ipb, sizeof(ipb));
		if (!on_port_subnet(p, p->gateway))
			return fail(err, errlen, src,
				"[port%u] gateway: %s is on no subnet of port%u (address on no port)",
				i, ipb, i);
		if (sp_config_has_address(cfg, p->gateway))
			return fail(err, errlen, src,
				"[port%u] gateway: %s is one of our own addresses", i, ipb);
	} else if (!rte_is_zero_ether_addr(&p->gateway_mac)) {
		return fail(err, errlen, src, "[port%u] gateway_mac: set without gateway", i);
	}
	return 0;
}

/*
 * @partial: skip the checks that something required is missing (a port's vdev/device and
 * address), so that overrides can build a section one key at a time; everything present is
 * still checked. [service.NAME] sections are the program's to check.
 */
static int
validate_impl(const struct sp_config *cfg, int partial, char *err, size_t errlen)
{
	const struct sp_stack_cfg *st = &cfg->stack;
	const struct sp_tcp_cfg *t = &cfg->tcp;
	const char *src = cfg->source;
	char ipb[16], ipb2[16];
	unsigned i, j;
	int ret;

	if (cfg->n_ports == 0)
		return fail(err, errlen, src, "[port0]: missing: at least one port is needed");
	if (cfg->n_ports > SP_MAX_PORTS)
		return fail(err, errlen, src, "[port%u]: too many ports (at most %d)",
			cfg->n_ports - 1, SP_MAX_PORTS);
	for (i = 0; i < cfg->n_ports; i++) {
		ret = validate_port(cfg, i, partial, err, errlen);
		if (ret != 0)
			return ret;
	}

	for (i = 0; i < cfg->n_routes; i++) {
		const struct sp_route_cfg *r = &cfg->routes[i];
		const char *name = r->name[0] != '\0' ? r->name : "(unnamed)";

		fmt_ip(r->prefix, ipb, sizeof(ipb));
		if (r->via != 0) {
			fmt_ip(r->via, ipb2, sizeof(ipb2));
			if (port_of_subnet(cfg, r->via) < 0)
				return fail(err, errlen, src,
					"[routes] %s: gateway %s is on no port's subnet (address on no port)",
					name, ipb2);
			if (sp_config_has_address(cfg, r->via))
				return fail(err, errlen, src,
					"[routes] %s: gateway %s is one of our own addresses", name,
					ipb2);
		} else if (r->port < 0 || r->port >= cfg->n_ports) {
			return fail(err, errlen, src, "[routes] %s: dev port%d: no such port", name,
				r->port);
		}
		for (j = 0; j < i; j++)
			if (cfg->routes[j].prefix == r->prefix && cfg->routes[j].plen == r->plen)
				return fail(err, errlen, src,
					"[routes] %s: %s/%u is already routed by '%s'", name, ipb,
					r->plen, cfg->routes[j].name);
	}

	/* rte_mempool_create() refuses a per-lcore cache larger than n / 1.5. */
	if ((uint64_t)st->mbuf_cache * 3 > (uint64_t)st->mbufs * 2)
		return fail(err, errlen, src,
			"[stack] mbuf_cache: %u is too large for mbufs = %u (at most mbufs / 1.5)",
			st->mbuf_cache, st->mbufs);
	if ((unsigned)st->idle >= RTE_DIM(idle_names) - 1) /* NULL-terminated */
		return fail(err, errlen, src, "[stack] idle: not an idle mode (poll|pause|sleep)");

	/* RFC 6298 2.4/2.5: initial and every computed RTO lie in [rto_min, rto_max]. */
	if (t->rto_min_ms > t->rto_max_ms)
		return fail(err, errlen, src, "[tcp] rto_min_ms: %u is above rto_max_ms = %u",
			t->rto_min_ms, t->rto_max_ms);
	if (t->rto_initial_ms < t->rto_min_ms || t->rto_initial_ms > t->rto_max_ms)
		return fail(err, errlen, src,
			"[tcp] rto_initial_ms: %u is outside rto_min_ms..rto_max_ms (%u..%u)",
			t->rto_initial_ms, t->rto_min_ms, t->rto_max_ms);
	/* tcp_mem.c: low < pressure < high where given (0 = derived from the pool). */
	if (t->mem_low != 0 && t->mem_pressure != 0 && t->mem_low >= t->mem_pressure)
		return fail(err, errlen, src, "[tcp] mem_low: %u is not below mem_pressure = %u",
			t->mem_low, t->mem_pressure);
	if (t->mem_pressure != 0 && t->mem_high != 0 && t->mem_pressure >= t->mem_high)
		return fail(err, errlen, src, "[tcp] mem_pressure: %u is not below mem_high = %u",
			t->mem_pressure, t->mem_high);
	if (!cc_known(t->cc))
		return fail(err, errlen, src,
			"[tcp] cc: '%s' is not a congestion control (newreno|cubic)", t->cc);

	if (cfg->n_services > SP_MAX_SERVICES)
		return fail(err, errlen, src, "too many services (at most %d)", SP_MAX_SERVICES);
	return 0;
}

int
sp_config_validate(const struct sp_config *cfg, char *err, size_t errlen)
{
	return validate_impl(cfg, 0, err, errlen);
}

/* ------------------------------------------------------------------------------------------ */
/* Loading */

/* Append @v to the array *@a of *@n elements (grown to twice its size at every power of two). */
static int
push_uint(unsigned **a, unsigned *n, unsigned v)
{
	if ((*n & (*n - 1)) == 0) {
		unsigned *t = realloc(*a, (*n == 0 ? 1 : 2 * (size_t)*n) * sizeof(**a));

		if (t == NULL)
			return -ENOMEM;
		*a = t;
	}
	(*a)[(*n)++] = v;
	return 0;
}

/*
 * Line-level checks rte_cfgfile_load() either skips silently or fails without saying where:
 * report the line number. This only classifies lines; the parsing is rte_cfgfile's. It also
 * notes the line of every section and entry, in the order rte_cfgfile keeps them, for
 * entry_line().
 */
static int
lint_file(FILE *f, struct parser *ps)
{
	const char *src = ps->src;
	char *err = ps->err;
	size_t errlen = ps->errlen;
	char line[LINE_MAX_CHARS + 2];
	int seen_section = 0;
	unsigned lineno = 0;

	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line), klen;
		char *c, *eq, *s, *v;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (len > LINE_MAX_CHARS)
			return fail(err, errlen, src, "line %u: longer than %d characters", lineno,
				LINE_MAX_CHARS);
		/* rte_cfgfile: the comment character ends the line unless escaped with '\'. */
		c = strchr(line, CFG_DEFAULT_COMMENT_CHARACTER);
		if (c != NULL && (c == line || c[-1] != '\\'))
			*c = '\0';
		s = line;
		while (isspace((unsigned char)*s))
			s++;
		len = strlen(s);
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			s[--len] = '\0';
		if (len == 0)
			continue;
		if (s[0] == '[') {
			char *end = strchr(s, ']');

			if (end == NULL)
				return fail(err, errlen, src,
					"line %u: '%s': section header without ']'", lineno, s);
			if (end[1] != '\0')
				return fail(err, errlen, src, "line %u: '%s': text after ']'",
					lineno, s);
			if ((size_t)(end - s - 1) >= CFG_NAME_LEN)
				return fail(err, errlen, src,
					"line %u: section name longer than %d characters", lineno,
					CFG_NAME_LEN - 1);
			seen_section = 1;
			if (push_uint(&ps->sec_first, &ps->n_secs, ps->n_keys) != 0)
				return fail(err, errlen, src, "out of memory");
			continue;
		}
		if (s[0] == '#')
			return fail(err, errlen, src,
				"line %u: '%s': comments start with ';', not '#'", lineno, s);
		eq = strchr(s, '=');
		if (eq == NULL)
			return fail(err, errlen, src,
				"line %u: '%s': expected 'key = value' or '[section]'", lineno, s);
		if (!seen_section)
			return fail(err, errlen, src,
				"line %u: '%s': key before the first [section]", lineno, s);
		/* rte_cfgfile trims both sides of '=' and truncates what does not fit. */
		klen = (size_t)(eq - s);
		while (klen > 0 && isspace((unsigned char)s[klen - 1]))
			klen--;
		if (klen == 0)
			return fail(err, errlen, src, "line %u: '%s': empty key", lineno, s);
		if (klen >= CFG_NAME_LEN)
			return fail(err, errlen, src, "line %u: key longer than %d characters",
				lineno, CFG_NAME_LEN - 1);
		for (v = eq + 1; isspace((unsigned char)*v); v++)
			;
		if (strlen(v) >= CFG_VALUE_LEN)
			return fail(err, errlen, src, "line %u: value longer than %d characters",
				lineno, CFG_VALUE_LEN - 1);
		if (push_uint(&ps->key_line, &ps->n_keys, lineno) != 0)
			return fail(err, errlen, src, "out of memory");
	}
	if (ferror(f))
		return fail(err, errlen, src, "read error");
	return 0;
}

/* Line of entry @e of section @s, as lint_file() saw it; 0 if unknown. */
static unsigned
entry_line(const struct parser *ps, int s, int e)
{
	unsigned k;

	if (s < 0 || e < 0 || (unsigned)s >= ps->n_secs)
		return 0;
	k = ps->sec_first[s] + (unsigned)e;
	if (k >= ps->n_keys || ((unsigned)s + 1 < ps->n_secs && k >= ps->sec_first[s + 1]))
		return 0;
	return ps->key_line[k];
}

static int
parse_cfgfile(struct rte_cfgfile *cf, struct parser *ps)
{
	struct sp_config *cfg = ps->cfg;
	int nsec = rte_cfgfile_num_sections(cf, NULL, 0);
	char name[CFG_NAME_LEN];
	struct rte_cfgfile_entry *ent = NULL;
	unsigned port_seen = 0, i;
	int s, e, j, ret = 0;

	/* Pass 1: names only, so ports can be checked for contiguity before any key is read. */
	for (s = 0; s < nsec; s++) {
		char other[CFG_NAME_LEN];
		enum sec_kind kind;
		unsigned idx = 0;

		if (rte_cfgfile_section_num_entries_by_index(cf, name, s) < 0)
			return PFAIL(ps, "cannot read section %d", s);
		for (j = 0; j < s; j++) {
			rte_cfgfile_section_num_entries_by_index(cf, other, j);
			if (strcmp(other, name) == 0)
				return PFAIL(ps, "[%s]: section given twice", name);
		}
		ret = classify(ps, name, &kind, &idx);
		if (ret != 0)
			return ret;
		if (kind == SEC_PORT)
			port_seen |= 1u << idx;
	}
	cfg->n_ports = 0;
	for (i = 0; i < SP_MAX_PORTS; i++)
		if (port_seen & (1u << i))
			cfg->n_ports = (uint8_t)(i + 1);
	for (i = 0; i < cfg->n_ports; i++)
		if (!(port_seen & (1u << i)))
			return PFAIL(ps,
				"[port%u]: missing: port sections must be contiguous from port0 (port%u is defined)",
				i, cfg->n_ports - 1u);

	/* Pass 2: every entry of every section, in file order. */
	for (s = 0; s < nsec && ret == 0; s++) {
		enum sec_kind kind;
		unsigned idx = 0;
		int n;

		n = rte_cfgfile_section_num_entries_by_index(cf, name, s);
		classify(ps, name, &kind, &idx);
		if (kind == SEC_SERVICE && service_get(ps, name, 1) == NULL)
			return -EINVAL;
		if (n <= 0)
			continue;
		free(ent);
		ent = calloc((size_t)n, sizeof(*ent));
		if (ent == NULL)
			return fail(ps->err, ps->errlen, ps->src, "out of memory");
		n = rte_cfgfile_section_entries_by_index(cf, s, name, ent, n);
		for (e = 0; e < n && ret == 0; e++) {
			const struct sp_config_key *k = NULL;
			int repeat = 0;

			for (j = 0; j < e; j++)
				if (strcmp(ent[j].name, ent[e].name) == 0)
					repeat = 1;
			if (kind == SEC_PORT)
				k = key_find(port_keys, RTE_DIM(port_keys), ent[e].name);
			if (repeat && (k == NULL || !(k->flags & SP_KEY_LIST)) &&
				kind != SEC_ROUTES) {
				ret = PFAIL(ps, "[%s] %s: key given twice", name, ent[e].name);
				break;
			}
			ret = apply_entry(ps, name, kind, idx, ent[e].name, ent[e].value, 1,
				entry_line(ps, s, e));
		}
	}
	free(ent);
	return ret;
}

static int
load_path(const char *path, const char *src, struct sp_config *cfg, char *err, size_t errlen)
{
	struct rte_cfgfile_parameters params = {
		.comment_character = CFG_DEFAULT_COMMENT_CHARACTER,
	};
	struct parser ps = {.cfg = cfg, .src = src, .err = err, .errlen = errlen};
	struct rte_cfgfile *cf;
	FILE *f;
	int ret;

	sp_config_defaults(cfg);
	strlcpy(cfg->source, src, sizeof(cfg->source));
	f = fopen(path, "r");
	if (f == NULL) {
		ret = -errno;
		fail(err, errlen, src, "cannot open: %s", strerror(-ret));
		return ret;
	}
	ret = lint_file(f, &ps);
	fclose(f);
	if (ret == 0) {
		/* Empty values are allowed so "cc =" can mean "the default"; apply_key refuses
		 * the rest. */
		cf = rte_cfgfile_load_with_params(path, CFG_FLAG_EMPTY_VALUES, &params);
		if (cf == NULL) {
			ret = fail(err, errlen, src, "syntax error (rte_cfgfile_load failed)");
		} else {
			ret = parse_cfgfile(cf, &ps);
			rte_cfgfile_close(cf);
		}
	}
	free(ps.key_line);
	free(ps.sec_first);
	if (ret == 0) {
		finalize(&ps);
		ret = sp_config_validate(cfg, err, errlen);
	}
	return ret;
}

int
sp_config_load(const char *path, struct sp_config *cfg, char *err, size_t errlen)
{
	if (path == NULL || cfg == NULL)
		return fail(err, errlen, "config", "no file name");
	return load_path(path, path, cfg, err, errlen);
}

int
sp_config_parse_string(
	const char *text, const char *name, struct sp_config *cfg, char *err, size_t errlen)
{
	char path[64];
	size_t len, off = 0;
	int fd, ret;

	if (text == NULL || cfg == NULL)
		return fail(err, errlen, name, "no text");
	if (name == NULL)
		name = "(string)";
	/* rte_cfgfile reads only files: give it an anonymous in-memory one. */
	fd = memfd_create("spindle-config", MFD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		fail(err, errlen, name, "memfd_create: %s", strerror(errno));
		return ret;
	}
	len = strlen(text);
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0) {
			ret = -errno;
			close(fd);
			fail(err, errlen, name, "write: %s", strerror(-ret));
			return ret;
		}
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = load_path(path, name, cfg, err, errlen);
	close(fd);
	return ret;
}

int
sp_config_override(struct sp_config *cfg, const char *assignment, char *err, size_t errlen)
{
	char lhs[2 * CFG_NAME_LEN], val[CFG_VALUE_LEN], sec[CFG_NAME_LEN];
	struct parser ps = {.src = OVERRIDE_SOURCE, .err = err, .errlen = errlen};
	const char *eq, *dot, *key;
	struct sp_config *tmp;
	enum sec_kind kind;
	unsigned idx = 0;
	size_t n;
	int ret;

	if (cfg == NULL || assignment == NULL)
		return fail(err, errlen, OVERRIDE_SOURCE, "no assignment");
	eq = strchr(assignment, '=');
	if (eq == NULL || (size_t)(eq - assignment) >= sizeof(lhs) || strlen(eq + 1) >= sizeof(val))
		return fail(
			err, errlen, OVERRIDE_SOURCE, "'%s' is not SECTION.KEY=VALUE", assignment);
	trim_copy(lhs, sizeof(lhs), assignment, (size_t)(eq - assignment));
	trim_copy(val, sizeof(val), eq + 1, strlen(eq + 1));
	/* The key never has a dot, a section may ("service.http"): split at the last one. */
	dot = strrchr(lhs, '.');
	if (dot == NULL || dot == lhs || dot[1] == '\0' || (size_t)(dot - lhs) >= sizeof(sec))
		return fail(
			err, errlen, OVERRIDE_SOURCE, "'%s' is not SECTION.KEY=VALUE", assignment);
	n = (size_t)(dot - lhs);
	memcpy(sec, lhs, n);
	sec[n] = '\0';
	key = dot + 1;

	/* Work on a copy: a refused override leaves @cfg as it was. */
	tmp = malloc(sizeof(*tmp));
	if (tmp == NULL)
		return fail(err, errlen, OVERRIDE_SOURCE, "out of memory");
	*tmp = *cfg;
	ps.cfg = tmp;
	ret = classify(&ps, sec, &kind, &idx);
	if (ret == 0 && kind == SEC_PORT) {
		if (idx > tmp->n_ports)
			ret = fail(err, errlen, OVERRIDE_SOURCE,
				"[%s]: port sections must be contiguous from port0 (port%u is missing)",
				sec, tmp->n_ports);
		else if (idx == tmp->n_ports) {
			port_defaults(&tmp->ports[idx], idx);
			tmp->n_ports++;
		}
	}
	if (ret == 0)
		ret = apply_entry(&ps, sec, kind, idx, key, val, 0, 0);
	if (ret == 0) {
		finalize(&ps);
		ret = validate_impl(tmp, 1, err, errlen);
		if (ret != 0 && err != NULL && errlen > 0) {
			size_t l = strnlen(err, errlen);

			snprintf(err + l, errlen - l, " (after --set %s)", assignment);
		}
	}
	if (ret == 0)
		*cfg = *tmp;
	free(tmp);
	return ret;
}
