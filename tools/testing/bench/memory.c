// SPDX-License-Identifier: GPL-2.0
/*
 * What a mailbox costs to have: create/destroy rates (with the other
 * mechanisms' create/destroy for reference) and the kernel memory one idle
 * mailbox holds, from /proc/meminfo and /proc/slabinfo deltas with many
 * mailboxes alive at once.
 *
 * The mailboxes are created in a child process: the descriptor table it
 * grows to hold them is freed when it exits, so what is left afterwards is
 * what the module did not give back.  Before each reading, freed objects
 * are given time to leave (RCU) and SLUB is asked to release empty slabs
 * (/sys/kernel/slab/<cache>/shrink), so that "no growth left" compares
 * like with like.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "bench.h"
#include "mbox_testlib.h"
#include <mbox/mbox.h>

/*
 * A bounded mailbox reserves its worst case (capacity x the charge of a
 * full message) from its creator's user_bytes_max at create: 16 x 64 B
 * costs 16 x 192 B today.  Twice that leaves room for a larger struct.
 */
#define BYTES_PER_MAILBOX (16UL * 384)

/* ------------------------------------------------------------ lifecycle */

static int one_lifecycle(const char *what)
{
	static unsigned int serial;
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(16, 64);
	struct mq_attr mqa = { .mq_maxmsg = 8, .mq_msgsize = 64 };
	char name[64];
	int fds[2], fd, id;
	mqd_t mq;

	if (!strcmp(what, "mbox")) {
		fd = mbox_create(&attr, NULL, NULL);
		if (fd < 0)
			return fd;
		close(fd);
	} else if (!strcmp(what, "pipe")) {
		if (pipe2(fds, O_CLOEXEC))
			return -errno;
		close(fds[0]);
		close(fds[1]);
	} else if (!strcmp(what, "unix")) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds))
			return -errno;
		close(fds[0]);
		close(fds[1]);
	} else if (!strcmp(what, "posix-mq")) {
		snprintf(name, sizeof(name), "/mbox-bench-lc.%d.%u",
			 (int)getpid(), serial++);
		mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600,
			     &mqa);
		if (mq == (mqd_t)-1)
			return -errno;
		mq_unlink(name);
		mq_close(mq);
	} else if (!strcmp(what, "sysv")) {
		id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (id < 0)
			return -errno;
		if (msgctl(id, IPC_RMID, NULL))
			return -errno;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* Create+destroy pairs per second of @what, over about @seconds. */
int lifecycle_rate(const char *what, double seconds, double *rate)
{
	uint64_t t0 = now_ns(), t = t0, limit = (uint64_t)(seconds * 1e9);
	unsigned long n = 0;
	int err;

	do {
		err = one_lifecycle(what);
		if (err)
			return err;
		if (g_abort)
			return -EINTR;
		if (++n % 16 == 0)
			t = now_ns();
	} while (t - t0 < limit);
	t = now_ns();
	*rate = (double)n * 1e9 / (double)(t - t0);
	return 0;
}

/* --------------------------------------------------------------- memory */

struct meminfo {
	long slab;		/* bytes */
	long sunreclaim;
};

static int read_meminfo(struct meminfo *m)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char key[64];
	long kb;
	int found = 0;

	if (!f)
		return -errno;
	memset(m, 0, sizeof(*m));
	while (fscanf(f, "%63s %ld%*[^\n]", key, &kb) == 2) {
		if (!strcmp(key, "Slab:"))
			m->slab = kb * 1024, found++;
		else if (!strcmp(key, "SUnreclaim:"))
			m->sunreclaim = kb * 1024, found++;
	}
	fclose(f);
	return found == 2 ? 0 : -ENODATA;
}

#define MAX_CACHES 512

struct slab_snap {
	int n;
	char name[MAX_CACHES][64];
	long bytes[MAX_CACHES];
	long objs[MAX_CACHES];		/* active objects */
};

/* Bytes of slab pages per cache (num_slabs * pagesperslab * page size). */
static int read_slabinfo(struct slab_snap *s)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	long page = sysconf(_SC_PAGESIZE);
	char line[512], name[64];
	long ppslab, nslabs, active;

	s->n = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && s->n < MAX_CACHES) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld %*d %*d %*d %ld : tunables %*d %*d %*d : slabdata %*d %ld",
			   name, &active, &ppslab, &nslabs) != 4)
			continue;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
		s->bytes[s->n] = nslabs * ppslab * page;
		s->objs[s->n] = active;
		s->n++;
	}
	fclose(f);
	return 0;
}

/* Asks SLUB to free the empty slabs it keeps around, in every cache. */
static void shrink_slabs(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	char path[512];
	int fd;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 e->d_name);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, "1", 1) < 0) {
			/* Not every cache can be shrunk: nothing to do. */
		}
		close(fd);
	}
	closedir(d);
}

/*
 * Lets RCU-deferred frees (kfree_rcu() of mailboxes) finish - two grace
 * periods through membarrier(MEMBARRIER_CMD_GLOBAL), which waits for one,
 * then until Slab stops changing for three readings in a row, at most about
 * 5 s - then releases empty slabs and reads.
 */
static int settle(struct meminfo *m)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	long last = -1;
	int err, same = 0, i;

	for (i = 0; i < 2; i++) {
		syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
		nanosleep(&ts, NULL);
	}

	for (i = 0; i < 50 && same < 3; i++) {
		err = read_meminfo(m);
		if (err)
			return err;
		same = m->slab == last ? same + 1 : 0;
		last = m->slab;
		nanosleep(&ts, NULL);
	}
	shrink_slabs();
	return read_meminfo(m);
}

static long snap_objs(const struct slab_snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->objs[i];
	return 0;
}

static void top_growth(const struct slab_snap *a, const struct slab_snap *b,
		       struct memory_result *res)
{
	long best[4] = { 0 };
	int i, j, k, idx[4] = { -1, -1, -1, -1 };
	long d;

	for (i = 0; i < b->n; i++) {
		d = b->bytes[i];
		for (j = 0; j < a->n; j++)
			if (!strcmp(a->name[j], b->name[i])) {
				d -= a->bytes[j];
				break;
			}
		for (k = 0; k < 4; k++)
			if (d > best[k]) {
				memmove(&best[k + 1], &best[k],
					(3 - k) * sizeof(best[0]));
				memmove(&idx[k + 1], &idx[k],
					(3 - k) * sizeof(idx[0]));
				best[k] = d;
				idx[k] = i;
				break;
			}
	}
	res->ntop = 0;
	for (k = 0; k < 4 && idx[k] >= 0; k++) {
		snprintf(res->top_caches[k], sizeof(res->top_caches[k]), "%s",
			 b->name[idx[k]]);
		res->top_bytes[k] = best[k];
		res->top_objs[k] = b->objs[idx[k]] - snap_objs(a, b->name[idx[k]]);
		res->ntop++;
	}
}

static void fail_step(struct memory_result *res, int err, const char *what)
{
	res->error = err;
	snprintf(res->error_what, sizeof(res->error_what), "%s", what);
}

/* The child: create and destroy @n mailboxes @cycles times, measuring. */
static void memory_child(unsigned long n, int cycles,
			 struct memory_result *res)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(16, 64);
	static struct slab_snap s0, s1, s2;
	struct meminfo m0, m1, m2;
	uint64_t t0, t1;
	unsigned long i, made;
	int *fds, err = 0, cyc;

	fds = calloc(n, sizeof(*fds));
	if (!fds) {
		fail_step(res, -ENOMEM, "calloc");
		return;
	}
	err = settle(&m0);
	if (!err)
		err = read_slabinfo(&s0);
	if (err) {
		fail_step(res, err, "reading /proc/meminfo, /proc/slabinfo");
		goto out;
	}
	for (cyc = 0; cyc < cycles && cyc < 4; cyc++) {
		t0 = now_ns();
		for (made = 0; made < n; made++) {
			fds[made] = mbox_create(&attr, NULL, NULL);
			if (fds[made] < 0) {
				err = fds[made];
				break;
			}
		}
		t1 = now_ns();
		if (!err && cyc == 0) {
			res->create_rate = (double)n * 1e9 / (double)(t1 - t0);
			if (read_meminfo(&m1) || read_slabinfo(&s1)) {
				err = -ENODATA;
			} else {
				res->alive_slab = m1.slab - m0.slab;
				res->slab_per_mbox = res->alive_slab / (long)n;
				res->sunreclaim_per_mbox =
					(m1.sunreclaim - m0.sunreclaim) / (long)n;
				top_growth(&s0, &s1, res);
			}
		}
		t0 = now_ns();
		for (i = 0; i < made; i++)
			close(fds[i]);
		t1 = now_ns();
		if (err) {
			fail_step(res, err, "creating mailboxes");
			goto out;
		}
		if (cyc == 0)
			res->destroy_rate = (double)n * 1e9 / (double)(t1 - t0);
		err = settle(&m2);
		if (err) {
			fail_step(res, err, "reading /proc/meminfo");
			goto out;
		}
		res->cycle_residual[cyc] = m2.slab - m0.slab;
		res->residual_slab = m2.slab - m0.slab;
		res->cycles = cyc + 1;
		/* Objects, not pages: what a leak would leave behind. */
		if (!read_slabinfo(&s2))
			for (i = 0; i < (unsigned long)res->ntop; i++)
				res->top_resid_objs[i] =
					snap_objs(&s2, res->top_caches[i]) -
					snap_objs(&s0, res->top_caches[i]);
	}
out:
	free(fds);
}

/*
 * Raises the module parameter @name to at least @want where it can be read
 * and is lower; 0 or -EPERM.
 */
static int raise_param(const char *name, unsigned long long want)
{
	unsigned long long now;

	if (mt_param_read(name, &now) || now >= want)
		return 0;
	return mt_param_write(name, want) ? -EPERM : 0;
}

/*
 * Raises the limits that stand between us and @n mailboxes; 0 or -errno.
 * The caller saved the module parameters before (mt_params_save()) and
 * puts them back after, whatever happened.
 */
static int raise_limits(unsigned long n)
{
	unsigned long bytes = (n + 64) * BYTES_PER_MAILBOX;
	struct rlimit rl;

	if (raise_param("user_mailboxes_max", n + 64) ||
	    raise_param("user_bytes_max", bytes))
		return -EPERM;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur < n + 64) {
		rl.rlim_cur = n + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			return -errno;
	}
	return 0;
}

int memory_measure(unsigned long n, int cycles, struct memory_result *out)
{
	static struct slab_snap s_before, s_after;
	struct memory_result *res;
	struct meminfo before, after;
	struct mt_params saved;
	int i;
	pid_t pid;
	int err, status;

	memset(out, 0, sizeof(*out));
	out->n = n;
	mt_params_save(&saved);
	err = raise_limits(n);
	if (err) {
		fail_step(out, err, "raising user_mailboxes_max/user_bytes_max/RLIMIT_NOFILE");
		goto restore;
	}
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		err = -errno;
		fail_step(out, err, "mapping the result page");
		goto restore;
	}
	memset(res, 0, sizeof(*res));
	res->n = n;
	err = settle(&before);
	if (!err)
		err = read_slabinfo(&s_before);
	if (err)
		goto out;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0) {
		memory_child(n, cycles, res);
		_exit(res->error ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR && !g_abort)
		;
	if (g_abort) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		err = -ETIMEDOUT;
		goto out;
	}
	err = settle(&after);
	if (err)
		goto out;
	res->residual_after_exit = after.slab - before.slab;
	if (!read_slabinfo(&s_after))
		for (i = 0; i < res->ntop; i++)
			res->top_exit_objs[i] =
				snap_objs(&s_after, res->top_caches[i]) -
				snap_objs(&s_before, res->top_caches[i]);
	if (!res->error && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		fail_step(res, -ECHILD, "the measuring process died");
	err = res->error;
out:
	*out = *res;
	if (err && !out->error)
		fail_step(out, err, "measuring");
	munmap(res, sizeof(*res));
restore:
	mt_params_restore(&saved);
	return err;
}
