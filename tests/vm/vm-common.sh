# SPDX-License-Identifier: LGPL-2.1-or-later
# vm-common.sh — shared by the VM suite's host scripts: pinned versions, paths, tool checks, locks.
# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this
#
# Environment (meson test sets the first two):
#   TDISPD_BUILD_ROOT   meson build directory (tdispd built there)
#   TDISPD_SOURCE_ROOT  source tree
#   TDISPD_VM_KVER      guest kernel ABI version (default below; never the host's uname -r)
#   TDISPD_VM_JOBS      VMs allowed to run at once (default 2)
#   TDISPD_VM_TIMEOUT   seconds before a VM is killed (default 300)

VM_KVER="${TDISPD_VM_KVER:-6.1.0-56-amd64}"
VM_SRC="${TDISPD_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
VM_BUILD="${TDISPD_BUILD_ROOT:-$VM_SRC/build}"
VM_DIR="$VM_SRC/tests/vm"
VM_WORK="$VM_BUILD/tests/vm"
VM_KERNEL="/boot/vmlinuz-$VM_KVER"
VM_JOBS="${TDISPD_VM_JOBS:-2}"
VM_TIMEOUT="${TDISPD_VM_TIMEOUT:-300}"

VM_INSTALL_HINT="apt-get install qemu-system-x86 dracut-core kmod cpio zstd socat jq bats bats-assert \
bats-support linux-image-$VM_KVER linux-headers-$VM_KVER mkosi"

vm_die() {
    echo "tdispd VM suite: $*" >&2
    exit 1
}

# The suite fails, never skips, when the toolchain is missing: a skipped VM suite looks green.
vm_require() {
    local t missing=()
    for t in "$@"; do
        command -v "$t" > /dev/null 2>&1 || missing+=("$t")
    done
    ((${#missing[@]} == 0)) || vm_die "missing tools: ${missing[*]} (install: $VM_INSTALL_HINT)"
    [[ -r $VM_KERNEL ]] || vm_die "missing guest kernel $VM_KERNEL (install: linux-image-$VM_KVER)"
    [[ -d /lib/modules/$VM_KVER/kernel ]] || vm_die "missing /lib/modules/$VM_KVER (install: linux-image-$VM_KVER)"
}

# Content hash of files and directory trees (names relative to each argument, and contents).
vm_hash() {
    local p
    for p in "$@"; do
        if [[ -d $p ]]; then
            (cd "$p" && find . \( -type f -o -type l \) -print0 | LC_ALL=C sort -z |
                xargs -0r sha256sum)
        elif [[ -e $p ]]; then
            sha256sum "$p"
        else
            echo "absent $p"
        fi
    done | sha256sum | cut -c1-16
}

# Runs "$@" holding an exclusive lock on file $1 (first argument), for one-at-a-time builds.
vm_with_lock() {
    local lock="$1" fd
    shift
    mkdir -p "$(dirname "$lock")"
    exec {fd}> "$lock"
    flock "$fd"
    "$@"
    local rc=$?
    exec {fd}>&-
    return $rc
}

# Takes one of $VM_JOBS slots; the lock is held by fd VM_SLOT_FD until the process exits.
vm_take_slot() {
    local i fd
    mkdir -p "$VM_WORK/locks"
    while :; do
        for ((i = 1; i <= VM_JOBS; i++)); do
            exec {fd}> "$VM_WORK/locks/slot.$i"
            if flock -n "$fd"; then
                VM_SLOT_FD=$fd
                return 0
            fi
            exec {fd}>&-
        done
        sleep 1
    done
}
