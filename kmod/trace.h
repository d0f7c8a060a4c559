/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the mbox module: events/mbox/ in tracefs, mbox:* for
 * perf, tracepoint:mbox:* for bpftrace.  The life-cycle events are raised
 * through the event layer (event.c) beside the netlink events; the
 * transfer events straight from transfer.c and bridge.c.
 *
 * DOC: Events
 *
 * mbox_create       a mailbox got its id.  If registering it then fails
 *                   (its name is taken), its mbox_destroy follows at once.
 * mbox_destroy      a mailbox died: its owner handle went, or an OS-owned
 *                   mailbox was deleted and lost its last receiver; @queued
 *                   messages were discarded, @senders blocked senders get
 *                   -EPIPE.
 * mbox_owner_death  the owner handle of a process-owned mailbox was
 *                   released, by close or (@exiting) by process exit, as
 *                   decided once for every report (event.h, DOC: Death
 *                   reasons); always followed by mbox_destroy.
 * mbox_send         a message was accepted and got its @seq.  On a ZERO
 *                   mailbox that happens when a receiver takes it, so the
 *                   event comes just before the matching mbox_recv.
 * mbox_recv         a message was received (once per receiver handle on a
 *                   broadcast mailbox).
 * mbox_block        a sender or receiver is going to sleep.
 * mbox_wake         that task is running again, and why: done (admitted,
 *                   taken, or a message arrived), refused, dead,
 *                   unreachable, timeout, signal, spurious.
 *
 * A @pid field is the thread-group id of the process concerned, as seen
 * from the initial pid namespace: the sender for mbox_send and mbox_recv
 * (@receiver is the receiving process), the caller otherwise.  Events are
 * emitted under the mailbox lock where the state they describe is decided,
 * so per mailbox they appear in the order things happened.
 *
 * DOC: Locking
 *
 * mbox_send, mbox_recv, mbox_block, mbox_wake and mbox_destroy run with the
 * mailbox lock held; mbox_create and mbox_owner_death without it, reading
 * only fields fixed at creation.  No event sleeps or takes a lock.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mbox

#if !defined(_MBOX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MBOX_TRACE_H

#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/tracepoint.h>
#include <linux/uidgid.h>
#include <linux/mbox.h>

#include "mailbox.h"
#include "message.h"
#include "transfer.h"

#ifndef _MBOX_TRACE_REASONS
#define _MBOX_TRACE_REASONS
/* Why a wait ended when no waker resolved it (beyond enum mbox_wait_state). */
#define MBOX_TRACE_WAKE_TIMEOUT		16
#define MBOX_TRACE_WAKE_SIGNAL		17
#define MBOX_TRACE_WAKE_SPURIOUS	18

/* A resolution wins over a timeout or signal that raced with it. */
static inline u32 mbox_trace_wake_reason(enum mbox_wait_state state,
					 bool timed_out)
{
	if (state != MBOX_WAIT_PENDING)
		return state;
	if (timed_out)
		return MBOX_TRACE_WAKE_TIMEOUT;
	if (signal_pending(current))
		return MBOX_TRACE_WAKE_SIGNAL;
	return MBOX_TRACE_WAKE_SPURIOUS;
}
#endif

TRACE_DEFINE_ENUM(MBOX_WAIT_DONE);
TRACE_DEFINE_ENUM(MBOX_WAIT_REFUSED);
TRACE_DEFINE_ENUM(MBOX_WAIT_DEAD);
TRACE_DEFINE_ENUM(MBOX_WAIT_UNREACHABLE);

#define mbox_trace_capacity_mode(m)					\
	__print_symbolic(m, { MBOX_CAPACITY_ZERO, "zero" },		\
			 { MBOX_CAPACITY_BOUNDED, "bounded" },		\
			 { MBOX_CAPACITY_UNBOUNDED, "unbounded" })

TRACE_EVENT(mbox_create,
	    TP_PROTO(const struct mbox *mb),
	    TP_ARGS(mb),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, pid)
			     __field(u32, uid)
			     __field(u32, flags)
			     __field(u32, capacity_mode)
			     __field(u32, capacity)
			     __field(u32, msg_size)
			     __array(char, name, MBOX_NAME_MAX)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->pid = current->tgid;
			   __entry->uid = from_kuid(&init_user_ns, mb->uid);
			   __entry->flags = mb->flags;
			   __entry->capacity_mode = mb->capacity_mode;
			   __entry->capacity = mb->capacity;
			   __entry->msg_size = mb->msg_size;
			   memcpy(__entry->name, mb->name, MBOX_NAME_MAX);),
	    TP_printk("id=%llu pid=%d uid=%u flags=0x%x buffering=%s capacity=%u msg_size=%u name=%s",
		      __entry->id, __entry->pid, __entry->uid, __entry->flags,
		      mbox_trace_capacity_mode(__entry->capacity_mode),
		      __entry->capacity, __entry->msg_size, __entry->name)
);

TRACE_EVENT(mbox_destroy,
	    TP_PROTO(const struct mbox *mb, u32 reason),
	    TP_ARGS(mb, reason),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, pid)
			     __field(u32, reason)
			     __field(u32, queued)
			     __field(u32, senders)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->pid = current->tgid;
			   __entry->reason = reason;
			   __entry->queued = mb->queue.count;
			   __entry->senders = mb->nr_senders;),
	    TP_printk("id=%llu pid=%d reason=%s queued=%u senders=%u",
		      __entry->id, __entry->pid,
		      __print_symbolic(__entry->reason,
				       { MBOX_NOTICE_OWNER_GONE, "owner_gone" },
				       { MBOX_NOTICE_DELETED, "deleted" }),
		      __entry->queued, __entry->senders)
);

TRACE_EVENT(mbox_owner_death,
	    TP_PROTO(const struct mbox *mb, bool exiting),
	    TP_ARGS(mb, exiting),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, pid)
			     __field(u32, exiting)
			     __array(char, comm, TASK_COMM_LEN)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->pid = current->tgid;
			   __entry->exiting = exiting;
			   memcpy(__entry->comm, current->comm, TASK_COMM_LEN);),
	    TP_printk("id=%llu pid=%d comm=%s exiting=%u",
		      __entry->id, __entry->pid, __entry->comm, __entry->exiting)
);

TRACE_EVENT(mbox_send,
	    TP_PROTO(const struct mbox *mb, const struct mbox_msg *msg, u64 seq),
	    TP_ARGS(mb, msg, seq),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, seq)
			     __field(pid_t, pid)
			     __field(u32, len)
			     __field(u32, prio)
			     __field(u32, type)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->seq = seq;
			   __entry->pid = pid_nr(msg->pid);
			   __entry->len = msg->len;
			   __entry->prio = msg->prio;
			   __entry->type = msg->type;),
	    TP_printk("id=%llu seq=%llu pid=%d len=%u prio=%u type=%u",
		      __entry->id, __entry->seq, __entry->pid, __entry->len,
		      __entry->prio, __entry->type)
);

TRACE_EVENT(mbox_recv,
	    TP_PROTO(const struct mbox *mb, const struct mbox_msg *msg, u64 seq),
	    TP_ARGS(mb, msg, seq),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, seq)
			     __field(pid_t, pid)
			     __field(pid_t, receiver)
			     __field(u32, len)
			     __field(u32, prio)
			     __field(u32, type)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->seq = seq;
			   __entry->pid = pid_nr(msg->pid);
			   __entry->receiver = current->tgid;
			   __entry->len = msg->len;
			   __entry->prio = msg->prio;
			   __entry->type = msg->type;),
	    TP_printk("id=%llu seq=%llu pid=%d receiver=%d len=%u prio=%u type=%u",
		      __entry->id, __entry->seq, __entry->pid, __entry->receiver,
		      __entry->len, __entry->prio, __entry->type)
);

TRACE_EVENT(mbox_block,
	    TP_PROTO(const struct mbox *mb, bool send, const ktime_t *deadline),
	    TP_ARGS(mb, send, deadline),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(s64, deadline)
			     __field(pid_t, pid)
			     __field(u32, send)
			     __field(u32, queued)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->deadline = deadline ? ktime_to_ns(*deadline) : 0;
			   __entry->pid = current->tgid;
			   __entry->send = send;
			   __entry->queued = mb->queue.count;),
	    TP_printk("id=%llu pid=%d dir=%s queued=%u deadline=%lld",
		      __entry->id, __entry->pid, __entry->send ? "send" : "recv",
		      __entry->queued, __entry->deadline)
);

TRACE_EVENT(mbox_wake,
	    TP_PROTO(const struct mbox *mb, bool send,
		     enum mbox_wait_state state, bool timed_out),
	    TP_ARGS(mb, send, state, timed_out),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, pid)
			     __field(u32, send)
			     __field(u32, reason)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->pid = current->tgid;
			   __entry->send = send;
			   __entry->reason = mbox_trace_wake_reason(state, timed_out);),
	    TP_printk("id=%llu pid=%d dir=%s reason=%s",
		      __entry->id, __entry->pid, __entry->send ? "send" : "recv",
		      __print_symbolic(__entry->reason,
				       { MBOX_WAIT_DONE, "done" },
				       { MBOX_WAIT_REFUSED, "refused" },
				       { MBOX_WAIT_DEAD, "dead" },
				       { MBOX_WAIT_UNREACHABLE, "unreachable" },
				       { MBOX_TRACE_WAKE_TIMEOUT, "timeout" },
				       { MBOX_TRACE_WAKE_SIGNAL, "signal" },
				       { MBOX_TRACE_WAKE_SPURIOUS, "spurious" }))
);

#endif /* _MBOX_TRACE_H */

/* An out-of-tree module: define_trace.h finds this file through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
