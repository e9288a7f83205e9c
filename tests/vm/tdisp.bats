#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tdisp.bats — the TDISP pipeline end to end on the emulated TSM (tests/kmod/tsm_emu): both
# pci-testdevs are TDISP devices and a rule accepts them with a local verifier. The reference values
# (written by the agent before tdispd starts, from the certificates read with tsm-evidence-dump and
# digested in shell per tdispd-verifier(7)) approve 0000:00:07.0 and reject 0000:00:09.0. tdispd must
# prepare, lock, read evidence, ask the verifier, accept and bind the first, and give up the second
# (OnReject=deny), without ever doing what the emulator counts as a violation.

load vm-helpers

setup_file() {
    vm_boot tdisp
}

@test "tdisp: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "tdisp: the reference values were prepared before tdispd started" {
    assert_marker initrd.setup.tdisp.evidence_dump_rc 0
    run vm_marker initrd.setup.tdisp.certificates
    assert_output --regexp '^sha384:[0-9a-f]{96}$'
}

@test "tdisp: tdispd is active and the devices reached their final states" {
    assert_marker initrd.tdispd.ActiveState active
    assert_marker "initrd.tdisp.$TESTDEV.reached" running
    run vm_marker "initrd.tdisp.$TESTDEV2.reached"
    refute_output timeout
}

@test "tdisp: the approved device is locked, accepted and bound to the rule's driver" {
    assert_marker "initrd.tdisp.$TESTDEV.lock" tsm0
    assert_marker "initrd.tdisp.$TESTDEV.accept" 1
    assert_marker "initrd.tdisp.$TESTDEV.emu_state" RUN
    assert_marker "initrd.pci.$TESTDEV.driver" pci-stub
    assert_marker "initrd.pci.$TESTDEV.driver_override" pci-stub
    run vm_marker initrd.tdisp.encrypted_mmio
    refute_output 0
}

@test "tdisp: the rejected device is unlocked, not accepted, without a driver" {
    assert_marker "initrd.tdisp.$TESTDEV2.lock" ""
    assert_marker "initrd.tdisp.$TESTDEV2.accept" 0
    assert_marker "initrd.tdisp.$TESTDEV2.emu_state" CONFIG_UNLOCKED
    assert_marker "initrd.pci.$TESTDEV2.driver" -
}

@test "tdisp: the journal tells why the second device was rejected" {
    run vm_journal initrd -r "select(.TDISPD_DEVICE == \"$TESTDEV2\") | .MESSAGE"
    assert_success
    assert_output --partial "not a reference value"
}

@test "tdisp: tdispd's certificates digest agrees with the one computed in shell" {
    # The reference values hold the shell's digest: tdispd approves only if its own matches.
    run vm_journal initrd -r "select(.TDISPD_DEVICE == \"$TESTDEV\") | .MESSAGE"
    assert_success
    assert_output --partial "reference values approved"
}

@test "tdisp: the emulated TSM saw no violation (lock with a driver, bind before accept, accept twice)" {
    assert_marker initrd.tdisp.violations 0
}

@test "tdisp: the other devices still end as policy says" {
    assert_marker "initrd.pci.$VIRTIO_NET.driver" virtio-pci
    assert_marker "initrd.pci.$NVME.driver" nvme
    assert_marker "initrd.pci.$E1000E.driver" -
    assert_all_autoprobe initrd 0
}

@test "tdisp: the approval locked the topology, after the first full pass" {
    local ready locked
    assert_record initrd TOPOLOGY_LOCKED
    ready=$(vm_records initrd MANAGER_READY | jq -r '.__MONOTONIC_TIMESTAMP' | head -n1)
    locked=$(vm_records initrd TOPOLOGY_LOCKED | jq -r '.__MONOTONIC_TIMESTAMP' | head -n1)
    echo "ready at $ready us, topology locked at $locked us"
    ((ready > 0 && locked >= ready))
}

@test "tdisp: no device known before the lock was treated as a violation" {
    run vm_records initrd TOPOLOGY_VIOLATION
    assert_success
    refute_output --regexp "\"TDISPD_DEVICE\":\"(0000:00:|00:0|serial8250|i8042|virtio0)"
}

@test "tdisp: a device hot-added after the lock gets no driver and is reported" {
    run vm_marker initrd.tdisp.hotplug.appeared
    refute_output no
    assert_marker "initrd.pci.$HOTPLUG_VIRTIO_NET.driver" -
    assert_record initrd TOPOLOGY_VIOLATION "TDISPD_DEVICE=$HOTPLUG_VIRTIO_NET"
}
