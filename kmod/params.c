// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters, with the range each one accepts.  Hard ceilings keep a
 * careless administrator from allowing allocations the allocator refuses.
 */
#include <linux/bits.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "params.h"

unsigned int mbox_msg_size_max = SZ_64K;
unsigned int mbox_capacity_max = 65536;
unsigned long mbox_user_bytes_max = SZ_64M;
unsigned long mbox_unbounded_bytes_default = SZ_1M;
unsigned int mbox_user_mailboxes_max = 4096;
unsigned int mbox_user_persistent_max = 256;

static int mbox_param_set_msg_size(const char *val,
				   const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, MBOX_MSG_SIZE_CEILING);
}

static int mbox_param_set_capacity(const char *val,
				   const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, MBOX_CAPACITY_CEILING);
}

static int mbox_param_set_mailboxes(const char *val,
				    const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, MBOX_MAILBOXES_CEILING);
}

static int mbox_param_set_bytes_default(const char *val,
					const struct kernel_param *kp)
{
	unsigned long v;
	int err;

	err = kstrtoul(val, 0, &v);
	if (err)
		return err;
	if (!v || v > MBOX_BYTES_CEILING)
		return -EINVAL;
	WRITE_ONCE(*(unsigned long *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops mbox_bytes_default_ops = {
	.set = mbox_param_set_bytes_default,
	.get = param_get_ulong,
};

static int mbox_param_set_persistent(const char *val,
				     const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, MBOX_MAILBOXES_CEILING);
}

static const struct kernel_param_ops mbox_persistent_ops = {
	.set = mbox_param_set_persistent,
	.get = param_get_uint,
};

static const struct kernel_param_ops mbox_msg_size_ops = {
	.set = mbox_param_set_msg_size,
	.get = param_get_uint,
};

static const struct kernel_param_ops mbox_capacity_ops = {
	.set = mbox_param_set_capacity,
	.get = param_get_uint,
};

static const struct kernel_param_ops mbox_mailboxes_ops = {
	.set = mbox_param_set_mailboxes,
	.get = param_get_uint,
};

module_param_cb(msg_size_max, &mbox_msg_size_ops, &mbox_msg_size_max, 0644);
MODULE_PARM_DESC(msg_size_max,
		 "Largest message size of a new mailbox, bytes (default 65536, 1..4194304)");

module_param_cb(capacity_max, &mbox_capacity_ops, &mbox_capacity_max, 0644);
MODULE_PARM_DESC(capacity_max,
		 "Largest capacity of a new bounded mailbox, messages (default 65536, 1..1048576)");

module_param_named(user_bytes_max, mbox_user_bytes_max, ulong, 0644);
MODULE_PARM_DESC(user_bytes_max,
		 "Bytes one user may have charged: its mailboxes' limits, its messages in flight, its rings (default 67108864)");

module_param_cb(unbounded_bytes_default, &mbox_bytes_default_ops,
		&mbox_unbounded_bytes_default, 0644);
MODULE_PARM_DESC(unbounded_bytes_default,
		 "Byte limit of an UNBOUNDED mailbox created without one (default 1048576, 1..2^40)");

module_param_cb(user_mailboxes_max, &mbox_mailboxes_ops,
		&mbox_user_mailboxes_max, 0644);
MODULE_PARM_DESC(user_mailboxes_max,
		 "Mailboxes one user may own at once (default 4096, 1..16777216)");

module_param_cb(user_persistent_max, &mbox_persistent_ops,
		&mbox_user_persistent_max, 0644);
MODULE_PARM_DESC(user_persistent_max,
		 "Persistent mailboxes one user may have at once, 0 for none (default 256, 0..16777216)");

void mbox_limits_get(struct mbox_limits *limits)
{
	limits->msg_size_max = READ_ONCE(mbox_msg_size_max);
	limits->capacity_max = READ_ONCE(mbox_capacity_max);
	limits->user_bytes_max = READ_ONCE(mbox_user_bytes_max);
	limits->user_mailboxes_max = READ_ONCE(mbox_user_mailboxes_max);
	limits->unbounded_bytes_default =
		READ_ONCE(mbox_unbounded_bytes_default);
}

/*
 * Applies the limits selected by @mask (MBOX_LIMIT_* bits), which the
 * caller has checked against the MBOX_*_CEILING ranges.  The parameter lock
 * orders this against writes through sysfs.
 */
void mbox_limits_set(const struct mbox_limits *limits, unsigned int mask)
{
	kernel_param_lock(THIS_MODULE);
	if (mask & MBOX_LIMIT_MSG_SIZE)
		WRITE_ONCE(mbox_msg_size_max, limits->msg_size_max);
	if (mask & MBOX_LIMIT_CAPACITY)
		WRITE_ONCE(mbox_capacity_max, limits->capacity_max);
	if (mask & MBOX_LIMIT_USER_BYTES)
		WRITE_ONCE(mbox_user_bytes_max, limits->user_bytes_max);
	if (mask & MBOX_LIMIT_USER_MAILBOXES)
		WRITE_ONCE(mbox_user_mailboxes_max, limits->user_mailboxes_max);
	if (mask & MBOX_LIMIT_UNBOUNDED_BYTES)
		WRITE_ONCE(mbox_unbounded_bytes_default,
			   limits->unbounded_bytes_default);
	kernel_param_unlock(THIS_MODULE);
}
