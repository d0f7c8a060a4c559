# SPDX-License-Identifier: GPL-2.0
#
# mbox: out-of-tree build of the module plus the project's checks.
#
#   make                 build kmod/mbox.ko for the running kernel (KDIR=...)
#   make modules-all     W=1 build for every matrix kernel -> build/kernels/<K>/mbox.ko
#   make sparse          sparse over the module for every matrix kernel
#   make checkpatch      checkpatch.pl --strict on kmod/ and uapi/
#   make userspace       libuserspace/, selftests/ (-> build/selftests/), the demo
#                        (-> build/demo/), mbox-stress and mbox-fuzz (-> build/{stress,fuzz}/)
#   make check           everything, including the selftests in QEMU guests
#   make demo            build, boot a 6.1 guest, run the demo
#   make debug-kernel    build (or find cached) the debug kernel (tools/vm/debug-kernel)
#   make stress          mbox-stress in a guest: KERNEL=6.1 DURATION=30 PROCS=64 STRESS_ARGS=
#   make fuzz            mbox-fuzz in a guest: KERNEL=6.1 DURATION=30 WORKERS=4 FUZZ_ARGS=
#
# KERNELS="6.1 6.12" restricts modules-all and sparse (default: tools/kernels --names,
# which includes the debug kernel: modules-all builds it first if it is not cached).

KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD := $(CURDIR)/build
KSRC := $(BUILD)/ksrc
KERNELS ?= $(shell $(CURDIR)/tools/kernels --names)
# make stress / make fuzz
KERNEL ?= $(firstword $(KERNELS))
DURATION ?= 30
PROCS ?= 64
WORKERS ?= 4
VM_TIMEOUT = $(shell echo $$(( $(DURATION) * 3 + 300 )))

CHECKPATCH_FILES = $(wildcard kmod/*.[ch] uapi/linux/*.h)

.PHONY: all modules clean distclean modules-all sparse checkpatch ksrc userspace check demo help \
	debug-kernel stress fuzz stress-build fuzz-build

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
	fi
	$(MAKE) -C tools/stress O=$(BUILD)/stress
	$(MAKE) -C tools/fuzz O=$(BUILD)/fuzz

debug-kernel:
	$(CURDIR)/tools/vm/debug-kernel build

stress-build:
	$(MAKE) -C tools/stress O=$(BUILD)/stress

fuzz-build:
	$(MAKE) -C tools/fuzz O=$(BUILD)/fuzz

stress: stress-build
	$(CURDIR)/tools/kbuild modules $(KERNEL)
	$(CURDIR)/tools/vm/run --kernel $(KERNEL) --timeout $(VM_TIMEOUT) -- \
		build/stress/mbox-stress -d $(DURATION) -p $(PROCS) $(STRESS_ARGS)

fuzz: fuzz-build
	$(CURDIR)/tools/kbuild modules $(KERNEL)
	$(CURDIR)/tools/vm/run --kernel $(KERNEL) --timeout $(VM_TIMEOUT) -- \
		build/fuzz/mbox-fuzz -d $(DURATION) -w $(WORKERS) $(FUZZ_ARGS)

check:
	$(CURDIR)/tools/check

demo:
	$(CURDIR)/tools/demo

clean:
	@if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	else echo "clean: $(KDIR) not found, skipping kbuild clean"; fi
	@if [ -f libuserspace/Makefile ]; then $(MAKE) -C libuserspace clean; fi
	rm -rf $(BUILD)/kernels $(BUILD)/selftests $(BUILD)/stress $(BUILD)/fuzz

# Also drops the cached guest images and extracted kernel files.
distclean: clean
	rm -rf $(BUILD)

help:
	@sed -n '3,20s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))
