# SPDX-License-Identifier: LGPL-2.1-or-later
# vm-helpers.bash — bats helpers of the VM suite: boot a scenario once per file, then assert on the
# markers and the journal the guest printed (see guest/agent.sh for the format).
# shellcheck shell=bash disable=SC2034 # the device names are used by the .bats files

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# shellcheck source=SCRIPTDIR/vm-common.sh
. "$BATS_TEST_DIRNAME/vm-common.sh"

# The fixed device set (run-vm.sh).
VIRTIO_NET=0000:00:02.0
E1000E=0000:00:03.0
NVME=0000:00:04.0
ROOT_PORT1=0000:00:05.0
ROOT_PORT2=0000:00:06.0
TESTDEV=0000:00:07.0
TESTDEV2=0000:00:09.0
ROOT_DISK=0000:00:08.0
HOTPLUG_E1000E=0000:01:00.0
HOTPLUG_VIRTIO_NET=0000:02:00.0

# vm_boot SCENARIO [--rootfs] [KERNEL-ARG...] — from setup_file. Missing tools fail the file; a
# guest that does not finish is recorded, and the first test of each file reports it.
vm_boot() {
    local scenario="$1" opts=() rc=0
    shift
    if [[ ${1-} == --rootfs ]]; then
        opts+=(--rootfs)
        shift
    fi
    vm_require qemu-system-x86_64 socat jq dracut
    export VM_RUN="$VM_WORK/runs/$scenario"
    mkdir -p "$VM_WORK/runs"
    "$VM_DIR/run-vm.sh" "${opts[@]}" "$scenario" "$VM_RUN" "$@" > "$VM_RUN.log" 2>&1 || rc=$?
    echo "$rc" > "$VM_RUN.rc"
    # Timings, as TAP comments in the suite's log.
    echo "# $scenario: VM wall time $(cat "$VM_RUN/time" 2> /dev/null || echo "?") s," \
        "guest uptime at report $(vm_marker_or initrd.uptime "$(vm_marker_or system.uptime "?")") s" >&3
}

# The first test of every file: the guest booted, ran the agent and powered off.
vm_assert_finished() {
    local rc
    rc=$(cat "$VM_RUN.rc" 2> /dev/null || echo missing)
    if [[ $rc != 0 ]]; then
        echo "the VM did not finish (run-vm.sh: $rc); $VM_RUN.log says:"
        cat "$VM_RUN.log" 2> /dev/null
        echo "last lines of the serial console ($VM_RUN/console.log):"
        tr -d '\r' < "$VM_RUN/console.log" 2> /dev/null | grep -av '^$' | tail -n 40
        echo "last markers:"
        tail -n 5 "$VM_RUN/markers" 2> /dev/null
        return 1
    fi
    if grep -q '\.output=kmsg$' "$VM_RUN/markers"; then
        echo "ttyS1 stopped working (was the serial port unbound?); the agent fell back to the kernel"
        echo "log, see $VM_RUN/kmsg.txt; tdispd said:"
        grep -a 'tdispd\[' "$VM_RUN/kmsg.txt" | tail -n 40
        return 1
    fi
}

vm_marker_or() {
    local v
    v=$(grep -a -m1 "^$1=" "$VM_RUN/markers" 2> /dev/null) || { echo "$2"; return; }
    echo "${v#*=}"
}

# Prints the value of marker KEY (e.g. initrd.pci.0000:00:03.0.driver); fails when absent.
vm_marker() {
    local v
    if ! v=$(grep -a -m1 -F "$1=" "$VM_RUN/markers" | grep -a "^$1=" ); then
        echo "marker '$1' missing: the guest did not report it (see $VM_RUN/test.clean)" >&2
        return 1
    fi
    echo "${v#*=}"
}

assert_marker() {
    local v
    v=$(vm_marker "$1") || return 1
    if [[ $v != "$2" ]]; then
        echo "marker $1: expected '$2', got '$v'" >&2
        return 1
    fi
}

# All markers under a prefix, as "key=value" lines with the prefix removed.
vm_markers_under() {
    grep -a "^$1" "$VM_RUN/markers" | sed "s|^$1||"
}

# MESSAGE_ID of a tdispd event kind, read from the daemon's source (message-id.h).
vm_message_id() {
    local id
    id=$(sed -n "s/^#define MESSAGE_ID_$1 \"\\([0-9a-f]*\\)\"/\\1/p" "$VM_SRC/src/daemon/message-id.h")
    [[ -n $id ]] || { echo "no MESSAGE_ID_$1 in src/daemon/message-id.h" >&2; return 1; }
    echo "$id"
}

# jq over the tdispd journal records of a phase (initrd or system), one JSON object per line.
vm_journal() {
    local phase="$1"
    shift
    if [[ ! -s $VM_RUN/journal-$phase.json ]]; then
        echo "no $phase journal in $VM_RUN (if ttyS1 failed, the agent sent text to kmsg.txt)" >&2
        return 1
    fi
    jq -c "$@" "$VM_RUN/journal-$phase.json"
}

# Records with a MESSAGE_ID (by name) and optional field=value filters: vm_records PHASE KIND [F=V...]
vm_records() {
    local phase="$1" id filter f
    id=$(vm_message_id "$2") || return 1
    shift 2
    filter="select(.MESSAGE_ID == \"$id\")"
    for f in "$@"; do
        filter+=" | select(.${f%%=*} == \"${f#*=}\")"
    done
    vm_journal "$phase" "$filter"
}

# Asserts that at least one record matches (prints the phase's messages otherwise).
assert_record() {
    local out
    out=$(vm_records "$@") || return 1
    if [[ -z $out ]]; then
        echo "no journal record: $*; tdispd said:" >&2
        vm_journal "$1" -r 'select(._COMM == "tdispd") | .MESSAGE' | tail -n 60 >&2
        return 1
    fi
}

# Checks that every bus's drivers_autoprobe in PHASE reads VALUE (and that there are buses at all).
assert_all_autoprobe() {
    local phase="$1" want="$2" lines bad
    lines=$(vm_markers_under "$phase.autoprobe.")
    if [[ $(wc -l <<< "$lines") -lt 10 ]]; then
        echo "too few buses reported: $lines" >&2
        return 1
    fi
    bad=$(grep -v "=$want\$" <<< "$lines" || true)
    if [[ -n $bad ]]; then
        echo "buses whose drivers_autoprobe is not $want:" >&2
        echo "$bad" >&2
        return 1
    fi
}

# The driver of the virtio device whose parent is PCI device DEV, in PHASE.
vm_virtio_driver_of() {
    local phase="$1" dev="$2" vdev
    vdev=$(vm_markers_under "$phase.virtio." | sed -n "s/^\\(virtio[0-9]*\\)\\.parent=$dev\$/\\1/p" | head -n1)
    if [[ -z $vdev ]]; then
        echo "no virtio device below $dev"
        return 0
    fi
    vm_marker "$phase.virtio.$vdev.driver"
}

# PCI devices bound to a driver in PHASE, as "dev=driver" lines.
vm_bound_pci() {
    vm_markers_under "$1.pci." | sed -n 's/^\(.*\)\.driver=\(.*\)$/\1=\2/p' | grep -v '=-$' || true
}

# The end state the default policy plus the test policy demand, in PHASE. Extra "dev=driver"
# arguments name further bindings that are allowed (e.g. the root disk).
assert_policy_end_state() {
    local phase="$1" bound line allowed
    shift
    assert_marker "$phase.pci.$VIRTIO_NET.driver" virtio-pci || return 1
    [[ $(vm_virtio_driver_of "$phase" "$VIRTIO_NET") == virtio_net ]] ||
        { echo "virtio device below $VIRTIO_NET: $(vm_virtio_driver_of "$phase" "$VIRTIO_NET")" >&2; return 1; }
    assert_marker "$phase.pci.$NVME.driver" nvme || return 1
    assert_marker "$phase.pci.$E1000E.driver" - || return 1
    assert_marker "$phase.pci.$TESTDEV.driver" - || return 1
    assert_marker "$phase.pci.$TESTDEV2.driver" - || return 1
    # Nothing else is bound, except the built-in port driver of the root ports.
    allowed=" $VIRTIO_NET=virtio-pci $NVME=nvme $ROOT_PORT1=pcieport $ROOT_PORT2=pcieport $* "
    bound=$(vm_bound_pci "$phase")
    while read -r line; do
        [[ -z $line || $allowed == *" $line "* ]] && continue
        echo "unexpected binding in $phase: $line" >&2
        return 1
    done <<< "$bound"
}

# A TDISP device that went all the way in PHASE: locked, accepted, running in the emulated TSM,
# bound to the rule's driver (pci-stub) and pinned to it, as the TSM saw exactly ACCEPTS accepts.
assert_tdisp_running() {
    local phase="$1" dev="$2"
    assert_marker "$phase.tdisp.$dev.lock" tsm0 || return 1
    assert_marker "$phase.tdisp.$dev.accept" 1 || return 1
    assert_marker "$phase.tdisp.$dev.emu_state" RUN || return 1
    assert_marker "$phase.tdisp.$dev.accepts" 1 || return 1
    assert_marker "$phase.pci.$dev.driver" pci-stub || return 1
    assert_marker "$phase.pci.$dev.driver_override" pci-stub
}

# A TDISP device that was given up on in PHASE: unlocked, never accepted, without a driver.
assert_tdisp_given_up() {
    local phase="$1" dev="$2"
    assert_marker "$phase.tdisp.$dev.lock" "" || return 1
    assert_marker "$phase.tdisp.$dev.accept" 0 || return 1
    assert_marker "$phase.tdisp.$dev.emu_state" CONFIG_UNLOCKED || return 1
    assert_marker "$phase.tdisp.$dev.accepts" 0 || return 1
    assert_marker "$phase.pci.$dev.driver" -
}

# The emulated TSM's audit: no lock with a driver bound, no bind before accept, no second accept,
# no MMIO or DMA outside the rules, in PHASE.
assert_no_tsm_violations() {
    assert_marker "$1.tdisp.violations" 0
}

# The messages tdispd logged about DEV in PHASE, one per line (optionally only process PID's).
vm_device_messages() {
    local phase="$1" dev="$2" pid="${3-}" filter
    filter="select(.TDISPD_DEVICE == \"$dev\")"
    [[ -n $pid ]] && filter+=" | select(._PID == \"$pid\")"
    vm_journal "$phase" -r "$filter | .MESSAGE"
}

# The lines of the guest's block NAME (TDISPD-TEST-BEGIN NAME … TDISPD-TEST-END NAME); fails when the
# guest printed no such block.
vm_block() {
    grep -a -q -x -F "TDISPD-TEST-BEGIN $1" "$VM_RUN/test.clean" ||
        { echo "block '$1' missing (see $VM_RUN/test.clean)" >&2; return 1; }
    awk -v b="TDISPD-TEST-BEGIN $1" -v e="TDISPD-TEST-END $1" '$0 == e { p = 0 } p { print } $0 == b { p = 1 }' \
        "$VM_RUN/test.clean"
}
