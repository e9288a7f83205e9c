#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fake-kernel.py — the umockdev suite's kernel: builds the testbed and answers like the kernel would.

  fake-kernel.py serve --state DIR --testbed FILE --modules-list FILE [--keep]
      Creates a UMockdev testbed from the fixture, then serves until SIGTERM:
        DIR/kernel.sock   SOCK_SEQPACKET; sysfs-shim.c sends "W\\0path\\0bytes" for every write the
                          program makes into the fake /sys and "M\\0load|unload\\0module" for module
                          syscalls, tests send "C\\0verb\\0args…" (see ctl)
        DIR/notify.sock   NOTIFY_SOCKET for the program: every sd_notify() line goes to DIR/notify.log
      and writes DIR/umockdev-dir (the testbed root, for UMOCKDEV_DIR), then DIR/ready.
      DIR/writes.log records each write (path, value, result); DIR/kernel.log what the kernel did;
      DIR/tsm-audit.log the TSM's operations and violations, DIR/evidence/ the TDISP evidence.
  fake-kernel.py ctl --state DIR VERB [ARG…]
      One request to the running fake kernel; prints its answer, exits 0 on success, 1 on failure.
      Verbs: plug KEY [race] | unplug KEY | replace KEY NEWKEY | newbus BUS [KEY…] | load MODULE | bind DEV DRV |
      force-bind DEV DRV | unbind DEV | uevent DEV ACTION | fail-probe DEV ERRNO|off |
      set-override DEV VALUE | modload allow|refuse | feature modules-autoprobe | untracked |
      state | ping | batch "VERB ARG…" "VERB ARG…"… (several requests at once: a burst)
      TSM (tsm.py): tsm-ready [TSM] | tsm-fail DEV lock|unlock|accept ERRNO [COUNT] |
      tsm-error DEV | tsm-state DEV
  fake-kernel.py build-modules --modules-list FILE --modprobe-d DIR --root DIR --kver KVER
      Builds ROOT/lib/modules/KVER (see modules.py).
  fake-kernel.py listen --out FILE
      Run under libumockdev-preload: subscribes to udev uevents as a daemon would and appends one line
      per event to FILE ("ACTION DEVPATH SUBSYSTEM [DRIVER=…] [MODALIAS=…]"); FILE.ready once subscribed.

The server runs outside the umockdev preload: it works on the testbed's real paths and delivers
uevents itself (uevent.py), so nothing here needs the preload to resolve /sys.
"""

import argparse
import errno
import os
import selectors
import shutil
import signal
import socket
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def serve(args):
    import gi
    gi.require_version("UMockdev", "1.0")
    from gi.repository import UMockdev

    import fixture
    from kernel import Kernel

    state = os.path.abspath(args.state)
    os.makedirs(state, exist_ok=True)
    modules = fixture.load_modules(args.modules_list)
    tb_fixture = fixture.load_testbed(args.testbed, modules)

    # The testbed is a few hundred small files: on tmpfs it is built many times faster than on disk.
    tmpdir = args.tmpdir or ("/dev/shm" if os.access("/dev/shm", os.W_OK | os.X_OK) else None)
    if tmpdir:
        os.environ["TMPDIR"] = tmpdir
    testbed = UMockdev.Testbed.new()
    root = testbed.get_root_dir()
    kernel = Kernel(root, tb_fixture, state)
    kernel.build()

    ctl_path = os.path.join(state, "kernel.sock")
    notify_path = os.path.join(state, "notify.sock")
    for p in (ctl_path, notify_path):
        if len(p.encode()) >= 108:
            raise SystemExit("fake-kernel: socket path too long for AF_UNIX: %s" % p)
        if os.path.lexists(p):
            os.unlink(p)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
    listener.bind(ctl_path)
    listener.listen(64)
    listener.setblocking(False)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    notify.bind(notify_path)
    notify.setblocking(False)
    notify_log = open(os.path.join(state, "notify.log"), "a", buffering=1)

    with open(os.path.join(state, "umockdev-dir"), "w") as f:
        f.write(root + "\n")
    with open(os.path.join(state, "pid"), "w") as f:
        f.write("%d\n" % os.getpid())

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "request")
    sel.register(notify, selectors.EVENT_READ, "notify")
    with open(os.path.join(state, "ready"), "w") as f:
        f.write("ready\n")

    try:
        while True:
            timeout = 0.002 if kernel.uevents.pending() else 1.0
            for key, _ in sel.select(timeout):
                if key.data == "notify":
                    try:
                        data = notify.recv(65536)
                    except BlockingIOError:
                        continue
                    for line in data.decode(errors="backslashreplace").splitlines():
                        notify_log.write(line + "\n")
                    continue
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    continue
                with conn:
                    conn.setblocking(True)
                    conn.settimeout(5)
                    try:
                        msg = conn.recv(1 << 20)
                        e, text = handle(kernel, msg)
                    except Exception:
                        kernel.log("internal error:\n%s", traceback.format_exc())
                        e, text = errno.EIO, "internal error in the fake kernel, see kernel.log"
                    try:
                        conn.sendall(("%d\n%s" % (e, text)).encode())
                    except OSError:
                        pass
                kernel.uevents.flush()
            kernel.uevents.flush()
    finally:
        kernel.log("stopping")
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        # Leave without finalizers: the testbed's own would remove the root again, or despite --keep.
        sys.stdout.flush()
        os._exit(0)


def handle(kernel, msg):
    kind, _, rest = msg.partition(b"\0")
    if kind == b"W":
        path, _, data = rest.partition(b"\0")
        return kernel.handle_write(path.decode(errors="replace"), data), ""
    if kind == b"M":
        words = rest.split(b"\0")
        if len(words) < 2 or words[1] in (b"", b"?"):
            return errno.ENOEXEC, "unreadable module"
        return kernel.handle_module_call(words[0].decode(), words[1].decode(errors="replace")), ""
    if kind == b"C":
        words = [w.decode() for w in rest.split(b"\0")] if rest else []
        if not words:
            return errno.EINVAL, "empty request"
        return kernel.control(words[0], words[1:])
    return errno.EINVAL, "unknown message kind"


def ctl(args):
    path = os.path.join(args.state, "kernel.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
    s.settimeout(10)
    try:
        s.connect(path)
        s.sendall(b"\0".join([b"C"] + [w.encode() for w in [args.verb] + args.args]))
        reply = s.recv(1 << 20).decode()
    except OSError as e:
        sys.exit("fake-kernel ctl: cannot talk to %s: %s" % (path, e))
    code, _, text = reply.partition("\n")
    if text:
        print(text)
    e = int(code)
    if e:
        print("fake-kernel ctl: %s %s: %s" % (args.verb, " ".join(args.args), errno.errorcode.get(e, e)),
              file=sys.stderr)
        sys.exit(1)


def listen(args):
    # Under libumockdev-preload this netlink socket becomes $UMOCKDEV_DIR/event<N>.
    NETLINK_KOBJECT_UEVENT, UDEV_GROUP = 15, 2
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT)
    s.bind((0, UDEV_GROUP))
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    with open(args.out, "a", buffering=1) as out:
        with open(args.out + ".ready", "w"):
            pass
        while True:
            msg = s.recv(1 << 16)
            if not msg.startswith(b"libudev\0"):
                continue
            props = dict(p.decode(errors="replace").split("=", 1) for p in msg[40:].split(b"\0") if b"=" in p)
            words = [props.get("ACTION", "?"), props.get("DEVPATH", "?"), props.get("SUBSYSTEM", "?")]
            words += ["%s=%s" % (k, props[k]) for k in ("DRIVER", "MODALIAS") if k in props]
            out.write(" ".join(words) + "\n")


def build_modules(args):
    import modules
    print(modules.build(args.modules_list, args.modprobe_d, args.root, args.kver))


def main():
    p = argparse.ArgumentParser(description="the umockdev suite's fake kernel")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--state", required=True)
    s.add_argument("--testbed", required=True)
    s.add_argument("--modules-list", required=True)
    s.add_argument("--keep", action="store_true", help="leave the testbed directory behind")
    s.add_argument("--tmpdir", help="where to create the testbed (default: /dev/shm if usable)")
    c = sub.add_parser("ctl")
    c.add_argument("--state", required=True)
    c.add_argument("verb")
    c.add_argument("args", nargs="*")
    b = sub.add_parser("build-modules")
    b.add_argument("--modules-list", required=True)
    b.add_argument("--modprobe-d", required=True)
    b.add_argument("--root", required=True)
    b.add_argument("--kver", required=True)
    li = sub.add_parser("listen")
    li.add_argument("--out", required=True)
    args = p.parse_args()
    {"serve": serve, "ctl": ctl, "build-modules": build_modules, "listen": listen}[args.cmd](args)


if __name__ == "__main__":
    main()
