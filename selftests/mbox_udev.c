// SPDX-License-Identifier: GPL-2.0
/*
 * The installed udev rule (packaging/udev/60-mbox.rules) applied by a real
 * systemd-udevd: /dev/mbox becomes group mbox, mode 0660, so that only
 * members of that group (and root) may use mailboxes; without the rule the
 * module's own root-only 0600 stays.
 *
 * Each test starts its own udevd in a private mount namespace, with the
 * rule (or not) in /run/udev/rules.d and a group "mbox" added to a copy of
 * /etc/group bind-mounted over the original, replays the device's "add"
 * event through /sys/class/misc/mbox/uevent, and stops its udevd.  The
 * setup first puts /dev/mbox back to the module's root:root 0600 (a test
 * guest widens it as the rule would, see tools/scripts/vm/run) so that the rule's
 * effect shows; the teardown restores what it found.  Needs root and
 * systemd-udevd; skipped otherwise.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#define MBOX_GID	4242
/*
 * udevd loads its whole rule set and a 13 MB hwdb when it starts: in an
 * emulated guest on a busy host that can take many seconds.
 */
#define UDEV_WAIT_MS	90000
#define TEST_TIMEOUT_S	240
#define RUN_DIR		"/run/mbox-udev-test"
#define RULES_DIR	"/run/udev/rules.d"
#define RULE_NAME	"60-mbox.rules"

static const char *const udevd_paths[] = {
	"/lib/systemd/systemd-udevd", "/usr/lib/systemd/systemd-udevd",
};

static const char *udevd_path(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(udevd_paths); i++)
		if (access(udevd_paths[i], X_OK) == 0)
			return udevd_paths[i];
	return NULL;
}

/* The rule in the source tree: <repo>/build/selftests/<this> -> <repo>. */
static int rule_source(char *path, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	snprintf(path, size, "%s/../../packaging/udev/" RULE_NAME,
		 dirname(exe));
	return access(path, R_OK) ? -errno : 0;
}

static int copy_file(const char *from, const char *to, const char *append)
{
	char buf[4096];
	int in, out, ret = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			ret = -EIO;
	if (n < 0)
		ret = -errno;
	if (append && write(out, append, strlen(append)) != (ssize_t)strlen(append))
		ret = -EIO;
	close(in);
	close(out);
	return ret;
}

/* Polls until /dev/mbox has @gid and @mode; 0, or -ETIMEDOUT. */
static int wait_dev(gid_t gid, mode_t mode, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
	struct stat st;

	for (;;) {
		if (stat(MBOX_DEVICE_PATH, &st) == 0 && st.st_gid == gid &&
		    (st.st_mode & 07777) == mode)
			return 0;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		sleep_ms(5);
	}
}

/*
 * In a child with its own mount namespace: /etc/group with group mbox, the
 * rule installed if @with_rule, a fresh udevd, the "add" event replayed;
 * waits until udevd has processed it (it then writes the device's record
 * in /run/udev/data), then stops udevd.  Returns 0 or -errno.
 */
static int run_udev(bool with_rule, const char *rule)
{
	char line[64], record[64];
	uint64_t deadline;
	struct stat st;
	pid_t udevd;
	int status, ret;

	if (stat(MBOX_DEVICE_PATH, &st) < 0)
		return -errno;
	snprintf(record, sizeof(record), "/run/udev/data/c%u:%u",
		 major(st.st_rdev), minor(st.st_rdev));
	unlink(record);
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	snprintf(line, sizeof(line), "mbox:x:%d:\n", MBOX_GID);
	ret = copy_file("/etc/group", RUN_DIR "/group", line);
	if (ret)
		return ret;
	if (mount(RUN_DIR "/group", "/etc/group", NULL, MS_BIND, NULL) < 0)
		return -errno;
	unlink(RULES_DIR "/" RULE_NAME);
	if (with_rule) {
		ret = copy_file(rule, RULES_DIR "/" RULE_NAME, NULL);
		if (ret)
			return ret;
	}

	udevd = fork();
	if (udevd < 0)
		return -errno;
	if (udevd == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(udevd_path(), "systemd-udevd", (char *)NULL);
		_exit(127);
	}
	/* udevd listens once its control socket exists. */
	deadline = now_ns() + UDEV_WAIT_MS * NSEC_PER_MSEC;
	while (access("/run/udev/control", F_OK) && now_ns() < deadline)
		sleep_ms(5);
	ret = access("/run/udev/control", F_OK) ? -ETIMEDOUT : 0;
	/*
	 * The control socket may exist before udevd listens to the kernel's
	 * uevents: an event sent too early is lost, so it is sent again every
	 * second until processed (each replay applies the same rules).
	 */
	for (int i = 0; !ret && access(record, F_OK); i++) {
		if (i % 200 == 0)
			ret = mt_write_file("/sys/class/misc/mbox/uevent", "add");
		if (now_ns() > deadline)
			ret = -ETIMEDOUT;
		sleep_ms(5);
	}
	kill(udevd, SIGTERM);
	if (waitpid(udevd, &status, 0) != udevd && !ret)
		ret = -ECHILD;
	/* Ours is gone: the next test must not take it for a running udevd. */
	unlink("/run/udev/control");
	unlink(RULES_DIR "/" RULE_NAME);
	return ret;
}

FIXTURE(udev) {
	char rule[PATH_MAX];
	struct stat saved;
};

/* Before 6.4, kselftest_harness.h runs the test even after a SKIP in setup. */
#define RETURN_IF_SKIPPED() do { if (_metadata->skip) return; } while (0)

/* Runs run_udev() in a child (it changes its mount namespace). */
static int udev_child(bool with_rule, const char *rule)
{
	pid_t child = fork_child();

	if (child < 0)
		return -errno;
	if (child == 0)
		child_exit(run_udev(with_rule, rule));
	return child_wait_ms(child, UDEV_WAIT_MS + 30000);
}

FIXTURE_SETUP(udev)
{
	self->rule[0] = '\0';
	if (geteuid() != 0)
		SKIP(return, "starting udevd needs root");
	if (!udevd_path())
		SKIP(return, "no systemd-udevd");
	if (access("/run/udev/control", F_OK) == 0)
		SKIP(return, "a udevd is already running here");
	ASSERT_EQ(0, rule_source(self->rule, sizeof(self->rule)))
		TH_LOG("packaging/udev/" RULE_NAME " not found from the test binary");
	ASSERT_EQ(0, mkdir(RUN_DIR, 0755) && errno != EEXIST ? -errno : 0);
	ASSERT_EQ(0, mkdir("/run/udev", 0755) && errno != EEXIST ? -errno : 0);
	ASSERT_EQ(0, mkdir(RULES_DIR, 0755) && errno != EEXIST ? -errno : 0);
	ASSERT_EQ(0, stat(MBOX_DEVICE_PATH, &self->saved));
	/* The module's own default, as if it had just been loaded. */
	ASSERT_EQ(0, chown(MBOX_DEVICE_PATH, 0, 0));
	ASSERT_EQ(0, chmod(MBOX_DEVICE_PATH, 0600));
}

FIXTURE_TEARDOWN(udev)
{
	reap_children();
	/* A skipped test changed nothing (and a real udevd owns the node). */
	if (_metadata->skip)
		return;
	/* As found, for the suites that follow. */
	EXPECT_EQ(0, chown(MBOX_DEVICE_PATH, self->saved.st_uid,
			   self->saved.st_gid));
	EXPECT_EQ(0, chmod(MBOX_DEVICE_PATH, self->saved.st_mode & 07777));
}

TEST_F_TIMEOUT(udev, rule_makes_dev_mbox_group_mbox_mode_0660, TEST_TIMEOUT_S)
{
	struct stat st;

	RETURN_IF_SKIPPED();
	ASSERT_EQ(0, udev_child(true, self->rule));
	ASSERT_EQ(0, stat(MBOX_DEVICE_PATH, &st));
	EXPECT_EQ(MBOX_GID, st.st_gid);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0660, st.st_mode & 07777);
}

TEST_F_TIMEOUT(udev, with_the_rule_only_group_members_open_the_device, TEST_TIMEOUT_S)
{
	pid_t child;

	RETURN_IF_SKIPPED();
	ASSERT_EQ(0, udev_child(true, self->rule));
	ASSERT_EQ(0, wait_dev(MBOX_GID, 0660, 1000));

	/* nobody, outside the group: refused. */
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		int ret = 0;

		if (setgroups(0, NULL) < 0 ||
		    setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0 ||
		    setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0)
			child_exit(-errno);
		ret = dev_open();
		child_exit(ret < 0 ? ret : 0);
	}
	EXPECT_EQ(-EACCES, child_wait(child));

	/* nobody with the mbox group as a supplementary group: allowed. */
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		gid_t groups[1] = { MBOX_GID };
		int ret = 0;

		if (setgroups(1, groups) < 0 ||
		    setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0 ||
		    setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0)
			child_exit(-errno);
		ret = dev_open();
		child_exit(ret < 0 ? ret : 0);
	}
	EXPECT_EQ(0, child_wait(child));
}

TEST_F_TIMEOUT(udev, without_the_rule_the_module_default_0600_stays, TEST_TIMEOUT_S)
{
	struct stat st;

	RETURN_IF_SKIPPED();
	ASSERT_EQ(0, udev_child(false, self->rule));
	ASSERT_EQ(0, stat(MBOX_DEVICE_PATH, &st));
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(0600, st.st_mode & 07777);
}

TEST_HARNESS_MAIN
