// SPDX-License-Identifier: GPL-2.0
/*
 * MBOX_IOC_NOTIFY: one registration per mailbox, fired by the send that
 * makes an empty queue non-empty while no receiver waits.  See notify.h.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/mbox.h>

#include "mailbox.h"
#include "notify.h"

struct mbox_notify_fd {
	struct kref ref;
	wait_queue_head_t wq;
	u32 state;			/* 0, MBOX_NOTIFY_FIRED or _REMOVED */
};

struct mbox_notification {
	u32 kind;
	u32 signo;
	u64 value;
	struct pid *owner;		/* the registering thread group */
	const struct cred *cred;	/* its credentials: si_uid's namespace */
	u64 exec_id;			/* no signal once it exec()ed */
	struct mbox_notify_fd *nfd;	/* MBOX_NOTIFY_FD */
};

static void mbox_nfd_free(struct kref *ref)
{
	kfree(container_of(ref, struct mbox_notify_fd, ref));
}

static __poll_t mbox_nfd_poll(struct file *file, poll_table *wait)
{
	struct mbox_notify_fd *nfd = file->private_data;
	u32 state;

	poll_wait(file, &nfd->wq, wait);
	state = READ_ONCE(nfd->state);
	if (state == MBOX_NOTIFY_FIRED)
		return EPOLLIN | EPOLLRDNORM;
	if (state == MBOX_NOTIFY_REMOVED)
		return EPOLLHUP;
	return 0;
}

static ssize_t mbox_nfd_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct mbox_notify_fd *nfd = file->private_data;
	u64 state;
	int err;

	if (count < sizeof(state))
		return -EINVAL;
	if (!READ_ONCE(nfd->state)) {
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(nfd->wq, READ_ONCE(nfd->state));
		if (err)
			return err;
	}
	state = READ_ONCE(nfd->state);
	if (copy_to_user(buf, &state, sizeof(state)))
		return -EFAULT;
	return sizeof(state);
}

static int mbox_nfd_release(struct inode *inode, struct file *file)
{
	struct mbox_notify_fd *nfd = file->private_data;

	kref_put(&nfd->ref, mbox_nfd_free);
	return 0;
}

static const struct file_operations mbox_nfd_fops = {
	.owner = THIS_MODULE,
	.poll = mbox_nfd_poll,
	.read = mbox_nfd_read,
	.release = mbox_nfd_release,
	.llseek = noop_llseek,
};

static void mbox_notification_free(struct mbox_notification *n)
{
	if (n->nfd)
		kref_put(&n->nfd->ref, mbox_nfd_free);
	put_pid(n->owner);
	put_cred(n->cred);
	kfree(n);
}

/* Ends the registration with @state (what a notification fd reads). */
static void mbox_notify_end(struct mbox *mb, u32 state)
	__must_hold(&mb->lock)
{
	struct mbox_notification *n = mb->notify;

	if (!n)
		return;
	mb->notify = NULL;
	if (n->nfd) {
		WRITE_ONCE(n->nfd->state, state);
		wake_up_interruptible_poll(&n->nfd->wq, state == MBOX_NOTIFY_FIRED ?
					   EPOLLIN | EPOLLRDNORM : EPOLLHUP);
	}
	mbox_notification_free(n);
}

/* The mailbox is being destroyed: nothing will fire any more. */
void mbox_notify_remove(struct mbox *mb)
	__must_hold(&mb->lock)
{
	mbox_notify_end(mb, MBOX_NOTIFY_REMOVED);
}

/* A close by the owning process removes its registration, as for mq. */
void mbox_notify_flush(struct mbox *mb)
{
	if (!READ_ONCE(mb->notify))
		return;
	mutex_lock(&mb->lock);
	if (mb->notify && mb->notify->owner == task_tgid(current))
		mbox_notify_end(mb, MBOX_NOTIFY_REMOVED);
	mbox_unlock(mb);
}

/*
 * Whether a send about to be made would fire the registration: the queue
 * is empty and nobody waits to receive.  Asked before the send, since
 * queueing claims a waiting receiver.  Messages being copied out are
 * already taken: a queue holding only those is empty to a newcomer, as
 * mbox_poll_mask() sees it.  A waiting selective receiver, or one whose
 * buffer is too small, still suppresses the notification (see the uapi).
 */
bool mbox_notify_due(struct mbox *mb)
	__must_hold(&mb->lock)
{
	return mb->notify && mb->queue.count == mb->nr_busy &&
	       list_empty(&mb->receivers) && list_empty(&mb->selectors);
}

/*
 * A process-directed signal with our own siginfo: no exported helper does
 * that, so pick the thread the kernel would, one that does not block it
 * (a thread in sigwaitinfo() for it does not), else the main thread.
 */
static void mbox_notify_signal(struct mbox_notification *n)
{
	struct task_struct *leader, *t, *target = NULL;
	struct kernel_siginfo info;

	clear_siginfo(&info);
	info.si_signo = n->signo;
	info.si_errno = 0;
	info.si_code = SI_MESGQ;
	info.si_value.sival_ptr = u64_to_user_ptr(n->value);
	info.si_pid = task_tgid_nr_ns(current, ns_of_pid(n->owner));
	/* The sender's euid, as msg->uid and SO_PEERCRED report it. */
	info.si_uid = from_kuid_munged(n->cred->user_ns, current_euid());

	rcu_read_lock();
	leader = pid_task(n->owner, PIDTYPE_TGID);
	if (leader && leader->self_exec_id == n->exec_id) {
		target = leader;
		for_each_thread(leader, t) {
			if (!(t->flags & PF_EXITING) &&
			    !sigismember(&t->blocked, n->signo)) {
				target = t;
				break;
			}
		}
		get_task_struct(target);
	}
	rcu_read_unlock();
	if (target) {
		send_sig_info(n->signo, &info, target);
		put_task_struct(target);
	}
}

/* Called by the send that made the queue non-empty, after mbox_notify_due(). */
void mbox_notify_fire(struct mbox *mb)
	__must_hold(&mb->lock)
{
	struct mbox_notification *n = mb->notify;

	if (!n)
		return;
	if (n->kind == MBOX_NOTIFY_SIGNAL && n->signo)
		mbox_notify_signal(n);
	mbox_notify_end(mb, MBOX_NOTIFY_FIRED);
}

static int mbox_notify_check(const struct mbox *mb,
			     const struct mbox_notify *args)
{
	if (args->reserved[0] || args->reserved[1] || args->fd)
		return -EINVAL;
	switch (args->kind) {
	case MBOX_NOTIFY_SIGNAL:
		if (!valid_signal(args->signo) || args->fd_flags)
			return -EINVAL;
		break;
	case MBOX_NOTIFY_FD:
		if (args->signo || args->value || (args->fd_flags & ~O_NONBLOCK))
			return -EINVAL;
		break;
	case MBOX_NOTIFY_REMOVE:
	case MBOX_NOTIFY_NONE:
		if (args->signo || args->value || args->fd_flags)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (mb->capacity_mode == MBOX_CAPACITY_ZERO ||
	    (mb->flags & MBOX_CREATE_BROADCAST))
		return -EINVAL;
	return 0;
}

/* The descriptor for a MBOX_NOTIFY_FD registration, not installed yet. */
static struct file *mbox_nfd_file(struct mbox_notification *n, u32 fd_flags)
{
	struct mbox_notify_fd *nfd;
	struct file *file;

	nfd = kzalloc(sizeof(*nfd), GFP_KERNEL_ACCOUNT);
	if (!nfd)
		return ERR_PTR(-ENOMEM);
	kref_init(&nfd->ref);
	init_waitqueue_head(&nfd->wq);
	file = anon_inode_getfile("[mbox-notify]", &mbox_nfd_fops, nfd,
				  O_RDONLY | (fd_flags & O_NONBLOCK));
	if (IS_ERR(file)) {
		kfree(nfd);
		return file;
	}
	kref_get(&nfd->ref);		/* the registration's */
	n->nfd = nfd;
	return file;
}

long mbox_notify_ioctl(struct mbox *mb, struct mbox_notify __user *uargs)
{
	struct mbox_notification *n;
	struct mbox_notify args;
	struct file *file = NULL;
	int fd = -1, err;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	err = mbox_notify_check(mb, &args);
	if (err)
		return err;

	if (args.kind == MBOX_NOTIFY_REMOVE) {
		mutex_lock(&mb->lock);
		if (mb->notify && mb->notify->owner == task_tgid(current))
			mbox_notify_end(mb, MBOX_NOTIFY_REMOVED);
		mbox_unlock(mb);
		return 0;
	}

	/* The descriptor must be reportable before anything is registered. */
	if (args.kind == MBOX_NOTIFY_FD && put_user(args.fd, &uargs->fd))
		return -EFAULT;

	n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	n->kind = args.kind;
	n->signo = args.signo;
	n->value = args.value;
	n->owner = get_pid(task_tgid(current));
	n->cred = get_current_cred();
	n->exec_id = current->self_exec_id;
	if (args.kind == MBOX_NOTIFY_FD) {
		fd = get_unused_fd_flags(O_CLOEXEC);
		if (fd < 0) {
			err = fd;
			goto out_free;
		}
		file = mbox_nfd_file(n, args.fd_flags);
		if (IS_ERR(file)) {
			err = PTR_ERR(file);
			file = NULL;
			goto out_free;
		}
	}

	mutex_lock(&mb->lock);
	if (mb->dead)
		err = -EPIPE;
	else if (mb->notify)
		err = -EBUSY;
	else
		mb->notify = n;
	mbox_unlock(mb);
	if (err)
		goto out_free;

	if (file) {
		/*
		 * Probed above: only a concurrent unmap can fail this, and the
		 * descriptor is installed anyway, as a close would leave it.
		 */
		err = put_user(fd, &uargs->fd);
		fd_install(fd, file);
	}
	return err;

out_free:
	if (file)
		fput(file);
	if (fd >= 0)
		put_unused_fd(fd);
	mbox_notification_free(n);
	return err;
}
