/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * carrel configuration: loading, validation and policy resolution.
 *
 * A load, file by file (the main file, then carrel.d/ *.conf in name order):
 *   1. open with O_NOFOLLOW and check the open fd: a regular file, owned by
 *      root, not writable by group or others; read it (at most 1 MiB);
 *   2. scrub it (scrub_config): blank out comments, refuse ${VAR} and +=;
 *   3. parse it with libconfuse.  Every value is converted and checked by a
 *      parse callback (on_value) while the parser still knows the line;
 *   4. turn the parse tree into layers -- the top level, each group section,
 *      each user section -- appended to the config in file order.
 * Resolving starts from the built-in defaults and applies every top layer,
 * then every group layer the user is in, then every layer for the user.  A
 * layer carries only the keys that were actually set in it.
 *
 * All keys live in one table (keys[]): the libconfuse option tables, value
 * checking, merging and printing are all driven by it.
 *
 * libconfuse keeps its lexer state in globals, so parses are serialized by a
 * mutex; its error callback has no user pointer, so the error sink of the
 * parse in progress is a thread-local pointer.  Nothing here logs.
 */
#include "carrel_conf.h"

#include <confuse.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_SIZE (1024 * 1024)
#define DROPIN_DIR "carrel.d"
#define DROPIN_SUFFIX ".conf"
/* Hidden subsection of user/group sections; see section_line(). */
#define START_MARK "(start)"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- small utilities ---------------------------------------------------- */

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(const int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

#define cleanup_free __attribute__((cleanup(freep)))
#define cleanup_close __attribute__((cleanup(closep)))

static inline void *steal_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}

static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

static void set_error(struct carrel_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct carrel_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static void *box_u64(uint64_t v)
{
	uint64_t *p = malloc(sizeof(*p));

	if (p)
		*p = v;
	return p;
}

static int word_index(const char *const *words, const char *s, uint64_t *out)
{
	for (size_t i = 0; words[i]; i++) {
		if (strcmp(words[i], s) == 0) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- the keys ------------------------------------------------------------ */

enum kind {
	K_NAMESPACES,	/* list of namespace names; stored as CARREL_NS_* bits */
	K_CAPABILITIES, /* list of capability names; stored as 1 << CAP_* bits */
	K_HOSTNAME,	/* hostname template (a string field) */
	K_SECCOMP,	/* default, off or an absolute path (a string field) */
	K_WORD,		/* one of key->words; stored as its index (the enum value) */
	K_BOOL,
	K_SIZE,	   /* bytes, optional K/M/G/T suffix */
	K_COUNT,   /* plain whole number */
	K_PERCENT, /* whole number followed by % */
	K_LINGER, /* no, forever, until-empty or a duration; stored as CARREL_LINGER_* or seconds */
};

/* Kinds whose values are lists; their items are OR-ed together. */
static bool kind_is_list(enum kind kind)
{
	return kind == K_NAMESPACES || kind == K_CAPABILITIES;
}

/* Kinds stored as a NUL-terminated string in a char array field. */
static bool kind_is_string(enum kind kind)
{
	return kind == K_HOSTNAME || kind == K_SECCOMP;
}

struct key {
	const char *name;
	enum kind kind;
	bool in_limits;		  /* lives in the limits { } section */
	bool max_ok;		  /* "max" is accepted and means CARREL_UNLIMITED */
	const char *why_no_max;	  /* for numbers without max: the reason */
	uint64_t min, max;	  /* numbers: accepted range */
	const char *const *words; /* K_WORD: the accepted words */
	size_t offset, size;	  /* the field in struct carrel_policy */
};

#define FIELD(f) \
	.offset = offsetof(struct carrel_policy, f), .size = sizeof(((struct carrel_policy *)0)->f)

static const char *const namespace_words[] = { "mnt", "pid",	"ipc",	"uts",
					       "net", "cgroup", "user", NULL };
static const char *const on_error_words[] = { "deny", "allow", NULL };
static const char *const tmp_words[] = { "private", "shared", NULL };
static const char *const cgroup_parent_words[] = { "/", "self", "systemd", "auto", NULL };
static const char *const scope_words[] = { "session", "user", NULL };

/* Capability names, indexed by number as in linux/capability.h. */
static const char *const capability_names[] = {
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

_Static_assert(ARRAY_SIZE(capability_names) <= 64, "capabilities are a 64-bit mask");

/* linger durations: the suffixes and what they are worth in seconds. */
static const struct {
	char suffix;
	int64_t sec;
} linger_units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };

/* The order here is the order carrel_policy_print() uses. */
static const struct key keys[] = {
	{ .name = "namespaces", .kind = K_NAMESPACES, FIELD(namespaces) },
	{ .name = "hostname", .kind = K_HOSTNAME, FIELD(hostname) },
	{ .name = "on_error", .kind = K_WORD, .words = on_error_words, FIELD(on_error) },
	{ .name = "no_new_privs", .kind = K_BOOL, FIELD(no_new_privs) },
	{ .name = "seccomp", .kind = K_SECCOMP, FIELD(seccomp) },
	{ .name = "capabilities", .kind = K_CAPABILITIES, FIELD(capabilities) },
	{ .name = "tmp", .kind = K_WORD, .words = tmp_words, FIELD(tmp) },
	{ .name = "tmp_size",
	  .kind = K_SIZE,
	  .min = 1,
	  .max = UINT64_MAX,
	  .why_no_max = "a tmpfs needs a size",
	  FIELD(tmp_size) },
	{ .name = "cgroup_parent",
	  .kind = K_WORD,
	  .words = cgroup_parent_words,
	  FIELD(cgroup_parent) },
	{ .name = "scope", .kind = K_WORD, .words = scope_words, FIELD(scope) },
	{ .name = "linger", .kind = K_LINGER, FIELD(linger_sec) },
	{ .name = "memory_max",
	  .kind = K_SIZE,
	  .in_limits = true,
	  .max_ok = true,
	  .min = 1,
	  .max = UINT64_MAX,
	  FIELD(limits.memory_max) },
	{ .name = "memory_swap_max",
	  .kind = K_SIZE,
	  .in_limits = true,
	  .max_ok = true,
	  .min = 0,
	  .max = UINT64_MAX,
	  FIELD(limits.memory_swap_max) },
	{ .name = "pids_max",
	  .kind = K_COUNT,
	  .in_limits = true,
	  .max_ok = true,
	  .min = 1,
	  .max = UINT64_MAX,
	  FIELD(limits.pids_max) },
	/* As a cpu.max quota with a 100 ms period this is pct * 1000 µs; the
	 * upper bound (10000 CPUs) keeps any such arithmetic far from overflow. */
	{ .name = "cpu_max",
	  .kind = K_PERCENT,
	  .in_limits = true,
	  .max_ok = true,
	  .min = 1,
	  .max = 1000000,
	  FIELD(limits.cpu_max) },
	{ .name = "cpu_weight",
	  .kind = K_COUNT,
	  .in_limits = true,
	  .min = 1,
	  .max = 10000,
	  FIELD(limits.cpu_weight) },
	{ .name = "io_weight",
	  .kind = K_COUNT,
	  .in_limits = true,
	  .min = 1,
	  .max = 10000,
	  FIELD(limits.io_weight) },
};

#define N_KEYS ARRAY_SIZE(keys)

_Static_assert(N_KEYS <= 32, "struct layer's set mask is 32 bits");
_Static_assert(sizeof(bool) == 1 && sizeof(unsigned) == 4, "field_load/field_store sizes");
_Static_assert(sizeof(enum carrel_on_error) == 4 && sizeof(enum carrel_tmp) == 4 &&
		       sizeof(enum carrel_cgroup_parent) == 4 && sizeof(enum carrel_scope) == 4,
	       "enums are stored as 32-bit values");
_Static_assert(sizeof(int64_t) == 8 && sizeof(uint64_t) == 8, "field_load/field_store sizes");
_Static_assert(CARREL_NS_USER == 1u << 6 && CARREL_NS_CGROUP == 1u << 5,
	       "namespace_words order is the bit order");

static const struct carrel_policy builtin_policy = {
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
	},
};

static const char *const builtin_exempt_users[] = { "root" };

static const struct key *key_by_name(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static uint64_t field_load(const struct carrel_policy *p, const struct key *k)
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

static void field_store(struct carrel_policy *p, const struct key *k, uint64_t v)
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

/* ---- checking values ------------------------------------------------------ */

/* "limits.memory_max" or "tmp": how the key is named in messages. */
static const char *key_label(const struct key *k, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", k->in_limits ? "limits." : "", k->name);
	return buf;
}

/* "a, b or c" */
static void join_words(const char *const *words, char *buf, size_t size)
{
	size_t n = 0, len = 0;

	while (words[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(buf + len, size - len, "%s%s", sep, words[i]);
		len += w > 0 ? (size_t)w : 0;
	}
}

/*
 * VALUE as it may appear in a message: at most 64 bytes of it, and every
 * byte that is not printable ASCII as \xNN, so that a value cannot put a
 * new line (or worse) into a log.
 */
static const char *show(const char *value, char *buf, size_t size)
{
	size_t len = 0, i;

	buf[0] = '\0';
	for (i = 0; value[i] && i < 64 && len + 5 < size; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c >= 0x20 && c < 0x7f)
			buf[len++] = (char)c;
		else
			len += (size_t)snprintf(buf + len, size - len, "\\x%02x", c);
		buf[len] = '\0';
	}
	if (value[i] && len + 4 < size)
		snprintf(buf + len, size - len, "...");
	return buf;
}

/* Sets WHY to "KEY: invalid WHAT "VALUE" (HINT)". */
static void describe_invalid(const struct key *k, const char *s, char *why, size_t size)
{
	static const char *const bool_words[] = { "true", "false", NULL };
	const char *what = "value";
	char label[64], hint[160], words[96] = "", shown[300];

	switch (k->kind) {
	case K_NAMESPACES:
		what = "namespace";
		join_words(namespace_words, words, sizeof(words));
		snprintf(hint, sizeof(hint), "use %s", words);
		break;
	case K_WORD:
	case K_BOOL:
		join_words(k->kind == K_BOOL ? bool_words : k->words, words, sizeof(words));
		snprintf(hint, sizeof(hint), "use %s", words);
		what = k->kind == K_BOOL ? "boolean" : "value";
		break;
	case K_SIZE:
		what = "size";
		snprintf(hint, sizeof(hint), "use a number with an optional K, M, G or T suffix%s",
			 k->max_ok ? ", or max" : "");
		break;
	case K_COUNT:
		what = "number";
		snprintf(hint, sizeof(hint), "use a whole number%s", k->max_ok ? ", or max" : "");
		break;
	case K_PERCENT:
		what = "percentage";
		snprintf(hint, sizeof(hint), "use a whole number followed by %%, like 100%%%s",
			 k->max_ok ? ", or max" : "");
		break;
	case K_CAPABILITIES:
		what = "capability";
		snprintf(hint, sizeof(hint),
			 "use names from capabilities(7), such as CAP_NET_BIND_SERVICE or chown");
		break;
	case K_LINGER:
		snprintf(
			hint, sizeof(hint),
			"use no, forever, until-empty or a whole number followed by s, m, h or d, like 30m");
		break;
	case K_HOSTNAME:
	case K_SECCOMP:
		snprintf(hint, sizeof(hint), "see carrel.conf(5)");
		break;
	}
	snprintf(why, size, "%s: invalid %s \"%s\" (%s)", key_label(k, label, sizeof(label)), what,
		 show(s, shown, sizeof(shown)), hint);
}

/* Digits only: no sign, no spaces, no exponent.  -ERANGE past UINT64_MAX. */
static int parse_digits(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*end = p;
	*out = v;
	return 0;
}

/* A number of kind K_SIZE (suffix K, M, G, T: powers of 1024), K_COUNT or K_PERCENT. */
static int parse_number(enum kind kind, const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	const char *end, *unit;
	int r = parse_digits(s, &end, out);

	if (r < 0)
		return r;
	if (kind == K_PERCENT)
		return end[0] == '%' && end[1] == '\0' ? 0 : -EINVAL;
	if (*end == '\0')
		return 0;
	if (kind != K_SIZE || end[1] != '\0' || !(unit = strchr(units, *end)))
		return -EINVAL;

	unsigned shift = 10 * (unsigned)(unit - units + 1);

	if (*out > UINT64_MAX >> shift)
		return -ERANGE;
	*out <<= shift;
	return 0;
}

static int check_number(const struct key *k, const char *s, uint64_t *out, char *why, size_t size)
{
	char label[64];
	const char *pct = k->kind == K_PERCENT ? "%" : "";
	int r;

	key_label(k, label, sizeof(label));
	if (strcmp(s, "max") == 0 && (k->max_ok || k->why_no_max)) {
		if (k->max_ok) {
			*out = CARREL_UNLIMITED;
			return 0;
		}
		snprintf(why, size, "%s: max is not allowed here (%s)", label, k->why_no_max);
		return -EINVAL;
	}
	r = parse_number(k->kind, s, out);
	if (r == -ERANGE)
		snprintf(why, size, "%s: \"%.64s\" is too large", label, s);
	else if (r < 0)
		describe_invalid(k, s, why, size);
	else if (*out < k->min || *out > k->max) {
		if (k->max == UINT64_MAX)
			snprintf(why, size,
				 "%s: %s is out of range (must be at least %" PRIu64 "%s)", label,
				 s, k->min, pct);
		else
			snprintf(why, size,
				 "%s: %s is out of range (%" PRIu64 "%s to %" PRIu64 "%s)", label,
				 s, k->min, pct, k->max, pct);
		r = -ERANGE;
	}
	return r;
}

/*
 * A hostname template: letters, digits, '-', '.', '_' and the escapes %u
 * (user), %n (session number), %h (host's hostname) and %%.  The template
 * itself is at most CARREL_HOSTNAME_MAX characters; the helper truncates
 * the expansion.
 */
static int check_hostname(const char *s, char *why, size_t size)
{
	size_t len = strlen(s);
	char shown[300];

	if (len == 0 || len > CARREL_HOSTNAME_MAX) {
		snprintf(why, size, "hostname: \"%s\" is %s (1 to %d characters)",
			 show(s, shown, sizeof(shown)), len ? "too long" : "empty",
			 CARREL_HOSTNAME_MAX);
		return -EINVAL;
	}
	show(s, shown, sizeof(shown));
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '%') {
			if (p[1] && strchr("unh%", p[1])) {
				p++;
				continue;
			}
			snprintf(
				why, size,
				"hostname: \"%s\": unknown escape \"%%%.1s\" (use %%u, %%n, %%h or %%%%)",
				shown, p[1] >= 0x20 && p[1] < 0x7f ? p + 1 : "");
			return -EINVAL;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._", c))
			continue;
		snprintf(
			why, size,
			"hostname: \"%s\": character 0x%02x is not allowed (use letters, digits, '-', '.', '_')",
			shown, c);
		return -EINVAL;
	}
	return 0;
}

/*
 * seccomp: default, off, or the absolute path of a profile file.  The path
 * is checked for form only (the helper reads the file at login): at most
 * CARREL_SECCOMP_MAX characters of letters, digits and / . _ - + @ :, no
 * "." or ".." component (nor an empty last one: it names a file).  The
 * character set keeps the value printable in double quotes as it is.
 */
static int check_seccomp(const char *s, char *why, size_t size)
{
	static const char hint[] = "use default, off or the absolute path of a profile file";
	size_t len = strlen(s);
	char shown[300];

	show(s, shown, sizeof(shown));
	if (strcmp(s, "default") == 0 || strcmp(s, "off") == 0)
		return 0;
	if (len == 0) {
		snprintf(why, size, "seccomp: \"\" is empty (%s)", hint);
		return -EINVAL;
	}
	if (s[0] != '/') {
		snprintf(why, size, "seccomp: \"%s\" is not an absolute path (%s)", shown, hint);
		return -EINVAL;
	}
	if (len > CARREL_SECCOMP_MAX) {
		snprintf(why, size, "seccomp: \"%s\" is too long (at most %d characters)", shown,
			 CARREL_SECCOMP_MAX);
		return -EINVAL;
	}
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/._-+@:", c))
			continue;
		snprintf(
			why, size,
			"seccomp: \"%s\": character 0x%02x is not allowed (use letters, digits, '/', '.', '_', '-', '+', '@', ':')",
			shown, c);
		return -EINVAL;
	}
	for (const char *p = s; *p; p += strcspn(p, "/")) {
		size_t n;

		p++; /* past the '/' */
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(why, size, "seccomp: \"%s\": \"%.*s\" is not allowed in the path",
				 shown, (int)n, p);
			return -EINVAL;
		}
		if (n == 0 && p[0] == '\0') {
			snprintf(why, size, "seccomp: \"%s\" ends in '/': it must name a file",
				 shown);
			return -EINVAL;
		}
	}
	return 0;
}

/* A capability name, any case, with or without the cap_ prefix, to its number. */
static int capability_number(const char *s, uint64_t *out)
{
	if (strncasecmp(s, "cap_", 4) == 0)
		s += 4;
	for (size_t i = 0; i < ARRAY_SIZE(capability_names); i++) {
		if (capability_names[i] && strcasecmp(capability_names[i] + 4, s) == 0) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* linger: no | forever | until-empty | whole number with s, m, h or d suffix. */
static int check_linger(const struct key *k, const char *s, uint64_t *out, char *why, size_t size)
{
	const char *end = s;
	uint64_t n = 0;
	size_t u;
	int r;

	if (strcmp(s, "no") == 0 || strcmp(s, "forever") == 0 || strcmp(s, "until-empty") == 0) {
		int64_t v = s[0] == 'n' ? CARREL_LINGER_NO :
			    s[0] == 'f' ? CARREL_LINGER_FOREVER :
					  CARREL_LINGER_UNTIL_EMPTY;
		*out = (uint64_t)v;
		return 0;
	}
	r = parse_digits(s, &end, &n);
	for (u = 0; r == 0 && u < ARRAY_SIZE(linger_units); u++)
		if (end[0] == linger_units[u].suffix && end[1] == '\0')
			break;
	if (r == -EINVAL || (r == 0 && u == ARRAY_SIZE(linger_units))) {
		describe_invalid(k, s, why, size);
		return -EINVAL;
	}
	if (r < 0 || n == 0 || n > (uint64_t)(CARREL_LINGER_MAX / linger_units[u].sec)) {
		char shown[300];

		snprintf(why, size, "linger: %s is out of range (1s to %dd)",
			 show(s, shown, sizeof(shown)), CARREL_LINGER_MAX / 86400);
		return -ERANGE;
	}
	*out = n * (uint64_t)linger_units[u].sec;
	return 0;
}

/* Check S as a value of K; numbers, words, booleans and namespaces go to *OUT. */
static int check_value(const struct key *k, const char *s, uint64_t *out, char *why, size_t size)
{
	int r = 0;

	switch (k->kind) {
	case K_HOSTNAME:
		return check_hostname(s, why, size);
	case K_SECCOMP:
		return check_seccomp(s, why, size);
	case K_LINGER:
		return check_linger(k, s, out, why, size);
	case K_SIZE:
	case K_COUNT:
	case K_PERCENT:
		return check_number(k, s, out, why, size);
	case K_NAMESPACES:
		r = word_index(namespace_words, s, out);
		if (r == 0)
			*out = UINT64_C(1) << *out;
		break;
	case K_CAPABILITIES:
		r = capability_number(s, out);
		if (r == 0)
			*out = UINT64_C(1) << *out;
		break;
	case K_WORD:
		r = word_index(k->words, s, out);
		break;
	case K_BOOL:
		r = cfg_parse_boolean(s);
		if (r >= 0)
			*out = (uint64_t)r;
		break;
	}
	if (r < 0) {
		describe_invalid(k, s, why, size);
		return -EINVAL;
	}
	return 0;
}

/* ---- user and group database ---------------------------------------------- */

/* getpwnam_r and friends report "not found" in several ways. */
static int nss_result(int r, const void *found)
{
	if (r == 0)
		return found ? 0 : -ENOENT;
	if (r == ENOENT || r == ESRCH || r == EBADF || r == EPERM)
		return -ENOENT;
	return -r;
}

/* On success *BUF holds the strings PW points into; the caller frees it. */
static int lookup_user(const char *name, struct passwd *pw, char **buf)
{
	for (size_t size = 1024;; size *= 2) {
		struct passwd *found = NULL;
		char *nb = realloc(*buf, size);
		int r;

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		r = getpwnam_r(name, pw, *buf, size, &found);
		if (r != ERANGE || size >= 1024 * 1024)
			return nss_result(r, found);
	}
}

static int lookup_group(const char *name, gid_t *gid)
{
	cleanup_free char *buf = NULL;

	for (size_t size = 1024;; size *= 2) {
		struct group gr, *found = NULL;
		char *nb = realloc(buf, size);
		int r;

		if (!nb)
			return -ENOMEM;
		buf = nb;
		r = getgrnam_r(name, &gr, buf, size, &found);
		if (r != ERANGE || size >= 1024 * 1024) {
			r = nss_result(r, found);
			if (r == 0)
				*gid = gr.gr_gid;
			return r;
		}
	}
}

/* Primary and supplementary groups of NAME. */
static int user_groups(const char *name, gid_t gid, gid_t **out, size_t *n)
{
	int size = 32;

	for (int tries = 0; tries < 16; tries++) {
		gid_t *g = realloc(*out, (size_t)size * sizeof(*g));
		int want = size;

		if (!g)
			return -ENOMEM;
		*out = g;
		if (getgrouplist(name, gid, g, &want) >= 0) {
			*n = (size_t)want;
			return 0;
		}
		size = want > size ? want : size * 2;
	}
	return -ENOBUFS;
}

/* ---- libconfuse glue -------------------------------------------------------- */

struct parse_ctx {
	const char *path;
	struct carrel_error *err;
	int r;			/* the first error, as -errno */
	int exempt_users_line;	/* line of the first item of the last exempt_users, or 0 */
	int exempt_groups_line; /* the same for exempt_groups */
};

static pthread_mutex_t confuse_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread struct parse_ctx *current_parse;

static void fail_parse(cfg_t *cfg, int r, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Record the first error of the parse in progress as "FILE:LINE: message". */
static void fail_parse(cfg_t *cfg, int r, const char *fmt, va_list ap)
{
	struct parse_ctx *ctx = current_parse;
	char msg[sizeof(ctx->err->msg)];

	if (!ctx || ctx->r < 0)
		return;
	ctx->r = r;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	set_error(ctx->err, "%s:%d: %s", ctx->path, cfg ? cfg->line : 0, msg);
}

static void on_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void on_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	fail_parse(cfg, -EINVAL, fmt, ap);
}

static void parse_error(cfg_t *cfg, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void parse_error(cfg_t *cfg, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_parse(cfg, r, fmt, ap);
	va_end(ap);
}

/* A value of a key in keys[], as on_value() stores it. */
struct parsed {
	uint64_t v; /* numbers, words, booleans; a list item's bit */
	int line;   /* where it was written */
	char s[];   /* string kinds: the string */
};

/* Parse callback of every key in keys[]: the value is checked here, where
 * cfg->line is still its line, and stored converted with that line. */
static int on_value(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const struct key *k = key_by_name(opt->name);
	struct parsed *p;
	char why[768];
	uint64_t v = 0;
	size_t len;

	if (!k || !value) {
		parse_error(cfg, -EINVAL, "%s: internal error: no value or no such key", opt->name);
		return -1;
	}
	if (check_value(k, value, &v, why, sizeof(why)) < 0) {
		parse_error(cfg, -EINVAL, "%s", why);
		return -1;
	}
	len = kind_is_string(k->kind) ? strlen(value) + 1 : 0;
	p = malloc(sizeof(*p) + len);
	if (!p) {
		parse_error(cfg, -ENOMEM, "out of memory");
		return -1;
	}
	p->v = v;
	p->line = cfg->line;
	memcpy(p->s, value, len);
	*(void **)result = p;
	return 0;
}

/* Remember where an exempt list's first item is: opt->nvalues is already 1
 * (the value being parsed) for the first item of an assignment. */
static void note_exempt_line(cfg_t *cfg, cfg_opt_t *opt)
{
	struct parse_ctx *ctx = current_parse;

	if (ctx && opt->nvalues == 1)
		*(strcmp(opt->name, "exempt_users") == 0 ? &ctx->exempt_users_line :
							   &ctx->exempt_groups_line) = cfg->line;
}

/* Report a failed user or group lookup for an exempt_* list item. */
static int lookup_failed(cfg_t *cfg, cfg_opt_t *opt, const char *what, const char *value, int r)
{
	if (r == -ENOENT)
		parse_error(cfg, -EINVAL, "%s: no such %s \"%s\"", opt->name, what, value);
	else if (r == -ENOMEM)
		parse_error(cfg, r, "out of memory");
	else
		parse_error(cfg, r, "%s: cannot look up %s \"%s\": %s", opt->name, what, value,
			    strerror(-r));
	return -1;
}

/* exempt_users items: the user must exist; stored as the name the user
 * database gives back, which is what resolve compares with. */
static int on_exempt_user(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	cleanup_free char *buf = NULL;
	struct passwd pw;
	char *name;
	int r = lookup_user(value, &pw, &buf);

	if (r < 0)
		return lookup_failed(cfg, opt, "user", value, r);
	note_exempt_line(cfg, opt);
	name = strdup(pw.pw_name);
	if (!name)
		return lookup_failed(cfg, opt, "user", value, -ENOMEM);
	*(char **)result = name;
	return 0;
}

/* exempt_groups items: the group must exist; stored as its gid (boxed). */
static int on_exempt_group(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	gid_t gid;
	void *boxed;
	int r = lookup_group(value, &gid);

	if (r < 0)
		return lookup_failed(cfg, opt, "group", value, r);
	note_exempt_line(cfg, opt);
	boxed = box_u64(gid);
	if (!boxed)
		return lookup_failed(cfg, opt, "group", value, -ENOMEM);
	*(void **)result = boxed;
	return 0;
}

/* The start mark is ours; a file that names it gets the usual message. */
static int on_start_mark_used(cfg_t *cfg, cfg_opt_t *opt)
{
	parse_error(cfg, -EINVAL, "no such option '%s'", opt->name);
	return -1;
}

struct opt_tables {
	cfg_opt_t limits[N_KEYS + 1]; /* limit keys, end */
	cfg_opt_t none[1];
	cfg_opt_t section[N_KEYS + 3]; /* other keys, limits, start mark, end */
	cfg_opt_t top[N_KEYS +
		      6]; /* other keys, limits, exempt_users, exempt_groups, user, group, end */
};

/* The libconfuse option tables, derived from keys[]. */
static void build_opts(struct opt_tables *t)
{
	size_t nl = 0, ns = 0, nt = 0;
	cfg_opt_t end = CFG_END();
	cfg_opt_t mark = CFG_SEC(START_MARK, t->none, CFGF_NONE);

	mark.validcb = on_start_mark_used;
	for (size_t i = 0; i < N_KEYS; i++) {
		int flags = CFGF_NODEFAULT | (kind_is_list(keys[i].kind) ? CFGF_LIST : 0);
		cfg_opt_t opt = CFG_PTR_CB(keys[i].name, NULL, flags, on_value, free);

		if (keys[i].in_limits)
			t->limits[nl++] = opt;
		else
			t->section[ns++] = t->top[nt++] = opt;
	}
	t->limits[nl] = end;
	t->none[0] = end;
	t->section[ns++] = t->top[nt++] = (cfg_opt_t)CFG_SEC("limits", t->limits, CFGF_NONE);
	t->section[ns++] = mark;
	t->section[ns] = end;
	t->top[nt++] = (cfg_opt_t)CFG_PTR_LIST_CB("exempt_users", NULL, CFGF_NODEFAULT,
						  on_exempt_user, free);
	t->top[nt++] = (cfg_opt_t)CFG_PTR_LIST_CB("exempt_groups", NULL, CFGF_NODEFAULT,
						  on_exempt_group, free);
	t->top[nt++] = (cfg_opt_t)CFG_SEC("user", t->section,
					  CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES);
	t->top[nt++] = (cfg_opt_t)CFG_SEC("group", t->section,
					  CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES);
	t->top[nt] = end;
}

/*
 * Whether the file set OPT.  Options have no defaults, so a set scalar has
 * a value.  A list set to {} has none, but the parser leaves CFGF_RESET on
 * it (it is set for "=" and cleared when a value is stored), which an unset
 * option never has.
 */
static bool opt_is_set(const cfg_opt_t *opt)
{
	return opt && (opt->nvalues > 0 || (opt->flags & CFGF_RESET));
}

/*
 * The line where a user or group section opens.  libconfuse keeps no start
 * line for a section (cfg->line ends up at its closing brace), but it
 * creates a section's non-multi subsections when the section opens and
 * gives them the current line.  The empty START_MARK subsection keeps it;
 * a file that names START_MARK is refused (on_start_mark_used), so nothing
 * can move it.
 */
static int section_line(cfg_t *sec)
{
	cfg_t *mark = cfg_getsec(sec, START_MARK);

	return mark ? mark->line : sec->line;
}

/* ---- layers ------------------------------------------------------------------ */

enum layer_kind { LAYER_TOP, LAYER_GROUP, LAYER_USER };

struct layer {
	enum layer_kind kind;
	gid_t gid;		/* LAYER_GROUP */
	char *name;		/* LAYER_GROUP: the title; LAYER_USER: the user's name */
	const char *file;	/* the file it is in (owned by the config) */
	int line;		/* where the section opens; 0 for the top level */
	uint32_t set;		/* bit i: keys[i] was set */
	int key_line[N_KEYS];	/* where keys[i] was set; 0: unknown (an empty list) */
	struct carrel_policy v; /* the values of the keys that were set */
};

struct carrel_config {
	struct layer *layers; /* in file order */
	size_t n_layers;
	char **files; /* the paths of the files read, for the layers' origins */
	size_t n_files;
	char **exempt_users;
	size_t n_exempt_users;
	gid_t *exempt_gids;
	size_t n_exempt_gids;
	/* Where the exempt lists in force were set: file NULL = built-in. */
	const char *exempt_users_file, *exempt_groups_file;
	int exempt_users_line, exempt_groups_line;
};

static struct layer *add_layer(struct carrel_config *c, enum layer_kind kind, const char *file)
{
	struct layer *l = realloc(c->layers, (c->n_layers + 1) * sizeof(*l));

	if (!l)
		return NULL;
	c->layers = l;
	l = &c->layers[c->n_layers++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->file = file;
	return l;
}

/* Copy the keys set in section SEC into L, with their lines.  A list is
 * the OR of its items' bits; a scalar has exactly one value. */
static void read_keys(cfg_t *sec, struct layer *l)
{
	cfg_t *limits = cfg_getsec(sec, "limits");

	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key *k = &keys[i];
		cfg_opt_t *opt = cfg_getopt(k->in_limits ? limits : sec, k->name);
		const struct parsed *first;
		uint64_t v = 0;

		if (!opt_is_set(opt))
			continue;
		first = opt->nvalues > 0 ? cfg_opt_getnptr(opt, 0) : NULL;
		if (kind_is_string(k->kind)) {
			snprintf((char *)&l->v + k->offset, k->size, "%s", first->s);
		} else {
			for (unsigned j = 0; j < opt->nvalues; j++)
				v |= ((const struct parsed *)cfg_opt_getnptr(opt, j))->v;
			field_store(&l->v, k, v);
		}
		l->key_line[i] = first ? first->line : 0;
		l->set |= UINT32_C(1) << i;
	}
}

static void free_exempt_users(struct carrel_config *c)
{
	for (size_t i = 0; i < c->n_exempt_users; i++)
		free(c->exempt_users[i]);
	free(c->exempt_users);
	c->exempt_users = NULL;
	c->n_exempt_users = 0;
}

/* The exempt lists of a later file replace the earlier ones. */
static int read_exempt_users(struct carrel_config *c, cfg_opt_t *opt, const char *file, int line)
{
	if (!opt_is_set(opt))
		return 0;
	free_exempt_users(c);
	c->exempt_users_file = file;
	c->exempt_users_line = opt->nvalues ? line : 0;
	c->exempt_users = calloc(opt->nvalues + 1, sizeof(char *));
	if (!c->exempt_users)
		return -ENOMEM;
	for (; c->n_exempt_users < opt->nvalues; c->n_exempt_users++) {
		char *name = strdup(cfg_opt_getnptr(opt, (unsigned)c->n_exempt_users));

		if (!name)
			return -ENOMEM;
		c->exempt_users[c->n_exempt_users] = name;
	}
	return 0;
}

static int read_exempt_groups(struct carrel_config *c, cfg_opt_t *opt, const char *file, int line)
{
	if (!opt_is_set(opt))
		return 0;
	c->exempt_groups_file = file;
	c->exempt_groups_line = opt->nvalues ? line : 0;
	free(c->exempt_gids);
	c->n_exempt_gids = 0;
	c->exempt_gids = calloc(opt->nvalues + 1, sizeof(gid_t));
	if (!c->exempt_gids)
		return -ENOMEM;
	for (; c->n_exempt_gids < opt->nvalues; c->n_exempt_gids++) {
		const uint64_t *gid = cfg_opt_getnptr(opt, (unsigned)c->n_exempt_gids);

		c->exempt_gids[c->n_exempt_gids] = (gid_t)*gid;
	}
	return 0;
}

/* One layer per user or group section, in file order. */
static int read_sections(struct carrel_config *c, cfg_t *root, enum layer_kind kind,
			 const char *file, const char *path, struct carrel_error *err)
{
	const char *name = kind == LAYER_USER ? "user" : "group";

	for (unsigned i = 0; i < cfg_size(root, name); i++) {
		cfg_t *sec = cfg_getnsec(root, name, i);
		const char *title = cfg_title(sec);
		cleanup_free char *buf = NULL;
		struct passwd pw;
		struct layer *l;
		gid_t gid = 0;
		int r = kind == LAYER_USER ? lookup_user(title, &pw, &buf) :
					     lookup_group(title, &gid);

		if (r < 0) {
			if (r == -ENOENT)
				set_error(err, "%s:%d: %s \"%s\": no such %s", path,
					  section_line(sec), name, title, name);
			else
				set_error(err, "%s:%d: %s \"%s\": cannot look up: %s", path,
					  section_line(sec), name, title, strerror(-r));
			return r == -ENOENT ? -EINVAL : r;
		}
		l = add_layer(c, kind, file);
		if (!l)
			return -ENOMEM;
		/* For a user, the name resolve compares with. */
		l->name = strdup(kind == LAYER_USER ? pw.pw_name : title);
		if (!l->name)
			return -ENOMEM;
		l->gid = gid;
		l->line = section_line(sec);
		read_keys(sec, l);
	}
	return 0;
}

/* Keep a copy of PATH for the origins of the layers read from it. */
static const char *add_file(struct carrel_config *c, const char *path)
{
	char **files = realloc(c->files, (c->n_files + 1) * sizeof(*files));

	if (!files)
		return NULL;
	c->files = files;
	files[c->n_files] = strdup(path);
	return files[c->n_files] ? files[c->n_files++] : NULL;
}

static int read_tree(struct carrel_config *c, cfg_t *root, const struct parse_ctx *ctx)
{
	const char *path = ctx->path, *file = add_file(c, path);
	struct layer *top = file ? add_layer(c, LAYER_TOP, file) : NULL;
	int r;

	if (!top) {
		set_error(ctx->err, "%s: out of memory", path);
		return -ENOMEM;
	}
	read_keys(root, top);
	r = read_exempt_users(c, cfg_getopt(root, "exempt_users"), file, ctx->exempt_users_line);
	if (r >= 0)
		r = read_exempt_groups(c, cfg_getopt(root, "exempt_groups"), file,
				       ctx->exempt_groups_line);
	if (r >= 0)
		r = read_sections(c, root, LAYER_GROUP, file, path, ctx->err);
	if (r >= 0)
		r = read_sections(c, root, LAYER_USER, file, path, ctx->err);
	if (r == -ENOMEM)
		set_error(ctx->err, "%s: out of memory", path);
	return r;
}

/* With confuse_lock held: parse BUF with CFG, then read the tree into C. */
static int parse_locked(struct carrel_config *c, cfg_t *cfg, char *buf, size_t len,
			struct parse_ctx *ctx)
{
	FILE *fp;
	int r;

	cfg_set_error_function(cfg, on_cfg_error);
	cfg->filename = strdup(ctx->path); /* cfg_free() frees it */
	if (!cfg->filename)
		return -ENOMEM;
	if (len > 0) { /* (fmemopen refuses an empty buffer) */
		fp = fmemopen(buf, len, "r");
		if (!fp)
			return -errno;
		r = cfg_parse_fp(cfg, fp);
		fclose(fp);
		if (r != CFG_SUCCESS)
			return ctx->r < 0 ? ctx->r : -EINVAL;
	}
	return read_tree(c, cfg, ctx);
}

/* Parse BUF (the scrubbed contents of PATH) and append its layers to C. */
static int parse_config(struct carrel_config *c, char *buf, size_t len, const char *path,
			struct carrel_error *err)
{
	struct parse_ctx ctx = { .path = path, .err = err };
	struct opt_tables t;
	cfg_t *cfg;
	int r = -ENOMEM;

	build_opts(&t);
	pthread_mutex_lock(&confuse_lock);
	current_parse = &ctx;
	cfg = cfg_init(t.top, CFGF_NONE);
	if (cfg) {
		r = parse_locked(c, cfg, buf, len, &ctx);
		cfg_free(cfg);
	}
	current_parse = NULL;
	pthread_mutex_unlock(&confuse_lock);
	if (r < 0 && err && !err->msg[0])
		set_error(err, "%s: cannot parse: %s", path, strerror(-r));
	return r;
}

/* ---- scrubbing ----------------------------------------------------------------- */

/*
 * Before libconfuse sees a file:
 *  - comments are blanked out, newlines kept: libconfuse 3.3 counts lines
 *    wrongly after comments, and rejects comments inside lists;
 *  - ${VAR} outside '...' is refused: libconfuse would substitute it from
 *    the environment, which in the setuid helper is the user's;
 *  - += is refused: it would append only to what the same section set, not
 *    to what it overrides, so it cannot mean what it looks like;
 *  - NUL bytes and characters libconfuse would silently drop are refused;
 *  - braces must balance: libconfuse 3.3 takes the end of the file as the
 *    end of any open section.
 * The rules for comments and strings follow libconfuse's lexer.
 */
#define SCRUB_MAX_DEPTH 8 /* the grammar needs 3: user { limits { } } */

struct scrub {
	char *buf;
	size_t len, pos;
	unsigned line;
	unsigned depth;			     /* open braces */
	unsigned open_line[SCRUB_MAX_DEPTH]; /* where each was opened */
};

static char peek(const struct scrub *s, size_t ahead)
{
	return s->pos + ahead < s->len ? s->buf[s->pos + ahead] : '\0';
}

static const char *scrub_string(struct scrub *s)
{
	char quote = s->buf[s->pos];
	unsigned start = s->line;

	for (s->pos++; s->pos < s->len; s->pos++) {
		char c = s->buf[s->pos];

		if (c == '\\' && s->pos + 1 < s->len)
			c = s->buf[++s->pos]; /* escaped: skip it */
		else if (c == quote) {
			s->pos++;
			return NULL;
		} else if (quote == '"' && c == '$' && peek(s, 1) == '{')
			return "${...} (environment variable substitution) is not supported";
		if (c == '\n')
			s->line++;
	}
	s->line = start;
	return "unterminated string";
}

static void scrub_line_comment(struct scrub *s)
{
	for (; s->pos < s->len && s->buf[s->pos] != '\n'; s->pos++)
		s->buf[s->pos] = ' ';
}

static const char *scrub_block_comment(struct scrub *s)
{
	unsigned start = s->line;

	s->buf[s->pos++] = ' ';
	s->buf[s->pos++] = ' ';
	for (; s->pos < s->len; s->pos++) {
		if (s->buf[s->pos] == '*' && peek(s, 1) == '/') {
			s->buf[s->pos++] = ' ';
			s->buf[s->pos++] = ' ';
			return NULL;
		}
		if (s->buf[s->pos] == '\n')
			s->line++;
		else
			s->buf[s->pos] = ' ';
	}
	s->line = start;
	return "unterminated /* comment";
}

static const char *check_plain_char(char c, char next)
{
	if (c == '\0')
		return "the file contains a NUL byte";
	if (c == '$' && next == '{')
		return "${...} (environment variable substitution) is not supported";
	if (c == '+')
		return next == '=' ? "+= is not supported: give the whole value with =" :
				     "unexpected character '+'";
	if (c == '*')
		return "unexpected character '*'";
	return NULL;
}

/* Keep count of braces; an unmatched '}' is left to libconfuse. */
static const char *scrub_brace(struct scrub *s, char c)
{
	if (c == '{') {
		if (s->depth == SCRUB_MAX_DEPTH)
			return "braces nested too deeply";
		s->open_line[s->depth++] = s->line;
	} else if (c == '}' && s->depth > 0) {
		s->depth--;
	}
	return NULL;
}

static int scrub_config(char *buf, size_t len, const char *path, struct carrel_error *err)
{
	struct scrub s = { .buf = buf, .len = len, .line = 1 };
	bool in_word = false; /* inside an unquoted word: "//" there is not a comment */
	const char *bad = NULL;

	while (!bad && s.pos < len) {
		char c = buf[s.pos], next = peek(&s, 1);

		if (c == '"' || c == '\'') {
			bad = scrub_string(&s);
			in_word = false;
		} else if (c == '#' || (!in_word && c == '/' && next == '/')) {
			scrub_line_comment(&s);
			in_word = false;
		} else if (!in_word && c == '/' && next == '*') {
			bad = scrub_block_comment(&s);
			in_word = false;
		} else if (!(bad = check_plain_char(c, next)) && !(bad = scrub_brace(&s, c))) {
			in_word = !strchr(" \t\r\n={}(),", c);
			s.line += c == '\n';
			s.pos++;
		}
	}
	if (!bad && s.depth > 0) {
		s.line = s.open_line[s.depth - 1];
		bad = "this '{' is never closed";
	}
	if (bad) {
		set_error(err, "%s:%u: %s", path, s.line, bad);
		return -EINVAL;
	}
	return 0;
}

/* ---- files ------------------------------------------------------------------------ */

static int refuse(struct carrel_error *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct carrel_error *err, const char *path, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	set_error(err, "%s: refusing config: %s", path, reason);
	return -EPERM;
}

/* Only root may be able to change what FD is. */
static int check_owner(int fd, const char *path, bool want_dir, struct carrel_error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int r = -errno;

		set_error(err, "%s: cannot stat: %s", path, strerror(-r));
		return r;
	}
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return refuse(err, path, "not a %s", want_dir ? "directory" : "regular file");
	if (st.st_uid != 0)
		return refuse(err, path, "not owned by root (owner uid %u)", (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return refuse(err, path, "writable by group or others (mode %04o)",
			      (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Open NAME (relative to DIRFD) without following a symlink, and check it.
 * -ENOENT, without a message, when it does not exist. */
static int open_checked(int dirfd, const char *name, const char *path, bool want_dir,
			struct carrel_error *err)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
		    (want_dir ? O_DIRECTORY : 0);
	cleanup_close int fd = openat(dirfd, name, flags);
	struct stat st;
	int r;

	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			return r;
		if ((r == -ELOOP || r == -ENOTDIR) &&
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return refuse(err, path, "%s",
				      S_ISLNK(st.st_mode) ? "is a symbolic link" :
							    "not a directory");
		set_error(err, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	r = check_owner(fd, path, want_dir, err);
	return r < 0 ? r : steal_fd(&fd);
}

static int read_all(int fd, const char *path, char **out, size_t *len, struct carrel_error *err)
{
	cleanup_free char *buf = malloc(CONFIG_MAX_SIZE + 1);
	size_t n = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t got = read(fd, buf + n, CONFIG_MAX_SIZE + 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int r = -errno;

			set_error(err, "%s: cannot read: %s", path, strerror(-r));
			return r;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > CONFIG_MAX_SIZE) {
			set_error(err, "%s: refusing config: larger than %d bytes", path,
				  CONFIG_MAX_SIZE);
			return -EFBIG;
		}
	}
	buf[n] = '\0';
	*len = n;
	*out = steal_ptr(&buf);
	return 0;
}

static int load_file(struct carrel_config *c, int dirfd, const char *name, const char *path,
		     struct carrel_error *err)
{
	cleanup_close int fd = open_checked(dirfd, name, path, false, err);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int r;

	if (fd < 0)
		return fd;
	r = read_all(fd, path, &buf, &len, err);
	if (r >= 0)
		r = scrub_config(buf, len, path, err);
	if (r >= 0)
		r = parse_config(c, buf, len, path, err);
	return r;
}

static int is_dropin(const struct dirent *d)
{
	size_t len = strlen(d->d_name), suffix = strlen(DROPIN_SUFFIX);

	return d->d_name[0] != '.' && len > suffix &&
	       strcmp(d->d_name + len - suffix, DROPIN_SUFFIX) == 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every *.conf in the carrel.d directory beside MAIN_PATH, in strcmp order. */
static int load_dropins(struct carrel_config *c, const char *main_path, struct carrel_error *err)
{
	const char *slash = strrchr(main_path, '/');
	cleanup_free char *dir = NULL;
	cleanup_close int dfd = -1;
	struct dirent **ents = NULL;
	int n, r = 0;

	if (asprintf(&dir, "%.*s%s", slash ? (int)(slash - main_path + 1) : 0, main_path,
		     DROPIN_DIR) < 0) {
		dir = NULL;
		return -ENOMEM;
	}
	dfd = open_checked(AT_FDCWD, dir, dir, true, err);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	n = scandirat(dfd, ".", &ents, is_dropin, by_name);
	if (n < 0) {
		r = -errno;
		set_error(err, "%s: cannot list: %s", dir, strerror(-r));
		return r;
	}
	for (int i = 0; i < n && r >= 0; i++) {
		cleanup_free char *path = NULL;

		if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
			path = NULL;
			r = -ENOMEM;
			break;
		}
		r = load_file(c, dfd, ents[i]->d_name, path, err);
		if (r == -ENOENT) /* removed since it was listed */
			r = 0;
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return r;
}

/* ---- the interface ------------------------------------------------------------ */

static struct carrel_config *config_new(void)
{
	struct carrel_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->exempt_users = calloc(ARRAY_SIZE(builtin_exempt_users) + 1, sizeof(char *));
	if (!c->exempt_users) {
		free(c);
		return NULL;
	}
	for (; c->n_exempt_users < ARRAY_SIZE(builtin_exempt_users); c->n_exempt_users++) {
		c->exempt_users[c->n_exempt_users] =
			strdup(builtin_exempt_users[c->n_exempt_users]);
		if (!c->exempt_users[c->n_exempt_users]) {
			carrel_config_free(c);
			return NULL;
		}
	}
	return c;
}

int carrel_config_load(const char *path, struct carrel_config **out, struct carrel_error *err)
{
	struct carrel_config *c;
	int r;

	if (err)
		err->msg[0] = '\0';
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!path)
		path = CARREL_DEFAULT_CONFIG;
	c = config_new();
	if (!c) {
		set_error(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	r = load_file(c, AT_FDCWD, path, path, err);
	if (r == -ENOENT) /* no main file: the built-in defaults apply */
		r = 0;
	if (r >= 0)
		r = load_dropins(c, path, err);
	if (r == -ENOMEM && err && !err->msg[0])
		set_error(err, "%s: out of memory", path);
	if (r < 0) {
		carrel_config_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void carrel_config_free(struct carrel_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_layers; i++)
		free(c->layers[i].name);
	free(c->layers);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free_exempt_users(c);
	free(c->exempt_gids);
	free(c);
}

void carrel_policy_builtin(struct carrel_policy *out)
{
	memcpy(out, &builtin_policy, sizeof(*out));
}

static bool has_gid(const gid_t *gids, size_t n, gid_t gid)
{
	for (size_t i = 0; i < n; i++)
		if (gids[i] == gid)
			return true;
	return false;
}

static bool layer_applies(const struct layer *l, const char *user, const gid_t *groups,
			  size_t n_groups)
{
	switch (l->kind) {
	case LAYER_TOP:
		return true;
	case LAYER_GROUP:
		return has_gid(groups, n_groups, l->gid);
	case LAYER_USER:
		return strcmp(l->name, user) == 0;
	}
	return false;
}

/* Apply L's keys to OUT; SRC[i] becomes L for every key L sets. */
static void apply_layer(struct carrel_policy *out, const struct layer *l, const struct layer **src)
{
	for (size_t i = 0; i < N_KEYS; i++) {
		if (l->set & (UINT32_C(1) << i)) {
			memcpy((char *)out + keys[i].offset, (const char *)&l->v + keys[i].offset,
			       keys[i].size);
			src[i] = l;
		}
	}
}

/* Which exempt list, if any, names the user or one of its groups. */
enum exempt_by { EXEMPT_NO, EXEMPT_BY_USER, EXEMPT_BY_GROUP };

static enum exempt_by is_exempt(const struct carrel_config *c, const char *user,
				const gid_t *groups, size_t n_groups)
{
	for (size_t i = 0; i < c->n_exempt_users; i++)
		if (strcmp(c->exempt_users[i], user) == 0)
			return EXEMPT_BY_USER;
	for (size_t i = 0; i < c->n_exempt_gids; i++)
		if (has_gid(groups, n_groups, c->exempt_gids[i]))
			return EXEMPT_BY_GROUP;
	return EXEMPT_NO;
}

/* "FILE:LINE", or "FILE" when LINE is 0. */
static void file_line(char *buf, size_t size, const char *file, int line)
{
	if (line > 0)
		snprintf(buf, size, "%s:%d", file, line);
	else
		snprintf(buf, size, "%s", file);
}

/* Where key I got its value: from layer L (NULL: the built-in default). */
static void key_origin(const struct layer *l, size_t i, char *buf, size_t size)
{
	char where[PATH_MAX + 16];

	if (!l) {
		snprintf(buf, size, "built-in");
		return;
	}
	file_line(where, sizeof(where), l->file, l->key_line[i] ? l->key_line[i] : l->line);
	switch (l->kind) {
	case LAYER_TOP:
		snprintf(buf, size, "top level (%s)", where);
		break;
	case LAYER_GROUP:
	case LAYER_USER:
		snprintf(buf, size, "%s %s (%s)", l->kind == LAYER_GROUP ? "group" : "user",
			 l->name, where);
		break;
	}
}

static void exempt_list_origin(const char *list, const char *file, int line, char *buf, size_t size)
{
	char where[PATH_MAX + 16];

	if (!file) {
		snprintf(buf, size, "built-in %s", list);
		return;
	}
	file_line(where, sizeof(where), file, line);
	snprintf(buf, size, "%s (%s)", list, where);
}

/* Where the exempt flag came from: the list that matched, or both lists. */
static void exempt_origin(const struct carrel_config *c, enum exempt_by by, char *buf, size_t size)
{
	size_t len;

	if (by == EXEMPT_NO && !c->exempt_users_file && !c->exempt_groups_file) {
		snprintf(buf, size, "built-in");
		return;
	}
	buf[0] = '\0';
	if (by != EXEMPT_BY_GROUP)
		exempt_list_origin("exempt_users", c->exempt_users_file, c->exempt_users_line, buf,
				   size);
	len = strlen(buf);
	if (by == EXEMPT_NO && len + 2 < size) {
		memcpy(buf + len, ", ", 3);
		len += 2;
	}
	if (by != EXEMPT_BY_USER)
		exempt_list_origin("exempt_groups", c->exempt_groups_file, c->exempt_groups_line,
				   buf + len, size - len);
}

static void format_value(const struct key *k, const struct carrel_policy *p, char *buf,
			 size_t size);

#define VALUE_MAX 1024		    /* a printed value, all capabilities included */
#define ORIGIN_MAX (PATH_MAX + 512) /* an origin string */

static size_t key_index(const char *name)
{
	return (size_t)(key_by_name(name) - keys);
}

/*
 * Keys that only make sense together.  linger keeps a session's carrel
 * after logout, which only a per-user carrel (scope = user) can do.
 * An exempt user gets no carrel: nothing to check.
 */
static int check_conflicts(const struct carrel_policy *p, const char *user,
			   const struct layer *const *src, struct carrel_error *err)
{
	size_t li = key_index("linger"), si = key_index("scope");
	char linger[VALUE_MAX], lo[ORIGIN_MAX], so[ORIGIN_MAX];

	if (p->exempt || p->linger_sec == CARREL_LINGER_NO || p->scope == CARREL_SCOPE_USER)
		return 0;
	format_value(&keys[li], p, linger, sizeof(linger));
	key_origin(src[li], li, lo, sizeof(lo));
	key_origin(src[si], si, so, sizeof(so));
	set_error(err,
		  "user \"%s\": linger = %s needs scope = user, but scope is session "
		  "(linger from %s, scope from %s)",
		  user, linger, lo, so);
	return -EINVAL;
}

int carrel_policy_resolve_explain(const struct carrel_config *c, const char *user,
				  struct carrel_policy *out,
				  void (*cb)(const char *key, const char *value, const char *origin,
					     void *ctx),
				  void *ctx, struct carrel_error *err)
{
	const struct layer *src[N_KEYS] = { NULL };
	cleanup_free char *buf = NULL;
	cleanup_free gid_t *groups = NULL;
	char value[VALUE_MAX], origin[ORIGIN_MAX], label[64];
	size_t n_groups = 0;
	enum exempt_by exempt;
	struct passwd pw;
	int r;

	if (err)
		err->msg[0] = '\0';
	if (!c || !user || !out) {
		set_error(err, "carrel_policy_resolve: invalid argument");
		return -EINVAL;
	}
	r = lookup_user(user, &pw, &buf);
	if (r == -ENOENT)
		set_error(err, "user \"%s\": no such user", user);
	else if (r < 0)
		set_error(err, "user \"%s\": cannot look up: %s", user, strerror(-r));
	if (r < 0)
		return r;
	r = user_groups(pw.pw_name, pw.pw_gid, &groups, &n_groups);
	if (r < 0) {
		set_error(err, "user \"%s\": cannot list groups: %s", user, strerror(-r));
		return r;
	}

	carrel_policy_builtin(out);
	for (enum layer_kind pass = LAYER_TOP; pass <= LAYER_USER; pass++)
		for (size_t i = 0; i < c->n_layers; i++)
			if (c->layers[i].kind == pass &&
			    layer_applies(&c->layers[i], pw.pw_name, groups, n_groups))
				apply_layer(out, &c->layers[i], src);
	exempt = is_exempt(c, pw.pw_name, groups, n_groups);
	out->exempt = exempt != EXEMPT_NO;
	r = check_conflicts(out, pw.pw_name, src, err);
	if (r < 0 || !cb)
		return r;

	exempt_origin(c, exempt, origin, sizeof(origin));
	cb("exempt", out->exempt ? "yes" : "no", origin, ctx);
	for (int limits = 0; limits <= 1; limits++) {
		for (size_t i = 0; i < N_KEYS; i++) {
			if (keys[i].in_limits != limits)
				continue;
			format_value(&keys[i], out, value, sizeof(value));
			key_origin(src[i], i, origin, sizeof(origin));
			cb(key_label(&keys[i], label, sizeof(label)), value, origin, ctx);
		}
	}
	return 0;
}

int carrel_policy_resolve(const struct carrel_config *c, const char *user,
			  struct carrel_policy *out, struct carrel_error *err)
{
	return carrel_policy_resolve_explain(c, user, out, NULL, NULL, err);
}

/* ---- printing ------------------------------------------------------------------- */

/* The largest suffix that divides V exactly. */
static void format_size(uint64_t v, char *buf, size_t size)
{
	static const char *const units[] = { "", "K", "M", "G", "T" };
	size_t u = 0;

	while (v && u + 1 < ARRAY_SIZE(units) && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%" PRIu64 "%s", v, units[u]);
}

static void format_word(const char *const *words, uint64_t v, char *buf, size_t size)
{
	size_t n = 0;

	while (words[n])
		n++;
	if (v >= n)
		snprintf(buf, size, "%" PRIu64, v); /* not a valid value: print it raw */
	else if (strspn(words[v], "abcdefghijklmnopqrstuvwxyz") == strlen(words[v]))
		snprintf(buf, size, "%s", words[v]);
	else
		snprintf(buf, size, "\"%s\"", words[v]);
}

/* A set of bits as a list of the names in NAMES (N of them); bits
 * without a name are printed as numbers (not valid in a file). */
static void format_bits(uint64_t bits, const char *const *names, size_t n, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "{");

	for (size_t i = 0; i < 64 && len < size; i++) {
		if (!(bits & (UINT64_C(1) << i)))
			continue;
		if (i < n && names[i])
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len > 1 ? ", " : "",
						names[i]);
		else
			len += (size_t)snprintf(buf + len, size - len, "%s%zu", len > 1 ? ", " : "",
						i);
	}
	if (len < size)
		snprintf(buf + len, size - len, "}");
}

/* A duration in the largest unit that divides it exactly. */
static void format_linger(int64_t v, char *buf, size_t size)
{
	size_t u = 0;

	if (v == CARREL_LINGER_NO)
		snprintf(buf, size, "no");
	else if (v == CARREL_LINGER_FOREVER)
		snprintf(buf, size, "forever");
	else if (v == CARREL_LINGER_UNTIL_EMPTY)
		snprintf(buf, size, "until-empty");
	else if (v < 0)
		snprintf(buf, size, "%" PRId64, v); /* not a valid value: print it raw */
	else {
		while (v % linger_units[u].sec != 0)
			u++;
		snprintf(buf, size, "%" PRId64 "%c", v / linger_units[u].sec,
			 linger_units[u].suffix);
	}
}

static void format_value(const struct key *k, const struct carrel_policy *p, char *buf, size_t size)
{
	const char *str = (const char *)p + k->offset;

	uint64_t v = field_load(p, k);

	if (k->max_ok && v == CARREL_UNLIMITED) {
		snprintf(buf, size, "max");
		return;
	}
	switch (k->kind) {
	case K_NAMESPACES:
		format_bits(v, namespace_words, ARRAY_SIZE(namespace_words) - 1, buf, size);
		break;
	case K_CAPABILITIES:
		format_bits(v, capability_names, ARRAY_SIZE(capability_names), buf, size);
		break;
	case K_HOSTNAME:
	case K_SECCOMP:
		if (k->kind == K_SECCOMP &&
		    (strcmp(str, "default") == 0 || strcmp(str, "off") == 0))
			snprintf(buf, size, "%s", str);
		else
			snprintf(buf, size, "\"%.*s\"", (int)strnlen(str, k->size), str);
		break;
	case K_LINGER:
		format_linger((int64_t)v, buf, size);
		break;
	case K_WORD:
		format_word(k->words, v, buf, size);
		break;
	case K_BOOL:
		snprintf(buf, size, "%s", v ? "true" : "false");
		break;
	case K_SIZE:
		format_size(v, buf, size);
		break;
	case K_COUNT:
	case K_PERCENT:
		snprintf(buf, size, "%" PRIu64 "%s", v, k->kind == K_PERCENT ? "%" : "");
		break;
	}
}

void carrel_policy_print(FILE *f, const struct carrel_policy *policy)
{
	char value[VALUE_MAX];

	fprintf(f, "# exempt: %s\n", policy->exempt ? "yes" : "no");
	for (size_t i = 0; i < N_KEYS; i++) {
		if (keys[i].in_limits)
			continue;
		format_value(&keys[i], policy, value, sizeof(value));
		fprintf(f, "%s = %s\n", keys[i].name, value);
	}
	fprintf(f, "limits {\n");
	for (size_t i = 0; i < N_KEYS; i++) {
		if (!keys[i].in_limits)
			continue;
		format_value(&keys[i], policy, value, sizeof(value));
		fprintf(f, "\t%s = %s\n", keys[i].name, value);
	}
	fprintf(f, "}\n");
}
