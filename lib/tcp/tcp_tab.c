/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 4-tuple tables with chains through their members (tcp_tab.h). They replaced rte_hash for the
 * connection and TIME-WAIT tables: rte_hash's insert (about 350 instructions with its key copy,
 * signature and cuckoo bucket search), removal (about 150) and lookup (about 140 after the
 * hash) were a tenth of a short connection's work, and its key store a second memory access
 * per lookup. Here a lookup reads one bucket and the members of its chain; with at least as
 * many buckets as members a chain is about one member long. The hash is keyed with a secret of
 * the lcore (sp_tcp_key_hash()), so a peer cannot choose tuples that share one chain.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "tcp.h"
#include "tcp_tab.h"

int
sp_tcp_tab_init(struct sp_tcp_tab *tab, uint32_t entries, ptrdiff_t key_off, int socket)
{
	uint32_t n = rte_align32pow2(RTE_MAX(entries, 8u));

	memset(tab, 0, sizeof(*tab));
	if (n == 0) /* above 2^31 */
		return -ENOMEM;
	tab->bkt = rte_zmalloc_socket(
		"sp_tcp_tab", (size_t)n * sizeof(*tab->bkt), RTE_CACHE_LINE_SIZE, socket);
	if (tab->bkt == NULL)
		return -ENOMEM;
	tab->mask = n - 1;
	tab->key_off = key_off;
	return 0;
}

void
sp_tcp_tab_fini(struct sp_tcp_tab *tab)
{
	rte_free(tab->bkt);
	tab->bkt = NULL;
	tab->n = 0;
}

struct sp_tcp_tab_node *
sp_tcp_tab_lookup(const struct sp_tcp_tab *tab, const struct sp_tcp_key *k, uint32_t hash)
{
	struct sp_tcp_tab_node *n;

	for (n = tab->bkt[hash & tab->mask]; n != NULL; n = n->next)
		if (sp_tcp_key_eq(sp_tcp_tab_key(tab, n), k))
			return n;
	return NULL;
}

void
sp_tcp_tab_remove(struct sp_tcp_tab *tab, struct sp_tcp_tab_node *n, uint32_t hash)
{
	struct sp_tcp_tab_node **pp = &tab->bkt[hash & tab->mask];

	while (*pp != NULL && *pp != n)
		pp = &(*pp)->next;
	if (*pp == NULL)
		return;
	*pp = n->next;
	n->next = NULL;
	tab->n--;
}

struct sp_tcp_tab_node *
sp_tcp_tab_next(const struct sp_tcp_tab *tab, const struct sp_tcp_tab_node *cur, uint32_t *bkt)
{
	uint32_t b = *bkt;

	if (cur != NULL) {
		if (cur->next != NULL)
			return cur->next;
		b++;
	}
	for (; b <= tab->mask; b++)
		if (tab->bkt[b] != NULL) {
			*bkt = b;
			return tab->bkt[b];
		}
	*bkt = tab->mask + 1;
	return NULL;
}
