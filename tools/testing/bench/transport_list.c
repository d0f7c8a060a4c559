// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-bench: every mechanism measured, in the order of the tables.  Apart
 * from the case files so that the report and the main program can list
 * them without the helpers knowing of any case.
 */
#include <stddef.h>

#include "bench.h"

/* Table order: mbox first, then the anchors. */
const struct transport *const transports[] = {
	&tr_mbox_zero, &tr_mbox_bounded, &tr_mbox_unbounded,
	&tr_mbox_batch_bounded, &tr_mbox_batch_unbounded,
	&tr_mbox_ring, &tr_mbox_ring_poll, &tr_mbox_mq,
	&tr_pipe, &tr_unix, &tr_posix_mq, &tr_sysv,
	&tr_shm_futex, &tr_shm_spin,
	NULL,
};
