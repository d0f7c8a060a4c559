/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mbox_testlib: the code the test programs share - the selftests
 * (selftests/), mbox-stress and mbox-fuzz (tools/testing/).
 *
 * Plain C11 and POSIX, no kselftest harness: a function returns 0 (or the
 * value asked for) or -errno, never exits and never asserts, so it works
 * in forked children and threads alike.  Built once per program as an
 * object file next to it (the Makefiles of selftests/, stress/, fuzz/).
 */
#ifndef MBOX_TESTLIB_H
#define MBOX_TESTLIB_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------ files and descriptors */

/* Writes @text to @path (one write); 0, -errno, or -EIO if short. */
int mt_write_file(const char *path, const char *text);
/* Reads the number at the start of @dir/@file; -1 if it cannot. */
long long mt_read_ll(const char *dir, const char *file);

/* poll(2) one descriptor, again after EINTR; revents, 0 on timeout, -errno. */
int mt_poll_one(int fd, short events, int timeout_ms);

/* ---------------------------------------------------- module parameters */

#define MT_PARAM_DIR	"/sys/module/mbox/parameters/"
#define MT_NPARAMS	6
/* Every writable parameter of the module (mbox(4)). */
extern const char *const mt_param_names[MT_NPARAMS];

int mt_param_read(const char *name, unsigned long long *val);
int mt_param_write(const char *name, unsigned long long val);
/* Writes @text as it is (for malformed values); 0 or -errno. */
int mt_param_write_str(const char *name, const char *text);

/*
 * A snapshot of every parameter, to put back what a test or a fuzzer
 * changed.  have[i] is false where the parameter could not be read.
 */
struct mt_params {
	unsigned long long value[MT_NPARAMS];
	bool have[MT_NPARAMS];
};

void mt_params_save(struct mt_params *p);
/* Writes back every parameter that differs now; 0 or the first failure. */
int mt_params_restore(const struct mt_params *p);
/* The saved value of @name; 0, or -ENOENT if it was not saved. */
int mt_params_saved(const struct mt_params *p, const char *name,
		    unsigned long long *val);

/* ----------------------------------------------------- userfaultfd stall */

/*
 * One anonymous page registered with userfaultfd (missing mode): the first
 * touch, by the kernel copying a message into it too, waits until
 * mt_uffd_release().  That is how a test holds a receiver in the middle of
 * a copy, as a hostile user can.
 */
struct mt_uffd_page {
	int fd;
	void *page;
	size_t size;
};

/* 0, or -errno (fd is -1 or open, page NULL or mapped: free in any case). */
int mt_uffd_page_setup(struct mt_uffd_page *u);
/* Waits up to @timeout_ms for the fault on the page; -ETIMEDOUT, -EPROTO. */
int mt_uffd_wait_fault(struct mt_uffd_page *u, int timeout_ms);
/* Fills the page (0x5a bytes): the stalled copy goes on. */
int mt_uffd_release(struct mt_uffd_page *u);
void mt_uffd_page_free(struct mt_uffd_page *u);

/* ----------------------------------------------------- memory cgroup */

/*
 * A child memory cgroup of the cgroup2 root (/sys/fs/cgroup, or a private
 * mount under /tmp where there is none) with the memory controller on.
 * Needs root (-EPERM otherwise).
 */
struct mt_memcg {
	char root[128];
	char dir[192];
	bool mounted;
};

/*
 * Makes @tag.PID under the root; 0, or -errno with *why naming the step
 * that failed (for a SKIP message).  mt_memcg_remove() in any case.
 */
int mt_memcg_make(struct mt_memcg *cg, const char *tag, const char **why);
void mt_memcg_remove(struct mt_memcg *cg);
/* Moves the calling process into the cgroup; 0 or -errno. */
int mt_memcg_enter(const struct mt_memcg *cg);
/* memory.current and friends; -1 if unreadable. */
long long mt_memcg_read(const struct mt_memcg *cg, const char *file);

/* ------------------------------------------ stress and fuzz: randomness */

/* splitmix64: advances *@x and returns the next value. */
uint64_t mt_splitmix(uint64_t *x);
/* One stream per process; mt_rng_state is its seed (set it in a child). */
extern uint64_t mt_rng_state;
uint64_t mt_rnd(void);
/* Uniform in [0, n); 0 for n == 0. */
uint32_t mt_rnd_below(uint32_t n);
bool mt_chance(unsigned int percent);
/* CLOCK_MONOTONIC in ns. */
uint64_t mt_now_ns(void);
/* "<program>: <message>" on stderr, exit status 2. */
__attribute__((noreturn, format(printf, 1, 2)))
void mt_fatal(const char *fmt, ...);

/* "@prefix pid N kernel stack:" and /proc/N/stack on stderr (a stuck task). */
void mt_print_kernel_stack(const char *prefix, int pid);

/* --------------------------------------- stress and fuzz: violations */

#define MT_MAX_REPORTS	32
#define MT_REPORT_LEN	320

/*
 * The violations all processes found, in memory they share: counted, the
 * first MT_MAX_REPORTS kept for the final summary.
 */
struct mt_reports {
	_Atomic uint64_t violations;
	_Atomic uint32_t nreports;
	char text[MT_MAX_REPORTS][MT_REPORT_LEN];
};

/*
 * Records "@prefix: <fmt...>" in @r and prints "@prog: VIOLATION: ..." on
 * stderr.
 */
void mt_vreport(struct mt_reports *r, const char *prog, const char *prefix,
		const char *fmt, va_list ap);
/* Prints the kept reports on stdout, "@prog:   <report>" each; how many. */
uint32_t mt_reports_print(const struct mt_reports *r, const char *prog);

#endif /* MBOX_TESTLIB_H */
