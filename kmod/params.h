/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters: the limits an administrator may tune at run time
 * through /sys/module/mbox/parameters.
 *
 * DOC: Reading limits
 *
 * Every limit may change at any moment.  Each check reads a limit once with
 * READ_ONCE() and holds no lock for it: a change applies to the next
 * operation, never to one in progress.  Values already in use (the size or
 * capacity of an existing mailbox) are not revisited when a limit shrinks.
 */
#ifndef _MBOX_PARAMS_H
#define _MBOX_PARAMS_H

#include <linux/types.h>

/* Largest message size a mailbox may be created with. */
extern unsigned int mbox_msg_size_max;
/* Largest capacity of a BOUNDED mailbox, in messages. */
extern unsigned int mbox_capacity_max;
/* Bytes of queued messages one user may have charged at once. */
extern unsigned long mbox_user_bytes_max;
/* Mailboxes one user may own at once. */
extern unsigned int mbox_user_mailboxes_max;

#endif /* _MBOX_PARAMS_H */
