/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmbox shared ring - messages with no system call while the ring is
 * neither empty nor full.  The protocol (layout, memory orders, who may
 * write what) is documented in <linux/mbox.h>, DOC: Shared ring; this
 * header implements it.  C11 only (it uses <stdatomic.h>).
 *
 * The fast paths - mbox_ring_reserve(), _commit(), _send_nb(), _peek(),
 * _release(), _recv_nb() - are static inline: a few loads, one
 * compare-and-swap or store, one fence.  They call into the library only to
 * wake a sleeping side or to report corruption.  The waiting variants
 * (mbox_ring_send(), mbox_ring_recv(), ...) are in the library.
 *
 * Errors follow libmbox: >= 0 on success, -errno on failure, errno kept.
 *   -EAGAIN   producer: ring full; consumer: ring empty.
 *   -EPIPE    producer: the mailbox was destroyed.
 *   -EBADMSG  the ring is corrupt (someone wrote impossible indices into
 *             it; permanent), or - consumer only - one bad record was
 *             dropped (the next call goes on with the next one).
 *   -EMSGSIZE the message does not fit (it stays in the ring).
 *
 * Threads: producer calls may run concurrently from any number of threads
 * and processes.  Consumer calls (peek, release, recv) must be serialised
 * by the caller: the ring has one consumer.
 *
 * Epoll: the owner handle polls readable for ring messages.  Polling, and
 * any consumer call that finds the ring empty, asks producers to wake the
 * consumer; with EPOLLET, read until -EAGAIN before waiting again.
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

/* The shared words are plain __u32 in the uapi; access them as atomics. */
_Static_assert(sizeof(_Atomic uint32_t) == sizeof(__u32),
	       "atomic u32 must have the size of __u32");
#define MBOX_RING_ATOMIC(p)	((_Atomic uint32_t *)(void *)(p))
#define MBOX_RING_LOAD(p, mo)	atomic_load_explicit(MBOX_RING_ATOMIC(p), mo)
#define MBOX_RING_STORE(p, v, mo) atomic_store_explicit(MBOX_RING_ATOMIC(p), v, mo)

/* How often a producer re-reads an index that looks behind the other one. */
#define MBOX_RING_RACES		1024

/**
 * struct mbox_ring - one side's view of a mailbox's ring (mbox_ring_map())
 * @fd: the library's own duplicate of the handle (for waits and wakes).
 * @owner: 1 on the consumer side (owner handle), 0 on the producer side.
 * @nslots: slots in the ring (a power of two).
 * @payload_max: largest message, slot_size - sizeof(struct mbox_ring_slot).
 * @slot_size: bytes per slot.
 * @head: consumer side: the next slot to take (the consumer's own copy).
 * @ctrl: the CTRL part (read-only).
 * @cons: the CONS part (writable on the consumer side only).
 * @prod: the PROD part (writable on the producer side only).
 * @slots: slot 0.
 * @cons_len: mapped length of @cons.
 * @prod_len: mapped length of @prod.
 * @ctrl_len: mapped length of @ctrl.
 */
struct mbox_ring {
	int fd;
	int owner;
	uint32_t nslots;
	uint32_t payload_max;
	uint32_t slot_size;
	uint32_t head;
	const struct mbox_ring_ctrl *ctrl;
	struct mbox_ring_cons *cons;
	struct mbox_ring_prod *prod;
	unsigned char *slots;
	size_t cons_len;
	size_t prod_len;
	size_t ctrl_len;
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
 * struct mbox_ring_msg - the message at the head (consumer, zero-copy)
 * @buf: the payload in the ring; valid until mbox_ring_release().  A
 *	hostile producer could change it while you read: copy first if you
 *	do not trust the producers.
 * @len: payload length (checked: at most &mbox_ring.payload_max).
 * @type: the producer's type tag (unchecked, unauthenticated).
 */
struct mbox_ring_msg {
	const void *buf;
	uint32_t len;
	uint32_t type;
};

/**
 * mbox_ring_setup() - give a mailbox its ring (MBOX_IOC_RING_SETUP)
 * @owner_fd: the owner handle.
 * @nslots: a power of two, 1 to MBOX_RING_SLOTS_MAX.
 * @slot_size: a multiple of 8, at least MBOX_RING_SLOT_SIZE_MIN; the
 *	payload room (@slot_size - 16) at most the mailbox's msg_size.
 *
 * Return: 0, or -EPERM, -EBUSY, -EINVAL, -ENOBUFS, -ENOMEM, -EFAULT, -EINTR.
 */
int mbox_ring_setup(int owner_fd, uint32_t nslots, uint32_t slot_size);

/**
 * mbox_ring_map() - map a mailbox's ring through a handle
 * @r: filled in.
 * @fd: an owner handle (consumer side) or a user handle (producer side).
 *	The library keeps a duplicate: @fd may be closed afterwards.
 *
 * Return: 0, or -errno: -ENODEV (no ring), -EPIPE (mailbox destroyed),
 * -ENOTTY/-EBADF (not a handle), -EMFILE, -ENOMEM, ...
 */
int mbox_ring_map(struct mbox_ring *r, int fd);

/**
 * mbox_ring_unmap() - unmap the ring and close the library's handle copy
 * @r: as mapped; zeroed on return.  Pending reservations are lost (the
 *	consumer stalls at them): commit or abort first.
 *
 * Return: 0, or -errno from munmap(2)/close(2).
 */
int mbox_ring_unmap(struct mbox_ring *r);

/**
 * mbox_ring_wait() - sleep until this side can go on (MBOX_IOC_RING_WAIT)
 * @r: a mapped ring.
 * @abs_monotonic: absolute CLOCK_MONOTONIC deadline, or NULL for none.
 * @nonblock: only check, do not sleep.
 *
 * Return: 0 (retry the fast path), or -EAGAIN, -ETIMEDOUT, -EINTR,
 * -EPIPE, -EBADMSG, -EINVAL.
 */
int mbox_ring_wait(struct mbox_ring *r, const struct timespec *abs_monotonic,
		   int nonblock);

/**
 * mbox_ring_wake() - wake the other side (MBOX_IOC_RING_WAKE)
 *
 * The fast paths call this when the protocol says so; applications need
 * not.  Return: 0, or -EPIPE (producer, mailbox destroyed).
 */
int mbox_ring_wake(struct mbox_ring *r);

/* Slow paths of the inline functions (library internals). */
void mbox_ring_corrupt_(struct mbox_ring *r);

/**
 * mbox_ring_send() - send a copy of @buf, sleeping while the ring is full
 * @r: producer side.
 * @buf: the message, @len bytes (at most &mbox_ring.payload_max).
 * @type: a tag for the consumer.
 *
 * Return: 0, or -EMSGSIZE, -EPIPE, -EBADMSG, -EINTR.
 */
int mbox_ring_send(struct mbox_ring *r, const void *buf, uint32_t len,
		   uint32_t type);

/**
 * mbox_ring_send_timed() - as mbox_ring_send(), until a deadline at most
 * @abs_monotonic: absolute CLOCK_MONOTONIC deadline (mbox_deadline_in()).
 *
 * Return: as mbox_ring_send(), or -ETIMEDOUT.
 */
int mbox_ring_send_timed(struct mbox_ring *r, const void *buf, uint32_t len,
			 uint32_t type, const struct timespec *abs_monotonic);

/**
 * mbox_ring_recv() - take the next message, sleeping while the ring is empty
 * @r: consumer side.
 * @buf: where the payload goes, @size bytes.
 * @type: if not NULL, receives the message's tag.
 *
 * Return: the message length, or -EMSGSIZE (message kept), -EBADMSG, -EINTR.
 */
ssize_t mbox_ring_recv(struct mbox_ring *r, void *buf, size_t size,
		       uint32_t *type);

/**
 * mbox_ring_recv_timed() - as mbox_ring_recv(), until a deadline at most
 *
 * Return: as mbox_ring_recv(), or -ETIMEDOUT.
 */
ssize_t mbox_ring_recv_timed(struct mbox_ring *r, void *buf, size_t size,
			     uint32_t *type,
			     const struct timespec *abs_monotonic);

static inline struct mbox_ring_slot *mbox_ring_slot_(const struct mbox_ring *r,
						     uint32_t index)
{
	size_t pos = (size_t)(index & (r->nslots - 1)) * r->slot_size;

	return (struct mbox_ring_slot *)(void *)(r->slots + pos);
}

/* Dead or corrupt, as the kernel says in CTRL. */
static inline int mbox_ring_state_(const struct mbox_ring *r)
{
	uint32_t flags = MBOX_RING_LOAD(&r->ctrl->flags, memory_order_relaxed);

	if (flags & MBOX_RING_DEAD)
		return -EPIPE;
	return flags ? -EBADMSG : 0;
}

/**
 * mbox_ring_reserve() - reserve the next free slot (producer, zero-copy)
 * @r: producer side.
 * @res: on success, the slot: write up to @res->room bytes to @res->buf,
 *	then mbox_ring_commit() or mbox_ring_abort() - always one of them,
 *	soon: the consumer cannot pass an uncommitted slot.
 *
 * Return: 0, or -EAGAIN (full), -EPIPE, -EBADMSG.
 */
static inline int mbox_ring_reserve(struct mbox_ring *r,
				    struct mbox_ring_res *res)
{
	unsigned int races = 0;
	uint32_t t, h, used;
	int err = mbox_ring_state_(r);

	if (err)
		return err;
	t = MBOX_RING_LOAD(&r->prod->tail, memory_order_relaxed);
	for (;;) {
		/* Acquire: the consumer is done with the slot we take. */
		h = MBOX_RING_LOAD(&r->cons->head, memory_order_acquire);
		used = t - h;
		if (used < r->nslots) {
			if (atomic_compare_exchange_weak_explicit(
					MBOX_RING_ATOMIC(&r->prod->tail), &t,
					t + 1, memory_order_relaxed,
					memory_order_relaxed))
				break;
			continue;
		}
		if ((int32_t)used < 0 && ++races < MBOX_RING_RACES) {
			/* The consumer passed the tail we read: read again. */
			t = MBOX_RING_LOAD(&r->prod->tail,
					   memory_order_relaxed);
			continue;
		}
		if (used == r->nslots)
			return -EAGAIN;
		mbox_ring_corrupt_(r);
		return -EBADMSG;
	}
	res->slot = mbox_ring_slot_(r, t);
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
	if (MBOX_RING_LOAD(&r->cons->need_wake, memory_order_relaxed))
		return mbox_ring_wake(r);
	return 0;
}

/**
 * mbox_ring_commit() - publish a reserved slot
 * @r: producer side.
 * @res: from mbox_ring_reserve().
 * @len: payload bytes written, at most @res->room.
 * @type: a tag for the consumer.
 *
 * Return: 0 once published; -EMSGSIZE if @len is above the room (the slot
 * is cancelled instead); -EPIPE if the consumer had to be woken and the
 * mailbox is gone.
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
 *
 * The consumer skips it silently.  Return: 0, or -EPIPE as for commit.
 */
static inline int mbox_ring_abort(struct mbox_ring *r,
				  struct mbox_ring_res *res)
{
	return mbox_ring_publish_(r, res, 0, 0, MBOX_RING_SLOT_SKIP);
}

/**
 * mbox_ring_send_nb() - send a copy of @buf if a slot is free now
 *
 * Return: 0, or -EAGAIN (full), -EMSGSIZE, -EPIPE, -EBADMSG.
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
 * mbox_ring_release() - hand the head slot back to the producers
 * @r: consumer side, after a successful mbox_ring_peek().
 *
 * Return: 0, or -errno from waking producers (the slot is released anyway).
 */
static inline int mbox_ring_release(struct mbox_ring *r)
{
	r->head++;
	/* Release: our reads of the slot before producers may reuse it. */
	MBOX_RING_STORE(&r->cons->head, r->head, memory_order_release);
	/* Head before prod_waiters (the kernel counts a waiter, then looks). */
	atomic_thread_fence(memory_order_seq_cst);
	if (MBOX_RING_LOAD(&r->ctrl->prod_waiters, memory_order_relaxed))
		return mbox_ring_wake(r);
	return 0;
}

/**
 * mbox_ring_peek() - look at the message at the head (consumer, zero-copy)
 * @r: consumer side.
 * @m: on success, the message; it stays in the ring until
 *	mbox_ring_release().
 *
 * Cancelled slots are skipped.  Return: 0, or -EAGAIN (empty), -EBADMSG
 * (a bad record, already dropped; or the ring is corrupt).
 */
static inline int mbox_ring_peek(struct mbox_ring *r, struct mbox_ring_msg *m)
{
	struct mbox_ring_slot *s;
	uint32_t seq, len, flags;
	int err = mbox_ring_state_(r);

	if (err)
		return err;
	for (;;) {
		s = mbox_ring_slot_(r, r->head);
		/* Acquire: the producer's writes before its commit word. */
		seq = MBOX_RING_LOAD(&s->seq, memory_order_acquire);
		if (seq != r->head + 1) {
			if (seq != r->head + 1 - r->nslots) {
				mbox_ring_corrupt_(r);
				return -EBADMSG;
			}
			/*
			 * Empty.  Producers are not asked for a wake-up here:
			 * a consumer that only polls the ring would make every
			 * commit cost a MBOX_IOC_RING_WAKE for nothing.  The
			 * kernel raises need_wake itself, before its last
			 * look, when the consumer sleeps or polls its handle.
			 */
			if (MBOX_RING_LOAD(&r->prod->tail,
					   memory_order_relaxed) - r->head >
			    r->nslots) {
				mbox_ring_corrupt_(r);
				return -EBADMSG;
			}
			return -EAGAIN;
		}
		/* Busy: producers need not wake us until we run dry. */
		if (MBOX_RING_LOAD(&r->cons->need_wake, memory_order_relaxed))
			MBOX_RING_STORE(&r->cons->need_wake, 0,
					memory_order_relaxed);
		/* Each field read once: a hostile producer may change them. */
		len = MBOX_RING_LOAD(&s->len, memory_order_relaxed);
		flags = MBOX_RING_LOAD(&s->flags, memory_order_relaxed);
		if (flags == MBOX_RING_SLOT_SKIP) {
			mbox_ring_release(r);
			continue;
		}
		if (flags || len > r->payload_max) {
			mbox_ring_release(r);
			return -EBADMSG;
		}
		m->buf = s + 1;
		m->len = len;
		m->type = MBOX_RING_LOAD(&s->type, memory_order_relaxed);
		return 0;
	}
}

/**
 * mbox_ring_recv_nb() - take a copy of the next message if there is one
 * @r: consumer side.
 * @buf: where the payload goes, @size bytes.
 * @type: if not NULL, receives the message's tag.
 *
 * Return: the message length, or -EAGAIN, -EMSGSIZE (the message stays),
 * -EBADMSG.
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
