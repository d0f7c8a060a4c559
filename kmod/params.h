/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters: the limits an administrator may tune at run time
 * through /sys/module/mbox/parameters.
 *
 * DOC: Reading limits
 *
 * Every limit may change at any moment.  Each check reads a limit once with
 * READ_ONCE() and holds no lock for it: a change applies to the next
 * operation, never to one in progress.  Values already in use (the size or
 * capacity of an existing mailbox) are not revisited when a limit shrinks.
 */
#ifndef _MBOX_PARAMS_H
#define _MBOX_PARAMS_H

#include <linux/bits.h>
#include <linux/sizes.h>
#include <linux/types.h>

/*
 * The ranges the parameters accept (the lower bound is 1); the netlink
 * interface checks against the same values.  user_bytes_max takes any value.
 */
#define MBOX_MSG_SIZE_CEILING	SZ_4M
#define MBOX_CAPACITY_CEILING	BIT(20)
#define MBOX_MAILBOXES_CEILING	BIT(24)
/* Largest per-mailbox byte limit (&mbox_create.bytes_max, the default). */
#define MBOX_BYTES_CEILING	BIT_ULL(40)

/* Largest message size a mailbox may be created with. */
extern unsigned int mbox_msg_size_max;
/* Largest capacity of a BOUNDED mailbox, in messages. */
extern unsigned int mbox_capacity_max;
/* Bytes of queued messages one user may have charged at once. */
extern unsigned long mbox_user_bytes_max;
/* Byte limit of an UNBOUNDED mailbox created with bytes_max 0. */
extern unsigned long mbox_unbounded_bytes_default;
/* Mailboxes one user may own at once. */
extern unsigned int mbox_user_mailboxes_max;
/* Persistent mailboxes (MBOX_CREATE_PERSIST) one user may have at once. */
extern unsigned int mbox_user_persistent_max;

struct mbox_limits {
	u32 msg_size_max;
	u32 capacity_max;
	u64 user_bytes_max;
	u32 user_mailboxes_max;
	u64 unbounded_bytes_default;
};

#define MBOX_LIMIT_MSG_SIZE		BIT(0)
#define MBOX_LIMIT_CAPACITY		BIT(1)
#define MBOX_LIMIT_USER_BYTES		BIT(2)
#define MBOX_LIMIT_USER_MAILBOXES	BIT(3)
#define MBOX_LIMIT_UNBOUNDED_BYTES	BIT(4)

void mbox_limits_get(struct mbox_limits *limits);
void mbox_limits_set(const struct mbox_limits *limits, unsigned int mask);

#endif /* _MBOX_PARAMS_H */
