// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_quota: queued bytes are paid for by the party that can release
 * them (uapi DOC: Accounting), so no user can make another user's sends to
 * a third mailbox fail or block.
 *
 *  - a hoarding owner that never receives cannot make a victim's sends to a
 *    third user's mailbox fail;
 *  - a flooding sender stops at the mailbox's byte limit, and a second
 *    sender's mailbox elsewhere (of the same owner) is untouched;
 *  - the per-mailbox limit: set at create, defaulted from
 *    unbounded_bytes_default, its bounds (-EINVAL), its reservation from
 *    the creator's user_bytes_max (-ENOBUFS), given back at destroy even
 *    while another user holds a handle;
 *  - the exact charge of a message is kmalloc_size_roundup(H + len), and is
 *    what MBOX_IOC_INFO reports; a broadcast message is charged once;
 *  - sender_uid is the sender's effective uid, as SO_PEERCRED reports.
 *
 * The parties are distinct unprivileged uids (UID_A..UID_C, not in
 * /etc/passwd: the module only sees numbers); the test itself is root and
 * sets module parameters, restored in the teardown.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#include <sys/socket.h>

#define UID_A	60001		/* an owner */
#define UID_B	60002		/* a sender (victim or flooder) */
#define UID_C	60003		/* a third user */
#define MSG	1024

FIXTURE(quota) {
	unsigned long long saved_bytes, saved_default;
	bool restore;
};

FIXTURE_SETUP(quota)
{
	self->restore = false;
	if (getuid() != 0)
		SKIP(return, "needs root: sets module parameters, changes uid");
	ASSERT_EQ(0, param_read("user_bytes_max", &self->saved_bytes));
	ASSERT_EQ(0, param_read("unbounded_bytes_default",
				&self->saved_default));
	self->restore = true;
}

FIXTURE_TEARDOWN(quota)
{
	reap_children();
	if (self->restore) {
		EXPECT_EQ(0, param_write("user_bytes_max", self->saved_bytes));
		EXPECT_EQ(0, param_write("unbounded_bytes_default",
					 self->saved_default));
	}
}

/*
 * Becomes @uid (real, effective, saved) with its own gid; its only
 * supplementary group is the one /dev/mbox is open to, as for nobody.
 */
static int become(uid_t uid)
{
	gid_t groups[1] = { dev_group() };

	if (setgroups(1, groups) < 0 || setresgid(uid, uid, uid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -errno;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return 0;
}

static int create_ex(uint32_t mode, uint32_t cap, uint32_t size,
		     uint64_t bytes_max, uint64_t *id)
{
	struct mbox_create c = create_req(mode, cap, size);
	int dev = dev_open(), fd;

	if (dev < 0)
		return dev;
	c.mode = 0666;
	c.bytes_max = bytes_max;
	fd = xioctl(dev, MBOX_IOC_CREATE, &c);
	close(dev);
	if (fd >= 0 && id)
		*id = c.id;
	return fd;
}

/*
 * An owner as user @uid: creates a mailbox, reports its id (or -errno) on
 * @rep, and keeps it - never receiving - until @hold is closed.
 */
static pid_t spawn_owner(uid_t uid, uint32_t mode, uint32_t cap, uint64_t bytes_max,
			 int rep, const int hold[2])
{
	pid_t pid = fork_child();
	uint64_t id = 0, v;
	int fd;

	if (pid)
		return pid;
	close(hold[1]);
	if (become(uid))
		_exit(250);
	fd = create_ex(mode, cap, MSG, bytes_max, &id);
	pipe_write_u64(rep, fd < 0 ? (uint64_t)(int64_t)fd : id);
	if (fd < 0)
		child_exit(fd);
	pipe_read_u64(hold[0], &v);	/* EOF when the test lets go */
	child_exit(0);
}

static int send_nb(int fd, const void *buf, uint32_t len)
{
	return send_msg(fd, buf, len, 0, 0, MBOX_MSG_NONBLOCK);
}

/* Non-blocking sends of @len bytes until the first failure: how many. */
static int flood(int fd, uint32_t len, int *err)
{
	static char data[MSG];

	for (int i = 0; i < 1000000; i++) {
		*err = send_nb(fd, data, len);
		if (*err)
			return i;
	}
	return -1;
}

/* The kmalloc size class of @n bytes on x86-64, as the uapi states it. */
static uint64_t size_class(uint64_t n)
{
	static const uint64_t cls[] = {
		8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
	};
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), pages = 1;

	for (size_t i = 0; i < ARRAY_SIZE(cls); i++)
		if (n <= cls[i])
			return cls[i];
	while (pages * page < n)
		pages <<= 1;
	return pages * page;
}

/* What one message of @len bytes is charged, measured through INFO. */
static int64_t charge_of(int owner, uint32_t len)
{
	static char data[65536];
	struct mbox_info info;
	int64_t c;

	if (send_nb(owner, data, len) || mbox_info(owner, &info))
		return -1;
	c = (int64_t)info.bytes_charged;
	if (mbox_recv_nb(owner, data, sizeof(data), NULL) != (int)len)
		return -1;
	return c;
}

/*
 * The module's per-message header H, measured: the length at which the
 * charge first steps up to the next size class gives it.  0 on failure.
 */
static uint64_t header_size(void)
{
	int64_t c0, c;
	uint64_t h = 0;
	int fd;

	fd = create_ex(MBOX_CAPACITY_UNBOUNDED, 0, 256, 1 << 20, NULL);
	if (fd < 0)
		return 0;
	c0 = charge_of(fd, 0);
	for (uint32_t len = 1; c0 > 0 && len <= 256 && !h; len++) {
		c = charge_of(fd, len);
		if (c < 0)
			break;
		if (c > c0)
			h = (uint64_t)c0 + 1 - len;
	}
	close(fd);
	return h;
}

/* ------------------------------------------------------------ isolation */

/*
 * UID_A owns an UNBOUNDED mailbox and never receives; UID_B sends into it
 * until it is full.  UID_B's sends to UID_C's mailbox - well past what a
 * per-sender cap would have left UID_B - all succeed, without waiting.
 */
TEST_F(quota, hoarding_owner_cannot_fail_a_victims_sends_to_a_third_mailbox)
{
	enum { TO_THIRD = 200 };	/* 200 x 2 KiB: 400 KiB */
	int rep[2], hold[2];
	uint64_t hoard, third;
	pid_t a, c, b;

	/* 128 KiB hoarded plus 400 KiB sent on: more than one user's cap. */
	ASSERT_EQ(0, param_write("user_bytes_max", 512 * 1024));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
	a = spawn_owner(UID_A, MBOX_CAPACITY_UNBOUNDED, 0, 128 * 1024, rep[1], hold);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, pipe_read_u64(rep[0], &hoard));
	ASSERT_GT((int64_t)hoard, 0);
	c = spawn_owner(UID_C, MBOX_CAPACITY_UNBOUNDED, 0, 450 * 1024, rep[1], hold);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, pipe_read_u64(rep[0], &third));
	ASSERT_GT((int64_t)third, 0);

	b = fork_child();
	ASSERT_LE(0, b);
	if (b == 0) {
		static char data[MSG];
		int h, t, n, err;

		if (become(UID_B))
			_exit(250);
		h = mbox_open_id(hoard, O_CLOEXEC);
		t = mbox_open_id(third, O_CLOEXEC);
		if (h < 0 || t < 0)
			child_exit(EBADF);
		n = flood(h, MSG, &err);
		if (err != -ENOBUFS || n < 32)
			child_exit(EPROTO);
		/* The hoard holds UID_B's messages; UID_B owes nothing. */
		for (int i = 0; i < TO_THIRD; i++) {
			memcpy(data, &i, sizeof(i));
			err = send_msg(t, data, MSG, 0, 0, 0);
			if (err)
				child_exit(-err);
		}
		child_exit(0);
	}
	EXPECT_EQ(0, child_wait_ms(b, 60000));
	close(hold[1]);
	EXPECT_EQ(0, child_wait(a));
	EXPECT_EQ(0, child_wait(c));
	close(hold[0]);
	close(rep[0]);
	close(rep[1]);
}

/*
 * UID_B floods UID_A's UNBOUNDED mailbox: it stops at that mailbox's
 * limit, with exactly as many messages as fit, and UID_C's sends to
 * UID_A's other mailbox go on; UID_A can still create.
 */
TEST_F(quota, flooding_sender_stops_at_the_limit_and_spares_a_mailbox_elsewhere)
{
	const uint64_t limit = 64 * 1024;
	uint64_t flooded, other, n, h = header_size();
	int rep[2], hold[2];
	pid_t a1, a2, b, c;

	ASSERT_LT(0ULL, h);
	ASSERT_EQ(0, param_write("user_bytes_max", 4 << 20));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
	a1 = spawn_owner(UID_A, MBOX_CAPACITY_UNBOUNDED, 0, limit, rep[1], hold);
	ASSERT_LE(0, a1);
	ASSERT_EQ(0, pipe_read_u64(rep[0], &flooded));
	ASSERT_GT((int64_t)flooded, 0);
	a2 = spawn_owner(UID_A, MBOX_CAPACITY_UNBOUNDED, 0, 2 << 20, rep[1], hold);
	ASSERT_LE(0, a2);
	ASSERT_EQ(0, pipe_read_u64(rep[0], &other));
	ASSERT_GT((int64_t)other, 0);

	b = fork_child();
	ASSERT_LE(0, b);
	if (b == 0) {
		struct mbox_info info;
		int fd, k, err;

		if (become(UID_B))
			_exit(250);
		fd = mbox_open_id(flooded, O_CLOEXEC);
		if (fd < 0)
			child_exit(-fd);
		k = flood(fd, MSG, &err);
		if (err != -ENOBUFS || mbox_info(fd, &info))
			child_exit(EPROTO);
		/* Exactly what fits: the next one would pass the limit. */
		if (info.bytes_max != limit || info.queued != (uint32_t)k ||
		    info.bytes_charged > limit ||
		    info.bytes_charged + info.bytes_charged / k <= limit)
			child_exit(ERANGE);
		pipe_write_u64(rep[1], (uint64_t)k);
		child_exit(0);
	}
	EXPECT_EQ(0, child_wait(b));
	ASSERT_EQ(0, pipe_read_u64(rep[0], &n));
	EXPECT_EQ(limit / size_class(h + MSG), n)
		TH_LOG("the flood stopped after %llu messages", (unsigned long long)n);

	c = fork_child();
	ASSERT_LE(0, c);
	if (c == 0) {
		static char data[MSG];
		int fd, full;

		if (become(UID_C))
			_exit(250);
		fd = mbox_open_id(other, O_CLOEXEC);
		full = mbox_open_id(flooded, O_CLOEXEC);
		if (fd < 0 || full < 0)
			child_exit(EBADF);
		/* The flooded mailbox is full for everybody... */
		if (send_nb(full, data, MSG) != -ENOBUFS)
			child_exit(EPROTO);
		/* ...the owner's other one is not. */
		for (int i = 0; i < 500; i++)
			if (send_nb(fd, data, MSG))
				child_exit(ENOBUFS);
		child_exit(0);
	}
	EXPECT_EQ(0, child_wait(c));

	/* The owner's own budget was never touched by the flood. */
	a1 = spawn_owner(UID_A, MBOX_CAPACITY_UNBOUNDED, 0, 512 * 1024, rep[1], hold);
	ASSERT_LE(0, a1);
	ASSERT_EQ(0, pipe_read_u64(rep[0], &n));
	EXPECT_GT((int64_t)n, 0);
	close(hold[1]);
	close(hold[0]);
	close(rep[0]);
	close(rep[1]);
}

/* --------------------------------------------------- the per-mailbox limit */

TEST_F(quota, bytes_max_set_at_create_is_reported_by_info)
{
	struct mbox_info info;
	int fd;

	fd = create_ex(MBOX_CAPACITY_UNBOUNDED, 0, MSG, 100000, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(100000ULL, info.bytes_max);
	EXPECT_EQ(0ULL, info.bytes_charged);
	EXPECT_EQ(0ULL, info.reserved[0]);
	EXPECT_EQ(0ULL, info.reserved[1]);
	close(fd);
}

TEST_F(quota, bytes_max_0_takes_the_module_default_then_keeps_it)
{
	struct mbox_info info;
	int fd, fd2;

	ASSERT_EQ(0, param_write("unbounded_bytes_default", 300000));
	fd = create_ex(MBOX_CAPACITY_UNBOUNDED, 0, MSG, 0, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(300000ULL, info.bytes_max);

	/* A new default applies to new mailboxes only. */
	ASSERT_EQ(0, param_write("unbounded_bytes_default", 200000));
	fd2 = create_ex(MBOX_CAPACITY_UNBOUNDED, 0, MSG, 0, NULL);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, mbox_info(fd2, &info));
	EXPECT_EQ(200000ULL, info.bytes_max);
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(300000ULL, info.bytes_max);
	close(fd2);
	close(fd);
}

/* A default below one largest message: raised so that one always fits. */
TEST_F(quota, a_default_below_one_message_is_raised_to_its_charge)
{
	static char data[MSG];
	struct mbox_info info;
	int fd;

	ASSERT_EQ(0, param_write("unbounded_bytes_default", 1));
	fd = create_ex(MBOX_CAPACITY_UNBOUNDED, 0, MSG, 0, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_nb(fd, data, MSG));
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(info.bytes_charged, info.bytes_max);
	EXPECT_EQ(-ENOBUFS, send_nb(fd, data, 1));
	close(fd);
}

TEST_F(quota, bytes_max_out_of_bounds_or_on_other_capacities_fails_einval)
{
	static const struct {
		uint32_t mode, cap;
		uint64_t bytes_max;
	} bad[] = {
		{ MBOX_CAPACITY_UNBOUNDED, 0, 1 },
		{ MBOX_CAPACITY_UNBOUNDED, 0, MSG },	/* < header + MSG */
		{ MBOX_CAPACITY_UNBOUNDED, 0, (1ULL << 40) + 1 },
		{ MBOX_CAPACITY_UNBOUNDED, 0, ~0ULL },
		{ MBOX_CAPACITY_BOUNDED, 4, 1 << 20 },
		{ MBOX_CAPACITY_ZERO, 0, 1 << 20 },
	};
	uint64_t h = header_size();
	struct mbox_info info;
	int fd;

	ASSERT_LT(0ULL, h);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, create_ex(bad[i].mode, bad[i].cap, MSG,
					     bad[i].bytes_max, NULL))
			TH_LOG("mode %u bytes_max %llu", bad[i].mode,
			       (unsigned long long)bad[i].bytes_max);
	}
	/* The smallest accepted: one largest message's charge. */
	EXPECT_EQ(-EINVAL, create_ex(MBOX_CAPACITY_UNBOUNDED, 0, MSG,
				     size_class(h + MSG) - 1, NULL));
	fd = create_ex(MBOX_CAPACITY_UNBOUNDED, 0, MSG, size_class(h + MSG), NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(size_class(h + MSG), info.bytes_max);
	close(fd);
}

/*
 * A limit beyond what the creator may still reserve fails -ENOBUFS and
 * leaves nothing behind; the reservation comes back when the mailbox is
 * destroyed, even though another user still holds a handle on it.
 */
TEST_F(quota, reservation_beyond_user_bytes_max_fails_enobufs_and_returns_at_destroy)
{
	const uint64_t cap = 256 * 1024;
	int rep[2], go[2], hold[2];
	uint64_t v;
	pid_t a, b;

	ASSERT_EQ(0, param_write("user_bytes_max", cap));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
	a = fork_child();
	ASSERT_LE(0, a);
	if (a == 0) {
		uint64_t id, x;
		int fd, more, fds_before;
		int dev;

		if (become(UID_A))
			_exit(250);
		fd = create_ex(MBOX_CAPACITY_UNBOUNDED, 0, MSG, cap, &id);
		if (fd < 0)
			child_exit(-fd);
		dev = dev_open();
		fds_before = dup(dev);
		close(fds_before);
		/* Every capacity that reserves something is refused now. */
		if (create_ex(MBOX_CAPACITY_UNBOUNDED, 0, MSG, 0, NULL) != -ENOBUFS ||
		    create_ex(MBOX_CAPACITY_BOUNDED, 1, 8, 0, NULL) != -ENOBUFS)
			child_exit(EPROTO);
		/* ZERO reserves nothing. */
		more = create_ex(MBOX_CAPACITY_ZERO, 0, MSG, 0, NULL);
		if (more < 0)
			child_exit(ENOTRECOVERABLE);
		close(more);
		/* No descriptor was left behind by the failures. */
		x = (uint64_t)dup(dev);
		if ((int)x != fds_before)
			child_exit(EBADF);
		close((int)x);
		pipe_write_u64(rep[1], id);
		pipe_read_u64(go[0], &x);	/* UID_B has a handle now */
		close(fd);			/* destroyed; UID_B still holds on */
		fd = create_ex(MBOX_CAPACITY_UNBOUNDED, 0, MSG, cap, NULL);
		child_exit(fd < 0 ? -fd : 0);
	}
	ASSERT_EQ(0, pipe_read_u64(rep[0], &v));
	b = fork_child();
	ASSERT_LE(0, b);
	if (b == 0) {
		uint64_t x;
		int fd;

		close(hold[1]);
		if (become(UID_B))
			_exit(250);
		fd = mbox_open_id(v, O_CLOEXEC);
		if (fd < 0)
			child_exit(-fd);
		pipe_write_u64(rep[1], 1);
		pipe_read_u64(hold[0], &x);	/* holds the handle till EOF */
		child_exit(0);
	}
	ASSERT_EQ(0, pipe_read_u64(rep[0], &v));
	ASSERT_EQ(0, pipe_write_u64(go[1], 1));
	EXPECT_EQ(0, child_wait(a));
	close(hold[1]);
	EXPECT_EQ(0, child_wait(b));
	close(hold[0]);
	close(go[1]);
	close(go[0]);
	close(rep[0]);
	close(rep[1]);
}

/* BOUNDED reserves capacity x charge(msg_size): exactly the cap fits. */
TEST_F(quota, bounded_reserves_capacity_times_the_largest_charge)
{
	uint64_t h = header_size(), per = size_class(h + MSG), v;
	int rep[2];
	pid_t a;

	ASSERT_LT(0ULL, h);
	ASSERT_EQ(0, param_write("user_bytes_max", 8 * per));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	a = fork_child();
	ASSERT_LE(0, a);
	if (a == 0) {
		struct mbox_info info;
		int fd;

		if (become(UID_A))
			_exit(250);
		if (create_ex(MBOX_CAPACITY_BOUNDED, 9, MSG, 0, NULL) != -ENOBUFS)
			child_exit(EPROTO);
		fd = create_ex(MBOX_CAPACITY_BOUNDED, 8, MSG, 0, NULL);
		if (fd < 0 || mbox_info(fd, &info))
			child_exit(ENOTRECOVERABLE);
		pipe_write_u64(rep[1], info.bytes_max);
		/* Full up: not even the smallest bounded mailbox more. */
		child_exit(create_ex(MBOX_CAPACITY_BOUNDED, 1, 1, 0, NULL) ==
			   -ENOBUFS ? 0 : ERANGE);
	}
	EXPECT_EQ(0, child_wait(a));
	ASSERT_EQ(0, pipe_read_u64(rep[0], &v));
	EXPECT_EQ(8 * per, v);
	close(rep[0]);
	close(rep[1]);
}

/* ------------------------------------------------------- the exact charge */

/*
 * The documented formula, checked against what INFO reports: find the
 * header size H from where the charge first steps up, then every length
 * must cost exactly size_class(H + len), and a queue their sum.
 */
TEST_F(quota, exact_charge_is_the_size_class_of_header_plus_length)
{
	static const uint32_t lens[] = {
		0, 1, 7, 8, 100, 144, 145, 400, 1000, 1912, 1913, 4000, 8000,
		8080, 8081, 9000, 12000, 16384, 40000, 65536,
	};
	static char data[65536];
	uint64_t h = header_size(), sum = 0;
	struct mbox_info info;
	int64_t c0, c;
	int fd;

	ASSERT_LT(0ULL, h);
	fd = create_ex(MBOX_CAPACITY_UNBOUNDED, 0, 65536, 4 << 20, NULL);
	ASSERT_LE(0, fd);
	c0 = charge_of(fd, 0);
	TH_LOG("per-message header H = %llu bytes", (unsigned long long)h);
	EXPECT_EQ(0ULL, h % 8);
	EXPECT_EQ(size_class(h), (uint64_t)c0);

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		c = charge_of(fd, lens[i]);
		EXPECT_EQ((int64_t)size_class(h + lens[i]), c)
			TH_LOG("len %u", lens[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		ASSERT_EQ(0, send_nb(fd, data, lens[i]));
		sum += size_class(h + lens[i]);
	}
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(sum, info.bytes_charged);
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		ASSERT_EQ((int)lens[i], mbox_recv_nb(fd, data, sizeof(data), NULL));
	}
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(0ULL, info.bytes_charged);
	close(fd);
}

/* A ZERO offer stays its sender's: the mailbox is charged nothing. */
TEST_F(quota, zero_mailbox_reserves_and_is_charged_nothing)
{
	struct async_send s;
	struct mbox_info info;
	char data[MSG] = "offer";
	int fd;

	fd = create_ex(MBOX_CAPACITY_ZERO, 0, MSG, 0, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, async_send_start(&s, fd, data, 256, 0, 0, 0));
	ASSERT_EQ(0, wait_info(fd, INFO_QUEUED, 1));
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(0ULL, info.bytes_max);
	EXPECT_EQ(0ULL, info.bytes_charged);
	ASSERT_EQ(256, mbox_recv_nb(fd, data, sizeof(data), NULL));
	EXPECT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
	close(fd);
}

/* One copy is stored for every receiver handle: charged once. */
TEST_F(quota, broadcast_message_is_charged_once_until_the_last_reader)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	char name[MBOX_NAME_MAX], data[MSG];
	struct mbox_info info;
	int dev, rx[3], user;
	uint64_t one;

	dev = dev_open();
	ASSERT_LE(0, dev);
	c.flags = MBOX_CREATE_OS | MBOX_CREATE_BROADCAST;
	c.name = (uintptr_t)unique_name(name, sizeof(name), "bcast");
	rx[0] = xioctl(dev, MBOX_IOC_CREATE, &c);
	ASSERT_LE(0, rx[0]);
	for (int i = 1; i < 3; i++) {
		struct mbox_open o;

		memset(&o, 0, sizeof(o));
		o.id = c.id;
		o.flags = MBOX_OPEN_RECEIVE;
		o.fd_flags = O_CLOEXEC;
		rx[i] = xioctl(dev, MBOX_IOC_OPEN, &o);
		ASSERT_LE(0, rx[i]);
	}
	user = mbox_open_id(c.id, O_CLOEXEC);
	ASSERT_LE(0, user);
	ASSERT_EQ(0, send_nb(user, data, 100));
	ASSERT_EQ(0, mbox_info(user, &info));
	one = info.bytes_charged;
	EXPECT_LT(100ULL, one);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, mbox_info(user, &info));
		EXPECT_EQ(one, info.bytes_charged) TH_LOG("after %d readers", i);
		ASSERT_EQ(100, mbox_recv_nb(rx[i], data, sizeof(data), NULL));
	}
	ASSERT_EQ(0, mbox_info(user, &info));
	EXPECT_EQ(0ULL, info.bytes_charged);
	close(user);
	for (int i = 0; i < 3; i++)
		close(rx[i]);
	memset(&c, 0, sizeof(c));
	{
		struct mbox_delete d;

		memset(&d, 0, sizeof(d));
		d.name = (uintptr_t)name;
		xioctl(dev, MBOX_IOC_DELETE, &d);
	}
	close(dev);
}

/* ----------------------------------------------------------- sender_uid */

/*
 * A sender with real uid UID_A and effective uid UID_B: the receiver is
 * told UID_B, the uid permission checks use and SO_PEERCRED reports.
 */
TEST_F(quota, sender_uid_is_the_effective_uid_as_so_peercred_reports)
{
	struct mbox_recv r;
	uint32_t peer;
	uint64_t id;
	pid_t pid;
	int fd;

	fd = create_ex(MBOX_CAPACITY_UNBOUNDED, 0, MSG, 0, &id);
	ASSERT_LE(0, fd);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		gid_t groups[1] = { dev_group() };
		int sv[2], user;

		if (setgroups(1, groups) || setresgid(UID_A, UID_A, UID_A) ||
		    setresuid(UID_A, UID_B, UID_B))
			child_exit(errno);
		if (getuid() != UID_A || geteuid() != UID_B)
			child_exit(EPROTO);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
		    getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len))
			child_exit(errno);
		peer = cred.uid;
		user = mbox_open_id(id, O_CLOEXEC);
		if (user < 0)
			child_exit(-user);
		child_exit(-send_nb(user, &peer, sizeof(peer)));
	}
	EXPECT_EQ(0, child_wait(pid));
	ASSERT_EQ(0, recv_msg(fd, &peer, sizeof(peer), MBOX_MSG_NONBLOCK, &r));
	EXPECT_EQ((uint32_t)UID_B, peer);
	EXPECT_EQ((uint32_t)UID_B, r.sender_uid);
	close(fd);
}

TEST_F(quota, version_announces_per_mailbox_quotas)
{
	struct mbox_version v;

	memset(&v, 0, sizeof(v));
	ASSERT_EQ(0, mbox_version(&v));
	EXPECT_EQ(MBOX_FEAT_QUOTA, v.features & MBOX_FEAT_QUOTA);
	EXPECT_EQ(2U, v.abi_version);
}

TEST_HARNESS_MAIN
