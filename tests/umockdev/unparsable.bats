#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# unparsable.bats — a device whose uevent properties tdispd refuses (here a MODALIAS= with a
# non-ASCII character, as a firmware table's string may give one) is tracked and denied with every
# driver, at coldplug (uevent file) and on hotplug (uevent), even when a rule would match its ids:
# ignored, the driver already bound to it would stay.

load helpers

setup_file() {
    tdispd_setup_file || return 1
    TDISPCTL_BIN=${TDISPCTL_BIN:-$UMOCKDEV_TESTS/../../build/src/ctl/tdispctl}
    [ -x "$TDISPCTL_BIN" ] || { echo "tdispctl binary not found at '$TDISPCTL_BIN' (set TDISPCTL_BIN)" >&2; return 1; }
    export TDISPCTL_BIN
}

setup() {
    umockdev_setup
    TESTBED=$BATS_TEST_TMPDIR/unparsable.testbed
    {
        cat "$FIXTURES/umockdev/default.testbed"
        echo "device pci /devices/pci0000:00/0000:00:0b.0 id=8086:10d3 subsys=8086:a01f class=020000 driver=e1000e badmodalias"
        echo "device pci /devices/pci0000:00/0000:00:0c.0 id=8086:10d3 subsys=8086:a01f class=020000 key=hot-bad hotplug badmodalias"
    } >"$TESTBED"
    kernel_start "$TESTBED"
    # A rule that allows exactly these NICs, had their properties been readable.
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

@test "coldplug: a device with refused properties loses its driver, is denied and pinned to none" {
    tdispd_start
    wait_no_driver 0000:00:0b.0
    wait_state 0000:00:0b.0 denied
    assert_override 0000:00:0b.0 none
    assert_written "$(drvfile pci e1000e unbind)" 0000:00:0b.0
    tdispd_log_has "0000:00:0b.0: refusing its uevent properties (Bad message): denied, and no driver may bind" ||
        fail "no warning naming the device and the error"
    tdispd_log_has "TDISPD_DEVICE=0000:00:0b.0 .*TDISPD_STATE=denied.*TDISPD_RULE=unparsable-properties" ||
        fail "no denied record naming unparsable-properties"
    # the rule still applies to the same NIC with readable properties
    wait_driver 0000:00:03.0 e1000e
}

@test "hotplug: a device with refused properties gets no driver, not even the one the kernel binds" {
    tdispd_start
    kctl plug hot-bad
    wait_state 0000:00:0c.0 denied
    wait_no_driver 0000:00:0c.0
    assert_override 0000:00:0c.0 none
    refute_written "$(drvfile pci e1000e bind)" 0000:00:0c.0
    tdispd_log_has "0000:00:0c.0: refusing its uevent properties" || fail "no warning for the hot-plugged device"
}

@test "tdispctl shows why: the rule is unparsable-properties" {
    tdispd_start
    wait_state 0000:00:0b.0 denied
    run "$TDISPCTL_BIN" --socket="$RUNDIR/io.tdispd.Manager" --json show 0000:00:0b.0
    assert_success
    assert_equal "$(jq -r '[.state, .rule, (.driver // "-")] | join(" ")' <<< "$output")" "denied unparsable-properties -"
}

@test "generate-policy leaves it out and says why" {
    tdispd_start
    wait_state 0000:00:0b.0 denied
    run "$TDISPCTL_BIN" --socket="$RUNDIR/io.tdispd.Manager" generate-policy
    assert_success
    assert_output --partial "Skipping '0000:00:0b.0': tdispd refused its uevent properties, so no rule applies to it."
    assert_output --partial "0000:00:03.0"
    refute_output --partial "Path=0000:00:0b.0"
}
