/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Readiness over sets that mix spindle sockets and kernel fds: epoll, poll, select.
 *
 * An epoll set is a kernel epoll fd. Kernel fds in it are the kernel's; spindle sockets added
 * to it are kept here, as items with the interest mask. A wait drives the stack, collects the
 * ready spindle items, asks the kernel set with a zero timeout, and repeats until something is
 * ready or the timeout passed. A set with no spindle socket is the kernel's alone: the wait is a
 * plain blocking epoll_pwait (a thread that waits only on kernel fds does not drive the stack).
 *
 * Edge-triggered: each socket counts its events (gen); an EPOLLET item reports when the count
 * moved since it last reported and the socket is ready for the mask. EPOLLONESHOT disables the
 * item after one report until EPOLL_CTL_MOD.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sock.h"

static int
sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	return (int)syscall(SYS_epoll_ctl, epfd, op, fd, ev);
}

static int
sys_epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	return (int)syscall(SYS_epoll_pwait, epfd, ev, max, timeout, mask, _NSIG / 8);
}

static int
sys_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask)
{
	return (int)syscall(SYS_ppoll, fds, n, tmo, mask, _NSIG / 8);
}

static void
item_free(struct sp_ep_item *it)
{
	TAILQ_REMOVE(&it->ep->items, it, in_ep);
	TAILQ_REMOVE(&it->s->watchers, it, in_sk);
	it->ep->n--;
	free(it);
}

void
sp_ep_sk_gone(struct sp_sock_host *h, struct sp_sk *s)
{
	struct sp_ep_item *it;

	while ((it = TAILQ_FIRST(&s->watchers)) != NULL)
		item_free(it);
}

static void
ep_free(struct sp_sock_host *h, struct sp_ep *ep)
{
	struct sp_ep_item *it;

	while ((it = TAILQ_FIRST(&ep->items)) != NULL)
		item_free(it);
	h->ep[ep->fd] = NULL;
	free(ep);
}

void
sp_ep_free_all(struct sp_sock_host *h)
{
	unsigned i;

	for (i = 0; i < h->max_fd; i++)
		if (h->ep[i] != NULL)
			ep_free(h, h->ep[i]);
}

void
sp_epoll_forget(struct sp_sock_host *h, int epfd)
{
	if (h == NULL || epfd < 0 || (unsigned)epfd >= h->max_fd || h->ep[epfd] == NULL)
		return;
	sp_sock_lock(h);
	if (h->ep[epfd] != NULL)
		ep_free(h, h->ep[epfd]);
	sp_sock_unlock(h);
}

#define EP_MASK_OK                                                                     \
	(EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLERR | EPOLLHUP | EPOLLET |  \
		EPOLLONESHOT | EPOLLRDNORM | EPOLLWRNORM | EPOLLRDBAND | EPOLLWRBAND | \
		EPOLLWAKEUP | EPOLLEXCLUSIVE)

int
sp_epoll_ctl(struct sp_sock_host *h, int epfd, int op, int fd, struct epoll_event *ev)
{
	struct sp_ep_item *it;
	struct sp_ep *ep;
	struct sp_sk *s;
	int ret = 0;

	if (!sp_sock_is_socket(h, fd))
		return sys_epoll_ctl(epfd, op, fd, ev);
	if (epfd < 0 || (unsigned)epfd >= h->max_fd || epfd == fd)
		return SK_ERR(EINVAL);
	/* the kernel checks epfd for us: an event-less probe of a descriptor that cannot exist */
	s = sp_sk_get(h, fd, "epoll_ctl");
	if (s == NULL)
		return -1;
	if (op != EPOLL_CTL_DEL && (ev == NULL || (ev->events & ~(uint32_t)EP_MASK_OK) != 0)) {
		ret = ev == NULL ? -EFAULT : -EINVAL;
		goto out;
	}
	ep = h->ep[epfd];
	/* as the kernel's: an item is (set, descriptor), so two duplicates are two items */
	TAILQ_FOREACH(it, &s->watchers, in_sk)
	if (it->ep->fd == epfd && it->fd == fd)
		break;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it != NULL) {
			ret = -EEXIST;
			break;
		}
		if (ep == NULL) {
			struct epoll_event probe = {0};

			/* Is epfd an epoll fd? EPOLL_CTL_DEL of an fd never added says EBADF/EINVAL. */
			if (sys_epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, &probe) != 0 &&
				errno != ENOENT) {
				ret = -errno;
				break;
			}
			ep = calloc(1, sizeof(*ep));
			if (ep == NULL) {
				ret = -ENOMEM;
				break;
			}
			ep->fd = epfd;
			TAILQ_INIT(&ep->items);
			h->ep[epfd] = ep;
		}
		it = calloc(1, sizeof(*it));
		if (it == NULL) {
			ret = -ENOMEM;
			break;
		}
		it->ep = ep;
		it->s = s;
		it->fd = fd;
		it->events = ev->events;
		it->data = ev->data;
		it->seen_gen = s->gen - 1; /* ready now: reported by the next wait, also with ET */
		TAILQ_INSERT_TAIL(&ep->items, it, in_ep);
		TAILQ_INSERT_TAIL(&s->watchers, it, in_sk);
		ep->n++;
		break;
	case EPOLL_CTL_MOD:
		if (it == NULL) {
			ret = -ENOENT;
			break;
		}
		it->events = ev->events;
		it->data = ev->data;
		it->disabled = false;
		it->seen_gen = s->gen - 1;
		break;
	case EPOLL_CTL_DEL:
		if (it == NULL)
			ret = -ENOENT;
		else
			item_free(it);
		break;
	default:
		ret = -EINVAL;
	}
out:
	sp_sk_put(h);
	return ret == 0 ? 0 : SK_ERR(-ret);
}

/*
 * Ready spindle items of @p ep into @p out (lock held). Every item visited moves to the tail:
 * round robin, so that a busy socket at the head does not starve the others.
 *
 * @p lost: this process does not drive the stack (after fork: host.c "Fork"). Its spindle
 * sockets never get ready here, and a wait on them lasted forever (socat's fork option: the
 * parent waited for its next connection after its first child had taken the stack over). Each
 * reports an error at once instead (EPOLLERR; POLLERR in poll_collect(), so readable and
 * writable for select), as Linux reports a socket with a pending error whatever was asked
 * for; the call the program makes next on it fails with EOPNOTSUPP and its log line.
 * Edge-triggered items report it on every wait. A set of kernel fds alone is the kernel's.
 */
static int
ep_collect(struct sp_ep *ep, struct epoll_event *out, int max, bool lost)
{
	struct sp_ep_item *it;
	unsigned k;
	int n = 0;

	for (k = ep->n; k > 0 && n < max; k--) {
		uint32_t want, ev;

		it = TAILQ_FIRST(&ep->items);
		TAILQ_REMOVE(&ep->items, it, in_ep);
		TAILQ_INSERT_TAIL(&ep->items, it, in_ep);
		if (it->disabled)
			continue;
		want = it->events | EPOLLERR | EPOLLHUP;
		ev = (lost ? EPOLLERR : sp_sk_events(it->s)) & want;
		if (ev == 0)
			continue;
		if ((it->events & EPOLLET) && !lost) {
			if (it->seen_gen == it->s->gen)
				continue;
			it->seen_gen = it->s->gen;
		}
		if (it->events & EPOLLONESHOT)
			it->disabled = true;
		out[n].events = ev;
		out[n].data = it->data;
		n++;
	}
	return n;
}

/*
 * The kernel half of a mixed set costs a system call per pass (epoll_pwait or ppoll with a zero
 * timeout), as much as the rest of a pass and, for an event loop whose kernel fds are rarely
 * ready (redis' module pipe, nginx's notify eventfd), the most frequent system call of the
 * program. A pass asks the kernel when its last answer had something ready (level-triggered
 * fds stay ready), before a wait returns nothing (its timeout passed, or zero), on every pass
 * of a wait that sleeps between passes, and otherwise once in SP_KCHECK_IDLE passes that found
 * nothing and once in SP_KCHECK_BUSY passes that return spindle events. A kernel fd that gets
 * ready is therefore reported at the latest after that many passes: microseconds while the
 * loop spins, a few returns of the wait while it is busy. epoll_wait() may return any subset of
 * what is ready (Linux returns at most maxevents), so the answers stay correct.
 */
#define SP_KCHECK_IDLE 4
#define SP_KCHECK_BUSY 16

/* This thread's last kernel check: most programs wait on one set per thread. */
static __thread struct {
	long key;	  /* the set: an epoll fd, or -1 for poll and select; 0 before the first */
	bool ready;	  /* the last answer had something */
	unsigned skipped; /* passes since the last check */
} kcheck;

/* Ask the kernel half of set @p key on this pass? @p n: spindle events of the pass. */
static bool
kcheck_due(const struct sp_sock_host *h, long key, int n, bool last)
{
	if (kcheck.key != key) {
		kcheck.key = key;
		kcheck.ready = true; /* another set: ask */
	}
	if (last || kcheck.ready ||
		(h->drv.sleep_us != 0 &&
			__atomic_load_n(&h->idle, __ATOMIC_RELAXED) >= h->drv.idle_spins))
		return true;
	kcheck.skipped++;
	return kcheck.skipped >= (n == 0 ? SP_KCHECK_IDLE : SP_KCHECK_BUSY);
}

static void
kcheck_done(int k)
{
	kcheck.ready = k > 0;
	kcheck.skipped = 0;
}

static uint64_t
deadline_ms(int timeout)
{
	return timeout < 0 ? UINT64_MAX : sp_sock_now_us() + (uint64_t)timeout * 1000u;
}

static int
epoll_wait_loop(struct sp_sock_host *h, int epfd, struct epoll_event *events, int maxevents,
	int timeout, const sigset_t *sigmask)
{
	uint64_t end = deadline_ms(timeout);
	bool expired, lost;
	struct sp_ep *ep;
	int n, k;

	if (h == NULL || epfd < 0 || (unsigned)epfd >= h->max_fd || h->ep[epfd] == NULL) {
		sp_sock_tx_settle(h);
		return sys_epoll_pwait(epfd, events, maxevents, timeout, sigmask);
	}
	lost = !sp_sock_mine(h, true); /* see ep_collect() */
	if (maxevents <= 0 || events == NULL)
		return SK_ERR(EINVAL);
	for (;;) {
		sp_sock_lock(h);
		ep = h->ep[epfd];
		if (ep == NULL || ep->n == 0) {
			/* no spindle socket left in it: the kernel's wait */
			sp_sock_unlock(h);
			sp_sock_tx_settle(h);
			timeout = end == UINT64_MAX
					  ? -1
					  : (int)((end > sp_sock_now_us() ? end - sp_sock_now_us()
									  : 0) /
						    1000u);
			return sys_epoll_pwait(epfd, events, maxevents, timeout, sigmask);
		}
		sp_sock_drive(h);
		n = ep_collect(ep, events, maxevents, lost);
		sp_sock_unlock(h);
		expired = end != UINT64_MAX && sp_sock_now_us() >= end;
		if (n < maxevents && kcheck_due(h, epfd, n, n == 0 && expired)) {
			k = sys_epoll_pwait(epfd, events + n, maxevents - n, 0, sigmask);
			if (k < 0 && errno == EINTR && n == 0)
				return -1;
			kcheck_done(k);
			if (k > 0)
				n += k;
		}
		if (n != 0 || expired)
			return n;
		if (sp_sock_idle(h, false) == -EINTR)
			return SK_ERR(EINTR);
	}
}

/* ---- poll and select ---- */

/* Spindle revents of @p fds; kernel entries get 0 and are counted in *@p nk. Lock held. */
static int
poll_collect(struct sp_sock_host *h, struct pollfd *fds, nfds_t nfds, unsigned *nk, bool lost)
{
	int n = 0;
	nfds_t i;

	*nk = 0;
	for (i = 0; i < nfds; i++) {
		struct sp_sk *s;

		if (fds[i].fd < 0)
			continue;
		s = (unsigned)fds[i].fd < h->max_fd ? h->sk[fds[i].fd] : NULL;
		if (s == NULL) {
			(*nk)++;
			continue;
		}
		fds[i].revents = (short)((lost ? POLLERR : sp_sk_events(s)) &
					 ((uint16_t)fds[i].events | POLLERR | POLLHUP));
		if (fds[i].revents != 0)
			n++;
	}
	return n;
}

int
sp_epoll_pwait(struct sp_sock_host *h, int epfd, struct epoll_event *events, int maxevents,
	int timeout, const sigset_t *sigmask)
{
	int n;

	/* a signal handler that runs meanwhile ends the wait (sp_sock_idle()) */
	sp_sock_wait_begin();
	n = epoll_wait_loop(h, epfd, events, maxevents, timeout, sigmask);
	sp_sock_wait_end();
	return n;
}

static int
poll_loop(struct sp_sock_host *h, struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
	const sigset_t *sigmask)
{
	uint64_t end = tmo == NULL ? UINT64_MAX
				   : sp_sock_now_us() + (uint64_t)tmo->tv_sec * 1000000u +
					     (uint64_t)tmo->tv_nsec / 1000u;
	static const struct timespec zero = {0, 0};
	bool any = false, expired, lost;
	unsigned nk;
	int n, k;
	nfds_t i;

	for (i = 0; h != NULL && i < nfds && !any; i++)
		any = sp_sock_is_socket(h, fds[i].fd);
	if (!any) {
		sp_sock_tx_settle(h);
		return sys_ppoll(fds, nfds, tmo, sigmask);
	}
	lost = !sp_sock_mine(h, true); /* see ep_collect() */
	for (i = 0; i < nfds; i++)
		fds[i].revents = 0;
	for (;;) {
		sp_sock_lock(h);
		sp_sock_drive(h);
		n = poll_collect(h, fds, nfds, &nk, lost);
		sp_sock_unlock(h);
		expired = end != UINT64_MAX && sp_sock_now_us() >= end;
		if (nk != 0 && kcheck_due(h, -1, n, n == 0 && expired)) {
			/* the kernel's entries: our own ones are skipped with a negative fd */
			struct pollfd kf[nk];
			nfds_t map[nk];
			unsigned j = 0;

			for (i = 0; i < nfds; i++)
				if (fds[i].fd >= 0 && !sp_sock_is_socket(h, fds[i].fd) && j < nk) {
					kf[j] = fds[i];
					map[j++] = i;
				}
			k = sys_ppoll(kf, j, &zero, sigmask);
			if (k < 0 && errno == EINTR && n == 0)
				return -1;
			kcheck_done(k);
			for (i = 0; k > 0 && i < j; i++)
				if ((fds[map[i]].revents = kf[i].revents) != 0)
					n++;
		}
		if (n != 0 || expired)
			return n;
		if (sp_sock_idle(h, false) == -EINTR)
			return SK_ERR(EINTR);
	}
}

int
sp_ppoll(struct sp_sock_host *h, struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
	const sigset_t *sigmask)
{
	int n;

	sp_sock_wait_begin();
	n = poll_loop(h, fds, nfds, tmo, sigmask);
	sp_sock_wait_end();
	return n;
}

int
sp_pselect(struct sp_sock_host *h, int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds,
	const struct timespec *tmo, const sigset_t *sigmask)
{
	struct pollfd *pf;
	int fd, n = 0, ret, i;

	if (nfds < 0 || nfds > FD_SETSIZE)
		return SK_ERR(EINVAL);
	pf = calloc((size_t)nfds + 1, sizeof(*pf));
	if (pf == NULL)
		return SK_ERR(ENOMEM);
	/* select() as poll(): readable = POLLIN|HUP|ERR, writable = POLLOUT|ERR, except = PRI */
	for (fd = 0; fd < nfds; fd++) {
		short ev = 0;

		if (rfds != NULL && FD_ISSET(fd, rfds))
			ev |= POLLIN;
		if (wfds != NULL && FD_ISSET(fd, wfds))
			ev |= POLLOUT;
		if (efds != NULL && FD_ISSET(fd, efds))
			ev |= POLLPRI;
		if (ev != 0) {
			pf[n].fd = fd;
			pf[n++].events = ev;
		}
	}
	ret = sp_ppoll(h, pf, (nfds_t)n, tmo, sigmask);
	if (ret < 0) {
		free(pf);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (pf[i].revents & POLLNVAL) {
			free(pf);
			return SK_ERR(EBADF);
		}
	if (rfds != NULL)
		FD_ZERO(rfds);
	if (wfds != NULL)
		FD_ZERO(wfds);
	if (efds != NULL)
		FD_ZERO(efds);
	ret = 0;
	for (i = 0; i < n; i++) {
		short r = pf[i].revents;

		if ((pf[i].events & POLLIN) && (r & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(pf[i].fd, rfds);
			ret++;
		}
		if ((pf[i].events & POLLOUT) && (r & (POLLOUT | POLLERR))) {
			FD_SET(pf[i].fd, wfds);
			ret++;
		}
		if ((pf[i].events & POLLPRI) && (r & POLLPRI)) {
			FD_SET(pf[i].fd, efds);
			ret++;
		}
	}
	free(pf);
	return ret;
}
