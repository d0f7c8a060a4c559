// SPDX-License-Identifier: GPL-2.0
/*
 * mbox ports: a process's direct port (MBOX_CREATE_PORT, opened by pid),
 * and selective receive: from one sender, by type, type-except, a selective
 * receiver sleeping through other messages, bad selection fields.
 */
#include "kselftest_harness.h"
#include "mbox_naming.h"

/* ------------------------------------------------------------ direct ports */

FIXTURE(port) {
	int port;
};

FIXTURE_SETUP(port)
{
	self->port = create_port();
	ASSERT_LE(0, self->port);
}

FIXTURE_TEARDOWN(port)
{
	reap_children();
	close(self->port);
}

TEST_F(port, open_by_pid_reaches_the_port_and_names_the_sender)
{
	pid_t parent = getpid(), child;
	struct mbox_msginfo mi;
	char buf[MSG];

	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		int fd = mbox_open_pid(parent, O_CLOEXEC, NULL);

		if (fd < 0)
			child_exit(fd);
		child_exit(send_str(fd, "hello parent", 7));
	}
	ASSERT_EQ(0, child_wait(child));
	ASSERT_EQ(12, recv_str(self->port, buf, 0, 0, 0, &mi));
	EXPECT_STREQ("hello parent", buf);
	EXPECT_EQ(child, mi.sender_pid);
	EXPECT_EQ(7U, mi.type);
}

TEST_F(port, second_port_of_the_same_process_fails_eexist)
{
	EXPECT_EQ(-EEXIST, create_port());
}

TEST_F(port, closed_port_open_by_pid_fails_econnrefused)
{
	close(self->port);
	self->port = -1;
	EXPECT_EQ(-ECONNREFUSED, mbox_open_pid(getpid(), O_CLOEXEC, NULL));
	/* And the process may make a new one. */
	self->port = create_port();
	EXPECT_LE(0, self->port);
}

TEST_F(port, process_without_port_fails_econnrefused)
{
	int go[2];
	pid_t child;
	char c;

	ASSERT_EQ(0, pipe(go));
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		close(go[1]);
		/* Stay alive, port-less, until the parent is done. */
		child_exit(read(go[0], &c, 1) < 0 ? -EIO : 0);
	}
	close(go[0]);
	EXPECT_EQ(-ECONNREFUSED, mbox_open_pid(child, O_CLOEXEC, NULL));
	close(go[1]);
	EXPECT_EQ(0, child_wait(child));
}

TEST_F(port, exited_process_fails_esrch)
{
	pid_t child = fork_child();

	ASSERT_LE(0, child);
	if (child == 0)
		child_exit(create_port() < 0 ? -EIO : 0);
	ASSERT_EQ(0, child_wait(child));
	EXPECT_EQ(-ESRCH, mbox_open_pid(child, O_CLOEXEC, NULL));
}

TEST_F(port, open_pid_with_name_or_bad_pid_fails_einval)
{
	struct mbox_open o;
	int fd = dev_open();

	ASSERT_LE(0, fd);
	memset(&o, 0, sizeof(o));
	o.flags = MBOX_OPEN_PID;
	o.id = (uint64_t)getpid();
	o.name = (uintptr_t)"x";
	EXPECT_EQ(-EINVAL, xioctl(fd, MBOX_IOC_OPEN, &o));
	o.name = 0;
	o.id = 0;
	EXPECT_EQ(-EINVAL, xioctl(fd, MBOX_IOC_OPEN, &o));
	o.id = 1ULL << 40;
	EXPECT_EQ(-EINVAL, xioctl(fd, MBOX_IOC_OPEN, &o));
	close(fd);
}

TEST(port_with_name_or_os_flag_fails_einval)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	char name[64];

	c.flags = MBOX_CREATE_PORT;
	EXPECT_EQ(-EINVAL, create_box(&c, unique_name(name, sizeof(name), "p"),
				      NULL));
	c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	c.flags = MBOX_CREATE_PORT | MBOX_CREATE_OS;
	EXPECT_EQ(-EINVAL, create_box(&c, NULL, NULL));
}

/* Two children send interleaved messages, tagged by who they are. */
static void two_senders(struct __test_metadata *_metadata, pid_t port_pid,
			pid_t *a, pid_t *b)
{
	pid_t kids[2];

	for (int k = 0; k < 2; k++) {
		kids[k] = fork_child();
		ASSERT_LE(0, kids[k]);
		if (kids[k] == 0) {
			int fd = mbox_open_pid(port_pid, O_CLOEXEC, NULL);
			char s[MSG];
			int ret = fd < 0 ? fd : 0;

			for (int i = 0; !ret && i < 3; i++) {
				snprintf(s, sizeof(s), "%c%d", 'A' + k, i);
				ret = send_str(fd, s, (uint32_t)(10 + k));
			}
			child_exit(ret);
		}
		ASSERT_EQ(0, child_wait(kids[k]));
	}
	*a = kids[0];
	*b = kids[1];
}

TEST_F(port, receive_from_takes_only_that_sender_and_keeps_the_rest)
{
	struct mbox_msginfo mi;
	char buf[MSG];
	pid_t a, b;

	two_senders(_metadata, getpid(), &a, &b);
	/* Symmetric receive: B's messages only, in B's order. */
	for (int i = 0; i < 3; i++) {
		char want[8];

		snprintf(want, sizeof(want), "B%d", i);
		ASSERT_EQ(2, recv_str(self->port, buf, MBOX_RECV_FROM, b, 0,
				      &mi));
		EXPECT_STREQ(want, buf);
		EXPECT_EQ(b, mi.sender_pid);
	}
	EXPECT_EQ(-EAGAIN, recv_str(self->port, buf,
				    MBOX_RECV_FROM | MBOX_MSG_NONBLOCK, b, 0,
				    NULL));
	/* Asymmetric receive: the rest, A's, still in order. */
	for (int i = 0; i < 3; i++) {
		char want[8];

		snprintf(want, sizeof(want), "A%d", i);
		ASSERT_EQ(2, recv_str(self->port, buf, MBOX_MSG_NONBLOCK, 0, 0,
				      &mi));
		EXPECT_STREQ(want, buf);
		EXPECT_EQ(a, mi.sender_pid);
	}
}

TEST_F(port, receive_type_and_type_except_select_like_msgrcv)
{
	char buf[MSG];
	pid_t a, b;

	two_senders(_metadata, getpid(), &a, &b);
	ASSERT_EQ(2, recv_str(self->port, buf, MBOX_RECV_TYPE, 0, 11, NULL));
	EXPECT_STREQ("B0", buf);
	ASSERT_EQ(2, recv_str(self->port, buf, MBOX_RECV_TYPE_EXCEPT, 0, 11,
			      NULL));
	EXPECT_STREQ("A0", buf);
	EXPECT_EQ(-EAGAIN, recv_str(self->port, buf,
				    MBOX_RECV_TYPE | MBOX_MSG_NONBLOCK, 0, 99,
				    NULL));
	EXPECT_EQ(4U, info_or_zero(self->port).queued);
}

TEST_F(port, selective_receiver_sleeps_through_other_messages)
{
	pid_t receiver, sender;
	int go[2];
	char c;

	ASSERT_EQ(0, pipe(go));
	sender = fork_child();
	ASSERT_LE(0, sender);
	if (sender == 0) {
		int fd = mbox_open_pid(getppid(), O_CLOEXEC, NULL);

		close(go[1]);
		if (fd < 0 || read(go[0], &c, 1) != 1)
			child_exit(-EIO);
		child_exit(send_str(fd, "mine", 0));
	}
	close(go[0]);
	receiver = fork_child();
	ASSERT_LE(0, receiver);
	if (receiver == 0) {
		char buf[MSG];
		ssize_t n = recv_str(self->port, buf, MBOX_RECV_FROM, sender, 0,
				     NULL);

		child_exit(n == 4 && !strcmp(buf, "mine") ? 0 : -EBADMSG);
	}
	ASSERT_EQ(0, wait_blocked_in_ioctl(receiver, receiver, MBOX_IOC_RECV));
	/* A message from someone else does not satisfy it. */
	ASSERT_EQ(0, send_str(self->port, "not yours", 0));
	sleep_ms(NEGATIVE_WAIT_MS);
	ASSERT_EQ(0, wait_blocked_in_ioctl(receiver, receiver, MBOX_IOC_RECV));
	ASSERT_EQ(1, write(go[1], "g", 1));
	EXPECT_EQ(0, child_wait(sender));
	EXPECT_EQ(0, child_wait(receiver));
	EXPECT_EQ(1U, info_or_zero(self->port).queued);
	close(go[1]);
}

TEST_F(port, bad_selection_fields_fail_einval)
{
	struct mbox_recv r;
	char buf[MSG];

	EXPECT_EQ(-EINVAL, recv_str(self->port, buf,
				    MBOX_RECV_TYPE | MBOX_RECV_TYPE_EXCEPT, 0,
				    1, NULL));
	EXPECT_EQ(-EINVAL, recv_str(self->port, buf, MBOX_RECV_FROM, -5, 0,
				    NULL));
	EXPECT_EQ(-EINVAL, recv_str(self->port, buf, MBOX_RECV_FROM, 0, 0,
				    NULL));
	EXPECT_EQ(-EINVAL, recv_str(self->port, buf, MBOX_MSG_NONBLOCK, 7, 0,
				    NULL));
	EXPECT_EQ(-EINVAL, recv_str(self->port, buf, MBOX_MSG_NONBLOCK, 0, 7,
				    NULL));
	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.len = sizeof(buf);
	r.flags = MBOX_MSG_NONBLOCK;
	r.reserved1 = 1;
	EXPECT_EQ(-EINVAL, mbox_recvx(self->port, &r));
	r.reserved1 = 0;
	r.flags = 1U << 20;
	EXPECT_EQ(-EINVAL, mbox_recvx(self->port, &r));
}

TEST_HARNESS_MAIN
