#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# restart.bats — tdispd is frozen (SIGSTOP); behind its back a new bus registers and e1000e is
# bound by hand; then it is killed (SIGKILL). systemd restarts it (Restart=on-abnormal) and the new
# instance converges from sysfs alone: the events it missed died with the old process.

load vm-helpers

setup_file() {
    vm_boot kill9
}

@test "kill -9: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "kill -9: a bus that registers while tdispd is frozen starts with autoprobe 0 (udev rule)" {
    assert_marker initrd.kill9.newbus.slimbus.autoprobe 0
}

@test "kill -9: the forbidden binding was in place when tdispd was killed" {
    assert_marker initrd.kill9.e1000e.driver_while_stopped e1000e
}

@test "kill -9: systemd restarted tdispd once, with a new process" {
    assert_marker initrd.tdispd.ActiveState active
    assert_marker initrd.tdispd.NRestarts 1
    run vm_marker initrd.kill9.pid_after
    refute_output "$(vm_marker initrd.kill9.pid_before)"
    refute_output 0
}

@test "kill -9: the restarted tdispd unbound e1000e and reported it" {
    local pid
    pid=$(vm_marker initrd.kill9.pid_after)
    assert_marker "initrd.pci.$E1000E.driver" -
    assert_record initrd BINDING_REFUSED "TDISPD_DEVICE=$E1000E" _PID="$pid"
}

@test "kill -9: the end state is the one before the kill" {
    assert_policy_end_state initrd
    assert_all_autoprobe initrd 0
}
