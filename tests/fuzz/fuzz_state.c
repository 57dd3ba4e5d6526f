/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the state-file reader (ctl/sessions.c), which carrelctl
 * and the helper's status run on what keepers wrote.  Built with
 * CARREL_RUNDIR pointing at /tmp/carrel-fuzz-state, so that the input,
 * written there as sessions/1, is read as a carrel's state file by
 * session_load() and sessions_scan().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sessions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct session s;
	struct session *all = NULL;
	int n = 0;
	FILE *f;

	(void)mkdir(CARREL_RUNDIR, 0700);
	(void)mkdir(CARREL_SESSIONS_DIR, 0700);
	f = fopen(CARREL_SESSIONS_DIR "/1", "we");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	(void)session_load("1", &s);
	if (sessions_scan(SESSION_ALL_USERS, &all, &n) == 0)
		free(all);
	unlink(CARREL_SESSIONS_DIR "/1");
	return 0;
}
