// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mbox: version, create and open.  See device.h.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "device.h"
#include "handle.h"
#include "mailbox.h"
#include "params.h"
#include "registry.h"
#include "rules.h"
#include "uid_account.h"

static long mbox_dev_version(struct mbox_version __user *uargs)
{
	struct mbox_version v;

	memset(&v, 0, sizeof(v));
	v.abi_version = MBOX_ABI_VERSION;
	v.max_msg_size = READ_ONCE(mbox_msg_size_max);
	v.features = MBOX_FEAT_CORE | MBOX_FEAT_BATCH | MBOX_FEAT_RING_SEG |
		     MBOX_FEAT_NETLINK |
		     MBOX_FEAT_DIRECT | MBOX_FEAT_OS_OWNED |
		     MBOX_FEAT_BROADCAST | MBOX_FEAT_DEATH_NOTICE |
		     MBOX_FEAT_QUOTA |
		     MBOX_FEAT_PERSIST | MBOX_FEAT_NOTIFY | MBOX_FEAT_REALTIME |
		     MBOX_FEAT_BRIDGE | MBOX_FEAT_HOLD_DEADLINE |
		     MBOX_FEAT_ORIGIN;
	v.max_capacity = READ_ONCE(mbox_capacity_max);
	v.max_priority = MBOX_PRIO_MAX;
	return copy_to_user(uargs, &v, sizeof(v)) ? -EFAULT : 0;
}

/*
 * Turns a new handle file into a descriptor once @id is reported: if the
 * report faults, the file is dropped and no descriptor ever appears.
 */
static int mbox_install(struct file *file, u32 fd_flags, u64 id,
			u64 __user *uid)
{
	int fd;

	fd = get_unused_fd_flags(fd_flags & O_CLOEXEC);
	if (fd < 0) {
		fput(file);
		return fd;
	}
	if (put_user(id, uid)) {
		put_unused_fd(fd);
		fput(file);
		return -EFAULT;
	}
	fd_install(fd, file);
	return fd;
}

/*
 * An OS-owned mailbox, for those mbox_create_check() lets create one: it
 * is linked first, then the creator gets a receiver handle.  If that
 * fails the mailbox is deleted again, so a failed create leaves nothing
 * behind.
 */
static long mbox_dev_create_os(const struct mbox_create *args,
			       const char *name, u64 __user *uid)
{
	struct mbox_acct *user;
	struct file *file;
	struct mbox *mb;
	int err;

	mb = mbox_os_create(args, name);
	if (IS_ERR(mb))
		return PTR_ERR(mb);

	user = mbox_acct_get(current_uid());
	if (!user) {
		err = -ENOMEM;
		goto out_delete;
	}
	file = mbox_handle_file(mb, user, MBOX_ROLE_RECEIVER, true,
				args->fd_flags);
	mbox_acct_put(user);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_delete;
	}
	err = mbox_install(file, args->fd_flags, mb->id, uid);
	if (err < 0)
		goto out_delete;
	mbox_put(mb);
	return err;

out_delete:
	mbox_os_delete(mb);
	mbox_put(mb);
	return err;
}

/*
 * A persistent mailbox: linked like an OS-owned one, by any user, and the
 * creator gets a handle with the directions of fd_flags' access mode,
 * without a permission check, as open(2) gives for a file it creates.
 */
static long mbox_dev_create_persist(const struct mbox_create *args,
				    const char *name, u64 __user *uid)
{
	u32 acc = args->fd_flags & O_ACCMODE;
	struct mbox_create os = *args;
	struct file *file;
	struct mbox *mb;
	int err;

	os.flags |= MBOX_CREATE_OS;
	os.fd_flags &= ~O_ACCMODE;
	mb = mbox_os_create(&os, name);
	if (IS_ERR(mb))
		return PTR_ERR(mb);

	/* In-flight messages are charged to the sender: see persist.h. */
	file = mbox_handle_file(mb, mb->creator,
				acc == O_WRONLY ? MBOX_ROLE_USER :
						  MBOX_ROLE_RECEIVER,
				acc != O_RDONLY, os.fd_flags);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_delete;
	}
	mbox_handle_set_strict(file);
	err = mbox_install(file, os.fd_flags, mb->id, uid);
	if (err < 0)
		goto out_delete;
	mbox_put(mb);
	return err;

out_delete:
	mbox_os_delete(mb);
	mbox_put(mb);
	return err;
}

static long mbox_dev_create(struct mbox_create __user *uargs)
{
	char name[MBOX_NAME_MAX] = "";
	struct mbox_create args;
	struct mbox_acct *user;
	struct file *file;
	struct mbox *mb;
	int err;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	err = mbox_create_check(&args, NULL, NULL);
	if (err)
		return err;
	if (args.name) {
		err = mbox_name_from_user(name, args.name);
		if (err)
			return err;
	}
	if (args.flags & MBOX_CREATE_OS)
		return mbox_dev_create_os(&args, name, &uargs->id);
	if (args.flags & MBOX_CREATE_PERSIST)
		return mbox_dev_create_persist(&args, name, &uargs->id);

	user = mbox_acct_get(current_uid());
	if (!user)
		return -ENOMEM;

	mb = mbox_new(&args, name, user);
	if (IS_ERR(mb)) {
		err = PTR_ERR(mb);
		goto out_user;
	}
	err = mbox_register(mb);
	if (err)
		goto out_destroy;

	file = mbox_handle_file(mb, user, MBOX_ROLE_OWNER, true, args.fd_flags);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_destroy;
	}
	/* From here the owner handle owns the mailbox's life. */
	err = mbox_install(file, args.fd_flags, mb->id, &uargs->id);
	mbox_put(mb);
	mbox_acct_put(user);
	return err;

out_destroy:
	mbox_destroy(mb, MBOX_DEATH_UNDONE);
	mbox_put(mb);
out_user:
	mbox_acct_put(user);
	return err;
}

/*
 * Resolves what an open or delete names - a pid's port, a name or an id -
 * to a mailbox with a reference, or an ERR_PTR.
 */
static struct mbox *mbox_dev_lookup(const struct mbox_open *args, char *name)
{
	struct mbox *mb;
	int err;

	if (args->flags & MBOX_OPEN_PID)
		return mbox_lookup_port(args->id);
	if (args->name) {
		err = mbox_name_from_user(name, args->name);
		if (err)
			return ERR_PTR(err);
		mb = mbox_lookup_name(name);
	} else {
		mb = mbox_lookup_id(args->id);
	}
	return mb ? mb : ERR_PTR(-ENOENT);
}

static long mbox_dev_delete(struct mbox_delete __user *uargs)
{
	struct mbox_open lookup = {};
	char name[MBOX_NAME_MAX];
	struct mbox_delete args;
	struct mbox *mb;
	int err;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.reserved0 || args.reserved[0] ||
	    args.reserved[1])
		return -EINVAL;
	if (!args.id == !args.name)
		return -EINVAL;

	lookup.id = args.id;
	lookup.name = args.name;
	mb = mbox_dev_lookup(&lookup, name);
	if (IS_ERR(mb))
		return PTR_ERR(mb);

	if (!(mb->flags & MBOX_CREATE_OS) || !mbox_may_delete(mb, NULL, NULL))
		err = -EPERM;
	else
		err = mbox_os_delete(mb);
	mbox_put(mb);
	return err;
}

static long mbox_dev_open(struct mbox_open __user *uargs)
{
	char name[MBOX_NAME_MAX];
	struct mbox_open args;
	struct mbox_acct *user;
	struct file *file;
	struct mbox *mb;
	bool receive, may_send;
	int mask;
	u32 dir;
	int err;

	if (copy_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~MBOX_OPEN_FLAGS) ||
	    (args.fd_flags & ~MBOX_FD_FLAGS))
		return -EINVAL;
	dir = args.flags & (MBOX_OPEN_READ | MBOX_OPEN_WRITE);
	if (dir && (args.flags & (MBOX_OPEN_RECEIVE | MBOX_OPEN_PID)))
		return -EINVAL;
	if (args.reserved[0] || args.reserved[1])
		return -EINVAL;
	if (!args.id == !args.name)
		return -EINVAL;
	if ((args.flags & MBOX_OPEN_PID) &&
	    (args.name || args.id > (u64)PID_MAX_LIMIT))
		return -EINVAL;
	receive = (args.flags & MBOX_OPEN_RECEIVE) || (dir & MBOX_OPEN_READ);
	if (dir)
		mask = (dir & MBOX_OPEN_READ ? MAY_READ : 0) |
		       (dir & MBOX_OPEN_WRITE ? MAY_WRITE : 0);
	else
		mask = receive ? MAY_READ : MAY_WRITE;

	mb = mbox_dev_lookup(&args, name);
	if (IS_ERR(mb))
		return PTR_ERR(mb);

	/* No lock: an open never waits on the mailbox (see mailbox.h). */
	if (READ_ONCE(mb->dead)) {
		err = -ENOENT;
		goto out_mb;
	}
	if (receive && !(mb->flags & MBOX_CREATE_OS)) {
		err = -EPERM;
		goto out_mb;
	}
	if (!mbox_may_open(mb, mask)) {
		err = -EACCES;
		goto out_mb;
	}
	if (dir)
		may_send = dir & MBOX_OPEN_WRITE;
	else
		may_send = !receive || mbox_may_open(mb, MAY_WRITE);

	user = mbox_acct_get(current_uid());
	if (!user) {
		err = -ENOMEM;
		goto out_mb;
	}
	file = mbox_handle_file(mb, user,
				receive ? MBOX_ROLE_RECEIVER : MBOX_ROLE_USER,
				may_send, args.fd_flags);
	mbox_acct_put(user);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_mb;
	}
	if (dir)
		mbox_handle_set_strict(file);
	err = mbox_install(file, args.fd_flags, mb->id, &uargs->id);
out_mb:
	mbox_put(mb);
	return err;
}

static long mbox_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MBOX_IOC_VERSION:
		return mbox_dev_version(argp);
	case MBOX_IOC_CREATE:
		return mbox_dev_create(argp);
	case MBOX_IOC_OPEN:
		return mbox_dev_open(argp);
	case MBOX_IOC_DELETE:
		return mbox_dev_delete(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mbox_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = mbox_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * Root only until the installed udev rule widens the node to root:mbox
 * 0660 on the add event: a system without the rule (or before udev runs)
 * errs on the closed side instead of letting every local user in.
 */
static struct miscdevice mbox_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mbox",
	.fops = &mbox_dev_fops,
	.mode = 0600,
};

int mbox_device_register(void)
{
	return misc_register(&mbox_misc);
}

void mbox_device_unregister(void)
{
	misc_deregister(&mbox_misc);
}
