# SPDX-License-Identifier: LGPL-2.1-or-later
"""fixture.py — reads the fake machine: the module list (modules.list) and the testbed (*.testbed).

Both are line formats, one object per line, '#' comments, shell-style words; README.md describes them.
Everything the fake kernel does is derived from these two files, so that the modules directory that
tdispd reads through libkmod and the driver id tables that the fake kernel matches with are one list.
"""

import os
import shlex

MODULE_KINDS = ("loadable", "builtin")
MODULE_STATES = ("live", "builtin", "unloaded")


class FixtureError(Exception):
    pass


class Module:
    def __init__(self, name, kind, aliases, depends):
        self.name = name
        self.kind = kind            # how it is built: "loadable" (.ko) or "builtin" (modules.builtin)
        self.aliases = aliases      # modalias patterns, as in modules.alias
        self.depends = depends      # module names


class Bus:
    def __init__(self, name, late):
        self.name = name
        self.late = late            # appears only when a test adds it (kctl newbus)


class Driver:
    def __init__(self, bus, name, module, modlink):
        self.bus = bus
        self.name = name
        self.module = module        # Module
        # A built-in driver whose module has a /sys/module entry (parameters) gets the "module" link
        # too, as in the kernel; plain built-ins have none.
        self.modlink = modlink


class Tsm:
    def __init__(self, name, mode, ready):
        self.name = name            # "tsm0": /sys/class/tsm/tsm0
        self.mode = mode            # pci_mode: "devsec" (guest), "link" (host) or "none"
        self.ready = ready          # False: tsm/ groups appear only at `kctl tsm-ready`


class Device:
    def __init__(self, bus, devpath, key, ids, driver, hotplug, tdisp=False, nomodalias=False, badmodalias=False):
        self.bus = bus
        self.devpath = devpath      # "/devices/pci0000:00/0000:00:03.0"
        self.name = os.path.basename(devpath)
        self.key = key              # fixture name; two hot-plug devices may share one sysfs name
        self.ids = ids              # dict: vendor, device, subvendor, subdevice, class (ints)
        self.driver = driver        # driver name bound at start, or None
        self.hotplug = hotplug      # absent until plugged
        self.tdisp = tdisp          # advertises the TEE bit: gets a tsm/ group once a devsec TSM is ready
        self.nomodalias = nomodalias  # no MODALIAS= in its uevent file, no modalias attribute (many
                                      # platform and virtual devices)
        self.badmodalias = badmodalias  # MODALIAS= with a non-ASCII character, as a firmware table's
                                        # string may give it: tdispd refuses the properties

    def modalias(self):
        alias = self._modalias()
        return alias + "\u00e9" if self.badmodalias else alias

    def _modalias(self):
        i = self.ids
        if self.bus == "pci":
            c = i["class"]
            return "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X" % (
                i["vendor"], i["device"], i["subvendor"], i["subdevice"],
                c >> 16, (c >> 8) & 0xFF, c & 0xFF)
        if self.bus == "virtio":
            return "virtio:d%08Xv%08X" % (i["device"], i["vendor"])
        # platform and auxiliary devices are matched by name; "foo.eth.0" is an instance of "foo.eth"
        name = self.name
        if self.bus == "auxiliary":
            name = name.rsplit(".", 1)[0]
        return "%s:%s" % (self.bus, name)

    def has_driver_override(self):
        return self.bus in ("pci", "platform")

    def has_remove(self):
        return self.bus == "pci"

    def properties(self):
        """The uevent properties the kernel adds for this device (DRIVER= excluded)."""
        i = self.ids
        if self.bus == "pci":
            return [("PCI_CLASS", "%X" % i["class"]),
                    ("PCI_ID", "%04X:%04X" % (i["vendor"], i["device"])),
                    ("PCI_SUBSYS_ID", "%04X:%04X" % (i["subvendor"], i["subdevice"])),
                    ("PCI_SLOT_NAME", self.name)] + ([] if self.nomodalias else [("MODALIAS", self.modalias())])
        return [] if self.nomodalias else [("MODALIAS", self.modalias())]

    def attributes(self):
        """Readable sysfs attributes, with the kernel's formatting."""
        i = self.ids
        attrs = {} if self.nomodalias else {"modalias": self.modalias() + "\n"}
        if self.bus == "pci":
            attrs.update({
                "vendor": "0x%04x\n" % i["vendor"],
                "device": "0x%04x\n" % i["device"],
                "subsystem_vendor": "0x%04x\n" % i["subvendor"],
                "subsystem_device": "0x%04x\n" % i["subdevice"],
                "class": "0x%06x\n" % i["class"],
            })
        elif self.bus == "virtio":
            attrs.update({"vendor": "0x%04x\n" % i["vendor"], "device": "0x%04x\n" % i["device"]})
        return attrs


class Testbed:
    def __init__(self):
        self.buses = {}             # name -> Bus
        self.module_states = {}     # module name -> "live" | "builtin" | "unloaded"
        self.drivers = []           # Driver, in file order (the order the fake kernel tries them)
        self.devices = []           # Device, parents before children
        self.tsms = []              # Tsm class devices (/sys/class/tsm/…)


def _words(path):
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as e:
        raise FixtureError("%s: %s" % (path, e.strerror))
    for n, line in enumerate(lines, 1):
        words = shlex.split(line, comments=True)
        if words:
            yield n, words


def _options(path, n, words):
    flags, opts = set(), {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            opts.setdefault(k, []).append(v)
        else:
            flags.add(w)
    return flags, opts


def load_modules(path):
    modules = {}
    for n, words in _words(path):
        if len(words) < 2 or words[1] not in MODULE_KINDS:
            raise FixtureError("%s:%d: expected 'NAME loadable|builtin [alias=…] [depends=…]'" % (path, n))
        flags, opts = _options(path, n, words[2:])
        unknown = flags | (set(opts) - {"alias", "depends"})
        if unknown:
            raise FixtureError("%s:%d: unknown word(s) %s" % (path, n, ", ".join(sorted(unknown))))
        depends = [d for v in opts.get("depends", []) for d in v.split(",") if d]
        modules[words[0]] = Module(words[0], words[1], opts.get("alias", []), depends)
    for m in modules.values():
        for d in m.depends:
            if d not in modules:
                raise FixtureError("%s: module %s depends on unknown module %s" % (path, m.name, d))
    return modules


def _hex_pair(path, n, value):
    try:
        a, b = value.split(":")
        return int(a, 16), int(b, 16)
    except ValueError:
        raise FixtureError("%s:%d: expected VENDOR:DEVICE in hex, got '%s'" % (path, n, value))


def load_testbed(path, modules):
    tb = Testbed()
    for n, words in _words(path):
        kind, args = words[0], words[1:]
        if kind == "bus" and len(args) >= 1:
            flags, opts = _options(path, n, args[1:])
            if opts or flags - {"late"}:
                raise FixtureError("%s:%d: bus takes only 'late'" % (path, n))
            tb.buses[args[0]] = Bus(args[0], "late" in flags)
        elif kind == "module" and len(args) == 2 and args[1] in MODULE_STATES:
            if args[0] not in modules:
                raise FixtureError("%s:%d: module %s is not in modules.list" % (path, n, args[0]))
            if (args[1] == "builtin") != (modules[args[0]].kind == "builtin"):
                raise FixtureError("%s:%d: module %s is %s in modules.list" % (path, n, args[0],
                                                                               modules[args[0]].kind))
            tb.module_states[args[0]] = args[1]
        elif kind == "driver" and len(args) >= 3:
            flags, opts = _options(path, n, args[3:])
            if opts or flags - {"modlink"}:
                raise FixtureError("%s:%d: driver takes only 'modlink'" % (path, n))
            if args[0] not in tb.buses:
                raise FixtureError("%s:%d: unknown bus %s" % (path, n, args[0]))
            if args[2] not in tb.module_states:
                raise FixtureError("%s:%d: module %s has no 'module' line" % (path, n, args[2]))
            tb.drivers.append(Driver(args[0], args[1], modules[args[2]], "modlink" in flags))
        elif kind == "tsm" and len(args) >= 1:
            flags, opts = _options(path, n, args[1:])
            if flags - {"notready"} or set(opts) - {"mode"}:
                raise FixtureError("%s:%d: tsm takes only 'mode=' and 'notready'" % (path, n))
            mode = opts.get("mode", ["devsec"])[-1]
            if mode not in ("devsec", "link", "none"):
                raise FixtureError("%s:%d: tsm mode must be devsec, link or none" % (path, n))
            if not args[0].startswith("tsm") or any(t.name == args[0] for t in tb.tsms):
                raise FixtureError("%s:%d: tsm name must be tsmN and unique" % (path, n))
            tb.tsms.append(Tsm(args[0], mode, "notready" not in flags))
        elif kind == "device" and len(args) >= 2:
            bus, devpath = args[0], args[1]
            flags, opts = _options(path, n, args[2:])
            unknown = (flags - {"hotplug", "tdisp", "nomodalias", "badmodalias"}) | (set(opts) - {"id", "subsys", "class", "driver", "key"})
            if unknown:
                raise FixtureError("%s:%d: unknown word(s) %s" % (path, n, ", ".join(sorted(unknown))))
            if bus not in tb.buses:
                raise FixtureError("%s:%d: unknown bus %s" % (path, n, bus))
            if not devpath.startswith("/devices/"):
                raise FixtureError("%s:%d: device path must start with /devices/" % (path, n))
            one = {k: v[-1] for k, v in opts.items()}
            ids = {}
            if "id" in one:
                ids["vendor"], ids["device"] = _hex_pair(path, n, one["id"])
            if "subsys" in one:
                ids["subvendor"], ids["subdevice"] = _hex_pair(path, n, one["subsys"])
            if "class" in one:
                ids["class"] = int(one["class"], 16)
            need = {"pci": ("vendor", "subvendor", "class"), "virtio": ("vendor",)}.get(bus, ())
            missing = [k for k in need if k not in ids]
            if missing:
                raise FixtureError("%s:%d: %s device needs id=, subsys= and class= as applicable" % (path, n, bus))
            driver = one.get("driver")
            if driver and not any(d.bus == bus and d.name == driver for d in tb.drivers):
                raise FixtureError("%s:%d: unknown %s driver %s" % (path, n, bus, driver))
            key = one.get("key", os.path.basename(devpath))
            if any(d.key == key for d in tb.devices):
                raise FixtureError("%s:%d: duplicate device key %s" % (path, n, key))
            if "tdisp" in flags and bus != "pci":
                raise FixtureError("%s:%d: only PCI devices can be TDISP devices" % (path, n))
            tb.devices.append(Device(bus, devpath, key, ids, driver, "hotplug" in flags, "tdisp" in flags,
                                     "nomodalias" in flags, "badmodalias" in flags))
        else:
            raise FixtureError("%s:%d: cannot parse '%s'" % (path, n, " ".join(words)))
    return tb
