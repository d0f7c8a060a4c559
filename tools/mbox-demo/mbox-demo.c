// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-demo: mbox at work in a browser-like set of processes.
 *
 * A "browser" process owns a mailbox; "renderer" and "plugin" processes send
 * to it.  Each renderer owns a rendezvous mailbox for commands, so the
 * browser knows a command was taken the moment its send returns.  One
 * renderer is killed mid-way and the browser learns it from its next send.
 * Then a producer and a slow consumer show back-pressure on a bounded
 * mailbox, and a last scene shows priorities and a timed receive.
 *
 * Every expectation is checked: the program exits 1 if mbox misbehaves.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mbox.h"

#define MSG_MAX 256

static int failures;

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

static void die(const char *who, const char *what, int err)
{
	say(who, "%s: %s", what, strerror(-err));
	exit(2);
}

/* A renderer: announces frames to the browser, then obeys commands. */
static void renderer(int idx)
{
	char who[16], name[32], buf[MSG_MAX];
	struct mbox_attr attr = MBOX_ATTR_ZERO(MSG_MAX);
	int browser, cmds, i;
	ssize_t n;

	snprintf(who, sizeof(who), "renderer %d", idx);
	snprintf(name, sizeof(name), "demo.renderer.%d", idx);
	attr.mode = 0666;
	cmds = mbox_create(&attr, name, NULL);
	if (cmds < 0)
		die(who, "create command mailbox", cmds);
	browser = mbox_open_name("demo.browser", 0, NULL);
	if (browser < 0)
		die(who, "open demo.browser", browser);

	for (i = 1; i <= 2; i++) {
		n = snprintf(buf, sizeof(buf), "%s: frame %d painted", who, i);
		if (mbox_send(browser, buf, n, 1) < 0)
			die(who, "send", -errno);
	}
	for (;;) {
		n = mbox_recv(cmds, buf, sizeof(buf), NULL);
		if (n < 0)
			die(who, "receive command", n);
		buf[n] = '\0';
		say(who, "took command \"%s\"", buf);
		if (!strcmp(buf, "quit"))
			exit(0);
	}
}

static void plugin(void)
{
	const char *msg = "plugin: audio buffer underrun";
	int browser = mbox_open_name("demo.browser", 0, NULL);

	if (browser < 0)
		die("plugin", "open demo.browser", browser);
	/* Urgent: the browser sees this before queued frames. */
	if (mbox_send(browser, msg, strlen(msg), 9) < 0)
		die("plugin", "send", -errno);
	exit(0);
}

static pid_t spawn(void (*fn)(int), int arg)
{
	pid_t pid = fork();

	if (pid == 0) {
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

/* Opens a renderer's command mailbox, retrying until the renderer made it. */
static int open_renderer(int idx)
{
	char name[32];
	int fd, tries;

	snprintf(name, sizeof(name), "demo.renderer.%d", idx);
	for (tries = 0; tries < 500; tries++) {
		fd = mbox_open_name(name, 0, NULL);
		if (fd != -ENOENT)
			return fd;
		usleep(10000);
	}
	return -ENOENT;
}

static void browser_scene(void)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(32, MSG_MAX);
	struct mbox_msginfo mi;
	pid_t r1, r2, pl;
	char buf[MSG_MAX];
	int inbox, c1, c2, i, err, status;
	ssize_t n;

	scene("A browser owns a mailbox; renderers and a plugin send to it");
	attr.mode = 0666;
	inbox = mbox_create(&attr, "demo.browser", NULL);
	if (inbox < 0)
		die("browser", "create demo.browser", inbox);
	say("browser", "created mailbox \"demo.browser\" (bounded, 32 messages)");

	r1 = spawn(renderer, 1);
	r2 = spawn(renderer, 2);
	/* Let the frames queue up first, so the plugin's priority shows. */
	for (i = 0; i < 500; i++) {
		struct mbox_info info;

		if (mbox_info(inbox, &info) == 0 && info.queued >= 4)
			break;
		usleep(10000);
	}
	pl = spawn(plugin_main, 0);
	waitpid(pl, &status, 0);

	for (i = 0; i < 5; i++) {
		n = mbox_recv(inbox, buf, sizeof(buf) - 1, &mi);
		if (n < 0)
			die("browser", "receive", n);
		buf[n] = '\0';
		say("browser", "got \"%s\" (pid %d, prio %u, seq %llu)", buf,
		    mi.sender_pid, mi.priority, (unsigned long long)mi.seq);
		if (i == 0)
			expect(mi.priority == 9, "the urgent plugin message first");
	}

	scene("Commands go through rendezvous mailboxes; a renderer crashes");
	c1 = open_renderer(1);
	c2 = open_renderer(2);
	if (c1 < 0 || c2 < 0)
		die("browser", "open renderer mailboxes", c1 < 0 ? c1 : c2);
	err = mbox_send(c1, "navigate https://example.org", 28, 0);
	expect(err == 0, "renderer 1 takes its command");
	say("browser", "renderer 1 took \"navigate\": the send returned only then");

	say("browser", "renderer 2 hangs; killing it (SIGKILL)");
	kill(r2, SIGKILL);
	waitpid(r2, &status, 0);
	err = mbox_send(c2, "navigate https://example.org", 28, 0);
	say("browser", "send to renderer 2: %s", err ? strerror(-err) : "ok?");
	expect(err == -EPIPE, "send to a dead renderer fails with EPIPE");
	err = open_renderer(2);
	say("browser", "reopen \"demo.renderer.2\": %s",
	    err < 0 ? strerror(-err) : "ok?");
	expect(err == -ENOENT, "the dead renderer's mailbox is gone");
	say("browser", "tab crashed: showing the sad-tab page, renderer 1 carries on");

	expect(mbox_send(c1, "quit", 4, 0) == 0, "renderer 1 takes quit");
	waitpid(r1, &status, 0);
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "renderer 1 exits 0");
	mbox_close(c1);
	mbox_close(c2);
	mbox_close(inbox);
}

static void backpressure_scene(void)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(4, 64);
	int box, user, i, err, status;
	uint64_t id;
	pid_t consumer;
	char buf[64];

	scene("Back-pressure: a fast producer, a slow consumer, capacity 4");
	box = mbox_create(&attr, NULL, &id);
	if (box < 0)
		die("producer", "create", box);
	user = mbox_open_id(id, 0);
	if (user < 0)
		die("producer", "open", user);

	consumer = fork();
	if (consumer == 0) {
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
			say("producer", "non-blocking send while full: %s",
			    err ? strerror(-err) : "ok");
			expect(err == -EAGAIN || err == 0, "EAGAIN or room");
		}
	}
	waitpid(consumer, &status, 0);
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
			die("browser", "receive", n);
		buf[n] = '\0';
		say("browser", "prio %2u: %s", mi.priority, buf);
		expect(mi.priority <= last, "higher priority first");
		last = mi.priority;
	}
	mbox_deadline_in(&deadline, 200 * 1000000ULL);
	t0 = now_ms();
	n = mbox_recv_timed(box, buf, sizeof(buf), NULL, &deadline);
	say("browser", "receive with a 200 ms deadline on an empty mailbox: %s after %.0f ms",
	    n < 0 ? strerror((int)-n) : "a message?", now_ms() - t0);
	expect(n == -ETIMEDOUT, "ETIMEDOUT");
	mbox_close(box);
}

int main(void)
{
	struct mbox_version v;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	err = mbox_version(&v);
	if (err) {
		fprintf(stderr, "mbox-demo: cannot use %s: %s (is the module loaded?)\n",
			MBOX_DEVICE_PATH, strerror(-err));
		return 2;
	}
	printf("mbox ABI %u, messages up to %u bytes, bounded capacity up to %u\n",
	       v.abi_version, v.max_msg_size, v.max_capacity);

	browser_scene();
	backpressure_scene();
	priority_scene();

	printf("\n%s\n", failures ? "mbox-demo: FAILED" : "mbox-demo: all scenes behaved as expected");
	return failures ? 1 : 0;
}
