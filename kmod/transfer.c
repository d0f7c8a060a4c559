// SPDX-License-Identifier: GPL-2.0
/*
 * Send and receive.  See transfer.h for how waiters are woken and how
 * broadcast works, and mailbox.h for the locking rules.
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "bridge.h"
#include "mailbox.h"
#include "message.h"
#include "notify.h"
#include "ring.h"
#include "trace.h"
#include "transfer.h"

static bool mbox_is_broadcast(const struct mbox *mb)
{
	return mb->flags & MBOX_CREATE_BROADCAST;
}

static void mbox_wake_pollers(struct mbox *mb, __poll_t mask)
{
	if (wq_has_sleeper(&mb->poll_wq))
		wake_up_interruptible_poll(&mb->poll_wq, mask);
}

/* Claims and wakes the longest-waiting plain receiver, if any. */
static void mbox_wake_receiver(struct mbox *mb)
	__must_hold(&mb->lock)
{
	struct mbox_receiver *r;

	r = list_first_entry_or_null(&mb->receivers, struct mbox_receiver,
				     link);
	if (!r)
		return;
	list_del_init(&r->link);
	WRITE_ONCE(mb->nr_receivers, mb->nr_receivers - 1);
	r->claimed = true;
	mbox_wake_later(mb, r->task);
}

/* Wakes every selective or broadcast receiver: each decides for itself. */
static void mbox_wake_selectors(struct mbox *mb)
	__must_hold(&mb->lock)
{
	struct mbox_receiver *r, *tmp;

	list_for_each_entry_safe(r, tmp, &mb->selectors, link) {
		list_del_init(&r->link);
		r->claimed = true;
		mbox_wake_later(mb, r->task);
	}
}

static void mbox_resolve_sender(struct mbox *mb, struct mbox_sender *s,
				enum mbox_wait_state state)
	__must_hold(&mb->lock)
{
	s->state = state;
	mbox_wake_later(mb, s->task);
}

/* Makes @msg available to receivers, as an accepted message or an offer. */
static void mbox_enqueue(struct mbox *mb, struct mbox_msg *msg)
	__must_hold(&mb->lock)
{
	struct mbox_sub *sub;

	msg->order = ++mb->tickets;
	if (mbox_is_broadcast(mb)) {
		msg->qprio = 0;
		msg->readers = 0;
		list_for_each_entry(sub, &mb->subs, link) {
			msg->readers++;
			if (!sub->next)
				WRITE_ONCE(sub->next, msg);
		}
	} else {
		msg->qprio = msg->prio;
	}
	mbox_queue_add(&mb->queue, msg);
	if (mb->queue.count > mb->high_water)
		WRITE_ONCE(mb->high_water, mb->queue.count);
	/* A streaming receiver is busy, not waiting: spare the calls. */
	if (!list_empty(&mb->receivers))
		mbox_wake_receiver(mb);
	if (!list_empty(&mb->selectors))
		mbox_wake_selectors(mb);
	mbox_wake_pollers(mb, EPOLLIN | EPOLLRDNORM);
}

static void mbox_accept(struct mbox *mb, struct mbox_msg *msg)
	__must_hold(&mb->lock)
{
	mbox_quota_take(&mb->quota, msg);
	msg->seq = mb->sent + 1;
	WRITE_ONCE(mb->sent, msg->seq);
	trace_mbox_send(mb, msg, msg->seq);
	mbox_enqueue(mb, msg);
}

/* Accepts a sender's message; from now on only @s->seq may be read. */
static void mbox_accept_sender(struct mbox *mb, struct mbox_sender *s)
	__must_hold(&mb->lock)
{
	mbox_accept(mb, s->msg);
	s->seq = s->msg->seq;
}

/*
 * Room may have freed up: see "Admission" in transfer.h.  A reserved head
 * sender is handed the room at once; otherwise the head is invited (woken
 * once) to take it, while running senders may take it meanwhile.
 */
static void mbox_admit_senders(struct mbox *mb)
	__must_hold(&mb->lock)
{
	struct mbox_sender *s;

	while (mb->queue.count < mb->capacity) {
		s = list_first_entry_or_null(&mb->senders, struct mbox_sender,
					     link);
		if (!s)
			break;
		if (!s->reserved) {
			if (!s->invited) {
				s->invited = true;
				mbox_wake_later(mb, s->task);
			}
			break;
		}
		list_del_init(&s->link);
		mbox_accept_sender(mb, s);
		mbox_resolve_sender(mb, s, MBOX_WAIT_DONE);
	}
}

/*
 * A batch receive that wants more than is queued hands free room to the
 * head blocked sender at once and takes its message too, as if it had been
 * there; without this the batch would end where the senders' wait began.
 */
static void mbox_admit_head(struct mbox *mb)
	__must_hold(&mb->lock)
{
	struct mbox_sender *s;

	s = list_first_entry_or_null(&mb->senders, struct mbox_sender, link);
	if (!s || mb->queue.count >= mb->capacity)
		return;
	s->reserved = true;
	mbox_admit_senders(mb);
}

/*
 * An invited head sender runs: it takes the room if some is left, else
 * the room that frees up next is reserved for it.  Returns whether it got
 * in.
 */
static bool mbox_sender_invited(struct mbox *mb, struct mbox_sender *s)
	__must_hold(&mb->lock)
{
	s->invited = false;
	if (mb->queue.count >= mb->capacity) {
		s->reserved = true;
		return false;
	}
	list_del_init(&s->link);
	mbox_accept_sender(mb, s);
	s->state = MBOX_WAIT_DONE;
	/* Room left: the next blocked sender may have it. */
	mbox_admit_senders(mb);
	return true;
}

/*
 * Sleeps until a waker resolves @s, the deadline passes or a signal comes.
 * A resolution wins over a timeout or signal that raced with it: the
 * caller looks at @s->state first.  So does an invitation with room.
 */
static int mbox_sender_sleep(struct mbox *mb, struct mbox_sender *s,
			     ktime_t *deadline)
	__must_hold(&mb->lock)
{
	bool timed_out = false;

	while (s->state == MBOX_WAIT_PENDING) {
		if (signal_pending(current))
			return -ERESTARTSYS;
		if (timed_out)
			return -ETIMEDOUT;
		trace_mbox_block(mb, true, deadline);
		set_current_state(TASK_INTERRUPTIBLE);
		mbox_unlock(mb);
		timed_out = !schedule_hrtimeout_range(deadline,
						      current->timer_slack_ns,
						      HRTIMER_MODE_ABS);
		mutex_lock(&mb->lock);
		/*
		 * Take an invitation before tracing the wake-up, so that it
		 * reads "done" when we got in: an invited wake-up is not a
		 * spurious one.  A batch receive may have handed us room
		 * meanwhile (resolved, still marked invited): nothing to take.
		 */
		if (s->invited && s->state == MBOX_WAIT_PENDING)
			mbox_sender_invited(mb, s);
		trace_mbox_wake(mb, true, s->state, timed_out);
	}
	return 0;
}

/* The error a resolved sender returns; -EAGAIN covers a refused hand-off. */
static int mbox_sender_result(const struct mbox_sender *s)
{
	switch (s->state) {
	case MBOX_WAIT_DONE:
		return 0;
	case MBOX_WAIT_DEAD:
		return -EPIPE;
	case MBOX_WAIT_UNREACHABLE:
		return -ENOTCONN;
	case MBOX_WAIT_FAILED:
		return s->err;
	default:
		return -EAGAIN;
	}
}

static int mbox_send_bounded(struct mbox *mb, struct mbox_sender *s,
			     bool nonblock, ktime_t *deadline)
	__must_hold(&mb->lock)
{
	struct mbox_sender *head;
	int err;

	/* Room not reserved for a blocked sender: see "Admission". */
	head = list_first_entry_or_null(&mb->senders, struct mbox_sender,
					link);
	if (mb->queue.count < mb->capacity && (!head || !head->reserved)) {
		mbox_accept_sender(mb, s);
		return 0;
	}
	mbox_mark_full(mb);
	if (nonblock)
		return -EAGAIN;

	s->invited = false;
	s->reserved = false;
	list_add_tail(&s->link, &mb->senders);
	WRITE_ONCE(mb->nr_senders, mb->nr_senders + 1);
	err = mbox_sender_sleep(mb, s, deadline);
	WRITE_ONCE(mb->nr_senders, mb->nr_senders - 1);
	/* EPOLLOUT also waits for the last blocked sender: tell pollers. */
	if (!mb->nr_senders && mb->queue.count < mb->capacity)
		mbox_wake_pollers(mb, EPOLLOUT | EPOLLWRNORM);

	if (s->state != MBOX_WAIT_PENDING)
		return mbox_sender_result(s);
	list_del(&s->link);
	/* An invitation or reservation of ours passes to the next one. */
	mbox_admit_senders(mb);
	return err;
}

/*
 * A sender stops waiting for its unresolved offer.  An offer a receiver has
 * numbered is accepted and can no longer be withdrawn (its seq is counted
 * as sent): the sender leaves it to the mailbox (@sender cleared, the
 * sender must not free it) and reports it sent, so the receiver that has it
 * receives it, or puts it back in the queue for another receiver if the
 * copy faults.  A taken offer not yet numbered (a hand-off, or a bridge's
 * MBOX_RECV_HOLD copy) is left the same way, since its receiver holds it;
 * only a killed sender gets here with one.  Any other offer, untaken or
 * held by a bridge, is withdrawn and never delivered here, and @err is
 * returned - as -EINTR rather than a transparent restart for a held one,
 * which the bridge may have sent on already.
 */
static int mbox_zero_abandon(struct mbox *mb, struct mbox_sender *s, int err)
	__must_hold(&mb->lock)
{
	struct mbox_msg *msg = s->msg;

	if (msg->seq || msg->busy) {
		msg->sender = NULL;
		s->msg = NULL;
		if (!msg->seq)
			return err;
		s->seq = msg->seq;
		return 0;
	}
	if (mbox_offer_withdraw(mb, msg) && err == -ERESTARTSYS)
		return -EINTR;
	return err;
}

/*
 * Waits until a receiver settles @s's offer, the deadline passes or a
 * signal comes; then an accepted (numbered) offer is left to the mailbox
 * and reported sent, any other withdrawn (mbox_zero_abandon()).  So no
 * sender waits on a receiver's copy longer than it asked to: a user
 * controls how long that copy takes.  A taken offer not yet numbered - a
 * @handoff until its receiver numbers or refuses it, which is bounded work
 * under the lock, or a bridge's hold being copied out by that privileged
 * bridge - ends the wait only on a fatal signal; a @handoff returns as
 * soon as it is numbered.  A resolution wins over a signal or timeout that
 * raced with it.
 */
static int mbox_zero_wait(struct mbox *mb, struct mbox_sender *s,
			  bool handoff, ktime_t *deadline)
	__must_hold(&mb->lock)
{
	bool timed_out = false;
	bool unnumbered;

	WRITE_ONCE(mb->nr_senders, mb->nr_senders + 1);
	while (s->state == MBOX_WAIT_PENDING) {
		unnumbered = s->msg->busy && !s->msg->seq;
		if (handoff && s->msg->seq)
			break;
		if (unnumbered ? fatal_signal_pending(current) :
				 signal_pending(current))
			break;
		if (!unnumbered && timed_out)
			break;
		trace_mbox_block(mb, true, unnumbered ? NULL : deadline);
		set_current_state(unnumbered ? TASK_KILLABLE :
					       TASK_INTERRUPTIBLE);
		mbox_unlock(mb);
		if (unnumbered)
			schedule();
		else
			timed_out = !schedule_hrtimeout_range(deadline,
							      current->timer_slack_ns,
							      HRTIMER_MODE_ABS);
		mutex_lock(&mb->lock);
		trace_mbox_wake(mb, true, s->state, timed_out);
	}
	WRITE_ONCE(mb->nr_senders, mb->nr_senders - 1);
	if (s->state != MBOX_WAIT_PENDING)
		return mbox_sender_result(s);
	return mbox_zero_abandon(mb, s, signal_pending(current) ?
				 -ERESTARTSYS : -ETIMEDOUT);
}

/*
 * A non-blocking rendezvous: hand the message straight to the longest-idle
 * receiver and wait only for that receiver to number it (the send then
 * returns 0 at once, the copy goes on without the sender) or refuse it.
 * The message is busy from the moment it is handed over, so nobody else
 * can see it and it cannot linger.
 */
static int mbox_send_zero_handoff(struct mbox *mb, struct mbox_sender *s)
	__must_hold(&mb->lock)
{
	struct mbox_receiver *r;

	r = list_first_entry_or_null(&mb->receivers, struct mbox_receiver,
				     link);
	if (!r) {
		mbox_mark_full(mb);
		return -EAGAIN;
	}
	/* Its place, should it ever be put back in the queue (see above). */
	s->msg->order = ++mb->tickets;
	s->msg->qprio = s->msg->prio;
	s->msg->busy = 1;
	r->handoff = s->msg;
	mbox_wake_receiver(mb);
	return mbox_zero_wait(mb, s, true, NULL);
}

static int mbox_send_zero(struct mbox *mb, struct mbox_sender *s,
			  bool nonblock, ktime_t *deadline)
	__must_hold(&mb->lock)
{
	int err;

	s->msg->sender = s;
	if (nonblock)
		return mbox_send_zero_handoff(mb, s);
	/* A deadline already past: a waiting receiver, or no wait at all. */
	if (deadline && ktime_compare(*deadline, ktime_get()) <= 0) {
		err = mbox_send_zero_handoff(mb, s);
		return err == -EAGAIN ? -ETIMEDOUT : err;
	}

	if (list_empty(&mb->receivers) && list_empty(&mb->selectors))
		mbox_mark_full(mb);
	mbox_enqueue(mb, s->msg);
	return mbox_zero_wait(mb, s, false, deadline);
}

/* Sends one message whose lock is held; nothing is freed here. */
static int mbox_send_one_locked(struct mbox *mb, struct mbox_sender *s,
				bool nonblock, ktime_t *deadline)
	__must_hold(&mb->lock)
{
	s->state = MBOX_WAIT_PENDING;
	INIT_LIST_HEAD(&s->link);

	if (mb->dead)
		return -EPIPE;
	if (mbox_is_broadcast(mb) && list_empty(&mb->subs))
		return -ENOTCONN;
	switch (mb->capacity_mode) {
	case MBOX_CAPACITY_UNBOUNDED:
		if (!mbox_quota_room(&mb->quota, s->msg))
			return -ENOBUFS;
		mbox_accept_sender(mb, s);
		return 0;
	case MBOX_CAPACITY_BOUNDED:
		return mbox_send_bounded(mb, s, nonblock, deadline);
	default:
		return mbox_send_zero(mb, s, nonblock, deadline);
	}
}

/* As above, and fires an MBOX_IOC_NOTIFY registration it makes due. */
static int mbox_send_one(struct mbox *mb, struct mbox_sender *s,
			 bool nonblock, ktime_t *deadline)
	__must_hold(&mb->lock)
{
	bool notify = mbox_notify_due(mb);
	int err;

	err = mbox_send_one_locked(mb, s, nonblock, deadline);
	if (!err && notify)
		mbox_notify_fire(mb);
	return err;
}

static inline int mbox_check_len(const struct mbox *mb, u32 len)
{
	if (len > mb->msg_size)
		return -EMSGSIZE;
	if ((mb->flags & MBOX_CREATE_FIXED_SIZE) && len != mb->msg_size)
		return -EINVAL;
	return 0;
}

/*
 * Whether a message of @len bytes may be sent: 0, or -EMSGSIZE or -EINVAL
 * counted as a rejected send, as mbox_xfer_send() would.
 */
int mbox_xfer_check_len(struct mbox *mb, u32 len)
{
	int err = mbox_check_len(mb, len);

	if (err)
		atomic64_inc(&mb->rejected);
	return err;
}

/*
 * Sends @count (at most MBOX_XFER_CHUNK) messages through a handle charged
 * to @user, in order, under one hold of the lock.  Only the first may wait (as @nonblock and
 * @deadline say); the others go only if they can at once, like a
 * non-blocking send.  Returns how many were sent, their sequence numbers in
 * @seqs, or -errno if the first was not.  Every message is checked before
 * any is sent: a bad size fails the whole call.  An error after the first
 * message only shortens the batch.
 */
int mbox_xfer_send(struct mbox *mb, struct mbox_acct *user,
		   const struct mbox_tx *tx, unsigned int count, bool nonblock,
		   ktime_t *deadline, u64 *seqs)
{
	struct mbox_msg *msgs[MBOX_XFER_CHUNK];
	struct mbox_sender s = {
		.task = current,
		.deadline = deadline ? *deadline : KTIME_MAX,
	};
	unsigned int i, ready, sent = 0;
	int err = 0;

	if (WARN_ON_ONCE(!count || count > MBOX_XFER_CHUNK))
		return -EINVAL;
	for (i = 0; i < count && !err; i++)
		err = mbox_check_len(mb, tx[i].len);
	if (err)
		goto rejected;

	for (ready = 0; ready < count; ready++) {
		msgs[ready] = mbox_msg_new(user, u64_to_user_ptr(tx[ready].buf),
					   tx[ready].len, tx[ready].origin);
		if (IS_ERR(msgs[ready])) {
			err = PTR_ERR(msgs[ready]);
			break;
		}
		msgs[ready]->prio = tx[ready].priority;
		msgs[ready]->type = tx[ready].type;
	}
	if (!ready)
		goto out;

	if (mutex_lock_interruptible(&mb->lock)) {
		err = -ERESTARTSYS;
		goto out;
	}
	for (sent = 0; sent < ready; sent++) {
		s.msg = msgs[sent];
		err = mbox_send_one(mb, &s, nonblock || sent, deadline);
		/* NULL: a ZERO offer left to the receiver that took it. */
		msgs[sent] = s.msg;
		if (err)
			break;
		seqs[sent] = s.seq;
	}
	mbox_unlock(mb);

out:
	/*
	 * Accepted messages belong to the mailbox (and may be gone by now);
	 * ZERO offers, and whatever was not sent, stay ours - unless left to
	 * a receiver by a killed sender.
	 */
	for (i = mb->capacity_mode == MBOX_CAPACITY_ZERO ? 0 : sent;
	     i < ready; i++)
		if (msgs[i])
			mbox_msg_free(msgs[i]);
	if (sent)
		return sent;
rejected:
	if (err != -ERESTARTSYS && err != -EINTR && err != -EFAULT &&
	    err != -EPIPE)
		atomic64_inc(&mb->rejected);
	return err;
}

static bool mbox_msg_selected(const struct mbox_msg *msg,
			      const struct mbox_select *sel)
{
	if ((sel->flags & MBOX_RECV_FROM) && pid_vnr(msg->pid) != sel->from_pid)
		return false;
	if ((sel->flags & MBOX_RECV_TYPE) && msg->type != sel->want_type)
		return false;
	if ((sel->flags & MBOX_RECV_TYPE_EXCEPT) && msg->type == sel->want_type)
		return false;
	return true;
}

/* The first message from @msg on that a plain receiver may take. */
static inline struct mbox_msg *mbox_pick_from(struct mbox_msg *msg,
					      const struct mbox_select *sel)
{
	for (; msg; msg = mbox_queue_next(msg))
		if (!msg->busy && mbox_msg_selected(msg, sel))
			return msg;
	return NULL;
}

/*
 * The next message this receiver may take, or NULL: messages other
 * receivers are copying out are passed by, and a broadcast handle takes
 * nothing while another receive on it is copying.
 */
static struct mbox_msg *mbox_pick(struct mbox *mb, struct mbox_sub *sub,
				  const struct mbox_select *sel)
	__must_hold(&mb->lock)
{
	if (sub)
		return sub->busy ? NULL : sub->next;
	return mbox_pick_from(mbox_queue_first(&mb->queue), sel);
}

/* Gives @msg the next sequence number: it is accepted now. */
static void mbox_number(struct mbox *mb, struct mbox_msg *msg)
	__must_hold(&mb->lock)
{
	msg->seq = mb->sent + 1;
	WRITE_ONCE(mb->sent, msg->seq);
}

/* A BOUNDED queue that has drained completely is no longer full. */
static void mbox_check_drained(struct mbox *mb)
	__must_hold(&mb->lock)
{
	if (mb->capacity_mode == MBOX_CAPACITY_BOUNDED && !mb->queue.count)
		mbox_mark_not_full(mb);
}

/* Frees broadcast messages every receiver has read: always at the head. */
static void mbox_bcast_trim(struct mbox *mb)
	__must_hold(&mb->lock)
{
	struct mbox_msg *msg;
	bool freed = false;

	while ((msg = mbox_queue_first(&mb->queue)) && !msg->readers) {
		mbox_queue_del(&mb->queue, msg);
		mbox_msg_free(msg);
		freed = true;
	}
	mbox_admit_senders(mb);
	mbox_check_drained(mb);
	if (freed)
		mbox_wake_pollers(mb, EPOLLOUT | EPOLLWRNORM);
}

/*
 * Takes @msg and, for a batch, the messages after it, up to @count: each
 * becomes busy (see transfer.h), and a ZERO offer is accepted and numbered
 * - unless a MBOX_RECV_HOLD receive takes it, which numbers it only when
 * the bridge completes it (bridge.h).
 * A hand-off (@handoff, always first) is busy already.  Stops before a
 * message that does not fit its buffer; returns how many were taken, 0
 * with @rx[0].msg_len set if the first does not fit.
 */
static unsigned int mbox_take(struct mbox *mb, struct mbox_sub *sub,
			      const struct mbox_select *sel,
			      struct mbox_msg *msg, bool handoff,
			      struct mbox_rx *rx, struct mbox_msg **msgs,
			      unsigned int count)
	__must_hold(&mb->lock)
{
	unsigned int n = 0;

	while (msg) {
		rx[n].msg_len = msg->len;
		if (msg->len > rx[n].len)
			break;
		if (!handoff) {
			msg->busy++;
			if (!sub)
				WRITE_ONCE(mb->nr_busy, mb->nr_busy + 1);
		}
		/* The sender's stack may be gone by the copy: read it now. */
		rx[n].hold_ns = rx[n].hold && msg->sender ?
				mbox_hold_time_left(msg->sender) : 0;
		if (!msg->seq && !(rx[n].hold && msg->sender)) {
			mbox_number(mb, msg);
			/* A hand-off's sender waits just for this. */
			if (handoff && msg->sender)
				mbox_wake_later(mb, msg->sender->task);
		}
		msgs[n++] = msg;
		if (n == count)
			break;
		/*
		 * Nothing queued before @msg was ours to take: go on from
		 * there (a hand-off is not queued: search the whole queue).
		 */
		if (sub)
			msg = mbox_queue_next(msg);
		else if (handoff)
			msg = mbox_pick(mb, NULL, sel);
		else
			msg = mbox_pick_from(mbox_queue_next(msg), sel);
		handoff = false;
	}
	if (sub && n)
		sub->busy = true;
	return n;
}

/*
 * Copies the @n taken messages out into @rx without the mailbox lock (their
 * fields do not change while they are busy): the payloads up to the first
 * that faults, then the descriptions of those, reported as entries @base on
 * in one go.  Returns how many reached user space completely.
 */
static unsigned int mbox_copy_out(struct mbox_msg **msgs, unsigned int n,
				  struct mbox_rx *rx, unsigned int base,
				  const struct mbox_rx_report *report)
{
	struct mbox_msg *msg;
	unsigned int i;

	for (i = 0; i < n; i++) {
		msg = msgs[i];
		if (copy_to_user(u64_to_user_ptr(rx[i].buf), msg->data,
				 msg->len))
			break;
		rx[i].priority = msg->prio;
		rx[i].type = msg->type;
		rx[i].seq = rx[i].hold ? msg->order : msg->seq;
		rx[i].sender_pid = pid_vnr(msg->pid);
		rx[i].sender_uid = from_kuid_munged(current_user_ns(), msg->uid);
		rx[i].vouched = mbox_msg_origin(msg, &rx[i].origin);
	}
	return i ? report->fn(report->ctx, base, rx, i) : 0;
}

/*
 * Ends a take of @msg.  Returns whether it is unlinked from the queue: a
 * hand-off never was, anything else only if mbox_shutdown() unlinked it.
 */
static bool mbox_untake(struct mbox *mb, struct mbox_msg *msg,
			struct mbox_sub *sub, bool handoff)
	__must_hold(&mb->lock)
{
	msg->busy--;
	if (!sub && !handoff)
		WRITE_ONCE(mb->nr_busy, mb->nr_busy - 1);
	return RB_EMPTY_NODE(&msg->node);
}

/*
 * A MBOX_RECV_HOLD receive copied offer @msg out: it is held now, and its
 * sender, which waited killably while it was busy, may again end its wait
 * by a signal or its deadline (bridge.h).  Neither received nor numbered.
 */
static void mbox_consume_held(struct mbox *mb, struct mbox_msg *msg)
	__must_hold(&mb->lock)
{
	struct mbox_sender *s = msg->sender;

	trace_mbox_recv(mb, msg, msg->order);
	if (mbox_untake(mb, msg, NULL, false)) {
		/* mbox_shutdown() unlinked it: nobody can complete it now. */
		mbox_resolve_sender(mb, s, MBOX_WAIT_DEAD);
		return;
	}
	mbox_hold(mb, msg);
	mbox_wake_later(mb, s->task);
}

/*
 * A taken message reached user space: it is received now - or held, if a
 * MBOX_RECV_HOLD receive (@hold) took an offer whose sender still waits.
 * An offer it took from a sender killed meanwhile has nobody to hold: it
 * is received outright, and numbered only now.
 */
static void mbox_consume(struct mbox *mb, struct mbox_msg *msg,
			 struct mbox_sub *sub, bool handoff, bool hold)
	__must_hold(&mb->lock)
{
	bool unlinked;

	if (hold && msg->sender) {
		mbox_consume_held(mb, msg);
		return;
	}
	if (!msg->seq)
		mbox_number(mb, msg);
	unlinked = mbox_untake(mb, msg, sub, handoff);

	WRITE_ONCE(mb->received, mb->received + 1);
	if (mb->capacity_mode == MBOX_CAPACITY_ZERO)
		trace_mbox_send(mb, msg, msg->seq);
	trace_mbox_recv(mb, msg, msg->seq);
	if (sub) {
		if (unlinked) {
			/* The mailbox died meanwhile: last reader frees. */
			if (!msg->busy)
				mbox_msg_free(msg);
			return;
		}
		WRITE_ONCE(sub->next, mbox_queue_next(msg));
		msg->readers--;
		mbox_bcast_trim(mb);
	} else {
		if (!RB_EMPTY_NODE(&msg->node))
			mbox_queue_del(&mb->queue, msg);
		if (msg->sender) {
			msg->sender->seq = msg->seq;
			mbox_resolve_sender(mb, msg->sender, MBOX_WAIT_DONE);
		} else {
			mbox_msg_free(msg);
			/* Spare the call to a streaming receiver. */
			if (!list_empty(&mb->senders))
				mbox_admit_senders(mb);
			mbox_check_drained(mb);
		}
	}
	mbox_wake_pollers(mb, EPOLLOUT | EPOLLWRNORM);
}

/*
 * A taken message did not reach user space (fault, or a batch cut short):
 * it is available again at the place it never left.  A refused hand-off
 * goes back to its sender; one whose sender was killed joins the queue
 * instead, at the place its ticket gives it.
 */
static void mbox_put_back(struct mbox *mb, struct mbox_msg *msg,
			  struct mbox_sub *sub, bool handoff)
	__must_hold(&mb->lock)
{
	bool unlinked = mbox_untake(mb, msg, sub, handoff);

	if (sub) {
		if (unlinked && !msg->busy)
			mbox_msg_free(msg);
		return;
	}
	if (mb->dead) {
		/* mbox_shutdown() left it to us: finish its job. */
		if (msg->sender)
			mbox_resolve_sender(mb, msg->sender, MBOX_WAIT_DEAD);
		else
			mbox_msg_free(msg);
		return;
	}
	/* Refused before it was numbered: the hand-off never happened. */
	if (msg->sender && handoff && !msg->seq) {
		mbox_resolve_sender(mb, msg->sender, MBOX_WAIT_REFUSED);
		return;
	}
	/* Numbered, it is accepted: a hand-off joins the queue too. */
	if (RB_EMPTY_NODE(&msg->node))
		mbox_queue_add(&mb->queue, msg);
	/* Its signal or deadline may end its wait again. */
	if (msg->sender)
		mbox_wake_later(mb, msg->sender->task);
	mbox_wake_receiver(mb);
	mbox_wake_selectors(mb);
	mbox_wake_pollers(mb, EPOLLIN | EPOLLRDNORM);
}

/*
 * Receives (or, for @hold, holds) the first @done of the @n taken
 * messages, puts back the rest.
 */
static void mbox_settle(struct mbox *mb, struct mbox_sub *sub,
			struct mbox_msg **msgs, unsigned int n,
			unsigned int done, bool handoff, bool hold)
	__must_hold(&mb->lock)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (i < done)
			mbox_consume(mb, msgs[i], sub, handoff && !i, hold);
		else
			mbox_put_back(mb, msgs[i], sub, handoff && !i);
	}
	if (sub) {
		sub->busy = false;
		/* Other receives on this handle waited for us. */
		mbox_wake_selectors(mb);
	}
}

/* Whether a plain receive may unlink @msg (mbox_recv_unlinked()). */
static bool mbox_unlinkable(const struct mbox_msg *msg, const struct mbox_rx *rx)
{
	return msg->seq && !msg->sender && msg->len <= rx->len;
}

/*
 * The common receive in one lock section: a plain receive (of one message,
 * or a batch's chunk) of queued messages no sender waits on, from @msg on.
 * Each leaves the queue, and everything receiving them changes is done
 * before the lock is dropped: room freed (blocked senders admitted,
 * pollers told), counted as received.  Only if a copy fails is the lock
 * taken again, to put that message and the ones after it back where their
 * priority and ticket put them (their same places), undo their count, and
 * tell receivers; see "Copies without the lock" in transfer.h.  Stops
 * before a message that does not fit its buffer or has a waiting sender.
 * Drops the lock; returns how many were received, or -EFAULT.
 */
static int mbox_recv_unlinked(struct mbox *mb, const struct mbox_select *sel,
			      struct mbox_msg *msg, struct mbox_msg **msgs,
			      struct mbox_rx *rx, unsigned int count,
			      const struct mbox_rx_report *report)
	__must_hold(&mb->lock)
{
	struct mbox_msg *next;
	unsigned int n = 0, got, i;

	while (msg && mbox_unlinkable(msg, &rx[n])) {
		rx[n].msg_len = msg->len;
		msgs[n++] = msg;
		if (n == count)
			break;
		/* Nothing before @msg was ours: go on from there. */
		next = mbox_pick_from(mbox_queue_next(msg), sel);
		mbox_queue_del(&mb->queue, msg);
		msg = next;
		/* A batch takes blocked senders' messages too, as they come. */
		if (!msg && !list_empty(&mb->senders)) {
			mbox_admit_head(mb);
			msg = mbox_pick(mb, NULL, sel);
		}
	}
	if (n == count)
		mbox_queue_del(&mb->queue, msgs[n - 1]);
	WRITE_ONCE(mb->received, mb->received + n);
	if (!list_empty(&mb->senders))
		mbox_admit_senders(mb);
	mbox_check_drained(mb);
	mbox_wake_pollers(mb, EPOLLOUT | EPOLLWRNORM);
	mbox_unlock(mb);

	got = mbox_copy_out(msgs, n, rx, 0, report);
	for (i = 0; i < got; i++) {
		if (mb->capacity_mode == MBOX_CAPACITY_ZERO)
			trace_mbox_send(mb, msgs[i], msgs[i]->seq);
		trace_mbox_recv(mb, msgs[i], msgs[i]->seq);
		mbox_msg_free(msgs[i]);
	}
	if (got == n)
		return n;

	/* Uninterruptible, but never held for long: see mailbox.h. */
	mutex_lock(&mb->lock);
	WRITE_ONCE(mb->received, mb->received - (n - got));
	for (i = got; i < n; i++) {
		if (mb->dead) {
			/* mbox_shutdown() freed the queue without it. */
			mbox_msg_free(msgs[i]);
			continue;
		}
		mbox_queue_add(&mb->queue, msgs[i]);
		mbox_wake_receiver(mb);
	}
	/* Room given away meanwhile: the queue may peak above capacity. */
	if (mb->queue.count > mb->high_water)
		WRITE_ONCE(mb->high_water, mb->queue.count);
	if (!mb->dead) {
		mbox_wake_selectors(mb);
		mbox_wake_pollers(mb, EPOLLIN | EPOLLRDNORM);
	}
	mbox_unlock(mb);
	return got ? got : -EFAULT;
}

/*
 * Receives into @rx[0..@count), @count at most MBOX_XFER_CHUNK, the next
 * messages (for a broadcast receiver
 * handle, the next ones its cursor @sub has not read) that @sel allows.
 * Only the first may be waited for; the others are taken if already there.
 * Returns how many were received, or -errno if none was; -EMSGSIZE sets
 * @rx[0].msg_len.  The copies run without the mailbox lock (transfer.h).
 */
int mbox_xfer_recv(struct mbox *mb, struct mbox_sub *sub,
		   const struct mbox_select *sel, struct mbox_rx *rx,
		   unsigned int count, bool nonblock, ktime_t *deadline,
		   const struct mbox_rx_report *report)
{
	bool plain = !sub && !sel->flags;
	struct mbox_receiver r = {
		.task = current,
	};
	struct mbox_msg *msgs[MBOX_XFER_CHUNK];
	unsigned int n, got, done = 0;
	struct mbox_msg *msg;
	bool timed_out = false;
	int err;

	if (WARN_ON_ONCE(!count || count > MBOX_XFER_CHUNK))
		return -EINVAL;
	INIT_LIST_HEAD(&r.link);
	if (mutex_lock_interruptible(&mb->lock))
		return -ERESTARTSYS;

	for (;;) {
		msg = r.handoff ? r.handoff : mbox_pick(mb, sub, sel);
		if (msg)
			break;
		if (mb->dead) {
			err = -EPIPE;
			goto out;
		}
		if (nonblock) {
			/* A batch goes on into blocked senders' messages. */
			if (count > 1 && !list_empty(&mb->senders)) {
				mbox_admit_head(mb);
				msg = mbox_pick(mb, sub, sel);
				if (msg)
					break;
			}
			err = -EAGAIN;
			goto out;
		}
		if (signal_pending(current)) {
			err = -ERESTARTSYS;
			goto out;
		}
		if (timed_out) {
			err = -ETIMEDOUT;
			goto out;
		}

		if (plain && r.claimed) {
			/* Woken for a message someone else took: keep our turn. */
			list_add(&r.link, &mb->receivers);
		} else if (plain) {
			list_add_tail(&r.link, &mb->receivers);
		} else {
			list_add_tail(&r.link, &mb->selectors);
		}
		if (plain) {
			WRITE_ONCE(mb->nr_receivers, mb->nr_receivers + 1);
			if (mb->capacity_mode == MBOX_CAPACITY_ZERO) {
				/* A receiver waits: senders need not. */
				mbox_mark_not_full(mb);
				mbox_wake_pollers(mb, EPOLLOUT | EPOLLWRNORM);
			}
		}
		r.claimed = false;

		trace_mbox_block(mb, false, deadline);
		set_current_state(TASK_INTERRUPTIBLE);
		mbox_unlock(mb);
		timed_out = !schedule_hrtimeout_range(deadline,
						      current->timer_slack_ns,
						      HRTIMER_MODE_ABS);
		mutex_lock(&mb->lock);
		trace_mbox_wake(mb, false, mb->dead ? MBOX_WAIT_DEAD :
				r.claimed ? MBOX_WAIT_DONE : MBOX_WAIT_PENDING,
				timed_out);

		if (!r.claimed) {
			list_del_init(&r.link);
			if (plain)
				WRITE_ONCE(mb->nr_receivers,
					   mb->nr_receivers - 1);
		}
	}

	if (plain && !r.handoff && !rx[0].hold && mbox_unlinkable(msg, rx))
		return mbox_recv_unlinked(mb, sel, msg, msgs, rx, count,
					  report);

	/*
	 * Rounds of take, copy, settle.  A batch also takes blocked senders'
	 * messages (mbox_admit_head()), as if they had been there.
	 */
	for (;;) {
		n = mbox_take(mb, sub, sel, msg, r.handoff, rx + done, msgs,
			      count - done);
		if (!n) {
			err = -EMSGSIZE;
			if (r.handoff)
				mbox_put_back(mb, r.handoff, NULL, true);
			break;
		}
		mbox_unlock(mb);

		got = mbox_copy_out(msgs, n, rx + done, done, report);
		err = -EFAULT;

		/* Uninterruptible, but never held for long: see mailbox.h. */
		mutex_lock(&mb->lock);
		mbox_settle(mb, sub, msgs, n, got, !!r.handoff, rx[0].hold);
		done += got;
		r.handoff = NULL;
		if (got < n || done == count)
			break;
		msg = mbox_pick(mb, sub, sel);
		if (!msg) {
			mbox_admit_head(mb);
			msg = mbox_pick(mb, sub, sel);
		}
		if (!msg)
			break;
	}
out:
	/* Leaving a message behind after being woken for one: pass it on. */
	if (!done && plain && r.claimed && mb->queue.count)
		mbox_wake_receiver(mb);
	mbox_unlock(mb);
	return done ? done : err;
}

/* A new broadcast receiver handle: it gets messages sent from now on. */
void mbox_sub_attach(struct mbox *mb, struct mbox_sub *sub)
{
	mutex_lock(&mb->lock);
	sub->next = NULL;
	list_add_tail(&sub->link, &mb->subs);
	mbox_unlock(mb);
}

/*
 * A broadcast receiver handle goes: it no longer holds back the messages it
 * had not read, and with the last one gone blocked senders have nobody to
 * reach.
 */
void mbox_sub_detach(struct mbox *mb, struct mbox_sub *sub)
{
	struct mbox_sender *s, *tmp;
	struct mbox_msg *msg;

	mutex_lock(&mb->lock);
	list_del(&sub->link);
	for (msg = sub->next; msg; msg = mbox_queue_next(msg))
		msg->readers--;
	sub->next = NULL;
	/* Before trimming, which would admit them to a log nobody reads. */
	if (list_empty(&mb->subs)) {
		list_for_each_entry_safe(s, tmp, &mb->senders, link) {
			list_del_init(&s->link);
			mbox_resolve_sender(mb, s, MBOX_WAIT_UNREACHABLE);
		}
	}
	mbox_bcast_trim(mb);
	mbox_unlock(mb);
}

/*
 * Marks the mailbox dead and releases everything waiting on it: queued
 * messages are freed, offers and blocked senders are told -EPIPE, waiting
 * receivers wake to find it dead.
 */
void mbox_shutdown(struct mbox *mb)
	__must_hold(&mb->lock)
{
	struct mbox_sender *s, *stmp;
	struct mbox_sub *sub;
	struct mbox_msg *msg;

	WRITE_ONCE(mb->dead, true);
	mbox_ring_shutdown(mb);
	mbox_hold_shutdown(mb);

	list_for_each_entry(sub, &mb->subs, link)
		WRITE_ONCE(sub->next, NULL);
	while ((msg = mbox_queue_first(&mb->queue))) {
		mbox_queue_del(&mb->queue, msg);
		/* Being copied out: whoever settles it last finishes it. */
		if (msg->busy)
			continue;
		if (msg->sender)
			mbox_resolve_sender(mb, msg->sender, MBOX_WAIT_DEAD);
		else
			mbox_msg_free(msg);
	}
	list_for_each_entry_safe(s, stmp, &mb->senders, link) {
		list_del_init(&s->link);
		mbox_resolve_sender(mb, s, MBOX_WAIT_DEAD);
	}
	while (!list_empty(&mb->receivers))
		mbox_wake_receiver(mb);
	mbox_wake_selectors(mb);
	wake_up_interruptible_poll(&mb->poll_wq, EPOLLHUP | EPOLLERR | EPOLLPRI);
}

/*
 * Readiness without the lock: each field is read once, and a waker changes
 * it before waking poll_wq, so a poller never misses a change.  @receiver
 * is true for owner and receiver handles; @sub is a broadcast receiver's
 * cursor.
 */
__poll_t mbox_poll_mask(struct mbox *mb, bool receiver, struct mbox_sub *sub)
{
	__poll_t mask = 0;
	bool writable;

	if (READ_ONCE(mb->dead))
		return EPOLLHUP | EPOLLERR;

	if (sub) {
		if (READ_ONCE(sub->next))
			mask |= EPOLLIN | EPOLLRDNORM;
	} else if (receiver &&
		   READ_ONCE(mb->queue.count) > READ_ONCE(mb->nr_busy)) {
		mask |= EPOLLIN | EPOLLRDNORM;
	}

	switch (mb->capacity_mode) {
	case MBOX_CAPACITY_UNBOUNDED:
		writable = true;
		break;
	case MBOX_CAPACITY_BOUNDED:
		writable = READ_ONCE(mb->queue.count) < mb->capacity &&
			   !READ_ONCE(mb->nr_senders);
		break;
	default:
		writable = READ_ONCE(mb->nr_receivers) > 0;
		break;
	}
	if (writable)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}
