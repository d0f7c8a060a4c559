// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_mboxctl: the admin tool and the netlink family behind it, driven the
 * way an operator drives them: run mboxctl, parse its JSON (jansson),
 * compare with what the test did to the mailboxes.
 *
 * The tool is $MBOXCTL, else ../tools/mboxctl next to this binary (where
 * "make userspace" puts it).  Unprivileged runs drop to nobody in the child
 * that execs the tool.  Monitor tests first synchronise with the monitor by
 * creating and closing probe mailboxes until it reports one, so that no
 * event of the test can be missed by a late subscription.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"
#include "mbox_ring.h"

#include <jansson.h>
#include <libgen.h>

#define TOOL_MS		STATE_WAIT_MS	/* a run that takes longer hangs */
#define MSG_SIZE	64

/* ---------------------------------------------------------- running it */

static const char *tool(void)
{
	static char path[4096];
	const char *env = getenv("MBOXCTL");
	char exe[4096];
	ssize_t n;

	if (path[0])
		return path;
	if (env && *env) {
		snprintf(path, sizeof(path), "%s", env);
		return path;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return "mboxctl";
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/../tools/mboxctl", dirname(exe));
	return path;
}

enum run_as { AS_ROOT, AS_NOBODY };

struct run {
	int code;		/* exit status; 1000 + signal; -1 hung */
	char *out;
	size_t out_len;
	char *err;
	size_t err_len;
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	if (!*buf)
		abort();
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* In the child: become the right user, set the environment, exec. */
static void exec_tool(enum run_as as, const char *family,
		      const char *const *args)
{
	char *argv[32];
	int i;

	if (as == AS_NOBODY && drop_privileges())
		_exit(126);
	if (family)
		setenv("MBOXCTL_FAMILY", family, 1);
	else
		unsetenv("MBOXCTL_FAMILY");
	argv[0] = "mboxctl";
	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	execv(tool(), argv);
	_exit(127);
}

/*
 * Runs the tool with @args (NULL-terminated, without argv[0]) and collects
 * its output and exit status.  Returns the exit status.
 */
static int run_tool(struct run *r, enum run_as as, const char *family,
		    const char *const *args)
{
	uint64_t deadline = now_ns() + TOOL_MS * NSEC_PER_MSEC;
	int out[2], err[2], status;
	struct pollfd p[2];
	char buf[4096];
	pid_t pid;

	memset(r, 0, sizeof(*r));
	append(&r->out, &r->out_len, "", 0);
	append(&r->err, &r->err_len, "", 0);
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return r->code = -1;
	pid = fork_child();
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		exec_tool(as, family, args);
	}
	close(out[1]);
	close(err[1]);
	p[0] = (struct pollfd){ .fd = out[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = err[0], .events = POLLIN };
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int left = (int)((deadline - now_ns()) / NSEC_PER_MSEC);

		if (now_ns() > deadline || poll(p, 2, left) == 0) {
			kill(pid, SIGKILL);
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			if (i == 0)
				append(&r->out, &r->out_len, buf, (size_t)n);
			else
				append(&r->err, &r->err_len, buf, (size_t)n);
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	if (waitpid(pid, &status, 0) != pid)
		return r->code = -1;
	forget_child(pid);
	if (now_ns() > deadline)
		r->code = -1;
	else if (WIFSIGNALED(status))
		r->code = 1000 + WTERMSIG(status);
	else
		r->code = WEXITSTATUS(status);
	return r->code;
}

#define ARGS(...)	((const char *const[]){ __VA_ARGS__, NULL })
#define RUN(r, ...)	run_tool(r, AS_ROOT, NULL, ARGS(__VA_ARGS__))
#define RUN_NOBODY(r, ...) run_tool(r, AS_NOBODY, NULL, ARGS(__VA_ARGS__))

/* Fails the test unless @r exited 0; parses its standard output. */
static json_t *expect_json(struct __test_metadata *_metadata, struct run *r)
{
	json_error_t jerr;
	json_t *j;

	ASSERT_EQ(0, r->code) TH_LOG("mboxctl failed: %s", r->err);
	j = json_loadb(r->out, r->out_len, 0, &jerr);
	ASSERT_NE(NULL, j) TH_LOG("bad JSON (%s): %s", jerr.text, r->out);
	return j;
}

/* `mboxctl -j mailbox show ID` as @as. */
static json_t *show(struct __test_metadata *_metadata, enum run_as as,
		    uint64_t id)
{
	char arg[32];
	struct run r;
	json_t *j;

	snprintf(arg, sizeof(arg), "%" PRIu64, id);
	run_tool(&r, as, NULL, ARGS("-j", "mailbox", "show", arg));
	j = expect_json(_metadata, &r);
	run_free(&r);
	ASSERT_TRUE(json_is_object(j));
	return j;
}

/* `mboxctl -j mailbox list` as @as. */
static json_t *list(struct __test_metadata *_metadata, enum run_as as)
{
	struct run r;
	json_t *j;

	run_tool(&r, as, NULL, ARGS("-j", "mailbox", "list"));
	j = expect_json(_metadata, &r);
	run_free(&r);
	ASSERT_TRUE(json_is_array(j));
	return j;
}

static long long jint(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static const char *jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "(missing)";
}

static int jbool(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_boolean(v) ? json_is_true(v) : -1;
}

static bool list_has(const json_t *arr, uint64_t id)
{
	size_t i;
	json_t *m;

	json_array_foreach(arr, i, m)
		if (jint(m, "id") == (long long)id)
			return true;
	return false;
}

/* A mailbox of ours, by libmbox; returns the owner handle. */
static int make_mailbox(uint32_t capacity_mode, uint32_t capacity,
			uint32_t mode, const char *name, uint64_t *id)
{
	struct mbox_attr a = {
		.capacity_mode = capacity_mode,
		.capacity = capacity,
		.msg_size = MSG_SIZE,
		.mode = mode,
		.fd_flags = O_CLOEXEC,
	};

	return mbox_create(&a, name, id);
}

/* ---------------------------------------------------------- monitoring */

struct mon {
	pid_t pid;
	int fd;
	char buf[65536];
	size_t len;
};

static int mon_start(struct mon *m)
{
	int out[2];

	m->len = 0;
	if (pipe2(out, O_CLOEXEC))
		return -errno;
	m->pid = fork_child();
	if (m->pid < 0)
		return -errno;
	if (m->pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		exec_tool(AS_ROOT, NULL, ARGS("-j", "monitor"));
	}
	close(out[1]);
	m->fd = out[0];
	return 0;
}

/* The next event (one JSON object per line), or NULL after @ms. */
static json_t *mon_next(struct mon *m, int ms)
{
	uint64_t deadline = now_ns() + (uint64_t)ms * NSEC_PER_MSEC;
	char *nl;

	for (;;) {
		nl = memchr(m->buf, '\n', m->len);
		if (nl) {
			size_t line = (size_t)(nl - m->buf) + 1;
			json_t *j = json_loadb(m->buf, line, 0, NULL);

			memmove(m->buf, m->buf + line, m->len - line);
			m->len -= line;
			return j;
		}
		if (now_ns() >= deadline || m->len == sizeof(m->buf))
			return NULL;
		if (poll_one(m->fd, POLLIN,
			     (int)((deadline - now_ns()) / NSEC_PER_MSEC) + 1) <= 0)
			continue;
		ssize_t n = read(m->fd, m->buf + m->len, sizeof(m->buf) - m->len);

		if (n <= 0)
			return NULL;
		m->len += (size_t)n;
	}
}

/* Ends the monitor as an operator would (SIGINT); its exit status. */
static int mon_stop(struct mon *m)
{
	int ret;

	kill(m->pid, SIGINT);
	ret = child_wait_ms(m->pid, TOOL_MS);
	close(m->fd);
	return ret;
}

/*
 * Creates and closes probe mailboxes until the monitor reports one
 * destroyed: from then on it is subscribed and sees every event.
 */
static void mon_sync(struct __test_metadata *_metadata, struct mon *m)
{
	for (int i = 0; i < 100; i++) {
		uint64_t id;
		int fd = make_mailbox(MBOX_CAPACITY_UNBOUNDED, 0, 0600, NULL,
				      &id);
		json_t *ev;

		ASSERT_LE(0, fd);
		close(fd);
		while ((ev = mon_next(m, 300))) {
			bool done = jint(ev, "id") == (long long)id &&
				    !strcmp(jstr(ev, "event"), "destroyed");

			json_decref(ev);
			if (done)
				return;
		}
	}
	ASSERT_TRUE(false) TH_LOG("the monitor never reported a probe");
}

/*
 * Appends the events of mailbox @id to @out as "event[:reason]" words
 * joined by commas, until event @until (included) or STATE_WAIT_MS pass.
 * Other mailboxes' events are skipped.  A pid in an event is checked
 * against @pid.
 */
static void mon_collect_until(struct __test_metadata *_metadata,
			      struct mon *m, uint64_t id, pid_t pid,
			      const char *until, char *out, size_t size)
{
	uint64_t deadline = now_ns() + STATE_WAIT_MS * NSEC_PER_MSEC;
	json_t *ev;

	while (now_ns() < deadline &&
	       (ev = mon_next(m, (int)((deadline - now_ns()) / NSEC_PER_MSEC)))) {
		const char *name = jstr(ev, "event");
		bool last = !strcmp(name, until);

		if (jint(ev, "id") != (long long)id) {
			json_decref(ev);
			continue;
		}
		if (json_object_get(ev, "owner_pid"))
			EXPECT_EQ(pid, jint(ev, "owner_pid"))
				TH_LOG("event %s", name);
		snprintf(out + strlen(out), size - strlen(out), "%s%s%s%s",
			 out[0] ? "," : "", name,
			 json_object_get(ev, "reason") ? ":" : "",
			 json_object_get(ev, "reason") ? jstr(ev, "reason") : "");
		json_decref(ev);
		if (last)
			return;
	}
}

/* All the events of mailbox @id, up to its "destroyed". */
static void mon_collect(struct __test_metadata *_metadata, struct mon *m,
			uint64_t id, pid_t pid, char *out, size_t size)
{
	out[0] = '\0';
	mon_collect_until(_metadata, m, id, pid, "destroyed", out, size);
}

/* ------------------------------------------------------------ fixture */

#define MAX_FDS 16

#define MAX_OS 4

FIXTURE(ctl) {
	int fds[MAX_FDS];
	int nfds;
	struct mon mon;
	bool mon_running;
	char os_names[MAX_OS][64];	/* OS-owned mailboxes to delete */
	int nos;
};

FIXTURE_SETUP(ctl)
{
	self->nfds = 0;
	self->nos = 0;
	self->mon_running = false;
	ASSERT_EQ(0, access(tool(), X_OK))
		TH_LOG("%s: %s (run make userspace)", tool(), strerror(errno));
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->mon_running)
		mon_stop(&self->mon);
	reap_children();
	for (int i = 0; i < self->nfds; i++)
		if (self->fds[i] >= 0)
			close(self->fds[i]);
	/* They would outlive the test (and the module's unload would warn). */
	for (int i = 0; i < self->nos; i++) {
		struct run r;

		RUN(&r, "mailbox", "delete", "name", self->os_names[i]);
		run_free(&r);
	}
}

/* A name for an OS-owned mailbox the teardown deletes if the test did not. */
static const char *os_name(FIXTURE_DATA(ctl) *self, const char *tag)
{
	char *name = self->os_names[self->nos < MAX_OS - 1 ? self->nos++ :
				    MAX_OS - 1];

	return unique_name(name, sizeof(self->os_names[0]), tag);
}

static int track(FIXTURE_DATA(ctl) *self, int fd)
{
	if (fd >= 0 && self->nfds < MAX_FDS)
		self->fds[self->nfds++] = fd;
	return fd;
}

static void untrack_close(FIXTURE_DATA(ctl) *self, int fd)
{
	for (int i = 0; i < self->nfds; i++)
		if (self->fds[i] == fd)
			self->fds[i] = -1;
	close(fd);
}

/* ---------------------------------------------------- mailbox show/list */

/*
 * Known traffic on a BOUNDED mailbox of 4: 3 sent, 1 received, 2 more sent
 * (now full), one refused for room, one refused for size.
 */
TEST_F(ctl, show_reports_exact_counts_after_known_traffic)
{
	char buf[MSG_SIZE + 1] = "0123456789";
	uint64_t id;
	json_t *j;
	int fd;

	fd = track(self, make_mailbox(MBOX_CAPACITY_BOUNDED, 4, 0600, NULL,
				      &id));
	ASSERT_LE(0, fd);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, mbox_send_nb(fd, buf, 10, 0));
	ASSERT_EQ(10, mbox_recv_nb(fd, buf, sizeof(buf), NULL));
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, mbox_send_nb(fd, buf, 10, 0));
	ASSERT_EQ(-EAGAIN, mbox_send_nb(fd, buf, 10, 0));
	ASSERT_EQ(-EMSGSIZE, mbox_send_nb(fd, buf, MSG_SIZE + 1, 0));

	j = show(_metadata, AS_ROOT, id);
	EXPECT_EQ((long long)id, jint(j, "id"));
	EXPECT_EQ(5, jint(j, "sent"));
	EXPECT_EQ(1, jint(j, "received"));
	EXPECT_EQ(4, jint(j, "queued"));
	EXPECT_EQ(40, jint(j, "queued_bytes"));
	EXPECT_EQ(4, jint(j, "high_water"));
	EXPECT_EQ(2, jint(j, "rejected"));
	EXPECT_EQ(0, jint(j, "waiting_senders"));
	EXPECT_EQ(0, jint(j, "waiting_receivers"));
	EXPECT_EQ(1, jbool(j, "full"));
	json_decref(j);

	for (int i = 0; i < 4; i++)
		ASSERT_EQ(10, mbox_recv_nb(fd, buf, sizeof(buf), NULL));
	j = show(_metadata, AS_ROOT, id);
	EXPECT_EQ(5, jint(j, "sent"));
	EXPECT_EQ(5, jint(j, "received"));
	EXPECT_EQ(0, jint(j, "queued"));
	EXPECT_EQ(0, jint(j, "queued_bytes"));
	EXPECT_EQ(4, jint(j, "high_water"));
	EXPECT_EQ(2, jint(j, "rejected"));
	EXPECT_EQ(0, jbool(j, "full"));
	json_decref(j);
}

TEST_F(ctl, show_reports_identity_and_configuration)
{
	struct mbox_attr a = {
		.capacity_mode = MBOX_CAPACITY_BOUNDED,
		.capacity = 7,
		.msg_size = 48,
		.flags = MBOX_CREATE_FIXED_SIZE,
		.mode = 0640,
		.fd_flags = O_CLOEXEC,
	};
	char name[64];
	uint64_t id;
	json_t *j;

	unique_name(name, sizeof(name), "ident");
	ASSERT_LE(0, track(self, mbox_create(&a, name, &id)));

	j = show(_metadata, AS_ROOT, id);
	EXPECT_STREQ(name, jstr(j, "name"));
	EXPECT_STREQ("process", jstr(j, "kind"));
	EXPECT_EQ(getpid(), jint(j, "owner_pid"));
	EXPECT_EQ(0, jint(j, "owner_uid"));
	EXPECT_STREQ("bounded", jstr(j, "capacity_mode"));
	EXPECT_EQ(7, jint(j, "capacity"));
	EXPECT_EQ(48, jint(j, "msg_size"));
	EXPECT_EQ(1, jbool(j, "fixed_size"));
	EXPECT_STREQ("0640", jstr(j, "mode"));
	EXPECT_EQ(0, jbool(j, "ring"));
	EXPECT_EQ(0, jbool(j, "full"));
	json_decref(j);
}

TEST_F(ctl, show_reports_ring_traffic_and_corrupt_producers)
{
	struct mbox_attr a = MBOX_ATTR_BOUNDED(4, 64);
	struct mbox_ring cons, prod;
	char buf[64];
	uint64_t id;
	int owner, user;
	json_t *j;

	a.fd_flags = O_CLOEXEC;
	owner = track(self, mbox_create(&a, NULL, &id));
	ASSERT_LE(0, owner);
	user = track(self, mbox_open_id(id, O_CLOEXEC));
	ASSERT_LE(0, user);
	ASSERT_EQ(0, mbox_ring_setup(owner, 2, 8, 64));
	ASSERT_EQ(0, mbox_ring_map(&cons, owner));
	ASSERT_EQ(0, mbox_ring_map(&prod, user));
	ASSERT_EQ(0, mbox_ring_send_nb(&prod, "a", 1, 0));
	ASSERT_EQ(0, mbox_ring_send_nb(&prod, "b", 1, 0));
	ASSERT_EQ(1, mbox_ring_recv_nb(&cons, buf, sizeof(buf), NULL));
	ASSERT_EQ(1, mbox_ring_recv_nb(&cons, buf, sizeof(buf), NULL));
	/* An impossible tail: the kernel cuts this producer off. */
	prod.sdata->tail = 1000;
	EXPECT_EQ(-EBADMSG, mbox_ring_wake(&prod));

	j = show(_metadata, AS_ROOT, id);
	EXPECT_EQ(1, jbool(j, "ring"));
	EXPECT_EQ(2, jint(j, "ring_messages"));
	EXPECT_EQ(2 * 48, jint(j, "ring_slot_bytes"));
	EXPECT_EQ(0, jint(j, "ring_discarded"));
	EXPECT_EQ(1, jint(j, "ring_corrupt"));
	json_decref(j);
	mbox_ring_unmap(&prod);
	mbox_ring_unmap(&cons);
}

TEST_F(ctl, show_by_name_finds_the_same_mailbox_as_by_id)
{
	char name[64];
	struct run r;
	uint64_t id;
	json_t *j;

	unique_name(name, sizeof(name), "byname");
	ASSERT_LE(0, track(self, make_mailbox(MBOX_CAPACITY_ZERO, 0, 0600,
					      name, &id)));
	RUN(&r, "-j", "mailbox", "show", "name", name);
	j = expect_json(_metadata, &r);
	EXPECT_EQ((long long)id, jint(j, "id"));
	EXPECT_STREQ("zero", jstr(j, "capacity_mode"));
	json_decref(j);
	run_free(&r);
}

struct blocked_recv {
	pthread_t thread;
	int fd;
	pid_t tid;
	atomic_int started;
	ssize_t ret;
};

static void *blocked_recv_fn(void *arg)
{
	struct blocked_recv *b = arg;
	char buf[MSG_SIZE];

	b->tid = (pid_t)syscall(SYS_gettid);
	atomic_store(&b->started, 1);
	b->ret = mbox_recv(b->fd, buf, sizeof(buf), NULL);
	return NULL;
}

TEST_F(ctl, show_counts_a_blocked_receiver)
{
	struct blocked_recv b = { 0 };
	uint64_t id;
	json_t *j;

	b.fd = track(self, make_mailbox(MBOX_CAPACITY_ZERO, 0, 0600, NULL,
					&id));
	ASSERT_LE(0, b.fd);
	ASSERT_EQ(0, pthread_create(&b.thread, NULL, blocked_recv_fn, &b));
	while (!atomic_load(&b.started))
		sleep_ms(1);
	ASSERT_EQ(0, wait_blocked_in_ioctl(getpid(), b.tid, MBOX_IOC_RECV));

	j = show(_metadata, AS_ROOT, id);
	EXPECT_EQ(1, jint(j, "waiting_receivers"));
	EXPECT_EQ(0, jint(j, "waiting_senders"));
	json_decref(j);

	/* The non-blocking hand-off reaches the waiting receiver. */
	ASSERT_EQ(0, mbox_send_nb(b.fd, "x", 1, 0));
	pthread_join(b.thread, NULL);
	EXPECT_EQ(1, b.ret);
}

TEST_F(ctl, show_counts_a_blocked_sender)
{
	struct async_send s;
	char buf[MSG_SIZE];
	uint64_t id;
	json_t *j;
	int fd;

	fd = track(self, make_mailbox(MBOX_CAPACITY_BOUNDED, 1, 0600, NULL,
				      &id));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send_nb(fd, "a", 1, 0));
	ASSERT_EQ(0, async_send_start(&s, fd, "b", 1, 0, 0, 0));
	ASSERT_EQ(0, wait_blocked_in_ioctl(getpid(), s.tid, MBOX_IOC_SEND));

	j = show(_metadata, AS_ROOT, id);
	EXPECT_EQ(1, jint(j, "waiting_senders"));
	EXPECT_EQ(1, jint(j, "queued"));
	EXPECT_EQ(1, jbool(j, "full"));
	json_decref(j);

	ASSERT_EQ(1, mbox_recv_nb(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
}

TEST_F(ctl, list_shows_exactly_the_live_mailboxes)
{
	uint64_t ids[3];
	int fds[3];
	json_t *before, *j;
	size_t i;
	json_t *m;

	before = list(_metadata, AS_ROOT);
	for (i = 0; i < 3; i++) {
		fds[i] = track(self, make_mailbox(MBOX_CAPACITY_UNBOUNDED, 0,
						  0600, NULL, &ids[i]));
		ASSERT_LE(0, fds[i]);
	}

	j = list(_metadata, AS_ROOT);
	EXPECT_EQ(json_array_size(before) + 3, json_array_size(j));
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(list_has(j, ids[i]));
	json_array_foreach(before, i, m)
		EXPECT_TRUE(list_has(j, (uint64_t)jint(m, "id")));
	json_decref(j);

	untrack_close(self, fds[1]);
	j = list(_metadata, AS_ROOT);
	EXPECT_EQ(json_array_size(before) + 2, json_array_size(j));
	EXPECT_TRUE(list_has(j, ids[0]));
	EXPECT_FALSE(list_has(j, ids[1]));
	EXPECT_TRUE(list_has(j, ids[2]));
	json_decref(j);

	untrack_close(self, fds[0]);
	untrack_close(self, fds[2]);
	j = list(_metadata, AS_ROOT);
	EXPECT_EQ(json_array_size(before), json_array_size(j));
	json_decref(j);
	json_decref(before);
}

TEST_F(ctl, text_output_carries_the_same_figures)
{
	char arg[32];
	struct run r;
	uint64_t id;
	int fd;

	fd = track(self, make_mailbox(MBOX_CAPACITY_UNBOUNDED, 0, 0600, NULL,
				      &id));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send_nb(fd, "abc", 3, 0));
	snprintf(arg, sizeof(arg), "%" PRIu64, id);
	/* Abbreviated keywords, as iproute2 accepts them. */
	ASSERT_EQ(0, RUN(&r, "mai", "sh", arg)) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "queued 1 bytes 3"));
	EXPECT_NE(NULL, strstr(r.out, "sent 1 received 0 rejected 0"));
	EXPECT_NE(NULL, strstr(r.out, "capacity unbounded"));
	run_free(&r);
}

/* -------------------------------------------------------- stats, limits */

/*
 * What user_bytes_max limits: a mailbox's byte limit from its create to its
 * destruction; an accepted message moves into that reservation and costs
 * its sender nothing more.  `mailbox show` gives the limit and the exact
 * charge of what is queued, the same numbers as MBOX_IOC_INFO.
 */
TEST_F(ctl, stats_count_mailboxes_and_the_bytes_reserved)
{
	unsigned long long bytes_max;
	long long base_n, base_mem, limit;
	struct mbox_info info;
	struct run r;
	json_t *j, *u, *users;
	char buf[MSG_SIZE];
	uint64_t id;
	size_t i;
	int fd;

	ASSERT_EQ(0, param_read("user_bytes_max", &bytes_max));
	RUN(&r, "-j", "stats");
	j = expect_json(_metadata, &r);
	base_n = jint(j, "mailboxes");
	base_mem = jint(j, "memory_charged");
	json_decref(j);
	run_free(&r);

	fd = track(self, make_mailbox(MBOX_CAPACITY_UNBOUNDED, 0, 0600, NULL,
				      &id));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send_nb(fd, buf, 50, 0));
	ASSERT_EQ(0, mbox_info(fd, &info));
	limit = (long long)info.bytes_max;
	ASSERT_LT(0, limit);
	/* The exact charge: one allocator size class above header + 50. */
	EXPECT_LT(50ULL, info.bytes_charged);

	j = show(_metadata, AS_ROOT, id);
	EXPECT_EQ(limit, jint(j, "bytes_max"));
	EXPECT_EQ((long long)info.bytes_charged, jint(j, "bytes_charged"));
	json_decref(j);

	RUN(&r, "-j", "stats");
	j = expect_json(_metadata, &r);
	EXPECT_EQ(base_n + 1, jint(j, "mailboxes"));
	/* The reservation, and nothing for the queued message on top. */
	EXPECT_EQ(base_mem + limit, jint(j, "memory_charged"));
	users = json_object_get(j, "per_user");
	ASSERT_TRUE(json_is_array(users));
	json_array_foreach(users, i, u) {
		if (jint(u, "uid") != 0)
			continue;
		EXPECT_LE(1, jint(u, "mailboxes"));
		EXPECT_LE(limit, jint(u, "bytes"));
		EXPECT_EQ((long long)bytes_max, jint(u, "bytes_max"));
		break;
	}
	EXPECT_LT(i, json_array_size(users)) TH_LOG("no entry for uid 0");
	json_decref(j);
	run_free(&r);

	ASSERT_EQ(50, mbox_recv_nb(fd, buf, sizeof(buf), NULL));
	j = show(_metadata, AS_ROOT, id);
	EXPECT_EQ(0, jint(j, "bytes_charged"));
	json_decref(j);

	/* Destroyed: the reservation goes back. */
	untrack_close(self, fd);
	RUN(&r, "-j", "stats");
	j = expect_json(_metadata, &r);
	EXPECT_EQ(base_mem, jint(j, "memory_charged"));
	json_decref(j);
	run_free(&r);
}

TEST_F(ctl, create_takes_bytesmax_for_an_unbounded_mailbox)
{
	const char *name;
	struct run r;
	json_t *j;

	name = os_name(self, "bytesmax");
	RUN(&r, "-j", "mailbox", "create", name, "unbounded", "msgsize", "100",
	    "bytesmax", "65536");
	j = expect_json(_metadata, &r);
	EXPECT_EQ(65536, jint(j, "bytes_max"));
	EXPECT_EQ(0, jint(j, "bytes_charged"));
	json_decref(j);
	run_free(&r);

	/* Below one message's charge, or on a bounded mailbox: refused. */
	name = os_name(self, "bytesmax");
	EXPECT_EQ(2, RUN(&r, "mailbox", "create", name, "unbounded", "bytesmax",
			 "1"));
	run_free(&r);
	EXPECT_EQ(2, RUN(&r, "mailbox", "create", name, "capacity", "4",
			 "bytesmax", "65536"));
	run_free(&r);
}

TEST_F(ctl, limits_show_the_module_parameters)
{
	unsigned long long v;
	struct run r;
	json_t *j;

	/* The parameters that are netlink limits (MBOX_CMD_LIMITS_GET). */
	static const char *const limits[] = {
		"msg_size_max", "capacity_max", "user_bytes_max",
		"user_mailboxes_max", "unbounded_bytes_default",
	};

	RUN(&r, "-j", "limits");
	j = expect_json(_metadata, &r);
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		ASSERT_EQ(0, param_read(limits[i], &v));
		EXPECT_EQ((long long)v, jint(j, limits[i])) TH_LOG("%s", limits[i]);
	}
	json_decref(j);
	run_free(&r);
}

TEST_F(ctl, limits_set_changes_the_module_parameters)
{
	unsigned long long cap, bytes, v;
	char old_cap[32], old_bytes[32];
	struct run r;

	ASSERT_EQ(0, param_read("capacity_max", &cap));
	ASSERT_EQ(0, param_read("user_bytes_max", &bytes));
	snprintf(old_cap, sizeof(old_cap), "%llu", cap);
	snprintf(old_bytes, sizeof(old_bytes), "%llu", bytes);

	EXPECT_EQ(0, RUN(&r, "limits", "set", "capacity_max", "77",
			 "user_by", "123456")) TH_LOG("%s", r.err);
	run_free(&r);
	EXPECT_EQ(0, param_read("capacity_max", &v));
	EXPECT_EQ(77, v);
	EXPECT_EQ(0, param_read("user_bytes_max", &v));
	EXPECT_EQ(123456, v);

	EXPECT_EQ(0, RUN(&r, "limits", "set", "capacity_max", old_cap,
			 "user_bytes_max", old_bytes)) TH_LOG("%s", r.err);
	run_free(&r);
	EXPECT_EQ(0, param_read("capacity_max", &v));
	EXPECT_EQ(cap, v);
}

TEST_F(ctl, limits_set_and_show_unbounded_bytes_default)
{
	unsigned long long old, v;
	char text[32];
	struct run r;
	json_t *j;

	ASSERT_EQ(0, param_read("unbounded_bytes_default", &old));
	EXPECT_EQ(0, RUN(&r, "limits", "set", "unbounded_bytes_default",
			 "123456"));
	run_free(&r);
	EXPECT_EQ(0, param_read("unbounded_bytes_default", &v));
	EXPECT_EQ(123456ULL, v);
	RUN(&r, "-j", "limits");
	j = expect_json(_metadata, &r);
	EXPECT_EQ(123456, jint(j, "unbounded_bytes_default"));
	json_decref(j);
	run_free(&r);
	/* 0 and 2^40 + 1 are outside the range: refused, value kept. */
	EXPECT_EQ(2, RUN(&r, "limits", "set", "unbounded_bytes_default", "0"));
	run_free(&r);
	EXPECT_EQ(2, RUN(&r, "limits", "set", "unbounded_bytes_default",
			 "1099511627777"));
	run_free(&r);
	EXPECT_EQ(0, param_read("unbounded_bytes_default", &v));
	EXPECT_EQ(123456ULL, v);
	snprintf(text, sizeof(text), "%llu", old);
	EXPECT_EQ(0, RUN(&r, "limits", "set", "unbounded_bytes_default", text));
	run_free(&r);
}

TEST_F(ctl, limits_set_out_of_range_is_refused_with_the_range)
{
	unsigned long long before, after;
	struct run r;

	ASSERT_EQ(0, param_read("msg_size_max", &before));
	EXPECT_EQ(2, RUN(&r, "limits", "set", "msg_size_max", "4194305"));
	EXPECT_NE(NULL, strstr(r.err, "msg_size_max"));
	EXPECT_NE(NULL, strstr(r.err, "1..4194304")) TH_LOG("%s", r.err);
	run_free(&r);
	ASSERT_EQ(0, param_read("msg_size_max", &after));
	EXPECT_EQ(before, after);
}

TEST_F(ctl, limits_set_all_or_nothing_when_one_value_is_bad)
{
	unsigned long long before, after;
	struct run r;

	ASSERT_EQ(0, param_read("capacity_max", &before));
	EXPECT_EQ(2, RUN(&r, "limits", "set", "capacity_max", "5",
			 "user_mailboxes_max", "0"));
	EXPECT_NE(NULL, strstr(r.err, "1..16777216")) TH_LOG("%s", r.err);
	run_free(&r);
	ASSERT_EQ(0, param_read("capacity_max", &after));
	EXPECT_EQ(before, after);
}

/* ---------------------------------------------------------- error paths */

TEST_F(ctl, unknown_id_exits_4)
{
	struct run r;

	EXPECT_EQ(4, RUN(&r, "mailbox", "show", "18446744073709551615"));
	EXPECT_NE(NULL, strstr(r.err, "no such mailbox")) TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, unknown_name_exits_4)
{
	char name[64];
	struct run r;

	unique_name(name, sizeof(name), "nosuch");
	EXPECT_EQ(4, RUN(&r, "mailbox", "show", name));
	EXPECT_NE(NULL, strstr(r.err, "no such mailbox")) TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, invalid_name_exits_2)
{
	struct run r;

	EXPECT_EQ(2, RUN(&r, "mailbox", "show", "bad/name"));
	EXPECT_NE(NULL, strstr(r.err, "invalid mailbox name"))
		TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, unknown_keyword_exits_2)
{
	struct run r;

	EXPECT_EQ(2, RUN(&r, "frobnicate"));
	EXPECT_NE(NULL, strstr(r.err, "unknown keyword 'frobnicate'"))
		TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, ambiguous_prefix_exits_2)
{
	struct run r;

	EXPECT_EQ(2, RUN(&r, "m"));
	EXPECT_NE(NULL, strstr(r.err, "ambiguous")) TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, missing_value_exits_2)
{
	struct run r;

	EXPECT_EQ(2, RUN(&r, "limits", "set", "capacity_max"));
	EXPECT_NE(NULL, strstr(r.err, "needs a value")) TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, malformed_number_exits_2)
{
	struct run r;

	EXPECT_EQ(2, RUN(&r, "limits", "set", "capacity_max", "12x"));
	EXPECT_NE(NULL, strstr(r.err, "bad value '12x'")) TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, missing_family_exits_3_and_says_how_to_load)
{
	struct run r;

	EXPECT_EQ(3, run_tool(&r, AS_ROOT, "mbox_nosuch",
			      ARGS("mailbox", "list")));
	EXPECT_NE(NULL, strstr(r.err, "not loaded")) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "modprobe mbox"));
	run_free(&r);
}

TEST_F(ctl, help_exits_0)
{
	struct run r;

	EXPECT_EQ(0, RUN(&r, "help"));
	EXPECT_NE(NULL, strstr(r.out, "OBJECT := { mailbox"));
	run_free(&r);
	EXPECT_EQ(0, RUN(&r, "mailbox", "help"));
	EXPECT_NE(NULL, strstr(r.out, "mailbox show MAILBOX"));
	run_free(&r);
}

/* --------------------------------------------------------- unprivileged */

TEST_F(ctl, unprivileged_limits_set_is_refused_with_exit_5)
{
	unsigned long long before, after;
	struct run r;

	ASSERT_EQ(0, param_read("capacity_max", &before));
	EXPECT_EQ(5, RUN_NOBODY(&r, "limits", "set", "capacity_max", "5"));
	EXPECT_NE(NULL, strstr(r.err, "permission denied")) TH_LOG("%s", r.err);
	run_free(&r);
	ASSERT_EQ(0, param_read("capacity_max", &after));
	EXPECT_EQ(before, after);
}

TEST_F(ctl, unprivileged_monitor_is_refused_with_exit_5)
{
	struct run r;

	EXPECT_EQ(5, RUN_NOBODY(&r, "monitor"));
	EXPECT_NE(NULL, strstr(r.err, "CAP_NET_ADMIN")) TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, unprivileged_sees_only_mailboxes_it_may_open)
{
	static const uint32_t modes[] = { 0600, 0602, 0644, 0620 };
	uint64_t ids[4];
	char arg[32];
	struct run r;
	json_t *j;

	for (int i = 0; i < 4; i++)
		ASSERT_LE(0, track(self, make_mailbox(MBOX_CAPACITY_UNBOUNDED,
						      0, modes[i], NULL,
						      &ids[i])));

	j = list(_metadata, AS_NOBODY);
	EXPECT_FALSE(list_has(j, ids[0]));
	EXPECT_TRUE(list_has(j, ids[1]));	/* others may write */
	EXPECT_FALSE(list_has(j, ids[2]));	/* others may only read */
	EXPECT_FALSE(list_has(j, ids[3]));	/* root's group may write */
	json_decref(j);

	j = show(_metadata, AS_NOBODY, ids[1]);
	EXPECT_EQ(0, jint(j, "owner_uid"));
	json_decref(j);

	snprintf(arg, sizeof(arg), "%" PRIu64, ids[0]);
	EXPECT_EQ(4, RUN_NOBODY(&r, "mailbox", "show", arg));
	run_free(&r);
}

TEST_F(ctl, unprivileged_sees_its_own_mailbox_and_usage)
{
	int ready[2], done[2];
	uint64_t id = 0;
	size_t i;
	json_t *j, *u;
	struct run r;
	pid_t pid;

	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(done, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t nid, go;
		int fd;

		if (drop_privileges())
			child_exit(-EPERM);
		fd = make_mailbox(MBOX_CAPACITY_UNBOUNDED, 0, 0600, NULL, &nid);
		if (fd < 0)
			child_exit(fd);
		if (mbox_send_nb(fd, "hello", 5, 0))
			child_exit(-EIO);
		pipe_write_u64(ready[1], nid);
		pipe_read_u64(done[0], &go);
		child_exit(0);
	}
	ASSERT_EQ(0, pipe_read_u64(ready[0], &id));

	j = list(_metadata, AS_NOBODY);
	EXPECT_TRUE(list_has(j, id));
	json_decref(j);
	j = show(_metadata, AS_ROOT, id);
	EXPECT_EQ(NOBODY_ID, jint(j, "owner_uid"));
	EXPECT_EQ(pid, jint(j, "owner_pid"));
	json_decref(j);

	RUN_NOBODY(&r, "-j", "stats");
	j = expect_json(_metadata, &r);
	run_free(&r);
	json_array_foreach(json_object_get(j, "per_user"), i, u)
		EXPECT_EQ(NOBODY_ID, jint(u, "uid"));
	EXPECT_LE(1, i) TH_LOG("nobody does not see its own usage");
	json_decref(j);

	pipe_write_u64(done[1], 1);
	EXPECT_EQ(0, child_wait(pid));
}

/* ------------------------------------------------- OS-owned mailboxes */

TEST_F(ctl, create_makes_an_os_owned_mailbox_and_delete_unlinks_it)
{
	const char *name = os_name(self, "os");
	char buf[MSG_SIZE];
	struct run r;
	uint64_t id;
	json_t *j;
	int fd;

	RUN(&r, "-j", "mailbox", "create", name, "capacity", "8", "msgsize",
	    "128", "mode", "0622");
	j = expect_json(_metadata, &r);
	run_free(&r);
	id = (uint64_t)jint(j, "id");
	EXPECT_STREQ(name, jstr(j, "name"));
	EXPECT_STREQ("os", jstr(j, "kind"));
	EXPECT_EQ(0, jint(j, "owner_pid"));
	EXPECT_EQ(0, jint(j, "owner_uid"));
	EXPECT_STREQ("bounded", jstr(j, "capacity_mode"));
	EXPECT_EQ(8, jint(j, "capacity"));
	EXPECT_EQ(128, jint(j, "msg_size"));
	EXPECT_STREQ("0622", jstr(j, "mode"));
	json_decref(j);

	/* It is a real mailbox: it takes messages with nobody attached. */
	fd = track(self, mbox_open_name(name, O_CLOEXEC, NULL));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send_nb(fd, buf, 20, 0));
	j = show(_metadata, AS_ROOT, id);
	EXPECT_EQ(1, jint(j, "sent"));
	EXPECT_EQ(1, jint(j, "queued"));
	json_decref(j);

	EXPECT_EQ(0, RUN(&r, "mailbox", "delete", name)) TH_LOG("%s", r.err);
	run_free(&r);
	j = list(_metadata, AS_ROOT);
	EXPECT_FALSE(list_has(j, id));
	json_decref(j);
	EXPECT_EQ(-EPIPE, mbox_send_nb(fd, buf, 20, 0));
}

TEST_F(ctl, create_with_a_taken_name_exits_6)
{
	const char *name = os_name(self, "taken");
	struct run r;

	EXPECT_EQ(0, RUN(&r, "mailbox", "create", name, "unbounded"))
		TH_LOG("%s", r.err);
	run_free(&r);
	EXPECT_EQ(6, RUN(&r, "mailbox", "create", name, "zero"));
	EXPECT_NE(NULL, strstr(r.err, "exists")) TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, create_above_msg_size_max_exits_2_and_says_why)
{
	const char *name = os_name(self, "big");
	struct run r;

	EXPECT_EQ(2, RUN(&r, "mailbox", "create", name, "msgsize",
			 "4294967295"));
	EXPECT_NE(NULL, strstr(r.err, "msg_size_max")) TH_LOG("%s", r.err);
	run_free(&r);
	EXPECT_EQ(4, RUN(&r, "mailbox", "show", "name", name));
	run_free(&r);
}

TEST_F(ctl, create_bounded_without_room_exits_2)
{
	const char *name = os_name(self, "cap0");
	struct run r;

	EXPECT_EQ(2, RUN(&r, "mailbox", "create", name, "capacity", "0"));
	EXPECT_NE(NULL, strstr(r.err, "capacity")) TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, delete_of_a_process_owned_mailbox_exits_2)
{
	char arg[32];
	struct run r;
	uint64_t id;

	ASSERT_LE(0, track(self, make_mailbox(MBOX_CAPACITY_UNBOUNDED, 0,
					      0600, NULL, &id)));
	snprintf(arg, sizeof(arg), "%" PRIu64, id);
	EXPECT_EQ(2, RUN(&r, "mailbox", "delete", arg));
	EXPECT_NE(NULL, strstr(r.err, "not OS-owned")) TH_LOG("%s", r.err);
	run_free(&r);
	/* Still there. */
	json_decref(show(_metadata, AS_ROOT, id));
}

TEST_F(ctl, delete_of_an_unknown_mailbox_exits_4)
{
	char name[64];
	struct run r;

	unique_name(name, sizeof(name), "gone");
	EXPECT_EQ(4, RUN(&r, "mailbox", "delete", name));
	EXPECT_NE(NULL, strstr(r.err, "no such mailbox")) TH_LOG("%s", r.err);
	run_free(&r);
}

TEST_F(ctl, unprivileged_create_is_refused_with_exit_5)
{
	const char *name = os_name(self, "nobody");
	struct run r;

	EXPECT_EQ(5, RUN_NOBODY(&r, "mailbox", "create", name));
	EXPECT_NE(NULL, strstr(r.err, "CAP_SYS_ADMIN")) TH_LOG("%s", r.err);
	run_free(&r);
	EXPECT_EQ(4, RUN(&r, "mailbox", "show", "name", name));
	run_free(&r);
}

TEST_F(ctl, unprivileged_delete_of_a_visible_mailbox_is_refused)
{
	const char *name = os_name(self, "keep");
	struct run r;

	ASSERT_EQ(0, RUN(&r, "mailbox", "create", name, "mode", "0666"))
		TH_LOG("%s", r.err);
	run_free(&r);
	EXPECT_EQ(5, RUN_NOBODY(&r, "mailbox", "delete", name));
	EXPECT_NE(NULL, strstr(r.err, "permission denied")) TH_LOG("%s", r.err);
	run_free(&r);
	EXPECT_EQ(0, RUN(&r, "mailbox", "show", "name", name));
	run_free(&r);
}

/* --------------------------------------- naming, keywords, units, -o */

/* An OS-owned mailbox named @name (digits), deleted by the teardown. */
static uint64_t create_named(struct __test_metadata *_metadata,
			     FIXTURE_DATA(ctl) *self, const char *name)
{
	struct run r;
	uint64_t id;
	json_t *j;

	ASSERT_LT(self->nos, MAX_OS);
	snprintf(self->os_names[self->nos++], sizeof(self->os_names[0]), "%s",
		 name);
	RUN(&r, "-j", "mailbox", "create", name, "unbounded");
	j = expect_json(_metadata, &r);
	run_free(&r);
	id = (uint64_t)jint(j, "id");
	json_decref(j);
	return id;
}

/* "mailbox show 123": no id 123, but a mailbox named "123". */
TEST_F(ctl, a_bare_number_finds_a_mailbox_named_by_digits)
{
	char name[32];
	uint64_t id;
	struct run r;
	json_t *j;

	/* Ids count up from 1: this one is far beyond any id in use. */
	snprintf(name, sizeof(name), "9000000000%d", getpid());
	id = create_named(_metadata, self, name);
	RUN(&r, "-j", "mailbox", "show", name);
	j = expect_json(_metadata, &r);
	run_free(&r);
	EXPECT_EQ((long long)id, jint(j, "id"));
	EXPECT_STREQ(name, jstr(j, "name"));
	json_decref(j);
	/* And delete takes the same word. */
	EXPECT_EQ(0, RUN(&r, "mailbox", "delete", name)) TH_LOG("%s", r.err);
	run_free(&r);
	EXPECT_EQ(4, RUN(&r, "mailbox", "show", "name", name));
	run_free(&r);
}

/* Id X exists and a mailbox is named "X": refused, with the way out. */
TEST_F(ctl, a_bare_number_that_is_an_id_and_a_name_is_ambiguous)
{
	char name[32];
	uint64_t id, named;
	struct run r;
	json_t *j;

	ASSERT_LE(0, track(self, make_mailbox(MBOX_CAPACITY_ZERO, 0, 0600,
					      NULL, &id)));
	snprintf(name, sizeof(name), "%" PRIu64, id);
	named = create_named(_metadata, self, name);
	ASSERT_NE(id, named);

	EXPECT_EQ(2, RUN(&r, "mailbox", "show", name));
	EXPECT_NE(NULL, strstr(r.err, "ambiguous")) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "'id ")) TH_LOG("%s", r.err);
	EXPECT_EQ(0U, r.out_len) TH_LOG("%s", r.out);
	run_free(&r);
	EXPECT_EQ(2, RUN(&r, "mailbox", "delete", name));
	run_free(&r);

	RUN(&r, "-j", "mailbox", "show", "id", name);
	j = expect_json(_metadata, &r);
	run_free(&r);
	EXPECT_EQ((long long)id, jint(j, "id"));
	json_decref(j);
	RUN(&r, "-j", "mailbox", "show", "name", name);
	j = expect_json(_metadata, &r);
	run_free(&r);
	EXPECT_EQ((long long)named, jint(j, "id"));
	json_decref(j);
}

/* "capacity 4 zero" used to make a zero mailbox (the last word won). */
TEST_F(ctl, conflicting_create_keywords_exit_2_and_create_nothing)
{
	static const char *const conflicts[][4] = {
		{ "capacity", "4", "zero", NULL },
		{ "unbounded", "capacity", "4", NULL },
		{ "zero", "unbounded", NULL, NULL },
		{ "msgsize", "8", "msgsize", "9" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(conflicts); i++) {
		const char *const *w = conflicts[i];
		char name[64];
		struct run r;

		unique_name(name, sizeof(name), "conflict");
		EXPECT_EQ(2, run_tool(&r, AS_ROOT, NULL,
				      ARGS("mailbox", "create", name, w[0],
					   w[1], w[2], w[3])));
		EXPECT_TRUE(strstr(r.err, "conflict") ||
			    strstr(r.err, "given twice")) TH_LOG("%s", r.err);
		run_free(&r);
		EXPECT_EQ(4, RUN(&r, "mailbox", "show", "name", name));
		run_free(&r);
	}
}

/* A rendezvous mailbox has no queue to fill: a waiting sender is not "full". */
TEST_F(ctl, a_zero_capacity_mailbox_is_never_shown_full)
{
	struct async_send s;
	char arg[32], buf[MSG_SIZE];
	uint64_t id;
	struct run r;
	json_t *j;
	int fd;

	fd = track(self, make_mailbox(MBOX_CAPACITY_ZERO, 0, 0600, NULL, &id));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, async_send_start(&s, fd, "a", 1, 0, 0, 0));
	ASSERT_EQ(0, wait_blocked_in_ioctl(getpid(), s.tid, MBOX_IOC_SEND));

	j = show(_metadata, AS_ROOT, id);
	EXPECT_EQ(0, jbool(j, "full"));
	EXPECT_EQ(1, jint(j, "waiting_senders"));
	/* On a zero mailbox "queued" counts the senders offering a message. */
	EXPECT_EQ(1, jint(j, "queued"));
	json_decref(j);
	snprintf(arg, sizeof(arg), "%" PRIu64, id);
	ASSERT_EQ(0, RUN(&r, "mailbox", "show", arg)) TH_LOG("%s", r.err);
	EXPECT_EQ(NULL, strstr(r.out, "full")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "senders 1")) TH_LOG("%s", r.out);
	run_free(&r);
	ASSERT_EQ(0, RUN(&r, "-o", "id,full,senders", "mailbox", "show", arg));
	EXPECT_NE(NULL, strstr(r.out, " no ")) TH_LOG("%s", r.out);
	run_free(&r);

	ASSERT_EQ(1, mbox_recv(fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
}

/*
 * stats: sizes in binary units and use percentages in text; the raw
 * figures, their maxima and the percentages in JSON, consistent.
 */
TEST_F(ctl, stats_show_human_sizes_and_use_percentages)
{
	const json_t *u = NULL, *users;
	char want[64];
	double diff;
	struct run r;
	json_t *j;
	size_t i;
	int fd;

	/* At least one user with charged bytes: root, with a queued message. */
	fd = track(self, make_mailbox(MBOX_CAPACITY_UNBOUNDED, 0, 0600, NULL,
				      NULL));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send_nb(fd, "0123456789", 10, 0));

	RUN(&r, "-j", "stats");
	j = expect_json(_metadata, &r);
	run_free(&r);
	users = json_object_get(j, "per_user");
	ASSERT_TRUE(json_is_array(users));
	json_array_foreach(users, i, u) {
		if (jint(u, "uid") == 0)
			break;
	}
	ASSERT_TRUE(u && jint(u, "uid") == 0);
	ASSERT_LT(0, jint(u, "bytes"));
	ASSERT_LT(0, jint(u, "bytes_max"));
	EXPECT_TRUE(json_is_real(json_object_get(u, "bytes_use_percent")));
	diff = 100.0 * (double)jint(u, "bytes") / (double)jint(u, "bytes_max") -
	       json_real_value(json_object_get(u, "bytes_use_percent"));
	EXPECT_TRUE(diff < 1e-6 && diff > -1e-6);
	snprintf(want, sizeof(want), "mailboxes %lld of %lld (",
		 jint(u, "mailboxes"), jint(u, "mailboxes_max"));
	json_decref(j);

	ASSERT_EQ(0, RUN(&r, "stats")) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "user 0: bytes ")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s / %s", want, r.out);
	EXPECT_NE(NULL, strstr(r.out, "%)")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "iB")) TH_LOG("%s", r.out);
	run_free(&r);
	/* -b: exact byte counts instead. */
	ASSERT_EQ(0, RUN(&r, "-b", "stats")) TH_LOG("%s", r.err);
	EXPECT_EQ(NULL, strstr(r.out, "iB")) TH_LOG("%s", r.out);
	run_free(&r);
}

/* -o COLUMNS: a table with a header, like lsipc; JSON with those keys only. */
TEST_F(ctl, output_columns_select_what_list_and_show_print)
{
	char arg[32], row[128];
	uint64_t id;
	struct run r;
	json_t *j;
	int fd;

	fd = track(self, make_mailbox(MBOX_CAPACITY_BOUNDED, 4, 0600, NULL, &id));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send_nb(fd, "x", 1, 0));
	snprintf(arg, sizeof(arg), "%" PRIu64, id);

	ASSERT_EQ(0, RUN(&r, "-o", "id,capacity,queued,use%", "mailbox", "show",
			 arg)) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "ID CAPACITY QUEUED USE%\n")) TH_LOG("%s", r.out);
	snprintf(row, sizeof(row), "%s        4      1  25%%\n", arg);
	EXPECT_NE(NULL, strstr(r.out, row)) TH_LOG("want '%s' in %s", row, r.out);
	run_free(&r);

	ASSERT_EQ(0, RUN(&r, "-n", "-o", "id", "mailbox", "list")) TH_LOG("%s", r.err);
	EXPECT_EQ(NULL, strstr(r.out, "ID")) TH_LOG("%s", r.out);
	snprintf(row, sizeof(row), "%s\n", arg);
	EXPECT_NE(NULL, strstr(r.out, row)) TH_LOG("%s", r.out);
	run_free(&r);

	RUN(&r, "-j", "--output=id,queued", "mailbox", "show", arg);
	j = expect_json(_metadata, &r);
	run_free(&r);
	EXPECT_EQ(2, json_object_size(j));
	EXPECT_EQ((long long)id, jint(j, "id"));
	EXPECT_EQ(1, jint(j, "queued"));
	json_decref(j);

	EXPECT_EQ(2, RUN(&r, "-o", "id,bogus", "mailbox", "list"));
	EXPECT_NE(NULL, strstr(r.err, "unknown column 'bogus'")) TH_LOG("%s", r.err);
	run_free(&r);
}

/* ------------------------------------------------------------- monitor */

static void start_monitor(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ctl) *self)
{
	ASSERT_EQ(0, mon_start(&self->mon));
	self->mon_running = true;
	mon_sync(_metadata, &self->mon);
}

static int stop_monitor(FIXTURE_DATA(ctl) *self)
{
	self->mon_running = false;
	return mon_stop(&self->mon);
}

TEST_F(ctl, monitor_sees_creation_and_destruction_by_close)
{
	char events[256];
	uint64_t id;
	int fd;

	start_monitor(_metadata, self);
	fd = make_mailbox(MBOX_CAPACITY_BOUNDED, 2, 0600, NULL, &id);
	ASSERT_LE(0, fd);
	close(fd);
	mon_collect(_metadata, &self->mon, id, getpid(), events,
		    sizeof(events));
	EXPECT_STREQ("created,destroyed:owner-closed", events);
	EXPECT_EQ(0, stop_monitor(self));
}

TEST_F(ctl, monitor_sees_owner_death_in_order)
{
	char events[256], name[64];
	int ready[2];
	uint64_t id;
	pid_t pid;

	unique_name(name, sizeof(name), "dying");
	start_monitor(_metadata, self);
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t nid;
		int fd = make_mailbox(MBOX_CAPACITY_UNBOUNDED, 0, 0600, name,
				      &nid);

		if (fd < 0)
			child_exit(fd);
		pipe_write_u64(ready[1], nid);
		for (;;)
			pause();
	}
	ASSERT_EQ(0, pipe_read_u64(ready[0], &id));
	kill(pid, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, child_wait(pid));

	mon_collect(_metadata, &self->mon, id, pid, events, sizeof(events));
	EXPECT_STREQ("created,owner-died,destroyed:owner-died", events);
	EXPECT_EQ(0, stop_monitor(self));
}

TEST_F(ctl, monitor_reports_one_full_episode_for_a_bounded_mailbox)
{
	char events[256], buf[MSG_SIZE];
	uint64_t id;
	int fd;

	start_monitor(_metadata, self);
	fd = make_mailbox(MBOX_CAPACITY_BOUNDED, 2, 0600, NULL, &id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send_nb(fd, "a", 1, 0));
	ASSERT_EQ(0, mbox_send_nb(fd, "b", 1, 0));
	/* Refused three times for room: one transition, one event. */
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(-EAGAIN, mbox_send_nb(fd, "c", 1, 0));
	/*
	 * Receiving one leaves the queue non-empty: still full, so refusing
	 * the next sender again is no new episode.
	 */
	ASSERT_EQ(1, mbox_recv_nb(fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, mbox_send_nb(fd, "d", 1, 0));
	ASSERT_EQ(-EAGAIN, mbox_send_nb(fd, "e", 1, 0));
	ASSERT_EQ(1, mbox_recv_nb(fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(1, mbox_recv_nb(fd, buf, sizeof(buf), NULL));

	/* NOT_FULL may be held back a moment (throttling): wait for it. */
	events[0] = '\0';
	mon_collect_until(_metadata, &self->mon, id, getpid(), "not-full",
			  events, sizeof(events));
	close(fd);
	mon_collect_until(_metadata, &self->mon, id, getpid(), "destroyed",
			  events, sizeof(events));
	EXPECT_STREQ("created,full,not-full,destroyed:owner-closed", events);
	EXPECT_EQ(0, stop_monitor(self));
}

TEST_F(ctl, monitor_reports_one_full_episode_for_a_zero_mailbox)
{
	char events[256], buf[MSG_SIZE];
	struct timespec deadline;
	struct async_send s;
	uint64_t id;
	int fd;

	start_monitor(_metadata, self);
	fd = make_mailbox(MBOX_CAPACITY_ZERO, 0, 0600, NULL, &id);
	ASSERT_LE(0, fd);
	/* A sender finds no receiver and waits: full. */
	ASSERT_EQ(0, async_send_start(&s, fd, "a", 1, 0, 0, 0));
	ASSERT_EQ(0, wait_blocked_in_ioctl(getpid(), s.tid, MBOX_IOC_SEND));
	ASSERT_EQ(1, mbox_recv(fd, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, async_send_join(&s, STATE_WAIT_MS));
	/* A receiver finds no sender and waits: not full. */
	ASSERT_EQ(0, mbox_deadline_in(&deadline, 20 * NSEC_PER_MSEC));
	ASSERT_EQ(-ETIMEDOUT, mbox_recv_timed(fd, buf, sizeof(buf), NULL,
					      &deadline));

	events[0] = '\0';
	mon_collect_until(_metadata, &self->mon, id, getpid(), "not-full",
			  events, sizeof(events));
	close(fd);
	mon_collect_until(_metadata, &self->mon, id, getpid(), "destroyed",
			  events, sizeof(events));
	EXPECT_STREQ("created,full,not-full,destroyed:owner-closed", events);
	EXPECT_EQ(0, stop_monitor(self));
}

/*
 * Many full/empty swings in quick succession: reports are throttled, but
 * they still alternate, start with FULL, and the last one before DESTROYED
 * is the state the mailbox was left in (here not full).
 */
TEST_F(ctl, monitor_reports_the_final_state_of_a_swinging_mailbox)
{
	char events[8192], buf[MSG_SIZE];
	int swings = 0;
	uint64_t id;
	char *word;
	int fd;

	start_monitor(_metadata, self);
	fd = make_mailbox(MBOX_CAPACITY_BOUNDED, 1, 0600, NULL, &id);
	ASSERT_LE(0, fd);
	for (int i = 0; i < 200; i++) {
		ASSERT_EQ(0, mbox_send_nb(fd, "a", 1, 0));
		ASSERT_EQ(-EAGAIN, mbox_send_nb(fd, "b", 1, 0));
		ASSERT_EQ(1, mbox_recv_nb(fd, buf, sizeof(buf), NULL));
	}
	close(fd);

	mon_collect(_metadata, &self->mon, id, getpid(), events,
		    sizeof(events));
	word = strtok(events, ",");
	ASSERT_NE(NULL, word);
	ASSERT_STREQ("created", word);
	while ((word = strtok(NULL, ",")) && strncmp(word, "destroyed", 9)) {
		ASSERT_STREQ(swings % 2 ? "not-full" : "full", word)
			TH_LOG("report %d", swings);
		swings++;
	}
	ASSERT_NE(NULL, word);
	EXPECT_STREQ("destroyed:owner-closed", word);
	/* At least one episode, whole episodes only, never more than 200. */
	EXPECT_LE(2, swings);
	EXPECT_EQ(0, swings % 2);
	EXPECT_GE(400, swings);
	TH_LOG("200 full/empty swings gave %d reports", swings);
	EXPECT_EQ(0, stop_monitor(self));
}

TEST_F(ctl, monitor_sees_an_os_mailbox_created_and_deleted)
{
	const char *name = os_name(self, "mon");
	char events[256];
	struct run r;
	uint64_t id;
	json_t *j;

	start_monitor(_metadata, self);
	RUN(&r, "-j", "mailbox", "create", name);
	j = expect_json(_metadata, &r);
	run_free(&r);
	id = (uint64_t)jint(j, "id");
	json_decref(j);
	EXPECT_EQ(0, RUN(&r, "mailbox", "delete", name)) TH_LOG("%s", r.err);
	run_free(&r);

	mon_collect(_metadata, &self->mon, id, 0, events, sizeof(events));
	EXPECT_STREQ("created,destroyed:deleted", events);
	EXPECT_EQ(0, stop_monitor(self));
}

/* Every monitor event carries when it was read (ISO 8601, microseconds). */
TEST_F(ctl, monitor_events_carry_timestamps)
{
	struct timespec now;
	uint64_t id;
	json_t *ev;
	int year = 0, fd, seen = 0;

	start_monitor(_metadata, self);
	fd = make_mailbox(MBOX_CAPACITY_BOUNDED, 2, 0600, NULL, &id);
	ASSERT_LE(0, fd);
	close(fd);
	clock_gettime(CLOCK_REALTIME, &now);
	while (seen < 2 && (ev = mon_next(&self->mon, STATE_WAIT_MS))) {
		const char *ts = jstr(ev, "timestamp");
		int mo, d, h, mi, sec, us, zone, n = 0;

		if (jint(ev, "id") == (long long)id) {
			seen++;
			EXPECT_EQ(31U, strlen(ts)) TH_LOG("%s", ts);
			EXPECT_EQ(7, sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%6d%n",
					    &year, &mo, &d, &h, &mi, &sec, &us, &n))
				TH_LOG("%s", ts);
			EXPECT_EQ(26, n);
			EXPECT_EQ(1, sscanf(ts + 26, "%5d", &zone)) TH_LOG("%s", ts);
			EXPECT_TRUE(ts[26] == '+' || ts[26] == '-');
			EXPECT_EQ(1900 + localtime(&now.tv_sec)->tm_year, year);
		}
		json_decref(ev);
	}
	EXPECT_EQ(2, seen);
	EXPECT_EQ(0, stop_monitor(self));
}

TEST_HARNESS_MAIN
