/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A message: payload plus what the receiver learns about its sender.
 *
 * DOC: Lifetime
 *
 * A message is allocated and filled by the sending task before it takes the
 * mailbox lock.  Its memory is charged to the sending task's memory cgroup
 * until it is freed.  Its bytes are charged to the sending handle's user
 * until a mailbox accepts it, then to that mailbox (@quota; see quota.h).
 * While it sits in a mailbox's queue the mailbox owns it and the mailbox
 * lock protects it.  The one exception is a
 * ZERO capacity mailbox: there the queue holds offers, messages still owned
 * by their blocked sender (@sender is set), which the sender frees when its
 * send returns.  A receiver only reads an offer, under the mailbox lock.
 *
 * DOC: Vouched origin
 *
 * A message sent with MBOX_MSG_ORIGIN stores its &struct mbox_origin after
 * the payload (at an 8-byte aligned offset) and sets @vouched; the origin
 * is written once, before the message is queued, and only read afterwards.
 * Other messages carry no extra bytes: the flag sits in padding.
 */
#ifndef _MBOX_MESSAGE_H
#define _MBOX_MESSAGE_H

#include <linux/gfp.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include <linux/uidgid.h>

/*
 * Memory whose size the caller chooses (a message body, batch arrays):
 * charged to its memcg, and a failure is its -ENOMEM rather than an
 * allocation-failure splat that any unprivileged user could provoke.
 */
#define MBOX_GFP_USER_SIZED	(GFP_KERNEL_ACCOUNT | __GFP_NOWARN)

struct mbox_origin;
struct mbox_quota;
struct mbox_sender;
struct mbox_acct;
struct pid;

struct mbox_msg {
	struct rb_node node;		/* in mbox_queue, by (prio, order) */
	u64 order;			/* arrival ticket within the mailbox */
	u64 seq;			/* set once the message is accepted */
	struct mbox_sender *sender;	/* ZERO: the sender offering it */
	struct mbox_acct *user;		/* charged for @charge until accepted */
	struct mbox_quota *quota;	/* charged for @charge once accepted */
	struct pid *pid;		/* sending thread group */
	kuid_t uid;			/* the sender's euid */
	u32 prio;
	u32 qprio;			/* queue order key: @prio, 0 for broadcast */
	u32 type;
	u32 readers;			/* BROADCAST: receivers yet to read it */
	u32 busy;			/* receivers copying it out, lock dropped */
	bool held;			/* ZERO offer held by a bridge: bridge.h */
	bool vouched;			/* an origin follows the payload */
	size_t charge;
	u32 len;
	u8 data[];
};

struct mbox_msg *mbox_msg_new(struct mbox_acct *user, const void __user *buf,
			      u32 len, const struct mbox_origin *origin);
bool mbox_msg_origin(const struct mbox_msg *msg, struct mbox_origin *origin);
void mbox_msg_free(struct mbox_msg *msg);

#endif /* _MBOX_MESSAGE_H */
