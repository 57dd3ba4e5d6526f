/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the config loader (libconfuse schema, checks, value
 * parsers) and policy resolution.  The input is written to carrel.conf in
 * a private temporary directory (no carrel.d beside it) and loaded as the
 * module loads it.  The loader wants the file owned by root: run as root
 * (as `make fuzz` and CI do), else every input is refused at the owner
 * check and the fuzzer learns nothing.
 *
 * User and group lookups: the policy is resolved for "root" and for a
 * name that exists nowhere, both answered by the local NSS files without
 * a network service; group names the input mentions are looked up there
 * too (a miss is an ordinary result).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carrel_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/carrel-fuzz-conf.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/carrel.conf", dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *users[] = { "root", "carrel-fuzz-nobody" };
	struct carrel_config *cfg = NULL;
	struct carrel_error err = { 0 };
	struct carrel_policy pol;
	FILE *f;
	size_t i;

	if (!dir[0])
		setup();
	f = fopen(path, "we");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	chmod(path, 0644);
	if (carrel_config_load(path, &cfg, &err) == 0) {
		for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
			memset(&err, 0, sizeof(err));
			(void)carrel_policy_resolve(cfg, users[i], &pol, &err);
		}
		carrel_config_free(cfg);
	}
	unlink(path);
	return 0;
}
