// SPDX-License-Identifier: GPL-2.0
/*
 * mboxctl: inspect and steer the mbox module over its generic netlink
 * family (uapi/linux/mbox_netlink.h).  See mboxctl.8 for the grammar and
 * the exit codes.
 *
 * Shape: one struct with the global options and the parsed arguments,
 * cmd_<object>[_<verb>]() for each command, a table of expected attribute
 * types for parsing replies, and one print call per field for text and JSON.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/mbox.h>
#include <linux/mbox_netlink.h>

#include "nl.h"
#include "print.h"

#define MBOXCTL_VERSION	"1.0"

/* Exit codes, documented in mboxctl.8. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* any other failure */
	EXIT_USAGE = 2,		/* bad arguments (ours or refused by the kernel) */
	EXIT_NOMODULE = 3,	/* the module is not loaded */
	EXIT_NOENT = 4,		/* no such mailbox (or not visible to the caller) */
	EXIT_PERM = 5,		/* permission denied */
	EXIT_EXIST = 6,		/* a mailbox of that name exists */
};

/* Defaults of mailbox create. */
#define DEF_CAPACITY	64
#define DEF_MSG_SIZE	4096
#define DEF_MODE	0600

struct mboxctl {
	struct nl nl;
	bool nl_open;
	const char *family;
	bool json;
	bool pretty;

	/* What the command line named. */
	const char *what;	/* e.g. "mailbox show", for messages */
	bool by_id;
	uint64_t id;
	const char *name;
	uint32_t capacity_mode;
	uint32_t capacity;
	uint32_t msg_size;
	uint32_t mode;
	uint32_t flags;
	uint64_t bytes_max;
};

static const char *const prog = "mboxctl";

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s help'.\n", prog);
	return EXIT_USAGE;
}

/* ------------------------------------------------------------ keywords */

/*
 * Index of @arg in the NULL-terminated @words: an exact match, or else
 * the only word @arg is a prefix of.  -1 unknown, -2 ambiguous.
 */
static int match(const char *arg, const char *const *words)
{
	size_t len = strlen(arg);
	int found = -1;
	int i;

	if (!len)
		return -1;
	for (i = 0; words[i]; i++) {
		if (!strcmp(arg, words[i]))
			return i;
		if (!strncmp(arg, words[i], len)) {
			if (found >= 0)
				return -2;
			found = i;
		}
	}
	return found;
}

static int bad_keyword(const char *context, const char *arg,
		       const char *const *words, int why)
{
	char list[256] = "";
	int i;

	for (i = 0; words[i]; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, words[i], sizeof(list) - strlen(list) - 1);
	}
	return usage_error("%s: %s keyword '%s' (expected one of: %s)",
			   context, why == -2 ? "ambiguous" : "unknown", arg,
			   list);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (!parse_u64(s, &x) || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* ------------------------------------------------------------- errors */

static int nl_ready(struct mboxctl *c)
{
	int err;

	if (c->nl_open)
		return 0;
	err = nl_open(&c->nl, c->family);
	if (err == -ENOENT) {
		fprintf(stderr,
			"%s: the mbox module is not loaded (no generic netlink family '%s').\n"
			"Load it with 'modprobe mbox', or 'insmod mbox.ko' from a build.\n",
			prog, c->family);
		return EXIT_NOMODULE;
	}
	if (err) {
		fprintf(stderr, "%s: cannot talk to the kernel: %s\n", prog,
			strerror(-err));
		return EXIT_FAIL;
	}
	if (c->nl.version != MBOX_GENL_VERSION) {
		fprintf(stderr,
			"%s: the module speaks version %u of the '%s' family, this mboxctl version %d\n",
			prog, c->nl.version, c->family, MBOX_GENL_VERSION);
		nl_close(&c->nl);
		return EXIT_FAIL;
	}
	c->nl_open = true;
	return 0;
}

static const char *const attr_names[MBOX_A_MAX + 1] = {
	[MBOX_A_ID] = "id",
	[MBOX_A_NAME] = "name",
	[MBOX_A_CAPACITY_MODE] = "capacity mode",
	[MBOX_A_CAPACITY] = "capacity",
	[MBOX_A_MSG_SIZE] = "msgsize",
	[MBOX_A_FLAGS] = "flags",
	[MBOX_A_MODE] = "mode",
	[MBOX_A_MSG_SIZE_MAX] = "msg_size_max",
	[MBOX_A_CAPACITY_MAX] = "capacity_max",
	[MBOX_A_USER_BYTES_MAX] = "user_bytes_max",
	[MBOX_A_USER_MAILBOXES_MAX] = "user_mailboxes_max",
	[MBOX_A_UNBOUNDED_BYTES_DEFAULT] = "unbounded_bytes_default",
};

/* What the kernel said about a bad argument, for the error message. */
static void print_ack(const struct nl_ack *ack)
{
	const char *attr = NULL;

	if (ack->bad_attr > 0 && ack->bad_attr <= MBOX_A_MAX)
		attr = attr_names[ack->bad_attr];
	if (attr)
		fprintf(stderr, ": %s", attr);
	if (ack->msg[0])
		fprintf(stderr, ": %s", ack->msg);
	if (ack->has_range)
		fprintf(stderr, " (accepted: %" PRIu64 "..%" PRIu64 ")",
			ack->min, ack->max);
}

/* Reports a failed request about @subject (a mailbox, or NULL). */
static int report(struct mboxctl *c, int err, const char *subject)
{
	fprintf(stderr, "%s: %s", prog, c->what);
	if (subject)
		fprintf(stderr, " %s", subject);

	switch (-err) {
	case ENOENT:
		fputs(": no such mailbox\n", stderr);
		return EXIT_NOENT;
	case EPERM:
	case EACCES:
		/* The kernel says what is needed, except for GENL_ADMIN_PERM. */
		fprintf(stderr, ": permission denied (%s)\n",
			c->nl.ack.msg[0] ? c->nl.ack.msg : "needs CAP_NET_ADMIN");
		return EXIT_PERM;
	case EEXIST:
		fputs(": a mailbox of that name exists\n", stderr);
		return EXIT_EXIST;
	case EOPNOTSUPP:
		fputs(": not supported by the loaded mbox module\n", stderr);
		return EXIT_FAIL;
	case EINVAL:
	case ERANGE:
		fputs(": invalid argument", stderr);
		print_ack(&c->nl.ack);
		fputc('\n', stderr);
		return EXIT_USAGE;
	default:
		fprintf(stderr, ": %s", strerror(-err));
		print_ack(&c->nl.ack);
		fputc('\n', stderr);
		return EXIT_FAIL;
	}
}

/* ------------------------------------------------------------- replies */

static const enum mnl_attr_data_type attr_types[MBOX_A_MAX + 1] = {
	[MBOX_A_ID] = MNL_TYPE_U64,
	[MBOX_A_NAME] = MNL_TYPE_NUL_STRING,
	[MBOX_A_KIND] = MNL_TYPE_U32,
	[MBOX_A_OWNER_PID] = MNL_TYPE_U32,
	[MBOX_A_OWNER_UID] = MNL_TYPE_U32,
	[MBOX_A_CAPACITY_MODE] = MNL_TYPE_U32,
	[MBOX_A_CAPACITY] = MNL_TYPE_U32,
	[MBOX_A_MSG_SIZE] = MNL_TYPE_U32,
	[MBOX_A_FLAGS] = MNL_TYPE_U32,
	[MBOX_A_MODE] = MNL_TYPE_U32,
	[MBOX_A_QUEUED] = MNL_TYPE_U32,
	[MBOX_A_QUEUED_BYTES] = MNL_TYPE_U64,
	[MBOX_A_HIGH_WATER] = MNL_TYPE_U32,
	[MBOX_A_SENDERS] = MNL_TYPE_U32,
	[MBOX_A_RECEIVERS] = MNL_TYPE_U32,
	[MBOX_A_SENT] = MNL_TYPE_U64,
	[MBOX_A_RECEIVED] = MNL_TYPE_U64,
	[MBOX_A_REJECTED] = MNL_TYPE_U64,
	[MBOX_A_RING] = MNL_TYPE_FLAG,
	[MBOX_A_FULL] = MNL_TYPE_FLAG,
	[MBOX_A_REASON] = MNL_TYPE_U32,
	[MBOX_A_MAILBOXES] = MNL_TYPE_U64,
	[MBOX_A_USERS] = MNL_TYPE_U32,
	[MBOX_A_MEM_CHARGED] = MNL_TYPE_U64,
	[MBOX_A_UID] = MNL_TYPE_U32,
	[MBOX_A_USER_BYTES] = MNL_TYPE_U64,
	[MBOX_A_USER_BYTES_MAX] = MNL_TYPE_U64,
	[MBOX_A_USER_MAILBOXES] = MNL_TYPE_U32,
	[MBOX_A_USER_MAILBOXES_MAX] = MNL_TYPE_U32,
	[MBOX_A_MSG_SIZE_MAX] = MNL_TYPE_U32,
	[MBOX_A_CAPACITY_MAX] = MNL_TYPE_U32,
	[MBOX_A_BYTES_MAX] = MNL_TYPE_U64,
	[MBOX_A_BYTES_CHARGED] = MNL_TYPE_U64,
	[MBOX_A_UNBOUNDED_BYTES_DEFAULT] = MNL_TYPE_U64,
};

typedef const struct nlattr *attrs_t[MBOX_A_MAX + 1];

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	/* Attributes of a newer module are skipped, not refused. */
	if (mnl_attr_type_valid(attr, MBOX_A_MAX) <= 0 || type == MBOX_A_PAD)
		return MNL_CB_OK;
	if (attr_types[type] != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(attr, attr_types[type]) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_attrs(const struct nlmsghdr *nlh, attrs_t tb)
{
	memset(tb, 0, sizeof(attrs_t));
	if (mnl_attr_parse(nlh, GENL_HDRLEN, attr_cb, tb) != MNL_CB_OK) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static uint64_t get_u64(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u64(attr) : 0;
}

static uint32_t get_u32(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u32(attr) : 0;
}

static const char *const kind_names[] = {
	[MBOX_KIND_PROCESS] = "process",
	[MBOX_KIND_OS] = "os",
	[MBOX_KIND_DIRECT] = "direct",
};

static const char *const capacity_names[] = {
	[MBOX_CAPACITY_ZERO] = "zero",
	[MBOX_CAPACITY_BOUNDED] = "bounded",
	[MBOX_CAPACITY_UNBOUNDED] = "unbounded",
};

static const char *const reason_names[] = {
	[MBOX_REASON_OWNER_CLOSED] = "owner-closed",
	[MBOX_REASON_OWNER_DIED] = "owner-died",
	[MBOX_REASON_DELETED] = "deleted",
};

#define NAME_OF(table, v)						\
	((v) < sizeof(table) / sizeof((table)[0]) && (table)[v] ?	\
	 (table)[v] : "unknown")

/* The fields that say which mailbox: shared by show and the events. */
static void print_mbox_ident(attrs_t tb)
{
	const char *name = tb[MBOX_A_NAME] ?
			   mnl_attr_get_str(tb[MBOX_A_NAME]) : "";

	print_u64("id", "%" PRIu64 ":", get_u64(tb[MBOX_A_ID]));
	print_str("name", *name ? "name %s" : "anonymous", name);
	print_str("kind", "kind %s",
		  NAME_OF(kind_names, get_u32(tb[MBOX_A_KIND])));
}

static void print_mbox_config(attrs_t tb)
{
	uint32_t cmode = get_u32(tb[MBOX_A_CAPACITY_MODE]);
	char mode[8];

	print_str("capacity_mode", "capacity %s",
		  NAME_OF(capacity_names, cmode));
	print_u64("capacity", cmode == MBOX_CAPACITY_BOUNDED ? "%" PRIu64 : NULL,
		  get_u32(tb[MBOX_A_CAPACITY]));
	print_u64("msg_size", "msgsize %" PRIu64, get_u32(tb[MBOX_A_MSG_SIZE]));
	print_bool("fixed_size", "fixed",
		   get_u32(tb[MBOX_A_FLAGS]) & MBOX_CREATE_FIXED_SIZE);
	if (tb[MBOX_A_MODE]) {
		snprintf(mode, sizeof(mode), "%04o",
			 get_u32(tb[MBOX_A_MODE]) & 07777);
		print_str("mode", "mode %s", mode);
	}
}

static void print_mbox(attrs_t tb)
{
	print_open_object(NULL);
	print_mbox_ident(tb);
	print_u64("owner_pid", "pid %" PRIu64, get_u32(tb[MBOX_A_OWNER_PID]));
	print_u64("owner_uid", "uid %" PRIu64, get_u32(tb[MBOX_A_OWNER_UID]));
	print_indent();
	print_mbox_config(tb);
	print_indent();
	print_u64("queued", "queued %" PRIu64, get_u32(tb[MBOX_A_QUEUED]));
	print_u64("queued_bytes", "bytes %" PRIu64,
		  get_u64(tb[MBOX_A_QUEUED_BYTES]));
	/* Absent from a module without per-mailbox quotas. */
	if (tb[MBOX_A_BYTES_MAX]) {
		print_u64("bytes_charged", "charged %" PRIu64,
			  get_u64(tb[MBOX_A_BYTES_CHARGED]));
		print_u64("bytes_max", "bytes-max %" PRIu64,
			  get_u64(tb[MBOX_A_BYTES_MAX]));
	}
	print_u64("high_water", "high-water %" PRIu64,
		  get_u32(tb[MBOX_A_HIGH_WATER]));
	print_u64("waiting_senders", "senders %" PRIu64,
		  get_u32(tb[MBOX_A_SENDERS]));
	print_u64("waiting_receivers", "receivers %" PRIu64,
		  get_u32(tb[MBOX_A_RECEIVERS]));
	print_bool("full", "full", tb[MBOX_A_FULL]);
	print_indent();
	print_u64("sent", "sent %" PRIu64, get_u64(tb[MBOX_A_SENT]));
	print_u64("received", "received %" PRIu64,
		  get_u64(tb[MBOX_A_RECEIVED]));
	print_u64("rejected", "rejected %" PRIu64,
		  get_u64(tb[MBOX_A_REJECTED]));
	print_bool("ring", "ring", tb[MBOX_A_RING]);
	print_nl();
	print_close_object();
}

static int mbox_cb(const struct nlmsghdr *nlh, void *data)
{
	attrs_t tb;

	(void)data;
	if (parse_attrs(nlh, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	print_mbox(tb);
	return MNL_CB_OK;
}

/* ------------------------------------------------------------ mailbox */

static void mailbox_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-j [-p]] mailbox { list | help }\n"
		"       %s [-j [-p]] mailbox show MAILBOX\n"
		"       %s [-j [-p]] mailbox create NAME [ capacity N | zero | unbounded ]\n"
		"                                   [ msgsize N ] [ mode MODE ] [ fixed ]\n"
		"                                   [ bytesmax N ]\n"
		"       %s mailbox delete MAILBOX\n"
		"where  MAILBOX := { ID | NAME | id ID | name NAME }\n",
		prog, prog, prog, prog);
}

/* Parses MAILBOX at @argv; returns how many arguments it took, or -1. */
static int parse_mailbox(struct mboxctl *c, int argc, char **argv)
{
	static const char *const forms[] = { "id", "name", NULL };
	int k;

	if (argc < 1) {
		usage_error("%s: which mailbox? (give an id or a name)",
			    c->what);
		return -1;
	}
	if (argc >= 2 && (k = match(argv[0], forms)) >= 0) {
		if (k == 0 && !parse_u64(argv[1], &c->id)) {
			usage_error("%s: bad mailbox id '%s'", c->what,
				    argv[1]);
			return -1;
		}
		c->by_id = k == 0;
		c->name = argv[1];
		return 2;
	}
	c->by_id = all_digits(argv[0]);
	if (c->by_id && !parse_u64(argv[0], &c->id)) {
		usage_error("%s: bad mailbox id '%s'", c->what, argv[0]);
		return -1;
	}
	c->name = argv[0];
	return 1;
}

static void put_mailbox(struct mboxctl *c, struct nlmsghdr *nlh)
{
	if (c->by_id)
		mnl_attr_put_u64(nlh, MBOX_A_ID, c->id);
	else
		mnl_attr_put_strz(nlh, MBOX_A_NAME, c->name);
}

static int cmd_mailbox_list(struct mboxctl *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int err;

	(void)argv;
	if (argc)
		return usage_error("%s: unexpected argument '%s'", c->what,
				   argv[0]);
	err = nl_ready(c);
	if (err)
		return err;
	nlh = nl_request(&c->nl, MBOX_CMD_MBOX_GET, NLM_F_DUMP);
	print_open_array(NULL);
	err = nl_talk(&c->nl, nlh, mbox_cb, NULL);
	print_close_array();
	return err ? report(c, err, NULL) : EXIT_OK;
}

static int cmd_mailbox_show(struct mboxctl *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int n, err;

	if (!argc)
		return cmd_mailbox_list(c, argc, argv);
	n = parse_mailbox(c, argc, argv);
	if (n < 0)
		return EXIT_USAGE;
	if (argc > n)
		return usage_error("%s: unexpected argument '%s'", c->what,
				   argv[n]);
	err = nl_ready(c);
	if (err)
		return err;
	nlh = nl_request(&c->nl, MBOX_CMD_MBOX_GET, 0);
	put_mailbox(c, nlh);
	err = nl_talk(&c->nl, nlh, mbox_cb, NULL);
	return err ? report(c, err, c->name) : EXIT_OK;
}

static int parse_mode(const char *s, uint32_t *mode)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > 0777)
		return -1;
	*mode = (uint32_t)v;
	return 0;
}

static int cmd_mailbox_create(struct mboxctl *c, int argc, char **argv)
{
	static const char *const words[] = {
		"capacity", "zero", "unbounded", "msgsize", "mode", "fixed",
		"bytesmax", NULL
	};
	struct nlmsghdr *nlh;
	int k, err;

	if (argc < 1)
		return usage_error("%s: give the new mailbox's name", c->what);
	c->name = argv[0];
	c->capacity_mode = MBOX_CAPACITY_BOUNDED;
	c->capacity = DEF_CAPACITY;
	c->msg_size = DEF_MSG_SIZE;
	c->mode = DEF_MODE;
	c->flags = 0;
	c->bytes_max = 0;
	for (argc--, argv++; argc; argc--, argv++) {
		k = match(argv[0], words);
		if (k < 0)
			return bad_keyword(c->what, argv[0], words, k);
		if (k == 1 || k == 2) {
			c->capacity_mode = k == 1 ? MBOX_CAPACITY_ZERO :
				MBOX_CAPACITY_UNBOUNDED;
			c->capacity = 0;
			continue;
		}
		if (k == 5) {
			c->flags |= MBOX_CREATE_FIXED_SIZE;
			continue;
		}
		if (argc < 2)
			return usage_error("%s: '%s' needs a value", c->what,
					   words[k]);
		argc--, argv++;
		if (k == 0) {
			if (!parse_u32(argv[0], &c->capacity))
				return usage_error("%s: bad capacity '%s'",
						   c->what, argv[0]);
			c->capacity_mode = MBOX_CAPACITY_BOUNDED;
		} else if (k == 3) {
			if (!parse_u32(argv[0], &c->msg_size))
				return usage_error("%s: bad msgsize '%s'",
						   c->what, argv[0]);
		} else if (k == 6) {
			if (!parse_u64(argv[0], &c->bytes_max))
				return usage_error("%s: bad bytesmax '%s'",
						   c->what, argv[0]);
		} else if (parse_mode(argv[0], &c->mode)) {
			return usage_error("%s: bad mode '%s' (octal, at most 0777)",
					   c->what, argv[0]);
		}
	}

	err = nl_ready(c);
	if (err)
		return err;
	nlh = nl_request(&c->nl, MBOX_CMD_MBOX_NEW, 0);
	mnl_attr_put_strz(nlh, MBOX_A_NAME, c->name);
	mnl_attr_put_u32(nlh, MBOX_A_CAPACITY_MODE, c->capacity_mode);
	mnl_attr_put_u32(nlh, MBOX_A_CAPACITY, c->capacity);
	mnl_attr_put_u32(nlh, MBOX_A_MSG_SIZE, c->msg_size);
	mnl_attr_put_u32(nlh, MBOX_A_MODE, c->mode);
	mnl_attr_put_u32(nlh, MBOX_A_FLAGS, c->flags);
	if (c->bytes_max)
		mnl_attr_put_u64(nlh, MBOX_A_BYTES_MAX, c->bytes_max);
	err = nl_talk(&c->nl, nlh, mbox_cb, NULL);
	return err ? report(c, err, c->name) : EXIT_OK;
}

static int cmd_mailbox_delete(struct mboxctl *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int n, err;

	n = parse_mailbox(c, argc, argv);
	if (n < 0)
		return EXIT_USAGE;
	if (argc > n)
		return usage_error("%s: unexpected argument '%s'", c->what,
				   argv[n]);
	err = nl_ready(c);
	if (err)
		return err;
	nlh = nl_request(&c->nl, MBOX_CMD_MBOX_DEL, 0);
	put_mailbox(c, nlh);
	err = nl_talk(&c->nl, nlh, NULL, NULL);
	return err ? report(c, err, c->name) : EXIT_OK;
}

static int cmd_mailbox(struct mboxctl *c, int argc, char **argv)
{
	static const char *const verbs[] = {
		"list", "show", "create", "delete", "help", NULL
	};
	static const char *const what[] = {
		"mailbox list", "mailbox show", "mailbox create",
		"mailbox delete",
	};
	int k;

	if (!argc) {
		c->what = "mailbox list";
		return cmd_mailbox_list(c, 0, argv);
	}
	k = match(argv[0], verbs);
	if (k < 0)
		return bad_keyword("mailbox", argv[0], verbs, k);
	if (k == 4) {
		mailbox_usage(stdout);
		return EXIT_OK;
	}
	c->what = what[k];
	argc--, argv++;
	switch (k) {
	case 0:
		return cmd_mailbox_list(c, argc, argv);
	case 1:
		return cmd_mailbox_show(c, argc, argv);
	case 2:
		return cmd_mailbox_create(c, argc, argv);
	default:
		return cmd_mailbox_delete(c, argc, argv);
	}
}

/* -------------------------------------------------------------- stats */

static void stats_usage(FILE *f)
{
	fprintf(f, "Usage: %s [-j [-p]] stats [ show | help ]\n", prog);
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	attrs_t tb;

	(void)data;
	if (parse_attrs(nlh, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	print_u64("mailboxes", "mailboxes %" PRIu64,
		  get_u64(tb[MBOX_A_MAILBOXES]));
	print_u64("users", "users %" PRIu64, get_u32(tb[MBOX_A_USERS]));
	print_u64("memory_charged", "memory %" PRIu64,
		  get_u64(tb[MBOX_A_MEM_CHARGED]));
	print_nl();
	return MNL_CB_OK;
}

static int user_cb(const struct nlmsghdr *nlh, void *data)
{
	attrs_t tb;

	(void)data;
	if (parse_attrs(nlh, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	print_open_object(NULL);
	print_u64("uid", "user %" PRIu64 ":", get_u32(tb[MBOX_A_UID]));
	print_u64("bytes", "bytes %" PRIu64, get_u64(tb[MBOX_A_USER_BYTES]));
	print_u64("bytes_max", "of %" PRIu64,
		  get_u64(tb[MBOX_A_USER_BYTES_MAX]));
	print_u64("mailboxes", "mailboxes %" PRIu64,
		  get_u32(tb[MBOX_A_USER_MAILBOXES]));
	print_u64("mailboxes_max", "of %" PRIu64,
		  get_u32(tb[MBOX_A_USER_MAILBOXES_MAX]));
	print_nl();
	print_close_object();
	return MNL_CB_OK;
}

static int cmd_stats(struct mboxctl *c, int argc, char **argv)
{
	static const char *const verbs[] = { "show", "help", NULL };
	struct nlmsghdr *nlh;
	int k, err;

	c->what = "stats";
	if (argc) {
		k = match(argv[0], verbs);
		if (k < 0)
			return bad_keyword("stats", argv[0], verbs, k);
		if (k == 1) {
			stats_usage(stdout);
			return EXIT_OK;
		}
		if (argc > 1)
			return usage_error("stats: unexpected argument '%s'",
					   argv[1]);
	}
	err = nl_ready(c);
	if (err)
		return err;

	print_open_object(NULL);
	nlh = nl_request(&c->nl, MBOX_CMD_STATS_GET, 0);
	err = nl_talk(&c->nl, nlh, stats_cb, NULL);
	if (!err) {
		print_open_array("per_user");
		nlh = nl_request(&c->nl, MBOX_CMD_USER_GET, NLM_F_DUMP);
		err = nl_talk(&c->nl, nlh, user_cb, NULL);
		print_close_array();
	}
	print_close_object();
	return err ? report(c, err, NULL) : EXIT_OK;
}

/* ------------------------------------------------------------- limits */

static const char *const limit_names[] = {
	"msg_size_max", "capacity_max", "user_bytes_max", "user_mailboxes_max",
	"unbounded_bytes_default", NULL
};

static const int limit_attrs[] = {
	MBOX_A_MSG_SIZE_MAX, MBOX_A_CAPACITY_MAX, MBOX_A_USER_BYTES_MAX,
	MBOX_A_USER_MAILBOXES_MAX, MBOX_A_UNBOUNDED_BYTES_DEFAULT,
};

#define NR_LIMITS	(sizeof(limit_attrs) / sizeof(limit_attrs[0]))

/* The byte limits are u64 attributes, the others u32. */
static bool limit_is_u64(int attr)
{
	return attr == MBOX_A_USER_BYTES_MAX ||
	       attr == MBOX_A_UNBOUNDED_BYTES_DEFAULT;
}

static void limits_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-j [-p]] limits [ show | help ]\n"
		"       %s limits set LIMIT VALUE [ LIMIT VALUE ... ]\n"
		"where  LIMIT := { msg_size_max | capacity_max | user_bytes_max |\n"
		"                  user_mailboxes_max | unbounded_bytes_default }\n",
		prog, prog);
}

static int limits_cb(const struct nlmsghdr *nlh, void *data)
{
	attrs_t tb;
	int i;

	(void)data;
	if (parse_attrs(nlh, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	print_open_object(NULL);
	for (i = 0; limit_names[i]; i++) {
		const struct nlattr *a = tb[limit_attrs[i]];
		uint64_t v = limit_is_u64(limit_attrs[i]) ? get_u64(a) : get_u32(a);
		char fmt[48];

		/* Absent from an older module. */
		if (!a)
			continue;
		snprintf(fmt, sizeof(fmt), "%s %%" PRIu64, limit_names[i]);
		print_u64(limit_names[i], fmt, v);
		print_nl();
	}
	print_close_object();
	return MNL_CB_OK;
}

static int cmd_limits_set(struct mboxctl *c, int argc, char **argv)
{
	uint64_t values[NR_LIMITS];
	bool given[NR_LIMITS] = { false };
	struct nlmsghdr *nlh;
	uint64_t v;
	int i, k, err;

	if (!argc)
		return usage_error("limits set: give a LIMIT and a VALUE");
	if (argc % 2)
		return usage_error("limits set: %s needs a value",
				   argv[argc - 1]);
	for (; argc; argc -= 2, argv += 2) {
		k = match(argv[0], limit_names);
		if (k < 0)
			return bad_keyword("limits set", argv[0], limit_names,
					   k);
		if (!parse_u64(argv[1], &v))
			return usage_error("limits set: bad value '%s' for %s (a non-negative number)",
					   argv[1], limit_names[k]);
		if (!limit_is_u64(limit_attrs[k]) && v > UINT32_MAX)
			return usage_error("limits set: %s %s is out of range",
					   limit_names[k], argv[1]);
		values[k] = v;
		given[k] = true;
	}

	err = nl_ready(c);
	if (err)
		return err;
	nlh = nl_request(&c->nl, MBOX_CMD_LIMITS_SET, 0);
	for (i = 0; i < (int)NR_LIMITS; i++) {
		if (!given[i])
			continue;
		if (limit_is_u64(limit_attrs[i]))
			mnl_attr_put_u64(nlh, limit_attrs[i], values[i]);
		else
			mnl_attr_put_u32(nlh, limit_attrs[i],
					 (uint32_t)values[i]);
	}
	err = nl_talk(&c->nl, nlh, NULL, NULL);
	return err ? report(c, err, NULL) : EXIT_OK;
}

static int cmd_limits(struct mboxctl *c, int argc, char **argv)
{
	static const char *const verbs[] = { "show", "set", "help", NULL };
	struct nlmsghdr *nlh;
	int k = 0, err;

	c->what = "limits";
	if (argc) {
		k = match(argv[0], verbs);
		if (k < 0)
			return bad_keyword("limits", argv[0], verbs, k);
		argc--, argv++;
	}
	if (k == 2) {
		limits_usage(stdout);
		return EXIT_OK;
	}
	if (k == 1) {
		c->what = "limits set";
		return cmd_limits_set(c, argc, argv);
	}
	if (argc)
		return usage_error("limits: unexpected argument '%s'", argv[0]);
	err = nl_ready(c);
	if (err)
		return err;
	nlh = nl_request(&c->nl, MBOX_CMD_LIMITS_GET, 0);
	err = nl_talk(&c->nl, nlh, limits_cb, NULL);
	return err ? report(c, err, NULL) : EXIT_OK;
}

/* ------------------------------------------------------------ monitor */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void monitor_usage(FILE *f)
{
	fprintf(f, "Usage: %s [-j [-p]] monitor [ help ]\n", prog);
}

static const char *const event_names[] = {
	[MBOX_EVENT_CREATED] = "created",
	[MBOX_EVENT_DESTROYED] = "destroyed",
	[MBOX_EVENT_OWNER_DIED] = "owner-died",
	[MBOX_EVENT_FULL] = "full",
	[MBOX_EVENT_NOT_FULL] = "not-full",
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	attrs_t tb;

	(void)data;
	if (parse_attrs(nlh, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	print_open_object(NULL);
	print_str("event", "%s", NAME_OF(event_names, genl->cmd));
	print_mbox_ident(tb);
	if (tb[MBOX_A_OWNER_PID])
		print_u64("owner_pid", "pid %" PRIu64,
			  get_u32(tb[MBOX_A_OWNER_PID]));
	if (tb[MBOX_A_OWNER_UID])
		print_u64("owner_uid", "uid %" PRIu64,
			  get_u32(tb[MBOX_A_OWNER_UID]));
	if (tb[MBOX_A_CAPACITY_MODE])
		print_mbox_config(tb);
	if (tb[MBOX_A_REASON])
		print_str("reason", "reason %s",
			  NAME_OF(reason_names, get_u32(tb[MBOX_A_REASON])));
	if (tb[MBOX_A_QUEUED])
		print_u64("queued", "queued %" PRIu64,
			  get_u32(tb[MBOX_A_QUEUED]));
	if (tb[MBOX_A_SENDERS])
		print_u64("waiting_senders", "senders %" PRIu64,
			  get_u32(tb[MBOX_A_SENDERS]));
	print_nl();
	print_close_object();
	fflush(stdout);
	return MNL_CB_OK;
}

static int cmd_monitor(struct mboxctl *c, int argc, char **argv)
{
	struct sigaction sa;
	int err;

	c->what = "monitor";
	if (argc) {
		static const char *const verbs[] = { "help", NULL };
		int k = match(argv[0], verbs);

		if (k < 0)
			return bad_keyword("monitor", argv[0], verbs, k);
		monitor_usage(stdout);
		return EXIT_OK;
	}
	err = nl_ready(c);
	if (err)
		return err;

	/* No SA_RESTART: the signal must end the blocking receive. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err = nl_join_events(&c->nl);
	if (err == -EPERM || err == -EACCES) {
		fprintf(stderr, "%s: monitor: permission denied (the events group needs CAP_NET_ADMIN)\n",
			prog);
		return EXIT_PERM;
	}
	if (err) {
		fprintf(stderr, "%s: monitor: cannot join the events group: %s\n",
			prog, strerror(-err));
		return EXIT_FAIL;
	}

	while (!stop) {
		err = nl_recv_events(&c->nl, event_cb, NULL);
		if (err == -EINTR)
			continue;
		if (err == -ENOBUFS) {
			/* Say so where the events go, and on stderr. */
			print_open_object(NULL);
			print_str("event", "%s", "lost");
			print_nl();
			print_close_object();
			fflush(stdout);
			fprintf(stderr, "%s: monitor: events were lost; 'mailbox list' shows the current state\n",
				prog);
			continue;
		}
		if (err) {
			fprintf(stderr, "%s: monitor: %s\n", prog,
				strerror(-err));
			return EXIT_FAIL;
		}
	}
	return EXIT_OK;
}

/* --------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"       %s help\n"
		"where  OBJECT := { mailbox | stats | limits | monitor }\n"
		"       OPTIONS := { -j[son] | -p[retty] | -V[ersion] | -h[elp] }\n"
		"Keywords may be abbreviated to any unambiguous prefix.\n",
		prog, prog);
}

static int cmd_help(struct mboxctl *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	usage(stdout);
	putchar('\n');
	mailbox_usage(stdout);
	stats_usage(stdout);
	limits_usage(stdout);
	monitor_usage(stdout);
	return EXIT_OK;
}

static int dispatch(struct mboxctl *c, int argc, char **argv)
{
	static const char *const objects[] = {
		"mailbox", "stats", "limits", "monitor", "help", NULL
	};
	static int (*const cmds[])(struct mboxctl *, int, char **) = {
		cmd_mailbox, cmd_stats, cmd_limits, cmd_monitor, cmd_help,
	};
	int k;

	if (!argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	k = match(argv[0], objects);
	if (k < 0)
		return bad_keyword("object", argv[0], objects, k);
	return cmds[k](c, argc - 1, argv + 1);
}

/* Options like iproute2's: -j, -json, --json; -jp combined. */
static int parse_options(struct mboxctl *c, int *argc, char ***argv)
{
	static const char *const longs[] = {
		"json", "pretty", "Version", "help", NULL
	};

	while (*argc && (*argv)[0][0] == '-' && (*argv)[0][1]) {
		const char *opt = (*argv)[0] + 1;
		int k;

		if (!strcmp(opt, "-")) {
			(*argc)--, (*argv)++;
			break;
		}
		if (*opt == '-')
			opt++;
		k = match(opt, longs);
		if (k < 0 && strspn(opt, "jp") == strlen(opt)) {
			/* Combined short options: -jp, -pj. */
			c->json = true;
			c->pretty |= strchr(opt, 'p') != NULL;
		} else if (k == 0) {
			c->json = true;
		} else if (k == 1) {
			c->json = c->pretty = true;
		} else if (k == 2) {
			printf("mboxctl %s (mbox netlink family version %d)\n",
			       MBOXCTL_VERSION, MBOX_GENL_VERSION);
			exit(EXIT_OK);
		} else if (k == 3) {
			usage(stdout);
			exit(EXIT_OK);
		} else {
			return usage_error("unknown option '%s'", (*argv)[0]);
		}
		(*argc)--, (*argv)++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct mboxctl c = { .family = MBOX_GENL_NAME };
	const char *family = getenv("MBOXCTL_FAMILY");
	int ret;

	if (family && *family)
		c.family = family;
	argc--, argv++;
	ret = parse_options(&c, &argc, &argv);
	if (ret)
		return ret;
	print_init(c.json, c.pretty);
	ret = dispatch(&c, argc, argv);
	if (c.nl_open)
		nl_close(&c.nl);
	if (fflush(stdout) && ret == EXIT_OK) {
		perror("mboxctl: stdout");
		ret = EXIT_FAIL;
	}
	return ret;
}
