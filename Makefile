# SPDX-License-Identifier: GPL-2.0
#
# mbox: out-of-tree build of the module plus the project's checks.
#
#   make                 build kmod/mbox.ko for the running kernel (KDIR=...)
#   make modules-all     W=1 build for every matrix kernel -> build/kernels/<K>/mbox.ko
#   make sparse          sparse over the module for every matrix kernel
#   make checkpatch      checkpatch.pl --strict on kmod/ and uapi/
#   make userspace       libuserspace/, selftests/ (-> build/selftests/), the demo (-> build/demo/), mboxctl (-> build/tools/),
#                        the benchmarks (-> build/bench/)
#   make check           everything, including the selftests in QEMU guests
#   make demo            build, boot a 6.1 guest, run the demo
#   make bench           benchmarks in a guest -> build/bench/results.{txt,csv,png}
#                        (BENCH_KERNEL=6.12 to choose the kernel, default 6.1)
#
# KERNELS="6.1 6.12" restricts modules-all and sparse (default: tools/kernels --names).

KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD := $(CURDIR)/build
KSRC := $(BUILD)/ksrc
KERNELS ?= $(shell $(CURDIR)/tools/kernels --names)

CHECKPATCH_FILES = $(wildcard kmod/*.[ch] uapi/linux/*.h)

.PHONY: all modules clean distclean modules-all sparse checkpatch ksrc userspace check demo bench help

all: modules

modules:
	@if [ ! -d $(KDIR) ]; then echo "modules: $(KDIR) not found: install the headers" \
		"for this kernel or set KDIR (make modules-all builds for the matrix kernels)"; exit 1; fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules-all:
	$(CURDIR)/tools/kbuild modules $(KERNELS)

sparse:
	$(CURDIR)/tools/kbuild sparse $(KERNELS)

ksrc:
	$(CURDIR)/tools/ksrc

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
	if [ -f libuserspace/Makefile ]; then $(MAKE) -C libuserspace; \
	else echo "userspace: no libuserspace/Makefile yet, skipped"; fi; \
	if [ -f selftests/Makefile ]; then \
		mkdir -p $(BUILD)/selftests; \
		$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests KSRC=$(KSRC); \
	else echo "userspace: no selftests/Makefile yet, skipped"; fi; \
	if [ -f tools/mbox-demo/Makefile ]; then \
		mkdir -p $(BUILD)/demo; \
		$(MAKE) -C tools/mbox-demo O=$(BUILD)/demo; \
	fi; \
	$(MAKE) -C tools/mboxctl O=$(BUILD)/tools; \
	$(MAKE) -C tools/bench O=$(BUILD)/bench

check:
	$(CURDIR)/tools/check

demo:
	$(CURDIR)/tools/demo

BENCH_KERNEL ?= 6.1
bench:
	$(CURDIR)/tools/bench/run --kernel $(BENCH_KERNEL)

clean:
	@if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	else echo "clean: $(KDIR) not found, skipping kbuild clean"; fi
	@if [ -f libuserspace/Makefile ]; then $(MAKE) -C libuserspace clean; fi
	rm -rf $(BUILD)/kernels $(BUILD)/selftests $(BUILD)/tools $(BUILD)/bench

# Also drops the cached guest images and extracted kernel files.
distclean: clean
	rm -rf $(BUILD)

help:
	@sed -n '3,17s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))
