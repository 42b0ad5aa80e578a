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

EXPORT int
execve(const char *path, char *const argv[], char *const envp[])
{
	char **fresh;
	char *const *env = env_for_exec(envp, &fresh);
	int ret, err;

	REAL(execve);
	ret = real_execve(path, argv, env);
	err = errno;
	env_free(fresh);
	errno = err;
	return ret;
}

EXPORT int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	char **fresh;
	char *const *env = env_for_exec(envp, &fresh);
	int ret, err;

	REAL(execvpe);
	ret = real_execvpe(file, argv, env);
	err = errno;
	env_free(fresh);
	errno = err;
	return ret;
}

EXPORT int
fexecve(int fd, char *const argv[], char *const envp[])
{
	char **fresh;
	char *const *env = env_for_exec(envp, &fresh);
	int ret, err;

	REAL(fexecve);
	ret = real_fexecve(fd, argv, env);
	err = errno;
	env_free(fresh);
	errno = err;
	return ret;
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

/* The execl family's arguments as a vector: at most EXECL_MAX - 1 of them, else E2BIG. */
#define EXECL_MAX 4096

static int
execl_argv(char **argv, const char *arg0, va_list *ap)
{
	size_t n = 1;

	argv[0] = (char *)arg0;
	while (argv[n - 1] != NULL && n < EXECL_MAX)
		argv[n++] = va_arg(*ap, char *);
	if (argv[n - 1] != NULL) {
		errno = E2BIG;
		return -1;
	}
	return 0;
}

EXPORT int
execl(const char *path, const char *arg, ...)
{
	char *argv[EXECL_MAX];
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_argv(argv, arg, &ap);
	va_end(ap);
	return ret != 0 ? ret : execve(path, argv, environ);
}

EXPORT int
execlp(const char *file, const char *arg, ...)
{
	char *argv[EXECL_MAX];
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_argv(argv, arg, &ap);
	va_end(ap);
	return ret != 0 ? ret : execvpe(file, argv, environ);
}

EXPORT int
execle(const char *path, const char *arg, ...)
{
	char *argv[EXECL_MAX];
	char *const *envp = NULL;
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_argv(argv, arg, &ap);
	if (ret == 0)
		envp = va_arg(ap, char *const *);
	va_end(ap);
	return ret != 0 ? ret : execve(path, argv, envp);
}
