// SPDX-License-Identifier: GPL-2.0
/*
 * The shared ring: set-up and teardown, segments, mmap and faults,
 * sleeping and waking.  The fast path is all in user space
 * (libuserspace/mbox_ring.h); the kernel decides readiness only when a side
 * wants to sleep, and judges a segment only when asked.  See ring.h for the
 * lifetime and locking rules.
 */
#include <linux/cred.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>

#include "handle.h"
#include "mailbox.h"
#include "ring.h"
#include "uid_account.h"

#define MBOX_RING_SLOTS_OFFSET	sizeof(struct mbox_ring_seg_data)
#define MBOX_RING_PAYLOAD(ring)	((ring)->slot_size - sizeof(struct mbox_ring_slot))

/* Parts, as encoded with the ring's generation in vm_private_data. */
enum { PART_CTRL, PART_CONS, PART_DATA, PART_SEG_CONS, PART_SEG_DATA };
#define PART_BITS	3

/* The mmap() offset of each part, in pages, indexed by PART_*. */
static const unsigned long mbox_ring_part_pgoff[] = {
	[PART_CTRL]	= MBOX_RING_OFF_CTRL >> PAGE_SHIFT,
	[PART_CONS]	= MBOX_RING_OFF_CONS >> PAGE_SHIFT,
	[PART_DATA]	= MBOX_RING_OFF_DATA >> PAGE_SHIFT,
	[PART_SEG_CONS]	= MBOX_RING_OFF_SEG_CONS >> PAGE_SHIFT,
	[PART_SEG_DATA]	= MBOX_RING_OFF_SEG_DATA >> PAGE_SHIFT,
};

/*
 * The page of its part a fault is in.  Taken from vm_pgoff, never from
 * vm_start: munmap() of a mapping's head or mremap() of a piece of it
 * splits the vma, and only vm_pgoff follows the pages that stay.
 */
static unsigned long mbox_ring_fault_idx(struct vm_fault *vmf, u32 part)
{
	return vmf->pgoff - mbox_ring_part_pgoff[part];
}

static_assert(sizeof(struct mbox_ring_ctrl) <= PAGE_SIZE);
static_assert(sizeof(struct mbox_ring_seg_cons) <= PAGE_SIZE);
static_assert(sizeof(struct mbox_ring_seg_info) == 32);
static_assert(sizeof(struct mbox_ring_seg_data) == MBOX_RING_CACHELINE);
static_assert(sizeof(struct mbox_ring_slot) == 16);
static_assert(sizeof(struct mbox_ring_slot) < MBOX_RING_SLOT_SIZE_MIN);
static_assert(MBOX_RING_SEGS_MAX <= 64);	/* one ready word */

/*
 * Ring memory is charged to the caller's memory cgroup, and a charge that
 * does not fit fails the set-up instead of invoking the OOM killer.
 */
#define MBOX_RING_GFP	(GFP_KERNEL_ACCOUNT | __GFP_ZERO | \
			 __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static void mbox_ring_vm_flags_mod(struct vm_area_struct *vma,
				   vm_flags_t set, vm_flags_t clear)
{
#ifdef MBOX_HAVE_VM_FLAGS_MOD
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

void mbox_ring_host_init(struct mbox_ring_host *rh)
{
	mutex_init(&rh->lock);
	address_space_init_once(&rh->mapping);
}

void mbox_ring_host_fini(struct mbox_ring_host *rh)
{
	WARN_ON_ONCE(rcu_access_pointer(rh->ring));
	mutex_destroy(&rh->lock);
}

/*
 * Every handle file of the mailbox maps through @rh->mapping, so that one
 * unmap_mapping_range() reaches every ring mapping of every process.  Set
 * before the file is installed: mmap() and munmap() must see one mapping.
 */
void mbox_ring_file_init(struct mbox_ring_host *rh, struct file *file)
{
	struct address_space *anon = file->f_mapping;

	/* What generic code may use of it stays the anonymous inode's. */
	rh->mapping.host = anon->host;
	rh->mapping.a_ops = anon->a_ops;
	mapping_set_gfp_mask(&rh->mapping, mapping_gfp_mask(anon));
	file->f_mapping = &rh->mapping;
}

static struct mbox_ring *mbox_ring_get(struct mbox *mb)
{
	struct mbox_ring *ring;

	rcu_read_lock();
	ring = rcu_dereference(mb->ringh.ring);
	if (ring && !kref_get_unless_zero(&ring->ref))
		ring = NULL;
	rcu_read_unlock();
	return ring;
}

static void mbox_ring_release(struct kref *ref)
{
	struct mbox_ring *ring = container_of(ref, struct mbox_ring, ref);

	vfree(ring->data);
	vfree(ring->cons);
	vfree(ring->ctrl);
	if (ring->pid_ns)
		put_pid_ns(ring->pid_ns);
	if (ring->user_ns)
		put_user_ns(ring->user_ns);
	kfree_rcu(ring, rcu);
}

static void mbox_ring_put(struct mbox_ring *ring)
{
	kref_put(&ring->ref, mbox_ring_release);
}

bool mbox_ring_present(struct mbox *mb)
{
	return rcu_access_pointer(mb->ringh.ring);
}

static struct mbox_ring_seg_cons *mbox_ring_seg_cons(struct mbox_ring *ring,
						     u32 seg)
{
	return ring->cons + (size_t)(seg + 1) * PAGE_SIZE;
}

static struct mbox_ring_seg_data *mbox_ring_seg_data(struct mbox_ring *ring,
						     u32 seg)
{
	return ring->data + (size_t)seg * ring->seg_data_size;
}

/* Slot @index of @seg, masked: any value user space wrote lands inside. */
static struct mbox_ring_slot *mbox_ring_slot(struct mbox_ring *ring, u32 seg,
					     u32 index)
{
	size_t pos = (size_t)(index & (ring->nslots - 1)) * ring->slot_size;

	return (void *)mbox_ring_seg_data(ring, seg) + MBOX_RING_SLOTS_OFFSET +
	       pos;
}

/* Adds @seg to the ready set; the consumer takes bits by exchange. */
static void mbox_ring_set_ready(struct mbox_ring *ring, u32 seg)
{
	struct mbox_ring_ready *r = ring->cons;
	u64 old = READ_ONCE(r->ready), prev;

	while (!(old & BIT_ULL(seg))) {
		prev = cmpxchg64(&r->ready, old, old | BIT_ULL(seg));
		if (prev == old)
			break;
		old = prev;
	}
}

static void mbox_ring_wake_consumer(struct mbox_ring *ring)
{
	if (wq_has_sleeper(&ring->cons_wq))
		wake_up_all(&ring->cons_wq);
	if (wq_has_sleeper(&ring->mb->poll_wq))
		wake_up_interruptible_poll(&ring->mb->poll_wq,
					   EPOLLIN | EPOLLRDNORM);
}

static void mbox_ring_wake_all(struct mbox_ring *ring)
{
	u32 i;

	wake_up_all(&ring->cons_wq);
	for (i = 0; i < ring->nsegs; i++)
		wake_up_all(&ring->seg[i].wq);
	wake_up_interruptible_poll(&ring->mb->poll_wq,
				   EPOLLIN | EPOLLRDNORM | EPOLLOUT |
				   EPOLLWRNORM | EPOLLWRBAND);
}

static void mbox_ring_set_state(struct mbox_ring *ring, u32 seg, u32 state)
{
	WRITE_ONCE(ring->seg[seg].state, state);
	/* The consumer reads @gen, @pid, @uid after it sees the state. */
	smp_store_release(&ring->ctrl->seg[seg].state, state);
}

/*
 * Indices of @seg, read so that they can be judged: @head strictly before
 * and after @tail (and the slot header).  Returns false if the consumer
 * moved meanwhile: no verdict then.
 */
struct mbox_ring_look {
	u32 head, tail, seq, len, flags;
};

static bool mbox_ring_look(struct mbox_ring *ring, u32 seg,
			   struct mbox_ring_look *l)
{
	struct mbox_ring_seg_cons *c = mbox_ring_seg_cons(ring, seg);
	struct mbox_ring_slot *s;

	l->head = READ_ONCE(c->head);
	/* Everything else after the head that names it ... */
	smp_rmb();
	l->tail = READ_ONCE(mbox_ring_seg_data(ring, seg)->tail);
	s = mbox_ring_slot(ring, seg, l->head);
	l->seq = READ_ONCE(s->seq);
	l->len = READ_ONCE(s->len);
	l->flags = READ_ONCE(s->flags);
	/* ... and the head again after it. */
	smp_rmb();
	return READ_ONCE(c->head) == l->head;
}

/* Whether a stable look shows what no correct producer can write. */
static bool mbox_ring_bad(struct mbox_ring *ring,
			  const struct mbox_ring_look *l, bool record)
{
	u32 n = ring->nslots;

	if (l->tail - l->head > n)
		return true;
	if (!record)
		return false;
	if (l->seq == l->head + 1)
		return l->len > MBOX_RING_PAYLOAD(ring) ||
		       (l->flags & ~MBOX_RING_SLOT_FLAGS);
	return l->seq != l->head + 1 - n;
}

static bool mbox_ring_has_room(const struct mbox_ring_look *l, u32 nslots)
{
	return l->tail - l->head < nslots;
}

static void mbox_ring_update_wait(struct mbox_ring *ring, u32 seg)
{
	struct mbox_ring_segk *s = &ring->seg[seg];

	WRITE_ONCE(ring->ctrl->seg[seg].prod_wait,
		   s->waiters + s->poll_armed);
}

/* Cuts @seg off as corrupt, under the host lock. */
static void mbox_ring_cut(struct mbox_ring *ring, u32 seg)
{
	struct mbox_ring_host *rh = &ring->mb->ringh;
	struct mbox_ring_segk *s = &ring->seg[seg];
	struct mbox_ring_seg_cons *c = mbox_ring_seg_cons(ring, seg);

	lockdep_assert_held(&rh->lock);
	if (s->state != MBOX_RING_SEG_ATTACHED &&
	    s->state != MBOX_RING_SEG_CLOSED)
		return;
	s->cons_done = false;
	WRITE_ONCE(c->flags, READ_ONCE(c->flags) | MBOX_RING_CUT);
	mbox_ring_set_state(ring, seg, MBOX_RING_SEG_CUT);
	rh->corrupt++;
	rh->corrupt_pid = s->pid;
	rh->corrupt_uid = s->uid;
	mbox_ring_set_ready(ring, seg);
	wake_up_all(&s->wq);
	mbox_ring_wake_consumer(ring);
	wake_up_interruptible_poll(&ring->mb->poll_wq, EPOLLOUT | EPOLLWRBAND);
}

/* Judges @seg on a producer's behalf; cuts it if it is corrupt. */
static int mbox_ring_judge(struct mbox_ring *ring, u32 seg, bool record)
{
	struct mbox_ring_host *rh = &ring->mb->ringh;
	struct mbox_ring_look l;
	bool bad = false;

	mutex_lock(&rh->lock);
	if (READ_ONCE(ring->seg[seg].state) == MBOX_RING_SEG_CUT)
		bad = true;
	else if (mbox_ring_look(ring, seg, &l) &&
		 mbox_ring_bad(ring, &l, record))
		bad = true;
	if (bad)
		mbox_ring_cut(ring, seg);
	mutex_unlock(&rh->lock);
	return bad;
}

static int mbox_ring_check_setup(const struct mbox *mb,
				 const struct mbox_ring_setup *args)
{
	if (args->flags || args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (!args->nsegs || args->nsegs > MBOX_RING_SEGS_MAX)
		return -EINVAL;
	if (!args->nslots || args->nslots > MBOX_RING_SLOTS_MAX ||
	    !is_power_of_2(args->nslots))
		return -EINVAL;
	if (args->slot_size < MBOX_RING_SLOT_SIZE_MIN || args->slot_size % 8)
		return -EINVAL;
	if (args->slot_size - sizeof(struct mbox_ring_slot) > mb->msg_size)
		return -EINVAL;
	if ((u64)args->nsegs * args->nslots * args->slot_size >
	    MBOX_RING_BYTES_MAX)
		return -EINVAL;
	return 0;
}

/* Every slot of @seg as if the round before index 0 had been committed. */
static void mbox_ring_seg_init(struct mbox_ring *ring, u32 seg)
{
	u32 i;

	for (i = 0; i < ring->nslots; i++)
		mbox_ring_slot(ring, seg, i)->seq = i + 1 - ring->nslots;
}

static struct mbox_ring *mbox_ring_new(struct mbox *mb,
				       const struct mbox_ring_setup *args,
				       struct mbox_acct *user)
{
	struct mbox_ring *ring;
	size_t charge;
	u32 i;
	int err;

	ring = kzalloc(struct_size(ring, seg, args->nsegs), GFP_KERNEL_ACCOUNT);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	kref_init(&ring->ref);
	ring->mb = mb;
	ring->nsegs = args->nsegs;
	ring->nslots = args->nslots;
	ring->slot_size = args->slot_size;
	ring->seg_data_size = PAGE_ALIGN(MBOX_RING_SLOTS_OFFSET +
					 (size_t)args->nslots * args->slot_size);
	ring->ctrl_size = PAGE_SIZE;
	ring->cons_size = (size_t)(args->nsegs + 1) * PAGE_SIZE;
	ring->data_size = (size_t)args->nsegs * ring->seg_data_size;
	spin_lock_init(&ring->lock);
	init_waitqueue_head(&ring->cons_wq);
	for (i = 0; i < ring->nsegs; i++)
		init_waitqueue_head(&ring->seg[i].wq);
	ring->pid_ns = get_pid_ns(task_active_pid_ns(current));
	ring->user_ns = get_user_ns(current_user_ns());

	charge = ring->ctrl_size + ring->cons_size + ring->data_size;
	err = mbox_acct_charge_bytes(user, charge);
	if (err) {
		mbox_ring_put(ring);
		return ERR_PTR(err);
	}
	ring->user = user;
	ring->charge = charge;

	ring->ctrl = __vmalloc(ring->ctrl_size, MBOX_RING_GFP);
	ring->cons = __vmalloc(ring->cons_size, MBOX_RING_GFP);
	ring->data = __vmalloc(ring->data_size, MBOX_RING_GFP);
	if (!ring->ctrl || !ring->cons || !ring->data) {
		mbox_acct_uncharge_bytes(user, charge);
		mbox_ring_put(ring);
		return ERR_PTR(-ENOMEM);
	}
	mbox_acct_ref(user);

	ring->ctrl->nsegs = ring->nsegs;
	ring->ctrl->nslots = ring->nslots;
	ring->ctrl->slot_size = ring->slot_size;
	ring->ctrl->slots_offset = MBOX_RING_SLOTS_OFFSET;
	ring->ctrl->seg_data_size = ring->seg_data_size;
	for (i = 0; i < ring->nsegs; i++)
		mbox_ring_seg_init(ring, i);
	return ring;
}

static long mbox_ring_ioctl_setup(struct mbox_handle *h,
				  struct mbox_ring_setup __user *uargs)
{
	struct mbox *mb = h->mb;
	struct mbox_ring_host *rh = &mb->ringh;
	struct mbox_ring_setup args;
	struct mbox_ring *ring;
	int err = 0;

	if (h->role != MBOX_ROLE_OWNER)
		return -EPERM;
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	err = mbox_ring_check_setup(mb, &args);
	if (err)
		return err;
	if (mbox_ring_present(mb))
		return -EBUSY;

	ring = mbox_ring_new(mb, &args, h->user);
	if (IS_ERR(ring))
		return PTR_ERR(ring);

	if (mutex_lock_interruptible(&rh->lock)) {
		err = -ERESTARTSYS;
		goto fail;
	}
	if (rcu_access_pointer(rh->ring))
		err = -EBUSY;
	else if (READ_ONCE(mb->dead))	/* mbox_ring_destroy() follows */
		err = -EPIPE;
	if (!err) {
		ring->gen = ++rh->gen;
		rcu_assign_pointer(rh->ring, ring);
	}
	mutex_unlock(&rh->lock);
	if (!err)
		return 0;
fail:
	mbox_acct_uncharge_bytes(ring->user, ring->charge);
	mbox_acct_put(ring->user);
	mbox_ring_put(ring);
	return err;
}

/*
 * Unpublishes the ring, under the host lock: flags it, counts what it
 * carried, gives back the uid charge and zaps every mapping.  Returns the
 * host's reference.
 */
static struct mbox_ring *mbox_ring_unpublish(struct mbox_ring_host *rh,
					     u32 flag)
{
	struct mbox_ring *ring;
	u32 i, head;

	lockdep_assert_held(&rh->lock);
	ring = rcu_dereference_protected(rh->ring, lockdep_is_held(&rh->lock));
	if (!ring)
		return NULL;

	spin_lock(&ring->lock);
	ring->flags |= flag;
	WRITE_ONCE(ring->ctrl->flags, ring->flags);
	for (i = 0; i < ring->nsegs; i++) {
		struct mbox_ring_seg_cons *c = mbox_ring_seg_cons(ring, i);

		WRITE_ONCE(c->flags, READ_ONCE(c->flags) | flag);
	}
	spin_unlock(&ring->lock);

	for (i = 0; i < ring->nsegs; i++) {
		head = READ_ONCE(mbox_ring_seg_cons(ring, i)->head);
		rh->messages += head;
		rh->slot_bytes += (u64)head * MBOX_RING_PAYLOAD(ring);
	}
	RCU_INIT_POINTER(rh->ring, NULL);
	unmap_mapping_range(&rh->mapping, 0, 0, 1);
	mbox_acct_uncharge_bytes(ring->user, ring->charge);
	mbox_acct_put(ring->user);
	ring->user = NULL;
	return ring;
}

static long mbox_ring_ioctl_teardown(struct mbox_handle *h, unsigned long arg)
{
	struct mbox_ring_host *rh = &h->mb->ringh;
	struct mbox_ring *ring;

	if (arg)
		return -EINVAL;
	if (h->role != MBOX_ROLE_OWNER)
		return -EPERM;
	mutex_lock(&rh->lock);
	ring = mbox_ring_unpublish(rh, MBOX_RING_GONE);
	mutex_unlock(&rh->lock);
	if (!ring)
		return -ENODEV;
	mbox_ring_wake_all(ring);
	mbox_ring_put(ring);
	return 0;
}

/* Owner death, under mbox->lock: sleepers learn it now, see destroy. */
void mbox_ring_shutdown(struct mbox *mb)
{
	struct mbox_ring *ring = mbox_ring_get(mb);

	if (!ring)
		return;
	spin_lock(&ring->lock);
	ring->flags |= MBOX_RING_DEAD;
	WRITE_ONCE(ring->ctrl->flags, ring->flags);
	spin_unlock(&ring->lock);
	mbox_ring_wake_all(ring);
	mbox_ring_put(ring);
}

/* The mailbox is destroyed (mbox->lock not held): give everything back. */
void mbox_ring_destroy(struct mbox *mb)
{
	struct mbox_ring_host *rh = &mb->ringh;
	struct mbox_ring *ring;

	mutex_lock(&rh->lock);
	ring = mbox_ring_unpublish(rh, MBOX_RING_DEAD);
	mutex_unlock(&rh->lock);
	if (!ring)
		return;
	mbox_ring_wake_all(ring);
	mbox_ring_put(ring);
}

/*
 * The ring and segment of a user handle, referenced, or an error:
 * -ENODEV (none), -ECONNRESET (its ring was torn down), -EPIPE.
 *
 * @ring_seg and @ring_gen are written under the host lock (attach) but
 * read here without it, and only the pair means anything: a segment index
 * of one ring used with another ring may lie beyond its segments.  Attach
 * works like a sequence count, and this side pairs with it: the acquire
 * makes the segment stored before @ring_gen's release visible, and the
 * second look at @ring_gen catches a segment stored by a later attach
 * (which zeroes @ring_gen first), so a generation never goes with another
 * ring's segment.
 */
static struct mbox_ring *mbox_ring_get_seg(struct mbox_handle *h, u32 *seg)
{
	struct mbox_ring *ring;
	u32 gen;

	/* Pairs with smp_store_release() in attach: see above. */
	gen = smp_load_acquire(&h->ring_gen);
	ring = mbox_ring_get(h->mb);
	if (ring && ring->gen == gen && gen) {
		*seg = READ_ONCE(h->ring_seg);
		/* Pairs with smp_wmb() in attach: see above. */
		smp_rmb();
		if (READ_ONCE(h->ring_gen) == gen)
			return ring;
	}
	if (ring)
		mbox_ring_put(ring);
	if (READ_ONCE(h->mb->dead))
		return ERR_PTR(-EPIPE);
	return ERR_PTR(gen ? -ECONNRESET : -ENODEV);
}

static int mbox_ring_flags_err(struct mbox_ring *ring)
{
	u32 flags = READ_ONCE(ring->flags);

	if (flags & MBOX_RING_DEAD)
		return -EPIPE;
	if (flags & MBOX_RING_GONE)
		return -ECONNRESET;
	return 0;
}

static long mbox_ring_ioctl_attach(struct mbox_handle *h, unsigned long arg)
{
	struct mbox_ring_host *rh = &h->mb->ringh;
	struct mbox_ring_seg_cons *c;
	struct mbox_ring *ring;
	struct mbox_ring_segk *s;
	u32 i, head;
	long ret;

	if (arg)
		return -EINVAL;
	if (h->role != MBOX_ROLE_USER)
		return -EPERM;
	mutex_lock(&rh->lock);
	ring = rcu_dereference_protected(rh->ring, lockdep_is_held(&rh->lock));
	if (READ_ONCE(h->mb->dead)) {
		ret = -EPIPE;
		goto out;
	}
	if (!ring) {
		ret = -ENODEV;
		goto out;
	}
	if (h->ring_gen == ring->gen) {
		ret = ring->seg[h->ring_seg].state == MBOX_RING_SEG_CUT ?
		      -EBADMSG : h->ring_seg;
		goto out;
	}
	for (i = 0; i < ring->nsegs; i++)
		if (ring->seg[i].state == MBOX_RING_SEG_FREE)
			break;
	if (i == ring->nsegs) {
		ret = -ENOSPC;
		goto out;
	}

	/* A fresh segment: nothing of the one before stays readable. */
	s = &ring->seg[i];
	c = mbox_ring_seg_cons(ring, i);
	head = READ_ONCE(c->head);
	rh->messages += head;
	rh->slot_bytes += (u64)head * MBOX_RING_PAYLOAD(ring);
	memset(mbox_ring_seg_data(ring, i), 0, ring->seg_data_size);
	mbox_ring_seg_init(ring, i);
	WRITE_ONCE(c->head, 0);
	WRITE_ONCE(c->need_wake, 1);
	WRITE_ONCE(c->flags, READ_ONCE(ring->flags));
	s->h = h;
	s->cons_done = false;
	s->pid = task_tgid_nr_ns(current, ring->pid_ns);
	s->uid = from_kuid_munged(ring->user_ns, current_euid());
	ring->ctrl->seg[i].pid = s->pid;
	ring->ctrl->seg[i].uid = s->uid;
	ring->ctrl->seg[i].gen++;
	mbox_ring_set_state(ring, i, MBOX_RING_SEG_ATTACHED);
	/*
	 * Lockless readers (mbox_ring_get_seg()) must never pair a
	 * generation with another ring's segment: an old generation is
	 * withdrawn before the segment changes, and the new one is
	 * published after it.
	 */
	if (h->ring_gen) {
		WRITE_ONCE(h->ring_gen, 0);
		/* Pairs with smp_rmb() in mbox_ring_get_seg(). */
		smp_wmb();
	}
	WRITE_ONCE(h->ring_seg, i);
	/* Pairs with smp_load_acquire() in mbox_ring_get_seg(). */
	smp_store_release(&h->ring_gen, ring->gen);
	ret = i;
out:
	mutex_unlock(&rh->lock);
	return ret;
}

/*
 * A producer's handle is released: it has no mapping left, so its
 * reserved but uncommitted slots can be committed as skipped records, and
 * the consumer drains the rest and gives the segment back.
 */
void mbox_ring_detach(struct mbox_handle *h)
{
	struct mbox_ring_host *rh = &h->mb->ringh;
	struct mbox_ring_look l;
	struct mbox_ring_slot *slot;
	struct mbox_ring *ring;
	struct mbox_ring_segk *s;
	u32 seg, i;

	mutex_lock(&rh->lock);
	ring = rcu_dereference_protected(rh->ring, lockdep_is_held(&rh->lock));
	if (!ring || !h->ring_gen || h->ring_gen != ring->gen)
		goto out;
	seg = h->ring_seg;
	s = &ring->seg[seg];
	s->h = NULL;
	if (s->state == MBOX_RING_SEG_CUT) {
		if (s->cons_done)
			mbox_ring_set_state(ring, seg, MBOX_RING_SEG_FREE);
		goto out;
	}

	/*
	 * The consumer may move the head meanwhile, but never past an
	 * uncommitted slot, and only uncommitted slots are written here.
	 */
	l.tail = READ_ONCE(mbox_ring_seg_data(ring, seg)->tail);
	l.head = READ_ONCE(mbox_ring_seg_cons(ring, seg)->head);
	if (l.tail - l.head > ring->nslots) {
		mbox_ring_cut(ring, seg);
		goto out;
	}
	for (i = l.head; i != l.tail; i++) {
		slot = mbox_ring_slot(ring, seg, i);
		if (READ_ONCE(slot->seq) == i + 1)
			continue;
		WRITE_ONCE(slot->len, 0);
		WRITE_ONCE(slot->type, 0);
		WRITE_ONCE(slot->flags, MBOX_RING_SLOT_SKIP);
		/* The record before the commit word, as a producer does. */
		smp_store_release(&slot->seq, i + 1);
		rh->discarded++;
	}
	mbox_ring_set_state(ring, seg, MBOX_RING_SEG_CLOSED);
	mbox_ring_set_ready(ring, seg);
	mbox_ring_wake_consumer(ring);
out:
	mutex_unlock(&rh->lock);
}

static long mbox_ring_ioctl_seg(struct mbox_handle *h,
				struct mbox_ring_seg __user *uargs)
{
	struct mbox_ring_host *rh = &h->mb->ringh;
	struct mbox_ring_seg args;
	struct mbox_ring_look l;
	struct mbox_ring *ring;
	struct mbox_ring_segk *s;
	long ret = 0;

	if (h->role != MBOX_ROLE_OWNER)
		return -EPERM;
	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.reserved[0] || (args.op != MBOX_RING_SEG_RELEASE &&
				 args.op != MBOX_RING_SEG_CHECK))
		return -EINVAL;

	mutex_lock(&rh->lock);
	ring = rcu_dereference_protected(rh->ring, lockdep_is_held(&rh->lock));
	if (!ring) {
		ret = -ENODEV;
		goto out;
	}
	if (args.seg >= ring->nsegs) {
		ret = -EINVAL;
		goto out;
	}
	s = &ring->seg[args.seg];
	if (args.op == MBOX_RING_SEG_RELEASE) {
		if (s->state == MBOX_RING_SEG_CLOSED) {
			mbox_ring_set_state(ring, args.seg, MBOX_RING_SEG_FREE);
		} else if (s->state == MBOX_RING_SEG_CUT) {
			s->cons_done = true;
			if (!s->h)
				mbox_ring_set_state(ring, args.seg,
						    MBOX_RING_SEG_FREE);
		} else {
			ret = -EINVAL;
		}
		goto out;
	}
	if (s->state == MBOX_RING_SEG_CUT) {
		ret = 1;
	} else if (s->state != MBOX_RING_SEG_FREE &&
		   mbox_ring_look(ring, args.seg, &l) &&
		   mbox_ring_bad(ring, &l, true)) {
		mbox_ring_cut(ring, args.seg);
		ret = 1;
	}
out:
	mutex_unlock(&rh->lock);
	return ret;
}

/* Under the host lock: the counters of gone rings plus the live one's. */
static void mbox_ring_stats_locked(struct mbox_ring_host *rh,
				   struct mbox_ring *ring,
				   struct mbox_ring_stats *st)
{
	u32 i, head;

	memset(st, 0, sizeof(*st));
	st->ever = rh->gen;
	st->messages = rh->messages;
	st->slot_bytes = rh->slot_bytes;
	st->discarded = rh->discarded;
	st->corrupt = rh->corrupt;
	st->corrupt_pid = rh->corrupt_pid;
	st->corrupt_uid = rh->corrupt_uid;
	if (!ring)
		return;
	for (i = 0; i < ring->nsegs; i++) {
		if (ring->seg[i].state == MBOX_RING_SEG_ATTACHED)
			st->attached++;
		head = READ_ONCE(mbox_ring_seg_cons(ring, i)->head);
		st->messages += head;
		st->slot_bytes += (u64)head * MBOX_RING_PAYLOAD(ring);
	}
}

void mbox_ring_stats(struct mbox *mb, struct mbox_ring_stats *st)
{
	struct mbox_ring_host *rh = &mb->ringh;
	struct mbox_ring *ring;

	mutex_lock(&rh->lock);
	ring = rcu_dereference_protected(rh->ring, lockdep_is_held(&rh->lock));
	mbox_ring_stats_locked(rh, ring, st);
	mutex_unlock(&rh->lock);
}

static long mbox_ring_ioctl_info(struct mbox_handle *h,
				 struct mbox_ring_info __user *uargs)
{
	struct mbox_ring_host *rh = &h->mb->ringh;
	bool owner = h->role == MBOX_ROLE_OWNER;
	struct mbox_ring_stats st;
	struct mbox_ring_info info;
	struct mbox_ring *ring;

	if (h->role == MBOX_ROLE_RECEIVER)
		return -EPERM;
	memset(&info, 0, sizeof(info));
	info.seg = -1;
	mutex_lock(&rh->lock);
	ring = rcu_dereference_protected(rh->ring, lockdep_is_held(&rh->lock));
	if (ring) {
		info.nsegs = ring->nsegs;
		info.nslots = ring->nslots;
		info.slot_size = ring->slot_size;
		info.slots_offset = MBOX_RING_SLOTS_OFFSET;
		info.seg_data_size = ring->seg_data_size;
		if (!owner && h->ring_gen == ring->gen)
			info.seg = h->ring_seg;
	}
	if (owner) {
		mbox_ring_stats_locked(rh, ring, &st);
		info.attached = st.attached;
		info.messages = st.messages;
		info.slot_bytes = st.slot_bytes;
		info.discarded = st.discarded;
		info.corrupt = st.corrupt;
		info.corrupt_pid = st.corrupt_pid;
		info.corrupt_uid = st.corrupt_uid;
	}
	if (ring && owner) {
		info.ctrl_size = ring->ctrl_size;
		info.cons_size = ring->cons_size;
		info.data_size = ring->data_size;
	}
	mutex_unlock(&rh->lock);
	if (copy_to_user(uargs, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

/*
 * Asks every live segment for a wake-up, then looks at each once: the
 * consumer is about to sleep.  Returns whether the ready set has work.
 */
static bool mbox_ring_arm(struct mbox_ring *ring)
{
	struct mbox_ring_ready *r = ring->cons;
	struct mbox_ring_look l;
	u32 i, state;

	if (READ_ONCE(r->ready))
		return true;
	for (i = 0; i < ring->nsegs; i++) {
		state = READ_ONCE(ring->seg[i].state);
		if (state == MBOX_RING_SEG_ATTACHED ||
		    state == MBOX_RING_SEG_CLOSED)
			WRITE_ONCE(mbox_ring_seg_cons(ring, i)->need_wake, 1);
	}
	/* need_wake before the looks; pairs with the producer's fence. */
	smp_mb();
	for (i = 0; i < ring->nsegs; i++) {
		state = READ_ONCE(ring->seg[i].state);
		if (state != MBOX_RING_SEG_ATTACHED &&
		    state != MBOX_RING_SEG_CLOSED)
			continue;
		mbox_ring_look(ring, i, &l);
		if (l.seq == l.head + 1)
			mbox_ring_set_ready(ring, i);
	}
	return READ_ONCE(r->ready);
}

static int mbox_ring_ready_cons(struct mbox_ring *ring)
{
	return mbox_ring_arm(ring) ? 0 : -EAGAIN;
}

/*
 * Whether the producer of @seg can go on: 0 (room), -EAGAIN (full),
 * -EBADMSG (cut, or corrupt indices: then @*judge is set).
 */
static int mbox_ring_ready_prod(struct mbox_ring *ring, u32 seg, bool *judge)
{
	struct mbox_ring_look l;

	if (READ_ONCE(ring->seg[seg].state) == MBOX_RING_SEG_CUT)
		return -EBADMSG;
	if (!mbox_ring_look(ring, seg, &l))
		return 0;	/* the consumer moved: room */
	if (mbox_ring_has_room(&l, ring->nslots))
		return 0;
	if (mbox_ring_bad(ring, &l, false)) {
		*judge = true;
		return -EBADMSG;
	}
	return -EAGAIN;
}

static void mbox_ring_count_waiter(struct mbox_ring *ring, u32 seg, int delta)
{
	spin_lock(&ring->lock);
	ring->seg[seg].waiters += delta;
	mbox_ring_update_wait(ring, seg);
	spin_unlock(&ring->lock);
}

/*
 * Sleeps until the caller's side can go on.  The flag that makes the
 * other side call MBOX_IOC_RING_WAKE is raised before the first look and
 * kept up until we leave, and we are on the wait queue before every look,
 * so a commit or release that we do not see wakes us.
 */
static int mbox_ring_wait(struct mbox_ring *ring, bool consumer, u32 seg,
			  bool nonblock, ktime_t *deadline)
{
	wait_queue_head_t *wq = consumer ? &ring->cons_wq : &ring->seg[seg].wq;
	bool timed_out = false, judge = false;
	DEFINE_WAIT(wait);
	int err;

	if (!consumer) {
		mbox_ring_count_waiter(ring, seg, 1);
		/* Counted before the looks; pairs with the consumer's fence. */
		smp_mb();
	}
	for (;;) {
		prepare_to_wait(wq, &wait, TASK_INTERRUPTIBLE);
		err = mbox_ring_flags_err(ring);
		if (!err)
			err = consumer ? mbox_ring_ready_cons(ring) :
				mbox_ring_ready_prod(ring, seg, &judge);
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
	if (!consumer)
		mbox_ring_count_waiter(ring, seg, -1);
	if (judge && !mbox_ring_judge(ring, seg, false))
		err = 0;	/* a race, not corruption: try again */
	return err;
}

/* MBOX_IOC_RING_WAIT, its arguments checked by handle.c. */
int mbox_ring_wait_handle(struct mbox_handle *h, bool nonblock,
			  ktime_t *deadline)
{
	bool consumer = h->role == MBOX_ROLE_OWNER;
	struct mbox_ring *ring;
	u32 seg = 0;
	int err;

	if (consumer) {
		ring = mbox_ring_get(h->mb);
		if (!ring)
			return -ENODEV;
	} else {
		ring = mbox_ring_get_seg(h, &seg);
		if (IS_ERR(ring))
			return PTR_ERR(ring);
	}
	err = mbox_ring_wait(ring, consumer, seg, nonblock, deadline);
	mbox_ring_put(ring);
	return err;
}

/* The consumer released slots: wake producers that wait and have room. */
static void mbox_ring_wake_producers(struct mbox_ring *ring)
{
	bool polled = false, judge = false;
	struct mbox_ring_segk *s;
	u32 i;

	for (i = 0; i < ring->nsegs; i++) {
		s = &ring->seg[i];
		if (!READ_ONCE(s->waiters) && !READ_ONCE(s->poll_armed))
			continue;
		if (mbox_ring_ready_prod(ring, i, &judge) == -EAGAIN)
			continue;
		wake_up_all(&s->wq);
		spin_lock(&ring->lock);
		if (s->poll_armed) {
			s->poll_armed = false;
			polled = true;
			mbox_ring_update_wait(ring, i);
		}
		spin_unlock(&ring->lock);
	}
	if (polled)
		wake_up_interruptible_poll(&ring->mb->poll_wq,
					   EPOLLOUT | EPOLLWRBAND);
}

static long mbox_ring_ioctl_wake(struct mbox_handle *h, unsigned long arg)
{
	struct mbox_ring *ring;
	struct mbox_ring_look l;
	u32 seg = 0;
	int err;

	if (arg)
		return -EINVAL;
	if (h->role == MBOX_ROLE_RECEIVER)
		return -EPERM;
	if (h->role == MBOX_ROLE_OWNER) {
		ring = mbox_ring_get(h->mb);
		if (!ring)
			return -ENODEV;
		mbox_ring_wake_producers(ring);
		mbox_ring_put(ring);
		return 0;
	}

	ring = mbox_ring_get_seg(h, &seg);
	if (IS_ERR(ring))
		return PTR_ERR(ring);
	err = mbox_ring_flags_err(ring);
	if (!err && READ_ONCE(ring->seg[seg].state) == MBOX_RING_SEG_CUT)
		err = -EBADMSG;
	if (!err && mbox_ring_look(ring, seg, &l) &&
	    mbox_ring_bad(ring, &l, false) && mbox_ring_judge(ring, seg, false))
		err = -EBADMSG;
	if (!err) {
		mbox_ring_set_ready(ring, seg);
		mbox_ring_wake_consumer(ring);
	}
	mbox_ring_put(ring);
	return err;
}

long mbox_ring_ioctl(struct file *file, struct mbox_handle *h,
		     unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MBOX_IOC_RING_SETUP:
		return mbox_ring_ioctl_setup(h, argp);
	case MBOX_IOC_RING_WAKE:
		return mbox_ring_ioctl_wake(h, arg);
	case MBOX_IOC_RING_INFO:
		return mbox_ring_ioctl_info(h, argp);
	case MBOX_IOC_RING_TEARDOWN:
		return mbox_ring_ioctl_teardown(h, arg);
	case MBOX_IOC_RING_ATTACH:
		return mbox_ring_ioctl_attach(h, arg);
	case MBOX_IOC_RING_SEG:
		return mbox_ring_ioctl_seg(h, argp);
	default:
		return -ENOTTY;
	}
}

/*
 * A stale mapping (ring torn down or mailbox destroyed) gets fresh zeroed
 * pages charged to the faulting task, whose flags words say why.
 */
static vm_fault_t mbox_ring_fault_stale(struct vm_fault *vmf, u32 part,
					u32 flag)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long idx = mbox_ring_fault_idx(vmf, part);
	struct page *page;
	void *kaddr;
	int err;

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return VM_FAULT_OOM;
	kaddr = page_address(page);
	if (part == PART_CTRL)
		((struct mbox_ring_ctrl *)kaddr)->flags = flag;
	else if (part == PART_SEG_CONS || (part == PART_CONS && idx))
		((struct mbox_ring_seg_cons *)kaddr)->flags = flag;
	err = vm_insert_page(vma, vmf->address & PAGE_MASK, page);
	put_page(page);	/* the page table holds its own reference */
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	return err && err != -EBUSY ? VM_FAULT_SIGBUS : VM_FAULT_NOPAGE;
}

/*
 * Pages are inserted here, under the host lock, never at mmap() time: a
 * teardown then zaps every pte that was ever made for the ring, and only
 * then may its pages be freed.
 */
static vm_fault_t mbox_ring_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mbox_handle *h = vma->vm_file->private_data;
	struct mbox_ring_host *rh = &h->mb->ringh;
	unsigned long cookie = (unsigned long)vma->vm_private_data;
	u32 part = cookie & ((1U << PART_BITS) - 1);
	u32 gen = cookie >> PART_BITS;
	unsigned long idx = mbox_ring_fault_idx(vmf, part);
	struct mbox_ring *ring;
	void *area = NULL;
	size_t size = 0;
	unsigned long pfn;
	vm_fault_t ret;
	u32 flag;

	mutex_lock(&rh->lock);
	ring = rcu_dereference_protected(rh->ring, lockdep_is_held(&rh->lock));
	if (ring && ring->gen == gen && !READ_ONCE(h->mb->dead)) {
		switch (part) {
		case PART_CTRL:
			area = ring->ctrl;
			size = ring->ctrl_size;
			break;
		case PART_CONS:
			area = ring->cons;
			size = ring->cons_size;
			break;
		case PART_DATA:
			area = ring->data;
			size = ring->data_size;
			break;
		case PART_SEG_CONS:
			area = mbox_ring_seg_cons(ring, h->ring_seg);
			size = PAGE_SIZE;
			break;
		case PART_SEG_DATA:
			area = mbox_ring_seg_data(ring, h->ring_seg);
			size = ring->seg_data_size;
			break;
		}
	}
	/* mmap() checked the length; no split or move can grow it. */
	if (area && idx >= size >> PAGE_SHIFT) {
		mutex_unlock(&rh->lock);
		return VM_FAULT_SIGBUS;
	}
	if (area) {
		/*
		 * A special pte: it holds no page reference and no one can
		 * pin the page through it (GUP fails on VM_IO and special
		 * ptes alike), so the zap at teardown is the end of every
		 * user access.
		 */
		pfn = vmalloc_to_pfn(area + (idx << PAGE_SHIFT));
		ret = vmf_insert_mixed(vma, vmf->address & PAGE_MASK,
				       pfn_to_pfn_t(pfn));
	} else {
		flag = READ_ONCE(h->mb->dead) ? MBOX_RING_DEAD : MBOX_RING_GONE;
		ret = mbox_ring_fault_stale(vmf, part, flag);
	}
	mutex_unlock(&rh->lock);
	return ret;
}

static const struct vm_operations_struct mbox_ring_vm_ops = {
	.fault = mbox_ring_fault,
};

/*
 * Checks a mapping request; runs under mmap_lock, so it takes only RCU.
 * Each part gets the least rights its side needs: read-only parts lose
 * VM_MAYWRITE, nothing is executable, inherited, growable or pinnable.
 */
int mbox_ring_mmap(struct mbox_handle *h, struct vm_area_struct *vma)
{
	bool owner = h->role == MBOX_ROLE_OWNER;
	vm_flags_t clear = VM_MAYEXEC;
	struct mbox_ring *ring;
	u32 part, seg = 0;
	bool writable, seg_part;
	size_t size;
	int err = 0;

	if (READ_ONCE(h->mb->dead))
		return -EPIPE;
	for (part = 0; part < ARRAY_SIZE(mbox_ring_part_pgoff); part++)
		if (vma->vm_pgoff == mbox_ring_part_pgoff[part])
			break;
	if (part == ARRAY_SIZE(mbox_ring_part_pgoff))
		return -EINVAL;
	/* Owners map CTRL, CONS and DATA; users their own SEG_* parts. */
	seg_part = part >= PART_SEG_CONS;
	if (h->role == MBOX_ROLE_RECEIVER || owner == seg_part)
		return -EINVAL;

	if (owner) {
		ring = mbox_ring_get(h->mb);
		if (!ring)
			return -ENODEV;
	} else {
		ring = mbox_ring_get_seg(h, &seg);
		if (IS_ERR(ring))
			return PTR_ERR(ring) == -ECONNRESET ? -ENODEV :
			       PTR_ERR(ring);
		if (READ_ONCE(ring->seg[seg].state) == MBOX_RING_SEG_CUT)
			err = -EBADMSG;
	}
	switch (part) {
	case PART_CTRL:
		size = ring->ctrl_size;
		writable = false;
		break;
	case PART_CONS:
		size = ring->cons_size;
		writable = true;
		break;
	case PART_DATA:
		size = ring->data_size;
		writable = false;
		break;
	case PART_SEG_CONS:
		size = PAGE_SIZE;
		writable = false;
		break;
	default:
		size = ring->seg_data_size;
		writable = true;
		break;
	}
	if (!err && (!(vma->vm_flags & VM_SHARED) ||
		     vma->vm_end - vma->vm_start != size))
		err = -EINVAL;
	if (!err && ((vma->vm_flags & VM_EXEC) ||
		     (!writable && (vma->vm_flags & VM_WRITE))))
		err = -EACCES;
	if (!err) {
		if (!writable)
			clear |= VM_MAYWRITE;
		mbox_ring_vm_flags_mod(vma, VM_DONTCOPY | VM_DONTEXPAND |
				       VM_DONTDUMP | VM_IO | VM_MIXEDMAP,
				       clear);
		vma->vm_ops = &mbox_ring_vm_ops;
		vma->vm_private_data =
			(void *)(((unsigned long)ring->gen << PART_BITS) | part);
	}
	mbox_ring_put(ring);
	return err;
}

/*
 * Readiness from the ring.  On the owner handle a poller is a consumer
 * about to sleep: it arms every segment like MBOX_IOC_RING_WAIT.  On a
 * user handle it asks the consumer for a wake-up when there is no room.
 * Nothing here cuts a segment off: that wakes the poll queue, which must
 * not happen from inside poll.
 */
__poll_t mbox_ring_poll(struct mbox_handle *h)
{
	struct mbox_ring *ring;
	bool judge = false;
	u32 seg = 0;
	int err;

	if (h->role == MBOX_ROLE_OWNER) {
		ring = mbox_ring_get(h->mb);
		if (!ring)
			return 0;
		err = mbox_ring_arm(ring);
		mbox_ring_put(ring);
		return err ? EPOLLIN | EPOLLRDNORM : 0;
	}
	if (h->role != MBOX_ROLE_USER || !READ_ONCE(h->ring_gen))
		return 0;
	ring = mbox_ring_get_seg(h, &seg);
	if (IS_ERR(ring))
		return EPOLLOUT | EPOLLWRBAND;
	err = mbox_ring_flags_err(ring) ?:
	      mbox_ring_ready_prod(ring, seg, &judge);
	if (err == -EAGAIN) {
		spin_lock(&ring->lock);
		ring->seg[seg].poll_armed = true;
		mbox_ring_update_wait(ring, seg);
		spin_unlock(&ring->lock);
		smp_mb();	/* pairs with the consumer's fence */
		err = mbox_ring_ready_prod(ring, seg, &judge);
	}
	mbox_ring_put(ring);
	return err == -EAGAIN ? 0 : EPOLLOUT | EPOLLWRBAND;
}
