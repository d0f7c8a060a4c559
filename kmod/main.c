// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: mailbox IPC.  Module entry points and the /dev/mbox device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

static const struct file_operations mbox_dev_fops = {
	.owner = THIS_MODULE,
	.llseek = noop_llseek,
};

static struct miscdevice mbox_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mbox",
	.fops = &mbox_dev_fops,
	.mode = 0666,
};

static int __init mbox_init(void)
{
	return misc_register(&mbox_misc);
}

static void __exit mbox_exit(void)
{
	misc_deregister(&mbox_misc);
}

module_init(mbox_init);
module_exit(mbox_exit);
MODULE_DESCRIPTION("Mailbox IPC");
MODULE_LICENSE("GPL");
