#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tdisp-restart.bats — TDISP devices across the topology lock, restarts and modes: a device that
# appears after the lock never gets a driver; a locked one that disappears is reported; kill -9 at
# any step and a restart converge without a second accept (design.md, invariants 5 and 6); a corrupt
# state file is reported and trusted for nothing; Mode=audit never touches tsm/; devices wait for
# the TSM's readiness uevent.

load helpers

setup_file() {
    tdispd_setup_file
}

setup() {
    umockdev_setup
}

teardown() {
    umockdev_teardown
}

TDI=0000:01:00.0
HOT=0000:00:04.0

start_kernel() {
    kernel_start "$FIXTURES/umockdev/${1:-tdisp}.testbed"
    kctl modload allow >/dev/null
}

tdispd_kill9() {
    kill -KILL "$TDISPD_PID"
    wait "$TDISPD_PID" 2>/dev/null || true
}

# Writes tdispd made to tsm/ or to bind/unbind files after line $1 of writes().
writes_after() {
    writes | tail -n +"$(($1 + 1))" | grep -E '/tsm/|/(bind|unbind)	' || true
}

@test "TopologyLock=at-ready: a TDISP device hot-added later never gets a driver or a lock; a violation record" {
    start_kernel
    tdisp_conf "Verifier=exec:$(verifier ok approve)" TopologyLock=at-ready OnTopologyViolation=log
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    tdispd_log_has "Device topology locked" || fail "the topology was not locked at READY"
    # the 6.1 hot-plug race: the loaded operational driver binds before anyone sees the add (the
    # module is loaded here, unless tdispd has loaded it already)
    kctl load pci_testdev_drv >/dev/null 2>&1 || true
    run kctl plug hot-testdev race
    assert_output --partial "bound to pci_testdev_drv despite drivers_autoprobe=0"
    wait_no_driver $HOT
    wait_state $HOT denied
    assert_override $HOT none
    tdispd_log_has "Topology violation: device $HOT appeared.*TDISPD_DEVICE=$HOT TDISPD_VIOLATION=appeared TDISPD_ON_VIOLATION=log" ||
        fail "no topology violation record for $HOT"
    refute_written "$(devattr $HOT tsm/lock)"
    refute_written "$(devattr $HOT tsm/accept)"
    assert_tsm $HOT lock ""
    # a bind uevent later (someone else's write) is undone too
    kctl set-override $HOT pci_testdev_drv >/dev/null
    kctl bind $HOT pci_testdev_drv >/dev/null
    wait_no_driver $HOT
    assert_tsm_clean
    # the device that was there when the topology was locked goes on to run
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm_clean
}

@test "OnTopologyViolation=remove: a TDISP device hot-added after the lock is removed" {
    start_kernel
    tdisp_conf "Verifier=exec:$(verifier ok approve)" TopologyLock=at-ready OnTopologyViolation=remove
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    kctl plug hot-testdev >/dev/null
    wait_for gone $HOT || fail "$HOT was not removed; its states: $(states_of $HOT | tr '\n' ' ')"
    assert_written /sys/devices/pci0000:00/0000:00:04.0/remove 1
    tdispd_log_has "Topology violation: device $HOT appeared.*TDISPD_ON_VIOLATION=remove" || fail "no violation record"
    assert_tsm_count 0 lock $HOT
}

@test "OnTopologyViolation=remove: an ordinary device hot-added after the lock is removed" {
    start_kernel
    tdisp_conf "Verifier=exec:$(verifier ok approve)" TopologyLock=at-ready OnTopologyViolation=remove
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    kctl plug hot-nic >/dev/null
    wait_for gone 0000:00:05.0 || fail "0000:00:05.0 was not removed"
    tdispd_log_has "Topology violation: device 0000:00:05.0 appeared" || fail "no violation record"
}

@test "a locked device that disappears is reported; its verifier run is stopped" {
    start_kernel
    tdisp_conf "Verifier=exec:$(verifier slow sleep 20)" TopologyLock=at-ready VerifierTimeoutSec=30s
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI attesting
    wait_for output_at_least 1 verifier_started || fail "the verifier was not asked"
    assert_tsm $TDI lock tsm0
    kctl unplug $TDI >/dev/null
    wait_for tdispd_log_has "Topology violation: device $TDI disappeared" || fail "no 'disappeared' record"
    tdispd_log_has "TDISPD_DEVICE=$TDI TDISPD_VIOLATION=disappeared" || fail "no TDISPD_VIOLATION=disappeared"
    assert_tsm_count 1 removed $TDI CONFIG_LOCKED
    wait_for verifier_gone || fail "the verifier run for the removed device still runs"
    tdispd_running || fail "tdispd died"
    assert_tsm_clean
}

@test "kill -9 while ATTESTING, restart: unlocked, attested again, accepted exactly once" {
    start_kernel
    tdisp_conf "Verifier=exec:$(verifier slow sleep 20 --once "$BATS_TEST_TMPDIR/slept")" VerifierTimeoutSec=30s
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI attesting
    wait_for output_at_least 1 verifier_started || fail "the verifier was not asked"
    assert_tsm $TDI lock tsm0
    tdispd_kill9
    verifier_kill_leftovers
    assert_tsm $TDI accept 0
    tdisp_start
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_override $TDI pci_testdev_drv
    assert_tsm $TDI lock tsm0
    assert_tsm $TDI accept 1
    tdispd_log_has "found locked at start without a recorded approval" || fail "the restart did not say why it unlocks"
    assert_tsm_count 2 lock $TDI ok
    assert_tsm_count 1 unlock $TDI ok
    assert_tsm_count 1 accept $TDI ok
    # the verdict that counted was on evidence of the second lock
    grep -q 'lock generation 2.*"answer": "approve"' "$KSTATE/verifier.log" || fail "no approval of generation 2 evidence"
    assert_verifier_clean
    assert_tsm_clean
}

@test "restart after acceptance with the state file intact: still running, no second accept, nothing rewritten" {
    start_kernel
    tdisp_conf "Verifier=exec:$(verifier ok approve)"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI running
    settle
    [ -s "$RUNDIR/state.json" ] || fail "no state file"
    tdispd_kill9
    local before
    before=$(writes | wc -l)
    tdisp_start
    settle
    assert_driver $TDI pci_testdev_drv
    assert_tsm $TDI accept 1
    assert_tsm_count 1 accept $TDI ok
    assert_tsm_count 1 lock $TDI ok
    assert_tsm_count 0 unlock $TDI
    run writes_after "$before"
    assert_output ""
    [ "$(last_state $TDI)" = running ] || fail "$TDI is $(last_state $TDI) after the restart"
    [ "$(verifier_runs)" -eq 1 ] || fail "the restart asked the verifier again"
    assert_tsm_clean
}

# The reason of the first state-file write after DEV's last transition into STATE.
write_after_state() {
    awk -v dev="TDISPD_DEVICE=$1 " -v st="TDISPD_STATE=$2" '
        index($0, dev) && index($0, "TDISPD_OLD_STATE=") && index($0, st) { seen = 1; why = ""; next }
        seen && why == "" && match($0, /\/state\.json \([^)]*\)/) { why = substr($0, RSTART + 13, RLENGTH - 14) }
        END { print why }' "$TDISPD_LOG"
}

has_write_after_state() {
    [ -n "$(write_after_state "$@")" ]
}

@test "a TDISP device's state file is written before READY=1 and at once after acceptance; kill -9 then keeps it" {
    start_kernel
    tdisp_conf "Verifier=exec:$(verifier ok approve)"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start --log-level=debug
    # locked in the first pass: the file holds something a restart relies on
    [ "$(state_writes "before READY=1")" -eq 1 ] || fail "READY=1 did not wait for the state file"
    wait_state $TDI running
    wait_for has_write_after_state $TDI running || fail "no state file written after acceptance"
    [ "$(write_after_state $TDI running)" = "at once" ] ||
        fail "acceptance was written '$(write_after_state $TDI running)', not at once"
    tdispd_kill9
    tdisp_start
    settle
    [ "$(last_state $TDI)" = running ] || fail "$TDI is $(last_state $TDI) after the restart"
    assert_tsm_count 1 accept $TDI ok
    assert_tsm_count 0 unlock $TDI
    [ "$(verifier_runs)" -eq 1 ] || fail "the restart asked the verifier again"
    assert_tsm_clean
}

@test "restart with a corrupt state file: reported, the device attested again, the topology locked" {
    start_kernel
    tdisp_conf "Verifier=exec:$(verifier ok approve)"
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    wait_state $TDI running
    settle
    tdispd_kill9
    printf '{"version": 1, "devices": [ garbage' >"$RUNDIR/state.json"
    tdisp_start
    tdispd_log_has "Ignoring state file $RUNDIR/state.json" || fail "the corrupt state file was not reported"
    tdispd_log_has "Device topology locked" || fail "the topology was not locked after a corrupt state file"
    wait_for output_at_least 2 tsm_count accept $TDI ok || fail "the device was not accepted again"
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm $TDI accept 1
    # the approval could not be trusted: unbound, unlocked, locked and attested afresh
    assert_tsm_count 2 lock $TDI ok
    assert_tsm_count 1 unlock $TDI ok
    assert_tsm_count 2 accept $TDI ok
    [ "$(verifier_runs)" -eq 2 ] || fail "expected a second verdict, saw $(verifier_runs) runs"
    assert_verifier_clean
    assert_tsm_clean
}

@test "Mode=audit: nothing is written to tsm/, nothing locked, no verifier asked" {
    start_kernel
    config <<EOF
[Manager]
Mode=audit
DefaultAction=deny
Verifier=exec:$(verifier ok approve)
EOF
    testdev_policy Driver=pci_testdev_drv
    tdisp_start
    settle
    run bash -c "grep -v '^#' '$KSTATE/writes.log' | grep -F '/tsm/' || true"
    assert_output ""
    assert_no_writes
    assert_tsm $TDI lock ""
    assert_tsm $TDI accept 0
    assert_no_driver $TDI
    run tsm_audit
    refute_output --regexp '^(lock|unlock|accept)'
    [ "$(verifier_started)" -eq 0 ] || fail "the verifier was asked in audit mode"
    has_state $TDI audited || fail "no TDISPD_STATE=audited record for $TDI"
    tdispd_log_has "Audit: would" || fail "no audit record"
}

@test "a TSM that is not ready yet: the device waits, then runs the pipeline on the TSM's change uevent" {
    start_kernel tdisp-notready
    tdisp_conf "Verifier=exec:$(verifier ok approve)"
    # no TDISP= in [Match]: see the next test
    policy 50-testdev.policy <<EOF
[Match]
Vendor=1b36
Device=0005
[Policy]
Action=accept
Driver=pci_testdev_drv
EOF
    tdisp_start
    wait_state $TDI waiting-tsm
    assert_no_driver $TDI
    [ "$(tsm_count lock $TDI)" -eq 0 ] || fail "locked before the TSM was ready"
    kctl tsm-ready >/dev/null
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm $TDI accept 1
    assert_tsm_count 1 accept $TDI ok
    assert_tsm_clean
}

@test "a TSM that is not ready yet: TDISP=yes and TDISP=no rules are judged once the tsm/ groups are final" {
    start_kernel tdisp-notready
    tdisp_conf "Verifier=exec:$(verifier ok approve)"
    testdev_policy Driver=pci_testdev_drv
    # the same devices without the TEE bit would be ordinary shared devices
    policy 60-testdev-shared.policy <<EOF
[Match]
Vendor=1b36
Device=0005
TDISP=no
[Policy]
Action=shared
Driver=pci_testdev_drv
EOF
    tdisp_start
    settle
    assert_no_driver $TDI
    [ "$(tsm_count lock $TDI)" -eq 0 ] || fail "locked before the TSM was ready"
    # kernel-abi.md §2: only after the TSM's change uevent may a device without tsm/ be taken as
    # one that will never get it — so the TDISP=yes rule must be applied then
    kctl tsm-ready >/dev/null
    wait_state $TDI running
    assert_driver $TDI pci_testdev_drv
    assert_tsm $TDI accept 1
    assert_tsm_clean
}
