/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seed's other controllers, what every backend shares: device paths
 * and globs resolved to major:minor (devices_*, io_max), cpusets fitted to
 * the machine, the BPF device program of cgroup v2 (libbpf), and the
 * record of the list limits carrel wrote (an xattr on the user cgroup:
 * v1's devices.list shows only "a *:* rwm" in deny-list mode, and a BPF
 * program cannot be read back as the rules it came from).
 */
#include "cgroup-internal.h"
#include "ctrl.h"
#include "util.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ------------------------------------------------------------ devices */

/* The session's ordinary devices: they always work (carrel.conf(5)). */
static const struct cg_dev_rule ordinary[] = {
	{ 'c', 1, 3, 7 },  /* null */
	{ 'c', 1, 5, 7 },  /* zero */
	{ 'c', 1, 7, 7 },  /* full */
	{ 'c', 1, 8, 7 },  /* random */
	{ 'c', 1, 9, 7 },  /* urandom */
	{ 'c', 5, 0, 7 },  /* tty */
	{ 'c', 5, 1, 7 },  /* console (login on a vt) */
	{ 'c', 5, 2, 7 },  /* ptmx */
	{ 'c', 136, -1, 7 }, /* pts */
	{ 'c', 4, -1, 7 },   /* vt (login) */
};

const struct cg_dev_rule *cg_dev_ordinary(size_t *n)
{
	*n = ARRAY_SIZE(ordinary);
	return ordinary;
}

static void add_rule(struct cg_dev_rule *rules, int *n, char type, unsigned major, int64_t minor,
		     unsigned access)
{
	for (int i = 0; i < *n; i++) {
		if (rules[i].type == type && rules[i].major == major && rules[i].minor == minor) {
			rules[i].access |= access;
			return;
		}
	}
	if (*n < CG_DEV_RULES)
		rules[(*n)++] = (struct cg_dev_rule){ type, major, minor, access };
}

/* The majors /proc/devices names with a name that PATTERN matches (the
 * drivers with dynamic majors: nvidia-uvm, nvidia-caps). */
static int add_named_majors(const char *pattern, bool glob, unsigned access, struct cg_dev_rule *rules,
			    int *n)
{
	FILE *f = fopen("/proc/devices", "re");
	char line[128], name[96];
	char type = 'c';
	unsigned major;
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Block", 5) == 0)
			type = 'b';
		if (sscanf(line, "%u %95s", &major, name) != 2)
			continue;
		if (glob ? fnmatch(pattern, name, 0) == 0 : strcmp(pattern, name) == 0) {
			add_rule(rules, n, type, major, -1, access);
			found++;
		}
	}
	fclose(f);
	return found;
}

/* One devices_* item into RULES: a path is its major:minor; a glob covers
 * the majors of the nodes it matches, and of the drivers /proc/devices
 * names that its last component matches (nodes made after login, dynamic
 * majors).  An item that matches nothing here is skipped, with a note in
 * WARN. */
static int resolve_dev_item(const char *label, const char *s, struct cg_dev_rule *rules, int *n,
			    char *warn, size_t wsize, struct carrel_error *e)
{
	struct carrel_dev_item it;
	char why[512];
	const char *base;
	glob_t g = { 0 };
	struct stat st;
	int found = 0, r;

	if ((r = carrel_parse_dev_item(label, s, &it, why, sizeof(why))) < 0)
		return cg_fail(e, r, "%s", why);
	base = strrchr(it.pattern, '/') + 1; /* a path under /dev/: it has one */
	/*
	 * Only "no such device" may resolve to nothing: a lookup that fails
	 * otherwise (EACCES from an LSM profile, an unreadable /dev) would
	 * turn a deny into no rule and let the session in without it, so it
	 * refuses the login (on_error decides) with the reason.
	 */
	if (!it.glob) {
		errno = 0; /* stat() that succeeds on a non-device leaves it 0 */
		if (stat(it.pattern, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
			add_rule(rules, n, S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev),
				 minor(st.st_rdev), it.access);
			found = 1;
		} else if (errno != 0 && errno != ENOENT && errno != ENOTDIR) {
			return cg_fail(e, -errno, "%s: \"%s\": cannot look up %s: %s", label, s, it.pattern,
				       strerror(errno));
		} else {
			found = add_named_majors(base, false, it.access, rules, n);
		}
	} else {
		int gr = glob(it.pattern, GLOB_NOSORT | GLOB_ERR, NULL, &g);

		if (gr != 0 && gr != GLOB_NOMATCH) {
			globfree(&g);
			return cg_fail(e, gr == GLOB_NOSPACE ? -ENOMEM : -EIO,
				       "%s: \"%s\": cannot list the devices it names (%s)", label, s,
				       gr == GLOB_NOSPACE ? "out of memory" : "a directory could not be read");
		}
		for (size_t i = 0; gr == 0 && i < g.gl_pathc; i++) {
			if (stat(g.gl_pathv[i], &st) < 0) {
				r = -errno;
				if (r == -ENOENT)
					continue; /* gone since the listing */
				globfree(&g);
				return cg_fail(e, r, "%s: \"%s\": cannot look up a device it names: %s", label, s,
					       strerror(-r));
			}
			if (!(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
				continue;
			add_rule(rules, n, S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev), -1, it.access);
			found++;
		}
		globfree(&g);
		found += add_named_majors(base, true, it.access, rules, n);
	}
	if (*n >= CG_DEV_RULES)
		return cg_fail(e, -E2BIG, "%s: \"%s\": more than %d device rules", label, s, CG_DEV_RULES);
	if (!found && warn && !warn[0])
		snprintf(warn, wsize, "%s: \"%s\" names no device on this machine (skipped)", label, s);
	return 0;
}

int cg_dev_resolve(const struct carrel_limits *lim, struct cg_dev_rules *out, char *warn, size_t wsize,
		   struct carrel_error *e)
{
	int r;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < CARREL_LIST_MAX && lim->devices_deny[i][0]; i++)
		if ((r = resolve_dev_item("limits.devices_deny", lim->devices_deny[i], out->deny, &out->n_deny,
					  warn, wsize, e)) < 0)
			return r;
	for (size_t i = 0; i < CARREL_LIST_MAX && lim->devices_allow[i][0]; i++)
		if ((r = resolve_dev_item("limits.devices_allow", lim->devices_allow[i], out->allow,
					  &out->n_allow, warn, wsize, e)) < 0)
			return r;
	return 0;
}

/* The access of RULE (CARREL_DEV_*) that an allow of RULES[0..N) or an
 * ordinary device gives to TYPE MAJOR:MINOR (MINOR -1: every minor). */
unsigned cg_dev_allowed(const struct cg_dev_rules *rules, char type, unsigned major, int64_t minor)
{
	unsigned acc = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ordinary) + (size_t)rules->n_allow; i++) {
		const struct cg_dev_rule *a = i < ARRAY_SIZE(ordinary) ? &ordinary[i] :
									 &rules->allow[i - ARRAY_SIZE(ordinary)];

		if (a->type == type && a->major == major && (a->minor == -1 || a->minor == minor))
			acc |= a->access;
	}
	return acc;
}

/* ---------------------------------------------------- the BPF program */

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define AND_IMM(d, i) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH_IMM(d, i) INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, i)
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define PROG_MAX (8 + 8 * (CG_DEV_RULES * 2 + 16))

/* CARREL_DEV_* as the kernel's BPF_DEVCG_ACC_*. */
static int bpf_access(unsigned a)
{
	return ((a & CARREL_DEV_MKNOD) ? BPF_DEVCG_ACC_MKNOD : 0) | ((a & CARREL_DEV_READ) ? BPF_DEVCG_ACC_READ : 0) |
	       ((a & CARREL_DEV_WRITE) ? BPF_DEVCG_ACC_WRITE : 0);
}

/* One rule: if the request is TYPE MAJOR:MINOR and (ALLOW) needs no access
 * beyond the rule's, or (deny) asks any of it, return the verdict. */
static void emit_rule(struct bpf_insn *p, size_t *n, const struct cg_dev_rule *r, bool allow)
{
	size_t len = r->minor == -1 ? 7 : 8;
	int acc = bpf_access(r->access);

	p[(*n)++] = JNE_IMM(BPF_REG_3, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, (short)(len - 1));
	p[(*n)++] = JNE_IMM(BPF_REG_4, (int)r->major, (short)(len - 2));
	if (r->minor != -1)
		p[(*n)++] = JNE_IMM(BPF_REG_5, (int)r->minor, (short)(len - 3));
	p[(*n)++] = MOV_REG(BPF_REG_0, BPF_REG_2);
	p[(*n)++] = AND_IMM(BPF_REG_0, allow ? ~acc : acc);
	p[(*n)++] = allow ? JNE_IMM(BPF_REG_0, 0, 2) : JEQ_IMM(BPF_REG_0, 0, 2);
	p[(*n)++] = MOV_IMM(BPF_REG_0, allow ? 1 : 0);
	p[(*n)++] = EXIT();
}

/* The program: the ordinary devices and the allows pass, then the denies
 * refuse, and everything else passes (the cgroup's parents' programs still
 * apply: the kernel ANDs them). */
static size_t build_prog(const struct cg_dev_rules *rules, struct bpf_insn *p)
{
	size_t n = 0;

	p[n++] = LDX_W(BPF_REG_2, BPF_REG_1, 0); /* access_type */
	p[n++] = MOV_REG(BPF_REG_3, BPF_REG_2);
	p[n++] = AND_IMM(BPF_REG_3, 0xffff);  /* BPF_DEVCG_DEV_* */
	p[n++] = RSH_IMM(BPF_REG_2, 16);      /* BPF_DEVCG_ACC_* */
	p[n++] = LDX_W(BPF_REG_4, BPF_REG_1, 4); /* major */
	p[n++] = LDX_W(BPF_REG_5, BPF_REG_1, 8); /* minor */
	for (size_t i = 0; i < ARRAY_SIZE(ordinary); i++)
		emit_rule(p, &n, &ordinary[i], true);
	for (int i = 0; i < rules->n_allow; i++)
		emit_rule(p, &n, &rules->allow[i], true);
	for (int i = 0; i < rules->n_deny; i++)
		emit_rule(p, &n, &rules->deny[i], false);
	p[n++] = MOV_IMM(BPF_REG_0, 1);
	p[n++] = EXIT();
	return n;
}

#define PROG_NAME "carrel_devices"

/* Detach the programs named PROG_NAME from CGFD, except KEEP's id. */
static void detach_old(int cgfd, uint32_t keep)
{
	uint32_t ids[64], n = ARRAY_SIZE(ids);

	if (bpf_prog_query(cgfd, BPF_CGROUP_DEVICE, 0, NULL, ids, &n) < 0)
		return;
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_prog_info info = { 0 };
		uint32_t len = sizeof(info);
		int fd;

		if (ids[i] == keep || (fd = bpf_prog_get_fd_by_id(ids[i])) < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && strcmp(info.name, PROG_NAME) == 0)
			bpf_prog_detach2(fd, cgfd, BPF_CGROUP_DEVICE);
		fd = safe_close(fd);
	}
}

int cg_dev_bpf_apply(const char *dir, const struct cg_dev_rules *rules, struct carrel_error *e)
{
	static struct bpf_insn prog[PROG_MAX];
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log, .log_size = sizeof(log), .log_level = 0);
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	_cleanup_close_ int cgfd = -1, pfd = -1;
	size_t n;
	int r;

	cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return cg_fail(e, -errno, "cannot open %s: %s", dir, strerror(errno));
	if (rules->n_deny == 0) { /* nothing to refuse: no program */
		detach_old(cgfd, 0);
		return 0;
	}
	n = build_prog(rules, prog);
	pfd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, PROG_NAME, "GPL", prog, n, &opts);
	if (pfd < 0) {
		r = -errno;
		return cg_fail(e, r, "cannot load the device program for %s: %s%s%s", dir, strerror(-r),
			       log[0] ? ": " : "", log);
	}
	if (bpf_prog_attach(pfd, cgfd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) < 0) {
		r = -errno;
		return cg_fail(e, r, "cannot attach the device program to %s: %s", dir, strerror(-r));
	}
	if (bpf_obj_get_info_by_fd(pfd, &info, &len) == 0)
		detach_old(cgfd, info.id);
	return 0;
}

/* ------------------------------------------------------------ io_max */

int cg_io_resolve(const char *s, struct carrel_io_item *it, unsigned *maj, unsigned *min, struct carrel_error *e)
{
	char why[512], path[96], dev[32];
	struct stat st;
	int r;

	if ((r = carrel_parse_io_item("limits.io_max", s, it, why, sizeof(why))) < 0)
		return cg_fail(e, r, "%s", why);
	if (stat(it->path, &st) < 0)
		return cg_fail(e, -errno, "limits.io_max: %s: %s", it->path, strerror(errno));
	if (!S_ISBLK(st.st_mode))
		return cg_fail(e, -ENOTBLK, "limits.io_max: %s is not a block device", it->path);
	*maj = major(st.st_rdev);
	*min = minor(st.st_rdev);
	/* A partition: its disk is the directory above it in sysfs. */
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", *maj, *min);
	if (access(path, F_OK) == 0) {
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../dev", *maj, *min);
		if (read_file(path, dev, sizeof(dev)) <= 0 || sscanf(dev, "%u:%u", maj, min) != 2)
			return cg_fail(e, -ENODEV, "limits.io_max: %s: cannot find its disk (%s)", it->path, path);
	}
	return 0;
}

/* ------------------------------------------------------------ cpusets */

int cg_cpuset_fit(const char *label, const char *want, const char *avail_text, char *out, size_t size,
		  char *warn, size_t wsize, struct carrel_error *e)
{
	struct carrel_cpuset w, a;
	char why[512], cut[128];
	bool trimmed = false;
	int r;

	out[0] = '\0';
	if (!want[0])
		return 0;
	if ((r = carrel_parse_cpuset(label, want, &w, why, sizeof(why))) < 0)
		return cg_fail(e, r, "%s", why);
	if (carrel_parse_cpuset(label, avail_text, &a, why, sizeof(why)) < 0 || carrel_cpuset_empty(&a))
		return cg_fail(e, -ENODEV, "%s: cannot tell what this machine has (\"%s\")", label, avail_text);
	for (size_t i = 0; i < ARRAY_SIZE(w.bits); i++) {
		trimmed = trimmed || (w.bits[i] & ~a.bits[i]);
		w.bits[i] &= a.bits[i];
	}
	carrel_cpuset_format(&w, out, size);
	if (carrel_cpuset_empty(&w))
		return cg_fail(e, -EINVAL, "%s: \"%s\" has nothing in common with this machine's \"%s\"", label,
			       want, avail_text);
	if (trimmed && warn && !warn[0]) {
		snprintf(cut, sizeof(cut), "%s", out);
		snprintf(warn, wsize, "%s: \"%s\" reaches past this machine's \"%s\": using \"%s\"", label, want,
			 avail_text, cut);
	}
	return 0;
}

/* What the machine has: CPUs, or memory nodes (a kernel without NUMA has node 0). */
static void machine_set(bool mems, char *buf, size_t size)
{
	const char *path = mems ? "/sys/devices/system/node/online" : "/sys/devices/system/cpu/online";

	if (read_file(path, buf, size) <= 0)
		snprintf(buf, size, "0");
	buf[strcspn(buf, "\n")] = '\0';
}

int cg_fit_machine(struct carrel_limits *lim, struct carrel_error *e)
{
	char avail[256], fit[256];
	int r;

	machine_set(false, avail, sizeof(avail));
	if ((r = cg_cpuset_fit("limits.cpuset_cpus", lim->cpuset_cpus, avail, fit, sizeof(fit), NULL, 0, e)) < 0)
		return r;
	snprintf(lim->cpuset_cpus, sizeof(lim->cpuset_cpus), "%.*s", CARREL_CPUSET_MAX, fit);
	machine_set(true, avail, sizeof(avail));
	if ((r = cg_cpuset_fit("limits.cpuset_mems", lim->cpuset_mems, avail, fit, sizeof(fit), NULL, 0, e)) < 0)
		return r;
	snprintf(lim->cpuset_mems, sizeof(lim->cpuset_mems), "%.*s", CARREL_CPUSET_MAX, fit);
	return 0;
}

int cg_check_limits(const struct carrel_limits *lim, char *warn, size_t wsize, const char **key,
		    struct carrel_error *e)
{
	struct cg_dev_rules *rules = calloc(1, sizeof(*rules));
	struct carrel_io_item it;
	char avail[256], fit[256];
	unsigned maj, min;
	int r = 0;

	if (warn)
		warn[0] = '\0';
	if (!rules)
		return cg_fail(e, -ENOMEM, "out of memory");
	machine_set(false, avail, sizeof(avail));
	*key = "cpuset_cpus";
	r = cg_cpuset_fit("limits.cpuset_cpus", lim->cpuset_cpus, avail, fit, sizeof(fit), warn, wsize, e);
	if (r >= 0) {
		machine_set(true, avail, sizeof(avail));
		*key = "cpuset_mems";
		r = cg_cpuset_fit("limits.cpuset_mems", lim->cpuset_mems, avail, fit, sizeof(fit), warn, wsize, e);
	}
	for (size_t i = 0; r >= 0 && i < CARREL_LIST_MAX && lim->io_max[i][0]; i++) {
		*key = "io_max";
		r = cg_io_resolve(lim->io_max[i], &it, &maj, &min, e);
	}
	if (r >= 0) {
		*key = lim->devices_deny[0][0] ? "devices_deny" : "devices_allow";
		r = cg_dev_resolve(lim, rules, warn, wsize, e);
	}
	free(rules);
	return r;
}

/* ------------------------------------------------------------ the record */

#define RECORD_XATTR "trusted.carrel.limits"

/* The list limits as the lines "KEY ITEM"; what an xattr can hold. */
static const struct {
	const char *key;
	size_t offset;
} listed[] = {
	{ "io_max", offsetof(struct carrel_limits, io_max) },
	{ "hugetlb_max", offsetof(struct carrel_limits, hugetlb_max) },
	{ "devices_deny", offsetof(struct carrel_limits, devices_deny) },
	{ "devices_allow", offsetof(struct carrel_limits, devices_allow) },
};

void cg_record_write(const char *dir, const struct carrel_limits *lim)
{
	char buf[4 * CARREL_LIST_MAX * (CARREL_ITEM_MAX + 16)];
	size_t len = 0;

	for (size_t k = 0; k < ARRAY_SIZE(listed); k++) {
		const char(*items)[CARREL_ITEM_MAX + 1] = (const void *)((const char *)lim + listed[k].offset);

		for (size_t i = 0; i < CARREL_LIST_MAX && items[i][0] && len < sizeof(buf); i++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s %.*s\n", listed[k].key,
						CARREL_ITEM_MAX, items[i]);
	}
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	/* No rules is a record too ("none", a key no reader knows): an
	 * empty xattr cannot be set, and no record means "not known". */
	if (len == 0)
		len = (size_t)snprintf(buf, sizeof(buf), "none\n");
	setxattr(dir, RECORD_XATTR, buf, len, 0);
}

void cg_record_forget(const char *dir)
{
	(void)removexattr(dir, RECORD_XATTR);
}

void cg_record_read(const char *dir, struct carrel_limits *lim)
{
	char buf[4 * CARREL_LIST_MAX * (CARREL_ITEM_MAX + 16) + 1];
	size_t count[ARRAY_SIZE(listed)] = { 0 };
	ssize_t n = getxattr(dir, RECORD_XATTR, buf, sizeof(buf) - 1);

	if (n < 0)
		return; /* none here (or none can be kept): the limits stay as they are */
	buf[n] = '\0';
	for (size_t k = 0; k < ARRAY_SIZE(listed); k++)
		memset((char *)lim + listed[k].offset, 0, sizeof(lim->io_max));
	for (char *line = buf, *end; *line; line = end) {
		end = line + strcspn(line, "\n");
		if (*end)
			*end++ = '\0';
		for (size_t k = 0; k < ARRAY_SIZE(listed); k++) {
			size_t kl = strlen(listed[k].key);
			char(*items)[CARREL_ITEM_MAX + 1] = (void *)((char *)lim + listed[k].offset);

			if (strncmp(line, listed[k].key, kl) == 0 && line[kl] == ' ' && count[k] < CARREL_LIST_MAX)
				snprintf(items[count[k]++], CARREL_ITEM_MAX + 1, "%s", line + kl + 1);
		}
	}
}
