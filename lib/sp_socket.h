/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A POSIX-shaped socket layer on the event core (sp_api.h): TCP and UDP over IPv4 with the
 * calls, flags, options and errno values of Linux sockets, and readiness (poll, select, epoll)
 * over sets that mix spindle sockets with kernel file descriptors.
 *
 * Unlike the rest of the library these calls follow libc's convention: they return -1 and set
 * errno (the errno Linux gives in the same situation), so that a program or the preload library
 * (docs/preload.md) can put them where the libc calls were.
 *
 * Where the stack runs (docs/api.md "Design: the socket layer"): a host owns one sp_ctx and a
 * driver, a function that runs one iteration of the data path (RX burst, sp_input(), sp_poll(),
 * sp_tx_flush()). Every call that would block (accept, connect, read, write, poll, select,
 * epoll_wait) runs the driver until its condition holds or its timeout passes: run to
 * completion on the calling thread. One lock per host serialises the calls of every thread.
 *
 * File descriptors are real: each socket is backed by a kernel eventfd, so its number is unique
 * in the process, and close(), dup()/dup2() (of spindle sockets and of other files) and select()'s
limits behave.
 */
#ifndef SP_SOCKET_H
#define SP_SOCKET_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "sp_export.h"

struct sp_ctx;
/** A socket host: one context, its driver, its sockets and epoll sets (opaque). */
struct sp_sock_host;

/** How the host runs the stack. */
struct sp_sock_driver {
	/**
	 * One iteration of the data path on the host's context (RX burst + sp_input(), sp_poll(),
	 * sp_tx_flush()). Called with the host's lock held. @return packets moved (0 = idle).
	 */
	unsigned (*iterate)(void *arg);
	void *arg;
	/**
	 * After this many idle iterations in a row a wait sleeps for sleep_us between iterations
	 * (0 = never sleep: busy polling, lowest latency).
	 */
	unsigned idle_spins;
	unsigned sleep_us;
	/**
	 * The ports survive fork() in a child (their data path is file descriptors and memory
	 * mapped from the kernel, with no thread and no memory registered to this process:
	 * net_tap, net_af_packet). Then a child forked by the process driving the stack takes it
	 * over at its first socket call, if that process has not used the stack since the fork
	 * (docs/preload.md "Threads and fork"). Otherwise forked children never touch the stack.
	 */
	bool fork_handover;
};

SP_EXPORT_BEGIN

/**
 * Create a host on @p ctx (created, not polled by anyone else) driven by @p drv (copied).
 * The host installs pthread_atfork() handlers: exactly one process drives its stack; in any
 * other process of a fork() its sockets fail with EOPNOTSUPP and the stack is never polled
 * (see sp_sock_driver.fork_handover for the one hand-over to a child).
 * @return the host or NULL with errno set.
 */
struct sp_sock_host *sp_sock_host_create(struct sp_ctx *ctx, const struct sp_sock_driver *drv);

/**
 * True when this process drives the stack of @p h and so must tear it down at exit (close the
 * ports, free the mbufs). False in another process of a fork(), and in a driving process that
 * forked a child which is still alive and may take the stack over (it has not used the stack
 * since the fork: a daemon's parent that exits). False for NULL @p h.
 */
bool sp_sock_host_owner(struct sp_sock_host *h);

/**
 * Close every socket (as close() would), run the driver until no connection is left open or
 * @p drain_ms passed, reset the rest, and free the host. Connections still open after that are
 * freed with the context. In a process that does not drive the stack only the memory of the
 * host is released.
 */
void sp_sock_host_free(struct sp_sock_host *h, unsigned drain_ms);

/**
 * The process is dying of a signal it does not handle: reset every connection of its sockets
 * (RST) and send at once, so that each peer learns, as the kernel's close at a process's death
 * tells it (a FIN there, which the kernel keeps sending; no one is left here to). Callable from
 * a signal handler: it only tries the host's lock (for up to 10 ms: the signal may have
 * interrupted this thread inside a socket call, see sp_sock_host_kill_later()) and frees
 * nothing. Returns how many connections were reset, -EBUSY (lock not had), 0 in a process that
 * does not drive the stack.
 */
int sp_sock_host_kill(struct sp_sock_host *h);

/**
 * After sp_sock_host_kill() gave -EBUSY in a signal handler: the call that holds the lock runs
 * it when it lets the lock go (its end, or its wait's next pass), then raises @p sig, whose
 * action must be the default by then (SA_RESETHAND). Async-signal-safe.
 */
void sp_sock_host_kill_later(int sig);

/**
 * TSC cycles the host's waits spent polling without finding anything (rte_get_tsc_hz() per
 * second): passes of a waiting call that moved no packet and made nothing ready, with their
 * pause, not their sleeps; a pass longer than 50 us (preempted) counts nothing. The program's
 * CPU time minus this is the time it worked, for a program that busy-polls while idle. Any
 * thread; 0 for NULL @p h.
 */
uint64_t sp_sock_host_idle_cycles(const struct sp_sock_host *h);

/**
 * The calling thread is about to block outside the socket layer (a sleep, a wait for a child or
 * a signal): send what non-blocking calls left in the TX batch for the next driver iteration
 * (docs/preload.md "What a call costs"), which would otherwise wait for the thread's next socket
 * call. Costs one atomic load when nothing waits. Only tries the lock (another thread's call,
 * or a call this signal handler interrupted, holds it: that call's driver passes send the
 * batch), so it is safe in a signal handler. Any thread; nothing for NULL @p h.
 */
void sp_sock_host_settle(struct sp_sock_host *h);

/** True when @p fd is a spindle socket of @p h (false for NULL @p h). Any thread. */
bool sp_sock_is_socket(const struct sp_sock_host *h, int fd);

/**
 * socket(2): AF_INET with SOCK_STREAM (TCP) or SOCK_DGRAM (UDP), SOCK_NONBLOCK, SOCK_CLOEXEC.
 * AF_INET6: the same, serving IPv4 through IPv4-mapped addresses (::ffff:a.b.c.d, :: for any) in
 * struct sockaddr_in6, as a Linux dual-stack socket with IPV6_V6ONLY off; a real IPv6 address
 * gets EADDRNOTAVAIL (bind) or ENETUNREACH (connect, sendto).
 */
int sp_socket(struct sp_sock_host *h, int domain, int type, int protocol);
int sp_bind(struct sp_sock_host *h, int fd, const struct sockaddr *addr, socklen_t len);
int sp_listen(struct sp_sock_host *h, int fd, int backlog);
int sp_accept4(struct sp_sock_host *h, int fd, struct sockaddr *addr, socklen_t *len, int flags);
/** Blocking, or non-blocking with EINPROGRESS, then the outcome in SO_ERROR. */
int sp_connect(struct sp_sock_host *h, int fd, const struct sockaddr *addr, socklen_t len);
int sp_shutdown(struct sp_sock_host *h, int fd, int how);
/**
 * close(2); SO_LINGER with a zero timeout resets the connection. A socket with several
 * descriptors (sp_dup()) closes with the last of them.
 */
int sp_close(struct sp_sock_host *h, int fd);
/**
 * Call from every signal handler of a program whose threads wait in these calls (the preload
 * library wraps the program's handlers to do it): a wait busy-polls in user space, where a
 * signal interrupts no system call, so a handler that runs during a wait ends it here instead,
 * with EINTR, as the kernel's would (signal(7)): epoll/poll/select after any handler, the other
 * blocking calls after one installed without SA_RESTART (@p restart false) or on a socket with
 * SO_RCVTIMEO/SO_SNDTIMEO. Async-signal-safe.
 */
void sp_sock_signal_note(bool restart);
/**
 * From a signal handler's wrapper, before the program's handler runs: true when this thread is
 * inside one of these calls (it holds the socket layer's lock). A handler that then exits
 * (iperf3 on SIGTERM) would run the library's exit drain inside that call, on a lock the call
 * holds: a deadlock. So the wrapper defers it with sp_sock_signal_defer(). Async-signal-safe.
 */
bool sp_sock_in_call(void);
/**
 * Raise @p sig again, to this thread, when the call in progress lets the lock go (its end, or
 * its wait's next idle pause): the handler then runs outside the call, and a wait in progress
 * still ends with EINTR. Async-signal-safe.
 */
void sp_sock_signal_defer(int sig);

/** dup(2): the lowest free descriptor, for the same socket. */
int sp_dup(struct sp_sock_host *h, int fd);
/**
 * dup3(2) (dup2(2) is this with @p flags 0, after checking @p fd when @p fd2 == @p fd):
 * @p fd2 becomes a descriptor of @p fd's socket; what @p fd2 was (a kernel file or another
 * spindle socket's descriptor) is closed first, atomically. @p flags: O_CLOEXEC.
 */
int sp_dup3(struct sp_sock_host *h, int fd, int fd2, int flags);
/**
 * dup3(2) of a kernel file @p kfd onto @p fd2, a descriptor of a spindle socket, atomically as
 * the kernel's: one dup3 system call puts the kernel file at @p fd2 (no other thread can see
 * the number free in between), then the socket forgets that descriptor and closes if it was its
 * last. dup2(kfd, fd2) is this with @p flags 0. @return fd2, or -1 with errno (the kernel's).
 */
int sp_dup3_kernel(struct sp_sock_host *h, int kfd, int fd2, int flags);
int sp_getsockname(struct sp_sock_host *h, int fd, struct sockaddr *addr, socklen_t *len);
int sp_getpeername(struct sp_sock_host *h, int fd, struct sockaddr *addr, socklen_t *len);

/**
 * recvmsg(2). Flags: MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL, MSG_TRUNC (UDP). Returns 0 at end of
 * stream; a reset is reported once as ECONNRESET, then reads return 0.
 */
ssize_t sp_recvmsg(struct sp_sock_host *h, int fd, struct msghdr *msg, int flags);
/**
 * sendmsg(2). Flags: MSG_DONTWAIT, MSG_NOSIGNAL, MSG_MORE. Writing to a connection that was
 * reset fails with ECONNRESET once, then with EPIPE; EPIPE raises SIGPIPE unless MSG_NOSIGNAL.
 */
ssize_t sp_sendmsg(struct sp_sock_host *h, int fd, const struct msghdr *msg, int flags);
/**
 * recvmmsg(2): up to @p vlen (at most UIO_MAXIOV) messages, each one's length in msg_len.
 * MSG_WAITFORONE makes the receives after the first non-blocking; @p timeout (may be NULL) is
 * checked after each message and updated to what is left, as Linux does. @return the number
 * received, or -1 with errno when the first receive failed.
 */
struct mmsghdr; /* <sys/socket.h> defines it under _GNU_SOURCE */
int sp_recvmmsg(struct sp_sock_host *h, int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	struct timespec *timeout);
/** sendmmsg(2): sp_sendmsg() of each message in turn; @return how many went, or -1 with errno. */
int sp_sendmmsg(struct sp_sock_host *h, int fd, struct mmsghdr *vec, unsigned int vlen, int flags);
ssize_t sp_read(struct sp_sock_host *h, int fd, void *buf, size_t len);
ssize_t sp_write(struct sp_sock_host *h, int fd, const void *buf, size_t len);
ssize_t sp_readv(struct sp_sock_host *h, int fd, const struct iovec *iov, int iovcnt);
ssize_t sp_writev(struct sp_sock_host *h, int fd, const struct iovec *iov, int iovcnt);
ssize_t sp_recvfrom(struct sp_sock_host *h, int fd, void *buf, size_t len, int flags,
	struct sockaddr *src, socklen_t *srclen);
ssize_t sp_sendto(struct sp_sock_host *h, int fd, const void *buf, size_t len, int flags,
	const struct sockaddr *dst, socklen_t dstlen);

/**
 * getsockopt(2)/setsockopt(2): SOL_SOCKET SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_LINGER,
 * SO_RCVBUF, SO_SNDBUF, SO_ERROR, SO_RCVTIMEO, SO_SNDTIMEO, SO_TYPE, SO_DOMAIN, SO_PROTOCOL,
 * SO_ACCEPTCONN; IPPROTO_TCP TCP_NODELAY, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_INFO.
 * Others fail with ENOPROTOOPT and one log line naming the option.
 */
int sp_getsockopt(struct sp_sock_host *h, int fd, int level, int name, void *val, socklen_t *len);
int sp_setsockopt(
	struct sp_sock_host *h, int fd, int level, int name, const void *val, socklen_t len);
/**
 * fcntl(2): F_GETFL, F_SETFL (O_NONBLOCK), F_GETFD, F_SETFD (FD_CLOEXEC, per descriptor),
 * F_DUPFD, F_DUPFD_CLOEXEC; else EINVAL + log.
 */
int sp_fcntl(struct sp_sock_host *h, int fd, int cmd, long arg);
/** ioctl(2): FIONREAD, FIONBIO, SIOCOUTQ; else ENOTTY + log. */
int sp_ioctl(struct sp_sock_host *h, int fd, unsigned long req, void *arg);

/**
 * epoll_ctl(2) on a kernel epoll fd @p epfd: spindle sockets are kept by the host, anything else
 * goes to the kernel. EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLPRI (never set), EPOLLET, EPOLLONESHOT.
 */
int sp_epoll_ctl(struct sp_sock_host *h, int epfd, int op, int fd, struct epoll_event *ev);
/** epoll_pwait(2) on a set that may mix spindle sockets and kernel fds. */
int sp_epoll_pwait(struct sp_sock_host *h, int epfd, struct epoll_event *events, int maxevents,
	int timeout, const sigset_t *sigmask);
/** A spindle-aware epoll set is being closed: forget it (the caller closes the kernel fd). */
void sp_epoll_forget(struct sp_sock_host *h, int epfd);
/** ppoll(2) over spindle sockets and kernel fds; @p tmo NULL = no timeout. */
int sp_ppoll(struct sp_sock_host *h, struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
	const sigset_t *sigmask);
/** pselect(2) over spindle sockets and kernel fds. */
int sp_pselect(struct sp_sock_host *h, int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds,
	const struct timespec *tmo, const sigset_t *sigmask);

SP_EXPORT_END

#endif
