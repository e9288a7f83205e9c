#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# demo.sh — boot the demo VM with tdispd in its initramfs, and show what tdispd did.
#
# On a fresh Debian 12 machine: installs what it needs (apt-get, as root or through sudo), builds
# tdispd, the test kernel modules (a TSM emulator and a prepare driver) and a dracut initramfs for
# the pinned Debian kernel, boots it under QEMU (TCG, about a minute), and prints
#   1. tdispd's journal records for the PCI and virtio devices, in order,
#   2. the end state of every PCI device: tdispd's state, the bound driver and driver_override,
#   3. the TDISP facts of the two emulated TDISP devices and what the emulator's audit counted.
# The VM's devices: a virtio NIC (trusted paravirtual), an e1000e (denied by default), an NVMe
# controller (allowed by a policy rule), two QEMU pci-testdevs made TDISP devices by the emulator
# (one whose evidence the local reference values approve, one they reject), and, after the
# topology lock, a hot-added virtio NIC that must get no driver.
#
# Usage: tools/demo.sh [OUTDIR]   (default: build/demo)
set -euo pipefail

cd "$(dirname "$0")/.."
out=${1:-build/demo}

tools/install-deps.sh build test vm
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

echo "Booting the demo VM (QEMU under TCG, about a minute)…" >&2
TDISPD_BUILD_ROOT=$PWD/build tests/vm/run-vm.sh tdisp "$out" || {
    echo "The VM did not finish; see $out/console.log" >&2
    exit 1
}

python3 - "$out" <<'PY'
import json, sys, os

out = sys.argv[1]
markers = {}
for line in open(os.path.join(out, 'markers'), encoding='utf-8', errors='replace'):
    key, _, value = line.rstrip('\n').partition('=')
    markers[key] = value

records = []
with open(os.path.join(out, 'journal-initrd.json'), encoding='utf-8', errors='replace') as f:
    for line in f:
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get('_COMM') != 'tdispd' or not isinstance(e.get('MESSAGE'), str):
            continue
        records.append(e)

t0 = int(records[0]['__MONOTONIC_TIMESTAMP']) if records else 0
print('\n== 1. What tdispd did (its journal records for PCI and virtio devices, and global events) ==\n')
for e in records:
    bus = e.get('TDISPD_BUS')
    if bus not in (None, 'pci', 'virtio'):
        continue
    if bus is None and not e.get('MESSAGE_ID'):
        continue
    t = (int(e['__MONOTONIC_TIMESTAMP']) - t0) / 1e6
    fields = ' '.join(f'{k}={e[k]}' for k in ('TDISPD_STATE', 'TDISPD_RULE', 'TDISPD_VERDICT')
                      if k in e and not (k == 'TDISPD_RULE' and e[k] == 'default'))
    print(f'{t:7.3f}s  {e["MESSAGE"]}' + (f'   [{fields}]' if fields else ''))

last_state = {}
for e in records:
    if 'TDISPD_DEVICE' in e and 'TDISPD_STATE' in e:
        last_state[e['TDISPD_DEVICE']] = e['TDISPD_STATE']

print('\n== 2. End state of every PCI device ==\n')
print(f'{"device":14} {"tdispd state":14} {"driver":14} {"driver_override":16}')
# Keys read initrd.pci.<device>.<attribute>; device names contain dots themselves.
devices = sorted({k[len('initrd.pci.'):].rsplit('.', 1)[0] for k in markers
                  if k.startswith('initrd.pci.') and k.endswith(('.driver', '.driver_override'))})
for dev in devices:
    print(f'{dev:14} {last_state.get(dev, "-"):14} {markers.get(f"initrd.pci.{dev}.driver", "-"):14} '
          f'{markers.get(f"initrd.pci.{dev}.driver_override", "-"):16}')

autoprobe = {k[len('initrd.autoprobe.'):]: v for k, v in markers.items() if k.startswith('initrd.autoprobe.')}
on = [b for b, v in autoprobe.items() if v != '0']
print(f'\ndrivers_autoprobe: 0 on {len(autoprobe) - len(on)} of {len(autoprobe)} buses'
      + (f' (still on: {", ".join(on)})' if on else ''))
print(f'tdispd status: {markers.get("initrd.tdispd.StatusText", "?")}')

print('\n== 3. The TDISP devices (tsm/lock, tsm/accept, the emulator\'s TDISP state) ==\n')
for dev in ('0000:00:07.0', '0000:00:09.0'):
    print(f'{dev}: lock={markers.get(f"initrd.tdisp.{dev}.lock", "?")!r} '
          f'accept={markers.get(f"initrd.tdisp.{dev}.accept", "?")} '
          f'emulator state={markers.get(f"initrd.tdisp.{dev}.emu_state", "?")} '
          f'tdispd state={last_state.get(dev, "-")}')
print(f'violations counted by the emulator (lock/accept with a driver, bind before accept, accept twice): '
      f'{markers.get("initrd.tdisp.violations", "?")}')
print(f'"PCI MMIO Encrypted" ranges in /proc/iomem: {markers.get("initrd.tdisp.encrypted_mmio", "?")}')
print(f'\nEverything the guest printed is in {out}/ (console.log, markers, journal-initrd.json).')
PY
