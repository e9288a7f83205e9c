#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# rootfs.bats — initramfs → switch-root → the mkosi root file system. The initramfs instance of
# tdispd stops at switch-root, the booted system's instance starts, reconciles from sysfs and the
# state in /run/tdispd, and carries on: same end state, no device lost its driver on the way.

load vm-helpers

setup_file() {
    vm_boot rootfs --rootfs
}

@test "rootfs: the VM boots into the root file system and the agent reports from both phases" {
    vm_assert_finished
    assert_marker initrd.continue 1
    assert_marker system.end 1
}

@test "rootfs: tdispd ran in the initramfs and was stopped cleanly at switch-root" {
    local pid
    pid=$(vm_marker initrd.tdispd.MainPID)
    assert_marker initrd.tdispd.ActiveState active
    run vm_journal system -r "select(._PID == \"1\" and .UNIT == \"tdispd.service\" and ._RUNTIME_SCOPE == \"initrd\") | .MESSAGE"
    assert_success
    assert_output --partial "Stopped tdispd.service"
    run vm_journal system -r "select(._PID == \"$pid\" and .PRIORITY <= \"3\") | .MESSAGE"
    assert_success
    assert_output ""
}

@test "rootfs: the booted system's tdispd is a new process, active, not restarted" {
    assert_marker system.tdispd.ActiveState active
    assert_marker system.tdispd.NRestarts 0
    run vm_marker system.tdispd.MainPID
    refute_output "$(vm_marker initrd.tdispd.MainPID)"
    refute_output 0
}

@test "rootfs: the initramfs instance was ready before coldplug there, the system's before coldplug here" {
    local phase ready trigger
    for phase in initrd system; do
        ready=$(vm_marker $phase.tdispd.ActiveEnterTimestampMonotonic)
        trigger=$(vm_marker $phase.unit.systemd-udev-trigger.InactiveExitTimestampMonotonic)
        echo "$phase: tdispd ready at $ready us, udev-trigger started at $trigger us"
        ((ready > 0 && ready <= trigger))
    done
}

@test "rootfs: both phases end in the policy's state (root disk on virtio_blk)" {
    assert_policy_end_state initrd "$ROOT_DISK=virtio-pci"
    assert_policy_end_state system "$ROOT_DISK=virtio-pci"
    run vm_virtio_driver_of system "$ROOT_DISK"
    assert_output virtio_blk
}

@test "rootfs: drivers_autoprobe is 0 on every bus in both phases" {
    assert_all_autoprobe initrd 0
    assert_all_autoprobe system 0
}

@test "rootfs: no PCI or virtio device changed its binding across switch-root" {
    local key value
    while IFS='=' read -r key value; do
        [[ $key == *.driver ]] || continue
        [[ $key == *:01:00.0.* || $key == *:02:00.0.* ]] && continue
        assert_marker "system.$key" "$value"
    done < <(vm_markers_under initrd. | grep -E '^(pci|virtio)\.')
}

@test "rootfs: the booted system's tdispd never unbound a device the initramfs had bound" {
    local pid
    pid=$(vm_marker system.tdispd.MainPID)
    run vm_journal system -r "select(._PID == \"$pid\" and (.TDISPD_DEVICE // \"\" | test(\"^(0000:00:0[2-8]|virtio)\"))) | select(.TDISPD_STATE == \"unbinding\" or .MESSAGE_ID == \"$(vm_message_id BINDING_REFUSED)\") | .MESSAGE"
    assert_success
    assert_output ""
}

@test "rootfs: the runtime state in /run/tdispd survived switch-root" {
    local f initrd_files
    initrd_files=$(vm_marker initrd.rundir)
    for f in $initrd_files; do
        [[ " $(vm_marker system.rundir) " == *" $f "* ]] || { echo "$f lost at switch-root"; false; }
    done
}
