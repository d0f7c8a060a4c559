# SPDX-License-Identifier: GPL-2.0
#
# mbox: out-of-tree build of the module plus the project's checks.
#
#   make                 the user build, for the running kernel (KDIR=...): the module
#                        (-> build/module/KVER/), libmbox (-> build/lib/) and mboxctl
#                        (-> build/tools/); needs the kernel's headers, a compiler,
#                        pkg-config, libmnl-dev and libjansson-dev - nothing else
#   make modules         the module alone; make lib, make mboxctl: the rest alone
#   make modules-all     W=1 build for every matrix kernel -> build/kernels/<K>/mbox.ko
#   make sparse          sparse over the module for every matrix kernel
#   make checkpatch      checkpatch.pl --strict on kmod/ and uapi/
#   make userspace       developers: libmbox, libmbox-mq (-> build/mq/), selftests/ (-> build/selftests/, needs
#                        linux-source-6.1 for kselftest_harness.h), the demo (-> build/demo/),
#                        mboxctl, the benchmarks (-> build/bench/), mbox-stress and
#                        mbox-fuzz (-> build/{stress,fuzz}/)
#   make check           everything, including the selftests in QEMU guests
#   make demo            build, boot a 6.1 guest, run the demo
#   make bench           benchmarks in a guest -> build/bench/results.{txt,csv,png}
#                        (BENCH_KERNEL=6.12 to choose the kernel, default 6.1)
#   make debug-kernel    build (or find cached) the debug kernel (tools/scripts/vm/debug-kernel)
#   make stress          mbox-stress in a guest: KERNEL=6.1 DURATION=30 PROCS=64 STRESS_ARGS=
#   make fuzz            mbox-fuzz in a guest: KERNEL=6.1 DURATION=30 WORKERS=4 FUZZ_ARGS=
#   make install         module (KDIR/KVER), libmbox, headers, mboxctl, man pages, udev
#                        rule, modules-load.d, modprobe.d example, sysusers.d group
#                        [DESTDIR, PREFIX]
#   make uninstall       remove all of that again (same variables)
#   make dkms-install    module sources to /usr/src/mbox-VERSION, dkms add/build/install
#   make dkms-uninstall  dkms remove, and the sources from /usr/src
#   make deb             Debian packages (dpkg-buildpackage -b) -> build/deb/
#
# Everything generated goes to build/; the source directories stay clean.
# WERROR=1 adds -Werror to libmbox and mboxctl (tools/scripts/check and tools/scripts/demo
# set it; the shipped build does not fail on a new compiler's new warning).
# KERNELS="6.1 6.12" restricts modules-all and sparse (default: tools/scripts/kernels --names,
# which includes the debug kernel: modules-all builds it first if it is not cached).
# install: PREFIX=/usr/local, DESTDIR= (staging root), KVER= (default from KDIR);
# install-module, install-userspace (everything else) are available alone.

KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD := $(CURDIR)/build
KSRC := $(BUILD)/ksrc
# Only the developer targets use the matrix.
KERNELS ?= $(shell $(CURDIR)/tools/scripts/kernels --names 2>/dev/null)
# make stress / make fuzz
KERNEL ?= $(firstword $(KERNELS))
DURATION ?= 30
PROCS ?= 64
WORKERS ?= 4
VM_TIMEOUT = $(shell echo $$(( $(DURATION) * 3 + 300 )))

CHECKPATCH_FILES = $(filter-out %.mod.c,$(wildcard kmod/*.[ch] uapi/linux/*.h))

.PHONY: all modules lib mboxctl module-src deb clean distclean modules-all sparse checkpatch ksrc userspace check demo bench help \
	install uninstall install-module install-userspace uninstall-module uninstall-userspace \
	dkms-src dkms-install dkms-uninstall host-tests-list post-install \
	debug-kernel stress fuzz stress-build fuzz-build

all: modules lib mboxctl

# Kbuild writes its objects next to the sources (6.1 has no MO=), so the
# module is built from a copy in build/module/KVER/, refreshed by content.
MODBUILD = $(BUILD)/module/$(KVER)

module-src:
	@if [ ! -d $(KDIR) ]; then echo "modules: $(KDIR) not found: install the headers" \
		"for this kernel (apt-get install linux-headers-$$(uname -r)) or set KDIR"; exit 1; fi
	@[ -n "$(KVER)" ] || { echo "modules: cannot tell the kernel version of $(KDIR): set KVER"; exit 1; }
	@mkdir -p $(MODBUILD)
	@for f in $(MODULE_SOURCES); do \
		cmp -s $$f $(MODBUILD)/$$f || $(INSTALL) -D -m 0644 $$f $(MODBUILD)/$$f || exit 1; done

modules: module-src
	$(MAKE) -C $(KDIR) M=$(MODBUILD)/kmod modules

lib:
	$(MAKE) -C libuserspace O=$(BUILD)/lib PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR)

mboxctl:
	$(MAKE) -C tools/mboxctl O=$(BUILD)/tools

modules-all:
	$(CURDIR)/tools/scripts/kbuild modules $(KERNELS)

sparse:
	$(CURDIR)/tools/scripts/kbuild sparse $(KERNELS)

ksrc:
	$(CURDIR)/tools/scripts/ksrc

checkpatch: ksrc
	@set -e; files="$(CHECKPATCH_FILES)"; \
	if [ -z "$$files" ]; then echo "checkpatch: no files to check"; exit 0; fi; \
	out=$$($(KSRC)/scripts/checkpatch.pl --strict --no-tree --terse --show-types -f $$files) || true; \
	bad=$$(printf '%s\n' "$$out" | grep -E ': (ERROR|WARNING|CHECK):' || true); \
	if [ -n "$$bad" ]; then printf '%s\n' "$$bad"; \
		echo "checkpatch: $$(printf '%s\n' "$$bad" | wc -l) problem(s)"; exit 1; fi; \
	echo "checkpatch: clean ($$(echo $$files | wc -w) files)"

userspace: ksrc
	@set -e; \
	$(MAKE) -C libuserspace O=$(BUILD)/lib; \
	$(MAKE) -C libuserspace/mq O=$(BUILD)/mq; \
	if [ -f selftests/Makefile ]; then \
		mkdir -p $(BUILD)/selftests; \
		$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests KSRC=$(KSRC); \
	else echo "userspace: no selftests/Makefile yet, skipped"; fi; \
	if [ -f examples/mbox-demo/Makefile ]; then \
		mkdir -p $(BUILD)/demo; \
		$(MAKE) -C examples/mbox-demo O=$(BUILD)/demo; \
	fi; \
	$(MAKE) -C tools/mboxctl O=$(BUILD)/tools; \
	$(MAKE) -C tools/testing/bench O=$(BUILD)/bench
	@if pkg-config --exists libnats 2>/dev/null; then \
		$(MAKE) -C tools/mboxbridge O=$(BUILD)/mboxbridge WERROR=$(WERROR) && \
		$(MAKE) -C tools/testing/bridge O=$(BUILD)/mboxbridge WERROR=$(WERROR); \
	else echo "userspace: no libnats-dev (tools/scripts/deps full): mboxbridge skipped"; fi
	$(MAKE) -C tools/testing/stress O=$(BUILD)/stress
	$(MAKE) -C tools/testing/fuzz O=$(BUILD)/fuzz
	@$(MAKE) -s host-tests-list

# Host-side tests that tools/scripts/check runs (one path per line, relative to the
# repo): build/ is never committed, so the list is written here.
HOST_TESTS := tools/testing/host/install tools/testing/host/man tools/testing/host/deb \
	tools/testing/host/units

host-tests-list:
	@mkdir -p $(BUILD)
	@printf '%s\n' $(HOST_TESTS) > $(BUILD)/host-tests.list.tmp
	@if cmp -s $(BUILD)/host-tests.list.tmp $(BUILD)/host-tests.list; then \
		rm -f $(BUILD)/host-tests.list.tmp; \
	else mv $(BUILD)/host-tests.list.tmp $(BUILD)/host-tests.list; fi

debug-kernel:
	$(CURDIR)/tools/scripts/vm/debug-kernel build

stress-build:
	$(MAKE) -C tools/testing/stress O=$(BUILD)/stress

fuzz-build:
	$(MAKE) -C tools/testing/fuzz O=$(BUILD)/fuzz

stress: stress-build
	$(CURDIR)/tools/scripts/kbuild modules $(KERNEL)
	$(CURDIR)/tools/scripts/vm/run --kernel $(KERNEL) --timeout $(VM_TIMEOUT) -- \
		build/stress/mbox-stress -d $(DURATION) -p $(PROCS) $(STRESS_ARGS)

fuzz: fuzz-build
	$(CURDIR)/tools/scripts/kbuild modules $(KERNEL)
	$(CURDIR)/tools/scripts/vm/run --kernel $(KERNEL) --timeout $(VM_TIMEOUT) -- \
		build/fuzz/mbox-fuzz -d $(DURATION) -w $(WORKERS) $(FUZZ_ARGS)

check:
	$(CURDIR)/tools/scripts/check

demo:
	$(CURDIR)/tools/scripts/demo

BENCH_KERNEL ?= 6.1
bench:
	$(CURDIR)/tools/testing/bench/run --kernel $(BENCH_KERNEL)

clean:
	rm -rf $(BUILD)/module $(BUILD)/lib $(BUILD)/kernels $(BUILD)/selftests $(BUILD)/tools \
		$(BUILD)/bench $(BUILD)/stress $(BUILD)/fuzz $(BUILD)/deb

# Also drops the cached guest images and extracted kernel files.
distclean: clean
	rm -rf $(BUILD)

# ---------------------------------------------------------------- install
#
# Where things go.  udev, kmod and systemd-sysusers read both /usr/lib/X.d
# and /usr/local/lib/X.d (systemd 252, kmod 30 on Debian 12), so the rule,
# the modprobe.d example and the group follow PREFIX; with any other PREFIX
# they are installed but not read, and install says so.  The module always
# goes to /lib/modules/KVER/extra (under DESTDIR).
VERSION := 1.0.0
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
MODPROBEDIR ?= $(PREFIX)/lib/modprobe.d
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DKMS_SRCDIR ?= /usr/src
# Debian's 6.1 headers report an upstream version as their kernelrelease, so
# take the version from a /lib/modules/VERSION/build path when KDIR is one.
KVER ?= $(if $(filter /lib/modules/%/build,$(KDIR)),$(patsubst /lib/modules/%/build,%,$(KDIR)),$(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null))
INSTALL ?= install

MODDIR = /lib/modules/$(KVER)/extra
LIBARGS = -C libuserspace O=$(BUILD)/lib PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) \
	INCLUDEDIR=$(INCLUDEDIR) DESTDIR=$(DESTDIR)
MBOXCTL := $(wildcard tools/mboxctl/Makefile)
# Manual pages, and "function:page" for each public libmbox function: every
# function gets a man3 page that sources the page documenting it.
MAN3 = $(wildcard man/*.3)
MAN4 = $(wildcard man/*.4)
MAN_LINKS = $(shell tools/scripts/man-links | tr ' ' :)
MODULE_SOURCES = Kbuild kmod/Kbuild $(filter-out %.mod.c,$(wildcard kmod/*.c)) \
	$(wildcard kmod/*.h) $(wildcard uapi/linux/*.h)
# Sign at modules_install only with a key next to the headers (Debian's
# headers have none: DKMS signs with its MOK key instead).
NOSIGN = $(if $(wildcard $(KDIR)/certs/signing_key.x509),,CONFIG_MODULE_SIG_ALL=)

install: install-module install-userspace
	@$(MAKE) -s post-install

uninstall: uninstall-module uninstall-userspace
	@$(MAKE) -s post-install

install-module: modules
	$(MAKE) -C $(KDIR) M=$(MODBUILD)/kmod INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra KERNELRELEASE=$(KVER) $(NOSIGN) modules_install

uninstall-module:
	@[ -n "$(KVER)" ] || { echo "uninstall: cannot tell the kernel version of $(KDIR): set KVER"; exit 1; }
	rm -f $(foreach e,.ko .ko.xz .ko.zst .ko.gz,$(DESTDIR)$(MODDIR)/mbox$(e))
	-@rmdir $(DESTDIR)$(MODDIR) 2>/dev/null || true

install-userspace:
	$(MAKE) $(LIBARGS) install
	$(MAKE) -C libuserspace/mq O=$(BUILD)/mq PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) \
		DESTDIR=$(DESTDIR) install
ifneq ($(MBOXCTL),)
	$(MAKE) -C tools/mboxctl O=$(BUILD)/tools
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0755 $(BUILD)/tools/mboxctl $(DESTDIR)$(SBINDIR)/mboxctl
	$(INSTALL) -m 0644 tools/mboxctl/mboxctl.8 $(DESTDIR)$(MANDIR)/man8/mboxctl.8
else
	@echo "install: no tools/mboxctl on this branch yet: mboxctl and mboxctl(8) skipped"
endif
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man4
	$(INSTALL) -m 0644 $(MAN4) $(DESTDIR)$(MANDIR)/man4/
	$(INSTALL) -m 0644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/
	@for l in $(MAN_LINKS); do \
		echo ".so man3/$${l#*:}" > $(DESTDIR)$(MANDIR)/man3/$${l%%:*}.3 || exit 1; \
	done; echo "  man3 links, one per function: $(words $(MAN_LINKS))"
	$(INSTALL) -d $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(MODPROBEDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(MODULESLOADDIR)
	$(INSTALL) -m 0644 packaging/udev/60-mbox.rules $(DESTDIR)$(UDEVRULESDIR)/60-mbox.rules
	$(INSTALL) -m 0644 packaging/modules-load.d/mbox.conf $(DESTDIR)$(MODULESLOADDIR)/mbox.conf
	$(INSTALL) -m 0644 packaging/modprobe.d/mbox.conf $(DESTDIR)$(MODPROBEDIR)/mbox.conf
	$(INSTALL) -m 0644 packaging/sysusers.d/mbox.conf $(DESTDIR)$(SYSUSERSDIR)/mbox.conf
	@case "$(UDEVRULESDIR) $(MODPROBEDIR) $(SYSUSERSDIR) $(MODULESLOADDIR)" in \
	"/usr/lib/"*" /usr/lib/"*" /usr/lib/"*" /usr/lib/"* | \
	"/usr/local/lib/"*" /usr/local/lib/"*" /usr/local/lib/"*" /usr/local/lib/"*) ;; \
	*) echo "install: note: udev, modprobe, systemd-modules-load and systemd-sysusers read /usr/lib/X.d," \
		"/usr/local/lib/X.d and /etc/X.d, not $(PREFIX)/lib: link or copy the files there";; \
	esac

uninstall-userspace:
	$(MAKE) $(LIBARGS) uninstall
	$(MAKE) -C libuserspace/mq O=$(BUILD)/mq PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) \
		DESTDIR=$(DESTDIR) uninstall
	rm -f $(DESTDIR)$(SBINDIR)/mboxctl $(DESTDIR)$(MANDIR)/man8/mboxctl.8
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man4/,$(notdir $(MAN4))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3)))
	rm -f $(foreach l,$(MAN_LINKS),$(DESTDIR)$(MANDIR)/man3/$(firstword $(subst :, ,$(l))).3)
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-mbox.rules $(DESTDIR)$(MODPROBEDIR)/mbox.conf \
		$(DESTDIR)$(SYSUSERSDIR)/mbox.conf $(DESTDIR)$(MODULESLOADDIR)/mbox.conf

# What the running system needs after files changed: module index, linker
# cache, the group, udev's rules.  Skipped for a staging install.
post-install:
	@if [ -n "$(DESTDIR)" ]; then \
		echo "install: DESTDIR set: skipping depmod, ldconfig, the mbox group and udev reload"; \
		exit 0; fi; \
	if [ -d /lib/modules/$(KVER) ] && command -v depmod >/dev/null; then \
		echo "  DEPMOD  $(KVER)"; depmod -a $(KVER); fi; \
	if command -v ldconfig >/dev/null; then ldconfig; fi; \
	if [ -f $(SYSUSERSDIR)/mbox.conf ]; then \
		if command -v systemd-sysusers >/dev/null; then systemd-sysusers $(SYSUSERSDIR)/mbox.conf; \
		elif ! getent group mbox >/dev/null; then groupadd --system mbox; fi; fi; \
	if [ -S /run/udev/control ]; then udevadm control --reload; \
		if [ -e /sys/class/misc/mbox ]; then udevadm trigger --action=change /sys/class/misc/mbox; fi; fi

# ------------------------------------------------------------------- DKMS
#
# dkms-src copies what DKMS builds from to $(DESTDIR)$(DKMS_SRCDIR)/mbox-VERSION;
# DKMS_FLAGS passes e.g. --dkmstree/--sourcetree/--installtree to dkms
# (tools/scripts/dkms-check builds in a private tree that way).
DKMS_FLAGS ?=
DKMS_DIR = $(DESTDIR)$(DKMS_SRCDIR)/mbox-$(VERSION)

dkms-src:
	rm -rf $(DKMS_DIR)
	$(INSTALL) -d $(DKMS_DIR)
	@for f in $(MODULE_SOURCES); do \
		$(INSTALL) -D -m 0644 $$f $(DKMS_DIR)/$$f || exit 1; done
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf > $(DKMS_DIR)/dkms.conf
	@echo "  DKMS    sources in $(DKMS_DIR)"

dkms-install: dkms-src
	dkms add -m mbox -v $(VERSION) $(DKMS_FLAGS)
	dkms build -m mbox -v $(VERSION) -k $(KVER) $(DKMS_FLAGS)
	dkms install -m mbox -v $(VERSION) -k $(KVER) $(DKMS_FLAGS)

dkms-uninstall:
	-dkms remove -m mbox -v $(VERSION) --all $(DKMS_FLAGS)
	rm -rf $(DKMS_DIR)

# Debian packages (debian/): binary only, unsigned, results in build/deb/
# (dpkg-buildpackage writes them next to the source directory, so the tree
# is exported to build/deb/src first).
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	git ls-files -z --cached --others --exclude-standard | \
		xargs -0 sh -c 'for f; do if [ -e "$$f" ] || [ -L "$$f" ]; then printf "%s\0" "$$f"; fi; done' sh | \
		cpio -0 -pdm --quiet $(BUILD)/deb/src
	cd $(BUILD)/deb/src && dpkg-buildpackage -us -uc -b
	@ls $(BUILD)/deb/*.deb

help:
	@sed -n '3,40s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))
