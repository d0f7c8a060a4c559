/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mbox selftests.
 *
 * Include after kselftest_harness.h (which defines _GNU_SOURCE).  Nothing
 * here uses ASSERT_*: the helpers return values the tests check, so they
 * may also run in forked children and in threads, where the harness's
 * longjmp-based ASSERT must not be used.
 *
 * Conventions:
 *  - raw ioctls go through xioctl(), which returns -errno on failure, like
 *    libmbox does;
 *  - a forked child reports its result as its exit status: 0 for success or
 *    a positive errno value (see child_exit()/child_wait());
 *  - every child is started with fork_child(), which arms PR_SET_PDEATHSIG
 *    so that no child outlives a test that failed or timed out, and
 *    registers it so that a fixture teardown can reap_children().
 */
#ifndef MBOX_SELFTEST_UTIL_H
#define MBOX_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbox/mbox.h>

#include "mbox_testlib.h"

#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

/* The unprivileged identity the tests drop to (nobody/nogroup). */
#define NOBODY_ID	65534

/* How long the helpers wait for an expected state before giving up. */
#define STATE_WAIT_MS	20000

/* A short pause used only to show that something does NOT happen. */
#define NEGATIVE_WAIT_MS 150

/* ---------------------------------------------------------- the module */

/*
 * Without the module there is nothing to test: the whole suite is skipped
 * (exit 4, KSFT_SKIP) rather than reported as failures.  A suite that loads
 * the module itself (mbox_module) defines MBOX_SUITE_LOADS_MODULE and makes
 * that decision on its own.
 */
#ifndef MBOX_SUITE_LOADS_MODULE
__attribute__((constructor)) static void mbox_require_module(void)
{
	if (access(MBOX_DEVICE_PATH, F_OK) == 0)
		return;
	ksft_print_header();
	ksft_exit_skip("%s missing: the mbox module is not loaded (modprobe mbox)\n",
		       MBOX_DEVICE_PATH);
}
#endif

/* ---------------------------------------------------------------- time */

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline struct timespec ns_to_ts(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / NSEC_PER_SEC),
		.tv_nsec = (long)(ns % NSEC_PER_SEC),
	};
	return ts;
}

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* -------------------------------------------------------------- ioctls */

static inline int xioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* A fresh descriptor of /dev/mbox (not libmbox's cached one). */
static inline int dev_open(void)
{
	int fd = open(MBOX_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* An address that always faults: a PROT_NONE page kept for the process. */
static inline void *bad_ptr(void)
{
	static void *page;

	if (!page) {
		page = mmap(NULL, 4096, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			page = (void *)8; /* the zero page is never mapped */
	}
	return page;
}

static inline uint64_t bad_uptr(void)
{
	return (uint64_t)(uintptr_t)bad_ptr();
}

/* A name no other test (or earlier run) uses: "st.<pid>.<tag>.<n>". */
static inline const char *unique_name(char *buf, size_t size, const char *tag)
{
	static unsigned int counter;

	snprintf(buf, size, "st.%d.%s.%u", (int)getpid(), tag, ++counter);
	return buf;
}

static inline struct mbox_create create_req(uint32_t capacity_mode,
					    uint32_t capacity,
					    uint32_t msg_size)
{
	struct mbox_create c;

	memset(&c, 0, sizeof(c));
	c.capacity_mode = capacity_mode;
	c.capacity = capacity;
	c.msg_size = msg_size;
	c.fd_flags = O_CLOEXEC;
	return c;
}

/* Plain blocking send with a type tag; returns 0 or -errno. */
static inline int send_msg(int fd, const void *buf, uint32_t len,
			   uint32_t prio, uint32_t type, uint32_t flags)
{
	struct mbox_send s;

	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.len = len;
	s.priority = prio;
	s.type = type;
	s.flags = flags;
	return mbox_sendx(fd, &s);
}

/* Receive into a struct mbox_recv; returns 0 or -errno. */
static inline int recv_msg(int fd, void *buf, uint32_t len, uint32_t flags,
			   struct mbox_recv *r)
{
	memset(r, 0, sizeof(*r));
	r->buf = (uintptr_t)buf;
	r->len = len;
	r->flags = flags;
	return mbox_recvx(fd, r);
}

static inline struct mbox_info info_or_zero(int fd)
{
	struct mbox_info info;

	memset(&info, 0, sizeof(info));
	if (mbox_info(fd, &info) < 0) {
		memset(&info, 0xff, sizeof(info));
		info.state = UINT32_MAX;
	}
	return info;
}

enum info_field {
	INFO_QUEUED,
	INFO_WAITING_SENDERS,
	INFO_SENT,
	INFO_RECEIVED,
	INFO_STATE,
};

static inline uint64_t info_field(const struct mbox_info *i, enum info_field f)
{
	switch (f) {
	case INFO_QUEUED:
		return i->queued;
	case INFO_WAITING_SENDERS:
		return i->waiting_senders;
	case INFO_SENT:
		return i->sent;
	case INFO_RECEIVED:
		return i->received;
	case INFO_STATE:
		return i->state;
	}
	return UINT64_MAX;
}

/*
 * Poll MBOX_IOC_INFO on @fd until @field equals @value; 0 when it does,
 * -ETIMEDOUT after STATE_WAIT_MS, or the MBOX_IOC_INFO error.
 */
static inline int wait_info(int fd, enum info_field field, uint64_t value)
{
	uint64_t deadline = now_ns() + STATE_WAIT_MS * NSEC_PER_MSEC;
	struct mbox_info info;
	int ret;

	for (;;) {
		ret = mbox_info(fd, &info);
		if (ret < 0)
			return ret;
		if (info_field(&info, field) == value)
			return 0;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
}

/*
 * Wait until thread @tid of process @pid sleeps (state S) inside ioctl(2)
 * with request @cmd, i.e. it is blocked in that mbox call.  Uses
 * /proc/PID/task/TID/syscall; 0 when seen, -ETIMEDOUT otherwise.
 */
static inline int wait_blocked_in_syscall(pid_t pid, pid_t tid, long nr1,
					  long nr2, bool check_cmd,
					  unsigned long cmd);

static inline int wait_blocked_in_ioctl(pid_t pid, pid_t tid,
					unsigned long cmd)
{
	return wait_blocked_in_syscall(pid, tid, SYS_ioctl, SYS_ioctl, true,
				       cmd);
}

/* Like wait_blocked_in_ioctl(), for a task sleeping in poll(2)/ppoll(2). */
static inline int wait_blocked_in_poll(pid_t pid, pid_t tid)
{
	return wait_blocked_in_syscall(pid, tid, SYS_poll, SYS_ppoll, false, 0);
}

/*
 * Waits until the task sleeps (state S) in system call @nr1 or @nr2 (with
 * second argument @cmd if @check_cmd); 0, or -ETIMEDOUT.  A task merely
 * sleeping - in a page fault on the 9p root, say - does not count.
 */
static inline int wait_blocked_in_syscall(pid_t pid, pid_t tid, long nr1,
					  long nr2, bool check_cmd,
					  unsigned long cmd)
{
	uint64_t deadline = now_ns() + STATE_WAIT_MS * NSEC_PER_MSEC;
	char path[96], buf[512];

	for (;;) {
		long nr = -1;
		unsigned long a0 = 0, a1 = 0;
		char state = '?';
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall",
			 (int)pid, (int)tid);
		f = fopen(path, "re");
		if (!f)
			return -errno;
		if (fgets(buf, sizeof(buf), f) &&
		    sscanf(buf, "%ld %lx %lx", &nr, &a0, &a1) != 3)
			nr = -1;
		fclose(f);

		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat",
			 (int)pid, (int)tid);
		f = fopen(path, "re");
		if (!f)
			return -errno;
		if (fgets(buf, sizeof(buf), f)) {
			char *p = strrchr(buf, ')');

			if (p && p[1] == ' ')
				state = p[2];
		}
		fclose(f);

		if ((nr == nr1 || nr == nr2) && (!check_cmd || a1 == cmd) &&
		    state == 'S')
			return 0;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
}

/*
 * Wait until thread @tid of process @pid sleeps interruptibly (state S),
 * e.g. in poll(2).  0 when seen, -ETIMEDOUT otherwise.
 */
static inline int wait_task_sleeping(pid_t pid, pid_t tid)
{
	uint64_t deadline = now_ns() + STATE_WAIT_MS * NSEC_PER_MSEC;
	char path[96], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid,
		 (int)tid);
	for (;;) {
		char state = '?';
		FILE *f = fopen(path, "re");

		if (!f)
			return -errno;
		if (fgets(buf, sizeof(buf), f)) {
			char *p = strrchr(buf, ')');

			if (p && p[1] == ' ')
				state = p[2];
		}
		fclose(f);
		if (state == 'S')
			return 0;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
}

/* Is @fd readable right now (e.g. has a child written its result yet)? */
static inline bool fd_readable_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP));
}

/* poll(2) one descriptor; returns revents, or -errno (mbox_testlib). */
#define poll_one(fd, events, timeout_ms)	mt_poll_one(fd, events, timeout_ms)

/* -------------------------------------------------------- module params */

/*
 * tools/testing/lib/mbox_testlib.h has the parameters (and the userfaultfd
 * and memory-cgroup set-ups); the suites keep their short names.
 */
#define PARAM_DIR		MT_PARAM_DIR
#define param_read(name, val)	mt_param_read(name, val)
#define param_write(name, val)	mt_param_write(name, val)

/*
 * Last line of defence for module parameters: the harness's main process
 * snapshots them at start-up and puts back any that a test (which runs in
 * a forked child) changed but could not restore, e.g. because it was
 * killed on timeout.  Tests still restore in their FIXTURE_TEARDOWN.
 */
static struct mt_params mbox_params_at_start;

static void __attribute__((constructor)) mbox_params_snapshot(void)
{
	mt_params_save(&mbox_params_at_start);
}

static void __attribute__((destructor)) mbox_params_restore(void)
{
	mt_params_restore(&mbox_params_at_start);
}

/* ------------------------------------------------------------ children */

#define MAX_CHILDREN 64
static pid_t child_pids[MAX_CHILDREN];

/*
 * fork() a child that dies with SIGKILL when the test process dies.
 * Returns as fork() does.
 */
static inline pid_t fork_child(void)
{
	pid_t parent = getpid();
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(120);
		memset(child_pids, 0, sizeof(child_pids));
		return 0;
	}
	if (pid > 0) {
		for (int i = 0; i < MAX_CHILDREN; i++) {
			if (!child_pids[i]) {
				child_pids[i] = pid;
				break;
			}
		}
	}
	return pid;
}

static inline void forget_child(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (child_pids[i] == pid)
			child_pids[i] = 0;
}

/* End a child with its result: 0, or a negative errno as returned. */
static inline __attribute__((noreturn)) void child_exit(int ret)
{
	_exit(ret < 0 ? (-ret > 254 ? 254 : -ret) : (ret ? 253 : 0));
}

/*
 * Wait for a child; returns its result as given to child_exit() turned back
 * into 0 / -errno, 1000 + signal number if it was killed, or -ETIME if it
 * did not end within @timeout_ms (it is then killed and reaped).
 */
#define CHILD_TIMEOUT	(-ETIME)
static inline int child_result(pid_t pid, int status)
{
	forget_child(pid);
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return -WEXITSTATUS(status);
}

static inline int child_wait_ms(pid_t pid, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			forget_child(pid);
			return CHILD_TIMEOUT;
		}
		sleep_ms(1);
	}
	return child_result(pid, status);
}

/*
 * Reap a child if it has ended: true with its result (as child_wait_ms()
 * gives it) in *ret, false if it is still running (it is left alone).
 */
static inline bool child_try_wait(pid_t pid, int *ret)
{
	int status;
	pid_t r;

	do
		r = waitpid(pid, &status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return false;
	*ret = r == pid ? child_result(pid, status) : -errno;
	if (r < 0)
		forget_child(pid);
	return true;
}

static inline int child_wait(pid_t pid)
{
	return child_wait_ms(pid, STATE_WAIT_MS);
}

/* Kill and reap every child still registered (fixture teardowns). */
static inline void reap_children(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (child_pids[i] > 0) {
			kill(child_pids[i], SIGKILL);
			waitpid(child_pids[i], NULL, 0);
			child_pids[i] = 0;
		}
	}
}

/*
 * The group through which unprivileged users reach /dev/mbox under the
 * installed policy: the udev rule makes the node root:mbox 0660 and users
 * join "mbox" (usermod -aG mbox).  When the node grants its group nothing
 * (the module's own root-only default), nogroup: such a user is shut out,
 * as on a real system.
 */
static inline gid_t dev_group(void)
{
	struct stat st;

	if (stat(MBOX_DEVICE_PATH, &st) == 0 && (st.st_mode & 0060) == 0060)
		return st.st_gid;
	return NOBODY_ID;
}

/*
 * Become nobody/nogroup whose only supplementary group is dev_group().
 * Leaving uid 0 also clears the effective capabilities.  The death signal
 * is re-armed because a credential change clears it.  Returns 0 or -errno.
 */
static inline int drop_privileges(void)
{
	gid_t groups[1] = { dev_group() };

	if (setgroups(1, groups) < 0)
		return -errno;
	if (setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0)
		return -errno;
	if (setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0)
		return -errno;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return 0;
}

/* A pipe pair used to pass small results and "go" signals between tasks. */
static inline int pipe_write_u64(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -EIO;
}

static inline int pipe_read_u64(int fd, uint64_t *v)
{
	ssize_t n;

	do {
		n = read(fd, v, sizeof(*v));
	} while (n < 0 && errno == EINTR);
	return n == sizeof(*v) ? 0 : -EIO;
}

/* -------------------------------------------------------- sender thread */

/*
 * A send run on its own thread, for waits the main thread must observe or
 * end (e.g. a ZERO-capacity send that waits for the main thread's receive).
 */
struct async_send {
	pthread_t thread;
	int fd;
	struct mbox_send req;
	int ret;
	pid_t tid;
	atomic_int started;
	atomic_int done;
	char buf[512];
};

static void *async_send_fn(void *arg)
{
	struct async_send *a = arg;

	a->tid = (pid_t)syscall(SYS_gettid);
	atomic_store(&a->started, 1);
	a->ret = mbox_sendx(a->fd, &a->req);
	atomic_store(&a->done, 1);
	return NULL;
}

/* Start the send described by @req (used as is) on @fd. */
static inline int async_send_start_req(struct async_send *a, int fd,
				       const struct mbox_send *req)
{
	a->fd = fd;
	a->req = *req;
	a->ret = 0;
	atomic_store(&a->started, 0);
	atomic_store(&a->done, 0);
	if (pthread_create(&a->thread, NULL, async_send_fn, a))
		return -EAGAIN;
	while (!atomic_load(&a->started))
		sleep_ms(1);
	return 0;
}

/* Start sending @len bytes of @data (copied) on @fd.  Returns 0 or -errno. */
static inline int async_send_start(struct async_send *a, int fd,
				   const void *data, uint32_t len,
				   uint32_t prio, uint32_t type, uint32_t flags)
{
	struct mbox_send req;

	if (len > sizeof(a->buf))
		return -E2BIG;
	memset(a, 0, sizeof(*a));
	if (data)
		memcpy(a->buf, data, len);
	memset(&req, 0, sizeof(req));
	req.buf = data ? (uintptr_t)a->buf : 0;
	req.len = len;
	req.priority = prio;
	req.type = type;
	req.flags = flags;
	return async_send_start_req(a, fd, &req);
}

/* Wait for the send to finish; returns its result, -ETIME on timeout. */
static inline int async_send_join(struct async_send *a, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;

	while (!atomic_load(&a->done)) {
		if (now_ns() > deadline)
			return -ETIME;
		sleep_ms(1);
	}
	pthread_join(a->thread, NULL);
	return a->ret;
}

#endif /* MBOX_SELFTEST_UTIL_H */
