/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TAP output for the unit tests: check, skip, diag, then tap_done() as the
 * exit status of main (1 when a check failed). */
#ifndef CARREL_TAP_H
#define CARREL_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static __attribute__((unused, format(printf, 2, 3))) bool check(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	tap_failed += !cond;
	return cond;
}

static __attribute__((unused)) void skip(const char *desc, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_n, desc, why);
}

/* One "#   " line per line of the message. */
static __attribute__((unused, format(printf, 1, 2))) void diag(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		printf("#   %s\n", line);
}

static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
