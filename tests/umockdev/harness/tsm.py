# SPDX-License-Identifier: LGPL-2.1-or-later
"""tsm.py — the fake kernel's TEE Security Manager: the proposed guest ("devsec") ABI v2.

kernel-abi.md §2–§5, imitated on the PCI devices a testbed marks `tdisp`:

  /sys/class/tsm/tsmN                 -> /sys/devices/virtual/tsm/tsmN, with pci_mode (devsec, link or
                                      none). `kctl tsm-ready` sends its KOBJ_CHANGE (subsystem tsm);
                                      a TSM marked `notready` shows no tsm/ groups until then.
  /sys/devices/…/tsm/lock   write     "tsmN": CONFIG_UNLOCKED -> CONFIG_LOCKED. EINVAL malformed,
                                      ENXIO not a devsec TSM, EBUSY already locked or a driver bound.
                            read      "tsmN" while locked (LOCKED, RUN or ERROR), else an empty line
  /sys/devices/…/tsm/unlock write     the locking TSM's name: -> CONFIG_UNLOCKED (STOP). EINVAL not
                                      locked or another name, EBUSY driver bound.
  /sys/devices/…/tsm/accept write     a true value: CONFIG_LOCKED -> RUN. EINVAL not locked, a false
                                      value or no boolean, EBUSY driver bound, EIO in ERROR (the TSM
                                      cannot START it). A second accept under one lock is NOT refused
                                      (v2 does not): it is counted, as a violation.
                            read      "1" once accepted under the current lock (also in ERROR: the
                                      ABI does not report ERROR), else "0"

No uevent is sent for lock, unlock or accept. Unbinding a driver while LOCKED or RUN clears Bus
Master Enable: the device drops to ERROR, as a real TDI would.

Evidence (the fixture backend of tdispd's --evidence-dir): EVIDENCE/<device>/<type>. cert0 and vca
are static per device; measurements and report are written anew at each lock and carry the lock
generation, so that evidence differs from one lock to the next; report is removed at unlock.

The audit (tsm-audit.log in the state directory), one tab-separated line per event:
  lock|unlock|accept  DEV  RESULT (ok or errno name)  detail
  probe|unbind        DEV  DRIVER                     TDISP state at that moment
  error               DEV  why                        (the device dropped to ERROR)
  VIOLATION           DEV  what                       (see _violation callers)
A violation is something the gatekeeper must never cause: a driver bound while the device is
locked but not RUN, a lock or accept written while a driver is bound, and a second accept under
one lock.
"""

import errno
import os
import re

UNLOCKED, LOCKED, RUN, ERROR = "CONFIG_UNLOCKED", "CONFIG_LOCKED", "RUN", "ERROR"

_TSM_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_TRUE = ("1", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "t", "T", "true", "True", "TRUE")
_FALSE = ("0", "n", "N", "no", "No", "NO", "off", "Off", "OFF", "f", "F", "false", "False", "FALSE")


def _errname(e):
    return "ok" if e == 0 else errno.errorcode.get(e, str(e))


def _strip_newline(value):
    return value[:-1] if value.endswith("\n") else value


class Tdisp:
    """The TDISP state of one device, as the TSM sees it."""

    def __init__(self):
        self.state = UNLOCKED
        self.locked_by = None       # TSM name while locked (LOCKED, RUN, ERROR)
        self.generation = 0         # locks so far; evidence carries it
        self.accepted = False       # accept reads 1
        self.accepts = 0            # accept writes that went through under the current lock
        self.faults = {}            # attribute -> list of errnos for its next writes


class TsmModel:
    def __init__(self, kernel, state_dir):
        self.k = kernel
        self.tsms = {t.name: t for t in kernel.tb.tsms}
        self.ready = {t.name: t.ready for t in kernel.tb.tsms}
        self.audit = open(os.path.join(state_dir, "tsm-audit.log"), "a", buffering=1)
        self.evidence = os.path.join(state_dir, "evidence")
        os.makedirs(self.evidence, exist_ok=True)

    # ---- the audit -----------------------------------------------------------------------------

    def _audit(self, *words):
        self.audit.write("\t".join(str(w) for w in words) + "\n")

    def _violation(self, dev, what):
        self._audit("VIOLATION", dev.name, what)
        self.k.log("TSM VIOLATION %s: %s", dev.name, what)

    # ---- the tree ------------------------------------------------------------------------------

    def groups_visible(self):
        """The devsec attributes show once a devsec TSM is registered and ready."""
        return any(t.mode == "devsec" and self.ready[t.name] for t in self.tsms.values())

    def tsm_devpath(self, name):
        return "/devices/virtual/tsm/" + name

    def build(self):
        for t in self.tsms.values():
            d = "/sys" + self.tsm_devpath(t.name)
            self.k._put(d + "/uevent", "")
            self.k._put(d + "/pci_mode", t.mode + "\n", 0o444)
            self.k._link(d + "/subsystem", "/sys/class/tsm")
            self.k._link("/sys/class/tsm/" + t.name, d)

    def device_added(self, dev):
        """A tdisp device appeared (at build or hot-plug): fresh TDISP state, static evidence."""
        if not dev.fx.tdisp:
            return
        dev.tdisp = Tdisp()
        d = self.k.devdir(dev)
        # Every PCI device has d3cold_allowed; tdispd clears it before lock.
        self.k._put(d + "/d3cold_allowed", "1\n")
        if self.groups_visible():
            self._add_group(dev)
        i = dev.fx.ids
        ident = "%04x:%04x %s" % (i["vendor"], i["device"], dev.name)
        self._evidence_put(dev, "cert0", "FAKE SPDM CERTIFICATE CHAIN slot 0 of %s\n" % ident)
        self._evidence_put(dev, "vca", "FAKE SPDM VERSION CAPABILITIES ALGORITHMS of %s\n" % ident)
        self._evidence_put(dev, "measurements", self._measurements(dev))
        self._evidence_remove(dev, "report")

    def device_removed(self, dev):
        if not dev.fx.tdisp or dev.tdisp is None:
            return
        self._audit("removed", dev.name, dev.tdisp.state, "")
        dev.tdisp = None
        path = os.path.join(self.evidence, dev.name)
        if os.path.isdir(path):
            for n in os.listdir(path):
                os.unlink(os.path.join(path, n))
            os.rmdir(path)

    def _add_group(self, dev):
        d = self.k.devdir(dev) + "/tsm"
        if os.path.isdir(self.k._abs(d)):
            return
        self.k._put(d + "/lock", "\n")
        self.k._put(d + "/unlock", "", 0o200)
        self.k._put(d + "/accept", "0\n")
        self._show(dev)

    def _show(self, dev):
        """The readable attributes, as the kernel would format them."""
        d = self.k.devdir(dev) + "/tsm"
        if not os.path.isdir(self.k._abs(d)):
            return
        t = dev.tdisp
        self.k._put(d + "/lock", "%s\n" % (t.locked_by or ""))
        self.k._put(d + "/accept", "%d\n" % t.accepted)

    def _measurements(self, dev):
        return "FAKE SPDM MEASUREMENTS of %s, lock generation %d\n" % (dev.name, dev.tdisp.generation)

    def _evidence_put(self, dev, kind, content):
        d = os.path.join(self.evidence, dev.name)
        os.makedirs(d, exist_ok=True)
        tmp = os.path.join(d, "." + kind)
        with open(tmp, "w") as f:
            f.write(content)
        os.rename(tmp, os.path.join(d, kind))

    def _evidence_remove(self, dev, kind):
        try:
            os.unlink(os.path.join(self.evidence, dev.name, kind))
        except FileNotFoundError:
            pass

    # ---- the driver core's side ----------------------------------------------------------------

    def bound(self, dev, driver, why):
        if dev.tdisp is None:
            return
        self._audit("probe", dev.name, driver, dev.tdisp.state)
        if dev.tdisp.state in (LOCKED, ERROR):
            self._violation(dev, "driver %s bound while %s (not RUN) [%s]" % (driver, dev.tdisp.state, why))

    def unbound(self, dev, driver, why):
        if dev.tdisp is None:
            return
        self._audit("unbind", dev.name, driver, dev.tdisp.state)
        if dev.tdisp.state in (LOCKED, RUN):
            # pci_device_remove() clears Bus Master Enable: a security-relevant change for a TDI
            self._to_error(dev, "driver %s unbound (Bus Master Enable cleared) [%s]" % (driver, why))

    def _to_error(self, dev, why):
        dev.tdisp.state = ERROR
        self._audit("error", dev.name, why, "")
        self.k.log("%s: TDISP ERROR: %s", dev.name, why)

    # ---- writes --------------------------------------------------------------------------------

    def handles(self, dev, attr):
        return dev is not None and dev.tdisp is not None and attr in ("lock", "unlock", "accept") and \
            os.path.isdir(self.k._abs(self.k.devdir(dev) + "/tsm"))

    def _fault(self, dev, attr):
        q = dev.tdisp.faults.get(attr)
        if q:
            return q.pop(0)
        return 0

    def write(self, dev, attr, value):
        e, detail = {"lock": self._lock, "unlock": self._unlock, "accept": self._accept}[attr](dev, value)
        self._audit(attr, dev.name, _errname(e), detail)
        self._show(dev)
        return e

    def _lock(self, dev, value):
        t = dev.tdisp
        name = _strip_newline(value)
        if not _TSM_NAME.fullmatch(name):
            return errno.EINVAL, "malformed '%s'" % name
        if dev.driver:
            self._violation(dev, "tsm/lock written while driver %s is bound" % dev.driver)
        e = self._fault(dev, "lock")
        if e:
            return e, "injected"
        tsm = self.tsms.get(name)
        if not tsm or tsm.mode != "devsec":
            return errno.ENXIO, "%s is not a devsec TSM" % name
        if dev.driver:
            return errno.EBUSY, "driver %s bound" % dev.driver
        if t.state != UNLOCKED:
            return errno.EBUSY, "already %s" % t.state
        t.state = LOCKED
        t.locked_by = name
        t.generation += 1
        t.accepted = False
        t.accepts = 0
        self._evidence_put(dev, "measurements", self._measurements(dev))
        self._evidence_put(dev, "report", "FAKE TDISP DEVICE_INTERFACE_REPORT of %s by %s, lock generation %d\n"
                           % (dev.name, name, t.generation))
        self.k.log("%s: TDISP CONFIG_LOCKED by %s (generation %d)", dev.name, name, t.generation)
        return 0, "generation=%d" % t.generation

    def _unlock(self, dev, value):
        t = dev.tdisp
        name = _strip_newline(value)
        if t.state == UNLOCKED:
            return errno.EINVAL, "not locked"
        if name != t.locked_by:
            return errno.EINVAL, "'%s' is not the locking TSM" % name
        e = self._fault(dev, "unlock")
        if e:
            return e, "injected"
        if dev.driver:
            return errno.EBUSY, "driver %s bound" % dev.driver
        old = t.state
        t.state = UNLOCKED
        t.locked_by = None
        t.accepted = False
        t.accepts = 0
        self._evidence_remove(dev, "report")
        self.k.log("%s: TDISP CONFIG_UNLOCKED (was %s)", dev.name, old)
        return 0, "was %s" % old

    def _accept(self, dev, value):
        t = dev.tdisp
        v = _strip_newline(value)
        if v in _FALSE or v not in _TRUE:
            return errno.EINVAL, "not a true value: '%s'" % v
        if t.state == UNLOCKED:
            return errno.EINVAL, "not locked"
        if dev.driver:
            self._violation(dev, "tsm/accept written while driver %s is bound" % dev.driver)
        if t.state == RUN:
            # v2 does not refuse it (and corrupts resources): count it
            self._violation(dev, "tsm/accept written twice under lock generation %d" % t.generation)
        e = self._fault(dev, "accept")
        if e:
            return e, "injected"
        if dev.driver:
            return errno.EBUSY, "driver %s bound" % dev.driver
        if t.state == ERROR:
            return errno.EIO, "device in TDISP ERROR"
        t.accepts += 1
        t.state = RUN
        t.accepted = True
        self.k.log("%s: TDISP RUN (generation %d, accept #%d)", dev.name, t.generation, t.accepts)
        return 0, "generation=%d" % t.generation

    # ---- test control --------------------------------------------------------------------------

    def control(self, verb, args):
        if verb == "tsm-ready" and len(args) <= 1:
            names = args or [n for n, t in self.tsms.items() if t.mode == "devsec"]
            for n in names:
                if n not in self.tsms:
                    return errno.ENOENT, "no TSM %s" % n
                self.ready[n] = True
            if self.groups_visible():
                for dev in self.k.devices:
                    if dev.present and dev.tdisp is not None:
                        self._add_group(dev)
            for n in names:
                self.k.send_raw_uevent("change", self.tsm_devpath(n), "tsm")
            return 0, "%s ready" % ", ".join(names)
        dev = self.k.device_by_key(args[0]) if args else None
        if dev is None or not dev.present or dev.tdisp is None:
            return errno.ENODEV, "no TDISP device '%s' present" % (args[0] if args else "")
        t = dev.tdisp
        if verb == "tsm-fail" and len(args) in (3, 4) and args[1] in ("lock", "unlock", "accept"):
            e = getattr(errno, args[2], None) or int(args[2])
            count = int(args[3]) if len(args) == 4 else 1
            t.faults.setdefault(args[1], []).extend([e] * count)
            return 0, "the next %d write(s) of %s/tsm/%s fail with %s" % (count, dev.name, args[1], _errname(e))
        if verb == "tsm-error" and len(args) == 1:
            if t.state == UNLOCKED:
                return errno.EINVAL, "%s is not locked" % dev.name
            self._to_error(dev, "injected by the test")
            return 0, "%s in ERROR" % dev.name
        if verb == "tsm-state" and len(args) == 1:
            return 0, "%s locked_by=%s generation=%d accepted=%d accepts=%d" % (
                t.state, t.locked_by or "-", t.generation, t.accepted, t.accepts)
        return errno.EINVAL, "bad request: %s %s" % (verb, " ".join(args))
