# SPDX-License-Identifier: LGPL-2.1-or-later
"""uevent.py — delivers udev-format uevents to the listeners in a umockdev testbed.

Under libumockdev-preload a program's uevent netlink socket is a unix datagram socket named
$UMOCKDEV_DIR/event<N>; umockdev's own sender (UMockdev.Testbed.uevent) writes libudev monitor
messages to each. That sender drops nothing gracefully: when a listener has ten messages queued
(net.unix.max_dgram_qlen) it aborts the sending process. A daemon that is busy for a moment (writing
unbind for several devices at start) easily has ten uevents pending, so this module sends the same
wire format itself and keeps a per-listener queue that drains as the listener reads, in order.

Message: a 40-byte header ("libudev\\0", magic 0xfeedcafe, header size, offset and length of the
properties, MurmurHash2 of SUBSYSTEM and DEVTYPE for the receiver's socket filter, tag bloom filter)
followed by NUL-terminated KEY=VALUE properties.
"""

import collections
import errno
import glob
import os
import socket
import struct

UDEV_MONITOR_MAGIC = 0xFEEDCAFE
HEADER_SIZE = 40


def murmur_hash2(data, seed=0):
    """MurmurHash2, 32 bit, as libudev uses for its monitor filter hashes."""
    m, r = 0x5BD1E995, 24
    h = (seed ^ len(data)) & 0xFFFFFFFF
    full = len(data) - len(data) % 4
    for i in range(0, full, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = data[full:]
    if tail:
        for i in reversed(range(len(tail))):
            h ^= tail[i] << (8 * i)
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def encode(properties):
    """properties: list of (key, value) in order. Returns the datagram."""
    body = b"".join(("%s=%s" % kv).encode() + b"\0" for kv in properties)
    props = dict(properties)
    subsystem_hash = murmur_hash2(props["SUBSYSTEM"].encode())
    devtype_hash = murmur_hash2(props["DEVTYPE"].encode()) if "DEVTYPE" in props else 0
    header = (b"libudev\0"
              + struct.pack("!I", UDEV_MONITOR_MAGIC)
              + struct.pack("=III", HEADER_SIZE, HEADER_SIZE, len(body))
              + struct.pack("!II", subsystem_hash, devtype_hash)
              + struct.pack("=II", 0, 0))
    assert len(header) == HEADER_SIZE
    return header + body


class UeventSender:
    def __init__(self, umockdev_dir):
        self.pattern = os.path.join(umockdev_dir, "event[0-9]*")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
        self.queues = collections.defaultdict(collections.deque)
        self.seqnum = 0

    def next_seqnum(self):
        self.seqnum += 1
        return self.seqnum

    def _try_send(self, path, msg):
        """True when delivered or undeliverable for good, False when the listener's queue is full."""
        try:
            self.sock.sendto(msg, path)
        except BlockingIOError:
            return False
        except OSError as e:
            if e.errno in (errno.ECONNREFUSED, errno.ENOENT):
                # The listener closed its socket: forget it, as umockdev does.
                try:
                    os.unlink(path)
                except OSError:
                    pass
                self.queues.pop(path, None)
                return True
            raise
        return True

    def send(self, properties):
        msg = encode(properties)
        for path in glob.glob(self.pattern):
            q = self.queues[path]
            if q or not self._try_send(path, msg):
                q.append(msg)

    def flush(self):
        for path in list(self.queues):
            q = self.queues.get(path)
            while q:
                if not self._try_send(path, q[0]):
                    break
                if path in self.queues:
                    q.popleft()
            if path in self.queues and not self.queues[path]:
                del self.queues[path]

    def pending(self):
        return sum(len(q) for q in self.queues.values())
