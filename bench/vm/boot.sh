#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# boot.sh — one benchmark boot, through the VM suite's own scripts.
#
#   boot.sh [--functions N] OUTDIR [KERNEL-ARG...]
#
# Builds (or reuses) the VM suite's initramfs with tests/vm/build-initramfs.sh, appends a small
# uncompressed cpio that replaces the suite's guest agent with bench/vm/bench-agent.sh (the kernel
# unpacks concatenated archives in order, later files win), and boots it with tests/vm/run-vm.sh as
# scenario "bench" — the suite's fixed device set, TCG, its timeouts and slot locks. --functions N
# adds N PCI functions through run-vm.sh's TDISPD_VM_QEMU_ARGS: multifunction slots from 0x10 on
# (the suite's devices sit below), four virtio-rng-pci and four pci-testdev per slot, at most 120
# (0x1f is q35's own). Kernel arguments go to run-vm.sh (e.g. rd.tdispd=0).
#
# Environment: TDISPD_BUILD_ROOT (the meson build directory, as for the VM suite).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
export TDISPD_SOURCE_ROOT="$src"
# shellcheck source=SCRIPTDIR/../../tests/vm/vm-common.sh
. "$src/tests/vm/vm-common.sh"

functions=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --functions) functions="$2"; shift 2 ;;
        *) break ;;
    esac
done
[[ $# -ge 1 ]] || vm_die "usage: boot.sh [--functions N] OUTDIR [KERNEL-ARG...]"
out="$1"
shift

vm_require qemu-system-x86_64 cpio
base=$("$VM_DIR/build-initramfs.sh")

# The overlay: the benchmark agent in place of the suite's.
work="$VM_WORK/bench"
mkdir -p "$work"
key=$(vm_hash "$base" "$here/bench-agent.sh")
img="$work/initramfs-bench-$key.img"
build_image() {
    local stage="$work/overlay"
    [[ -s $img ]] && return 0
    rm -rf "$stage"
    install -D -m 0755 "$here/bench-agent.sh" "$stage/usr/lib/tdispd-test/agent"
    (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$work/overlay.cpio"
    # Each archive starts on a 4-byte boundary; the kernel skips the zero padding.
    cp "$base" "$img.tmp"
    truncate -s "$(( ($(stat -c %s "$img.tmp") + 3) / 4 * 4 ))" "$img.tmp"
    cat "$work/overlay.cpio" >> "$img.tmp"
    mv "$img.tmp" "$img"
}
vm_with_lock "$work/build.lock" build_image

extra=()
for ((f = 0; f < functions; f++)); do
    slot=$((0x10 + f / 8))
    fn=$((f % 8))
    ((slot <= 0x1e)) || vm_die "--functions $functions: q35 has no free slot for function $f (at most 120)"
    dev=virtio-rng-pci,disable-legacy=on
    ((fn >= 4)) && dev=pci-testdev
    opt="$dev,addr=$(printf '0x%x.%d' "$slot" "$fn")"
    ((fn == 0)) && opt+=",multifunction=on"
    extra+=(-device "$opt")
done

TDISPD_VM_QEMU_ARGS="${extra[*]}${TDISPD_VM_QEMU_ARGS:+ $TDISPD_VM_QEMU_ARGS}" \
    exec "$VM_DIR/run-vm.sh" --initrd "$img" bench "$out" "$@"
