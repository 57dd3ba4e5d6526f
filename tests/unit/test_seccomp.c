/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test of helper/seccomp_profile.c, against the real kernel.  TAP on stdout;
 * exit 1 on a failure, 77 when this kernel has no seccomp filters.
 *
 * Every case that loads a filter runs in a child of its own (a filter
 * cannot be removed).  What is checked:
 *  - each denied call fails with EPERM through the 64-bit ABI, through x32
 *    (the whole x32 ABI fails with EPERM) and through int $0x80 (i386);
 *    where int $0x80 is unavailable (a kernel without ia32 emulation) those
 *    lines are skipped, and the exported BPF program is run in a small BPF
 *    interpreter here for the i386 arch instead;
 *  - ioctl TIOCSTI/TIOCLINUX fail, also with bits 32..63 of the request set;
 *  - ordinary work goes on: getpid, open, fork, exec, pthread_create (with
 *    clone3 answering ENOSYS), unshare(CLONE_NEWUSER) and a nested
 *    namespace inside it;
 *  - the profile parser: a good file, each error with its line, and the
 *    file checks (owner, mode, symlink, type, size);
 *  - the exported program loads without libseccomp and does the same.
 *
 * `test_seccomp --bench [N]` measures the filter's cost per system call
 * instead (getppid, which the kernel's seccomp cache answers without running
 * the filter, and ioctl, which runs it).
 */
#define SECCOMP_PROBE_NO_MAIN
#include "seccomp_probe.c"

#include <dirent.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>

#include "seccomp_profile.h"
#include "util.h"

extern char **environ;

static unsigned tap_count;
static unsigned tap_failed;
static bool i386_ok;
static bool userns_ok;
static char tmpdir[] = "/tmp/carrel-test-seccomp-XXXXXX";

static void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - ", ok ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		tap_failed++;
	fflush(stdout);
}

static void tap_skip(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap_skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	printf("ok %u - ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ---- children ----------------------------------------------------------------- */

/* Run FN(ARG) in a child; returns the wait status.  The child's verdict is
 * its exit code (0: pass); it explains a failure with diag(). */
static int in_child(int (*fn)(const void *), const void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		diag("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct rlimit none = { 0, 0 };

		setrlimit(RLIMIT_CORE, &none);
		_exit(fn(arg) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static bool child_passed(int status)
{
	if (status == -1)
		return false;
	if (WIFSIGNALED(status))
		diag("child killed by signal %d", WTERMSIG(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* no_new_privs, then build and load PROFILE (NULL: the default). */
static int enter_filter(const char *profile)
{
	struct carrel_error err = { 0 };
	struct carrel_seccomp *f = NULL;
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		diag("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	r = carrel_seccomp_build(profile, &f, &err);
	if (r < 0) {
		diag("build: %s (%s)", strerror(-r), err.msg);
		return -1;
	}
	r = carrel_seccomp_load(f);
	carrel_seccomp_free(f);
	if (r < 0) {
		diag("load: %s", strerror(-r));
		return -1;
	}
	return 0;
}

static int enter_default(void)
{
	return enter_filter(NULL);
}

struct call_case {
	const struct probe_call *call;
	enum probe_abi abi;
};

static int child_denied_call(const void *arg)
{
	const struct call_case *c = arg;
	int want = c->abi == ABI_X32 ? EPERM : c->call->expect;
	int got;

	if (enter_default() < 0)
		return -1;
	got = probe_run(c->call, c->abi);
	if (got != want) {
		diag("%s via %s: errno %d (%s), want %d", c->call->name, probe_abi_name[c->abi],
		     got, got > 0 ? strerror(got) : "success", want);
		return -1;
	}
	return 0;
}

static void test_calls(void)
{
	size_t i;
	int abi;

	for (i = 0; i < PROBE_CALLS; i++)
		for (abi = 0; abi < ABI_COUNT; abi++) {
			const struct probe_call *call = &probe_calls[i];
			struct call_case c = { call, (enum probe_abi)abi };
			int want = abi == ABI_X32 ? EPERM : call->expect;

			if (call->nr[abi] == NO_NR)
				continue;
			if (abi == ABI_I386 && !i386_ok) {
				tap_skip(
					"int $0x80 unavailable on this kernel (exported BPF checked instead)",
					"%s via i386 -> errno %d", call->name, want);
				continue;
			}
			tap(child_passed(in_child(child_denied_call, &c)), "%s via %s -> errno %d",
			    call->name, probe_abi_name[abi], want);
		}
}

/* Root of a user namespace (`unshare -r`) gets EPERM from calls that
 * check capabilities in the initial one. */
static bool in_init_userns(void)
{
	char buf[128];
	unsigned a, b, c;
	FILE *f = fopen("/proc/self/uid_map", "re");
	bool init;

	if (!f)
		return false;
	init = fgets(buf, sizeof(buf), f) && sscanf(buf, "%u %u %u", &a, &b, &c) == 3 && a == 0 &&
	       b == 0 && c == 4294967295u;
	fclose(f);
	return init;
}

/* Without a filter the probe's arguments must not give EPERM (as root), or
 * the EPERM seen under the filter would prove nothing. */
static void test_baseline(void)
{
	bool ok = true;
	size_t i;

	if (geteuid() != 0 || !in_init_userns()) {
		tap_skip("not root of the host", "without a filter no probe call fails with EPERM");
		return;
	}
	for (i = 0; i < PROBE_CALLS; i++) {
		int r = probe_run(&probe_calls[i], ABI_X86_64);

		if (r == EPERM) {
			diag("%s gives EPERM without a filter", probe_calls[i].name);
			ok = false;
		}
	}
	tap(ok, "without a filter no probe call fails with EPERM");
}

/* The probe's numbers are libseccomp's numbers. */
static void test_probe_table(void)
{
	static const uint32_t arch[ABI_COUNT] = { SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_X86 };
	bool ok = true;
	size_t i;
	int abi;

	for (i = 0; i < PROBE_CALLS; i++)
		for (abi = 0; abi < ABI_COUNT; abi++) {
			int want =
				seccomp_syscall_resolve_name_arch(arch[abi], probe_calls[i].name);
			long have = probe_calls[i].nr[abi];

			if (have != NO_NR && abi == ABI_X32)
				have |= X32_SYSCALL_BIT;
			if (want < 0 ? have != NO_NR : have != want) {
				diag("%s on %s: table %ld, libseccomp %d", probe_calls[i].name,
				     probe_abi_name[abi], have, want);
				ok = false;
			}
		}
	tap(ok, "probe table agrees with libseccomp's system call numbers");
}

/* ---- terminal ioctls ---------------------------------------------------------- */

struct ioctl_case {
	const char *what;
	unsigned long request;
	int want;
};

static int child_ioctl(const void *arg)
{
	const struct ioctl_case *c = arg;
	int master, slave, got;

	slave = probe_open_pty(&master);
	if (slave < 0) {
		diag("pty: %s", strerror(-slave));
		return -1;
	}
	if (enter_default() < 0)
		return -1;
	got = probe_ioctl(slave, c->request);
	if (got != c->want) {
		diag("%s: errno %d, want %d", c->what, got, c->want);
		return -1;
	}
	return 0;
}

static int child_ioctl_glibc(const void *arg)
{
	struct termios t;
	struct winsize ws;
	int master, slave;
	char ch = 'x';

	slave = probe_open_pty(&master);
	if (slave < 0 || enter_default() < 0)
		return -1;
	if (ioctl(slave, TIOCSTI, &ch) == 0 || errno != EPERM) {
		diag("ioctl(TIOCSTI) did not fail with EPERM");
		return -1;
	}
	if (tcgetattr(slave, &t) < 0 || ioctl(slave, TIOCGWINSZ, &ws) < 0 || !isatty(slave)) {
		diag("ordinary terminal ioctls fail: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int child_ioctl_i386(const void *arg)
{
	int master, slave;
	long a[5];

	slave = probe_open_pty(&master);
	if (slave < 0 || enter_default() < 0)
		return -1;
	a[0] = slave;
	a[1] = TIOCSTI;
	a[2] = 0;
	a[3] = a[4] = 0;
	if (probe_sys_i386(54 /* ioctl */, a) != -EPERM) {
		diag("i386 ioctl TIOCSTI not refused");
		return -1;
	}
	a[1] = TCGETS;
	if (probe_sys_i386(54, a) == -EPERM) {
		diag("i386 ioctl TCGETS refused");
		return -1;
	}
	return 0;
}

static void test_ioctls(void)
{
	static const struct ioctl_case cases[] = {
		{ "TIOCSTI", TIOCSTI, EPERM },
		{ "TIOCSTI | 1 << 32", TIOCSTI | 0x100000000UL, EPERM },
		{ "TIOCSTI | 0xffffffff << 32", TIOCSTI | 0xffffffff00000000UL, EPERM },
		{ "TIOCLINUX", TIOCLINUX, EPERM },
		{ "TIOCLINUX | 1 << 63", TIOCLINUX | 0x8000000000000000UL, EPERM },
		{ "TIOCGWINSZ (allowed)", TIOCGWINSZ, 0 },
		{ "TCGETS | 1 << 32 (allowed; the kernel ignores the high bits)",
		  TCGETS | 0x100000000UL, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		tap(child_passed(in_child(child_ioctl, &cases[i])), "ioctl %s on a pty -> errno %d",
		    cases[i].what, cases[i].want);
	tap(child_passed(in_child(child_ioctl_glibc, NULL)),
	    "glibc ioctl(TIOCSTI) -> EPERM; tcgetattr, TIOCGWINSZ, isatty work");
	if (i386_ok)
		tap(child_passed(in_child(child_ioctl_i386, NULL)),
		    "i386 ioctl TIOCSTI -> EPERM, TCGETS works");
	else
		tap_skip("int $0x80 unavailable on this kernel",
			 "i386 ioctl TIOCSTI -> EPERM, TCGETS works");
}

/* ---- what must keep working --------------------------------------------------- */

static int child_ordinary(const void *arg)
{
	int fd, status;
	pid_t pid;

	if (enter_default() < 0)
		return -1;
	if (syscall(SYS_getpid) != getpid()) {
		diag("getpid");
		return -1;
	}
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0 || write(fd, "x", 1) != 1) {
		diag("open/write /dev/null: %s", strerror(errno));
		return -1;
	}
	close(fd);
	pid = fork();
	if (pid < 0) {
		diag("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		_exit(7);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7) {
		diag("fork child did not exit 7");
		return -1;
	}
	return 0;
}

static int child_pthread(const void *arg)
{
	int r;

	if (enter_default() < 0)
		return -1;
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS) {
		diag("clone3 did not fail with ENOSYS");
		return -1;
	}
	r = probe_pthread();
	if (r != 0) {
		diag("pthread: %s", strerror(r));
		return -1;
	}
	return 0;
}

/* posix_spawn uses clone3 in glibc >= 2.34 and falls back to clone. */
static int child_spawn(const void *arg)
{
	char *argv[] = { (char *)"true", NULL };
	int status, r;
	pid_t pid;

	if (enter_default() < 0)
		return -1;
	r = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
	if (r != 0) {
		diag("posix_spawn /bin/true: %s", strerror(r));
		return -1;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		diag("/bin/true failed");
		return -1;
	}
	return 0;
}

static int put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* What `unshare -rpf` and bwrap do: a user namespace with root mapped to
 * us, more namespaces inside it, a child that is pid 1 there and nests a
 * user namespace again.  ARG != NULL: under the default filter. */
static int child_userns(const void *arg)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int status;
	pid_t pid;

	if (arg && enter_default() < 0)
		return -1;
	if (unshare(CLONE_NEWUSER) < 0) {
		diag("unshare(CLONE_NEWUSER): %s", strerror(errno));
		return -1;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if (put_file("/proc/self/uid_map", map) < 0 ||
	    put_file("/proc/self/setgroups", "deny") < 0) {
		diag("uid_map: %s", strerror(errno));
		return -1;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if (put_file("/proc/self/gid_map", map) < 0) {
		diag("gid_map: %s", strerror(errno));
		return -1;
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) < 0) {
		diag("unshare(mnt|pid|uts|ipc|net) in the new user namespace: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		diag("fork into the new pid namespace: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		_exit(getpid() == 1 && getuid() == 0 && unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		diag("pid 1 of the nested namespaces could not nest a user namespace");
		return -1;
	}
	return 0;
}

static void test_ordinary(void)
{
	tap(child_passed(in_child(child_ordinary, NULL)),
	    "getpid, open, write, fork work under the filter");
	tap(child_passed(in_child(child_pthread, NULL)),
	    "clone3 -> ENOSYS and pthread_create works");
	tap(child_passed(in_child(child_spawn, NULL)), "posix_spawn and exec of /bin/true work");
	if (userns_ok)
		tap(child_passed(in_child(child_userns, "filter")),
		    "unshare -rpf and a nested user namespace work under the filter");
	else
		tap_skip("user namespaces unavailable here",
			 "unshare -rpf and a nested user namespace work under the filter");
}

/* ---- no_new_privs is the caller's business ---------------------------------- */

static int child_no_nnp_root(const void *arg)
{
	struct carrel_error err = { 0 };
	struct carrel_seccomp *f = NULL;
	int r;

	if (carrel_seccomp_build(NULL, &f, &err) < 0)
		return -1;
	r = carrel_seccomp_load(f);
	carrel_seccomp_free(f);
	if (r < 0) {
		diag("load with CAP_SYS_ADMIN, without no_new_privs: %s", strerror(-r));
		return -1;
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0) {
		diag("loading the filter set no_new_privs");
		return -1;
	}
	return syscall(SYS_reboot, 0, 0, 0, 0) < 0 && errno == EPERM ? 0 : -1;
}

static int child_no_nnp_user(const void *arg)
{
	struct carrel_error err = { 0 };
	struct carrel_seccomp *f = NULL;
	int r;

	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct none[2];

	/* drop every capability, CAP_SYS_ADMIN with them (also works as root
	 * of a user namespace, where uid 65534 may have no mapping) */
	memset(none, 0, sizeof(none));
	if (syscall(SYS_capset, &hdr, none) < 0) {
		diag("capset: %s", strerror(errno));
		return -1;
	}
	if (carrel_seccomp_build(NULL, &f, &err) < 0)
		return -1;
	r = carrel_seccomp_load(f);
	carrel_seccomp_free(f);
	if (r != -EACCES) {
		diag("load without no_new_privs and CAP_SYS_ADMIN: %d, want -EACCES", r);
		return -1;
	}
	return 0;
}

static void test_nnp(void)
{
	if (geteuid() == 0)
		tap(child_passed(in_child(child_no_nnp_root, NULL)),
		    "root loads without no_new_privs, and loading does not set it");
	else
		tap_skip("not root",
			 "root loads without no_new_privs, and loading does not set it");
	tap(child_passed(in_child(child_no_nnp_user, NULL)),
	    "without no_new_privs or CAP_SYS_ADMIN, load -> -EACCES");
}

/* ---- the exported program ----------------------------------------------------- */

struct bpf_prog {
	struct sock_filter *insns;
	size_t len;
};

static int export_prog(const struct carrel_seccomp *f, struct bpf_prog *out)
{
	int fd = memfd_create("carrel-bpf", MFD_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0)
		return -errno;
	r = carrel_seccomp_export(f, fd);
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r == 0 && (st.st_size == 0 || st.st_size % sizeof(struct sock_filter) != 0))
		r = -EINVAL;
	if (r == 0) {
		out->insns = malloc((size_t)st.st_size);
		out->len = (size_t)st.st_size / sizeof(struct sock_filter);
		if (!out->insns)
			r = -ENOMEM;
		else if (pread(fd, out->insns, (size_t)st.st_size, 0) != st.st_size)
			r = -EIO;
	}
	close(fd);
	return r;
}

/* A classic-BPF interpreter for what seccomp programs use.  *BAD is set on an
 * instruction it does not know or a jump out of the program. */
static uint32_t bpf_run(const struct bpf_prog *p, const struct seccomp_data *d, bool *bad)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	size_t pc = 0;

	while (pc < p->len) {
		const struct sock_filter *in = &p->insns[pc++];
		uint32_t k = in->k, src = BPF_SRC(in->code) == BPF_X ? x : k;

		switch (BPF_CLASS(in->code)) {
		case BPF_LD:
			if (in->code == (BPF_LD | BPF_W | BPF_ABS) && k % 4 == 0 &&
			    k + 4 <= sizeof(*d))
				memcpy(&a, (const char *)d + k, 4);
			else if (in->code == (BPF_LD | BPF_IMM))
				a = k;
			else if (in->code == (BPF_LD | BPF_MEM) && k < BPF_MEMWORDS)
				a = mem[k];
			else
				goto bad;
			break;
		case BPF_LDX:
			if (in->code == (BPF_LDX | BPF_IMM))
				x = k;
			else if (in->code == (BPF_LDX | BPF_MEM) && k < BPF_MEMWORDS)
				x = mem[k];
			else
				goto bad;
			break;
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				goto bad;
			mem[k] = BPF_CLASS(in->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(in->code)) {
			case BPF_AND:
				a &= src;
				break;
			case BPF_OR:
				a |= src;
				break;
			case BPF_ADD:
				a += src;
				break;
			case BPF_SUB:
				a -= src;
				break;
			case BPF_LSH:
				a = src < 32 ? a << src : 0;
				break;
			case BPF_RSH:
				a = src < 32 ? a >> src : 0;
				break;
			case BPF_NEG:
				a = -a;
				break;
			default:
				goto bad;
			}
			break;
		case BPF_JMP: {
			bool take;

			switch (BPF_OP(in->code)) {
			case BPF_JA:
				pc += k;
				continue;
			case BPF_JEQ:
				take = a == src;
				break;
			case BPF_JGT:
				take = a > src;
				break;
			case BPF_JGE:
				take = a >= src;
				break;
			case BPF_JSET:
				take = (a & src) != 0;
				break;
			default:
				goto bad;
			}
			pc += take ? in->jt : in->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(in->code) == BPF_A ? a : k;
		case BPF_MISC:
			if (BPF_MISCOP(in->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			goto bad;
		}
	}
bad:
	*bad = true;
	return 0;
}

static uint32_t sim(const struct bpf_prog *p, uint32_t arch, int nr, uint64_t arg1, bool *bad)
{
	struct seccomp_data d;

	memset(&d, 0, sizeof(d));
	d.arch = arch;
	d.nr = nr;
	d.args[1] = arg1;
	return bpf_run(p, &d, bad);
}

#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | (uint32_t)(e))

/* The same with the first argument set (socket's family, socketcall's operation). */
static uint32_t sim0(const struct bpf_prog *p, uint32_t arch, int nr, uint64_t arg0, bool *bad)
{
	struct seccomp_data d;

	memset(&d, 0, sizeof(d));
	d.arch = arch;
	d.nr = nr;
	d.args[0] = arg0;
	return bpf_run(p, &d, bad);
}

/* Socket families: vsock refused on every ABI (x32 refuses everything),
 * ordinary families allowed; i386's socketcall refuses the two operations
 * that create sockets (their family is out of the filter's reach) and lets
 * the others through. */
static void test_exported_sockets(const struct bpf_prog *p)
{
	static const struct {
		uint32_t arch;
		int nr;
		const char *abi;
	} sock[] = { { AUDIT_ARCH_X86_64, 41, "x86_64" }, { AUDIT_ARCH_I386, 359, "i386" } };
	const uint32_t refused = RET_ERRNO(EAFNOSUPPORT);
	bool bad = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sock); i++) {
		tap(sim0(p, sock[i].arch, sock[i].nr, AF_VSOCK, &bad) == refused &&
			    sim0(p, sock[i].arch, sock[i].nr, AF_VSOCK | 0xabcd00000000UL, &bad) == refused &&
			    sim0(p, sock[i].arch, sock[i].nr, AF_IUCV, &bad) == refused && !bad,
		    "BPF: %s socket(AF_VSOCK), socket(AF_IUCV) -> EAFNOSUPPORT", sock[i].abi);
		tap(sim0(p, sock[i].arch, sock[i].nr, AF_INET, &bad) == SECCOMP_RET_ALLOW &&
			    sim0(p, sock[i].arch, sock[i].nr, AF_INET6, &bad) == SECCOMP_RET_ALLOW &&
			    sim0(p, sock[i].arch, sock[i].nr, AF_UNIX, &bad) == SECCOMP_RET_ALLOW &&
			    sim0(p, sock[i].arch, sock[i].nr, AF_NETLINK, &bad) == SECCOMP_RET_ALLOW && !bad,
		    "BPF: %s socket(AF_INET, AF_INET6, AF_UNIX, AF_NETLINK) allowed", sock[i].abi);
	}
	/* i386 socketcall is 102; SYS_SOCKET 1, SYS_CONNECT 3, SYS_SOCKETPAIR 8,
	 * SYS_SENDMSG 16.  The kernel reads the operation as int: high bits
	 * set are the same operation. */
	tap(sim0(p, AUDIT_ARCH_I386, 102, 1, &bad) == refused &&
		    sim0(p, AUDIT_ARCH_I386, 102, 1 | 0xabcd00000000UL, &bad) == refused && !bad,
	    "BPF: i386 socketcall(SYS_SOCKET) -> EAFNOSUPPORT (its family is out of reach)");
	tap(sim0(p, AUDIT_ARCH_I386, 102, 3, &bad) == SECCOMP_RET_ALLOW &&
		    sim0(p, AUDIT_ARCH_I386, 102, 8, &bad) == SECCOMP_RET_ALLOW &&
		    sim0(p, AUDIT_ARCH_I386, 102, 16, &bad) == SECCOMP_RET_ALLOW && !bad,
	    "BPF: i386 socketcall(SYS_CONNECT, SYS_SOCKETPAIR, SYS_SENDMSG) allowed");
	tap(sim0(p, AUDIT_ARCH_X86_64, 53, AF_VSOCK, &bad) == SECCOMP_RET_ALLOW && !bad,
	    "BPF: x86_64 socketpair is not filtered (vsock has no pairs)");
}

static void test_exported(void)
{
	struct carrel_error err = { 0 };
	struct carrel_seccomp *f = NULL;
	struct bpf_prog p = { NULL, 0 };
	bool bad = false, ok;
	size_t i;
	int r, nr;

	r = carrel_seccomp_build(NULL, &f, &err);
	if (r == 0)
		r = export_prog(f, &p);
	carrel_seccomp_free(f);
	tap(r == 0, "default filter exports as BPF (%zu instructions)", p.len);
	if (r < 0)
		return;

	for (ok = true, i = 0; i < PROBE_CALLS; i++) {
		const struct probe_call *c = &probe_calls[i];
		uint32_t want = c->expect ? RET_ERRNO(c->expect) : SECCOMP_RET_ALLOW;

		if (c->nr[ABI_I386] != NO_NR &&
		    sim(&p, AUDIT_ARCH_I386, (int)c->nr[ABI_I386], 0, &bad) != want) {
			diag("BPF: i386 %s not answered with %#x", c->name, want);
			ok = false;
		}
	}
	tap(ok && !bad, "BPF: the i386 arch denies every call of the list (by i386 number)");

	for (ok = true, i = 0; i < PROBE_CALLS; i++) {
		const struct probe_call *c = &probe_calls[i];
		uint32_t want = c->expect ? RET_ERRNO(c->expect) : SECCOMP_RET_ALLOW;

		if (c->nr[ABI_X86_64] != NO_NR &&
		    sim(&p, AUDIT_ARCH_X86_64, (int)c->nr[ABI_X86_64], 0, &bad) != want) {
			diag("BPF: x86_64 %s not answered with %#x", c->name, want);
			ok = false;
		}
	}
	tap(ok && !bad, "BPF: the x86_64 arch denies every call of the list");

	for (ok = true, nr = 0; nr < 1024; nr++)
		if (sim(&p, AUDIT_ARCH_X86_64, nr | (int)X32_SYSCALL_BIT, 0, &bad) !=
		    RET_ERRNO(EPERM)) {
			diag("BPF: x32 call %d not refused", nr);
			ok = false;
		}
	tap(ok && !bad, "BPF: every x32 call number 0..1023 -> EPERM");

	tap(sim(&p, AUDIT_ARCH_X86_64, -1, 0, &bad) == SECCOMP_RET_ALLOW && !bad,
	    "BPF: nr -1 (a tracer skipping a call) passes untouched");
	tap(sim(&p, AUDIT_ARCH_AARCH64, 39, 0, &bad) == RET_ERRNO(EPERM) && !bad,
	    "BPF: a foreign arch -> EPERM");
	tap(sim(&p, AUDIT_ARCH_I386, 54, TIOCSTI, &bad) == RET_ERRNO(EPERM) &&
		    sim(&p, AUDIT_ARCH_I386, 54, TIOCLINUX, &bad) == RET_ERRNO(EPERM) &&
		    sim(&p, AUDIT_ARCH_I386, 54, TCGETS, &bad) == SECCOMP_RET_ALLOW && !bad,
	    "BPF: i386 ioctl TIOCSTI and TIOCLINUX -> EPERM, TCGETS allowed");
	tap(sim(&p, AUDIT_ARCH_X86_64, 16, TIOCSTI | 0xabcd00000000UL, &bad) == RET_ERRNO(EPERM) &&
		    sim(&p, AUDIT_ARCH_X86_64, 16, TCGETS | 0xabcd00000000UL, &bad) ==
			    SECCOMP_RET_ALLOW &&
		    !bad,
	    "BPF: x86_64 ioctl compares the low 32 bits of the request only");
	test_exported_sockets(&p);
	free(p.insns);
}

/* Under the default filter, on the real kernel: vsock sockets fail as if
 * the kernel had no vsock, IP and unix sockets work. */
static int child_sockets(const void *arg)
{
	int fd;

	if (enter_default() < 0)
		return -1;
	fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 || errno != EAFNOSUPPORT) {
		diag("socket(AF_VSOCK): %s, want EAFNOSUPPORT", fd >= 0 ? "opened" : strerror(errno));
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		diag("socket(AF_INET): %s", strerror(errno));
		return -1;
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		diag("socket(AF_UNIX): %s", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static void test_sockets(void)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* Whether the test can fail: without the filter, vsock opens here. */
	if (fd >= 0)
		close(fd);
	else
		diag("without a filter socket(AF_VSOCK) fails too (%s): the next line cannot fail",
		     strerror(errno));
	tap(child_passed(in_child(child_sockets, NULL)),
	    "socket(AF_VSOCK) -> EAFNOSUPPORT, AF_INET and AF_UNIX sockets work");
}

static int child_raw_load(const void *arg)
{
	const struct bpf_prog *p = arg;
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	r = carrel_seccomp_load_bpf(p->insns, p->len * sizeof(struct sock_filter));
	if (r < 0) {
		diag("carrel_seccomp_load_bpf: %s", strerror(-r));
		return -1;
	}
	if (syscall(SYS_reboot, 0, 0, 0, 0) != -1 || errno != EPERM) {
		diag("reboot not refused under the raw program");
		return -1;
	}
	if (syscall(SYS_getpid) != getpid() || probe_pthread() != 0) {
		diag("getpid or pthread_create fails under the raw program");
		return -1;
	}
	return 0;
}

static void test_raw_load(void)
{
	struct carrel_error err = { 0 };
	struct carrel_seccomp *f = NULL;
	struct bpf_prog p = { NULL, 0 };
	struct sock_filter one = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	int r;

	r = carrel_seccomp_build(NULL, &f, &err);
	if (r == 0)
		r = export_prog(f, &p);
	carrel_seccomp_free(f);
	tap(r == 0 && child_passed(in_child(child_raw_load, &p)),
	    "the exported program loads without libseccomp and refuses reboot");
	free(p.insns);
	tap(carrel_seccomp_load_bpf(NULL, 8) == -EINVAL &&
		    carrel_seccomp_load_bpf(&one, 0) == -EINVAL &&
		    carrel_seccomp_load_bpf(&one, 5) == -EINVAL &&
		    carrel_seccomp_load_bpf(&one, (BPF_MAXINSNS + 1) * sizeof(one)) == -EINVAL,
	    "carrel_seccomp_load_bpf refuses empty, ragged and oversized programs");
}

/* ---- profiles ----------------------------------------------------------------------- */

/* Write TEXT (LEN bytes) to tmpdir/NAME with MODE and OWNER; PATH gets its name. */
static int write_profile_n(const char *name, const char *text, size_t len, mode_t mode, uid_t owner,
			   char *path, size_t size)
{
	int fd;

	snprintf(path, size, "%s/%s", tmpdir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0 ||
	    fchown(fd, owner, (gid_t)-1) < 0) {
		int r = -errno;

		close(fd);
		return r ? r : -EIO;
	}
	close(fd);
	return 0;
}

static int write_profile(const char *name, const char *text, char *path, size_t size)
{
	return write_profile_n(name, text, strlen(text), 0644, 0, path, size);
}

static const char good_profile[] = "# carrel test profile\n"
				   "\n"
				   "   # indented comment\n"
				   "default allow\n"
				   "include default   # the built-in list\n"
				   "perf_event_open allow\n"
				   "getppid errno:EACCES\n"
				   "getpgrp\terrno:38\n"
				   "sysinfo log\n"
				   "sync kill\n";

static char good_path[PATH_MAX];

static int child_good_profile(const void *arg)
{
	struct sysinfo_buf {
		char b[256];
	} si;

	if (enter_filter(good_path) < 0)
		return -1;
	if (syscall(SYS_getppid) != -1 || errno != EACCES) {
		diag("getppid: want EACCES");
		return -1;
	}
	if (syscall(SYS_getpgrp) != -1 || errno != ENOSYS) {
		diag("getpgrp: want ENOSYS");
		return -1;
	}
	if (syscall(SYS_reboot, 0, 0, 0, 0) != -1 || errno != EPERM) {
		diag("reboot: include default lost");
		return -1;
	}
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS) {
		diag("clone3: include default lost");
		return -1;
	}
	/* overridden: the kernel's own answer (EFAULT for a NULL attr) */
	if (syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0) != -1 || errno == EPERM) {
		diag("perf_event_open: the explicit allow did not override the default");
		return -1;
	}
	if (syscall(SYS_sysinfo, &si) != 0) {
		diag("sysinfo (log) failed: %s", strerror(errno));
		return -1;
	}
	if (probe_ioctl(0, TIOCSTI | 0x100000000UL) != EPERM) {
		diag("TIOCSTI: include default lost the ioctl rule");
		return -1;
	}
	return 0;
}

static int child_kill(const void *arg)
{
	if (enter_filter(good_path) < 0)
		return -1;
	syscall(SYS_sync);
	diag("sync returned under `sync kill`");
	return -1;
}

static void test_good_profile(void)
{
	struct carrel_error err = { 0 };
	struct carrel_seccomp *f = NULL;
	int r, status;

	r = write_profile("good", good_profile, good_path, sizeof(good_path));
	if (r == 0)
		r = carrel_seccomp_build(good_path, &f, &err);
	tap(r == 0 && f, "a good profile builds%s%s", r ? ": " : "", err.msg);
	carrel_seccomp_free(f);
	if (r < 0)
		return;
	tap(child_passed(in_child(child_good_profile, NULL)),
	    "its rules apply: errno:NAME, errno:NUMBER, log, include default, an override");
	status = in_child(child_kill, NULL);
	tap(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "`kill` kills the process (SIGSYS)");
}

/* An allow list: default errno:ENOSYS, a few calls allowed. */
static void test_allowlist(void)
{
	static const char text[] =
		"default errno:ENOSYS\nwrite allow\nexit_group allow\nreboot errno\n";
	struct carrel_error err = { 0 };
	struct carrel_seccomp *f = NULL;
	struct bpf_prog p = { NULL, 0 };
	char path[PATH_MAX];
	bool bad = false;
	int r;

	r = write_profile("allowlist", text, path, sizeof(path));
	if (r == 0)
		r = carrel_seccomp_build(path, &f, &err);
	if (r == 0)
		r = export_prog(f, &p);
	carrel_seccomp_free(f);
	tap(r == 0 && sim(&p, AUDIT_ARCH_X86_64, SYS_getpid, 0, &bad) == RET_ERRNO(ENOSYS) &&
		    sim(&p, AUDIT_ARCH_X86_64, SYS_write, 0, &bad) == SECCOMP_RET_ALLOW &&
		    sim(&p, AUDIT_ARCH_X86_64, SYS_reboot, 0, &bad) == RET_ERRNO(EPERM) &&
		    sim(&p, AUDIT_ARCH_I386, 4 /* write */, 0, &bad) == SECCOMP_RET_ALLOW && !bad,
	    "an allow-list profile (default errno:ENOSYS) builds and answers as written%s%s",
	    r ? ": " : "", err.msg);
	free(p.insns);
}

struct bad_profile {
	const char *text;
	unsigned line;
	const char *needle;
};

static void test_bad_profiles(void)
{
	static const struct bad_profile cases[] = {
		{ "frobnicate errno\n", 1, "unknown system call \"frobnicate\"" },
		{ "# c\n\nreboot frob\n", 3, "unknown action \"frob\"" },
		{ "reboot errno\nacct errno\nreboot allow\n", 3,
		  "duplicate rule for reboot (first at line 1)" },
		{ "reboot errno junk\n", 1, "unexpected \"junk\"" },
		{ "reboot errno\ndefault allow\n", 2, "\"default\" must be the first rule" },
		{ "default allow\ndefault errno\n", 2, "\"default\" must be the first rule" },
		{ "default frob\n", 1, "unknown action \"frob\"" },
		{ "include default\n\ninclude default\n", 3,
		  "duplicate \"include default\" (first at line 1)" },
		{ "include other\n", 1, "unknown include \"other\"" },
		{ "\n\nreboot\n", 3, "\"reboot\" needs an action" },
		{ "reboot errno:EBOGUS\n", 1, "unknown errno name \"EBOGUS\"" },
		{ "reboot errno:0\n", 1, "errno number \"0\" is not in 1..4095" },
		{ "reboot errno:4096\n", 1, "errno number \"4096\" is not in 1..4095" },
		{ "reboot errno:1x\n", 1, "errno number \"1x\" is not in 1..4095" },
		{ "reboot errno:\n", 1, "unknown errno name \"\"" },
		{ "Reboot errno\n", 1, "\"Reboot\" is not a system call name" },
		{ "reboot errno\r\n", 1, "control character 0x0d" },
		{ "acct errno\nreboot \001errno\n", 2, "control character 0x01" },
		{ "reboot allow\n", 0, NULL }, /* fine: the same action as the default is no rule */
	};
	struct carrel_error err;
	struct carrel_seccomp *f;
	char path[PATH_MAX], name[32], want[PATH_MAX + 64];
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bad_profile *c = &cases[i];

		memset(&err, 0, sizeof(err));
		f = NULL;
		snprintf(name, sizeof(name), "bad%zu", i);
		r = write_profile(name, c->text, path, sizeof(path));
		if (r == 0)
			r = carrel_seccomp_build(path, &f, &err);
		carrel_seccomp_free(f);
		if (!c->needle) {
			tap(r == 0, "profile \"%.*s\" is accepted%s%s", (int)strcspn(c->text, "\n"),
			    c->text, r ? ": " : "", err.msg);
			continue;
		}
		snprintf(want, sizeof(want), "%s:%u: ", path, c->line);
		tap(r == -EINVAL && strncmp(err.msg, want, strlen(want)) == 0 &&
			    strstr(err.msg, c->needle),
		    "line %u: %s", c->line, c->needle);
		if (r != -EINVAL || !strstr(err.msg, c->needle))
			diag("got %d: %s", r, err.msg);
	}

	/* a line too long, on line 2 */
	{
		char text[CARREL_SECCOMP_LINE_MAX + 64];

		memset(text, ' ', sizeof(text));
		memcpy(text, "acct errno\n", 11);
		memcpy(text + 11, "reboot errno", 12);
		text[sizeof(text) - 2] = '\n';
		text[sizeof(text) - 1] = '\0';
		memset(&err, 0, sizeof(err));
		f = NULL;
		r = write_profile("long", text, path, sizeof(path));
		if (r == 0)
			r = carrel_seccomp_build(path, &f, &err);
		carrel_seccomp_free(f);
		snprintf(want, sizeof(want), "%s:2: line longer than", path);
		tap(r == -EINVAL && strncmp(err.msg, want, strlen(want)) == 0,
		    "line 2: line longer than %d bytes", CARREL_SECCOMP_LINE_MAX);
	}
}

struct refused {
	const char *what;
	mode_t mode;
	uid_t owner;
	int want;
	const char *needle;
};

static void check_refused(const char *path, int want, const char *needle, const char *what)
{
	struct carrel_error err = { 0 };
	struct carrel_seccomp *f = NULL;
	int r;

	r = carrel_seccomp_build(path, &f, &err);
	carrel_seccomp_free(f);
	tap(r == want && !f && strncmp(err.msg, path, strlen(path)) == 0 && strstr(err.msg, needle),
	    "%s -> %s", what, needle);
	if (r != want || !strstr(err.msg, needle))
		diag("got %d: %s", r, err.msg);
}

static void test_refused_files(void)
{
	static const struct refused cases[] = {
		{ "a profile owned by uid 1000", 0644, 1000, -EPERM,
		  "refusing seccomp profile: not owned by root (owner uid 1000)" },
		{ "a 0666 profile", 0666, 0, -EPERM,
		  "refusing seccomp profile: writable by group or others (mode 0666)" },
		{ "a 0620 profile", 0620, 0, -EPERM,
		  "refusing seccomp profile: writable by group or others (mode 0620)" },
	};
	char path[PATH_MAX], link[PATH_MAX + 8], dir[PATH_MAX + 8];
	size_t i;
	char *big;
	int r;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		r = write_profile_n("refused", "reboot errno\n", 13, cases[i].mode, cases[i].owner,
				    path, sizeof(path));
		if (r == -EINVAL && cases[i].owner != 0) {
			/* root of a user namespace without uid 1000 mapped */
			tap_skip("uid 1000 not mapped here", "%s", cases[i].what);
			continue;
		}
		if (r < 0) {
			tap(false, "%s: cannot write it: %s", cases[i].what, strerror(-r));
			continue;
		}
		check_refused(path, cases[i].want, cases[i].needle, cases[i].what);
	}

	write_profile("target", "reboot errno\n", path, sizeof(path));
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	if (symlink(path, link) < 0)
		tap(false, "symlink: %s", strerror(errno));
	else
		check_refused(link, -EPERM, "refusing seccomp profile: is a symbolic link",
			      "a symbolic link");

	snprintf(dir, sizeof(dir), "%s/dir", tmpdir);
	if (mkdir(dir, 0755) < 0)
		tap(false, "mkdir: %s", strerror(errno));
	else
		check_refused(dir, -EPERM, "refusing seccomp profile: not a regular file",
			      "a directory");

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	check_refused(path, -ENOENT, "cannot open seccomp profile: No such file or directory",
		      "a missing file");

	big = malloc(CARREL_SECCOMP_PROFILE_MAX + 2);
	if (big) {
		memset(big, '#', CARREL_SECCOMP_PROFILE_MAX + 1);
		big[CARREL_SECCOMP_PROFILE_MAX + 1] = '\0';
		write_profile("big", big, path, sizeof(path));
		check_refused(path, -EFBIG, "larger than 65536 bytes", "a profile over 64 KiB");
		free(big);
	}
}

static void test_profile_names(void)
{
	struct carrel_error err = { 0 };
	struct carrel_seccomp *f = (struct carrel_seccomp *)&err;
	int r;

	r = carrel_seccomp_build("off", &f, &err);
	tap(r == 0 && f == NULL && carrel_seccomp_load(f) == 0,
	    "\"off\" gives no filter, and loading it is a no-op");
	r = carrel_seccomp_build("default", &f, &err);
	tap(r == 0 && f != NULL, "\"default\" builds the built-in filter");
	carrel_seccomp_free(f);
	r = carrel_seccomp_build(NULL, &f, &err);
	tap(r == 0 && f != NULL, "NULL builds the built-in filter");
	carrel_seccomp_free(f);
	f = NULL;
	r = carrel_seccomp_build("etc/carrel/seccomp", &f, &err);
	tap(r == -EINVAL && f == NULL &&
		    strstr(err.msg, "must be \"default\", \"off\" or an absolute path"),
	    "a relative profile path is refused");
	carrel_seccomp_free(NULL);
}

static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    unlinkat(dirfd(d), e->d_name, 0) < 0 && errno == EISDIR)
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
	closedir(d);
	rmdir(tmpdir);
}

static void test_profiles(void)
{
	test_profile_names();
	if (geteuid() != 0) {
		tap_skip("not root: profiles must be owned by root", "profile files");
		return;
	}
	if (!mkdtemp(tmpdir)) {
		tap(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	test_good_profile();
	test_allowlist();
	test_bad_profiles();
	test_refused_files();
	remove_tmpdir();
}

/* ---- benchmark --------------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long bench_n = 10000000;
#define BENCH_ROUNDS 10

struct bench_arg {
	bool filter;
	int pipe; /* the child writes its two results here */
};

/* ns per call of getppid and of ioctl(TCGETS) on /dev/null (ENOTTY), over
 * bench_n / BENCH_ROUNDS calls each. */
static int child_bench(const void *arg)
{
	const struct bench_arg *b = arg;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	long i, n = bench_n / BENCH_ROUNDS;
	struct termios t;
	double t0, ns[2];

	if (b->filter && enter_default() < 0)
		return -1;
	t0 = now();
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	ns[0] = (now() - t0) * 1e9 / (double)n;
	t0 = now();
	for (i = 0; i < n; i++)
		syscall(SYS_ioctl, fd, TCGETS, &t);
	ns[1] = (now() - t0) * 1e9 / (double)n;
	return write(b->pipe, ns, sizeof(ns)) == sizeof(ns) ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Rounds alternate between no filter and the default filter, each in a fresh
 * child; medians are printed, and the ratio filter / none. */
static int bench(void)
{
	static const char *const call[2] = { "getppid", "ioctl(TCGETS)" };
	double ns[2][2][BENCH_ROUNDS], med[2][2];
	int p[2], round, mode, c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return 1;
	for (round = 0; round < BENCH_ROUNDS; round++)
		for (mode = 0; mode < 2; mode++) {
			struct bench_arg b = { mode == 1, p[1] };
			double got[2];

			if (!child_passed(in_child(child_bench, &b)) ||
			    read(p[0], got, sizeof(got)) != sizeof(got))
				return 1;
			ns[mode][0][round] = got[0];
			ns[mode][1][round] = got[1];
		}
	for (mode = 0; mode < 2; mode++)
		for (c = 0; c < 2; c++) {
			qsort(ns[mode][c], BENCH_ROUNDS, sizeof(double), cmp_double);
			med[mode][c] = (ns[mode][c][BENCH_ROUNDS / 2 - 1] +
					ns[mode][c][BENCH_ROUNDS / 2]) /
				       2;
		}
	for (c = 0; c < 2; c++)
		printf("bench %s: %ld calls, no filter %.1f ns/call, default filter %.1f ns/call, ratio %.3f\n",
		       call[c], bench_n, med[0][c], med[1][c], med[1][c] / med[0][c]);
	return 0;
}

/* ---- main ------------------------------------------------------------------------------- */

static bool seccomp_available(void)
{
	uint32_t action = SECCOMP_RET_ERRNO;

	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
	       syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
#if !defined(__x86_64__)
	/* the probe table holds x86-64 numbers */
	printf("1..0 # SKIP written for x86-64\n");
	return 77;
#endif
	if (!seccomp_available()) {
		printf("1..0 # SKIP seccomp filters unavailable\n");
		return 77;
	}
	if (argc >= 2 && strcmp(argv[1], "--bench") == 0) {
		if (argc == 3)
			bench_n = strtol(argv[2], NULL, 10);
		return bench();
	}
	i386_ok = probe_i386_available();
	userns_ok = in_child(child_userns, NULL) == 0;
	if (!i386_ok)
		diag("int $0x80 is unavailable: i386 is checked on the exported BPF program");

	test_probe_table();
	test_baseline();
	test_calls();
	test_ioctls();
	test_ordinary();
	test_nnp();
	test_sockets();
	test_exported();
	test_raw_load();
	test_profiles();

	printf("1..%u\n", tap_count);
	if (tap_failed)
		diag("%u of %u failed", tap_failed, tap_count);
	return tap_failed ? 1 : 0;
}
