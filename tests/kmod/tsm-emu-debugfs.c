// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsm_emu: audit log and fault injection in debugfs (tsm_emu/).
 *
 * Tests need to know more than the ABI tells: whether tdispd ever let a driver bind to a device
 * it had locked but not accepted, or wrote accept twice. The real kernel would not notice, so the
 * emulator keeps its own record. Every state change and every notable event goes to event_log;
 * the mistakes go to violation_log as well and count in violations. The fault knobs let tests
 * drive tdispd through the failure paths of the ABI (failing TSM calls, evidence changing under a
 * read, an interface dropping to ERROR) that real hardware produces only rarely.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "tsm-emu.h"

struct tsm_emu_faults tsm_emu_faults;

#define TSM_EMU_EVENT_RING 512
#define TSM_EMU_VIOLATION_RING 128
#define TSM_EMU_MSG_MAX 128

struct tsm_emu_log_entry {
	u64 seq;
	char dev[PCI_TSM_DEV_NAME_MAX];
	char msg[TSM_EMU_MSG_MAX];
};

/* A ring that keeps the newest entries; total counts every entry ever added. */
struct tsm_emu_log {
	struct tsm_emu_log_entry *ring;
	unsigned int size;
	u64 total;
};

static struct tsm_emu_log_entry tsm_emu_event_ring[TSM_EMU_EVENT_RING];
static struct tsm_emu_log_entry tsm_emu_violation_ring[TSM_EMU_VIOLATION_RING];
static struct tsm_emu_log tsm_emu_events = { tsm_emu_event_ring, TSM_EMU_EVENT_RING, 0 };
static struct tsm_emu_log tsm_emu_violations = { tsm_emu_violation_ring, TSM_EMU_VIOLATION_RING, 0 };
/* One sequence over both logs, so a violation can be found among the events around it. */
static u64 tsm_emu_seq;

static struct dentry *tsm_emu_dbg_root;

static void tsm_emu_log_add(struct tsm_emu_log *log, const char *dev, const char *msg)
{
	struct tsm_emu_log_entry *e = &log->ring[log->total % log->size];

	e->seq = tsm_emu_seq;
	strscpy(e->dev, dev, sizeof(e->dev));
	strscpy(e->msg, msg, sizeof(e->msg));
	log->total++;
}

static void tsm_emu_log_show(struct seq_file *m, const struct tsm_emu_log *log)
{
	u64 first = log->total > log->size ? log->total - log->size : 0;
	u64 i;

	for (i = first; i < log->total; i++) {
		const struct tsm_emu_log_entry *e = &log->ring[i % log->size];

		seq_printf(m, "%llu %s %s\n", e->seq, e->dev, e->msg);
	}
}

static __printf(3, 0) void tsm_emu_record_locked(const struct tsm_emu_dev *edev, bool violation,
						  const char *fmt, va_list ap)
{
	const char *dev = edev ? pci_name(edev->pdev) : "-";
	char msg[TSM_EMU_MSG_MAX], marked[TSM_EMU_MSG_MAX];

	lockdep_assert_held(&tsm_emu_lock);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	tsm_emu_seq++;
	if (!violation) {
		tsm_emu_log_add(&tsm_emu_events, dev, msg);
		return;
	}
	tsm_emu_log_add(&tsm_emu_violations, dev, msg);
	/* The event log marks violations too, so that one log tells the whole story. */
	snprintf(marked, sizeof(marked), "VIOLATION %s", msg);
	tsm_emu_log_add(&tsm_emu_events, dev, marked);
	pr_warn("VIOLATION %s: %s\n", dev, msg);
}

void tsm_emu_event_locked(const struct tsm_emu_dev *edev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tsm_emu_record_locked(edev, false, fmt, ap);
	va_end(ap);
}

void tsm_emu_violation_locked(const struct tsm_emu_dev *edev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tsm_emu_record_locked(edev, true, fmt, ap);
	va_end(ap);
}

/* Global files. */
static int tsm_emu_violations_get(void *data, u64 *val)
{
	mutex_lock(&tsm_emu_lock);
	*val = tsm_emu_violations.total;
	mutex_unlock(&tsm_emu_lock);
	return 0;
}

/* Writing 0 starts a test afresh: count and violation log are cleared, events are kept. */
static int tsm_emu_violations_set(void *data, u64 val)
{
	if (val != 0)
		return -EINVAL;
	mutex_lock(&tsm_emu_lock);
	tsm_emu_violations.total = 0;
	tsm_emu_event_locked(NULL, "violations reset");
	mutex_unlock(&tsm_emu_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tsm_emu_violations_fops, tsm_emu_violations_get, tsm_emu_violations_set,
			 "%llu\n");

static int violation_log_show(struct seq_file *m, void *unused)
{
	mutex_lock(&tsm_emu_lock);
	tsm_emu_log_show(m, &tsm_emu_violations);
	mutex_unlock(&tsm_emu_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(violation_log);

static int event_log_show(struct seq_file *m, void *unused)
{
	mutex_lock(&tsm_emu_lock);
	tsm_emu_log_show(m, &tsm_emu_events);
	mutex_unlock(&tsm_emu_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(event_log);

/* fail_next_{lock,unlock,accept}: an errno, either sign; 0 disarms. */
static int tsm_emu_fault_get(void *data, u64 *val)
{
	mutex_lock(&tsm_emu_lock);
	*val = *(int *)data;
	mutex_unlock(&tsm_emu_lock);
	return 0;
}

static int tsm_emu_fault_set(void *data, u64 val)
{
	s64 err = (s64)val;

	if (err < -MAX_ERRNO || err > MAX_ERRNO)
		return -EINVAL;
	mutex_lock(&tsm_emu_lock);
	*(int *)data = abs((int)err);
	tsm_emu_event_locked(NULL, "fault armed: next %s fails with -%d",
			     data == &tsm_emu_faults.fail_next_lock ? "lock" :
			     data == &tsm_emu_faults.fail_next_unlock ? "unlock" : "accept",
			     abs((int)err));
	mutex_unlock(&tsm_emu_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(tsm_emu_fault_fops, tsm_emu_fault_get, tsm_emu_fault_set, "%lld\n");

static int tsm_emu_unstable_get(void *data, u64 *val)
{
	mutex_lock(&tsm_emu_lock);
	*val = tsm_emu_faults.evidence_unstable;
	mutex_unlock(&tsm_emu_lock);
	return 0;
}

static int tsm_emu_unstable_set(void *data, u64 val)
{
	if (val > U32_MAX)
		return -EINVAL;
	mutex_lock(&tsm_emu_lock);
	tsm_emu_faults.evidence_unstable = val;
	tsm_emu_event_locked(NULL, "fault armed: next %llu evidence reads see a change", val);
	mutex_unlock(&tsm_emu_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tsm_emu_unstable_fops, tsm_emu_unstable_get, tsm_emu_unstable_set, "%llu\n");

/* Per-device files: tsm_emu/<pci name>/. They are removed before the device object is freed. */
static int state_show(struct seq_file *m, void *unused)
{
	struct tsm_emu_dev *edev = m->private;

	mutex_lock(&tsm_emu_lock);
	seq_printf(m, "%s\n", tsm_emu_state_name(edev->state));
	mutex_unlock(&tsm_emu_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

static int info_show(struct seq_file *m, void *unused)
{
	struct tsm_emu_dev *edev = m->private;

	mutex_lock(&tsm_emu_lock);
	seq_printf(m, "state=%s\n", tsm_emu_state_name(edev->state));
	seq_printf(m, "accepted=%d\n", edev->accepted);
	seq_printf(m, "accept_writes=%u\n", edev->accept_writes);
	seq_printf(m, "lock_generation=%u\n", edev->lock_gen);
	seq_printf(m, "cert_epoch=%u\n", edev->cert_epoch);
	seq_printf(m, "evidence_generation=%u\n", edev->evidence_gen);
	mutex_unlock(&tsm_emu_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(info);

static int tsm_emu_inject_error_set(void *data, u64 val)
{
	struct tsm_emu_dev *edev = data;
	int r = 0;

	if (val != 1)
		return -EINVAL;
	mutex_lock(&tsm_emu_lock);
	/* Only a locked interface has a TDISP state machine that can fail. */
	if (edev->state == TSM_EMU_CONFIG_LOCKED || edev->state == TSM_EMU_RUN)
		tsm_emu_inject_error_locked(edev, "injected");
	else
		r = -EINVAL;
	mutex_unlock(&tsm_emu_lock);
	return r;
}
DEFINE_DEBUGFS_ATTRIBUTE(tsm_emu_inject_error_fops, NULL, tsm_emu_inject_error_set, "%llu\n");

static int tsm_emu_rotate_certs_set(void *data, u64 val)
{
	struct tsm_emu_dev *edev = data;

	if (val != 1)
		return -EINVAL;
	mutex_lock(&tsm_emu_lock);
	edev->cert_epoch++;
	edev->evidence_gen++;
	tsm_emu_event_locked(edev, "certificates rotated (epoch %u)", edev->cert_epoch);
	mutex_unlock(&tsm_emu_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tsm_emu_rotate_certs_fops, NULL, tsm_emu_rotate_certs_set, "%llu\n");

void tsm_emu_debugfs_add_dev(struct tsm_emu_dev *edev)
{
	struct dentry *dir;

	dir = debugfs_create_dir(pci_name(edev->pdev), tsm_emu_dbg_root);
	debugfs_create_file("state", 0444, dir, edev, &state_fops);
	debugfs_create_file("info", 0444, dir, edev, &info_fops);
	debugfs_create_file_unsafe("inject_error", 0200, dir, edev, &tsm_emu_inject_error_fops);
	debugfs_create_file_unsafe("rotate_certs", 0200, dir, edev, &tsm_emu_rotate_certs_fops);
	edev->dbg_dir = dir;
}

void tsm_emu_debugfs_remove_dev(struct tsm_emu_dev *edev)
{
	/* Waits for running handlers, which may want tsm_emu_lock: never call it holding that. */
	debugfs_remove(edev->dbg_dir);
	edev->dbg_dir = NULL;
}

int tsm_emu_debugfs_init(void)
{
	struct dentry *root;

	root = debugfs_create_dir("tsm_emu", NULL);
	if (IS_ERR(root))
		return PTR_ERR(root);
	debugfs_create_file_unsafe("violations", 0644, root, NULL, &tsm_emu_violations_fops);
	debugfs_create_file("violation_log", 0444, root, NULL, &violation_log_fops);
	debugfs_create_file("event_log", 0444, root, NULL, &event_log_fops);
	debugfs_create_file_unsafe("fail_next_lock", 0644, root, &tsm_emu_faults.fail_next_lock,
				   &tsm_emu_fault_fops);
	debugfs_create_file_unsafe("fail_next_unlock", 0644, root, &tsm_emu_faults.fail_next_unlock,
				   &tsm_emu_fault_fops);
	debugfs_create_file_unsafe("fail_next_accept", 0644, root, &tsm_emu_faults.fail_next_accept,
				   &tsm_emu_fault_fops);
	debugfs_create_file_unsafe("evidence_unstable", 0644, root, NULL, &tsm_emu_unstable_fops);
	tsm_emu_dbg_root = root;
	return 0;
}

void tsm_emu_debugfs_exit(void)
{
	debugfs_remove(tsm_emu_dbg_root);
	tsm_emu_dbg_root = NULL;
}
