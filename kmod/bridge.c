// SPDX-License-Identifier: GPL-2.0
/*
 * Bridge proxies: MBOX_CREATE_PROXY, MBOX_RECV_HOLD and MBOX_IOC_COMPLETE.
 * See bridge.h for the life of a held message, mailbox.h for the locking.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "bridge.h"
#include "handle.h"
#include "mailbox.h"
#include "message.h"
#include "trace.h"
#include "transfer.h"

/*
 * A proxy can hold its ZERO senders and claims to speak for another host,
 * so only a network administrator of the IPC namespace's owner may create
 * one.
 */
int mbox_bridge_check_create(u32 flags)
{
	if (!(flags & MBOX_CREATE_PROXY))
		return 0;
	if (flags & (MBOX_CREATE_PORT | MBOX_CREATE_OS))
		return -EINVAL;
	if (!ns_capable(current->nsproxy->ipc_ns->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	return 0;
}

/*
 * An origin is a bridge's word about a remote sender: only a sender with
 * the privilege that makes proxies may give it, checked against the IPC
 * namespace the mailbox lives in (not the sender's, which a passed handle
 * may not share) and at every send (not at open: handles can be passed).
 * Without MBOX_MSG_ORIGIN the same bytes are reserved and must be zero.
 */
int mbox_bridge_check_origin(const struct mbox *mb, u32 send_flags,
			     const struct mbox_origin *origin)
{
	if (!(send_flags & MBOX_MSG_ORIGIN))
		return memchr_inv(origin, 0, sizeof(*origin)) ? -EINVAL : 0;
	if (!ns_capable(mb->ipc_ns->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	return 0;
}

static bool mbox_is_zero_proxy(const struct mbox *mb)
{
	return (mb->flags & MBOX_CREATE_PROXY) &&
	       mb->capacity_mode == MBOX_CAPACITY_ZERO;
}

int mbox_bridge_check_hold(const struct mbox_handle *h, u32 recv_flags)
{
	if (!(recv_flags & MBOX_RECV_HOLD))
		return 0;
	if (h->role != MBOX_ROLE_OWNER || !mbox_is_zero_proxy(h->mb))
		return -EINVAL;
	return 0;
}

/*
 * What a bridge tells the remote side of a held sender's deadline: the
 * nanoseconds left (at least 1, so that a deadline just past is not read
 * as none), or 0 if the sender waits without one.
 */
u64 mbox_hold_time_left(const struct mbox_sender *s)
{
	s64 left;

	if (s->deadline == KTIME_MAX)
		return 0;
	left = ktime_to_ns(ktime_sub(s->deadline, ktime_get()));
	return left > 0 ? left : 1;
}

/* Takes offer @msg out of the queue; its sender keeps waiting. */
void mbox_hold(struct mbox *mb, struct mbox_msg *msg)
	__must_hold(&mb->lock)
{
	mbox_queue_del(&mb->queue, msg);
	mbox_queue_add(&mb->held, msg);
	msg->held = true;
}

/*
 * The sender of offer @msg gives up: wherever it is, it goes.  Returns
 * true if a bridge held it, which may have delivered it remotely already.
 */
bool mbox_offer_withdraw(struct mbox *mb, struct mbox_msg *msg)
	__must_hold(&mb->lock)
{
	if (msg->held) {
		mbox_queue_del(&mb->held, msg);
		msg->held = false;
		return true;
	}
	mbox_queue_del(&mb->queue, msg);
	return false;
}

static void mbox_hold_resolve(struct mbox *mb, struct mbox_msg *msg,
			      enum mbox_wait_state state, int err)
	__must_hold(&mb->lock)
{
	struct mbox_sender *s = msg->sender;

	mbox_queue_del(&mb->held, msg);
	msg->held = false;
	s->err = err;
	s->state = state;
	/* The sender may free @msg as soon as the lock is dropped. */
	mbox_wake_later(mb, s->task);
}

/* The proxy is destroyed: held senders fail like any blocked sender. */
void mbox_hold_shutdown(struct mbox *mb)
	__must_hold(&mb->lock)
{
	struct mbox_msg *msg;

	while ((msg = mbox_queue_first(&mb->held)))
		mbox_hold_resolve(mb, msg, MBOX_WAIT_DEAD, 0);
}

static bool mbox_complete_status_ok(s32 status)
{
	switch (status) {
	case 0:
	case -EPIPE:
	case -ETIMEDOUT:
	case -EAGAIN:
	case -ENOBUFS:
	case -EHOSTUNREACH:
		return true;
	default:
		return false;
	}
}

long mbox_ioctl_complete(struct mbox_handle *h,
			 struct mbox_complete __user *uargs)
{
	struct mbox *mb = h->mb;
	struct mbox_complete args;
	struct mbox_msg *msg;
	u64 seq = 0;
	int err = -ENOENT;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (h->role != MBOX_ROLE_OWNER)
		return -EPERM;
	if (args.flags || args.seq || args.reserved[0] || args.reserved[1] ||
	    !mbox_complete_status_ok(args.status) || !mbox_is_zero_proxy(mb))
		return -EINVAL;

	mutex_lock(&mb->lock);
	/* Few senders are ever held at once: a walk is cheap enough. */
	for (msg = mbox_queue_first(&mb->held); msg; msg = mbox_queue_next(msg))
		if (msg->order == args.token)
			break;
	if (msg) {
		err = 0;
		if (args.status) {
			mbox_hold_resolve(mb, msg, MBOX_WAIT_FAILED,
					  args.status);
		} else {
			/* Taken remotely: accepted and received only now. */
			seq = mb->sent + 1;
			WRITE_ONCE(mb->sent, seq);
			WRITE_ONCE(mb->received, mb->received + 1);
			msg->seq = seq;
			msg->sender->seq = seq;
			trace_mbox_send(mb, msg, seq);
			mbox_hold_resolve(mb, msg, MBOX_WAIT_DONE, 0);
		}
	}
	mbox_unlock(mb);
	if (!err && put_user(seq, &uargs->seq))
		return -EFAULT;
	return err;
}
