/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the files of libspindle_preload.so: init.c (start, exit), preload.c (the socket
 * calls), signals.c (the program's signal handlers) and sleep.c (the calls that block outside
 * the sockets).
 */
#ifndef SP_PRELOAD_H
#define SP_PRELOAD_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "spindle.h"
#include "sp_port.h"
#include "sp_socket.h"

struct sp_preload {
	/* NULL until the stack started (sp_preload_start()) and after exit: every call goes to
	 * the kernel */
	struct sp_sock_host *volatile host;
	bool kernel_loopback; /* [stack] kernel_loopback: 127.0.0.0/8 is the kernel's */
};

extern struct sp_preload sp_preload;

/* init.c: the stack started at the first call that needs it (once; a failure ends the
 * program with one "spindle-preload:" line); the host, NULL after exit */
struct sp_sock_host *sp_preload_start(void);

/* init.c: the LD_PRELOAD to pass on to an exec in place (this process has not started the
 * stack and is the one the constructor ran in), else NULL: the new program is the kernel's */
const char *sp_preload_exec_keep(void);

/* signals.c: SIGHUP, SIGINT, SIGTERM left at SIG_DFL reset the connections before they kill */
void sp_preload_signals_init(void);

#define EXPORT __attribute__((visibility("default")))

/* The next definition of @p name (libc's), looked up once. */
#define REAL(name)                                                              \
	static __typeof__(name) *real_##name;                                   \
	if (real_##name == NULL)                                                \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name);      \
	if (real_##name == NULL) {                                              \
		fprintf(stderr, "spindle-preload: no libc symbol %s\n", #name); \
		abort();                                                        \
	}

#endif
