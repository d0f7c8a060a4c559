/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mbox: mailbox IPC for Linux - the user/kernel ABI.
 *
 * DOC: Overview
 *
 * A mailbox is a kernel-held message queue with exactly one receiving side
 * (its owner) and any number of sending sides (its users).  Every side is a
 * file descriptor ("handle"), so close-on-exec, fork, SCM_RIGHTS passing,
 * poll/epoll and clean-up at process exit all come from the kernel's own file
 * machinery.
 *
 * Handles are obtained by ioctls on the misc device /dev/mbox:
 *
 *   MBOX_IOC_CREATE  creates a mailbox; returns its owner handle (for an
 *                    OS-owned mailbox, a receiver handle).
 *   MBOX_IOC_OPEN    opens a user (send-only) handle by id, by name or by
 *                    process id (direct port), or a receiver handle on an
 *                    OS-owned mailbox.
 *   MBOX_IOC_DELETE  unlinks an OS-owned mailbox.
 *   MBOX_IOC_VERSION reports the ABI version, features and limits.
 *
 * Messages move by ioctls on a handle:
 *
 *   MBOX_IOC_SEND    on any handle (the owner may message itself).
 *   MBOX_IOC_RECV    on owner and receiver handles (-EPERM on a user
 *                    handle).
 *   MBOX_IOC_SEND_BATCH, MBOX_IOC_RECV_BATCH
 *                    move up to MBOX_BATCH_MAX messages in one call.
 *   MBOX_IOC_INFO    on any handle.
 *   MBOX_IOC_WATCH   asks for a death notice; MBOX_IOC_NOTICE reads it.
 *
 * Lifetime: the mailbox lives exactly as long as its owner handle (the
 * struct file; dup() and fork() share it).  When the last reference to the
 * owner handle is closed - explicitly or by process exit - the mailbox is
 * destroyed at once: queued messages are freed, blocked senders return
 * -EPIPE, later sends on user handles return -EPIPE, user handles poll
 * POLLHUP, and the id and name stop resolving (-ENOENT).  Ids are 64-bit
 * and never reused while the module is loaded.
 *
 * DOC: Naming
 *
 * Indirect communication: every mailbox has a 64-bit id, and may have a
 * name.  Ids and names belong to the IPC namespace the mailbox was created
 * in: opens, deletes and name clashes only consider mailboxes of the
 * caller's IPC namespace, so containers with their own IPC namespace never
 * see each other's mailboxes.
 *
 * Direct communication: a process may create one *port*, a mailbox created
 * with MBOX_CREATE_PORT.  Others then reach it by naming the process:
 * MBOX_IOC_OPEN with MBOX_OPEN_PID and a pid as seen in the opener's pid
 * namespace.  The port is reachable that way while the creating process
 * lives and its owner handle is open.  The receiver learns each sender
 * (&mbox_recv.sender_pid: asymmetric receive), and can take only messages
 * from one process (MBOX_RECV_FROM: symmetric receive) or of one type tag
 * (MBOX_RECV_TYPE, MBOX_RECV_TYPE_EXCEPT, like SysV msgrcv); messages not
 * selected stay queued, in order.
 *
 * DOC: Permissions
 *
 * Like open(2) on a file, permission is checked once, against the calling
 * task's credentials when it opens a handle (and, for MBOX_CREATE_OS and
 * MBOX_IOC_DELETE, when it calls): a handle passed to another process keeps
 * the rights it was opened with.
 *
 * DOC: Ownership
 *
 * A process-owned mailbox has one owner handle; only it receives.
 * Ownership travels with that handle: a fork()ed child shares it, exec
 * keeps it unless it is close-on-exec, SCM_RIGHTS passes it to another
 * process, which may then receive.  The mailbox dies when the last
 * reference to the owner handle anywhere is closed.
 *
 * An OS-owned mailbox (MBOX_CREATE_OS) has no owner: creating one needs
 * CAP_SYS_ADMIN in the initial user namespace, and it lives, with its
 * queued messages, until deleted; until then the module cannot be unloaded.
 * (An OS mailbox pins its IPC namespace, and a module cannot learn when a
 * namespace dies, so containers may not create them: an administrator who
 * creates one inside a container's IPC namespace must delete it there.)  Any process the
 * mode bits allow to read may open a receiver handle (MBOX_OPEN_RECEIVE).
 * With several receivers, each message goes to exactly one of them: the one
 * that has been waiting longest (FIFO among waiting receivers).  A
 * MBOX_CREATE_BROADCAST mailbox instead gives every receiver handle its own
 * copy of each message sent after the handle was opened.
 *
 * MBOX_IOC_DELETE works like unlink(2): the id and name stop resolving at
 * once (and the name may be reused), but handles already open keep working
 * until the last receiver handle closes, which then destroys the mailbox.
 * A deleted mailbox with no receiver handle is destroyed at once.
 *
 * DOC: Death notices
 *
 * A sender that must know when its peer goes away arms a watch on its
 * handle with MBOX_IOC_WATCH.  When the mailbox is destroyed - or at once, if
 * it already was - the handle polls EPOLLPRI and MBOX_IOC_NOTICE returns one
 * &struct mbox_notice.  Each watch yields exactly one notice.
 *
 * DOC: Buffering
 *
 * MBOX_CAPACITY_ZERO      rendezvous.  Nothing is queued: a send returns 0
 *                         once a receiver has copied the message out, or
 *                         has taken it to copy it and the sender stops
 *                         waiting (non-blocking, deadline, signal): see
 *                         "Copies" under Waiting.  A send that fails
 *                         (timeout, signal, -EPIPE) was not delivered.
 * MBOX_CAPACITY_BOUNDED   at most @capacity messages are queued; a sender
 *                         waits while the queue is full.  Blocked senders
 *                         are admitted in arrival order (FIFO) among
 *                         themselves.  A running sender may take room that
 *                         frees up while the longest-blocked sender is being
 *                         woken for it; a blocked sender that finds its room
 *                         taken that way is handed the next room that frees
 *                         up, so every blocked sender gets in.  A send
 *                         returns 0 once its message is queued.
 * MBOX_CAPACITY_UNBOUNDED a sender never waits for space.  Queued bytes are
 *                         limited per mailbox (&mbox_create.bytes_max, see
 *                         Accounting): a send past the limit fails with
 *                         -ENOBUFS.
 *
 * DOC: Ordering
 *
 * The receiver always gets the queued message of highest priority; messages
 * of equal priority come out in the order they were accepted.  On a ZERO
 * mailbox the same rule picks among the senders currently offering a
 * message.  Every accepted message gets the next per-mailbox sequence number
 * (starting at 1), so @seq gives the acceptance order; on a ZERO mailbox a
 * message is accepted when a receiver takes it to copy it out, and keeps
 * that number if the copy fails and it is offered again; an accepted
 * message is never withdrawn, so every number is received once (unless the
 * mailbox is destroyed first).  A non-blocking ZERO send
 * goes straight to the longest-waiting receiver (see Waiting), so it is the
 * one exception to priority order among offers.
 *
 * DOC: Accounting
 *
 * The rule: queued bytes are paid for by the party that can release them,
 * so that no user can make another user's operations on a third mailbox
 * fail or block.
 *
 * Users.  A user is a real uid (as for RLIMIT_MSGQUEUE).  The module
 * parameter user_bytes_max caps, each on its own, what a user reserves
 * (its mailboxes and rings) and what it has in flight (its messages not yet
 * accepted), so that reserving the whole budget never stops a user from
 * sending; user_mailboxes_max caps the mailboxes it has created (-ENOSPC).
 * A user is charged for:
 *   - each mailbox it creates, at create and until the mailbox is
 *     destroyed (not when its last handle closes), the mailbox's byte
 *     limit: for BOUNDED capacity * charge(msg_size), for UNBOUNDED
 *     &mbox_create.bytes_max, for ZERO nothing.  A create whose limit would
 *     take the user past user_bytes_max fails with -ENOBUFS.  This is the
 *     POSIX message queue model: a queue's worst case is paid at creation.
 *   - each message its tasks are sending, from the copy-in until a mailbox
 *     accepts it: a sender blocked on a full BOUNDED mailbox, a ZERO offer
 *     until a receiver takes it.  The sender ends that charge itself (a
 *     timeout, a signal, -EAGAIN).  A send that would take the in-flight
 *     bytes of the sending handle's opener past user_bytes_max fails with
 *     -ENOBUFS, nothing sent; a handle passed to another process keeps
 *     charging its opener.
 *   - shared rings, reserved like mailboxes (see Shared ring).
 * Accepted messages are charged to their mailbox, inside the reservation
 * its creator made: the owner (the receiver) releases them by receiving or
 * by destroying the mailbox.  A BOUNDED mailbox cannot pass its
 * reservation; an UNBOUNDED one refuses a message that would take its
 * queued charge past bytes_max (-ENOBUFS: the mailbox is full in bytes).
 *
 * So: an owner that never receives fills only its own mailboxes, already
 * paid for; a sender flooding someone's UNBOUNDED mailbox stops at its
 * bytes_max and never touches the owner's other mailboxes or anybody's
 * user_bytes_max; neither can make a send to a third mailbox fail.
 * Filling one shared mailbox still denies room in that mailbox to its
 * other senders, as a full BOUNDED queue does.  A broadcast message is
 * stored and charged once, whatever the number of receiver handles; an
 * OS-owned mailbox reserves from the user that created it.
 *
 * The exact charge of a message of len bytes is
 *     charge(len) = kmalloc_size_roundup(H + len)
 * where H is the size of the module's per-message header (struct mbox_msg,
 * 112 bytes on x86-64 today; not part of the ABI): up to 8 KiB the next
 * kmalloc size class (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048,
 * 4096, 8192 on x86-64), above that PAGE_SIZE times the next power of two
 * number of pages.  MBOX_IOC_INFO (&mbox_info.bytes_charged) and netlink
 * (MBOX_A_BYTES_CHARGED) report the sum over the queued messages.
 *
 * Memory cgroups.  The message memory is allocated with __GFP_ACCOUNT in
 * the sending task and stays charged to the sending task's memory cgroup
 * until freed (received, or the mailbox destroyed): kernel memory cannot
 * move between cgroups.  A mailbox's reservation bounds how much of it an
 * owner that does not receive can hold.
 *
 * DOC: Waiting
 *
 * Send and receive block by default.  They do not block when the handle has
 * O_NONBLOCK or the call has MBOX_MSG_NONBLOCK: instead they fail with
 * -EAGAIN.  With MBOX_MSG_TIMEOUT the wait ends at the absolute
 * CLOCK_MONOTONIC time @timeout_ns with -ETIMEDOUT (a deadline in the past
 * still succeeds if no wait is needed); MBOX_MSG_NONBLOCK wins when both are
 * set.  Because deadlines are absolute, a
 * call interrupted by a signal is restarted transparently under SA_RESTART
 * and otherwise fails with -EINTR; in both cases nothing was delivered or
 * consumed by the interrupted call (a ZERO send whose message a receiver
 * has taken returns 0 instead: see "Copies").
 *
 * A non-blocking send to a ZERO mailbox succeeds only if a receiver is
 * already blocked in MBOX_IOC_RECV without selection (selective receivers
 * do not count); it then waits just for that receiver to take the message
 * (not for its copy, see below) and returns 0, or -EAGAIN if the receiver
 * cannot take it (its buffer is too small: that receiver then gets
 * -EMSGSIZE, and the message is not kept).  A timed ZERO send whose deadline
 * has already passed behaves the same, with -ETIMEDOUT instead of -EAGAIN.
 *
 * Copies.  No call copies to or from user memory while it holds anything
 * another task waits for: a buffer that faults slowly (userfaultfd, a FUSE
 * file that is never answered) delays only the task whose buffer it is.
 * A send copies its payload in before it touches the mailbox.  A receive
 * takes its message (or, for a batch, its messages) out of reach of other
 * receivers, copies without holding the mailbox, and then either receives
 * it or, if the copy faulted (-EFAULT) or the receiver was killed, leaves
 * it exactly where it was: same priority, same place among equals, same
 * sequence number.  Meanwhile other receivers take the messages behind it
 * (a message being copied out by a selective, broadcast or ZERO receive
 * counts in &mbox_info.queued but not for EPOLLIN), sends, opens,
 * MBOX_IOC_INFO, closes and netlink requests go on.  A plain MBOX_IOC_RECV
 * or MBOX_IOC_RECV_BATCH of messages no sender waits on counts them as
 * received, and frees their room, as soon as it takes them: if a copy then
 * fails, that message and the later ones of the call go back to their
 * places as above, their count is undone, and a BOUNDED mailbox may hold
 * that many messages more than @capacity (at most 16 per failed call, so
 * at most 16 times the number of receives failing at the same time)
 * until receives bring it below again (sends wait or get -EAGAIN
 * meanwhile); &mbox_info.received goes down again by as many.  Another
 * receive on the same broadcast receiver handle waits for the copy to end
 * (or fails with -EAGAIN if non-blocking), since a handle reads its
 * messages in order.
 *
 * A ZERO message a receiver has taken to copy out is accepted: it has its
 * @seq and can no longer be withdrawn.  Its sender never waits on that
 * copy longer than it asked to, since the copy takes as long as the
 * receiver's buffer makes it: a non-blocking send returns 0 as soon as
 * the receiver has taken the message, and a blocking one returns 0 (with
 * the @seq, never -ETIMEDOUT or -EINTR) when its deadline passes or a
 * signal comes during the copy, or when it is killed.  Without either it
 * waits for the copy's outcome (0 once received).  A message whose
 * sender stopped waiting is received exactly once by the receiver that
 * was copying it, or, if that copy fails, stays queued for the next
 * receiver as if sent to a bounded mailbox (it is freed, undelivered, if
 * the mailbox is destroyed first).
 *
 * DOC: Polling
 *
 * poll/epoll readiness of a handle:
 *   EPOLLIN   owner and receiver handles: a message is queued (on a ZERO
 *             mailbox, a sender is offering one); a broadcast receiver
 *             handle: a message it has not read.
 *   EPOLLOUT  a send would not wait: UNBOUNDED always, BOUNDED while there
 *             is room and no sender is blocked, ZERO while a receiver is
 *             blocked in MBOX_IOC_RECV.
 *   EPOLLPRI  an armed death notice is ready (see Death notices).
 *   EPOLLHUP | EPOLLERR  the mailbox is destroyed.
 *
 * DOC: Limits
 *
 * The module parameters (see /sys/module/mbox/parameters) may change at any
 * time.  A new value applies to the next create or send: existing
 * mailboxes keep their sizes and byte limits (and their reservations),
 * and a user already above a lowered user_bytes_max keeps what is charged
 * but cannot create nor send until below it.  unbounded_bytes_default
 * (1 to 2^40) is the byte limit of an UNBOUNDED mailbox created with
 * bytes_max 0; an UNBOUNDED mailbox's limit is never below one largest
 * message's charge.
 *
 * DOC: POSIX message queues
 *
 * What libmbox-mq (mq_overview(7) over mbox) needs from the module:
 *
 * Persistent mailboxes (MBOX_CREATE_PERSIST) behave like OS-owned ones -
 * they live, with their messages, until MBOX_IOC_DELETE, and report
 * MBOX_CREATE_OS | MBOX_CREATE_PERSIST in &mbox_info.flags - but any user
 * may create them - in the initial IPC namespace: from any other, only
 * with CAP_SYS_ADMIN in the initial user namespace (-EPERM), as for
 * MBOX_CREATE_OS, because nothing deletes them when their namespace dies.
 * They must be BOUNDED and named,
 * and may not be PORT or BROADCAST.  What a user can hoard that way is
 * bounded and charged to that user (real uid):
 *   - at most user_persistent_max (module parameter) persistent mailboxes
 *     per user (-ENOSPC);
 *   - at create, capacity * (msg_size + per-message overhead) bytes are
 *     reserved: checked against the caller's RLIMIT_MSGQUEUE summed over
 *     its user's persistent mailboxes (-EMFILE, as mq_open(3) fails), and
 *     charged to the user's user_bytes_max (-ENOBUFS) until the mailbox is
 *     destroyed.  A message sent to it is charged to its sender (in
 *     flight, against the sender's user_bytes_max: -ENOBUFS) until the
 *     queue accepts it, then to that reservation; so senders blocked on a
 *     full queue hold their messages against their own cap, not the
 *     creator's nor an unlimited one;
 *   - each pins the module (rmmod is refused) until deleted;
 *   - a persistent mailbox left in an IPC namespace that dies (only an
 *     administrator can create one there, see above) can no longer be
 *     deleted: it stays charged to its creator.
 * Every handle, receiving or not, keeps a deleted persistent mailbox
 * alive (a send-only holder can still send to an unlinked queue).  Its
 * creator (same euid) and CAP_SYS_ADMIN over the IPC namespace may delete
 * it.  With MBOX_CREATE_PERSIST the access mode in &mbox_create.fd_flags
 * (O_RDONLY, O_WRONLY, O_RDWR) chooses the directions of the returned
 * handle as MBOX_OPEN_READ and MBOX_OPEN_WRITE would, without a mode check
 * (like a file created by open(2)).
 *
 * Direction: handles opened with MBOX_OPEN_READ and/or MBOX_OPEN_WRITE
 * (or created as above) fail a send or receive in the direction they were
 * not opened for with -EBADF, as mq_send(3) and mq_receive(3) do.
 *
 * Notification: MBOX_IOC_NOTIFY (see &struct mbox_notify).
 *
 * Deadlines: MBOX_MSG_REALTIME.
 *
 * Waking: receivers waiting on one mailbox are woken in arrival order
 * (FIFO), not by task priority as Linux mq wakes them.
 *
 * DOC: ABI rules
 *
 * All structures have fixed sizes that are multiples of 8, use only __u*
 * and __s* members, and carry pointers as __u64.  Unknown flag bits and
 * non-zero reserved fields are rejected with -EINVAL, so that they can be
 * given a meaning later; a grown structure gets a new command number.
 * Structures are never partially written on error, except where a field is
 * documented as set on a given error.  Commands unknown to a descriptor -
 * including handle commands on /dev/mbox and device commands on a handle -
 * fail with -ENOTTY.
 */
#ifndef _UAPI_LINUX_MBOX_H
#define _UAPI_LINUX_MBOX_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* The device node; misc device, dynamic minor. */
#define MBOX_DEVICE_PATH	"/dev/mbox"

/*
 * Bumped on incompatible changes only; features are announced as bits.
 * 2: MBOX_IOC_MAGIC moved from 0xB8, which upstream Linux registers for
 * other drivers (Documentation/userspace-api/ioctl/ioctl-number.rst), to
 * 0xBB, which it does not: every command number changed.  Also: queued
 * bytes are charged to the receiving mailbox (see Accounting), and
 * &mbox_recv.sender_uid is the sender's effective uid.
 */
#define MBOX_ABI_VERSION	2

#define MBOX_IOC_MAGIC		0xBB

/* Names: 1 to MBOX_NAME_MAX - 1 characters from [A-Za-z0-9._-], not starting with '-'. */
#define MBOX_NAME_MAX		64

/* Priorities run from 0 (lowest, the default) to MBOX_PRIO_MAX. */
#define MBOX_PRIO_MAX		32767

/**
 * enum mbox_feature - bits of &mbox_version.features
 * @MBOX_FEAT_CORE: owner/user mailboxes, the three capacities, priorities,
 *	timed and non-blocking send and receive, MBOX_IOC_INFO.
 */
#define MBOX_FEAT_CORE		_BITULL(0)
/* MBOX_IOC_SEND_BATCH and MBOX_IOC_RECV_BATCH. */
#define MBOX_FEAT_BATCH		_BITULL(1)
/* The first shared-ring layout; no longer offered (see MBOX_FEAT_RING_SEG). */
#define MBOX_FEAT_RING		_BITULL(2)
/*
 * The "mbox" generic netlink family for inspection, administration and
 * events (see linux/mbox_netlink.h).
 */
#define MBOX_FEAT_NETLINK	_BITULL(3)
/* Direct ports: MBOX_CREATE_PORT, MBOX_OPEN_PID, selective receive. */
#define MBOX_FEAT_DIRECT	_BITULL(4)
/* OS-owned mailboxes: MBOX_CREATE_OS, MBOX_OPEN_RECEIVE, MBOX_IOC_DELETE. */
#define MBOX_FEAT_OS_OWNED	_BITULL(5)
/* MBOX_CREATE_BROADCAST. */
#define MBOX_FEAT_BROADCAST	_BITULL(6)
/* MBOX_IOC_WATCH and MBOX_IOC_NOTICE. */
#define MBOX_FEAT_DEATH_NOTICE	_BITULL(7)
/*
 * Per-mailbox byte quotas (see Accounting): &mbox_create.bytes_max,
 * &mbox_info.bytes_max and &mbox_info.bytes_charged.
 */
#define MBOX_FEAT_QUOTA		_BITULL(8)
/*
 * The shared ring with one segment per producer (DOC: Shared ring):
 * MBOX_IOC_RING_*, mmap() of MBOX_RING_OFF_* on handles.
 */
#define MBOX_FEAT_RING_SEG	_BITULL(9)
/*
 * POSIX message queue support (see "POSIX message queues"):
 * MBOX_CREATE_PERSIST, MBOX_OPEN_READ and MBOX_OPEN_WRITE.
 */
#define MBOX_FEAT_PERSIST	_BITULL(10)
/* MBOX_IOC_NOTIFY. */
#define MBOX_FEAT_NOTIFY	_BITULL(11)
/* MBOX_MSG_REALTIME. */
#define MBOX_FEAT_REALTIME	_BITULL(12)
/* Bridge proxies: MBOX_CREATE_PROXY, MBOX_RECV_HOLD, MBOX_IOC_COMPLETE. */
#define MBOX_FEAT_BRIDGE	_BITULL(13)
/* &mbox_recv.hold_ns: a held ZERO sender's time left (see Bridge proxies). */
#define MBOX_FEAT_HOLD_DEADLINE	_BITULL(14)
/*
 * Bridge-vouched origins (see "Vouched origins"): MBOX_MSG_ORIGIN,
 * &mbox_send.origin, MBOX_IOC_RECV_ORIGIN.
 */
#define MBOX_FEAT_ORIGIN	_BITULL(15)

/*
 * Command numbers are grouped by feature so that features grow apart:
 * 0x00-0x0f /dev/mbox, 0x10-0x1f messaging on handles, 0x20-0x2f the shared
 * ring, 0x30-0x3f naming and notification.
 */

/**
 * struct mbox_version - MBOX_IOC_VERSION on /dev/mbox
 * @abi_version: out: MBOX_ABI_VERSION of the running module.
 * @max_msg_size: out: largest @msg_size a mailbox may be created with now
 *	(module parameter msg_size_max).
 * @features: out: MBOX_FEAT_* bits the module supports.
 * @max_capacity: out: largest BOUNDED capacity (module parameter
 *	capacity_max).
 * @max_priority: out: MBOX_PRIO_MAX.
 * @reserved: out: zero.
 *
 * Errors: -EFAULT.
 */
struct mbox_version {
	__u32 abi_version;
	__u32 max_msg_size;
	__u64 features;
	__u32 max_capacity;
	__u32 max_priority;
	__u64 reserved[4];
};

/* Values of &mbox_create.capacity_mode */
#define MBOX_CAPACITY_ZERO	0
#define MBOX_CAPACITY_BOUNDED	1
#define MBOX_CAPACITY_UNBOUNDED	2

/* Bits of &mbox_create.flags */
/* Every message must be exactly @msg_size bytes long. */
#define MBOX_CREATE_FIXED_SIZE	_BITUL(0)
/* The calling process's direct port: anonymous, one per process. */
#define MBOX_CREATE_PORT	_BITUL(1)
/* OS-owned: outlives its creator until MBOX_IOC_DELETE. */
#define MBOX_CREATE_OS		_BITUL(2)
/* With MBOX_CREATE_OS: every receiver handle gets every message. */
#define MBOX_CREATE_BROADCAST	_BITUL(3)
/*
 * Persistent: like OS-owned, but any user may create one (see "POSIX
 * message queues").  Bit 5 is reserved for the same feature.
 */
#define MBOX_CREATE_PERSIST	_BITUL(4)
/*
 * A proxy for a mailbox on another host, created by a bridge daemon
 * (mboxbridge(8)); see "Bridge proxies".  Needs CAP_NET_ADMIN in the user
 * namespace of the caller's IPC namespace.
 */
#define MBOX_CREATE_PROXY	_BITUL(6)
#define MBOX_CREATE_FLAGS	(MBOX_CREATE_FIXED_SIZE | MBOX_CREATE_PORT | \
				 MBOX_CREATE_OS | MBOX_CREATE_BROADCAST | \
				 MBOX_CREATE_PERSIST | MBOX_CREATE_PROXY)

/**
 * struct mbox_create - MBOX_IOC_CREATE on /dev/mbox
 * @flags: in: MBOX_CREATE_* bits.
 * @capacity_mode: in: MBOX_CAPACITY_*.
 * @capacity: in: for BOUNDED, the queue length in messages, 1 to
 *	&mbox_version.max_capacity; must be 0 for ZERO and UNBOUNDED.
 * @msg_size: in: the largest message in bytes, 1 to
 *	&mbox_version.max_msg_size; with MBOX_CREATE_FIXED_SIZE the only size.
 * @fd_flags: in: O_CLOEXEC and/or O_NONBLOCK for the returned handle;
 *	with MBOX_CREATE_PERSIST also its access mode (see "POSIX message
 *	queues").
 * @mode: in: permission bits (at most 0777) checked when a handle is
 *	opened, against the creator's euid and egid: a user handle needs write
 *	permission, a receiver handle read permission; CAP_IPC_OWNER overrides.
 *	0 selects 0600, except with MBOX_CREATE_PERSIST.
 * @name: in: pointer to a NUL-terminated name, or 0 for an anonymous
 *	mailbox that can only be opened by id.
 * @id: out: the new mailbox's id.
 * @bytes_max: in: for UNBOUNDED, the most bytes (sum of charge(len), see
 *	Accounting) queued at once, from charge(@msg_size) to 2^40; 0 selects
 *	the module parameter unbounded_bytes_default, or charge(@msg_size) if
 *	that is larger.  Must be 0 for ZERO and BOUNDED.
 * @reserved: in: must be zero.
 *
 * Returns the owner handle (a new file descriptor) on success; with
 * MBOX_CREATE_OS a receiver handle, which the caller may simply close.
 * Every create is exclusive: an existing name is never reused or opened.
 *
 * Errors: -EINVAL (unknown flag, bad capacity_mode, capacity, msg_size,
 * fd_flags, mode or bytes_max, non-zero reserved, empty name or bad
 * character in it,
 * a name with
 * MBOX_CREATE_PORT, PORT with OS, BROADCAST without OS or with ZERO
 * capacity, PERSIST with OS, PORT, BROADCAST, without a name or not
 * BOUNDED, an access mode in fd_flags without PERSIST, PROXY with PORT or
 * OS), -ENAMETOOLONG
 * (name of MBOX_NAME_MAX characters or more),
 * -EEXIST (name in use in this IPC namespace, or the process already has a
 * port), -EPERM (MBOX_CREATE_OS without CAP_SYS_ADMIN, MBOX_CREATE_PROXY
 * without CAP_NET_ADMIN), -ENOSPC (caller's
 * user owns user_mailboxes_max mailboxes, or PERSIST and
 * user_persistent_max persistent ones), -EMFILE (PERSIST: RLIMIT_MSGQUEUE
 * reached; or no free descriptor), -ENOBUFS (the mailbox's byte limit
 * would take the caller's user past user_bytes_max), -EFAULT, -ENOMEM,
 * -ENFILE.
 */
struct mbox_create {
	__u32 flags;
	__u32 capacity_mode;
	__u32 capacity;
	__u32 msg_size;
	__u32 fd_flags;
	__u32 mode;
	__u64 name;
	__u64 id;
	__u64 bytes_max;
	__u64 reserved[3];
};

/* Bits of &mbox_open.flags */
/* Open a receiver handle on an OS-owned mailbox (needs read permission). */
#define MBOX_OPEN_RECEIVE	_BITUL(0)
/* @id is a process id: open that process's direct port. */
#define MBOX_OPEN_PID		_BITUL(1)
/*
 * A handle with exactly the given directions (one or both): READ receives
 * (a receiver handle, so OS-owned or persistent mailboxes only), WRITE
 * sends; each needs its permission bit, and using the other direction
 * fails with -EBADF.  Not with MBOX_OPEN_RECEIVE or MBOX_OPEN_PID.
 */
#define MBOX_OPEN_READ		_BITUL(2)
#define MBOX_OPEN_WRITE		_BITUL(3)
#define MBOX_OPEN_FLAGS		(MBOX_OPEN_RECEIVE | MBOX_OPEN_PID | \
				 MBOX_OPEN_READ | MBOX_OPEN_WRITE)

/**
 * struct mbox_open - MBOX_IOC_OPEN on /dev/mbox
 * @id: in: the mailbox to open when @name is 0, otherwise must be 0; with
 *	MBOX_OPEN_PID a process id in the caller's pid namespace instead;
 *	out: the id of the mailbox opened.
 * @name: in: pointer to a NUL-terminated name, or 0 to open by @id.
 * @flags: in: MBOX_OPEN_* bits.
 * @fd_flags: in: O_CLOEXEC and/or O_NONBLOCK for the returned handle.
 * @reserved: in: must be zero.
 *
 * Returns a user (send-only) handle, or with MBOX_OPEN_RECEIVE a receiver
 * handle.  Only mailboxes of the caller's IPC namespace are found.
 *
 * Errors: -ENOENT (no such live mailbox), -EACCES (no write permission, or
 * for MBOX_OPEN_RECEIVE no read permission), -EPERM (MBOX_OPEN_RECEIVE on a
 * mailbox that is not OS-owned: only its owner receives), -ESRCH (no
 * process with that pid), -ECONNREFUSED (the process has no port),
 * -EINVAL (both or neither of id and name, a name with MBOX_OPEN_PID, a pid
 * that is not positive, unknown flags, fd_flags, reserved, bad name),
 * -ENAMETOOLONG, -EFAULT, -ENOMEM, -EMFILE, -ENFILE.
 */
struct mbox_open {
	__u64 id;
	__u64 name;
	__u32 flags;
	__u32 fd_flags;
	__u64 reserved[2];
};

/**
 * struct mbox_delete - MBOX_IOC_DELETE on /dev/mbox
 * @id: in: the mailbox to delete when @name is 0, otherwise must be 0.
 * @name: in: pointer to a NUL-terminated name, or 0 to delete by @id.
 * @flags: in: must be 0.
 * @reserved0: in: must be 0.
 * @reserved: in: must be zero.
 *
 * Unlinks an OS-owned mailbox of the caller's IPC namespace (see
 * Ownership).  Allowed to its creator (same euid) and to holders of
 * CAP_SYS_ADMIN in the user namespace owning the IPC namespace.
 *
 * Errors: -ENOENT, -EPERM (not OS-owned, or not allowed), -EINVAL,
 * -ENAMETOOLONG, -EFAULT.
 */
struct mbox_delete {
	__u64 id;
	__u64 name;
	__u32 flags;
	__u32 reserved0;
	__u64 reserved[2];
};

/* Bits of &mbox_send.flags and &mbox_recv.flags */
/* Fail with -EAGAIN instead of waiting. */
#define MBOX_MSG_NONBLOCK	_BITUL(0)
/* Wait at most until the absolute CLOCK_MONOTONIC time @timeout_ns. */
#define MBOX_MSG_TIMEOUT	_BITUL(1)
/*
 * With MBOX_MSG_TIMEOUT: @timeout_ns is an absolute CLOCK_REALTIME time
 * (nanoseconds since the epoch), the clock of POSIX mq deadlines.  It is
 * converted to CLOCK_MONOTONIC when the call starts (and again when it
 * restarts after a signal), so a clock_settime() during the wait takes
 * effect only at the next restart.  -EINVAL without MBOX_MSG_TIMEOUT.
 */
#define MBOX_MSG_REALTIME	_BITUL(2)
#define MBOX_MSG_FLAGS		(MBOX_MSG_NONBLOCK | MBOX_MSG_TIMEOUT | \
				 MBOX_MSG_REALTIME)
/*
 * &mbox_send.flags only: attach @origin, the remote sender a bridge vouches
 * for (see "Vouched origins").  Needs CAP_NET_ADMIN in the user namespace
 * owning the mailbox's IPC namespace (-EPERM otherwise).  Not a receive
 * flag (-EINVAL there).
 */
#define MBOX_MSG_ORIGIN		_BITUL(17)

/* Bits of &mbox_recv.flags only: selective receive. */
/* Only messages sent by process @from_pid. */
#define MBOX_RECV_FROM		_BITUL(8)
/* Only messages whose type tag equals @want_type. */
#define MBOX_RECV_TYPE		_BITUL(9)
/* Only messages whose type tag differs from @want_type. */
#define MBOX_RECV_TYPE_EXCEPT	_BITUL(10)
/*
 * Owner handle of a ZERO capacity MBOX_CREATE_PROXY mailbox only: take the
 * next offer but leave its sender waiting; @seq returns the hold token for
 * MBOX_IOC_COMPLETE (see "Bridge proxies").
 */
#define MBOX_RECV_HOLD		_BITUL(11)
#define MBOX_RECV_FLAGS		(MBOX_MSG_FLAGS | MBOX_RECV_FROM | \
				 MBOX_RECV_TYPE | MBOX_RECV_TYPE_EXCEPT | \
				 MBOX_RECV_HOLD)

/**
 * struct mbox_origin - a remote sender, as a bridge vouches for it
 * @host: an identifier of the remote host chosen by the bridge (mboxbridge
 *	uses a 64-bit FNV-1a hash of the remote host's name, which
 *	`mboxbridge --host-id NAME` prints; see mboxbridge(8)).
 * @pid: the remote sending process, in the remote host's pid namespace.
 * @uid: the remote sender's effective uid, in the remote host's user
 *	namespace; the kernel does not map it.
 *
 * Nothing here was checked by this kernel: it is what a holder of
 * CAP_NET_ADMIN attached with MBOX_MSG_ORIGIN (see "Vouched origins").
 */
struct mbox_origin {
	__u64 host;
	__s32 pid;
	__u32 uid;
};

/**
 * struct mbox_send - MBOX_IOC_SEND on any handle
 * @buf: in: pointer to the message bytes (may be 0 when @len is 0).
 * @len: in: message length; at most the mailbox's msg_size (longer:
 *	-EMSGSIZE), and exactly msg_size for a MBOX_CREATE_FIXED_SIZE mailbox
 *	(shorter: -EINVAL).
 * @flags: in: MBOX_MSG_* bits.
 * @timeout_ns: in: absolute CLOCK_MONOTONIC deadline in nanoseconds when
 *	MBOX_MSG_TIMEOUT is set, otherwise must be 0.
 * @priority: in: 0 to MBOX_PRIO_MAX; higher is received first.
 * @type: in: an opaque tag handed to the receiver.
 * @seq: out: the sequence number the message was accepted with.
 * @origin: in: with MBOX_MSG_ORIGIN, the remote sender this message comes
 *	from as the (privileged) caller vouches for it; any values.  Without
 *	MBOX_MSG_ORIGIN it must be zero (it is the former @reserved).
 * @reserved: the same 16 bytes, by their name before @origin.
 *
 * Returns 0 once the message is queued (BOUNDED, UNBOUNDED), or (ZERO)
 * received, or taken by a receiver and the sender stopped waiting for the
 * copy (see "Copies" under Waiting).
 *
 * Errors: -EPERM (a receiver handle opened without write permission),
 * -EBADF (a handle opened with MBOX_OPEN_READ only),
 * -ENOTCONN (a broadcast mailbox with no receiver handle, also while
 * waiting), -EPIPE (mailbox destroyed, also while waiting), -EMSGSIZE (@len
 * above msg_size), -EINVAL (unknown flags, length other than msg_size on a
 * fixed-size mailbox, priority above MBOX_PRIO_MAX, timeout_ns without
 * MBOX_MSG_TIMEOUT or above KTIME_MAX, non-zero @origin without
 * MBOX_MSG_ORIGIN), -EPERM (MBOX_MSG_ORIGIN without CAP_NET_ADMIN in the
 * user namespace owning the mailbox's IPC namespace), -EAGAIN (would
 * wait, non-blocking), -ETIMEDOUT, -EINTR (neither once a receiver has
 * taken a ZERO message: the send then returns 0), -ENOBUFS (the sending
 * handle's opener has user_bytes_max in flight, or an UNBOUNDED mailbox is
 * at its bytes_max; see Accounting), -EFAULT, -ENOMEM.
 */
struct mbox_send {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u64 timeout_ns;
	__u32 priority;
	__u32 type;
	__u64 seq;
	union {
		struct mbox_origin origin;
		__u64 reserved[2];	/* its name before origin */
	};
};

/**
 * struct mbox_recv - MBOX_IOC_RECV on an owner or receiver handle
 * @buf: in: pointer to the receive buffer.
 * @len: in: size of the receive buffer.
 * @flags: in: MBOX_MSG_* and MBOX_RECV_* bits; TYPE and TYPE_EXCEPT
 *	exclude each other.
 * @timeout_ns: in: as for &struct mbox_send.
 * @msg_len: out: length of the message received; also set when the call
 *	fails with -EMSGSIZE, to the length of the message that did not fit.
 * @priority: out: the message's priority.
 * @seq: out: the message's sequence number.
 * @sender_pid: out: the sending process (thread group id) as seen in the
 *	receiver's pid namespace, 0 if it is not visible there.  The process
 *	may have exited since: this is the pid it had.
 * @sender_uid: out: the sending task's effective uid - the one permission
 *	checks use, as SO_PEERCRED reports - in the receiver's user namespace
 *	(the overflow uid if unmapped).
 * @type: out: the sender's &mbox_send.type.
 * @from_pid: in: with MBOX_RECV_FROM, the sending process (pid in the
 *	receiver's pid namespace, positive); otherwise must be 0.
 * @want_type: in: with MBOX_RECV_TYPE or MBOX_RECV_TYPE_EXCEPT, the type tag
 *	to select on; otherwise must be 0.
 * @reserved1: in: must be zero.
 * @hold_ns: in: must be zero.  out: with MBOX_RECV_HOLD, the time the held
 *	sender still waits, in nanoseconds until its deadline as of the
 *	take (at least 1, even if the deadline is just past), or 0 if it
 *	waits without a deadline; 0 without MBOX_RECV_HOLD.  A bridge gives
 *	the remote side this much time (MBOX_FEAT_HOLD_DEADLINE; without
 *	that bit it is the reserved[0] of older modules, out always 0).
 *
 * Takes the next message (see Ordering) - with MBOX_RECV_* selection, the
 * next one that matches - and returns 0.  Selection is not supported on
 * broadcast mailboxes.
 *
 * With MBOX_RECV_HOLD, @seq is not a sequence number but the hold token of
 * the message taken, and the message's sender stays blocked until
 * MBOX_IOC_COMPLETE (or its own deadline or a signal); the message gets its
 * sequence number only when completed with status 0.  If the copy faults
 * (-EFAULT) the offer stays queued, neither held nor numbered.
 *
 * Errors: -EPERM (user handle), -EBADF (a handle opened with
 * MBOX_OPEN_WRITE only), -EMSGSIZE (@len smaller than the next
 * message: the message stays queued, @msg_len tells its length), -EPIPE (a
 * deleted OS-owned mailbox was destroyed), -EINVAL (flags, timeout_ns,
 * from_pid, want_type, reserved1, hold_ns; MBOX_RECV_HOLD on a mailbox that is not a
 * ZERO capacity proxy or on a receiver handle), -EAGAIN, -ETIMEDOUT, -EINTR,
 * -EFAULT (the message stays queued).
 */
struct mbox_recv {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u64 timeout_ns;
	__u32 msg_len;
	__u32 priority;
	__u64 seq;
	__s32 sender_pid;
	__u32 sender_uid;
	__u32 type;
	__s32 from_pid;
	__u32 want_type;
	__u32 reserved1;
	union {
		__u64 hold_ns;
		__u64 reserved[1];	/* its name before hold_ns */
	};
};

/* Most messages one batch call moves. */
#define MBOX_BATCH_MAX		1024

/**
 * struct mbox_msgvec - one message of a batch
 * @buf: in: pointer to the message bytes (send) or the receive buffer.
 * @len: in: message length (send) or buffer size (receive).
 * @msg_len: out (receive): the message length; for the first entry also
 *	set when the call fails with -EMSGSIZE.  Send: must be 0.
 * @priority: in (send) / out (receive).
 * @type: in (send) / out (receive).
 * @seq: out: the message's sequence number.
 * @sender_pid: out (receive), as in &struct mbox_recv.  Send: must be 0.
 * @sender_uid: out (receive), as in &struct mbox_recv.  Send: must be 0.
 * @reserved: in: must be zero; out: zero.
 */
struct mbox_msgvec {
	__u64 buf;
	__u32 len;
	__u32 msg_len;
	__u32 priority;
	__u32 type;
	__u64 seq;
	__s32 sender_pid;
	__u32 sender_uid;
	__u64 reserved;
};

/**
 * struct mbox_batch - MBOX_IOC_SEND_BATCH and MBOX_IOC_RECV_BATCH
 * @vec: in: pointer to an array of @count &struct mbox_msgvec.
 * @count: in: 1 to MBOX_BATCH_MAX.
 * @flags: in: MBOX_MSG_NONBLOCK, MBOX_MSG_TIMEOUT.
 * @timeout_ns: in: as for &struct mbox_send.
 * @done: out: how many messages moved, as also returned.
 * @reserved0: in: must be 0.
 * @reserved: in: must be zero.
 *
 * Like sendmmsg(2) and recvmmsg(2) with MSG_WAITFORONE: only the first
 * message may wait (as @flags say); the others move only if they can at
 * once - queued if there is room, received if already there, and on a ZERO
 * mailbox sent only while receivers are waiting.  The call returns how
 * many moved (at least 1, in @vec order, consecutive in the mailbox for a
 * send as far as other senders allow), or fails as the single call would
 * for the first message, with nothing moved.  A problem with a later
 * message ends the batch early and is not reported; the next call meets
 * it.  Every send entry is checked (sizes, reserved fields) before any is
 * sent: a bad one fails the whole call with nothing sent.
 *
 * Errors: those of MBOX_IOC_SEND or MBOX_IOC_RECV, and -EINVAL (count
 * above MBOX_BATCH_MAX or 0, non-zero reserved or send-side out fields).
 * Selective receive is not offered in batches.
 */
struct mbox_batch {
	__u64 vec;
	__u32 count;
	__u32 flags;
	__u64 timeout_ns;
	__u32 done;
	__u32 reserved0;
	__u64 reserved[2];
};

/* Values of &mbox_info.role */
#define MBOX_ROLE_OWNER		0
#define MBOX_ROLE_USER		1
#define MBOX_ROLE_RECEIVER	2

/* Values of &mbox_info.state */
#define MBOX_STATE_ALIVE	0
#define MBOX_STATE_DEAD		1

/**
 * struct mbox_info - MBOX_IOC_INFO on any handle
 * @id: out: the mailbox id.
 * @role: out: MBOX_ROLE_* of this handle.
 * @state: out: MBOX_STATE_*.
 * @flags: out: the MBOX_CREATE_* flags it was created with.
 * @capacity_mode: out: MBOX_CAPACITY_*.
 * @capacity: out: as created.
 * @msg_size: out: as created.
 * @mode: out: permission bits in effect.
 * @owner_uid: out: the creator's uid in the caller's user namespace.
 * @queued: out: messages queued now (for ZERO: senders offering one).
 * @waiting_senders: out: senders blocked for space or for a receiver.
 * @queued_bytes: out: payload bytes of the queued messages.
 * @sent: out: messages accepted so far (the last sequence number).
 * @received: out: messages received so far (it goes down again when a
 *	plain receive's copy fails: see "Copies" under Waiting).
 * @name: out: NUL-terminated name, empty for an anonymous mailbox.
 * @bytes_max: out: the mailbox's byte limit, reserved from its creator's
 *	user_bytes_max (see Accounting): BOUNDED capacity * charge(msg_size),
 *	UNBOUNDED as created (&mbox_create.bytes_max or its default), ZERO 0.
 * @bytes_charged: out: the charges of the messages queued now, the sum of
 *	charge(len) (ZERO offers stay charged to their senders: 0).
 * @reserved: out: zero.
 *
 * Errors: -EFAULT.
 */
struct mbox_info {
	__u64 id;
	__u32 role;
	__u32 state;
	__u32 flags;
	__u32 capacity_mode;
	__u32 capacity;
	__u32 msg_size;
	__u32 mode;
	__u32 owner_uid;
	__u32 queued;
	__u32 waiting_senders;
	__u64 queued_bytes;
	__u64 sent;
	__u64 received;
	char name[MBOX_NAME_MAX];
	__u64 bytes_max;
	__u64 bytes_charged;
	__u64 reserved[2];
};

/*
 * DOC: Shared ring
 *
 * A mailbox may be given one shared ring: memory the module allocates and
 * maps into the owner (the consumer) and into users (the producers), so
 * that while it is neither empty nor full a message crosses with no system
 * call on either side.  A system call is needed only to sleep
 * (MBOX_IOC_RING_WAIT) and to wake a side that asked for it
 * (MBOX_IOC_RING_WAKE).  This is the second ring layout
 * (MBOX_FEAT_RING_SEG); the first one (MBOX_FEAT_RING) is gone.
 *
 * Segments.  The ring is @nsegs single-producer segments.  A user handle
 * claims one with MBOX_IOC_RING_ATTACH and keeps it until the handle is
 * released (last close, all its mappings gone); only that handle can map
 * it for writing, and no user handle can map anything else of the ring.
 * So no producer can read or change another producer's slots or indices,
 * and a producer that stalls or dies, even half-way through a message,
 * holds up only its own segment: the consumer takes messages from the
 * other segments in the meantime.  Several threads may share one handle's
 * segment (reservation is a compare-and-swap), they trust each other.
 * The kernel records who attached each segment (thread-group id in the
 * owner's pid namespace, effective uid in the owner's user namespace) in
 * CTRL, so the consumer knows each message's sender.
 *
 * Set-up.  Only the owner decides whether the mailbox has a ring, with
 * MBOX_IOC_RING_SETUP; MBOX_IOC_RING_TEARDOWN removes it (and a later
 * MBOX_IOC_RING_SETUP makes a new, empty one) without touching the
 * mailbox or its MBOX_IOC_SEND queue.  A mailbox without an owner handle
 * (MBOX_CREATE_OS) cannot have one.
 *
 * Memory.  All pages of the ring are allocated at set-up, charged to the
 * owner's memory cgroup (memory.max applies: set-up fails with -ENOMEM)
 * and to the owner's user (user_bytes_max: -ENOBUFS).  Both charges are
 * given back when the ring is torn down or the mailbox destroyed, even
 * while other processes still hold handles or mappings: the kernel then
 * unmaps the ring's pages from every process at once, and nobody can pin
 * them (the mappings are VM_IO: get_user_pages(), O_DIRECT and vmsplice()
 * on them fail with EFAULT), so they are freed there and then.  The
 * mappings themselves stay valid address ranges: a later access faults in
 * a fresh zeroed page charged to the faulting process (its own mapping
 * size at most), whose flags word (see below) reads MBOX_RING_DEAD (the
 * mailbox was destroyed) or MBOX_RING_GONE (the ring was torn down), so
 * the library's fast paths fail with -EPIPE or -ECONNRESET instead of
 * crashing.  Munmap such mappings and, after a teardown, map again.
 *
 * The parts (mmap(2) at offset MBOX_RING_OFF_*, length exactly the part's
 * size as reported by MBOX_IOC_RING_INFO, MAP_SHARED, never PROT_EXEC):
 *
 *   part      contents                          owner        user
 *   CTRL      struct mbox_ring_ctrl             read-only    -
 *   CONS      struct mbox_ring_ready, then one  read-write   -
 *             struct mbox_ring_seg_cons page
 *             per segment
 *   DATA      every segment's data, @nsegs      read-only    -
 *             times @seg_data_size bytes
 *   SEG_CONS  the caller's own segment's        -            read-only
 *             mbox_ring_seg_cons page
 *   SEG_DATA  the caller's own segment's data:  -            read-write
 *             struct mbox_ring_seg_data, then
 *             @nslots slots of @slot_size bytes
 *             from @slots_offset
 *
 * CTRL is written by the kernel only; in each mbox_ring_seg_cons page
 * @head and @need_wake are the consumer's, @flags the kernel's.  Read-only
 * parts cannot be made writable (no VM_MAYWRITE: mprotect() fails with
 * EACCES); no part is inherited by fork() (VM_DONTCOPY), can grow, or is
 * dumped.  mmap() fails with ENODEV (no ring, or a user handle without a
 * segment), EINVAL (unknown offset, wrong length, MAP_PRIVATE, or a part
 * of the other side), EACCES (PROT_WRITE on a read-only part, PROT_EXEC),
 * EPIPE (the mailbox is destroyed), EBADMSG (the caller's segment was cut
 * off).  Pages are mapped on first touch.
 *
 * Indices (per segment).  @tail (in SEG_DATA) counts slots ever reserved,
 * @head (in the segment's mbox_ring_seg_cons) slots ever consumed; both
 * free-running __u32 that wrap; slot i is at index i & (@nslots - 1).
 * Always 0 <= tail - head <= nslots (mod 2^32).  Slot i's @seq is i + 1
 * once message i is committed and i + 1 - nslots before (a new segment
 * starts at head = tail = 0 with every slot that way), so the consumer at
 * head h sees either h + 1 (ready) or h + 1 - nslots (not yet).
 *
 * Producer (memory orders as C11; libmbox's mbox_ring.h implements this):
 *   1. t = load(tail, relaxed); h = load(head, acquire).  If
 *      (__s32)(t - h) < 0 reload; t - h == nslots: full; more: corrupt.
 *      h may be a value loaded (acquire) for an earlier message: head
 *      only grows, so an old value only understates the room; load head
 *      again only when the old value says full.
 *   2. compare_exchange(tail, t, t + 1, relaxed): on failure go to 1.
 *   3. Write the payload, @len, @type, @flags of slot t.
 *   4. store(seq, t + 1, release): the commit.
 *   5. atomic_thread_fence(seq_cst); if load(need_wake, relaxed) != 0 and
 *      t - load(head, relaxed) is 0 or at least nslots (message t - 1 was
 *      taken already), MBOX_IOC_RING_WAKE on its user handle: the kernel
 *      puts the segment in the ready set and wakes the consumer.  While
 *      message t - 1 is not taken no wake is needed: the consumer takes it
 *      first, and between storing its head past it and looking at slot t
 *      it fences (consumer step 4), so either it sees commit t or this
 *      load saw that head; the wake for t - 1 (or for a message before
 *      it) brings it there.  So only the first commit after the consumer
 *      went to sleep wakes it, not every commit until it runs.
 * Consumer (one at a time), per segment it looks at:
 *   1. s = load(seq of slot h, acquire).  s == h + 1: ready.
 *      s == h + 1 - nslots: empty.  Otherwise the producer is corrupt.
 *   2. Read @len, @type, @flags, payload (check @len <= slot_size - 16
 *      and @flags; copy before trusting).
 *   3. store(head, h + 1, release).
 *   4. atomic_thread_fence(seq_cst); if load(@prod_wait of the segment in
 *      CTRL, relaxed) != 0 and load(tail, relaxed) - h >= nslots (the
 *      segment was full before this release), MBOX_IOC_RING_WAKE on the
 *      owner handle.  When it had room already, a sleeping producer looked
 *      at a head before h, and the release that moved head past what it
 *      saw found it full and woke it.
 *
 * Ready set.  The consumer does not scan every segment for work.  It keeps
 * its own set of segments it believes busy and, for every other segment,
 * keeps @need_wake set (a new segment starts with it set): the first
 * commit into such a segment costs its producer one MBOX_IOC_RING_WAKE,
 * which sets the segment's bit in &mbox_ring_ready.ready (kernel-written
 * with an atomic OR; the consumer takes bits with an atomic exchange).  A
 * consumer that takes a message may clear @need_wake (libmbox does); a
 * busy segment found empty is dropped from the consumer's set only while
 * @need_wake is set and after a look that follows the store of it and a
 * fence.  While the consumer keeps a segment busy (say, it is polling)
 * that producer makes no system call at all; such a consumer must arm
 * (MBOX_IOC_RING_WAIT, non-blocking or not, or a poll of the owner handle)
 * before it waits for a wake-up, edge-triggered epoll included.  Before
 * the consumer sleeps (MBOX_IOC_RING_WAIT, or polling the
 * owner handle), the kernel sets @need_wake in every attached segment,
 * fences, and adds every segment with a committed slot at @head to the
 * ready set itself; the consumer's wait ends when the ready set is not
 * empty.  Store-fence-load on both sides means that either the sleeper
 * sees the message or the waker sees the flag.
 *
 * Producer sleep.  A producer whose segment is full sleeps in
 * MBOX_IOC_RING_WAIT on its user handle or polls it: the kernel then
 * raises the segment's @prod_wait in CTRL before its last look, and the
 * consumer's release path above wakes it.  A poll's request lasts until
 * that wake-up, a waiter's while it sleeps: an edge-triggered epoll
 * producer polls its handle (say, poll(2) with a zero timeout) once it
 * finds its segment full, before it waits.
 *
 * Polling.  The owner handle polls EPOLLIN when the ready set is not empty
 * (after the arming above), besides queued MBOX_IOC_SEND messages: one
 * epoll loop serves both.  A user handle polls EPOLLOUT | EPOLLWRNORM when
 * MBOX_IOC_SEND would not block (as before), and EPOLLOUT | EPOLLWRBAND
 * when its ring segment has a free slot: a producer that uses only the
 * ring registers EPOLLWRBAND, one that uses only MBOX_IOC_SEND EPOLLWRNORM,
 * and EPOLLOUT means "at least one of the two".  A segment that was cut
 * off, a torn-down ring and a destroyed mailbox poll EPOLLWRBAND too (the
 * next call reports why).
 *
 * Segment life (&mbox_ring_seg_info.state, in CTRL).  FREE -> ATTACHED at
 * MBOX_IOC_RING_ATTACH.  When the producer's handle is released the kernel
 * commits each of its reserved but uncommitted slots as a
 * MBOX_RING_SLOT_SKIP record (counted in @discarded; the committed ones
 * after them are still delivered), puts the segment in the ready set and
 * marks it CLOSED; the consumer drains it and gives it back with
 * MBOX_IOC_RING_SEG (MBOX_RING_SEG_RELEASE).  Only then is it reused: the
 * kernel zeroes it, so a new producer never sees an old one's data.  CUT
 * (see below) segments are given back the same way; they become free when
 * both the consumer has given them back and the producer's handle is gone.
 *
 * Hostile producers.  The kernel reads a segment's @tail, @head and the
 * header of the slot at @head only, masks every index, never trusts a
 * value for more than one decision and never sleeps on, or with a lock
 * held across, shared memory.  When a producer's indices or the record at
 * @head are impossible (tail - head > nslots, a @seq that is neither value
 * above, @len above the payload room, unknown @flags) - seen by the kernel
 * in that producer's MBOX_IOC_RING_WAIT/WAKE, or reported by the consumer
 * with MBOX_RING_SEG_CHECK and confirmed by the kernel's own look - that
 * segment alone is CUT: MBOX_RING_CUT is set in its @flags, its
 * producer's waits and wakes fail with -EBADMSG, the consumer stops
 * taking from it, and the owner sees it in @corrupt and @corrupt_pid /
 * @corrupt_uid of MBOX_IOC_RING_INFO and in CTRL.  Everyone else goes on.
 * A consumer that writes nonsense into CONS harms only its own ring (it
 * may get its own producers cut off).
 *
 * Ordering with MBOX_IOC_SEND.  The ring and the ioctl queue are two
 * independent queues into the same owner: MBOX_IOC_RECV never returns ring
 * messages and nothing orders one path against the other.  Within a
 * segment, messages come out in reservation order.
 *
 * Lifetime of handles.  A ring mapping holds its handle open like a dup():
 * the mailbox is destroyed when the owner handle is closed and the owner's
 * ring mappings are unmapped; a producer's segment is closed when its
 * handle is closed and its ring mappings are unmapped.  Counters in
 * MBOX_IOC_RING_INFO belong to the mailbox and survive re-setup.
 */

/* mmap() offsets of the ring's parts. */
#define MBOX_RING_OFF_CTRL	0x00000000ULL
#define MBOX_RING_OFF_CONS	0x10000000ULL
#define MBOX_RING_OFF_DATA	0x20000000ULL
#define MBOX_RING_OFF_SEG_CONS	0x30000000ULL
#define MBOX_RING_OFF_SEG_DATA	0x40000000ULL

/* Limits of &mbox_ring_setup. */
#define MBOX_RING_SEGS_MAX	64
#define MBOX_RING_SLOTS_MAX	65536
#define MBOX_RING_SLOT_SIZE_MIN	24
#define MBOX_RING_BYTES_MAX	(16 << 20)

/* Bits of &mbox_ring_ctrl.flags and &mbox_ring_seg_cons.flags */
/* The mailbox is destroyed: -EPIPE. */
#define MBOX_RING_DEAD		_BITUL(0)
/* seg_cons only: this segment was cut off as corrupt: -EBADMSG. */
#define MBOX_RING_CUT		_BITUL(1)
/* The ring was torn down: -ECONNRESET; unmap, and map the new ring. */
#define MBOX_RING_GONE		_BITUL(2)

/* Values of &mbox_ring_seg_info.state */
#define MBOX_RING_SEG_FREE	0
#define MBOX_RING_SEG_ATTACHED	1
#define MBOX_RING_SEG_CLOSED	2
#define MBOX_RING_SEG_CUT	3

/* Bits of &mbox_ring_slot.flags */
/* A cancelled or discarded reservation: the consumer skips the slot. */
#define MBOX_RING_SLOT_SKIP	_BITUL(0)
#define MBOX_RING_SLOT_FLAGS	(MBOX_RING_SLOT_SKIP)

/*
 * Layout alignment: each independently written index or flag starts its
 * own 64-byte cache line.
 */
#define MBOX_RING_CACHELINE	64

/**
 * struct mbox_ring_seg_info - one segment as the kernel sees it (in CTRL)
 * @state: MBOX_RING_SEG_*.
 * @gen: bumped each time the segment is given to a new producer (the
 *	consumer then starts again at @head = 0).
 * @pid: the producer's thread-group id in the owner's pid namespace (0 if
 *	not visible there).
 * @uid: the producer's effective uid in the owner's user namespace.
 * @prod_wait: non-zero while the producer sleeps or polls for room.
 * @reserved: zero.
 */
struct mbox_ring_seg_info {
	__u32 state;
	__u32 gen;
	__s32 pid;
	__u32 uid;
	__u32 prod_wait;
	__u32 reserved[3];
};

/**
 * struct mbox_ring_ctrl - the CTRL part (one page, kernel-written)
 * @nsegs: segments.
 * @nslots: slots per segment, a power of two.
 * @slot_size: bytes per slot, header included; a multiple of 8.
 * @flags: MBOX_RING_DEAD, MBOX_RING_GONE.
 * @slots_offset: byte offset of slot 0 in a segment's data.
 * @seg_data_size: bytes of one segment's data (a page multiple).
 * @reserved: zero.
 * @seg: the segments.
 */
struct mbox_ring_ctrl {
	__u32 nsegs;
	__u32 nslots;
	__u32 slot_size;
	__u32 flags;
	__u32 slots_offset;
	__u32 seg_data_size;
	__u8 reserved[MBOX_RING_CACHELINE - 24];
	struct mbox_ring_seg_info seg[MBOX_RING_SEGS_MAX];
};

/**
 * struct mbox_ring_ready - first page of CONS
 * @ready: bit i set: segment i has work or changed state (see "Ready
 *	set").  Set by the kernel; taken by the consumer.
 */
struct mbox_ring_ready {
	__u64 ready;
	__u8 pad[MBOX_RING_CACHELINE - 8];
};

/**
 * struct mbox_ring_seg_cons - a segment's consumer page (in CONS and as
 * SEG_CONS)
 * @head: slots consumed; written by the consumer (release).
 * @need_wake: non-zero asks the producer to MBOX_IOC_RING_WAKE after a
 *	commit; set by the consumer and by the kernel.
 * @flags: MBOX_RING_DEAD, MBOX_RING_CUT, MBOX_RING_GONE; kernel-written.
 */
struct mbox_ring_seg_cons {
	__u32 head;
	__u8 pad0[MBOX_RING_CACHELINE - 4];
	__u32 need_wake;
	__u8 pad1[MBOX_RING_CACHELINE - 4];
	__u32 flags;
	__u8 pad2[MBOX_RING_CACHELINE - 4];
};

/**
 * struct mbox_ring_seg_data - start of a segment's data (producer-written)
 * @tail: slots reserved.
 *
 * The slots follow at &mbox_ring_ctrl.slots_offset.
 */
struct mbox_ring_seg_data {
	__u32 tail;
	__u8 pad0[MBOX_RING_CACHELINE - 4];
};

/**
 * struct mbox_ring_slot - header of every slot; the payload follows
 * @seq: commit word, see "Indices".
 * @len: payload length, at most @slot_size - sizeof(struct mbox_ring_slot).
 * @type: an opaque tag for the consumer.
 * @flags: MBOX_RING_SLOT_* bits.
 */
struct mbox_ring_slot {
	__u32 seq;
	__u32 len;
	__u32 type;
	__u32 flags;
};

/**
 * struct mbox_ring_setup - MBOX_IOC_RING_SETUP on the owner handle
 * @nsegs: in: 1 to MBOX_RING_SEGS_MAX producer segments.
 * @nslots: in: slots per segment, a power of two, 1 to MBOX_RING_SLOTS_MAX.
 * @slot_size: in: a multiple of 8 from MBOX_RING_SLOT_SIZE_MIN; the payload
 *	room, @slot_size - sizeof(struct mbox_ring_slot), may not exceed the
 *	mailbox's msg_size.
 * @flags: in: must be 0.
 * @reserved: in: must be zero.
 *
 * Gives the mailbox a ring.  @nsegs * @nslots * @slot_size may not exceed
 * MBOX_RING_BYTES_MAX.
 *
 * Errors: -EPERM (not the owner handle), -EBUSY (a ring exists), -EINVAL
 * (sizes, flags, reserved), -ENOBUFS (user_bytes_max), -ENOMEM (also the
 * memory cgroup's limit), -EPIPE (mailbox destroyed), -EFAULT, -EINTR.
 */
struct mbox_ring_setup {
	__u32 nsegs;
	__u32 nslots;
	__u32 slot_size;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct mbox_ring_info - MBOX_IOC_RING_INFO on owner and user handles
 * @nsegs: out: as set up (0: no ring now).
 * @nslots: out: as set up.
 * @slot_size: out: as set up.
 * @slots_offset: out: as &mbox_ring_ctrl.slots_offset.
 * @seg_data_size: out: length of SEG_DATA.
 * @seg: out: user handle: its segment, or -1 (none attached to this ring);
 *	owner: -1.
 * @ctrl_size: out: length of CTRL (owner).
 * @cons_size: out: length of CONS (owner); SEG_CONS is one page.
 * @data_size: out: length of DATA (owner).
 * @attached: out: segments ATTACHED now (owner; user: 0).
 * @reserved0: out: zero.
 * @messages: out: messages the consumer has taken, all rings of this
 *	mailbox together (from the heads, as the consumer wrote them).
 * @slot_bytes: out: @messages times the payload room of their slots (the
 *	kernel never reads payloads, so it cannot count payload bytes).
 * @discarded: out: reserved slots that were never committed, discarded at
 *	their producer's close.
 * @corrupt: out: segments cut off as corrupt.
 * @corrupt_pid: out: the last cut-off producer, as &mbox_ring_seg_info.pid.
 * @corrupt_uid: out: its uid, as &mbox_ring_seg_info.uid.
 * @reserved: out: zero.
 *
 * The counters are reported to the owner only (zero on user handles).
 * Errors: -EFAULT; -EPERM (receiver handle).
 */
struct mbox_ring_info {
	__u32 nsegs;
	__u32 nslots;
	__u32 slot_size;
	__u32 slots_offset;
	__u32 seg_data_size;
	__s32 seg;
	__u64 ctrl_size;
	__u64 cons_size;
	__u64 data_size;
	__u32 attached;
	__u32 reserved0;
	__u64 messages;
	__u64 slot_bytes;
	__u64 discarded;
	__u64 corrupt;
	__s32 corrupt_pid;
	__u32 corrupt_uid;
	__u64 reserved[2];
};

/* Values of &mbox_ring_seg.op */
/* The consumer is done with a CLOSED or CUT segment. */
#define MBOX_RING_SEG_RELEASE	1
/* The consumer saw impossible indices or a bad record: kernel, look. */
#define MBOX_RING_SEG_CHECK	2

/**
 * struct mbox_ring_seg - MBOX_IOC_RING_SEG on the owner handle
 * @seg: in: segment index.
 * @op: in: MBOX_RING_SEG_*.
 * @reserved: in: must be zero.
 *
 * MBOX_RING_SEG_CHECK returns 1 if the kernel cut the segment off (or it
 * was cut already), 0 if it found nothing wrong.
 *
 * Errors: -EPERM (not the owner), -ENODEV (no ring), -EINVAL (@seg, @op,
 * reserved; RELEASE of a segment that is neither CLOSED nor CUT), -EFAULT.
 */
struct mbox_ring_seg {
	__u32 seg;
	__u32 op;
	__u64 reserved[1];
};

/**
 * struct mbox_ring_wait - MBOX_IOC_RING_WAIT on owner and user handles
 * @flags: in: MBOX_MSG_NONBLOCK and/or MBOX_MSG_TIMEOUT.
 * @reserved0: in: must be 0.
 * @timeout_ns: in: as for &struct mbox_send.
 * @reserved: in: must be zero.
 *
 * On the owner handle, arms every segment and waits until the ready set is
 * not empty; on a user handle, until its segment has a free slot.  Returns
 * 0 when that holds (retry the fast path).  With MBOX_MSG_NONBLOCK, or on
 * an O_NONBLOCK handle, it only checks: 0 or -EAGAIN.  Deadlines, signals
 * and restarts are as for MBOX_IOC_RECV.
 *
 * Errors: -ENODEV (no ring; user handle without a segment), -EPIPE
 * (mailbox destroyed), -ECONNRESET (the ring the segment belonged to was
 * torn down), -EBADMSG (user handle: segment cut off), -EINVAL (flags,
 * timeout_ns, reserved), -EAGAIN, -ETIMEDOUT, -EINTR, -EFAULT.
 */
struct mbox_ring_wait {
	__u32 flags;
	__u32 reserved0;
	__u64 timeout_ns;
	__u64 reserved[2];
};

/*
 * DOC: Bridge proxies
 *
 * mboxbridge(8) makes a mailbox of another host usable here: it creates a
 * local *proxy* of the same name, capacity and message size with
 * MBOX_CREATE_PROXY, receives what local senders send to it, and forwards
 * it over the network.  The flag marks the mailbox for everyone
 * (&mbox_info.flags, mboxctl): what a proxy's senders get is weaker than a
 * local mailbox's in the ways mboxbridge(8) documents.
 *
 * A ZERO capacity send must return only once the remote owner took the
 * message.  The bridge therefore receives from a ZERO proxy with
 * MBOX_RECV_HOLD: it gets the message (and its sender's pid and uid) but
 * the sender stays blocked, and the message is no longer offered to anyone.
 * When the remote side answers, the bridge ends the sender's wait with
 * MBOX_IOC_COMPLETE and the status the send returns: 0 (taken: the message
 * gets its sequence number now and counts as received), or -EPIPE,
 * -ETIMEDOUT, -EAGAIN, -ENOBUFS, -EHOSTUNREACH.  A held sender still obeys
 * its own deadline and signals: it then withdraws, returns -ETIMEDOUT or
 * -EINTR - never restarted under SA_RESTART, which would send it again -
 * and a later MBOX_IOC_COMPLETE for it fails with -ENOENT.  Such a sender
 * cannot know whether the remote owner took the message (the one place
 * where a proxy's ZERO send is "maybe delivered").  When the proxy's
 * owner handle closes - the bridge exits or crashes - every held sender
 * returns -EPIPE.
 *
 * The hold receive also tells the bridge how long the sender still waits
 * (&mbox_recv.hold_ns, MBOX_FEAT_HOLD_DEADLINE), so that the remote side
 * gives up when the sender would: its request to the remote owner carries
 * that time, not a fixed one.
 *
 * A non-blocking ZERO send to a proxy fails with -EAGAIN (nothing can take
 * it without waiting for the network): a hold receive is a selective
 * receive, to which MBOX_MSG_NONBLOCK sends are never handed.
 */

/**
 * struct mbox_complete - MBOX_IOC_COMPLETE on the owner handle of a proxy
 * @token: in: a hold token from MBOX_IOC_RECV with MBOX_RECV_HOLD.
 * @status: in: what the held send returns: 0, -EPIPE, -ETIMEDOUT, -EAGAIN,
 *	-ENOBUFS or -EHOSTUNREACH.
 * @flags: in: must be 0.
 * @seq: out: with @status 0, the sequence number given to the message;
 *	otherwise 0.
 * @reserved: in: must be zero.
 *
 * Ends the wait of the sender whose message was taken with @token.
 *
 * Errors: -EPERM (not the owner handle), -EINVAL (not a ZERO proxy, other
 * status, flags, reserved), -ENOENT (no message is held with @token: its
 * sender gave up, or it was completed already), -EFAULT (the sender was
 * released anyway).
 */
struct mbox_complete {
	__u64 token;
	__s32 status;
	__u32 flags;
	__u64 seq;
	__u64 reserved[2];
};

/**
 * DOC: Vouched origins
 *
 * A message that crossed hosts through a bridge arrives from the bridge's
 * exporter: @sender_pid and @sender_uid of &struct mbox_recv are the
 * exporter's, as the kernel saw it send, and stay so.  The exporter can
 * add what it vouches for - the remote host, pid and uid (&struct
 * mbox_origin) - by sending with MBOX_MSG_ORIGIN, which only a holder of
 * CAP_NET_ADMIN in the user namespace owning the mailbox's IPC namespace
 * may do, the privilege that creates a bridge proxy (checked at each send,
 * against the sending task, so a handle passed to someone else does not
 * pass the privilege).  An unprivileged sender cannot attach an origin
 * (-EPERM) nor smuggle one into @reserved (-EINVAL): every origin a
 * receiver sees was attached by such a privileged sender.  That privilege
 * is relative to the mailbox's namespace: in a mailbox created inside a
 * user and IPC namespace of its own, that namespace's root - any user,
 * after unshare() - may vouch, and a handle to such a mailbox can be passed
 * to a process outside.  A receiver that trusts origins checks that the
 * mailbox is one it expects (its name or id in its own IPC namespace, or
 * a proxy its bridge made).
 *
 * Limits size a mailbox for @msg_size payloads (see Accounting): the 16
 * bytes of a vouched message come on top, so such a message can take a
 * mailbox's charge slightly past its reservation, or, for a full-size
 * message in an UNBOUNDED mailbox whose @bytes_max holds just one
 * message, be refused with -ENOBUFS.
 *
 * A receiver reads it with MBOX_IOC_RECV_ORIGIN, MBOX_IOC_RECV with a
 * longer structure: @origin_flags has MBOX_ORIGIN_VOUCHED when the
 * message carries an origin, and is 0 (with @origin all zero) for every
 * other message - an origin is never the kernel's own sender identity.
 * MBOX_IOC_RECV ignores origins; batch receive does not report them
 * (&struct mbox_msgvec has no room), nor does the shared ring, which
 * carries no vouched messages.  Batch send cannot attach one.
 *
 * Only a vouched message stores its origin: 16 bytes after its payload,
 * counted in its charge (see Accounting) like the payload.
 */

/* &mbox_recv_origin.origin_flags: the message carries a vouched origin. */
#define MBOX_ORIGIN_VOUCHED	_BITUL(0)

/**
 * struct mbox_recv_origin - MBOX_IOC_RECV_ORIGIN on an owner or receiver
 *	handle
 * @recv: in and out: exactly as for MBOX_IOC_RECV.
 * @origin: in: must be zero.  out: the vouched origin, all zero without
 *	MBOX_ORIGIN_VOUCHED.
 * @origin_flags: in: must be 0.  out: MBOX_ORIGIN_VOUCHED or 0.
 * @reserved0: in: must be 0.
 * @reserved: in: must be zero.
 *
 * MBOX_IOC_RECV that also reports the message's vouched origin (see
 * "Vouched origins", MBOX_FEAT_ORIGIN).
 *
 * Errors: those of MBOX_IOC_RECV; -EINVAL also for non-zero @origin,
 * @origin_flags, @reserved0 or @reserved.
 */
struct mbox_recv_origin {
	struct mbox_recv recv;
	struct mbox_origin origin;
	__u32 origin_flags;
	__u32 reserved0;
	__u64 reserved[2];
};

/* Values of &mbox_notice.reason */
/* The owner handle of a process-owned mailbox was closed. */
#define MBOX_NOTICE_OWNER_GONE	1
/* An OS-owned mailbox was deleted and its last receiver handle closed. */
#define MBOX_NOTICE_DELETED	2

/**
 * struct mbox_watch - MBOX_IOC_WATCH on a user or receiver handle
 * @flags: in: must be 0.
 * @reserved0: in: must be 0.
 * @reserved: in: must be zero.
 *
 * Arms the handle's death notice (see Death notices).
 *
 * Errors: -EALREADY (this handle was armed before), -EINVAL (owner handle,
 * flags, reserved), -EFAULT.
 */
struct mbox_watch {
	__u32 flags;
	__u32 reserved0;
	__u64 reserved[2];
};

/**
 * struct mbox_notice - MBOX_IOC_NOTICE on an armed handle
 * @id: out: the id of the mailbox that died.
 * @reason: out: MBOX_NOTICE_*.
 * @reserved0: out: zero.
 * @reserved: out: zero.
 *
 * Returns the notice once, without waiting: poll for EPOLLPRI to wait.
 *
 * Errors: -EAGAIN (armed, mailbox alive), -ENOENT (the notice was already
 * read), -EINVAL (the handle was never armed), -EFAULT.
 */
struct mbox_notice {
	__u64 id;
	__u32 reason;
	__u32 reserved0;
	__u64 reserved[2];
};

/* Values of &mbox_notify.kind */
/* Remove the calling process's registration, if it has one. */
#define MBOX_NOTIFY_REMOVE	0
/* Send signal @signo with si_code SI_MESGQ and si_value @value. */
#define MBOX_NOTIFY_SIGNAL	1
/* Register, but only to hold the registration (SIGEV_NONE). */
#define MBOX_NOTIFY_NONE	2
/* Return a notification descriptor in @fd (for SIGEV_THREAD). */
#define MBOX_NOTIFY_FD		3

/**
 * struct mbox_notify - MBOX_IOC_NOTIFY on a receiving handle
 * @kind: in: MBOX_NOTIFY_*.
 * @signo: in: MBOX_NOTIFY_SIGNAL: the signal, 0 to 64 (0 sends nothing);
 *	otherwise must be 0.
 * @value: in: MBOX_NOTIFY_SIGNAL: si_value (sival_int or sival_ptr);
 *	otherwise must be 0.
 * @fd: out: MBOX_NOTIFY_FD: the notification descriptor (close-on-exec);
 *	in: must be 0.
 * @fd_flags: in: MBOX_NOTIFY_FD: O_NONBLOCK or 0; otherwise must be 0.
 * @reserved: in: must be zero.
 *
 * mq_notify(3) for a mailbox.  A mailbox holds at most one registration,
 * owned by the process (thread group) that made it.  It fires once and is
 * then gone, when a send puts a message into the empty queue while no
 * receiver is waiting (a waiting receiver takes the message instead).  It
 * is also removed when the owning process closes any descriptor of the
 * mailbox (as mq_notify's registration is), by MBOX_NOTIFY_REMOVE, and
 * when the mailbox is destroyed.  Firing MBOX_NOTIFY_SIGNAL sends the
 * signal to the owning process (to one of its threads that does not block
 * it, else its main thread), with si_pid and si_uid (its effective uid)
 * the sender's, as seen by the owner's namespaces, unless it has exec()ed
 * since registering.
 *
 * Only a handle that receives (owner or receiver handle) may register or
 * remove one; on a MBOX_CREATE_PERSIST mailbox any handle may, as
 * mq_notify(3) takes any descriptor of the queue.  A send-only handle of
 * any other mailbox fails as a receive on it does: -EBADF if it was opened
 * with MBOX_OPEN_WRITE, else -EPERM.
 *
 * The queue counts as empty when every message in it is being copied out
 * to a receiver already.  A waiting receiver suppresses the notification
 * even when it will not take the message (a selective receive for another
 * type, or a buffer too small for it): the message then stays queued and
 * no notification fires for it.
 *
 * The notification descriptor of MBOX_NOTIFY_FD polls EPOLLIN once the
 * registration fired, EPOLLHUP if it was removed without firing; read(2)
 * of 8 bytes returns 1 (fired) or 2 (removed), or fails -EAGAIN while
 * pending (it waits unless O_NONBLOCK).
 *
 * Only BOUNDED and UNBOUNDED mailboxes that are not BROADCAST have
 * notifications.
 *
 * Errors: -EBADF or -EPERM (a send-only handle, see above), -EBUSY
 * (registered already, by anyone - also MBOX_NOTIFY_REMOVE
 * from another process succeeds and changes nothing), -EINVAL (kind,
 * signo, value, fd, fd_flags, reserved, or a mailbox without
 * notifications), -EPIPE (the mailbox is destroyed), -EFAULT, -ENOMEM,
 * -EMFILE, -ENFILE.
 */
struct mbox_notify {
	__u32 kind;
	__u32 signo;
	__u64 value;
	__s32 fd;
	__u32 fd_flags;
	__u64 reserved[2];
};

/* Read from a notification descriptor. */
#define MBOX_NOTIFY_FIRED	1
#define MBOX_NOTIFY_REMOVED	2

#define MBOX_IOC_VERSION	_IOR(MBOX_IOC_MAGIC, 0x00, struct mbox_version)
#define MBOX_IOC_CREATE		_IOWR(MBOX_IOC_MAGIC, 0x01, struct mbox_create)
#define MBOX_IOC_OPEN		_IOWR(MBOX_IOC_MAGIC, 0x02, struct mbox_open)
#define MBOX_IOC_DELETE		_IOW(MBOX_IOC_MAGIC, 0x03, struct mbox_delete)
#define MBOX_IOC_SEND		_IOWR(MBOX_IOC_MAGIC, 0x10, struct mbox_send)
#define MBOX_IOC_RECV		_IOWR(MBOX_IOC_MAGIC, 0x11, struct mbox_recv)
#define MBOX_IOC_INFO		_IOR(MBOX_IOC_MAGIC, 0x12, struct mbox_info)
#define MBOX_IOC_SEND_BATCH	_IOWR(MBOX_IOC_MAGIC, 0x13, struct mbox_batch)
#define MBOX_IOC_RECV_BATCH	_IOWR(MBOX_IOC_MAGIC, 0x14, struct mbox_batch)
#define MBOX_IOC_COMPLETE	_IOWR(MBOX_IOC_MAGIC, 0x15, struct mbox_complete)
#define MBOX_IOC_RECV_ORIGIN	_IOWR(MBOX_IOC_MAGIC, 0x16, struct mbox_recv_origin)
#define MBOX_IOC_RING_SETUP	_IOW(MBOX_IOC_MAGIC, 0x20, struct mbox_ring_setup)
#define MBOX_IOC_RING_WAIT	_IOW(MBOX_IOC_MAGIC, 0x21, struct mbox_ring_wait)
/*
 * MBOX_IOC_RING_WAKE - wake the other side; the argument must be 0.  On a
 * user handle: puts its segment in the ready set and wakes the consumer
 * (in MBOX_IOC_RING_WAIT or polling).  On the owner handle: wakes the
 * producers (waiting or polling) of segments that have room.  Sleepers
 * re-check, so a wake that is not needed costs only the call.
 * Errors: -ENODEV (no ring; user handle without a segment), -EPIPE
 * (mailbox destroyed), -ECONNRESET, -EBADMSG (user handle, as for
 * MBOX_IOC_RING_WAIT), -EINVAL (non-zero argument).
 */
#define MBOX_IOC_RING_WAKE	_IO(MBOX_IOC_MAGIC, 0x22)
#define MBOX_IOC_RING_INFO	_IOR(MBOX_IOC_MAGIC, 0x23, struct mbox_ring_info)
/*
 * MBOX_IOC_RING_TEARDOWN - on the owner handle, argument 0: removes the
 * ring (see "Memory"); every sleeper on it returns -ECONNRESET.
 * Errors: -EPERM (not the owner), -ENODEV (no ring), -EINVAL (argument).
 */
#define MBOX_IOC_RING_TEARDOWN	_IO(MBOX_IOC_MAGIC, 0x24)
/*
 * MBOX_IOC_RING_ATTACH - on a user handle, argument 0: claims a free
 * segment for this handle (once per ring; again returns the same one).
 * Returns the segment index.
 * Errors: -EPERM (not a user handle), -ENODEV (no ring), -ENOSPC (no free
 * segment), -EPIPE (mailbox destroyed), -EBADMSG (this handle's segment was
 * cut off), -EINVAL (argument).
 */
#define MBOX_IOC_RING_ATTACH	_IO(MBOX_IOC_MAGIC, 0x25)
#define MBOX_IOC_RING_SEG	_IOW(MBOX_IOC_MAGIC, 0x26, struct mbox_ring_seg)
#define MBOX_IOC_WATCH		_IOW(MBOX_IOC_MAGIC, 0x30, struct mbox_watch)
#define MBOX_IOC_NOTICE		_IOR(MBOX_IOC_MAGIC, 0x31, struct mbox_notice)
#define MBOX_IOC_NOTIFY		_IOWR(MBOX_IOC_MAGIC, 0x32, struct mbox_notify)

#endif /* _UAPI_LINUX_MBOX_H */
