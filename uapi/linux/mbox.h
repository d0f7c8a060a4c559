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
 * DOC: Ownership
 *
 * A process-owned mailbox has one owner handle; only it receives.
 * Ownership travels with that handle: a fork()ed child shares it, exec
 * keeps it unless it is close-on-exec, SCM_RIGHTS passes it to another
 * process, which may then receive.  The mailbox dies when the last
 * reference to the owner handle anywhere is closed.
 *
 * An OS-owned mailbox (MBOX_CREATE_OS) has no owner: creating one needs
 * CAP_SYS_ADMIN in the user namespace that owns the caller's IPC namespace,
 * and it lives, with its queued messages, until deleted (the module cannot
 * be unloaded meanwhile).  Any process the mode bits allow to read may open
 * a receiver handle (MBOX_OPEN_RECEIVE).
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
 *                         only after a receiver has copied the message out.
 *                         A send that fails (timeout, signal, -EPIPE) was
 *                         not delivered.
 * MBOX_CAPACITY_BOUNDED   at most @capacity messages are queued; a sender
 *                         waits while the queue is full.  Blocked senders
 *                         are admitted strictly in arrival order (FIFO): a
 *                         newcomer never overtakes a blocked sender.  A send
 *                         returns 0 once its message is queued.
 * MBOX_CAPACITY_UNBOUNDED a sender never waits for space.  Queued bytes are
 *                         still limited (see Accounting).
 *
 * DOC: Ordering
 *
 * The receiver always gets the queued message of highest priority; messages
 * of equal priority come out in the order they were accepted.  On a ZERO
 * mailbox the same rule picks among the senders currently offering a
 * message.  Every accepted message gets the next per-mailbox sequence number
 * (starting at 1), so @seq gives the acceptance order.
 *
 * DOC: Accounting
 *
 * Each queued message is charged, for its payload plus a fixed per-message
 * overhead, to the user (real uid) who opened the handle it was sent through
 * - a handle passed to another process keeps charging its opener - and to
 * the sending task's memory cgroup.  A send that would take the user past the module parameter
 * user_bytes_max fails with -ENOBUFS and nothing is queued.  The count of
 * mailboxes a user may own is capped by user_mailboxes_max (-ENOSPC).
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
 * consumed by the interrupted call.
 *
 * A non-blocking send to a ZERO mailbox succeeds only if a receiver is
 * already blocked in MBOX_IOC_RECV; it then waits just for that receiver to
 * copy the message, and returns -EAGAIN if the receiver leaves without it.
 *
 * DOC: ABI rules
 *
 * All structures have fixed sizes that are multiples of 8, use only __u*
 * and __s* members, and carry pointers as __u64.  Unknown flag bits and
 * non-zero reserved fields are rejected with -EINVAL, so that they can be
 * given a meaning later; a grown structure gets a new command number.
 * Structures are never partially written on error, except where a field is
 * documented as set on a given error.  Unknown commands fail with -ENOTTY.
 */
#ifndef _UAPI_LINUX_MBOX_H
#define _UAPI_LINUX_MBOX_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* The device node; misc device, dynamic minor. */
#define MBOX_DEVICE_PATH	"/dev/mbox"

/* Bumped on incompatible changes only; features are announced as bits. */
#define MBOX_ABI_VERSION	1

#define MBOX_IOC_MAGIC		0xB8

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
/* Direct ports: MBOX_CREATE_PORT, MBOX_OPEN_PID, selective receive. */
#define MBOX_FEAT_DIRECT	_BITULL(4)
/* OS-owned mailboxes: MBOX_CREATE_OS, MBOX_OPEN_RECEIVE, MBOX_IOC_DELETE. */
#define MBOX_FEAT_OS_OWNED	_BITULL(5)
/* MBOX_CREATE_BROADCAST. */
#define MBOX_FEAT_BROADCAST	_BITULL(6)
/* MBOX_IOC_WATCH and MBOX_IOC_NOTICE. */
#define MBOX_FEAT_DEATH_NOTICE	_BITULL(7)

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
#define MBOX_CREATE_FLAGS	(MBOX_CREATE_FIXED_SIZE | MBOX_CREATE_PORT | \
				 MBOX_CREATE_OS | MBOX_CREATE_BROADCAST)

/**
 * struct mbox_create - MBOX_IOC_CREATE on /dev/mbox
 * @flags: in: MBOX_CREATE_* bits.
 * @capacity_mode: in: MBOX_CAPACITY_*.
 * @capacity: in: for BOUNDED, the queue length in messages, 1 to
 *	&mbox_version.max_capacity; must be 0 for ZERO and UNBOUNDED.
 * @msg_size: in: the largest message in bytes, 1 to
 *	&mbox_version.max_msg_size; with MBOX_CREATE_FIXED_SIZE the only size.
 * @fd_flags: in: O_CLOEXEC and/or O_NONBLOCK for the returned handle.
 * @mode: in: permission bits (at most 0777) checked when a handle is
 *	opened, against the creator's euid and egid: a user handle needs write
 *	permission, a receiver handle read permission; CAP_IPC_OWNER overrides.
 *	0 selects 0600.
 * @name: in: pointer to a NUL-terminated name, or 0 for an anonymous
 *	mailbox that can only be opened by id.
 * @id: out: the new mailbox's id.
 * @reserved: in: must be zero.
 *
 * Returns the owner handle (a new file descriptor) on success; with
 * MBOX_CREATE_OS a receiver handle, which the caller may simply close.
 * Every create is exclusive: an existing name is never reused or opened.
 *
 * Errors: -EINVAL (unknown flag, bad capacity_mode, capacity, msg_size,
 * fd_flags or mode, non-zero reserved, bad character in name, a name with
 * MBOX_CREATE_PORT, PORT with OS, BROADCAST without OS or with ZERO
 * capacity), -ENAMETOOLONG (name of MBOX_NAME_MAX characters or more),
 * -EEXIST (name in use in this IPC namespace, or the process already has a
 * port), -EPERM (MBOX_CREATE_OS without CAP_SYS_ADMIN), -ENOSPC (caller's
 * user owns user_mailboxes_max mailboxes), -EFAULT, -ENOMEM, -EMFILE,
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
	__u64 reserved[4];
};

/* Bits of &mbox_open.flags */
/* Open a receiver handle on an OS-owned mailbox (needs read permission). */
#define MBOX_OPEN_RECEIVE	_BITUL(0)
/* @id is a process id: open that process's direct port. */
#define MBOX_OPEN_PID		_BITUL(1)
#define MBOX_OPEN_FLAGS		(MBOX_OPEN_RECEIVE | MBOX_OPEN_PID)

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
#define MBOX_MSG_FLAGS		(MBOX_MSG_NONBLOCK | MBOX_MSG_TIMEOUT)

/* Bits of &mbox_recv.flags only: selective receive. */
/* Only messages sent by process @from_pid. */
#define MBOX_RECV_FROM		_BITUL(8)
/* Only messages whose type tag equals @want_type. */
#define MBOX_RECV_TYPE		_BITUL(9)
/* Only messages whose type tag differs from @want_type. */
#define MBOX_RECV_TYPE_EXCEPT	_BITUL(10)
#define MBOX_RECV_FLAGS		(MBOX_MSG_FLAGS | MBOX_RECV_FROM | \
				 MBOX_RECV_TYPE | MBOX_RECV_TYPE_EXCEPT)

/**
 * struct mbox_send - MBOX_IOC_SEND on any handle
 * @buf: in: pointer to the message bytes (may be 0 when @len is 0).
 * @len: in: message length; at most the mailbox's msg_size, and exactly
 *	msg_size for a MBOX_CREATE_FIXED_SIZE mailbox.
 * @flags: in: MBOX_MSG_* bits.
 * @timeout_ns: in: absolute CLOCK_MONOTONIC deadline in nanoseconds when
 *	MBOX_MSG_TIMEOUT is set, otherwise must be 0.
 * @priority: in: 0 to MBOX_PRIO_MAX; higher is received first.
 * @type: in: an opaque tag handed to the receiver.
 * @seq: out: the sequence number the message was accepted with.
 * @reserved: in: must be zero.
 *
 * Returns 0 once the message is queued (BOUNDED, UNBOUNDED) or taken by a
 * receiver (ZERO).
 *
 * Errors: -EPIPE (mailbox destroyed, also while waiting), -EMSGSIZE (@len
 * above msg_size), -EINVAL (unknown flags, length other than msg_size on a
 * fixed-size mailbox, priority above MBOX_PRIO_MAX, timeout_ns without
 * MBOX_MSG_TIMEOUT or above KTIME_MAX, non-zero reserved), -EAGAIN (would
 * wait, non-blocking), -ETIMEDOUT, -EINTR, -ENOBUFS (user_bytes_max
 * reached), -EFAULT, -ENOMEM.
 */
struct mbox_send {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u64 timeout_ns;
	__u32 priority;
	__u32 type;
	__u64 seq;
	__u64 reserved[2];
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
 *	receiver's pid namespace, 0 if it is not visible there.
 * @sender_uid: out: the sender's uid in the receiver's user namespace
 *	(the overflow uid if unmapped).
 * @type: out: the sender's &mbox_send.type.
 * @from_pid: in: with MBOX_RECV_FROM, the sending process (pid in the
 *	receiver's pid namespace, positive); otherwise must be 0.
 * @want_type: in: with MBOX_RECV_TYPE or MBOX_RECV_TYPE_EXCEPT, the type tag
 *	to select on; otherwise must be 0.
 * @reserved1: in: must be zero.
 * @reserved: in: must be zero; out: zero.
 *
 * Takes the next message (see Ordering) - with MBOX_RECV_* selection, the
 * next one that matches - and returns 0.  Selection is not supported on
 * broadcast mailboxes.
 *
 * Errors: -EPERM (user handle), -EMSGSIZE (@len smaller than the next
 * message: the message stays queued, @msg_len tells its length), -EPIPE (a
 * deleted OS-owned mailbox was destroyed), -EINVAL (flags, timeout_ns,
 * from_pid, want_type, reserved), -EAGAIN, -ETIMEDOUT, -EINTR, -EFAULT (the
 * message stays queued).
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
	__u64 reserved[1];
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
 * @received: out: messages received so far.
 * @name: out: NUL-terminated name, empty for an anonymous mailbox.
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
	__u64 reserved[4];
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

#define MBOX_IOC_VERSION	_IOR(MBOX_IOC_MAGIC, 0x00, struct mbox_version)
#define MBOX_IOC_CREATE		_IOWR(MBOX_IOC_MAGIC, 0x01, struct mbox_create)
#define MBOX_IOC_OPEN		_IOWR(MBOX_IOC_MAGIC, 0x02, struct mbox_open)
#define MBOX_IOC_DELETE		_IOW(MBOX_IOC_MAGIC, 0x03, struct mbox_delete)
#define MBOX_IOC_SEND		_IOWR(MBOX_IOC_MAGIC, 0x10, struct mbox_send)
#define MBOX_IOC_RECV		_IOWR(MBOX_IOC_MAGIC, 0x11, struct mbox_recv)
#define MBOX_IOC_INFO		_IOR(MBOX_IOC_MAGIC, 0x12, struct mbox_info)
#define MBOX_IOC_SEND_BATCH	_IOWR(MBOX_IOC_MAGIC, 0x13, struct mbox_batch)
#define MBOX_IOC_RECV_BATCH	_IOWR(MBOX_IOC_MAGIC, 0x14, struct mbox_batch)
#define MBOX_IOC_WATCH		_IOW(MBOX_IOC_MAGIC, 0x30, struct mbox_watch)
#define MBOX_IOC_NOTICE		_IOR(MBOX_IOC_MAGIC, 0x31, struct mbox_notice)

#endif /* _UAPI_LINUX_MBOX_H */
