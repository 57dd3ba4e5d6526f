/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's seccomp filter.
 *
 * The default filter allows everything and denies a short list: system
 * calls that reach host-global state no session should touch (the running
 * kernel, the clock, swap, accounting, raw I/O ports), interfaces with a
 * record of kernel exploits and no use in an interactive session (eBPF,
 * perf, userfaultfd, io_uring), kernel keyrings (not namespaced), file
 * handles (they bypass path permissions), terminal input injection, and
 * sockets of the families that reach past every namespace (vsock).
 * It stays a deny list on purpose: a carrel is a login, and everything a
 * login runs (shells, compilers, tmux, ssh, git, python, bwrap, unshare,
 * rootless containers) must keep working, nested user namespaces included.
 *
 * ABIs.  An x86-64 process can enter the kernel three ways, and a filter
 * that only knows one of them is bypassed through another:
 *  - native x86-64 (`syscall`): AUDIT_ARCH_X86_64;
 *  - i386 (`int $0x80`, also from a 64-bit process): AUDIT_ARCH_I386, with
 *    its own numbers (reboot is 88, not 169).  We add SCMP_ARCH_X86 with the
 *    same rules, by name, so libseccomp puts in i386's numbers and the
 *    i386-only calls (stime, vm86, clock_settime64...);
 *  - x32 (`syscall` with nr | 0x40000000): the same AUDIT_ARCH_X86_64 as
 *    native.  libseccomp sends every nr >= 0x40000000 on AUDIT_ARCH_X86_64
 *    to the "bad arch" action when SCMP_ARCH_X32 is not in the filter, which
 *    it is not; we set that action to EPERM.  So *every* x32 call fails with
 *    EPERM, not just the denied ones: no login needs x32 (Debian does not
 *    enable it in its kernels, and it has no users to speak of), and
 *    a whole ABI is less to get right than a second copy of the rules.
 *    EPERM rather than killing: the probe and tests can observe it, and a
 *    stray x32 binary fails like any denied call instead of dying silently.
 *    Any other architecture (none exists on x86-64) gets the same EPERM.
 * On other hosts the native arch is used, plus its 32-bit compat arch where
 * the kernel has one (aarch64: arm).
 */
#include "seccomp_profile.h"
#include "proto.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* The project's own headers must be found with -iquote, not -I: with
 * -Ihelper, <seccomp.h> above would be this directory's seccomp.h. */
#ifndef SCMP_VER_MAJOR
#error "<seccomp.h> is not libseccomp's: build with -iquote helper -iquote conf, not -Ihelper"
#endif

struct carrel_seccomp {
	scmp_filter_ctx ctx;
};

/*
 * The built-in deny list.  Each entry says why.  Denied calls fail with
 * EPERM (what an unprivileged caller sees from most of them anyway, so
 * programs already handle it); clone3 fails with ENOSYS.
 *
 * Deliberately NOT denied (each was considered):
 *  - unshare, setns, clone flags, mount, pivot_root, the new mount API:
 *    bwrap, unshare(1), podman, browsers' sandboxes nest user namespaces;
 *  - ptrace, process_vm_readv/writev, personality: gdb, strace;
 *  - quotactl, quotactl_fd: `quota` reads the user's own quota (HPC nodes);
 *  - modify_ldt: wine and some JITs; its bugs were fixed and it is
 *    per-process;
 *  - mbind, migrate_pages, move_pages, set_mempolicy: numactl on HPC nodes;
 *  - syslog: guarded by kernel.dmesg_restrict and CAP_SYSLOG in the
 *    initial user namespace;
 *  - mount_setattr, open_tree, fsopen...: bwrap's newer versions use them.
 * The host's sysctls (kernel.unprivileged_bpf_disabled,
 * kernel.perf_event_paranoid, vm.unprivileged_userfaultfd,
 * kernel.io_uring_disabled) are the other half: this list holds even where
 * an admin relaxed them for the host.  Admins who need one back (perf on a
 * profiling node) write a profile with `include default` and `perf_event_open
 * allow`.
 */
/* Which calls of a system call a rule matches. */
enum rule_match {
	MATCH_ALL = 0,
	MATCH_TTY_IOCTL,     /* ioctl: only the TIOCSTI and TIOCLINUX requests */
	MATCH_SOCKET_FAMILY, /* socket: only the families in refused_families[] */
};

struct default_rule {
	const char *name;
	int errnum;
	enum rule_match match;
};

/*
 * Socket families that no namespace isolates and no login needs.  A
 * network namespace gives a carrel its own IP, unix (abstract), netlink,
 * packet... sockets, and the kernel refuses the old host-only families
 * (Bluetooth, NFC, X.25, AX.25, AppleTalk...) outside the host's network
 * namespace; these two reach past every namespace to the hypervisor and to
 * other machines on it (doc/seccomp.md, "Socket families"):
 *  - AF_VSOCK: virtio-vsock, VMCI and Hyper-V sockets to the host and other
 *    guests (measured here: a carrel with only lo could open them);
 *  - AF_IUCV: the same for z/VM guests on s390.
 */
static const int refused_families[] = { AF_VSOCK, AF_IUCV };

static const struct default_rule default_rules[] = {
	/* Replace the running kernel. */
	{ "kexec_load", EPERM, MATCH_ALL },
	{ "kexec_file_load", EPERM, MATCH_ALL },
	/* Load or remove kernel code. */
	{ "init_module", EPERM, MATCH_ALL },
	{ "finit_module", EPERM, MATCH_ALL },
	{ "delete_module", EPERM, MATCH_ALL },
	/* eBPF: verifier and JIT are a large, often-exploited surface; no
	 * interactive use (tracing tools need root on the host anyway). */
	{ "bpf", EPERM, MATCH_ALL },
	/* perf: a steady source of kernel CVEs and of side channels on a
	 * shared machine. */
	{ "perf_event_open", EPERM, MATCH_ALL },
	/* userfaultfd: stops the kernel at a chosen page fault, which turns
	 * kernel races into reliable exploits. */
	{ "userfaultfd", EPERM, MATCH_ALL },
	/* keyctl, add_key and request_key are allowed: Kerberos KEYRING
	 * caches (SSSD's default), pam_keyinit and ecryptfs need them, and
	 * a session only reaches keyrings it possesses or its uid owns
	 * (doc/seccomp.md, "Keyrings"). */
	/* Raw I/O port access. */
	{ "iopl", EPERM, MATCH_ALL },
	{ "ioperm", EPERM, MATCH_ALL },
	/* Host-wide process accounting. */
	{ "acct", EPERM, MATCH_ALL },
	/* Host swap. */
	{ "swapon", EPERM, MATCH_ALL },
	{ "swapoff", EPERM, MATCH_ALL },
	/* Restart the host (or, from a nested pid namespace's init, end it). */
	{ "reboot", EPERM, MATCH_ALL },
	/* The clock is host-wide (there is no time namespace for
	 * CLOCK_REALTIME).  stime and the *64 calls are i386's own ways in. */
	{ "settimeofday", EPERM, MATCH_ALL },
	{ "stime", EPERM, MATCH_ALL },
	{ "clock_settime", EPERM, MATCH_ALL },
	{ "clock_settime64", EPERM, MATCH_ALL },
	{ "clock_adjtime", EPERM, MATCH_ALL },
	{ "clock_adjtime64", EPERM, MATCH_ALL },
	{ "adjtimex", EPERM, MATCH_ALL },
	/* io_uring: a second system call interface that seccomp does not
	 * see (its operations never pass this filter), and many kernel CVEs. */
	{ "io_uring_setup", EPERM, MATCH_ALL },
	{ "io_uring_enter", EPERM, MATCH_ALL },
	{ "io_uring_register", EPERM, MATCH_ALL },
	/* File handles: open_by_handle_at opens a file without walking (and
	 * checking) its path ("shocker" container escape); name_to_handle_at
	 * only makes handles for it.  systemd and others fall back on EPERM. */
	{ "open_by_handle_at", EPERM, MATCH_ALL },
	{ "name_to_handle_at", EPERM, MATCH_ALL },
	/* TIOCSTI pushes input into a terminal, so a session could type
	 * commands into a terminal it was handed (su, sudo, a shared tmux);
	 * TIOCLINUX selection/paste does the same on the virtual console.
	 * Matched on the low 32 bits: the kernel takes the request as
	 * unsigned int, so a 64-bit value with high bits set is the same
	 * request. */
	{ "ioctl", EPERM, MATCH_TTY_IOCTL },
	/* Obsolete: no user today, only attack surface on kernels that still
	 * have them (oprofile's dcookies, knfsd's old interface, a.out
	 * libraries, sysctl(2), the i386 virtual-8086 mode). */
	{ "lookup_dcookie", EPERM, MATCH_ALL },
	{ "nfsservctl", EPERM, MATCH_ALL },
	{ "uselib", EPERM, MATCH_ALL },
	{ "_sysctl", EPERM, MATCH_ALL },
	{ "vm86", EPERM, MATCH_ALL },
	{ "vm86old", EPERM, MATCH_ALL },
	/* clone3 keeps its flags in memory, where a filter cannot read them;
	 * ENOSYS makes glibc (and Rust, Go...) fall back to clone(2), whose
	 * flags are in a register.  pthread_create and posix_spawn keep
	 * working. */
	{ "clone3", ENOSYS, MATCH_ALL },
	/* Sockets of the families above fail as if the kernel had none.
	 * i386 has two ways in: socket(2) (number 359, filtered by family
	 * like everywhere else) and socketcall(SYS_SOCKET, args), whose family
	 * is in memory, out of a filter's reach.  For the i386 arch libseccomp
	 * turns this rule into both: socketcall(SYS_SOCKET) fails with
	 * EAFNOSUPPORT whatever the family (tests/unit/test_seccomp.c checks
	 * the program it builds).  socketcall's other operations only use
	 * sockets a process already has; socketpair makes no vsock sockets. */
	{ "socket", EAFNOSUPPORT, MATCH_SOCKET_FAMILY },
};

#define MAX_RULES 1024
#define NAME_MAX_LEN 64

struct rule {
	char name[NAME_MAX_LEN + 1];
	int nr;
	uint32_t action;
	unsigned line; /* 0: from the built-in list */
	enum rule_match match;
};

struct profile {
	const char *path; /* for messages */
	uint32_t def_action;
	unsigned include_line; /* "include default", 0 if absent */
	size_t n;
	struct rule rules[MAX_RULES];
};

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define _cleanup_ctx_ __attribute__((cleanup(ctx_releasep)))

/* ---- building ------------------------------------------------------------------ */

/* Add one rule per value of argument ARG (compared on its low 32 bits: the
 * kernel takes these arguments as int or unsigned int, so a 64-bit value
 * with high bits set is the same one).  Every call of NR runs the filter
 * (the kernel's seccomp cache only skips calls whose answer does not depend
 * on the arguments): test NR first. */
static int add_arg_rules(scmp_filter_ctx ctx, const struct rule *r, unsigned arg,
			 const unsigned long *values, size_t n)
{
	size_t i;
	int ret;

	ret = seccomp_syscall_priority(ctx, r->nr, 255);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++) {
		ret = seccomp_rule_add(ctx, r->action, r->nr, 1,
				       SCMP_CMP64(arg, SCMP_CMP_MASKED_EQ, 0xffffffffu, values[i]));
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct rule *r)
{
	static const unsigned long tty_requests[] = { TIOCSTI, TIOCLINUX };
	unsigned long families[ARRAY_SIZE(refused_families)];
	size_t i;

	switch (r->match) {
	case MATCH_TTY_IOCTL:
		return add_arg_rules(ctx, r, 1, tty_requests, ARRAY_SIZE(tty_requests));
	case MATCH_SOCKET_FAMILY:
		for (i = 0; i < ARRAY_SIZE(families); i++)
			families[i] = (unsigned long)refused_families[i];
		return add_arg_rules(ctx, r, 0, families, ARRAY_SIZE(families));
	case MATCH_ALL:
		break;
	}
	return seccomp_rule_add(ctx, r->action, r->nr, 0);
}

/* The compat ABI a 64-bit kernel also runs, if any. */
static uint32_t compat_arch(void)
{
	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64:
		return SCMP_ARCH_X86;
	case SCMP_ARCH_AARCH64:
		return SCMP_ARCH_ARM;
	default:
		return 0;
	}
}

static int new_ctx(uint32_t def_action, scmp_filter_ctx *out)
{
	_cleanup_ctx_ scmp_filter_ctx ctx = seccomp_init(def_action);
	uint32_t compat = compat_arch();
	int r;

	if (!ctx)
		return -ENOMEM;
	/* Foreign arches, and x32 on x86-64 (see the top of this file). */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(EPERM));
	/* no_new_privs is the policy's decision, made by the caller. */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* The kernel's own errno from seccomp_load(), not -ECANCELED. */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (r == 0 && compat)
		r = seccomp_arch_add(ctx, compat);
	if (r < 0)
		return r;
	*out = ctx;
	ctx = NULL;
	return 0;
}

static bool overridden(const struct profile *p, int nr)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->rules[i].nr == nr)
			return true;
	return false;
}

static int add_checked(scmp_filter_ctx ctx, const struct profile *p, const struct rule *r,
		       struct carrel_error *err)
{
	int ret;

	/* libseccomp refuses a rule that says what the default says. */
	if (r->action == p->def_action)
		return 0;
	ret = add_rule(ctx, r);
	if (ret < 0) {
		if (r->line)
			carrel_error_set(err, "%s:%u: cannot add the rule for %s: %s", p->path, r->line,
				  r->name, strerror(-ret));
		else
			carrel_error_set(err, "%s: cannot add the rule for %s: %s", p->path, r->name,
				  strerror(-ret));
	}
	return ret;
}

static int profile_compile(const struct profile *p, struct carrel_seccomp **out,
			   struct carrel_error *err)
{
	_cleanup_ctx_ scmp_filter_ctx ctx = NULL;
	struct carrel_seccomp *f;
	size_t i;
	int r;

	r = new_ctx(p->def_action, &ctx);
	if (r < 0) {
		carrel_error_set(err, "%s: cannot set up the filter: %s", p->path, strerror(-r));
		return r;
	}
	for (i = 0; i < p->n; i++) {
		r = add_checked(ctx, p, &p->rules[i], err);
		if (r < 0)
			return r;
	}
	/* "include default": an explicit line for the same call wins. */
	for (i = 0; p->include_line && i < ARRAY_SIZE(default_rules); i++) {
		const struct default_rule *d = &default_rules[i];
		struct rule dr = { .action = SCMP_ACT_ERRNO((uint32_t)d->errnum),
				   .match = d->match };

		dr.nr = seccomp_syscall_resolve_name(d->name);
		if (dr.nr == __NR_SCMP_ERROR) {
			carrel_error_set(err, "%s: libseccomp does not know %s", p->path, d->name);
			return -EINVAL;
		}
		if (overridden(p, dr.nr))
			continue;
		snprintf(dr.name, sizeof(dr.name), "%s", d->name);
		r = add_checked(ctx, p, &dr, err);
		if (r < 0)
			return r;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->ctx = ctx;
	ctx = NULL;
	*out = f;
	return 0;
}

/* ---- the profile text ------------------------------------------------------------ */

static int parse_errno(const char *s, int *out)
{
	static const struct {
		const char *alias, *name;
	} aliases[] = { { "ENOTSUP", "EOPNOTSUPP" },
			{ "EWOULDBLOCK", "EAGAIN" },
			{ "EDEADLOCK", "EDEADLK" } };
	size_t i;
	int e;

	if (*s >= '0' && *s <= '9') {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || *end || v < 1 || v > 4095)
			return -ERANGE;
		*out = (int)v;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strcmp(s, aliases[i].alias) == 0)
			s = aliases[i].name;
	for (e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);

		if (name && strcmp(name, s) == 0) {
			*out = e;
			return 0;
		}
	}
	return -ENOENT;
}

static int parse_action(const struct profile *p, unsigned line, const char *s, uint32_t *out,
			struct carrel_error *err)
{
	int e, r;

	if (strcmp(s, "allow") == 0)
		*out = SCMP_ACT_ALLOW;
	else if (strcmp(s, "errno") == 0)
		*out = SCMP_ACT_ERRNO(EPERM);
	else if (strcmp(s, "kill") == 0)
		*out = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(s, "log") == 0)
		*out = SCMP_ACT_LOG;
	else if (strncmp(s, "errno:", 6) == 0) {
		r = parse_errno(s + 6, &e);
		if (r == -ERANGE) {
			carrel_error_set(err, "%s:%u: errno number \"%s\" is not in 1..4095", p->path,
				  line, s + 6);
			return -EINVAL;
		}
		if (r < 0) {
			carrel_error_set(err, "%s:%u: unknown errno name \"%s\"", p->path, line, s + 6);
			return -EINVAL;
		}
		*out = SCMP_ACT_ERRNO((uint32_t)e);
	} else {
		carrel_error_set(
			err,
			"%s:%u: unknown action \"%s\" (want allow, errno, errno:NAME, errno:NUMBER, kill or log)",
			p->path, line, s);
		return -EINVAL;
	}
	return 0;
}

static bool valid_syscall_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return i > 0 && i <= NAME_MAX_LEN;
}

/* Split LINE (NUL-terminated, no newline) into at most 3 words; a word that
 * starts with '#' starts a comment.  Returns the number of words. */
static size_t split_words(char *line, char *words[3])
{
	size_t n = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == 3)
			return 4; /* too many: the caller reports words[2]'s successor */
		words[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int parse_line(struct profile *p, unsigned line, char *text, bool *seen_rule,
		      struct carrel_error *err)
{
	char *w[3] = { NULL, NULL, NULL };
	size_t n = split_words(text, w);
	struct rule *r;
	uint32_t action;
	size_t i;
	int nr, ret;

	if (n == 0)
		return 0;
	if (n == 1) {
		carrel_error_set(err, "%s:%u: \"%s\" needs an action", p->path, line, w[0]);
		return -EINVAL;
	}
	if (n > 2) {
		carrel_error_set(err, "%s:%u: unexpected \"%s\" after \"%s %s\"", p->path, line, w[2],
			  w[0], w[1]);
		return -EINVAL;
	}
	if (strcmp(w[0], "default") == 0) {
		if (*seen_rule) {
			carrel_error_set(err, "%s:%u: \"default\" must be the first rule of the file",
				  p->path, line);
			return -EINVAL;
		}
		*seen_rule = true;
		return parse_action(p, line, w[1], &p->def_action, err);
	}
	*seen_rule = true;
	if (strcmp(w[0], "include") == 0) {
		if (strcmp(w[1], "default") != 0) {
			carrel_error_set(err, "%s:%u: unknown include \"%s\" (only \"include default\")",
				  p->path, line, w[1]);
			return -EINVAL;
		}
		if (p->include_line) {
			carrel_error_set(err, "%s:%u: duplicate \"include default\" (first at line %u)",
				  p->path, line, p->include_line);
			return -EINVAL;
		}
		p->include_line = line;
		return 0;
	}
	if (!valid_syscall_name(w[0])) {
		carrel_error_set(err, "%s:%u: \"%s\" is not a system call name", p->path, line, w[0]);
		return -EINVAL;
	}
	nr = seccomp_syscall_resolve_name(w[0]);
	if (nr == __NR_SCMP_ERROR) {
		carrel_error_set(err, "%s:%u: unknown system call \"%s\"", p->path, line, w[0]);
		return -EINVAL;
	}
	ret = parse_action(p, line, w[1], &action, err);
	if (ret < 0)
		return ret;
	for (i = 0; i < p->n; i++)
		if (p->rules[i].nr == nr) {
			carrel_error_set(err, "%s:%u: duplicate rule for %s (first at line %u)", p->path,
				  line, w[0], p->rules[i].line);
			return -EINVAL;
		}
	if (p->n == MAX_RULES) {
		carrel_error_set(err, "%s:%u: too many rules (at most %d)", p->path, line, MAX_RULES);
		return -EINVAL;
	}
	r = &p->rules[p->n++];
	snprintf(r->name, sizeof(r->name), "%s", w[0]);
	r->nr = nr;
	r->action = action;
	r->line = line;
	r->match = MATCH_ALL;
	return 0;
}

static int parse_profile(struct profile *p, char *buf, size_t len, struct carrel_error *err)
{
	bool seen_rule = false;
	unsigned line = 1;
	size_t start = 0, i;
	int r;

	for (i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)buf[i] : '\n';

		if (c == '\n') {
			if (i - start > CARREL_SECCOMP_LINE_MAX) {
				carrel_error_set(err, "%s:%u: line longer than %d bytes", p->path, line,
					  CARREL_SECCOMP_LINE_MAX);
				return -EINVAL;
			}
			if (i < len)
				buf[i] = '\0';
			r = parse_line(p, line, buf + start, &seen_rule, err);
			if (r < 0)
				return r;
			start = i + 1;
			line++;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			carrel_error_set(err, "%s:%u: control character 0x%02x", p->path, line, c);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- the profile file ------------------------------------------------------------- */

static int refuse(struct carrel_error *err, const char *path, const char *reason)
{
	carrel_error_set(err, "%s: refusing seccomp profile: %s", path, reason);
	return -EPERM;
}

/* Only root may be able to change what the profile says. */
static int open_profile(const char *path, struct carrel_error *err)
{
	_cleanup_close_ int fd =
		open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	char reason[128];
	struct stat st;
	int r;

	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return refuse(err, path, "is a symbolic link");
		carrel_error_set(err, "%s: cannot open seccomp profile: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		carrel_error_set(err, "%s: cannot stat seccomp profile: %s", path, strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode))
		return refuse(err, path, "not a regular file");
	if (st.st_uid != 0) {
		snprintf(reason, sizeof(reason), "not owned by root (owner uid %u)",
			 (unsigned)st.st_uid);
		return refuse(err, path, reason);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(reason, sizeof(reason), "writable by group or others (mode %04o)",
			 (unsigned)(st.st_mode & 07777));
		return refuse(err, path, reason);
	}
	return take_fd(&fd);
}

static int read_profile(int fd, const char *path, char **out, size_t *len, struct carrel_error *err)
{
	_cleanup_free_ char *buf = malloc(CARREL_SECCOMP_PROFILE_MAX + 1);
	size_t n = 0;
	ssize_t got;
	int r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		got = read(fd, buf + n, CARREL_SECCOMP_PROFILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			carrel_error_set(err, "%s: cannot read seccomp profile: %s", path, strerror(-r));
			return r;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > CARREL_SECCOMP_PROFILE_MAX) {
			carrel_error_set(err, "%s: refusing seccomp profile: larger than %d bytes", path,
				  CARREL_SECCOMP_PROFILE_MAX);
			return -EFBIG;
		}
	}
	buf[n] = '\0';
	*len = n;
	*out = buf;
	buf = NULL;
	return 0;
}

/* ---- API ---------------------------------------------------------------------------- */

int carrel_seccomp_build(const char *profile, struct carrel_seccomp **out, struct carrel_error *err)
{
	_cleanup_free_ struct profile *p = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	int r;

	*out = NULL;
	if (profile && strcmp(profile, "off") == 0)
		return 0;
	if ((r = carrel_libseccomp_load()) < 0) {
		carrel_error_set(err, "seccomp %s: cannot load %s", profile ? profile : "default",
				 carrel_libseccomp_name());
		return r;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->def_action = SCMP_ACT_ALLOW;
	if (!profile || strcmp(profile, "default") == 0) {
		p->path = "seccomp default";
		p->include_line = 1;
		return profile_compile(p, out, err);
	}
	if (profile[0] != '/') {
		carrel_error_set(err,
			  "%s: seccomp profile must be \"default\", \"off\" or an absolute path",
			  profile);
		return -EINVAL;
	}
	p->path = profile;
	fd = open_profile(profile, err);
	if (fd < 0)
		return fd;
	r = read_profile(fd, profile, &buf, &len, err);
	if (r < 0)
		return r;
	r = parse_profile(p, buf, len, err);
	if (r < 0)
		return r;
	return profile_compile(p, out, err);
}

int carrel_seccomp_load(const struct carrel_seccomp *f)
{
	if (!f)
		return 0;
	return seccomp_load(f->ctx);
}

void carrel_seccomp_free(struct carrel_seccomp *f)
{
	if (!f)
		return;
	seccomp_release(f->ctx);
	free(f);
}

int carrel_seccomp_export(const struct carrel_seccomp *f, int fd)
{
	if (!f)
		return -EINVAL;
	return seccomp_export_bpf(f->ctx, fd);
}

int carrel_seccomp_export_mem(const struct carrel_seccomp *f, void **prog, uint32_t *len)
{
	_cleanup_close_ int fd = memfd_create("carrel-seccomp", MFD_CLOEXEC);
	_cleanup_free_ void *buf = NULL;
	off_t n;
	int r;

	if (fd < 0)
		return -errno;
	if ((r = carrel_seccomp_export(f, fd)) < 0)
		return r;
	if ((n = lseek(fd, 0, SEEK_END)) < 0)
		return -errno;
	if (n == 0 || n > CARREL_BPF_MAX || n % (off_t)sizeof(struct sock_filter) != 0)
		return -EIO;
	if (!(buf = malloc((size_t)n)))
		return -ENOMEM;
	if (pread(fd, buf, (size_t)n, 0) != n)
		return -EIO;
	*prog = buf;
	buf = NULL;
	*len = (uint32_t)n;
	return 0;
}

/* ---- the default filter, compiled once ---------------------------------------------- */

#define CACHE_MAGIC "carrelbpf2"

/* What the cache file starts with: the helper binary that wrote it. */
struct cache_header {
	char magic[16];
	uint64_t dev, ino, size, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
	uint32_t len; /* bytes of program that follow */
	uint32_t pad;
};

static int cache_key(struct cache_header *h)
{
	struct stat st;

	if (stat("/proc/self/exe", &st) < 0)
		return -errno;
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, CACHE_MAGIC, sizeof(CACHE_MAGIC));
	h->dev = (uint64_t)st.st_dev;
	h->ino = (uint64_t)st.st_ino;
	h->size = (uint64_t)st.st_size;
	h->mtime_sec = (uint64_t)st.st_mtim.tv_sec;
	h->mtime_nsec = (uint64_t)st.st_mtim.tv_nsec;
	/* ctime too: no one can set it, and a copy over the same inode
	 * (cp -p, install -p) changes it. */
	h->ctime_sec = (uint64_t)st.st_ctim.tv_sec;
	h->ctime_nsec = (uint64_t)st.st_ctim.tv_nsec;
	return 0;
}

/* The cached program, if CACHE is root's, unwritable by others and was
 * written by this binary (KEY); -ENOENT (or -errno) otherwise. */
static int cache_read(const char *cache, const struct cache_header *key, void **prog, uint32_t *len)
{
	_cleanup_close_ int fd = open(cache, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	_cleanup_free_ void *buf = NULL;
	struct cache_header h;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -ENOENT;
	if (memcmp(h.magic, key->magic, sizeof(h.magic)) != 0 || h.dev != key->dev || h.ino != key->ino ||
	    h.size != key->size || h.mtime_sec != key->mtime_sec || h.mtime_nsec != key->mtime_nsec ||
	    h.ctime_sec != key->ctime_sec || h.ctime_nsec != key->ctime_nsec)
		return -ESTALE;
	if (h.len == 0 || h.len > CARREL_BPF_MAX || h.len % sizeof(struct sock_filter) != 0 ||
	    st.st_size != (off_t)(sizeof(h) + h.len))
		return -EBADMSG;
	if (!(buf = malloc(h.len)))
		return -ENOMEM;
	if (pread(fd, buf, h.len, sizeof(h)) != (ssize_t)h.len)
		return -EIO;
	*prog = buf;
	buf = NULL;
	*len = h.len;
	return 0;
}

/* PROG under KEY into CACHE: a file of our own, renamed into place whole. */
static int cache_write(const char *cache, const struct cache_header *key, const void *prog, uint32_t len)
{
	char tmp[PATH_MAX];
	struct cache_header h = *key;
	_cleanup_close_ int fd = -1;
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s.%d.new", cache, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	(void)unlink(tmp); /* a stale one of a helper that had our pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd < 0)
		return -errno;
	h.len = len;
	if ((r = write_all(fd, &h, sizeof(h))) < 0 || (r = write_all(fd, prog, len)) < 0 ||
	    (rename(tmp, cache) < 0 && (r = -errno) < 0)) {
		(void)unlink(tmp);
		return r;
	}
	return 0;
}

int carrel_seccomp_default_bpf(const char *cache, void **prog, uint32_t *len, struct carrel_error *err)
{
	struct carrel_seccomp *f = NULL;
	struct cache_header key;
	bool keyed = cache_key(&key) == 0;
	int r;

	if (keyed && cache_read(cache, &key, prog, len) == 0)
		return 0;
	if ((r = carrel_seccomp_build("default", &f, err)) < 0)
		return r;
	r = carrel_seccomp_export_mem(f, prog, len);
	carrel_seccomp_free(f);
	if (r < 0) {
		carrel_error_set(err, "seccomp default: cannot export the filter: %s", strerror(-r));
		return r;
	}
	if (keyed)
		(void)cache_write(cache, &key, *prog, *len); /* the next open compiles again */
	return 0;
}
