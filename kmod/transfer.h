/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending and receiving: queueing, waiting and hand-over between tasks.
 *
 * DOC: Waiters
 *
 * Blocked tasks describe themselves with a struct on their own stack and
 * are woken one by one with wake_up_process(), never in a herd:
 *
 * - A struct mbox_sender is a sender waiting for its message to be admitted
 *   (BOUNDED, on mbox->senders in arrival order) or taken (ZERO, reachable
 *   through the offered message in the queue).  Whoever resolves it sets
 *   @state under the mailbox lock and wakes the task; the sender reads
 *   @state under the same lock before it returns, so the struct is never
 *   touched after its frame is gone.
 * - A struct mbox_receiver is a receiver with nothing to take, on
 *   mbox->receivers in arrival order.  Each message that arrives claims and
 *   wakes the longest-waiting one.  A claimed receiver that leaves without
 *   taking a message while one is queued passes the claim on, so a wake-up
 *   is never lost.
 *
 * All of it runs under the mailbox lock; poll reads a few counters without
 * it (mbox_poll_mask()).
 */
#ifndef _MBOX_TRANSFER_H
#define _MBOX_TRANSFER_H

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/mbox.h>

struct mbox;
struct mbox_msg;
struct mbox_user;
struct task_struct;

enum mbox_wait_state {
	MBOX_WAIT_PENDING,	/* still waiting */
	MBOX_WAIT_DONE,		/* admitted (BOUNDED) or taken (ZERO) */
	MBOX_WAIT_REFUSED,	/* handed to a receiver that could not take it */
	MBOX_WAIT_DEAD,		/* the mailbox was destroyed */
};

struct mbox_sender {
	struct list_head link;
	struct task_struct *task;
	struct mbox_msg *msg;
	enum mbox_wait_state state;
};

struct mbox_receiver {
	struct list_head link;
	struct task_struct *task;
	struct mbox_msg *handoff;	/* a non-blocking ZERO offer for us */
	bool claimed;			/* woken for a message */
};

int mbox_send(struct mbox *mb, struct mbox_user *user,
	      const struct mbox_send *args, bool nonblock, ktime_t *deadline,
	      u64 *seq);
int mbox_recv(struct mbox *mb, struct mbox_recv *args, bool nonblock,
	      ktime_t *deadline, struct mbox_recv __user *uargs);
void mbox_shutdown(struct mbox *mb);
__poll_t mbox_poll_mask(struct mbox *mb, bool owner);

#endif /* _MBOX_TRANSFER_H */
