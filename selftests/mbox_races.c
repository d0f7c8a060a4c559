// SPDX-License-Identifier: GPL-2.0
/*
 * Races found by tools/stress/mbox-stress, each reduced to a test that
 * makes the bad interleaving likely and checks for its symptom.  On the
 * debug kernel (KASAN) the symptom is usually a kernel report, which fails
 * the guest run even if the check below happens to pass.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

/*
 * A BOUNDED sender that blocked on a full queue is admitted by a batch
 * receive, which takes its message too (freeing it) before the sender runs
 * again; then a new message of the same size is sent (likely reusing that
 * memory).  The
 * blocked sender must still learn the sequence number its message was
 * accepted with, not whatever the freed memory holds.
 */
TEST(bounded_sender_admitted_and_taken_before_it_runs_reports_its_seq)
{
	enum { ROUNDS = 300, SIZE = 96 };
	char buf[SIZE], first[SIZE], got[SIZE];
	unsigned int wrong = 0;

	memset(buf, 0x5a, sizeof(buf));
	for (int round = 0; round < ROUNDS; round++) {
		struct mbox_attr a = MBOX_ATTR_BOUNDED(1, SIZE);
		struct mbox_msgvec vec[2];
		struct async_send blocked;
		uint64_t taken_seq;
		int owner;

		a.fd_flags = O_CLOEXEC;
		owner = mbox_create(&a, NULL, NULL);
		ASSERT_LE(0, owner);
		ASSERT_EQ(0, mbox_send(owner, buf, sizeof(buf), 0));	/* seq 1: full */
		ASSERT_EQ(0, async_send_start(&blocked, owner, buf, sizeof(buf), 0, 7, 0));
		ASSERT_EQ(0, wait_info(owner, INFO_WAITING_SENDERS, 1));

		/* One call, before the admitted sender gets the lock. */
		memset(vec, 0, sizeof(vec));
		vec[0].buf = (uintptr_t)first;
		vec[1].buf = (uintptr_t)got;
		vec[0].len = vec[1].len = SIZE;
		ASSERT_EQ(2, mbox_recv_batch(owner, vec, 2, MBOX_MSG_NONBLOCK,
					     NULL));
		ASSERT_EQ(0, mbox_send_nb(owner, buf, sizeof(buf), 0));

		ASSERT_EQ(0, async_send_join(&blocked, STATE_WAIT_MS));
		taken_seq = vec[1].seq;
		EXPECT_EQ(7U, vec[1].type);
		EXPECT_EQ(2U, taken_seq);
		if (blocked.req.seq != taken_seq) {
			wrong++;
			TH_LOG("round %d: sender told seq %llu, its message was taken as seq %llu",
			       round, (unsigned long long)blocked.req.seq,
			       (unsigned long long)taken_seq);
		}
		close(owner);
		if (wrong >= 3)
			break;
	}
	EXPECT_EQ(0U, wrong);
}

TEST_HARNESS_MAIN
