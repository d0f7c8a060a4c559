/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-uid accounting of mailboxes and queued bytes.  The file is named for
 * the uid, not "user": a "user" of a mailbox is also a sending handle
 * (MBOX_ROLE_USER); struct mbox_acct is the account of one uid.
 *
 * DOC: Lifetime and locking
 *
 * A struct mbox_acct exists while anything is charged to its uid: every
 * handle holds a reference for the user that opened it (what is sent
 * through the handle is charged there), every mailbox one for its creator,
 * every message one for the user that sent it.  @bytes counts what the
 * user's mailboxes and rings reserve, @inflight the messages its handles
 * are sending that no mailbox has accepted yet; user_bytes_max caps each
 * on its own, so that reserving the whole budget does not stop a user
 * from sending (see DOC: Accounting in the uapi header and quota.h).  Users live in a
 * global hash table under mbox_accts_lock (a spinlock, innermost of all mbox
 * locks); the last reference removes and frees the entry.  The counters
 * themselves are atomics and need no lock.
 */
#ifndef _MBOX_UID_ACCOUNT_H
#define _MBOX_UID_ACCOUNT_H

#include <linux/atomic.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct mbox_acct {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_long_t bytes;
	atomic_long_t inflight;
	atomic_t mailboxes;
	/* Persistent mailboxes created, and their RLIMIT_MSGQUEUE bytes. */
	atomic_t persistent;
	atomic_long_t persistent_bytes;
};

struct mbox_acct *mbox_acct_get(kuid_t uid);
struct mbox_acct *mbox_acct_ref(struct mbox_acct *user);
void mbox_acct_put(struct mbox_acct *user);

int mbox_acct_charge_bytes(struct mbox_acct *user, size_t bytes);
void mbox_acct_uncharge_bytes(struct mbox_acct *user, size_t bytes);
int mbox_acct_charge_inflight(struct mbox_acct *user, size_t bytes);
void mbox_acct_uncharge_inflight(struct mbox_acct *user, size_t bytes);
int mbox_acct_charge_mailbox(struct mbox_acct *user);
void mbox_acct_uncharge_mailbox(struct mbox_acct *user);

/* What one user has charged (reserved plus in flight), at one moment. */
struct mbox_acct_usage {
	kuid_t uid;
	unsigned long bytes;
	unsigned int mailboxes;
};

int mbox_accts_walk(unsigned long *pos,
		    int (*fn)(const struct mbox_acct_usage *usage, void *arg),
		    void *arg);

#endif /* _MBOX_UID_ACCOUNT_H */
