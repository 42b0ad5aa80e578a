/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The socket host: its lock, the table from file descriptor to socket, the eventfds that make
 * socket numbers real, waiting (a blocking call drives the stack until its condition holds:
 * run to completion on the caller's thread), and fork (which process drives the stack).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "sock.h"
#include "sp_ctx.h"
#include "tcp.h" /* sp_sock_host_kill(): a connection's state, its RST */

#define SP_SOCK_MAX_FD (1u << 20)

/* Hosts of this process, for the fork handler (normally one). */
#define SP_SOCK_MAX_HOSTS 8
static struct sp_sock_host *hosts[SP_SOCK_MAX_HOSTS];
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/*
 * This process's pid: getpid() is a system call (glibc stopped caching it in 2.25), and every
 * call checked it. Set when a host is created and by the fork handler in the child.
 */
pid_t sp_sock_pid;

int
sp_sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

uint64_t
sp_sock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
sp_sock_unsupported(const char *call, const char *what)
{
	SP_LOG(NOTICE, api, "socket layer: %s: %s is not supported on a spindle socket", call,
		what);
}

/*
 * Fork. The stack (its connections, its mbufs, the port's rings as this process last left them)
 * lives in memory that fork() copies, so exactly one process may drive it: the owner. A child
 * of the owner may take it over (nginx's master makes the listening sockets and its worker
 * serves them; a daemon forks and its parent exits) while the owner has not used the stack
 * since the fork: the child's copy is then exactly the owner's, and the port (net_tap's file
 * descriptor, net_af_packet's socket and rings) is shared across fork(). The owner's first use
 * after the fork closes that window; the first child to use the stack while it is open takes it
 * (a compare-and-swap on the shared owner word decides); every other process's calls on spindle
 * sockets fail with EOPNOTSUPP and one log line. Only a driver whose ports survive fork()
 * (sp_sock_driver.fork_handover) opens the window; a process forked while it was open holds its
 * epoch, so a child forked before the owner last used the stack (a stale copy) never takes it.
 */
/* How long sp_sock_host_owner() waits for a child being forked to say who it is. */
#define OWN_CHILD_WAIT_MS 200
#define OWN_PID(w)	  ((pid_t)((w) >> 32))
#define OWN_EPOCH(w)	  ((uint32_t)((w) >> 1) & 0x7fffffffu)
#define OWN_OPEN(w)	  (((w)&1u) != 0)
#define OWN_WORD(pid, epoch, open) \
	((uint64_t)(uint32_t)(pid) << 32 | (uint64_t)((epoch)&0x7fffffffu) << 1 | (open))

bool
sp_sock_mine_settle(struct sp_sock_host *h, bool use)
{
	uint64_t w = __atomic_load_n(&h->own->word, __ATOMIC_ACQUIRE), nw;

	for (;;) {
		if (OWN_PID(w) == sp_sock_pid) {
			if (!OWN_OPEN(w))
				return true;
			nw = OWN_WORD(sp_sock_pid, OWN_EPOCH(w), 0); /* the owner used it again */
		} else {
			if (!use || !OWN_OPEN(w) || OWN_EPOCH(w) != h->epoch)
				return false;
			nw = OWN_WORD(sp_sock_pid, OWN_EPOCH(w), 0);
		}
		if (__atomic_compare_exchange_n(
			    &h->own->word, &w, nw, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	if (OWN_PID(w) != sp_sock_pid)
		SP_LOG(NOTICE, api,
			"socket layer: pid %d takes the stack over from pid %d, which forked it and "
			"has not used the stack since",
			(int)sp_sock_pid, (int)OWN_PID(w));
	return true;
}

void
sp_sock_not_mine(struct sp_sock_host *h, const char *call, int fd)
{
	pid_t owner = OWN_PID(__atomic_load_n(&h->own->word, __ATOMIC_ACQUIRE));

	char what[32] = "";

	if (fd >= 0)
		snprintf(what, sizeof(what), "fd %d: ", fd);
	SP_LOG(NOTICE, api,
		"socket layer: %s: %spid %d drives the stack, not this process (pid %d); only a "
		"child it forked before it used the stack again can take it over",
		call, what, (int)owner, (int)sp_sock_pid);
}

bool
sp_sock_host_owner(struct sp_sock_host *h)
{
	int32_t child;
	unsigned i;
	uint64_t w;

	if (h == NULL)
		return false;
	w = __atomic_load_n(&h->own->word, __ATOMIC_ACQUIRE);
	if (OWN_PID(w) != sp_sock_pid)
		return false;
	if (!OWN_OPEN(w))
		return true;
	/*
	 * Forked and not used since: a child that is alive may still take the stack over. -1:
	 * a fork started and its child has not written its pid yet (it does so first thing).
	 */
	for (i = 0;
		i < OWN_CHILD_WAIT_MS && __atomic_load_n(&h->own->child, __ATOMIC_ACQUIRE) == -1;
		i++)
		rte_delay_us_sleep(1000);
	child = __atomic_load_n(&h->own->child, __ATOMIC_ACQUIRE);
	if (child > 0 && kill(child, 0) == 0)
		return false;
	return sp_sock_mine(h, true);
}

static void
atfork_prepare(void)
{
	struct sp_sock_host *h;
	uint64_t w;
	unsigned i;

	for (i = 0; i < SP_SOCK_MAX_HOSTS; i++) {
		h = hosts[i];
		if (h == NULL)
			continue;
		/* fork between two calls, never inside one: the child's copy is consistent */
		sp_sock_lock(h);
		w = __atomic_load_n(&h->own->word, __ATOMIC_ACQUIRE);
		if (OWN_PID(w) != sp_sock_pid || !h->drv.fork_handover)
			continue;
		/* a second fork in the same window (nginx's workers) keeps it: same copy */
		if (!OWN_OPEN(w))
			w = OWN_WORD(sp_sock_pid, OWN_EPOCH(w) + 1, 1);
		h->epoch = OWN_EPOCH(w);
		__atomic_store_n(&h->own->child, -1, __ATOMIC_RELEASE);
		__atomic_store_n(&h->own->word, w, __ATOMIC_RELEASE);
	}
}

static void
atfork_parent(void)
{
	unsigned i;

	for (i = 0; i < SP_SOCK_MAX_HOSTS; i++)
		if (hosts[i] != NULL)
			sp_sock_unlock(hosts[i]);
}

static void
atfork_child(void)
{
	struct sp_sock_host *h;
	unsigned i;

	sp_sock_pid = getpid();
	for (i = 0; i < SP_SOCK_MAX_HOSTS; i++) {
		h = hosts[i];
		if (h == NULL)
			continue;
		pthread_mutex_init(&h->lock, NULL);
		sp_sock_lock_depth--; /* atfork_prepare() took it */
		if (OWN_OPEN(__atomic_load_n(&h->own->word, __ATOMIC_ACQUIRE)))
			__atomic_store_n(&h->own->child, (int32_t)sp_sock_pid, __ATOMIC_RELEASE);
	}
}

static void
atfork_install(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Waits in progress and the signals noted during them ("Signals during waits" below). */
static unsigned sig_waits;   /* waits in progress, all threads */
static unsigned sig_pending; /* bit 0: a handler ran during a wait; bit 1: without SA_RESTART */

/* The host's tables and the host itself (not its sockets). */
static void
host_mem_free(struct sp_sock_host *h)
{
	free(h->sk);
	free(h->ep);
	free(h->tcp_ports);
	free(h->tcp_rp_ports);
	free(h->udp_ports);
	free(h->udp_by_port);
	if (h->own != NULL)
		munmap(h->own, sizeof(*h->own));
	free(h);
}

struct sp_sock_host *
sp_sock_host_create(struct sp_ctx *ctx, const struct sp_sock_driver *drv)
{
	struct sp_sock_host *h;
	struct rlimit rl;
	unsigned i;

	if (ctx == NULL || drv == NULL || drv->iterate == NULL) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->max_fd = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
		rl.rlim_max > h->max_fd)
		h->max_fd = rl.rlim_max > SP_SOCK_MAX_FD ? SP_SOCK_MAX_FD : (unsigned)rl.rlim_max;
	h->sk = calloc(h->max_fd, sizeof(h->sk[0]));
	h->ep = calloc(h->max_fd, sizeof(h->ep[0]));
	/* shared with the processes it forks (the "Fork" comment above) */
	h->own = mmap(
		NULL, sizeof(*h->own), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (h->own == MAP_FAILED) {
		h->own = NULL;
		goto nomem;
	}
	h->tcp_ports = calloc(65536, sizeof(uint16_t));
	h->tcp_rp_ports = calloc(65536, sizeof(uint16_t));
	h->udp_ports = calloc(65536, sizeof(uint16_t));
	h->udp_by_port = calloc(65536, sizeof(struct sp_sk *));
	if (h->sk == NULL || h->ep == NULL || h->tcp_ports == NULL || h->tcp_rp_ports == NULL ||
		h->udp_ports == NULL || h->udp_by_port == NULL)
		goto nomem;
	pthread_mutex_init(&h->lock, NULL);
	TAILQ_INIT(&h->corked);
	h->ctx = ctx;
	h->drv = *drv;
	sp_sock_pid = getpid();
	h->own->word = OWN_WORD(sp_sock_pid, 0, 0);
	h->next_eph = 32768;
	h->idle_pass_max = rte_get_tsc_hz() / 1000000u * SP_SOCK_IDLE_PASS_MAX_US;
	pthread_once(&atfork_once, atfork_install);
	for (i = 0; i < SP_SOCK_MAX_HOSTS; i++)
		if (__atomic_load_n(&hosts[i], __ATOMIC_ACQUIRE) == NULL) {
			hosts[i] = h;
			break;
		}
	return h;
nomem:
	host_mem_free(h);
	errno = ENOMEM;
	return NULL;
}

void
sp_sock_host_free(struct sp_sock_host *h, unsigned drain_ms)
{
	uint64_t end;
	unsigned i;

	if (h == NULL)
		return;
	for (i = 0; i < SP_SOCK_MAX_HOSTS; i++)
		if (hosts[i] == h)
			hosts[i] = NULL;
	sp_sock_lock(h);
	h->closing = true;
	if (sp_sock_mine(h, false)) {
		for (i = 0; i < h->max_fd; i++)
			if (h->sk[i] != NULL)
				sp_sk_close(h, h->sk[i]);
		sp_sk_close_deferred(h, true); /* their waits park (park()) */
		sp_ep_free_all(h);
		/* Let FINs and queued data go out, as the kernel would after exit. */
		end = sp_sock_now_us() + (uint64_t)drain_ms * 1000u;
		while (sp_tcp_conn_count(h->ctx) != 0 && sp_sock_now_us() < end) {
			sp_sock_cork_expire(h); /* what closed sockets still hold (cork.c) */
			h->drv.iterate(h->drv.arg);
		}
		sp_sock_cork_end(h);
		h->drv.iterate(h->drv.arg);
	}
	sp_sock_unlock(h);
	/* other threads' waits take the lock again and park (park()): they need it to exist */
	if (__atomic_load_n(&sig_waits, __ATOMIC_RELAXED) == 0)
		host_mem_free(h);
}

int
sp_sock_host_kill(struct sp_sock_host *h)
{
	const struct timespec ten_us = {0, 10000};
	unsigned i, tries = 0;
	int n = 0;

	if (h == NULL || !sp_sock_mine(h, false))
		return 0;
	/* async-signal context: never block on the lock, which this thread may hold */
	while (pthread_mutex_trylock(&h->lock) != 0) {
		if (++tries == 1000)
			return -EBUSY;
		nanosleep(&ten_us, NULL);
	}
	sp_sock_lock_depth++;
	for (i = 0; i < h->max_fd; i++) {
		struct sp_sk *s = h->sk[i];
		struct sp_conn *c = s != NULL && s->tcp ? s->conn : NULL;

		/* a connection once, however many descriptors it has; RFC 9293 3.10.4 ABORT */
		if (c == NULL || c->freed || s->killed || c->state == SP_TCP_SYN_SENT ||
			c->state == SP_TCP_TIME_WAIT || c->state == SP_TCP_CLOSED)
			continue;
		s->killed = true;
		sp_tcp_send_rst(c);
		n++;
	}
	sp_tx_flush(h->ctx);
	sp_sock_unlock(h);
	return n;
}

bool
sp_sock_is_socket(const struct sp_sock_host *h, int fd)
{
	return h != NULL && fd >= 0 && (unsigned)fd < h->max_fd &&
	       __atomic_load_n(&h->sk[fd], __ATOMIC_RELAXED) != NULL;
}

struct sp_sk *
sp_sk_get(struct sp_sock_host *h, int fd, const char *call)
{
	struct sp_sk *s;

	if (h == NULL || fd < 0 || (unsigned)fd >= h->max_fd) {
		errno = EBADF;
		return NULL;
	}
	sp_sock_lock(h);
	s = h->sk[fd];
	if (s == NULL || h->closing) {
		sp_sock_unlock(h);
		errno = EBADF;
		return NULL;
	}
	if (!sp_sock_mine(h, true)) {
		sp_sock_unlock(h);
		sp_sock_not_mine(h, call, fd);
		errno = EOPNOTSUPP;
		return NULL;
	}
	return s;
}

__thread unsigned sp_sock_lock_depth __attribute__((tls_model("initial-exec")));

/* Signals deferred while a thread held the lock (bit sig - 1), raised at its release. */
static uint64_t deferred_sigs;

bool
sp_sock_in_call(void)
{
	return sp_sock_lock_depth != 0;
}

void
sp_sock_signal_defer(int sig)
{
	if (sig > 0 && sig <= 64)
		__atomic_or_fetch(&deferred_sigs, 1ull << (sig - 1), __ATOMIC_RELAXED);
}

void
sp_sock_signals_due(void)
{
	uint64_t m;

	if (__builtin_expect(__atomic_load_n(&deferred_sigs, __ATOMIC_RELAXED) == 0, 1) ||
		sp_sock_lock_depth != 0)
		return;
	m = __atomic_exchange_n(&deferred_sigs, 0, __ATOMIC_ACQ_REL);
	/* to this thread: delivered before raise() returns, outside the call's lock */
	while (m != 0) {
		raise(__builtin_ctzll(m) + 1);
		m &= m - 1;
	}
}

/* The signal sp_sock_host_kill_later() keeps for the end of the call that held the lock. */
static volatile sig_atomic_t kill_sig;

void
sp_sock_host_kill_later(int sig)
{
	kill_sig = sig;
}

/* A signal killing the process came while this call held the lock: reset, then let it kill. */
static void
kill_due(struct sp_sock_host *h)
{
	int sig = kill_sig;

	if (__builtin_expect(sig == 0, 1))
		return;
	kill_sig = 0;
	sp_sock_host_kill(h);
	raise(sig);
}

void
sp_sk_put(struct sp_sock_host *h)
{
	/* a call that waited on a socket closed meanwhile may have ended: close it now */
	if (h->close_deferred != NULL)
		sp_sk_close_deferred(h, false);
	sp_sock_unlock(h);
	kill_due(h);
}

int
sp_sk_attach_fd(struct sp_sock_host *h, struct sp_sk *s)
{
	int fd = (int)syscall(SYS_eventfd2, 0, EFD_NONBLOCK | (s->cloexec ? EFD_CLOEXEC : 0));

	if (fd < 0)
		return -errno;
	if ((unsigned)fd >= h->max_fd) {
		sp_sys_close(fd);
		return -EMFILE;
	}
	s->fd = fd;
	s->nfds = 1;
	__atomic_store_n(&h->sk[fd], s, __ATOMIC_RELEASE);
	h->n_sk++;
	return 0;
}

/*
 * Table entry @p fd of @p s out (its eventfd closed when @p close_fd; dup3 onto it replaced it
 * otherwise); s->fd moves to another of its descriptors, -1 after the last.
 */
static void
fd_unlink(struct sp_sock_host *h, struct sp_sk *s, int fd, bool close_fd)
{
	unsigned i;

	__atomic_store_n(&h->sk[fd], NULL, __ATOMIC_RELEASE);
	if (close_fd)
		sp_sys_close(fd);
	s->nfds--;
	h->n_sk--;
	if (s->fd != fd)
		return;
	s->fd = -1;
	/* duplicates are rare: a scan of the table finds the next one */
	for (i = 0; s->nfds != 0 && i < h->max_fd; i++)
		if (h->sk[i] == s) {
			s->fd = (int)i;
			break;
		}
}

void
sp_sk_detach_fd(struct sp_sock_host *h, struct sp_sk *s)
{
	while (s->fd >= 0)
		fd_unlink(h, s, s->fd, true);
}

int
sp_sk_dup_fd(struct sp_sock_host *h, struct sp_sk *s, int fd, int fd2, int min, bool cloexec,
	struct sp_sk **replaced)
{
	long nfd;

	*replaced = NULL;
	/* The kernel duplicates the eventfd: it picks the number and applies RLIMIT_NOFILE. */
	if (fd2 < 0)
		nfd = syscall(SYS_fcntl, fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, min);
	else
		nfd = syscall(SYS_dup3, fd, fd2, cloexec ? O_CLOEXEC : 0);
	if (nfd < 0)
		return -errno;
	if ((unsigned long)nfd >= h->max_fd) {
		sp_sys_close((int)nfd);
		return -EMFILE;
	}
	*replaced = h->sk[nfd];
	if (*replaced != NULL)
		fd_unlink(h, *replaced, (int)nfd, false);
	__atomic_store_n(&h->sk[nfd], s, __ATOMIC_RELEASE);
	s->nfds++;
	h->n_sk++;
	return (int)nfd;
}

void
sp_sk_forget_fd(struct sp_sock_host *h, struct sp_sk *s, int fd)
{
	fd_unlink(h, s, fd, false);
}

bool
sp_sk_drop_fd(struct sp_sock_host *h, struct sp_sk *s, int fd)
{
	if (s->nfds <= 1)
		return false;
	fd_unlink(h, s, fd, true);
	return true;
}

void
sp_sock_tx_queued(struct sp_sock_host *h, bool later)
{
	if (later) {
		__atomic_store_n(&h->tx_pending, true, __ATOMIC_RELAXED);
		return;
	}
	sp_tx_flush(h->ctx);
}

void
sp_sk_tx_queued(struct sp_sock_host *h, const struct sp_sk *s, bool dontwait)
{
	sp_sock_tx_queued(h, s->nonblock || dontwait);
}

/* Send the TX batch that non-blocking calls left, if any; @p try_only: never wait for the lock. */
static void
tx_settle(struct sp_sock_host *h, bool try_only)
{
	if (h == NULL || !__atomic_load_n(&h->tx_pending, __ATOMIC_RELAXED))
		return;
	if (!try_only) {
		sp_sock_lock(h);
	} else {
		if (sp_sock_lock_depth != 0 || pthread_mutex_trylock(&h->lock) != 0)
			return;
		sp_sock_lock_depth++;
	}
	if (sp_sock_mine(h, false) && !h->closing) {
		sp_tx_flush(h->ctx);
		__atomic_store_n(&h->tx_pending, false, __ATOMIC_RELAXED);
	}
	sp_sock_unlock(h);
}

void
sp_sock_tx_settle(struct sp_sock_host *h)
{
	tx_settle(h, false);
}

void
sp_sock_host_settle(struct sp_sock_host *h)
{
	tx_settle(h, true);
}

/*
 * Idle accounting (sp_sock_host_idle_cycles()): the TSC at the start of this thread's last
 * driver iteration, 0 when that iteration moved packets (busy).
 */
static __thread uint64_t pass_tsc;

void
sp_sock_drive(struct sp_sock_host *h)
{
	uint64_t t0 = rte_rdtsc();

	if (h->closing || !sp_sock_mine(h, true))
		return;
	__atomic_store_n(&h->tx_pending, false, __ATOMIC_RELAXED); /* it flushes */
	sp_sock_cork_expire(h);
	if (h->drv.iterate(h->drv.arg) != 0) {
		h->idle = 0;
		pass_tsc = 0;
	} else {
		h->idle++;
		pass_tsc = t0;
	}
}

/* The pass that just ended found nothing: count its cycles as idle. */
static void
idle_account(struct sp_sock_host *h)
{
	uint64_t t1 = rte_rdtsc();

	/* A pass that took longer was preempted: the CPU was not ours, count nothing. */
	if (pass_tsc != 0 && t1 - pass_tsc < h->idle_pass_max)
		__atomic_fetch_add(&h->idle_cycles, t1 - pass_tsc, __ATOMIC_RELAXED);
	pass_tsc = 0;
}

/*
 * Signals during waits. A wait busy-polls in user space, where no system call is there for a
 * signal to interrupt; the handler runs and the wait would go on (nginx's epoll_wait after
 * SIGINT: forever). So the program's handlers report here (sp_sock_signal_note(); the preload
 * library wraps them), and a handler that ran while a wait was in progress ends it with EINTR
 * as the kernel's would (signal(7)): epoll/poll/select after any handler, the other blocking
 * calls only after one without SA_RESTART or on a socket with a timeout.
 */
void
sp_sock_signal_note(bool restart)
{
	if (__atomic_load_n(&sig_waits, __ATOMIC_RELAXED) != 0)
		__atomic_or_fetch(&sig_pending, restart ? 1u : 3u, __ATOMIC_RELAXED);
}

void
sp_sock_wait_begin(void)
{
	__atomic_add_fetch(&sig_waits, 1, __ATOMIC_RELAXED);
}

void
sp_sock_wait_end(void)
{
	/* a signal noted for a wait that ended anyway must not interrupt the next one */
	if (__atomic_sub_fetch(&sig_waits, 1, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(&sig_pending, 0, __ATOMIC_RELAXED);
}

/* A noted signal ends a wait that is not @p restartable, or any after a non-SA_RESTART one. */
static bool
sig_interrupts(bool restartable)
{
	unsigned p = __atomic_load_n(&sig_pending, __ATOMIC_RELAXED);

	if (p == 0 || (restartable && (p & 2u) == 0))
		return false;
	__atomic_store_n(&sig_pending, 0, __ATOMIC_RELAXED);
	return true;
}

int
sp_sock_idle(struct sp_sock_host *h, bool restartable)
{
	unsigned idle = __atomic_load_n(&h->idle, __ATOMIC_RELAXED);
	struct timespec ts;

	kill_due(h); /* waits call this between passes, without the lock */
	if (sig_interrupts(restartable))
		return -EINTR;
	if (h->drv.sleep_us == 0 || idle < h->drv.idle_spins) {
		/*
		 * Spin. sched_yield() on every pass was one more system call per pass; one every
		 * SP_SOCK_YIELD_EVERY passes lets the program's other threads on this CPU run (a
		 * waiting call drops the lock: they take it while this one yields).
		 */
		if (idle % SP_SOCK_YIELD_EVERY == 0)
			sched_yield();
		else
			rte_pause();
		idle_account(h);
		return 0;
	}
	idle_account(h); /* the sleep is not the program's CPU */
	/* A real sleep: a signal that arrives now interrupts the caller's wait (EINTR). */
	ts.tv_sec = 0;
	ts.tv_nsec = (long)h->drv.sleep_us * 1000;
	if (syscall(SYS_nanosleep, &ts, NULL) != 0 && errno == EINTR) {
		/* a handler that reported itself decides; one that did not: EINTR, as before */
		if (__atomic_load_n(&sig_pending, __ATOMIC_RELAXED) == 0 ||
			sig_interrupts(restartable))
			return -EINTR;
	}
	return 0;
}

uint64_t
sp_sock_host_idle_cycles(const struct sp_sock_host *h)
{
	return h == NULL ? 0 : __atomic_load_n(&h->idle_cycles, __ATOMIC_RELAXED);
}

/*
 * The process is exiting (sp_sock_host_free() from its atexit handler) while this thread's call
 * waits: as on Linux, where another thread's blocked recv or accept does not return while the
 * process exits, it never returns. It used to end with EBADF, and the program's error path
 * then ran against its own exit (iperf -s aborted on a corrupted heap). The host's memory is
 * kept for it (sp_sock_host_free()). Lock held; never returns.
 */
static void __attribute__((noreturn)) park(struct sp_sock_host *h)
{
	sp_sock_unlock(h);
	for (;;)
		pause();
}

int
sp_sk_wait(struct sp_sock_host *h, struct sp_sk *s, uint32_t mask, uint64_t timeout_us)
{
	uint64_t end = timeout_us != 0 ? sp_sock_now_us() + timeout_us : UINT64_MAX;
	int ret;

	/* Another thread may close @p s while the lock is dropped: hold its memory. */
	s->refs++;
	sp_sock_wait_begin();
	for (;;) {
		sp_sock_drive(h);
		if (h->closing)
			park(h);
		if (s->dead || !sp_sock_mine(h, true)) {
			ret = -EBADF;
			break;
		}
		if (sp_sk_events(s) & mask) {
			ret = 0;
			break;
		}
		if (sp_sock_now_us() >= end) {
			ret = -EAGAIN;
			break;
		}
		sp_sock_unlock(h);
		/* a socket with a timeout is never restarted (signal(7)) */
		ret = sp_sock_idle(h, timeout_us == 0);
		sp_sock_lock(h);
		if (ret != 0)
			break;
	}
	sp_sock_wait_end();
	s->refs--;
	if (s->dead && s->refs == 0) {
		sp_sk_release(s);
		return -EBADF;
	}
	return ret;
}
