/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The program's signal handlers, wrapped. A call that waits on spindle sockets busy-polls in
 * user space, where a signal interrupts no system call: nginx's epoll_wait went on after
 * SIGINT had set its "terminate" flag, and nginx never stopped. Each handler the program
 * installs with sigaction() or signal() runs behind a wrapper that first tells the socket layer
 * (sp_sock_signal_note()), so that a wait in progress returns EINTR as the kernel's would.
 * sigaction() answers with the program's own handler, never the wrapper.
 *
 * Death by a signal. The kernel closes the sockets of a process that a signal kills, and each
 * peer learns it (a FIN). A spindle connection lives in the process: when SIGHUP, SIGINT or
 * SIGTERM killed a program that leaves them at their default (nc, a member of a pipeline,
 * Ctrl-C), its peers were never told and waited forever. While the program leaves them at
 * SIG_DFL, the library's handler resets its connections (sp_sock_host_kill()) and the signal
 * then kills the process as before (SA_RESETHAND, raised again): the same exit status, no exit
 * handlers. sigaction() and signal() answer SIG_DFL for it.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "preload.h"

/* The program's action for each signal whose installed handler is the wrapper. */
static struct sigaction prog[_NSIG];

/* Signals the kernel raises for the instruction that runs: never deferred. */
static bool
synchronous(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
	       sig == SIGTRAP || sig == SIGSYS;
}

static void
wrapper(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *a = &prog[sig];
	int saved = errno;

	/*
	 * Inside a socket call of this thread (it holds the socket layer's lock): a handler that
	 * exits (iperf3 on SIGTERM) would run the library's exit drain on that lock and hang. The
	 * signal comes again when the call lets the lock go (sp_sock_signal_defer()), a few
	 * microseconds later, and the handler runs then. Not for a one-shot handler
	 * (SA_RESETHAND: the disposition is already back to the default) nor a fault.
	 */
	if (sp_sock_in_call() && !synchronous(sig) && !(a->sa_flags & SA_RESETHAND)) {
		sp_sock_signal_defer(sig);
		errno = saved;
		return;
	}
	sp_sock_signal_note((a->sa_flags & SA_RESTART) != 0);
	errno = saved;
	if (a->sa_flags & SA_SIGINFO)
		a->sa_sigaction(sig, si, uc);
	else if (a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN)
		a->sa_handler(sig);
}

static void
death(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	(void)si;
	(void)uc;
	if (sp_sock_host_kill(sp_preload.host) == -EBUSY) {
		/* it came inside a socket call of this thread: that call ends, resets, raises */
		sp_sock_host_kill_later(sig);
		errno = saved;
		return;
	}
	errno = saved;
	raise(sig); /* delivered at the default action (SA_RESETHAND) once this returns */
}

/* The library's action for @p sig when the program leaves it at SIG_DFL, else NULL. */
static const struct sigaction *
death_action(int sig)
{
	static struct sigaction a = {.sa_sigaction = death, .sa_flags = SA_SIGINFO | SA_RESETHAND};

	return sig == SIGHUP || sig == SIGINT || sig == SIGTERM ? &a : NULL;
}

static bool
is_default(const struct sigaction *a)
{
	return !(a->sa_flags & SA_SIGINFO) && a->sa_handler == SIG_DFL;
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
	bool wrapped, wrap, dying;
	int ret;

	REAL(sigaction);
	if (sig <= 0 || sig >= _NSIG || real_sigaction(sig, NULL, &cur) != 0)
		return real_sigaction(sig, act, old); /* the kernel's EINVAL */
	wrapped = (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == wrapper;
	dying = (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == death;
	wrap = act != NULL && is_handler(act);
	if (act != NULL && is_default(act) && death_action(sig) != NULL)
		act = death_action(sig);
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
	if (old != NULL && dying) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = SIG_DFL;
	}
	return 0;
}

void
sp_preload_signals_init(void)
{
	static const int sigs[] = {SIGHUP, SIGINT, SIGTERM};
	struct sigaction cur;
	unsigned i;

	REAL(sigaction);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (real_sigaction(sigs[i], NULL, &cur) == 0 && is_default(&cur))
			real_sigaction(sigs[i], death_action(sigs[i]), NULL);
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
