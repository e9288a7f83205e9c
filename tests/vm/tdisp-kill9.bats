#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tdisp-kill9.bats — kill -9 between lock and accept. With Verifier=push, 0000:00:07.0 is locked
# and waits for its verdict when the agent reads its evidence and kills tdispd; systemd restarts it.
# The new instance finds the device locked with no approval recorded: it must unlock it and attest
# again, so that the verdict on the evidence read before the kill is refused (stale) and one on the
# new evidence accepts the device — once, and without a violation.

load vm-helpers

setup_file() {
    vm_boot tdisp-kill9
}

@test "tdisp-kill9: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "tdisp-kill9: tdispd was killed while the device was locked and not accepted" {
    assert_marker initrd.tdisp.kill9.before.reached attesting
    assert_marker initrd.tdisp.kill9.lock_before tsm0
    assert_marker initrd.tdisp.kill9.accept_before 0
    assert_marker initrd.tdisp.kill9.driver_before -
    assert_marker initrd.tdisp.kill9.evidence_before_rc 0
    run vm_marker initrd.tdisp.kill9.digest_before
    assert_output --regexp '^sha384:[0-9a-f]{96}$'
}

@test "tdisp-kill9: systemd restarted tdispd, and the new instance unlocked the device to attest again" {
    local after
    after=$(vm_marker initrd.tdisp.kill9.pid_after)
    run vm_marker initrd.tdisp.kill9.pid_before
    refute_output "$after"
    run vm_device_messages initrd "$TESTDEV" "$after"
    assert_success
    assert_output --partial "new → unlocking: found locked at start without a recorded approval"
    assert_output --partial "preparing → locking"
    assert_marker initrd.tdisp.kill9.after.reached attesting
    assert_marker "initrd.tdisp.$TESTDEV.locks" 2
    assert_marker "initrd.tdisp.$TESTDEV.unlocks" 1
}

@test "tdisp-kill9: the verdict on the evidence from before the kill is refused as stale" {
    run vm_marker initrd.tdisp.kill9.digest_after
    assert_output --regexp '^sha384:[0-9a-f]{96}$'
    refute_output "$(vm_marker initrd.tdisp.kill9.digest_before)"
    assert_marker initrd.tdisp.kill9.stale_approve_rc 7
    run vm_marker initrd.tdisp.kill9.stale_approve_message
    assert_output --partial "Refused: $(vm_marker initrd.tdisp.kill9.digest_before) is not the evidence of $TESTDEV"
}

@test "tdisp-kill9: the verdict on the new evidence accepts the device, once" {
    assert_marker initrd.tdisp.kill9.approve_rc 0
    assert_marker "initrd.tdisp.$TESTDEV.reached" running
    assert_tdisp_running initrd "$TESTDEV"
}

@test "tdisp-kill9: the emulated TSM saw no violation across the kill" {
    assert_no_tsm_violations initrd
}

@test "tdisp-kill9: the restarted tdispd keeps the rest of the policy" {
    assert_marker "initrd.pci.$VIRTIO_NET.driver" virtio-pci
    assert_marker "initrd.pci.$NVME.driver" nvme
    assert_marker "initrd.pci.$E1000E.driver" -
    assert_all_autoprobe initrd 0
}
