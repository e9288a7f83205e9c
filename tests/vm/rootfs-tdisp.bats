#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# rootfs-tdisp.bats — the TDISP handover into the booted system. The initramfs's tdispd accepts
# 0000:00:07.0 and rejects 0000:00:09.0 (local verifier, as in tdisp.bats) and locks the topology;
# after switch-root the booted system's tdispd, with the same policy, must carry the accepted device
# over as it is (never lock or accept it again, never unbind it), keep the rejected one's fallback
# without attesting it again, and keep the topology lock with every device that was there.

load vm-helpers

setup_file() {
    vm_boot rootfs-tdisp --rootfs
}

@test "rootfs-tdisp: the VM boots into the root file system and the agent reports from both phases" {
    vm_assert_finished
    assert_marker initrd.continue 1
    assert_marker system.end 1
    run vm_marker system.setup.handover
    assert_output --partial 40-vm-test-tdisp.policy
}

@test "rootfs-tdisp: the initramfs accepted one device and rejected the other" {
    assert_marker "initrd.tdisp.$TESTDEV.reached" running
    assert_tdisp_running initrd "$TESTDEV"
    assert_tdisp_given_up initrd "$TESTDEV2"
}

@test "rootfs-tdisp: the booted system carries the accepted device on: same lock, one accept, still bound" {
    assert_marker system.tdispd.ActiveState active
    assert_marker system.tdispd.NRestarts 0
    assert_tdisp_running system "$TESTDEV"
    assert_marker "system.tdisp.$TESTDEV.locks" 1
    assert_marker "system.tdisp.$TESTDEV.unlocks" 0
    run vm_device_messages system "$TESTDEV" "$(vm_marker system.tdispd.MainPID)"
    assert_success
    assert_output --partial "new → running (driver pci-stub)"
    refute_output --partial "locking"
    refute_output --partial "unbinding"
}

@test "rootfs-tdisp: the rejected device keeps its fallback and is not attested again" {
    assert_tdisp_given_up system "$TESTDEV2"
    assert_marker "system.tdisp.$TESTDEV2.locks" 1
    run vm_device_messages system "$TESTDEV2" "$(vm_marker system.tdispd.MainPID)"
    assert_success
    assert_output --partial "new → denied: rejected by the relying party"
    refute_output --partial "locking"
}

@test "rootfs-tdisp: the topology lock carries over, and the booted system reports no violation" {
    local pid
    pid=$(vm_marker system.tdispd.MainPID)
    run vm_journal system -r "select(._PID == \"$pid\" and .MESSAGE_ID == \"$(vm_message_id TOPOLOGY_LOCKED)\") | .MESSAGE"
    assert_output --partial "snapshot of"
    # Nothing is hot-added in this scenario: the devices the initramfs saw are in the snapshot, and
    # what the booted system's modules register (cfg80211's platform device regulatory.0, say) is
    # the kernel's, not the host's. Either reported would be a false alarm.
    run vm_journal system -r "select(._PID == \"$pid\" and .MESSAGE_ID == \"$(vm_message_id TOPOLOGY_VIOLATION)\") | .MESSAGE"
    assert_success
    assert_output ""
}

@test "rootfs-tdisp: the emulated TSM saw no violation in either phase" {
    assert_no_tsm_violations initrd
    assert_no_tsm_violations system
}
