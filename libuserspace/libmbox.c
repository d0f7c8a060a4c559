// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmbox - a thin C library over the mbox mailbox IPC ioctls.
 * See mbox.h for the API and its error convention.
 */
#define _POSIX_C_SOURCE 200809L

#include "mbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

_Static_assert(LIBMBOX_LINUX_O_CLOEXEC == O_CLOEXEC,
	       "mbox.h's O_CLOEXEC for strict ISO C builds is wrong here");

#define NSEC_PER_SEC	1000000000ULL
/* The kernel rejects deadlines above KTIME_MAX; clamp to it instead. */
#define DEADLINE_MAX	((uint64_t)INT64_MAX)

/* The cached /dev/mbox descriptor, -1 until opened. */
static atomic_int dev_fd = -1;

/*
 * Every public function saves errno on entry and restores it on exit, so
 * that the only error channel is the return value.
 */
#define SAVE_ERRNO(type)	int saved_errno_ = errno; type ret_
#define RETURN(v)	do { ret_ = (v); errno = saved_errno_; return ret_; } while (0)

static int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static int device_fd(void)
{
	int fd = atomic_load_explicit(&dev_fd, memory_order_acquire);
	int expected = -1;
	int nfd;

	if (fd >= 0)
		return fd;
	nfd = open(MBOX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	if (atomic_compare_exchange_strong_explicit(&dev_fd, &expected, nfd,
						    memory_order_acq_rel,
						    memory_order_acquire))
		return nfd;
	/* Another thread won the race; keep its descriptor. */
	close(nfd);
	return expected;
}

int mbox_device_fd(void)
{
	SAVE_ERRNO(int);
	RETURN(device_fd());
}

static int timespec_to_ns(const struct timespec *ts, __u64 *ns)
{
	uint64_t sec;

	if (!ts || ts->tv_sec < 0 || ts->tv_nsec < 0 ||
	    (uint64_t)ts->tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	sec = (uint64_t)ts->tv_sec;
	if (sec > (DEADLINE_MAX - (uint64_t)ts->tv_nsec) / NSEC_PER_SEC)
		*ns = DEADLINE_MAX;
	else
		*ns = sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
	return 0;
}

int mbox_version(struct mbox_version *v)
{
	SAVE_ERRNO(int);
	int fd = device_fd();

	if (fd < 0)
		RETURN(fd);
	RETURN(do_ioctl(fd, MBOX_IOC_VERSION, v));
}

int mbox_create(const struct mbox_attr *attr, const char *name, uint64_t *id)
{
	SAVE_ERRNO(int);
	struct mbox_create c;
	int fd, ret;

	if (!attr)
		RETURN(-EINVAL);
	fd = device_fd();
	if (fd < 0)
		RETURN(fd);
	memset(&c, 0, sizeof(c));
	c.flags = attr->flags;
	c.capacity_mode = attr->capacity_mode;
	c.capacity = attr->capacity;
	c.msg_size = attr->msg_size;
	c.fd_flags = (uint32_t)attr->fd_flags;
	c.mode = attr->mode;
	c.name = (uintptr_t)name;
	ret = do_ioctl(fd, MBOX_IOC_CREATE, &c);
	if (ret >= 0 && id)
		*id = c.id;
	RETURN(ret);
}

static int open_common(uint64_t id, const char *name, int fd_flags,
		       uint64_t *out_id)
{
	struct mbox_open o;
	int fd, ret;

	fd = device_fd();
	if (fd < 0)
		return fd;
	memset(&o, 0, sizeof(o));
	o.id = id;
	o.name = (uintptr_t)name;
	o.fd_flags = (uint32_t)fd_flags;
	ret = do_ioctl(fd, MBOX_IOC_OPEN, &o);
	if (ret >= 0 && out_id)
		*out_id = o.id;
	return ret;
}

int mbox_open_id(uint64_t id, int fd_flags)
{
	SAVE_ERRNO(int);
	RETURN(open_common(id, NULL, fd_flags, NULL));
}

int mbox_open_name(const char *name, int fd_flags, uint64_t *id)
{
	SAVE_ERRNO(int);
	if (!name)
		RETURN(-EINVAL);
	RETURN(open_common(0, name, fd_flags, id));
}

int mbox_sendx(int fd, struct mbox_send *s)
{
	SAVE_ERRNO(int);
	RETURN(do_ioctl(fd, MBOX_IOC_SEND, s));
}

static int send_common(int fd, const void *buf, size_t len, unsigned int prio,
		       uint32_t flags, const struct timespec *abs)
{
	struct mbox_send s;
	int ret;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.len = (uint32_t)len;
	s.flags = flags;
	s.priority = prio;
	if (flags & MBOX_MSG_TIMEOUT) {
		ret = timespec_to_ns(abs, &s.timeout_ns);
		if (ret)
			return ret;
	}
	return do_ioctl(fd, MBOX_IOC_SEND, &s);
}

int mbox_send(int fd, const void *buf, size_t len, unsigned int prio)
{
	SAVE_ERRNO(int);
	RETURN(send_common(fd, buf, len, prio, 0, NULL));
}

int mbox_send_nb(int fd, const void *buf, size_t len, unsigned int prio)
{
	SAVE_ERRNO(int);
	RETURN(send_common(fd, buf, len, prio, MBOX_MSG_NONBLOCK, NULL));
}

int mbox_send_timed(int fd, const void *buf, size_t len, unsigned int prio,
		    const struct timespec *abs_monotonic)
{
	SAVE_ERRNO(int);
	RETURN(send_common(fd, buf, len, prio, MBOX_MSG_TIMEOUT,
			   abs_monotonic));
}

int mbox_recvx(int fd, struct mbox_recv *r)
{
	SAVE_ERRNO(int);
	RETURN(do_ioctl(fd, MBOX_IOC_RECV, r));
}

int mbox_recvx_origin(int fd, struct mbox_recv_origin *r)
{
	SAVE_ERRNO(int);
	RETURN(do_ioctl(fd, MBOX_IOC_RECV_ORIGIN, r));
}

static ssize_t recv_common(int fd, void *buf, size_t len,
			   struct mbox_msginfo *info, uint32_t flags,
			   const struct timespec *abs)
{
	struct mbox_recv r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	r.flags = flags;
	if (flags & MBOX_MSG_TIMEOUT) {
		ret = timespec_to_ns(abs, &r.timeout_ns);
		if (ret)
			return ret;
	}
	ret = do_ioctl(fd, MBOX_IOC_RECV, &r);
	if (ret == -EMSGSIZE && info)
		info->len = r.msg_len;
	if (ret < 0)
		return ret;
	if (info) {
		info->seq = r.seq;
		info->len = r.msg_len;
		info->priority = r.priority;
		info->type = r.type;
		info->sender_pid = r.sender_pid;
		info->sender_uid = r.sender_uid;
	}
	return (ssize_t)r.msg_len;
}

ssize_t mbox_recv(int fd, void *buf, size_t len, struct mbox_msginfo *info)
{
	SAVE_ERRNO(ssize_t);
	RETURN(recv_common(fd, buf, len, info, 0, NULL));
}

ssize_t mbox_recv_nb(int fd, void *buf, size_t len, struct mbox_msginfo *info)
{
	SAVE_ERRNO(ssize_t);
	RETURN(recv_common(fd, buf, len, info, MBOX_MSG_NONBLOCK, NULL));
}

ssize_t mbox_recv_timed(int fd, void *buf, size_t len,
			struct mbox_msginfo *info,
			const struct timespec *abs_monotonic)
{
	SAVE_ERRNO(ssize_t);
	RETURN(recv_common(fd, buf, len, info, MBOX_MSG_TIMEOUT,
			   abs_monotonic));
}

int mbox_info(int fd, struct mbox_info *info)
{
	SAVE_ERRNO(int);
	RETURN(do_ioctl(fd, MBOX_IOC_INFO, info));
}

int mbox_close(int fd)
{
	SAVE_ERRNO(int);
	if (close(fd) < 0 && errno != EINTR)
		RETURN(-errno);
	RETURN(0);
}

int mbox_deadline_in(struct timespec *abs_monotonic, uint64_t rel_ns)
{
	SAVE_ERRNO(int);
	struct timespec now;
	uint64_t nsec;

	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		RETURN(-errno);
	nsec = (uint64_t)now.tv_nsec + rel_ns % NSEC_PER_SEC;
	abs_monotonic->tv_sec = now.tv_sec + (time_t)(rel_ns / NSEC_PER_SEC) +
				(time_t)(nsec / NSEC_PER_SEC);
	abs_monotonic->tv_nsec = (long)(nsec % NSEC_PER_SEC);
	RETURN(0);
}

/* Naming: direct ports, OS-owned mailboxes, selective receive, notices. */

static int open_flags(uint64_t id, const char *name, uint32_t flags,
		      int fd_flags, uint64_t *out_id)
{
	struct mbox_open o;
	int fd, ret;

	fd = device_fd();
	if (fd < 0)
		return fd;
	memset(&o, 0, sizeof(o));
	o.id = id;
	o.name = (uintptr_t)name;
	o.flags = flags;
	o.fd_flags = (uint32_t)fd_flags;
	ret = do_ioctl(fd, MBOX_IOC_OPEN, &o);
	if (ret >= 0 && out_id)
		*out_id = o.id;
	return ret;
}

int mbox_open_pid(pid_t pid, int fd_flags, uint64_t *id)
{
	SAVE_ERRNO(int);
	if (pid <= 0)
		RETURN(-EINVAL);
	RETURN(open_flags((uint64_t)pid, NULL, MBOX_OPEN_PID, fd_flags, id));
}

int mbox_open_receiver(uint64_t id, const char *name, int fd_flags)
{
	SAVE_ERRNO(int);
	RETURN(open_flags(id, name, MBOX_OPEN_RECEIVE, fd_flags, NULL));
}

int mbox_delete(uint64_t id, const char *name)
{
	SAVE_ERRNO(int);
	struct mbox_delete d;
	int fd = device_fd();

	if (fd < 0)
		RETURN(fd);
	memset(&d, 0, sizeof(d));
	d.id = id;
	d.name = (uintptr_t)name;
	RETURN(do_ioctl(fd, MBOX_IOC_DELETE, &d));
}

static ssize_t select_common(int fd, void *buf, size_t len, uint32_t flags,
			     pid_t from_pid, uint32_t want_type,
			     struct mbox_msginfo *info,
			     const struct timespec *abs)
{
	struct mbox_recv r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	r.flags = flags;
	r.from_pid = from_pid;
	r.want_type = want_type;
	if (abs) {
		ret = timespec_to_ns(abs, &r.timeout_ns);
		if (ret)
			return ret;
	}
	ret = do_ioctl(fd, MBOX_IOC_RECV, &r);
	if (ret == -EMSGSIZE && info)
		info->len = r.msg_len;
	if (ret < 0)
		return ret;
	if (info) {
		info->seq = r.seq;
		info->len = r.msg_len;
		info->priority = r.priority;
		info->type = r.type;
		info->sender_pid = r.sender_pid;
		info->sender_uid = r.sender_uid;
	}
	return (ssize_t)r.msg_len;
}

ssize_t mbox_recv_select(int fd, void *buf, size_t len, uint32_t flags,
			 pid_t from_pid, uint32_t want_type,
			 struct mbox_msginfo *info)
{
	SAVE_ERRNO(ssize_t);

	/* No deadline parameter: a zero timeout_ns would be in the past. */
	if (flags & MBOX_MSG_TIMEOUT)
		RETURN(-EINVAL);
	RETURN(select_common(fd, buf, len, flags, from_pid, want_type, info,
			     NULL));
}

ssize_t mbox_recv_select_timed(int fd, void *buf, size_t len, uint32_t flags,
			       pid_t from_pid, uint32_t want_type,
			       struct mbox_msginfo *info,
			       const struct timespec *abs_monotonic)
{
	SAVE_ERRNO(ssize_t);

	/* A deadline and "do not wait" contradict each other. */
	if (flags & (MBOX_MSG_TIMEOUT | MBOX_MSG_NONBLOCK))
		RETURN(-EINVAL);
	RETURN(select_common(fd, buf, len, flags | MBOX_MSG_TIMEOUT, from_pid,
			     want_type, info, abs_monotonic));
}

int mbox_watch(int fd)
{
	SAVE_ERRNO(int);
	struct mbox_watch w;

	memset(&w, 0, sizeof(w));
	RETURN(do_ioctl(fd, MBOX_IOC_WATCH, &w));
}

int mbox_notice(int fd, struct mbox_notice *notice)
{
	SAVE_ERRNO(int);
	RETURN(do_ioctl(fd, MBOX_IOC_NOTICE, notice));
}

/* Batches: many messages per call, see struct mbox_batch. */

static int batch_common(int fd, unsigned long cmd, struct mbox_msgvec *vec,
			unsigned int count, uint32_t flags,
			const struct timespec *abs)
{
	struct mbox_batch b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.vec = (uintptr_t)vec;
	b.count = count;
	b.flags = flags;
	if (abs) {
		b.flags |= MBOX_MSG_TIMEOUT;
		ret = timespec_to_ns(abs, &b.timeout_ns);
		if (ret)
			return ret;
	}
	return do_ioctl(fd, cmd, &b);
}

int mbox_send_batch(int fd, struct mbox_msgvec *vec, unsigned int count,
		    uint32_t flags, const struct timespec *abs_monotonic)
{
	SAVE_ERRNO(int);
	RETURN(batch_common(fd, MBOX_IOC_SEND_BATCH, vec, count, flags,
			    abs_monotonic));
}

int mbox_recv_batch(int fd, struct mbox_msgvec *vec, unsigned int count,
		    uint32_t flags, const struct timespec *abs_monotonic)
{
	SAVE_ERRNO(int);
	RETURN(batch_common(fd, MBOX_IOC_RECV_BATCH, vec, count, flags,
			    abs_monotonic));
}
