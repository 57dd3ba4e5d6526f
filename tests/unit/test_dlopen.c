/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The first tier of PAM module tests (as Linux-PAM's tst-dlopen): the module
 * loads with every symbol resolved (RTLD_NOW), has its entry points, and
 * exports nothing but pam_sm_* functions -- the version script's job.  The
 * dynamic symbol table is read from the file itself, so no nm is needed.
 *
 *   test_dlopen [MODULE]    (default: pam_module/pam_carrel.so)
 *
 * Prints TAP; exits 0 if all passed, 1 otherwise.
 */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

/*
 * Print every defined global or weak symbol in the module's .dynsym that is
 * not a pam_sm_* entry point; return how many there were, or -1 if the file
 * could not be read as a 64-bit ELF object.
 */
static int foreign_exports(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int bad = 0;

	if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	const unsigned char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;

	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > (size_t)st.st_size) {
		munmap((void *)map, (size_t)st.st_size);
		return -1;
	}
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(map + eh->e_shoff);
	int found = 0;

	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *strs = &sh[sh[i].sh_link];

		if (sh[i].sh_offset + sh[i].sh_size > (size_t)st.st_size ||
		    strs->sh_offset + strs->sh_size > (size_t)st.st_size)
			break;
		const Elf64_Sym *sym = (const Elf64_Sym *)(map + sh[i].sh_offset);
		const char *names = (const char *)(map + strs->sh_offset);
		size_t n = sh[i].sh_size / sizeof(Elf64_Sym);

		found = 1;
		for (size_t k = 1; k < n; k++) {
			unsigned bind = ELF64_ST_BIND(sym[k].st_info);
			const char *name;

			if (sym[k].st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK))
				continue;
			if (sym[k].st_name >= strs->sh_size)
				continue;
			name = names + sym[k].st_name;
			/* Version node names of a version script appear as absolute symbols. */
			if (sym[k].st_shndx == SHN_ABS && sym[k].st_value == 0)
				continue;
			if (strncmp(name, "pam_sm_", 7) == 0)
				continue;
			printf("#   exported: %s\n", name);
			bad++;
		}
	}
	munmap((void *)map, (size_t)st.st_size);
	return found ? bad : -1;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "pam_module/pam_carrel.so";
	char abspath[4096];
	void *h;

	if (!realpath(path, abspath)) {
		printf("not ok 1 - %s exists\n", path);
		return 1;
	}
	h = dlopen(abspath, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		printf("#   %s\n", dlerror());
	check(h != NULL, "dlopen(%s, RTLD_NOW) resolves every symbol", path);
	if (h) {
		check(dlsym(h, "pam_sm_open_session") != NULL, "%s has pam_sm_open_session", path);
		check(dlsym(h, "pam_sm_close_session") != NULL, "%s has pam_sm_close_session", path);
		/* Internal names must not leak (version script: local: *). */
		check(dlsym(h, "carrel_config_load") == NULL, "%s hides carrel_config_load", path);
		dlclose(h);
	}

	int bad = foreign_exports(abspath);

	if (bad < 0)
		printf("#   cannot read the dynamic symbol table\n");
	check(bad == 0, "%s exports only pam_sm_* symbols", path);
	return tap_done();
}
