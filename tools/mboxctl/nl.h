/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mboxctl's generic netlink transport over libmnl: resolve the family, send
 * one request, run the replies through a callback, keep the kernel's
 * extended ack for the error message.
 *
 * Functions return 0 or a negative errno, like libmbox.
 */
#ifndef MBOXCTL_NL_H
#define MBOXCTL_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

struct nl_ack {
	char msg[256];		/* NLMSGERR_ATTR_MSG, or "" */
	int bad_attr;		/* type of the attribute the kernel blamed, or -1 */
	bool has_range;		/* the policy's range for that attribute: */
	uint64_t min;
	uint64_t max;
};

struct nl {
	struct mnl_socket *sk;
	const char *family_name;
	uint16_t family;
	uint32_t version;
	uint32_t events_group;	/* 0 if the family has none */
	uint32_t portid;
	uint32_t seq;
	char *buf;
	struct nl_ack ack;	/* of the last failed request */
};

/*
 * Opens a socket and resolves @family_name.  -ENOENT: no such family (the
 * module is not loaded).
 */
int nl_open(struct nl *nl, const char *family_name);
void nl_close(struct nl *nl);

/* Starts a request for @cmd in nl->buf; NLM_F_REQUEST | NLM_F_ACK | @flags. */
struct nlmsghdr *nl_request(struct nl *nl, uint8_t cmd, uint16_t flags);

/*
 * Sends @nlh and feeds each reply message to @cb (may be NULL) until the
 * kernel's ack or the end of the dump.  On a kernel error returns it, with
 * nl->ack filled in.
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Joins the events multicast group.  -EPERM without CAP_NET_ADMIN. */
int nl_join_events(struct nl *nl);

/*
 * Receives the next batch of event messages and feeds them to @cb.
 * -EINTR when a signal arrived, -ENOBUFS when events were lost.
 */
int nl_recv_events(struct nl *nl, mnl_cb_t cb, void *data);

#endif /* MBOXCTL_NL_H */
