/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbers as the config and carrelctl write them: see parse.h. */
#include "parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define LIMIT(f) \
	.offset = offsetof(struct carrel_limits, f), .size = sizeof(((struct carrel_limits *)0)->f)

/* The order is the config's and carrel_policy_print()'s. */
const struct carrel_limit_key carrel_limit_keys[CARREL_N_LIMITS] = {
	{ "memory_max", { CARREL_NUM_SIZE, true, NULL, 1, UINT64_MAX }, LIMIT(memory_max) },
	{ "memory_swap_max", { CARREL_NUM_SIZE, true, NULL, 0, UINT64_MAX }, LIMIT(memory_swap_max) },
	{ "pids_max", { CARREL_NUM_COUNT, true, NULL, 1, UINT64_MAX }, LIMIT(pids_max) },
	/* As a cpu.max quota with a 100 ms period this is pct * 1000 µs; the
	 * upper bound (10000 CPUs) keeps any such arithmetic far from overflow. */
	{ "cpu_max", { CARREL_NUM_PERCENT, true, NULL, 1, 1000000 }, LIMIT(cpu_max) },
	{ "cpu_weight", { CARREL_NUM_COUNT, false, NULL, 1, 10000 }, LIMIT(cpu_weight) },
	{ "io_weight", { CARREL_NUM_COUNT, false, NULL, 1, 10000 }, LIMIT(io_weight) },
	{ "memory_high", { CARREL_NUM_SIZE, true, NULL, 1, UINT64_MAX }, LIMIT(memory_high) },
};

_Static_assert(sizeof(uint32_t) == 4 && sizeof(uint64_t) == 8, "limit field sizes");

const struct carrel_limit_key *carrel_limit_key(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(carrel_limit_keys); i++)
		if (strcmp(carrel_limit_keys[i].name, name) == 0)
			return &carrel_limit_keys[i];
	return NULL;
}

void carrel_limit_set(struct carrel_limits *lim, const struct carrel_limit_key *k, uint64_t v)
{
	char *field = (char *)lim + k->offset;
	uint32_t v32 = (uint32_t)v;

	if (k->size == sizeof(v32))
		memcpy(field, &v32, sizeof(v32));
	else
		memcpy(field, &v, sizeof(v));
}

const char *carrel_show(const char *value, char *buf, size_t size)
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

int carrel_parse_digits(const char *s, const char **end, uint64_t *out)
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

int carrel_parse_proc_stat(const char *text, char *state, uint64_t *ticks)
{
	const char *p = strrchr(text, ')'), *end;
	uint64_t v[2], skip;

	/* ") S ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
	 * cmajflt utime stime": utime is the 11th field after the state. */
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -EINVAL;
	*state = p[2];
	p += 3;
	for (int field = 1; field <= 12; field++) {
		if (*p++ != ' ')
			return -EINVAL;
		if (field >= 11) {
			if (carrel_parse_digits(p, &end, &v[field - 11]) < 0)
				return -EINVAL;
			p = end;
			continue;
		}
		if (*p == '-') /* tty_nr, tpgid */
			p++;
		if (carrel_parse_digits(p, &end, &skip) < 0)
			return -EINVAL;
		p = end;
	}
	if (v[0] > UINT64_MAX - v[1])
		return -ERANGE;
	*ticks = v[0] + v[1];
	return 0;
}

/* The form alone: a number of KIND, sizes scaled by their suffix. */
static int parse_form(enum carrel_num_kind kind, const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	const char *end, *unit;
	int r = carrel_parse_digits(s, &end, out);

	if (r < 0)
		return r;
	if (kind == CARREL_NUM_PERCENT)
		return end[0] == '%' && end[1] == '\0' ? 0 : -EINVAL;
	if (*end == '\0')
		return 0;
	if ((kind != CARREL_NUM_SIZE && kind != CARREL_NUM_RATE) || end[1] != '\0' ||
	    !(unit = strchr(units, *end)))
		return -EINVAL;
	if (kind == CARREL_NUM_RATE) {
		/* Decimal, as rates are written: 10M is 10,000,000 bit/s. */
		for (const char *u = units; u <= unit; u++) {
			if (*out > UINT64_MAX / 1000)
				return -ERANGE;
			*out *= 1000;
		}
		return 0;
	}

	unsigned shift = 10 * (unsigned)(unit - units + 1);

	if (*out > UINT64_MAX >> shift)
		return -ERANGE;
	*out <<= shift;
	return 0;
}

/* "LABEL: invalid size "S" (use ...)" */
static void describe_invalid(const struct carrel_num *n, const char *label, const char *s,
			     char *why, size_t size)
{
	const char *max = n->max_ok ? ", or max" : "";
	char shown[300], hint[128];
	const char *what;

	switch (n->kind) {
	case CARREL_NUM_SIZE:
		what = "size";
		snprintf(hint, sizeof(hint), "use a number with an optional K, M, G or T suffix%s", max);
		break;
	case CARREL_NUM_RATE:
		what = "rate";
		snprintf(hint, sizeof(hint),
			 "use bits per second with an optional K, M, G or T suffix (powers of 1000)%s",
			 max);
		break;
	case CARREL_NUM_PERCENT:
		what = "percentage";
		snprintf(hint, sizeof(hint), "use a whole number followed by %%, like 100%%%s", max);
		break;
	default:
		what = "number";
		snprintf(hint, sizeof(hint), "use a whole number%s", max);
		break;
	}
	snprintf(why, size, "%s: invalid %s \"%s\" (%s)", label, what,
		 carrel_show(s, shown, sizeof(shown)), hint);
}

int carrel_parse_num(const struct carrel_num *n, const char *label, const char *s, uint64_t *out,
		     char *why, size_t size)
{
	const char *pct = n->kind == CARREL_NUM_PERCENT ? "%" : "";
	char buf[8];
	uint64_t v = 0;
	int r;

	if (!why) {
		why = buf;
		size = sizeof(buf);
	}
	if (strcmp(s, "max") == 0 && (n->max_ok || n->why_no_max)) {
		if (n->max_ok) {
			*out = CARREL_UNLIMITED;
			return 0;
		}
		snprintf(why, size, "%s: max is not allowed here (%s)", label, n->why_no_max);
		return -EINVAL;
	}
	r = parse_form(n->kind, s, &v);
	if (r == -ERANGE) {
		snprintf(why, size, "%s: \"%.64s\" is too large", label, s);
		return r;
	}
	if (r < 0) {
		describe_invalid(n, label, s, why, size);
		return r;
	}
	if (v < n->min || v > n->max) {
		if (n->max == UINT64_MAX)
			snprintf(why, size, "%s: %s is out of range (must be at least %" PRIu64 "%s)",
				 label, s, n->min, pct);
		else
			snprintf(why, size, "%s: %s is out of range (%" PRIu64 "%s to %" PRIu64 "%s)",
				 label, s, n->min, pct, n->max, pct);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

int carrel_parse_limit_option(const char *opt, const char *arg, const struct carrel_limit_key **key,
			      uint64_t *out, char *why, size_t size)
{
	char name[32];
	size_t i;

	*key = NULL;
	if (strncmp(opt, "--", 2) != 0 || strlen(opt + 2) >= sizeof(name))
		return -ENOENT;
	/* Only the dashed spelling: --memory_max is not an option. */
	for (i = 0; opt[i + 2]; i++)
		name[i] = opt[i + 2] == '-' ? '_' : opt[i + 2] == '_' ? '-' : opt[i + 2];
	name[i] = '\0';
	if (!(*key = carrel_limit_key(name)))
		return -ENOENT;
	if (!arg) {
		if (why)
			snprintf(why, size, "%s needs a value", opt);
		return -EINVAL;
	}
	return carrel_parse_num(&(*key)->num, opt, arg, out, why, size);
}

/* ---- allow_out / deny_out entries ----------------------------------------- */

static int rule_invalid(const char *label, const char *s, const char *reason, char *why,
			size_t size)
{
	char shown[300];

	if (why)
		snprintf(why, size,
			 "%s: invalid entry \"%s\" (%s; use \"CIDR\", \"CIDR:PORT\", \"PROTO:PORT\", "
			 "\"HOST:PORT\" or \"[IPv6/len]:PORT\")",
			 label, carrel_show(s, shown, sizeof(shown)), reason);
	return -EINVAL;
}

/* A port: 1..65535, digits only. */
static int parse_port(const char *s, uint16_t *out)
{
	const char *end;
	uint64_t v;

	if (carrel_parse_digits(s, &end, &v) < 0 || *end || v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* "ADDR" or "ADDR/LEN" of FAMILY (S is LEN bytes, not NUL-terminated). */
static int parse_cidr(int family, const char *s, size_t len, struct carrel_net_rule *out)
{
	unsigned bits = family == AF_INET ? 32 : 128;
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash, *end;
	uint64_t prefix = bits;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash) {
		if (carrel_parse_digits(slash + 1, &end, &prefix) < 0 || *end || prefix > bits)
			return -EINVAL;
		buf[slash - buf] = '\0';
	}
	memset(out->addr, 0, sizeof(out->addr));
	if (inet_pton(family, buf, out->addr) != 1)
		return -EINVAL;
	for (unsigned i = (unsigned)prefix; i < bits; i++)
		out->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	out->family = (uint8_t)family;
	out->prefix = (uint8_t)prefix;
	return 0;
}

/* A DNS name: labels of letters, digits and '-', not all digits and dots. */
static bool is_host_name(const char *s, size_t len)
{
	size_t label = 0;
	bool alpha = false;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
		alpha |= !(c >= '0' && c <= '9');
	}
	return alpha;
}

/* "TCP:22" and "icmp:1" are mistakes, not hosts named TCP or icmp. */
static bool is_proto_word(const char *s, size_t len)
{
	static const char *const words[] = { "tcp", "udp", "icmp", "icmpv6", "ipv6-icmp", "sctp",
					     "dccp", "udplite", "gre", "esp", "ah" };

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i]) == len && strncasecmp(words[i], s, len) == 0)
			return true;
	return false;
}

int carrel_parse_net_rule(const char *label, const char *s, struct carrel_net_rule *out, char *why,
			  size_t size)
{
	size_t len = strlen(s);
	const char *colon, *host;
	size_t host_len;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return rule_invalid(label, s, "empty", why, size);
	if (len >= sizeof(out->text))
		return rule_invalid(label, s, "too long", why, size);
	memcpy(out->text, s, len + 1);

	if (s[0] == '[') { /* "[v6]" or "[v6/len]:PORT" */
		const char *close = strchr(s, ']');

		if (!close || parse_cidr(AF_INET6, s + 1, (size_t)(close - s - 1), out) < 0)
			return rule_invalid(label, s, "not an IPv6 address in brackets", why, size);
		if (close[1] == '\0')
			return 0;
		if (close[1] != ':' || parse_port(close + 2, &out->port) < 0)
			return rule_invalid(label, s, "the port must be 1 to 65535", why, size);
		return 0;
	}
	if (strncmp(s, "tcp:", 4) == 0 || strncmp(s, "udp:", 4) == 0) {
		out->proto = s[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		if (parse_port(s + 4, &out->port) < 0)
			return rule_invalid(label, s, "the port must be 1 to 65535", why, size);
		return 0;
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':')) { /* IPv6 without brackets: no port */
		if (parse_cidr(AF_INET6, s, len, out) < 0)
			return rule_invalid(label, s, "not an IPv6 address (a port needs brackets)",
					    why, size);
		return 0;
	}
	host = s;
	host_len = colon ? (size_t)(colon - s) : len;
	if (colon && parse_port(colon + 1, &out->port) < 0)
		return rule_invalid(label, s, "the port must be 1 to 65535", why, size);
	if (parse_cidr(AF_INET, host, host_len, out) == 0)
		return 0;
	if (!is_host_name(host, host_len) || memchr(host, '/', host_len))
		return rule_invalid(label, s, "not an address, a CIDR or a host name", why, size);
	if (colon && is_proto_word(host, host_len))
		return rule_invalid(label, s, "PROTO is tcp or udp, in lower case", why, size);
	if (!colon)
		return rule_invalid(label, s, "a host name needs a port, HOST:PORT", why, size);
	out->host_len = (uint8_t)host_len;
	return 0;
}
