/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The schema: every key of the config in one table (conf_keys), which
 * drives the libconfuse option tables, value checking, merging, printing
 * and provenance; and the built-in policy.
 */
#include "conf_internal.h"
#include "ctrl.h"

#include <linux/capability.h>
#include <stddef.h>
#include <string.h>

#define FIELD(f) \
	.offset = offsetof(struct carrel_policy, f), .size = sizeof(((struct carrel_policy *)0)->f)

const char *const conf_namespace_words[N_NAMESPACES + 1] = { "mnt", "pid",	"ipc",	"uts",
					       "net", "cgroup", "user", NULL };
static const char *const on_error_words[] = { "deny", "allow", NULL };
static const char *const tmp_words[] = { "private", "shared", NULL };
static const char *const cgroup_parent_words[] = { "/", "self", "systemd", "auto", NULL };
static const char *const scope_words[] = { "session", "user", NULL };
static const char *const network_words[] = { "none", "host", "nat", NULL };
static const char *const selinux_categories_words[] = { "none", "per-session", NULL };

/* Capability names, indexed by number as in linux/capability.h. */
const char *const conf_capability_names[] = {
	[CAP_CHOWN] = "cap_chown",
	[CAP_DAC_OVERRIDE] = "cap_dac_override",
	[CAP_DAC_READ_SEARCH] = "cap_dac_read_search",
	[CAP_FOWNER] = "cap_fowner",
	[CAP_FSETID] = "cap_fsetid",
	[CAP_KILL] = "cap_kill",
	[CAP_SETGID] = "cap_setgid",
	[CAP_SETUID] = "cap_setuid",
	[CAP_SETPCAP] = "cap_setpcap",
	[CAP_LINUX_IMMUTABLE] = "cap_linux_immutable",
	[CAP_NET_BIND_SERVICE] = "cap_net_bind_service",
	[CAP_NET_BROADCAST] = "cap_net_broadcast",
	[CAP_NET_ADMIN] = "cap_net_admin",
	[CAP_NET_RAW] = "cap_net_raw",
	[CAP_IPC_LOCK] = "cap_ipc_lock",
	[CAP_IPC_OWNER] = "cap_ipc_owner",
	[CAP_SYS_MODULE] = "cap_sys_module",
	[CAP_SYS_RAWIO] = "cap_sys_rawio",
	[CAP_SYS_CHROOT] = "cap_sys_chroot",
	[CAP_SYS_PTRACE] = "cap_sys_ptrace",
	[CAP_SYS_PACCT] = "cap_sys_pacct",
	[CAP_SYS_ADMIN] = "cap_sys_admin",
	[CAP_SYS_BOOT] = "cap_sys_boot",
	[CAP_SYS_NICE] = "cap_sys_nice",
	[CAP_SYS_RESOURCE] = "cap_sys_resource",
	[CAP_SYS_TIME] = "cap_sys_time",
	[CAP_SYS_TTY_CONFIG] = "cap_sys_tty_config",
	[CAP_MKNOD] = "cap_mknod",
	[CAP_LEASE] = "cap_lease",
	[CAP_AUDIT_WRITE] = "cap_audit_write",
	[CAP_AUDIT_CONTROL] = "cap_audit_control",
	[CAP_SETFCAP] = "cap_setfcap",
	[CAP_MAC_OVERRIDE] = "cap_mac_override",
	[CAP_MAC_ADMIN] = "cap_mac_admin",
	[CAP_SYSLOG] = "cap_syslog",
	[CAP_WAKE_ALARM] = "cap_wake_alarm",
	[CAP_BLOCK_SUSPEND] = "cap_block_suspend",
	[CAP_AUDIT_READ] = "cap_audit_read",
#ifdef CAP_PERFMON
	[CAP_PERFMON] = "cap_perfmon",
#endif
#ifdef CAP_BPF
	[CAP_BPF] = "cap_bpf",
#endif
#ifdef CAP_CHECKPOINT_RESTORE
	[CAP_CHECKPOINT_RESTORE] = "cap_checkpoint_restore",
#endif
};

const size_t conf_n_capability_names = ARRAY_SIZE(conf_capability_names);

_Static_assert(ARRAY_SIZE(conf_capability_names) <= 64, "capabilities are a 64-bit mask");

/* linger durations: the suffixes and what they are worth in seconds. */
const struct linger_unit conf_linger_units[N_LINGER_UNITS] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };

/* A tmpfs needs a size: no max. */
static const struct carrel_num tmp_size_num = {
	.kind = CARREL_NUM_SIZE, .why_no_max = "a tmpfs needs a size", .min = 1, .max = UINT64_MAX
};

/* Bits per second, decimal suffixes (10M = 10,000,000): at least 8 kbit/s. */
static const struct carrel_num net_rate_num = {
	.kind = CARREL_NUM_RATE, .max_ok = true, .min = 8000, .max = UINT64_MAX
};

/* The limits' forms and ranges are lib/parse.c's: carrelctl limits uses the same. */
#define LIMIT_KEY(i, f)                                                                      \
	{ .name = #f, .kind = K_NUMBER, .in_limits = true, .num = &carrel_limit_keys[i].num, \
	  FIELD(limits.f) }

/* The items of the list limits: lib/ctrl.c's parsers, which the backends use too. */
static int io_item(const char *label, const char *s, char *why, size_t size)
{
	struct carrel_io_item it;

	return carrel_parse_io_item(label, s, &it, why, size);
}

static int hugetlb_item(const char *label, const char *s, char *why, size_t size)
{
	struct carrel_hugetlb_item it;

	return carrel_parse_hugetlb_item(label, s, &it, why, size);
}

static int dev_item(const char *label, const char *s, char *why, size_t size)
{
	struct carrel_dev_item it;

	return carrel_parse_dev_item(label, s, &it, why, size);
}

#define CPUSET_KEY(f) { .name = #f, .kind = K_CPUSET, .in_limits = true, FIELD(limits.f) }
#define ITEMS_KEY(f, check, add)                                                          \
	{ .name = #f, .kind = K_ITEMS, .in_limits = true, .item = check, .adds_up = add, \
	  FIELD(limits.f) }

/* The order here is the order carrel_policy_print() uses. */
const struct key conf_keys[N_KEYS] = {
	{ .name = "namespaces", .kind = K_NAMESPACES, FIELD(namespaces) },
	{ .name = "hostname", .kind = K_HOSTNAME, FIELD(hostname) },
	{ .name = "on_error", .kind = K_WORD, .words = on_error_words, FIELD(on_error) },
	{ .name = "no_new_privs", .kind = K_BOOL, FIELD(no_new_privs) },
	{ .name = "seccomp", .kind = K_SECCOMP, FIELD(seccomp) },
	{ .name = "capabilities", .kind = K_CAPABILITIES, FIELD(capabilities) },
	{ .name = "tmp", .kind = K_WORD, .words = tmp_words, FIELD(tmp) },
	{ .name = "tmp_size", .kind = K_NUMBER, .num = &tmp_size_num, FIELD(tmp_size) },
	{ .name = "cgroup_parent",
	  .kind = K_WORD,
	  .words = cgroup_parent_words,
	  FIELD(cgroup_parent) },
	{ .name = "scope", .kind = K_WORD, .words = scope_words, FIELD(scope) },
	{ .name = "linger", .kind = K_LINGER, FIELD(linger_sec) },
	LIMIT_KEY(0, memory_max),
	LIMIT_KEY(1, memory_swap_max),
	LIMIT_KEY(2, pids_max),
	LIMIT_KEY(3, cpu_max),
	LIMIT_KEY(4, cpu_weight),
	LIMIT_KEY(5, io_weight),
	LIMIT_KEY(6, memory_high),
	CPUSET_KEY(cpuset_cpus),
	CPUSET_KEY(cpuset_mems),
	ITEMS_KEY(io_max, io_item, false),
	ITEMS_KEY(hugetlb_max, hugetlb_item, false),
	ITEMS_KEY(devices_deny, dev_item, false),
	ITEMS_KEY(devices_allow, dev_item, true),
	{ .name = "network", .kind = K_WORD, .words = network_words, FIELD(network) },
	{ .name = "net_bridge", .kind = K_IFNAME, .top_only = true, FIELD(net_bridge) },
	{ .name = "net_pool4", .kind = K_CIDR4, .top_only = true, FIELD(net_pool4) },
	{ .name = "net_pool6", .kind = K_CIDR6, .top_only = true, FIELD(net_pool6) },
	{ .name = "allow_out", .kind = K_NETRULES, FIELD(net.allow_out) },
	{ .name = "deny_out", .kind = K_NETRULES, FIELD(net.deny_out) },
	{ .name = "net_rate_max", .kind = K_NUMBER, .num = &net_rate_num, FIELD(net.rate_max) },
	{ .name = "selinux_categories",
	  .kind = K_WORD,
	  .words = selinux_categories_words,
	  .top_only = true,
	  FIELD(selinux_categories) },
};

_Static_assert(N_KEYS <= sizeof(key_mask) * 8, "struct layer's set mask has a bit per key");
_Static_assert(sizeof(bool) == 1 && sizeof(unsigned) == 4, "conf_field_load/conf_field_store sizes");
_Static_assert(sizeof(enum carrel_on_error) == 4 && sizeof(enum carrel_tmp) == 4 &&
		       sizeof(enum carrel_cgroup_parent) == 4 && sizeof(enum carrel_scope) == 4 &&
		       sizeof(enum carrel_network) == 4,
	       "enums are stored as 32-bit values");
_Static_assert(sizeof(enum carrel_selinux_categories) == 4, "enums are stored as 32-bit values");
_Static_assert(sizeof(int64_t) == 8 && sizeof(uint64_t) == 8, "conf_field_load/conf_field_store sizes");
_Static_assert(CARREL_NS_USER == 1u << 6 && CARREL_NS_CGROUP == 1u << 5,
	       "conf_namespace_words order is the bit order");

const struct carrel_policy conf_builtin_policy = {
	.exempt = false,
	.namespaces = CARREL_NS_MNT | CARREL_NS_PID | CARREL_NS_IPC | CARREL_NS_UTS | CARREL_NS_NET |
		      CARREL_NS_CGROUP | CARREL_NS_USER,
	.hostname = "%u-%n",
	.on_error = CARREL_ON_ERROR_DENY,
	.no_new_privs = true,
	.seccomp = "default",
	.capabilities = 0,
	.tmp = CARREL_TMP_PRIVATE,
	.tmp_size = 512ull << 20,
	.cgroup_parent = CARREL_CGROUP_PARENT_AUTO,
	.scope = CARREL_SCOPE_SESSION,
	.linger_sec = CARREL_LINGER_NO,
	.limits = {
		.memory_max = 2ull << 30,
		.memory_swap_max = 0,
		.pids_max = 1024,
		.cpu_max = 100,
		.cpu_weight = 100,
		.io_weight = 100,
		.memory_high = CARREL_UNLIMITED,
	},
	/* none: nothing host-wide changes until an admin opts in to nat. */
	.network = CARREL_NETWORK_NONE,
	.net_bridge = "carrel0",
	.net_pool4 = "10.213.0.0/16",
	.net_pool6 = "fd0c:a77e:1::/64",
	.net = { .rate_max = CARREL_UNLIMITED },
	.selinux_categories = CARREL_SELINUX_CATEGORIES_NONE,
};

const char *const conf_builtin_exempt_users[1] = { "root" };

const struct key *conf_key_by_name(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

uint64_t conf_field_load(const struct carrel_policy *p, const struct key *k)
{
	const char *field = (const char *)p + k->offset;
	uint8_t v8;
	uint32_t v32;
	uint64_t v64;

	switch (k->size) {
	case sizeof(v8):
		memcpy(&v8, field, sizeof(v8));
		return v8;
	case sizeof(v32):
		memcpy(&v32, field, sizeof(v32));
		return v32;
	case sizeof(v64):
		memcpy(&v64, field, sizeof(v64));
		return v64;
	}
	return 0;
}

void conf_field_store(struct carrel_policy *p, const struct key *k, uint64_t v)
{
	char *field = (char *)p + k->offset;
	uint8_t v8 = (uint8_t)v;
	uint32_t v32 = (uint32_t)v;

	switch (k->size) {
	case sizeof(v8):
		memcpy(field, &v8, sizeof(v8));
		break;
	case sizeof(v32):
		memcpy(field, &v32, sizeof(v32));
		break;
	case sizeof(v):
		memcpy(field, &v, sizeof(v));
		break;
	}
}

size_t conf_key_index(const char *name)
{
	return (size_t)(conf_key_by_name(name) - conf_keys);
}
