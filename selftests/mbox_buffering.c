// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_buffering: what each capacity does when nobody receives: ZERO
 * rendezvous, BOUNDED queue limits and FIFO admission of blocked senders,
 * UNBOUNDED queues and their per-mailbox byte limit (-ENOBUFS).
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#define MSG_SIZE	64

/* A receive run on its own thread (to have a receiver blocked). */
struct async_recv {
	pthread_t thread;
	int fd;
	struct mbox_recv req;
	char buf[MSG_SIZE];
	int ret;
	pid_t tid;
	atomic_int started;
	atomic_int done;
};

static void *async_recv_fn(void *arg)
{
	struct async_recv *a = arg;

	a->tid = (pid_t)syscall(SYS_gettid);
	atomic_store(&a->started, 1);
	a->ret = mbox_recvx(a->fd, &a->req);
	atomic_store(&a->done, 1);
	return NULL;
}

/*
 * Start a blocking receive with a @len byte buffer and wait until it
 * sleeps in MBOX_IOC_RECV.
 */
static int async_recv_start_blocked_len(struct async_recv *a, int fd,
					uint32_t len)
{
	int ret;

	memset(a, 0, sizeof(*a));
	a->fd = fd;
	a->req.buf = (uintptr_t)a->buf;
	a->req.len = len < sizeof(a->buf) ? len : sizeof(a->buf);
	if (pthread_create(&a->thread, NULL, async_recv_fn, a))
		return -EAGAIN;
	while (!atomic_load(&a->started))
		sleep_ms(1);
	ret = wait_blocked_in_ioctl(getpid(), a->tid, MBOX_IOC_RECV);
	return ret;
}

static int async_recv_start_blocked(struct async_recv *a, int fd)
{
	return async_recv_start_blocked_len(a, fd, MSG_SIZE);
}

static int async_recv_join(struct async_recv *a, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;

	while (!atomic_load(&a->done)) {
		if (now_ns() > deadline)
			return -ETIME;
		sleep_ms(1);
	}
	pthread_join(a->thread, NULL);
	return a->ret;
}

/* ================================================================ ZERO */

FIXTURE(zero) {
	int owner;
	int user;
};

FIXTURE_SETUP(zero)
{
	struct mbox_attr a = MBOX_ATTR_ZERO(MSG_SIZE);
	uint64_t id;

	a.fd_flags = O_CLOEXEC;
	self->owner = mbox_create(&a, NULL, &id);
	ASSERT_LE(0, self->owner);
	self->user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, self->user);
}

FIXTURE_TEARDOWN(zero)
{
	reap_children();
	close(self->user);
	close(self->owner);
}

TEST_F(zero, send_returns_only_after_a_receiver_took_the_message)
{
	struct mbox_info info;
	struct mbox_recv r;
	char in[MSG_SIZE];
	uint64_t result;
	int res[2];
	pid_t pid;

	ASSERT_EQ(0, pipe2(res, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ret = mbox_send(self->user, "rendezvous", 10, 0);

		pipe_write_u64(res[1], (uint64_t)(int64_t)ret);
		child_exit(ret);
	}
	close(res[1]);
	ASSERT_EQ(0, wait_info(self->owner, INFO_WAITING_SENDERS, 1));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(1U, info.queued);
	EXPECT_EQ(0ULL, info.received);
	/* The send has not returned, and does not while nobody receives. */
	EXPECT_FALSE(fd_readable_now(res[0]));
	sleep_ms(NEGATIVE_WAIT_MS);
	EXPECT_FALSE(fd_readable_now(res[0]));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(1U, info.waiting_senders);

	ASSERT_EQ(0, recv_msg(self->owner, in, sizeof(in), 0, &r));
	EXPECT_EQ(10U, r.msg_len);
	EXPECT_EQ(0, memcmp("rendezvous", in, 10));
	EXPECT_EQ(pid, r.sender_pid);
	ASSERT_EQ(0, pipe_read_u64(res[0], &result));
	EXPECT_EQ(0ULL, result);
	EXPECT_EQ(0, child_wait(pid));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(0U, info.waiting_senders);
	EXPECT_EQ(0U, info.queued);
	EXPECT_EQ(1ULL, info.sent);
	EXPECT_EQ(1ULL, info.received);
	close(res[0]);
}

TEST_F(zero, timed_send_without_receiver_times_out_undelivered)
{
	struct mbox_info info;
	struct timespec ts;
	char in[MSG_SIZE];
	uint64_t start = now_ns(), deadline = start + 300 * NSEC_PER_MSEC;

	ts = ns_to_ts(deadline);
	EXPECT_EQ(-ETIMEDOUT, mbox_send_timed(self->user, "late", 4, 0, &ts));
	EXPECT_LE(deadline, now_ns());
	EXPECT_GT(start + 10 * NSEC_PER_SEC, now_ns());
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(0U, info.waiting_senders);
	EXPECT_EQ(0U, info.queued);
	EXPECT_EQ(0ULL, info.sent);
	/* A receiver arriving later gets nothing from it. */
	EXPECT_EQ(-EAGAIN, mbox_recv_nb(self->owner, in, sizeof(in), NULL));
	ASSERT_EQ(0, mbox_deadline_in(&ts, 200 * NSEC_PER_MSEC));
	EXPECT_EQ(-ETIMEDOUT, mbox_recv_timed(self->owner, in, sizeof(in),
					      NULL, &ts));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(0ULL, info.received);
}

TEST_F(zero, timed_send_with_past_deadline_and_no_receiver_fails_at_once)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1 };
	uint64_t start = now_ns();
	char in[MSG_SIZE];

	EXPECT_EQ(-ETIMEDOUT, mbox_send_timed(self->user, "x", 1, 0, &ts));
	EXPECT_GT(start + 5 * NSEC_PER_SEC, now_ns());
	EXPECT_EQ(-EAGAIN, mbox_recv_nb(self->owner, in, sizeof(in), NULL));
}

TEST_F(zero, nonblocking_send_without_receiver_fails_eagain)
{
	struct mbox_info info;
	char in[MSG_SIZE];

	EXPECT_EQ(-EAGAIN, mbox_send_nb(self->user, "x", 1, 0));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(0U, info.queued);
	EXPECT_EQ(0U, info.waiting_senders);
	EXPECT_EQ(0ULL, info.sent);
	EXPECT_EQ(-EAGAIN, mbox_recv_nb(self->owner, in, sizeof(in), NULL));
}

TEST_F(zero, send_on_o_nonblock_handle_without_receiver_fails_eagain)
{
	struct mbox_info info;

	ASSERT_EQ(0, fcntl(self->user, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, mbox_send(self->user, "x", 1, 0));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(0ULL, info.sent);
}

TEST_F(zero, failed_sends_leave_the_struct_untouched)
{
	struct mbox_send s, before;

	/* "Structures are never partially written on error": seq is out. */
	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)"x";
	s.len = 1;
	s.flags = MBOX_MSG_NONBLOCK;
	s.seq = 0x5e5e5e5e5e5e5e5eULL;
	before = s;
	EXPECT_EQ(-EAGAIN, mbox_sendx(self->user, &s));
	EXPECT_EQ(0, memcmp(&before, &s, sizeof(s)));

	s.flags = MBOX_MSG_TIMEOUT;
	s.timeout_ns = 1;
	before = s;
	EXPECT_EQ(-ETIMEDOUT, mbox_sendx(self->user, &s));
	EXPECT_EQ(0, memcmp(&before, &s, sizeof(s)));
}

TEST_F(zero, nonblocking_send_refused_by_a_too_small_receiver_fails_eagain)
{
	struct async_recv rx;
	struct mbox_info info;
	char in[MSG_SIZE];

	/* The blocked receiver's buffer is too small for the message. */
	memset(&rx, 0, sizeof(rx));
	ASSERT_EQ(0, async_recv_start_blocked_len(&rx, self->owner, 4));
	EXPECT_EQ(-EAGAIN, mbox_send_nb(self->user, "too long", 8, 0));
	EXPECT_EQ(-EMSGSIZE, async_recv_join(&rx, STATE_WAIT_MS));
	EXPECT_EQ(8U, rx.req.msg_len);
	/* Not delivered. */
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(0ULL, info.sent);
	EXPECT_EQ(0ULL, info.received);
	EXPECT_EQ(0U, info.waiting_senders);
	EXPECT_EQ(-EAGAIN, mbox_recv_nb(self->owner, in, sizeof(in), NULL));
}

TEST_F(zero, nonblocking_send_to_a_blocked_receiver_succeeds)
{
	struct async_recv rx;
	struct mbox_info info;

	ASSERT_EQ(0, async_recv_start_blocked(&rx, self->owner));
	EXPECT_EQ(0, mbox_send_nb(self->user, "handoff", 7, 3));
	ASSERT_EQ(0, async_recv_join(&rx, STATE_WAIT_MS));
	EXPECT_EQ(7U, rx.req.msg_len);
	EXPECT_EQ(0, memcmp("handoff", rx.buf, 7));
	EXPECT_EQ(3U, rx.req.priority);
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(1ULL, info.sent);
	EXPECT_EQ(1ULL, info.received);
}

TEST_F(zero, send_on_o_nonblock_handle_to_a_blocked_receiver_succeeds)
{
	struct async_recv rx;

	ASSERT_EQ(0, fcntl(self->user, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(0, async_recv_start_blocked(&rx, self->owner));
	EXPECT_EQ(0, mbox_send(self->user, "nb", 2, 0));
	ASSERT_EQ(0, async_recv_join(&rx, STATE_WAIT_MS));
	EXPECT_EQ(2U, rx.req.msg_len);
	EXPECT_EQ(0, memcmp("nb", rx.buf, 2));
}

TEST_F(zero, blocking_send_to_a_blocked_receiver_completes)
{
	struct async_recv rx;

	ASSERT_EQ(0, async_recv_start_blocked(&rx, self->owner));
	EXPECT_EQ(0, mbox_send(self->user, "direct", 6, 0));
	ASSERT_EQ(0, async_recv_join(&rx, STATE_WAIT_MS));
	EXPECT_EQ(0, memcmp("direct", rx.buf, 6));
}

/* ============================================================= BOUNDED */

#define CAP 4

FIXTURE(bounded) {
	int owner;
	int user;
};

FIXTURE_SETUP(bounded)
{
	struct mbox_attr a = MBOX_ATTR_BOUNDED(CAP, MSG_SIZE);
	uint64_t id;

	a.fd_flags = O_CLOEXEC;
	self->owner = mbox_create(&a, NULL, &id);
	ASSERT_LE(0, self->owner);
	self->user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, self->user);
}

FIXTURE_TEARDOWN(bounded)
{
	reap_children();
	close(self->user);
	close(self->owner);
}

/* Queue messages "0".."n-1" (as 4-byte ints) without waiting. */
static int fill_queue(int fd, int first, int n)
{
	for (int i = first; i < first + n; i++) {
		int ret = mbox_send_nb(fd, &i, sizeof(i), 0);

		if (ret)
			return ret;
	}
	return 0;
}

/* Receive one int message without waiting; -errno or the value. */
static int take_int(int fd)
{
	int v = -1;
	ssize_t n = mbox_recv_nb(fd, &v, sizeof(v), NULL);

	if (n < 0)
		return (int)n;
	return n == sizeof(v) ? v : -EBADMSG;
}

TEST_F(bounded, sends_up_to_capacity_complete_without_waiting)
{
	struct mbox_info info;

	EXPECT_EQ(0, fill_queue(self->user, 0, CAP));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ((__u32)CAP, info.queued);
	EXPECT_EQ(0U, info.waiting_senders);
	EXPECT_EQ((__u64)CAP, info.sent);
	EXPECT_EQ((__u64)CAP * sizeof(int), info.queued_bytes);
}

TEST_F(bounded, full_queue_nonblocking_send_fails_eagain)
{
	struct mbox_info info;
	int v = 99;

	ASSERT_EQ(0, fill_queue(self->user, 0, CAP));
	EXPECT_EQ(-EAGAIN, mbox_send_nb(self->user, &v, sizeof(v), 0));
	/* A higher priority does not make room either. */
	EXPECT_EQ(-EAGAIN, mbox_send_nb(self->user, &v, sizeof(v),
					MBOX_PRIO_MAX));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ((__u32)CAP, info.queued);
	EXPECT_EQ((__u64)CAP, info.sent);
	for (int i = 0; i < CAP; i++) {
		EXPECT_EQ(i, take_int(self->owner));
	}
	EXPECT_EQ(-EAGAIN, take_int(self->owner));
}

TEST_F(bounded, failed_send_on_full_queue_leaves_the_struct_untouched)
{
	struct mbox_send s, before;
	int v = 99;

	ASSERT_EQ(0, fill_queue(self->user, 0, CAP));
	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)&v;
	s.len = sizeof(v);
	s.flags = MBOX_MSG_NONBLOCK;
	s.seq = 0x5e5e5e5e5e5e5e5eULL;
	before = s;
	EXPECT_EQ(-EAGAIN, mbox_sendx(self->user, &s));
	EXPECT_EQ(0, memcmp(&before, &s, sizeof(s)));
}

TEST_F(bounded, full_queue_send_on_o_nonblock_handle_fails_eagain)
{
	int v = 99;

	ASSERT_EQ(0, fill_queue(self->user, 0, CAP));
	ASSERT_EQ(0, fcntl(self->user, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, mbox_send(self->user, &v, sizeof(v), 0));
}

TEST_F(bounded, full_queue_nonblock_wins_over_timeout)
{
	struct mbox_send s;
	uint64_t start = now_ns();
	int v = 99;

	ASSERT_EQ(0, fill_queue(self->user, 0, CAP));
	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)&v;
	s.len = sizeof(v);
	s.flags = MBOX_MSG_NONBLOCK | MBOX_MSG_TIMEOUT;
	s.timeout_ns = start + 20 * NSEC_PER_SEC;
	EXPECT_EQ(-EAGAIN, mbox_sendx(self->user, &s));
	EXPECT_GT(start + 10 * NSEC_PER_SEC, now_ns());
}

TEST_F(bounded, full_queue_timed_send_times_out_and_queues_nothing)
{
	struct mbox_info info;
	struct timespec ts;
	uint64_t deadline = now_ns() + 300 * NSEC_PER_MSEC;
	int v = 99;

	ASSERT_EQ(0, fill_queue(self->user, 0, CAP));
	ts = ns_to_ts(deadline);
	EXPECT_EQ(-ETIMEDOUT, mbox_send_timed(self->user, &v, sizeof(v), 0,
					      &ts));
	EXPECT_LE(deadline, now_ns());
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ((__u32)CAP, info.queued);
	EXPECT_EQ(0U, info.waiting_senders);
	EXPECT_EQ((__u64)CAP, info.sent);
	for (int i = 0; i < CAP; i++) {
		EXPECT_EQ(i, take_int(self->owner));
	}
	EXPECT_EQ(-EAGAIN, take_int(self->owner));
}

TEST_F(bounded, full_queue_sender_blocks_until_a_receive_frees_a_slot)
{
	struct mbox_info info;
	uint64_t result;
	int res[2];
	pid_t pid;

	ASSERT_EQ(0, fill_queue(self->user, 0, CAP));
	ASSERT_EQ(0, pipe2(res, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int v = CAP, ret = mbox_send(self->user, &v, sizeof(v), 0);

		pipe_write_u64(res[1], (uint64_t)(int64_t)ret);
		child_exit(ret);
	}
	close(res[1]);
	ASSERT_EQ(0, wait_info(self->owner, INFO_WAITING_SENDERS, 1));
	EXPECT_FALSE(fd_readable_now(res[0]));
	sleep_ms(NEGATIVE_WAIT_MS);
	EXPECT_FALSE(fd_readable_now(res[0]));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ((__u32)CAP, info.queued);
	EXPECT_EQ((__u64)CAP, info.sent);

	EXPECT_EQ(0, take_int(self->owner));
	ASSERT_EQ(0, pipe_read_u64(res[0], &result));
	EXPECT_EQ(0ULL, result);
	EXPECT_EQ(0, child_wait(pid));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ((__u32)CAP, info.queued);
	EXPECT_EQ(0U, info.waiting_senders);
	for (int i = 1; i <= CAP; i++) {
		EXPECT_EQ(i, take_int(self->owner));
	}
	close(res[0]);
}

TEST_F(bounded, blocked_senders_are_admitted_in_arrival_order)
{
	enum { N = 6 };
	struct async_send a[N];
	struct mbox_recv r;
	int v;

	ASSERT_EQ(0, fill_queue(self->user, 0, CAP));
	/* Senders CAP..CAP+N-1 block one after the other. */
	for (int i = 0; i < N; i++) {
		v = CAP + i;
		/* Alternate the handles: either kind queues the same way. */
		ASSERT_EQ(0, async_send_start(&a[i], i % 2 ? self->owner :
					      self->user, &v, sizeof(v), 0, 0,
					      0));
		ASSERT_EQ(0, wait_info(self->owner, INFO_WAITING_SENDERS,
				       (uint64_t)i + 1));
	}
	/*
	 * Drain one message at a time: each freed slot admits the longest
	 * waiting sender, so the values come out in order.
	 */
	for (int i = 0; i < CAP + N; i++) {
		uint64_t still_waiting = i < N ? (uint64_t)(N - i - 1) : 0;

		ASSERT_EQ(0, recv_msg(self->owner, &v, sizeof(v), 0, &r));
		EXPECT_EQ(i, v);
		EXPECT_EQ((__u64)i + 1, r.seq);
		ASSERT_EQ(0, wait_info(self->owner, INFO_WAITING_SENDERS,
				       still_waiting));
	}
	for (int i = 0; i < N; i++) {
		EXPECT_EQ(0, async_send_join(&a[i], STATE_WAIT_MS));
		/* Accepted in arrival order. */
		EXPECT_EQ((__u64)(CAP + i + 1), a[i].req.seq);
	}
}

/* The voluntary context switches of thread @tid so far, or -1. */
static long thread_sleeps(pid_t tid)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * The admission rule (transfer.h, "Admission"), made deterministic: the
 * blocked sender and this thread share CPU 0, this one at SCHED_FIFO, so
 * the blocked sender runs only when this thread sleeps.
 */
TEST_F(bounded, blocked_sender_is_overtaken_during_one_wake_up_only)
{
	struct sched_param fifo = { .sched_priority = 10 }, other = {};
	struct async_send blocked, late;
	struct mbox_info info;
	struct mbox_recv r;
	cpu_set_t cpu0;
	long sleeps;
	int v;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu0), &cpu0));
	ASSERT_EQ(0, fill_queue(self->user, 0, CAP));
	v = 100;
	/* Inherits CPU 0, but not the SCHED_FIFO set below. */
	ASSERT_EQ(0, async_send_start(&blocked, self->user, &v, sizeof(v), 0,
				      0, 0));
	ASSERT_EQ(0, wait_info(self->owner, INFO_WAITING_SENDERS, 1));
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_FIFO, &fifo));
	sleeps = thread_sleeps(blocked.tid);
	ASSERT_LT(0, sleeps);

	/* Room frees up: the blocked sender is woken, but cannot run yet. */
	ASSERT_EQ(0, recv_msg(self->owner, &v, sizeof(v), 0, &r));
	EXPECT_EQ(0, v);
	/* A running sender may take it meanwhile. */
	v = 200;
	EXPECT_EQ(0, mbox_send_nb(self->user, &v, sizeof(v), 0));
	EXPECT_EQ(-EAGAIN, mbox_send_nb(self->owner, &v, sizeof(v),
					MBOX_PRIO_MAX));

	/* Let it run: it finds the room gone and sleeps again, reserved. */
	while (thread_sleeps(blocked.tid) == sleeps)
		sleep_ms(1);
	EXPECT_EQ(0, atomic_load(&blocked.done));
	info = info_or_zero(self->owner);
	EXPECT_EQ(1, info.waiting_senders);

	/* The next room is handed to it before it even runs: nobody barges. */
	ASSERT_EQ(0, recv_msg(self->owner, &v, sizeof(v), 0, &r));
	EXPECT_EQ(1, v);
	v = 300;
	EXPECT_EQ(-EAGAIN, mbox_send_nb(self->user, &v, sizeof(v), 0));
	EXPECT_EQ(-EAGAIN, mbox_send_nb(self->owner, &v, sizeof(v),
					MBOX_PRIO_MAX));
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_OTHER, &other));
	EXPECT_EQ(0, async_send_join(&blocked, STATE_WAIT_MS));

	/* A blocking newcomer still queues behind what is queued. */
	v = 300;
	ASSERT_EQ(0, async_send_start(&late, self->user, &v, sizeof(v), 0, 0,
				      0));
	ASSERT_EQ(0, wait_info(self->owner, INFO_WAITING_SENDERS, 1));
	for (int i = 2; i < CAP; i++) {
		EXPECT_EQ(i, take_int(self->owner));
	}
	EXPECT_EQ(200, take_int(self->owner));
	EXPECT_EQ(100, take_int(self->owner));
	EXPECT_EQ(0, async_send_join(&late, STATE_WAIT_MS));
	EXPECT_EQ(300, take_int(self->owner));
	EXPECT_EQ(-EAGAIN, take_int(self->owner));
	EXPECT_LT(blocked.req.seq, late.req.seq);
}

/*
 * Barging never starves anyone: blocking senders that barge past each
 * other all get every message in, each sender's in order, exactly once.
 */
#define STARVE_SENDERS	8
#define STARVE_MSGS	300

struct starve_sender {
	pthread_t thread;
	int fd;
	int id;
	int err;
};

static void *starve_send_fn(void *arg)
{
	struct starve_sender *s = arg;

	for (int i = 0; i < STARVE_MSGS && !s->err; i++) {
		int v = s->id * STARVE_MSGS + i;

		s->err = send_msg(s->fd, &v, sizeof(v), 0, 0, 0);
	}
	return NULL;
}

TEST_F(bounded, blocking_senders_that_barge_all_get_in_in_order)
{
	struct starve_sender s[STARVE_SENDERS];
	int next[STARVE_SENDERS] = {};
	struct mbox_recv r;
	int v;

	for (int i = 0; i < STARVE_SENDERS; i++) {
		s[i].fd = self->user;
		s[i].id = i;
		s[i].err = 0;
		ASSERT_EQ(0, pthread_create(&s[i].thread, NULL, starve_send_fn,
					    &s[i]));
	}
	for (int n = 0; n < STARVE_SENDERS * STARVE_MSGS; n++) {
		ASSERT_EQ(0, recv_msg(self->owner, &v, sizeof(v), 0, &r));
		ASSERT_LE(0, v);
		ASSERT_GT(STARVE_SENDERS * STARVE_MSGS, v);
		/* Each sender's messages arrive in its order, none twice. */
		ASSERT_EQ(next[v / STARVE_MSGS], v % STARVE_MSGS);
		next[v / STARVE_MSGS]++;
	}
	for (int i = 0; i < STARVE_SENDERS; i++) {
		pthread_join(s[i].thread, NULL);
		EXPECT_EQ(0, s[i].err);
		EXPECT_EQ(STARVE_MSGS, next[i]);
	}
	EXPECT_EQ(-EAGAIN, take_int(self->owner));
}

/* =========================================================== UNBOUNDED */

FIXTURE(unbounded) {
	int owner;
	int user;
	uint64_t id;
	unsigned long long saved_bytes_max;
	bool restore_bytes_max;
};

/* An UNBOUNDED mailbox of @bytes_max (0: the default), mode 0666. */
static int create_unbounded(uint32_t msg_size, uint64_t bytes_max,
			    uint64_t *id)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, msg_size);
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

FIXTURE_SETUP(unbounded)
{
	self->restore_bytes_max = false;
	/* Room for the ten thousand small messages below. */
	self->owner = create_unbounded(1024, 4 << 20, &self->id);
	ASSERT_LE(0, self->owner);
	self->user = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, self->user);
}

FIXTURE_TEARDOWN(unbounded)
{
	reap_children();
	close(self->user);
	close(self->owner);
	if (self->restore_bytes_max) {
		EXPECT_EQ(0, param_write("user_bytes_max",
					 self->saved_bytes_max));
	}
}

static int lower_bytes_max(FIXTURE_DATA(unbounded) *self,
			   unsigned long long limit)
{
	int ret = param_read("user_bytes_max", &self->saved_bytes_max);

	if (ret)
		return ret;
	self->restore_bytes_max = true;
	return param_write("user_bytes_max", limit);
}

TEST_F(unbounded, ten_thousand_sends_without_receiver_never_wait)
{
	enum { N = 10000 };
	struct mbox_info info;
	int v;

	for (int i = 0; i < N; i++) {
		int ret = mbox_send_nb(self->user, &i, sizeof(i), 0);

		ASSERT_EQ(0, ret) TH_LOG("send #%d", i);
	}
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ((__u32)N, info.queued);
	EXPECT_EQ((__u64)N, info.sent);
	EXPECT_EQ((__u64)N * sizeof(int), info.queued_bytes);
	EXPECT_EQ(0U, info.waiting_senders);
	for (int i = 0; i < N; i++) {
		v = take_int(self->owner);
		ASSERT_EQ(i, v);
	}
	EXPECT_EQ(-EAGAIN, take_int(self->owner));
}

/*
 * Fill the caller's byte budget with 1 KiB messages numbered from 0; returns
 * how many were queued before the first failure, whose error goes to *err.
 */
static int fill_budget(int fd, int *err)
{
	static char data[1024];

	for (int i = 0; i < 100000; i++) {
		int ret;

		memcpy(data, &i, sizeof(i));
		ret = mbox_send_nb(fd, data, sizeof(data), 0);
		if (ret) {
			*err = ret;
			return i;
		}
	}
	*err = 0;
	return -1;
}

/*
 * An UNBOUNDED mailbox's byte limit: filled to it, sends fail -ENOBUFS and
 * queue nothing; each message received makes room for one more.
 */
TEST_F(unbounded, send_beyond_bytes_max_fails_enobufs_until_drained)
{
	const uint64_t limit = 64 * 1024;
	static char data[1024];
	struct mbox_info info;
	int owner, n, err, v;
	uint64_t id, per;

	owner = create_unbounded(1024, limit, &id);
	ASSERT_LE(0, owner);
	n = fill_budget(owner, &err);
	ASSERT_EQ(-ENOBUFS, err);
	ASSERT_LE(1, n);
	ASSERT_EQ(0, mbox_info(owner, &info));
	EXPECT_EQ(limit, info.bytes_max);
	EXPECT_EQ((__u32)n, info.queued);
	EXPECT_EQ((__u64)n, info.sent);
	/* Every message costs the same; the limit holds exactly. */
	per = info.bytes_charged / (uint64_t)n;
	EXPECT_EQ(info.bytes_charged, per * (uint64_t)n);
	EXPECT_LT(sizeof(data), per);
	EXPECT_GE(limit, info.bytes_charged);
	EXPECT_LT(limit, info.bytes_charged + per);
	/* Still full: nothing is queued by the failing sends. */
	EXPECT_EQ(-ENOBUFS, mbox_send_nb(owner, data, sizeof(data), 0));
	EXPECT_EQ(-ENOBUFS, mbox_send(owner, data, sizeof(data), 0));
	ASSERT_EQ(0, mbox_info(owner, &info));
	EXPECT_EQ((__u64)n, info.sent);

	/* Draining one message makes room for one more. */
	ASSERT_EQ(sizeof(data), (size_t)mbox_recv_nb(owner, data,
						     sizeof(data), NULL));
	memcpy(&v, data, sizeof(v));
	EXPECT_EQ(0, v);
	v = n;
	memcpy(data, &v, sizeof(v));
	EXPECT_EQ(0, mbox_send_nb(owner, data, sizeof(data), 0));

	/* Nothing was lost or reordered. */
	for (int i = 1; i <= n; i++) {
		ASSERT_EQ(sizeof(data), (size_t)mbox_recv_nb(owner, data,
							     sizeof(data),
							     NULL));
		memcpy(&v, data, sizeof(v));
		ASSERT_EQ(i, v);
	}
	EXPECT_EQ(-EAGAIN, mbox_recv_nb(owner, data, sizeof(data), NULL));
	ASSERT_EQ(0, mbox_info(owner, &info));
	EXPECT_EQ(0ULL, info.bytes_charged);
	/* And the whole limit is back. */
	EXPECT_EQ(n, fill_budget(owner, &err));
	EXPECT_EQ(-ENOBUFS, err);
	close(owner);
}

/*
 * The limit is the mailbox's, not a sender's: once full it refuses every
 * sender alike, while another mailbox of the same owner takes messages.
 */
TEST_F(unbounded, byte_limit_is_per_mailbox_not_per_sender)
{
	static char big[1024];
	int full, n, err;
	uint64_t id;
	pid_t pid;

	full = create_unbounded(1024, 32 * 1024, &id);
	ASSERT_LE(0, full);
	n = fill_budget(full, &err);
	ASSERT_EQ(-ENOBUFS, err);
	ASSERT_LE(1, n);

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int user, other;

		if (drop_privileges() < 0)
			_exit(250);
		user = mbox_open_id(id, O_CLOEXEC);
		other = mbox_open_id(self->id, O_CLOEXEC);
		if (user < 0 || other < 0)
			child_exit(user < 0 ? user : other);
		if (mbox_send_nb(user, big, sizeof(big), 0) != -ENOBUFS)
			child_exit(EPROTO);
		/* The same size, to the owner's other mailbox. */
		child_exit(mbox_send_nb(other, big, sizeof(big), 0));
	}
	EXPECT_EQ(0, child_wait(pid));
	EXPECT_EQ(0, mbox_send_nb(self->user, big, sizeof(big), 0));
	close(full);
}

/*
 * A message is charged to the user who opened the handle it goes through
 * until a mailbox accepts it.  Root has one message in flight (a ZERO
 * offer nobody takes yet) and room for no second one: root's handle, used
 * by nobody, fails -ENOBUFS; nobody's own handle does not.
 */
TEST_F(unbounded, handle_passed_to_other_user_keeps_charging_its_opener)
{
	struct mbox_attr z = MBOX_ATTR_ZERO(256);
	static char big[256];
	struct async_send offer;
	int zero;
	pid_t pid;

	z.fd_flags = O_CLOEXEC;
	zero = mbox_create(&z, NULL, NULL);
	ASSERT_LE(0, zero);
	/* 256 + the header is charged 512: one in flight fits, two do not. */
	ASSERT_EQ(0, lower_bytes_max(self, 1000));
	ASSERT_EQ(0, async_send_start(&offer, zero, big, sizeof(big), 0, 0, 0));
	ASSERT_EQ(0, wait_info(zero, INFO_QUEUED, 1));
	EXPECT_EQ(-ENOBUFS, mbox_send_nb(self->user, big, sizeof(big), 0));

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int mine;

		if (drop_privileges() < 0)
			_exit(250);
		if (mbox_send_nb(self->user, big, sizeof(big), 0) != -ENOBUFS)
			child_exit(EPROTO);
		mine = mbox_open_id(self->id, O_CLOEXEC);
		if (mine < 0)
			child_exit(mine);
		child_exit(mbox_send_nb(mine, big, sizeof(big), 0));
	}
	EXPECT_EQ(0, child_wait(pid));
	EXPECT_EQ(sizeof(big), (size_t)mbox_recv_nb(self->owner, big,
						    sizeof(big), NULL));
	EXPECT_EQ(sizeof(big), (size_t)mbox_recv_nb(zero, big, sizeof(big),
						    NULL));
	EXPECT_EQ(0, async_send_join(&offer, STATE_WAIT_MS));
	/* Taken: root's in-flight charge is gone, its handle sends again. */
	EXPECT_EQ(0, mbox_send_nb(self->user, big, sizeof(big), 0));
	close(zero);
}

TEST_HARNESS_MAIN
