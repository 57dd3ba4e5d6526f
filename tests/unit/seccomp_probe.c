/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_probe: run inside a carrel, try each system call the default
 * seccomp filter denies, through each of the three x86-64 ABIs, and print
 * what the kernel answered, one line each, for integration tests to check:
 *
 *   Seccomp:	2                  (and Seccomp_filters, NoNewPrivs, Cap*:
 *                                  copied from /proc/self/status)
 *   abi i386 available|unavailable (int $0x80 raises SIGSEGV when the
 *                                  kernel runs without ia32 emulation)
 *   probe NAME ABI errno=N        (ABI: x86_64, x32, i386; N=0: it ran)
 *   tiocsti errno=N               (ioctl TIOCSTI on a fresh pty)
 *   tiocsti_high errno=N          (the same request with bits 32..63 set)
 *   tioclinux errno=N
 *   pthread ok | pthread error=N
 *   fork ok | fork error=N
 *   userns errno=N                (unshare(CLONE_NEWUSER) in a child)
 *
 * Under the default filter: every probe line says errno=1 (EPERM), except
 * clone3 (38, ENOSYS) and getpid, which works (0) except through x32
 * (the whole x32 ABI is refused).  Without the filter the arguments make
 * each call fail harmlessly (bad flags, bad pointers, fd -1): the probe
 * never changes anything, even as root.  Built with libc only.
 *
 * tests/unit/test_seccomp.c includes this file with SECCOMP_PROBE_NO_MAIN
 * defined, to use the same table, and checks its numbers against
 * libseccomp's.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000L
#define NO_NR (-1L)

enum probe_abi { ABI_X86_64, ABI_X32, ABI_I386, ABI_COUNT };

static const char *const probe_abi_name[ABI_COUNT] = { "x86_64", "x32", "i386" };

/* One call: its number in each ABI (x32 without X32_SYSCALL_BIT; NO_NR:
 * not in that ABI), harmless arguments, and what the default filter makes
 * of it (x32 aside: every x32 call gets EPERM). */
struct probe_call {
	const char *name;
	long nr[ABI_COUNT];
	long arg[5];
	int expect; /* errno under the default filter; 0: allowed */
};

static const struct probe_call probe_calls[] = {
	/* nr_segments past the limit and foreign arch flags: EINVAL, never
	 * an unload (which is what nr_segments 0 and flags 0 would be) */
	{ "kexec_load", { 246, 528, 283 }, { 0, 0x7fffffff, 0, (long)0xdead0000 }, EPERM },
	{ "kexec_file_load", { 320, 320, NO_NR }, { -1, -1, 0, 0, (long)0xdead0000 }, EPERM },
	{ "init_module", { 175, 175, 128 }, { 0, 0, 0 }, EPERM },
	{ "finit_module", { 313, 313, 350 }, { -1, 0, 0 }, EPERM },
	{ "delete_module", { 176, 176, 129 }, { 0, 0 }, EPERM },
	{ "bpf", { 321, 321, 357 }, { -1, 0, 0 }, EPERM },
	{ "perf_event_open", { 298, 298, 336 }, { 0, 0, -1, -1, 0 }, EPERM },
	{ "userfaultfd", { 323, 323, 374 }, { -1 }, EPERM },
	{ "iopl", { 172, 172, 110 }, { 4 }, EPERM },
	{ "ioperm", { 173, 173, 101 }, { 65536, 1, 1 }, EPERM },
	{ "acct", { 163, 163, 51 }, { 1 }, EPERM },
	{ "swapon", { 167, 167, 87 }, { 1, 0 }, EPERM },
	{ "swapoff", { 168, 168, 115 }, { 1 }, EPERM },
	/* no magic numbers: EINVAL */
	{ "reboot", { 169, 169, 88 }, { 0, 0, 0, 0 }, EPERM },
	{ "settimeofday", { 164, 164, 79 }, { 1, 1 }, EPERM },
	{ "stime", { NO_NR, NO_NR, 25 }, { 1 }, EPERM },
	{ "clock_settime", { 227, 227, 264 }, { -1, 1 }, EPERM },
	{ "clock_settime64", { NO_NR, NO_NR, 404 }, { -1, 1 }, EPERM },
	{ "clock_adjtime", { 305, 305, 343 }, { -1, 1 }, EPERM },
	{ "clock_adjtime64", { NO_NR, NO_NR, 405 }, { -1, 1 }, EPERM },
	{ "adjtimex", { 159, 159, 124 }, { 1 }, EPERM },
	{ "io_uring_setup", { 425, 425, 425 }, { 0, 0 }, EPERM },
	{ "io_uring_enter", { 426, 426, 426 }, { -1, 0, 0, 0, 0 }, EPERM },
	{ "io_uring_register", { 427, 427, 427 }, { -1, 0, 0, 0 }, EPERM },
	{ "open_by_handle_at", { 304, 304, 342 }, { -1, 1, 0 }, EPERM },
	{ "name_to_handle_at", { 303, 303, 341 }, { -1, 1, 1, 1, 0 }, EPERM },
	{ "lookup_dcookie", { 212, 212, 253 }, { 0, 0, 0 }, EPERM },
	{ "nfsservctl", { 180, NO_NR, 169 }, { 0, 0, 0 }, EPERM },
	{ "uselib", { 134, NO_NR, 86 }, { 1 }, EPERM },
	{ "_sysctl", { 156, NO_NR, 149 }, { 1 }, EPERM },
	{ "vm86old", { NO_NR, NO_NR, 113 }, { 1 }, EPERM },
	{ "vm86", { NO_NR, NO_NR, 166 }, { 0, 0 }, EPERM },
	/* clone_args NULL, size 0: EINVAL without the filter */
	{ "clone3", { 435, 435, 435 }, { 0, 0 }, ENOSYS },
	/* allowed: shows that the ABI works at all */
	{ "getpid", { 39, 39, 20 }, { 0 }, 0 },
	/* allowed (Kerberos KEYRING caches, pam_keyinit): the id of the
	 * session keyring, KEYCTL_GET_KEYRING_ID(KEY_SPEC_SESSION_KEYRING) */
	{ "keyctl", { 250, 250, 288 }, { 0, -3, 0 }, 0 },
};

#define PROBE_CALLS (sizeof(probe_calls) / sizeof(probe_calls[0]))

/* int $0x80 from 64-bit code: i386 numbers and arguments in ebx, ecx, edx,
 * esi, edi; the kernel zeroes r8-r11.  Returns -errno or the result. */
static long probe_sys_i386(long nr, const long a[5])
{
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
			 : "memory", "r8", "r9", "r10", "r11", "cc");
	return (int)ret; /* eax, sign-extended */
#else
	(void)nr;
	(void)a;
	return -ENOSYS;
#endif
}

/* Can this process use int $0x80?  Tried in a child: a kernel without ia32
 * emulation (ia32_emulation=0, or a guest that lacks it) raises SIGSEGV. */
static bool probe_i386_available(void)
{
	static const long none[5];
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

		/* quiet a sanitizer's SEGV report */
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		signal(SIGSEGV, SIG_DFL);
		_exit(probe_sys_i386(20 /* getpid */, none) == (long)getpid() ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Run CALL through ABI; returns 0 or the errno.  -1: not in that ABI. */
static int probe_run(const struct probe_call *call, enum probe_abi abi)
{
	long nr = call->nr[abi], r;
	const long *a = call->arg;

	if (nr == NO_NR)
		return -1;
	switch (abi) {
	case ABI_I386:
		r = probe_sys_i386(nr, a);
		return r < 0 && r > -4096 ? (int)-r : 0;
	case ABI_X32:
		nr |= X32_SYSCALL_BIT;
		/* fall through */
	case ABI_X86_64:
	default:
		r = syscall(nr, a[0], a[1], a[2], a[3], a[4], 0L);
		return r < 0 ? errno : 0;
	}
}

/* A pty's slave side, or -errno. */
static int probe_open_pty(int *master)
{
	char name[128];
	int m, s;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)) != 0) {
		int r = -errno;

		close(m);
		return r;
	}
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		int r = -errno;

		close(m);
		return r;
	}
	*master = m;
	return s;
}

/* ioctl(FD, REQUEST, &c) through the 64-bit ABI, with all 64 bits of
 * REQUEST passed on (glibc's ioctl() would pass them too, but says int). */
static int probe_ioctl(int fd, unsigned long request)
{
	char buf[256] = "\n"; /* TIOCSTI reads one byte; others write a struct */

	return syscall(SYS_ioctl, fd, request, buf) < 0 ? errno : 0;
}

static void *probe_thread(void *arg)
{
	return arg;
}

/* 0, or the errno of pthread_create/join. */
static int probe_pthread(void)
{
	static int token;
	pthread_t t;
	void *ret = NULL;
	int r;

	r = pthread_create(&t, NULL, probe_thread, &token);
	if (r != 0)
		return r;
	r = pthread_join(t, &ret);
	if (r != 0)
		return r;
	return ret == &token ? 0 : EPROTO;
}

#ifndef SECCOMP_PROBE_NO_MAIN
/* unshare(CLONE_NEWUSER): returns 0 or the errno (call in a child). */
static int probe_userns(void)
{
	return unshare(CLONE_NEWUSER) < 0 ? errno : 0;
}

/* Run FN in a child; returns its exit status (0..255), or 256 + signal. */
static int probe_in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 256 + 255;
	if (pid == 0)
		_exit(fn() & 0xff);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 256 + 255;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
}

static int fork_ok(void)
{
	return 0;
}

static void print_status(void)
{
	static const char *const keys[] = { "Seccomp:", "Seccomp_filters:", "NoNewPrivs:", "Cap" };
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");
	size_t i;

	if (!f) {
		printf("status errno=%d\n", errno);
		return;
	}
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0) {
				fputs(line, stdout);
				break;
			}
	fclose(f);
}

int main(int argc, char **argv)
{
	bool i386 = probe_i386_available();
	int master = -1, slave, r;
	size_t i;
	int abi;

	if (argc != 1) {
		fprintf(stderr, "usage: %s (no arguments)\n", argv[0]);
		return 2;
	}
#if !defined(__x86_64__)
	/* the table holds x86-64 numbers: elsewhere they are other calls */
	printf("arch unsupported\n");
	return 77;
#endif
	setvbuf(stdout, NULL, _IOLBF, 0);
	print_status();
	printf("abi i386 %s\n", i386 ? "available" : "unavailable");
	for (i = 0; i < PROBE_CALLS; i++)
		for (abi = 0; abi < ABI_COUNT; abi++) {
			if (abi == ABI_I386 && !i386)
				continue;
			r = probe_run(&probe_calls[i], (enum probe_abi)abi);
			if (r >= 0)
				printf("probe %s %s errno=%d\n", probe_calls[i].name,
				       probe_abi_name[abi], r);
		}

	slave = probe_open_pty(&master);
	if (slave < 0) {
		printf("tiocsti pty errno=%d\n", -slave);
	} else {
		printf("tiocsti errno=%d\n", probe_ioctl(slave, TIOCSTI));
		printf("tiocsti_high errno=%d\n", probe_ioctl(slave, TIOCSTI | 0x100000000UL));
		printf("tioclinux errno=%d\n", probe_ioctl(slave, TIOCLINUX));
		close(slave);
		close(master);
	}

	r = probe_pthread();
	if (r == 0)
		printf("pthread ok\n");
	else
		printf("pthread error=%d\n", r);
	r = probe_in_child(fork_ok);
	if (r == 0)
		printf("fork ok\n");
	else
		printf("fork error=%d\n", r);
	r = probe_in_child(probe_userns);
	printf("userns errno=%d\n", r);
	return 0;
}
#endif
