/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * spindle configuration: the parsed, read-only description of ports, addresses, routes and
 * TCP tunables, plus the program's [service.NAME] sections as raw key/value pairs. Filled by sp_config_load() (INI via rte_cfgfile) or by a program
 * that embeds libspindle; never modified once sp_stack_create() has been called.
 */
#ifndef SP_CONFIG_H
#define SP_CONFIG_H

#include <stdint.h>
#include <stdarg.h>
#include <stddef.h>
#include <rte_ether.h>

#include "sp_export.h"

SP_EXPORT_BEGIN

#define SP_MAX_PORTS	    4
#define SP_MAX_ADDRS	    8  /**< addresses per port */
#define SP_MAX_STATIC_NEIGH 32 /**< static neighbours per port */
#define SP_MAX_ROUTES	    64
#define SP_MAX_SERVICES	    16
#define SP_NAME_LEN	    64
#define SP_PATH_LEN	    256

/** Idle strategy of a worker lcore when an RX poll returns nothing. */
enum sp_idle {
	SP_IDLE_POLL = 0, /**< busy poll (default, lowest latency) */
	SP_IDLE_PAUSE,	  /**< rte_pause() backoff, still spinning */
	SP_IDLE_SLEEP,	  /**< short sleeps after a run of empty polls; frees the core */
};

/** An IPv4 address with prefix length, host byte order. */
struct sp_ifaddr {
	uint32_t ip;
	uint8_t plen;
};

/** A static neighbour: IPv4 (host order) to MAC. */
struct sp_static_neigh {
	uint32_t ip;
	struct rte_ether_addr mac;
};

/** Seeded impairment (fault injection) applied to one port's RX and TX. Rates in [0,1]. */
struct sp_impair_cfg {
	double drop;
	double dup;
	double reorder;
	double corrupt;
	uint32_t delay_us; /**< fixed extra delay on RX */
	uint64_t seed;
	int enabled; /**< set when any rate/delay is non-zero */
};

/** One port of the configuration (section [portN]). */
struct sp_port_cfg {
	char name[SP_NAME_LEN];	  /**< section name, e.g. "port0" */
	char vdev[SP_PATH_LEN];	  /**< "net_tap0,iface=sp0": created at start unless given to EAL */
	char device[SP_NAME_LEN]; /**< EAL device name to use (PCI address or vdev name) */
	struct rte_ether_addr mac; /**< override; all-zero = the PMD's MAC */
	uint16_t mtu;		   /**< default 1500 */
	uint16_t rx_desc, tx_desc; /**< descriptors per queue, default 1024 */
	uint32_t rx_buf_size;	   /**< packet bytes per RX mbuf; 0 = fit one MTU-sized frame.
	                           * Larger values get the port its own RX pool (rx_mbufs mbufs):
	                           * net_af_packet hands over datagrams the kernel reassembled,
	                           * up to its framesz, in one buffer. At most 65392. */
	uint32_t rx_mbufs;	   /**< size of that RX pool, default 2047 */
	int arp;		   /**< 0 = off (default), 1 = on */
	uint8_t n_addrs;
	struct sp_ifaddr addrs[SP_MAX_ADDRS];
	uint8_t n_neigh;
	struct sp_static_neigh neigh[SP_MAX_STATIC_NEIGH];
	uint32_t gateway;		   /**< 0 = none */
	struct rte_ether_addr gateway_mac; /**< used with ARP off; zero = unset */
	struct sp_impair_cfg impair;
};

/** A static route (section [routes]): prefix via gateway, out of the port owning the gateway. */
struct sp_route_cfg {
	uint32_t prefix;
	uint8_t plen;
	uint32_t via;		/**< 0 = directly connected on port @ref port */
	int port;		/**< config port index, -1 = resolved from via */
	char name[SP_NAME_LEN]; /**< its key in [routes], for messages and overrides */
};

/** TCP tunables (section [tcp]); times in milliseconds. */
/** tcp.tso / tcp.gro: the offload where it helps (auto), wherever offered (on), never (off). */
enum sp_offload_mode { SP_OFFLOAD_AUTO, SP_OFFLOAD_ON, SP_OFFLOAD_OFF };

struct sp_tcp_cfg {
	uint32_t max_connections; /**< per lcore, default 16384 */
	uint32_t syn_backlog; /**< SYN-RECEIVED entries per listener before cookies, default 1024 */
	uint32_t accept_backlog;      /**< default 1024 */
	uint32_t time_wait_ms;	      /**< default 60000 (2*MSL with MSL=30s) */
	uint32_t max_timewait;	      /**< TIME-WAIT entries per lcore, default 65536 */
	uint32_t rto_min_ms;	      /**< default 200 */
	uint32_t rto_max_ms;	      /**< default 60000 */
	uint32_t rto_initial_ms;      /**< default 1000 (RFC 6298) */
	uint32_t max_retries;	      /**< data retransmissions before abort, default 15 */
	uint32_t syn_retries;	      /**< default 6 */
	uint32_t delayed_ack_ms;      /**< default 40, at most 200 */
	uint32_t rcvbuf;	      /**< bytes, default 262144 */
	uint32_t sndbuf;	      /**< bytes, default 262144 */
	uint32_t rcvbuf_max;	      /**< autotuning's bound, default 4194304; <= rcvbuf: off */
	uint32_t sndbuf_max;	      /**< autotuning's bound, default 4194304; <= sndbuf: off */
	uint32_t keepalive_idle_ms;   /**< 0 = keepalive off (default 0) */
	uint32_t keepalive_intvl_ms;  /**< default 75000 */
	uint32_t keepalive_probes;    /**< default 9 */
	uint32_t challenge_ack_limit; /**< per connection per second, default 10 */
	uint32_t ooo_max_segs;	      /**< out-of-order queue bound, default 256 */
	uint32_t ooo_max_bytes;	      /**< out-of-order true size per connection, 0 = 2 * rcvbuf */
	uint32_t mem_low, mem_pressure, mem_high; /**< per-lcore marks in mbufs, 0 = from pool */
	uint32_t mem_conn_min; /**< mbufs a connection may still take under pressure, default 4 */
	uint32_t mem_stall_ms; /**< under pressure, abort holders without progress this long */
	uint32_t min_snd_mss;  /**< smallest MSS we send with, default 48 */
	uint32_t min_pmtu;     /**< lowest path MTU fragmentation needed may set, default 552 */
	char cc[16];	       /**< "newreno" or "cubic" (default "cubic") */
	int syncookies;	       /**< 1 = on when the SYN queue is full (default), 0 = off */
	int sack, timestamps, wscale; /**< offer these options, default 1 */
	int nodelay;		      /**< disable Nagle by default for all conns, default 0 */
	int tlp;		      /**< tail loss probes (RFC 8985 7), default 1 */
	int tso; /**< enum sp_offload_mode: TCP segmentation offload (docs/tcp.md "Offloads") */
	int gro; /**< enum sp_offload_mode: LRO where offered, else software GRO */
	/** RFC 5681 4.1: cwnd back to the restart window after an RTO idle, default 1 */
	int slow_start_after_idle;
	/** reordering degree the loss threshold may rise to, segments (docs/tcp.md), default 300 */
	uint32_t max_reordering;
	/** least time between two ACKs to pure ACKs out of the window or PAWS, 0 = off (500) */
	uint32_t invalid_ratelimit_ms;
	/** zero-window probes a closed connection's peer may answer without progress (8) */
	uint32_t orphan_retries;
};

#define SP_MAX_SERVICE_KEYS 16	/**< keys per [service.NAME] section */
#define SP_VALUE_LEN	    256 /**< longest value + 1 (rte_cfgfile's CFG_VALUE_LEN) */

/** One "key = value" the library passes through without reading it. */
struct sp_config_kv {
	char key[SP_NAME_LEN];
	char value[SP_VALUE_LEN];
	unsigned line; /**< line in sp_config.source; 0 = set by sp_config_override() */
};

/**
 * A section [service.NAME]: the program's, not the library's. The library checks the name and
 * that no key is given twice, and keeps the entries in file order (an override replaces the
 * value of a key it names, or appends the key); the program parses them.
 */
struct sp_service_section {
	char name[SP_NAME_LEN]; /**< NAME, e.g. "echo" */
	uint8_t n_keys;
	struct sp_config_kv keys[SP_MAX_SERVICE_KEYS];
};

/** Global section [stack]. */
struct sp_stack_cfg {
	uint32_t mbufs;		   /**< mbufs per socket pool, default 16383 */
	uint32_t mbuf_cache;	   /**< default 256 */
	uint16_t burst;		   /**< RX/TX burst, default 32 */
	enum sp_idle idle;	   /**< default poll */
	int forwarding;		   /**< route between ports, default 0 */
	uint32_t frag_max_flows;   /**< reassembly table size, default 1024 */
	uint32_t frag_timeout_ms;  /**< default 2000 */
	uint32_t icmp_rate;	   /**< ICMP error token bucket: per second, default 100 */
	uint32_t icmp_burst;	   /**< default 50 */
	uint32_t neigh_timeout_ms; /**< ARP reachable time, default 30000 */
	/** ARP off: lifetime of a learned MAC with no frame from its peer (0: for ever), 300000 */
	uint32_t neigh_learned_timeout_ms;
	/** ARP off: a learned MAC heard from within this long is not replaced (0: off), 1000 */
	uint32_t neigh_learn_locktime_ms;
	uint32_t arp_pending_max; /**< queued packets per unresolved neighbour, default 8 */
	uint32_t
		arp_request_rate_ms; /**< min gap between requests for one neighbour, default 1000 */
	int rss;		     /**< use RSS when several queues, default 1 */
	/**
	 * Graceful stop of the spindle program: how long its workers keep running after
	 * SIGINT/SIGTERM so connections close with FIN; what is left is then reset. Default 5000,
	 * 0 = reset every connection at once. The library itself does not read it.
	 */
	uint32_t drain_ms;
	/** socket layer (preload): a socket whose first address is 127.0.0.0/8 goes to the
	 *  kernel, default 1 */
	int kernel_loopback;
};

/** The whole configuration. */
struct sp_config {
	char source[SP_PATH_LEN]; /**< file it came from, for messages */
	struct sp_stack_cfg stack;
	uint8_t n_ports;
	struct sp_port_cfg ports[SP_MAX_PORTS];
	uint8_t n_routes;
	struct sp_route_cfg routes[SP_MAX_ROUTES];
	struct sp_tcp_cfg tcp;
	uint8_t n_services;
	struct sp_service_section services[SP_MAX_SERVICES];
};

/**
 * Fill @p cfg with every default value (no ports, no services).
 */
void sp_config_defaults(struct sp_config *cfg);

/**
 * Parse an INI file into @p cfg (defaults first, then the file).
 *
 * @param path  file to read
 * @param cfg   output
 * @param err   buffer for a message naming file, section and key on failure
 * @param errlen size of @p err
 * @return 0, or -errno (-ENOENT missing file, -EINVAL bad content) with @p err filled.
 */
int sp_config_load(const char *path, struct sp_config *cfg, char *err, size_t errlen);

/**
 * Same as sp_config_load() for an in-memory INI text (used for the embedded default and tests).
 */
int sp_config_parse_string(
	const char *text, const char *name, struct sp_config *cfg, char *err, size_t errlen);

/**
 * Apply one "section.key=value" override (command line), then re-validate.
 *
 * The section is everything before the last dot of the left side; a new [portN] (next index)
 * is created with its defaults, a new [service.NAME] empty. The re-validation checks every value
 * present but not yet that required keys exist (a port's vdev/device and address), so a section
 * can be built one override at a time: call sp_config_validate() after the last override. A
 * [service.NAME] key is only stored (sp_config_kv.line = 0): the program checks it. A refused
 * override leaves @p cfg unchanged.
 *
 * @return 0 or -EINVAL with @p err filled.
 */
int sp_config_override(struct sp_config *cfg, const char *assignment, char *err, size_t errlen);

/**
 * Cross-checks after parsing/overrides: every route's gateway on some port's subnet,
 * at least one port, no duplicate addresses, etc.
 * @return 0 or -EINVAL with @p err filled.
 */
int sp_config_validate(const struct sp_config *cfg, char *err, size_t errlen);

/** Kind of value of a key (struct sp_config_key). */
enum sp_config_key_type {
	SP_KEY_UINT,   /**< unsigned integer field of size 2, 4 or 8, in [min, max] */
	SP_KEY_BOOL,   /**< int 0/1 (on|off|yes|no|true|false|1|0) */
	SP_KEY_RATE,   /**< double in [0, 1] */
	SP_KEY_CHOICE, /**< int: index of the value in choices[] */
	SP_KEY_CC,     /**< char[size]: a congestion control name ("" only with SP_KEY_EMPTY) */
	SP_KEY_STR,    /**< char[size], non-empty unless SP_KEY_EMPTY */
	SP_KEY_MAC,    /**< struct rte_ether_addr, unicast */
	SP_KEY_IPV4,   /**< uint32_t, host order */
	SP_KEY_ADDRS,  /**< [portN] address list (the library's own) */
	SP_KEY_NEIGH,  /**< [portN] neighbour list (the library's own) */
};

#define SP_KEY_EMPTY 1u /**< the empty value is allowed */
#define SP_KEY_LIST  2u /**< may be repeated in a file section: the lists are appended */

/**
 * One row of a key table: the INI key, its kind, and where it goes in the section's struct.
 * The library's sections use these tables; a program uses them for its own sections
 * (sp_config_apply_key()) and so gets the same checks and messages.
 */
struct sp_config_key {
	const char *name;
	enum sp_config_key_type type;
	size_t off;		    /**< offsetof() the field */
	size_t size;		    /**< sizeof() the field */
	uint64_t min, max;	    /**< SP_KEY_UINT */
	unsigned flags;		    /**< SP_KEY_EMPTY, SP_KEY_LIST */
	const char *const *choices; /**< SP_KEY_CHOICE: the names, NULL-terminated */
	const char *what;	    /**< SP_KEY_CHOICE: "an idle mode", for messages */
};

/** Rows of a key table: @p s is the section's struct type, @p f its field. */
#define SP_CONFIG_KEY(s, key, f, type, flags)                                                 \
	{                                                                                     \
		(key), (type), offsetof(s, f), sizeof(((s *)0)->f), 0, 0, (flags), NULL, NULL \
	}
#define SP_CONFIG_KEY_UINT(s, key, f, lo, hi)                                                      \
	{                                                                                          \
		(key), SP_KEY_UINT, offsetof(s, f), sizeof(((s *)0)->f), (lo), (hi), 0, NULL, NULL \
	}
#define SP_CONFIG_KEY_CHOICE(s, key, f, names, what)                                         \
	{                                                                                    \
		(key), SP_KEY_CHOICE, offsetof(s, f), sizeof(((s *)0)->f), 0, 0, 0, (names), \
			(what)                                                               \
	}

/**
 * Set @p key of a section to @p value through the table @p tab: the field at @p base + off.
 *
 * @param src      file name (or "--set") that starts the message
 * @param section  section name for the message, without brackets
 * @return 0, or -EINVAL with @p err "SRC: [section] key: what is wrong" (also for a key not in
 *   @p tab).
 */
int sp_config_apply_key(const struct sp_config_key *tab, size_t n, void *base, const char *src,
	const char *section, const char *key, const char *value, char *err, size_t errlen);

/**
 * Write "SRC: " and the formatted text into @p err, the form of every message of this file
 * (@p src NULL or "": "config").
 * @return -EINVAL.
 */
int sp_config_vfail(char *err, size_t errlen, const char *src, const char *fmt, va_list ap);

/** @return 1 if @p ip (host order) is an address of one of the configured ports, else 0. */
int sp_config_has_address(const struct sp_config *cfg, uint32_t ip);

/** Parse "a.b.c.d" into host order. @return 0 or -EINVAL. */
int sp_parse_ipv4(const char *s, uint32_t *ip);
/** Parse "a.b.c.d/len". @return 0 or -EINVAL. */
int sp_parse_cidr(const char *s, uint32_t *ip, uint8_t *plen);
/** Parse "aa:bb:cc:dd:ee:ff". @return 0 or -EINVAL. */
int sp_parse_mac(const char *s, struct rte_ether_addr *mac);

SP_EXPORT_END

#endif
