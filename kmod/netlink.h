/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "mbox" generic netlink family: inspection, administration and the
 * events multicast group.  The protocol is documented in
 * uapi/linux/mbox_netlink.h.  A leaf: the core never calls it; it reads
 * the registry and the rules like any front end, and receives the events
 * through the ops it registers with event.h.
 *
 * DOC: Lifetime
 *
 * The family is registered, and its event ops with it, before /dev/mbox
 * appears and unregistered after it is gone, so every mailbox lives inside
 * the family's lifetime and the event hooks never see an unregistered
 * family.  A dump in progress pins the module (netlink takes a reference
 * for it); its state lives in netlink_callback::ctx and holds references
 * on the requester's credentials and pid namespace, dropped in the dump's
 * done callback.
 *
 * DOC: Events and their contexts
 *
 * The hooks (event.h says when each is called and under which lock) each
 * send at most one message, allocated with GFP_KERNEL, and only if someone
 * listens.  If the allocation fails the listeners get ENOBUFS
 * (genl_set_err()), so no event is lost silently.  The netlink broadcast
 * takes no lock that the mailbox code ever takes.
 *
 * DOC: Locking
 *
 * Requests read a mailbox's counters without its lock (see mailbox.h): a
 * request runs inside genl_rcv() holding genetlink's cb_lock, which every
 * family registration waits for, so it must not queue behind a mailbox.
 */
#ifndef _MBOX_NETLINK_H
#define _MBOX_NETLINK_H

int mbox_netlink_register(void);
void mbox_netlink_unregister(void);

#endif /* _MBOX_NETLINK_H */
