// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmbox shared ring: mapping, and the paths that need a system call
 * (sleeping, waking, reporting corruption).  The fast paths are inline in
 * mbox_ring.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "mbox_ring.h"
#include "mbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000ULL

/* Keep errno as the caller had it: the return value is the only channel. */
static int ioctl_err(int fd, unsigned long cmd, void *arg)
{
	int saved = errno;
	int ret = ioctl(fd, cmd, arg);

	if (ret < 0)
		ret = -errno;
	errno = saved;
	return ret;
}

int mbox_ring_setup(int owner_fd, uint32_t nslots, uint32_t slot_size)
{
	struct mbox_ring_setup s;

	memset(&s, 0, sizeof(s));
	s.nslots = nslots;
	s.slot_size = slot_size;
	return ioctl_err(owner_fd, MBOX_IOC_RING_SETUP, &s);
}

static void *map_part(int fd, size_t len, int writable, uint64_t off)
{
	return mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0),
		    MAP_SHARED, fd, (off_t)off);
}

static void unmap_all(struct mbox_ring *r)
{
	if (r->prod)
		munmap(r->prod, r->prod_len);
	if (r->cons)
		munmap(r->cons, r->cons_len);
	if (r->ctrl)
		munmap((void *)r->ctrl, r->ctrl_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

int mbox_ring_map(struct mbox_ring *r, int fd)
{
	int saved = errno;
	struct mbox_info info;
	const struct mbox_ring_ctrl *c;
	void *p;
	int err;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	err = ioctl_err(fd, MBOX_IOC_INFO, &info);
	if (err)
		return err;
	r->owner = info.role == MBOX_ROLE_OWNER;
	r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (r->fd < 0)
		goto fail;

	r->ctrl_len = (size_t)sysconf(_SC_PAGESIZE);
	p = map_part(r->fd, r->ctrl_len, 0, MBOX_RING_OFF_CTRL);
	if (p == MAP_FAILED)
		goto fail;
	r->ctrl = c = p;
	r->nslots = c->nslots;
	r->slot_size = c->slot_size;
	r->payload_max = c->slot_size - (uint32_t)sizeof(struct mbox_ring_slot);

	r->cons_len = c->cons_size;
	p = map_part(r->fd, r->cons_len, r->owner, MBOX_RING_OFF_CONS);
	if (p == MAP_FAILED) {
		r->cons = NULL;
		goto fail;
	}
	r->cons = p;

	r->prod_len = c->prod_size;
	p = map_part(r->fd, r->prod_len, !r->owner, MBOX_RING_OFF_PROD);
	if (p == MAP_FAILED) {
		r->prod = NULL;
		goto fail;
	}
	r->prod = p;
	r->slots = (unsigned char *)p + c->slots_offset;
	r->head = MBOX_RING_LOAD(&r->cons->head, memory_order_acquire);
	errno = saved;
	return 0;

fail:
	err = -errno;
	unmap_all(r);
	errno = saved;
	return err;
}

int mbox_ring_unmap(struct mbox_ring *r)
{
	int saved = errno;
	int err = 0;

	if (r->prod && munmap(r->prod, r->prod_len) < 0)
		err = -errno;
	if (r->cons && munmap(r->cons, r->cons_len) < 0 && !err)
		err = -errno;
	if (r->ctrl && munmap((void *)r->ctrl, r->ctrl_len) < 0 && !err)
		err = -errno;
	if (r->fd >= 0 && close(r->fd) < 0 && errno != EINTR && !err)
		err = -errno;
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	errno = saved;
	return err;
}

int mbox_ring_wait(struct mbox_ring *r, const struct timespec *abs_monotonic,
		   int nonblock)
{
	struct mbox_ring_wait w;

	memset(&w, 0, sizeof(w));
	if (nonblock)
		w.flags |= MBOX_MSG_NONBLOCK;
	if (abs_monotonic) {
		uint64_t sec = (uint64_t)abs_monotonic->tv_sec;

		if (abs_monotonic->tv_sec < 0 || abs_monotonic->tv_nsec < 0 ||
		    (uint64_t)abs_monotonic->tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
		/* Beyond the kernel's range means "no deadline". */
		if (sec < (uint64_t)INT64_MAX / NSEC_PER_SEC - 1) {
			w.flags |= MBOX_MSG_TIMEOUT;
			w.timeout_ns = sec * NSEC_PER_SEC +
				       (uint64_t)abs_monotonic->tv_nsec;
		}
	}
	return ioctl_err(r->fd, MBOX_IOC_RING_WAIT, &w);
}

int mbox_ring_wake(struct mbox_ring *r)
{
	return ioctl_err(r->fd, MBOX_IOC_RING_WAKE, NULL);
}

/*
 * The fast path saw impossible indices.  Ask the kernel to look (a
 * non-blocking wait): if it agrees it marks the ring corrupt for every
 * user of it.  The caller fails with -EBADMSG either way.
 */
void mbox_ring_corrupt_(struct mbox_ring *r)
{
	mbox_ring_wait(r, NULL, 1);
}

/*
 * The consumer found the slot at its head not committed.  Check the tail,
 * then ask producers for a wake-up before looking once more: 0 means the
 * message arrived meanwhile, -EAGAIN that the ring is empty and any commit
 * from now on will wake us.
 */
int mbox_ring_empty_(struct mbox_ring *r)
{
	uint32_t h = r->head;
	uint32_t t = MBOX_RING_LOAD(&r->prod->tail, memory_order_relaxed);

	if (t - h > r->nslots) {
		mbox_ring_corrupt_(r);
		return -EBADMSG;
	}
	if (MBOX_RING_LOAD(&r->cons->need_wake, memory_order_relaxed))
		return -EAGAIN;
	MBOX_RING_STORE(&r->cons->need_wake, 1, memory_order_relaxed);
	/* need_wake before the slot (the producer commits, then looks). */
	atomic_thread_fence(memory_order_seq_cst);
	if (MBOX_RING_LOAD(&mbox_ring_slot_(r, h)->seq, memory_order_relaxed) ==
	    h + 1)
		return 0;
	return -EAGAIN;
}

int mbox_ring_send_timed(struct mbox_ring *r, const void *buf, uint32_t len,
			 uint32_t type, const struct timespec *abs_monotonic)
{
	int err;

	for (;;) {
		err = mbox_ring_send_nb(r, buf, len, type);
		if (err != -EAGAIN)
			return err;
		err = mbox_ring_wait(r, abs_monotonic, 0);
		if (err)
			return err;
	}
}

int mbox_ring_send(struct mbox_ring *r, const void *buf, uint32_t len,
		   uint32_t type)
{
	return mbox_ring_send_timed(r, buf, len, type, NULL);
}

ssize_t mbox_ring_recv_timed(struct mbox_ring *r, void *buf, size_t size,
			     uint32_t *type,
			     const struct timespec *abs_monotonic)
{
	ssize_t n;
	int err;

	for (;;) {
		n = mbox_ring_recv_nb(r, buf, size, type);
		if (n != -EAGAIN)
			return n;
		err = mbox_ring_wait(r, abs_monotonic, 0);
		if (err)
			return err;
	}
}

ssize_t mbox_ring_recv(struct mbox_ring *r, void *buf, size_t size,
		       uint32_t *type)
{
	return mbox_ring_recv_timed(r, buf, size, type, NULL);
}
