#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# coldplug.bats — the first pass finds every device on every bus from sysfs alone (each device's
# uevent file and links), whether or not its uevent file holds MODALIAS=, and judges each one.

load helpers

setup_file() {
    tdispd_setup_file
}

setup() {
    umockdev_setup
    # the default machine plus devices of other buses, some without MODALIAS= (as many platform,
    # serio and cpu devices are)
    TESTBED=$BATS_TEST_TMPDIR/coldplug.testbed
    {
        cat "$FIXTURES/umockdev/default.testbed"
        echo "device platform /devices/platform/regulatory.0 nomodalias"
        echo "device serio /devices/platform/i8042/serio0 nomodalias"
        echo "device cpu /devices/system/cpu/cpu0"
        echo "device pci /devices/pci0000:00/0000:00:0a.0 id=8086:10d3 subsys=8086:a01f class=020000 nomodalias"
    } >"$TESTBED"
    kernel_start "$TESTBED"
}

teardown() {
    umockdev_teardown
}

# The devices present at start: every device line of the testbed but the hot-plug ones and those on
# late buses.
present_devices() {
    local late
    late=$(awk '$1 == "bus" && $3 == "late" { print $2 }' "$TESTBED")
    awk -v late=" $(echo "$late" | tr '\n' ' ') " '
        $1 == "device" && !/ hotplug/ && index(late, " " $2 " ") == 0 { n = split($3, p, "/"); print p[n] }' "$TESTBED"
}

@test "coldplug finds and judges every device on every bus, with or without MODALIAS=" {
    tdispd_start
    local dev n=0
    for dev in $(present_devices); do
        n=$((n + 1))
        [ -n "$(last_state "$dev")" ] || fail "coldplug did not judge $dev"
    done
    [ "$n" -eq 18 ] || fail "$n devices in the testbed, not 18"
    tdispd_log_has "Coldplug: $n devices on " || fail "coldplug counted other than $n devices: $(grep Coldplug: "$TDISPD_LOG")"
    # without MODALIAS= a device is still judged by what it has: default deny, no driver
    assert_no_driver regulatory.0
    assert_no_driver 0000:00:0a.0
    in_state 0000:00:0a.0 denied || fail "0000:00:0a.0 is $(last_state 0000:00:0a.0)"
}

@test "a device without MODALIAS= is matched by its other keys, never by Modalias=" {
    policy 50-nic.policy <<POL
[Match]
Vendor=0x8086
Device=0x10d3
Path=0000:00:0a.0
[Policy]
Action=shared
Driver=e1000e
POL
    policy 60-platform.policy <<POL
[Match]
Bus=platform
Path=regulatory.0
Modalias=*
[Policy]
Action=shared
POL
    tdispd_start
    wait_driver 0000:00:0a.0 e1000e
    settle
    in_state regulatory.0 denied || fail "regulatory.0 is $(last_state regulatory.0)"
}
