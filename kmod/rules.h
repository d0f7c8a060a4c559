/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules, each stated once for both front ends (the ioctls of device.c
 * and handle.c, the netlink requests of netlink.c): what a name may be,
 * who may see, open or delete a mailbox, and what a create request may ask
 * and who may make it (mbox_create_check()).
 *
 * DOC: Lifetime and locking
 *
 * No state: every function reads its arguments, the module parameters
 * (each once, with READ_ONCE()) and the caller's credentials, and takes no
 * lock.  They are called before a mailbox is created or a handle opened,
 * and on a mailbox only for its fields that never change.
 */
#ifndef _MBOX_RULES_H
#define _MBOX_RULES_H

#include <linux/fcntl.h>
#include <linux/types.h>

/* The descriptor flags a create or an open may ask for. */
#define MBOX_FD_FLAGS	(O_CLOEXEC | O_NONBLOCK)

struct cred;
struct ipc_namespace;
struct mbox;
struct mbox_create;
struct genl_info;
struct sk_buff;

int mbox_create_check(const struct mbox_create *args,
		      const struct sk_buff *skb, struct genl_info *info);

int mbox_name_check(const char *name);
int mbox_name_from_user(char *name, u64 uptr);
bool mbox_mode_permits(const struct mbox *mb, const struct cred *cred,
		       umode_t want);
bool mbox_may_open(const struct mbox *mb, int mask);
bool mbox_may_delete(const struct mbox *mb, const struct sk_buff *skb,
		     const struct cred *opener);
bool mbox_may_see_all(const struct sk_buff *skb,
		      const struct ipc_namespace *ns);
bool mbox_may_see(const struct mbox *mb, const struct ipc_namespace *ns,
		  const struct cred *cred, bool all);
bool mbox_in_init_ipc_ns(void);

#endif /* _MBOX_RULES_H */
