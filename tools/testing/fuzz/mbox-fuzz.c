// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-fuzz: a structure-aware fuzzer for the mbox ABI.
 *
 * Several worker processes (half of them as an unprivileged user) each keep
 * a pool of descriptors - /dev/mbox, owner, user and receiver handles of
 * every capacity and kind, and a few descriptors of other types - and apply
 * random operations to them:
 *
 *  - every ioctl of the ABI, with structures that start valid and get
 *    mutated (bit flips, interesting values in fields, garbage), aimed at
 *    descriptors of every role and at the wrong ones; pointers inside the
 *    structures aimed at NULL, unmapped, read-only and page-straddling
 *    memory; the structure itself placed across the end of a mapping;
 *    unknown command numbers and wrong size encodings;
 *  - close, dup, fork (the child works on the inherited handles, then exits
 *    or kills itself), exit, poll and epoll, read/write/mmap on handles;
 *  - SIGALRM interrupting whatever waits (no call can block for long);
 *  - module parameters set to odd values (root workers; restored at exit);
 *  - generic netlink requests to the "mbox" family (when the module has
 *    one): random commands, flags and attributes, malformed lengths;
 *  - the shared ring (MBOX_FEAT_RING_SEG): set-up with odd geometry, mmap() of
 *    every part with odd lengths, offsets and protections from handles of
 *    every role, and hostile writes - random head, tail, need_wake, slot
 *    seq, len and flags - interleaved with well-formed produce/consume
 *    steps, ring waits and wakes;
 *  - on kernels with fault injection (the debug kernel), an allocation made
 *    to fail now and then (/proc/thread-self/fail-nth), so error paths run.
 *
 * The kernel is the main oracle: the run happens in a guest whose runner
 * fails on any report (KASAN, lockdep, UBSAN, kmemleak...).  The fuzzer
 * checks the ABI's promises too: every error is one the header documents
 * for that command, a failed call leaves its structure as it was (except
 * the documented fields), a successful create or open returns a handle
 * whose MBOX_IOC_INFO agrees, out structures have zero reserved fields, and
 * no worker gets stuck in the kernel.
 *
 * Reproduce a failure with the printed seed: -s SEED (and -w 1 for a
 * single deterministic worker: the sequence of operations depends only on
 * the seed, though the kernel's answers may depend on timing).
 *
 * Usage: mbox-fuzz [-d SECONDS | -n OPS] [-w WORKERS] [-s SEED] [-F] [-v]
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <mbox/linux/mbox.h>

#include "mbox_testlib.h"
#include <linux/netlink.h>

#define PROG		"mbox-fuzz"
#define MAX_WORKERS	32
#define POOL		48
#define NOBODY		65534
#define STUCK_SEC	60
#define PAGE		4096

/* ------------------------------------------------------------ options */

static struct {
	unsigned int duration;
	uint64_t ops;
	unsigned int workers;
	uint64_t seed;
	bool faults;		/* -F: no fault injection */
	bool verbose;
} opt = { .duration = 10, .workers = 4 };

/* ------------------------------------------------------ shared state */

enum op {
	OP_DEV_OPEN, OP_CREATE, OP_OPEN, OP_DELETE, OP_VERSION, OP_SEND,
	OP_RECV, OP_INFO, OP_WATCH, OP_NOTICE, OP_SEND_BATCH, OP_RECV_BATCH,
	OP_BAD_CMD, OP_CLOSE, OP_DUP, OP_FORK, OP_POLL, OP_FILEOPS, OP_PARAM,
	OP_NETLINK, OP_RING, OP_RING_WAIT, OP_UNSHARE,
	NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"dev_open", "create", "open", "delete", "version", "send", "recv",
	"info", "watch", "notice", "send_batch", "recv_batch", "bad_cmd",
	"close", "dup", "fork", "poll", "fileops", "param", "netlink", "ring",
	"ring_wait", "unshare",
};

/* Relative weights. */
static const unsigned int op_weight[NR_OPS] = {
	[OP_DEV_OPEN] = 2, [OP_CREATE] = 14, [OP_OPEN] = 10, [OP_DELETE] = 3,
	[OP_VERSION] = 1, [OP_SEND] = 22, [OP_RECV] = 18, [OP_INFO] = 4,
	[OP_WATCH] = 3, [OP_NOTICE] = 3, [OP_SEND_BATCH] = 6,
	[OP_RECV_BATCH] = 5, [OP_BAD_CMD] = 3, [OP_CLOSE] = 8, [OP_DUP] = 2,
	[OP_FORK] = 1, [OP_POLL] = 3, [OP_FILEOPS] = 2, [OP_PARAM] = 1,
	[OP_NETLINK] = 4, [OP_RING] = 8, [OP_RING_WAIT] = 3, [OP_UNSHARE] = 0,
};

struct worker_state {
	_Atomic int pid;
	_Atomic uint32_t gen;
	_Atomic uint64_t ops;
	_Atomic uint64_t heartbeat;	/* ops at the last stuck check */
	_Atomic int cur_op;
};

struct shared {
	_Atomic int stop;
	struct mt_reports rep;		/* violations */
	_Atomic uint64_t ops_by_kind[NR_OPS];
	_Atomic uint64_t errno_seen[NR_OPS][140];
	_Atomic uint64_t faults_injected;
	_Atomic uint64_t forks;
	_Atomic uint64_t nl_sent;
	struct worker_state w[MAX_WORKERS];
	/* Ids and names published by all workers, for cross-worker opens. */
	_Atomic uint64_t ids[256];
	_Atomic uint32_t nids;
	/* OS-owned mailboxes outlive their creators: deleted at the end. */
	_Atomic uint64_t os_ids[1 << 16];
	_Atomic uint32_t nos_ids;
};

static struct shared *sh;
static uint64_t features;
static int worker_index = -1;

/* ---------------------------------------------------------- helpers */

static const char *cur_what = "";	/* the operation being done, for reports */

__attribute__((format(printf, 1, 2)))
static void violation(const char *fmt, ...)
{
	char prefix[160];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "worker %d gen %u (seed %#" PRIx64 ") %s",
		 worker_index, worker_index >= 0 ? atomic_load(&sh->w[worker_index].gen) : 0,
		 opt.seed, cur_what);
	va_start(ap, fmt);
	mt_vreport(&sh->rep, PROG, prefix, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------- memory targets */

/*
 * Message buffers point into good (read-write), edge (a read-write page
 * followed by an unmapped one: copies that run off the end fault half way),
 * ro (read-only), none (unmapped).  Ioctl structures live apart, in sarea
 * (or across the end of edge), and batch vectors in varea, so that no
 * message copy can land on them.  Every mapping is followed by a wide
 * unmapped guard: no length, however large, reaches other memory (such as
 * the shared state).
 */
static uint8_t *good, *edge, *ro, *none, *sarea, *varea;
#define GOOD_SIZE	(256 * 1024)
#define GUARD_SIZE	(8 * 1024 * 1024)
#define SAREA_SIZE	(64 * 1024)

/* @size read-write bytes followed by a guard no length can cross. */
static void *map_rw(size_t size)
{
	uint8_t *p;

	size = (size + PAGE - 1) & ~(size_t)(PAGE - 1);
	p = mmap(NULL, size + GUARD_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		mt_fatal("mmap: %s", strerror(errno));
	if (mprotect(p + size, GUARD_SIZE, PROT_NONE))
		mt_fatal("mprotect: %s", strerror(errno));
	return p;
}

static void setup_memory(void)
{
	uint8_t *p = map_rw(3 * PAGE);

	good = map_rw(GOOD_SIZE);
	sarea = map_rw(SAREA_SIZE);
	varea = map_rw(64 * sizeof(struct mbox_msgvec));
	edge = p;
	none = p + PAGE;
	ro = p + 2 * PAGE;
	memset(ro, 0xa5, PAGE);
	if (mprotect(none, PAGE, PROT_NONE) || mprotect(ro, PAGE, PROT_READ))
		mt_fatal("mprotect: %s", strerror(errno));
	for (size_t i = 0; i < GOOD_SIZE; i++)
		good[i] = (uint8_t)i;
}

/* A user pointer for @len bytes: usually fine, sometimes hostile. */
static uint64_t pick_ptr(uint32_t len, bool writable)
{
	uint32_t r = mt_rnd_below(100);

	if (r < 70)
		return (uintptr_t)(good + mt_rnd_below(GOOD_SIZE / 2));
	if (r < 75)
		return 0;
	if (r < 80)
		return (uintptr_t)none;
	if (r < 85 && writable)
		return (uintptr_t)ro;
	if (r < 92)	/* runs off the end of a mapping */
		return (uintptr_t)(edge + PAGE - mt_rnd_below(len < PAGE ? len + 1 : PAGE));
	if (r < 94)
		return 0xffffffff81000000ULL;		/* kernel text */
	if (r < 96)
		return 0x0000800000000000ULL;		/* non-canonical */
	return mt_rnd();
}

static const uint64_t interesting[] = {
	0, 1, 2, 7, 8, 63, 64, 65, 127, 128, 255, 256, 1023, 1024, 4095, 4096,
	4097, 65535, 65536, 65537, 1u << 20, (1u << 20) + 1, 1u << 22, 0x7fff,
	0x8000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
	0xffffffffffffffffULL, MBOX_NAME_MAX, MBOX_NAME_MAX - 1, MBOX_PRIO_MAX,
	MBOX_PRIO_MAX + 1, MBOX_BATCH_MAX, MBOX_BATCH_MAX + 1,
};

static uint64_t pick_interesting(void)
{
	return interesting[mt_rnd_below(sizeof(interesting) / sizeof(interesting[0]))];
}

/* Mutates a structure in place: bit flips, bytes, interesting fields. */
static void mutate(void *p, size_t size)
{
	uint8_t *b = p;
	unsigned int n = 1 + mt_rnd_below(3);

	for (unsigned int i = 0; i < n; i++) {
		size_t off;

		switch (mt_rnd_below(4)) {
		case 0:
			off = mt_rnd_below((uint32_t)size);
			b[off] ^= (uint8_t)(1u << mt_rnd_below(8));
			break;
		case 1:
			off = mt_rnd_below((uint32_t)size);
			b[off] = (uint8_t)mt_rnd();
			break;
		case 2: {
			uint32_t v = (uint32_t)pick_interesting();

			off = mt_rnd_below((uint32_t)(size / 4)) * 4;
			memcpy(b + off, &v, 4);
			break;
		}
		default: {
			uint64_t v = pick_interesting();

			off = mt_rnd_below((uint32_t)(size / 8)) * 8;
			memcpy(b + off, &v, 8);
			break;
		}
		}
	}
}

/* A name: valid, invalid, too long, unterminated, or a bad pointer. */
static char name_buf[256];

static uint64_t pick_name(void)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789._-";
	uint32_t r = mt_rnd_below(100), len;

	if (r < 15)
		return 0;
	if (r < 20)
		return pick_ptr(MBOX_NAME_MAX, false);
	if (r < 25) {	/* unterminated up to an unmapped page */
		memset(edge + PAGE - MBOX_NAME_MAX, 'x', MBOX_NAME_MAX);
		return (uintptr_t)(edge + PAGE - 1 - mt_rnd_below(MBOX_NAME_MAX + 2));
	}
	len = r < 80 ? 1 + mt_rnd_below(8) : mt_rnd_below(100);
	if (len >= sizeof(name_buf))
		len = sizeof(name_buf) - 1;
	for (uint32_t i = 0; i < len; i++)
		name_buf[i] = r < 90 ? ok[mt_rnd_below(sizeof(ok) - 1)] : (char)mt_rnd();
	name_buf[len] = 0;
	/* Short names collide across workers: EEXIST and cross opens. */
	return (uintptr_t)name_buf;
}

/* --------------------------------------------------- descriptor pool */

enum kind { K_NONE, K_DEV, K_OWNER, K_USER, K_RECEIVER, K_OTHER };

static struct {
	int fd;
	enum kind kind;
	uint64_t id;
} pool[POOL];

static void pool_add(int fd, enum kind kind, uint64_t id)
{
	unsigned int i = mt_rnd_below(POOL);

	if (pool[i].kind != K_NONE)
		close(pool[i].fd);
	pool[i].fd = fd;
	pool[i].kind = kind;
	pool[i].id = id;
	if (id && (kind == K_OWNER || kind == K_RECEIVER)) {
		uint32_t n = atomic_fetch_add(&sh->nids, 1);

		atomic_store(&sh->ids[n % 256], id);
	}
}

static bool is_mbox_fd(int fd)
{
	for (unsigned int i = 0; i < POOL; i++)
		if (pool[i].fd == fd && pool[i].kind != K_NONE)
			return pool[i].kind != K_OTHER;
	return fd < 0 || fd >= 1000;	/* no descriptor: -EBADF */
}

/* A descriptor to aim an ioctl at: mostly of kind @want, sometimes any. */
static int pick_fd(enum kind want)
{
	unsigned int start = mt_rnd_below(POOL);

	if (mt_chance(3))
		return mt_chance(50) ? -1 : 1000 + (int)mt_rnd_below(100);
	if (mt_chance(85)) {
		for (unsigned int i = 0; i < POOL; i++) {
			unsigned int j = (start + i) % POOL;

			if (pool[j].kind == want)
				return pool[j].fd;
		}
	}
	for (unsigned int i = 0; i < POOL; i++) {
		unsigned int j = (start + i) % POOL;

		if (pool[j].kind != K_NONE)
			return pool[j].fd;
	}
	return -1;
}

static enum kind kind_of(int fd)
{
	for (unsigned int i = 0; i < POOL; i++)
		if (pool[i].fd == fd && pool[i].kind != K_NONE)
			return pool[i].kind;
	return K_OTHER;
}

static int pick_handle(void)
{
	static const enum kind k[] = { K_OWNER, K_OWNER, K_USER, K_USER, K_RECEIVER };

	return pick_fd(k[mt_rnd_below(5)]);
}

static uint64_t pick_id(void)
{
	uint32_t n = atomic_load(&sh->nids);

	if (mt_chance(10))
		return mt_chance(50) ? 0 : pick_interesting();
	if (!n)
		return 1 + mt_rnd_below(100);
	return atomic_load(&sh->ids[mt_rnd_below(n < 256 ? n : 256)]);
}

/* --------------------------------------------------- errno oracle */

/*
 * What the header documents for each command (0-terminated), on top of
 * what any ioctl may return: a bad descriptor, the wrong kind of
 * descriptor, a fault, a signal (SIGALRM interrupts waits) and -ENOMEM
 * (which injected allocation failures make common).
 */
static const int e_any[] = { EBADF, ENOTTY, EFAULT, EINTR, ENOMEM, 0 };
static const int e_create[] = { EINVAL, ENAMETOOLONG, EEXIST, EPERM, ENOSPC, ENOBUFS, EMFILE,
				ENFILE, 0 };
static const int e_open[] = { ENOENT, EACCES, EPERM, ESRCH, ECONNREFUSED, EINVAL,
			      ENAMETOOLONG, EMFILE, ENFILE, 0 };
static const int e_delete[] = { ENOENT, EPERM, EINVAL, ENAMETOOLONG, 0 };
static const int e_send[] = { EPIPE, EMSGSIZE, EINVAL, EAGAIN, ETIMEDOUT, ENOBUFS,
			      EPERM, ENOTCONN, 0 };
static const int e_recv[] = { EPERM, EMSGSIZE, EPIPE, EINVAL, EAGAIN, ETIMEDOUT, 0 };
static const int e_watch[] = { EALREADY, EINVAL, 0 };
static const int e_notice[] = { EAGAIN, ENOENT, EINVAL, 0 };
static const int e_ring_setup[] = { EPERM, EBUSY, EINVAL, ENOBUFS, ENOMEM, EPIPE, 0 };
static const int e_ring_wait[] = { ENODEV, EPIPE, ECONNRESET, EBADMSG, EINVAL, EAGAIN,
				   ETIMEDOUT, EPERM, 0 };
static const int e_ring_wake[] = { ENODEV, EPIPE, ECONNRESET, EBADMSG, EINVAL, EPERM, 0 };
static const int e_ring_ctl[] = { EPERM, ENODEV, EINVAL, ENOSPC, EPIPE, EBADMSG, 0 };
static const int e_none[] = { 0 };

static bool in_list(const int *l, int err)
{
	for (; *l; l++)
		if (*l == err)
			return true;
	return false;
}

static bool error_documented(enum op op, int err)
{
	const int *l;

	switch (op) {
	case OP_CREATE: l = e_create; break;
	case OP_OPEN: l = e_open; break;
	case OP_DELETE: l = e_delete; break;
	case OP_SEND: case OP_SEND_BATCH: l = e_send; break;
	case OP_RECV: case OP_RECV_BATCH: l = e_recv; break;
	case OP_WATCH: l = e_watch; break;
	case OP_NOTICE: l = e_notice; break;
	case OP_RING: l = e_ring_setup; break;
	case OP_RING_WAIT: l = e_ring_wait; break;
	case OP_VERSION: case OP_INFO: case OP_BAD_CMD: l = e_none; break;
	default: return true;
	}
	return in_list(e_any, err) || in_list(l, err);
}

/*
 * Runs an ioctl whose argument is @size bytes at @arg and checks the
 * result: documented errors only, and the structure untouched on failure
 * apart from @may_change (byte offset and length, or 0/0).
 */
static int checked_ioctl(enum op op, int fd, unsigned long cmd, void *arg,
			 size_t size, size_t may_off, size_t may_len)
{
	uint8_t before[512];
	bool compare = false;
	int ret, err;

	/* Only structures in sarea: no message copy can touch those. */
	if ((uint8_t *)arg >= sarea && (uint8_t *)arg < sarea + SAREA_SIZE &&
	    size <= sizeof(before)) {
		memcpy(before, arg, size);
		compare = true;
	}
	ret = ioctl(fd, cmd, arg);
	err = ret < 0 ? errno : 0;
	if (err < 140)
		atomic_fetch_add(&sh->errno_seen[op][err], 1);
	/* Only mbox descriptors answer to the header (epoll says -EINVAL...). */
	if (err && is_mbox_fd(fd) && !error_documented(op, err))
		violation("%s returned undocumented -%s (%d)", op_names[op], strerrorname_np(err), err);
	if (err && compare) {
		for (size_t i = 0; i < size; i++) {
			if (before[i] == ((uint8_t *)arg)[i])
				continue;
			if (i >= may_off && i < may_off + may_len)
				continue;
			violation("%s failed with -%s but changed byte %zu of its structure",
				  op_names[op], strerrorname_np(err), i);
			break;
		}
	}
	errno = err;
	return ret;
}

/* Where a structure for an ioctl goes: usually good memory, sometimes not. */
static void *place(size_t size)
{
	uint32_t r = mt_rnd_below(100);

	if (r < 90)
		return sarea + 8 * mt_rnd_below((SAREA_SIZE - 512) / 8);
	if (r < 96)
		return edge + PAGE - mt_rnd_below((uint32_t)size);
	if (r < 98)
		return NULL;
	return none;
}

/* Copies @tmpl (built on the stack) to where the ioctl will read it. */
static void *stage(const void *tmpl, size_t size)
{
	uint8_t *p = place(size);

	if (!p || p == none)
		return p;
	if (p >= edge && p < edge + PAGE) {
		size_t fit = (size_t)(edge + PAGE - p);

		memcpy(p, tmpl, fit < size ? fit : size);
	} else {
		memcpy(p, tmpl, size);
	}
	return p;
}

/* -------------------------------------------------------- operations */

static void check_new_handle(int fd, uint64_t id, uint32_t role)
{
	struct mbox_info info;

	memset(&info, 0xcc, sizeof(info));
	if (ioctl(fd, MBOX_IOC_INFO, &info)) {
		violation("MBOX_IOC_INFO on a fresh handle: %s", strerror(errno));
		return;
	}
	if (info.id != id || info.role != role)
		violation("fresh handle: id %" PRIu64 " role %u, expected %" PRIu64 " role %u",
			  (uint64_t)info.id, info.role, id, role);
	for (unsigned int i = 0; i < sizeof(info.reserved) / sizeof(info.reserved[0]); i++)
		if (info.reserved[i])
			violation("MBOX_IOC_INFO: reserved[%u] = %#llx", i,
				  (unsigned long long)info.reserved[i]);
	if (memchr(info.name, 0, sizeof(info.name)) == NULL)
		violation("MBOX_IOC_INFO: name not NUL-terminated");
}

static void op_create(void)
{
	struct mbox_create c = { 0 }, *p;
	bool kept;
	int fd;

	c.capacity_mode = mt_rnd_below(3);
	c.capacity = c.capacity_mode == MBOX_CAPACITY_BOUNDED ? 1 + mt_rnd_below(64) : 0;
	c.msg_size = 1 + mt_rnd_below(mt_chance(80) ? 512 : 70000);
	c.fd_flags = O_CLOEXEC | (mt_chance(20) ? O_NONBLOCK : 0);
	c.mode = mt_chance(70) ? 0666 : mt_rnd_below(01000);
	if (mt_chance(10))
		c.flags |= MBOX_CREATE_FIXED_SIZE;
	if (mt_chance(5))
		c.flags |= MBOX_CREATE_PORT;
	if (mt_chance(8)) {
		c.flags |= MBOX_CREATE_OS;
		if (mt_chance(40) && c.capacity_mode != MBOX_CAPACITY_ZERO)
			c.flags |= MBOX_CREATE_BROADCAST;
	}
	if (!(c.flags & MBOX_CREATE_PORT) && mt_chance(40))
		c.name = pick_name();
	if (mt_chance(30))
		mutate(&c, sizeof(c));
	p = stage(&c, sizeof(c));
	fd = checked_ioctl(OP_CREATE, pick_fd(K_DEV), MBOX_IOC_CREATE, p, sizeof(c), 0, 0);
	if (fd < 0)
		return;
	memcpy(&c, p, sizeof(c));
	/*
	 * OS-owned and persistent mailboxes (a mutated create can ask for
	 * MBOX_CREATE_PERSIST) outlive their creator, give it a receiver
	 * handle, and keep the module pinned until deleted: deleted at exit.
	 */
	kept = c.flags & (MBOX_CREATE_OS | MBOX_CREATE_PERSIST);
	if (kept) {
		uint32_t n = atomic_fetch_add(&sh->nos_ids, 1);

		if (n < (1 << 16))
			atomic_store(&sh->os_ids[n], c.id);
	}
	check_new_handle(fd, c.id, kept ? MBOX_ROLE_RECEIVER : MBOX_ROLE_OWNER);
	pool_add(fd, kept ? K_RECEIVER : K_OWNER, c.id);
	if (kept && mt_chance(30)) {
		/* Most OS-owned mailboxes go away again; some stay until exit. */
		struct mbox_delete d = { .id = c.id };

		ioctl(pick_fd(K_DEV), MBOX_IOC_DELETE, &d);
	}
}

static void op_open(void)
{
	struct mbox_open o = { 0 }, *p;
	int fd;

	switch (mt_rnd_below(4)) {
	case 0:
		o.name = pick_name();
		break;
	case 1:
		o.flags = MBOX_OPEN_PID;
		o.id = mt_chance(50) ? (uint64_t)getpid() : (mt_chance(50) ? (uint64_t)getppid() : mt_rnd_below(500));
		break;
	default:
		o.id = pick_id();
		break;
	}
	if (mt_chance(25))
		o.flags |= MBOX_OPEN_RECEIVE;
	o.fd_flags = O_CLOEXEC | (mt_chance(20) ? O_NONBLOCK : 0);
	if (mt_chance(30))
		mutate(&o, sizeof(o));
	p = stage(&o, sizeof(o));
	fd = checked_ioctl(OP_OPEN, pick_fd(K_DEV), MBOX_IOC_OPEN, p, sizeof(o), 0, 0);
	if (fd < 0)
		return;
	memcpy(&o, p, sizeof(o));
	if (!(o.flags & MBOX_OPEN_PID))
		check_new_handle(fd, o.id, o.flags & MBOX_OPEN_RECEIVE ? MBOX_ROLE_RECEIVER : MBOX_ROLE_USER);
	pool_add(fd, o.flags & MBOX_OPEN_RECEIVE ? K_RECEIVER : K_USER, 0);
}

static void op_delete(void)
{
	struct mbox_delete d = { 0 };

	if (mt_chance(50))
		d.id = pick_id();
	else
		d.name = pick_name();
	if (mt_chance(30))
		mutate(&d, sizeof(d));
	checked_ioctl(OP_DELETE, pick_fd(K_DEV), MBOX_IOC_DELETE, stage(&d, sizeof(d)), sizeof(d), 0, 0);
}

static uint32_t pick_msg_flags(bool recv, uint64_t *timeout)
{
	uint32_t f = 0;

	*timeout = 0;
	switch (mt_rnd_below(4)) {
	case 0:
		f = MBOX_MSG_NONBLOCK;
		break;
	case 1:
	case 2:
		f = MBOX_MSG_TIMEOUT;
		*timeout = mt_now_ns() + mt_rnd_below(3000000);
		break;
	default:
		break;	/* blocking: SIGALRM ends it */
	}
	if (recv && mt_chance(10)) {
		f |= mt_chance(50) ? MBOX_RECV_TYPE : MBOX_RECV_FROM;
	}
	return f;
}

static void op_send(void)
{
	struct mbox_send s = { 0 };
	uint64_t t;

	s.len = mt_chance(80) ? mt_rnd_below(600) : (uint32_t)pick_interesting();
	s.buf = pick_ptr(s.len, false);
	s.flags = pick_msg_flags(false, &t);
	s.timeout_ns = t;
	s.priority = mt_chance(90) ? mt_rnd_below(10) : (uint32_t)pick_interesting();
	s.type = mt_rnd_below(4);
	if (mt_chance(20))
		mutate(&s, sizeof(s));
	checked_ioctl(OP_SEND, pick_handle(), MBOX_IOC_SEND, stage(&s, sizeof(s)), sizeof(s), 0, 0);
}

static void op_recv(void)
{
	struct mbox_recv r = { 0 };
	uint64_t t;
	void *p;

	r.len = mt_chance(80) ? mt_rnd_below(70000) : (uint32_t)pick_interesting();
	r.buf = pick_ptr(r.len, true);
	r.flags = pick_msg_flags(true, &t);
	r.timeout_ns = t;
	if (r.flags & MBOX_RECV_FROM)
		r.from_pid = mt_chance(50) ? getpid() : (int32_t)mt_rnd_below(500);
	if (r.flags & MBOX_RECV_TYPE)
		r.want_type = mt_rnd_below(4);
	if (mt_chance(20))
		mutate(&r, sizeof(r));
	p = stage(&r, sizeof(r));
	if (checked_ioctl(OP_RECV, pick_handle(), MBOX_IOC_RECV, p, sizeof(r),
			  offsetof(struct mbox_recv, msg_len), sizeof(r.msg_len)) == 0) {
		memcpy(&r, p, sizeof(r));
		if (r.reserved[0])
			violation("MBOX_IOC_RECV: reserved out field %#llx",
				  (unsigned long long)r.reserved[0]);
	}
}

static void op_info(void)
{
	struct mbox_info i;
	void *p;

	memset(&i, 0x5a, sizeof(i));
	p = stage(&i, sizeof(i));
	if (checked_ioctl(OP_INFO, pick_handle(), MBOX_IOC_INFO, p, sizeof(i), 0, 0) == 0) {
		memcpy(&i, p, sizeof(i));
		if (i.reserved[0] || i.reserved[1])
			violation("MBOX_IOC_INFO: reserved out fields set");
		if (i.role > MBOX_ROLE_RECEIVER || i.state > MBOX_STATE_DEAD)
			violation("MBOX_IOC_INFO: role %u state %u", i.role, i.state);
	}
}

static void op_watch_notice(bool watch)
{
	if (watch) {
		struct mbox_watch w = { 0 };

		if (mt_chance(20))
			mutate(&w, sizeof(w));
		checked_ioctl(OP_WATCH, pick_handle(), MBOX_IOC_WATCH, stage(&w, sizeof(w)), sizeof(w), 0, 0);
	} else {
		struct mbox_notice n;

		memset(&n, 0x77, sizeof(n));
		checked_ioctl(OP_NOTICE, pick_handle(), MBOX_IOC_NOTICE, stage(&n, sizeof(n)), sizeof(n), 0, 0);
	}
}

static void op_batch(bool send)
{
	struct mbox_msgvec *v = (struct mbox_msgvec *)varea;
	struct mbox_batch b = { 0 };
	uint32_t n = mt_chance(90) ? 1 + mt_rnd_below(64) : (uint32_t)pick_interesting();
	uint64_t t;

	for (uint32_t i = 0; i < 64; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].len = mt_rnd_below(600);
		v[i].buf = pick_ptr(v[i].len, !send);
		if (send)
			v[i].priority = mt_rnd_below(4);
		if (mt_chance(5))
			mutate(&v[i], sizeof(v[i]));
	}
	b.vec = mt_chance(90) ? (uintptr_t)v : pick_ptr(n * sizeof(*v), !send);
	b.count = n;
	b.flags = pick_msg_flags(false, &t);
	b.timeout_ns = t;
	if (mt_chance(20))
		mutate(&b, sizeof(b));
	checked_ioctl(send ? OP_SEND_BATCH : OP_RECV_BATCH, pick_handle(),
		      send ? MBOX_IOC_SEND_BATCH : MBOX_IOC_RECV_BATCH,
		      stage(&b, sizeof(b)), sizeof(b), offsetof(struct mbox_batch, done), 4);
}

static const uint32_t used_nr[18] = { 0, 1, 2, 3, 0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x21, 0x22,
				      0x23, 0x24, 0x25, 0x26, 0x30, 0x31 };

static const unsigned long real_cmds[] = {
	MBOX_IOC_VERSION, MBOX_IOC_CREATE, MBOX_IOC_OPEN, MBOX_IOC_DELETE,
	MBOX_IOC_SEND, MBOX_IOC_RECV, MBOX_IOC_INFO, MBOX_IOC_SEND_BATCH,
	MBOX_IOC_RECV_BATCH, MBOX_IOC_WATCH, MBOX_IOC_NOTICE,
	MBOX_IOC_RING_SETUP, MBOX_IOC_RING_WAIT, MBOX_IOC_RING_WAKE,
	MBOX_IOC_RING_INFO, MBOX_IOC_RING_TEARDOWN, MBOX_IOC_RING_ATTACH,
	MBOX_IOC_RING_SEG,
};

static void op_bad_cmd(void)
{
	unsigned long cmd;

	switch (mt_rnd_below(3)) {
	case 0:	/* our magic, an unused number */
		cmd = _IOC(mt_rnd_below(4), MBOX_IOC_MAGIC, 0x23 + mt_rnd_below(0xdc), mt_rnd_below(256));
		break;
	case 1:	/* a used number with the wrong size or direction */
		cmd = _IOC(mt_rnd_below(4), MBOX_IOC_MAGIC, used_nr[mt_rnd_below(14)], mt_rnd_below(512));
		break;
	default:
		cmd = (unsigned long)(uint32_t)mt_rnd();
		break;
	}
	/* Never one of the real commands: those have their own checks. */
	for (size_t i = 0; i < sizeof(real_cmds) / sizeof(real_cmds[0]); i++)
		if (cmd == real_cmds[i])
			return;
	checked_ioctl(OP_BAD_CMD, mt_chance(50) ? pick_fd(K_DEV) : pick_handle(), cmd,
		      mt_chance(80) ? sarea : (void *)(uintptr_t)pick_ptr(64, true),
		      0, 0, 0);
}

static void op_close(void)
{
	unsigned int i = mt_rnd_below(POOL);

	if (pool[i].kind == K_NONE)
		return;
	close(pool[i].fd);
	pool[i].kind = K_NONE;
}

static void op_dup(void)
{
	int fd = pick_handle(), nfd;

	if (fd < 0)
		return;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd >= 0)
		pool_add(nfd, kind_of(fd), 0);
}

static void op_poll(void)
{
	struct pollfd p[4];
	int ep;

	for (int i = 0; i < 4; i++) {
		p[i].fd = pick_handle();
		p[i].events = (short)(POLLIN | POLLOUT | POLLPRI | POLLHUP);
	}
	poll(p, 4, (int)mt_rnd_below(3));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep >= 0) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLET };
		struct epoll_event out[4];

		for (int i = 0; i < 4; i++)
			epoll_ctl(ep, EPOLL_CTL_ADD, p[i].fd, &ev);
		epoll_wait(ep, out, 4, (int)mt_rnd_below(2));
		/* Sometimes keep the epoll (and its watches) around. */
		if (mt_chance(20))
			pool_add(ep, K_OTHER, 0);
		else
			close(ep);
	}
}

static void op_fileops(void)
{
	int fd = pick_handle();
	void *m;

	switch (mt_rnd_below(5)) {
	case 0:
		(void)!read(fd, good, mt_rnd_below(100));
		break;
	case 1:
		(void)!write(fd, good, mt_rnd_below(100));
		break;
	case 2:
		m = mmap(NULL, PAGE, PROT_READ | (mt_chance(50) ? PROT_WRITE : 0), MAP_SHARED, fd,
			 (off_t)mt_rnd_below(4) * PAGE);
		if (m != MAP_FAILED)
			munmap(m, PAGE);
		break;
	case 3:
		lseek(fd, (off_t)mt_rnd(), SEEK_SET);
		break;
	default:
		fcntl(fd, F_SETFL, mt_chance(50) ? O_NONBLOCK : 0);
		break;
	}
}

static const char *const params[] = {
	"msg_size_max", "capacity_max", "user_bytes_max", "user_mailboxes_max",
};
/* What the module had at start: put back at the end (mbox_testlib). */
static struct mt_params saved_params;

/* Back to the value saved at start (none saved: left as it is). */
static void reset_param(int i)
{
	unsigned long long v;

	if (!mt_params_saved(&saved_params, params[i], &v))
		mt_param_write(params[i], v);
}

static void op_param(void)
{
	char val[64];
	int i = (int)mt_rnd_below(4);

	if (getuid() != 0)
		return;
	switch (mt_rnd_below(4)) {
	case 0:
		snprintf(val, sizeof(val), "%" PRIu64, pick_interesting());
		break;
	case 1:
		snprintf(val, sizeof(val), "-%u", mt_rnd_below(10));
		break;
	case 2:
		snprintf(val, sizeof(val), "%s", "garbage\n");
		break;
	default:	/* back to the original, most of the time */
		val[0] = 0;
		reset_param(i);
		break;
	}
	if (val[0])
		mt_param_write_str(params[i], val);
	/* Never leave a limit that stops everybody for long. */
	if (mt_chance(50))
		reset_param(i);
}

/* ------------------------------------------------- generic netlink */

static int nl_fd = -1;
static uint16_t nl_family;	/* 0: no "mbox" family */

static int nl_talk(void *req, size_t len, void *resp, size_t cap)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(nl_fd, req, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	atomic_fetch_add(&sh->nl_sent, 1);
	if (!resp)
		return 0;
	return (int)recv(nl_fd, resp, cap, 0);
}

static void nl_setup(void)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		struct nlattr a;
		char name[8];
	} req = { 0 };
	uint8_t resp[4096];
	struct timeval tv = { .tv_sec = 1 };
	int len;

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0)
		return;
	setsockopt(nl_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	req.n.nlmsg_len = sizeof(req);
	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	req.a.nla_len = NLA_HDRLEN + 5;
	req.a.nla_type = CTRL_ATTR_FAMILY_NAME;
	memcpy(req.name, "mbox", 5);
	len = nl_talk(&req, sizeof(req), resp, sizeof(resp));
	if (len < (int)(NLMSG_HDRLEN + GENL_HDRLEN))
		return;
	if (((struct nlmsghdr *)resp)->nlmsg_type == NLMSG_ERROR)
		return;		/* no such family */
	for (int off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= len;) {
		struct nlattr *a = (struct nlattr *)(resp + off);

		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			memcpy(&nl_family, resp + off + NLA_HDRLEN, 2);
		off += NLA_ALIGN(a->nla_len);
	}
	tv.tv_sec = 0;
	tv.tv_usec = 20000;
	setsockopt(nl_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Random attributes, some nested, some with lying lengths. */
static size_t nl_attrs(uint8_t *p, size_t cap, int depth)
{
	size_t off = 0;
	unsigned int n = mt_rnd_below(6);

	for (unsigned int i = 0; i < n && off + 64 < cap; i++) {
		struct nlattr *a = (struct nlattr *)(p + off);
		uint32_t plen = mt_rnd_below(4) == 0 ? mt_rnd_below(40) : (uint32_t[]){ 0, 1, 2, 4, 8 }[mt_rnd_below(5)];

		a->nla_type = (uint16_t)(mt_rnd_below(30) | (mt_chance(10) ? NLA_F_NESTED : 0));
		if (depth < 2 && mt_chance(15)) {
			size_t inner = nl_attrs(p + off + NLA_HDRLEN, cap - off - NLA_HDRLEN, depth + 1);

			a->nla_type |= NLA_F_NESTED;
			plen = (uint32_t)inner;
		} else {
			for (uint32_t j = 0; j < plen; j++)
				p[off + NLA_HDRLEN + j] = mt_chance(50) ? 0 : (uint8_t)mt_rnd();
			if (plen >= 8 && mt_chance(30)) {
				uint64_t v = pick_interesting();

				memcpy(p + off + NLA_HDRLEN, &v, 8);
			}
		}
		a->nla_len = (uint16_t)(NLA_HDRLEN + plen);
		if (mt_chance(5))
			a->nla_len = (uint16_t)mt_rnd_below(200);	/* lies */
		off += NLA_ALIGN(NLA_HDRLEN + plen);
	}
	return off;
}

static void op_netlink(void)
{
	uint8_t buf[2048], resp[8192];
	struct nlmsghdr *n = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(buf + NLMSG_HDRLEN);
	size_t len;

	if (nl_fd < 0 || !nl_family)
		return;
	memset(buf, 0, sizeof(buf));
	len = NLMSG_HDRLEN + GENL_HDRLEN;
	len += nl_attrs(buf + len, sizeof(buf) - len, 0);
	n->nlmsg_len = (uint32_t)len;
	n->nlmsg_type = nl_family;
	n->nlmsg_flags = NLM_F_REQUEST | (mt_chance(50) ? NLM_F_ACK : 0) | (mt_chance(30) ? NLM_F_DUMP : 0);
	n->nlmsg_seq = (uint32_t)mt_rnd();
	g->cmd = (uint8_t)mt_rnd_below(16);
	g->version = mt_chance(90) ? 1 : (uint8_t)mt_rnd();
	g->reserved = mt_chance(90) ? 0 : (uint16_t)mt_rnd();
	if (mt_chance(5))
		n->nlmsg_len = (uint32_t)mt_rnd_below((uint32_t)len + 16);
	if (nl_talk(buf, len, NULL, 0) < 0)
		return;
	/* Drain what came back; dumps may take several reads. */
	for (int i = 0; i < 16; i++) {
		int got = (int)recv(nl_fd, resp, sizeof(resp), MSG_DONTWAIT);

		if (got <= 0)
			break;
		for (int off = 0; off + (int)NLMSG_HDRLEN <= got;) {
			struct nlmsghdr *r = (struct nlmsghdr *)(resp + off);

			if (r->nlmsg_len < NLMSG_HDRLEN || off + (int)r->nlmsg_len > got) {
				violation("netlink reply with length %u at %d of %d", r->nlmsg_len, off, got);
				break;
			}
			off += NLMSG_ALIGN(r->nlmsg_len);
		}
	}
}

/* ------------------------------------------------------- shared ring */

/* Ring parts this worker has mapped (and may scribble on). */
#define MAX_MAPS	12
static struct ring_map {
	void *addr;
	size_t len;
	uint64_t off;	/* MBOX_RING_OFF_* */
	bool writable;
	uint32_t nslots, slot_size, slots_offset;	/* as set up when mapped */
} maps[MAX_MAPS];

static void unmap_one(unsigned int i)
{
	if (maps[i].addr)
		munmap(maps[i].addr, maps[i].len);
	maps[i].addr = NULL;
}

static void ring_setup(void)
{
	struct mbox_ring_setup rs = { 0 };

	rs.nsegs = mt_chance(85) ? 1 + mt_rnd_below(MBOX_RING_SEGS_MAX) : (uint32_t)pick_interesting();
	rs.nslots = mt_chance(85) ? 1u << mt_rnd_below(8) : (uint32_t)pick_interesting();
	rs.slot_size = mt_chance(85) ? 24 + 8 * mt_rnd_below(40) : (uint32_t)pick_interesting();
	if (mt_chance(20))
		mutate(&rs, sizeof(rs));
	checked_ioctl(OP_RING, pick_fd(K_OWNER), MBOX_IOC_RING_SETUP,
		      stage(&rs, sizeof(rs)), sizeof(rs), 0, 0);
}

/* The other ring commands: attach, teardown, segment operations, info. */
static void ring_ctl(void)
{
	int fd = pick_handle(), ret = 0;
	struct mbox_ring_info in;
	struct mbox_ring_seg so = { 0 };

	switch (mt_rnd_below(5)) {
	case 0:
		ret = ioctl(fd, MBOX_IOC_RING_ATTACH, mt_chance(95) ? 0 : (unsigned long)mt_rnd());
		break;
	case 1:
		if (mt_chance(10))	/* rare: everyone's mappings go stale */
			ret = ioctl(fd, MBOX_IOC_RING_TEARDOWN, 0);
		break;
	case 2:
	case 3:
		so.seg = mt_chance(90) ? mt_rnd_below(MBOX_RING_SEGS_MAX) : (uint32_t)mt_rnd();
		so.op = mt_chance(90) ? 1 + mt_rnd_below(2) : (uint32_t)mt_rnd();
		if (mt_chance(10))
			mutate(&so, sizeof(so));
		ret = ioctl(fd, MBOX_IOC_RING_SEG, &so);
		break;
	default:
		ret = ioctl(fd, MBOX_IOC_RING_INFO, &in);
		break;
	}
	if (ret < 0 && is_mbox_fd(fd) && !in_list(e_any, errno) && !in_list(e_ring_ctl, errno))
		violation("ring command returned undocumented -%s", strerrorname_np(errno));
}

/* Maps a part of the ring of a random handle, usually the right way. */
static void ring_map(void)
{
	static const uint64_t offs[5] = {
		MBOX_RING_OFF_CTRL, MBOX_RING_OFF_CONS, MBOX_RING_OFF_DATA,
		MBOX_RING_OFF_SEG_CONS, MBOX_RING_OFF_SEG_DATA,
	};
	unsigned int i = mt_rnd_below(MAX_MAPS);
	int fd = pick_handle(), prot, flags = MAP_SHARED;
	bool owner = kind_of(fd) == K_OWNER;
	uint64_t off = offs[owner ? mt_rnd_below(3) : 3 + mt_rnd_below(2)];
	struct mbox_ring_info in = { 0 };
	size_t len;
	void *p;

	if (mt_chance(10))
		off = offs[mt_rnd_below(5)];
	if (ioctl(fd, MBOX_IOC_RING_INFO, &in) || !in.nsegs)
		return;
	if (!owner && mt_chance(50))
		ioctl(fd, MBOX_IOC_RING_ATTACH, 0);
	len = off == MBOX_RING_OFF_CTRL ? in.ctrl_size :
	      off == MBOX_RING_OFF_CONS ? in.cons_size :
	      off == MBOX_RING_OFF_DATA ? in.data_size :
	      off == MBOX_RING_OFF_SEG_CONS ? PAGE : in.seg_data_size;
	if (!len)
		len = PAGE;
	prot = PROT_READ | (off == MBOX_RING_OFF_CONS || off == MBOX_RING_OFF_SEG_DATA ?
			    PROT_WRITE : 0);
	if (mt_chance(10))
		len = mt_chance(50) ? len + PAGE : (len > PAGE ? len - PAGE : 1);
	if (mt_chance(10))
		off += PAGE * mt_rnd_below(4);
	if (mt_chance(10))
		prot ^= PROT_WRITE;
	if (mt_chance(3))
		prot |= PROT_EXEC;
	if (mt_chance(5))
		flags = MAP_PRIVATE;
	p = mmap(NULL, len, prot, flags, fd, (off_t)off);
	if (p == MAP_FAILED)
		return;
	if (mt_chance(10))
		mprotect(p, len, PROT_READ | PROT_WRITE);	/* EACCES if read-only */
	if (mt_chance(5))
		mremap(p, len, len + PAGE, 0);		/* may not grow */
	unmap_one(i);
	maps[i] = (struct ring_map){ .addr = p, .len = len, .off = off,
				     .writable = prot & PROT_WRITE, .nslots = in.nslots,
				     .slot_size = in.slot_size, .slots_offset = in.slots_offset };
}

/*
 * Writes into a mapped writable part: mostly what a correct producer or
 * consumer would, sometimes garbage in the indices, the ready set or the
 * slot headers.  A stale mapping (torn-down ring) is scratch memory.
 */
static void ring_scribble(void)
{
	struct ring_map *m = &maps[mt_rnd_below(MAX_MAPS)];
	uint32_t nslots = m->nslots, slot_size = m->slot_size;

	if (!m->addr || !m->writable)
		return;
	if (!nslots || !slot_size || nslots > MBOX_RING_SLOTS_MAX)
		return;
	if (m->off == MBOX_RING_OFF_CONS && m->len >= 2 * PAGE) {
		size_t segs = m->len / PAGE - 1;
		struct mbox_ring_seg_cons *c =
			(struct mbox_ring_seg_cons *)((uint8_t *)m->addr + PAGE * (1 + mt_rnd_below(segs)));
		_Atomic uint32_t *head = (_Atomic uint32_t *)&c->head;
		_Atomic uint32_t *nw = (_Atomic uint32_t *)&c->need_wake;

		switch (mt_rnd_below(5)) {
		case 0:
			atomic_store(head, (uint32_t)mt_rnd());
			break;
		case 1:
			atomic_store(nw, (uint32_t)mt_rnd_below(3));
			break;
		case 2:
			((struct mbox_ring_ready *)m->addr)->ready = mt_rnd();
			break;
		default:	/* consume one, as a consumer would, unchecked */
			atomic_fetch_add(head, 1);
			break;
		}
	} else if (m->off == MBOX_RING_OFF_SEG_DATA &&
		   m->len >= m->slots_offset + (uint64_t)nslots * slot_size) {
		_Atomic uint32_t *tail = (_Atomic uint32_t *)&((struct mbox_ring_seg_data *)m->addr)->tail;
		uint32_t t = atomic_load(tail);
		struct mbox_ring_slot *sl = (struct mbox_ring_slot *)((uint8_t *)m->addr + m->slots_offset +
								      (size_t)(t & (nslots - 1)) * slot_size);

		switch (mt_rnd_below(6)) {
		case 0:
			atomic_store(tail, (uint32_t)mt_rnd());
			break;
		case 1:
			sl->seq = (uint32_t)mt_rnd();
			break;
		case 2:
			sl->len = (uint32_t)pick_interesting();
			sl->flags = (uint32_t)mt_rnd();
			break;
		default:	/* produce one the proper way, unless full */
			if (atomic_compare_exchange_strong(tail, &t, t + 1)) {
				sl->len = mt_rnd_below(slot_size - sizeof(*sl) + 1);
				sl->type = (uint32_t)mt_rnd();
				sl->flags = mt_chance(10) ? MBOX_RING_SLOT_SKIP : 0;
				atomic_store((_Atomic uint32_t *)&sl->seq, t + 1);
			}
			break;
		}
	}
}

static void op_ring(void)
{
	unsigned int r;

	if (!(features & MBOX_FEAT_RING_SEG))
		return;
	r = mt_rnd_below(100);
	if (r < 15)
		ring_setup();
	else if (r < 25)
		ring_ctl();
	else if (r < 45)
		ring_map();
	else if (r < 55)
		unmap_one(mt_rnd_below(MAX_MAPS));
	else
		ring_scribble();
}

static void op_ring_wait(void)
{
	struct mbox_ring_wait w = { 0 };

	if (!(features & MBOX_FEAT_RING_SEG))
		return;
	if (mt_chance(40)) {
		unsigned long arg = mt_chance(90) ? 0 : (unsigned long)mt_rnd();
		int fd = pick_handle(), ret;

		ret = ioctl(fd, MBOX_IOC_RING_WAKE, arg);
		if (ret < 0 && is_mbox_fd(fd) && !in_list(e_any, errno) && !in_list(e_ring_wake, errno))
			violation("ring_wake returned undocumented -%s", strerrorname_np(errno));
		return;
	}
	w.flags = mt_chance(50) ? MBOX_MSG_NONBLOCK : MBOX_MSG_TIMEOUT;
	if (w.flags & MBOX_MSG_TIMEOUT)
		w.timeout_ns = mt_now_ns() + mt_rnd_below(2000000);
	if (mt_chance(20))
		mutate(&w, sizeof(w));
	checked_ioctl(OP_RING_WAIT, pick_handle(), MBOX_IOC_RING_WAIT, stage(&w, sizeof(w)), sizeof(w), 0, 0);
}

/* ------------------------------------------------------ the workers */

static void on_alarm(int sig)
{
	(void)sig;
}

static bool fail_nth_ok;

static void maybe_inject(void)
{
	char val[16];
	int fd, n;

	if (!fail_nth_ok || !mt_chance(5))
		return;
	fd = open("/proc/thread-self/fail-nth", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = snprintf(val, sizeof(val), "%u", 1 + mt_rnd_below(8));
	if (write(fd, val, (size_t)n) == n)
		atomic_fetch_add(&sh->faults_injected, 1);
	close(fd);
}

static void clear_inject(void)
{
	int fd;

	if (!fail_nth_ok)
		return;
	fd = open("/proc/thread-self/fail-nth", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "0", 1);
		close(fd);
	}
}

/*
 * Tell the kernel log that allocation failures from here on are ours: an
 * injected slab failure inside vmalloc() (a ring's vmalloc_user()) prints
 * the kernel's allocation-failure notice with a stack dump, and
 * tools/scripts/vm/run must not take those for bugs (it accepts them only after
 * this line, and only in this program).
 */
static void announce_injection(void)
{
	static const char line[] =
		PROG ": fault injection on: allocation failure notices follow\n";
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	(void)!write(fd, line, sizeof(line) - 1);
	close(fd);
}

static void do_op(enum op op);
/* SIGALRM every 20 ms: no call waits long. */
static const struct itimerval alarm_every = { { 0, 20000 }, { 0, 20000 } };

static void op_fork(void)
{
	pid_t pid;

	if (getpid() != atomic_load(&sh->w[worker_index].pid))
		return;		/* children do not fork again */
	pid = fork();
	if (pid)
		return;
	atomic_fetch_add(&sh->forks, 1);
	/* Neither the timer nor the death signal survive fork(). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setitimer(ITIMER_REAL, &alarm_every, NULL);
	/* The child works on the inherited handles, then goes. */
	for (unsigned int i = mt_rnd_below(40); i; i--)
		do_op((enum op)mt_rnd_below(OP_CLOSE));
	if (mt_chance(30))
		raise(SIGKILL);
	_exit(0);
}

static void op_unshare(void)
{
	if (getuid() == 0 && mt_chance(50))
		unshare(CLONE_NEWIPC);
}

static enum op pick_op(void)
{
	static unsigned int total;
	unsigned int r;

	if (!total)
		for (int i = 0; i < NR_OPS; i++)
			total += op_weight[i];
	r = mt_rnd_below(total);
	for (int i = 0; i < NR_OPS; i++) {
		if (r < op_weight[i])
			return (enum op)i;
		r -= op_weight[i];
	}
	return OP_SEND;
}

static void do_op(enum op op)
{
	int fd;

	cur_what = op_names[op];
	atomic_fetch_add(&sh->ops_by_kind[op], 1);
	switch (op) {
	case OP_DEV_OPEN:
		fd = open(MBOX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			pool_add(fd, K_DEV, 0);
		break;
	case OP_CREATE: op_create(); break;
	case OP_OPEN: op_open(); break;
	case OP_DELETE: op_delete(); break;
	case OP_VERSION: {
		struct mbox_version v;

		checked_ioctl(OP_VERSION, pick_fd(K_DEV), MBOX_IOC_VERSION, stage(&v, sizeof(v)), sizeof(v), 0, 0);
		break;
	}
	case OP_SEND: op_send(); break;
	case OP_RECV: op_recv(); break;
	case OP_INFO: op_info(); break;
	case OP_WATCH: op_watch_notice(true); break;
	case OP_NOTICE: op_watch_notice(false); break;
	case OP_SEND_BATCH: op_batch(true); break;
	case OP_RECV_BATCH: op_batch(false); break;
	case OP_BAD_CMD: op_bad_cmd(); break;
	case OP_CLOSE: op_close(); break;
	case OP_DUP: op_dup(); break;
	case OP_FORK: op_fork(); break;
	case OP_POLL: op_poll(); break;
	case OP_FILEOPS: op_fileops(); break;
	case OP_PARAM: op_param(); break;
	case OP_NETLINK: op_netlink(); break;
	case OP_RING: op_ring(); break;
	case OP_RING_WAIT: op_ring_wait(); break;
	case OP_UNSHARE: op_unshare(); break;
	default: break;
	}
}

static void worker_main(int idx, uint32_t gen, uint64_t budget)
{
	struct worker_state *w = &sh->w[idx];
	struct sigaction sa = { .sa_handler = on_alarm };
	uint64_t x = opt.seed ^ ((uint64_t)idx << 48) ^ ((uint64_t)gen << 32);
	int fd;

	worker_index = idx;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	mt_rng_state = x;
	mt_rnd();
	signal(SIGCHLD, SIG_IGN);	/* forked children reap themselves */
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: waits end with EINTR */
	/*
	 * Odd workers are nobody: permission paths, other users' mailboxes.
	 * They keep /dev/mbox's group, as a user in the "mbox" group would
	 * under the installed udev rule (root:mbox 0660).
	 */
	if ((idx & 1) && getuid() == 0) {
		struct stat dev_st;
		gid_t dev_gid = NOBODY;

		if (!stat(MBOX_DEVICE_PATH, &dev_st) && (dev_st.st_mode & 0060) == 0060)
			dev_gid = dev_st.st_gid;
		if (setgroups(1, &dev_gid) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			mt_fatal("cannot drop privileges: %s", strerror(errno));
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	}
	setup_memory();
	fail_nth_ok = opt.faults && access("/proc/thread-self/fail-nth", W_OK) == 0;
	nl_setup();
	for (int i = 0; i < POOL; i++)
		pool[i].kind = K_NONE;
	fd = open(MBOX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		mt_fatal("open %s: %s", MBOX_DEVICE_PATH, strerror(errno));
	pool_add(fd, K_DEV, 0);
	fd = eventfd(0, EFD_CLOEXEC);
	if (fd >= 0)
		pool_add(fd, K_OTHER, 0);
	setitimer(ITIMER_REAL, &alarm_every, NULL);

	while (!atomic_load(&sh->stop) && (!budget || atomic_load(&w->ops) < budget)) {
		enum op op = pick_op();

		atomic_store(&w->cur_op, op);
		maybe_inject();
		do_op(op);
		clear_inject();
		atomic_fetch_add(&w->ops, 1);
		if (mt_chance(1) && mt_chance(5))
			_exit(0);	/* everything closes at exit */
	}
	_exit(0);
}

/* -------------------------------------------------------- supervisor */

static void spawn(int idx, uint64_t budget)
{
	uint32_t gen = atomic_fetch_add(&sh->w[idx].gen, 1) + 1;
	pid_t pid = fork();

	if (pid < 0)
		mt_fatal("fork: %s", strerror(errno));
	if (!pid) {
		atomic_store(&sh->w[idx].pid, getpid());
		worker_main(idx, gen, budget);
	}
	atomic_store(&sh->w[idx].pid, pid);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: " PROG " [-d SECONDS | -n OPS] [-w WORKERS] [-s SEED] [-F] [-v]\n"
		"  -d  run for SECONDS (default 10)\n"
		"  -n  run OPS operations per worker instead\n"
		"  -w  worker processes (default 4; odd ones run as nobody)\n"
		"  -s  seed (default: from the clock; printed)\n"
		"  -F  no fault injection even where the kernel offers it\n"
		"  -v  print the errno histogram\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct mbox_version v = { 0 };
	uint64_t end, last_check, total = 0;
	int c, dev, alive;

	opt.seed = mt_now_ns() ^ ((uint64_t)getpid() << 40);
	opt.faults = true;
	while ((c = getopt(argc, argv, "d:n:w:s:Fvh")) != -1) {
		switch (c) {
		case 'd': opt.duration = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'n': opt.ops = strtoull(optarg, NULL, 0); break;
		case 'w': opt.workers = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 's': opt.seed = strtoull(optarg, NULL, 0); break;
		case 'F': opt.faults = false; break;
		case 'v': opt.verbose = true; break;
		default: usage();
		}
	}
	if (optind != argc || !opt.workers || opt.workers > MAX_WORKERS)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		mt_fatal("mmap: %s", strerror(errno));
	dev = open(MBOX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0 || ioctl(dev, MBOX_IOC_VERSION, &v))
		mt_fatal("%s: %s (is the module loaded?)", MBOX_DEVICE_PATH, strerror(errno));
	features = v.features;
	mt_params_save(&saved_params);
	/*
	 * Fault injection (the debug kernel): let fail-nth reach sleeping
	 * allocations too, and keep quiet about it - a stack dump per
	 * injected failure would look like a kernel report.
	 */
	if (opt.faults && getuid() == 0) {
		static const char *const knobs[][2] = {
			{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
			{ "/sys/kernel/debug/failslab/verbose", "0" },
		};

		for (size_t i = 0; i < 2; i++) {
			int fd = open(knobs[i][0], O_WRONLY | O_CLOEXEC);

			if (fd >= 0) {
				(void)!write(fd, knobs[i][1], 1);
				close(fd);
			}
		}
	}
	if (opt.faults && access("/proc/self/fail-nth", F_OK) == 0)
		announce_injection();
	printf(PROG ": seed %#" PRIx64 " (rerun with -s %#" PRIx64 "), %u workers, %s, features %#" PRIx64 ", fault injection %s\n",
	       opt.seed, opt.seed, opt.workers, opt.ops ? "by operation count" : "by time",
	       (uint64_t)v.features,
	       opt.faults && access("/proc/self/fail-nth", F_OK) == 0 ? "on" : "off");

	for (unsigned int i = 0; i < opt.workers; i++)
		spawn((int)i, opt.ops);
	end = opt.ops ? UINT64_MAX : mt_now_ns() + (uint64_t)opt.duration * 1000000000ULL;
	last_check = mt_now_ns();
	for (;;) {
		int status;
		pid_t pid;

		if (mt_now_ns() >= end)
			atomic_store(&sh->stop, 1);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (unsigned int i = 0; i < opt.workers; i++) {
				if (atomic_load(&sh->w[i].pid) != pid)
					continue;
				atomic_store(&sh->w[i].pid, 0);
				if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
					/* Setup failed (message above): no point going on. */
					violation("worker %u could not start", i);
					atomic_store(&sh->stop, 1);
				} else if (!WIFEXITED(status) || WEXITSTATUS(status))
					violation("worker %u died: %s %d", i,
						  WIFSIGNALED(status) ? "signal" : "exit status",
						  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
				if (!atomic_load(&sh->stop) &&
				    (!opt.ops || atomic_load(&sh->w[i].ops) < opt.ops))
					spawn((int)i, opt.ops);
			}
		}
		alive = 0;
		for (unsigned int i = 0; i < opt.workers; i++)
			alive += atomic_load(&sh->w[i].pid) > 0;
		if (!alive && (atomic_load(&sh->stop) || opt.ops))
			break;
		if (mt_now_ns() - last_check > STUCK_SEC * 1000000000ULL) {
			for (unsigned int i = 0; i < opt.workers; i++) {
				struct worker_state *w = &sh->w[i];
				pid_t wp = atomic_load(&w->pid);

				if (wp > 0 && atomic_load(&w->ops) == atomic_load(&w->heartbeat)) {
					violation("worker %u (pid %d) made no progress in %d s, in %s",
						  i, wp, STUCK_SEC, op_names[atomic_load(&w->cur_op)]);
					mt_print_kernel_stack(PROG ":", wp);
					kill(wp, SIGKILL);
				}
				atomic_store(&w->heartbeat, atomic_load(&w->ops));
			}
			last_check = mt_now_ns();
		}
		usleep(20000);
	}
	mt_params_restore(&saved_params);
	/* They pin the module: leave none behind. */
	for (uint32_t i = 0; i < atomic_load(&sh->nos_ids) && i < (1 << 16); i++) {
		struct mbox_delete d = { .id = atomic_load(&sh->os_ids[i]) };

		if (ioctl(dev, MBOX_IOC_DELETE, &d) && errno != ENOENT)
			violation("deleting OS-owned mailbox %" PRIu64 ": %s",
				  (uint64_t)d.id, strerror(errno));
	}

	for (unsigned int i = 0; i < opt.workers; i++)
		total += atomic_load(&sh->w[i].ops);
	printf(PROG ": %" PRIu64 " operations (", total);
	for (int i = 0; i < NR_OPS; i++)
		if (sh->ops_by_kind[i])
			printf("%s%s %" PRIu64, i ? ", " : "", op_names[i], (uint64_t)sh->ops_by_kind[i]);
	printf("); %" PRIu64 " forks, %" PRIu64 " netlink requests, %" PRIu64 " injected allocation failures\n",
	       (uint64_t)sh->forks, (uint64_t)sh->nl_sent, (uint64_t)sh->faults_injected);
	if (opt.verbose) {
		for (int i = 0; i < NR_OPS; i++) {
			bool any = false;

			for (int e = 0; e < 140; e++) {
				if (!sh->errno_seen[i][e])
					continue;
				printf("%s%s %s:%" PRIu64, any ? "," : PROG ": errors of", any ? "" : op_names[i],
				       e ? strerrorname_np(e) : "ok", (uint64_t)sh->errno_seen[i][e]);
				any = true;
			}
			if (any)
				printf("\n");
		}
	}
	if (sh->rep.violations) {
		printf(PROG ": FAIL: %" PRIu64 " violation(s), seed %#" PRIx64 "; the first ones:\n",
		       (uint64_t)sh->rep.violations, opt.seed);
		mt_reports_print(&sh->rep, PROG);
		return 1;
	}
	printf(PROG ": PASS (seed %#" PRIx64 ")\n", opt.seed);
	return 0;
}
