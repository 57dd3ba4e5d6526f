/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The few libbpf calls of cgdev.c (the cgroup v2 device program), with
 * libbpf loaded on the first one instead of linked: every open and every
 * keeper mapped it (and its libelf and libz) though only a carrel with a
 * device rule on cgroup v2 calls it.  Loaded by its soname, as
 * sd_bus_dlopen.c loads libsystemd.  Each function keeps libbpf's name and
 * type and is hidden; before the library is loaded a call fails with
 * -ELIBACC (errno ELIBACC), which cgdev.c reports as any other bpf error.
 */
#include "cgroup-internal.h"
#include "dlopen_table.h"

#include <bpf/bpf.h>
#include <errno.h>

#define BPF_FUNCS(X)                                                                                      \
	X(int, bpf_prog_load, (enum bpf_prog_type, const char *, const char *, const struct bpf_insn *, size_t, \
			       const struct bpf_prog_load_opts *))                                              \
	X(int, bpf_prog_attach, (int, int, enum bpf_attach_type, unsigned int))                                 \
	X(int, bpf_prog_detach2, (int, int, enum bpf_attach_type))                                              \
	X(int, bpf_prog_get_fd_by_id, (__u32))                                                                  \
	X(int, bpf_obj_get_info_by_fd, (int, void *, __u32 *))                                                  \
	X(int, bpf_prog_query, (int, enum bpf_attach_type, __u32, __u32 *, __u32 *, __u32 *))

static struct {
#define X(ret, name, args) ret(*name) args;
	BPF_FUNCS(X)
#undef X
} bpf;

static bool bpf_loaded;

static int bpf_load(void)
{
	static const char *const names[] = {
#define X(ret, name, args) #name,
		BPF_FUNCS(X)
#undef X
	};
	int r = bpf_loaded ? 0 : carrel_dlopen_table("libbpf.so.1", names, (void **)&bpf, sizeof(names) / sizeof(names[0]), NULL);

	bpf_loaded = r == 0;
	if (r < 0)
		errno = -r;
	return r;
}

int bpf_prog_load(enum bpf_prog_type type, const char *name, const char *license, const struct bpf_insn *insns,
		  size_t n, const struct bpf_prog_load_opts *opts)
{
	int r = bpf_load();
	return r < 0 ? r : bpf.bpf_prog_load(type, name, license, insns, n, opts);
}

int bpf_prog_attach(int prog_fd, int target_fd, enum bpf_attach_type type, unsigned int flags)
{
	int r = bpf_load();
	return r < 0 ? r : bpf.bpf_prog_attach(prog_fd, target_fd, type, flags);
}

int bpf_prog_detach2(int prog_fd, int target_fd, enum bpf_attach_type type)
{
	int r = bpf_load();
	return r < 0 ? r : bpf.bpf_prog_detach2(prog_fd, target_fd, type);
}

int bpf_prog_get_fd_by_id(__u32 id)
{
	int r = bpf_load();
	return r < 0 ? r : bpf.bpf_prog_get_fd_by_id(id);
}

int bpf_obj_get_info_by_fd(int fd, void *info, __u32 *len)
{
	int r = bpf_load();
	return r < 0 ? r : bpf.bpf_obj_get_info_by_fd(fd, info, len);
}

int bpf_prog_query(int target_fd, enum bpf_attach_type type, __u32 query_flags, __u32 *attach_flags,
		   __u32 *prog_ids, __u32 *prog_cnt)
{
	int r = bpf_load();
	return r < 0 ? r : bpf.bpf_prog_query(target_fd, type, query_flags, attach_flags, prog_ids, prog_cnt);
}
