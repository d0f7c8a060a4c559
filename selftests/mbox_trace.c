// SPDX-License-Identifier: GPL-2.0
/*
 * mbox tracepoints: every event exists with its documented fields, and known
 * exchanges record exactly the expected events with the right values.
 *
 * Each test records into its own tracefs instance (instances/mbox_trace.PID,
 * global trace clock, only the mbox events enabled), so nothing else that
 * traces on the machine is disturbed or disturbs the test.  Needs root and
 * tracefs (mounted on /sys/kernel/tracing if it is not there yet).
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

/* Before 6.4, kselftest_harness.h runs the test even after a SKIP in setup. */
#define RETURN_IF_SKIPPED() do { if (_metadata->skip) return; } while (0)

#include <sched.h>
#include <sys/mount.h>

#define TRACEFS		"/sys/kernel/tracing"
#define MSG		64
#define MAX_EVENTS	256
#define TRACE_BUF	(1 << 20)

static const char *const event_names[] = {
	"mbox_create", "mbox_destroy", "mbox_owner_death", "mbox_send",
	"mbox_recv", "mbox_block", "mbox_wake",
};

/* One recorded event: its name and its "key=value ..." text. */
struct event {
	char name[32];
	char fields[256];
};

static int write_str(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != (ssize_t)len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Reads a whole (pseudo) file into @buf, NUL-terminated; length or -errno. */
static ssize_t read_all(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* tracefs at TRACEFS, mounting it if needed: 0 or -errno. */
static int tracefs_ready(void)
{
	if (access(TRACEFS "/instances", F_OK) == 0)
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) < 0)
		return -errno;
	return access(TRACEFS "/instances", F_OK) ? -errno : 0;
}

/*
 * The value of @key in @e ("key=value" separated by spaces); false if the
 * event has no such field.
 */
static bool field(const struct event *e, const char *key, char *val,
		  size_t size)
{
	size_t klen = strlen(key);
	const char *p = e->fields;

	while (*p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, " ");

			if (n >= size)
				n = size - 1;
			memcpy(val, p + klen + 1, n);
			val[n] = '\0';
			return true;
		}
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	return false;
}

static unsigned long long field_u64(const struct event *e, const char *key)
{
	char v[64];

	return field(e, key, v, sizeof(v)) ? strtoull(v, NULL, 0) : ~0ULL;
}

FIXTURE(trace) {
	char dir[128];
	char *buf;
	struct event ev[MAX_EVENTS];
	int nev;
	int dev;
};

static int instance_write(struct _test_data_trace *self, const char *file,
			  const char *s)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", self->dir, file);
	return write_str(path, s);
}

FIXTURE_SETUP(trace)
{
	char path[256];
	cpu_set_t cpus;
	size_t i;
	int cpu;
	int ret;

	self->dir[0] = '\0';
	self->buf = NULL;
	self->dev = -1;
	if (geteuid() != 0)
		SKIP(return, "tracing needs root");
	ret = tracefs_ready();
	if (ret < 0)
		SKIP(return, "no tracefs at " TRACEFS ": %s", strerror(-ret));

	/* The module's events must be there whenever tracing is. */
	for (i = 0; i < ARRAY_SIZE(event_names); i++) {
		snprintf(path, sizeof(path), TRACEFS "/events/mbox/%s",
			 event_names[i]);
		ASSERT_EQ(0, access(path, F_OK)) TH_LOG("%s missing", path);
	}

	snprintf(self->dir, sizeof(self->dir),
		 TRACEFS "/instances/mbox_trace.%d", (int)getpid());
	rmdir(self->dir);
	ASSERT_EQ(0, mkdir(self->dir, 0700)) TH_LOG("mkdir %s: %s", self->dir,
						    strerror(errno));
	/* Events of several CPUs in one order: the global clock. */
	ASSERT_EQ(0, instance_write(self, "trace_clock", "global"));
	/*
	 * Each CPU records into its own buffer and the reader merges them by
	 * timestamp; the vCPUs of an emulated guest can disagree by more than
	 * the gap between two tasks' events (seen on the debug kernel, where
	 * a wake-up was listed before the destroy that caused it).  All the
	 * tasks of a test (children inherit this) run on one CPU, so their
	 * events come in the order they happened.
	 */
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(cpus), &cpus));
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &cpus); cpu++)
		;
	ASSERT_GT(CPU_SETSIZE, cpu);
	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	ASSERT_EQ(0, instance_write(self, "events/mbox/enable", "1"));
	self->buf = malloc(TRACE_BUF);
	ASSERT_NE(NULL, self->buf);
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(trace)
{
	reap_children();
	if (self->dev >= 0)
		close(self->dev);
	if (self->dir[0]) {
		instance_write(self, "events/mbox/enable", "0");
		rmdir(self->dir);
	}
	free(self->buf);
}

/*
 * Reads the instance's buffer into self->ev: every mbox event, or with @id
 * only those of mailbox @id.  Returns how many.
 */
static int collect(struct _test_data_trace *self, uint64_t id)
{
	char path[256], *line, *save = NULL;
	struct event *e;

	snprintf(path, sizeof(path), "%s/trace", self->dir);
	self->nev = 0;
	if (read_all(path, self->buf, TRACE_BUF) < 0)
		return -1;
	for (line = strtok_r(self->buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, ": mbox_"), *colon;
		size_t n;

		if (line[0] == '#' || !p)
			continue;
		p += 2;
		colon = strchr(p, ':');
		if (!colon || self->nev == MAX_EVENTS)
			continue;
		e = &self->ev[self->nev];
		n = (size_t)(colon - p);
		if (n >= sizeof(e->name))
			n = sizeof(e->name) - 1;
		memcpy(e->name, p, n);
		e->name[n] = '\0';
		snprintf(e->fields, sizeof(e->fields), "%s", colon + 2);
		if (id && field_u64(e, "id") != id)
			continue;
		self->nev++;
	}
	return self->nev;
}

static void dump(const struct _test_data_trace *self)
{
	for (int i = 0; i < self->nev; i++)
		printf("#   %2d %s: %s\n", i, self->ev[i].name,
		       self->ev[i].fields);
}

/* An expected event: its name and "key=value" pairs it must contain. */
struct want {
	const char *name;
	char fields[200];
};

static bool event_matches(const struct event *e, const struct want *w)
{
	char copy[200], *tok, *save = NULL, val[128];

	if (strcmp(e->name, w->name))
		return false;
	snprintf(copy, sizeof(copy), "%s", w->fields);
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			return false;
		*eq = '\0';
		if (!field(e, tok, val, sizeof(val)) || strcmp(val, eq + 1))
			return false;
	}
	return true;
}

/*
 * Whether the collected events are exactly @want, in order; on a mismatch
 * prints what was expected and what was recorded.
 */
static bool exactly(const struct _test_data_trace *self,
		    const struct want *want, int n)
{
	int i, bad = -1;

	for (i = 0; i < n && i < self->nev && bad < 0; i++)
		if (!event_matches(&self->ev[i], &want[i]))
			bad = i;
	if (bad < 0 && n == self->nev)
		return true;
	if (bad < 0)
		bad = i;
	printf("# events differ at #%d (expected %d events, recorded %d)\n",
	       bad, n, self->nev);
	for (i = 0; i < n; i++)
		printf("#   want %2d %s: %s\n", i, want[i].name, want[i].fields);
	dump(self);
	return false;
}

static int count_named(const struct _test_data_trace *self, const char *name)
{
	int n = 0;

	for (int i = 0; i < self->nev; i++)
		n += !strcmp(self->ev[i].name, name);
	return n;
}

static int create_box(struct _test_data_trace *self, struct mbox_create *c,
		      const char *name, uint64_t *id)
{
	int ret;

	c->name = (uintptr_t)name;
	ret = xioctl(self->dev, MBOX_IOC_CREATE, c);
	if (ret >= 0)
		*id = c->id;
	return ret;
}

static void sigusr1(int sig)
{
	(void)sig;
}

/* --------------------------------------------------------------- formats */

TEST_F(trace, every_event_format_lists_its_documented_fields)
{
	static const struct {
		const char *event;
		const char *fields[8];
	} formats[] = {
		{ "mbox_create", { "u64 id", "pid_t pid", "u32 uid",
				   "u32 flags", "u32 capacity_mode",
				   "u32 capacity", "u32 msg_size", "char name[64]" } },
		{ "mbox_destroy", { "u64 id", "pid_t pid", "u32 reason",
				    "u32 queued", "u32 senders" } },
		{ "mbox_owner_death", { "u64 id", "pid_t pid", "u32 exiting",
					"char comm[16]" } },
		{ "mbox_send", { "u64 id", "u64 seq", "pid_t pid", "u32 len",
				 "u32 prio", "u32 type" } },
		{ "mbox_recv", { "u64 id", "u64 seq", "pid_t pid",
				 "pid_t receiver", "u32 len", "u32 prio",
				 "u32 type" } },
		{ "mbox_block", { "u64 id", "s64 deadline", "pid_t pid",
				  "u32 send", "u32 queued" } },
		{ "mbox_wake", { "u64 id", "pid_t pid", "u32 send",
				 "u32 reason" } },
	};
	char path[256], want[64];

	RETURN_IF_SKIPPED();

	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		snprintf(path, sizeof(path), TRACEFS "/events/mbox/%s/format",
			 formats[i].event);
		ASSERT_LT(0, read_all(path, self->buf, TRACE_BUF));
		for (size_t j = 0; j < 8 && formats[i].fields[j]; j++) {
			snprintf(want, sizeof(want), "field:%s;",
				 formats[i].fields[j]);
			EXPECT_NE(NULL, strstr(self->buf, want))
				TH_LOG("%s: no '%s'", formats[i].event, want);
		}
	}
}

TEST_F(trace, disabled_events_record_nothing)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	struct mbox_recv r;
	char buf[MSG];
	uint64_t id;
	int fd;

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, instance_write(self, "events/mbox/enable", "0"));
	fd = create_box(self, &c, NULL, &id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_msg(fd, "x", 1, 0, 0, 0));
	ASSERT_EQ(0, recv_msg(fd, buf, sizeof(buf), 0, &r));
	close(fd);
	ASSERT_EQ(0, collect(self, 0)) dump(self);
}

/* -------------------------------------------------------------- lifetime */

TEST_F(trace, create_records_id_creator_and_attributes)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 7, 48);
	char name[64];
	struct want w[1] = { { .name = "mbox_create" } };
	uint64_t id;
	int fd;

	RETURN_IF_SKIPPED();

	unique_name(name, sizeof(name), "create");
	c.flags = MBOX_CREATE_FIXED_SIZE;
	fd = create_box(self, &c, name, &id);
	ASSERT_LE(0, fd);
	snprintf(w[0].fields, sizeof(w[0].fields),
		 "id=%" PRIu64 " pid=%d uid=0 flags=0x%x buffering=bounded capacity=7 msg_size=48 name=%s",
		 id, (int)getpid(), (unsigned int)MBOX_CREATE_FIXED_SIZE, name);
	collect(self, id);
	ASSERT_TRUE(exactly(self, w, 1));
	close(fd);
}

TEST_F(trace, closing_the_owner_records_owner_death_then_destroy)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	struct want w[5] = {
		{ .name = "mbox_create" }, { .name = "mbox_send" }, { .name = "mbox_send" },
		{ .name = "mbox_owner_death" }, { .name = "mbox_destroy" },
	};
	uint64_t id;
	int fd;

	RETURN_IF_SKIPPED();

	fd = create_box(self, &c, NULL, &id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_msg(fd, "one", 3, 0, 0, 0));
	ASSERT_EQ(0, send_msg(fd, "two", 3, 0, 0, 0));
	ASSERT_EQ(0, close(fd));

	snprintf(w[0].fields, sizeof(w[0].fields), "pid=%d name=", getpid());
	snprintf(w[1].fields, sizeof(w[1].fields), "seq=1");
	snprintf(w[2].fields, sizeof(w[2].fields), "seq=2");
	snprintf(w[3].fields, sizeof(w[3].fields),
		 "id=%" PRIu64 " pid=%d exiting=0 comm=mbox_trace", id, getpid());
	snprintf(w[4].fields, sizeof(w[4].fields),
		 "id=%" PRIu64 " pid=%d reason=owner_gone queued=2 senders=0",
		 id, getpid());
	collect(self, id);
	ASSERT_TRUE(exactly(self, w, 5));
}

TEST_F(trace, deleting_an_os_mailbox_records_destroy_deleted_without_owner_death)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	struct want w[2] = { { .name = "mbox_create" }, { .name = "mbox_destroy" } };
	char name[64];
	uint64_t id;
	int fd;

	RETURN_IF_SKIPPED();

	unique_name(name, sizeof(name), "os");
	c.flags = MBOX_CREATE_OS;
	fd = create_box(self, &c, name, &id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_delete(0, name));
	/* Unlinked, but alive until its last receiver handle goes. */
	collect(self, id);
	ASSERT_EQ(0, count_named(self, "mbox_destroy")) dump(self);
	ASSERT_EQ(0, close(fd));

	snprintf(w[0].fields, sizeof(w[0].fields), "flags=0x%x name=%s",
		 (unsigned int)MBOX_CREATE_OS, name);
	snprintf(w[1].fields, sizeof(w[1].fields),
		 "pid=%d reason=deleted queued=0 senders=0", getpid());
	collect(self, id);
	ASSERT_TRUE(exactly(self, w, 2));
}

/* ------------------------------------------------------------- messages */

TEST_F(trace, send_and_receive_record_seq_len_prio_type_and_both_pids)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	struct want w[3] = {
		{ .name = "mbox_create" }, { .name = "mbox_send" },
		{ .name = "mbox_recv" },
	};
	struct mbox_recv r;
	char buf[MSG];
	uint64_t id;
	pid_t child;
	int fd, user;

	RETURN_IF_SKIPPED();

	fd = create_box(self, &c, NULL, &id);
	ASSERT_LE(0, fd);
	user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, user);
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0)
		child_exit(send_msg(user, "hello", 5, 3, 7, 0));
	ASSERT_EQ(0, child_wait(child));
	ASSERT_EQ(0, recv_msg(fd, buf, sizeof(buf), 0, &r));

	snprintf(w[1].fields, sizeof(w[1].fields),
		 "id=%" PRIu64 " seq=1 pid=%d len=5 prio=3 type=7", id, child);
	snprintf(w[2].fields, sizeof(w[2].fields),
		 "id=%" PRIu64 " seq=1 pid=%d receiver=%d len=5 prio=3 type=7",
		 id, child, getpid());
	collect(self, id);
	ASSERT_TRUE(exactly(self, w, 3));
	close(user);
	close(fd);
}

TEST_F(trace, broadcast_records_one_receive_per_receiver_with_one_seq)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 4, MSG);
	struct want w[4] = {
		{ .name = "mbox_create" }, { .name = "mbox_send" },
		{ .name = "mbox_recv" }, { .name = "mbox_recv" },
	};
	struct mbox_recv r;
	char buf[MSG];
	uint64_t id;
	int rx1, rx2;

	RETURN_IF_SKIPPED();

	c.flags = MBOX_CREATE_OS | MBOX_CREATE_BROADCAST;
	rx1 = create_box(self, &c, NULL, &id);
	ASSERT_LE(0, rx1);
	rx2 = mbox_open_receiver(id, NULL, O_CLOEXEC);
	ASSERT_LE(0, rx2);
	ASSERT_EQ(0, send_msg(rx1, "news", 4, 0, 0, 0));
	ASSERT_EQ(0, recv_msg(rx1, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(0, recv_msg(rx2, buf, sizeof(buf), 0, &r));
	ASSERT_EQ(0, mbox_delete(id, NULL));

	snprintf(w[1].fields, sizeof(w[1].fields), "seq=1 len=4");
	snprintf(w[2].fields, sizeof(w[2].fields), "seq=1 len=4 receiver=%d",
		 getpid());
	snprintf(w[3].fields, sizeof(w[3].fields), "seq=1 len=4 receiver=%d",
		 getpid());
	collect(self, id);
	ASSERT_TRUE(exactly(self, w, 4));
	close(rx1);
	close(rx2);
}

/*
 * The exchange of the brief: a mailbox owned by another process, a send
 * that fills it, a bounded send that blocks, a receive that admits it, and
 * the owner's death.
 */
TEST_F(trace, bounded_exchange_records_exactly_the_expected_events)
{
	int to_owner[2], from_owner[2];
	struct mbox_notice notice;
	struct want w[8] = {
		{ .name = "mbox_create" }, { .name = "mbox_send" }, { .name = "mbox_block" },
		{ .name = "mbox_recv" }, { .name = "mbox_send" }, { .name = "mbox_wake" },
		{ .name = "mbox_owner_death" }, { .name = "mbox_destroy" },
	};
	char name[64];
	uint64_t id, seq;
	pid_t owner, sender;
	int user;

	RETURN_IF_SKIPPED();

	unique_name(name, sizeof(name), "exchange");
	ASSERT_EQ(0, pipe2(to_owner, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(from_owner, O_CLOEXEC));
	owner = fork_child();
	ASSERT_LE(0, owner);
	if (owner == 0) {
		struct mbox_create c = create_req(MBOX_CAPACITY_BOUNDED, 1, MSG);
		struct mbox_recv r;
		char buf[MSG];
		uint64_t cmd;
		int fd;

		c.mode = 0666;
		c.name = (uintptr_t)name;
		fd = xioctl(self->dev, MBOX_IOC_CREATE, &c);
		if (fd < 0 || pipe_write_u64(from_owner[1], c.id))
			child_exit(fd < 0 ? fd : -EIO);
		if (pipe_read_u64(to_owner[0], &cmd))
			child_exit(-EIO);
		if (recv_msg(fd, buf, sizeof(buf), 0, &r) ||
		    pipe_write_u64(from_owner[1], r.seq))
			child_exit(-EIO);
		/* Keep the mailbox until killed. */
		pipe_read_u64(to_owner[0], &cmd);
		child_exit(-EPROTO);
	}
	ASSERT_EQ(0, pipe_read_u64(from_owner[0], &id));
	user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, user);
	ASSERT_EQ(0, send_msg(user, "first", 5, 0, 0, 0));

	sender = fork_child();
	ASSERT_LE(0, sender);
	if (sender == 0)
		child_exit(send_msg(user, "second!", 7, 2, 9, 0));
	ASSERT_EQ(0, wait_info(user, INFO_WAITING_SENDERS, 1));

	ASSERT_EQ(0, pipe_write_u64(to_owner[1], 1));
	ASSERT_EQ(0, pipe_read_u64(from_owner[0], &seq));
	ASSERT_EQ(1, seq);
	ASSERT_EQ(0, child_wait(sender));

	ASSERT_EQ(0, mbox_watch(user));
	ASSERT_EQ(0, kill(owner, SIGKILL));
	ASSERT_EQ(1000 + SIGKILL, child_wait(owner));
	ASSERT_NE(0, poll_one(user, POLLPRI, STATE_WAIT_MS) & POLLPRI);
	ASSERT_EQ(0, mbox_notice(user, &notice));
	ASSERT_EQ(MBOX_NOTICE_OWNER_GONE, notice.reason);

	snprintf(w[0].fields, sizeof(w[0].fields),
		 "id=%" PRIu64 " pid=%d buffering=bounded capacity=1 msg_size=%d name=%s",
		 id, owner, MSG, name);
	snprintf(w[1].fields, sizeof(w[1].fields),
		 "seq=1 pid=%d len=5 prio=0 type=0", getpid());
	snprintf(w[2].fields, sizeof(w[2].fields),
		 "pid=%d dir=send queued=1 deadline=0", sender);
	snprintf(w[3].fields, sizeof(w[3].fields),
		 "seq=1 pid=%d receiver=%d len=5", getpid(), owner);
	snprintf(w[4].fields, sizeof(w[4].fields),
		 "seq=2 pid=%d len=7 prio=2 type=9", sender);
	snprintf(w[5].fields, sizeof(w[5].fields),
		 "pid=%d dir=send reason=done", sender);
	snprintf(w[6].fields, sizeof(w[6].fields), "pid=%d exiting=1", owner);
	snprintf(w[7].fields, sizeof(w[7].fields),
		 "reason=owner_gone queued=1 senders=0");
	collect(self, 0);
	ASSERT_TRUE(exactly(self, w, 8));
	close(user);
}

/* ---------------------------------------------------------------- waits */

TEST_F(trace, rendezvous_records_both_waits_and_their_wakeups_in_order)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_ZERO, 0, MSG);
	struct want w[6] = {
		{ .name = "mbox_block" }, { .name = "mbox_block" }, { .name = "mbox_wake" },
		{ .name = "mbox_send" }, { .name = "mbox_recv" }, { .name = "mbox_wake" },
	};
	uint64_t id, deadline;
	pid_t receiver;
	int fd, user;

	RETURN_IF_SKIPPED();

	fd = create_box(self, &c, NULL, &id);
	ASSERT_LE(0, fd);
	user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, user);
	deadline = now_ns() + 60 * NSEC_PER_SEC;
	receiver = fork_child();
	ASSERT_LE(0, receiver);
	if (receiver == 0) {
		struct mbox_recv r;
		char buf[MSG];

		memset(&r, 0, sizeof(r));
		r.buf = (uintptr_t)buf;
		r.len = sizeof(buf);
		r.flags = MBOX_MSG_TIMEOUT;
		r.timeout_ns = deadline;
		child_exit(mbox_recvx(fd, &r));
	}
	/* A ZERO mailbox is writable exactly while a receiver waits. */
	ASSERT_NE(0, poll_one(user, POLLOUT, STATE_WAIT_MS) & POLLOUT);
	ASSERT_EQ(0, send_msg(user, "ping", 4, 0, 0, 0));
	ASSERT_EQ(0, child_wait(receiver));

	snprintf(w[0].fields, sizeof(w[0].fields),
		 "pid=%d dir=recv queued=0 deadline=%" PRIu64, receiver, deadline);
	snprintf(w[1].fields, sizeof(w[1].fields),
		 "pid=%d dir=send queued=1 deadline=0", getpid());
	snprintf(w[2].fields, sizeof(w[2].fields),
		 "pid=%d dir=recv reason=done", receiver);
	snprintf(w[3].fields, sizeof(w[3].fields), "seq=1 pid=%d len=4",
		 getpid());
	snprintf(w[4].fields, sizeof(w[4].fields), "seq=1 pid=%d receiver=%d",
		 getpid(), receiver);
	snprintf(w[5].fields, sizeof(w[5].fields),
		 "pid=%d dir=send reason=done", getpid());
	collect(self, id);
	/* Leave out the create event: the waits are what this test is about. */
	ASSERT_STREQ("mbox_create", self->ev[0].name);
	memmove(&self->ev[0], &self->ev[1], sizeof(self->ev[0]) * --self->nev);
	ASSERT_TRUE(exactly(self, w, 6));
	close(user);
	close(fd);
}

TEST_F(trace, timed_out_receive_records_wake_reason_timeout)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	struct want w[3] = {
		{ .name = "mbox_create" }, { .name = "mbox_block" },
		{ .name = "mbox_wake" },
	};
	struct mbox_recv r;
	char buf[MSG];
	uint64_t id;
	int fd;

	RETURN_IF_SKIPPED();

	fd = create_box(self, &c, NULL, &id);
	ASSERT_LE(0, fd);
	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.len = sizeof(buf);
	r.flags = MBOX_MSG_TIMEOUT;
	r.timeout_ns = now_ns() + 50 * NSEC_PER_MSEC;
	ASSERT_EQ(-ETIMEDOUT, mbox_recvx(fd, &r));

	snprintf(w[1].fields, sizeof(w[1].fields),
		 "pid=%d dir=recv deadline=%" PRIu64, getpid(),
		 (uint64_t)r.timeout_ns);
	snprintf(w[2].fields, sizeof(w[2].fields),
		 "pid=%d dir=recv reason=timeout", getpid());
	collect(self, id);
	ASSERT_TRUE(exactly(self, w, 3));
	close(fd);
}

TEST_F(trace, signal_during_a_wait_records_wake_reason_signal)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);
	struct want w[3] = {
		{ .name = "mbox_create" }, { .name = "mbox_block" },
		{ .name = "mbox_wake" },
	};
	uint64_t id;
	pid_t child;
	int fd;

	RETURN_IF_SKIPPED();

	fd = create_box(self, &c, NULL, &id);
	ASSERT_LE(0, fd);
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct sigaction sa = { .sa_handler = sigusr1 };
		char buf[MSG];

		/* No SA_RESTART: the receive must end with EINTR. */
		sigaction(SIGUSR1, &sa, NULL);
		child_exit((int)mbox_recv(fd, buf, sizeof(buf), NULL));
	}
	ASSERT_EQ(0, wait_blocked_in_ioctl(child, child, MBOX_IOC_RECV));
	ASSERT_EQ(0, kill(child, SIGUSR1));
	ASSERT_EQ(-EINTR, child_wait(child));

	snprintf(w[1].fields, sizeof(w[1].fields), "pid=%d dir=recv deadline=0",
		 child);
	snprintf(w[2].fields, sizeof(w[2].fields),
		 "pid=%d dir=recv reason=signal", child);
	collect(self, id);
	ASSERT_TRUE(exactly(self, w, 3));
	close(fd);
}

TEST_F(trace, owner_closing_under_a_blocked_sender_records_wake_reason_dead)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_ZERO, 0, MSG);
	struct want w[5] = {
		{ .name = "mbox_create" }, { .name = "mbox_block" }, { .name = "mbox_owner_death" },
		{ .name = "mbox_destroy" }, { .name = "mbox_wake" },
	};
	uint64_t id;
	pid_t sender;
	int fd, user;

	RETURN_IF_SKIPPED();

	fd = create_box(self, &c, NULL, &id);
	ASSERT_LE(0, fd);
	user = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, user);
	sender = fork_child();
	ASSERT_LE(0, sender);
	if (sender == 0) {
		close(fd);
		child_exit(send_msg(user, "lost", 4, 0, 0, 0));
	}
	ASSERT_EQ(0, wait_info(user, INFO_WAITING_SENDERS, 1));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(-EPIPE, child_wait(sender));

	snprintf(w[1].fields, sizeof(w[1].fields), "pid=%d dir=send queued=1",
		 sender);
	snprintf(w[2].fields, sizeof(w[2].fields), "pid=%d exiting=0", getpid());
	snprintf(w[3].fields, sizeof(w[3].fields),
		 "reason=owner_gone queued=1 senders=1");
	snprintf(w[4].fields, sizeof(w[4].fields),
		 "pid=%d dir=send reason=dead", sender);
	collect(self, id);
	ASSERT_TRUE(exactly(self, w, 5));
	close(user);
}

TEST_HARNESS_MAIN
