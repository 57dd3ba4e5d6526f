/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The second tier of PAM module tests (as Linux-PAM's tst-pam_*): real
 * libpam loads pam_carrel.so from service files written to a temporary
 * directory (pam_start_confdir) and the return values are checked.  No
 * carrel is ever built here: only refusals and exempt users, so the host is
 * not touched.  Cases that need a root-owned config file are skipped when
 * not run as root.
 *
 *   test_pam_confdir [MODULE]    (default: pam_module/pam_carrel.so)
 *
 * Prints TAP; exits 0 if nothing failed, 1 otherwise.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "tap.h"

static char dir[] = "/tmp/carrel-confdir.XXXXXX";
static char module[PATH_MAX];

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

static const struct pam_conv conv = { no_conv, NULL };

/* write_file NAME MODE TEXT: DIR/NAME with TEXT, then chmod MODE. */
static int write_file(const char *name, mode_t mode, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return chmod(path, mode);
}

/* A service file whose only line runs the module with ARGS. */
static int write_service(const char *service, const char *args)
{
	char text[PATH_MAX * 2 + 64];

	snprintf(text, sizeof(text), "session required %s %s\n", module, args);
	return write_file(service, 0644, text);
}

/*
 * open_close SERVICE USER &ENV: pam_open_session's result; on success also
 * closes the session and reports whether CARREL_SESSION was set in between.
 */
static int open_close(const char *service, const char *user, bool *had_env, int *close_r)
{
	pam_handle_t *pamh = NULL;
	int r = pam_start_confdir(service, user, &conv, dir, &pamh);

	if (r != PAM_SUCCESS) {
		printf("#   pam_start_confdir(%s, %s): %d\n", service, user, r);
		return r;
	}
	r = pam_open_session(pamh, 0);
	if (had_env)
		*had_env = pam_getenv(pamh, "CARREL_SESSION") != NULL;
	if (r == PAM_SUCCESS && close_r)
		*close_r = pam_close_session(pamh, 0);
	else if (r != PAM_SUCCESS)
		printf("#   pam_open_session(%s, %s) = %d (%s)\n", service, user, r, pam_strerror(pamh, r));
	pam_end(pamh, r);
	return r;
}

static void cleanup(void)
{
	static const char *const names[] = { "good.conf",     "broken.conf",   "unclosed.conf",   "open.conf",
					     "carrel-good",   "carrel-broken", "carrel-unclosed", "carrel-open",
					     "carrel-badopt", "carrel-relative", NULL };
	char path[PATH_MAX];

	for (int i = 0; names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "pam_module/pam_carrel.so";
	bool root = geteuid() == 0;
	char args[PATH_MAX + 32];
	bool env;
	int r, cr;

	if (!realpath(path, module)) {
		printf("not ok 1 - %s exists\n1..1\n", path);
		return 1;
	}
	if (!mkdtemp(dir)) {
		printf("not ok 1 - mkdtemp: %s\n1..1\n", strerror(errno));
		return 1;
	}
	atexit(cleanup);

	/*
	 * Every config exempts nobody: a config that should be refused but is
	 * accepted lets nobody in (a failed test), never builds a carrel.
	 */
#define EXEMPT "cgroup_parent = self\nexempt_users = {\"root\", \"nobody\"}\n"
	if (write_file("good.conf", 0644, EXEMPT) < 0 ||
	    write_file("broken.conf", 0644, EXEMPT "limits { memory_max = = 64M }\n") < 0 ||
	    write_file("unclosed.conf", 0644, EXEMPT "limits {\n\tmemory_max = 64M\n") < 0 ||
	    write_file("open.conf", 0666, EXEMPT) < 0) {
		printf("not ok 1 - write the config files: %s\n1..1\n", strerror(errno));
		return 1;
	}
	snprintf(args, sizeof(args), "config=%s/good.conf", dir);
	write_service("carrel-good", args);
	snprintf(args, sizeof(args), "config=%s/broken.conf debug", dir);
	write_service("carrel-broken", args);
	snprintf(args, sizeof(args), "config=%s/unclosed.conf", dir);
	write_service("carrel-unclosed", args);
	snprintf(args, sizeof(args), "config=%s/open.conf", dir);
	write_service("carrel-open", args);
	snprintf(args, sizeof(args), "config=%s/good.conf bogus", dir);
	write_service("carrel-badopt", args);
	write_service("carrel-relative", "config=good.conf");
	/* A relative path would name DIR/good.conf (nobody exempt) if it were taken. */
	if (chdir(dir) < 0) {
		printf("not ok 1 - chdir: %s\n1..1\n", strerror(errno));
		return 1;
	}

	/* Refusals: these hold for any caller, root or not. */
	r = open_close("carrel-good", "carrel-no-such-user", NULL, NULL);
	check(r != PAM_SUCCESS, "an unknown user is refused (%d)", r);
	r = open_close("carrel-broken", "nobody", NULL, NULL);
	check(r != PAM_SUCCESS, "a config with a syntax error refuses a normal user (%d)", r);
	r = open_close("carrel-unclosed", "nobody", NULL, NULL);
	check(r != PAM_SUCCESS, "a config with a section left open at the end refuses a normal user (%d)", r);
	r = open_close("carrel-open", "nobody", NULL, NULL);
	check(r != PAM_SUCCESS, "a world-writable config refuses a normal user (%d)", r);
	r = open_close("carrel-badopt", "nobody", NULL, NULL);
	check(r != PAM_SUCCESS, "an unknown module option refuses a normal user (%d)", r);
	r = open_close("carrel-relative", "nobody", NULL, NULL);
	check(r != PAM_SUCCESS, "a relative config= path refuses a normal user (%d)", r);

	/* A broken config never locks out root (nothing is built for root). */
	cr = -1;
	r = open_close("carrel-broken", "root", &env, &cr);
	check(r == PAM_SUCCESS && cr == PAM_SUCCESS && !env, "a config with a syntax error still lets root in (%d)", r);
	cr = -1;
	r = open_close("carrel-open", "root", &env, &cr);
	check(r == PAM_SUCCESS && cr == PAM_SUCCESS && !env, "a world-writable config still lets root in (%d)", r);

	/* Exempt users pass untouched; needs the config file to be root's. */
	if (root) {
		cr = -1;
		r = open_close("carrel-good", "root", &env, &cr);
		check(r == PAM_SUCCESS && cr == PAM_SUCCESS && !env,
		       "root (exempt_users) opens and closes without a carrel (%d, close %d, env %d)", r, cr, env);
		cr = -1;
		r = open_close("carrel-good", "nobody", &env, &cr);
		check(r == PAM_SUCCESS && cr == PAM_SUCCESS && !env,
		       "nobody listed in exempt_users opens and closes without a carrel (%d, close %d, env %d)", r, cr,
		       env);
	} else {
		skip("root (exempt_users) opens and closes without a carrel", "not root");
		skip("nobody listed in exempt_users opens and closes without a carrel", "not root");
	}

	/* close_session without a matching open is harmless. */
	{
		pam_handle_t *pamh = NULL;

		r = pam_start_confdir("carrel-good", "nobody", &conv, dir, &pamh);
		if (r == PAM_SUCCESS) {
			r = pam_close_session(pamh, 0);
			pam_end(pamh, r);
		}
		check(r == PAM_SUCCESS, "close_session without open_session succeeds (%d)", r);
	}

	return tap_done();
}
