// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_module: module lifetime.  The module cannot be removed while anything
 * of it is in use - /dev/mbox open, a handle of any role open anywhere (in
 * another process, in flight in an SCM_RIGHTS message, blocked in a wait),
 * an OS-owned mailbox linked - and once everything is closed it unloads,
 * freeing everything (the debug kernel's kmemleak scan after the run checks
 * that), and loads again.  Ends with 100 load/use/unload rounds.
 *
 * These tests unload and reload the module, so they only run where that is
 * expected: in a test guest (MBOX_VM=1, tools/scripts/vm/run) or when
 * MBOX_MODULE_KO names the module file to load.  The file is
 * $MBOX_MODULE_KO, else ../kernels/$MBOX_KERNEL/mbox.ko (the selftests run
 * from build/selftests).  Every test leaves the module loaded.
 *
 * A ring mapping counts as a handle.
 *
 * Nothing here goes through libmbox's cached /dev/mbox descriptor: it would
 * pin the module for the rest of the process.
 */
#include "kselftest_harness.h"
#define MBOX_SUITE_LOADS_MODULE
#include "mbox_util.h"

#include <limits.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define MSG_SIZE	64
#define ROUNDS		100

static int find_ko(char *buf, size_t size)
{
	const char *ko = getenv("MBOX_MODULE_KO");
	const char *kernel = getenv("MBOX_KERNEL");

	if (ko)
		snprintf(buf, size, "%s", ko);
	else if (kernel && getenv("MBOX_VM"))
		snprintf(buf, size, "../kernels/%s/mbox.ko", kernel);
	else
		return -ENOENT;
	return access(buf, R_OK) ? -errno : 0;
}

/* Without the module and without a file to load it from: nothing to do. */
__attribute__((constructor)) static void require_module_or_ko(void)
{
	char ko[PATH_MAX];

	if (access(MBOX_DEVICE_PATH, F_OK) == 0 || !find_ko(ko, sizeof(ko)))
		return;
	ksft_print_header();
	ksft_exit_skip("%s missing and no module file to load (MBOX_MODULE_KO)\n",
		       MBOX_DEVICE_PATH);
}

/*
 * What udev would do on every load: the node gets the owner and mode it had
 * before (the installed policy), so that later suites and processes in the
 * guest find it as the system set it up.
 */
static struct stat dev_policy;
static bool have_dev_policy;

static void remember_dev_policy(void)
{
	if (!have_dev_policy && stat(MBOX_DEVICE_PATH, &dev_policy) == 0)
		have_dev_policy = true;
}

static int apply_dev_policy(void)
{
	if (!have_dev_policy)
		return 0;
	if (chown(MBOX_DEVICE_PATH, dev_policy.st_uid, dev_policy.st_gid) ||
	    chmod(MBOX_DEVICE_PATH, dev_policy.st_mode & 07777))
		return -errno;
	return 0;
}

static bool module_live(void)
{
	char state[16] = "";
	FILE *f = fopen("/sys/module/mbox/initstate", "re");

	if (!f)
		return false;
	if (!fgets(state, sizeof(state), f))
		state[0] = 0;
	fclose(f);
	return !strncmp(state, "live", 4);
}

static int load_raw(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int load(const char *ko)
{
	int ret = load_raw(ko);

	return ret ? ret : apply_dev_policy();
}

/* One attempt, as rmmod does: 0, or -EAGAIN (EWOULDBLOCK) while in use. */
static int unload(void)
{
	return syscall(SYS_delete_module, "mbox", O_NONBLOCK) ? -errno : 0;
}

/*
 * Unload once nothing holds the module any more.  Descriptors closed by
 * another task may be released a moment later (deferred fput), so allow a
 * short grace; a reference that is really leaked never goes.
 */
static int unload_settled(void)
{
	int ret = -EAGAIN;

	for (int i = 0; i < 200 && ret == -EAGAIN; i++) {
		ret = unload();
		if (ret == -EAGAIN)
			sleep_ms(10);
	}
	return ret;
}

static int create_fd(int dev, uint32_t mode, uint32_t cap, uint32_t flags,
		     uint64_t *id)
{
	struct mbox_create c = create_req(mode, cap, MSG_SIZE);
	int fd;

	c.flags = flags;
	c.mode = 0666;
	fd = xioctl(dev, MBOX_IOC_CREATE, &c);
	if (fd >= 0 && id)
		*id = c.id;
	return fd;
}

static int open_fd(int dev, uint64_t id, uint32_t flags)
{
	struct mbox_open o;

	memset(&o, 0, sizeof(o));
	o.id = id;
	o.flags = flags;
	o.fd_flags = O_CLOEXEC;
	return xioctl(dev, MBOX_IOC_OPEN, &o);
}

FIXTURE(module) {
	char ko[PATH_MAX];
};

/* References held on the module: handles, /dev/mbox opens, links. */
static long module_refs(void)
{
	long n = -1;
	FILE *f = fopen("/sys/module/mbox/refcnt", "re");

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

FIXTURE_SETUP(module)
{
	long refs;

	if (find_ko(self->ko, sizeof(self->ko)))
		SKIP(return, "not in a test guest and MBOX_MODULE_KO not set: not unloading the module");
	remember_dev_policy();
	if (!module_live())
		ASSERT_EQ(0, load(self->ko));
	/* Processes of an earlier suite may still be on their way out. */
	for (int i = 0; i < 300 && (refs = module_refs()) > 0; i++)
		sleep_ms(100);
	if (refs > 0) {
		self->ko[0] = 0;
		SKIP(return, "the module is still used (%ld references) by something else", refs);
	}
}

FIXTURE_TEARDOWN(module)
{
	reap_children();
	if (self->ko[0] && !module_live())
		EXPECT_EQ(0, load(self->ko));
}

TEST_F(module, rmmod_is_refused_while_dev_mbox_is_open)
{
	int dev = dev_open();

	ASSERT_LE(0, dev);
	EXPECT_EQ(-EAGAIN, unload());
	close(dev);
	EXPECT_EQ(0, unload_settled());
	EXPECT_FALSE(module_live());
}

TEST_F(module, rmmod_is_refused_while_only_an_owner_handle_is_open)
{
	int dev = dev_open(), owner;

	ASSERT_LE(0, dev);
	owner = create_fd(dev, MBOX_CAPACITY_BOUNDED, 4, 0, NULL);
	ASSERT_LE(0, owner);
	close(dev);
	ASSERT_EQ(0, send_msg(owner, "queued", 6, 0, 0, MBOX_MSG_NONBLOCK));
	EXPECT_EQ(-EAGAIN, unload());
	close(owner);
	EXPECT_EQ(0, unload_settled());
}

TEST_F(module, rmmod_is_refused_while_a_user_handle_of_a_dead_mailbox_is_open)
{
	int dev = dev_open(), owner, user;
	uint64_t id;

	ASSERT_LE(0, dev);
	owner = create_fd(dev, MBOX_CAPACITY_UNBOUNDED, 0, 0, &id);
	ASSERT_LE(0, owner);
	user = open_fd(dev, id, 0);
	ASSERT_LE(0, user);
	close(dev);
	close(owner);
	ASSERT_EQ(-EPIPE, send_msg(user, "x", 1, 0, 0, MBOX_MSG_NONBLOCK));
	EXPECT_EQ(-EAGAIN, unload());
	close(user);
	EXPECT_EQ(0, unload_settled());
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte = 'h';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(cbuf, 0, sizeof(cbuf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -errno;
}

TEST_F(module, rmmod_is_refused_while_a_handle_is_in_flight_over_a_unix_socket)
{
	int dev = dev_open(), owner, sv[2];

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	owner = create_fd(dev, MBOX_CAPACITY_ZERO, 0, 0, NULL);
	ASSERT_LE(0, owner);
	close(dev);
	ASSERT_EQ(0, send_fd(sv[0], owner));
	close(owner);
	/* Only the queued SCM_RIGHTS message holds the handle now. */
	EXPECT_EQ(-EAGAIN, unload());
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(0, unload_settled());
}

/*
 * A ring mapping holds its handle like a dup(): with every descriptor
 * closed, the owner's mappings keep the mailbox alive and pin the module;
 * once they are gone the mailbox dies (the ring is marked dead), and a
 * user's mappings alone still pin the module.
 */
TEST_F(module, rmmod_is_refused_while_only_ring_mappings_are_left)
{
	int dev = dev_open(), owner, user;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct mbox_ring_seg_cons *uctrl;
	struct mbox_ring_setup s;
	struct mbox_ring_info in;
	void *prod, *cons, *ctrl;
	uint64_t id;

	ASSERT_LE(0, dev);
	owner = create_fd(dev, MBOX_CAPACITY_BOUNDED, 4, 0, &id);
	ASSERT_LE(0, owner);
	user = open_fd(dev, id, 0);
	ASSERT_LE(0, user);
	close(dev);
	memset(&s, 0, sizeof(s));
	s.nsegs = 1;
	s.nslots = 8;
	s.slot_size = 64;
	ASSERT_EQ(0, xioctl(owner, MBOX_IOC_RING_SETUP, &s));
	ASSERT_EQ(0, xioctl(owner, MBOX_IOC_RING_INFO, &in));
	ASSERT_LE(0, xioctl(user, MBOX_IOC_RING_ATTACH, NULL));
	ctrl = mmap(NULL, page, PROT_READ, MAP_SHARED, owner,
		    MBOX_RING_OFF_CTRL);
	ASSERT_NE(MAP_FAILED, ctrl);
	cons = mmap(NULL, in.cons_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    owner, MBOX_RING_OFF_CONS);
	ASSERT_NE(MAP_FAILED, cons);
	prod = mmap(NULL, in.seg_data_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    user, MBOX_RING_OFF_SEG_DATA);
	ASSERT_NE(MAP_FAILED, prod);
	uctrl = mmap(NULL, page, PROT_READ, MAP_SHARED, user,
		     MBOX_RING_OFF_SEG_CONS);
	ASSERT_NE(MAP_FAILED, uctrl);
	close(owner);
	close(user);

	EXPECT_EQ(-EAGAIN, unload());
	EXPECT_LT(0, module_refs());
	EXPECT_EQ(0U, uctrl->flags & MBOX_RING_DEAD);
	/* The owner's last mappings go: the owner is gone. */
	ASSERT_EQ(0, munmap(cons, in.cons_size));
	ASSERT_EQ(0, munmap(ctrl, page));
	for (int i = 0; i < 200 && !(uctrl->flags & MBOX_RING_DEAD); i++)
		sleep_ms(10);
	EXPECT_EQ(MBOX_RING_DEAD, uctrl->flags & MBOX_RING_DEAD);
	EXPECT_EQ(-EAGAIN, unload());
	ASSERT_EQ(0, munmap(prod, in.seg_data_size));
	EXPECT_EQ(-EAGAIN, unload());
	ASSERT_EQ(0, munmap(uctrl, page));
	EXPECT_EQ(0, unload_settled());
	EXPECT_FALSE(module_live());
}

TEST_F(module, rmmod_is_refused_while_a_receiver_waits_in_another_process)
{
	int ready[2];
	uint64_t v;
	pid_t pid;

	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_recv r;
		char buf[MSG_SIZE];
		int dev = dev_open(), owner;

		owner = create_fd(dev, MBOX_CAPACITY_ZERO, 0, 0, NULL);
		close(dev);
		if (owner < 0)
			child_exit(owner);
		pipe_write_u64(ready[1], 1);
		child_exit(recv_msg(owner, buf, sizeof(buf), 0, &r));
	}
	close(ready[1]);
	ASSERT_EQ(0, pipe_read_u64(ready[0], &v));
	close(ready[0]);
	ASSERT_EQ(0, wait_task_sleeping(pid, pid));
	EXPECT_EQ(-EAGAIN, unload());
	kill(pid, SIGKILL);
	child_wait(pid);
	EXPECT_EQ(0, unload_settled());
}

TEST_F(module, rmmod_is_refused_while_an_os_owned_mailbox_is_linked)
{
	struct mbox_delete d;
	int dev = dev_open(), rx;
	uint64_t id;

	ASSERT_LE(0, dev);
	rx = create_fd(dev, MBOX_CAPACITY_UNBOUNDED, 0, MBOX_CREATE_OS, &id);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, send_msg(rx, "kept", 4, 0, 0, MBOX_MSG_NONBLOCK));
	close(rx);
	close(dev);
	/* No handle anywhere: the link alone keeps the module. */
	EXPECT_EQ(-EAGAIN, unload());

	dev = dev_open();
	ASSERT_LE(0, dev);
	memset(&d, 0, sizeof(d));
	d.id = id;
	ASSERT_EQ(0, xioctl(dev, MBOX_IOC_DELETE, &d));
	close(dev);
	EXPECT_EQ(0, unload_settled());
}

/*
 * The module's own default for the node is root-only: only the installed
 * udev rule lets the mbox group in.  A running udevd would apply the rule
 * at once, so this is checked only where none runs (a test guest).
 */
TEST_F(module, a_fresh_load_creates_dev_mbox_root_only)
{
	struct stat st;
	int ret;

	if (!self->ko[0])
		return;
	if (!access("/run/udev/control", F_OK))
		SKIP(return, "a udevd runs here and applies its rules on load");
	ASSERT_EQ(0, unload_settled());
	ret = load_raw(self->ko);
	ASSERT_EQ(0, ret);
	ret = stat(MBOX_DEVICE_PATH, &st);
	EXPECT_EQ(0, apply_dev_policy());
	ASSERT_EQ(0, ret);
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(0U, st.st_gid);
	EXPECT_EQ(0600U, st.st_mode & 07777);
}

/* A closed epoll set that watched a handle holds nothing of the module. */
TEST_F(module, rmmod_succeeds_after_a_watched_handle_closed_under_epoll)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLPRI };
	int dev = dev_open(), owner, user, ep;
	uint64_t id;

	ASSERT_LE(0, dev);
	owner = create_fd(dev, MBOX_CAPACITY_BOUNDED, 2, 0, &id);
	ASSERT_LE(0, owner);
	user = open_fd(dev, id, 0);
	ASSERT_LE(0, user);
	close(dev);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, owner, &ev));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, user, &ev));
	close(owner);
	close(user);
	/* The epoll instance outlives the handles it watched. */
	EXPECT_EQ(0, unload_settled());
	close(ep);
}

/* Give @owner a ring, and map, touch and unmap its data (DATA part). */
static int use_ring(int owner)
{
	struct mbox_ring_setup s;
	struct mbox_ring_info in;
	volatile unsigned char *data;
	int ret;

	memset(&s, 0, sizeof(s));
	s.nsegs = 2;
	s.nslots = 16;
	s.slot_size = 64;
	ret = xioctl(owner, MBOX_IOC_RING_SETUP, &s);
	if (!ret)
		ret = xioctl(owner, MBOX_IOC_RING_INFO, &in);
	if (ret)
		return ret;
	data = mmap(NULL, in.data_size, PROT_READ, MAP_SHARED, owner,
		    MBOX_RING_OFF_DATA);
	if (data == MAP_FAILED)
		return -errno;
	(void)data[0];
	return munmap((void *)data, in.data_size) ? -errno : 0;
}

/*
 * One round of use: every capacity, every role, messages left queued, a
 * ring.
 */
static int use_module(void)
{
	struct mbox_watch w;
	struct mbox_delete d;
	struct async_send zs;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	int dev, zero, bounded, unbounded, port, os, user, ret = 0;
	uint64_t zid, bid, uid, oid;

	dev = dev_open();
	if (dev < 0)
		return dev;
	zero = create_fd(dev, MBOX_CAPACITY_ZERO, 0, 0, &zid);
	bounded = create_fd(dev, MBOX_CAPACITY_BOUNDED, 3, 0, &bid);
	unbounded = create_fd(dev, MBOX_CAPACITY_UNBOUNDED, 0, 0, &uid);
	port = create_fd(dev, MBOX_CAPACITY_BOUNDED, 1, MBOX_CREATE_PORT, NULL);
	os = create_fd(dev, MBOX_CAPACITY_BOUNDED, 8, MBOX_CREATE_OS | MBOX_CREATE_BROADCAST, &oid);
	if (zero < 0 || bounded < 0 || unbounded < 0 || port < 0 || os < 0) {
		ret = -EIO;
		goto out;
	}
	/* A rendezvous through a thread, a queue left full, one left long. */
	if (async_send_start(&zs, zero, "rendezvous", 10, 0, 0, 0) ||
	    recv_msg(zero, buf, sizeof(buf), 0, &r) || async_send_join(&zs, STATE_WAIT_MS))
		ret = -EIO;
	for (int i = 0; i < 3; i++)
		if (send_msg(bounded, "b", 1, (uint32_t)i, 0, MBOX_MSG_NONBLOCK))
			ret = -EIO;
	if (use_ring(bounded))
		ret = -EIO;
	for (int i = 0; i < 50; i++)
		if (send_msg(unbounded, buf, sizeof(buf), 0, 0, MBOX_MSG_NONBLOCK))
			ret = -EIO;
	if (send_msg(os, "all", 3, 0, 0, MBOX_MSG_NONBLOCK))
		ret = -EIO;
	user = open_fd(dev, uid, 0);
	if (user < 0) {
		ret = user;
	} else {
		memset(&w, 0, sizeof(w));
		if (xioctl(user, MBOX_IOC_WATCH, &w))
			ret = -EIO;
		close(user);
	}
	memset(&d, 0, sizeof(d));
	d.id = oid;
	if (xioctl(dev, MBOX_IOC_DELETE, &d))
		ret = -EIO;
out:
	for (int fd = 0, *fds[] = { &zero, &bounded, &unbounded, &port, &os }; fd < 5; fd++)
		if (*fds[fd] >= 0)
			close(*fds[fd]);
	close(dev);
	return ret;
}

/*
 * What this checks is that nothing is left behind, not how fast a load is:
 * the harness's default 30 s is about 0.3 s a round, which the debug and
 * KCSAN kernels or a loaded host exceed (seen in full runs), so the bound
 * is the suite's own (selftests/settings) and only catches a hang.
 */
TEST_F_TIMEOUT(module, hundred_load_use_unload_rounds_leave_nothing_behind, 600)
{
	for (int round = 0; round < ROUNDS; round++) {
		ASSERT_EQ(0, use_module()) TH_LOG("round %d", round);
		ASSERT_EQ(0, unload_settled()) TH_LOG("round %d: the module stayed in use", round);
		ASSERT_FALSE(module_live());
		ASSERT_NE(0, access(MBOX_DEVICE_PATH, F_OK));
		ASSERT_EQ(0, load(self->ko)) TH_LOG("round %d", round);
		ASSERT_TRUE(module_live());
	}
}

TEST_HARNESS_MAIN
