/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * epoll_rr: the kernel's side of the request/response benchmark (scripts/bench.sh, suite memif),
 * what loadgen mode = rr and spindle's echo service do, with one thread and epoll each:
 *
 *   epoll_rr server --bind IP --port P
 *       echo every byte back on every connection (TCP_NODELAY), forever
 *   epoll_rr client --dst IP --port P [--conns N] [--size B] [--seconds S]
 *       open N connections; on each, send B bytes, wait for B bytes back, repeat for S seconds;
 *       then print "epoll_rr-result: connections=N requests=R seconds=S rate=R/S"
 *
 * Exit status 0 when every connection opened and some requests were answered. No third-party
 * code: the kernel reference must cost what a plain epoll program costs.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RR_EVENTS  256
#define RR_MAX_BUF 65536

struct rr_conn {
	int fd;
	uint32_t got; /* bytes of the current response received */
	int connected;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
sock_nb(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int
parse_addr(const char *ip, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

static int
run_server(const struct sockaddr_in *sa)
{
	static char buf[RR_MAX_BUF];
	struct epoll_event ev, evs[RR_EVENTS];
	int ls, ep, one = 1, i, n;

	ls = sock_nb();
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		bind(ls, (const struct sockaddr *)sa, sizeof(*sa)) != 0 || listen(ls, 4096) != 0) {
		perror("epoll_rr server: listen");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, RR_EVENTS, -1);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r;

			if (fd == ls) {
				int c;

				while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				/* A request is at most a few hundred bytes: the send buffer takes it. */
				if (write(fd, buf, (size_t)r) == r)
					continue;
			} else if (r < 0 && errno == EAGAIN) {
				continue;
			}
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
		}
	}
	return 0;
}

static int
send_req(struct rr_conn *c, const char *req, uint32_t size)
{
	c->got = 0;
	return write(c->fd, req, size) == (ssize_t)size ? 0 : -EIO;
}

static int
run_client(const struct sockaddr_in *sa, uint32_t nconns, uint32_t size, double seconds)
{
	static char buf[RR_MAX_BUF], req[RR_MAX_BUF];
	struct epoll_event ev, evs[RR_EVENTS];
	struct rr_conn *conns;
	uint64_t requests = 0;
	uint32_t i, up = 0;
	double t0, t_end, t;
	int ep, n, k, fail = 0;

	conns = calloc(nconns, sizeof(*conns));
	ep = epoll_create1(0);
	if (conns == NULL || ep < 0)
		return 1;
	memset(req, 'r', size);
	for (i = 0; i < nconns; i++) {
		conns[i].fd = sock_nb();
		if (conns[i].fd < 0 ||
			(connect(conns[i].fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0 &&
				errno != EINPROGRESS)) {
			perror("epoll_rr client: connect");
			return 1;
		}
		ev.events = EPOLLOUT | EPOLLIN;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
	}
	t0 = now_s();
	t_end = t0 + seconds;
	for (t = t0; t < t_end && !fail; t = now_s()) {
		n = epoll_wait(ep, evs, RR_EVENTS, 100);
		for (k = 0; k < n; k++) {
			struct rr_conn *c = &conns[evs[k].data.u32];
			ssize_t r;

			if (evs[k].events & (EPOLLERR | EPOLLHUP)) {
				fail = 1;
				break;
			}
			if (!c->connected) {
				if (!(evs[k].events & EPOLLOUT))
					continue;
				c->connected = 1;
				up++;
				ev.events = EPOLLIN;
				ev.data.u32 = evs[k].data.u32;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				if (send_req(c, req, size) != 0)
					fail = 1;
				continue;
			}
			r = read(c->fd, buf, sizeof(buf));
			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				fail = 1;
				break;
			}
			c->got += (uint32_t)r;
			if (c->got >= size) {
				requests++;
				if (send_req(c, req, size) != 0)
					fail = 1;
			}
		}
	}
	t = now_s() - t0;
	printf("epoll_rr-result: connections=%u connected=%u requests=%" PRIu64
	       " seconds=%.3f rate=%.1f\n",
		nconns, up, requests, t, (double)requests / t);
	for (i = 0; i < nconns; i++)
		close(conns[i].fd);
	free(conns);
	return fail || up != nconns || requests == 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: epoll_rr server --bind IP --port P\n"
			"       epoll_rr client --dst IP --port P [--conns N] [--size B] "
			"[--seconds S]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *ip = NULL, *port = NULL;
	uint32_t conns = 64, size = 100;
	double seconds = 5;
	struct sockaddr_in sa;
	int i;

	if (argc < 2)
		usage();
	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--bind") || !strcmp(argv[i], "--dst"))
			ip = argv[i + 1];
		else if (!strcmp(argv[i], "--port"))
			port = argv[i + 1];
		else if (!strcmp(argv[i], "--conns"))
			conns = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--size"))
			size = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtod(argv[i + 1], NULL);
		else
			usage();
	}
	if (i != argc || ip == NULL || port == NULL || parse_addr(ip, port, &sa) != 0 ||
		conns == 0 || size == 0 || size > RR_MAX_BUF || seconds <= 0)
		usage();
	if (!strcmp(argv[1], "server"))
		return run_server(&sa);
	if (!strcmp(argv[1], "client"))
		return run_client(&sa, conns, size, seconds);
	usage();
	return 2;
}
