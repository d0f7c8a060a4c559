// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_concurrency: many sender processes against one owner.
 *
 * 16 sender processes send 10,000 messages each, every message carrying
 * (sender index, per-sender counter).  With one receiver, every message
 * must arrive exactly once, each sender's messages in order, and the
 * sequence numbers must run 1, 2, 3, ... (one priority: acceptance order).
 * With 4 receiver threads sharing the owner handle, every sequence number
 * and every (sender, counter) pair must be seen exactly once, and each
 * receiver must see increasing sequence numbers.
 *
 * The sizes can be lowered for a quick run with MBOX_STRESS_SENDERS and
 * MBOX_STRESS_MSGS in the environment.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#define SENDERS_DEFAULT	16
#define MSGS_DEFAULT	10000
#define MAX_SENDERS	64
#define RECEIVERS	4
#define POISON		0xffffffffU
#define RECV_WAIT_NS	(30 * NSEC_PER_SEC)	/* per message: no hang */
/*
 * Progress, not speed, is what these tests check: the harness limit only
 * catches a hang the stall check below missed.
 */
#define HANG_GUARD_S	600
#define STALL_NS	(30 * NSEC_PER_SEC)	/* no message accepted: a hang */

struct payload {
	uint32_t sender;
	uint32_t counter;
};

static unsigned int env_uint(const char *name, unsigned int def,
			     unsigned int max)
{
	const char *s = getenv(name);
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, NULL, 10);
	return v >= 1 && v <= max ? (unsigned int)v : def;
}

FIXTURE(stress) {
	int owner;
	uint64_t id;
	unsigned int senders;
	unsigned int msgs;
	int go[2];
	pid_t pids[MAX_SENDERS];
};

FIXTURE_VARIANT(stress) {
	__u32 capacity_mode;
	__u32 capacity;
};

FIXTURE_VARIANT_ADD(stress, bounded_64) {
	.capacity_mode = MBOX_CAPACITY_BOUNDED,
	.capacity = 64,
};

FIXTURE_VARIANT_ADD(stress, unbounded) {
	.capacity_mode = MBOX_CAPACITY_UNBOUNDED,
	.capacity = 0,
};

FIXTURE_SETUP(stress)
{
	struct mbox_attr a = {
		.capacity_mode = variant->capacity_mode,
		.capacity = variant->capacity,
		.msg_size = sizeof(struct payload),
		.flags = MBOX_CREATE_FIXED_SIZE,
		.fd_flags = O_CLOEXEC,
	};

	self->senders = env_uint("MBOX_STRESS_SENDERS", SENDERS_DEFAULT,
				 MAX_SENDERS);
	self->msgs = env_uint("MBOX_STRESS_MSGS", MSGS_DEFAULT, 1000000);
	self->owner = mbox_create(&a, NULL, &self->id);
	ASSERT_LE(0, self->owner);
	ASSERT_EQ(0, pipe2(self->go, O_CLOEXEC));
}

FIXTURE_TEARDOWN(stress)
{
	reap_children();
	close(self->go[0]);
	if (self->go[1] >= 0)
		close(self->go[1]);
	close(self->owner);
}

/*
 * Sender process @idx: waits for the start signal (EOF on go[0]), then
 * sends msgs messages.  Even senders use a handle of their own, odd ones
 * the one inherited from the test.  -ENOBUFS (UNBOUNDED, user budget) is
 * a documented transient: back off and retry the same message.
 */
static void sender(FIXTURE_DATA(stress) *self, int inherited_user,
		   unsigned int idx)
{
	struct payload p = { .sender = idx };
	int fd = inherited_user;
	char c;

	close(self->owner);
	close(self->go[1]);
	if (idx % 2 == 0) {
		fd = mbox_open_id(self->id, O_CLOEXEC);
		if (fd < 0)
			child_exit(fd);
	}
	if (read(self->go[0], &c, 1) != 0)
		_exit(249);
	for (p.counter = 0; p.counter < self->msgs; p.counter++) {
		int ret;

		while ((ret = mbox_send(fd, &p, sizeof(p), 0)) == -ENOBUFS)
			sleep_ms(1);
		if (ret)
			child_exit(ret);
	}
	child_exit(0);
}

static int start_senders(FIXTURE_DATA(stress) *self)
{
	int user = mbox_open_id(self->id, O_CLOEXEC);

	if (user < 0)
		return user;
	for (unsigned int i = 0; i < self->senders; i++) {
		self->pids[i] = fork_child();
		if (self->pids[i] < 0)
			return -errno;
		if (self->pids[i] == 0)
			sender(self, user, i);
	}
	close(user);
	/* Go. */
	close(self->go[1]);
	self->go[1] = -1;
	return 0;
}

/*
 * All senders must end with 0.  There is no limit on the total time (a
 * PREEMPT_RT or debug guest on a busy host is many times slower than a
 * stock one), only on a stall: if the mailbox accepts no message for
 * STALL_NS while senders are left, the result is CHILD_TIMEOUT (the
 * fixture teardown kills them).  Returns the first result other than 0.
 */
static int wait_senders(FIXTURE_DATA(stress) *self)
{
	unsigned int left = self->senders;
	uint64_t last_sent = 0, last_progress = now_ns();
	int first = 0;

	while (left) {
		struct mbox_info info;

		for (unsigned int i = 0; i < self->senders; i++) {
			int ret;

			if (self->pids[i] <= 0)
				continue;
			if (!child_try_wait(self->pids[i], &ret))
				continue;
			self->pids[i] = 0;
			left--;
			if (ret && !first)
				first = ret;
		}
		if (!left)
			break;
		if (mbox_info(self->owner, &info) == 0 &&
		    info.sent != last_sent) {
			last_sent = info.sent;
			last_progress = now_ns();
		} else if (now_ns() - last_progress > STALL_NS) {
			/* The fixture teardown kills and reaps them. */
			return first ? first : CHILD_TIMEOUT;
		}
		sleep_ms(50);
	}
	return first;
}

static int recv_payload(int owner, struct payload *p, struct mbox_recv *r)
{
	memset(r, 0, sizeof(*r));
	r->buf = (uintptr_t)p;
	r->len = sizeof(*p);
	r->flags = MBOX_MSG_TIMEOUT;
	r->timeout_ns = now_ns() + RECV_WAIT_NS;
	return mbox_recvx(owner, r);
}

TEST_F_TIMEOUT(stress, one_receiver_gets_every_message_once_in_sender_order,
	       HANG_GUARD_S)
{
	const uint64_t total = (uint64_t)self->senders * self->msgs;
	uint32_t next[MAX_SENDERS] = { 0 };
	uint64_t start = now_ns();
	struct mbox_info info;

	ASSERT_EQ(0, start_senders(self));
	for (uint64_t n = 0; n < total; n++) {
		struct payload p;
		struct mbox_recv r;
		int ret = recv_payload(self->owner, &p, &r);

		ASSERT_EQ(0, ret) TH_LOG("message %" PRIu64 " of %" PRIu64,
					 n, total);
		ASSERT_EQ((__u32)sizeof(p), r.msg_len);
		/* One priority: acceptance order, no gaps, no repeats. */
		ASSERT_EQ(n + 1, r.seq);
		ASSERT_GT(self->senders, p.sender);
		ASSERT_EQ(next[p.sender], p.counter)
			TH_LOG("sender %u", p.sender);
		next[p.sender]++;
	}
	EXPECT_EQ(0, wait_senders(self));
	for (unsigned int i = 0; i < self->senders; i++) {
		EXPECT_EQ(self->msgs, next[i]);
	}
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(total, info.sent);
	EXPECT_EQ(total, info.received);
	EXPECT_EQ(0U, info.queued);
	EXPECT_EQ(0U, info.waiting_senders);
	TH_LOG("%u senders x %u messages in %.2f s", self->senders, self->msgs,
	       (double)(now_ns() - start) / 1e9);
}

/* ------------------------------------------ several receiver threads */

struct rx_shared {
	int owner;
	unsigned int senders;
	unsigned int msgs;
	uint64_t total;
	_Atomic uint64_t *seq_seen;	/* bit per sequence number */
	_Atomic uint64_t *pair_seen;	/* bit per (sender, counter) */
	atomic_ulong received;
	atomic_int errors;
	char first_error[160];
	atomic_flag error_reported;
};

struct rx_thread {
	pthread_t thread;
	struct rx_shared *sh;
	unsigned long got;
};

static void rx_error(struct rx_shared *sh, const char *what, uint64_t a,
		     uint64_t b)
{
	atomic_fetch_add(&sh->errors, 1);
	if (!atomic_flag_test_and_set(&sh->error_reported))
		snprintf(sh->first_error, sizeof(sh->first_error),
			 "%s (%" PRIu64 ", %" PRIu64 ")", what, a, b);
}

static bool test_and_set_bit(_Atomic uint64_t *map, uint64_t bit)
{
	uint64_t mask = 1ULL << (bit % 64);

	return atomic_fetch_or(&map[bit / 64], mask) & mask;
}

static void *rx_fn(void *arg)
{
	struct rx_thread *t = arg;
	struct rx_shared *sh = t->sh;
	uint64_t last_seq = 0;

	for (;;) {
		struct payload p;
		struct mbox_recv r;
		int ret = recv_payload(sh->owner, &p, &r);

		if (ret) {
			rx_error(sh, "recv failed", (uint64_t)-ret, t->got);
			return NULL;
		}
		if (p.sender == POISON)
			return NULL;
		t->got++;
		atomic_fetch_add(&sh->received, 1);
		/* This receiver takes messages in acceptance order. */
		if (r.seq <= last_seq)
			rx_error(sh, "seq went backwards", last_seq, r.seq);
		last_seq = r.seq;
		if (r.seq < 1 || r.seq > sh->total) {
			rx_error(sh, "seq out of range", r.seq, sh->total);
			continue;
		}
		if (test_and_set_bit(sh->seq_seen, r.seq - 1))
			rx_error(sh, "seq received twice", r.seq, 0);
		if (p.sender >= sh->senders || p.counter >= sh->msgs) {
			rx_error(sh, "bad payload", p.sender, p.counter);
			continue;
		}
		if (test_and_set_bit(sh->pair_seen,
				     (uint64_t)p.sender * sh->msgs + p.counter))
			rx_error(sh, "message received twice", p.sender,
				 p.counter);
	}
}

static uint64_t count_bits(_Atomic uint64_t *map, uint64_t nbits)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < (nbits + 63) / 64; i++)
		n += (uint64_t)__builtin_popcountll(atomic_load(&map[i]));
	return n;
}

TEST_F_TIMEOUT(stress, four_receiver_threads_get_every_message_exactly_once,
	       HANG_GUARD_S)
{
	struct rx_shared sh;
	struct rx_thread rx[RECEIVERS];
	struct payload poison = { .sender = POISON, .counter = POISON };
	uint64_t start = now_ns();
	struct mbox_info info;
	size_t words;

	memset(&sh, 0, sizeof(sh));
	sh.owner = self->owner;
	sh.senders = self->senders;
	sh.msgs = self->msgs;
	sh.total = (uint64_t)self->senders * self->msgs;
	atomic_flag_clear(&sh.error_reported);
	words = (size_t)((sh.total + 63) / 64);
	sh.seq_seen = calloc(words, sizeof(uint64_t));
	sh.pair_seen = calloc(words, sizeof(uint64_t));
	ASSERT_NE(NULL, sh.seq_seen);
	ASSERT_NE(NULL, sh.pair_seen);

	for (int i = 0; i < RECEIVERS; i++) {
		rx[i].sh = &sh;
		rx[i].got = 0;
		ASSERT_EQ(0, pthread_create(&rx[i].thread, NULL, rx_fn, &rx[i]));
	}
	ASSERT_EQ(0, start_senders(self));
	EXPECT_EQ(0, wait_senders(self));
	/*
	 * Every real message was accepted before these: they come last.  Timed,
	 * so that receivers that died with the mailbox full fail the test
	 * instead of hanging it.
	 */
	for (int i = 0; i < RECEIVERS; i++) {
		struct timespec until;

		ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &until));
		until.tv_sec += RECV_WAIT_NS / NSEC_PER_SEC;
		ASSERT_EQ(0, mbox_send_timed(self->owner, &poison,
					     sizeof(poison), 0, &until))
			TH_LOG("%s", sh.first_error);
	}
	for (int i = 0; i < RECEIVERS; i++)
		pthread_join(rx[i].thread, NULL);

	EXPECT_EQ(0, atomic_load(&sh.errors)) TH_LOG("%s", sh.first_error);
	EXPECT_EQ(sh.total, (uint64_t)atomic_load(&sh.received));
	EXPECT_EQ(sh.total, count_bits(sh.seq_seen, sh.total));
	EXPECT_EQ(sh.total, count_bits(sh.pair_seen, sh.total));
	ASSERT_EQ(0, mbox_info(self->owner, &info));
	EXPECT_EQ(sh.total + RECEIVERS, info.sent);
	EXPECT_EQ(sh.total + RECEIVERS, info.received);
	EXPECT_EQ(0U, info.queued);
	TH_LOG("receivers got %lu/%lu/%lu/%lu of %" PRIu64 " in %.2f s",
	       rx[0].got, rx[1].got, rx[2].got, rx[3].got, sh.total,
	       (double)(now_ns() - start) / 1e9);
	free(sh.seq_seen);
	free(sh.pair_seen);
}

TEST_HARNESS_MAIN
