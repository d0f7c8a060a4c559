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
#include <strings.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <mbox/linux/mbox.h>
#include <mbox/linux/mbox_netlink.h>

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

/* Columns of -o (mailbox list and show), like lsipc's. */
enum column {
	COL_ID, COL_NAME, COL_KIND, COL_PID, COL_UID, COL_CAPACITY, COL_MSGSIZE,
	COL_MODE, COL_QUEUED, COL_BYTES, COL_USE, COL_HIGHWATER, COL_SENDERS,
	COL_RECEIVERS, COL_FULL, COL_SENT, COL_RECEIVED, COL_REJECTED, COL_RING,
	COL_COUNT
};

#define MAX_COLUMNS	32

struct table {
	char **cells;		/* rows * ncols strings */
	size_t rows, alloc;
};

struct mboxctl {
	struct nl nl;
	bool nl_open;
	const char *family;
	bool json;
	bool pretty;
	bool raw_bytes;		/* -b: sizes in bytes, not KiB/MiB */
	bool noheadings;	/* -n */
	int ncols;		/* -o: the chosen columns, in order */
	enum column cols[MAX_COLUMNS];
	struct table table;

	/* What the command line named. */
	const char *what;	/* e.g. "mailbox show", for messages */
	bool by_id;
	bool bare;		/* a bare number: an id, or a name of digits */
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

/*
 * @v bytes for people: "512 B", "1.5 KiB", "16.0 MiB" (binary units, as
 * ls -h and lsipc), or the exact count with -b.
 */
static const char *human(const struct mboxctl *c, uint64_t v, char *buf,
			 size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double x = (double)v;
	int u = -1;

	if (c->raw_bytes || v < 1024) {
		snprintf(buf, size, c->raw_bytes ? "%" PRIu64 : "%" PRIu64 " B", v);
		return buf;
	}
	while (x >= 1024 && u < 5) {
		x /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", x, units[u]);
	return buf;
}

/* @used of @max in percent; a negative value when there is no maximum. */
static double percent(uint64_t used, uint64_t max)
{
	return max ? 100.0 * (double)used / (double)max : -1.0;
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
			"%s: the mbox module is not loaded (no generic netlink family '%s'),\n"
			"and the kernel could not load it on demand: is it installed?\n"
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
	[MBOX_A_RING_MESSAGES] = MNL_TYPE_U64,
	[MBOX_A_RING_SLOT_BYTES] = MNL_TYPE_U64,
	[MBOX_A_RING_DISCARDED] = MNL_TYPE_U64,
	[MBOX_A_RING_CORRUPT] = MNL_TYPE_U64,
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

/*
 * A persistent mailbox named by libmbox-mq ("mq." + the queue name with
 * '.' and two hex digits for other bytes) is a POSIX message queue: show
 * the name mq_open() knows, as ls /dev/mqueue would.
 */
static void print_mq_name(attrs_t tb)
{
	const char *name = tb[MBOX_A_NAME] ?
			   mnl_attr_get_str(tb[MBOX_A_NAME]) : "";
	char mq[MBOX_NAME_MAX + 1] = "/";
	size_t n = 1;

	if (!(get_u32(tb[MBOX_A_FLAGS]) & MBOX_CREATE_PERSIST) ||
	    strncmp(name, "mq.", 3))
		return;
	for (name += 3; *name && n < sizeof(mq) - 1; name++) {
		unsigned int c;

		if (*name == '.' && sscanf(name + 1, "%2x", &c) == 1) {
			mq[n++] = (char)c;
			name += 2;
		} else {
			mq[n++] = *name;
		}
	}
	mq[n] = 0;
	print_str("posix_mq", "posix-mq %s", mq);
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
	print_bool("persistent", "persistent",
		   get_u32(tb[MBOX_A_FLAGS]) & MBOX_CREATE_PERSIST);
	print_mq_name(tb);
	/* A bridge's stand-in for a remote mailbox: see mboxbridge(8). */
	print_bool("proxy", "proxy",
		   get_u32(tb[MBOX_A_FLAGS]) & MBOX_CREATE_PROXY);
	if (tb[MBOX_A_MODE]) {
		snprintf(mode, sizeof(mode), "%04o",
			 get_u32(tb[MBOX_A_MODE]) & 07777);
		print_str("mode", "mode %s", mode);
	}
}

static const struct {
	const char *name;
	const char *help;
	bool right;		/* numbers align right */
} columns[COL_COUNT] = {
	[COL_ID] = { "ID", "mailbox id", true },
	[COL_NAME] = { "NAME", "name, empty for anonymous mailboxes", false },
	[COL_KIND] = { "KIND", "process, os or direct", false },
	[COL_PID] = { "PID", "owner's pid (0: OS-owned)", true },
	[COL_UID] = { "UID", "owner's uid", true },
	[COL_CAPACITY] = { "CAPACITY", "zero, unbounded or the bound", true },
	[COL_MSGSIZE] = { "MSGSIZE", "largest message", true },
	[COL_MODE] = { "MODE", "permission bits", false },
	[COL_QUEUED] = { "QUEUED", "messages queued", true },
	[COL_BYTES] = { "BYTES", "bytes queued", true },
	[COL_USE] = { "USE%", "queued of the bound (bounded only)", true },
	[COL_HIGHWATER] = { "HIGHWATER", "most messages ever queued", true },
	[COL_SENDERS] = { "SENDERS", "senders waiting", true },
	[COL_RECEIVERS] = { "RECEIVERS", "receivers waiting", true },
	[COL_FULL] = { "FULL", "a sender would wait (not for zero capacity)", false },
	[COL_SENT] = { "SENT", "messages accepted", true },
	[COL_RECEIVED] = { "RECEIVED", "messages taken", true },
	[COL_REJECTED] = { "REJECTED", "sends refused for room", true },
	[COL_RING] = { "RING", "has a shared ring", false },
};

/*
 * A zero-capacity mailbox has no queue to fill: the kernel's FULL (a sender
 * waits with no receiver) is shown as its waiting senders instead.
 */
static bool mbox_full(attrs_t tb)
{
	return tb[MBOX_A_FULL] &&
	       get_u32(tb[MBOX_A_CAPACITY_MODE]) != MBOX_CAPACITY_ZERO;
}

static int parse_columns(struct mboxctl *c, const char *list)
{
	char buf[512], *save = NULL, *tok;
	int k;

	if (strlen(list) >= sizeof(buf))
		return usage_error("-o: column list too long");
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < COL_COUNT; k++)
			if (!strcasecmp(tok, columns[k].name) ||
			    (k == COL_USE && !strcasecmp(tok, "use")))
				break;
		if (k == COL_COUNT) {
			fprintf(stderr, "%s: -o: unknown column '%s'; the columns are:\n",
				prog, tok);
			for (k = 0; k < COL_COUNT; k++)
				fprintf(stderr, "  %-10s %s\n", columns[k].name,
					columns[k].help);
			return EXIT_USAGE;
		}
		if (c->ncols == MAX_COLUMNS)
			return usage_error("-o: at most %d columns", MAX_COLUMNS);
		c->cols[c->ncols++] = (enum column)k;
	}
	if (!c->ncols)
		return usage_error("-o: give a comma-separated list of columns");
	return 0;
}

/* One cell of column @col for the mailbox in @tb, as text. */
static void cell(const struct mboxctl *c, attrs_t tb, enum column col,
		 char *buf, size_t size)
{
	uint32_t cmode = get_u32(tb[MBOX_A_CAPACITY_MODE]);
	uint32_t cap = get_u32(tb[MBOX_A_CAPACITY]);
	double use;

	switch (col) {
	case COL_ID:
		snprintf(buf, size, "%" PRIu64, get_u64(tb[MBOX_A_ID]));
		break;
	case COL_NAME:
		snprintf(buf, size, "%s", tb[MBOX_A_NAME] ?
			 mnl_attr_get_str(tb[MBOX_A_NAME]) : "");
		break;
	case COL_KIND:
		snprintf(buf, size, "%s",
			 NAME_OF(kind_names, get_u32(tb[MBOX_A_KIND])));
		break;
	case COL_PID:
		snprintf(buf, size, "%u", get_u32(tb[MBOX_A_OWNER_PID]));
		break;
	case COL_UID:
		snprintf(buf, size, "%u", get_u32(tb[MBOX_A_OWNER_UID]));
		break;
	case COL_CAPACITY:
		if (cmode == MBOX_CAPACITY_BOUNDED)
			snprintf(buf, size, "%u", cap);
		else
			snprintf(buf, size, "%s", NAME_OF(capacity_names, cmode));
		break;
	case COL_MSGSIZE:
		human(c, get_u32(tb[MBOX_A_MSG_SIZE]), buf, size);
		break;
	case COL_MODE:
		snprintf(buf, size, "%04o", get_u32(tb[MBOX_A_MODE]) & 07777);
		break;
	case COL_QUEUED:
		snprintf(buf, size, "%u", get_u32(tb[MBOX_A_QUEUED]));
		break;
	case COL_BYTES:
		human(c, get_u64(tb[MBOX_A_QUEUED_BYTES]), buf, size);
		break;
	case COL_USE:
		use = cmode == MBOX_CAPACITY_BOUNDED ?
		      percent(get_u32(tb[MBOX_A_QUEUED]), cap) : -1;
		if (use < 0)
			snprintf(buf, size, "-");
		else
			snprintf(buf, size, "%.0f%%", use);
		break;
	case COL_HIGHWATER:
		snprintf(buf, size, "%u", get_u32(tb[MBOX_A_HIGH_WATER]));
		break;
	case COL_SENDERS:
		snprintf(buf, size, "%u", get_u32(tb[MBOX_A_SENDERS]));
		break;
	case COL_RECEIVERS:
		snprintf(buf, size, "%u", get_u32(tb[MBOX_A_RECEIVERS]));
		break;
	case COL_FULL:
		snprintf(buf, size, "%s", mbox_full(tb) ? "yes" : "no");
		break;
	case COL_SENT:
		snprintf(buf, size, "%" PRIu64, get_u64(tb[MBOX_A_SENT]));
		break;
	case COL_RECEIVED:
		snprintf(buf, size, "%" PRIu64, get_u64(tb[MBOX_A_RECEIVED]));
		break;
	case COL_REJECTED:
		snprintf(buf, size, "%" PRIu64, get_u64(tb[MBOX_A_REJECTED]));
		break;
	default:
		snprintf(buf, size, "%s", tb[MBOX_A_RING] ? "yes" : "no");
		break;
	}
}

static void oom_exit(void)
{
	fprintf(stderr, "%s: out of memory\n", prog);
	exit(EXIT_FAIL);
}

/* -o in JSON: the chosen columns only, under the keys of the full output. */
static void print_mbox_columns_json(const struct mboxctl *c, attrs_t tb)
{
	uint32_t cmode = get_u32(tb[MBOX_A_CAPACITY_MODE]);
	char buf[64];
	double use;

	print_open_object(NULL);
	for (int i = 0; i < c->ncols; i++) {
		switch (c->cols[i]) {
		case COL_ID:
			print_u64("id", NULL, get_u64(tb[MBOX_A_ID]));
			break;
		case COL_NAME:
			cell(c, tb, COL_NAME, buf, sizeof(buf));
			print_str("name", NULL, buf);
			break;
		case COL_KIND:
			cell(c, tb, COL_KIND, buf, sizeof(buf));
			print_str("kind", NULL, buf);
			break;
		case COL_PID:
			print_u64("owner_pid", NULL, get_u32(tb[MBOX_A_OWNER_PID]));
			break;
		case COL_UID:
			print_u64("owner_uid", NULL, get_u32(tb[MBOX_A_OWNER_UID]));
			break;
		case COL_CAPACITY:
			print_str("capacity_mode", NULL,
				  NAME_OF(capacity_names, cmode));
			print_u64("capacity", NULL, get_u32(tb[MBOX_A_CAPACITY]));
			break;
		case COL_MSGSIZE:
			print_u64("msg_size", NULL, get_u32(tb[MBOX_A_MSG_SIZE]));
			break;
		case COL_MODE:
			cell(c, tb, COL_MODE, buf, sizeof(buf));
			print_str("mode", NULL, buf);
			break;
		case COL_QUEUED:
			print_u64("queued", NULL, get_u32(tb[MBOX_A_QUEUED]));
			break;
		case COL_BYTES:
			print_u64("queued_bytes", NULL,
				  get_u64(tb[MBOX_A_QUEUED_BYTES]));
			break;
		case COL_USE:
			use = cmode == MBOX_CAPACITY_BOUNDED ?
			      percent(get_u32(tb[MBOX_A_QUEUED]),
				      get_u32(tb[MBOX_A_CAPACITY])) : -1;
			if (use >= 0)
				print_f64("use_percent", NULL, use);
			break;
		case COL_HIGHWATER:
			print_u64("high_water", NULL, get_u32(tb[MBOX_A_HIGH_WATER]));
			break;
		case COL_SENDERS:
			print_u64("waiting_senders", NULL, get_u32(tb[MBOX_A_SENDERS]));
			break;
		case COL_RECEIVERS:
			print_u64("waiting_receivers", NULL,
				  get_u32(tb[MBOX_A_RECEIVERS]));
			break;
		case COL_FULL:
			print_bool("full", NULL, mbox_full(tb));
			break;
		case COL_SENT:
			print_u64("sent", NULL, get_u64(tb[MBOX_A_SENT]));
			break;
		case COL_RECEIVED:
			print_u64("received", NULL, get_u64(tb[MBOX_A_RECEIVED]));
			break;
		case COL_REJECTED:
			print_u64("rejected", NULL, get_u64(tb[MBOX_A_REJECTED]));
			break;
		default:
			print_bool("ring", NULL, tb[MBOX_A_RING]);
			break;
		}
	}
	print_close_object();
}

/* -o in text: one row into the table, printed by table_flush(). */
static void table_add(struct mboxctl *c, attrs_t tb)
{
	struct table *t = &c->table;
	char buf[128];

	if (t->rows == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 16;
		t->cells = realloc(t->cells, t->alloc * (size_t)c->ncols *
				   sizeof(*t->cells));
		if (!t->cells)
			oom_exit();
	}
	for (int i = 0; i < c->ncols; i++) {
		cell(c, tb, c->cols[i], buf, sizeof(buf));
		t->cells[t->rows * (size_t)c->ncols + (size_t)i] = strdup(buf);
		if (!t->cells[t->rows * (size_t)c->ncols + (size_t)i])
			oom_exit();
	}
	t->rows++;
}

static void table_flush(struct mboxctl *c)
{
	struct table *t = &c->table;
	int width[MAX_COLUMNS];
	size_t r;
	int i;

	if (!c->ncols || c->json)
		return;
	for (i = 0; i < c->ncols; i++) {
		width[i] = c->noheadings ? 0 : (int)strlen(columns[c->cols[i]].name);
		for (r = 0; r < t->rows; r++) {
			int w = (int)strlen(t->cells[r * (size_t)c->ncols + (size_t)i]);

			if (w > width[i])
				width[i] = w;
		}
	}
	for (r = 0; r <= t->rows; r++) {
		if (!r && c->noheadings)
			continue;
		for (i = 0; i < c->ncols; i++) {
			const char *v = r ? t->cells[(r - 1) * (size_t)c->ncols + (size_t)i] :
				       columns[c->cols[i]].name;
			bool last = i == c->ncols - 1;

			if (columns[c->cols[i]].right)
				printf("%*s%s", width[i], v, last ? "" : " ");
			else if (last)
				printf("%s", v);
			else
				printf("%-*s ", width[i], v);
		}
		putchar('\n');
	}
	for (r = 0; r < t->rows * (size_t)c->ncols; r++)
		free(t->cells[r]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
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
	print_bool("full", "full", mbox_full(tb));
	print_indent();
	print_u64("sent", "sent %" PRIu64, get_u64(tb[MBOX_A_SENT]));
	print_u64("received", "received %" PRIu64,
		  get_u64(tb[MBOX_A_RECEIVED]));
	print_u64("rejected", "rejected %" PRIu64,
		  get_u64(tb[MBOX_A_REJECTED]));
	print_bool("ring", "ring", tb[MBOX_A_RING]);
	if (tb[MBOX_A_RING_MESSAGES]) {
		print_nl();
		print_indent();
		print_u64("ring_messages", "ring messages %" PRIu64,
			  get_u64(tb[MBOX_A_RING_MESSAGES]));
		print_u64("ring_slot_bytes", "slot bytes %" PRIu64,
			  get_u64(tb[MBOX_A_RING_SLOT_BYTES]));
		print_u64("ring_discarded", "discarded %" PRIu64,
			  get_u64(tb[MBOX_A_RING_DISCARDED]));
		print_u64("ring_corrupt", "corrupt producers %" PRIu64,
			  get_u64(tb[MBOX_A_RING_CORRUPT]));
	}
	print_nl();
	print_close_object();
}

/* @data: the struct mboxctl, for -o. */
static int mbox_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mboxctl *c = data;
	attrs_t tb;

	if (parse_attrs(nlh, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	if (!c->ncols)
		print_mbox(tb);
	else if (c->json)
		print_mbox_columns_json(c, tb);
	else
		table_add(c, tb);
	return MNL_CB_OK;
}

/* What a lookup found: the mailbox's id. */
struct found {
	bool found;
	uint64_t id;
};

static int found_cb(const struct nlmsghdr *nlh, void *data)
{
	struct found *f = data;
	attrs_t tb;

	if (parse_attrs(nlh, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	f->found = true;
	f->id = get_u64(tb[MBOX_A_ID]);
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
		"where  MAILBOX := { ID | NAME | id ID | name NAME }\n"
		"       (a bare number is an id or a name of digits, whichever exists)\n",
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
	c->bare = false;
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
	c->bare = c->by_id;
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

/* Looks the mailbox up by id or by name: 0 (@f says if found) or -errno. */
static int lookup(struct mboxctl *c, bool by_id, struct found *f)
{
	struct nlmsghdr *nlh = nl_request(&c->nl, MBOX_CMD_MBOX_GET, 0);
	int err;

	if (by_id)
		mnl_attr_put_u64(nlh, MBOX_A_ID, c->id);
	else
		mnl_attr_put_strz(nlh, MBOX_A_NAME, c->name);
	memset(f, 0, sizeof(*f));
	err = nl_talk(&c->nl, nlh, found_cb, f);
	return err == -ENOENT ? 0 : err;
}

/*
 * A bare number ("mailbox show 123") may be the id 123 or a mailbox named
 * "123": both are looked up.  One answer (or both the same mailbox) decides;
 * two different mailboxes are an error that says how to choose.  Afterwards
 * the mailbox is named by its id (ids are never reused, so a later request
 * cannot reach another mailbox).  0, or an exit code.
 */
static int resolve_bare(struct mboxctl *c)
{
	struct found by_id, by_name;
	int err;

	if (!c->bare)
		return 0;
	err = lookup(c, true, &by_id);
	if (!err)
		err = lookup(c, false, &by_name);
	if (err == -EINVAL) {
		/* Not a valid name: the number can only be an id. */
		by_name.found = false;
		err = 0;
	}
	if (err)
		return report(c, err, c->name);
	if (by_id.found && by_name.found && by_id.id != by_name.id) {
		fprintf(stderr,
			"%s: %s %s: ambiguous: mailbox %s exists, and so does a mailbox named '%s' (id %" PRIu64 ");\n"
			"say 'id %s' or 'name %s'\n",
			prog, c->what, c->name, c->name, c->name, by_name.id,
			c->name, c->name);
		return EXIT_USAGE;
	}
	if (!by_id.found && !by_name.found)
		return report(c, -ENOENT, c->name);
	c->by_id = true;
	c->id = by_id.found ? by_id.id : by_name.id;
	return 0;
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
	err = nl_talk(&c->nl, nlh, mbox_cb, c);
	print_close_array();
	table_flush(c);
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
	err = resolve_bare(c);
	if (err)
		return err;
	nlh = nl_request(&c->nl, MBOX_CMD_MBOX_GET, 0);
	put_mailbox(c, nlh);
	err = nl_talk(&c->nl, nlh, mbox_cb, c);
	table_flush(c);
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
	const char *given[7] = { NULL };	/* each keyword once */
	const char *capacity_kw = NULL;		/* capacity, zero, unbounded */
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
		/* "capacity 4 zero": refused, not "the last one wins". */
		if (given[k])
			return usage_error("%s: '%s' given twice", c->what,
					   words[k]);
		given[k] = words[k];
		if (k <= 2) {
			if (capacity_kw)
				return usage_error("%s: '%s' and '%s' conflict: give one of capacity N, zero or unbounded",
						   c->what, capacity_kw, words[k]);
			capacity_kw = words[k];
		}
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
	err = nl_talk(&c->nl, nlh, mbox_cb, c);
	table_flush(c);
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
	err = resolve_bare(c);
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

/* @data: the struct mboxctl (for -b). */
static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct mboxctl *c = data;
	char buf[32];
	attrs_t tb;

	if (parse_attrs(nlh, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	print_u64("mailboxes", "mailboxes %" PRIu64,
		  get_u64(tb[MBOX_A_MAILBOXES]));
	print_u64("users", "users %" PRIu64, get_u32(tb[MBOX_A_USERS]));
	print_u64("memory_charged", NULL, get_u64(tb[MBOX_A_MEM_CHARGED]));
	print_str(NULL, "memory %s",
		  human(c, get_u64(tb[MBOX_A_MEM_CHARGED]), buf, sizeof(buf)));
	print_nl();
	return MNL_CB_OK;
}

/* "used of max (p%)" in text; the raw figures and the percentage in JSON. */
static void print_usage(const struct mboxctl *c, const char *key,
			const char *label, uint64_t used, uint64_t max,
			bool bytes)
{
	char jkey[48], u[32], m[32], text[96];
	double p = percent(used, max);

	print_u64(key, NULL, used);
	snprintf(jkey, sizeof(jkey), "%s_max", key);
	print_u64(jkey, NULL, max);
	snprintf(jkey, sizeof(jkey), "%s_use_percent", key);
	if (p >= 0)
		print_f64(jkey, NULL, p);
	if (bytes) {
		human(c, used, u, sizeof(u));
		human(c, max, m, sizeof(m));
	} else {
		snprintf(u, sizeof(u), "%" PRIu64, used);
		snprintf(m, sizeof(m), "%" PRIu64, max);
	}
	if (p >= 0)
		snprintf(text, sizeof(text), "%s of %s (%.1f%%)", u, m, p);
	else
		snprintf(text, sizeof(text), "%s of %s", u, m);
	snprintf(jkey, sizeof(jkey), "%s %%s", label);
	print_str(NULL, jkey, text);
}

static int user_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct mboxctl *c = data;
	attrs_t tb;

	if (parse_attrs(nlh, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	print_open_object(NULL);
	print_u64("uid", "user %" PRIu64 ":", get_u32(tb[MBOX_A_UID]));
	print_usage(c, "bytes", "bytes", get_u64(tb[MBOX_A_USER_BYTES]),
		    get_u64(tb[MBOX_A_USER_BYTES_MAX]), true);
	print_usage(c, "mailboxes", "mailboxes",
		    get_u32(tb[MBOX_A_USER_MAILBOXES]),
		    get_u32(tb[MBOX_A_USER_MAILBOXES_MAX]), false);
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
	err = nl_talk(&c->nl, nlh, stats_cb, c);
	if (!err) {
		print_open_array("per_user");
		nlh = nl_request(&c->nl, MBOX_CMD_USER_GET, NLM_F_DUMP);
		err = nl_talk(&c->nl, nlh, user_cb, c);
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
		if (given[k])
			return usage_error("limits set: '%s' given twice",
					   limit_names[k]);
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

/*
 * When an event was read, in local time with microseconds and the UTC
 * offset (ISO 8601, as journalctl -o short-iso-precise).
 */
static const char *timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char date[32], zone[8];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (!localtime_r(&ts.tv_sec, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) ||
	    !strftime(zone, sizeof(zone), "%z", &tm)) {
		snprintf(buf, size, "%lld.%06ld", (long long)ts.tv_sec,
			 ts.tv_nsec / 1000);
		return buf;
	}
	snprintf(buf, size, "%s.%06ld%s", date, ts.tv_nsec / 1000, zone);
	return buf;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	char when[64];
	attrs_t tb;

	(void)data;
	if (parse_attrs(nlh, tb) != MNL_CB_OK)
		return MNL_CB_ERROR;
	print_open_object(NULL);
	print_str("timestamp", "%s", timestamp(when, sizeof(when)));
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
			char when[64];

			print_open_object(NULL);
			print_str("timestamp", "%s", timestamp(when, sizeof(when)));
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
		"       OPTIONS := { -j[son] | -p[retty] | -o[utput] COLUMNS | -n[oheadings] |\n"
		"                    -b[ytes] | -V[ersion] | -h[elp] }\n"
		"-o selects the columns of mailbox list and show (-o help lists them).\n"
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
		"json", "pretty", "Version", "help", "output", "noheadings",
		"bytes", NULL
	};

	while (*argc && (*argv)[0][0] == '-' && (*argv)[0][1]) {
		const char *opt = (*argv)[0] + 1;
		char optname[32];
		const char *value = NULL, *eq;
		int k;

		if (!strcmp(opt, "-")) {
			(*argc)--, (*argv)++;
			break;
		}
		if (*opt == '-')
			opt++;
		/* --output=COLUMNS */
		eq = strchr(opt, '=');
		if (eq && (size_t)(eq - opt) < sizeof(optname)) {
			snprintf(optname, sizeof(optname), "%.*s", (int)(eq - opt), opt);
			value = eq + 1;
			opt = optname;
		}
		k = match(opt, longs);
		if (k == 4) {
			int err;

			if (!value) {
				if (*argc < 2)
					return usage_error("-o needs a list of columns");
				(*argc)--, (*argv)++;
				value = (*argv)[0];
			}
			if (!strcmp(value, "help")) {
				for (k = 0; k < COL_COUNT; k++)
					printf("%-10s %s\n", columns[k].name,
					       columns[k].help);
				exit(EXIT_OK);
			}
			err = parse_columns(c, value);
			if (err)
				return err;
			(*argc)--, (*argv)++;
			continue;
		}
		if (value)
			return usage_error("option '%s' takes no value", (*argv)[0]);
		if (k == 5 || k == 6) {
			if (k == 5)
				c->noheadings = true;
			else
				c->raw_bytes = true;
			(*argc)--, (*argv)++;
			continue;
		}
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
