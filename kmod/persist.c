// SPDX-License-Identifier: GPL-2.0
/*
 * Persistent mailboxes: checks and the reservation.  See persist.h.
 */
#include <linux/fcntl.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/mbox.h>

#include "mailbox.h"
#include "message.h"
#include "params.h"
#include "persist.h"
#include "uid_account.h"

/* The MBOX_CREATE_PERSIST rules of the uapi header, on top of the usual ones. */
int mbox_persist_check(const struct mbox_create *args)
{
	u32 acc = args->fd_flags & O_ACCMODE;

	if (!(args->flags & MBOX_CREATE_PERSIST))
		return acc ? -EINVAL : 0;
	if (args->flags & (MBOX_CREATE_OS | MBOX_CREATE_PORT |
			   MBOX_CREATE_BROADCAST))
		return -EINVAL;
	if (args->capacity_mode != MBOX_CAPACITY_BOUNDED || !args->name)
		return -EINVAL;
	if (acc == O_ACCMODE)
		return -EINVAL;
	return 0;
}

/* What counts against RLIMIT_MSGQUEUE: every slot full, plus overhead. */
static unsigned long mbox_persist_rlimit_bytes(const struct mbox *mb)
{
	return size_mul(mb->capacity,
			struct_size_t(struct mbox_msg, data, mb->msg_size));
}

/* What the allocator would really take for a full queue. */
static unsigned long mbox_persist_charge(const struct mbox *mb)
{
	return size_mul(mb->capacity,
			kmalloc_size_roundup(struct_size_t(struct mbox_msg,
							   data,
							   mb->msg_size)));
}

/*
 * Reserves what persistent mailbox @mb may ever hold, for @creator.
 * Called before @mb is registered.
 */
int mbox_persist_reserve(struct mbox *mb, struct mbox_acct *creator)
{
	unsigned long bytes = mbox_persist_rlimit_bytes(mb);
	unsigned long charge = mbox_persist_charge(mb);
	int err;

	if (atomic_inc_return(&creator->persistent) >
	    READ_ONCE(mbox_user_persistent_max)) {
		err = -ENOSPC;
		goto out_count;
	}
	/* RLIMIT_MSGQUEUE binds root too, as it does for mq_open(). */
	if (atomic_long_add_return(bytes, &creator->persistent_bytes) >
	    rlimit(RLIMIT_MSGQUEUE)) {
		err = -EMFILE;
		goto out_bytes;
	}
	err = mbox_acct_charge_bytes(creator, charge);
	if (err)
		goto out_bytes;
	mb->reserved = charge;
	mb->reserved_rlimit = bytes;
	return 0;

out_bytes:
	atomic_long_sub(bytes, &creator->persistent_bytes);
out_count:
	atomic_dec(&creator->persistent);
	return err;
}

/* @mb is destroyed and empty: its creator gets the reservation back. */
void mbox_persist_release(struct mbox *mb)
{
	struct mbox_acct *creator = mb->creator;

	mbox_acct_uncharge_bytes(creator, mb->reserved);
	atomic_long_sub(mb->reserved_rlimit, &creator->persistent_bytes);
	atomic_dec(&creator->persistent);
}
