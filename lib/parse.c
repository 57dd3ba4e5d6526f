/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbers as the config and carrelctl write them: see parse.h. */
#include "parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
	if (kind != CARREL_NUM_SIZE || end[1] != '\0' || !(unit = strchr(units, *end)))
		return -EINVAL;

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
