/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mailbox object and the registry that resolves ids and names to it.
 *
 * DOC: Lifetime
 *
 * A mailbox is reference counted: every handle holds one reference, lookups
 * take one, and an OS-owned mailbox holds one for being linked (registered
 * until MBOX_IOC_DELETE).  A process-owned mailbox is *destroyed* - marked
 * dead, emptied, removed from the registry - when its owner handle is
 * released; an OS-owned one when it is unlinked and has no receiver handle
 * left.  It is *freed* (after an RCU grace period, since id lookups run under
 * RCU) when the last reference goes.  Between the two, user handles see a
 * dead mailbox: sends fail with -EPIPE, poll reports POLLHUP.
 *
 * Every mailbox pins the IPC namespace it was created in; ids, names and
 * ports resolve only for callers of that namespace.  Handles pin the module;
 * a linked OS-owned mailbox may have none, so the link pins it too: the
 * module cannot be removed while one exists.
 *
 * DOC: Locking
 *
 * mbox_names_lock (a mutex) serialises the name and port trees; the id
 * xarray has its own internal lock and is read under RCU.  Each mailbox has a mutex, @lock,
 * protecting every mutable field below it.  It is held across copies to and
 * from user space so that a receiver can take a message and report it in one
 * step: a message is either fully received or still queued, never lost in
 * between.  No other mbox lock is taken while holding it, except the per-user
 * accounting spinlock.  Fields read locklessly by poll are written with
 * WRITE_ONCE().
 */
#ifndef _MBOX_MAILBOX_H
#define _MBOX_MAILBOX_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/mbox.h>

#include "queue.h"

struct mbox_user;

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
	struct mbox_user *creator;	/* charged for owning this mailbox */
	struct ipc_namespace *ipc_ns;
	struct pid *port_pid;		/* the process whose port this is */
	char name[MBOX_NAME_MAX];

	struct mutex lock;		/* protects all fields below */
	bool dead;
	bool linked;			/* OS-owned and not deleted yet */
	u32 death_reason;		/* MBOX_NOTICE_*, once dead */
	unsigned int nr_receiver_handles; /* OS-owned: open receiver handles */
	struct mbox_queue queue;	/* messages; for ZERO: offers */
	struct list_head senders;	/* BOUNDED: blocked senders, FIFO */
	struct list_head receivers;	/* idle receivers, FIFO */
	struct list_head selectors;	/* idle selective/broadcast receivers */
	struct list_head subs;		/* BROADCAST: one per receiver handle */
	unsigned int nr_senders;	/* senders blocked in any mode */
	unsigned int nr_receivers;	/* receivers on @receivers */
	u64 tickets;			/* last arrival ticket handed out */
	u64 sent;			/* last sequence number handed out */
	u64 received;
	unsigned int high_water;	/* most messages ever queued at once */
	wait_queue_head_t poll_wq;

	/* Sends that reached the mailbox but failed: no room, no receiver,
	 * quota, size, timeout.  Updated without the lock.
	 */
	atomic64_t rejected;
};

struct mbox *mbox_new(const struct mbox_create *args, const char *name,
		      struct mbox_user *creator);
int mbox_register(struct mbox *mb);
void mbox_destroy(struct mbox *mb, u32 reason);
void mbox_put(struct mbox *mb);

struct mbox *mbox_os_create(const struct mbox_create *args, const char *name);
int mbox_os_delete(struct mbox *mb);
bool mbox_may_delete(const struct mbox *mb);
void mbox_receiver_opened(struct mbox *mb);
void mbox_receiver_closed(struct mbox *mb);

struct mbox *mbox_lookup_id(u64 id);
struct mbox *mbox_find_next(u64 *id);
struct mbox *mbox_lookup_name(const char *name);
struct mbox *mbox_lookup_port(pid_t nr);
bool mbox_registry_empty(void);

int mbox_name_from_user(char *name, u64 uptr);
bool mbox_may_open(const struct mbox *mb, int mask);

#endif /* _MBOX_MAILBOX_H */
