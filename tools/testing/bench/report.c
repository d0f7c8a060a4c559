// SPDX-License-Identifier: GPL-2.0
/*
 * The results: tables with every mbox figure also given as a ratio to each
 * anchor measured in the same run, the targets, a CSV file and the data
 * files tools/testing/bench/plot.gp draws.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* The mechanisms mbox is compared with, in column order. */
static const struct {
	const char *name;
	const char *col;
} anchors[] = {
	{ "pipe", "pipe" },
	{ "unix", "AF_UNIX" },
	{ "posix-mq", "POSIX mq" },
	{ "sysv", "SysV" },
	{ "shm-futex", "shm futex" },
	{ "shm-spin", "shm spin" },
};

#define NANCHORS	(sizeof(anchors) / sizeof(anchors[0]))

static const char *size_name(size_t size)
{
	return size == 4096 ? "4 KiB" : size == 64 ? "64 B" : "?";
}

/* A count with a k/M suffix, or "-" when there is none. */
static const char *si(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static const char *num(char *buf, size_t len, double v, int prec)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", prec, v);
	return buf;
}

static const char *spread(char *buf, size_t len, const struct case_res *c,
			  int metric)
{
	double med = case_median(c, metric);

	if (!isfinite(med) || med <= 0 || c->nrep < 2)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f%%",
			 100 * (case_max(c, metric) - case_min(c, metric)) / med);
	return buf;
}

static double median_of(const struct bench *b, enum case_kind kind,
			const char *name, size_t size, unsigned int senders,
			int metric)
{
	const struct case_res *c = find_case(b, kind, name, size, senders);

	return c ? case_median(c, metric) : NAN;
}

static double ratio(double a, double b)
{
	return isfinite(a) && isfinite(b) && b > 0 ? a / b : NAN;
}

/*
 * @n senders against one, each repetition against the one that ran next to
 * it (mbox-bench runs them back to back): the median of those ratios, and
 * their range in @lo and @hi.  A ratio of medians would pair figures taken
 * seconds apart, and the host's load swings more than that in seconds.
 */
double scale_paired(const struct bench *b, const char *mode, unsigned int n,
		    double *lo, double *hi, int *pairs)
{
	const struct case_res *one = find_case(b, K_SCALE, mode, 64, 1);
	const struct case_res *many = find_case(b, K_SCALE, mode, 64, n);
	double r[MAX_REPS], t;
	int i, j, k = 0;

	*lo = *hi = NAN;
	*pairs = 0;
	if (!one || !many || one->skipped || many->skipped)
		return NAN;
	for (i = 0; i < one->nrep && i < many->nrep; i++)
		if (isfinite(one->v[0][i]) && isfinite(many->v[0][i]) &&
		    one->v[0][i] > 0)
			r[k++] = many->v[0][i] / one->v[0][i];
	if (!k)
		return NAN;
	for (i = 1; i < k; i++)
		for (j = i; j > 0 && r[j - 1] > r[j]; j--) {
			t = r[j];
			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	*lo = r[0];
	*hi = r[k - 1];
	*pairs = k;
	return k % 2 ? r[k / 2] : (r[k / 2 - 1] + r[k / 2]) / 2;
}

static int prec_us(double v)
{
	return v < 10 ? 2 : 1;
}

static void header(FILE *f, const struct bench *b)
{
	fprintf(f, "mbox-bench: mbox against the kernel's IPC mechanisms and raw shared memory, one run\n");
	fprintf(f, "kernel %s, %d CPU%s (senders on CPU %d, receivers on CPU %d), module features 0x%llx\n",
		b->kernel, b->ncpus, b->ncpus == 1 ? "" : "s", b->tx_cpu,
		b->rx_cpu, (unsigned long long)b->features);
	fprintf(f, "%d repetition%s per case (scaling: %d), interleaved across cases; a figure is the median\n",
		b->reps, b->reps == 1 ? "" : "s", b->scale_reps);
	fprintf(f, "of its repetitions and \"spread\" is (max - min) / median of them.  Measuring time per\n");
	fprintf(f, "repetition: ping-pong %.2f s, streaming %.2f s, scaling %.2f s, after %.2f s of warm-up.\n",
		b->pp_time, b->st_time, b->scale_time, b->warm_time);
	fprintf(f, "Queue depth %u where one can be chosen (bounded mailbox, POSIX mq, SysV msg_qbytes,\n",
		b->depth);
	fprintf(f, "rings); pipe and socket buffers at their defaults.  Batches: up to %u messages per call.\n",
		b->batch);
	fprintf(f, "MB = 10^6 bytes.  Wall time of this program: %.0f s.\n\n",
		b->wall);
	fprintf(f, "CAVEAT: this machine may be emulated (QEMU TCG).  Emulation slows mechanisms unevenly -\n");
	fprintf(f, "system calls, atomics, context switches and memory copies are each distorted by a\n");
	fprintf(f, "different factor - and the host is shared.  Compare figures only within one run.\n");
	fprintf(f, "Under TCG a cross-CPU wake-up sent while the waker still holds a lock the woken task\n");
	fprintf(f, "takes next (pipe and socket wait queues, the mailbox mutex, the ring's wait queue) can\n");
	fprintf(f, "stall for milliseconds: the woken vCPU spins on that lock, every pause instruction takes\n");
	fprintf(f, "QEMU's global lock, and the waker's APIC write (the IPI) waits for it.  POSIX mq, SysV\n");
	fprintf(f, "and futex wake after unlocking and are spared.  Hardware has no such stall; the one-CPU\n");
	fprintf(f, "round trips, with no cross-CPU wake-up, show the cost of the code paths alone.\n");
	if (b->ring_status)
		fprintf(f, "\n%s\n", b->ring_status);
}

static void rtt_table(FILE *f, const struct bench *b, enum case_kind kind)
{
	char m[2][16], p[2][16], s[2][16];
	const struct transport *t;
	const struct case_res *c;
	int i, k;

	if (kind == K_PINGPONG)
		fprintf(f, "\nRound trip (ping-pong between two processes on CPUs %d and %d), microseconds\n",
			b->tx_cpu, b->rx_cpu);
	else
		fprintf(f, "\nRound trip with both processes on CPU %d (no wake-up crosses CPUs: the cost of the\ncode paths themselves), microseconds\n",
			b->tx_cpu);
	fprintf(f, "%-24s  %-27s  %-27s\n", "", "------------ 64 B ---------",
		"----------- 4 KiB ---------");
	fprintf(f, "%-24s  %9s %9s %7s  %9s %9s %7s\n", "mechanism", "median",
		"p99", "spread", "median", "p99", "spread");
	for (i = 0; (t = transports[i]); i++) {
		if (t->flags & T_STREAM_ONLY)
			continue;
		if (!find_case(b, kind, t->name, msg_sizes[0], 1) &&
		    !find_case(b, kind, t->name, msg_sizes[1], 1))
			continue;
		for (k = 0; k < NSIZES; k++) {
			c = find_case(b, kind, t->name, msg_sizes[k], 1);
			strcpy(m[k], "-");
			strcpy(p[k], "-");
			strcpy(s[k], "-");
			if (!c)
				continue;
			num(m[k], 16, case_median(c, 0),
			    prec_us(case_median(c, 0)));
			num(p[k], 16, case_median(c, 1),
			    prec_us(case_median(c, 1)));
			spread(s[k], 16, c, 0);
		}
		fprintf(f, "%-24s  %9s %9s %7s  %9s %9s %7s\n", t->label, m[0],
			p[0], s[0], m[1], p[1], s[1]);
	}
}

static void stream_table(FILE *f, const struct bench *b)
{
	char m[2][16], mb[2][16], s[2][16];
	const struct transport *t;
	const struct case_res *c;
	int i, k;

	fprintf(f, "\nOne-way streaming throughput (one sender -> one receiver)\n");
	fprintf(f, "%-24s  %-27s  %-27s\n", "", "------------ 64 B ---------",
		"----------- 4 KiB ---------");
	fprintf(f, "%-24s  %9s %9s %7s  %9s %9s %7s\n", "mechanism", "msgs/s",
		"MB/s", "spread", "msgs/s", "MB/s", "spread");
	for (i = 0; (t = transports[i]); i++) {
		if (!find_case(b, K_STREAM, t->name, msg_sizes[0], 1) &&
		    !find_case(b, K_STREAM, t->name, msg_sizes[1], 1))
			continue;
		for (k = 0; k < NSIZES; k++) {
			c = find_case(b, K_STREAM, t->name, msg_sizes[k], 1);
			strcpy(m[k], "-");
			strcpy(mb[k], "-");
			strcpy(s[k], "-");
			if (!c)
				continue;
			si(m[k], 16, case_median(c, 0));
			num(mb[k], 16, case_median(c, 1), 1);
			spread(s[k], 16, c, 0);
		}
		fprintf(f, "%-24s  %9s %9s %7s  %9s %9s %7s\n", t->label, m[0],
			mb[0], s[0], m[1], mb[1], s[1]);
	}
}

static void ratio_table(FILE *f, const struct bench *b, enum case_kind kind)
{
	const struct transport *t;
	char cell[16], row[48];
	unsigned int a;
	double v;
	int i, k;

	fprintf(f, "\n%s: mbox / anchor, same run (%s)\n",
		kind == K_PINGPONG ? "Round-trip ratios" :
		kind == K_PINGPONG1 ? "Round-trip ratios, one CPU" :
				      "Throughput ratios",
		kind == K_STREAM ? "above 1: mbox is faster" :
				   "below 1: mbox is faster");
	fprintf(f, "%-30s", "");
	for (a = 0; a < NANCHORS; a++)
		fprintf(f, " %9s", anchors[a].col);
	fprintf(f, "\n");
	for (i = 0; (t = transports[i]); i++) {
		if (!(t->flags & T_MBOX))
			continue;
		for (k = 0; k < NSIZES; k++) {
			if (!find_case(b, kind, t->name, msg_sizes[k], 1))
				continue;
			snprintf(row, sizeof(row), "%s, %s", t->label,
				 size_name(msg_sizes[k]));
			fprintf(f, "%-30s", row);
			for (a = 0; a < NANCHORS; a++) {
				v = ratio(median_of(b, kind, t->name,
						    msg_sizes[k], 1, 0),
					  median_of(b, kind, anchors[a].name,
						    msg_sizes[k], 1, 0));
				fprintf(f, " %9s", num(cell, sizeof(cell), v, 2));
			}
			fprintf(f, "\n");
		}
	}
}

static void scale_table(FILE *f, const struct bench *b)
{
	static const char *const modes[] = { "mbox-bounded", "mbox-unbounded",
					     "posix-mq" };
	char m[3][16], x[3][16], s[3][16], w[3][16];
	const struct case_res *c;
	double lo, hi;
	int i, k, pairs;

	if (!find_case(b, K_SCALE, modes[0], 64, 1) &&
	    !find_case(b, K_SCALE, modes[1], 64, 1))
		return;
	fprintf(f, "\nSenders -> one owner (64 B; every sender its own process and user handle, all on\n");
	fprintf(f, "CPU %d; the owner on CPU %d), messages per second received by the owner (all senders\n",
		b->tx_cpu, b->rx_cpu);
	fprintf(f, "together), counted only once every sender has attached and is in its send loop.\n");
	fprintf(f, "\"x 1\": the median over repetitions of this count's figure / the 1-sender figure of\n");
	fprintf(f, "the same repetition; \"csw\": the owner's context switches per message received.\n");
	fprintf(f, "%-8s  %9s %6s %6s %6s  %9s %6s %6s %6s  %9s %6s %6s %6s\n",
		"senders", "bounded", "x 1", "spread", "csw", "unbounded", "x 1",
		"spread", "csw", "POSIX mq", "x 1", "spread", "csw");
	for (i = 0; scale_senders[i]; i++) {
		bool any = false;

		for (k = 0; k < 3; k++) {
			c = find_case(b, K_SCALE, modes[k], 64,
				      scale_senders[i]);
			strcpy(m[k], "-");
			strcpy(x[k], "-");
			strcpy(s[k], "-");
			strcpy(w[k], "-");
			if (!c)
				continue;
			any = true;
			si(m[k], 16, case_median(c, 0));
			num(x[k], 16, scale_paired(b, modes[k],
						   scale_senders[i], &lo, &hi,
						   &pairs), 2);
			spread(s[k], 16, c, 0);
			num(w[k], 16, case_median(c, 1), 3);
		}
		if (any)
			fprintf(f, "%-8u  %9s %6s %6s %6s  %9s %6s %6s %6s  %9s %6s %6s %6s\n",
				scale_senders[i], m[0], x[0], s[0], w[0], m[1],
				x[1], s[1], w[1], m[2], x[2], s[2], w[2]);
	}
}

static void lifecycle_table(FILE *f, const struct bench *b)
{
	const struct case_res *c;
	char r[16], s[16], x[16];
	double mbox = median_of(b, K_LIFECYCLE, "mbox", 0, 0, 0);
	int i;

	if (!find_case(b, K_LIFECYCLE, "mbox", 0, 0))
		return;
	fprintf(f, "\nCreate + destroy, pairs per second (mbox: bounded mailbox; POSIX mq: open, unlink, close;\n");
	fprintf(f, "SysV: msgget, IPC_RMID; pipe and socketpair: create, close both ends)\n");
	fprintf(f, "%-12s %10s %7s %12s\n", "mechanism", "rate", "spread",
		"mbox / this");
	for (i = 0; lifecycle_whats[i]; i++) {
		c = find_case(b, K_LIFECYCLE, lifecycle_whats[i], 0, 0);
		if (!c)
			continue;
		fprintf(f, "%-12s %10s %7s %12s\n", lifecycle_whats[i],
			si(r, sizeof(r), case_median(c, 0)),
			spread(s, sizeof(s), c, 0),
			num(x, sizeof(x), ratio(mbox, case_median(c, 0)), 2));
	}
}

static void memory_table(FILE *f, const struct bench *b)
{
	const struct memory_result *m = &b->mem;
	char r1[16], r2[16];
	int i;

	if (!b->mem_done)
		return;
	fprintf(f, "\nKernel memory with %lu idle mailboxes alive (bounded, 16 x 64 B, one owner handle each)\n",
		m->n);
	if (m->error) {
		fprintf(f, "  FAILED: %s: %s\n", m->error_what,
			strerror(-m->error));
		if (!m->cycles)
			return;
	}
	fprintf(f, "  per mailbox: %ld B of slab (/proc/meminfo Slab delta / %lu), of which %ld B unreclaimable\n",
		m->slab_per_mbox, m->n, m->sunreclaim_per_mbox);
	fprintf(f, "  slab caches that grew most (bytes per mailbox, objects per mailbox):\n   ");
	for (i = 0; i < m->ntop; i++)
		fprintf(f, "%s %s %ld B %.2f", i ? "," : "", m->top_caches[i],
			m->top_bytes[i] / (long)m->n,
			(double)m->top_objs[i] / (double)m->n);
	fprintf(f, "\n  (the caches of struct mbox and the handle, then the struct file and dentry every\n"
		"  descriptor has; the count also includes the process's descriptor table, grown to\n"
		"  hold %lu descriptors - a large kmalloc, counted as slab, freed when the process exits)\n",
		m->n);
	fprintf(f, "  create %s mailboxes/s, destroy (close) %s mailboxes/s\n",
		si(r1, sizeof(r1), m->create_rate),
		si(r2, sizeof(r2), m->destroy_rate));
	fprintf(f, "  slab left after destroying all (vs. before creating):");
	for (i = 0; i < m->cycles; i++)
		fprintf(f, "%s cycle %d %+ld B", i ? "," : "", i + 1,
			m->cycle_residual[i]);
	fprintf(f, ";\n  after the process exited (descriptor table freed) %+ld B\n",
		m->residual_after_exit);
	fprintf(f, "  objects left in those caches after the last cycle:");
	for (i = 0; i < m->ntop; i++)
		fprintf(f, "%s %s %+ld", i ? "," : "", m->top_caches[i],
			m->top_resid_objs[i]);
	fprintf(f, ";\n  after the process exited:");
	for (i = 0; i < m->ntop; i++)
		fprintf(f, "%s %s %+ld", i ? "," : "", m->top_caches[i],
			m->top_exit_objs[i]);
	fprintf(f, "\n");
}

/* ---------------------------------------------------------------- targets */

struct target {
	char what[96];
	char measured[96];
	int met;		/* 1 met, 0 missed, -1 not measured */
};

static int verdict(double v, double limit, bool at_least)
{
	if (!isfinite(v))
		return -1;
	return at_least ? v >= limit : v <= limit;
}

static int collect_targets(const struct bench *b, struct target *t, int max)
{
	static const char *const ioctls[] = { "mbox-zero", "mbox-bounded",
					      "mbox-unbounded" };
	static const char *const rings[][2] = {
		{ "mbox-ring", "shm-futex" },
		{ "mbox-ring-poll", "shm-spin" },
	};
	const struct memory_result *m = &b->mem;
	int n = 0, i, k;
	double v, w;

#define TARGET(met_, ...) do {						\
		if (n < max) {						\
			snprintf(t[n].what, sizeof(t[n].what), __VA_ARGS__); \
			t[n].met = (met_);				\
			n++;						\
		}							\
	} while (0)
#define MEASURED(...) snprintf(t[n - 1].measured, sizeof(t[n - 1].measured), __VA_ARGS__)

	for (i = 0; i < 2; i++) {
		v = ratio(median_of(b, K_STREAM, rings[i][0], 64, 1, 0),
			  median_of(b, K_STREAM, rings[i][1], 64, 1, 0));
		TARGET(verdict(v, 0.8, true), "%s >= 0.8x %s, 64 B throughput",
		       rings[i][0], rings[i][1]);
		MEASURED("%.2fx", v);
		v = ratio(median_of(b, K_STREAM, rings[i][0], 64, 1, 0),
			  median_of(b, K_STREAM, "posix-mq", 64, 1, 0));
		TARGET(verdict(v, 10, true), "%s >= 10x POSIX mq, 64 B throughput",
		       rings[i][0]);
		MEASURED("%.2fx", v);
	}
	for (k = 0; k < 2; k++) {
		enum case_kind kind = k ? K_PINGPONG1 : K_PINGPONG;

		for (i = 0; i < 3; i++) {
			v = ratio(median_of(b, kind, ioctls[i], 64, 1, 0),
				  median_of(b, kind, "posix-mq", 64, 1, 0));
			w = ratio(median_of(b, kind, ioctls[i], 64, 1, 0),
				  median_of(b, kind, "pipe", 64, 1, 0));
			TARGET(verdict(v, 0.8, false) == 1 &&
			       verdict(w, 0.8, false) == 1 ? 1 :
			       (isfinite(v) && isfinite(w) ? 0 : -1),
			       "%s round trip%s <= 0.8x POSIX mq and pipe, 64 B",
			       ioctls[i], k ? " (one CPU)" : "");
			MEASURED("%.2fx mq, %.2fx pipe", v, w);
		}
	}
	for (i = 0; i < 2; i++) {
		v = ratio(median_of(b, K_STREAM, i ? "mbox-batch-unbounded" :
					       "mbox-batch-bounded", 64, 1, 0),
			  median_of(b, K_STREAM, i ? "mbox-unbounded" :
					       "mbox-bounded", 64, 1, 0));
		TARGET(verdict(v, 3, true), "batch of %u >= 3x unbatched throughput, %s, 64 B",
		       b->batch, i ? "unbounded" : "bounded");
		MEASURED("%.2fx", v);
	}
	for (i = 0; i < 2; i++) {
		const char *mode = i ? "mbox-unbounded" : "mbox-bounded";
		double lo, hi;
		int pairs;

		v = scale_paired(b, mode, 64, &lo, &hi, &pairs);
		TARGET(verdict(v, 0.9, true), "64 senders >= 0.9x 1 sender, %s (paired)",
		       i ? "unbounded" : "bounded");
		MEASURED("%.2fx (%d pairs, %.2f..%.2f)", v, pairs, lo, hi);
	}
	if (b->mem_done && m->cycles) {
		TARGET(m->slab_per_mbox > 0 ? m->slab_per_mbox <= 1024 : -1,
		       "memory per idle mailbox <= 1 KiB (all slab)");
		MEASURED("%ld B (%ld B unreclaimable)", m->slab_per_mbox,
			 m->sunreclaim_per_mbox);
		/*
		 * "No growth": what the mailboxes took is all given back.  While
		 * the process lives its descriptor table stays grown, so: after
		 * it exits, under 1% of what the mailboxes took; between the
		 * first and the last cycle, no more than that either; and in
		 * objects of the caches the mailboxes grew, under 1% of them.
		 */
		v = (double)m->alive_slab / 100;
		w = 0;
		for (i = 0; i < m->ntop; i++) {
			if (m->top_resid_objs[i] > w)
				w = (double)m->top_resid_objs[i];
			if (m->top_exit_objs[i] > w)
				w = (double)m->top_exit_objs[i];
		}
		TARGET(m->error ? 0 : m->residual_after_exit <= v &&
		       m->cycle_residual[m->cycles - 1] -
		       m->cycle_residual[0] <= v && w <= (double)m->n / 100,
		       "%lu mailboxes created and destroyed, no growth left",
		       m->n);
		MEASURED("%+ld B after exit, %+ld B cycle %d vs 1, %+.0f objects (limits %.0f B, %lu)",
			 m->residual_after_exit,
			 m->cycle_residual[m->cycles - 1] - m->cycle_residual[0],
			 m->cycles, w, v, m->n / 100);
	}
#undef TARGET
#undef MEASURED
	return n;
}

static void targets_table(FILE *f, const struct bench *b)
{
	struct target t[16];
	int i, n = collect_targets(b, t, 16);

	fprintf(f, "\nTargets (reported, not asserted)\n");
	for (i = 0; i < n; i++)
		fprintf(f, "  %-9s %-58s %s\n",
			t[i].met == 1 ? "[met]" : t[i].met == 0 ? "[MISSED]" :
			"[n/a]", t[i].what,
			t[i].met < 0 ? "not measured" : t[i].measured);
}

/* "0.74x (1.2M / 1.6M, spreads 12% / 30%)" for @a / @b. */
static void ratio_cell(char *buf, size_t len, const struct bench *b,
		       enum case_kind kind, const char *na, const char *nb,
		       unsigned int senders)
{
	const struct case_res *ca = find_case(b, kind, na, 64, senders);
	const struct case_res *cb = find_case(b, kind, nb, 64, senders);
	char sa[16], sb[16];
	double v;

	if (!ca || !cb) {
		snprintf(buf, len, "not measured");
		return;
	}
	v = ratio(case_median(ca, 0), case_median(cb, 0));
	if (!isfinite(v)) {
		snprintf(buf, len, "not measured");
		return;
	}
	snprintf(buf, len, "%.2fx (spreads %s / %s)", v,
		 spread(sa, sizeof(sa), ca, 0), spread(sb, sizeof(sb), cb, 0));
}

/* "0.95x (5 pairs, 0.90..1.02)": scale_paired() of @n senders in @mode. */
static void scale_cell(char *buf, size_t len, const struct bench *b,
		       const char *mode, unsigned int n)
{
	double v, lo, hi;
	int pairs;

	v = scale_paired(b, mode, n, &lo, &hi, &pairs);
	if (isfinite(v))
		snprintf(buf, len, "%.2fx (%d pairs, %.2f..%.2f)", v, pairs,
			 lo, hi);
	else
		snprintf(buf, len, "not measured");
}

/*
 * The speed targets of issue 13, each a ratio between figures of this run.
 * The last needs two kernels: tools/testing/bench/kcompare runs this case on 6.1
 * and 6.12 and prints their ratio.
 */
static void speed_targets(FILE *f, const struct bench *b)
{
	const struct case_res *c;
	char cell[96], bat[48];
	double v;

	fprintf(f, "\nSpeed targets (issue 13), ratios within this run, 64 B; printed, never asserted\n");
	ratio_cell(cell, sizeof(cell), b, K_STREAM, "mbox-bounded", "posix-mq", 1);
	fprintf(f, "  %-52s %-34s target >= 1.0x\n",
		"bounded streaming msgs/s / POSIX mq's", cell);
	ratio_cell(cell, sizeof(cell), b, K_PINGPONG, "mbox-bounded", "posix-mq", 1);
	fprintf(f, "  %-52s %-34s target <= 0.9x\n",
		"ioctl round trip (bounded) / POSIX mq's", cell);
	ratio_cell(cell, sizeof(cell), b, K_PINGPONG, "mbox-zero", "posix-mq", 1);
	fprintf(f, "  %-52s %-34s target <= 0.9x\n",
		"ioctl round trip (zero) / POSIX mq's", cell);
	ratio_cell(cell, sizeof(cell), b, K_PINGPONG, "mbox-unbounded", "posix-mq", 1);
	fprintf(f, "  %-52s %-34s target <= 0.9x\n",
		"ioctl round trip (unbounded) / POSIX mq's", cell);
	ratio_cell(cell, sizeof(cell), b, K_STREAM, "mbox-batch-bounded", "mbox-bounded", 1);
	snprintf(bat, sizeof(bat), "batch of %u / unbatched msgs/s, bounded", b->batch);
	fprintf(f, "  %-52s %-34s target >= 3x\n", bat, cell);
	scale_cell(cell, sizeof(cell), b, "mbox-bounded", 64);
	fprintf(f, "  %-52s %-34s target >= 0.9x\n",
		"64 senders / 1 sender into one bounded mailbox", cell);
	scale_cell(cell, sizeof(cell), b, "posix-mq", 64);
	fprintf(f, "  %-52s %-34s (reference)\n",
		"  ... the same for one POSIX mq as deep", cell);
	c = find_case(b, K_PINGPONG1, "mbox-zero", 64, 1);
	v = c ? case_median(c, 0) : NAN;
	if (isfinite(v)) {
		char sp[16];

		snprintf(cell, sizeof(cell), "%.1f us (spread %s), %.2fx POSIX mq",
			 v, spread(sp, sizeof(sp), c, 0),
			 ratio(v, median_of(b, K_PINGPONG1, "posix-mq", 64, 1, 0)));
	} else {
		snprintf(cell, sizeof(cell), "not measured");
	}
	fprintf(f, "  %-52s %-34s\n", "zero-capacity round trip, both sides on one CPU", cell);
	fprintf(f, "  %-52s %-34s target 6.12/6.1 within 1.0 +- 0.1\n",
		"  ... on 6.12 / on 6.1", "tools/testing/bench/kcompare");
}

/*
 * The speed targets of issue 14 (the shared ring), each a ratio between
 * figures of this run.  The raw rings move the same 64 B messages through
 * as many slots, one message per call, and wait as the ring does: the
 * futex ring sleeps as soon as it finds nothing to do (as mbox_ring_send()
 * and mbox_ring_recv() do), the spinning ring busy-waits (as the polling
 * loop over mbox_ring_send_nb() and mbox_ring_recv_nb() does).
 */
static void ring_targets(FILE *f, const struct bench *b)
{
	char cell[96];

	fprintf(f, "\nSpeed targets (issue 14, shared ring), ratios within this run, 64 B; printed, never asserted\n");
	ratio_cell(cell, sizeof(cell), b, K_STREAM, "mbox-ring", "shm-futex", 1);
	fprintf(f, "  %-52s %-34s target >= 1.0x\n",
		"ring, 1 producer msgs/s / raw futex SPSC ring's", cell);
	scale_cell(cell, sizeof(cell), b, "mbox-ring", 8);
	fprintf(f, "  %-52s %-34s target >= 0.8x\n",
		"ring, 8 producers' aggregate / 1 producer's", cell);
	ratio_cell(cell, sizeof(cell), b, K_STREAM, "mbox-ring-poll", "shm-spin", 1);
	fprintf(f, "  %-52s %-34s target >= 0.8x\n",
		"ring, polling msgs/s / tuned spinning ring's", cell);
}

static void failures(FILE *f, const struct bench *b)
{
	const struct case_res *c;
	int i, n = 0;

	for (i = 0; i < b->ncases; i++) {
		c = &b->cases[i];
		if (!c->failed && !c->errors && !c->retries)
			continue;
		if (!n++)
			fprintf(f, "\nProblems\n");
		fprintf(f, "  %s %zu B x%u:", c->t ? c->t->name : c->what,
			c->size, c->senders);
		if (c->failed)
			fprintf(f, " %s;", c->why);
		if (c->errors)
			fprintf(f, " %lu messages lost, duplicated or out of order;",
				c->errors);
		if (c->retries)
			fprintf(f, " %lu sends retried after ENOBUFS (the mailbox's byte limit reached);",
				c->retries);
		fprintf(f, "\n");
	}
}

void report_text(FILE *f, const struct bench *b)
{
	header(f, b);
	rtt_table(f, b, K_PINGPONG);
	rtt_table(f, b, K_PINGPONG1);
	stream_table(f, b);
	ratio_table(f, b, K_PINGPONG);
	ratio_table(f, b, K_PINGPONG1);
	ratio_table(f, b, K_STREAM);
	scale_table(f, b);
	lifecycle_table(f, b);
	memory_table(f, b);
	targets_table(f, b);
	speed_targets(f, b);
	ring_targets(f, b);
	failures(f, b);
}

/* -------------------------------------------------------------------- CSV */

static void csv_row(FILE *f, const char *test, const char *mech,
		    size_t size, unsigned int senders, const char *metric,
		    const char *unit, double med, double lo, double hi,
		    int reps)
{
	fprintf(f, "%s,%s,%zu,%u,%s,%s,%.6g,%.6g,%.6g,%d,\n", test, mech,
		size, senders, metric, unit, med, lo, hi, reps);
}

int report_csv(const struct bench *b, const char *path)
{
	static const char *const kinds[] = { "pingpong", "pingpong-1cpu",
					     "stream", "scale", "lifecycle" };
	/* The ratio rows, in this order for every mechanism and anchor. */
	static const struct {
		enum case_kind kind;
		const char *metric;
	} ratios[] = {
		{ K_PINGPONG, "rtt" },
		{ K_PINGPONG1, "rtt_1cpu" },
		{ K_STREAM, "throughput" },
	};
	const struct memory_result *m = &b->mem;
	const struct transport *t;
	const struct case_res *c;
	struct target tg[16];
	char metric[64];
	unsigned int a, r;
	int i, k, n;
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "mbox-bench: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "test,mechanism,msg_size,senders,metric,unit,median,min,max,reps,note\n");
	for (i = 0; i < b->ncases; i++) {
		c = &b->cases[i];
		if (c->skipped)
			continue;
		switch (c->kind) {
		case K_PINGPONG:
		case K_PINGPONG1:
			csv_row(f, kinds[c->kind], c->t->name, c->size, 1,
				"rtt_median", "us", case_median(c, 0),
				case_min(c, 0), case_max(c, 0), c->nrep);
			csv_row(f, kinds[c->kind], c->t->name, c->size, 1,
				"rtt_p99", "us", case_median(c, 1),
				case_min(c, 1), case_max(c, 1), c->nrep);
			break;
		case K_STREAM:
			csv_row(f, kinds[c->kind], c->t->name, c->size, 1,
				"throughput", "msgs/s", case_median(c, 0),
				case_min(c, 0), case_max(c, 0), c->nrep);
			csv_row(f, kinds[c->kind], c->t->name, c->size, 1,
				"bandwidth", "MB/s", case_median(c, 1),
				case_min(c, 1), case_max(c, 1), c->nrep);
			break;
		case K_SCALE:
			csv_row(f, kinds[c->kind], c->t->name, c->size,
				c->senders, "throughput", "msgs/s",
				case_median(c, 0), case_min(c, 0),
				case_max(c, 0), c->nrep);
			break;
		default:
			csv_row(f, kinds[c->kind], c->what, 0, 0,
				"create_destroy", "pairs/s", case_median(c, 0),
				case_min(c, 0), case_max(c, 0), c->nrep);
			break;
		}
	}
	/* Ratios to every anchor, as in the tables. */
	for (i = 0; (t = transports[i]); i++) {
		if (!(t->flags & T_MBOX))
			continue;
		for (k = 0; k < NSIZES; k++)
			for (a = 0; a < NANCHORS; a++)
				for (r = 0; r < sizeof(ratios) / sizeof(ratios[0]); r++) {
					double v;

					v = ratio(median_of(b, ratios[r].kind, t->name,
							    msg_sizes[k], 1, 0),
						  median_of(b, ratios[r].kind, anchors[a].name,
							    msg_sizes[k], 1, 0));
					snprintf(metric, sizeof(metric), "%s_vs_%s",
						 ratios[r].metric, anchors[a].name);
					if (isfinite(v))
						csv_row(f, "ratio", t->name, msg_sizes[k], 1,
							metric, "x", v, v, v, 1);
				}
	}
	if (b->mem_done && m->cycles) {
		csv_row(f, "memory", "mbox", 0, 0, "slab_per_mailbox", "B",
			(double)m->slab_per_mbox, (double)m->slab_per_mbox,
			(double)m->slab_per_mbox, 1);
		csv_row(f, "memory", "mbox", 0, 0, "sunreclaim_per_mailbox", "B",
			(double)m->sunreclaim_per_mbox,
			(double)m->sunreclaim_per_mbox,
			(double)m->sunreclaim_per_mbox, 1);
		csv_row(f, "memory", "mbox", 0, 0, "create_rate", "mailboxes/s",
			m->create_rate, m->create_rate, m->create_rate, 1);
		csv_row(f, "memory", "mbox", 0, 0, "destroy_rate", "mailboxes/s",
			m->destroy_rate, m->destroy_rate, m->destroy_rate, 1);
		csv_row(f, "memory", "mbox", 0, 0, "residual_slab", "B",
			(double)m->residual_slab, (double)m->residual_slab,
			(double)m->residual_slab, m->cycles);
		csv_row(f, "memory", "mbox", 0, 0, "residual_after_exit", "B",
			(double)m->residual_after_exit,
			(double)m->residual_after_exit,
			(double)m->residual_after_exit, 1);
	}
	n = collect_targets(b, tg, 16);
	/* Targets: the verdict as the metric, what was measured as a note. */
	for (i = 0; i < n; i++)
		fprintf(f, "target,\"%s\",0,0,%s,,,,,,\"%s\"\n", tg[i].what,
			tg[i].met == 1 ? "met" : tg[i].met == 0 ? "missed" :
			"not_measured", tg[i].met < 0 ? "" : tg[i].measured);
	if (fclose(f)) {
		fprintf(stderr, "mbox-bench: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* -------------------------------------------------------------- plot data */

static FILE *open_dat(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "mbox-bench: %s: %s\n", path, strerror(errno));
	return f;
}

/* gnuplot reads "NaN" as a missing point. */
static void dat_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.6g", v);
	else
		fprintf(f, " NaN");
}

int report_plot_data(const struct bench *b, const char *dir)
{
	const struct transport *t;
	FILE *f;
	int i, k;

	f = open_dat(dir, "rtt.dat");
	if (!f)
		return -EIO;
	fprintf(f, "# mechanism rtt_median_64 rtt_p99_64 rtt_median_4096 rtt_p99_4096 rtt_1cpu_64 rtt_1cpu_4096 (us)\n");
	for (i = 0; (t = transports[i]); i++) {
		if (t->flags & T_STREAM_ONLY ||
		    !find_case(b, K_PINGPONG, t->name, 64, 1))
			continue;
		fprintf(f, "\"%s\"", t->label);
		for (k = 0; k < NSIZES; k++) {
			dat_num(f, median_of(b, K_PINGPONG, t->name, msg_sizes[k], 1, 0));
			dat_num(f, median_of(b, K_PINGPONG, t->name, msg_sizes[k], 1, 1));
		}
		for (k = 0; k < NSIZES; k++)
			dat_num(f, median_of(b, K_PINGPONG1, t->name, msg_sizes[k], 1, 0));
		fprintf(f, "\n");
	}
	fclose(f);

	f = open_dat(dir, "throughput.dat");
	if (!f)
		return -EIO;
	fprintf(f, "# mechanism msgs_64 MBs_64 msgs_4096 MBs_4096\n");
	for (i = 0; (t = transports[i]); i++) {
		if (!find_case(b, K_STREAM, t->name, 64, 1))
			continue;
		fprintf(f, "\"%s\"", t->label);
		for (k = 0; k < NSIZES; k++) {
			dat_num(f, median_of(b, K_STREAM, t->name, msg_sizes[k], 1, 0));
			dat_num(f, median_of(b, K_STREAM, t->name, msg_sizes[k], 1, 1));
		}
		fprintf(f, "\n");
	}
	fclose(f);

	f = open_dat(dir, "scaling.dat");
	if (!f)
		return -EIO;
	fprintf(f, "# senders bounded_msgs unbounded_msgs\n");
	for (i = 0; scale_senders[i]; i++) {
		if (!find_case(b, K_SCALE, "mbox-bounded", 64, scale_senders[i]) &&
		    !find_case(b, K_SCALE, "mbox-unbounded", 64, scale_senders[i]))
			continue;
		fprintf(f, "%u", scale_senders[i]);
		dat_num(f, median_of(b, K_SCALE, "mbox-bounded", 64,
				     scale_senders[i], 0));
		dat_num(f, median_of(b, K_SCALE, "mbox-unbounded", 64,
				     scale_senders[i], 0));
		fprintf(f, "\n");
	}
	fclose(f);

	f = open_dat(dir, "lifecycle.dat");
	if (!f)
		return -EIO;
	fprintf(f, "# mechanism create_destroy_pairs_per_s\n");
	for (i = 0; lifecycle_whats[i]; i++) {
		if (!find_case(b, K_LIFECYCLE, lifecycle_whats[i], 0, 0))
			continue;
		fprintf(f, "\"%s\"", lifecycle_whats[i]);
		dat_num(f, median_of(b, K_LIFECYCLE, lifecycle_whats[i], 0, 0, 0));
		fprintf(f, "\n");
	}
	fclose(f);

	f = open_dat(dir, "plot.info");
	if (!f)
		return -EIO;
	fprintf(f, "kernel %s, %d CPUs, median of %d repetitions%s",
		b->kernel, b->ncpus, b->reps,
		b->ring_status ? "; ring not measured" : "");
	fclose(f);
	return 0;
}
