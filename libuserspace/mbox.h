/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmbox - a thin C library over the mbox mailbox IPC ioctls.
 *
 * The kernel ABI and its semantics are described in <mbox/linux/mbox.h>; this
 * library adds no policy of its own.  It only fills in the ioctl structures,
 * converts deadlines and normalises errors.
 *
 * Error convention (every function): on success a non-negative value is
 * returned (0, a file descriptor, or a message length); on failure the
 * negated errno value is returned (e.g. -EAGAIN).  errno itself is never
 * modified by the library, so a caller can keep errno-based code around it
 * undisturbed.
 *
 * Handles are plain file descriptors: close them with close(2) or
 * mbox_close(), poll them, pass them with SCM_RIGHTS, dup() them.
 *
 * Thread safety: every function may be called from any thread.  The library
 * keeps one close-on-exec descriptor of /dev/mbox, opened lazily by the first
 * call that needs it and then kept for the life of the process; do not close
 * that descriptor behind the library's back (see mbox_device_fd()).
 */
#ifndef LIBMBOX_MBOX_H
#define LIBMBOX_MBOX_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/*
 * Installed as <mbox/mbox.h> next to <mbox/linux/mbox.h>, never in
 * /usr/include/linux (linux-libc-dev's): the quoted form finds the ABI
 * header beside this one first, and in the source tree through -I uapi.
 */
#include "linux/mbox.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this library (not of the kernel ABI, see mbox_version()). */
#define LIBMBOX_VERSION_MAJOR	1
#define LIBMBOX_VERSION_MINOR	0
#define LIBMBOX_VERSION_PATCH	0

/**
 * struct mbox_attr - attributes of a new mailbox, see mbox_create()
 * @capacity_mode: MBOX_CAPACITY_ZERO, _BOUNDED or _UNBOUNDED.
 * @capacity: queue length in messages for BOUNDED; 0 otherwise.
 * @msg_size: the largest message in bytes (the only size with
 *	MBOX_CREATE_FIXED_SIZE).
 * @flags: MBOX_CREATE_* bits.
 * @mode: permission bits for opening user handles (0 selects 0600).
 * @fd_flags: O_CLOEXEC and/or O_NONBLOCK for the owner handle.
 *
 * Start from one of the MBOX_ATTR_* initialisers below and adjust.  They
 * set @fd_flags to O_CLOEXEC: an owner handle that leaked into an exec'd
 * program would keep the mailbox alive after its owner died, and senders
 * would wait for a receiver that never comes.  Clear it (attr.fd_flags &=
 * ~O_CLOEXEC) only to hand the handle to a program on purpose.
 */
struct mbox_attr {
	uint32_t capacity_mode;
	uint32_t capacity;
	uint32_t msg_size;
	uint32_t flags;
	uint32_t mode;
	int fd_flags;
};

/*
 * O_CLOEXEC for the initialisers even in a strict ISO C build, where
 * <fcntl.h> does not define it (it is POSIX.1-2008): Linux's value on each
 * architecture.  libmbox.c checks it against <fcntl.h>'s.
 */
#if defined(__alpha__) || defined(__hppa__)
#define LIBMBOX_LINUX_O_CLOEXEC	010000000
#elif defined(__sparc__)
#define LIBMBOX_LINUX_O_CLOEXEC	0x400000
#else
#define LIBMBOX_LINUX_O_CLOEXEC	02000000
#endif
#ifdef O_CLOEXEC
#define MBOX_FD_CLOEXEC	O_CLOEXEC
#else
#define MBOX_FD_CLOEXEC	LIBMBOX_LINUX_O_CLOEXEC
#endif

/*
 * Initialisers for the three capacities (C compound literals; every member
 * is given, in declaration order, so they also build as C++20 designated
 * initialisers with g++'s compound-literal extension).
 */
/* Rendezvous mailbox: a send completes only when a receiver takes it. */
#define MBOX_ATTR_ZERO(msg_size_)					\
	((struct mbox_attr){ .capacity_mode = MBOX_CAPACITY_ZERO,	\
			     .capacity = 0, .msg_size = (msg_size_),	\
			     .flags = 0, .mode = 0,			\
			     .fd_flags = MBOX_FD_CLOEXEC })
/* Queue of at most @cap_ messages; senders wait while it is full. */
#define MBOX_ATTR_BOUNDED(cap_, msg_size_)				\
	((struct mbox_attr){ .capacity_mode = MBOX_CAPACITY_BOUNDED,	\
			     .capacity = (cap_), .msg_size = (msg_size_), \
			     .flags = 0, .mode = 0,			\
			     .fd_flags = MBOX_FD_CLOEXEC })
/* Queue limited in bytes only (default limit: unbounded_bytes_default). */
#define MBOX_ATTR_UNBOUNDED(msg_size_)					\
	((struct mbox_attr){ .capacity_mode = MBOX_CAPACITY_UNBOUNDED,	\
			     .capacity = 0, .msg_size = (msg_size_),	\
			     .flags = 0, .mode = 0,			\
			     .fd_flags = MBOX_FD_CLOEXEC })

/**
 * struct mbox_msginfo - what a receive reports besides the payload
 * @seq: the message's per-mailbox sequence number (acceptance order).
 * @len: the message length; after -EMSGSIZE, the length of the message
 *	that did not fit (it is still queued).
 * @priority: the message's priority.
 * @type: the sender's opaque type tag.
 * @sender_pid: the sending process in the receiver's pid namespace, or 0.
 * @sender_uid: the sender's effective uid in the receiver's user namespace.
 */
struct mbox_msginfo {
	uint64_t seq;
	uint32_t len;
	uint32_t priority;
	uint32_t type;
	int32_t sender_pid;
	uint32_t sender_uid;
};

/**
 * mbox_device_fd() - the library's descriptor of /dev/mbox
 *
 * Opens /dev/mbox (O_RDWR | O_CLOEXEC) on first use; concurrent first calls
 * race safely and exactly one descriptor is kept.  A failed open is not
 * remembered: the next call tries again (e.g. after the module is loaded).
 *
 * Return: the descriptor (owned by the library; do not close it), or
 * -errno from open(2) (typically -ENOENT when the module is not loaded).
 */
int mbox_device_fd(void);

/**
 * mbox_version() - query the running module (MBOX_IOC_VERSION)
 * @v: filled with the ABI version, feature bits and current limits.
 *
 * Return: 0, or -errno (-ENOENT if /dev/mbox is missing, -EFAULT, ...).
 */
int mbox_version(struct mbox_version *v);

/**
 * mbox_create() - create a mailbox (MBOX_IOC_CREATE)
 * @attr: the mailbox's attributes; must not be NULL.
 * @name: NUL-terminated name ([A-Za-z0-9._-], 1 to MBOX_NAME_MAX - 1
 *	characters, not starting with '-'), or NULL for an anonymous mailbox.
 * @id: if not NULL, receives the new mailbox's id.
 *
 * Return: the owner handle (a new file descriptor), or -errno:
 * -EINVAL, -ENAMETOOLONG, -EEXIST, -ENOSPC, -EFAULT, -ENOMEM, -EMFILE, ...
 */
int mbox_create(const struct mbox_attr *attr, const char *name, uint64_t *id);

/**
 * mbox_open_id() - open a user (send-only) handle by id (MBOX_IOC_OPEN)
 * @id: the mailbox id (never 0).
 * @fd_flags: O_CLOEXEC and/or O_NONBLOCK for the new handle.
 *
 * Return: the user handle, or -errno: -ENOENT, -EACCES, -EINVAL, ...
 */
int mbox_open_id(uint64_t id, int fd_flags);

/**
 * mbox_open_name() - open a user (send-only) handle by name (MBOX_IOC_OPEN)
 * @name: the mailbox name; must not be NULL.
 * @fd_flags: O_CLOEXEC and/or O_NONBLOCK for the new handle.
 * @id: if not NULL, receives the id of the mailbox that was opened.
 *
 * Return: the user handle, or -errno: -ENOENT, -EACCES, -EINVAL,
 * -ENAMETOOLONG, ...
 */
int mbox_open_name(const char *name, int fd_flags, uint64_t *id);

/**
 * mbox_sendx() - general send (MBOX_IOC_SEND)
 * @fd: an owner or user handle.
 * @s: the request, passed to the kernel as is; on success @s->seq holds the
 *	sequence number the message was accepted with.
 *
 * Return: 0, or -errno: -EPIPE, -EMSGSIZE, -EINVAL, -EAGAIN, -ETIMEDOUT,
 * -EINTR, -ENOBUFS, -EPERM (a receiver handle without write permission),
 * -ENOTCONN (a broadcast mailbox with no receiver), -EFAULT, -ENOMEM.
 */
int mbox_sendx(int fd, struct mbox_send *s);

/**
 * mbox_send() - send a message, waiting as long as needed
 * @fd: an owner or user handle.
 * @buf: the message bytes (may be NULL when @len is 0).
 * @len: the message length.
 * @prio: 0 (default, lowest) to MBOX_PRIO_MAX.
 *
 * Waits for space (BOUNDED) or for a receiver (ZERO) unless the handle has
 * O_NONBLOCK.  The message's type tag is 0 (use mbox_sendx() to set one).
 *
 * Return: 0 once the message is queued or taken, or -errno as mbox_sendx().
 */
int mbox_send(int fd, const void *buf, size_t len, unsigned int prio);

/**
 * mbox_send_nb() - send a message without waiting (MBOX_MSG_NONBLOCK)
 *
 * As mbox_send(), but fails with -EAGAIN where it would have to wait.
 */
int mbox_send_nb(int fd, const void *buf, size_t len, unsigned int prio);

/**
 * mbox_send_timed() - send a message, waiting until a deadline at most
 * @abs_monotonic: absolute CLOCK_MONOTONIC deadline (see mbox_deadline_in());
 *	a deadline in the past still succeeds when no wait is needed.
 *	Deadlines beyond the kernel's range are clamped to "no deadline".
 *
 * As mbox_send(), but fails with -ETIMEDOUT once the deadline has passed;
 * -EINVAL for a NULL or malformed @abs_monotonic.
 */
int mbox_send_timed(int fd, const void *buf, size_t len, unsigned int prio,
		    const struct timespec *abs_monotonic);

/**
 * mbox_recvx() - general receive (MBOX_IOC_RECV)
 * @fd: an owner handle, or a receiver handle of an OS-owned mailbox.
 * @r: the request, passed to the kernel as is; on success the out fields
 *	describe the message; on -EMSGSIZE @r->msg_len is its length.
 *
 * Return: 0, or -errno: -EPERM (user handle), -EMSGSIZE, -EPIPE, -EINVAL,
 * -EAGAIN, -ETIMEDOUT, -EINTR, -EFAULT.
 */
int mbox_recvx(int fd, struct mbox_recv *r);

/**
 * mbox_recvx_origin() - general receive with the vouched origin
 *	(MBOX_IOC_RECV_ORIGIN, MBOX_FEAT_ORIGIN)
 * @fd: as for mbox_recvx().
 * @r: the request, passed to the kernel as is: @r->recv as for
 *	mbox_recvx(), the rest zero; on success @r->origin_flags has
 *	MBOX_ORIGIN_VOUCHED if a bridge vouched for the remote sender in
 *	@r->origin (see mbox(4), "Vouched origins").
 *
 * Return: as mbox_recvx(); -EINVAL also for non-zero origin fields in, and
 * -ENOTTY from a module without MBOX_FEAT_ORIGIN.
 */
int mbox_recvx_origin(int fd, struct mbox_recv_origin *r);

/**
 * mbox_recv() - receive the next message, waiting as long as needed
 * @fd: an owner handle, or a receiver handle of an OS-owned mailbox.
 * @buf: where the payload goes.
 * @len: size of @buf (larger values are clamped to UINT32_MAX).
 * @info: if not NULL, receives the message's metadata; after -EMSGSIZE only
 *	@info->len is set (the size needed).
 *
 * Return: the message length (>= 0), or -errno as mbox_recvx().
 */
ssize_t mbox_recv(int fd, void *buf, size_t len, struct mbox_msginfo *info);

/**
 * mbox_recv_nb() - receive without waiting (MBOX_MSG_NONBLOCK)
 *
 * As mbox_recv(), but fails with -EAGAIN when no message is ready.
 */
ssize_t mbox_recv_nb(int fd, void *buf, size_t len, struct mbox_msginfo *info);

/**
 * mbox_recv_timed() - receive, waiting until a deadline at most
 * @abs_monotonic: absolute CLOCK_MONOTONIC deadline, as for
 *	mbox_send_timed().
 *
 * As mbox_recv(), but fails with -ETIMEDOUT once the deadline has passed.
 */
ssize_t mbox_recv_timed(int fd, void *buf, size_t len,
			struct mbox_msginfo *info,
			const struct timespec *abs_monotonic);

/**
 * mbox_info() - describe the mailbox behind a handle (MBOX_IOC_INFO)
 * @fd: an owner or user handle.
 * @info: filled in by the kernel.
 *
 * Return: 0, or -errno (-EFAULT, -ENOTTY for a descriptor that is not an
 * mbox handle, -EBADF).
 */
int mbox_info(int fd, struct mbox_info *info);

/**
 * mbox_close() - close a handle
 * @fd: an owner or user handle.
 *
 * Closing the last reference to an owner handle destroys the mailbox.
 * -EINTR from close(2) is reported as success: on Linux the descriptor is
 * released in that case as well.
 *
 * Return: 0, or -errno (-EBADF).
 */
int mbox_close(int fd);

/**
 * mbox_deadline_in() - compute an absolute deadline for the timed calls
 * @abs_monotonic: receives CLOCK_MONOTONIC now plus @rel_ns.
 * @rel_ns: nanoseconds from now.
 *
 * Return: 0, or -errno from clock_gettime(2).
 */
int mbox_deadline_in(struct timespec *abs_monotonic, uint64_t rel_ns);

/*
 * Naming (see the Naming, Ownership and Death notices sections of
 * <linux/mbox.h>).  A direct port is created with mbox_create() and
 * MBOX_CREATE_PORT in attr->flags; an OS-owned mailbox with MBOX_CREATE_OS
 * (returns a receiver handle).
 */

/**
 * mbox_open_pid() - open a user handle on process @pid's direct port
 * @pid: a process id in the caller's pid namespace.
 * @fd_flags: O_CLOEXEC and/or O_NONBLOCK.
 * @id: if not NULL, receives the port's mailbox id.
 *
 * Return: the handle, or -errno: -ESRCH (no such process), -ECONNREFUSED
 * (it has no port), -EACCES, -EINVAL (pid not positive).
 */
int mbox_open_pid(pid_t pid, int fd_flags, uint64_t *id);

/**
 * mbox_open_receiver() - open a receiver handle on an OS-owned mailbox
 * @id: the mailbox id, or 0 when @name is given.
 * @name: the mailbox name, or NULL to open by @id.
 * @fd_flags: O_CLOEXEC and/or O_NONBLOCK.
 *
 * Return: the handle, or -errno: -ENOENT, -EACCES (no read permission),
 * -EPERM (not OS-owned), -EINVAL.
 */
int mbox_open_receiver(uint64_t id, const char *name, int fd_flags);

/**
 * mbox_delete() - unlink an OS-owned mailbox (MBOX_IOC_DELETE)
 * @id: the mailbox id, or 0 when @name is given.
 * @name: the mailbox name, or NULL to delete by @id.
 *
 * Return: 0, or -errno: -ENOENT, -EPERM, -EINVAL.
 */
int mbox_delete(uint64_t id, const char *name);

/**
 * mbox_recv_select() - receive selectively (blocking unless @flags say not)
 * @flags: MBOX_RECV_FROM, MBOX_RECV_TYPE or MBOX_RECV_TYPE_EXCEPT, possibly
 *	with MBOX_MSG_NONBLOCK.
 * @from_pid: with MBOX_RECV_FROM, the sender to take messages from (the
 *	symmetric receive(Q) of direct communication); otherwise 0.
 * @want_type: with MBOX_RECV_TYPE or MBOX_RECV_TYPE_EXCEPT, the type tag.
 *
 * As mbox_recv(); messages not selected stay queued, in order.  A deadline
 * cannot be given here: MBOX_MSG_TIMEOUT in @flags fails with -EINVAL (use
 * mbox_recv_select_timed()).
 */
ssize_t mbox_recv_select(int fd, void *buf, size_t len, uint32_t flags,
			 pid_t from_pid, uint32_t want_type,
			 struct mbox_msginfo *info);

/**
 * mbox_recv_select_timed() - receive selectively, waiting until a deadline
 * @flags: MBOX_RECV_FROM, MBOX_RECV_TYPE or MBOX_RECV_TYPE_EXCEPT;
 *	MBOX_MSG_NONBLOCK or MBOX_MSG_TIMEOUT here fail with -EINVAL.
 * @abs_monotonic: absolute CLOCK_MONOTONIC deadline, as for
 *	mbox_send_timed().
 *
 * As mbox_recv_select(), but fails with -ETIMEDOUT once the deadline has
 * passed with no selected message; messages not selected stay queued.
 */
ssize_t mbox_recv_select_timed(int fd, void *buf, size_t len, uint32_t flags,
			       pid_t from_pid, uint32_t want_type,
			       struct mbox_msginfo *info,
			       const struct timespec *abs_monotonic);

/**
 * mbox_watch() - arm the death notice of a user or receiver handle
 *
 * Return: 0, or -errno: -EALREADY (armed before), -EINVAL (owner handle).
 */
int mbox_watch(int fd);

/**
 * mbox_notice() - read the death notice of an armed handle, without waiting
 * @notice: filled in on success.
 *
 * Poll the handle for POLLPRI to wait for it.
 *
 * Return: 0, or -errno: -EAGAIN (mailbox alive), -ENOENT (already read),
 * -EINVAL (never armed).
 */
int mbox_notice(int fd, struct mbox_notice *notice);

/**
 * mbox_send_batch() - send up to MBOX_BATCH_MAX messages in one call
 * @vec: the messages: buf, len, priority and type set, every other field 0;
 *	each entry's seq is filled in when it is sent.
 * @count: entries in @vec.
 * @flags: 0 or MBOX_MSG_NONBLOCK.
 * @abs_monotonic: NULL, or a deadline for the first message.
 *
 * Only the first message may wait; the rest go only if they can at once.
 *
 * Return: how many were sent (at least 1), or -errno as mbox_send() for the
 * first message.
 */
int mbox_send_batch(int fd, struct mbox_msgvec *vec, unsigned int count,
		    uint32_t flags, const struct timespec *abs_monotonic);

/**
 * mbox_recv_batch() - receive up to MBOX_BATCH_MAX messages in one call
 * @vec: buf and len set for each entry, every other field 0; filled in for
 *	each message received.
 *
 * Waits (unless @flags say not) for the first message only, then takes what
 * is already there.
 *
 * Return: how many were received (at least 1), or -errno as mbox_recv();
 * after -EMSGSIZE, vec[0].msg_len holds the length of the message that did
 * not fit.
 */
int mbox_recv_batch(int fd, struct mbox_msgvec *vec, unsigned int count,
		    uint32_t flags, const struct timespec *abs_monotonic);

#ifdef __cplusplus
}
#endif

#endif /* LIBMBOX_MBOX_H */
