// SPDX-License-Identifier: GPL-2.0
/*
 * Handle file operations: the send, receive and info ioctls, poll, release.
 * Argument checking lives here; the work is in transfer.c.
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
#include "ring.h"
#include "transfer.h"
#include "user.h"

/* Turns the uapi timeout fields into a deadline for the wait helpers. */
int mbox_deadline(u32 flags, u64 timeout_ns, ktime_t *deadline,
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
	 * send must not succeed with its outcome lost on the way back.
	 */
	if (put_user(0ULL, &uargs->seq))
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

static long mbox_ioctl_recv(struct file *file, struct mbox_handle *h,
			    struct mbox_recv __user *uargs)
{
	struct mbox_recv args;
	ktime_t deadline, *pdeadline;
	int err;

	if (!h->owner)
		return -EPERM;
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~MBOX_MSG_FLAGS)
		return -EINVAL;
	if (args.reserved0 || args.reserved[0] || args.reserved[1])
		return -EINVAL;
	err = mbox_deadline(args.flags, args.timeout_ns, &deadline, &pdeadline);
	if (err)
		return err;

	args.msg_len = 0;
	args.priority = 0;
	args.seq = 0;
	args.sender_pid = 0;
	args.sender_uid = 0;
	args.type = 0;

	err = mbox_recv(h->mb, &args, mbox_nonblock(file, args.flags),
			pdeadline, uargs);
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
	info.role = h->owner ? MBOX_ROLE_OWNER : MBOX_ROLE_USER;
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
	default:
		return mbox_ring_ioctl(file, h, cmd, arg);
	}
}

static __poll_t mbox_handle_poll(struct file *file, poll_table *wait)
{
	struct mbox_handle *h = file->private_data;

	poll_wait(file, &h->mb->poll_wq, wait);
	return mbox_poll_mask(h->mb, h->owner);
}

static int mbox_handle_mmap(struct file *file, struct vm_area_struct *vma)
{
	return mbox_ring_mmap(file->private_data, vma);
}

static int mbox_handle_release(struct inode *inode, struct file *file)
{
	struct mbox_handle *h = file->private_data;

	if (h->owner)
		mbox_destroy(h->mb);
	mbox_put(h->mb);
	mbox_user_put(h->user);
	kfree(h);
	return 0;
}

static const struct file_operations mbox_handle_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = mbox_handle_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = mbox_handle_poll,
	.mmap = mbox_handle_mmap,
	.release = mbox_handle_release,
};

/*
 * Creates a handle file for @mb.  It takes its own references on @mb and
 * @user; the caller keeps its own.
 */
struct file *mbox_handle_file(struct mbox *mb, struct mbox_user *user,
			      bool owner, u32 fd_flags)
{
	struct mbox_handle *h;
	struct file *file;

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->mb = mb;
	h->user = user;
	h->owner = owner;

	file = anon_inode_getfile(owner ? "[mbox-owner]" : "[mbox-user]",
				  &mbox_handle_fops, h,
				  O_RDWR | (fd_flags & O_NONBLOCK));
	if (IS_ERR(file)) {
		kfree(h);
		return file;
	}
	kref_get(&mb->ref);
	mbox_user_ref(user);
	return file;
}
