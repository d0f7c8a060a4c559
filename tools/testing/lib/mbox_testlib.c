// SPDX-License-Identifier: GPL-2.0
/*
 * mbox_testlib: see mbox_testlib.h.
 */
#define _GNU_SOURCE
#include "mbox_testlib.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------ files and descriptors */

int mt_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

long long mt_read_ll(const char *dir, const char *file)
{
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int mt_poll_one(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ret;

	do {
		ret = poll(&p, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	return ret ? p.revents : 0;
}

/* ---------------------------------------------------- module parameters */

const char *const mt_param_names[MT_NPARAMS] = {
	"msg_size_max", "capacity_max", "user_bytes_max", "user_mailboxes_max",
	"user_persistent_max", "unbounded_bytes_default",
};

int mt_param_read(const char *name, unsigned long long *val)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), MT_PARAM_DIR "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", val) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

int mt_param_write_str(const char *name, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), MT_PARAM_DIR "%s", name);
	return mt_write_file(path, text);
}

int mt_param_write(const char *name, unsigned long long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu\n", val);
	return mt_param_write_str(name, buf);
}

void mt_params_save(struct mt_params *p)
{
	for (size_t i = 0; i < MT_NPARAMS; i++)
		p->have[i] = mt_param_read(mt_param_names[i], &p->value[i]) == 0;
}

int mt_params_restore(const struct mt_params *p)
{
	int ret = 0, err;

	for (size_t i = 0; i < MT_NPARAMS; i++) {
		unsigned long long now;

		if (!p->have[i] || mt_param_read(mt_param_names[i], &now) ||
		    now == p->value[i])
			continue;
		err = mt_param_write(mt_param_names[i], p->value[i]);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

int mt_params_saved(const struct mt_params *p, const char *name,
		    unsigned long long *val)
{
	for (size_t i = 0; i < MT_NPARAMS; i++) {
		if (strcmp(mt_param_names[i], name))
			continue;
		if (!p->have[i])
			return -ENOENT;
		*val = p->value[i];
		return 0;
	}
	return -ENOENT;
}

/* ----------------------------------------------------- userfaultfd stall */

int mt_uffd_page_setup(struct mt_uffd_page *u)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;

	u->page = NULL;
	u->size = (size_t)sysconf(_SC_PAGESIZE);
	u->fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u->fd < 0)
		return -errno;
	if (ioctl(u->fd, UFFDIO_API, &api))
		return -errno;
	u->page = mmap(NULL, u->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->page == MAP_FAILED) {
		u->page = NULL;
		return -errno;
	}
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)u->page;
	reg.range.len = u->size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(u->fd, UFFDIO_REGISTER, &reg))
		return -errno;
	return 0;
}

int mt_uffd_wait_fault(struct mt_uffd_page *u, int timeout_ms)
{
	struct uffd_msg msg;
	int ret = mt_poll_one(u->fd, POLLIN, timeout_ms);

	if (ret < 0)
		return ret;
	if (!(ret & POLLIN))
		return -ETIMEDOUT;
	if (read(u->fd, &msg, sizeof(msg)) != sizeof(msg))
		return -EIO;
	if (msg.event != UFFD_EVENT_PAGEFAULT ||
	    msg.arg.pagefault.address - (uintptr_t)u->page >= u->size)
		return -EPROTO;
	return 0;
}

int mt_uffd_release(struct mt_uffd_page *u)
{
	struct uffdio_copy copy;
	char *src = malloc(u->size);
	int ret = 0;

	if (!src)
		return -ENOMEM;
	memset(src, 0x5a, u->size);
	memset(&copy, 0, sizeof(copy));
	copy.dst = (uintptr_t)u->page;
	copy.src = (uintptr_t)src;
	copy.len = u->size;
	if (ioctl(u->fd, UFFDIO_COPY, &copy))
		ret = -errno;
	free(src);
	return ret;
}

void mt_uffd_page_free(struct mt_uffd_page *u)
{
	if (u->fd >= 0)
		close(u->fd);
	if (u->page)
		munmap(u->page, u->size);
	u->fd = -1;
	u->page = NULL;
}

/* ----------------------------------------------------- memory cgroup */

int mt_memcg_make(struct mt_memcg *cg, const char *tag, const char **why)
{
	char path[256];

	cg->mounted = false;
	cg->dir[0] = 0;
	if (geteuid() != 0) {
		*why = "needs root to make a memory cgroup";
		return -EPERM;
	}
	snprintf(cg->root, sizeof(cg->root), "/sys/fs/cgroup");
	snprintf(path, sizeof(path), "%s/cgroup.controllers", cg->root);
	if (access(path, F_OK)) {
		snprintf(cg->root, sizeof(cg->root), "/tmp/%s-cg.%d", tag,
			 getpid());
		if (mkdir(cg->root, 0755) ||
		    mount("none", cg->root, "cgroup2", 0, NULL)) {
			*why = "cannot mount cgroup2";
			return -errno;
		}
		cg->mounted = true;
	}
	/* Fails harmlessly where the controller is on already. */
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cg->root);
	mt_write_file(path, "+memory");
	snprintf(cg->dir, sizeof(cg->dir), "%s/%s.%d", cg->root, tag, getpid());
	if (mkdir(cg->dir, 0755)) {
		cg->dir[0] = 0;
		*why = "cannot make a cgroup";
		return -errno;
	}
	if (mt_read_ll(cg->dir, "memory.current") < 0) {
		*why = "no memory controller";
		return -ENOENT;
	}
	return 0;
}

void mt_memcg_remove(struct mt_memcg *cg)
{
	if (cg->dir[0])
		rmdir(cg->dir);
	cg->dir[0] = 0;
	if (cg->mounted) {
		umount(cg->root);
		rmdir(cg->root);
	}
	cg->mounted = false;
}

int mt_memcg_enter(const struct mt_memcg *cg)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->dir);
	return mt_write_file(path, "0");
}

long long mt_memcg_read(const struct mt_memcg *cg, const char *file)
{
	return mt_read_ll(cg->dir, file);
}

/* ------------------------------------------ stress and fuzz: randomness */

uint64_t mt_rng_state;

uint64_t mt_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t mt_rnd(void)
{
	return mt_splitmix(&mt_rng_state);
}

uint32_t mt_rnd_below(uint32_t n)
{
	return n ? (uint32_t)(mt_rnd() % n) : 0;
}

bool mt_chance(unsigned int percent)
{
	return mt_rnd_below(100) < percent;
}

uint64_t mt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void mt_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrx(2, fmt, ap);
}

void mt_print_kernel_stack(const char *prefix, int pid)
{
	char path[64], buf[2048];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	fprintf(stderr, "%s pid %d kernel stack:\n%s", prefix, pid, buf);
}

/* --------------------------------------- stress and fuzz: violations */

void mt_vreport(struct mt_reports *r, const char *prog, const char *prefix,
		const char *fmt, va_list ap)
{
	char msg[MT_REPORT_LEN];
	uint32_t i;
	int n;

	n = snprintf(msg, sizeof(msg), "%s: ", prefix);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	atomic_fetch_add(&r->violations, 1);
	i = atomic_fetch_add(&r->nreports, 1);
	if (i < MT_MAX_REPORTS)
		memcpy(r->text[i], msg, sizeof(msg));
	fprintf(stderr, "%s: VIOLATION: %s\n", prog, msg);
}

uint32_t mt_reports_print(const struct mt_reports *r, const char *prog)
{
	uint32_t n = atomic_load(&r->nreports);

	if (n > MT_MAX_REPORTS)
		n = MT_MAX_REPORTS;
	for (uint32_t i = 0; i < n; i++)
		printf("%s:   %s\n", prog, r->text[i]);
	return n;
}
