// SPDX-License-Identifier: GPL-2.0
/*
 * mbox death notices and the owner handle: MBOX_IOC_NOTICE on an owner's
 * exit, kill or delete (exactly one notice, in either order, waking a
 * poller), and what exec does to an owner handle (close-on-exec or
 * inherited).
 */
#include "kselftest_harness.h"
#include "mbox_naming.h"

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
