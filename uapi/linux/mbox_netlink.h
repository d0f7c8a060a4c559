/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mbox: the administration interface, a generic netlink family.
 *
 * DOC: Overview
 *
 * The module registers the generic netlink family MBOX_GENL_NAME ("mbox"),
 * version MBOX_GENL_VERSION, and announces it with MBOX_FEAT_NETLINK in
 * &mbox_version.features.  Resolve the family id with the controller
 * (CTRL_CMD_GETFAMILY, as for any generic netlink family); if the family is
 * unknown the module is not loaded.  The mboxctl(8) tool speaks this
 * protocol; this header is its reference.
 *
 * Requests carry a struct genlmsghdr whose @reserved field must be zero and
 * attributes from &enum mbox_attr.  Every command validates strictly: an
 * attribute the command does not take, an unknown attribute, a wrong length
 * or a value out of range fails the request with -EINVAL or -ERANGE, and the
 * extended ack (NETLINK_EXT_ACK) names the attribute and, for ranges, the
 * accepted bounds.
 *
 * DOC: Who sees what
 *
 * The family is usable from any network namespace.  Mailboxes belong to IPC
 * namespaces (see linux/mbox.h, "Naming"): a caller only ever sees the
 * mailboxes of its own IPC namespace, as with MBOX_IOC_OPEN.  There:
 *
 * - A caller with CAP_NET_ADMIN in the initial user namespace, or with
 *   CAP_IPC_OWNER over its IPC namespace, sees every mailbox, and every
 *   user's usage.
 * - Any other caller sees the mailboxes created with its effective uid and
 *   those it could open with MBOX_IOC_OPEN: to send (write permission by
 *   &mbox_create.mode against the creator's uid and gid) or, for an
 *   OS-owned mailbox, to receive (read permission); and the usage of its
 *   own (real) uid only.
 * - Other mailboxes do not exist for it: MBOX_CMD_MBOX_GET fails with
 *   -ENOENT and dumps leave them out.
 * - The global figures (MBOX_CMD_STATS_GET) and the limits
 *   (MBOX_CMD_LIMITS_GET) are visible to everybody, like the module
 *   parameters in sysfs; they count every namespace.
 *
 * Uids are reported in the caller's user namespace (the overflow uid when
 * unmapped), pids in the caller's pid namespace (0 when not visible there).
 * For a dump, "the caller" is the task that sent the dump request.
 *
 * DOC: Administration
 *
 * Each check is made against both the task sending the request and the
 * credentials the socket was opened with.
 *
 * - MBOX_CMD_MBOX_NEW works like MBOX_IOC_CREATE with MBOX_CREATE_OS: it
 *   needs CAP_SYS_ADMIN in the initial user namespace, and the mailbox
 *   belongs to the caller's IPC namespace.
 * - MBOX_CMD_MBOX_DEL works like MBOX_IOC_DELETE: the mailbox's creator or
 *   CAP_SYS_ADMIN over its IPC namespace.
 * - MBOX_CMD_LIMITS_SET changes limits shared by every namespace, so it
 *   needs CAP_NET_ADMIN in the initial user namespace (GENL_ADMIN_PERM), as
 *   does joining the events group.  A capability in a child user namespace,
 *   which any user can create, is not enough.
 *
 * Refusals fail with -EPERM.
 *
 * DOC: Events
 *
 * The multicast group MBOX_MCGRP_EVENTS ("events") carries one message per
 * event, with the command set to one of MBOX_EVENT_*, about the mailboxes
 * of every IPC namespace.  It is delivered to listeners in the initial
 * network namespace; joining it needs CAP_NET_ADMIN there.  Events of one
 * mailbox arrive in the order they happened.  A listener whose receive
 * buffer overflows, or that misses an event the kernel could not allocate,
 * gets -ENOBUFS from recv(): events were lost and it should re-read the
 * state with dumps.
 *
 * Every event carries MBOX_A_ID, MBOX_A_NAME (empty for an anonymous
 * mailbox) and MBOX_A_KIND.  Pids in events are in the initial pid
 * namespace, uids in the initial user namespace.
 *
 * MBOX_EVENT_CREATED     the mailbox became reachable.  Also carries
 *                        MBOX_A_OWNER_PID, MBOX_A_OWNER_UID,
 *                        MBOX_A_CAPACITY_MODE, MBOX_A_CAPACITY,
 *                        MBOX_A_MSG_SIZE.
 * MBOX_EVENT_OWNER_DIED  the last owner handle of a process-owned mailbox
 *                        (or port) was released by a process that was
 *                        exiting (killed, or ended without closing it).
 *                        MBOX_A_OWNER_PID is that process.  A
 *                        MBOX_EVENT_DESTROYED with MBOX_REASON_OWNER_DIED
 *                        follows.
 * MBOX_EVENT_DESTROYED   the mailbox is gone; MBOX_A_REASON tells why
 *                        (MBOX_REASON_*).  Nothing about it follows.  A
 *                        deleted OS-owned mailbox is destroyed when its
 *                        last receiver handle closes, which may be after
 *                        MBOX_CMD_MBOX_DEL returned.
 * MBOX_EVENT_FULL        senders must wait: a sender found a BOUNDED
 *                        mailbox without room (or behind blocked senders),
 *                        or a ZERO mailbox without a waiting receiver, and
 *                        blocked or got -EAGAIN.
 * MBOX_EVENT_NOT_FULL    the receiver has caught up: a BOUNDED mailbox's
 *                        queue became empty, or a (non-selective) receiver
 *                        of a ZERO mailbox had to wait for a sender.
 *                        Both carry MBOX_A_QUEUED and MBOX_A_SENDERS.
 *
 * FULL and NOT_FULL alternate, starting with FULL; a mailbox is not full
 * when created.  Because a mailbox leaves the full state only when its
 * receiver has caught up completely, a mailbox under steady pressure
 * reports one FULL, not one per message.  A mailbox that swings between
 * full and empty faster than that reports at most once per 100 ms: a swing
 * back and forth inside the interval may go unreported, but the state at
 * the end of the interval is always reported, and the last report before
 * MBOX_EVENT_DESTROYED is the mailbox's final state.  MBOX_A_FULL in
 * MBOX_CMD_MBOX_GET gives the state now.  UNBOUNDED mailboxes never report
 * either.
 */
#ifndef _UAPI_LINUX_MBOX_NETLINK_H
#define _UAPI_LINUX_MBOX_NETLINK_H

#define MBOX_GENL_NAME		"mbox"
/* Bumped on incompatible changes only; new attributes are added freely. */
#define MBOX_GENL_VERSION	1
#define MBOX_MCGRP_EVENTS	"events"

/**
 * enum mbox_cmd - commands (requests) and events of the "mbox" family
 * @MBOX_CMD_UNSPEC: never used.
 * @MBOX_CMD_MBOX_GET: one mailbox, by MBOX_A_ID or MBOX_A_NAME (exactly
 *	one), answered with one MBOX_CMD_MBOX_GET message carrying the
 *	mailbox attributes (see &enum mbox_attr); with NLM_F_DUMP and no
 *	attribute, every visible mailbox in increasing id order.  Errors:
 *	-ENOENT (no such mailbox, or not visible to the caller), -EINVAL
 *	(both or neither of id and name, bad name, attributes in a dump).
 * @MBOX_CMD_MBOX_NEW: admin.  Creates an OS-owned mailbox, which lives
 *	until MBOX_CMD_MBOX_DEL.  Takes MBOX_A_NAME (required),
 *	MBOX_A_CAPACITY_MODE (default MBOX_CAPACITY_BOUNDED), MBOX_A_CAPACITY,
 *	MBOX_A_MSG_SIZE (required), MBOX_A_FLAGS (MBOX_CREATE_FIXED_SIZE,
 *	MBOX_CREATE_BROADCAST), MBOX_A_MODE, MBOX_A_BYTES_MAX, with the
 *	meaning and rules of &struct mbox_create and MBOX_CREATE_OS.
 *	Answered like MBOX_CMD_MBOX_GET.  Errors: -EPERM, -EINVAL (a
 *	parameter outside the rules or the limits, bad name), -EEXIST (name
 *	in use in the caller's IPC namespace), -ENOSPC (user_mailboxes_max),
 *	-ENOBUFS (the byte limit would pass user_bytes_max), -ENOMEM.
 * @MBOX_CMD_MBOX_DEL: admin.  Unlinks an OS-owned mailbox given by
 *	MBOX_A_ID or MBOX_A_NAME, as MBOX_IOC_DELETE does.  Errors: -EPERM,
 *	-ENOENT, -EINVAL (both or neither of id and name; the mailbox is not
 *	OS-owned: it ends only when its owner closes it).
 * @MBOX_CMD_STATS_GET: the global figures MBOX_A_MAILBOXES,
 *	MBOX_A_USERS and MBOX_A_MEM_CHARGED.  Takes no attribute.
 * @MBOX_CMD_USER_GET: dump only.  One message per user known to the
 *	module (holding a handle, owning a mailbox or charged for queued
 *	messages) and visible to the caller: MBOX_A_UID, MBOX_A_USER_BYTES,
 *	MBOX_A_USER_BYTES_MAX, MBOX_A_USER_MAILBOXES,
 *	MBOX_A_USER_MAILBOXES_MAX.
 * @MBOX_CMD_LIMITS_GET: the module's limits MBOX_A_MSG_SIZE_MAX,
 *	MBOX_A_CAPACITY_MAX, MBOX_A_USER_BYTES_MAX, MBOX_A_USER_MAILBOXES_MAX,
 *	MBOX_A_UNBOUNDED_BYTES_DEFAULT (the module parameters of the same
 *	names).  Takes no attribute.
 * @MBOX_CMD_LIMITS_SET: admin.  Sets any of the five limit attributes,
 *	with the ranges the module parameters accept: msg_size_max 1 to
 *	4194304, capacity_max 1 to 1048576, user_mailboxes_max 1 to 16777216,
 *	unbounded_bytes_default 1 to 2^40, user_bytes_max any value (0
 *	forbids queueing).  All given values are
 *	checked before any is applied.  New limits apply to later operations
 *	only (see the module parameters).  Errors: -EPERM, -ERANGE, -EINVAL
 *	(no attribute).
 * @MBOX_EVENT_CREATED: event, see "Events".
 * @MBOX_EVENT_DESTROYED: event.
 * @MBOX_EVENT_OWNER_DIED: event.
 * @MBOX_EVENT_FULL: event.
 * @MBOX_EVENT_NOT_FULL: event.
 */
enum mbox_cmd {
	MBOX_CMD_UNSPEC,
	MBOX_CMD_MBOX_GET,
	MBOX_CMD_MBOX_NEW,
	MBOX_CMD_MBOX_DEL,
	MBOX_CMD_STATS_GET,
	MBOX_CMD_USER_GET,
	MBOX_CMD_LIMITS_GET,
	MBOX_CMD_LIMITS_SET,
	MBOX_EVENT_CREATED,
	MBOX_EVENT_DESTROYED,
	MBOX_EVENT_OWNER_DIED,
	MBOX_EVENT_FULL,
	MBOX_EVENT_NOT_FULL,

	__MBOX_CMD_MAX,
	MBOX_CMD_MAX = __MBOX_CMD_MAX - 1
};

/**
 * enum mbox_attr - attributes
 * @MBOX_A_UNSPEC: never used.
 * @MBOX_A_PAD: padding for 64-bit attributes; ignore.
 * @MBOX_A_ID: u64, the mailbox id (as in &mbox_info.id).
 * @MBOX_A_NAME: NUL-terminated string, at most MBOX_NAME_MAX - 1
 *	characters; empty for an anonymous mailbox.
 * @MBOX_A_KIND: u32, MBOX_KIND_*.
 * @MBOX_A_OWNER_PID: u32, the process that created a process-owned
 *	mailbox or port (its thread group id), 0 for an OS-owned mailbox or
 *	when the process is not visible in the caller's pid namespace.
 * @MBOX_A_OWNER_UID: u32, the creator's effective uid.
 * @MBOX_A_CAPACITY_MODE: u32, MBOX_CAPACITY_*.
 * @MBOX_A_CAPACITY: u32, as &mbox_create.capacity.
 * @MBOX_A_MSG_SIZE: u32, as &mbox_create.msg_size.
 * @MBOX_A_FLAGS: u32, MBOX_CREATE_* flags.
 * @MBOX_A_MODE: u32, permission bits.
 * @MBOX_A_QUEUED: u32, messages queued (for ZERO: senders offering one;
 *	for a broadcast mailbox: messages some receiver has not read yet).
 * @MBOX_A_QUEUED_BYTES: u64, payload bytes queued.
 * @MBOX_A_HIGH_WATER: u32, most messages ever queued at once.
 * @MBOX_A_SENDERS: u32, senders blocked now (for room or a receiver).
 * @MBOX_A_RECEIVERS: u32, receivers blocked now waiting for any message
 *	(selective and broadcast receivers are not counted).
 * @MBOX_A_SENT: u64, messages accepted so far (the last sequence number).
 * @MBOX_A_RECEIVED: u64, messages received so far.
 * @MBOX_A_REJECTED: u64, sends that reached the mailbox and failed: too
 *	large, wrong size, no room or no receiver (-EAGAIN), timeout, user
 *	quota.  Sends that failed for a signal, a fault or a dead mailbox are
 *	not counted.
 * @MBOX_A_RING: flag, present when a shared ring is attached.
 * @MBOX_A_FULL: flag, present while the mailbox is full in the sense of
 *	MBOX_EVENT_FULL (between a FULL and the next NOT_FULL event).
 * @MBOX_A_REASON: u32, MBOX_REASON_* (MBOX_EVENT_DESTROYED).
 * @MBOX_A_MAILBOXES: u64, mailboxes alive now, in every namespace
 *	(deleted OS-owned mailboxes count until their last receiver goes).
 * @MBOX_A_USERS: u32, users known to the module now.
 * @MBOX_A_MEM_CHARGED: u64, bytes charged to all users: mailboxes' byte
 *	limits, messages in flight and rings (what user_bytes_max limits; see
 *	Accounting in linux/mbox.h).
 * @MBOX_A_UID: u32, a user's uid.
 * @MBOX_A_USER_BYTES: u64, bytes charged to the user: reserved plus in
 *	flight (user_bytes_max caps each of the two).
 * @MBOX_A_USER_BYTES_MAX: u64, the limit on it (user_bytes_max).
 * @MBOX_A_USER_MAILBOXES: u32, mailboxes the user owns.
 * @MBOX_A_USER_MAILBOXES_MAX: u32, the limit on it (user_mailboxes_max).
 * @MBOX_A_MSG_SIZE_MAX: u32, module parameter msg_size_max.
 * @MBOX_A_CAPACITY_MAX: u32, module parameter capacity_max.
 * @MBOX_A_BYTES_MAX: u64, a mailbox's byte limit, as &mbox_info.bytes_max;
 *	in MBOX_CMD_MBOX_NEW, as &mbox_create.bytes_max (optional).
 * @MBOX_A_BYTES_CHARGED: u64, the charges of a mailbox's queued messages,
 *	as &mbox_info.bytes_charged.
 * @MBOX_A_UNBOUNDED_BYTES_DEFAULT: u64, module parameter
 *	unbounded_bytes_default.
 * @MBOX_A_RING_MESSAGES: u64, ring messages the consumer has taken, all
 *	rings of the mailbox together (as &mbox_ring_info.messages).  The
 *	four MBOX_A_RING_* counters are present once the mailbox ever had a
 *	ring.
 * @MBOX_A_RING_SLOT_BYTES: u64, as &mbox_ring_info.slot_bytes.
 * @MBOX_A_RING_DISCARDED: u64, as &mbox_ring_info.discarded.
 * @MBOX_A_RING_CORRUPT: u64, producers cut off as corrupt
 *	(&mbox_ring_info.corrupt).
 */
enum mbox_attr {
	MBOX_A_UNSPEC,
	MBOX_A_PAD,
	MBOX_A_ID,
	MBOX_A_NAME,
	MBOX_A_KIND,
	MBOX_A_OWNER_PID,
	MBOX_A_OWNER_UID,
	MBOX_A_CAPACITY_MODE,
	MBOX_A_CAPACITY,
	MBOX_A_MSG_SIZE,
	MBOX_A_FLAGS,
	MBOX_A_MODE,
	MBOX_A_QUEUED,
	MBOX_A_QUEUED_BYTES,
	MBOX_A_HIGH_WATER,
	MBOX_A_SENDERS,
	MBOX_A_RECEIVERS,
	MBOX_A_SENT,
	MBOX_A_RECEIVED,
	MBOX_A_REJECTED,
	MBOX_A_RING,
	MBOX_A_FULL,
	MBOX_A_REASON,
	MBOX_A_MAILBOXES,
	MBOX_A_USERS,
	MBOX_A_MEM_CHARGED,
	MBOX_A_UID,
	MBOX_A_USER_BYTES,
	MBOX_A_USER_BYTES_MAX,
	MBOX_A_USER_MAILBOXES,
	MBOX_A_USER_MAILBOXES_MAX,
	MBOX_A_MSG_SIZE_MAX,
	MBOX_A_CAPACITY_MAX,
	MBOX_A_BYTES_MAX,
	MBOX_A_BYTES_CHARGED,
	MBOX_A_UNBOUNDED_BYTES_DEFAULT,
	MBOX_A_RING_MESSAGES,
	MBOX_A_RING_SLOT_BYTES,
	MBOX_A_RING_DISCARDED,
	MBOX_A_RING_CORRUPT,

	__MBOX_A_MAX,
	MBOX_A_MAX = __MBOX_A_MAX - 1
};

/* Values of MBOX_A_KIND */
/* Lives as long as its owner handle (MBOX_IOC_CREATE). */
#define MBOX_KIND_PROCESS	0
/* MBOX_CREATE_OS: lives until deleted (MBOX_IOC_DELETE, MBOX_CMD_MBOX_DEL). */
#define MBOX_KIND_OS		1
/* MBOX_CREATE_PORT: a process's direct port, otherwise like PROCESS. */
#define MBOX_KIND_DIRECT	2

/* Values of MBOX_A_REASON */
/* The last owner handle was closed. */
#define MBOX_REASON_OWNER_CLOSED	1
/* The process holding the last owner handle exited. */
#define MBOX_REASON_OWNER_DIED		2
/* Deleted (MBOX_IOC_DELETE or MBOX_CMD_MBOX_DEL) and no receiver left. */
#define MBOX_REASON_DELETED		3

#endif /* _UAPI_LINUX_MBOX_NETLINK_H */
