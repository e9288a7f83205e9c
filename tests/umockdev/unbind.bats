#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# unbind.bats — bindings that policy does not allow are undone: at start, on a later bind uevent,
# after the 6.1 hot-plug race; DeniedDrivers= beats every allowance; built-in trust and its limits.

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

@test "at start, module drivers that policy does not allow are unbound and the devices pinned to none" {
    tdispd_start
    local dev
    for dev in 0000:00:03.0 0000:00:04.0 0000:00:07.0 virtio1 pcspkr; do
        assert_no_driver "$dev"
    done
    assert_written "$(drvfile pci e1000e unbind)" 0000:00:03.0
    assert_written "$(drvfile pci nvme unbind)" 0000:00:04.0
    assert_written "$(drvfile virtio virtio_rng unbind)" virtio1
    assert_written "$(drvfile platform pcspkr unbind)" pcspkr
    for dev in 0000:00:00.0 0000:01:00.0 0000:00:02.0 0000:00:03.0 0000:00:04.0 0000:00:06.0 0000:00:07.0 pcspkr; do
        assert_override "$dev" none
    done
    # virtio has no driver_override: nothing may be written there
    refute_written "$(devattr virtio1 driver_override)"
    assert_no_untracked_writes
}

@test "DefaultAction=deny keeps built-in drivers while TrustBuiltinDrivers=yes" {
    tdispd_start
    assert_driver 0000:00:01.0 pcieport
    assert_driver 0000:00:05.0 ahci
    assert_driver serial8250 serial8250
    refute_written "$(drvfile pci pcieport unbind)"
    refute_written "$(drvfile pci ahci unbind)"
    refute_written "$(drvfile platform serial8250 unbind)"
}

@test "TrustBuiltinDrivers=no unbinds built-in bindings" {
    config <<EOF
[Manager]
Mode=enforce
DefaultAction=deny
TrustBuiltinDrivers=no
EOF
    tdispd_start
    wait_no_driver 0000:00:05.0
    assert_no_driver 0000:00:01.0
    assert_no_driver serial8250
    assert_written "$(drvfile pci ahci unbind)" 0000:00:05.0
    assert_written "$(drvfile platform serial8250 unbind)" serial8250
}

@test "a deny rule refuses a built-in driver even with TrustBuiltinDrivers=yes" {
    policy 50-ahci.policy <<EOF
[Match]
Path=0000:00:05.0
[Policy]
Action=deny
EOF
    tdispd_start
    assert_no_driver 0000:00:05.0
    assert_override 0000:00:05.0 none
    assert_driver 0000:00:01.0 pcieport
}

@test "a built-in driver with a module link (a built-in module with parameters) is trusted as built-in" {
    # In the kernel a built-in driver gets /sys/bus/*/drivers/<drv>/module too when its module has a
    # /sys/module entry (parameters), as i8042 and 8250 do; /sys/module/i8042 has no initstate.
    [ -L "$SYS/bus/platform/drivers/i8042/module" ]
    [ ! -e "$SYS/module/i8042/initstate" ]
    tdispd_start
    settle
    assert_driver i8042 i8042
    refute_written "$(drvfile platform i8042 unbind)"
}

@test "a later bind uevent for a driver policy does not allow is undone at once" {
    tdispd_start
    assert_no_driver virtio1
    # someone writes bind (virtio has no driver_override, so the kernel lets it through)
    run kctl bind virtio1 virtio_rng
    assert_success
    wait_no_driver virtio1
    local unbinds
    unbinds=$(writes | grep -c -F "$(drvfile virtio virtio_rng unbind)	virtio1	ok")
    [ "$unbinds" -eq 2 ] || fail "expected a second unbind of virtio1, saw $unbinds:
$(writes)"
}

@test "a binding that bypassed driver_override (kernel-internal probe) is undone" {
    tdispd_start
    assert_override 0000:00:03.0 none
    kctl force-bind 0000:00:03.0 e1000e
    wait_no_driver 0000:00:03.0
    assert_override 0000:00:03.0 none
}

@test "the 6.1 hot-plug race: a device bound despite drivers_autoprobe=0 is unbound" {
    tdispd_start
    assert_autoprobe pci 0
    run kctl plug hot-nic race
    assert_success
    assert_output --partial "despite drivers_autoprobe=0"
    wait_no_driver 0000:00:08.0
    wait_for test "$(override_of 0000:00:08.0)" = none || assert_override 0000:00:08.0 none
    assert_written "$(drvfile pci e1000e unbind)" 0000:00:08.0
    assert_autoprobe pci 0
}

@test "hot-plug honouring drivers_autoprobe=0: the device stays unbound and gets pinned" {
    tdispd_start
    kctl plug hot-nic
    wait_for test "$(override_of 0000:00:08.0)" = none || assert_override 0000:00:08.0 none
    assert_no_driver 0000:00:08.0
    refute_written "$(drvfile pci e1000e bind)" 0000:00:08.0
}

@test "DeniedDrivers= beats an explicit Driver= rule" {
    config <<EOF
[Manager]
Mode=enforce
DefaultAction=deny
DeniedDrivers=e1000e
EOF
    policy 50-nic.policy <<EOF
[Match]
Vendor=0x8086
Device=0x10d3
[Policy]
Action=shared
Driver=e1000e
EOF
    tdispd_start
    settle
    assert_no_driver 0000:00:03.0
    assert_no_driver 0000:01:00.0
    refute_written "$(drvfile pci e1000e bind)"
}

@test "DeniedDrivers= beats TrustedDrivers=" {
    config <<EOF
[Manager]
Mode=enforce
DefaultAction=shared
TrustedDrivers=e1000e nvme
DeniedDrivers=e1000*
EOF
    tdispd_start
    settle
    assert_no_driver 0000:00:03.0
    assert_driver 0000:00:04.0 nvme
    refute_written "$(drvfile pci e1000e bind)"
}

@test "DeniedDrivers= beats built-in trust" {
    config <<EOF
[Manager]
Mode=enforce
DefaultAction=deny
DeniedDrivers=ahci
EOF
    tdispd_start
    wait_no_driver 0000:00:05.0
    assert_driver 0000:00:01.0 pcieport
}

@test "Action=remove removes the device from its bus" {
    policy 50-remove.policy <<EOF
[Match]
Path=0000:00:06.0
[Policy]
Action=remove
EOF
    local remove
    remove=$(devattr 0000:00:06.0 remove)
    tdispd_start
    wait_for gone 0000:00:06.0 || fail "0000:00:06.0 is still there"
    assert_written "$remove" 1
}

@test "Action=accept on a kernel with no TSM holds the device with no driver (no-tsm)" {
    policy 50-accept.policy <<EOF
[Match]
Path=0000:00:03.0
[Policy]
Action=accept
EOF
    tdispd_start
    settle
    assert_no_driver 0000:00:03.0
    refute_written "$(drvfile pci e1000e bind)"
    tdispd_log_has 'TDISPD_DEVICE=0000:00:03.0.*TDISPD_STATE=no-tsm' ||
        fail "no record with TDISPD_STATE=no-tsm for 0000:00:03.0"
}
