/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Handles: the file descriptors through which processes use a mailbox.
 *
 * DOC: Lifetime
 *
 * A handle is an anonymous-inode file whose private data is a struct
 * mbox_handle.  It holds a reference on its mailbox and on the user entry
 * charged for what is sent through it, and pins the module (fops.owner).
 * Releasing the owner handle - the last close of that struct file anywhere,
 * dup()s and fork()ed copies included - destroys the mailbox.  A handle is
 * never shared between mailboxes and never changes role.
 */
#ifndef _MBOX_HANDLE_H
#define _MBOX_HANDLE_H

#include <linux/ktime.h>
#include <linux/types.h>

struct file;
struct mbox;
struct mbox_user;

struct mbox_handle {
	struct mbox *mb;
	struct mbox_user *user;
	bool owner;
};

int mbox_deadline(u32 flags, u64 timeout_ns, ktime_t *deadline,
		  ktime_t **pdeadline);
struct file *mbox_handle_file(struct mbox *mb, struct mbox_user *user,
			      bool owner, u32 fd_flags);

#endif /* _MBOX_HANDLE_H */
