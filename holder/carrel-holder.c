/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * carrel-holder: what the holder becomes once the carrel's view is set up.
 *
 * The holder is cloned from the keeper, so until it execs it is a copy of
 * the whole helper image (libconfuse, libcap, libseccomp, their relocated
 * pages, the keeper's heap), kept for the carrel's whole life.  Its setup
 * (helper/holder.c) needs all that; what follows does not: PID 1 of the pid
 * namespace only reaps, and its death (SIGKILL from the keeper, or the
 * parent-death signal when the keeper dies) takes the namespace with it.
 * This program is that loop and nothing else, so that a carrel costs a few
 * pages here instead of a second copy of the helper.
 *
 * It gets no privileges: helper/holder.c execs it after dropping them (the
 * user, or nobody, without capabilities).  The parent-death signal survives
 * the exec (it is cleared only for set-user-ID or file-capability programs,
 * which this is not).  Installed 0711: the exec-ing user cannot read the
 * file, so the kernel makes the process non-dumpable from the exec on (no
 * window in which the session's processes could ptrace PID 1); it sets
 * that again itself in case it was installed readable.
 *
 * Exit rules, as the holder's: it never exits by itself.  With no child to
 * reap it waits for SIGCHLD; every other signal is blocked (SIGKILL, the
 * only one that ends it, cannot be).
 *
 * Built without libc where the Makefile can (CARREL_NOLIBC: x86-64 so
 * far, five system calls of its own): a static glibc program still
 * relocates itself and sets up TLS, stdio and a heap, ~30 kB of dirty
 * pages and two page-table pages more in every carrel.  Elsewhere it is
 * the same loop over glibc, linked statically.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifdef CARREL_NOLIBC

#if defined(__x86_64__)
static long sys4(long n, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}
#define ENTRY __attribute__((force_align_arg_pointer, noreturn))
#else
#error "CARREL_NOLIBC: no system call stub for this architecture"
#endif

/* The kernel's sigset_t: one bit per signal, 64 of them. */
#define KSIGSET_SIZE 8

void _start(void);
ENTRY void _start(void)
{
	unsigned long all = ~0UL, chld = 1UL << (SIGCHLD - 1);

	(void)sys4(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0);
	(void)sys4(SYS_prctl, PR_SET_NAME, (long)"carrel-holder", 0, 0);
	(void)sys4(SYS_rt_sigprocmask, SIG_BLOCK, (long)&all, 0, KSIGSET_SIZE);
	for (;;) {
		while (sys4(SYS_wait4, -1, 0, WNOHANG, 0) > 0)
			;
		(void)sys4(SYS_rt_sigtimedwait, (long)&chld, 0, 0, KSIGSET_SIZE);
	}
}

#else /* !CARREL_NOLIBC */

int main(void)
{
	sigset_t all, chld;

	(void)prctl(PR_SET_DUMPABLE, 0);
	(void)prctl(PR_SET_NAME, "carrel-holder");
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		siginfo_t si;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		(void)sigwaitinfo(&chld, &si);
	}
}

#endif
