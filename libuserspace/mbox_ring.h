/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmbox shared ring - messages with no system call while the ring is
 * neither empty nor full.  The protocol (segments, ready set, memory
 * orders, who may write what) is documented in <linux/mbox.h>, DOC: Shared
 * ring; this header implements it.  C11 only (it uses <stdatomic.h>).
 *
 * Every producer (a user handle) writes into its own segment only; the
 * consumer (the owner handle) takes messages from all segments, staying on
 * one segment for up to MBOX_RING_BURST messages before it looks at the
 * others and at the segment's state in CTRL again (so it stops taking
 * from a segment the kernel cut off within that many messages).  The fast paths - mbox_ring_reserve(), _commit(), _send_nb(),
 * _peek(), _release(), _recv_nb() - are static inline: a few loads, one
 * compare-and-swap or store, one fence.  They call into the library to
 * wake a sleeping side, to switch segments, or to report corruption.
 * Errors follow libmbox: >= 0 on success, -errno on failure, errno kept.
 *   -EAGAIN     producer: its segment is full; consumer: nothing to take.
 *   -EPIPE      the mailbox was destroyed.
 *   -ECONNRESET the ring was torn down (unmap; map again after a new
 *               set-up).
 *   -EBADMSG    producer: its segment was cut off as corrupt (permanent
 *               for this handle).  Consumer: one bad record was dropped and
 *               its producer reported (the next call goes on).
 *   -EMSGSIZE   the message does not fit (it stays in the ring).
 * Threads: producer calls on one struct mbox_ring may run concurrently
 * from any number of threads.  Consumer calls (peek, release, recv) must be
 * serialised by the caller: the ring has one consumer.
 * Epoll: the owner handle polls readable when a segment has work (polling
 * arms every segment); user handles poll EPOLLWRBAND when their segment
 * has room.  With EPOLLET, consume (or send) until -EAGAIN, then call
 * mbox_ring_arm() before waiting again: -EAGAIN does not arm anything by
 * itself (a polling consumer keeps its busy segments unarmed, so that
 * their producers make no system call), and epoll does not poll an
 * edge-triggered handle again before it sleeps.
 */
#ifndef LIBMBOX_MBOX_RING_H
#define LIBMBOX_MBOX_RING_H

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "linux/mbox.h"	/* <mbox/linux/mbox.h> once installed */

/* The shared words are plain __u32/__u64 in the uapi; access them as atomics. */
_Static_assert(sizeof(_Atomic uint32_t) == sizeof(__u32),
	       "atomic u32 must have the size of __u32");
_Static_assert(sizeof(_Atomic uint64_t) == sizeof(__u64),
	       "atomic u64 must have the size of __u64");
#define MBOX_RING_ATOMIC(p)	((_Atomic uint32_t *)(void *)(p))
#define MBOX_RING_LOAD(p, mo)	atomic_load_explicit(MBOX_RING_ATOMIC(p), mo)
#define MBOX_RING_STORE(p, v, mo) atomic_store_explicit(MBOX_RING_ATOMIC(p), v, mo)

/* How often a producer re-reads an index that looks behind the other one. */
#define MBOX_RING_RACES		1024
/* Messages the consumer takes from one segment before it looks elsewhere. */
#define MBOX_RING_BURST		32

/**
 * struct mbox_ring_segl - the consumer's own view of one segment
 * @head: the next slot to take.
 * @gen: &mbox_ring_seg_info.gen this view belongs to.
 * @pid: the producer, as the kernel recorded it.
 * @uid: the producer's effective uid.
 * @released: the segment was given back to the kernel.
 */
struct mbox_ring_segl {
	uint32_t head;
	uint32_t gen;
	int32_t pid;
	uint32_t uid;
	uint32_t released;
};

/**
 * struct mbox_ring - one side's view of a mailbox's ring (mbox_ring_map())
 * @fd: the library's own duplicate of the handle (for waits and wakes).
 * @owner: 1 on the consumer side (owner handle), 0 on the producer side.
 * @nsegs: segments.
 * @nslots: slots per segment (a power of two).
 * @payload_max: largest message, slot_size - sizeof(struct mbox_ring_slot).
 * @slot_size: bytes per slot.
 * @seg_data_size: bytes of one segment's data.
 * @slots_offset: offset of slot 0 in a segment's data.
 * @page: the page size (CONS has one page per segment).
 * @seg: producer side: its segment.
 * @phead: producer side: the consumer's head as last loaded (acquire);
 *	head only grows, so an old value only understates the room, and the
 *	shared head (a line the consumer writes per message) is loaded only
 *	when this one says full.  Shared by the producer's threads: atomic.
 * @scons: producer side: its segment's consumer page (read-only).
 * @sdata: producer side: its segment's data (writable).
 * @ctrl: consumer side: CTRL (read-only).
 * @cons: consumer side: CONS (the ready set, then a page per segment).
 * @data: consumer side: DATA (read-only).
 * @cur: consumer side: the segment it is taking from.
 * @cl: consumer side: &@segl[@cur].
 * @cslots: consumer side: slot 0 of segment @cur.
 * @chead: consumer side: @cur's &mbox_ring_seg_cons.head.
 * @cwait: consumer side: @cur's &mbox_ring_seg_info.prod_wait.
 * @ctail: consumer side: @cur's &mbox_ring_seg_data.tail.
 * @burst: consumer side: messages taken from @cur in a row.
 * @active: consumer side: segments it believes busy.
 * @segl: consumer side: its view of each segment.
 * @len: mapped lengths of the parts, for unmapping (CTRL or SEG_CONS,
 *	CONS, DATA or SEG_DATA).
 */
struct mbox_ring {
	int fd;
	int owner;
	uint32_t nsegs;
	uint32_t nslots;
	uint32_t payload_max;
	uint32_t slot_size;
	uint32_t seg_data_size;
	uint32_t slots_offset;
	uint32_t page;
	int32_t seg;
	uint32_t phead;
	const struct mbox_ring_seg_cons *scons;
	struct mbox_ring_seg_data *sdata;
	const struct mbox_ring_ctrl *ctrl;
	unsigned char *cons;
	const unsigned char *data;
	uint32_t cur;
	uint32_t burst;
	uint64_t active;
	struct mbox_ring_segl *segl;
	struct mbox_ring_segl *cl;
	const unsigned char *cslots;
	uint32_t *chead;
	const uint32_t *cwait;
	const uint32_t *ctail;
	size_t len[3];
};

/**
 * struct mbox_ring_res - a reserved slot (producer, zero-copy)
 * @buf: where to write the payload, @room bytes.
 * @room: the payload room, &mbox_ring.payload_max.
 * @slot: the slot's header.
 * @index: the slot's index (reservation order).
 */
struct mbox_ring_res {
	void *buf;
	uint32_t room;
	struct mbox_ring_slot *slot;
	uint32_t index;
};

/**
 * struct mbox_ring_msg - the message being taken (consumer, zero-copy)
 * @buf: the payload in the ring; valid until mbox_ring_release().  A
 *	hostile producer could change it while you read: copy first.
 * @len: payload length (checked: at most &mbox_ring.payload_max).
 * @type: the producer's type tag (unchecked).
 * @seg: the segment it came from.
 * @pid: the sender (thread-group id in the owner's pid namespace), as the
 *	kernel recorded it when the sender attached the segment.
 * @uid: the sender's effective uid, likewise.
 */
struct mbox_ring_msg {
	const void *buf;
	uint32_t len;
	uint32_t type;
	uint32_t seg;
	int32_t pid;
	uint32_t uid;
};

/**
 * mbox_ring_setup() - give a mailbox its ring (MBOX_IOC_RING_SETUP)
 * @owner_fd: the owner handle.
 * @nsegs: producer segments, 1 to MBOX_RING_SEGS_MAX.
 * @nslots: slots per segment, a power of two, 1 to MBOX_RING_SLOTS_MAX.
 * @slot_size: a multiple of 8, at least MBOX_RING_SLOT_SIZE_MIN; the
 *	payload room (@slot_size - 16) at most the mailbox's msg_size.
 * Return: 0, or -EPERM, -EBUSY, -EINVAL, -ENOBUFS, -ENOMEM, -EPIPE,
 * -EFAULT, -EINTR.
 */
int mbox_ring_setup(int owner_fd, uint32_t nsegs, uint32_t nslots,
		    uint32_t slot_size);

/**
 * mbox_ring_teardown() - remove the ring (MBOX_IOC_RING_TEARDOWN)
 * Every mapping of it, in every process, goes stale.
 * Return: 0, or -EPERM, -ENODEV.
 */
int mbox_ring_teardown(int owner_fd);

/**
 * mbox_ring_info() - MBOX_IOC_RING_INFO
 * Return: 0, or -errno.
 */
int mbox_ring_info(int fd, struct mbox_ring_info *info);

/**
 * mbox_ring_map() - map a mailbox's ring through a handle
 * @r: filled in.
 * @fd: an owner handle (consumer side) or a user handle (producer side;
 *	it attaches a segment first).  The library keeps a duplicate: @fd
 *	may be closed afterwards, the segment stays the handle's.
 * Return: 0, or -errno: -ENODEV (no ring), -ENOSPC (no free segment),
 * -EPIPE, -EBADMSG, -ENOTTY/-EBADF (not a handle), -EMFILE, -ENOMEM, ...
 */
int mbox_ring_map(struct mbox_ring *r, int fd);

/**
 * mbox_ring_unmap() - unmap the ring and close the library's handle copy
 * @r: as mapped; zeroed on return.  Producer: reservations not committed
 *	by then are discarded (and counted) once the handle is closed
 *	everywhere.
 * Return: 0, or -errno from munmap(2)/close(2).
 */
int mbox_ring_unmap(struct mbox_ring *r);

/**
 * mbox_ring_wait() - sleep until this side can go on (MBOX_IOC_RING_WAIT)
 * @r: a mapped ring.
 * @abs_monotonic: absolute CLOCK_MONOTONIC deadline, or NULL for none.
 * @nonblock: only check, do not sleep.
 * Return: 0 (retry the fast path), or -EAGAIN, -ETIMEDOUT, -EINTR,
 * -EPIPE, -ECONNRESET, -EBADMSG, -EINVAL.
 */
int mbox_ring_wait(struct mbox_ring *r, const struct timespec *abs_monotonic,
		   int nonblock);

/**
 * mbox_ring_wake() - wake the other side (MBOX_IOC_RING_WAKE)
 * The fast paths call this when the protocol says so.
 * Return: 0, or -EPIPE, -ECONNRESET, -EBADMSG (producer).
 */
int mbox_ring_wake(struct mbox_ring *r);

/**
 * mbox_ring_arm() - ask for a wake-up before an edge-triggered epoll wait
 * @r: a mapped ring whose fast path just returned -EAGAIN.
 * Consumer: arms every segment, as MBOX_IOC_RING_WAIT does before it
 * sleeps (a non-blocking wait).  Producer: arms its segment's EPOLLWRBAND
 * wake-up, as polling the handle does.  After -EAGAIN from here the next
 * commit (consumer) or the release that gives a full segment room
 * (producer) wakes the handle's pollers.
 * Return: 0 (there is work or room already: go on with the fast path),
 * -EAGAIN (armed: wait), or -EPIPE, -ECONNRESET, -EBADMSG, -ENOMEM.
 */
int mbox_ring_arm(struct mbox_ring *r);

/* Slow paths of the inline functions (library internals). */
void mbox_ring_corrupt_(struct mbox_ring *r);
int mbox_ring_next_(struct mbox_ring *r, struct mbox_ring_msg *m);

/**
 * mbox_ring_send() - send a copy of @buf, sleeping while the segment is full
 * Return: 0, or -EMSGSIZE, -EPIPE, -ECONNRESET, -EBADMSG, -EINTR.
 */
int mbox_ring_send(struct mbox_ring *r, const void *buf, uint32_t len,
		   uint32_t type);

/**
 * mbox_ring_send_timed() - as mbox_ring_send(), until a deadline at most
 * Return: as mbox_ring_send(), or -ETIMEDOUT.
 */
int mbox_ring_send_timed(struct mbox_ring *r, const void *buf, uint32_t len,
			 uint32_t type, const struct timespec *abs_monotonic);

/**
 * mbox_ring_recvmsg() - take the next message, sleeping while none
 * @r: consumer side.
 * @buf: where the payload goes, @size bytes.
 * @m: if not NULL, receives the message's tag, segment and sender (its
 *	@buf is left NULL).
 * @abs_monotonic: deadline or NULL.
 * Return: the message length, or -EMSGSIZE (message kept), -EBADMSG,
 * -EINTR, -ETIMEDOUT, -EPIPE, -ECONNRESET.
 */
ssize_t mbox_ring_recvmsg(struct mbox_ring *r, void *buf, size_t size,
			  struct mbox_ring_msg *m,
			  const struct timespec *abs_monotonic);

/**
 * mbox_ring_recv() - take the next message, sleeping while none
 * @type: if not NULL, receives the message's tag.
 * Return: as mbox_ring_recvmsg().
 */
ssize_t mbox_ring_recv(struct mbox_ring *r, void *buf, size_t size,
		       uint32_t *type);

/**
 * mbox_ring_recv_timed() - as mbox_ring_recv(), until a deadline at most
 */
ssize_t mbox_ring_recv_timed(struct mbox_ring *r, void *buf, size_t size,
			     uint32_t *type,
			     const struct timespec *abs_monotonic);

static inline struct mbox_ring_slot *mbox_ring_pslot_(const struct mbox_ring *r,
						      uint32_t index)
{
	size_t pos = (size_t)(index & (r->nslots - 1)) * r->slot_size;

	return (struct mbox_ring_slot *)(void *)((unsigned char *)r->sdata +
						 r->slots_offset + pos);
}

/* Consumer: slot @index of segment @seg. */
static inline const struct mbox_ring_slot *
mbox_ring_cslot_(const struct mbox_ring *r, uint32_t seg, uint32_t index)
{
	size_t pos = (size_t)(index & (r->nslots - 1)) * r->slot_size;

	return (const struct mbox_ring_slot *)(const void *)
		(r->data + (size_t)seg * r->seg_data_size + r->slots_offset +
		 pos);
}

/* Consumer: segment @seg's consumer page. */
static inline struct mbox_ring_seg_cons *mbox_ring_ccons_(const struct mbox_ring *r,
							  uint32_t seg)
{
	return (struct mbox_ring_seg_cons *)(void *)
		(r->cons + ((size_t)seg + 1) * r->page);
}

/* Producer: dead, torn down or cut off, as the kernel says. */
static inline int mbox_ring_pstate_(const struct mbox_ring *r)
{
	uint32_t flags = MBOX_RING_LOAD(&r->scons->flags, memory_order_relaxed);

	if (!flags)
		return 0;
	if (flags & MBOX_RING_DEAD)
		return -EPIPE;
	if (flags & MBOX_RING_GONE)
		return -ECONNRESET;
	return -EBADMSG;
}

/**
 * mbox_ring_reserve() - reserve the next free slot (producer, zero-copy)
 * @r: producer side.
 * @res: on success, the slot: write up to @res->room bytes to @res->buf,
 *	then mbox_ring_commit() or mbox_ring_abort().  Until then only this
 *	producer's later messages wait for it.
 * Return: 0, or -EAGAIN (full), -EPIPE, -ECONNRESET, -EBADMSG.
 */
static inline int mbox_ring_reserve(struct mbox_ring *r,
				    struct mbox_ring_res *res)
{
	unsigned int races = 0;
	uint32_t t, h, used;
	int fresh = 0;
	int err = mbox_ring_pstate_(r);

	if (err)
		return err;
	t = MBOX_RING_LOAD(&r->sdata->tail, memory_order_relaxed);
	/* Acquire: pairs with the release of a fresh head into @phead. */
	h = MBOX_RING_LOAD(&r->phead, memory_order_acquire);
	for (;;) {
		used = t - h;
		if (used < r->nslots) {
			if (atomic_compare_exchange_weak_explicit(
					MBOX_RING_ATOMIC(&r->sdata->tail), &t,
					t + 1, memory_order_relaxed,
					memory_order_relaxed))
				break;
			fresh = 0;
			continue;
		}
		if (!fresh) {
			/* Acquire: the consumer is done with the slot we take. */
			h = MBOX_RING_LOAD(&r->scons->head,
					   memory_order_acquire);
			MBOX_RING_STORE(&r->phead, h, memory_order_release);
			fresh = 1;
			continue;
		}
		if ((int32_t)used < 0 && ++races < MBOX_RING_RACES) {
			t = MBOX_RING_LOAD(&r->sdata->tail,
					   memory_order_relaxed);
			fresh = 0;
			continue;
		}
		if (used == r->nslots)
			return -EAGAIN;
		mbox_ring_corrupt_(r);
		return -EBADMSG;
	}
	res->slot = mbox_ring_pslot_(r, t);
	res->index = t;
	res->buf = res->slot + 1;
	res->room = r->payload_max;
	return 0;
}

/* Publishes a reserved slot and wakes the consumer if it asked for it. */
static inline int mbox_ring_publish_(struct mbox_ring *r,
				     struct mbox_ring_res *res, uint32_t len,
				     uint32_t type, uint32_t flags)
{
	MBOX_RING_STORE(&res->slot->len, len, memory_order_relaxed);
	MBOX_RING_STORE(&res->slot->type, type, memory_order_relaxed);
	MBOX_RING_STORE(&res->slot->flags, flags, memory_order_relaxed);
	/* Release: payload and header before the commit word. */
	MBOX_RING_STORE(&res->slot->seq, res->index + 1, memory_order_release);
	/* Commit before need_wake (the consumer stores need_wake, then looks). */
	atomic_thread_fence(memory_order_seq_cst);
	if (!MBOX_RING_LOAD(&r->scons->need_wake, memory_order_relaxed))
		return 0;
	/*
	 * The message before this one not taken yet: the consumer takes it
	 * first, and it fences after each release before it looks at the next
	 * slot, so it sees this one; it was woken for that one (or for one
	 * before it).  Only the first commit after the consumer went to sleep
	 * wakes it, not every commit until it runs.
	 */
	if (res->index - MBOX_RING_LOAD(&r->scons->head, memory_order_relaxed) -
	    1 < r->nslots - 1)
		return 0;
	return mbox_ring_wake(r);
}

/**
 * mbox_ring_commit() - publish a reserved slot
 * @len: payload bytes written, at most @res->room.
 * @type: a tag for the consumer.
 * Return: 0 once published; -EMSGSIZE if @len is above the room (the slot
 * is cancelled instead); -EPIPE, -ECONNRESET or -EBADMSG if the consumer
 * had to be woken and could not be.
 */
static inline int mbox_ring_commit(struct mbox_ring *r,
				   struct mbox_ring_res *res, uint32_t len,
				   uint32_t type)
{
	if (len > res->room) {
		mbox_ring_publish_(r, res, 0, 0, MBOX_RING_SLOT_SKIP);
		return -EMSGSIZE;
	}
	return mbox_ring_publish_(r, res, len, type, 0);
}

/**
 * mbox_ring_abort() - give a reserved slot back unused
 * Return: 0, or as for commit.
 */
static inline int mbox_ring_abort(struct mbox_ring *r,
				  struct mbox_ring_res *res)
{
	return mbox_ring_publish_(r, res, 0, 0, MBOX_RING_SLOT_SKIP);
}

/**
 * mbox_ring_send_nb() - send a copy of @buf if a slot is free now
 * Return: 0, or -EAGAIN (full), -EMSGSIZE, -EPIPE, -ECONNRESET, -EBADMSG.
 */
static inline int mbox_ring_send_nb(struct mbox_ring *r, const void *buf,
				    uint32_t len, uint32_t type)
{
	struct mbox_ring_res res;
	int err;

	if (len > r->payload_max)
		return -EMSGSIZE;
	err = mbox_ring_reserve(r, &res);
	if (err)
		return err;
	memcpy(res.buf, buf, len);
	return mbox_ring_commit(r, &res, len, type);
}

/**
 * mbox_ring_release() - hand the slot of the last mbox_ring_peek() back
 * @r: consumer side, after a successful mbox_ring_peek().
 * Return: 0, or -errno from waking its producer (released anyway).
 */
static inline int mbox_ring_release(struct mbox_ring *r)
{
	uint32_t head = ++r->cl->head;

	/* Release: our reads of the slot before the producer may reuse it. */
	MBOX_RING_STORE(r->chead, head, memory_order_release);
	/* Head before prod_wait (the kernel raises it, then looks). */
	atomic_thread_fence(memory_order_seq_cst);
	if (!MBOX_RING_LOAD(r->cwait, memory_order_relaxed))
		return 0;
	/*
	 * There was room before this release already: a producer that sleeps
	 * looked at a head before that, and the release that moved head past
	 * what it saw woke it.  Only the first release after it went to sleep
	 * wakes it, not every release until it runs.
	 */
	if (MBOX_RING_LOAD(r->ctail, memory_order_relaxed) - (head - 1) <
	    r->nslots)
		return 0;
	return mbox_ring_wake(r);
}

/*
 * Consumer: the message at the head of the current segment, if any.
 * Returns 0; 2 when nothing is committed at the head (empty, or a bad
 * index); 1 when the slow path must decide (another segment's turn, a bad
 * record, a revoked page).
 */
static inline int mbox_ring_take_(struct mbox_ring *r, struct mbox_ring_msg *m)
{
	struct mbox_ring_segl *l = r->cl;
	const struct mbox_ring_slot *s;
	uint32_t seq, len, flags;

	/*
	 * The segment's state in CTRL is not looked at here: the slow path
	 * checks it at the start of every burst (seg_visit()), and its
	 * generation cannot change before the consumer gives it back.
	 */
	for (;;) {
		if (r->burst >= MBOX_RING_BURST)
			return 1;
		s = (const struct mbox_ring_slot *)(const void *)
			(r->cslots + (size_t)(l->head & (r->nslots - 1)) *
			 r->slot_size);
		/* Acquire: the producer's writes before its commit word. */
		seq = MBOX_RING_LOAD(&s->seq, memory_order_acquire);
		if (seq != l->head + 1)
			return 2;
		/* 0 is also what a revoked page reads: ask the slow path. */
		if (!seq && MBOX_RING_LOAD(&r->ctrl->flags,
					   memory_order_relaxed))
			return 1;
		/* Each field read once: a hostile producer may change them. */
		len = MBOX_RING_LOAD(&s->len, memory_order_relaxed);
		flags = MBOX_RING_LOAD(&s->flags, memory_order_relaxed);
		if (flags == MBOX_RING_SLOT_SKIP) {
			/*
			 * Counted as a message: a producer that refills its
			 * segment with skips as fast as they go would else
			 * keep the consumer here.
			 */
			mbox_ring_release(r);
			r->burst++;
			continue;
		}
		if (flags || len > r->payload_max)
			return 1;
		m->buf = s + 1;
		m->len = len;
		m->type = MBOX_RING_LOAD(&s->type, memory_order_relaxed);
		m->seg = r->cur;
		m->pid = l->pid;
		m->uid = l->uid;
		r->burst++;
		return 0;
	}
}

/**
 * mbox_ring_peek() - look at the next message (consumer, zero-copy)
 * @r: consumer side.
 * @m: on success, the message; it stays in the ring until
 *	mbox_ring_release().
 * Cancelled and discarded slots are skipped.  Return: 0, or -EAGAIN
 * (nothing to take), -EBADMSG (a bad record, already dropped and its
 * producer reported), -EPIPE, -ECONNRESET.
 */
static inline int mbox_ring_peek(struct mbox_ring *r, struct mbox_ring_msg *m)
{
	int err;

	/* Only a segment the slow path has checked and kept busy. */
	if (!((r->active >> r->cur) & 1))
		return mbox_ring_next_(r, m);
	err = mbox_ring_take_(r, m);
	if (!err)
		return 0;
	/*
	 * The only busy segment is empty, the ready set too and the ring is
	 * alive: say so without the slow path, which still runs once per
	 * burst (to give back a closed segment or drop an armed one).  A
	 * polling consumer's empty polls cost a few loads, as its producer's
	 * commits do.
	 */
	if (err == 2 && r->active == UINT64_C(1) << r->cur &&
	    !atomic_load_explicit((_Atomic uint64_t *)(void *)r->cons,
				  memory_order_relaxed) &&
	    !MBOX_RING_LOAD(&r->ctrl->flags, memory_order_relaxed) &&
	    ++r->burst < MBOX_RING_BURST)
		return -EAGAIN;
	return mbox_ring_next_(r, m);
}

/**
 * mbox_ring_recv_nb() - take a copy of the next message if there is one
 * @type: if not NULL, receives the message's tag.
 * Return: the message length, or -EAGAIN, -EMSGSIZE (the message stays),
 * -EBADMSG, -EPIPE, -ECONNRESET.
 */
static inline ssize_t mbox_ring_recv_nb(struct mbox_ring *r, void *buf,
					size_t size, uint32_t *type)
{
	struct mbox_ring_msg m;
	int err = mbox_ring_peek(r, &m);

	if (err)
		return err;
	if (m.len > size)
		return -EMSGSIZE;
	memcpy(buf, m.buf, m.len);
	if (type)
		*type = m.type;
	mbox_ring_release(r);
	return (ssize_t)m.len;
}

#endif /* LIBMBOX_MBOX_RING_H */
