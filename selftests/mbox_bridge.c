// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_bridge: the kernel side of bridge proxies (mboxbridge(8)):
 * MBOX_CREATE_PROXY, MBOX_RECV_HOLD and MBOX_IOC_COMPLETE.  A held ZERO
 * sender stays blocked until completed, gets exactly the status given,
 * keeps its own deadline, and gets -EPIPE when the proxy goes.  And the
 * exporter's side: vouched origins (MBOX_MSG_ORIGIN, MBOX_IOC_RECV_ORIGIN),
 * which only CAP_NET_ADMIN over the mailbox's IPC namespace can attach.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#include <sched.h>

#define MSG_SIZE	64

/*
 * Starts a send of @text with @prio (and a deadline @timeout_ms from now)
 * and waits until it blocks.
 */
static int held_send_start(struct async_send *a, int fd, const char *text,
			   uint32_t prio, unsigned int timeout_ms)
{
	struct mbox_send req;
	int err;

	memset(a, 0, sizeof(*a));
	snprintf(a->buf, sizeof(a->buf), "%s", text);
	memset(&req, 0, sizeof(req));
	req.buf = (uintptr_t)a->buf;
	req.len = strlen(a->buf) + 1;
	req.priority = prio;
	req.type = 7;
	if (timeout_ms) {
		req.flags = MBOX_MSG_TIMEOUT;
		req.timeout_ns = now_ns() + timeout_ms * NSEC_PER_MSEC;
	}
	err = async_send_start_req(a, fd, &req);
	if (err)
		return err;
	return wait_blocked_in_ioctl(getpid(), a->tid, MBOX_IOC_SEND);
}

static int complete(int fd, uint64_t token, int32_t status, uint64_t *seq)
{
	struct mbox_complete c;
	int err;

	memset(&c, 0, sizeof(c));
	c.token = token;
	c.status = status;
	err = xioctl(fd, MBOX_IOC_COMPLETE, &c);

	if (err)
		return err;
	if (seq)
		*seq = c.seq;
	return 0;
}

static int create_proxy(uint32_t mode, uint32_t capacity, uint64_t *id)
{
	struct mbox_create c = create_req(mode, capacity, MSG_SIZE);
	int dev = dev_open();
	int fd;

	if (dev < 0)
		return dev;
	c.flags = MBOX_CREATE_PROXY;
	c.mode = 0666;
	fd = xioctl(dev, MBOX_IOC_CREATE, &c);
	close(dev);
	if (fd >= 0 && id)
		*id = c.id;
	return fd;
}

TEST(feature_bit_is_announced)
{
	struct mbox_version v;

	ASSERT_EQ(0, mbox_version(&v));
	EXPECT_TRUE(v.features & MBOX_FEAT_BRIDGE);
}

TEST(proxy_flag_shows_in_info)
{
	struct mbox_info info;
	int fd = create_proxy(MBOX_CAPACITY_BOUNDED, 4, NULL);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(MBOX_CREATE_PROXY, info.flags & MBOX_CREATE_PROXY);
	close(fd);
}

TEST(proxy_needs_cap_net_admin)
{
	pid_t pid = fork_child();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		/* Leaving uid 0 drops every capability. */
		if (drop_privileges())
			_exit(2);
		fd = create_proxy(MBOX_CAPACITY_ZERO, 0, NULL);
		/* A device this user may not open at all: nothing to test. */
		if (fd == -EACCES)
			_exit(3);
		_exit(fd == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 3)
		SKIP(return, "/dev/mbox is root-only here");
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(proxy_with_port_or_os_is_einval)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_ZERO, 0, MSG_SIZE);
	int dev = dev_open();

	ASSERT_LE(0, dev);
	c.flags = MBOX_CREATE_PROXY | MBOX_CREATE_PORT;
	EXPECT_EQ(-EINVAL, xioctl(dev, MBOX_IOC_CREATE, &c));
	c.flags = MBOX_CREATE_PROXY | MBOX_CREATE_OS;
	EXPECT_EQ(-EINVAL, xioctl(dev, MBOX_IOC_CREATE, &c));
	c.flags = _BITUL(7);
	EXPECT_EQ(-EINVAL, xioctl(dev, MBOX_IOC_CREATE, &c));
	close(dev);
}

TEST(hold_needs_a_zero_proxy_owner)
{
	struct mbox_attr a = MBOX_ATTR_ZERO(MSG_SIZE);
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t id;
	int plain, bounded, proxy, user;

	a.fd_flags = O_CLOEXEC;
	plain = mbox_create(&a, NULL, NULL);
	ASSERT_LE(0, plain);
	EXPECT_EQ(-EINVAL, recv_msg(plain, buf, sizeof(buf),
				    MBOX_RECV_HOLD | MBOX_MSG_NONBLOCK, &r));
	bounded = create_proxy(MBOX_CAPACITY_BOUNDED, 2, NULL);
	ASSERT_LE(0, bounded);
	EXPECT_EQ(-EINVAL, recv_msg(bounded, buf, sizeof(buf),
				    MBOX_RECV_HOLD | MBOX_MSG_NONBLOCK, &r));
	proxy = create_proxy(MBOX_CAPACITY_ZERO, 0, &id);
	ASSERT_LE(0, proxy);
	user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, user);
	EXPECT_EQ(-EPERM, recv_msg(user, buf, sizeof(buf),
				   MBOX_RECV_HOLD | MBOX_MSG_NONBLOCK, &r));
	EXPECT_EQ(-EAGAIN, recv_msg(proxy, buf, sizeof(buf),
				    MBOX_RECV_HOLD | MBOX_MSG_NONBLOCK, &r));
	/* COMPLETE: only on a ZERO proxy's owner handle. */
	EXPECT_EQ(-EINVAL, complete(plain, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, complete(bounded, 1, 0, NULL));
	EXPECT_EQ(-EPERM, complete(user, 1, 0, NULL));
	EXPECT_EQ(-ENOENT, complete(proxy, 1, 0, NULL));
	close(user);
	close(proxy);
	close(bounded);
	close(plain);
}

FIXTURE(held) {
	int proxy;
	int user;
	uint64_t id;
};

FIXTURE_SETUP(held)
{
	self->proxy = create_proxy(MBOX_CAPACITY_ZERO, 0, &self->id);
	ASSERT_LE(0, self->proxy);
	self->user = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, self->user);
}

FIXTURE_TEARDOWN(held)
{
	reap_children();
	close(self->user);
	if (self->proxy >= 0)
		close(self->proxy);
}

/* Holds the next offer: returns its token, fills @r, @buf. */
static uint64_t hold_one(int fd, char *buf, struct mbox_recv *r)
{
	if (recv_msg(fd, buf, MSG_SIZE, MBOX_RECV_HOLD, r))
		return 0;
	return r->seq;
}

TEST_F(held, sender_waits_until_completed_and_gets_a_seq)
{
	struct async_send s;
	struct mbox_info info;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t token, seq = 0;

	ASSERT_EQ(0, held_send_start(&s, self->user, "hello", 3, 0));
	token = hold_one(self->proxy, buf, &r);
	ASSERT_NE(0, token);
	EXPECT_STREQ("hello", buf);
	EXPECT_EQ(3, r.priority);
	EXPECT_EQ(7, r.type);
	EXPECT_EQ(getpid(), r.sender_pid);
	EXPECT_EQ(getuid(), r.sender_uid);

	/* Taken but not completed: the sender is still blocked, nothing left. */
	sleep_ms(NEGATIVE_WAIT_MS);
	EXPECT_EQ(0, atomic_load(&s.done));
	ASSERT_EQ(0, mbox_info(self->proxy, &info));
	EXPECT_EQ(0, info.queued);
	EXPECT_EQ(1, info.waiting_senders);
	EXPECT_EQ(0, info.received);
	EXPECT_FALSE(fd_readable_now(self->proxy));

	ASSERT_EQ(0, complete(self->proxy, token, 0, &seq));
	EXPECT_EQ(1, seq);
	EXPECT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
	EXPECT_EQ(seq, s.req.seq);
	ASSERT_EQ(0, mbox_info(self->proxy, &info));
	EXPECT_EQ(1, info.received);
	EXPECT_EQ(1, info.sent);
	/* Exactly once. */
	EXPECT_EQ(-ENOENT, complete(self->proxy, token, 0, NULL));
}

TEST_F(held, sender_gets_the_status_given)
{
	static const int32_t statuses[] = {
		-EPIPE, -ETIMEDOUT, -EAGAIN, -ENOBUFS, -EHOSTUNREACH,
	};
	struct async_send s;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t token;
	unsigned int i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		ASSERT_EQ(0, held_send_start(&s, self->user, "x", 0, 0));
		token = hold_one(self->proxy, buf, &r);
		ASSERT_NE(0, token);
		EXPECT_EQ(0, complete(self->proxy, token, statuses[i], NULL));
		EXPECT_EQ(statuses[i], async_send_join(&s, STATE_WAIT_MS));
	}
	/* Failed sends got no sequence number. */
	EXPECT_EQ(0, info_or_zero(self->proxy).sent);
}

TEST_F(held, bad_complete_is_einval_and_keeps_the_sender)
{
	struct mbox_complete c;
	struct async_send s;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t token;

	ASSERT_EQ(0, held_send_start(&s, self->user, "x", 0, 0));
	token = hold_one(self->proxy, buf, &r);
	ASSERT_NE(0, token);

	EXPECT_EQ(-EINVAL, complete(self->proxy, token, -ENOMEM, NULL));
	EXPECT_EQ(-EINVAL, complete(self->proxy, token, 5, NULL));
	memset(&c, 0, sizeof(c));
	c.token = token;
	c.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->proxy, MBOX_IOC_COMPLETE, &c));
	c.flags = 0;
	c.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->proxy, MBOX_IOC_COMPLETE, &c));
	c.reserved[1] = 0;
	c.seq = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->proxy, MBOX_IOC_COMPLETE, &c));
	EXPECT_EQ(-ENOENT, complete(self->proxy, token + 1, 0, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->proxy, MBOX_IOC_COMPLETE, bad_ptr()));

	sleep_ms(NEGATIVE_WAIT_MS);
	EXPECT_EQ(0, atomic_load(&s.done));
	EXPECT_EQ(0, complete(self->proxy, token, 0, NULL));
	EXPECT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
}

TEST_F(held, sender_deadline_withdraws_the_hold)
{
	struct async_send s;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t token;

	ASSERT_EQ(0, held_send_start(&s, self->user, "x", 0, 2000));
	token = hold_one(self->proxy, buf, &r);
	ASSERT_NE(0, token);
	EXPECT_EQ(-ETIMEDOUT, async_send_join(&s, STATE_WAIT_MS));
	EXPECT_EQ(-ENOENT, complete(self->proxy, token, 0, NULL));
	EXPECT_EQ(0, info_or_zero(self->proxy).waiting_senders);
}

/*
 * The hold tells the bridge the sender's time left: between its deadline
 * minus the time after the receive and minus the time before it, which
 * holds however slow the machine is.
 */
TEST_F(held, hold_tells_the_senders_time_left)
{
	struct mbox_version v;
	struct async_send s;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t before, after, dl;

	ASSERT_EQ(0, mbox_version(&v));
	ASSERT_TRUE(v.features & MBOX_FEAT_HOLD_DEADLINE);
	ASSERT_EQ(0, held_send_start(&s, self->user, "x", 0, 600000));
	dl = s.req.timeout_ns;
	before = now_ns();
	ASSERT_NE(0, hold_one(self->proxy, buf, &r));
	after = now_ns();
	EXPECT_LE(dl - after, r.hold_ns);
	EXPECT_GE(dl - before, r.hold_ns);
	EXPECT_EQ(0, complete(self->proxy, r.seq, 0, NULL));
	EXPECT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
}

TEST_F(held, hold_of_a_sender_without_deadline_tells_zero)
{
	struct async_send s;
	struct mbox_recv r;
	char buf[MSG_SIZE];

	ASSERT_EQ(0, held_send_start(&s, self->user, "x", 0, 0));
	memset(&r, 0, sizeof(r));
	ASSERT_NE(0, hold_one(self->proxy, buf, &r));
	EXPECT_EQ(0, r.hold_ns);
	EXPECT_EQ(0, complete(self->proxy, r.seq, 0, NULL));
	EXPECT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
}

/*
 * In, hold_ns must be zero; a plain receive reports zero even when its
 * ZERO sender has a deadline.
 */
TEST_F(held, hold_ns_in_is_einval_and_plain_receive_reports_zero)
{
	struct mbox_attr a = MBOX_ATTR_ZERO(MSG_SIZE);
	struct async_send s;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	int plain;

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.len = sizeof(buf);
	r.flags = MBOX_RECV_HOLD | MBOX_MSG_NONBLOCK;
	r.hold_ns = 1;
	EXPECT_EQ(-EINVAL, mbox_recvx(self->proxy, &r));

	a.fd_flags = O_CLOEXEC;
	plain = mbox_create(&a, NULL, NULL);
	ASSERT_LE(0, plain);
	ASSERT_EQ(0, held_send_start(&s, plain, "p", 0, 600000));
	ASSERT_EQ(0, recv_msg(plain, buf, sizeof(buf), 0, &r));
	EXPECT_EQ(0, r.hold_ns);
	EXPECT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
	close(plain);
}

static void on_usr1(int sig)
{
	(void)sig;
}

TEST_F(held, signal_ends_a_held_send_with_eintr_even_with_sa_restart)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct async_send s;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t token;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, held_send_start(&s, self->user, "x", 0, 0));
	token = hold_one(self->proxy, buf, &r);
	ASSERT_NE(0, token);
	ASSERT_EQ(0, pthread_kill(s.thread, SIGUSR1));
	/* A restart would offer it again: a second delivery by the bridge. */
	EXPECT_EQ(-EINTR, async_send_join(&s, STATE_WAIT_MS));
	EXPECT_EQ(-ENOENT, complete(self->proxy, token, 0, NULL));
	EXPECT_EQ(-EAGAIN, recv_msg(self->proxy, buf, sizeof(buf),
				    MBOX_RECV_HOLD | MBOX_MSG_NONBLOCK, &r));
}

TEST_F(held, offered_but_not_held_send_restarts_under_sa_restart)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct async_send s;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t token;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, held_send_start(&s, self->user, "x", 0, 0));
	ASSERT_EQ(0, pthread_kill(s.thread, SIGUSR1));
	/* Not held yet: restarted transparently, still offered. */
	ASSERT_EQ(0, wait_blocked_in_ioctl(getpid(), s.tid, MBOX_IOC_SEND));
	token = hold_one(self->proxy, buf, &r);
	ASSERT_NE(0, token);
	EXPECT_EQ(0, complete(self->proxy, token, 0, NULL));
	EXPECT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
}

TEST_F(held, proxy_close_fails_held_senders_with_epipe)
{
	struct async_send s1, s2;
	struct mbox_recv r;
	char buf[MSG_SIZE];

	ASSERT_EQ(0, held_send_start(&s1, self->user, "one", 0, 0));
	ASSERT_NE(0, hold_one(self->proxy, buf, &r));
	ASSERT_EQ(0, held_send_start(&s2, self->user, "two", 0, 0));
	/* s1 held, s2 still offered: both must fail. */
	close(self->proxy);
	self->proxy = -1;
	EXPECT_EQ(-EPIPE, async_send_join(&s1, STATE_WAIT_MS));
	EXPECT_EQ(-EPIPE, async_send_join(&s2, STATE_WAIT_MS));
}

TEST_F(held, holds_follow_priority_and_complete_in_any_order)
{
	struct async_send lo, hi;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t t1, t2;

	ASSERT_EQ(0, held_send_start(&lo, self->user, "lo", 1, 0));
	ASSERT_EQ(0, held_send_start(&hi, self->user, "hi", 9, 0));
	t1 = hold_one(self->proxy, buf, &r);
	ASSERT_NE(0, t1);
	EXPECT_STREQ("hi", buf);
	t2 = hold_one(self->proxy, buf, &r);
	ASSERT_NE(0, t2);
	EXPECT_STREQ("lo", buf);
	EXPECT_NE(t1, t2);
	EXPECT_EQ(0, complete(self->proxy, t2, -EPIPE, NULL));
	EXPECT_EQ(-EPIPE, async_send_join(&lo, STATE_WAIT_MS));
	sleep_ms(NEGATIVE_WAIT_MS);
	EXPECT_EQ(0, atomic_load(&hi.done));
	EXPECT_EQ(0, complete(self->proxy, t1, 0, NULL));
	EXPECT_EQ(0, async_send_join(&hi, STATE_WAIT_MS));
}

/*
 * The copy of a hold runs without the mailbox lock; one that faults puts
 * the offer back unheld and unnumbered: the sender stays offered, and the
 * sequence number is given only when a later hold is completed.
 */
TEST_F(held, hold_whose_copy_faults_leaves_the_offer_unnumbered)
{
	struct async_send s;
	struct mbox_info info;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t token, seq = 0;

	ASSERT_EQ(0, held_send_start(&s, self->user, "again", 0, 0));
	EXPECT_EQ(-EFAULT, recv_msg(self->proxy, bad_ptr(), MSG_SIZE,
				    MBOX_RECV_HOLD, &r));
	ASSERT_EQ(0, mbox_info(self->proxy, &info));
	EXPECT_EQ(1, info.queued);
	EXPECT_EQ(1, info.waiting_senders);
	EXPECT_EQ(0, info.sent);
	EXPECT_EQ(0, info.received);
	sleep_ms(NEGATIVE_WAIT_MS);
	EXPECT_EQ(0, atomic_load(&s.done));

	token = hold_one(self->proxy, buf, &r);
	ASSERT_NE(0, token);
	EXPECT_STREQ("again", buf);
	EXPECT_EQ(0, info_or_zero(self->proxy).sent);
	ASSERT_EQ(0, complete(self->proxy, token, 0, &seq));
	EXPECT_EQ(1, seq);
	EXPECT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
	EXPECT_EQ(1, s.req.seq);
	EXPECT_EQ(1, info_or_zero(self->proxy).received);
}

TEST_F(held, nonblocking_send_to_a_proxy_is_eagain)
{
	struct async_send s;
	char buf[MSG_SIZE];
	struct mbox_recv r;

	/* A hold receiver waiting does not take non-blocking offers. */
	ASSERT_EQ(0, held_send_start(&s, self->user, "first", 0, 0));
	ASSERT_NE(0, hold_one(self->proxy, buf, &r));
	EXPECT_EQ(-EAGAIN, send_msg(self->user, "nb", 3, 0, 0,
				    MBOX_MSG_NONBLOCK));
	EXPECT_EQ(0, complete(self->proxy, r.seq, 0, NULL));
	EXPECT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
}

/* ------------------------------------------------------ vouched origins */

static const struct mbox_origin test_origin = {
	.host = 0x8877665544332211ULL,
	.pid = 4242,
	.uid = 1001,
};

static int create_plain(uint32_t mode, uint32_t capacity, uint64_t *id)
{
	struct mbox_create c = create_req(mode, capacity, MSG_SIZE);
	int dev = dev_open();
	int fd;

	if (dev < 0)
		return dev;
	c.mode = 0666;
	fd = xioctl(dev, MBOX_IOC_CREATE, &c);
	close(dev);
	if (fd >= 0 && id)
		*id = c.id;
	return fd;
}

static struct mbox_send origin_req(const void *buf, uint32_t len,
				   uint32_t flags)
{
	struct mbox_send s;

	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.len = len;
	s.flags = flags;
	s.type = 9;
	if (flags & MBOX_MSG_ORIGIN)
		s.origin = test_origin;
	return s;
}

static int recv_origin(int fd, void *buf, uint32_t len, uint32_t flags,
		       struct mbox_recv_origin *r)
{
	memset(r, 0, sizeof(*r));
	r->recv.buf = (uintptr_t)buf;
	r->recv.len = len;
	r->recv.flags = flags;
	return mbox_recvx_origin(fd, r);
}

TEST(origin_feature_bit_is_announced)
{
	struct mbox_version v;

	ASSERT_EQ(0, mbox_version(&v));
	EXPECT_TRUE(v.features & MBOX_FEAT_ORIGIN);
}

FIXTURE(vouched) {
	int owner;
	int user;
};

FIXTURE_VARIANT(vouched) {
	uint32_t mode;
	uint32_t capacity;
};

FIXTURE_VARIANT_ADD(vouched, bounded) {
	.mode = MBOX_CAPACITY_BOUNDED, .capacity = 4,
};

FIXTURE_VARIANT_ADD(vouched, unbounded) {
	.mode = MBOX_CAPACITY_UNBOUNDED,
};

FIXTURE_VARIANT_ADD(vouched, zero) {
	.mode = MBOX_CAPACITY_ZERO,
};

FIXTURE_SETUP(vouched)
{
	uint64_t id;

	self->owner = create_plain(variant->mode, variant->capacity, &id);
	ASSERT_LE(0, self->owner);
	self->user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, self->user);
}

FIXTURE_TEARDOWN(vouched)
{
	close(self->user);
	close(self->owner);
}

/*
 * Sends @req from the user handle and receives it on the owner with
 * MBOX_IOC_RECV_ORIGIN (@ext) or, without @ext, MBOX_IOC_RECV (@plain);
 * a ZERO send runs in a thread.  Returns the send's or receive's error.
 */
static int deliver(int owner, int user, uint32_t mode,
		   const struct mbox_send *req, void *buf,
		   struct mbox_recv_origin *ext, struct mbox_recv *plain)
{
	struct async_send a;
	int err, sent;

	if (mode != MBOX_CAPACITY_ZERO) {
		struct mbox_send s = *req;

		err = mbox_sendx(user, &s);
		if (err)
			return err;
	} else {
		memset(&a, 0, sizeof(a));
		err = async_send_start_req(&a, user, req);
		if (err)
			return err;
	}
	if (ext)
		err = recv_origin(owner, buf, MSG_SIZE, 0, ext);
	else
		err = recv_msg(owner, buf, MSG_SIZE, 0, plain);
	if (mode == MBOX_CAPACITY_ZERO) {
		sent = async_send_join(&a, 10000);
		if (!err)
			err = sent;
	}
	return err;
}

TEST_F(vouched, origin_is_received_intact_beside_the_senders_own)
{
	/* Lengths around the origin's alignment, and the largest. */
	static const uint32_t lens[] = { 0, 1, 7, 8, 13, MSG_SIZE };
	char data[MSG_SIZE], buf[MSG_SIZE];
	struct mbox_recv_origin r;
	struct mbox_send req;
	unsigned int i;

	for (i = 0; i < MSG_SIZE; i++)
		data[i] = (char)(i * 7 + 1);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		req = origin_req(data, lens[i], MBOX_MSG_ORIGIN);
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(0, deliver(self->owner, self->user, variant->mode,
				     &req, buf, &r, NULL));
		EXPECT_EQ(lens[i], r.recv.msg_len);
		EXPECT_EQ(0, memcmp(buf, data, lens[i]));
		/* Nothing of the origin leaks into the buffer. */
		if (lens[i] < MSG_SIZE)
			EXPECT_EQ(0, buf[lens[i]]);
		EXPECT_EQ(MBOX_ORIGIN_VOUCHED, r.origin_flags);
		EXPECT_EQ(test_origin.host, r.origin.host);
		EXPECT_EQ(test_origin.pid, r.origin.pid);
		EXPECT_EQ(test_origin.uid, r.origin.uid);
		/* The kernel's own identity of the sender stays the bridge's. */
		EXPECT_EQ(getpid(), r.recv.sender_pid);
		EXPECT_EQ(geteuid(), r.recv.sender_uid);
		EXPECT_EQ(9u, r.recv.type);
		EXPECT_EQ(0u, r.reserved0);
	}
}

TEST_F(vouched, ordinary_message_reports_no_origin)
{
	char buf[MSG_SIZE];
	struct mbox_recv_origin r;
	struct mbox_send req = origin_req("plain", 6, 0);

	ASSERT_EQ(0, deliver(self->owner, self->user, variant->mode, &req,
			     buf, &r, NULL));
	EXPECT_STREQ("plain", buf);
	EXPECT_EQ(0u, r.origin_flags);
	EXPECT_EQ(0u, r.origin.host);
	EXPECT_EQ(0, r.origin.pid);
	EXPECT_EQ(0u, r.origin.uid);
	EXPECT_EQ(getpid(), r.recv.sender_pid);
}

TEST_F(vouched, plain_receive_takes_a_vouched_message_unchanged)
{
	char buf[MSG_SIZE];
	struct mbox_recv r;
	struct mbox_send req = origin_req("vouched", 8, MBOX_MSG_ORIGIN);

	ASSERT_EQ(0, deliver(self->owner, self->user, variant->mode, &req,
			     buf, NULL, &r));
	EXPECT_EQ(8u, r.msg_len);
	EXPECT_STREQ("vouched", buf);
	EXPECT_EQ(getpid(), r.sender_pid);
	EXPECT_EQ(0u, r.reserved1);
}

/* Batch receive has no room for an origin (documented): payload only. */
TEST(batch_receive_of_a_vouched_message_gets_the_payload_only)
{
	struct mbox_send req = origin_req("batched", 8, MBOX_MSG_ORIGIN);
	struct mbox_msgvec vec[2];
	char buf[2][MSG_SIZE];
	int fd = create_plain(MBOX_CAPACITY_BOUNDED, 4, NULL);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_sendx(fd, &req));
	req = origin_req("plain", 6, 0);
	ASSERT_EQ(0, mbox_sendx(fd, &req));
	memset(vec, 0, sizeof(vec));
	vec[0].buf = (uintptr_t)buf[0];
	vec[0].len = MSG_SIZE;
	vec[1].buf = (uintptr_t)buf[1];
	vec[1].len = MSG_SIZE;
	ASSERT_EQ(2, mbox_recv_batch(fd, vec, 2, MBOX_MSG_NONBLOCK, NULL));
	EXPECT_EQ(8u, vec[0].msg_len);
	EXPECT_STREQ("batched", buf[0]);
	EXPECT_EQ(6u, vec[1].msg_len);
	EXPECT_STREQ("plain", buf[1]);
	close(fd);
}

TEST(origin_bytes_without_the_flag_are_einval_and_send_nothing)
{
	struct mbox_recv_origin r;
	struct mbox_send req = origin_req("x", 2, 0);
	char buf[MSG_SIZE];
	int fd = create_plain(MBOX_CAPACITY_BOUNDED, 4, NULL);

	ASSERT_LE(0, fd);
	req.origin.host = 1;
	EXPECT_EQ(-EINVAL, mbox_sendx(fd, &req));
	req.origin.host = 0;
	req.origin.pid = -1;
	EXPECT_EQ(-EINVAL, mbox_sendx(fd, &req));
	req.origin.pid = 0;
	req.reserved[1] = 1ULL << 63;
	EXPECT_EQ(-EINVAL, mbox_sendx(fd, &req));
	EXPECT_EQ(-EAGAIN, recv_origin(fd, buf, MSG_SIZE, MBOX_MSG_NONBLOCK,
				       &r));
	close(fd);
}

TEST(recv_origin_with_nonzero_outs_is_einval_and_keeps_the_message)
{
	struct mbox_send req = origin_req("kept", 5, MBOX_MSG_ORIGIN);
	struct mbox_recv_origin r;
	struct mbox_recv plain;
	char buf[MSG_SIZE];
	int fd = create_plain(MBOX_CAPACITY_BOUNDED, 4, NULL);
	int i;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_sendx(fd, &req));
	for (i = 0; i < 6; i++) {
		memset(&r, 0, sizeof(r));
		r.recv.buf = (uintptr_t)buf;
		r.recv.len = MSG_SIZE;
		r.recv.flags = MBOX_MSG_NONBLOCK;
		switch (i) {
		case 0: r.origin.host = 1; break;
		case 1: r.origin.pid = 1; break;
		case 2: r.origin.uid = 1; break;
		case 3: r.origin_flags = MBOX_ORIGIN_VOUCHED; break;
		case 4: r.reserved0 = 1; break;
		default: r.reserved[1] = 1; break;
		}
		EXPECT_EQ(-EINVAL, mbox_recvx_origin(fd, &r));
	}
	/* MBOX_MSG_ORIGIN is no receive flag, on either receive. */
	EXPECT_EQ(-EINVAL, recv_msg(fd, buf, MSG_SIZE,
				    MBOX_MSG_ORIGIN | MBOX_MSG_NONBLOCK, &plain));
	EXPECT_EQ(-EINVAL, recv_origin(fd, buf, MSG_SIZE,
				       MBOX_MSG_ORIGIN | MBOX_MSG_NONBLOCK, &r));
	ASSERT_EQ(0, recv_origin(fd, buf, MSG_SIZE, MBOX_MSG_NONBLOCK, &r));
	EXPECT_STREQ("kept", buf);
	EXPECT_EQ(MBOX_ORIGIN_VOUCHED, r.origin_flags);
	close(fd);
}

/* Only a vouched message carries the origin, and it is charged for it. */
TEST(vouched_message_is_charged_for_its_origin)
{
	char data[MSG_SIZE] = "";
	struct mbox_send req;
	uint64_t plain, vouched;
	int fd = create_plain(MBOX_CAPACITY_UNBOUNDED, 0, NULL);
	uint32_t len;

	ASSERT_LE(0, fd);
	for (len = 0; len <= MSG_SIZE; len += 8) {
		struct mbox_recv_origin r;
		char buf[MSG_SIZE];

		req = origin_req(data, len, 0);
		ASSERT_EQ(0, mbox_sendx(fd, &req));
		plain = info_or_zero(fd).bytes_charged;
		req = origin_req(data, len, MBOX_MSG_ORIGIN);
		ASSERT_EQ(0, mbox_sendx(fd, &req));
		vouched = info_or_zero(fd).bytes_charged - plain;
		EXPECT_LE(plain, vouched);
		ASSERT_EQ(0, recv_origin(fd, buf, MSG_SIZE, 0, &r));
		ASSERT_EQ(0, recv_origin(fd, buf, MSG_SIZE, 0, &r));
		EXPECT_EQ(0u, info_or_zero(fd).bytes_charged);
	}
	close(fd);
}

/*
 * A hostile sender tries to vouch: @how 0 drops root (no capability at
 * all), 1 becomes root of a new user namespace with a new IPC namespace
 * (CAP_NET_ADMIN over its own IPC namespace, but not over the mailbox's,
 * which its handle still reaches).  The child reports the send's
 * result; the parent checks that nothing arrived.
 */
static int hostile_origin_send(int how)
{
	uint64_t id;
	int fd = create_plain(MBOX_CAPACITY_BOUNDED, 4, &id);
	struct mbox_recv_origin r;
	char buf[MSG_SIZE];
	int status, user, queued;
	pid_t pid;

	if (fd < 0)
		return fd;
	user = mbox_open_id(id, O_CLOEXEC);
	if (user < 0)
		return user;
	pid = fork_child();
	if (pid < 0)
		return pid;
	if (pid == 0) {
		struct mbox_send req = origin_req("forged", 7,
						  MBOX_MSG_ORIGIN);
		int err;

		if (how == 0 && drop_privileges())
			_exit(100);
		if (how == 1 && unshare(CLONE_NEWUSER | CLONE_NEWIPC))
			_exit(101);
		err = mbox_sendx(user, &req);
		_exit(err == -EPERM ? 0 : err == 0 ? 1 : 2);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	forget_child(pid);
	queued = recv_origin(fd, buf, MSG_SIZE, MBOX_MSG_NONBLOCK, &r);
	close(user);
	close(fd);
	if (WEXITSTATUS(status) >= 100)
		return -EOPNOTSUPP;
	if (queued != -EAGAIN)
		return -EEXIST;
	return WEXITSTATUS(status);
}

TEST(unprivileged_origin_is_eperm_and_sends_nothing)
{
	int ret = hostile_origin_send(0);

	if (ret == -EOPNOTSUPP)
		SKIP(return, "cannot drop privileges here");
	EXPECT_EQ(0, ret);
}

TEST(origin_from_a_user_namespace_root_is_eperm)
{
	int ret = hostile_origin_send(1);

	if (ret == -EOPNOTSUPP)
		SKIP(return, "no user namespaces here");
	EXPECT_EQ(0, ret);
}

TEST_HARNESS_MAIN
