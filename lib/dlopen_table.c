/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dlopen_table.h"

#include <dlfcn.h>
#include <errno.h>

int carrel_dlopen_table(const char *soname, const char *const *names, void **fns, size_t n,
			void **handle)
{
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		return -ELIBACC;
	for (size_t i = 0; i < n; i++)
		if (!(fns[i] = dlsym(lib, names[i]))) {
			dlclose(lib);
			return -ELIBACC;
		}
	if (handle)
		*handle = lib;
	return 0;
}

void carrel_dlclose(void **handle)
{
	if (*handle)
		dlclose(*handle);
	*handle = NULL;
}
