// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_ring: the segmented shared ring (MBOX_IOC_RING_*, mmap of
 * MBOX_RING_OFF_*, libmbox's mbox_ring.h).
 *
 * Each producer is a user handle with its own segment; most tests run
 * producers in forked children that open their own handle, so that pids
 * and segments differ.  Nothing waits without a deadline that ends the
 * test.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"
#include <mbox/mbox_ring.h>

#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>

#define MSG_SIZE	256
#define NSEGS		4
#define NSLOTS		8
#define SLOT_SIZE	64
#define PAYLOAD		(SLOT_SIZE - 16)
#define WAIT_MS		10000

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static struct timespec deadline_ms(unsigned int ms)
{
	return ns_to_ts(now_ns() + (uint64_t)ms * NSEC_PER_MSEC);
}

static int map_raw(int fd, size_t len, int prot, int flags, uint64_t off,
		   void **out)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static int ring_wait_raw(int fd, uint32_t flags, uint64_t timeout_ns)
{
	struct mbox_ring_wait w;

	memset(&w, 0, sizeof(w));
	w.flags = flags;
	w.timeout_ns = timeout_ns;
	return xioctl(fd, MBOX_IOC_RING_WAIT, &w);
}

static int seg_op(int fd, uint32_t seg, uint32_t op)
{
	struct mbox_ring_seg s;

	memset(&s, 0, sizeof(s));
	s.seg = seg;
	s.op = op;
	return xioctl(fd, MBOX_IOC_RING_SEG, &s);
}

static struct mbox_ring_info ring_info(int fd)
{
	struct mbox_ring_info i;

	mbox_ring_info(fd, &i);
	return i;
}

FIXTURE(ring) {
	int owner;
	int user;
	uint64_t id;
	struct mbox_ring cons;
	struct mbox_ring prod;
};

FIXTURE_SETUP(ring)
{
	struct mbox_attr a = MBOX_ATTR_BOUNDED(8, MSG_SIZE);

	memset(&self->cons, 0, sizeof(self->cons));
	memset(&self->prod, 0, sizeof(self->prod));
	self->cons.fd = self->prod.fd = -1;
	a.mode = 0666;
	a.fd_flags = O_CLOEXEC;
	self->owner = mbox_create(&a, NULL, &self->id);
	ASSERT_LE(0, self->owner) TH_LOG("create: %s", strerror(-self->owner));
	self->user = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, self->user) TH_LOG("open: %s", strerror(-self->user));
}

FIXTURE_TEARDOWN(ring)
{
	reap_children();
	if (self->cons.fd >= 0)
		mbox_ring_unmap(&self->cons);
	if (self->prod.fd >= 0)
		mbox_ring_unmap(&self->prod);
	if (self->user >= 0)
		close(self->user);
	if (self->owner >= 0)
		close(self->owner);
}

/* Sets up a ring and maps the consumer side, and the fixture's producer. */
static int ring_up(FIXTURE_DATA(ring) *self, uint32_t nsegs, uint32_t nslots)
{
	int err = mbox_ring_setup(self->owner, nsegs, nslots, SLOT_SIZE);

	if (err)
		return err;
	err = mbox_ring_map(&self->cons, self->owner);
	if (err)
		return err;
	return mbox_ring_map(&self->prod, self->user);
}

/* A child producer with its own handle: @n messages "<tag>:<i>". */
static int produce(uint64_t id, uint32_t tag, unsigned int n)
{
	struct timespec dl = deadline_ms(WAIT_MS);
	struct mbox_ring r;
	int fd, err = 0;
	unsigned int i;
	uint32_t v[2];

	fd = mbox_open_id(id, O_CLOEXEC);
	if (fd < 0)
		return fd;
	err = mbox_ring_map(&r, fd);
	close(fd);
	if (err)
		return err;
	for (i = 0; i < n && !err; i++) {
		v[0] = tag;
		v[1] = i;
		err = mbox_ring_send_timed(&r, v, sizeof(v), tag, &dl);
	}
	mbox_ring_unmap(&r);
	return err;
}

static ssize_t recv_ms(struct mbox_ring *r, void *buf, size_t size,
		       struct mbox_ring_msg *m, unsigned int ms)
{
	struct timespec dl = deadline_ms(ms);

	return mbox_ring_recvmsg(r, buf, size, m, &dl);
}

/* ------------------------------------------------------------- set-up */

TEST(version_reports_the_segmented_ring_feature)
{
	struct mbox_version v;
	int dev = dev_open();

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, xioctl(dev, MBOX_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & MBOX_FEAT_RING_SEG);
	EXPECT_FALSE(v.features & MBOX_FEAT_RING);
	close(dev);
}

TEST_F(ring, setup_on_a_user_handle_fails_eperm)
{
	EXPECT_EQ(-EPERM, mbox_ring_setup(self->user, 1, NSLOTS, SLOT_SIZE));
}

TEST_F(ring, setup_twice_fails_ebusy)
{
	ASSERT_EQ(0, mbox_ring_setup(self->owner, 1, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EBUSY, mbox_ring_setup(self->owner, 1, NSLOTS, SLOT_SIZE));
}

TEST_F(ring, setup_with_bad_geometry_fails_einval)
{
	static const struct { uint32_t nsegs, nslots, slot_size; } bad[] = {
		{ 0, NSLOTS, SLOT_SIZE },			/* no segment */
		{ MBOX_RING_SEGS_MAX + 1, NSLOTS, SLOT_SIZE },
		{ 1, 0, SLOT_SIZE },				/* no slot */
		{ 1, 3, SLOT_SIZE },				/* not 2^n */
		{ 1, MBOX_RING_SLOTS_MAX * 2, SLOT_SIZE },
		{ 1, NSLOTS, SLOT_SIZE + 4 },			/* not 8n */
		{ 1, NSLOTS, MBOX_RING_SLOT_SIZE_MIN - 8 },
		{ 1, NSLOTS, MSG_SIZE + 24 },			/* > msg_size */
		{ 64, 4096, 128 },				/* > bytes max */
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, mbox_ring_setup(self->owner, bad[i].nsegs,
						   bad[i].nslots,
						   bad[i].slot_size))
			TH_LOG("case %u", i);
	EXPECT_EQ(0, ring_info(self->owner).nsegs);
}

TEST_F(ring, setup_with_flags_or_reserved_fails_einval)
{
	struct mbox_ring_setup s;

	memset(&s, 0, sizeof(s));
	s.nsegs = 1;
	s.nslots = NSLOTS;
	s.slot_size = SLOT_SIZE;
	s.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->owner, MBOX_IOC_RING_SETUP, &s));
	s.flags = 0;
	s.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->owner, MBOX_IOC_RING_SETUP, &s));
}

TEST_F(ring, setup_from_a_bad_pointer_fails_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->owner, MBOX_IOC_RING_SETUP, bad_ptr()));
	EXPECT_EQ(0, ring_info(self->owner).nsegs);
}

TEST_F(ring, setup_beyond_the_user_byte_quota_fails_enobufs)
{
	unsigned long long saved;
	int ret;

	ASSERT_EQ(0, param_read("user_bytes_max", &saved));
	ASSERT_EQ(0, param_write("user_bytes_max", 4096));
	ret = mbox_ring_setup(self->owner, 1, NSLOTS, SLOT_SIZE);
	param_write("user_bytes_max", saved);
	EXPECT_EQ(-ENOBUFS, ret);
}

TEST_F(ring, info_reports_geometry_and_the_callers_segment)
{
	struct mbox_ring_info o, u;

	ASSERT_EQ(0, ring_up(self, NSEGS, NSLOTS));
	o = ring_info(self->owner);
	u = ring_info(self->user);
	EXPECT_EQ(NSEGS, o.nsegs);
	EXPECT_EQ(NSLOTS, o.nslots);
	EXPECT_EQ(SLOT_SIZE, o.slot_size);
	EXPECT_EQ(-1, o.seg);
	EXPECT_EQ(1, o.attached);
	EXPECT_EQ(page_size(), o.ctrl_size);
	EXPECT_EQ((NSEGS + 1) * page_size(), o.cons_size);
	EXPECT_EQ(NSEGS * (uint64_t)o.seg_data_size, o.data_size);
	EXPECT_EQ(self->prod.seg, u.seg);
	EXPECT_EQ(0, u.cons_size);
}

/* ------------------------------------------------- teardown and attach */

TEST_F(ring, teardown_errors)
{
	EXPECT_EQ(-ENODEV, mbox_ring_teardown(self->owner));
	ASSERT_EQ(0, mbox_ring_setup(self->owner, 1, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EPERM, xioctl(self->user, MBOX_IOC_RING_TEARDOWN, NULL));
	EXPECT_EQ(-EINVAL, ioctl(self->owner, MBOX_IOC_RING_TEARDOWN, 1) ?
		  -errno : 0);
	EXPECT_EQ(0, mbox_ring_teardown(self->owner));
	EXPECT_EQ(0, ring_info(self->owner).nsegs);
}

TEST_F(ring, attach_errors_and_idempotence)
{
	int a, b, fd;

	EXPECT_EQ(-ENODEV, xioctl(self->user, MBOX_IOC_RING_ATTACH, NULL));
	ASSERT_EQ(0, mbox_ring_setup(self->owner, 2, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EPERM, xioctl(self->owner, MBOX_IOC_RING_ATTACH, NULL));
	EXPECT_EQ(-EINVAL, ioctl(self->user, MBOX_IOC_RING_ATTACH, 1) ?
		  -errno : 0);
	a = xioctl(self->user, MBOX_IOC_RING_ATTACH, NULL);
	ASSERT_LE(0, a);
	EXPECT_EQ(a, xioctl(self->user, MBOX_IOC_RING_ATTACH, NULL));
	fd = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, fd);
	b = xioctl(fd, MBOX_IOC_RING_ATTACH, NULL);
	EXPECT_LE(0, b);
	EXPECT_NE(a, b);
	close(fd);
	/* Closed, but not given back by the consumer yet. */
	fd = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOSPC, xioctl(fd, MBOX_IOC_RING_ATTACH, NULL));
	EXPECT_EQ(0, seg_op(self->owner, (uint32_t)b, MBOX_RING_SEG_RELEASE));
	EXPECT_EQ(b, xioctl(fd, MBOX_IOC_RING_ATTACH, NULL));
	close(fd);
}

TEST_F(ring, seg_command_errors)
{
	struct mbox_ring_seg s;

	EXPECT_EQ(-ENODEV, seg_op(self->owner, 0, MBOX_RING_SEG_CHECK));
	ASSERT_EQ(0, ring_up(self, 2, NSLOTS));
	EXPECT_EQ(-EPERM, seg_op(self->user, 0, MBOX_RING_SEG_CHECK));
	EXPECT_EQ(-EINVAL, seg_op(self->owner, 2, MBOX_RING_SEG_CHECK));
	EXPECT_EQ(-EINVAL, seg_op(self->owner, 0, 99));
	/* An attached segment is not the consumer's to give back. */
	EXPECT_EQ(-EINVAL, seg_op(self->owner, (uint32_t)self->prod.seg,
				  MBOX_RING_SEG_RELEASE));
	EXPECT_EQ(0, seg_op(self->owner, (uint32_t)self->prod.seg,
			    MBOX_RING_SEG_CHECK));
	memset(&s, 0, sizeof(s));
	s.op = MBOX_RING_SEG_CHECK;
	s.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->owner, MBOX_IOC_RING_SEG, &s));
	EXPECT_EQ(-EFAULT, xioctl(self->owner, MBOX_IOC_RING_SEG, bad_ptr()));
}

/* --------------------------------------------------------------- mmap */

TEST_F(ring, mmap_error_paths)
{
	size_t pg = page_size();
	struct mbox_ring_info in;
	void *p;

	EXPECT_EQ(-ENODEV, map_raw(self->owner, pg, PROT_READ, MAP_SHARED,
				   MBOX_RING_OFF_CTRL, &p));
	ASSERT_EQ(0, mbox_ring_setup(self->owner, 2, NSLOTS, SLOT_SIZE));
	in = ring_info(self->owner);
	/* A user handle without a segment has nothing to map. */
	EXPECT_EQ(-ENODEV, map_raw(self->user, pg, PROT_READ, MAP_SHARED,
				   MBOX_RING_OFF_SEG_CONS, &p));
	ASSERT_LE(0, xioctl(self->user, MBOX_IOC_RING_ATTACH, NULL));
	EXPECT_EQ(-EINVAL, map_raw(self->owner, pg, PROT_READ, MAP_SHARED,
				   0x50000000, &p));
	EXPECT_EQ(-EINVAL, map_raw(self->owner, 2 * pg, PROT_READ, MAP_SHARED,
				   MBOX_RING_OFF_CTRL, &p));
	EXPECT_EQ(-EINVAL, map_raw(self->owner, pg, PROT_READ, MAP_PRIVATE,
				   MBOX_RING_OFF_CTRL, &p));
	EXPECT_EQ(-EACCES, map_raw(self->owner, pg, PROT_READ | PROT_WRITE,
				   MAP_SHARED, MBOX_RING_OFF_CTRL, &p));
	EXPECT_EQ(-EACCES, map_raw(self->owner, in.data_size,
				   PROT_READ | PROT_WRITE, MAP_SHARED,
				   MBOX_RING_OFF_DATA, &p));
	EXPECT_EQ(-EACCES, map_raw(self->owner, pg, PROT_READ | PROT_EXEC,
				   MAP_SHARED, MBOX_RING_OFF_CTRL, &p));
	EXPECT_EQ(-EACCES, map_raw(self->user, pg, PROT_READ | PROT_WRITE,
				   MAP_SHARED, MBOX_RING_OFF_SEG_CONS, &p));
	/* Each side maps its own parts only. */
	EXPECT_EQ(-EINVAL, map_raw(self->owner, pg, PROT_READ, MAP_SHARED,
				   MBOX_RING_OFF_SEG_CONS, &p));
	EXPECT_EQ(-EINVAL, map_raw(self->user, pg, PROT_READ, MAP_SHARED,
				   MBOX_RING_OFF_CTRL, &p));
	EXPECT_EQ(-EINVAL, map_raw(self->user, in.cons_size, PROT_READ,
				   MAP_SHARED, MBOX_RING_OFF_CONS, &p));
	EXPECT_EQ(-EINVAL, map_raw(self->user, in.data_size, PROT_READ,
				   MAP_SHARED, MBOX_RING_OFF_DATA, &p));
}

TEST_F(ring, read_only_parts_cannot_be_made_writable_or_grow)
{
	size_t pg = page_size();
	void *p = NULL, *q;

	ASSERT_EQ(0, ring_up(self, 1, NSLOTS));
	ASSERT_EQ(0, map_raw(self->user, pg, PROT_READ, MAP_SHARED,
			     MBOX_RING_OFF_SEG_CONS, &p));
	EXPECT_EQ(-1, mprotect(p, pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	q = mremap(p, pg, 2 * pg, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	munmap(p, pg);
}

/*
 * munmap() of a mapping's head and mremap() of one of its pages split the
 * vma: every page left must still show its own page of the part.  Nothing
 * in the second mapping is touched before the split, so every page there
 * is faulted in through a split vma.
 */
TEST_F(ring, split_mapping_still_maps_the_right_pages)
{
	size_t pg = page_size(), len, i, n;
	unsigned char *w, *q, *moved;
	void *p = NULL, *hole;

	/* 256 slots of 64 bytes: a segment of five pages. */
	ASSERT_EQ(0, ring_up(self, 1, 256));
	len = self->prod.seg_data_size;
	n = len / pg;
	ASSERT_LE(4, n);
	w = (unsigned char *)self->prod.sdata;
	/* Page 0 holds the segment's tail: leave it alone. */
	for (i = 1; i < n; i++)
		memset(w + i * pg, 0xa0 + (int)i, pg);
	/* The consumer sees the same bytes in DATA (one segment). */
	for (i = 1; i < n; i++)
		ASSERT_EQ(0xa0 + i, self->cons.data[i * pg + 7]);

	ASSERT_EQ(0, map_raw(self->user, len, PROT_READ, MAP_SHARED,
			     MBOX_RING_OFF_SEG_DATA, &p));
	q = p;
	ASSERT_EQ(0, munmap(q, pg));
	/* Move the last page elsewhere, splitting the vma again. */
	hole = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	moved = mremap(q + (n - 1) * pg, pg, pg,
		       MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	ASSERT_NE(MAP_FAILED, moved) TH_LOG("mremap: %s", strerror(errno));
	for (i = 1; i < n - 1; i++) {
		EXPECT_EQ(0xa0 + i, q[i * pg]) TH_LOG("page %zu", i);
		EXPECT_EQ(0xa0 + i, q[i * pg + pg - 1]) TH_LOG("page %zu", i);
	}
	EXPECT_EQ(0xa0 + n - 1, moved[0]);
	EXPECT_EQ(0xa0 + n - 1, moved[pg - 1]);
	/* A later write by the producer shows through the split pieces. */
	w[2 * pg + 5] = 0x11;
	w[(n - 1) * pg + 5] = 0x22;
	EXPECT_EQ(0x11, q[2 * pg + 5]);
	EXPECT_EQ(0x22, moved[5]);
	munmap(q + pg, (n - 2) * pg);
	munmap(moved, pg);
}

TEST_F(ring, ring_pages_cannot_be_pinned)
{
	struct iovec iov;
	int pfd[2];

	ASSERT_EQ(0, ring_up(self, 1, NSLOTS));
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	iov.iov_base = self->prod.sdata;
	iov.iov_len = 64;
	EXPECT_EQ(-1, vmsplice(pfd[1], &iov, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	close(pfd[0]);
	close(pfd[1]);
}

TEST_F(ring, mmap_after_owner_death_fails_epipe)
{
	void *p;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, 1, NSLOTS, SLOT_SIZE));
	ASSERT_LE(0, xioctl(self->user, MBOX_IOC_RING_ATTACH, NULL));
	close(self->owner);
	self->owner = -1;
	EXPECT_EQ(-EPIPE, map_raw(self->user, page_size(), PROT_READ,
				  MAP_SHARED, MBOX_RING_OFF_SEG_CONS, &p));
}

TEST_F(ring, wait_and_wake_error_paths)
{
	struct mbox_ring_wait w;

	EXPECT_EQ(-ENODEV, ring_wait_raw(self->owner, MBOX_MSG_NONBLOCK, 0));
	EXPECT_EQ(-ENODEV, xioctl(self->owner, MBOX_IOC_RING_WAKE, NULL));
	ASSERT_EQ(0, mbox_ring_setup(self->owner, 1, NSLOTS, SLOT_SIZE));
	/* No segment attached through this handle. */
	EXPECT_EQ(-ENODEV, ring_wait_raw(self->user, MBOX_MSG_NONBLOCK, 0));
	EXPECT_EQ(-ENODEV, xioctl(self->user, MBOX_IOC_RING_WAKE, NULL));
	EXPECT_EQ(-EINVAL, ring_wait_raw(self->owner, 1u << 7, 0));
	EXPECT_EQ(-EINVAL, ioctl(self->owner, MBOX_IOC_RING_WAKE, 1) ?
		  -errno : 0);
	memset(&w, 0, sizeof(w));
	w.reserved0 = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->owner, MBOX_IOC_RING_WAIT, &w));
	EXPECT_EQ(-EFAULT, xioctl(self->owner, MBOX_IOC_RING_WAIT, bad_ptr()));
	EXPECT_EQ(-EAGAIN, ring_wait_raw(self->owner, MBOX_MSG_NONBLOCK, 0));
	EXPECT_EQ(-ETIMEDOUT, ring_wait_raw(self->owner, MBOX_MSG_TIMEOUT,
					    now_ns() + 50 * NSEC_PER_MSEC));
	EXPECT_EQ(-ENOTTY, xioctl(self->owner, _IO(MBOX_IOC_MAGIC, 0x2f),
				  NULL));
}

/* ------------------------------------------------------------ traffic */

TEST_F(ring, round_trip_names_the_sender)
{
	struct mbox_ring_msg m;
	char buf[PAYLOAD];
	ssize_t n;

	ASSERT_EQ(0, ring_up(self, NSEGS, NSLOTS));
	EXPECT_EQ(-EAGAIN, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf),
					     NULL));
	ASSERT_EQ(0, mbox_ring_send(&self->prod, "hello", 5, 42));
	n = recv_ms(&self->cons, buf, sizeof(buf), &m, WAIT_MS);
	ASSERT_EQ(5, n);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(42, m.type);
	EXPECT_EQ((uint32_t)self->prod.seg, m.seg);
	EXPECT_EQ(getpid(), m.pid);
	EXPECT_EQ(geteuid(), m.uid);
	EXPECT_EQ(1, ring_info(self->owner).messages);
}

TEST_F(ring, full_segment_fails_eagain_and_others_still_send)
{
	char buf[PAYLOAD];
	unsigned int i;
	pid_t pid;

	ASSERT_EQ(0, ring_up(self, 2, NSLOTS));
	for (i = 0; i < NSLOTS; i++)
		ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, &i, 4, 0));
	EXPECT_EQ(-EAGAIN, mbox_ring_send_nb(&self->prod, &i, 4, 0));
	EXPECT_EQ(-EAGAIN, mbox_ring_wait(&self->prod, NULL, 1));
	EXPECT_EQ(0, poll_one(self->user, POLLWRBAND, 0));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		child_exit(produce(self->id, 7, 3));
	EXPECT_EQ(0, child_wait(pid));
	/* Round robin: at most the child's 3 before one of ours. */
	for (i = 0; i < 4; i++)
		if (recv_ms(&self->cons, buf, sizeof(buf), NULL, WAIT_MS) == 4)
			break;
	ASSERT_GT(4, i);
	EXPECT_EQ(0, mbox_ring_wait(&self->prod, NULL, 1));
	EXPECT_EQ(POLLWRBAND, poll_one(self->user, POLLWRBAND, 0));
}

TEST_F(ring, message_too_big_fails_emsgsize)
{
	char big[PAYLOAD + 1] = { 0 }, small[4];

	ASSERT_EQ(0, ring_up(self, 1, NSLOTS));
	EXPECT_EQ(-EMSGSIZE, mbox_ring_send_nb(&self->prod, big, sizeof(big),
					       0));
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, big, 8, 0));
	EXPECT_EQ(-EMSGSIZE, mbox_ring_recv_nb(&self->cons, small,
					       sizeof(small), NULL));
	EXPECT_EQ(8, mbox_ring_recv_nb(&self->cons, big, sizeof(big), NULL));
}

TEST_F(ring, sleeping_consumer_is_woken_by_a_commit)
{
	char buf[PAYLOAD];
	pid_t pid;

	ASSERT_EQ(0, ring_up(self, NSEGS, NSLOTS));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		sleep_ms(200);
		child_exit(produce(self->id, 1, 1));
	}
	EXPECT_EQ(8, recv_ms(&self->cons, buf, sizeof(buf), NULL, WAIT_MS));
	EXPECT_EQ(0, child_wait(pid));
}

TEST_F(ring, sleeping_producer_is_woken_by_a_release)
{
	char buf[PAYLOAD];
	unsigned int i;
	pid_t pid;

	ASSERT_EQ(0, ring_up(self, NSEGS, NSLOTS));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		child_exit(produce(self->id, 1, 4 * NSLOTS));
	sleep_ms(300);	/* the child fills its segment and sleeps */
	for (i = 0; i < 4 * NSLOTS; i++)
		ASSERT_EQ(8, recv_ms(&self->cons, buf, sizeof(buf), NULL,
				     WAIT_MS));
	EXPECT_EQ(0, child_wait(pid));
}

TEST_F(ring, owner_polls_readable_for_a_ring_message)
{
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, 1, NSLOTS));
	EXPECT_EQ(0, poll_one(self->owner, POLLIN, 0));
	ASSERT_EQ(0, mbox_ring_send(&self->prod, "x", 1, 0));
	EXPECT_EQ(POLLIN, poll_one(self->owner, POLLIN, WAIT_MS));
	EXPECT_EQ(1, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf), NULL));
}

/*
 * The header's epoll contract: with EPOLLET, consume until -EAGAIN,
 * mbox_ring_arm(), then wait.  epoll does not call ->poll before it sleeps
 * on an edge-triggered item, so after that every commit must raise an
 * edge by itself.  Single-threaded: a producer's wake queues the item at
 * once, so a zero timeout sees it.
 */
TEST_F(ring, epollet_consumer_gets_an_edge_for_every_commit_after_eagain)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	char buf[PAYLOAD];
	int ep, round;

	ASSERT_EQ(0, ring_up(self, 1, NSLOTS));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->owner, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	for (round = 0; round < 3; round++) {
		ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
		EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 0))
			TH_LOG("round %d: a commit after -EAGAIN raised no edge",
			       round);
		EXPECT_EQ(1, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf),
					       NULL));
		EXPECT_EQ(-EAGAIN, mbox_ring_recv_nb(&self->cons, buf,
						     sizeof(buf), NULL));
		EXPECT_EQ(-EAGAIN, mbox_ring_arm(&self->cons));
		EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	}
	/* Work already there: arming says so instead. */
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(0, mbox_ring_arm(&self->cons));
	close(ep);
}

/* Likewise for a producer: fill to -EAGAIN, arm, then room raises an edge. */
TEST_F(ring, epollet_producer_gets_an_edge_for_room_after_eagain)
{
	struct epoll_event ev = { .events = EPOLLWRBAND | EPOLLET };
	char buf[PAYLOAD];
	unsigned int n;
	int ep, round;

	ASSERT_EQ(0, ring_up(self, 1, NSLOTS));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->user, &ev));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 0));	/* room now */
	for (round = 0; round < 3; round++) {
		for (n = 0; !mbox_ring_send_nb(&self->prod, "x", 1, 0); n++)
			;
		ASSERT_EQ(NSLOTS, n);
		EXPECT_EQ(-EAGAIN, mbox_ring_arm(&self->prod));
		EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
		for (; n; n--)
			ASSERT_EQ(1, mbox_ring_recv_nb(&self->cons, buf,
						       sizeof(buf), NULL));
		EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 0))
			TH_LOG("round %d: room after -EAGAIN raised no edge",
			       round);
	}
	/* Room already there: arming says so instead. */
	EXPECT_EQ(0, mbox_ring_arm(&self->prod));
	close(ep);
}

TEST_F(ring, ioctl_and_ring_traffic_mix_without_loss)
{
	enum { N = 200 };
	unsigned int got_ring = 0, got_ioctl = 0, i;
	uint64_t deadline;
	struct mbox_recv rv;
	char buf[MSG_SIZE];
	pid_t pid;

	ASSERT_EQ(0, ring_up(self, NSEGS, NSLOTS));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_ring r;
		int fd = mbox_open_id(self->id, O_CLOEXEC), err;

		if (fd < 0 || mbox_ring_map(&r, fd))
			child_exit(-EIO);
		for (i = 0; i < N; i++) {
			err = mbox_ring_send(&r, &i, 4, 1);
			if (!err)
				err = send_msg(fd, &i, 4, 0, 2, 0);
			if (err)
				child_exit(err);
		}
		child_exit(0);
	}
	deadline = now_ns() + WAIT_MS * NSEC_PER_MSEC;
	while (got_ring < N || got_ioctl < N) {
		ssize_t n = mbox_ring_recv_nb(&self->cons, buf, sizeof(buf),
					      NULL);

		ASSERT_GT(deadline, now_ns());
		if (n == 4) {
			ASSERT_EQ(got_ring, *(unsigned int *)buf);
			got_ring++;
			continue;
		}
		ASSERT_EQ(-EAGAIN, n);
		if (!recv_msg(self->owner, buf, sizeof(buf), MBOX_MSG_NONBLOCK,
			      &rv)) {
			ASSERT_EQ(got_ioctl, *(unsigned int *)buf);
			got_ioctl++;
			continue;
		}
		poll_one(self->owner, POLLIN, 100);
	}
	EXPECT_EQ(0, child_wait(pid));
}

TEST_F(ring, eight_producers_each_fifo_and_exactly_once)
{
	enum { P = 8, N = 2000 };
	unsigned int next[P] = { 0 }, total = 0, i;
	struct mbox_ring_msg m;
	uint32_t v[2];
	pid_t pid[P];
	ssize_t n;

	ASSERT_EQ(0, ring_up(self, P + 1, 16));
	for (i = 0; i < P; i++) {
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			child_exit(produce(self->id, i, N));
	}
	while (total < P * N) {
		n = recv_ms(&self->cons, v, sizeof(v), &m, WAIT_MS);
		ASSERT_EQ(8, n) TH_LOG("after %u: %s", total,
				       strerror((int)-n));
		ASSERT_LT(v[0], P);
		ASSERT_EQ(next[v[0]], v[1]);
		ASSERT_EQ(pid[v[0]], m.pid);
		next[v[0]]++;
		total++;
	}
	for (i = 0; i < P; i++)
		EXPECT_EQ(0, child_wait(pid[i]));
}

/*
 * Threads of one producer share a handle, its segment and the library's
 * cached head; with two slots every message meets a full segment or a
 * sleeping consumer, and half the messages are committed after a yield
 * inside the reservation, so that later slots are committed before
 * earlier ones (a commit that finds its predecessor untaken skips the
 * wake-up).  A lost wake-up ends in a deadline; a cached head that lets a
 * thread overwrite an untaken slot breaks a thread's order.
 */
struct mt_prod {
	struct mbox_ring *r;
	uint32_t id;
	unsigned int n;
	int err;
};

static void *mt_prod_fn(void *arg)
{
	struct mt_prod *p = arg;
	struct timespec dl = deadline_ms(6 * WAIT_MS);
	struct mbox_ring_res res;
	uint32_t v[2] = { p->id, 0 };
	int err = 0;

	for (v[1] = 0; v[1] < p->n && !err; v[1]++) {
		if (!(v[1] & 1)) {
			err = mbox_ring_send_timed(p->r, v, sizeof(v), 0, &dl);
			continue;
		}
		while ((err = mbox_ring_reserve(p->r, &res)) == -EAGAIN) {
			err = mbox_ring_wait(p->r, &dl, 0);
			if (err)
				break;
		}
		if (err)
			break;
		memcpy(res.buf, v, sizeof(v));
		sched_yield();
		err = mbox_ring_commit(p->r, &res, sizeof(v), 0);
	}
	p->err = err;
	return NULL;
}

TEST_F(ring, threads_sharing_a_segment_lose_no_wake_up_and_keep_order)
{
	enum { T = 4, N = 3000 };
	unsigned int next[T] = { 0 }, total = 0, i;
	struct mt_prod p[T];
	pthread_t th[T];
	uint32_t v[2];
	ssize_t n;

	ASSERT_EQ(0, ring_up(self, 1, 2));
	for (i = 0; i < T; i++) {
		p[i] = (struct mt_prod){ .r = &self->prod, .id = i, .n = N };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, mt_prod_fn, &p[i]));
	}
	while (total < T * N) {
		n = recv_ms(&self->cons, v, sizeof(v), NULL, WAIT_MS);
		if (n != 8)
			break;
		if (v[0] >= T || next[v[0]] != v[1])
			break;
		next[v[0]]++;
		total++;
	}
	EXPECT_EQ(T * N, total) TH_LOG("stopped at %u: %zd, thread %u msg %u",
				       total, n, v[0], v[1]);
	for (i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, p[i].err) TH_LOG("thread %u: %s", i,
					      strerror(-p[i].err));
	}
}

/* ---------------------------------------------------- hostile producers */

/*
 * A child that attaches, commits @good messages, and then does @what:
 *   0 reserve one more and stop inside the reservation;
 *   1 write an impossible tail and wake;
 *   2 commit a record with an impossible length;
 *   3 fill the segment and sleep in a send.
 * It reports on @ready and then pauses until killed.
 */
static int hostile(uint64_t id, unsigned int good, int what, int ready)
{
	struct mbox_ring r;
	struct mbox_ring_res res;
	unsigned int i;
	uint64_t one = 1;
	int fd, err;

	fd = mbox_open_id(id, O_CLOEXEC);
	if (fd < 0 || mbox_ring_map(&r, fd))
		return -EIO;
	for (i = 0; i < good; i++)
		if (mbox_ring_send_nb(&r, &i, 4, 99))
			return -EIO;
	switch (what) {
	case 0:
		if (mbox_ring_reserve(&r, &res))
			return -EIO;
		break;
	case 1:
		MBOX_RING_STORE(&r.sdata->tail,
				MBOX_RING_LOAD(&r.scons->head,
					       memory_order_relaxed) + 1000,
				memory_order_release);
		err = mbox_ring_wake(&r);
		pipe_write_u64(ready, (uint64_t)-err);
		for (;;)
			pause();
	case 2:
		if (mbox_ring_reserve(&r, &res))
			return -EIO;
		res.slot->len = 1u << 30;
		MBOX_RING_STORE(&res.slot->seq, res.index + 1,
				memory_order_release);
		mbox_ring_wake(&r);
		break;
	case 3:
		while (!mbox_ring_send_nb(&r, &i, 4, 99))
			;
		pipe_write_u64(ready, one);
		mbox_ring_send(&r, &i, 4, 99);
		return 0;
	}
	pipe_write_u64(ready, one);
	for (;;)
		pause();
}

static unsigned int seen_hostile;

/*
 * Milliseconds until a message of the fixture's producer is received;
 * hostile producers' messages (type 99) met on the way are counted.
 */
static double flow_ms(FIXTURE_DATA(ring) *self, uint32_t tag)
{
	uint64_t t0 = now_ns();
	struct mbox_ring_msg m;
	char buf[PAYLOAD];
	ssize_t n;

	if (mbox_ring_send(&self->prod, &tag, 4, tag))
		return -1;
	for (;;) {
		n = recv_ms(&self->cons, buf, sizeof(buf), &m, WAIT_MS);
		if (n == -EBADMSG)
			continue;
		if (n < 0)
			return -1;
		if (m.type == 99)
			seen_hostile++;
		if (m.type == tag)
			return (double)(now_ns() - t0) / 1e6;
	}
}

static pid_t start_hostile(FIXTURE_DATA(ring) *self, unsigned int good,
			   int what, uint64_t *report)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork_child();
	if (pid == 0)
		child_exit(hostile(self->id, good, what, pfd[1]));
	close(pfd[1]);
	if (pid > 0 && pipe_read_u64(pfd[0], report))
		pid = -1;
	close(pfd[0]);
	return pid;
}

/*
 * A child that commits MBOX_RING_SLOT_SKIP records into its segment as
 * fast as the consumer releases them, writing the slots itself (no
 * reservation), @n of them, after reporting its segment on @ready.
 */
static int skip_flood(uint64_t id, unsigned int n, int ready)
{
	struct mbox_ring_slot *s;
	struct mbox_ring r;
	unsigned int i;
	int fd;

	fd = mbox_open_id(id, O_CLOEXEC);
	if (fd < 0 || mbox_ring_map(&r, fd))
		return -EIO;
	pipe_write_u64(ready, (uint64_t)r.seg);
	for (i = 0; i < n; i++) {
		while (i - MBOX_RING_LOAD(&r.scons->head,
					  memory_order_acquire) >= r.nslots)
			;
		s = mbox_ring_pslot_(&r, i);
		MBOX_RING_STORE(&s->len, 0, memory_order_relaxed);
		MBOX_RING_STORE(&s->flags, MBOX_RING_SLOT_SKIP,
				memory_order_relaxed);
		MBOX_RING_STORE(&s->seq, i + 1, memory_order_release);
		if (!i)
			mbox_ring_wake(&r);
	}
	return 0;
}

/*
 * Skipped records count towards the consumer's burst: a producer that
 * refills its segment with them as fast as they are released cannot keep
 * the consumer in one call (and away from the other segments).
 */
TEST_F(ring, skip_flood_does_not_hold_the_consumer_in_one_call)
{
	struct mbox_ring_msg m;
	uint64_t seg;
	uint32_t head;
	int pfd[2];
	pid_t pid;

	ASSERT_EQ(0, ring_up(self, 2, 64));
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "ok", 2, 7));
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		child_exit(skip_flood(self->id, 4000000, pfd[1]));
	close(pfd[1]);
	ASSERT_EQ(0, pipe_read_u64(pfd[0], &seg));
	close(pfd[0]);
	ASSERT_EQ(1, seg);
	/* Its first record is committed and the consumer told. */
	while (!(MBOX_RING_LOAD(&self->cons.cons[0], memory_order_relaxed) &
		 (1u << seg)))
		sched_yield();
	/* Round robin from segment 0: the flooded segment comes first. */
	ASSERT_EQ(0, mbox_ring_peek(&self->cons, &m));
	EXPECT_EQ(7, m.type);
	head = self->cons.segl[1].head;
	TH_LOG("records skipped in the call that returned the message: %u",
	       head);
	EXPECT_LT(0, head);	/* it did go through the flooded segment */
	EXPECT_GE(4 * MBOX_RING_BURST, head);
	mbox_ring_release(&self->cons);
	kill(pid, SIGKILL);
	child_wait(pid);
}

TEST_F(ring, producer_killed_inside_a_reservation_costs_only_its_own)
{
	unsigned int from_hostile = 0, i;
	struct mbox_ring_msg m;
	char buf[PAYLOAD];
	uint64_t rep;
	double ms;
	pid_t pid;
	ssize_t n;

	ASSERT_EQ(0, ring_up(self, NSEGS, NSLOTS));
	seen_hostile = 0;
	ms = flow_ms(self, 9);
	ASSERT_LE(0, ms);
	TH_LOG("baseline: a message with no hostile producer: %.3f ms", ms);
	pid = start_hostile(self, 3, 0, &rep);
	ASSERT_LT(0, pid);
	/* The stuck reservation does not hold up the others. */
	ms = flow_ms(self, 1);
	ASSERT_LE(0, ms);
	TH_LOG("others' message while a producer sits in a reservation: %.3f ms",
	       ms);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	child_wait(pid);
	ms = flow_ms(self, 2);
	ASSERT_LE(0, ms);
	TH_LOG("others' message right after that producer's death: %.3f ms",
	       ms);
	/* Its 3 committed messages were delivered (with tag 99), in order. */
	for (i = 0; i < 10 && from_hostile + seen_hostile < 3; i++) {
		n = recv_ms(&self->cons, buf, sizeof(buf), &m, 200);
		if (n == 4 && m.type == 99)
			from_hostile++;
	}
	EXPECT_EQ(1, ring_info(self->owner).discarded);
	EXPECT_EQ(3, from_hostile + seen_hostile);
}

TEST_F(ring, producer_killed_while_blocked_frees_its_segment_for_reuse)
{
	unsigned int drained = 0;
	struct mbox_ring_msg m;
	char buf[PAYLOAD];
	uint64_t rep;
	ssize_t n;
	pid_t pid;
	int fd;

	ASSERT_EQ(0, ring_up(self, 2, NSLOTS));
	seen_hostile = 0;
	pid = start_hostile(self, 0, 3, &rep);
	ASSERT_LT(0, pid);
	sleep_ms(100);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	child_wait(pid);
	EXPECT_LE(0, flow_ms(self, 5));
	while ((n = recv_ms(&self->cons, buf, sizeof(buf), &m, 200)) >= 0)
		drained++;
	/* Its full segment, minus nothing: the sleeping send had no slot. */
	EXPECT_EQ(NSLOTS, drained + seen_hostile);
	/* Drained and given back: a new producer gets the segment. */
	fd = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_LE(0, xioctl(fd, MBOX_IOC_RING_ATTACH, NULL));
	close(fd);
}

static void cut_off_case(struct __test_metadata *_metadata,
			 FIXTURE_DATA(ring) *self, int what)
{
	struct mbox_ring_info in;
	uint64_t rep;
	double ms;
	pid_t pid;

	ASSERT_EQ(0, ring_up(self, NSEGS, NSLOTS));
	pid = start_hostile(self, 0, what, &rep);
	ASSERT_LT(0, pid);
	if (what == 1)
		EXPECT_EQ(EBADMSG, rep);
	ms = flow_ms(self, 3);
	ASSERT_LE(0, ms);
	TH_LOG("others' message after a corrupt producer: %.3f ms", ms);
	in = ring_info(self->owner);
	EXPECT_EQ(1, in.corrupt);
	EXPECT_EQ(pid, in.corrupt_pid);
	EXPECT_EQ(geteuid(), in.corrupt_uid);
	/* The fixture's producer is untouched. */
	EXPECT_EQ(0, mbox_ring_send_nb(&self->prod, "ok", 2, 0));
	kill(pid, SIGKILL);
	child_wait(pid);
}

TEST_F(ring, producer_writing_an_impossible_tail_is_cut_off_alone)
{
	cut_off_case(_metadata, self, 1);
}

TEST_F(ring, producer_committing_a_bad_record_is_cut_off_alone)
{
	cut_off_case(_metadata, self, 2);
}

TEST_F(ring, cut_off_producer_gets_ebadmsg)
{
	ASSERT_EQ(0, ring_up(self, NSEGS, NSLOTS));
	MBOX_RING_STORE(&self->prod.sdata->tail, 12345, memory_order_relaxed);
	EXPECT_EQ(-EBADMSG, mbox_ring_wake(&self->prod));
	EXPECT_EQ(-EBADMSG, mbox_ring_wait(&self->prod, NULL, 1));
	EXPECT_EQ(-EBADMSG, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(-EBADMSG, xioctl(self->user, MBOX_IOC_RING_ATTACH, NULL));
	EXPECT_EQ(1, seg_op(self->owner, (uint32_t)self->prod.seg,
			    MBOX_RING_SEG_CHECK));
}

TEST_F(ring, new_producer_never_sees_an_old_producers_data)
{
	char secret[PAYLOAD], buf[PAYLOAD];
	struct mbox_ring r;
	unsigned int i;
	int fd;

	memset(secret, 0x5a, sizeof(secret));
	ASSERT_EQ(0, ring_up(self, 1, NSLOTS));
	ASSERT_EQ(0, mbox_ring_send(&self->prod, secret, sizeof(secret), 0));
	ASSERT_EQ(PAYLOAD, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf),
					     NULL));
	mbox_ring_unmap(&self->prod);
	close(self->user);
	self->user = -1;
	/* The consumer drains and gives the closed segment back. */
	EXPECT_EQ(-EAGAIN, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf),
					     NULL));
	fd = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_ring_map(&r, fd));
	close(fd);
	for (i = 0; i < r.seg_data_size; i++)
		ASSERT_NE(0x5a, ((unsigned char *)r.sdata)[i]);
	mbox_ring_unmap(&r);
}

/* ----------------------------------------------------- teardown, death */

TEST_F(ring, teardown_and_setup_again_recovers_the_ring)
{
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, NSEGS, NSLOTS));
	MBOX_RING_STORE(&self->prod.sdata->tail, 999, memory_order_relaxed);
	EXPECT_EQ(-EBADMSG, mbox_ring_wake(&self->prod));
	ASSERT_EQ(0, mbox_ring_teardown(self->owner));
	/* Stale mappings stay safe and say why. */
	EXPECT_EQ(-ECONNRESET, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(-ECONNRESET, mbox_ring_wait(&self->prod, NULL, 1));
	EXPECT_EQ(-ECONNRESET, mbox_ring_recv_nb(&self->cons, buf,
						 sizeof(buf), NULL));
	mbox_ring_unmap(&self->prod);
	mbox_ring_unmap(&self->cons);
	ASSERT_EQ(0, ring_up(self, NSEGS, NSLOTS));
	ASSERT_EQ(0, mbox_ring_send(&self->prod, "again", 5, 0));
	EXPECT_EQ(5, recv_ms(&self->cons, buf, sizeof(buf), NULL, WAIT_MS));
	EXPECT_EQ(1, ring_info(self->owner).corrupt);
}

TEST_F(ring, teardown_wakes_a_sleeping_producer_with_econnreset)
{
	unsigned int i = 0;
	uint64_t t0;

	ASSERT_EQ(0, ring_up(self, 1, 1));
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, &i, 4, 0));
	if (fork_child() == 0) {
		sleep_ms(200);
		child_exit(mbox_ring_teardown(self->owner));
	}
	t0 = now_ns();
	EXPECT_EQ(-ECONNRESET, mbox_ring_send(&self->prod, &i, 4, 0));
	EXPECT_GT(WAIT_MS * NSEC_PER_MSEC, now_ns() - t0);
}

TEST_F(ring, owner_death_gives_producers_epipe_and_keeps_mappings_safe)
{
	unsigned int i = 0;

	ASSERT_EQ(0, ring_up(self, 1, NSLOTS));
	mbox_ring_unmap(&self->cons);
	close(self->owner);
	self->owner = -1;
	EXPECT_EQ(-EPIPE, mbox_ring_send_nb(&self->prod, &i, 4, 0));
	EXPECT_EQ(-EPIPE, mbox_ring_wait(&self->prod, NULL, 1));
	EXPECT_EQ(-EPIPE, mbox_ring_wake(&self->prod));
	/* The stale data part is scratch memory now. */
	self->prod.sdata->tail = 7;
	EXPECT_EQ(7, self->prod.sdata->tail);
}

TEST_F(ring, ring_is_uncharged_from_the_uid_at_destroy_while_a_user_holds_it)
{
	unsigned long long saved;
	struct mbox_attr a = MBOX_ATTR_BOUNDED(8, MSG_SIZE);
	uint64_t id2;
	int owner2;

	ASSERT_EQ(0, param_read("user_bytes_max", &saved));
	ASSERT_EQ(0, param_write("user_bytes_max", 256 * 1024));
	ASSERT_EQ(0, mbox_ring_setup(self->owner, 8, 256, 64));
	ASSERT_EQ(0, mbox_ring_map(&self->prod, self->user));
	a.fd_flags = O_CLOEXEC;
	owner2 = mbox_create(&a, NULL, &id2);
	ASSERT_LE(0, owner2);
	EXPECT_EQ(-ENOBUFS, mbox_ring_setup(owner2, 8, 256, 64));
	/* Destroyed; the user handle and its mapping are still there. */
	close(self->owner);
	self->owner = -1;
	EXPECT_EQ(0, mbox_ring_setup(owner2, 8, 256, 64));
	param_write("user_bytes_max", saved);
	close(owner2);
}

/* ------------------------------------------------------ memory cgroups */

FIXTURE(memcg) {
	char root[128];
	char dir[192];
	bool mounted;
};

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static long long read_ll(const char *dir, const char *file)
{
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

FIXTURE_SETUP(memcg)
{
	char path[256];

	self->mounted = false;
	self->dir[0] = 0;
	if (getuid() != 0)
		SKIP(return, "needs root to make a memory cgroup");
	snprintf(self->root, sizeof(self->root), "/sys/fs/cgroup");
	snprintf(path, sizeof(path), "%s/cgroup.controllers", self->root);
	if (access(path, F_OK)) {
		snprintf(self->root, sizeof(self->root), "/tmp/mbox-rcg.%d",
			 getpid());
		if (mkdir(self->root, 0755) ||
		    mount("none", self->root, "cgroup2", 0, NULL))
			SKIP(return, "cannot mount cgroup2: %s",
			     strerror(errno));
		self->mounted = true;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", self->root);
	write_file(path, "+memory");
	snprintf(self->dir, sizeof(self->dir), "%s/mbox-ring.%d", self->root,
		 getpid());
	if (mkdir(self->dir, 0755))
		SKIP(return, "cannot make a cgroup: %s", strerror(errno));
	if (read_ll(self->dir, "memory.current") < 0) {
		rmdir(self->dir);
		self->dir[0] = 0;
		SKIP(return, "no memory controller");
	}
}

FIXTURE_TEARDOWN(memcg)
{
	reap_children();
	if (self->dir[0])
		rmdir(self->dir);
	if (self->mounted) {
		umount(self->root);
		rmdir(self->root);
	}
}

/* In a child inside the cgroup: create, set up @segs x 4096 x 256 B. */
static int memcg_child(const char *dir, uint32_t segs, int out, int go)
{
	struct mbox_attr a = MBOX_ATTR_BOUNDED(8, 1024);
	char path[256], pid[32];
	uint64_t id, v;
	int owner, err;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(path, pid))
		return -EIO;
	a.mode = 0666;
	a.fd_flags = O_CLOEXEC;
	owner = mbox_create(&a, NULL, &id);
	if (owner < 0)
		return owner;
	err = mbox_ring_setup(owner, segs, 4096, 256);
	pipe_write_u64(out, err ? (uint64_t)-err << 32 : id);
	if (err)
		return 0;
	pipe_read_u64(go, &v);
	close(owner);	/* destroys the mailbox */
	pipe_write_u64(out, 0);
	pipe_read_u64(go, &v);
	return 0;
}

TEST_F(memcg, ring_in_a_small_memcg_fails_enomem_cleanly)
{
	int out[2], go[2];
	char path[256];
	uint64_t v;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/memory.max", self->dir);
	ASSERT_EQ(0, write_file(path, "4194304"));
	ASSERT_EQ(0, param_write("user_bytes_max", 1ULL << 30));
	ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		child_exit(memcg_child(self->dir, 16, out[1], go[0]));
	ASSERT_EQ(0, pipe_read_u64(out[0], &v));
	EXPECT_EQ((uint64_t)ENOMEM << 32, v);
	EXPECT_EQ(0, child_wait(pid));
	EXPECT_GE(4194304, read_ll(self->dir, "memory.current"));
}

TEST_F(memcg, ring_is_charged_and_uncharged_at_destroy_while_a_user_maps_it)
{
	long long base, charged, after;
	struct mbox_ring r;
	int out[2], go[2], fd;
	uint64_t id, v;
	pid_t pid;

	ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, param_write("user_bytes_max", 1ULL << 30));
	base = read_ll(self->dir, "memory.current");
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		child_exit(memcg_child(self->dir, 8, out[1], go[0]));
	ASSERT_EQ(0, pipe_read_u64(out[0], &id));
	ASSERT_EQ(0, id >> 32);
	charged = read_ll(self->dir, "memory.current");
	/* 8 segments of 4096 slots x 256 B: 8 MiB. */
	EXPECT_LE(base + (8 << 20), charged);
	fd = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_ring_map(&r, fd));
	ASSERT_EQ(0, mbox_ring_send_nb(&r, "x", 1, 0));
	ASSERT_EQ(0, pipe_write_u64(go[1], 1));
	ASSERT_EQ(0, pipe_read_u64(out[0], &v));
	after = read_ll(self->dir, "memory.current");
	TH_LOG("memory.current: %lld before, %lld with the ring, %lld after destroy",
	       base, charged, after);
	EXPECT_GT(charged - (8 << 20) + (1 << 20), after);
	EXPECT_EQ(-EPIPE, mbox_ring_send_nb(&r, "x", 1, 0));
	mbox_ring_unmap(&r);
	close(fd);
	pipe_write_u64(go[1], 1);
	EXPECT_EQ(0, child_wait(pid));
}

TEST_HARNESS_MAIN
