// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_exhaustion: one user exhausting its limits stops cleanly at them,
 * and nobody else notices.
 *
 *  - queued bytes (user_bytes_max): a user's mailboxes reserve their byte
 *    limits from its cap at create, so a flood of UNBOUNDED mailboxes stops
 *    at create (-ENOBUFS) and each one at its own limit, while another
 *    user's traffic carries on; a flood into another user's mailbox stops
 *    at that mailbox's limit (see also mbox_quota);
 *  - mailboxes (user_mailboxes_max): creation beyond the count fails with
 *    -ENOSPC and leaves nothing behind (no descriptor, no name, no count);
 *  - shared rings count against the byte cap too (-ENOBUFS at set-up);
 *  - memory cgroups: queued messages are charged to the sending task's
 *    memory cgroup (__GFP_ACCOUNT in the sender) and uncharged when
 *    received.
 *
 * The flooding user is nobody; the other user is root (the test).  Limits
 * are lowered for the test and restored by the fixture.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#include <dirent.h>

#define BIG		4096
#define FLOOD_BOXES	16
#define BYTES_CAP	(256 * 1024)

FIXTURE(exhaust) {
	unsigned long long saved_bytes, saved_boxes;
	bool restore_bytes, restore_boxes;
};

FIXTURE_SETUP(exhaust)
{
	self->restore_bytes = false;
	self->restore_boxes = false;
	if (getuid() != 0)
		SKIP(return, "needs root: sets module parameters, becomes nobody");
}

FIXTURE_TEARDOWN(exhaust)
{
	reap_children();
	if (self->restore_bytes)
		EXPECT_EQ(0, param_write("user_bytes_max", self->saved_bytes));
	if (self->restore_boxes)
		EXPECT_EQ(0, param_write("user_mailboxes_max", self->saved_boxes));
}

static int set_bytes_cap(FIXTURE_DATA(exhaust) *self, unsigned long long v)
{
	int ret = param_read("user_bytes_max", &self->saved_bytes);

	if (ret)
		return ret;
	self->restore_bytes = true;
	return param_write("user_bytes_max", v);
}

static int set_boxes_cap(FIXTURE_DATA(exhaust) *self, unsigned long long v)
{
	int ret = param_read("user_mailboxes_max", &self->saved_boxes);

	if (ret)
		return ret;
	self->restore_boxes = true;
	return param_write("user_mailboxes_max", v);
}

static uint64_t mbox_features(void)
{
	struct mbox_version v;
	int dev = dev_open();

	memset(&v, 0, sizeof(v));
	if (dev < 0 || xioctl(dev, MBOX_IOC_VERSION, &v))
		v.features = 0;
	if (dev >= 0)
		close(dev);
	return v.features;
}

#define BOX_BYTES	(32 * 1024)

static int create_limited(int dev, uint32_t mode, uint32_t cap, uint32_t size,
			  uint64_t bytes_max, const char *name, uint64_t *id)
{
	struct mbox_create c = create_req(mode, cap, size);
	int fd;

	c.mode = 0666;
	c.bytes_max = bytes_max;
	c.name = (uintptr_t)name;
	fd = xioctl(dev, MBOX_IOC_CREATE, &c);
	if (fd >= 0 && id)
		*id = c.id;
	return fd;
}

/* UNBOUNDED mailboxes get a BOX_BYTES limit here, so that floods are short. */
static int create_on(int dev, uint32_t mode, uint32_t cap, uint32_t size,
		     const char *name, uint64_t *id)
{
	return create_limited(dev, mode, cap, size,
			      mode == MBOX_CAPACITY_UNBOUNDED ? BOX_BYTES : 0,
			      name, id);
}

static int open_on(int dev, uint64_t id)
{
	struct mbox_open o;

	memset(&o, 0, sizeof(o));
	o.id = id;
	o.fd_flags = O_CLOEXEC;
	return xioctl(dev, MBOX_IOC_OPEN, &o);
}

static unsigned int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Sends BIG-byte messages to @fd until the first failure; returns how many. */
static int fill(int fd, int *err)
{
	static char data[BIG];

	for (int i = 0; i < 1000000; i++) {
		int ret = send_msg(fd, data, sizeof(data), 0, 0, MBOX_MSG_NONBLOCK);

		if (ret) {
			*err = ret;
			return i;
		}
	}
	*err = 0;
	return -1;
}

/*
 * The flooder (nobody): creates UNBOUNDED mailboxes of BOX_BYTES each until
 * the byte cap refuses one, fills every one to its limit, reports the
 * mailboxes made and the bytes charged, waits for "go", drains one mailbox
 * and checks that it takes messages again.
 */
static void flooder(int report, int go)
{
	static char data[BIG];
	int dev, boxes[64], made = 0, ret;
	uint64_t charged = 0, v;

	if (drop_privileges() < 0)
		_exit(250);
	dev = dev_open();
	for (;;) {
		ret = create_on(dev, MBOX_CAPACITY_UNBOUNDED, 0, BIG, NULL, NULL);
		if (ret == -ENOBUFS)
			break;
		if (ret < 0 || made == 64)
			child_exit(ret < 0 ? -ret : E2BIG);
		boxes[made++] = ret;
	}
	if (!made)
		child_exit(ENOBUFS);
	for (int i = 0; i < made; i++) {
		struct mbox_info info;

		if (fill(boxes[i], &ret) < 1 || ret != -ENOBUFS)
			child_exit(EPROTO);
		info = info_or_zero(boxes[i]);
		if (info.bytes_charged > info.bytes_max)
			child_exit(ERANGE);
		charged += info.bytes_charged;
	}
	pipe_write_u64(report, (uint64_t)made);
	pipe_write_u64(report, charged);
	if (pipe_read_u64(go, &v))
		child_exit(EIO);
	/* Receiving makes room in that mailbox again. */
	while (mbox_recv_nb(boxes[0], data, sizeof(data), NULL) == BIG)
		;
	child_exit(send_msg(boxes[0], data, sizeof(data), 0, 0, MBOX_MSG_NONBLOCK));
}

TEST_F(exhaust, unbounded_flood_stops_at_the_byte_cap_while_another_user_carries_on)
{
	static char data[BIG], got[BIG];
	int rep[2], go[2], dev, mine, n, err;
	uint64_t made, charged;
	struct mbox_info info;
	pid_t pid;

	ASSERT_EQ(0, set_bytes_cap(self, BYTES_CAP));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		flooder(rep[1], go[0]);
	ASSERT_EQ(0, pipe_read_u64(rep[0], &made));
	ASSERT_EQ(0, pipe_read_u64(rep[0], &charged));
	/* Exactly as many limits as the cap holds, each one filled. */
	EXPECT_EQ((uint64_t)BYTES_CAP / BOX_BYTES, made);
	EXPECT_GE((uint64_t)BYTES_CAP, charged);
	EXPECT_LE((uint64_t)BYTES_CAP / 2, charged);

	/* Root's traffic is not affected: a thousand round trips... */
	dev = dev_open();
	ASSERT_LE(0, dev);
	mine = create_on(dev, MBOX_CAPACITY_UNBOUNDED, 0, BIG, NULL, NULL);
	ASSERT_LE(0, mine);
	for (int i = 0; i < 1000; i++) {
		memcpy(data, &i, sizeof(i));
		ASSERT_EQ(0, send_msg(mine, data, sizeof(data), 0, 0, MBOX_MSG_NONBLOCK));
		ASSERT_EQ(BIG, mbox_recv_nb(mine, got, sizeof(got), NULL));
		ASSERT_EQ(0, memcmp(data, got, sizeof(int)));
	}
	/* ...and its mailbox holds as much as one of nobody's. */
	n = fill(mine, &err);
	EXPECT_EQ(-ENOBUFS, err);
	ASSERT_EQ(0, mbox_info(mine, &info));
	EXPECT_EQ((uint64_t)BOX_BYTES, info.bytes_max);
	EXPECT_EQ((uint32_t)n, info.queued);
	EXPECT_GE((uint64_t)BOX_BYTES, info.bytes_charged);
	EXPECT_EQ(charged / made, info.bytes_charged);
	close(mine);
	close(dev);

	ASSERT_EQ(0, pipe_write_u64(go[1], 1));
	EXPECT_EQ(0, child_wait(pid));
	close(rep[0]);
	close(rep[1]);
	close(go[0]);
	close(go[1]);
}

/*
 * nobody floods root's mailbox: the flood stops at that mailbox's limit
 * (root's reservation, not nobody's budget), every message is there to
 * receive, and root's other mailbox never notices.
 */
TEST_F(exhaust, flood_into_another_users_mailbox_stops_at_its_limit)
{
	static char data[BIG];
	int rep[2], dev, owner, other, got = 0;
	uint64_t id, flooded;
	pid_t pid;

	ASSERT_EQ(0, set_bytes_cap(self, BYTES_CAP));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	dev = dev_open();
	ASSERT_LE(0, dev);
	owner = create_on(dev, MBOX_CAPACITY_UNBOUNDED, 0, BIG, NULL, &id);
	ASSERT_LE(0, owner);
	other = create_on(dev, MBOX_CAPACITY_UNBOUNDED, 0, BIG, NULL, NULL);
	ASSERT_LE(0, other);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int cdev, user, err, k;

		if (drop_privileges() < 0)
			_exit(250);
		cdev = dev_open();
		user = open_on(cdev, id);
		if (user < 0)
			child_exit(user);
		k = fill(user, &err);
		pipe_write_u64(rep[1], (uint64_t)k);
		child_exit(err == -ENOBUFS ? 0 : (err ? err : EPROTO));
	}
	ASSERT_EQ(0, pipe_read_u64(rep[0], &flooded));
	EXPECT_EQ(0, child_wait(pid));
	ASSERT_LE(1U, flooded);
	/* Full for root too: the limit is the mailbox's. */
	EXPECT_EQ(-ENOBUFS, send_msg(owner, data, sizeof(data), 0, 0, MBOX_MSG_NONBLOCK));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, send_msg(other, data, sizeof(data), 0, 0, MBOX_MSG_NONBLOCK));
	}
	while (mbox_recv_nb(owner, data, sizeof(data), NULL) == BIG)
		got++;
	EXPECT_EQ((int)flooded, got);
	EXPECT_EQ(0, send_msg(owner, data, sizeof(data), 0, 0, MBOX_MSG_NONBLOCK));
	close(other);
	close(owner);
	close(dev);
	close(rep[0]);
	close(rep[1]);
}

TEST_F(exhaust, creating_beyond_user_mailboxes_max_fails_enospc_and_leaves_nothing)
{
	enum { CAP = 32, EXTRA = 50 };
	int rep[2], dev, fd;
	char name[MBOX_NAME_MAX];
	uint64_t v;
	pid_t pid;

	ASSERT_EQ(0, set_boxes_cap(self, CAP));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	unique_name(name, sizeof(name), "enospc");
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int cdev, fds[CAP], made = 0, before, port;
		struct mbox_create c;

		if (drop_privileges() < 0)
			_exit(250);
		cdev = dev_open();
		for (int i = 0; i < CAP; i++) {
			fds[i] = create_on(cdev, MBOX_CAPACITY_BOUNDED, 1, 8, NULL, NULL);
			made += fds[i] >= 0;
		}
		if (made != CAP)
			child_exit(EPROTO);
		before = (int)count_fds();
		for (int i = 0; i < EXTRA; i++) {
			fd = create_on(cdev, (uint32_t)(i % 3), i % 3 == 1 ? 1 : 0, 8,
				       i & 1 ? name : NULL, NULL);
			if (fd != -ENOSPC)
				child_exit(fd < 0 ? -fd : EEXIST);
		}
		/* Ports count like any other mailbox. */
		c = create_req(MBOX_CAPACITY_BOUNDED, 1, 8);
		c.flags = MBOX_CREATE_PORT;
		port = xioctl(cdev, MBOX_IOC_CREATE, &c);
		if (port != -ENOSPC)
			child_exit(EMLINK);
		if ((int)count_fds() != before)
			child_exit(EBADF);
		/* The failures held no name: tell root to take it. */
		pipe_write_u64(rep[1], 1);
		/* Closing one makes room for exactly one. */
		close(fds[0]);
		fds[0] = create_on(cdev, MBOX_CAPACITY_ZERO, 0, 8, NULL, NULL);
		if (fds[0] < 0)
			child_exit(-fds[0]);
		fd = create_on(cdev, MBOX_CAPACITY_ZERO, 0, 8, NULL, NULL);
		child_exit(fd == -ENOSPC ? 0 : ENOTRECOVERABLE);
	}
	ASSERT_EQ(0, pipe_read_u64(rep[0], &v));
	/* Another user creates freely, even under the name nobody tried. */
	dev = dev_open();
	ASSERT_LE(0, dev);
	fd = create_on(dev, MBOX_CAPACITY_ZERO, 0, 8, name, NULL);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	close(dev);
	EXPECT_EQ(0, child_wait(pid));
	close(rep[0]);
	close(rep[1]);
}

/*
 * A ring's pages are charged like queued messages: a set-up that would pass
 * the cap fails with -ENOBUFS and sets nothing up.
 */
TEST_F(exhaust, ring_setup_beyond_the_byte_cap_fails_enobufs_and_changes_nothing)
{
	struct mbox_ring_setup rs;
	struct mbox_ring_wait w;
	int dev, owner;

	if (!(mbox_features() & MBOX_FEAT_RING_SEG))
		SKIP(return, "no shared ring in this module");
	ASSERT_EQ(0, set_bytes_cap(self, 64 * 1024));
	dev = dev_open();
	ASSERT_LE(0, dev);
	owner = create_on(dev, MBOX_CAPACITY_BOUNDED, 4, 4096, NULL, NULL);
	ASSERT_LE(0, owner);
	memset(&rs, 0, sizeof(rs));
	rs.nsegs = 1;
	rs.nslots = 64;
	rs.slot_size = 4096;		/* 256 KiB of slots: beyond the cap */
	EXPECT_EQ(-ENOBUFS, xioctl(owner, MBOX_IOC_RING_SETUP, &rs));
	/* No ring came of it. */
	memset(&w, 0, sizeof(w));
	w.flags = MBOX_MSG_NONBLOCK;
	EXPECT_EQ(-ENODEV, xioctl(owner, MBOX_IOC_RING_WAIT, &w));
	/* A ring that fits the cap can still be set up. */
	rs.nslots = 4;
	EXPECT_EQ(0, xioctl(owner, MBOX_IOC_RING_SETUP, &rs));
	close(owner);
	close(dev);
}

/* ------------------------------------------------------ memory cgroups */

FIXTURE(memcg) {
	struct mt_memcg cg;
};

FIXTURE_SETUP(memcg)
{
	const char *why = "";
	int ret = mt_memcg_make(&self->cg, "mbox-test", &why);

	if (ret)
		SKIP(return, "%s: %s", why, strerror(-ret));
}

FIXTURE_TEARDOWN(memcg)
{
	reap_children();
	mt_memcg_remove(&self->cg);
}

TEST_F(memcg, queued_messages_are_charged_to_the_senders_cgroup_until_received)
{
	enum { N = 256 };
	static char data[BIG];
	long long before, full, drained;
	int ready[2], go[2], dev, owner;
	uint64_t id, v;
	pid_t pid;

	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	dev = dev_open();
	ASSERT_LE(0, dev);
	/* Room for all N: 256 messages of BIG bytes cost 2 MiB. */
	owner = create_limited(dev, MBOX_CAPACITY_UNBOUNDED, 0, BIG, 4 << 20,
			       NULL, &id);
	ASSERT_LE(0, owner);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int user;

		if (mt_memcg_enter(&self->cg))
			child_exit(EIO);
		user = open_on(dev, id);
		if (user < 0)
			child_exit(user);
		pipe_write_u64(ready[1], 1);
		if (pipe_read_u64(go[0], &v))
			child_exit(EIO);
		for (int i = 0; i < N; i++)
			if (send_msg(user, data, sizeof(data), 0, 0, MBOX_MSG_NONBLOCK))
				child_exit(ENOBUFS);
		pipe_write_u64(ready[1], 2);
		pipe_read_u64(go[0], &v);
		child_exit(0);
	}
	ASSERT_EQ(0, pipe_read_u64(ready[0], &v));
	before = mt_memcg_read(&self->cg, "memory.current");
	ASSERT_EQ(0, pipe_write_u64(go[1], 1));
	ASSERT_EQ(0, pipe_read_u64(ready[0], &v));
	full = mt_memcg_read(&self->cg, "memory.current");
	/* N messages of BIG bytes now live on the sender's cgroup's bill. */
	EXPECT_LE((long long)N * BIG, full - before)
		TH_LOG("memory.current %lld -> %lld", before, full);
	for (int i = 0; i < N; i++)
		ASSERT_EQ(BIG, mbox_recv_nb(owner, data, sizeof(data), NULL));
	drained = mt_memcg_read(&self->cg, "memory.current");
	/* Received: uncharged again (per-cpu charge caches keep a little). */
	EXPECT_LE((long long)N * BIG / 2, full - drained)
		TH_LOG("memory.current %lld -> %lld after receiving", full, drained);
	ASSERT_EQ(0, pipe_write_u64(go[1], 1));
	EXPECT_EQ(0, child_wait(pid));
	close(owner);
	close(dev);
}

TEST_HARNESS_MAIN
