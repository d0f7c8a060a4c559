// SPDX-License-Identifier: GPL-2.0
/*
 * fcount-load: the traced load of tools/testing/bench/fcount.  One process sends a
 * 64-byte message and receives it back, @n times, through one mechanism,
 * with nobody waiting on either side: the calls it makes are the cost of
 * the code paths alone, with no scheduler in between.
 *
 *   fcount-load TRACEFS MECHANISM N
 *
 * MECHANISM: mbox-bounded, mbox-unbounded, posix-mq, or mbox-batch (BOUNDED,
 * BATCH messages sent in one MBOX_IOC_SEND_BATCH and received back in one
 * MBOX_IOC_RECV_BATCH: the report divides its counts by BATCH too).  The
 * tracer is set up
 * by the caller with tracing off; this program traces only itself (it
 * writes its pid to set_ftrace_pid), warms up, then turns tracing on for
 * exactly the @n round trips and marks each phase in the trace with
 * trace_marker ("fcount send" / "fcount recv"), so that the caller can
 * attribute every call to the send or the receive.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbox.h"

#define MSG	64
#define WARM	64
#define BATCH	32

static int tfd(const char *dir, const char *file, int flags)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fcount-load: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0) {
		perror("fcount-load: write");
		exit(2);
	}
}

struct mech {
	int owner, user;
	mqd_t mq;
	int is_mq;
	int batch;
};

static char bbuf[BATCH][MSG];

/* BATCH messages out in one call, and back in one. */
static void one_batch(struct mech *m, int marker)
{
	struct mbox_msgvec vec[BATCH];
	int i, n;

	memset(vec, 0, sizeof(vec));
	for (i = 0; i < BATCH; i++) {
		vec[i].buf = (uintptr_t)bbuf[i];
		vec[i].len = MSG;
	}
	if (marker >= 0)
		put(marker, "fcount send");
	n = mbox_send_batch(m->user, vec, BATCH, 0, NULL);
	if (n != BATCH) {
		fprintf(stderr, "fcount-load: send batch: %d\n", n);
		exit(1);
	}
	if (marker >= 0)
		put(marker, "fcount recv");
	memset(vec, 0, sizeof(vec));
	for (i = 0; i < BATCH; i++) {
		vec[i].buf = (uintptr_t)bbuf[i];
		vec[i].len = MSG;
	}
	n = mbox_recv_batch(m->owner, vec, BATCH, 0, NULL);
	if (n != BATCH) {
		fprintf(stderr, "fcount-load: receive batch: %d\n", n);
		exit(1);
	}
	if (marker >= 0)
		put(marker, "fcount end");
}

static void one(struct mech *m, char *buf, int marker)
{
	ssize_t n;

	if (m->batch) {
		one_batch(m, marker);
		return;
	}
	if (marker >= 0)
		put(marker, "fcount send");
	if (m->is_mq ? mq_send(m->mq, buf, MSG, 0) :
	    mbox_send(m->user, buf, MSG, 0)) {
		perror("fcount-load: send");
		exit(1);
	}
	if (marker >= 0)
		put(marker, "fcount recv");
	n = m->is_mq ? mq_receive(m->mq, buf, MSG, NULL) :
	    mbox_recv(m->owner, buf, MSG, NULL);
	if (n != MSG) {
		perror("fcount-load: receive");
		exit(1);
	}
	if (marker >= 0)
		put(marker, "fcount end");
}

int main(int argc, char **argv)
{
	struct mech m = { .owner = -1, .user = -1, .mq = (mqd_t)-1 };
	struct mbox_attr attr;
	char buf[MSG] = "fcount", pid[32];
	int on, marker, i, n;
	uint64_t id;

	if (argc != 4 || (n = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: fcount-load TRACEFS MECHANISM N\n");
		return 2;
	}
	if (!strcmp(argv[2], "posix-mq")) {
		struct mq_attr qa = { .mq_maxmsg = 64, .mq_msgsize = MSG };

		m.is_mq = 1;
		m.mq = mq_open("/fcount", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			       0600, &qa);
		if (m.mq == (mqd_t)-1) {
			perror("fcount-load: mq_open");
			return 1;
		}
		mq_unlink("/fcount");
	} else {
		m.batch = !strcmp(argv[2], "mbox-batch");
		if (!strcmp(argv[2], "mbox-bounded") || m.batch)
			attr = (struct mbox_attr)MBOX_ATTR_BOUNDED(64, MSG);
		else if (!strcmp(argv[2], "mbox-unbounded"))
			attr = (struct mbox_attr)MBOX_ATTR_UNBOUNDED(MSG);
		else
			return 2;
		m.owner = mbox_create(&attr, NULL, &id);
		if (m.owner < 0) {
			fprintf(stderr, "fcount-load: mbox_create: %s\n",
				strerror(-m.owner));
			return 1;
		}
		m.user = mbox_open_id(id, O_CLOEXEC);
		if (m.user < 0) {
			fprintf(stderr, "fcount-load: mbox_open_id: %s\n",
				strerror(-m.user));
			return 1;
		}
	}

	on = tfd(argv[1], "tracing_on", O_WRONLY);
	marker = tfd(argv[1], "trace_marker", O_WRONLY);
	i = tfd(argv[1], "set_ftrace_pid", O_WRONLY | O_TRUNC);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	put(i, pid);
	close(i);

	/* Caches and slabs warm, lazily set-up state in place. */
	for (i = 0; i < WARM; i++)
		one(&m, buf, -1);
	put(on, "1");
	for (i = 0; i < n; i++)
		one(&m, buf, marker);
	put(on, "0");
	return 0;
}
