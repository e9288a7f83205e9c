#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tdisp-kernel.bats — the fake kernel's guest TSM (harness/tsm.py) checked on its own, with shell
# writes and no tdispd: the v2 ABI of kernel-abi.md §2–§5 (lock, unlock, accept, their errors and
# read-backs, no uevents), the evidence files, the audit, and the fault knobs the TDISP suites use.

load helpers

setup_file() {
    umockdev_setup_file
}

setup() {
    umockdev_setup
}

teardown() {
    umockdev_teardown
}

DEV=0000:01:00.0
TDI=/sys/bus/pci/devices/0000:01:00.0

# sh_in_testbed SCRIPT — bash -c SCRIPT as tdispd runs (preload + sysfs shim), through bats `run`.
sh_in_testbed() {
    run in_testbed bash -c "$1"
}

@test "tsm: the devsec TSM class device and tsm/ groups only on TEE-capable devices" {
    kernel_start "$FIXTURES/umockdev/tdisp.testbed"
    [ "$(cat "$SYS/class/tsm/tsm0/pci_mode")" = devsec ]
    [ -d "$(devdir $DEV)/tsm" ]
    [ ! -e "$(devdir 0000:00:03.0)/tsm" ] || fail "a device without the TEE bit has a tsm/ group"
    assert_tsm $DEV lock ""
    assert_tsm $DEV accept 0
    [ -s "$KSTATE/evidence/$DEV/cert0" ] && [ -s "$KSTATE/evidence/$DEV/vca" ] &&
        [ -s "$KSTATE/evidence/$DEV/measurements" ] || fail "static evidence missing"
    [ ! -e "$KSTATE/evidence/$DEV/report" ] || fail "an interface report exists before lock"
    sh_in_testbed "cat $TDI/tsm/lock; cat /sys/class/tsm/tsm0/pci_mode"
    assert_success
    assert_output $'\ndevsec'
}

@test "tsm: lock, accept, unlock follow the v2 ABI, with read-backs and fresh evidence per lock" {
    kernel_start "$FIXTURES/umockdev/tdisp.testbed"
    sh_in_testbed "echo tsm0 > $TDI/tsm/lock"
    assert_success
    assert_tsm $DEV lock tsm0
    assert_tsm $DEV accept 0
    grep -q 'lock generation 1' "$KSTATE/evidence/$DEV/report" || fail "no report for generation 1"
    local meas1
    meas1=$(cat "$KSTATE/evidence/$DEV/measurements")
    # already locked
    sh_in_testbed "echo tsm0 > $TDI/tsm/lock"
    assert_failure
    assert_output --partial "Device or resource busy"
    # false and malformed values: EINVAL, there is no un-accept
    sh_in_testbed "echo 0 > $TDI/tsm/accept"
    assert_output --partial "Invalid argument"
    sh_in_testbed "echo maybe > $TDI/tsm/accept"
    assert_output --partial "Invalid argument"
    assert_tsm $DEV accept 0
    sh_in_testbed "echo 1 > $TDI/tsm/accept"
    assert_success
    assert_tsm $DEV accept 1
    assert_tsm_clean
    # unlock: only with the locking TSM's name
    sh_in_testbed "echo tsm1 > $TDI/tsm/unlock"
    assert_output --partial "Invalid argument"
    sh_in_testbed "echo tsm0 > $TDI/tsm/unlock"
    assert_success
    assert_tsm $DEV lock ""
    assert_tsm $DEV accept 0
    [ ! -e "$KSTATE/evidence/$DEV/report" ] || fail "report still there after unlock"
    # not locked: unlock and accept are EINVAL
    sh_in_testbed "echo tsm0 > $TDI/tsm/unlock"
    assert_output --partial "Invalid argument"
    sh_in_testbed "echo 1 > $TDI/tsm/accept"
    assert_output --partial "Invalid argument"
    # a second lock: generation 2, other measurements
    sh_in_testbed "echo tsm0 > $TDI/tsm/lock"
    assert_success
    grep -q 'lock generation 2' "$KSTATE/evidence/$DEV/report" || fail "no report for generation 2"
    [ "$(cat "$KSTATE/evidence/$DEV/measurements")" != "$meas1" ] || fail "measurements did not change"
    assert_tsm_count 2 lock $DEV ok
    assert_tsm_count 1 accept $DEV ok
    assert_tsm_clean
    assert_no_untracked_writes
}

@test "tsm: a second accept is not refused (v2) but audited as a violation" {
    kernel_start "$FIXTURES/umockdev/tdisp.testbed"
    sh_in_testbed "echo tsm0 > $TDI/tsm/lock && echo 1 > $TDI/tsm/accept && echo 1 > $TDI/tsm/accept"
    assert_success
    assert_tsm $DEV accept 1
    run tsm_audit
    assert_line --regexp "^VIOLATION	$DEV	tsm/accept written twice"
}

@test "tsm: lock names: ENXIO for a TSM that is not devsec, EINVAL for a malformed one" {
    kernel_start "$FIXTURES/umockdev/tdisp.testbed"
    sh_in_testbed "echo tsm7 > $TDI/tsm/lock"
    assert_failure
    assert_output --partial "No such device or address"
    sh_in_testbed "printf 'tsm0 tsm1' > $TDI/tsm/lock"
    assert_output --partial "Invalid argument"
    assert_tsm $DEV lock ""
    run writes
    assert_line "$(devattr $DEV tsm/lock)	tsm7	ENXIO"
}

@test "tsm: with a driver bound lock and accept are EBUSY and audited; unbinding in RUN means ERROR" {
    kernel_start "$FIXTURES/umockdev/tdisp.testbed"
    # autoprobe is on without tdispd: loading the module binds the device
    kctl load pci_testdev_drv
    assert_driver $DEV pci_testdev_drv
    sh_in_testbed "echo tsm0 > $TDI/tsm/lock"
    assert_output --partial "Device or resource busy"
    run tsm_audit
    assert_line --regexp "^VIOLATION	$DEV	tsm/lock written while driver pci_testdev_drv is bound"
    kctl unbind $DEV
    sh_in_testbed "echo tsm0 > $TDI/tsm/lock"
    assert_success
    # a driver bound while locked but not RUN
    kctl bind $DEV pci_testdev_drv
    run tsm_audit
    assert_line --regexp "^VIOLATION	$DEV	driver pci_testdev_drv bound while CONFIG_LOCKED"
    sh_in_testbed "echo 1 > $TDI/tsm/accept"
    assert_output --partial "Device or resource busy"
    sh_in_testbed "echo tsm0 > $TDI/tsm/unlock"
    assert_output --partial "Device or resource busy"
    # unbinding clears Bus Master Enable: ERROR, which accept cannot leave; unlock can
    kctl unbind $DEV
    run kctl tsm-state $DEV
    assert_output --partial ERROR
    sh_in_testbed "echo 1 > $TDI/tsm/accept"
    assert_output --partial "Input/output error"
    assert_tsm $DEV lock tsm0
    sh_in_testbed "echo tsm0 > $TDI/tsm/unlock"
    assert_success
    run kctl tsm-state $DEV
    assert_output --partial CONFIG_UNLOCKED
}

@test "tsm: fault knobs — the next lock fails with an injected errno; a device dropped to ERROR" {
    kernel_start "$FIXTURES/umockdev/tdisp.testbed"
    kctl tsm-fail $DEV lock EBUSY
    sh_in_testbed "echo tsm0 > $TDI/tsm/lock"
    assert_output --partial "Device or resource busy"
    sh_in_testbed "echo tsm0 > $TDI/tsm/lock"
    assert_success
    kctl tsm-fail $DEV accept EIO 2
    sh_in_testbed "echo 1 > $TDI/tsm/accept; echo 1 > $TDI/tsm/accept; echo 1 > $TDI/tsm/accept"
    assert_tsm_count 2 accept $DEV EIO
    assert_tsm_count 1 accept $DEV ok
    kctl tsm-error $DEV
    # ERROR is not reported: accept keeps reading 1
    assert_tsm $DEV accept 1
    assert_tsm $DEV lock tsm0
    assert_tsm_count 1 error $DEV
    assert_tsm_clean
}

@test "tsm: lock, unlock and accept send no uevent; the TSM's readiness is a change uevent" {
    kernel_start "$FIXTURES/umockdev/tdisp-notready.testbed"
    listen_start
    [ -d "$SYS/class/tsm/tsm0" ]
    [ ! -e "$(devdir $DEV)/tsm" ] || fail "tsm/ group visible before the TSM is ready"
    kctl tsm-ready
    [ -d "$(devdir $DEV)/tsm" ] || fail "no tsm/ group after the TSM is ready"
    wait_for grep -q '^change /devices/virtual/tsm/tsm0 tsm' "$EVENTS" || fail "no change uevent for tsm0:
$(cat "$EVENTS")"
    local before
    before=$(wc -l <"$EVENTS")
    sh_in_testbed "echo tsm0 > $TDI/tsm/lock && echo 1 > $TDI/tsm/accept && echo tsm0 > $TDI/tsm/unlock"
    assert_success
    sleep 0.2
    [ "$(wc -l <"$EVENTS")" -eq "$before" ] || fail "uevents for TSM operations:
$(tail -n +$((before + 1)) "$EVENTS")"
    assert_no_untracked_writes
}
