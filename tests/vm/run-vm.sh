#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-vm.sh — boot one VM suite scenario under QEMU (TCG) and collect what the guest printed.
#
#   run-vm.sh [--rootfs] [--initrd IMG] SCENARIO OUTDIR [KERNEL-ARG...]
#
# The kernel command line carries tdispd.test=SCENARIO plus the extra arguments; with --rootfs the
# mkosi root file system is attached and booted (root=/dev/vda1), otherwise the guest stays in the
# initramfs. The device set is fixed, so device names are too:
#
#   0000:00:02.0  virtio-net-pci   trusted paravirtual: must end bound (virtio-pci, virtio_net)
#   0000:00:03.0  e1000e           not allowed by the default policy: must end unbound
#   0000:00:04.0  nvme             allowed by the test policy (guest/policy/): must end bound
#   0000:00:05.0  pcie-root-port   rp1, hotplug slot (a hot-added device becomes 0000:01:00.0)
#   0000:00:06.0  pcie-root-port   rp2, hotplug slot (0000:02:00.0)
#   0000:00:07.0  pci-testdev      1b36:0005, the TDISP device once tsm_emu is loaded (tests/kmod/)
#   0000:00:08.0  virtio-blk-pci   the root disk, with --rootfs only
#   0000:00:09.0  pci-testdev      a second TDISP device (its evidence is not approved in "tdisp")
#
# OUTDIR receives console.log (ttyS0: firmware, kernel, systemd), test.log (ttyS1: the agent's
# markers and blocks only), qemu.log, markers (the TDISPD-TEST lines), journal.json (tdispd's
# journal records, one JSON object per line, per phase), and time (wall-clock seconds of the boot).
# The guest asks the host to act by printing "TDISPD-TEST: host.request=NAME"; the requests are
# carried out here through the QEMU monitor socket.
#
# Exit status: 0 when the guest printed its end marker and powered off, 1 otherwise.
set -euo pipefail

# shellcheck source=SCRIPTDIR/vm-common.sh
. "$(dirname "$0")/vm-common.sh"

rootfs=
initrd=
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rootfs) rootfs=1; shift ;;
        --initrd) initrd="$2"; shift 2 ;;
        *) break ;;
    esac
done
[[ $# -ge 2 ]] || vm_die "usage: run-vm.sh [--rootfs] [--initrd IMG] SCENARIO OUTDIR [KERNEL-ARG...]"
scenario="$1"
out="$2"
shift 2

vm_require qemu-system-x86_64 socat flock

[[ -n $initrd ]] || initrd=$("$VM_DIR/build-initramfs.sh")
disk=
if [[ -n $rootfs ]]; then
    disk=$("$VM_DIR/build-rootfs.sh")
fi

rm -rf "$out"
mkdir -p "$out"
mon="$out/monitor.sock"

# earlyprintk=...,keep: the kernel keeps printing through the driver-less early console even if the
# serial port's driver is unbound (kernel lines then appear twice in console.log); the agent falls
# back to it when ttyS1 fails.
append="console=ttyS0 earlyprintk=serial,ttyS0,115200,keep panic=-1 rd.shell=0 rd.emergency=poweroff"
append+=" systemd.show_status=0 loglevel=4 systemd.journald.forward_to_console=0 tdispd.test=$scenario"
if [[ -n $rootfs ]]; then
    append+=" root=/dev/vda1 rw"
fi
append+="${*:+ $*}"
echo "$append" > "$out/cmdline"

# shellcheck disable=SC2054 # QEMU options contain commas
qemu=(qemu-system-x86_64 -accel tcg -machine q35 -m 1024 -smp 1 -cpu max
    -nodefaults -display none -no-reboot
    -kernel "$VM_KERNEL" -initrd "$initrd" -append "$append"
    -serial "file:$out/console.log" -serial "file:$out/test.log"
    -monitor "unix:$mon,server,nowait"
    -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile=,addr=0x2 -netdev user,id=n0,restrict=on
    -device e1000e,netdev=n1,romfile=,addr=0x3 -netdev user,id=n1,restrict=on
    -device nvme,serial=tdispd-vm,addr=0x4
    -device pcie-root-port,id=rp1,chassis=1,slot=1,addr=0x5
    -device pcie-root-port,id=rp2,chassis=2,slot=2,addr=0x6
    -device pci-testdev,addr=0x7
    -device pci-testdev,addr=0x9
    -netdev user,id=nh1,restrict=on -netdev user,id=nh2,restrict=on)
if [[ -n $disk ]]; then
    # shellcheck disable=SC2054
    qemu+=(-drive "if=none,id=root,file=$disk,format=raw,snapshot=on"
        -device virtio-blk-pci,drive=root,addr=0x8)
fi

# Extra QEMU options for debugging, e.g. TDISPD_VM_QEMU_ARGS="-d cpu_reset -D /tmp/qemu.log".
if [[ -n ${TDISPD_VM_QEMU_ARGS-} ]]; then
    read -r -a extra <<< "$TDISPD_VM_QEMU_ARGS"
    qemu+=("${extra[@]}")
fi

monitor() {
    echo "$1" | socat - "UNIX-CONNECT:$mon" > /dev/null 2>> "$out/qemu.log"
    echo "monitor: $1" >> "$out/qemu.log"
}

handle_request() {
    case "$1" in
        hotplug-e1000e) monitor "device_add e1000e,netdev=nh1,bus=rp1,id=hp1,romfile=" ;;
        hotplug-virtio-net) monitor "device_add virtio-net-pci,netdev=nh2,bus=rp2,id=hp2,romfile=" ;;
        *) echo "run-vm.sh: unknown host request '$1'" >> "$out/qemu.log" ;;
    esac
}

vm_take_slot
start=$SECONDS
"${qemu[@]}" > "$out/qemu.log" 2>&1 &
qpid=$!
trap 'kill "$qpid" 2> /dev/null || true' EXIT

# Each request is carried out once (in kernel-log fallback it may be printed twice).
declare -A handled=()
timed_out=
while kill -0 "$qpid" 2> /dev/null; do
    if ((SECONDS - start > VM_TIMEOUT)); then
        timed_out=1
        kill "$qpid" 2> /dev/null || true
        break
    fi
    while read -r request; do
        request=${request#*=}
        [[ -n $request && -z ${handled[$request]-} ]] || continue
        handled[$request]=1
        handle_request "$request"
    done < <(cat "$out/test.log" "$out/console.log" 2> /dev/null |
        grep -a -o 'TDISPD-TEST: host\.request=[A-Za-z0-9_-]*' || true)
    sleep 0.5
done
wait "$qpid" 2> /dev/null || true
trap - EXIT
echo "$((SECONDS - start))" > "$out/time"

# The agent's output, split into facts and blocks; CRs from the tty are dropped. What it had to send
# through the kernel log (ttyS1 failed) is cut out of console.log into kmsg.txt.
tr -d '\r' < "$out/test.log" > "$out/test.clean"
tr -d '\r' < "$out/console.log" | grep -a -o 'TDISPD-TEST.*' | awk '!seen[$0]++' |
    sed 's/^TDISPD-TEST-LINE //' > "$out/kmsg.txt" || true
cat "$out/test.clean" "$out/kmsg.txt" | grep -a '^TDISPD-TEST: ' | sed 's/^TDISPD-TEST: //' |
    awk '!seen[$0]++' > "$out/markers" || true
for phase in initrd system; do
    awk -v b="TDISPD-TEST-BEGIN $phase.journal" -v e="TDISPD-TEST-END $phase.journal" \
        '$0 == e { p = 0 } p { print } $0 == b { p = 1 }' "$out/test.clean" > "$out/journal-$phase.json"
done

if [[ -n $timed_out ]]; then
    echo "run-vm.sh: $scenario: timed out after $VM_TIMEOUT s" >&2
    exit 1
fi
if ! grep -q '\.end=1$' "$out/markers"; then
    echo "run-vm.sh: $scenario: the guest did not finish; see $out/console.log" >&2
    exit 1
fi
exit 0
