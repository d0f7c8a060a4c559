// SPDX-License-Identifier: GPL-2.0
/*
 * mbox OS-owned mailboxes: created by root, outliving their creator,
 * several receivers (each message once, longest waiter first), delete as
 * unlink, receiver and sender rights, ASCII names, names and ids per IPC
 * namespace.
 */
#include "kselftest_harness.h"
#include "mbox_naming.h"

#include <sched.h>

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

TEST(names_are_ascii_only)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);

	/* Latin-1 letters are alphanumeric to the kernel's ctype, not here. */
	EXPECT_EQ(-EINVAL, create_box(&c, "caf\xe9", NULL));
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

TEST_HARNESS_MAIN
