/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "mbox" generic netlink family: inspection, administration and the
 * events multicast group.  The protocol is documented in
 * uapi/linux/mbox_netlink.h.
 *
 * DOC: Lifetime
 *
 * The family is registered before /dev/mbox appears and unregistered after
 * it is gone, so every mailbox lives inside the family's lifetime and the
 * event hooks below never see an unregistered family.  A dump in progress
 * pins the module (netlink takes a reference for it); its state lives in
 * netlink_callback::ctx and holds references on the requester's credentials
 * and pid namespace, dropped in the dump's done callback.
 *
 * DOC: Event hooks and their contexts
 *
 * The hooks are called by the mailbox code, each in process context where
 * sleeping is allowed; each sends at most one message, allocated with
 * GFP_KERNEL, and only if someone listens.  If the allocation fails the
 * listeners get ENOBUFS (genl_set_err()), so no event is lost silently.
 *
 * - mbox_nl_created(): from mbox_register() once the mailbox is reachable,
 *   under its mutex, so that no other event about it can come first.
 * - mbox_nl_destroyed(): from mbox_destroy(), no mbox lock held, after the
 *   mailbox was unregistered and shut down; it also sends OWNER_DIED first
 *   when the owner handle went with an exiting process.
 * - mbox_mark_full(), mbox_mark_not_full(): under the mailbox's mutex,
 *   before the caller sets a task state to sleep.  Holding the mutex keeps
 *   FULL and NOT_FULL of one mailbox in the order of the transitions; the
 *   netlink broadcast takes no lock that the mailbox code ever takes, so the
 *   mutex adds no lock ordering.  @full changes only here, on transitions:
 *   a message sent or received without a transition costs one test.
 *
 * DOC: Throttling FULL and NOT_FULL
 *
 * At most one of them per mailbox goes out per 100 ms.  A change inside
 * the interval arms @full_work (a delayed work holding a mailbox
 * reference), which reports the state as it is when the interval ends, if
 * it differs from the last one reported; so listeners always learn the
 * final state, and the reports still alternate.  The work is armed only
 * while the events group has listeners: without any, a change is simply
 * taken as reported.  mbox_destroy() flushes
 * the work (mbox_nl_flush(), without the mailbox lock, which the work
 * takes) before DESTROYED goes out, and no work is armed for a dead
 * mailbox: the last report before DESTROYED is the final state.
 */
#ifndef _MBOX_NETLINK_H
#define _MBOX_NETLINK_H

#include <linux/types.h>
#include <linux/mbox_netlink.h>

#include "mailbox.h"

int mbox_netlink_register(void);
void mbox_netlink_unregister(void);

void mbox_nl_init(struct mbox *mb);
void mbox_nl_flush(struct mbox *mb);
void mbox_nl_created(struct mbox *mb);
void mbox_nl_destroyed(struct mbox *mb, u32 notice);
void mbox_nl_full_changed(struct mbox *mb);

/* A sender had to wait (or was refused for lack of room or receiver). */
static inline void mbox_mark_full(struct mbox *mb)
	__must_hold(&mb->lock)
{
	if (mb->full)
		return;
	WRITE_ONCE(mb->full, true);
	mbox_nl_full_changed(mb);
}

/* The receiver caught up: BOUNDED queue empty, ZERO receiver waiting. */
static inline void mbox_mark_not_full(struct mbox *mb)
	__must_hold(&mb->lock)
{
	if (!mb->full)
		return;
	WRITE_ONCE(mb->full, false);
	mbox_nl_full_changed(mb);
}

#endif /* _MBOX_NETLINK_H */
