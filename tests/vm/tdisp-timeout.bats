#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tdisp-timeout.bats — a relying party that never answers. 0000:00:07.0's rule names an exec
# verifier that records its PID and sleeps without reading its input; tdispd.conf says
# VerifierTimeoutSec=3s and PipelineAttempts=2. Each attempt must time out, the verifier be killed
# and reaped, the device be unlocked; after the second attempt it falls back (OnReject=deny): never
# accepted, no driver, nothing left running.

load vm-helpers

setup_file() {
    vm_boot tdisp-timeout
}

@test "tdisp-timeout: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "tdisp-timeout: tdispd asked the verifier once per attempt, and none of them is left" {
    assert_marker initrd.tdisp.timeout.verifiers_started 2
    assert_marker initrd.tdisp.timeout.verifiers_alive 0
    run vm_device_messages initrd "$TESTDEV"
    assert_output --regexp "asked verifier /usr/lib/tdispd-test/hanging-verifier about evidence sha384:[0-9a-f]{96}"
    assert_output --regexp "killing verifier pid [0-9]+, its verdict is no longer awaited"
}

@test "tdisp-timeout: each attempt timed out and unlocked the device; the second gave up" {
    run vm_journal initrd -r "select(.TDISPD_DEVICE == \"$TESTDEV\" and .TDISPD_OLD_STATE == \"attesting\") | .MESSAGE"
    assert_success
    assert_equal "$(grep -c 'attesting → unlocking: no verdict from the relying party in time' <<< "$output")" 2
    run vm_device_messages initrd "$TESTDEV"
    assert_output --partial "unlocking → retry-wait: no verdict from the relying party in time"
    assert_output --partial "unlocking → denied: no verdict from the relying party in time"
    assert_marker "initrd.tdisp.$TESTDEV.locks" 2
    assert_marker "initrd.tdisp.$TESTDEV.unlocks" 2
}

@test "tdisp-timeout: the device ends unlocked, never accepted, without a driver" {
    assert_marker "initrd.tdisp.$TESTDEV.reached" denied
    assert_tdisp_given_up initrd "$TESTDEV"
}

@test "tdisp-timeout: the timeouts are warnings in the journal" {
    run vm_journal initrd -r "select(.TDISPD_DEVICE == \"$TESTDEV\" and .TDISPD_STATE == \"denied\") | .PRIORITY"
    assert_output 4
}

@test "tdisp-timeout: the emulated TSM saw no violation" {
    assert_no_tsm_violations initrd
}

@test "tdisp-timeout: the other devices still end as policy says" {
    assert_marker "initrd.pci.$VIRTIO_NET.driver" virtio-pci
    assert_marker "initrd.pci.$NVME.driver" nvme
    assert_marker "initrd.pci.$E1000E.driver" -
    assert_all_autoprobe initrd 0
}
