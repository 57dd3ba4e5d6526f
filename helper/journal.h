/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keeper's accounting lines with structured fields: to the journal
 * where journald runs (sd_journal_sendv, libsystemd loaded on the first
 * line, as cgroup/sd_bus_dlopen.c loads sd-bus), to syslog elsewhere or
 * when the journal does not take it.
 */
#ifndef CARREL_JOURNAL_H
#define CARREL_JOURNAL_H

/* One line: MESSAGE for syslog and the journal's MESSAGE=, and the
 * journal's fields FIELDS[0..N) ("KEY=VALUE", KEY in upper case; a value
 * must not hold a newline).  PRIORITY is syslog's (LOG_INFO...); the
 * journal also gets the identifier and facility openlog() gave syslog. */
void journal_line(int priority, const char *message, const char *const *fields, int n);

#endif
