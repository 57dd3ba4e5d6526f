# carrel — build, install, test.
PREFIX      ?= /usr/local
DESTDIR     ?=
LIBEXECDIR  ?= $(PREFIX)/libexec/carrel
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
RUNDIR      ?= /run/carrel
# The system's PAM module directory: where pam_unix.so lives (multiarch on Debian).
PAMDIR      ?= $(patsubst %/,%,$(dir $(firstword $(wildcard /usr/lib/*/security/pam_unix.so \
                 /lib/*/security/pam_unix.so /usr/lib64/security/pam_unix.so /usr/lib/security/pam_unix.so \
                 /lib64/security/pam_unix.so /lib/security/pam_unix.so))))

HELPER_PATH := $(LIBEXECDIR)/carrel-helper

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -iquote conf -iquote helper \
            -DCARREL_HELPER_PATH='"$(HELPER_PATH)"' -DCARREL_RUNDIR='"$(RUNDIR)"'
ALL_CFLAGS = $(CPPFLAGS) $(WARN) $(CFLAGS) -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDFLAGS_HARD := -Wl,-z,relro,-z,now
# sd-bus, for cgroup_parent = systemd (helper/cgroup_systemd.c).
SYSTEMD_LIBS := $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)

CONF_SRC   := conf/carrel_conf.c
HELPER_SRC := helper/main.c helper/carrel.c helper/keeper.c helper/holder.c helper/enter.c helper/sessions.c helper/cgroup.c helper/cgroup_v1.c helper/cgroup_v2.c helper/cgroup_systemd.c helper/idmap.c helper/caps.c helper/seccomp.c helper/util.c helper/proto.c
PAM_SRC    := pam_module/pam_carrel.c helper/caps.c helper/proto.c helper/util.c

CONF_OBJ   := $(CONF_SRC:.c=.o)
HELPER_OBJ := $(HELPER_SRC:.c=.o)
PAM_OBJ    := $(PAM_SRC:.c=.pic.o)

.PHONY: all clean install uninstall check demo format selinux deps bench vmcheck FORCE
all: pam_module/pam_carrel.so helper/carrel-helper helper/carrelctl

# The paths compiled in (helper, state dir) are part of the build: objects
# are rebuilt when they change (e.g. `make install PREFIX=/usr`).
build.flags: FORCE
	@echo '$(ALL_CFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS)' > $@

%.o: %.c $(wildcard conf/*.h helper/*.h) build.flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
%.pic.o: %.c $(wildcard conf/*.h helper/*.h) build.flags
	$(CC) $(ALL_CFLAGS) -fvisibility=hidden -c -o $@ $<

conf/libcarrelconf.a: $(CONF_OBJ)
	$(AR) rcs $@ $^

helper/carrel-helper: $(HELPER_OBJ) conf/libcarrelconf.a
	$(CC) $(CFLAGS) -pie $(LDFLAGS_HARD) $(LDFLAGS) -o $@ $(HELPER_OBJ) conf/libcarrelconf.a -lconfuse -lcap -lseccomp $(SYSTEMD_LIBS)

CTL_OBJ := helper/carrelctl.o helper/sessions.o helper/cgroup.o helper/cgroup_v1.o helper/cgroup_v2.o \
           helper/cgroup_systemd.o helper/util.o helper/proto.o
helper/carrelctl: $(CTL_OBJ) conf/libcarrelconf.a
	$(CC) $(CFLAGS) -pie $(LDFLAGS_HARD) $(LDFLAGS) -o $@ $(CTL_OBJ) conf/libcarrelconf.a -lconfuse -lcap $(SYSTEMD_LIBS)

pam_module/pam_carrel.so: $(PAM_OBJ) conf/libcarrelconf.a pam_module/pam_carrel.map
	$(CC) $(CFLAGS) -shared $(LDFLAGS_HARD) -Wl,--version-script=pam_module/pam_carrel.map \
		$(LDFLAGS) -o $@ $(PAM_OBJ) conf/libcarrelconf.a -lconfuse -lcap -lpam

install: all
	@test -n "$(PAMDIR)" || { echo "cannot find the PAM module directory; set PAMDIR=" >&2; exit 1; }
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/security
	install -m 0644 pam_module/pam_carrel.so $(DESTDIR)$(PAMDIR)/pam_carrel.so
	install -o root -g root -m 4755 helper/carrel-helper $(DESTDIR)$(HELPER_PATH)
	install -m 0644 conf/carrel.conf.5 $(DESTDIR)$(MANDIR)/man5/carrel.conf.5
	install -m 0644 pam_module/pam_carrel.8 $(DESTDIR)$(MANDIR)/man8/pam_carrel.8
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 helper/carrelctl $(DESTDIR)$(SBINDIR)/carrelctl
	install -m 0644 helper/carrelctl.8 $(DESTDIR)$(MANDIR)/man8/carrelctl.8
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf"; \
	else \
		install -o root -g root -m 0644 conf/carrel.conf $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf; \
	fi

# The config file is left alone when it differs from the shipped default: it is the admin's.
uninstall:
	rm -f $(DESTDIR)$(PAMDIR)/pam_carrel.so $(DESTDIR)$(HELPER_PATH) $(DESTDIR)$(SBINDIR)/carrelctl \
	      $(DESTDIR)$(MANDIR)/man5/carrel.conf.5 $(DESTDIR)$(MANDIR)/man8/pam_carrel.8 \
	      $(DESTDIR)$(MANDIR)/man8/carrelctl.8
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
	@if cmp -s conf/carrel.conf $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf ]; then \
		echo "keeping modified $(DESTDIR)$(SYSCONFDIR)/security/carrel.conf"; \
	fi

tests/unit/test_conf: tests/unit/test_conf.c tests/unit/tap.h conf/libcarrelconf.a
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -fsanitize=address,undefined -o $@ $< $(CONF_SRC) -lconfuse

tests/unit/test_cgroup: tests/unit/test_cgroup.c tests/unit/tap.h helper/cgroup.c helper/cgroup_v1.c helper/cgroup_v2.c helper/util.c
	$(CC) $(CPPFLAGS) $(WARN) -Wno-missing-prototypes $(CFLAGS) -fsanitize=address,undefined -o $@ $< \
		helper/cgroup_v1.c helper/cgroup_v2.c helper/util.c

tests/unit/test_dlopen: tests/unit/test_dlopen.c tests/unit/tap.h
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< -ldl

tests/unit/test_pam_confdir: tests/unit/test_pam_confdir.c tests/unit/tap.h
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< -lpam

tests/unit/test_seccomp: tests/unit/test_seccomp.c tests/unit/seccomp_probe.c helper/seccomp.c helper/seccomp.h
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -fsanitize=address,undefined -o $@ tests/unit/test_seccomp.c helper/seccomp.c -lseccomp -lpthread

tests/unit/seccomp_probe: tests/unit/seccomp_probe.c
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -static-pie -o $@ $< -lpthread || \
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< -lpthread

UNIT_TESTS := tests/unit/test_conf tests/unit/test_cgroup tests/unit/test_dlopen tests/unit/test_pam_confdir \
              tests/unit/test_seccomp tests/unit/seccomp_probe

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
	clang-format -i conf/*.[ch] helper/*.[ch] pam_module/*.c tests/unit/*.c

selinux:
	$(MAKE) -C selinux

clean:
	rm -f conf/*.o conf/*.a helper/*.o helper/carrel-helper helper/carrelctl pam_module/*.o pam_module/*.so \
	      $(UNIT_TESTS) tests/hostile/helper_call build.flags
	-$(MAKE) -C selinux clean

tests/hostile/helper_call: tests/hostile/helper_call.c helper/proto.c helper/util.c
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $^
