// SPDX-License-Identifier: GPL-2.0-only
/*
 * ccprepare_test: a "prepare" driver for tdispd tests.
 *
 * A prepare driver readies a device for TDISP lock (loads firmware, sets up configuration) and is
 * unbound before the lock. It must never bind on its own: tdispd finds it through its
 * ccprepare_pci: alias, writes its name to driver_override and binds it by hand. So its one id
 * table entry is override_only (v5.15), and there is deliberately no MODULE_DEVICE_TABLE: that
 * would make modpost emit a pci: alias (override_only values other than 1) or a vfio_pci: alias
 * (value 1), and udev would autoload the module for the device. The only alias is the
 * ccprepare_pci: one below, which nothing but tdispd looks up.
 *
 * The device is QEMU's pci-testdev (1b36:0005): it is in every QEMU build, no Linux driver claims
 * it, it has a memory BAR (BAR0, 4 KiB) for the "PCI MMIO Encrypted" check and needs no option ROM.
 *
 * On 6.1 a driver_override naming this driver matches any device (pci_match_device() falls back to
 * pci_device_id_any), so tests may also use it as the prepare driver of other devices.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>

#define CCPREPARE_TEST_VENDOR 0x1b36	/* Red Hat, Inc. (QEMU) */
#define CCPREPARE_TEST_DEVICE 0x0005	/* QEMU PCI test device */

static atomic_t probe_count = ATOMIC_INIT(0);
static atomic_t remove_count = ATOMIC_INIT(0);

/* The counters are for tests to read, never to set. */
static int ccprepare_test_count_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read((atomic_t *)kp->arg));
}

static int ccprepare_test_count_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops ccprepare_test_count_ops = {
	.get = ccprepare_test_count_get,
	.set = ccprepare_test_count_set,
};
module_param_cb(probe_count, &ccprepare_test_count_ops, &probe_count, 0444);
MODULE_PARM_DESC(probe_count, "Successful probes since load");
module_param_cb(remove_count, &ccprepare_test_count_ops, &remove_count, 0444);
MODULE_PARM_DESC(remove_count, "Removes since load");

static int fail_probe;
module_param(fail_probe, int, 0644);
MODULE_PARM_DESC(fail_probe, "Make every probe fail with this errno (either sign; 0 = succeed)");

static int ccprepare_test_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int err = READ_ONCE(fail_probe);
	int r;

	if (err) {
		pr_info("failing probe of %s with -%d\n", pci_name(pdev), abs(err));
		return -abs(err);
	}
	/* Memory decode only: preparing needs no DMA, and Bus Master must be off before lock. */
	r = pci_enable_device_mem(pdev);
	if (r)
		return r;
	atomic_inc(&probe_count);
	pr_info("prepared %s\n", pci_name(pdev));
	return 0;
}

static void ccprepare_test_remove(struct pci_dev *pdev)
{
	pci_disable_device(pdev);
	atomic_inc(&remove_count);
	pr_info("released %s\n", pci_name(pdev));
}

static const struct pci_device_id ccprepare_test_ids[] = {
	{ PCI_DEVICE(CCPREPARE_TEST_VENDOR, CCPREPARE_TEST_DEVICE), .override_only = 1 },
	{}
};

static struct pci_driver ccprepare_test_driver = {
	.name = KBUILD_MODNAME,
	.id_table = ccprepare_test_ids,
	.probe = ccprepare_test_probe,
	.remove = ccprepare_test_remove,
};
module_pci_driver(ccprepare_test_driver);

MODULE_ALIAS("ccprepare_pci:v00001B36d00000005sv*sd*bc*sc*i*");
MODULE_DESCRIPTION("override-only prepare driver for QEMU pci-testdev (tdispd tests)");
MODULE_LICENSE("GPL");
