// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsm_emu: a devsec (guest-side) TEE Security Manager emulator for kernels without a TSM core.
 *
 * tdispd drives the proposed guest ABI of "PCI/TSM: TEE I/O infrastructure" v2: a TSM class
 * device /sys/class/tsm/tsm0 whose pci_mode reads "devsec", a tsm/ group with lock, unlock and
 * accept on each TDISP-capable PCI device, and evidence through the pci-tsm generic netlink
 * family. No kernel we can boot in a test VM has it, so this module provides that ABI, with the
 * same errors and the same absence of uevents, on Debian's 6.1 kernel. It does not talk to a
 * device: the TDISP state is kept here and the evidence is made up (deterministically, see
 * tsm-emu-evidence.c).
 *
 * Which devices are "TDISP-capable" is chosen by the devices= parameter instead of the TEE bit in
 * config space. Devices that appear later get the tsm/ group from the PCI bus notifier, before
 * their add uevent, as the real series does. The same notifier watches driver binding, which a
 * real TSM cannot refuse either: binding to a locked but unaccepted device is recorded as a
 * violation in the audit log (tsm-emu-debugfs.c) for the tests to assert on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/ioport.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "tsm-emu.h"

DEFINE_MUTEX(tsm_emu_lock);
static LIST_HEAD(tsm_emu_devs);

static char *devices = "1b36:0005";
module_param(devices, charp, 0444);
MODULE_PARM_DESC(devices,
		 "PCI devices to emulate TDISP on: comma-separated vendor:device (hex) and/or device names (0000:00:05.0)");

unsigned int tsm_emu_chunk_size = 4000;
module_param_named(chunk_size, tsm_emu_chunk_size, uint, 0644);
MODULE_PARM_DESC(chunk_size, "Largest evidence chunk per netlink message, 64..32768 bytes (default 4000)");

unsigned int tsm_emu_cert_slots = 2;
module_param_named(cert_slots, tsm_emu_cert_slots, uint, 0644);
MODULE_PARM_DESC(cert_slots, "Certificate slots that hold a chain, 0..8 (default 2: cert0 and cert1)");

unsigned int tsm_emu_cert0_bytes = 6000;
module_param_named(cert0_bytes, tsm_emu_cert0_bytes, uint, 0644);
MODULE_PARM_DESC(cert0_bytes, "Approximate size of the slot 0 chain, 256..1048576 (default 6000)");

static bool encrypted_mmio = true;
module_param(encrypted_mmio, bool, 0644);
MODULE_PARM_DESC(encrypted_mmio, "Show accepted memory BARs as \"PCI MMIO Encrypted\" in /proc/iomem (default on)");

static bool bme_error = true;
module_param(bme_error, bool, 0644);
MODULE_PARM_DESC(bme_error,
		 "Send a locked device to ERROR when Bus Master or Memory Space Enable was cleared (default on)");

/* Device selection, parsed once from devices= at load. */
#define TSM_EMU_MAX_MATCHES 16

struct tsm_emu_match {
	bool by_id;
	u16 vendor, device;
	char name[PCI_TSM_DEV_NAME_MAX];
};

static struct tsm_emu_match tsm_emu_matches[TSM_EMU_MAX_MATCHES];
static unsigned int tsm_emu_n_matches;

static struct device *tsm_emu_tsm_dev;

static const char *const tsm_emu_state_names[] = {
	[TSM_EMU_CONFIG_UNLOCKED] = "CONFIG_UNLOCKED",
	[TSM_EMU_CONFIG_LOCKED] = "CONFIG_LOCKED",
	[TSM_EMU_RUN] = "RUN",
	[TSM_EMU_ERROR] = "ERROR",
};

const char *tsm_emu_state_name(enum tsm_emu_state state)
{
	if ((unsigned int)state >= ARRAY_SIZE(tsm_emu_state_names))
		return "INVALID";
	return tsm_emu_state_names[state];
}

static bool tsm_emu_is_hex4(const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!isxdigit(s[i]))
			return false;
	return true;
}

static int tsm_emu_parse_match(const char *tok, struct tsm_emu_match *m)
{
	size_t len = strlen(tok);
	char vendor[5];
	unsigned int v, d;

	memset(m, 0, sizeof(*m));
	if (len == 9 && tok[4] == ':' && tsm_emu_is_hex4(tok) && tsm_emu_is_hex4(tok + 5)) {
		/* kstrtouint() wants a terminated string: the vendor is parsed from a copy. */
		memcpy(vendor, tok, 4);
		vendor[4] = '\0';
		if (kstrtouint(vendor, 16, &v) || kstrtouint(tok + 5, 16, &d))
			return -EINVAL;
		m->by_id = true;
		m->vendor = v;
		m->device = d;
		return 0;
	}
	/* Anything else must look like a full device name, "dddd:bb:dd.f". */
	if (len < 12 || len >= sizeof(m->name) || !strchr(tok, ':') || !strchr(tok, '.'))
		return -EINVAL;
	strscpy(m->name, tok, sizeof(m->name));
	return 0;
}

static int tsm_emu_parse_devices(void)
{
	char *copy, *cur, *tok;
	int r = 0;

	copy = kstrdup(devices ?: "", GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = copy;
	while ((tok = strsep(&cur, ", \t\n"))) {
		if (!*tok)
			continue;
		if (tsm_emu_n_matches == TSM_EMU_MAX_MATCHES) {
			pr_err("devices=: more than %d entries\n", TSM_EMU_MAX_MATCHES);
			r = -E2BIG;
			break;
		}
		r = tsm_emu_parse_match(tok, &tsm_emu_matches[tsm_emu_n_matches]);
		if (r) {
			pr_err("devices=: cannot parse '%s'\n", tok);
			break;
		}
		tsm_emu_n_matches++;
	}
	kfree(copy);
	return r;
}

static bool tsm_emu_selected(struct pci_dev *pdev)
{
	unsigned int i;

	for (i = 0; i < tsm_emu_n_matches; i++) {
		const struct tsm_emu_match *m = &tsm_emu_matches[i];

		if (m->by_id ? (pdev->vendor == m->vendor && pdev->device == m->device)
			     : !strcmp(pci_name(pdev), m->name))
			return true;
	}
	return false;
}

struct tsm_emu_dev *tsm_emu_find_locked(struct pci_dev *pdev)
{
	struct tsm_emu_dev *edev;

	lockdep_assert_held(&tsm_emu_lock);
	list_for_each_entry(edev, &tsm_emu_devs, node)
		if (edev->pdev == pdev)
			return edev;
	return NULL;
}

static void tsm_emu_set_state_locked(struct tsm_emu_dev *edev, enum tsm_emu_state state)
{
	if (edev->state != state)
		tsm_emu_event_locked(edev, "state %s -> %s", tsm_emu_state_name(edev->state),
				     tsm_emu_state_name(state));
	edev->state = state;
}

void tsm_emu_inject_error_locked(struct tsm_emu_dev *edev, const char *why)
{
	tsm_emu_event_locked(edev, "error: %s", why);
	tsm_emu_set_state_locked(edev, TSM_EMU_ERROR);
}

void tsm_emu_evidence_input_locked(const struct tsm_emu_dev *edev, struct tsm_emu_evidence_input *in)
{
	struct pci_dev *pdev = edev->pdev;
	int i;

	strscpy(in->name, pci_name(pdev), sizeof(in->name));
	in->vendor = pdev->vendor;
	in->device = pdev->device;
	in->subsystem_vendor = pdev->subsystem_vendor;
	in->subsystem_device = pdev->subsystem_device;
	in->class = pdev->class;
	in->locked = edev->state != TSM_EMU_CONFIG_UNLOCKED;
	in->lock_gen = edev->lock_gen;
	in->cert_epoch = edev->cert_epoch;
	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		in->bar_len[i] = resource_type(&pdev->resource[i]) == IORESOURCE_MEM ?
					 pci_resource_len(pdev, i) : 0;
}

/*
 * The secure MMIO the real TSM sets up at accept shows in /proc/iomem as "PCI MMIO Encrypted"
 * children of the device's memory BARs: the only trace of acceptance outside the accept file. They
 * are not busy, so the operational driver's pci_request_regions() nests below them.
 */
static void tsm_emu_encrypt_mmio_locked(struct tsm_emu_dev *edev)
{
	int i;

	if (!encrypted_mmio)
		return;
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		struct resource *bar = &edev->pdev->resource[i];
		struct resource *res;

		if (edev->encrypted[i] || resource_type(bar) != IORESOURCE_MEM || !bar->parent ||
		    !resource_size(bar))
			continue;
		res = kzalloc(sizeof(*res), GFP_KERNEL);
		if (!res)
			continue;
		res->name = "PCI MMIO Encrypted";
		res->start = bar->start;
		res->end = bar->end;
		res->flags = IORESOURCE_MEM;
		if (insert_resource(bar, res)) {
			kfree(res);
			continue;
		}
		edev->encrypted[i] = res;
	}
}

static void tsm_emu_release_mmio_locked(struct tsm_emu_dev *edev)
{
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!edev->encrypted[i])
			continue;
		remove_resource(edev->encrypted[i]);
		kfree(edev->encrypted[i]);
		edev->encrypted[i] = NULL;
	}
}

/*
 * TDISP sends a locked interface to ERROR when its Memory Space or Bus Master Enable is cleared.
 * We cannot trap config writes, so the command register is sampled whenever the driver core or an
 * accept gives us a chance: bits seen set since the lock must still be set.
 */
static bool tsm_emu_check_command_locked(struct tsm_emu_dev *edev)
{
	const u16 watched = PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	u16 cmd;

	if (edev->state != TSM_EMU_CONFIG_LOCKED && edev->state != TSM_EMU_RUN)
		return true;
	if (pci_read_config_word(edev->pdev, PCI_COMMAND, &cmd))
		return true;
	if (bme_error && (edev->locked_cmd & watched & ~cmd)) {
		tsm_emu_inject_error_locked(edev, "Bus Master/Memory Space Enable cleared while locked");
		return false;
	}
	edev->locked_cmd |= cmd & watched;
	return true;
}

/* tsm/ attributes. Writes name the TSM as "tsmN", as in the proposal. */
static int tsm_emu_parse_tsm_name(const char *buf, unsigned int *ret_id)
{
	if (strncmp(buf, "tsm", 3) || !isdigit(buf[3]))
		return -EINVAL;
	/* kstrtouint() takes one trailing newline, which is what echo adds. */
	return kstrtouint(buf + 3, 10, ret_id);
}

/*
 * Runs an operation with the device lock held, so no driver can bind while the state changes,
 * and with tsm_emu_lock held for the state itself.
 */
static struct tsm_emu_dev *tsm_emu_op_begin(struct device *dev, int *ret)
{
	struct tsm_emu_dev *edev;

	if (device_lock_interruptible(dev)) {
		*ret = -EINTR;
		return NULL;
	}
	mutex_lock(&tsm_emu_lock);
	edev = tsm_emu_find_locked(to_pci_dev(dev));
	if (!edev) {
		/* The device is going away: its tsm/ group is about to disappear. */
		mutex_unlock(&tsm_emu_lock);
		device_unlock(dev);
		*ret = -ENODEV;
	}
	return edev;
}

static void tsm_emu_op_end(struct device *dev)
{
	mutex_unlock(&tsm_emu_lock);
	device_unlock(dev);
}

/* A one-shot injected failure: returns the negative errno and disarms the knob. */
static int tsm_emu_take_fault(int *knob)
{
	int err = *knob;

	*knob = 0;
	return err ? -abs(err) : 0;
}

static ssize_t lock_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct tsm_emu_dev *edev;
	bool locked = false;

	mutex_lock(&tsm_emu_lock);
	edev = tsm_emu_find_locked(to_pci_dev(dev));
	if (edev)
		locked = edev->state != TSM_EMU_CONFIG_UNLOCKED;
	mutex_unlock(&tsm_emu_lock);
	return sysfs_emit(buf, "%s\n", locked ? TSM_EMU_NAME : "");
}

static ssize_t lock_store(struct device *dev, struct device_attribute *attr, const char *buf,
			  size_t count)
{
	struct tsm_emu_dev *edev;
	unsigned int id;
	int r;

	if (tsm_emu_parse_tsm_name(buf, &id))
		return -EINVAL;
	/* tsm0 is the only TSM, and it is a devsec one. */
	if (id != 0)
		return -ENXIO;

	edev = tsm_emu_op_begin(dev, &r);
	if (!edev)
		return r;
	if (dev->driver) {
		tsm_emu_violation_locked(edev, "lock-while-bound driver=%s", dev->driver->name);
		r = -EBUSY;
	} else if (edev->state != TSM_EMU_CONFIG_UNLOCKED) {
		r = -EBUSY;
	} else {
		r = tsm_emu_take_fault(&tsm_emu_faults.fail_next_lock);
	}
	if (r == 0) {
		u16 cmd = 0;

		(void)pci_read_config_word(edev->pdev, PCI_COMMAND, &cmd);
		edev->locked_cmd = cmd & (PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY);
		edev->accepted = false;
		edev->accept_writes = 0;
		edev->lock_gen++;
		edev->evidence_gen++;
		tsm_emu_set_state_locked(edev, TSM_EMU_CONFIG_LOCKED);
	}
	tsm_emu_event_locked(edev, "lock %s -> %d (lock generation %u)", TSM_EMU_NAME, r, edev->lock_gen);
	tsm_emu_op_end(dev);
	return r ?: count;
}
static DEVICE_ATTR_RW(lock);

static ssize_t unlock_store(struct device *dev, struct device_attribute *attr, const char *buf,
			    size_t count)
{
	struct tsm_emu_dev *edev;
	unsigned int id;
	int r;

	/* Unlike lock, naming any TSM but the one holding the lock is just a wrong argument. */
	if (tsm_emu_parse_tsm_name(buf, &id) || id != 0)
		return -EINVAL;

	edev = tsm_emu_op_begin(dev, &r);
	if (!edev)
		return r;
	if (dev->driver) {
		tsm_emu_violation_locked(edev, "unlock-while-bound driver=%s", dev->driver->name);
		r = -EBUSY;
	} else if (edev->state == TSM_EMU_CONFIG_UNLOCKED) {
		r = -EINVAL;
	} else {
		r = tsm_emu_take_fault(&tsm_emu_faults.fail_next_unlock);
	}
	if (r == 0) {
		tsm_emu_release_mmio_locked(edev);
		edev->accepted = false;
		edev->accept_writes = 0;
		/* The interface report is gone: a dump running across this must start over. */
		edev->evidence_gen++;
		tsm_emu_set_state_locked(edev, TSM_EMU_CONFIG_UNLOCKED);
	}
	tsm_emu_event_locked(edev, "unlock %s -> %d", TSM_EMU_NAME, r);
	tsm_emu_op_end(dev);
	return r ?: count;
}
static DEVICE_ATTR_WO(unlock);

static ssize_t accept_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct tsm_emu_dev *edev;
	bool accepted = false;

	mutex_lock(&tsm_emu_lock);
	edev = tsm_emu_find_locked(to_pci_dev(dev));
	if (edev)
		accepted = edev->accepted;
	mutex_unlock(&tsm_emu_lock);
	return sysfs_emit(buf, "%d\n", accepted);
}

static ssize_t accept_store(struct device *dev, struct device_attribute *attr, const char *buf,
			    size_t count)
{
	struct tsm_emu_dev *edev;
	bool value;
	int r;

	/* There is no un-accept: leaving RUN is unlock's job. */
	if (kstrtobool(buf, &value) || !value)
		return -EINVAL;

	edev = tsm_emu_op_begin(dev, &r);
	if (!edev)
		return r;
	if (dev->driver) {
		tsm_emu_violation_locked(edev, "accept-while-bound driver=%s", dev->driver->name);
		r = -EBUSY;
	} else if (edev->state == TSM_EMU_CONFIG_UNLOCKED) {
		r = -EINVAL;
	} else if (edev->accepted) {
		/*
		 * v2 does not refuse a second accept (it sets the secure MMIO up again and corrupts
		 * the resource tree); we only record it, since a test run must not corrupt anything.
		 */
		tsm_emu_violation_locked(edev, "double-accept state=%s", tsm_emu_state_name(edev->state));
		edev->accept_writes++;
	} else if (edev->state == TSM_EMU_ERROR || !tsm_emu_check_command_locked(edev)) {
		/* The TSM's START request fails for an interface in ERROR. */
		r = -EIO;
	} else {
		r = tsm_emu_take_fault(&tsm_emu_faults.fail_next_accept);
		if (r == 0) {
			edev->accepted = true;
			edev->accept_writes++;
			tsm_emu_encrypt_mmio_locked(edev);
			tsm_emu_set_state_locked(edev, TSM_EMU_RUN);
		}
	}
	tsm_emu_event_locked(edev, "accept -> %d", r);
	tsm_emu_op_end(dev);
	return r ?: count;
}
static DEVICE_ATTR_RW(accept);

static struct attribute *tsm_emu_pci_attrs[] = {
	&dev_attr_lock.attr,
	&dev_attr_unlock.attr,
	&dev_attr_accept.attr,
	NULL,
};

static const struct attribute_group tsm_emu_pci_group = {
	.name = "tsm",
	.attrs = tsm_emu_pci_attrs,
};

/* Attaching to and detaching from PCI devices. */
static void tsm_emu_attach(struct pci_dev *pdev)
{
	struct tsm_emu_dev *edev;
	int r;

	edev = kzalloc(sizeof(*edev), GFP_KERNEL);
	if (!edev)
		return;
	edev->pdev = pci_dev_get(pdev);

	mutex_lock(&tsm_emu_lock);
	if (tsm_emu_find_locked(pdev)) {
		/* Seen by both the initial scan and the notifier. */
		mutex_unlock(&tsm_emu_lock);
		pci_dev_put(pdev);
		kfree(edev);
		return;
	}
	/* Creating (unlike removing) the group does not wait for handlers: fine under the mutex. */
	r = sysfs_create_group(&pdev->dev.kobj, &tsm_emu_pci_group);
	if (r) {
		mutex_unlock(&tsm_emu_lock);
		pci_err(pdev, "tsm_emu: cannot create tsm/ group: %d\n", r);
		pci_dev_put(pdev);
		kfree(edev);
		return;
	}
	list_add_tail(&edev->node, &tsm_emu_devs);
	tsm_emu_debugfs_add_dev(edev);
	tsm_emu_event_locked(edev, "attach %04x:%04x", pdev->vendor, pdev->device);
	mutex_unlock(&tsm_emu_lock);
	pci_info(pdev, "tsm_emu: TDISP emulated, tsm/ group added\n");
}

/* Called with edev already off the list and tsm_emu_lock dropped. */
static void tsm_emu_release(struct tsm_emu_dev *edev)
{
	struct pci_dev *pdev = edev->pdev;

	if (device_is_registered(&pdev->dev))
		sysfs_remove_group(&pdev->dev.kobj, &tsm_emu_pci_group);
	tsm_emu_debugfs_remove_dev(edev);
	mutex_lock(&tsm_emu_lock);
	tsm_emu_release_mmio_locked(edev);
	mutex_unlock(&tsm_emu_lock);
	pci_dev_put(pdev);
	kfree(edev);
}

static void tsm_emu_detach(struct pci_dev *pdev)
{
	struct tsm_emu_dev *edev;

	mutex_lock(&tsm_emu_lock);
	edev = tsm_emu_find_locked(pdev);
	if (edev) {
		tsm_emu_event_locked(edev, "detach in state %s", tsm_emu_state_name(edev->state));
		list_del(&edev->node);
	}
	mutex_unlock(&tsm_emu_lock);
	if (edev)
		tsm_emu_release(edev);
}

static void tsm_emu_bound(struct pci_dev *pdev)
{
	struct tsm_emu_dev *edev;
	const char *drv;

	mutex_lock(&tsm_emu_lock);
	edev = tsm_emu_find_locked(pdev);
	if (!edev)
		goto out;
	drv = pdev->dev.driver ? pdev->dev.driver->name : "?";
	/*
	 * Only RUN may have a driver. A device in ERROR that had been accepted cannot be told apart
	 * from RUN by userspace (accept still reads 1), so that bind is not held against it.
	 */
	if ((edev->state == TSM_EMU_CONFIG_LOCKED || edev->state == TSM_EMU_ERROR) && !edev->accepted)
		tsm_emu_violation_locked(edev, "bound-while-locked driver=%s state=%s", drv,
					 tsm_emu_state_name(edev->state));
	else
		tsm_emu_event_locked(edev, "bound driver=%s state=%s", drv, tsm_emu_state_name(edev->state));
	tsm_emu_check_command_locked(edev);
out:
	mutex_unlock(&tsm_emu_lock);
}

static void tsm_emu_unbound(struct pci_dev *pdev)
{
	struct tsm_emu_dev *edev;

	mutex_lock(&tsm_emu_lock);
	edev = tsm_emu_find_locked(pdev);
	if (edev) {
		tsm_emu_event_locked(edev, "unbound state=%s", tsm_emu_state_name(edev->state));
		/* pci_disable_device() in the driver's teardown clears Bus Master Enable. */
		tsm_emu_check_command_locked(edev);
	}
	mutex_unlock(&tsm_emu_lock);
}

static int tsm_emu_bus_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		if (tsm_emu_selected(pdev))
			tsm_emu_attach(pdev);
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		tsm_emu_detach(pdev);
		break;
	case BUS_NOTIFY_BOUND_DRIVER:
		tsm_emu_bound(pdev);
		break;
	case BUS_NOTIFY_UNBOUND_DRIVER:
		tsm_emu_unbound(pdev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block tsm_emu_nb = {
	.notifier_call = tsm_emu_bus_notify,
};

static int tsm_emu_attach_existing(struct device *dev, void *data)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	if (device_is_registered(dev) && tsm_emu_selected(pdev))
		tsm_emu_attach(pdev);
	return 0;
}

/* The TSM class device. */
static ssize_t pci_mode_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "devsec\n");
}
static DEVICE_ATTR_RO(pci_mode);

static struct attribute *tsm_emu_tsm_attrs[] = {
	&dev_attr_pci_mode.attr,
	NULL,
};
ATTRIBUTE_GROUPS(tsm_emu_tsm);

static struct class tsm_emu_class = {
	.name = "tsm",
	.owner = THIS_MODULE,
	.dev_groups = tsm_emu_tsm_groups,
};

static void tsm_emu_detach_all(void)
{
	struct tsm_emu_dev *edev, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&tsm_emu_lock);
	list_splice_init(&tsm_emu_devs, &gone);
	mutex_unlock(&tsm_emu_lock);
	list_for_each_entry_safe(edev, tmp, &gone, node) {
		list_del(&edev->node);
		tsm_emu_release(edev);
	}
}

static int __init tsm_emu_init(void)
{
	int r;

	r = tsm_emu_parse_devices();
	if (r)
		return r;
	r = tsm_emu_debugfs_init();
	if (r)
		return r;
	r = class_register(&tsm_emu_class);
	if (r)
		goto err_debugfs;
	tsm_emu_tsm_dev = device_create(&tsm_emu_class, NULL, MKDEV(0, 0), NULL, TSM_EMU_NAME);
	if (IS_ERR(tsm_emu_tsm_dev)) {
		r = PTR_ERR(tsm_emu_tsm_dev);
		goto err_class;
	}
	r = tsm_emu_netlink_init();
	if (r)
		goto err_device;
	/* Notifier first, then the scan: a device added in between is seen at least once. */
	r = bus_register_notifier(&pci_bus_type, &tsm_emu_nb);
	if (r)
		goto err_netlink;
	bus_for_each_dev(&pci_bus_type, NULL, NULL, tsm_emu_attach_existing);

	/*
	 * Only now may userspace conclude that a device without tsm/ will never get one (kernel-abi
	 * §2): tell it with the change event on tsm0.
	 */
	kobject_uevent(&tsm_emu_tsm_dev->kobj, KOBJ_CHANGE);
	pr_info("devsec TSM %s ready\n", TSM_EMU_NAME);
	return 0;

err_netlink:
	tsm_emu_netlink_exit();
err_device:
	device_unregister(tsm_emu_tsm_dev);
err_class:
	class_unregister(&tsm_emu_class);
err_debugfs:
	tsm_emu_debugfs_exit();
	return r;
}

static void __exit tsm_emu_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &tsm_emu_nb);
	tsm_emu_netlink_exit();
	tsm_emu_detach_all();
	device_unregister(tsm_emu_tsm_dev);
	class_unregister(&tsm_emu_class);
	tsm_emu_debugfs_exit();
}

module_init(tsm_emu_init);
module_exit(tsm_emu_exit);

MODULE_DESCRIPTION("Emulated devsec TSM (proposed PCI/TSM guest ABI) for tdispd tests");
MODULE_LICENSE("GPL");
