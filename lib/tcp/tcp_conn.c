/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore connection table (tcp_tab.c, on the 4-tuple), listeners, connection lifetime,
 * state transitions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "tcp.h"

#define TCP_LOG(lvl, ...) rte_log(RTE_LOG_##lvl, RTE_LOGTYPE_USER1, "tcp: " __VA_ARGS__)

static const char *const state_names[] = {
	[SP_TCP_CLOSED] = "CLOSED",
	[SP_TCP_LISTEN] = "LISTEN",
	[SP_TCP_SYN_SENT] = "SYN-SENT",
	[SP_TCP_SYN_RECEIVED] = "SYN-RECEIVED",
	[SP_TCP_ESTABLISHED] = "ESTABLISHED",
	[SP_TCP_FIN_WAIT_1] = "FIN-WAIT-1",
	[SP_TCP_FIN_WAIT_2] = "FIN-WAIT-2",
	[SP_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[SP_TCP_CLOSING] = "CLOSING",
	[SP_TCP_LAST_ACK] = "LAST-ACK",
	[SP_TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *
sp_tcp_state_name(enum sp_tcp_state s)
{
	if ((unsigned)s >= RTE_DIM(state_names))
		return "?";
	return state_names[s];
}

static bool
counts_estab(enum sp_tcp_state s)
{
	return s == SP_TCP_ESTABLISHED || s == SP_TCP_CLOSE_WAIT;
}

/*
 * The only place the state changes; logs it at debug level. It keeps the gauges that follow the
 * state: CurrEstab, and the listener's count of its connections in SYN-RECEIVED (its backlog).
 */
void
sp_tcp_set_state(struct sp_conn *c, enum sp_tcp_state s)
{
	/* the arguments are not even computed unless debug logging is on */
	if (unlikely(rte_log_can_log(RTE_LOGTYPE_USER1, RTE_LOG_DEBUG)))
		TCP_LOG(DEBUG, "%u.%u.%u.%u:%u -> %u.%u.%u.%u:%u %s -> %s\n", c->key.lip >> 24,
			(c->key.lip >> 16) & 0xff, (c->key.lip >> 8) & 0xff, c->key.lip & 0xff,
			c->key.lport, c->key.rip >> 24, (c->key.rip >> 16) & 0xff,
			(c->key.rip >> 8) & 0xff, c->key.rip & 0xff, c->key.rport,
			sp_tcp_state_name(c->state), sp_tcp_state_name(s));
	if (counts_estab(c->state) && !counts_estab(s) && c->ctx->stats[c->port].CurrEstab > 0)
		c->ctx->stats[c->port].CurrEstab--;
	else if (!counts_estab(c->state) && counts_estab(s))
		c->ctx->stats[c->port].CurrEstab++;
	if (c->listener != NULL && s != c->state) {
		if (s == SP_TCP_SYN_RECEIVED)
			c->listener->n_syn_recv++;
		else if (c->state == SP_TCP_SYN_RECEIVED && c->listener->n_syn_recv > 0)
			c->listener->n_syn_recv--;
	}
	c->state = s;
}

int
sp_tcp_init(struct sp_ctx *ctx)
{
	struct sp_tcp *t;

	t = rte_zmalloc_socket("sp_tcp", sizeof(*t), RTE_CACHE_LINE_SIZE, ctx->socket);
	if (t == NULL)
		return -ENOMEM;
	/* at least a bucket per connection: chains of about one */
	if (sp_tcp_tab_init(&t->conns, ctx->cfg->tcp.max_connections,
		    offsetof(struct sp_conn, key) - offsetof(struct sp_conn, hnode),
		    ctx->socket) < 0) {
		rte_free(t);
		return -ENOMEM;
	}
	/* the tables' secret (sp_tcp_key_hash()): from the kernel's generator, as the stack's */
	if (getrandom(&t->hash_seed, sizeof(t->hash_seed), 0) != sizeof(t->hash_seed))
		t->hash_seed = (uint32_t)rte_rand();
	t->cc_default = sp_tcp_cc_find(ctx->cfg->tcp.cc);
	if (t->cc_default == NULL)
		t->cc_default = &sp_tcp_cc_newreno;
	t->next_eph = SP_TCP_EPH_LO + (uint16_t)(ctx->now % (SP_TCP_EPH_HI - SP_TCP_EPH_LO));
	ctx->tcp = t;
	if (sp_tcp_tw_init(ctx) < 0) {
		sp_tcp_tab_fini(&t->conns);
		rte_free(t);
		ctx->tcp = NULL;
		return -ENOMEM;
	}
	sp_tcp_mem_init(ctx);
	return 0;
}

static void
conn_free_queues(struct sp_conn *c)
{
	sp_tcp_sb_free(c);
	sp_tcp_reass_free(c);
}

void
sp_tcp_fini(struct sp_ctx *ctx)
{
	struct sp_tcp *t = ctx->tcp;
	struct sp_tcp_tab_node *n, *next;
	uint32_t b = 0;

	if (t == NULL)
		return;
	/* Shutdown of the stack: no callbacks, just give every mbuf back. */
	for (n = sp_tcp_tab_next(&t->conns, NULL, &b); n != NULL; n = next) {
		struct sp_conn *c = container_of(n, struct sp_conn, hnode);

		next = sp_tcp_tab_next(&t->conns, n, &b); /* before c is freed */
		sp_tcp_timers_stop(c);
		conn_free_queues(c);
		rte_free(c);
	}
	while (t->n_spare > 0)
		rte_free(t->spare[--t->n_spare]);
	sp_tcp_mem_fini(ctx);
	sp_tcp_tw_fini(ctx);
	sp_tcp_tab_fini(&t->conns);
	rte_free(t);
	ctx->tcp = NULL;
}

/*
 * The cache slot of a tuple: the remote address and both ports, multiplied by 2^32 / phi and
 * the top bits taken (Fibonacci hashing), so that the flows of one peer (its ephemeral ports in
 * a row, or ours towards one server) spread over the slots.
 */
static inline struct sp_conn **
hot_slot(struct sp_tcp *t, const struct sp_tcp_key *k)
{
	uint32_t h = (k->rip ^ ((uint32_t)k->lport << 16 | k->rport)) * 0x9e3779b1u;

	return &t->hot[h >> (32 - SP_TCP_CONN_HOT_BITS)];
}

/*
 * Every received segment looks its connection up: the table's hash and chain cost about 50
 * instructions and a cache miss or two, a hit in the direct-mapped cache in front of it a few
 * and one line of the connection itself. The cache holds only
 * connections that are in the table (sp_tcp_conn_done() clears a connection's slot when it
 * leaves), so a hit answers what the table would.
 */
struct sp_conn *
sp_tcp_conn_lookup(struct sp_ctx *ctx, const struct sp_tcp_key *k)
{
	struct sp_tcp *t = ctx->tcp;
	struct sp_conn **hot = hot_slot(t, k);
	struct sp_tcp_tab_node *n;

	if (*hot != NULL && sp_tcp_key_eq(&(*hot)->key, k))
		return *hot;
	n = sp_tcp_tab_lookup(&t->conns, k, sp_tcp_key_hash(ctx, k));
	if (n == NULL)
		return NULL;
	*hot = container_of(n, struct sp_conn, hnode);
	return *hot;
}

/*
 * A zeroed connection: a spare one of this lcore if there is one, else from the DPDK heap. The
 * heap's allocator takes a lock and walks its free lists; a connection a second would not
 * notice, a million a second do.
 */
static struct sp_conn *
conn_alloc(struct sp_ctx *ctx)
{
	struct sp_tcp *t = ctx->tcp;
	struct sp_conn *c;

	if (t->n_spare == 0)
		return rte_zmalloc_socket("sp_conn", sizeof(*c), RTE_CACHE_LINE_SIZE, ctx->socket);
	c = t->spare[--t->n_spare];
	memset(c, 0, sizeof(*c));
	return c;
}

/* Back to the spares (up to SP_TCP_CONN_SPARE of them), else to the heap. */
static void
conn_release(struct sp_ctx *ctx, struct sp_conn *c)
{
	struct sp_tcp *t = ctx->tcp;

	if (t != NULL && t->n_spare < SP_TCP_CONN_SPARE)
		t->spare[t->n_spare++] = c;
	else
		rte_free(c);
}

struct sp_conn *
sp_tcp_conn_new(struct sp_ctx *ctx, const struct sp_tcp_key *k, uint16_t port, uint32_t rcvbuf_pin,
	uint16_t user_mss)
{
	const struct sp_tcp_cfg *tc = &ctx->cfg->tcp;
	struct sp_conn *c;

	if (ctx->tcp->n_conns >= tc->max_connections) {
		SP_STAT(ctx, port, TCPMaxConnDrops);
		return NULL;
	}
	c = conn_alloc(ctx);
	if (c == NULL) {
		SP_STAT(ctx, port, TCPAbortOnMemory);
		return NULL;
	}
	c->ctx = ctx;
	c->key = *k;
	c->port = port;
	c->state = SP_TCP_CLOSED;
	c->sndbuf = tc->sndbuf;
	/*
	 * SO_RCVBUF set before connect() or listen(): the buffer is the application's from the
	 * start (no autotuning, Linux's SOCK_RCVBUF_LOCK) and the scale our SYN or SYN-ACK offers
	 * is chosen for it, smaller than tcp.rcvbuf's (scale 0 below 64 KB) as well as larger.
	 */
	c->rcvbuf = sp_tcp_rcvbuf_initial(tc, rcvbuf_pin);
	c->rcvbuf_lock = rcvbuf_pin != 0;
	c->rto_ms = tc->rto_initial_ms;
	c->rcv_wscale = sp_tcp_rcv_wscale(tc, rcvbuf_pin);
	c->mss_ours = sp_tcp_mss_ours(ctx, port, user_mss);
	c->mss = SP_TCP_DEFAULT_MSS;
	c->mss_peer = SP_TCP_DEFAULT_MSS;
	c->cc_ops = ctx->tcp->cc_default;
	if (tc->nodelay)
		c->flags |= TF_NODELAY;
	c->last_rx = ctx->now;
	c->last_progress = ctx->now;
	c->snd_time = ctx->now;
	sp_tcp_timers_init(c);
	c->hash = sp_tcp_key_hash(ctx, k);
	sp_tcp_tab_insert(&ctx->tcp->conns, &c->hnode, c->hash);
	ctx->tcp->n_conns++;
	*hot_slot(ctx->tcp, k) = c; /* the handshake's next segment finds it there */
	return c;
}

void
sp_tcp_conn_report(struct sp_conn *c, int err)
{
	if (c->flags & TF_REPORTED)
		return;
	c->flags |= TF_REPORTED;
	if ((c->flags & TF_ACCEPTED) && c->cb.closed != NULL)
		c->cb.closed(c, err, c->arg);
}

/*
 * The connection ends: out of the table, timers stopped, queues freed, closed() reported once.
 * The memory stays until nobody is running on it (sp_tcp_conn_put()), so a callback may call
 * sp_tcp_abort() on the connection being processed.
 */
void
sp_tcp_conn_done(struct sp_conn *c, int err)
{
	struct sp_conn **hot;

	if (c->freed)
		return;
	c->freed = true;
	if (c->state != SP_TCP_CLOSED)
		sp_tcp_set_state(c, SP_TCP_CLOSED);
	sp_tcp_tab_remove(&c->ctx->tcp->conns, &c->hnode, c->hash);
	hot = hot_slot(c->ctx->tcp, &c->key);
	if (*hot == c)
		*hot = NULL;
	c->ctx->tcp->n_conns--;
	sp_tcp_timers_stop(c);
	conn_free_queues(c);
	sp_tcp_mem_conn_gone(c);
	c->busy++;
	sp_tcp_conn_report(c, err);
	c->busy--;
	sp_tcp_conn_put(c);
}

void
sp_tcp_conn_put(struct sp_conn *c)
{
	if (c->freed && c->busy == 0)
		conn_release(c->ctx, c);
}

struct sp_listener *
sp_tcp_listener_find(struct sp_ctx *ctx, uint32_t ip, uint16_t port)
{
	struct sp_listener *any = NULL;
	unsigned i;

	/* every SYN and every segment for no connection looks here: only the used prefix */
	for (i = 0; i < ctx->tcp->listeners_end; i++) {
		struct sp_listener *l = &ctx->tcp->listeners[i];

		if (!l->used || l->port != port)
			continue;
		if (l->ip == ip)
			return l;
		if (l->ip == 0)
			any = l;
	}
	return any;
}

uint16_t
sp_tcp_mss_ours(const struct sp_ctx *ctx, uint16_t port, uint16_t user_mss)
{
	uint16_t mss = (uint16_t)(ctx->stack->ports[port].mtu - 40);

	return user_mss != 0 && user_mss < mss ? user_mss : mss;
}

int
sp_tcp_listen(struct sp_ctx *ctx, const struct sp_listen_opts *o, struct sp_listener **out)
{
	struct sp_listener *l = NULL;
	unsigned i;

	if (o == NULL || o->cb == NULL || o->cb->accepted == NULL || o->port == 0 || out == NULL ||
		(o->mss != 0 && o->mss < SP_TCP_MIN_USER_MSS))
		return -EINVAL;
	for (i = 0; i < SP_TCP_MAX_LISTENERS; i++) {
		struct sp_listener *x = &ctx->tcp->listeners[i];

		if (x->used && x->port == o->port && (x->ip == o->ip || x->ip == 0 || o->ip == 0))
			return -EADDRINUSE;
		if (!x->used && l == NULL)
			l = x;
	}
	if (l == NULL)
		return -ENOMEM;
	memset(l, 0, sizeof(*l));
	l->ip = o->ip;
	l->port = o->port;
	l->cb = *o->cb;
	l->arg = o->arg;
	l->backlog = o->backlog != 0 ? o->backlog : ctx->cfg->tcp.syn_backlog;
	l->cc = o->cc != NULL ? sp_tcp_cc_find(o->cc) : NULL;
	if (o->cc != NULL && l->cc == NULL)
		return -EINVAL;
	l->nodelay = o->nodelay;
	l->rcvbuf = o->rcvbuf;
	l->iptx = o->iptx;
	l->user_mss = o->mss;
	l->used = true;
	if (l - ctx->tcp->listeners >= ctx->tcp->listeners_end)
		ctx->tcp->listeners_end = (uint16_t)(l - ctx->tcp->listeners + 1);
	*out = l;
	return 0;
}

void
sp_tcp_unlisten(struct sp_ctx *ctx, struct sp_listener *l)
{
	struct sp_tcp_tab_node *n;
	uint32_t b = 0;

	if (l == NULL || !l->used)
		return;
	/* Half-open connections of this listener no longer have anyone to accept them. */
	for (n = sp_tcp_tab_next(&ctx->tcp->conns, NULL, &b); n != NULL;
		n = sp_tcp_tab_next(&ctx->tcp->conns, n, &b)) {
		struct sp_conn *c = container_of(n, struct sp_conn, hnode);

		if (c->listener == l)
			c->listener = NULL;
	}
	l->used = false;
}

void
sp_tcp_foreach(struct sp_ctx *ctx, void (*fn)(void *arg, const struct sp_conn *c), void *arg)
{
	struct sp_tcp_tab_node *n;
	uint32_t b = 0;

	if (ctx->tcp == NULL)
		return;
	for (n = sp_tcp_tab_next(&ctx->tcp->conns, NULL, &b); n != NULL;
		n = sp_tcp_tab_next(&ctx->tcp->conns, n, &b))
		fn(arg, container_of(n, struct sp_conn, hnode));
	sp_tcp_tw_foreach(ctx, fn, arg);
}

static void
count_open(void *arg, const struct sp_conn *c)
{
	/* SYN-RECEIVED: not the application's yet; TIME-WAIT: closed, only the 2 MSL wait left. */
	if (c->state != SP_TCP_SYN_RECEIVED && c->state != SP_TCP_TIME_WAIT)
		(*(unsigned *)arg)++;
}

unsigned
sp_tcp_conn_count(struct sp_ctx *ctx)
{
	unsigned n = 0;

	sp_tcp_foreach(ctx, count_open, &n);
	return n;
}
