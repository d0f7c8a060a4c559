// SPDX-License-Identifier: GPL-2.0
/*
 * mbox broadcast mailboxes: every receiver gets every message in order,
 * late receivers, lagging receivers (backlog, pace when bounded, wake-up when
 * closed), and what a broadcast mailbox refuses.
 */
#include "kselftest_harness.h"
#include "mbox_naming.h"

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

TEST(broadcast_needs_os_and_a_queue)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);

	c.flags = MBOX_CREATE_BROADCAST;
	EXPECT_EQ(-EINVAL, create_box(&c, NULL, NULL));
	c = create_req(MBOX_CAPACITY_ZERO, 0, MSG);
	c.flags = MBOX_CREATE_BROADCAST | MBOX_CREATE_OS;
	EXPECT_EQ(-EINVAL, create_box(&c, NULL, NULL));
}

TEST_HARNESS_MAIN
