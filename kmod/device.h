/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The /dev/mbox misc device: the entry point that creates and opens
 * mailboxes.  It keeps no per-open state; everything lives in handles.
 */
#ifndef _MBOX_DEVICE_H
#define _MBOX_DEVICE_H

int mbox_device_register(void);
void mbox_device_unregister(void);

#endif /* _MBOX_DEVICE_H */
