// SPDX-License-Identifier: GPL-2.0
/*
 * Per-uid accounting: see uid_account.h for lifetimes and locking.
 */
#include <linux/errno.h>
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "params.h"
#include "uid_account.h"

#define MBOX_USERS_HASH_BITS	6

static DEFINE_HASHTABLE(mbox_accts, MBOX_USERS_HASH_BITS);
static DEFINE_SPINLOCK(mbox_accts_lock);

static struct mbox_acct *mbox_acct_find(kuid_t uid)
{
	struct mbox_acct *user;

	hash_for_each_possible(mbox_accts, user, node, __kuid_val(uid))
		if (uid_eq(user->uid, uid))
			return user;
	return NULL;
}

/* Returns the user entry for @uid with a new reference, or NULL (no memory). */
struct mbox_acct *mbox_acct_get(kuid_t uid)
{
	struct mbox_acct *user, *fresh;

	spin_lock(&mbox_accts_lock);
	user = mbox_acct_find(uid);
	if (user)
		refcount_inc(&user->ref);
	spin_unlock(&mbox_accts_lock);
	if (user)
		return user;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	fresh->uid = uid;
	refcount_set(&fresh->ref, 1);

	/* Somebody may have added the same uid while we allocated. */
	spin_lock(&mbox_accts_lock);
	user = mbox_acct_find(uid);
	if (user) {
		refcount_inc(&user->ref);
	} else {
		hash_add(mbox_accts, &fresh->node, __kuid_val(uid));
		user = fresh;
		fresh = NULL;
	}
	spin_unlock(&mbox_accts_lock);
	kfree(fresh);
	return user;
}

struct mbox_acct *mbox_acct_ref(struct mbox_acct *user)
{
	refcount_inc(&user->ref);
	return user;
}

void mbox_acct_put(struct mbox_acct *user)
{
	/* Every queued message holds a reference: keep the common put lockless. */
	if (refcount_dec_not_one(&user->ref))
		return;

	spin_lock(&mbox_accts_lock);
	if (!refcount_dec_and_test(&user->ref)) {
		spin_unlock(&mbox_accts_lock);
		return;
	}
	hash_del(&user->node);
	spin_unlock(&mbox_accts_lock);
	WARN_ON_ONCE(atomic_long_read(&user->bytes));
	WARN_ON_ONCE(atomic_long_read(&user->inflight));
	WARN_ON_ONCE(atomic_read(&user->mailboxes));
	kfree(user);
}

static int mbox_acct_charge(atomic_long_t *counter, size_t bytes)
{
	unsigned long limit = READ_ONCE(mbox_user_bytes_max);

	if (atomic_long_add_return(bytes, counter) > limit) {
		atomic_long_sub(bytes, counter);
		return -ENOBUFS;
	}
	return 0;
}

/* Reserves @bytes for @user, or returns -ENOBUFS if that would pass the cap. */
int mbox_acct_charge_bytes(struct mbox_acct *user, size_t bytes)
{
	return mbox_acct_charge(&user->bytes, bytes);
}

void mbox_acct_uncharge_bytes(struct mbox_acct *user, size_t bytes)
{
	atomic_long_sub(bytes, &user->bytes);
}

/* Charges a message in flight to @user, or -ENOBUFS past the cap. */
int mbox_acct_charge_inflight(struct mbox_acct *user, size_t bytes)
{
	return mbox_acct_charge(&user->inflight, bytes);
}

void mbox_acct_uncharge_inflight(struct mbox_acct *user, size_t bytes)
{
	atomic_long_sub(bytes, &user->inflight);
}

int mbox_acct_charge_mailbox(struct mbox_acct *user)
{
	unsigned int limit = READ_ONCE(mbox_user_mailboxes_max);

	if (atomic_inc_return(&user->mailboxes) > limit) {
		atomic_dec(&user->mailboxes);
		return -ENOSPC;
	}
	return 0;
}

void mbox_acct_uncharge_mailbox(struct mbox_acct *user)
{
	atomic_dec(&user->mailboxes);
}

/*
 * Calls @fn on a snapshot of each user entry, resuming at the position
 * *@pos (0 to start).  Stops at the first entry for which @fn returns
 * non-zero and leaves *@pos there, so that a later call - a netlink dump
 * that ran out of room - starts with that entry again; returns @fn's value,
 * or 0 once every entry has been seen.  Entries added or removed between
 * two calls may be missed or seen twice, never any other one.
 *
 * @fn runs under mbox_accts_lock, a spinlock: it must not sleep.
 */
int mbox_accts_walk(unsigned long *pos,
		    int (*fn)(const struct mbox_acct_usage *usage, void *arg),
		    void *arg)
{
	unsigned long bkt = *pos >> 32;
	unsigned long skip = *pos & U32_MAX;
	struct mbox_acct_usage usage;
	struct mbox_acct *user;
	unsigned long i;
	int ret = 0;

	spin_lock(&mbox_accts_lock);
	for (; bkt < HASH_SIZE(mbox_accts); bkt++, skip = 0) {
		i = 0;
		hlist_for_each_entry(user, &mbox_accts[bkt], node) {
			if (i++ < skip)
				continue;
			usage.uid = user->uid;
			usage.bytes = atomic_long_read(&user->bytes) +
				      atomic_long_read(&user->inflight);
			usage.mailboxes = atomic_read(&user->mailboxes);
			ret = fn(&usage, arg);
			if (ret) {
				*pos = bkt << 32 | (i - 1);
				goto out;
			}
		}
	}
	*pos = bkt << 32;
out:
	spin_unlock(&mbox_accts_lock);
	return ret;
}
