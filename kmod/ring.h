/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared ring: slots in pages mapped by a mailbox's owner (the consumer)
 * and its users (the producers).  The protocol is documented in the uapi
 * header, DOC: Shared ring.
 *
 * DOC: Lifetime
 *
 * A ring is created at most once per mailbox, by MBOX_IOC_RING_SETUP, and
 * published in mbox->ring with smp_store_release().  From then on the
 * pointer and the ring's geometry never change, and the ring is freed with
 * the mailbox (mbox_release()).  That cannot happen while the ring is
 * mapped: a mapping holds its handle file, which holds the mailbox.  After
 * the mailbox is destroyed the ring stays, marked MBOX_RING_DEAD, so that
 * existing mappings stay valid.
 *
 * DOC: Locking
 *
 * mbox->lock (a mutex) is held across user copies and so nests outside
 * mmap_lock: .mmap and poll must not take it.  They read mbox->ring with
 * smp_load_acquire() and need no lock, since nothing they use changes after
 * set-up.  Only set-up takes mbox->lock, to make "once" and "not on a dead
 * mailbox" atomic.  The kernel's own mutable state - @flags and the count of
 * sleeping producers, both mirrored into the read-only CTRL page - is under
 * @lock, a spinlock never held across a sleep or a user copy; it nests
 * inside mbox->lock (owner death) and outside the wait-queue locks.
 *
 * Shared memory that user space can write (CONS, PROD) is read with
 * READ_ONCE() only, every index is masked before use, and a value is
 * trusted for one decision only: hostile contents can make a check answer
 * "ready" or "corrupt", never make the kernel touch memory outside the ring.
 */
#ifndef _MBOX_RING_H
#define _MBOX_RING_H

#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/mbox.h>

struct file;
struct mbox;
struct mbox_handle;
struct mbox_user;
struct vm_area_struct;

struct mbox_ring {
	/* Set at set-up, never changed. */
	u32 nslots;			/* a power of two */
	u32 slot_size;
	size_t prod_size;		/* bytes of @prod, page multiple */
	size_t cons_size;		/* bytes of @cons, page multiple */
	struct mbox_ring_ctrl *ctrl;	/* vmalloc_user(), read-only to users */
	struct mbox_ring_cons *cons;	/* vmalloc_user(), owner-writable */
	struct mbox_ring_prod *prod;	/* vmalloc_user(), slots follow */
	struct mbox_user *user;		/* charged for @charge bytes */
	size_t charge;

	wait_queue_head_t cons_wq;	/* the consumer in MBOX_IOC_RING_WAIT */
	wait_queue_head_t prod_wq;	/* producers in MBOX_IOC_RING_WAIT */

	spinlock_t lock;		/* protects the fields below */
	u32 flags;			/* MBOX_RING_DEAD, MBOX_RING_CORRUPT */
	u32 prod_waiters;
};

long mbox_ring_ioctl(struct file *file, struct mbox_handle *h,
		     unsigned int cmd, unsigned long arg);
int mbox_ring_mmap(struct mbox_handle *h, struct vm_area_struct *vma);
__poll_t mbox_ring_poll(struct mbox *mb);
void mbox_ring_shutdown(struct mbox *mb);
void mbox_ring_free(struct mbox_ring *ring);

#endif /* _MBOX_RING_H */
