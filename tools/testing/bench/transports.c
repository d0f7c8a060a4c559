// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's IPC mechanisms, and mbox through its ioctls, as one-way
 * channels (see bench.h, DOC: Channels).  Each is used the way a careful
 * application would: blocking calls, no extra copies, queue lengths set to
 * the same depth where the mechanism lets us choose one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include <mbox/mbox.h>

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int chan_open(struct chan *c, const struct transport *t,
	      const struct chan_cfg *cfg)
{
	memset(c, 0, sizeof(*c));
	c->t = t;
	c->cfg = *cfg;
	c->fd[0] = c->fd[1] = -1;
	c->qid = -1;
	c->mq = (mqd_t)-1;
	return t->open(c);
}

/* Queues that both sides share as they are (POSIX mq, SysV). */
static int shared_attach(struct chan *c, enum side side)
{
	(void)c;
	(void)side;
	return 0;
}

/* ---------------------------------------------------------------- pipe */

static int pipe_open(struct chan *c)
{
	return pipe2(c->fd, O_CLOEXEC) ? -errno : 0;
}

/* fd[0] reads, fd[1] writes; each side drops the other end. */
static int fdpair_attach(struct chan *c, enum side side)
{
	close_fd(&c->fd[side == SIDE_TX ? 0 : 1]);
	return 0;
}

static void fdpair_detach(struct chan *c, enum side side)
{
	close_fd(&c->fd[side == SIDE_TX ? 1 : 0]);
}

static void fdpair_close(struct chan *c)
{
	close_fd(&c->fd[0]);
	close_fd(&c->fd[1]);
}

/* Writes of at most PIPE_BUF bytes are atomic: a message is never split. */
static int pipe_send(struct chan *c, const void *buf, size_t len)
{
	ssize_t n = write(c->fd[1], buf, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static long pipe_recv(struct chan *c, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	/* Every message has the channel's size: read exactly one. */
	len = c->cfg.msg_size;
	while (got < len) {
		n = read(c->fd[0], (char *)buf + got, len - got);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return (long)got;
}

const struct transport tr_pipe = {
	.name = "pipe",
	.label = "pipe",
	.flags = T_ANCHOR,
	.open = pipe_open,
	.attach = fdpair_attach,
	.send = pipe_send,
	.recv = pipe_recv,
	.detach = fdpair_detach,
	.close = fdpair_close,
};

/* ---------------------------------------------------- AF_UNIX seqpacket */

static int unix_open(struct chan *c)
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->fd) ?
		-errno : 0;
}

static int unix_send(struct chan *c, const void *buf, size_t len)
{
	ssize_t n = send(c->fd[1], buf, len, MSG_NOSIGNAL);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static long unix_recv(struct chan *c, void *buf, size_t len)
{
	ssize_t n = recv(c->fd[0], buf, len, 0);

	if (n < 0)
		return -errno;
	return n ? (long)n : -EPIPE;
}

const struct transport tr_unix = {
	.name = "unix",
	.label = "AF_UNIX seqpacket",
	.flags = T_ANCHOR,
	.open = unix_open,
	.attach = fdpair_attach,
	.send = unix_send,
	.recv = unix_recv,
	.detach = fdpair_detach,
	.close = fdpair_close,
};

/* ------------------------------------------------------------ POSIX mq */

static int posix_mq_open(struct chan *c)
{
	static unsigned int serial;
	struct mq_attr attr = {
		.mq_maxmsg = c->cfg.depth,
		.mq_msgsize = (long)c->cfg.msg_size,
	};
	char name[64];

	snprintf(name, sizeof(name), "/mbox-bench.%d.%u", (int)getpid(),
		 serial++);
	c->mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600,
			&attr);
	if (c->mq == (mqd_t)-1)
		return -errno;
	/* Anonymous from now on: nothing is left behind if we crash. */
	mq_unlink(name);
	return 0;
}

static int posix_mq_send(struct chan *c, const void *buf, size_t len)
{
	return mq_send(c->mq, buf, len, 0) ? -errno : 0;
}

static long posix_mq_recv(struct chan *c, void *buf, size_t len)
{
	ssize_t n = mq_receive(c->mq, buf, len, NULL);

	return n < 0 ? -errno : (long)n;
}

static void posix_mq_detach(struct chan *c, enum side side)
{
	(void)side;
	if (c->mq != (mqd_t)-1)
		mq_close(c->mq);
	c->mq = (mqd_t)-1;
}

static void posix_mq_close(struct chan *c)
{
	posix_mq_detach(c, SIDE_TX);
}

const struct transport tr_posix_mq = {
	.name = "posix-mq",
	.label = "POSIX mq",
	.flags = T_ANCHOR,
	.open = posix_mq_open,
	.attach = shared_attach,
	.send = posix_mq_send,
	.recv = posix_mq_recv,
	.detach = posix_mq_detach,
	.close = posix_mq_close,
};

/* ------------------------------------------------------------ SysV msg */

static int sysv_open(struct chan *c)
{
	struct msqid_ds ds;

	c->qid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (c->qid < 0)
		return -errno;
	/* The same depth as the others (root may exceed msgmnb). */
	if (msgctl(c->qid, IPC_STAT, &ds) == 0) {
		ds.msg_qbytes = c->cfg.depth * c->cfg.msg_size;
		if (msgctl(c->qid, IPC_SET, &ds))
			fprintf(stderr, "mbox-bench: SysV msg_qbytes %zu: %s\n",
				(size_t)ds.msg_qbytes, strerror(errno));
	}
	return 0;
}

/* The mtype goes into the buffer's headroom (bench.h): no copy. */
static int sysv_send(struct chan *c, const void *buf, size_t len)
{
	long *mtype = (long *)(void *)((char *)buf - sizeof(long));

	*mtype = 1;
	return msgsnd(c->qid, mtype, len, 0) ? -errno : 0;
}

static long sysv_recv(struct chan *c, void *buf, size_t len)
{
	long *mtype = (long *)(void *)((char *)buf - sizeof(long));
	ssize_t n = msgrcv(c->qid, mtype, len, 0, 0);

	return n < 0 ? -errno : (long)n;
}

static void sysv_detach(struct chan *c, enum side side)
{
	(void)c;
	(void)side;
}

static void sysv_close(struct chan *c)
{
	if (c->qid >= 0)
		msgctl(c->qid, IPC_RMID, NULL);
	c->qid = -1;
}

const struct transport tr_sysv = {
	.name = "sysv",
	.label = "SysV msg",
	.flags = T_ANCHOR,
	.open = sysv_open,
	.attach = shared_attach,
	.send = sysv_send,
	.recv = sysv_recv,
	.detach = sysv_detach,
	.close = sysv_close,
};

/* ---------------------------------------------------------- mbox ioctls */

static int mbox_open_mode(struct chan *c, struct mbox_attr attr)
{
	int fd = mbox_create(&attr, NULL, &c->id);

	if (fd < 0)
		return fd;
	c->fd[0] = fd;
	return 0;
}

static int mbox_zero_open(struct chan *c)
{
	return mbox_open_mode(c, MBOX_ATTR_ZERO((uint32_t)c->cfg.msg_size));
}

static int mbox_bounded_open(struct chan *c)
{
	return mbox_open_mode(c, MBOX_ATTR_BOUNDED(c->cfg.depth,
						   (uint32_t)c->cfg.msg_size));
}

static int mbox_unbounded_open(struct chan *c)
{
	return mbox_open_mode(c,
			      MBOX_ATTR_UNBOUNDED((uint32_t)c->cfg.msg_size));
}

/*
 * The receiver keeps the owner handle (fd[0]); a sender opens a user
 * handle of its own by id, as a separate process would, and lets go of its
 * inherited copy of the owner handle.
 */
static int mbox_attach(struct chan *c, enum side side)
{
	int fd;

	if (side == SIDE_RX)
		return 0;
	fd = mbox_open_id(c->id, O_CLOEXEC);
	if (fd < 0)
		return fd;
	c->fd[1] = fd;
	close_fd(&c->fd[0]);
	return 0;
}

static void mbox_detach(struct chan *c, enum side side)
{
	close_fd(&c->fd[side == SIDE_TX ? 1 : 0]);
	free(c->priv);
	c->priv = NULL;
}

/*
 * An unbounded mailbox queues until its byte limit (module parameter
 * unbounded_bytes_default) is reached: then the sender has to let the
 * receiver catch up.
 */
static bool mbox_retry(struct chan *c, int err)
{
	if (err != -ENOBUFS || g_abort)
		return false;
	c->retries++;
	sched_yield();
	return true;
}

static int mbox_send_one(struct chan *c, const void *buf, size_t len)
{
	int err;

	do
		err = mbox_send(c->fd[1], buf, len, 0);
	while (err && mbox_retry(c, err));
	return err;
}

static long mbox_recv_one(struct chan *c, void *buf, size_t len)
{
	return mbox_recv(c->fd[0], buf, len, NULL);
}

/* The batch vector lives as long as the side: set up on first use. */
static struct mbox_msgvec *mbox_vec(struct chan *c)
{
	if (!c->priv)
		c->priv = calloc(c->cfg.batch, sizeof(struct mbox_msgvec));
	return c->priv;
}

static int mbox_send_vec(struct chan *c, void *const *bufs, size_t len,
			 unsigned int n)
{
	struct mbox_msgvec *vec = mbox_vec(c);
	unsigned int i;
	int ret;

	if (!vec)
		return -ENOMEM;
	/* The kernel writes only seq back: the other fields stay zero. */
	for (i = 0; i < n; i++) {
		vec[i].buf = (uintptr_t)bufs[i];
		vec[i].len = (uint32_t)len;
	}
	do
		ret = mbox_send_batch(c->fd[1], vec, n, 0, NULL);
	while (ret < 0 && mbox_retry(c, ret));
	return ret;
}

static int mbox_recv_vec(struct chan *c, void *const *bufs, size_t len,
			 unsigned int n, size_t *lens)
{
	struct mbox_msgvec *vec = mbox_vec(c);
	unsigned int i;
	int ret;

	if (!vec)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		vec[i].buf = (uintptr_t)bufs[i];
		vec[i].len = (uint32_t)len;
	}
	ret = mbox_recv_batch(c->fd[0], vec, n, 0, NULL);
	for (i = 0; ret > 0 && i < (unsigned int)ret; i++)
		lens[i] = vec[i].msg_len;
	return ret;
}

#define MBOX_IOCTL_TRANSPORT(name_, label_, flags_, open_)	\
	{							\
		.name = (name_),				\
		.label = (label_),				\
		.flags = T_MBOX | (flags_),			\
		.open = (open_),				\
		.attach = mbox_attach,				\
		.send = mbox_send_one,				\
		.recv = mbox_recv_one,				\
		.detach = mbox_detach,				\
		.close = fdpair_close,				\
	}

const struct transport tr_mbox_zero =
	MBOX_IOCTL_TRANSPORT("mbox-zero", "mbox ioctl, zero", 0,
			     mbox_zero_open);
const struct transport tr_mbox_bounded =
	MBOX_IOCTL_TRANSPORT("mbox-bounded", "mbox ioctl, bounded", 0,
			     mbox_bounded_open);
const struct transport tr_mbox_unbounded =
	MBOX_IOCTL_TRANSPORT("mbox-unbounded", "mbox ioctl, unbounded", 0,
			     mbox_unbounded_open);

const struct transport tr_mbox_batch_bounded = {
	.name = "mbox-batch-bounded",
	.label = "mbox batch, bounded",
	.flags = T_MBOX | T_STREAM_ONLY,
	.open = mbox_bounded_open,
	.attach = mbox_attach,
	.send = mbox_send_one,
	.recv = mbox_recv_one,
	.send_vec = mbox_send_vec,
	.recv_vec = mbox_recv_vec,
	.detach = mbox_detach,
	.close = fdpair_close,
};

const struct transport tr_mbox_batch_unbounded = {
	.name = "mbox-batch-unbounded",
	.label = "mbox batch, unbounded",
	.flags = T_MBOX | T_STREAM_ONLY,
	.open = mbox_unbounded_open,
	.attach = mbox_attach,
	.send = mbox_send_one,
	.recv = mbox_recv_one,
	.send_vec = mbox_send_vec,
	.recv_vec = mbox_recv_vec,
	.detach = mbox_detach,
	.close = fdpair_close,
};
