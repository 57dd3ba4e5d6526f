/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The items of the seed's other controllers' limits: see ctrl.h. */
#include "ctrl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "util.h"

static int invalid(const char *label, const char *s, const char *what, char *why, size_t size)
{
	char shown[300];

	if (why)
		snprintf(why, size, "%s: \"%s\": %s", label, carrel_show(s, shown, sizeof(shown)),
			 what);
	return -EINVAL;
}

/* ------------------------------------------------------------ cpusets */

int carrel_parse_cpuset(const char *label, const char *s, struct carrel_cpuset *out, char *why,
			size_t size)
{
	static const char hint[] =
		"use CPU or node numbers and ranges separated by commas, like \"0-7,9\"";
	const char *p = s, *end;
	uint64_t a, b;

	memset(out, 0, sizeof(*out));
	if (strlen(s) > CARREL_CPUSET_MAX)
		return invalid(label, s, "too long (at most 63 characters)", why, size);
	while (*p) {
		if (carrel_parse_digits(p, &end, &a) < 0)
			return invalid(label, s, hint, why, size);
		b = a;
		if (*end == '-' && carrel_parse_digits(end + 1, &end, &b) < 0)
			return invalid(label, s, hint, why, size);
		if (a > b)
			return invalid(label, s, "a range runs backwards", why, size);
		if (b >= CARREL_CPUSET_BITS)
			return invalid(label, s, "numbers go up to 4095", why, size);
		for (uint64_t i = a; i <= b; i++)
			out->bits[i / 64] |= UINT64_C(1) << (i % 64);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return invalid(label, s, hint, why, size);
		p = end;
	}
	return 0;
}

bool carrel_cpuset_empty(const struct carrel_cpuset *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(c->bits); i++)
		if (c->bits[i])
			return false;
	return true;
}

static bool bit(const struct carrel_cpuset *c, unsigned i)
{
	return i < CARREL_CPUSET_BITS && (c->bits[i / 64] >> (i % 64)) & 1;
}

void carrel_cpuset_format(const struct carrel_cpuset *c, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < CARREL_CPUSET_BITS && len < size; i++) {
		unsigned j = i;

		if (!bit(c, i))
			continue;
		while (bit(c, j + 1))
			j++;
		len += (size_t)snprintf(buf + len, size - len, j > i ? "%s%u-%u" : "%s%u",
					len ? "," : "", i, j);
		i = j;
	}
}

/* ------------------------------------------------------------ items */

/* The next word of *P (space-separated) into WORD; false at the end. */
static bool next_word(const char **p, char *word, size_t size)
{
	size_t n;

	*p += strspn(*p, " \t");
	n = strcspn(*p, " \t");
	if (n == 0)
		return false;
	snprintf(word, size, "%.*s", (int)(n < size ? n : size - 1), *p);
	*p += n;
	return true;
}

/* A path under /dev: letters, digits, / . _ - + : and, if GLOB_OK, * ? [ ]. */
static int check_dev_path(const char *label, const char *s, const char *path, bool glob_ok,
			  char *why, size_t size)
{
	if (strncmp(path, "/dev/", 5) != 0 || !path[5])
		return invalid(label, s, "the device must be a path under /dev/", why, size);
	for (const char *c = path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("/._-+:", *c) || (glob_ok && strchr("*?[]", *c)))
			continue;
		return invalid(label, s,
			       glob_ok ? "the path may hold letters, digits, / . _ - + : and the globs * ? [ ]"
				       : "the path may hold letters, digits, / . _ - + :",
			       why, size);
	}
	if (strstr(path, "/../") || strstr(path, "/./") || strcmp(path + strlen(path) - 2, "/.") == 0 ||
	    strcmp(path + strlen(path) - 3, "/..") == 0)
		return invalid(label, s, "no . or .. in the path", why, size);
	return 0;
}

int carrel_parse_io_item(const char *label, const char *s, struct carrel_io_item *out, char *why,
			 size_t size)
{
	static const struct carrel_num bps = { CARREL_NUM_SIZE, true, NULL, 1, UINT64_MAX };
	static const struct carrel_num iops = { CARREL_NUM_COUNT, true, NULL, 1, UINT64_MAX };
	static const char *const names[] = { "rbps", "wbps", "riops", "wiops" };
	const char *p = s;
	char word[CARREL_ITEM_MAX + 1], sub[96];
	bool any = false;
	int r;

	memset(out, 0, sizeof(*out));
	out->rbps = out->wbps = out->riops = out->wiops = CARREL_UNLIMITED;
	if (!next_word(&p, out->path, sizeof(out->path)))
		return invalid(label, s, "empty (use \"/dev/DISK rbps=50M wbps=20M riops=1000 wiops=500\")",
			       why, size);
	if ((r = check_dev_path(label, s, out->path, false, why, size)) < 0)
		return r;
	while (next_word(&p, word, sizeof(word))) {
		uint64_t *field[] = { &out->rbps, &out->wbps, &out->riops, &out->wiops };
		char *eq = strchr(word, '=');
		size_t i;

		for (i = 0; eq && i < ARRAY_SIZE(names); i++)
			if ((size_t)(eq - word) == strlen(names[i]) &&
			    strncmp(word, names[i], strlen(names[i])) == 0)
				break;
		if (!eq || i == ARRAY_SIZE(names))
			return invalid(label, s, "use rbps=, wbps=, riops= or wiops= after the device",
				       why, size);
		snprintf(sub, sizeof(sub), "%s: %s", label, names[i]);
		if ((r = carrel_parse_num(i < 2 ? &bps : &iops, sub, eq + 1, field[i], why, size)) < 0)
			return r;
		any = true;
	}
	if (!any)
		return invalid(label, s, "no rate given (rbps=, wbps=, riops= or wiops=)", why, size);
	return 0;
}

int carrel_parse_hugetlb_item(const char *label, const char *s, struct carrel_hugetlb_item *out,
			      char *why, size_t size)
{
	static const struct carrel_num page = { CARREL_NUM_SIZE, false, "a page has a size", 4096,
						UINT64_C(16) << 30 };
	static const struct carrel_num max = { CARREL_NUM_SIZE, true, NULL, 0, UINT64_MAX };
	const char *p = s;
	char w1[32], w2[32], extra[8], sub[96];
	int r;

	if (!next_word(&p, w1, sizeof(w1)) || !next_word(&p, w2, sizeof(w2)) ||
	    next_word(&p, extra, sizeof(extra)))
		return invalid(label, s, "use \"PAGESIZE LIMIT\", like \"2M 0\" or \"1G 4G\"", why,
			       size);
	snprintf(sub, sizeof(sub), "%s: page size", label);
	if ((r = carrel_parse_num(&page, sub, w1, &out->page, why, size)) < 0)
		return r;
	if (out->page & (out->page - 1))
		return invalid(label, s, "a page size is a power of two", why, size);
	snprintf(sub, sizeof(sub), "%s: limit", label);
	return carrel_parse_num(&max, sub, w2, &out->max, why, size);
}

void carrel_hugetlb_name(uint64_t page, char *buf, size_t size)
{
	if (page >= (UINT64_C(1) << 30))
		snprintf(buf, size, "%" PRIu64 "GB", page >> 30);
	else if (page >= (UINT64_C(1) << 20))
		snprintf(buf, size, "%" PRIu64 "MB", page >> 20);
	else
		snprintf(buf, size, "%" PRIu64 "KB", page >> 10);
}

int carrel_parse_dev_item(const char *label, const char *s, struct carrel_dev_item *out, char *why,
			  size_t size)
{
	const char *p = s;
	char access[16], extra[8];
	int r;

	memset(out, 0, sizeof(*out));
	if (!next_word(&p, out->pattern, sizeof(out->pattern)) ||
	    !next_word(&p, access, sizeof(access)) || next_word(&p, extra, sizeof(extra)))
		return invalid(label, s, "use \"PATH-OR-GLOB ACCESS\", like \"/dev/nvidia* rwm\"",
			       why, size);
	if ((r = check_dev_path(label, s, out->pattern, true, why, size)) < 0)
		return r;
	out->glob = strpbrk(out->pattern, "*?[") != NULL;
	for (const char *c = access; *c; c++) {
		unsigned b = *c == 'r' ? CARREL_DEV_READ : *c == 'w' ? CARREL_DEV_WRITE :
			     *c == 'm' ? CARREL_DEV_MKNOD : 0;

		if (!b || (out->access & b))
			return invalid(label, s, "the access is r, w and m, each at most once", why,
				       size);
		out->access |= b;
	}
	return 0;
}

bool carrel_limits_form_ok(const struct carrel_limits *lim)
{
	const char(*lists[])[CARREL_ITEM_MAX + 1] = { lim->io_max, lim->hugetlb_max, lim->devices_deny,
						      lim->devices_allow };

	if (!memchr(lim->cpuset_cpus, 0, sizeof(lim->cpuset_cpus)) || !memchr(lim->cpuset_mems, 0, sizeof(lim->cpuset_mems)))
		return false;
	for (size_t k = 0; k < ARRAY_SIZE(lists); k++)
		for (size_t i = 0; i < CARREL_LIST_MAX; i++)
			if (!memchr(lists[k][i], 0, CARREL_ITEM_MAX + 1))
				return false;
	return true;
}

size_t carrel_list_len(const char (*list)[CARREL_ITEM_MAX + 1])
{
	size_t n = 0;

	while (n < CARREL_LIST_MAX && list[n][0])
		n++;
	return n;
}
