// SPDX-License-Identifier: GPL-2.0
/*
 * mboxctl's generic netlink transport.  See nl.h.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/genetlink.h>
#include <mbox/linux/mbox_netlink.h>
#include <linux/netlink.h>

#include "nl.h"

/* Large enough for any message the kernel puts in one dump batch. */
#define NL_BUF_SIZE	65536
#define NL_REQ_SIZE	4096

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK	11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK	10
#endif

/* The request most recently sent, to map an error offset to an attribute. */
static char nl_req_buf[NL_REQ_SIZE];

struct nl_talk {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
	int error;
};

static void nl_ack_clear(struct nl_ack *ack)
{
	memset(ack, 0, sizeof(*ack));
	ack->bad_attr = -1;
}

/* Which attribute of the request starts at byte @off of it. */
static int nl_attr_at(uint32_t off)
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)nl_req_buf;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, req, GENL_HDRLEN) {
		if ((const char *)attr - nl_req_buf == (long)off)
			return mnl_attr_get_type(attr);
	}
	return -1;
}

static void nl_parse_policy(const struct nlattr *nest, struct nl_ack *ack)
{
	const struct nlattr *attr;
	bool has_min = false, has_max = false;

	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			ack->min = mnl_attr_get_u64(attr);
			has_min = true;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			ack->max = mnl_attr_get_u64(attr);
			has_max = true;
			break;
		}
	}
	ack->has_range = has_min && has_max;
}

/* The TLVs of an extended ack, starting @off bytes into the payload. */
static void nl_parse_ack_tlvs(const struct nlmsghdr *nlh, unsigned int off,
			      struct nl_ack *ack)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(attr, nlh, off) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(ack->msg, sizeof(ack->msg), "%s",
					 mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				ack->bad_attr =
					nl_attr_at(mnl_attr_get_u32(attr));
			break;
		case NLMSGERR_ATTR_POLICY:
			nl_parse_policy(attr, ack);
			break;
		}
	}
}

static int nl_cb_error(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		t->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	/* Unless capped, the kernel echoes our request before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	nl_parse_ack_tlvs(nlh, off, &t->nl->ack);
	t->error = err->error;
	return MNL_CB_ERROR;
}

/* The end of a dump carries the dump's error, if it failed midway. */
static int nl_cb_done(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(int));
	if (err >= 0)
		return MNL_CB_STOP;
	nl_parse_ack_tlvs(nlh, sizeof(int), &t->nl->ack);
	t->error = err;
	return MNL_CB_ERROR;
}

static int nl_cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;
	int ret;

	if (!t->cb)
		return MNL_CB_OK;
	errno = 0;
	ret = t->cb(nlh, t->data);
	if (ret == MNL_CB_ERROR)
		t->error = errno ? -errno : -EBADMSG;
	return ret;
}

/* Not const: mnl_cb_run2() takes a mutable array. */
static mnl_cb_t nl_ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = nl_cb_error,
	[NLMSG_DONE] = nl_cb_done,
};

struct nlmsghdr *nl_request(struct nl *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_req_buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = (uint8_t)nl->version;
	return nlh;
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct nl_talk t = { .nl = nl, .cb = cb, .data = data };
	ssize_t n;
	int ret;

	nl_ack_clear(&nl->ack);
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->sk, nl->buf, NL_BUF_SIZE);
		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(nl->buf, (size_t)n, nlh->nlmsg_seq,
				  nl->portid, nl_cb_data, &t,
				  nl_ctl_cbs, NLMSG_MIN_TYPE);
	} while (ret == MNL_CB_OK);
	if (ret == MNL_CB_ERROR)
		return t.error ? t.error : (errno ? -errno : -EIO);
	return 0;
}

struct nl_family {
	const char *name;
	uint16_t id;
	uint32_t version;
	uint32_t events_group;
	bool found;
};

static void nl_parse_groups(const struct nlattr *groups, struct nl_family *f)
{
	const struct nlattr *grp, *attr;

	mnl_attr_for_each_nested(grp, groups) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(attr, grp) {
			if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(attr);
			else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(attr);
		}
		if (name && !strcmp(name, MBOX_MCGRP_EVENTS))
			f->events_group = id;
	}
}

static int nl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_family *f = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0) {
				f->id = mnl_attr_get_u16(attr);
				f->found = true;
			}
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				f->version = mnl_attr_get_u32(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			nl_parse_groups(attr, f);
			break;
		}
	}
	return MNL_CB_OK;
}

int nl_open(struct nl *nl, const char *family_name)
{
	struct nl_family f = { .name = family_name };
	struct nlmsghdr *nlh;
	int one = 1;
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->family_name = family_name;
	nl->seq = (uint32_t)time(NULL);
	nl->buf = malloc(NL_BUF_SIZE);
	if (!nl->buf)
		return -ENOMEM;
	nl->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sk) {
		err = -errno;
		goto fail;
	}
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	/* Best effort: without them errors are just less precise. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));

	nl->family = GENL_ID_CTRL;
	nl->version = 1;
	nlh = nl_request(nl, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family_name);
	err = nl_talk(nl, nlh, nl_family_cb, &f);
	if (!err && !f.found)
		err = -ENOENT;
	if (err)
		goto fail;
	nl->family = f.id;
	nl->version = f.version;
	nl->events_group = f.events_group;
	return 0;

fail:
	nl_close(nl);
	return err;
}

void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl->buf);
	nl->sk = NULL;
	nl->buf = NULL;
}

int nl_join_events(struct nl *nl)
{
	int grp = (int)nl->events_group;

	if (!grp)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return -errno;
	return 0;
}

int nl_recv_events(struct nl *nl, mnl_cb_t cb, void *data)
{
	ssize_t n;

	n = mnl_socket_recvfrom(nl->sk, nl->buf, NL_BUF_SIZE);
	if (n < 0)
		return -errno;
	/* Sequence and port 0: events are not answers to anything. */
	if (mnl_cb_run(nl->buf, (size_t)n, 0, 0, cb, data) == MNL_CB_ERROR)
		return errno ? -errno : -EBADMSG;
	return 0;
}
