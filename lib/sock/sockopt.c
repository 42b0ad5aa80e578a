/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket options, fcntl() and ioctl() on spindle sockets. Values read back as Linux reports them
 * (SO_RCVBUF/SO_SNDBUF doubled, SO_RCVTIMEO as set, TCP_INFO from the connection). An option
 * spindle does not have fails with ENOPROTOOPT and one log line naming it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* the struct tcp_info of today's kernels (glibc's is older) */
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_ip.h>

#include "sock.h"
#include "sp_ctx.h"
#include "tcp.h"

/*
 * Linux's floors (include/net/sock.h): SOCK_MIN_RCVBUF is one TCP_SKB_MIN_TRUESIZE, 2048 +
 * SKB_DATA_ALIGN(sizeof(struct sk_buff)) = 2304 on x86-64, SOCK_MIN_SNDBUF two: what getsockopt
 * reads after SO_RCVBUF / SO_SNDBUF 0.
 */
#define SK_MIN_RCVBUF 2304
#define SK_MIN_SNDBUF 4608

/*
 * The buffer SO_RCVBUF / SO_SNDBUF @p v gives, as Linux's sock_setsockopt(): the value, taken as
 * unsigned (a negative one asks for the most), capped at @p max (Linux: net.core.rmem_max /
 * wmem_max; here the most the stack gives a connection itself, the configured size or its
 * autotuning bound), doubled for the bookkeeping overhead, at least @p min. getsockopt reads
 * it back.
 */
static int
sk_buf_size(int v, uint32_t max, uint32_t min)
{
	uint32_t u = RTE_MIN(RTE_MIN((uint32_t)v, max), (uint32_t)INT_MAX / 2);

	return (int)RTE_MAX(2 * u, min);
}

/*
 * The stack listener a listening socket's options go to (its SO_REUSEPORT group's, which all
 * members share), so that the SYN-ACKs and connections that follow take an option set after
 * listen(); NULL when @p s is not listening.
 */
static struct sp_listener *
sk_stack_listener(struct sp_sk *s)
{
	if (s->state != SK_LISTEN)
		return NULL;
	return s->rp != NULL ? sp_rp_listener(s) : s->lst;
}

uint32_t
sp_sk_rcvbuf_pin(const struct sp_sk *s)
{
	/*
	 * The window a receive buffer of s->rcvbuf allows: Linux's tcp_full_space() with
	 * tcp_adv_win_scale 1 (the default; 6.6 and later start from the same half), the rest
	 * being the overhead share. Spindle counts payload bytes against the window, so half the
	 * buffer it is: SO_RCVBUF v gives a window of v, at least 1152 bytes.
	 */
	return s->rcvbuf_lock ? (uint32_t)(s->rcvbuf - s->rcvbuf / 2) : 0;
}

void
sp_sk_apply_opts(struct sp_sk *s)
{
	struct sp_conn *c = s->conn;
	uint32_t pin = sp_sk_rcvbuf_pin(s);

	if (c == NULL)
		return;
	sp_tcp_set_nodelay(c, s->nodelay);
	/*
	 * IP_TOS and IP_TTL: an accepted socket's are its listener's at accept, as Linux's child
	 * is cloned from the listener when the handshake completes; the connection's segments
	 * carry them, not what the stack's listener had at the SYN (changed since, or another
	 * SO_REUSEPORT member's).
	 */
	sp_tcp_set_ip_tx(c, &s->iptx);
	/*
	 * SO_SNDBUF counts payload bytes queued, unsent plus unacknowledged: what is queued above a
	 * smaller size stays, new writes wait until it drains below (sp_tcp_send_space()). A
	 * smaller SO_RCVBUF never takes back the window already advertised (sp_tcp_set_rcvbuf()).
	 */
	if (s->sndbuf_lock)
		c->sndbuf = (uint32_t)s->sndbuf;
	if (pin != 0 && c->rcvbuf != pin)
		sp_tcp_set_rcvbuf(c, pin);
	/*
	 * A size the application set is its own: autotuning (tcp.sndbuf_max, tcp.rcvbuf_max) no
	 * longer grows that buffer, as Linux's SOCK_SNDBUF_LOCK / SOCK_RCVBUF_LOCK. A listener's
	 * accepted connections inherit it (sp_sk_accepted()).
	 */
	c->sndbuf_lock = s->sndbuf_lock;
	c->rcvbuf_lock = s->rcvbuf_lock;
}

static int
opt_int(const void *val, socklen_t len, int *out)
{
	if (val == NULL || len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int
opt_tv(const void *val, socklen_t len, uint64_t *us)
{
	struct timeval tv;

	if (val == NULL || len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	*us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	return 0;
}

static int
set_sol_socket(struct sp_sk *s, int name, const void *val, socklen_t len)
{
	struct linger lg;
	int v = 0, ret;

	if (name == SO_LINGER) {
		if (val == NULL || len < sizeof(lg))
			return -EINVAL;
		memcpy(&lg, val, sizeof(lg));
		s->linger_on = lg.l_onoff != 0;
		s->linger_s = lg.l_linger;
		return 0;
	}
	if (name == SO_RCVTIMEO)
		return opt_tv(val, len, &s->rcvtimeo_us);
	if (name == SO_SNDTIMEO)
		return opt_tv(val, len, &s->sndtimeo_us);
	ret = opt_int(val, len, &v);
	if (ret != 0)
		return ret;
	switch (name) {
	case SO_REUSEADDR:
		s->reuseaddr = v != 0;
		return 0;
	case SO_REUSEPORT:
		s->reuseport = v != 0;
		return 0;
	case SO_KEEPALIVE:
		/* Probes follow [tcp] keepalive_* (docs/preload.md): the flag is recorded. */
		s->keepalive = v != 0;
		return 0;
	case SO_RCVBUF:
	case SO_SNDBUF: {
		const struct sp_tcp_cfg *tc = &s->h->ctx->cfg->tcp;

		if (name == SO_RCVBUF) {
			struct sp_listener *l = sk_stack_listener(s);

			s->rcvbuf =
				sk_buf_size(v, RTE_MAX(tc->rcvbuf, tc->rcvbuf_max), SK_MIN_RCVBUF);
			s->rcvbuf_lock = true;
			/*
			 * On a listening socket (nginx sets it after listen()), for the SYN-ACKs
			 * that follow: their window and scale are chosen for it (sp_tcp_rcv_wscale()).
			 */
			if (l != NULL)
				l->rcvbuf = sp_sk_rcvbuf_pin(s);
		} else {
			s->sndbuf =
				sk_buf_size(v, RTE_MAX(tc->sndbuf, tc->sndbuf_max), SK_MIN_SNDBUF);
			s->sndbuf_lock = true;
		}
		sp_sk_apply_opts(s);
		return 0;
	}
	case SO_TIMESTAMP:
	case SO_TIMESTAMPNS:
		/*
		 * An arrival time as ancillary data of recvmsg (SCM_TIMESTAMP, a timeval;
		 * SCM_TIMESTAMPNS, a timespec): UDP each datagram's, TCP the latest segment's when
		 * the read took data. 0 turns both off, as Linux.
		 */
		s->rx_tstamp = v == 0		      ? SK_TSTAMP_OFF
			       : name == SO_TIMESTAMP ? SK_TSTAMP_US
						      : SK_TSTAMP_NS;
		return 0;
	case SO_BROADCAST:
	case SO_OOBINLINE:
	case SO_PRIORITY:
	case SO_RCVLOWAT:
		return 0; /* accepted, no effect on spindle (documented) */
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * TCP_CONGESTION, as Linux: the algorithm's name (at most TCP_CA_NAME_MAX, 16 bytes, ended by
 * a NUL or by the option's length): "cubic", or "reno" (Linux's name for NewReno; "newreno" too);
 * another name ENOENT, as Linux for an algorithm it has not loaded. Set before connect() or
 * listen(), the connection starts with it (and what a listener accepts); set on a connection,
 * it switches at once (sp_tcp_set_cc()).
 */
static int
set_congestion(struct sp_sk *s, const void *val, socklen_t len)
{
	char name[16];
	size_t n = len < sizeof(name) ? len : sizeof(name) - 1;
	const struct sp_tcp_cc_ops *ops;

	if (val == NULL)
		return -EFAULT;
	memcpy(name, val, n);
	name[n] = '\0';
	ops = sp_tcp_cc_find(name);
	if (ops == NULL)
		return -ENOENT;
	s->cc = ops->name;
	return s->conn != NULL ? sp_tcp_set_cc(s->conn, ops->name) : 0;
}

/* The name TCP_CONGESTION reads back: Linux's ("reno" for NewReno). */
static const char *
congestion_name(const struct sp_sk *s)
{
	const char *n = s->conn != NULL ? sp_tcp_cc_name(s->conn)
			: s->cc != NULL ? s->cc
					: s->h->ctx->cfg->tcp.cc;

	return strcmp(n, "newreno") == 0 ? "reno" : n;
}

static int
set_tcp(struct sp_sk *s, int name, const void *val, socklen_t len)
{
	int v = 0, ret;

	if (!s->tcp)
		return -ENOPROTOOPT;
	if (name == TCP_CONGESTION)
		return set_congestion(s, val, len);
	ret = opt_int(val, len, &v);
	if (ret != 0)
		return ret;
	switch (name) {
	case TCP_NODELAY:
		s->nodelay = v != 0;
		if (s->conn != NULL) {
			sp_tcp_set_nodelay(s->conn, s->nodelay);
			if (s->nodelay)
				sp_tcp_flush(s->conn);
		}
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
	case TCP_KEEPCNT:
		if (v < 1 || v > 32767)
			return -EINVAL;
		if (name == TCP_KEEPIDLE)
			s->keepidle = v;
		else if (name == TCP_KEEPINTVL)
			s->keepintvl = v;
		else
			s->keepcnt = v;
		return 0;
	case TCP_CORK:
		/* cork.c: uncorking sends what is held and pushes the queue, Nagle or not */
		s->cork = v != 0;
		if (!s->cork)
			sp_sk_cork_flush(s->h, s);
		return 0;
	case TCP_MAXSEG: {
		/*
		 * As Linux's user_mss: 0, or 88 (TCP_MIN_MSS) to 32767; before connect() or on a
		 * listener it clamps the MSS the SYN or SYN-ACK announces and the segments sent
		 * (iperf3 -M, iperf -M); on a connection it is recorded, as Linux, where it no
		 * longer changes the MSS agreed.
		 */
		struct sp_listener *l = sk_stack_listener(s);

		if (v != 0 && (v < SP_TCP_MIN_USER_MSS || v > 32767))
			return -EINVAL;
		s->user_mss = (uint16_t)v;
		if (l != NULL)
			l->user_mss = s->user_mss;
		return 0;
	}
	case TCP_QUICKACK:
	case TCP_DEFER_ACCEPT:
	case TCP_FASTOPEN:
		return 0; /* hints spindle has no use for (documented) */
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * IP_TOS and IP_TTL, as Linux's do_ip_setsockopt(): an int, or a single byte; the TOS byte whole
 * (a TCP socket's ECN bits stay clear: ECN is the stack's, and spindle's TCP has none), a TTL
 * of 1-255 or -1 for the default (64). They go on every segment or datagram the socket sends
 * from now on, retransmissions included; a listener's go on its SYN-ACKs and pass to the
 * connections it accepts (sp_sk_accepted()).
 */
static int
set_ip(struct sp_sk *s, int name, const void *val, socklen_t len)
{
	struct sp_listener *l;
	int v = 0;

	/* Linux reads nothing for a length of 0: IP_TOS takes 0, IP_TTL refuses it */
	if (len >= 1 && val == NULL)
		return -EINVAL;
	if (len >= sizeof(int))
		memcpy(&v, val, sizeof(int));
	else if (len >= 1)
		v = *(const uint8_t *)val;
	else if (name == IP_TTL)
		return -EINVAL;
	if (name == IP_TOS) {
		s->iptx.tos = (uint8_t)v;
		if (s->tcp)
			s->iptx.tos &= (uint8_t)~RTE_IPV4_HDR_ECN_MASK;
	} else {
		if (v != -1 && (v < 1 || v > 255))
			return -EINVAL;
		s->iptx.ttl = v == -1 ? 0 : (uint8_t)v;
	}
	l = sk_stack_listener(s);
	if (l != NULL)
		l->iptx = s->iptx;
	if (s->conn != NULL)
		sp_tcp_set_ip_tx(s->conn, &s->iptx);
	return 0;
}

int
sp_setsockopt(struct sp_sock_host *h, int fd, int level, int name, const void *val, socklen_t len)
{
	struct sp_sk *s = sp_sk_get(h, fd, "setsockopt");
	int ret;

	if (s == NULL)
		return -1;
	if (level == SOL_SOCKET)
		ret = set_sol_socket(s, name, val, len);
	else if (level == IPPROTO_TCP)
		ret = set_tcp(s, name, val, len);
	else if (level == IPPROTO_IP && (name == IP_TOS || name == IP_TTL))
		ret = set_ip(s, name, val, len);
	else if (level == IPPROTO_IPV6 && s->v6 && name == IPV6_V6ONLY)
		ret = -EINVAL; /* Linux: not once bound, and a spindle AF_INET6 socket always is */
	else if (level == IPPROTO_IPV6 && s->v6 &&
		 (name == IPV6_TCLASS || name == IPV6_UNICAST_HOPS))
		ret = 0; /* IP_TOS / IP_TTL of its IPv4 traffic: accepted, not applied */
	else
		ret = -ENOPROTOOPT;
	if (ret == -ENOPROTOOPT)
		SP_LOG(NOTICE, api,
			"socket layer: setsockopt: level %d option %d is not supported "
			"on a spindle socket (ENOPROTOOPT)",
			level, name);
	if (ret == 0)
		sp_sk_tx_queued(h, s, false); /* TCP_NODELAY, uncork: what they pushed */
	sp_sk_put(h);
	return ret == 0 ? 0 : SK_ERR(-ret);
}

/* Linux's TCP_* states (include/net/tcp_states.h) of each RFC 9293 state. */
static uint8_t
linux_state(enum sp_tcp_state st)
{
	static const uint8_t map[] = {
		[SP_TCP_CLOSED] = 7,
		[SP_TCP_LISTEN] = 10,
		[SP_TCP_SYN_SENT] = 2,
		[SP_TCP_SYN_RECEIVED] = 3,
		[SP_TCP_ESTABLISHED] = 1,
		[SP_TCP_FIN_WAIT_1] = 4,
		[SP_TCP_FIN_WAIT_2] = 5,
		[SP_TCP_CLOSE_WAIT] = 8,
		[SP_TCP_CLOSING] = 11,
		[SP_TCP_LAST_ACK] = 9,
		[SP_TCP_TIME_WAIT] = 6,
	};

	return (unsigned)st < RTE_DIM(map) ? map[st] : 7;
}

/*
 * TCP_MAXSEG as Linux reads it: the MSS in use; while the SYN is out, the MSS worked out from
 * the MTU and TCP_MAXSEG less the timestamps option the SYN offers (Linux's tcp_sync_mss() at
 * connect); unconnected, what was set, or 536.
 */
static int
maxseg_of(const struct sp_sk *s)
{
	const struct sp_conn *c = s->conn;

	if (c == NULL)
		return s->user_mss != 0 ? s->user_mss : SP_TCP_DEFAULT_MSS;
	if (c->state == SP_TCP_SYN_SENT)
		return c->mss_ours - (c->ctx->cfg->tcp.timestamps ? SP_TCP_TS_OPT_LEN : 0);
	return c->mss;
}

static void
fill_tcp_info(const struct sp_sk *s, struct tcp_info *ti)
{
	struct sp_tcp_info i;

	memset(ti, 0, sizeof(*ti));
	if (s->state == SK_LISTEN) {
		ti->tcpi_state = 10;
		ti->tcpi_unacked = s->n_acceptq; /* as Linux: the accept queue */
		ti->tcpi_sacked = (uint32_t)s->backlog;
		return;
	}
	if (s->conn == NULL) {
		ti->tcpi_state = 7; /* TCP_CLOSE */
		return;
	}
	sp_tcp_get_info(s->conn, &i);
	ti->tcpi_state = linux_state(s->conn->state);
	ti->tcpi_options = (i.timestamps ? TCPI_OPT_TIMESTAMPS : 0) | (i.sack ? TCPI_OPT_SACK : 0) |
			   (i.snd_wscale || i.rcv_wscale ? TCPI_OPT_WSCALE : 0);
	ti->tcpi_snd_wscale = i.snd_wscale & 0xf;
	ti->tcpi_rcv_wscale = i.rcv_wscale & 0xf;
	ti->tcpi_rto = i.rto_ms * 1000u;
	ti->tcpi_snd_mss = i.mss_send;
	ti->tcpi_rcv_mss = i.mss_recv;
	ti->tcpi_rtt = i.srtt_us;
	ti->tcpi_rttvar = i.rttvar_us;
	ti->tcpi_snd_cwnd = i.mss_send != 0 ? i.cwnd / i.mss_send : 0;
	ti->tcpi_snd_ssthresh = i.mss_send != 0 ? i.ssthresh / i.mss_send : 0;
	ti->tcpi_total_retrans = (uint32_t)i.retransmits;
	ti->tcpi_advmss = i.mss_recv;
	ti->tcpi_rcv_space = i.rcv_wnd;
	ti->tcpi_bytes_acked = i.bytes_acked;
	ti->tcpi_bytes_received = i.bytes_received;
	ti->tcpi_notsent_bytes = 0;
	ti->tcpi_snd_wnd = i.snd_wnd;
	ti->tcpi_unacked = i.mss_send != 0 ? (i.send_queue + i.mss_send - 1) / i.mss_send : 0;
}

static int
get_opt(struct sp_sk *s, int level, int name, void *val, socklen_t *len)
{
	union {
		int i;
		struct linger lg;
		struct timeval tv;
		struct tcp_info ti;
		char name[16];
	} u;
	socklen_t n = sizeof(int);

	memset(&u, 0, sizeof(u));
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_TYPE:
			u.i = s->tcp ? SOCK_STREAM : SOCK_DGRAM;
			break;
		case SO_DOMAIN:
			u.i = s->v6 ? AF_INET6 : AF_INET;
			break;
		case SO_PROTOCOL:
			u.i = s->tcp ? IPPROTO_TCP : IPPROTO_UDP;
			break;
		case SO_ACCEPTCONN:
			u.i = s->state == SK_LISTEN;
			break;
		case SO_ERROR:
			u.i = sp_sk_take_error(s);
			break;
		case SO_REUSEADDR:
			u.i = s->reuseaddr;
			break;
		case SO_REUSEPORT:
			u.i = s->reuseport;
			break;
		case SO_KEEPALIVE:
			u.i = s->keepalive;
			break;
		case SO_TIMESTAMP:
		case SO_TIMESTAMPNS:
			u.i = s->rx_tstamp == (name == SO_TIMESTAMP ? SK_TSTAMP_US : SK_TSTAMP_NS);
			break;
		case SO_RCVBUF:
			/* Unset: twice the window, as Linux's sk_rcvbuf is (sp_sk_rcvbuf_pin()). */
			u.i = s->rcvbuf_lock	? s->rcvbuf
			      : s->conn != NULL ? (int)(2 * s->conn->rcvbuf)
						: (int)(2 * s->h->ctx->cfg->tcp.rcvbuf);
			break;
		case SO_SNDBUF:
			u.i = s->sndbuf_lock	? s->sndbuf
			      : s->conn != NULL ? (int)s->conn->sndbuf
						: (int)s->h->ctx->cfg->tcp.sndbuf;
			break;
		case SO_LINGER:
			u.lg.l_onoff = s->linger_on;
			u.lg.l_linger = s->linger_s;
			n = sizeof(u.lg);
			break;
		case SO_RCVTIMEO:
		case SO_SNDTIMEO: {
			uint64_t us = name == SO_RCVTIMEO ? s->rcvtimeo_us : s->sndtimeo_us;

			u.tv.tv_sec = (time_t)(us / 1000000u);
			u.tv.tv_usec = (suseconds_t)(us % 1000000u);
			n = sizeof(u.tv);
			break;
		}
		default:
			return -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_TCP && s->tcp) {
		switch (name) {
		case TCP_NODELAY:
			u.i = s->nodelay;
			break;
		case TCP_CORK:
			u.i = s->cork;
			break;
		case TCP_KEEPIDLE:
			u.i = s->keepidle;
			break;
		case TCP_KEEPINTVL:
			u.i = s->keepintvl;
			break;
		case TCP_KEEPCNT:
			u.i = s->keepcnt;
			break;
		case TCP_MAXSEG:
			u.i = maxseg_of(s);
			break;
		case TCP_INFO:
			fill_tcp_info(s, &u.ti);
			n = sizeof(u.ti);
			break;
		case TCP_CONGESTION: /* NUL-padded to TCP_CA_NAME_MAX, as Linux copies it */
			strncpy(u.name, congestion_name(s), sizeof(u.name));
			n = sizeof(u.name);
			break;
		default:
			return -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_IPV6 && s->v6 && name == IPV6_V6ONLY) {
		u.i = 0; /* IPv4 through mapped addresses: that is what it serves */
	} else if (level == IPPROTO_IP && name == IP_TOS) {
		u.i = s->iptx.tos;
	} else if (level == IPPROTO_IP && name == IP_TTL) {
		u.i = s->iptx.ttl != 0 ? s->iptx.ttl : SP_IP_DEFAULT_TTL; /* Linux: the default */
	} else {
		return -ENOPROTOOPT;
	}
	if (n > *len)
		n = *len; /* Linux truncates (TCP_INFO of an older struct) */
	memcpy(val, &u, n);
	*len = n;
	return 0;
}

int
sp_getsockopt(struct sp_sock_host *h, int fd, int level, int name, void *val, socklen_t *len)
{
	struct sp_sk *s = sp_sk_get(h, fd, "getsockopt");
	int ret;

	if (s == NULL)
		return -1;
	if (val == NULL || len == NULL)
		ret = -EFAULT;
	else
		ret = get_opt(s, level, name, val, len);
	if (ret == -ENOPROTOOPT)
		SP_LOG(NOTICE, api,
			"socket layer: getsockopt: level %d option %d is not supported "
			"on a spindle socket (ENOPROTOOPT)",
			level, name);
	sp_sk_put(h);
	return ret == 0 ? 0 : SK_ERR(-ret);
}

int
sp_fcntl(struct sp_sock_host *h, int fd, int cmd, long arg)
{
	struct sp_sk *s = sp_sk_get(h, fd, "fcntl");
	int ret = 0;

	if (s == NULL)
		return -1;
	switch (cmd) {
	case F_GETFL:
		ret = O_RDWR | (s->nonblock ? O_NONBLOCK : 0);
		break;
	case F_SETFL:
		s->nonblock = (arg & O_NONBLOCK) != 0;
		break;
	case F_GETFD:
	case F_SETFD:
		/*
		 * The flag belongs to the descriptor (a duplicate has its own), and the backing
		 * eventfd carries it, so exec closes it as the kernel would.
		 */
		ret = (int)syscall(SYS_fcntl, fd, cmd, arg);
		if (ret < 0)
			ret = -errno;
		break;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		sp_sk_put(h);
		if (arg < 0 || arg > INT_MAX)
			return SK_ERR(EINVAL);
		return sp_sk_dup(h, fd, -1, (int)arg, cmd == F_DUPFD_CLOEXEC, "fcntl(F_DUPFD)");
	default:
		SP_LOG(NOTICE, api,
			"socket layer: fcntl: command %d is not supported on a spindle socket "
			"(EINVAL)",
			cmd);
		ret = -EINVAL;
	}
	sp_sk_put(h);
	return ret >= 0 ? ret : SK_ERR(-ret);
}

int
sp_ioctl(struct sp_sock_host *h, int fd, unsigned long req, void *arg)
{
	struct sp_sk *s = sp_sk_get(h, fd, "ioctl");
	int ret = 0, v;

	if (s == NULL)
		return -1;
	switch (req) {
	case FIONREAD:
		v = s->tcp ? (int)s->rx_bytes
			   : (s->dq_n != 0 ? (int)s->dq[s->dq_head].m->pkt_len : 0);
		memcpy(arg, &v, sizeof(v));
		break;
	case FIONBIO:
		memcpy(&v, arg, sizeof(v));
		s->nonblock = v != 0;
		break;
	case SIOCOUTQ:
		v = s->conn != NULL ? (int)s->conn->sb_len : 0;
		memcpy(arg, &v, sizeof(v));
		break;
	default:
		SP_LOG(NOTICE, api,
			"socket layer: ioctl: request 0x%lx is not supported on a spindle socket "
			"(ENOTTY)",
			req);
		ret = -ENOTTY;
	}
	sp_sk_put(h);
	return ret == 0 ? 0 : SK_ERR(-ret);
}
