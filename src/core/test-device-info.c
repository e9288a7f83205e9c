/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-device-info.c — uevent properties into a DeviceInfo: real events from QEMU guests, and the
 * malformed ones a hostile host or a confused udev rule could produce. */

#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "device-info.h"
#include "strv.h"

static char *info_dump(const DeviceInfo *d, const char *action) {
        char buf[16384] = "";
        size_t n = 0;

#define APPEND(...) n += (size_t) snprintf(buf + n, sizeof(buf) - n, __VA_ARGS__)
        APPEND("%s %s %s", d->syspath, d->sysname, d->bus);
        if (d->modalias)
                APPEND(" modalias=%s", d->modalias);
        if (d->driver)
                APPEND(" driver=%s", d->driver);
        if (d->ids & DEVICE_ID_VENDOR)
                APPEND(" v=%" PRIx32, d->vendor);
        if (d->ids & DEVICE_ID_DEVICE)
                APPEND(" d=%" PRIx32, d->device);
        if (d->ids & DEVICE_ID_SUBSYSTEM_VENDOR)
                APPEND(" sv=%" PRIx32, d->subsystem_vendor);
        if (d->ids & DEVICE_ID_SUBSYSTEM_DEVICE)
                APPEND(" sd=%" PRIx32, d->subsystem_device);
        if (d->ids & DEVICE_ID_CLASS)
                APPEND(" class=%06" PRIx32, d->class);
        if (action)
                APPEND(" action=%s", action);
#undef APPEND
        assert(n < sizeof(buf));
        return strdup(buf);
}

/* A literal with embedded NULs, and its size. */
#define BIN(s) s, sizeof(s) - 1

#define VIRTIO_NET_MODALIAS "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00"

static const struct {
        const char *name;
        const char *data;
        size_t size;
        int r;
        const char *dump;
} cases[] = {
        { "pci add from the kernel",
          BIN("ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:03.0\0SUBSYSTEM=pci\0PCI_CLASS=20000\0"
              "PCI_ID=1AF4:1041\0PCI_SUBSYS_ID=1AF4:1100\0PCI_SLOT_NAME=0000:00:03.0\0"
              "MODALIAS=" VIRTIO_NET_MODALIAS "\0SEQNUM=1234\0"),
          0,
          "/sys/devices/pci0000:00/0000:00:03.0 0000:00:03.0 pci modalias=" VIRTIO_NET_MODALIAS
          " v=1af4 d=1041 sv=1af4 sd=1100 class=020000 action=add" },
        { "pci bind",
          BIN("ACTION=bind\0DEVPATH=/devices/pci0000:00/0000:00:03.0\0SUBSYSTEM=pci\0DRIVER=virtio-pci\0"
              "PCI_CLASS=20000\0PCI_ID=1AF4:1041\0PCI_SUBSYS_ID=1AF4:1100\0"
              "MODALIAS=" VIRTIO_NET_MODALIAS "\0"),
          0,
          "/sys/devices/pci0000:00/0000:00:03.0 0000:00:03.0 pci modalias=" VIRTIO_NET_MODALIAS
          " driver=virtio-pci v=1af4 d=1041 sv=1af4 sd=1100 class=020000 action=bind" },
        { "pci ids from the modalias only",
          BIN("DEVPATH=/devices/pci0000:00/0000:00:1f.2\0SUBSYSTEM=pci\0"
              "MODALIAS=pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01\0"),
          0,
          "/sys/devices/pci0000:00/0000:00:1f.2 0000:00:1f.2 pci "
          "modalias=pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01 v=8086 d=2922 sv=1af4 sd=1100 "
          "class=010601" },
        { "PCI_ID wins over the modalias, which fills the gaps",
          BIN("DEVPATH=/devices/pci0000:00/0000:00:05.0\0SUBSYSTEM=pci\0PCI_ID=8086:10D3\0"
              "MODALIAS=" VIRTIO_NET_MODALIAS "\0"),
          0,
          "/sys/devices/pci0000:00/0000:00:05.0 0000:00:05.0 pci modalias=" VIRTIO_NET_MODALIAS
          " v=8086 d=10d3 sv=1af4 sd=1100 class=020000" },
        { "pci without ids", BIN("SUBSYSTEM=pci\0DEVPATH=/devices/pci0000:00/0000:00:06.0"), 0,
          "/sys/devices/pci0000:00/0000:00:06.0 0000:00:06.0 pci" },
        { "pci class with letters",
          BIN("SUBSYSTEM=pci\0DEVPATH=/devices/pci0000:00/0000:00:07.0\0PCI_CLASS=C0330\0"),
          0, "/sys/devices/pci0000:00/0000:00:07.0 0000:00:07.0 pci class=0c0330" },
        { "virtio device",
          BIN("ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:03.0/virtio0\0SUBSYSTEM=virtio\0"
              "MODALIAS=virtio:d00000001v00001AF4\0DRIVER=virtio_net\0"),
          0,
          "/sys/devices/pci0000:00/0000:00:03.0/virtio0 virtio0 virtio modalias=virtio:d00000001v00001AF4 "
          "driver=virtio_net v=1af4 d=1 action=add" },
        { "virtio without modalias", BIN("DEVPATH=/devices/virtio-mmio/virtio3\0SUBSYSTEM=virtio\0"), 0,
          "/sys/devices/virtio-mmio/virtio3 virtio3 virtio" },
        { "usb device",
          BIN("ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:1d.0/usb1/1-1\0SUBSYSTEM=usb\0"
              "DEVTYPE=usb_device\0PRODUCT=46d/c52b/1201\0TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0"),
          0, "/sys/devices/pci0000:00/0000:00:1d.0/usb1/1-1 1-1 usb v=46d d=c52b action=add" },
        { "usb interface",
          BIN("DEVPATH=/devices/pci0000:00/0000:00:1d.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0"
              "DEVTYPE=usb_interface\0PRODUCT=627/1/0\0"
              "MODALIAS=usb:v0627p0001d0000dc00dsc00dp00ic03isc00ip00in00\0"),
          0,
          "/sys/devices/pci0000:00/0000:00:1d.0/usb1/1-1/1-1:1.0 1-1:1.0 usb "
          "modalias=usb:v0627p0001d0000dc00dsc00dp00ic03isc00ip00in00 v=627 d=1" },
        { "platform device", BIN("DEVPATH=/devices/platform/serial8250\0SUBSYSTEM=platform\0"
                                 "MODALIAS=platform:serial8250\0DRIVER=serial8250\0"),
          0,
          "/sys/devices/platform/serial8250 serial8250 platform modalias=platform:serial8250 "
          "driver=serial8250" },
        { "pci properties on another bus are ignored",
          BIN("DEVPATH=/devices/platform/x\0SUBSYSTEM=platform\0PCI_ID=garbage\0PRODUCT=also garbage\0"),
          0, "/sys/devices/platform/x x platform" },
        { "unknown keys, even repeated, are ignored",
          BIN("DEVPATH=/devices/platform/y\0SUBSYSTEM=platform\0ID_MODEL=Some Model (tm)\0ID_MODEL=again\0"
              "ID_VENDOR_FROM_DATABASE=caf\xc3\xa9\0"),
          0, "/sys/devices/platform/y y platform" },
        { "final entry unterminated", BIN("DEVPATH=/devices/platform/z\0SUBSYSTEM=platform"), 0,
          "/sys/devices/platform/z z platform" },
        { "value with '='", BIN("DEVPATH=/devices/platform/z\0SUBSYSTEM=platform\0MODALIAS=of:Nx=y\0"), 0,
          "/sys/devices/platform/z z platform modalias=of:Nx=y" },

        /* Hostile and malformed input. */
        { "empty buffer", "", 0, -EBADMSG },
        { "no SUBSYSTEM", BIN("DEVPATH=/devices/platform/x\0"), -EBADMSG },
        { "no DEVPATH", BIN("SUBSYSTEM=pci\0"), -EBADMSG },
        { "DEVPATH under /sys", BIN("DEVPATH=/sys/devices/platform/x\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "DEVPATH not under devices", BIN("DEVPATH=/module/x\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "DEVPATH relative", BIN("DEVPATH=devices/platform/x\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "DEVPATH escaping", BIN("DEVPATH=/devices/../../etc/shadow\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "DEVPATH ending in ..", BIN("DEVPATH=/devices/platform/..\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "DEVPATH with .", BIN("DEVPATH=/devices/./platform\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "DEVPATH with //", BIN("DEVPATH=/devices//platform\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "DEVPATH with trailing /", BIN("DEVPATH=/devices/platform/\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "DEVPATH only /devices/", BIN("DEVPATH=/devices/\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "DEVPATH /devices", BIN("DEVPATH=/devices\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "duplicate DEVPATH",
          BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0DEVPATH=/devices/platform/b\0"), -EBADMSG },
        { "duplicate DRIVER",
          BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0DRIVER=a\0DRIVER=b\0"), -EBADMSG },
        { "duplicate PCI_ID",
          BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_ID=1AF4:1041\0PCI_ID=8086:10D3\0"), -EBADMSG },
        { "SUBSYSTEM escaping", BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=../../../tmp\0"), -EBADMSG },
        { "SUBSYSTEM ..", BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=..\0"), -EBADMSG },
        { "SUBSYSTEM empty", BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=\0"), -EBADMSG },
        { "DRIVER with a slash",
          BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0DRIVER=a/b\0"), -EBADMSG },
        { "entry without '='", BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0garbage\0"), -EBADMSG },
        { "entry with empty key", BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0=x\0"), -EBADMSG },
        { "empty entry", BIN("DEVPATH=/devices/platform/a\0\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "control character in a value",
          BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0MODALIAS=platform:\x1b[2J\0"), -EBADMSG },
        { "newline in an unknown value",
          BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0X=a\nb\0"), -EBADMSG },
        { "tab in a value", BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0X=a\tb\0"), -EBADMSG },
        { "control character in a key",
          BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0X\x01=1\0"), -EBADMSG },
        { "DEL in DEVPATH", BIN("DEVPATH=/devices/platform/a\x7f\0SUBSYSTEM=platform\0"), -EBADMSG },
        { "non-ASCII modalias",
          BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0MODALIAS=of:caf\xc3\xa9\0"),
          -EBADMSG },
        { "empty modalias", BIN("DEVPATH=/devices/platform/a\0SUBSYSTEM=platform\0MODALIAS=\0"), -EBADMSG },
        { "PCI_ID with a dash", BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_ID=1AF4-1041\0"), -EBADMSG },
        { "PCI_ID without separator",
          BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_ID=1AF41041\0"), -EBADMSG },
        { "PCI_ID short", BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_ID=1AF4:104\0"), -EBADMSG },
        { "PCI_ID long", BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_ID=1AF4:10411\0"), -EBADMSG },
        { "PCI_ID with 0x", BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_ID=0x1A:1041\0"), -EBADMSG },
        { "PCI_ID not hex", BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_ID=G000:1041\0"), -EBADMSG },
        { "PCI_SUBSYS_ID empty", BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_SUBSYS_ID=\0"), -EBADMSG },
        { "PCI_CLASS empty", BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_CLASS=\0"), -EBADMSG },
        { "PCI_CLASS over 24 bit",
          BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_CLASS=1000000\0"), -EBADMSG },
        { "PCI_CLASS with 0x", BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_CLASS=0x20000\0"), -EBADMSG },
        { "PCI_CLASS negative", BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_CLASS=-1\0"), -EBADMSG },
        { "pci modalias truncated",
          BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0"
              "MODALIAS=pci:v00001AF4d00001041sv00001AF4sd00001100bc02\0"),
          -EBADMSG },
        { "pci modalias malformed even with PCI_ID",
          BIN("DEVPATH=/devices/p/0\0SUBSYSTEM=pci\0PCI_ID=1AF4:1041\0MODALIAS=pci:v*d*\0"), -EBADMSG },
        { "virtio modalias malformed",
          BIN("DEVPATH=/devices/v/virtio0\0SUBSYSTEM=virtio\0MODALIAS=virtio:d1v2\0"),
          -EBADMSG },
        { "usb PRODUCT short", BIN("DEVPATH=/devices/u/1-1\0SUBSYSTEM=usb\0PRODUCT=46d/c52b\0"), -EBADMSG },
        { "usb PRODUCT long",
          BIN("DEVPATH=/devices/u/1-1\0SUBSYSTEM=usb\0PRODUCT=46d/c52b/1201/1\0"), -EBADMSG },
        { "usb PRODUCT wide field",
          BIN("DEVPATH=/devices/u/1-1\0SUBSYSTEM=usb\0PRODUCT=12345/1/1\0"), -EBADMSG },
        { "usb PRODUCT empty field",
          BIN("DEVPATH=/devices/u/1-1\0SUBSYSTEM=usb\0PRODUCT=46d//1201\0"), -EBADMSG },
        { "usb PRODUCT leading slash",
          BIN("DEVPATH=/devices/u/1-1\0SUBSYSTEM=usb\0PRODUCT=/1/1\0"), -EBADMSG },
        { "usb PRODUCT not hex", BIN("DEVPATH=/devices/u/1-1\0SUBSYSTEM=usb\0PRODUCT=g/1/1\0"), -EBADMSG },
        { "usb PRODUCT trailing slash",
          BIN("DEVPATH=/devices/u/1-1\0SUBSYSTEM=usb\0PRODUCT=1/1/1/\0"), -EBADMSG },
};

static void test_cases(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(device_info_freep) DeviceInfo *d = NULL;
                _cleanup_free_ char *action = NULL, *dump = NULL;
                int r;

                printf("case %zu: %s\n", i, cases[i].name);
                r = device_info_from_buffer(cases[i].data, cases[i].size, &d, &action);
                printf("  r=%d\n", r);
                assert(r == cases[i].r);
                if (r < 0) {
                        assert(!d);
                        assert(!action);
                        continue;
                }
                dump = info_dump(d, action);
                printf("  %s\n", dump);
                assert(streq(dump, cases[i].dump));
                assert(!d->driver_module && !d->driver_builtin && !d->tdisp);
        }
}

/* Builds a property list of n entries around a valid device. */
static char **properties_with(size_t n_extra, size_t value_len) {
        _cleanup_strv_free_ char **l = NULL;

        assert(strv_extend(&l, "DEVPATH=/devices/platform/a") == 0);
        assert(strv_extend(&l, "SUBSYSTEM=platform") == 0);
        for (size_t i = 0; i < n_extra; i++) {
                char *p = malloc(32 + value_len);
                int k;

                assert(p);
                k = sprintf(p, "EXTRA%zu=", i);
                memset(p + k, 'v', value_len);
                p[k + value_len] = '\0';
                assert(strv_consume(&l, p) == 0);
        }
        return TAKE_PTR(l);
}

static void test_limits(void) {
        _cleanup_(device_info_freep) DeviceInfo *d = NULL;
        _cleanup_strv_free_ char **ok = NULL, **too_many = NULL, **ok_value = NULL, **long_value = NULL;
        _cleanup_free_ char *long_key = NULL, *buf = NULL;

        ok = properties_with(DEVICE_INFO_PROPERTIES_MAX - 2, 1);
        assert(device_info_from_properties(ok, &d, NULL) == 0);
        d = device_info_free(d);

        too_many = properties_with(DEVICE_INFO_PROPERTIES_MAX - 1, 1);
        assert(device_info_from_properties(too_many, &d, NULL) == -E2BIG);
        assert(!d);

        ok_value = properties_with(1, DEVICE_INFO_VALUE_MAX);
        assert(device_info_from_properties(ok_value, &d, NULL) == 0);
        d = device_info_free(d);

        long_value = properties_with(1, DEVICE_INFO_VALUE_MAX + 1);
        assert(device_info_from_properties(long_value, &d, NULL) == -E2BIG);

        /* A modalias at the limit is fine (there is no rule on other buses' modaliases)… */
        free(long_value[2]);
        assert(asprintf(&long_value[2], "MODALIAS=%0*d", (int) DEVICE_INFO_VALUE_MAX, 7) > 0);
        assert(device_info_from_properties(long_value, &d, NULL) == 0);
        assert(strlen(d->modalias) == DEVICE_INFO_VALUE_MAX);
        d = device_info_free(d);

        /* …and a key may not be a megabyte either. */
        long_key = malloc(1024);
        assert(long_key);
        memset(long_key, 'K', 1022);
        long_key[1022] = '=';
        long_key[1023] = '\0';
        free(long_value[2]);
        long_value[2] = TAKE_PTR(long_key);
        assert(device_info_from_properties(long_value, &d, NULL) == -E2BIG);

        /* The buffer form refuses what cannot possibly be a uevent before splitting it. */
        buf = calloc(1, 2 * 1024 * 1024);
        assert(buf);
        assert(device_info_from_buffer(buf, 2 * 1024 * 1024, &d, NULL) == -E2BIG);
        memset(buf, 'A', 4096);
        assert(device_info_from_buffer(buf, 4096, &d, NULL) == -EBADMSG);       /* no '=' */

        assert(device_info_from_properties(NULL, &d, NULL) == -EBADMSG);
        assert(!d);
}

static void test_copy(void) {
        _cleanup_(device_info_freep) DeviceInfo *d = NULL, *c = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL;
        static const char ev[] = "DEVPATH=/devices/pci0000:00/0000:00:03.0\0SUBSYSTEM=pci\0"
                                 "DRIVER=virtio-pci\0MODALIAS=" VIRTIO_NET_MODALIAS "\0";

        assert(device_info_from_buffer(ev, sizeof(ev) - 1, &d, NULL) == 0);
        d->driver_module = strdup("virtio_pci");
        assert(d->driver_module);
        d->tdisp = true;

        c = device_info_copy(d);
        assert(c);
        a = info_dump(d, NULL);
        b = info_dump(c, NULL);
        assert(streq(a, b));
        assert(c->syspath != d->syspath);
        assert(streq(c->driver_module, "virtio_pci"));
        assert(c->tdisp && !c->driver_builtin);

        assert(device_info_free(NULL) == NULL);
}

/* Coldplug reads each device's uevent file: what the kernel prints there for real devices of several
 * buses, with the device's path and bus from where it was found. */
static void test_uevent_file(void) {
        static const struct {
                const char *name, *devpath, *bus, *contents;
                int r;
                const char *dump;
        } t[] = {
                { "pci, bound", "/devices/pci0000:00/0000:00:03.0", "pci",
                  "DRIVER=virtio-pci\nPCI_CLASS=20000\nPCI_ID=1AF4:1041\nPCI_SUBSYS_ID=1AF4:1100\n"
                  "PCI_SLOT_NAME=0000:00:03.0\nMODALIAS=" VIRTIO_NET_MODALIAS "\n",
                  0,
                  "/sys/devices/pci0000:00/0000:00:03.0 0000:00:03.0 pci modalias=" VIRTIO_NET_MODALIAS
                  " driver=virtio-pci v=1af4 d=1041 sv=1af4 sd=1100 class=020000" },
                { "virtio", "/devices/pci0000:00/0000:00:03.0/virtio0", "virtio",
                  "DRIVER=virtio_net\nMODALIAS=virtio:d00000001v00001AF4\n", 0,
                  "/sys/devices/pci0000:00/0000:00:03.0/virtio0 virtio0 virtio modalias=virtio:d00000001v00001AF4 "
                  "driver=virtio_net v=1af4 d=1" },
                { "platform without MODALIAS", "/devices/platform/i8042", "platform", "DRIVER=i8042\n", 0,
                  "/sys/devices/platform/i8042 i8042 platform driver=i8042" },
                { "empty file", "/devices/platform/pcspkr", "platform", "", 0,
                  "/sys/devices/platform/pcspkr pcspkr platform" },
                { "usb interface", "/devices/pci0000:00/0000:00:1d.0/usb1/1-1/1-1:1.0", "usb",
                  "DEVTYPE=usb_interface\nPRODUCT=627/1/0\nTYPE=0/0/0\nINTERFACE=3/0/0\n"
                  "MODALIAS=usb:v0627p0001d0000dc00dsc00dp00ic03isc00ip00in00\n",
                  0,
                  "/sys/devices/pci0000:00/0000:00:1d.0/usb1/1-1/1-1:1.0 1-1:1.0 usb "
                  "modalias=usb:v0627p0001d0000dc00dsc00dp00ic03isc00ip00in00 v=627 d=1" },
                { "no final newline", "/devices/platform/serial8250", "platform", "MODALIAS=platform:serial8250",
                  0, "/sys/devices/platform/serial8250 serial8250 platform modalias=platform:serial8250" },
                { "the file cannot move the device", "/devices/platform/x", "platform",
                  "DEVPATH=/devices/platform/y\nSUBSYSTEM=pci\nPCI_ID=8086:10D3\n", 0,
                  "/sys/devices/platform/x x platform" },
                { "blank lines", "/devices/platform/x", "platform", "\n\nDRIVER=a\n\n", 0,
                  "/sys/devices/platform/x x platform driver=a" },
                { "line without '='", "/devices/platform/x", "platform", "DRIVER\n", -EBADMSG, NULL },
                { "two drivers", "/devices/platform/x", "platform", "DRIVER=a\nDRIVER=b\n", -EBADMSG, NULL },
                { "driver with '/'", "/devices/platform/x", "platform", "DRIVER=../a\n", -EBADMSG, NULL },
                { "bad devpath", "/devices/../x", "platform", "", -EBADMSG, NULL },
                { "bad bus", "/devices/platform/x", "..", "", -EBADMSG, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(device_info_freep) DeviceInfo *d = NULL;
                _cleanup_free_ char *dump = NULL;
                int r;

                r = device_info_from_uevent_file(t[i].devpath, t[i].bus, t[i].contents, strlen(t[i].contents), &d);
                dump = d ? info_dump(d, NULL) : NULL;
                printf("uevent file: %s → %d %s\n", t[i].name, r, strempty(dump));
                assert(r == t[i].r);
                assert(streq_ptr(dump, t[i].dump));
        }

        /* A NUL inside, and more lines than a uevent carries. */
        _cleanup_(device_info_freep) DeviceInfo *d = NULL;
        _cleanup_free_ char *many = NULL;
        static const char nul[] = "DRIVER=a\0\nMODALIAS=x\n";

        assert(device_info_from_uevent_file("/devices/platform/x", "platform", nul, sizeof(nul) - 1, &d) == -EBADMSG);
        many = malloc(DEVICE_INFO_PROPERTIES_MAX * 4 + 1);
        assert(many);
        for (size_t i = 0; i < DEVICE_INFO_PROPERTIES_MAX; i++)
                memcpy(many + 4 * i, "A=1\n", 4);
        many[DEVICE_INFO_PROPERTIES_MAX * 4] = '\0';
        assert(device_info_from_uevent_file("/devices/platform/x", "platform", many, strlen(many), &d) == -E2BIG);
        /* Two fewer fit (DEVPATH= and SUBSYSTEM= come from the caller). */
        many[(DEVICE_INFO_PROPERTIES_MAX - 2) * 4] = '\0';
        assert(device_info_from_uevent_file("/devices/platform/x", "platform", many, strlen(many), &d) == 0);
        assert(!d->modalias && streq(d->bus, "platform"));
}

static void test_unparsable(void) {
        DeviceInfo *d = NULL;

        assert(device_info_new_unparsable("/sys/devices/platform/ACPI0007:00", "platform", &d) == 0);
        assert(d->unparsable && streq(d->sysname, "ACPI0007:00") && streq(d->bus, "platform"));
        assert(!d->modalias && !d->driver && d->ids == 0);
        DeviceInfo *c = device_info_copy(d);
        assert(c && c->unparsable);
        device_info_free(c);
        device_info_free(d);

        /* Where it is and its bus must still be sound: they become paths under /sys. */
        assert(device_info_new_unparsable("/sys/devices/../../etc", "pci", &d) == -EINVAL);
        assert(device_info_new_unparsable("/devices/pci0000:00/0000:00:03.0", "pci", &d) == -EINVAL);
        assert(device_info_new_unparsable("/sys/devices/pci0000:00/0000:00:03.0", "../pci", &d) == -EINVAL);
        assert(device_info_new_unparsable("/sys/devices/pci0000:00/0000:00:03.0", "", &d) == -EINVAL);
        assert(device_info_new_unparsable(NULL, "pci", &d) == -EINVAL);
}

int main(void) {
        test_cases();
        test_limits();
        test_copy();
        test_uevent_file();
        test_unparsable();
        return 0;
}
