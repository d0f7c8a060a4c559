// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_signals: a signal arriving during each kind of wait.  Without
 * SA_RESTART the call fails -EINTR and nothing was delivered or consumed;
 * with SA_RESTART it restarts and completes once its condition is met,
 * exactly once.  Also: stop/continue and SIGKILL of a waiter.
 *
 * The waiter is a forked child; its signal handler writes a byte to a pipe
 * so that the test knows the signal was handled, and the child reports its
 * call's result through another pipe.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#define MSG_SIZE	64
#define CAP		4
#define FAR_NS		(60 * NSEC_PER_SEC)	/* deadline of timed waits */

enum wait_kind { WAIT_RECV, WAIT_BOUNDED_SEND, WAIT_ZERO_SEND };

struct result {
	int ret;
	int handler_runs;
	uint32_t msg_len;
	uint64_t seq;
	uint64_t end_ns;
	char payload[MSG_SIZE];
};

static volatile sig_atomic_t handler_runs;
static int handler_fd = -1;

static void on_signal(int sig)
{
	char c = (char)sig;

	handler_runs++;
	if (write(handler_fd, &c, 1) < 0) {
		/* Nothing to do: the test then times out waiting for it. */
	}
}

static int install_handler(bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL) ? -errno : 0;
}

/* Read a whole struct from a pipe, waiting at most STATE_WAIT_MS. */
static int read_result(int fd, struct result *res)
{
	if (poll_one(fd, POLLIN, STATE_WAIT_MS) <= 0)
		return -ETIME;
	return read(fd, res, sizeof(*res)) == sizeof(*res) ? 0 : -EIO;
}

/* Wait until the child's handler has run once more. */
static int wait_handled(int fd)
{
	char c;

	if (poll_one(fd, POLLIN, STATE_WAIT_MS) <= 0)
		return -ETIME;
	return read(fd, &c, 1) == 1 ? 0 : -EIO;
}

FIXTURE(sig) {
	int owner;
	int user;
	int sig_pipe[2];	/* handler -> test: "signal handled" */
	int res_pipe[2];	/* child -> test: struct result */
	pid_t pid;
};

FIXTURE_VARIANT(sig) {
	enum wait_kind kind;
	bool timed;
};

FIXTURE_VARIANT_ADD(sig, recv) { .kind = WAIT_RECV, .timed = false };
FIXTURE_VARIANT_ADD(sig, timed_recv) { .kind = WAIT_RECV, .timed = true };
FIXTURE_VARIANT_ADD(sig, bounded_send) {
	.kind = WAIT_BOUNDED_SEND, .timed = false };
FIXTURE_VARIANT_ADD(sig, timed_bounded_send) {
	.kind = WAIT_BOUNDED_SEND, .timed = true };
FIXTURE_VARIANT_ADD(sig, zero_send) { .kind = WAIT_ZERO_SEND, .timed = false };
FIXTURE_VARIANT_ADD(sig, timed_zero_send) {
	.kind = WAIT_ZERO_SEND, .timed = true };

FIXTURE_SETUP(sig)
{
	struct mbox_attr a = variant->kind == WAIT_ZERO_SEND ?
		MBOX_ATTR_ZERO(MSG_SIZE) : MBOX_ATTR_BOUNDED(CAP, MSG_SIZE);
	uint64_t id;

	a.fd_flags = O_CLOEXEC;
	self->pid = 0;
	self->owner = mbox_create(&a, NULL, &id);
	ASSERT_LE(0, self->owner);
	self->user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, self->user);
	ASSERT_EQ(0, pipe2(self->sig_pipe, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->res_pipe, O_CLOEXEC));
	if (variant->kind == WAIT_BOUNDED_SEND) {
		for (int i = 0; i < CAP; i++) {
			ASSERT_EQ(0, mbox_send_nb(self->user, &i, sizeof(i), 0));
		}
	}
}

FIXTURE_TEARDOWN(sig)
{
	reap_children();
	close(self->sig_pipe[0]);
	close(self->sig_pipe[1]);
	close(self->res_pipe[0]);
	close(self->res_pipe[1]);
	close(self->user);
	close(self->owner);
}

/* In the child: the call that waits, and its result. */
static void waiter(FIXTURE_DATA(sig) *self, const FIXTURE_VARIANT(sig) *variant,
		   bool restart)
{
	struct result res;

	memset(&res, 0, sizeof(res));
	handler_fd = self->sig_pipe[1];
	if (install_handler(restart))
		_exit(250);
	if (variant->kind == WAIT_RECV) {
		struct mbox_recv r;

		memset(&r, 0, sizeof(r));
		r.buf = (uintptr_t)res.payload;
		r.len = sizeof(res.payload);
		if (variant->timed) {
			r.flags = MBOX_MSG_TIMEOUT;
			r.timeout_ns = now_ns() + FAR_NS;
		}
		res.ret = mbox_recvx(self->owner, &r);
		res.msg_len = r.msg_len;
		res.seq = r.seq;
	} else {
		struct mbox_send s;

		memset(&s, 0, sizeof(s));
		s.buf = (uintptr_t)"child";
		s.len = 5;
		if (variant->timed) {
			s.flags = MBOX_MSG_TIMEOUT;
			s.timeout_ns = now_ns() + FAR_NS;
		}
		res.ret = mbox_sendx(self->user, &s);
		res.seq = s.seq;
	}
	res.handler_runs = handler_runs;
	res.end_ns = now_ns();
	if (write(self->res_pipe[1], &res, sizeof(res)) != sizeof(res))
		_exit(251);
	_exit(0);
}

/* Wait until the child is blocked in its call. */
static int wait_child_blocked(FIXTURE_DATA(sig) *self,
			      const FIXTURE_VARIANT(sig) *variant)
{
	if (variant->kind == WAIT_RECV)
		return wait_blocked_in_ioctl(self->pid, self->pid,
					     MBOX_IOC_RECV);
	return wait_info(self->owner, INFO_WAITING_SENDERS, 1);
}

static int start_waiter(FIXTURE_DATA(sig) *self,
			const FIXTURE_VARIANT(sig) *variant, bool restart)
{
	self->pid = fork_child();
	if (self->pid < 0)
		return -errno;
	if (self->pid == 0)
		waiter(self, variant, restart);
	return wait_child_blocked(self, variant);
}

/* Receive one message without waiting; returns its length or -errno. */
static int take(int owner, char *buf)
{
	return (int)mbox_recv_nb(owner, buf, MSG_SIZE, NULL);
}

TEST_F(sig, signal_without_sa_restart_fails_eintr_and_moves_nothing)
{
	struct mbox_info info;
	struct result res;
	char buf[MSG_SIZE];
	int v;

	ASSERT_EQ(0, start_waiter(self, variant, false));
	ASSERT_EQ(0, kill(self->pid, SIGUSR1));
	ASSERT_EQ(0, wait_handled(self->sig_pipe[0]));
	ASSERT_EQ(0, read_result(self->res_pipe[0], &res));
	EXPECT_EQ(-EINTR, res.ret);
	EXPECT_EQ(1, res.handler_runs);
	EXPECT_EQ(0, child_wait(self->pid));

	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(0U, info.waiting_senders);
	EXPECT_EQ(0ULL, info.received);
	switch (variant->kind) {
	case WAIT_RECV:
		/* Nothing was taken: a message sent now is still there. */
		EXPECT_EQ(0ULL, info.sent);
		ASSERT_EQ(0, mbox_send_nb(self->user, "after", 5, 0));
		EXPECT_EQ(5, take(self->owner, buf));
		EXPECT_EQ(0, memcmp("after", buf, 5));
		break;
	case WAIT_BOUNDED_SEND:
		/* Only the messages queued before; the child's is not. */
		EXPECT_EQ((__u64)CAP, info.sent);
		EXPECT_EQ((__u32)CAP, info.queued);
		for (int i = 0; i < CAP; i++) {
			ASSERT_EQ((int)sizeof(v), take(self->owner, buf));
			memcpy(&v, buf, sizeof(v));
			EXPECT_EQ(i, v);
		}
		EXPECT_EQ(-EAGAIN, take(self->owner, buf));
		break;
	case WAIT_ZERO_SEND:
		EXPECT_EQ(0ULL, info.sent);
		EXPECT_EQ(0U, info.queued);
		EXPECT_EQ(-EAGAIN, take(self->owner, buf));
		break;
	}
}

TEST_F(sig, signal_with_sa_restart_restarts_and_completes_once)
{
	struct mbox_info info;
	struct result res;
	char buf[MSG_SIZE];
	int v;

	ASSERT_EQ(0, start_waiter(self, variant, true));
	/* Interrupt it twice; each time it must go back to waiting. */
	for (int round = 0; round < 2; round++) {
		ASSERT_EQ(0, kill(self->pid, SIGUSR1));
		ASSERT_EQ(0, wait_handled(self->sig_pipe[0]));
		ASSERT_EQ(0, wait_child_blocked(self, variant));
		EXPECT_FALSE(fd_readable_now(self->res_pipe[0]));
	}

	/* Now meet the condition it waits for. */
	switch (variant->kind) {
	case WAIT_RECV:
		ASSERT_EQ(0, mbox_send_nb(self->user, "hello", 5, 0));
		break;
	case WAIT_BOUNDED_SEND:
		ASSERT_EQ((int)sizeof(v), take(self->owner, buf));
		memcpy(&v, buf, sizeof(v));
		EXPECT_EQ(0, v);
		break;
	case WAIT_ZERO_SEND:
		ASSERT_EQ(5, (int)mbox_recv(self->owner, buf, MSG_SIZE, NULL));
		EXPECT_EQ(0, memcmp("child", buf, 5));
		break;
	}
	ASSERT_EQ(0, read_result(self->res_pipe[0], &res));
	EXPECT_EQ(0, res.ret);
	EXPECT_EQ(2, res.handler_runs);
	EXPECT_EQ(0, child_wait(self->pid));

	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(0U, info.waiting_senders);
	switch (variant->kind) {
	case WAIT_RECV:
		EXPECT_EQ(5U, res.msg_len);
		EXPECT_EQ(0, memcmp("hello", res.payload, 5));
		EXPECT_EQ(1ULL, res.seq);
		EXPECT_EQ(1ULL, info.sent);
		EXPECT_EQ(1ULL, info.received);
		break;
	case WAIT_BOUNDED_SEND:
		/* Queued exactly once, behind the others. */
		EXPECT_EQ((__u64)CAP + 1, res.seq);
		EXPECT_EQ((__u64)CAP + 1, info.sent);
		for (int i = 1; i < CAP; i++) {
			ASSERT_EQ((int)sizeof(v), take(self->owner, buf));
			memcpy(&v, buf, sizeof(v));
			EXPECT_EQ(i, v);
		}
		ASSERT_EQ(5, take(self->owner, buf));
		EXPECT_EQ(0, memcmp("child", buf, 5));
		EXPECT_EQ(-EAGAIN, take(self->owner, buf));
		break;
	case WAIT_ZERO_SEND:
		EXPECT_EQ(1ULL, res.seq);
		EXPECT_EQ(1ULL, info.sent);
		EXPECT_EQ(1ULL, info.received);
		EXPECT_EQ(-EAGAIN, take(self->owner, buf));
		break;
	}
}

TEST_F(sig, stop_and_continue_does_not_disturb_the_wait)
{
	struct result res;
	char buf[MSG_SIZE];
	int status;

	/* No handler for SIGSTOP/SIGCONT: the wait resumes transparently. */
	ASSERT_EQ(0, start_waiter(self, variant, false));
	ASSERT_EQ(0, kill(self->pid, SIGSTOP));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, kill(self->pid, SIGCONT));
	ASSERT_EQ(0, wait_child_blocked(self, variant));
	EXPECT_FALSE(fd_readable_now(self->res_pipe[0]));

	switch (variant->kind) {
	case WAIT_RECV:
		ASSERT_EQ(0, mbox_send_nb(self->user, "cont", 4, 0));
		break;
	case WAIT_BOUNDED_SEND:
		ASSERT_EQ((int)sizeof(int), take(self->owner, buf));
		break;
	case WAIT_ZERO_SEND:
		ASSERT_EQ(5, (int)mbox_recv(self->owner, buf, MSG_SIZE, NULL));
		break;
	}
	ASSERT_EQ(0, read_result(self->res_pipe[0], &res));
	EXPECT_EQ(0, res.ret);
	EXPECT_EQ(0, res.handler_runs);
	EXPECT_EQ(0, child_wait(self->pid));
}

TEST_F(sig, sigkill_of_the_waiter_moves_nothing)
{
	struct mbox_info info;
	char buf[MSG_SIZE];

	ASSERT_EQ(0, start_waiter(self, variant, false));
	ASSERT_EQ(0, kill(self->pid, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, child_wait(self->pid));
	ASSERT_EQ(0, wait_info(self->owner, INFO_WAITING_SENDERS, 0));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(0ULL, info.received);
	switch (variant->kind) {
	case WAIT_RECV:
		EXPECT_EQ(0ULL, info.sent);
		ASSERT_EQ(0, mbox_send_nb(self->user, "after", 5, 0));
		EXPECT_EQ(5, take(self->owner, buf));
		break;
	case WAIT_BOUNDED_SEND:
		EXPECT_EQ((__u64)CAP, info.sent);
		EXPECT_EQ((__u32)CAP, info.queued);
		break;
	case WAIT_ZERO_SEND:
		EXPECT_EQ(0ULL, info.sent);
		EXPECT_EQ(0U, info.queued);
		EXPECT_EQ(-EAGAIN, take(self->owner, buf));
		break;
	}
}

/* ============================================ restarted timed waits */

FIXTURE(deadline) {
	int owner;
	int sig_pipe[2];
	int res_pipe[2];
};

FIXTURE_SETUP(deadline)
{
	struct mbox_attr a = MBOX_ATTR_BOUNDED(CAP, MSG_SIZE);

	a.fd_flags = O_CLOEXEC;
	self->owner = mbox_create(&a, NULL, NULL);
	ASSERT_LE(0, self->owner);
	ASSERT_EQ(0, pipe2(self->sig_pipe, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->res_pipe, O_CLOEXEC));
}

FIXTURE_TEARDOWN(deadline)
{
	reap_children();
	close(self->sig_pipe[0]);
	close(self->sig_pipe[1]);
	close(self->res_pipe[0]);
	close(self->res_pipe[1]);
	close(self->owner);
}

TEST_F(deadline, restarted_timed_receive_still_ends_at_its_deadline)
{
	const uint64_t deadline = now_ns() + 2000 * NSEC_PER_MSEC;
	struct result res;
	pid_t pid;

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_recv r;

		memset(&res, 0, sizeof(res));
		handler_fd = self->sig_pipe[1];
		if (install_handler(true))
			_exit(250);
		memset(&r, 0, sizeof(r));
		r.buf = (uintptr_t)res.payload;
		r.len = sizeof(res.payload);
		r.flags = MBOX_MSG_TIMEOUT;
		r.timeout_ns = deadline;
		res.ret = mbox_recvx(self->owner, &r);
		res.handler_runs = handler_runs;
		res.end_ns = now_ns();
		if (write(self->res_pipe[1], &res, sizeof(res)) != sizeof(res))
			_exit(251);
		_exit(0);
	}
	/* Interrupt it a few times while it waits. */
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, wait_blocked_in_ioctl(pid, pid, MBOX_IOC_RECV));
		ASSERT_EQ(0, kill(pid, SIGUSR1));
		ASSERT_EQ(0, wait_handled(self->sig_pipe[0]));
	}
	ASSERT_EQ(0, read_result(self->res_pipe[0], &res));
	EXPECT_EQ(-ETIMEDOUT, res.ret);
	EXPECT_EQ(3, res.handler_runs);
	EXPECT_LE(deadline, res.end_ns);
	EXPECT_GT(deadline + 10 * NSEC_PER_SEC, res.end_ns);
	EXPECT_EQ(0, child_wait(pid));
}

TEST_HARNESS_MAIN
