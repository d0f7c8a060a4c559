/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Handles: the file descriptors through which processes use a mailbox.
 *
 * DOC: Lifetime
 *
 * A handle is an anonymous-inode file whose private data is a struct
 * mbox_handle.  It holds a reference on its mailbox and on the user entry
 * charged for what is sent through it, and pins the module (fops.owner).
 * Its role never changes:
 *
 * - owner (MBOX_ROLE_OWNER): receives and sends; releasing it - the last
 *   close of that struct file anywhere, dup()s and fork()ed copies
 *   included - destroys the mailbox;
 * - user (MBOX_ROLE_USER): sends only;
 * - receiver (MBOX_ROLE_RECEIVER), on OS-owned mailboxes: receives, and
 *   sends if its opener had write permission; on a broadcast mailbox it
 *   carries its own cursor (@sub).
 *
 * @watch moves only forward (none, armed, read) under the mailbox lock.
 */
#ifndef _MBOX_HANDLE_H
#define _MBOX_HANDLE_H

#include <linux/ktime.h>
#include <linux/types.h>

#include "transfer.h"

struct file;
struct mbox;
struct mbox_acct;

enum mbox_watch_state {
	MBOX_WATCH_NONE,
	MBOX_WATCH_ARMED,
	MBOX_WATCH_READ,
};

struct mbox_handle {
	struct mbox *mb;
	struct mbox_acct *user;
	u32 role;			/* MBOX_ROLE_* */
	bool may_send;
	bool strict;			/* MBOX_OPEN_READ/WRITE: -EBADF */
	enum mbox_watch_state watch;
	struct mbox_sub sub;		/* broadcast receivers only */
	u32 ring_gen;			/* ring of @ring_seg; 0: none */
	u32 ring_seg;			/* user handles: its ring segment */
};

void mbox_handle_set_strict(struct file *file);
int mbox_deadline(u32 flags, u64 timeout_ns, ktime_t *deadline,
		  ktime_t **pdeadline);
struct file *mbox_handle_file(struct mbox *mb, struct mbox_acct *user,
			      u32 role, bool may_send, u32 fd_flags);

#endif /* _MBOX_HANDLE_H */
