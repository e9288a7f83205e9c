#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench_kernel.py — the umockdev suite's fake kernel, with timestamps for the benchmark.

  bench_kernel.py serve --state DIR --testbed FILE --modules-list FILE

Runs tests/umockdev/harness/fake-kernel.py's "serve" unchanged, with two additions made by
subclassing rather than editing the harness:

  - every uevent is stamped (CLOCK_MONOTONIC, nanoseconds) right before its first sendto(), after the
    message was encoded, so that the stamp is when listeners can first see it;
  - every write request is stamped when the fake kernel receives it.

Two more control verbs answer the benchmark (over the same kernel.sock as `kctl`):
  bench-stamps   "U <nsec> <action> <devpath>" per uevent and "W <nsec> <path> <value>" per write
  bench-clear    forget the stamps so far
"""

import argparse
import errno
import glob
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.join(HERE, "..", "tests", "umockdev", "harness")
sys.path.insert(0, HARNESS)

import kernel as harness_kernel  # noqa: E402  (the harness directory is on sys.path only now)
import uevent as harness_uevent  # noqa: E402


class StampingUeventSender(harness_uevent.UeventSender):
    def __init__(self, umockdev_dir, stamps):
        super().__init__(umockdev_dir)
        self.stamps = stamps

    def send(self, properties):
        # The parent's send(), with the stamp taken once the datagram is ready to go.
        msg = harness_uevent.encode(properties)
        paths = glob.glob(self.pattern)
        props = dict(properties)
        self.stamps.append("U %d %s %s" % (time.monotonic_ns(), props.get("ACTION", "?"), props.get("DEVPATH", "?")))
        for path in paths:
            q = self.queues[path]
            if q or not self._try_send(path, msg):
                q.append(msg)


class BenchKernel(harness_kernel.Kernel):
    def __init__(self, umockdev_dir, testbed, state_dir):
        super().__init__(umockdev_dir, testbed, state_dir)
        self.stamps = []
        self.uevents = StampingUeventSender(umockdev_dir, self.stamps)

    def handle_write(self, syspath, data):
        self.stamps.append("W %d %s %s" % (time.monotonic_ns(), syspath,
                                           data.decode(errors="replace").strip().replace(" ", "_")))
        return super().handle_write(syspath, data)

    def control(self, verb, args):
        if verb == "bench-stamps" and not args:
            return 0, "\n".join(self.stamps)
        if verb == "bench-clear" and not args:
            self.stamps.clear()
            return 0, "cleared"
        return super().control(verb, args)


def load_fake_kernel():
    spec = importlib.util.spec_from_file_location("fake_kernel", os.path.join(HARNESS, "fake-kernel.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    p = argparse.ArgumentParser(description="the umockdev fake kernel, with benchmark timestamps")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--state", required=True)
    s.add_argument("--testbed", required=True)
    s.add_argument("--modules-list", required=True)
    s.add_argument("--tmpdir")
    args = p.parse_args()
    args.keep = False

    # fake-kernel.py's serve() does "from kernel import Kernel" when it runs: hand it ours.
    harness_kernel.Kernel = BenchKernel
    fake_kernel = load_fake_kernel()
    try:
        fake_kernel.serve(args)
    except OSError as e:
        sys.exit("bench_kernel: %s" % os.strerror(e.errno or errno.EIO))


if __name__ == "__main__":
    main()
