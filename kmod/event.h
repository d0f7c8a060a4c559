/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mailbox events: what the core raises about a mailbox's life and state,
 * and what the tracepoints (trace.h) and the netlink events group
 * (netlink.c) report.  The core calls only this file; the netlink family
 * plugs in below it through struct mbox_event_ops, so the transport is a
 * leaf that nothing in the core calls.
 *
 * DOC: Lifetime
 *
 * One consumer at a time registers its ops (mbox_event_register()) before
 * the first mailbox can exist and unregisters them after the last is gone
 * (main.c orders it around /dev/mbox; handles and linked OS-owned mailboxes
 * pin the module), so the ops never change under a running hook.
 *
 * A mailbox's event state, struct mbox_events inside struct mbox, starts
 * when the mailbox is announced (mbox_event_created()) and ends when it is
 * destroyed (mbox_event_destroyed(), which flushes a throttled report);
 * a mailbox that was never announced raises nothing but its tracepoints.
 *
 * DOC: Death reasons
 *
 * Why a mailbox died is decided once, by whoever ends it, as an enum
 * mbox_death stored in the mailbox (@death): mbox_owner_death_reason() is
 * the only place that looks at PF_EXITING.  The death notice
 * (MBOX_NOTICE_*, mbox_death_notice()), the netlink reason (MBOX_REASON_*),
 * OWNER_DIED and the tracepoints are all derived from that one value.
 *
 * DOC: Contexts and locking
 *
 * - mbox_event_created(): under the mailbox's mutex, once it is reachable,
 *   so that no other event about it can come first.
 * - mbox_event_dying(): without the mutex, before the mailbox is shut down;
 *   mbox_event_dead(): under it, as it is marked dead.
 * - mbox_event_destroyed(): no mbox lock held, after the mailbox was
 *   unregistered and shut down.
 * - mbox_mark_full(), mbox_mark_not_full(): under the mailbox's mutex,
 *   before the caller sets a task state to sleep.  Holding the mutex keeps
 *   FULL and NOT_FULL of one mailbox in the order of the transitions.  The
 *   consumer's hooks run in process context, may allocate with GFP_KERNEL
 *   and must take no lock that the mailbox code takes, so the mutex adds no
 *   lock ordering.  @full changes only here, on transitions: a message sent
 *   or received without a transition costs one test.
 *
 * DOC: Throttling FULL and NOT_FULL
 *
 * At most one of them per mailbox goes out per 100 ms.  A change inside
 * the interval arms @work (a delayed work holding a mailbox reference),
 * which reports the state as it is when the interval ends, if it differs
 * from the last one reported; so listeners always learn the final state,
 * and the reports still alternate.  The work is armed only while the
 * consumer has listeners: without any, a change is simply taken as
 * reported.  mbox_event_destroyed() flushes the work (without the mailbox
 * lock, which the work takes) before DESTROYED goes out, and no work is
 * armed for a dead mailbox: the last report before DESTROYED is the final
 * state.
 */
#ifndef _MBOX_EVENT_H
#define _MBOX_EVENT_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct mbox;

/* Why a mailbox died: decided once, see DOC: Death reasons. */
enum mbox_death {
	MBOX_DEATH_OWNER_CLOSED,	/* owner handle closed, process alive */
	MBOX_DEATH_OWNER_DIED,		/* owner handle went with its process */
	MBOX_DEATH_DELETED,		/* OS-owned: deleted, no receiver left */
	MBOX_DEATH_UNDONE,		/* its creation failed and was undone */
};

/* The "full" state of a mailbox and its throttled reports; under mb->lock. */
struct mbox_events {
	bool announced;			/* CREATED went out */
	bool full;			/* see MBOX_EVENT_FULL */
	bool reported;			/* @full as listeners last heard it */
	unsigned long next;		/* jiffies: next FULL/NOT_FULL allowed */
	struct delayed_work work;	/* a throttled FULL/NOT_FULL */
};

/*
 * What a consumer of the events implements.  Every hook is called in
 * process context; see DOC: Contexts and locking for which hold mb->lock.
 */
struct mbox_event_ops {
	/* Whether reporting is worth anything now: someone listens. */
	bool (*listened)(void);
	void (*created)(struct mbox *mb);
	/* The owner's process died holding it; DESTROYED follows. */
	void (*owner_died)(struct mbox *mb);
	void (*destroyed)(struct mbox *mb, enum mbox_death why);
	void (*full)(struct mbox *mb, bool full);
};

void mbox_event_register(const struct mbox_event_ops *ops);
void mbox_event_unregister(void);

enum mbox_death mbox_owner_death_reason(void);
u32 mbox_death_notice(const struct mbox *mb, enum mbox_death why);

void mbox_event_new(struct mbox *mb);
void mbox_event_created(struct mbox *mb);
void mbox_event_dying(struct mbox *mb, enum mbox_death why);
void mbox_event_dead(struct mbox *mb, enum mbox_death why);
void mbox_event_destroyed(struct mbox *mb, enum mbox_death why);
void mbox_event_full_changed(struct mbox *mb, bool full);

/* Read without the lock, for reports that must not wait for it. */
static inline bool mbox_events_full(const struct mbox_events *ev)
{
	return READ_ONCE(ev->full);
}

#endif /* _MBOX_EVENT_H */
