/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: frames into sp_input().
 *
 * Input format: byte 0 selects the setup (bit 0: ARP on, bit 1: forwarding on, bit 2: a TCP
 * listener on port 80, bit 3: stateful mode), then records of [u16 little-endian length][u8
 * clock step][frame] (stateful mode: [u16 length][u8 clock step][u8 op][frame]).
 * Each input gets a fresh per-lcore context, so state from one input never leaks into the next;
 * after the context is freed every mbuf must be back in the pool, else the target aborts
 * (an mbuf leak is a bug like a crash).
 *
 * Stateful mode (docs/lab.md "Fuzzing"): a blind fuzzer cannot guess the stack's ISS (RFC 6528),
 * so the harness remembers, per 4-tuple, the ISS of the SYN or SYN-ACK the stack sent, the
 * last TSval it sent and the peer's ISN (the seq of the last SYN the input sent), and a
 * record's op byte asks for fields of its frame to be read relative to them:
 *   op bit 0: seq = peer ISN + 1 + seq field       (not on a SYN)
 *   op bit 1: ack = stack ISS + 1 + ack field
 *   op bit 2: SACK block edges += stack ISS + 1
 *   op bit 3: TSecr += the stack's last TSval
 *   op bit 4: leave the checksums as they are (else IPv4 and TCP checksums are recomputed)
 *   (an ICMP error quoting a TCP segment of the stack: op bit 1 makes the quoted seq
 *   relative to the stack's ISS + 1, and the checksums are fixed up the same way)
 *   op bit 5: destination port = the source port of the stack's last SYN (an active open's
 *             ephemeral port, applied before the 4-tuple is looked up)
 *   op bit 7: no frame but an application action on connection slot (op & 7), action
 *             (op >> 4) & 7, argument n = the record's first two bytes (little endian):
 *             0 send n bytes, 1 shutdown, 2 close, 3 abort, 4 flush and Nagle off (n odd) or on,
 *             5 receive flow control on with n bytes consumed (n = 0: flow control off),
 *             6 connect to 198.18.0.1 port n, 7 echo received data on (n odd) or off.
 * Accepted connections take slots 0..7 in order; a closed one frees its slot.
 * SPINDLE_FUZZ_STATS=FILE: at exit write, per TCP counter and per connection state, how many
 * inputs reached it (the coverage check: run with -runs=0 over a corpus).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "spindle.h"
#include "sp_proto.h"

#define FUZZ_STATEFUL 8

#define OP_SEQ_REL   0x01
#define OP_ACK_REL   0x02
#define OP_SACK_REL  0x04
#define OP_TSECR_REL 0x08
#define OP_BAD_CSUM  0x10
#define OP_PORT	     0x20
#define OP_APP	     0x80

#define N_FLOWS 16
#define N_SLOTS 8

static struct rte_mempool *pool;
static struct sp_config cfgs[8];
static struct sp_stack *stacks[8];

/* One 4-tuple as the stack sees it (its address and port first), network order. */
struct fuzz_flow {
	uint32_t our_ip, peer_ip;
	uint16_t our_port, peer_port;
	uint32_t iss;	   /* seq of the SYN / SYN-ACK the stack sent */
	uint32_t tsval;	   /* last TSval the stack sent */
	uint32_t peer_isn; /* seq of the last SYN the input sent */
	uint8_t has_iss, has_isn;
};

/* The state of the input being run (libFuzzer runs one input at a time per process). */
static struct {
	struct sp_ctx *ctx;
	struct fuzz_flow flows[N_FLOWS];
	unsigned n_flows;
	struct sp_conn *slots[N_SLOTS];
	uint8_t echo;
	uint8_t syn_port[2]; /* source port of the stack's last SYN, network order */
} fz;

/* SPINDLE_FUZZ_STATS: inputs that reached each counter / connection state. */
static const char *stats_file;
static uint64_t stats_inputs;
static uint64_t *stats_hits;
static const char *state_names[16];
static uint64_t state_hits[16];
static uint8_t state_seen[16];

static struct fuzz_flow *
flow_get(uint32_t our_ip, uint16_t our_port, uint32_t peer_ip, uint16_t peer_port, int add)
{
	struct fuzz_flow *f;
	unsigned i;

	for (i = 0; i < fz.n_flows; i++) {
		f = &fz.flows[i];
		if (f->our_ip == our_ip && f->peer_ip == peer_ip && f->our_port == our_port &&
			f->peer_port == peer_port)
			return f;
	}
	if (!add)
		return NULL;
	/* a full table recycles the entry the two ports hash to */
	i = fz.n_flows < N_FLOWS ? fz.n_flows++ : (unsigned)(our_port ^ peer_port) % N_FLOWS;
	f = &fz.flows[i];
	memset(f, 0, sizeof(*f));
	f->our_ip = our_ip;
	f->peer_ip = peer_ip;
	f->our_port = our_port;
	f->peer_port = peer_port;
	return f;
}

/*
 * Find the L4 header of an Ethernet + IPv4 frame in @p b (@p len bytes) carrying @p proto, at
 * least @p min bytes of it. Returns the L4 header offset, or 0 when the frame is not that;
 * *l4_len is the L4 length the IPv4 header claims, bounded by the frame.
 */
static size_t
l4_find(const uint8_t *b, size_t len, uint8_t proto, size_t min, size_t *l4_len)
{
	size_t ihl, tl;

	if (len < 14 + 20 || b[12] != 0x08 || b[13] != 0x00 || (b[14] >> 4) != 4 || b[23] != proto)
		return 0;
	ihl = (size_t)(b[14] & 0xf) * 4;
	tl = (size_t)(b[16] << 8 | b[17]);
	if (ihl < 20 || tl < ihl)
		return 0;
	if (14 + tl > len)
		tl = len - 14;
	if (tl < ihl + min)
		return 0;
	*l4_len = tl - ihl;
	return 14 + ihl;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Walk the TCP options of the header at @p t (@p hl bytes, options within): call @p fn with each
 * option's kind, pointer and length. Malformed options end the walk.
 */
static void
opts_walk(uint8_t *t, size_t hl, void (*fn)(uint8_t kind, uint8_t *o, size_t olen, void *arg),
	void *arg)
{
	size_t i = 20;

	while (i < hl) {
		uint8_t kind = t[i];
		size_t olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hl)
			break;
		olen = t[i + 1];
		if (olen < 2 || i + olen > hl)
			break;
		fn(kind, t + i, olen, arg);
		i += olen;
	}
}

static void
tx_opt(uint8_t kind, uint8_t *o, size_t olen, void *arg)
{
	struct fuzz_flow *f = arg;

	if (kind == 8 && olen == 10)
		f->tsval = get32(o + 2);
}

/* Remember the ISS and TSval of a segment the stack sends. */
static void
tx_track(const struct rte_mbuf *m)
{
	uint8_t buf[14 + 60 + 60];
	const uint8_t *b;
	size_t len = RTE_MIN(m->pkt_len, sizeof(buf)), th, tcp_len, hl;
	struct fuzz_flow *f;
	uint8_t flags;

	b = rte_pktmbuf_read(m, 0, len, buf);
	if (b == NULL)
		return;
	if (b != buf)
		memcpy(buf, b, len);
	th = l4_find(buf, len, 6, 20, &tcp_len);
	if (th == 0)
		return;
	flags = buf[th + 13];
	f = flow_get(get32(buf + 26), (uint16_t)(buf[th] << 8 | buf[th + 1]), get32(buf + 30),
		(uint16_t)(buf[th + 2] << 8 | buf[th + 3]), flags & RTE_TCP_SYN_FLAG);
	if (f == NULL)
		return;
	if ((flags & RTE_TCP_SYN_FLAG) && !(flags & RTE_TCP_ACK_FLAG))
		memcpy(fz.syn_port, buf + th, 2);
	if (flags & RTE_TCP_SYN_FLAG) {
		f->iss = get32(buf + th + 4);
		f->has_iss = 1;
	}
	hl = (size_t)(buf[th + 12] >> 4) * 4;
	if (hl >= 20 && th + hl <= len)
		opts_walk(buf + th, hl, tx_opt, f);
}

static uint16_t
drop_tx(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	/* Walk what the stack built (catches malformed chains), then free it. */
	uint16_t i;
	volatile uint32_t sum = 0;

	for (i = 0; i < n; i++) {
		const struct rte_mbuf *s;

		for (s = pkts[i]; s != NULL; s = s->next)
			sum += s->data_len;
		if (sum < pkts[i]->pkt_len)
			abort();
		if (fz.ctx != NULL)
			tx_track(pkts[i]);
		rte_pktmbuf_free(pkts[i]);
	}
	return n;
}

struct rx_fix {
	const struct fuzz_flow *f;
	uint8_t op;
};

static void
rx_opt(uint8_t kind, uint8_t *o, size_t olen, void *arg)
{
	const struct rx_fix *x = arg;
	size_t i;

	if (kind == 5 && (x->op & OP_SACK_REL) && x->f->has_iss) {
		for (i = 2; i + 4 <= olen; i += 4)
			put32(o + i, get32(o + i) + x->f->iss + 1);
	} else if (kind == 8 && olen == 10 && (x->op & OP_TSECR_REL)) {
		put32(o + 6, get32(o + 6) + x->f->tsval);
	}
}

/*
 * Store the complement of the RFC 1071 sum of @p len bytes at @p b (plus @p s, a partial sum from
 * __rte_raw_cksum()) into the 16-bit field at @p field, zeroed first.
 */
static void
csum_set(uint8_t *field, const uint8_t *b, size_t len, uint32_t s)
{
	uint16_t c;

	field[0] = field[1] = 0;
	c = (uint16_t)~__rte_raw_cksum_reduce(__rte_raw_cksum(b, len, s));
	memcpy(field, &c, 2);
}

/* Recompute the IPv4 header checksum (header at @p ip, @p ihl bytes). */
static void
ip_csum_fix(uint8_t *ip, size_t ihl)
{
	csum_set(ip + 10, ip, ihl, 0);
}

/*
 * Stateful mode, an ICMP error quoting one of the stack's TCP segments (destination
 * unreachable, fragmentation needed, time exceeded): op bit 1 makes the quoted seq relative to
 * the stack's ISS + 1, so the quote matches a segment in flight (RFC 5927 checks it).
 */
static void
icmp_fixup(uint8_t *b, size_t len, uint8_t op)
{
	size_t ic, icmp_len, qihl;
	struct fuzz_flow *f;
	uint8_t *q, *qt;

	ic = l4_find(b, len, 1, 8 + 20 + 8, &icmp_len);
	if (ic == 0)
		return;
	q = b + ic + 8;
	qihl = (size_t)(q[0] & 0xf) * 4;
	if ((op & OP_ACK_REL) && q[9] == 6 && qihl >= 20 && 8 + qihl + 8 <= icmp_len) {
		qt = q + qihl;
		f = flow_get(get32(q + 12), (uint16_t)(qt[0] << 8 | qt[1]), get32(q + 16),
			(uint16_t)(qt[2] << 8 | qt[3]), 0);
		if (f != NULL && f->has_iss)
			put32(qt + 4, get32(qt + 4) + f->iss + 1);
	}
	if (op & OP_BAD_CSUM)
		return;
	ip_csum_fix(b + 14, ic - 14);
	csum_set(b + ic + 2, b + ic, icmp_len, 0);
}

/* Stateful mode: rewrite the frame's fields that @p op asks for, fix the checksums. */
static void
rx_fixup(uint8_t *b, size_t len, uint8_t op)
{
	size_t th, tcp_len, hl, ihl;
	struct fuzz_flow *f;
	struct rx_fix x;
	uint32_t s;
	uint8_t flags;

	th = l4_find(b, len, 6, 20, &tcp_len);
	if (th == 0) {
		icmp_fixup(b, len, op);
		return;
	}
	ihl = th - 14;
	flags = b[th + 13];
	if (op & OP_PORT)
		memcpy(b + th + 2, fz.syn_port, 2);
	f = flow_get(get32(b + 30), (uint16_t)(b[th + 2] << 8 | b[th + 3]), get32(b + 26),
		(uint16_t)(b[th] << 8 | b[th + 1]), flags & RTE_TCP_SYN_FLAG);
	if (f != NULL) {
		if ((op & OP_SEQ_REL) && f->has_isn && !(flags & RTE_TCP_SYN_FLAG))
			put32(b + th + 4, get32(b + th + 4) + f->peer_isn + 1);
		if ((op & OP_ACK_REL) && f->has_iss)
			put32(b + th + 8, get32(b + th + 8) + f->iss + 1);
		hl = (size_t)(b[th + 12] >> 4) * 4;
		if (hl >= 20 && hl <= tcp_len) {
			x.f = f;
			x.op = op;
			opts_walk(b + th, hl, rx_opt, &x);
		}
		if (flags & RTE_TCP_SYN_FLAG) {
			f->peer_isn = get32(b + th + 4);
			f->has_isn = 1;
		}
	}
	if (op & OP_BAD_CSUM)
		return;
	ip_csum_fix(b + 14, ihl);
	/* pseudo-header (RFC 9293 3.1): addresses, protocol, TCP length */
	s = __rte_raw_cksum(b + 26, 8, 0) + rte_cpu_to_be_16(6) +
	    rte_cpu_to_be_16((uint16_t)tcp_len);
	csum_set(b + th + 16, b + th, tcp_len, s);
}

static int
slot_of(const struct sp_conn *c)
{
	int i;

	for (i = 0; i < N_SLOTS; i++)
		if (fz.slots[i] == c)
			return i;
	return -1;
}

static void
slot_add(struct sp_conn *c)
{
	int i = slot_of(NULL);

	if (i >= 0)
		fz.slots[i] = c;
}

static int
on_accept(struct sp_conn *c, void *arg)
{
	return 0;
}

static void
on_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	/* echo back what fits, to exercise the send path too */
	if (sp_tcp_send_mbuf(c, m) != 0)
		rte_pktmbuf_free(m);
}

static const struct sp_tcp_callbacks fuzz_cb = {
	.accepted = on_accept,
	.recv = on_recv,
};

static void
st_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	if (!fz.echo || sp_tcp_send_mbuf(c, m) != 0)
		rte_pktmbuf_free(m);
}

static void
st_closed(struct sp_conn *c, int err, void *arg)
{
	int i = slot_of(c);

	if (i >= 0)
		fz.slots[i] = NULL;
}

static const struct sp_tcp_callbacks st_conn_cb = {
	.recv = st_recv,
	.closed = st_closed,
};

static int
st_accept(struct sp_conn *c, void *arg)
{
	sp_tcp_set_callbacks(c, &st_conn_cb, NULL);
	slot_add(c);
	return 0;
}

static const struct sp_tcp_callbacks st_listen_cb = {
	.accepted = st_accept,
};

/* Stateful mode, op bit 7: an application action. */
static void
app_action(uint8_t op, const uint8_t *a, size_t len)
{
	static uint8_t zeros[65536];
	struct sp_conn *c = fz.slots[op & 7];
	unsigned n = len >= 2 ? (unsigned)(a[0] | a[1] << 8) : len == 1 ? a[0] : 0;
	struct sp_connect_opts o = {0};

	switch ((op >> 4) & 7) {
	case 6:
		o.dst_ip = RTE_IPV4(198, 18, 0, 1);
		o.dst_port = (uint16_t)n;
		o.cb = &st_conn_cb;
		if (slot_of(NULL) >= 0 && sp_tcp_connect(fz.ctx, &o, &c) == 0)
			slot_add(c);
		return;
	case 7:
		fz.echo = n & 1;
		return;
	}
	if (c == NULL)
		return;
	switch ((op >> 4) & 7) {
	case 0:
		sp_tcp_send(c, zeros, n);
		break;
	case 1:
		sp_tcp_shutdown(c);
		break;
	case 2:
		/* closed is still reported; the slot stays until then */
		sp_tcp_close(c);
		break;
	case 3:
		sp_tcp_abort(c);
		break;
	case 4:
		sp_tcp_set_nodelay(c, n & 1);
		sp_tcp_flush(c);
		break;
	case 5:
		sp_tcp_set_recv_flow(c, n != 0);
		if (n != 0)
			sp_tcp_recv_done(c, n);
		break;
	}
}

static void
stats_state(void *arg, const struct sp_conn *c)
{
	struct sp_tcp_info i;
	unsigned k;

	sp_tcp_get_info(c, &i);
	for (k = 0; k < RTE_DIM(state_names); k++) {
		if (state_names[k] == NULL)
			state_names[k] = i.state;
		if (strcmp(state_names[k], i.state) == 0) {
			state_seen[k] = 1;
			return;
		}
	}
}

static void
stats_input(struct sp_ctx *ctx)
{
	const struct sp_stats *s0 = sp_stats_ctx(ctx, 0), *s1 = sp_stats_ctx(ctx, 1);
	const uint64_t *a = (const uint64_t *)s0, *b = (const uint64_t *)s1;
	unsigned k;

	stats_inputs++;
	for (k = 0; k < sp_stats_n; k++)
		if (a[k] + b[k] != 0)
			stats_hits[k]++;
	for (k = 0; k < RTE_DIM(state_seen); k++) {
		state_hits[k] += state_seen[k];
		state_seen[k] = 0;
	}
}

static void
stats_write(void)
{
	FILE *f = fopen(stats_file, "w");
	unsigned k;

	if (f == NULL)
		return;
	fprintf(f, "inputs %" PRIu64 "\n", stats_inputs);
	for (k = 0; k < RTE_DIM(state_names) && state_names[k] != NULL; k++)
		fprintf(f, "state %s %" PRIu64 "\n", state_names[k], state_hits[k]);
	for (k = 0; k < sp_stats_n; k++)
		if (stats_hits[k] != 0)
			fprintf(f, "counter %s %" PRIu64 "\n", sp_stats_names[k], stats_hits[k]);
	fclose(f);
}

static void
setup_cfg(struct sp_config *cfg, unsigned variant)
{
	struct sp_port_cfg *p;

	sp_config_defaults(cfg);
	snprintf(cfg->source, sizeof(cfg->source), "fuzz");
	cfg->n_ports = 2;
	cfg->stack.forwarding = !!(variant & 2);
	p = &cfg->ports[0];
	snprintf(p->name, sizeof(p->name), "port0");
	p->mtu = 1500;
	p->arp = variant & 1;
	p->n_addrs = 1;
	p->addrs[0].ip = RTE_IPV4(198, 18, 0, 2);
	p->addrs[0].plen = 24;
	p->n_neigh = 1;
	p->neigh[0].ip = RTE_IPV4(198, 18, 0, 1);
	p->neigh[0].mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, 1}};
	p->gateway = RTE_IPV4(198, 18, 0, 1);
	p = &cfg->ports[1];
	snprintf(p->name, sizeof(p->name), "port1");
	p->mtu = 1280;
	p->arp = variant & 1;
	p->n_addrs = 1;
	p->addrs[0].ip = RTE_IPV4(198, 18, 1, 2);
	p->addrs[0].plen = 24;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = {"fuzz", "--no-huge", "--no-pci", "--no-shconf", "-m", "1024",
		"--no-telemetry", "--log-level=*:crit", "-l", "0", NULL};
	unsigned v;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "fuzz: rte_eal_init failed\n");
		exit(1);
	}
	pool = rte_pktmbuf_pool_create(
		"fuzz_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		exit(1);
	/* the stateful bit uses the same 8 setups */
	for (v = 0; v < 8; v++) {
		uint16_t p;

		setup_cfg(&cfgs[v], v);
		stacks[v] = sp_stack_create(&cfgs[v]);
		if (stacks[v] == NULL)
			exit(1);
		stacks[v]->hz = 1000000000ULL;
		for (p = 0; p < cfgs[v].n_ports; p++) {
			struct rte_ether_addr mac = {{2, 0, 0, 0, (uint8_t)p, 2}};

			sp_stack_add_port_fake(stacks[v], p, &mac);
		}
		if (sp_stack_start(stacks[v]) != 0)
			exit(1);
	}
	stats_file = getenv("SPINDLE_FUZZ_STATS");
	if (stats_file != NULL) {
		stats_hits = calloc(sp_stats_n, sizeof(*stats_hits));
		if (stats_hits == NULL)
			exit(1);
		atexit(stats_write);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_listener *l = NULL;
	struct sp_ctx *ctx;
	unsigned variant;
	size_t off = 1;
	int stateful;

	if (size < 1)
		return 0;
	variant = data[0] & 7;
	stateful = !!(data[0] & FUZZ_STATEFUL);
	ctx = sp_ctx_create(stacks[variant], rte_lcore_id(), 0, pool);
	if (ctx == NULL)
		abort();
	ctx->tx_burst = drop_tx;
	ctx->hz = 1000000000ULL;
	ctx->now = 1000000000000ULL;
	sp_timer_wheel_init(&ctx->timers, ctx->hz, ctx->now);
	memset(&fz, 0, sizeof(fz));
	if (stateful) {
		fz.ctx = ctx;
		fz.echo = 1;
	}
	if (variant & 4) {
		struct sp_listen_opts o = {.port = 80, .cb = stateful ? &st_listen_cb : &fuzz_cb};

		sp_tcp_listen(ctx, &o, &l);
	}
	while (off + 3 + (size_t)stateful <= size) {
		uint16_t len = (uint16_t)(data[off] | (data[off + 1] << 8));
		uint8_t step = data[off + 2];
		uint8_t op = stateful ? data[off + 3] : 0;
		struct rte_mbuf *m;
		uint16_t port;

		off += 3 + (size_t)stateful;
		if (len > size - off)
			len = (uint16_t)(size - off);
		if (len > RTE_MBUF_DEFAULT_DATAROOM)
			len = RTE_MBUF_DEFAULT_DATAROOM;
		port = step >> 7; /* top bit: which port the frame arrives on */
		if (op & OP_APP) {
			app_action(op, data + off, len);
		} else {
			uint8_t *b;

			m = rte_pktmbuf_alloc(pool);
			if (m == NULL)
				break;
			b = (uint8_t *)rte_pktmbuf_append(m, len);
			memcpy(b, data + off, len);
			if (stateful)
				rx_fixup(b, len, op);
			sp_input(ctx, ctx->now, port, &m, 1);
		}
		off += len;
		/* advance the fake clock: up to 127 ms, or 30 s steps for a larger value */
		step &= 0x7f;
		ctx->now += (uint64_t)(step < 120 ? step : (step - 119) * 30000) * 1000000ULL;
		sp_poll(ctx, ctx->now);
		sp_tx_flush(ctx);
		if (stats_file != NULL)
			sp_tcp_foreach(ctx, stats_state, NULL);
	}
	/* Let every timer run out (retransmissions, TIME-WAIT, reassembly expiry). */
	{
		int i;

		for (i = 0; i < 40; i++) {
			ctx->now += 30000ULL * 1000000ULL;
			sp_poll(ctx, ctx->now);
			sp_tx_flush(ctx);
		}
	}
	if (stats_file != NULL)
		stats_input(ctx);
	if (l != NULL)
		sp_tcp_unlisten(ctx, l);
	sp_ctx_free(ctx);
	fz.ctx = NULL;
	if (rte_mempool_in_use_count(pool) != 0) {
		fprintf(stderr, "fuzz: %u mbufs leaked\n", rte_mempool_in_use_count(pool));
		abort();
	}
	return 0;
}
