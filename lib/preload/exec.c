/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * exec in place. The constructor takes LD_PRELOAD out of the environment: what a program runs
 * (system(), a shell's commands, a forked child's exec) is the kernel's (docs/preload.md). But a
 * program that never started the stack and execs in place, without fork, is a wrapper of the
 * program the user meant: /usr/bin/env running a "#!/usr/bin/env python3" script, a shell
 * script ending in "exec prog", pyenv's shims. Dropped there, the preload left the real program
 * on the kernel's stack, silently. These calls give it back its LD_PRELOAD in that one case
 * (sp_preload_exec_keep()). posix_spawn(), system() and popen() always fork first: never kept.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

#define LD_PRELOAD_EQ "LD_PRELOAD="

/*
 * @p keep in front of the LD_PRELOAD of @p envp (or alone), in a new vector; NULL when out of
 * memory.
 */
static char **
env_with(char *const envp[], const char *keep)
{
	size_t n = 0, i, j = 1, len;
	const char *theirs = NULL;
	char **v;

	while (envp != NULL && envp[n] != NULL)
		n++;
	v = malloc((n + 2) * sizeof(*v));
	if (v == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(envp[i], LD_PRELOAD_EQ, strlen(LD_PRELOAD_EQ)) == 0)
			theirs = envp[i] + strlen(LD_PRELOAD_EQ);
		else
			v[j++] = envp[i];
	v[j] = NULL;
	len = strlen(LD_PRELOAD_EQ) + strlen(keep) + (theirs != NULL ? strlen(theirs) + 1 : 0) + 1;
	v[0] = malloc(len);
	if (v[0] == NULL) {
		free(v);
		return NULL;
	}
	strcpy(v[0], LD_PRELOAD_EQ);
	strcat(v[0], keep);
	if (theirs != NULL && theirs[0] != '\0') {
		strcat(v[0], " ");
		strcat(v[0], theirs);
	}
	return v;
}

static void
env_free(char **v)
{
	if (v != NULL) {
		free(v[0]);
		free(v);
	}
}

/* @p envp as the new program gets it: with the preload when kept (*fresh to free), else as is. */
static char *const *
env_for_exec(char *const envp[], char ***fresh)
{
	const char *keep = sp_preload_exec_keep();

	*fresh = NULL;
	if (keep == NULL)
		return envp;
	*fresh = env_with(envp, keep);
	return *fresh != NULL ? *fresh : envp;
}

/*
 * Return @p call, made with `env`: @p envp with the preload when it is kept. The vector made
 * for it is freed when the call comes back (a failed exec).
 */
#define EXEC_KEEPING(envp, call)                                  \
	do {                                                      \
		char **fresh_;                                    \
		char *const *env = env_for_exec((envp), &fresh_); \
		int ret_ = (call), err_ = errno;                  \
		env_free(fresh_);                                 \
		errno = err_;                                     \
		return ret_;                                      \
	} while (0)

EXPORT int
execve(const char *path, char *const argv[], char *const envp[])
{
	REAL(execve);
	EXEC_KEEPING(envp, real_execve(path, argv, env));
}

EXPORT int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	REAL(execvpe);
	EXEC_KEEPING(envp, real_execvpe(file, argv, env));
}

EXPORT int
fexecve(int fd, char *const argv[], char *const envp[])
{
	REAL(fexecve);
	EXEC_KEEPING(envp, real_fexecve(fd, argv, env));
}

EXPORT int
execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

EXPORT int
execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/*
 * The execl family: its arguments as a vector (at most EXECL_MAX - 1 of them, else E2BIG), then
 * execve() with @p envp (execle: the one after the arguments, when NULL) or execvpe() (@p search,
 * execlp).
 */
#define EXECL_MAX 4096

static int
execl_vector(const char *name, const char *arg0, va_list *ap, char *const envp[], bool search)
{
	char *argv[EXECL_MAX];
	size_t n = 1;

	argv[0] = (char *)arg0;
	while (argv[n - 1] != NULL && n < EXECL_MAX)
		argv[n++] = va_arg(*ap, char *);
	if (argv[n - 1] != NULL) {
		errno = E2BIG;
		return -1;
	}
	if (envp == NULL)
		envp = va_arg(*ap, char *const *);
	return search ? execvpe(name, argv, envp) : execve(name, argv, envp);
}

EXPORT int
execl(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_vector(path, arg, &ap, environ, false);
	va_end(ap);
	return ret;
}

EXPORT int
execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_vector(file, arg, &ap, environ, true);
	va_end(ap);
	return ret;
}

EXPORT int
execle(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_vector(path, arg, &ap, NULL, false);
	va_end(ap);
	return ret;
}
