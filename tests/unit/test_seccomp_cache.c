/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default seccomp filter compiled once (carrel_seccomp_default_bpf()):
 * the cache is written, then used; a cache that is not root's, is writable
 * by others, is a symbolic link, is cut short or was written by another
 * binary is never used (the filter is compiled again and the file
 * replaced); the bytes from the cache are a filter that denies what the
 * default denies.
 */
#include "seccomp_profile.h"
#include "tap.h"
#include "util.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[] = "/tmp/carrel-test-bpfcache.XXXXXX", cache[64];

/* Overwrite the first instruction of the cached program (after the header,
 * whose size is the file's size minus the program's) with a marker. */
static int mark_cache(uint32_t len)
{
	struct stat st;
	int fd = open(cache, O_RDWR | O_CLOEXEC), r = -1;
	const char marker[8] = "MARKMARK";

	if (fd >= 0 && fstat(fd, &st) == 0 &&
	    pwrite(fd, marker, sizeof(marker), st.st_size - (off_t)len) == (ssize_t)sizeof(marker))
		r = 0;
	if (fd >= 0)
		close(fd);
	return r;
}

static bool marked(const void *prog)
{
	return memcmp(prog, "MARKMARK", 8) == 0;
}

/* Get the default again; true if it came from the (marked) cache. */
static bool from_cache(uint32_t *len)
{
	struct carrel_error err = { 0 };
	void *prog = NULL;
	bool m;

	if (carrel_seccomp_default_bpf(cache, &prog, len, &err) < 0) {
		diag("%s", err.msg);
		return false;
	}
	m = marked(prog);
	free(prog);
	return m;
}

/* Load PROG in a child; delete_module of no module: EPERM under the
 * default filter, ENOENT (root) or EPERM (not root) without it. */
static int child_errno(const void *prog, uint32_t len)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || (prog && carrel_seccomp_load_bpf(prog, len) < 0))
			_exit(100);
		_exit(syscall(SYS_delete_module, "carrel-no-such-module", O_NONBLOCK) < 0 ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int main(void)
{
	struct carrel_error err = { 0 };
	void *prog = NULL;
	uint32_t len = 0, len2 = 0;
	struct stat st;

	if (geteuid() != 0) {
		skip("the default filter's cache", "not root (the cache must be root's)");
		return tap_done();
	}
	if (!mkdtemp(dir)) {
		check(false, "mkdtemp");
		return tap_done();
	}
	snprintf(cache, sizeof(cache), "%s/default.bpf", dir);

	int r = carrel_seccomp_default_bpf(cache, &prog, &len, &err);
	check(r == 0 && prog && len > 0 && len % sizeof(struct sock_filter) == 0,
	      "the default filter, compiled (%u bytes) %s", len, err.msg);
	check(stat(cache, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 && !(st.st_mode & 022),
	      "the cache is written: root's, 0644 at most");
	int without = child_errno(NULL, 0), with = child_errno(prog, len);
	check(without != EPERM && with == EPERM,
	      "the program denies what the default denies (delete_module: %s without, %s with)", strerror(without),
	      strerror(with));
	free(prog);
	prog = NULL;

	check(mark_cache(len) == 0 && from_cache(&len2) && len2 == len, "the next call reads the cache");
	check(carrel_seccomp_default_bpf(cache, &prog, &len2, &err) == 0 && marked(prog),
	      "(control) the marked cache is what is returned");
	free(prog);
	prog = NULL;

	chmod(cache, 0666);
	check(!from_cache(&len2), "a cache writable by others is not used");
	check(stat(cache, &st) == 0 && !(st.st_mode & 022), "... and is replaced by a root-only one");

	check(mark_cache(len) == 0 && chown(cache, 65534, 65534) == 0 && !from_cache(&len2),
	      "a cache not owned by root is not used");

	check(mark_cache(len) == 0 && from_cache(&len2), "(control) a marked root-owned cache is used again");
	check(truncate(cache, (off_t)(st.st_size - 8)) == 0 && !from_cache(&len2), "a cache cut short is not used");

	{
		char target[80];
		snprintf(target, sizeof(target), "%s/elsewhere", dir);
		check(mark_cache(len) == 0 && rename(cache, target) == 0 && symlink(target, cache) == 0 &&
			      !from_cache(&len2),
		      "a symbolic link is not followed");
		unlink(target);
	}

	/* Written by another binary: the header's key differs. */
	check(mark_cache(len) == 0 && from_cache(&len2), "(control) marked and used");
	{
		int fd = open(cache, O_RDWR | O_CLOEXEC);
		uint64_t bogus = 1;
		/* The inode in the header: after the 16-byte magic and the device. */
		check(fd >= 0 && pwrite(fd, &bogus, sizeof(bogus), 24) == (ssize_t)sizeof(bogus) && !from_cache(&len2),
		      "a cache that names another helper binary is not used");
		if (fd >= 0)
			close(fd);
	}
	check(carrel_seccomp_default_bpf(cache, &prog, &len2, &err) == 0 && len2 == len && !marked(prog) &&
		      child_errno(prog, len2) == EPERM,
	      "after all that, a good cache gives the same filter");
	free(prog);
	unlink(cache);
	rmdir(dir);
	return tap_done();
}
