// SPDX-License-Identifier: GPL-2.0
/*
 * mbox through its shared ring (uapi DOC: Shared ring), used through
 * libmbox's ring API (mbox_ring.h) exactly as an application would:
 *
 * - "ring": mbox_ring_send() and mbox_ring_recv(), which sleep in
 *   MBOX_IOC_RING_WAIT when the ring is full or empty;
 * - "ring, polling": the non-blocking mbox_ring_send_nb() and
 *   mbox_ring_recv_nb() retried in a busy loop.
 *
 * Built only when the headers have the ring (MBOX_FEAT_RING_SEG and
 * mbox_ring.h); whether the loaded module has it is checked at run time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include <mbox/mbox.h>

#if defined(MBOX_FEAT_RING_SEG) && __has_include("mbox_ring.h")
#define HAVE_MBOX_RING 1
#include <mbox/mbox_ring.h>
#else
#define HAVE_MBOX_RING 0
#endif

#if HAVE_MBOX_RING

bool mbox_ring_built(void)
{
	return true;
}

/* The ring's slot for one message: header plus payload, 8-byte aligned. */
static uint32_t ring_slot_size(size_t msg_size)
{
	return (uint32_t)((sizeof(struct mbox_ring_slot) + msg_size + 7) &
			  ~(size_t)7);
}

static int ring_open(struct chan *c)
{
	unsigned int nslots = 1;
	uint32_t slot_size = ring_slot_size(c->cfg.msg_size);
	struct mbox_attr attr;
	int fd, err;

	while (nslots < c->cfg.depth)
		nslots <<= 1;
	/* The ring's payload room may not exceed the mailbox's msg_size. */
	attr = MBOX_ATTR_BOUNDED(c->cfg.depth,
				 slot_size - (uint32_t)sizeof(struct mbox_ring_slot));
	fd = mbox_create(&attr, NULL, &c->id);
	if (fd < 0)
		return fd;
	c->fd[0] = fd;
	err = mbox_ring_setup(fd, ring_nsegs(nslots, slot_size), nslots,
			      slot_size);
	if (err) {
		close(fd);
		c->fd[0] = -1;
	}
	return err;
}

/*
 * The consumer maps the ring through the owner handle, a producer through a
 * user handle of its own; the mapping keeps a duplicate of the handle.
 */
static int ring_attach(struct chan *c, enum side side)
{
	struct mbox_ring *r = calloc(1, sizeof(*r));
	int fd, err;

	if (!r)
		return -ENOMEM;
	if (side == SIDE_RX) {
		err = mbox_ring_map(r, c->fd[0]);
	} else {
		fd = mbox_open_id(c->id, O_CLOEXEC);
		if (fd < 0) {
			free(r);
			return fd;
		}
		err = mbox_ring_map(r, fd);
		close(fd);
		close(c->fd[0]);
		c->fd[0] = -1;
	}
	if (err) {
		free(r);
		return err;
	}
	c->priv = r;
	return 0;
}

static int ring_send(struct chan *c, const void *buf, size_t len)
{
	return mbox_ring_send(c->priv, buf, (uint32_t)len, 0);
}

static long ring_recv(struct chan *c, void *buf, size_t len)
{
	return mbox_ring_recv(c->priv, buf, len, NULL);
}

static int ring_send_poll(struct chan *c, const void *buf, size_t len)
{
	unsigned int polls = 0;
	int err;

	while ((err = mbox_ring_send_nb(c->priv, buf, (uint32_t)len, 0)) ==
	       -EAGAIN) {
		if (g_abort)
			return -EINTR;
		cpu_relax(&polls);
	}
	return err;
}

static long ring_recv_poll(struct chan *c, void *buf, size_t len)
{
	unsigned int polls = 0;
	long n;

	while ((n = mbox_ring_recv_nb(c->priv, buf, len, NULL)) == -EAGAIN) {
		if (g_abort)
			return -EINTR;
		cpu_relax(&polls);
	}
	return n;
}

static void ring_detach(struct chan *c, enum side side)
{
	(void)side;
	if (c->priv) {
		mbox_ring_unmap(c->priv);
		free(c->priv);
		c->priv = NULL;
	}
	if (c->fd[0] >= 0)
		close(c->fd[0]);
	c->fd[0] = -1;
}

static void ring_close(struct chan *c)
{
	ring_detach(c, SIDE_TX);
}

const struct transport tr_mbox_ring = {
	.name = "mbox-ring",
	.label = "mbox ring",
	.flags = T_MBOX | T_RING,
	.open = ring_open,
	.attach = ring_attach,
	.send = ring_send,
	.recv = ring_recv,
	.detach = ring_detach,
	.close = ring_close,
};

const struct transport tr_mbox_ring_poll = {
	.name = "mbox-ring-poll",
	.label = "mbox ring, polling",
	.flags = T_MBOX | T_RING | T_SPIN,
	.open = ring_open,
	.attach = ring_attach,
	.send = ring_send_poll,
	.recv = ring_recv_poll,
	.detach = ring_detach,
	.close = ring_close,
};

#else /* !HAVE_MBOX_RING */

bool mbox_ring_built(void)
{
	return false;
}

static int ring_missing_open(struct chan *c)
{
	(void)c;
	return -EOPNOTSUPP;
}

const struct transport tr_mbox_ring = {
	.name = "mbox-ring",
	.label = "mbox ring",
	.flags = T_MBOX | T_RING,
	.open = ring_missing_open,
};

const struct transport tr_mbox_ring_poll = {
	.name = "mbox-ring-poll",
	.label = "mbox ring, polling",
	.flags = T_MBOX | T_RING | T_SPIN,
	.open = ring_missing_open,
};

#endif /* HAVE_MBOX_RING */
