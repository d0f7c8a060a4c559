// SPDX-License-Identifier: GPL-2.0
/*
 * The module's support for POSIX message queues, through raw ioctls:
 * MBOX_CREATE_PERSIST (limits, reservation, lifetime, delete rights),
 * MBOX_OPEN_READ/WRITE (-EBADF), MBOX_IOC_NOTIFY, MBOX_MSG_REALTIME, and
 * the review fixes: create outside init_ipc_ns, notify roles, in-flight cap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mbox_util.h"


static int persist_create(int dev, const char *name, uint32_t cap,
			  uint32_t size, uint32_t acc, uint32_t mode)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, cap, size);

	c.flags = MBOX_CREATE_PERSIST;
	c.fd_flags = O_CLOEXEC | acc;
	c.mode = mode;
	c.name = (uintptr_t)name;
	return xioctl(dev, MBOX_IOC_CREATE, &c);
}

static int open_dir(int dev, const char *name, uint32_t flags)
{
	struct mbox_open o;

	memset(&o, 0, sizeof(o));
	o.name = (uintptr_t)name;
	o.flags = flags;
	o.fd_flags = O_CLOEXEC;
	return xioctl(dev, MBOX_IOC_OPEN, &o);
}

static int delete_name(int dev, const char *name)
{
	struct mbox_delete d;

	memset(&d, 0, sizeof(d));
	d.name = (uintptr_t)name;
	return xioctl(dev, MBOX_IOC_DELETE, &d);
}

static int notify(int fd, uint32_t kind, uint32_t signo, uint64_t value,
		  int *nfd)
{
	struct mbox_notify n;
	int ret;

	memset(&n, 0, sizeof(n));
	n.kind = kind;
	n.signo = signo;
	n.value = value;
	ret = xioctl(fd, MBOX_IOC_NOTIFY, &n);
	if (nfd)
		*nfd = n.fd;
	return ret;
}

static int drop_to_nobody(void)
{
	return drop_privileges();
}

FIXTURE(pq) {
	int dev;
	char name[MBOX_NAME_MAX];
	unsigned long long persistent_max;
};

FIXTURE_SETUP(pq)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	unique_name(self->name, sizeof(self->name), "pq");
	ASSERT_EQ(0, param_read("user_persistent_max", &self->persistent_max));
}

FIXTURE_TEARDOWN(pq)
{
	delete_name(self->dev, self->name);
	param_write("user_persistent_max", self->persistent_max);
	close(self->dev);
}

TEST_F(pq, feature_bits)
{
	struct mbox_version v;

	ASSERT_EQ(0, xioctl(self->dev, MBOX_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & MBOX_FEAT_PERSIST);
	EXPECT_TRUE(v.features & MBOX_FEAT_NOTIFY);
	EXPECT_TRUE(v.features & MBOX_FEAT_REALTIME);
}

TEST_F(pq, persistent_max_range)
{
	unsigned long long v;

	EXPECT_EQ(0, param_write("user_persistent_max", 0));
	ASSERT_EQ(0, param_read("user_persistent_max", &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, param_write("user_persistent_max", 16777216));
	EXPECT_GT(0, param_write("user_persistent_max", 16777217));
	ASSERT_EQ(0, param_read("user_persistent_max", &v));
	EXPECT_EQ(16777216, v);
}

TEST_F(pq, create_rules)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 2, 16);

	c.name = (uintptr_t)self->name;
	c.flags = MBOX_CREATE_PERSIST | MBOX_CREATE_OS;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, MBOX_IOC_CREATE, &c));
	c.flags = MBOX_CREATE_PERSIST | MBOX_CREATE_BROADCAST;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, MBOX_IOC_CREATE, &c));
	c.flags = MBOX_CREATE_PERSIST;
	c.name = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, MBOX_IOC_CREATE, &c));
	c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, 16);
	c.flags = MBOX_CREATE_PERSIST;
	c.name = (uintptr_t)self->name;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, MBOX_IOC_CREATE, &c));
	/* An access mode is only for persistent creates. */
	c = create_req(MBOX_CAPACITY_BOUNDED, 2, 16);
	c.fd_flags |= O_RDWR;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, MBOX_IOC_CREATE, &c));
	c.flags = MBOX_CREATE_PERSIST;
	c.name = (uintptr_t)self->name;
	c.fd_flags = O_CLOEXEC | O_ACCMODE;
	EXPECT_EQ(-EINVAL, xioctl(self->dev, MBOX_IOC_CREATE, &c));
	/* Nothing was left behind by the failures. */
	EXPECT_EQ(-ENOENT, delete_name(self->dev, self->name));
}

TEST_F(pq, unprivileged_persists_and_deletes)
{
	pid_t pid = fork_child();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd, r;

		if (drop_to_nobody())
			child_exit(-EPERM);
		fd = persist_create(self->dev, self->name, 2, 16, O_RDWR, 0600);
		if (fd < 0)
			child_exit(fd);
		if (send_msg(fd, "kept", 4, 0, 0, 0))
			child_exit(-EIO);
		close(fd);
		/* No handle open: still there, message included. */
		r = open_dir(self->dev, self->name, MBOX_OPEN_READ);
		if (r < 0)
			child_exit(r);
		if (info_or_zero(r).queued != 1)
			child_exit(-EIO);
		close(r);
		child_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	forget_child(pid);
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* Another user may not delete it; root (CAP_SYS_ADMIN) may. */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		gid_t groups[1] = { dev_group() };

		if (setgroups(1, groups) || setresgid(1, 1, 1) ||
		    setresuid(1, 1, 1))
			child_exit(-EPERM);
		child_exit(delete_name(self->dev, self->name) == -EPERM ? 0 : -EIO);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	forget_child(pid);
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, delete_name(self->dev, self->name));
	EXPECT_EQ(-ENOENT, delete_name(self->dev, self->name));
}

TEST_F(pq, per_user_count_limit)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, param_write("user_persistent_max", 1));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char second[MBOX_NAME_MAX];
		int fd;

		if (drop_to_nobody())
			child_exit(-EPERM);
		fd = persist_create(self->dev, self->name, 1, 8, O_RDWR, 0600);
		if (fd < 0)
			child_exit(fd);
		close(fd);
		unique_name(second, sizeof(second), "pq2");
		fd = persist_create(self->dev, second, 1, 8, O_RDWR, 0600);
		if (fd != -ENOSPC)
			child_exit(fd < 0 ? fd : -EIO);
		/* Deleting gives the slot back. */
		if (delete_name(self->dev, self->name))
			child_exit(-EIO);
		fd = persist_create(self->dev, second, 1, 8, O_RDWR, 0600);
		if (fd < 0)
			child_exit(fd);
		close(fd);
		child_exit(delete_name(self->dev, second));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	forget_child(pid);
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, param_write("user_persistent_max", 0));
	EXPECT_EQ(-ENOSPC, persist_create(self->dev, self->name, 1, 8, O_RDWR,
					  0600));
}

TEST_F(pq, reservation_against_rlimit_and_bytes)
{
	struct rlimit old, lim = { 8192, 8192 };
	unsigned long long bytes_max;
	static char big[1024];
	struct mbox_recv r;
	int fd, i;

	ASSERT_EQ(0, getrlimit(RLIMIT_MSGQUEUE, &old));
	ASSERT_EQ(0, setrlimit(RLIMIT_MSGQUEUE, &lim));
	EXPECT_EQ(-EMFILE, persist_create(self->dev, self->name, 4, 4096,
					  O_RDWR, 0600));
	fd = persist_create(self->dev, self->name, 4, 1024, O_RDWR, 0600);
	ASSERT_LE(0, fd);
	/* The rlimit counts every persistent mailbox of the user. */
	{
		char second[MBOX_NAME_MAX];

		unique_name(second, sizeof(second), "pq2");
		EXPECT_EQ(-EMFILE, persist_create(self->dev, second, 4, 1024,
						  O_RDWR, 0600));
	}
	ASSERT_EQ(0, setrlimit(RLIMIT_MSGQUEUE, &old));

	/*
	 * A message is charged to its sender only in flight: with room for
	 * one message's charge, every send passes, each moving into the
	 * reservation once queued; with less, none does.
	 */
	ASSERT_EQ(0, param_read("user_bytes_max", &bytes_max));
	ASSERT_EQ(0, param_write("user_bytes_max",
				 info_or_zero(fd).bytes_max / 4));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, send_msg(fd, big, sizeof(big), 0, 0, 0));
	EXPECT_EQ(4, info_or_zero(fd).queued);
	EXPECT_EQ(0, recv_msg(fd, big, sizeof(big), 0, &r));
	ASSERT_EQ(0, param_write("user_bytes_max", 1));
	EXPECT_EQ(-ENOBUFS, send_msg(fd, big, sizeof(big), 0, 0, 0));
	EXPECT_EQ(3, info_or_zero(fd).queued);
	ASSERT_EQ(0, param_write("user_bytes_max", bytes_max));
	close(fd);
}

TEST_F(pq, reservation_charged_to_user_bytes)
{
	unsigned long long bytes_max;

	ASSERT_EQ(0, param_read("user_bytes_max", &bytes_max));
	ASSERT_EQ(0, param_write("user_bytes_max", 4096));
	EXPECT_EQ(-ENOBUFS, persist_create(self->dev, self->name, 8, 1024,
					   O_RDWR, 0600));
	ASSERT_EQ(0, param_write("user_bytes_max", bytes_max));
	EXPECT_EQ(-ENOENT, delete_name(self->dev, self->name));
}

TEST_F(pq, unlinked_lives_while_any_handle)
{
	char buf[16];
	struct mbox_recv r;
	int c, w;

	c = persist_create(self->dev, self->name, 2, 16, O_RDWR, 0600);
	ASSERT_LE(0, c);
	w = open_dir(self->dev, self->name, MBOX_OPEN_WRITE);
	ASSERT_LE(0, w);
	EXPECT_EQ(0, delete_name(self->dev, self->name));
	close(c);
	/* Only a send-only handle is left: the mailbox is alive. */
	EXPECT_EQ(0, send_msg(w, "a", 1, 0, 0, 0));
	EXPECT_EQ(MBOX_STATE_ALIVE, info_or_zero(w).state);
	EXPECT_EQ(MBOX_CREATE_PERSIST | MBOX_CREATE_OS,
		  info_or_zero(w).flags);
	close(w);
	(void)buf;
	(void)r;
}

TEST_F(pq, directions)
{
	struct mbox_recv r;
	char buf[16];
	int c, rd, wr, rw, owner;
	struct mbox_create pc = create_req(MBOX_CAPACITY_BOUNDED, 2, 16);

	c = persist_create(self->dev, self->name, 2, 16, O_WRONLY, 0600);
	ASSERT_LE(0, c);
	EXPECT_EQ(-EBADF, recv_msg(c, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	EXPECT_EQ(0, send_msg(c, "w", 1, 0, 0, 0));
	rd = open_dir(self->dev, self->name, MBOX_OPEN_READ);
	ASSERT_LE(0, rd);
	EXPECT_EQ(-EBADF, send_msg(rd, "r", 1, 0, 0, 0));
	EXPECT_EQ(0, recv_msg(rd, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	wr = open_dir(self->dev, self->name, MBOX_OPEN_WRITE);
	ASSERT_LE(0, wr);
	EXPECT_EQ(-EBADF, recv_msg(wr, buf, sizeof(buf), 0, &r));
	rw = open_dir(self->dev, self->name, MBOX_OPEN_READ | MBOX_OPEN_WRITE);
	ASSERT_LE(0, rw);
	EXPECT_EQ(0, send_msg(rw, "b", 1, 0, 0, 0));
	EXPECT_EQ(0, recv_msg(rw, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	/* Not with the older flags. */
	EXPECT_EQ(-EINVAL, open_dir(self->dev, self->name,
				    MBOX_OPEN_READ | MBOX_OPEN_RECEIVE));
	/* Reading a process-owned mailbox stays its owner's. */
	pc.name = (uintptr_t)"st.mq.owned";
	pc.mode = 0666;
	owner = xioctl(self->dev, MBOX_IOC_CREATE, &pc);
	ASSERT_LE(0, owner);
	EXPECT_EQ(-EPERM, open_dir(self->dev, "st.mq.owned", MBOX_OPEN_READ));
	close(owner);
	close(c);
	close(rd);
	close(wr);
	close(rw);
}

TEST_F(pq, open_permissions)
{
	int c = persist_create(self->dev, self->name, 1, 8, O_RDWR, 0640);
	pid_t pid;
	int status;

	ASSERT_LE(0, c);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (drop_to_nobody())
			child_exit(-EPERM);
		if (open_dir(self->dev, self->name, MBOX_OPEN_READ) != -EACCES)
			child_exit(-EIO);
		if (open_dir(self->dev, self->name, MBOX_OPEN_WRITE) != -EACCES)
			child_exit(-EIO);
		child_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	forget_child(pid);
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(c);
}

static volatile sig_atomic_t got_sig;
static siginfo_t got_info;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_info = *si;
	got_sig++;
}

TEST_F(pq, notify_signal)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	int c, i;

	sigaction(SIGUSR2, &sa, NULL);
	c = persist_create(self->dev, self->name, 4, 8, O_RDWR, 0600);
	ASSERT_LE(0, c);
	got_sig = 0;
	ASSERT_EQ(0, notify(c, MBOX_NOTIFY_SIGNAL, SIGUSR2, 0x1234, NULL));
	EXPECT_EQ(-EBUSY, notify(c, MBOX_NOTIFY_NONE, 0, 0, NULL));
	EXPECT_EQ(0, send_msg(c, "x", 1, 0, 0, 0));
	for (i = 0; i < 200 && !got_sig; i++)
		usleep(10000);
	EXPECT_EQ(1, got_sig);
	EXPECT_EQ(SI_MESGQ, got_info.si_code);
	EXPECT_EQ(getpid(), got_info.si_pid);
	EXPECT_EQ(0x1234, got_info.si_value.sival_int);
	/* Gone after firing. */
	EXPECT_EQ(0, notify(c, MBOX_NOTIFY_NONE, 0, 0, NULL));
	close(c);
}

TEST_F(pq, notify_fd)
{
	struct pollfd p;
	uint64_t v = 0;
	int c, nfd;

	c = persist_create(self->dev, self->name, 4, 8, O_RDWR, 0600);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, notify(c, MBOX_NOTIFY_FD, 0, 0, &nfd));
	ASSERT_LE(0, nfd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(nfd, F_GETFD) & FD_CLOEXEC);
	p.fd = nfd;
	p.events = POLLIN;
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(0, send_msg(c, "x", 1, 0, 0, 0));
	ASSERT_EQ(1, poll(&p, 1, 1000));
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_EQ(8, read(nfd, &v, 8));
	EXPECT_EQ(MBOX_NOTIFY_FIRED, v);
	close(nfd);

	/* Removed without firing: POLLHUP, reads 2. */
	ASSERT_EQ(0, notify(c, MBOX_NOTIFY_FD, 0, 0, &nfd));
	EXPECT_EQ(0, notify(c, MBOX_NOTIFY_REMOVE, 0, 0, NULL));
	p.fd = nfd;
	ASSERT_EQ(1, poll(&p, 1, 1000));
	EXPECT_EQ(POLLHUP, p.revents);
	EXPECT_EQ(8, read(nfd, &v, 8));
	EXPECT_EQ(MBOX_NOTIFY_REMOVED, v);
	close(nfd);

	/* Closing the mailbox handle (by the owner) removes it too. */
	{
		int other = open_dir(self->dev, self->name, MBOX_OPEN_WRITE);

		ASSERT_LE(0, other);
		ASSERT_EQ(0, notify(c, MBOX_NOTIFY_FD, 0, 0, &nfd));
		close(other);
		EXPECT_EQ(8, read(nfd, &v, 8));
		EXPECT_EQ(MBOX_NOTIFY_REMOVED, v);
		close(nfd);
	}
	close(c);
}

TEST_F(pq, notify_args)
{
	struct mbox_notify n;
	int c, zero;
	struct mbox_create zc = create_req(MBOX_CAPACITY_ZERO, 0, 8);

	c = persist_create(self->dev, self->name, 4, 8, O_RDWR, 0600);
	ASSERT_LE(0, c);
	EXPECT_EQ(-EINVAL, notify(c, 99, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, notify(c, MBOX_NOTIFY_SIGNAL, 65, 0, NULL));
	EXPECT_EQ(-EINVAL, notify(c, MBOX_NOTIFY_NONE, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, notify(c, MBOX_NOTIFY_FD, 0, 5, NULL));
	memset(&n, 0, sizeof(n));
	n.kind = MBOX_NOTIFY_NONE;
	n.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(c, MBOX_IOC_NOTIFY, &n));
	n.reserved[1] = 0;
	n.fd = 3;
	EXPECT_EQ(-EINVAL, xioctl(c, MBOX_IOC_NOTIFY, &n));
	EXPECT_EQ(-EFAULT, xioctl(c, MBOX_IOC_NOTIFY, bad_ptr()));
	zero = xioctl(self->dev, MBOX_IOC_CREATE, &zc);
	ASSERT_LE(0, zero);
	EXPECT_EQ(-EINVAL, notify(zero, MBOX_NOTIFY_NONE, 0, 0, NULL));
	close(zero);
	/* Nothing registered by the failures. */
	EXPECT_EQ(0, notify(c, MBOX_NOTIFY_NONE, 0, 0, NULL));
	close(c);
}

TEST_F(pq, notify_dead_mailbox)
{
	struct mbox_create oc = create_req(MBOX_CAPACITY_BOUNDED, 2, 8);
	struct mbox_open o;
	int owner, user;

	oc.mode = 0600;
	owner = xioctl(self->dev, MBOX_IOC_CREATE, &oc);
	ASSERT_LE(0, owner);
	memset(&o, 0, sizeof(o));
	o.id = oc.id;
	user = xioctl(self->dev, MBOX_IOC_OPEN, &o);
	ASSERT_LE(0, user);
	close(owner);
	/* Refused for being send-only before the mailbox's state is seen. */
	EXPECT_EQ(-EPERM, notify(user, MBOX_NOTIFY_NONE, 0, 0, NULL));
	close(user);
}

/*
 * A persistent mailbox outlives its IPC namespace: from a throwaway one,
 * only an administrator of the initial user namespace may create one.
 */
TEST_F(pq, create_refused_outside_init_ipc_ns)
{
	pid_t pid = fork_child();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 2, 8);
		int fd;

		if (unshare(CLONE_NEWUSER | CLONE_NEWIPC))
			child_exit(-ENOSYS);
		if (persist_create(self->dev, self->name, 2, 16, O_RDWR,
				   0600) != -EPERM)
			child_exit(-EIO);
		/* Process-owned mailboxes die with their owner: still fine. */
		fd = xioctl(self->dev, MBOX_IOC_CREATE, &c);
		child_exit(fd < 0 ? fd : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	forget_child(pid);
	if (WEXITSTATUS(status) == ENOSYS)
		SKIP(return, "no user namespaces");
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* Root keeps CAP_SYS_ADMIN in a new IPC namespace alone. */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (unshare(CLONE_NEWIPC))
			child_exit(-ENOSYS);
		fd = persist_create(self->dev, self->name, 2, 16, O_RDWR, 0600);
		if (fd < 0)
			child_exit(fd);
		close(fd);
		child_exit(delete_name(self->dev, self->name));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	forget_child(pid);
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Nothing was created in our namespace. */
	EXPECT_EQ(-ENOENT, delete_name(self->dev, self->name));
}

/*
 * A send-only handle may not register on (nor remove from) a mailbox it
 * does not receive from; a persistent one allows it, as mq_notify does.
 */
TEST_F(pq, notify_refused_to_send_only_handles)
{
	struct mbox_create oc = create_req(MBOX_CAPACITY_BOUNDED, 2, 8);
	struct mbox_open o;
	int owner, user, strict, c, w;

	oc.mode = 0666;
	owner = xioctl(self->dev, MBOX_IOC_CREATE, &oc);
	ASSERT_LE(0, owner);
	memset(&o, 0, sizeof(o));
	o.id = oc.id;
	user = xioctl(self->dev, MBOX_IOC_OPEN, &o);
	ASSERT_LE(0, user);
	o.flags = MBOX_OPEN_WRITE;
	strict = xioctl(self->dev, MBOX_IOC_OPEN, &o);
	ASSERT_LE(0, strict);
	EXPECT_EQ(-EPERM, notify(user, MBOX_NOTIFY_NONE, 0, 0, NULL));
	EXPECT_EQ(-EPERM, notify(user, MBOX_NOTIFY_REMOVE, 0, 0, NULL));
	EXPECT_EQ(-EBADF, notify(strict, MBOX_NOTIFY_NONE, 0, 0, NULL));
	/* Nothing was registered: the owner's own succeeds. */
	EXPECT_EQ(0, notify(owner, MBOX_NOTIFY_NONE, 0, 0, NULL));
	EXPECT_EQ(-EBUSY, notify(owner, MBOX_NOTIFY_NONE, 0, 0, NULL));
	EXPECT_EQ(-EPERM, notify(user, MBOX_NOTIFY_REMOVE, 0, 0, NULL));
	EXPECT_EQ(-EBUSY, notify(owner, MBOX_NOTIFY_NONE, 0, 0, NULL));
	EXPECT_EQ(0, notify(owner, MBOX_NOTIFY_REMOVE, 0, 0, NULL));
	close(strict);
	close(user);
	close(owner);

	c = persist_create(self->dev, self->name, 2, 8, O_RDWR, 0600);
	ASSERT_LE(0, c);
	w = open_dir(self->dev, self->name, MBOX_OPEN_WRITE);
	ASSERT_LE(0, w);
	EXPECT_EQ(0, notify(w, MBOX_NOTIFY_NONE, 0, 0, NULL));
	EXPECT_EQ(-EBUSY, notify(c, MBOX_NOTIFY_NONE, 0, 0, NULL));
	EXPECT_EQ(0, notify(w, MBOX_NOTIFY_REMOVE, 0, 0, NULL));
	EXPECT_EQ(0, notify(c, MBOX_NOTIFY_NONE, 0, 0, NULL));
	close(w);
	close(c);
}

#define BIG_MSG 65536
static char big_buf[BIG_MSG];

/*
 * Senders blocked on a full persistent queue hold their messages against
 * their own user_bytes_max: past it, a send fails -ENOBUFS at once rather
 * than waiting (it would wait out its deadline with an uncapped charge).
 */
TEST_F(pq, blocked_senders_capped_by_user_bytes_max)
{
	struct async_send a[2];
	struct mbox_send req;
	unsigned long long bytes_max, charge;
	struct mbox_recv r;
	int c, i;

	c = persist_create(self->dev, self->name, 1, BIG_MSG, O_RDWR, 0600);
	ASSERT_LE(0, c);
	/* Capacity 1: the reservation is one message's exact charge. */
	charge = info_or_zero(c).bytes_max;
	ASSERT_LT(BIG_MSG, charge);
	ASSERT_EQ(0, send_msg(c, big_buf, BIG_MSG, 0, 0, 0));
	ASSERT_EQ(0, param_read("user_bytes_max", &bytes_max));
	ASSERT_EQ(0, param_write("user_bytes_max", 2 * charge));

	memset(&req, 0, sizeof(req));
	req.buf = (uintptr_t)big_buf;
	req.len = BIG_MSG;
	for (i = 0; i < 2; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		ASSERT_EQ(0, async_send_start_req(&a[i], c, &req));
		ASSERT_EQ(0, wait_blocked_in_ioctl(getpid(), a[i].tid,
						   MBOX_IOC_SEND));
	}
	req.flags = MBOX_MSG_TIMEOUT;
	req.timeout_ns = now_ns() + 300 * NSEC_PER_MSEC;
	EXPECT_EQ(-ENOBUFS, mbox_sendx(c, &req));
	/* Below the cap again, the same send waits as usual. */
	ASSERT_EQ(0, param_write("user_bytes_max", 3 * charge));
	req.timeout_ns = now_ns() + 100 * NSEC_PER_MSEC;
	EXPECT_EQ(-ETIMEDOUT, mbox_sendx(c, &req));
	ASSERT_EQ(0, param_write("user_bytes_max", bytes_max));

	/* Nothing lost: the first message and both blocked ones arrive. */
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, recv_msg(c, big_buf, BIG_MSG, 0, &r));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, async_send_join(&a[i], 5000));
	EXPECT_EQ(0, info_or_zero(c).queued);
	close(c);
}

struct stalled_recv {
	int fd;
	void *buf;
	struct mbox_recv r;
	int ret;
};

static void *stalled_recv_fn(void *arg)
{
	struct stalled_recv *s = arg;

	s->ret = recv_msg(s->fd, s->buf, 8, 0, &s->r);
	return NULL;
}

/*
 * A message being copied out to a receiver is taken: the queue is empty
 * to a newcomer, and a send made meanwhile fires the registration.
 */
TEST_F(pq, notify_fires_while_a_message_is_copied_out)
{
	struct stalled_recv sr;
	struct mt_uffd_page u;
	struct mbox_recv r;
	pthread_t thread;
	uint64_t v = 0;
	char buf[8];
	int c, nfd, ret;

	ret = mt_uffd_page_setup(&u);
	if (ret)
		SKIP(return, "userfaultfd unavailable: %s", strerror(-ret));
	c = persist_create(self->dev, self->name, 4, 8, O_RDWR, 0600);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, send_msg(c, "first", 6, 0, 0, 0));
	sr.fd = c;
	sr.buf = u.page;
	ASSERT_EQ(0, pthread_create(&thread, NULL, stalled_recv_fn, &sr));
	/* The fault: the first message is taken and its copy stalled. */
	ASSERT_EQ(POLLIN, poll_one(u.fd, POLLIN, 10000) & POLLIN);

	ASSERT_EQ(0, notify(c, MBOX_NOTIFY_FD, 0, 0, &nfd));
	ASSERT_LE(0, nfd);
	EXPECT_EQ(0, send_msg(c, "second", 7, 0, 0, 0));
	EXPECT_EQ(POLLIN, poll_one(nfd, POLLIN, 2000));
	EXPECT_EQ(8, read(nfd, &v, 8));
	EXPECT_EQ(MBOX_NOTIFY_FIRED, v);
	close(nfd);

	ASSERT_EQ(0, mt_uffd_release(&u));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, sr.ret);
	EXPECT_EQ(0, memcmp(u.page, "first", 6));
	EXPECT_EQ(0, recv_msg(c, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	EXPECT_EQ(0, memcmp(buf, "second", 7));
	mt_uffd_page_free(&u);
	close(c);
}

/* si_uid is the sender's effective uid, as msg->uid and SO_PEERCRED. */
TEST_F(pq, notify_si_uid_is_the_euid)
{
	/* SA_RESTART: the signal may arrive while waitpid() waits. */
	struct sigaction sa = { .sa_sigaction = on_usr1,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	int c, i, status;
	pid_t pid;

	sigaction(SIGUSR2, &sa, NULL);
	c = persist_create(self->dev, self->name, 4, 8, O_RDWR, 0600);
	ASSERT_LE(0, c);
	got_sig = 0;
	ASSERT_EQ(0, notify(c, MBOX_NOTIFY_SIGNAL, SIGUSR2, 7, NULL));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Real uid 1, effective uid 2: on the inherited handle. */
		if (setresuid(1, 2, 1))
			child_exit(-EPERM);
		child_exit(send_msg(c, "x", 1, 0, 0, 0));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	forget_child(pid);
	ASSERT_EQ(0, WEXITSTATUS(status));
	for (i = 0; i < 200 && !got_sig; i++)
		usleep(10000);
	EXPECT_EQ(1, got_sig);
	EXPECT_EQ(SI_MESGQ, got_info.si_code);
	EXPECT_EQ(pid, got_info.si_pid);
	EXPECT_EQ(2, got_info.si_uid);
	close(c);
}

TEST_F(pq, realtime_deadline)
{
	struct mbox_recv r;
	struct timespec ts;
	uint64_t dl, t0;
	char buf[8];
	int c;

	c = persist_create(self->dev, self->name, 1, 8, O_RDWR, 0600);
	ASSERT_LE(0, c);
	EXPECT_EQ(-EINVAL, recv_msg(c, buf, 8, MBOX_MSG_REALTIME, &r));
	clock_gettime(CLOCK_REALTIME, &ts);
	dl = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec + 100 * NSEC_PER_MSEC;
	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.len = 8;
	r.flags = MBOX_MSG_TIMEOUT | MBOX_MSG_REALTIME;
	r.timeout_ns = dl;
	t0 = now_ns();
	EXPECT_EQ(-ETIMEDOUT, mbox_recvx(c, &r));
	EXPECT_LE(90 * NSEC_PER_MSEC, now_ns() - t0);
	clock_gettime(CLOCK_REALTIME, &ts);
	EXPECT_LE(dl, (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec);
	/* The same deadline as CLOCK_MONOTONIC would be decades away. */
	EXPECT_EQ(0, send_msg(c, "x", 1, 0, 0, 0));
	{
		struct mbox_send s;

		memset(&s, 0, sizeof(s));
		s.buf = (uintptr_t)"y";
		s.len = 1;
		s.flags = MBOX_MSG_TIMEOUT | MBOX_MSG_REALTIME;
		clock_gettime(CLOCK_REALTIME, &ts);
		s.timeout_ns = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec +
			       50 * NSEC_PER_MSEC;
		EXPECT_EQ(-ETIMEDOUT, mbox_sendx(c, &s));
	}
	close(c);
}

static void on_restart_sig(int sig)
{
	(void)sig;
}

/*
 * A signal with SA_RESTART in the middle of a CLOCK_REALTIME wait: the
 * call restarts with the same absolute deadline, so it neither ends early
 * nor waits a second full interval.
 */
TEST_F(pq, realtime_deadline_survives_restart)
{
	struct sigaction sa = { .sa_handler = on_restart_sig,
				.sa_flags = SA_RESTART };
	struct mbox_recv r;
	struct timespec ts;
	uint64_t dl, t0, took;
	pid_t parent = getpid(), pid;
	char buf[8];
	int c, status;

	sigaction(SIGUSR1, &sa, NULL);
	c = persist_create(self->dev, self->name, 1, 8, O_RDWR, 0600);
	ASSERT_LE(0, c);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		usleep(150000);
		kill(parent, SIGUSR1);
		child_exit(0);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	dl = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec + 400 * NSEC_PER_MSEC;
	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.len = 8;
	r.flags = MBOX_MSG_TIMEOUT | MBOX_MSG_REALTIME;
	r.timeout_ns = dl;
	t0 = now_ns();
	EXPECT_EQ(-ETIMEDOUT, mbox_recvx(c, &r));
	took = now_ns() - t0;
	clock_gettime(CLOCK_REALTIME, &ts);
	EXPECT_LE(dl, (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec);
	EXPECT_GT(5 * NSEC_PER_SEC, took);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	forget_child(pid);
	close(c);
}

TEST_HARNESS_MAIN
