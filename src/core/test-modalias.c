/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-modalias.c — modalias parsing is exact, because a modalias comes from the host. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "modalias.h"

static void test_pci(void) {
        static const struct {
                const char *s;
                int r;
                PciIds ids;
        } t[] = {
                { "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00", 0,
                  { 0x1af4, 0x1041, 0x1af4, 0x1100, 0x020000 } },
                { "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00", 0,
                  { 0x8086, 0x10d3, 0x8086, 0xa01f, 0x020000 } },
                { "pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02", 0,
                  { 0x1b36, 0x0010, 0x1af4, 0x1100, 0x010802 } },
                { "pci:vFFFFFFFFdFFFFFFFFsvFFFFFFFFsdFFFFFFFFbcFFscFFiFF", 0,
                  { UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, 0xffffff } },
                { "pci:v00001af4d00001041sv00001af4sd00001100bc02sc00i00", 0,   /* lower case */
                  { 0x1af4, 0x1041, 0x1af4, 0x1100, 0x020000 } },

                { "", -EINVAL },
                { "pci:", -EINVAL },
                { "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i0", -EINVAL },      /* truncated */
                { "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00", -EINVAL },
                { "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i000", -EINVAL },    /* trailing */
                { "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00 ", -EINVAL },
                { "pci:v1AF4d1041sv1AF4sd1100bc02sc00i00", -EINVAL },                     /* short fields */
                { "pci:v00001AF4d00001041sv00001AF4sd00001100bc2sc00i00", -EINVAL },
                { "pci:v0000 AF4d00001041sv00001AF4sd00001100bc02sc00i00", -EINVAL },
                { "pci:v-0001AF4d00001041sv00001AF4sd00001100bc02sc00i00", -EINVAL },
                { "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i0*", -EINVAL },     /* a glob */
                { "pci:v*d*sv*sd*bc*sc*i*", -EINVAL },
                { "PCI:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00", -EINVAL },
                { "pci:d00001041v00001AF4sv00001AF4sd00001100bc02sc00i00", -EINVAL },     /* reordered */
                { "virtio:d00000001v00001AF4", -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                PciIds ids = { 1, 2, 3, 4, 5 };

                printf("pci '%s'\n", t[i].s);
                assert(modalias_parse_pci(t[i].s, &ids) == t[i].r);
                if (t[i].r < 0) {
                        assert(ids.vendor == 1 && ids.class == 5);
                        continue;
                }
                assert(ids.vendor == t[i].ids.vendor);
                assert(ids.device == t[i].ids.device);
                assert(ids.subsystem_vendor == t[i].ids.subsystem_vendor);
                assert(ids.subsystem_device == t[i].ids.subsystem_device);
                assert(ids.class == t[i].ids.class);
        }
}

static void test_virtio(void) {
        static const struct {
                const char *s;
                int r;
                uint32_t device, vendor;
        } t[] = {
                { "virtio:d00000001v00001AF4", 0, 1, 0x1af4 },
                { "virtio:d00000013v0000554D", 0, 0x13, 0x554d },
                { "virtio:dFFFFFFFFvFFFFFFFF", 0, UINT32_MAX, UINT32_MAX },
                { "virtio:d00000001v00001AF", -EINVAL },
                { "virtio:d00000001v00001AF4x", -EINVAL },
                { "virtio:v00001AF4d00000001", -EINVAL },
                { "virtio:d1v1af4", -EINVAL },
                { "virtio:", -EINVAL },
                { "virtio", -EINVAL },
                { "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00", -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                uint32_t d = 7, v = 7;

                printf("virtio '%s'\n", t[i].s);
                assert(modalias_parse_virtio(t[i].s, &d, &v) == t[i].r);
                assert(d == (t[i].r == 0 ? t[i].device : 7));
                assert(v == (t[i].r == 0 ? t[i].vendor : 7));
        }
}

static void test_specificity(void) {
        assert(modalias_glob_specificity("") == 0);
        assert(modalias_glob_specificity("pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00") == 0);
        assert(modalias_glob_specificity("vfio_pci:v000015B3d00001021sv*sd*bc*sc*i*") == 5);
        assert(modalias_glob_specificity("pci:v*d*sv*sd*bc02sc00i*") == 5);
        assert(modalias_glob_specificity("pci:v00001AF4d*sv*sd*bc*sc*i*") == 6);
        assert(modalias_glob_specificity("**?[a]") == 2);
}

int main(void) {
        test_pci();
        test_virtio();
        test_specificity();
        return 0;
}
