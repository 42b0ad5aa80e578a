/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the socket layer (sp_socket.h): the host, a socket, an epoll set, and the
 * helpers the files of lib/sock/ share. socket.c: lifecycle and addresses; io.c: data;
 * sockopt.c: options, fcntl, ioctl; epoll.c: readiness (epoll, poll, select); host.c: the host,
 * its fd table, waiting (driving the stack) and fork.
 *
 * Locking: every public call takes h->lock; callbacks of the stack run inside the driver, which
 * runs with the lock held, so socket state only ever changes under it.
 */
#ifndef SP_SOCK_H
#define SP_SOCK_H

#include <pthread.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <rte_mbuf.h>

#include "sp_api.h"
#include "sp_log.h"
#include "sp_socket.h"

#define SP_SK_UDP_QLEN	    1024 /* datagrams a UDP socket holds before dropping */
#define SP_SK_CORK_BUF	    9216 /* a corked socket holds at most one segment (jumbo MSS) */
#define SP_SOCK_YIELD_EVERY 16	 /* a spinning wait yields the CPU once in so many idle passes */
/* An idle pass longer than this was preempted (or slept): not counted as idle CPU. */
#define SP_SOCK_IDLE_PASS_MAX_US 50

enum sp_sk_state {
	SK_NEW,	       /* socket(), maybe bound */
	SK_LISTEN,     /* TCP listener */
	SK_CONNECTING, /* SYN sent */
	SK_CONNECTED,  /* TCP established (possibly half-closed); UDP with a default peer */
	SK_CLOSED,     /* TCP connection gone (orderly, reset, refused, timed out) */
};

struct sp_ep_item;
struct sp_ep;
struct sp_rp_group;

struct sp_sk_dgram {
	struct rte_mbuf *m;
	uint32_t ip;
	uint16_t port;
	/* arrival (CLOCK_REALTIME) when the socket asked for it (SO_TIMESTAMP) */
	struct timespec ts;
};

enum { SK_TSTAMP_OFF, SK_TSTAMP_US, SK_TSTAMP_NS };

struct sp_sk {
	struct sp_sock_host *h;
	int fd;	       /* backing eventfd; -1 while in a listener's accept queue */
	unsigned nfds; /* descriptors of this socket: fd and its duplicates (dup, dup2, ...) */
	bool tcp;
	/*
	 * AF_INET6: IPv4 through IPv4-mapped addresses (sp_sk_addr_get()), as a Linux dual-stack
	 * socket with IPV6_V6ONLY off; its accepted connections too.
	 */
	bool v6;
	enum sp_sk_state state;
	bool nonblock, cloexec;
	bool killed;   /* sp_sock_host_kill() reset its connection */
	uint32_t gen;  /* bumped by every event of the stack: edge-triggered epoll */
	unsigned refs; /* waits in progress: the memory outlives close() until they end */
	bool dead;     /* closed while a wait held it */
	/* next in sp_sock_host.close_deferred (closed while another thread's call waited on it) */
	struct sp_sk *close_next;
	int so_error; /* pending error (positive errno), reported once */
	bool reset;   /* the connection was reset or failed: writes fail with EPIPE */
	bool peer_fin, shut_rd, shut_wr;
	uint32_t lip, rip; /* host order */
	bool lip_auto;	   /* UDP: lip is what connect() chose, cleared when it is dissolved */
	uint16_t lport, rport;
	bool bound;
	/* options */
	bool reuseaddr, reuseport, keepalive, nodelay, linger_on, cork;
	bool sndbuf_lock, rcvbuf_lock; /* SO_SNDBUF / SO_RCVBUF set: no autotuning (Linux) */
	uint8_t rx_tstamp; /* SK_TSTAMP_US (SO_TIMESTAMP) or SK_TSTAMP_NS (SO_TIMESTAMPNS) */
	int linger_s;
	int rcvbuf, sndbuf; /* once locked: Linux's sk_rcvbuf / sk_sndbuf, as getsockopt reads */
	int keepidle, keepintvl, keepcnt;
	/* IP_TOS (TCP: ECN bits clear, as Linux keeps them), IP_TTL (0 = 64) */
	struct sp_ip_tx iptx;
	uint16_t user_mss; /* TCP_MAXSEG: 0, or the clamp of the MSS at connect() / listen() */
	const char *cc;	   /* TCP_CONGESTION set: sp_tcp_cc_find()'s name; NULL: [tcp] cc */
	uint64_t rcvtimeo_us, sndtimeo_us; /* 0 = forever */
	/* TCP */
	struct sp_conn *conn;
	struct sp_listener *lst;
	struct sp_rp_group *rp; /* SO_REUSEPORT listener: its group (reuseport.c), lst NULL */
	bool bound_rp;		/* bound with SO_REUSEPORT: counted in tcp_rp_ports */
	struct sp_sk *parent;	/* in this listener's accept queue */
	int backlog;
	unsigned n_acceptq;
	TAILQ_HEAD(, sp_sk) acceptq;
	TAILQ_ENTRY(sp_sk) aq;
	/* TCP_CORK / MSG_MORE (cork.c): a partial segment held back, in the holding order */
	uint8_t *cork_buf; /* SP_SK_CORK_BUF bytes, allocated at the first hold */
	uint16_t cork_len;
	bool cork_listed;
	uint8_t cork_fin;   /* enum sp_sk_cork_fin: what waits for the held bytes to be given */
	uint16_t cork_port; /* the connection's stack port (counters) */
	uint64_t cork_since_us;
	TAILQ_ENTRY(sp_sk) cork_next;
	/* received bytes: single segments linked by ->next (first byte at head's data) */
	struct rte_mbuf *rx_head, *rx_tail;
	uint32_t rx_bytes;
	struct timespec rx_ts; /* TCP: when data last arrived, if rx_tstamp (SO_TIMESTAMP) */
	/* UDP */
	struct sp_sk_dgram *dq; /* SP_SK_UDP_QLEN slots, UDP only */
	unsigned dq_head, dq_n;
	uint64_t udp_drops;
	struct sp_sk
		*udp_next; /* next socket bound to the same UDP port (sp_sock_host.udp_by_port) */
	/* epoll sets watching this socket */
	TAILQ_HEAD(, sp_ep_item) watchers;
};

struct sp_ep_item {
	struct sp_ep *ep;
	struct sp_sk *s;
	int fd;
	uint32_t events;
	epoll_data_t data;
	uint32_t seen_gen; /* EPOLLET: the socket's gen when last reported */
	bool disabled;	   /* EPOLLONESHOT fired */
	TAILQ_ENTRY(sp_ep_item) in_ep;
	TAILQ_ENTRY(sp_ep_item) in_sk;
};

struct sp_ep {
	int fd; /* the kernel epoll fd */
	TAILQ_HEAD(, sp_ep_item) items;
	unsigned n;
};

/*
 * Which process drives a host's stack (host.c "Fork"), in memory shared by every process forked
 * from the one that created the host.
 */
struct sp_sock_owner {
	uint64_t word; /* owner pid << 32 | epoch << 1 | 1 while the hand-over window is open */
	int32_t child; /* the last child forked while the window was open; -1: fork under way */
};

struct sp_sock_host {
	pthread_mutex_t lock; /* sp_sock_lock() / sp_sock_unlock() */
	struct sp_ctx *ctx;
	struct sp_sock_driver drv;
	struct sp_sock_owner *own; /* which process drives the stack (shared memory) */
	uint32_t epoch;		   /* the hand-over window this process's copy belongs to */
	bool closing;		   /* sp_sock_host_free() started */
	/* sockets closed while another thread's call waited on them (sp_close()) */
	struct sp_sk *close_deferred;
	unsigned max_fd;
	struct sp_sk **sk; /* by fd */
	struct sp_ep **ep; /* by kernel epoll fd, only sets that watched a spindle socket */
	unsigned n_sk;
	uint16_t *tcp_ports, *udp_ports; /* sockets bound to each local port */
	uint16_t *tcp_rp_ports;		 /* of those, TCP sockets bound with SO_REUSEPORT */
	struct sp_rp_group *rp_groups;	 /* SO_REUSEPORT listener groups (reuseport.c) */
	TAILQ_HEAD(, sp_sk) corked;	 /* sockets holding a partial segment (cork.c) */
	struct sp_sk **udp_by_port;	 /* the UDP sockets of each port, newest first */
	uint16_t next_eph;
	unsigned idle;		/* idle iterations in a row */
	bool tx_pending;	/* a call queued frames and left them for the next iteration */
	uint64_t idle_cycles;	/* TSC cycles of wait passes that found nothing */
	uint64_t idle_pass_max; /* SP_SOCK_IDLE_PASS_MAX_US in TSC cycles */
};

/* host.c */
extern pid_t sp_sock_pid; /* this process (getpid() is a system call) */
bool sp_sock_mine_settle(struct sp_sock_host *h, bool use);
/*
 * True when this process drives the stack of @p h; false in another process of a fork(), which
 * must not touch it. A call that @p use s the stack takes it over when its process may (a child
 * of the owner, forked since the owner last used it: host.c "Fork"); the owner's own calls close
 * that window. The common case is one atomic load.
 */
static inline bool
sp_sock_mine(struct sp_sock_host *h, bool use)
{
	uint64_t w = __atomic_load_n(&h->own->word, __ATOMIC_ACQUIRE);

	if ((pid_t)(w >> 32) == sp_sock_pid && (w & 1u) == 0)
		return true;
	return sp_sock_mine_settle(h, use);
}
/* The one log line of a call that this process cannot make: another one drives the stack. */
void sp_sock_not_mine(struct sp_sock_host *h, const char *call, int fd);
/* Lock @p h and find the socket of @p fd; -1 with errno (EBADF, or EOPNOTSUPP after fork). */
/*
 * h->lock, counted per thread (sp_sock_in_call()): the program's signal handlers that come
 * while this thread holds it are deferred to its release (sp_sock_signal_defer()).
 */
extern __thread unsigned sp_sock_lock_depth __attribute__((tls_model("initial-exec")));
/** Raise the signals deferred while this thread held the lock (host.c). */
void sp_sock_signals_due(void);
static inline void
sp_sock_lock(struct sp_sock_host *h)
{
	pthread_mutex_lock(&h->lock);
	sp_sock_lock_depth++;
}
static inline void
sp_sock_unlock(struct sp_sock_host *h)
{
	sp_sock_lock_depth--;
	pthread_mutex_unlock(&h->lock);
	sp_sock_signals_due();
}
struct sp_sk *sp_sk_get(struct sp_sock_host *h, int fd, const char *call);
void sp_sk_put(struct sp_sock_host *h);
/* Back @p s with a new eventfd and enter it in the table. @return 0 or -errno. */
int sp_sk_attach_fd(struct sp_sock_host *h, struct sp_sk *s);
/* Remove from the table and close the eventfd, and every duplicate of it. */
void sp_sk_detach_fd(struct sp_sock_host *h, struct sp_sk *s);
/*
 * One more descriptor for @p s (dup/dup3/F_DUPFD of its @p fd): @p fd2 exactly (a kernel file
 * there is closed, as dup3 does), or with @p fd2 < 0 the lowest free number >= @p min.
 * *@p replaced: the spindle socket whose descriptor @p fd2 was (its nfds 0: it has no other,
 * the caller closes it), or NULL. @return the descriptor or -errno.
 */
int sp_sk_dup_fd(struct sp_sock_host *h, struct sp_sk *s, int fd, int fd2, int min, bool cloexec,
	struct sp_sk **replaced);
/* socket.c: dup/dup3/F_DUPFD of @p fd (sp_sk_dup_fd's arguments); -1 with errno on failure. */
int sp_sk_dup(struct sp_sock_host *h, int fd, int fd2, int min, bool cloexec, const char *call);
/* Table entry @p fd of @p s out, its number already another file's (dup3 onto it). */
void sp_sk_forget_fd(struct sp_sock_host *h, struct sp_sk *s, int fd);
/* close() of @p fd while @p s has other descriptors: @return false if it is the last one. */
bool sp_sk_drop_fd(struct sp_sock_host *h, struct sp_sk *s, int fd);
/* One driver iteration (lock held); idles as the driver says when nothing moved. */
void sp_sock_drive(struct sp_sock_host *h);
/*
 * A call on @p s queued frames (lock held). A non-blocking socket (or MSG_DONTWAIT,
 * @p dontwait) leaves them in the context's TX batch for the next driver iteration: an event
 * loop writes to many sockets between two waits, and the whole batch then leaves with one
 * PMD burst (af_packet: one kick, a system call) at its next wait. A blocking socket flushes now.
 */
void sp_sk_tx_queued(struct sp_sock_host *h, const struct sp_sk *s, bool dontwait);
/*
 * As sp_sk_tx_queued(), for a call whose socket may be gone by then (close): @p later (the
 * socket was non-blocking) leaves the frames for the next driver iteration, else flushes now.
 */
void sp_sock_tx_queued(struct sp_sock_host *h, bool later);
/* Before a wait that does not drive (the kernel's alone): send what calls left queued. */
void sp_sock_tx_settle(struct sp_sock_host *h);
/*
 * Idle between two iterations of a wait (lock not held), which began with
 * sp_sock_wait_begin() and ends with sp_sock_wait_end(). @return -EINTR if a signal handler
 * ran that interrupts it (always when not @p restartable, else only one without SA_RESTART).
 */
int sp_sock_idle(struct sp_sock_host *h, bool restartable);
void sp_sock_wait_begin(void);
void sp_sock_wait_end(void);
/* Monotonic microseconds. */
uint64_t sp_sock_now_us(void);
/*
 * Wait (lock held, dropped while idling) until sk_events(@p s) & @p mask, or @p timeout_us
 * (0 = forever) passed. @return 0, -EAGAIN on timeout, -EINTR.
 */
int sp_sk_wait(struct sp_sock_host *h, struct sp_sk *s, uint32_t mask, uint64_t timeout_us);
/* Kernel calls that never pass through an interposer (the preload library). */
int sp_sys_close(int fd);
/* Log "call: what" once per call site kind, at NOTICE. */
void sp_sock_unsupported(const char *call, const char *what);

/* socket.c */
uint32_t sp_sk_events(const struct sp_sk *s);
/* A socket event happened: bump gen. */
void sp_sk_event(struct sp_sk *s);
/* Free @p s now, or when the last wait on it ends. */
void sp_sk_release(struct sp_sk *s);
/* close() on @p s (lock held). */
void sp_sk_close(struct sp_sock_host *h, struct sp_sk *s);
/*
 * The connection of closed socket @p s goes on without it: FIN after what is queued, or with
 * @p rst a reset. s->conn is NULL after.
 */
void sp_sk_orphan(struct sp_sk *s, bool rst);
/* Close the sockets of sp_sock_host.close_deferred no call waits on any more (all: @p all). */
void sp_sk_close_deferred(struct sp_sock_host *h, bool all);
/* Take local @p port (0: an ephemeral one) for @p s. @return 0 or -errno. */
int sp_sk_bind_port(struct sp_sock_host *h, struct sp_sk *s, uint32_t ip, uint16_t port);
/* Pending error once: so_error, then 0. */
int sp_sk_take_error(struct sp_sk *s);

/* A listener's connection reached ESTABLISHED: queue it for accept() on @p l (0, or -1: reset). */
int sp_sk_accepted(struct sp_conn *c, struct sp_sk *l);
/**
 * @p addr (@p len bytes) as the IPv4 address and port it names for @p s (host order): struct
 * sockaddr_in for AF_INET; for an AF_INET6 socket, struct sockaddr_in6 holding ::ffff:a.b.c.d
 * or :: (any), and for UDP a sockaddr_in too, as Linux takes. -EINVAL (short), -EAFNOSUPPORT
 * (family), -EADDRNOTAVAIL (an IPv6 address that is not IPv4-mapped: spindle has no IPv6).
 */
int sp_sk_addr_get(const struct sp_sk *s, const struct sockaddr *addr, socklen_t len, uint32_t *ip,
	uint16_t *port);
/**
 * Write @p ip:@p port as @p s names addresses (sockaddr_in, or sockaddr_in6 with ::ffff:a.b.c.d
 * and :: for 0.0.0.0) into @p addr, truncated to *@p len, which becomes the full size. Nothing
 * for NULL @p addr or @p len.
 */
void sp_sk_addr_put(
	const struct sp_sk *s, struct sockaddr *addr, socklen_t *len, uint32_t ip, uint16_t port);

/* cork.c: TCP_CORK and MSG_MORE */
/* What a socket's held bytes keep waiting (sp_sk.cork_fin). */
enum sp_sk_cork_fin {
	SK_CORK_FIN_NONE,
	SK_CORK_FIN_SHUT,  /* shutdown(SHUT_WR): the FIN */
	SK_CORK_FIN_CLOSE, /* close(): the FIN, and the socket's memory (freed after it) */
};
/*
 * Before a TCP send of @p msg (@p total bytes; @p more: corked or MSG_MORE, lock held): hold it
 * when it leaves a partial segment, or hand the held bytes to the stack together with what
 * completes their segment. @return bytes of @p msg taken (the caller sends the rest).
 */
size_t sp_sk_cork_send(
	struct sp_sock_host *h, struct sp_sk *s, const struct msghdr *msg, size_t total, bool more);
/* Send what @p s holds and push the connection's queue, Nagle or not (uncork). */
void sp_sk_cork_flush(struct sp_sock_host *h, struct sp_sk *s);
/*
 * shutdown(SHUT_WR) (@p fin SK_CORK_FIN_SHUT) or close() (SK_CORK_FIN_CLOSE) of @p s: flush, and
 * when the send buffer cannot take all that is held (memory pressure cut it back), keep the rest
 * and let the FIN wait behind it: the driver passes give it, then queue the FIN (a close: the
 * connection is orphaned and @p s freed then). @return true when the FIN waits (the caller must
 * not queue it), false when nothing is held any more.
 */
bool sp_sk_cork_fin(struct sp_sock_host *h, struct sp_sk *s, enum sp_sk_cork_fin fin);
/*
 * Flush the sockets that held their bytes for the ceiling (200 ms), and give what closed and
 * shut-down sockets still hold; each driver iteration.
 */
void sp_sock_cork_expire(struct sp_sock_host *h);
/* The host goes: what closed sockets still hold is lost (counted, connection reset). */
void sp_sock_cork_end(struct sp_sock_host *h);
/* @p s closes: forget what it holds, free its buffer. */
void sp_sk_cork_drop(struct sp_sock_host *h, struct sp_sk *s);

/* reuseport.c: SO_REUSEPORT TCP listener groups */
/* Listen on @p o's address and port as a member of its group (created with the stack's
 * listener from @p o, whose cb and arg it sets, when @p s is the first). @return 0 or -errno. */
int sp_rp_listen(struct sp_sock_host *h, struct sp_sk *s, struct sp_listen_opts *o);
/* @p s (a member) closes: out of its group; the last member's leave stops the listener. */
void sp_rp_leave(struct sp_sock_host *h, struct sp_sk *s);
/* The stack's listener of member @p s's group. */
struct sp_listener *sp_rp_listener(const struct sp_sk *s);
/* May TCP socket @p s bind to @p port, already bound by others? (all with SO_REUSEPORT) */
bool sp_rp_bind_ok(const struct sp_sock_host *h, const struct sp_sk *s, uint16_t port);

/* io.c */
void sp_sk_rx_append(struct sp_sk *s, struct rte_mbuf *m);
void sp_sk_rx_clear(struct sp_sk *s);
void sp_sk_udp_recv(struct sp_ctx *ctx, struct rte_mbuf *m, uint32_t src_ip, uint16_t src_port,
	uint32_t dst_ip, uint16_t dst_port, void *arg);

/* sockopt.c */
/* Apply the options set before the connection existed to @p s->conn. */
void sp_sk_apply_opts(struct sp_sk *s);
/*
 * What SO_RCVBUF asks of the TCP core, the window its buffer allows: sp_connect_opts and
 * sp_listen_opts.rcvbuf (0 = not set).
 */
uint32_t sp_sk_rcvbuf_pin(const struct sp_sk *s);

/* epoll.c */
/* The socket is closing: drop it from every epoll set. */
void sp_ep_sk_gone(struct sp_sock_host *h, struct sp_sk *s);
void sp_ep_free_all(struct sp_sock_host *h);

#define SK_ERR(e) (errno = (e), -1)

#endif
