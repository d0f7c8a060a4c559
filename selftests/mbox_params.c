// SPDX-License-Identifier: GPL-2.0
/*
 * mbox module parameters: present under /sys/module/mbox/parameters with
 * the defaults documented in mbox(4) and modprobe.d/mbox.conf, writable by
 * root only, and every out-of-range write refused with the value kept.
 * Every test puts back what it changed.
 */
#include "kselftest_harness.h"
#include "mbox_util.h"

/* Before 6.4, kselftest_harness.h runs the test even after a SKIP in setup. */
#define RETURN_IF_SKIPPED() do { if (_metadata->skip) return; } while (0)

#include <dirent.h>

/* The documented defaults (mbox(4), MODULE_PARM_DESC). */
#define DEF_MSG_SIZE_MAX	65536ULL
#define DEF_CAPACITY_MAX	65536ULL
#define DEF_USER_BYTES_MAX	67108864ULL
#define DEF_USER_MAILBOXES_MAX	4096ULL
#define DEF_USER_PERSISTENT_MAX	256ULL
#define DEF_UNBOUNDED_BYTES	1048576ULL

FIXTURE(params) {
	struct mt_params saved;
};

FIXTURE_SETUP(params)
{
	if (geteuid() != 0)
		SKIP(return, "writing module parameters needs root");
	mt_params_save(&self->saved);
}

FIXTURE_TEARDOWN(params)
{
	reap_children();
	EXPECT_EQ(0, mt_params_restore(&self->saved));
}

TEST_F(params, exactly_the_documented_parameters_exist_mode_0644)
{
	const char *found[8];
	struct dirent *d;
	struct stat st;
	char path[128];
	int n = 0;
	DIR *dir;

	RETURN_IF_SKIPPED();

	dir = opendir(PARAM_DIR);
	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		ASSERT_LT(n, 8);
		found[n++] = strdup(d->d_name);
	}
	closedir(dir);
	EXPECT_EQ(MT_NPARAMS, n);
	for (int i = 0; i < n; i++) {
		bool known = false;

		for (size_t j = 0; j < MT_NPARAMS; j++)
			known |= !strcmp(found[i], mt_param_names[j]);
		EXPECT_TRUE(known) TH_LOG("undocumented parameter %s", found[i]);
		snprintf(path, sizeof(path), PARAM_DIR "%s", found[i]);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_EQ(0644, st.st_mode & 07777) TH_LOG("%s", path);
		free((void *)found[i]);
	}
}

TEST_F(params, defaults_are_the_documented_values)
{
	static const unsigned long long want[MT_NPARAMS] = {
		DEF_MSG_SIZE_MAX, DEF_CAPACITY_MAX, DEF_USER_BYTES_MAX,
		DEF_USER_MAILBOXES_MAX, DEF_USER_PERSISTENT_MAX,
		DEF_UNBOUNDED_BYTES,
	};
	unsigned long long v;

	RETURN_IF_SKIPPED();

	for (size_t i = 0; i < MT_NPARAMS; i++) {
		ASSERT_EQ(0, param_read(mt_param_names[i], &v));
		EXPECT_EQ(want[i], v) TH_LOG("%s", mt_param_names[i]);
	}
}

TEST_F(params, version_reports_the_current_message_and_capacity_limits)
{
	struct mbox_version v;

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, param_write("capacity_max", 100));
	ASSERT_EQ(0, param_write("msg_size_max", 200));
	ASSERT_EQ(0, mbox_version(&v));
	EXPECT_EQ(100, v.max_capacity);
	EXPECT_EQ(200, v.max_msg_size);
}

TEST_F(params, lowered_capacity_max_refuses_a_larger_mailbox_einval)
{
	struct mbox_attr attr = MBOX_ATTR_BOUNDED(101, 64);
	int fd;

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, param_write("capacity_max", 100));
	EXPECT_EQ(-EINVAL, mbox_create(&attr, NULL, NULL));
	attr.capacity = 100;
	fd = mbox_create(&attr, NULL, NULL);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_F(params, unprivileged_write_is_refused_eacces)
{
	pid_t child = fork_child();

	RETURN_IF_SKIPPED();

	ASSERT_LE(0, child);
	if (child == 0) {
		int ret = drop_privileges();

		if (ret)
			child_exit(ret);
		child_exit(mt_param_write_str("capacity_max", "5\n"));
	}
	EXPECT_EQ(-EACCES, child_wait(child));
}

/* The four parameters with a range: below it, above it, at its ends. */
FIXTURE(range) {
	struct mt_params saved;
};

FIXTURE_VARIANT(range) {
	const char *name;
	unsigned long long min;
	unsigned long long max;
};

FIXTURE_VARIANT_ADD(range, msg_size_max) {
	.name = "msg_size_max", .min = 1, .max = 4194304,
};

FIXTURE_VARIANT_ADD(range, capacity_max) {
	.name = "capacity_max", .min = 1, .max = 1048576,
};

FIXTURE_VARIANT_ADD(range, user_mailboxes_max) {
	.name = "user_mailboxes_max", .min = 1, .max = 16777216,
};

FIXTURE_VARIANT_ADD(range, unbounded_bytes_default) {
	.name = "unbounded_bytes_default", .min = 1, .max = 1ULL << 40,
};

FIXTURE_SETUP(range)
{
	if (geteuid() != 0)
		SKIP(return, "writing module parameters needs root");
	mt_params_save(&self->saved);
}

FIXTURE_TEARDOWN(range)
{
	EXPECT_EQ(0, mt_params_restore(&self->saved));
}

TEST_F(range, value_below_the_range_is_refused_einval_and_kept)
{
	unsigned long long before, after;
	char text[32];

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, param_read(variant->name, &before));
	snprintf(text, sizeof(text), "%llu\n", variant->min - 1);
	EXPECT_EQ(-EINVAL, mt_param_write_str(variant->name, text));
	ASSERT_EQ(0, param_read(variant->name, &after));
	EXPECT_EQ(before, after);
}

TEST_F(range, value_above_the_range_is_refused_einval_and_kept)
{
	unsigned long long before, after;
	char text[32];

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, param_read(variant->name, &before));
	snprintf(text, sizeof(text), "%llu\n", variant->max + 1);
	EXPECT_EQ(-EINVAL, mt_param_write_str(variant->name, text));
	ASSERT_EQ(0, param_read(variant->name, &after));
	EXPECT_EQ(before, after);
}

TEST_F(range, both_ends_of_the_range_are_accepted)
{
	unsigned long long v;

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, param_write(variant->name, variant->min));
	ASSERT_EQ(0, param_read(variant->name, &v));
	EXPECT_EQ(variant->min, v);
	ASSERT_EQ(0, param_write(variant->name, variant->max));
	ASSERT_EQ(0, param_read(variant->name, &v));
	EXPECT_EQ(variant->max, v);
}

TEST_F(range, negative_or_non_numeric_values_are_refused_and_kept)
{
	static const char *const bad[] = { "-1\n", "many\n", "12abc\n", "\n" };
	unsigned long long before, after;

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, param_read(variant->name, &before));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, mt_param_write_str(variant->name, bad[i]))
			TH_LOG("%s <- '%s'", variant->name, bad[i]);
	}
	ASSERT_EQ(0, param_read(variant->name, &after));
	EXPECT_EQ(before, after);
}

/* user_bytes_max takes any unsigned long; only malformed text is refused. */
TEST_F(params, user_bytes_max_refuses_malformed_and_overflowing_values)
{
	static const struct {
		const char *text;
		int err;
	} bad[] = {
		{ "-1\n", -EINVAL },
		{ "lots\n", -EINVAL },
		{ "18446744073709551616\n", -ERANGE },
	};
	unsigned long long before, after;

	RETURN_IF_SKIPPED();

	ASSERT_EQ(0, param_read("user_bytes_max", &before));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(bad[i].err, mt_param_write_str("user_bytes_max",
						      bad[i].text))
			TH_LOG("user_bytes_max <- '%s'", bad[i].text);
	}
	ASSERT_EQ(0, param_read("user_bytes_max", &after));
	EXPECT_EQ(before, after);
}

TEST_HARNESS_MAIN
