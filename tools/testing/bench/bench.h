/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mbox-bench: mbox against the kernel's other IPC mechanisms and raw shared
 * memory, measured side by side in one run.
 *
 * DOC: Channels
 *
 * Every mechanism is driven through the same one-way channel interface,
 * struct transport.  A channel is opened once, in the process that sets up
 * the measurement, before it forks (so that descriptors, queue ids and
 * shared mappings are inherited).  After the fork every process that uses
 * the channel calls ->attach() for its side - the sender (SIDE_TX) or the
 * receiver (SIDE_RX) - which drops what that side must not hold (the other
 * end of a pipe, the mailbox's owner handle in a sender, ...) and opens
 * what it needs (a user handle of its own, its view of a ring).  Each side
 * calls ->detach() when it is done; ->close() runs in the process that
 * opened the channel, after every other user has exited.
 *
 * A ping-pong uses two channels, one per direction; streaming uses one.
 * Every message starts with a struct msg_hdr so that receivers can tell
 * data from the end of a run and check that nothing was lost, duplicated
 * or reordered.
 *
 * DOC: Processes
 *
 * Each measurement forks fresh processes, pinned with sched_setaffinity():
 * senders on CPU 0, the receiver (or the echoing side of a ping-pong) on
 * CPU 1.  Results come back through a shared anonymous mapping.  A watchdog
 * (SIGALRM) ends a measurement that hangs, which counts as a failure rather
 * than stopping the whole run.
 */
#ifndef MBOX_BENCH_H
#define MBOX_BENCH_H

#include <mqueue.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <linux/mbox.h>

#define CACHELINE	64

/*
 * Message buffers (msgbuf_alloc()) are cache-line aligned and have
 * MSGBUF_HEADROOM writable bytes in front, so that a mechanism whose API
 * wants a prefix (SysV's mtype) builds it in place instead of copying.
 */
#define MSGBUF_HEADROOM	CACHELINE

/* Kinds of struct msg_hdr. */
#define MSG_DATA	0x44415441u
#define MSG_STOP	0x53544f50u

/* Leads every message; the rest of the payload is filler. */
struct msg_hdr {
	uint32_t kind;
	uint32_t from;		/* sender index (scaling) */
	uint64_t seq;		/* per sender, from 0 */
};

enum side { SIDE_TX, SIDE_RX };

/* Flags of struct transport. */
#define T_MBOX		0x01	/* an mbox figure: gets ratios to anchors */
#define T_ANCHOR	0x02	/* a reference mechanism */
#define T_STREAM_ONLY	0x04	/* no ping-pong (batches) */
#define T_SPIN		0x08	/* busy-waits: needs a CPU per side */
#define T_RING		0x10	/* needs MBOX_FEAT_RING_SEG */

struct chan_cfg {
	size_t msg_size;	/* the largest message */
	unsigned int depth;	/* queue length where it can be chosen */
	unsigned int batch;	/* messages per batch call */
};

/*
 * Producer segments for a bench ring: one per producer of the largest run
 * (8) and some spare, fewer if the ring would pass MBOX_RING_BYTES_MAX.
 */
static inline uint32_t ring_nsegs(uint32_t nslots, uint32_t slot_size)
{
	uint32_t n = 16;

	while (n > 1 && (uint64_t)n * nslots * slot_size > MBOX_RING_BYTES_MAX)
		n--;
	return n;
}

struct chan {
	const struct transport *t;
	struct chan_cfg cfg;
	int fd[2];		/* pipe/socket ends; mbox: owner, user */
	int qid;		/* SysV queue */
	mqd_t mq;		/* POSIX queue */
	uint64_t id;		/* mbox id */
	void *shm;		/* raw rings */
	size_t shm_len;
	void *priv;		/* per-process state after attach */
	unsigned long retries;	/* sends retried after -ENOBUFS */
};

struct transport {
	const char *name;	/* short, for CSV and plots */
	const char *label;	/* for the tables */
	unsigned int flags;
	int (*open)(struct chan *c);
	int (*attach)(struct chan *c, enum side side);
	/* 0 or -errno */
	int (*send)(struct chan *c, const void *buf, size_t len);
	/* message length or -errno */
	long (*recv)(struct chan *c, void *buf, size_t len);
	/* Optional: up to @n messages; how many moved (>= 1) or -errno. */
	int (*send_vec)(struct chan *c, void *const *bufs, size_t len,
			unsigned int n);
	int (*recv_vec)(struct chan *c, void *const *bufs, size_t len,
			unsigned int n, size_t *lens);
	void (*detach)(struct chan *c, enum side side);
	void (*close)(struct chan *c);
};

/* transports.c: the kernel mechanisms and mbox through its ioctls. */
extern const struct transport tr_mbox_zero, tr_mbox_bounded,
	tr_mbox_unbounded, tr_mbox_batch_bounded, tr_mbox_batch_unbounded,
	tr_pipe, tr_unix, tr_posix_mq, tr_sysv;
/* mboxmq.c: libmbox-mq's mq_*, loaded with dlopen(). */
extern const struct transport tr_mbox_mq;
/* shmring.c: raw single-producer single-consumer rings. */
extern const struct transport tr_shm_futex, tr_shm_spin;
/* mboxring.c: the mbox shared ring (NULL names when not built in). */
extern const struct transport tr_mbox_ring, tr_mbox_ring_poll;
bool mbox_ring_built(void);

int chan_open(struct chan *c, const struct transport *t,
	      const struct chan_cfg *cfg);

/* bench_util.c: the helpers every other file may call. */
extern volatile int g_abort;	/* the watchdog fired: give up */
void *msgbuf_alloc(size_t size);
void msgbuf_free(void *buf);
uint64_t now_ns(void);
void cpu_relax(unsigned int *polls);
int pin_to_cpu(int cpu);
int cmp_double(const void *a, const void *b);	/* for qsort() */

/* memory.c: create/destroy rates and kernel memory per mailbox. */
struct lifecycle_result {
	double rate;		/* create+destroy pairs per second */
};

struct memory_result {
	unsigned long n;		/* mailboxes alive at once */
	double create_rate;		/* mailboxes per second */
	double destroy_rate;
	long slab_per_mbox;		/* bytes: Slab delta / n */
	long sunreclaim_per_mbox;	/* bytes: SUnreclaim delta / n */
	long residual_slab;		/* bytes left after destroying all */
	long residual_after_exit;	/* ...and after the process exited */
	long alive_slab;		/* bytes taken with n alive */
	int cycles;			/* create/destroy cycles run */
	long cycle_residual[4];		/* Slab residual after each cycle */
	char top_caches[4][64];		/* slab caches that grew the most */
	long top_bytes[4];		/* their growth, bytes */
	long top_objs[4];		/* ...in active objects */
	long top_resid_objs[4];		/* objects left after the last cycle */
	long top_exit_objs[4];		/* ...and after the process exited */
	int ntop;
	int error;			/* -errno of a failed step, or 0 */
	char error_what[64];
};

int lifecycle_rate(const char *what, double seconds, double *rate);
int memory_measure(unsigned long n, int cycles, struct memory_result *res);

/* ---------------------------------------------------------------- results */

/* K_PINGPONG1: both sides on one CPU, so no wake-up crosses CPUs. */
enum case_kind { K_PINGPONG, K_PINGPONG1, K_STREAM, K_SCALE, K_LIFECYCLE };

#define MAX_REPS	15
#define NSIZES		2
extern const size_t msg_sizes[NSIZES];

/*
 * One measured case and its repetitions.  Metrics: ping-pong (either): round trip
 * median and p99 in microseconds; stream and scale: messages per second
 * (and MB/s, derived); lifecycle: create+destroy pairs per second.
 */
struct case_res {
	enum case_kind kind;
	const struct transport *t;	/* NULL for lifecycle */
	const char *what;		/* lifecycle: mechanism name */
	size_t size;
	unsigned int senders;
	int nrep;
	double v[2][MAX_REPS];
	unsigned long errors;		/* lost/duplicated/reordered messages */
	unsigned long retries;		/* -ENOBUFS retries */
	double ipis[MAX_REPS];		/* scale: IPIs per message */
	double csw[MAX_REPS];		/* ping-pong: the client's context
					 * switches per round trip */
	double fair_lo, fair_hi;	/* scale: last repetition's senders */
	int failed;			/* -errno of a failed repetition */
	char why[128];
	const char *skipped;		/* why the case was not run */
};

struct bench {
	/* configuration */
	bool smoke;
	int reps, scale_reps;
	unsigned int depth, batch;
	double pp_time, st_time, warm_time, scale_time, lc_time;
	unsigned long mailboxes;
	int mem_cycles;
	const char *out_dir;
	const char *only;
	bool skip_scale, skip_memory, no_mbox;
	/* the machine */
	char kernel[80];
	int ncpus, tx_cpu, rx_cpu;
	bool want_cpus;
	int want_tx, want_rx;
	uint64_t features;
	const char *ring_status;	/* NULL: the ring is measured */
	/* results */
	struct case_res *cases;
	int ncases;
	struct memory_result mem;
	bool mem_done;
	double wall;			/* seconds, whole run */
};

/* bench_util.c: statistics over a case's repetitions, and its tables. */
const char *case_name(const struct case_res *c);
double case_median(const struct case_res *c, int metric);
double case_min(const struct case_res *c, int metric);
double case_max(const struct case_res *c, int metric);
const struct case_res *find_case(const struct bench *b, enum case_kind kind,
				 const char *name, size_t size,
				 unsigned int senders);
extern const unsigned int scale_senders[];
extern const char *const lifecycle_whats[];
/* transport_list.c: every mechanism, NULL-terminated, in table order. */
extern const struct transport *const transports[];

/* report.c */
double scale_paired(const struct bench *b, const char *mode, unsigned int n,
		    double *lo, double *hi, int *pairs);
void report_text(FILE *f, const struct bench *b);
int report_csv(const struct bench *b, const char *path);
int report_plot_data(const struct bench *b, const char *dir);

#endif /* MBOX_BENCH_H */
