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

#include "bridge.h"
#include "handle.h"
#include "mailbox.h"
#include "notify.h"
#include "message.h"
#include "registry.h"
#include "ring.h"
#include "transfer.h"
#include "uid_account.h"

static bool mbox_handle_receives(const struct mbox_handle *h)
{
	return h->role != MBOX_ROLE_USER;
}

/* What using a handle in a direction it was not opened for returns. */
static int mbox_wrong_direction(const struct mbox_handle *h)
{
	return h->strict ? -EBADF : -EPERM;
}

/* The handle was opened with MBOX_OPEN_READ and/or MBOX_OPEN_WRITE. */
void mbox_handle_set_strict(struct file *file)
{
	struct mbox_handle *h = file->private_data;

	h->strict = true;
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
int mbox_deadline(u32 flags, u64 timeout_ns, ktime_t *deadline,
		  ktime_t **pdeadline)
{
	if (!(flags & MBOX_MSG_TIMEOUT)) {
		*pdeadline = NULL;
		return timeout_ns || (flags & MBOX_MSG_REALTIME) ? -EINVAL : 0;
	}
	if (timeout_ns > KTIME_MAX)
		return -EINVAL;
	*deadline = ns_to_ktime(timeout_ns);
	/*
	 * The waits sleep on CLOCK_MONOTONIC: move a CLOCK_REALTIME deadline
	 * there by the clocks' offset now.  A restart after a signal comes
	 * back here with the same absolute time, so it converts afresh.
	 */
	if (flags & MBOX_MSG_REALTIME)
		*deadline = ktime_sub(*deadline,
				      ktime_sub(ktime_get_real(), ktime_get()));
	*pdeadline = deadline;
	return 0;
}

static bool mbox_nonblock(struct file *file, u32 flags)
{
	return (flags & MBOX_MSG_NONBLOCK) || (file->f_flags & O_NONBLOCK);
}

static int mbox_check_priority(u32 priority)
{
	return priority > MBOX_PRIO_MAX ? -EINVAL : 0;
}

static long mbox_ioctl_send(struct file *file, struct mbox_handle *h,
			    struct mbox_send __user *uargs)
{
	struct mbox_send args;
	ktime_t deadline, *pdeadline;
	struct mbox_tx tx;
	u64 seq = 0;
	int err;

	if (!h->may_send)
		return mbox_wrong_direction(h);
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(MBOX_MSG_FLAGS | MBOX_MSG_ORIGIN))
		return -EINVAL;
	if (mbox_check_priority(args.priority))
		return -EINVAL;
	err = mbox_bridge_check_origin(h->mb, args.flags, &args.origin);
	if (err)
		return err;
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

	tx.buf = args.buf;
	tx.len = args.len;
	tx.priority = args.priority;
	tx.type = args.type;
	tx.origin = (args.flags & MBOX_MSG_ORIGIN) ? &args.origin : NULL;
	err = mbox_xfer_send(h->mb, h->user, &tx, 1,
			     mbox_nonblock(file, args.flags), pdeadline, &seq);
	if (err < 0)
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

struct mbox_recv_report {
	struct mbox_recv *args;
	struct mbox_recv __user *uargs;
	struct mbox_recv_origin *ext;	/* MBOX_IOC_RECV_ORIGIN, or NULL */
	struct mbox_recv_origin __user *uext;
};

static unsigned int mbox_report_recv(void *ctx, unsigned int base,
				     const struct mbox_rx *rx, unsigned int n)
{
	struct mbox_recv_report *rep = ctx;
	struct mbox_recv *args = rep->args;

	args->msg_len = rx->msg_len;
	args->priority = rx->priority;
	args->seq = rx->seq;
	args->sender_pid = rx->sender_pid;
	args->sender_uid = rx->sender_uid;
	args->type = rx->type;
	args->hold_ns = rx->hold_ns;
	if (rep->ext) {
		rep->ext->origin = rx->origin;
		rep->ext->origin_flags = rx->vouched ? MBOX_ORIGIN_VOUCHED : 0;
		return copy_to_user(rep->uext, rep->ext, sizeof(*rep->ext)) ?
		       0 : 1;
	}
	return copy_to_user(rep->uargs, args, sizeof(*args)) ? 0 : 1;
}

/* MBOX_IOC_RECV, and MBOX_IOC_RECV_ORIGIN's receive with @rep->ext. */
static long mbox_recv_one(struct file *file, struct mbox_handle *h,
			  struct mbox_recv_report *rep)
{
	struct mbox_rx_report report = {
		.fn = mbox_report_recv,
		.ctx = rep,
	};
	struct mbox_recv *args = rep->args;
	struct mbox_select sel;
	ktime_t deadline, *pdeadline;
	struct mbox_rx rx = {};
	int err;

	if (args->flags & ~MBOX_RECV_FLAGS)
		return -EINVAL;
	if (args->reserved1 || args->hold_ns)
		return -EINVAL;
	err = mbox_recv_select(h, args, &sel);
	if (err)
		return err;
	err = mbox_bridge_check_hold(h, args->flags);
	if (err)
		return err;
	err = mbox_deadline(args->flags, args->timeout_ns, &deadline,
			    &pdeadline);
	if (err)
		return err;

	rx.buf = args->buf;
	rx.len = args->len;
	rx.hold = args->flags & MBOX_RECV_HOLD;
	err = mbox_xfer_recv(h->mb, mbox_handle_sub(h), &sel, &rx, 1,
			     mbox_nonblock(file, args->flags), pdeadline,
			     &report);
	if (err == -EMSGSIZE && put_user(rx.msg_len, &rep->uargs->msg_len))
		return -EFAULT;
	return err < 0 ? err : 0;
}

static long mbox_ioctl_recv(struct file *file, struct mbox_handle *h,
			    struct mbox_recv __user *uargs)
{
	struct mbox_recv args;
	struct mbox_recv_report rep = { .args = &args, .uargs = uargs };

	if (!mbox_handle_receives(h))
		return mbox_wrong_direction(h);
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	return mbox_recv_one(file, h, &rep);
}

static long mbox_ioctl_recv_origin(struct file *file, struct mbox_handle *h,
				   struct mbox_recv_origin __user *uargs)
{
	struct mbox_recv_origin ext;
	struct mbox_recv_report rep = {
		.args = &ext.recv,
		.uargs = &uargs->recv,
		.ext = &ext,
		.uext = uargs,
	};

	if (!mbox_handle_receives(h))
		return mbox_wrong_direction(h);
	if (copy_from_user(&ext, uargs, sizeof(ext)))
		return -EFAULT;
	/* Outs too must come in zero, so that they can become ins later. */
	if (ext.origin.host || ext.origin.pid || ext.origin.uid ||
	    ext.origin_flags || ext.reserved0 || ext.reserved[0] ||
	    ext.reserved[1])
		return -EINVAL;
	return mbox_recv_one(file, h, &rep);
}

struct mbox_batch_report {
	struct mbox_msgvec *vec;
	struct mbox_msgvec __user *uvec;
};

/* The descriptions of a round go out in one copy. */
static unsigned int mbox_report_batch(void *ctx, unsigned int base,
				      const struct mbox_rx *rx,
				      unsigned int n)
{
	struct mbox_batch_report *rep = ctx;
	struct mbox_msgvec *v = &rep->vec[base];
	unsigned int i;
	size_t left;

	for (i = 0; i < n; i++) {
		v[i].msg_len = rx[i].msg_len;
		v[i].priority = rx[i].priority;
		v[i].type = rx[i].type;
		v[i].seq = rx[i].seq;
		v[i].sender_pid = rx[i].sender_pid;
		v[i].sender_uid = rx[i].sender_uid;
	}
	left = copy_to_user(&rep->uvec[base], v, n * sizeof(*v));
	/* What did not arrive is a tail: the entries before it did. */
	return n - DIV_ROUND_UP(left, sizeof(*v));
}

/*
 * Checks one entry of a batch: reserved fields, send-side outs, and with
 * @len the size a send will check again (mbox_xfer_send()).
 */
static int mbox_check_msgvec(struct mbox *mb, const struct mbox_msgvec *v,
			     bool send, bool len)
{
	if (v->reserved)
		return -EINVAL;
	if (!send)
		return 0;
	if (v->msg_len || v->sender_pid || v->sender_uid ||
	    mbox_check_priority(v->priority))
		return -EINVAL;
	return len ? mbox_xfer_check_len(mb, v->len) : 0;
}

/*
 * Reads entries [@off, @off + @n) of the batch into @vec and checks them
 * (sizes too with @len); 0, -EFAULT or the first entry's error.
 */
static int mbox_batch_read(struct mbox *mb, struct mbox_msgvec *vec,
			   struct mbox_msgvec __user *uvec, unsigned int off,
			   unsigned int n, bool send, bool len)
{
	unsigned int i;
	int err;

	if (copy_from_user(vec, uvec + off, n * sizeof(*vec)))
		return -EFAULT;
	for (i = 0; i < n; i++) {
		err = mbox_check_msgvec(mb, &vec[i], send, len);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Sends the chunk of @n entries read into @vec (at @uvec).  Not inlined,
 * nor is mbox_batch_recv(): their chunk arrays would add up in
 * mbox_ioctl_batch()'s frame, under a copy that may fault into a FUSE or
 * userfaultfd handler.
 */
static noinline_for_stack int
mbox_batch_send(struct mbox_handle *h, struct mbox_msgvec *vec,
		struct mbox_msgvec __user *uvec, unsigned int n, bool nonblock,
		ktime_t *deadline)
{
	struct mbox_tx tx[MBOX_XFER_CHUNK];
	u64 seqs[MBOX_XFER_CHUNK];
	unsigned int i;
	int sent;

	/*
	 * As for a single send, the results must have somewhere to go: the
	 * probe writes back what was read.
	 */
	if (copy_to_user(uvec, vec, n * sizeof(*vec)))
		return -EFAULT;
	for (i = 0; i < n; i++) {
		tx[i].buf = vec[i].buf;
		tx[i].len = vec[i].len;
		tx[i].priority = vec[i].priority;
		tx[i].type = vec[i].type;
		tx[i].origin = NULL;
	}
	sent = mbox_xfer_send(h->mb, h->user, tx, n, nonblock, deadline, seqs);
	if (sent <= 0)
		return sent;
	for (i = 0; i < sent; i++)
		vec[i].seq = seqs[i];
	/* Only a concurrent unmap can fail this; the messages are sent. */
	if (copy_to_user(uvec, vec, sent * sizeof(*vec)))
		return sent;
	return sent;
}

/*
 * Receives up to @n messages into the chunk of entries read in @vec (at
 * @uvec, entry @off on).
 */
static noinline_for_stack int
mbox_batch_recv(struct mbox_handle *h, struct mbox_msgvec *vec,
		struct mbox_msgvec __user *uvec, unsigned int n, unsigned int off,
		bool nonblock, ktime_t *deadline)
{
	struct mbox_batch_report rep = { .vec = vec, .uvec = uvec };
	struct mbox_rx_report report = {
		.fn = mbox_report_batch,
		.ctx = &rep,
	};
	struct mbox_rx rx[MBOX_XFER_CHUNK];
	struct mbox_select sel = {};
	unsigned int i;
	int got;

	memset(rx, 0, n * sizeof(*rx));
	for (i = 0; i < n; i++) {
		rx[i].buf = vec[i].buf;
		rx[i].len = vec[i].len;
	}
	got = mbox_xfer_recv(h->mb, mbox_handle_sub(h), &sel, rx, n, nonblock,
			     deadline, &report);
	/* Only the call's first entry reports a message too long for it. */
	if (got == -EMSGSIZE && !off && put_user(rx[0].msg_len, &uvec->msg_len))
		got = -EFAULT;
	return got;
}

/*
 * A batch goes in chunks of MBOX_XFER_CHUNK entries, each read, moved and
 * reported with one copy each way, with no allocation.  Every entry is
 * checked before anything moves; a longer batch is read twice for that.
 * Only the first chunk may wait, and a chunk that moves less than it
 * asked for ends the batch, as one call over all the entries would.
 */
static long mbox_ioctl_batch(struct file *file, struct mbox_handle *h,
			     struct mbox_batch __user *uargs, bool send)
{
	struct mbox_msgvec vec[MBOX_XFER_CHUNK];
	struct mbox_msgvec __user *uvec;
	ktime_t deadline, *pdeadline;
	unsigned int off, k, done = 0;
	struct mbox_batch args;
	bool nonblock;
	int n;

	if (send ? !h->may_send : !mbox_handle_receives(h))
		return mbox_wrong_direction(h);
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (!args.count || args.count > MBOX_BATCH_MAX)
		return -EINVAL;
	if (args.flags & ~MBOX_MSG_FLAGS)
		return -EINVAL;
	if (args.reserved0 || args.reserved[0] || args.reserved[1])
		return -EINVAL;
	n = mbox_deadline(args.flags, args.timeout_ns, &deadline, &pdeadline);
	if (n)
		return n;
	/* The count is the return value; probe where it is also reported. */
	if (put_user(args.done, &uargs->done))
		return -EFAULT;

	uvec = u64_to_user_ptr(args.vec);
	nonblock = mbox_nonblock(file, args.flags);
	for (off = 0; args.count > MBOX_XFER_CHUNK && off < args.count;
	     off += k) {
		k = min_t(unsigned int, args.count - off, MBOX_XFER_CHUNK);
		n = mbox_batch_read(h->mb, vec, uvec, off, k, send, true);
		if (n)
			return n;
	}

	for (off = 0; off < args.count; off += k) {
		k = min_t(unsigned int, args.count - off, MBOX_XFER_CHUNK);
		/* mbox_xfer_send() checks each chunk's sizes before sending. */
		n = mbox_batch_read(h->mb, vec, uvec, off, k, send, false);
		/* Changed since the check: ends the batch like any later error. */
		if (n && off)
			break;
		if (!n && send)
			n = mbox_batch_send(h, vec, uvec + off, k,
					    nonblock || off, pdeadline);
		else if (!n)
			n = mbox_batch_recv(h, vec, uvec + off, k, off,
					    nonblock || off, pdeadline);
		if (n <= 0) {
			if (off)
				break;
			return n;
		}
		done += n;
		if (n < k)
			break;
	}
	/* Moved anyway if this faults: the count is the return value too. */
	if (put_user(done, &uargs->done))
		return done;
	return done;
}

/* The ring's own waits take the same deadline and blocking flags. */
static long mbox_ioctl_ring_wait(struct file *file, struct mbox_handle *h,
				 struct mbox_ring_wait __user *uargs)
{
	struct mbox_ring_wait args;
	ktime_t deadline, *pdeadline;
	int err;

	if (h->role == MBOX_ROLE_RECEIVER)
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
	return mbox_ring_wait_handle(h, mbox_nonblock(file, args.flags),
				     pdeadline);
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
	info.bytes_max = mb->quota.reserved;
	info.bytes_charged = mbox_quota_charged(&mb->quota);

	/*
	 * Without the mailbox lock (see mailbox.h): each figure is exact,
	 * though two of them may be a message apart.
	 */
	info.state = READ_ONCE(mb->dead) ? MBOX_STATE_DEAD : MBOX_STATE_ALIVE;
	info.queued = READ_ONCE(mb->queue.count);
	info.waiting_senders = READ_ONCE(mb->nr_senders);
	info.queued_bytes = READ_ONCE(mb->queue.bytes);
	info.sent = READ_ONCE(mb->sent);
	info.received = READ_ONCE(mb->received);

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
		WRITE_ONCE(h->watch, MBOX_WATCH_ARMED);
	mbox_unlock(h->mb);

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
		notice.reason = mbox_death_notice(mb, mb->death);
		/* Claimed now, copied without the lock (see mailbox.h). */
		WRITE_ONCE(h->watch, MBOX_WATCH_READ);
	}
	mbox_unlock(mb);
	if (err)
		return err;

	/* Exactly one notice: one that did not reach the user stays due. */
	if (copy_to_user(uargs, &notice, sizeof(notice))) {
		mutex_lock(&mb->lock);
		WRITE_ONCE(h->watch, MBOX_WATCH_ARMED);
		mbox_unlock(mb);
		wake_up_interruptible_poll(&mb->poll_wq, EPOLLPRI);
		return -EFAULT;
	}
	return 0;
}

static long mbox_handle_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct mbox_handle *h = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MBOX_IOC_SEND:
		return mbox_ioctl_send(file, h, argp);
	case MBOX_IOC_RECV_ORIGIN:
		return mbox_ioctl_recv_origin(file, h, argp);
	case MBOX_IOC_RECV:
		return mbox_ioctl_recv(file, h, argp);
	case MBOX_IOC_INFO:
		return mbox_ioctl_info(h, argp);
	case MBOX_IOC_SEND_BATCH:
		return mbox_ioctl_batch(file, h, argp, true);
	case MBOX_IOC_RECV_BATCH:
		return mbox_ioctl_batch(file, h, argp, false);
	case MBOX_IOC_WATCH:
		return mbox_ioctl_watch(h, argp);
	case MBOX_IOC_NOTICE:
		return mbox_ioctl_notice(h, argp);
	case MBOX_IOC_NOTIFY:
		/*
		 * A sender must not take over (nor learn the senders of) a
		 * queue it does not receive from; mq_notify() takes any
		 * descriptor, so persistent mailboxes allow every handle.
		 */
		if (!mbox_handle_receives(h) &&
		    !(h->mb->flags & MBOX_CREATE_PERSIST))
			return mbox_wrong_direction(h);
		return mbox_notify_ioctl(h->mb, argp);
	case MBOX_IOC_COMPLETE:
		return mbox_ioctl_complete(h, argp);
	case MBOX_IOC_RING_WAIT:
		return mbox_ioctl_ring_wait(file, h, argp);
	default:
		return mbox_ring_ioctl(file, h, cmd, arg);
	}
}

static __poll_t mbox_handle_poll(struct file *file, poll_table *wait)
{
	struct mbox_handle *h = file->private_data;
	__poll_t mask;

	poll_wait(file, &h->mb->poll_wq, wait);
	/* Queued before reading state; pairs with wq_has_sleeper() in wakers. */
	smp_mb();
	mask = mbox_poll_mask(h->mb, mbox_handle_receives(h),
			      mbox_handle_sub(h));
	mask |= mbox_ring_poll(h);
	if (READ_ONCE(h->watch) == MBOX_WATCH_ARMED && READ_ONCE(h->mb->dead))
		mask |= EPOLLPRI;
	return mask;
}

static int mbox_handle_mmap(struct file *file, struct vm_area_struct *vma)
{
	return mbox_ring_mmap(file->private_data, vma);
}

/* Every close(), not only the last: mq_notify's registration goes then. */
static int mbox_handle_flush(struct file *file, fl_owner_t id)
{
	struct mbox_handle *h = file->private_data;

	mbox_notify_flush(h->mb);
	return 0;
}

/* Persistent mailboxes count every handle: see persist.h. */
static bool mbox_handle_counted(const struct mbox_handle *h)
{
	return h->role == MBOX_ROLE_RECEIVER ||
	       (h->mb->flags & MBOX_CREATE_PERSIST);
}

static int mbox_handle_release(struct inode *inode, struct file *file)
{
	struct mbox_handle *h = file->private_data;
	struct mbox *mb = h->mb;

	if (h->role == MBOX_ROLE_OWNER) {
		mbox_destroy(mb, mbox_owner_death_reason());
	} else {
		if (h->role == MBOX_ROLE_USER)
			mbox_ring_detach(h);
		if (mbox_handle_counted(h)) {
			if (mbox_handle_sub(h))
				mbox_sub_detach(mb, &h->sub);
			mbox_receiver_closed(mb);
		}
	}
	mbox_put(mb);
	mbox_acct_put(h->user);
	kfree(h);
	return 0;
}

static const struct file_operations mbox_handle_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = mbox_handle_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = mbox_handle_poll,
	.mmap = mbox_handle_mmap,
	.flush = mbox_handle_flush,
	.release = mbox_handle_release,
};

/*
 * Creates a handle file for @mb with @role.  It takes its own references on
 * @mb and @user; the caller keeps its own.  A receiver handle is counted
 * (and subscribed, on a broadcast mailbox) before it can be used.
 */
struct file *mbox_handle_file(struct mbox *mb, struct mbox_acct *user,
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
	mbox_ring_file_init(&mb->ringh, file);
	kref_get(&mb->ref);
	mbox_acct_ref(user);
	if (mbox_handle_counted(h)) {
		mbox_receiver_opened(mb);
		if (mb->flags & MBOX_CREATE_BROADCAST)
			mbox_sub_attach(mb, &h->sub);
	}
	return file;
}
