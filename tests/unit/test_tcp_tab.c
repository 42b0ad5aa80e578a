/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_tab.c, the 4-tuple table of connections and TIME-WAIT entries: lookups follow inserts and
 * removals, whatever the chain (tuples forced into one bucket), the walk visits each member
 * once and survives the removal of the member it returned, and the hash is the lcore's keyed
 * one.
 */
#include "sp_test.h"
#include "tcp.h"

struct member {
	uint64_t pad; /* the key is not at the node: key_off is used */
	struct sp_tcp_tab_node node;
	struct sp_tcp_key key;
	uint32_t hash;
};

#define N_MEMBERS 64

static struct member m[N_MEMBERS];

static void
tab_new(struct sp_tcp_tab *tab, uint32_t buckets)
{
	assert_int_equal(sp_tcp_tab_init(tab, buckets,
				 offsetof(struct member, key) - offsetof(struct member, node),
				 SOCKET_ID_ANY),
		0);
}

/* Member i: a tuple; with same_bucket, every hash is the same (one chain). */
static void
members_fill(bool same_bucket)
{
	unsigned i;

	memset(m, 0, sizeof(m));
	for (i = 0; i < N_MEMBERS; i++) {
		m[i].key.lip = 0xc6120002;
		m[i].key.rip = 0xc6120001 + (i & 3);
		m[i].key.lport = 80;
		m[i].key.rport = (uint16_t)(1024 + i);
		m[i].hash = same_bucket ? 0x5a5a5a5a : i * 0x9e3779b1u;
	}
}

static struct member *
find(struct sp_tcp_tab *tab, unsigned i)
{
	struct sp_tcp_tab_node *n = sp_tcp_tab_lookup(tab, &m[i].key, m[i].hash);

	return n != NULL ? container_of(n, struct member, node) : NULL;
}

static void
check_table(struct sp_tcp_tab *tab, const bool *in)
{
	unsigned i, n = 0, seen[N_MEMBERS] = {0};
	struct sp_tcp_tab_node *x;
	uint32_t b = 0;

	for (i = 0; i < N_MEMBERS; i++) {
		assert_ptr_equal(find(tab, i), in[i] ? &m[i] : NULL);
		n += in[i];
	}
	assert_int_equal(tab->n, n);
	for (x = sp_tcp_tab_next(tab, NULL, &b); x != NULL; x = sp_tcp_tab_next(tab, x, &b)) {
		struct member *e = container_of(x, struct member, node);

		assert_true(e >= m && e < m + N_MEMBERS);
		assert_true(in[e - m]);
		seen[e - m]++;
	}
	for (i = 0; i < N_MEMBERS; i++)
		assert_int_equal(seen[i], in[i] ? 1 : 0);
}

static void
run_inserts_removals(bool same_bucket, uint32_t buckets)
{
	struct sp_tcp_tab tab;
	bool in[N_MEMBERS] = {false};
	unsigned i, step;

	members_fill(same_bucket);
	tab_new(&tab, buckets);
	assert_true(tab.mask + 1 >= buckets && ((tab.mask + 1) & tab.mask) == 0);
	check_table(&tab, in);
	for (i = 0; i < N_MEMBERS; i++) {
		sp_tcp_tab_insert(&tab, &m[i].node, m[i].hash);
		in[i] = true;
	}
	check_table(&tab, in);
	/* out of the middle, the head and the tail of the chains, in a scrambled order */
	for (step = 0; step < N_MEMBERS; step += 2) {
		i = (step * 37 + 5) % N_MEMBERS;
		sp_tcp_tab_remove(&tab, &m[i].node, m[i].hash);
		in[i] = false;
		check_table(&tab, in);
	}
	/* a removal of what is not a member changes nothing */
	i = (5) % N_MEMBERS;
	assert_false(in[i]);
	sp_tcp_tab_remove(&tab, &m[i].node, m[i].hash);
	check_table(&tab, in);
	/* back in: found again */
	sp_tcp_tab_insert(&tab, &m[i].node, m[i].hash);
	in[i] = true;
	check_table(&tab, in);
	sp_tcp_tab_fini(&tab);
}

static void
test_spread(void **state)
{
	(void)state;
	run_inserts_removals(false, N_MEMBERS);
	run_inserts_removals(false, 8); /* fewer buckets than members: chains of 8 */
}

static void
test_one_chain(void **state)
{
	(void)state;
	run_inserts_removals(true, N_MEMBERS);
}

/* sp_tcp_fini()'s pattern: take the successor, then remove (and free) the member. */
static void
test_walk_removing(void **state)
{
	struct sp_tcp_tab tab;
	struct sp_tcp_tab_node *x, *next;
	bool in[N_MEMBERS] = {false};
	uint32_t b = 0;
	unsigned i, visited = 0;

	(void)state;
	members_fill(false);
	tab_new(&tab, 16);
	for (i = 0; i < N_MEMBERS; i++)
		sp_tcp_tab_insert(&tab, &m[i].node, m[i].hash);
	for (x = sp_tcp_tab_next(&tab, NULL, &b); x != NULL; x = next) {
		struct member *e = container_of(x, struct member, node);

		next = sp_tcp_tab_next(&tab, x, &b);
		sp_tcp_tab_remove(&tab, x, e->hash);
		memset(x, 0xa5, sizeof(*x)); /* as if freed */
		visited++;
	}
	assert_int_equal(visited, N_MEMBERS);
	check_table(&tab, in);
	sp_tcp_tab_fini(&tab);
}

/*
 * The connection table's hash is keyed per lcore: two contexts (two random secrets) put the
 * same tuples in different buckets, so a peer cannot aim a chain. With a 2^-32 chance per tuple
 * that two secrets agree, 64 tuples all hashing alike would mean the key is not used.
 */
static void
test_hash_keyed(void **state)
{
	struct sp_test_env *a = sp_test_env_new(NULL), *b = sp_test_env_new(NULL);
	unsigned i, same = 0;

	(void)state;
	members_fill(false);
	assert_int_not_equal(a->ctx->tcp->hash_seed, b->ctx->tcp->hash_seed);
	for (i = 0; i < N_MEMBERS; i++)
		same += sp_tcp_key_hash(a->ctx, &m[i].key) == sp_tcp_key_hash(b->ctx, &m[i].key);
	assert_true(same < N_MEMBERS);
	sp_test_env_free(b);
	sp_test_env_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_one_chain),
		cmocka_unit_test(test_walk_removing),
		cmocka_unit_test(test_hash_keyed),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("tcp_tab", tests, NULL, NULL);
}
