// SPDX-License-Identifier: GPL-2.0
/*
 * Handle file operations: the send, receive, info and death-notice ioctls,
 * poll, release.  Argument checking lives here; the work is in transfer.c.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "handle.h"
#include "mailbox.h"
#include "transfer.h"
#include "user.h"

static bool mbox_handle_receives(const struct mbox_handle *h)
{
	return h->role != MBOX_ROLE_USER;
}

/* The broadcast cursor of a receiver handle, or NULL. */
static struct mbox_sub *mbox_handle_sub(struct mbox_handle *h)
{
	if (h->role == MBOX_ROLE_RECEIVER &&
	    (h->mb->flags & MBOX_CREATE_BROADCAST))
		return &h->sub;
	return NULL;
}

/* Turns the uapi timeout fields into a deadline for the wait helpers. */
static int mbox_deadline(u32 flags, u64 timeout_ns, ktime_t *deadline,
			 ktime_t **pdeadline)
{
	if (!(flags & MBOX_MSG_TIMEOUT)) {
		*pdeadline = NULL;
		return timeout_ns ? -EINVAL : 0;
	}
	if (timeout_ns > KTIME_MAX)
		return -EINVAL;
	*deadline = ns_to_ktime(timeout_ns);
	*pdeadline = deadline;
	return 0;
}

static bool mbox_nonblock(struct file *file, u32 flags)
{
	return (flags & MBOX_MSG_NONBLOCK) || (file->f_flags & O_NONBLOCK);
}

static long mbox_ioctl_send(struct file *file, struct mbox_handle *h,
			    struct mbox_send __user *uargs)
{
	struct mbox_send args;
	ktime_t deadline, *pdeadline;
	u64 seq = 0;
	int err;

	if (!h->may_send)
		return -EPERM;
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~MBOX_MSG_FLAGS)
		return -EINVAL;
	if (args.priority > MBOX_PRIO_MAX)
		return -EINVAL;
	if (args.reserved[0] || args.reserved[1])
		return -EINVAL;
	err = mbox_deadline(args.flags, args.timeout_ns, &deadline, &pdeadline);
	if (err)
		return err;

	/*
	 * Make sure the result can be reported before anything is sent: a
	 * send must not succeed with its outcome lost on the way back.  The
	 * probe writes back the caller's own value, so a send that fails
	 * later still leaves the structure as it was.
	 */
	if (put_user(args.seq, &uargs->seq))
		return -EFAULT;

	err = mbox_send(h->mb, h->user, &args, mbox_nonblock(file, args.flags),
			pdeadline, &seq);
	if (err)
		return err;

	/* Only a concurrent unmap can fail this; the message is sent anyway. */
	if (put_user(seq, &uargs->seq))
		return 0;
	return 0;
}

/* Checks the selective-receive fields of @args into @sel. */
static int mbox_recv_select(const struct mbox_handle *h,
			    const struct mbox_recv *args,
			    struct mbox_select *sel)
{
	u32 type_flags = args->flags & (MBOX_RECV_TYPE | MBOX_RECV_TYPE_EXCEPT);

	sel->flags = args->flags & ~MBOX_MSG_FLAGS;
	sel->from_pid = args->from_pid;
	sel->want_type = args->want_type;

	if (sel->flags && (h->mb->flags & MBOX_CREATE_BROADCAST))
		return -EINVAL;
	if (type_flags == (MBOX_RECV_TYPE | MBOX_RECV_TYPE_EXCEPT))
		return -EINVAL;
	if (sel->flags & MBOX_RECV_FROM) {
		if (args->from_pid <= 0)
			return -EINVAL;
	} else if (args->from_pid) {
		return -EINVAL;
	}
	if (!type_flags && args->want_type)
		return -EINVAL;
	return 0;
}

static long mbox_ioctl_recv(struct file *file, struct mbox_handle *h,
			    struct mbox_recv __user *uargs)
{
	struct mbox_select sel;
	struct mbox_recv args;
	ktime_t deadline, *pdeadline;
	int err;

	if (!mbox_handle_receives(h))
		return -EPERM;
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~MBOX_RECV_FLAGS)
		return -EINVAL;
	if (args.reserved1 || args.reserved[0])
		return -EINVAL;
	err = mbox_recv_select(h, &args, &sel);
	if (err)
		return err;
	err = mbox_deadline(args.flags, args.timeout_ns, &deadline, &pdeadline);
	if (err)
		return err;

	args.msg_len = 0;
	args.priority = 0;
	args.seq = 0;
	args.sender_pid = 0;
	args.sender_uid = 0;
	args.type = 0;

	err = mbox_recv(h->mb, mbox_handle_sub(h), &sel, &args,
			mbox_nonblock(file, args.flags), pdeadline, uargs);
	if (err == -EMSGSIZE && put_user(args.msg_len, &uargs->msg_len))
		return -EFAULT;
	return err;
}

static long mbox_ioctl_info(struct mbox_handle *h,
			    struct mbox_info __user *uargs)
{
	struct mbox *mb = h->mb;
	struct mbox_info info;

	memset(&info, 0, sizeof(info));
	info.id = mb->id;
	info.role = h->role;
	info.flags = mb->flags;
	info.capacity_mode = mb->capacity_mode;
	info.capacity = mb->capacity;
	info.msg_size = mb->msg_size;
	info.mode = mb->mode;
	info.owner_uid = from_kuid_munged(current_user_ns(), mb->uid);
	strscpy(info.name, mb->name, sizeof(info.name));

	mutex_lock(&mb->lock);
	info.state = mb->dead ? MBOX_STATE_DEAD : MBOX_STATE_ALIVE;
	info.queued = mb->queue.count;
	info.waiting_senders = mb->nr_senders;
	info.queued_bytes = mb->queue.bytes;
	info.sent = mb->sent;
	info.received = mb->received;
	mutex_unlock(&mb->lock);

	return copy_to_user(uargs, &info, sizeof(info)) ? -EFAULT : 0;
}

static long mbox_ioctl_watch(struct mbox_handle *h,
			     struct mbox_watch __user *uargs)
{
	struct mbox_watch args;
	int err = 0;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.reserved0 || args.reserved[0] ||
	    args.reserved[1])
		return -EINVAL;
	if (h->role == MBOX_ROLE_OWNER)
		return -EINVAL;

	mutex_lock(&h->mb->lock);
	if (h->watch != MBOX_WATCH_NONE)
		err = -EALREADY;
	else
		h->watch = MBOX_WATCH_ARMED;
	mutex_unlock(&h->mb->lock);

	/* Already dead: the notice is due now. */
	if (!err && READ_ONCE(h->mb->dead))
		wake_up_interruptible_poll(&h->mb->poll_wq, EPOLLPRI);
	return err;
}

static long mbox_ioctl_notice(struct mbox_handle *h,
			      struct mbox_notice __user *uargs)
{
	struct mbox *mb = h->mb;
	struct mbox_notice notice;
	int err = 0;

	memset(&notice, 0, sizeof(notice));
	mutex_lock(&mb->lock);
	if (h->watch == MBOX_WATCH_NONE) {
		err = -EINVAL;
	} else if (h->watch == MBOX_WATCH_READ) {
		err = -ENOENT;
	} else if (!mb->dead) {
		err = -EAGAIN;
	} else {
		notice.id = mb->id;
		notice.reason = mb->death_reason;
		/* Exactly one notice: consumed only once it reached the user. */
		if (copy_to_user(uargs, &notice, sizeof(notice)))
			err = -EFAULT;
		else
			h->watch = MBOX_WATCH_READ;
	}
	mutex_unlock(&mb->lock);
	return err;
}

static long mbox_handle_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct mbox_handle *h = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MBOX_IOC_SEND:
		return mbox_ioctl_send(file, h, argp);
	case MBOX_IOC_RECV:
		return mbox_ioctl_recv(file, h, argp);
	case MBOX_IOC_INFO:
		return mbox_ioctl_info(h, argp);
	case MBOX_IOC_WATCH:
		return mbox_ioctl_watch(h, argp);
	case MBOX_IOC_NOTICE:
		return mbox_ioctl_notice(h, argp);
	default:
		return -ENOTTY;
	}
}

static __poll_t mbox_handle_poll(struct file *file, poll_table *wait)
{
	struct mbox_handle *h = file->private_data;
	__poll_t mask;

	poll_wait(file, &h->mb->poll_wq, wait);
	mask = mbox_poll_mask(h->mb, mbox_handle_receives(h),
			      mbox_handle_sub(h));
	if (READ_ONCE(h->watch) == MBOX_WATCH_ARMED && READ_ONCE(h->mb->dead))
		mask |= EPOLLPRI;
	return mask;
}

static int mbox_handle_release(struct inode *inode, struct file *file)
{
	struct mbox_handle *h = file->private_data;
	struct mbox *mb = h->mb;

	if (h->role == MBOX_ROLE_OWNER) {
		mbox_destroy(mb, MBOX_NOTICE_OWNER_GONE);
	} else if (h->role == MBOX_ROLE_RECEIVER) {
		if (mbox_handle_sub(h))
			mbox_sub_detach(mb, &h->sub);
		mbox_receiver_closed(mb);
	}
	mbox_put(mb);
	mbox_user_put(h->user);
	kfree(h);
	return 0;
}

static const struct file_operations mbox_handle_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = mbox_handle_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = mbox_handle_poll,
	.release = mbox_handle_release,
};

/*
 * Creates a handle file for @mb with @role.  It takes its own references on
 * @mb and @user; the caller keeps its own.  A receiver handle is counted
 * (and subscribed, on a broadcast mailbox) before it can be used.
 */
struct file *mbox_handle_file(struct mbox *mb, struct mbox_user *user,
			      u32 role, bool may_send, u32 fd_flags)
{
	static const char * const names[] = {
		[MBOX_ROLE_OWNER] = "[mbox-owner]",
		[MBOX_ROLE_USER] = "[mbox-user]",
		[MBOX_ROLE_RECEIVER] = "[mbox-receiver]",
	};
	struct mbox_handle *h;
	struct file *file;

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->mb = mb;
	h->user = user;
	h->role = role;
	h->may_send = may_send;
	INIT_LIST_HEAD(&h->sub.link);

	file = anon_inode_getfile(names[role], &mbox_handle_fops, h,
				  O_RDWR | (fd_flags & O_NONBLOCK));
	if (IS_ERR(file)) {
		kfree(h);
		return file;
	}
	kref_get(&mb->ref);
	mbox_user_ref(user);
	if (role == MBOX_ROLE_RECEIVER) {
		mbox_receiver_opened(mb);
		if (mb->flags & MBOX_CREATE_BROADCAST)
			mbox_sub_attach(mb, &h->sub);
	}
	return file;
}
