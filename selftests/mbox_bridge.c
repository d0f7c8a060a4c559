// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_bridge: the kernel side of bridge proxies (mboxbridge(8)):
 * MBOX_CREATE_PROXY, MBOX_RECV_HOLD and MBOX_IOC_COMPLETE.  A held ZERO
 * sender stays blocked until completed, gets exactly the status given,
 * keeps its own deadline, and gets -EPIPE when the proxy goes.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

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

TEST_HARNESS_MAIN
