// SPDX-License-Identifier: GPL-2.0
/*
 * The mailbox object: allocation, references, the lock and its deferred
 * wake-ups.  See mailbox.h.
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/ipc_namespace.h>
#include <linux/pid.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mailbox.h"
#include "persist.h"
#include "ring.h"
#include "uid_account.h"

/*
 * put_ipc_ns() is not exported before 6.12; the namespace's own operations
 * drop the reference the same way on every kernel.
 */
void mbox_put_ipc_ns(struct ipc_namespace *ns)
{
	/* Without IPC namespaces there is only init_ipc_ns, never freed. */
	if (IS_ENABLED(CONFIG_IPC_NS))
		ns->ns.ops->put(&ns->ns);
}

/* The caller's IPC namespace, with a reference for mbox_put_ipc_ns(). */
struct ipc_namespace *mbox_get_ipc_ns(void)
{
	return get_ipc_ns(mbox_current_ipc_ns());
}

/*
 * Allocates a mailbox for @args (already validated), owned by the calling
 * task's credentials, in its IPC namespace, and charged to @creator.
 */
struct mbox *mbox_new(const struct mbox_create *args, const char *name,
		      struct mbox_acct *creator)
{
	struct mbox *mb;
	int err;

	err = mbox_acct_charge_mailbox(creator);
	if (err)
		return ERR_PTR(err);

	mb = kzalloc(sizeof(*mb), GFP_KERNEL_ACCOUNT);
	if (!mb) {
		mbox_acct_uncharge_mailbox(creator);
		return ERR_PTR(-ENOMEM);
	}
	/* A persistent mailbox's own reservation stands for the quota's. */
	err = mbox_quota_init(&mb->quota, args, creator);
	if (err) {
		kfree(mb);
		mbox_acct_uncharge_mailbox(creator);
		return ERR_PTR(err);
	}
	mb->capacity = args->capacity;
	mb->msg_size = args->msg_size;
	if (args->flags & MBOX_CREATE_PERSIST) {
		err = mbox_persist_reserve(mb, creator);
		if (err) {
			mbox_quota_release(&mb->quota);
			kfree(mb);
			mbox_acct_uncharge_mailbox(creator);
			return ERR_PTR(err);
		}
	}

	kref_init(&mb->ref);
	RB_CLEAR_NODE(&mb->name_node);
	RB_CLEAR_NODE(&mb->port_node);
	mb->flags = args->flags;
	mb->capacity_mode = args->capacity_mode;
	mb->capacity = args->capacity;
	mb->msg_size = args->msg_size;
	/* mq_open() may create a queue nobody can open: mode 0 is 0 there. */
	mb->mode = args->mode || (args->flags & MBOX_CREATE_PERSIST) ?
		   args->mode : 0600;
	mb->uid = current_euid();
	mb->gid = current_egid();
	mb->creator = mbox_acct_ref(creator);
	mb->ipc_ns = get_ipc_ns(mbox_current_ipc_ns());
	if (args->flags & MBOX_CREATE_PORT)
		mb->port_pid = get_pid(task_tgid(current));
	mb->owner_pid = get_pid(task_tgid(current));
	strscpy(mb->name, name, sizeof(mb->name));

	mutex_init(&mb->lock);
	mbox_queue_init(&mb->queue);
	mbox_queue_init(&mb->held);
	INIT_LIST_HEAD(&mb->senders);
	INIT_LIST_HEAD(&mb->receivers);
	INIT_LIST_HEAD(&mb->selectors);
	INIT_LIST_HEAD(&mb->subs);
	init_waitqueue_head(&mb->poll_wq);
	mbox_ring_host_init(&mb->ringh);
	atomic64_set(&mb->rejected, 0);
	return mb;
}

static void mbox_release(struct kref *ref)
{
	struct mbox *mb = container_of(ref, struct mbox, ref);

	WARN_ON_ONCE(mb->queue.count);
	WARN_ON_ONCE(!list_empty(&mb->senders));
	WARN_ON_ONCE(!list_empty(&mb->receivers));
	WARN_ON_ONCE(!list_empty(&mb->selectors));
	WARN_ON_ONCE(!list_empty(&mb->subs));
	WARN_ON_ONCE(mb->nr_wakes);
	mutex_destroy(&mb->lock);
	mbox_ring_host_fini(&mb->ringh);
	put_pid(mb->port_pid);
	put_pid(mb->owner_pid);
	mbox_put_ipc_ns(mb->ipc_ns);
	mbox_acct_put(mb->creator);
	kfree_rcu(mb, rcu);
}

void mbox_put(struct mbox *mb)
{
	kref_put(&mb->ref, mbox_release);
}

/*
 * Queues @task to be woken by mbox_unlock(); the reference keeps it valid
 * although its waiter struct (on its stack) may be gone by then.  The
 * woken task finds out why under the lock, so an early or extra wake-up is
 * harmless; past the array, it is woken at once.
 */
void mbox_wake_later(struct mbox *mb, struct task_struct *task)
{
	if (mb->nr_wakes == ARRAY_SIZE(mb->wakes)) {
		wake_up_process(task);
		return;
	}
	get_task_struct(task);
	mb->wakes[mb->nr_wakes++] = task;
}

/* Drops the mailbox lock, then wakes what was queued under it. */
void mbox_unlock(struct mbox *mb)
{
	struct task_struct *tasks[ARRAY_SIZE(mb->wakes)];
	unsigned int i, n = mb->nr_wakes;

	for (i = 0; i < n; i++)
		tasks[i] = mb->wakes[i];
	mb->nr_wakes = 0;
	mutex_unlock(&mb->lock);
	for (i = 0; i < n; i++) {
		wake_up_process(tasks[i]);
		put_task_struct(tasks[i]);
	}
}
