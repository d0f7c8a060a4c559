/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mailbox object: its memory, its reference count and its lock.  The
 * registry that resolves ids, names and ports to it, and ends its life, is
 * registry.h; the rules for naming, opening and creating it are rules.h.
 * How the files of the module layer on one another: kmod/README.md.
 *
 * DOC: Lifetime
 *
 * A mailbox is reference counted: every handle holds one reference, lookups
 * take one, and an OS-owned mailbox holds one for being linked (registered
 * until MBOX_IOC_DELETE).  Handles pin the module through their file
 * operations; a linked OS mailbox, which may have no handle, pins it
 * itself until deleted.  A process-owned mailbox is *destroyed* - marked
 * dead, emptied, removed from the registry - when its owner handle is
 * released; an OS-owned one when it is unlinked and has no receiver handle
 * left.  It is *freed* (after an RCU grace period, since id lookups run under
 * RCU) when the last reference goes.  Between the two, user handles see a
 * dead mailbox: sends fail with -EPIPE, poll reports POLLHUP.
 *
 * Every mailbox pins the IPC namespace it was created in; ids, names and
 * ports resolve only for callers of that namespace.
 *
 * DOC: Locking
 *
 * The registry's locks are described in registry.h.  Each mailbox has a
 * mutex, @lock, protecting every mutable field below it.
 *
 * The rule: no mbox lock is ever held across a copy to or from user space
 * (nor across any other wait a user controls), so that a buffer that faults
 * slowly - userfaultfd, or a FUSE file nobody answers - stalls only the task
 * that owns it.  Sends copy the payload in before taking @lock; receives
 * take messages out under it, copy without it and settle under it again
 * (transfer.h, "Copies without the lock"), so a message is still either
 * received or queued, never lost in between.  Hence @lock is only ever held
 * for bounded work, and open, release, MBOX_IOC_INFO, the netlink requests
 * and the FULL/NOT_FULL work never wait behind a copy; INFO and netlink
 * read the counters without it all the same (each field once, written
 * with WRITE_ONCE()), so that they cannot even queue behind busy senders.
 *
 * No other mbox lock is taken while holding @lock, except the per-user
 * accounting spinlock; events are raised under it (see event.h).
 * Fields read locklessly are written with WRITE_ONCE().  It is
 * always released with mbox_unlock(): tasks made runnable under it are woken
 * only then, so they do not wake into a lock their waker still holds (in an
 * emulated guest that stalls the wake-up for milliseconds).
 *
 * @owner_pid pins the creating thread group's struct pid (not the task)
 * until the mailbox is freed, so it can be reported after the creator has
 * exited.
 */
#ifndef _MBOX_MAILBOX_H
#define _MBOX_MAILBOX_H

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/mbox.h>

#include "event.h"
#include "queue.h"
#include "quota.h"
#include "ring.h"

struct mbox_notification;
struct mbox_ring;
struct mbox_acct;

struct mbox {
	struct kref ref;
	struct rcu_head rcu;
	struct rb_node name_node;	/* in the name tree, if named */
	struct rb_node port_node;	/* in the port tree, if a port */

	/* Set at creation, never changed. */
	u64 id;
	u32 flags;
	u32 capacity_mode;
	u32 capacity;
	u32 msg_size;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	struct mbox_acct *creator;	/* charged for owning this mailbox */
	struct mbox_quota quota;	/* queued bytes: see quota.h */
	struct ipc_namespace *ipc_ns;
	struct pid *port_pid;		/* the process whose port this is */
	struct pid *owner_pid;		/* creating thread group */
	char name[MBOX_NAME_MAX];
	/* MBOX_CREATE_PERSIST: see persist.h. */
	unsigned long reserved;		/* bytes charged to @creator */
	unsigned long reserved_rlimit;	/* bytes against RLIMIT_MSGQUEUE */

	/* The shared ring and its mappings: see ring.h. */
	struct mbox_ring_host ringh;

	struct mutex lock;		/* protects all fields below */
	bool dead;
	bool linked;			/* OS-owned and not deleted yet */
	enum mbox_death death;		/* why, once dead: event.h */
	unsigned int nr_receiver_handles; /* OS-owned: open receiver handles */
	struct mbox_queue queue;	/* messages; for ZERO: offers */
	struct mbox_queue held;		/* ZERO proxy: held offers, bridge.h */
	struct list_head senders;	/* BOUNDED: blocked senders, FIFO */
	struct list_head receivers;	/* idle receivers, FIFO */
	struct list_head selectors;	/* idle selective/broadcast receivers */
	struct list_head subs;		/* BROADCAST: one per receiver handle */
	struct mbox_notification *notify; /* MBOX_IOC_NOTIFY; notify.h */
	unsigned int nr_senders;	/* senders blocked in any mode */
	unsigned int nr_receivers;	/* receivers on @receivers */
	unsigned int nr_busy;		/* queued messages being copied out */
	u64 tickets;			/* last arrival ticket handed out */
	u64 sent;			/* last sequence number handed out */
	u64 received;
	/* Tasks to wake once the lock is dropped: see mbox_unlock(). */
	struct task_struct *wakes[4];
	unsigned int nr_wakes;
	unsigned int high_water;	/* most messages ever queued at once */
	struct mbox_events events;	/* announced, full: event.h */
	wait_queue_head_t poll_wq;

	/* Sends that reached the mailbox but failed: no room, no receiver,
	 * quota, size, timeout.  Updated without the lock.
	 */
	atomic64_t rejected;
};

struct mbox *mbox_new(const struct mbox_create *args, const char *name,
		      struct mbox_acct *creator);
void mbox_put(struct mbox *mb);

void mbox_unlock(struct mbox *mb);
void mbox_wake_later(struct mbox *mb, struct task_struct *task);

/* The caller's IPC namespace, in which it names and sees mailboxes. */
static inline struct ipc_namespace *mbox_current_ipc_ns(void)
{
	return current->nsproxy->ipc_ns;
}

struct ipc_namespace *mbox_get_ipc_ns(void);
void mbox_put_ipc_ns(struct ipc_namespace *ns);

/* A sender had to wait (or was refused for lack of room or receiver). */
static inline void mbox_mark_full(struct mbox *mb)
	__must_hold(&mb->lock)
{
	if (!mb->events.full)
		mbox_event_full_changed(mb, true);
}

/* The receiver caught up: BOUNDED queue empty, ZERO receiver waiting. */
static inline void mbox_mark_not_full(struct mbox *mb)
	__must_hold(&mb->lock)
{
	if (mb->events.full)
		mbox_event_full_changed(mb, false);
}

#endif /* _MBOX_MAILBOX_H */
