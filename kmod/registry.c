// SPDX-License-Identifier: GPL-2.0
/*
 * The registry: ids, names and ports, the links of OS-owned mailboxes, and
 * the ends of mailboxes' lives.  See registry.h.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "event.h"
#include "mailbox.h"
#include "notify.h"
#include "persist.h"
#include "registry.h"
#include "ring.h"
#include "transfer.h"
#include "uid_account.h"

/* Ids index the xarray directly: they must fit an unsigned long. */
static_assert(sizeof(unsigned long) >= sizeof(u64));

static DEFINE_XARRAY(mbox_ids);
static atomic64_t mbox_last_id = ATOMIC64_INIT(0);
static atomic64_t mbox_count = ATOMIC64_INIT(0);	/* announced, not dead */

/* Both trees are keyed by IPC namespace first: see mbox_key_cmp(). */
static DEFINE_MUTEX(mbox_names_lock);
static struct rb_root mbox_names = RB_ROOT;
static struct rb_root mbox_ports = RB_ROOT;

/* Orders by namespace, then by @name; the namespace pointer is only a key. */
static int mbox_key_cmp(const struct ipc_namespace *ns_a, const char *a,
			const struct ipc_namespace *ns_b, const char *b)
{
	if (ns_a != ns_b)
		return ns_a < ns_b ? -1 : 1;
	return strcmp(a, b);
}

struct mbox_name_key {
	const struct ipc_namespace *ns;
	const char *name;
};

static int mbox_name_cmp(const void *key, const struct rb_node *node)
{
	const struct mbox_name_key *k = key;
	const struct mbox *mb = rb_entry(node, struct mbox, name_node);

	return mbox_key_cmp(k->ns, k->name, mb->ipc_ns, mb->name);
}

static int mbox_name_node_cmp(struct rb_node *a, const struct rb_node *b)
{
	const struct mbox *ma = rb_entry(a, struct mbox, name_node);
	const struct mbox_name_key key = { ma->ipc_ns, ma->name };

	return mbox_name_cmp(&key, b);
}

static int mbox_port_cmp(const void *key, const struct rb_node *node)
{
	const struct pid *pid = key;
	const struct pid *other = rb_entry(node, struct mbox, port_node)->port_pid;

	if (pid == other)
		return 0;
	return pid < other ? -1 : 1;
}

static int mbox_port_node_cmp(struct rb_node *a, const struct rb_node *b)
{
	return mbox_port_cmp(rb_entry(a, struct mbox, port_node)->port_pid, b);
}

/*
 * Gives @mb its id and makes it reachable; -EEXIST if its name is taken in
 * its namespace, or if it is a port and its process already has one.
 */
int mbox_register(struct mbox *mb)
{
	int err = 0;

	mb->id = atomic64_inc_return(&mbox_last_id);
	mbox_event_new(mb);

	mutex_lock(&mbox_names_lock);
	if (mb->name[0] &&
	    rb_find_add(&mb->name_node, &mbox_names, mbox_name_node_cmp)) {
		RB_CLEAR_NODE(&mb->name_node);
		err = -EEXIST;
	} else if (mb->port_pid &&
		   rb_find_add(&mb->port_node, &mbox_ports,
			       mbox_port_node_cmp)) {
		RB_CLEAR_NODE(&mb->port_node);
		err = -EEXIST;
	}
	mutex_unlock(&mbox_names_lock);
	if (err)
		return err;

	err = xa_err(xa_store(&mbox_ids, mb->id, mb, GFP_KERNEL));
	if (err)
		return err;

	/* Under the lock, so that no event about it can come first. */
	mutex_lock(&mb->lock);
	if (!mb->dead) {
		atomic64_inc(&mbox_count);
		mbox_event_created(mb);
	}
	mbox_unlock(mb);
	return 0;
}

static void mbox_unregister(struct mbox *mb)
{
	if (mb->id)
		xa_erase(&mbox_ids, mb->id);

	mutex_lock(&mbox_names_lock);
	if (!RB_EMPTY_NODE(&mb->name_node)) {
		rb_erase(&mb->name_node, &mbox_names);
		RB_CLEAR_NODE(&mb->name_node);
	}
	if (!RB_EMPTY_NODE(&mb->port_node)) {
		rb_erase(&mb->port_node, &mbox_ports);
		RB_CLEAR_NODE(&mb->port_node);
	}
	mutex_unlock(&mbox_names_lock);
}

/*
 * Ends the mailbox's life for the reason @why, decided by the caller (see
 * event.h, DOC: Death reasons).  The name is free for reuse as soon as this
 * returns.  Safe to call twice: the first reason stands.
 */
void mbox_destroy(struct mbox *mb, enum mbox_death why)
{
	bool was_dead, announced = false;

	mbox_event_dying(mb, why);
	mbox_unregister(mb);

	mutex_lock(&mb->lock);
	was_dead = mb->dead;
	if (!was_dead) {
		mb->death = why;
		mbox_event_dead(mb, why);
		mbox_shutdown(mb);
		mbox_notify_remove(mb);
		announced = mb->events.announced;
	}
	mbox_unlock(mb);

	if (was_dead)
		return;
	mbox_ring_destroy(mb);
	/* Queued messages are freed: nobody may hold the creator's bytes. */
	mbox_quota_release(&mb->quota);
	if (mb->flags & MBOX_CREATE_PERSIST)
		mbox_persist_release(mb);
	mbox_acct_uncharge_mailbox(mb->creator);
	if (announced)
		atomic64_dec(&mbox_count);
	mbox_event_destroyed(mb, why);
}

/*
 * Creates a linked OS-owned mailbox in the caller's IPC namespace, charged
 * to the caller's user.  Returns it with a reference for the caller (the
 * link holds its own), or an ERR_PTR.  The caller checked @args and may
 * create OS-owned mailboxes.
 */
struct mbox *mbox_os_create(const struct mbox_create *args, const char *name)
{
	struct mbox_acct *user;
	struct mbox *mb;
	int err;

	/*
	 * A linked OS mailbox has no handle to pin the module: it pins it
	 * itself, so rmmod is refused until every one is deleted.  A create
	 * racing with rmmod (over netlink) finds the module going and fails.
	 */
	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENODEV);

	user = mbox_acct_get(current_uid());
	if (!user) {
		module_put(THIS_MODULE);
		return ERR_PTR(-ENOMEM);
	}
	mb = mbox_new(args, name, user);
	mbox_acct_put(user);
	if (IS_ERR(mb)) {
		module_put(THIS_MODULE);
		return mb;
	}

	mb->linked = true;
	kref_get(&mb->ref);		/* the link's reference */
	err = mbox_register(mb);
	if (err) {
		mb->linked = false;
		mbox_put(mb);
		mbox_destroy(mb, MBOX_DEATH_UNDONE);
		mbox_put(mb);
		module_put(THIS_MODULE);
		return ERR_PTR(err);
	}
	return mb;
}

/*
 * Unlinks an OS-owned mailbox: it stops resolving now, and dies now or when
 * its last receiver handle closes.  -EINVAL if it is not OS-owned, -ENOENT if
 * it was deleted already.
 */
int mbox_os_delete(struct mbox *mb)
{
	bool destroy;

	if (!(mb->flags & MBOX_CREATE_OS))
		return -EINVAL;

	mutex_lock(&mb->lock);
	if (!mb->linked) {
		mbox_unlock(mb);
		return -ENOENT;
	}
	mb->linked = false;
	destroy = !mb->nr_receiver_handles;
	mbox_unlock(mb);

	mbox_unregister(mb);
	if (destroy)
		mbox_destroy(mb, MBOX_DEATH_DELETED);
	mbox_put(mb);			/* the link's reference */
	module_put(THIS_MODULE);	/* and its pin */
	return 0;
}

void mbox_receiver_opened(struct mbox *mb)
{
	mutex_lock(&mb->lock);
	mb->nr_receiver_handles++;
	mbox_unlock(mb);
}

/* The last receiver of an unlinked OS mailbox takes it down with it. */
void mbox_receiver_closed(struct mbox *mb)
{
	bool destroy;

	mutex_lock(&mb->lock);
	destroy = !--mb->nr_receiver_handles && !mb->linked;
	mbox_unlock(mb);
	if (destroy)
		mbox_destroy(mb, MBOX_DEATH_DELETED);
}

/* Whether @mb may be seen by the caller: same IPC namespace. */
static bool mbox_visible(const struct mbox *mb)
{
	return mb->ipc_ns == mbox_current_ipc_ns();
}

/* Returns the mailbox with id @id in the caller's namespace, or NULL. */
struct mbox *mbox_lookup_id(u64 id)
{
	struct mbox *mb;

	rcu_read_lock();
	mb = xa_load(&mbox_ids, id);
	if (mb && (!mbox_visible(mb) || !kref_get_unless_zero(&mb->ref)))
		mb = NULL;
	rcu_read_unlock();
	return mb;
}

/*
 * Returns the registered mailbox with the smallest id not below *@id, with a
 * reference, and sets *@id to that id; NULL when there is none.  Walks that
 * resume from an id (netlink dumps) need no lock across calls.  Callers
 * filter by namespace themselves.
 */
struct mbox *mbox_find_next(u64 *id)
{
	unsigned long index = *id;
	struct mbox *mb;

	rcu_read_lock();
	for (;;) {
		mb = xa_find(&mbox_ids, &index, ULONG_MAX, XA_PRESENT);
		if (!mb || kref_get_unless_zero(&mb->ref))
			break;
		index++;
	}
	rcu_read_unlock();
	if (mb)
		*id = index;
	return mb;
}

struct mbox *mbox_lookup_name(const char *name)
{
	const struct mbox_name_key key = { mbox_current_ipc_ns(), name };
	struct rb_node *node;
	struct mbox *mb = NULL;

	mutex_lock(&mbox_names_lock);
	node = rb_find(&key, &mbox_names, mbox_name_cmp);
	if (node) {
		mb = rb_entry(node, struct mbox, name_node);
		kref_get(&mb->ref);
	}
	mutex_unlock(&mbox_names_lock);
	return mb;
}

/*
 * Returns the port of process @nr (in the caller's pid namespace) with a
 * reference; ERR_PTR(-ESRCH) if there is no such live process,
 * ERR_PTR(-ECONNREFUSED) if it has no port visible to the caller.
 */
struct mbox *mbox_lookup_port(pid_t nr)
{
	struct mbox *mb = ERR_PTR(-ECONNREFUSED);
	struct rb_node *node;
	struct pid *pid;
	bool alive;

	pid = find_get_pid(nr);
	if (!pid)
		return ERR_PTR(-ESRCH);
	rcu_read_lock();
	alive = pid_task(pid, PIDTYPE_TGID);
	rcu_read_unlock();
	if (!alive) {
		put_pid(pid);
		return ERR_PTR(-ESRCH);
	}

	mutex_lock(&mbox_names_lock);
	node = rb_find(pid, &mbox_ports, mbox_port_cmp);
	if (node) {
		mb = rb_entry(node, struct mbox, port_node);
		if (mbox_visible(mb))
			kref_get(&mb->ref);
		else
			mb = ERR_PTR(-ECONNREFUSED);
	}
	mutex_unlock(&mbox_names_lock);
	put_pid(pid);
	return mb;
}

bool mbox_registry_empty(void)
{
	return xa_empty(&mbox_ids) && RB_EMPTY_ROOT(&mbox_names) &&
	       RB_EMPTY_ROOT(&mbox_ports);
}

u64 mbox_registry_count(void)
{
	return atomic64_read(&mbox_count);
}
