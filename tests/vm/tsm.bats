#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tsm.bats — the TSM emulator (tests/kmod/) in the suite's real initramfs: tsm_emu is loaded by
# systemd-modules-load (after tdispd's first pass, as a platform TSM driver would load), the
# emulator's own self-test runs with tdispd stopped, then tdispd starts again and takes over.

load vm-helpers

setup_file() {
    vm_boot tsm rd.modules_load=tsm_emu
}

@test "tsm: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "tsm: tsm_emu registered tsm0 and gave the test device a tsm/ group" {
    run vm_marker initrd.tsm.class
    assert_output --partial tsm0
    run vm_marker "initrd.pci.$TESTDEV.tsm"
    assert_output --partial lock
    assert_output --partial accept
}

@test "tsm: the emulator self-test passes" {
    run vm_marker initrd.tsm.selftest_rc
    if [[ $output != 0 ]]; then
        awk '/^TDISPD-TEST-BEGIN initrd.tsm-selftest/,/^TDISPD-TEST-END initrd.tsm-selftest/' \
            "$VM_RUN/test.clean" | grep -a 'FAIL'
    fi
    assert_output 0
}

@test "tsm: tdispd, started again, is active and leaves the test device without a driver" {
    assert_marker initrd.tdispd.ActiveState active
    assert_marker "initrd.pci.$TESTDEV.driver" -
    assert_policy_end_state initrd
}
