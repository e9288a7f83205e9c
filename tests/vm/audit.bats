#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# audit.bats — tdispd.mode=audit on the kernel command line: tdispd changes nothing (the kernel's
# default behaviour stays: autoprobe on, e1000e bound by udev's module load) and logs every
# decision it would have carried out.

load vm-helpers

setup_file() {
    vm_boot audit tdispd.mode=audit
}

@test "audit: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "audit: tdispd is active" {
    assert_marker initrd.tdispd.ActiveState active
}

@test "audit: the command-line override is logged loudly" {
    assert_record initrd MODE_OVERRIDE TDISPD_MODE=audit
}

@test "audit: drivers_autoprobe stays on" {
    assert_all_autoprobe initrd 1
}

@test "audit: e1000e is bound as without tdispd" {
    assert_marker "initrd.pci.$E1000E.driver" e1000e
}

@test "audit: the binding tdispd would refuse is logged as an audit record" {
    assert_record initrd ACTION_AUDIT "TDISPD_DEVICE=$E1000E"
}

@test "audit: every device gets its decision logged" {
    assert_record initrd DEVICE_DECISION "TDISPD_DEVICE=$E1000E" TDISPD_ACTION=deny
    assert_record initrd DEVICE_DECISION "TDISPD_DEVICE=$NVME" TDISPD_ACTION=shared
    assert_record initrd DEVICE_DECISION "TDISPD_DEVICE=$VIRTIO_NET"
    assert_record initrd DEVICE_DECISION "TDISPD_DEVICE=$TESTDEV" TDISPD_ACTION=deny
}

@test "audit: tdispd changed no binding (no driver_override written)" {
    local dev
    for dev in "$VIRTIO_NET" "$E1000E" "$NVME" "$TESTDEV"; do
        assert_marker "initrd.pci.$dev.driver_override" "(null)"
    done
}
