# carrel — build, install, test.
PREFIX      ?= /usr/local
DESTDIR     ?=
LIBEXECDIR  ?= $(PREFIX)/libexec/carrel
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
RUNDIR      ?= /run/carrel
# Kept across reboots: the users' own /var/tmp (STATEDIR/vartmp/UID).
STATEDIR    ?= /var/lib/carrel
# The system's PAM module directory: where pam_unix.so lives (multiarch on Debian).
PAMDIR      ?= $(patsubst %/,%,$(dir $(firstword $(wildcard /usr/lib/*/security/pam_unix.so \
                 /lib/*/security/pam_unix.so /usr/lib64/security/pam_unix.so /usr/lib/security/pam_unix.so \
                 /lib64/security/pam_unix.so /lib/security/pam_unix.so))))

HELPER_PATH := $(LIBEXECDIR)/carrel-helper
# The set-user-ID program's mode; the Debian package installs 0755 and lets
# postinst set 4755 (dpkg-statoverride can change it).
SETUID_MODE ?= 4755
HOLDER_PATH := $(LIBEXECDIR)/carrel-holder
USER_PATH   := $(LIBEXECDIR)/carrel-user
# network = nat (net/): a plugin loaded where used (helper/net_plugin.c).
NET_PLUGIN_PATH := $(LIBEXECDIR)/carrel-net.so

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -iquote lib -iquote conf -iquote cgroup -iquote net \
            -DCARREL_HELPER_PATH='"$(HELPER_PATH)"' -DCARREL_USER_PATH='"$(USER_PATH)"' \
            -DCARREL_HOLDER_PATH='"$(HOLDER_PATH)"' -DCARREL_NET_PLUGIN_PATH='"$(NET_PLUGIN_PATH)"' -DCARREL_RUNDIR='"$(RUNDIR)"' -DCARREL_STATEDIR='"$(STATEDIR)"'
ALL_CFLAGS = $(CPPFLAGS) $(WARN) $(CFLAGS) -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDFLAGS_HARD := -Wl,-z,relro,-z,now
# sd-bus, for cgroup_parent = systemd (cgroup/cgroup_systemd.c): loaded on
# first use (cgroup/sd_bus_dlopen.c), not linked; only its header is needed.
SYSTEMD_LIBS := -ldl
# libbpf: the cgroup v2 device program (cgroup/cgdev.c), loaded on first
# use (cgroup/bpf_dlopen.c), not linked.
# network = nat (net/): rtnetlink through libmnl, nftables through
# libnftables, linked into the plugin net/carrel-net.so only.
NET_LIBS := -lmnl -lnftables

# The house (README.md, "Layout"): each folder builds one library or one
# program, from its own sources only.  Layers, lowest first:
#   lib/      libcarrel.a     shared by every program: fds, strings, the wire
#                             format, capabilities, the resolved policy's types
#   conf/     libcarrelconf.a the config: schema, loading, checks, resolution
#   cgroup/   libcarrelcg.a   one cgroup interface, three backends
#   net/      libcarrelnet.a  network = nat: leases, rtnetlink, nftables (helper only)
#   helper/   carrel-helper   root only: open, keeper, holder, check-config
#   setuid/   carrel-user     the only set-user-ID program: enter, status
#   holder/   carrel-holder   what the holder execs once set up: PID 1 that reaps
#   ctl/      carrelctl       the admin's tool
#   pam_module/ pam_carrel.so
LIB_SRC    := $(wildcard lib/*.c)
CONF_SRC   := $(wildcard conf/*.c)
CG_SRC     := $(wildcard cgroup/*.c)
NET_SRC    := $(wildcard net/*.c)
HELPER_SRC := $(wildcard helper/*.c)
SETUID_SRC := $(wildcard setuid/*.c)
CTL_SRC    := $(wildcard ctl/*.c)
PAM_SRC    := $(wildcard pam_module/*.c)

LIB_A  := lib/libcarrel.a
CONF_A := conf/libcarrelconf.a
CG_A   := cgroup/libcarrelcg.a
NET_A  := net/libcarrelnet.a
NET_SO := net/carrel-net.so

.PHONY: all clean install uninstall check demo format selinux deps bench vmcheck deb audit-setuid FORCE
all: pam_module/pam_carrel.so helper/carrel-helper setuid/carrel-user holder/carrel-holder ctl/carrelctl $(NET_SO)

# The paths compiled in (helper, state dir) are part of the build: objects
# are rebuilt when they change (e.g. `make install PREFIX=/usr`).
build.flags: FORCE
	@echo '$(ALL_CFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS)' > $@

HEADERS := $(wildcard lib/*.h conf/*.h cgroup/*.h net/*.h helper/*.h setuid/*.h ctl/*.h)
# Library objects are position-independent with hidden symbols: the PAM
# module links them, and only its pam_sm_* entry points are exported.
%.o: %.c $(HEADERS) build.flags
	$(CC) $(ALL_CFLAGS) -fvisibility=hidden -c -o $@ $<
pam_module/%.o: pam_module/%.c $(HEADERS) build.flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_SRC:.c=.o)
	rm -f $@ && $(AR) rcs $@ $^
$(CONF_A): $(CONF_SRC:.c=.o)
	rm -f $@ && $(AR) rcs $@ $^
$(CG_A): $(CG_SRC:.c=.o)
	rm -f $@ && $(AR) rcs $@ $^
$(NET_A): $(NET_SRC:.c=.o)
	rm -f $@ && $(AR) rcs $@ $^

# libconfuse (check-config only: an open gets its policy from the module),
# libseccomp (compiling a filter, unloaded before the keeper's fork) and
# libcap (the holder's set-up, unloaded by the keeper once the holder is
# cloned) are loaded where used, by their sonames (helper/*_dlopen.c), so
# that no keeper maps them and Debian's security updates of them still
# reach the helper (bench/RESULTS.md).
HELPER_LIBS ?=
helper/carrel-helper: $(HELPER_SRC:.c=.o) $(CG_A) $(CONF_A) $(LIB_A)
	$(CC) $(CFLAGS) -pie $(LDFLAGS_HARD) $(LDFLAGS) -o $@ $^ $(HELPER_LIBS) $(SYSTEMD_LIBS)

# net/ as a plugin: the helper, the keeper and carrelctl load it (and with
# it libmnl and libnftables) only for a nat carrel (helper/net_plugin.c).
# Its one exported symbol is the table in net/plugin.c.
$(NET_SO): $(NET_A) $(LIB_A)
	$(CC) $(CFLAGS) -shared $(LDFLAGS_HARD) -Wl,--no-undefined $(LDFLAGS) -o $@ \
		-Wl,--whole-archive $(NET_A) -Wl,--no-whole-archive $(LIB_A) $(NET_LIBS) -lcap

# Static and alone: it stays mapped for the carrel's whole life, in every
# carrel, so it maps no library and links nothing of the project's.
# On x86-64 without libc at all (see the file's header).
HOLDER_NOLIBC := $(filter x86_64,$(firstword $(subst -, ,$(shell $(CC) -dumpmachine))))
holder/carrel-holder: holder/carrel-holder.c build.flags
ifneq ($(HOLDER_NOLIBC),)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -DCARREL_NOLIBC -ffreestanding -fno-stack-protector -nostdlib -static -o $@ $<
else
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -fstack-protector-strong -D_FORTIFY_SOURCE=2 -static -o $@ $<
endif

# Set-user-ID: libc and libcap only, and of lib/ only the files named here
# (`make audit-setuid` counts the lines it compiles and checks what it links).
SETUID_LIB := lib/util_min.o lib/proto.o lib/caps.o lib/state.o lib/keeper_client.o lib/mcs_context.o
setuid/carrel-user: $(SETUID_SRC:.c=.o) $(SETUID_LIB)
	$(CC) $(CFLAGS) -pie $(LDFLAGS_HARD) $(LDFLAGS) -o $@ $^ -lcap

# Every project file its objects compile: the sources and the headers they
# include (found by the compiler, so a new #include is counted).
audit-setuid: setuid/carrel-user
	@wc -l $$($(CC) $(CPPFLAGS) -MM $(SETUID_SRC) $(SETUID_LIB:.o=.c) | tr ' \\' '\n\n' | \
		grep -E '^[^/].*\.[ch]$$' | sort -u)
	@ldd setuid/carrel-user | awk '{ print $$1 }' | grep -Ev '^(linux-vdso|/lib64/ld-linux|libc\.so|libcap\.so)' \
		&& { echo "carrel-user links more than libc and libcap" >&2; exit 1; } || echo "links: libc, libcap"

# carrelctl list and gc reap dead carrels with the helper's one reaper.
ctl/carrelctl.o: CPPFLAGS += -iquote helper
ctl/carrelctl: $(CTL_SRC:.c=.o) helper/reap.o helper/net_plugin.o $(CG_A) $(CONF_A) $(LIB_A)
	$(CC) $(CFLAGS) -pie $(LDFLAGS_HARD) $(LDFLAGS) -o $@ $^ -lconfuse -lcap $(SYSTEMD_LIBS)

pam_module/pam_carrel.so: $(PAM_SRC:.c=.o) $(CONF_A) $(LIB_A) pam_module/pam_carrel.map
	$(CC) $(CFLAGS) -shared $(LDFLAGS_HARD) -Wl,--version-script=pam_module/pam_carrel.map \
		$(LDFLAGS) -o $@ $(PAM_SRC:.c=.o) $(CONF_A) $(LIB_A) -lconfuse -lcap -lpam

install: all
	@test -n "$(PAMDIR)" || { echo "cannot find the PAM module directory; set PAMDIR=" >&2; exit 1; }
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/security
	install -m 0644 pam_module/pam_carrel.so $(DESTDIR)$(PAMDIR)/pam_carrel.so
	install -o root -g root -m 0755 helper/carrel-helper $(DESTDIR)$(HELPER_PATH)
	install -o root -g root -m $(SETUID_MODE) setuid/carrel-user $(DESTDIR)$(USER_PATH)
	install -o root -g root -m 0711 holder/carrel-holder $(DESTDIR)$(HOLDER_PATH)
	install -o root -g root -m 0644 $(NET_SO) $(DESTDIR)$(NET_PLUGIN_PATH)
	install -d -o root -g root -m 0755 $(DESTDIR)$(STATEDIR)
	install -d -o root -g root -m 0700 $(DESTDIR)$(STATEDIR)/vartmp
	install -m 0644 conf/carrel.conf.5 $(DESTDIR)$(MANDIR)/man5/carrel.conf.5
	install -m 0644 pam_module/pam_carrel.8 $(DESTDIR)$(MANDIR)/man8/pam_carrel.8
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 ctl/carrelctl $(DESTDIR)$(SBINDIR)/carrelctl
	install -m 0644 ctl/carrelctl.8 $(DESTDIR)$(MANDIR)/man8/carrelctl.8
	# AppArmor profiles (apparmor/README.md): installed, loaded by apparmor.service or apparmor_parser -r.
	install -d $(DESTDIR)$(SYSCONFDIR)/apparmor.d
	install -m 0644 apparmor/carrel-helper apparmor/carrel-holder $(DESTDIR)$(SYSCONFDIR)/apparmor.d/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf"; \
	else \
		install -o root -g root -m 0644 conf/carrel.conf $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf; \
	fi

# The config file is left alone when it differs from the shipped default: it is the admin's.
# So is STATEDIR: the users' files in vartmp/ are theirs (INSTALL, section 7).
uninstall:
	rm -f $(DESTDIR)$(PAMDIR)/pam_carrel.so $(DESTDIR)$(HELPER_PATH) $(DESTDIR)$(USER_PATH) $(DESTDIR)$(HOLDER_PATH) \
	      $(DESTDIR)$(NET_PLUGIN_PATH) $(DESTDIR)$(SBINDIR)/carrelctl \
	      $(DESTDIR)$(MANDIR)/man5/carrel.conf.5 $(DESTDIR)$(MANDIR)/man8/pam_carrel.8 \
	      $(DESTDIR)$(MANDIR)/man8/carrelctl.8 \
	      $(DESTDIR)$(SYSCONFDIR)/apparmor.d/carrel-helper $(DESTDIR)$(SYSCONFDIR)/apparmor.d/carrel-holder
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
	@if cmp -s conf/carrel.conf $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf ]; then \
		echo "keeping modified $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf"; \
	fi

# Unit tests build the code they test from source, with ASan/UBSan.
SAN := -fsanitize=address,undefined
# The manual pages follow the code: every config key, every carrelctl command.
tests/unit/test_docs: tests/unit/test_docs.c tests/unit/tap.h $(CONF_SRC) $(LIB_SRC) $(HEADERS) conf/carrel.conf.5 ctl/carrelctl.8
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN) -o $@ $< $(CONF_SRC) $(LIB_SRC) -lconfuse -lcap

tests/unit/test_conf: tests/unit/test_conf.c tests/unit/tap.h $(CONF_SRC) $(LIB_SRC) $(HEADERS)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN) -o $@ $< $(CONF_SRC) $(LIB_SRC) -lconfuse -lcap

# Linked against the cgroup folder's sources as its callers are: no #include of a .c file.
tests/unit/test_cgroup: tests/unit/test_cgroup.c tests/unit/tap.h $(CG_SRC) $(LIB_SRC) $(HEADERS)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN) -o $@ $< $(CG_SRC) $(LIB_SRC) -lcap $(SYSTEMD_LIBS)

tests/unit/test_dlopen: tests/unit/test_dlopen.c tests/unit/tap.h
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< -ldl

tests/unit/test_pam_confdir: tests/unit/test_pam_confdir.c tests/unit/tap.h
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< -lpam

# (-lseccomp: the test itself resolves names per arch; the filters are
# built through helper/seccomp_dlopen.c as in the helper.)
tests/unit/test_seccomp: tests/unit/test_seccomp.c tests/unit/seccomp_probe.c helper/seccomp_profile.c helper/seccomp_dlopen.c $(HEADERS)
	$(CC) $(CPPFLAGS) -iquote helper $(WARN) $(CFLAGS) $(SAN) -fvisibility=hidden -o $@ tests/unit/test_seccomp.c helper/seccomp_profile.c \
		helper/seccomp_dlopen.c $(LIB_SRC) -ldl -lseccomp -lcap -lpthread

# No sanitizer: the test clone()s (a new pid namespace) and changes uid in
# the child, where the sanitizer runtime's own state is not valid.
tests/unit/test_holder: tests/unit/test_holder.c tests/unit/tap.h holder/carrel-holder
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $<

# The state file and the wire format; its state directory is its own.
tests/unit/test_state: tests/unit/test_state.c tests/unit/tap.h lib/state.c lib/state_live.c lib/state_records.c lib/parse.c lib/state_write.c lib/proto.c lib/proto_open.c lib/util.c lib/util_min.c $(HEADERS)
	$(CC) $(CPPFLAGS) -UCARREL_RUNDIR -DCARREL_RUNDIR='"$(CURDIR)/tests/unit/state-rundir"' $(WARN) $(CFLAGS) $(SAN) \
		-o $@ $< lib/state.c lib/state_live.c lib/state_records.c lib/parse.c lib/state_write.c lib/proto.c lib/proto_open.c lib/util.c lib/util_min.c

tests/unit/seccomp_probe: tests/unit/seccomp_probe.c
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -static-pie -o $@ $< -lpthread || \
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< -lpthread

# The default seccomp filter's cache (root: the cache must be root's).
tests/unit/test_seccomp_cache: tests/unit/test_seccomp_cache.c helper/seccomp_profile.c helper/seccomp_dlopen.c $(HEADERS)
	$(CC) $(CPPFLAGS) -iquote helper $(WARN) $(CFLAGS) $(SAN) -fvisibility=hidden -o $@ $< helper/seccomp_profile.c \
		helper/seccomp_dlopen.c $(LIB_SRC) -ldl -lcap

# libseccomp and libconfuse missing (loaded where used, helper/*_dlopen.c):
# a filter or a config that needs them fails, naming the library.
tests/unit/test_libs_absent: tests/unit/test_libs_absent.c helper/seccomp_profile.c helper/seccomp_dlopen.c helper/confuse_dlopen.c $(CONF_SRC) $(LIB_SRC) $(HEADERS)
	$(CC) $(CPPFLAGS) -iquote helper -DCARREL_LIBSECCOMP='"libcarrel-absent.so.0"' \
		-DCARREL_LIBCONFUSE='"libcarrel-absent.so.0"' $(WARN) $(CFLAGS) $(SAN) -fvisibility=hidden -o $@ $< \
		helper/seccomp_profile.c helper/seccomp_dlopen.c helper/confuse_dlopen.c $(CONF_SRC) $(LIB_SRC) -ldl -lcap

# The id map writer, without the helper around it.
tests/unit/test_idmap: tests/unit/test_idmap.c tests/unit/tap.h helper/idmap.c lib/error.c lib/util.c lib/util_min.c $(HEADERS)
	$(CC) $(CPPFLAGS) -iquote helper $(WARN) $(CFLAGS) $(SAN) -o $@ $< helper/idmap.c lib/error.c lib/util.c lib/util_min.c

UNIT_TESTS := tests/unit/test_conf tests/unit/test_cgroup tests/unit/test_dlopen tests/unit/test_pam_confdir \
              tests/unit/test_seccomp tests/unit/test_holder tests/unit/seccomp_probe tests/unit/test_state \
              tests/unit/test_idmap tests/unit/test_seccomp_cache tests/unit/test_libs_absent
UNIT_TESTS += tests/unit/test_docs

# Every Debian package the build, the tests and the demo need (idempotent).
deps:
	tests/install-deps.sh

# `make check` and `make demo` do all their own set-up on a fresh Debian 12.
check: deps
	$(MAKE) all $(UNIT_TESTS) tests/hostile/helper_call
	tests/run-all.sh

demo: deps
	$(MAKE) all
	tests/demo.sh

bench: deps
	$(MAKE) all
	bench/run.sh

vmcheck: deps
	$(MAKE) all
	tests/vm/run.sh

format:
	clang-format -i lib/*.[ch] conf/*.[ch] cgroup/*.[ch] helper/*.[ch] setuid/*.[ch] ctl/*.[ch] pam_module/*.c tests/unit/*.c

selinux:
	$(MAKE) -C selinux

clean:
	rm -f */*.o */*.a net/*.so helper/carrel-helper setuid/carrel-user holder/carrel-holder ctl/carrelctl pam_module/*.so tests/hostile/*.o \
	      $(UNIT_TESTS) tests/hostile/helper_call build.flags
	-$(MAKE) -C selinux clean

tests/hostile/helper_call: tests/hostile/helper_call.c $(LIB_A)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $^ -lcap

# The Debian package (debian/): built from a copy of the source tree (what
# git tracks or would track; outside git, everything but build products) in
# build/deb/carrel, so the work tree stays clean; lintian checks the result.
deb:
	rm -rf build/deb && mkdir -p build/deb/carrel
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z -co --exclude-standard | tar --null -T - -cf - | tar -C build/deb/carrel -xf -; \
	else \
		tar --exclude=./build --exclude='*.o' --exclude='*.a' -cf - . | tar -C build/deb/carrel -xf -; \
	fi
	cd build/deb/carrel && dpkg-buildpackage -b -us -uc
	lintian --fail-on error --info build/deb/carrel_*.changes
# `make check` builds the package and runs lintian too (issue 16).
check: deb

# ---- faults and load (issue 15): chaos, fuzzing ---------------------------
# libFuzzer targets for the parsers that read what someone else wrote
# (tests/fuzz/), built with clang, ASan and UBSan from the sources they test.
# `make fuzz` runs each for FUZZ_SECONDS (300); `make check` runs a short
# pass first (FUZZ_CHECK_SECONDS, 15 each: a minute in all).  New inputs go
# to tests/fuzz/out/NAME (not committed), crashes to tests/fuzz/out/NAME-crash-*;
# the seed corpora in tests/fuzz/corpus/NAME are only read.
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := tests/fuzz/fuzz_conf tests/fuzz/fuzz_seccomp tests/fuzz/fuzz_proto tests/fuzz/fuzz_state tests/fuzz/fuzz_cgparse
FUZZ_SECONDS ?= 300
FUZZ_CHECK_SECONDS ?= 15

tests/fuzz/fuzz_conf: tests/fuzz/fuzz_conf.c $(CONF_SRC) $(LIB_SRC) $(HEADERS)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ $< $(CONF_SRC) $(LIB_SRC) -lconfuse -lcap
tests/fuzz/fuzz_seccomp: tests/fuzz/fuzz_seccomp.c helper/seccomp_profile.c helper/seccomp_dlopen.c $(LIB_SRC) $(HEADERS)
	$(FUZZ_CC) $(CPPFLAGS) -iquote helper $(FUZZ_FLAGS) -fvisibility=hidden -o $@ $< helper/seccomp_profile.c helper/seccomp_dlopen.c $(LIB_SRC) -ldl -lcap
tests/fuzz/fuzz_proto: tests/fuzz/fuzz_proto.c $(LIB_SRC) $(HEADERS)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) -lcap

tests/fuzz/fuzz_state: tests/fuzz/fuzz_state.c ctl/sessions.c $(CONF_SRC) $(CG_SRC) $(LIB_SRC) $(HEADERS)
	$(FUZZ_CC) $(CPPFLAGS) -UCARREL_RUNDIR -DCARREL_RUNDIR='"/tmp/carrel-fuzz-state"' -iquote ctl $(FUZZ_FLAGS) \
		-o $@ $< ctl/sessions.c $(CONF_SRC) $(CG_SRC) $(LIB_SRC) -lconfuse -lcap $(SYSTEMD_LIBS)

tests/fuzz/fuzz_cgparse: tests/fuzz/fuzz_cgparse.c cgroup/cgparse.c $(LIB_SRC) $(HEADERS)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ $< cgroup/cgparse.c $(LIB_SRC) -lcap

.PHONY: fuzz fuzz-check chaos
$(FUZZ_TARGETS): | deps
fuzz: $(FUZZ_TARGETS)
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)
fuzz-check: $(FUZZ_TARGETS)
	tests/fuzz/run.sh $(FUZZ_CHECK_SECONDS) $(FUZZ_TARGETS)
check: fuzz-check

# The long runs, in the integration suite's namespaces: 1,000 chaos rounds,
# every fault point, the load run; figures are appended to
# tests/chaos/out/stats.  Run it under the suite's lock, as `make check`.
CHAOS_ROUNDS ?= 1000
chaos: deps
	$(MAKE) all tests/hostile/helper_call
	mkdir -p tests/chaos/out
	CHAOS_ROUNDS=$(CHAOS_ROUNDS) FAULT_MAX_POINTS=0 LOAD_N=200 T_SCRIPT_TIMEOUT=36000 T_SUITE_TIMEOUT=40000 \
	CHAOS_STATS=$(CURDIR)/tests/chaos/out/stats LOAD_STATS=$(CURDIR)/tests/chaos/out/stats \
	CARREL_TESTS="t-96-chaos t-97-faults t-97-load" tests/integration/run.sh

# carrelctl top's and metrics' printers, linked as carrelctl links them.
tests/unit/test_top: tests/unit/test_top.c tests/unit/tap.h ctl/top.c ctl/sessions.c $(CONF_SRC) $(CG_SRC) $(LIB_SRC) $(HEADERS)
	$(CC) $(CPPFLAGS) -iquote ctl $(WARN) $(CFLAGS) $(SAN) -o $@ $< ctl/top.c ctl/sessions.c $(CONF_SRC) $(CG_SRC) \
		$(LIB_SRC) -lconfuse -lcap $(SYSTEMD_LIBS)
UNIT_TESTS += tests/unit/test_top
# ---- egress policy and bandwidth (issue 13 items 3, 4) ----------------------
# net/egress.c (allow_out, deny_out: libnftables) and net/shape.c
# (net_rate_max: tc through libmnl), the modules the network core calls in
# the keeper: in net/libcarrelnet.a.  The driver in
# tests/net/ runs them without the core for t-61-netpol.sh.
# They are in net/'s archive (NET_SRC); the driver links it.
tests/net/netpol-drive: tests/net/netpol-drive.c $(NET_A) $(CONF_A) $(LIB_A) net/netpol.h net/net.h | deps
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< $(NET_A) $(CONF_A) $(LIB_A) $(NET_LIBS) -lconfuse -lcap
check: tests/net/netpol-drive
# lib/caps.c under a failing prctl (strace --inject): fails closed.  Built
# without sanitizers: their runtime's own prctl calls would shift the count.
tests/unit/test_caps: tests/unit/test_caps.c tests/unit/tap.h lib/caps.c lib/caps.h
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< lib/caps.c -lcap
UNIT_TESTS += tests/unit/test_caps
# lib/caps.c as the helper links it: libcap loaded where used.
tests/unit/test_cap_dlopen: tests/unit/test_cap_dlopen.c tests/unit/tap.h helper/cap_dlopen.c lib/caps.c lib/dlopen_table.c $(HEADERS)
	$(CC) $(CPPFLAGS) -iquote helper $(WARN) $(CFLAGS) $(SAN) -fvisibility=hidden -o $@ $< helper/cap_dlopen.c \
		lib/caps.c lib/dlopen_table.c -ldl
UNIT_TESTS += tests/unit/test_cap_dlopen
# Every fault point (tests/chaos/faults.sh): each privileged system call of
# the helper, keeper, holder and of the module in su fails at its 1st, 2nd
# ... call, on past the counted calls until one is no longer reached; deny
# and allow.  Not in `make check`; under the suite's lock, as `make check`.
.PHONY: faults-all
faults-all: deps
	$(MAKE) all tests/hostile/helper_call
	FAULT_MAX_POINTS=0 T_SCRIPT_TIMEOUT=7200 T_SUITE_TIMEOUT=7500 CARREL_TESTS=t-97-faults tests/integration/run.sh
# The load part of the benchmark (bench/load.sh, bench/LOAD.md): 200
# concurrent ssh logins (open latency p50/p99) and 1,000 sessions held at
# once (memory per session).  bench/load.sh takes the integration suite's
# lock (/tmp/carrel-integration.lock) itself for its ssh part: run `make
# bench` and `make bench-load` without an flock of that file around them,
# or the run waits for itself.
.PHONY: bench-load
bench-load: deps
	$(MAKE) all tests/hostile/helper_call
	bench/load.sh
bench: bench-load
# ---- SELinux categories per carrel (issue 17 item 3) ------------------------
# lib/mcs_level.c (the pair numbering, level, range and mount option) and
# lib/mcs_lease.c (the keeper's lease on a pair), without SELinux.
tests/unit/test_mcs: tests/unit/test_mcs.c tests/unit/tap.h lib/mcs_level.c lib/mcs_context.c lib/mcs_lease.c lib/slot_lease.c lib/util.c lib/util_min.c $(HEADERS)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN) -o $@ $< lib/mcs_level.c lib/mcs_context.c lib/mcs_lease.c lib/slot_lease.c lib/util.c lib/util_min.c
UNIT_TESTS += tests/unit/test_mcs
