// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_lifetime: the mailbox lives exactly as long as its owner handle.
 * Destruction by close, by the owner process exiting and by SIGKILL; dup,
 * fork and SCM_RIGHTS sharing of the owner handle; poll and epoll.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#define MSG_SIZE	64
#define BOUNDED_CAP	2

FIXTURE(life) {
	int owner;		/* -1 when the owner lives in another process */
	int user;
	uint64_t id;
	char name[MBOX_NAME_MAX];
	pid_t owner_pid;
	int owner_cmd;		/* write end: tells the owner child to exit */
};

FIXTURE_VARIANT(life) {
	__u32 capacity_mode;
	__u32 capacity;
};

FIXTURE_VARIANT_ADD(life, zero) {
	.capacity_mode = MBOX_CAPACITY_ZERO,
	.capacity = 0,
};

FIXTURE_VARIANT_ADD(life, bounded) {
	.capacity_mode = MBOX_CAPACITY_BOUNDED,
	.capacity = BOUNDED_CAP,
};

FIXTURE_VARIANT_ADD(life, unbounded) {
	.capacity_mode = MBOX_CAPACITY_UNBOUNDED,
	.capacity = 0,
};

static struct mbox_attr variant_attr(const FIXTURE_VARIANT(life) *variant)
{
	struct mbox_attr a = {
		.capacity_mode = variant->capacity_mode,
		.capacity = variant->capacity,
		.msg_size = MSG_SIZE,
		.mode = 0600,
		.fd_flags = O_CLOEXEC,
	};
	return a;
}

FIXTURE_SETUP(life)
{
	self->owner = -1;
	self->user = -1;
	self->owner_pid = 0;
	self->owner_cmd = -1;
	unique_name(self->name, sizeof(self->name), "life");
}

FIXTURE_TEARDOWN(life)
{
	reap_children();
	if (self->owner_cmd >= 0)
		close(self->owner_cmd);
	if (self->user >= 0)
		close(self->user);
	if (self->owner >= 0)
		close(self->owner);
}

/* Create the variant's mailbox here, owner handle in self->owner. */
static int create_local(FIXTURE_DATA(life) *self,
			const FIXTURE_VARIANT(life) *variant)
{
	struct mbox_attr a = variant_attr(variant);

	self->owner = mbox_create(&a, self->name, &self->id);
	if (self->owner < 0)
		return self->owner;
	self->user = mbox_open_id(self->id, O_CLOEXEC);
	return self->user < 0 ? self->user : 0;
}

/*
 * Create the variant's mailbox in a child process that then waits until
 * owner_cmd is closed or written (then it exits) or it is killed.
 */
static int create_in_child(FIXTURE_DATA(life) *self,
			   const FIXTURE_VARIANT(life) *variant)
{
	int idp[2], cmd[2];
	uint64_t id;
	pid_t pid;

	if (pipe2(idp, O_CLOEXEC) || pipe2(cmd, O_CLOEXEC))
		return -errno;
	pid = fork_child();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct mbox_attr a = variant_attr(variant);
		char c;
		int fd;

		close(idp[0]);
		close(cmd[1]);
		fd = mbox_create(&a, self->name, &id);
		if (fd < 0)
			child_exit(fd);
		pipe_write_u64(idp[1], id);
		while (read(cmd[0], &c, 1) < 0 && errno == EINTR)
			;
		/* Exit with the owner handle still open: exit closes it. */
		_exit(0);
	}
	close(idp[1]);
	close(cmd[0]);
	self->owner_pid = pid;
	self->owner_cmd = cmd[1];
	if (pipe_read_u64(idp[0], &id)) {
		close(idp[0]);
		return -EIO;
	}
	close(idp[0]);
	self->id = id;
	self->user = mbox_open_id(id, O_CLOEXEC);
	return self->user < 0 ? self->user : 0;
}

/*
 * Get a sender blocked in a send on the user handle (ZERO: waiting for a
 * receiver; BOUNDED: the queue is full).  UNBOUNDED senders never block:
 * queue a few messages instead and return 0 with *started false.
 */
static int block_a_sender(FIXTURE_DATA(life) *self,
			  const FIXTURE_VARIANT(life) *variant,
			  struct async_send *a, bool *started)
{
	int ret;

	*started = false;
	if (variant->capacity_mode == MBOX_CAPACITY_UNBOUNDED) {
		for (int i = 0; i < 3; i++) {
			ret = mbox_send_nb(self->user, "queued", 6, 0);
			if (ret)
				return ret;
		}
		return wait_info(self->user, INFO_QUEUED, 3);
	}
	if (variant->capacity_mode == MBOX_CAPACITY_BOUNDED) {
		for (int i = 0; i < BOUNDED_CAP; i++) {
			ret = mbox_send_nb(self->user, "queued", 6, 0);
			if (ret)
				return ret;
		}
	}
	ret = async_send_start(a, self->user, "blocked", 7, 0, 0, 0);
	if (ret)
		return ret;
	*started = true;
	return wait_info(self->user, INFO_WAITING_SENDERS, 1);
}

/* Everything the header promises once the mailbox is destroyed. */
static void check_destroyed(struct __test_metadata *_metadata,
			    FIXTURE_DATA(life) *self,
			    const FIXTURE_VARIANT(life) *variant)
{
	struct mbox_attr a = variant_attr(variant);
	struct mbox_info info;
	struct timespec ts;
	uint64_t new_id = 0;
	int fd;

	ASSERT_EQ(0, mbox_info(self->user, &info));
	EXPECT_EQ((__u32)MBOX_STATE_DEAD, info.state);
	EXPECT_EQ(self->id, info.id);
	EXPECT_EQ((__u32)MBOX_ROLE_USER, info.role);
	/* Queued messages were freed. */
	EXPECT_EQ(0U, info.queued);
	EXPECT_EQ(0U, info.waiting_senders);

	EXPECT_NE(0, poll_one(self->user, POLLOUT, 0) & POLLHUP);

	EXPECT_EQ(-EPIPE, mbox_send(self->user, "late", 4, 0));
	EXPECT_EQ(-EPIPE, mbox_send_nb(self->user, "late", 4, 0));
	ASSERT_EQ(0, mbox_deadline_in(&ts, NSEC_PER_SEC));
	EXPECT_EQ(-EPIPE, mbox_send_timed(self->user, "late", 4, 0, &ts));

	EXPECT_EQ(-ENOENT, mbox_open_id(self->id, O_CLOEXEC));
	EXPECT_EQ(-ENOENT, mbox_open_name(self->name, O_CLOEXEC, NULL));

	/* The name is free again; the id is not handed out again. */
	fd = mbox_create(&a, self->name, &new_id);
	ASSERT_LE(0, fd);
	EXPECT_LT(self->id, new_id);
	close(fd);
}

TEST_F(life, closing_owner_destroys_mailbox_and_wakes_sender_epipe)
{
	struct async_send a;
	bool started;

	ASSERT_EQ(0, create_local(self, variant));
	ASSERT_EQ(0, block_a_sender(self, variant, &a, &started));
	close(self->owner);
	self->owner = -1;
	if (started) {
		EXPECT_EQ(-EPIPE, async_send_join(&a, STATE_WAIT_MS));
	}
	check_destroyed(_metadata, self, variant);
}

TEST_F(life, owner_process_exit_destroys_mailbox_and_wakes_sender_epipe)
{
	struct async_send a;
	bool started;

	ASSERT_EQ(0, create_in_child(self, variant));
	ASSERT_EQ(0, block_a_sender(self, variant, &a, &started));
	ASSERT_EQ(1, write(self->owner_cmd, "x", 1));
	EXPECT_EQ(0, child_wait(self->owner_pid));
	if (started) {
		EXPECT_EQ(-EPIPE, async_send_join(&a, STATE_WAIT_MS));
	}
	check_destroyed(_metadata, self, variant);
}

TEST_F(life, owner_sigkill_destroys_mailbox_and_wakes_sender_epipe)
{
	struct async_send a;
	bool started;

	ASSERT_EQ(0, create_in_child(self, variant));
	ASSERT_EQ(0, block_a_sender(self, variant, &a, &started));
	ASSERT_EQ(0, kill(self->owner_pid, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, child_wait(self->owner_pid));
	if (started) {
		EXPECT_EQ(-EPIPE, async_send_join(&a, STATE_WAIT_MS));
	}
	check_destroyed(_metadata, self, variant);
}

TEST_F(life, several_blocked_senders_all_wake_epipe)
{
	struct async_send a[3];
	struct mbox_send timed;
	bool started;

	if (variant->capacity_mode == MBOX_CAPACITY_UNBOUNDED)
		SKIP(return, "UNBOUNDED senders never wait");
	ASSERT_EQ(0, create_local(self, variant));
	ASSERT_EQ(0, block_a_sender(self, variant, &a[0], &started));
	ASSERT_EQ(0, async_send_start(&a[1], self->user, "b", 1, 5, 0, 0));
	ASSERT_EQ(0, wait_info(self->user, INFO_WAITING_SENDERS, 2));
	/* A timed waiter, far from its deadline, is woken the same way. */
	memset(&timed, 0, sizeof(timed));
	timed.buf = (uintptr_t)"c";
	timed.len = 1;
	timed.flags = MBOX_MSG_TIMEOUT;
	timed.timeout_ns = now_ns() + 60 * NSEC_PER_SEC;
	ASSERT_EQ(0, async_send_start_req(&a[2], self->user, &timed));
	ASSERT_EQ(0, wait_info(self->user, INFO_WAITING_SENDERS, 3));
	close(self->owner);
	self->owner = -1;
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(-EPIPE, async_send_join(&a[i], STATE_WAIT_MS))
			TH_LOG("sender %d", i);
	}
	EXPECT_EQ(0U, info_or_zero(self->user).waiting_senders);
}

TEST_F(life, owner_polls_pollin_when_a_message_is_ready_and_not_before)
{
	struct async_send a;
	char in[MSG_SIZE];

	ASSERT_EQ(0, create_local(self, variant));
	EXPECT_EQ(0, poll_one(self->owner, POLLIN, 0) & POLLIN);
	ASSERT_EQ(0, async_send_start(&a, self->user, "ready", 5, 0, 0, 0));
	ASSERT_EQ(0, wait_info(self->owner, INFO_QUEUED, 1));
	EXPECT_EQ(POLLIN, poll_one(self->owner, POLLIN, 0) & POLLIN);
	EXPECT_EQ(5, mbox_recv(self->owner, in, sizeof(in), NULL));
	EXPECT_EQ(0, async_send_join(&a, STATE_WAIT_MS));
	EXPECT_EQ(0, poll_one(self->owner, POLLIN, 0) & POLLIN);
}

TEST_F(life, owner_poll_wakes_up_when_a_message_arrives)
{
	char in[MSG_SIZE];
	pid_t pid;
	int ret;

	ASSERT_EQ(0, create_local(self, variant));
	/* A child sends once this thread is seen sleeping (in poll()). */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ret = wait_task_sleeping(getppid(), getppid());
		if (ret == 0)
			ret = mbox_send(self->user, "wake", 4, 0);
		child_exit(ret);
	}
	ret = poll_one(self->owner, POLLIN, STATE_WAIT_MS);
	EXPECT_EQ(POLLIN, ret & POLLIN);
	EXPECT_EQ(4, mbox_recv(self->owner, in, sizeof(in), NULL));
	EXPECT_EQ(0, child_wait(pid));
}

TEST_F(life, user_polls_pollout_only_while_a_send_would_not_block)
{
	char in[MSG_SIZE];

	if (variant->capacity_mode == MBOX_CAPACITY_ZERO)
		SKIP(return, "ZERO: whether a send would block depends on receivers");
	ASSERT_EQ(0, create_local(self, variant));
	EXPECT_EQ(POLLOUT, poll_one(self->user, POLLOUT, 0) & POLLOUT);
	for (int i = 0; i < BOUNDED_CAP; i++) {
		ASSERT_EQ(0, mbox_send_nb(self->user, "f", 1, 0));
	}
	if (variant->capacity_mode == MBOX_CAPACITY_BOUNDED) {
		EXPECT_EQ(0, poll_one(self->user, POLLOUT, 0) & POLLOUT);
	} else {
		EXPECT_EQ(POLLOUT, poll_one(self->user, POLLOUT, 0) & POLLOUT);
	}
	EXPECT_EQ(0, poll_one(self->user, POLLOUT, 0) & POLLHUP);
	EXPECT_EQ(1, mbox_recv(self->owner, in, sizeof(in), NULL));
	EXPECT_EQ(POLLOUT, poll_one(self->user, POLLOUT, 0) & POLLOUT);
}

TEST_F(life, user_poll_wakes_with_pollhup_when_owner_closes)
{
	struct pollfd p;
	pid_t pid;
	int ret;

	ASSERT_EQ(0, create_local(self, variant));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Drop the inherited owner reference first. */
		close(self->owner);
		/* No events asked: sleeps until POLLHUP (or POLLERR). */
		p.fd = self->user;
		p.events = 0;
		p.revents = 0;
		ret = poll(&p, 1, STATE_WAIT_MS);
		if (ret < 0)
			child_exit(-errno);
		if (ret == 0)
			child_exit(-ETIMEDOUT);	/* never woken */
		child_exit(p.revents & POLLHUP ? 0 : -EPROTO);
	}
	ASSERT_EQ(0, wait_task_sleeping(pid, pid));
	close(self->owner);
	self->owner = -1;
	EXPECT_EQ(0, child_wait(pid));
}

TEST_F(life, epoll_reports_owner_readable_and_user_hangup)
{
	struct epoll_event ev, out[2];
	char in[MSG_SIZE];
	struct async_send a;
	int ep;

	ASSERT_EQ(0, create_local(self, variant));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = 1;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->owner, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	ASSERT_EQ(0, async_send_start(&a, self->user, "ep", 2, 0, 0, 0));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, STATE_WAIT_MS));
	EXPECT_EQ(1U, out[0].data.u32);
	EXPECT_NE(0U, out[0].events & EPOLLIN);
	EXPECT_EQ(2, mbox_recv(self->owner, in, sizeof(in), NULL));
	EXPECT_EQ(0, async_send_join(&a, STATE_WAIT_MS));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_DEL, self->owner, NULL));

	/* The user handle reports EPOLLHUP (always polled for) once the
	 * owner is gone. */
	ev.events = 0;
	ev.data.u32 = 2;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->user, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	close(self->owner);
	self->owner = -1;
	ASSERT_EQ(1, epoll_wait(ep, out, 2, STATE_WAIT_MS));
	EXPECT_EQ(2U, out[0].data.u32);
	EXPECT_NE(0U, out[0].events & EPOLLHUP);
	close(ep);
}

/* =========================================== sharing the owner handle */

FIXTURE(share) {
	int owner;
	int user;
	uint64_t id;
	char name[MBOX_NAME_MAX];
	unsigned long long saved_bytes_max;
	bool restore_bytes_max;
};

FIXTURE_SETUP(share)
{
	struct mbox_attr a = MBOX_ATTR_BOUNDED(8, MSG_SIZE);

	a.fd_flags = O_CLOEXEC;
	self->restore_bytes_max = false;
	self->owner = mbox_create(&a, unique_name(self->name,
						  sizeof(self->name), "share"),
				  &self->id);
	ASSERT_LE(0, self->owner);
	self->user = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, self->user);
}

FIXTURE_TEARDOWN(share)
{
	reap_children();
	if (self->user >= 0)
		close(self->user);
	if (self->owner >= 0)
		close(self->owner);
	if (self->restore_bytes_max) {
		EXPECT_EQ(0, param_write("user_bytes_max",
					 self->saved_bytes_max));
	}
}

static __u32 state_of(int fd)
{
	return info_or_zero(fd).state;
}

TEST_F(share, closing_the_user_handle_first_then_the_owner_is_clean)
{
	struct mbox_info info;
	struct mbox_attr a = MBOX_ATTR_BOUNDED(8, MSG_SIZE);
	int fd;

	ASSERT_EQ(0, mbox_send_nb(self->user, "left", 4, 0));
	close(self->user);
	self->user = -1;
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ((__u32)MBOX_STATE_ALIVE, info.state);
	/* The message sent through the closed handle is still there. */
	EXPECT_EQ(1U, info.queued);
	close(self->owner);
	self->owner = -1;
	EXPECT_EQ(-ENOENT, mbox_open_id(self->id, O_CLOEXEC));
	EXPECT_EQ(-ENOENT, mbox_open_name(self->name, O_CLOEXEC, NULL));
	fd = mbox_create(&a, self->name, NULL);
	EXPECT_LE(0, fd);
	close(fd);
}

TEST_F(share, dup_of_owner_keeps_mailbox_alive_until_last_close)
{
	char in[MSG_SIZE];
	int dupfd = fcntl(self->owner, F_DUPFD_CLOEXEC, 0);

	ASSERT_LE(0, dupfd);
	close(self->owner);
	self->owner = -1;
	EXPECT_EQ((__u32)MBOX_STATE_ALIVE, state_of(self->user));
	EXPECT_EQ(0, mbox_send_nb(self->user, "dup", 3, 0));
	EXPECT_EQ(3, mbox_recv_nb(dupfd, in, sizeof(in), NULL));
	EXPECT_EQ(0, memcmp("dup", in, 3));
	{
		int u2 = mbox_open_id(self->id, O_CLOEXEC);

		EXPECT_LE(0, u2);
		close(u2);
	}
	close(dupfd);
	EXPECT_EQ((__u32)MBOX_STATE_DEAD, state_of(self->user));
	EXPECT_EQ(-EPIPE, mbox_send_nb(self->user, "dup", 3, 0));
}

TEST_F(share, owner_inherited_by_fork_keeps_mailbox_alive_in_child)
{
	int go[2];
	pid_t pid;

	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char in[MSG_SIZE];
		uint64_t v;
		ssize_t n;

		close(go[1]);
		if (pipe_read_u64(go[0], &v))
			_exit(250);
		n = mbox_recv(self->owner, in, sizeof(in), NULL);
		if (n < 0)
			child_exit((int)n);
		child_exit(n == 6 && !memcmp("parent", in, 6) ? 0 : -EBADMSG);
	}
	close(go[0]);
	close(self->owner);
	self->owner = -1;
	/* The child's copy keeps it alive. */
	EXPECT_EQ((__u32)MBOX_STATE_ALIVE, state_of(self->user));
	EXPECT_EQ(0, mbox_send(self->user, "parent", 6, 0));
	pipe_write_u64(go[1], 1);
	close(go[1]);
	EXPECT_EQ(0, child_wait(pid));
	/* The child's exit dropped the last reference. */
	EXPECT_EQ((__u32)MBOX_STATE_DEAD, state_of(self->user));
	EXPECT_EQ(-ENOENT, mbox_open_id(self->id, O_CLOEXEC));
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	char byte = 'F';

	memset(&mh, 0, sizeof(mh));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	char byte;
	int fd;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -EIO;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

TEST_F(share, owner_handle_passed_by_scm_rights_receives_elsewhere)
{
	struct mbox_attr a = MBOX_ATTR_BOUNDED(4, MSG_SIZE);
	uint64_t id;
	int sv[2], owner, user;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	/* The child exists before the mailbox: it can only get it by SCM_RIGHTS. */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_info info;
		struct mbox_recv r;
		char in[MSG_SIZE];
		int fd, ret;

		close(sv[0]);
		fd = recv_fd(sv[1]);
		if (fd < 0)
			child_exit(fd);
		ret = mbox_info(fd, &info);
		if (ret)
			child_exit(ret);
		if (info.role != MBOX_ROLE_OWNER)
			_exit(251);
		ret = recv_msg(fd, in, sizeof(in), 0, &r);
		if (ret)
			child_exit(ret);
		if (r.msg_len != 7 || memcmp("passed!", in, 7))
			_exit(252);
		child_exit(0);
	}
	close(sv[1]);
	a.fd_flags = O_CLOEXEC;
	owner = mbox_create(&a, NULL, &id);
	ASSERT_LE(0, owner);
	user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, user);
	ASSERT_EQ(0, send_fd(sv[0], owner));
	close(owner);
	close(sv[0]);
	EXPECT_EQ(0, mbox_send(user, "passed!", 7, 0));
	EXPECT_EQ(0, child_wait(pid));
	/* The passed handle was the last reference. */
	EXPECT_EQ((__u32)MBOX_STATE_DEAD, state_of(user));
	close(user);
}

/*
 * A mailbox reserves its byte limit from its creator until destroyed:
 * while the full one lives there is no room for a second, and destroying
 * it gives the whole budget back.
 */
TEST_F(share, destroying_frees_queued_bytes_for_the_user)
{
	static char data[1024];
	struct mbox_attr a = MBOX_ATTR_UNBOUNDED(1024);
	unsigned long long saved_default;
	int first = 0, second = 0, fd, ret;
	struct mbox_info fixture;

	/* Room for one 32 KiB mailbox beside the fixture's own reservation. */
	ASSERT_EQ(0, mbox_info(self->owner, &fixture));
	ASSERT_EQ(0, param_read("user_bytes_max", &self->saved_bytes_max));
	self->restore_bytes_max = true;
	ASSERT_EQ(0, param_read("unbounded_bytes_default", &saved_default));
	ASSERT_EQ(0, param_write("user_bytes_max",
				 32 * 1024 + fixture.bytes_max));
	ASSERT_EQ(0, param_write("unbounded_bytes_default", 32 * 1024));
	a.fd_flags = O_CLOEXEC;

	fd = mbox_create(&a, NULL, NULL);
	ASSERT_LE(0, fd);
	while ((ret = mbox_send_nb(fd, data, sizeof(data), 0)) == 0)
		first++;
	EXPECT_EQ(-ENOBUFS, ret);
	ASSERT_LT(0, first);
	EXPECT_EQ(-ENOBUFS, mbox_create(&a, NULL, NULL));
	close(fd);

	/* Destroying the full mailbox gave the whole budget back. */
	fd = mbox_create(&a, NULL, NULL);
	ASSERT_LE(0, fd);
	while ((ret = mbox_send_nb(fd, data, sizeof(data), 0)) == 0 &&
	       second <= first)
		second++;
	EXPECT_EQ(-ENOBUFS, ret);
	EXPECT_EQ(first, second);
	close(fd);
	EXPECT_EQ(0, param_write("unbounded_bytes_default", saved_default));
}

TEST_HARNESS_MAIN
