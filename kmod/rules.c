// SPDX-License-Identifier: GPL-2.0
/*
 * The rules: names, permissions, and what a create request may ask.  See
 * rules.h.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include <linux/fcntl.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <linux/mbox_netlink.h>

#include "bridge.h"
#include "mailbox.h"
#include "params.h"
#include "persist.h"
#include "quota.h"
#include "rules.h"

/* init_ipc_ns is not exported: its inode number is fixed, though. */
bool mbox_in_init_ipc_ns(void)
{
	return mbox_current_ipc_ns()->ns.inum == PROC_IPC_INIT_INO;
}

/*
 * Whether the requester may delete an OS-owned mailbox: its creator, or an
 * administrator of its IPC namespace (for a mailbox the caller found, the
 * caller's own).  Over netlink (@skb the request, @opener the credentials
 * the socket was opened with) the creator check holds for the opener and
 * the sender alike and the capability is needed by both, so that a
 * privileged program tricked into writing a request to an unprivileged
 * user's socket deletes nothing.
 */
bool mbox_may_delete(const struct mbox *mb, const struct sk_buff *skb,
		     const struct cred *opener)
{
	struct user_namespace *ns = mb->ipc_ns->user_ns;

	if (uid_eq(current_euid(), mb->uid) &&
	    (!opener || uid_eq(opener->euid, mb->uid)))
		return true;
	return skb ? netlink_ns_capable(skb, ns, CAP_SYS_ADMIN) :
		     ns_capable(ns, CAP_SYS_ADMIN);
}

/*
 * Whether a netlink requester (@skb) sees every mailbox of IPC namespace
 * @ns, as with mbox_may_delete() by its opener and its sender both.
 */
bool mbox_may_see_all(const struct sk_buff *skb,
		      const struct ipc_namespace *ns)
{
	return netlink_capable(skb, CAP_NET_ADMIN) ||
	       netlink_ns_capable(skb, ns->user_ns, CAP_IPC_OWNER);
}

/*
 * The rule of "Who sees what" in the uapi header: a mailbox of IPC
 * namespace @ns, and there, unless @all, what @cred created or could open
 * (to send, or to receive from an OS-owned mailbox).
 */
bool mbox_may_see(const struct mbox *mb, const struct ipc_namespace *ns,
		  const struct cred *cred, bool all)
{
	if (mb->ipc_ns != ns)
		return false;
	return all || uid_eq(cred->euid, mb->uid) ||
	       mbox_mode_permits(mb, cred, 02) ||
	       ((mb->flags & MBOX_CREATE_OS) && mbox_mode_permits(mb, cred, 04));
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

/*
 * Who may create an OS-owned or persistent mailbox.  Both pin the IPC
 * namespace they are created in and outlive it (a module has no hook
 * there to unlink them): were containers allowed to create them, an
 * unprivileged user could leak them - with the memory charged to them and
 * a module reference - for good with a throwaway user and IPC namespace.
 * So OS-owned mailboxes need the initial namespace's administrator (over
 * netlink, both the socket's opener and the sender: netlink_capable()),
 * and persistent ones, which any user may create as with mq_open(), the
 * initial IPC namespace unless the caller is that administrator.
 */
static int mbox_create_permitted(const struct mbox_create *args,
				 const struct sk_buff *skb,
				 struct netlink_ext_ack *extack)
{
	if (args->flags & MBOX_CREATE_OS) {
		if (skb ? netlink_capable(skb, CAP_SYS_ADMIN) :
			  capable(CAP_SYS_ADMIN))
			return 0;
		NL_SET_ERR_MSG(extack,
			       "needs CAP_SYS_ADMIN in the initial user namespace");
		return -EPERM;
	}
	if ((args->flags & MBOX_CREATE_PERSIST) && !mbox_in_init_ipc_ns() &&
	    !capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

/* The netlink attribute a rule is about, to point the requester at it. */
static const struct nlattr *mbox_create_attr(const struct genl_info *info,
					     int type)
{
	return info ? info->attrs[type] : NULL;
}

/* Capacity against buffering, and against capacity_max. */
static int mbox_create_check_capacity(const struct mbox_create *args,
				      const struct genl_info *info,
				      struct netlink_ext_ack *extack)
{
	switch (args->capacity_mode) {
	case MBOX_CAPACITY_ZERO:
	case MBOX_CAPACITY_UNBOUNDED:
		if (!args->capacity)
			return 0;
		NL_SET_ERR_MSG_ATTR(extack,
				    mbox_create_attr(info, MBOX_A_CAPACITY),
				    "only a bounded mailbox takes a capacity");
		return -EINVAL;
	case MBOX_CAPACITY_BOUNDED:
		if (args->capacity &&
		    args->capacity <= READ_ONCE(mbox_capacity_max))
			return 0;
		NL_SET_ERR_MSG(extack,
			       "a bounded capacity must be 1 to capacity_max");
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

/*
 * The one check of a create request, for MBOX_IOC_CREATE (@skb and @info
 * NULL) and MBOX_CMD_MBOX_NEW (the request, its attributes already bounded
 * by the policy): -EINVAL for what nobody may ask, -EPERM for what the
 * caller may not; a netlink requester learns which rule failed.  The name
 * is checked apart (mbox_name_check()), as the two front ends read it
 * from different places.
 */
int mbox_create_check(const struct mbox_create *args,
		      const struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info ? info->extack : NULL;
	unsigned int i;
	int err;

	if (args->flags & ~MBOX_CREATE_FLAGS)
		return -EINVAL;
	err = mbox_persist_check(args);
	if (err)
		return err;
	if ((args->flags & MBOX_CREATE_PORT) &&
	    (args->name || (args->flags & MBOX_CREATE_OS)))
		return -EINVAL;
	if ((args->flags & MBOX_CREATE_BROADCAST) &&
	    args->capacity_mode == MBOX_CAPACITY_ZERO) {
		NL_SET_ERR_MSG(extack,
			       "a broadcast mailbox cannot have capacity zero");
		return -EINVAL;
	}
	if ((args->flags & MBOX_CREATE_BROADCAST) &&
	    !(args->flags & MBOX_CREATE_OS))
		return -EINVAL;
	if (args->fd_flags & ~(MBOX_FD_FLAGS | O_ACCMODE))
		return -EINVAL;
	if (args->mode & ~0777)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(args->reserved); i++)
		if (args->reserved[i])
			return -EINVAL;
	if (!args->msg_size || args->msg_size > READ_ONCE(mbox_msg_size_max)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    mbox_create_attr(info, MBOX_A_MSG_SIZE),
				    "message size above msg_size_max");
		return -EINVAL;
	}
	if (mbox_quota_check(args)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    mbox_create_attr(info, MBOX_A_BYTES_MAX),
				    "a byte limit is for unbounded mailboxes, from one message's charge to 2^40");
		return -EINVAL;
	}
	err = mbox_create_check_capacity(args, info, extack);
	if (err)
		return err;
	err = mbox_bridge_check_create(args->flags);
	if (err)
		return err;
	return mbox_create_permitted(args, skb, extack);
}
