#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# rootfs-rd0.bats — rd.tdispd=0: the initramfs instance is skipped (the dracut module's drop-in),
# the kernel's default behaviour stays there, and the booted system's tdispd still enforces.

load vm-helpers

setup_file() {
    vm_boot rootfs-rd0 --rootfs rd.tdispd=0
}

@test "rd.tdispd=0: the VM boots into the root file system and the agent reports" {
    vm_assert_finished
    assert_marker system.end 1
}

@test "rd.tdispd=0: tdispd was skipped by its condition in the initramfs" {
    assert_marker initrd.tdispd.ConditionResult no
    assert_marker initrd.tdispd.ActiveState inactive
    assert_marker "initrd.pci.$E1000E.driver" e1000e
    assert_all_autoprobe initrd 1
}

@test "rd.tdispd=0: the booted system's tdispd ran and enforces the policy" {
    assert_marker system.tdispd.ConditionResult yes
    assert_marker system.tdispd.ActiveState active
    assert_policy_end_state system "$ROOT_DISK=virtio-pci"
    assert_all_autoprobe system 0
}

@test "rd.tdispd=0: the booted system's tdispd unbound what the kernel had bound" {
    assert_record system BINDING_REFUSED "TDISPD_DEVICE=$E1000E" TDISPD_DRIVER=e1000e
}
