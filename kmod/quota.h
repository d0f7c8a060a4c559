/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who pays for a queued message: the model is documented for users in
 * uapi/linux/mbox.h (DOC: Accounting); this is how the module keeps it.
 *
 * DOC: Lifetime and locking
 *
 * A struct mbox_quota is embedded in its mailbox.  At create it reserves
 * @reserved bytes from the creator's user (the mailbox holds a reference
 * on that user anyway); the reservation is given back when the mailbox is
 * destroyed - not when it is freed, which another user's handle may put
 * off for ever.  @charged counts the charges of the messages the mailbox
 * has accepted and not yet freed.  It only grows in mbox_quota_take(),
 * under the mailbox lock, so a check there followed by the take cannot be
 * overtaken; it shrinks in mbox_msg_free(), with or without that lock
 * (a receiver may free a message it took out of the queue).  Hence an
 * atomic, read locklessly by MBOX_IOC_INFO and netlink.
 *
 * A message is charged to its sender's user (in struct mbox_acct) from
 * allocation until a mailbox accepts it, and to that mailbox's @charged
 * from then until freed: msg->quota tells which.
 */
#ifndef _MBOX_QUOTA_H
#define _MBOX_QUOTA_H

#include <linux/atomic.h>
#include <linux/types.h>

struct mbox_create;
struct mbox_msg;
struct mbox_acct;

struct mbox_quota {
	struct mbox_acct *user;		/* holds @reserved until destroy */
	unsigned long reserved;		/* the mailbox's byte limit */
	atomic_long_t charged;		/* accepted messages, not yet freed */
};

size_t mbox_msg_charge(u32 len);
int mbox_quota_check(const struct mbox_create *args);
int mbox_quota_init(struct mbox_quota *q, const struct mbox_create *args,
		    struct mbox_acct *creator);
void mbox_quota_release(struct mbox_quota *q);
bool mbox_quota_room(const struct mbox_quota *q, const struct mbox_msg *msg);
void mbox_quota_take(struct mbox_quota *q, struct mbox_msg *msg);

static inline unsigned long mbox_quota_charged(const struct mbox_quota *q)
{
	return atomic_long_read(&q->charged);
}

#endif /* _MBOX_QUOTA_H */
