// SPDX-License-Identifier: GPL-2.0
/*
 * ring_bench: messages per second over the mbox shared ring against a pipe
 * and the MBOX_IOC_SEND/RECV path, in the same run; and the cost of a
 * sleep/wake round trip through the ring's kernel wait against a futex in
 * shared memory (the two ways a ring side could sleep), with the ioctl
 * path's sleep/wake as a reference.
 *
 *   ring_bench [-w] [-p PRODUCERS] [-n MESSAGES] [-r REPEATS]
 *
 * Every producer and the consumer are separate processes.  Messages are
 * 64 bytes.  Each figure is the median of the repeats, with min and max.
 * -w runs only the sleep/wake round trips (MESSAGES / 40 of them).
 * -p runs only the ring with that many producers (1 to 8): REPEATS times
 * MESSAGES messages, for counting what they cost (system calls, say).
 * Not a test: it asserts nothing about speed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbox/mbox.h>
#include <mbox/mbox_ring.h>

#define MSG		64
#define MAX_PRODUCERS	8
#define MAX_REPEATS	15

static unsigned long nmsgs = 200000;
static int repeats = 5;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "ring_bench: %s: %s\n", what, strerror(err));
	exit(1);
}

static pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork", errno);
	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return pid;
}

static void reap(pid_t *pids, int n)
{
	int status;

	for (int i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			die("producer failed", EIO);
	}
}

/* ------------------------------------------------------------ pipe */

static double run_pipe(int producers)
{
	unsigned long per = nmsgs / producers;
	pid_t pids[MAX_PRODUCERS];
	char buf[MSG] = "";
	int fds[2];
	double t0, t1;

	if (pipe(fds))
		die("pipe", errno);
	t0 = now();
	for (int p = 0; p < producers; p++) {
		pids[p] = spawn();
		if (pids[p] == 0) {
			close(fds[0]);
			for (unsigned long i = 0; i < per; i++)
				if (write(fds[1], buf, MSG) != MSG)
					_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (unsigned long i = 0; i < per * producers; i++) {
		size_t got = 0;

		while (got < MSG) {
			ssize_t n = read(fds[0], buf + got, MSG - got);

			if (n <= 0)
				die("pipe read", n ? errno : EPIPE);
			got += (size_t)n;
		}
	}
	t1 = now();
	close(fds[0]);
	reap(pids, producers);
	return (double)(per * producers) / (t1 - t0);
}

/* ------------------------------------------------------------ mbox */

/* Segments: one per producer (at most 8) and spare, within the byte limit. */
static uint32_t ring_nsegs(uint32_t nslots, uint32_t slot_size)
{
	uint32_t n = 16;

	while (n > 1 && (uint64_t)n * nslots * slot_size > MBOX_RING_BYTES_MAX)
		n--;
	return n;
}

static int new_mailbox(uint64_t *id, int ring_slots)
{
	struct mbox_attr a = MBOX_ATTR_BOUNDED(256, MSG);
	int fd, err;

	a.mode = 0600;
	a.fd_flags = O_CLOEXEC;
	fd = mbox_create(&a, NULL, id);
	if (fd < 0)
		die("mbox_create", -fd);
	if (ring_slots) {
		err = mbox_ring_setup(fd, ring_nsegs((uint32_t)ring_slots,
						     MSG + 16),
				      (uint32_t)ring_slots, MSG + 16);
		if (err)
			die("mbox_ring_setup", -err);
	}
	return fd;
}

static double run_ring(int producers)
{
	unsigned long per = nmsgs / producers;
	pid_t pids[MAX_PRODUCERS];
	struct mbox_ring r;
	char buf[MSG] = "";
	double t0, t1;
	uint64_t id;
	int owner = new_mailbox(&id, 256);
	int err;

	err = mbox_ring_map(&r, owner);
	if (err)
		die("mbox_ring_map", -err);
	t0 = now();
	for (int p = 0; p < producers; p++) {
		pids[p] = spawn();
		if (pids[p] == 0) {
			struct mbox_ring pr;
			int user = mbox_open_id(id, O_CLOEXEC);

			if (user < 0 || mbox_ring_map(&pr, user))
				_exit(1);
			for (unsigned long i = 0; i < per; i++)
				if (mbox_ring_send(&pr, buf, MSG, 0))
					_exit(1);
			_exit(0);
		}
	}
	for (unsigned long i = 0; i < per * producers; i++) {
		ssize_t n = mbox_ring_recv(&r, buf, sizeof(buf), NULL);

		if (n != MSG)
			die("mbox_ring_recv", n < 0 ? (int)-n : EIO);
	}
	t1 = now();
	reap(pids, producers);
	mbox_ring_unmap(&r);
	close(owner);
	return (double)(per * producers) / (t1 - t0);
}

static double run_ioctl(int producers)
{
	unsigned long per = nmsgs / producers;
	pid_t pids[MAX_PRODUCERS];
	char buf[MSG] = "";
	double t0, t1;
	uint64_t id;
	int owner = new_mailbox(&id, 0);

	t0 = now();
	for (int p = 0; p < producers; p++) {
		pids[p] = spawn();
		if (pids[p] == 0) {
			int user = mbox_open_id(id, O_CLOEXEC);

			if (user < 0)
				_exit(1);
			for (unsigned long i = 0; i < per; i++)
				if (mbox_send(user, buf, MSG, 0))
					_exit(1);
			_exit(0);
		}
	}
	for (unsigned long i = 0; i < per * producers; i++)
		if (mbox_recv(owner, buf, sizeof(buf), NULL) != MSG)
			die("mbox_recv", EIO);
	t1 = now();
	reap(pids, producers);
	close(owner);
	return (double)(per * producers) / (t1 - t0);
}

/* ------------------------------------------------ sleep/wake round trips */

/*
 * Ping-pong through two one-slot rings: every message finds the other side
 * asleep in MBOX_IOC_RING_WAIT, so each round trip is two sleeps and two
 * MBOX_IOC_RING_WAKE calls.
 */
/* A receive that would only stall on a lost wake-up: say so, do not hang. */
static ssize_t recv_guarded(struct mbox_ring *r, char *buf)
{
	struct timespec dl;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += 30;
	n = mbox_ring_recv_timed(r, buf, MSG, NULL, &dl);
	if (n == -ETIMEDOUT)
		fprintf(stderr, "ring_bench: no message for 30 s: lost wake-up?\n");
	return n;
}

static double run_ring_pingpong(unsigned long rounds)
{
	uint64_t ping_id, pong_id;
	int ping = new_mailbox(&ping_id, 1), pong = new_mailbox(&pong_id, 1);
	struct mbox_ring in, out;
	char buf[MSG] = "";
	double t0, t1;
	pid_t pid;

	pid = spawn();
	if (pid == 0) {
		/* Consumes "ping" (its owner handle is inherited), sends "pong". */
		int u = mbox_open_id(pong_id, O_CLOEXEC);

		if (u < 0 || mbox_ring_map(&in, ping) || mbox_ring_map(&out, u))
			_exit(1);
		for (unsigned long i = 0; i < rounds; i++) {
			if (recv_guarded(&in, buf) < 0)
				_exit(1);
			if (mbox_ring_send(&out, buf, MSG, 0))
				_exit(1);
		}
		_exit(0);
	}
	{
		int u = mbox_open_id(ping_id, O_CLOEXEC);

		if (u < 0 || mbox_ring_map(&in, pong) || mbox_ring_map(&out, u))
			die("mbox_ring_map", EIO);
		close(u);
	}
	t0 = now();
	for (unsigned long i = 0; i < rounds; i++) {
		if (mbox_ring_send(&out, buf, MSG, 0))
			die("mbox_ring_send", EIO);
		if (recv_guarded(&in, buf) < 0)
			die("mbox_ring_recv", EIO);
	}
	t1 = now();
	reap(&pid, 1);
	mbox_ring_unmap(&in);
	mbox_ring_unmap(&out);
	close(ping);
	close(pong);
	return (double)rounds / (t1 - t0);
}

/* The same ping-pong through MBOX_IOC_SEND/RECV on two mailboxes. */
static double run_ioctl_pingpong(unsigned long rounds)
{
	uint64_t ping_id, pong_id;
	int ping = new_mailbox(&ping_id, 0), pong = new_mailbox(&pong_id, 0);
	char buf[MSG] = "";
	double t0, t1;
	pid_t pid;
	int u;

	pid = spawn();
	if (pid == 0) {
		u = mbox_open_id(pong_id, O_CLOEXEC);
		for (unsigned long i = 0; i < rounds; i++) {
			if (mbox_recv(ping, buf, sizeof(buf), NULL) < 0 ||
			    mbox_send(u, buf, MSG, 0))
				_exit(1);
		}
		_exit(0);
	}
	u = mbox_open_id(ping_id, O_CLOEXEC);
	t0 = now();
	for (unsigned long i = 0; i < rounds; i++) {
		if (mbox_send(u, buf, MSG, 0) ||
		    mbox_recv(pong, buf, sizeof(buf), NULL) < 0)
			die("ioctl ping-pong", EIO);
	}
	t1 = now();
	reap(&pid, 1);
	close(u);
	close(ping);
	close(pong);
	return (double)rounds / (t1 - t0);
}

static long futex(_Atomic uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

/* Wait until *w == want: spin never, sleep on the futex. */
static void futex_await(_Atomic uint32_t *w, uint32_t want)
{
	uint32_t v;

	while ((v = atomic_load(w)) != want)
		futex(w, FUTEX_WAIT, v);
}

/*
 * The same ping-pong over a futex word per direction in a MAP_SHARED page
 * (shmem-backed, as a futex ring would need): each side bumps the other's
 * word and FUTEX_WAKEs it, then FUTEX_WAITs on its own.
 */
static double run_futex_pingpong(unsigned long rounds)
{
	_Atomic uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double t0, t1;
	pid_t pid;

	if (w == MAP_FAILED)
		die("mmap", errno);
	atomic_store(&w[0], 0);
	atomic_store(&w[16], 0);
	pid = spawn();
	if (pid == 0) {
		for (uint32_t i = 1; i <= rounds; i++) {
			futex_await(&w[0], i);
			atomic_store(&w[16], i);
			futex(&w[16], FUTEX_WAKE, 1);
		}
		_exit(0);
	}
	t0 = now();
	for (uint32_t i = 1; i <= rounds; i++) {
		atomic_store(&w[0], i);
		futex(&w[0], FUTEX_WAKE, 1);
		futex_await(&w[16], i);
	}
	t1 = now();
	reap(&pid, 1);
	munmap((void *)w, 4096);
	return (double)rounds / (t1 - t0);
}

/* ------------------------------------------------------------ driver */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *name, double (*fn)(int), int arg,
		   const char *unit)
{
	double v[MAX_REPEATS];

	for (int i = 0; i < repeats; i++)
		v[i] = fn(arg);
	qsort(v, (size_t)repeats, sizeof(v[0]), cmp_double);
	printf("%-34s %12.0f %s (min %.0f, max %.0f)\n", name,
	       v[repeats / 2], unit, v[0], v[repeats - 1]);
	fflush(stdout);
}

static double pingpong_ring(int rounds)
{
	return run_ring_pingpong((unsigned long)rounds);
}

static double pingpong_ioctl(int rounds)
{
	return run_ioctl_pingpong((unsigned long)rounds);
}

static double pingpong_futex(int rounds)
{
	return run_futex_pingpong((unsigned long)rounds);
}

int main(int argc, char **argv)
{
	int opt, only_wake = 0, only_ring = 0;

	while ((opt = getopt(argc, argv, "n:p:r:w")) != -1) {
		switch (opt) {
		case 'p':
			only_ring = atoi(optarg);
			if (only_ring < 1 || only_ring > MAX_PRODUCERS)
				die("bad -p", EINVAL);
			break;
		case 'w':
			only_wake = 1;
			break;
		case 'n':
			nmsgs = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			repeats = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-w] [-p PRODUCERS] [-n MESSAGES] [-r REPEATS]\n",
				argv[0]);
			return 2;
		}
	}
	if (repeats < 1 || repeats > MAX_REPEATS || nmsgs < MAX_PRODUCERS)
		die("bad arguments", EINVAL);

	printf("# %lu messages of %d bytes, median of %d runs\n", nmsgs, MSG,
	       repeats);
	if (only_ring) {
		report("ring", run_ring, only_ring, "msgs/s");
		return 0;
	}
	if (only_wake)
		goto wake;
	report("pipe, 1 producer", run_pipe, 1, "msgs/s");
	report("ring, 1 producer", run_ring, 1, "msgs/s");
	report("ioctl SEND/RECV, 1 producer", run_ioctl, 1, "msgs/s");
	report("pipe, 8 producers", run_pipe, 8, "msgs/s");
	report("ring, 8 producers", run_ring, 8, "msgs/s");
	report("ioctl SEND/RECV, 8 producers", run_ioctl, 8, "msgs/s");
wake:
	report("sleep/wake: ring kernel wait", pingpong_ring,
	       (int)(nmsgs / 40), "round trips/s");
	report("sleep/wake: ioctl SEND/RECV", pingpong_ioctl,
	       (int)(nmsgs / 40), "round trips/s");
	report("sleep/wake: futex in shmem", pingpong_futex,
	       (int)(nmsgs / 40), "round trips/s");
	return 0;
}
