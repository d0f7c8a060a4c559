/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared ring: one single-producer segment per user handle, mapped by
 * the owner (the consumer) and by each producer for its own segment only.
 * The protocol is documented in the uapi header, DOC: Shared ring.
 *
 * DOC: Lifetime
 *
 * Every mailbox embeds a struct mbox_ring_host.  Its @ring is set up and
 * torn down by the owner (MBOX_IOC_RING_SETUP, _TEARDOWN), and torn down
 * when the mailbox is destroyed (mbox_ring_destroy(), after mbox->lock is
 * dropped).  A struct mbox_ring is reference-counted: the host holds one
 * reference while it is published, and every ioctl, poll or wait that uses
 * it holds one (taken under RCU with kref_get_unless_zero()).  Its memory
 * (three __vmalloc() areas charged to the owner's memory cgroup) is freed
 * with the last reference.
 *
 * Teardown returns the accounting at once, whoever still holds handles or
 * mappings: the uid charge is dropped directly, and every user mapping of
 * every handle file is zapped with unmap_mapping_range() on @mapping, the
 * address_space that all handle files of the mailbox use as f_mapping.
 * Ring pages are mapped with special ptes (vmf_insert_mixed()) in VM_IO
 * mappings: the ptes hold no page references and nothing can pin the
 * pages through them.  They are inserted only by the fault handler under
 * @lock while the ring is published, so after the zap no user access is
 * left, and the pages, kept alive by the ring alone, go back to the allocator (and the cgroup) when
 * the last waiter drops its reference, which it does as soon as it is
 * woken.  A later fault on a stale mapping gets a zeroed page charged to
 * the faulting task, flagged DEAD or GONE.
 *
 * A segment belongs to the handle that attached it (@h, @ring_seg and
 * @ring_gen in struct mbox_handle) until that handle is released; since a
 * ring mapping holds its file, the producer has no mapping of its segment
 * by then, and the kernel may write into the segment's slots.
 *
 * DOC: Locking
 *
 * @lock (a mutex) serialises set-up, teardown, attach, detach, segment
 * state changes and the fault handler.  The order is
 *
 *	mmap_lock (a fault) -> @lock -> i_mmap_rwsem (the zap at teardown)
 *
 * so nothing may take mmap_lock or copy from or to user space while
 * holding @lock.  @lock and mbox->lock are never nested: nothing takes
 * @lock under mbox->lock, and this file never takes mbox->lock.  That is
 * why the mailbox's death is split in two: mbox_ring_shutdown() runs under
 * mbox->lock and only flags the ring DEAD and wakes its sleepers (under
 * mbox_ring.lock), and mbox_ring_destroy() unpublishes and zaps it under
 * @lock once mbox->lock is dropped.  mbox->lock itself is never held
 * across a user copy.  Segment states are written under @lock with
 * WRITE_ONCE() and read locklessly; a handle's @ring_gen and @ring_seg
 * likewise, see mbox_ring_get_seg() for how the pair is read.
 * mbox_ring.lock, a spinlock, protects the counts of sleeping and polling
 * producers and the ring's flags, mirrored into the read-only CTRL page.
 *
 * Shared memory that user space can write is read with READ_ONCE() only,
 * every index is masked before use, and a value is trusted for one
 * decision only: hostile contents can make a check answer "ready" or
 * "corrupt" for the writer's own segment, never make the kernel touch
 * memory outside the ring or sleep with a lock held.
 */
#ifndef _MBOX_RING_H
#define _MBOX_RING_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/mbox.h>

struct file;
struct mbox;
struct mbox_handle;
struct mbox_acct;
struct pid_namespace;
struct user_namespace;
struct vm_area_struct;

/* The kernel's side of one segment. */
struct mbox_ring_segk {
	struct mbox_handle *h;		/* its producer, under host lock */
	u32 state;			/* MBOX_RING_SEG_*, under host lock */
	bool cons_done;			/* CUT: the consumer gave it back */
	s32 pid;
	u32 uid;
	u32 waiters;			/* under mbox_ring.lock */
	bool poll_armed;		/* under mbox_ring.lock */
	wait_queue_head_t wq;		/* its producer's waits */
};

struct mbox_ring {
	struct kref ref;
	struct rcu_head rcu;
	struct mbox *mb;

	/* Set at set-up, never changed. */
	u32 gen;			/* which set-up of the mailbox */
	u32 nsegs;
	u32 nslots;			/* a power of two */
	u32 slot_size;
	u32 seg_data_size;		/* page multiple */
	size_t ctrl_size, cons_size, data_size;
	struct mbox_ring_ctrl *ctrl;	/* read-only to users */
	void *cons;			/* owner-writable */
	void *data;			/* producer-writable, per segment */
	struct mbox_acct *user;		/* charged for @charge bytes */
	size_t charge;
	struct pid_namespace *pid_ns;	/* the owner's, for pids in CTRL */
	struct user_namespace *user_ns;	/* the owner's, for uids in CTRL */

	wait_queue_head_t cons_wq;	/* the consumer in MBOX_IOC_RING_WAIT */
	spinlock_t lock;		/* see DOC: Locking */
	u32 flags;			/* MBOX_RING_DEAD, MBOX_RING_GONE */
	struct mbox_ring_segk seg[];
};

struct mbox_ring_host {
	struct mutex lock;		/* see DOC: Locking */
	struct address_space mapping;	/* f_mapping of every handle file */
	struct mbox_ring __rcu *ring;
	u32 gen;			/* last set-up's, under @lock */
	/* Counters of rings gone, under @lock. */
	u64 messages;
	u64 slot_bytes;
	u64 discarded;
	u64 corrupt;
	s32 corrupt_pid;
	u32 corrupt_uid;
};

/* Traffic of all rings a mailbox had, as MBOX_IOC_RING_INFO reports it. */
struct mbox_ring_stats {
	bool ever;			/* the mailbox ever had a ring */
	u32 attached;
	u64 messages;
	u64 slot_bytes;
	u64 discarded;
	u64 corrupt;
	s32 corrupt_pid;
	u32 corrupt_uid;
};

void mbox_ring_stats(struct mbox *mb, struct mbox_ring_stats *st);
void mbox_ring_host_init(struct mbox_ring_host *rh);
void mbox_ring_host_fini(struct mbox_ring_host *rh);
void mbox_ring_file_init(struct mbox_ring_host *rh, struct file *file);
bool mbox_ring_present(struct mbox *mb);
long mbox_ring_ioctl(struct file *file, struct mbox_handle *h,
		     unsigned int cmd, unsigned long arg);
int mbox_ring_wait_handle(struct mbox_handle *h, bool nonblock,
			  ktime_t *deadline);
int mbox_ring_mmap(struct mbox_handle *h, struct vm_area_struct *vma);
__poll_t mbox_ring_poll(struct mbox_handle *h);
void mbox_ring_shutdown(struct mbox *mb);
void mbox_ring_destroy(struct mbox *mb);
void mbox_ring_detach(struct mbox_handle *h);

#endif /* _MBOX_RING_H */
