/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-uevent.c — uevent properties from the (untrusted) host: no input may crash the parser, and a
 * DeviceInfo that comes out must keep every promise of device-info.h. The same bytes are also read
 * as a sysfs uevent file (coldplug). */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>

#include "device-info.h"

/* A uevent carries at most a few KiB (the kernel's buffer is 2 KiB; udev adds some properties). */
#define FUZZ_INPUT_MAX (64U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_printable(const char *s) {
        for (; *s; s++)
                assert((unsigned char) *s >= 0x20 && *s != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(device_info_freep) DeviceInfo *d = NULL, *copy = NULL;
        _cleanup_free_ char *action = NULL;
        const char *rest;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        /* As a uevent file: the path and bus come from the walk, whatever the file says. */
        r = device_info_from_uevent_file("/devices/platform/fuzz", "platform", (const char *) data, size, &d);
        assert(r == 0 || r == -EBADMSG || r == -E2BIG);
        assert((r == 0) == !!d);
        if (d)
                assert(streq(d->syspath, "/sys/devices/platform/fuzz") && streq(d->bus, "platform"));
        d = device_info_free(d);

        r = device_info_from_buffer((const char *) data, size, &d, &action);
        assert(r == 0 || r == -EBADMSG || r == -E2BIG);
        if (r < 0) {
                assert(!d && !action);
                return 0;
        }

        /* The syspath stays inside /sys/devices and names the device it ends with. */
        rest = startswith(d->syspath, "/sys/devices/");
        assert(rest && *rest);
        assert(!strstr(d->syspath, "//") && !strstr(d->syspath, "/../") && !strstr(d->syspath, "/./"));
        assert(!isempty(d->sysname) && !strchr(d->sysname, '/'));
        assert(!streq(d->sysname, ".") && !streq(d->sysname, ".."));
        assert(streq(strrchr(d->syspath, '/') + 1, d->sysname));
        assert(!isempty(d->bus) && !strchr(d->bus, '/'));
        assert(!d->driver || (!isempty(d->driver) && !strchr(d->driver, '/')));
        check_printable(d->syspath);
        if (d->modalias)
                check_printable(d->modalias);
        if (action)
                check_printable(action);
        if (d->ids & DEVICE_ID_CLASS)
                assert(d->class <= 0xffffff);

        copy = device_info_copy(d);
        assert(copy);
        assert(streq(copy->syspath, d->syspath) && copy->ids == d->ids && copy->vendor == d->vendor);
        return 0;
}
