/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a resolved policy is: the values conf/ produces for one user and
 * every program consumes (the module sends it to the helper as is).  Data
 * types only; loading and resolving them is conf/'s.
 */
#ifndef CARREL_POLICY_H
#define CARREL_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CARREL_DEFAULT_CONFIG "/etc/security/carrel.conf"
#define CARREL_UNLIMITED UINT64_MAX

/* Namespace bits, as listed in the `namespaces` key. */
enum {
	CARREL_NS_MNT = 1u << 0,
	CARREL_NS_PID = 1u << 1,
	CARREL_NS_IPC = 1u << 2,
	CARREL_NS_UTS = 1u << 3,
	CARREL_NS_NET = 1u << 4,
	CARREL_NS_CGROUP = 1u << 5,
	CARREL_NS_USER = 1u << 6,
};

enum carrel_on_error { CARREL_ON_ERROR_DENY = 0, CARREL_ON_ERROR_ALLOW = 1 };
enum carrel_tmp { CARREL_TMP_PRIVATE = 0, CARREL_TMP_SHARED = 1 };
/* Where the session's cgroup is: carrel/user-UID/session-ID under the root
 * or under the login's own cgroup (carrel writes the tree), or the login's
 * systemd unit with the limits set on user-UID.slice through systemd
 * (cgroup/cgroup_systemd.c); auto is systemd where systemd runs the unified
 * hierarchy, "/" elsewhere. */
enum carrel_cgroup_parent {
	CARREL_CGROUP_PARENT_ROOT = 0,
	CARREL_CGROUP_PARENT_SELF = 1,
	CARREL_CGROUP_PARENT_SYSTEMD = 2,
	CARREL_CGROUP_PARENT_AUTO = 3,
};
enum carrel_scope { CARREL_SCOPE_SESSION = 0, CARREL_SCOPE_USER = 1 };
/* network: loopback only, the host's own network (no net namespace), or a
 * veth on carrel's bridge with NAT out of the host (net/net.h). */
enum carrel_network { CARREL_NETWORK_NONE = 0, CARREL_NETWORK_HOST = 1, CARREL_NETWORK_NAT = 2 };

/* selinux_categories: none, or a pair of SELinux MCS categories per carrel
 * (lib/mcs.h); a no-op where SELinux with MCS is off. */
enum carrel_selinux_categories { CARREL_SELINUX_CATEGORIES_NONE = 0, CARREL_SELINUX_CATEGORIES_PER_SESSION = 1 };

/* linger_sec: one of these, or a positive number of seconds (at most CARREL_LINGER_MAX). */
#define CARREL_LINGER_NO 0
#define CARREL_LINGER_FOREVER (-1)
#define CARREL_LINGER_UNTIL_EMPTY (-2)
#define CARREL_LINGER_MAX (365 * 24 * 3600)

#define CARREL_CPUSET_MAX 63 /* longest cpuset_cpus / cpuset_mems value */
#define CARREL_LIST_MAX 16   /* items of a list limit (io_max, hugetlb_max, devices_*) */
#define CARREL_ITEM_MAX 79   /* longest item of a list limit */

struct carrel_limits {
	uint64_t memory_max;      /* bytes, or CARREL_UNLIMITED ("max") */
	uint64_t memory_swap_max; /* bytes, or CARREL_UNLIMITED */
	uint64_t pids_max;        /* count, or CARREL_UNLIMITED */
	uint64_t cpu_max;         /* percent of one CPU (100 = one CPU), or CARREL_UNLIMITED */
	uint32_t cpu_weight;      /* 1..10000, cgroup v2 scale (100 = default) */
	uint32_t io_weight;       /* 1..10000, cgroup v2 scale (100 = default) */
	/* The seed's other controllers (carrel.conf(5) says what each
	 * backend does with them).  Lists are their items as written, in
	 * order, "" after the last; paths are resolved to major:minor by
	 * cgroup/ where they are used (cgroup/cgdev.c). */
	uint64_t memory_high; /* bytes, or CARREL_UNLIMITED */
	char cpuset_cpus[CARREL_CPUSET_MAX + 1]; /* "0-7,9"; "" = every CPU */
	char cpuset_mems[CARREL_CPUSET_MAX + 1]; /* memory nodes, the same form */
	char io_max[CARREL_LIST_MAX][CARREL_ITEM_MAX + 1];     /* "/dev/X rbps=50M ..." */
	char hugetlb_max[CARREL_LIST_MAX][CARREL_ITEM_MAX + 1]; /* "2M 0" */
	char devices_deny[CARREL_LIST_MAX][CARREL_ITEM_MAX + 1];  /* "/dev/nvidia* rwm" */
	/* From every section that applies, added up (the one key that is not
	 * replaced by a later section). */
	char devices_allow[CARREL_LIST_MAX][CARREL_ITEM_MAX + 1];
};

/*
 * Egress policy and bandwidth (net/egress.c, net/shape.c).  One allow_out or
 * deny_out entry, as lib/parse.c reads it: "CIDR", "CIDR:PORT", "PROTO:PORT",
 * "HOST:PORT" or "[IPv6/len]:PORT".  A host name is resolved when the
 * session opens; the rule keeps where it is in TEXT.
 */
#define CARREL_NET_RULES_MAX 16 /* entries in one list */
#define CARREL_NET_RULE_TEXT 96 /* longest entry as written, with its NUL */
struct carrel_net_rule {
	char text[CARREL_NET_RULE_TEXT]; /* as written */
	uint8_t family;   /* AF_INET or AF_INET6 (ADDR/PREFIX); 0: any address (PROTO:PORT, a host) */
	uint8_t prefix;   /* prefix length of ADDR */
	uint8_t proto;    /* IPPROTO_TCP or IPPROTO_UDP; 0: both */
	uint8_t host_len; /* > 0: TEXT[0, host_len) is a host name to resolve */
	uint16_t port;    /* destination port; 0: any */
	uint8_t addr[16]; /* network order, bits past PREFIX cleared */
};
struct carrel_net_rules {
	uint32_t n;
	struct carrel_net_rule rule[CARREL_NET_RULES_MAX];
};
struct carrel_net_policy {
	struct carrel_net_rules allow_out; /* empty: every destination deny_out leaves */
	struct carrel_net_rules deny_out;  /* refused even where allow_out lists it */
	uint64_t rate_max;                 /* bit/s per user and direction, or CARREL_UNLIMITED */
};

#define CARREL_HOSTNAME_MAX 64
#define CARREL_SECCOMP_MAX 255 /* longest `seccomp` value (a profile path) */
#define CARREL_NET_BRIDGE_MAX 15 /* IFNAMSIZ - 1 */
#define CARREL_NET_POOL4_MAX 18  /* "255.255.255.255/32" */
#define CARREL_NET_POOL6_MAX 43  /* "ffff:...:ffff/128" */

/* The effective policy for one user. */
struct carrel_policy {
	bool exempt;                          /* user or one of its groups is exempt */
	unsigned namespaces;                  /* CARREL_NS_* bits */
	char hostname[CARREL_HOSTNAME_MAX + 1]; /* template: %u %n %h %% */
	enum carrel_on_error on_error;
	bool no_new_privs;
	char seccomp[CARREL_SECCOMP_MAX + 1]; /* "default", "off" or an absolute path */
	uint64_t capabilities;                /* bounding set kept: bit N = capability N */
	enum carrel_tmp tmp;
	uint64_t tmp_size;                    /* bytes */
	enum carrel_cgroup_parent cgroup_parent;
	enum carrel_scope scope;
	int64_t linger_sec;                   /* CARREL_LINGER_* or seconds (scope = user only) */
	struct carrel_limits limits;
	enum carrel_network network;          /* with `net` in namespaces iff not host */
	char net_bridge[CARREL_NET_BRIDGE_MAX + 1]; /* top level only */
	char net_pool4[CARREL_NET_POOL4_MAX + 1];   /* IPv4 CIDR, top level only */
	char net_pool6[CARREL_NET_POOL6_MAX + 1];   /* ULA /48../64, top level only */
	struct carrel_net_policy net;         /* allow_out, deny_out, net_rate_max */
	enum carrel_selinux_categories selinux_categories; /* top level only */
};

#endif
