// SPDX-License-Identifier: GPL-2.0
/*
 * mboxbridge-test: the roles the bridge tests (tools/testing/bridge/test) play
 * on each "host", and the raw NATS baselines of the bench.
 *
 *   owner NAME zero|bounded:N|unbounded COUNT [IDLE_MS [DELAY_MS [DUP_OK]]]
 *       create NAME, receive COUNT messages (or until IDLE_MS without one),
 *       check them: prints received, duplicated, out of per-sender order,
 *       lost, longest stall; exit 0 only if none lost or reordered and at
 *       most DUP_OK (default 0) duplicated.  Prints "progress pct=P" each
 *       time a tenth more arrived (the fault runs strike mid-stream).
 *   hold NAME zero|bounded:N|unbounded
 *       create NAME and never receive; on SIGTERM print the monotonic time
 *       and exit (the owner's death).
 *   send NAME SENDER COUNT [PRIO [PAUSE_US]]
 *       open NAME (waiting up to 60 s for it), send COUNT numbered messages
 *       (PAUSE_US apart), print the rate and, per send, the slowest; stops
 *       at the first error.
 *   fill NAME
 *       send non-blocking until EAGAIN, waiting 3 s for the bridge each
 *       time; prints how many were accepted.
 *   epipe NAME
 *       open and watch NAME, send until a send fails; prints the errno, the
 *       monotonic time of the failure and the death notice's reason.
 *   prios NAME COUNT
 *       after a first message (a go signal), wait until COUNT are queued,
 *       receive them and print their priorities.
 *   info NAME
 *       print flags (PROXY?), capacity mode, capacity, msg size.
 *   origins NAME COUNT [KIND]
 *       create NAME (KIND as for owner, default bounded:8), receive COUNT
 *       messages with their vouched
 *       origins (MBOX_IOC_RECV_ORIGIN) and print one line for each.
 *   forge URL SUBJECT ORIGIN
 *       publish one message to the JetStream SUBJECT with the Mbox-Origin
 *       header ORIGIN, as a hostile publisher would.
 *   raw-rr URL N       raw core request/reply round trips (p50, p99).
 *   raw-js URL N SIZE  raw JetStream async publish to an R3 stream (msg/s).
 *   raw-wq URL N SIZE CONSUMER_REPLICAS MEMORY
 *       the cluster's cost of the bridge's publishes and consumer (above).
 *   With $BENCH_PIDS (the nodes' pids) the raw modes print the cluster's CPU
 *   time per message.
 *   forge-pack URL SUBJECT
 *       as a hostile publisher on an export's subject: a pack (Mbox-Pack)
 *       holding sender 20's message 1 and then a record claiming 1 MB
 *       that is not there, then a good pack with message 2.
 *   leader URL STREAM  the cluster node (n1..n3) leading STREAM now, and
 *                      the stream's last sequence (messages stored so far).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include <mbox.h>

#define MSG_SIZE	64
#define MAX_SENDERS	64

struct payload {
	uint32_t sender;
	uint32_t seq;
	uint32_t prio;
	uint32_t pad;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "mboxbridge-test: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static struct mbox_attr parse_attr(const char *kind)
{
	struct mbox_attr a = MBOX_ATTR_ZERO(MSG_SIZE);

	if (!strncmp(kind, "bounded:", 8)) {
		struct mbox_attr b = MBOX_ATTR_BOUNDED((uint32_t)atoi(kind + 8), MSG_SIZE);

		a = b;
	} else if (!strcmp(kind, "unbounded")) {
		struct mbox_attr u = MBOX_ATTR_UNBOUNDED(MSG_SIZE);

		a = u;
	} else if (strcmp(kind, "zero")) {
		die(kind, EINVAL);
	}
	a.mode = 0666;
	a.fd_flags = O_CLOEXEC;
	return a;
}

static ssize_t recv_in(int fd, void *buf, size_t len, struct mbox_msginfo *mi,
		       uint64_t rel_ns)
{
	struct timespec dl;

	mbox_deadline_in(&dl, rel_ns);
	return mbox_recv_timed(fd, buf, len, mi, &dl);
}

static int open_wait(const char *name)
{
	uint64_t end = now_ns() + 60ULL * 1000000000ULL;
	int fd;

	for (;;) {
		fd = mbox_open_name(name, O_CLOEXEC, NULL);
		if (fd >= 0 || now_ns() > end)
			return fd;
		usleep(20000);
	}
}

static int cmd_owner(char **argv, int argc)
{
	struct mbox_attr a = parse_attr(argv[1]);
	uint32_t count = (uint32_t)atoi(argv[2]);
	int idle_ms = argc > 3 ? atoi(argv[3]) : 30000;
	int delay_ms = argc > 4 ? atoi(argv[4]) : 0;
	uint32_t dup_ok = argc > 5 ? (uint32_t)atoi(argv[5]) : 0;
	static uint32_t last[MAX_SENDERS];
	uint32_t received = 0, unique = 0, dup = 0, reorder = 0;
	uint64_t prev = 0, stall = 0, first = 0, t;
	struct mbox_msginfo mi;
	struct payload p;
	uint8_t *seen;
	int fd;
	ssize_t n;

	/* Which sequence numbers of each sender arrived: exact counts. */
	seen = calloc((size_t)MAX_SENDERS * (count + 1), 1);
	if (!seen)
		die("calloc", ENOMEM);
	fd = mbox_create(&a, argv[0], NULL);
	if (fd < 0)
		die("create", fd);
	printf("owner ready\n");
	fflush(stdout);
	while (unique < count) {
		n = recv_in(fd, &p, sizeof(p), &mi, (uint64_t)idle_ms * 1000000ULL);
		if (n == -ETIMEDOUT)
			break;
		if (n < 0)
			die("recv", (int)n);
		t = now_ns();
		if (prev && t - prev > stall)
			stall = t - prev;
		if (!first)
			first = t;
		prev = t;
		received++;
		if (p.sender >= MAX_SENDERS || p.seq < 1 || p.seq > count) {
			reorder++;	/* nothing any sender sent */
			continue;
		}
		if (seen[(size_t)p.sender * (count + 1) + p.seq]++) {
			dup++;
			continue;
		}
		unique++;
		if (count >= 10 && unique % (count / 10) == 0 && unique < count)
			printf("progress pct=%u received=%u\n",
			       (uint32_t)((uint64_t)unique * 100 / count), unique);
		if (p.seq < last[p.sender])
			reorder++;
		else
			last[p.sender] = p.seq;
		if (delay_ms)
			usleep((useconds_t)delay_ms * 1000);
	}
	printf("owner received=%u duplicated=%u reordered=%u lost=%u longest_stall_ms=%.1f rate=%.0f/s\n",
	       received, dup, reorder, count - unique,
	       stall / 1e6, prev > first ? (received - 1) / ((prev - first) / 1e9) : 0.0);
	return unique == count && dup <= dup_ok && !reorder ? 0 : 1;
}

static int cmd_hold(char **argv)
{
	struct mbox_attr a = parse_attr(argv[1]);
	sigset_t set;
	int fd, sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = mbox_create(&a, argv[0], NULL);
	if (fd < 0)
		die("create", fd);
	printf("hold ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	close(fd);
	printf("owner_death_ns=%" PRIu64 "\n", now_ns());
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_send(char **argv, int argc)
{
	uint32_t sender = (uint32_t)atoi(argv[1]);
	uint32_t count = (uint32_t)atoi(argv[2]);
	uint32_t prio = argc > 3 ? (uint32_t)atoi(argv[3]) : 0;
	useconds_t pause_us = argc > 4 ? (useconds_t)atoi(argv[4]) : 0;
	uint64_t t0, t, worst = 0, *lat, enobufs = 0;
	struct payload p = { .sender = sender, .prio = prio };
	uint32_t i;
	int fd, err;

	fd = open_wait(argv[0]);
	if (fd < 0)
		die("open", fd);
	lat = calloc(count + 1, sizeof(*lat));
	t0 = now_ns();
	for (i = 0; i < count; i++) {
		p.seq = i + 1;
		t = now_ns();
		err = mbox_send(fd, &p, sizeof(p), prio);
		/*
		 * An UNBOUNDED proxy at its bytes_max refuses, as a local
		 * mailbox would: not accepted, so sent again, not lost.
		 */
		while (err == -ENOBUFS) {
			enobufs++;
			usleep(10000);
			err = mbox_send(fd, &p, sizeof(p), prio);
		}
		if (err) {
			printf("send failed at %u: %s\n", i, strerror(-err));
			return 1;
		}
		lat[i] = now_ns() - t;
		if (lat[i] > worst)
			worst = lat[i];
		if (pause_us)
			usleep(pause_us);
	}
	t = now_ns() - t0;
	qsort(lat, count, sizeof(*lat), cmp_u64);
	printf("sent=%u seconds=%.3f rate=%.0f/s p50_ms=%.3f worst_ms=%.1f enobufs=%" PRIu64 "\n",
	       count, t / 1e9, count / (t / 1e9), lat[count / 2] / 1e6,
	       worst / 1e6, enobufs);
	return 0;
}

static int cmd_fill(char **argv)
{
	struct payload p = { 0 };
	uint32_t accepted = 0;
	uint64_t quiet_since;
	int fd, err;

	fd = open_wait(argv[0]);
	if (fd < 0)
		die("open", fd);
	quiet_since = now_ns();
	while (now_ns() - quiet_since < 3000000000ULL) {
		p.seq = accepted + 1;
		err = mbox_send_nb(fd, &p, sizeof(p), 0);
		if (err == -EAGAIN) {
			usleep(20000);
			continue;
		}
		if (err)
			die("send", err);
		accepted++;
		quiet_since = now_ns();
	}
	printf("accepted=%u\n", accepted);
	return 0;
}

static int cmd_epipe(char **argv)
{
	struct payload p = { 0 };
	struct mbox_notice nt;
	struct pollfd pf;
	int fd, err, n = 0;

	fd = open_wait(argv[0]);
	if (fd < 0)
		die("open", fd);
	err = mbox_watch(fd);
	if (err)
		die("watch", err);
	printf("epipe ready\n");
	fflush(stdout);
	do {
		p.seq = (uint32_t)++n;
		err = mbox_send(fd, &p, sizeof(p), 0);
	} while (!err);
	printf("send_error=%s send_error_ns=%" PRIu64 "\n", strerror(-err), now_ns());
	pf.fd = fd;
	pf.events = POLLPRI;
	poll(&pf, 1, 5000);
	err = mbox_notice(fd, &nt);
	printf("pollhup=%d notice=%s reason=%u\n", !!(pf.revents & POLLHUP),
	       err ? strerror(-err) : "ok", err ? 0 : nt.reason);
	return 0;
}

static int cmd_prios(char **argv)
{
	struct mbox_attr a = parse_attr("bounded:64");
	uint32_t count = (uint32_t)atoi(argv[1]), i;
	struct mbox_msginfo mi;
	struct payload p;
	int fd;
	ssize_t n;

	fd = mbox_create(&a, argv[0], NULL);
	if (fd < 0)
		die("create", fd);
	printf("prios ready\n");
	fflush(stdout);
	/* The go message, then let everything arrive before receiving. */
	n = recv_in(fd, &p, sizeof(p), &mi, 60000000000ULL);
	if (n < 0)
		die("recv", (int)n);
	/* Everything queued here first, so that priority alone orders it. */
	for (i = 0; i < 1200; i++) {
		struct mbox_info info;

		if (!mbox_info(fd, &info) && info.queued >= count)
			break;
		usleep(100000);
	}
	printf("prios:");
	for (i = 0; i < count; i++) {
		n = recv_in(fd, &p, sizeof(p), &mi, 10000000000ULL);
		if (n < 0)
			die("recv", (int)n);
		printf(" %u", mi.priority);
	}
	printf("\n");
	return 0;
}

static int cmd_info(char **argv)
{
	struct mbox_info info;
	int fd = open_wait(argv[0]);

	if (fd < 0)
		die("open", fd);
	fd = mbox_info(fd, &info);
	if (fd)
		die("info", fd);
	printf("proxy=%d capacity_mode=%u capacity=%u msg_size=%u\n",
	       !!(info.flags & MBOX_CREATE_PROXY), info.capacity_mode,
	       info.capacity, info.msg_size);
	return 0;
}

static void responder(natsConnection *nc, natsSubscription *sub, natsMsg *m,
		      void *arg)
{
	(void)sub;
	(void)arg;
	natsConnection_Publish(nc, natsMsg_GetReply(m), "ok", 2);
	natsMsg_Destroy(m);
}

/* @url: one URL, or several separated by commas. */
static natsConnection *raw_connect(const char *url)
{
	natsConnection *nc = NULL;
	const char *servers[8];
	char *list = strdup(url), *save = NULL, *u;
	natsOptions *o;
	int n = 0;

	for (u = strtok_r(list, ",", &save); u && n < 8;
	     u = strtok_r(NULL, ",", &save))
		servers[n++] = u;
	natsOptions_Create(&o);
	natsOptions_SetServers(o, servers, n);
	natsOptions_SetSendAsap(o, true);
	if (natsConnection_Connect(&nc, o) != NATS_OK)
		die(url, ECONNREFUSED);
	natsOptions_Destroy(o);
	return nc;
}

static int cmd_raw_rr(char **argv)
{
	int n = atoi(argv[1]), i;
	natsConnection *a = raw_connect(argv[0]), *b = raw_connect(argv[0]);
	natsSubscription *sub;
	uint64_t *lat = calloc((size_t)n, sizeof(*lat)), t;
	natsMsg *reply;

	natsConnection_Subscribe(&sub, b, "bench.rr", responder, NULL);
	natsConnection_Flush(b);
	for (i = 0; i < n; i++) {
		t = now_ns();
		if (natsConnection_RequestString(&reply, a, "bench.rr", "ping", 5000) != NATS_OK)
			die("request", ETIMEDOUT);
		lat[i] = now_ns() - t;
		natsMsg_Destroy(reply);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	printf("raw_rr p50_ms=%.3f p99_ms=%.3f\n", lat[n / 2] / 1e6,
	       lat[n * 99 / 100] / 1e6);
	return 0;
}

/*
 * CPU time (user + system, ns) the processes listed in $BENCH_PIDS (the
 * cluster's nodes) used so far: a bench figure independent of the guest's
 * speed.  0 without the variable.
 */
static uint64_t pids_cpu_ns(void)
{
	const char *env = getenv("BENCH_PIDS");
	char *list, *save = NULL, *pid, path[64];
	unsigned long long ut, st;
	uint64_t total = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;

	if (!env || hz <= 0)
		return 0;
	list = strdup(env);
	for (pid = strtok_r(list, " ,", &save); pid;
	     pid = strtok_r(NULL, " ,", &save)) {
		snprintf(path, sizeof(path), "/proc/%s/stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* Fields 14 and 15; the name (2) has no spaces here. */
		if (fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			   &ut, &st) == 2)
			total += (ut + st) * (1000000000ULL / (uint64_t)hz);
		fclose(f);
	}
	free(list);
	return total;
}

static int cmd_raw_js(char **argv)
{
	int n = atoi(argv[1]), size = atoi(argv[2]), i;
	natsConnection *nc = raw_connect(argv[0]);
	const char *subj = "bench.js";
	jsStreamConfig sc;
	jsPubOptions po;
	jsErrCode jerr;
	char *buf = calloc(1, (size_t)size);
	jsCtx *js;
	uint64_t t, c;

	natsConnection_JetStream(&js, nc, NULL);
	jsStreamConfig_Init(&sc);
	sc.Name = "BENCH";
	sc.Subjects = &subj;
	sc.SubjectsLen = 1;
	sc.Replicas = 3;
	js_DeleteStream(js, "BENCH", NULL, &jerr);
	if (js_AddStream(NULL, js, &sc, NULL, &jerr) != NATS_OK)
		die("add stream", EIO);
	jsPubOptions_Init(&po);
	po.MaxWait = 10000;
	t = now_ns();
	c = pids_cpu_ns();
	for (i = 0; i < n; i++)
		if (js_PublishAsync(js, subj, buf, size, NULL) != NATS_OK)
			die("publish", EIO);
	if (js_PublishAsyncComplete(js, &po) != NATS_OK)
		die("complete", ETIMEDOUT);
	t = now_ns() - t;
	c = pids_cpu_ns() - c;
	printf("raw_js msgs=%d rate=%.0f/s cluster_cpu_us=%.0f\n", n, n / (t / 1e9),
	       c / 1e3 / n);
	js_DeleteStream(js, "BENCH", NULL, &jerr);
	return 0;
}

static int cmd_origins(char **argv, int argc)
{
	struct mbox_attr a = parse_attr(argc > 2 ? argv[2] : "bounded:8");
	int count = atoi(argv[1]), i, err, fd;
	struct mbox_recv_origin r;
	struct timespec dl;
	char buf[MSG_SIZE];

	fd = mbox_create(&a, argv[0], NULL);
	if (fd < 0)
		die("create", fd);
	printf("origins ready\n");
	for (i = 0; i < count; i++) {
		memset(&r, 0, sizeof(r));
		r.recv.buf = (uintptr_t)buf;
		r.recv.len = sizeof(buf);
		r.recv.flags = MBOX_MSG_TIMEOUT;
		mbox_deadline_in(&dl, 120ULL * 1000000000ULL);
		r.recv.timeout_ns = (uint64_t)dl.tv_sec * 1000000000ULL +
				    (uint64_t)dl.tv_nsec;
		err = mbox_recvx_origin(fd, &r);
		if (err)
			die("recv origin", err);
		printf("origin vouched=%d host=0x%016" PRIx64 " pid=%d uid=%u sender_pid=%d\n",
		       !!(r.origin_flags & MBOX_ORIGIN_VOUCHED), (uint64_t)r.origin.host,
		       r.origin.pid, r.origin.uid, r.recv.sender_pid);
	}
	return 0;
}

static int cmd_forge(char **argv)
{
	natsConnection *nc = raw_connect(argv[0]);
	jsErrCode jerr = 0;
	natsMsg *m = NULL;
	jsCtx *js;

	natsConnection_JetStream(&js, nc, NULL);
	if (natsMsg_Create(&m, argv[1], NULL, "forged", 7) != NATS_OK ||
	    natsMsgHeader_Set(m, "Mbox-Origin", argv[2]) != NATS_OK ||
	    natsMsgHeader_Set(m, "Mbox-Seq", "1") != NATS_OK)
		die("message", ENOMEM);
	if (js_PublishMsg(NULL, js, m, NULL, &jerr) != NATS_OK)
		die("publish", EIO);
	printf("forged %s\n", argv[2]);
	natsMsg_Destroy(m);
	return 0;
}

/*
 * raw-wq URL N SIZE CONSUMER_REPLICAS MEMORY: what the cluster spends per
 * message on what the bridge asks of it, without the bridge: N publishes
 * with a Nats-Msg-Id and the bridge's four headers into an R3 work-queue
 * stream (asynchronous, window 256), then a pull consumer fetching 256 and
 * acking each.  Prints both phases' rates and the cluster's CPU per message.
 */
static int cmd_raw_wq(char **argv)
{
	int n = atoi(argv[1]), size = atoi(argv[2]), i;
	natsConnection *nc = raw_connect(argv[0]);
	const char *subj = "bench.wq";
	natsSubscription *sub = NULL;
	jsStreamConfig sc;
	jsSubOptions so;
	jsPubOptions po;
	jsOptions jo;
	jsErrCode jerr;
	natsMsgList list;
	char *buf = calloc(1, (size_t)size), id[64];
	uint64_t t, c, tp, cp;
	jsCtx *js;
	int got = 0;

	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = 256;
	jo.PublishAsync.StallWait = 60000;
	natsConnection_JetStream(&js, nc, &jo);
	jsStreamConfig_Init(&sc);
	sc.Name = "BENCHWQ";
	sc.Subjects = &subj;
	sc.SubjectsLen = 1;
	sc.Replicas = 3;
	sc.Retention = js_WorkQueuePolicy;
	sc.Duplicates = 120LL * 1000000000LL;
	js_DeleteStream(js, "BENCHWQ", NULL, &jerr);
	if (js_AddStream(NULL, js, &sc, NULL, &jerr) != NATS_OK)
		die("add stream", EIO);
	t = now_ns();
	c = pids_cpu_ns();
	for (i = 0; i < n; i++) {
		natsMsg *m = NULL;

		natsMsg_Create(&m, subj, NULL, buf, size);
		natsMsgHeader_Set(m, "Mbox-Priority", "0");
		natsMsgHeader_Set(m, "Mbox-Type", "0");
		natsMsgHeader_Set(m, "Mbox-Origin", "hostB:1234:0");
		snprintf(id, sizeof(id), "%d", i + 1);
		natsMsgHeader_Set(m, "Mbox-Seq", id);
		jsPubOptions_Init(&po);
		snprintf(id, sizeof(id), "hostB-0123456789abcdef-6273-0-%d", i + 1);
		po.MsgId = id;
		if (js_PublishMsgAsync(js, &m, &po) != NATS_OK)
			die("publish", EIO);
	}
	jsPubOptions_Init(&po);
	po.MaxWait = 60000;
	if (js_PublishAsyncComplete(js, &po) != NATS_OK)
		die("complete", ETIMEDOUT);
	tp = now_ns() - t;
	cp = pids_cpu_ns() - c;

	jsSubOptions_Init(&so);
	so.Stream = "BENCHWQ";
	so.Config.AckWait = 5LL * 1000000000LL;
	so.Config.MaxAckPending = 256;
	so.Config.Replicas = atoi(argv[3]);
	so.Config.MemoryStorage = atoi(argv[4]) != 0;
	if (js_PullSubscribe(&sub, js, subj, "wq", NULL, &so, &jerr) != NATS_OK)
		die("pull subscribe", EIO);
	t = now_ns();
	c = pids_cpu_ns();
	while (got < n) {
		memset(&list, 0, sizeof(list));
		if (natsSubscription_Fetch(&list, sub, 256, 5000, &jerr) != NATS_OK)
			die("fetch", ETIMEDOUT);
		for (i = 0; i < list.Count; i++)
			natsMsg_Ack(list.Msgs[i], NULL);
		got += list.Count;
		natsMsgList_Destroy(&list);
	}
	natsConnection_Flush(nc);
	t = now_ns() - t;
	c = pids_cpu_ns() - c;
	printf("raw_wq consumer_replicas=%s memory=%s publish_rate=%.0f/s publish_cluster_cpu_us=%.0f consume_rate=%.0f/s consume_cluster_cpu_us=%.0f\n",
	       argv[3], argv[4], n / (tp / 1e9), cp / 1e3 / n, n / (t / 1e9),
	       c / 1e3 / n);
	natsSubscription_Destroy(sub);
	js_DeleteStream(js, "BENCHWQ", NULL, &jerr);
	return 0;
}

/* A record as mboxbridge packs it (struct pack_rec there). */
struct forged_rec {
	uint32_t len, priority, type, origin_len;
	uint64_t seq;
};

static size_t forge_put(char *out, uint32_t len, uint32_t seq)
{
	struct forged_rec r = { .len = len, .origin_len = 6, .seq = seq };
	struct payload p = { .sender = 20, .seq = seq };

	memcpy(out, &r, sizeof(r));
	memcpy(out + sizeof(r), "forged", 6);
	memcpy(out + sizeof(r) + 6, &p, sizeof(p));
	return sizeof(r) + 6 + sizeof(p);
}

static int cmd_forge_pack(char **argv)
{
	natsConnection *nc = raw_connect(argv[0]);
	char buf[256];
	jsErrCode jerr = 0;
	natsMsg *m = NULL;
	size_t n;
	jsCtx *js;
	int i;

	natsConnection_JetStream(&js, nc, NULL);
	for (i = 0; i < 2; i++) {
		n = forge_put(buf, sizeof(struct payload), (uint32_t)i + 1);
		if (!i)		/* claims 1 MB, holds 16 B */
			n += forge_put(buf + n, 1000000, 99);
		natsMsg_Create(&m, argv[1], NULL, buf, (int)n);
		natsMsgHeader_Set(m, "Mbox-Pack", "2");
		if (js_PublishMsg(NULL, js, m, NULL, &jerr) != NATS_OK)
			die("forged publish", EIO);
		natsMsg_Destroy(m);
	}
	printf("forged\n");
	return 0;
}

/* Prints the name of the cluster node leading stream STREAM. */
static int cmd_leader(char **argv)
{
	natsConnection *nc = raw_connect(argv[0]);
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	jsCtx *js;

	natsConnection_JetStream(&js, nc, NULL);
	if (js_GetStreamInfo(&si, js, argv[1], NULL, &jerr) != NATS_OK ||
	    !si->Cluster || !si->Cluster->Leader)
		die("stream info", EIO);
	printf("leader=%s last_seq=%" PRIu64 "\n", si->Cluster->Leader,
	       si->State.LastSeq);
	jsStreamInfo_Destroy(si);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		goto usage;
	if (!strcmp(argv[1], "owner") && argc >= 5)
		return cmd_owner(argv + 2, argc - 2);
	if (!strcmp(argv[1], "hold") && argc >= 4)
		return cmd_hold(argv + 2);
	if (!strcmp(argv[1], "send") && argc >= 5)
		return cmd_send(argv + 2, argc - 2);
	if (!strcmp(argv[1], "fill"))
		return cmd_fill(argv + 2);
	if (!strcmp(argv[1], "epipe"))
		return cmd_epipe(argv + 2);
	if (!strcmp(argv[1], "prios") && argc >= 4)
		return cmd_prios(argv + 2);
	if (!strcmp(argv[1], "info"))
		return cmd_info(argv + 2);
	if (!strcmp(argv[1], "raw-rr") && argc >= 4)
		return cmd_raw_rr(argv + 2);
	if (!strcmp(argv[1], "forge-pack") && argc >= 4)
		return cmd_forge_pack(argv + 2);
	if (!strcmp(argv[1], "leader") && argc >= 4)
		return cmd_leader(argv + 2);
	if (!strcmp(argv[1], "raw-wq") && argc >= 7)
		return cmd_raw_wq(argv + 2);
	if (!strcmp(argv[1], "raw-js") && argc >= 5)
		return cmd_raw_js(argv + 2);
	if (!strcmp(argv[1], "origins") && argc >= 4)
		return cmd_origins(argv + 2, argc - 2);
	if (!strcmp(argv[1], "forge") && argc >= 5)
		return cmd_forge(argv + 2);
usage:
	fprintf(stderr, "usage: see the comment at the top of mboxbridge-test.c\n");
	return 2;
}
