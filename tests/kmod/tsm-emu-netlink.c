// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsm_emu: the pci-tsm generic netlink family, evidence-read.
 *
 * Objects can be far larger than one netlink message, so the proposal streams them: the first
 * message of an object carries its type and a first chunk, continuation messages carry more
 * chunks, and the reader concatenates. A dump like that spans several callbacks, and the evidence
 * may change between two of them (a re-lock, new certificates): the reader must not stitch old and
 * new bytes together. So every callback compares the device's evidence generation with the one the
 * dump started from and fails the dump with -EAGAIN when they differ; the reader starts over.
 *
 * The objects of one dump are built once, in .start, from a snapshot taken under tsm_emu_lock,
 * and kept in the dump state until .done; building them per callback would let a chunk boundary
 * fall between two versions of an object even without a generation change.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/sha2.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "tsm-emu.h"

#define TSM_EMU_CHUNK_MIN 64
#define TSM_EMU_CHUNK_MAX 32768

struct tsm_emu_object {
	u32 type;
	u8 *buf;
	size_t len;
};

struct tsm_emu_dump {
	struct pci_dev *pdev;
	u32 generation;			/* evidence generation the dump started from */
	bool unstable;			/* fault knob: change the evidence after the first callback */
	unsigned int callbacks;
	size_t chunk;
	unsigned int n_objects;
	unsigned int cur;		/* object being sent */
	size_t off;			/* bytes of it already sent */
	struct tsm_emu_object objects[__PCI_TSM_EVIDENCE_TYPE_MAX];
};

static const struct nla_policy tsm_emu_evidence_policy[PCI_TSM_A_EVIDENCE_MAX + 1] = {
	[PCI_TSM_A_EVIDENCE_TYPE_MASK] = NLA_POLICY_MASK(NLA_U32, PCI_TSM_EVIDENCE_TYPE_MASK_ALL),
	[PCI_TSM_A_EVIDENCE_FLAGS] = NLA_POLICY_MASK(NLA_U32, PCI_TSM_EVIDENCE_FLAGS_ALL),
	[PCI_TSM_A_EVIDENCE_DEV_NAME] = { .type = NLA_STRING, .len = PCI_TSM_DEV_NAME_MAX - 1 },
	[PCI_TSM_A_EVIDENCE_NONCE] = { .type = NLA_BINARY, .len = PCI_TSM_EVIDENCE_NONCE_MAX },
	/* Reply-only attributes are refused in requests. */
	[PCI_TSM_A_EVIDENCE_TYPE] = { .type = NLA_REJECT },
	[PCI_TSM_A_EVIDENCE_VAL] = { .type = NLA_REJECT },
};

static struct genl_family tsm_emu_family;

static void tsm_emu_dump_free(struct tsm_emu_dump *d)
{
	unsigned int i;

	if (!d)
		return;
	for (i = 0; i < d->n_objects; i++)
		kvfree(d->objects[i].buf);
	pci_dev_put(d->pdev);
	kfree(d);
}

/* Replaces an object by its digest: what flags bit 0 asks for. */
static int tsm_emu_digest_object(struct tsm_emu_object *o)
{
	u8 *digest;

	digest = kvzalloc(SHA256_DIGEST_SIZE, GFP_KERNEL);
	if (!digest)
		return -ENOMEM;
	sha256(o->buf, o->len, digest);
	kvfree(o->buf);
	o->buf = digest;
	o->len = SHA256_DIGEST_SIZE;
	return 0;
}

static int tsm_emu_evidence_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr **attrs = info->attrs;
	struct tsm_emu_evidence_input *in;
	char name[PCI_TSM_DEV_NAME_MAX];
	struct tsm_emu_dump *d = NULL;
	struct tsm_emu_dev *edev;
	struct device *dev;
	u32 mask, flags = 0;
	unsigned int type;
	int r;

	if (NL_REQ_ATTR_CHECK(cb->extack, NULL, attrs, PCI_TSM_A_EVIDENCE_TYPE_MASK) ||
	    NL_REQ_ATTR_CHECK(cb->extack, NULL, attrs, PCI_TSM_A_EVIDENCE_DEV_NAME))
		return -EINVAL;
	mask = nla_get_u32(attrs[PCI_TSM_A_EVIDENCE_TYPE_MASK]);
	if (!mask) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attrs[PCI_TSM_A_EVIDENCE_TYPE_MASK], "empty type mask");
		return -EINVAL;
	}
	if (attrs[PCI_TSM_A_EVIDENCE_FLAGS])
		flags = nla_get_u32(attrs[PCI_TSM_A_EVIDENCE_FLAGS]);
	nla_strscpy(name, attrs[PCI_TSM_A_EVIDENCE_DEV_NAME], sizeof(name));

	dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attrs[PCI_TSM_A_EVIDENCE_DEV_NAME], "no such PCI device");
		return -ENODEV;
	}
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!in || !d) {
		put_device(dev);
		r = -ENOMEM;
		goto fail;
	}
	d->pdev = to_pci_dev(dev);	/* takes over the reference */
	d->chunk = clamp_t(size_t, READ_ONCE(tsm_emu_chunk_size), TSM_EMU_CHUNK_MIN, TSM_EMU_CHUNK_MAX);

	mutex_lock(&tsm_emu_lock);
	edev = tsm_emu_find_locked(d->pdev);
	if (!edev) {
		mutex_unlock(&tsm_emu_lock);
		NL_SET_ERR_MSG(cb->extack, "no TSM context for this device");
		r = -ENXIO;
		goto fail;
	}
	tsm_emu_evidence_input_locked(edev, in);
	d->generation = edev->evidence_gen;
	if (tsm_emu_faults.evidence_unstable) {
		tsm_emu_faults.evidence_unstable--;
		d->unstable = true;
	}
	tsm_emu_event_locked(edev, "evidence-read mask=%#x flags=%#x%s", mask, flags,
			     d->unstable ? " (will change mid-read)" : "");
	mutex_unlock(&tsm_emu_lock);

	if (attrs[PCI_TSM_A_EVIDENCE_NONCE]) {
		in->nonce_len = nla_len(attrs[PCI_TSM_A_EVIDENCE_NONCE]);
		nla_memcpy(in->nonce, attrs[PCI_TSM_A_EVIDENCE_NONCE], sizeof(in->nonce));
	}

	for (type = 0; type <= PCI_TSM_EVIDENCE_TYPE_MAX; type++) {
		struct tsm_emu_object *o = &d->objects[d->n_objects];

		if (!(mask & BIT(type)))
			continue;
		r = tsm_emu_evidence_build(in, type, &o->buf, &o->len);
		if (r == -ENOENT)
			continue;
		if (r)
			goto fail;
		o->type = type;
		d->n_objects++;
		if (flags & PCI_TSM_EVIDENCE_FLAG_DIGEST) {
			r = tsm_emu_digest_object(o);
			if (r)
				goto fail;
		}
	}
	/* Objects that do not exist are left out; asking only for those gets "no evidence". */
	if (!d->n_objects) {
		NL_SET_ERR_MSG(cb->extack, "none of the requested evidence objects exists");
		r = -ENXIO;
		goto fail;
	}

	/*
	 * A chunk must fit one message, and a dump skb is only a page unless the reader's buffer is
	 * larger: ask for enough room. (netlink_dump() reads this after .start.)
	 */
	cb->min_dump_alloc = nlmsg_total_size(GENL_HDRLEN + nla_total_size(sizeof(u32)) +
					      nla_total_size(d->chunk));
	cb->args[0] = (long)d;
	kfree(in);
	return 0;

fail:
	kfree(in);
	tsm_emu_dump_free(d);
	return r;
}

/* Returns -EAGAIN once the evidence is no longer what the dump started from. */
static int tsm_emu_evidence_check(struct tsm_emu_dump *d)
{
	struct tsm_emu_dev *edev;
	int r = 0;

	mutex_lock(&tsm_emu_lock);
	edev = tsm_emu_find_locked(d->pdev);
	if (!edev) {
		r = -ENXIO;
	} else {
		if (d->unstable && d->callbacks == 1) {
			/* As if the device had been re-locked between two reads of the reader. */
			edev->evidence_gen++;
			tsm_emu_event_locked(edev, "evidence changed under a read (injected)");
		}
		if (edev->evidence_gen != d->generation) {
			tsm_emu_event_locked(edev, "evidence-read -> -EAGAIN");
			r = -EAGAIN;
		}
	}
	mutex_unlock(&tsm_emu_lock);
	return r;
}

static int tsm_emu_evidence_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tsm_emu_dump *d = (struct tsm_emu_dump *)cb->args[0];
	unsigned int sent = 0;
	int r;

	r = tsm_emu_evidence_check(d);
	d->callbacks++;
	if (r)
		return r;

	while (d->cur < d->n_objects) {
		struct tsm_emu_object *o = &d->objects[d->cur];
		size_t n = min(o->len - d->off, d->chunk);
		void *hdr;

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq, &tsm_emu_family,
				  NLM_F_MULTI, PCI_TSM_CMD_EVIDENCE_READ);
		if (!hdr)
			break;
		if ((d->off == 0 && nla_put_u32(skb, PCI_TSM_A_EVIDENCE_TYPE, o->type)) ||
		    nla_put(skb, PCI_TSM_A_EVIDENCE_VAL, n, o->buf + d->off)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		sent++;
		d->off += n;
		if (d->off == o->len) {
			d->cur++;
			d->off = 0;
		}
	}
	/* Nothing fit into an empty skb: the reader's buffer is too small for one chunk. */
	if (!sent && d->cur < d->n_objects)
		return -EMSGSIZE;
	return skb->len;
}

static int tsm_emu_evidence_done(struct netlink_callback *cb)
{
	tsm_emu_dump_free((struct tsm_emu_dump *)cb->args[0]);
	cb->args[0] = 0;
	return 0;
}

static const struct genl_ops tsm_emu_ops[] = {
	{
		.cmd = PCI_TSM_CMD_EVIDENCE_READ,
		.start = tsm_emu_evidence_start,
		.dumpit = tsm_emu_evidence_dumpit,
		.done = tsm_emu_evidence_done,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family tsm_emu_family = {
	.name = PCI_TSM_FAMILY_NAME,
	.version = PCI_TSM_FAMILY_VERSION,
	.maxattr = PCI_TSM_A_EVIDENCE_MAX,
	.policy = tsm_emu_evidence_policy,
	.module = THIS_MODULE,
	.ops = tsm_emu_ops,
	.n_ops = ARRAY_SIZE(tsm_emu_ops),
	/* Dumps keep their state in the callback and take tsm_emu_lock themselves. */
	.parallel_ops = true,
};

int tsm_emu_netlink_init(void)
{
	return genl_register_family(&tsm_emu_family);
}

void tsm_emu_netlink_exit(void)
{
	genl_unregister_family(&tsm_emu_family);
}
