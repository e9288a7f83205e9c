/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tsm_emu: internal interfaces between the parts of the emulator.
 *
 * One global mutex (tsm_emu_lock) guards the device list, every device's TDISP state, the audit
 * logs and the fault-injection knobs. Lock order: device_lock(pci dev) -> tsm_emu_lock, because
 * the driver core calls our bus notifier with the device lock held and the sysfs handlers take
 * the device lock to keep a driver from binding while they change state. sysfs groups and
 * debugfs files are removed only with tsm_emu_lock dropped: their removal waits for running
 * handlers, and those handlers may be waiting for the mutex.
 */
#ifndef TSM_EMU_H
#define TSM_EMU_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/types.h>

#include "pci-tsm-uapi.h"

#define TSM_EMU_NAME "tsm0"

enum tsm_emu_state {
	TSM_EMU_CONFIG_UNLOCKED,
	TSM_EMU_CONFIG_LOCKED,
	TSM_EMU_RUN,
	TSM_EMU_ERROR,
};

struct tsm_emu_dev {
	struct list_head node;
	struct pci_dev *pdev;		/* reference held while on the list */
	enum tsm_emu_state state;
	bool accepted;			/* what tsm/accept reads; ERROR does not clear it */
	unsigned int accept_writes;	/* accepted writes since the last lock */
	u32 lock_gen;			/* successful locks so far: feeds measurements and report */
	u32 cert_epoch;			/* bumped by the rotate_certs knob: feeds the cert chains */
	u32 evidence_gen;		/* bumped whenever any evidence object changes */
	u16 locked_cmd;			/* PCI_COMMAND at lock, to notice BME/MSE being cleared */
	struct resource *encrypted[PCI_STD_NUM_BARS];
	struct dentry *dbg_dir;
};

/* Everything the evidence generator needs, copied under tsm_emu_lock. */
struct tsm_emu_evidence_input {
	char name[PCI_TSM_DEV_NAME_MAX];
	u16 vendor, device, subsystem_vendor, subsystem_device;
	u32 class;
	bool locked;
	u32 lock_gen;
	u32 cert_epoch;
	u64 bar_len[PCI_STD_NUM_BARS];
	size_t nonce_len;
	u8 nonce[PCI_TSM_EVIDENCE_NONCE_MAX];
};

extern struct mutex tsm_emu_lock;
extern unsigned int tsm_emu_chunk_size;
extern unsigned int tsm_emu_cert_slots;
extern unsigned int tsm_emu_cert0_bytes;

/* Fault-injection knobs, read and consumed under tsm_emu_lock. */
struct tsm_emu_faults {
	int fail_next_lock;		/* positive errno, 0 = off; one-shot */
	int fail_next_unlock;
	int fail_next_accept;
	u32 evidence_unstable;		/* this many dumps see the evidence change mid-dump */
};
extern struct tsm_emu_faults tsm_emu_faults;

/* main */
struct tsm_emu_dev *tsm_emu_find_locked(struct pci_dev *pdev);
const char *tsm_emu_state_name(enum tsm_emu_state state);
void tsm_emu_inject_error_locked(struct tsm_emu_dev *edev, const char *why);
void tsm_emu_evidence_input_locked(const struct tsm_emu_dev *edev, struct tsm_emu_evidence_input *in);

/* audit log (debugfs) */
void tsm_emu_event_locked(const struct tsm_emu_dev *edev, const char *fmt, ...) __printf(2, 3);
void tsm_emu_violation_locked(const struct tsm_emu_dev *edev, const char *fmt, ...) __printf(2, 3);
int tsm_emu_debugfs_init(void);
void tsm_emu_debugfs_exit(void);
void tsm_emu_debugfs_add_dev(struct tsm_emu_dev *edev);
void tsm_emu_debugfs_remove_dev(struct tsm_emu_dev *edev);

/* evidence */
int tsm_emu_evidence_build(const struct tsm_emu_evidence_input *in, unsigned int type, u8 **ret_buf,
			   size_t *ret_len);

/* netlink */
int tsm_emu_netlink_init(void);
void tsm_emu_netlink_exit(void);

#endif /* TSM_EMU_H */
