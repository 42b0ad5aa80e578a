/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libspindle_preload.so: the libc socket calls, interposed. An AF_INET TCP or UDP socket is a
 * spindle socket (sp_socket.h); so is an AF_INET6 one once it meets IPv4 (take6()); every other
 * descriptor (files, pipes, eventfd, AF_UNIX, AF_INET6 for IPv6, ...) goes to the kernel through
 * the next definition of the call (dlsym RTLD_NEXT).
 * Readiness calls take sets mixing both kinds. The _FORTIFY_SOURCE variants (__read_chk, ...)
 * and fcntl64 are interposed too: Debian builds its packages with them.
 */
/* Both names of the calls with 64-bit offsets are defined below: no redirection of one to the other. */
#undef _FILE_OFFSET_BITS
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"

#define HOST	 (sp_preload.host)
#define OURS(fd) sp_sock_is_socket(HOST, (fd))

/* A call spindle cannot serve on its socket @p fd: one log line naming it, errno @p err. */
static int
refuse_errno(const char *call, int fd, int err)
{
	SP_LOG(NOTICE, api, "preload: %s on spindle socket %d is not supported (%s)", call, fd,
		strerrorname_np(err));
	errno = err;
	return -1;
}

static int
refuse(const char *call, int fd)
{
	return refuse_errno(call, fd, EOPNOTSUPP);
}

EXPORT int
socket(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	REAL(socket);
	if (domain == AF_INET &&
		((base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) ||
			(base == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))) &&
		sp_preload_start() != NULL)
		return sp_socket(HOST, domain, type, protocol);
	return real_socket(domain, type, protocol);
}

/*
 * An AF_INET6 TCP or UDP socket starts as the kernel's: it may be for IPv6. When it meets IPv4
 * instead — bind() to :: or to an IPv4-mapped address (::ffff:a.b.c.d, RFC 4291 2.5.5.2), or,
 * unbound, connect() or sendto() to a mapped one — with IPV6_V6ONLY off (Linux's default,
 * net.ipv6.bindv6only = 0: a dual-stack socket, RFC 3493 3.7), spindle takes it over at the same
 * descriptor number: a spindle AF_INET6 socket serving IPv4 through mapped addresses. Programs
 * that listen on :: by default (node, python3 -m http.server) are served by spindle. What the
 * program set before comes along: O_NONBLOCK, FD_CLOEXEC, SO_REUSEADDR, SO_REUSEPORT,
 * SO_KEEPALIVE, TCP_NODELAY, IP_TOS, IP_TTL, TCP_MAXSEG. IPv6 itself stays with the kernel: a socket bound or sent to a real
 * IPv6 address is never taken. @p any: :: counts (bind), else only a mapped address.
 */
static bool
take6(int fd, const struct sockaddr *addr, socklen_t len, bool any)
{
	/*
	 * IP_TOS and IP_TTL apply to a dual-stack socket's IPv4 traffic on Linux (an AF_INET6
	 * socket takes IPPROTO_IP options): iperf3 sets IP_TOS on one that meets a mapped address.
	 * The kernel reads IP_TTL as its default when unset, the same 64. TCP_MAXSEG reads 536
	 * (TCP_MSS_DEFAULT) when unset: that value is not carried, it would clamp every connection.
	 */
	static const int carried[][2] = {{SOL_SOCKET, SO_REUSEADDR}, {SOL_SOCKET, SO_REUSEPORT},
		{SOL_SOCKET, SO_KEEPALIVE}, {IPPROTO_TCP, TCP_NODELAY}, {IPPROTO_IP, IP_TOS},
		{IPPROTO_IP, IP_TTL}, {IPPROTO_TCP, TCP_MAXSEG}};
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
	struct sockaddr_in6 self;
	socklen_t n = sizeof(int);
	int v, proto, fl, fdfl, nfd, type;
	unsigned i;

	REAL(getsockopt);
	REAL(getsockname);
	REAL(fcntl);
	if (addr == NULL || len < 24 || addr->sa_family != AF_INET6 ||
		!(IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) ||
			(any && IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))))
		return false;
	if (sp_preload.kernel_loopback && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		sin6->sin6_addr.s6_addr[12] == 127)
		return false; /* ::ffff:127.x.y.z: the kernel's loopback */
	if (real_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &n) != 0 || v != AF_INET6)
		return false;
	n = sizeof(int);
	if (real_getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &n) != 0 ||
		(proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return false;
	n = sizeof(int);
	if (real_getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &n) != 0 || v != 0)
		return false;
	n = sizeof(self);
	if (real_getsockname(fd, (struct sockaddr *)&self, &n) != 0 || self.sin6_port != 0)
		return false; /* bound (to IPv6) already */
	fl = real_fcntl(fd, F_GETFL, 0);
	fdfl = real_fcntl(fd, F_GETFD, 0);
	if (fl < 0 || fdfl < 0)
		return false;
	type = (proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) |
	       ((fl & O_NONBLOCK) ? SOCK_NONBLOCK : 0);
	if (sp_preload_start() == NULL)
		return false;
	nfd = sp_socket(HOST, AF_INET6, type, proto);
	if (nfd < 0)
		return false;
	for (i = 0; i < sizeof(carried) / sizeof(carried[0]); i++) {
		n = sizeof(int);
		if ((carried[i][0] != IPPROTO_TCP || proto == IPPROTO_TCP) &&
			real_getsockopt(fd, carried[i][0], carried[i][1], &v, &n) == 0 && v != 0 &&
			!(carried[i][1] == TCP_MAXSEG && carried[i][0] == IPPROTO_TCP && v == 536))
			sp_setsockopt(HOST, nfd, carried[i][0], carried[i][1], &v, sizeof(v));
	}
	/* dup3 puts the spindle socket at fd and closes the kernel's socket there, in one call */
	if (sp_dup3(HOST, nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) != fd) {
		sp_close(HOST, nfd);
		return false;
	}
	sp_close(HOST, nfd);
	SP_LOG(INFO, api, "preload: AF_INET6 socket %d meets IPv4: spindle serves it", fd);
	return true;
}

/*
 * 127.0.0.0/8 is the kernel's loopback ([stack] kernel_loopback, on by default): spindle has no
 * loopback interface. A spindle socket that has no port yet and is bound, connected or sent to
 * such an address becomes a kernel socket at the same descriptor number, with what the program
 * set that the kernel reads the same way (O_NONBLOCK, FD_CLOEXEC, the options below): a program
 * that serves on spindle and talks to a local database, cache or resolver keeps working. The
 * reverse of take6(). Without it the call fails as spindle fails it (EADDRNOTAVAIL for bind,
 * ENETUNREACH for connect and sendto).
 */
static bool
to_loopback(int fd, const struct sockaddr *addr, socklen_t len)
{
	static const int carried[][2] = {{SOL_SOCKET, SO_REUSEADDR}, {SOL_SOCKET, SO_REUSEPORT},
		{SOL_SOCKET, SO_KEEPALIVE}, {IPPROTO_TCP, TCP_NODELAY}, {IPPROTO_TCP, TCP_KEEPIDLE},
		{IPPROTO_TCP, TCP_KEEPINTVL}, {IPPROTO_TCP, TCP_KEEPCNT}, {IPPROTO_IP, IP_TOS}};
	static const int carried_struct[][2] = {
		{SOL_SOCKET, SO_RCVTIMEO}, {SOL_SOCKET, SO_SNDTIMEO}, {SOL_SOCKET, SO_LINGER}};
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	union {
		struct timeval tv;
		struct linger lg;
	} u;
	struct sockaddr_in self;
	socklen_t n = sizeof(self);
	int type, fl, fdfl, kfd, v, ret;
	unsigned i;
	char a[INET_ADDRSTRLEN];

	REAL(socket);
	REAL(setsockopt);
	if (!sp_preload.kernel_loopback || addr == NULL || len < sizeof(*sin) ||
		addr->sa_family != AF_INET || (ntohl(sin->sin_addr.s_addr) >> 24) != 127)
		return false;
	if (sp_getsockname(HOST, fd, (struct sockaddr *)&self, &n) != 0 ||
		self.sin_family != AF_INET || self.sin_port != 0)
		return false; /* an IPv6 socket, or it has a port: it stays spindle's */
	n = sizeof(type);
	if (sp_getsockopt(HOST, fd, SOL_SOCKET, SO_TYPE, &type, &n) != 0)
		return false;
	fl = sp_fcntl(HOST, fd, F_GETFL, 0);
	fdfl = sp_fcntl(HOST, fd, F_GETFD, 0);
	if (fl < 0 || fdfl < 0)
		return false;
	kfd = real_socket(
		AF_INET, type | SOCK_CLOEXEC | ((fl & O_NONBLOCK) ? SOCK_NONBLOCK : 0), 0);
	if (kfd < 0)
		return false;
	for (i = 0; i < sizeof(carried) / sizeof(carried[0]); i++) {
		n = sizeof(v);
		if ((carried[i][0] != IPPROTO_TCP || type == SOCK_STREAM) &&
			sp_getsockopt(HOST, fd, carried[i][0], carried[i][1], &v, &n) == 0 &&
			v != 0)
			real_setsockopt(kfd, carried[i][0], carried[i][1], &v, sizeof(v));
	}
	for (i = 0; i < sizeof(carried_struct) / sizeof(carried_struct[0]); i++) {
		memset(&u, 0, sizeof(u));
		n = carried_struct[i][1] == SO_LINGER ? sizeof(u.lg) : sizeof(u.tv);
		if (sp_getsockopt(HOST, fd, carried_struct[i][0], carried_struct[i][1], &u, &n) ==
			0)
			real_setsockopt(kfd, carried_struct[i][0], carried_struct[i][1], &u, n);
	}
	/* one dup3 puts the kernel's socket at fd; spindle's socket forgets it and closes */
	ret = sp_dup3_kernel(HOST, kfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
	syscall(SYS_close, kfd);
	if (ret != fd)
		return false;
	SP_LOG(INFO, api,
		"preload: socket %d meets %s, the kernel's loopback: the kernel serves it", fd,
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) != NULL ? a : "127.0.0.0/8");
	return true;
}

/*
 * Whether spindle serves a call on @p fd that names @p addr: its own socket, unless that goes
 * to the kernel's loopback now; a kernel AF_INET6 socket that it takes over (@p any: take6()).
 */
static bool
spindle_serves(int fd, const struct sockaddr *addr, socklen_t len, bool any)
{
	if (OURS(fd))
		return !to_loopback(fd, addr, len);
	return take6(fd, addr, len, any);
}

EXPORT int
bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	REAL(bind);
	if (spindle_serves(fd, addr, len, true))
		return sp_bind(HOST, fd, addr, len);
	return real_bind(fd, addr, len);
}

EXPORT int
listen(int fd, int backlog)
{
	REAL(listen);
	return OURS(fd) ? sp_listen(HOST, fd, backlog) : real_listen(fd, backlog);
}

EXPORT int
accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	REAL(accept4);
	return OURS(fd) ? sp_accept4(HOST, fd, addr, len, flags)
			: real_accept4(fd, addr, len, flags);
}

EXPORT int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	REAL(accept);
	return OURS(fd) ? sp_accept4(HOST, fd, addr, len, 0) : real_accept(fd, addr, len);
}

EXPORT int
connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	REAL(connect);
	if (spindle_serves(fd, addr, len, false))
		return sp_connect(HOST, fd, addr, len);
	return real_connect(fd, addr, len);
}

EXPORT ssize_t
read(int fd, void *buf, size_t len)
{
	REAL(read);
	return OURS(fd) ? sp_read(HOST, fd, buf, len) : real_read(fd, buf, len);
}

EXPORT ssize_t
__read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	REAL(__read_chk);
	return OURS(fd) ? sp_read(HOST, fd, buf, len) : real___read_chk(fd, buf, len, buflen);
}

EXPORT ssize_t
write(int fd, const void *buf, size_t len)
{
	REAL(write);
	return OURS(fd) ? sp_write(HOST, fd, buf, len) : real_write(fd, buf, len);
}

EXPORT ssize_t
readv(int fd, const struct iovec *iov, int n)
{
	REAL(readv);
	return OURS(fd) ? sp_readv(HOST, fd, iov, n) : real_readv(fd, iov, n);
}

EXPORT ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	REAL(writev);
	return OURS(fd) ? sp_writev(HOST, fd, iov, n) : real_writev(fd, iov, n);
}

EXPORT ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	REAL(recv);
	return OURS(fd) ? sp_recvfrom(HOST, fd, buf, len, flags, NULL, NULL)
			: real_recv(fd, buf, len, flags);
}

EXPORT ssize_t
__recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	REAL(__recv_chk);
	return OURS(fd) ? sp_recvfrom(HOST, fd, buf, len, flags, NULL, NULL)
			: real___recv_chk(fd, buf, len, buflen, flags);
}

EXPORT ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	REAL(send);
	return OURS(fd) ? sp_sendto(HOST, fd, buf, len, flags, NULL, 0)
			: real_send(fd, buf, len, flags);
}

EXPORT ssize_t
recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src, socklen_t *srclen)
{
	REAL(recvfrom);
	return OURS(fd) ? sp_recvfrom(HOST, fd, buf, len, flags, src, srclen)
			: real_recvfrom(fd, buf, len, flags, src, srclen);
}

EXPORT ssize_t
__recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags, struct sockaddr *src,
	socklen_t *srclen)
{
	REAL(__recvfrom_chk);
	return OURS(fd) ? sp_recvfrom(HOST, fd, buf, len, flags, src, srclen)
			: real___recvfrom_chk(fd, buf, len, buflen, flags, src, srclen);
}

EXPORT ssize_t
sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *dst, socklen_t dstlen)
{
	REAL(sendto);
	if (spindle_serves(fd, dst, dstlen, false))
		return sp_sendto(HOST, fd, buf, len, flags, dst, dstlen);
	return real_sendto(fd, buf, len, flags, dst, dstlen);
}

EXPORT ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	REAL(recvmsg);
	return OURS(fd) ? sp_recvmsg(HOST, fd, msg, flags) : real_recvmsg(fd, msg, flags);
}

EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	REAL(sendmsg);
	if (msg == NULL ? OURS(fd) : spindle_serves(fd, msg->msg_name, msg->msg_namelen, false))
		return sp_sendmsg(HOST, fd, msg, flags);
	return real_sendmsg(fd, msg, flags);
}

EXPORT int
recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout)
{
	REAL(recvmmsg);
	return OURS(fd) ? sp_recvmmsg(HOST, fd, vec, vlen, flags, timeout)
			: real_recvmmsg(fd, vec, vlen, flags, timeout);
}

EXPORT int
sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	REAL(sendmmsg);
	if (vec == NULL || vlen == 0 ? OURS(fd)
				     : spindle_serves(fd, vec[0].msg_hdr.msg_name,
					       vec[0].msg_hdr.msg_namelen, false))
		return sp_sendmmsg(HOST, fd, vec, vlen, flags);
	return real_sendmmsg(fd, vec, vlen, flags);
}

/*
 * splice(2) moves pages between a pipe and a kernel socket or file; a spindle socket has no
 * kernel pages. EINVAL is what Linux gives a descriptor that cannot splice, and what programs
 * that splice when they can (HAProxy) take as "copy instead".
 */
EXPORT ssize_t
splice(int in, loff_t *off_in, int out, loff_t *off_out, size_t len, unsigned int flags)
{
	REAL(splice);
	if (OURS(in) || OURS(out))
		return refuse_errno("splice", OURS(in) ? in : out, EINVAL);
	return real_splice(in, off_in, out, off_out, len, flags);
}

/* sendfile() to a spindle socket: read the file and write what was read (a copy, no splice). */
EXPORT ssize_t
sendfile(int out, int in, off_t *off, size_t count)
{
	char buf[65536];
	size_t done = 0;

	REAL(sendfile);
	if (!OURS(out))
		return OURS(in) ? refuse("sendfile from", in) : real_sendfile(out, in, off, count);
	while (done < count) {
		size_t want = count - done < sizeof(buf) ? count - done : sizeof(buf);
		ssize_t r = off != NULL ? pread(in, buf, want, *off) : read(in, buf, want);
		ssize_t w;

		if (r <= 0) {
			if (r < 0 && done == 0)
				return -1;
			break;
		}
		w = sp_write(HOST, out, buf, (size_t)r);
		if (w <= 0) {
			if (done == 0)
				return -1;
			break;
		}
		if (off != NULL)
			*off += w;
		else if (w < r)
			lseek(in, w - r, SEEK_CUR); /* give back what was read but not sent */
		done += (size_t)w;
		if (w < r)
			break;
	}
	return (ssize_t)done;
}

EXPORT ssize_t
sendfile64(int out, int in, off64_t *off, size_t count)
{
	return sendfile(out, in, (off_t *)off, count);
}

EXPORT int
shutdown(int fd, int how)
{
	REAL(shutdown);
	return OURS(fd) ? sp_shutdown(HOST, fd, how) : real_shutdown(fd, how);
}

EXPORT int
close(int fd)
{
	REAL(close);
	if (OURS(fd))
		return sp_close(HOST, fd);
	sp_epoll_forget(HOST, fd);
	return real_close(fd);
}

EXPORT int
getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	REAL(getsockname);
	return OURS(fd) ? sp_getsockname(HOST, fd, addr, len) : real_getsockname(fd, addr, len);
}

EXPORT int
getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	REAL(getpeername);
	return OURS(fd) ? sp_getpeername(HOST, fd, addr, len) : real_getpeername(fd, addr, len);
}

EXPORT int
getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	REAL(getsockopt);
	return OURS(fd) ? sp_getsockopt(HOST, fd, level, name, val, len)
			: real_getsockopt(fd, level, name, val, len);
}

EXPORT int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	REAL(setsockopt);
	return OURS(fd) ? sp_setsockopt(HOST, fd, level, name, val, len)
			: real_setsockopt(fd, level, name, val, len);
}

EXPORT int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	REAL(fcntl);
	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (OURS(fd))
		return sp_fcntl(HOST, fd, cmd, arg);
	return real_fcntl(fd, cmd, arg);
}

EXPORT int
fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	REAL(fcntl64);
	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (OURS(fd))
		return sp_fcntl(HOST, fd, cmd, arg);
	return real_fcntl64(fd, cmd, arg);
}

EXPORT int
ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	REAL(ioctl);
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return OURS(fd) ? sp_ioctl(HOST, fd, req, arg) : real_ioctl(fd, req, arg);
}

EXPORT int
dup(int fd)
{
	REAL(dup);
	return OURS(fd) ? sp_dup(HOST, fd) : real_dup(fd);
}

EXPORT int
dup2(int fd, int fd2)
{
	REAL(dup2);
	if (OURS(fd))
		return fd == fd2 ? fd : sp_dup3(HOST, fd, fd2, 0);
	if (fd != fd2 && OURS(fd2))
		return sp_dup3_kernel(HOST, fd, fd2, 0);
	return real_dup2(fd, fd2);
}

EXPORT int
dup3(int fd, int fd2, int flags)
{
	REAL(dup3);
	if (OURS(fd))
		return sp_dup3(HOST, fd, fd2, flags);
	if (fd != fd2 && OURS(fd2) && (flags & ~O_CLOEXEC) == 0)
		return sp_dup3_kernel(HOST, fd, fd2, flags);
	return real_dup3(fd, fd2, flags);
}

EXPORT int
poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000};

	REAL(poll);
	if (HOST == NULL)
		return real_poll(fds, n, timeout);
	return sp_ppoll(HOST, fds, n, timeout < 0 ? NULL : &ts, NULL);
}

EXPORT int
__poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	return poll(fds, n, timeout);
}

EXPORT int
ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask)
{
	REAL(ppoll);
	if (HOST == NULL)
		return real_ppoll(fds, n, tmo, mask);
	return sp_ppoll(HOST, fds, n, tmo, mask);
}

EXPORT int
select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	struct timespec ts;
	int ret;

	REAL(select);
	if (HOST == NULL)
		return real_select(nfds, r, w, e, tv);
	if (tv != NULL) {
		ts.tv_sec = tv->tv_sec;
		ts.tv_nsec = tv->tv_usec * 1000;
	}
	ret = sp_pselect(HOST, nfds, r, w, e, tv != NULL ? &ts : NULL, NULL);
	if (tv != NULL && ret == 0) {
		tv->tv_sec = 0; /* Linux updates the timeout to what is left */
		tv->tv_usec = 0;
	}
	return ret;
}

EXPORT int
pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *tmo, const sigset_t *mask)
{
	REAL(pselect);
	if (HOST == NULL)
		return real_pselect(nfds, r, w, e, tmo, mask);
	return sp_pselect(HOST, nfds, r, w, e, tmo, mask);
}

EXPORT int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	REAL(epoll_ctl);
	return OURS(fd) ? sp_epoll_ctl(HOST, epfd, op, fd, ev) : real_epoll_ctl(epfd, op, fd, ev);
}

EXPORT int
epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	REAL(epoll_wait);
	if (HOST == NULL)
		return real_epoll_wait(epfd, ev, max, timeout);
	return sp_epoll_pwait(HOST, epfd, ev, max, timeout, NULL);
}

EXPORT int
epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	REAL(epoll_pwait);
	if (HOST == NULL)
		return real_epoll_pwait(epfd, ev, max, timeout, mask);
	return sp_epoll_pwait(HOST, epfd, ev, max, timeout, mask);
}

/* glibc 2.35's epoll_pwait2 (a timespec timeout): the wait above, the timeout rounded up to ms. */
EXPORT int
epoll_pwait2(
	int epfd, struct epoll_event *ev, int max, const struct timespec *tmo, const sigset_t *mask)
{
	long long ms;

	REAL(epoll_pwait2);
	if (HOST == NULL)
		return real_epoll_pwait2(epfd, ev, max, tmo, mask);
	if (tmo != NULL && (tmo->tv_sec < 0 || tmo->tv_nsec < 0 || tmo->tv_nsec >= 1000000000L)) {
		errno = EINVAL;
		return -1;
	}
	ms = tmo == NULL ? -1 : (long long)tmo->tv_sec * 1000 + (tmo->tv_nsec + 999999) / 1000000;
	return sp_epoll_pwait(HOST, epfd, ev, max, ms > INT32_MAX ? INT32_MAX : (int)ms, mask);
}
