// SPDX-License-Identifier: GPL-2.0
/*
 * Mailbox creation, registry, permissions and destruction.  See mailbox.h.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/ipc_namespace.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "mailbox.h"
#include "netlink.h"
#include "notify.h"
#include "persist.h"
#include "ring.h"
#include "trace.h"
#include "transfer.h"
#include "user.h"

/* Ids index the xarray directly: they must fit an unsigned long. */
static_assert(sizeof(unsigned long) >= sizeof(u64));

static DEFINE_XARRAY(mbox_ids);
static atomic64_t mbox_last_id = ATOMIC64_INIT(0);
static atomic64_t mbox_count = ATOMIC64_INIT(0);	/* announced, not dead */

/* Both trees are keyed by IPC namespace first: see mbox_key_cmp(). */
static DEFINE_MUTEX(mbox_names_lock);
static struct rb_root mbox_names = RB_ROOT;
static struct rb_root mbox_ports = RB_ROOT;

static struct ipc_namespace *mbox_current_ipc_ns(void)
{
	return current->nsproxy->ipc_ns;
}

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

/* init_ipc_ns is not exported: its inode number is fixed, though. */
bool mbox_in_init_ipc_ns(void)
{
	return mbox_current_ipc_ns()->ns.inum == PROC_IPC_INIT_INO;
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
		      struct mbox_user *creator)
{
	struct mbox *mb;
	int err;

	err = mbox_user_charge_mailbox(creator);
	if (err)
		return ERR_PTR(err);

	mb = kzalloc(sizeof(*mb), GFP_KERNEL_ACCOUNT);
	if (!mb) {
		mbox_user_uncharge_mailbox(creator);
		return ERR_PTR(-ENOMEM);
	}
	/* A persistent mailbox's own reservation stands for the quota's. */
	err = mbox_quota_init(&mb->quota, args, creator);
	if (err) {
		kfree(mb);
		mbox_user_uncharge_mailbox(creator);
		return ERR_PTR(err);
	}
	mb->capacity = args->capacity;
	mb->msg_size = args->msg_size;
	if (args->flags & MBOX_CREATE_PERSIST) {
		err = mbox_persist_reserve(mb, creator);
		if (err) {
			mbox_quota_release(&mb->quota);
			kfree(mb);
			mbox_user_uncharge_mailbox(creator);
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
	mb->creator = mbox_user_ref(creator);
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
	mbox_nl_init(mb);
	return mb;
}

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
	trace_mbox_create(mb);

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
		mb->announced = true;
		atomic64_inc(&mbox_count);
		mbox_nl_created(mb);
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
 * Ends the mailbox's life; @reason is what death notices will say.  The
 * name is free for reuse as soon as this returns.  Safe to call twice.
 */
void mbox_destroy(struct mbox *mb, u32 reason)
{
	bool was_dead, announced = false;

	mbox_unregister(mb);

	mutex_lock(&mb->lock);
	was_dead = mb->dead;
	if (!was_dead) {
		mb->death_reason = reason;
		trace_mbox_destroy(mb, reason);
		mbox_shutdown(mb);
		mbox_notify_remove(mb);
		announced = mb->announced;
	}
	mbox_unlock(mb);

	if (was_dead)
		return;
	mbox_ring_destroy(mb);
	mbox_nl_flush(mb);
	/* Queued messages are freed: nobody may hold the creator's bytes. */
	mbox_quota_release(&mb->quota);
	if (mb->flags & MBOX_CREATE_PERSIST)
		mbox_persist_release(mb);
	mbox_user_uncharge_mailbox(mb->creator);
	if (announced) {
		atomic64_dec(&mbox_count);
		mbox_nl_destroyed(mb, reason);
	}
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
	mbox_user_put(mb->creator);
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

/* CAP_SYS_ADMIN over the caller's IPC namespace. */
static bool mbox_ns_admin(void)
{
	return ns_capable(mbox_current_ipc_ns()->user_ns, CAP_SYS_ADMIN);
}

/*
 * Creates a linked OS-owned mailbox in the caller's IPC namespace, charged
 * to the caller's user.  Returns it with a reference for the caller (the
 * link holds its own), or an ERR_PTR.  The caller checked @args and may
 * create OS-owned mailboxes.
 */
struct mbox *mbox_os_create(const struct mbox_create *args, const char *name)
{
	struct mbox_user *user;
	struct mbox *mb;
	int err;

	/*
	 * A linked OS mailbox has no handle to pin the module: it pins it
	 * itself, so rmmod is refused until every one is deleted.  A create
	 * racing with rmmod (over netlink) finds the module going and fails.
	 */
	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENODEV);

	user = mbox_user_get(current_uid());
	if (!user) {
		module_put(THIS_MODULE);
		return ERR_PTR(-ENOMEM);
	}
	mb = mbox_new(args, name, user);
	mbox_user_put(user);
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
		mbox_destroy(mb, MBOX_NOTICE_DELETED);
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
		mbox_destroy(mb, MBOX_NOTICE_DELETED);
	mbox_put(mb);			/* the link's reference */
	module_put(THIS_MODULE);	/* and its pin */
	return 0;
}

/* Its creator and namespace administrators may delete an OS mailbox. */
bool mbox_may_delete(const struct mbox *mb)
{
	return uid_eq(current_euid(), mb->uid) || mbox_ns_admin();
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
		mbox_destroy(mb, MBOX_NOTICE_DELETED);
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

/* ASCII only: the kernel's isalnum() also accepts Latin-1 letters. */
static bool mbox_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/*
 * Checks a NUL-terminated name against the rules in the uapi header.  A
 * leading '-' is refused so that names never look like options to
 * command-line tools.
 */
int mbox_name_check(const char *name)
{
	size_t len = strnlen(name, MBOX_NAME_MAX);
	size_t i;

	if (len == MBOX_NAME_MAX)
		return -ENAMETOOLONG;
	if (len == 0 || name[0] == '-')
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!mbox_name_char_ok(name[i]))
			return -EINVAL;
	return 0;
}

/* Copies a name from user space into @name (MBOX_NAME_MAX bytes), checked. */
int mbox_name_from_user(char *name, u64 uptr)
{
	long len;

	len = strncpy_from_user(name, u64_to_user_ptr(uptr), MBOX_NAME_MAX);
	if (len < 0)
		return len;
	if (len == MBOX_NAME_MAX)
		return -ENAMETOOLONG;
	return mbox_name_check(name);
}

/* in_group_p() for any credentials, not only the current task's. */
static bool mbox_cred_in_group(const struct cred *cred, kgid_t gid)
{
	const struct group_info *groups = cred->group_info;
	int i;

	if (gid_eq(cred->fsgid, gid))
		return true;
	for (i = 0; i < groups->ngroups; i++)
		if (gid_eq(groups->gid[i], gid))
			return true;
	return false;
}

/*
 * Whether the mode bits grant @cred all of @want (04 read, 02 write)
 * against the creator's euid and egid, as for SysV IPC objects; no
 * capability overrides them here.
 */
bool mbox_mode_permits(const struct mbox *mb, const struct cred *cred,
		       umode_t want)
{
	umode_t granted = mb->mode;

	if (uid_eq(cred->euid, mb->uid))
		granted >>= 6;
	else if (mbox_cred_in_group(cred, mb->gid))
		granted >>= 3;
	return (granted & want) == want;
}

/*
 * Whether the caller may open a handle needing @mask (MAY_READ to receive,
 * MAY_WRITE to send).
 */
bool mbox_may_open(const struct mbox *mb, int mask)
{
	umode_t want = 0;

	if (mask & MAY_READ)
		want |= 04;
	if (mask & MAY_WRITE)
		want |= 02;

	if (mbox_mode_permits(mb, current_cred(), want))
		return true;
	return ns_capable(mb->ipc_ns->user_ns, CAP_IPC_OWNER);
}
