// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-bench's shared helpers: the clock, busy-waiting, CPU pinning, small
 * file reads and writes, message buffers, the fixed tables of sizes and
 * sender counts, and the statistics over a case's repetitions.  The case
 * files and the report call these; nothing here calls back into them or
 * into mbox-bench.c (see README.md, "Layout").
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

volatile int g_abort;

const size_t msg_sizes[NSIZES] = { 64, 4096 };

const unsigned int scale_senders[] = { 1, 2, 4, 8, 16, 32, 64, 0 };

const char *const lifecycle_whats[] = {
	"mbox", "pipe", "unix", "posix-mq", "sysv", NULL,
};

/* ---------------------------------------------------------------- helpers */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * One poll of a busy-wait loop.  A pause instruction on every poll would be
 * the textbook choice, but under QEMU TCG each pause leaves translated code
 * and takes QEMU's global lock, so two spinning vCPUs (or one spinning next
 * to one doing MMIO, e.g. sending an IPI) throttle each other; one pause per
 * SPIN_POLLS polls keeps the loop cheap both there and on hardware.
 */
#define SPIN_POLLS	64

void cpu_relax(unsigned int *polls)
{
	if (++*polls % SPIN_POLLS)
		return;
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

void *msgbuf_alloc(size_t size)
{
	void *p;

	if (posix_memalign(&p, CACHELINE, MSGBUF_HEADROOM + size))
		return NULL;
	memset(p, 0x5a, MSGBUF_HEADROOM + size);
	return (char *)p + MSGBUF_HEADROOM;
}

void msgbuf_free(void *buf)
{
	if (buf)
		free((char *)buf - MSGBUF_HEADROOM);
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ----------------------------------------------------------- statistics */

const char *case_name(const struct case_res *c)
{
	return c->t ? c->t->name : c->what;
}

static int case_values(const struct case_res *c, int metric, double *v)
{
	int i, n = 0;

	for (i = 0; i < c->nrep; i++)
		if (isfinite(c->v[metric][i]))
			v[n++] = c->v[metric][i];
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n;
}

double case_median(const struct case_res *c, int metric)
{
	double v[MAX_REPS];
	int n = case_values(c, metric, v);

	if (!n || c->skipped)
		return NAN;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double case_min(const struct case_res *c, int metric)
{
	double v[MAX_REPS];
	int n = case_values(c, metric, v);

	return n && !c->skipped ? v[0] : NAN;
}

double case_max(const struct case_res *c, int metric)
{
	double v[MAX_REPS];
	int n = case_values(c, metric, v);

	return n && !c->skipped ? v[n - 1] : NAN;
}

const struct case_res *find_case(const struct bench *b, enum case_kind kind,
				 const char *name, size_t size,
				 unsigned int senders)
{
	int i;

	for (i = 0; i < b->ncases; i++) {
		const struct case_res *c = &b->cases[i];

		if (c->kind == kind && !strcmp(case_name(c), name) &&
		    c->size == size && c->senders == senders)
			return c;
	}
	return NULL;
}
