// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsm_emu: made-up SPDM/TDISP evidence objects.
 *
 * The objects only have to behave like evidence: be the same every time they are read until
 * something relevant changes, change when it does, differ between devices, and be large enough
 * that a certificate chain spans several netlink messages. So every object is a pure function of
 * the device's identity and of the counter that governs it; the bytes are SHA-256 output in
 * counter mode, wrapped in headers shaped like the real structures so that a hexdump is readable.
 * Nothing here is signed or parseable as X.509.
 *
 *   certN         identity, slot, cert_epoch (rotate_certs knob): stable across locks
 *   vca           identity only
 *   measurements  identity, lock_generation, nonce: the TSM fetches them afresh at each lock
 *   report        identity, lock_generation, memory BAR sizes, nonce; only while locked
 */
#include <crypto/sha2.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "tsm-emu.h"

#define TSM_EMU_CERT_SIZE 2000
#define TSM_EMU_CERT_MIN 200
#define TSM_EMU_OTHER_CHAIN_BYTES 1500
#define TSM_EMU_VCA_BYTES 128
#define TSM_EMU_MEAS_BLOCKS 4
#define TSM_EMU_SIG_BYTES 96
#define TSM_EMU_REPORT_INFO_MAX 160

/* Seed = SHA-256 over a text naming the device, the object and its generation. */
static void tsm_emu_seed(const struct tsm_emu_evidence_input *in, const char *label, u32 gen,
			 u8 seed[SHA256_DIGEST_SIZE])
{
	char text[160];
	int n;

	n = scnprintf(text, sizeof(text), "tsm-emu|%s|%04x:%04x|%04x:%04x|%06x|%s|%u", in->name,
		      in->vendor, in->device, in->subsystem_vendor, in->subsystem_device, in->class,
		      label, gen);
	sha256(text, n, seed);
}

/* Deterministic filler: block i is SHA-256(seed || le32(i)). */
static void tsm_emu_fill(u8 *out, size_t len, const u8 seed[SHA256_DIGEST_SIZE])
{
	u8 in[SHA256_DIGEST_SIZE + 4], block[SHA256_DIGEST_SIZE];
	u32 i = 0;

	memcpy(in, seed, SHA256_DIGEST_SIZE);
	while (len) {
		size_t n = min_t(size_t, len, sizeof(block));

		put_unaligned_le32(i++, in + SHA256_DIGEST_SIZE);
		sha256(in, sizeof(in), block);
		memcpy(out, block, n);
		out += n;
		len -= n;
	}
}

static u8 *tsm_emu_alloc(size_t len)
{
	return kvzalloc(len, GFP_KERNEL);
}

/*
 * SPDM CertChain layout: Length (le16), Reserved (le16), RootHash (here SHA-256 of the first
 * certificate), then DER certificates. Each fake certificate is a DER SEQUENCE whose content
 * starts with a readable subject.
 */
static int tsm_emu_build_cert(const struct tsm_emu_evidence_input *in, unsigned int slot, u8 **ret_buf,
			      size_t *ret_len)
{
	size_t target, len, off, n_certs, i;
	u8 *buf;

	if (slot >= min_t(unsigned int, tsm_emu_cert_slots, 8))
		return -ENOENT;
	target = slot == 0 ? clamp_t(size_t, tsm_emu_cert0_bytes, 256, SZ_1M) : TSM_EMU_OTHER_CHAIN_BYTES;
	n_certs = DIV_ROUND_UP(target, TSM_EMU_CERT_SIZE);
	len = 4 + SHA256_DIGEST_SIZE;
	for (i = 0; i < n_certs; i++)
		len += i + 1 < n_certs ? TSM_EMU_CERT_SIZE :
					 max_t(size_t, target - i * TSM_EMU_CERT_SIZE, TSM_EMU_CERT_MIN);
	buf = tsm_emu_alloc(len);
	if (!buf)
		return -ENOMEM;

	put_unaligned_le16(min_t(size_t, len, U16_MAX), buf);
	off = 4 + SHA256_DIGEST_SIZE;
	for (i = 0; i < n_certs; i++) {
		size_t cert_len = i + 1 < n_certs ? TSM_EMU_CERT_SIZE :
						    max_t(size_t, target - i * TSM_EMU_CERT_SIZE, TSM_EMU_CERT_MIN);
		u8 *cert = buf + off;
		char label[32];
		u8 seed[SHA256_DIGEST_SIZE];

		snprintf(label, sizeof(label), "cert%u/%zu", slot, i);
		tsm_emu_seed(in, label, in->cert_epoch, seed);
		tsm_emu_fill(cert + 4, cert_len - 4, seed);
		cert[0] = 0x30;	/* SEQUENCE, two length bytes follow */
		cert[1] = 0x82;
		put_unaligned_be16(cert_len - 4, cert + 2);
		scnprintf(cert + 4, cert_len - 4, "CN=tsm-emu %s slot %u cert %zu epoch %u", in->name, slot, i,
			  in->cert_epoch);
		off += cert_len;
	}
	sha256(buf + 4 + SHA256_DIGEST_SIZE, min_t(size_t, len - 4 - SHA256_DIGEST_SIZE, TSM_EMU_CERT_SIZE),
	       buf + 4);
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

static int tsm_emu_build_vca(const struct tsm_emu_evidence_input *in, u8 **ret_buf, size_t *ret_len)
{
	u8 seed[SHA256_DIGEST_SIZE];
	u8 *buf;

	buf = tsm_emu_alloc(TSM_EMU_VCA_BYTES);
	if (!buf)
		return -ENOMEM;
	tsm_emu_seed(in, "vca", 0, seed);
	tsm_emu_fill(buf, TSM_EMU_VCA_BYTES, seed);
	/* GET_VERSION request header (SPDM 1.0), as a transcript starts. */
	buf[0] = 0x10;
	buf[1] = 0x84;
	buf[2] = 0;
	buf[3] = 0;
	*ret_buf = buf;
	*ret_len = TSM_EMU_VCA_BYTES;
	return 0;
}

/* The requester's nonce if there was one, else one derived from the lock generation. */
static void tsm_emu_nonce32(const struct tsm_emu_evidence_input *in, u8 out[32])
{
	u8 seed[SHA256_DIGEST_SIZE];

	if (in->nonce_len) {
		memset(out, 0, 32);
		memcpy(out, in->nonce, min_t(size_t, in->nonce_len, 32));
		return;
	}
	tsm_emu_seed(in, "nonce", in->lock_gen, seed);
	memcpy(out, seed, 32);
}

/*
 * SPDM 1.2 MEASUREMENTS response: header, NumberOfBlocks, MeasurementRecordLength (le24), DMTF
 * measurement blocks, Nonce, OpaqueDataLength, Signature.
 */
static int tsm_emu_build_measurements(const struct tsm_emu_evidence_input *in, u8 **ret_buf,
				      size_t *ret_len)
{
	const size_t block_len = 4 + 3 + SHA256_DIGEST_SIZE;
	const size_t record_len = TSM_EMU_MEAS_BLOCKS * block_len;
	const size_t len = 8 + record_len + 32 + 2 + TSM_EMU_SIG_BYTES;
	u8 seed[SHA256_DIGEST_SIZE];
	u8 *buf, *p;
	int i;

	buf = tsm_emu_alloc(len);
	if (!buf)
		return -ENOMEM;
	buf[0] = 0x12;	/* SPDM 1.2 */
	buf[1] = 0x60;	/* MEASUREMENTS */
	buf[4] = TSM_EMU_MEAS_BLOCKS;
	buf[5] = record_len & 0xff;
	buf[6] = (record_len >> 8) & 0xff;
	buf[7] = (record_len >> 16) & 0xff;
	p = buf + 8;
	for (i = 0; i < TSM_EMU_MEAS_BLOCKS; i++) {
		char label[24];

		p[0] = i + 1;		/* Index */
		p[1] = 1;		/* MeasurementSpecification: DMTF */
		put_unaligned_le16(3 + SHA256_DIGEST_SIZE, p + 2);
		p[4] = i;		/* DMTFSpecMeasurementValueType: ROM, firmware, config, ... */
		put_unaligned_le16(SHA256_DIGEST_SIZE, p + 5);
		/* Firmware and ROM are fixed; the last block is the configuration measured at lock. */
		snprintf(label, sizeof(label), "measurement%d", i);
		tsm_emu_seed(in, label, i == TSM_EMU_MEAS_BLOCKS - 1 ? in->lock_gen : 0, p + 7);
		p += block_len;
	}
	tsm_emu_nonce32(in, p);
	p += 32;
	put_unaligned_le16(0, p);	/* OpaqueDataLength */
	p += 2;
	/* "Signature": anything that changes whenever a signed byte does. */
	sha256(buf, p - buf, seed);
	tsm_emu_fill(p, TSM_EMU_SIG_BYTES, seed);
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

/*
 * TDISP DEVICE_INTERFACE_REPORT: INTERFACE_INFO, reserved, MSI-X and LNR control, TPH control,
 * MMIO_RANGE_COUNT, one range per memory BAR, then DEVICE_SPECIFIC_INFO_LEN and the info, which
 * here spells out what the report depends on.
 */
static int tsm_emu_build_report(const struct tsm_emu_evidence_input *in, u8 **ret_buf, size_t *ret_len)
{
	char info[TSM_EMU_REPORT_INFO_MAX];
	u8 nonce[32];
	u32 n_ranges = 0;
	size_t len, info_len;
	u8 *buf, *p;
	int i, n;

	if (!in->locked)
		return -ENOENT;
	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		if (in->bar_len[i])
			n_ranges++;
	tsm_emu_nonce32(in, nonce);
	n = scnprintf(info, sizeof(info), "tsm-emu %s lock_generation=%u nonce=%*phN", in->name,
		      in->lock_gen, 8, nonce);
	info_len = n;
	len = 16 + n_ranges * 16 + 4 + info_len;
	buf = tsm_emu_alloc(len);
	if (!buf)
		return -ENOMEM;
	put_unaligned_le16(BIT(2) | BIT(4), buf);	/* INTERFACE_INFO: DMA allowed, T=1 MMIO */
	put_unaligned_le32(n_ranges, buf + 12);
	p = buf + 16;
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!in->bar_len[i])
			continue;
		put_unaligned_le64(0, p);			/* FIRST_PAGE: offset in the BAR */
		put_unaligned_le32(DIV_ROUND_UP(in->bar_len[i], 4096), p + 8);
		put_unaligned_le16(0, p + 12);			/* RANGE_ATTRIBUTES */
		put_unaligned_le16(i, p + 14);			/* RANGE_ID: the BAR */
		p += 16;
	}
	put_unaligned_le32(info_len, p);
	memcpy(p + 4, info, info_len);
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

/* Builds one object; -ENOENT when the device does not have it (an empty slot, no lock). */
int tsm_emu_evidence_build(const struct tsm_emu_evidence_input *in, unsigned int type, u8 **ret_buf,
			   size_t *ret_len)
{
	switch (type) {
	case PCI_TSM_EVIDENCE_TYPE_CERT0 ... PCI_TSM_EVIDENCE_TYPE_CERT7:
		return tsm_emu_build_cert(in, type - PCI_TSM_EVIDENCE_TYPE_CERT0, ret_buf, ret_len);
	case PCI_TSM_EVIDENCE_TYPE_VCA:
		return tsm_emu_build_vca(in, ret_buf, ret_len);
	case PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS:
		return tsm_emu_build_measurements(in, ret_buf, ret_len);
	case PCI_TSM_EVIDENCE_TYPE_REPORT:
		return tsm_emu_build_report(in, ret_buf, ret_len);
	}
	return -EINVAL;
}
