// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmbox-mq: POSIX message queues (mq_overview(7)) over mbox.
 *
 * A drop-in for glibc's mq_* functions, at link time or through
 * LD_PRELOAD.  A queue is a persistent mbox mailbox (MBOX_CREATE_PERSIST)
 * named "mq." plus the queue's name without its '/', with every byte
 * outside [A-Za-z0-9_-] written as '.' and two hex digits; an mqd_t is the
 * mailbox handle's file descriptor.  The kernel enforces the directions
 * (MBOX_OPEN_READ/WRITE), the limits it reserves at create, RLIMIT_MSGQUEUE
 * and notification (MBOX_IOC_NOTIFY); this file checks what mq_open(3)
 * and friends check before the kernel would, in the same order, so that
 * every call fails with the errno Linux gives.  See libmbox-mq(3).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mbox.h>

#define MQ_EXPORT __attribute__((visibility("default")))

/* Linux's HARD_MSGMAX and HARD_MSGSIZEMAX (ipc/mqueue.c). */
#define MQ_HARD_MSGMAX		65536
#define MQ_HARD_MSGSIZEMAX	(16 * 1024 * 1024)
#define MQ_NAME_PREFIX		"mq."

static int mq_devfd = -1;
static pthread_once_t mq_dev_once = PTHREAD_ONCE_INIT;

static void mq_dev_open(void)
{
	mq_devfd = open(MBOX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
}

/* /dev/mbox, opened once per process (and inherited over fork). */
static int mq_dev(void)
{
	int saved = errno;

	pthread_once(&mq_dev_once, mq_dev_open);
	if (mq_devfd < 0) {
		/* mq_open(2) on a kernel without mqueue support: ENOSYS. */
		errno = ENOSYS;
		return -1;
	}
	errno = saved;
	return mq_devfd;
}

/*
 * mq_msgsize per descriptor, so that mq_receive can fail EMSGSIZE before
 * touching the queue without a system call; 0 means unknown (then
 * MBOX_IOC_INFO asks).  Indexed by descriptor, filled by mq_open and on a
 * miss, cleared by mq_close; @id guards against a descriptor reused for
 * another queue behind our back (close(2) and dup2(2)).
 */
#define MQ_CACHE_SIZE	1024
struct mq_cache_entry {
	uint64_t id;
	uint32_t msgsize;
	uint32_t role;
};
static struct mq_cache_entry mq_cache[MQ_CACHE_SIZE];
static pthread_mutex_t mq_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void mq_cache_set(int fd, uint64_t id, uint32_t msgsize,
			 uint32_t role)
{
	if (fd < 0 || fd >= MQ_CACHE_SIZE)
		return;
	pthread_mutex_lock(&mq_cache_lock);
	mq_cache[fd].id = id;
	mq_cache[fd].msgsize = msgsize;
	mq_cache[fd].role = role;
	pthread_mutex_unlock(&mq_cache_lock);
}

static struct mq_cache_entry mq_cache_get(int fd)
{
	struct mq_cache_entry e = { 0, 0, 0 };

	if (fd < 0 || fd >= MQ_CACHE_SIZE)
		return e;
	pthread_mutex_lock(&mq_cache_lock);
	e = mq_cache[fd];
	pthread_mutex_unlock(&mq_cache_lock);
	return e;
}

/* A descriptor that is not an mbox handle fails our ioctls with ENOTTY. */
static int mq_fix_badf(void)
{
	if (errno == ENOTTY || errno == EINVAL)
		errno = EBADF;
	return -1;
}

/* MBOX_IOC_INFO of a handle; -1 with EBADF if it is no queue. */
static int mq_info(mqd_t mqd, struct mbox_info *info)
{
	memset(info, 0, sizeof(*info));
	if (ioctl(mqd, MBOX_IOC_INFO, info) < 0)
		return mq_fix_badf();
	if (!(info->flags & MBOX_CREATE_PERSIST)) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

/* mq_msgsize and the handle's role, cached; msgsize 0 on error. */
static struct mq_cache_entry mq_lookup(mqd_t mqd)
{
	struct mq_cache_entry e = mq_cache_get(mqd);
	struct mbox_info info;

	if (e.msgsize)
		return e;
	if (mq_info(mqd, &info) < 0)
		return e;
	mq_cache_set(mqd, info.id, info.msg_size, info.role);
	e.id = info.id;
	e.msgsize = info.msg_size;
	e.role = info.role;
	return e;
}

/* One number from /proc/sys/fs/mqueue/@what, or @fallback. */
static long mq_sysctl(const char *what, long fallback)
{
	char path[64];
	long v = fallback;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", what);
	f = fopen(path, "re");
	if (!f)
		return fallback;
	if (fscanf(f, "%ld", &v) != 1)
		v = fallback;
	fclose(f);
	return v;
}

/* umask(2) cannot be read without changing it: /proc has it. */
static mode_t mq_umask(void)
{
	unsigned int mask = 022;
	char line[128];
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return mask;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask: %o", &mask) == 1)
			break;
	fclose(f);
	return mask;
}

static int mq_capable(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (!caps)
		return 0;
	if (cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) < 0)
		v = CAP_CLEAR;
	cap_free(caps);
	return v == CAP_SET;
}

static int mq_name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/*
 * Checks a queue name as glibc and the kernel do and writes the mailbox
 * name; -1 with errno as mq_open(3) and mq_unlink(3) would set it.
 */
static int mq_name(const char *name, char out[MBOX_NAME_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t len, i, n;

	if (!name || name[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	name++;
	len = strlen(name);
	if (len > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* The mqueue filesystem's lookup refuses these. */
	if (!len || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		errno = EACCES;
		return -1;
	}
	n = strlen(MQ_NAME_PREFIX);
	memcpy(out, MQ_NAME_PREFIX, n);
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (mq_name_char_ok(c)) {
			if (n + 1 >= MBOX_NAME_MAX)
				goto too_long;
			out[n++] = c;
		} else {
			if (n + 3 >= MBOX_NAME_MAX)
				goto too_long;
			out[n++] = '.';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = 0;
	return 0;
too_long:
	errno = ENAMETOOLONG;
	return -1;
}

static int mq_open_existing(const char *mname, int acc, int nonblock)
{
	struct mbox_open op;
	struct mbox_info info;
	int fd, dev = mq_dev();

	if (dev < 0)
		return -1;
	memset(&op, 0, sizeof(op));
	op.name = (uintptr_t)mname;
	op.flags = (acc == O_WRONLY ? 0 : MBOX_OPEN_READ) |
		   (acc == O_RDONLY ? 0 : MBOX_OPEN_WRITE);
	op.fd_flags = O_CLOEXEC | nonblock;
	fd = ioctl(dev, MBOX_IOC_OPEN, &op);
	if (fd < 0) {
		/* A process-owned mailbox of that name is no queue. */
		if (errno == EPERM)
			errno = ENOENT;
		return -1;
	}
	/* Nor is an OS-owned one that is not persistent. */
	if (mq_info(fd, &info) < 0) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	mq_cache_set(fd, info.id, info.msg_size, info.role);
	return fd;
}

static int mq_create(const char *mname, int acc, int nonblock, mode_t mode,
		     const struct mq_attr *attr)
{
	long maxmsg, msgsize;
	struct mbox_create cr;
	int fd, dev;

	if (attr) {
		if (attr->mq_maxmsg <= 0 || attr->mq_msgsize <= 0) {
			errno = EINVAL;
			return -1;
		}
		if (mq_capable(CAP_SYS_RESOURCE)) {
			if (attr->mq_maxmsg > MQ_HARD_MSGMAX ||
			    attr->mq_msgsize > MQ_HARD_MSGSIZEMAX) {
				errno = EINVAL;
				return -1;
			}
		} else if (attr->mq_maxmsg > mq_sysctl("msg_max", 10) ||
			   attr->mq_msgsize > mq_sysctl("msgsize_max", 8192)) {
			errno = EINVAL;
			return -1;
		}
		maxmsg = attr->mq_maxmsg;
		msgsize = attr->mq_msgsize;
	} else {
		long def = mq_sysctl("msg_default", 10);
		long max = mq_sysctl("msg_max", 10);

		maxmsg = def < max ? def : max;
		def = mq_sysctl("msgsize_default", 8192);
		max = mq_sysctl("msgsize_max", 8192);
		msgsize = def < max ? def : max;
	}

	dev = mq_dev();
	if (dev < 0)
		return -1;
	memset(&cr, 0, sizeof(cr));
	cr.flags = MBOX_CREATE_PERSIST;
	cr.capacity_mode = MBOX_CAPACITY_BOUNDED;
	cr.capacity = maxmsg;
	cr.msg_size = msgsize;
	cr.fd_flags = O_CLOEXEC | nonblock | acc;
	cr.mode = mode & ~mq_umask() & 0777;
	cr.name = (uintptr_t)mname;
	fd = ioctl(dev, MBOX_IOC_CREATE, &cr);
	if (fd < 0) {
		/* Quota for queued bytes: mq_open has only ENOMEM for it. */
		if (errno == ENOBUFS)
			errno = ENOMEM;
		return -1;
	}
	mq_cache_set(fd, cr.id, msgsize,
		     acc == O_WRONLY ? MBOX_ROLE_USER : MBOX_ROLE_RECEIVER);
	return fd;
}

MQ_EXPORT mqd_t mq_open(const char *name, int oflag, ...)
{
	char mname[MBOX_NAME_MAX];
	struct mq_attr *attr = NULL;
	int acc = oflag & O_ACCMODE;
	int nonblock = oflag & O_NONBLOCK;
	mode_t mode = 0;
	int fd, tries;

	if (oflag & O_CREAT) {
		va_list ap;

		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		attr = va_arg(ap, struct mq_attr *);
		va_end(ap);
	}
	if (mq_name(name, mname) < 0)
		return -1;
	if (acc == O_ACCMODE) {
		errno = EINVAL;
		return -1;
	}
	if (!(oflag & O_CREAT))
		return mq_open_existing(mname, acc, nonblock);

	/* Without O_EXCL: open what exists, create what does not - a race
	 * with a concurrent unlink or create only loops.
	 */
	for (tries = 0; tries < 100; tries++) {
		fd = mq_create(mname, acc, nonblock, mode, attr);
		if (fd >= 0 || errno != EEXIST || (oflag & O_EXCL))
			return fd;
		fd = mq_open_existing(mname, acc, nonblock);
		if (fd >= 0 || errno != ENOENT)
			return fd;
	}
	errno = EAGAIN;
	return -1;
}

/* glibc's entry for _FORTIFY_SOURCE callers without a constant oflag. */
MQ_EXPORT mqd_t __mq_open_2(const char *name, int oflag)
{
	if (oflag & O_CREAT) {
		fputs("*** invalid mq_open call: O_CREAT without mode and attr ***\n",
		      stderr);
		abort();
	}
	return mq_open(name, oflag);
}

MQ_EXPORT int mq_close(mqd_t mqd)
{
	struct mbox_info info;

	if (mq_info(mqd, &info) < 0)
		return -1;
	mq_cache_set(mqd, 0, 0, 0);
	return close(mqd);
}

MQ_EXPORT int mq_unlink(const char *name)
{
	char mname[MBOX_NAME_MAX];
	struct mbox_delete del;
	int dev;

	if (mq_name(name, mname) < 0)
		return -1;
	dev = mq_dev();
	if (dev < 0)
		return -1;
	memset(&del, 0, sizeof(del));
	del.name = (uintptr_t)mname;
	if (ioctl(dev, MBOX_IOC_DELETE, &del) < 0) {
		if (errno == EPERM)
			errno = EACCES;
		return -1;
	}
	return 0;
}

MQ_EXPORT int mq_getattr(mqd_t mqd, struct mq_attr *attr)
{
	struct mbox_info info;
	int fl;

	if (mq_info(mqd, &info) < 0)
		return -1;
	fl = fcntl(mqd, F_GETFL);
	if (fl < 0)
		return -1;
	memset(attr, 0, sizeof(*attr));
	attr->mq_flags = fl & O_NONBLOCK;
	attr->mq_maxmsg = info.capacity;
	attr->mq_msgsize = info.msg_size;
	attr->mq_curmsgs = info.queued;
	return 0;
}

MQ_EXPORT int mq_setattr(mqd_t mqd, const struct mq_attr *newattr,
			 struct mq_attr *oldattr)
{
	struct mq_attr old;
	int fl;

	if (newattr->mq_flags & ~(long)O_NONBLOCK) {
		errno = EINVAL;
		return -1;
	}
	if (mq_getattr(mqd, &old) < 0)
		return -1;
	fl = fcntl(mqd, F_GETFL);
	if (fl < 0)
		return -1;
	fl = (fl & ~O_NONBLOCK) | (newattr->mq_flags & O_NONBLOCK);
	if (fcntl(mqd, F_SETFL, fl) < 0)
		return -1;
	if (oldattr)
		*oldattr = old;
	return 0;
}

/* A CLOCK_REALTIME timespec as the kernel's deadline; -1/EINVAL if bad. */
static int mq_deadline(const struct timespec *ts, __u32 *flags, __u64 *ns)
{
	if (!ts)
		return 0;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L) {
		errno = EINVAL;
		return -1;
	}
	*flags |= MBOX_MSG_TIMEOUT | MBOX_MSG_REALTIME;
	if ((uint64_t)ts->tv_sec >= (uint64_t)INT64_MAX / 1000000000ULL)
		*ns = INT64_MAX;
	else
		*ns = (uint64_t)ts->tv_sec * 1000000000ULL + ts->tv_nsec;
	return 0;
}

static int mq_do_send(mqd_t mqd, const char *msg, size_t len,
		      unsigned int prio, const struct timespec *ts)
{
	struct mbox_send s;

	if (prio >= MQ_PRIO_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&s, 0, sizeof(s));
	if (mq_deadline(ts, &s.flags, &s.timeout_ns) < 0)
		return -1;
	if (len > UINT32_MAX) {
		/* Larger than any queue's mq_msgsize. */
		if (mq_lookup(mqd).msgsize == 0)
			return -1;
		errno = EMSGSIZE;
		return -1;
	}
	s.buf = (uintptr_t)msg;
	s.len = len;
	s.priority = prio;
	if (ioctl(mqd, MBOX_IOC_SEND, &s) < 0) {
		if (errno == ENOTTY || errno == EPERM)
			errno = EBADF;
		/* In-flight bytes past user_bytes_max: as mq_open maps it. */
		else if (errno == ENOBUFS)
			errno = ENOMEM;
		return -1;
	}
	return 0;
}

MQ_EXPORT int mq_timedsend(mqd_t mqd, const char *msg, size_t len,
			   unsigned int prio, const struct timespec *ts)
{
	return mq_do_send(mqd, msg, len, prio, ts);
}

MQ_EXPORT int mq_send(mqd_t mqd, const char *msg, size_t len,
		      unsigned int prio)
{
	return mq_do_send(mqd, msg, len, prio, NULL);
}

static ssize_t mq_do_receive(mqd_t mqd, char *msg, size_t len,
			     unsigned int *prio, const struct timespec *ts)
{
	struct mq_cache_entry e;
	struct mbox_recv r;

	memset(&r, 0, sizeof(r));
	if (mq_deadline(ts, &r.flags, &r.timeout_ns) < 0)
		return -1;
	e = mq_lookup(mqd);
	if (!e.msgsize)
		return -1;
	r.buf = (uintptr_t)msg;
	r.len = len > UINT32_MAX ? UINT32_MAX : len;
	/* Linux checks the direction, then the size, then the queue. */
	if (len < e.msgsize) {
		errno = e.role == MBOX_ROLE_USER ? EBADF : EMSGSIZE;
		return -1;
	}
	if (ioctl(mqd, MBOX_IOC_RECV, &r) < 0) {
		if (errno == ENOTTY || errno == EPERM)
			errno = EBADF;
		return -1;
	}
	if (prio)
		*prio = r.priority;
	return r.msg_len;
}

MQ_EXPORT ssize_t mq_timedreceive(mqd_t mqd, char *msg, size_t len,
				  unsigned int *prio,
				  const struct timespec *ts)
{
	return mq_do_receive(mqd, msg, len, prio, ts);
}

MQ_EXPORT ssize_t mq_receive(mqd_t mqd, char *msg, size_t len,
			     unsigned int *prio)
{
	return mq_do_receive(mqd, msg, len, prio, NULL);
}

/* SIGEV_THREAD: a thread per registration waits on its notification fd. */
struct mq_notify_thread {
	int nfd;
	void (*fn)(union sigval);
	union sigval value;
};

static void *mq_notify_main(void *arg)
{
	struct mq_notify_thread *t = arg;
	uint64_t state = 0;
	ssize_t n;

	do {
		n = read(t->nfd, &state, sizeof(state));
	} while (n < 0 && errno == EINTR);
	close(t->nfd);
	if (n == sizeof(state) && state == MBOX_NOTIFY_FIRED)
		t->fn(t->value);
	free(t);
	return NULL;
}

static int mq_notify_thread(mqd_t mqd, const struct sigevent *sev)
{
	struct mq_notify_thread *t;
	struct mbox_notify nt;
	int nfd;
	sigset_t all, old;
	pthread_t tid;
	int err, detach;

	memset(&nt, 0, sizeof(nt));
	nt.kind = MBOX_NOTIFY_FD;
	if (ioctl(mqd, MBOX_IOC_NOTIFY, &nt) < 0)
		return mq_fix_badf();

	nfd = nt.fd;
	t = malloc(sizeof(*t));
	if (!t) {
		err = ENOMEM;
		goto fail;
	}
	t->nfd = nfd;
	t->fn = sev->sigev_notify_function;
	t->value = sev->sigev_value;
	/* Like glibc's helper: no signal lands on the notification thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&tid, sev->sigev_notify_attributes,
			     mq_notify_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto fail;
	/* Nobody joins it, whatever the caller's attributes said. */
	if (!sev->sigev_notify_attributes ||
	    (!pthread_attr_getdetachstate(sev->sigev_notify_attributes,
					  &detach) &&
	     detach == PTHREAD_CREATE_JOINABLE))
		pthread_detach(tid);
	return 0;

fail:
	free(t);
	memset(&nt, 0, sizeof(nt));
	nt.kind = MBOX_NOTIFY_REMOVE;
	ioctl(mqd, MBOX_IOC_NOTIFY, &nt);
	close(nfd);
	errno = err == ENOMEM ? ENOMEM : EAGAIN;
	return -1;
}

MQ_EXPORT int mq_notify(mqd_t mqd, const struct sigevent *sev)
{
	struct mbox_notify nt;
	struct mbox_info info;

	if (mq_info(mqd, &info) < 0)
		return -1;
	memset(&nt, 0, sizeof(nt));
	if (!sev) {
		nt.kind = MBOX_NOTIFY_REMOVE;
	} else {
		switch (sev->sigev_notify) {
		case SIGEV_NONE:
			nt.kind = MBOX_NOTIFY_NONE;
			break;
		case SIGEV_SIGNAL:
			if (sev->sigev_signo < 0 || sev->sigev_signo > 64) {
				errno = EINVAL;
				return -1;
			}
			nt.kind = MBOX_NOTIFY_SIGNAL;
			nt.signo = sev->sigev_signo;
			nt.value = (uintptr_t)sev->sigev_value.sival_ptr;
			break;
		case SIGEV_THREAD:
			return mq_notify_thread(mqd, sev);
		default:
			errno = EINVAL;
			return -1;
		}
	}
	if (ioctl(mqd, MBOX_IOC_NOTIFY, &nt) < 0)
		return mq_fix_badf();
	return 0;
}
