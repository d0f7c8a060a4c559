// SPDX-License-Identifier: GPL-2.0
/*
 * mbox batches: MBOX_IOC_SEND_BATCH and MBOX_IOC_RECV_BATCH over the three
 * capacities, what waits and what does not, partial batches, and every
 * error path.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#include <sched.h>

#define MSG	64
#define N	16

FIXTURE(batch) {
	uint64_t id;
	int owner;
	int tx;
	char out[N][MSG];
	char in[N][MSG];
	struct mbox_msgvec vec[N];
};

FIXTURE_VARIANT(batch) {
	uint32_t capacity_mode;
	uint32_t capacity;
};

FIXTURE_VARIANT_ADD(batch, bounded) {
	.capacity_mode = MBOX_CAPACITY_BOUNDED,
	.capacity = 2 * N,
};

FIXTURE_VARIANT_ADD(batch, unbounded) {
	.capacity_mode = MBOX_CAPACITY_UNBOUNDED,
};

FIXTURE_SETUP(batch)
{
	struct mbox_attr attr = MBOX_ATTR_UNBOUNDED(MSG);

	attr.capacity_mode = variant->capacity_mode;
	attr.capacity = variant->capacity;
	attr.mode = 0600;
	attr.fd_flags = O_CLOEXEC;
	self->owner = mbox_create(&attr, NULL, &self->id);
	ASSERT_LE(0, self->owner);
	self->tx = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, self->tx);
	for (int i = 0; i < N; i++)
		snprintf(self->out[i], MSG, "message %02d", i);
}

FIXTURE_TEARDOWN(batch)
{
	reap_children();
	close(self->tx);
	close(self->owner);
}

/* Fills vec[0..n) for sending out[0..n) with priority @prio. */
static void send_vec(FIXTURE_DATA(batch) *self, int n, uint32_t prio)
{
	memset(self->vec, 0, sizeof(self->vec));
	for (int i = 0; i < n; i++) {
		self->vec[i].buf = (uintptr_t)self->out[i];
		self->vec[i].len = (uint32_t)strlen(self->out[i]);
		self->vec[i].priority = prio;
		self->vec[i].type = (uint32_t)(100 + i);
	}
}

static void recv_vec(FIXTURE_DATA(batch) *self, int n)
{
	memset(self->vec, 0, sizeof(self->vec));
	memset(self->in, 0, sizeof(self->in));
	for (int i = 0; i < n; i++) {
		self->vec[i].buf = (uintptr_t)self->in[i];
		self->vec[i].len = MSG;
	}
}

TEST_F(batch, send_batch_queues_all_in_order_with_consecutive_seqs)
{
	send_vec(self, N, 0);
	ASSERT_EQ(N, mbox_send_batch(self->tx, self->vec, N, 0, NULL));
	for (int i = 0; i < N; i++)
		EXPECT_EQ((uint64_t)i + 1, self->vec[i].seq);
	EXPECT_EQ((uint32_t)N, info_or_zero(self->owner).queued);

	recv_vec(self, N);
	ASSERT_EQ(N, mbox_recv_batch(self->owner, self->vec, N,
				     MBOX_MSG_NONBLOCK, NULL));
	for (int i = 0; i < N; i++) {
		EXPECT_STREQ(self->out[i], self->in[i]);
		EXPECT_EQ(strlen(self->out[i]), self->vec[i].msg_len);
		EXPECT_EQ((uint64_t)i + 1, self->vec[i].seq);
		EXPECT_EQ((uint32_t)(100 + i), self->vec[i].type);
		EXPECT_EQ(getpid(), self->vec[i].sender_pid);
		EXPECT_EQ(getuid(), self->vec[i].sender_uid);
		EXPECT_EQ(0ULL, self->vec[i].reserved);
	}
	EXPECT_EQ(0U, info_or_zero(self->owner).queued);
}

TEST_F(batch, recv_batch_takes_only_what_is_there)
{
	send_vec(self, 5, 0);
	ASSERT_EQ(5, mbox_send_batch(self->tx, self->vec, 5, 0, NULL));
	recv_vec(self, N);
	ASSERT_EQ(5, mbox_recv_batch(self->owner, self->vec, N, 0, NULL));
	for (int i = 5; i < N; i++)
		EXPECT_EQ(0U, self->vec[i].msg_len);
	EXPECT_EQ(-EAGAIN, mbox_recv_batch(self->owner, self->vec, N,
					   MBOX_MSG_NONBLOCK, NULL));
}

TEST_F(batch, recv_batch_honours_priorities_across_the_batch)
{
	send_vec(self, 3, 1);
	ASSERT_EQ(3, mbox_send_batch(self->tx, self->vec, 3, 0, NULL));
	ASSERT_EQ(0, mbox_send(self->tx, "urgent", 6, 9));
	recv_vec(self, 4);
	ASSERT_EQ(4, mbox_recv_batch(self->owner, self->vec, 4, 0, NULL));
	EXPECT_STREQ("urgent", self->in[0]);
	EXPECT_EQ(9U, self->vec[0].priority);
	EXPECT_STREQ(self->out[0], self->in[1]);
}

TEST_F(batch, recv_batch_waits_for_the_first_message_only)
{
	pid_t child;

	recv_vec(self, N);
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		int n = mbox_recv_batch(self->owner, self->vec, N, 0, NULL);

		/* One message arrived while it waited; it did not wait more. */
		child_exit(n == 1 && !strcmp(self->in[0], "late") ? 0 :
			   (n < 0 ? n : -EBADMSG));
	}
	ASSERT_EQ(0, wait_blocked_in_ioctl(child, child, MBOX_IOC_RECV_BATCH));
	ASSERT_EQ(0, mbox_send(self->tx, "late", 4, 0));
	EXPECT_EQ(0, child_wait(child));
}

TEST_F(batch, recv_batch_timeout_with_nothing_fails_etimedout)
{
	struct timespec deadline;

	recv_vec(self, N);
	ASSERT_EQ(0, mbox_deadline_in(&deadline, 50 * NSEC_PER_MSEC));
	EXPECT_EQ(-ETIMEDOUT, mbox_recv_batch(self->owner, self->vec, N, 0,
					      &deadline));
}

TEST_F(batch, first_buffer_too_small_fails_emsgsize_and_keeps_the_message)
{
	send_vec(self, 2, 0);
	ASSERT_EQ(2, mbox_send_batch(self->tx, self->vec, 2, 0, NULL));
	recv_vec(self, 2);
	self->vec[0].len = 3;
	EXPECT_EQ(-EMSGSIZE, mbox_recv_batch(self->owner, self->vec, 2, 0,
					     NULL));
	EXPECT_EQ(strlen(self->out[0]), self->vec[0].msg_len);
	EXPECT_EQ(2U, info_or_zero(self->owner).queued);
}

TEST_F(batch, later_buffer_too_small_ends_the_batch_early)
{
	send_vec(self, 3, 0);
	ASSERT_EQ(3, mbox_send_batch(self->tx, self->vec, 3, 0, NULL));
	recv_vec(self, 3);
	self->vec[1].len = 3;
	EXPECT_EQ(1, mbox_recv_batch(self->owner, self->vec, 3, 0, NULL));
	EXPECT_EQ(2U, info_or_zero(self->owner).queued);
	recv_vec(self, 3);
	EXPECT_EQ(2, mbox_recv_batch(self->owner, self->vec, 3, 0, NULL));
	EXPECT_STREQ(self->out[1], self->in[0]);
}

TEST_F(batch, later_bad_receive_buffer_ends_the_batch_and_keeps_the_message)
{
	send_vec(self, 3, 0);
	ASSERT_EQ(3, mbox_send_batch(self->tx, self->vec, 3, 0, NULL));
	recv_vec(self, 3);
	self->vec[1].buf = bad_uptr();
	EXPECT_EQ(1, mbox_recv_batch(self->owner, self->vec, 3, 0, NULL));
	EXPECT_EQ(2U, info_or_zero(self->owner).queued);
}

TEST_F(batch, send_batch_on_a_full_bounded_mailbox_stops_at_capacity)
{
	uint32_t cap = variant->capacity;

	if (variant->capacity_mode != MBOX_CAPACITY_BOUNDED)
		SKIP(return, "bounded mailboxes only");
	send_vec(self, N, 0);
	ASSERT_EQ(N, mbox_send_batch(self->tx, self->vec, N, 0, NULL));
	ASSERT_EQ(N, mbox_send_batch(self->tx, self->vec, N,
				     MBOX_MSG_NONBLOCK, NULL));
	EXPECT_EQ(cap, info_or_zero(self->owner).queued);
	EXPECT_EQ(-EAGAIN, mbox_send_batch(self->tx, self->vec, N,
					   MBOX_MSG_NONBLOCK, NULL));
	/* Room for three: a batch of N sends three. */
	recv_vec(self, 3);
	ASSERT_EQ(3, mbox_recv_batch(self->owner, self->vec, 3, 0, NULL));
	send_vec(self, N, 0);
	EXPECT_EQ(3, mbox_send_batch(self->tx, self->vec, N,
				     MBOX_MSG_NONBLOCK, NULL));
}

TEST_F(batch, oversized_entry_fails_emsgsize_and_sends_nothing)
{
	static char big[MSG + 1];

	send_vec(self, 4, 0);
	self->vec[2].buf = (uintptr_t)big;
	self->vec[2].len = sizeof(big);
	EXPECT_EQ(-EMSGSIZE, mbox_send_batch(self->tx, self->vec, 4, 0, NULL));
	EXPECT_EQ(0ULL, info_or_zero(self->owner).sent);
}

TEST_F(batch, bad_payload_pointer_in_a_later_entry_shortens_the_batch)
{
	send_vec(self, 4, 0);
	self->vec[2].buf = bad_uptr();
	EXPECT_EQ(2, mbox_send_batch(self->tx, self->vec, 4, 0, NULL));
	EXPECT_EQ(2ULL, info_or_zero(self->owner).sent);
	self->vec[0].buf = bad_uptr();
	EXPECT_EQ(-EFAULT, mbox_send_batch(self->tx, self->vec, 1, 0, NULL));
	EXPECT_EQ(2ULL, info_or_zero(self->owner).sent);
}

TEST_F(batch, bad_vector_pointer_fails_efault)
{
	struct mbox_batch b;

	memset(&b, 0, sizeof(b));
	b.vec = bad_uptr();
	b.count = 2;
	EXPECT_EQ(-EFAULT, xioctl(self->tx, MBOX_IOC_SEND_BATCH, &b));
	EXPECT_EQ(-EFAULT, xioctl(self->owner, MBOX_IOC_RECV_BATCH, &b));
	EXPECT_EQ(-EFAULT, xioctl(self->tx, MBOX_IOC_SEND_BATCH, bad_ptr()));
}

TEST_F(batch, invalid_batch_fields_fail_einval)
{
	struct mbox_batch b;

	send_vec(self, 2, 0);
	memset(&b, 0, sizeof(b));
	b.vec = (uintptr_t)self->vec;
	b.count = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->tx, MBOX_IOC_SEND_BATCH, &b));
	b.count = MBOX_BATCH_MAX + 1;
	EXPECT_EQ(-EINVAL, xioctl(self->tx, MBOX_IOC_SEND_BATCH, &b));
	b.count = 2;
	b.flags = 1U << 5;
	EXPECT_EQ(-EINVAL, xioctl(self->tx, MBOX_IOC_SEND_BATCH, &b));
	b.flags = 0;
	b.reserved0 = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->tx, MBOX_IOC_SEND_BATCH, &b));
	b.reserved0 = 0;
	b.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->owner, MBOX_IOC_RECV_BATCH, &b));
	b.reserved[1] = 0;
	b.timeout_ns = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->tx, MBOX_IOC_SEND_BATCH, &b));
	EXPECT_EQ(0ULL, info_or_zero(self->owner).sent);
}

TEST_F(batch, invalid_entry_fields_fail_einval_and_send_nothing)
{
	send_vec(self, 3, 0);
	self->vec[1].reserved = 1;
	EXPECT_EQ(-EINVAL, mbox_send_batch(self->tx, self->vec, 3, 0, NULL));
	send_vec(self, 3, 0);
	self->vec[2].msg_len = 1;
	EXPECT_EQ(-EINVAL, mbox_send_batch(self->tx, self->vec, 3, 0, NULL));
	send_vec(self, 3, 0);
	self->vec[2].sender_pid = 1;
	EXPECT_EQ(-EINVAL, mbox_send_batch(self->tx, self->vec, 3, 0, NULL));
	send_vec(self, 3, MBOX_PRIO_MAX + 1);
	EXPECT_EQ(-EINVAL, mbox_send_batch(self->tx, self->vec, 3, 0, NULL));
	EXPECT_EQ(0ULL, info_or_zero(self->owner).sent);
	recv_vec(self, 2);
	self->vec[1].reserved = 1;
	EXPECT_EQ(-EINVAL, mbox_recv_batch(self->owner, self->vec, 2,
					   MBOX_MSG_NONBLOCK, NULL));
}

TEST_F(batch, user_handle_cannot_receive_a_batch)
{
	recv_vec(self, 2);
	EXPECT_EQ(-EPERM, mbox_recv_batch(self->tx, self->vec, 2,
					  MBOX_MSG_NONBLOCK, NULL));
}

TEST_F(batch, dead_mailbox_send_batch_fails_epipe)
{
	close(self->owner);
	self->owner = -1;
	send_vec(self, 2, 0);
	EXPECT_EQ(-EPIPE, mbox_send_batch(self->tx, self->vec, 2, 0, NULL));
}

/*
 * Batches longer than the kernel's chunk of 16 entries: 40 entries cross
 * two chunk boundaries (16 + 16 + 8).
 */
#define LONG	40

FIXTURE(long_batch) {
	int owner;
	int tx;
	char out[LONG][MSG];
	char in[LONG][MSG];
	struct mbox_msgvec vec[LONG];
};

FIXTURE_SETUP(long_batch)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(2 * LONG, MSG);
	uint64_t id;

	attr.mode = 0600;
	attr.fd_flags = O_CLOEXEC;
	self->owner = mbox_create(&attr, NULL, &id);
	ASSERT_LE(0, self->owner);
	self->tx = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, self->tx);
	for (int i = 0; i < LONG; i++)
		snprintf(self->out[i], MSG, "long message %02d", i);
}

FIXTURE_TEARDOWN(long_batch)
{
	close(self->tx);
	close(self->owner);
}

static void long_send_vec(FIXTURE_DATA(long_batch) *self)
{
	memset(self->vec, 0, sizeof(self->vec));
	for (int i = 0; i < LONG; i++) {
		self->vec[i].buf = (uintptr_t)self->out[i];
		self->vec[i].len = (uint32_t)strlen(self->out[i]);
		self->vec[i].type = (uint32_t)(200 + i);
	}
}

static void long_recv_vec(FIXTURE_DATA(long_batch) *self)
{
	memset(self->vec, 0, sizeof(self->vec));
	memset(self->in, 0, sizeof(self->in));
	for (int i = 0; i < LONG; i++) {
		self->vec[i].buf = (uintptr_t)self->in[i];
		self->vec[i].len = MSG;
	}
}

TEST_F(long_batch, crosses_chunks_in_order_both_ways)
{
	long_send_vec(self);
	ASSERT_EQ(LONG, mbox_send_batch(self->tx, self->vec, LONG, 0, NULL));
	for (int i = 0; i < LONG; i++)
		EXPECT_EQ((uint64_t)i + 1, self->vec[i].seq);

	long_recv_vec(self);
	ASSERT_EQ(LONG, mbox_recv_batch(self->owner, self->vec, LONG,
					MBOX_MSG_NONBLOCK, NULL));
	for (int i = 0; i < LONG; i++) {
		EXPECT_STREQ(self->out[i], self->in[i]);
		EXPECT_EQ(strlen(self->out[i]), self->vec[i].msg_len);
		EXPECT_EQ((uint64_t)i + 1, self->vec[i].seq);
		EXPECT_EQ((uint32_t)(200 + i), self->vec[i].type);
		EXPECT_EQ(getpid(), self->vec[i].sender_pid);
	}
	EXPECT_EQ(0U, info_or_zero(self->owner).queued);
}

/* Every entry is checked before anything moves, in the last chunk too. */
TEST_F(long_batch, bad_entry_in_a_later_chunk_moves_nothing)
{
	static char big[MSG + 1];

	long_send_vec(self);
	self->vec[37].buf = (uintptr_t)big;
	self->vec[37].len = sizeof(big);
	EXPECT_EQ(-EMSGSIZE, mbox_send_batch(self->tx, self->vec, LONG, 0,
					     NULL));
	long_send_vec(self);
	self->vec[35].reserved = 1;
	EXPECT_EQ(-EINVAL, mbox_send_batch(self->tx, self->vec, LONG, 0,
					   NULL));
	EXPECT_EQ(0ULL, info_or_zero(self->owner).sent);

	long_send_vec(self);
	ASSERT_EQ(LONG, mbox_send_batch(self->tx, self->vec, LONG, 0, NULL));
	long_recv_vec(self);
	self->vec[33].reserved = 1;
	EXPECT_EQ(-EINVAL, mbox_recv_batch(self->owner, self->vec, LONG,
					   MBOX_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0ULL, info_or_zero(self->owner).received);
	EXPECT_EQ((uint32_t)LONG, info_or_zero(self->owner).queued);
}

/* A fault in the second chunk keeps its message and the rest, in order. */
TEST_F(long_batch, fault_in_a_later_chunk_keeps_the_rest_in_order)
{
	struct mbox_recv r;
	char buf[MSG];

	long_send_vec(self);
	ASSERT_EQ(LONG, mbox_send_batch(self->tx, self->vec, LONG, 0, NULL));
	long_recv_vec(self);
	self->vec[20].buf = bad_uptr();
	ASSERT_EQ(20, mbox_recv_batch(self->owner, self->vec, LONG,
				      MBOX_MSG_NONBLOCK, NULL));
	for (int i = 0; i < 20; i++)
		EXPECT_EQ((uint64_t)i + 1, self->vec[i].seq);
	for (int i = 20; i < LONG; i++) {
		ASSERT_EQ(0, recv_msg(self->owner, buf, sizeof(buf),
				      MBOX_MSG_NONBLOCK, &r));
		EXPECT_STREQ(self->out[i], buf);
		EXPECT_EQ((uint64_t)i + 1, r.seq);
	}
	EXPECT_EQ(-EAGAIN, recv_msg(self->owner, buf, sizeof(buf),
				    MBOX_MSG_NONBLOCK, &r));
}

/* A chunk that finds less room than it has ends the batch there. */
TEST(long_batch_send_stops_at_capacity_inside_a_chunk)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(20, MSG);
	struct mbox_msgvec vec[LONG];
	char out[MSG] = "x";
	int fd;

	fd = mbox_create(&attr, NULL, NULL);
	ASSERT_LE(0, fd);
	memset(vec, 0, sizeof(vec));
	for (int i = 0; i < LONG; i++) {
		vec[i].buf = (uintptr_t)out;
		vec[i].len = 2;
	}
	EXPECT_EQ(20, mbox_send_batch(fd, vec, LONG, MBOX_MSG_NONBLOCK, NULL));
	EXPECT_EQ(20ULL, info_or_zero(fd).sent);
	EXPECT_EQ(20U, info_or_zero(fd).queued);
	EXPECT_EQ(20ULL, vec[19].seq);
	EXPECT_EQ(0ULL, vec[20].seq);
	close(fd);
}

TEST(zero_capacity_batch_send_is_a_rendezvous_for_the_first)
{
	struct mbox_attr attr = MBOX_ATTR_ZERO(MSG);
	struct mbox_msgvec vec[2];
	uint64_t id;
	pid_t child;
	int owner, tx;

	attr.fd_flags = O_CLOEXEC;
	owner = mbox_create(&attr, NULL, &id);
	ASSERT_LE(0, owner);
	tx = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, tx);
	memset(vec, 0, sizeof(vec));
	vec[0].buf = (uintptr_t)"one";
	vec[0].len = 3;
	vec[1].buf = (uintptr_t)"two";
	vec[1].len = 3;
	/* Nobody receives: a non-blocking batch sends nothing. */
	EXPECT_EQ(-EAGAIN, mbox_send_batch(tx, vec, 2, MBOX_MSG_NONBLOCK,
					   NULL));
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		char buf[MSG];
		ssize_t n = mbox_recv(owner, buf, sizeof(buf), NULL);

		child_exit(n == 3 && !memcmp(buf, "one", 3) ? 0 : -EBADMSG);
	}
	/* The first waits for the receiver; the second finds none waiting. */
	EXPECT_EQ(1, mbox_send_batch(tx, vec, 2, 0, NULL));
	EXPECT_EQ(1ULL, vec[0].seq);
	EXPECT_EQ(0, child_wait(child));
	EXPECT_EQ(0U, info_or_zero(owner).queued);
	close(tx);
	close(owner);
}

/*
 * A blocked BOUNDED sender whose message is admitted and received in one
 * batch before it runs again must report the seq the receiver saw (the
 * message itself may be freed by then).
 */
TEST(admitted_sender_reports_its_seq_after_its_message_is_gone)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(1, MSG);
	struct mbox_msgvec vec[2];
	char bufs[2][MSG];
	int owner, tx, res[2];
	uint64_t id, seq;
	pid_t child;

	attr.fd_flags = O_CLOEXEC;
	owner = mbox_create(&attr, NULL, &id);
	ASSERT_LE(0, owner);
	tx = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, mbox_send(tx, "first", 5, 0));
	ASSERT_EQ(0, pipe(res));
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct mbox_send s;

		memset(&s, 0, sizeof(s));
		s.buf = (uintptr_t)"second";
		s.len = 6;
		if (mbox_sendx(tx, &s) || pipe_write_u64(res[1], s.seq))
			child_exit(-EIO);
		child_exit(0);
	}
	ASSERT_EQ(0, wait_info(owner, INFO_WAITING_SENDERS, 1));
	memset(vec, 0, sizeof(vec));
	for (int i = 0; i < 2; i++) {
		vec[i].buf = (uintptr_t)bufs[i];
		vec[i].len = MSG;
	}
	/* Takes "first", which admits "second", then takes that too. */
	ASSERT_EQ(2, mbox_recv_batch(owner, vec, 2, 0, NULL));
	EXPECT_EQ(0, child_wait(child));
	ASSERT_EQ(0, pipe_read_u64(res[0], &seq));
	EXPECT_EQ(vec[1].seq, seq);
	EXPECT_EQ(2ULL, seq);
	close(res[0]);
	close(res[1]);
	close(tx);
	close(owner);
}

/*
 * EPOLLOUT needs room and no blocked sender: when the last blocked sender
 * is admitted and its message received, a poller must be woken.
 */
/* Runs the caller on CPU 0 only, at SCHED_FIFO @prio if @prio > 0. */
static int pin_cpu0(int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	if (prio && sched_setscheduler(0, SCHED_FIFO, &sp))
		return -errno;
	return 0;
}

TEST(poller_wakes_when_the_last_blocked_sender_leaves)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(1, MSG);
	struct mbox_msgvec vec[2];
	char bufs[2][MSG];
	pid_t sender, poller;
	int owner, tx;
	uint64_t id;

	attr.fd_flags = O_CLOEXEC;
	owner = mbox_create(&attr, NULL, &id);
	ASSERT_LE(0, owner);
	tx = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, mbox_send(tx, "first", 5, 0));
	/*
	 * One CPU: the poller (highest priority) looks each time it is woken,
	 * before the admitted sender (lowest) runs again.  So the receive
	 * leaves it seeing a blocked sender, and only the sender's own leaving
	 * can tell it the mailbox became writable.
	 */
	sender = fork_child();
	ASSERT_LE(0, sender);
	if (sender == 0)
		child_exit(pin_cpu0(0) ? : mbox_send(tx, "second", 6, 0));
	ASSERT_EQ(0, wait_info(owner, INFO_WAITING_SENDERS, 1));
	poller = fork_child();
	ASSERT_LE(0, poller);
	if (poller == 0) {
		int r = pin_cpu0(20);

		/* Generous: only a lost wake-up makes it wait this long. */
		if (!r)
			r = poll_one(tx, POLLOUT, STATE_WAIT_MS);
		child_exit(r > 0 && (r & POLLOUT) ? 0 : -ETIMEDOUT);
	}
	ASSERT_EQ(0, wait_blocked_in_poll(poller, poller));
	ASSERT_EQ(0, pin_cpu0(10));
	memset(vec, 0, sizeof(vec));
	for (int i = 0; i < 2; i++) {
		vec[i].buf = (uintptr_t)bufs[i];
		vec[i].len = MSG;
	}
	ASSERT_EQ(2, mbox_recv_batch(owner, vec, 2, 0, NULL));
	EXPECT_EQ(0, child_wait(sender));
	EXPECT_EQ(0, child_wait_ms(poller, STATE_WAIT_MS / 2));
	close(tx);
	close(owner);
}

/* The OS-owned mailbox is deleted in the teardown, even if a check fails. */
FIXTURE(bcast) {
	uint64_t id;
	int rx1, rx2, tx;
};

FIXTURE_SETUP(bcast)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	int dev;

	self->rx1 = self->rx2 = self->tx = -1;
	c.flags = MBOX_CREATE_OS | MBOX_CREATE_BROADCAST;
	dev = dev_open();
	ASSERT_LE(0, dev);
	self->rx1 = xioctl(dev, MBOX_IOC_CREATE, &c);
	close(dev);
	ASSERT_LE(0, self->rx1);
	self->id = c.id;
	self->rx2 = mbox_open_receiver(c.id, NULL, O_CLOEXEC);
	ASSERT_LE(0, self->rx2);
	self->tx = mbox_open_id(c.id, O_CLOEXEC);
	ASSERT_LE(0, self->tx);
}

FIXTURE_TEARDOWN(bcast)
{
	if (self->tx >= 0)
		close(self->tx);
	if (self->rx2 >= 0)
		close(self->rx2);
	if (self->rx1 >= 0)
		close(self->rx1);
	if (self->id)
		mbox_delete(self->id, NULL);
}

TEST_F(bcast, broadcast_receivers_read_batches)
{
	struct mbox_msgvec vec[4];
	char bufs[4][MSG];

	memset(vec, 0, sizeof(vec));
	for (int i = 0; i < 3; i++) {
		vec[i].buf = (uintptr_t)"abc";
		vec[i].len = (uint32_t)(i + 1);
	}
	ASSERT_EQ(3, mbox_send_batch(self->tx, vec, 3, 0, NULL));
	for (int k = 0; k < 2; k++) {
		memset(vec, 0, sizeof(vec));
		for (int i = 0; i < 4; i++) {
			vec[i].buf = (uintptr_t)bufs[i];
			vec[i].len = MSG;
		}
		ASSERT_EQ(3, mbox_recv_batch(k ? self->rx2 : self->rx1, vec, 4,
					     MBOX_MSG_NONBLOCK, NULL));
		for (int i = 0; i < 3; i++)
			EXPECT_EQ((uint32_t)(i + 1), vec[i].msg_len);
	}
	EXPECT_EQ(0U, info_or_zero(self->tx).queued);
}

TEST_HARNESS_MAIN
