// SPDX-License-Identifier: GPL-2.0
/*
 * Message allocation, charging and release.  See message.h.
 */
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/cred.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/mbox.h>

#include "message.h"
#include "quota.h"
#include "uid_account.h"

/* Where a vouched message keeps its origin: after the payload, aligned. */
static size_t mbox_origin_offset(u32 len)
{
	return ALIGN((size_t)len, __alignof__(struct mbox_origin));
}

/*
 * The bytes a message of @len payload bytes allocates behind its header:
 * a vouched one has its origin there too, and is charged for it.  The
 * free decides kfree() or kvfree() by the same size.
 */
static size_t mbox_msg_body(u32 len, bool vouched)
{
	return vouched ? mbox_origin_offset(len) + sizeof(struct mbox_origin) :
			 len;
}

/*
 * Whether @msg carries a vouched origin; if so, copies it to @origin,
 * otherwise zeroes @origin.
 */
bool mbox_msg_origin(const struct mbox_msg *msg, struct mbox_origin *origin)
{
	if (!msg->vouched) {
		memset(origin, 0, sizeof(*origin));
		return false;
	}
	memcpy(origin, msg->data + mbox_origin_offset(msg->len),
	       sizeof(*origin));
	return true;
}

/*
 * Up to a page kvmalloc() is kmalloc() and nothing else; calling kmalloc()
 * and kfree() for those sizes spares two or three calls per message
 * (kvmalloc_node(), and kvfree() asking is_vmalloc_addr()).  Both sides
 * decide by the message's size alone.
 */
static bool mbox_msg_kmalloced(size_t size)
{
	return size <= PAGE_SIZE;
}

/*
 * Copies @len bytes from @buf into a new message, charged to @user as in
 * flight until a mailbox accepts it (mbox_quota_take()), with @origin
 * stored after them if not NULL (see "Vouched origin").  Returns the
 * message or ERR_PTR(-ENOBUFS, -ENOMEM or -EFAULT).
 */
struct mbox_msg *mbox_msg_new(struct mbox_acct *user, const void __user *buf,
			      u32 len, const struct mbox_origin *origin)
{
	size_t body = mbox_msg_body(len, !!origin);
	size_t size = struct_size_t(struct mbox_msg, data, body);
	/* Charge what the allocator really takes, not just what we asked. */
	size_t charge = mbox_msg_charge(body);
	struct mbox_msg *msg;
	int err;

	err = mbox_acct_charge_inflight(user, charge);
	if (err)
		return ERR_PTR(err);

	if (mbox_msg_kmalloced(size))
		msg = kmalloc(size, MBOX_GFP_USER_SIZED);
	else
		msg = kvmalloc(size, MBOX_GFP_USER_SIZED);
	if (!msg) {
		mbox_acct_uncharge_inflight(user, charge);
		return ERR_PTR(-ENOMEM);
	}
	if (copy_from_user(msg->data, buf, len)) {
		kvfree(msg);
		mbox_acct_uncharge_inflight(user, charge);
		return ERR_PTR(-EFAULT);
	}

	RB_CLEAR_NODE(&msg->node);
	msg->order = 0;
	msg->seq = 0;
	msg->sender = NULL;
	msg->user = mbox_acct_ref(user);
	msg->quota = NULL;
	msg->pid = get_pid(task_tgid(current));
	/* The uid permission checks use (and SO_PEERCRED reports). */
	msg->uid = current_euid();
	msg->prio = 0;
	msg->qprio = 0;
	msg->type = 0;
	msg->readers = 0;
	msg->busy = 0;
	msg->held = false;
	msg->vouched = !!origin;
	if (origin)
		memcpy(msg->data + mbox_origin_offset(len), origin,
		       sizeof(*origin));
	msg->charge = charge;
	msg->len = len;
	return msg;
}

void mbox_msg_free(struct mbox_msg *msg)
{
	put_pid(msg->pid);
	if (msg->quota)
		atomic_long_sub(msg->charge, &msg->quota->charged);
	else
		mbox_acct_uncharge_inflight(msg->user, msg->charge);
	mbox_acct_put(msg->user);
	if (mbox_msg_kmalloced(struct_size(msg, data,
					   mbox_msg_body(msg->len, msg->vouched))))
		kfree(msg);
	else
		kvfree(msg);
}
