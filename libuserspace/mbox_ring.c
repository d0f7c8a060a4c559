// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmbox shared ring: mapping, and the paths that need a system call or
 * look beyond the current segment (sleeping, waking, switching segments,
 * reporting corruption).  The fast paths are inline in mbox_ring.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "mbox_ring.h"
#include "mbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000ULL

/* Keep errno as the caller had it: the return value is the only channel. */
static int ioctl_err(int fd, unsigned long cmd, void *arg)
{
	int saved = errno;
	int ret = ioctl(fd, cmd, arg);

	if (ret < 0)
		ret = -errno;
	errno = saved;
	return ret;
}

int mbox_ring_setup(int owner_fd, uint32_t nsegs, uint32_t nslots,
		    uint32_t slot_size)
{
	struct mbox_ring_setup s;

	memset(&s, 0, sizeof(s));
	s.nsegs = nsegs;
	s.nslots = nslots;
	s.slot_size = slot_size;
	return ioctl_err(owner_fd, MBOX_IOC_RING_SETUP, &s);
}

int mbox_ring_teardown(int owner_fd)
{
	return ioctl_err(owner_fd, MBOX_IOC_RING_TEARDOWN, NULL);
}

int mbox_ring_info(int fd, struct mbox_ring_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl_err(fd, MBOX_IOC_RING_INFO, info);
}

static int ring_seg_op(struct mbox_ring *r, uint32_t seg, uint32_t op)
{
	struct mbox_ring_seg s;

	memset(&s, 0, sizeof(s));
	s.seg = seg;
	s.op = op;
	return ioctl_err(r->fd, MBOX_IOC_RING_SEG, &s);
}

static void *map_part(int fd, size_t len, int writable, uint64_t off)
{
	return mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0),
		    MAP_SHARED, fd, (off_t)off);
}

static void unmap_all(struct mbox_ring *r)
{
	const void *part[3];
	int i;

	part[0] = r->owner ? (const void *)r->ctrl : (const void *)r->scons;
	part[1] = r->owner ? (const void *)r->cons : NULL;
	part[2] = r->owner ? (const void *)r->data : (const void *)r->sdata;
	for (i = 0; i < 3; i++)
		if (part[i])
			munmap((void *)part[i], r->len[i]);
	free(r->segl);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/* Consumer: @seg becomes the segment the fast paths take from. */
static void set_cur(struct mbox_ring *r, uint32_t seg)
{
	r->cur = seg;
	r->cl = &r->segl[seg];
	r->cslots = (const unsigned char *)mbox_ring_cslot_(r, seg, 0);
	r->chead = &mbox_ring_ccons_(r, seg)->head;
	r->cwait = &r->ctrl->seg[seg].prod_wait;
	r->ctail = &((const struct mbox_ring_seg_data *)(const void *)
		     (r->data + (size_t)seg * r->seg_data_size))->tail;
}

static int map_consumer(struct mbox_ring *r, const struct mbox_ring_info *in)
{
	void *p;

	r->segl = calloc(in->nsegs, sizeof(*r->segl));
	if (!r->segl)
		return -1;
	r->len[0] = in->ctrl_size;
	p = map_part(r->fd, r->len[0], 0, MBOX_RING_OFF_CTRL);
	if (p == MAP_FAILED)
		return -1;
	r->ctrl = p;
	r->len[1] = in->cons_size;
	p = map_part(r->fd, r->len[1], 1, MBOX_RING_OFF_CONS);
	if (p == MAP_FAILED)
		return -1;
	r->cons = p;
	r->len[2] = in->data_size;
	p = map_part(r->fd, r->len[2], 0, MBOX_RING_OFF_DATA);
	if (p == MAP_FAILED)
		return -1;
	r->data = p;
	/* Every segment's view is synchronised at its first visit. */
	for (uint32_t i = 0; i < in->nsegs; i++)
		r->segl[i].gen = UINT32_MAX;
	set_cur(r, 0);
	return 0;
}

static int map_producer(struct mbox_ring *r, struct mbox_ring_info *in)
{
	void *p;
	int seg;

	seg = ioctl(r->fd, MBOX_IOC_RING_ATTACH, 0);
	if (seg < 0)
		return -1;
	r->seg = seg;
	r->len[0] = r->page;
	p = map_part(r->fd, r->len[0], 0, MBOX_RING_OFF_SEG_CONS);
	if (p == MAP_FAILED)
		return -1;
	r->scons = p;
	r->len[2] = in->seg_data_size;
	p = map_part(r->fd, r->len[2], 1, MBOX_RING_OFF_SEG_DATA);
	if (p == MAP_FAILED)
		return -1;
	r->sdata = p;
	r->phead = MBOX_RING_LOAD(&r->scons->head, memory_order_acquire);
	return 0;
}

int mbox_ring_map(struct mbox_ring *r, int fd)
{
	int saved = errno;
	struct mbox_ring_info in;
	struct mbox_info info;
	int err;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	err = ioctl_err(fd, MBOX_IOC_INFO, &info);
	if (err)
		return err;
	r->owner = info.role == MBOX_ROLE_OWNER;
	err = mbox_ring_info(fd, &in);
	if (err)
		return err;
	if (!in.nsegs) {
		/* A destroyed mailbox has no ring any more: say why. */
		if (!ioctl_err(fd, MBOX_IOC_INFO, &info) &&
		    info.state == MBOX_STATE_DEAD)
			return -EPIPE;
		return -ENODEV;
	}
	r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (r->fd < 0)
		goto fail;
	r->page = (uint32_t)sysconf(_SC_PAGESIZE);
	r->nsegs = in.nsegs;
	r->nslots = in.nslots;
	r->slot_size = in.slot_size;
	r->payload_max = in.slot_size - (uint32_t)sizeof(struct mbox_ring_slot);
	r->seg_data_size = in.seg_data_size;
	r->slots_offset = in.slots_offset;
	r->seg = -1;
	if ((r->owner ? map_consumer(r, &in) : map_producer(r, &in)) < 0)
		goto fail;
	errno = saved;
	return 0;

fail:
	err = -errno;
	unmap_all(r);
	errno = saved;
	return err;
}

int mbox_ring_unmap(struct mbox_ring *r)
{
	int saved = errno;

	unmap_all(r);
	errno = saved;
	return 0;
}

int mbox_ring_wait(struct mbox_ring *r, const struct timespec *abs_monotonic,
		   int nonblock)
{
	struct mbox_ring_wait w;

	memset(&w, 0, sizeof(w));
	if (nonblock)
		w.flags |= MBOX_MSG_NONBLOCK;
	if (abs_monotonic) {
		uint64_t sec = (uint64_t)abs_monotonic->tv_sec;

		if (abs_monotonic->tv_sec < 0 || abs_monotonic->tv_nsec < 0 ||
		    (uint64_t)abs_monotonic->tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
		/* Beyond the kernel's range means "no deadline". */
		if (sec < (uint64_t)INT64_MAX / NSEC_PER_SEC - 1) {
			w.flags |= MBOX_MSG_TIMEOUT;
			w.timeout_ns = sec * NSEC_PER_SEC +
				       (uint64_t)abs_monotonic->tv_nsec;
		}
	}
	return ioctl_err(r->fd, MBOX_IOC_RING_WAIT, &w);
}

int mbox_ring_arm(struct mbox_ring *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLWRBAND };
	int saved = errno, n;

	if (r->owner)
		return mbox_ring_wait(r, NULL, 1);
	/*
	 * Only ->poll() raises a producer's lasting wake-up request (a
	 * waiter's lasts while it sleeps); a zero timeout never blocks.
	 */
	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	n = n < 0 ? -errno : n ? 0 : -EAGAIN;
	errno = saved;
	/* Room, or a state the fast path reports itself. */
	return n;
}

int mbox_ring_wake(struct mbox_ring *r)
{
	return ioctl_err(r->fd, MBOX_IOC_RING_WAKE, NULL);
}

/*
 * Producer: the fast path saw impossible indices in its own segment.  A
 * non-blocking wait lets the kernel judge (and cut the segment off if it
 * agrees); the caller fails with -EBADMSG either way.
 */
void mbox_ring_corrupt_(struct mbox_ring *r)
{
	mbox_ring_wait(r, NULL, 1);
}

/* Consumer: the kernel's word for the ring as a whole. */
static int ring_state(const struct mbox_ring *r)
{
	uint32_t flags = MBOX_RING_LOAD(&r->ctrl->flags, memory_order_relaxed);

	if (flags & MBOX_RING_DEAD)
		return -EPIPE;
	if (flags & MBOX_RING_GONE)
		return -ECONNRESET;
	return 0;
}

/*
 * Brings the consumer's view of @seg up to date with CTRL.  Returns the
 * segment's state; a new producer in it starts the view from its head.
 */
static uint32_t seg_sync(struct mbox_ring *r, uint32_t seg)
{
	const struct mbox_ring_seg_info *si = &r->ctrl->seg[seg];
	struct mbox_ring_segl *l = &r->segl[seg];
	uint32_t state = MBOX_RING_LOAD(&si->state, memory_order_acquire);
	uint32_t gen = MBOX_RING_LOAD(&si->gen, memory_order_relaxed);

	if (gen != l->gen && state != MBOX_RING_SEG_FREE) {
		l->gen = gen;
		l->head = MBOX_RING_LOAD(&mbox_ring_ccons_(r, seg)->head,
					 memory_order_relaxed);
		l->pid = si->pid;
		l->uid = si->uid;
		l->released = 0;
	}
	return state;
}

/* Gives a CLOSED or CUT segment back, once per producer. */
static void seg_give_back(struct mbox_ring *r, uint32_t seg)
{
	if (r->segl[seg].released)
		return;
	r->segl[seg].released = 1;
	ring_seg_op(r, seg, MBOX_RING_SEG_RELEASE);
}

/*
 * Looks at @seg on the slow path: 0 with @m filled, -EAGAIN (nothing
 * there now), 1 (dropped from the busy set), -EBADMSG (a bad record,
 * dropped and reported).
 */
static int seg_visit(struct mbox_ring *r, uint32_t seg,
		     struct mbox_ring_msg *m)
{
	struct mbox_ring_seg_cons *c = mbox_ring_ccons_(r, seg);
	struct mbox_ring_segl *l = &r->segl[seg];
	const struct mbox_ring_slot *s;
	uint32_t state = seg_sync(r, seg), seq, len, flags;
	unsigned int tries;

	if (state == MBOX_RING_SEG_FREE)
		return 1;
	if (state == MBOX_RING_SEG_CUT) {
		seg_give_back(r, seg);
		return 1;
	}
	set_cur(r, seg);
	for (tries = 0;; tries++) {
		r->burst = 0;
		if (!mbox_ring_take_(r, m)) {
			/* Busy: its producer need not wake us. */
			if (MBOX_RING_LOAD(&c->need_wake, memory_order_relaxed))
				MBOX_RING_STORE(&c->need_wake, 0,
						memory_order_relaxed);
			return 0;
		}
		s = mbox_ring_cslot_(r, seg, l->head);
		seq = MBOX_RING_LOAD(&s->seq, memory_order_acquire);
		if (seq != l->head + 1)
			break;
		len = MBOX_RING_LOAD(&s->len, memory_order_relaxed);
		flags = MBOX_RING_LOAD(&s->flags, memory_order_relaxed);
		if (flags & ~MBOX_RING_SLOT_FLAGS || len > r->payload_max) {
			/* A bad record: the kernel judges, it is dropped. */
			ring_seg_op(r, seg, MBOX_RING_SEG_CHECK);
			mbox_ring_release(r);
			return -EBADMSG;
		}
		/*
		 * A good record committed after the fast path looked, or a
		 * state change: look again, then leave it to the next call.
		 */
		if (tries == 2)
			return -EAGAIN;
	}
	if (seq != l->head + 1 - r->nslots) {
		/* Impossible indices: cut off if the kernel agrees. */
		if (ring_seg_op(r, seg, MBOX_RING_SEG_CHECK) == 1) {
			seg_give_back(r, seg);
			return 1;
		}
		return -EAGAIN;
	}
	/* Empty. */
	if (state == MBOX_RING_SEG_CLOSED) {
		seg_give_back(r, seg);
		return 1;
	}
	/*
	 * Dropped from the busy set only once the kernel has armed it (we
	 * slept or polled since): then a commit puts it in the ready set.
	 */
	if (MBOX_RING_LOAD(&c->need_wake, memory_order_relaxed))
		return 1;
	return -EAGAIN;
}

int mbox_ring_next_(struct mbox_ring *r, struct mbox_ring_msg *m)
{
	_Atomic uint64_t *ready = (_Atomic uint64_t *)(void *)r->cons;
	uint64_t todo, later;
	uint32_t pos = r->cur, seg;
	int err, bad = 0;

	err = ring_state(r);
	if (err)
		return err;
	if (atomic_load_explicit(ready, memory_order_relaxed))
		r->active |= atomic_exchange_explicit(ready, 0,
						      memory_order_acquire);
	/* CONS is writable here: never a bit beyond the last segment. */
	if (r->nsegs < 64)
		r->active &= (UINT64_C(1) << r->nsegs) - 1;
	/*
	 * Round robin over the busy segments only, starting after the current
	 * one and coming back to it last.
	 */
	for (todo = r->active; todo; pos = seg) {
		later = pos >= 63 ? 0 : todo & (~UINT64_C(0) << (pos + 1));
		seg = (uint32_t)__builtin_ctzll(later ? later : todo);
		todo &= ~(UINT64_C(1) << seg);
		err = seg_visit(r, seg, m);
		if (err == 0)
			return 0;
		if (err == 1)
			r->active &= ~(UINT64_C(1) << seg);
		else if (err == -EBADMSG)
			bad = 1;
	}
	return bad ? -EBADMSG : -EAGAIN;
}

int mbox_ring_send_timed(struct mbox_ring *r, const void *buf, uint32_t len,
			 uint32_t type, const struct timespec *abs_monotonic)
{
	int err;

	for (;;) {
		err = mbox_ring_send_nb(r, buf, len, type);
		if (err != -EAGAIN)
			return err;
		err = mbox_ring_wait(r, abs_monotonic, 0);
		if (err)
			return err;
	}
}

int mbox_ring_send(struct mbox_ring *r, const void *buf, uint32_t len,
		   uint32_t type)
{
	return mbox_ring_send_timed(r, buf, len, type, NULL);
}

ssize_t mbox_ring_recvmsg(struct mbox_ring *r, void *buf, size_t size,
			  struct mbox_ring_msg *m,
			  const struct timespec *abs_monotonic)
{
	struct mbox_ring_msg msg;
	int err;

	for (;;) {
		err = mbox_ring_peek(r, &msg);
		if (!err)
			break;
		if (err != -EAGAIN)
			return err;
		err = mbox_ring_wait(r, abs_monotonic, 0);
		if (err)
			return err;
	}
	if (msg.len > size)
		return -EMSGSIZE;
	memcpy(buf, msg.buf, msg.len);
	if (m) {
		*m = msg;
		m->buf = NULL;
	}
	mbox_ring_release(r);
	return (ssize_t)msg.len;
}

ssize_t mbox_ring_recv_timed(struct mbox_ring *r, void *buf, size_t size,
			     uint32_t *type,
			     const struct timespec *abs_monotonic)
{
	struct mbox_ring_msg m;
	ssize_t n = mbox_ring_recvmsg(r, buf, size, &m, abs_monotonic);

	if (n >= 0 && type)
		*type = m.type;
	return n;
}

ssize_t mbox_ring_recv(struct mbox_ring *r, void *buf, size_t size,
		       uint32_t *type)
{
	return mbox_ring_recv_timed(r, buf, size, type, NULL);
}
