#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# badconfig.bats — an invalid drop-in (/etc/tdispd.conf.d/99-broken.conf, installed by the test
# agent before tdispd starts): tdispd refuses to run, names file and line, is not restarted, and
# the system stays closed — autoprobe off and nothing bound.

load vm-helpers

setup_file() {
    vm_boot badconfig
}

@test "badconfig: the VM boots the initramfs and the agent reports" {
    vm_assert_finished
}

@test "badconfig: the broken drop-in was in place before tdispd started" {
    assert_marker initrd.setup.badconfig /etc/tdispd.conf.d/99-broken.conf
}

@test "badconfig: tdispd failed with an exit code and was not restarted" {
    assert_marker initrd.tdispd.ActiveState failed
    assert_marker initrd.tdispd.Result exit-code
    assert_marker initrd.tdispd.NRestarts 0
    run vm_marker initrd.tdispd.ExecMainStatus
    refute_output 0
}

@test "badconfig: the journal names the file and the line" {
    local line
    line=$(grep -n '^Mode=' "$VM_DIR/guest/99-broken.conf" | cut -d: -f1)
    assert_record initrd CONFIG_INVALID
    run vm_records initrd CONFIG_INVALID
    assert_success
    assert_output --partial "99-broken.conf:$line"
}

@test "badconfig: drivers_autoprobe is 0 on every bus (fail closed)" {
    assert_all_autoprobe initrd 0
}

@test "badconfig: no driver was bound after tdispd failed" {
    # systemd (PID 1) loads virtio_pci itself when it runs under QEMU/KVM, before any unit, so
    # virtio-pci is bound before tdispd could ever run; every other binding would have come later.
    local bound
    bound=$(vm_bound_pci initrd | grep -v -e "=pcieport$" -e "^$VIRTIO_NET=virtio-pci$" || true)
    [[ -z $bound ]] || { echo "bound: $bound"; false; }
    assert_marker "initrd.pci.$E1000E.driver" -
    assert_marker "initrd.pci.$NVME.driver" -
    run vm_virtio_driver_of initrd "$VIRTIO_NET"
    [[ $output == - ]] || { echo "virtio device below $VIRTIO_NET bound to '$output'"; false; }
}
