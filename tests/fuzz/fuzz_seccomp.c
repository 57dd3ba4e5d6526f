/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the seccomp profile parser (doc/seccomp.md) through
 * carrel_seccomp_build(), which reads a root-owned file that group and
 * others cannot write: the input is written to a 0600 file in a private
 * temporary directory (run as root, as `make fuzz` does).  A profile that
 * builds is also exported as BPF (to /dev/null), never loaded.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "seccomp_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct carrel_seccomp *s = NULL;
	struct carrel_error err = { 0 };
	int fd;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/carrel-fuzz-seccomp.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/profile", dir);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (carrel_seccomp_build(path, &s, &err) == 0 && s) {
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		(void)carrel_seccomp_export(s, fd);
		close(fd);
		carrel_seccomp_free(s);
	}
	unlink(path);
	return 0;
}
