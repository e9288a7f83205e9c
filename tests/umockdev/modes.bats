#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# modes.bats — Mode=audit reports and writes nothing; Mode=off does nothing; tdispd.mode= on the
# kernel command line overrides Mode=.

load helpers

setup_file() {
    tdispd_setup_file
}

setup() {
    umockdev_setup
    kernel_start
    # A policy that would unbind (DefaultAction=deny) and bind (the rule) if enforced.
    policy 50-nic.policy <<EOF
[Match]
Path=0000:01:00.0
[Policy]
Action=shared
Driver=e1000e
EOF
}

teardown() {
    umockdev_teardown
}

# Everything is as the testbed started: same bindings, autoprobe on, nothing pinned.
assert_untouched() {
    assert_driver 0000:00:03.0 e1000e
    assert_driver 0000:00:04.0 nvme
    assert_driver virtio1 virtio_rng
    assert_no_driver 0000:01:00.0
    assert_override 0000:00:03.0 "(null)"
    assert_override 0000:01:00.0 "(null)"
    assert_autoprobe pci 1
    assert_no_writes
    assert_no_untracked_writes
}

@test "audit mode writes nothing at all, and says what it would do" {
    config <<EOF
[Manager]
Mode=audit
DefaultAction=deny
EOF
    tdispd_start
    settle
    assert_untouched
    tdispd_log_has 'would' || fail "no 'would …' record in the log"
}

@test "audit mode: later bind uevents and hot-plug races are reported, not undone" {
    config <<EOF
[Manager]
Mode=audit
DefaultAction=deny
EOF
    tdispd_start
    kctl plug hot-nic race
    kctl bind 0000:01:00.0 e1000e
    settle
    assert_driver 0000:00:08.0 e1000e
    assert_driver 0000:01:00.0 e1000e
    assert_no_writes
    assert_no_untracked_writes
    tdispd_running
}

@test "mode off writes nothing" {
    config <<EOF
[Manager]
Mode=off
DefaultAction=deny
EOF
    tdispd_start
    kctl plug hot-nic race
    settle
    assert_untouched
    assert_driver 0000:00:08.0 e1000e
    tdispd_running
}

@test "tdispd.mode=audit on the kernel command line overrides Mode=enforce" {
    config <<EOF
[Manager]
Mode=enforce
DefaultAction=deny
EOF
    tdispd_start --kernel-cmdline="quiet tdispd.mode=audit"
    settle
    assert_untouched
}
