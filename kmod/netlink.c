// SPDX-License-Identifier: GPL-2.0
/*
 * The "mbox" generic netlink family.  See netlink.h for lifetimes, event.h
 * for the contexts of the event hooks, uapi/linux/mbox_netlink.h for the
 * protocol.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
#include <linux/limits.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <linux/mbox.h>
#include <linux/mbox_netlink.h>

#include "compat.h"
#include "event.h"
#include "mailbox.h"
#include "netlink.h"
#include "params.h"
#include "registry.h"
#include "ring.h"
#include "rules.h"
#include "uid_account.h"

enum mbox_nl_mcgrp {
	MBOX_NL_MCGRP_EVENTS,
};

static const struct genl_multicast_group mbox_nl_mcgrps[] = {
	/* Events name every mailbox: only for those who may see them all. */
	[MBOX_NL_MCGRP_EVENTS] = {
		.name = MBOX_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family mbox_genl_family;

/*
 * Who asked, fixed when the request arrives: what they may see and in which
 * namespaces ids are translated for them.
 */
struct mbox_nl_viewer {
	const struct cred *cred;
	struct pid_namespace *pidns;
	struct ipc_namespace *ipcns;
	bool all;
};

/*
 * Called in the requester's context (a doit, or a dump's start).  A
 * capability must be held both by the socket's opener and by the sender,
 * so that a privileged program tricked into writing a request to an
 * unprivileged user's socket shows nothing extra; for the same reason the
 * mode checks use the opener's credentials.
 */
static void mbox_nl_viewer_get(struct mbox_nl_viewer *v,
			       const struct sk_buff *skb)
{
	const struct socket *sock = NETLINK_CB(skb).sk->sk_socket;

	v->ipcns = mbox_get_ipc_ns();
	v->all = mbox_may_see_all(skb, v->ipcns);
	v->cred = get_cred(sock && sock->file ? sock->file->f_cred :
			   current_cred());
	v->pidns = get_pid_ns(task_active_pid_ns(current));
}

static void mbox_nl_viewer_put(struct mbox_nl_viewer *v)
{
	put_pid_ns(v->pidns);
	put_cred(v->cred);
	mbox_put_ipc_ns(v->ipcns);
}

/* The rule is in rules.c, as for every front end. */
static bool mbox_nl_visible(const struct mbox_nl_viewer *v,
			    const struct mbox *mb)
{
	return mbox_may_see(mb, v->ipcns, v->cred, v->all);
}

static u32 mbox_nl_kind(const struct mbox *mb)
{
	if (mb->flags & MBOX_CREATE_OS)
		return MBOX_KIND_OS;
	if (mb->flags & MBOX_CREATE_PORT)
		return MBOX_KIND_DIRECT;
	return MBOX_KIND_PROCESS;
}

/* OS-owned mailboxes have no owning process. */
static struct pid *mbox_nl_owner(const struct mbox *mb)
{
	return mbox_nl_kind(mb) == MBOX_KIND_OS ? NULL : mb->owner_pid;
}

/*
 * The mutable figures, each read once without the mailbox lock: a request
 * runs inside genl_rcv() holding genetlink's cb_lock, which every family
 * registration waits for, so it must not queue even for a lock held only
 * briefly (see mailbox.h).
 */
struct mbox_nl_counters {
	u64 queued_bytes;
	u64 sent;
	u64 received;
	u32 queued;
	u32 high_water;
	u32 senders;
	u32 receivers;
	bool full;
	bool dead;
};

static void mbox_nl_counters(const struct mbox *mb,
			     struct mbox_nl_counters *c)
{
	c->queued_bytes = READ_ONCE(mb->queue.bytes);
	c->sent = READ_ONCE(mb->sent);
	c->received = READ_ONCE(mb->received);
	c->queued = READ_ONCE(mb->queue.count);
	c->high_water = READ_ONCE(mb->high_water);
	c->senders = READ_ONCE(mb->nr_senders);
	c->receivers = READ_ONCE(mb->nr_receivers);
	c->full = mbox_events_full(&mb->events);
	c->dead = READ_ONCE(mb->dead);
}

static int mbox_nl_put_ident(struct sk_buff *skb, const struct mbox *mb)
{
	if (nla_put_u64_64bit(skb, MBOX_A_ID, mb->id, MBOX_A_PAD) ||
	    nla_put_string(skb, MBOX_A_NAME, mb->name) ||
	    nla_put_u32(skb, MBOX_A_KIND, mbox_nl_kind(mb)))
		return -EMSGSIZE;
	return 0;
}

static int mbox_nl_put_config(struct sk_buff *skb, const struct mbox *mb)
{
	if (nla_put_u32(skb, MBOX_A_CAPACITY_MODE, mb->capacity_mode) ||
	    nla_put_u32(skb, MBOX_A_CAPACITY, mb->capacity) ||
	    nla_put_u32(skb, MBOX_A_MSG_SIZE, mb->msg_size) ||
	    nla_put_u32(skb, MBOX_A_FLAGS, mb->flags) ||
	    nla_put_u32(skb, MBOX_A_MODE, mb->mode))
		return -EMSGSIZE;
	return 0;
}

/*
 * One MBOX_CMD_MBOX_GET message about @mb.  -ENOENT if it died since it
 * was looked up, -EMSGSIZE if @skb is full.  Never waits.
 */
static int mbox_nl_fill_mbox(struct sk_buff *skb, struct mbox *mb,
			     const struct mbox_nl_viewer *v, u32 portid,
			     u32 seq, int flags)
{
	struct mbox_nl_counters c;
	struct mbox_ring_stats rs;
	void *hdr;

	mbox_nl_counters(mb, &c);
	/* The ring's own lock is never held across a user copy. */
	mbox_ring_stats(mb, &rs);
	if (c.dead)
		return -ENOENT;

	hdr = genlmsg_put(skb, portid, seq, &mbox_genl_family, flags,
			  MBOX_CMD_MBOX_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (mbox_nl_put_ident(skb, mb) || mbox_nl_put_config(skb, mb) ||
	    nla_put_u32(skb, MBOX_A_OWNER_PID,
			pid_nr_ns(mbox_nl_owner(mb), v->pidns)) ||
	    nla_put_u32(skb, MBOX_A_OWNER_UID,
			from_kuid_munged(v->cred->user_ns, mb->uid)) ||
	    nla_put_u32(skb, MBOX_A_QUEUED, c.queued) ||
	    nla_put_u64_64bit(skb, MBOX_A_QUEUED_BYTES, c.queued_bytes,
			      MBOX_A_PAD) ||
	    nla_put_u32(skb, MBOX_A_HIGH_WATER, c.high_water) ||
	    nla_put_u32(skb, MBOX_A_SENDERS, c.senders) ||
	    nla_put_u32(skb, MBOX_A_RECEIVERS, c.receivers) ||
	    nla_put_u64_64bit(skb, MBOX_A_SENT, c.sent, MBOX_A_PAD) ||
	    nla_put_u64_64bit(skb, MBOX_A_RECEIVED, c.received, MBOX_A_PAD) ||
	    nla_put_u64_64bit(skb, MBOX_A_REJECTED,
			      atomic64_read(&mb->rejected), MBOX_A_PAD) ||
	    nla_put_u64_64bit(skb, MBOX_A_BYTES_MAX, mb->quota.reserved,
			      MBOX_A_PAD) ||
	    nla_put_u64_64bit(skb, MBOX_A_BYTES_CHARGED,
			      mbox_quota_charged(&mb->quota), MBOX_A_PAD) ||
	    (c.full && nla_put_flag(skb, MBOX_A_FULL)) ||
	    /* Set once, never cleared: a lockless look is exact enough. */
	    (mbox_ring_present(mb) && nla_put_flag(skb, MBOX_A_RING)))
		goto cancel;
	if (rs.ever &&
	    (nla_put_u64_64bit(skb, MBOX_A_RING_MESSAGES, rs.messages,
			       MBOX_A_PAD) ||
	     nla_put_u64_64bit(skb, MBOX_A_RING_SLOT_BYTES, rs.slot_bytes,
			       MBOX_A_PAD) ||
	     nla_put_u64_64bit(skb, MBOX_A_RING_DISCARDED, rs.discarded,
			       MBOX_A_PAD) ||
	     nla_put_u64_64bit(skb, MBOX_A_RING_CORRUPT, rs.corrupt,
			       MBOX_A_PAD)))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * Resolves MBOX_A_ID or MBOX_A_NAME (exactly one) to a live mailbox the
 * viewer may see, with a reference.
 */
static struct mbox *mbox_nl_lookup(struct genl_info *info,
				   const struct mbox_nl_viewer *v)
{
	struct nlattr *id = info->attrs[MBOX_A_ID];
	struct nlattr *name = info->attrs[MBOX_A_NAME];
	struct mbox *mb;
	int err;

	if (!id == !name) {
		NL_SET_ERR_MSG(info->extack,
			       "give exactly one of the mailbox id and name");
		return ERR_PTR(-EINVAL);
	}
	if (id) {
		mb = mbox_lookup_id(nla_get_u64(id));
	} else {
		err = mbox_name_check(nla_data(name));
		if (err) {
			NL_SET_ERR_MSG_ATTR(info->extack, name,
					    "invalid mailbox name");
			return ERR_PTR(err);
		}
		mb = mbox_lookup_name(nla_data(name));
	}
	if (mb && !mbox_nl_visible(v, mb)) {
		mbox_put(mb);
		mb = NULL;
	}
	if (!mb) {
		NL_SET_ERR_MSG_ATTR(info->extack, id ? id : name,
				    "no such mailbox");
		return ERR_PTR(-ENOENT);
	}
	return mb;
}

static int mbox_nl_mbox_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mbox_nl_viewer v;
	struct sk_buff *msg;
	struct mbox *mb;
	int err;

	mbox_nl_viewer_get(&v, skb);
	mb = mbox_nl_lookup(info, &v);
	if (IS_ERR(mb)) {
		err = PTR_ERR(mb);
		goto out_viewer;
	}

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto out_mb;
	}
	err = mbox_nl_fill_mbox(msg, mb, &v, info->snd_portid, info->snd_seq,
				0);
	if (err) {
		nlmsg_free(msg);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no such mailbox");
		goto out_mb;
	}
	err = genlmsg_reply(msg, info);
out_mb:
	mbox_put(mb);
out_viewer:
	mbox_nl_viewer_put(&v);
	return err;
}

/*
 * Creates an OS-owned mailbox in the caller's IPC namespace, with the rules
 * and the permission of MBOX_IOC_CREATE with MBOX_CREATE_OS, and answers
 * with its description.  The mailbox lives until MBOX_CMD_MBOX_DEL.
 */
static int mbox_nl_mbox_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct mbox_create args = {};
	struct mbox_nl_viewer v;
	struct sk_buff *msg;
	const char *name;
	struct mbox *mb;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MBOX_A_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, MBOX_A_MSG_SIZE))
		return -EINVAL;
	name = nla_data(attrs[MBOX_A_NAME]);
	err = mbox_name_check(name);
	if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[MBOX_A_NAME],
				    "invalid mailbox name");
		return err;
	}

	args.flags = MBOX_CREATE_OS;
	if (attrs[MBOX_A_FLAGS])
		args.flags |= nla_get_u32(attrs[MBOX_A_FLAGS]);
	args.capacity_mode = MBOX_CAPACITY_BOUNDED;
	if (attrs[MBOX_A_CAPACITY_MODE])
		args.capacity_mode = nla_get_u32(attrs[MBOX_A_CAPACITY_MODE]);
	if (attrs[MBOX_A_CAPACITY])
		args.capacity = nla_get_u32(attrs[MBOX_A_CAPACITY]);
	args.msg_size = nla_get_u32(attrs[MBOX_A_MSG_SIZE]);
	if (attrs[MBOX_A_MODE])
		args.mode = nla_get_u32(attrs[MBOX_A_MODE]);
	if (attrs[MBOX_A_BYTES_MAX])
		args.bytes_max = nla_get_u64(attrs[MBOX_A_BYTES_MAX]);
	/* The rules and the permission of MBOX_IOC_CREATE: see rules.c. */
	err = mbox_create_check(&args, skb, info);
	if (err)
		return err;

	mb = mbox_os_create(&args, name);
	if (IS_ERR(mb)) {
		err = PTR_ERR(mb);
		if (err == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[MBOX_A_NAME],
					    "a mailbox of that name exists");
		return err;
	}

	mbox_nl_viewer_get(&v, skb);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	err = msg ? mbox_nl_fill_mbox(msg, mb, &v, info->snd_portid,
				      info->snd_seq, 0) : -ENOMEM;
	mbox_nl_viewer_put(&v);
	if (err) {
		/* Unreported, so undone: a failed request leaves nothing. */
		nlmsg_free(msg);
		mbox_os_delete(mb);
		mbox_put(mb);
		return err == -ENOENT ? -ENOMEM : err;
	}
	mbox_put(mb);
	return genlmsg_reply(msg, info);
}

static int mbox_nl_mbox_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mbox_nl_viewer v;
	struct mbox *mb;
	int err;

	mbox_nl_viewer_get(&v, skb);
	mb = mbox_nl_lookup(info, &v);
	if (IS_ERR(mb)) {
		err = PTR_ERR(mb);
		goto out_viewer;
	}
	if (!(mb->flags & MBOX_CREATE_OS)) {
		NL_SET_ERR_MSG(info->extack,
			       "not OS-owned: it ends when its owner closes it");
		err = -EINVAL;
	} else if (!mbox_may_delete(mb, skb, v.cred)) {
		NL_SET_ERR_MSG(info->extack,
			       "needs CAP_SYS_ADMIN over its IPC namespace, or to be its creator");
		err = -EPERM;
	} else {
		err = mbox_os_delete(mb);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no such mailbox");
	}
	mbox_put(mb);
out_viewer:
	mbox_nl_viewer_put(&v);
	return err;
}

/* Dump state, in netlink_callback::ctx between the dump's calls. */
struct mbox_nl_dump {
	struct mbox_nl_viewer viewer;
	u64 next_id;		/* mailboxes: the next id to look at */
	unsigned long pos;	/* users: mbox_accts_walk() position */
};

static_assert(sizeof(struct mbox_nl_dump) <=
	      sizeof_field(struct netlink_callback, ctx));

static struct mbox_nl_dump *mbox_nl_dump_ctx(struct netlink_callback *cb)
{
	return (struct mbox_nl_dump *)cb->ctx;
}

static int mbox_nl_dump_start(struct netlink_callback *cb)
{
	struct mbox_nl_dump *d = mbox_nl_dump_ctx(cb);

	/*
	 * The policy (shared with the doit) has accepted them; look in the
	 * request itself, which reads the same on every kernel.
	 */
	if (nlmsg_find_attr(cb->nlh, GENL_HDRLEN, MBOX_A_ID) ||
	    nlmsg_find_attr(cb->nlh, GENL_HDRLEN, MBOX_A_NAME)) {
		NL_SET_ERR_MSG(cb->extack,
			       "a dump takes no mailbox id or name");
		return -EINVAL;
	}
	mbox_nl_viewer_get(&d->viewer, cb->skb);
	d->next_id = 1;
	d->pos = 0;
	return 0;
}

static int mbox_nl_dump_done(struct netlink_callback *cb)
{
	mbox_nl_viewer_put(&mbox_nl_dump_ctx(cb)->viewer);
	return 0;
}

/*
 * Mailboxes in id order, resuming at the first id not yet reported; a
 * mailbox created or destroyed during the dump may or may not appear.
 */
static int mbox_nl_mbox_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct mbox_nl_dump *d = mbox_nl_dump_ctx(cb);
	struct mbox *mb;
	int err = 0;

	while ((mb = mbox_find_next(&d->next_id))) {
		err = 0;
		if (mbox_nl_visible(&d->viewer, mb))
			err = mbox_nl_fill_mbox(skb, mb, &d->viewer,
						NETLINK_CB(cb->skb).portid,
						cb->nlh->nlmsg_seq,
						NLM_F_MULTI);
		mbox_put(mb);
		if (err == -ENOENT)
			err = 0;
		if (err)
			break;
		d->next_id++;
	}
	/* A full skb ends this round; the next one resumes at the same id. */
	if (err == -EMSGSIZE)
		return skb->len;
	return err ?: skb->len;
}

struct mbox_nl_users {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const struct mbox_nl_viewer *viewer;
	struct mbox_limits limits;
};

/* Runs under the users' spinlock: no sleeping, nothing but skb writes. */
static int mbox_nl_fill_user(const struct mbox_acct_usage *u, void *arg)
{
	struct mbox_nl_users *w = arg;
	const struct cred *cred = w->viewer->cred;
	void *hdr;

	if (!w->viewer->all && !uid_eq(u->uid, cred->uid))
		return 0;

	hdr = genlmsg_put(w->skb, NETLINK_CB(w->cb->skb).portid,
			  w->cb->nlh->nlmsg_seq, &mbox_genl_family,
			  NLM_F_MULTI, MBOX_CMD_USER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(w->skb, MBOX_A_UID,
			from_kuid_munged(cred->user_ns, u->uid)) ||
	    nla_put_u64_64bit(w->skb, MBOX_A_USER_BYTES, u->bytes,
			      MBOX_A_PAD) ||
	    nla_put_u64_64bit(w->skb, MBOX_A_USER_BYTES_MAX,
			      w->limits.user_bytes_max, MBOX_A_PAD) ||
	    nla_put_u32(w->skb, MBOX_A_USER_MAILBOXES, u->mailboxes) ||
	    nla_put_u32(w->skb, MBOX_A_USER_MAILBOXES_MAX,
			w->limits.user_mailboxes_max)) {
		genlmsg_cancel(w->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(w->skb, hdr);
	return 0;
}

static int mbox_nl_user_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct mbox_nl_dump *d = mbox_nl_dump_ctx(cb);
	struct mbox_nl_users w = {
		.skb = skb,
		.cb = cb,
		.viewer = &d->viewer,
	};
	int err;

	mbox_limits_get(&w.limits);
	err = mbox_accts_walk(&d->pos, mbox_nl_fill_user, &w);
	if (err && err != -EMSGSIZE)
		return err;
	return skb->len;
}

struct mbox_nl_totals {
	u64 bytes;
	u32 users;
};

static int mbox_nl_add_user(const struct mbox_acct_usage *u, void *arg)
{
	struct mbox_nl_totals *t = arg;

	t->bytes += u->bytes;
	t->users++;
	return 0;
}

static int mbox_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mbox_nl_totals t = {};
	unsigned long pos = 0;
	struct sk_buff *msg;
	void *hdr;

	mbox_accts_walk(&pos, mbox_nl_add_user, &t);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mbox_genl_family, 0,
				MBOX_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	if (nla_put_u64_64bit(msg, MBOX_A_MAILBOXES, mbox_registry_count(),
			      MBOX_A_PAD) ||
	    nla_put_u32(msg, MBOX_A_USERS, t.users) ||
	    nla_put_u64_64bit(msg, MBOX_A_MEM_CHARGED, t.bytes, MBOX_A_PAD))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int mbox_nl_limits_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mbox_limits l;
	struct sk_buff *msg;
	void *hdr;

	mbox_limits_get(&l);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mbox_genl_family, 0,
				MBOX_CMD_LIMITS_GET);
	if (!hdr)
		goto nospace;
	if (nla_put_u32(msg, MBOX_A_MSG_SIZE_MAX, l.msg_size_max) ||
	    nla_put_u32(msg, MBOX_A_CAPACITY_MAX, l.capacity_max) ||
	    nla_put_u64_64bit(msg, MBOX_A_USER_BYTES_MAX, l.user_bytes_max,
			      MBOX_A_PAD) ||
	    nla_put_u32(msg, MBOX_A_USER_MAILBOXES_MAX, l.user_mailboxes_max) ||
	    nla_put_u64_64bit(msg, MBOX_A_UNBOUNDED_BYTES_DEFAULT,
			      l.unbounded_bytes_default, MBOX_A_PAD))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* The ranges are in the policy; here only what a policy cannot say. */
static int mbox_nl_limits_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct mbox_limits l = {};
	unsigned int mask = 0;

	if (attrs[MBOX_A_MSG_SIZE_MAX]) {
		l.msg_size_max = nla_get_u32(attrs[MBOX_A_MSG_SIZE_MAX]);
		mask |= MBOX_LIMIT_MSG_SIZE;
	}
	if (attrs[MBOX_A_CAPACITY_MAX]) {
		l.capacity_max = nla_get_u32(attrs[MBOX_A_CAPACITY_MAX]);
		mask |= MBOX_LIMIT_CAPACITY;
	}
	if (attrs[MBOX_A_USER_BYTES_MAX]) {
		l.user_bytes_max = nla_get_u64(attrs[MBOX_A_USER_BYTES_MAX]);
		/* The parameter is an unsigned long. */
		if (l.user_bytes_max > ULONG_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[MBOX_A_USER_BYTES_MAX],
					    "value above ULONG_MAX");
			return -ERANGE;
		}
		mask |= MBOX_LIMIT_USER_BYTES;
	}
	if (attrs[MBOX_A_USER_MAILBOXES_MAX]) {
		l.user_mailboxes_max =
			nla_get_u32(attrs[MBOX_A_USER_MAILBOXES_MAX]);
		mask |= MBOX_LIMIT_USER_MAILBOXES;
	}
	if (attrs[MBOX_A_UNBOUNDED_BYTES_DEFAULT]) {
		l.unbounded_bytes_default =
			nla_get_u64(attrs[MBOX_A_UNBOUNDED_BYTES_DEFAULT]);
		mask |= MBOX_LIMIT_UNBOUNDED_BYTES;
	}
	if (!mask) {
		NL_SET_ERR_MSG(info->extack, "no limit given");
		return -EINVAL;
	}
	mbox_limits_set(&l, mask);
	return 0;
}

static const struct nla_policy mbox_nl_lookup_policy[MBOX_A_MAX + 1] = {
	[MBOX_A_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[MBOX_A_NAME] = { .type = NLA_NUL_STRING, .len = MBOX_NAME_MAX - 1 },
};

/* Not const: 6.1's nla_policy points to a mutable range. */
static struct netlink_range_validation mbox_nl_msg_size_range __ro_after_init = {
	.min = 1,
	.max = MBOX_MSG_SIZE_CEILING,
};

static struct netlink_range_validation mbox_nl_capacity_range __ro_after_init = {
	.min = 1,
	.max = MBOX_CAPACITY_CEILING,
};

static struct netlink_range_validation mbox_nl_mailboxes_range __ro_after_init = {
	.min = 1,
	.max = MBOX_MAILBOXES_CEILING,
};

static struct netlink_range_validation mbox_nl_bytes_range __ro_after_init = {
	.min = 1,
	.max = MBOX_BYTES_CEILING,
};

static const struct nla_policy mbox_nl_new_policy[MBOX_A_MAX + 1] = {
	[MBOX_A_NAME] = { .type = NLA_NUL_STRING, .len = MBOX_NAME_MAX - 1 },
	[MBOX_A_CAPACITY_MODE] = NLA_POLICY_MAX(NLA_U32,
						MBOX_CAPACITY_UNBOUNDED),
	[MBOX_A_CAPACITY] = { .type = NLA_U32 },
	[MBOX_A_MSG_SIZE] = NLA_POLICY_MIN(NLA_U32, 1),
	[MBOX_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, MBOX_CREATE_FIXED_SIZE |
					 MBOX_CREATE_BROADCAST),
	[MBOX_A_MODE] = NLA_POLICY_MAX(NLA_U32, 0777),
	[MBOX_A_BYTES_MAX] = { .type = NLA_U64 },
};

static const struct nla_policy mbox_nl_limits_policy[MBOX_A_MAX + 1] = {
	[MBOX_A_MSG_SIZE_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &mbox_nl_msg_size_range),
	[MBOX_A_CAPACITY_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &mbox_nl_capacity_range),
	[MBOX_A_USER_BYTES_MAX] = { .type = NLA_U64 },
	[MBOX_A_USER_MAILBOXES_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &mbox_nl_mailboxes_range),
	[MBOX_A_UNBOUNDED_BYTES_DEFAULT] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &mbox_nl_bytes_range),
};

/*
 * Commands without a policy take no attribute: the core rejects any (all
 * commands validate strictly, see resv_start_op below).
 */
static const struct genl_ops mbox_nl_ops[] = {
	{
		.cmd = MBOX_CMD_MBOX_GET,
		.doit = mbox_nl_mbox_get_doit,
		.start = mbox_nl_dump_start,
		.dumpit = mbox_nl_mbox_get_dumpit,
		.done = mbox_nl_dump_done,
		.policy = mbox_nl_lookup_policy,
		.maxattr = MBOX_A_MAX,
	},
	{
		/* Permission as for MBOX_IOC_CREATE: checked inside. */
		.cmd = MBOX_CMD_MBOX_NEW,
		.doit = mbox_nl_mbox_new_doit,
		.policy = mbox_nl_new_policy,
		.maxattr = MBOX_A_MAX,
	},
	{
		/* Permission as for MBOX_IOC_DELETE: checked inside. */
		.cmd = MBOX_CMD_MBOX_DEL,
		.doit = mbox_nl_mbox_del_doit,
		.policy = mbox_nl_lookup_policy,
		.maxattr = MBOX_A_MAX,
	},
	{
		.cmd = MBOX_CMD_STATS_GET,
		.doit = mbox_nl_stats_get_doit,
	},
	{
		.cmd = MBOX_CMD_USER_GET,
		.start = mbox_nl_dump_start,
		.dumpit = mbox_nl_user_get_dumpit,
		.done = mbox_nl_dump_done,
	},
	{
		.cmd = MBOX_CMD_LIMITS_GET,
		.doit = mbox_nl_limits_get_doit,
	},
	{
		.cmd = MBOX_CMD_LIMITS_SET,
		.doit = mbox_nl_limits_set_doit,
		.policy = mbox_nl_limits_policy,
		.maxattr = MBOX_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family mbox_genl_family __ro_after_init = {
	.name = MBOX_GENL_NAME,
	.version = MBOX_GENL_VERSION,
	/*
	 * Any namespace may ask; the registry is global and the visibility
	 * rule, not the namespace, decides what a caller sees.  Admin
	 * commands use GENL_ADMIN_PERM (initial user namespace), never
	 * GENL_UNS_ADMIN_PERM, for the same reason.
	 */
	.netnsok = true,
	/* Our handlers take their own locks; no need for genl_mutex. */
	.parallel_ops = true,
	/* A new family: every command validates strictly. */
	.resv_start_op = 0,
	.module = THIS_MODULE,
	.ops = mbox_nl_ops,
	.n_ops = ARRAY_SIZE(mbox_nl_ops),
	.mcgrps = mbox_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mbox_nl_mcgrps),
};

/* Room for the largest event: identity plus a handful of numbers. */
#define MBOX_NL_EVENT_SIZE						\
	(nla_total_size(MBOX_NAME_MAX) + 4 * nla_total_size_64bit(8) +	\
	 8 * nla_total_size(4))

static bool mbox_nl_listened(void)
{
	return genl_has_listeners(&mbox_genl_family, &init_net,
				  MBOX_NL_MCGRP_EVENTS) > 0;
}

/* Sends event @cmd about @mb; @put adds the event's own attributes. */
static void mbox_nl_event(struct mbox *mb, u8 cmd,
			  int (*put)(struct sk_buff *skb, struct mbox *mb,
				     u32 arg),
			  u32 arg)
{
	struct sk_buff *skb;
	void *hdr;

	if (!mbox_nl_listened())
		return;

	skb = genlmsg_new(MBOX_NL_EVENT_SIZE, GFP_KERNEL);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &mbox_genl_family, 0, cmd);
	if (!hdr)
		goto free;
	if (mbox_nl_put_ident(skb, mb) || (put && put(skb, mb, arg)))
		goto free;
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&mbox_genl_family, skb, 0, MBOX_NL_MCGRP_EVENTS,
			  GFP_KERNEL);
	return;

free:
	/* MBOX_NL_EVENT_SIZE is too small: a bug, but tell the listeners. */
	WARN_ON_ONCE(1);
	nlmsg_free(skb);
lost:
	genl_set_err(&mbox_genl_family, &init_net, 0, MBOX_NL_MCGRP_EVENTS,
		     ENOBUFS);
}

static int mbox_nl_put_created(struct sk_buff *skb, struct mbox *mb,
			       u32 unused)
{
	if (nla_put_u32(skb, MBOX_A_OWNER_PID, pid_nr(mbox_nl_owner(mb))) ||
	    nla_put_u32(skb, MBOX_A_OWNER_UID,
			from_kuid_munged(&init_user_ns, mb->uid)))
		return -EMSGSIZE;
	return mbox_nl_put_config(skb, mb);
}

static void mbox_nl_created(struct mbox *mb)
{
	mbox_nl_event(mb, MBOX_EVENT_CREATED, mbox_nl_put_created, 0);
}

/* Called from the exiting owner's own context. */
static int mbox_nl_put_dying(struct sk_buff *skb, struct mbox *mb,
			     u32 unused)
{
	return nla_put_u32(skb, MBOX_A_OWNER_PID, task_tgid_nr(current));
}

static void mbox_nl_owner_died(struct mbox *mb)
{
	mbox_nl_event(mb, MBOX_EVENT_OWNER_DIED, mbox_nl_put_dying, 0);
}

static int mbox_nl_put_reason(struct sk_buff *skb, struct mbox *mb,
			      u32 reason)
{
	return nla_put_u32(skb, MBOX_A_REASON, reason);
}

/* The event layer decided why; this only says it in the protocol's terms. */
static void mbox_nl_destroyed(struct mbox *mb, enum mbox_death why)
{
	u32 reason = MBOX_REASON_OWNER_CLOSED;

	if (why == MBOX_DEATH_OWNER_DIED)
		reason = MBOX_REASON_OWNER_DIED;
	else if (mbox_death_notice(mb, why) == MBOX_NOTICE_DELETED)
		reason = MBOX_REASON_DELETED;
	mbox_nl_event(mb, MBOX_EVENT_DESTROYED, mbox_nl_put_reason, reason);
}

static int mbox_nl_put_queue(struct sk_buff *skb, struct mbox *mb,
			     u32 unused)
	__must_hold(&mb->lock)
{
	if (nla_put_u32(skb, MBOX_A_QUEUED, mb->queue.count) ||
	    nla_put_u32(skb, MBOX_A_SENDERS, mb->nr_senders))
		return -EMSGSIZE;
	return 0;
}

/* Already throttled by the event layer (event.h). */
static void mbox_nl_full(struct mbox *mb, bool full)
	__must_hold(&mb->lock)
{
	mbox_nl_event(mb, full ? MBOX_EVENT_FULL : MBOX_EVENT_NOT_FULL,
		      mbox_nl_put_queue, 0);
}

static const struct mbox_event_ops mbox_nl_event_ops = {
	.listened = mbox_nl_listened,
	.created = mbox_nl_created,
	.owner_died = mbox_nl_owner_died,
	.destroyed = mbox_nl_destroyed,
	.full = mbox_nl_full,
};

int mbox_netlink_register(void)
{
	int err;

	err = genl_register_family(&mbox_genl_family);
	if (!err)
		mbox_event_register(&mbox_nl_event_ops);
	return err;
}

/*
 * Handles and linked OS-owned mailboxes pin the module, so every mailbox
 * was destroyed - and its armed report flushed - before this runs, and no
 * event hook can be running.
 */
void mbox_netlink_unregister(void)
{
	mbox_event_unregister();
	genl_unregister_family(&mbox_genl_family);
}
