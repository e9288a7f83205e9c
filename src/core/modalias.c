/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modalias.c — device ids from modalias strings, and how specific a modules.alias pattern is.
 *
 * The kernel prints these with fixed widths, so the parsers insist on exactly that layout: a modalias
 * is host-controlled input, and a lenient parser would give two readings of one string. */

#include <assert.h>

#include "modalias.h"
#include "parse-util.h"

/* Consumes the literal tag and then exactly width hex digits. */
static int modalias_field(const char **p, const char *tag, size_t width, uint32_t *ret) {
        const char *s;
        int r;

        s = startswith(*p, tag);
        if (!s)
                return -EINVAL;
        r = safe_atoux32_n(s, width, ret);
        if (r < 0)
                return -EINVAL;
        *p = s + width;
        return 0;
}

int modalias_parse_pci(const char *modalias, PciIds *ret) {
        uint32_t v, d, sv, sd, bc, sc, i;
        const char *p;

        assert(modalias);
        assert(ret);

        p = startswith(modalias, "pci:");
        if (!p)
                return -EINVAL;

        if (modalias_field(&p, "v", 8, &v) < 0 ||
            modalias_field(&p, "d", 8, &d) < 0 ||
            modalias_field(&p, "sv", 8, &sv) < 0 ||
            modalias_field(&p, "sd", 8, &sd) < 0 ||
            modalias_field(&p, "bc", 2, &bc) < 0 ||
            modalias_field(&p, "sc", 2, &sc) < 0 ||
            modalias_field(&p, "i", 2, &i) < 0 ||
            *p != '\0')
                return -EINVAL;

        *ret = (PciIds) {
                .vendor = v,
                .device = d,
                .subsystem_vendor = sv,
                .subsystem_device = sd,
                .class = bc << 16 | sc << 8 | i,
        };
        return 0;
}

int modalias_parse_virtio(const char *modalias, uint32_t *ret_device, uint32_t *ret_vendor) {
        uint32_t d, v;
        const char *p;

        assert(modalias);
        assert(ret_device);
        assert(ret_vendor);

        p = startswith(modalias, "virtio:");
        if (!p)
                return -EINVAL;

        if (modalias_field(&p, "d", 8, &d) < 0 ||
            modalias_field(&p, "v", 8, &v) < 0 ||
            *p != '\0')
                return -EINVAL;

        *ret_device = d;
        *ret_vendor = v;
        return 0;
}

unsigned modalias_glob_specificity(const char *pattern) {
        unsigned n = 0;

        assert(pattern);

        for (const char *p = pattern; *p; p++)
                if (*p == '*')
                        n++;
        return n;
}
