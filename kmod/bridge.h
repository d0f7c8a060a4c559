/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bridge proxies: hold a ZERO sender's message for a bridge daemon.
 *
 * DOC: Held messages
 *
 * A MBOX_RECV_HOLD receive takes a ZERO offer like any receive (busy,
 * copied out without the mailbox lock, transfer.h) but does not accept it:
 * the offer gets no sequence number, and where a plain receive would settle
 * it as received, it moves from mbox->queue to mbox->held, marked @held.
 * The sender stays blocked in its send, still owning the message, exactly
 * as while offered: killably only while the copy runs, then again
 * interruptibly with its deadline.  A copy that faults puts the offer back
 * in the queue, as for any receive.  A held message leaves mbox->held in
 * one of three ways, all under the mailbox lock: MBOX_IOC_COMPLETE
 * resolves the sender with the bridge's status (with 0 the message is
 * accepted, numbered and received only then); the sender's own timeout or
 * signal withdraws it (mbox_offer_withdraw(); -EINTR, never restarted);
 * the mailbox's destruction resolves it as dead (mbox_hold_shutdown()).
 *
 * An offer whose sender was killed during a copy belongs to the mailbox
 * (transfer.h): a hold receive that takes one has no sender to hold and
 * receives it outright, numbering it then; its token completes with
 * -ENOENT, like that of any sender that gave up.  The hold token is the
 * message's arrival ticket, unique within the mailbox and unchanged while
 * the message is busy, so the copy reads it without the lock.  The time
 * left to the sender's deadline is read when the offer is taken, under the
 * lock: a sender killed during the copy detaches from its message, and its
 * struct mbox_sender lives on its stack.
 *
 * DOC: Vouched origins
 *
 * A bridge's exporter may attach to a message the remote sender it vouches
 * for (MBOX_MSG_ORIGIN).  mbox_bridge_check_origin() allows it only to a
 * holder of CAP_NET_ADMIN over the mailbox's IPC namespace, at each send;
 * the origin then lives with the message (message.h) and nothing here
 * keeps state.
 */
#ifndef _MBOX_BRIDGE_H
#define _MBOX_BRIDGE_H

#include <linux/types.h>

struct file;
struct mbox;
struct mbox_handle;
struct mbox_msg;
struct mbox_origin;
struct mbox_sender;
struct mbox_complete;

int mbox_bridge_check_create(u32 flags);
int mbox_bridge_check_origin(const struct mbox *mb, u32 send_flags,
			     const struct mbox_origin *origin);
int mbox_bridge_check_hold(const struct mbox_handle *h, u32 recv_flags);
u64 mbox_hold_time_left(const struct mbox_sender *s);
void mbox_hold(struct mbox *mb, struct mbox_msg *msg);
bool mbox_offer_withdraw(struct mbox *mb, struct mbox_msg *msg);
void mbox_hold_shutdown(struct mbox *mb);
long mbox_ioctl_complete(struct mbox_handle *h,
			 struct mbox_complete __user *uargs);

#endif /* _MBOX_BRIDGE_H */
