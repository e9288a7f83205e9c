#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# autoprobe.bats — tdispd turns drivers_autoprobe off on every bus, first, and on buses that appear.

load helpers

setup_file() {
    tdispd_setup_file
}

setup() {
    umockdev_setup
    kernel_start
}

teardown() {
    umockdev_teardown
}

BUSES="pci virtio platform usb serio cpu"

@test "autoprobe goes off on every bus before anything is bound or unbound" {
    tdispd_start
    local b first_other last_autoprobe
    for b in $BUSES; do
        assert_autoprobe "$b" 0
        assert_written "/sys/bus/$b/drivers_autoprobe" 0
    done
    refute_written /sys/bus/pci/drivers_autoprobe 1
    # every drivers_autoprobe write comes before the first bind, unbind or driver_override write
    last_autoprobe=$(writes | grep -n 'drivers_autoprobe	' | tail -n1 | cut -d: -f1)
    first_other=$(writes | grep -n -v 'drivers_autoprobe	' | head -n1 | cut -d: -f1)
    [ -z "$first_other" ] || [ "$last_autoprobe" -lt "$first_other" ] ||
        fail "a bind/unbind/driver_override write (line $first_other) came before the last drivers_autoprobe write (line $last_autoprobe):
$(writes)"
    assert_no_untracked_writes
}

@test "a bus that appears later gets autoprobe 0" {
    tdispd_start
    run kctl newbus auxiliary
    assert_success
    wait_for test "$(autoprobe_of auxiliary)" = 0 || assert_autoprobe auxiliary 0
    assert_written /sys/bus/auxiliary/drivers_autoprobe 0
    assert_no_untracked_writes
}

@test "a binding made on a new bus before autoprobe went off is undone" {
    # keep the parent (the NVMe function) bound, so that only the new binding is in question
    policy 50-nvme.policy <<EOF
[Match]
Path=0000:00:04.0
[Policy]
Action=shared
Driver=nvme
EOF
    tdispd_start
    assert_driver 0000:00:04.0 nvme
    # the bus registers and its driver binds the device before tdispd can write 0
    run kctl newbus auxiliary aux-eth
    assert_success
    assert_output --partial "bound to aux_fixture by autoprobe"
    wait_no_driver aux_fixture.eth.0
    assert_autoprobe auxiliary 0
    assert_written "$(drvfile auxiliary aux_fixture unbind)" aux_fixture.eth.0
}

@test "the proposed modules_autoprobe parameter is turned off when the kernel has it" {
    kctl feature modules-autoprobe
    tdispd_start
    assert_written /sys/module/module/parameters/modules_autoprobe
    [ "$(cat "$SYS/module/module/parameters/modules_autoprobe")" = N ] ||
        fail "modules_autoprobe shows $(cat "$SYS/module/module/parameters/modules_autoprobe"), expected N"
}

@test "autoprobe stays off when tdispd stops" {
    tdispd_start
    kill -TERM "$TDISPD_PID"
    wait_for tdispd_exited || fail "tdispd did not exit on SIGTERM"
    for b in $BUSES; do assert_autoprobe "$b" 0; done
    refute_written /sys/bus/pci/drivers_autoprobe 1
}
