// SPDX-License-Identifier: GPL-2.0
/*
 * The shared ring: set-up, mmap, sleeping and waking, owner death.  The
 * fast path is all in user space (libuserspace/mbox_ring.h); the kernel
 * only decides readiness when a side wants to sleep.  See ring.h for the
 * lifetime and locking rules.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "handle.h"
#include "mailbox.h"
#include "ring.h"
#include "user.h"

/* The slots start on their own cache line, after the tail's. */
#define MBOX_RING_SLOTS_OFFSET	sizeof(struct mbox_ring_prod)

static_assert(sizeof(struct mbox_ring_ctrl) <= PAGE_SIZE);
static_assert(sizeof(struct mbox_ring_ctrl) == 2 * MBOX_RING_CACHELINE);
static_assert(sizeof(struct mbox_ring_cons) == 2 * MBOX_RING_CACHELINE);
static_assert(sizeof(struct mbox_ring_prod) == MBOX_RING_CACHELINE);
static_assert(sizeof(struct mbox_ring_slot) == 16);
static_assert(sizeof(struct mbox_ring_slot) < MBOX_RING_SLOT_SIZE_MIN);

/* vm_flags became read-only behind helpers in 6.3 (probed in Kbuild). */
static void mbox_ring_vm_flags_mod(struct vm_area_struct *vma,
				   vm_flags_t set, vm_flags_t clear)
{
#ifdef MBOX_HAVE_VM_FLAGS_MOD
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/*
 * The mailbox's ring or NULL.  Pairs with the release in set-up: a ring
 * seen here is fully initialised.
 */
static struct mbox_ring *mbox_ring_get(struct mbox *mb)
{
	return smp_load_acquire(&mb->ring);	/* see above */
}

/* Slot @index, masked: any value user space wrote lands inside the ring. */
static struct mbox_ring_slot *mbox_ring_slot(struct mbox_ring *ring,
					     u32 index)
{
	size_t pos = (size_t)(index & (ring->nslots - 1)) * ring->slot_size;

	return (void *)ring->prod + MBOX_RING_SLOTS_OFFSET + pos;
}

/* The owner handle is the consumer; every other handle a producer. */
static bool mbox_ring_consumer(const struct mbox_handle *h)
{
	return h->role == MBOX_ROLE_OWNER;
}

static int mbox_ring_check_setup(const struct mbox *mb,
				 const struct mbox_ring_setup *args)
{
	unsigned int i;

	if (args->flags || args->reserved0)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(args->reserved); i++)
		if (args->reserved[i])
			return -EINVAL;
	if (!args->nslots || args->nslots > MBOX_RING_SLOTS_MAX ||
	    !is_power_of_2(args->nslots))
		return -EINVAL;
	if (args->slot_size < MBOX_RING_SLOT_SIZE_MIN || args->slot_size % 8)
		return -EINVAL;
	if (args->slot_size - sizeof(struct mbox_ring_slot) > mb->msg_size)
		return -EINVAL;
	if ((u64)args->nslots * args->slot_size > MBOX_RING_BYTES_MAX)
		return -EINVAL;
	return 0;
}

void mbox_ring_free(struct mbox_ring *ring)
{
	if (!ring)
		return;
	vfree(ring->prod);
	vfree(ring->cons);
	vfree(ring->ctrl);
	if (ring->user) {
		mbox_user_uncharge_bytes(ring->user, ring->charge);
		mbox_user_put(ring->user);
	}
	kfree(ring);
}

/* A zeroed ring for checked @args, charged to @user. */
static struct mbox_ring *mbox_ring_new(const struct mbox_ring_setup *args,
				       struct mbox_user *user)
{
	struct mbox_ring *ring;
	size_t charge;
	u32 i;
	int err;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL_ACCOUNT);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	ring->nslots = args->nslots;
	ring->slot_size = args->slot_size;
	ring->prod_size = PAGE_ALIGN(MBOX_RING_SLOTS_OFFSET +
				     (size_t)args->nslots * args->slot_size);
	ring->cons_size = PAGE_ALIGN(sizeof(struct mbox_ring_cons));
	spin_lock_init(&ring->lock);
	init_waitqueue_head(&ring->cons_wq);
	init_waitqueue_head(&ring->prod_wq);

	charge = PAGE_SIZE + ring->cons_size + ring->prod_size;
	err = mbox_user_charge_bytes(user, charge);
	if (err) {
		kfree(ring);
		return ERR_PTR(err);
	}
	ring->user = mbox_user_ref(user);
	ring->charge = charge;

	/*
	 * vmalloc_user(): zeroed, and marked for remap_vmalloc_range().  It
	 * takes no gfp flags (and __vmalloc_node_range() is not exported), so
	 * unlike MBOX_GFP_USER_SIZED a failure here prints the kernel's
	 * allocation-failure notice; the size is bounded by user_bytes_max.
	 */
	ring->ctrl = vmalloc_user(PAGE_SIZE);
	ring->cons = vmalloc_user(ring->cons_size);
	ring->prod = vmalloc_user(ring->prod_size);
	if (!ring->ctrl || !ring->cons || !ring->prod) {
		mbox_ring_free(ring);
		return ERR_PTR(-ENOMEM);
	}

	ring->ctrl->nslots = ring->nslots;
	ring->ctrl->slot_size = ring->slot_size;
	ring->ctrl->slots_offset = MBOX_RING_SLOTS_OFFSET;
	ring->ctrl->prod_size = ring->prod_size;
	ring->ctrl->cons_size = ring->cons_size;
	/* Every slot as if the round before had been committed. */
	for (i = 0; i < ring->nslots; i++)
		mbox_ring_slot(ring, i)->seq = i + 1 - ring->nslots;
	return ring;
}

static long mbox_ring_ioctl_setup(struct mbox_handle *h,
				  struct mbox_ring_setup __user *uargs)
{
	struct mbox *mb = h->mb;
	struct mbox_ring_setup args;
	struct mbox_ring *ring;
	int err;

	if (!mbox_ring_consumer(h))
		return -EPERM;
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	err = mbox_ring_check_setup(mb, &args);
	if (err)
		return err;
	if (mbox_ring_get(mb))
		return -EBUSY;
	/*
	 * A ring must not be set up with its size unreported.  The probe
	 * writes back the caller's own value: a call that fails later leaves
	 * the structure as it was.
	 */
	if (put_user(args.prod_size, &uargs->prod_size))
		return -EFAULT;

	ring = mbox_ring_new(&args, h->user);
	if (IS_ERR(ring))
		return PTR_ERR(ring);

	if (mutex_lock_interruptible(&mb->lock)) {
		mbox_ring_free(ring);
		return -ERESTARTSYS;
	}
	if (mb->ring)
		err = -EBUSY;
	else if (mb->dead)
		err = -EPIPE;
	else	/* publish the initialised ring to mbox_ring_get() */
		smp_store_release(&mb->ring, ring);
	mbox_unlock(mb);
	if (err) {
		mbox_ring_free(ring);
		return err;
	}

	/* Only a concurrent unmap can fail this; the ring is set up anyway. */
	if (put_user((u64)ring->prod_size, &uargs->prod_size))
		return 0;
	return 0;
}

/* Sets @flags for good, in the kernel's copy and in CTRL, and wakes all. */
static void mbox_ring_set_flags(struct mbox *mb, struct mbox_ring *ring,
				u32 flags)
{
	bool changed;

	spin_lock(&ring->lock);
	changed = (ring->flags | flags) != ring->flags;
	ring->flags |= flags;
	WRITE_ONCE(ring->ctrl->flags, ring->flags);
	spin_unlock(&ring->lock);
	if (!changed)
		return;
	wake_up_all(&ring->cons_wq);
	wake_up_all(&ring->prod_wq);
	wake_up_interruptible_poll(&mb->poll_wq, EPOLLIN | EPOLLRDNORM);
}

static int mbox_ring_state(struct mbox_ring *ring)
{
	u32 flags = READ_ONCE(ring->flags);

	if (flags & MBOX_RING_DEAD)
		return -EPIPE;
	if (flags & MBOX_RING_CORRUPT)
		return -EBADMSG;
	return 0;
}

/*
 * Whether the consumer has a message: 0 when the slot at head is committed
 * (or head moved while we looked: let the caller look again), -EAGAIN when
 * not yet, -EBADMSG when the indices are impossible.
 */
static int mbox_ring_check_cons(struct mbox_ring *ring)
{
	u32 n = ring->nslots;
	u32 h, h2, seq, t;

	h = READ_ONCE(ring->cons->head);
	/* Read the slot and tail after the head that names them ... */
	smp_rmb();
	seq = READ_ONCE(mbox_ring_slot(ring, h)->seq);
	t = READ_ONCE(ring->prod->tail);
	/* ... and the head again after them, to see whether it moved. */
	smp_rmb();
	h2 = READ_ONCE(ring->cons->head);

	if (seq == h + 1 || h != h2)
		return 0;
	if (seq != h + 1 - n || t - h > n)
		return -EBADMSG;
	return -EAGAIN;
}

/*
 * Whether a producer can reserve a slot: 0 when tail - head < nslots (or
 * head moved while we looked), -EAGAIN when full, -EBADMSG when impossible.
 * With head unchanged around the read of tail, tail was read while head had
 * that value, so tail - head <= nslots must hold.
 */
static int mbox_ring_check_prod(struct mbox_ring *ring)
{
	u32 n = ring->nslots;
	u32 h, h2, t;

	h = READ_ONCE(ring->cons->head);
	/* Tail strictly between two reads of head. */
	smp_rmb();
	t = READ_ONCE(ring->prod->tail);
	/* See above. */
	smp_rmb();
	h2 = READ_ONCE(ring->cons->head);

	if (t - h < n || h != h2)
		return 0;
	if (t - h > n)
		return -EBADMSG;
	return -EAGAIN;
}

static int mbox_ring_ready(struct mbox *mb, struct mbox_ring *ring,
			   bool consumer)
{
	int err = mbox_ring_state(ring);

	if (err)
		return err;
	err = consumer ? mbox_ring_check_cons(ring) :
			 mbox_ring_check_prod(ring);
	if (err == -EBADMSG)
		mbox_ring_set_flags(mb, ring, MBOX_RING_CORRUPT);
	return err;
}

static void mbox_ring_count_waiter(struct mbox_ring *ring, int delta)
{
	spin_lock(&ring->lock);
	ring->prod_waiters += delta;
	WRITE_ONCE(ring->ctrl->prod_waiters, ring->prod_waiters);
	spin_unlock(&ring->lock);
}

/*
 * Sleeps until the caller's side of the ring is ready.  The flag that makes
 * the other side call MBOX_IOC_RING_WAKE is raised before the first look
 * and is kept up until we leave, and we are on the wait queue before every
 * look, so a commit or release that we do not see wakes us.
 *
 * Producers sleep exclusively: a released slot wakes one of them, not a
 * herd that would fight over it.  A woken producer looks at the ring before
 * it looks at signals and deadlines, so the wake-up is not lost to them; if
 * it leaves with an error while there is room, it passes the wake-up on.
 */
static int mbox_ring_wait(struct mbox *mb, struct mbox_ring *ring,
			  bool consumer, bool nonblock, ktime_t *deadline)
{
	wait_queue_head_t *wq = consumer ? &ring->cons_wq : &ring->prod_wq;
	bool timed_out = false;
	DEFINE_WAIT(wait);
	int err;

	if (consumer)
		WRITE_ONCE(ring->cons->need_wake, 1);
	else
		mbox_ring_count_waiter(ring, 1);
	/* Flag before indices; pairs with the waker's fence. */
	smp_mb();

	for (;;) {
		if (consumer)
			prepare_to_wait(wq, &wait, TASK_INTERRUPTIBLE);
		else
			prepare_to_wait_exclusive(wq, &wait,
						  TASK_INTERRUPTIBLE);
		err = mbox_ring_ready(mb, ring, consumer);
		if (err != -EAGAIN || nonblock)
			break;
		if (signal_pending(current)) {
			err = -ERESTARTSYS;
			break;
		}
		if (timed_out) {
			err = -ETIMEDOUT;
			break;
		}
		timed_out = !schedule_hrtimeout_range(deadline,
						      current->timer_slack_ns,
						      HRTIMER_MODE_ABS);
	}
	finish_wait(wq, &wait);

	if (!consumer) {
		mbox_ring_count_waiter(ring, -1);
		if ((err == -ETIMEDOUT || err == -ERESTARTSYS) &&
		    !mbox_ring_check_prod(ring))
			wake_up(&ring->prod_wq);
	}
	return err;
}

static long mbox_ring_ioctl_wait(struct file *file, struct mbox_handle *h,
				 struct mbox_ring_wait __user *uargs)
{
	struct mbox_ring_wait args;
	ktime_t deadline, *pdeadline;
	struct mbox_ring *ring;
	bool nonblock;
	int err;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~MBOX_MSG_FLAGS)
		return -EINVAL;
	if (args.reserved0 || args.reserved[0] || args.reserved[1])
		return -EINVAL;
	err = mbox_deadline(args.flags, args.timeout_ns, &deadline, &pdeadline);
	if (err)
		return err;
	ring = mbox_ring_get(h->mb);
	if (!ring)
		return -ENODEV;

	nonblock = (args.flags & MBOX_MSG_NONBLOCK) ||
		   (file->f_flags & O_NONBLOCK);
	return mbox_ring_wait(h->mb, ring, mbox_ring_consumer(h), nonblock, pdeadline);
}

static long mbox_ring_ioctl_wake(struct mbox_handle *h, unsigned long arg)
{
	struct mbox_ring *ring;
	int err;

	if (arg)
		return -EINVAL;
	ring = mbox_ring_get(h->mb);
	if (!ring)
		return -ENODEV;
	err = mbox_ring_state(ring);
	if (err == -EPIPE && !mbox_ring_consumer(h))
		return err;

	if (mbox_ring_consumer(h)) {
		/* One slot was released: one (exclusive) producer. */
		if (wq_has_sleeper(&ring->prod_wq))
			wake_up(&ring->prod_wq);
		return 0;
	}
	if (wq_has_sleeper(&ring->cons_wq))
		wake_up_all(&ring->cons_wq);
	if (wq_has_sleeper(&h->mb->poll_wq))
		wake_up_interruptible_poll(&h->mb->poll_wq,
					   EPOLLIN | EPOLLRDNORM);
	return 0;
}

long mbox_ring_ioctl(struct file *file, struct mbox_handle *h,
		     unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MBOX_IOC_RING_SETUP:
		return mbox_ring_ioctl_setup(h, argp);
	case MBOX_IOC_RING_WAIT:
		return mbox_ring_ioctl_wait(file, h, argp);
	case MBOX_IOC_RING_WAKE:
		return mbox_ring_ioctl_wake(h, arg);
	default:
		return -ENOTTY;
	}
}

/*
 * Maps one part of the ring.  Runs under mmap_lock: takes no mbox lock.
 * Each part gets the least rights its side needs: read-only parts lose
 * VM_MAYWRITE, nothing may ever be executable, and no part is inherited
 * by fork() or can grow.
 */
int mbox_ring_mmap(struct mbox_handle *h, struct vm_area_struct *vma)
{
	struct mbox_ring *ring = mbox_ring_get(h->mb);
	vm_flags_t clear = VM_MAYEXEC;
	bool writable;
	size_t size;
	void *area;

	if (!ring)
		return -ENODEV;
	if (READ_ONCE(h->mb->dead))
		return -EPIPE;

	switch (vma->vm_pgoff) {
	case MBOX_RING_OFF_CTRL >> PAGE_SHIFT:
		area = ring->ctrl;
		size = PAGE_SIZE;
		writable = false;
		break;
	case MBOX_RING_OFF_CONS >> PAGE_SHIFT:
		area = ring->cons;
		size = ring->cons_size;
		writable = mbox_ring_consumer(h);
		break;
	case MBOX_RING_OFF_PROD >> PAGE_SHIFT:
		area = ring->prod;
		size = ring->prod_size;
		writable = !mbox_ring_consumer(h);
		break;
	default:
		return -EINVAL;
	}
	if (!(vma->vm_flags & VM_SHARED) || vma->vm_end - vma->vm_start != size)
		return -EINVAL;
	if ((vma->vm_flags & VM_EXEC) ||
	    (!writable && (vma->vm_flags & VM_WRITE)))
		return -EACCES;
	if (!writable)
		clear |= VM_MAYWRITE;

	mbox_ring_vm_flags_mod(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP,
			       clear);
	return remap_vmalloc_range(vma, area, 0);
}

/*
 * Owner-handle readiness from the ring.  A poller is a consumer about to
 * sleep, so it raises need_wake before its last look, like
 * MBOX_IOC_RING_WAIT.  It does not mark the ring corrupt: that wakes
 * the poll queue, which must not happen from inside poll.
 */
__poll_t mbox_ring_poll(struct mbox *mb)
{
	struct mbox_ring *ring = mbox_ring_get(mb);
	int err;

	if (!ring)
		return 0;
	err = mbox_ring_state(ring) ?: mbox_ring_check_cons(ring);
	if (err == -EAGAIN) {
		WRITE_ONCE(ring->cons->need_wake, 1);
		smp_mb();	/* pairs with the producer's fence */
		err = mbox_ring_check_cons(ring);
	}
	return err == -EAGAIN ? 0 : EPOLLIN | EPOLLRDNORM;
}

/* Owner death, under mbox->lock: producers learn it from CTRL and waits. */
void mbox_ring_shutdown(struct mbox *mb)
{
	struct mbox_ring *ring = mbox_ring_get(mb);

	if (ring)
		mbox_ring_set_flags(mb, ring, MBOX_RING_DEAD);
}
