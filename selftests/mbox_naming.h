/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the suites on ports, OS-owned and broadcast mailboxes and
 * notices (mbox_ports, mbox_os_owned, mbox_broadcast, mbox_notices): create
 * a mailbox of a kind by raw ioctl, delete by name or id, and send or receive
 * short strings.  Like mbox_util.h, no ASSERT_*: they work in children.
 */
#ifndef MBOX_NAMING_H
#define MBOX_NAMING_H

#include "mbox_util.h"

#define MSG 64

static inline int create_box(struct mbox_create *c, const char *name, uint64_t *id)
{
	int fd, ret;

	fd = dev_open();
	if (fd < 0)
		return fd;
	c->name = (uintptr_t)name;
	ret = xioctl(fd, MBOX_IOC_CREATE, c);
	close(fd);
	if (ret >= 0 && id)
		*id = c->id;
	return ret;
}

static inline int create_port(void)
{
	struct mbox_create c = create_req(MBOX_CAPACITY_UNBOUNDED, 0, MSG);

	c.flags = MBOX_CREATE_PORT;
	c.mode = 0666;
	return create_box(&c, NULL, NULL);
}

static inline int create_os(uint32_t mode_bits, uint32_t capacity_mode,
		     uint32_t capacity, uint32_t extra_flags, const char *name,
		     uint64_t *id)
{
	struct mbox_create c = create_req(capacity_mode, capacity, MSG);

	c.flags = MBOX_CREATE_OS | extra_flags;
	c.mode = mode_bits;
	return create_box(&c, name, id);
}

static inline int delete_req(struct mbox_delete *d)
{
	int fd = dev_open(), ret;

	if (fd < 0)
		return fd;
	ret = xioctl(fd, MBOX_IOC_DELETE, d);
	close(fd);
	return ret;
}

static inline int send_str(int fd, const char *s, uint32_t type)
{
	return send_msg(fd, s, (uint32_t)strlen(s), 0, type, 0);
}

/* Receives one message as a string into @buf; returns its length or -errno. */
static inline ssize_t recv_str(int fd, char *buf, uint32_t flags, pid_t from,
			uint32_t type, struct mbox_msginfo *mi)
{
	ssize_t n = mbox_recv_select(fd, buf, MSG - 1, flags, from, type, mi);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

#endif /* MBOX_NAMING_H */
