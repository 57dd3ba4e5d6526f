/* SPDX-License-Identifier: GPL-2.0-or-later */
/* caps_limit_bounding() fails closed: whichever prctl call fails (the Nth,
 * made to fail by strace --inject, libcap's own probes when it loads
 * included), the bounding set ends empty or the call reports an error,
 * never a capability quietly kept.  Root only (CAP_SETPCAP); each case
 * runs in a child, under strace.
 *
 *   test_caps --child   cut the bounding set to nothing; exit 0 when
 *                       CapBnd reads 0, 3 when caps_limit_bounding()
 *                       refused, 1 when a capability stayed. */
#include "caps.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char strace_out[64];

static int child(void)
{
	char line[256];
	unsigned long long bnd = ~0ULL;
	FILE *f;

	if (caps_limit_bounding(0) < 0)
		return 3;
	f = fopen("/proc/self/status", "re");
	if (!f)
		return 2;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapBnd: %llx", &bnd) == 1)
			break;
	fclose(f);
	printf("CapBnd %016llx\n", bnd);
	return bnd == 0 ? 0 : 1;
}

/* Run the child under strace with the Nth prctl failing with ERR: its exit
 * status, or -1; *hit: the injection happened. */
static int run_injected(const char *self, const char *strace, int n, const char *err, bool *hit)
{
	char inject[64], cmd[4400];
	int st;

	snprintf(inject, sizeof(inject), "prctl:error=%s:when=%d", err, n);
	snprintf(cmd, sizeof(cmd), "%s -qq -f -o %s -e trace=prctl -e inject=%s %s --child >/dev/null 2>&1",
	         strace, strace_out, inject, self);
	st = system(cmd);
	snprintf(cmd, sizeof(cmd), "grep -q INJECTED %s", strace_out);
	*hit = system(cmd) == 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
	static const char *const errs[] = { "EINVAL", "EPERM" };
	const char *strace = NULL;
	char self[4096];
	ssize_t len;

	if (argc > 1 && strcmp(argv[1], "--child") == 0)
		return child();
	if (geteuid() != 0) {
		skip("caps_limit_bounding fails closed", "needs root (CAP_SETPCAP)");
		return tap_done();
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		return 1;
	self[len] = '\0';
	snprintf(strace_out, sizeof(strace_out), "/tmp/test_caps.%d.strace", (int)getpid());
	{
		char cmd[4200];
		int st;

		snprintf(cmd, sizeof(cmd), "%s --child >/dev/null 2>&1", self);
		st = system(cmd);
		check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "without a fault the bounding set ends empty (exit %d)",
		      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	if (access("/usr/bin/strace", X_OK) == 0)
		strace = "/usr/bin/strace";
	if (!strace) {
		skip("caps_limit_bounding with each prctl failing", "no strace (tests/install-deps.sh installs it)");
		return tap_done();
	}
	for (size_t e = 0; e < sizeof(errs) / sizeof(errs[0]); e++) {
		int refused = 0, emptied = 0, kept = 0, other = 0, n;
		bool hit = true;

		/* N = 1.. until the child makes fewer than N prctl calls (bounded). */
		for (n = 1; n <= 400 && hit; n++) {
			int rc = run_injected(self, strace, n, errs[e], &hit);

			if (!hit)
				break;
			if (rc == 0)
				emptied++;
			else if (rc == 3)
				refused++;
			else if (rc == 1) {
				kept++;
				diag("prctl call %d failing with %s left a capability in the bounding set", n, errs[e]);
			} else {
				other++;
				diag("prctl call %d failing with %s: the child exited %d", n, errs[e], rc);
			}
		}
		check(n > 1 && n <= 400 && kept == 0 && other == 0,
		      "every prctl call failing with %s (%d calls): refused %d, bounding set empty %d, capability kept %d, other %d",
		      errs[e], n - 1, refused, emptied, kept, other);
	}
	unlink(strace_out);
	return tap_done();
}
