/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

void carrel_error_set(struct carrel_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void carrel_error_at(struct carrel_error *err, const char *step)
{
	if (err)
		snprintf(err->step, sizeof(err->step), "%s", step);
}
