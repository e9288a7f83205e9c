#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tdisp-faults.bats — the TDISP pipeline against a TSM that misbehaves the way real ones may: the
# emulator (tests/kmod/tsm_emu) is armed before tdispd starts so that the first lock of
# 0000:00:07.0 fails with EBUSY and its first two evidence reads see the evidence change under them
# (the netlink dump ends with NLM_F_DUMP_INTR). tdispd must retry the lock after its backoff, throw
# the torn reads away, and accept the device on evidence it read whole — approved by the local
# verifier, whose reference values were digested in shell from the emulator's certificates.

load vm-helpers

setup_file() {
    vm_boot tdisp-faults
}

@test "tdisp-faults: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "tdisp-faults: both faults were armed before tdispd started, and both were used up" {
    assert_marker initrd.setup.faults.armed "16 2"
    assert_marker initrd.tdisp.faults.fail_next_lock_left 0
    assert_marker initrd.tdisp.faults.evidence_unstable_left 0
}

@test "tdisp-faults: the lock failed once with EBUSY, and tdispd said so and retried" {
    assert_marker "initrd.tdisp.$TESTDEV.failed_locks" 1
    assert_marker "initrd.tdisp.$TESTDEV.locks" 1
    run vm_device_messages initrd "$TESTDEV"
    assert_success
    assert_output --partial "locking → retry-wait: lock failed: Device or resource busy"
    assert_output --partial "retry-wait → preparing"
    run vm_journal initrd -r "select(.TDISPD_DEVICE == \"$TESTDEV\" and .TDISPD_STATE == \"retry-wait\") | .PRIORITY"
    assert_output 4
}

@test "tdisp-faults: two evidence reads were interrupted, and the device was judged on a whole one" {
    assert_marker "initrd.tdisp.$TESTDEV.interrupted_evidence_reads" 2
    run vm_device_messages initrd "$TESTDEV"
    assert_output --partial "local reference values approved"
    # One verdict, on one evidence digest: the torn reads never reached the relying party.
    run vm_records initrd VERDICT "TDISPD_DEVICE=$TESTDEV"
    assert_success
    assert_equal "$(grep -c . <<< "$output")" 1
}

@test "tdisp-faults: the device ends locked, accepted once and bound to its driver" {
    assert_marker "initrd.tdisp.$TESTDEV.reached" running
    assert_tdisp_running initrd "$TESTDEV"
}

@test "tdisp-faults: the emulated TSM saw no violation" {
    assert_no_tsm_violations initrd
}

@test "tdisp-faults: the second TDISP device, which no rule accepts, was never touched" {
    assert_marker "initrd.tdisp.$TESTDEV2.locks" 0
    assert_tdisp_given_up initrd "$TESTDEV2"
}
