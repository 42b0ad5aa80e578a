/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The spindle program:
 *   spindle [EAL options] -- [--config FILE] [--set SECTION.KEY=VALUE]... [--stats-interval SEC]
 *
 * Order of start-up: application arguments and config first (so --help, --version and config
 * errors need no EAL), then EAL with the config's vdevs appended, pdump, mempools, ports, the
 * stack, one context per worker lcore, fault injection, telemetry, the workers. SIGINT/SIGTERM
 * (or every client service being done) stops the workers: they close their connections
 * gracefully for up to stack.drain_ms (a second signal cuts that short, lcore.c), then everything
 * is released in reverse order and the mempools are checked for leaks.
 *
 * Exit status: 0 ok, 1 start-up/run-time failure or a failed client service, 2 usage or config
 * error, 3 mbufs leaked.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pdump.h>
#include <rte_version.h>

#include "sp_impair.h"
#include "spindle_app.h"

#define EXIT_CONFIG	2
#define EXIT_LEAK	3
#define MAX_SETS	256
#define MAX_EXTRA_VDEVS SP_MAX_PORTS

/* config/default.conf as a string, generated at build time (see meson.build). */
extern const char sp_default_conf[];

/* The one instance: the signal handler can only reach it through a file-scope object. */
static struct sp_app app;

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	/* Once stopping (the workers drain their connections), another signal means "now". */
	if (app.quit)
		app.stop_now = 1;
	app.quit = 1;
}

static void
usage(const char *prog, FILE *f)
{
	fprintf(f,
		"Usage: %s [EAL options] -- [options]\n"
		"\n"
		"spindle %s: a userspace TCP/IP stack on DPDK poll-mode drivers.\n"
		"\n"
		"Options (after the EAL options and \"--\"):\n"
		"  --config FILE          configuration file (INI, see docs/configuration.md);\n"
		"                         without it the built-in config/default.conf is used\n"
		"  --set SECTION.KEY=VAL  override one config key (repeatable), e.g.\n"
		"                         --set stack.idle=sleep --set port0.arp=on\n"
		"  --stats-interval SEC   print the counters every SEC seconds\n"
		"  --help                 this text\n"
		"  --version              print the version\n"
		"\n"
		"A port's vdev (e.g. net_tap0,iface=sp0) is added to the EAL arguments unless they\n"
		"already create that device. EAL needs at least two lcores: the main lcore does not\n"
		"poll. Example:\n"
		"  %s -l 0,1 --no-huge --no-pci -m 512 -- --set stack.idle=sleep\n"
		"Telemetry: dpdk-telemetry.py [-f FILE_PREFIX], commands under /spindle/.\n"
		"SIGINT/SIGTERM stop it: connections close with FIN for up to stack.drain_ms,\n"
		"then the rest is reset (a second signal resets at once); the counters are\n"
		"printed at exit.\n",
		prog, sp_version(), prog);
}

struct app_args {
	const char *config;
	const char *sets[MAX_SETS];
	unsigned n_sets;
};

/* Parse the options after "--". @return 0, 1 (help/version printed: exit 0) or -EINVAL. */
static int
parse_app_args(int argc, char **argv, const char *prog, struct app_args *a)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, 's'},
		{"stats-interval", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	long v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config = optarg;
			break;
		case 's':
			if (a->n_sets == MAX_SETS) {
				fprintf(stderr, "spindle: more than %u --set options\n", MAX_SETS);
				return -EINVAL;
			}
			a->sets[a->n_sets++] = optarg;
			break;
		case 'i':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || v < 0 || v > 86400) {
				fprintf(stderr,
					"spindle: --stats-interval: \"%s\" is not 0..86400 seconds\n",
					optarg);
				return -EINVAL;
			}
			app.stats_interval = (unsigned)v;
			break;
		case 'h':
			usage(prog, stdout);
			return 1;
		case 'v':
			printf("spindle %s (%s)\n", sp_version(), rte_version());
			return 1;
		default:
			fprintf(stderr, "spindle: unknown or incomplete option \"%s\"\n",
				argv[optind - 1]);
			usage(prog, stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spindle: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int
load_config(const struct app_args *a)
{
	char err[512] = "";
	unsigned i;
	int ret;

	if (a->config != NULL)
		ret = sp_config_load(a->config, &app.cfg, err, sizeof(err));
	else
		ret = sp_config_parse_string(
			sp_default_conf, "default.conf (built in)", &app.cfg, err, sizeof(err));
	/* [service.NAME] sections reach the library as raw keys: the services read them. */
	if (ret == 0)
		ret = sp_services_parse(&app.cfg, false, NULL, app.svc, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "spindle: %s\n", err[0] ? err : strerror(-ret));
		return ret;
	}
	for (i = 0; i < a->n_sets; i++) {
		ret = sp_config_override(&app.cfg, a->sets[i], err, sizeof(err));
		if (ret == 0)
			ret = sp_services_parse(
				&app.cfg, true, a->sets[i], app.svc, err, sizeof(err));
		if (ret != 0) {
			fprintf(stderr, "spindle: --set %s: %s\n", a->sets[i],
				err[0] ? err : strerror(-ret));
			return ret;
		}
	}
	ret = sp_config_validate(&app.cfg, err, sizeof(err));
	if (ret == 0)
		ret = sp_services_parse(&app.cfg, false, NULL, app.svc, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "spindle: %s\n", err[0] ? err : strerror(-ret));
		return ret;
	}
	return 0;
}

/* Device name of an EAL --vdev argument value ("net_tap0,iface=x" -> "net_tap0"). */
static bool
vdev_matches(const char *arg, const char *name)
{
	size_t n = strcspn(arg, ",");

	return n == strlen(name) && strncmp(arg, name, n) == 0;
}

static bool
eal_has_vdev(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--vdev=", 7) == 0 && vdev_matches(argv[i] + 7, name))
			return true;
		if (strcmp(argv[i], "--vdev") == 0 && i + 1 < argc &&
			vdev_matches(argv[i + 1], name))
			return true;
	}
	return false;
}

/*
 * EAL argv = the EAL part of our argv plus --vdev=<value> for every configured vdev the EAL
 * arguments do not already create. Strings live in @p store.
 */
static int
build_eal_argv(int eal_argc, char **argv, char **out, char store[MAX_EXTRA_VDEVS][SP_PATH_LEN + 8])
{
	int n = 0, i;
	char name[SP_PATH_LEN];

	for (i = 0; i < eal_argc; i++)
		out[n++] = argv[i];
	for (i = 0; i < app.cfg.n_ports; i++) {
		const struct sp_port_cfg *pc = &app.cfg.ports[i];

		if (pc->vdev[0] == '\0')
			continue;
		sp_port_devname(pc, name, sizeof(name));
		if (eal_has_vdev(eal_argc, argv, name))
			continue;
		snprintf(store[i], SP_PATH_LEN + 8, "--vdev=%s", pc->vdev);
		out[n++] = store[i];
	}
	out[n] = NULL;
	return n;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * net_tap (22.11) claims a free real-time signal and has the kernel raise it for every frame
 * it queues on a tap fd, so that an empty RX poll costs no read(). On a busy-polling lcore
 * the signal costs far more than the read it saves (fasync in the sender's path, delivery,
 * sigreturn: a third of the worker's cycles in a bulk transfer, docs/performance.md). The
 * PMD leaves alone real-time signals that already have a disposition: ignoring them before
 * the device is created turns the trigger off. Nothing in spindle uses real-time signals.
 */
static void
tap_no_rx_signal(void)
{
	struct sigaction sa;
	int sig;

	if (getenv("SPINDLE_TAP_RX_SIGNAL") != NULL) /* A/B measurements only */
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	for (sig = SIGRTMIN + 1; sig < SIGRTMAX; sig++) {
		struct sigaction cur;

		if (sigaction(sig, NULL, &cur) == 0 && cur.sa_handler == SIG_DFL)
			sigaction(sig, &sa, NULL);
	}
}

/* The main lcore: wait for a signal or the clients' end; print counters when asked. */
static void
main_wait(void)
{
	uint64_t hz = rte_get_timer_hz(), next = 0;
	unsigned w;

	if (app.stats_interval != 0)
		next = rte_get_timer_cycles() + hz * app.stats_interval;
	while (!app.quit) {
		rte_delay_us_sleep(50 * 1000);
		if (app.clients_done) {
			SP_LOG(NOTICE, app, "client services finished; stopping");
			app.quit = 1;
		}
		for (w = 0; w < app.n_workers; w++)
			if (app.workers[w].exited)
				app.quit = 1;
		if (next != 0 && rte_get_timer_cycles() >= next) {
			sp_app_print_stats(&app, false);
			next += hz * app.stats_interval;
		}
	}
	if (app.cfg.stack.drain_ms != 0)
		SP_LOG(NOTICE, app,
			"stopping: closing connections for up to %u ms (signal again to reset them "
			"now)",
			app.cfg.stack.drain_ms);
}

int
main(int argc, char **argv)
{
	char vdev_store[MAX_EXTRA_VDEVS][SP_PATH_LEN + 8];
	char *eal_argv[argc + MAX_EXTRA_VDEVS + 1];
	struct app_args a;
	int dash = -1, eal_argc, ret, i, status = 0;
	bool eal = false, workers_launched = false;
	uint16_t p;

	memset(&a, 0, sizeof(a));
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			break;
		}
	if (dash < 0) {
		/* No "--": only --help/--version make sense on their own, the rest is EAL's. */
		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
				usage(argv[0], stdout);
				return 0;
			}
			if (strcmp(argv[i], "--version") == 0) {
				printf("spindle %s (%s)\n", sp_version(), rte_version());
				return 0;
			}
		}
		eal_argc = argc;
	} else {
		char *app_argv[argc - dash + 1];
		int app_argc = 0;

		app_argv[app_argc++] = argv[0];
		for (i = dash + 1; i < argc; i++)
			app_argv[app_argc++] = argv[i];
		app_argv[app_argc] = NULL;
		ret = parse_app_args(app_argc, app_argv, argv[0], &a);
		if (ret > 0)
			return 0;
		if (ret < 0)
			return EXIT_CONFIG;
		eal_argc = dash;
	}
	if (load_config(&a) != 0)
		return EXIT_CONFIG;

	eal_argc = build_eal_argv(eal_argc, argv, eal_argv, vdev_store);
	tap_no_rx_signal();
	ret = rte_eal_init(eal_argc, eal_argv);
	if (ret < 0) {
		fprintf(stderr, "spindle: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	eal = true;
	install_signals();
	SP_LOG(NOTICE, app, "spindle %s, config %s", sp_version(),
		a.config != NULL ? a.config : "default.conf (built in)");

	/* Lets the stock dpdk-dumpcap (a secondary process) capture on our ports. */
	ret = rte_pdump_init();
	if (ret != 0)
		SP_LOG(WARNING, app, "rte_pdump_init failed (%s): dpdk-dumpcap will not work",
			rte_strerror(rte_errno));
	else
		app.pdump = true;

	status = 1;
	if (sp_app_workers_init(&app) != 0)
		goto out;
	if (sp_ports_pools_create(&app.io) != 0)
		goto out;
	if (sp_ports_start(&app.io) != 0)
		goto out;
	app.st = sp_stack_create(&app.cfg);
	if (app.st == NULL) {
		SP_LOG(ERR, app, "cannot create the stack: %s", rte_strerror(rte_errno));
		goto out;
	}
	for (p = 0; p < app.cfg.n_ports; p++) {
		ret = sp_stack_add_port(app.st, p, app.io.ports[p].port_id, app.n_workers);
		if (ret != 0) {
			SP_LOG(ERR, app, "%s: cannot add to the stack: %s", app.cfg.ports[p].name,
				strerror(-ret));
			goto out;
		}
	}
	if (sp_stack_start(app.st) != 0)
		goto out;
	if (sp_app_contexts_create(&app) != 0)
		goto out;
	if (sp_app_services_resolve(&app) != 0)
		goto out;
	for (p = 0; p < app.cfg.n_ports; p++) {
		ret = sp_impair_attach(app.st, p);
		if (ret != 0) {
			SP_LOG(ERR, app, "%s: fault injection: %s", app.cfg.ports[p].name,
				strerror(-ret));
			goto out;
		}
		app.impair_attached[p] = true;
	}
	ret = sp_telemetry_register(app.st);
	if (ret != 0)
		SP_LOG(WARNING, app, "telemetry registration failed: %s", strerror(-ret));
	for (p = 0; p < app.cfg.n_ports; p++) {
		struct sp_port_info sp;

		if (sp_stack_port_info(app.st, p, &sp) != 0)
			continue;
		SP_LOG(NOTICE, app, "%s: ethdev %u, MAC " RTE_ETHER_ADDR_PRT_FMT ", mtu %u, ARP %s",
			app.cfg.ports[p].name, sp.port_id, RTE_ETHER_ADDR_BYTES(&sp.mac), sp.mtu,
			sp.arp ? "on" : "off");
	}
	workers_launched = true;
	if (sp_app_workers_launch(&app) != 0)
		goto out;
	SP_LOG(NOTICE, app, "running on %u worker lcore(s); SIGINT/SIGTERM to stop", app.n_workers);
	status = 0;
	main_wait();

out:
	if (workers_launched)
		sp_app_workers_wait(&app);
	if (status == 0)
		status = sp_app_services_status(&app);
	/* Telemetry must not read the contexts once they are being freed. */
	if (app.st != NULL)
		sp_telemetry_register(NULL);
	if (workers_launched)
		sp_app_print_stats(&app, true);
	for (p = 0; p < SP_MAX_PORTS; p++)
		if (app.impair_attached[p])
			sp_impair_detach(app.st, p);
	sp_app_contexts_free(&app);
	sp_stack_free(app.st);
	app.st = NULL;
	sp_ports_close(&app.io);
	if (eal && app.n_workers > 0 && sp_ports_pools_check(&app.io, stdout) != 0)
		status = EXIT_LEAK;
	sp_ports_pools_free(&app.io);
	if (app.pdump)
		rte_pdump_uninit();
	if (eal)
		rte_eal_cleanup();
	return status;
}
