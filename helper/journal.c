/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * journal.h.  libsystemd is loaded (dlopen by its soname) only where
 * journald's socket exists: a keeper on a host without systemd never maps
 * it, and one whose library cannot be loaded logs to syslog as before.
 */
#include "journal.h"
#include "util.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
/* The fields added here: MESSAGE, PRIORITY, SYSLOG_FACILITY, SYSLOG_IDENTIFIER. */
#define OWN_FIELDS 4
#define MAX_FIELDS 32

static typeof(sd_journal_sendv) *journal_sendv;

/* 0 once sd_journal_sendv is there; -ENOENT without journald, -ELIBACC
 * without the library (tried once). */
static int journal_load(void)
{
	static int tried;
	void *lib;

	if (journal_sendv)
		return 0;
	if (tried)
		return -ELIBACC;
	if (access(JOURNAL_SOCKET, F_OK) < 0)
		return -ENOENT; /* journald may start later: asked again next time */
	tried = 1;
	if (!(lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL)))
		return -ELIBACC;
	if (!(*(void **)&journal_sendv = dlsym(lib, "sd_journal_sendv"))) {
		dlclose(lib);
		return -ELIBACC;
	}
	return 0;
}

void journal_line(int priority, const char *message, const char *const *fields, int n)
{
	char msg[2048], prio[32];
	struct iovec iov[OWN_FIELDS + MAX_FIELDS];
	int k = 0;

	if (n <= MAX_FIELDS && journal_load() == 0) {
		snprintf(msg, sizeof(msg), "MESSAGE=%s", message);
		snprintf(prio, sizeof(prio), "PRIORITY=%d", priority & LOG_PRIMASK);
		iov[k++] = (struct iovec){ msg, strlen(msg) };
		iov[k++] = (struct iovec){ prio, strlen(prio) };
		/* As main.c's openlog(): carrel-helper, authpriv. */
		iov[k++] = (struct iovec){ "SYSLOG_FACILITY=10", 18 };
		iov[k++] = (struct iovec){ "SYSLOG_IDENTIFIER=carrel-helper", 31 };
		for (int i = 0; i < n; i++)
			iov[k++] = (struct iovec){ (void *)fields[i], strlen(fields[i]) };
		if (journal_sendv(iov, k) >= 0)
			return;
	}
	syslog(priority, "%s", message);
}
