// SPDX-License-Identifier: GPL-2.0
/*
 * Per-mailbox byte quotas: see quota.h, and DOC: Accounting in the uapi
 * header for the model.
 */
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/mbox.h>

#include "message.h"
#include "params.h"
#include "quota.h"
#include "uid_account.h"

/*
 * The exact charge of a message of @len payload bytes: what the allocator
 * hands out for the message header plus the payload.  Up to
 * KMALLOC_MAX_CACHE_SIZE that is the kmalloc size class; above, a
 * power-of-two number of pages (what kvmalloc() gets on its first try, and
 * at least what its vmalloc fall-back takes).
 */
size_t mbox_msg_charge(u32 len)
{
	return kmalloc_size_roundup(struct_size_t(struct mbox_msg, data, len));
}

/* Checks &mbox_create.bytes_max; also for MBOX_CMD_MBOX_NEW. */
int mbox_quota_check(const struct mbox_create *args)
{
	if (!args->bytes_max)
		return 0;
	if (args->capacity_mode != MBOX_CAPACITY_UNBOUNDED)
		return -EINVAL;
	if (args->bytes_max > MBOX_BYTES_CEILING ||
	    args->bytes_max < mbox_msg_charge(args->msg_size))
		return -EINVAL;
	return 0;
}

/* The most bytes a mailbox made from checked @args may have queued. */
static unsigned long mbox_quota_limit(const struct mbox_create *args)
{
	unsigned long largest = mbox_msg_charge(args->msg_size);

	switch (args->capacity_mode) {
	case MBOX_CAPACITY_BOUNDED:
		/* At most 2^20 messages of at most 8 MiB: no overflow. */
		return args->capacity * largest;
	case MBOX_CAPACITY_UNBOUNDED:
		if (args->bytes_max)
			return args->bytes_max;
		return max(READ_ONCE(mbox_unbounded_bytes_default), largest);
	default:
		/* Offers stay charged to their blocked senders. */
		return 0;
	}
}

/*
 * Reserves the new mailbox's limit from @creator.  Returns 0 or -ENOBUFS
 * when the reservation would take @creator past user_bytes_max.
 */
int mbox_quota_init(struct mbox_quota *q, const struct mbox_create *args,
		    struct mbox_acct *creator)
{
	unsigned long limit = mbox_quota_limit(args);
	int err;

	q->reserved = limit;
	atomic_long_set(&q->charged, 0);
	/*
	 * A persistent mailbox reserves the same capacity * charge(msg_size)
	 * itself (persist.c), against RLIMIT_MSGQUEUE as well.
	 */
	if (args->flags & MBOX_CREATE_PERSIST) {
		q->user = NULL;
		return 0;
	}
	err = mbox_acct_charge_bytes(creator, limit);
	if (err)
		return err;
	q->user = mbox_acct_ref(creator);
	return 0;
}

/* Gives the reservation back; the mailbox is destroyed.  Idempotent. */
void mbox_quota_release(struct mbox_quota *q)
{
	struct mbox_acct *user = q->user;

	if (!user)
		return;
	q->user = NULL;
	mbox_acct_uncharge_bytes(user, q->reserved);
	mbox_acct_put(user);
}

/*
 * Whether the mailbox can take @msg within its limit.  Under the mailbox
 * lock, so that mbox_quota_take() right after cannot pass the limit.
 */
bool mbox_quota_room(const struct mbox_quota *q, const struct mbox_msg *msg)
{
	return mbox_quota_charged(q) + msg->charge <= q->reserved;
}

/*
 * The mailbox accepts @msg: its charge moves from the sender's user to the
 * mailbox, inside the creator's reservation.  Under the mailbox lock.
 */
void mbox_quota_take(struct mbox_quota *q, struct mbox_msg *msg)
{
	if (WARN_ON_ONCE(msg->quota))
		return;
	atomic_long_add(msg->charge, &q->charged);
	mbox_acct_uncharge_inflight(msg->user, msg->charge);
	msg->quota = q;
}
