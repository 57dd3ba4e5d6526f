/* SPDX-License-Identifier: GPL-2.0-or-later */
/* helper/cap_dlopen.c: lib/caps.c with libcap loaded where used.  Before
 * carrel_libcap_load() and after carrel_libcap_unload() every call fails
 * with ELIBACC (the holder's set-up then fails: the login is refused, never
 * let in with its capabilities); loaded, the capabilities really go; and
 * unloaded, the process maps no libcap (what a keeper must not). */
#include "cap_dlopen.h"
#include "caps.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The process's maps name libcap? */
static bool maps_libcap(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "libcap.so"))
			found = true;
	fclose(f);
	return found;
}

/* In a child: clear every capability, then read CapEff back. */
static bool clears_in_child(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		char line[256];
		unsigned long long eff = ~0ULL;
		FILE *f;

		if (caps_clear_all() < 0)
			_exit(3);
		if (!(f = fopen("/proc/self/status", "re")))
			_exit(2);
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %llx", &eff) == 1)
				break;
		_exit(eff == 0 ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
	int r;

	check(!maps_libcap(), "not loaded: the process maps no libcap");
	r = caps_clear_all();
	check(r == -ELIBACC, "not loaded: caps_clear_all() fails with ELIBACC (got %d)", r);
	r = caps_limit_bounding(~0ULL);
	check(r == -ELIBACC, "not loaded: caps_limit_bounding() fails with ELIBACC (got %d)", r);
	check(carrel_libcap_load() == 0, "carrel_libcap_load() loads " CARREL_LIBCAP_SONAME);
	check(maps_libcap(), "loaded: the process maps libcap");
	if (geteuid() == 0)
		check(clears_in_child(), "loaded: caps_clear_all() leaves a root child no effective capability");
	else
		skip("loaded: caps_clear_all() leaves a root child no effective capability", "not root");
	carrel_libcap_unload();
	check(!maps_libcap(), "unloaded: the process maps no libcap");
	r = caps_clear_all();
	check(r == -ELIBACC, "unloaded: caps_clear_all() fails with ELIBACC again (got %d)", r);
	return tap_done();
}
