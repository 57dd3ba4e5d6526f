/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checking: one value as the parser meets it (with its line), a resolved
 * policy's keys that only make sense together, and for check-config every
 * policy that some login could get from a config.
 */
#include "conf_internal.h"
#include "ctrl.h"

#include <arpa/inet.h>
#include <confuse.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* ---- one value ------------------------------------------------------------ */

/* "limits.memory_max" or "tmp": how the key is named in messages. */
const char *conf_key_label(const struct key *k, char *buf, size_t size)
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

/* Sets WHY to "KEY: invalid WHAT "VALUE" (HINT)". */
static void describe_invalid(const struct key *k, const char *s, char *why, size_t size)
{
	static const char *const bool_words[] = { "true", "false", NULL };
	const char *what = "value";
	char label[64], hint[160], words[96] = "", shown[300];

	switch (k->kind) {
	case K_NAMESPACES:
		what = "namespace";
		join_words(conf_namespace_words, words, sizeof(words));
		snprintf(hint, sizeof(hint), "use %s", words);
		break;
	case K_WORD:
	case K_BOOL:
		join_words(k->kind == K_BOOL ? bool_words : k->words, words, sizeof(words));
		snprintf(hint, sizeof(hint), "use %s", words);
		what = k->kind == K_BOOL ? "boolean" : "value";
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
	case K_CPUSET:
	case K_ITEMS:
	case K_IFNAME:
	case K_CIDR4:
	case K_CIDR6:
	case K_NETRULES:
	case K_NUMBER: /* lib/parse.c describes numbers */
		snprintf(hint, sizeof(hint), "see carrel.conf(5)");
		break;
	}
	snprintf(why, size, "%s: invalid %s \"%s\" (%s)", conf_key_label(k, label, sizeof(label)), what,
		 carrel_show(s, shown, sizeof(shown)), hint);
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
			 carrel_show(s, shown, sizeof(shown)), len ? "too long" : "empty",
			 CARREL_HOSTNAME_MAX);
		return -EINVAL;
	}
	carrel_show(s, shown, sizeof(shown));
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

	carrel_show(s, shown, sizeof(shown));
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
	for (size_t i = 0; i < conf_n_capability_names; i++) {
		if (conf_capability_names[i] && strcasecmp(conf_capability_names[i] + 4, s) == 0) {
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
	r = carrel_parse_digits(s, &end, &n);
	for (u = 0; r == 0 && u < ARRAY_SIZE(conf_linger_units); u++)
		if (end[0] == conf_linger_units[u].suffix && end[1] == '\0')
			break;
	if (r == -EINVAL || (r == 0 && u == ARRAY_SIZE(conf_linger_units))) {
		describe_invalid(k, s, why, size);
		return -EINVAL;
	}
	if (r < 0 || n == 0 || n > (uint64_t)(CARREL_LINGER_MAX / conf_linger_units[u].sec)) {
		char shown[300];

		snprintf(why, size, "linger: %s is out of range (1s to %dd)",
			 carrel_show(s, shown, sizeof(shown)), CARREL_LINGER_MAX / 86400);
		return -ERANGE;
	}
	*out = n * (uint64_t)conf_linger_units[u].sec;
	return 0;
}

/* net_bridge: a name the kernel takes for a new link (1 to 15 of [A-Za-z0-9_.-]). */
static int check_ifname(const char *s, char *why, size_t size)
{
	size_t len = strlen(s);
	char shown[300];

	if (len == 0 || len > CARREL_NET_BRIDGE_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
		snprintf(why, size,
			 "net_bridge: invalid interface name \"%s\" (1 to %d letters, digits, '_', "
			 "'.', '-')",
			 carrel_show(s, shown, sizeof(shown)), CARREL_NET_BRIDGE_MAX);
		return -EINVAL;
	}
	return 0;
}

/*
 * net_pool4 / net_pool6: "ADDRESS/N" with no host bits set.  IPv4 pools are
 * /8 to /28 (the gateway, the broadcast address and at least one carrel);
 * IPv6 pools are unique local (fc00::/7), /48 to /64: carrels use the first
 * /64 of it.
 */
static int check_cidr(const struct key *k, const char *s, char *why, size_t size)
{
	bool v6 = k->kind == K_CIDR6;
	int family = v6 ? AF_INET6 : AF_INET, lo = v6 ? 48 : 8, hi = v6 ? 64 : 28;
	unsigned char a[16];
	char addr[INET6_ADDRSTRLEN], shown[300];
	const char *slash = strchr(s, '/'), *end = NULL;
	uint64_t n;
	int bits;

	carrel_show(s, shown, sizeof(shown));
	if (!slash || (size_t)(slash - s) >= sizeof(addr) ||
	    carrel_parse_digits(slash + 1, &end, &n) < 0 || *end || n < (uint64_t)lo ||
	    n > (uint64_t)hi) {
		snprintf(why, size, "%s: invalid prefix \"%s\" (use ADDRESS/N with N %d to %d)",
			 k->name, shown, lo, hi);
		return -EINVAL;
	}
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(family, addr, a) != 1) {
		snprintf(why, size, "%s: \"%s\" is not an IPv%d address", k->name, shown, v6 ? 6 : 4);
		return -EINVAL;
	}
	if (v6 && (a[0] & 0xfe) != 0xfc) {
		snprintf(why, size, "%s: \"%s\" is not a unique local prefix (fc00::/7)", k->name,
			 shown);
		return -EINVAL;
	}
	bits = (int)n;
	for (int i = bits; i < (v6 ? 128 : 32); i++) {
		if (a[i / 8] & (0x80 >> (i % 8))) {
			snprintf(why, size, "%s: \"%s\" has host bits set", k->name, shown);
			return -EINVAL;
		}
	}
	return 0;
}

/* Check S as a value of K; numbers, words, booleans and namespaces go to *OUT. */
int conf_check_value(const struct key *k, const char *s, uint64_t *out, char *why, size_t size)
{
	char label[64];
	int r = 0;

	switch (k->kind) {
	case K_HOSTNAME:
		return check_hostname(s, why, size);
	case K_SECCOMP:
		return check_seccomp(s, why, size);
	case K_IFNAME:
		return check_ifname(s, why, size);
	case K_CIDR4:
	case K_CIDR6:
		return check_cidr(k, s, why, size);
	case K_LINGER:
		return check_linger(k, s, out, why, size);
	case K_CPUSET: {
		struct carrel_cpuset set;

		return carrel_parse_cpuset(conf_key_label(k, label, sizeof(label)), s, &set, why,
					   size);
	}
	case K_ITEMS:
		return k->item(conf_key_label(k, label, sizeof(label)), s, why, size);
	case K_NUMBER:
		return carrel_parse_num(k->num, conf_key_label(k, label, sizeof(label)), s, out, why,
					size);
	case K_NETRULES: {
		struct carrel_net_rule rule;

		return carrel_parse_net_rule(k->name, s, &rule, why, size);
	}
	case K_NAMESPACES:
		r = word_index(conf_namespace_words, s, out);
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

/* ---- a resolved policy ------------------------------------------------------ */

/*
 * Keys that only make sense together; resolving refuses a policy that
 * breaks one (the login is refused; root, exempt by default, still gets in).
 *  - linger keeps a session's carrel after logout, which only a per-user
 *    carrel (scope = user) can do;
 *  - no_new_privs = false without the user namespace: a setuid-root program
 *    run in the carrel runs as real host root (nothing else stops it), and root's
 *    capabilities reach outside every namespace the carrel has.
 * An exempt user gets no carrel: nothing to check.
 */
int conf_check_conflicts(const struct carrel_policy *p, const char *who,
			 const struct layer *const *src, size_t *at, struct carrel_error *err)
{
	char value[VALUE_MAX], o1[ORIGIN_MAX], o2[ORIGIN_MAX];
	size_t i1, i2;

	if (p->exempt)
		return 0;
	if (strcmp(p->limits.devices_allow[CARREL_LIST_MAX - 1], CONF_ITEMS_OVERFLOW) == 0) {
		i1 = conf_key_index("devices_allow");
		conf_key_origin(src[i1], i1, o1, sizeof(o1));
		carrel_error_set(err,
			       "%s: limits.devices_allow: the sections that apply give more than %d "
			       "entries together (the last from %s)",
			       who, CARREL_LIST_MAX, o1);
		*at = i1;
		return -EINVAL;
	}
	if (p->linger_sec != CARREL_LINGER_NO && p->scope != CARREL_SCOPE_USER) {
		i1 = conf_key_index("linger");
		i2 = conf_key_index("scope");
		conf_format_value(&conf_keys[i1], p, value, sizeof(value));
		conf_key_origin(src[i1], i1, o1, sizeof(o1));
		conf_key_origin(src[i2], i2, o2, sizeof(o2));
		carrel_error_set(err,
			       "%s: linger = %s needs scope = user, but scope is session "
			       "(linger from %s, scope from %s)",
			       who, value, o1, o2);
		*at = i1;
		return -EINVAL;
	}
	if (!p->no_new_privs && !(p->namespaces & CARREL_NS_USER)) {
		i1 = conf_key_index("no_new_privs");
		i2 = conf_key_index("namespaces");
		conf_format_value(&conf_keys[i2], p, value, sizeof(value));
		conf_key_origin(src[i1], i1, o1, sizeof(o1));
		conf_key_origin(src[i2], i2, o2, sizeof(o2));
		carrel_error_set(err,
			       "%s: no_new_privs = false needs the user namespace, but namespaces = %s: "
			       "setuid-root programs would give real host root "
			       "(no_new_privs from %s, namespaces from %s)",
			       who, value, o1, o2);
		*at = i1;
		return -EINVAL;
	}
	return 0;
}

/* ---- a whole config (check-config) ---------------------------------------------- */

struct checker {
	const struct carrel_config *c;
	int (*check)(const struct carrel_check *chk, void *ctx, struct carrel_error *err);
	void (*warn)(const char *msg, void *ctx);
	void *ctx;
	struct carrel_error *err;
	char **seen; /* the sets of layers already checked, as strings */
	size_t n_seen;
};

void carrel_check_where(const struct carrel_check *chk, const char *key, char *buf, size_t size)
{
	const struct layer *const *src = chk->src;
	const struct key *k = conf_key_by_name(strncmp(key, "limits.", 7) == 0 ? key + 7 : key);
	const struct layer *l;
	size_t i;

	if (!k) {
		snprintf(buf, size, "?");
		return;
	}
	i = (size_t)(k - conf_keys);
	l = src[i];
	if (!l)
		snprintf(buf, size, "built-in");
	else
		conf_file_line(buf, size, l->file, l->key_line[i] ? l->key_line[i] : l->line);
}

static void warnf(struct checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warnf(struct checker *ck, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!ck->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ck->warn(msg, ck->ctx);
}

/* Whether the layers that apply (and what else decides the outcome) were
 * checked already; if not, remember them. */
static int seen_before(struct checker *ck, const char *user, char *const *groups, size_t n_groups,
		       bool id0, bool *seen)
{
	const struct carrel_config *c = ck->c;
	char *sig = malloc(c->n_layers + 2), **more;

	if (!sig)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_layers; i++)
		sig[i] = conf_layer_applies(&c->layers[i], user, groups, n_groups) ? '1' : '0';
	sig[c->n_layers] = id0 ? '0' : 'u';
	sig[c->n_layers + 1] = '\0';
	for (size_t i = 0; i < ck->n_seen; i++) {
		if (strcmp(ck->seen[i], sig) == 0) {
			free(sig);
			*seen = true;
			return 0;
		}
	}
	more = realloc(ck->seen, (ck->n_seen + 1) * sizeof(*more));
	if (!more) {
		free(sig);
		return -ENOMEM;
	}
	ck->seen = more;
	ck->seen[ck->n_seen++] = sig;
	*seen = false;
	return 0;
}

/*
 * What open refuses for a user with uid 0 or primary gid 0: neither is ever
 * mapped into a carrel's user namespace, so a root that is not exempt and
 * whose policy has the user namespace could never log in.
 */
static int check_root(struct checker *ck, const struct carrel_check *chk)
{
	char ns[ORIGIN_MAX], ex[ORIGIN_MAX];
	const struct carrel_config *c = ck->c;

	if (chk->policy->exempt || !chk->user || (chk->uid != 0 && chk->gid != 0) ||
	    !(chk->policy->namespaces & CARREL_NS_USER))
		return 0;
	carrel_check_where(chk, "namespaces", ns, sizeof(ns));
	conf_file_line(ex, sizeof(ex), c->exempt_users_file ? c->exempt_users_file : "built-in",
		       c->exempt_users_line);
	carrel_error_set(ck->err,
		       "%s: %s: not exempt, and namespaces has user (%s), but uid 0 and gid 0 are "
		       "never mapped into a user namespace: every login of this user would be "
		       "refused (exempt_users or exempt_groups must name it)",
		       ex, chk->who, ns);
	return -EINVAL;
}

/* ERR's message, with "WHERE: " in front. */
static void lead_with(struct carrel_error *err, const char *where)
{
	char msg[sizeof(err->msg)];

	memcpy(msg, err->msg, sizeof(msg));
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", where, msg) >= (int)sizeof(err->msg))
		err->msg[sizeof(err->msg) - 1] = '\0';
}

/* Resolve for USER (NULL: a user in no user section) in GROUPS and check it. */
static int check_subject(struct checker *ck, const char *who, const char *user, uid_t uid,
			 gid_t gid, char *const *groups, size_t n_groups)
{
	const struct layer *src[N_KEYS] = { NULL };
	struct carrel_policy p;
	struct carrel_check chk = {
		.who = who, .user = user, .uid = uid, .gid = gid, .policy = &p, .src = src
	};
	bool seen = false;
	size_t at = 0;
	int r = seen_before(ck, user, groups, n_groups, user && (uid == 0 || gid == 0), &seen);

	if (r < 0 || seen)
		return r;
	conf_apply_layers(ck->c, user, groups, n_groups, &p, src);
	p.exempt = conf_is_exempt(ck->c, user, groups, n_groups) != EXEMPT_NO;
	if (p.exempt)
		return 0;
	if ((r = conf_check_conflicts(&p, who, src, &at, ck->err)) < 0) {
		/* The message names both keys; it starts with where the first is. */
		char where[ORIGIN_MAX];

		carrel_check_where(&chk, conf_keys[at].name, where, sizeof(where));
		if (ck->err)
			lead_with(ck->err, where);
		return r;
	}
	if ((r = check_root(ck, &chk)) < 0)
		return r;
	return ck->check ? ck->check(&chk, ck->ctx, ck->err) : 0;
}

/* A user the database knows: NAME with WHO as its description. */
static int check_user(struct checker *ck, const char *name, const char *who)
{
	_cleanup_free_ char *buf = NULL;
	char **groups = NULL, why[256];
	size_t n_groups = 0;
	struct passwd pw;
	gid_t bad = 0;
	int db = 0, r = conf_lookup_user(name, &pw, &buf, &db);

	if (r == 0)
		r = conf_user_groups(pw.pw_name, pw.pw_gid, &groups, &n_groups, &bad, &db);
	const char *bad_group = NULL;
	if (r == 0 && (r = conf_confirm_section_groups(ck->c, pw.pw_name, pw.pw_gid, &groups,
						       &n_groups, &bad_group, &db)) < 0)
		conf_free_names(groups, n_groups);
	if (bad_group)
		carrel_error_set(ck->err, "%s: group section \"%s\": %s", who, bad_group,
				 conf_lookup_why(r, db, why, sizeof(why)));
	else if (r == -ENOENT)
		carrel_error_set(ck->err, "%s: no such user", who);
	else if (r < 0)
		carrel_error_set(ck->err, "%s: %s", who, conf_lookup_why(r, db, why, sizeof(why)));
	if (r < 0)
		return r;
	r = check_subject(ck, who, pw.pw_name, pw.pw_uid, pw.pw_gid, groups, n_groups);
	conf_free_names(groups, n_groups);
	return r;
}

/* Every user the database lists (getpwent; with NSS enumeration off, the
 * local ones), at most MAX_ENUM of them. */
#define MAX_ENUM 100000

static int check_every_user(struct checker *ck)
{
	char who[300];
	int r = 0;

	setpwent();
	for (int n = 0; n < MAX_ENUM && r >= 0; n++) {
		struct passwd *pw = getpwent();
		_cleanup_free_ char *name = NULL;

		if (!pw)
			break;
		name = strdup(pw->pw_name);
		if (!name) {
			r = -ENOMEM;
			break;
		}
		snprintf(who, sizeof(who), "user \"%s\"", name);
		r = check_user(ck, name, who);
	}
	endpwent();
	return r;
}

/* Footguns that are not errors: said, not refused (carrel.conf(5), CHECKS). */
static void check_warnings(struct checker *ck)
{
	const struct carrel_config *c = ck->c;
	size_t oi = conf_key_index("on_error");
	char where[ORIGIN_MAX];

	for (size_t i = 0; i < c->n_layers; i++) {
		const struct layer *l = &c->layers[i];

		if ((l->set & KEY_BIT(oi)) && l->v.on_error == CARREL_ON_ERROR_ALLOW) {
			conf_file_line(where, sizeof(where), l->file, l->key_line[oi]);
			warnf(ck,
			      "%s: on_error = allow: a login whose carrel cannot be built runs "
			      "unsandboxed (and is logged with LOG_ALERT)",
			      where);
		}
		/* A section for someone exempt never applies: a mistake either way. */
		if (l->kind == LAYER_USER && conf_is_exempt(c, l->name, NULL, 0) != EXEMPT_NO) {
			conf_file_line(where, sizeof(where), l->file, l->line);
			warnf(ck, "%s: user \"%s\" is in exempt_users: this section never applies",
			      where, l->name);
		}
		if (l->kind == LAYER_GROUP &&
		    conf_has_name(c->exempt_groups, c->n_exempt_groups, l->name)) {
			conf_file_line(where, sizeof(where), l->file, l->line);
			warnf(ck, "%s: group \"%s\" is in exempt_groups: this section never applies",
			      where, l->name);
		}
	}
}

/* Whether the user database has NAME (a user) or, with GROUP, a group. */
static int lookup_name(const char *name, bool group, int *db)
{
	_cleanup_free_ char *buf = NULL;
	struct passwd pw;

	return group ? conf_lookup_group(name, db) : conf_lookup_user(name, &pw, &buf, db);
}

static bool known_user(const char *name)
{
	return lookup_name(name, false, NULL) == 0;
}

/*
 * A name the database does not know matches nobody (sections and exempt
 * lists compare names): said, not refused, so that one deleted directory
 * group cannot lock a site out.  A failing database is said too.
 */
static void warn_unknown(struct checker *ck, const char *name, bool group, const char *what,
			 const char *file, int line)
{
	char where[ORIGIN_MAX], why[256];
	int db = 0, r = lookup_name(name, group, &db);

	if (r == 0)
		return;
	conf_file_line(where, sizeof(where), file ? file : "built-in", file ? line : 0);
	if (r == -ENOENT)
		warnf(ck, "%s: %s \"%s\": no such %s: it matches nobody", where, what, name,
		      group ? "group" : "user");
	else
		warnf(ck, "%s: %s \"%s\": %s: logins that need it are refused", where, what, name,
		      conf_lookup_why(r, db, why, sizeof(why)));
}

static void check_names(struct checker *ck)
{
	const struct carrel_config *c = ck->c;

	for (size_t i = 0; i < c->n_exempt_users; i++)
		warn_unknown(ck, c->exempt_users[i], false, "exempt_users", c->exempt_users_file,
			     c->exempt_users_line);
	for (size_t i = 0; i < c->n_exempt_groups; i++)
		warn_unknown(ck, c->exempt_groups[i], true, "exempt_groups", c->exempt_groups_file,
			     c->exempt_groups_line);
	for (size_t i = 0; i < c->n_layers; i++) {
		const struct layer *l = &c->layers[i];

		if (l->kind != LAYER_TOP)
			warn_unknown(ck, l->name, l->kind == LAYER_GROUP,
				     l->kind == LAYER_GROUP ? "group section" : "user section", l->file,
				     l->line);
	}
}

/* Root is exempt unless the exempt lists were changed to leave it out. */
static int check_root_exempt(struct checker *ck)
{
	const struct carrel_config *c = ck->c;
	_cleanup_free_ char *buf = NULL;
	char **groups = NULL, why[256];
	size_t n_groups = 0;
	struct passwd pw;
	char where[ORIGIN_MAX];
	gid_t bad = 0;
	enum exempt_by by;
	int db = 0, r = conf_lookup_user("root", &pw, &buf, &db);

	if (r == 0)
		r = conf_user_groups(pw.pw_name, pw.pw_gid, &groups, &n_groups, &bad, &db);
	if (r < 0) {
		carrel_error_set(ck->err, "user \"root\": %s", conf_lookup_why(r, db, why, sizeof(why)));
		return r;
	}
	by = conf_is_exempt(c, pw.pw_name, groups, n_groups);
	conf_free_names(groups, n_groups);
	if (by != EXEMPT_NO)
		return 0;
	conf_file_line(where, sizeof(where), c->exempt_users_file ? c->exempt_users_file : "built-in",
		       c->exempt_users_line);
	warnf(ck,
	      "%s: exempt_users does not name root (nor does exempt_groups name a group of "
	      "root): root's own logins get a carrel, and a broken carrel can lock root out",
	      where);
	return 0;
}

int carrel_config_check(const struct carrel_config *c, const char *user,
			int (*check)(const struct carrel_check *chk, void *ctx, struct carrel_error *err),
			void (*warn)(const char *msg, void *ctx), void *ctx, struct carrel_error *err)
{
	struct checker ck = { .c = c, .check = check, .warn = warn, .ctx = ctx, .err = err };
	char who[PATH_MAX + 300], where[PATH_MAX + 16];
	const char *group;
	int r;

	if (err)
		err->msg[0] = '\0';
	if (!c)
		return -EINVAL;
	check_warnings(&ck);
	check_names(&ck);
	r = check_root_exempt(&ck);
	if (user) {
		snprintf(who, sizeof(who), "user \"%s\"", user);
		if (r >= 0)
			r = check_user(&ck, user, who);
		goto out;
	}
	/* The sections first, so that an error names the section it is in. */
	if (r >= 0)
		r = check_subject(&ck, "top level", NULL, 0, 0, NULL, 0);
	for (size_t i = 0; i < c->n_layers && r >= 0; i++) {
		const struct layer *l = &c->layers[i];

		conf_file_line(where, sizeof(where), l->file, l->line);
		snprintf(who, sizeof(who), "%s \"%s\" (%s)", l->kind == LAYER_GROUP ? "group" : "user",
			 l->name, where);
		group = l->name;
		if (l->kind == LAYER_GROUP)
			r = check_subject(&ck, who, NULL, 0, 0, (char *const *)&group, 1);
		else if (l->kind == LAYER_USER && known_user(l->name))
			r = check_user(&ck, l->name, who);
	}
	if (r >= 0)
		r = check_every_user(&ck);
out:
	for (size_t i = 0; i < ck.n_seen; i++)
		free(ck.seen[i]);
	free(ck.seen);
	if (r == -ENOMEM && err && !err->msg[0])
		carrel_error_set(err, "check: out of memory");
	return r;
}
