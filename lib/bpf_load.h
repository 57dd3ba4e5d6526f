/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading a seccomp program that the helper built (helper/seccomp_profile.c)
 * and sent as bytes: inline and libc only, so that neither the PAM module
 * (inside sshd, login, su) nor the set-user-ID program links libseccomp.
 */
#ifndef CARREL_BPF_LOAD_H
#define CARREL_BPF_LOAD_H

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Load a program written by carrel_seccomp_export() (LEN bytes at PROG)
 * into the calling thread.  The bytes are a kernel program run on every
 * system call of the session: they come from the keeper or a root-owned
 * cache checked as carrel_seccomp_build() checks a profile. */
static inline int carrel_seccomp_load_bpf(const void *prog, size_t len)
{
	struct sock_fprog fprog;

	if (!prog || len == 0 || len % sizeof(struct sock_filter) != 0 ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -EINVAL;
	fprog.len = (unsigned short)(len / sizeof(struct sock_filter));
	fprog.filter = (struct sock_filter *)prog;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
		return -errno;
	return 0;
}

#endif
