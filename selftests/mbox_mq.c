// SPDX-License-Identifier: GPL-2.0
/*
 * libmbox-mq conformance, written from POSIX (mq_open, mq_close,
 * mq_unlink, mq_send, mq_timedsend, mq_receive, mq_timedreceive,
 * mq_notify, mq_getattr, mq_setattr) and the Linux mq_overview(7) errnos.
 * Linked statically against libmbox-mq.a, so every mq_* call here goes to
 * mbox; run as root, with some cases dropping to nobody.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

static void qname(char *buf, size_t size, const char *tag)
{
	static int seq;

	snprintf(buf, size, "/mqt-%s-%d-%d", tag, (int)getpid(), seq++);
}

static struct mq_attr mkattr(long maxmsg, long msgsize)
{
	struct mq_attr a;

	memset(&a, 0, sizeof(a));
	a.mq_maxmsg = maxmsg;
	a.mq_msgsize = msgsize;
	return a;
}

static struct timespec rt_in_ms(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static long sysctl_get(const char *what)
{
	char path[80];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", what);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * Become nobody, keeping /dev/mbox's group as the one supplementary group
 * when the node grants it access, as a member of the "mbox" group would
 * (see selftests/README.md).  Returns 0 or -1.
 */
static int become_nobody(void)
{
	gid_t groups[1] = { 65534 };
	struct stat st;

	if (stat("/dev/mbox", &st) == 0 && (st.st_mode & 0060) == 0060)
		groups[0] = st.st_gid;
	if (setgroups(1, groups) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -1;
	return 0;
}

/* Without the module there is nothing to test (KSFT_SKIP). */
__attribute__((constructor)) static void require_module(void)
{
	if (access("/dev/mbox", F_OK) == 0)
		return;
	ksft_print_header();
	ksft_exit_skip("/dev/mbox missing: the mbox module is not loaded\n");
}

FIXTURE(q) {
	char name[64];
	mqd_t q;
};

FIXTURE_SETUP(q)
{
	struct mq_attr a = mkattr(4, 64);

	qname(self->name, sizeof(self->name), "q");
	self->q = mq_open(self->name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	ASSERT_LE(0, self->q) TH_LOG("mq_open: %s", strerror(errno));
}

FIXTURE_TEARDOWN(q)
{
	mq_close(self->q);
	mq_unlink(self->name);
}

/* --- mq_open / mq_unlink: names, flags, permissions --- */

TEST(names)
{
	char longname[300];
	struct mq_attr a = mkattr(1, 8);

	errno = 0;
	EXPECT_EQ(-1, mq_open("noslash", O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_open("/a/b", O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EACCES, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_open("/", O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EACCES, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_open("/..", O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EACCES, errno);
	longname[0] = '/';
	memset(longname + 1, 'x', NAME_MAX + 1);
	longname[NAME_MAX + 2] = 0;
	errno = 0;
	EXPECT_EQ(-1, mq_open(longname, O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(ENAMETOOLONG, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_unlink(longname));
	EXPECT_EQ(ENAMETOOLONG, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_unlink("/mqt-never-created"));
	EXPECT_EQ(ENOENT, errno);
}

TEST(odd_characters_round_trip)
{
	char name[64];
	mqd_t a, b;
	struct mq_attr at = mkattr(1, 8);

	snprintf(name, sizeof(name), "/sp ace.dot%%-%d", getpid());
	a = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &at);
	ASSERT_LE(0, a);
	b = mq_open(name, O_RDONLY);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, mq_send(a, "x", 1, 0));
	{
		char buf[8];

		EXPECT_EQ(1, mq_receive(b, buf, sizeof(buf), NULL));
	}
	EXPECT_EQ(0, mq_close(a));
	EXPECT_EQ(0, mq_close(b));
	EXPECT_EQ(0, mq_unlink(name));
}

TEST_F(q, exist_and_excl)
{
	mqd_t again;
	struct mq_attr a;

	errno = 0;
	EXPECT_EQ(-1, mq_open(self->name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL));
	EXPECT_EQ(EEXIST, errno);
	/* O_CREAT without O_EXCL opens it, attributes ignored. */
	a = mkattr(9, 9);
	again = mq_open(self->name, O_RDWR | O_CREAT, 0600, &a);
	ASSERT_LE(0, again);
	EXPECT_EQ(0, mq_getattr(again, &a));
	EXPECT_EQ(4, a.mq_maxmsg);
	EXPECT_EQ(64, a.mq_msgsize);
	EXPECT_EQ(0, mq_close(again));
	EXPECT_EQ(0, mq_unlink(self->name));
	errno = 0;
	EXPECT_EQ(-1, mq_open(self->name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_unlink(self->name));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(q, unlinked_queue_lives_while_open)
{
	char buf[64];
	mqd_t w;

	w = mq_open(self->name, O_WRONLY);
	ASSERT_LE(0, w);
	EXPECT_EQ(0, mq_unlink(self->name));
	/* The name is free at once. */
	{
		struct mq_attr a = mkattr(1, 8);
		mqd_t fresh = mq_open(self->name, O_RDWR | O_CREAT | O_EXCL,
				      0600, &a);

		ASSERT_LE(0, fresh);
		EXPECT_EQ(0, mq_close(fresh));
		EXPECT_EQ(0, mq_unlink(self->name));
	}
	EXPECT_EQ(0, mq_close(self->q));
	/* Only a send-only descriptor is left: it still sends. */
	EXPECT_EQ(0, mq_send(w, "abc", 3, 1));
	EXPECT_EQ(0, mq_close(w));
	self->q = -1;
	(void)buf;
}

TEST(bad_access_mode)
{
	char name[64];
	struct mq_attr a = mkattr(1, 8);

	qname(name, sizeof(name), "acc");
	errno = 0;
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_WRONLY | O_CREAT, 0600, &a));
	EXPECT_EQ(EINVAL, errno);
}

TEST(attr_limits)
{
	char name[64];
	struct mq_attr a;
	long msg_max = sysctl_get("msg_max");
	long msgsize_max = sysctl_get("msgsize_max");
	long def = sysctl_get("msg_default");
	long defsize = sysctl_get("msgsize_default");
	mqd_t q;

	ASSERT_LT(0, msg_max);
	qname(name, sizeof(name), "lim");
	a = mkattr(0, 8);
	errno = 0;
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EINVAL, errno);
	a = mkattr(1, -1);
	errno = 0;
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EINVAL, errno);
	/* Root has CAP_SYS_RESOURCE: up to the hard limits. */
	a = mkattr(65537, 8);
	errno = 0;
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EINVAL, errno);

	/* NULL attr: the sysctl defaults. */
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	ASSERT_LE(0, q) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, mq_getattr(q, &a));
	EXPECT_EQ(def < msg_max ? def : msg_max, a.mq_maxmsg);
	EXPECT_EQ(defsize < msgsize_max ? defsize : msgsize_max, a.mq_msgsize);
	EXPECT_EQ(0, a.mq_curmsgs);
	EXPECT_EQ(0, a.mq_flags);
	EXPECT_EQ(0, mq_close(q));
	EXPECT_EQ(0, mq_unlink(name));

	/* Unprivileged: the sysctl maximums. */
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (become_nobody())
			_exit(10);
		a = mkattr(msg_max + 1, 8);
		if (mq_open(name, O_RDWR | O_CREAT, 0600, &a) != -1 ||
		    errno != EINVAL)
			_exit(1);
		a = mkattr(1, msgsize_max + 1);
		if (mq_open(name, O_RDWR | O_CREAT, 0600, &a) != -1 ||
		    errno != EINVAL)
			_exit(2);
		a = mkattr(msg_max, 16);
		q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
		if (q < 0)
			_exit(3);
		mq_close(q);
		if (mq_unlink(name))
			_exit(4);
		_exit(0);
	}
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(rlimit_msgqueue)
{
	struct rlimit old, lim = { 4096, 4096 };
	struct mq_attr a = mkattr(8, 1024);
	char name[64];

	qname(name, sizeof(name), "rlim");
	ASSERT_EQ(0, getrlimit(RLIMIT_MSGQUEUE, &old));
	ASSERT_EQ(0, setrlimit(RLIMIT_MSGQUEUE, &lim));
	errno = 0;
	EXPECT_EQ(-1, mq_open(name, O_RDWR | O_CREAT, 0600, &a));
	EXPECT_EQ(EMFILE, errno);
	a = mkattr(2, 1024);
	mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);

	EXPECT_LE(0, q);
	mq_close(q);
	mq_unlink(name);
	ASSERT_EQ(0, setrlimit(RLIMIT_MSGQUEUE, &old));
}

TEST(permissions_and_umask)
{
	char name[64];
	struct mq_attr a = mkattr(1, 8);
	mode_t old = umask(0077);
	pid_t pid;
	int status;
	mqd_t q;

	qname(name, sizeof(name), "perm");
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0666, &a);
	umask(old);
	ASSERT_LE(0, q);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (become_nobody())
			_exit(10);
		/* umask 077 left no bits for others. */
		if (mq_open(name, O_RDONLY) != -1 || errno != EACCES)
			_exit(1);
		if (mq_open(name, O_WRONLY) != -1 || errno != EACCES)
			_exit(2);
		/* Only the creator (or CAP) may unlink. */
		if (mq_unlink(name) != -1 || errno != EACCES)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	mq_close(q);
	EXPECT_EQ(0, mq_unlink(name));

	/* Mode 0644: others read but do not write. */
	old = umask(0);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0644, &a);
	umask(old);
	ASSERT_LE(0, q);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mqd_t r;

		if (become_nobody())
			_exit(10);
		r = mq_open(name, O_RDONLY);
		if (r < 0)
			_exit(1);
		if (mq_open(name, O_RDWR) != -1 || errno != EACCES)
			_exit(2);
		if (mq_open(name, O_WRONLY) != -1 || errno != EACCES)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	mq_close(q);
	EXPECT_EQ(0, mq_unlink(name));
}

TEST(creator_gets_access_regardless_of_mode)
{
	char name[64];
	struct mq_attr a = mkattr(1, 8);
	pid_t pid;
	int status;

	qname(name, sizeof(name), "m0");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mqd_t q;

		if (become_nobody())
			_exit(10);
		q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0, &a);
		if (q < 0)
			_exit(1);
		if (mq_send(q, "x", 1, 0))
			_exit(2);
		/* Mode 0: not even the owner reopens it. */
		if (mq_open(name, O_RDONLY) != -1 || errno != EACCES)
			_exit(3);
		if (mq_unlink(name))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* --- send and receive --- */

TEST_F(q, priority_order_fifo_within)
{
	static const unsigned int prios[] = { 1, 5, 1, 32767, 0, 5 };
	static const char *const want[] = { "3", "1", "5", "0", "2", "4" };
	unsigned int i, prio;
	char buf[64];
	struct mq_attr a = mkattr(8, 64);
	mqd_t big;
	char name[64];

	qname(name, sizeof(name), "prio");
	big = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	ASSERT_LE(0, big);
	for (i = 0; i < 6; i++) {
		char m[2] = { (char)('0' + i), 0 };

		ASSERT_EQ(0, mq_send(big, m, 1, prios[i]));
	}
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(1, mq_receive(big, buf, sizeof(buf), &prio));
		buf[1] = 0;
		EXPECT_STREQ(want[i], buf);
	}
	errno = 0;
	EXPECT_EQ(-1, mq_send(big, "x", 1, MQ_PRIO_MAX));
	EXPECT_EQ(EINVAL, errno);
	mq_close(big);
	mq_unlink(name);
}

TEST_F(q, msgsize_both_ways)
{
	char buf[128];
	unsigned int prio = 99;

	memset(buf, 'a', sizeof(buf));
	errno = 0;
	EXPECT_EQ(-1, mq_send(self->q, buf, 65, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(0, mq_send(self->q, buf, 64, 7));
	EXPECT_EQ(0, mq_send(self->q, buf, 0, 0));
	/* A buffer below mq_msgsize fails even for a short message. */
	errno = 0;
	EXPECT_EQ(-1, mq_receive(self->q, buf, 63, &prio));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(64, mq_receive(self->q, buf, 64, &prio));
	EXPECT_EQ(7, prio);
	EXPECT_EQ(0, mq_receive(self->q, buf, sizeof(buf), &prio));
	EXPECT_EQ(0, prio);
}

TEST_F(q, nonblock_eagain_and_setattr)
{
	struct mq_attr a, old;
	char buf[64];
	int i;

	a.mq_flags = O_NONBLOCK;
	EXPECT_EQ(0, mq_setattr(self->q, &a, &old));
	EXPECT_EQ(0, old.mq_flags);
	EXPECT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(O_NONBLOCK, a.mq_flags);
	errno = 0;
	EXPECT_EQ(-1, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(EAGAIN, errno);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, mq_send(self->q, "m", 1, 0));
	EXPECT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(4, a.mq_curmsgs);
	errno = 0;
	EXPECT_EQ(-1, mq_send(self->q, "m", 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	a.mq_flags = O_NONBLOCK | O_APPEND;
	errno = 0;
	EXPECT_EQ(-1, mq_setattr(self->q, &a, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Per open description: a second open is unaffected. */
	{
		mqd_t other = mq_open(self->name, O_RDWR);
		struct mq_attr oa;

		ASSERT_LE(0, other);
		EXPECT_EQ(0, mq_getattr(other, &oa));
		EXPECT_EQ(0, oa.mq_flags);
		mq_close(other);
	}
	/* Other mq_attr fields are ignored by mq_setattr. */
	a = mkattr(100, 100);
	a.mq_flags = 0;
	EXPECT_EQ(0, mq_setattr(self->q, &a, NULL));
	EXPECT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(4, a.mq_maxmsg);
	EXPECT_EQ(0, a.mq_flags);
}

TEST_F(q, timed_errors)
{
	struct timespec ts = rt_in_ms(50), bad;
	char buf[64];
	int i;

	bad = ts;
	bad.tv_nsec = 1000000000L;
	errno = 0;
	EXPECT_EQ(-1, mq_timedreceive(self->q, buf, sizeof(buf), NULL, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad.tv_nsec = -1;
	errno = 0;
	EXPECT_EQ(-1, mq_timedsend(self->q, "x", 1, 0, &bad));
	EXPECT_EQ(EINVAL, errno);

	errno = 0;
	EXPECT_EQ(-1, mq_timedreceive(self->q, buf, sizeof(buf), NULL, &ts));
	EXPECT_EQ(ETIMEDOUT, errno);
	{
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		EXPECT_TRUE(now.tv_sec > ts.tv_sec ||
			    (now.tv_sec == ts.tv_sec && now.tv_nsec >= ts.tv_nsec));
	}
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, mq_send(self->q, "m", 1, 0));
	ts = rt_in_ms(50);
	errno = 0;
	EXPECT_EQ(-1, mq_timedsend(self->q, "x", 1, 0, &ts));
	EXPECT_EQ(ETIMEDOUT, errno);
	/* A past deadline still succeeds if nothing needs to wait. */
	ts.tv_sec = 0;
	ts.tv_nsec = 0;
	EXPECT_EQ(1, mq_timedreceive(self->q, buf, sizeof(buf), NULL, &ts));
}

TEST_F(q, wrong_direction_ebadf)
{
	mqd_t r, w;
	char buf[64];

	r = mq_open(self->name, O_RDONLY);
	w = mq_open(self->name, O_WRONLY);
	ASSERT_LE(0, r);
	ASSERT_LE(0, w);
	errno = 0;
	EXPECT_EQ(-1, mq_send(r, "x", 1, 0));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_receive(w, buf, sizeof(buf), NULL));
	EXPECT_EQ(EBADF, errno);
	/* Direction is checked before size. */
	errno = 0;
	EXPECT_EQ(-1, mq_receive(w, buf, 1, NULL));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, mq_send(w, "y", 1, 0));
	EXPECT_EQ(1, mq_receive(r, buf, sizeof(buf), NULL));
	mq_close(r);
	mq_close(w);

	errno = 0;
	EXPECT_EQ(-1, mq_send(12345, "x", 1, 0));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_close(12345));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_getattr(STDIN_FILENO, &(struct mq_attr){ 0 }));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(q, descriptor_is_pollable_cloexec)
{
	struct pollfd p = { .fd = self->q, .events = POLLIN | POLLOUT };

	EXPECT_EQ(FD_CLOEXEC, fcntl(self->q, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLOUT, p.revents);
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 0));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, p.revents);
}

TEST_F(q, fork_inherits_and_blocks)
{
	char buf[64];
	pid_t pid;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Blocks until the parent sends. */
		if (mq_receive(self->q, buf, sizeof(buf), NULL) != 5)
			_exit(1);
		if (mq_send(self->q, "reply", 5, 3))
			_exit(2);
		_exit(0);
	}
	usleep(100000);
	EXPECT_EQ(0, mq_send(self->q, "hello", 5, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(5, mq_receive(self->q, buf, sizeof(buf), NULL));
}

TEST_F(q, exec_closes_descriptor)
{
	char arg[32];
	pid_t pid;
	int status;

	snprintf(arg, sizeof(arg), "%d", self->q);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The new image must not have the descriptor. */
		execl("/bin/sh", "sh", "-c",
		      "[ -e /proc/self/fd/$1 ] && exit 1; exit 0",
		      "sh", arg, (char *)NULL);
		_exit(2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

struct thr {
	mqd_t q;
	int n;
	atomic_int got;
};

static void *thr_recv(void *arg)
{
	struct thr *t = arg;
	char buf[64];

	for (int i = 0; i < t->n; i++)
		if (mq_receive(t->q, buf, sizeof(buf), NULL) == sizeof(int))
			atomic_fetch_add(&t->got, 1);
	return NULL;
}

TEST_F(q, threads_share_queue)
{
	struct thr t = { .q = self->q, .n = 250 };
	pthread_t th[4];
	int i, j;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, thr_recv, &t));
	for (i = 0; i < 1000; i++) {
		j = i;
		ASSERT_EQ(0, mq_send(self->q, (char *)&j, sizeof(j), i % 3));
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ(1000, atomic_load(&t.got));
}

/* --- mq_notify --- */

static volatile sig_atomic_t sig_count;
static siginfo_t sig_info;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sig_info = *si;
	sig_count++;
}

static void catch_sigusr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sig_count = 0;
	memset(&sig_info, 0, sizeof(sig_info));
}

static int wait_sig(int want)
{
	for (int i = 0; i < 200 && sig_count < want; i++)
		usleep(10000);
	return sig_count;
}

TEST_F(q, notify_signal_once_with_sender)
{
	struct sigevent sev;
	char buf[64];
	pid_t pid;
	int status;

	catch_sigusr1();
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 4242;
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	/* One registration per queue, even for its owner. */
	errno = 0;
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EBUSY, errno);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Another process cannot register, nor remove ours. */
		if (mq_notify(self->q, &sev) != -1 || errno != EBUSY)
			_exit(1);
		if (mq_notify(self->q, NULL))
			_exit(2);
		if (become_nobody())
			_exit(3);
		if (mq_send(self->q, "x", 1, 0))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(1, wait_sig(1));
	EXPECT_EQ(SI_MESGQ, sig_info.si_code);
	EXPECT_EQ(pid, sig_info.si_pid);
	EXPECT_EQ(65534, sig_info.si_uid);
	EXPECT_EQ(4242, sig_info.si_value.sival_int);

	/* One-shot: a second empty -> non-empty sends nothing. */
	EXPECT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, mq_send(self->q, "y", 1, 0));
	usleep(100000);
	EXPECT_EQ(1, sig_count);
	/* And it may be registered again. */
	EXPECT_EQ(0, mq_notify(self->q, &sev));
}

TEST_F(q, notify_only_when_empty)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR1 };
	char buf[64];

	catch_sigusr1();
	EXPECT_EQ(0, mq_send(self->q, "a", 1, 0));
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(0, mq_send(self->q, "b", 1, 0));
	usleep(100000);
	EXPECT_EQ(0, sig_count);
	EXPECT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, mq_send(self->q, "c", 1, 0));
	EXPECT_EQ(1, wait_sig(1));
}

TEST_F(q, notify_not_with_waiting_receiver)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR1 };
	char buf[64];
	pid_t pid;
	int status;

	catch_sigusr1();
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mq_receive(self->q, buf, sizeof(buf), NULL) == 1 ? 0 : 1);
	usleep(300000);	/* the child is blocked in mq_receive */
	EXPECT_EQ(0, mq_send(self->q, "z", 1, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	usleep(100000);
	EXPECT_EQ(0, sig_count);
	/* Still registered: the next arrival fires it. */
	EXPECT_EQ(0, mq_send(self->q, "z", 1, 0));
	EXPECT_EQ(1, wait_sig(1));
}

TEST_F(q, notify_none_and_remove)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct sigevent bad = { .sigev_notify = 12345 };

	errno = 0;
	EXPECT_EQ(-1, mq_notify(self->q, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad.sigev_notify = SIGEV_SIGNAL;
	bad.sigev_signo = 999;
	errno = 0;
	EXPECT_EQ(-1, mq_notify(self->q, &bad));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, mq_notify(self->q, &sev));
	errno = 0;
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EBUSY, errno);
	/* SIGEV_NONE fires silently and is gone. */
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	EXPECT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	/* Removing what is not registered is not an error. */
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	errno = 0;
	EXPECT_EQ(-1, mq_notify(12345, NULL));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(q, notify_dropped_on_close_by_owner)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR1 };
	mqd_t other;

	catch_sigusr1();
	other = mq_open(self->name, O_RDWR);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	/* Closing any descriptor of the queue drops it, as on Linux. */
	EXPECT_EQ(0, mq_close(other));
	EXPECT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 0));
	usleep(100000);
	EXPECT_EQ(0, sig_count);
}

TEST_F(q, notify_dropped_at_exit)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	pid_t pid;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mq_notify(self->q, &sev) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, mq_notify(self->q, &sev));
}

static pthread_mutex_t thr_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t thr_cond = PTHREAD_COND_INITIALIZER;
static int thr_value;
static pthread_t thr_caller;

static void on_notify(union sigval v)
{
	pthread_mutex_lock(&thr_lock);
	thr_value = v.sival_int;
	thr_caller = pthread_self();
	pthread_cond_signal(&thr_cond);
	pthread_mutex_unlock(&thr_lock);
}

/* A SIGEV_THREAD request: on_notify() runs with @value, in a thread of @attr. */
static struct sigevent thread_sev(int value, pthread_attr_t *attr)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = on_notify;
	sev.sigev_notify_attributes = attr;
	sev.sigev_value.sival_int = value;
	return sev;
}

/* Waits up to 5 s for on_notify(); the value it got, 0 if it did not run. */
static int wait_notify_thread(void)
{
	struct timespec dl;
	int v;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	pthread_mutex_lock(&thr_lock);
	while (!thr_value &&
	       pthread_cond_timedwait(&thr_cond, &thr_lock, &dl) == 0)
		;
	v = thr_value;
	pthread_mutex_unlock(&thr_lock);
	return v;
}

TEST_F(q, notify_thread)
{
	struct sigevent sev = thread_sev(77, NULL);

	thr_value = 0;
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	errno = 0;
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(77, wait_notify_thread());
	EXPECT_FALSE(pthread_equal(thr_caller, pthread_self()));
	/* Removed without firing: the callback never runs. */
	thr_value = 0;
	{
		char buf[64];

		EXPECT_EQ(1, mq_receive(self->q, buf, sizeof(buf), NULL));
	}
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 0));
	usleep(100000);
	EXPECT_EQ(0, thr_value);
}

TEST_F(q, notify_thread_with_attributes)
{
	struct sigevent sev;
	pthread_attr_t attr;

	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setstacksize(&attr, 256 * 1024));
	sev = thread_sev(91, &attr);
	thr_value = 0;
	ASSERT_EQ(0, mq_notify(self->q, &sev));
	/* The attributes are the caller's to destroy at once. */
	pthread_attr_destroy(&attr);
	EXPECT_EQ(0, mq_send(self->q, "x", 1, 0));
	EXPECT_EQ(91, wait_notify_thread());
}

/* mboxctl lists the queue under its mq name, as ls /dev/mqueue would. */
TEST(mboxctl_shows_queue)
{
	char exe[512], cmd[700], line[1024], name[64], want[80];
	struct mq_attr a = mkattr(3, 32);
	bool found = false;
	ssize_t n;
	FILE *p;
	mqd_t q;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(cmd, sizeof(cmd), "%s/../tools/mboxctl mailbox list", exe);
	qname(name, sizeof(name), "ctl x");
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	ASSERT_LE(0, q);
	snprintf(want, sizeof(want), "posix-mq %s", name);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p))
		if (strstr(line, want) && strstr(line, "persistent"))
			found = true;
	EXPECT_EQ(0, pclose(p));
	EXPECT_TRUE(found);
	mq_close(q);
	mq_unlink(name);
}

TEST(fortify_entry)
{
	extern mqd_t __mq_open_2(const char *name, int oflag);
	char name[64];
	struct mq_attr a = mkattr(1, 8);
	mqd_t q, r;

	qname(name, sizeof(name), "fort");
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	ASSERT_LE(0, q);
	r = __mq_open_2(name, O_RDONLY);
	EXPECT_LE(0, r);
	mq_close(r);
	mq_close(q);
	mq_unlink(name);
}

TEST_HARNESS_MAIN
