#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tdisp-push.bats — Verifier=push with the example agent tdispd ships (conf/examples/push-agent.sh,
# docs/push-mode.md) running in the guest: it reads each waiting device's evidence with tdispctl,
# has it judged (standing in for a remote relying party, "agent verify-certificates" compares the
# certificates digest with the one computed before tdispd started) and posts the verdict with
# tdispctl approve|reject --digest. 0000:00:07.0 is approved, 0000:00:09.0 rejected.

load vm-helpers

setup_file() {
    vm_boot tdisp-push
}

@test "tdisp-push: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "tdisp-push: both devices were locked and waited for a verdict from the API" {
    assert_marker "initrd.tdisp.push.$TESTDEV.waiting.reached" attesting
    assert_marker "initrd.tdisp.push.$TESTDEV2.waiting.reached" attesting
}

@test "tdisp-push: a verdict on evidence other than the current one is refused with status 7" {
    assert_marker initrd.tdisp.push.wrong_digest_rc 7
    run vm_marker initrd.tdisp.push.wrong_digest_message
    assert_output --regexp "^Refused: sha384:0{96} is not the evidence of $TESTDEV read after its current lock"
}

@test "tdisp-push: the push agent judged both devices and posted its verdicts" {
    assert_marker initrd.tdisp.push.agent_rc 0
    run vm_block initrd.push-agent
    assert_output --regexp "push-agent: $TESTDEV: approved evidence sha384:[0-9a-f]{96}"
    assert_output --regexp "push-agent: $TESTDEV2: rejected evidence sha384:[0-9a-f]{96}"
}

@test "tdisp-push: the approved device is locked, accepted once and bound" {
    assert_marker "initrd.tdisp.$TESTDEV.reached" running
    assert_tdisp_running initrd "$TESTDEV"
    run vm_device_messages initrd "$TESTDEV"
    assert_output --partial "API approved"
    assert_output --partial "VM test agent: certificates sha384:"
}

@test "tdisp-push: the rejected device is unlocked, never accepted, and says why" {
    assert_marker "initrd.tdisp.$TESTDEV2.reached" denied
    assert_tdisp_given_up initrd "$TESTDEV2"
    run vm_block "initrd.tdispctl-show.$TESTDEV2"
    assert_output --partial "rejected by the relying party: VM test agent: certificates"
}

@test "tdisp-push: the approval asked for the topology lock, and got it" {
    assert_record initrd TOPOLOGY_LOCKED
}

@test "tdisp-push: the emulated TSM saw no violation" {
    assert_no_tsm_violations initrd
}
