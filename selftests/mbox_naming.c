// SPDX-License-Identifier: GPL-2.0
/*
 * mbox naming: direct ports and symmetric/asymmetric receive, selective
 * receive, OS-owned mailboxes with several receivers, broadcast, delete as
 * unlink, permissions, IPC and pid namespaces, death notices, and what
 * exec does to an owner handle.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#include <sched.h>

#define MSG 64

static int create_box(struct mbox_create *c, const char *name, uint64_t *id)
{
	int fd, ret;

	fd = dev_open();
	if (fd < 0)
		return fd;
	c->name = (uintptr_t)name;
	ret = xioctl(fd, MBOX_IOC_CREATE, c);
	close(fd);
	if (ret >= 0 && id)
		*id = c->id;
	return ret;
}

static int create_port(void)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);

	c.flags = MBOX_CREATE_PORT;
	c.mode = 0666;
	return create_box(&c, NULL, NULL);
}

static int create_os(uint32_t mode_bits, uint32_t capacity_mode,
		     uint32_t capacity, uint32_t extra_flags, const char *name,
		     uint64_t *id)
{
	struct mbox_create c = create_req(capacity_mode, capacity, MSG);

	c.flags = MBOX_CREATE_OS | extra_flags;
	c.mode = mode_bits;
	return create_box(&c, name, id);
}

static int delete_req(struct mbox_delete *d)
{
	int fd = dev_open(), ret;

	if (fd < 0)
		return fd;
	ret = xioctl(fd, MBOX_IOC_DELETE, d);
	close(fd);
	return ret;
}

static int send_str(int fd, const char *s, uint32_t type)
{
	return send_msg(fd, s, (uint32_t)strlen(s), 0, type, 0);
}

/* Receives one message as a string into @buf; returns its length or -errno. */
static ssize_t recv_str(int fd, char *buf, uint32_t flags, pid_t from,
			uint32_t type, struct mbox_msginfo *mi)
{
	ssize_t n = mbox_recv_select(fd, buf, MSG - 1, flags, from, type, mi);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

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

/* ------------------------------------------------------------- OS-owned */

FIXTURE(os) {
	char name[64];
	uint64_t id;
	int rx;
};

FIXTURE_SETUP(os)
{
	unique_name(self->name, sizeof(self->name), "os");
	self->rx = create_os(0666, MBOX_CAPACITY_UNBOUNDED, 0, 0, self->name,
			     &self->id);
	ASSERT_LE(0, self->rx);
}

FIXTURE_TEARDOWN(os)
{
	reap_children();
	if (self->rx >= 0)
		close(self->rx);
	mbox_delete(self->id, NULL);
}

TEST_F(os, creator_gets_a_receiver_handle)
{
	struct mbox_info info = info_or_zero(self->rx);

	EXPECT_EQ((uint32_t)MBOX_ROLE_RECEIVER, info.role);
	EXPECT_TRUE(info.flags & MBOX_CREATE_OS);
	EXPECT_STREQ(self->name, info.name);
}

TEST_F(os, mailbox_and_its_messages_outlive_the_creator)
{
	char name[64], buf[MSG];
	pid_t child;
	int rx;

	unique_name(name, sizeof(name), "outlive");
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		int fd = create_os(0666, MBOX_CAPACITY_BOUNDED, 4, 0, name,
				   NULL);

		child_exit(fd < 0 ? fd : send_str(fd, "left behind", 0));
	}
	ASSERT_EQ(0, child_wait(child));
	rx = mbox_open_receiver(0, name, O_CLOEXEC);
	ASSERT_LE(0, rx);
	ASSERT_EQ(11, recv_str(rx, buf, MBOX_MSG_NONBLOCK, 0, 0, NULL));
	EXPECT_STREQ("left behind", buf);
	close(rx);
	EXPECT_EQ(0, mbox_delete(0, name));
}

TEST(os_create_unprivileged_fails_eperm)
{
	pid_t child = fork_child();
	char name[64];

	ASSERT_LE(0, child);
	if (child == 0) {
		int ret = drop_privileges();

		if (ret)
			child_exit(ret);
		ret = create_os(0666, MBOX_CAPACITY_UNBOUNDED, 0, 0,
				unique_name(name, sizeof(name), "np"), NULL);
		child_exit(ret >= 0 ? -EEXIST : ret);
	}
	EXPECT_EQ(-EPERM, child_wait(child));
}

TEST(open_receive_on_process_owned_fails_eperm)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	uint64_t id;
	int owner;

	c.mode = 0666;
	owner = create_box(&c, NULL, &id);
	ASSERT_LE(0, owner);
	EXPECT_EQ(-EPERM, mbox_open_receiver(id, NULL, O_CLOEXEC));
	close(owner);
}

TEST_F(os, several_receivers_take_each_message_exactly_once)
{
	enum { RECEIVERS = 3, MESSAGES = 300 };
	pid_t kids[RECEIVERS];
	uint8_t seen[MESSAGES] = { 0 };
	int out[2], tx, k;
	uint64_t v;

	ASSERT_EQ(0, pipe(out));
	for (k = 0; k < RECEIVERS; k++) {
		kids[k] = fork_child();
		ASSERT_LE(0, kids[k]);
		if (kids[k] == 0) {
			int rx = mbox_open_receiver(self->id, NULL, O_CLOEXEC);
			uint32_t idx;
			ssize_t n;

			close(out[0]);
			if (rx < 0)
				child_exit(rx);
			for (;;) {
				n = mbox_recv(rx, &idx, sizeof(idx), NULL);
				if (n != sizeof(idx))
					child_exit(n < 0 ? (int)n : -EBADMSG);
				if (idx == UINT32_MAX)
					child_exit(0);
				if (pipe_write_u64(out[1], idx))
					child_exit(-EIO);
			}
		}
	}
	close(out[1]);
	tx = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, tx);
	for (uint32_t i = 0; i < MESSAGES; i++)
		ASSERT_EQ(0, mbox_send(tx, &i, sizeof(i), 0));
	for (k = 0; k < RECEIVERS; k++) {
		uint32_t stop = UINT32_MAX;

		ASSERT_EQ(0, mbox_send(tx, &stop, sizeof(stop), 0));
	}
	for (k = 0; k < RECEIVERS; k++)
		EXPECT_EQ(0, child_wait(kids[k]));
	for (int i = 0; i < MESSAGES; i++) {
		ASSERT_EQ(0, pipe_read_u64(out[0], &v));
		ASSERT_GT(MESSAGES, v);
		EXPECT_EQ(0, seen[v]) TH_LOG("message %" PRIu64 " twice", v);
		seen[v] = 1;
	}
	EXPECT_EQ(-EIO, pipe_read_u64(out[0], &v));
	close(out[0]);
	close(tx);
}

TEST_F(os, longest_waiting_receiver_is_served_first)
{
	pid_t kids[2];
	int tx;

	for (int k = 0; k < 2; k++) {
		kids[k] = fork_child();
		ASSERT_LE(0, kids[k]);
		if (kids[k] == 0) {
			int rx = mbox_open_receiver(self->id, NULL, O_CLOEXEC);
			uint32_t got = 0;

			if (rx < 0)
				child_exit(rx);
			if (mbox_recv(rx, &got, sizeof(got), NULL) !=
			    sizeof(got))
				child_exit(-EIO);
			child_exit(got == (uint32_t)k ? 0 : -EBADMSG);
		}
		ASSERT_EQ(0, wait_blocked_in_ioctl(kids[k], kids[k],
						   MBOX_IOC_RECV));
	}
	tx = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, tx);
	for (uint32_t i = 0; i < 2; i++) {
		ASSERT_EQ(0, mbox_send(tx, &i, sizeof(i), 0));
		EXPECT_EQ(0, child_wait(kids[i]));
	}
	close(tx);
}

TEST_F(os, delete_unlinks_the_name_but_open_handles_keep_working)
{
	char buf[MSG];
	int tx, again;

	tx = mbox_open_name(self->name, O_CLOEXEC, NULL);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, mbox_delete(0, self->name));
	EXPECT_EQ(-ENOENT, mbox_open_name(self->name, O_CLOEXEC, NULL));
	EXPECT_EQ(-ENOENT, mbox_open_id(self->id, O_CLOEXEC));
	EXPECT_EQ(-ENOENT, mbox_delete(self->id, NULL));

	/* The name is free again at once. */
	again = create_os(0666, MBOX_CAPACITY_UNBOUNDED, 0, 0, self->name,
			  NULL);
	EXPECT_LE(0, again);

	/* The unlinked mailbox still carries messages... */
	ASSERT_EQ(0, send_str(tx, "still here", 0));
	ASSERT_EQ(10, recv_str(self->rx, buf, MBOX_MSG_NONBLOCK, 0, 0, NULL));
	EXPECT_STREQ("still here", buf);
	/* ...until its last receiver handle closes. */
	close(self->rx);
	self->rx = -1;
	EXPECT_EQ(-EPIPE, send_str(tx, "too late", 0));
	EXPECT_EQ((uint32_t)MBOX_STATE_DEAD, info_or_zero(tx).state);
	close(tx);
	if (again >= 0) {
		close(again);
		EXPECT_EQ(0, mbox_delete(0, self->name));
	}
}

TEST_F(os, delete_with_no_receiver_handle_destroys_at_once)
{
	int tx = mbox_open_id(self->id, O_CLOEXEC);

	ASSERT_LE(0, tx);
	close(self->rx);
	self->rx = -1;
	/* Without receivers but linked, it lives and queues. */
	EXPECT_EQ(0, send_str(tx, "queued", 0));
	ASSERT_EQ(0, mbox_delete(self->id, NULL));
	EXPECT_EQ(-EPIPE, send_str(tx, "gone", 0));
	close(tx);
}

TEST(delete_errors)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	struct mbox_delete d;
	char name[64];
	uint64_t id;
	int owner;

	owner = create_box(&c, unique_name(name, sizeof(name), "del"), &id);
	ASSERT_LE(0, owner);
	memset(&d, 0, sizeof(d));
	d.id = id;
	EXPECT_EQ(-EPERM, delete_req(&d));
	d.id = UINT64_MAX;
	EXPECT_EQ(-ENOENT, delete_req(&d));
	d.id = id;
	d.flags = 1;
	EXPECT_EQ(-EINVAL, delete_req(&d));
	d.flags = 0;
	d.reserved0 = 1;
	EXPECT_EQ(-EINVAL, delete_req(&d));
	d.reserved0 = 0;
	d.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, delete_req(&d));
	d.reserved[1] = 0;
	d.name = (uintptr_t)name;
	EXPECT_EQ(-EINVAL, delete_req(&d));
	d.id = 0;
	d.name = 0;
	EXPECT_EQ(-EINVAL, delete_req(&d));
	close(owner);
}

TEST_F(os, delete_by_another_unprivileged_user_fails_eperm)
{
	pid_t child = fork_child();

	ASSERT_LE(0, child);
	if (child == 0) {
		int ret = drop_privileges();

		child_exit(ret ? ret : mbox_delete(self->id, NULL));
	}
	EXPECT_EQ(-EPERM, child_wait(child));
	EXPECT_LE(0, mbox_open_name(self->name, O_CLOEXEC, NULL));
}

TEST(receiver_handles_need_read_and_send_needs_write)
{
	char name[64];
	uint64_t id;
	pid_t child;
	int rx;

	/* Others may write (send) but not read (receive). */
	rx = create_os(0622, MBOX_CAPACITY_UNBOUNDED, 0, 0,
		       unique_name(name, sizeof(name), "perm"), &id);
	ASSERT_LE(0, rx);
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		int ret = drop_privileges(), fd;

		if (ret)
			child_exit(ret);
		fd = mbox_open_receiver(id, NULL, O_CLOEXEC);
		if (fd != -EACCES)
			child_exit(fd < 0 ? fd : -EEXIST);
		fd = mbox_open_id(id, O_CLOEXEC);
		child_exit(fd < 0 ? fd : send_str(fd, "w", 0));
	}
	EXPECT_EQ(0, child_wait(child));
	close(rx);
	ASSERT_EQ(0, mbox_delete(id, NULL));

	/* Others may read but not write: their receiver handle cannot send. */
	rx = create_os(0644, MBOX_CAPACITY_UNBOUNDED, 0, 0,
		       unique_name(name, sizeof(name), "perm"), &id);
	ASSERT_LE(0, rx);
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		int ret = drop_privileges(), fd;

		if (ret)
			child_exit(ret);
		if (mbox_open_id(id, O_CLOEXEC) != -EACCES)
			child_exit(-EEXIST);
		fd = mbox_open_receiver(id, NULL, O_CLOEXEC);
		if (fd < 0)
			child_exit(fd);
		child_exit(send_str(fd, "w", 0));
	}
	EXPECT_EQ(-EPERM, child_wait(child));
	close(rx);
	ASSERT_EQ(0, mbox_delete(id, NULL));
}

/* ------------------------------------------------------------- broadcast */

FIXTURE(bcast) {
	uint64_t id;
	int rx[3];
	int tx;
};

FIXTURE_VARIANT(bcast) {
	uint32_t capacity_mode;
	uint32_t capacity;
};

FIXTURE_VARIANT_ADD(bcast, bounded) {
	.capacity_mode = MBOX_CAPACITY_BOUNDED,
	.capacity = 8,
};

FIXTURE_VARIANT_ADD(bcast, unbounded) {
	.capacity_mode = MBOX_CAPACITY_UNBOUNDED,
	.capacity = 0,
};

FIXTURE_SETUP(bcast)
{
	char name[64];

	self->rx[0] = create_os(0666, variant->capacity_mode,
				variant->capacity, MBOX_CREATE_BROADCAST,
				unique_name(name, sizeof(name), "bc"),
				&self->id);
	ASSERT_LE(0, self->rx[0]);
	for (int k = 1; k < 3; k++) {
		self->rx[k] = mbox_open_receiver(self->id, NULL, O_CLOEXEC);
		ASSERT_LE(0, self->rx[k]);
	}
	self->tx = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, self->tx);
}

FIXTURE_TEARDOWN(bcast)
{
	for (int k = 0; k < 3; k++)
		if (self->rx[k] >= 0)
			close(self->rx[k]);
	close(self->tx);
	mbox_delete(self->id, NULL);
}

TEST_F(bcast, every_receiver_gets_every_message_in_order)
{
	char buf[MSG], want[8];

	for (int i = 0; i < 5; i++) {
		snprintf(want, sizeof(want), "m%d", i);
		ASSERT_EQ(0, send_msg(self->tx, want, 2, (uint32_t)(5 - i), 0,
				      0));
	}
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < 5; i++) {
			snprintf(want, sizeof(want), "m%d", i);
			ASSERT_EQ(2, recv_str(self->rx[k], buf,
					      MBOX_MSG_NONBLOCK, 0, 0, NULL));
			EXPECT_STREQ(want, buf);
		}
		EXPECT_EQ(-EAGAIN, recv_str(self->rx[k], buf,
					    MBOX_MSG_NONBLOCK, 0, 0, NULL));
	}
	/* Everyone read everything: nothing stays queued. */
	EXPECT_EQ(0U, info_or_zero(self->tx).queued);
}

TEST_F(bcast, late_receiver_gets_only_later_messages)
{
	char buf[MSG];
	int late;

	ASSERT_EQ(0, send_str(self->tx, "early", 0));
	late = mbox_open_receiver(self->id, NULL, O_CLOEXEC);
	ASSERT_LE(0, late);
	EXPECT_EQ(-EAGAIN, recv_str(late, buf, MBOX_MSG_NONBLOCK, 0, 0, NULL));
	ASSERT_EQ(0, send_str(self->tx, "late", 0));
	ASSERT_EQ(4, recv_str(late, buf, MBOX_MSG_NONBLOCK, 0, 0, NULL));
	EXPECT_STREQ("late", buf);
	close(late);
}

TEST_F(bcast, closing_a_lagging_receiver_releases_its_backlog)
{
	char buf[MSG];

	ASSERT_EQ(0, send_str(self->tx, "a", 0));
	ASSERT_EQ(0, send_str(self->tx, "b", 0));
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 2; i++)
			ASSERT_EQ(1, recv_str(self->rx[k], buf,
					      MBOX_MSG_NONBLOCK, 0, 0, NULL));
	EXPECT_EQ(2U, info_or_zero(self->tx).queued);
	close(self->rx[2]);
	self->rx[2] = -1;
	EXPECT_EQ(0U, info_or_zero(self->tx).queued);
}

TEST_F(bcast, no_receiver_handle_send_fails_enotconn)
{
	for (int k = 0; k < 3; k++) {
		close(self->rx[k]);
		self->rx[k] = -1;
	}
	EXPECT_EQ(-ENOTCONN, send_str(self->tx, "anyone?", 0));
}

TEST_F(bcast, selective_receive_fails_einval)
{
	char buf[MSG];

	EXPECT_EQ(-EINVAL, recv_str(self->rx[0], buf,
				    MBOX_RECV_TYPE | MBOX_MSG_NONBLOCK, 0, 1,
				    NULL));
}

TEST_F(bcast, slowest_receiver_sets_the_pace_when_bounded)
{
	char buf[MSG];

	if (variant->capacity_mode != MBOX_CAPACITY_BOUNDED)
		SKIP(return, "bounded mailboxes only");
	for (uint32_t i = 0; i < variant->capacity; i++)
		ASSERT_EQ(0, send_str(self->tx, "x", 0));
	/* Two receivers catch up; the third holds the log full. */
	for (int k = 0; k < 2; k++)
		for (uint32_t i = 0; i < variant->capacity; i++)
			ASSERT_EQ(1, recv_str(self->rx[k], buf,
					      MBOX_MSG_NONBLOCK, 0, 0, NULL));
	EXPECT_EQ(-EAGAIN, send_msg(self->tx, "y", 1, 0, 0,
				    MBOX_MSG_NONBLOCK));
	ASSERT_EQ(1, recv_str(self->rx[2], buf, MBOX_MSG_NONBLOCK, 0, 0, NULL));
	EXPECT_EQ(0, send_msg(self->tx, "y", 1, 0, 0, MBOX_MSG_NONBLOCK));
}

TEST_F(bcast, closing_the_lagging_receiver_wakes_a_poller_for_room)
{
	char buf[MSG];
	pid_t poller;

	if (variant->capacity_mode != MBOX_CAPACITY_BOUNDED)
		SKIP(return, "bounded mailboxes only");
	for (uint32_t i = 0; i < variant->capacity; i++)
		ASSERT_EQ(0, send_str(self->tx, "x", 0));
	for (int k = 0; k < 2; k++)
		for (uint32_t i = 0; i < variant->capacity; i++)
			ASSERT_EQ(1, recv_str(self->rx[k], buf,
					      MBOX_MSG_NONBLOCK, 0, 0, NULL));
	EXPECT_EQ(0, poll_one(self->tx, POLLOUT, 0) & POLLOUT);
	poller = fork_child();
	ASSERT_LE(0, poller);
	if (poller == 0) {
		/* Only the parent's receiver handles may keep the log full. */
		for (int k = 0; k < 3; k++)
			close(self->rx[k]);
		child_exit(poll_one(self->tx, POLLOUT, STATE_WAIT_MS) & POLLOUT ?
			   0 : -ETIMEDOUT);
	}
	ASSERT_EQ(0, wait_blocked_in_poll(poller, poller));
	close(self->rx[2]);
	self->rx[2] = -1;
	EXPECT_EQ(0, child_wait_ms(poller, STATE_WAIT_MS / 2));
}

TEST(names_are_ascii_only)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);

	/* Latin-1 letters are alphanumeric to the kernel's ctype, not here. */
	EXPECT_EQ(-EINVAL, create_box(&c, "caf\xe9", NULL));
}

TEST(broadcast_needs_os_and_a_queue)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);

	c.flags = MBOX_CREATE_BROADCAST;
	EXPECT_EQ(-EINVAL, create_box(&c, NULL, NULL));
	c = create_req(MBOX_CAPACITY_ZERO, 0, MSG);
	c.flags = MBOX_CREATE_BROADCAST | MBOX_CREATE_OS;
	EXPECT_EQ(-EINVAL, create_box(&c, NULL, NULL));
}

/* ------------------------------------------------------------ namespaces */

TEST(names_and_ids_belong_to_the_ipc_namespace)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	char name[64];
	uint64_t id;
	pid_t child;
	int owner;

	c.mode = 0666;
	owner = create_box(&c, unique_name(name, sizeof(name), "ns"), &id);
	ASSERT_LE(0, owner);
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct mbox_create c2 = create_req(MBOX_CAPACITY_UNBOUNDED, 0,
						   MSG);
		int fd;

		if (unshare(CLONE_NEWIPC) < 0)
			child_exit(-errno);
		if (mbox_open_name(name, O_CLOEXEC, NULL) != -ENOENT ||
		    mbox_open_id(id, O_CLOEXEC) != -ENOENT)
			child_exit(-EEXIST);
		/* The same name is free in the new namespace. */
		fd = create_box(&c2, name, NULL);
		child_exit(fd < 0 ? fd : 0);
	}
	EXPECT_EQ(0, child_wait(child));
	/* And still ours here. */
	EXPECT_LE(0, mbox_open_name(name, O_CLOEXEC, NULL));
	close(owner);
}

TEST(sender_pids_are_translated_to_the_receivers_pid_namespace)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	struct mbox_msginfo mi;
	pid_t child, inner = 0;
	char buf[MSG];
	int owner, report[2];
	uint64_t id, v;

	c.mode = 0666;
	owner = create_box(&c, NULL, &id);
	ASSERT_LE(0, owner);
	ASSERT_EQ(0, pipe(report));
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		pid_t grandchild;
		int status;

		if (unshare(CLONE_NEWPID) < 0)
			child_exit(-errno);
		grandchild = fork();
		if (grandchild == 0) {
			/* pid 1 in its namespace. */
			int fd = mbox_open_id(id, O_CLOEXEC);

			_exit(fd < 0 || send_str(fd, "from inside", 0) ? 1 : 0);
		}
		if (grandchild < 0 || pipe_write_u64(report[1], (uint64_t)grandchild))
			child_exit(-EIO);
		waitpid(grandchild, &status, 0);
		child_exit(WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO);
	}
	close(report[1]);
	ASSERT_EQ(0, pipe_read_u64(report[0], &v));
	inner = (pid_t)v;
	EXPECT_EQ(0, child_wait(child));
	ASSERT_EQ(11, recv_str(owner, buf, MBOX_MSG_NONBLOCK, 0, 0, &mi));
	/* We see the grandchild's pid in our namespace, not its "1". */
	EXPECT_EQ(inner, mi.sender_pid);
	EXPECT_NE(1, mi.sender_pid);
	close(report[0]);
	close(owner);
}

TEST(sender_outside_the_receivers_pid_namespace_shows_as_zero)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	uint64_t id;
	pid_t child;
	int owner, go[2];

	c.mode = 0666;
	ASSERT_EQ(0, pipe(go));
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		pid_t inner;
		int status;

		if (unshare(CLONE_NEWPID) < 0)
			child_exit(-errno);
		inner = fork();
		if (inner == 0) {
			struct mbox_msginfo mi;
			char buf[MSG];
			int fd = create_box(&c, NULL, &id);

			if (fd < 0 || pipe_write_u64(go[1], id))
				_exit(1);
			if (recv_str(fd, buf, 0, 0, 0, &mi) != 7)
				_exit(2);
			_exit(mi.sender_pid == 0 ? 0 : 3);
		}
		if (inner < 0)
			child_exit(-EIO);
		waitpid(inner, &status, 0);
		child_exit(WIFEXITED(status) ? -WEXITSTATUS(status) : -EIO);
	}
	close(go[1]);
	ASSERT_EQ(0, pipe_read_u64(go[0], &id));
	owner = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, owner);
	ASSERT_EQ(0, send_str(owner, "outside", 0));
	EXPECT_EQ(0, child_wait(child));
	close(owner);
	close(go[0]);
}

/* ---------------------------------------------------------- death notices */

FIXTURE(notice) {
	pid_t owner_pid;
	uint64_t id;
	int tx;
	int hold[2];
};

/* A child owns the mailbox and lives until told (or killed). */
FIXTURE_SETUP(notice)
{
	int idpipe[2];

	ASSERT_EQ(0, pipe(idpipe));
	ASSERT_EQ(0, pipe(self->hold));
	self->owner_pid = fork_child();
	ASSERT_LE(0, self->owner_pid);
	if (self->owner_pid == 0) {
		struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 2,
						  MSG);
		uint64_t id;
		char ch;
		int fd;

		c.mode = 0666;
		close(self->hold[1]);
		fd = create_box(&c, NULL, &id);
		if (fd < 0 || pipe_write_u64(idpipe[1], id))
			child_exit(-EIO);
		child_exit(read(self->hold[0], &ch, 1) < 0 ? -EIO : 0);
	}
	close(self->hold[0]);
	close(idpipe[1]);
	ASSERT_EQ(0, pipe_read_u64(idpipe[0], &self->id));
	close(idpipe[0]);
	self->tx = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, self->tx);
}

FIXTURE_TEARDOWN(notice)
{
	close(self->hold[1]);
	reap_children();
	close(self->tx);
}

static void owner_exits(struct __test_metadata *_metadata,
			FIXTURE_DATA(notice) *self)
{
	ASSERT_EQ(1, write(self->hold[1], "x", 1));
	ASSERT_EQ(0, child_wait(self->owner_pid));
}

static void expect_one_notice(struct __test_metadata *_metadata, int fd,
			      uint64_t id, uint32_t reason)
{
	struct mbox_notice n;

	ASSERT_EQ(POLLPRI, poll_one(fd, POLLPRI, STATE_WAIT_MS) & POLLPRI);
	memset(&n, 0xff, sizeof(n));
	ASSERT_EQ(0, mbox_notice(fd, &n));
	EXPECT_EQ(id, n.id);
	EXPECT_EQ(reason, n.reason);
	EXPECT_EQ(0U, n.reserved0);
	/* Exactly one. */
	EXPECT_EQ(-ENOENT, mbox_notice(fd, &n));
	EXPECT_EQ(0, poll_one(fd, POLLPRI, 0) & POLLPRI);
}

TEST_F(notice, watch_then_owner_exit_gives_exactly_one_notice)
{
	struct mbox_notice n;

	ASSERT_EQ(0, mbox_watch(self->tx));
	EXPECT_EQ(-EAGAIN, mbox_notice(self->tx, &n));
	EXPECT_EQ(0, poll_one(self->tx, POLLPRI, 0) & POLLPRI);
	owner_exits(_metadata, self);
	expect_one_notice(_metadata, self->tx, self->id,
			  MBOX_NOTICE_OWNER_GONE);
}

TEST_F(notice, owner_exit_then_watch_still_gives_one_notice)
{
	owner_exits(_metadata, self);
	ASSERT_EQ(0, mbox_watch(self->tx));
	/* A notice that faults on the way out is not used up. */
	EXPECT_EQ(-EFAULT, xioctl(self->tx, MBOX_IOC_NOTICE, bad_ptr()));
	expect_one_notice(_metadata, self->tx, self->id,
			  MBOX_NOTICE_OWNER_GONE);
}

TEST_F(notice, killed_owner_wakes_a_poller_with_the_notice)
{
	ASSERT_EQ(0, mbox_watch(self->tx));
	ASSERT_EQ(0, kill(self->owner_pid, SIGKILL));
	expect_one_notice(_metadata, self->tx, self->id,
			  MBOX_NOTICE_OWNER_GONE);
}

TEST_F(notice, watch_errors)
{
	struct mbox_notice n;
	struct mbox_watch w;
	int owner;

	EXPECT_EQ(-EINVAL, mbox_notice(self->tx, &n));
	memset(&w, 0, sizeof(w));
	w.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->tx, MBOX_IOC_WATCH, &w));
	w.flags = 0;
	w.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->tx, MBOX_IOC_WATCH, &w));
	EXPECT_EQ(-EFAULT, xioctl(self->tx, MBOX_IOC_WATCH, bad_ptr()));
	ASSERT_EQ(0, mbox_watch(self->tx));
	EXPECT_EQ(-EALREADY, mbox_watch(self->tx));

	owner = create_port();
	ASSERT_LE(0, owner);
	EXPECT_EQ(-EINVAL, mbox_watch(owner));
	close(owner);
}

TEST(deleted_os_mailbox_notice_says_deleted)
{
	char name[64];
	uint64_t id;
	int rx, tx;

	rx = create_os(0666, MBOX_CAPACITY_UNBOUNDED, 0, 0,
		       unique_name(name, sizeof(name), "dn"), &id);
	ASSERT_LE(0, rx);
	tx = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, mbox_watch(tx));
	ASSERT_EQ(0, mbox_delete(id, NULL));
	/* Unlinked but a receiver remains: not dead yet. */
	EXPECT_EQ(0, poll_one(tx, POLLPRI, 0) & POLLPRI);
	close(rx);
	expect_one_notice(_metadata, tx, id, MBOX_NOTICE_DELETED);
	close(tx);
}

/* ---------------------------------------------------------- owner and exec */

/* Waits until @pid runs the program called @comm; 0 or -ETIMEDOUT. */
static int wait_comm(pid_t pid, const char *comm)
{
	uint64_t deadline = now_ns() + STATE_WAIT_MS * NSEC_PER_MSEC;
	char path[64], buf[32];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	while (now_ns() < deadline) {
		FILE *f = fopen(path, "r");

		if (f) {
			bool match = fgets(buf, sizeof(buf), f) &&
				     !strncmp(buf, comm, strlen(comm)) &&
				     buf[strlen(comm)] == '\n';

			fclose(f);
			if (match)
				return 0;
		}
		sleep_ms(1);
	}
	return -ETIMEDOUT;
}

FIXTURE(exec) {
	uint64_t id;
	int owner;
	int tx;
};

FIXTURE_VARIANT(exec) {
	int fd_flags;
	int expect_after_parent_close;	/* send result while the child lives */
};

FIXTURE_VARIANT_ADD(exec, close_on_exec_owner_dies_with_the_parents_copy) {
	.fd_flags = O_CLOEXEC,
	.expect_after_parent_close = -EPIPE,
};

FIXTURE_VARIANT_ADD(exec, inherited_owner_lives_on_in_the_execed_child) {
	.fd_flags = 0,
	.expect_after_parent_close = 0,
};

FIXTURE_SETUP(exec)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);

	c.fd_flags = (uint32_t)variant->fd_flags;
	c.mode = 0666;
	self->owner = create_box(&c, NULL, &self->id);
	ASSERT_LE(0, self->owner);
	self->tx = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, self->tx);
}

FIXTURE_TEARDOWN(exec)
{
	reap_children();
	close(self->tx);
}

TEST_F(exec, owner_handle_across_exec)
{
	pid_t child = fork_child();

	ASSERT_LE(0, child);
	if (child == 0) {
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	/* Exec done: close-on-exec descriptors are closed by now. */
	ASSERT_EQ(0, wait_comm(child, "sleep"));
	close(self->owner);
	EXPECT_EQ(variant->expect_after_parent_close,
		  send_str(self->tx, "ping", 0));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	forget_child(child);
	/* With the last owner reference gone, it is dead either way. */
	EXPECT_EQ(0, wait_info(self->tx, INFO_STATE, MBOX_STATE_DEAD));
	EXPECT_EQ(-EPIPE, send_str(self->tx, "ping", 0));
}

TEST_HARNESS_MAIN
