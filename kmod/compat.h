/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels mbox is built for (6.1 and 6.12), kept in
 * one place so that the rest of the module is written against one API.
 *
 * DOC: Rules
 *
 * Only macros and static inlines keyed on feature macros (never on
 * LINUX_VERSION_CODE, which distribution backports make unreliable); no
 * state and no locking of their own.  Each entry names the kernel that
 * changed the interface.
 *
 * DOC: Differences avoided rather than wrapped
 *
 * - struct genl_dumpit_info lost its attrs pointer to a whole genl_info in
 *   a kernel after 6.1: dumps read their request with nlmsg_find_attr() instead.
 * - nla_policy's range pointer became const after 6.1: the ranges are
 *   declared __ro_after_init, which suits both.
 * - 6.2 added split ops (struct genl_split_ops); mbox uses struct genl_ops,
 *   which both kernels take, and no pre_doit/post_doit, whose signatures
 *   changed.
 */
#ifndef _MBOX_COMPAT_H
#define _MBOX_COMPAT_H

#include <net/genetlink.h>

/*
 * Without these flags (6.7, backported to 6.1.70) any user may join any
 * generic netlink multicast group, and the events group would tell every
 * user about every mailbox.  Refuse to build rather than leak.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "this kernel lacks GENL_MCAST_CAP_NET_ADMIN: mbox's events group could not be restricted"
#endif

#endif /* _MBOX_COMPAT_H */
