#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# config.bats — a broken configuration or policy fails closed (autoprobe off, nothing bound, the
# error names file:line and key); --check-config validates without touching sysfs.

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

# After a failed start: autoprobe off on every bus, and no other write (nothing bound or unbound).
assert_failed_closed() {
    local b
    for b in pci virtio platform usb serio cpu; do assert_autoprobe "$b" 0; done
    local other
    other=$(writes | grep -v -e '/drivers_autoprobe	' -e '^/sys/module/module/parameters/modules_autoprobe	' || true)
    [ -z "$other" ] || fail "expected only drivers_autoprobe writes, also saw:
$other"
    # the bindings the testbed started with are untouched, the unbound devices still unbound
    assert_driver 0000:00:03.0 e1000e
    assert_no_driver 0000:01:00.0
    assert_no_untracked_writes
}

@test "a broken config fails closed and names file:line and the key" {
    config <<EOF
[Manager]
Mode=enforce
Bogus=1
DefaultAction=shared
EOF
    tdispd_run
    assert_failure
    assert_output --partial "$CONF:3"
    assert_output --partial Bogus
    assert_failed_closed
}

@test "a bad value in the config fails closed too" {
    config <<EOF
[Manager]
Mode=enforce
DefaultAction=maybe
EOF
    tdispd_run
    assert_failure
    assert_output --partial "$CONF:3"
    assert_output --partial DefaultAction
    assert_failed_closed
}

@test "a broken policy file fails closed and names file:line and the key" {
    policy 10-ok.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Action=shared
Driver=e1000e
EOF
    policy 50-broken.policy <<EOF
[Match]
Vendor=0x8086
Colour=blue
[Policy]
Action=shared
EOF
    tdispd_run
    assert_failure
    assert_output --partial "50-broken.policy:3"
    assert_output --partial Colour
    assert_failed_closed
}

@test "a policy file without Action= fails closed" {
    policy 50-noaction.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Driver=e1000e
EOF
    tdispd_run
    assert_failure
    assert_output --partial 50-noaction.policy
    assert_output --partial Action
    assert_failed_closed
}

@test "--check-config exits 0 for a good configuration and writes nothing" {
    config <<EOF
[Manager]
Mode=enforce
DefaultAction=deny
TrustedDrivers=e1000e virtio_*
DeniedDrivers=igb
TrustBuiltinDrivers=yes
EOF
    policy 50-nic.policy <<EOF
[Match]
Vendor=0x8086
Class=0x020000/0xff0000
[Policy]
Action=shared
Driver=e1000e
EOF
    tdispd_run --check-config
    assert_success
    assert_no_writes
    assert_no_untracked_writes
}

@test "--check-config fails with file:line for a bad config and writes nothing" {
    config <<EOF
[Manager]
Mode=enforce

TrustBuiltinDrivers=perhaps
EOF
    tdispd_run --check-config
    assert_failure
    assert_output --partial "$CONF:4"
    assert_output --partial TrustBuiltinDrivers
    assert_no_writes
}

@test "--check-config fails with file:line for a bad policy" {
    policy 50-bad.policy <<EOF
# a comment
[Match]
Class=0x020001/0xff0000
[Policy]
Action=shared
EOF
    tdispd_run --check-config
    assert_failure
    assert_output --partial "50-bad.policy:3"
    assert_output --partial Class
    assert_no_writes
}
