// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-bench: mbox against pipes, AF_UNIX sockets, POSIX and SysV message
 * queues and raw shared-memory rings, measured side by side in one run.
 *
 *   mbox-bench [--smoke] [--out DIR] [--reps N] [--only LIST] [...]
 *
 * For 64 B and 4 KiB messages: ping-pong round trips (median and p99 over
 * many round trips, after a warm-up) and one-way streaming throughput; then
 * 1 to 64 senders into one mailbox, create/destroy rates, and the kernel
 * memory an idle mailbox holds.  Every case is repeated (repetitions
 * interleaved across cases, so that a change in the host's load hits all
 * of them alike) and reported as the median of its repetitions with their
 * spread.  Needs root in a machine with the mbox module loaded (tools/scripts/vm/run
 * provides both); see bench.h for how the processes are arranged.
 *
 * --smoke runs every case briefly once and prints TAP: one test per case,
 * passing when its figures are there, finite and positive, and nothing was
 * lost.  It asserts no speed.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "mbox_testlib.h"
#include <mbox/mbox.h>

/* Run order: 1 and 64 back to back, so that their ratio pairs up in time. */
static const unsigned int scale_order[] = { 1, 64, 2, 4, 8, 16, 32, 0 };
static const unsigned int smoke_senders[] = { 1, 2, 4, 0 };
/* Ring producers: one segment each, and the bench ring has 16 segments. */
static const unsigned int ring_senders[] = { 1, 8, 0 };
static unsigned int opt_senders[16];

#define WATCHDOG_S	60
#define PP_MAX_SAMPLES	200000
#define PP_WARM_ROUNDS	50
#define PP_MIN_SAMPLES	20	/* even when the measuring time is up */
#define ST_MIN_MSGS	512	/* sent, even when the time is up */
#define ST_MIN_WINDOW	64	/* received in the window, or take all */
#define TIME_CHECK	32	/* messages between clock reads */

#define SCALE_MAX	64	/* senders */

/* What the measuring processes hand back. */
struct shared {
	_Atomic int stop;
	uint64_t count;		/* messages in the measured window */
	uint64_t window_ns;
	uint64_t errors;
	_Atomic uint64_t retries;
	int err;
	/* scaling: the start barrier, and each sender's messages */
	_Atomic unsigned int ready;
	_Atomic int go;		/* a futex word */
	uint64_t sent[SCALE_MAX];
	/* streaming: context switches per message, each side */
	double rx_csw, tx_csw;
};

static struct shared *g_sh;
static const unsigned int *g_senders = scale_order;

static void on_alarm(int sig)
{
	(void)sig;
	g_abort = 1;
}

/* Arms the watchdog: no SA_RESTART, so that a blocked call returns EINTR. */
static void watchdog_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

/* First thing in every measuring child. */
static void child_start(int cpu)
{
	signal(SIGALRM, SIG_DFL);
	alarm(WATCHDOG_S);
	pin_to_cpu(cpu);
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		if (g_abort)
			kill(pid, SIGKILL);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static void set_hdr(void *buf, uint32_t kind, uint32_t from, uint64_t seq)
{
	struct msg_hdr *h = buf;

	h->kind = kind;
	h->from = from;
	h->seq = seq;
}

/* ------------------------------------------------------------- ping-pong */

/* The echoing side: returns its exit code. */
static int pp_server(struct chan *ping, struct chan *pong, size_t size)
{
	const struct transport *t = ping->t;
	void *buf = msgbuf_alloc(size);
	struct msg_hdr *h = buf;
	uint64_t expect = 0;
	int errors = 0;
	long n;

	if (!buf)
		return 10;
	for (;;) {
		n = t->recv(ping, buf, size);
		if (n < 0)
			return 11;
		if (h->kind == MSG_STOP)
			break;
		if ((size_t)n != size || h->kind != MSG_DATA || h->seq != expect)
			errors++;
		expect = h->seq + 1;
		if (t->send(pong, buf, size))
			return 12;
	}
	msgbuf_free(buf);
	return errors ? 1 : 0;
}

/* The timing side: fills @samples (ns) and returns how many, or -errno. */
static long pp_client(const struct bench *b, struct chan *ping,
		      struct chan *pong, size_t size, double *samples,
		      unsigned long *errors, double *csw)
{
	struct rusage ru0 = { 0 }, ru1;
	const struct transport *t = ping->t;
	void *out = msgbuf_alloc(size), *in = msgbuf_alloc(size);
	uint64_t warm = (uint64_t)(b->warm_time * 1e9);
	uint64_t dur = (uint64_t)(b->pp_time * 1e9);
	uint64_t t_begin, t_meas = 0, t0, t1, i;
	const struct msg_hdr *rh = in;
	bool measuring = false;
	long ns = 0, n;
	int err = 0;

	if (!out || !in) {
		err = -ENOMEM;
		goto out;
	}
	t_begin = now_ns();
	for (i = 0;; i++) {
		set_hdr(out, MSG_DATA, 0, i);
		t0 = now_ns();
		err = t->send(ping, out, size);
		if (err)
			goto out;
		n = t->recv(pong, in, size);
		t1 = now_ns();
		if (n < 0) {
			err = (int)n;
			goto out;
		}
		if ((size_t)n != size || rh->kind != MSG_DATA || rh->seq != i)
			(*errors)++;
		if (measuring) {
			samples[ns++] = (double)(t1 - t0);
			if (ns == PP_MAX_SAMPLES ||
			    (t1 - t_meas >= dur && ns >= PP_MIN_SAMPLES))
				break;
		} else if (i + 1 >= PP_WARM_ROUNDS && t1 - t_begin >= warm) {
			measuring = true;
			t_meas = t1;
			getrusage(RUSAGE_SELF, &ru0);
		}
	}
	/* How often the timing side gave up its CPU, per round trip. */
	getrusage(RUSAGE_SELF, &ru1);
	if (ns)
		*csw = (double)(ru1.ru_nvcsw - ru0.ru_nvcsw + ru1.ru_nivcsw -
				ru0.ru_nivcsw) / (double)ns;
	set_hdr(out, MSG_STOP, 0, i + 1);
	err = t->send(ping, out, size);
out:
	msgbuf_free(out);
	msgbuf_free(in);
	return err ? err : ns;
}

static int run_pingpong(const struct bench *b, struct case_res *c, int rep)
{
	struct chan_cfg cfg = { c->size, b->depth, b->batch };
	const struct transport *t = c->t;
	struct chan ping, pong;
	unsigned long errors = 0;
	double *samples;
	long ns = -EINVAL;
	int err, code;
	pid_t pid;

	samples = malloc(PP_MAX_SAMPLES * sizeof(*samples));
	if (!samples)
		return -ENOMEM;
	err = chan_open(&ping, t, &cfg);
	if (err)
		goto out_free;
	err = chan_open(&pong, t, &cfg);
	if (err)
		goto out_ping;

	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out_pong;
	}
	if (pid == 0) {
		child_start(c->kind == K_PINGPONG1 ? b->tx_cpu : b->rx_cpu);
		if (t->attach(&ping, SIDE_RX) || t->attach(&pong, SIDE_TX))
			_exit(20);
		code = pp_server(&ping, &pong, c->size);
		t->detach(&ping, SIDE_RX);
		t->detach(&pong, SIDE_TX);
		_exit(code);
	}
	alarm(WATCHDOG_S);
	err = t->attach(&ping, SIDE_TX);
	if (!err)
		err = t->attach(&pong, SIDE_RX);
	if (!err) {
		ns = pp_client(b, &ping, &pong, c->size, samples, &errors,
			       &c->csw[rep]);
		t->detach(&ping, SIDE_TX);
		t->detach(&pong, SIDE_RX);
	}
	if (err || ns < 0)
		kill(pid, SIGKILL);
	code = wait_child(pid);
	alarm(0);
	if (!err && ns < 0)
		err = (int)ns;
	if (!err && code)
		err = code == 1 ? -EBADMSG : -ECHILD;
	if (!err && ns < 10)
		err = -ENODATA;
	if (!err) {
		qsort(samples, (size_t)ns, sizeof(*samples), cmp_double);
		c->v[0][rep] = samples[ns / 2] / 1e3;
		c->v[1][rep] = samples[(size_t)ceil(0.99 * (double)ns) - 1] / 1e3;
	}
	c->errors += errors;
out_pong:
	t->close(&pong);
out_ping:
	t->close(&ping);
out_free:
	free(samples);
	return err;
}

/* ------------------------------------------------------------- streaming */

static int st_receiver(const struct bench *b, struct chan *ch, size_t size)
{
	const struct transport *t = ch->t;
	unsigned int nb = t->recv_vec ? b->batch : 1, i;
	uint64_t warm = (uint64_t)(b->warm_time * 1e9);
	uint64_t t_first = 0, t_start = 0, now, count = 0, c_start = 0;
	uint64_t expect = 0, errors = 0;
	struct rusage ru0 = { 0 }, ru1;
	unsigned int since = 0;
	bool started = false, done = false;
	size_t lens[MBOX_BATCH_MAX];
	void *bufs[MBOX_BATCH_MAX];
	const struct msg_hdr *h;
	long n;

	for (i = 0; i < nb; i++) {
		bufs[i] = msgbuf_alloc(size);
		if (!bufs[i])
			return 10;
	}
	while (!done) {
		if (t->recv_vec) {
			n = t->recv_vec(ch, bufs, size, nb, lens);
		} else {
			n = t->recv(ch, bufs[0], size);
			if (n >= 0) {
				lens[0] = (size_t)n;
				n = 1;
			}
		}
		if (n < 0) {
			g_sh->err = (int)n;
			return 11;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			h = bufs[i];
			if (h->kind == MSG_STOP) {
				done = true;
				break;
			}
			if (lens[i] != size || h->kind != MSG_DATA ||
			    h->seq != expect)
				errors++;
			expect = h->seq + 1;
			count++;
		}
		since += (unsigned int)n;
		if (!t_first) {
			t_first = now_ns();
		} else if (!started && since >= TIME_CHECK) {
			since = 0;
			now = now_ns();
			if (now - t_first >= warm) {
				started = true;
				t_start = now;
				c_start = count;
				getrusage(RUSAGE_SELF, &ru0);
			}
		}
	}
	now = now_ns();
	getrusage(RUSAGE_SELF, &ru1);
	/* Given up CPU per message received (all of the run if no window). */
	if (count - c_start)
		g_sh->rx_csw = (double)(ru1.ru_nvcsw - ru0.ru_nvcsw +
					ru1.ru_nivcsw - ru0.ru_nivcsw) /
			       (double)(count - c_start);
	if (!started || count - c_start < ST_MIN_WINDOW) {
		/* Too short a run to leave out the warm-up: take all of it. */
		t_start = t_first;
		c_start = 0;
	}
	g_sh->count = count - c_start;
	g_sh->window_ns = now - t_start;
	g_sh->errors = errors;
	for (i = 0; i < nb; i++)
		msgbuf_free(bufs[i]);
	return errors ? 1 : 0;
}

static int st_sender(const struct bench *b, struct chan *ch, size_t size)
{
	const struct transport *t = ch->t;
	unsigned int nb = t->send_vec ? b->batch : 1, i, since = 0;
	uint64_t limit = (uint64_t)((b->warm_time + b->st_time) * 1e9);
	uint64_t t0 = now_ns(), seq = 0;
	struct rusage ru0, ru1;
	void *bufs[MBOX_BATCH_MAX];
	int err = 0, n;

	getrusage(RUSAGE_SELF, &ru0);

	for (i = 0; i < nb; i++) {
		bufs[i] = msgbuf_alloc(size);
		if (!bufs[i])
			return -ENOMEM;
	}
	for (;;) {
		if (t->send_vec) {
			for (i = 0; i < nb; i++)
				set_hdr(bufs[i], MSG_DATA, 0, seq + i);
			n = t->send_vec(ch, bufs, size, nb);
			if (n < 0) {
				err = n;
				break;
			}
		} else {
			set_hdr(bufs[0], MSG_DATA, 0, seq);
			err = t->send(ch, bufs[0], size);
			if (err)
				break;
			n = 1;
		}
		seq += (unsigned int)n;
		since += (unsigned int)n;
		if (since >= TIME_CHECK) {
			since = 0;
			if (seq >= ST_MIN_MSGS && now_ns() - t0 >= limit)
				break;
		}
	}
	getrusage(RUSAGE_SELF, &ru1);
	if (seq)
		g_sh->tx_csw = (double)(ru1.ru_nvcsw - ru0.ru_nvcsw +
					ru1.ru_nivcsw - ru0.ru_nivcsw) /
			       (double)seq;
	if (!err) {
		set_hdr(bufs[0], MSG_STOP, 0, seq);
		err = t->send(ch, bufs[0], size);
	}
	for (i = 0; i < nb; i++)
		msgbuf_free(bufs[i]);
	return err;
}

static int run_stream(const struct bench *b, struct case_res *c, int rep)
{
	struct chan_cfg cfg = { c->size, b->depth, b->batch };
	const struct transport *t = c->t;
	struct chan ch;
	int err, code;
	pid_t pid;

	memset(g_sh, 0, sizeof(*g_sh));
	err = chan_open(&ch, t, &cfg);
	if (err)
		return err;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0) {
		child_start(b->rx_cpu);
		if (t->attach(&ch, SIDE_RX))
			_exit(20);
		code = st_receiver(b, &ch, c->size);
		t->detach(&ch, SIDE_RX);
		_exit(code);
	}
	alarm(WATCHDOG_S);
	err = t->attach(&ch, SIDE_TX);
	if (!err) {
		err = st_sender(b, &ch, c->size);
		c->retries += ch.retries;
		t->detach(&ch, SIDE_TX);
	}
	if (err)
		kill(pid, SIGKILL);
	code = wait_child(pid);
	alarm(0);
	if (!err && code)
		err = code == 1 ? -EBADMSG : (g_sh->err ? g_sh->err : -ECHILD);
	c->errors += g_sh->errors;
	if (!err && (!g_sh->count || !g_sh->window_ns))
		err = -ENODATA;
	if (!err) {
		c->v[0][rep] = (double)g_sh->count * 1e9 /
			       (double)g_sh->window_ns;
		c->v[1][rep] = c->v[0][rep] * (double)c->size / 1e6;
		/* Not in the tables: a line per repetition, for A/B runs. */
		printf("# stream %s %zu B: context switches per message: receiver %.3f, sender %.3f\n",
		       t->name, c->size, g_sh->rx_csw, g_sh->tx_csw);
	}
out:
	t->close(&ch);
	return err;
}

/* --------------------------------------------------------------- scaling */

static long futex(_Atomic int *word, int op, int val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/*
 * A sender attaches, reports ready and waits for the go: the measurement
 * starts with every sender already in its loop, so that neither fork nor
 * attach (opening a handle) nor a late starter falls into the window.
 */
static int scale_sender(struct chan *ch, unsigned int idx, size_t size)
{
	const struct transport *t = ch->t;
	void *buf = msgbuf_alloc(size);
	uint64_t seq = 0;

	if (!buf)
		return 10;
	atomic_fetch_add(&g_sh->ready, 1);
	while (!atomic_load(&g_sh->go) && !g_abort)
		futex(&g_sh->go, FUTEX_WAIT, 0);
	while (!atomic_load_explicit(&g_sh->stop, memory_order_acquire)) {
		set_hdr(buf, MSG_DATA, idx, seq++);
		if (t->send(ch, buf, size))
			return 11;
	}
	g_sh->sent[idx] = seq;
	set_hdr(buf, MSG_STOP, idx, seq);
	if (t->send(ch, buf, size))
		return 12;
	atomic_fetch_add(&g_sh->retries, ch->retries);
	msgbuf_free(buf);
	return 0;
}

/* Inter-processor interrupts so far: rescheduling plus function-call IPIs. */
static uint64_t ipi_count(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096], *p, *end;
	uint64_t sum = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, "RES:", 4) && strncmp(p, "CAL:", 4))
			continue;
		for (p += 4;; p = end) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
	}
	fclose(f);
	return sum;
}

/* The receiving side, in the parent: returns 0 or -errno. */
static int scale_receiver(const struct bench *b, struct chan *ch,
			  unsigned int n, size_t size, uint64_t *count,
			  uint64_t *window, unsigned long *errors, double *csw,
			  double *ipis)
{
	struct rusage ru0 = { 0 }, ru1 = { 0 };
	uint64_t ipi0 = 0, ipi1 = 0;
	uint64_t warm = (uint64_t)(b->warm_time * 1e9);
	uint64_t dur = (uint64_t)(b->scale_time * 1e9);
	uint64_t t_first = 0, t_start = 0, t_end = 0, t, total = 0;
	uint64_t c_start = 0, c_end = 0, *expect;
	const struct transport *tr = ch->t;
	void *buf = msgbuf_alloc(size);
	const struct msg_hdr *h = buf;
	unsigned int stops = 0, since = 0;
	int state = 0;	/* 0 warm-up, 1 measuring, 2 stopping */
	long r;

	expect = calloc(n, sizeof(*expect));
	if (!buf || !expect) {
		msgbuf_free(buf);
		free(expect);
		return -ENOMEM;
	}
	while (stops < n) {
		r = tr->recv(ch, buf, size);
		if (r < 0) {
			msgbuf_free(buf);
			free(expect);
			return (int)r;
		}
		if (h->from >= n) {
			(*errors)++;
			continue;
		}
		if (h->kind == MSG_STOP) {
			stops++;
			continue;
		}
		if ((size_t)r != size || h->kind != MSG_DATA ||
		    h->seq != expect[h->from])
			(*errors)++;
		expect[h->from] = h->seq + 1;
		total++;
		if (!t_first) {
			t_first = now_ns();
			continue;
		}
		if (state == 2 || ++since < TIME_CHECK)
			continue;
		since = 0;
		t = now_ns();
		if (state == 0 && t - t_first >= warm) {
			state = 1;
			t_start = t;
			c_start = total;
			getrusage(RUSAGE_SELF, &ru0);
			ipi0 = ipi_count();
		} else if (state == 1 && t - t_start >= dur) {
			state = 2;
			t_end = t;
			c_end = total;
			getrusage(RUSAGE_SELF, &ru1);
			ipi1 = ipi_count();
			atomic_store_explicit(&g_sh->stop, 1,
					      memory_order_release);
		}
	}
	msgbuf_free(buf);
	free(expect);
	if (state != 2)
		return -ENODATA;
	*count = c_end - c_start;
	*window = t_end - t_start;
	if (*count)
		*csw = (double)(ru1.ru_nvcsw - ru0.ru_nvcsw +
				ru1.ru_nivcsw - ru0.ru_nivcsw) /
		       (double)*count;
	if (*count)
		*ipis = (double)(ipi1 - ipi0) / (double)*count;
	return 0;
}

/* The busiest and idlest sender's share of the messages, against the mean. */
static void scale_fairness(struct case_res *c, unsigned int n)
{
	uint64_t lo = UINT64_MAX, hi = 0, sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		lo = g_sh->sent[i] < lo ? g_sh->sent[i] : lo;
		hi = g_sh->sent[i] > hi ? g_sh->sent[i] : hi;
		sum += g_sh->sent[i];
	}
	if (!sum)
		return;
	c->fair_lo = (double)lo * n / (double)sum;
	c->fair_hi = (double)hi * n / (double)sum;
}

static int run_scale(const struct bench *b, struct case_res *c, int rep)
{
	struct chan_cfg cfg = { c->size, b->depth, b->batch };
	const struct transport *t = c->t;
	uint64_t count = 0, window = 0;
	unsigned long errors = 0;
	unsigned int i, started;
	pid_t pids[SCALE_MAX];
	double csw = NAN, ipis = NAN;
	struct chan ch;
	int err, code;

	memset(g_sh, 0, sizeof(*g_sh));
	err = chan_open(&ch, t, &cfg);
	if (err)
		return err;
	for (started = 0; started < c->senders && started < SCALE_MAX; started++) {
		pids[started] = fork();
		if (pids[started] < 0) {
			err = -errno;
			break;
		}
		if (pids[started] == 0) {
			child_start(b->tx_cpu);
			if (t->attach(&ch, SIDE_TX))
				_exit(20);
			code = scale_sender(&ch, started, c->size);
			t->detach(&ch, SIDE_TX);
			_exit(code);
		}
	}
	alarm(WATCHDOG_S);
	pin_to_cpu(b->rx_cpu);
	if (!err)
		err = t->attach(&ch, SIDE_RX);
	/* Every sender in its loop before the first message is taken. */
	while (!err && !g_abort && atomic_load(&g_sh->ready) < started)
		usleep(1000);
	atomic_store(&g_sh->go, 1);
	futex(&g_sh->go, FUTEX_WAKE, INT_MAX);
	if (!err) {
		err = scale_receiver(b, &ch, c->senders, c->size, &count,
				     &window, &errors, &csw, &ipis);
		t->detach(&ch, SIDE_RX);
	}
	atomic_store(&g_sh->stop, 1);
	for (i = 0; i < started; i++) {
		if (err)
			kill(pids[i], SIGKILL);
		code = wait_child(pids[i]);
		if (!err && code)
			err = -ECHILD;
	}
	alarm(0);
	pin_to_cpu(b->tx_cpu);
	c->errors += errors;
	c->retries += g_sh->retries;
	if (!err && errors)
		err = -EBADMSG;
	if (!err && (!count || !window))
		err = -ENODATA;
	if (!err) {
		c->v[0][rep] = (double)count * 1e9 / (double)window;
		c->v[1][rep] = csw;
		c->ipis[rep] = ipis;
		scale_fairness(c, started);
	}
	t->close(&ch);
	return err;
}

/* ------------------------------------------------------------- the plan */

static bool selected(const struct bench *b, const char *name,
		     const char *kind)
{
	char list[256], *tok, *save, *colon;

	if (!b->only)
		return true;
	snprintf(list, sizeof(list), "%s", b->only);
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		colon = strchr(tok, ':');
		if (colon) {
			/* KIND:NAME */
			*colon = '\0';
			if (!strcmp(tok, kind) && !strcmp(colon + 1, name))
				return true;
		} else if (!strcmp(tok, name) || !strcmp(tok, kind)) {
			return true;
		}
	}
	return false;
}

static struct case_res *add_case(struct bench *b, enum case_kind kind,
				 const struct transport *t, size_t size,
				 unsigned int senders)
{
	struct case_res *c;

	b->cases = realloc(b->cases, (b->ncases + 1) * sizeof(*b->cases));
	if (!b->cases) {
		perror("mbox-bench: realloc");
		exit(1);
	}
	c = &b->cases[b->ncases++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->t = t;
	c->size = size;
	c->senders = senders;
	return c;
}

static const char *skip_reason(const struct bench *b,
			       const struct transport *t)
{
	if ((t->flags & T_MBOX) && b->no_mbox)
		return "--no-mbox";
	if ((t->flags & T_RING) && b->ring_status)
		return b->ring_status;
	if ((t->flags & T_SPIN) && b->ncpus < 2)
		return "busy-waiting needs two CPUs";
	return NULL;
}

static void build_plan(struct bench *b)
{
	const struct transport *t;
	struct case_res *c;
	int i, s;

	for (i = 0; (t = transports[i]); i++) {
		for (s = 0; s < NSIZES; s++) {
			if (!(t->flags & T_STREAM_ONLY) &&
			    selected(b, t->name, "pingpong")) {
				c = add_case(b, K_PINGPONG, t, msg_sizes[s], 1);
				c->skipped = skip_reason(b, t);
			}
			/* Busy-waiting on one CPU only measures the scheduler. */
			if (!(t->flags & (T_STREAM_ONLY | T_SPIN)) &&
			    selected(b, t->name, "pingpong-1cpu")) {
				c = add_case(b, K_PINGPONG1, t, msg_sizes[s], 1);
				c->skipped = skip_reason(b, t);
			}
			if (selected(b, t->name, "stream")) {
				c = add_case(b, K_STREAM, t, msg_sizes[s], 1);
				c->skipped = skip_reason(b, t);
			}
		}
	}
	if (!b->skip_scale) {
		for (i = 0; g_senders[i]; i++)
			if (selected(b, tr_mbox_bounded.name, "scale"))
				add_case(b, K_SCALE, &tr_mbox_bounded, 64,
					 g_senders[i]);
		for (i = 0; g_senders[i]; i++)
			if (selected(b, tr_mbox_unbounded.name, "scale"))
				add_case(b, K_SCALE, &tr_mbox_unbounded, 64,
					 g_senders[i]);
		/* The same blocking senders against a POSIX queue as deep. */
		for (i = 0; g_senders[i]; i++)
			if (selected(b, tr_posix_mq.name, "scale"))
				add_case(b, K_SCALE, &tr_posix_mq, 64,
					 g_senders[i]);
		/*
		 * The ring: 1 and 8 producers back to back (issue 14 compares
		 * them), each producer a process with its own segment.
		 */
		for (i = 0; ring_senders[i]; i++)
			if (selected(b, tr_mbox_ring.name, "scale")) {
				c = add_case(b, K_SCALE, &tr_mbox_ring, 64,
					     ring_senders[i]);
				c->skipped = skip_reason(b, &tr_mbox_ring);
			}
	}
	for (i = 0; lifecycle_whats[i]; i++) {
		if (!selected(b, lifecycle_whats[i], "lifecycle"))
			continue;
		c = add_case(b, K_LIFECYCLE, NULL, 0, 0);
		c->what = lifecycle_whats[i];
		if (b->no_mbox && !strcmp(c->what, "mbox"))
			c->skipped = "--no-mbox";
	}
}

static const char *kind_name(enum case_kind k)
{
	switch (k) {
	case K_PINGPONG:
		return "pingpong";
	case K_PINGPONG1:
		return "pingpong-1cpu";
	case K_STREAM:
		return "stream";
	case K_SCALE:
		return "scale";
	default:
		return "lifecycle";
	}
}

/* "stream pipe 64 B", "scale mbox-bounded 64 B x 16", "lifecycle sysv" */
static const char *case_title(const struct case_res *c)
{
	static char buf[128];
	int n;

	n = snprintf(buf, sizeof(buf), "%s %s", kind_name(c->kind),
		     case_name(c));
	if (c->size && n > 0 && (size_t)n < sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %zu B",
			      c->size);
	if (c->kind == K_SCALE && n > 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, " x %u",
			 c->senders);
	return buf;
}

static void run_case(struct bench *b, struct case_res *c, int rep)
{
	int err;

	g_abort = 0;
	switch (c->kind) {
	case K_PINGPONG:
	case K_PINGPONG1:
		err = run_pingpong(b, c, rep);
		break;
	case K_STREAM:
		err = run_stream(b, c, rep);
		break;
	case K_SCALE:
		err = run_scale(b, c, rep);
		break;
	default:
		alarm(WATCHDOG_S);
		err = lifecycle_rate(c->what, b->lc_time, &c->v[0][rep]);
		alarm(0);
		break;
	}
	if (g_abort && !err)
		err = -ETIMEDOUT;
	if (err) {
		c->failed = err;
		snprintf(c->why, sizeof(c->why), "repetition %d: %s", rep + 1,
			 err == -ETIMEDOUT || g_abort ? "timed out (watchdog)" :
			 err == -EBADMSG ? "messages lost, duplicated or reordered" :
			 strerror(-err));
		c->v[0][rep] = c->v[1][rep] = NAN;
	}
	c->nrep = rep + 1;
	fprintf(stderr, "mbox-bench: [%d] %-40s ", rep + 1, case_title(c));
	if (err)
		fprintf(stderr, "FAILED: %s\n", c->why);
	else if (c->kind == K_PINGPONG || c->kind == K_PINGPONG1)
		fprintf(stderr, "%.1f us median, %.1f us p99, %.2f context switches of the timing side per round trip\n",
			c->v[0][rep], c->v[1][rep], c->csw[rep]);
	else if (c->kind == K_SCALE)
		fprintf(stderr, "%.0f /s; per message %.3f receiver context switches, %.3f IPIs; senders %.2f..%.2f of the mean\n",
			c->v[0][rep], c->v[1][rep], c->ipis[rep], c->fair_lo, c->fair_hi);
	else
		fprintf(stderr, "%.0f /s\n", c->v[0][rep]);
}

/* ------------------------------------------------------------ the machine */

static void prepare_machine(struct bench *b)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct mbox_version v;
	struct utsname u;
	cpu_set_t set;
	char buf[32];
	int cpu, err;

	if (!uname(&u))
		snprintf(b->kernel, sizeof(b->kernel), "%s", u.release);
	b->tx_cpu = b->rx_cpu = 0;
	b->ncpus = 0;
	if (!sched_getaffinity(0, sizeof(set), &set)) {
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &set))
				continue;
			if (b->ncpus == 0)
				b->tx_cpu = b->rx_cpu = cpu;
			else if (b->ncpus == 1)
				b->rx_cpu = cpu;
			b->ncpus++;
		}
	}
	if (b->want_cpus) {
		b->tx_cpu = b->want_tx;
		b->rx_cpu = b->want_rx;
	}
	pin_to_cpu(b->tx_cpu);

	if (b->no_mbox) {
		b->ring_status = "ring: not measured (--no-mbox)";
		goto anchors;
	}
	err = mbox_version(&v);
	if (err) {
		fprintf(stderr, "mbox-bench: %s: %s (is the module loaded?)\n",
			MBOX_DEVICE_PATH, strerror(-err));
		exit(2);
	}
	b->features = v.features;
	b->ring_status = "ring: not available in this build";
#ifdef MBOX_FEAT_RING_SEG
	if (mbox_ring_built() && !(v.features & MBOX_FEAT_RING_SEG))
		b->ring_status = "ring: not available in this build (the loaded module lacks MBOX_FEAT_RING_SEG)";
	else if (mbox_ring_built())
		b->ring_status = NULL;
#endif

anchors:
	/* POSIX mq: let a queue be as deep as the others (root only). */
	if (mt_read_ll("/proc/sys/fs/mqueue", "msg_max") < (long long)b->depth) {
		snprintf(buf, sizeof(buf), "%u", b->depth);
		mt_write_file("/proc/sys/fs/mqueue/msg_max", buf);
	}
	setrlimit(RLIMIT_MSGQUEUE, &unlimited);
}

/* ---------------------------------------------------------------- output */

static int smoke_tap(const struct bench *b)
{
	int i, n = 0, bad = 0, m, metrics;
	const struct case_res *c;
	const struct memory_result *mr = &b->mem;
	bool ok;
	double v;

	printf("1..%d\n", b->ncases + (b->skip_memory ? 0 : 1));
	for (i = 0; i < b->ncases; i++) {
		c = &b->cases[i];
		n++;
		if (c->skipped) {
			printf("ok %d %s # SKIP %s\n", n, case_title(c),
			       c->skipped);
			continue;
		}
		metrics = c->kind == K_SCALE || c->kind == K_LIFECYCLE ? 1 : 2;
		ok = !c->failed && !c->errors;
		for (m = 0; m < metrics; m++) {
			v = case_median(c, m);
			if (!isfinite(v) || v <= 0)
				ok = false;
		}
		if (!ok)
			bad++;
		printf("%s %d %s: %g%s%s\n", ok ? "ok" : "not ok", n,
		       case_title(c), case_median(c, 0),
		       c->failed ? " - " : "", c->failed ? c->why : "");
	}
	if (!b->skip_memory) {
		ok = b->mem_done && !mr->error && mr->slab_per_mbox > 0 &&
		     mr->create_rate > 0 && mr->destroy_rate > 0 &&
		     isfinite(mr->create_rate) && isfinite(mr->destroy_rate);
		if (!ok)
			bad++;
		printf("%s %d memory: %lu mailboxes, %ld B each, residual %ld B%s%s\n",
		       ok ? "ok" : "not ok", ++n, mr->n, mr->slab_per_mbox,
		       mr->residual_slab, mr->error ? " - " : "",
		       mr->error ? mr->error_what : "");
	}
	return bad;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mbox-bench [--smoke] [--out DIR] [--reps N] [--time F]\n"
		"                  [--depth N] [--batch N] [--mailboxes N]\n"
		"                  [--only NAME[,NAME...]] [--skip-scale] [--skip-memory]\n"
		"                  [--no-mbox] [--cpus TX,RX] [--senders N[,N...]]\n"
		"  --smoke        every case briefly, once; TAP output; no speed asserted\n"
		"  --out DIR      write results.txt, results.csv and plot data there\n"
		"  --reps N       repetitions of each case (default 5, at most %d)\n"
		"  --time F       scale every measuring time by F (default 1)\n"
		"  --depth N      queue length where one can be chosen (default 64)\n"
		"  --batch N      messages per batch call (default 32)\n"
		"  --mailboxes N  mailboxes alive at once for the memory figure (default 100000)\n"
		"  --only LIST    only these mechanisms (pipe, mbox-bounded, ...), kinds\n"
		"                 (pingpong, pingpong-1cpu, stream, scale, lifecycle, memory)\n"
		"                 or KIND:MECHANISM pairs\n"
		"  --no-mbox      only the other mechanisms (no module needed)\n"
		"  --cpus TX,RX   the CPUs for senders and receivers (default: the first two)\n"
		"  --senders LIST the scaling cases (default 1,2,4,8,16,32,64)\n",
		MAX_REPS);
	exit(2);
}

/* --senders 1,64: the scaling cases to run, each 1..SCALE_MAX. */
static void parse_senders(const char *arg)
{
	unsigned int n = 0;
	const char *p = arg;
	char *end;
	unsigned long v;

	while (*p) {
		v = strtoul(p, &end, 10);
		if (end == p || !v || v > SCALE_MAX ||
		    n + 1 >= sizeof(opt_senders) / sizeof(opt_senders[0]))
			usage();
		opt_senders[n++] = (unsigned int)v;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			usage();
	}
	if (!n)
		usage();
	opt_senders[n] = 0;
	g_senders = opt_senders;
}

static void parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "smoke", no_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "reps", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "depth", required_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'b' },
		{ "mailboxes", required_argument, NULL, 'm' },
		{ "only", required_argument, NULL, 'O' },
		{ "skip-scale", no_argument, NULL, 'S' },
		{ "skip-memory", no_argument, NULL, 'M' },
		{ "no-mbox", no_argument, NULL, 'N' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "senders", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double scale = 1;
	int o;

	b->reps = 5;
	b->scale_reps = 5;
	b->depth = 64;
	b->batch = 32;
	b->mailboxes = 100000;
	b->mem_cycles = 3;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			b->smoke = true;
			break;
		case 'o':
			b->out_dir = optarg;
			break;
		case 'r':
			b->reps = atoi(optarg);
			break;
		case 't':
			scale = atof(optarg);
			break;
		case 'd':
			b->depth = (unsigned int)atoi(optarg);
			break;
		case 'b':
			b->batch = (unsigned int)atoi(optarg);
			break;
		case 'm':
			b->mailboxes = strtoul(optarg, NULL, 0);
			break;
		case 'O':
			b->only = optarg;
			break;
		case 'S':
			b->skip_scale = true;
			break;
		case 'M':
			b->skip_memory = true;
			break;
		case 'C':
			if (sscanf(optarg, "%d,%d", &b->want_tx, &b->want_rx) != 2)
				usage();
			b->want_cpus = true;
			break;
		case 'n':
			parse_senders(optarg);
			break;
		case 'N':
			b->no_mbox = true;
			b->skip_memory = true;
			b->skip_scale = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || b->reps < 1 || b->reps > MAX_REPS ||
	    !(scale > 0) || b->depth < 1 || b->batch < 1 ||
	    b->batch > MBOX_BATCH_MAX || b->mailboxes < 1)
		usage();
	b->pp_time = 0.3;
	b->st_time = 0.3;
	b->scale_time = 0.3;
	b->warm_time = 0.05;
	b->lc_time = 0.2;
	if (b->smoke) {
		b->reps = 1;
		b->scale_reps = 1;
		b->pp_time = b->st_time = b->scale_time = 0.02;
		b->warm_time = 0.005;
		b->lc_time = 0.01;
		b->mailboxes = b->mailboxes < 2000 ? b->mailboxes : 2000;
		b->mem_cycles = 1;
		if (g_senders != opt_senders)
			g_senders = smoke_senders;
	}
	b->pp_time *= scale;
	b->st_time *= scale;
	b->scale_time *= scale;
	b->warm_time *= scale;
	b->lc_time *= scale;
	if (b->scale_reps > b->reps)
		b->scale_reps = b->reps;
}

/* The table goes to stdout (as TAP comments with --smoke) and results.txt. */
static void print_report(const struct bench *b)
{
	char *text = NULL, *line, *save;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char path[4096];

	if (!f)
		return;
	report_text(f, b);
	fclose(f);
	if (b->smoke) {
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("# %s\n", line);
	} else {
		fputs(text, stdout);
	}
	if (b->out_dir) {
		snprintf(path, sizeof(path), "%s/results.txt", b->out_dir);
		f = fopen(path, "w");
		if (f) {
			report_text(f, b);
			fclose(f);
		}
	}
	free(text);
}

int main(int argc, char **argv)
{
	static struct bench b;
	uint64_t t0 = now_ns();
	int rep, i, bad = 0;
	char path[4096];

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(&b, argc, argv);
	if (b.out_dir && mkdir(b.out_dir, 0755) && errno != EEXIST) {
		perror(b.out_dir);
		return 2;
	}
	g_sh = mmap(NULL, sizeof(*g_sh), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_sh == MAP_FAILED) {
		perror("mbox-bench: mmap");
		return 2;
	}
	watchdog_install();
	prepare_machine(&b);
	build_plan(&b);
	if (b.smoke)
		printf("TAP version 13\n");

	for (rep = 0; rep < b.reps; rep++) {
		for (i = 0; i < b.ncases; i++) {
			struct case_res *c = &b.cases[i];

			if (c->skipped)
				continue;
			if (c->kind == K_SCALE && rep >= b.scale_reps)
				continue;
			run_case(&b, c, rep);
		}
	}
	if (!b.skip_memory && selected(&b, "memory", "memory")) {
		fprintf(stderr, "mbox-bench: memory: %lu mailboxes, %d cycles\n",
			b.mailboxes, b.mem_cycles);
		g_abort = 0;
		alarm(10 * WATCHDOG_S);
		memory_measure(b.mailboxes, b.mem_cycles, &b.mem);
		alarm(0);
		b.mem_done = true;
	} else {
		b.skip_memory = true;
	}
	b.wall = (double)(now_ns() - t0) / 1e9;

	print_report(&b);
	if (b.out_dir) {
		snprintf(path, sizeof(path), "%s/results.csv", b.out_dir);
		if (report_csv(&b, path))
			bad++;
		if (report_plot_data(&b, b.out_dir))
			bad++;
	}
	if (b.smoke)
		bad += smoke_tap(&b);
	else
		for (i = 0; i < b.ncases; i++)
			bad += b.cases[i].failed || b.cases[i].errors;
	return bad ? 1 : 0;
}
