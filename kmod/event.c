// SPDX-License-Identifier: GPL-2.0
/*
 * Mailbox events, the death reason and the FULL/NOT_FULL throttle.  See
 * event.h.
 */
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/sched.h>
#include <linux/mbox.h>

#include "event.h"
#include "mailbox.h"
#include "trace.h"

/* Set before the first mailbox exists, cleared after the last is gone. */
static const struct mbox_event_ops *mbox_event_ops;

void mbox_event_register(const struct mbox_event_ops *ops)
{
	WRITE_ONCE(mbox_event_ops, ops);
}

void mbox_event_unregister(void)
{
	WRITE_ONCE(mbox_event_ops, NULL);
}

static const struct mbox_event_ops *mbox_event_consumer(void)
{
	return READ_ONCE(mbox_event_ops);
}

/*
 * The owner handle goes from an exiting task when the process holding it
 * died: the last reference to the file is dropped from exit's task work.
 */
enum mbox_death mbox_owner_death_reason(void)
{
	return current->flags & PF_EXITING ? MBOX_DEATH_OWNER_DIED :
					     MBOX_DEATH_OWNER_CLOSED;
}

/* What death notices (and the mbox_destroy tracepoint) say. */
u32 mbox_death_notice(const struct mbox *mb, enum mbox_death why)
{
	switch (why) {
	case MBOX_DEATH_DELETED:
		return MBOX_NOTICE_DELETED;
	case MBOX_DEATH_UNDONE:
		/* Nobody could use it yet; an OS mailbox dies by deletion. */
		return mb->flags & MBOX_CREATE_OS ? MBOX_NOTICE_DELETED :
						    MBOX_NOTICE_OWNER_GONE;
	default:
		return MBOX_NOTICE_OWNER_GONE;
	}
}

static bool mbox_death_by_owner(enum mbox_death why)
{
	return why == MBOX_DEATH_OWNER_CLOSED || why == MBOX_DEATH_OWNER_DIED;
}

/* The mailbox got its id; it may still fail to register. */
void mbox_event_new(struct mbox *mb)
{
	trace_mbox_create(mb);
}

static void mbox_event_full_work(struct work_struct *work);

/* It is reachable: from now on its events go out. */
void mbox_event_created(struct mbox *mb)
	__must_hold(&mb->lock)
{
	const struct mbox_event_ops *ops = mbox_event_consumer();
	struct mbox_events *ev = &mb->events;

	INIT_DELAYED_WORK(&ev->work, mbox_event_full_work);
	ev->next = jiffies;
	ev->announced = true;
	if (ops)
		ops->created(mb);
}

/* Before the mailbox is shut down: who ended it, if its owner did. */
void mbox_event_dying(struct mbox *mb, enum mbox_death why)
{
	if (mbox_death_by_owner(why))
		trace_mbox_owner_death(mb, why == MBOX_DEATH_OWNER_DIED);
}

/* As it is marked dead, with what it still held. */
void mbox_event_dead(struct mbox *mb, enum mbox_death why)
	__must_hold(&mb->lock)
{
	trace_mbox_destroy(mb, mbox_death_notice(mb, why));
}

/*
 * FULL and NOT_FULL of one mailbox go out at most once per interval: a
 * producer and a consumer of nearly equal speed can swing a mailbox
 * between full and empty every few messages, and unthrottled that flood
 * would overrun listeners and cost them the other mailboxes' events too.
 */
#define MBOX_EVENT_FULL_INTERVAL	(HZ / 10)

static void mbox_event_report_full(struct mbox *mb)
	__must_hold(&mb->lock)
{
	const struct mbox_event_ops *ops = mbox_event_consumer();
	struct mbox_events *ev = &mb->events;

	ev->reported = ev->full;
	ev->next = jiffies + MBOX_EVENT_FULL_INTERVAL;
	if (ops)
		ops->full(mb, ev->full);
}

/*
 * Reports the state a throttled change left behind, if it still differs.
 * Also for a mailbox that just died: mbox_event_destroyed() waits for this
 * before DESTROYED goes out.
 */
static void mbox_event_report_pending(struct mbox *mb)
{
	mutex_lock(&mb->lock);
	if (mb->events.full != mb->events.reported)
		mbox_event_report_full(mb);
	mbox_unlock(mb);
}

static void mbox_event_full_work(struct work_struct *work)
{
	struct mbox *mb = container_of(to_delayed_work(work), struct mbox,
				       events.work);

	mbox_event_report_pending(mb);
	mbox_put(mb);
}

/*
 * Called once the mailbox is dead and shut down.  A report held back by
 * throttling goes out first, so that the last FULL/NOT_FULL a listener saw
 * is the mailbox's final state, and none comes after DESTROYED.
 */
void mbox_event_destroyed(struct mbox *mb, enum mbox_death why)
{
	const struct mbox_event_ops *ops;

	if (!mb->events.announced)
		return;
	if (cancel_delayed_work_sync(&mb->events.work)) {
		mbox_event_report_pending(mb);
		mbox_put(mb);	/* the pending work's; never the last */
	}
	ops = mbox_event_consumer();
	if (!ops)
		return;
	if (why == MBOX_DEATH_OWNER_DIED)
		ops->owner_died(mb);
	ops->destroyed(mb, why);
}

/* Through mbox_mark_full() and mbox_mark_not_full(), on transitions. */
void mbox_event_full_changed(struct mbox *mb, bool full)
	__must_hold(&mb->lock)
{
	const struct mbox_event_ops *ops = mbox_event_consumer();
	struct mbox_events *ev = &mb->events;

	WRITE_ONCE(ev->full, full);
	/* A sender may find a named mailbox before it is announced. */
	if (!ev->announced || mb->dead)
		return;
	/*
	 * Nobody to tell: nothing to report, now or later, and no work item
	 * to arm.  A listener that joins later learns the changes from then.
	 */
	if (!ops || !ops->listened()) {
		ev->reported = full;
		return;
	}
	/* A pending report will look at the state when it runs. */
	if (delayed_work_pending(&ev->work) || full == ev->reported)
		return;
	if (time_before(jiffies, ev->next)) {
		kref_get(&mb->ref);
		if (!schedule_delayed_work(&ev->work, ev->next - jiffies))
			mbox_put(mb);
		return;
	}
	mbox_event_report_full(mb);
}
