/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the /proc and cgroup file parsers (cgroup/cgparse.c),
 * which read what the kernel prints from names that users choose (a v1
 * cgroup name may hold any byte but '/', a newline included):
 * /proc/PID/cgroup, /proc/self/mountinfo lines, controller lists, systemd
 * unit names.  The first byte of the input picks the controller asked
 * for and the uid; the rest is the file's text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* cgparse.c names the backends' tables (cg_pick_hierarchies); the parsers
 * fuzzed here never call through them. */
const struct cg_hier_ops cg_v1_ops, cg_v2_ops;

static const char *const ctrls[] = { "memory", "pids", "", "cpu,cpuacct", "freezer", "name=systemd" };
static const char *const wanted[] = { "memory", "pids", "cpu", "cpuacct", "freezer", "blkio", "io" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[CG_PATH_MAX], unit[96], picked[64], *text, *line, *save = NULL;
	struct cg_mount m;
	uid_t uid;

	if (size < 1)
		return 0;
	uid = data[0] & 1 ? 1000 : 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	/* Small out buffers too: a path that does not fit is an error, never
	 * a cut one. */
	(void)cg_parse_proc_cgroup(text, ctrls[data[0] % 6], out, sizeof(out));
	(void)cg_parse_proc_cgroup(text, ctrls[(data[0] >> 3) % 6], out, 8);
	if (cg_parse_user_unit(uid, text, unit, sizeof(unit)) && !cg_unit_name_ok(unit))
		abort(); /* a unit it returns is one a path may be built from */
	if (cg_parse_login_unit(uid, text, data[0] & 2, unit, sizeof(unit)) && !cg_unit_name_ok(unit))
		abort();
	(void)cg_unit_name_ok(text);
	cg_pick_controllers(text, wanted, sizeof(wanted) / sizeof(*wanted), picked, sizeof(picked));
	(void)cg_has_word(text, ctrls[data[0] % 6]);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		memset(&m, 0, sizeof(m));
		if (cg_parse_mountinfo_line(line, wanted, sizeof(wanted) / sizeof(*wanted), &m) == 0 &&
		    (!memchr(m.path, '\0', sizeof(m.path)) || !memchr(m.controllers, '\0', sizeof(m.controllers))))
			abort();
	}
	free(text);
	return 0;
}
