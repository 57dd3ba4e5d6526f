/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reader of carrel-user status records (state.h), for carrelctl:
 * apart from state.c so that carrel-user, which only writes them, does not
 * link it. */
#include "parse.h"
#include "state.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int state_records_parse(char *buf, size_t len, struct session **out, int *n)
{
	struct session *all = NULL;
	char *p = buf, *end = buf + len;
	int count = 0, cap = 0, r = 0;

	*out = NULL;
	*n = 0;
	while (p < end) {
		char id[24], *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		const char *digits_end;
		uint64_t size;

		if (!nl || strncmp(p, STATE_RECORD_TAG, strlen(STATE_RECORD_TAG)) != 0) {
			r = -EBADMSG;
			break;
		}
		*nl = '\0';
		p += strlen(STATE_RECORD_TAG);
		sp = strchr(p, ' ');
		if (!sp || (size_t)(sp - p) >= sizeof(id)) {
			r = -EBADMSG;
			break;
		}
		snprintf(id, sizeof(id), "%.*s", (int)(sp - p), p);
		if (!session_valid_id(id) || carrel_parse_digits(sp + 1, &digits_end, &size) < 0 || *digits_end ||
		    size < 1 || size > STATE_MAX || size > (uint64_t)(end - (nl + 1))) {
			r = -EBADMSG;
			break;
		}
		if (count == cap) {
			struct session *more =
				reallocarray(all, (size_t)(cap ? cap * 2 : 4), sizeof(*all));
			if (!more) {
				r = -ENOMEM;
				break;
			}
			all = more;
			cap = cap ? cap * 2 : 4;
		}
		if ((r = state_parse(nl + 1, (size_t)size, id, &all[count])) < 0)
			break;
		count++;
		p = nl + 1 + size;
	}
	if (r < 0) {
		free(all);
		return r;
	}
	*out = all;
	*n = count;
	return 0;
}
