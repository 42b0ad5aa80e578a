/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A 4-tuple table with chains through its members (tcp_tab.c): the connection table and the
 * TIME-WAIT table. A member embeds a struct sp_tcp_tab_node and keeps its key and its hash
 * (sp_tcp_key_hash()) itself; the table stores neither, so an insert is two stores, a removal a
 * walk of one bucket's chain, and nothing is ever refused: a table's members are bounded by
 * their owner (tcp.max_connections, tcp.max_timewait), the buckets by the table's size.
 */
#ifndef SP_TCP_TAB_H
#define SP_TCP_TAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** 4-tuple key of the connection and TIME-WAIT tables, host order. */
struct sp_tcp_key {
	uint32_t lip, rip;
	uint16_t lport, rport;
};

/** The link of one member: the next member of its bucket. */
struct sp_tcp_tab_node {
	struct sp_tcp_tab_node *next;
};

struct sp_tcp_tab {
	struct sp_tcp_tab_node **bkt;
	uint32_t mask;	   /* buckets - 1 (a power of two) */
	uint32_t n;	   /* members */
	ptrdiff_t key_off; /* from a member's node to its struct sp_tcp_key */
};

/**
 * At least @p entries buckets (the next power of two), on @p socket; @p key_off: offsetof(member,
 * key) - offsetof(member, node). @return 0 or -ENOMEM.
 */
int sp_tcp_tab_init(struct sp_tcp_tab *tab, uint32_t entries, ptrdiff_t key_off, int socket);
void sp_tcp_tab_fini(struct sp_tcp_tab *tab);

static inline const struct sp_tcp_key *
sp_tcp_tab_key(const struct sp_tcp_tab *tab, const struct sp_tcp_tab_node *n)
{
	return (const struct sp_tcp_key *)(const void *)((const char *)n + tab->key_off);
}

static inline bool
sp_tcp_key_eq(const struct sp_tcp_key *a, const struct sp_tcp_key *b)
{
	return a->lip == b->lip && a->rip == b->rip && a->lport == b->lport && a->rport == b->rport;
}

/** The member with key @p k (whose sp_tcp_key_hash() is @p hash), or NULL. */
struct sp_tcp_tab_node *sp_tcp_tab_lookup(
	const struct sp_tcp_tab *tab, const struct sp_tcp_key *k, uint32_t hash);

/** @p n (not a member; its key not in the table) becomes one. */
static inline void
sp_tcp_tab_insert(struct sp_tcp_tab *tab, struct sp_tcp_tab_node *n, uint32_t hash)
{
	struct sp_tcp_tab_node **b = &tab->bkt[hash & tab->mask];

	n->next = *b;
	*b = n;
	tab->n++;
}

/** @p n, a member inserted with @p hash, leaves. */
void sp_tcp_tab_remove(struct sp_tcp_tab *tab, struct sp_tcp_tab_node *n, uint32_t hash);

/**
 * Walk: the member after @p cur (NULL: the first), @p *bkt the walk's bucket (0 before the
 * first call). NULL at the end. The member returned may be removed before the next call only if
 * its successor was taken first (sp_tcp_fini() does).
 */
struct sp_tcp_tab_node *sp_tcp_tab_next(
	const struct sp_tcp_tab *tab, const struct sp_tcp_tab_node *cur, uint32_t *bkt);

#endif
