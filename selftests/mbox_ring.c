// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_ring: the shared ring (MBOX_IOC_RING_*, mmap of MBOX_RING_OFF_*,
 * libmbox's mbox_ring.h).
 *
 * Most tests map both sides in one process: the consumer view through the
 * owner handle, the producer view through the user handle.  Ring mappings
 * are not inherited by fork(), so children map again through the handles
 * they inherit.  Nothing waits without a deadline that ends the test.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"
#include <mbox/mbox_ring.h>

#include <setjmp.h>
#include <sys/epoll.h>

#define MSG_SIZE	256
#define NSLOTS		8
#define SLOT_SIZE	64
#define PAYLOAD		(SLOT_SIZE - 16)
#define WAIT_MS		10000	/* deadlines of waits that must not expire */

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static struct timespec deadline_ms(unsigned int ms)
{
	return ns_to_ts(now_ns() + (uint64_t)ms * NSEC_PER_MSEC);
}

/* mmap() returning 0 or -errno, the address in *@out. */
static int map_raw(int fd, size_t len, int prot, int flags, uint64_t off,
		   void **out)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static int ring_wait_raw(int fd, uint32_t flags, uint64_t timeout_ns)
{
	struct mbox_ring_wait w;

	memset(&w, 0, sizeof(w));
	w.flags = flags;
	w.timeout_ns = timeout_ns;
	return xioctl(fd, MBOX_IOC_RING_WAIT, &w);
}

FIXTURE(ring) {
	int owner;
	int user;
	uint64_t id;
	struct mbox_ring cons;
	struct mbox_ring prod;
};

FIXTURE_SETUP(ring)
{
	struct mbox_attr a = MBOX_ATTR_BOUNDED(8, MSG_SIZE);

	memset(&self->cons, 0, sizeof(self->cons));
	memset(&self->prod, 0, sizeof(self->prod));
	self->cons.fd = self->prod.fd = -1;
	a.mode = 0666;
	a.fd_flags = O_CLOEXEC;
	self->owner = mbox_create(&a, NULL, &self->id);
	ASSERT_LE(0, self->owner) TH_LOG("create: %s", strerror(-self->owner));
	self->user = mbox_open_id(self->id, O_CLOEXEC);
	ASSERT_LE(0, self->user) TH_LOG("open: %s", strerror(-self->user));
}

FIXTURE_TEARDOWN(ring)
{
	reap_children();
	if (self->cons.ctrl)
		mbox_ring_unmap(&self->cons);
	if (self->prod.ctrl)
		mbox_ring_unmap(&self->prod);
	if (self->user >= 0)
		close(self->user);
	if (self->owner >= 0)
		close(self->owner);
}

/* Set up the default ring and map both sides. */
static int ring_up(FIXTURE_DATA(ring) *self, uint32_t nslots,
		   uint32_t slot_size)
{
	int ret = mbox_ring_setup(self->owner, nslots, slot_size);

	if (ret)
		return ret;
	ret = mbox_ring_map(&self->cons, self->owner);
	if (ret)
		return ret;
	return mbox_ring_map(&self->prod, self->user);
}

static uint32_t ctrl_flags(const struct mbox_ring *r)
{
	return MBOX_RING_LOAD(&r->ctrl->flags, memory_order_relaxed);
}

/* --------------------------------------------------------------- set-up */

TEST(version_reports_the_ring_feature)
{
	struct mbox_version v;

	ASSERT_EQ(0, mbox_version(&v));
	EXPECT_TRUE(v.features & MBOX_FEAT_RING);
}

TEST_F(ring, setup_reports_the_producer_part_size)
{
	struct mbox_ring_setup s;

	memset(&s, 0, sizeof(s));
	s.nslots = 64;
	s.slot_size = 128;
	ASSERT_EQ(0, xioctl(self->owner, MBOX_IOC_RING_SETUP, &s));
	EXPECT_EQ(0, s.prod_size % page_size());
	EXPECT_LE(64 + 64 * 128, s.prod_size);
}

TEST_F(ring, setup_on_a_user_handle_fails_eperm)
{
	EXPECT_EQ(-EPERM, mbox_ring_setup(self->user, NSLOTS, SLOT_SIZE));
}

TEST_F(ring, setup_twice_fails_ebusy)
{
	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EBUSY, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
}

TEST_F(ring, setup_after_mapping_fails_ebusy)
{
	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EBUSY, mbox_ring_setup(self->owner, 16, SLOT_SIZE));
	EXPECT_EQ(NSLOTS, self->cons.ctrl->nslots);
}

TEST_F(ring, setup_with_zero_slots_fails_einval)
{
	EXPECT_EQ(-EINVAL, mbox_ring_setup(self->owner, 0, SLOT_SIZE));
}

TEST_F(ring, setup_with_slots_not_a_power_of_two_fails_einval)
{
	EXPECT_EQ(-EINVAL, mbox_ring_setup(self->owner, 12, SLOT_SIZE));
}

TEST_F(ring, setup_with_too_many_slots_fails_einval)
{
	EXPECT_EQ(-EINVAL, mbox_ring_setup(self->owner,
					   2 * MBOX_RING_SLOTS_MAX, 32));
}

TEST_F(ring, setup_with_slot_size_not_a_multiple_of_8_fails_einval)
{
	EXPECT_EQ(-EINVAL, mbox_ring_setup(self->owner, NSLOTS, 60));
}

TEST_F(ring, setup_with_slot_size_below_minimum_fails_einval)
{
	EXPECT_EQ(-EINVAL, mbox_ring_setup(self->owner, NSLOTS,
					   MBOX_RING_SLOT_SIZE_MIN - 8));
}

TEST_F(ring, setup_with_payload_above_msg_size_fails_einval)
{
	EXPECT_EQ(-EINVAL, mbox_ring_setup(self->owner, NSLOTS,
					   MSG_SIZE + 16 + 8));
	EXPECT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, MSG_SIZE + 16));
}

TEST_F(ring, setup_above_total_byte_limit_fails_einval)
{
	struct mbox_attr a = MBOX_ATTR_BOUNDED(8, 65536);
	int big = mbox_create(&a, NULL, NULL);

	ASSERT_LE(0, big);
	EXPECT_EQ(-EINVAL, mbox_ring_setup(big, 1024, 65536));
	close(big);
}

TEST_F(ring, setup_with_flags_fails_einval)
{
	struct mbox_ring_setup s;

	memset(&s, 0, sizeof(s));
	s.nslots = NSLOTS;
	s.slot_size = SLOT_SIZE;
	s.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->owner, MBOX_IOC_RING_SETUP, &s));
}

TEST_F(ring, setup_with_reserved_fields_fails_einval)
{
	struct mbox_ring_setup s;

	memset(&s, 0, sizeof(s));
	s.nslots = NSLOTS;
	s.slot_size = SLOT_SIZE;
	s.reserved[2] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->owner, MBOX_IOC_RING_SETUP, &s));
	s.reserved[2] = 0;
	s.reserved0 = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->owner, MBOX_IOC_RING_SETUP, &s));
}

TEST_F(ring, setup_from_a_bad_pointer_fails_efault_and_sets_nothing_up)
{
	EXPECT_EQ(-EFAULT, xioctl(self->owner, MBOX_IOC_RING_SETUP, bad_ptr()));
	EXPECT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
}

TEST_F(ring, setup_beyond_the_user_byte_quota_fails_enobufs)
{
	unsigned long long saved;
	int ret;

	ASSERT_EQ(0, param_read("user_bytes_max", &saved));
	ASSERT_EQ(0, param_write("user_bytes_max", 4096));
	ret = mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE);
	param_write("user_bytes_max", saved);
	EXPECT_EQ(-ENOBUFS, ret);
}

/* ---------------------------------------------------------------- mmap */

TEST_F(ring, mmap_without_a_ring_fails_enodev)
{
	void *p = NULL;

	EXPECT_EQ(-ENODEV, map_raw(self->owner, page_size(), PROT_READ,
				   MAP_SHARED, MBOX_RING_OFF_CTRL, &p));
}

TEST_F(ring, mmap_of_an_unknown_offset_fails_einval)
{
	void *p = NULL;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EINVAL, map_raw(self->user, page_size(), PROT_READ,
				   MAP_SHARED, page_size(), &p));
}

TEST_F(ring, mmap_with_a_wrong_length_fails_einval)
{
	void *p = NULL;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EINVAL, map_raw(self->user, 2 * page_size(), PROT_READ,
				   MAP_SHARED, MBOX_RING_OFF_CTRL, &p));
}

TEST_F(ring, private_mapping_fails_einval)
{
	void *p = NULL;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EINVAL, map_raw(self->user, page_size(), PROT_READ,
				   MAP_PRIVATE, MBOX_RING_OFF_CTRL, &p));
}

TEST_F(ring, writable_mapping_of_ctrl_fails_eacces)
{
	void *p = NULL;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EACCES, map_raw(self->owner, page_size(),
				   PROT_READ | PROT_WRITE, MAP_SHARED,
				   MBOX_RING_OFF_CTRL, &p));
}

TEST_F(ring, user_handle_mapping_consumer_side_writable_fails_eacces)
{
	void *p = NULL;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EACCES, map_raw(self->user, page_size(),
				   PROT_READ | PROT_WRITE, MAP_SHARED,
				   MBOX_RING_OFF_CONS, &p));
}

TEST_F(ring, owner_handle_mapping_producer_side_writable_fails_eacces)
{
	struct mbox_ring_setup s;
	void *p = NULL;

	memset(&s, 0, sizeof(s));
	s.nslots = NSLOTS;
	s.slot_size = SLOT_SIZE;
	ASSERT_EQ(0, xioctl(self->owner, MBOX_IOC_RING_SETUP, &s));
	EXPECT_EQ(-EACCES, map_raw(self->owner, s.prod_size,
				   PROT_READ | PROT_WRITE, MAP_SHARED,
				   MBOX_RING_OFF_PROD, &p));
}

TEST_F(ring, executable_mapping_fails_eacces)
{
	void *p = NULL;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EACCES, map_raw(self->owner, page_size(),
				   PROT_READ | PROT_EXEC, MAP_SHARED,
				   MBOX_RING_OFF_CTRL, &p));
}

TEST_F(ring, read_only_part_cannot_be_made_writable_by_mprotect)
{
	void *p = NULL;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, map_raw(self->user, page_size(), PROT_READ, MAP_SHARED,
			     MBOX_RING_OFF_CONS, &p));
	EXPECT_EQ(-1, mprotect(p, page_size(), PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, page_size());
}

TEST_F(ring, mapping_cannot_grow_with_mremap)
{
	void *p = NULL, *q;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, map_raw(self->user, page_size(), PROT_READ, MAP_SHARED,
			     MBOX_RING_OFF_CTRL, &p));
	q = mremap(p, page_size(), 2 * page_size(), MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	munmap(q == MAP_FAILED ? p : q, page_size());
}

TEST_F(ring, mmap_after_owner_death_fails_epipe)
{
	void *p = NULL;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	close(self->owner);
	self->owner = -1;
	EXPECT_EQ(-EPIPE, map_raw(self->user, page_size(), PROT_READ,
				  MAP_SHARED, MBOX_RING_OFF_CTRL, &p));
}

TEST_F(ring, ctrl_describes_the_geometry)
{
	ASSERT_EQ(0, ring_up(self, 16, 128));
	EXPECT_EQ(16, self->prod.ctrl->nslots);
	EXPECT_EQ(128, self->prod.ctrl->slot_size);
	EXPECT_EQ(112, self->prod.payload_max);
	EXPECT_EQ(0, self->prod.ctrl->flags);
	EXPECT_EQ(0, self->prod.ctrl->prod_size % page_size());
}

/* ------------------------------------------------------- wait and wake */

TEST_F(ring, wait_without_a_ring_fails_enodev)
{
	EXPECT_EQ(-ENODEV, ring_wait_raw(self->owner, MBOX_MSG_NONBLOCK, 0));
}

TEST_F(ring, wait_with_unknown_flags_fails_einval)
{
	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EINVAL, ring_wait_raw(self->owner, 1u << 7, 0));
}

TEST_F(ring, wait_with_reserved_fields_fails_einval)
{
	struct mbox_ring_wait w;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	memset(&w, 0, sizeof(w));
	w.flags = MBOX_MSG_NONBLOCK;
	w.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->owner, MBOX_IOC_RING_WAIT, &w));
}

TEST_F(ring, wait_with_timeout_but_no_timeout_flag_fails_einval)
{
	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EINVAL, ring_wait_raw(self->owner, MBOX_MSG_NONBLOCK, 5));
}

TEST_F(ring, wait_with_timeout_beyond_ktime_max_fails_einval)
{
	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EINVAL, ring_wait_raw(self->owner, MBOX_MSG_TIMEOUT,
					 UINT64_MAX));
}

TEST_F(ring, wait_from_a_bad_pointer_fails_efault)
{
	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EFAULT, xioctl(self->owner, MBOX_IOC_RING_WAIT, bad_ptr()));
}

TEST_F(ring, consumer_wait_on_an_empty_ring_nonblock_fails_eagain)
{
	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EAGAIN, ring_wait_raw(self->owner, MBOX_MSG_NONBLOCK, 0));
}

TEST_F(ring, consumer_wait_on_an_o_nonblock_handle_fails_eagain)
{
	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, fcntl(self->owner, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, ring_wait_raw(self->owner, 0, 0));
}

TEST_F(ring, consumer_wait_past_its_deadline_fails_etimedout)
{
	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-ETIMEDOUT,
		  ring_wait_raw(self->owner, MBOX_MSG_TIMEOUT,
				now_ns() + 20 * NSEC_PER_MSEC));
}

TEST_F(ring, consumer_wait_with_a_message_returns_at_once)
{
	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(0, ring_wait_raw(self->owner, MBOX_MSG_TIMEOUT, 1));
}

TEST_F(ring, producer_wait_on_a_full_ring_nonblock_fails_eagain)
{
	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	for (int i = 0; i < NSLOTS; i++)
		ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(-EAGAIN, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(-EAGAIN, ring_wait_raw(self->user, MBOX_MSG_NONBLOCK, 0));
}

TEST_F(ring, producer_wait_on_a_ring_with_room_returns_at_once)
{
	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(0, ring_wait_raw(self->user, 0, 0));
}

TEST_F(ring, wake_with_a_nonzero_argument_fails_einval)
{
	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EINVAL, xioctl(self->user, MBOX_IOC_RING_WAKE,
				  (void *)1));
}

TEST_F(ring, wake_without_a_ring_fails_enodev)
{
	EXPECT_EQ(-ENODEV, xioctl(self->user, MBOX_IOC_RING_WAKE, NULL));
}

TEST_F(ring, wake_on_either_side_succeeds)
{
	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(0, xioctl(self->user, MBOX_IOC_RING_WAKE, NULL));
	EXPECT_EQ(0, xioctl(self->owner, MBOX_IOC_RING_WAKE, NULL));
}

TEST_F(ring, unknown_ring_command_fails_enotty)
{
	EXPECT_EQ(-ENOTTY, xioctl(self->owner, _IO(MBOX_IOC_MAGIC, 0x2f),
				  NULL));
}

static atomic_int signals_seen;

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&signals_seen, 1);
}

struct waiter {
	pthread_t thread;
	struct mbox_ring *r;
	int fd;
	atomic_int done;
	int ret;
	pid_t tid;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	w->tid = (pid_t)syscall(SYS_gettid);
	w->ret = ring_wait_raw(w->fd, MBOX_MSG_TIMEOUT,
			       now_ns() + WAIT_MS * NSEC_PER_MSEC);
	atomic_store(&w->done, 1);
	return NULL;
}

static int waiter_start(struct waiter *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->tid = 0;
	if (pthread_create(&w->thread, NULL, waiter_fn, w))
		return -EAGAIN;
	while (!__atomic_load_n(&w->tid, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	return wait_blocked_in_ioctl(getpid(), w->tid, MBOX_IOC_RING_WAIT);
}

static int waiter_join(struct waiter *w)
{
	uint64_t deadline = now_ns() + WAIT_MS * NSEC_PER_MSEC;

	while (!atomic_load(&w->done)) {
		if (now_ns() > deadline)
			return -ETIME;
		sleep_ms(1);
	}
	pthread_join(w->thread, NULL);
	return w->ret;
}

TEST_F(ring, consumer_wait_interrupted_by_a_signal_fails_eintr)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct waiter w;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, waiter_start(&w, self->owner));
	pthread_kill(w.thread, SIGUSR1);
	EXPECT_EQ(-EINTR, waiter_join(&w));
}

TEST_F(ring, consumer_wait_restarts_under_sa_restart_and_sees_the_message)
{
	struct sigaction sa = { .sa_handler = on_signal,
				.sa_flags = SA_RESTART };
	struct waiter w;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, waiter_start(&w, self->owner));
	pthread_kill(w.thread, SIGUSR1);
	while (!atomic_load(&signals_seen))
		sleep_ms(1);
	ASSERT_EQ(0, wait_blocked_in_ioctl(getpid(), w.tid,
					   MBOX_IOC_RING_WAIT));
	EXPECT_FALSE(atomic_load(&w.done));
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(0, waiter_join(&w));
}

TEST_F(ring, sleeping_consumer_is_woken_by_a_commit)
{
	struct waiter w;
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, waiter_start(&w, self->owner));
	EXPECT_NE(0, self->prod.cons->need_wake);
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "hello", 5, 9));
	EXPECT_EQ(0, waiter_join(&w));
	EXPECT_EQ(5, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf), NULL));
}

TEST_F(ring, sleeping_producer_is_woken_by_a_release)
{
	struct waiter w;
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	for (int i = 0; i < NSLOTS; i++)
		ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	ASSERT_EQ(0, waiter_start(&w, self->user));
	EXPECT_EQ(1, self->cons.ctrl->prod_waiters);
	EXPECT_EQ(1, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, waiter_join(&w));
	EXPECT_EQ(0, self->cons.ctrl->prod_waiters);
}

/* ------------------------------------------------------------ messages */

TEST_F(ring, round_trip_preserves_payload_and_type)
{
	char out[PAYLOAD], in[PAYLOAD];
	uint32_t type = 0;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + 3);
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, out, PAYLOAD, 0xabcd));
	ASSERT_EQ(PAYLOAD, mbox_ring_recv_nb(&self->cons, in, sizeof(in),
					     &type));
	EXPECT_EQ(0, memcmp(out, in, PAYLOAD));
	EXPECT_EQ(0xabcd, type);
}

TEST_F(ring, empty_ring_recv_fails_eagain)
{
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EAGAIN, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf),
					     NULL));
	/*
	 * A consumer that only looks asks for no wake-ups: the kernel raises
	 * need_wake when it sleeps or polls (see the next tests).
	 */
	EXPECT_EQ(0, self->cons.cons->need_wake);
}

TEST_F(ring, full_ring_send_fails_eagain_until_a_slot_is_released)
{
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	for (int i = 0; i < NSLOTS; i++)
		ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(-EAGAIN, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(1, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(-EAGAIN, mbox_ring_send_nb(&self->prod, "x", 1, 0));
}

TEST_F(ring, message_above_the_slot_payload_fails_emsgsize)
{
	char buf[PAYLOAD + 1] = "";

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(-EMSGSIZE, mbox_ring_send_nb(&self->prod, buf, sizeof(buf),
					       0));
}

TEST_F(ring, recv_into_a_short_buffer_fails_emsgsize_and_keeps_it)
{
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "abcdef", 6, 0));
	EXPECT_EQ(-EMSGSIZE, mbox_ring_recv_nb(&self->cons, buf, 3, NULL));
	EXPECT_EQ(6, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf), NULL));
}

TEST_F(ring, zero_copy_reserve_commit_and_abort)
{
	struct mbox_ring_res a, b;
	struct mbox_ring_msg m;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, mbox_ring_reserve(&self->prod, &a));
	ASSERT_EQ(0, mbox_ring_reserve(&self->prod, &b));
	EXPECT_EQ(PAYLOAD, a.room);
	memcpy(b.buf, "second", 6);
	/* Committed out of order: the consumer still waits for slot a. */
	ASSERT_EQ(0, mbox_ring_commit(&self->prod, &b, 6, 2));
	EXPECT_EQ(-EAGAIN, mbox_ring_peek(&self->cons, &m));
	ASSERT_EQ(0, mbox_ring_abort(&self->prod, &a));
	ASSERT_EQ(0, mbox_ring_peek(&self->cons, &m));
	EXPECT_EQ(6, m.len);
	EXPECT_EQ(2, m.type);
	EXPECT_EQ(0, memcmp(m.buf, "second", 6));
	EXPECT_EQ(0, mbox_ring_release(&self->cons));
	EXPECT_EQ(-EAGAIN, mbox_ring_peek(&self->cons, &m));
}

TEST_F(ring, commit_longer_than_the_room_fails_emsgsize_and_is_skipped)
{
	struct mbox_ring_res res;
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, mbox_ring_reserve(&self->prod, &res));
	EXPECT_EQ(-EMSGSIZE, mbox_ring_commit(&self->prod, &res,
					      PAYLOAD + 1, 0));
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "ok", 2, 0));
	EXPECT_EQ(2, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf), NULL));
}

TEST_F(ring, ioctl_and_ring_paths_are_independent_queues)
{
	char buf[MSG_SIZE];
	struct mbox_recv r;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "ring", 4, 0));
	EXPECT_EQ(-EAGAIN, recv_msg(self->owner, buf, sizeof(buf),
				    MBOX_MSG_NONBLOCK, &r));
	ASSERT_EQ(0, send_msg(self->user, "ioctl", 5, 0, 0, 0));
	EXPECT_EQ(4, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf), NULL));
	EXPECT_EQ(-EAGAIN, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf),
					     NULL));
	EXPECT_EQ(0, recv_msg(self->owner, buf, sizeof(buf),
			      MBOX_MSG_NONBLOCK, &r));
	EXPECT_EQ(5, r.msg_len);
}

TEST_F(ring, owner_polls_readable_for_a_ring_message)
{
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	EXPECT_EQ(0, poll_one(self->owner, POLLIN, 0));
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(POLLIN, poll_one(self->owner, POLLIN, 0) & POLLIN);
	EXPECT_EQ(1, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, poll_one(self->owner, POLLIN, 0));
}

TEST_F(ring, epoll_waiter_is_woken_by_a_commit_from_another_process)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int ep, go[2];
	pid_t pid;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->owner, &ev));
	ASSERT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ(0, pipe(go));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_ring r;
		uint64_t v;
		int ret = mbox_ring_map(&r, self->user);

		if (ret)
			child_exit(ret);
		if (pipe_read_u64(go[0], &v))
			child_exit(-EIO);
		child_exit(mbox_ring_send_nb(&r, "x", 1, 0));
	}
	ASSERT_EQ(0, pipe_write_u64(go[1], 1));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, WAIT_MS));
	EXPECT_EQ(0, child_wait(pid));
	close(go[0]);
	close(go[1]);
	close(ep);
}

/* Receives @count messages "<producer id, number>" and checks FIFO order. */
static int consume_counted(struct mbox_ring *r, unsigned int producers,
			   unsigned int count)
{
	uint32_t next[16] = { 0 };
	uint32_t msg[2], type;
	struct timespec dl;
	ssize_t n;

	for (unsigned int i = 0; i < producers * count; i++) {
		dl = deadline_ms(WAIT_MS);
		n = mbox_ring_recv_timed(r, msg, sizeof(msg), &type, &dl);
		if (n < 0)
			return (int)n;
		if (n != sizeof(msg) || msg[0] >= producers || type != msg[0])
			return -EBADMSG;
		if (msg[1] != next[msg[0]]++)
			return -EPROTO;
	}
	for (unsigned int p = 0; p < producers; p++)
		if (next[p] != count)
			return -EPROTO;
	return 0;
}

static int produce_counted(int fd, uint32_t id, unsigned int count)
{
	struct mbox_ring r;
	struct timespec dl;
	uint32_t msg[2];
	int ret = mbox_ring_map(&r, fd);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < count && !ret; i++) {
		msg[0] = id;
		msg[1] = i;
		dl = deadline_ms(WAIT_MS);
		ret = mbox_ring_send_timed(&r, msg, sizeof(msg), id, &dl);
	}
	mbox_ring_unmap(&r);
	return ret;
}

TEST_F(ring, one_producer_order_and_exactly_once_across_many_wraps)
{
	pid_t pid;

	ASSERT_EQ(0, ring_up(self, 4, SLOT_SIZE));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		child_exit(produce_counted(self->user, 0, 5000));
	EXPECT_EQ(0, consume_counted(&self->cons, 1, 5000));
	EXPECT_EQ(0, child_wait(pid));
	EXPECT_EQ(0, self->cons.ctrl->prod_waiters);
}

TEST_F(ring, eight_producers_each_fifo_and_exactly_once_under_contention)
{
	pid_t pids[8];

	ASSERT_EQ(0, ring_up(self, 16, SLOT_SIZE));
	for (uint32_t p = 0; p < 8; p++) {
		pids[p] = fork_child();
		ASSERT_LE(0, pids[p]);
		if (pids[p] == 0)
			child_exit(produce_counted(self->user, p, 1000));
	}
	EXPECT_EQ(0, consume_counted(&self->cons, 8, 1000));
	for (int p = 0; p < 8; p++)
		EXPECT_EQ(0, child_wait(pids[p]));
	EXPECT_EQ(-EAGAIN, mbox_ring_peek(&self->cons,
					  &(struct mbox_ring_msg){ 0 }));
}

TEST_F(ring, indices_wrap_around_2_pow_32_without_loss)
{
	const uint32_t base = UINT32_MAX - 20;
	uint32_t in[2], out[2] = { 0, 0 }, type = 0, next_out = 0, next_in = 0;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	/* Move an empty ring to just below the wrap, consistently. */
	for (uint32_t i = base; i != base + NSLOTS; i++)
		mbox_ring_slot_(&self->prod, i)->seq = i + 1 - NSLOTS;
	self->prod.prod->tail = base;
	self->cons.cons->head = base;
	self->cons.head = base;
	/* Batches of 1 to 5 messages, so the wrap is crossed mid-batch. */
	for (uint32_t i = 0; i < 100; i++) {
		for (uint32_t k = 0; k < 1 + i % 5; k++) {
			out[1] = next_out++;
			ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, out,
						       sizeof(out), out[1]));
		}
		while (next_in < next_out) {
			ASSERT_EQ(8, mbox_ring_recv_nb(&self->cons, in,
						       sizeof(in), &type));
			ASSERT_EQ(next_in, in[1]);
			ASSERT_EQ(next_in, type);
			next_in++;
		}
	}
	EXPECT_EQ(base + next_out, self->cons.head);
	EXPECT_LT(self->cons.head, base);	/* it wrapped */
	EXPECT_EQ(0, ctrl_flags(&self->cons));
	EXPECT_EQ(-EAGAIN, ring_wait_raw(self->owner, MBOX_MSG_NONBLOCK, 0));
}

/* ---------------------------------------------------------- owner death */

TEST_F(ring, owner_death_sets_dead_and_producers_get_epipe)
{
	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	mbox_ring_unmap(&self->cons);
	close(self->owner);
	self->owner = -1;
	EXPECT_EQ(MBOX_RING_DEAD, ctrl_flags(&self->prod));
	EXPECT_EQ(-EPIPE, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(-EPIPE, ring_wait_raw(self->user, MBOX_MSG_NONBLOCK, 0));
	EXPECT_EQ(-EPIPE, xioctl(self->user, MBOX_IOC_RING_WAKE, NULL));
	/* The mapping stays valid. */
	mbox_ring_slot_(&self->prod, 0)->type = 1;
	EXPECT_EQ(NSLOTS, self->prod.ctrl->nslots);
}

TEST_F(ring, owner_death_wakes_a_sleeping_producer_with_epipe)
{
	struct waiter w;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	for (int i = 0; i < NSLOTS; i++)
		ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	ASSERT_EQ(0, waiter_start(&w, self->user));
	mbox_ring_unmap(&self->cons);
	close(self->owner);
	self->owner = -1;
	EXPECT_EQ(-EPIPE, waiter_join(&w));
}

TEST_F(ring, owner_mapping_keeps_the_mailbox_alive_until_unmapped)
{
	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	close(self->owner);
	self->owner = -1;
	/* The library's copy of the handle and the mappings remain. */
	EXPECT_EQ(MBOX_STATE_ALIVE, info_or_zero(self->user).state);
	EXPECT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	mbox_ring_unmap(&self->cons);
	EXPECT_EQ(MBOX_STATE_DEAD, info_or_zero(self->user).state);
	EXPECT_EQ(-EPIPE, mbox_ring_send_nb(&self->prod, "x", 1, 0));
}

TEST_F(ring, raw_mapping_outlives_every_handle_close)
{
	struct mbox_ring_ctrl *c;
	void *p = NULL;

	ASSERT_EQ(0, mbox_ring_setup(self->owner, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, map_raw(self->user, page_size(), PROT_READ, MAP_SHARED,
			     MBOX_RING_OFF_CTRL, &p));
	c = p;
	close(self->user);
	self->user = -1;
	EXPECT_EQ(0, c->flags);
	close(self->owner);
	self->owner = -1;
	EXPECT_EQ(MBOX_RING_DEAD, c->flags);
	EXPECT_EQ(NSLOTS, c->nslots);
	EXPECT_EQ(0, munmap(p, page_size()));
}

/* --------------------------------------------------------------- fork */

static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_jmp, 1);
}

TEST_F(ring, forked_child_does_not_inherit_the_mapping)
{
	pid_t pid;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_segv };
		volatile uint32_t n;

		sigaction(SIGSEGV, &sa, NULL);
		if (sigsetjmp(segv_jmp, 1))
			child_exit(0);
		n = self->prod.ctrl->nslots;
		(void)n;
		child_exit(-EEXIST);
	}
	EXPECT_EQ(0, child_wait(pid));
	/* The parent's mapping is untouched. */
	EXPECT_EQ(0, mbox_ring_send_nb(&self->prod, "x", 1, 0));
}

TEST_F(ring, forked_child_maps_again_and_sends)
{
	char buf[PAYLOAD];
	struct timespec dl = deadline_ms(WAIT_MS);
	pid_t pid;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_ring r;
		int ret = mbox_ring_map(&r, self->user);

		child_exit(ret ? ret : mbox_ring_send_nb(&r, "child", 5, 1));
	}
	EXPECT_EQ(5, mbox_ring_recv_timed(&self->cons, buf, sizeof(buf),
					  NULL, &dl));
	EXPECT_EQ(0, child_wait(pid));
}

/* ------------------------------------------------------ hostile writers */

TEST_F(ring, tail_beyond_the_ring_marks_it_corrupt_for_everyone)
{
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	self->prod.prod->tail = NSLOTS + 5;
	EXPECT_EQ(-EBADMSG, ring_wait_raw(self->owner, MBOX_MSG_NONBLOCK, 0));
	EXPECT_EQ(MBOX_RING_CORRUPT, ctrl_flags(&self->prod));
	EXPECT_EQ(-EBADMSG, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(-EBADMSG, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf),
					      NULL));
	EXPECT_EQ(-EBADMSG, ring_wait_raw(self->user, 0, 0));
	/* The ioctl path is not affected. */
	EXPECT_EQ(0, send_msg(self->user, "x", 1, 0, 0, 0));
}

TEST_F(ring, tail_behind_the_head_is_caught_by_the_producer_fast_path)
{
	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	self->prod.prod->tail = (uint32_t)-3;
	EXPECT_EQ(-EBADMSG, mbox_ring_send_nb(&self->prod, "x", 1, 0));
	EXPECT_EQ(MBOX_RING_CORRUPT, ctrl_flags(&self->prod));
}

TEST_F(ring, garbage_commit_word_is_caught_by_the_consumer)
{
	struct mbox_ring_msg m;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	mbox_ring_slot_(&self->prod, 0)->seq = 0x12345678;
	EXPECT_EQ(-EBADMSG, mbox_ring_peek(&self->cons, &m));
	EXPECT_EQ(MBOX_RING_CORRUPT, ctrl_flags(&self->cons));
}

TEST_F(ring, garbage_commit_word_ends_a_sleeping_consumer_with_ebadmsg)
{
	struct waiter w;

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, waiter_start(&w, self->owner));
	mbox_ring_slot_(&self->prod, 0)->seq = 0x12345678;
	/* A hostile producer's wake makes the kernel look again. */
	ASSERT_EQ(0, xioctl(self->user, MBOX_IOC_RING_WAKE, NULL));
	EXPECT_EQ(-EBADMSG, waiter_join(&w));
}

TEST_F(ring, record_with_a_bad_length_is_dropped_with_ebadmsg)
{
	struct mbox_ring_res res;
	char buf[PAYLOAD];

	ASSERT_EQ(0, ring_up(self, NSLOTS, SLOT_SIZE));
	ASSERT_EQ(0, mbox_ring_reserve(&self->prod, &res));
	res.room = UINT32_MAX;	/* a producer that ignores the room */
	ASSERT_EQ(0, mbox_ring_commit(&self->prod, &res, 100000, 0));
	ASSERT_EQ(0, mbox_ring_send_nb(&self->prod, "ok", 2, 0));
	EXPECT_EQ(-EBADMSG, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf),
					      NULL));
	EXPECT_EQ(2, mbox_ring_recv_nb(&self->cons, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, ctrl_flags(&self->cons));
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Scribble random words over the producer part for @ms milliseconds: all
 * of it, or only the slots (so that the ring is not declared corrupt at
 * once through the tail).
 */
static int scribble(int fd, unsigned int ms, uint64_t seed, bool slots_only)
{
	uint64_t end = now_ns() + (uint64_t)ms * NSEC_PER_MSEC;
	struct mbox_ring r;
	uint32_t *words;
	size_t nwords;
	int ret = mbox_ring_map(&r, fd);

	if (ret)
		return ret;
	words = (uint32_t *)(void *)(slots_only ? r.slots :
				     (unsigned char *)r.prod);
	nwords = slots_only ? (size_t)r.nslots * r.slot_size / sizeof(uint32_t) :
			      r.prod_len / sizeof(uint32_t);
	while (now_ns() < end) {
		uint64_t v = rng_next(&seed);

		words[(v >> 32) % nwords] = (uint32_t)v;
		if ((v & 0xff) == 0)
			mbox_ring_wake(&r);
	}
	return 0;
}

/* A producer that accepts every outcome a hostile ring may cause. */
static int produce_under_attack(int fd, unsigned int count)
{
	struct mbox_ring r;
	struct timespec dl;
	uint32_t msg[2] = { 0, 0 };
	int ret = mbox_ring_map(&r, fd), timeouts = 0;

	if (ret)
		return ret;
	for (unsigned int i = 0; i < count && timeouts < 3; i++) {
		msg[1] = i;
		dl = deadline_ms(500);
		ret = mbox_ring_send_timed(&r, msg, sizeof(msg), 0, &dl);
		if (ret == -ETIMEDOUT)
			timeouts++;
		else if (ret == -EBADMSG)
			break;
		else if (ret)
			return ret;
	}
	return 0;
}

static void hostile_pair(struct __test_metadata *_metadata,
			 FIXTURE_DATA(ring) *self, bool slots_only)
{
	unsigned int received = 0, bad = 0, timeouts = 0;
	pid_t producer, hostile;
	char buf[PAYLOAD];
	struct timespec dl;
	ssize_t n;

	ASSERT_EQ(0, ring_up(self, 16, SLOT_SIZE));
	producer = fork_child();
	ASSERT_LE(0, producer);
	if (producer == 0)
		child_exit(produce_under_attack(self->user, 20000));
	hostile = fork_child();
	ASSERT_LE(0, hostile);
	if (hostile == 0)
		child_exit(scribble(self->user, 1000, 0x9e3779b97f4a7c15ULL,
				    slots_only));

	for (;;) {
		dl = deadline_ms(500);
		n = mbox_ring_recv_timed(&self->cons, buf, sizeof(buf), NULL,
					 &dl);
		if (n >= 0) {
			ASSERT_LE(n, PAYLOAD);
			received++;
		} else if (n == -EBADMSG) {
			bad++;
			if (ctrl_flags(&self->cons) & MBOX_RING_CORRUPT)
				break;
		} else if (n == -ETIMEDOUT) {
			if (++timeouts >= 3)
				break;
		} else {
			ASSERT_EQ(0, n) TH_LOG("recv: %s", strerror((int)-n));
		}
	}
	/* Both sides come back; the kernel still answers. */
	EXPECT_EQ(0, child_wait(hostile));
	EXPECT_EQ(0, child_wait(producer));
	EXPECT_EQ(MBOX_STATE_ALIVE, info_or_zero(self->owner).state);
	TH_LOG("received %u, bad %u, timeouts %u, flags %#x", received, bad,
	       timeouts, ctrl_flags(&self->cons));
}

TEST_F(ring, hostile_scribbler_on_the_whole_part_never_hangs_the_pair)
{
	hostile_pair(_metadata, self, false);
}

TEST_F(ring, hostile_scribbler_on_the_slots_never_hangs_the_pair)
{
	hostile_pair(_metadata, self, true);
}

TEST_HARNESS_MAIN
