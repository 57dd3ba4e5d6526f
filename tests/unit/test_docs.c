/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manual pages follow the code.  Every key of the config schema
 * (conf_keys[], read here from the code, so keys added later are checked
 * too) has an entry in conf/carrel.conf.5, and every command carrelctl
 * lists in its usage has one in ctl/carrelctl.8.  An entry is the tag line
 * of a .TP paragraph that starts with the name (troff escapes removed).
 * Run from the top of the tree (tests/run-all.sh does); TAP on stdout.
 */
#include "conf_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define MAX_TAGS 512

/* The tag lines of every .TP paragraph of PATH (and the extra tags .TQ
 * adds to one), as plain text. */
static int read_tags(const char *path, char tags[][256], int max)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	bool tag_next = false;
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < max) {
		if (strncmp(line, ".TP", 3) == 0 || strncmp(line, ".TQ", 3) == 0) {
			tag_next = true;
			continue;
		}
		if (!tag_next)
			continue;
		tag_next = false;
		/* ".BR name ..." / ".BI \"name = \" ..." -> "name = ..." */
		char *p = line, *o = tags[n];
		if (*p == '.')
			p += strcspn(p, " \t\n");
		while (*p && o < tags[n] + 255) {
			if (*p == '\\' && p[1] == '-') {
				*o++ = '-';
				p += 2;
			} else if (*p == '\\' && p[1] == 'f' && p[2]) {
				p += 3;
			} else if (*p == '"' || *p == '\n') {
				p++;
			} else {
				*o++ = *p++;
			}
		}
		*o = '\0';
		n++;
	}
	fclose(f);
	return n;
}

/* Whether a tag starts with NAME, as a whole word. */
static bool has_entry(char tags[][256], int n, const char *name)
{
	size_t len = strlen(name);

	for (int i = 0; i < n; i++) {
		const char *t = tags[i] + strspn(tags[i], " ");

		if (strncmp(t, name, len) == 0 && (t[len] == '\0' || strchr(" =,[", t[len])))
			return true;
	}
	return false;
}

static void test_conf_keys(void)
{
	static char tags[MAX_TAGS][256];
	int n = read_tags("conf/carrel.conf.5", tags, MAX_TAGS);

	if (!check(n > 0, "conf/carrel.conf.5 has .TP entries"))
		return;
	for (size_t i = 0; i < N_KEYS; i++)
		check(has_entry(tags, n, conf_keys[i].name),
		      "carrel.conf(5) documents the key %s%s",
		      conf_keys[i].in_limits ? "limits." : "", conf_keys[i].name);
	check(has_entry(tags, n, "exempt_users") && has_entry(tags, n, "exempt_groups"),
	      "carrel.conf(5) documents exempt_users and exempt_groups");
}

static void test_carrelctl_verbs(void)
{
	static char tags[MAX_TAGS][256];
	char line[512], verb[64];
	int n = read_tags("ctl/carrelctl.8", tags, MAX_TAGS), verbs = 0;
	/* carrelctl with no argument prints its usage, one "carrelctl VERB" a line. */
	FILE *p = popen("ctl/carrelctl 2>&1", "re");

	if (!check(n > 0 && p, "ctl/carrelctl.8 has .TP entries and ctl/carrelctl runs")) {
		if (p)
			pclose(p);
		return;
	}
	while (fgets(line, sizeof(line), p)) {
		const char *c = strstr(line, "carrelctl ");

		if (!c || sscanf(c + 10, "%63s", verb) != 1 || verb[0] == '-')
			continue;
		verbs++;
		check(has_entry(tags, n, verb), "carrelctl(8) documents the command %s", verb);
	}
	pclose(p);
	check(verbs >= 5, "carrelctl's usage lists its commands (%d found)", verbs);
}

int main(void)
{
	test_conf_keys();
	test_carrelctl_verbs();
	return tap_done();
}
