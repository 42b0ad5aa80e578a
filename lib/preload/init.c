/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libspindle_preload.so, start and end: the constructor reads the config before the program's
 * main(); the program's first call that needs spindle (an AF_INET TCP or UDP socket(), an
 * AF_INET6 one meeting IPv4) brings up EAL, the config's ports, the stack, one context and a
 * socket host (sp_socket.h): sp_preload_start(). A program that never opens one (a wrapper:
 * /usr/bin/env of a "#!/usr/bin/env python3" script, a shell script's exec, pyenv's shims)
 * starts nothing and passes the preload on when it execs in place (exec.c). The exit handler
 * closes what the program left open, gives the stack stack.drain_ms to finish, frees everything
 * and prints "mbufs: all N returned" (or a leak) to stderr.
 *
 * Environment (set by spindle-run, docs/preload.md):
 *   SPINDLE_EAL_ARGS  EAL arguments, whitespace-separated
 *   SPINDLE_CONFIG    config file (default: the built-in config/default.conf)
 *   SPINDLE_SET       K=V overrides, one per line (as spindle's --set)
 *   SPINDLE_LOG       log level of spindle's log types (e.g. debug, info, notice)
 *   SPINDLE_PRELOAD_CHILDREN=1  keep LD_PRELOAD for exec'd programs (default: dropped, but for
 *                      an exec in place by a process that has not started the stack)
 * Any failure prints one "spindle-preload: ..." line and exits 1: a program must not run on the
 * kernel's stack believing it runs on spindle.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_telemetry.h>

#include "preload.h"

#define PL_MAX_ARGS  64
#define PL_MAX_BURST 512

extern const char sp_default_conf[];

/* Held while /spindle/preload reads the host and while the exit handler lets go of it. */
static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;

struct sp_preload sp_preload;

static struct {
	struct sp_config cfg;
	struct sp_ports io; /* the ports and the mbuf pool (lib/core/port.c), one queue each */
	struct sp_stack *st;
	struct sp_ctx *ctx;
	uint16_t burst;
	bool handover;	  /* every port survives fork() (sp_sock_driver.fork_handover) */
	pid_t pid;	  /* the process that started EAL */
	bool started;	  /* sp_preload_start() ran (or runs) in this process or its parent */
	pid_t ctor_pid;	  /* the process the constructor ran in */
	char *ld_preload; /* LD_PRELOAD as the constructor found it, when it took it out */
	char *eal_args;	  /* SPINDLE_EAL_ARGS as the constructor found it */
	struct rte_mbuf *pkts[PL_MAX_BURST];
} pl;

static void __attribute__((noreturn)) die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("spindle-preload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(1);
}

/* One iteration of the data path for the socket host (sp_sock_driver.iterate). */
static unsigned
pl_iterate(void *arg)
{
	uint64_t now = rte_rdtsc();
	unsigned moved = 0;
	uint16_t p, n;

	RTE_SET_USED(arg);
	for (p = 0; p < pl.cfg.n_ports; p++) {
		n = rte_eth_rx_burst(pl.io.ports[p].port_id, 0, pl.pkts, pl.burst);
		sp_input(pl.ctx, now, p, pl.pkts, n);
		moved += n;
	}
	sp_poll(pl.ctx, now);
	sp_tx_flush(pl.ctx);
	return moved;
}

/*
 * /spindle/preload: the host's idle polling (sp_sock_host_idle_cycles()), so that a benchmark
 * can count the CPU a busy-polling program worked: its utime + stime minus idle_cycles/tsc_hz.
 */
static int
tel_preload(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_lock);
	rte_tel_data_add_dict_u64(d, "pid", (uint64_t)pl.pid);
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	rte_tel_data_add_dict_u64(d, "idle_cycles", sp_sock_host_idle_cycles(sp_preload.host));
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

static void
load_config(void)
{
	const char *path = getenv("SPINDLE_CONFIG"), *sets = getenv("SPINDLE_SET");
	char err[512] = "";
	int ret;

	if (path != NULL && path[0] != '\0')
		ret = sp_config_load(path, &pl.cfg, err, sizeof(err));
	else
		ret = sp_config_parse_string(
			sp_default_conf, "default.conf (built in)", &pl.cfg, err, sizeof(err));
	if (ret != 0)
		die("config: %s", err[0] ? err : strerror(-ret));
	if (sets != NULL) {
		char *copy = strdup(sets), *save = NULL, *line;

		if (copy == NULL)
			die("out of memory");
		for (line = strtok_r(copy, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save)) {
			if (line[strspn(line, " \t\r")] == '\0')
				continue;
			if (sp_config_override(&pl.cfg, line, err, sizeof(err)) != 0)
				die("SPINDLE_SET %s: %s", line, err);
		}
		free(copy);
	}
	if (sp_config_validate(&pl.cfg, err, sizeof(err)) != 0)
		die("config: %s", err);
}

/*
 * net_tap (22.11) has the kernel raise a free real-time signal for every frame it queues and
 * leaves alone the real-time signals that already have a disposition (docs/performance.md: the
 * spindle program does the same). Under a program that never handles them the signal kills it:
 * ignore the real-time signals nobody handles before EAL creates the device.
 */
static void
rt_signals_ignore(void)
{
	struct sigaction cur, ign = {.sa_handler = SIG_IGN};
	int sig = SIGRTMAX;

	while (--sig > SIGRTMIN)
		if (sigaction(sig, NULL, &cur) == 0 && cur.sa_handler == SIG_DFL &&
			!(cur.sa_flags & SA_SIGINFO))
			sigaction(sig, &ign, NULL);
}

/*
 * EAL with the arguments the constructor took from SPINDLE_EAL_ARGS. It runs in the middle of
 * the program now: getopt's globals, which EAL's own argument parsing moves, are given back.
 */
static void
eal_start(void)
{
	static char *argv[PL_MAX_ARGS + 1];
	char *save = NULL, *tok, *optarg0 = optarg;
	int argc = 0, optind0 = optind, opterr0 = opterr, optopt0 = optopt, ret;
	sigset_t all, mask;

	argv[argc++] = (char *)"spindle-preload";
	for (tok = strtok_r(pl.eal_args, " \t\n", &save); tok != NULL;
		tok = strtok_r(NULL, " \t\n", &save)) {
		if (argc == PL_MAX_ARGS)
			die("SPINDLE_EAL_ARGS: more than %d arguments", PL_MAX_ARGS - 1);
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	rt_signals_ignore();
	/*
	 * EAL's threads (interrupts, multi-process, telemetry) take the signal mask of this thread:
	 * all blocked, so that the program's signals reach its own threads only. A handler that
	 * exits or longjmps (iperf3's SIGTERM) run on an EAL thread would tear the stack down
	 * under the thread that drives it, or join its own thread in rte_eal_cleanup().
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &mask);
	ret = rte_eal_init(argc, argv);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	optind = optind0;
	opterr = opterr0;
	optopt = optopt0;
	optarg = optarg0;
	if (ret < 0)
		die("EAL initialisation failed: %s", rte_strerror(rte_errno));
}

static void
log_level(void)
{
	const char *lvl = getenv("SPINDLE_LOG");
	static const char *const names[] = {
		"", "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
	unsigned i;

	if (lvl == NULL || lvl[0] == '\0')
		return;
	for (i = 1; i < RTE_DIM(names); i++)
		if (strcmp(lvl, names[i]) == 0) {
			rte_log_set_level_pattern("spindle.*", i);
			return;
		}
	die("SPINDLE_LOG: \"%s\" is not one of emerg..debug", lvl);
}

/* A config port's vdev that EAL's arguments did not create (no --vdev for it) is created here. */
static void
vdevs_probe(void)
{
	char name[SP_PATH_LEN];
	uint16_t p, pid;

	for (p = 0; p < pl.cfg.n_ports; p++) {
		const struct sp_port_cfg *pc = &pl.cfg.ports[p];

		sp_port_devname(pc, name, sizeof(name));
		if (pc->vdev[0] != '\0' && rte_eth_dev_get_port_by_name(name, &pid) != 0 &&
			rte_dev_probe(pc->vdev) != 0)
			die("%s: cannot create vdev \"%s\" (check it and that its PMD is available)",
				pc->name, pc->vdev);
	}
}

static void pl_exit(void);

/*
 * Before main(): the config (a bad one stops the program here, with one line), the exit
 * handler (registered first, it runs after the program's own), and LD_PRELOAD taken out of the
 * environment, so that the programs this one runs are the kernel's unless asked
 * (docs/preload.md); exec.c passes it on to an exec in place while the stack has not started.
 */
static void __attribute__((constructor)) pl_init(void)
{
	const char *children = getenv("SPINDLE_PRELOAD_CHILDREN"),
		   *eal = getenv("SPINDLE_EAL_ARGS");
	const char *ld = getenv("LD_PRELOAD");

	pl.ctor_pid = getpid();
	if (children == NULL || strcmp(children, "1") != 0) {
		if (ld != NULL && (pl.ld_preload = strdup(ld)) == NULL)
			die("out of memory");
		unsetenv("LD_PRELOAD");
	}
	load_config();
	sp_preload.kernel_loopback = pl.cfg.stack.kernel_loopback != 0;
	if (eal == NULL || eal[strspn(eal, " \t\n")] == '\0')
		die("SPINDLE_EAL_ARGS is not set (start the program with spindle-run)");
	pl.eal_args = strdup(eal);
	if (pl.eal_args == NULL)
		die("out of memory");
	atexit(pl_exit);
}

const char *
sp_preload_exec_keep(void)
{
	return !pl.started && getpid() == pl.ctor_pid ? pl.ld_preload : NULL;
}

/* The stack, its ports and the socket host, at the first call that needs them. */
static void
pl_start(void)
{
	struct sp_sock_driver drv;
	uint16_t p;
	int ret;

	eal_start();
	log_level();
	if (pl.cfg.n_services != 0)
		SP_LOG(INFO, app, "preload: the config's %u [service.*] sections are not run",
			pl.cfg.n_services);
	pl.burst = pl.cfg.stack.burst > PL_MAX_BURST ? PL_MAX_BURST : pl.cfg.stack.burst;
	vdevs_probe();
	pl.io.cfg = &pl.cfg;
	pl.io.nq = 1;
	pl.io.queue_socket[0] = (int)rte_socket_id();
	if (sp_ports_pools_create(&pl.io) != 0)
		die("cannot create the mbuf pool (the line above says why)");
	if (sp_ports_start(&pl.io) != 0)
		die("cannot start the ports (the lines above say why)");
	/* net_tap and net_af_packet are file descriptors and kernel-mapped rings: a child can
	 * drive them (sp_sock_driver.fork_handover) */
	pl.handover = true;
	for (p = 0; p < pl.cfg.n_ports; p++)
		if (strcmp(pl.io.ports[p].driver, "net_tap") != 0 &&
			strcmp(pl.io.ports[p].driver, "net_af_packet") != 0)
			pl.handover = false;
	pl.st = sp_stack_create(&pl.cfg);
	if (pl.st == NULL)
		die("cannot create the stack: %s", rte_strerror(rte_errno));
	for (p = 0; p < pl.cfg.n_ports; p++) {
		ret = sp_stack_add_port(pl.st, p, pl.io.ports[p].port_id, 1);
		if (ret != 0)
			die("%s: cannot add to the stack: %s", pl.cfg.ports[p].name,
				strerror(-ret));
	}
	ret = sp_stack_start(pl.st);
	if (ret != 0)
		die("cannot start the stack: %s", strerror(-ret));
	pl.ctx = sp_ctx_create(pl.st, rte_lcore_id(), 0, sp_ports_pool_of(&pl.io, rte_socket_id()));
	if (pl.ctx == NULL)
		die("cannot create the stack context");
	sp_ctx_announce(pl.ctx);
	memset(&drv, 0, sizeof(drv));
	drv.iterate = pl_iterate;
	drv.fork_handover = pl.handover;
	if (pl.cfg.stack.idle == SP_IDLE_SLEEP) {
		drv.idle_spins = 100;
		drv.sleep_us = 100;
	}
	sp_preload.host = sp_sock_host_create(pl.ctx, &drv);
	if (sp_preload.host == NULL)
		die("cannot create the socket host: %s", strerror(errno));
	pl.pid = getpid();
	sp_preload_signals_init();
	if (rte_telemetry_register_cmd("/spindle/preload", tel_preload,
		    "Idle polling cycles of the program's waits (CPU it worked = its CPU time - "
		    "idle_cycles / tsc_hz)") != 0)
		SP_LOG(NOTICE, app, "preload: telemetry /spindle/preload not registered");
	SP_LOG(NOTICE, app,
		"preload: spindle %s serves AF_INET TCP/UDP sockets (and AF_INET6 ones that "
		"meet IPv4) of pid %d",
		sp_version(), (int)pl.pid);
}

struct sp_sock_host *
sp_preload_start(void)
{
	static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
	/* DPDK's own sockets while it starts (net_tap's ioctl socket) are the kernel's */
	static __thread bool starting;

	if (sp_preload.host != NULL || starting || __atomic_load_n(&pl.started, __ATOMIC_ACQUIRE))
		return sp_preload.host;
	pthread_mutex_lock(&start_lock);
	if (!pl.started) {
		starting = true;
		pl_start();
		starting = false;
		__atomic_store_n(&pl.started, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&start_lock);
	return sp_preload.host;
}

static void
pl_exit(void)
{
	struct sp_sock_host *h = sp_preload.host;

	/* the stack never started here; or another process of a fork() drives it (or may still
	 * take it over) */
	if (h == NULL || !sp_sock_host_owner(h))
		return;
	pthread_mutex_lock(&tel_lock);
	sp_preload.host = NULL;
	pthread_mutex_unlock(&tel_lock);
	sp_sock_host_free(h, pl.cfg.stack.drain_ms);
	sp_ctx_free(pl.ctx);
	sp_stack_free(pl.st);
	sp_ports_close(&pl.io);
	sp_ports_pools_check(&pl.io, stderr);
	sp_ports_pools_free(&pl.io);
	/*
	 * EAL's threads (interrupts, telemetry) live in the process that started it: a child that
	 * took the stack over has none, and rte_eal_cleanup() would wait for them forever.
	 */
	if (getpid() == pl.pid)
		rte_eal_cleanup();
}
