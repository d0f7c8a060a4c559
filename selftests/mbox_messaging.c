// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_messaging: send/receive semantics shared by the three capacities
 * (each test runs once per FIXTURE_VARIANT: zero, bounded, unbounded).
 *
 * Messages are offered from a sender thread (or a forked child) so that the
 * same test works for a ZERO mailbox, where a send waits for the receive:
 * offer() starts the send and waits until MBOX_IOC_INFO shows the message
 * queued (for ZERO: "senders offering one"), the main thread receives, and
 * finish() collects the send's result.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#define MSG_SIZE	256
#define QUICK_MS	5000	/* calls that must not wait get this long */

FIXTURE(msg) {
	int owner;
	int user;
	uint64_t id;
	int extra_fd;
};

FIXTURE_VARIANT(msg) {
	__u32 capacity_mode;
	__u32 capacity;
};

FIXTURE_VARIANT_ADD(msg, zero) {
	.capacity_mode = MBOX_CAPACITY_ZERO,
	.capacity = 0,
};

FIXTURE_VARIANT_ADD(msg, bounded) {
	.capacity_mode = MBOX_CAPACITY_BOUNDED,
	.capacity = 8,
};

FIXTURE_VARIANT_ADD(msg, unbounded) {
	.capacity_mode = MBOX_CAPACITY_UNBOUNDED,
	.capacity = 0,
};

FIXTURE_SETUP(msg)
{
	struct mbox_attr a = {
		.capacity_mode = variant->capacity_mode,
		.capacity = variant->capacity,
		.msg_size = MSG_SIZE,
		.mode = 0666,
		.fd_flags = O_CLOEXEC,
	};

	self->extra_fd = -1;
	self->owner = mbox_create(&a, NULL, &self->id);
	ASSERT_LE(0, self->owner) TH_LOG("create: %s", strerror(-self->owner));
	self->user = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, self->user) TH_LOG("open: %s", strerror(-self->user));
}

FIXTURE_TEARDOWN(msg)
{
	reap_children();
	if (self->extra_fd >= 0)
		close(self->extra_fd);
	close(self->user);
	close(self->owner);
}

static bool is_zero(const FIXTURE_VARIANT(msg) *variant)
{
	return variant->capacity_mode == MBOX_CAPACITY_ZERO;
}

static void fill(char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(seed * 31 + i * 7 + 1);
}

/*
 * Start sending on @fd from a thread and wait until the mailbox shows
 * @queued_after messages queued/offered on @watch_fd.  Returns 0 or -errno.
 */
static int offer(struct async_send *a, int fd, int watch_fd,
		 const void *data, uint32_t len, uint32_t prio, uint32_t type,
		 uint32_t queued_after)
{
	int ret = async_send_start(a, fd, data, len, prio, type, 0);

	if (ret)
		return ret;
	return wait_info(watch_fd, INFO_QUEUED, queued_after);
}

static int finish(struct async_send *a)
{
	return async_send_join(a, QUICK_MS);
}

/*
 * A send that must come back at once whatever the capacity (e.g. one that
 * is invalid): run on a thread so that a wrongly waiting send shows up as
 * -ETIME instead of hanging the test.  The thread's state is leaked on
 * purpose in that case: the thread still uses it.
 */
static int send_quick(int fd, const struct mbox_send *req)
{
	struct async_send *a = calloc(1, sizeof(*a));
	int ret;

	if (!a)
		return -ENOMEM;
	ret = async_send_start_req(a, fd, req);
	if (ret) {
		free(a);
		return ret;
	}
	ret = async_send_join(a, QUICK_MS);
	if (ret != -ETIME)
		free(a);
	return ret;
}

static struct mbox_send send_req(const void *buf, uint32_t len)
{
	struct mbox_send s;

	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.len = len;
	return s;
}

/* ------------------------------------------------------- round trips */

TEST_F(msg, round_trip_preserves_payload_and_metadata)
{
	char out[MSG_SIZE], in[MSG_SIZE];
	struct async_send a;
	struct mbox_recv r;
	struct mbox_info info;

	fill(out, 100, 1);
	ASSERT_EQ(0, offer(&a, self->user, self->owner, out, 100, 7,
			   0xdeadbeef, 1));
	memset(in, 0, sizeof(in));
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ(0, finish(&a));
	EXPECT_EQ(100U, r.msg_len);
	EXPECT_EQ(0, memcmp(out, in, 100));
	EXPECT_EQ(7U, r.priority);
	EXPECT_EQ(0xdeadbeefU, r.type);
	EXPECT_EQ(1ULL, r.seq);
	EXPECT_EQ(1ULL, a.req.seq);
	EXPECT_EQ(getpid(), r.sender_pid);
	EXPECT_EQ((__u32)getuid(), r.sender_uid);
	EXPECT_EQ(0, r.from_pid);
	EXPECT_EQ(0U, r.want_type);
	EXPECT_EQ(0U, r.reserved1);
	EXPECT_EQ(0ULL, r.reserved[0]);
	/* Nothing beyond the message was written. */
	for (size_t i = 100; i < sizeof(in); i++) {
		ASSERT_EQ(0, in[i]);
	}

	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(1ULL, info.sent);
	EXPECT_EQ(1ULL, info.received);
	EXPECT_EQ(0U, info.queued);
	EXPECT_EQ(0ULL, info.queued_bytes);
	EXPECT_EQ(0U, info.waiting_senders);
}

TEST_F(msg, message_of_exactly_msg_size_round_trips)
{
	static char out[MSG_SIZE], in[MSG_SIZE];
	struct async_send a;
	struct mbox_recv r;

	fill(out, MSG_SIZE, 2);
	ASSERT_EQ(0, offer(&a, self->user, self->owner, out, MSG_SIZE, 0, 0,
			   1));
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ(0, finish(&a));
	EXPECT_EQ((__u32)MSG_SIZE, r.msg_len);
	EXPECT_EQ(0, memcmp(out, in, MSG_SIZE));
}

TEST_F(msg, owner_may_send_to_itself_and_sees_own_pid)
{
	char in[MSG_SIZE];
	struct async_send a;
	struct mbox_recv r;

	ASSERT_EQ(0, offer(&a, self->owner, self->owner, "self", 4, 3, 9, 1));
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ(0, finish(&a));
	EXPECT_EQ(4U, r.msg_len);
	EXPECT_EQ(0, memcmp("self", in, 4));
	EXPECT_EQ(getpid(), r.sender_pid);
	EXPECT_EQ(9U, r.type);
}

TEST_F(msg, forked_sender_is_reported_by_its_pid)
{
	char in[MSG_SIZE];
	struct mbox_recv r;
	int go[2];
	pid_t pid;

	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t v;
		int ret;

		close(go[1]);
		ret = send_msg(self->user, "child", 5, 2, 77, 0);
		/* Stay alive until the parent has received. */
		if (ret == 0 && pipe_read_u64(go[0], &v))
			ret = -EIO;
		child_exit(ret);
	}
	close(go[0]);
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ(pid, r.sender_pid);
	EXPECT_EQ((__u32)getuid(), r.sender_uid);
	EXPECT_EQ(5U, r.msg_len);
	EXPECT_EQ(0, memcmp("child", in, 5));
	EXPECT_EQ(77U, r.type);
	EXPECT_EQ(2U, r.priority);
	pipe_write_u64(go[1], 1);
	close(go[1]);
	EXPECT_EQ(0, child_wait(pid));
}

TEST_F(msg, unprivileged_sender_is_reported_by_its_uid)
{
	char in[MSG_SIZE];
	struct mbox_recv r;
	int go[2];
	pid_t pid;

	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_open o;
		uint64_t v;
		int dev, user, ret;

		close(go[1]);
		if (drop_privileges() < 0)
			_exit(250);
		/* Its own /dev/mbox descriptor and handle (mode is 0666). */
		dev = dev_open();
		memset(&o, 0, sizeof(o));
		o.id = self->id;
		user = xioctl(dev, MBOX_IOC_OPEN, &o);
		if (user < 0)
			child_exit(user);
		ret = send_msg(user, "nobody", 6, 0, 0, 0);
		if (ret == 0 && pipe_read_u64(go[0], &v))
			ret = -EIO;
		child_exit(ret);
	}
	close(go[0]);
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ((__u32)NOBODY_ID, r.sender_uid);
	EXPECT_EQ(pid, r.sender_pid);
	EXPECT_EQ(0, memcmp("nobody", in, 6));
	pipe_write_u64(go[1], 1);
	close(go[1]);
	EXPECT_EQ(0, child_wait(pid));
}

TEST_F(msg, zero_length_message_round_trips)
{
	char in[MSG_SIZE];
	struct async_send a;
	struct mbox_recv r;

	memset(in, 0x5a, sizeof(in));
	ASSERT_EQ(0, offer(&a, self->user, self->owner, NULL, 0, 4, 5, 1));
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ(0, finish(&a));
	EXPECT_EQ(0U, r.msg_len);
	EXPECT_EQ(4U, r.priority);
	EXPECT_EQ(5U, r.type);
	EXPECT_EQ(0x5a, in[0]);
}

TEST_F(msg, seq_numbers_count_up_from_one)
{
	char in[MSG_SIZE];

	for (unsigned int i = 1; i <= 3; i++) {
		struct async_send a;
		struct mbox_recv r;

		ASSERT_EQ(0, offer(&a, self->user, self->owner, &i, sizeof(i),
				   0, 0, 1));
		ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
		ASSERT_EQ(0, finish(&a));
		EXPECT_EQ((__u64)i, a.req.seq);
		EXPECT_EQ((__u64)i, r.seq);
	}
}

TEST_F(msg, info_counts_queued_messages_and_bytes)
{
	char in[MSG_SIZE];
	static char data[64];
	struct async_send a[3];
	struct mbox_info info;
	struct mbox_recv r;

	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, offer(&a[i], self->user, self->owner, data,
				   (uint32_t)(10 * (i + 1)), 0, 0,
				   (uint32_t)i + 1));
	}
	ASSERT_EQ(0, mbox_info(self->user, &info));
	EXPECT_EQ(3U, info.queued);
	if (is_zero(variant)) {
		/* Each offering sender waits for a receiver. */
		EXPECT_EQ(3U, info.waiting_senders);
	} else {
		EXPECT_EQ(0U, info.waiting_senders);
		EXPECT_EQ(60ULL, info.queued_bytes);
		EXPECT_EQ(3ULL, info.sent);
	}
	EXPECT_EQ(0ULL, info.received);
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ(10U, r.msg_len);
	ASSERT_EQ(0, mbox_info(self->user, &info));
	EXPECT_EQ(2U, info.queued);
	EXPECT_EQ(1ULL, info.received);
	if (!is_zero(variant)) {
		EXPECT_EQ(50ULL, info.queued_bytes);
	}
	for (int i = 1; i < 3; i++) {
		ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	}
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(0, finish(&a[i]));
	}
	ASSERT_EQ(0, mbox_info(self->user, &info));
	EXPECT_EQ(0U, info.queued);
	EXPECT_EQ(0ULL, info.queued_bytes);
	EXPECT_EQ(3ULL, info.sent);
	EXPECT_EQ(3ULL, info.received);
}

/* ---------------------------------------------------------- ordering */

TEST_F(msg, higher_priority_first_and_fifo_within_a_priority)
{
	static const struct { uint32_t prio; char tag; } plan[] = {
		{ 1, 'a' }, { 5, 'b' }, { 1, 'c' }, { 5, 'd' }, { 0, 'e' },
		{ MBOX_PRIO_MAX, 'f' }, { 0, 'g' }, { 5, 'h' },
	};
	static const char expect[] = "fbdhaceg";
	struct async_send a[ARRAY_SIZE(plan)];
	char in[MSG_SIZE];

	/* Offer one by one so that the acceptance order is known. */
	for (size_t i = 0; i < ARRAY_SIZE(plan); i++) {
		ASSERT_EQ(0, offer(&a[i], self->user, self->owner,
				   &plan[i].tag, 1, plan[i].prio, 0,
				   (uint32_t)i + 1));
	}
	for (size_t i = 0; i < ARRAY_SIZE(plan); i++) {
		struct mbox_recv r;

		ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
		EXPECT_EQ(expect[i], in[0]) TH_LOG("message #%zu", i);
		/* Queued messages were numbered as they were accepted. */
		if (!is_zero(variant)) {
			EXPECT_EQ((__u64)(strchr("abcdefgh", in[0]) -
					  "abcdefgh") + 1, r.seq);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(plan); i++) {
		EXPECT_EQ(0, finish(&a[i]));
	}
}

/* ----------------------------------------------------- receive errors */

TEST_F(msg, user_handle_cannot_receive_eperm)
{
	char in[MSG_SIZE];
	struct async_send a;
	struct mbox_recv r;

	ASSERT_EQ(0, offer(&a, self->user, self->owner, "x", 1, 0, 0, 1));
	EXPECT_EQ(-EPERM, recv_msg(self->user, in, sizeof(in), 0, &r));
	EXPECT_EQ(-EPERM, recv_msg(self->user, in, sizeof(in),
				   MBOX_MSG_NONBLOCK, &r));
	/* The message is still there for the owner. */
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ('x', in[0]);
	EXPECT_EQ(0, finish(&a));
}

TEST_F(msg, small_receive_buffer_fails_emsgsize_and_keeps_message)
{
	char out[MSG_SIZE], in[MSG_SIZE];
	struct async_send a;
	struct mbox_recv r;
	struct mbox_info info;

	fill(out, 100, 3);
	ASSERT_EQ(0, offer(&a, self->user, self->owner, out, 100, 6, 0, 1));
	memset(in, 0, sizeof(in));
	ASSERT_EQ(-EMSGSIZE, recv_msg(self->owner, in, 99, 0, &r));
	EXPECT_EQ(100U, r.msg_len);
	ASSERT_EQ(-EMSGSIZE, recv_msg(self->owner, in, 0, 0, &r));
	EXPECT_EQ(100U, r.msg_len);
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(1U, info.queued);
	EXPECT_EQ(0ULL, info.received);
	if (is_zero(variant)) {
		EXPECT_FALSE(atomic_load(&a.done));
	}

	ASSERT_EQ(0, recv_msg(self->owner, in, 100, 0, &r));
	EXPECT_EQ(100U, r.msg_len);
	EXPECT_EQ(6U, r.priority);
	EXPECT_EQ(0, memcmp(out, in, 100));
	EXPECT_EQ(0, finish(&a));
	EXPECT_EQ(1ULL, r.seq);
}

TEST_F(msg, libmbox_recv_reports_needed_length_after_emsgsize)
{
	char out[40], in[MSG_SIZE];
	struct async_send a;
	struct mbox_msginfo mi;

	fill(out, sizeof(out), 4);
	ASSERT_EQ(0, offer(&a, self->user, self->owner, out, sizeof(out), 0,
			   0, 1));
	memset(&mi, 0, sizeof(mi));
	EXPECT_EQ(-EMSGSIZE, mbox_recv(self->owner, in, 8, &mi));
	EXPECT_EQ(40U, mi.len);
	EXPECT_EQ(40, mbox_recv(self->owner, in, sizeof(in), &mi));
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
	EXPECT_EQ(0, finish(&a));
}

TEST_F(msg, receive_into_unmapped_buffer_fails_efault_and_keeps_message)
{
	char in[MSG_SIZE];
	struct async_send a;
	struct mbox_recv r;
	struct mbox_info info;

	ASSERT_EQ(0, offer(&a, self->user, self->owner, "keep", 4, 0, 0, 1));
	memset(&r, 0, sizeof(r));
	r.buf = bad_uptr();
	r.len = MSG_SIZE;
	EXPECT_EQ(-EFAULT, mbox_recvx(self->owner, &r));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(1U, info.queued);
	EXPECT_EQ(0ULL, info.received);
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ(4U, r.msg_len);
	EXPECT_EQ(0, memcmp("keep", in, 4));
	EXPECT_EQ(0, finish(&a));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(1ULL, info.received);
}

TEST_F(msg, nonblocking_receive_on_empty_fails_eagain)
{
	char in[MSG_SIZE];
	struct mbox_recv r;

	EXPECT_EQ(-EAGAIN, recv_msg(self->owner, in, sizeof(in),
				    MBOX_MSG_NONBLOCK, &r));
	EXPECT_EQ(-EAGAIN, mbox_recv_nb(self->owner, in, sizeof(in), NULL));
}

TEST_F(msg, receive_on_o_nonblock_handle_on_empty_fails_eagain)
{
	char in[MSG_SIZE];
	struct mbox_recv r;
	int fl = fcntl(self->owner, F_GETFL);

	ASSERT_LE(0, fl);
	ASSERT_EQ(0, fcntl(self->owner, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, recv_msg(self->owner, in, sizeof(in), 0, &r));
}

TEST_F(msg, receive_waits_again_after_o_nonblock_is_cleared)
{
	char in[MSG_SIZE];
	struct mbox_recv r;
	int fl = fcntl(self->owner, F_GETFL);
	uint64_t deadline;

	ASSERT_LE(0, fl);
	ASSERT_EQ(0, fcntl(self->owner, F_SETFL, fl | O_NONBLOCK));
	ASSERT_EQ(-EAGAIN, recv_msg(self->owner, in, sizeof(in), 0, &r));
	ASSERT_EQ(0, fcntl(self->owner, F_SETFL, fl & ~O_NONBLOCK));
	deadline = now_ns() + 200 * NSEC_PER_MSEC;
	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)in;
	r.len = sizeof(in);
	r.flags = MBOX_MSG_TIMEOUT;
	r.timeout_ns = deadline;
	EXPECT_EQ(-ETIMEDOUT, mbox_recvx(self->owner, &r));
	EXPECT_LE(deadline, now_ns());
}

TEST_F(msg, nonblock_wins_over_timeout_on_receive)
{
	char in[MSG_SIZE];
	struct mbox_recv r;
	uint64_t start = now_ns();

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)in;
	r.len = sizeof(in);
	r.flags = MBOX_MSG_NONBLOCK | MBOX_MSG_TIMEOUT;
	r.timeout_ns = start + 20 * NSEC_PER_SEC;
	EXPECT_EQ(-EAGAIN, mbox_recvx(self->owner, &r));
	EXPECT_GT(start + 10 * NSEC_PER_SEC, now_ns());
}

TEST_F(msg, timed_receive_on_empty_times_out_not_before_deadline)
{
	char in[MSG_SIZE];
	struct timespec ts;
	uint64_t start = now_ns(), deadline = start + 300 * NSEC_PER_MSEC;
	uint64_t end;

	ts = ns_to_ts(deadline);
	EXPECT_EQ(-ETIMEDOUT, mbox_recv_timed(self->owner, in, sizeof(in),
					      NULL, &ts));
	end = now_ns();
	EXPECT_LE(deadline, end);
	/* Generous: the guest may be emulated. */
	EXPECT_GT(start + 10 * NSEC_PER_SEC, end);
}

TEST_F(msg, timed_receive_with_past_deadline_fails_etimedout_at_once)
{
	char in[MSG_SIZE];
	struct mbox_recv r;
	uint64_t start = now_ns();

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)in;
	r.len = sizeof(in);
	r.flags = MBOX_MSG_TIMEOUT;
	r.timeout_ns = start - NSEC_PER_SEC;
	EXPECT_EQ(-ETIMEDOUT, mbox_recvx(self->owner, &r));
	r.timeout_ns = 0;
	EXPECT_EQ(-ETIMEDOUT, mbox_recvx(self->owner, &r));
	EXPECT_GT(start + 5 * NSEC_PER_SEC, now_ns());
}

TEST_F(msg, timed_receive_with_past_deadline_succeeds_when_message_ready)
{
	char in[MSG_SIZE];
	struct async_send a;
	struct mbox_recv r;

	ASSERT_EQ(0, offer(&a, self->user, self->owner, "now", 3, 0, 0, 1));
	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)in;
	r.len = sizeof(in);
	r.flags = MBOX_MSG_TIMEOUT;
	r.timeout_ns = 1;
	EXPECT_EQ(0, mbox_recvx(self->owner, &r));
	EXPECT_EQ(3U, r.msg_len);
	EXPECT_EQ(0, finish(&a));
}

TEST_F(msg, timed_receive_gets_message_sent_before_deadline)
{
	char in[MSG_SIZE];
	struct timespec ts;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct {
		int owner, user;
		pid_t tid;
	} ctx = { self->owner, self->user, tid };
	pid_t pid;

	/* A child sends once the receive is seen waiting. */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ret = wait_blocked_in_ioctl(getppid(), ctx.tid,
						MBOX_IOC_RECV);
		if (ret == 0)
			ret = send_msg(ctx.user, "late", 4, 0, 0, 0);
		child_exit(ret);
	}
	ASSERT_EQ(0, mbox_deadline_in(&ts, 20 * NSEC_PER_SEC));
	EXPECT_EQ(4, mbox_recv_timed(self->owner, in, sizeof(in), NULL, &ts));
	EXPECT_EQ(0, memcmp("late", in, 4));
	EXPECT_EQ(0, child_wait(pid));
}

/* ------------------------------------------------ receive validation */

/*
 * Each invalid receive is tried with a message ready, so an implementation
 * that ignored the error would take the message instead of waiting.
 */
#define RECV_INVALID_TEST(test_name, field_setup)			\
TEST_F(msg, test_name)							\
{									\
	char in[MSG_SIZE];						\
	struct async_send a;						\
	struct mbox_recv r;						\
									\
	ASSERT_EQ(0, offer(&a, self->user, self->owner, "v", 1, 0, 0, 1)); \
	memset(&r, 0, sizeof(r));					\
	r.buf = (uintptr_t)in;						\
	r.len = sizeof(in);						\
	field_setup;							\
	EXPECT_EQ(-EINVAL, mbox_recvx(self->owner, &r));		\
	/* Still queued. */						\
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));	\
	EXPECT_EQ('v', in[0]);						\
	EXPECT_EQ(0, finish(&a));					\
}

RECV_INVALID_TEST(receive_unknown_flag_fails_einval, r.flags = 1U << 3)
RECV_INVALID_TEST(receive_unknown_select_flag_fails_einval,
		  r.flags = MBOX_RECV_TYPE_EXCEPT << 1)
RECV_INVALID_TEST(receive_high_unknown_flag_fails_einval, r.flags = 1U << 31)
RECV_INVALID_TEST(receive_timeout_ns_without_flag_fails_einval,
		  r.timeout_ns = now_ns() + NSEC_PER_SEC)
RECV_INVALID_TEST(receive_timeout_ns_above_ktime_max_fails_einval,
		  { r.flags = MBOX_MSG_TIMEOUT;
		    r.timeout_ns = (__u64)INT64_MAX + 1; })
RECV_INVALID_TEST(receive_from_pid_without_flag_fails_einval,
		  r.from_pid = 1)
RECV_INVALID_TEST(receive_want_type_without_flag_fails_einval,
		  r.want_type = 1)
RECV_INVALID_TEST(receive_nonzero_reserved1_fails_einval, r.reserved1 = 1)
RECV_INVALID_TEST(receive_nonzero_reserved_0_fails_einval,
		  r.reserved[0] = 1ULL << 63)

/* --------------------------------------------------- send validation */

/* Each invalid send must fail at once and leave nothing behind. */
#define SEND_INVALID_TEST(test_name, err, field_setup)			\
TEST_F(msg, test_name)							\
{									\
	static char data[MSG_SIZE + 1];					\
	struct mbox_send s = send_req(data, 8);				\
	struct mbox_info info;						\
									\
	field_setup;							\
	EXPECT_EQ(err, send_quick(self->user, &s));			\
	ASSERT_EQ(0, mbox_info(self->owner, &info));			\
	EXPECT_EQ(0U, info.queued);					\
	EXPECT_EQ(0ULL, info.sent);					\
	EXPECT_EQ(0U, info.waiting_senders);				\
}

SEND_INVALID_TEST(send_above_msg_size_fails_emsgsize, -EMSGSIZE,
		  s.len = MSG_SIZE + 1)
SEND_INVALID_TEST(send_of_4gib_minus_1_fails_emsgsize, -EMSGSIZE,
		  s.len = UINT32_MAX)
SEND_INVALID_TEST(send_unknown_flag_fails_einval, -EINVAL, s.flags = 1U << 3)
SEND_INVALID_TEST(send_high_unknown_flag_fails_einval, -EINVAL,
		  s.flags = 1U << 31)
SEND_INVALID_TEST(send_timeout_ns_without_flag_fails_einval, -EINVAL,
		  s.timeout_ns = now_ns() + NSEC_PER_SEC)
SEND_INVALID_TEST(send_timeout_ns_above_ktime_max_fails_einval, -EINVAL,
		  { s.flags = MBOX_MSG_TIMEOUT;
		    s.timeout_ns = (__u64)INT64_MAX + 1; })
SEND_INVALID_TEST(send_priority_above_max_fails_einval, -EINVAL,
		  s.priority = MBOX_PRIO_MAX + 1)
SEND_INVALID_TEST(send_priority_all_ones_fails_einval, -EINVAL,
		  s.priority = UINT32_MAX)
SEND_INVALID_TEST(send_nonzero_reserved_0_fails_einval, -EINVAL,
		  s.reserved[0] = 1)
SEND_INVALID_TEST(send_nonzero_reserved_1_fails_einval, -EINVAL,
		  s.reserved[1] = 1ULL << 63)

TEST_F(msg, send_of_max_priority_accepted)
{
	char in[MSG_SIZE];
	struct async_send a;
	struct mbox_recv r;

	ASSERT_EQ(0, offer(&a, self->user, self->owner, "p", 1, MBOX_PRIO_MAX,
			   0, 1));
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ((__u32)MBOX_PRIO_MAX, r.priority);
	EXPECT_EQ(0, finish(&a));
}

TEST_F(msg, send_from_unmapped_buffer_fails_efault_and_delivers_nothing)
{
	char in[MSG_SIZE];
	struct mbox_send s = send_req(bad_ptr(), 16);
	struct mbox_info info;
	struct async_send a;
	struct timespec ts;

	ASSERT_EQ(0, async_send_start_req(&a, self->user, &s));
	if (is_zero(variant)) {
		/* Even with a receiver waiting, nothing arrives. */
		ASSERT_EQ(0, mbox_deadline_in(&ts, 500 * NSEC_PER_MSEC));
		EXPECT_EQ(-ETIMEDOUT, mbox_recv_timed(self->owner, in,
						      sizeof(in), NULL, &ts));
	}
	EXPECT_EQ(-EFAULT, async_send_join(&a, QUICK_MS));
	EXPECT_EQ(-EAGAIN, mbox_recv_nb(self->owner, in, sizeof(in), NULL));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(0ULL, info.sent);
	EXPECT_EQ(0U, info.queued);
}

TEST_F(msg, timed_send_with_past_deadline_succeeds_when_no_wait_needed)
{
	char in[MSG_SIZE];
	struct mbox_send s = send_req("t", 1);

	if (is_zero(variant))
		SKIP(return, "a ZERO send always waits for its receiver");
	s.flags = MBOX_MSG_TIMEOUT;
	s.timeout_ns = 1;
	EXPECT_EQ(0, send_quick(self->user, &s));
	EXPECT_EQ(1, mbox_recv_nb(self->owner, in, sizeof(in), NULL));
}

TEST_F(msg, nonblocking_send_flag_and_handle_flag_are_accepted)
{
	char in[MSG_SIZE];
	struct mbox_send s = send_req("n", 1);

	if (is_zero(variant))
		SKIP(return, "see mbox_buffering for ZERO non-blocking sends");
	s.flags = MBOX_MSG_NONBLOCK;
	EXPECT_EQ(0, send_quick(self->user, &s));
	ASSERT_EQ(0, fcntl(self->user, F_SETFL, O_NONBLOCK));
	s.flags = 0;
	EXPECT_EQ(0, send_quick(self->user, &s));
	EXPECT_EQ(1, mbox_recv_nb(self->owner, in, sizeof(in), NULL));
	EXPECT_EQ(1, mbox_recv_nb(self->owner, in, sizeof(in), NULL));
}

/* ------------------------------------------- nothing written on error */

#define SEQ_SENTINEL	0x5e5e5e5e5e5e5e5eULL

TEST_F(msg, failed_send_leaves_the_struct_untouched)
{
	static char data[MSG_SIZE + 1];
	struct mbox_send s = send_req(data, MSG_SIZE + 1), before;
	struct async_send a;

	/* "Structures are never partially written on error": seq is out. */
	s.seq = SEQ_SENTINEL;
	before = s;
	ASSERT_EQ(0, async_send_start_req(&a, self->user, &s));
	EXPECT_EQ(-EMSGSIZE, async_send_join(&a, QUICK_MS));
	EXPECT_EQ(SEQ_SENTINEL, a.req.seq);
	EXPECT_EQ(0, memcmp(&before, &a.req, sizeof(before)));
}

static struct mbox_recv recv_with_sentinels(void *buf, uint32_t len,
					    uint32_t flags)
{
	struct mbox_recv r;

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.len = len;
	r.flags = flags;
	r.msg_len = 0xaaaa;
	r.priority = 0xbbbb;
	r.seq = SEQ_SENTINEL;
	r.sender_pid = -5;
	r.sender_uid = 0xdddd;
	r.type = 0xeeee;
	return r;
}

TEST_F(msg, failed_receive_leaves_the_struct_untouched)
{
	char in[MSG_SIZE];
	struct mbox_recv r = recv_with_sentinels(in, sizeof(in),
						 MBOX_MSG_NONBLOCK);
	struct mbox_recv before = r;

	EXPECT_EQ(-EAGAIN, mbox_recvx(self->owner, &r));
	EXPECT_EQ(0, memcmp(&before, &r, sizeof(r)));
}

TEST_F(msg, emsgsize_receive_sets_only_msg_len)
{
	char out[100], in[MSG_SIZE];
	struct async_send a;
	struct mbox_recv r = recv_with_sentinels(in, 10, 0);
	struct mbox_recv before = r;

	fill(out, sizeof(out), 5);
	ASSERT_EQ(0, offer(&a, self->user, self->owner, out, sizeof(out), 3,
			   4, 1));
	EXPECT_EQ(-EMSGSIZE, mbox_recvx(self->owner, &r));
	EXPECT_EQ(100U, r.msg_len);
	before.msg_len = 100;
	EXPECT_EQ(0, memcmp(&before, &r, sizeof(r)));
	EXPECT_EQ(100, mbox_recv(self->owner, in, sizeof(in), NULL));
	EXPECT_EQ(0, finish(&a));
}

/* ------------------------------------------------ fixed-size mailbox */

TEST_F(msg, fixed_size_mailbox_accepts_exact_length_only)
{
	struct mbox_attr attr = {
		.capacity_mode = variant->capacity_mode,
		.capacity = variant->capacity,
		.msg_size = 32,
		.flags = MBOX_CREATE_FIXED_SIZE,
		.fd_flags = O_CLOEXEC,
	};
	static char data[32];
	char in[64];
	struct mbox_send s;
	struct async_send a;
	struct mbox_info info;
	int owner;

	owner = mbox_create(&attr, NULL, NULL);
	ASSERT_LE(0, owner);
	self->extra_fd = owner;
	fill(data, sizeof(data), 9);

	s = send_req(data, 31);
	EXPECT_EQ(-EINVAL, send_quick(owner, &s));
	s = send_req(data, 1);
	EXPECT_EQ(-EINVAL, send_quick(owner, &s));
	s = send_req(NULL, 0);
	EXPECT_EQ(-EINVAL, send_quick(owner, &s));
	ASSERT_EQ(0, mbox_info(owner, &info));
	EXPECT_EQ(0ULL, info.sent);
	EXPECT_EQ(0U, info.queued);

	ASSERT_EQ(0, offer(&a, owner, owner, data, 32, 0, 0, 1));
	EXPECT_EQ(32, mbox_recv(owner, in, sizeof(in), NULL));
	EXPECT_EQ(0, memcmp(data, in, 32));
	EXPECT_EQ(0, finish(&a));
}

/* ================================================= other namespaces */

#include <sched.h>

FIXTURE(ns) {
	int owner;
	int user;
};

FIXTURE_SETUP(ns)
{
	struct mbox_attr a = MBOX_ATTR_UNBOUNDED(MSG_SIZE);
	uint64_t id;

	a.fd_flags = O_CLOEXEC;
	self->owner = mbox_create(&a, NULL, &id);
	ASSERT_LE(0, self->owner);
	self->user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, self->user);
}

FIXTURE_TEARDOWN(ns)
{
	reap_children();
	close(self->user);
	close(self->owner);
}

/*
 * A child that moves into a new pid namespace and runs @fn in its first
 * process (pid 1 there); returns @fn's result, and the namespaced process's
 * pid as seen from here in *@outer_pid.
 */
static int in_new_pid_ns(int (*fn)(FIXTURE_DATA(ns) *), FIXTURE_DATA(ns) *self,
			 pid_t *outer_pid)
{
	int res[2];
	pid_t pid;
	uint64_t v = 0;
	int ret;

	if (pipe2(res, O_CLOEXEC))
		return -errno;
	pid = fork_child();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		pid_t inner;

		close(res[0]);
		if (unshare(CLONE_NEWPID))
			child_exit(-errno);
		inner = fork();
		if (inner < 0)
			child_exit(-errno);
		if (inner == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getpid() != 1)
				_exit(249);
			child_exit(fn(self));
		}
		pipe_write_u64(res[1], (uint64_t)inner);
		child_exit(child_wait(inner));
	}
	close(res[1]);
	if (pipe_read_u64(res[0], &v) == 0)
		*outer_pid = (pid_t)v;
	close(res[0]);
	ret = child_wait(pid);
	return ret;
}

static int send_from_ns(FIXTURE_DATA(ns) *self)
{
	return mbox_send(self->user, "inner", 5, 0);
}

TEST_F(ns, sender_pid_is_translated_into_the_receiver_pid_namespace)
{
	pid_t outer = 0;
	char in[MSG_SIZE];
	struct mbox_recv r;

	/* The sender is pid 1 in its namespace; here it has another pid. */
	ASSERT_EQ(0, in_new_pid_ns(send_from_ns, self, &outer));
	ASSERT_LT(1, outer);
	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ(outer, r.sender_pid);
}

static int recv_in_ns(FIXTURE_DATA(ns) *self)
{
	char in[MSG_SIZE];
	struct mbox_recv r;
	int ret = recv_msg(self->owner, in, sizeof(in), 0, &r);

	if (ret)
		return ret;
	/* Sent from the parent namespace: not visible here. */
	return r.sender_pid == 0 ? 0 : -EPROTO;
}

TEST_F(ns, sender_pid_is_zero_when_not_visible_to_the_receiver)
{
	pid_t outer = 0;

	ASSERT_EQ(0, mbox_send(self->user, "outer", 5, 0));
	EXPECT_EQ(0, in_new_pid_ns(recv_in_ns, self, &outer));
}

TEST_F(ns, uids_are_the_overflow_uid_in_a_user_namespace_without_mapping)
{
	pid_t pid;
	int ret;

	ASSERT_EQ(0, mbox_send(self->user, "root", 4, 0));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_info info;
		char in[MSG_SIZE];
		struct mbox_recv r;

		/* A fresh user namespace maps no uid at all. */
		if (unshare(CLONE_NEWUSER))
			child_exit(-errno);
		ret = recv_msg(self->owner, in, sizeof(in), 0, &r);
		if (ret)
			child_exit(ret);
		if (r.sender_uid != NOBODY_ID)
			_exit(201);
		ret = mbox_info(self->owner, &info);
		if (ret)
			child_exit(ret);
		if (info.owner_uid != NOBODY_ID)
			_exit(202);
		child_exit(0);
	}
	ret = child_wait(pid);
	if (ret == -EPERM || ret == -EINVAL || ret == -ENOSPC)
		SKIP(return, "cannot create a user namespace here (%s)",
		     strerror(-ret));
	EXPECT_EQ(0, ret);
}

TEST_HARNESS_MAIN
