// SPDX-License-Identifier: GPL-2.0
/*
 * The per-mailbox priority queue.  See queue.h.
 */
#include <linux/rbtree.h>

#include "message.h"
#include "queue.h"

void mbox_queue_init(struct mbox_queue *queue)
{
	queue->root = RB_ROOT_CACHED;
	queue->count = 0;
	queue->bytes = 0;
}

/* Orders the tree so that its leftmost message is the next to receive. */
static bool mbox_msg_before(struct rb_node *a, const struct rb_node *b)
{
	const struct mbox_msg *ma = rb_entry(a, struct mbox_msg, node);
	const struct mbox_msg *mb = rb_entry(b, struct mbox_msg, node);

	if (ma->qprio != mb->qprio)
		return ma->qprio > mb->qprio;
	return ma->order < mb->order;
}

void mbox_queue_add(struct mbox_queue *queue, struct mbox_msg *msg)
{
	rb_add_cached(&msg->node, &queue->root, mbox_msg_before);
	WRITE_ONCE(queue->count, queue->count + 1);
	WRITE_ONCE(queue->bytes, queue->bytes + msg->len);
}

void mbox_queue_del(struct mbox_queue *queue, struct mbox_msg *msg)
{
	rb_erase_cached(&msg->node, &queue->root);
	RB_CLEAR_NODE(&msg->node);
	WRITE_ONCE(queue->count, queue->count - 1);
	WRITE_ONCE(queue->bytes, queue->bytes - msg->len);
}

struct mbox_msg *mbox_queue_first(struct mbox_queue *queue)
{
	struct rb_node *node = rb_first_cached(&queue->root);

	return node ? rb_entry(node, struct mbox_msg, node) : NULL;
}

/* The message received after @msg, or NULL. */
struct mbox_msg *mbox_queue_next(struct mbox_msg *msg)
{
	struct rb_node *node = rb_next(&msg->node);

	return node ? rb_entry(node, struct mbox_msg, node) : NULL;
}
