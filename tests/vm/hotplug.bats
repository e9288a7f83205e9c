#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# hotplug.bats — devices hot-added through the QEMU monitor after tdispd is running: an unexpected
# e1000e (with its driver loaded, Linux 6.1 binds it inside the kernel despite autoprobe 0; tdispd
# must undo that at once and report it) and a trusted virtio-net (tdispd binds it).

load vm-helpers

setup_file() {
    vm_boot hotplug
}

@test "hotplug: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "hotplug: both devices appeared" {
    run vm_marker initrd.hotplug.e1000e.appeared
    refute_output no
    run vm_marker initrd.hotplug.virtio.appeared
    refute_output no
    assert_marker "initrd.pci.$HOTPLUG_E1000E.id" 0x8086:0x10d3
    assert_marker "initrd.pci.$HOTPLUG_VIRTIO_NET.id" 0x1af4:0x1041
}

@test "hotplug: the kernel bound the e1000e by itself (6.1 behaviour the test relies on)" {
    run vm_marker initrd.hotplug.e1000e.uevents
    assert_output --regexp '(^| )bind( |$)'
}

@test "hotplug: tdispd unbound the e1000e" {
    assert_marker "initrd.pci.$HOTPLUG_E1000E.driver" -
    run vm_marker initrd.hotplug.e1000e.uevents
    assert_output --regexp 'bind .*unbind'
}

@test "hotplug: tdispd reported the binding it undid" {
    assert_record initrd BINDING_REFUSED "TDISPD_DEVICE=$HOTPLUG_E1000E" TDISPD_DRIVER=e1000e
}

@test "hotplug: the hot-added virtio-net is bound to virtio-pci and virtio_net" {
    assert_marker "initrd.pci.$HOTPLUG_VIRTIO_NET.driver" virtio-pci
    run vm_virtio_driver_of initrd "$HOTPLUG_VIRTIO_NET"
    assert_output virtio_net
}

@test "hotplug: the cold-plugged devices kept their state, autoprobe stayed 0" {
    assert_policy_end_state initrd "$HOTPLUG_VIRTIO_NET=virtio-pci"
    assert_all_autoprobe initrd 0
    assert_marker initrd.tdispd.ActiveState active
    assert_marker initrd.tdispd.NRestarts 0
}
