#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# basic.bats — initramfs boot: tdispd starts before coldplug, switches autoprobe off everywhere,
# binds the trusted (virtio-net) and the allowed shared (nvme) device, leaves e1000e unbound.

load vm-helpers

setup_file() {
    vm_boot basic
}

@test "basic: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "basic: tdispd is active, started once" {
    assert_marker initrd.tdispd.ActiveState active
    assert_marker initrd.tdispd.NRestarts 0
}

@test "basic: tdispd was ready before coldplug and before systemd-modules-load" {
    local ready trigger modules
    ready=$(vm_marker initrd.tdispd.ActiveEnterTimestampMonotonic)
    trigger=$(vm_marker initrd.unit.systemd-udev-trigger.InactiveExitTimestampMonotonic)
    modules=$(vm_marker initrd.unit.systemd-modules-load.InactiveExitTimestampMonotonic)
    echo "tdispd ready at $ready us, udev-trigger started at $trigger us, modules-load at $modules us"
    ((ready > 0 && trigger > 0))
    ((ready <= trigger))
    ((modules == 0 || ready <= modules))
}

@test "basic: drivers_autoprobe is 0 on every bus" {
    assert_all_autoprobe initrd 0
}

@test "basic: virtio-net (trusted) is bound to virtio-pci and virtio_net" {
    assert_marker "initrd.pci.$VIRTIO_NET.driver" virtio-pci
    run vm_virtio_driver_of initrd "$VIRTIO_NET"
    assert_output virtio_net
}

@test "basic: nvme (allowed by the test policy) is bound to nvme" {
    assert_marker "initrd.pci.$NVME.driver" nvme
    assert_record initrd DEVICE_DECISION "TDISPD_DEVICE=$NVME" TDISPD_ACTION=shared
    run vm_records initrd DEVICE_DECISION "TDISPD_DEVICE=$NVME"
    assert_success
    assert_output --partial 50-vm-test-nvme.policy
}

@test "basic: e1000e (not allowed) has no driver" {
    assert_marker "initrd.pci.$E1000E.driver" -
    assert_record initrd DEVICE_DECISION "TDISPD_DEVICE=$E1000E" TDISPD_ACTION=deny
}

@test "basic: no PCI device is bound beyond what policy allows" {
    assert_policy_end_state initrd
}

@test "basic: every PCI device got a logged decision" {
    local dev
    for dev in $(vm_markers_under initrd.pci. | sed -n 's/^\(.*\)\.id=.*/\1/p'); do
        [[ $dev == "$ROOT_PORT1" || $dev == "$ROOT_PORT2" ]] && continue
        assert_record initrd DEVICE_DECISION TDISPD_DEVICE="$dev"
    done
}

@test "basic: the boot has no ordering cycle and no failed unit" {
    run ! grep -a -i 'ordering cycle' "$VM_RUN/test.clean"
    run ! grep -a 'Failed to start' "$VM_RUN/test.clean"
}
