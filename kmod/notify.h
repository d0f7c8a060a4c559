/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MBOX_IOC_NOTIFY: mq_notify(3) for mailboxes.
 *
 * DOC: Lifetime and locking
 *
 * A mailbox holds at most one struct mbox_notification, @mb->notify,
 * under the mailbox lock.  It is allocated by the registering ioctl and
 * freed, under that lock, by whoever ends it: the send that fires it,
 * MBOX_NOTIFY_REMOVE, a close by the owning process (the handle's
 * ->flush), or the mailbox's destruction.  It pins the owner's struct pid
 * and credentials, never the task.
 *
 * A MBOX_NOTIFY_FD registration shares a struct mbox_notify_fd with its
 * notification descriptor; each holds a reference, so either may go first.
 * Its @state moves once from pending to fired or removed, under the
 * mailbox lock, and is read locklessly by poll and read.
 *
 * A signal is sent with send_sig_info() under the mailbox lock (it takes
 * only the target's siglock) from the sending task, which is what si_pid
 * and si_uid describe.
 */
#ifndef _MBOX_NOTIFY_H
#define _MBOX_NOTIFY_H

#include <linux/types.h>

struct mbox;
struct mbox_notify;

long mbox_notify_ioctl(struct mbox *mb, struct mbox_notify __user *uargs);
bool mbox_notify_due(struct mbox *mb);
void mbox_notify_fire(struct mbox *mb);
void mbox_notify_flush(struct mbox *mb);
void mbox_notify_remove(struct mbox *mb);

#endif /* _MBOX_NOTIFY_H */
