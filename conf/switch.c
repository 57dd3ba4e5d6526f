/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The emergency switch: a file that turns sandboxing off for every login. */
#include "conf_internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int carrel_switch_on(const char *config, char *path, size_t size)
{
	const char *c = config ? config : CARREL_DEFAULT_CONFIG;
	size_t len = strlen(c);
	struct stat st;

	if (len > 5 && strcmp(c + len - 5, ".conf") == 0)
		len -= 5;
	if ((size_t)snprintf(path, size, "%.*s.disable", (int)len, c) >= size)
		return 0;
	/* Only root can switch carrel off: a file of anyone else is ignored. */
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0;
}
