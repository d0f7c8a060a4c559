/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending and receiving: queueing, waiting and hand-over between tasks.
 *
 * DOC: Waiters
 *
 * Blocked tasks describe themselves with a struct on their own stack and
 * are woken with wake_up_process(), never through a shared wait queue:
 *
 * - A struct mbox_sender is a sender waiting for its message to be admitted
 *   (BOUNDED, on mbox->senders in arrival order; see "Admission") or taken
 *   (ZERO, reachable
 *   through the offered message in the queue).  Whoever resolves it sets
 *   @state (and @seq) under the mailbox lock and wakes the task; the sender
 *   reads them under the same lock before it returns, so the struct is
 *   never touched after its frame is gone.  An admitted message belongs to
 *   the mailbox at once and may be received and freed before its sender
 *   runs again: the sender never touches it after admission.
 * - A struct mbox_receiver is a receiver with nothing to take.  Plain
 *   receivers wait on mbox->receivers in arrival order: each message that
 *   arrives claims and wakes the longest-waiting one, and a claimed receiver
 *   that leaves without taking a message while one is queued passes the
 *   claim on, so a wake-up is never lost.  Selective and broadcast receivers
 *   may not want a given message, so passing claims among them could go
 *   round in circles: they wait on mbox->selectors instead, and every
 *   arrival wakes them all.
 *
 * DOC: Admission
 *
 * Blocked BOUNDED senders are admitted in arrival order among themselves,
 * but a running sender may take free room ahead of them (barging): with strict
 * FIFO a sender just admitted queues behind all the others with its next
 * message, so many blocking senders send one message per wake-up each, a
 * convoy.  The bound: when room frees up, the head blocked sender is
 * invited (@invited: woken once, and nobody else is woken for it) to take
 * it when it runs.  If it finds the room gone, it is @reserved: nobody may
 * barge while the head is reserved, and the next room that frees up is
 * handed to it directly (its message accepted by the freeing task, as
 * before).  So a blocked sender is overtaken only during the one wake-up
 * that invites it, and every blocked sender gets in as long as messages
 * are received.  A head that leaves unadmitted (signal, deadline) passes
 * its invitation or reservation on; one that got in invites the next if
 * room is left.  A batch receive that wants more than is queued admits
 * the head directly, as if it were reserved, and takes its message too.
 *
 * DOC: Broadcast
 *
 * A broadcast mailbox's queue is a log in arrival order.  Each receiver
 * handle holds a struct mbox_sub whose @next points at the first message it
 * has not read; each message counts the receivers that have yet to read it
 * (@readers) and is freed, always from the head of the log, when that count
 * drops to zero.  Capacity bounds the log, so the slowest receiver sets the
 * pace.  A message sent when there is no receiver handle would reach nobody:
 * the send fails with -ENOTCONN instead.
 *
 * DOC: Copies without the lock
 *
 * No user memory is touched under the mailbox lock (see mailbox.h).  A
 * receive takes its messages under the lock (mbox_msg::busy: other
 * receivers pass them by; a broadcast handle's cursor is held by
 * mbox_sub::busy, so that two threads on one handle never read the same
 * message), drops the lock, copies the payloads and descriptions out, and
 * settles under the lock again: each message copied completely is
 * received, the first that faulted and every one after it is put back.
 * A taken message never leaves its place in the queue, so putting it back
 * restores its priority, ticket and sequence number as they were.
 *
 * The common case takes one lock section instead of two: a plain receive
 * (one message, or a batch's chunk of up to MBOX_XFER_CHUNK) of messages
 * no sender waits on (not selective, broadcast, a hold or a ZERO offer)
 * unlinks the messages and does all the receiving under the lock - room
 * freed, blocked senders admitted, mbox->received counted - and copies
 * after.  If a copy faults, that message and the ones after it go back
 * into the queue under the lock, where their priority and ticket put them
 * (their same places), and their count is undone; so a fault still loses
 * nothing and keeps the order, and other receivers skip nothing (they
 * could not see the messages meanwhile, as with busy).  Their room,
 * though, was given away at the unlink: a BOUNDED mailbox may then hold
 * as many messages more than its capacity as were put back (at most a
 * chunk per faulted receive), until receives bring it back below (senders
 * wait or get -EAGAIN meanwhile).  A receiver killed in its copy counts
 * as a fault.  The messages are traced as received after the copy.
 *
 * A ZERO offer a receiver has taken is accepted: it gets its sequence
 * number then (counted in mbox->sent), and keeps it if put back.  From then
 * on it is never withdrawn, or that number would be sent and never
 * received.  Its sender waits for the verdict only as long as it asked to:
 * if it is non-blocking, its deadline passes or a signal comes (fatal or
 * not), it leaves the message to the mailbox (@sender cleared) and returns
 * 0 with the number, since how long the copy takes is up to the receiver's
 * user.  A left message is received, or put back in the queue if the copy
 * faults, exactly as if it had been queued.  A non-blocking hand-off is
 * busy from the moment it is handed over, and numbered when its receiver
 * takes it; refused before that (buffer too small), it goes back to its
 * sender unnumbered, and once numbered a failed copy queues it like any
 * other accepted offer.  A MBOX_RECV_HOLD receive on a bridge proxy takes
 * an offer without numbering it, and settles it as held rather than
 * received (bridge.h); until then its sender waits killably only.
 *
 * Everything else runs under the mailbox lock; poll reads a few fields
 * without it (mbox_poll_mask()).
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
struct mbox_acct;
struct task_struct;

enum mbox_wait_state {
	MBOX_WAIT_PENDING,	/* still waiting */
	MBOX_WAIT_DONE,		/* admitted (BOUNDED) or taken (ZERO) */
	MBOX_WAIT_REFUSED,	/* handed to a receiver that could not take it */
	MBOX_WAIT_DEAD,		/* the mailbox was destroyed */
	MBOX_WAIT_UNREACHABLE,	/* BROADCAST: the last receiver left */
	MBOX_WAIT_FAILED,	/* a bridge completed a held send with @err */
};

struct mbox_sender {
	struct list_head link;
	struct task_struct *task;
	struct mbox_msg *msg;
	u64 seq;			/* once DONE: @msg may be gone by then */
	enum mbox_wait_state state;
	int err;			/* once FAILED: what the send returns */
	ktime_t deadline;		/* KTIME_MAX: none; told to a bridge */
	bool invited;			/* BOUNDED head woken to take room */
	bool reserved;			/* BOUNDED: the next room is ours */
};

/* What a receive may take: see MBOX_RECV_* in the uapi header. */
struct mbox_select {
	u32 flags;
	pid_t from_pid;
	u32 want_type;
};

struct mbox_receiver {
	struct list_head link;
	struct task_struct *task;
	struct mbox_msg *handoff;	/* a non-blocking ZERO offer for us */
	bool claimed;			/* woken for a message */
};

/* A broadcast receiver handle's cursor in the log. */
struct mbox_sub {
	struct list_head link;		/* in mbox->subs */
	struct mbox_msg *next;		/* first unread message, or NULL */
	bool busy;			/* a receive is copying from @next on */
};

/* One message to send: where its bytes are and how it is tagged. */
struct mbox_tx {
	u64 buf;
	u32 len;
	u32 priority;
	u32 type;
	const struct mbox_origin *origin;	/* vouched, or NULL: message.h */
};

/* One message to receive: the buffer, then what delivery fills in. */
struct mbox_rx {
	u64 buf;
	u32 len;
	u32 msg_len;
	u32 priority;
	u32 type;
	u64 seq;
	s32 sender_pid;
	u32 sender_uid;
	u64 hold_ns;			/* a held sender's time left, 0: none */
	bool hold;			/* MBOX_RECV_HOLD: see bridge.h */
	bool vouched;			/* @origin is set: message.h */
	struct mbox_origin origin;
};

/*
 * Writes the descriptions of received messages @base to @base + @n - 1
 * (@rx[0..@n)) to user space, without the mailbox lock, before the
 * messages are consumed.  Returns how many of them, from the first, it
 * wrote completely: those are received, the others put back.
 */
struct mbox_rx_report {
	unsigned int (*fn)(void *ctx, unsigned int base,
			   const struct mbox_rx *rx, unsigned int n);
	void *ctx;
};

/*
 * The most messages one mbox_xfer_send() or mbox_xfer_recv() moves: their
 * arrays live on the caller's stack, so longer batches go in chunks.
 */
#define MBOX_XFER_CHUNK		16

int mbox_xfer_check_len(struct mbox *mb, u32 len);

int mbox_xfer_send(struct mbox *mb, struct mbox_acct *user,
		   const struct mbox_tx *tx, unsigned int count, bool nonblock,
		   ktime_t *deadline, u64 *seqs);
int mbox_xfer_recv(struct mbox *mb, struct mbox_sub *sub,
		   const struct mbox_select *sel, struct mbox_rx *rx,
		   unsigned int count, bool nonblock, ktime_t *deadline,
		   const struct mbox_rx_report *report);
void mbox_sub_attach(struct mbox *mb, struct mbox_sub *sub);
void mbox_sub_detach(struct mbox *mb, struct mbox_sub *sub);
void mbox_shutdown(struct mbox *mb);
__poll_t mbox_poll_mask(struct mbox *mb, bool receiver, struct mbox_sub *sub);

#endif /* _MBOX_TRANSFER_H */
