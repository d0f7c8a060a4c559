// SPDX-License-Identifier: GPL-2.0
/*
 * Raw shared-memory rings: the practical limit a kernel mechanism is
 * measured against.  One producer, one consumer, a power-of-two array of
 * fixed slots in a MAP_SHARED mapping made before fork().
 *
 * The producer owns @tail, the consumer @head; each index sits on its own
 * cache line and each side keeps a private copy of the other's index, so
 * a side reads the other's line only when its copy says the ring is full
 * (or empty).  Publication is release/acquire: the producer writes the
 * slot, then stores tail with release; the consumer loads tail with
 * acquire, then reads the slot (and the mirror image for head).
 *
 * Two ways to wait:
 * - spin: busy-wait (see cpu_relax()).  Needs a CPU per side.
 * - futex: a side that finds nothing to do raises its *_wait flag, issues a
 *   seq_cst fence and looks again before it sleeps in FUTEX_WAIT on the
 *   other side's index (the kernel rechecks the index, so a change after
 *   the last look is not slept through).  A side that moves its index
 *   issues a seq_cst fence and reads the other's flag: one of the two
 *   fences comes first, so either the sleeper sees the new index or the
 *   mover sees the flag and calls FUTEX_WAKE.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

struct shm_ring {
	alignas(CACHELINE) _Atomic uint32_t tail;	/* producer */
	alignas(CACHELINE) _Atomic uint32_t head;	/* consumer */
	alignas(CACHELINE) _Atomic uint32_t cons_wait;	/* consumer sleeps */
	alignas(CACHELINE) _Atomic uint32_t prod_wait;	/* producer sleeps */
	alignas(CACHELINE) uint32_t nslots;		/* set before fork */
	uint32_t slot_size;
	alignas(CACHELINE) unsigned char slots[];
};

struct shm_slot {
	uint32_t len;
	uint32_t pad;
	unsigned char data[];
};

/* One side's private state. */
struct shm_side {
	uint32_t pos;		/* our index: tail (producer), head (consumer) */
	uint32_t other;		/* last value seen of the other index */
	bool futex;
};

static long futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
	/* Shared, not FUTEX_PRIVATE: the two sides are separate processes. */
	return syscall(SYS_futex, (uint32_t *)addr, op, val, NULL, NULL, 0);
}

static size_t shm_slot_size(size_t msg_size)
{
	return (sizeof(struct shm_slot) + msg_size + 7) & ~(size_t)7;
}

static int shm_open_ring(struct chan *c)
{
	unsigned int nslots = 1;
	struct shm_ring *r;
	size_t len;

	while (nslots < c->cfg.depth)
		nslots <<= 1;
	len = sizeof(*r) + nslots * shm_slot_size(c->cfg.msg_size);
	r = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (r == MAP_FAILED)
		return -errno;
	r->nslots = nslots;
	r->slot_size = (uint32_t)shm_slot_size(c->cfg.msg_size);
	c->shm = r;
	c->shm_len = len;
	return 0;
}

static int shm_attach_common(struct chan *c, enum side side, bool use_futex)
{
	struct shm_ring *r = c->shm;
	struct shm_side *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->futex = use_futex;
	if (side == SIDE_TX) {
		s->pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
		s->other = atomic_load_explicit(&r->head, memory_order_acquire);
	} else {
		s->pos = atomic_load_explicit(&r->head, memory_order_relaxed);
		s->other = atomic_load_explicit(&r->tail, memory_order_acquire);
	}
	c->priv = s;
	return 0;
}

static int shm_futex_attach(struct chan *c, enum side side)
{
	return shm_attach_common(c, side, true);
}

static int shm_spin_attach(struct chan *c, enum side side)
{
	return shm_attach_common(c, side, false);
}

static struct shm_slot *shm_slot(struct shm_ring *r, uint32_t i)
{
	return (struct shm_slot *)(void *)(r->slots +
		(size_t)(i & (r->nslots - 1)) * r->slot_size);
}

/*
 * Waits until *@idx differs from @seen (spinning or in FUTEX_WAIT), with
 * @flag raised while asleep.  Returns the new value, or -EINTR.
 */
static long shm_wait(const struct shm_side *s, _Atomic uint32_t *idx,
		     _Atomic uint32_t *flag, uint32_t seen)
{
	unsigned int polls = 0;
	uint32_t v;

	for (;;) {
		if (g_abort)
			return -EINTR;
		v = atomic_load_explicit(idx, memory_order_acquire);
		if (v != seen)
			return v;
		if (!s->futex) {
			cpu_relax(&polls);
			continue;
		}
		atomic_store_explicit(flag, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		v = atomic_load_explicit(idx, memory_order_acquire);
		if (v == seen && futex(idx, FUTEX_WAIT, seen) && errno == EINTR)
			return -EINTR;
		atomic_store_explicit(flag, 0, memory_order_relaxed);
	}
}

/* After moving our index: wake the other side if it may be asleep. */
static void shm_notify(const struct shm_side *s, _Atomic uint32_t *idx,
		       _Atomic uint32_t *flag)
{
	if (!s->futex)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(flag, memory_order_relaxed))
		futex(idx, FUTEX_WAKE, INT_MAX);
}

static int shm_send(struct chan *c, const void *buf, size_t len)
{
	struct shm_ring *r = c->shm;
	struct shm_side *s = c->priv;
	struct shm_slot *slot;
	long h;

	while (s->pos - s->other == r->nslots) {
		/* Full as far as we know: look at the consumer's index. */
		h = atomic_load_explicit(&r->head, memory_order_acquire);
		if ((uint32_t)h == s->other)
			h = shm_wait(s, &r->head, &r->prod_wait, s->other);
		if (h < 0)
			return (int)h;
		s->other = (uint32_t)h;
	}
	slot = shm_slot(r, s->pos);
	slot->len = (uint32_t)len;
	memcpy(slot->data, buf, len);
	s->pos++;
	atomic_store_explicit(&r->tail, s->pos, memory_order_release);
	shm_notify(s, &r->tail, &r->cons_wait);
	return 0;
}

static long shm_recv(struct chan *c, void *buf, size_t len)
{
	struct shm_ring *r = c->shm;
	struct shm_side *s = c->priv;
	struct shm_slot *slot;
	uint32_t n;
	long t;

	while (s->pos == s->other) {
		t = atomic_load_explicit(&r->tail, memory_order_acquire);
		if ((uint32_t)t == s->other)
			t = shm_wait(s, &r->tail, &r->cons_wait, s->other);
		if (t < 0)
			return t;
		s->other = (uint32_t)t;
	}
	slot = shm_slot(r, s->pos);
	n = slot->len;
	if (n > len)
		return -EMSGSIZE;
	memcpy(buf, slot->data, n);
	s->pos++;
	atomic_store_explicit(&r->head, s->pos, memory_order_release);
	shm_notify(s, &r->head, &r->prod_wait);
	return n;
}

static void shm_detach(struct chan *c, enum side side)
{
	(void)side;
	free(c->priv);
	c->priv = NULL;
}

static void shm_close(struct chan *c)
{
	if (c->shm)
		munmap(c->shm, c->shm_len);
	c->shm = NULL;
}

const struct transport tr_shm_futex = {
	.name = "shm-futex",
	.label = "raw shm ring, futex",
	.flags = T_ANCHOR,
	.open = shm_open_ring,
	.attach = shm_futex_attach,
	.send = shm_send,
	.recv = shm_recv,
	.detach = shm_detach,
	.close = shm_close,
};

const struct transport tr_shm_spin = {
	.name = "shm-spin",
	.label = "raw shm ring, spinning",
	.flags = T_ANCHOR | T_SPIN,
	.open = shm_open_ring,
	.attach = shm_spin_attach,
	.send = shm_send,
	.recv = shm_recv,
	.detach = shm_detach,
	.close = shm_close,
};
