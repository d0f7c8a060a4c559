// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: mailbox IPC.  Module entry points.
 *
 * The module cannot be removed while any handle exists (each pins it), so
 * by the time mbox_exit() runs every mailbox is gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mbox.h>
#include <linux/mbox_netlink.h>
#include <net/genetlink.h>

#include "device.h"
#include "netlink.h"
#include "registry.h"

/*
 * The netlink family, and the event ops it registers (event.h), exist
 * before the first mailbox can and outlive the last, so that every
 * mailbox event has a family to go out on.
 */
static int __init mbox_init(void)
{
	int err;

	err = mbox_netlink_register();
	if (err) {
		pr_err("cannot register the netlink family: %d\n", err);
		return err;
	}
	err = mbox_device_register();
	if (err) {
		pr_err("cannot register /dev/mbox: %d\n", err);
		mbox_netlink_unregister();
		return err;
	}
	pr_info("mailbox IPC loaded, ABI %d\n", MBOX_ABI_VERSION);
	return 0;
}

static void __exit mbox_exit(void)
{
	mbox_device_unregister();
	WARN_ON(!mbox_registry_empty());
	mbox_netlink_unregister();
}

module_init(mbox_init);
module_exit(mbox_exit);
MODULE_DESCRIPTION("Mailbox IPC: owner/user mailboxes with zero, bounded and unbounded buffering");
MODULE_LICENSE("GPL");
/* The release, as in the Makefile's VERSION and the Debian changelog. */
MODULE_VERSION("1.0.0");
/* A lookup of the family (mboxctl's first request) loads the module. */
MODULE_ALIAS_GENL_FAMILY(MBOX_GENL_NAME);
