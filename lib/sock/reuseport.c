/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SO_REUSEPORT for TCP listeners: several sockets that all set SO_REUSEPORT before bind() may
 * listen on one address and port, and the connections the port receives are spread over their
 * accept queues (a threaded program gives each thread its own listener and event loop; the
 * kernel's and VPP's users expect it). The stack has one listener for the address and port: the
 * group's, whose accepted callback hands each connection to the next member in turn (round
 * robin; one whose accept queue is full is skipped, and when all are full the stack resets the
 * connection, as for a single listener). Linux picks the member by a hash of the 4-tuple; in
 * one process, where every member is served by the same stack, taking turns spreads new
 * connections as evenly and needs no state per flow. A member that closes leaves the group and
 * its queued connections are reset; the last one's close removes the stack's listener.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sock.h"

struct sp_rp_group {
	struct sp_listener *lst;
	uint32_t ip;
	uint16_t port;
	struct sp_sk **members;
	unsigned n, cap, turn;
	struct sp_rp_group *next; /* the host's groups */
};

static int
rp_accepted(struct sp_conn *c, void *arg)
{
	struct sp_rp_group *g = arg;
	unsigned i;

	for (i = 0; i < g->n; i++) {
		struct sp_sk *l = g->members[g->turn++ % g->n];

		if (l->n_acceptq < (unsigned)l->backlog)
			return sp_sk_accepted(c, l);
	}
	return -1; /* every accept queue is full: the stack resets it */
}

static const struct sp_tcp_callbacks rp_cb = {.accepted = rp_accepted};

static struct sp_rp_group *
rp_find(struct sp_sock_host *h, uint32_t ip, uint16_t port)
{
	struct sp_rp_group *g;

	for (g = h->rp_groups; g != NULL; g = g->next)
		if (g->ip == ip && g->port == port)
			return g;
	return NULL;
}

static int
rp_add(struct sp_rp_group *g, struct sp_sk *s)
{
	struct sp_sk **m;

	if (g->n == g->cap) {
		m = realloc(g->members, (g->cap ? 2 * g->cap : 4) * sizeof(*m));
		if (m == NULL)
			return -ENOMEM;
		g->members = m;
		g->cap = g->cap ? 2 * g->cap : 4;
	}
	g->members[g->n++] = s;
	s->rp = g;
	return 0;
}

int
sp_rp_listen(struct sp_sock_host *h, struct sp_sk *s, struct sp_listen_opts *o)
{
	struct sp_rp_group *g = rp_find(h, o->ip, o->port);
	int ret;

	if (g != NULL)
		return rp_add(g, s);
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->ip = o->ip;
	g->port = o->port;
	ret = rp_add(g, s);
	if (ret == 0) {
		o->cb = &rp_cb;
		o->arg = g;
		ret = sp_tcp_listen(h->ctx, o, &g->lst);
	}
	if (ret != 0) {
		s->rp = NULL;
		free(g->members);
		free(g);
		return ret;
	}
	g->next = h->rp_groups;
	h->rp_groups = g;
	return 0;
}

void
sp_rp_leave(struct sp_sock_host *h, struct sp_sk *s)
{
	struct sp_rp_group *g = s->rp, **pp;
	unsigned i;

	s->rp = NULL;
	for (i = 0; i < g->n; i++)
		if (g->members[i] == s) {
			memmove(&g->members[i], &g->members[i + 1],
				(g->n - i - 1) * sizeof(g->members[0]));
			g->n--;
			break;
		}
	if (g->n != 0)
		return;
	sp_tcp_unlisten(h->ctx, g->lst);
	for (pp = &h->rp_groups; *pp != NULL; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	free(g->members);
	free(g);
}

struct sp_listener *
sp_rp_listener(const struct sp_sk *s)
{
	return s->rp->lst;
}

bool
sp_rp_bind_ok(const struct sp_sock_host *h, const struct sp_sk *s, uint16_t port)
{
	/* Linux: every socket bound to the port set SO_REUSEPORT, this one too */
	return s->reuseport && h->tcp_rp_ports[port] == h->tcp_ports[port];
}
