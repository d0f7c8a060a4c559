/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The message queue of one mailbox: highest priority first, arrival order
 * within a priority.
 *
 * DOC: Design and locking
 *
 * One rbtree of messages keyed by (priority descending, arrival ticket
 * ascending), with the first message cached.  Broadcast mailboxes queue
 * every message with key priority 0: for them the queue is a log in arrival
 * order that each receiver walks with its own cursor.  Unlike a tree of per-priority
 * lists it needs no allocation when a message is queued, so a receiver can
 * move a blocked sender's message into the queue without a failure path.
 * A message put back after a failed copy keeps its ticket and so its place.
 * The owning mailbox's lock protects the queue; it has no lock of its own.
 * @count and @bytes are also read without it (MBOX_IOC_INFO, netlink).
 * A message being copied out stays in its place (mbox_msg::busy) until it
 * is received.
 */
#ifndef _MBOX_QUEUE_H
#define _MBOX_QUEUE_H

#include <linux/rbtree.h>
#include <linux/types.h>

struct mbox_msg;

struct mbox_queue {
	struct rb_root_cached root;
	unsigned int count;
	u64 bytes;		/* payload bytes queued */
};

void mbox_queue_init(struct mbox_queue *queue);
void mbox_queue_add(struct mbox_queue *queue, struct mbox_msg *msg);
void mbox_queue_del(struct mbox_queue *queue, struct mbox_msg *msg);
struct mbox_msg *mbox_queue_first(struct mbox_queue *queue);
struct mbox_msg *mbox_queue_next(struct mbox_msg *msg);

#endif /* _MBOX_QUEUE_H */
