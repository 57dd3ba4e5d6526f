/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The helper loads libseccomp and libconfuse where used
 * (helper/seccomp_dlopen.c, helper/confuse_dlopen.c).  Built with sonames
 * that are not there: compiling a filter (a cache miss at open, or a
 * profile) and parsing a config fail with -ELIBACC and a message naming
 * what is missing, so the open is refused at step seccomp (on_error) and
 * check-config fails; "off" needs no library.
 */
#include "carrel_conf.h"
#include "seccomp_profile.h"
#include "tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/carrel-test-libs.XXXXXX";

int main(void)
{
	struct carrel_error err = { 0 };
	struct carrel_seccomp *f = (struct carrel_seccomp *)&err; /* not NULL */
	struct carrel_config *c = NULL;
	char cache[64], conf[64];
	void *prog = NULL;
	uint32_t len = 0;
	int r, fd;

	if (!mkdtemp(dir)) {
		check(false, "mkdtemp %s", dir);
		return tap_done();
	}
	snprintf(cache, sizeof(cache), "%s/default.bpf", dir);
	snprintf(conf, sizeof(conf), "%s/carrel.conf", dir);

	r = carrel_seccomp_build("default", &f, &err);
	check(r == -ELIBACC && !f && strstr(err.msg, "libcarrel-absent.so.0"),
	      "seccomp default without libseccomp: -ELIBACC naming it (got %d: %s)", r, err.msg);
	memset(&err, 0, sizeof(err));
	r = carrel_seccomp_default_bpf(cache, &prog, &len, &err);
	check(r == -ELIBACC && !prog && access(cache, F_OK) < 0,
	      "default filter, cache miss, without libseccomp: -ELIBACC, no cache written (got %d: %s)",
	      r, err.msg);
	r = carrel_seccomp_build("off", &f, &err);
	check(r == 0 && !f, "seccomp off needs no library (got %d)", r);
	carrel_libseccomp_unload(); /* nothing loaded: a no-op */

	fd = open(conf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "on_error = deny\n", 16) != 16) {
		check(false, "write %s", conf);
	} else {
		memset(&err, 0, sizeof(err));
		r = carrel_config_load(conf, &c, &err);
		check(r == -ELIBACC && strstr(err.msg, conf) && strstr(err.msg, "libconfuse"),
		      "config without libconfuse: -ELIBACC naming the file and the library (got %d: %s)",
		      r, err.msg);
		if (r == 0)
			carrel_config_free(c);
	}
	if (fd >= 0)
		close(fd);
	unlink(conf);
	unlink(cache);
	rmdir(dir);
	return tap_done();
}
