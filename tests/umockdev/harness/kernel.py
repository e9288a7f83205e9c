# SPDX-License-Identifier: LGPL-2.1-or-later
"""kernel.py — the fake kernel: a sysfs tree in a umockdev testbed and the driver core's behaviour.

The tree is written from the fixture (fixture.py). Writes that the program under test makes reach
handle_write() synchronously through sysfs-shim.c, and get the kernel's answer and side effects:

  /sys/bus/B/drivers_autoprobe       '0…' off, anything else on; shows "0\\n"/"1\\n"
  /sys/bus/B/drivers_probe           bind the named device to the first matching driver (ignores
                                     autoprobe, honours driver_override); ENODEV for no such device
  /sys/bus/B/drivers/D/bind          ENODEV unless the device exists and D matches it (id table, or
                                     driver_override naming D); EBUSY if bound; else bind: the
                                     "driver" link, the driver's device link, DRIVER= in the uevent
                                     file, and a "bind" uevent with DRIVER=
  /sys/bus/B/drivers/D/unbind        ENODEV unless bound to D; else undo all that, "unbind" uevent
  /sys/devices/…/driver_override     up to the first newline; empty clears; shows "(null)" when unset
  /sys/devices/…/remove              a non-zero number removes the device and its children
  /sys/devices/…/uevent              "add", "change", … re-sends that uevent
  /sys/module/module/parameters/modules_autoprobe
                                     (proposed ABI, only with `kctl feature modules-autoprobe`) a
                                     bool; when off, drivers of modules loaded later never autobind
  /sys/devices/…/tsm/{lock,unlock,accept}
                                     the guest TSM ABI v2 on devices marked `tdisp` (tsm.py)

Module loading (finit_module/init_module, intercepted by the shim) is refused with EPERM unless a
test allows it (`kctl modload allow`); then the module goes live, its drivers register, and each
binds the unbound devices it matches if its bus's drivers_autoprobe (and modules_autoprobe) is on.

Matching follows 6.1: with driver_override set only the named driver matches (on PCI it matches
whatever its id table says); otherwise the driver's module aliases are matched against the modalias.
Every write is recorded in writes.log (path, value without its trailing newline, result); what the
fake kernel did in reply, in kernel.log.
"""

import errno
import fnmatch
import os
import shutil
import time

from tsm import TsmModel
from uevent import UeventSender


def _errname(e):
    return "ok" if e == 0 else errno.errorcode.get(e, str(e))


def _escape(value):
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def _strip_newline(value):
    return value[:-1] if value.endswith("\n") else value


class DeviceState:
    def __init__(self, fixture):
        self.fx = fixture
        self.present = False
        self.driver = None          # name of the bound driver
        self.override = None        # driver_override, None when unset
        self.probe_error = 0        # injected probe failure (errno), 0 for none
        self.tdisp = None           # tsm.Tdisp for a present `tdisp` device

    @property
    def name(self):
        return self.fx.name

    @property
    def bus(self):
        return self.fx.bus


class Kernel:
    def __init__(self, umockdev_dir, testbed, state_dir):
        self.root = umockdev_dir
        self.sys = os.path.join(umockdev_dir, "sys")
        self.tb = testbed
        self.uevents = UeventSender(umockdev_dir)
        self.writes_log = open(os.path.join(state_dir, "writes.log"), "a", buffering=1)
        self.kernel_log = open(os.path.join(state_dir, "kernel.log"), "a", buffering=1)
        self.started = time.monotonic()

        self.bus_present = {b: not bus.late for b, bus in testbed.buses.items()}
        self.autoprobe = {b: True for b in testbed.buses}
        self.module_state = dict(testbed.module_states)
        self.devices = [DeviceState(d) for d in testbed.devices]
        self.module_loading = "refuse"
        self.modules_autoprobe = None   # None: the kernel has no such parameter (6.1)
        # Every path the fake kernel created, with its last known (mtime, size) for regular files:
        # anything else that changes in the tree was written behind the shim's back.
        self.known = {}
        self.tsm = TsmModel(self, state_dir)

    # ---- logging -----------------------------------------------------------------------------

    def log(self, fmt, *args):
        self.kernel_log.write("%8.3f %s\n" % (time.monotonic() - self.started, fmt % args))

    # ---- files -------------------------------------------------------------------------------

    def _abs(self, syspath):
        assert syspath.startswith("/sys")
        return self.root + syspath

    def _remember(self, syspath):
        st = os.lstat(self._abs(syspath))
        if os.path.islink(self._abs(syspath)):
            self.known[syspath] = "link"
        else:
            self.known[syspath] = (st.st_mtime_ns, st.st_size)

    def _mkdir(self, syspath):
        parts = syspath.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            p = "/" + "/".join(parts[:i])
            if not os.path.isdir(self._abs(p)):
                os.mkdir(self._abs(p))
            self.known[p] = "dir"

    def _put(self, syspath, content, mode=0o644):
        self._mkdir(os.path.dirname(syspath))
        path = self._abs(syspath)
        with open(path, "w") as f:
            f.write(content)
        os.chmod(path, mode)
        self._remember(syspath)

    def _link(self, syspath, target_syspath):
        self._mkdir(os.path.dirname(syspath))
        path = self._abs(syspath)
        if os.path.lexists(path):
            os.unlink(path)
        os.symlink(os.path.relpath(self._abs(target_syspath), os.path.dirname(path)), path)
        self.known[syspath] = "link"

    def _remove(self, syspath):
        path = self._abs(syspath)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)
        for p in [p for p in self.known if p == syspath or p.startswith(syspath + "/")]:
            del self.known[p]

    def untracked_changes(self):
        """Paths changed in the tree by anyone but the fake kernel (normally: nothing)."""
        changes = []
        seen = set()
        for dirpath, dirnames, filenames in os.walk(self.sys):
            for n in dirnames + filenames:
                path = os.path.join(dirpath, n)
                syspath = path[len(self.root):]
                seen.add(syspath)
                known = self.known.get(syspath)
                if known is None:
                    changes.append("created %s" % syspath)
                elif isinstance(known, tuple):
                    st = os.lstat(path)
                    if (st.st_mtime_ns, st.st_size) != known:
                        with open(path, errors="backslashreplace") as f:
                            changes.append("modified %s = '%s'" % (syspath, _escape(f.read())))
        for syspath in self.known:
            if syspath not in seen and syspath != "/sys":
                changes.append("deleted %s" % syspath)
        return changes

    # ---- the model ---------------------------------------------------------------------------

    def drivers_on(self, bus):
        return [d for d in self.tb.drivers if d.bus == bus and self.driver_present(d)]

    def driver_present(self, drv):
        return self.bus_present[drv.bus] and self.module_state[drv.module.name] in ("live", "builtin")

    def find_driver(self, bus, name):
        for d in self.tb.drivers:
            if d.bus == bus and d.name == name and self.driver_present(d):
                return d
        return None

    def find_device(self, bus, name):
        for d in self.devices:
            if d.present and d.bus == bus and d.name == name:
                return d
        return None

    def device_by_key(self, key):
        for d in self.devices:
            if d.fx.key == key:
                return d
        # a sysfs name picks the present device of that name
        for d in self.devices:
            if d.present and d.name == key:
                return d
        return None

    def device_at(self, devpath):
        for d in self.devices:
            if d.present and d.fx.devpath == devpath:
                return d
        return None

    def parent_device(self, dev):
        """The nearest present ancestor that is a device on a bus."""
        path = os.path.dirname(dev.fx.devpath)
        while path.startswith("/devices/"):
            p = self.device_at(path)
            if p:
                return p
            path = os.path.dirname(path)
        return None

    def children(self, dev):
        """Present descendants, deepest first."""
        prefix = dev.fx.devpath + "/"
        found = [d for d in self.devices if d.present and d.fx.devpath.startswith(prefix)]
        return sorted(found, key=lambda d: -d.fx.devpath.count("/"))

    def matches(self, drv, dev):
        """driver_match_device(): may drv bind dev?"""
        if dev.override is not None:
            if dev.override != drv.name:
                return False
            if dev.bus == "pci":
                return True     # pci_match_device() sends a dummy id when the override names the driver
        modalias = dev.fx.modalias()
        prefix = dev.bus + ":"
        return any(a.startswith(prefix) and fnmatch.fnmatchcase(modalias, a) for a in drv.module.aliases)

    def first_match(self, dev):
        for drv in self.drivers_on(dev.bus):
            if self.matches(drv, dev):
                return drv
        return None

    # ---- building the tree -------------------------------------------------------------------

    def devdir(self, dev):
        return "/sys" + dev.fx.devpath

    def build(self):
        self._mkdir("/sys/bus")
        self._mkdir("/sys/class")
        self._mkdir("/sys/devices")
        self._mkdir("/sys/module")
        for name, state in self.module_state.items():
            self._write_module(name, state)
        for b, bus in self.tb.buses.items():
            if not bus.late:
                self._write_bus(b)
        self.tsm.build()
        for dev in self.devices:
            if not dev.fx.hotplug:
                self._add_device_files(dev)
                self.tsm.device_added(dev)
                dev.present = True
        for dev in self.devices:
            if dev.present and dev.fx.driver:
                drv = self.find_driver(dev.bus, dev.fx.driver)
                if not drv:
                    raise RuntimeError("%s: driver %s is not present (module unloaded?)"
                                       % (dev.name, dev.fx.driver))
                self._attach(dev, drv)
        self._write_proc_modules()
        self.log("built: %d buses, %d devices present", sum(self.bus_present.values()),
                 sum(d.present for d in self.devices))

    def _write_module(self, name, state):
        base = "/sys/module/%s" % name
        if state == "unloaded":
            if os.path.lexists(self._abs(base)):
                self._remove(base)
            return
        self._mkdir(base)
        if state == "live":
            self._put(base + "/initstate", "live\n", 0o444)
            self._put(base + "/refcnt", "0\n", 0o444)

    def _write_proc_modules(self):
        """/proc/modules lists the loaded modules (umockdev falls through to the real /proc otherwise)."""
        os.makedirs(os.path.join(self.root, "proc"), exist_ok=True)
        with open(os.path.join(self.root, "proc", "modules"), "w") as f:
            for name, state in self.module_state.items():
                if state == "live":
                    f.write("%s 16384 0 - Live 0x0000000000000000\n" % name)

    def _write_bus(self, b):
        base = "/sys/bus/" + b
        self._mkdir(base + "/devices")
        self._mkdir(base + "/drivers")
        self._put(base + "/drivers_autoprobe", "%d\n" % self.autoprobe[b])
        self._put(base + "/drivers_probe", "", 0o200)
        self._put(base + "/uevent", "", 0o200)
        for drv in self.tb.drivers:
            if drv.bus == b and self.driver_present(drv):
                self._write_driver(drv)

    def _write_driver(self, drv):
        base = "/sys/bus/%s/drivers/%s" % (drv.bus, drv.name)
        self._mkdir(base)
        self._put(base + "/bind", "", 0o200)
        self._put(base + "/unbind", "", 0o200)
        self._put(base + "/uevent", "", 0o200)
        mod = drv.module.name
        if self.module_state[mod] == "live" or drv.modlink:
            self._link(base + "/module", "/sys/module/" + mod)
            self._link("/sys/module/%s/drivers/%s:%s" % (mod, drv.bus, drv.name), base)

    def _remove_driver(self, drv):
        self._remove("/sys/bus/%s/drivers/%s" % (drv.bus, drv.name))
        self._remove("/sys/module/%s/drivers/%s:%s" % (drv.module.name, drv.bus, drv.name))

    def _uevent_file(self, dev):
        lines = []
        if dev.driver:
            lines.append("DRIVER=%s\n" % dev.driver)
        lines += ["%s=%s\n" % kv for kv in dev.fx.properties()]
        self._put(self.devdir(dev) + "/uevent", "".join(lines))

    def _add_device_files(self, dev):
        d = self.devdir(dev)
        # Directories between devices ("/devices/pci0000:00", "/devices/platform") are devices
        # without a bus in the kernel: give them a uevent file too.
        path = os.path.dirname(d)
        while path != "/sys/devices":
            if not os.path.exists(self._abs(path + "/uevent")):
                self._put(path + "/uevent", "")
            path = os.path.dirname(path)
        self._mkdir(d)
        for attr, value in dev.fx.attributes().items():
            self._put(d + "/" + attr, value, 0o444)
        if dev.fx.has_driver_override():
            self._put(d + "/driver_override", "(null)\n")
        if dev.fx.has_remove():
            self._put(d + "/remove", "", 0o200)
        self._link(d + "/subsystem", "/sys/bus/" + dev.bus)
        self._link("/sys/bus/%s/devices/%s" % (dev.bus, dev.name), d)
        self._uevent_file(dev)

    # ---- uevents -----------------------------------------------------------------------------

    def send_uevent(self, dev, action):
        props = [("ACTION", action), ("DEVPATH", dev.fx.devpath), ("SUBSYSTEM", dev.bus)]
        if dev.driver and action != "unbind":
            props.append(("DRIVER", dev.driver))
        props += dev.fx.properties()
        props.append(("SEQNUM", str(self.uevents.next_seqnum())))
        self.uevents.send(props)
        with_driver = dev.driver and action != "unbind"
        self.log("uevent %s %s%s", action, dev.name, " DRIVER=" + dev.driver if with_driver else "")

    def send_raw_uevent(self, action, devpath, subsystem):
        self.uevents.send([("ACTION", action), ("DEVPATH", devpath), ("SUBSYSTEM", subsystem),
                           ("SEQNUM", str(self.uevents.next_seqnum()))])
        self.log("uevent %s %s (%s)", action, devpath, subsystem)

    # ---- driver core -------------------------------------------------------------------------

    def _attach(self, dev, drv):
        dev.driver = drv.name
        d = self.devdir(dev)
        self._link(d + "/driver", "/sys/bus/%s/drivers/%s" % (drv.bus, drv.name))
        self._link("/sys/bus/%s/drivers/%s/%s" % (drv.bus, drv.name, dev.name), d)
        self._uevent_file(dev)

    def _detach(self, dev):
        drv = dev.driver
        dev.driver = None
        self._remove(self.devdir(dev) + "/driver")
        self._remove("/sys/bus/%s/drivers/%s/%s" % (dev.bus, drv, dev.name))
        self._uevent_file(dev)

    def probe(self, dev, drv, why):
        """really_probe(): bind, or fail with the injected error. Returns an errno."""
        if dev.driver:
            return errno.EBUSY
        if dev.probe_error:
            self.log("probe %s by %s failed: %s (injected) [%s]", dev.name, drv.name,
                     _errname(dev.probe_error), why)
            return dev.probe_error
        parent = self.parent_device(dev)
        if parent and not parent.driver:
            # In the kernel a child usually cannot even exist then; the tests look for this line.
            self.log("parent-unbound: %s bound to %s while its parent %s has no driver",
                     dev.name, drv.name, parent.name)
        self._attach(dev, drv)
        self.log("bound %s to %s [%s]", dev.name, drv.name, why)
        self.tsm.bound(dev, drv.name, why)
        self.send_uevent(dev, "bind")
        return 0

    def release(self, dev, why):
        drv = dev.driver
        self._detach(dev)
        self.log("unbound %s from %s [%s]", dev.name, drv, why)
        self.tsm.unbound(dev, drv, why)
        self.send_uevent(dev, "unbind")

    def autoprobe_device(self, dev, why):
        drv = self.first_match(dev)
        if drv:
            return self.probe(dev, drv, why)
        return errno.ENODEV

    # ---- hot-plug ----------------------------------------------------------------------------

    def plug(self, key, race=False):
        dev = self.device_by_key(key)
        if not dev or not dev.fx.hotplug:
            return errno.ENOENT, "no hot-plug device '%s' in the testbed" % key
        if dev.present:
            return errno.EEXIST, "%s is present already" % key
        if not self.bus_present[dev.bus]:
            return errno.ENODEV, "bus %s is not there (yet)" % dev.bus
        if self.find_device(dev.bus, dev.name):
            return errno.EEXIST, "another %s is present" % dev.name
        dev.driver = None
        dev.override = None
        dev.probe_error = 0
        self._add_device_files(dev)
        self.tsm.device_added(dev)
        dev.present = True
        self.log("plugged %s (%s)", dev.name, dev.fx.key)
        self.send_uevent(dev, "add")
        result = "added %s" % dev.name
        if self.autoprobe[dev.bus]:
            if self.autoprobe_device(dev, "autoprobe on hot-plug") == 0:
                result += ", bound to %s by autoprobe" % dev.driver
        elif race and dev.bus == "pci":
            # Linux 6.1: pci_bus_add_device() calls device_attach(), which ignores drivers_autoprobe.
            if self.autoprobe_device(dev, "6.1 hot-plug race, autoprobe ignored") == 0:
                result += ", bound to %s despite drivers_autoprobe=0" % dev.driver
        return 0, result

    def unplug(self, dev, why):
        for d in self.children(dev) + [dev]:
            if d.driver:
                self.release(d, why)
            self.send_uevent(d, "remove")
            self.tsm.device_removed(d)
            self._remove(self.devdir(d))
            self._remove("/sys/bus/%s/devices/%s" % (d.bus, d.name))
            d.present = False
            d.driver = None
            self.log("removed %s [%s]", d.name, why)

    def new_bus(self, name, keys):
        if name not in self.tb.buses:
            return errno.ENOENT, "bus %s is not in the testbed" % name
        if self.bus_present[name]:
            return errno.EEXIST, "bus %s is present already" % name
        self.bus_present[name] = True
        self.autoprobe[name] = True
        self._write_bus(name)
        self.send_raw_uevent("add", "/bus/" + name, "bus")
        for drv in self.drivers_on(name):
            self.send_raw_uevent("add", "/bus/%s/drivers/%s" % (name, drv.name), "drivers")
        msgs = ["bus %s registered, drivers_autoprobe=1" % name]
        for key in keys:
            e, msg = self.plug(key)
            if e:
                return e, msg
            msgs.append(msg)
        return 0, "; ".join(msgs)

    def load_module(self, name):
        """The module gets loaded (by udev, say): its drivers register and, where autoprobe is on,
        bind every unbound device they match."""
        if name not in self.module_state:
            return errno.ENOENT, "module %s is not in the testbed" % name
        if self.module_state[name] != "unloaded":
            return errno.EEXIST, "module %s is not unloaded" % name
        self.module_state[name] = "live"
        self._write_module(name, "live")
        self._write_proc_modules()
        msgs = ["module %s live" % name]
        for drv in self.tb.drivers:
            if drv.module.name == name and self.bus_present[drv.bus]:
                self._write_driver(drv)
                self.send_raw_uevent("add", "/bus/%s/drivers/%s" % (drv.bus, drv.name), "drivers")
                if self.autoprobe[drv.bus] and self.modules_autoprobe is not False:
                    for dev in self.devices:
                        if dev.present and dev.bus == drv.bus and not dev.driver and self.matches(drv, dev):
                            if self.probe(dev, drv, "driver registered, autoprobe on") == 0:
                                msgs.append("%s bound to %s" % (dev.name, drv.name))
        return 0, "; ".join(msgs)

    # ---- module syscalls from the program under test -----------------------------------------

    def handle_module_call(self, op, name):
        if op == "load" and self.module_loading == "allow":
            if name in self.module_state and self.module_state[name] != "unloaded":
                e = errno.EEXIST
            else:
                e, msg = self.load_module(name)
                self.log("init_module %s: %s", name, msg)
        else:
            e = errno.EPERM
            self.log("%s_module %s refused (module loading is not allowed in this test)",
                     "init" if op == "load" else "delete", name)
        call = "(init_module)" if op == "load" else "(delete_module)"
        self.writes_log.write("%s\t%s\t%s\n" % (call, name, _errname(e)))
        return e

    # ---- writes from the program under test --------------------------------------------------

    def handle_write(self, syspath, data):
        value = data.decode("utf-8", errors="backslashreplace")
        e = self._dispatch_write(syspath, value, len(data))
        self.writes_log.write("%s\t%s\t%s\n" % (syspath, _escape(_strip_newline(value)), _errname(e)))
        return e

    def _dispatch_write(self, syspath, value, size):
        parts = syspath.strip("/").split("/")
        if size == 0:
            return 0    # kernfs never calls the store method for an empty write
        if len(parts) == 4 and parts[:2] == ["sys", "bus"] and parts[2] in self.bus_present:
            if parts[3] == "drivers_autoprobe":
                return self.write_autoprobe(parts[2], value)
            if parts[3] == "drivers_probe":
                return self.write_drivers_probe(parts[2], value)
        if len(parts) == 6 and parts[:2] == ["sys", "bus"] and parts[3] == "drivers":
            drv = self.find_driver(parts[2], parts[4])
            if drv and parts[5] == "bind":
                return self.write_bind(drv, value)
            if drv and parts[5] == "unbind":
                return self.write_unbind(drv, value)
        if parts[:2] == ["sys", "devices"] and len(parts) > 3 and parts[-2] == "tsm":
            dev = self.device_at("/" + "/".join(parts[1:-2]))
            if self.tsm.handles(dev, parts[-1]):
                return self.tsm.write(dev, parts[-1], value)
        if parts[:2] == ["sys", "devices"]:
            dev = self.device_at("/" + "/".join(parts[1:-1]))
            attr = parts[-1]
            if dev and attr == "driver_override" and dev.fx.has_driver_override():
                return self.write_override(dev, value)
            if dev and attr == "remove" and dev.fx.has_remove():
                return self.write_remove(dev, value)
            if dev and attr == "uevent":
                return self.write_uevent(dev, value)
        if syspath == "/sys/module/module/parameters/modules_autoprobe" and self.modules_autoprobe is not None:
            return self.write_modules_autoprobe(value)
        # Any other attribute: no behaviour, keep the bytes (and the write shows in writes.log).
        if os.path.isfile(self._abs(syspath)):
            self._put(syspath, value, os.stat(self._abs(syspath)).st_mode & 0o777)
            self.log("plain attribute %s = '%s'", syspath, _escape(_strip_newline(value)))
            return 0
        return errno.EACCES

    def write_autoprobe(self, bus, value):
        on = not value.startswith("0")
        self.autoprobe[bus] = on
        self._put("/sys/bus/%s/drivers_autoprobe" % bus, "%d\n" % on)
        self.log("bus %s drivers_autoprobe=%d", bus, on)
        return 0

    def write_drivers_probe(self, bus, value):
        dev = self.find_device(bus, _strip_newline(value))
        if not dev:
            return errno.ENODEV
        if dev.driver:
            return 0
        self.autoprobe_device(dev, "drivers_probe")
        return 0    # drivers_probe reports success even when nothing bound

    def write_bind(self, drv, value):
        dev = self.find_device(drv.bus, _strip_newline(value))
        if not dev or not self.matches(drv, dev):
            self.log("bind %s to %s refused: no such device or driver does not match",
                     _strip_newline(value), drv.name)
            return errno.ENODEV
        return self.probe(dev, drv, "bind written")

    def write_unbind(self, drv, value):
        dev = self.find_device(drv.bus, _strip_newline(value))
        if not dev or dev.driver != drv.name:
            self.log("unbind %s from %s refused: not bound to it", _strip_newline(value), drv.name)
            return errno.ENODEV
        self.release(dev, "unbind written")
        return 0

    def write_modules_autoprobe(self, value):
        v = value.strip().lower()
        if v in ("y", "1", "on", "yes", "true"):
            self.modules_autoprobe = True
        elif v in ("n", "0", "off", "no", "false"):
            self.modules_autoprobe = False
        else:
            return errno.EINVAL
        self._put("/sys/module/module/parameters/modules_autoprobe", "Y\n" if self.modules_autoprobe else "N\n")
        self.log("modules_autoprobe=%s", "Y" if self.modules_autoprobe else "N")
        return 0

    def write_override(self, dev, value):
        if len(value) >= 4096 - 1:
            return errno.EINVAL
        v = value.split("\n", 1)[0]
        dev.override = v or None
        self._put(self.devdir(dev) + "/driver_override", "%s\n" % (dev.override or "(null)"))
        self.log("%s driver_override=%s", dev.name, dev.override or "(null)")
        return 0

    def write_remove(self, dev, value):
        try:
            n = int(_strip_newline(value).strip(), 0)
        except ValueError:
            return errno.EINVAL
        if n:
            self.unplug(dev, "remove written")
        return 0

    def write_uevent(self, dev, value):
        action = _strip_newline(value).split(" ", 1)[0]
        if action not in ("add", "remove", "change", "move", "online", "offline", "bind", "unbind"):
            return errno.EINVAL
        self.send_uevent(dev, action)
        return 0

    # ---- test control ------------------------------------------------------------------------

    def control(self, verb, args):
        """One request from a test (kctl). Returns (errno, message)."""
        if verb == "ping":
            return 0, "pong"
        if verb == "batch" and args:
            # several requests in one go, e.g. a burst of uevents faster than any test could send them
            msgs = []
            for request in args:
                words = request.split()
                if not words or words[0] == "batch":
                    return errno.EINVAL, "bad request in batch: '%s'" % request
                e, msg = self.control(words[0], words[1:])
                if e:
                    return e, msg
                msgs.append(msg)
            return 0, "\n".join(msgs)
        if verb == "plug" and len(args) in (1, 2) and args[1:] in ([], ["race"]):
            return self.plug(args[0], race=bool(args[1:]))
        if verb == "replace" and len(args) == 2:
            # surprise removal and a different device in the same slot, before anyone can react
            old = self.device_by_key(args[0])
            if not old or not old.present:
                return errno.ENODEV, "no device '%s' present" % args[0]
            self.unplug(old, "replaced by the test")
            return self.plug(args[1])
        if verb == "newbus" and len(args) >= 1:
            return self.new_bus(args[0], args[1:])
        if verb == "load" and len(args) == 1:
            return self.load_module(args[0])
        if verb == "modload" and args in (["allow"], ["refuse"]):
            self.module_loading = args[0]
            return 0, "module loading: %s" % args[0]
        if verb == "feature" and args == ["modules-autoprobe"]:
            self.modules_autoprobe = True
            self._put("/sys/module/module/parameters/modules_autoprobe", "Y\n")
            return 0, "modules_autoprobe parameter present (Y)"
        if verb in ("unplug", "bind", "force-bind", "unbind", "uevent", "fail-probe", "set-override") and args:
            dev = self.device_by_key(args[0])
            if not dev or not dev.present:
                return errno.ENODEV, "no device '%s' present" % args[0]
            if verb == "unplug" and len(args) == 1:
                self.unplug(dev, "unplugged by the test")
                return 0, "removed %s" % dev.name
            if verb in ("bind", "force-bind") and len(args) == 2:
                drv = self.find_driver(dev.bus, args[1])
                if not drv:
                    return errno.ENODEV, "no %s driver %s" % (dev.bus, args[1])
                if verb == "bind":
                    # as if another process wrote the name to the driver's bind file
                    self.writes_log.write("# test wrote %s to /sys/bus/%s/drivers/%s/bind\n"
                                          % (dev.name, dev.bus, drv.name))
                    e = self.write_bind(drv, dev.name)
                else:
                    # a kernel-internal probe, which neither autoprobe nor driver_override stops
                    e = self.probe(dev, drv, "forced by the test")
                return e, "bound %s to %s" % (dev.name, drv.name) if e == 0 else "bind failed"
            if verb == "unbind" and len(args) == 1:
                if not dev.driver:
                    return errno.ENODEV, "%s is not bound" % dev.name
                self.release(dev, "unbound by the test")
                return 0, "unbound %s" % dev.name
            if verb == "uevent" and len(args) == 2:
                self.send_uevent(dev, args[1])
                return 0, "sent %s for %s" % (args[1], dev.name)
            if verb == "fail-probe" and len(args) == 2:
                dev.probe_error = 0 if args[1] == "off" else getattr(errno, args[1], None) or int(args[1])
                return 0, "probe of %s fails with %s" % (dev.name, _errname(dev.probe_error))
            if verb == "set-override" and len(args) == 2:
                return self.write_override(dev, args[1]), "set"
        if verb.startswith("tsm-"):
            return self.tsm.control(verb, args)
        if verb == "untracked" and not args:
            changes = self.untracked_changes()
            return (errno.EEXIST if changes else 0), "\n".join(changes)
        if verb == "state" and not args:
            lines = []
            for d in self.devices:
                if d.present:
                    lines.append("%s %s driver=%s override=%s%s"
                                 % (d.bus, d.name, d.driver or "-", d.override or "-",
                                    " tdisp=" + d.tdisp.state if d.tdisp else ""))
            for b, on in self.autoprobe.items():
                if self.bus_present[b]:
                    lines.append("bus %s autoprobe=%d" % (b, on))
            return 0, "\n".join(lines)
        return errno.EINVAL, "bad request: %s %s" % (verb, " ".join(args))
