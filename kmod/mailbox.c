// SPDX-License-Identifier: GPL-2.0
/*
 * Mailbox creation, registry, permissions and destruction.  See mailbox.h.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "mailbox.h"
#include "netlink.h"
#include "transfer.h"
#include "user.h"

/* Ids index the xarray directly: they must fit an unsigned long. */
static_assert(sizeof(unsigned long) >= sizeof(u64));

static DEFINE_XARRAY(mbox_ids);
static atomic64_t mbox_last_id = ATOMIC64_INIT(0);
static atomic64_t mbox_count = ATOMIC64_INIT(0);	/* registered now */

static DEFINE_MUTEX(mbox_names_lock);
static struct rb_root mbox_names = RB_ROOT;

/*
 * Allocates a mailbox for @args (already validated) owned by the calling
 * task's credentials and charged to @creator.
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

	kref_init(&mb->ref);
	RB_CLEAR_NODE(&mb->name_node);
	mb->flags = args->flags;
	mb->capacity_mode = args->capacity_mode;
	mb->capacity = args->capacity;
	mb->msg_size = args->msg_size;
	mb->mode = args->mode ? args->mode : 0600;
	mb->uid = current_euid();
	mb->gid = current_egid();
	mb->creator = mbox_user_ref(creator);
	mb->owner_pid = get_pid(task_tgid(current));
	strscpy(mb->name, name, sizeof(mb->name));

	mutex_init(&mb->lock);
	mbox_queue_init(&mb->queue);
	INIT_LIST_HEAD(&mb->senders);
	INIT_LIST_HEAD(&mb->receivers);
	init_waitqueue_head(&mb->poll_wq);
	return mb;
}

static int mbox_name_cmp(const void *key, const struct rb_node *node)
{
	return strcmp(key, rb_entry(node, struct mbox, name_node)->name);
}

static int mbox_name_node_cmp(struct rb_node *a, const struct rb_node *b)
{
	return mbox_name_cmp(rb_entry(a, struct mbox, name_node)->name, b);
}

/* Gives @mb its id and makes it reachable; -EEXIST if its name is taken. */
int mbox_register(struct mbox *mb)
{
	int err;

	mb->id = atomic64_inc_return(&mbox_last_id);

	if (mb->name[0]) {
		mutex_lock(&mbox_names_lock);
		if (rb_find_add(&mb->name_node, &mbox_names,
				mbox_name_node_cmp)) {
			mutex_unlock(&mbox_names_lock);
			return -EEXIST;
		}
		mutex_unlock(&mbox_names_lock);
	}

	err = xa_err(xa_store(&mbox_ids, mb->id, mb, GFP_KERNEL));
	if (err && mb->name[0]) {
		mutex_lock(&mbox_names_lock);
		rb_erase(&mb->name_node, &mbox_names);
		RB_CLEAR_NODE(&mb->name_node);
		mutex_unlock(&mbox_names_lock);
	}
	if (!err) {
		atomic64_inc(&mbox_count);
		mbox_nl_created(mb);
	}
	return err;
}

/* Returns whether @mb was reachable by id, i.e. had been announced. */
static bool mbox_unregister(struct mbox *mb)
{
	bool registered = false;

	if (mb->id && xa_erase(&mbox_ids, mb->id) == mb) {
		atomic64_dec(&mbox_count);
		registered = true;
	}
	if (!RB_EMPTY_NODE(&mb->name_node)) {
		mutex_lock(&mbox_names_lock);
		rb_erase(&mb->name_node, &mbox_names);
		RB_CLEAR_NODE(&mb->name_node);
		mutex_unlock(&mbox_names_lock);
	}
	return registered;
}

/*
 * Ends the mailbox's life: called once, when the owner handle goes.  The
 * name is free for reuse as soon as this returns.
 */
void mbox_destroy(struct mbox *mb)
{
	/*
	 * The last owner handle goes from an exiting task when the process
	 * holding it died (the file is released from exit's task work).
	 */
	bool died = current->flags & PF_EXITING;
	bool registered;

	registered = mbox_unregister(mb);

	mutex_lock(&mb->lock);
	mbox_shutdown(mb);
	mutex_unlock(&mb->lock);

	mbox_user_uncharge_mailbox(mb->creator);

	if (registered) {
		if (died)
			mbox_nl_owner_died(mb);
		mbox_nl_destroyed(mb, died ? MBOX_REASON_OWNER_DIED :
				      MBOX_REASON_OWNER_CLOSED);
	}
}

static void mbox_release(struct kref *ref)
{
	struct mbox *mb = container_of(ref, struct mbox, ref);

	WARN_ON_ONCE(mb->queue.count);
	WARN_ON_ONCE(!list_empty(&mb->senders));
	WARN_ON_ONCE(!list_empty(&mb->receivers));
	mutex_destroy(&mb->lock);
	put_pid(mb->owner_pid);
	mbox_user_put(mb->creator);
	kfree_rcu(mb, rcu);
}

void mbox_put(struct mbox *mb)
{
	kref_put(&mb->ref, mbox_release);
}

/* Returns the live-or-dying mailbox with id @id, with a reference, or NULL. */
struct mbox *mbox_lookup_id(u64 id)
{
	struct mbox *mb;

	rcu_read_lock();
	mb = xa_load(&mbox_ids, id);
	if (mb && !kref_get_unless_zero(&mb->ref))
		mb = NULL;
	rcu_read_unlock();
	return mb;
}

/*
 * Returns the registered mailbox with the smallest id not below *@id, with a
 * reference, and sets *@id to that id; NULL when there is none.  Walks that
 * resume from an id (netlink dumps) need no lock across calls.
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
	struct rb_node *node;
	struct mbox *mb = NULL;

	mutex_lock(&mbox_names_lock);
	node = rb_find(name, &mbox_names, mbox_name_cmp);
	if (node) {
		mb = rb_entry(node, struct mbox, name_node);
		kref_get(&mb->ref);
	}
	mutex_unlock(&mbox_names_lock);
	return mb;
}

bool mbox_registry_empty(void)
{
	return xa_empty(&mbox_ids) && RB_EMPTY_ROOT(&mbox_names);
}

u64 mbox_registry_count(void)
{
	return atomic64_read(&mbox_count);
}

static bool mbox_name_char_ok(char c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '-';
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
 * Write permission by the mode bits for @cred against the creator's uid and
 * gid, as for SysV IPC objects; no capability overrides it here.
 */
bool mbox_mode_permits(const struct mbox *mb, const struct cred *cred)
{
	umode_t granted = mb->mode;

	if (uid_eq(cred->euid, mb->uid))
		granted >>= 6;
	else if (mbox_cred_in_group(cred, mb->gid))
		granted >>= 3;
	return granted & 02;
}

/* Whether the caller may open a user handle. */
bool mbox_may_open(const struct mbox *mb)
{
	return mbox_mode_permits(mb, current_cred()) || capable(CAP_IPC_OWNER);
}
