/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The calls a program makes to block outside its sockets: sleeping, waiting for a child, for a
 * signal. Non-blocking socket calls leave their segments in the TX batch for the next driver
 * iteration, which is the program's next socket call (docs/preload.md "What a call costs");
 * before one of these blocks, what they left is sent (sp_sock_host_settle()), so that a reply
 * or a FIN does not wait for the sleep. Each call is then libc's own.
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "preload.h"

#define SETTLE() sp_sock_host_settle(sp_preload.host)

EXPORT unsigned int
sleep(unsigned int seconds)
{
	REAL(sleep);
	SETTLE();
	return real_sleep(seconds);
}

EXPORT int
usleep(useconds_t usec)
{
	REAL(usleep);
	SETTLE();
	return real_usleep(usec);
}

EXPORT int
nanosleep(const struct timespec *req, struct timespec *rem)
{
	REAL(nanosleep);
	SETTLE();
	return real_nanosleep(req, rem);
}

EXPORT int
clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
	REAL(clock_nanosleep);
	SETTLE();
	return real_clock_nanosleep(clk, flags, req, rem);
}

EXPORT int
pause(void)
{
	REAL(pause);
	SETTLE();
	return real_pause();
}

EXPORT int
sigsuspend(const sigset_t *mask)
{
	REAL(sigsuspend);
	SETTLE();
	return real_sigsuspend(mask);
}

EXPORT int
sigwait(const sigset_t *set, int *sig)
{
	REAL(sigwait);
	SETTLE();
	return real_sigwait(set, sig);
}

EXPORT int
sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	REAL(sigwaitinfo);
	SETTLE();
	return real_sigwaitinfo(set, info);
}

EXPORT int
sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *tmo)
{
	REAL(sigtimedwait);
	SETTLE();
	return real_sigtimedwait(set, info, tmo);
}

EXPORT pid_t
wait(int *status)
{
	REAL(wait);
	SETTLE();
	return real_wait(status);
}

EXPORT pid_t
waitpid(pid_t pid, int *status, int options)
{
	REAL(waitpid);
	SETTLE();
	return real_waitpid(pid, status, options);
}

EXPORT int
waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	REAL(waitid);
	SETTLE();
	return real_waitid(idtype, id, info, options);
}

EXPORT pid_t
wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	REAL(wait4);
	SETTLE();
	return real_wait4(pid, status, options, ru);
}
