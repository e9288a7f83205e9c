#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# hotplug.bats — devices that come and go while tdispd runs: an allowed one is bound, a removed one
# is forgotten (the same name coming back as another device is judged afresh).

load helpers

setup_file() {
    tdispd_setup_file
}

setup() {
    umockdev_setup
    kernel_start
    policy 50-nic.policy <<EOF
[Match]
Vendor=0x8086
Device=0x10d3
[Policy]
Action=shared
Driver=e1000e
EOF
}

teardown() {
    umockdev_teardown
}

bind_writes_for() {      # bind_writes_for DEV — how many successful bind writes named DEV
    writes | grep -c -E "^/sys/bus/[^/]+/drivers/[^/]+/bind	$1	ok$" || true
}

@test "a hot-plugged allowed device is bound by tdispd" {
    tdispd_start
    kctl plug hot-nic
    wait_driver 0000:00:08.0 e1000e
    assert_override 0000:00:08.0 e1000e
    assert_written "$(drvfile pci e1000e bind)" 0000:00:08.0
}

@test "a removed device is forgotten: its name coming back as another device is judged afresh" {
    tdispd_start
    kctl plug hot-nic
    wait_driver 0000:00:08.0 e1000e
    kctl unplug hot-nic
    gone 0000:00:08.0
    # same slot, now an NVMe function: DefaultAction=deny
    kctl plug hot-nvme
    wait_for test "$(override_of 0000:00:08.0)" = none || assert_override 0000:00:08.0 none
    settle
    assert_no_driver 0000:00:08.0
    [ "$(bind_writes_for 0000:00:08.0)" -eq 1 ] || fail "expected one bind write for 0000:00:08.0:
$(writes)"
    refute_written "$(drvfile pci nvme bind)" 0000:00:08.0
    tdispd_running
}

@test "a device replaced in its slot before tdispd reacts never gets the old device's driver" {
    tdispd_start
    kctl plug hot-nic
    wait_driver 0000:00:08.0 e1000e
    # unbind + remove of the NIC and add of an NVMe function at 0000:00:08.0, all queued before
    # tdispd reads the first of them (it is stopped meanwhile)
    kill -STOP "$TDISPD_PID"
    kctl replace hot-nic hot-nvme
    kill -CONT "$TDISPD_PID"
    wait_for test "$(override_of 0000:00:08.0)" = none || assert_override 0000:00:08.0 none
    settle
    assert_no_driver 0000:00:08.0
    local bound
    bound=$(grep -c 'bound 0000:00:08.0 to ' "$KSTATE/kernel.log" || true)
    [ "$bound" -eq 1 ] || fail "0000:00:08.0 was bound $bound times; the NVMe function must never be:
$(grep 0000:00:08.0 "$KSTATE/kernel.log")"
}

@test "a removed device that comes back is bound again" {
    tdispd_start
    kctl plug hot-nic
    wait_driver 0000:00:08.0 e1000e
    kctl unplug hot-nic
    kctl plug hot-nic
    wait_driver 0000:00:08.0 e1000e
    [ "$(bind_writes_for 0000:00:08.0)" -eq 2 ] || fail "expected two bind writes for 0000:00:08.0:
$(writes)"
}

@test "removing a bound device with children (unbind and remove uevents) leaves tdispd running" {
    config <<EOF
[Manager]
Mode=enforce
DefaultAction=shared
TrustedDrivers=virtio*
EOF
    tdispd_start
    wait_driver virtio0 virtio_net
    kctl unplug 0000:00:02.0
    gone virtio0
    settle
    tdispd_running
    # and it still acts on new events
    kctl plug hot-nic
    wait_driver 0000:00:08.0 e1000e
}
