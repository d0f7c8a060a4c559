// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-demo: mbox at work in a browser-like set of processes.
 *
 * A "browser" process owns an inbox; "renderer" processes (one per tab) and a
 * "plugin" send to it.  Each renderer owns a direct port - a rendezvous
 * mailbox the browser opens by the renderer's pid - for its commands, so the
 * browser knows a command was taken the moment its send returns.  The story:
 *
 *   1. frames and an urgent plugin message reach the inbox (priorities,
 *      asymmetric receive: the browser learns every sender's pid);
 *   2. the browser commands each renderer through its port (direct
 *      communication by pid; renderers take commands only from the
 *      browser's pid: symmetric receive);
 *   3. a renderer crashes and the browser learns it from a death notice
 *      (MBOX_IOC_WATCH, POLLPRI), without sending anything;
 *   4. "settings changed" goes once into an OS-owned broadcast mailbox and
 *      reaches every renderer;
 *   5. a renderer hands over 64 frame timings in one batch call;
 *   6. a video plugin streams 2000 frames through a shared ring, with no
 *      system call per message;
 *   7. what an administrator sees meanwhile (mboxctl, when built);
 *   8. shutdown;
 * then a producer and a slow consumer show back-pressure on a bounded
 * mailbox, and a last scene shows priorities and a timed receive.
 *
 * Every expectation is checked: the program exits 1 if mbox misbehaves
 * (2 if it cannot run at all).
 *
 *   mbox-demo [--mboxctl PATH]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbox/mbox.h>
#include <mbox/mbox_ring.h>

#define MSG_MAX		256
#define RENDERERS	3
#define SAMPLES		64
#define WATCHDOG_S	120

#define INBOX		"demo.browser"
#define SETTINGS	"demo.settings"
#define METRICS		"demo.metrics"
#define VIDEO		"demo.video"
#define FRAMES		2000

/* Type tags of the messages in the browser's inbox. */
enum {
	TAG_FRAME = 1,
	TAG_URGENT,
	TAG_SETTINGS_APPLIED,
	TAG_TIMINGS_SENT,
};

/* The browser's handles; children close their inherited copies. */
struct browser {
	int inbox;
	int metrics;
	int video;			/* owner of the ring's mailbox, or -1 */
	int settings;			/* user handle, or -1 */
	int port[RENDERERS + 1];	/* user handles on renderer ports */
	uint64_t port_id[RENDERERS + 1];
};

static struct browser browser;
static int failures;
static pid_t browser_pid;
static pid_t renderer_pid[RENDERERS + 1];
static int have_settings;

static void say(const char *who, const char *fmt, ...)
{
	va_list ap;

	printf("  [%-10s] ", who);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void expect(int ok, const char *what)
{
	if (!ok) {
		printf("  !! unexpected: %s\n", what);
		fflush(stdout);
		failures++;
	}
}

static void scene(const char *title)
{
	printf("\n== %s\n", title);
	fflush(stdout);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* "EPIPE (Broken pipe)" for -EPIPE: the name a programmer looks up. */
static const char *err_str(int err)
{
	static char buf[96];
	const char *name;

	if (err >= 0)
		return "success";
	name = strerrorname_np(-err);
	snprintf(buf, sizeof(buf), "%s (%s)", name ? name : "?", strerror(-err));
	return buf;
}

static void die(const char *who, const char *what, int err)
{
	say(who, "%s: %s", what, err_str(err));
	exit(2);
}

static void watchdog(int sig)
{
	static const char msg[] = "  !! mbox-demo: no progress for too long: mbox hangs\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static int send_typed(int fd, const char *text, unsigned int prio,
		      uint32_t type)
{
	struct mbox_send s;

	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)text;
	s.len = (uint32_t)strlen(text);
	s.priority = prio;
	s.type = type;
	return mbox_sendx(fd, &s);
}

/* Receives the next inbox message of type @type, waiting up to 10 s. */
static ssize_t recv_type(int fd, uint32_t type, char *buf,
			 struct mbox_msginfo *mi)
{
	struct timespec deadline;
	struct mbox_recv r;
	int ret;

	mbox_deadline_in(&deadline, 10ULL * 1000000000ULL);
	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.len = MSG_MAX - 1;
	r.flags = MBOX_MSG_TIMEOUT | MBOX_RECV_TYPE;
	r.timeout_ns = (uint64_t)deadline.tv_sec * 1000000000ULL +
		       (uint64_t)deadline.tv_nsec;
	r.want_type = type;
	ret = mbox_recvx(fd, &r);
	if (ret < 0)
		return ret;
	buf[r.msg_len] = '\0';
	if (mi) {
		mi->seq = r.seq;
		mi->len = r.msg_len;
		mi->priority = r.priority;
		mi->type = r.type;
		mi->sender_pid = r.sender_pid;
		mi->sender_uid = r.sender_uid;
	}
	return r.msg_len;
}

static int renderer_index(pid_t pid)
{
	for (int i = 1; i <= RENDERERS; i++)
		if (renderer_pid[i] == pid)
			return i;
	return 0;
}

/* ------------------------------------------------------------ renderer */

/* Hands SAMPLES frame timings (microseconds) to the browser in one call. */
static void send_timings(const char *who, int inbox)
{
	static uint32_t us[SAMPLES];
	struct mbox_msgvec vec[SAMPLES];
	char note[MSG_MAX];
	int metrics, n;

	metrics = mbox_open_name(METRICS, O_CLOEXEC, NULL);
	if (metrics < 0)
		die(who, "open " METRICS, metrics);
	memset(vec, 0, sizeof(vec));
	for (int i = 0; i < SAMPLES; i++) {
		us[i] = 16000 + (uint32_t)((i * 379) % 1400);
		vec[i].buf = (uintptr_t)&us[i];
		vec[i].len = sizeof(us[i]);
	}
	n = mbox_send_batch(metrics, vec, SAMPLES, 0, NULL);
	if (n < 0)
		die(who, "send_batch", n);
	say(who, "sent %d frame timings with one mbox_send_batch() call", n);
	snprintf(note, sizeof(note), "%d", n);
	n = send_typed(inbox, note, 0, TAG_TIMINGS_SENT);
	if (n < 0)
		die(who, "report timings", n);
	mbox_close(metrics);
}

static void renderer(int idx)
{
	struct mbox_attr attr = MBOX_ATTR_ZERO(MSG_MAX);
	struct mbox_msginfo mi;
	char who[16], buf[MSG_MAX], note[MSG_MAX];
	int port, inbox, settings = -1, i, err;
	ssize_t n;

	snprintf(who, sizeof(who), "renderer %d", idx);
	snprintf(buf, sizeof(buf), "renderer-%d", idx);
	prctl(PR_SET_NAME, buf);

	/* This process's port: the browser reaches it by our pid. */
	attr.flags = MBOX_CREATE_PORT;
	attr.mode = 0600;
	attr.fd_flags = O_CLOEXEC;
	port = mbox_create(&attr, NULL, NULL);
	if (port < 0)
		die(who, "create port", port);
	if (have_settings) {
		settings = mbox_open_receiver(0, SETTINGS, O_CLOEXEC);
		if (settings < 0)
			die(who, "open " SETTINGS, settings);
	}
	inbox = mbox_open_name(INBOX, O_CLOEXEC, NULL);
	if (inbox < 0)
		die(who, "open " INBOX, inbox);

	for (i = 1; i <= 2; i++) {
		snprintf(buf, sizeof(buf), "%s: frame %d painted", who, i);
		err = send_typed(inbox, buf, 1, TAG_FRAME);
		if (err < 0)
			die(who, "send frame", err);
	}

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = port, .events = POLLIN },
			{ .fd = settings, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(who, "poll", -errno);
		}
		if (p[1].revents & POLLIN) {
			n = mbox_recv_nb(settings, buf, sizeof(buf) - 1, NULL);
			if (n < 0)
				die(who, "receive settings", (int)n);
			buf[n] = '\0';
			say(who, "settings broadcast: \"%s\" - applying", buf);
			snprintf(note, sizeof(note), "%s applied %.128s", who, buf);
			err = send_typed(inbox, note, 0, TAG_SETTINGS_APPLIED);
			if (err < 0)
				die(who, "report settings", err);
		}
		if (!(p[0].revents & POLLIN))
			continue;
		/* Commands are taken from the browser only. */
		n = mbox_recv_select(port, buf, sizeof(buf) - 1,
				     MBOX_RECV_FROM | MBOX_MSG_NONBLOCK,
				     browser_pid, 0, &mi);
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			die(who, "receive command", (int)n);
		buf[n] = '\0';
		if (!strcmp(buf, "crash")) {
			say(who, "took \"%s\": a buggy script brings the renderer down", buf);
			raise(SIGKILL);
		}
		say(who, "took \"%s\" from pid %d", buf, mi.sender_pid);
		if (!strcmp(buf, "send timings"))
			send_timings(who, inbox);
		if (!strcmp(buf, "quit"))
			exit(0);
	}
}

static void plugin(void)
{
	const char *msg = "plugin: audio buffer underrun";
	int inbox, err;

	prctl(PR_SET_NAME, "plugin");
	inbox = mbox_open_name(INBOX, O_CLOEXEC, NULL);
	if (inbox < 0)
		die("plugin", "open " INBOX, inbox);
	/* Urgent: the browser sees this before the frames queued earlier. */
	err = send_typed(inbox, msg, 9, TAG_URGENT);
	if (err < 0)
		die("plugin", "send", err);
	exit(0);
}

/*
 * A forked child shares the browser's handles: an owner handle it kept open
 * would keep the browser's mailboxes alive after the browser.
 */
static void close_inherited(void)
{
	mbox_close(browser.inbox);
	mbox_close(browser.metrics);
	if (browser.video >= 0)
		mbox_close(browser.video);
	if (browser.settings >= 0)
		mbox_close(browser.settings);
	for (int i = 1; i <= RENDERERS; i++)
		if (browser.port[i] >= 0)
			mbox_close(browser.port[i]);
}

static pid_t spawn(void (*fn)(int), int arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("browser", "fork", -errno);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != browser_pid)
			_exit(2);
		alarm(0);
		close_inherited();
		fn(arg);
		exit(0);
	}
	return pid;
}

static void plugin_main(int unused)
{
	(void)unused;
	plugin();
}

static int wait_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* --------------------------------------------------------------- browser */

/* OS-owned, so it needs CAP_SYS_ADMIN; a stale one from a crashed run goes. */
static int create_settings(struct browser *b)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(8, 128);
	int rx;

	attr.flags = MBOX_CREATE_OS | MBOX_CREATE_BROADCAST;
	attr.mode = 0644;
	attr.fd_flags = O_CLOEXEC;
	rx = mbox_create(&attr, SETTINGS, NULL);
	if (rx == -EEXIST && mbox_delete(0, SETTINGS) == 0) {
		say("browser", "removed a stale \"%s\" left by an earlier run", SETTINGS);
		rx = mbox_create(&attr, SETTINGS, NULL);
	}
	if (rx == -EPERM) {
		say("browser", "no CAP_SYS_ADMIN: the broadcast scene will be skipped");
		return 0;
	}
	if (rx < 0)
		die("browser", "create " SETTINGS, rx);
	/* The browser only sends: a user handle, not the creator's receiver. */
	b->settings = mbox_open_name(SETTINGS, O_CLOEXEC, NULL);
	if (b->settings < 0)
		die("browser", "open " SETTINGS, b->settings);
	mbox_close(rx);
	return 1;
}

static void scene_start(struct browser *b)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(32, MSG_MAX);
	struct mbox_attr mattr = MBOX_ATTR_UNBOUNDED(sizeof(uint32_t));
	struct mbox_msginfo mi;
	char buf[MSG_MAX];
	int i, from[RENDERERS + 1] = { 0 };
	pid_t pl;
	ssize_t n;

	scene("1. A browser owns an inbox; renderers and a plugin send to it");
	attr.mode = 0666;
	attr.fd_flags = O_CLOEXEC;
	b->inbox = mbox_create(&attr, INBOX, NULL);
	if (b->inbox < 0)
		die("browser", "create " INBOX, b->inbox);
	mattr.mode = 0666;
	mattr.flags = MBOX_CREATE_FIXED_SIZE;
	mattr.fd_flags = O_CLOEXEC;
	b->metrics = mbox_create(&mattr, METRICS, NULL);
	if (b->metrics < 0)
		die("browser", "create " METRICS, b->metrics);
	have_settings = create_settings(b);
	say("browser", "created \"%s\" (bounded, 32 messages) and \"%s\" (unbounded)%s",
	    INBOX, METRICS, have_settings ? ", and OS-owned broadcast \"" SETTINGS "\"" : "");

	for (i = 1; i <= RENDERERS; i++)
		renderer_pid[i] = spawn(renderer, i);
	/* Let the frames queue up first, so that the plugin's priority shows. */
	for (i = 0; i < 1000; i++) {
		struct mbox_info info;

		if (mbox_info(b->inbox, &info) == 0 && info.queued >= 2 * RENDERERS)
			break;
		usleep(10000);
	}
	pl = spawn(plugin_main, 0);
	expect(wait_exit(pl) == 0, "the plugin exits 0");

	for (i = 0; i < 2 * RENDERERS + 1; i++) {
		n = mbox_recv(b->inbox, buf, sizeof(buf) - 1, &mi);
		if (n < 0)
			die("browser", "receive", (int)n);
		buf[n] = '\0';
		say("browser", "got \"%s\" (pid %d, prio %u, seq %llu)", buf,
		    mi.sender_pid, mi.priority, (unsigned long long)mi.seq);
		if (i == 0)
			expect(mi.type == TAG_URGENT && mi.priority == 9 &&
			       mi.sender_pid == pl,
			       "the urgent plugin message comes first");
		else if (mi.type == TAG_FRAME && renderer_index(mi.sender_pid))
			from[renderer_index(mi.sender_pid)]++;
		else
			expect(0, "a frame from a known renderer pid");
	}
	for (i = 1; i <= RENDERERS; i++)
		expect(from[i] == 2, "two frames from every renderer");
}

static void scene_direct(struct browser *b)
{
	char cmd[64];
	int i, err;

	scene("2. Direct communication: the browser commands each renderer's port by pid");
	for (i = 1; i <= RENDERERS; i++) {
		b->port[i] = mbox_open_pid(renderer_pid[i], O_CLOEXEC, &b->port_id[i]);
		if (b->port[i] < 0)
			die("browser", "open a renderer's port", b->port[i]);
		say("browser", "opened the port of pid %d (renderer %d): mailbox id %llu",
		    renderer_pid[i], i, (unsigned long long)b->port_id[i]);
	}
	for (i = 1; i <= RENDERERS; i++) {
		snprintf(cmd, sizeof(cmd), "navigate https://example.org/tab%d", i);
		err = mbox_send(b->port[i], cmd, strlen(cmd), 0);
		expect(err == 0, "the renderer takes its command");
		say("browser", "renderer %d took \"navigate\": a rendezvous send returns only then", i);
	}
}

static void scene_crash(struct browser *b)
{
	struct pollfd p[RENDERERS];
	struct mbox_notice notice;
	int i, err, ready;
	double t0;

	scene("3. A renderer crashes; a death notice tells the browser at once");
	for (i = 1; i <= RENDERERS; i++) {
		err = mbox_watch(b->port[i]);
		expect(err == 0, "a watch is armed");
		p[i - 1].fd = b->port[i];
		p[i - 1].events = POLLPRI;
	}
	say("browser", "armed a death notice (MBOX_IOC_WATCH) on every renderer's port");
	err = mbox_send(b->port[2], "crash", 5, 0);
	expect(err == 0, "renderer 2 takes the fatal command");
	t0 = now_ms();
	ready = poll(p, RENDERERS, 10000);
	say("browser", "poll() woke after %.1f ms: %s", now_ms() - t0,
	    ready == 1 && (p[1].revents & POLLPRI) ? "POLLPRI on renderer 2's port" :
	    "something else?");
	expect(ready == 1 && (p[1].revents & POLLPRI), "POLLPRI on renderer 2's port only");
	err = mbox_notice(b->port[2], &notice);
	expect(err == 0 && notice.id == b->port_id[2] &&
	       notice.reason == MBOX_NOTICE_OWNER_GONE,
	       "the notice names renderer 2's port, reason OWNER_GONE");
	say("browser", "notice: mailbox %llu is gone (%s): showing the sad-tab page for tab 2",
	    (unsigned long long)notice.id,
	    notice.reason == MBOX_NOTICE_OWNER_GONE ? "its owner went away" : "?");
	expect(mbox_notice(b->port[1], &notice) == -EAGAIN &&
	       mbox_notice(b->port[3], &notice) == -EAGAIN,
	       "renderers 1 and 3 are alive (EAGAIN)");

	expect(wait_exit(renderer_pid[2]) == 1000 + SIGKILL, "renderer 2 died by SIGKILL");
	err = mbox_send(b->port[2], "reload", 6, 0);
	say("browser", "a late send to renderer 2: %s", err_str(err));
	expect(err == -EPIPE, "a send to a dead renderer fails with EPIPE");
	err = mbox_open_pid(renderer_pid[2], O_CLOEXEC, NULL);
	say("browser", "open the port of pid %d again: %s", renderer_pid[2], err_str(err));
	expect(err == -ESRCH, "no such process: ESRCH");
	mbox_close(b->port[2]);
	b->port[2] = -1;
	renderer_pid[2] = 0;
}

static void scene_broadcast(struct browser *b)
{
	const char *change = "theme=dark";
	struct mbox_msginfo mi;
	char buf[MSG_MAX];
	int i, got[RENDERERS + 1] = { 0 };
	ssize_t n;

	scene("4. Settings changed: one broadcast reaches every renderer");
	if (!have_settings) {
		say("browser", "skipped: an OS-owned mailbox needs CAP_SYS_ADMIN");
		return;
	}
	say("browser", "sending \"%s\" once to \"%s\"", change, SETTINGS);
	expect(send_typed(b->settings, change, 0, 0) == 0, "the broadcast send");
	for (i = 0; i < RENDERERS - 1; i++) {
		n = recv_type(b->inbox, TAG_SETTINGS_APPLIED, buf, &mi);
		expect(n > 0, "a renderer confirms the new settings");
		if (n < 0)
			break;
		say("browser", "confirmation: \"%s\"", buf);
		got[renderer_index(mi.sender_pid)]++;
	}
	expect(got[1] == 1 && got[3] == 1 && got[2] == 0,
	       "renderers 1 and 3 got exactly one copy each");
}

static void scene_batch(struct browser *b)
{
	struct mbox_msgvec vec[SAMPLES];
	static uint32_t us[SAMPLES];
	char buf[MSG_MAX];
	uint32_t max = 0;
	uint64_t sum = 0;
	int i, n, ordered = 1;

	scene("5. A batch: 64 frame timings in one call each way");
	expect(mbox_send(b->port[1], "send timings", 12, 0) == 0,
	       "renderer 1 takes \"send timings\"");
	n = (int)recv_type(b->inbox, TAG_TIMINGS_SENT, buf, NULL);
	expect(n > 0 && atoi(buf) == SAMPLES, "all samples went in one call");

	memset(vec, 0, sizeof(vec));
	for (i = 0; i < SAMPLES; i++) {
		vec[i].buf = (uintptr_t)&us[i];
		vec[i].len = sizeof(us[i]);
	}
	n = mbox_recv_batch(b->metrics, vec, SAMPLES, MBOX_MSG_NONBLOCK, NULL);
	expect(n == SAMPLES, "one mbox_recv_batch() call takes all 64");
	for (i = 0; i < n; i++) {
		sum += us[i];
		if (us[i] > max)
			max = us[i];
		ordered &= vec[i].seq == (uint64_t)i + 1 &&
			   vec[i].sender_pid == renderer_pid[1] &&
			   us[i] == 16000 + (uint32_t)((i * 379) % 1400);
	}
	expect(ordered, "samples arrive intact, in order, seq 1..64, from renderer 1");
	if (n > 0)
		say("browser", "received %d samples in one call: mean frame %.2f ms, worst %.2f ms",
		    n, sum / 1000.0 / n, max / 1000.0);
}

/* The video plugin: decoded frames go straight into the ring's slots. */
static void video_plugin(int unused)
{
	struct mbox_ring ring;
	struct mbox_ring_res res;
	int fd, err, full = 0;

	(void)unused;
	prctl(PR_SET_NAME, "video-plugin");
	fd = mbox_open_name(VIDEO, O_CLOEXEC, NULL);
	if (fd < 0)
		die("video", "open " VIDEO, fd);
	err = mbox_ring_map(&ring, fd);
	if (err)
		die("video", "map the ring", err);
	mbox_close(fd);
	for (uint32_t i = 0; i < FRAMES; i++) {
		/* Zero-copy: reserve a slot, write the frame into it, publish. */
		while ((err = mbox_ring_reserve(&ring, &res)) == -EAGAIN) {
			full++;
			err = mbox_ring_wait(&ring, NULL, 0);
			if (err)
				die("video", "wait for a free slot", err);
		}
		if (err)
			die("video", "reserve", err);
		memcpy(res.buf, &i, sizeof(i));
		err = mbox_ring_commit(&ring, &res, sizeof(i), 1);
		if (err)
			die("video", "commit", err);
	}
	say("video", "published %d frames through the ring; found it full %d times",
	    FRAMES, full);
	mbox_ring_unmap(&ring);
	exit(0);
}

static void scene_ring(struct browser *b)
{
	struct mbox_attr attr = MBOX_ATTR_UNBOUNDED(64);
	struct mbox_ring ring;
	struct mbox_ring_info rinfo;
	struct mbox_info info;
	uint32_t frame, next = 0, type;
	int err, waits = 0;
	pid_t video;
	ssize_t n;

	scene("6. A video plugin streams frames through a shared ring");
	attr.mode = 0666;
	attr.fd_flags = O_CLOEXEC;
	b->video = mbox_create(&attr, VIDEO, NULL);
	if (b->video < 0)
		die("browser", "create " VIDEO, b->video);
	err = mbox_ring_setup(b->video, 4, 64, 64);
	if (err)
		die("browser", "ring setup", err);
	err = mbox_ring_map(&ring, b->video);
	if (err)
		die("browser", "map the ring", err);
	say("browser", "gave \"%s\" a ring of %u producer segments of %u slots, "
	    "%u bytes of payload each", VIDEO, ring.nsegs, ring.nslots,
	    ring.payload_max);

	video = spawn(video_plugin, 0);
	while (next < FRAMES) {
		n = mbox_ring_recv_nb(&ring, &frame, sizeof(frame), &type);
		if (n == -EAGAIN) {
			/* Empty: the only reason to enter the kernel. */
			waits++;
			err = mbox_ring_wait(&ring, NULL, 0);
			if (err)
				die("browser", "wait for a frame", err);
			continue;
		}
		if (n < 0)
			die("browser", "receive a frame", (int)n);
		if (n != sizeof(frame) || frame != next || type != 1)
			break;
		next++;
	}
	expect(next == FRAMES, "every frame arrives once, in order");
	expect(wait_exit(video) == 0, "the video plugin exits 0");
	say("browser", "took %u frames in order; slept in the kernel %d times, "
	    "the other %u frames cost no system call", next, waits,
	    next > (uint32_t)waits ? next - waits : 0);
	expect(mbox_info(b->video, &info) == 0 && info.sent == 0 && info.queued == 0,
	       "ring messages bypass the mailbox's queue and counters");
	expect(mbox_ring_info(b->video, &rinfo) == 0 && rinfo.messages == FRAMES &&
	       rinfo.discarded == 0 && rinfo.corrupt == 0,
	       "MBOX_IOC_RING_INFO counts them: none discarded, no corrupt producer");
	mbox_ring_unmap(&ring);
}

/* Runs "mboxctl mailbox list" while the browser's mailboxes are open. */
static void scene_admin(const char *mboxctl)
{
	char out[8192];
	size_t len = 0;
	int pipefd[2], status;
	ssize_t r;
	pid_t pid;
	char *line, *save = NULL;
	bool listed;

	scene("7. What an administrator sees meanwhile");
	if (!mboxctl) {
		say("admin", "mboxctl is not built on this branch: skipped");
		return;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die("admin", "pipe", -errno);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execl(mboxctl, "mboxctl", "mailbox", "list", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (len < sizeof(out) - 1 &&
	       (r = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)r;
	out[len] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	listed = strstr(out, INBOX) && strstr(out, METRICS) && strstr(out, VIDEO) &&
		 (!have_settings || strstr(out, SETTINGS));
	say("admin", "$ mboxctl mailbox list");
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("  %12s %s\n", "", line);
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "mboxctl exits 0");
	expect(listed, "mboxctl lists the browser's mailboxes");
}

static void scene_shutdown(struct browser *b)
{
	int i, err;

	scene("8. Shutdown");
	for (i = 1; i <= RENDERERS; i++) {
		if (b->port[i] < 0)
			continue;
		err = mbox_send(b->port[i], "quit", 4, 0);
		expect(err == 0, "the renderer takes quit");
		expect(wait_exit(renderer_pid[i]) == 0, "the renderer exits 0");
		mbox_close(b->port[i]);
	}
	say("browser", "renderers 1 and 3 quit cleanly");
	if (have_settings) {
		err = mbox_delete(0, SETTINGS);
		expect(err == 0, "the browser deletes the OS-owned mailbox");
		err = mbox_open_name(SETTINGS, O_CLOEXEC, NULL);
		expect(err == -ENOENT, "a deleted name no longer resolves");
		say("browser", "deleted \"%s\"; opening it again: %s", SETTINGS, err_str(err));
		mbox_close(b->settings);
	}
	mbox_close(b->video);
	mbox_close(b->metrics);
	mbox_close(b->inbox);
}

/* ---------------------------------------------------- two small scenes */

static void backpressure_scene(void)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(4, 64);
	int box, user, i, err;
	uint64_t id;
	pid_t consumer;
	char buf[64];

	scene("Back-pressure: a fast producer, a slow consumer, capacity 4");
	box = mbox_create(&attr, NULL, &id);
	if (box < 0)
		die("producer", "create", box);
	user = mbox_open_id(id, O_CLOEXEC);
	if (user < 0)
		die("producer", "open", user);

	consumer = fork();
	if (consumer == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(0);
		mbox_close(user);
		for (i = 0; i < 10; i++) {
			usleep(40000);
			if (mbox_recv(box, buf, sizeof(buf), NULL) < 0)
				exit(1);
		}
		exit(0);
	}
	/* The child holds the owner handle now; this side only sends. */
	mbox_close(box);

	for (i = 0; i < 10; i++) {
		double t0 = now_ms(), waited;

		snprintf(buf, sizeof(buf), "item %d", i);
		err = mbox_send(user, buf, strlen(buf), 0);
		waited = now_ms() - t0;
		if (err)
			die("producer", "send", err);
		say("producer", "sent item %d after waiting %5.1f ms%s", i, waited,
		    waited > 10 ? " (mailbox was full)" : "");
		if (i == 5) {
			err = mbox_send_nb(user, "extra", 5, 0);
			say("producer", "non-blocking send while full: %s", err_str(err));
			expect(err == -EAGAIN || err == 0, "EAGAIN or room");
		}
	}
	expect(wait_exit(consumer) == 0, "the consumer took everything");
	mbox_close(user);
}

static void priority_scene(void)
{
	struct mbox_attr attr = MBOX_ATTR_UNBOUNDED(64);
	static const struct { const char *text; unsigned int prio; } in[] = {
		{ "log line", 0 }, { "user click", 5 }, { "redraw", 2 },
		{ "shutdown requested", 20 },
	};
	struct timespec deadline;
	struct mbox_msginfo mi;
	unsigned int last = ~0U;
	char buf[64];
	int box, i;
	double t0;
	ssize_t n;

	scene("Priorities on an unbounded mailbox, then a timed receive");
	box = mbox_create(&attr, NULL, NULL);
	if (box < 0)
		die("browser", "create", box);
	for (i = 0; i < 4; i++)
		expect(mbox_send(box, in[i].text, strlen(in[i].text),
				 in[i].prio) == 0, "send");
	for (i = 0; i < 4; i++) {
		n = mbox_recv_nb(box, buf, sizeof(buf) - 1, &mi);
		if (n < 0)
			die("browser", "receive", (int)n);
		buf[n] = '\0';
		say("browser", "prio %2u: %s", mi.priority, buf);
		expect(mi.priority <= last, "higher priority first");
		last = mi.priority;
	}
	mbox_deadline_in(&deadline, 200 * 1000000ULL);
	t0 = now_ms();
	n = mbox_recv_timed(box, buf, sizeof(buf), NULL, &deadline);
	say("browser", "receive with a 200 ms deadline on an empty mailbox: %s after %.0f ms",
	    n < 0 ? err_str((int)n) : "a message?", now_ms() - t0);
	expect(n == -ETIMEDOUT, "ETIMEDOUT");
	mbox_close(box);
}

int main(int argc, char **argv)
{
	static const struct { uint64_t bit; const char *name; } features[] = {
		{ MBOX_FEAT_CORE, "core" }, { MBOX_FEAT_BATCH, "batch" },
		{ MBOX_FEAT_RING, "ring" }, { MBOX_FEAT_RING_SEG, "ring-seg" }, { MBOX_FEAT_NETLINK, "netlink" },
		{ MBOX_FEAT_DIRECT, "direct" }, { MBOX_FEAT_OS_OWNED, "os-owned" },
		{ MBOX_FEAT_BROADCAST, "broadcast" },
		{ MBOX_FEAT_DEATH_NOTICE, "death-notice" },
	};
	struct browser *b = &browser;
	const char *mboxctl = NULL;
	struct mbox_version v;
	int err;

	if (argc == 3 && !strcmp(argv[1], "--mboxctl")) {
		mboxctl = argv[2];
	} else if (argc != 1) {
		fprintf(stderr, "usage: mbox-demo [--mboxctl PATH]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, watchdog);
	alarm(WATCHDOG_S);
	browser_pid = getpid();
	prctl(PR_SET_NAME, "browser");
	b->inbox = b->metrics = b->settings = b->video = -1;
	for (int i = 0; i <= RENDERERS; i++)
		b->port[i] = -1;

	err = mbox_version(&v);
	if (err) {
		fprintf(stderr, "mbox-demo: cannot use %s: %s (is the module loaded?)\n",
			MBOX_DEVICE_PATH, strerror(-err));
		return 2;
	}
	printf("mbox ABI %u, messages up to %u bytes, bounded capacity up to %u\nfeatures:",
	       v.abi_version, v.max_msg_size, v.max_capacity);
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (v.features & features[i].bit)
			printf(" %s", features[i].name);
	putchar('\n');

	scene_start(b);
	scene_direct(b);
	scene_crash(b);
	scene_broadcast(b);
	scene_batch(b);
	scene_ring(b);
	scene_admin(mboxctl);
	scene_shutdown(b);
	backpressure_scene();
	priority_scene();

	printf("\n%s\n", failures ? "mbox-demo: FAILED" :
	       "mbox-demo: all scenes behaved as expected");
	return failures ? 1 : 0;
}
