// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_create_open: every field of MBOX_IOC_CREATE and MBOX_IOC_OPEN, and
 * their error paths, one error per call; permissions and per-user limits.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#define MAX_FDS 64

FIXTURE(co) {
	int dev;
	struct mbox_version ver;
	int fds[MAX_FDS];
	int nfds;
	bool restore_mbmax;
	unsigned long long saved_mbmax;
};

FIXTURE_SETUP(co)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, xioctl(self->dev, MBOX_IOC_VERSION, &self->ver));
	self->nfds = 0;
	self->restore_mbmax = false;
}

FIXTURE_TEARDOWN(co)
{
	reap_children();
	for (int i = 0; i < self->nfds; i++)
		if (self->fds[i] >= 0)
			close(self->fds[i]);
	if (self->restore_mbmax) {
		EXPECT_EQ(0, param_write("user_mailboxes_max",
					 self->saved_mbmax));
	}
	close(self->dev);
}

/* Remember a descriptor for the teardown; returns it unchanged. */
static int track(FIXTURE_DATA(co) *self, int fd)
{
	if (fd >= 0 && self->nfds < MAX_FDS)
		self->fds[self->nfds++] = fd;
	return fd;
}

/* Close a tracked descriptor now. */
static void untrack_close(FIXTURE_DATA(co) *self, int fd)
{
	for (int i = 0; i < self->nfds; i++)
		if (self->fds[i] == fd)
			self->fds[i] = -1;
	close(fd);
}

static int do_create(FIXTURE_DATA(co) *self, struct mbox_create *c)
{
	return track(self, xioctl(self->dev, MBOX_IOC_CREATE, c));
}

static int do_open(FIXTURE_DATA(co) *self, struct mbox_open *o)
{
	return track(self, xioctl(self->dev, MBOX_IOC_OPEN, o));
}

static struct mbox_open open_req_id(uint64_t id)
{
	struct mbox_open o;

	memset(&o, 0, sizeof(o));
	o.id = id;
	o.fd_flags = O_CLOEXEC;
	return o;
}

static struct mbox_open open_req_name(const char *name)
{
	struct mbox_open o;

	memset(&o, 0, sizeof(o));
	o.name = (uintptr_t)name;
	o.fd_flags = O_CLOEXEC;
	return o;
}

/* A valid BOUNDED request with the given name (may be NULL). */
static struct mbox_create named_req(const char *name)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 4, 64);

	c.name = (uintptr_t)name;
	return c;
}

/* ------------------------------------------------------------ success */

TEST_F(co, create_anonymous_returns_owner_handle_and_nonzero_id)
{
	struct mbox_create c = named_req(NULL);
	struct mbox_info info;
	int fd;

	c.id = 0;
	fd = do_create(self, &c);
	ASSERT_LE(0, fd);
	EXPECT_NE(0ULL, c.id);
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(c.id, info.id);
	EXPECT_EQ((__u32)MBOX_ROLE_OWNER, info.role);
	EXPECT_EQ((__u32)MBOX_STATE_ALIVE, info.state);
	EXPECT_EQ('\0', info.name[0]);
}

TEST_F(co, create_reports_every_attribute_in_owner_info)
{
	char name[MBOX_NAME_MAX];
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 3, 100);
	struct mbox_info info;
	int fd;

	unique_name(name, sizeof(name), "attrs");
	c.flags = MBOX_CREATE_FIXED_SIZE;
	c.mode = 0620;
	c.name = (uintptr_t)name;
	fd = do_create(self, &c);
	ASSERT_LE(0, fd);
	memset(&info, 0xa5, sizeof(info));
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(c.id, info.id);
	EXPECT_EQ((__u32)MBOX_ROLE_OWNER, info.role);
	EXPECT_EQ((__u32)MBOX_STATE_ALIVE, info.state);
	EXPECT_EQ((__u32)MBOX_CREATE_FIXED_SIZE, info.flags);
	EXPECT_EQ((__u32)MBOX_CAPACITY_BOUNDED, info.capacity_mode);
	EXPECT_EQ(3U, info.capacity);
	EXPECT_EQ(100U, info.msg_size);
	EXPECT_EQ(0620U, info.mode);
	EXPECT_EQ((__u32)getuid(), info.owner_uid);
	EXPECT_EQ(0U, info.queued);
	EXPECT_EQ(0U, info.waiting_senders);
	EXPECT_EQ(0ULL, info.queued_bytes);
	EXPECT_EQ(0ULL, info.sent);
	EXPECT_EQ(0ULL, info.received);
	EXPECT_STREQ(name, info.name);
	for (size_t i = 0; i < ARRAY_SIZE(info.reserved); i++) {
		EXPECT_EQ(0ULL, info.reserved[i]);
	}
}

TEST_F(co, create_mode_zero_selects_0600)
{
	struct mbox_create c = named_req(NULL);
	struct mbox_info info;
	int fd;

	c.mode = 0;
	fd = do_create(self, &c);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(0600U, info.mode);
}

TEST_F(co, create_accepts_each_capacity_mode)
{
	static const __u32 modes[] = { MBOX_CAPACITY_ZERO,
				       MBOX_CAPACITY_BOUNDED,
				       MBOX_CAPACITY_UNBOUNDED };

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		struct mbox_create c = create_req(modes[i],
			modes[i] == MBOX_CAPACITY_BOUNDED ? 2 : 0, 16);
		struct mbox_info info;
		int fd = do_create(self, &c);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, mbox_info(fd, &info));
		EXPECT_EQ(modes[i], info.capacity_mode);
		EXPECT_EQ(c.capacity, info.capacity);
	}
}

TEST_F(co, create_bounded_capacity_max_accepted)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED,
					  self->ver.max_capacity, 16);

	EXPECT_LE(0, do_create(self, &c));
}

TEST_F(co, create_msg_size_max_accepted)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 1,
					  self->ver.max_msg_size);

	EXPECT_LE(0, do_create(self, &c));
}

TEST_F(co, create_msg_size_1_accepted)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, 1);

	EXPECT_LE(0, do_create(self, &c));
}

TEST_F(co, create_without_cloexec_gives_inheritable_blocking_handle)
{
	struct mbox_create c = named_req(NULL);
	int fd;

	c.fd_flags = 0;
	fd = do_create(self, &c);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(fd, F_GETFL) & O_NONBLOCK);
}

TEST_F(co, create_honours_o_cloexec)
{
	struct mbox_create c = named_req(NULL);
	int fd;

	c.fd_flags = O_CLOEXEC;
	fd = do_create(self, &c);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(fd, F_GETFL) & O_NONBLOCK);
}

TEST_F(co, create_honours_o_nonblock)
{
	struct mbox_create c = named_req(NULL);
	int fd;

	c.fd_flags = O_NONBLOCK;
	fd = do_create(self, &c);
	ASSERT_LE(0, fd);
	EXPECT_EQ(O_NONBLOCK, fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(co, create_names_may_use_every_allowed_character)
{
	static const char *const names[] = {
		"az", "AZ", "09", "a-b", "a.b", "a_b", ".lead-dot", "_lead",
		"0lead", "x", "MiXeD.09_-",
	};
	char name[MBOX_NAME_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct mbox_create c;
		struct mbox_info info;
		int fd;

		/* Make each name unique but keep the part under test. */
		snprintf(name, sizeof(name), "%s.%d", names[i], (int)getpid());
		c = named_req(name);
		fd = do_create(self, &c);
		ASSERT_LE(0, fd) TH_LOG("name \"%s\": %d", name, fd);
		ASSERT_EQ(0, mbox_info(fd, &info));
		EXPECT_STREQ(name, info.name);
	}
}

TEST_F(co, create_name_of_max_minus_one_chars_accepted)
{
	char name[MBOX_NAME_MAX];
	struct mbox_create c;
	struct mbox_info info;
	int fd;

	/* "p<pid, 10 digits>" then 'n' up to MBOX_NAME_MAX - 1 characters. */
	memset(name, 'n', MBOX_NAME_MAX - 1);
	name[MBOX_NAME_MAX - 1] = '\0';
	snprintf(name, 12, "p%010d", (int)getpid());
	name[11] = 'n';
	ASSERT_EQ((size_t)MBOX_NAME_MAX - 1, strlen(name));
	c = named_req(name);
	fd = do_create(self, &c);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_STREQ(name, info.name);
}

TEST_F(co, ids_are_unique_and_strictly_increasing)
{
	uint64_t prev = 0;

	for (int i = 0; i < 10; i++) {
		struct mbox_create c = named_req(NULL);

		ASSERT_LE(0, do_create(self, &c));
		EXPECT_LT(prev, c.id);
		prev = c.id;
	}
}

TEST_F(co, id_is_not_reused_after_destroy)
{
	struct mbox_create c = named_req(NULL);
	struct mbox_open o;
	uint64_t old;
	int fd;

	fd = xioctl(self->dev, MBOX_IOC_CREATE, &c);
	ASSERT_LE(0, fd);
	old = c.id;
	close(fd);
	o = open_req_id(old);
	EXPECT_EQ(-ENOENT, do_open(self, &o));
	c = named_req(NULL);
	ASSERT_LE(0, do_create(self, &c));
	EXPECT_LT(old, c.id);
	o = open_req_id(old);
	EXPECT_EQ(-ENOENT, do_open(self, &o));
}

TEST_F(co, open_by_id_returns_user_handle_to_that_mailbox)
{
	struct mbox_create c = named_req(NULL);
	struct mbox_open o;
	struct mbox_info info;
	int user;

	ASSERT_LE(0, do_create(self, &c));
	o = open_req_id(c.id);
	user = do_open(self, &o);
	ASSERT_LE(0, user);
	EXPECT_EQ(c.id, o.id);
	ASSERT_EQ(0, mbox_info(user, &info));
	EXPECT_EQ(c.id, info.id);
	EXPECT_EQ((__u32)MBOX_ROLE_USER, info.role);
	EXPECT_EQ((__u32)MBOX_STATE_ALIVE, info.state);
}

TEST_F(co, open_by_name_returns_the_id)
{
	char name[MBOX_NAME_MAX];
	struct mbox_create c;
	struct mbox_open o;
	struct mbox_info info;
	int user;

	c = named_req(unique_name(name, sizeof(name), "byname"));
	ASSERT_LE(0, do_create(self, &c));
	o = open_req_name(name);
	user = do_open(self, &o);
	ASSERT_LE(0, user);
	EXPECT_EQ(c.id, o.id);
	ASSERT_EQ(0, mbox_info(user, &info));
	EXPECT_EQ(c.id, info.id);
	EXPECT_EQ((__u32)MBOX_ROLE_USER, info.role);
	EXPECT_STREQ(name, info.name);
}

TEST_F(co, libmbox_create_and_open_report_ids)
{
	char name[MBOX_NAME_MAX];
	struct mbox_attr a = MBOX_ATTR_BOUNDED(2, 32);
	uint64_t id = 0, id2 = 0;
	int owner, user;

	a.fd_flags = O_CLOEXEC;
	owner = track(self, mbox_create(&a, unique_name(name, sizeof(name),
							"lib"), &id));
	ASSERT_LE(0, owner);
	EXPECT_NE(0ULL, id);
	user = track(self, mbox_open_name(name, O_CLOEXEC, &id2));
	ASSERT_LE(0, user);
	EXPECT_EQ(id, id2);
	user = track(self, mbox_open_id(id, O_CLOEXEC | O_NONBLOCK));
	ASSERT_LE(0, user);
	EXPECT_EQ(O_NONBLOCK, fcntl(user, F_GETFL) & O_NONBLOCK);
}

TEST_F(co, open_honours_o_cloexec)
{
	struct mbox_create c = named_req(NULL);
	struct mbox_open o;
	int user;

	ASSERT_LE(0, do_create(self, &c));
	o = open_req_id(c.id);
	o.fd_flags = O_CLOEXEC;
	user = do_open(self, &o);
	ASSERT_LE(0, user);
	EXPECT_EQ(FD_CLOEXEC, fcntl(user, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(user, F_GETFL) & O_NONBLOCK);
	o = open_req_id(c.id);
	o.fd_flags = 0;
	user = do_open(self, &o);
	ASSERT_LE(0, user);
	EXPECT_EQ(0, fcntl(user, F_GETFD) & FD_CLOEXEC);
}

TEST_F(co, open_honours_o_nonblock)
{
	struct mbox_create c = named_req(NULL);
	struct mbox_open o;
	int user;

	ASSERT_LE(0, do_create(self, &c));
	o = open_req_id(c.id);
	o.fd_flags = O_NONBLOCK;
	user = do_open(self, &o);
	ASSERT_LE(0, user);
	EXPECT_EQ(O_NONBLOCK, fcntl(user, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, fcntl(user, F_GETFD) & FD_CLOEXEC);
}

/* ------------------------------------------------------ create errors */

TEST_F(co, create_unknown_flag_fails_einval)
{
	struct mbox_create c = named_req(NULL);

	/* The first bit above MBOX_CREATE_FLAGS. */
	c.flags = (MBOX_CREATE_FLAGS + 1) & ~MBOX_CREATE_FLAGS;
	EXPECT_EQ(-EINVAL, do_create(self, &c));
	c.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_capacity_mode_3_fails_einval)
{
	struct mbox_create c = create_req(3, 0, 16);

	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_capacity_mode_all_ones_fails_einval)
{
	struct mbox_create c = create_req(UINT32_MAX, 0, 16);

	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_bounded_capacity_0_fails_einval)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 0, 16);

	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_bounded_capacity_above_max_fails_einval)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED,
					  self->ver.max_capacity + 1, 16);

	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_zero_with_nonzero_capacity_fails_einval)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_ZERO, 1, 16);

	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_unbounded_with_nonzero_capacity_fails_einval)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 1, 16);

	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_msg_size_0_fails_einval)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 1, 0);

	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_msg_size_above_max_fails_einval)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 1,
					  self->ver.max_msg_size + 1);

	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_fixed_size_msg_size_0_fails_einval)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 1, 0);

	c.flags = MBOX_CREATE_FIXED_SIZE;
	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_fd_flags_other_than_cloexec_nonblock_fail_einval)
{
	static const __u32 bad[] = { O_APPEND, O_TRUNC, O_CREAT, O_RDWR,
				     O_WRONLY, O_SYNC, O_DIRECT, 1U << 31 };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mbox_create c = named_req(NULL);

		c.fd_flags = bad[i];
		EXPECT_EQ(-EINVAL, do_create(self, &c))
			TH_LOG("fd_flags %#x", bad[i]);
	}
}

TEST_F(co, create_mode_above_0777_fails_einval)
{
	static const __u32 bad[] = { 01000, 02600, 04600, 0100600 };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mbox_create c = named_req(NULL);

		c.mode = bad[i];
		EXPECT_EQ(-EINVAL, do_create(self, &c))
			TH_LOG("mode %#o", bad[i]);
	}
}

TEST_F(co, create_nonzero_reserved_word_fails_einval)
{
	struct mbox_create c0;

	for (int i = 0; i < (int)ARRAY_SIZE(c0.reserved); i++) {
		struct mbox_create c = named_req(NULL);

		c.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, do_create(self, &c))
			TH_LOG("reserved[%d]", i);
	}
}

TEST_F(co, create_name_with_bad_character_fails_einval)
{
	static const char *const bad[] = {
		"a b", "a/b", "/", "a*", "a:b", "a\\b", "tab\there", "nl\n",
		"caf\xc3\xa9", "a+b", "a@b", "\x7f", "~home", "semi;colon",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mbox_create c = named_req(bad[i]);

		EXPECT_EQ(-EINVAL, do_create(self, &c))
			TH_LOG("name \"%s\"", bad[i]);
	}
}

TEST_F(co, create_name_with_leading_dash_fails_einval)
{
	struct mbox_create c = named_req("-dash");

	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_empty_name_fails_einval)
{
	struct mbox_create c = named_req("");

	EXPECT_EQ(-EINVAL, do_create(self, &c));
}

TEST_F(co, create_name_of_max_chars_fails_enametoolong)
{
	char name[MBOX_NAME_MAX + 1];
	struct mbox_create c;

	memset(name, 'n', MBOX_NAME_MAX);
	name[MBOX_NAME_MAX] = '\0';
	c = named_req(name);
	EXPECT_EQ(-ENAMETOOLONG, do_create(self, &c));
}

TEST_F(co, create_name_of_4096_chars_fails_enametoolong)
{
	static char name[4097];
	struct mbox_create c;

	memset(name, 'n', 4096);
	c = named_req(name);
	EXPECT_EQ(-ENAMETOOLONG, do_create(self, &c));
}

TEST_F(co, create_duplicate_name_fails_eexist)
{
	char name[MBOX_NAME_MAX];
	struct mbox_create c, c2;
	struct mbox_open o;
	int first;

	c = named_req(unique_name(name, sizeof(name), "dup"));
	first = do_create(self, &c);
	ASSERT_LE(0, first);
	c2 = named_req(name);
	c2.capacity_mode = MBOX_CAPACITY_UNBOUNDED;
	c2.capacity = 0;
	EXPECT_EQ(-EEXIST, do_create(self, &c2));
	/* The name still leads to the first mailbox. */
	o = open_req_name(name);
	ASSERT_LE(0, do_open(self, &o));
	EXPECT_EQ(c.id, o.id);
}

TEST_F(co, create_with_unmapped_struct_fails_efault)
{
	EXPECT_EQ(-EFAULT, track(self, xioctl(self->dev, MBOX_IOC_CREATE,
					      bad_ptr())));
}

TEST_F(co, create_with_unmapped_name_fails_efault)
{
	struct mbox_create c = named_req(NULL);

	c.name = bad_uptr();
	EXPECT_EQ(-EFAULT, do_create(self, &c));
}

TEST_F(co, create_failure_leaves_output_id_untouched)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 0, 16);

	/* "Structures are never partially written on error." */
	c.id = 0x1122334455667788ULL;
	EXPECT_EQ(-EINVAL, do_create(self, &c));
	EXPECT_EQ(0x1122334455667788ULL, c.id);
}

/* -------------------------------------------------------- open errors */

TEST_F(co, open_with_both_id_and_name_fails_einval)
{
	char name[MBOX_NAME_MAX];
	struct mbox_create c;
	struct mbox_open o;

	c = named_req(unique_name(name, sizeof(name), "both"));
	ASSERT_LE(0, do_create(self, &c));
	o = open_req_name(name);
	o.id = c.id;
	EXPECT_EQ(-EINVAL, do_open(self, &o));
}

TEST_F(co, open_with_neither_id_nor_name_fails_einval)
{
	struct mbox_open o = open_req_id(0);

	EXPECT_EQ(-EINVAL, do_open(self, &o));
}

TEST_F(co, open_unknown_id_fails_enoent)
{
	struct mbox_create c = named_req(NULL);
	struct mbox_open o;

	/* An id above every id handed out so far. */
	ASSERT_LE(0, do_create(self, &c));
	o = open_req_id(c.id + 1000000);
	EXPECT_EQ(-ENOENT, do_open(self, &o));
	o = open_req_id(UINT64_MAX);
	EXPECT_EQ(-ENOENT, do_open(self, &o));
}

TEST_F(co, open_unknown_name_fails_enoent)
{
	char name[MBOX_NAME_MAX];
	struct mbox_open o = open_req_name(unique_name(name, sizeof(name),
						       "nosuch"));

	EXPECT_EQ(-ENOENT, do_open(self, &o));
}

TEST_F(co, open_nonzero_flags_fails_einval)
{
	struct mbox_create c = named_req(NULL);
	struct mbox_open o;

	ASSERT_LE(0, do_create(self, &c));
	o = open_req_id(c.id);
	/* The first bit above MBOX_OPEN_FLAGS. */
	o.flags = (MBOX_OPEN_FLAGS + 1) & ~MBOX_OPEN_FLAGS;
	EXPECT_EQ(-EINVAL, do_open(self, &o));
	o.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, do_open(self, &o));
}

TEST_F(co, open_fd_flags_other_than_cloexec_nonblock_fail_einval)
{
	static const __u32 bad[] = { O_APPEND, O_TRUNC, O_CREAT, O_RDWR,
				     O_WRONLY, O_SYNC, O_DIRECT, 1U << 31 };
	struct mbox_create c = named_req(NULL);

	ASSERT_LE(0, do_create(self, &c));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mbox_open o = open_req_id(c.id);

		o.fd_flags = bad[i];
		EXPECT_EQ(-EINVAL, do_open(self, &o))
			TH_LOG("fd_flags %#x", bad[i]);
	}
}

TEST_F(co, open_nonzero_reserved_word_fails_einval)
{
	struct mbox_create c = named_req(NULL);

	ASSERT_LE(0, do_create(self, &c));
	for (int i = 0; i < 2; i++) {
		struct mbox_open o = open_req_id(c.id);

		o.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, do_open(self, &o)) TH_LOG("reserved[%d]", i);
	}
}

TEST_F(co, open_name_with_bad_character_fails_einval)
{
	static const char *const bad[] = { "a b", "a/b", "a*", "-dash", "" };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mbox_open o = open_req_name(bad[i]);

		EXPECT_EQ(-EINVAL, do_open(self, &o))
			TH_LOG("name \"%s\"", bad[i]);
	}
}

TEST_F(co, open_name_of_max_chars_fails_enametoolong)
{
	char name[MBOX_NAME_MAX + 1];
	struct mbox_open o;

	memset(name, 'n', MBOX_NAME_MAX);
	name[MBOX_NAME_MAX] = '\0';
	o = open_req_name(name);
	EXPECT_EQ(-ENAMETOOLONG, do_open(self, &o));
}

TEST_F(co, open_with_unmapped_struct_fails_efault)
{
	EXPECT_EQ(-EFAULT, track(self, xioctl(self->dev, MBOX_IOC_OPEN,
					      bad_ptr())));
}

TEST_F(co, open_with_unmapped_name_fails_efault)
{
	struct mbox_open o = open_req_id(0);

	o.name = bad_uptr();
	EXPECT_EQ(-EFAULT, do_open(self, &o));
}

TEST_F(co, open_destroyed_mailbox_fails_enoent_by_id_and_name)
{
	char name[MBOX_NAME_MAX];
	struct mbox_create c;
	struct mbox_open o;
	int owner;

	c = named_req(unique_name(name, sizeof(name), "gone"));
	owner = xioctl(self->dev, MBOX_IOC_CREATE, &c);
	ASSERT_LE(0, owner);
	close(owner);
	o = open_req_id(c.id);
	EXPECT_EQ(-ENOENT, do_open(self, &o));
	o = open_req_name(name);
	EXPECT_EQ(-ENOENT, do_open(self, &o));
}

/* ------------------------------------------------ permissions, limits */

enum open_how { BY_ID, BY_NAME };

/*
 * In a child that dropped to nobody/nogroup (uid and gid 65534, no
 * capabilities, only /dev/mbox's group as supplementary group, see
 * drop_privileges()): open the mailbox through its own /dev/mbox
 * descriptor.  If @keep_gid0, the child's gid stays 0 (root's group).
 */
static int open_unprivileged(uint64_t id, const char *name, bool keep_gid0)
{
	pid_t pid = fork_child();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct mbox_open o;
		int dev, ret;

		if (keep_gid0) {
			gid_t dev[1] = { dev_group() };

			if (setgroups(1, dev) < 0 ||
			    setresgid(0, 0, 0) < 0 ||
			    setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0)
				_exit(250);
		} else if (drop_privileges() < 0) {
			_exit(250);
		}
		dev = dev_open();
		if (dev < 0)
			_exit(251);
		memset(&o, 0, sizeof(o));
		if (name)
			o.name = (uintptr_t)name;
		else
			o.id = id;
		ret = xioctl(dev, MBOX_IOC_OPEN, &o);
		if (ret >= 0 && o.id != id)
			_exit(252);
		child_exit(ret < 0 ? ret : 0);
	}
	return child_wait(pid);
}

static uint64_t create_with_mode(FIXTURE_DATA(co) *self, __u32 mode,
				 char *name, size_t size)
{
	struct mbox_create c = named_req(unique_name(name, size, "perm"));

	c.mode = mode;
	if (do_create(self, &c) < 0)
		return 0;
	return c.id;
}

TEST_F(co, unprivileged_user_cannot_open_root_0600_mailbox)
{
	char name[MBOX_NAME_MAX];
	uint64_t id = create_with_mode(self, 0600, name, sizeof(name));

	ASSERT_NE(0ULL, id);
	EXPECT_EQ(-EACCES, open_unprivileged(id, NULL, false));
	EXPECT_EQ(-EACCES, open_unprivileged(id, name, false));
}

TEST_F(co, unprivileged_user_can_open_root_0666_mailbox)
{
	char name[MBOX_NAME_MAX];
	uint64_t id = create_with_mode(self, 0666, name, sizeof(name));

	ASSERT_NE(0ULL, id);
	EXPECT_EQ(0, open_unprivileged(id, NULL, false));
	EXPECT_EQ(0, open_unprivileged(id, name, false));
}

TEST_F(co, unprivileged_user_needs_other_write_bit)
{
	char name[MBOX_NAME_MAX];
	uint64_t readable = create_with_mode(self, 0644, name, sizeof(name));
	uint64_t writable = create_with_mode(self, 0602, name, sizeof(name));

	ASSERT_NE(0ULL, readable);
	ASSERT_NE(0ULL, writable);
	EXPECT_EQ(-EACCES, open_unprivileged(readable, NULL, false));
	EXPECT_EQ(0, open_unprivileged(writable, NULL, false));
}

TEST_F(co, group_member_uses_group_write_bit)
{
	char name[MBOX_NAME_MAX];
	uint64_t group_w = create_with_mode(self, 0620, name, sizeof(name));
	uint64_t owner_only = create_with_mode(self, 0600, name, sizeof(name));

	ASSERT_EQ(0U, getgid());
	ASSERT_NE(0ULL, group_w);
	ASSERT_NE(0ULL, owner_only);
	EXPECT_EQ(0, open_unprivileged(group_w, NULL, true));
	EXPECT_EQ(-EACCES, open_unprivileged(owner_only, NULL, true));
}

TEST_F(co, unprivileged_creator_owns_mailbox_and_root_overrides_mode)
{
	int sv[2];
	uint64_t id = 0;
	pid_t pid;
	struct mbox_open o;
	struct mbox_info info;
	int user;

	ASSERT_EQ(0, pipe2(sv, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 2, 16);
		int dev, fd;

		close(sv[0]);
		if (drop_privileges() < 0)
			_exit(250);
		dev = dev_open();
		c.mode = 0600;
		fd = xioctl(dev, MBOX_IOC_CREATE, &c);
		if (fd < 0)
			child_exit(fd);
		pipe_write_u64(sv[1], c.id);
		/* Stay alive, owning the mailbox, until the teardown kills us. */
		for (;;)
			pause();
		_exit(0);
	}
	close(sv[1]);
	ASSERT_EQ(0, pipe_read_u64(sv[0], &id));
	close(sv[0]);
	/* Root has CAP_IPC_OWNER: the 0600 mode of another user is no bar. */
	o = open_req_id(id);
	user = do_open(self, &o);
	ASSERT_LE(0, user);
	ASSERT_EQ(0, mbox_info(user, &info));
	EXPECT_EQ((__u32)NOBODY_ID, info.owner_uid);
	EXPECT_EQ(0600U, info.mode);
}

TEST_F(co, create_beyond_user_mailboxes_max_fails_enospc)
{
	const unsigned long long limit = 3;
	int fds[3];

	ASSERT_EQ(0, param_read("user_mailboxes_max", &self->saved_mbmax));
	self->restore_mbmax = true;
	ASSERT_EQ(0, param_write("user_mailboxes_max", limit));
	for (unsigned long long i = 0; i < limit; i++) {
		struct mbox_create c = named_req(NULL);

		fds[i] = do_create(self, &c);
		ASSERT_LE(0, fds[i]) TH_LOG("create #%llu: %d", i, fds[i]);
	}
	{
		struct mbox_create c = named_req(NULL);

		EXPECT_EQ(-ENOSPC, do_create(self, &c));
	}
	/* Destroying one makes room again. */
	untrack_close(self, fds[0]);
	{
		struct mbox_create c = named_req(NULL);

		EXPECT_LE(0, do_create(self, &c));
	}
}

TEST_F(co, user_mailboxes_max_counts_per_user)
{
	const unsigned long long limit = 2;
	pid_t pid;

	ASSERT_EQ(0, param_read("user_mailboxes_max", &self->saved_mbmax));
	self->restore_mbmax = true;
	ASSERT_EQ(0, param_write("user_mailboxes_max", limit));
	for (unsigned long long i = 0; i < limit; i++) {
		struct mbox_create c = named_req(NULL);

		ASSERT_LE(0, do_create(self, &c));
	}
	/* Root is at its limit; another user is not. */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 2, 16);
		int dev, fd;

		if (drop_privileges() < 0)
			_exit(250);
		dev = dev_open();
		fd = xioctl(dev, MBOX_IOC_CREATE, &c);
		child_exit(fd < 0 ? fd : 0);
	}
	EXPECT_EQ(0, child_wait(pid));
}

/* ------------------------------------------------ descriptor limits */

#include <sys/resource.h>

/* Lower RLIMIT_NOFILE so that no further descriptor can be allocated. */
static int exhaust_fds(struct rlimit *saved)
{
	struct rlimit rl;
	int next = dup(0);

	if (next < 0)
		return -errno;
	close(next);
	if (getrlimit(RLIMIT_NOFILE, saved))
		return -errno;
	rl = *saved;
	rl.rlim_cur = (rlim_t)next;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

TEST_F(co, create_failing_emfile_leaves_no_mailbox_behind)
{
	char name[MBOX_NAME_MAX];
	struct mbox_create c;
	struct mbox_open o;
	struct rlimit saved;

	ASSERT_EQ(0, param_read("user_mailboxes_max", &self->saved_mbmax));
	self->restore_mbmax = true;
	ASSERT_EQ(0, param_write("user_mailboxes_max", 1));
	unique_name(name, sizeof(name), "emfile");

	ASSERT_EQ(0, exhaust_fds(&saved));
	for (int i = 0; i < 3; i++) {
		c = named_req(name);
		EXPECT_EQ(-EMFILE, do_create(self, &c));
	}
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &saved));

	/* No mailbox, no name and no mailbox count were left behind. */
	o = open_req_name(name);
	EXPECT_EQ(-ENOENT, do_open(self, &o));
	c = named_req(name);
	EXPECT_LE(0, do_create(self, &c));
}

TEST_F(co, open_failing_emfile_returns_emfile)
{
	struct mbox_create c = named_req(NULL);
	struct mbox_open o;
	struct rlimit saved;

	ASSERT_LE(0, do_create(self, &c));
	ASSERT_EQ(0, exhaust_fds(&saved));
	o = open_req_id(c.id);
	o.id = c.id;
	EXPECT_EQ(-EMFILE, do_open(self, &o));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &saved));
	o = open_req_id(c.id);
	EXPECT_LE(0, do_open(self, &o));
}

TEST_F(co, handle_ioctls_with_unmapped_struct_fail_efault)
{
	struct mbox_create c = named_req(NULL);
	struct mbox_open o;
	int owner, user;

	owner = do_create(self, &c);
	ASSERT_LE(0, owner);
	o = open_req_id(c.id);
	user = do_open(self, &o);
	ASSERT_LE(0, user);
	EXPECT_EQ(-EFAULT, xioctl(owner, MBOX_IOC_INFO, bad_ptr()));
	EXPECT_EQ(-EFAULT, xioctl(user, MBOX_IOC_INFO, bad_ptr()));
	EXPECT_EQ(-EFAULT, xioctl(owner, MBOX_IOC_SEND, bad_ptr()));
	EXPECT_EQ(-EFAULT, xioctl(user, MBOX_IOC_SEND, bad_ptr()));
	EXPECT_EQ(-EFAULT, xioctl(owner, MBOX_IOC_RECV, bad_ptr()));
	EXPECT_EQ(0ULL, info_or_zero(owner).sent);
}

TEST(abi_structures_have_fixed_sizes_multiple_of_8)
{
	EXPECT_EQ(0U, sizeof(struct mbox_version) % 8);
	EXPECT_EQ(0U, sizeof(struct mbox_create) % 8);
	EXPECT_EQ(0U, sizeof(struct mbox_open) % 8);
	EXPECT_EQ(0U, sizeof(struct mbox_send) % 8);
	EXPECT_EQ(0U, sizeof(struct mbox_recv) % 8);
	EXPECT_EQ(0U, sizeof(struct mbox_info) % 8);
	/* The sizes the command numbers encode. */
	EXPECT_EQ(sizeof(struct mbox_version), (size_t)_IOC_SIZE(MBOX_IOC_VERSION));
	EXPECT_EQ(sizeof(struct mbox_send), (size_t)_IOC_SIZE(MBOX_IOC_SEND));
	EXPECT_EQ(sizeof(struct mbox_info), (size_t)_IOC_SIZE(MBOX_IOC_INFO));
}

TEST_HARNESS_MAIN
