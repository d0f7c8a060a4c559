/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Persistent mailboxes (MBOX_CREATE_PERSIST): OS-owned mailboxes that any
 * user may create, for POSIX message queues.
 *
 * DOC: Lifetime and accounting
 *
 * A persistent mailbox is an OS-owned one (it carries MBOX_CREATE_OS as
 * well, so linking, deleting and receiver handles work as for those) whose
 * creator pays up front: mbox_persist_reserve() counts it against the
 * creator's user_persistent_max, adds its worst-case size to the user's
 * RLIMIT_MSGQUEUE total and charges it to the user's bytes, all before the
 * mailbox can be found.  mbox_persist_release() gives all of it back when
 * the mailbox is destroyed, after its messages were freed.  A message is
 * charged to its sender's own user while in flight (a sender blocked on a
 * full queue holds it against its own user_bytes_max), and moves into
 * that reservation (@mb->quota) when the queue accepts it, so a sender
 * can use neither the creator's quota nor an uncapped one.  Every handle
 * (not only receiver handles) counts in nr_receiver_handles, so an
 * unlinked queue lives while any handle does.
 *
 * The counters are atomics of struct mbox_acct; no lock is taken.
 */
#ifndef _MBOX_PERSIST_H
#define _MBOX_PERSIST_H

struct mbox;
struct mbox_create;
struct mbox_acct;

int mbox_persist_check(const struct mbox_create *args);
int mbox_persist_reserve(struct mbox *mb, struct mbox_acct *creator);
void mbox_persist_release(struct mbox *mb);

#endif /* _MBOX_PERSIST_H */
