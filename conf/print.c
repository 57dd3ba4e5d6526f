/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Values and policies in the config file's own syntax (check-config, carrelctl show). */
#include "conf_internal.h"
#include "ctrl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
		while (v % conf_linger_units[u].sec != 0)
			u++;
		snprintf(buf, size, "%" PRId64 "%c", v / conf_linger_units[u].sec,
			 conf_linger_units[u].suffix);
	}
}

/* A list limit: {"a", "b"}.  Items hold no quote or backslash (lib/ctrl.c). */
static void format_items(const char (*items)[CARREL_ITEM_MAX + 1], char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "{");

	for (size_t j = 0; j < CARREL_LIST_MAX && items[j][0] && len < size; j++)
		len += (size_t)snprintf(buf + len, size - len, "%s\"%.*s\"", j ? ", " : "",
					CARREL_ITEM_MAX, items[j]);
	if (len < size)
		snprintf(buf + len, size - len, "}");
}

/* { "10.0.0.0/8:443", "tcp:22" }: as written, the config's list syntax. */
static void format_net_rules(const struct carrel_net_rules *rules, char *buf, size_t size)
{
	size_t len = 0;

	len += (size_t)snprintf(buf, size, "{");
	for (uint32_t i = 0; i < rules->n && i < CARREL_NET_RULES_MAX && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s\"%s\"", i ? ", " : " ",
					rules->rule[i].text);
	if (len < size)
		snprintf(buf + len, size - len, "%s}", rules->n ? " " : "");
}

/* Bits per second with the largest decimal suffix that divides. */
static void format_rate(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && v != 0 && v % 1000 == 0) {
		v /= 1000;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%" PRIu64, v);
	else
		snprintf(buf, size, "%" PRIu64 "%c", v, units[u]);
}

void conf_format_value(const struct key *k, const struct carrel_policy *p, char *buf, size_t size)
{
	const char *str = (const char *)p + k->offset;

	uint64_t v = conf_field_load(p, k);

	if (k->num && k->num->max_ok && v == CARREL_UNLIMITED) {
		snprintf(buf, size, "max");
		return;
	}
	switch (k->kind) {
	case K_NAMESPACES:
		format_bits(v, conf_namespace_words, N_NAMESPACES, buf, size);
		break;
	case K_CAPABILITIES:
		format_bits(v, conf_capability_names, conf_n_capability_names, buf, size);
		break;
	case K_ITEMS:
		format_items((const void *)str, buf, size);
		break;
	case K_IFNAME:
	case K_CIDR4:
	case K_CIDR6:
	case K_CPUSET:
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
	case K_NETRULES:
		format_net_rules((const struct carrel_net_rules *)(const void *)str, buf, size);
		break;
	case K_NUMBER:
		if (k->num->kind == CARREL_NUM_RATE)
			format_rate(v, buf, size);
		else if (k->num->kind == CARREL_NUM_SIZE)
			format_size(v, buf, size);
		else
			snprintf(buf, size, "%" PRIu64 "%s", v,
				 k->num->kind == CARREL_NUM_PERCENT ? "%" : "");
		break;
	}
}

void carrel_policy_print(FILE *f, const struct carrel_policy *policy)
{
	char value[VALUE_MAX];

	fprintf(f, "# exempt: %s\n", policy->exempt ? "yes" : "no");
	for (size_t i = 0; i < N_KEYS; i++) {
		if (conf_keys[i].in_limits)
			continue;
		conf_format_value(&conf_keys[i], policy, value, sizeof(value));
		fprintf(f, "%s = %s\n", conf_keys[i].name, value);
	}
	fprintf(f, "limits {\n");
	for (size_t i = 0; i < N_KEYS; i++) {
		if (!conf_keys[i].in_limits)
			continue;
		conf_format_value(&conf_keys[i], policy, value, sizeof(value));
		fprintf(f, "\t%s = %s\n", conf_keys[i].name, value);
	}
	fprintf(f, "}\n");
}
