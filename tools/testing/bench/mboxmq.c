// SPDX-License-Identifier: GPL-2.0
/*
 * libmbox-mq beside kernel POSIX mq: the same mq_* calls as the posix-mq
 * transport, resolved in libmbox-mq.so with dlopen(), since this binary
 * keeps glibc's mq_* for the kernel figures.  The library is
 * $MBOX_BENCH_LIBMQ, else ../mq/libmbox-mq.so.1 next to this binary (make
 * userspace builds it there); without it the transport fails to open and
 * its rows are reported as failed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static struct {
	mqd_t (*open)(const char *name, int oflag, ...);
	int (*close)(mqd_t mq);
	int (*unlink)(const char *name);
	int (*send)(mqd_t mq, const char *buf, size_t len, unsigned int prio);
	ssize_t (*receive)(mqd_t mq, char *buf, size_t len, unsigned int *prio);
} lib;

static int mbox_mq_load(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 32];
	const char *env = getenv("MBOX_BENCH_LIBMQ");
	void *h;
	ssize_t n;

	if (lib.open)
		return 0;
	if (env && *env) {
		snprintf(path, sizeof(path), "%s", env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return -ENOENT;
		exe[n] = '\0';
		snprintf(path, sizeof(path), "%s/../mq/libmbox-mq.so.1",
			 dirname(exe));
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -ENOENT;
	*(void **)&lib.close = dlsym(h, "mq_close");
	*(void **)&lib.unlink = dlsym(h, "mq_unlink");
	*(void **)&lib.send = dlsym(h, "mq_send");
	*(void **)&lib.receive = dlsym(h, "mq_receive");
	*(void **)&lib.open = dlsym(h, "mq_open");
	if (!lib.open || !lib.close || !lib.unlink || !lib.send ||
	    !lib.receive) {
		lib.open = NULL;
		return -ENOENT;
	}
	return 0;
}

static int mbox_mq_open(struct chan *c)
{
	static unsigned int serial;
	struct mq_attr attr = {
		.mq_maxmsg = c->cfg.depth,
		.mq_msgsize = (long)c->cfg.msg_size,
	};
	char name[64];
	int err = mbox_mq_load();

	if (err)
		return err;
	snprintf(name, sizeof(name), "/mbox-bench.%d.%u", (int)getpid(),
		 serial++);
	c->mq = lib.open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600,
			 &attr);
	if (c->mq == (mqd_t)-1)
		return -errno;
	/* As for kernel mq: the open descriptors keep the queue alive. */
	lib.unlink(name);
	return 0;
}

static int mbox_mq_attach(struct chan *c, enum side side)
{
	(void)c;
	(void)side;
	return 0;
}

static int mbox_mq_send(struct chan *c, const void *buf, size_t len)
{
	return lib.send(c->mq, buf, len, 0) ? -errno : 0;
}

static long mbox_mq_recv(struct chan *c, void *buf, size_t len)
{
	ssize_t n = lib.receive(c->mq, buf, len, NULL);

	return n < 0 ? -errno : (long)n;
}

static void mbox_mq_detach(struct chan *c, enum side side)
{
	(void)side;
	if (c->mq != (mqd_t)-1)
		lib.close(c->mq);
	c->mq = (mqd_t)-1;
}

static void mbox_mq_close(struct chan *c)
{
	mbox_mq_detach(c, SIDE_TX);
}

const struct transport tr_mbox_mq = {
	.name = "mbox-mq",
	.label = "libmbox-mq",
	.flags = T_MBOX,
	.open = mbox_mq_open,
	.attach = mbox_mq_attach,
	.send = mbox_mq_send,
	.recv = mbox_mq_recv,
	.detach = mbox_mq_detach,
	.close = mbox_mq_close,
};
