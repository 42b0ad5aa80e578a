/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 options (RFC 791 section 3.1): the well-formedness check every received header passes,
 * and the options an echo or timestamp reply carries back (RFC 1122 3.2.2.6, 3.2.2.8).
 */
#include <string.h>

#include "sp_wire.h"

/* RFC 791 option kinds that need more than the generic TLV check. */
#define IPOPT_EOL  0
#define IPOPT_NOP  1
#define IPOPT_RR   7
#define IPOPT_TS   68
#define IPOPT_LSRR 131
#define IPOPT_SSRR 137

/* Timestamp option flags (RFC 791 p.22): the low 4 bits of its fourth byte. */
#define IPOPT_TS_TSONLY	   0
#define IPOPT_TS_TSANDADDR 1
#define IPOPT_TS_PRESPEC   3
#define IPOPT_TS_OFLW_MAX  15 /* the 4-bit overflow count */

/*
 * A route option (RR, LSRR, SSRR) at @p o of @p olen bytes: pointer at least 4 (RFC 791 p.20),
 * and while it is inside the option (room left) a whole 4-byte slot at it. A pointer past the
 * option means the route data is full, which is allowed. @return 0 when well-formed, else the
 * offset in the option of the byte at fault (its length or its pointer).
 */
static unsigned
route_opt_bad(const uint8_t *o, uint8_t olen)
{
	uint8_t ptr;

	if (olen < 3)
		return 1;
	ptr = o[2];
	return ptr >= 4 && (ptr > olen || ptr + 3 <= olen) ? 0 : 2;
}

/*
 * A timestamp option (RFC 791 p.22): pointer at least 5; with room left, a whole slot at the
 * pointer (8 bytes for the flags that carry an address); when full, an overflow count that can
 * still be incremented ("If the overflow count itself overflows, the original datagram is
 * considered to be in error"), as Linux's ip_options_compile() checks. A prespecified list that
 * is full does not count overflows (every host it names has had its turn), as in Linux.
 * @return 0 when well-formed, else the offset in the option of the byte at fault.
 */
static unsigned
ts_opt_bad(const uint8_t *o, uint8_t olen)
{
	uint8_t ptr, flag;

	if (olen < 4)
		return 1;
	ptr = o[2];
	flag = o[3] & 0x0f;
	if (ptr < 5)
		return 2;
	if (ptr <= olen) {
		if (ptr + 3 > olen)
			return 2;
		if ((flag == IPOPT_TS_TSANDADDR || flag == IPOPT_TS_PRESPEC) && ptr + 7 > olen)
			return 2;
		return 0;
	}
	return flag == IPOPT_TS_PRESPEC || (o[3] >> 4) < IPOPT_TS_OFLW_MAX ? 0 : 3;
}

/*
 * Options are TLVs except EOL and NOP (RFC 791 p.15). A length below 2 or one that runs past
 * the header makes the datagram unparseable: RFC 1122 3.2.1.8 lets us discard it. The rest
 * are the malformations Linux's ip_options_compile() rejects.
 */
int
sp_ipv4_opts_check(const uint8_t *o, unsigned len, bool *srr, unsigned *err_off)
{
	bool seen_rr = false, seen_ts = false;
	unsigned i = 0, bad;

	*srr = false;
	while (i < len) {
		uint8_t kind = o[i];
		uint8_t olen;

		if (kind == IPOPT_EOL)
			break;
		if (kind == IPOPT_NOP) {
			i++;
			continue;
		}
		*err_off = i;
		if (i + 1 >= len)
			return SP_WIRE_BAD_OPTS;
		olen = o[i + 1];
		if (olen < 2 || i + olen > len)
			return SP_WIRE_BAD_OPTS;
		bad = 0;
		switch (kind) {
		case IPOPT_LSRR:
		case IPOPT_SSRR:
			/* RFC 791: a source route appears at most once. */
			if (*srr)
				return SP_WIRE_BAD_OPTS;
			bad = route_opt_bad(o + i, olen);
			*srr = true;
			break;
		case IPOPT_RR:
			/* RFC 791: record route appears at most once (Linux: timestamp too). */
			if (seen_rr)
				return SP_WIRE_BAD_OPTS;
			bad = route_opt_bad(o + i, olen);
			seen_rr = true;
			break;
		case IPOPT_TS:
			if (seen_ts)
				return SP_WIRE_BAD_OPTS;
			bad = ts_opt_bad(o + i, olen);
			seen_ts = true;
			break;
		default:
			break;
		}
		if (bad != 0) {
			*err_off = i + bad;
			return SP_WIRE_BAD_OPTS;
		}
		i += olen;
	}
	return SP_WIRE_OK;
}

/* Record @p addr in a copied record route option @p d when there is room (RFC 791 p.20). */
static void
echo_rr(uint8_t *d, uint8_t olen, uint32_t addr)
{
	uint8_t ptr = d[2];

	if (ptr > olen)
		return; /* full: RFC 791 adds nothing (and RR has no overflow count) */
	sp_wire_wr32(d + ptr - 1, addr);
	d[2] = (uint8_t)(ptr + 4);
}

/* Update a copied timestamp option @p d with @p addr and @p ms (RFC 791 p.22). */
static void
echo_ts(uint8_t *d, uint8_t olen, uint32_t addr, uint32_t ms)
{
	uint8_t ptr = d[2], flag = d[3] & 0x0f;

	if (ptr > olen) {
		/* Full: one more host could not register (sp_ipv4_opts_check() left room). */
		if (flag != IPOPT_TS_PRESPEC)
			d[3] = (uint8_t)(d[3] + 0x10);
		return;
	}
	switch (flag) {
	case IPOPT_TS_TSONLY:
		sp_wire_wr32(d + ptr - 1, ms);
		d[2] = (uint8_t)(ptr + 4);
		break;
	case IPOPT_TS_TSANDADDR:
		sp_wire_wr32(d + ptr - 1, addr);
		sp_wire_wr32(d + ptr + 3, ms);
		d[2] = (uint8_t)(ptr + 8);
		break;
	case IPOPT_TS_PRESPEC:
		/* Only the host the next slot names records its time. */
		if (sp_wire_rd32(d + ptr - 1) == addr) {
			sp_wire_wr32(d + ptr + 3, ms);
			d[2] = (uint8_t)(ptr + 8);
		}
		break;
	default:
		break; /* undefined flag: copied unchanged, as Linux does */
	}
}

unsigned
sp_ipv4_opts_echo(const uint8_t *o, unsigned len, uint32_t addr, uint32_t ms, uint8_t *out)
{
	unsigned i = 0, n = 0, rr = 0, ts = 0;
	uint8_t rr_len = 0, ts_len = 0;

	/* Find them (the check guarantees well-formed TLVs, each at most once). */
	while (i < len && o[i] != IPOPT_EOL) {
		if (o[i] == IPOPT_NOP) {
			i++;
			continue;
		}
		if (o[i] == IPOPT_RR) {
			rr = i;
			rr_len = o[i + 1];
		} else if (o[i] == IPOPT_TS) {
			ts = i;
			ts_len = o[i + 1];
		}
		i += o[i + 1];
	}
	/* Record route first, then timestamp, whatever their order in the request (as Linux). */
	if (rr_len != 0) {
		memcpy(out, o + rr, rr_len);
		echo_rr(out, rr_len, addr);
		n += rr_len;
	}
	if (ts_len != 0) {
		memcpy(out + n, o + ts, ts_len);
		echo_ts(out + n, ts_len, addr, ms);
		n += ts_len;
	}
	/* The header is counted in 32-bit words: pad with end-of-options. */
	while (n & 3)
		out[n++] = IPOPT_EOL;
	return n;
}
