/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test of carrelctl top's and metrics' printers (ctl/top.c), linked
 * as carrelctl links them, fed carrels by a SCAN of the test's own (their
 * cgroups name nothing, so every figure is unknown): a user name with a
 * quote, a backslash and a newline is escaped in the Prometheus labels and
 * in the JSON; unknown figures are null in JSON, "-" in the table and left
 * out of the metrics; the table fits 80 columns; sort names; a failing
 * SCAN's error comes back.  TAP on stdout; exit 1 on a failure.
 */
#include "top.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int scan_error;

static int fake_scan(struct session **all, int *n)
{
	static const char *const users[] = { "alice", "ev\"il\\\nname", "averyveryverylongusername" };
	struct session *s;

	if (scan_error)
		return scan_error;
	if (!(s = calloc(ARRAY_SIZE(users), sizeof(*s))))
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(users); i++) {
		snprintf(s[i].id, sizeof(s[i].id), "%zu", 1234567 + i);
		snprintf(s[i].user, sizeof(s[i].user), "%s", users[i]);
		s[i].uid = (uid_t)(1000 + i);
		s[i].started = 1700000000;
		s[i].nlogins = 1;
	}
	*all = s;
	*n = (int)ARRAY_SIZE(users);
	return 0;
}

/* What F (a memstream) holds after RUN. */
static char *capture(int (*run)(FILE *f))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return NULL;
	r = run(f);
	fclose(f);
	if (r != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int run_metrics(FILE *f)
{
	return metrics_print(f, fake_scan);
}

static int run_json(FILE *f)
{
	struct top_options o = { .sort = TOP_SORT_ID, .delay_ms = TOP_DELAY_MIN_MS, .once = true, .json = true };
	return top_run(f, &o, fake_scan);
}

static int run_table(FILE *f)
{
	struct top_options o = { .sort = TOP_SORT_CPU, .delay_ms = TOP_DELAY_MIN_MS, .once = true };
	return top_run(f, &o, fake_scan);
}

static void test_metrics(void)
{
	_cleanup_free_ char *m = capture(run_metrics);

	if (!check(m != NULL, "metrics: printed"))
		return;
	check(strstr(m, "carrel_user_carrels{user=\"ev\\\"il\\\\\\nname\",uid=\"1001\"} 1\n") != NULL,
	      "metrics: a quote, a backslash and a newline in a label value are escaped");
	check(strstr(m, "# HELP carrel_user_carrels ") && strstr(m, "# TYPE carrel_user_carrels gauge\n"),
	      "metrics: HELP and TYPE lines");
	check(!strstr(m, "carrel_cpu_seconds_total"), "metrics: a figure no carrel can tell is left out, family and all");
	check(strstr(m, "carrel_user_memory_bytes{user=\"alice\",uid=\"1000\"} 0\n") != NULL,
	      "metrics: a user's sums count unknown figures as nothing");
	bool one_line = true;
	for (const char *p = m; *p; p = strchr(p, '\n') + 1) {
		if (!strchr(p, '\n')) {
			one_line = false;
			break;
		}
		if (strncmp(p, "carrel_", 7) != 0 && strncmp(p, "# HELP ", 7) != 0 && strncmp(p, "# TYPE ", 7) != 0)
			one_line = false;
	}
	check(one_line, "metrics: every line is a sample, HELP or TYPE, each ends in a newline");
}

static void test_json(void)
{
	_cleanup_free_ char *j = capture(run_json);

	if (!check(j != NULL, "top --json: printed"))
		return;
	check(strstr(j, "\"user\":\"ev\\\"il\\\\\\u000aname\"") != NULL, "top --json: the user name is escaped");
	check(strstr(j, "\"cpu_percent\":null,\"cpu_usec\":null,\"memory\":{\"current\":null,\"peak\":null,"
			"\"high\":null,\"max\":null},\"pids\":{\"current\":null,\"max\":null},\"io\":{") != NULL,
	      "top --json: unknown figures are null, in their objects");
	check(strstr(j, "\"tx_bytes_per_sec\":null}}") != NULL, "top --json: each carrel's object is closed");
	const char *a = strstr(j, "\"id\":\"1234567\""), *b = strstr(j, "\"id\":\"1234568\"");
	check(a && b && a < b, "top --json -s id: in id order");
}

static void test_table(void)
{
	_cleanup_free_ char *t = capture(run_table);
	bool narrow = true;

	if (!check(t != NULL, "top --once: printed"))
		return;
	for (char *line = t, *nl; *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		narrow = narrow && nl - line <= 80;
	}
	check(narrow, "top --once: every line within 80 columns");
	check(strncmp(t, "ID      USER", 12) == 0, "top --once: the header first");
	check(strstr(t, "averyveryve+ ") != NULL, "top --once: a long user name is cut, marked with +");
	check(strstr(t, "1234567 alice            -      -      -      -     -           -           -\n") != NULL,
	      "top --once: unknown figures are -");
}

static void test_sort_and_errors(void)
{
	enum top_sort s;
	struct top_options o = { .delay_ms = TOP_DELAY_MIN_MS, .once = true };

	check(top_parse_sort("mem", &s) == 0 && s == TOP_SORT_MEM && top_parse_sort("net", &s) == 0 &&
		      s == TOP_SORT_NET && top_parse_sort("Mem", &s) == -EINVAL && top_parse_sort("", &s) == -EINVAL,
	      "sort names: cpu mem io pids net id, exactly");
	scan_error = -EACCES;
	check(top_run(stdout, &o, fake_scan) == -EACCES && metrics_print(stdout, fake_scan) == -EACCES,
	      "a failing scan's error comes back, nothing printed");
	scan_error = 1;
	check(metrics_print(stdout, fake_scan) == 1, "a scan that has said why it failed (1) comes back as is");
	scan_error = 0;
}

int main(void)
{
	test_metrics();
	test_json();
	test_table();
	test_sort_and_errors();
	return tap_done();
}
