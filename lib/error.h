/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one error convention (doc/HACKING.md): a fallible function returns 0
 * (or a count) or -errno, and what failed travels in one caller-owned
 * struct carrel_error: the step ("cgroup", "mount /tmp", a config file) and
 * a message that names what is wrong and where.  Library code never logs:
 * one place at the top (the PAM entry point, the helper's reply, carrelctl's
 * printer) turns the error into a PAM code, a reply or a log line.
 */
#ifndef CARREL_ERROR_H
#define CARREL_ERROR_H

struct carrel_error {
	char step[32];   /* the failed step, e.g. "cgroup", "mount /tmp"; "" if none */
	char msg[1024];  /* what is wrong and where (FILE:LINE for config errors) */
};

/* Fill ERR's message (ERR may be NULL: then nothing). */
void carrel_error_set(struct carrel_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set ERR's step (ERR may be NULL: then nothing); the message stays. */
void carrel_error_at(struct carrel_error *err, const char *step);

#endif
