/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 reassembly (RFC 791 section 3.2, RFC 815) and fragmentation.
 *
 * Fragmentation uses DPDK's rte_ipv4_fragment_packet() (zero-copy: indirect mbufs on the
 * original payload).
 *
 * Reassembly does NOT use rte_ip_frag's table: Debian's DPDK 22.11 is built with
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG = 8, so rte_ipv4_frag_reassemble_packet() gives up on any
 * datagram of more than 8 fragments (about 11.8 KB at MTU 1500), while spindle must answer
 * 65507-byte echo requests (45 fragments). It also keeps no byte ranges, so it cannot tell an
 * overlap from a missing fragment until the end. This table keeps, per datagram, the
 * fragments sorted by offset, which gives RFC 5722-style overlap detection for free:
 *   - flows are found with rte_hash on {src, dst, id, proto} (RFC 791's reassembly key),
 *     seeded randomly so the bucket layout cannot be predicted;
 *   - at most stack.frag_max_flows datagrams are in progress; a new one evicts the oldest;
 *   - fragments held by all flows together are bounded (a quarter of the lcore's mbuf pool),
 *     so fragments alone cannot starve RX of mbufs;
 *   - a datagram not complete within stack.frag_timeout_ms is discarded (RFC 1122 3.3.2),
 *     with an ICMP time exceeded (code 1) when its first fragment had arrived;
 *   - an overlapping fragment discards the whole datagram and every later fragment of it until
 *     the timeout (RFC 5722 section 4 in spirit; exact duplicates are ignored, as Linux does).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "sp_log.h"
#include "sp_proto.h"

#define FRAG_MAX_PIECES 64 /**< fragments per datagram (65535/64 ~ 1 KB per fragment) */
#define FRAG_NIL	UINT32_MAX

struct frag_key {
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint8_t pad;
};

struct frag_piece {
	uint16_t ofs, end; /* payload bytes [ofs, end) */
	uint8_t ihl;
	uint32_t next; /* next piece of the same flow (by offset), or FRAG_NIL */
	struct rte_mbuf *m;
};

struct frag_flow {
	struct frag_key key;
	TAILQ_ENTRY(frag_flow) lru;
	uint64_t start; /* ctx->now when the first fragment arrived */
	uint32_t head;	/* first piece (lowest offset) */
	uint32_t have;	/* payload bytes held */
	uint32_t total; /* payload length, known once the last fragment arrived; else 0 */
	uint16_t n;
	uint16_t port;
	bool dead; /* discarded after an overlap: later fragments are dropped too */
};

TAILQ_HEAD(frag_flow_list, frag_flow);

struct sp_frag_table {
	struct rte_hash *h;
	struct frag_flow_list lru; /* in-progress flows, oldest first */
	struct frag_flow_list free;
	uint64_t timeout; /* cycles */
	uint32_t max_flows;
	uint32_t n_pieces;
	uint32_t piece_free; /* free list of pieces through .next */
	struct frag_piece *pieces;
	struct frag_flow *flows;
};

static inline struct sp_frag_table *
frag_tbl(struct sp_ctx *ctx)
{
	return ctx->frag_tbl;
}

int
sp_frag_init(struct sp_ctx *ctx)
{
	const struct sp_stack_cfg *sc = &ctx->cfg->stack;
	struct rte_hash_parameters hp = {0};
	struct sp_frag_table *t;
	char name[RTE_HASH_NAMESIZE];
	uint32_t i, max_flows = sc->frag_max_flows ? sc->frag_max_flows : 1024;
	uint32_t n_pieces;

	n_pieces = ctx->pool != NULL ? ctx->pool->size / 4 : 1024;
	if (n_pieces < FRAG_MAX_PIECES)
		n_pieces = FRAG_MAX_PIECES;
	t = rte_zmalloc_socket("sp_frag", sizeof(*t), RTE_CACHE_LINE_SIZE, ctx->socket);
	if (t == NULL)
		return -ENOMEM;
	t->flows = rte_zmalloc_socket(
		"sp_frag_flows", sizeof(*t->flows) * max_flows, RTE_CACHE_LINE_SIZE, ctx->socket);
	t->pieces = rte_zmalloc_socket(
		"sp_frag_pieces", sizeof(*t->pieces) * n_pieces, RTE_CACHE_LINE_SIZE, ctx->socket);
	snprintf(name, sizeof(name), "spf_%p", (void *)t);
	hp.name = name;
	hp.entries = max_flows < 8 ? 8 : max_flows;
	hp.key_len = sizeof(struct frag_key);
	hp.hash_func = rte_hash_crc;
	hp.hash_func_init_val = (uint32_t)rte_rand();
	hp.socket_id = ctx->socket;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	if (t->flows != NULL && t->pieces != NULL)
		t->h = rte_hash_create(&hp);
	if (t->h == NULL) {
		SP_LOG(ERR, frag, "cannot create the reassembly table (%u flows)", max_flows);
		rte_free(t->flows);
		rte_free(t->pieces);
		rte_free(t);
		return -ENOMEM;
	}
	TAILQ_INIT(&t->lru);
	TAILQ_INIT(&t->free);
	for (i = 0; i < max_flows; i++)
		TAILQ_INSERT_TAIL(&t->free, &t->flows[i], lru);
	for (i = 0; i < n_pieces; i++)
		t->pieces[i].next = i + 1 < n_pieces ? i + 1 : FRAG_NIL;
	t->piece_free = 0;
	t->n_pieces = n_pieces;
	t->max_flows = max_flows;
	t->timeout = ctx->hz * (sc->frag_timeout_ms ? sc->frag_timeout_ms : 2000) / 1000;
	ctx->frag_tbl = t;
	return 0;
}

/* Free the pieces of @p f (and their mbufs); the flow stays in the table. */
static void
flow_free_pieces(struct sp_frag_table *t, struct frag_flow *f)
{
	uint32_t i = f->head, next;

	while (i != FRAG_NIL) {
		next = t->pieces[i].next;
		rte_pktmbuf_free(t->pieces[i].m);
		t->pieces[i].m = NULL;
		t->pieces[i].next = t->piece_free;
		t->piece_free = i;
		i = next;
	}
	f->head = FRAG_NIL;
	f->n = 0;
	f->have = 0;
}

static void
flow_remove(struct sp_frag_table *t, struct frag_flow *f)
{
	flow_free_pieces(t, f);
	rte_hash_del_key(t->h, &f->key);
	TAILQ_REMOVE(&t->lru, f, lru);
	TAILQ_INSERT_TAIL(&t->free, f, lru);
}

/* Discard a datagram but remember it, so its remaining fragments are dropped (RFC 5722). */
static void
flow_kill(struct sp_ctx *ctx, struct sp_frag_table *t, struct frag_flow *f)
{
	SP_LOG(DEBUG, frag, "datagram %08x->%08x id %u proto %u discarded (overlap/inconsistent)",
		f->key.src, f->key.dst, f->key.id, f->key.proto);
	flow_free_pieces(t, f);
	f->dead = true;
	SP_STAT(ctx, f->port, ip_reasm_fails);
}

/*
 * RFC 1122 3.3.2: on reassembly timeout send time exceeded (code 1) if fragment zero arrived;
 * sp_icmp_send_error() applies the usual suppression rules and the rate limit.
 */
static void
flow_timeout(struct sp_ctx *ctx, struct sp_frag_table *t, struct frag_flow *f)
{
	if (!f->dead) {
		SP_STAT(ctx, f->port, ip_reasm_fails);
		if (f->head != FRAG_NIL && t->pieces[f->head].ofs == 0) {
			struct rte_mbuf *m = t->pieces[f->head].m;
			struct sp_ipv4 ip;

			if (sp_ipv4_parse_ext(rte_pktmbuf_mtod(m, const void *), m->data_len,
				    m->pkt_len, &ip) == SP_WIRE_OK) {
				uint8_t l3 = (uint8_t)m->l3_len;

				m->l3_len = 0;
				sp_icmp_send_error(ctx, f->port, m, &ip, SP_ICMP_TIME_EXCEEDED,
					SP_ICMP_TIMXCEED_REASS, 0);
				m->l3_len = l3;
			}
		}
	}
	flow_remove(t, f);
}

void
sp_frag_fini(struct sp_ctx *ctx)
{
	struct sp_frag_table *t = frag_tbl(ctx);
	struct frag_flow *f;

	if (t == NULL)
		return;
	while ((f = TAILQ_FIRST(&t->lru)) != NULL)
		flow_remove(t, f);
	rte_hash_free(t->h);
	rte_free(t->flows);
	rte_free(t->pieces);
	rte_free(t);
	ctx->frag_tbl = NULL;
}

void
sp_frag_expire(struct sp_ctx *ctx)
{
	struct sp_frag_table *t = frag_tbl(ctx);
	struct frag_flow *f;

	if (t == NULL)
		return;
	/* The LRU list is in arrival order of first fragments: stop at the first live one. */
	while ((f = TAILQ_FIRST(&t->lru)) != NULL && ctx->now - f->start > t->timeout)
		flow_timeout(ctx, t, f);
}

static struct frag_flow *
flow_new(struct sp_ctx *ctx, struct sp_frag_table *t, const struct frag_key *key, uint16_t port)
{
	struct frag_flow *f = TAILQ_FIRST(&t->free);

	if (f == NULL) {
		/* Table full: the oldest datagram in progress gives way. */
		f = TAILQ_FIRST(&t->lru);
		if (f == NULL)
			return NULL;
		if (!f->dead)
			SP_STAT(ctx, f->port, ip_reasm_fails);
		flow_remove(t, f);
	}
	f->key = *key;
	if (rte_hash_add_key_data(t->h, &f->key, f) < 0)
		return NULL;
	TAILQ_REMOVE(&t->free, f, lru);
	TAILQ_INSERT_TAIL(&t->lru, f, lru);
	f->start = ctx->now;
	f->head = FRAG_NIL;
	f->have = 0;
	f->total = 0;
	f->n = 0;
	f->port = port;
	f->dead = false;
	return f;
}

/* Take a free piece; when none is left, evict the oldest other datagrams. */
static uint32_t
piece_get(struct sp_ctx *ctx, struct sp_frag_table *t, struct frag_flow *self)
{
	struct frag_flow *f;
	uint32_t i;

	while (t->piece_free == FRAG_NIL) {
		f = TAILQ_FIRST(&t->lru);
		if (f == self)
			f = TAILQ_NEXT(f, lru);
		if (f == NULL)
			return FRAG_NIL;
		if (!f->dead)
			SP_STAT(ctx, f->port, ip_reasm_fails);
		flow_remove(t, f);
	}
	i = t->piece_free;
	t->piece_free = t->pieces[i].next;
	return i;
}

/* All pieces are contiguous from 0 to total: chain them behind the first. */
static struct rte_mbuf *
flow_complete(struct sp_ctx *ctx, struct sp_frag_table *t, struct frag_flow *f)
{
	struct frag_piece *p = &t->pieces[f->head];
	struct rte_mbuf *head = p->m;
	struct rte_ipv4_hdr *h;
	uint32_t i = p->next;

	p->m = NULL;
	while (i != FRAG_NIL) {
		struct rte_mbuf *m = t->pieces[i].m;

		t->pieces[i].m = NULL;
		rte_pktmbuf_adj(m, t->pieces[i].ihl);
		if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			head = NULL;
		}
		if (head == NULL)
			break;
		i = t->pieces[i].next;
	}
	flow_remove(t, f);
	if (head == NULL) {
		SP_STAT(ctx, f->port, ip_reasm_fails);
		return NULL;
	}
	/* The datagram is whole now: fix length and flags, keep DF (RFC 791 p.27). */
	h = rte_pktmbuf_mtod(head, struct rte_ipv4_hdr *);
	h->total_length = rte_cpu_to_be_16((uint16_t)head->pkt_len);
	h->fragment_offset &= rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
	/* A PMD's L4 verdict about the first fragment says nothing about the datagram. */
	head->ol_flags &= ~RTE_MBUF_F_RX_L4_CKSUM_MASK;
	return head;
}

struct rte_mbuf *
sp_frag_reassemble(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip)
{
	struct sp_frag_table *t = frag_tbl(ctx);
	struct frag_key key = {.src = ip->src, .dst = ip->dst, .id = ip->id, .proto = ip->proto};
	uint32_t len = (uint32_t)(ip->total_len - ip->ihl);
	uint32_t ofs = ip->frag_off, end = ofs + len;
	struct frag_flow *f = NULL;
	uint32_t prev, cur, i;
	void *data;

	SP_STAT(ctx, port, ip_frag_in);
	if (unlikely(t == NULL))
		goto drop_bad;
	/* RFC 791: every fragment but the last carries a non-zero multiple of 8 octets. */
	if (len == 0 || (ip->mf && (len & 7) != 0))
		goto drop_bad;
	/* The whole datagram would exceed 65535 octets ("ping of death"). */
	if (end + ip->ihl > UINT16_MAX)
		goto drop_bad;
	/*
	 * RFC 1858: a first fragment too small to hold the TCP header (tiny fragment attack, 3.1)
	 * or a TCP fragment at offset 8 rewriting the flags (overlapping fragment attack, 3.2).
	 */
	if (ip->proto == IPPROTO_TCP &&
		((ofs == 0 && ip->mf && len < sizeof(struct rte_tcp_hdr)) || ofs == 8))
		goto drop_bad;
	/* Only the header must be contiguous: chaining strips it from the first segment. */
	if (unlikely(m->data_len < ip->ihl))
		goto drop_bad;

	if (rte_hash_lookup_data(t->h, &key, &data) >= 0) {
		f = data;
		if (ctx->now - f->start > t->timeout) {
			flow_timeout(ctx, t, f);
			f = NULL;
		}
	}
	if (f == NULL) {
		f = flow_new(ctx, t, &key, port);
		if (f == NULL)
			goto drop_fail;
	}
	if (f->dead)
		goto drop_discarded;

	/* The last fragment fixes the length; everything must agree with it. */
	if (!ip->mf) {
		if (f->total != 0 && f->total != end)
			goto kill;
		f->total = end;
	} else if (f->total != 0 && end > f->total) {
		goto kill;
	}

	/* Find the place by offset; any overlap with a neighbour discards the datagram. */
	prev = FRAG_NIL;
	cur = f->head;
	while (cur != FRAG_NIL && t->pieces[cur].ofs < ofs) {
		prev = cur;
		cur = t->pieces[cur].next;
	}
	if (cur != FRAG_NIL && t->pieces[cur].ofs == ofs && t->pieces[cur].end == end)
		goto drop_dup;
	if ((prev != FRAG_NIL && t->pieces[prev].end > ofs) ||
		(cur != FRAG_NIL && t->pieces[cur].ofs < end))
		goto kill;
	if (f->total != 0 && (f->head != FRAG_NIL)) {
		/* A piece beyond a newly learned end is an overlap with "nothing": inconsistent. */
		for (i = f->head; i != FRAG_NIL; i = t->pieces[i].next)
			if (t->pieces[i].end > f->total)
				goto kill;
	}
	if (f->n >= FRAG_MAX_PIECES)
		goto kill;
	i = piece_get(ctx, t, f);
	if (i == FRAG_NIL)
		goto kill;
	t->pieces[i].ofs = (uint16_t)ofs;
	t->pieces[i].end = (uint16_t)end;
	t->pieces[i].ihl = ip->ihl;
	t->pieces[i].m = m;
	t->pieces[i].next = cur;
	if (prev == FRAG_NIL)
		f->head = i;
	else
		t->pieces[prev].next = i;
	f->n++;
	f->have += len;
	/* Non-overlapping pieces inside [0, total) that add up to total cover it exactly. */
	if (f->total != 0 && f->have == f->total) {
		m = flow_complete(ctx, t, f);
		if (m != NULL)
			SP_STAT(ctx, port, ip_reasm_ok);
		return m;
	}
	return NULL;

kill:
	flow_kill(ctx, t, f);
	rte_pktmbuf_free(m);
	return NULL;
drop_dup:
	SP_STAT(ctx, port, ip_frag_dup);
	rte_pktmbuf_free(m);
	return NULL;
drop_discarded:
	SP_STAT(ctx, port, ip_frag_discarded);
	rte_pktmbuf_free(m);
	return NULL;
drop_fail:
	SP_STAT(ctx, port, ip_reasm_fails);
	rte_pktmbuf_free(m);
	return NULL;
drop_bad:
	SP_STAT(ctx, port, ip_frag_bad);
	rte_pktmbuf_free(m);
	return NULL;
}

int
sp_frag_fragment(struct sp_ctx *ctx, struct rte_mbuf *m, uint16_t mtu, struct rte_mbuf **out,
	unsigned max_out)
{
	int32_t n, i;

	if (max_out > UINT16_MAX)
		max_out = UINT16_MAX;
	/*
	 * The fragments are new direct mbufs holding a copy of the header, chained to indirect
	 * mbufs on @p m's payload; freeing @p m afterwards leaves the payload to them.
	 */
	n = rte_ipv4_fragment_packet(m, out, (uint16_t)max_out, mtu, ctx->pool, ctx->pool);
	rte_pktmbuf_free(m);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(out[i], struct rte_ipv4_hdr *);

		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
		out[i]->ol_flags = 0;
		out[i]->l3_len = rte_ipv4_hdr_len(h);
	}
	return n;
}
