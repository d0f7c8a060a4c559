/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registry: which mailboxes exist, by id, by name and by port, and
 * the two ends of their lives - registration, which announces them, and
 * mbox_destroy(), which decides nothing but carries out the death its
 * caller decided.  OS-owned mailboxes are linked here too.
 *
 * DOC: Lifetime
 *
 * A mailbox is in the registry from mbox_register() until it is destroyed
 * or, if OS-owned, unlinked (mbox_os_delete()), whichever comes first; a
 * lookup returns it with a reference of its own, so a mailbox found may
 * be dead by the time it is used (the caller checks @dead where it
 * matters).  A linked OS-owned mailbox holds a reference and a module pin
 * for its link; it dies when unlinked with no receiver handle left, or
 * when its last receiver handle closes after the unlink.
 *
 * DOC: Locking
 *
 * mbox_names_lock (a mutex, outside every mailbox lock and never taken
 * under one) serialises the name and port trees; the id xarray has its own
 * lock and is read under RCU, which is why mailboxes are freed after a
 * grace period.  @linked and @nr_receiver_handles are under mb->lock.
 */
#ifndef _MBOX_REGISTRY_H
#define _MBOX_REGISTRY_H

#include <linux/types.h>

#include "event.h"

struct mbox;
struct mbox_create;

int mbox_register(struct mbox *mb);
void mbox_destroy(struct mbox *mb, enum mbox_death why);

struct mbox *mbox_os_create(const struct mbox_create *args, const char *name);
int mbox_os_delete(struct mbox *mb);
void mbox_receiver_opened(struct mbox *mb);
void mbox_receiver_closed(struct mbox *mb);

struct mbox *mbox_lookup_id(u64 id);
struct mbox *mbox_find_next(u64 *id);
struct mbox *mbox_lookup_name(const char *name);
struct mbox *mbox_lookup_port(pid_t nr);
bool mbox_registry_empty(void);
u64 mbox_registry_count(void);

#endif /* _MBOX_REGISTRY_H */
