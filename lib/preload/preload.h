/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the two files of libspindle_preload.so: init.c (start, exit) and preload.c. */
#ifndef SP_PRELOAD_H
#define SP_PRELOAD_H

#include "spindle.h"
#include "sp_socket.h"

struct sp_preload {
	/* NULL until the constructor finished and after exit: every call goes to the kernel */
	struct sp_sock_host *volatile host;
};

extern struct sp_preload sp_preload;

#endif
