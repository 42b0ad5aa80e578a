/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The program's signal handlers, wrapped. A call that waits on spindle sockets busy-polls in
 * user space, where a signal interrupts no system call: nginx's epoll_wait went on after
 * SIGINT had set its "terminate" flag, and nginx never stopped. Each handler the program
 * installs with sigaction() or signal() runs behind a wrapper that first tells the socket layer
 * (sp_sock_signal_note()), so that a wait in progress returns EINTR as the kernel's would.
 * sigaction() answers with the program's own handler, never the wrapper.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>

#include "preload.h"

/* The program's action for each signal whose installed handler is the wrapper. */
static struct sigaction prog[_NSIG];

static void
wrapper(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *a = &prog[sig];
	int saved = errno;

	sp_sock_signal_note((a->sa_flags & SA_RESTART) != 0);
	errno = saved;
	if (a->sa_flags & SA_SIGINFO)
		a->sa_sigaction(sig, si, uc);
	else if (a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN)
		a->sa_handler(sig);
}

static bool
is_handler(const struct sigaction *a)
{
	if (a->sa_flags & SA_SIGINFO)
		return a->sa_sigaction != NULL;
	return a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN;
}

static int
wrapped_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction mine, cur, prev;
	bool wrapped, wrap;
	int ret;

	REAL(sigaction);
	if (sig <= 0 || sig >= _NSIG || real_sigaction(sig, NULL, &cur) != 0)
		return real_sigaction(sig, act, old); /* the kernel's EINVAL */
	wrapped = (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == wrapper;
	wrap = act != NULL && is_handler(act);
	prev = prog[sig];
	if (wrap) {
		prog[sig] = *act;
		mine = *act;
		mine.sa_flags |= SA_SIGINFO;
		mine.sa_sigaction = wrapper;
	}
	ret = real_sigaction(sig, wrap ? &mine : act, old);
	if (ret != 0) {
		prog[sig] = prev;
		return ret;
	}
	if (old != NULL && wrapped)
		*old = prev;
	return 0;
}

EXPORT int
sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return wrapped_sigaction(sig, act, old);
}

/* glibc's signal(): BSD semantics (SA_RESTART, the signal blocked in its handler). */
EXPORT sighandler_t
signal(int sig, sighandler_t handler)
{
	struct sigaction a = {.sa_handler = handler, .sa_flags = SA_RESTART}, old;

	if (handler == SIG_ERR || sig <= 0 || sig >= _NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	sigemptyset(&a.sa_mask);
	sigaddset(&a.sa_mask, sig);
	if (wrapped_sigaction(sig, &a, &old) != 0)
		return SIG_ERR;
	return old.sa_handler;
}
