// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-stress: many processes creating, using and destroying mailboxes while
 * owners are killed at random points, with exact bookkeeping of every
 * message.
 *
 * Processes (all forked by one supervisor, which does no messaging itself):
 *
 *  - owners, one per "cell": each creates a mailbox (random capacity mode,
 *    capacity, message size, fixed size or not), publishes it, receives
 *    from it for a while and then retires it - cleanly (stops senders,
 *    drains, closes) or abruptly (closes with messages queued) - and starts
 *    over with a new mailbox;
 *  - senders: pick a cell at random, open a user handle on its current
 *    mailbox and send numbered messages (blocking, timed or non-blocking,
 *    random priorities and sizes).
 *
 * The supervisor SIGKILLs owners (and, less often, senders) at random points,
 * delivers SIGUSR1 (no SA_RESTART: waits fail with -EINTR) and SIGUSR2
 * (SA_RESTART: waits restart) at random, and respawns what it killed.  It
 * also holds a user handle with an armed death notice on every mailbox, and
 * when the notice arrives reads the kernel's own counters of accepted and
 * received messages (MBOX_IOC_INFO).
 *
 * Bookkeeping, in memory shared by all processes: every message a sender
 * attempts gets a record (sender slot, number) saying which mailbox it went
 * to and what the send returned; the payload carries the same identity and
 * a checksum.  Receivers count each record they receive.  At the end:
 *
 *  - nothing was received twice, nothing was received that was not sent or
 *    whose send failed, every payload arrived intact and with the priority,
 *    type, sender pid and sequence number the sender was told;
 *  - messages of equal priority came out of a mailbox in acceptance order;
 *  - a mailbox retired cleanly lost nothing: every successful send into it
 *    was received;
 *  - a ZERO mailbox never loses a successful send (it returns only after a
 *    receiver took the message);
 *  - a BOUNDED or UNBOUNDED mailbox whose owner was killed (or closed it
 *    with messages queued) lost exactly the messages the kernel says were
 *    queued when it died (accepted minus received, from its counters), at
 *    most its capacity for BOUNDED;
 *  - the kernel's counters match ours, allowing only for the calls a SIGKILL
 *    interrupted ("in doubt": a send whose sender died inside the call may
 *    or may not have been accepted; a receive whose receiver died inside the
 *    call may have taken one message that was never recorded);
 *  - every process ends when told to (a process stuck in a wait is a lost
 *    wake-up), and every mailbox's death notice arrives.
 *
 * Transports: how messages move is behind struct transport: "ioctl"
 * (MBOX_IOC_SEND, MBOX_IOC_RECV) and "batch" (MBOX_IOC_SEND_BATCH,
 * MBOX_IOC_RECV_BATCH, when the module has MBOX_FEAT_BATCH); by default
 * every call picks one at random.  A transport only has to report, for each
 * message handed to it, whether it was accepted, and for each message it
 * receives, the metadata the kernel gave.
 *
 * The shared ring (MBOX_FEAT_RING_SEG) is the third path: some owners give
 * their mailbox a ring and drain every segment between receive calls;
 * senders that see a ring attach a segment of their own, map it and send
 * half of their messages through it (reserve, write, commit, wake;
 * MBOX_IOC_RING_WAIT when it is full).  Ring messages are checked like the
 * others except for what the ring does not carry (sequence numbers,
 * priorities); the sender pid is the one the kernel recorded for the
 * segment.  They are kept out of the comparison with the kernel's
 * counters, which do not count them; their order per sender and segment
 * (that is, per handle) is checked instead.  A sender killed between reserving a slot and committing it
 * leaves a message in doubt, like a killed MBOX_IOC_SEND: the kernel
 * discards the slot when the handle closes and nothing else stalls, so
 * every retired ring must be drained completely, and no well-behaved
 * sender's segment may ever be cut off.
 *
 * Usage: mbox-stress [-p PROCS] [-d SECONDS] [-s SEED] [-o OWNERS]
 *                    [-k KILL_MS] [-g SIGNAL_MS] [-m MSGS] [-t TRANSPORT]
 *                    [-K] [-v]
 * Exit status: 0 when every check held, 1 on a violation, 2 on usage or
 * setup errors.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbox/linux/mbox.h>

#include "mbox_testlib.h"

#define PROG			"mbox-stress"
#define MAX_PROCS		1024
#define MAX_BATCH		16
#define PAYLOAD_MAGIC		0x6d62786dU	/* "mbxm" */
#define NSEC_PER_MSEC		1000000ULL
#define NSEC_PER_SEC		1000000000ULL
/* How long processes get to finish once told to stop. */
#define STOP_GRACE_SEC		60
/* How long the death notices of the last mailboxes get to arrive. */
#define NOTICE_GRACE_SEC	20

/* ------------------------------------------------------------ options */

static struct {
	unsigned int procs;
	unsigned int owners;
	unsigned int duration;
	uint64_t seed;
	unsigned int kill_ms;
	unsigned int signal_ms;
	uint64_t msgs;		/* records per sender */
	unsigned int max_boxes;
	bool kill_senders;
	bool verbose;
	const char *transport;
} opt = {
	.procs = 64,
	.duration = 10,
	.kill_ms = 40,
	.signal_ms = 10,
	.msgs = 1u << 20,
	.max_boxes = 1u << 17,
	.kill_senders = true,
};

/* ------------------------------------------------------ shared state */

enum rec_state {
	REC_UNUSED,	/* never attempted */
	REC_INFLIGHT,	/* handed to the kernel, no answer (yet) */
	REC_OK,		/* the send returned 0 */
	REC_EPIPE,	/* the send returned -EPIPE: mailbox died, sender told */
	REC_FAILED,	/* any other error: not delivered */
	REC_SKIPPED,	/* prepared, never handed to the kernel */
};

/* One per (sender slot, message number). */
struct rec {
	_Atomic uint32_t box;		/* index of the target mailbox */
	_Atomic uint8_t state;		/* enum rec_state, written by the sender */
	_Atomic uint8_t rcount;		/* times received */
	_Atomic uint8_t via_ring;	/* sent through the shared ring */
	uint8_t pad;
	_Atomic uint32_t kseq;		/* seq the sender was told */
	_Atomic uint32_t rseq;		/* seq the receiver was told */
};

enum box_state { BOX_NEW, BOX_ALIVE };
enum box_fate { FATE_NONE, FATE_RETIRED, FATE_ABANDONED, FATE_KILLED };
enum box_watch {
	WATCH_NONE,	/* the supervisor has not looked at it yet */
	WATCH_ARMED,	/* user handle open, death notice armed */
	WATCH_DONE,	/* notice read, kernel counters known */
	WATCH_MISSED,	/* already dead when the supervisor tried to open it */
};

struct box {
	_Atomic uint32_t state;		/* enum box_state */
	_Atomic uint32_t fate;		/* enum box_fate */
	_Atomic uint32_t closing;	/* retiring: senders keep off */
	uint32_t cap_mode;
	uint32_t capacity;
	uint32_t msg_size;
	uint32_t flags;
	uint32_t owner_slot;
	uint64_t id;
	_Atomic uint64_t success;	/* sends that returned 0 */
	_Atomic uint64_t received;	/* receives we recorded */
	_Atomic uint64_t epipe;
	_Atomic uint32_t send_indoubt;	/* senders killed inside a send */
	_Atomic uint32_t recv_indoubt;	/* owners killed inside a receive */
	/* The shared ring, if the owner gave it one (nslots 0: none). */
	uint32_t ring_nslots;
	uint32_t ring_slot_size;
	_Atomic uint32_t ring_stalled;	/* a sender died holding a slot */
	_Atomic uint64_t ring_success;	/* committed ring messages */
	_Atomic uint64_t ring_received;
	/* The supervisor's alone. */
	uint32_t watch;			/* enum box_watch */
	uint32_t notice_reason;
	uint64_t k_sent;
	uint64_t k_received;
	uint64_t unreceived_ok;		/* audit */
	uint64_t unreceived_ring;
};

enum role { ROLE_OWNER, ROLE_SENDER };

struct slot {
	_Atomic int pid;
	_Atomic uint32_t gen;
	uint32_t role;
	/* owners */
	_Atomic uint32_t claimed_box;	/* the box being created or served */
	_Atomic uint32_t cur_box;	/* published box senders may use */
	_Atomic uint32_t in_recv_box;	/* inside a receive on this box */
	_Atomic uint32_t in_recv_n;	/* of at most this many messages */
	/* senders */
	_Atomic uint32_t fl_box;	/* inside a send to this box */
	_Atomic uint32_t fl_ring;	/* ... through its ring */
	_Atomic uint64_t fl_lo, fl_hi;	/* records of that send */
	_Atomic uint64_t next_rec;	/* records used so far */
	/* counters */
	_Atomic uint64_t n_eagain, n_etimedout, n_eintr, n_enobufs, n_emsgsize;
	_Atomic uint64_t n_opens, n_open_enoent;
};

struct shared {
	_Atomic int stop;
	_Atomic uint32_t nboxes;	/* boxes[1..nboxes] claimed */
	struct mt_reports rep;		/* violations */
	_Atomic uint64_t boxes_by_mode[3];
	_Atomic uint64_t signals_seen;
	_Atomic uint64_t rings;		/* mailboxes given a ring */
	struct slot slots[MAX_PROCS];
};

static struct shared *sh;
static struct box *boxes;
static struct rec *recs;
static uint64_t features;	/* MBOX_FEAT_* of the module */

static struct rec *rec_of(unsigned int slot, uint64_t n)
{
	return &recs[(uint64_t)slot * opt.msgs + n];
}

/* ---------------------------------------------------------- helpers */

static uint64_t seed_for(unsigned int slot, uint32_t gen)
{
	uint64_t x = opt.seed ^ ((uint64_t)slot << 40) ^ ((uint64_t)gen << 8);

	return mt_splitmix(&x);
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int xioctl_fd(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static const char *who;		/* "owner 3 gen 2" etc., for reports */

__attribute__((format(printf, 1, 2)))
static void violation(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_vreport(&sh->rep, PROG, who ? who : "supervisor", fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ payload */

struct payload {
	uint32_t magic;
	uint32_t slot;
	uint64_t rec;
	uint32_t box;
	uint32_t len;
	uint32_t prio;
	int32_t pid;
	uint64_t check;
};

static uint8_t fill_byte(uint64_t check, uint32_t i)
{
	return (uint8_t)((check >> ((i & 7) * 8)) ^ (i * 131u));
}

static uint64_t payload_check(const struct payload *p)
{
	uint64_t x = ((uint64_t)p->slot << 48) ^ p->rec ^ ((uint64_t)p->box << 24) ^ p->len;

	return mt_splitmix(&x);
}

static void payload_fill(void *buf, uint32_t len, unsigned int slot, uint64_t n,
			 uint32_t box, uint32_t prio)
{
	struct payload p = {
		.magic = PAYLOAD_MAGIC, .slot = slot, .rec = n, .box = box,
		.len = len, .prio = prio, .pid = getpid(),
	};
	uint8_t *b = buf;

	p.check = payload_check(&p);
	memcpy(b, &p, sizeof(p));
	for (uint32_t i = sizeof(p); i < len; i++)
		b[i] = fill_byte(p.check, i);
}

/* -------------------------------------------------------- transports */

/* A message handed to a transport's send. */
struct out_msg {
	const void *buf;
	uint32_t len;
	uint32_t prio;
	uint32_t type;
	int err;		/* out: 0 accepted, -errno, -ECANCELED not tried */
	uint64_t kseq;		/* out: the seq the kernel reported */
};

/* A message a transport's recv returns. */
struct in_msg {
	void *buf;
	uint32_t cap;		/* buffer size */
	struct mbox_recv r;	/* out: what the kernel reported */
};

struct transport {
	const char *name;
	uint64_t feature;		/* MBOX_FEAT_* it needs */
	unsigned int max_batch;		/* messages per send/recv call */
	/*
	 * Sends @m[0..n) in order with MBOX_MSG_* @flags and deadline; sets
	 * every m[i].err.  Messages after a failure may be left -ECANCELED.
	 */
	void (*send)(int fd, struct out_msg *m, unsigned int n, uint32_t flags,
		     uint64_t deadline);
	/* Receives up to @n messages; returns how many, or -errno. */
	int (*recv)(int fd, struct in_msg *m, unsigned int n, uint32_t flags,
		    uint64_t deadline);
};

static void ioctl_send(int fd, struct out_msg *m, unsigned int n,
		       uint32_t flags, uint64_t deadline)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		m[i].err = -ECANCELED;
	for (i = 0; i < n; i++) {
		struct mbox_send s = {
			.buf = (uintptr_t)m[i].buf, .len = m[i].len,
			.flags = flags, .timeout_ns = deadline,
			.priority = m[i].prio, .type = m[i].type,
		};

		m[i].err = xioctl(fd, MBOX_IOC_SEND, &s);
		m[i].kseq = s.seq;
		if (m[i].err)
			break;
	}
}

static int ioctl_recv(int fd, struct in_msg *m, unsigned int n,
		      uint32_t flags, uint64_t deadline)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		memset(&m[i].r, 0, sizeof(m[i].r));
		m[i].r.buf = (uintptr_t)m[i].buf;
		m[i].r.len = m[i].cap;
		m[i].r.flags = flags;
		m[i].r.timeout_ns = deadline;
		err = xioctl(fd, MBOX_IOC_RECV, &m[i].r);
		if (err)
			return i ? (int)i : err;
		/* Only the first waits; the rest take what is there. */
		flags = MBOX_MSG_NONBLOCK;
		deadline = 0;
	}
	return (int)n;
}

static void batch_send(int fd, struct out_msg *m, unsigned int n,
		       uint32_t flags, uint64_t deadline)
{
	struct mbox_msgvec v[MAX_BATCH];
	struct mbox_batch b = {
		.vec = (uintptr_t)v, .count = n, .flags = flags,
		.timeout_ns = deadline,
	};
	unsigned int i;
	int ret;

	memset(v, 0, sizeof(v));
	for (i = 0; i < n; i++) {
		v[i].buf = (uintptr_t)m[i].buf;
		v[i].len = m[i].len;
		v[i].priority = m[i].prio;
		v[i].type = m[i].type;
		m[i].err = -ECANCELED;
	}
	ret = xioctl_fd(fd, MBOX_IOC_SEND_BATCH, &b);
	if (ret < 0) {
		m[0].err = ret;
		return;
	}
	if (ret == 0 || (unsigned int)ret > n || b.done != (uint32_t)ret)
		violation("MBOX_IOC_SEND_BATCH of %u returned %d, done %u", n, ret, b.done);
	for (i = 0; i < (unsigned int)ret && i < n; i++) {
		m[i].err = 0;
		m[i].kseq = v[i].seq;
	}
}

static int batch_recv(int fd, struct in_msg *m, unsigned int n,
		      uint32_t flags, uint64_t deadline)
{
	struct mbox_msgvec v[MAX_BATCH];
	struct mbox_batch b = {
		.vec = (uintptr_t)v, .count = n, .flags = flags,
		.timeout_ns = deadline,
	};
	int ret;

	memset(v, 0, sizeof(v));
	for (unsigned int i = 0; i < n; i++) {
		v[i].buf = (uintptr_t)m[i].buf;
		v[i].len = m[i].cap;
		memset(&m[i].r, 0, sizeof(m[i].r));
	}
	ret = xioctl_fd(fd, MBOX_IOC_RECV_BATCH, &b);
	if (ret == -EMSGSIZE)
		m[0].r.msg_len = v[0].msg_len;
	if (ret <= 0)
		return ret ? ret : -EPROTO;
	if ((unsigned int)ret > n || b.done != (uint32_t)ret) {
		violation("MBOX_IOC_RECV_BATCH of %u returned %d, done %u", n, ret, b.done);
		return -EPROTO;
	}
	for (int i = 0; i < ret; i++) {
		m[i].r.msg_len = v[i].msg_len;
		m[i].r.priority = v[i].priority;
		m[i].r.type = v[i].type;
		m[i].r.seq = v[i].seq;
		m[i].r.sender_pid = v[i].sender_pid;
		m[i].r.sender_uid = v[i].sender_uid;
	}
	return ret;
}

/*
 * Extension point: the shared ring adds an entry here (with the feature
 * bit it needs and max_batch what one call carries).
 */
static const struct transport transports[] = {
	{ .name = "ioctl", .max_batch = 1, .send = ioctl_send, .recv = ioctl_recv },
	{ .name = "batch", .feature = MBOX_FEAT_BATCH, .max_batch = MAX_BATCH,
	  .send = batch_send, .recv = batch_recv },
};
#define NR_TRANSPORTS	(sizeof(transports) / sizeof(transports[0]))

/* The transports this run uses: -t, or all the module supports. */
static const struct transport *use_tp[NR_TRANSPORTS];
static unsigned int nr_use_tp;

static const struct transport *pick_transport(void)
{
	return use_tp[mt_rnd_below(nr_use_tp)];
}

/* ------------------------------------------------------------ the ring */

/*
 * One handle's mappings of a mailbox's ring: the consumer's CTRL, CONS and
 * DATA, or a producer's own segment (SEG_CONS, SEG_DATA).
 */
struct ring_view {
	bool mapped, consumer;
	struct mbox_ring_ctrl *ctrl;
	uint8_t *cons, *data;			/* consumer */
	struct mbox_ring_seg_cons *scons;	/* producer */
	uint8_t *sdata;				/* producer */
	size_t page, cons_size, data_size, seg_data_size;
	uint32_t nsegs, nslots, slot_size, slots_offset;
	uint32_t gen[MBOX_RING_SEGS_MAX];	/* consumer: segment views */
	uint64_t last[MBOX_RING_SEGS_MAX];	/* consumer: order per segment */
};

static void ring_unmap(struct ring_view *v)
{
	if (v->ctrl)
		munmap(v->ctrl, v->page);
	if (v->cons)
		munmap(v->cons, v->cons_size);
	if (v->data)
		munmap(v->data, v->data_size);
	if (v->scons)
		munmap(v->scons, v->page);
	if (v->sdata)
		munmap(v->sdata, v->seg_data_size);
	memset(v, 0, sizeof(*v));
}

static void *ring_map_part(int fd, size_t len, bool writable, uint64_t off)
{
	void *p = mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd,
		       (off_t)off);

	return p == MAP_FAILED ? NULL : p;
}

/* The consumer maps the whole ring; a producer attaches its own segment. */
static int ring_map(struct ring_view *v, int fd, bool consumer)
{
	struct mbox_ring_info in;
	int err;

	memset(v, 0, sizeof(*v));
	memset(&in, 0, sizeof(in));
	err = xioctl(fd, MBOX_IOC_RING_INFO, &in);
	if (err)
		return err;
	if (!in.nsegs)
		return -ENODEV;
	v->consumer = consumer;
	v->page = (size_t)sysconf(_SC_PAGESIZE);
	v->nsegs = in.nsegs;
	v->nslots = in.nslots;
	v->slot_size = in.slot_size;
	v->slots_offset = in.slots_offset;
	v->seg_data_size = in.seg_data_size;
	if (consumer) {
		v->cons_size = in.cons_size;
		v->data_size = in.data_size;
		v->ctrl = ring_map_part(fd, v->page, false, MBOX_RING_OFF_CTRL);
		v->cons = ring_map_part(fd, v->cons_size, true, MBOX_RING_OFF_CONS);
		v->data = ring_map_part(fd, v->data_size, false, MBOX_RING_OFF_DATA);
		if (!v->ctrl || !v->cons || !v->data)
			goto fail;
		for (uint32_t i = 0; i < v->nsegs; i++)
			v->gen[i] = UINT32_MAX;
	} else {
		err = ioctl(fd, MBOX_IOC_RING_ATTACH, 0);
		if (err < 0)
			goto fail;
		v->scons = ring_map_part(fd, v->page, false, MBOX_RING_OFF_SEG_CONS);
		v->sdata = ring_map_part(fd, v->seg_data_size, true, MBOX_RING_OFF_SEG_DATA);
		if (!v->scons || !v->sdata)
			goto fail;
	}
	v->mapped = true;
	return 0;
fail:
	err = -errno;
	ring_unmap(v);
	return err;
}

static struct mbox_ring_slot *ring_slot(const struct ring_view *v, uint8_t *seg_data,
					uint32_t i)
{
	return (struct mbox_ring_slot *)(seg_data + v->slots_offset +
					 (size_t)(i & (v->nslots - 1)) * v->slot_size);
}

#define RING_U32(p)	((_Atomic uint32_t *)(void *)(p))

/*
 * Sends one message through the producer's segment as the ABI's producer
 * protocol says: 0 once committed, or -errno with nothing reserved.
 */
static int ring_produce(const struct ring_view *v, int fd, const void *buf, uint32_t len,
			uint32_t type, uint32_t flags, uint64_t deadline)
{
	_Atomic uint32_t *tailp = RING_U32(&((struct mbox_ring_seg_data *)v->sdata)->tail);
	_Atomic uint32_t *headp = RING_U32(&v->scons->head);

	for (;;) {
		uint32_t cf = atomic_load_explicit(RING_U32(&v->scons->flags), memory_order_acquire);
		struct mbox_ring_wait w;
		struct mbox_ring_slot *sl;
		uint32_t t, h;
		int err;

		if (cf & MBOX_RING_DEAD)
			return -EPIPE;
		if (cf & MBOX_RING_GONE)
			return -ECONNRESET;
		if (cf & MBOX_RING_CUT)
			return -EBADMSG;
		t = atomic_load_explicit(tailp, memory_order_relaxed);
		h = atomic_load_explicit(headp, memory_order_acquire);
		if ((int32_t)(t - h) < 0)
			continue;
		if (t - h > v->nslots)
			return -EBADMSG;
		if (t - h == v->nslots) {
			if (flags & MBOX_MSG_NONBLOCK)
				return -EAGAIN;
			memset(&w, 0, sizeof(w));
			w.flags = flags;
			w.timeout_ns = deadline;
			err = xioctl(fd, MBOX_IOC_RING_WAIT, &w);
			if (err)
				return err;
			continue;
		}
		if (!atomic_compare_exchange_weak_explicit(tailp, &t, t + 1, memory_order_relaxed,
							   memory_order_relaxed))
			continue;
		sl = ring_slot(v, v->sdata, t);
		memcpy(sl + 1, buf, len);
		sl->len = len;
		sl->type = type;
		sl->flags = 0;
		atomic_store_explicit(RING_U32(&sl->seq), t + 1, memory_order_release);
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(RING_U32(&v->scons->need_wake), memory_order_relaxed) &&
		    ioctl(fd, MBOX_IOC_RING_WAKE, 0) && errno != EPIPE)
			violation("MBOX_IOC_RING_WAKE on a user handle: %s", strerror(errno));
		return 0;
	}
}

/* ------------------------------------------------------------ signals */

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add_explicit(&sh->signals_seen, 1, memory_order_relaxed);
}

static void child_setup(unsigned int slot, uint32_t gen, enum role role)
{
	static char name[64];
	struct sigaction sa;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpriority(PRIO_PROCESS, 0, 0);	/* the supervisor's boost is its own */
	/* Nothing of the supervisor's: in particular not its watch handles. */
	close_range(3, ~0U, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);		/* interrupts: -EINTR */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR2, &sa, NULL);		/* restarts transparently */
	/* Blocked by the supervisor until the handlers were in place. */
	sigprocmask(SIG_SETMASK, &sa.sa_mask, NULL);
	mt_rng_state = seed_for(slot, gen);
	snprintf(name, sizeof(name), "%s %u gen %u (seed %#" PRIx64 ")",
		 role == ROLE_OWNER ? "owner" : "sender", slot, gen, mt_rng_state);
	who = name;
}

static int dev_open(void)
{
	int fd = open(MBOX_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		violation("open %s: %s", MBOX_DEVICE_PATH, strerror(errno));
		exit(1);
	}
	return fd;
}

/* ------------------------------------------------------------- owners */

static const uint32_t prios[] = { 0, 0, 0, 1, 2, 3, 100, MBOX_PRIO_MAX };

/* Per-priority last seq received, to check FIFO among equal priorities. */
struct order_check {
	uint64_t last[sizeof(prios) / sizeof(prios[0])];
};

static int prio_index(uint32_t prio)
{
	for (unsigned int i = 0; i < sizeof(prios) / sizeof(prios[0]); i++)
		if (prios[i] == prio)
			return (int)i;
	return -1;
}

/*
 * Checks and records one received message of box @bi; @ring_last (per
 * sender slot) is given for messages taken from the ring.
 */
static void account_received(uint32_t bi, const struct in_msg *m,
			     struct order_check *oc, uint64_t *ring_last)
{
	struct box *b = &boxes[bi];
	const struct mbox_recv *r = &m->r;
	struct payload p;
	const uint8_t *d = m->buf;
	struct rec *rec;
	uint8_t st, rc;
	int pi;

	if (r->msg_len < sizeof(p)) {
		violation("box %u: received %u bytes, shorter than any message sent", bi, r->msg_len);
		return;
	}
	memcpy(&p, d, sizeof(p));
	if (p.magic != PAYLOAD_MAGIC || p.len != r->msg_len || p.check != payload_check(&p) ||
	    p.slot < opt.owners || p.slot >= opt.procs || p.rec >= opt.msgs) {
		violation("box %u: received a corrupt or foreign message (len %u, magic %#x, slot %u)",
			  bi, r->msg_len, p.magic, p.slot);
		return;
	}
	for (uint32_t i = sizeof(p); i < p.len; i++) {
		if (d[i] != fill_byte(p.check, i)) {
			violation("box %u: message %u/%" PRIu64 " corrupt at byte %u",
				  bi, p.slot, p.rec, i);
			return;
		}
	}
	rec = rec_of(p.slot, p.rec);
	if (p.box != bi || atomic_load(&rec->box) != bi)
		violation("box %u: received message %u/%" PRIu64 " sent to box %u",
			  bi, p.slot, p.rec, p.box);
	if (!atomic_load(&rec->via_ring) != !ring_last)
		violation("box %u: message %u/%" PRIu64 " came out of the %s, was sent %s",
			  bi, p.slot, p.rec, ring_last ? "ring" : "queue",
			  ring_last ? "by ioctl" : "through the ring");
	st = atomic_load(&rec->state);
	if (st != REC_INFLIGHT && st != REC_OK)
		violation("box %u: received message %u/%" PRIu64 " whose send %s",
			  bi, p.slot, p.rec, st == REC_UNUSED ? "never happened" :
			  st == REC_SKIPPED ? "was never made" : "failed");
	if (r->priority != p.prio || r->type != (uint32_t)p.rec || r->sender_pid != p.pid)
		violation("box %u: message %u/%" PRIu64 ": metadata prio %u type %u pid %d, sent prio %u type %u pid %d",
			  bi, p.slot, p.rec, r->priority, r->type, r->sender_pid,
			  p.prio, (uint32_t)p.rec, p.pid);
	/* Before the count: a receiver killed in between leaves no half record. */
	if (!ring_last)
		atomic_store(&rec->rseq, (uint32_t)r->seq);
	rc = atomic_fetch_add(&rec->rcount, 1);
	if (rc)
		violation("box %u: message %u/%" PRIu64 " received %u times", bi, p.slot, p.rec, rc + 1);
	if (ring_last) {
		/* The ring keeps each producer's order (it reserves in order). */
		if (ring_last[p.slot] && p.rec <= ring_last[p.slot] - 1)
			violation("box %u: ring message %u/%" PRIu64 " after %u/%" PRIu64,
				  bi, p.slot, p.rec, p.slot, ring_last[p.slot] - 1);
		ring_last[p.slot] = p.rec + 1;
		atomic_fetch_add(&b->ring_received, 1);
		return;
	}
	atomic_fetch_add(&b->received, 1);
	pi = prio_index(r->priority);
	if (pi >= 0) {
		if (r->seq <= oc->last[pi])
			violation("box %u: priority %u: seq %" PRIu64 " received after seq %" PRIu64,
				  bi, r->priority, (uint64_t)r->seq, oc->last[pi]);
		oc->last[pi] = r->seq;
	}
}

/* One receive call on box @bi; returns the error (0 or -errno). */
static int owner_recv_once(unsigned int slot, uint32_t bi, int fd, void *buf,
			   uint32_t bufsize, uint32_t flags, uint64_t deadline,
			   struct order_check *oc)
{
	const struct transport *tp = pick_transport();
	struct slot *me = &sh->slots[slot];
	struct in_msg m[MAX_BATCH];
	unsigned int n = 1 + mt_rnd_below(tp->max_batch);
	int got;

	for (unsigned int i = 0; i < n; i++) {
		m[i].buf = (uint8_t *)buf + (size_t)i * boxes[bi].msg_size;
		m[i].cap = bufsize;
	}
	atomic_store(&me->in_recv_n, n);
	atomic_store(&me->in_recv_box, bi);
	got = tp->recv(fd, m, n, flags, deadline);
	for (int i = 0; i < got; i++)
		account_received(bi, &m[i], oc, NULL);
	atomic_store(&me->in_recv_box, 0);
	if (got >= 0)
		return 0;
	switch (got) {
	case -EAGAIN:
	case -ETIMEDOUT:
		break;
	case -EINTR:
		atomic_fetch_add(&me->n_eintr, 1);
		break;
	case -EMSGSIZE:
		atomic_fetch_add(&me->n_emsgsize, 1);
		if (m[0].r.msg_len <= bufsize)
			violation("box %u: -EMSGSIZE for a %u-byte message into %u bytes",
				  bi, m[0].r.msg_len, bufsize);
		break;
	default:
		violation("box %u: receive failed: %s", bi, strerror(-got));
	}
	return got;
}

static struct mbox_ring_seg_cons *ring_seg_cons(const struct ring_view *v, uint32_t seg)
{
	return (struct mbox_ring_seg_cons *)(void *)(v->cons + ((size_t)seg + 1) * v->page);
}

static void ring_seg_op(int fd, uint32_t seg, uint32_t op)
{
	struct mbox_ring_seg so = { .seg = seg, .op = op };
	int err = xioctl(fd, MBOX_IOC_RING_SEG, &so);

	if (err < 0)
		violation("MBOX_IOC_RING_SEG %u op %u: %s", seg, op, strerror(-err));
}

/*
 * Takes every committed message from every segment, as the ABI's consumer
 * protocol says (a plain scan: this tool checks the kernel, not the ready
 * set), and gives drained closed segments back; returns the slots taken.
 */
static unsigned int ring_drain(uint32_t bi, struct ring_view *v, int fd,
			       uint8_t *buf, uint64_t *ring_last)
{
	uint32_t room = v->slot_size - (uint32_t)sizeof(struct mbox_ring_slot);
	unsigned int n = 0;

	for (uint32_t s = 0; s < v->nsegs; s++) {
		const struct mbox_ring_seg_info *si = &v->ctrl->seg[s];
		uint32_t state = atomic_load_explicit(RING_U32(&si->state), memory_order_acquire);
		_Atomic uint32_t *headp = RING_U32(&ring_seg_cons(v, s)->head);
		uint8_t *sdata = v->data + (size_t)s * v->seg_data_size;

		if (state == MBOX_RING_SEG_FREE)
			continue;
		if (state == MBOX_RING_SEG_CUT) {
			violation("box %u: ring segment %u of a well-behaved sender was cut off",
				  bi, s);
			if (v->gen[s] != si->gen)
				ring_seg_op(fd, s, MBOX_RING_SEG_RELEASE);
			v->gen[s] = si->gen;
			continue;
		}
		if (v->gen[s] != si->gen)
			v->last[s] = 0;		/* a new producer */
		v->gen[s] = si->gen;
		for (;;) {
			uint32_t h = atomic_load_explicit(headp, memory_order_relaxed);
			struct mbox_ring_slot *sl = ring_slot(v, sdata, h);
			uint32_t sq = atomic_load_explicit(RING_U32(&sl->seq), memory_order_acquire);
			uint32_t len, type, fl;

			if (sq == h + 1 - v->nslots) {
				if (state == MBOX_RING_SEG_CLOSED)
					ring_seg_op(fd, s, MBOX_RING_SEG_RELEASE);
				break;		/* not committed yet */
			}
			if (sq != h + 1) {
				violation("box %u: ring segment %u slot %u has seq %u", bi, s, h, sq);
				break;
			}
			len = sl->len;
			type = sl->type;
			fl = sl->flags;
			if (len > room || (fl & ~(uint32_t)MBOX_RING_SLOT_FLAGS)) {
				violation("box %u: ring slot %u: len %u flags %#x", bi, h, len, fl);
			} else if (!(fl & MBOX_RING_SLOT_SKIP)) {
				struct in_msg m = { .buf = buf, .cap = room };

				memcpy(buf, sl + 1, len);
				m.r.msg_len = len;
				m.r.type = type;
				/* The kernel's word, checked against the payload. */
				m.r.sender_pid = si->pid;
				/*
				 * Order holds per segment, that is per handle: a
				 * sender that reopened the mailbox has a second
				 * segment, and the two are independent queues.
				 */
				if (len >= sizeof(struct payload)) {
					struct payload p;

					memcpy(&p, buf, sizeof(p));
					if (p.slot < MAX_PROCS) {
						ring_last[p.slot] = v->last[s];
						account_received(bi, &m, NULL, ring_last);
						v->last[s] = ring_last[p.slot];
					} else {
						account_received(bi, &m, NULL, ring_last);
					}
				} else {
					account_received(bi, &m, NULL, ring_last);
				}
			}
			atomic_store_explicit(headp, h + 1, memory_order_release);
			atomic_thread_fence(memory_order_seq_cst);
			if (atomic_load_explicit(RING_U32(&si->prod_wait), memory_order_relaxed) &&
			    ioctl(fd, MBOX_IOC_RING_WAKE, 0))
				violation("MBOX_IOC_RING_WAKE on the owner handle: %s",
					  strerror(errno));
			n++;
		}
	}
	return n;
}

static bool senders_inside(uint32_t bi)
{
	for (unsigned int s = opt.owners; s < opt.procs; s++)
		if (atomic_load(&sh->slots[s].fl_box) == bi)
			return true;
	return false;
}

/* Stops senders, takes every message they got in, and closes. */
static void owner_retire(unsigned int slot, uint32_t bi, int fd, void *buf,
			 struct order_check *oc, struct ring_view *rv, uint64_t *ring_last)
{
	struct box *b = &boxes[bi];
	uint64_t give_up = mt_now_ns() + STOP_GRACE_SEC * NSEC_PER_SEC;

	atomic_store(&b->closing, 1);
	for (;;) {
		/* Whoever was inside then has committed what it will commit. */
		bool busy = senders_inside(bi);

		/*
		 * A slot a killed sender reserved is never committed: the ring
		 * stops there, and producers waiting for room wait until the
		 * mailbox dies.  Close it as abandoned (its losses are counted).
		 */
		if (atomic_load(&b->ring_stalled)) {
			atomic_store(&b->fate, FATE_ABANDONED);
			ring_unmap(rv);
			close(fd);
			return;
		}
		unsigned int took = rv->mapped ? ring_drain(bi, rv, fd, buf, ring_last) : 0;
		int err = owner_recv_once(slot, bi, fd, buf, b->msg_size,
					  MBOX_MSG_NONBLOCK, 0, oc);

		if (err == -EAGAIN && !busy && !took)
			break;
		if (err == -EAGAIN)
			sleep_us(100);
		if (mt_now_ns() > give_up) {
			violation("box %u: senders still inside a send %d s after it began retiring",
				  bi, STOP_GRACE_SEC);
			break;
		}
	}
	atomic_store(&b->fate, FATE_RETIRED);
	ring_unmap(rv);		/* a mapping holds the handle open */
	close(fd);
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

static void owner_main(unsigned int slot)
{
	struct slot *me = &sh->slots[slot];
	int dev = dev_open();
	void *buf = malloc((size_t)MAX_BATCH * 4096);
	uint64_t *ring_last = malloc(MAX_PROCS * sizeof(*ring_last));

	if (!buf || !ring_last)
		mt_fatal("out of memory");
	while (!atomic_load(&sh->stop)) {
		static const uint32_t caps[] = { 1, 2, 3, 8, 64, 1000 };
		struct mbox_create c = { .mode = 0600, .fd_flags = O_CLOEXEC };
		struct order_check oc = { { 0 } };
		struct ring_view rv = { 0 };
		uint64_t until;
		unsigned int left;
		struct box *b;
		uint32_t bi;
		int fd;

		c.capacity_mode = mt_rnd_below(3);
		if (c.capacity_mode == MBOX_CAPACITY_BOUNDED)
			c.capacity = mt_chance(20) ? 1 + mt_rnd_below(4096) : caps[mt_rnd_below(6)];
		c.msg_size = (uint32_t)sizeof(struct payload) + mt_rnd_below(4096 - sizeof(struct payload) + 1);
		if (mt_chance(15))
			c.flags |= MBOX_CREATE_FIXED_SIZE;

		memset(ring_last, 0, MAX_PROCS * sizeof(*ring_last));
		bi = atomic_fetch_add(&sh->nboxes, 1) + 1;
		if (bi >= opt.max_boxes) {
			/* Out of bookkeeping space: idle until the end. */
			atomic_fetch_sub(&sh->nboxes, 1);
			while (!atomic_load(&sh->stop))
				sleep_us(10000);
			break;
		}
		b = &boxes[bi];
		b->cap_mode = c.capacity_mode;
		b->capacity = c.capacity;
		b->msg_size = c.msg_size;
		b->flags = c.flags;
		b->owner_slot = slot;
		atomic_store(&me->claimed_box, bi);
		fd = xioctl_fd(dev, MBOX_IOC_CREATE, &c);
		if (fd == -ENOBUFS) {
			/*
			 * The owners' mailboxes reserve their worst case from
			 * user_bytes_max (mbox(4), Accounting): a full budget
			 * refuses a create until another mailbox goes.
			 */
			atomic_fetch_add(&me->n_enobufs, 1);
			atomic_store(&me->claimed_box, 0);
			sleep_us(10000);
			continue;
		}
		if (fd < 0) {
			/* Never published: nothing was sent to it. */
			violation("create (mode %u cap %u size %u): %s", c.capacity_mode,
				  c.capacity, c.msg_size, strerror(-fd));
			atomic_store(&me->claimed_box, 0);
			sleep_us(10000);
			continue;
		}
		b->id = c.id;
		atomic_fetch_add(&sh->boxes_by_mode[c.capacity_mode], 1);
		b->ring_nslots = 0;
		if ((features & MBOX_FEAT_RING_SEG) && mt_chance(40)) {
			struct mbox_ring_setup rs = { .nsegs = 1 + mt_rnd_below(MBOX_RING_SEGS_MAX),
						      .nslots = 1u << mt_rnd_below(7) };
			int err;

			rs.slot_size = (uint32_t)sizeof(struct mbox_ring_slot) +
				       ((c.msg_size < 1024 ? c.msg_size : 1024) & ~7u);
			err = xioctl(fd, MBOX_IOC_RING_SETUP, &rs);
			if (err && err != -ENOBUFS && err != -EINTR)
				violation("MBOX_IOC_RING_SETUP %u x %u: %s", rs.nslots, rs.slot_size,
					  strerror(-err));
			if (!err) {
				err = ring_map(&rv, fd, true);
				if (err)
					violation("mapping a new ring: %s", strerror(-err));
			}
			if (!err) {
				b->ring_nslots = rv.nslots;
				b->ring_slot_size = rv.slot_size;
				atomic_fetch_add(&sh->rings, 1);
			}
		}
		atomic_store(&b->state, BOX_ALIVE);
		atomic_store(&me->cur_box, bi);

		left = 1 + mt_rnd_below(mt_chance(50) ? 50 : 3000);
		until = mt_now_ns() + (20 + mt_rnd_below(1500)) * NSEC_PER_MSEC;
		while (left && mt_now_ns() < until && !atomic_load(&sh->stop)) {
			uint32_t flags = 0, bufsize = c.msg_size;
			uint64_t deadline = 0;
			unsigned int r = mt_rnd_below(100);

			if (r < 80) {
				flags = MBOX_MSG_TIMEOUT;
				deadline = mt_now_ns() + (1 + mt_rnd_below(30)) * NSEC_PER_MSEC;
			} else if (r < 97) {
				flags = MBOX_MSG_NONBLOCK;
			} else {
				/* Too small for some messages: -EMSGSIZE, stays queued. */
				flags = MBOX_MSG_NONBLOCK;
				bufsize = mt_rnd_below(c.msg_size);
			}
			if (rv.mapped)
				left -= min_u(left, ring_drain(bi, &rv, fd, buf, ring_last));
			if (!owner_recv_once(slot, bi, fd, buf, bufsize, flags, deadline, &oc) && left)
				left--;
		}

		atomic_store(&me->cur_box, 0);
		if (!atomic_load(&sh->stop) && mt_chance(25)) {
			/* Abrupt: whatever is queued dies with the mailbox. */
			atomic_store(&b->fate, FATE_ABANDONED);
			ring_unmap(&rv);
			close(fd);
		} else {
			owner_retire(slot, bi, fd, buf, &oc, &rv, ring_last);
		}
		atomic_store(&me->claimed_box, 0);
	}
	exit(0);
}

/* ------------------------------------------------------------ senders */

struct cached_handle {
	uint32_t box;
	int fd;
	struct ring_view rv;	/* mapped when the mailbox has a ring */
};

static void drop_handle(struct cached_handle *h)
{
	ring_unmap(&h->rv);
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->box = 0;
}

static void sender_count_error(struct slot *me, int err)
{
	switch (err) {
	case -EAGAIN: atomic_fetch_add(&me->n_eagain, 1); break;
	case -ETIMEDOUT: atomic_fetch_add(&me->n_etimedout, 1); break;
	case -EINTR: atomic_fetch_add(&me->n_eintr, 1); break;
	case -ENOBUFS: atomic_fetch_add(&me->n_enobufs, 1); break;
	default: break;
	}
}

static void sender_main(unsigned int slot)
{
	struct slot *me = &sh->slots[slot];
	struct cached_handle *cache;
	uint8_t *bufs;
	int dev = dev_open();

	cache = calloc(opt.owners, sizeof(*cache));
	bufs = malloc((size_t)MAX_BATCH * 4096);
	if (!cache || !bufs)
		mt_fatal("out of memory");
	for (unsigned int i = 0; i < opt.owners; i++)
		cache[i].fd = -1;

	while (!atomic_load(&sh->stop)) {
		struct out_msg m[MAX_BATCH];
		unsigned int cell = mt_rnd_below(opt.owners), n, i;
		struct cached_handle *h = &cache[cell];
		const struct transport *tp;
		uint64_t lo, deadline = 0;
		uint32_t bi, flags = 0;
		bool via_ring;
		struct box *b;

		lo = atomic_load(&me->next_rec);
		if (lo + MAX_BATCH > opt.msgs) {
			sleep_us(10000);	/* out of records: idle */
			continue;
		}
		bi = atomic_load(&sh->slots[cell].cur_box);
		if (!bi) {
			sleep_us(200);
			continue;
		}
		b = &boxes[bi];
		if (h->box != bi || mt_chance(1)) {
			struct mbox_open o = { .id = b->id };
			int fd;

			drop_handle(h);
			o.fd_flags = O_CLOEXEC | (mt_chance(10) ? O_NONBLOCK : 0);
			atomic_fetch_add(&me->n_opens, 1);
			fd = xioctl_fd(dev, MBOX_IOC_OPEN, &o);
			if (fd == -ENOENT) {
				atomic_fetch_add(&me->n_open_enoent, 1);
				continue;
			}
			if (fd < 0) {
				violation("open box %u (id %" PRIu64 "): %s", bi, b->id, strerror(-fd));
				sleep_us(10000);
				continue;
			}
			if (o.id != b->id)
				violation("open box %u: asked for id %" PRIu64 ", got %" PRIu64,
					  bi, b->id, (uint64_t)o.id);
			h->fd = fd;
			h->box = bi;
			if (b->ring_nslots) {
				int err = ring_map(&h->rv, fd, false);

				/*
				 * -ENOSPC: more senders than segments; -ENODEV:
				 * the owner died and took the ring with it.
				 */
				if (err && err != -EPIPE && err != -ENOSPC && err != -ENODEV)
					violation("mapping the ring of box %u: %s", bi, strerror(-err));
			}
		}

		tp = pick_transport();
		via_ring = h->rv.mapped && mt_chance(50);
		n = via_ring ? 1 : 1 + mt_rnd_below(tp->max_batch);
		for (i = 0; i < n; i++) {
			uint32_t max = via_ring ? b->ring_slot_size - (uint32_t)sizeof(struct mbox_ring_slot) :
				       b->msg_size;
			uint32_t len = b->flags & MBOX_CREATE_FIXED_SIZE && !via_ring ? b->msg_size :
				(uint32_t)sizeof(struct payload) +
				mt_rnd_below(max - sizeof(struct payload) + 1);
			uint32_t prio = via_ring ? 0 : prios[mt_rnd_below(sizeof(prios) / sizeof(prios[0]))];
			struct rec *rec = rec_of(slot, lo + i);

			payload_fill(bufs + (size_t)i * 4096, len, slot, lo + i, bi, prio);
			m[i] = (struct out_msg){ .buf = bufs + (size_t)i * 4096, .len = len,
						 .prio = prio, .type = (uint32_t)(lo + i) };
			atomic_store(&rec->box, bi);
			atomic_store(&rec->via_ring, via_ring);
		}
		i = mt_rnd_below(100);
		if (i < 25) {
			flags = MBOX_MSG_TIMEOUT;
			deadline = mt_now_ns() + mt_rnd_below(20) * NSEC_PER_MSEC;
		} else if (i < 40) {
			flags = MBOX_MSG_NONBLOCK;
		}

		atomic_store(&me->next_rec, lo + n);
		atomic_store(&me->fl_lo, lo);
		atomic_store(&me->fl_hi, lo + n);
		atomic_store(&me->fl_ring, via_ring);
		atomic_store(&me->fl_box, bi);
		if (atomic_load(&b->closing)) {
			/* Retiring: its owner counts on nobody sending now. */
			for (i = 0; i < n; i++)
				atomic_store(&rec_of(slot, lo + i)->state, REC_SKIPPED);
			atomic_store(&me->fl_box, 0);
			continue;
		}
		for (i = 0; i < n; i++)
			atomic_store(&rec_of(slot, lo + i)->state, REC_INFLIGHT);

		if (via_ring) {
			m[0].err = ring_produce(&h->rv, h->fd, m[0].buf, m[0].len, m[0].type,
						flags, deadline);
			m[0].kseq = 0;
		} else {
			tp->send(h->fd, m, n, flags, deadline);
		}

		for (i = 0; i < n; i++) {
			struct rec *rec = rec_of(slot, lo + i);
			int err = m[i].err;

			if (!err) {
				atomic_store(&rec->kseq, (uint32_t)m[i].kseq);
				atomic_store(&rec->state, REC_OK);
				atomic_fetch_add(via_ring ? &b->ring_success : &b->success, 1);
				continue;
			}
			atomic_store(&rec->state, err == -EPIPE ? REC_EPIPE :
				     err == -ECANCELED ? REC_SKIPPED : REC_FAILED);
			switch (err) {
			case -EPIPE:
				atomic_fetch_add(&b->epipe, 1);
				break;
			case -EAGAIN:
			case -ETIMEDOUT:
			case -EINTR:
			case -ENOBUFS:
			case -ECANCELED:
				sender_count_error(me, err);
				break;
			default:
				violation("send to box %u (mode %u, size %u, len %u): %s",
					  bi, b->cap_mode, b->msg_size, m[i].len, strerror(-err));
			}
		}
		atomic_store(&me->fl_box, 0);
		if (m[n - 1].err == -EPIPE || mt_chance(2))
			drop_handle(h);
	}
	exit(0);
}

/* --------------------------------------------------------- supervisor */

static struct {
	uint64_t spawned;
	uint64_t owner_kills;
	uint64_t sender_kills;
	uint64_t sigusr1, sigusr2;
	uint64_t notices;
	int epfd;
	int dev;
	uint32_t watch_from;	/* boxes below are all settled */
} sv;

static int watch_fd[1 << 17];

static void spawn(unsigned int slot)
{
	struct slot *s = &sh->slots[slot];
	uint32_t gen = atomic_fetch_add(&s->gen, 1) + 1;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		mt_fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		child_setup(slot, gen, s->role);
		if (s->role == ROLE_OWNER)
			owner_main(slot);
		sender_main(slot);
	}
	atomic_store(&s->pid, pid);
	sv.spawned++;
}

static int slot_of_pid(pid_t pid)
{
	for (unsigned int i = 0; i < opt.procs; i++)
		if (atomic_load(&sh->slots[i].pid) == pid)
			return (int)i;
	return -1;
}

/* A child is gone: settle what it was in the middle of. */
static void settle_dead(unsigned int slot, int status)
{
	struct slot *s = &sh->slots[slot];
	uint32_t bi;

	atomic_store(&s->pid, 0);
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		violation("%s %u gen %u died unexpectedly (%s %d)",
			  s->role == ROLE_OWNER ? "owner" : "sender", slot,
			  atomic_load(&s->gen),
			  WIFSIGNALED(status) ? "signal" : "exit status",
			  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	if (s->role == ROLE_OWNER) {
		bi = atomic_load(&s->claimed_box);
		if (bi) {
			uint32_t none = FATE_NONE;

			atomic_compare_exchange_strong(&boxes[bi].fate, &none, FATE_KILLED);
		}
		bi = atomic_load(&s->in_recv_box);
		if (bi)
			atomic_fetch_add(&boxes[bi].recv_indoubt, atomic_load(&s->in_recv_n));
		atomic_store(&s->claimed_box, 0);
		atomic_store(&s->cur_box, 0);
		atomic_store(&s->in_recv_box, 0);
	} else {
		bi = atomic_load(&s->fl_box);
		if (bi) {
			for (uint64_t n = atomic_load(&s->fl_lo); n < atomic_load(&s->fl_hi); n++) {
				if (atomic_load(&rec_of(slot, n)->state) != REC_INFLIGHT)
					continue;
				/*
				 * Killed mid-send: through the ring, a slot it
				 * reserved but never committed is discarded when
				 * its handle closes, and stalls nothing.
				 */
				atomic_fetch_add(&boxes[bi].send_indoubt, 1);
			}
		}
		atomic_store(&s->fl_box, 0);
	}
}

static void reap(bool respawn)
{
	int status, slot;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		slot = slot_of_pid(pid);
		if (slot < 0)
			continue;
		settle_dead((unsigned int)slot, status);
		if (respawn)
			spawn((unsigned int)slot);
	}
}

/* Opens a watch on every newly published mailbox. */
static void watch_new_boxes(void)
{
	uint32_t n = atomic_load(&sh->nboxes);
	bool settled = true;

	for (uint32_t bi = sv.watch_from; bi <= n && bi < opt.max_boxes; bi++) {
		struct box *b = &boxes[bi];
		struct mbox_watch w = { 0 };
		struct mbox_open o = { 0 };
		struct epoll_event ev;
		int fd, err;

		if (b->watch != WATCH_NONE)
			goto next;
		if (atomic_load(&b->state) != BOX_ALIVE) {
			settled = false;
			continue;
		}
		o.id = b->id;
		o.fd_flags = O_CLOEXEC;
		fd = xioctl_fd(sv.dev, MBOX_IOC_OPEN, &o);
		if (fd == -ENOENT) {
			b->watch = WATCH_MISSED;
			goto next;
		}
		if (fd < 0)
			mt_fatal("supervisor: open box %u: %s", bi, strerror(-fd));
		err = xioctl(fd, MBOX_IOC_WATCH, &w);
		if (err)
			violation("MBOX_IOC_WATCH on box %u: %s", bi, strerror(-err));
		ev.events = EPOLLPRI;
		ev.data.u32 = bi;
		if (epoll_ctl(sv.epfd, EPOLL_CTL_ADD, fd, &ev))
			mt_fatal("epoll_ctl: %s", strerror(errno));
		watch_fd[bi] = fd;
		b->watch = WATCH_ARMED;
next:
		if (settled)
			sv.watch_from = bi + 1;
	}
}

static void read_notice(uint32_t bi)
{
	struct box *b = &boxes[bi];
	struct mbox_notice nt = { 0 };
	struct mbox_info info = { 0 };
	int fd = watch_fd[bi], err;

	err = xioctl(fd, MBOX_IOC_NOTICE, &nt);
	if (err == -EAGAIN)
		return;		/* not dead yet: a spurious wake-up */
	if (err)
		violation("MBOX_IOC_NOTICE on box %u: %s", bi, strerror(-err));
	else if (nt.id != b->id || nt.reason != MBOX_NOTICE_OWNER_GONE)
		violation("box %u: notice for id %" PRIu64 " reason %u", bi,
			  (uint64_t)nt.id, nt.reason);
	err = xioctl(fd, MBOX_IOC_INFO, &info);
	if (err)
		violation("MBOX_IOC_INFO on dead box %u: %s", bi, strerror(-err));
	else if (info.state != MBOX_STATE_DEAD || info.queued)
		violation("box %u after its notice: state %u, %u queued",
			  bi, info.state, info.queued);
	b->k_sent = info.sent;
	b->k_received = info.received;
	b->notice_reason = nt.reason;
	b->watch = WATCH_DONE;
	epoll_ctl(sv.epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	watch_fd[bi] = -1;
	sv.notices++;
}

static void pump_notices(int timeout_ms)
{
	struct epoll_event ev[64];
	int n = epoll_wait(sv.epfd, ev, 64, timeout_ms);

	for (int i = 0; i < n; i++)
		read_notice(ev[i].data.u32);
}

static pid_t random_live(unsigned int from, unsigned int to)
{
	for (int tries = 0; tries < 8 && to > from; tries++) {
		pid_t pid = atomic_load(&sh->slots[from + mt_rnd_below(to - from)].pid);

		if (pid > 0)
			return pid;
	}
	return 0;
}

/* Stops everyone; every process must end on its own within the grace. */
static void shutdown_all(void)
{
	uint64_t give_up = mt_now_ns() + STOP_GRACE_SEC * NSEC_PER_SEC;
	unsigned int alive;

	atomic_store(&sh->stop, 1);
	for (;;) {
		reap(false);
		watch_new_boxes();
		pump_notices(10);
		alive = 0;
		for (unsigned int i = 0; i < opt.procs; i++)
			alive += atomic_load(&sh->slots[i].pid) > 0;
		if (!alive)
			break;
		if (mt_now_ns() > give_up) {
			for (unsigned int i = 0; i < opt.procs; i++) {
				pid_t pid = atomic_load(&sh->slots[i].pid);
				char prefix[32];

				if (pid <= 0)
					continue;
				violation("slot %u pid %d did not stop within %d s (lost wake-up?)",
					  i, pid, STOP_GRACE_SEC);
				snprintf(prefix, sizeof(prefix), PROG ": slot %u", i);
				mt_print_kernel_stack(prefix, pid);
				kill(pid, SIGKILL);
			}
			give_up = UINT64_MAX;
		}
	}

	/* Every owner is gone: every mailbox must be dead and say so. */
	give_up = mt_now_ns() + NOTICE_GRACE_SEC * NSEC_PER_SEC;
	for (;;) {
		uint32_t pending = 0;

		watch_new_boxes();
		for (uint32_t bi = 1; bi <= atomic_load(&sh->nboxes) && bi < opt.max_boxes; bi++)
			pending += boxes[bi].watch == WATCH_ARMED;
		if (!pending)
			break;
		if (mt_now_ns() > give_up) {
			violation("%u mailbox(es) without a death notice %d s after their owners ended",
				  pending, NOTICE_GRACE_SEC);
			break;
		}
		pump_notices(50);
	}
}

/* ------------------------------------------------------------- audit */

struct totals {
	uint64_t attempted, ok, received, epipe, failed, skipped, indoubt;
	uint64_t ring_ok, ring_received, lost_ring_owner, lost_ring_stalled;
	uint64_t lost_killed, lost_abandoned, boxes_killed, boxes_abandoned, boxes_retired;
	uint64_t missed;
};

static void audit(struct totals *t)
{
	uint32_t nb = atomic_load(&sh->nboxes);

	if (nb >= opt.max_boxes)
		nb = opt.max_boxes - 1;
	for (unsigned int s = opt.owners; s < opt.procs; s++) {
		uint64_t used = atomic_load(&sh->slots[s].next_rec);

		for (uint64_t n = 0; n < used; n++) {
			struct rec *r = rec_of(s, n);
			uint8_t st = atomic_load(&r->state), rc = atomic_load(&r->rcount);
			uint32_t bi = atomic_load(&r->box);

			t->attempted += st != REC_SKIPPED && st != REC_UNUSED;
			switch (st) {
			case REC_OK:
				t->ok++;
				if (atomic_load(&r->via_ring)) {
					t->ring_ok++;
					if (!rc)
						boxes[bi].unreceived_ring++;
				} else if (!rc)
					boxes[bi].unreceived_ok++;
				else if (atomic_load(&r->kseq) != atomic_load(&r->rseq))
					violation("message %u/%" PRIu64 ": sender told seq %u, receiver %u",
						  s, n, atomic_load(&r->kseq), atomic_load(&r->rseq));
				break;
			case REC_INFLIGHT:
				t->indoubt++;
				break;
			case REC_EPIPE:
			case REC_FAILED:
			case REC_SKIPPED:
			case REC_UNUSED:
				if (st == REC_EPIPE)
					t->epipe++;
				else if (st == REC_FAILED)
					t->failed++;
				else
					t->skipped++;
				if (rc)
					violation("message %u/%" PRIu64 " (box %u) was received although its send %s",
						  s, n, bi, st == REC_EPIPE ? "returned -EPIPE" :
						  st == REC_FAILED ? "failed" : "was never made");
				break;
			}
		}
	}

	for (uint32_t bi = 1; bi <= nb; bi++) {
		struct box *b = &boxes[bi];
		uint64_t ok = atomic_load(&b->success), got = atomic_load(&b->received);
		uint64_t sind = atomic_load(&b->send_indoubt), rind = atomic_load(&b->recv_indoubt);
		uint64_t un = b->unreceived_ok, lost;
		uint32_t fate = atomic_load(&b->fate);

		if (atomic_load(&b->state) != BOX_ALIVE)
			continue;	/* never published */
		t->received += got + atomic_load(&b->ring_received);
		t->ring_received += atomic_load(&b->ring_received);
		if (b->unreceived_ring) {
			/* Ring messages die with the mailbox, or behind a stalled slot. */
			if (fate == FATE_RETIRED && !atomic_load(&b->ring_stalled))
				violation("box %u retired cleanly but %" PRIu64 " ring messages were never taken",
					  bi, b->unreceived_ring);
			else if (atomic_load(&b->ring_stalled))
				t->lost_ring_stalled += b->unreceived_ring;
			else
				t->lost_ring_owner += b->unreceived_ring;
		}
		if (fate == FATE_RETIRED)
			t->boxes_retired++;
		else if (fate == FATE_ABANDONED)
			t->boxes_abandoned++;
		else if (fate == FATE_KILLED)
			t->boxes_killed++;
		else
			violation("box %u: ended without a recorded fate", bi);

		if (b->cap_mode == MBOX_CAPACITY_ZERO && un > rind)
			violation("box %u (ZERO): %" PRIu64 " successful sends never received (%" PRIu64 " receives in doubt)",
				  bi, un, rind);
		if (fate == FATE_RETIRED && un > rind)
			violation("box %u (mode %u) retired cleanly but lost %" PRIu64 " successful sends",
				  bi, b->cap_mode, un);
		if (b->watch != WATCH_DONE) {
			t->missed++;
			continue;
		}
		if (b->k_sent < ok || b->k_sent > ok + sind)
			violation("box %u: kernel accepted %" PRIu64 ", senders were told %" PRIu64 " (+%" PRIu64 " in doubt)",
				  bi, b->k_sent, ok, sind);
		if (b->k_received < got || b->k_received > got + rind)
			violation("box %u: kernel delivered %" PRIu64 ", receivers recorded %" PRIu64 " (+%" PRIu64 " in doubt)",
				  bi, b->k_received, got, rind);
		if (b->k_received > b->k_sent) {
			violation("box %u: kernel delivered %" PRIu64 " of %" PRIu64 " accepted",
				  bi, b->k_received, b->k_sent);
			continue;
		}
		lost = b->k_sent - b->k_received;
		if (b->cap_mode == MBOX_CAPACITY_ZERO && lost)
			violation("box %u (ZERO): %" PRIu64 " accepted messages never delivered", bi, lost);
		if (b->cap_mode == MBOX_CAPACITY_BOUNDED && lost > b->capacity)
			violation("box %u (BOUNDED %u): %" PRIu64 " messages died queued", bi, b->capacity, lost);
		if (fate == FATE_RETIRED && lost)
			violation("box %u retired cleanly but %" PRIu64 " messages died queued", bi, lost);
		/* Unreceived successes are exactly the lost ones, up to the in-doubt calls. */
		if (un > lost + rind || un + sind < lost)
			violation("box %u: %" PRIu64 " successful sends unreceived, kernel lost %" PRIu64
				  " (in doubt: %" PRIu64 " sends, %" PRIu64 " receives)", bi, un, lost, sind, rind);
		if (fate == FATE_ABANDONED)
			t->lost_abandoned += lost;
		else
			t->lost_killed += lost;
	}
}

/* ------------------------------------------------------------- main */

static void usage(void)
{
	fprintf(stderr,
		"usage: " PROG " [-p PROCS] [-d SECONDS] [-s SEED] [-o OWNERS] [-k KILL_MS]\n"
		"                   [-g SIGNAL_MS] [-m MSGS] [-t TRANSPORT] [-K] [-v]\n"
		"  -p  processes besides the supervisor (default 64, at least 4)\n"
		"  -o  owners among them (default a quarter)\n"
		"  -d  seconds of traffic (default 10)\n"
		"  -s  seed (default: from the clock; printed)\n"
		"  -k  mean milliseconds between SIGKILLs (default 40, 0: none)\n"
		"  -g  mean milliseconds between SIGUSR1/SIGUSR2 (default 10, 0: none)\n"
		"  -m  message records per sender (default 1048576)\n"
		"  -t  transport: ioctl or batch (default: each call picks one the module has)\n"
		"  -K  kill only owners, never senders\n"
		"  -v  print per-process counters\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	int c;

	opt.seed = mt_now_ns() ^ ((uint64_t)getpid() << 32);
	while ((c = getopt(argc, argv, "p:o:d:s:k:g:m:t:Kvh")) != -1) {
		switch (c) {
		case 'p': opt.procs = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'o': opt.owners = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'd': opt.duration = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 's': opt.seed = strtoull(optarg, NULL, 0); break;
		case 'k': opt.kill_ms = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'g': opt.signal_ms = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'm': opt.msgs = strtoull(optarg, NULL, 0); break;
		case 't': opt.transport = optarg; break;
		case 'K': opt.kill_senders = false; break;
		case 'v': opt.verbose = true; break;
		default: usage();
		}
	}
	if (optind != argc || opt.procs < 4 || opt.procs > MAX_PROCS || opt.msgs < MAX_BATCH)
		usage();
	if (!opt.owners)
		opt.owners = opt.procs / 4;
	if (opt.owners < 1 || opt.owners >= opt.procs)
		usage();
}

static void *map_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		mt_fatal("mmap %zu bytes: %s", size, strerror(errno));
	return p;
}

int main(int argc, char **argv)
{
	uint64_t t0, end, next_kill, next_sig, now;
	struct mbox_version v = { 0 };
	struct totals t = { 0 };
	uint64_t eagain = 0, etimedout = 0, eintr = 0, enobufs = 0, emsgsize = 0;
	uint64_t opens = 0, enoent = 0, violations;
	char tp_names[64];
	sigset_t sigs;
	unsigned int i;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = map_shared(sizeof(*sh));
	boxes = map_shared((size_t)opt.max_boxes * sizeof(*boxes));
	recs = map_shared((size_t)opt.procs * opt.msgs * sizeof(*recs));
	for (i = 0; i < sizeof(watch_fd) / sizeof(watch_fd[0]); i++)
		watch_fd[i] = -1;

	sv.dev = open(MBOX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (sv.dev < 0)
		mt_fatal("open %s: %s (is the module loaded?)", MBOX_DEVICE_PATH, strerror(errno));
	if (xioctl(sv.dev, MBOX_IOC_VERSION, &v))
		mt_fatal("MBOX_IOC_VERSION: %s", strerror(errno));
	features = v.features;
	if (v.max_msg_size < 4096)
		mt_fatal("msg_size_max is %u; the stress test needs 4096", v.max_msg_size);
	for (i = 0; i < NR_TRANSPORTS; i++) {
		const struct transport *tp = &transports[i];

		if (opt.transport ? !strcmp(opt.transport, tp->name) :
		    (v.features & tp->feature) == tp->feature)
			use_tp[nr_use_tp++] = tp;
	}
	if (!nr_use_tp)
		mt_fatal("no transport '%s' (or the module lacks its feature)", opt.transport);
	tp_names[0] = 0;
	for (i = 0; i < nr_use_tp; i++)
		snprintf(tp_names + strlen(tp_names), sizeof(tp_names) - strlen(tp_names),
			 "%s%s", i ? "+" : "", use_tp[i]->name);
	/*
	 * 64 busy processes would starve the supervisor of the CPU it needs
	 * to kill, signal and watch on time (root only; harmless otherwise).
	 */
	setpriority(PRIO_PROCESS, 0, -10);
	/* Children unblock these once their handlers are installed. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sv.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sv.epfd < 0)
		mt_fatal("epoll_create1: %s", strerror(errno));
	sv.watch_from = 1;
	mt_rng_state = opt.seed;

	printf(PROG ": seed %#" PRIx64 " (rerun with -s %#" PRIx64 "), %u processes (%u owners, %u senders), %u s, transport %s, kill every ~%u ms (%s), signal every ~%u ms\n",
	       opt.seed, opt.seed, opt.procs, opt.owners, opt.procs - opt.owners,
	       opt.duration, tp_names, opt.kill_ms,
	       opt.kill_senders ? "owners and senders" : "owners only", opt.signal_ms);

	for (i = 0; i < opt.procs; i++)
		sh->slots[i].role = i < opt.owners ? ROLE_OWNER : ROLE_SENDER;
	for (i = 0; i < opt.procs; i++)
		spawn(i);

	t0 = mt_now_ns();
	end = t0 + (uint64_t)opt.duration * NSEC_PER_SEC;
	next_kill = opt.kill_ms ? t0 + mt_rnd_below(2 * opt.kill_ms) * NSEC_PER_MSEC : UINT64_MAX;
	next_sig = opt.signal_ms ? t0 + mt_rnd_below(2 * opt.signal_ms) * NSEC_PER_MSEC : UINT64_MAX;
	while ((now = mt_now_ns()) < end) {
		uint64_t next = next_kill < next_sig ? next_kill : next_sig;
		int wait_ms = next > now ? (int)((next - now) / NSEC_PER_MSEC) : 0;

		reap(true);
		watch_new_boxes();
		pump_notices(wait_ms > 20 ? 20 : wait_ms);
		now = mt_now_ns();
		if (now >= next_kill) {
			bool owner = !opt.kill_senders || mt_chance(75);
			pid_t pid = owner ? random_live(0, opt.owners) :
					    random_live(opt.owners, opt.procs);

			if (pid > 0 && !kill(pid, SIGKILL)) {
				if (owner)
					sv.owner_kills++;
				else
					sv.sender_kills++;
			}
			next_kill = now + (1 + mt_rnd_below(2 * opt.kill_ms)) * NSEC_PER_MSEC;
		}
		if (now >= next_sig) {
			pid_t pid = random_live(0, opt.procs);
			bool restart = mt_chance(50);

			if (pid > 0 && !kill(pid, restart ? SIGUSR2 : SIGUSR1)) {
				if (restart)
					sv.sigusr2++;
				else
					sv.sigusr1++;
			}
			next_sig = now + (1 + mt_rnd_below(2 * opt.signal_ms)) * NSEC_PER_MSEC;
		}
	}
	shutdown_all();
	audit(&t);

	for (i = 0; i < opt.procs; i++) {
		struct slot *s = &sh->slots[i];

		eagain += s->n_eagain;
		etimedout += s->n_etimedout;
		eintr += s->n_eintr;
		enobufs += s->n_enobufs;
		emsgsize += s->n_emsgsize;
		opens += s->n_opens;
		enoent += s->n_open_enoent;
		if (opt.verbose)
			printf(PROG ": slot %u (%s): gen %u, records %" PRIu64 ", EINTR %" PRIu64 "\n",
			       i, s->role == ROLE_OWNER ? "owner" : "sender",
			       atomic_load(&s->gen), atomic_load(&s->next_rec), atomic_load(&s->n_eintr));
	}
	violations = atomic_load(&sh->rep.violations);

	printf(PROG ": processes: %u at a time, %" PRIu64 " started in all\n", opt.procs, sv.spawned);
	printf(PROG ": mailboxes: %" PRIu64 " (zero %" PRIu64 ", bounded %" PRIu64 ", unbounded %" PRIu64 "); retired %" PRIu64 ", abandoned %" PRIu64 ", owner killed %" PRIu64 "; death notices %" PRIu64 " (%" PRIu64 " died before they could be watched)\n",
	       sh->boxes_by_mode[0] + sh->boxes_by_mode[1] + sh->boxes_by_mode[2],
	       sh->boxes_by_mode[0], sh->boxes_by_mode[1], sh->boxes_by_mode[2],
	       t.boxes_retired, t.boxes_abandoned, t.boxes_killed, sv.notices, t.missed);
	printf(PROG ": messages: %" PRIu64 " sends attempted, %" PRIu64 " succeeded, %" PRIu64 " received; %" PRIu64 " lost with killed owners, %" PRIu64 " with abandoned mailboxes; %" PRIu64 " senders told -EPIPE; %" PRIu64 " other failures (EAGAIN %" PRIu64 ", ETIMEDOUT %" PRIu64 ", EINTR %" PRIu64 ", ENOBUFS %" PRIu64 "); %" PRIu64 " in doubt (sender killed in the call)\n",
	       t.attempted, t.ok, t.received, t.lost_killed, t.lost_abandoned,
	       t.epipe, t.failed, eagain, etimedout, eintr, enobufs, t.indoubt);
	printf(PROG ": shared rings: %" PRIu64 " mailboxes; %" PRIu64 " messages committed, %" PRIu64 " taken, %" PRIu64 " lost with their owner, %" PRIu64 " behind a slot a killed sender never committed\n",
	       (uint64_t)atomic_load(&sh->rings), t.ring_ok, t.ring_received,
	       t.lost_ring_owner, t.lost_ring_stalled);
	printf(PROG ": receive -EMSGSIZE %" PRIu64 "; opens %" PRIu64 " (%" PRIu64 " -ENOENT)\n",
	       emsgsize, opens, enoent);
	printf(PROG ": deaths: %" PRIu64 " owners and %" PRIu64 " senders SIGKILLed; signals delivered: %" PRIu64 " SIGUSR1 (interrupting), %" PRIu64 " SIGUSR2 (restarting), %" PRIu64 " handled\n",
	       sv.owner_kills, sv.sender_kills, sv.sigusr1, sv.sigusr2,
	       (uint64_t)atomic_load(&sh->signals_seen));
	if (violations) {
		printf(PROG ": FAIL: %" PRIu64 " violation(s), seed %#" PRIx64 "; the first ones:\n",
		       violations, opt.seed);
		mt_reports_print(&sh->rep, PROG);
		return 1;
	}
	if (!t.ok || !t.received)
		printf(PROG ": WARNING: no traffic got through\n");
	printf(PROG ": PASS (seed %#" PRIx64 ")\n", opt.seed);
	return t.ok && t.received ? 0 : 1;
}
