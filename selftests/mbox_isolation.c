// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_isolation: a receiver whose copy stalls - its buffer is a page that
 * userfaultfd never fills, or a file on a FUSE mount that never answers a
 * read - holds up only itself.  While it stalls, the other users of the
 * mailbox and of generic netlink go on, each within VICTIM_MS; SIGKILL ends
 * a sender waiting for that receiver; once the stall ends, or the stalled
 * receiver dies, the message is received exactly once and in its place.
 *
 * Each operation run against a stall (a "victim") runs in a child and its
 * time is printed ("victim NAME: N ms"), also when it is over the limit,
 * so that a run against a module that copies under its lock measures how
 * long the victims were held up.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#include <libmnl/libmnl.h>
#include <linux/fuse.h>
#include <linux/genetlink.h>
/* Its attribute enum shares its tag with libmbox's struct mbox_attr. */
#define mbox_attr mbox_nl_attr
#include <linux/mbox_netlink.h>
#undef mbox_attr
#include <sched.h>
#include <sys/mount.h>
#include <sys/uio.h>

/* "Within a few seconds", in an emulated guest on a busy host. */
#define VICTIM_MS	5000

#define MSG_SIZE	64

/* Room for any reply here (MNL_SOCKET_BUFFER_SIZE is not a constant). */
#define NL_BUF_SIZE	8192

/* ------------------------------------------------------------- victims */

struct victim {
	const char *name;
	pid_t pid;
	uint64_t start;
	uint64_t ms;
	int result;
	bool done;
};

static void victim_start(struct victim *v, const char *name,
			 int (*fn)(void *), void *arg)
{
	v->name = name;
	v->done = false;
	v->result = -EINPROGRESS;
	v->start = now_ns();
	v->pid = fork_child();
	if (v->pid == 0)
		child_exit(fn(arg));
}

/*
 * Waits up to @ms for the victim to end, without killing it: a victim
 * stuck in an uninterruptible wait could not be reaped anyway.
 */
static bool victim_wait(struct victim *v, int ms)
{
	uint64_t deadline = now_ns() + (uint64_t)ms * NSEC_PER_MSEC;

	while (!v->done) {
		if (v->pid <= 0 || child_try_wait(v->pid, &v->result)) {
			v->done = true;
			v->ms = (now_ns() - v->start) / NSEC_PER_MSEC;
			ksft_print_msg("victim %s: %" PRIu64 " ms, result %d\n",
				       v->name, v->ms, v->result);
			break;
		}
		if (now_ns() > deadline)
			break;
		sleep_ms(1);
	}
	if (!v->done)
		ksft_print_msg("victim %s: still waiting after %d ms\n",
			       v->name, ms);
	return v->done;
}

/* ------------------------------------------------------- generic netlink */

static struct nlmsghdr *genl_req(char *buf, uint16_t type, uint8_t cmd,
				 uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)now_ns();
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/* Sends @nlh and runs @cb on each reply until the ack; 0 or -errno. */
static int genl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static char buf[NL_BUF_SIZE];
	struct mnl_socket *nl;
	unsigned int portid;
	int ret = 0;
	ssize_t n;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = mnl_cb_run(buf, n, nlh->nlmsg_seq, portid, cb, data);
		if (ret == MNL_CB_ERROR) {
			ret = -errno;
			break;
		}
		if (ret == MNL_CB_STOP) {
			ret = 0;
			break;
		}
	}
out:
	mnl_socket_close(nl);
	return ret;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		*(int *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			      data);
}

/* CTRL_CMD_GETFAMILY: the family id of @name, or -errno. */
static int genl_family_id(const char *name)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int id = -ENOENT;
	int ret;

	nlh = genl_req(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	ret = genl_talk(nlh, family_cb, &id);
	return ret ? ret : id;
}

struct mbox_get_reply {
	uint64_t want_id;
	int matches;
};

static int mbox_get_attr_cb(const struct nlattr *attr, void *data)
{
	struct mbox_get_reply *r = data;

	if (mnl_attr_get_type(attr) == MBOX_A_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) == 0 &&
	    mnl_attr_get_u64(attr) == r->want_id)
		r->matches++;
	return MNL_CB_OK;
}

static int mbox_get_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), mbox_get_attr_cb,
			      data);
}

/* MBOX_CMD_MBOX_GET of mailbox @id: 0 if it is described, else -errno. */
static int genl_mbox_get(uint64_t id)
{
	struct mbox_get_reply r = { .want_id = id };
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int family, ret;

	family = genl_family_id(MBOX_GENL_NAME);
	if (family < 0)
		return family;
	nlh = genl_req(buf, (uint16_t)family, MBOX_CMD_MBOX_GET,
		       MBOX_GENL_VERSION);
	mnl_attr_put_u64(nlh, MBOX_A_ID, id);
	ret = genl_talk(nlh, mbox_get_cb, &r);
	if (ret)
		return ret;
	return r.matches == 1 ? 0 : -EPROTO;
}

/* ------------------------------------------------------ victim bodies */

struct target {
	uint64_t id;
	char name[MBOX_NAME_MAX];
	int user_fd;		/* a send handle, opened before the stall */
	bool os;		/* OS-owned: receiver handles may be opened */
};

/* A non-blocking ZERO send finds no idle receiver: -EAGAIN, at once. */
static int victim_send_nonblock(void *arg)
{
	const struct target *t = arg;
	int ret = send_msg(t->user_fd, "victim", 6, 0, 0, MBOX_MSG_NONBLOCK);

	return ret == -EAGAIN ? 0 : (ret ? ret : -EPROTO);
}

/* A non-blocking ZERO send to an idle receiver that then stalls: 0. */
static int victim_send_taken(void *arg)
{
	const struct target *t = arg;

	return send_msg(t->user_fd, "via-fuse", 9, 0, 0, MBOX_MSG_NONBLOCK);
}

/* MBOX_IOC_OPEN by name, then the handle's release. */
static int victim_open_close(void *arg)
{
	const struct target *t = arg;
	int fd;

	if (t->os)
		fd = mbox_open_receiver(0, t->name, O_CLOEXEC);
	else
		fd = mbox_open_name(t->name, O_CLOEXEC, NULL);
	if (fd < 0)
		return fd;
	return close(fd) ? -errno : 0;
}

static int victim_info(void *arg)
{
	const struct target *t = arg;
	struct mbox_info info;
	int ret = mbox_info(t->user_fd, &info);

	if (ret)
		return ret;
	return info.id == t->id && info.state == MBOX_STATE_ALIVE ? 0 : -EPROTO;
}

static int victim_netlink_get(void *arg)
{
	const struct target *t = arg;

	return genl_mbox_get(t->id);
}

static int victim_nlctrl(void *arg)
{
	int id;

	(void)arg;
	id = genl_family_id("nlctrl");
	if (id < 0)
		return id;
	return id == GENL_ID_CTRL ? 0 : -EPROTO;
}

struct victim_kind {
	const char *name;
	int (*fn)(void *arg);
};

static const struct victim_kind victim_kinds[] = {
	{ "nonblocking-zero-send", victim_send_nonblock },
	{ "open-close", victim_open_close },
	{ "info", victim_info },
	{ "netlink-mbox-get", victim_netlink_get },
	{ "netlink-nlctrl-getfamily", victim_nlctrl },
};

#define NR_VICTIMS (sizeof(victim_kinds) / sizeof(victim_kinds[0]))

/* Runs every victim against @t, one after the other. */
static void victims_run(struct victim *v, struct target *t)
{
	for (size_t i = 0; i < NR_VICTIMS; i++) {
		victim_start(&v[i], victim_kinds[i].name, victim_kinds[i].fn, t);
		victim_wait(&v[i], VICTIM_MS);
	}
}

/* After the stall ended: reaps the victims that were still waiting. */
static void victims_finish(struct victim *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		victim_wait(&v[i], STATE_WAIT_MS);
}

/* --------------------------------------------------------- receiver */

struct async_recv {
	pthread_t thread;
	int fd;
	void *buf;
	uint32_t len;
	struct mbox_recv r;
	int ret;
	pid_t tid;
	atomic_int started;
	atomic_int done;
};

static void *async_recv_fn(void *arg)
{
	struct async_recv *a = arg;

	a->tid = (pid_t)syscall(SYS_gettid);
	atomic_store(&a->started, 1);
	a->ret = recv_msg(a->fd, a->buf, a->len, 0, &a->r);
	atomic_store(&a->done, 1);
	return NULL;
}

static int async_recv_start(struct async_recv *a, int fd, void *buf,
			    uint32_t len)
{
	a->fd = fd;
	a->buf = buf;
	a->len = len;
	atomic_store(&a->started, 0);
	atomic_store(&a->done, 0);
	if (pthread_create(&a->thread, NULL, async_recv_fn, a))
		return -EAGAIN;
	while (!atomic_load(&a->started))
		sleep_ms(1);
	return wait_blocked_in_ioctl(getpid(), a->tid, MBOX_IOC_RECV);
}

/* ------------------------------------------------- uffd: ZERO hand-off */

FIXTURE(uffd) {
	struct mt_uffd_page u;
	struct target t;
	int rx_fd;
	bool stalled;
};

FIXTURE_VARIANT(uffd) {
	bool os;
};

/* The owner receives. */
FIXTURE_VARIANT_ADD(uffd, process) {
	.os = false,
};

/* Receiver handles receive; opening and closing one are victims too. */
FIXTURE_VARIANT_ADD(uffd, os) {
	.os = true,
};

FIXTURE_SETUP(uffd)
{
	struct mbox_attr attr = MBOX_ATTR_ZERO(MSG_SIZE);
	int ret;

	self->rx_fd = -1;
	self->t.user_fd = -1;
	self->u.fd = -1;
	self->stalled = false;
	ret = mt_uffd_page_setup(&self->u);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "userfaultfd unavailable: %s", strerror(-ret));
	ASSERT_EQ(0, ret);

	self->t.os = variant->os;
	attr.flags = variant->os ? MBOX_CREATE_OS : 0;
	attr.mode = 0666;
	attr.fd_flags = O_CLOEXEC;
	unique_name(self->t.name, sizeof(self->t.name), "iso");
	self->rx_fd = mbox_create(&attr, self->t.name, &self->t.id);
	ASSERT_LE(0, self->rx_fd);
	self->t.user_fd = mbox_open_name(self->t.name, O_CLOEXEC, NULL);
	ASSERT_LE(0, self->t.user_fd);
}

FIXTURE_TEARDOWN(uffd)
{
	/* Never leave a task stalled: the children could not be reaped. */
	if (self->stalled)
		mt_uffd_release(&self->u);
	reap_children();
	if (self->t.os)
		mbox_delete(self->t.id, NULL);
	if (self->t.user_fd >= 0)
		close(self->t.user_fd);
	if (self->rx_fd >= 0)
		close(self->rx_fd);
	if (self->u.fd >= 0)
		close(self->u.fd);
}

/* A non-blocking ZERO send of @text; 0 with the message's seq, or -errno. */
static int send_seq(int fd, const char *text, uint32_t flags, uint64_t *seq)
{
	struct mbox_send req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.buf = (uintptr_t)text;
	req.len = (uint32_t)strlen(text) + 1;
	req.priority = 3;
	req.type = 7;
	req.flags = flags;
	ret = mbox_sendx(fd, &req);
	*seq = req.seq;
	return ret;
}

/* The message is counted once on each side and nothing is left over. */
static void expect_settled(struct __test_metadata *_metadata, int fd,
			   uint64_t sent)
{
	struct mbox_info info;
	struct mbox_recv r;
	char buf[MSG_SIZE];

	EXPECT_EQ(-EAGAIN, recv_msg(fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK,
				    &r));
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(sent, info.sent);
	EXPECT_EQ(sent, info.received);
	EXPECT_EQ(0, info.queued);
	EXPECT_EQ(0, info.waiting_senders);
}

/*
 * A non-blocking ZERO send is handed to an idle receiver whose buffer then
 * stalls.  The message is accepted and numbered: the send returns 0 with
 * its seq at once instead of waiting on the copy, and everything else goes
 * on; released, the receiver gets it, with that seq, exactly once.
 */
TEST_F_TIMEOUT(uffd, stalled_handoff_returns_at_once_and_delivers_once, 120)
{
	struct victim v[NR_VICTIMS];
	struct async_recv rx;
	struct async_send tx;
	uint64_t start, ms;

	ASSERT_EQ(0, async_recv_start(&rx, self->rx_fd, self->u.page,
				      MSG_SIZE));
	start = now_ns();
	ASSERT_EQ(0, async_send_start(&tx, self->t.user_fd, "handoff", 8, 3, 7,
				      MBOX_MSG_NONBLOCK));
	EXPECT_EQ(0, async_send_join(&tx, 1000));
	ms = (now_ns() - start) / NSEC_PER_MSEC;
	ksft_print_msg("non-blocking send into a stalled copy: %" PRIu64
		       " ms\n", ms);
	EXPECT_GT(1000, ms);
	EXPECT_EQ(1, tx.req.seq);
	ASSERT_EQ(0, mt_uffd_wait_fault(&self->u, STATE_WAIT_MS));
	self->stalled = true;
	/* Accepted while the copy is stalled: sent, not yet received. */
	EXPECT_EQ(0, wait_info(self->t.user_fd, INFO_SENT, 1));
	EXPECT_EQ(0, wait_info(self->t.user_fd, INFO_RECEIVED, 0));
	EXPECT_EQ(0, atomic_load(&rx.done));

	victims_run(v, &self->t);

	ASSERT_EQ(0, mt_uffd_release(&self->u));
	self->stalled = false;
	victims_finish(v, NR_VICTIMS);
	ASSERT_EQ(0, pthread_join(rx.thread, NULL));
	for (size_t i = 0; i < NR_VICTIMS; i++) {
		EXPECT_EQ(0, v[i].result) TH_LOG("victim %s", v[i].name);
		EXPECT_GE(VICTIM_MS, v[i].ms) TH_LOG("victim %s", v[i].name);
	}

	ASSERT_EQ(0, rx.ret);
	EXPECT_EQ(8, rx.r.msg_len);
	EXPECT_EQ(0, memcmp(self->u.page, "handoff", 8));
	EXPECT_EQ(3, rx.r.priority);
	EXPECT_EQ(7, rx.r.type);
	EXPECT_EQ(tx.req.seq, rx.r.seq);
	EXPECT_EQ(getpid(), rx.r.sender_pid);
	expect_settled(_metadata, self->rx_fd, 1);
}

/*
 * A timed ZERO sender's offer is taken by a receiver that stalls.  The
 * deadline ends the send while the copy is still stalled: 0, with the seq
 * the receiver sees once released.
 */
TEST_F_TIMEOUT(uffd, taken_offer_deadline_returns_its_seq, 120)
{
	struct mbox_send req;
	struct async_recv rx;
	struct async_send tx;
	struct timespec ts;

	ASSERT_EQ(0, async_recv_start(&rx, self->rx_fd, self->u.page,
				      MSG_SIZE));
	memset(&req, 0, sizeof(req));
	req.buf = (uintptr_t)"timed";
	req.len = 6;
	ASSERT_EQ(0, mbox_deadline_in(&ts, 500 * NSEC_PER_MSEC));
	req.flags = MBOX_MSG_TIMEOUT;
	req.timeout_ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	ASSERT_EQ(0, async_send_start_req(&tx, self->t.user_fd, &req));
	ASSERT_EQ(0, mt_uffd_wait_fault(&self->u, STATE_WAIT_MS));
	self->stalled = true;

	/* The copy is still stalled when the send returns. */
	EXPECT_EQ(0, async_send_join(&tx, STATE_WAIT_MS));
	EXPECT_EQ(1, tx.req.seq);
	EXPECT_EQ(0, atomic_load(&rx.done));
	EXPECT_EQ(0, wait_info(self->t.user_fd, INFO_WAITING_SENDERS, 0));

	ASSERT_EQ(0, mt_uffd_release(&self->u));
	self->stalled = false;
	ASSERT_EQ(0, pthread_join(rx.thread, NULL));
	ASSERT_EQ(0, rx.ret);
	EXPECT_EQ(0, memcmp(self->u.page, "timed", 6));
	EXPECT_EQ(tx.req.seq, rx.r.seq);
	expect_settled(_metadata, self->rx_fd, 1);
}

static void note_signal(int sig)
{
	(void)sig;
}

/*
 * A blocking ZERO sender without deadline waits for a stalled copy of its
 * message; a signal (no SA_RESTART) ends that wait with 0 and the seq, not
 * -EINTR: the message is already accepted and is delivered all the same.
 */
TEST_F_TIMEOUT(uffd, signal_ends_taken_send_with_its_seq, 120)
{
	struct sigaction sa, old;
	struct async_recv rx;
	struct async_send tx;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = note_signal;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
	ASSERT_EQ(0, async_recv_start(&rx, self->rx_fd, self->u.page,
				      MSG_SIZE));
	ASSERT_EQ(0, async_send_start(&tx, self->t.user_fd, "signal", 7, 0, 0,
				      0));
	ASSERT_EQ(0, mt_uffd_wait_fault(&self->u, STATE_WAIT_MS));
	self->stalled = true;
	ASSERT_EQ(0, wait_blocked_in_ioctl(getpid(), tx.tid, MBOX_IOC_SEND));
	EXPECT_EQ(0, atomic_load(&tx.done));

	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), tx.tid, SIGUSR1));
	EXPECT_EQ(0, async_send_join(&tx, STATE_WAIT_MS));
	EXPECT_EQ(1, tx.req.seq);
	EXPECT_EQ(0, atomic_load(&rx.done));

	ASSERT_EQ(0, mt_uffd_release(&self->u));
	self->stalled = false;
	ASSERT_EQ(0, pthread_join(rx.thread, NULL));
	ASSERT_EQ(0, rx.ret);
	EXPECT_EQ(0, memcmp(self->u.page, "signal", 7));
	EXPECT_EQ(tx.req.seq, rx.r.seq);
	expect_settled(_metadata, self->rx_fd, 1);
	sigaction(SIGUSR1, &old, NULL);
}

/*
 * A non-blocking ZERO send handed to a receiver whose buffer is bad: the
 * message was numbered when taken, so the faulted copy does not hand it
 * back (that would burn its seq): the send returns 0 and the next receive
 * gets it with the same seq.
 */
TEST_F(uffd, faulted_handoff_is_received_later_with_its_seq)
{
	struct async_recv rx;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t seq = 0;

	ASSERT_EQ(0, async_recv_start(&rx, self->rx_fd, (void *)8, MSG_SIZE));
	EXPECT_EQ(0, send_seq(self->t.user_fd, "bad-buffer", MBOX_MSG_NONBLOCK,
			      &seq));
	EXPECT_EQ(1, seq);
	ASSERT_EQ(0, pthread_join(rx.thread, NULL));
	EXPECT_EQ(-EFAULT, rx.ret);

	ASSERT_EQ(0, recv_msg(self->rx_fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK,
			      &r));
	EXPECT_STREQ("bad-buffer", buf);
	EXPECT_EQ(seq, r.seq);
	EXPECT_EQ(3, r.priority);
	EXPECT_EQ(7, r.type);
	expect_settled(_metadata, self->rx_fd, 1);
}

/* ------------------------------------------------ FUSE, unprivileged */

/*
 * The same stall made with no privilege at all: user "nobody" mounts a FUSE
 * file system in its own user and mount namespaces, maps a file of it as
 * its receive buffer and never answers the read that the copy into it
 * triggers.  The server speaks the /dev/fuse protocol itself: it answers
 * INIT, LOOKUP, GETATTR and OPEN, and holds READ until told to answer.
 */

#define FUSE_MNT	"/tmp"
#define FUSE_FILE	"stall"
#define FUSE_INO	2

/* Status words from the stalling child to the test. */
#define ST_READY	1	/* receiving into the mapped file */
#define ST_READ_HELD	2	/* the copy's READ arrived, unanswered */
#define ST_SKIP_BASE	1000	/* + errno: no user namespace or FUSE mount */
#define ST_RESULT	2000	/* + errno: what the receiver got */

struct fuse_server {
	int fuse;		/* /dev/fuse, this connection */
	int ctl;		/* read end: a word here answers the held READ */
	int status;		/* write end: ST_READ_HELD */
};

static int fuse_reply(int fuse, uint64_t unique, int error, const void *arg,
		      size_t len)
{
	struct fuse_out_header out = {
		.len = (uint32_t)(sizeof(out) + len),
		.error = error,
		.unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &out, .iov_len = sizeof(out) },
		{ .iov_base = (void *)arg, .iov_len = len },
	};

	return writev(fuse, iov, len ? 2 : 1) == (ssize_t)out.len ? 0 : -errno;
}

static void fuse_fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = 1;
	a->blksize = 4096;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
	} else {
		a->mode = S_IFREG | 0444;
		a->size = 4096;
		a->blocks = 8;
	}
}

/* Answers what it must; returns when the connection ends. */
static void *fuse_serve(void *arg)
{
	static char buf[FUSE_MIN_READ_BUFFER + 128 * 1024];
	struct fuse_server *srv = arg;
	uint64_t held[16];
	unsigned int nr_held = 0;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = srv->fuse, .events = POLLIN },
			{ .fd = srv->ctl, .events = POLLIN },
		};
		struct fuse_in_header *in = (void *)buf;
		void *body = buf + sizeof(*in);
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (p[1].revents) {
			static char data[4096];
			uint64_t go;

			if (pipe_read_u64(srv->ctl, &go))
				return NULL;
			memset(data, 'F', sizeof(data));
			for (unsigned int i = 0; i < nr_held; i++)
				fuse_reply(srv->fuse, held[i], 0, data,
					   sizeof(data));
			nr_held = 0;
			continue;
		}
		if (!p[0].revents)
			continue;
		n = read(srv->fuse, buf, sizeof(buf));
		if (n < (ssize_t)sizeof(*in)) {
			if (n < 0 && (errno == EINTR || errno == ENOENT))
				continue;
			return NULL;
		}

		switch (in->opcode) {
		case FUSE_INIT: {
			const struct fuse_init_in *ii = body;
			struct fuse_init_out io;

			memset(&io, 0, sizeof(io));
			io.major = FUSE_KERNEL_VERSION;
			io.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ?
				   ii->minor : FUSE_KERNEL_MINOR_VERSION;
			io.max_readahead = ii->max_readahead;
			io.max_write = 4096;
			fuse_reply(srv->fuse, in->unique, 0, &io, sizeof(io));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out e;

			if (in->nodeid != FUSE_ROOT_ID ||
			    strcmp(body, FUSE_FILE)) {
				fuse_reply(srv->fuse, in->unique, -ENOENT,
					   NULL, 0);
				break;
			}
			memset(&e, 0, sizeof(e));
			e.nodeid = FUSE_INO;
			e.generation = 1;
			e.entry_valid = 3600;
			e.attr_valid = 3600;
			fuse_fill_attr(&e.attr, FUSE_INO);
			fuse_reply(srv->fuse, in->unique, 0, &e, sizeof(e));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out a;

			memset(&a, 0, sizeof(a));
			a.attr_valid = 3600;
			fuse_fill_attr(&a.attr, in->nodeid);
			fuse_reply(srv->fuse, in->unique, 0, &a, sizeof(a));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o;

			memset(&o, 0, sizeof(o));
			o.fh = 1;
			fuse_reply(srv->fuse, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:
			/* The stall: held until the test says so. */
			if (nr_held < sizeof(held) / sizeof(held[0]))
				held[nr_held++] = in->unique;
			pipe_write_u64(srv->status, ST_READ_HELD);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;		/* no reply expected */
		case FUSE_FLUSH:
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
			fuse_reply(srv->fuse, in->unique, 0, NULL, 0);
			break;
		default:
			fuse_reply(srv->fuse, in->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
}

/* Becomes root of new user and mount namespaces, as nobody. */
static int enter_own_namespaces(void)
{
	char map[64];
	int ret;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS)) {
		ksft_print_msg("unshare: %s\n", strerror(errno));
		return -errno;
	}
	ret = mt_write_file("/proc/self/setgroups", "deny");
	if (ret)
		return ret;
	snprintf(map, sizeof(map), "0 %d 1", NOBODY_ID);
	ret = mt_write_file("/proc/self/uid_map", map);
	if (!ret)
		ret = mt_write_file("/proc/self/gid_map", map);
	if (ret) {
		ksft_print_msg("id maps: %s\n", strerror(-ret));
		return ret;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	return 0;
}

/* The receiver: maps the FUSE file and receives into it, once. */
static int fuse_receiver(int mb, int status)
{
	char buf[MSG_SIZE];
	struct mbox_recv r;
	void *page;
	int fd, ret;

	fd = open(FUSE_MNT "/" FUSE_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Private and writable: the copy into it first reads the file. */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (page == MAP_FAILED)
		return -errno;
	pipe_write_u64(status, ST_READY);
	pipe_write_u64(status, (uint64_t)getpid());

	ret = recv_msg(mb, page, MSG_SIZE, 0, &r);
	if (ret)
		return ret;
	if (r.msg_len != 9 || memcmp(page, "via-fuse", 9) || r.seq != 1)
		return -EPROTO;
	/* Once: nothing else is there. */
	ret = recv_msg(mb, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r);
	return ret == -EAGAIN ? 0 : (ret ? ret : -EPROTO);
}

/*
 * The stalling child, as nobody: owns ZERO mailbox @name, mounts the FUSE
 * file system and serves it, while a child of its own (the receiver, which
 * must not hold /dev/fuse: a task waiting for an answer its own process
 * owes could never be killed) receives into the mapped file.  Status words:
 * ST_READY and the receiver's pid, ST_READ_HELD (from the server), then
 * ST_RESULT + the receiver's -result.
 */
static int fuse_stall_child(const char *name, int status, int ctl)
{
	struct mbox_attr attr = MBOX_ATTR_ZERO(MSG_SIZE);
	struct fuse_server srv = { .ctl = ctl, .status = status };
	char opts[128];
	pid_t receiver;
	int mb, ret;

	ret = drop_privileges();
	if (ret)
		return ret;
	/* Credentials changed: make /proc/self writable for the maps again. */
	prctl(PR_SET_DUMPABLE, 1);
	attr.mode = 0666;
	attr.fd_flags = O_CLOEXEC;
	mb = mbox_create(&attr, name, NULL);
	if (mb < 0)
		return mb;

	ret = enter_own_namespaces();
	if (ret) {
		ksft_print_msg("user and mount namespaces: %s\n",
			       strerror(-ret));
		pipe_write_u64(status, ST_SKIP_BASE - ret);
		return 0;
	}
	srv.fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (srv.fuse < 0) {
		ret = errno;
		ksft_print_msg("open /dev/fuse: %s\n", strerror(ret));
		pipe_write_u64(status, ST_SKIP_BASE + ret);
		return 0;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", srv.fuse);
	if (mount("mbox-isolation", FUSE_MNT, "fuse", MS_NOSUID | MS_NODEV,
		  opts)) {
		ret = errno;
		ksft_print_msg("mount fuse: %s\n", strerror(ret));
		pipe_write_u64(status, ST_SKIP_BASE + ret);
		return 0;
	}

	receiver = fork_child();
	if (receiver < 0)
		return errno;
	if (receiver == 0) {
		close(srv.fuse);
		ret = fuse_receiver(mb, status);
		pipe_write_u64(status, ST_RESULT - ret);
		child_exit(ret);
	}
	fuse_serve(&srv);
	return 0;
}

FIXTURE(fuse) {
	struct target t;
	int status[2];
	int ctl[2];
	pid_t staller;
	mode_t fuse_mode;
	bool fuse_chmod;
	bool stalled;
};

FIXTURE_SETUP(fuse)
{
	struct stat st;

	self->t.user_fd = -1;
	self->staller = -1;
	self->stalled = false;
	self->fuse_chmod = false;
	ASSERT_EQ(0, pipe2(self->status, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->ctl, O_CLOEXEC));

	/* Debian's 6.1 builds FUSE as a module; load it as mount(8) would. */
	if (stat("/dev/fuse", &st) && system("modprobe -q fuse") == 0)
		stat("/dev/fuse", &st);
	if (stat("/dev/fuse", &st))
		SKIP(return, "no /dev/fuse: %s", strerror(errno));
	/*
	 * Distributions let everybody open it (udev: MODE="0666"); a guest
	 * without udev leaves it 0600.  Put it as a distribution would.
	 */
	self->fuse_mode = st.st_mode & 07777;
	if ((self->fuse_mode & 0006) != 0006) {
		ASSERT_EQ(0, chmod("/dev/fuse", 0666));
		self->fuse_chmod = true;
	}
}

FIXTURE_TEARDOWN(fuse)
{
	if (self->stalled)
		pipe_write_u64(self->ctl[1], 1);
	reap_children();
	if (self->t.user_fd >= 0)
		close(self->t.user_fd);
	if (self->fuse_chmod)
		chmod("/dev/fuse", self->fuse_mode);
	close(self->status[0]);
	close(self->status[1]);
	close(self->ctl[0]);
	close(self->ctl[1]);
}

/* Waits for status word @want from the stalling child. */
static int fuse_wait_status(int fd, uint64_t want, uint64_t *got)
{
	int ret = poll_one(fd, POLLIN, STATE_WAIT_MS);

	if (ret < 0)
		return ret;
	if (!(ret & POLLIN))
		return -ETIMEDOUT;
	ret = pipe_read_u64(fd, got);
	if (ret)
		return ret;
	return *got == want ? 0 : -EPROTO;
}

TEST_F_TIMEOUT(fuse, unprivileged_stall_blocks_nobody_and_delivers_once, 180)
{
	struct victim v[NR_VICTIMS + 1];
	uint64_t got = 0, receiver;
	int ret;

	unique_name(self->t.name, sizeof(self->t.name), "isofuse");
	self->staller = fork_child();
	ASSERT_LE(0, self->staller);
	if (self->staller == 0)
		child_exit(fuse_stall_child(self->t.name, self->status[1],
					    self->ctl[0]));
	ret = fuse_wait_status(self->status[0], ST_READY, &got);
	if (ret == -EPROTO && got > ST_SKIP_BASE && got < ST_RESULT)
		SKIP(return, "no FUSE mount in a user namespace as nobody: %s",
		     strerror((int)(got - ST_SKIP_BASE)));
	ASSERT_EQ(0, ret) TH_LOG("status %" PRIu64, got);
	ASSERT_EQ(0, pipe_read_u64(self->status[0], &receiver));

	self->t.user_fd = mbox_open_name(self->t.name, O_CLOEXEC, &self->t.id);
	ASSERT_LE(0, self->t.user_fd);
	ASSERT_EQ(0, wait_blocked_in_ioctl((pid_t)receiver, (pid_t)receiver,
					   MBOX_IOC_RECV));
	victim_start(&v[NR_VICTIMS], "nonblocking-zero-send-taken",
		     victim_send_taken, &self->t);
	ASSERT_EQ(0, fuse_wait_status(self->status[0], ST_READ_HELD, &got));
	self->stalled = true;
	/* Taken and numbered: it returns without waiting for the copy. */
	victim_wait(&v[NR_VICTIMS], VICTIM_MS);

	victims_run(v, &self->t);

	ASSERT_EQ(0, pipe_write_u64(self->ctl[1], 1));
	self->stalled = false;
	victims_finish(v, NR_VICTIMS + 1);
	for (size_t i = 0; i < NR_VICTIMS; i++) {
		EXPECT_EQ(0, v[i].result) TH_LOG("victim %s", v[i].name);
		EXPECT_GE(VICTIM_MS, v[i].ms) TH_LOG("victim %s", v[i].name);
	}
	EXPECT_EQ(0, v[NR_VICTIMS].result);
	EXPECT_GE(VICTIM_MS, v[NR_VICTIMS].ms);
	/* The receiver got the message, exactly once. */
	EXPECT_EQ(0, fuse_wait_status(self->status[0], ST_RESULT, &got))
		TH_LOG("receiver: %s", strerror((int)(got - ST_RESULT)));
}

/* ---------------------------------------- BOUNDED: overtake, put back */

/*
 * Skips the test where userfaultfd is not allowed here (no kernel support,
 * or vm.unprivileged_userfaultfd off for this user), which the stalls below
 * need; the probe page is released at once.
 */
#define SKIP_WITHOUT_UFFD()						\
	do {								\
		struct mt_uffd_page probe_;				\
		int probe_ret_ = mt_uffd_page_setup(&probe_);		\
									\
		if (probe_ret_ == -ENOSYS || probe_ret_ == -EPERM)	\
			SKIP(return, "userfaultfd unavailable: %s",	\
			     strerror(-probe_ret_));			\
		ASSERT_EQ(0, probe_ret_);				\
		mt_uffd_page_free(&probe_);				\
	} while (0)

/* A child receives into its own never-filled uffd page; it stalls there. */
static int stalled_receiver(int fd)
{
	struct mt_uffd_page u;
	struct mbox_recv r;
	int ret = mt_uffd_page_setup(&u);

	if (ret)
		return ret;
	return recv_msg(fd, u.page, MSG_SIZE, 0, &r);
}

/*
 * A non-blocking ZERO send is taken by a receiver that stalls and is then
 * killed: the send returned 0 with the seq at once, and the message, put
 * back by the failed copy, is received later by another receive with that
 * same seq.
 */
TEST_F_TIMEOUT(uffd, killed_receiver_leaves_taken_offer_queued, 120)
{
	struct mbox_recv r;
	char buf[MSG_SIZE];
	uint64_t seq = 0, start, ms;
	pid_t stuck;
	int ret;

	stuck = fork_child();
	ASSERT_LE(0, stuck);
	if (stuck == 0)
		child_exit(stalled_receiver(self->rx_fd));
	ASSERT_EQ(0, wait_blocked_in_ioctl(stuck, stuck, MBOX_IOC_RECV));

	start = now_ns();
	EXPECT_EQ(0, send_seq(self->t.user_fd, "orphan", MBOX_MSG_NONBLOCK,
			      &seq));
	ms = (now_ns() - start) / NSEC_PER_MSEC;
	EXPECT_GT(1000, ms);
	EXPECT_EQ(1, seq);
	/* Numbered means taken: now the child stalls in its copy. */
	ASSERT_EQ(0, wait_blocked_in_ioctl(stuck, stuck, MBOX_IOC_RECV));
	ASSERT_EQ(0, kill(stuck, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, child_wait(stuck));

	ret = recv_msg(self->rx_fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r);
	ASSERT_EQ(0, ret);
	EXPECT_STREQ("orphan", buf);
	EXPECT_EQ(seq, r.seq);
	expect_settled(_metadata, self->rx_fd, 1);
}

static int victim_recv_second(void *arg)
{
	const int *fd = arg;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	int ret = recv_msg(*fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r);

	if (ret)
		return ret;
	return r.seq == 2 && !memcmp(buf, "second", 7) ? 0 : -EPROTO;
}

/*
 * While one receiver is stuck copying the first message, another receives
 * the second at once; when the stuck one is killed, the first message is
 * back in its place: received next, with its sequence number, before
 * anything sent later.
 */
TEST(bounded_stalled_copy_is_overtaken_then_put_back_in_place)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(4, MSG_SIZE);
	struct victim v[2];
	struct mbox_info info;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	pid_t stuck;
	int fd;

	SKIP_WITHOUT_UFFD();

	fd = mbox_create(&attr, NULL, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_msg(fd, "first", 6, 5, 0, 0));
	ASSERT_EQ(0, send_msg(fd, "second", 7, 5, 0, 0));

	stuck = fork_child();
	ASSERT_LE(0, stuck);
	if (stuck == 0)
		child_exit(stalled_receiver(fd));
	/* Messages are there: sleeping in the receive means in the fault. */
	ASSERT_EQ(0, wait_blocked_in_ioctl(stuck, stuck, MBOX_IOC_RECV));

	victim_start(&v[0], "receive-behind-stalled-copy", victim_recv_second,
		     &fd);
	victim_wait(&v[0], VICTIM_MS);
	v[1].name = "sigkill-stalled-receiver";
	v[1].pid = stuck;
	v[1].start = now_ns();
	v[1].done = false;
	kill(stuck, SIGKILL);
	victim_wait(&v[1], STATE_WAIT_MS);
	victims_finish(v, 1);
	EXPECT_EQ(0, v[0].result);
	EXPECT_GE(VICTIM_MS, v[0].ms);
	EXPECT_EQ(1000 + SIGKILL, v[1].result);
	EXPECT_GE(VICTIM_MS, v[1].ms);

	ASSERT_EQ(0, send_msg(fd, "third", 6, 5, 0, 0));
	ASSERT_EQ(0, recv_msg(fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	EXPECT_STREQ("first", buf);
	EXPECT_EQ(1, r.seq);
	EXPECT_EQ(5, r.priority);
	ASSERT_EQ(0, recv_msg(fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	EXPECT_STREQ("third", buf);
	EXPECT_EQ(3, r.seq);
	EXPECT_EQ(-EAGAIN, recv_msg(fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK,
				    &r));
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(3, info.sent);
	EXPECT_EQ(3, info.received);
	EXPECT_EQ(0, info.queued);
	close(fd);
	reap_children();
}

/*
 * A plain receive frees its message's room when it takes it: while its copy
 * stalls, a non-blocking send fills that room.  When the copy then fails
 * (the receiver is killed), the message goes back to its place anyway, one
 * over capacity, and nothing is lost or reordered: first, second, third in
 * order with their seqs, and sends wait again until receives make room.
 * The received count is undone with the put-back.
 */
TEST(bounded_fault_after_room_given_away_overfills_by_one)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(2, MSG_SIZE);
	static const char *const names[] = {
		"first", "second", "third", "fourth",
	};
	struct mbox_info info;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	pid_t stuck;
	int fd, i;

	SKIP_WITHOUT_UFFD();

	fd = mbox_create(&attr, NULL, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_msg(fd, "first", 6, 5, 0, 0));
	ASSERT_EQ(0, send_msg(fd, "second", 7, 5, 0, 0));
	EXPECT_EQ(-EAGAIN, send_msg(fd, "x", 2, 5, 0, MBOX_MSG_NONBLOCK));

	stuck = fork_child();
	ASSERT_LE(0, stuck);
	if (stuck == 0)
		child_exit(stalled_receiver(fd));
	ASSERT_EQ(0, wait_blocked_in_ioctl(stuck, stuck, MBOX_IOC_RECV));

	/* The stalled receive gave its room away: the send goes in. */
	EXPECT_EQ(0, send_msg(fd, "third", 6, 5, 0, MBOX_MSG_NONBLOCK));
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(3, info.sent);
	EXPECT_EQ(1, info.received);
	EXPECT_EQ(2, info.queued);

	ASSERT_EQ(0, kill(stuck, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, child_wait(stuck));

	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(0, info.received);
	EXPECT_EQ(3, info.queued);
	EXPECT_EQ(-EAGAIN, send_msg(fd, "x", 2, 5, 0, MBOX_MSG_NONBLOCK));
	for (i = 0; i < 4; i++) {
		/* Room again only once the queue is below capacity. */
		if (i == 1)
			EXPECT_EQ(-EAGAIN, send_msg(fd, "x", 2, 5, 0,
						    MBOX_MSG_NONBLOCK));
		if (i == 2)
			EXPECT_EQ(0, send_msg(fd, "fourth", 7, 5, 0,
					      MBOX_MSG_NONBLOCK));
		ASSERT_EQ(0, recv_msg(fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK,
				      &r));
		EXPECT_STREQ(names[i], buf);
		EXPECT_EQ(i + 1, r.seq);
	}
	EXPECT_EQ(-EAGAIN, recv_msg(fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK,
				    &r));
	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(4, info.sent);
	EXPECT_EQ(4, info.received);
	EXPECT_EQ(0, info.queued);
	close(fd);
	reap_children();
}

/* A batch of three whose second and third buffers stall. */
static int stalled_batch_receiver(int fd)
{
	struct mbox_msgvec vec[3];
	struct mt_uffd_page u;
	char first[MSG_SIZE];
	int ret = mt_uffd_page_setup(&u);

	if (ret)
		return ret;
	memset(vec, 0, sizeof(vec));
	vec[0].buf = (uintptr_t)first;
	vec[1].buf = (uintptr_t)u.page;
	vec[2].buf = (uintptr_t)u.page + MSG_SIZE;
	for (int i = 0; i < 3; i++)
		vec[i].len = MSG_SIZE;
	return mbox_recv_batch(fd, vec, 3, 0, NULL);
}

/*
 * As above for a batch: it frees the room of all it takes; when its copy
 * fails on the second, that one and the third go back to their places,
 * two over capacity, while the first stays received.
 */
TEST(bounded_batch_fault_after_room_given_away_overfills_by_the_rest)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(3, MSG_SIZE);
	static const char *const names[] = {
		"b", "c", "d", "e", "f",
	};
	struct mbox_info info;
	struct mbox_recv r;
	char buf[MSG_SIZE];
	pid_t stuck;
	int fd, i;

	SKIP_WITHOUT_UFFD();

	fd = mbox_create(&attr, NULL, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_msg(fd, "a", 2, 0, 0, 0));
	ASSERT_EQ(0, send_msg(fd, "b", 2, 0, 0, 0));
	ASSERT_EQ(0, send_msg(fd, "c", 2, 0, 0, 0));

	stuck = fork_child();
	ASSERT_LE(0, stuck);
	if (stuck == 0)
		child_exit(stalled_batch_receiver(fd));
	ASSERT_EQ(0, wait_blocked_in_ioctl(stuck, stuck, MBOX_IOC_RECV_BATCH));

	/* All three rooms were given away: three sends go in. */
	EXPECT_EQ(0, send_msg(fd, "d", 2, 0, 0, MBOX_MSG_NONBLOCK));
	EXPECT_EQ(0, send_msg(fd, "e", 2, 0, 0, MBOX_MSG_NONBLOCK));
	EXPECT_EQ(0, send_msg(fd, "f", 2, 0, 0, MBOX_MSG_NONBLOCK));
	EXPECT_EQ(-EAGAIN, send_msg(fd, "x", 2, 0, 0, MBOX_MSG_NONBLOCK));

	ASSERT_EQ(0, kill(stuck, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, child_wait(stuck));

	ASSERT_EQ(0, mbox_info(fd, &info));
	EXPECT_EQ(6, info.sent);
	EXPECT_EQ(1, info.received);
	EXPECT_EQ(5, info.queued);
	for (i = 0; i < 5; i++) {
		/* Room again only once the queue is below capacity. */
		EXPECT_EQ(i < 3 ? -EAGAIN : 0,
			  send_msg(fd, "x", 2, 0, 0, MBOX_MSG_NONBLOCK));
		if (i >= 3)
			break;
		ASSERT_EQ(0, recv_msg(fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK,
				      &r));
		EXPECT_STREQ(names[i], buf);
		EXPECT_EQ(i + 2, r.seq);
	}
	for (; i < 5; i++) {
		ASSERT_EQ(0, recv_msg(fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK,
				      &r));
		EXPECT_STREQ(names[i], buf);
		EXPECT_EQ(i + 2, r.seq);
	}
	ASSERT_EQ(0, recv_msg(fd, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	EXPECT_STREQ("x", buf);
	EXPECT_EQ(7, r.seq);
	close(fd);
	reap_children();
}

/* --------------------------------------------------- faults, put back */

/* A batch stops at the entry whose buffer faults; the rest stay queued. */
TEST(batch_fault_keeps_the_rest_in_order)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(8, MSG_SIZE);
	char bufs[3][MSG_SIZE];
	struct mbox_msgvec vec[3];
	struct mbox_recv r;
	int fd;

	fd = mbox_create(&attr, NULL, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_msg(fd, "m1", 3, 1, 0, 0));
	ASSERT_EQ(0, send_msg(fd, "m2", 3, 1, 0, 0));
	ASSERT_EQ(0, send_msg(fd, "m3", 3, 1, 0, 0));

	memset(vec, 0, sizeof(vec));
	for (int i = 0; i < 3; i++) {
		vec[i].buf = (uintptr_t)bufs[i];
		vec[i].len = MSG_SIZE;
	}
	vec[1].buf = bad_uptr();
	ASSERT_EQ(1, mbox_recv_batch(fd, vec, 3, 0, NULL));
	EXPECT_STREQ("m1", bufs[0]);
	EXPECT_EQ(1, vec[0].seq);

	ASSERT_EQ(0, recv_msg(fd, bufs[1], MSG_SIZE, MBOX_MSG_NONBLOCK, &r));
	EXPECT_STREQ("m2", bufs[1]);
	EXPECT_EQ(2, r.seq);
	ASSERT_EQ(0, recv_msg(fd, bufs[2], MSG_SIZE, MBOX_MSG_NONBLOCK, &r));
	EXPECT_STREQ("m3", bufs[2]);
	EXPECT_EQ(3, r.seq);
	close(fd);
}

/* A broadcast receiver whose copy faults reads the same message again. */
TEST(broadcast_fault_keeps_the_cursor)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(8, MSG_SIZE);
	char name[MBOX_NAME_MAX], buf[MSG_SIZE];
	struct mbox_recv r;
	uint64_t id;
	int r1, r2, tx;

	attr.flags = MBOX_CREATE_OS | MBOX_CREATE_BROADCAST;
	attr.mode = 0600;
	unique_name(name, sizeof(name), "isob");
	r1 = mbox_create(&attr, name, &id);
	ASSERT_LE(0, r1);
	r2 = mbox_open_receiver(id, NULL, O_CLOEXEC);
	ASSERT_LE(0, r2);
	tx = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, send_msg(tx, "b1", 3, 0, 0, 0));
	ASSERT_EQ(0, send_msg(tx, "b2", 3, 0, 0, 0));

	EXPECT_EQ(-EFAULT, recv_msg(r1, bad_ptr(), MSG_SIZE, 0, &r));
	ASSERT_EQ(0, recv_msg(r1, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	EXPECT_STREQ("b1", buf);
	ASSERT_EQ(0, recv_msg(r2, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	EXPECT_STREQ("b1", buf);
	ASSERT_EQ(0, recv_msg(r1, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	EXPECT_STREQ("b2", buf);
	ASSERT_EQ(0, recv_msg(r2, buf, sizeof(buf), MBOX_MSG_NONBLOCK, &r));
	EXPECT_STREQ("b2", buf);
	EXPECT_EQ(-EAGAIN, recv_msg(r1, buf, sizeof(buf), MBOX_MSG_NONBLOCK,
				    &r));
	close(tx);
	close(r2);
	EXPECT_EQ(0, mbox_delete(id, NULL));
	close(r1);
}

/*
 * MBOX_IOC_NOTICE copies out after releasing the mailbox: a copy that
 * faults leaves the notice due (EPOLLPRI again), and it is read once.
 */
TEST(notice_fault_keeps_the_notice_due)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(1, MSG_SIZE);
	struct mbox_notice n;
	uint64_t id;
	int owner, tx;

	owner = mbox_create(&attr, NULL, &id);
	ASSERT_LE(0, owner);
	tx = mbox_open_id(id, O_CLOEXEC);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, mbox_watch(tx));
	close(owner);

	EXPECT_EQ(-EFAULT, xioctl(tx, MBOX_IOC_NOTICE, bad_ptr()));
	EXPECT_EQ(POLLPRI, poll_one(tx, POLLPRI, 0) & POLLPRI);
	ASSERT_EQ(0, mbox_notice(tx, &n));
	EXPECT_EQ(id, n.id);
	EXPECT_EQ(MBOX_NOTICE_OWNER_GONE, n.reason);
	EXPECT_EQ(-ENOENT, mbox_notice(tx, &n));
	close(tx);
}

TEST_HARNESS_MAIN
