// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_device: /dev/mbox itself, MBOX_IOC_VERSION, unknown commands, and
 * the library's handling of its cached /dev/mbox descriptor.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#include <dirent.h>

FIXTURE(dev) {
	int fd;
	unsigned long long saved_msg_size_max;
	bool changed_msg_size_max;
};

FIXTURE_SETUP(dev)
{
	self->fd = dev_open();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open(%s) failed: %s (is the module loaded?)",
		       MBOX_DEVICE_PATH, strerror(-self->fd));
	}
	self->changed_msg_size_max = false;
}

FIXTURE_TEARDOWN(dev)
{
	if (self->changed_msg_size_max) {
		EXPECT_EQ(0, param_write("msg_size_max",
					 self->saved_msg_size_max));
	}
	if (self->fd >= 0)
		close(self->fd);
	reap_children();
}

static int make_owner(int devfd, uint64_t *id)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 4, 64);
	int fd = xioctl(devfd, MBOX_IOC_CREATE, &c);

	if (fd >= 0 && id)
		*id = c.id;
	return fd;
}

/*
 * The installed policy: the module creates the node root:root 0600, the
 * udev rule (or a test guest's init, standing in for it) widens it to
 * root:mbox 0660.  Never anything for other users.
 */
TEST_F(dev, device_node_is_a_root_owned_char_device_closed_to_others)
{
	struct stat st;
	mode_t mode;

	ASSERT_EQ(0, stat(MBOX_DEVICE_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0U, st.st_uid);
	mode = st.st_mode & 07777;
	EXPECT_TRUE(mode == 0600 || mode == 0660) {
		TH_LOG("/dev/mbox has mode %04o", (unsigned int)mode);
	}
	if (mode == 0600)
		EXPECT_EQ(0U, st.st_gid);
}

/* A user outside the device's group is refused by the node itself. */
TEST_F(dev, device_refuses_a_user_outside_its_group)
{
	pid_t child = fork_child();

	ASSERT_LE(0, child);
	if (child == 0) {
		int ret = 0;

		if (setgroups(0, NULL) < 0 ||
		    setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0 ||
		    setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0)
			child_exit(-errno);
		ret = dev_open();
		child_exit(ret < 0 ? ret : 0);
	}
	EXPECT_EQ(-EACCES, child_wait(child));
}

/* MODULE_VERSION: one release number for the module and libmbox. */
TEST_F(dev, module_reports_the_release_version)
{
	char buf[64] = "", want[64];
	FILE *f = fopen("/sys/module/mbox/version", "re");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	snprintf(want, sizeof(want), "%d.%d.%d\n", LIBMBOX_VERSION_MAJOR,
		 LIBMBOX_VERSION_MINOR, LIBMBOX_VERSION_PATCH);
	EXPECT_STREQ(want, buf);
}

TEST_F(dev, device_opens_read_only_and_write_only_too)
{
	int fd;

	fd = open(MBOX_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
	fd = open(MBOX_DEVICE_PATH, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_F(dev, version_reports_abi_2)
{
	struct mbox_version v;

	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, xioctl(self->fd, MBOX_IOC_VERSION, &v));
	EXPECT_EQ(2, MBOX_ABI_VERSION);
	EXPECT_EQ(2U, v.abi_version);
}

/*
 * ABI 2 moved the magic off 0xB8, which upstream registers for other
 * drivers: the old command number now reaches nothing.
 */
TEST_F(dev, magic_is_0xbb_and_the_old_0xb8_version_command_is_enotty)
{
	struct mbox_version v;

	EXPECT_EQ(0xBB, MBOX_IOC_MAGIC);
	EXPECT_EQ(0xBBu, _IOC_TYPE(MBOX_IOC_VERSION));
	EXPECT_EQ(0xBBu, _IOC_TYPE(MBOX_IOC_NOTICE));
	memset(&v, 0, sizeof(v));
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IOR(0xB8, 0x00, struct mbox_version),
				  &v));
	EXPECT_EQ(0U, v.abi_version);
}

TEST_F(dev, version_announces_core_feature)
{
	struct mbox_version v;

	memset(&v, 0, sizeof(v));
	ASSERT_EQ(0, xioctl(self->fd, MBOX_IOC_VERSION, &v));
	EXPECT_EQ(MBOX_FEAT_CORE, v.features & MBOX_FEAT_CORE);
}

TEST_F(dev, version_reports_sane_limits_and_zero_reserved)
{
	struct mbox_version v;

	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, xioctl(self->fd, MBOX_IOC_VERSION, &v));
	EXPECT_EQ((__u32)MBOX_PRIO_MAX, v.max_priority);
	EXPECT_LE(1U, v.max_msg_size);
	EXPECT_LE(1U, v.max_capacity);
	/* Limits of 2^31 and more would be absurd for a kernel queue. */
	EXPECT_GT(1U << 31, v.max_msg_size);
	EXPECT_GT(1U << 31, v.max_capacity);
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(0ULL, v.reserved[i]);
	}
}

TEST_F(dev, version_limits_match_module_parameters)
{
	unsigned long long msg_size_max, capacity_max;
	struct mbox_version v;

	ASSERT_EQ(0, param_read("msg_size_max", &msg_size_max));
	ASSERT_EQ(0, param_read("capacity_max", &capacity_max));
	ASSERT_EQ(0, xioctl(self->fd, MBOX_IOC_VERSION, &v));
	EXPECT_EQ(msg_size_max, v.max_msg_size);
	EXPECT_EQ(capacity_max, v.max_capacity);
}

TEST_F(dev, version_follows_lowered_msg_size_max)
{
	struct mbox_version v;
	unsigned long long lowered;

	ASSERT_EQ(0, param_read("msg_size_max", &self->saved_msg_size_max));
	ASSERT_LT(1ULL, self->saved_msg_size_max);
	lowered = self->saved_msg_size_max - 1;
	self->changed_msg_size_max = true;
	ASSERT_EQ(0, param_write("msg_size_max", lowered));
	ASSERT_EQ(0, xioctl(self->fd, MBOX_IOC_VERSION, &v));
	EXPECT_EQ(lowered, v.max_msg_size);
}

TEST_F(dev, version_with_unmapped_struct_fails_efault)
{
	EXPECT_EQ(-EFAULT, xioctl(self->fd, MBOX_IOC_VERSION, bad_ptr()));
}

/*
 * Unknown commands use numbers above the ranges the header reserves for
 * features (0x00-0x3f), so that new commands do not turn them into known
 * ones.
 */
TEST_F(dev, unknown_command_number_on_device_fails_enotty)
{
	char buf[64] = { 0 };

	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IO(MBOX_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(-ENOTTY, xioctl(self->fd,
				  _IOWR(MBOX_IOC_MAGIC, 0x7e, char[64]), buf));
}

TEST_F(dev, foreign_magic_on_device_fails_enotty)
{
	char buf[64] = { 0 };

	/* Same number and size as MBOX_IOC_VERSION, different magic. */
	EXPECT_EQ(-ENOTTY, xioctl(self->fd,
				  _IOR(0xB9, 0x00, struct mbox_version), buf));
}

TEST_F(dev, version_number_with_other_struct_size_fails_enotty)
{
	char buf[256] = { 0 };

	/* A grown structure would get a new command number: these are unknown. */
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IOR(MBOX_IOC_MAGIC, 0x00,
						 char[sizeof(struct mbox_version) + 8]),
				  buf));
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IOR(MBOX_IOC_MAGIC, 0x00,
						 char[sizeof(struct mbox_version) - 8]),
				  buf));
}

TEST_F(dev, unknown_command_on_owner_handle_fails_enotty)
{
	char buf[64] = { 0 };
	int owner = make_owner(self->fd, NULL);

	ASSERT_LE(0, owner);
	EXPECT_EQ(-ENOTTY, xioctl(owner, _IO(MBOX_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(-ENOTTY, xioctl(owner, _IOWR(MBOX_IOC_MAGIC, 0x7d, char[64]),
				  buf));
	EXPECT_EQ(-ENOTTY, xioctl(owner, _IOR(MBOX_IOC_MAGIC, 0x12, char[64]),
				  buf));
	close(owner);
}

TEST_F(dev, unknown_command_on_user_handle_fails_enotty)
{
	char buf[64] = { 0 };
	struct mbox_open o;
	uint64_t id;
	int owner = make_owner(self->fd, &id);
	int user;

	ASSERT_LE(0, owner);
	memset(&o, 0, sizeof(o));
	o.id = id;
	user = xioctl(self->fd, MBOX_IOC_OPEN, &o);
	ASSERT_LE(0, user);
	EXPECT_EQ(-ENOTTY, xioctl(user, _IO(MBOX_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(-ENOTTY, xioctl(user, _IOWR(MBOX_IOC_MAGIC, 0x7d, char[64]),
				  buf));
	close(user);
	close(owner);
}

TEST_F(dev, handle_commands_on_the_device_fail_enotty)
{
	struct mbox_send s;
	struct mbox_recv r;
	struct mbox_info info;

	/* /dev/mbox is not a handle: these commands are not its own. */
	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, MBOX_IOC_SEND, &s));
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, MBOX_IOC_RECV, &r));
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, MBOX_IOC_INFO, &info));
}

TEST_F(dev, device_commands_on_a_handle_fail_enotty)
{
	struct mbox_version v;
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 4, 64);
	struct mbox_open o;
	uint64_t id;
	int owner = make_owner(self->fd, &id);

	ASSERT_LE(0, owner);
	memset(&o, 0, sizeof(o));
	o.id = id;
	EXPECT_EQ(-ENOTTY, xioctl(owner, MBOX_IOC_VERSION, &v));
	EXPECT_EQ(-ENOTTY, xioctl(owner, MBOX_IOC_CREATE, &c));
	EXPECT_EQ(-ENOTTY, xioctl(owner, MBOX_IOC_OPEN, &o));
	close(owner);
}

TEST_F(dev, libmbox_version_matches_raw_ioctl)
{
	struct mbox_version raw, lib;

	memset(&raw, 0, sizeof(raw));
	memset(&lib, 0x5a, sizeof(lib));
	ASSERT_EQ(0, xioctl(self->fd, MBOX_IOC_VERSION, &raw));
	ASSERT_EQ(0, mbox_version(&lib));
	EXPECT_EQ(0, memcmp(&raw, &lib, sizeof(raw)));
}

TEST_F(dev, libmbox_returns_negative_errno_and_keeps_errno)
{
	errno = 4242;
	EXPECT_EQ(-EFAULT, mbox_version(bad_ptr()));
	EXPECT_EQ(4242, errno);
	EXPECT_EQ(-EBADF, mbox_info(-1, NULL));
	EXPECT_EQ(4242, errno);
	EXPECT_EQ(-ENOENT, mbox_open_id(UINT64_MAX, 0));
	EXPECT_EQ(4242, errno);
}

/* Number of descriptors of this process that refer to /dev/mbox. */
static int count_dev_fds(void)
{
	char path[300], target[256];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc/self/fd");

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = 0;
		if (!strcmp(target, MBOX_DEVICE_PATH))
			n++;
	}
	closedir(d);
	return n;
}

#define RACERS 8
static pthread_barrier_t racer_barrier;
static int racer_fd[RACERS];

static void *racer(void *arg)
{
	int *slot = arg;

	pthread_barrier_wait(&racer_barrier);
	*slot = mbox_device_fd();
	return NULL;
}

TEST_F(dev, libmbox_concurrent_first_use_keeps_one_cloexec_descriptor)
{
	pthread_t th[RACERS];
	int before = count_dev_fds();

	/* Each test runs in a fresh child: the library has not opened yet. */
	ASSERT_LE(0, before);
	ASSERT_EQ(0, pthread_barrier_init(&racer_barrier, NULL, RACERS));
	for (int i = 0; i < RACERS; i++) {
		ASSERT_EQ(0, pthread_create(&th[i], NULL, racer, &racer_fd[i]));
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&racer_barrier);

	ASSERT_LE(0, racer_fd[0]);
	for (int i = 1; i < RACERS; i++) {
		EXPECT_EQ(racer_fd[0], racer_fd[i]);
	}
	EXPECT_EQ(before + 1, count_dev_fds());
	EXPECT_EQ(FD_CLOEXEC, fcntl(racer_fd[0], F_GETFD) & FD_CLOEXEC);
	/* Later calls reuse it. */
	EXPECT_EQ(racer_fd[0], mbox_device_fd());
	EXPECT_EQ(before + 1, count_dev_fds());
}

/* The MBOX_ATTR_* presets make owner handles close-on-exec. */
TEST_F(dev, libmbox_presets_make_cloexec_owner_handles)
{
	struct mbox_attr attrs[3] = {
		MBOX_ATTR_ZERO(16), MBOX_ATTR_BOUNDED(2, 16),
		MBOX_ATTR_UNBOUNDED(16),
	};
	int fd;

	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(O_CLOEXEC, attrs[i].fd_flags);
		fd = mbox_create(&attrs[i], NULL, NULL);
		ASSERT_LE(0, fd);
		EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
	}
	/* Cleared on purpose: an inheritable handle. */
	attrs[1].fd_flags &= ~O_CLOEXEC;
	fd = mbox_create(&attrs[1], NULL, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

static int send_typed(int fd, const char *text, uint32_t type)
{
	struct mbox_send s;

	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)text;
	s.len = (uint32_t)strlen(text);
	s.type = type;
	s.flags = MBOX_MSG_NONBLOCK;
	return mbox_sendx(fd, &s);
}

/*
 * mbox_recv_select_timed(): a selected message is taken at once, none
 * selected ends in -ETIMEDOUT after the deadline, the others stay queued
 * in order, and flags that contradict a deadline are refused.
 */
TEST_F(dev, libmbox_timed_selective_receive)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(4, 16);
	struct mbox_msginfo mi;
	struct timespec ts;
	uint64_t id, t0;
	char buf[16];
	int owner, user;
	ssize_t n;

	owner = mbox_create(&attr, NULL, &id);
	ASSERT_LE(0, owner);
	user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, user);
	ASSERT_EQ(0, send_typed(user, "one", 1));
	ASSERT_EQ(0, send_typed(user, "two", 2));

	ASSERT_EQ(0, mbox_deadline_in(&ts, 5 * NSEC_PER_SEC));
	n = mbox_recv_select_timed(owner, buf, sizeof(buf), MBOX_RECV_TYPE, 0,
				   2, &mi, &ts);
	ASSERT_EQ(3, n);
	EXPECT_EQ(0, memcmp(buf, "two", 3));
	EXPECT_EQ(2U, mi.type);

	t0 = now_ns();
	ASSERT_EQ(0, mbox_deadline_in(&ts, 100 * NSEC_PER_MSEC));
	EXPECT_EQ(-ETIMEDOUT, mbox_recv_select_timed(owner, buf, sizeof(buf),
						     MBOX_RECV_TYPE, 0, 2,
						     NULL, &ts));
	EXPECT_LE(100 * NSEC_PER_MSEC, now_ns() - t0);

	EXPECT_EQ(-EINVAL, mbox_recv_select_timed(owner, buf, sizeof(buf),
						  MBOX_RECV_TYPE | MBOX_MSG_NONBLOCK,
						  0, 1, NULL, &ts));
	EXPECT_EQ(-EINVAL, mbox_recv_select_timed(owner, buf, sizeof(buf),
						  MBOX_RECV_TYPE | MBOX_MSG_TIMEOUT,
						  0, 1, NULL, &ts));
	/* The unselected message is still there. */
	n = mbox_recv_nb(owner, buf, sizeof(buf), &mi);
	ASSERT_EQ(3, n);
	EXPECT_EQ(0, memcmp(buf, "one", 3));
	close(user);
	close(owner);
}

TEST_HARNESS_MAIN
