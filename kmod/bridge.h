/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bridge proxies: hold a ZERO sender's message for a bridge daemon.
 *
 * DOC: Held messages
 *
 * A MBOX_RECV_HOLD receive moves a ZERO offer from mbox->queue to
 * mbox->held and marks it (@held) instead of consuming it: the sender stays
 * blocked in its send, still owning the message, exactly as while offered.
 * The message leaves mbox->held in one of three ways, all under the mailbox
 * lock: MBOX_IOC_COMPLETE resolves the sender with the bridge's status; the
 * sender's own timeout or signal withdraws it (mbox_offer_withdraw()); the
 * mailbox's destruction resolves it as dead (mbox_hold_shutdown()).  The
 * hold token is the message's arrival ticket, unique within the mailbox.
 */
#ifndef _MBOX_BRIDGE_H
#define _MBOX_BRIDGE_H

#include <linux/types.h>

struct file;
struct mbox;
struct mbox_handle;
struct mbox_msg;
struct mbox_complete;

int mbox_bridge_check_create(u32 flags);
int mbox_bridge_check_hold(const struct mbox_handle *h, u32 recv_flags);
void mbox_hold(struct mbox *mb, struct mbox_msg *msg);
bool mbox_offer_withdraw(struct mbox *mb, struct mbox_msg *msg);
void mbox_hold_shutdown(struct mbox *mb);
long mbox_ioctl_complete(struct mbox_handle *h,
			 struct mbox_complete __user *uargs);

#endif /* _MBOX_BRIDGE_H */
